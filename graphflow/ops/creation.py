"""Tensor creation: constant, convert_to_tensor, zeros, ones, fill, range, linspace, eye.

    >>> import graphflow as tf
    >>> tf.constant([1, 2]).dtype, tf.constant(1.5).dtype
    (tf.int32, tf.float32)
"""
import numpy as np

from graphflow import dtypes
from graphflow.context import context
from graphflow.errors import InvalidArgumentError
from graphflow.ops.registry import OPAQUE, EagerTensor, dispatch, register, to_array
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
        if src.dtype.kind == "f" and not dtype.is_floating:
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
            from graphflow import devices as device
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
    if dtype is None and dtype_hint is not None:
        try:
            return _constant_tensor(to_array(value, dtypes.as_dtype(dtype_hint)), name)
        except InvalidArgumentError:
            pass
    return constant(value, dtype, name=name)


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


def _shape_tuple(shape, op_name):
    if hasattr(shape, "numpy"):
        shape = shape.numpy()
    if hasattr(shape, "as_list"):
        shape = shape.as_list()
    try:
        out = tuple(int(d) for d in np.asarray(shape).reshape(-1))
    except (TypeError, ValueError):
        raise InvalidArgumentError(f"{op_name}: shape must be a list of ints, got {shape!r}") from None
    if any(d < 0 for d in out):
        raise InvalidArgumentError(f"{op_name}: shape dimensions must be >= 0, got {list(out)}")
    return out


def fill(dims, value, dtype=None, name=None):
    """A tensor of shape `dims` filled with `value`.

        >>> tf.fill([2], 7).numpy()
        array([7, 7], dtype=int32)
    """
    shape = _shape_tuple(dims, "fill")
    if dtype is None:
        dtype = dtypes.as_dtype(to_array(value).dtype)
    dtype = dtypes.as_dtype(dtype)
    if dtype is dtypes.string:  # the fill value as bytes, not str
        value = to_array(value, dtype, "fill")
    return _constant_tensor(np.full(shape, value, dtype=dtype.np), name)


def range(start, limit=None, delta=1, dtype=None, name="range"):  # noqa: A001 - TF's name
    """[start, limit) with step delta; int32 for ints, float32 when any bound is a float.

        >>> tf.range(3).numpy()
        array([0, 1, 2], dtype=int32)
    """
    if limit is None:
        start, limit = 0, start
    values = [float(v) if hasattr(v, "numpy") and v.dtype.is_floating else
              (int(v) if hasattr(v, "numpy") else v) for v in (start, limit, delta)]
    if values[2] == 0:
        raise InvalidArgumentError("range: delta must not be 0")
    if dtype is None:
        dtype = dtypes.float32 if any(isinstance(v, float) for v in values) else dtypes.int32
    dtype = dtypes.as_dtype(dtype)
    return _constant_tensor(np.arange(*values).astype(dtype.np), None)


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
    """An identity matrix (optionally batched).

        >>> tf.eye(2).numpy()
        array([[1., 0.],
               [0., 1.]], dtype=float32)
    """
    dtype = dtypes.as_dtype(dtype)
    m = np.eye(int(num_rows), None if num_columns is None else int(num_columns), dtype=dtype.np)
    if batch_shape is not None:
        m = np.broadcast_to(m, tuple(batch_shape) + m.shape).copy()
    return _constant_tensor(m, name)
