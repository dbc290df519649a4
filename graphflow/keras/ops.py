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
from graphflow.keras.backend import epsilon as _epsilon  # read at each use: set_epsilon
from graphflow.keras.ops_numpy import _promote
from graphflow.ops import api as _tf
from graphflow.ops import nn as _nn
from graphflow.tensor import Tensor as _Tensor, Variable as _Variable



def _floatx():
    """keras.config.floatx() as a DType: the default of the creation functions."""
    from graphflow.keras.backend import floatx
    return dtypes.as_dtype(floatx())


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
    # integers become float32 whatever floatx() is (Keras's mean: result_type(x, "float32"))
    x = _t(x)
    return x if x.dtype.is_floating else _tf.cast(x, dtypes.float32)


def _axis(axis):
    return list(axis) if isinstance(axis, tuple) else axis


# -- creation ---------------------------------------------------------------------------------
def zeros(shape, dtype=None):
    return _tf.zeros(shape, dtype or _floatx())


def ones(shape, dtype=None):
    return _tf.ones(shape, dtype or _floatx())


def full(shape, fill_value, dtype=None):
    return _tf.fill(shape, _tf.cast(fill_value, dtype or _floatx()))


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
        if ints:  # Keras: a weak int, with floatx()'s bits (int64 under float64)
            from graphflow.keras.backend import result_type
            dtype = dtypes.as_dtype(result_type(int))
        else:
            dtype = _floatx()
    return _tf.range(start, stop, step, dtype=dtype)


def eye(N, M=None, k=0, dtype=None):  # noqa: N803 - Keras's names
    out = _tf.eye(N, M, dtype=dtype or _floatx())
    if k:
        cols = N if M is None else M
        rows = np.arange(N)[:, None]
        mask = (np.arange(cols)[None, :] - rows) == k
        out = _tf.constant(mask.astype(np.dtype(dtypes.as_dtype(dtype or _floatx()).np)))
    return out


def identity(n, dtype=None):
    return _tf.eye(n, dtype=dtype or _floatx())


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    if not endpoint or retstep:
        values = np.linspace(start, stop, num, endpoint=endpoint, retstep=retstep)
        if retstep:
            return _tf.constant(values[0].astype(_floatx().np)), values[1]
        return _tf.constant(values.astype(_floatx().np))
    out = _tf.linspace(_tf.cast(start, _floatx()), _tf.cast(stop, _floatx()), num, axis=axis)
    return out if dtype is None else _tf.cast(out, dtype)


def tri(N, M=None, k=0, dtype=None):  # noqa: N803
    M = N if M is None else M  # noqa: N806
    return _tf.constant(np.tri(N, M, k, dtype=dtypes.as_dtype(dtype or _floatx()).np))


# -- elementwise --------------------------------------------------------------------------------
def _unary(fn, to_float=False):
    def op(x):
        return fn(_float(x) if to_float else _t(x))
    op.__name__ = fn.__name__
    op.__doc__ = f"Elementwise {fn.__name__} (graphflow's {fn.__name__})."
    return op


def abs(x):  # noqa: A001
    """Absolute value (bools and unsigned integers are returned as they are, as in Keras)."""
    x = _t(x)
    return x if x.dtype is dtypes.bool or x.dtype.is_unsigned else _tf.abs(x)


absolute = abs
negative = _unary(_tf.negative)


def sign(x):
    """-1, 0 or 1 in x's dtype (unsigned integers: 0 or 1)."""
    x = _t(x)
    if x.dtype.is_unsigned:
        return _tf.cast(x > 0, x.dtype)
    return _tf.sign(x)


def square(x):
    """x * x (bools count as int32, as in Keras)."""
    x = _t(x)
    return _tf.square(_tf.cast(x, dtypes.int32) if x.dtype is dtypes.bool else x)



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
floor, ceil = _unary(_tf.floor, True), _unary(_tf.ceil, True)  # integers give float32 (Keras)


def round(x, decimals=0):  # noqa: A001
    """Rounds half to even to `decimals` places (integers are returned as they are for
    decimals >= 0, as in Keras)."""
    x = _t(x)
    if not x.dtype.is_floating:
        if decimals >= 0:
            return x
        factor = 10 ** (-decimals)
        return _tf.cast(_tf.round(_tf.cast(x, dtypes.float64) / factor) * factor, x.dtype)
    if decimals == 0:
        return _tf.round(x)
    factor = _tf.cast(10.0 ** decimals, x.dtype)
    return _tf.round(x * factor) / factor



erf = _unary(_tf.erf, True)
reciprocal = _unary(_tf.reciprocal, True)
def isnan(x):
    """True where x is NaN (never for integers and bools)."""
    x = _t(x)
    return _tf.is_nan(x) if x.dtype.is_floating else _tf.fill(_tf.shape(x), False)


def isfinite(x):
    """True where x is neither infinite nor NaN (always for integers and bools)."""
    x = _t(x)
    return _tf.is_finite(x) if x.dtype.is_floating else _tf.fill(_tf.shape(x), True)


def logical_not(x):
    """NOT of x as bools (nonzero is True)."""
    return _tf.logical_not(_tf.cast(_t(x), dtypes.bool))



stop_gradient = _unary(_tf.stop_gradient)


def isinf(x):
    """True where x is +-inf (never for integers and bools)."""
    from graphflow.ops.math_extra import is_inf
    x = _t(x)
    return is_inf(x) if x.dtype.is_floating else _tf.fill(_tf.shape(x), False)


def _binary(fn, weak=True, extra=(), bool_as=None):
    """fn on x1, x2 promoted by Keras's rule: weak, Python scalars take the other operand's
    dtype (add, maximum, ...); otherwise both are converted first (mod, comparisons)."""
    def op(x1, x2):
        (a, b), dt = _promote(x1, x2, extra=extra, weak=weak)
        if bool_as is not None and dt == "bool":
            a, b = _tf.cast(a, bool_as), _tf.cast(b, bool_as)
        return fn(a, b)
    op.__name__ = fn.__name__
    op.__doc__ = f"Elementwise {fn.__name__} with broadcasting and Keras's dtype promotion."
    return op


def _logical(fn):
    def op(x1, x2):
        return fn(_tf.cast(x1, dtypes.bool), _tf.cast(x2, dtypes.bool))
    op.__name__ = fn.__name__
    op.__doc__ = f"Elementwise {fn.__name__} of x1, x2 as bools."
    return op


add, subtract, multiply = _binary(_tf.add), _binary(_tf.subtract), _binary(_tf.multiply)
maximum, minimum = _binary(_tf.maximum), _binary(_tf.minimum)
equal, not_equal = _binary(_tf.equal, False), _binary(_tf.not_equal, False)
greater, greater_equal = _binary(_tf.greater, False), _binary(_tf.greater_equal, False)
less, less_equal = _binary(_tf.less, False), _binary(_tf.less_equal, False)
logical_and, logical_or, logical_xor = (_logical(_tf.logical_and), _logical(_tf.logical_or),
                                        _logical(_tf.logical_xor))
floor_divide = _binary(_tf.floordiv)
mod = _binary(_tf.floormod, False, bool_as=dtypes.int32)
arctan2 = _binary(_tf.atan2, False, extra=(float,))


def divide(x1, x2):
    """True division in the promoted float dtype (integers give float32, NumPy's true_divide
    as Keras)."""
    (a, b), _ = _promote(x1, x2, extra=(float,), weak=True)
    return _tf.truediv(a, b)


true_divide = divide


def power(x1, x2):
    """x1 ** x2 in the promoted dtype (Python scalars weak)."""
    (a, b), _ = _promote(x1, x2, weak=True)
    return _tf.pow(a, b)


def clip(x, x_min, x_max):
    return _tf.clip_by_value(_t(x), x_min, x_max)


def where(condition, x1=None, x2=None):
    """Elementwise choice; with only `condition`, the indices of its true elements per axis."""
    if x1 is None and x2 is None:
        idx = _tf.cast(_tf.where(_tf.cast(condition, dtypes.bool)), dtypes.int32)
        return tuple(_tf.unstack(idx, axis=1, num=idx.shape[1]))
    if x1 is None or x2 is None:
        raise _InvalidArgumentError("keras.ops.where: pass both x1 and x2, or neither")
    (a, b), _ = _promote(x1, x2, weak=True)
    return _tf.where(_tf.cast(condition, dtypes.bool), a, b)


# -- reductions -----------------------------------------------------------------------------------
def _accumulator(x):
    """Keras's sum/prod dtype: bools and narrow integers accumulate in int32 (uint8 too: Keras
    says uint32, which graphflow does not have)."""
    return _tf.cast(x, dtypes.int32) if x.dtype in (dtypes.bool, dtypes.int8, dtypes.int16,
                                                     dtypes.uint8) else x


def sum(x, axis=None, keepdims=False):  # noqa: A001
    """Sum along axis (bools and narrow integers in int32)."""
    return _tf.reduce_sum(_accumulator(_t(x)), _axis(axis), keepdims)


def mean(x, axis=None, keepdims=False):
    return _tf.reduce_mean(_float(x), _axis(axis), keepdims)


def max(x, axis=None, keepdims=False, initial=None):  # noqa: A001
    """Maximum along axis (of bools: any)."""
    x = _t(x)
    if x.dtype is dtypes.bool:
        out = _tf.reduce_any(x, _axis(axis), keepdims)
        return out if initial is None else _tf.logical_or(out, bool(initial))
    out = _tf.reduce_max(x, _axis(axis), keepdims)
    return out if initial is None else _tf.maximum(out, _tf.cast(initial, out.dtype))


def min(x, axis=None, keepdims=False, initial=None):  # noqa: A001
    """Minimum along axis (of bools: all)."""
    x = _t(x)
    if x.dtype is dtypes.bool:
        out = _tf.reduce_all(x, _axis(axis), keepdims)
        return out if initial is None else _tf.logical_and(out, bool(initial))
    out = _tf.reduce_min(x, _axis(axis), keepdims)
    return out if initial is None else _tf.minimum(out, _tf.cast(initial, out.dtype))


amax, amin = max, min


def prod(x, axis=None, keepdims=False, dtype=None):
    """Product along axis (bools and narrow integers in int32 unless dtype is given)."""
    return _tf.reduce_prod(cast(x, dtype) if dtype else _accumulator(_t(x)), _axis(axis),
                           keepdims)


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
    if x.dtype is dtypes.bool:
        x = _tf.cast(x, dtypes.int32)
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
    if x.dtype is dtypes.bool:
        x = _tf.cast(x, dtypes.int32)
    if axis is None:
        x, axis = _tf.reshape(x, [-1]), 0
    return _tf.cumsum(x, axis)


def cumprod(x, axis=None, dtype=None):
    from graphflow.ops.scan import cumprod as _cumprod
    x = cast(x, dtype) if dtype else _t(x)
    if x.dtype is dtypes.bool:
        x = _tf.cast(x, dtypes.int32)
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
    """x sorted ascending along axis (bools: False first)."""
    x = _t(x)
    if x.dtype is dtypes.bool:
        return _tf.cast(_tf.sort(_tf.cast(x, dtypes.int32), axis), dtypes.bool)
    return _tf.sort(x, axis)


def argsort(x, axis=-1):
    """The indices that sort x along axis (stable)."""
    x = _t(x)
    return _tf.argsort(_tf.cast(x, dtypes.int32) if x.dtype is dtypes.bool else x, axis,
                       stable=True)


def top_k(x, k, sorted=True):  # noqa: A002
    return _nn.top_k(_t(x), k, sorted=sorted)


def one_hot(x, num_classes, axis=-1, dtype=None):
    return _tf.one_hot(x, num_classes, axis=axis, dtype=dtype or _floatx())


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
    """Sum of the diagonal `offset` over axes axis1, axis2 (bools and narrow integers in
    int32)."""
    from graphflow.keras.ops_numpy import diagonal
    return _tf.reduce_sum(_accumulator(diagonal(_t(x), offset, axis1, axis2)), -1)


# -- neural network ---------------------------------------------------------------------------------
relu, sigmoid = _unary(_nn.relu), _unary(_nn.sigmoid, True)


def relu6(x):
    """min(max(x, 0), 6) (integers keep their dtype, as in Keras)."""
    x = _t(x)
    return _nn.relu6(x) if x.dtype.is_floating else _tf.clip_by_value(x, 0, 6)
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
    eps = _epsilon()
    output = _tf.clip_by_value(output, eps, 1.0 - eps)
    return -(target * _tf.log(output) + (1.0 - target) * _tf.log(1.0 - output))


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    target, output = _float(target), _float(output)
    if from_logits:
        return -_tf.reduce_sum(target * _nn.log_softmax(output, axis=axis), axis)
    output = output / _tf.reduce_sum(output, axis, keepdims=True)
    output = _tf.clip_by_value(output, _epsilon(), 1.0 - _epsilon())
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


# -- the rest of Keras 3.15's names (ops_numpy, ops_nn, ops_more) and its submodules ---------------
from graphflow.keras.ops_numpy import (  # noqa: E402,F401
    allclose, append, argpartition, array, array_split, average, bartlett, bincount,
    bitwise_and, bitwise_invert, bitwise_left_shift, bitwise_not, bitwise_or, bitwise_right_shift,
    bitwise_xor, blackman, cbrt, copy, corrcoef, correlate, cross, deg2rad, diag, diagflat,
    diagonal, diff, digitize, divide_no_nan, dsplit, dstack, empty, empty_like, erfc, erfinv, exp2,
    fabs, fliplr, flipud, fmax, fmin, fmod, gcd, geomspace, get_item, hamming, hanning, heaviside,
    histogram, hsplit, hypot, i0, inner, isclose, isin, isneginf, isposinf, isreal, kaiser, kron,
    lcm, ldexp, left_shift, log10, log2, logaddexp, logaddexp2, logspace, median, nan_to_num,
    nanargmax, nanargmin, nancumprod, nancumsum, nanmax, nanmean, nanmedian, nanmin,
    nanpercentile, nanprod, nanquantile, nanstd, nansum, nanvar, nonzero, percentile, ptp,
    quantile, rad2deg, right_shift, rot90, searchsorted, select, signbit, sinc, slogdet,
    trapezoid, trunc, unique, unravel_index, vander, vdot, vectorize, view, vsplit)
from graphflow.keras.ops_nn import (  # noqa: E402,F401
    adaptive_average_pool, adaptive_max_pool, average_pool, batch_normalization, celu, conv,
    conv_transpose, ctc_decode, ctc_loss, depth_to_space, depthwise_conv, dot_product_attention, fold, glu, hard_shrink,
    hard_sigmoid, hard_silu, hard_swish, hard_tanh, in_top_k, layer_normalization, max_pool,
    multi_hot, normalize, psnr, rms_normalization, separable_conv, soft_shrink, space_to_depth,
    sparse_plus, sparse_sigmoid, sparsemax, squareplus, tanh_shrink, threshold, unfold)
from graphflow.keras.ops_more import (  # noqa: E402,F401
    associative_scan, cdist, cholesky, rearrange, cholesky_inverse, custom_gradient, det, eigh,
    extract_sequences, inv, jvp, logdet, lstsq, lu_factor, map, matrix_rank, pinv, qr, saturate_cast, scan,
    segment_max, segment_min, segment_prod, slice_update, solve, solve_triangular, svd, switch,
    vectorized_map)


from graphflow.keras.ops_complex import (  # noqa: E402,F401
    angle, conj, conjugate, eig, fft, fft2, ifft2, imag, irfft, istft, polar, real, rfft, stft,
    view_as_complex, view_as_real)


def nextafter(x1, x2):
    """The next representable float after x1 toward x2, in the promoted float dtype."""
    from graphflow import math as _math
    from graphflow.keras.ops_numpy import _rt
    dt = _rt(x1, x2, float)
    return _math.nextafter(_tf.cast(x1, dt), _tf.cast(x2, dt))


def _submodule(name, names, source):
    import sys
    import types
    mod = types.ModuleType(f"{__name__}.{name}", f"keras.ops.{name}: the Keras 3.15 names of "
                           f"that submodule graphflow has.")
    for n in names:
        if hasattr(source, n):
            setattr(mod, n, getattr(source, n))
    sys.modules[mod.__name__] = mod
    return mod


def _build_submodules():
    import sys
    from graphflow.keras import ops_more
    me = sys.modules[__name__]
    nn_names = """adaptive_average_pool adaptive_max_pool average_pool batch_normalization
        binary_crossentropy categorical_crossentropy celu conv conv_transpose ctc_decode ctc_loss
        depth_to_space
        depthwise_conv dot_product_attention elu fold gelu glu hard_shrink hard_sigmoid hard_silu
        hard_swish hard_tanh layer_normalization leaky_relu log_sigmoid log_softmax max_pool
        moments multi_hot normalize one_hot psnr relu relu6 rms_normalization selu separable_conv
        sigmoid silu soft_shrink softmax softplus softsign space_to_depth
        sparse_categorical_crossentropy sparse_plus sparse_sigmoid sparsemax squareplus swish
        tanh_shrink threshold unfold""".split()
    linalg_names = """cholesky cholesky_inverse det eig eigh inv jvp lstsq lu_factor matrix_rank
        norm pinv qr solve solve_triangular svd""".split()
    image_names = """affine_transform crop_images extract_patches extract_patches_3d gaussian_blur
        hsv_to_rgb map_coordinates pad_images perspective_transform resize rgb_to_grayscale
        rgb_to_hsv scale_and_translate sobel_edges ssim""".split()
    numpy_names = [n for n in dir(me) if not n.startswith("_") and callable(getattr(me, n))
                   and n not in nn_names and n not in linalg_names and n not in (
                       "cond", "while_loop", "fori_loop", "scan", "map", "switch",
                       "associative_scan", "vectorized_map", "custom_gradient",
                       "convert_to_tensor", "convert_to_numpy", "is_tensor", "dtype", "shape",
                       "cast", "result_type", "stop_gradient", "slice", "slice_update",
                       "scatter", "scatter_update", "saturate_cast", "segment_sum",
                       "segment_max", "segment_min", "segment_prod", "top_k", "in_top_k",
                       "logsumexp", "extract_sequences", "erfinv", "rsqrt", "cdist",
                       "logdet", "erf", "erfc", "rearrange", "unstack", "fft", "fft2",
                       "ifft2", "rfft", "irfft", "stft", "istft", "polar",
                       "view_as_complex", "view_as_real")]
    linalg = _submodule("linalg", linalg_names, me)
    linalg.norm = ops_more.norm
    return (_submodule("nn", nn_names, me), linalg, _submodule("image", image_names, ops_more),
            _submodule("numpy", numpy_names, me))


nn, linalg, image, numpy = _build_submodules()
