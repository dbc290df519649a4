"""Neural-network ops (graphflow.nn): activations, softmax, cross-entropies, bias_add, dropout,
and convolution/pooling (conv2d, max_pool2d, avg_pool2d, re-exported from conv.py).

All but convolution and pooling are composites of primitive ops, so they inherit gradients and
fusibility from them; only relu, sigmoid, tanh, erf (elementwise.py) and softplus (special.py) are
primitives, and the conv/pool ops are opaque primitives with their own kernels (conv.py).

    >>> import graphflow as tf
    >>> tf.nn.softmax(tf.constant([0.0, 0.0])).numpy()
    array([0.5, 0.5], dtype=float32)
"""
import functools
import math

import numpy as np

from graphflow.errors import InvalidArgumentError
from graphflow.ops import elementwise as ew
from graphflow.ops import reduce as rd
from graphflow.ops import rules
from graphflow.ops import shape as sh
from graphflow.ops.registry import OPAQUE, dispatch, register
from graphflow.ops.conv import avg_pool2d, conv2d, max_pool2d  # noqa: F401
from graphflow.ops.elementwise import relu, sigmoid, tanh  # noqa: F401 - re-exported as tf.nn.*
from graphflow.ops.gather_scatter import embedding_lookup  # noqa: F401 - tf.nn.embedding_lookup
from graphflow.ops.sort import in_top_k, top_k  # noqa: F401 - tf.nn.in_top_k, tf.nn.top_k
from graphflow.ops.special import softplus  # noqa: F401 - a primitive (its gradient is sigmoid)


@rules.composite("relu6")
def relu6(features, name=None):
    """min(max(x, 0), 6).

        >>> tf.nn.relu6(tf.constant([-1.0, 3.0, 9.0])).numpy()
        array([0., 3., 6.], dtype=float32)
    """
    return ew.minimum(relu(features), 6.0, name)


@rules.composite("leaky_relu")
def leaky_relu(features, alpha=0.2, name=None):
    """x for x > 0, alpha * x otherwise (TF's default alpha is 0.2).

        >>> tf.nn.leaky_relu(tf.constant([-1.0, 2.0])).numpy()
        array([-0.2,  2. ], dtype=float32)
    """
    return ew.where(ew.greater(features, 0.0), features, features * alpha, name)


@rules.composite("elu")
def elu(features, name=None):
    """x for x > 0, exp(x) - 1 otherwise.

        >>> round(float(tf.nn.elu(tf.constant(-1.0))), 4)
        -0.6321
    """
    # expm1 of min(x, 0) keeps the untaken branch finite, so its zero gradient stays zero.
    return ew.where(ew.greater(features, 0.0), features, ew.expm1(ew.minimum(features, 0.0)), name)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


@rules.composite("selu")
def selu(features, name=None):
    """scale * elu(x) with alpha and scale from Klambauer et al. (2017).

        >>> round(float(tf.nn.selu(tf.constant(1.0))), 4)
        1.0507
    """
    neg = _SELU_ALPHA * ew.expm1(ew.minimum(features, 0.0))
    return _SELU_SCALE * ew.where(ew.greater(features, 0.0), features, neg, name)


@rules.composite("gelu")
def gelu(features, approximate=False, name=None):
    """Gaussian error linear unit: x * Phi(x) (the tanh approximation when approximate=True).

        >>> round(float(tf.nn.gelu(tf.constant(1.0))), 4)
        0.8413
    """
    x = features
    if approximate:
        inner = math.sqrt(2.0 / math.pi) * (x + 0.044715 * x * x * x)
        return 0.5 * x * (1.0 + tanh(inner))
    return 0.5 * x * (1.0 + ew.erf(x * (1.0 / math.sqrt(2.0))))


@rules.composite("softsign")
def softsign(features, name=None):
    """x / (1 + |x|).

        >>> tf.nn.softsign(tf.constant(1.0)).numpy()
        0.5
    """
    return ew.truediv(features, 1.0 + ew.abs(features), name)


@rules.composite("swish")
def swish(features, beta=1.0, name=None):
    """x * sigmoid(beta * x) (also called silu).

        >>> round(float(tf.nn.swish(tf.constant(1.0))), 4)
        0.7311
    """
    return ew.multiply(features, sigmoid(features * beta if beta != 1.0 else features), name)


silu = swish


def _check_logits(op_name, logits, axis=-1):
    shape = logits.shape
    if shape.rank == 0:
        raise InvalidArgumentError(f"{op_name}: logits must have rank >= 1, got a scalar")
    if not logits.dtype.is_floating:
        raise InvalidArgumentError(
            f"{op_name}: logits must be a floating-point tensor (half, float or double), got "
            f"{logits.dtype.name} with shape {shape}")
    rules.normalize_axis(op_name, axis, shape.rank, shape.dims_tuple() if shape.rank else None)


@rules.composite("softmax")
def softmax(logits, axis=-1, name=None):
    """exp(x) / sum(exp(x)) along `axis`, shifted by the max for stability.

        >>> tf.nn.softmax(tf.constant([1.0, 1.0])).numpy()
        array([0.5, 0.5], dtype=float32)
    """
    logits = _as_tensor(logits)
    _check_logits("softmax", logits, axis)
    e = ew.exp(logits - ew.stop_gradient(rd.reduce_max(logits, axis, keepdims=True)))
    return ew.truediv(e, rd.reduce_sum(e, axis, keepdims=True), name)


@rules.composite("log_softmax")
def log_softmax(logits, axis=-1, name=None):
    """log(softmax(x)) computed stably.

        >>> round(float(tf.nn.log_softmax(tf.constant([0.0, 0.0]))[0]), 4)
        -0.6931
    """
    logits = _as_tensor(logits)
    _check_logits("log_softmax", logits, axis)
    shifted = logits - ew.stop_gradient(rd.reduce_max(logits, axis, keepdims=True))
    return ew.subtract(shifted, ew.log(rd.reduce_sum(ew.exp(shifted), axis, keepdims=True)), name)


@rules.composite("softmax_cross_entropy_with_logits")
def softmax_cross_entropy_with_logits(labels, logits, axis=-1, name=None):
    """-sum(labels * log_softmax(logits)) along `axis`, per example.

        >>> round(float(tf.nn.softmax_cross_entropy_with_logits([[0.0, 1.0]], [[0.0, 0.0]])[0]), 4)
        0.6931
    """
    logits = _as_tensor(logits)
    labels = ew.cast(_as_tensor(labels), logits.dtype)
    if logits.shape.is_fully_defined() and labels.shape.is_fully_defined() and \
            labels.shape != logits.shape:
        raise InvalidArgumentError(
            f"softmax_cross_entropy_with_logits: labels shape {labels.shape} must equal logits "
            f"shape {logits.shape}")
    return ew.negative(rd.reduce_sum(labels * log_softmax(logits, axis), axis), name)


@rules.composite("sparse_softmax_cross_entropy_with_logits")
def sparse_softmax_cross_entropy_with_logits(labels, logits, name=None):
    """Cross-entropy between integer class `labels` and `logits` (last axis = classes).

        >>> round(float(tf.nn.sparse_softmax_cross_entropy_with_logits([1], [[0.0, 0.0]])[0]), 4)
        0.6931
    """
    logits = _as_tensor(logits)
    labels = _as_tensor(labels)
    if not labels.dtype.is_integer:
        raise InvalidArgumentError(
            f"sparse_softmax_cross_entropy_with_logits: labels must be integers, got {labels.dtype.name}")
    ls, gs = labels.shape, logits.shape
    if ls.rank is not None and gs.rank is not None and (
            ls.rank != gs.rank - 1 or not ls.is_compatible_with(gs[:-1])):
        raise InvalidArgumentError(
            f"sparse_softmax_cross_entropy_with_logits: labels shape {ls} must equal logits shape "
            f"{gs} without its last (class) axis")
    depth = gs[-1]
    if depth is None:
        raise InvalidArgumentError("sparse_softmax_cross_entropy_with_logits: the number of "
                                   "classes (last axis of logits) must be known")
    return sparse_xent_of_checked(check_label_range(labels, depth), logits, name)


def sparse_xent_of_checked(labels, logits, name=None):
    """The sparse cross-entropy of labels already checked by check_label_range (Keras's loss
    checks them itself, under its own name)."""
    hot = sh.one_hot(labels, logits.shape[-1], dtype=logits.dtype)
    return ew.negative(rd.reduce_sum(hot * log_softmax(logits), -1), name)


# -- the label range check -----------------------------------------------------------------------
# TF's sparse cross-entropy kernels reject labels outside [0, classes) when they run. Here the
# cross-entropies are composites (a one_hot would silently give an all-zero row), so the check is
# an op of its own: the labels pass through unchanged once checked, eagerly, in the reference
# interpreter and in compiled plans alike (one min/max over the batch per step).

def _check_labels_infer(specs, depth, op_name):
    (labels,) = specs
    rules.check_kind("check_label_range", labels, "iu")  # callers pass integer labels
    return [(labels.shape, labels.dtype)]


def _check_labels_ref(labels, depth, op_name):
    rules.check_array_kind("check_label_range", labels, "iu")
    if labels.size:
        low, high = labels.min(), labels.max()
        if low < 0 or high >= depth:
            bad = low if low < 0 else high
            shown = " ".join(str(v) for v in labels.reshape(-1)[:10])
            raise InvalidArgumentError(
                f"{op_name}: Received a label value of {bad} which is outside the valid range of "
                f"[0, {depth}).  Label values: {shown}{' ...' if labels.size > 10 else ''}")
    return labels


CHECK_LABELS = register("check_label_range", OPAQUE, _check_labels_infer, _check_labels_ref,
                        doc="Integer labels, checked to lie in [0, depth) when the op runs.")


def check_label_range(labels, depth, op_name="sparse_softmax_cross_entropy_with_logits"):
    """`labels` unchanged, after checking (when the graph runs, or now eagerly) that every value
    lies in [0, depth); the error names `op_name`, as TF's sparse cross-entropy does.

        >>> check_label_range(tf.constant([0, 2]), 3).numpy()
        array([0, 2], dtype=int32)
    """
    return dispatch(CHECK_LABELS, (labels,), {"depth": int(depth), "op_name": op_name})


@rules.composite("sigmoid_cross_entropy_with_logits")
def sigmoid_cross_entropy_with_logits(labels=None, logits=None, name=None):
    """Per-element logistic loss: max(x, 0) - x * z + log(1 + exp(-|x|)).

        >>> round(float(tf.nn.sigmoid_cross_entropy_with_logits([1.0], [0.0])[0]), 4)
        0.6931
    """
    logits = _as_tensor(logits)
    labels = ew.cast(_as_tensor(labels), logits.dtype)
    if logits.shape.is_fully_defined() and labels.shape.is_fully_defined() and \
            labels.shape != logits.shape:
        raise InvalidArgumentError(
            f"sigmoid_cross_entropy_with_logits: labels shape {labels.shape} must equal logits "
            f"shape {logits.shape}")
    return ew.add(relu(logits) - logits * labels, ew.log1p(ew.exp(-ew.abs(logits))), name)


@rules.composite("bias_add")
def bias_add(value, bias, data_format=None, name=None):
    """value + bias, where bias is 1-D and matches value's last axis.

        >>> tf.nn.bias_add(tf.zeros((2, 3)), tf.ones(3)).shape
        TensorShape([2, 3])
    """
    value, bias = _as_tensor(value), _as_tensor(bias)
    if bias.shape.rank != 1:
        raise InvalidArgumentError(f"bias_add: bias must be 1-D, got shape {bias.shape}")
    last = value.shape[-1] if value.shape.rank else None
    if value.shape.rank == 0 or (last is not None and bias.shape[0] is not None and last != bias.shape[0]):
        raise InvalidArgumentError(
            f"bias_add: bias shape {bias.shape} must match the last axis of value shape {value.shape}")
    return ew.add(value, bias, name)


@rules.composite("dropout")
def dropout(x, rate, noise_shape=None, seed=None, name=None):
    """Zeros each element with probability `rate` and scales the rest by 1 / (1 - rate).

        >>> tf.nn.dropout(tf.ones(4), 0.0).numpy()
        array([1., 1., 1., 1.], dtype=float32)
    """
    from graphflow.ops.random import uniform, uniform_like
    if not 0 <= float(rate) < 1:
        raise InvalidArgumentError(f"dropout: rate must be in [0, 1), got {rate}")
    x = _as_tensor(x)
    if float(rate) == 0:
        return ew.identity(x, name)
    if not x.dtype.is_floating:
        raise InvalidArgumentError(f"dropout: x must be floating-point, got {x.dtype.name}")
    noise = uniform_like(x, seed) if noise_shape is None else uniform(noise_shape, dtype=x.dtype, seed=seed)
    keep = ew.cast(ew.greater_equal(noise, float(rate)), x.dtype)
    return ew.multiply(x * keep, 1.0 / (1.0 - float(rate)), name)


@rules.composite("l2_loss")
def l2_loss(t, name=None):
    """sum(t ** 2) / 2.

        >>> tf.nn.l2_loss(tf.constant([1.0, 2.0])).numpy()
        2.5
    """
    return ew.multiply(rd.reduce_sum(ew.square(t)), 0.5, name)


@rules.composite("l2_normalize")
def l2_normalize(x, axis=None, epsilon=1e-12, name=None):
    """x / sqrt(max(sum(x**2), epsilon)) along `axis`.

        >>> tf.nn.l2_normalize(tf.constant([3.0, 4.0])).numpy()
        array([0.6, 0.8], dtype=float32)
    """
    sq = rd.reduce_sum(ew.square(x), axis, keepdims=True)
    return ew.multiply(x, ew.rsqrt(ew.maximum(sq, epsilon)), name)


@rules.composite("moments")
def moments(x, axes, keepdims=False, name=None):
    """Mean and variance over `axes`.

        >>> [float(m) for m in tf.nn.moments(tf.constant([1.0, 3.0]), [0])]
        [2.0, 1.0]
    """
    mean = rd.reduce_mean(x, axes, keepdims=True)
    variance = rd.reduce_mean(ew.squared_difference(x, ew.stop_gradient(mean)), axes, keepdims=True)
    if not keepdims:
        mean, variance = sh.squeeze(mean, axes), sh.squeeze(variance, axes)
    return mean, variance


def _as_tensor(x):
    from graphflow.ops.creation import convert_to_tensor
    return convert_to_tensor(x)


# -- ops2 (issue 16): more of tf.nn --
from graphflow.ops.conv_depthwise import depthwise_conv2d, separable_conv2d  # noqa: F401,E402
from graphflow.ops.nn_extra import (  # noqa: F401,E402
    atrous_conv2d, atrous_conv2d_transpose, avg_pool1d, batch_normalization, compute_average_loss, conv1d, conv1d_transpose,
    conv2d_transpose, conv3d, conv_transpose, convolution, crelu, depth_to_space,
    depthwise_conv2d_backprop_filter, depthwise_conv2d_backprop_input, local_response_normalization,
    log_poisson_loss, lrn, max_pool1d, normalize_moments, scale_regularization_loss,
    space_to_depth, sufficient_statistics, weighted_cross_entropy_with_logits, weighted_moments)
from graphflow.ops.math_extra import zero_fraction  # noqa: F401,E402
from graphflow.ops.ctc import (  # noqa: F401,E402
    collapse_repeated, ctc_beam_search_decoder, ctc_greedy_decoder, ctc_loss, ctc_unique_labels)
from graphflow.ops.pool_argmax import max_pool_with_argmax  # noqa: F401,E402
from graphflow.ops.candidate_sampling import (  # noqa: F401,E402
    compute_accidental_hits, nce_loss, sampled_softmax_loss)
from graphflow.ops.fractional_pool import fractional_avg_pool, fractional_max_pool  # noqa: F401,E402
from graphflow.ops.conv_volume import (  # noqa: F401,E402
    avg_pool, avg_pool3d, conv3d_transpose, max_pool, max_pool3d, pool)
