"""Losses: `Loss` classes (reduction and sample weights) and per-sample loss functions.

A loss function `fn(y_true, y_pred)` returns one value per sample (it averages over the last axis
where Keras does). A `Loss` object wraps one and reduces the per-sample values to a scalar:
"sum_over_batch_size" (the default: the weighted sum divided by the number of values), "sum", or
"none". Everything is written with graphflow ops, so losses work eagerly and inside a traced
graphflow.function alike.

    >>> import numpy as np
    >>> from graphflow.keras import losses
    >>> loss = losses.MeanSquaredError()
    >>> float(loss(np.array([[0.0, 1.0]]), np.array([[1.0, 1.0]])))
    0.5
    >>> losses.mean_squared_error(np.array([[0.0, 1.0]]), np.array([[1.0, 1.0]])).numpy()
    array([0.5])
"""
import math

from graphflow import dtypes
from graphflow.errors import InvalidArgumentError
from graphflow.keras import object_registration as registry
from graphflow.keras.backend import epsilon, floatx
from graphflow.ops import api as ops
from graphflow.ops import nn
from graphflow.tensor import EagerTensor, Tensor, Variable


REDUCTIONS = ("sum_over_batch_size", "sum", "none", "mean", "mean_with_sample_weight")


# -- helpers shared with metrics.py --------------------------------------------------------------

def as_tensor(x, dtype=None):
    """`x` as a tensor (Variables are read); cast to `dtype` when one is given.

        >>> as_tensor(np.array([1, 2]), "float32").dtype
        tf.float32
    """
    if isinstance(x, Variable):
        x = x.value()
    elif not isinstance(x, Tensor):
        x = ops.convert_to_tensor(x)  # Python floats become float32, arrays keep their dtype
    if dtype is not None:
        dtype = dtypes.as_dtype(dtype)
        if x.dtype is not dtype:
            x = ops.cast(x, dtype)
    return x


def float_tensor(x, dtype=None):
    """`x` as a floating tensor: `dtype` when given, else its own floating dtype or float32."""
    x = as_tensor(x)
    if dtype is not None:
        return as_tensor(x, dtype)
    return x if x.dtype.is_floating else ops.cast(x, dtypes.float32)


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Makes ranks equal when they differ by one and the longer tensor's last axis is 1 (Keras's
    rule): a rank-1 partner is expanded, otherwise the size-1 axis is squeezed.

        >>> a, b = squeeze_or_expand_to_same_rank(tf.zeros((4,)), tf.zeros((4, 1)))
        >>> a.shape, b.shape
        (TensorShape([4, 1]), TensorShape([4, 1]))
    """
    r1, r2 = x1.shape.rank, x2.shape.rank
    if r1 is None or r2 is None or r1 == r2:
        return x1, x2
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = ops.expand_dims(x2, -1)
        else:
            x1 = ops.squeeze(x1, -1)
    elif r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = ops.expand_dims(x1, -1)
        else:
            x2 = ops.squeeze(x2, -1)
    return x1, x2


def divide_no_nan(x, y):
    """x / y, and 0 where y == 0.

        >>> divide_no_nan(tf.constant([1.0, 1.0]), tf.constant([2.0, 0.0])).numpy()
        array([0.5, 0. ], dtype=float32)
    """
    zero = ops.equal(y, 0.0)
    safe = ops.where(zero, ops.ones_like(y), y)
    return ops.where(zero, ops.zeros_like(x * safe), x / safe)


def num_elements(x):
    """The number of elements of `x`: a Python int when static, else a scalar int32 tensor."""
    n = x.shape.num_elements()
    return n if n is not None else ops.size(x)


def _check_same_shape(what, y_true, y_pred):
    a, b = y_true.shape, y_pred.shape
    if not a.is_compatible_with(b):
        raise InvalidArgumentError(
            f"{what}: y_true and y_pred must have the same shape, got y_true shape {a} and "
            f"y_pred shape {b}")


def _pair(what, y_true, y_pred):
    """Converts the pair: y_pred to a floating tensor and y_true to y_pred's dtype."""
    y_pred = float_tensor(y_pred)
    y_true = as_tensor(y_true, y_pred.dtype)
    return y_true, y_pred


def _mean_last(x, axis=-1):
    return ops.reduce_mean(x, axis) if x.shape.rank != 0 else x


# -- loss functions (per-sample values) ----------------------------------------------------------

def mean_squared_error(y_true, y_pred):
    """mean((y_pred - y_true) ** 2) over the last axis.

        >>> mean_squared_error([[0.0, 2.0]], [[1.0, 1.0]]).numpy()
        array([1.], dtype=float32)
    """
    y_true, y_pred = _pair("mean_squared_error", y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return _mean_last(ops.square(y_pred - y_true))


def mean_absolute_error(y_true, y_pred):
    """mean(|y_pred - y_true|) over the last axis.

        >>> mean_absolute_error([[0.0, 2.0]], [[1.0, 1.0]]).numpy()
        array([1.], dtype=float32)
    """
    y_true, y_pred = _pair("mean_absolute_error", y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return _mean_last(ops.abs(y_pred - y_true))


def mean_absolute_percentage_error(y_true, y_pred):
    """100 * mean(|y_true - y_pred| / max(|y_true|, eps)) over the last axis.

        >>> mean_absolute_percentage_error([[2.0, 4.0]], [[1.0, 4.0]]).numpy()
        array([25.], dtype=float32)
    """
    y_true, y_pred = _pair("mean_absolute_percentage_error", y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    diff = ops.abs((y_true - y_pred) / ops.maximum(ops.abs(y_true), epsilon()))
    return 100.0 * _mean_last(diff)


def mean_squared_logarithmic_error(y_true, y_pred):
    """mean((log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1)) ** 2) over the last axis.

        >>> round(float(mean_squared_logarithmic_error([[0.0]], [[1.0]])[0]), 4)
        0.4805
    """
    y_true, y_pred = _pair("mean_squared_logarithmic_error", y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    first = ops.log(ops.maximum(y_pred, epsilon()) + 1.0)
    second = ops.log(ops.maximum(y_true, epsilon()) + 1.0)
    return _mean_last(ops.square(first - second))


def huber(y_true, y_pred, delta=1.0):
    """Quadratic for |error| <= delta, linear beyond: mean over the last axis of
    0.5 * e**2 if |e| <= delta else delta * |e| - 0.5 * delta**2.

        >>> huber([[0.0, 0.0]], [[0.5, 3.0]]).numpy()
        array([1.3125], dtype=float32)
    """
    y_true, y_pred = _pair("huber", y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    delta = float(delta)
    error = y_pred - y_true
    abs_error = ops.abs(error)
    quadratic = 0.5 * ops.square(error)
    linear = delta * abs_error - 0.5 * delta * delta
    return _mean_last(ops.where(ops.less_equal(abs_error, delta), quadratic, linear))


def log_cosh(y_true, y_pred):
    """mean(log(cosh(y_pred - y_true))) over the last axis, computed without overflow.

        >>> round(float(log_cosh([[0.0]], [[1.0]])[0]), 4)
        0.4338
    """
    y_true, y_pred = _pair("log_cosh", y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    x = y_pred - y_true
    return _mean_last(x + nn.softplus(-2.0 * x) - math.log(2.0))


def cosine_similarity(y_true, y_pred, axis=-1):
    """-sum(l2_normalize(y_true) * l2_normalize(y_pred)) along `axis` (-1 when aligned).

        >>> cosine_similarity([[0.0, 1.0]], [[0.0, 3.0]]).numpy()
        array([-1.], dtype=float32)
    """
    y_true, y_pred = _pair("cosine_similarity", y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    y_true = nn.l2_normalize(y_true, axis)
    y_pred = nn.l2_normalize(y_pred, axis)
    return -ops.reduce_sum(y_true * y_pred, axis)


def kl_divergence(y_true, y_pred):
    """sum(y_true * log(y_true / y_pred)) over the last axis, both clipped to [eps, 1].

        >>> round(float(kl_divergence([[0.5, 0.5]], [[0.25, 0.75]])[0]), 4)
        0.1438
    """
    y_true, y_pred = _pair("kl_divergence", y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    y_true = ops.clip_by_value(y_true, epsilon(), 1.0)
    y_pred = ops.clip_by_value(y_pred, epsilon(), 1.0)
    return ops.reduce_sum(y_true * ops.log(y_true / y_pred), -1)


def poisson(y_true, y_pred):
    """mean(y_pred - y_true * log(y_pred + eps)) over the last axis.

        >>> poisson([[0.0]], [[1.0]]).numpy()
        array([1.], dtype=float32)
    """
    y_true, y_pred = _pair("poisson", y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return _mean_last(y_pred - y_true * ops.log(y_pred + epsilon()))


def _hinge_labels(y_true):
    """Labels in {0, 1} become {-1, 1} (Keras converts them when all are 0 or 1)."""
    is_binary = ops.reduce_all(ops.logical_or(ops.equal(y_true, 0.0), ops.equal(y_true, 1.0)))
    return ops.where(is_binary, 2.0 * y_true - 1.0, y_true)


def hinge(y_true, y_pred):
    """mean(max(1 - y_true * y_pred, 0)) over the last axis; 0/1 labels are mapped to -1/1.

        >>> hinge([[1.0, 0.0]], [[0.5, -2.0]]).numpy()
        array([0.25], dtype=float32)
    """
    y_true, y_pred = _pair("hinge", y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return _mean_last(ops.maximum(1.0 - _hinge_labels(y_true) * y_pred, 0.0))


def squared_hinge(y_true, y_pred):
    """mean(max(1 - y_true * y_pred, 0) ** 2) over the last axis; 0/1 labels become -1/1.

        >>> squared_hinge([[1.0, 0.0]], [[0.5, -2.0]]).numpy()
        array([0.125], dtype=float32)
    """
    y_true, y_pred = _pair("squared_hinge", y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return _mean_last(ops.square(ops.maximum(1.0 - _hinge_labels(y_true) * y_pred, 0.0)))


def categorical_hinge(y_true, y_pred):
    """max(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0) over the last axis.

        >>> categorical_hinge([[0.0, 1.0]], [[0.3, 0.8]]).numpy()
        array([0.5], dtype=float32)
    """
    y_true, y_pred = _pair("categorical_hinge", y_true, y_pred)
    pos = ops.reduce_sum(y_true * y_pred, -1)
    neg = ops.reduce_max((1.0 - y_true) * y_pred, -1)
    return ops.maximum(neg - pos + 1.0, 0.0)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """-sum(y_true * log(p)) along `axis`, where p is softmax(y_pred) with from_logits=True,
    else y_pred normalized to sum 1 and clipped to [1e-7, 1 - 1e-7].

        >>> round(float(categorical_crossentropy([[0.0, 1.0]], [[0.5, 0.5]])[0]), 4)
        0.6931
    """
    y_true, y_pred = _pair("categorical_crossentropy", y_true, y_pred)
    if y_pred.shape.rank == 0:
        raise InvalidArgumentError(
            "categorical_crossentropy: y_pred must have a class axis, got a scalar")
    _check_same_shape("categorical_crossentropy", y_true, y_pred)
    if label_smoothing:
        num_classes = y_pred.shape[axis]
        if num_classes is None:
            num_classes = ops.cast(ops.shape(y_pred)[axis], y_pred.dtype)
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / num_classes
    if from_logits:
        return nn.softmax_cross_entropy_with_logits(y_true, y_pred, axis)
    probs = y_pred / ops.reduce_sum(y_pred, axis, keepdims=True)
    probs = ops.clip_by_value(probs, epsilon(), 1.0 - epsilon())
    return -ops.reduce_sum(y_true * ops.log(probs), axis)


def _sparse_labels(what, y_true, y_pred):
    """Integer class labels of y_pred's shape without its class axis (from (batch,) or
    (batch, 1), int or float)."""
    y_true = as_tensor(y_true)
    rt, rp = y_true.shape.rank, y_pred.shape.rank
    if rt is not None and rp is not None and rt == rp and y_true.shape[-1] == 1:
        y_true = ops.squeeze(y_true, -1)
    if not y_true.dtype.is_integer:
        y_true = ops.cast(y_true, dtypes.int32)
    lt, lp = y_true.shape, y_pred.shape
    if lt.rank is not None and lp.rank is not None and (
            lt.rank != lp.rank - 1 or not lt.is_compatible_with(lp[:-1])):
        raise InvalidArgumentError(
            f"{what}: y_true shape {lt} must be y_pred shape {lp} without its last (class) axis "
            f"(or with a last axis of 1)")
    return y_true




def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None,
                                    axis=-1):
    """Cross-entropy between integer labels and predictions with a class axis (the last).

    y_true may be int or float, of shape (batch,) or (batch, 1). Labels equal to
    `ignore_class` get a loss of 0.

        >>> round(float(sparse_categorical_crossentropy([1], [[0.5, 0.5]])[0]), 4)
        0.6931
    """
    what = "sparse_categorical_crossentropy"
    y_pred = float_tensor(y_pred)
    if axis not in (-1, None) and axis != (y_pred.shape.rank or 0) - 1:
        raise InvalidArgumentError(f"{what}: only axis=-1 (classes last) is supported, got {axis}")
    if y_pred.shape.rank in (None, 0):
        raise InvalidArgumentError(
            f"{what}: y_pred must have a class axis, got shape {y_pred.shape}")
    num_classes = y_pred.shape[-1]
    if num_classes is None:
        raise InvalidArgumentError(f"{what}: the number of classes (last axis of y_pred, shape "
                                   f"{y_pred.shape}) must be known")
    labels = _sparse_labels(what, y_true, y_pred)
    valid = None
    if ignore_class is not None:
        valid = ops.not_equal(labels, ops.cast(ignore_class, labels.dtype))
        labels = ops.where(valid, labels, ops.zeros_like(labels))
    # checked when the step runs, compiled or not (TF's kernel raises for such labels)
    labels = nn.check_label_range(labels, num_classes, what)
    if from_logits:
        losses = nn.sparse_xent_of_checked(labels, y_pred)
    else:
        # sum(one_hot * p) picks each sample's probability without a gather.
        hot = ops.one_hot(labels, num_classes, dtype=y_pred.dtype)
        picked = ops.reduce_sum(hot * y_pred, -1) / ops.reduce_sum(y_pred, -1)
        losses = -ops.log(ops.clip_by_value(picked, epsilon(), 1.0 - epsilon()))
    if valid is not None:
        losses = ops.where(valid, losses, ops.zeros_like(losses))
    return losses


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """mean over `axis` of -(y * log(p) + (1 - y) * log(1 - p)), with p = sigmoid(y_pred) when
    from_logits=True, else y_pred clipped to [1e-7, 1 - 1e-7].

        >>> round(float(binary_crossentropy([[1.0]], [[0.5]])[0]), 4)
        0.6931
    """
    y_true, y_pred = _pair("binary_crossentropy", y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    _check_same_shape("binary_crossentropy", y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        per_value = nn.sigmoid_cross_entropy_with_logits(y_true, y_pred)
    else:
        p = ops.clip_by_value(y_pred, epsilon(), 1.0 - epsilon())
        per_value = -(y_true * ops.log(p) + (1.0 - y_true) * ops.log(1.0 - p))
    return _mean_last(per_value, axis)



def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25, gamma=2.0,
                              from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary cross-entropy scaled by the focal factor (1 - p_t) ** gamma (Lin et al., 2018),
    p_t = y * p + (1 - y) * (1 - p); with apply_class_balancing, also by alpha for class 1 and
    1 - alpha for class 0. The mean over `axis` (Keras 3's formula, p clipped only inside the
    logarithms).

        >>> round(float(binary_focal_crossentropy([[1.0, 0.0]], [[0.9, 0.2]])[0]), 6)
        0.00499
    """
    y_true, y_pred = _pair("binary_focal_crossentropy", y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    _check_same_shape("binary_focal_crossentropy", y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        y_pred = ops.sigmoid(y_pred)
    p = ops.clip_by_value(y_pred, epsilon(), 1.0 - epsilon())
    bce = -(y_true * ops.log(p) + (1.0 - y_true) * ops.log(1.0 - p))
    p_t = y_true * y_pred + (1.0 - y_true) * (1.0 - y_pred)
    focal = ops.pow(1.0 - p_t, float(gamma)) * bce
    if apply_class_balancing:
        focal = (y_true * float(alpha) + (1.0 - y_true) * (1.0 - float(alpha))) * focal
    return _mean_last(focal, axis)


def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False,
                                   label_smoothing=0.0, axis=-1):
    """sum over `axis` of alpha * (1 - p) ** gamma * -y_true * log(p), p the predictions
    normalized to sum 1 (softmax of logits with from_logits=True) and clipped to [eps, 1 - eps].

        >>> round(float(categorical_focal_crossentropy([[0.0, 1.0]], [[0.2, 0.8]])[0]), 6)
        0.002231
    """
    if isinstance(axis, bool):
        raise InvalidArgumentError(f"categorical_focal_crossentropy: axis must be an int, got "
                                   f"{axis!r}")
    y_true, y_pred = _pair("categorical_focal_crossentropy", y_true, y_pred)
    if y_pred.shape.rank == 0:
        raise InvalidArgumentError(
            "categorical_focal_crossentropy: y_pred must have a class axis, got a scalar")
    _check_same_shape("categorical_focal_crossentropy", y_true, y_pred)
    if label_smoothing:
        num_classes = y_true.shape[-1]
        if num_classes is None:
            num_classes = ops.cast(ops.shape(y_true)[-1], y_pred.dtype)
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / num_classes
    if from_logits:
        y_pred = nn.softmax(y_pred, axis)
    output = y_pred / ops.reduce_sum(y_pred, axis, keepdims=True)
    output = ops.clip_by_value(output, epsilon(), 1.0 - epsilon())
    cce = -y_true * ops.log(output)
    focal = ops.pow(1.0 - output, float(gamma)) * float(alpha) * cce
    return ops.reduce_sum(focal, axis)


def categorical_generalized_cross_entropy(y_true, y_pred, q):
    """(1 - p ** q) / q, p the predicted probability of each sample's integer label
    (Zhang & Sabuncu, 2018): cross-entropy as q -> 0, mean absolute error at q = 1.

        >>> round(float(categorical_generalized_cross_entropy([1], [[0.36, 0.64]], 0.5)[0]), 4)
        0.4
    """
    y_pred = float_tensor(y_pred)
    if y_pred.shape.rank in (None, 0) or y_pred.shape[-1] is None:
        raise InvalidArgumentError(
            "categorical_generalized_cross_entropy: y_pred needs a known class axis, got shape "
            f"{y_pred.shape}")
    labels = _sparse_labels("categorical_generalized_cross_entropy", y_true, y_pred)
    hot = ops.one_hot(labels, y_pred.shape[-1], dtype=y_pred.dtype)
    p = ops.reduce_sum(y_pred * hot, -1)
    return (1.0 - ops.pow(p, float(q))) / float(q)


def ctc(y_true, y_pred):
    """The CTC loss of integer labels (batch, max_length), 0 the blank and padding, and logits
    (batch, steps, classes), every step counted (Keras 3's keras.losses.ctc).

        >>> round(float(ctc([[1, 2]], np.zeros((1, 4, 3), np.float32))[0]), 4)
        1.6864
    """
    from graphflow.keras import ops as kops
    y_true, y_pred = as_tensor(y_true), as_tensor(y_pred)
    if y_true.shape.rank != 2:
        raise InvalidArgumentError(
            "Targets `y_true` are expected to be a tensor of shape `(batch_size, max_length)` in "
            f"integer format. Received: y_true.shape={y_true.shape}")
    if y_pred.shape.rank != 3:
        raise InvalidArgumentError(
            "Logits `y_pred` are expected to be a tensor of shape `(batch_size, max_length, "
            f"num_classes)`. Received: y_pred.shape={y_pred.shape}")
    shape = ops.shape(y_pred)
    input_length = ops.fill([shape[0]], shape[1])
    label_length = ops.cast(ops.reduce_sum(ops.cast(ops.not_equal(y_true, 0), "int32"), -1),
                            "int32")
    return kops.ctc_loss(y_true, y_pred, label_length, input_length, mask_index=0)


def dice(y_true, y_pred, axis=None):
    """1 - 2 * sum(y_true * y_pred) / (sum(y_true) + sum(y_pred) + eps), summed over `axis`
    (all axes by default, one value for the batch; Keras 3's formula).

        >>> round(float(dice([[1.0, 0.0]], [[0.8, 0.2]])), 4)
        0.2
    """
    y_true, y_pred = _pair("dice", y_true, y_pred)
    intersection = ops.reduce_sum(y_true * y_pred, axis)
    score = 2.0 * intersection / (ops.reduce_sum(y_true, axis) + ops.reduce_sum(y_pred, axis)
                                  + epsilon())
    return 1.0 - score


def tversky(y_true, y_pred, alpha=0.5, beta=0.5, axis=None):
    """1 - tp / (tp + alpha * fp + beta * fn + eps) with tp = sum(y_true * y_pred),
    fp = sum((1 - y_pred) * y_true), fn = sum(y_pred * (1 - y_true)) (Keras 3 names them so)
    over `axis` (all axes by default). alpha = beta = 0.5 is the Dice loss.

        >>> round(float(tversky([[1.0, 0.0]], [[0.8, 0.2]])), 4)
        0.2
    """
    y_true, y_pred = _pair("tversky", y_true, y_pred)
    tp = ops.reduce_sum(y_true * y_pred, axis)
    fp = ops.reduce_sum((1.0 - y_pred) * y_true, axis)
    fn = ops.reduce_sum(y_pred * (1.0 - y_true), axis)
    return 1.0 - tp / (tp + fp * float(alpha) + fn * float(beta) + epsilon())


def _masked_logsumexp(values, mask):
    """logsumexp over axis 1 of the entries where `mask`; -inf for a row with none (with a zero
    gradient, where the plain formula's log(0) would give NaN)."""
    neg_inf = ops.constant(float("-inf"), values.dtype)
    masked = ops.where(mask, values, ops.zeros_like(values) + neg_inf)
    m = ops.stop_gradient(ops.reduce_max(masked, 1, keepdims=True))
    m = ops.where(ops.is_finite(m), m, ops.zeros_like(m))
    total = ops.reduce_sum(ops.where(mask, ops.exp(values - m), ops.zeros_like(values)), 1)
    some = ops.greater(total, 0.0)
    safe = ops.where(some, total, ops.ones_like(total))
    return ops.where(some, ops.log(safe) + ops.squeeze(m, 1), ops.zeros_like(total) + neg_inf)


def circle(y_true, y_pred, ref_labels=None, ref_embeddings=None, remove_diagonal=True, gamma=80,
           margin=0.4):
    """Circle loss (Sun et al., 2020) of L2-normalized embeddings `y_pred` (batch, dim) with
    integer labels `y_true` (batch,): pairs of equal labels are pulled together and others
    pushed apart, each pair weighted by how far it is from its optimum (Keras 3's formula with
    cosine distances 1 - y_pred @ ref_embeddings^T). One value per sample.

        >>> e = tf.constant([[1.0, 0.0], [0.6, 0.8], [0.8, 0.6], [0.0, 1.0]])
        >>> [round(float(v), 3) for v in circle([0, 0, 1, 1], e, gamma=2)]
        [1.467, 2.104, 2.104, 1.467]
    """
    y_pred = float_tensor(y_pred)
    y_true = ops.cast(as_tensor(y_true), dtypes.int32)
    ref_embeddings = y_pred if ref_embeddings is None else float_tensor(ref_embeddings,
                                                                        y_pred.dtype)
    ref_labels = y_true if ref_labels is None else ops.cast(as_tensor(ref_labels), dtypes.int32)
    if y_pred.shape.rank is not None and y_pred.shape.rank != 2:
        raise InvalidArgumentError(
            f"circle: y_pred must be embeddings of shape (batch, dim), got {y_pred.shape}")
    optim_pos, optim_neg = margin, 1.0 + margin
    delta_pos, delta_neg = margin, 1.0 - margin
    distances = ops.maximum(1.0 - ops.matmul(y_pred, ops.transpose(ref_embeddings)), 0.0)
    query = ops.reshape(y_true, [-1, 1])
    keys = ops.reshape(ref_labels, [1, -1])
    positive = ops.equal(query, keys)
    negative = ops.logical_not(positive)
    if remove_diagonal:
        # the diagonal from two ranges: the batch size may be known only when the step runs
        rows = ops.reshape(ops.range(ops.size(query)), [-1, 1])
        eye = ops.equal(rows, ops.reshape(ops.range(ops.size(keys)), [1, -1]))
        positive = ops.logical_and(positive, ops.logical_not(eye))
    pos_mask = ops.cast(positive, distances.dtype)
    neg_mask = ops.cast(negative, distances.dtype)
    pos_weights = ops.maximum((optim_pos + distances) * pos_mask, 0.0)
    neg_weights = ops.maximum((optim_neg - distances) * neg_mask, 0.0)
    pos_wdists = -1.0 * float(gamma) * pos_weights * (delta_pos - distances)
    neg_wdists = float(gamma) * neg_weights * (delta_neg - distances)
    p_loss = _masked_logsumexp(pos_wdists, positive)
    n_loss = _masked_logsumexp(neg_wdists, negative)
    return nn.softplus(p_loss + n_loss)


mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh


# -- reduction -----------------------------------------------------------------------------------

class Reduction:
    """tf.keras's names for the reductions ("auto" means "sum_over_batch_size").

        >>> keras.losses.MeanSquaredError(reduction=keras.losses.Reduction.SUM).reduction
        'sum'
    """
    AUTO = "auto"
    NONE = "none"
    SUM = "sum"
    SUM_OVER_BATCH_SIZE = "sum_over_batch_size"


def _check_reduction(owner, reduction):
    if reduction is None:
        return "none"
    if reduction == "auto":
        return "sum_over_batch_size"
    if reduction not in REDUCTIONS:
        raise InvalidArgumentError(
            f"{owner}: invalid reduction {reduction!r}; expected one of {list(REDUCTIONS)}")
    return reduction


def _weighted(values, sample_weight):
    """values * sample_weight, with the weight's rank matched to the values' first."""
    sample_weight = as_tensor(sample_weight, values.dtype)
    values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
    rv, rw = values.shape.rank, sample_weight.shape.rank
    if rv is not None and rw is not None:
        for _ in range(rw, rv):  # per-sample weights for values with more axes: broadcast
            sample_weight = ops.expand_dims(sample_weight, -1)
    return values * sample_weight, sample_weight


def reduce_weighted_values(values, sample_weight=None, reduction="sum_over_batch_size"):
    """Weights per-sample loss `values` and reduces them (Keras's reductions).

        >>> float(reduce_weighted_values(tf.constant([1.0, 3.0]), [1.0, 0.0]))
        0.5
    """
    reduction = _check_reduction("reduce_weighted_values", reduction)
    if sample_weight is not None:
        values, sample_weight = _weighted(values, sample_weight)
    if reduction == "none" or values.shape.rank == 0:
        return values
    total = ops.reduce_sum(values)
    if reduction == "sum":
        return total
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        weight_sum = ops.reduce_sum(sample_weight * ops.ones_like(values))
        return divide_no_nan(total, weight_sum)
    count = num_elements(values)
    if isinstance(count, int):
        return total / float(count) if count > 0 else total * 0.0
    return divide_no_nan(total, ops.cast(count, total.dtype))


# -- Loss classes --------------------------------------------------------------------------------

class Loss:
    """Base class: `call(y_true, y_pred)` returns per-sample losses and `__call__` weights and
    reduces them to a scalar (or keeps them with reduction="none").

        >>> class Absolute(keras.losses.Loss):
        ...     def call(self, y_true, y_pred):
        ...         return tf.reduce_mean(tf.abs(y_pred - y_true), -1)
        >>> float(Absolute()(np.zeros((2, 1)), np.ones((2, 1))))
        1.0
    """

    def __init__(self, reduction="sum_over_batch_size", name=None, dtype=None):
        self.name = name or _snake(type(self).__name__)
        self.reduction = _check_reduction(f"{type(self).__name__} {self.name!r}", reduction)
        self.dtype = dtypes.as_dtype(dtype or floatx()).name

    def __call__(self, y_true, y_pred, sample_weight=None):
        y_pred = as_tensor(y_pred, self.dtype)
        y_true = self._convert_y_true(y_true)
        losses = self.call(y_true, y_pred)
        losses = as_tensor(losses, self.dtype)
        return reduce_weighted_values(losses, sample_weight, self.reduction)

    def _convert_y_true(self, y_true):
        return as_tensor(y_true, self.dtype)

    def call(self, y_true, y_pred):
        raise NotImplementedError(f"{type(self).__name__} {self.name!r}: subclasses of Loss must "
                                  "implement call(y_true, y_pred)")

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, reduction={self.reduction}>"


def _snake(name):
    import re
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class LossFunctionWrapper(Loss):
    """A Loss around a per-sample loss function `fn(y_true, y_pred, **kwargs)`.

        >>> float(LossFunctionWrapper(mean_absolute_error)([[0.0]], [[2.0]]))
        2.0
    """

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        if not callable(fn):
            raise InvalidArgumentError(f"LossFunctionWrapper: fn must be callable, got {fn!r}")
        super().__init__(reduction=reduction, name=name or getattr(fn, "__name__", None),
                         dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        config = super().get_config()
        if type(self) is LossFunctionWrapper:
            config["fn"] = getattr(self.fn, "__name__", repr(self.fn))
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if cls is LossFunctionWrapper:
            name = config.pop("fn")
            fn = _FUNCTIONS.get(name)
            if fn is None:
                raise InvalidArgumentError(
                    f"LossFunctionWrapper.from_config: unknown loss function {name!r}")
            return cls(fn, **config)
        return cls(**config)


class MeanSquaredError(LossFunctionWrapper):
    """mean((y_pred - y_true) ** 2), averaged over the batch.

        >>> float(keras.losses.MeanSquaredError()([[0.0, 2.0]], [[1.0, 1.0]]))
        1.0
    """

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, reduction=reduction, name=name, dtype=dtype)


class MeanAbsoluteError(LossFunctionWrapper):
    """mean(|y_pred - y_true|), averaged over the batch.

        >>> float(keras.losses.MeanAbsoluteError()([[0.0, 2.0]], [[1.0, 1.0]]))
        1.0
    """

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, reduction=reduction, name=name, dtype=dtype)


class MeanAbsolutePercentageError(LossFunctionWrapper):
    """100 * mean(|y_true - y_pred| / |y_true|).

        >>> float(keras.losses.MeanAbsolutePercentageError()([[2.0]], [[1.0]]))
        50.0
    """

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_percentage_error",
                 dtype=None):
        super().__init__(mean_absolute_percentage_error, reduction=reduction, name=name,
                         dtype=dtype)


class MeanSquaredLogarithmicError(LossFunctionWrapper):
    """mean((log(y_pred + 1) - log(y_true + 1)) ** 2).

        >>> round(float(keras.losses.MeanSquaredLogarithmicError()([[0.0]], [[1.0]])), 4)
        0.4805
    """

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_logarithmic_error",
                 dtype=None):
        super().__init__(mean_squared_logarithmic_error, reduction=reduction, name=name,
                         dtype=dtype)


class Huber(LossFunctionWrapper):
    """Quadratic for small errors, linear for errors beyond `delta`.

        >>> float(keras.losses.Huber()([[0.0, 0.0]], [[0.5, 3.0]]))
        1.3125
    """

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss", dtype=None):
        super().__init__(huber, reduction=reduction, name=name, dtype=dtype, delta=delta)
        self.delta = delta


class LogCosh(LossFunctionWrapper):
    """mean(log(cosh(y_pred - y_true))).

        >>> round(float(keras.losses.LogCosh()([[0.0]], [[1.0]])), 4)
        0.4338
    """

    def __init__(self, reduction="sum_over_batch_size", name="log_cosh", dtype=None):
        super().__init__(log_cosh, reduction=reduction, name=name, dtype=dtype)


class CosineSimilarity(LossFunctionWrapper):
    """-cosine similarity along `axis` (so minimizing it aligns the vectors).

        >>> float(keras.losses.CosineSimilarity()([[0.0, 1.0]], [[0.0, 2.0]]))
        -1.0
    """

    def __init__(self, axis=-1, reduction="sum_over_batch_size", name="cosine_similarity",
                 dtype=None):
        super().__init__(cosine_similarity, reduction=reduction, name=name, dtype=dtype,
                         axis=axis)
        self.axis = axis


class KLDivergence(LossFunctionWrapper):
    """Kullback-Leibler divergence sum(y_true * log(y_true / y_pred)).

        >>> round(float(keras.losses.KLDivergence()([[0.5, 0.5]], [[0.25, 0.75]])), 4)
        0.1438
    """

    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, reduction=reduction, name=name, dtype=dtype)


class Poisson(LossFunctionWrapper):
    """mean(y_pred - y_true * log(y_pred)).

        >>> float(keras.losses.Poisson()([[0.0]], [[1.0]]))
        1.0
    """

    def __init__(self, reduction="sum_over_batch_size", name="poisson", dtype=None):
        super().__init__(poisson, reduction=reduction, name=name, dtype=dtype)


class Hinge(LossFunctionWrapper):
    """mean(max(1 - y_true * y_pred, 0)) with labels -1/1 (0/1 are converted).

        >>> float(keras.losses.Hinge()([[1.0, 0.0]], [[0.5, -2.0]]))
        0.25
    """

    def __init__(self, reduction="sum_over_batch_size", name="hinge", dtype=None):
        super().__init__(hinge, reduction=reduction, name=name, dtype=dtype)


class SquaredHinge(LossFunctionWrapper):
    """mean(max(1 - y_true * y_pred, 0) ** 2) with labels -1/1 (0/1 are converted).

        >>> float(keras.losses.SquaredHinge()([[1.0, 0.0]], [[0.5, -2.0]]))
        0.125
    """

    def __init__(self, reduction="sum_over_batch_size", name="squared_hinge", dtype=None):
        super().__init__(squared_hinge, reduction=reduction, name=name, dtype=dtype)


class CategoricalHinge(LossFunctionWrapper):
    """max(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0).

        >>> float(keras.losses.CategoricalHinge()([[0.0, 1.0]], [[0.3, 0.8]]))
        0.5
    """

    def __init__(self, reduction="sum_over_batch_size", name="categorical_hinge", dtype=None):
        super().__init__(categorical_hinge, reduction=reduction, name=name, dtype=dtype)


class CategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy between one-hot (or soft) labels and predicted class probabilities or
    logits (from_logits=True); label_smoothing mixes the labels with the uniform distribution.

        >>> round(float(keras.losses.CategoricalCrossentropy()([[0.0, 1.0]], [[0.5, 0.5]])), 4)
        0.6931
    """

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_crossentropy", dtype=None):
        if not 0 <= float(label_smoothing) <= 1:
            raise InvalidArgumentError(
                "CategoricalCrossentropy: label_smoothing must be in [0, 1], got "
                f"{label_smoothing}")
        super().__init__(categorical_crossentropy, reduction=reduction, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis

    def call(self, y_true, y_pred):
        _check_same_shape(f"CategoricalCrossentropy {self.name!r}", y_true, y_pred)
        return super().call(y_true, y_pred)


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy between integer labels ((batch,) or (batch, 1), int or float) and predicted
    class probabilities or logits (from_logits=True). Samples labelled `ignore_class` do not
    count, in the sum or in the number of samples the mean divides by.

        >>> round(float(keras.losses.SparseCategoricalCrossentropy()([1], [[0.5, 0.5]])), 4)
        0.6931
    """

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size",
                 name="sparse_categorical_crossentropy", dtype=None):
        super().__init__(sparse_categorical_crossentropy, reduction=reduction, name=name,
                         dtype=dtype, from_logits=from_logits, ignore_class=ignore_class)
        self.from_logits = from_logits
        self.ignore_class = ignore_class

    def _convert_y_true(self, y_true):
        return as_tensor(y_true)  # labels keep their integer dtype (floats are cast in call)

    def call(self, y_true, y_pred):
        return sparse_categorical_crossentropy(y_true, y_pred, **self._fn_kwargs)

    def __call__(self, y_true, y_pred, sample_weight=None):
        if self.ignore_class is None:
            return super().__call__(y_true, y_pred, sample_weight)
        # As Keras's loss mask: ignored samples get weight 0 and, for the mean reductions, the
        # others get total / valid so the mean is over the valid samples.
        y_pred = as_tensor(y_pred, self.dtype)
        y_true = self._convert_y_true(y_true)
        losses = self.call(y_true, y_pred)
        labels = _sparse_labels(self.name, y_true, y_pred)
        mask = ops.cast(ops.not_equal(labels, ops.cast(self.ignore_class, labels.dtype)),
                        losses.dtype)
        if self.reduction in ("mean", "sum_over_batch_size"):
            total = num_elements(mask)
            total = float(total) if isinstance(total, int) else ops.cast(total, mask.dtype)
            mask = mask * divide_no_nan(total, ops.reduce_sum(mask))
        if sample_weight is not None:
            mask, sample_weight = _weighted(mask, sample_weight)
        return reduce_weighted_values(losses, mask, self.reduction)


class BinaryCrossentropy(LossFunctionWrapper):
    """Cross-entropy between 0/1 labels and predicted probabilities or logits
    (from_logits=True), averaged over the last axis; label_smoothing moves labels toward 0.5.

        >>> round(float(keras.losses.BinaryCrossentropy()([[1.0]], [[0.5]])), 4)
        0.6931
    """

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="binary_crossentropy", dtype=None):
        if not 0 <= float(label_smoothing) <= 1:
            raise InvalidArgumentError(
                f"BinaryCrossentropy: label_smoothing must be in [0, 1], got {label_smoothing}")
        super().__init__(binary_crossentropy, reduction=reduction, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis



class BinaryFocalCrossentropy(LossFunctionWrapper):
    """Binary cross-entropy down-weighting easy examples by (1 - p_t) ** gamma, optionally
    balanced by alpha (class 1) and 1 - alpha (class 0).

        >>> round(float(keras.losses.BinaryFocalCrossentropy()([[1.0, 0.0]], [[0.9, 0.2]])), 6)
        0.00499
    """

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
                 label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_focal_crossentropy", dtype=None):
        super().__init__(binary_focal_crossentropy, reduction=reduction, name=name, dtype=dtype,
                         apply_class_balancing=apply_class_balancing, alpha=alpha, gamma=gamma,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.apply_class_balancing = apply_class_balancing
        self.alpha = alpha
        self.gamma = gamma
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis


class CategoricalFocalCrossentropy(LossFunctionWrapper):
    """Categorical cross-entropy weighted by alpha * (1 - p) ** gamma per class.

        >>> round(float(keras.losses.CategoricalFocalCrossentropy()([[0.0, 1.0]],
        ...                                                         [[0.2, 0.8]])), 6)
        0.002231
    """

    def __init__(self, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_focal_crossentropy",
                 dtype=None):
        super().__init__(categorical_focal_crossentropy, reduction=reduction, name=name,
                         dtype=dtype, alpha=alpha, gamma=gamma, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)
        self.alpha = alpha
        self.gamma = gamma
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis


class CategoricalGeneralizedCrossEntropy(LossFunctionWrapper):
    """Generalized cross-entropy (1 - p ** q) / q of integer labels, robust to noisy labels;
    q in (0, 1).

        >>> round(float(keras.losses.CategoricalGeneralizedCrossEntropy()([1], [[0.36, 0.64]])), 4)
        0.4
    """

    def __init__(self, q=0.5, reduction="sum_over_batch_size",
                 name="categorical_generalized_cross_entropy", dtype=None):
        if not 0 < q < 1:
            raise InvalidArgumentError(
                f"CategoricalGeneralizedCrossEntropy: q must be in the interval (0, 1), got {q}")
        super().__init__(categorical_generalized_cross_entropy, reduction=reduction, name=name,
                         dtype=dtype, q=q)
        self.q = q

    def _convert_y_true(self, y_true):
        return as_tensor(y_true)  # integer labels

    def call(self, y_true, y_pred):
        return categorical_generalized_cross_entropy(y_true, y_pred, q=self.q)


class CTC(LossFunctionWrapper):
    """The CTC loss (keras.losses.ctc) of integer labels padded with the blank 0, and logits.

        >>> round(float(keras.losses.CTC()([[1, 2]], np.zeros((1, 4, 3), np.float32))), 4)
        1.6864
    """

    def __init__(self, reduction="sum_over_batch_size", name="ctc", dtype=None):
        super().__init__(ctc, reduction=reduction, name=name, dtype=dtype)

    def _convert_y_true(self, y_true):
        return as_tensor(y_true)  # integer labels

    def call(self, y_true, y_pred):  # labels and logits keep their ranks (2 and 3)
        return ctc(y_true, y_pred)

    def get_config(self):
        return Loss.get_config(self)


class Dice(LossFunctionWrapper):
    """1 - the Dice coefficient 2 * |A & B| / (|A| + |B|) of labels and predictions, over
    `axis` (all axes by default).

        >>> round(float(keras.losses.Dice()([[1.0, 0.0]], [[0.8, 0.2]])), 4)
        0.2
    """

    def __init__(self, reduction="sum_over_batch_size", name="dice", axis=None, dtype=None):
        super().__init__(dice, reduction=reduction, name=name, dtype=dtype, axis=axis)
        self.axis = axis


class Tversky(LossFunctionWrapper):
    """1 - the Tversky index, which weights false positives by alpha and false negatives by
    beta (alpha = beta = 0.5 is Dice).

        >>> round(float(keras.losses.Tversky(alpha=0.3, beta=0.7)([[1.0, 0.0]], [[0.8, 0.2]])), 4)
        0.2
    """

    def __init__(self, alpha=0.5, beta=0.5, reduction="sum_over_batch_size", name="tversky",
                 axis=None, dtype=None):
        super().__init__(tversky, reduction=reduction, name=name, dtype=dtype, alpha=alpha,
                         beta=beta, axis=axis)
        self.alpha = alpha
        self.beta = beta
        self.axis = axis


class Circle(LossFunctionWrapper):
    """Circle loss of embeddings (batch, dim) and integer labels (batch,). As Keras, samples
    whose loss is 0 are masked out: with the mean reductions the others are averaged.

        >>> e = tf.constant([[1.0, 0.0], [0.6, 0.8], [0.8, 0.6], [0.0, 1.0]])
        >>> round(float(keras.losses.Circle(gamma=2.0)([0, 0, 1, 1], e)), 4)
        1.7857
    """

    def __init__(self, gamma=80.0, margin=0.4, remove_diagonal=True,
                 reduction="sum_over_batch_size", name="circle", dtype=None):
        super().__init__(circle, reduction=reduction, name=name, dtype=dtype, gamma=gamma,
                         margin=margin, remove_diagonal=remove_diagonal)
        self.gamma = gamma
        self.margin = margin
        self.remove_diagonal = remove_diagonal

    def call(self, y_true, y_pred):
        return circle(y_true, y_pred, **self._fn_kwargs)

    def __call__(self, y_true, y_pred, sample_weight=None):
        y_pred = as_tensor(y_pred, self.dtype)
        y_true = as_tensor(y_true, self.dtype)
        losses = self.call(y_true, y_pred)
        # Keras sets the mask losses > 0 on the output; mean reductions then average over the
        # unmasked samples (their weight is total / valid).
        mask = ops.cast(ops.greater(losses, 0.0), losses.dtype)
        if self.reduction in ("mean", "sum_over_batch_size"):
            total = num_elements(mask)
            total = float(total) if isinstance(total, int) else ops.cast(total, mask.dtype)
            mask = mask * divide_no_nan(total, ops.reduce_sum(mask))
        if sample_weight is not None:
            mask, sample_weight = _weighted(mask, sample_weight)
        return reduce_weighted_values(losses, mask, self.reduction)


# -- lookup and serialization --------------------------------------------------------------------

_CLASSES = [MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
            MeanSquaredLogarithmicError, Huber, LogCosh, CosineSimilarity, KLDivergence, Poisson,
            Hinge, SquaredHinge, CategoricalHinge, CategoricalCrossentropy,
            SparseCategoricalCrossentropy, BinaryCrossentropy, BinaryFocalCrossentropy,
            CategoricalFocalCrossentropy, CategoricalGeneralizedCrossEntropy, CTC, Dice, Tversky,
            Circle, LossFunctionWrapper]

_FUNCTIONS = {fn.__name__: fn for fn in (
    mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
    mean_squared_logarithmic_error, huber, log_cosh, cosine_similarity, kl_divergence, poisson,
    hinge, squared_hinge, categorical_hinge, categorical_crossentropy,
    sparse_categorical_crossentropy, binary_crossentropy, binary_focal_crossentropy,
    categorical_focal_crossentropy, categorical_generalized_cross_entropy, ctc, dice, tversky,
    circle)}

# Keras's string names (function names, class names, short aliases) -> Loss class.
ALIASES = {
    "mean_squared_error": MeanSquaredError, "mse": MeanSquaredError, "MSE": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError, "mae": MeanAbsoluteError, "MAE": MeanAbsoluteError,
    "mean_absolute_percentage_error": MeanAbsolutePercentageError,
    "mape": MeanAbsolutePercentageError, "MAPE": MeanAbsolutePercentageError,
    "mean_squared_logarithmic_error": MeanSquaredLogarithmicError,
    "msle": MeanSquaredLogarithmicError, "MSLE": MeanSquaredLogarithmicError,
    "huber": Huber, "huber_loss": Huber, "log_cosh": LogCosh, "logcosh": LogCosh,
    "cosine_similarity": CosineSimilarity, "kl_divergence": KLDivergence, "kld": KLDivergence,
    "KLD": KLDivergence, "kullback_leibler_divergence": KLDivergence, "poisson": Poisson,
    "hinge": Hinge, "squared_hinge": SquaredHinge, "categorical_hinge": CategoricalHinge,
    "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    "binary_crossentropy": BinaryCrossentropy, "bce": BinaryCrossentropy,
    "BCE": BinaryCrossentropy,
    "binary_focal_crossentropy": BinaryFocalCrossentropy,
    "categorical_focal_crossentropy": CategoricalFocalCrossentropy,
    "dice": Dice, "tversky": Tversky, "circle": Circle, "ctc": CTC,
}
for _cls in _CLASSES:
    ALIASES[_cls.__name__] = _cls


def serialize(loss):
    """A JSON-able description: {"class_name", "config"} for Loss objects, a name for functions.

        >>> serialize(keras.losses.Huber(delta=2.0))["config"]["delta"]
        2.0
    """
    if isinstance(loss, Loss):
        config = {"class_name": type(loss).__name__, "config": loss.get_config()}
        registered = registry.get_registered_name(type(loss))
        if registered != type(loss).__name__:
            config["registered_name"] = registered
        return config
    name = getattr(loss, "__name__", None)
    if name in _FUNCTIONS:
        return name
    if loss in registry.GLOBAL_CUSTOM_NAMES:
        return registry.get_registered_name(loss)
    raise InvalidArgumentError(f"Cannot serialize loss {loss!r}: not a Loss or a known loss "
                               "function")


def deserialize(config, custom_objects=None):
    """The Loss described by `serialize`'s output (or by a name)."""
    return get(config, custom_objects)


def get(identifier, custom_objects=None):
    """A Loss object from a Keras name ("mse", "categorical_crossentropy", "Huber", ...), a
    {"class_name", "config"} dict, a Loss instance or class, or a loss function (wrapped in a
    LossFunctionWrapper). None gives None.

        >>> keras.losses.get("mse")
        <MeanSquaredError name=mean_squared_error, reduction=sum_over_batch_size>
    """
    if identifier is None:
        return None
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, str):
        cls = registry.lookup_name(identifier, ALIASES, custom_objects)
        if cls is None or not callable(cls):
            raise InvalidArgumentError(
                f"Unknown loss {identifier!r}; known names: "
                f"{sorted(k for k in ALIASES if k[0].islower())}")
        return cls() if isinstance(cls, type) else LossFunctionWrapper(cls, name=identifier)
    if isinstance(identifier, dict):
        classes = {k: v for k, v in ALIASES.items() if isinstance(v, type)}
        cls, inner = registry.resolve("loss", identifier, classes, custom_objects)
        if not isinstance(cls, type):
            raise InvalidArgumentError(
                f"Loss config {identifier.get('class_name')!r} names a function, not a class")
        return registry.from_config(cls, inner, "loss", identifier["class_name"])
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    if callable(identifier):
        return LossFunctionWrapper(identifier)
    raise InvalidArgumentError(f"Could not interpret loss identifier: {identifier!r}")


def is_sparse_categorical(loss):
    """Whether `loss` (an identifier or object) is sparse categorical cross-entropy.

        >>> is_sparse_categorical("sparse_categorical_crossentropy")
        True
    """
    if isinstance(loss, str):
        return ALIASES.get(loss) is SparseCategoricalCrossentropy
    if isinstance(loss, SparseCategoricalCrossentropy):
        return True
    if isinstance(loss, LossFunctionWrapper):
        return loss.fn is sparse_categorical_crossentropy
    return loss is sparse_categorical_crossentropy or loss is SparseCategoricalCrossentropy
