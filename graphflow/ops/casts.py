"""Casts beyond tf.cast: tf.bitcast (the same bytes read as another dtype), tf.saturate_cast
(values clamped to what the target dtype holds, then cast) and tf.unravel_index (flat indices
as coordinates).

    >>> import graphflow as tf
    >>> int(tf.bitcast(tf.constant(1.0), tf.int32))
    1065353216
    >>> tf.saturate_cast(tf.constant([300.0, -5.0]), tf.uint8).numpy()
    array([255,   0], dtype=uint8)
    >>> tf.unravel_index([5, 1], [2, 3]).numpy()
    array([[1, 0],
           [2, 1]], dtype=int32)
"""
import numpy as np

from graphflow import dtypes
from graphflow.errors import InvalidArgumentError
from graphflow.ops import elementwise as ew
from graphflow.ops import rules
from graphflow.ops.registry import OPAQUE, dispatch, register

# what TF's Bitcast accepts on either side (no bool, no string)
_BITCAST_KINDS = "iuf"


# -- bitcast -----------------------------------------------------------------------------------

def _bitcast_infer(specs, type):
    x = specs[0]
    out = dtypes.as_dtype(type)
    for dtype in (x.dtype, out):
        if dtype.np.kind not in _BITCAST_KINDS:
            raise InvalidArgumentError(
                f"bitcast: dtype {dtype.name} is not allowed; bitcast takes numeric dtypes "
                f"(float, int, uint)")
    a, b = x.dtype.np.itemsize, out.np.itemsize
    if x.shape is None or a == b:
        return [(x.shape, out)]
    if a > b:  # each element becomes a last axis of a // b narrower ones
        return [(tuple(x.shape) + (a // b,), out)]
    last = x.shape[-1] if x.shape else None
    if last is not None and last != b // a:
        raise InvalidArgumentError(f"bitcast: Cannot bitcast from {a} to {b}: the last dimension "
                                   f"of the input, shape {rules.fmt(x.shape)}, must be {b // a}")
    return [(tuple(x.shape[:-1]), out)]


def _bitcast_ref(x, type):
    out = dtypes.as_dtype(type).np
    _bitcast_infer([rules.ArraySpec(x)], type)
    a, b = x.dtype.itemsize, out.itemsize
    contiguous = np.ascontiguousarray(x)
    if a >= b:
        return contiguous.view(out).reshape(x.shape + ((a // b,) if a > b else ()))
    return contiguous.view(out).reshape(x.shape[:-1])


BITCAST = register("bitcast", OPAQUE, _bitcast_infer, _bitcast_ref)


def bitcast(input, type, name=None):
    """The bytes of `input` read as `type`: a wider input element gives a last axis of narrower
    ones; narrower inputs need a last axis of exactly the ratio, which goes away. No gradient.

        >>> tf.bitcast(tf.constant([1.0], tf.float32), tf.uint8).numpy()
        array([[  0,   0, 128,  63]], dtype=uint8)
    """
    return dispatch(BITCAST, (input,), {"type": dtypes.as_dtype(type).name}, name)


# -- saturate_cast -----------------------------------------------------------------------------

def _range_of(dtype):
    """(lowest, highest) of a dtype as exact Python numbers (ints stay ints)."""
    info = np.finfo(dtype.np) if dtype.is_floating else np.iinfo(dtype.np)
    if dtype.is_floating:
        return float(info.min), float(info.max)
    return int(info.min), int(info.max)


def _limit(bound, dtype, outside):
    """`bound` as a value of dtype, moved one step toward zero when the conversion rounded it
    outside the range it bounds (float32 cannot hold 2**31 - 1: it rounds up to 2**31)."""
    value = dtype.np.type(bound)
    if dtype.is_floating and outside(float(value)):
        value = np.nextafter(value, dtype.np.type(0))
    return value


def saturate_cast(value, dtype, name=None):
    """`value` cast to `dtype` after clamping it to the range `dtype` holds (also infinities,
    as TF does: saturate_cast(inf, float32) is float32's largest value). The bounds are exact:
    TF 2.21 computes an integer input's bound in floating point, so that
    saturate_cast(int64 5, float32) returns -9.2e18 there; here it is 5.0. Differentiable
    where it does not clamp (as clip_by_value and cast are).

        >>> tf.saturate_cast(tf.constant([3e9, -3e9]), tf.int32).numpy()
        array([ 2147483520, -2147483648], dtype=int32)
    """
    from graphflow.ops.creation import convert_to_tensor
    x = convert_to_tensor(value, name="value")
    out = dtypes.as_dtype(dtype)
    for d, what in ((x.dtype, "input"), (out, "target")):
        if d.np.kind not in _BITCAST_KINDS:
            raise TypeError(f"saturate_cast: the {what} dtype must be numeric (float, int, uint), "
                            f"got {d.name}")
    (in_lo, in_hi), (out_lo, out_hi) = _range_of(x.dtype), _range_of(out)
    lo = _limit(max(in_lo, out_lo), x.dtype, lambda v: v < out_lo)
    hi = _limit(min(in_hi, out_hi), x.dtype, lambda v: v > out_hi)
    clamped = ew.clip_by_value(x, lo, hi)
    return ew.cast(clamped, out, name)


# -- unravel_index -----------------------------------------------------------------------------

def _unravel_infer(specs):
    indices, dims = specs
    for what, s in (("indices", indices), ("dims", dims)):
        if s.dtype.name not in ("int32", "int64"):
            raise InvalidArgumentError(
                f"unravel_index: {what} must be int32 or int64, got {s.dtype.name}")
    if indices.dtype is not dims.dtype:
        raise InvalidArgumentError(f"unravel_index: indices ({indices.dtype.name}) and dims "
                                   f"({dims.dtype.name}) must have the same dtype")
    if indices.shape is not None and len(indices.shape) > 1:
        raise InvalidArgumentError(f"unravel_index: The indices can only be scalar or vector, "
                                   f"got shape {rules.fmt(indices.shape)}")
    if dims.shape is not None and len(dims.shape) != 1:
        raise InvalidArgumentError(
            f"unravel_index: dims must be a vector, got shape {rules.fmt(dims.shape)}")
    n = None if dims.shape is None else dims.shape[0]
    if indices.shape is None:
        return [(None, indices.dtype)]
    return [((n,) + tuple(indices.shape), indices.dtype)]


def _unravel_ref(indices, dims):
    _unravel_infer([rules.ArraySpec(indices), rules.ArraySpec(dims)])
    if (dims <= 0).any():
        raise InvalidArgumentError(f"unravel_index: dims must be positive, got {dims.tolist()}")
    if indices.size == 0:  # as TF's kernel
        raise InvalidArgumentError(f"unravel_index: received empty tensor indices of shape "
                                   f"{indices.shape}")
    size = int(np.prod(dims.astype(np.int64)))
    if (indices.min() < 0 or indices.max() >= size):
        raise InvalidArgumentError(
            f"unravel_index: index is out of bound as with dims {dims.tolist()}: indices must "
            f"lie in [0, {size}), got {indices.tolist()}")
    coords = np.unravel_index(indices.astype(np.int64), tuple(int(d) for d in dims))
    return np.array(coords, dtype=indices.dtype).reshape((len(dims),) + indices.shape)


UNRAVEL_INDEX = register("unravel_index", OPAQUE, _unravel_infer, _unravel_ref,
                         same_dtype=(0, 1))


def unravel_index(indices, dims, name=None):
    """The coordinates, in an array of shape `dims`, of flat (row-major) `indices`: shape
    [len(dims)] for a scalar index, [len(dims), n] for a vector of n.

        >>> tf.unravel_index(4, [2, 3]).numpy()
        array([1, 1], dtype=int32)
    """
    return dispatch(UNRAVEL_INDEX, (indices, dims), {}, name)
