"""The rest of tf.math people use, as composites of registry ops (so they inherit gradients and
fusion): log_sigmoid, polygamma, bessel_i0/i1, is_inf, reciprocal_no_nan, lbeta, polyval,
zero_fraction, count_nonzero, is_non_decreasing, is_strictly_increasing, and the norm clipping of
tf.clip_by_norm, tf.clip_by_global_norm and tf.linalg.global_norm. confusion_matrix is the one
primitive here (a scatter-add into a num_classes x num_classes matrix).

    >>> import graphflow as tf
    >>> int(tf.math.count_nonzero(tf.constant([0.0, 1.0, 2.0])))
    2
    >>> tf.clip_by_norm(tf.constant([3.0, 4.0]), 1.0).numpy()
    array([0.6, 0.8], dtype=float32)
"""
import math

import numpy as np

from graphflow import dtypes
from graphflow.errors import InvalidArgumentError
from graphflow.ops import elementwise as ew
from graphflow.ops import reduce as rd
from graphflow.ops import shape as sh
from graphflow.ops import special as sp
from graphflow.ops import rules
from graphflow.ops.registry import INDEX, dispatch, register
from graphflow.tensor import EagerTensor, Tensor, Variable


def _tensor(x, name="x", dtype=None, dtype_hint=None):
    from graphflow.ops.creation import convert_to_tensor
    return convert_to_tensor(x, dtype=dtype, dtype_hint=dtype_hint, name=name)


def _check_float(op, x):
    if not x.dtype.is_floating:
        raise InvalidArgumentError(
            f"{op}: input must be a floating-point tensor, got {x.dtype.name} with shape {x.shape}")


@rules.composite("log_sigmoid")
def log_sigmoid(x, name=None):
    """log(sigmoid(x)) = -softplus(-x), without overflow.

        >>> round(float(tf.math.log_sigmoid(0.0)), 6)
        -0.693147
    """
    return ew.negative(sp.softplus(ew.negative(x)), name)


@rules.composite("polygamma")
def polygamma(a, x, name=None):
    """The a-th derivative of digamma at x, for integer orders a >= 0 (NaN for other a):
    (-1)**(a + 1) * a! * zeta(a + 1, x), and digamma(x) for a = 0. No gradient for a (as TF).

        >>> round(float(tf.math.polygamma(1.0, 1.0)), 6)
        1.644934
    """
    x = _tensor(x, "x")
    _check_float("polygamma", x)
    a = ew.stop_gradient(_tensor(a, "a", dtype_hint=x.dtype))
    order = a + 1.0
    one = ew.ones_like(a)
    odd = ew.equal(ew.floormod(a, 2.0), 1.0)
    signed_factorial = ew.where(odd, one, -one) * ew.exp(sp.lgamma(order))
    higher = signed_factorial * sp.zeta(order, x)
    valid = ew.logical_and(ew.equal(ew.floor(a), a), ew.greater_equal(a, 0.0))
    value = ew.where(ew.equal(a, 0.0), sp.digamma(x), higher)
    return ew.where(valid, value, ew.zeros_like(value) + math.nan, name)


@rules.composite("bessel_i0")
def bessel_i0(x, name=None):
    """The modified Bessel function I0, as bessel_i0e(x) * exp(|x|).

        >>> round(float(tf.math.bessel_i0(1.0)), 6)
        1.266066
    """
    return ew.multiply(sp.bessel_i0e(x), ew.exp(ew.abs(x)), name)


@rules.composite("bessel_i1")
def bessel_i1(x, name=None):
    """The modified Bessel function I1, as bessel_i1e(x) * exp(|x|).

        >>> round(float(tf.math.bessel_i1(1.0)), 6)
        0.565159
    """
    return ew.multiply(sp.bessel_i1e(x), ew.exp(ew.abs(x)), name)


@rules.composite("is_inf")
def is_inf(x, name=None):
    """True where x is +inf or -inf.

        >>> tf.math.is_inf(tf.constant([1.0, float("inf"), -float("inf")])).numpy()
        array([False,  True,  True])
    """
    x = x if hasattr(x, "flat_values") else _tensor(x)  # RaggedTensors: elementwise
    _check_float("is_inf", x)
    return ew.equal(ew.abs(x), math.inf, name)


@rules.composite("reciprocal_no_nan")
def reciprocal_no_nan(x, name=None):
    """1 / x, and 0 where x is 0.

        >>> tf.math.reciprocal_no_nan(tf.constant([2.0, 0.0])).numpy()
        array([0.5, 0. ], dtype=float32)
    """
    x = x if hasattr(x, "flat_values") else _tensor(x)  # RaggedTensors: elementwise
    _check_float("reciprocal_no_nan", x)
    return sp.divide_no_nan(ew.ones_like(x), x, name)


@rules.composite("lbeta")
def lbeta(x, name=None):
    """log|Beta(x)| over the last axis: sum(lgamma(x)) - lgamma(sum(x)) (-inf for an empty axis).

        >>> round(float(tf.math.lbeta(tf.constant([1.0, 2.0]))), 6)
        -0.693147
    """
    x = _tensor(x)
    if x.shape.rank == 0:
        raise InvalidArgumentError(f"lbeta: x must have rank >= 1, got shape {x.shape}")
    return ew.subtract(rd.reduce_sum(sp.lgamma(x), -1), sp.lgamma(rd.reduce_sum(x, -1)), name)


@rules.composite("polyval")
def polyval(coeffs, x, name=None):
    """coeffs[0] * x**(n-1) + ... + coeffs[n-1], by Horner's rule (zeros for no coefficients).

        >>> tf.math.polyval([1.0, 2.0, 3.0], tf.constant([0.0, 2.0])).numpy()
        array([ 3., 11.], dtype=float32)
    """
    x = _tensor(x)
    if not isinstance(coeffs, (list, tuple)):
        raise InvalidArgumentError(
            f"polyval: coeffs must be a list of tensors or numbers, got {type(coeffs).__name__}")
    if not coeffs:
        return ew.zeros_like(x, name=name)
    total = ew.add(ew.zeros_like(x), coeffs[0])
    for c in coeffs[1:]:
        total = total * x + c
    return ew.identity(total, name)


@rules.composite("zero_fraction")
def zero_fraction(value, name=None):
    """The fraction of elements that are zero, as a float32 scalar (NaN when empty).

        >>> float(tf.math.zero_fraction(tf.constant([0, 1, 0, 3])))
        0.5
    """
    value = _tensor(value, "value")
    return rd.reduce_mean(ew.cast(ew.equal(value, ew.zeros_like(value)), dtypes.float32),
                          name=name)


@rules.composite("count_nonzero")
def count_nonzero(input, axis=None, keepdims=None, dtype=dtypes.int64, name=None):  # noqa: A002
    """The number of nonzero elements over `axis` (NaN counts as nonzero), as `dtype`.

        >>> tf.math.count_nonzero(tf.constant([[0, 1], [2, 3]]), axis=1).numpy()
        array([1, 2])
    """
    x = _tensor(input, "input")
    nonzero = ew.not_equal(x, ew.zeros_like(x))
    return rd.reduce_sum(ew.cast(nonzero, dtype), axis, bool(keepdims), name)


def _ordered(op, x, strict, name):
    x = sh.reshape(_tensor(x), [-1])
    n = x.shape[0]
    if n is not None and n < 2:  # no consecutive pair to compare
        return ew.identity(_tensor(True), name)
    later, earlier = x[1:], x[:-1]
    step = ew.greater(later, earlier) if strict else ew.greater_equal(later, earlier)
    return rd.reduce_all(step, name=name)


@rules.composite("is_non_decreasing")
def is_non_decreasing(x, name=None):
    """Whether x[i] <= x[i + 1] for all consecutive elements (in row-major order).

        >>> bool(tf.math.is_non_decreasing(tf.constant([1, 2, 2])))
        True
    """
    return _ordered("is_non_decreasing", x, False, name)


@rules.composite("is_strictly_increasing")
def is_strictly_increasing(x, name=None):
    """Whether x[i] < x[i + 1] for all consecutive elements (in row-major order).

        >>> bool(tf.math.is_strictly_increasing(tf.constant([1, 2, 2])))
        False
    """
    return _ordered("is_strictly_increasing", x, True, name)


def accumulate_n(inputs, shape=None, tensor_dtype=None, name=None):
    """The sum of a list of tensors (TF's deprecated spelling of add_n).

        >>> float(tf.math.accumulate_n([tf.constant(1.0), tf.constant(2.0)]))
        3.0
    """
    return ew.add_n(inputs, name)


def conj(x, name=None):
    """The complex conjugate, elementwise; a real tensor is returned as it is, as in TF.

        >>> tf.math.conj(tf.constant([1 + 2j])).numpy()
        array([1.-2.j])
        >>> float(tf.math.conj(2.0))
        2.0
    """
    x = _tensor(x)
    if x.dtype.is_complex:
        return dispatch(ew.CONJ, (x,), None, name)
    if x.dtype is dtypes.string:
        from graphflow.errors import InvalidTypeError
        raise InvalidTypeError(f"conj: expected a numeric tensor, got dtype {x.dtype.name}")
    return ew.identity(x, name)


# ---------------------------------------------------------------------------------------------
# Norms and clipping


def _tensor_list(op, t_list):
    if isinstance(t_list, (Tensor, Variable, np.ndarray, str)) or \
            not isinstance(t_list, (list, tuple)):
        raise InvalidArgumentError(
            f"{op}: t_list must be a list or tuple of tensors, got {type(t_list).__name__}")
    values = [None if t is None else _tensor(t, f"t_{i}") for i, t in enumerate(t_list)]
    present = [v for v in values if v is not None]
    for i, v in enumerate(values):
        if v is None:
            continue
        _check_float(op, v)
        if v.dtype is not present[0].dtype:
            raise InvalidArgumentError(
                f"{op}: all tensors must have the same dtype; t_list[{i}] is {v.dtype.name} but "
                f"the first is {present[0].dtype.name}")
    return values, present


@rules.composite("global_norm")
def global_norm(t_list, name=None):
    """sqrt(sum of the squares of every element of every tensor in t_list); None entries are
    ignored, and an empty list gives 0.

        >>> float(tf.linalg.global_norm([tf.constant([3.0]), None, tf.constant([[4.0]])]))
        5.0
    """
    _, present = _tensor_list("global_norm", t_list)
    if not present:
        return ew.identity(_tensor(0.0), name)
    total = ew.add_n([rd.reduce_sum(ew.square(v)) for v in present])
    return ew.sqrt(total, name)


@rules.composite("clip_by_norm")
def clip_by_norm(t, clip_norm, axes=None, name=None):
    """t scaled so that its L2 norm over `axes` (all axes by default) is at most clip_norm
    (a negative clip_norm counts as 0), with TF's formula t * clip_norm / max(norm, clip_norm).

        >>> tf.clip_by_norm(tf.constant([[3.0, 4.0], [0.0, 0.0]]), 2.5, axes=[1]).numpy()
        array([[1.5, 2. ],
               [0. , 0. ]], dtype=float32)
    """
    values = _tensor(t, "t")
    _check_float("clip_by_norm", values)
    if isinstance(clip_norm, (int, float, np.number)):
        clip_norm = max(float(clip_norm), 0.0)
    else:
        clip_norm = ew.cast(ew.maximum(clip_norm, 0.0), values.dtype)
    l2sum = rd.reduce_sum(values * values, axes, keepdims=True)
    positive = ew.greater(l2sum, 0.0)
    # sqrt only of positive sums, so the gradient at a zero norm is 0, not NaN (as TF).
    l2norm = ew.where(positive, ew.sqrt(ew.where(positive, l2sum, ew.ones_like(l2sum))), l2sum)
    return ew.truediv(values * clip_norm, ew.maximum(l2norm, clip_norm), name)


@rules.composite("clip_by_global_norm")
def clip_by_global_norm(t_list, clip_norm, use_norm=None, name=None):
    """(clipped list, global norm): every tensor scaled by clip_norm / max(global_norm,
    clip_norm), None entries kept; an infinite or NaN norm makes every value NaN, as in TF.

        >>> clipped, norm = tf.clip_by_global_norm([tf.constant([3.0, 4.0]), None], 1.0)
        >>> float(norm), clipped[0].numpy(), clipped[1]
        (5.0, array([0.6, 0.8], dtype=float32), None)
    """
    values, present = _tensor_list("clip_by_global_norm", t_list)
    if use_norm is None:
        use_norm = global_norm(values)
    else:
        use_norm = _tensor(use_norm, "use_norm",
                           present[0].dtype if present and not isinstance(use_norm, Tensor)
                           else None)
    # clip_norm * min(1 / norm, 1 / clip_norm), written so that a zero norm divides nothing;
    # (norm - norm) is NaN exactly when the norm is inf or NaN.
    scale = ew.truediv(clip_norm, ew.maximum(use_norm, clip_norm)) + (use_norm - use_norm)
    clipped = [None if v is None else ew.multiply(v, ew.cast(scale, v.dtype)) for v in values]
    return clipped, use_norm


# ---------------------------------------------------------------------------------------------
# confusion_matrix


def _confusion_infer(specs, num_classes, dtype):
    labels, predictions, weights = specs
    if weights.dtype.is_complex or weights.dtype is dtypes.string:
        raise InvalidArgumentError(
            f"confusion_matrix: weights must be real numbers, got {weights.dtype.name}")
    for i, s in enumerate((labels, predictions)):
        if not s.dtype.is_integer:
            raise InvalidArgumentError(
                f"confusion_matrix: {('labels', 'predictions')[i]} must be integers, got "
                f"{s.dtype.name}")
    n = labels.shape[0] if labels.shape is not None else None
    for what, s in (("predictions", predictions), ("weights", weights)):
        m = s.shape[0] if s.shape is not None else None
        if n is not None and m is not None and n != m:
            raise InvalidArgumentError(
                f"confusion_matrix: labels has {n} elements but {what} has {m}")
    return [((num_classes, num_classes), dtypes.as_dtype(dtype))]


def _confusion_ref(labels, predictions, weights, num_classes, dtype):
    _confusion_infer([_spec(labels), _spec(predictions), _spec(weights)], num_classes, dtype)
    for what, v in (("labels", labels), ("predictions", predictions)):
        if v.size and v.min() < 0:
            raise InvalidArgumentError(f"confusion_matrix: `{what}` contains negative values "
                                       f"(min {v.min()})")
    n = num_classes
    if n is None:
        n = int(max(labels.max(initial=-1), predictions.max(initial=-1))) + 1
    for what, v in (("labels", labels), ("predictions", predictions)):
        if v.size and v.max() >= n:
            raise InvalidArgumentError(
                f"confusion_matrix: `{what}` out of bound: value {v.max()} is not below "
                f"num_classes {n}")
    out = np.zeros((n, n), dtype=dtypes.as_dtype(dtype).np)
    np.add.at(out, (labels, predictions), weights.astype(out.dtype))
    return out


def _spec(array):
    from graphflow.ops.rules import ArraySpec
    return ArraySpec(array)


def _confusion_grad(inputs, outputs, dy, num_classes, dtype):
    # d out[l, p] / d weights[i] is 1 at (labels[i], predictions[i]): gather dy there.
    labels, predictions, _ = inputs
    n = ew.cast(sh.shape(dy)[1], labels.dtype)
    flat = labels * n + predictions
    return None, None, sh.gather(sh.reshape(dy, [-1]), flat)


CONFUSION_MATRIX = register("confusion_matrix", INDEX, _confusion_infer, _confusion_ref,
                            _confusion_grad)


@rules.composite("confusion_matrix")
def confusion_matrix(labels, predictions, num_classes=None, weights=None, dtype=dtypes.int32,
                     name=None):
    """The num_classes x num_classes matrix whose [i, j] entry sums the weights (default 1) of
    the examples with label i and prediction j. Labels and predictions are flattened; floats are
    truncated to integers, as TF does. num_classes defaults to the largest value + 1.

        >>> tf.math.confusion_matrix([1, 2, 2], [2, 2, 0], num_classes=3).numpy()
        array([[0, 0, 0],
               [0, 0, 1],
               [1, 0, 1]], dtype=int32)
    """
    dtype = dtypes.as_dtype(dtype)
    labels, predictions = _tensor(labels, "labels"), _tensor(predictions, "predictions")
    flat = []
    for what, v in (("labels", labels), ("predictions", predictions)):
        if not (v.dtype.is_integer or v.dtype.is_floating):
            raise InvalidArgumentError(
                f"confusion_matrix: {what} must be numeric, got {v.dtype.name}")
        flat.append(sh.reshape(ew.cast(v, dtypes.int64), [-1]))
    if weights is None:
        weights = ew.ones_like(flat[1], dtype)
    else:
        weights = sh.reshape(ew.cast(_tensor(weights, "weights"), dtype), [-1])
    if num_classes is None and all(type(v) is EagerTensor for v in flat):
        # Eagerly the size is known now; in graphs it is found at run time (shape [None, None]).
        num_classes = int(max(flat[0].numpy().max(initial=-1), flat[1].numpy().max(initial=-1))) + 1
    if num_classes is not None:
        if hasattr(num_classes, "numpy"):
            num_classes = num_classes.numpy()
        num_classes = int(num_classes)
        if num_classes < 0:
            raise InvalidArgumentError(
                f"confusion_matrix: num_classes must be >= 0, got {num_classes}")
    return dispatch(CONFUSION_MATRIX, (flat[0], flat[1], weights),
                    {"num_classes": num_classes, "dtype": dtype.name}, name)


# ---------------------------------------------------------------------------------------------
# Parts of complex numbers (the ops are in elementwise.py; real tensors are answered here)


def real(input, name=None):  # noqa: A002 - TF's name
    """The real parts of a complex tensor (float32 of complex64, float64 of complex128); a
    real tensor is returned as it is, as in TF.

        >>> tf.math.real(tf.constant([1 + 2j, -3j])).numpy()
        array([ 1., -0.])
        >>> tf.math.real(tf.constant([1.5])).numpy()
        array([1.5], dtype=float32)
    """
    x = _tensor(input, "input")
    if x.dtype.is_complex:
        return dispatch(ew.REAL, (x,), None, name)
    return ew.identity(x, name)


def imag(input, name=None):  # noqa: A002
    """The imaginary parts of a complex tensor; zeros of a real tensor, as in TF.

        >>> tf.math.imag(tf.constant([1 + 2j, -3j])).numpy()
        array([ 2., -3.])
        >>> tf.math.imag(tf.constant([1.5])).numpy()
        array([0.], dtype=float32)
    """
    x = _tensor(input, "input")
    if x.dtype.is_complex:
        return dispatch(ew.IMAG, (x,), None, name)
    return ew.zeros_like(x, name=name)


@rules.composite("angle")
def angle(input, name=None):  # noqa: A002
    """The argument of each complex number, in (-pi, pi] (real dtype); of a real tensor, pi
    for negative values and 0 otherwise (NaN stays NaN), as TF.

        >>> tf.math.angle(tf.constant([1j, -1 + 0j])).numpy()
        array([1.57079633, 3.14159265])
        >>> tf.math.angle(tf.constant([-1.5, 2.0])).numpy()
        array([3.1415927, 0.       ], dtype=float32)
    """
    x = _tensor(input, "input")
    if x.dtype.is_complex:
        return dispatch(ew.ANGLE, (x,), None, name)
    _check_float("angle", x)
    return sp.atan2(ew.zeros_like(x), x, name)


# ---------------------------------------------------------------------------------------------
# invert_permutation and bincount (index primitives)


def _permutation_infer(specs):
    (x,) = specs
    if not x.dtype.is_integer or x.dtype.name not in ("int32", "int64"):
        raise InvalidArgumentError(
            f"invert_permutation: x must be an int32 or int64 vector, got {x.dtype.name}")
    if x.shape is not None and len(x.shape) != 1:
        raise InvalidArgumentError(
            f"invert_permutation: x must be a vector, got shape {x.shape}")
    return [(x.shape, x.dtype)]


def _permutation_ref(x):
    _permutation_infer([_spec(x)])
    n = x.shape[0]
    out = np.full(n, -1, dtype=x.dtype)
    for i, v in enumerate(x.tolist()):
        if not 0 <= v < n:
            raise InvalidArgumentError(f"invert_permutation: x[{i}] = {v} is not in [0, {n})")
        if out[v] != -1:
            raise InvalidArgumentError(f"invert_permutation: {v} is duplicated in the input")
        out[v] = i
    return out


INVERT_PERMUTATION = register("invert_permutation", INDEX, _permutation_infer, _permutation_ref)


def invert_permutation(x, name=None):
    """The inverse permutation y with y[x[i]] = i (x must be a permutation of 0 .. n - 1).

        >>> tf.math.invert_permutation([3, 4, 0, 2, 1]).numpy()
        array([2, 4, 3, 0, 1], dtype=int32)
    """
    return dispatch(INVERT_PERMUTATION, (_tensor(x, "x"),), None, name)


def _bincount_infer(specs, size, dtype, binary_output, rows):
    arr, weights = specs
    if not arr.dtype.is_integer:
        raise InvalidArgumentError(f"bincount: arr must be integers, got {arr.dtype.name}")
    if weights.dtype.is_complex:
        raise InvalidArgumentError(f"bincount: weights must be real numbers, got "
                                   f"{weights.dtype.name}")
    if rows:
        if arr.shape is not None and len(arr.shape) != 2:
            raise InvalidArgumentError(
                f"bincount: with axis=-1, arr must be a matrix, got shape {arr.shape}")
        batch = None if arr.shape is None else arr.shape[0]
        return [((batch, size), dtypes.as_dtype(dtype))]
    return [((size,), dtypes.as_dtype(dtype))]


def _bincount_ref(arr, weights, size, dtype, binary_output, rows):
    _bincount_infer([_spec(arr), _spec(weights)], size, dtype, binary_output, rows)
    if arr.size and arr.min() < 0:
        raise InvalidArgumentError(f"bincount: Input arr must be non-negative, got {arr.min()}")
    out_dtype = dtypes.as_dtype(dtype).np
    values = arr.reshape(arr.shape[0], -1) if rows else arr.reshape(1, -1)
    w = np.broadcast_to(weights, arr.shape).reshape(values.shape).astype(out_dtype)
    out = np.zeros((values.shape[0], size), dtype=out_dtype)
    keep = values < size  # values at or beyond maxlength are dropped, as TF
    row_index = np.broadcast_to(np.arange(values.shape[0])[:, None], values.shape)
    np.add.at(out, (row_index[keep], values[keep]), w[keep])
    if binary_output:
        out = (out != 0).astype(out_dtype)
    return out if rows else out[0]


BINCOUNT = register("bincount", INDEX, _bincount_infer, _bincount_ref)


@rules.composite("bincount")
def bincount(arr, weights=None, minlength=None, maxlength=None, dtype=dtypes.int32, name=None,
             axis=None, binary_output=False):
    """Counts of each value 0, 1, ... in arr (weighted sums with `weights`), of length
    max(arr) + 1, at least minlength and at most maxlength; axis=-1 counts each row of a
    matrix; binary_output marks presence with 1. With weights the result has their dtype.

        >>> tf.math.bincount([1, 1, 3]).numpy()
        array([0, 2, 0, 1], dtype=int32)
    """
    arr = _tensor(arr, "arr")
    if axis not in (None, -1):
        raise InvalidArgumentError(f"bincount: axis must be None or -1, got {axis}")
    if weights is not None:
        weights = _tensor(weights, "weights")
        dtype = weights.dtype
    else:
        dtype = dtypes.as_dtype(dtype)
        weights = ew.ones_like(arr, dtype)
    if axis is None:
        arr, weights = sh.reshape(arr, [-1]), sh.reshape(weights, [-1])
    if type(arr) is not EagerTensor:
        if maxlength is None or minlength is None or int(minlength) != int(maxlength):
            raise InvalidArgumentError(
                "bincount: in a graph the output length must be fixed: give minlength == "
                "maxlength")
        size = int(maxlength)
    else:
        values = arr.numpy()
        size = int(values.max()) + 1 if values.size else 0
        if minlength is not None:
            size = max(size, int(minlength))
        if maxlength is not None:
            size = min(size, int(maxlength))
    return dispatch(BINCOUNT, (arr, weights), {"size": size, "dtype": dtypes.as_dtype(dtype).name,
                                               "binary_output": bool(binary_output),
                                               "rows": axis == -1}, name)
