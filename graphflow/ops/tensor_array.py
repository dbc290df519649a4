"""tf.TensorArray: a list of tensors of one dtype that while_loop bodies write and read.

Its state is one variant tensor holding a TensorList (ops/tensor_list.py), so it can be a loop
variable or a cond output like any tensor: control flow passes it as that tensor and rebuilds
the TensorArray object around the result (`_to_tensor` / `_from_tensor`). Every write makes a
new list; in a graph each method returns a new TensorArray (use the returned one, as TF says).
Eagerly the object is updated in place and returned, as TF's eager TensorArray is, and
`clear_after_read` (the eager default) makes a second read of an element an error.

Unwritten elements read, stack and gather as zeros (TF's TensorList behaviour). The element
shape is inferred from the first write (infer_shape=True) and later writes must match it.

    >>> import graphflow as tf
    >>> @tf.function
    ... def squares(n):
    ...     ta = tf.TensorArray(tf.float32, size=n)
    ...     _, ta = tf.while_loop(lambda i, ta: i < n,
    ...                           lambda i, ta: (i + 1, ta.write(i, tf.cast(i * i, tf.float32))),
    ...                           (0, ta))
    ...     return ta.stack()
    >>> squares(tf.constant(4)).numpy()
    array([0., 1., 4., 9.], dtype=float32)
"""
import numpy as np

from graphflow import dtypes
from graphflow.context import context
from graphflow.errors import InvalidArgumentError
from graphflow.ops import static, tensor_list
from graphflow.tensor import SymbolicTensor, Tensor, TensorShape, Variable


def _as_tensor(value, dtype):
    from graphflow.ops.creation import convert_to_tensor
    if isinstance(value, Variable):
        value = value.value()
    if isinstance(value, Tensor):
        return value
    return convert_to_tensor(value, dtype_hint=dtype)


def _index(index):
    if isinstance(index, Variable):
        return index.value()
    return index


class TensorArray:
    """A list of tensors of one dtype, written and read by index (TF's tf.TensorArray)."""

    def __init__(self, dtype, size=None, dynamic_size=None, clear_after_read=None,
                 tensor_array_name=None, handle=None, flow=None, infer_shape=True,
                 element_shape=None, colocate_with_first_write_call=True, name=None):
        self._dtype = dtypes.as_dtype(dtype)
        self._dynamic_size = bool(dynamic_size)
        self._infer_shape = bool(infer_shape)
        self._element_shape = TensorShape(None) if element_shape is None \
            else TensorShape(element_shape)
        eager = context.graph is None
        self._clear_after_read = eager and (clear_after_read is None or bool(clear_after_read))
        self._read_indices = set()
        handle = flow if handle is None else handle
        if handle is not None:
            self._handle, self._size = handle, None
            return
        if size is None:
            raise InvalidArgumentError("TensorArray: Size must be provided if handle is not "
                                       "provided")
        known = static.partial_value(_index(size))
        self._size = known if isinstance(known, int) and not self._dynamic_size else None
        if isinstance(known, int) and known < 0:
            raise InvalidArgumentError(f"TensorArray: size must be >= 0, got {known}")
        self._handle = tensor_list.reserve(_index(size), self._dtype,
                                           self._element_shape.dims_tuple(), name=name)

    # -- properties ----------------------------------------------------------------------------
    @property
    def dtype(self):
        return self._dtype

    @property
    def element_shape(self):
        return self._element_shape

    @property
    def dynamic_size(self):
        return self._dynamic_size

    @property
    def handle(self):
        return self._handle

    flow = handle

    def __repr__(self):
        size = "?" if self._size is None else self._size
        return (f"<TensorArray dtype={self._dtype.name} size={size} "
                f"element_shape={self._element_shape}>")

    # -- control flow: a TensorArray travels as its handle ---------------------------------------
    def _to_tensor(self):
        return self._handle

    def _from_tensor(self, handle):
        return self._with(handle)

    def _with(self, handle, element_shape=None):
        """This array with a new state: itself, updated, eagerly; a new object in a graph."""
        shape = self._element_shape if element_shape is None else element_shape
        if context.graph is None and not isinstance(handle, SymbolicTensor):
            self._handle, self._element_shape = handle, shape
            return self
        out = TensorArray.__new__(TensorArray)
        out.__dict__.update(self.__dict__)
        out._handle, out._element_shape = handle, shape
        out._read_indices = set()
        return out

    def _checked(self, value, what):
        value = _as_tensor(value, self._dtype)
        if value.dtype is not self._dtype:
            raise InvalidArgumentError(f"TensorArray dtype is {self._dtype.name} but Op is trying "
                                       f"to write dtype {value.dtype.name}")
        return value

    def _merged_shape(self, shape):
        if not self._infer_shape:
            return self._element_shape
        if not self._element_shape.is_compatible_with(shape):
            raise InvalidArgumentError(
                f"TensorArray: Incompatible shape for value ({shape}), expected "
                f"({self._element_shape})")
        return self._element_shape.merge_with(shape)

    # -- elements --------------------------------------------------------------------------------
    def write(self, index, value, name=None):
        """Writes `value` at `index`; returns the TensorArray to use from now on."""
        value = self._checked(value, "write")
        shape = self._merged_shape(value.shape)
        handle = tensor_list.set_item(self._handle, _index(index), value,
                                      resize=self._dynamic_size, infer_shape=self._infer_shape,
                                      name=name)
        return self._with(handle, shape)

    def read(self, index, name=None):
        """The element at `index` (zeros if it was never written and its shape is known)."""
        index = _index(index)
        if self._clear_after_read and context.graph is None:
            i = int(np.asarray(index.numpy() if hasattr(index, "numpy") else index))
            if i in self._read_indices:
                raise InvalidArgumentError(
                    f"TensorArray: Could not read index {i} twice because it was cleared after "
                    "a previous read (perhaps try setting clear_after_read = false?)")
            self._read_indices.add(i)
        return tensor_list.get_item(self._handle, index, self._dtype,
                                    self._element_shape.dims_tuple(), name=name)

    def size(self, name=None):
        """The number of elements, as an int32 scalar tensor."""
        if self._size is not None and not self._dynamic_size:
            from graphflow.ops.creation import constant
            return constant(np.int32(self._size), name=name)
        return tensor_list.length(self._handle, name=name)

    # -- whole arrays ------------------------------------------------------------------------------
    def stack(self, name=None):
        """Every element stacked along a new axis 0."""
        return tensor_list.stack(self._handle, self._dtype, self._element_shape.dims_tuple(),
                                 self._size, name=name)

    def unstack(self, value, name=None):
        """Splits `value` along axis 0 into the elements (replacing the current ones)."""
        value = self._checked(value, "unstack")
        n = value.shape[0] if value.shape.rank else None
        if self._size is not None and n is not None and n != self._size:
            raise InvalidArgumentError(f"TensorArray: Cannot unstack {n} tensors into a "
                                       f"TensorArray of static size {self._size}")
        shape = self._merged_shape(value.shape[1:]) if value.shape.rank else self._element_shape
        return self._with(tensor_list.from_tensor(value, name=name), shape)

    def gather(self, indices, name=None):
        """The elements at `indices`, stacked."""
        return tensor_list.gather(self._handle, _index(indices), self._dtype,
                                  self._element_shape.dims_tuple(), name=name)

    def scatter(self, indices, value, name=None):
        """Writes value[k] at indices[k]."""
        value = self._checked(value, "scatter")
        shape = self._merged_shape(value.shape[1:]) if value.shape.rank else self._element_shape
        handle = tensor_list.scatter(self._handle, value, _index(indices),
                                     resize=self._dynamic_size, name=name)
        return self._with(handle, shape)

    def concat(self, name=None):
        """Every element concatenated along axis 0 (their first dimensions may differ)."""
        return tensor_list.concat(self._handle, self._dtype, self._element_shape.dims_tuple(),
                                  name=name)

    def split(self, value, lengths, name=None):
        """Splits `value` along axis 0 into elements of the given (static) lengths."""
        value = self._checked(value, "split")
        known = static.partial_value(lengths)
        if not isinstance(known, tuple) or None in known:
            raise InvalidArgumentError("TensorArray.split: the lengths must be known while "
                                       "building the graph")
        out, start = self, 0
        for i, n in enumerate(known):
            out = out.write(i, value[start:start + n])
            start += n
        return out

    def identity(self):
        return self._with(self._handle)

    def close(self, name=None):
        return None

    def mark_used(self):
        return None

    def grad(self, source, flow=None, name=None):
        raise InvalidArgumentError("TensorArray.grad is a TF1 API; use tf.GradientTape")

