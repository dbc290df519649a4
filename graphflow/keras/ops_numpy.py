"""The NumPy-like half of keras.ops that graphflow/keras/ops.py does not define itself: Keras 3's
`keras.ops.numpy` names built from graphflow's registry ops, with Keras's dtype promotion.

Keras promotes dtypes on a lattice (JAX's, `keras.backend.result_type`): Python scalars are
"weak" (`int32 + 1.5` is float32, `int8 + 1` stays int8), bool < ints < floats, and on the
TensorFlow backend int64 stays int64 (uint64 becomes uint32). `result_type` below is that
rule, so the functions here give the dtypes Keras 3.15 gives on TensorFlow.

    >>> from graphflow.keras import ops
    >>> ops.log2(np.array([1, 8], np.int32)).numpy()
    array([0., 3.], dtype=float32)
    >>> ops.append(np.array([1, 2], np.int8), 2.5).dtype.name
    'float32'
"""
import builtins
import functools

import numpy as np

from graphflow import dtypes
from graphflow.errors import InvalidArgumentError as _InvalidArgumentError
from graphflow.ops import api as _tf
from graphflow.tensor import Tensor as _Tensor, Variable as _Variable



def _floatx():
    """keras.config.floatx(): the default float dtype of creation and of int-to-float math."""
    from graphflow.keras.backend import floatx
    return floatx()


# -- Keras's type promotion ----------------------------------------------------------------------
def _dtype_of(x):
    """(dtype name, weak) of a value as Keras sees it: Python int/float are weak."""
    if x is None:
        return _floatx(), False
    if x is int or x is float:
        return ("int64" if x is int else "float32"), True
    if x is bool:
        return "bool", False
    if isinstance(x, (str, dtypes.DType)):
        from graphflow.keras.backend import standardize_dtype
        return standardize_dtype(x), False
    if isinstance(x, bool):
        return "bool", False
    if isinstance(x, int):
        return "int64", True
    if isinstance(x, float):
        return "float32", True
    if isinstance(x, (_Tensor, _Variable)):
        return x.dtype.name, False
    if hasattr(x, "dtype"):
        return np.dtype(x.dtype).name, False
    return _t(x).dtype.name, False


def result_type(*values):
    """keras.backend.result_type of values (tensors, arrays, Python scalars or dtypes), Python
    int and float weak.

        >>> result_type(np.int32(1), 1.5), result_type(np.int8(1), 1), result_type("int32", "uint32")
        ('float32', 'int8', 'int64')
    """
    from graphflow.keras.backend import result_type as _result_type
    args = []
    for v in values:
        name, weak = _dtype_of(v)
        args.append((int if "int" in name else float) if weak else name)
    return _result_type(*args)


def _t(x, dtype=None):
    """x as a tensor the way Keras's convert_to_tensor makes one (Python floats float32, Python
    ints int32, NumPy arrays keep their dtype)."""
    if isinstance(x, _Variable):
        x = x.value()
    if isinstance(x, _Tensor):
        return x if dtype is None or dtypes.as_dtype(dtype) is x.dtype else _tf.cast(x, dtype)
    if dtype is None and isinstance(x, (list, tuple)) and x and not builtins.any(
            isinstance(v, (_Tensor, _Variable)) for v in x):
        arr = np.asarray(x)
        if arr.dtype == np.float64:
            arr = arr.astype(np.float32)
        elif arr.dtype == np.int64:
            arr = arr.astype(np.int32)
        return _tf.constant(arr)
    if dtype is not None and not isinstance(x, (list, tuple)) and not builtins.isinstance(
            x, (int, float, bool)) and hasattr(x, "dtype"):
        return _tf.cast(_tf.constant(np.asarray(x)), dtype)
    return _tf.convert_to_tensor(x, dtype=dtype)


def _strong(x):
    """x's dtype once converted: most Keras functions convert their inputs before promoting,
    so a Python 1 counts as int32 and 1.5 as float32 there (only add, divide_no_nan, fmax,
    fmin and their like treat Python scalars as weak)."""
    if isinstance(x, (bool, int, float)) or (isinstance(x, (list, tuple)) and not hasattr(x, "dtype")):
        return _t(x).dtype.name
    return x


def _rt(*values):
    """result_type of values converted first (Python scalars strong)."""
    return result_type(*[_strong(v) for v in values])


def _values(x, op, why):
    """x's NumPy value, or a clear error when x is symbolic (an op whose output shape depends on
    x's values runs eagerly only)."""
    from graphflow.tensor import SymbolicTensor
    if isinstance(x, SymbolicTensor):
        raise _InvalidArgumentError(f"keras.ops.{op}: {why}, so it needs its input's values and "
                                    "runs eagerly only (not inside graphflow.function)")
    return np.asarray(x)


def _promote(*xs, extra=(), weak=False):
    """xs converted to one tensor dtype by Keras's rule (extra: further dtypes, e.g. float;
    weak: Python scalars take the other operand's dtype, as in Keras's add)."""
    dt = result_type(*(xs if weak else [_strong(x) for x in xs]), *extra)
    return [_tf.cast(_t(x), dt) for x in xs], dt


def _float_dt(x):
    """Keras's dtype for float-valued unary math: ints and bool become float32 (int64 too)."""
    name = _dtype_of(x)[0]
    return name if "float" in name else _floatx()


def _as_float(x):
    return _tf.cast(_t(x), _float_dt(x))


def _axis(axis):
    return list(axis) if isinstance(axis, tuple) else axis


def _rank(x):
    return _t(x).shape.rank


def _canon(axis, rank):
    if not -rank <= axis < builtins.max(rank, 1):
        raise ValueError(f"axis {axis} is out of bounds for an array of rank {rank}")
    return axis % rank if rank else 0


def _swap(x, a, b):
    perm = list(builtins.range(x.shape.rank))
    perm[a], perm[b] = perm[b], perm[a]
    return _tf.transpose(x, perm)


# -- creation ---------------------------------------------------------------------------------
def array(x, dtype=None):
    """A tensor of x (Keras's ops.array; Python floats float32, ints int32)."""
    return _t(x, dtype)


def copy(x):
    """A copy of x (tensors are immutable, so the same values)."""
    return _tf.identity(_t(x))


def empty(shape, dtype=None):
    """A tensor of shape (zeros, as Keras's TensorFlow backend returns)."""
    return _tf.zeros(shape, dtype or _floatx())


def empty_like(x, dtype=None):
    """A tensor shaped like x (zeros, as Keras's TensorFlow backend returns)."""
    x = _t(x)
    return _tf.zeros_like(x) if dtype is None else _tf.zeros(x.shape.as_list(), dtype)


def _space(start, stop, num, endpoint, dtype, axis, base=None):
    float_dt = result_type(_dtype_of(start)[0], _dtype_of(stop)[0], float)
    if dtype is None:
        dtype = float_dt
    start = _tf.cast(_t(start), float_dt)
    stop = _tf.cast(_t(stop), float_dt)
    steps = np.arange(num, dtype=np.dtype(float_dt)) / ((num - 1) if endpoint else num) \
        if num > (1 if endpoint else 0) else np.zeros(num, np.dtype(float_dt))
    frac = _tf.constant(steps)
    frac = _tf.reshape(frac, [num] + [1] * builtins.max(start.shape.rank, stop.shape.rank))
    if base is None:
        out = start + frac * (stop - start)
    else:
        out = _tf.pow(_tf.cast(base, float_dt), start + frac * (stop - start))
    if axis != 0:
        out = moveaxis_(out, 0, axis)
    return _tf.cast(out, dtype)


def moveaxis_(x, source, destination):
    rank = x.shape.rank
    perm = [a for a in builtins.range(rank) if a != source % rank]
    perm.insert(destination % rank, source % rank)
    return _tf.transpose(x, perm)


def logspace(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    """base ** linspace(start, stop, num) (numpy.logspace).

        >>> logspace(0, 2, 3).numpy()
        array([  1.,  10., 100.], dtype=float32)
    """
    return _space(start, stop, num, endpoint, dtype, axis, base=base)


def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    """Numbers spaced evenly on a log scale from start to stop (numpy.geomspace).

        >>> geomspace(1, 1000, 4).numpy().round(3)
        array([   1.,   10.,  100., 1000.], dtype=float32)
    """
    float_dt = result_type(_dtype_of(start)[0], _dtype_of(stop)[0], float)
    s, e = _tf.cast(_t(start), float_dt), _tf.cast(_t(stop), float_dt)
    out = _tf.exp(_space(_tf.log(s), _tf.log(e), num, endpoint, float_dt, 0))
    if num > 1:
        # the ends exactly, as numpy.geomspace sets them
        last = [_tf.expand_dims(e, 0)] if endpoint else []
        out = _tf.concat([_tf.expand_dims(s, 0), out[1:num - len(last)]] + last, 0)
    elif num == 1:
        out = _tf.expand_dims(s, 0)
    if axis != 0:
        out = moveaxis_(out, 0, axis)
    return _tf.cast(out, dtype or float_dt)


def _window(n, fn):
    n = int(n)
    if n <= 0:
        return _tf.constant(np.zeros(0, _floatx()))
    return _tf.constant(fn(n).astype(_floatx()))


def bartlett(x):
    """The Bartlett (triangular) window of x points, float32 (numpy.bartlett)."""
    return _window(x, np.bartlett)


def blackman(x):
    """The Blackman window of x points, float32 (numpy.blackman)."""
    return _window(x, np.blackman)


def hamming(x):
    """The Hamming window of x points, float32 (numpy.hamming)."""
    return _window(x, np.hamming)


def hanning(x):
    """The Hann window of x points, float32 (numpy.hanning)."""
    return _window(x, np.hanning)


def kaiser(x, beta):
    """The Kaiser window of x points with shape parameter beta, float32 (numpy.kaiser)."""
    return _window(x, lambda n: np.kaiser(n, beta))


def vander(x, N=None, increasing=False):  # noqa: N803 - NumPy's name
    """The Vandermonde matrix of the 1-D x: columns x**(N-1) ... x**0 (numpy.vander)."""
    x = _t(x)
    n = x.shape[0] if N is None else N
    powers = np.arange(n) if increasing else np.arange(n - 1, -1, -1)
    compute = result_type(x.dtype.name, "float32")
    out = _tf.pow(_tf.cast(_tf.expand_dims(x, -1), compute),
                  _tf.constant(powers.astype(np.dtype(compute))))
    return _tf.cast(out, x.dtype)


# -- elementwise math ---------------------------------------------------------------------------
def _unary_float(fn, name, doc):
    def op(x):
        return fn(_as_float(x))
    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op


log10 = _unary_float(lambda x: _tf.log(x) / _tf.cast(np.log(10.0), x.dtype), "log10",
                     "Base-10 logarithm; integer inputs give float32.")
log2 = _unary_float(lambda x: _tf.log(x) / _tf.cast(np.log(2.0), x.dtype), "log2",
                    "Base-2 logarithm; integer inputs give float32.")
def _f64_for_int64(x):
    name = _dtype_of(x)[0]
    return _tf.cast(_t(x), "float64" if name == "int64" else _float_dt(x))


def deg2rad(x):
    """Degrees to radians (integers give float32, int64 float64)."""
    x = _f64_for_int64(x)
    return x * _tf.cast(np.pi / 180.0, x.dtype)


def rad2deg(x):
    """Radians to degrees (integers give float32, int64 float64)."""
    x = _f64_for_int64(x)
    return x * _tf.cast(180.0 / np.pi, x.dtype)


def erfc(x):
    """Complementary error function, 1 - erf(x)."""
    from graphflow import math as _math
    return _math.erfc(_as_float(x))


def erfinv(x):
    """Inverse error function."""
    from graphflow import math as _math
    return _math.erfinv(_as_float(x))


def exp2(x):
    """2 ** x; integer inputs give float32."""
    x = _as_float(x)
    return _tf.pow(_tf.cast(2.0, x.dtype), x)


def cbrt(x):
    """Cube root (negative inputs give negative roots); int64 gives float64."""
    name = _dtype_of(x)[0]
    x = _tf.cast(_t(x), "float64" if name == "int64" else _float_dt(x))
    return _tf.sign(x) * _tf.pow(_tf.abs(x), _tf.cast(1.0 / 3.0, x.dtype))


def i0(x):
    """Modified Bessel function of the first kind, order 0; int64 gives float64."""
    from graphflow import math as _math
    name = _dtype_of(x)[0]
    return _math.bessel_i0(_tf.cast(_t(x), "float64" if name in ("int64", "float64")
                                    else name if name in ("float16", "bfloat16") else _floatx()))


def sinc(x):
    """sin(pi x) / (pi x), 1 at 0 (the normalized sinc)."""
    name = _dtype_of(x)[0]
    x = _tf.cast(_t(x), _floatx() if name == "int64" else result_type(name, float))
    pix = x * _tf.cast(np.pi, x.dtype)
    safe = _tf.where(_tf.equal(x, 0), _tf.ones_like(x), pix)
    return _tf.where(_tf.equal(x, 0), _tf.ones_like(x), _tf.sin(safe) / safe)


def trunc(x):
    """Rounds toward zero; integers are returned as they are."""
    x = _t(x)
    if not x.dtype.is_floating:
        return x
    return _tf.where(x < 0, _tf.ceil(x), _tf.floor(x))


fix = trunc


def fabs(x):
    """Absolute value as a float (integers give float32)."""
    return _tf.abs(_as_float(x))


def signbit(x):
    """True where the sign bit is set (negative numbers and -0.0)."""
    x = _t(x)
    if x.dtype is dtypes.bool:
        return _tf.fill(_tf.shape(x), False)
    if x.dtype.is_integer:
        return x < 0
    from graphflow.ops.casts import bitcast
    bits = bitcast(_tf.cast(x, dtypes.float32), dtypes.int32)
    return bits < 0


def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    """NaN to `nan`, +inf/-inf to `posinf`/`neginf` (the dtype's extremes by default)."""
    x = _t(x)
    if not x.dtype.is_floating:
        return x
    info = np.finfo(np.dtype(x.dtype.np))
    from graphflow.ops.math_extra import is_inf
    x = _tf.where(_tf.is_nan(x), _tf.cast(nan, x.dtype), x)
    x = _tf.where(is_inf(x) & (x > 0), _tf.cast(info.max if posinf is None else posinf, x.dtype), x)
    return _tf.where(is_inf(x) & (x < 0), _tf.cast(info.min if neginf is None else neginf,
                                                    x.dtype), x)


def isneginf(x):
    """True where x is -inf."""
    from graphflow.ops.math_extra import is_inf
    x = _t(x)
    if not x.dtype.is_floating:
        return _tf.fill(_tf.shape(x), False)
    return is_inf(x) & (x < 0)


def isposinf(x):
    """True where x is +inf."""
    from graphflow.ops.math_extra import is_inf
    x = _t(x)
    if not x.dtype.is_floating:
        return _tf.fill(_tf.shape(x), False)
    return is_inf(x) & (x > 0)


def isreal(x):
    """Whether each element's imaginary part is 0 (True everywhere for real tensors).

        >>> isreal(np.array([1 + 1j, 2])).numpy()
        array([False,  True])
    """
    x = _t(x)
    if x.dtype.is_complex:
        from graphflow import math as _math
        return _tf.equal(_math.imag(x), 0.0)
    return _tf.fill(_tf.shape(x), True)


def _int_float(dt):
    # Keras's hypot/heaviside: small ints compute in float32, int64 in float64
    if dt in ("int8", "int16", "int32", "uint8", "uint16", "uint32", "bool"):
        return _floatx()
    return "float64" if dt == "int64" else dt


def hypot(x1, x2):
    """sqrt(x1**2 + x2**2) without overflow."""
    dt = _int_float(_rt(x1, x2))
    a, b = _tf.abs(_tf.cast(_t(x1), dt)), _tf.abs(_tf.cast(_t(x2), dt))
    big, small = _tf.maximum(a, b), _tf.minimum(a, b)
    from graphflow import math as _math
    ratio = _math.divide_no_nan(small, big)
    return big * _tf.sqrt(1.0 + _tf.square(ratio))


def heaviside(x1, x2):
    """0 where x1 < 0, 1 where x1 > 0, x2 where x1 == 0."""
    dt = _int_float(_rt(x1, x2))
    a, b = _tf.cast(_t(x1), dt), _tf.cast(_t(x2), dt)
    return _tf.where(a < 0, _tf.zeros_like(a), _tf.where(a > 0, _tf.ones_like(a), b))


def logaddexp(x1, x2):
    """log(exp(x1) + exp(x2)) computed stably."""
    (a, b), dt = _promote(x1, x2, extra=(float,))
    delta = a - b
    return _tf.where(_tf.is_nan(delta), a + b,
                     _tf.maximum(a, b) + _tf.log1p(_tf.exp(-_tf.abs(delta))))


def logaddexp2(x1, x2):
    """log2(2**x1 + 2**x2) computed stably."""
    (a, b), dt = _promote(x1, x2, extra=(float,))
    delta = a - b
    ln2 = _tf.cast(np.log(2.0), dt)
    return _tf.where(_tf.is_nan(delta), a + b,
                     _tf.maximum(a, b) + _tf.log1p(_tf.exp(-_tf.abs(delta) * ln2)) / ln2)


def fmax(x1, x2):
    """Elementwise maximum that ignores NaN (NaN only where both are NaN)."""
    (a, b), _ = _promote(x1, x2, weak=True)
    if not a.dtype.is_floating:
        return _tf.maximum(a, b)
    return _tf.where(_tf.is_nan(a), b, _tf.where(_tf.is_nan(b), a, _tf.maximum(a, b)))


def fmin(x1, x2):
    """Elementwise minimum that ignores NaN (NaN only where both are NaN)."""
    (a, b), _ = _promote(x1, x2, weak=True)
    if not a.dtype.is_floating:
        return _tf.minimum(a, b)
    return _tf.where(_tf.is_nan(a), b, _tf.where(_tf.is_nan(b), a, _tf.minimum(a, b)))


def fmod(x1, x2):
    """Remainder with the sign of x1 (C's fmod; numpy.fmod)."""
    (a, b), dt = _promote(x1, x2)
    if a.dtype is dtypes.bool:
        a, b = _tf.cast(a, dtypes.int32), _tf.cast(b, dtypes.int32)
    if a.dtype.is_integer:
        return _tf.truncatemod(a, b)
    return a - b * trunc(a / b)


def divide_no_nan(x1, x2):
    """x1 / x2, 0 where x2 is 0."""
    from graphflow import math as _math
    (a, b), dt = _promote(x1, x2, extra=(float,), weak=True)
    return _math.divide_no_nan(a, b)


def ldexp(x1, x2):
    """x1 * 2**x2 (x2 an integer)."""
    name2 = _dtype_of(x2)[0]
    if "int" not in name2:
        raise TypeError(f"ldexp exponent must be an integer type. Received: x2 dtype={name2}")
    dt = _rt(x1, x2, float)
    a = _tf.cast(_t(x1), dt)
    out = a * _tf.pow(_tf.cast(2.0, dt), _tf.cast(_t(x2), dt))
    from graphflow.ops.math_extra import is_inf
    return _tf.where(is_inf(a) | (a == 0), a, out)


def gcd(x1, x2):
    """Greatest common divisor of integers (Euclid's algorithm as a while_loop)."""
    (a, b), dt = _promote(x1, x2)
    if not a.dtype.is_integer:
        raise TypeError("Arguments to gcd must be integers.")
    shape = _tf.broadcast_static_shape(a.shape, b.shape)
    a, b = _tf.broadcast_to(a, shape), _tf.broadcast_to(b, shape)
    if not dt.startswith("u"):
        a, b = _tf.abs(a), _tf.abs(b)

    def body(a, b):
        safe = _tf.where(_tf.equal(b, 0), _tf.ones_like(b), b)
        return [_tf.where(_tf.not_equal(b, 0), b, a),
                _tf.where(_tf.not_equal(b, 0), _tf.floormod(a, safe), _tf.zeros_like(b))]

    return _tf.while_loop(lambda a, b: _tf.reduce_any(_tf.not_equal(b, 0)), body, [a, b])[0]


def lcm(x1, x2):
    """Least common multiple of integers."""
    n1, n2 = _dtype_of(x1)[0], _dtype_of(x2)[0]
    if "int" not in n1 or "int" not in n2:
        raise TypeError(f"Arguments to lcm must be integers. Received: x1.dtype={n1}, "
                        f"x2.dtype={n2}")
    (a, b), dt = _promote(x1, x2)
    if not dt.startswith("u"):
        a, b = _tf.abs(a), _tf.abs(b)
    d = gcd(a, b)
    safe = _tf.where(_tf.equal(d, 0), _tf.ones_like(d), d)
    return _tf.where(_tf.equal(d, 0), _tf.zeros_like(d), a * _tf.floordiv(b, safe))


# -- bitwise --------------------------------------------------------------------------------------
def _bitwise(fn_name, doc):
    def op(x, y):
        from graphflow import bitwise
        (a, b), dt = _promote(x, y)
        if a.dtype is dtypes.bool and fn_name in ("bitwise_and", "bitwise_or", "bitwise_xor"):
            return {"bitwise_and": _tf.logical_and, "bitwise_or": _tf.logical_or,
                    "bitwise_xor": _tf.logical_xor}[fn_name](a, b)
        return getattr(bitwise, fn_name)(a, b)
    op.__name__ = op.__qualname__ = fn_name
    op.__doc__ = doc
    return op


bitwise_and = _bitwise("bitwise_and", "Bitwise AND of integers (logical AND of bools).")
bitwise_or = _bitwise("bitwise_or", "Bitwise OR of integers (logical OR of bools).")
bitwise_xor = _bitwise("bitwise_xor", "Bitwise XOR of integers (logical XOR of bools).")
left_shift = bitwise_left_shift = _bitwise("left_shift", "x << y for integers.")
right_shift = bitwise_right_shift = _bitwise("right_shift", "x >> y for integers (arithmetic).")


def bitwise_invert(x):
    """Bitwise NOT of integers (logical NOT of bools)."""
    from graphflow import bitwise
    x = _t(x)
    return _tf.logical_not(x) if x.dtype is dtypes.bool else bitwise.invert(x)


bitwise_not = bitwise_invert


# -- comparisons ----------------------------------------------------------------------------------
def isclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    """|x1 - x2| <= atol + rtol * |x2| elementwise (exact equality for integers)."""
    (a, b), dt = _promote(x1, x2)
    if "float" not in dt:
        return _tf.equal(a, b)
    out = _tf.abs(a - b) <= (_tf.cast(atol, dt) + _tf.cast(rtol, dt) * _tf.abs(b))
    # infinities of the same sign are close (NumPy; inf - inf is NaN)
    out = out | _tf.equal(a, b)
    if equal_nan:
        out = out | (_tf.is_nan(a) & _tf.is_nan(b))
    return out


def allclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    """Whether isclose holds everywhere (a bool scalar tensor)."""
    return _tf.reduce_all(isclose(x1, x2, rtol, atol, equal_nan))


def isin(x1, x2, assume_unique=False, invert=False):
    """For each element of x1, whether it occurs in x2 (numpy.isin)."""
    (a, b), dt = _promote(x1, x2)
    hit = _tf.reduce_any(_tf.equal(_tf.expand_dims(a, -1), _tf.reshape(b, [-1])), axis=-1)
    return _tf.logical_not(hit) if invert else hit


# -- reductions and statistics --------------------------------------------------------------------
def ptp(x, axis=None, keepdims=False):
    """max - min along axis."""
    x = _t(x)
    return _tf.reduce_max(x, _axis(axis), keepdims) - _tf.reduce_min(x, _axis(axis), keepdims)


def average(x, axis=None, weights=None):
    """The (weighted) mean along axis; weights 1-D along axis or shaped like x."""
    if weights is None:
        x = _tf.cast(_t(x), result_type(x, float))
        return _tf.reduce_mean(x, axis)
    (x, w), dt = _promote(x, weights, extra=(float,))
    if axis is None or x.shape.rank == w.shape.rank:
        return _tf.reduce_sum(x * w, axis) / _tf.reduce_sum(w, axis)
    shape = [1] * x.shape.rank
    shape[axis % x.shape.rank] = -1
    return _tf.reduce_sum(x * _tf.reshape(w, shape), axis) / _tf.reduce_sum(w)


def _to_last(x, axis):
    """x with the axes in `axis` flattened into one last axis (all of them for None)."""
    if axis is None:
        return _tf.reshape(x, [-1])
    axes = [axis] if isinstance(axis, int) else list(axis)
    rank = x.shape.rank
    axes = [_canon(a, rank) for a in axes]
    others = [a for a in builtins.range(rank) if a not in axes]
    shape = x.shape.as_list()
    y = _tf.transpose(x, others + axes)
    return _tf.reshape(y, [shape[a] for a in others] + [int(np.prod([shape[a] for a in axes]))])


def _keep(out, x, axis, qshape):
    """Reinserts the reduced axes as size 1 (keepdims)."""
    rank = x.shape.rank
    axes = builtins.range(rank) if axis is None else \
        [_canon(a, rank) for a in ([axis] if isinstance(axis, int) else axis)]
    for a in sorted(axes):
        out = _tf.expand_dims(out, a + len(qshape))
    return out


def _quantile(x, q, axis, method, keepdims, nan_aware=False):
    x = _t(x)
    x = _tf.cast(x, result_type(x.dtype.name, float))
    q = _t(q)
    qshape = q.shape.as_list()
    qv = _tf.cast(q, dtypes.float64)
    y = _to_last(x, axis)
    if nan_aware:
        # NaNs sort last; the count of the others is each row's length
        is_nan = _tf.is_nan(y)
        n = _tf.reduce_sum(_tf.cast(_tf.logical_not(is_nan), dtypes.float64), -1, keepdims=True)
        y = _tf.where(is_nan, _tf.cast(np.inf, y.dtype), y)
    else:
        n = _tf.cast(_tf.fill(y.shape.as_list()[:-1] + [1], y.shape[-1]), dtypes.float64)
    ys = _tf.sort(y, axis=-1)
    length = y.shape[-1]
    qv = _tf.reshape(qv, [-1])
    pos = (n - 1.0) * qv  # [..., nq]

    def take(idx):
        idx = _tf.clip_by_value(_tf.cast(idx, dtypes.int32), 0, length - 1)
        return _tf.gather(ys, idx, axis=-1, batch_dims=ys.shape.rank - 1)

    if method == "lower":
        out = take(_tf.floor(pos))
    elif method == "higher":
        out = take(_tf.ceil(pos))
    elif method == "nearest":
        out = take(_tf.round(pos))
    elif method == "midpoint":
        out = 0.5 * (take(_tf.floor(pos)) + take(_tf.ceil(pos)))
    elif method == "linear":
        lo, hi = _tf.floor(pos), _tf.ceil(pos)
        frac = _tf.cast(pos - lo, ys.dtype)
        out = take(lo) * (1.0 - frac) + take(hi) * frac
    else:
        raise ValueError(f"Invalid value for argument `method`. Expected one of ['linear', "
                         f"'lower', 'higher', 'midpoint', 'nearest']. Received: method={method}")
    if nan_aware:
        out = _tf.where(_tf.equal(n, 0.0), _tf.cast(np.nan, out.dtype), out)
    else:
        # NumPy's quantile of a row holding NaN is NaN
        row_nan = _tf.reduce_any(_tf.is_nan(y), axis=-1, keepdims=True)
        out = _tf.where(row_nan, _tf.cast(np.nan, out.dtype), out)
    # [..., nq] -> [nq..., ...]
    r = out.shape.rank
    out = _tf.transpose(out, [r - 1] + list(builtins.range(r - 1)))
    out = _tf.reshape(out, qshape + y.shape.as_list()[:-1])
    if keepdims:
        out = _keep(out, x, axis, qshape)
    return out


def quantile(x, q, axis=None, method="linear", keepdims=False):
    """The q-th quantiles (q in [0, 1]) along axis, as numpy.quantile.

        >>> quantile(np.array([1., 2., 3., 4.]), 0.5).numpy()
        2.5
    """
    return _quantile(x, q, axis, method, keepdims)


def percentile(x, q, axis=None, method="linear", keepdims=False):
    """The q-th percentiles (q in [0, 100]) along axis, as numpy.percentile."""
    return _quantile(x, _tf.cast(_t(q), dtypes.float64) / 100.0, axis, method, keepdims)


def median(x, axis=None, keepdims=False):
    """The median along axis."""
    return _quantile(x, 0.5, axis, "linear", keepdims)


def nanquantile(x, q, axis=None, method="linear", keepdims=False):
    """quantile ignoring NaNs."""
    return _quantile(x, q, axis, method, keepdims, nan_aware=True)


def nanpercentile(x, q, axis=None, method="linear", keepdims=False):
    """percentile ignoring NaNs."""
    return _quantile(x, _tf.cast(_t(q), dtypes.float64) / 100.0, axis, method, keepdims,
                     nan_aware=True)


def nanmedian(x, axis=None, keepdims=False):
    """median ignoring NaNs."""
    return _quantile(x, 0.5, axis, "linear", keepdims, nan_aware=True)


def _nan_filled(x, value):
    x = _t(x)
    if not x.dtype.is_floating:
        return x, None
    nan = _tf.is_nan(x)
    return _tf.where(nan, _tf.cast(value, x.dtype), x), nan


def nansum(x, axis=None, keepdims=False):
    """sum ignoring NaNs (bool and small ints sum as int32)."""
    x = _t(x)
    if x.dtype.name in ("bool", "int8", "int16", "uint8", "uint16"):
        x = _tf.cast(x, dtypes.int32)
    y, _ = _nan_filled(x, 0)
    return _tf.reduce_sum(y, _axis(axis), keepdims)


def nanprod(x, axis=None, keepdims=False):
    """prod ignoring NaNs (bool and small ints as int32)."""
    x = _t(x)
    if x.dtype.name in ("bool", "int8", "int16", "uint8", "uint16"):
        x = _tf.cast(x, dtypes.int32)
    y, _ = _nan_filled(x, 1)
    return _tf.reduce_prod(y, _axis(axis), keepdims)


def nanmax(x, axis=None, keepdims=False):
    """max ignoring NaNs (NaN where a slice is all NaN)."""
    x = _t(x)
    if x.dtype is dtypes.bool:
        return _tf.reduce_any(x, _axis(axis), keepdims)
    y, nan = _nan_filled(x, -np.inf)
    out = _tf.reduce_max(y, _axis(axis), keepdims)
    if nan is None:
        return out
    return _tf.where(_tf.reduce_all(nan, _axis(axis), keepdims), _tf.cast(np.nan, x.dtype), out)


def nanmin(x, axis=None, keepdims=False):
    """min ignoring NaNs (NaN where a slice is all NaN)."""
    x = _t(x)
    if x.dtype is dtypes.bool:
        return _tf.reduce_all(x, _axis(axis), keepdims)
    y, nan = _nan_filled(x, np.inf)
    out = _tf.reduce_min(y, _axis(axis), keepdims)
    if nan is None:
        return out
    return _tf.where(_tf.reduce_all(nan, _axis(axis), keepdims), _tf.cast(np.nan, x.dtype), out)


def nanmean(x, axis=None, keepdims=False):
    """mean ignoring NaNs (integers give float32)."""
    x = _tf.cast(_t(x), _float_dt(x))
    y, nan = _nan_filled(x, 0)
    count = _tf.reduce_sum(_tf.cast(_tf.logical_not(nan), x.dtype), _axis(axis), keepdims)
    return _tf.reduce_sum(y, _axis(axis), keepdims) / count


def nanvar(x, axis=None, keepdims=False):
    """var ignoring NaNs (integers give float32)."""
    x = _tf.cast(_t(x), _float_dt(x))
    m = nanmean(x, axis, keepdims=True)
    y, nan = _nan_filled(x, 0)
    count = _tf.reduce_sum(_tf.cast(_tf.logical_not(nan), x.dtype), _axis(axis), keepdims)
    sq = _tf.where(nan, _tf.zeros_like(x), _tf.square(x - m))
    return _tf.reduce_sum(sq, _axis(axis), keepdims) / count


def nanstd(x, axis=None, keepdims=False):
    """std ignoring NaNs."""
    return _tf.sqrt(nanvar(x, axis, keepdims))


def _nanarg(x, axis, keepdims, fill, fn):
    x = _t(x)
    if x.dtype is dtypes.bool:
        x = _tf.cast(x, dtypes.int32)
    y, nan = _nan_filled(x, fill)
    flat_axis = axis
    if axis is None:
        y, flat_axis = _tf.reshape(y, [-1]), 0
        nan = None if nan is None else _tf.reshape(nan, [-1])
    out = fn(y, flat_axis, output_type=dtypes.int32)
    if nan is not None:
        # an all-NaN slice gives -1 (Keras 3.15 on TensorFlow)
        out = _tf.where(_tf.reduce_all(nan, flat_axis), _tf.fill(_tf.shape(out), -1), out)
    if keepdims:
        if axis is None:
            out = _tf.reshape(out, [1] * x.shape.rank)
        else:
            out = _tf.expand_dims(out, axis)
    return out


def nanargmax(x, axis=None, keepdims=False):
    """argmax ignoring NaNs."""
    return _nanarg(x, axis, keepdims, -np.inf, _tf.argmax)


def nanargmin(x, axis=None, keepdims=False):
    """argmin ignoring NaNs."""
    return _nanarg(x, axis, keepdims, np.inf, _tf.argmin)


def _nancum(x, axis, dtype, fill, prod):
    from graphflow.ops.scan import cumprod as _cumprod
    x = _t(x)
    if dtype is not None:
        x = _tf.cast(x, dtype)
    elif x.dtype is dtypes.bool:
        x = _tf.cast(x, dtypes.int32)
    y, _ = _nan_filled(x, fill)
    if axis is None:
        y, axis = _tf.reshape(y, [-1]), 0
    return _cumprod(y, axis) if prod else _tf.cumsum(y, axis)


def nancumsum(x, axis=None, dtype=None):
    """cumsum treating NaNs as 0."""
    return _nancum(x, axis, dtype, 0, False)


def nancumprod(x, axis=None, dtype=None):
    """cumprod treating NaNs as 1."""
    return _nancum(x, axis, dtype, 1, True)


def corrcoef(x):
    """Pearson correlation coefficients of the rows of x."""
    x = _t(x)
    dt = x.dtype.name
    x = _tf.cast(x, _floatx() if dt in ("bool", "int8", "int16", "int32", "uint8", "uint16",
                                      "uint32") else dt)
    if x.shape.rank == 0:
        return _tf.constant(np.float32(np.nan))
    if x.shape.rank == 1:
        x = _tf.reshape(x, [1, -1])
        squeeze = True
    else:
        squeeze = False
    c = x - _tf.reduce_mean(x, -1, keepdims=True)
    cov = _tf.matmul(c, c, transpose_b=True) / _tf.cast(x.shape[-1] - 1, x.dtype)
    from graphflow import linalg
    sd = _tf.sqrt(linalg.diag_part(cov))
    out = _tf.clip_by_value(cov / (sd[:, None] * sd[None, :]), -1.0, 1.0)
    return _tf.reshape(out, []) if squeeze else out


def bincount(x, weights=None, minlength=0, sparse=False):
    """Counts of each non-negative integer in x (or the sums of their weights); a 2-D x counts
    per row."""
    if sparse:
        raise NotImplementedError("keras.ops.bincount: sparse outputs are not supported")
    x = _t(x)
    if x.dtype.name not in ("int32", "int64"):
        x = _tf.cast(x, dtypes.int32)
    dt = "int32" if weights is None else result_type(x.dtype.name, _dtype_of(weights)[0])
    values = _values(x, "bincount", "its output length is max(x) + 1")
    depth = builtins.max(int(minlength), int(values.max()) + 1 if values.size else 0)
    hot = _tf.one_hot(x, depth, dtype=dt if weights is not None else dtypes.int32)
    if weights is not None:
        hot = hot * _tf.expand_dims(_tf.cast(_t(weights), dt), -1)
    return _tf.cast(_tf.reduce_sum(hot, -2), dt)


def histogram(x, bins=10, range=None):  # noqa: A002 - NumPy's name
    """(counts, bin_edges) of the 1-D x over `bins` equal bins (numpy.histogram)."""
    x = _t(x)
    if range is None:
        lo, hi = _tf.reduce_min(x), _tf.reduce_max(x)
    else:
        lo, hi = _tf.cast(range[0], x.dtype), _tf.cast(range[1], x.dtype)
    inside = _tf.boolean_mask(x, (x >= lo) & (x <= hi))
    edges = _tf.cast(_tf.linspace(_tf.cast(lo, dtypes.float32) if not x.dtype.is_floating else lo,
                                  _tf.cast(hi, dtypes.float32) if not x.dtype.is_floating else hi,
                                  bins + 1), x.dtype)
    idx = _tf.searchsorted(edges[1:-1], inside, side="right")
    counts = _tf.reduce_sum(_tf.one_hot(idx, bins, dtype=x.dtype), 0)
    return counts, edges


def digitize(x, bins):
    """Index of the bin each x falls in (bins increasing: bins[i-1] <= x < bins[i])."""
    x = _t(x)
    edges = np.asarray([float(b) for b in bins], np.float64)
    if x.dtype.name in ("bool", "int8", "int16", "uint8", "uint16"):
        x = _tf.cast(x, dtypes.int32)
    compute = x.dtype if x.dtype.is_floating and x.dtype.name != "float16" else dtypes.float64
    out = _tf.searchsorted(_tf.constant(edges.astype(compute.np)),
                           _tf.reshape(_tf.cast(x, compute), [-1]), side="right")
    return _tf.reshape(out, _tf.shape(x))


def searchsorted(sorted_sequence, values, side="left"):
    """Indices where `values` would be inserted into the 1-D sorted_sequence to keep it sorted."""
    seq = _t(sorted_sequence)
    if seq.shape.rank != 1:
        raise ValueError("`searchsorted` only supports 1-D sorted sequences. You can use "
                         "`keras.ops.vectorized_map` to extend it to N-D sequences. Received: "
                         f"sorted_sequence.shape={tuple(seq.shape.as_list())}")
    (seq, vals), _ = _promote(seq, values)
    flat = _tf.reshape(vals, [-1])
    out = _tf.searchsorted(seq, flat, side=side)
    return _tf.reshape(out, _tf.shape(vals))


def trapezoid(y, x=None, dx=1.0, axis=-1):
    """Integral of y along axis by the trapezoidal rule (numpy.trapezoid)."""
    y = _t(y)
    dt = result_type(y.dtype.name, float)
    y = moveaxis_(_tf.cast(y, dt), axis, -1)
    if x is None:
        d = _tf.cast(dx, dt)
    else:
        d = moveaxis_(diff(_tf.cast(_t(x), dt), axis=axis), axis, -1) \
            if _rank(x) > 1 else diff(_tf.cast(_t(x), dt))
    return _tf.reduce_sum(0.5 * (y[..., 1:] + y[..., :-1]) * d, -1)


# -- products -------------------------------------------------------------------------------------
def inner(x1, x2):
    """Sum product over the last axes (numpy.inner)."""
    (a, b), dt = _promote(x1, x2)
    if a.shape.rank == 0 or b.shape.rank == 0:
        return a * b
    # [..., k] x [..., k] -> a's leading axes then b's
    lead_a, lead_b = a.shape.as_list()[:-1], b.shape.as_list()[:-1]
    a2 = _tf.reshape(a, [-1, a.shape[-1]])
    b2 = _tf.reshape(b, [-1, b.shape[-1]])
    return _tf.reshape(_tf.matmul(a2, b2, transpose_b=True), lead_a + lead_b)


def vdot(x1, x2):
    """Dot product of the flattened inputs."""
    (a, b), dt = _promote(x1, x2)
    return _tf.reduce_sum(_tf.reshape(a, [-1]) * _tf.reshape(b, [-1]))


def kron(x1, x2):
    """Kronecker product (numpy.kron)."""
    (a, b), dt = _promote(x1, x2)
    rank = builtins.max(a.shape.rank, b.shape.rank)
    a = _tf.reshape(a, [1] * (rank - a.shape.rank) + a.shape.as_list())
    b = _tf.reshape(b, [1] * (rank - b.shape.rank) + b.shape.as_list())
    sa, sb = a.shape.as_list(), b.shape.as_list()
    # interleave: a[i0, 1, i1, 1, ...] * b[1, j0, 1, j1, ...]
    ai = _tf.reshape(a, [d for s in sa for d in (s, 1)])
    bi = _tf.reshape(b, [d for s in sb for d in (1, s)])
    return _tf.reshape(ai * bi, [p * q for p, q in zip(sa, sb)])


def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """Cross product of 3-vectors (or 2-vectors, with z taken as 0) along the given axes."""
    if axis is not None:
        axisa = axisb = axisc = axis
    (a, b), dt = _promote(x1, x2)
    a, b = moveaxis_(a, axisa, -1), moveaxis_(b, axisb, -1)
    la, lb = a.shape[-1], b.shape[-1]
    if la not in (2, 3) or lb not in (2, 3):
        raise ValueError("Dimension of vectors for cross product must be 2 or 3. Received: "
                         f"x1.shape={tuple(_t(x1).shape.as_list())}, "
                         f"x2.shape={tuple(_t(x2).shape.as_list())}")
    if la == 2 and lb == 2:
        return a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]

    def comps(v, n):
        parts = [v[..., 0], v[..., 1], v[..., 2] if n == 3 else _tf.zeros_like(v[..., 0])]
        return parts
    a0, a1, a2 = comps(a, la)
    b0, b1, b2 = comps(b, lb)
    out = _tf.stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], -1)
    return moveaxis_(out, -1, axisc) if out.shape.rank > 1 else out


def correlate(x1, x2, mode="valid"):
    """Cross-correlation of two 1-D sequences (numpy.correlate; modes valid, same, full)."""
    (a, b), dt = _promote(x1, x2, weak=True)
    if dt in ("int64",):
        dt = "float64"
    elif "float" not in dt:
        dt = _floatx()
    a, b = _tf.cast(a, dt), _tf.cast(b, dt)
    n, m = a.shape[0], b.shape[0]
    if n < m:
        a, b, n, m, swapped = b, a, m, n, True
    else:
        swapped = False
    if mode == "valid":
        pad_l, pad_r = 0, 0
    elif mode == "same":
        pad_l, pad_r = m // 2, m - 1 - m // 2
    elif mode == "full":
        pad_l, pad_r = m - 1, m - 1
    else:
        raise ValueError(f"Invalid mode: '{mode}'. Mode must be one of: 'full', 'same', 'valid'.")
    ap = _tf.pad(a, [[pad_l, pad_r]])
    length = n + pad_l + pad_r - m + 1
    idx = np.arange(length)[:, None] + np.arange(m)[None, :]
    out = _tf.reduce_sum(_tf.gather(ap, _tf.constant(idx.astype(np.int32))) * b, -1)
    return _tf.reverse(out, [0]) if swapped else out


# -- shapes and indexing --------------------------------------------------------------------------
def append(x1, x2, axis=None):
    """x2 appended to x1 (both flattened when axis is None)."""
    (a, b), _ = _promote(x1, x2)
    if axis is None:
        return _tf.concat([_tf.reshape(a, [-1]), _tf.reshape(b, [-1])], 0)
    return _tf.concat([a, b], axis)


def _split_points(n, sections):
    each, extra = divmod(n, sections)
    return [each + 1] * extra + [each] * (sections - extra)


def array_split(x, indices_or_sections, axis=0):
    """Splits into `indices_or_sections` parts of near-equal size (the first ones longer)."""
    x = _t(x)
    if not isinstance(indices_or_sections, (int, np.integer)):
        raise TypeError("Argument `indices_or_sections` must be of type `int`. Received: "
                        f"indices_or_sections={indices_or_sections}")
    return _tf.split(x, _split_points(x.shape[axis], int(indices_or_sections)), axis)


def _split_at(x, indices_or_sections, axis):
    n = x.shape[axis]
    if isinstance(indices_or_sections, (int, np.integer)):
        if n % int(indices_or_sections):
            raise _InvalidArgumentError(
                "Number of ways to split should evenly divide the split dimension, but got "
                f"split_dim {axis % x.shape.rank} (size = {n}) and num_split "
                f"{int(indices_or_sections)}")
        return _tf.split(x, int(indices_or_sections), axis)
    bounds = [0] + [builtins.min(builtins.max(int(i) % (n + 1) if int(i) < 0 else int(i), 0), n)
                    for i in indices_or_sections] + [n]
    sizes = [builtins.max(b - a, 0) for a, b in zip(bounds, bounds[1:])]
    out, start = [], 0
    for a, s in zip(bounds, sizes):
        begin = [0] * x.shape.rank
        size = [-1] * x.shape.rank
        begin[axis % x.shape.rank], size[axis % x.shape.rank] = builtins.min(a, n), s
        out.append(_tf.slice(x, begin, size))
    return out


def hsplit(x, indices_or_sections):
    """split along axis 1 (axis 0 for 1-D x)."""
    x = _t(x)
    return _split_at(x, indices_or_sections, 0 if x.shape.rank == 1 else 1)


def vsplit(x, indices_or_sections):
    """split along axis 0."""
    return _split_at(_t(x), indices_or_sections, 0)


def dsplit(x, indices_or_sections):
    """split along axis 2."""
    return _split_at(_t(x), indices_or_sections, 2)


def dstack(xs):
    """Stacks along a third axis (1-D inputs become [1, n, 1], 2-D ones [m, n, 1])."""
    ts, _ = _promote(*xs)
    ts = [_tf.reshape(t, [1, -1, 1]) if t.shape.rank <= 1 else
          _tf.expand_dims(t, -1) if t.shape.rank == 2 else t for t in ts]
    return _tf.concat(ts, 2)


def fliplr(x):
    """Reverses axis 1."""
    return _tf.reverse(_t(x), [1])


def flipud(x):
    """Reverses axis 0."""
    return _tf.reverse(_t(x), [0])


def rot90(array, k=1, axes=(0, 1)):
    """Rotates by 90 degrees k times in the plane of `axes` (numpy.rot90)."""
    x = _t(array)
    rank = x.shape.rank
    if rank < 2:
        raise ValueError(f"Input array must have at least 2 dimensions. Received: "
                         f"array.ndim={rank}")
    if len(axes) != 2 or axes[0] % rank == axes[1] % rank:
        raise ValueError(f"Invalid axes: {axes}. Axes must be a tuple of two different "
                         "dimensions.")
    a, b = axes[0] % rank, axes[1] % rank
    k = k % 4
    if k == 0:
        return x
    if k == 2:
        return _tf.reverse(x, [a, b])
    if k == 1:
        return _swap(_tf.reverse(x, [b]), a, b)
    return _tf.reverse(_swap(x, a, b), [b])


def diagonal(x, offset=0, axis1=0, axis2=1):
    """The diagonal `offset` of x over axes axis1, axis2, as the last axis (numpy.diagonal)."""
    x = _t(x)
    rank = x.shape.rank
    a1, a2 = axis1 % rank, axis2 % rank
    others = [a for a in builtins.range(rank) if a not in (a1, a2)]
    y = _tf.transpose(x, others + [a1, a2])
    n, m = y.shape[-2], y.shape[-1]
    rows = np.arange(builtins.max(0, -offset), builtins.min(n, m - offset))
    if len(rows) == 0:
        return _tf.zeros(y.shape.as_list()[:-2] + [0], x.dtype)
    idx = np.stack([rows, rows + offset], -1).astype(np.int32)
    batch = y.shape.as_list()[:-2]
    yy = _tf.reshape(y, [-1, n, m])
    out = _tf.transpose(_tf.gather_nd(_tf.transpose(yy, [1, 2, 0]), _tf.constant(idx)), [1, 0])
    return _tf.reshape(out, batch + [len(rows)])


def diag(x, k=0):
    """The k-th diagonal of a 2-D x, or a 2-D matrix with the 1-D x on its k-th diagonal."""
    x = _t(x)
    if x.shape.rank == 1:
        return diagflat(x, k)
    if x.shape.rank == 2:
        return diagonal(x, k)
    raise ValueError(f"`x` must be 1d or 2d. Received: x.shape={tuple(x.shape.as_list())}")


def diagflat(x, k=0):
    """A 2-D matrix with the flattened x on its k-th diagonal."""
    x = _tf.reshape(_t(x), [-1])
    n = x.shape[0]
    size = n + builtins.abs(k)
    rows = np.arange(n) + builtins.max(0, -k)
    idx = np.stack([rows, rows + k], -1).astype(np.int32)
    return _tf.scatter_nd(_tf.constant(idx), x, [size, size])


def diff(a, n=1, axis=-1):
    """The n-th discrete difference along axis."""
    a = _t(a)
    if n == 0:
        return a
    if n < 0:
        raise ValueError(f"Order `n` must be non-negative. Received n={n}")
    if a.shape.rank == 0:
        raise ValueError(f"`diff` requires input that is at least one dimensional. "
                         f"Received: a={a}")
    ax = axis % a.shape.rank
    for _ in builtins.range(n):
        hi = [builtins.slice(None)] * a.shape.rank
        lo = [builtins.slice(None)] * a.shape.rank
        hi[ax], lo[ax] = builtins.slice(1, None), builtins.slice(None, -1)
        a = _tf.not_equal(a[tuple(hi)], a[tuple(lo)]) if a.dtype is dtypes.bool else \
            a[tuple(hi)] - a[tuple(lo)]
    return a


def nonzero(x):
    """Indices of the nonzero elements, one int32 tensor per axis."""
    x = _t(x)
    idx = _tf.cast(_tf.where(_tf.not_equal(x, _tf.zeros_like(x))), dtypes.int32)
    return tuple(_tf.unstack(idx, axis=1, num=x.shape.rank))


def argpartition(x, kth, axis=-1):
    """Indices that partition x along axis around its kth smallest element: the kth+1 smallest
    first (ascending, ties by index), then the others (descending), as Keras's TensorFlow
    backend orders them."""
    from graphflow.ops.sort import top_k
    x = _t(x)
    if axis is None:
        x, axis = _tf.reshape(x, [-1]), 0
    y = moveaxis_(x, axis, -1)
    n = y.shape[-1]
    k = builtins.min(builtins.max(int(kth), 0), n - 1)
    neg = -y if not x.dtype.is_unsigned else _tf.cast(y, dtypes.int64) * -1
    bottom = top_k(neg, k + 1).indices
    low = np.finfo(np.dtype(y.dtype.np)).min if y.dtype.is_floating else \
        np.iinfo(np.dtype(y.dtype.np)).min
    taken = _tf.reduce_sum(_tf.one_hot(bottom, n, dtype=dtypes.int32), -2) > 0
    rest = top_k(_tf.where(taken, _tf.fill(_tf.shape(y), _tf.cast(low, y.dtype)), y),
                 n - k - 1).indices
    out = _tf.cast(_tf.concat([bottom, rest], -1), dtypes.int32)
    return moveaxis_(out, -1, axis)


def select(condlist, choicelist, default=0):
    """The element of the first choice whose condition holds, `default` where none does."""
    if len(condlist) != len(choicelist):
        raise ValueError("condlist and choicelist must have the same length. Received: "
                         f"len(condlist)={len(condlist)}, len(choicelist)={len(choicelist)}")
    choices, dt = _promote(*choicelist, default)
    out = choices[-1]
    for cond, choice in builtins.reversed(list(zip(condlist, choices[:-1]))):
        out = _tf.where(_tf.cast(_t(cond), dtypes.bool), choice, out)
    shape = _tf.broadcast_static_shape(
        functools.reduce(_tf.broadcast_static_shape, [_t(c).shape for c in condlist]),
        functools.reduce(_tf.broadcast_static_shape, [c.shape for c in choices]))
    return _tf.broadcast_to(out, shape.as_list())


def unravel_index(indices, shape):
    """The coordinates in an array of `shape` of the flat `indices`, one tensor per axis."""
    if builtins.any(d is None for d in shape):
        raise ValueError(f"`shape` argument cannot contain `None`. Received: shape={shape}")
    idx = _t(indices)
    coords = []
    for d in builtins.reversed(list(shape)):
        coords.append(_tf.floormod(idx, d))
        idx = _tf.floordiv(idx, d)
    return tuple(builtins.reversed(coords))


def unique(x, sorted=True, return_index=False, return_inverse=False, return_counts=False,  # noqa: A002
           axis=None, size=None, fill_value=None):
    """The unique elements of the flattened x (sorted), with numpy.unique's optional outputs."""
    if axis is not None:
        raise NotImplementedError("keras.ops.unique: only axis=None is supported")
    if not sorted:
        raise NotImplementedError("keras.ops.unique: only sorted=True is supported")
    x = _t(x)
    values = _values(x, "unique", "its output length is the number of distinct values").ravel()
    uniq, first, inverse, counts = np.unique(values, return_index=True, return_inverse=True,
                                             return_counts=True)
    if size is not None:
        pad = size - len(uniq)
        fill = uniq[0] if fill_value is None and len(uniq) else (fill_value or 0)
        uniq = np.concatenate([uniq, np.full(builtins.max(pad, 0), fill, uniq.dtype)])[:size]
        first = np.concatenate([first, np.zeros(builtins.max(pad, 0), first.dtype)])[:size]
        counts = np.concatenate([counts, np.zeros(builtins.max(pad, 0), counts.dtype)])[:size]
    outs = [_tf.constant(uniq.astype(values.dtype))]
    if return_index:
        outs.append(_tf.constant(first.astype(np.int32)))
    if return_inverse:
        outs.append(_tf.constant(inverse.reshape(x.shape.as_list()).astype(np.int32)))
    if return_counts:
        outs.append(_tf.constant(counts.astype(np.int32)))
    return outs[0] if len(outs) == 1 else tuple(outs)


def get_item(x, key):
    """x[key]."""
    return _t(x)[key]


def view(x, dtype=None):
    """x's bytes reinterpreted as dtype (the last axis scales by the size ratio)."""
    x = _t(x)
    if dtype is None:
        return x
    target = dtypes.as_dtype(dtype)
    old, new = np.dtype(x.dtype.np).itemsize, np.dtype(target.np).itemsize
    from graphflow.ops.casts import bitcast
    if old == new:
        return bitcast(x, target)
    if old > new:
        out = bitcast(x, target)
        shape = x.shape.as_list()
        return _tf.reshape(out, shape[:-1] + [shape[-1] * (old // new)] if shape else [old // new])
    shape = x.shape.as_list()
    if not shape or shape[-1] % (new // old):
        raise ValueError(f"Cannot view array of dtype {x.dtype.name} and shape "
                         f"{tuple(shape)} as {target.name}")
    y = _tf.reshape(x, shape[:-1] + [shape[-1] // (new // old), new // old])
    return bitcast(y, target)


def slogdet(x):
    """(sign, log|det|) of square matrices."""
    from graphflow import linalg
    return linalg.slogdet(_as_float(x))


def vectorize(pyfunc, *, excluded=None, signature=None):
    """pyfunc mapped over the leading axis of its tensor arguments (as keras.ops.vectorize
    with no signature: elementwise over scalars, built from vectorized_map)."""
    from graphflow.ops.functional import vectorized_map as _vmap
    excluded = set(excluded or ())

    @functools.wraps(pyfunc)
    def wrapped(*args):
        mapped = [i for i, a in enumerate(args) if i not in excluded]
        tensors = [_t(args[i]) for i in mapped]
        shape = functools.reduce(_tf.broadcast_static_shape, [t.shape for t in tensors]).as_list()
        flat = [_tf.reshape(_tf.broadcast_to(t, shape), [-1]) for t in tensors]

        def one(elems):
            call = list(args)
            for i, e in zip(mapped, elems):
                call[i] = e
            return pyfunc(*call)
        out = _vmap(one, flat)
        return _tf.reshape(out, shape)
    return wrapped

