"""Tensor creation: constant, convert_to_tensor, zeros, ones, fill, range, linspace, eye.

    >>> import graphflow as tf
    >>> tf.constant([1, 2]).dtype, tf.constant(1.5).dtype
    (tf.int32, tf.float32)
"""
import numpy as np

from graphflow import dtypes
from graphflow.context import context
from graphflow.errors import InvalidArgumentError
from graphflow.ops.registry import (
    OPAQUE, EagerTensor, Spec, autopack, composite_dispatch, dispatch, register, to_array)
from graphflow.tensor import SymbolicTensor, Tensor, Variable


def _const_infer(specs, value):
    return [(value.shape, dtypes.from_numpy(value.dtype))]


# A constant's value lives in its attrs; the node has no inputs.
CONST = register("const", OPAQUE, _const_infer, lambda value: value)


def _placeholder_ref(shape, dtype, name):
    raise InvalidArgumentError(f"placeholder {name!r} must be fed a value (feed_dict)")


PLACEHOLDER = register(
    "placeholder", OPAQUE,
    lambda specs, shape, dtype, name: [(shape, dtypes.as_dtype(dtype))], _placeholder_ref)


def placeholder_node(shape, dtype, name):
    """A placeholder node in the graph being built (compat.v1.placeholder and traced arguments)."""
    return dispatch(PLACEHOLDER, (), {"shape": shape, "dtype": dtypes.as_dtype(dtype).name,
                                      "name": name}, name)


def _from_value(value, dtype):
    """An ndarray for a constant: float64 NumPy input stays float64 unless a dtype is given."""
    if isinstance(value, EagerTensor):
        arr = value._value
        if dtype is not None and arr.dtype != dtype.np:
            arr = arr.astype(dtype.np)
        return arr
    if dtype is not None:
        src = np.asarray(value)
        if dtype is dtypes.string or src.dtype.kind in "SUO":
            return to_array(value, dtype, "constant")  # strings convert only to strings
        if src.dtype.kind == "c" and not dtype.is_complex:
            # TF refuses Python complex numbers here (and quietly drops NumPy's imaginary parts)
            raise InvalidArgumentError(
                f"constant: cannot convert complex value {value!r} to {dtype.name} (take "
                "tf.math.real or tf.math.imag of it first)")
        if src.dtype.kind == "f" and not (dtype.is_floating or dtype.is_complex):
            # TF: tf.constant(1.5, tf.int32) raises; whole floats are fine.
            if not np.all(np.mod(src, 1) == 0):
                raise InvalidArgumentError(
                    f"constant: cannot convert {value!r} to {dtype.name} without losing precision")
        return src.astype(dtype.np)
    return to_array(value, None, "constant")


def constant(value, dtype=None, shape=None, name=None):
    """A tensor holding `value` (reshaped or broadcast to `shape` when given).

        >>> tf.constant(0.0, shape=(2, 2)).numpy()
        array([[0., 0.],
               [0., 0.]], dtype=float32)
    """
    dtype = None if dtype is None else dtypes.as_dtype(dtype)
    if isinstance(value, (SymbolicTensor, Variable)):
        raise InvalidArgumentError(f"constant: value must be a concrete value, got {value!r}")
    try:
        arr = _from_value(value, dtype)
    except (TypeError, ValueError) as e:
        if isinstance(e, InvalidArgumentError):
            raise
        raise InvalidArgumentError(f"constant: cannot convert {value!r} to a tensor: {e}") from None
    if shape is not None:
        shape = tuple(int(d) for d in shape)
        if arr.size == 1:
            arr = np.broadcast_to(arr.reshape(()), shape).copy()
        elif arr.size == int(np.prod(shape, dtype=np.int64)):
            arr = arr.reshape(shape)
        else:
            raise InvalidArgumentError(
                f"constant: value of shape {arr.shape} ({arr.size} elements) cannot be reshaped "
                f"to shape {shape}")
    return _constant_tensor(arr, name)


def _constant_tensor(arr, name=None):
    if context.graph is None:
        # created on the GPU in scope (or the default); strings live in host memory
        if context.gpu_placement is not None and arr.dtype.kind != "O":
            from graphflow.context import devices as device
            from graphflow.tensor import DeviceTensor
            return DeviceTensor(device.to_device(arr), context.gpu_placement)
        return EagerTensor(arr)
    return dispatch(CONST, (), {"value": arr}, name or "Const")


def convert_to_tensor(value, dtype=None, dtype_hint=None, name=None):
    """Returns tensors unchanged (checking dtype) and converts Python/NumPy values and Variables.

        >>> tf.convert_to_tensor([1.0, 2.0]).shape
        TensorShape([2])
    """
    dtype = None if dtype is None else dtypes.as_dtype(dtype)
    if isinstance(value, Variable):
        value = value.value()
    if isinstance(value, Tensor):
        if dtype is not None and value.dtype is not dtype:
            raise InvalidArgumentError(
                f"convert_to_tensor: tensor has dtype {value.dtype.name}, requested {dtype.name}")
        return value
    if type(value) in composite_dispatch:
        np.asarray(value)  # raises the composite's own error: the op has no form for it
    packed = autopack(value, dtype) if type(value) in (list, tuple) else None
    if packed is not None:
        if dtype is not None and packed.dtype is not dtype:
            raise InvalidArgumentError(
                f"convert_to_tensor: the tensors in the list have dtype {packed.dtype.name}, "
                f"requested {dtype.name}")
        return packed
    if dtype is None and dtype_hint is not None:
        hinted = _with_hint(value, dtypes.as_dtype(dtype_hint))
        if hinted is not None:
            return _constant_tensor(hinted, name)
    return constant(value, dtype, name=name)


def _with_hint(value, hint):
    """value as an array of the hinted dtype when TF would convert it (integers to integers in
    range or to floats, floats to floats, bools to bools), else None (the hint is ignored)."""
    try:
        src = np.asarray(value)
    except (TypeError, ValueError):
        return None
    kind = src.dtype.kind
    allowed = {"b": hint.is_bool, "i": hint.is_integer or hint.is_floating,
               "u": hint.is_integer or hint.is_floating, "f": hint.is_floating}.get(kind, False)
    if not allowed:
        return None
    try:
        return to_array(value, hint)
    except InvalidArgumentError:
        return None


def zeros(shape, dtype=dtypes.float32, name=None):
    """A tensor of zeros.

        >>> tf.zeros((2,)).numpy()
        array([0., 0.], dtype=float32)
    """
    return fill(shape, 0, dtype, name)


def ones(shape, dtype=dtypes.float32, name=None):
    """A tensor of ones.

        >>> tf.ones((2,), tf.int32).numpy()
        array([1, 1], dtype=int32)
    """
    return fill(shape, 1, dtype, name)


def fill(dims, value, dtype=None, name=None):
    """A tensor of shape `dims` filled with `value`.

        >>> tf.fill([2], 7).numpy()
        array([7, 7], dtype=int32)
    """
    if hasattr(dims, "_ragged_fill"):  # a DynamicRaggedShape: a RaggedTensor of that shape
        return dims._ragged_fill(value, dtype)
    from graphflow.ops import dynamic_shape
    known, computed = dynamic_shape.shape_operand(dims, "fill")
    if computed is not None or isinstance(value, (SymbolicTensor, Variable)):
        # the shape or the value is known only when the graph runs
        if not isinstance(value, Tensor):
            value = convert_to_tensor(value, dtype)
        elif dtype is not None and value.dtype is not dtypes.as_dtype(dtype):
            from graphflow.ops.elementwise import cast
            value = cast(value, dtype)
        return dynamic_shape.fill(known if computed is None else computed, value, name)
    if isinstance(value, Tensor):
        value = value.numpy()
    if np.ndim(value) != 0:  # np.full would broadcast a vector over the last axis
        raise InvalidArgumentError(f"fill: value must be a scalar, got shape {list(np.shape(value))}")
    if dtype is None:
        dtype = dtypes.as_dtype(to_array(value).dtype)
    dtype = dtypes.as_dtype(dtype)
    if dtype is dtypes.string:  # the fill value as bytes, not str
        value = to_array(value, dtype, "fill")
    return _constant_tensor(np.full(known, value, dtype=dtype.np), name)


def check_range_bounds(start, limit, delta):
    """TF's errors for bounds that give no sensible range (shared with the run-time range op)."""
    if delta == 0:
        raise InvalidArgumentError("range: Requires delta != 0")
    if delta > 0 and start > limit:
        raise InvalidArgumentError(
            f"range: Requires start <= limit when delta > 0: {start}/{limit}")
    if delta < 0 and start < limit:
        raise InvalidArgumentError(
            f"range: Requires start >= limit when delta < 0: {start}/{limit}")


def range(start, limit=None, delta=1, dtype=None, name="range"):  # noqa: A001 - TF's name
    """[start, limit) with step delta; int32 for ints, float32 when any bound is a float.
    Bounds may be tensors, also inside graphs (the length is then known when the graph runs).

        >>> tf.range(3).numpy()
        array([0, 1, 2], dtype=int32)
        >>> tf.range(1.0, 2.0, 0.5).numpy()
        array([1. , 1.5], dtype=float32)
    """
    from graphflow.ops.static import constant_value
    if limit is None:
        start, limit = 0, start
    bounds = (start, limit, delta)
    known = [constant_value(v) for v in bounds]
    for v, k in zip(bounds, known):
        if k is not None and np.ndim(k) != 0:
            raise InvalidArgumentError(f"range: start, limit and delta must be scalars, got {v!r}")
    if dtype is None:  # TF: the widest of the bounds' dtypes, in int32 < int64 < float32 < float64
        order = [dtypes.int32, dtypes.int64, dtypes.float32, dtypes.float64]
        kinds = [v.dtype if hasattr(v, "dtype") and isinstance(v.dtype, dtypes.DType) else
                 (dtypes.from_numpy(np.asarray(v).dtype) if isinstance(v, (np.ndarray, np.generic))
                  else (dtypes.float32 if isinstance(v, float) else dtypes.int32))
                 for v in bounds]
        dtype = max(kinds, key=lambda d: order.index(d) if d in order else 0)
    dtype = dtypes.as_dtype(dtype)
    if all(k is not None for k in known):
        values = [k.item() for k in (np.asarray(k) for k in known)]
        check_range_bounds(*values)
        return _constant_tensor(np.arange(*values).astype(dtype.np), None)
    # a bound known only when the graph runs: the range op computes it then
    from graphflow.ops import dynamic_shape
    from graphflow.ops.elementwise import cast
    inputs = [(cast(v, dtype) if v.dtype is not dtype else v) if isinstance(v, (Tensor, Variable))
              else EagerTensor(to_array(v, dtype, "range")) for v in bounds]
    return dynamic_shape.range_(*inputs, dtype=dtype, name=name)


def linspace(start, stop, num, name=None, axis=0):
    """`num` evenly spaced values from start to stop inclusive (float32 unless given float64).

        >>> tf.linspace(0.0, 1.0, 3).numpy()
        array([0. , 0.5, 1. ], dtype=float32)
    """
    dtype = getattr(start, "dtype", None)
    np_dtype = dtype.np if isinstance(dtype, dtypes.DType) and dtype.is_floating else np.float32
    num = int(num)
    if num < 0:
        raise InvalidArgumentError(f"linspace: num must be >= 0, got {num}")
    return _constant_tensor(np.linspace(float(start), float(stop), num).astype(np_dtype), name)


def eye(num_rows, num_columns=None, batch_shape=None, dtype=dtypes.float32, name=None):
    """An identity matrix (num_rows x num_columns, square by default), optionally repeated
    over batch_shape.

        >>> tf.eye(2).numpy()
        array([[1., 0.],
               [0., 1.]], dtype=float32)
        >>> tf.eye(2, 3, batch_shape=[4]).shape
        TensorShape([4, 2, 3])
    """
    from graphflow.ops.static import constant_value
    dtype = dtypes.as_dtype(dtype)
    sizes = []
    for what, v in (("num_rows", num_rows), ("num_columns", num_columns)):
        known = None if v is None else constant_value(v)
        if v is not None and (known is None or np.ndim(known) != 0 or int(known) < 0):
            raise InvalidArgumentError(f"eye: {what} must be a constant integer >= 0, got {v!r}")
        sizes.append(None if v is None else int(known))
    m = np.eye(sizes[0], sizes[1], dtype=dtype.np)
    if batch_shape is not None:
        from graphflow.ops import dynamic_shape
        batch, computed = dynamic_shape.shape_operand(batch_shape, "eye")
        if computed is not None:
            raise InvalidArgumentError(
                f"eye: batch_shape must be known while tracing, got {batch_shape!r}")
        m = np.broadcast_to(m, tuple(batch) + m.shape).copy()
    return _constant_tensor(m, name)
