"""Reductions: reduce_sum/mean/max/min/prod/any/all, argmax/argmin, logsumexp, and the two
broadcast helpers every gradient uses: `broadcast_like` and `unbroadcast` (sum back to a shape).

    >>> import graphflow as tf
    >>> tf.reduce_sum(tf.constant([[1.0, 2.0], [3.0, 4.0]]), axis=0).numpy()
    array([4., 6.], dtype=float32)
"""
import numpy as np

from graphflow import dtypes
from graphflow.errors import InvalidArgumentError
from graphflow.ops import rules
from graphflow.ops.registry import BROADCAST, REDUCTION, dispatch, register


def _static_shape(x):
    return x.shape.dims_tuple()


def _axes_attr(op_name, x, axis):
    """Normalizes axis against x's rank so attrs are canonical (sorted, non-negative)."""
    if axis is None:
        return None
    if hasattr(axis, "numpy"):
        axis = axis.numpy().tolist()
    if isinstance(axis, np.ndarray):
        axis = axis.tolist()
    shape = _static_shape(x) if hasattr(x, "shape") else np.shape(x)
    rank = None if shape is None else len(shape)
    return rules.normalize_axes(op_name, axis, rank, shape)


def _reduce_infer(name, kinds, out_dtype=None):
    def infer(specs, axis, keepdims):
        (x,) = specs
        rules.check_kind(name, x, kinds)
        if x.shape is not None and axis is not None:
            rules.normalize_axes(name, axis, len(x.shape), x.shape)
        return [(rules.reduced_shape(x.shape, axis, keepdims), out_dtype or x.dtype)]
    return infer


def _keep(dy, x, axis, keepdims):
    """dy reshaped to the keepdims shape (rank of x), ready to broadcast against x."""
    if keepdims:
        return dy
    rank = x.shape.rank
    if axis is None:
        if rank is None:  # dy is a scalar: it broadcasts against x whatever x's rank
            return dy
        axis = range(rank)
    from graphflow.ops.shape import expand_dims
    for a in sorted(axis):
        dy = expand_dims(dy, a)
    return dy


def _count(x, out):
    """How many inputs were reduced into each output, as a scalar of x's dtype."""
    nx = rules.num_elements(_static_shape(x))
    ny = rules.num_elements(_static_shape(out))
    if nx is not None and ny is not None:
        return float(nx // ny) if ny else 1.0
    from graphflow.ops.shape import size
    from graphflow.ops.elementwise import cast, maximum
    return cast(size(x), x.dtype) / maximum(cast(size(out), x.dtype), 1.0)


def _sum_grad(inputs, outputs, dy, axis, keepdims):
    return (broadcast_like(_keep(dy, inputs[0], axis, keepdims), inputs[0]),)


def _mean_grad(inputs, outputs, dy, axis, keepdims):
    x = inputs[0]
    return (broadcast_like(_keep(dy, x, axis, keepdims), x) / _count(x, outputs[0]),)


def _extreme_grad(inputs, outputs, dy, axis, keepdims):
    """Gradient of max/min: split evenly between the elements that attain the extreme."""
    from graphflow.ops.elementwise import cast, equal
    x = inputs[0]
    y = _keep(outputs[0], x, axis, keepdims)
    mask = cast(equal(x, y), dy.dtype)
    count = reduce_sum(mask, axis, keepdims=True)
    return (broadcast_like(_keep(dy, x, axis, keepdims), x) * mask / count,)


def _prod_grad(inputs, outputs, dy, axis, keepdims):
    """d prod / d x_i = product of the other elements, computed exactly even where x has zeros."""
    from graphflow.ops.elementwise import cast, equal, ones_like, where
    x = inputs[0]
    is_zero = equal(x, 0.0)
    nonzero = where(is_zero, ones_like(x), x)
    prod_nonzero = reduce_prod(nonzero, axis, keepdims=True)
    zeros = reduce_sum(cast(is_zero, x.dtype), axis, keepdims=True)
    others = where(is_zero, prod_nonzero * cast(equal(zeros, 1.0), x.dtype),
                   prod_nonzero * cast(equal(zeros, 0.0), x.dtype) / nonzero)
    if x.dtype.is_complex:  # TF's convention: dy * conj(d prod / d x_i)
        from graphflow.ops.elementwise import _cj
        others = _cj(others)
    return (broadcast_like(_keep(dy, x, axis, keepdims), x) * others,)


def _sum_ref(x, axis, keepdims):
    return np.sum(x, axis=axis, keepdims=keepdims, dtype=x.dtype)


def _mean_ref(x, axis, keepdims):
    if x.dtype.kind in "iu":  # TF's integer mean truncates toward zero
        total = np.sum(x, axis=axis, keepdims=keepdims)
        count = max(1, x.size // max(1, total.size))
        return (np.sign(total) * (np.abs(total) // count)).astype(x.dtype)
    if x.size == 0:  # NaN, as in TF (np.mean would also emit a "Mean of empty slice" warning)
        shape = rules.reduced_shape(x.shape, _all_axes(x, axis), keepdims)
        return np.full(shape, np.nan, dtype=x.dtype)
    return np.mean(x, axis=axis, keepdims=keepdims, dtype=x.dtype)


def _extreme_ref(fn, identity_name):
    def ref(x, axis, keepdims):
        if x.size == 0:
            # TF returns the identity of the reduction for empty inputs.
            info = np.finfo(x.dtype) if x.dtype.kind == "f" else np.iinfo(x.dtype)
            fill = -np.inf if identity_name == "max" and x.dtype.kind == "f" else (
                np.inf if x.dtype.kind == "f" else (info.min if identity_name == "max" else info.max))
            shape = rules.reduced_shape(x.shape, _all_axes(x, axis), keepdims)
            return np.full(shape, fill, dtype=x.dtype)
        return fn(x, axis=axis, keepdims=keepdims)
    return ref


def _all_axes(x, axis):
    return tuple(range(x.ndim)) if axis is None else axis


def _kind_checked(name, kinds, fn):
    """fn, rejecting dtypes the shape rule rejects (eager and graph mode accept the same inputs)."""
    def ref(x, axis, keepdims):
        rules.check_array_kind(name, x, kinds)
        return fn(x, axis, keepdims)
    ref.__name__ = f"ref_{name}"
    return ref


NUMERIC = "fiu"
WITH_COMPLEX = "fiuc"  # TF sums, averages and multiplies complex numbers (it does not order them)
REDUCTIONS = {
    "reduce_sum": (_sum_ref, WITH_COMPLEX, _sum_grad, None),
    "reduce_mean": (_mean_ref, WITH_COMPLEX, _mean_grad, None),
    "reduce_max": (_extreme_ref(np.max, "max"), NUMERIC, _extreme_grad, None),
    "reduce_min": (_extreme_ref(np.min, "min"), NUMERIC, _extreme_grad, None),
    "reduce_prod": (lambda x, axis, keepdims: np.prod(x, axis=axis, keepdims=keepdims, dtype=x.dtype),
                    WITH_COMPLEX, _prod_grad, None),
    "reduce_any": (lambda x, axis, keepdims: np.any(x, axis=axis, keepdims=keepdims), "b", None, None),
    "reduce_all": (lambda x, axis, keepdims: np.all(x, axis=axis, keepdims=keepdims), "b", None, None),
}

# (initial accumulator, combine) for fused reduction kernels; reduce_mean divides at the end.
SCALAR = {
    "reduce_sum": ("{ZERO}", "{acc} + {v}"),
    "reduce_mean": ("{ZERO}", "{acc} + {v}"),
    "reduce_max": ("-{INF}", "({acc} if ({acc} >= {v} or {acc} != {acc}) else {v})"),
    "reduce_min": ("{INF}", "({acc} if ({acc} <= {v} or {acc} != {acc}) else {v})"),
}

_ops = {}
for _name, (_ref, _kinds, _grad, _out) in REDUCTIONS.items():
    _ops[_name] = register(_name, REDUCTION, _reduce_infer(_name, _kinds, _out),
                           _kind_checked(_name, _kinds, _ref), _grad)
    if _name in SCALAR:
        _ops[_name].scalar = SCALAR[_name]
        _ops[_name].scalar_kinds = "f"


def _reduce(name, x, axis, keepdims, op_name):
    attrs = {"axis": _axes_attr(name, x, axis), "keepdims": bool(keepdims)}
    return dispatch(_ops[name], (x,), attrs, op_name)


def reduce_sum(input_tensor, axis=None, keepdims=False, name=None):
    """Sum over `axis` (all axes when None).

        >>> tf.reduce_sum(tf.ones((2, 3)), axis=1).numpy()
        array([3., 3.], dtype=float32)
    """
    return _reduce("reduce_sum", input_tensor, axis, keepdims, name)


def reduce_mean(input_tensor, axis=None, keepdims=False, name=None):
    """Mean over `axis` (integer inputs give a truncated integer mean, as in TF).

        >>> tf.reduce_mean(tf.constant([1.0, 2.0])).numpy()
        1.5
    """
    return _reduce("reduce_mean", input_tensor, axis, keepdims, name)


def reduce_max(input_tensor, axis=None, keepdims=False, name=None):
    """Maximum over `axis`.

        >>> tf.reduce_max(tf.constant([1.0, 3.0])).numpy()
        3.0
    """
    return _reduce("reduce_max", input_tensor, axis, keepdims, name)


def reduce_min(input_tensor, axis=None, keepdims=False, name=None):
    """Minimum over `axis`.

        >>> tf.reduce_min(tf.constant([1.0, 3.0])).numpy()
        1.0
    """
    return _reduce("reduce_min", input_tensor, axis, keepdims, name)


def reduce_prod(input_tensor, axis=None, keepdims=False, name=None):
    """Product over `axis`.

        >>> tf.reduce_prod(tf.constant([2.0, 3.0])).numpy()
        6.0
    """
    return _reduce("reduce_prod", input_tensor, axis, keepdims, name)


def reduce_any(input_tensor, axis=None, keepdims=False, name=None):
    """Logical or over `axis`.

        >>> bool(tf.reduce_any(tf.constant([False, True])))
        True
    """
    return _reduce("reduce_any", input_tensor, axis, keepdims, name)


def reduce_all(input_tensor, axis=None, keepdims=False, name=None):
    """Logical and over `axis`.

        >>> bool(tf.reduce_all(tf.constant([False, True])))
        False
    """
    return _reduce("reduce_all", input_tensor, axis, keepdims, name)


def reduce_logsumexp(input_tensor, axis=None, keepdims=False, name=None):
    """log(sum(exp(x))) over `axis`, computed stably.

        >>> round(float(tf.reduce_logsumexp(tf.constant([0.0, 0.0]))), 4)
        0.6931
    """
    from graphflow.ops.elementwise import exp, log, stop_gradient
    m = stop_gradient(reduce_max(input_tensor, axis, keepdims=True))
    out = log(reduce_sum(exp(input_tensor - m), axis, keepdims=True)) + m
    if not keepdims:
        from graphflow.ops.shape import squeeze
        axes = _axes_attr("reduce_logsumexp", input_tensor, axis)
        out = squeeze(out, axes) if axes is not None else reshape_scalar(out)
    return out


def reshape_scalar(x):
    from graphflow.ops.shape import reshape
    return reshape(x, ())


# -- argmax / argmin ---------------------------------------------------------------------------

def _arg_infer(name):
    def infer(specs, axis, output_type):
        (x,) = specs
        rules.check_kind(name, x, NUMERIC)
        if x.shape is not None:
            rules.normalize_axis(name, axis, len(x.shape), x.shape)
        return [(rules.reduced_shape(x.shape, (axis,), False), dtypes.as_dtype(output_type))]
    return infer


def _arg_ref(fn, name):
    def ref(x, axis, output_type):
        rules.check_array_kind(name, x, NUMERIC)
        if x.shape[axis] == 0:
            raise InvalidArgumentError(f"{name}: reduction axis {axis} is empty (shape {x.shape})")
        return fn(x, axis=axis).astype(dtypes.as_dtype(output_type).np, copy=False)
    return ref


ARGMAX = register("argmax", REDUCTION, _arg_infer("argmax"), _arg_ref(np.argmax, "argmax"))
ARGMIN = register("argmin", REDUCTION, _arg_infer("argmin"), _arg_ref(np.argmin, "argmin"))


def _arg(op, x, axis, output_type, name):
    axis = 0 if axis is None else axis
    shape = _static_shape(x) if hasattr(x, "shape") else np.shape(x)
    rank = None if shape is None else len(shape)
    axis = rules.normalize_axis(op.name, axis, rank, shape)
    return dispatch(op, (x,), {"axis": axis, "output_type": dtypes.as_dtype(output_type).name}, name)


def argmax(input, axis=None, output_type=dtypes.int64, name=None):  # noqa: A002 - TF's name
    """Index of the largest value along `axis` (default 0), as int64.

        >>> tf.argmax(tf.constant([1.0, 5.0, 2.0])).numpy()
        1
    """
    return _arg(ARGMAX, input, axis, output_type, name)


def argmin(input, axis=None, output_type=dtypes.int64, name=None):  # noqa: A002
    """Index of the smallest value along `axis` (default 0), as int64.

        >>> tf.argmin(tf.constant([1.0, 5.0, 2.0])).numpy()
        0
    """
    return _arg(ARGMIN, input, axis, output_type, name)


# -- broadcast_like / unbroadcast: where every broadcast gradient is summed back ---------------

def _sum_to(g, shape):
    """Sums g down to `shape` (undoing NumPy broadcasting)."""
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, d in enumerate(shape) if d == 1 and g.shape[lead + i] != 1)
    out = np.sum(g, axis=axes, keepdims=True, dtype=g.dtype)
    return out.reshape(shape)


def _unbroadcast_infer(specs):
    g, like = specs
    return [(like.shape, g.dtype)]


def _broadcast_like_infer(specs):
    x, like = specs
    return [(rules.broadcast_shapes("broadcast_like", x.shape, like.shape), x.dtype)]


UNBROADCAST = register(
    "unbroadcast", REDUCTION, _unbroadcast_infer, lambda g, like: _sum_to(g, like.shape),
    lambda inputs, outputs, dy: (broadcast_like(dy, inputs[0]), None))
BROADCAST_LIKE = register(
    "broadcast_like", BROADCAST, _broadcast_like_infer,
    lambda x, like: np.broadcast_to(x, np.broadcast_shapes(x.shape, like.shape)),
    lambda inputs, outputs, dy: (unbroadcast(dy, inputs[0]), None))


BROADCAST_LIKE.scalar = "{0}"  # broadcasting itself is the kernel's indexing


def unbroadcast(grad, like):
    """Sums `grad` down to the shape of `like`: the one place broadcast gradients are reduced.

        >>> tf.reduce_sum(tf.ones((2, 3)), 0).shape == unbroadcast(tf.ones((2, 3)), tf.ones(3)).shape
        True
    """
    gs, ls = _static_shape(grad), _static_shape(like)
    if gs is not None and gs == ls and None not in gs:
        return grad
    return dispatch(UNBROADCAST, (grad, like))


def broadcast_like(x, like):
    """x broadcast to the (broadcast) shape of x and `like`.

        >>> broadcast_like(tf.ones(3), tf.zeros((2, 3))).shape
        TensorShape([2, 3])
    """
    xs, ls = _static_shape(x), _static_shape(like)
    if xs is not None and xs == ls and None not in xs:
        return x
    return dispatch(BROADCAST_LIKE, (x, like))


def reduce_variance(input_tensor, axis=None, keepdims=False, name=None):
    """Population variance over `axis` (a composite: mean of squared deviations).

        >>> float(tf.math.reduce_variance(tf.constant([1.0, 3.0])))
        1.0
    """
    from graphflow.ops.elementwise import squared_difference
    mean = reduce_mean(input_tensor, axis, keepdims=True)
    return reduce_mean(squared_difference(input_tensor, mean), axis, keepdims, name)


def reduce_std(input_tensor, axis=None, keepdims=False, name=None):
    """Population standard deviation over `axis`.

        >>> float(tf.math.reduce_std(tf.constant([1.0, 3.0])))
        1.0
    """
    from graphflow.ops.elementwise import sqrt
    return sqrt(reduce_variance(input_tensor, axis, keepdims), name)


def reduce_euclidean_norm(input_tensor, axis=None, keepdims=False, name=None):
    """sqrt(sum(x ** 2)) over `axis`.

        >>> float(tf.math.reduce_euclidean_norm(tf.constant([3.0, 4.0])))
        5.0
    """
    from graphflow.ops.elementwise import _cj, sqrt, square
    x = input_tensor
    if getattr(getattr(x, "dtype", None), "is_complex", False):  # sqrt(sum |x|^2), complex-typed
        return sqrt(reduce_sum(x * _cj(x), axis, keepdims), name)
    return sqrt(reduce_sum(square(x), axis, keepdims), name)
