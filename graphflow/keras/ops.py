"""keras.ops: Keras 3's backend-neutral op namespace (NumPy-style names), mapped onto graphflow
ops, so code written for Keras 3 (`from keras import ops`) runs unchanged.

Every function here is a thin translation to one or a few registry ops (their gradients, shape
checks and compiled kernels come with them): NumPy names and argument conventions (`axis=None`
flattens for argmax/cumsum/take, creation ops default to float32, integer means are float32).

    >>> from graphflow.keras import ops
    >>> ops.sum(ops.ones((2, 3)), axis=1).numpy()
    array([3., 3.], dtype=float32)
    >>> ops.argmax([[1, 5, 3], [4, 2, 6]]).numpy()
    5
"""
import builtins

import numpy as np

from graphflow import dtypes
from graphflow.errors import InvalidArgumentError as _InvalidArgumentError
from graphflow.ops import api as _tf
from graphflow.ops import nn as _nn
from graphflow.tensor import Tensor as _Tensor, Variable as _Variable

_FLOATX = dtypes.float32


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """x as a tensor (NumPy arrays keep their dtype; Python floats become float32); a
    SparseTensor stays one unless sparse=False (then it is densified, as Keras)."""
    if getattr(x, "_composite_components", None) is not None:
        if sparse is False:
            from graphflow.ops.sparse import to_dense
            x = to_dense(x, validate_indices=False)
        return x if dtype is None or dtypes.as_dtype(dtype) is x.dtype else _tf.cast(x, dtype)
    if isinstance(x, _Variable):
        x = x.value()
    if isinstance(x, _Tensor):
        return x if dtype is None or dtypes.as_dtype(dtype) is x.dtype else _tf.cast(x, dtype)
    return _tf.convert_to_tensor(x, dtype=dtype)


def _t(x):
    return convert_to_tensor(x)


def convert_to_numpy(x):
    return np.asarray(_t(x))


def is_tensor(x):
    return _tf.is_tensor(x)


def dtype(x):
    """The dtype name of x, e.g. 'float32'."""
    return _t(x).dtype.name


def shape(x):
    """The static shape as a tuple (None for unknown dimensions)."""
    return tuple(_t(x).shape.as_list())


def ndim(x):
    return _t(x).shape.rank


def size(x):
    return _tf.size(_t(x))


def cast(x, dtype):
    return _tf.cast(_t(x), dtype)


def _float(x):
    x = _t(x)
    return x if x.dtype.is_floating else _tf.cast(x, _FLOATX)


def _axis(axis):
    return list(axis) if isinstance(axis, tuple) else axis


# -- creation ---------------------------------------------------------------------------------
def zeros(shape, dtype=None):
    return _tf.zeros(shape, dtype or _FLOATX)


def ones(shape, dtype=None):
    return _tf.ones(shape, dtype or _FLOATX)


def full(shape, fill_value, dtype=None):
    return _tf.fill(shape, _tf.cast(fill_value, dtype or _FLOATX))


def zeros_like(x, dtype=None):
    return _tf.zeros_like(cast(x, dtype) if dtype else _t(x))


def ones_like(x, dtype=None):
    return _tf.ones_like(cast(x, dtype) if dtype else _t(x))


def full_like(x, fill_value, dtype=None):
    x = _t(x)
    return _tf.fill(_tf.shape(x), _tf.cast(fill_value, dtype or x.dtype))


def arange(start, stop=None, step=1, dtype=None):
    if dtype is None:
        ints = builtins.all(isinstance(v, (int, np.integer)) for v in (start, stop, step) if v is not None)
        dtype = dtypes.int32 if ints else _FLOATX
    return _tf.range(start, stop, step, dtype=dtype)


def eye(N, M=None, k=0, dtype=None):  # noqa: N803 - Keras's names
    out = _tf.eye(N, M, dtype=dtype or _FLOATX)
    if k:
        cols = N if M is None else M
        rows = np.arange(N)[:, None]
        mask = (np.arange(cols)[None, :] - rows) == k
        out = _tf.constant(mask.astype(np.dtype(dtypes.as_dtype(dtype or _FLOATX).np)))
    return out


def identity(n, dtype=None):
    return _tf.eye(n, dtype=dtype or _FLOATX)


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    if not endpoint or retstep:
        values = np.linspace(start, stop, num, endpoint=endpoint, retstep=retstep)
        if retstep:
            return _tf.constant(values[0].astype(np.float32)), values[1]
        return _tf.constant(values.astype(np.float32))
    out = _tf.linspace(_tf.cast(start, _FLOATX), _tf.cast(stop, _FLOATX), num, axis=axis)
    return out if dtype is None else _tf.cast(out, dtype)


def tri(N, M=None, k=0, dtype=None):  # noqa: N803
    M = N if M is None else M  # noqa: N806
    return _tf.constant(np.tri(N, M, k, dtype=dtypes.as_dtype(dtype or _FLOATX).np))


# -- elementwise --------------------------------------------------------------------------------
def _unary(fn, to_float=False):
    def op(x):
        return fn(_float(x) if to_float else _t(x))
    op.__name__ = fn.__name__
    op.__doc__ = f"Elementwise {fn.__name__} (graphflow's {fn.__name__})."
    return op


abs = absolute = _unary(_tf.abs)  # noqa: A001
negative = _unary(_tf.negative)
sign = _unary(_tf.sign)
square = _unary(_tf.square)
sqrt = _unary(_tf.sqrt, True)
rsqrt = _unary(_tf.rsqrt, True)
exp = _unary(_tf.exp, True)
expm1 = _unary(_tf.expm1, True)
log = _unary(_tf.log, True)
log1p = _unary(_tf.log1p, True)
sin, cos, tan = _unary(_tf.sin, True), _unary(_tf.cos, True), _unary(_tf.tan, True)
sinh, cosh, tanh = _unary(_tf.sinh, True), _unary(_tf.cosh, True), _unary(_tf.tanh, True)
arcsin, arccos, arctan = _unary(_tf.asin, True), _unary(_tf.acos, True), _unary(_tf.atan, True)
arcsinh, arccosh, arctanh = (_unary(_tf.asinh, True), _unary(_tf.acosh, True),
                             _unary(_tf.atanh, True))
floor, ceil = _unary(_tf.floor), _unary(_tf.ceil)
round = _unary(_tf.round)  # noqa: A001
erf = _unary(_tf.erf, True)
reciprocal = _unary(_tf.reciprocal, True)
isnan = _unary(_tf.is_nan)
isfinite = _unary(_tf.is_finite)
logical_not = _unary(_tf.logical_not)
stop_gradient = _unary(_tf.stop_gradient)


def isinf(x):
    from graphflow.ops.math_extra import is_inf
    return is_inf(_t(x))


def _binary(fn):
    def op(x1, x2):
        return fn(x1, x2)
    op.__name__ = fn.__name__
    op.__doc__ = f"Elementwise {fn.__name__} with broadcasting (graphflow's {fn.__name__})."
    return op


add, subtract, multiply = _binary(_tf.add), _binary(_tf.subtract), _binary(_tf.multiply)
maximum, minimum = _binary(_tf.maximum), _binary(_tf.minimum)
equal, not_equal = _binary(_tf.equal), _binary(_tf.not_equal)
greater, greater_equal = _binary(_tf.greater), _binary(_tf.greater_equal)
less, less_equal = _binary(_tf.less), _binary(_tf.less_equal)
logical_and, logical_or, logical_xor = (_binary(_tf.logical_and), _binary(_tf.logical_or),
                                        _binary(_tf.logical_xor))
floor_divide, mod = _binary(_tf.floordiv), _binary(_tf.floormod)
arctan2 = _binary(_tf.atan2)


def divide(x1, x2):
    """True division; integer inputs give float32 (NumPy's true_divide, as in Keras)."""
    return _tf.truediv(_float(x1), _float(x2))


true_divide = divide


def power(x1, x2):
    return _tf.pow(x1, x2)


def clip(x, x_min, x_max):
    return _tf.clip_by_value(_t(x), x_min, x_max)


def where(condition, x1=None, x2=None):
    """Elementwise choice; with only `condition`, the indices of its true elements per axis."""
    if x1 is None and x2 is None:
        idx = _tf.where(_tf.cast(condition, dtypes.bool))
        return tuple(_tf.unstack(idx, axis=1, num=idx.shape[1]))
    if x1 is None or x2 is None:
        raise _InvalidArgumentError("keras.ops.where: pass both x1 and x2, or neither")
    return _tf.where(_tf.cast(condition, dtypes.bool), x1, x2)


# -- reductions -----------------------------------------------------------------------------------
def sum(x, axis=None, keepdims=False):  # noqa: A001
    x = _t(x)
    if x.dtype is dtypes.bool:
        x = _tf.cast(x, dtypes.int32)
    return _tf.reduce_sum(x, _axis(axis), keepdims)


def mean(x, axis=None, keepdims=False):
    return _tf.reduce_mean(_float(x), _axis(axis), keepdims)


def max(x, axis=None, keepdims=False, initial=None):  # noqa: A001
    out = _tf.reduce_max(_t(x), _axis(axis), keepdims)
    return out if initial is None else _tf.maximum(out, initial)


def min(x, axis=None, keepdims=False, initial=None):  # noqa: A001
    out = _tf.reduce_min(_t(x), _axis(axis), keepdims)
    return out if initial is None else _tf.minimum(out, initial)


amax, amin = max, min


def prod(x, axis=None, keepdims=False, dtype=None):
    return _tf.reduce_prod(cast(x, dtype) if dtype else _t(x), _axis(axis), keepdims)


def var(x, axis=None, keepdims=False):
    from graphflow.ops.reduce import reduce_variance
    return reduce_variance(_float(x), _axis(axis), keepdims)


def std(x, axis=None, keepdims=False):
    from graphflow.ops.reduce import reduce_std
    return reduce_std(_float(x), _axis(axis), keepdims)


def any(x, axis=None, keepdims=False):  # noqa: A001
    return _tf.reduce_any(_tf.cast(x, dtypes.bool), _axis(axis), keepdims)


def all(x, axis=None, keepdims=False):  # noqa: A001
    return _tf.reduce_all(_tf.cast(x, dtypes.bool), _axis(axis), keepdims)


def logsumexp(x, axis=None, keepdims=False):
    return _tf.reduce_logsumexp(_float(x), _axis(axis), keepdims)


def count_nonzero(x, axis=None):
    from graphflow.ops.math_extra import count_nonzero as _count
    return _tf.cast(_count(_t(x), _axis(axis)), dtypes.int32)


def _arg(fn, x, axis, keepdims):
    x = _t(x)
    if axis is None:
        x, axis = _tf.reshape(x, [-1]), 0
    out = fn(x, axis, output_type=dtypes.int32)
    return _tf.expand_dims(out, axis) if keepdims else out


def argmax(x, axis=None, keepdims=False):
    """Index of the largest element (of the flattened x when axis is None)."""
    return _arg(_tf.argmax, x, axis, keepdims)


def argmin(x, axis=None, keepdims=False):
    return _arg(_tf.argmin, x, axis, keepdims)


def cumsum(x, axis=None, dtype=None):
    x = cast(x, dtype) if dtype else _t(x)
    if axis is None:
        x, axis = _tf.reshape(x, [-1]), 0
    return _tf.cumsum(x, axis)


def cumprod(x, axis=None, dtype=None):
    from graphflow.ops.scan import cumprod as _cumprod
    x = cast(x, dtype) if dtype else _t(x)
    if axis is None:
        x, axis = _tf.reshape(x, [-1]), 0
    return _cumprod(x, axis)


def norm(x, ord=None, axis=None, keepdims=False):  # noqa: A002
    return _tf.norm(_float(x), ord="euclidean" if ord is None else ord, axis=_axis(axis),
                     keepdims=keepdims)


def moments(x, axes, keepdims=False, synchronized=False):
    return _nn.moments(_float(x), list(axes), keepdims=keepdims)


# -- shapes and indexing --------------------------------------------------------------------------
def reshape(x, newshape):
    return _tf.reshape(_t(x), newshape)


def ravel(x):
    return _tf.reshape(_t(x), [-1])


def transpose(x, axes=None):
    return _tf.transpose(_t(x), axes)


def swapaxes(x, axis1, axis2):
    x = _t(x)
    perm = list(builtins.range(x.shape.rank))
    perm[axis1], perm[axis2] = perm[axis2], perm[axis1]
    return _tf.transpose(x, perm)


def moveaxis(x, source, destination):
    x = _t(x)
    rank = x.shape.rank
    src = [a % rank for a in (source if isinstance(source, (list, tuple)) else [source])]
    dst = [a % rank for a in (destination if isinstance(destination, (list, tuple))
                              else [destination])]
    if len(src) != len(dst):
        raise _InvalidArgumentError(
            f"keras.ops.moveaxis: source {source} and destination {destination} differ in length")
    perm = [a for a in builtins.range(rank) if a not in src]
    for d, s in sorted(zip(dst, src)):
        perm.insert(d, s)
    return _tf.transpose(x, perm)


def expand_dims(x, axis):
    return _tf.expand_dims(_t(x), axis)


def squeeze(x, axis=None):
    return _tf.squeeze(_t(x), axis)


def concatenate(xs, axis=0):
    return _tf.concat(list(xs), axis)


def stack(x, axis=0):
    return _tf.stack(list(x), axis)


def hstack(xs):
    return _tf.concat(list(xs), 0 if _t(xs[0]).shape.rank == 1 else 1)


def vstack(xs):
    return _tf.concat([_tf.reshape(x, [1, -1]) if _t(x).shape.rank == 1 else x for x in xs], 0)


def unstack(x, num=None, axis=0):
    return _tf.unstack(_t(x), num=num, axis=axis)


def split(x, indices_or_sections, axis=0):
    """Equal sections (an int) or splits at the given indices, as numpy.split."""
    x = _t(x)
    if isinstance(indices_or_sections, (int, np.integer)):
        return _tf.split(x, int(indices_or_sections), axis)
    n = x.shape[axis]
    bounds = [0] + [int(i) for i in indices_or_sections] + [n]
    return _tf.split(x, [b - a for a, b in zip(bounds, bounds[1:])], axis)


def tile(x, repeats):
    x = _t(x)
    repeats = [repeats] if isinstance(repeats, int) else list(repeats)
    repeats = [1] * (x.shape.rank - len(repeats)) + repeats
    return _tf.tile(x, repeats)


def repeat(x, repeats, axis=None):
    return _tf.repeat(_t(x), repeats, axis)


def flip(x, axis=None):
    x = _t(x)
    axes = list(builtins.range(x.shape.rank)) if axis is None else \
        list(axis) if isinstance(axis, (list, tuple)) else [axis]
    return _tf.reverse(x, axes)


def roll(x, shift, axis=None):
    x = _t(x)
    if axis is None:
        return _tf.reshape(_tf.roll(_tf.reshape(x, [-1]), shift, 0), _tf.shape(x))
    return _tf.roll(x, shift, axis)


def pad(x, pad_width, mode="constant", constant_values=None):
    """Pads x like numpy.pad: pad_width is an int, a (before, after) pair or one pair per axis;
    mode "constant", "reflect" or "symmetric" (the modes Keras's TensorFlow backend has).

        >>> from graphflow import keras
        >>> keras.ops.pad(np.array([1, 2, 3]), [[2, 1]], mode="reflect").numpy()
        array([3, 2, 1, 2, 3, 2])
    """
    if mode != "constant" and constant_values is not None:
        raise ValueError("Argument `constant_values` can only be provided when `mode == "
                         f"'constant'`. Received: mode={mode}")
    x = _t(x)
    width = np.asarray(pad_width, dtype=np.int64)
    if width.size <= 2:
        width = np.broadcast_to(width.reshape(-1)[-2:] if width.size else width, (x.shape.rank, 2))
    return _tf.pad(x, width.tolist(), mode=mode.upper(), constant_values=constant_values or 0)


def take(x, indices, axis=None):
    """Elements of x at `indices` along `axis` (of the flattened x when axis is None)."""
    x = _t(x)
    if axis is None:
        x, axis = _tf.reshape(x, [-1]), 0
    return _tf.gather(x, indices, axis=axis)


def take_along_axis(x, indices, axis=None):
    x = _t(x)
    if axis is None:
        x, axis = _tf.reshape(x, [-1]), 0
    return _take_along(x, _t(indices), axis)


def _take_along(x, indices, axis):
    rank = x.shape.rank
    axis = axis % rank
    grids = _tf.meshgrid(*[_tf.range(d) for d in indices.shape.as_list()], indexing="ij")
    coords = [_tf.cast(indices, dtypes.int32) if i == axis else g for i, g in enumerate(grids)]
    return _tf.gather_nd(x, _tf.stack(coords, axis=-1))


def slice(inputs, start_indices, shape):  # noqa: A001
    return _tf.slice(_t(inputs), start_indices, shape)


def scatter(indices, values, shape):
    """Zeros of `shape` with `values` added at `indices` (tf.scatter_nd)."""
    return _tf.scatter_nd(indices, values, shape)


def scatter_update(inputs, indices, updates):
    return _tf.tensor_scatter_nd_update(_t(inputs), indices, updates)


def broadcast_to(x, shape):
    return _tf.broadcast_to(_t(x), shape)


def meshgrid(*x, indexing="xy"):
    return _tf.meshgrid(*x, indexing=indexing)


def tril(x, k=0):
    x = _t(x)
    n, m = x.shape.as_list()[-2:]
    return _tf.where(_tf.constant(np.tri(n, m, k, dtype=bool)), x, _tf.zeros_like(x))


def triu(x, k=0):
    x = _t(x)
    n, m = x.shape.as_list()[-2:]
    return _tf.where(_tf.constant(~np.tri(n, m, k - 1, dtype=bool)), x, _tf.zeros_like(x))


def sort(x, axis=-1):
    return _tf.sort(_t(x), axis)


def argsort(x, axis=-1):
    return _tf.argsort(_t(x), axis, stable=True)


def top_k(x, k, sorted=True):  # noqa: A002
    return _nn.top_k(_t(x), k, sorted=sorted)


def one_hot(x, num_classes, axis=-1, dtype=None):
    return _tf.one_hot(x, num_classes, axis=axis, dtype=dtype or _FLOATX)


def segment_sum(data, segment_ids, num_segments=None, sorted=False):  # noqa: A002
    from graphflow import math as _math
    if num_segments is None:
        num_segments = int(np.max(np.asarray(segment_ids))) + 1
    return _math.unsorted_segment_sum(data, segment_ids, num_segments)


# -- linear algebra -------------------------------------------------------------------------------
def matmul(x1, x2):
    x1, x2 = _t(x1), _t(x2)
    # NumPy's rule for vectors: a 1-D operand gains a unit axis that is dropped afterwards
    a = _tf.expand_dims(x1, 0) if x1.shape.rank == 1 else x1
    b = _tf.expand_dims(x2, -1) if x2.shape.rank == 1 else x2
    out = _tf.matmul(a, b)
    if x2.shape.rank == 1:
        out = _tf.squeeze(out, -1)
    if x1.shape.rank == 1:
        out = _tf.squeeze(out, -2 if x2.shape.rank > 1 else -1)
    return out


def dot(x1, x2):
    x1, x2 = _t(x1), _t(x2)
    if x1.shape.rank == 0 or x2.shape.rank == 0:
        return _tf.multiply(x1, x2)
    return matmul(x1, x2)


def tensordot(x1, x2, axes=2):
    return _tf.tensordot(x1, x2, axes)


def einsum(subscripts, *operands):
    return _tf.einsum(subscripts, *operands)


def outer(x1, x2):
    return _tf.multiply(_tf.reshape(x1, [-1, 1]), _tf.reshape(x2, [1, -1]))


def trace(x, offset=0, axis1=0, axis2=1):
    """Sum of the diagonal (offset 0) over axes axis1, axis2."""
    from graphflow import linalg
    x = _t(x)
    if offset:
        raise _InvalidArgumentError("keras.ops.trace: only offset=0 is supported")
    return linalg.trace(moveaxis(x, [axis1, axis2], [-2, -1]))


# -- neural network ---------------------------------------------------------------------------------
relu, relu6, sigmoid = _unary(_nn.relu), _unary(_nn.relu6, True), _unary(_nn.sigmoid, True)
softplus, softsign = _unary(_nn.softplus, True), _unary(_nn.softsign, True)
silu = swish = _unary(_nn.silu, True)
selu = _unary(_nn.selu, True)


def elu(x, alpha=1.0):
    x = _float(x)
    return _nn.elu(x) if alpha == 1.0 else _tf.where(x > 0, x, alpha * _tf.expm1(x))


def gelu(x, approximate=True):
    return _nn.gelu(_float(x), approximate=approximate)


def leaky_relu(x, negative_slope=0.2):
    return _nn.leaky_relu(_float(x), alpha=negative_slope)


def softmax(x, axis=-1):
    return _nn.softmax(_float(x), axis=axis)


def log_softmax(x, axis=-1):
    return _nn.log_softmax(_float(x), axis=axis)


def log_sigmoid(x):
    return -_nn.softplus(-_float(x))


def binary_crossentropy(target, output, from_logits=False):
    """Elementwise binary cross-entropy (output probabilities, or logits)."""
    target, output = _float(target), _float(output)
    if from_logits:
        return _nn.sigmoid_cross_entropy_with_logits(labels=target, logits=output)
    eps = 1e-7
    output = _tf.clip_by_value(output, eps, 1.0 - eps)
    return -(target * _tf.log(output) + (1.0 - target) * _tf.log(1.0 - output))


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    target, output = _float(target), _float(output)
    if from_logits:
        return -_tf.reduce_sum(target * _nn.log_softmax(output, axis=axis), axis)
    output = output / _tf.reduce_sum(output, axis, keepdims=True)
    output = _tf.clip_by_value(output, 1e-7, 1.0 - 1e-7)
    return -_tf.reduce_sum(target * _tf.log(output), axis)


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    output = _float(output)
    target = _tf.one_hot(_tf.cast(target, dtypes.int32), output.shape[axis], dtype=output.dtype)
    return categorical_crossentropy(target, output, from_logits, axis)


# -- control flow -------------------------------------------------------------------------------
def cond(pred, true_fn, false_fn):
    return _tf.cond(pred, true_fn, false_fn)


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    single = not isinstance(loop_vars, (list, tuple))
    out = _tf.while_loop(cond, (lambda *v: [body(*v)]) if single else body,
                         [loop_vars] if single else list(loop_vars),
                         maximum_iterations=maximum_iterations)
    return out[0] if single else tuple(out)


def fori_loop(lower, upper, body_fun, init_val):
    """body_fun(i, val) applied for i in [lower, upper)."""
    i, val = _tf.while_loop(lambda i, v: i < upper, lambda i, v: [i + 1, body_fun(i, v)],
                            [_tf.constant(lower), init_val])
    return val
