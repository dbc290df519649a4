"""Tensor utilities of the top-level namespace: is_tensor, make_tensor_proto and make_ndarray.

graphflow has no protocol buffers; a TensorProto here is a small value object with TF's
`dtype` and `tensor_shape` fields holding a NumPy copy of the values, enough for code that
round-trips constants through make_tensor_proto / make_ndarray.

    >>> import graphflow as tf
    >>> tf.is_tensor(tf.constant(1.0)), tf.is_tensor(1.0)
    (True, False)
    >>> tf.make_ndarray(tf.make_tensor_proto([[1, 2], [3, 4]]))
    array([[1, 2],
           [3, 4]], dtype=int32)
"""
import numpy as np

from graphflow import dtypes
from graphflow.errors import InvalidArgumentError
from graphflow.tensor import Tensor, TensorShape, Variable


def is_tensor(x):
    """Whether x is a tensor-like graphflow object: a Tensor (eager or symbolic) or a Variable,
    not a NumPy array or a Python value (as tf.is_tensor). A composite tensor (tf.SparseTensor,
    tf.RaggedTensor) is one too, as in TF.

        >>> tf.is_tensor(tf.Variable([1.0])), tf.is_tensor([1.0])
        (True, False)
    """
    return isinstance(x, (Tensor, Variable)) or _is_composite(x)


def _is_composite(x):
    return not isinstance(x, type) and (
        getattr(x, "_composite_components", None) is not None or
        (hasattr(x, "flat_values") and hasattr(x, "nested_row_splits")))


def type_spec_from_value(value):
    """The spec of a value: a TensorSpec for a tensor (or anything convertible), a
    SparseTensorSpec for a SparseTensor (TF's tf.type_spec_from_value).

        >>> tf.type_spec_from_value(tf.sparse.SparseTensor([[0, 0]], [1.0], [2, 2]))
        SparseTensorSpec(TensorShape([2, 2]), tf.float32)
    """
    from graphflow.tensor import TensorSpec
    spec = getattr(value, "_type_spec", None)
    if spec is not None:
        return spec
    if isinstance(value, Variable):
        value = value.value()
    if not isinstance(value, Tensor):
        from graphflow.ops.creation import convert_to_tensor
        value = convert_to_tensor(value)
    return TensorSpec(value.shape, value.dtype)


def is_symbolic_tensor(x):
    """Whether x is a tensor of a graph being built (inside a graphflow.function trace or a
    compat.v1 graph), not an eager value.

        >>> tf.is_symbolic_tensor(tf.constant(1.0))
        False
    """
    from graphflow.tensor import SymbolicTensor
    return isinstance(x, SymbolicTensor)


class TensorProto:
    """A constant's dtype, shape and values (what tf.make_tensor_proto returns)."""

    __slots__ = ("dtype", "tensor_shape", "_value")

    def __init__(self, value):
        self._value = value
        self.dtype = dtypes.from_numpy(value.dtype)
        self.tensor_shape = TensorShape(value.shape)

    def __repr__(self):
        return f"TensorProto(dtype={self.dtype.name}, shape={self.tensor_shape.as_list()})"


def make_tensor_proto(values, dtype=None, shape=None, verify_shape=False, allow_broadcast=False):
    """A TensorProto of `values` (a Python value, NumPy array or eager tensor), converted to
    `dtype` and reshaped or filled to `shape` when given, as tf.make_tensor_proto.

        >>> tf.make_tensor_proto(1.5, dtype=tf.float64, shape=[2]).tensor_shape
        TensorShape([2])
    """
    from graphflow.ops.creation import constant
    if isinstance(values, Variable):
        values = values.value()
    if isinstance(values, Tensor):
        if not hasattr(values, "numpy") or hasattr(values, "node"):
            raise InvalidArgumentError(
                "make_tensor_proto: a symbolic tensor has no values yet; pass an eager tensor")
        values = values.numpy()
    if shape is not None and verify_shape and tuple(np.shape(values)) != tuple(shape):
        raise InvalidArgumentError(
            f"make_tensor_proto: expected shape {list(shape)}, got {list(np.shape(values))}")
    value = constant(values, dtype=dtype, shape=shape).numpy()
    return TensorProto(np.array(value, copy=True))


def make_ndarray(tensor):
    """The NumPy array of a TensorProto (graphflow also accepts an eager tensor).

        >>> tf.make_ndarray(tf.make_tensor_proto([1.0, 2.0])).dtype
        dtype('float32')
    """
    if isinstance(tensor, TensorProto):
        return tensor._value.copy()
    if isinstance(tensor, (Tensor, Variable)) and hasattr(tensor, "numpy") \
            and not hasattr(tensor, "node"):
        return np.array(tensor.numpy(), copy=True)
    raise InvalidArgumentError(
        f"make_ndarray: expected a TensorProto (from tf.make_tensor_proto), got "
        f"{type(tensor).__name__}")
