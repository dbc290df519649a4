"""Tensors: TensorShape, TensorSpec, EagerTensor (a value), SymbolicTensor (a graph edge), Variable.

Operator overloads call the registered ops, so `a + b` takes the same dispatch path as `tf.add(a, b)`.

    >>> import graphflow as tf
    >>> x = tf.constant([1.0, 2.0])
    >>> (x * 2 + 1).numpy()
    array([3., 5.], dtype=float32)
    >>> x.shape == (2,)
    True
"""
import enum

import numpy as np

from graphflow import dtypes
from graphflow.errors import InvalidArgumentError, InvalidTypeError, OperatorNotAllowedInGraphError

# Set by graphflow.ops once the ops exist (tensor.py is imported by the ops, not the other way).
_ops = None
# The elementwise operators call the one dispatch function with their op directly (a frame
# less than through the public functions, which do nothing more): installed by
# graphflow.ops.elementwise through `install_operators`.
_dispatch = None
_OP = None
# The Variable methods that are ops (sliced reads, scatter updates, graph collections):
# installed by graphflow.ops.variable_updates, which defines them.
_variable_ops = None


def install_operators(dispatch, ops):
    """Points the Python operators of tensors at `dispatch` and the OpDefs in `ops` (a dict
    from op name). Called once by graphflow.ops.elementwise."""
    global _dispatch, _OP
    import types
    _dispatch, _OP = dispatch, types.SimpleNamespace(**ops)

CPU_DEVICE = "/job:localhost/replica:0/task:0/device:CPU:0"


class TensorShape:
    """A possibly partially known shape: `dims` is a tuple of ints and None, or None (unknown rank).

        >>> tf.TensorShape([None, 3]).as_list()
        [None, 3]
    """

    __slots__ = ("_dims",)

    def __init__(self, dims):
        if isinstance(dims, TensorShape):
            dims = dims._dims
        elif dims is not None:
            if isinstance(dims, (int, np.integer)):
                dims = (dims,)
            dims = tuple(None if d is None else int(d) for d in dims)
            if any(d is not None and d < 0 for d in dims):
                raise InvalidArgumentError(f"TensorShape: dimensions must be >= 0, got {dims}")
        self._dims = dims

    @property
    def rank(self):
        return None if self._dims is None else len(self._dims)

    ndims = rank

    @property
    def dims(self):
        return None if self._dims is None else list(self._dims)

    def dims_tuple(self):
        return self._dims

    def as_list(self):
        if self._dims is None:
            raise InvalidArgumentError("as_list() is not defined on an unknown TensorShape")
        return list(self._dims)

    def is_fully_defined(self):
        return self._dims is not None and all(d is not None for d in self._dims)

    def num_elements(self):
        if not self.is_fully_defined():
            return None
        return int(np.prod(self._dims, dtype=np.int64))

    def is_compatible_with(self, other):
        other = as_shape(other)
        if self._dims is None or other._dims is None:
            return True
        if len(self._dims) != len(other._dims):
            return False
        return all(a is None or b is None or a == b for a, b in zip(self._dims, other._dims))

    def merge_with(self, other):
        other = as_shape(other)
        if not self.is_compatible_with(other):
            raise InvalidArgumentError(f"Shapes {self} and {other} are not compatible")
        if self._dims is None:
            return other
        if other._dims is None:
            return self
        return TensorShape([a if a is not None else b for a, b in zip(self._dims, other._dims)])

    def concatenate(self, other):
        other = as_shape(other)
        if self._dims is None or other._dims is None:
            return TensorShape(None)
        return TensorShape(self._dims + other._dims)

    def __len__(self):
        if self._dims is None:
            raise InvalidArgumentError("Cannot take the length of a shape with unknown rank")
        return len(self._dims)

    def __iter__(self):
        if self._dims is None:
            raise InvalidArgumentError("Cannot iterate over a shape with unknown rank")
        return iter(self._dims)

    def __getitem__(self, key):
        if self._dims is None:
            return TensorShape(None) if isinstance(key, slice) else None
        if isinstance(key, slice):
            return TensorShape(self._dims[key])
        return self._dims[key]

    def __eq__(self, other):
        try:
            other = as_shape(other)
        except (InvalidArgumentError, TypeError, ValueError):
            return NotImplemented
        return self._dims == other._dims

    def __hash__(self):
        return hash(self._dims)

    def __add__(self, other):
        return self.concatenate(other)

    def __repr__(self):
        return "TensorShape(None)" if self._dims is None else f"TensorShape({list(self._dims)})"

    def __str__(self):
        if self._dims is None:
            return "<unknown>"
        if len(self._dims) == 1:
            return f"({self._dims[0]},)"
        return "(" + ", ".join(str(d) for d in self._dims) + ")"


def as_shape(value):
    return value if isinstance(value, TensorShape) else TensorShape(value)


class TensorSpec:
    """Describes a tensor argument: shape (None dims allowed), dtype and an optional name.

        >>> tf.TensorSpec([None, 2], tf.float32)
        TensorSpec(shape=(None, 2), dtype=tf.float32, name=None)
    """

    def __init__(self, shape, dtype=dtypes.float32, name=None):
        self.shape = as_shape(shape)
        self.dtype = dtypes.as_dtype(dtype)
        self.name = name

    @classmethod
    def from_tensor(cls, tensor, name=None):
        return cls(tensor.shape, tensor.dtype, name)

    def is_compatible_with(self, value):
        return self.dtype == value.dtype and self.shape.is_compatible_with(value.shape)

    def __eq__(self, other):
        return (isinstance(other, TensorSpec) and self.shape == other.shape
                and self.dtype is other.dtype and self.name == other.name)

    def __hash__(self):
        return hash((self.shape, self.dtype, self.name))

    def __repr__(self):
        return f"TensorSpec(shape={self.shape}, dtype={self.dtype!r}, name={self.name!r})"


class _Operators:
    """Python operators for tensors and variables; each one calls a registered op."""

    __slots__ = ()
    __array_priority__ = 100  # make NumPy arrays and scalars defer to our reflected operators

    def __add__(self, other):
        return _dispatch(_OP.add, (self, other))

    def __radd__(self, other):
        return _dispatch(_OP.add, (other, self))

    def __sub__(self, other):
        return _dispatch(_OP.subtract, (self, other))

    def __rsub__(self, other):
        return _dispatch(_OP.subtract, (other, self))

    def __mul__(self, other):
        return _dispatch(_OP.multiply, (self, other))

    def __rmul__(self, other):
        return _dispatch(_OP.multiply, (other, self))

    def __truediv__(self, other):
        return _dispatch(_OP.truediv, (self, other))

    def __rtruediv__(self, other):
        return _dispatch(_OP.truediv, (other, self))

    def __floordiv__(self, other):
        return _dispatch(_OP.floordiv, (self, other))

    def __rfloordiv__(self, other):
        return _dispatch(_OP.floordiv, (other, self))

    def __mod__(self, other):
        return _dispatch(_OP.floormod, (self, other))

    def __rmod__(self, other):
        return _dispatch(_OP.floormod, (other, self))

    def __pow__(self, other):
        return _dispatch(_OP.pow, (self, other))

    def __rpow__(self, other):
        return _dispatch(_OP.pow, (other, self))

    def __matmul__(self, other):
        return _ops.matmul(self, other)

    def __rmatmul__(self, other):
        return _ops.matmul(other, self)

    def __neg__(self):
        return _dispatch(_OP.negative, (self,))

    def __pos__(self):
        return self

    def __abs__(self):
        return _dispatch(_OP.abs, (self,))

    # ~, &, | and ^ are logical on bool tensors and bitwise on the others, as in TF (whose
    # bitwise ops then reject floats with their dtype error).
    def __invert__(self):
        return _dispatch(_OP.logical_not if self.dtype is dtypes.bool else _OP.invert, (self,))

    def __and__(self, other):
        return _dispatch(_OP.logical_and if self.dtype is dtypes.bool else _OP.bitwise_and,
                         (self, other))

    def __rand__(self, other):
        return _dispatch(_OP.logical_and if self.dtype is dtypes.bool else _OP.bitwise_and,
                         (other, self))

    def __or__(self, other):
        return _dispatch(_OP.logical_or if self.dtype is dtypes.bool else _OP.bitwise_or,
                         (self, other))

    def __ror__(self, other):
        return _dispatch(_OP.logical_or if self.dtype is dtypes.bool else _OP.bitwise_or,
                         (other, self))

    def __xor__(self, other):
        return _dispatch(_OP.logical_xor if self.dtype is dtypes.bool else _OP.bitwise_xor,
                         (self, other))

    def __rxor__(self, other):
        return _dispatch(_OP.logical_xor if self.dtype is dtypes.bool else _OP.bitwise_xor,
                         (other, self))

    def __lt__(self, other):
        return _dispatch(_OP.less, (self, other))

    def __le__(self, other):
        return _dispatch(_OP.less_equal, (self, other))

    def __gt__(self, other):
        return _dispatch(_OP.greater, (self, other))

    def __ge__(self, other):
        return _dispatch(_OP.greater_equal, (self, other))

    def __eq__(self, other):
        if other is None:
            return False
        return _dispatch(_OP.equal, (self, other))

    def __ne__(self, other):
        if other is None:
            return True
        return _dispatch(_OP.not_equal, (self, other))

    def __hash__(self):
        # Tensors compare elementwise (TF2), so they hash by identity: usable as dict keys
        # (feed_dict, captures) without ever being compared.
        return id(self)

    def __getitem__(self, key):
        return _ops.getitem(self, key)

    @property
    def ndim(self):
        return self.shape.rank

    def get_shape(self):
        return self.shape

    def ref(self):
        """A hashable reference to this tensor (TF API; tensors here already hash by identity)."""
        return self


class Tensor(_Operators):
    """Base class of EagerTensor and SymbolicTensor."""

    __slots__ = ()

    def set_shape(self, shape):
        """An eager tensor's shape is known: this only checks that `shape` agrees, as TF does
        (SymbolicTensor merges it into the static shape)."""
        if not self.shape.is_compatible_with(TensorShape(shape)):
            raise ValueError(f"Tensor's shape {self.shape} is not compatible with supplied "
                             f"shape {TensorShape(shape)}")


class EagerTensor(Tensor):
    """A concrete tensor holding a NumPy array.

        >>> t = tf.constant(5.0)
        >>> print(t)
        tf.Tensor(5.0, shape=(), dtype=float32)
    """

    __slots__ = ("_value",)

    def __init__(self, value):
        if type(value) is not np.ndarray:
            value = np.asarray(value)
        if value.dtype.kind in "SU":  # NumPy text arrays hold tf.string values as bytes objects
            value = dtypes.as_bytes_array(value)
        self._value = value

    @property
    def shape(self):
        return TensorShape(self._value.shape)

    @property
    def dtype(self):
        return dtypes.from_numpy(self._value.dtype)

    @property
    def ndim(self):
        return self._value.ndim

    @property
    def device(self):
        return CPU_DEVICE

    @property
    def name(self):
        raise AttributeError("Tensor.name is undefined when eager execution is enabled.")

    def numpy(self):
        """The value as a NumPy array (a read-only view: tensors are immutable), or a NumPy
        scalar for a rank-0 tensor, as TF returns."""
        value = self._value
        if value.ndim == 0:
            if value.dtype.names:  # a variant: the Python value it holds (ops/tensor_list.py)
                return value[value.dtype.names[0]][()]
            return value[()]
        if value.flags.writeable:
            value = value.view()
            value.flags.writeable = False
        return value

    def __array__(self, dtype=None, copy=None):
        value = self._value
        if dtype is not None and value.dtype != dtype:
            return value.astype(dtype)
        return value.copy() if copy else value

    def __len__(self):
        if self._value.ndim == 0:
            raise InvalidTypeError("Scalar tensor has no `len()` (shape ())")
        return self._value.shape[0]

    def __iter__(self):
        # Not a generator: as TF, iter() of a scalar raises at once, not at the first next().
        if self._value.ndim == 0:
            raise InvalidTypeError("Cannot iterate over a scalar tensor (shape ())")
        return (self[i] for i in range(self._value.shape[0]))

    def _scalar(self, what):
        if self._value.size != 1:
            raise InvalidArgumentError(
                f"{what} of a tensor with shape {self.shape} is ambiguous: only tensors with one "
                "element convert to a Python scalar")
        return self._value.reshape(()).item()

    def __bool__(self):
        return bool(self._scalar("The truth value"))

    def __float__(self):
        return float(self._scalar("float()"))

    def __complex__(self):
        return complex(self._scalar("complex()"))

    def __int__(self):
        return int(self._scalar("int()"))

    def __index__(self):
        if self._value.dtype.kind not in "iu":
            raise InvalidArgumentError(f"Only integer scalar tensors can be used as an index, "
                                       f"got dtype {self.dtype.name}")
        return int(self._scalar("__index__"))

    def __format__(self, spec):
        if self._value.ndim == 0:
            return format(self._value.item(), spec)
        return format(str(self), spec)

    def __repr__(self):
        v = self._value
        text = str(v[()]) if v.ndim == 0 else np.array_repr(v)
        if "\n" in text:  # TF starts a multi-line array on its own line
            text = "\n" + text
        return f"<tf.Tensor: shape={self.shape}, dtype={self.dtype.name}, numpy={text}>"

    def __str__(self):
        v = self._value
        text = str(v[()]) if v.ndim == 0 else np.array2string(v)
        if "\n" in text:  # TF starts a multi-line array on its own line
            text = "\n" + text
        return f"tf.Tensor({text}, shape={self.shape}, dtype={self.dtype.name})"

    def __reduce__(self):
        return (EagerTensor, (self._value,))

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return EagerTensor(self._value.copy())

    # TF-style conveniences
    def cpu(self):
        return self

    def gpu(self, index=0):
        """A copy of this tensor on GPU `index` (TF's Tensor.gpu)."""
        from graphflow.context import devices as _device
        dev = _device.resolve(f"/GPU:{index}")
        if not dev.is_gpu:  # soft placement fell back to the CPU
            return self
        return DeviceTensor(_device.to_device(self._value), dev)


class DeviceTensor(EagerTensor):
    """An eager tensor resident in GPU memory (a numba.cuda device array).

    Ops on it run as CUDA kernels and return DeviceTensors. Everything that needs the values on
    the host (`numpy()`, printing, `float()`, NumPy interop) copies them back once and keeps the
    copy, which stays valid because tensors are immutable.

        >>> import graphflow as tf
        >>> tf.constant(1.0).cpu().device.endswith("CPU:0")
        True
    """

    __slots__ = ("_device_array", "_host", "_dev")

    def __init__(self, device_array, dev):
        self._device_array = device_array
        self._dev = dev
        self._host = None

    @property
    def _value(self):
        host = self._host
        if host is None:
            from graphflow.context import devices as _device
            host = self._host = _device.to_host(self._device_array)
        return host

    @property
    def shape(self):
        return TensorShape(self._device_array.shape)

    @property
    def dtype(self):
        return dtypes.from_numpy(self._device_array.dtype)

    @property
    def ndim(self):
        return len(self._device_array.shape)

    @property
    def device(self):
        return self._dev.name

    def cpu(self):
        """A copy of this tensor in host memory."""
        return EagerTensor(self._value)

    def gpu(self, index=0):
        if index == self._dev.index:
            return self
        raise InvalidArgumentError(f"Copying between GPUs ({self._dev.short_name} -> /GPU:{index}) "
                                   "is not supported")

    def __reduce__(self):
        return (EagerTensor, (self._value,))

    def __deepcopy__(self, memo):
        from graphflow.context import devices as _device
        return DeviceTensor(_device.device_copy(self._device_array), self._dev)


def device_array_of(t):
    """The array a tensor holds where it lives: a device array for a DeviceTensor, else NumPy."""
    return t._device_array if isinstance(t, DeviceTensor) else t._value


class SymbolicTensor(Tensor):
    """An output of a node in a Graph: it has a static shape and dtype but no value.

        >>> with tf.Graph().as_default():
        ...     tf.compat.v1.placeholder(tf.float32, name="a")
        <tf.Tensor 'a:0' shape=<unknown> dtype=float32>
    """

    __slots__ = ("node", "index", "_shape", "_dtype", "__weakref__")

    def __init__(self, node, index, shape, dtype):
        self.node = node
        self.index = index
        self._shape = as_shape(shape)
        self._dtype = dtype

    @property
    def shape(self):
        return self._shape

    @property
    def dtype(self):
        return self._dtype

    @property
    def graph(self):
        return self.node.graph

    @property
    def op(self):
        return self.node

    @property
    def name(self):
        return f"{self.node.name}:{self.index}"

    @property
    def device(self):
        return CPU_DEVICE

    def set_shape(self, shape):
        self._shape = self._shape.merge_with(shape)

    def numpy(self):
        raise InvalidArgumentError(
            f"Tensor {self.name!r} is symbolic (a node of a graph being built), so it has no value. "
            "Evaluate it with Session.run() (compat.v1) or return it from the graphflow.function.")

    def __array__(self, dtype=None, copy=None):
        self.numpy()

    def _disallow(self, task):
        # TF's class and opening sentence, so code that catches either keeps working.
        raise OperatorNotAllowedInGraphError(
            f"{task} is not allowed: {self.name!r} is a node of a graph being built, its value "
            "is only known when the graph runs. Run eagerly, or let AutoGraph convert the Python "
            "control flow (graphflow.function with autograph=True; source code must be "
            "visible to it), or use graphflow ops (graphflow.cond, graphflow.while_loop, "
            "graphflow.unstack, graphflow.where).")

    def __bool__(self):
        self._disallow("Using a symbolic `tf.Tensor` as a Python `bool`")

    def __len__(self):
        n = self._shape[0] if self._shape.rank else None
        if n is None:
            raise InvalidArgumentError(
                f"len() of symbolic tensor {self.name!r} with shape {self._shape} is not known "
                "while tracing")
        return n

    def __iter__(self):
        # As TF, even a known first dimension is no licence: a graph tensor is iterated with
        # graph ops (AutoGraph turns `for x in t` into a while_loop), never by Python.
        self._disallow("Iterating over a symbolic `tf.Tensor`")

    def __repr__(self):
        return f"<tf.Tensor '{self.name}' shape={self._shape} dtype={self._dtype.name}>"

    def __str__(self):
        if self._shape.rank is None:
            return f'Tensor("{self.name}", dtype={self._dtype.name})'
        return f'Tensor("{self.name}", shape={self._shape}, dtype={self._dtype.name})'

    def eval(self, feed_dict=None, session=None):
        from graphflow.context import require_default_session
        session = session or require_default_session("evaluate tensor using `eval()`")
        return session.run(self, feed_dict)


class VariableSynchronization(enum.Enum):
    """When a distributed variable is synchronized (accepted; graphflow runs one replica)."""
    AUTO = 0
    NONE = 1
    ON_WRITE = 2
    ON_READ = 3


class VariableAggregation(enum.Enum):
    """How a distributed variable's replica updates combine (accepted; one replica here)."""
    NONE = 0
    SUM = 1
    MEAN = 2
    ONLY_FIRST_REPLICA = 3


class Variable(_Operators):
    """A mutable tensor: model weights and other state.

        >>> v = tf.Variable(1.0)
        >>> v.assign_add(2.0).numpy()
        3.0
    """

    def __init__(self, initial_value=None, trainable=None, name=None, dtype=None, shape=None,
                 validate_shape=True, caching_device=None, constraint=None,
                 synchronization=None, aggregation=None, **kwargs):
        collections = kwargs.pop("collections", None)  # compat.v1's graph collections
        kwargs.pop("use_resource", None)
        unknown = set(kwargs) - {"variable_def", "import_scope",
                                 "experimental_enable_variable_lifting"}
        if unknown:
            from graphflow.errors import InvalidTypeError
            raise InvalidTypeError(
                f"Variable() got unexpected keyword arguments {sorted(unknown)}")
        if initial_value is None:
            raise InvalidArgumentError("Variable: initial_value must be specified")
        if constraint is not None and not callable(constraint):
            raise InvalidArgumentError(
                f"Argument `constraint` must be None or a callable. Got a "
                f"{type(constraint).__name__}: {constraint!r}")
        self._synchronization = VariableSynchronization(
            VariableSynchronization.AUTO if synchronization is None else synchronization)
        self._aggregation = VariableAggregation(
            VariableAggregation.NONE if aggregation is None else aggregation)
        if trainable is None:  # TF: ON_READ variables (metrics' accumulators) are not trainable
            trainable = self._synchronization is not VariableSynchronization.ON_READ
        self._constraint = constraint
        self.trainable = bool(trainable)
        self._value = None            # EagerTensor; None until a graph variable is initialized
        self._exported = True         # whether eager code may hold the current array (lower.py)
        self._graph = None            # the compat.v1 Graph that owns this variable, if any
        self._initializer_op = None
        self._dev = None              # the GPU Device holding the value, or None for the CPU
        _ops.init_variable(self, initial_value, name, dtype, shape)
        if collections is not None and self._graph is not None:
            _variable_ops.set_collections(self, collections)

    # -- reading -----------------------------------------------------------------------------
    @property
    def name(self):
        return f"{self._name}:0"

    @property
    def shape(self):
        return self._shape

    @property
    def dtype(self):
        return self._dtype

    @property
    def device(self):
        return CPU_DEVICE if self._dev is None else self._dev.name

    @property
    def graph(self):
        return self._graph

    def value(self):
        """The current value as a tensor (a snapshot: later assigns do not change it)."""
        return _ops.read_variable(self)

    read_value = value

    def read_value_for_op(self):
        """The current value, offered to watching tapes; used when a variable is an op input."""
        from graphflow.context import context
        value = self._checked_value()
        for tape in context.tapes:
            tape._watch_variable_read(self, value)
        return value

    def _checked_value(self):
        """The current value as an EagerTensor handed out to eager code (so compiled updates
        must not overwrite its array in place afterwards)."""
        value = self._storage_tensor()
        self._exported = True
        return value

    def _storage_tensor(self):
        if self._value is None:
            from graphflow.errors import FailedPreconditionError
            raise FailedPreconditionError(
                f"Attempting to use uninitialized value {self._name}: run its initializer "
                "(or compat.v1.global_variables_initializer()) first")
        return self._value

    def _storage(self):
        """The current array, for compiled plans: reading it here does not hand it out."""
        return self._storage_tensor()._value

    def _device_storage(self):
        """The current value as a device array, for CUDA plans (a GPU variable's own array;
        a CPU variable's value is copied to the device)."""
        t = self._storage_tensor()
        if type(t) is DeviceTensor:
            return t._device_array
        from graphflow.context import devices as _device
        return _device.to_device(t._value)

    def _placed(self, array):
        """`array` (host or device) as a tensor on this variable's device."""
        from graphflow.context import devices as _device
        if self._dev is None:
            return EagerTensor(_device.as_host(array))
        return DeviceTensor(_device.as_device(array), self._dev)

    def _replace_storage(self, array):
        """Installs an array that nobody else holds (a compiled update's fresh buffer)."""
        if self._dev is None and type(array) is np.ndarray:
            self._value = EagerTensor(array)
        else:
            self._value = self._placed(array)
        self._exported = False

    def numpy(self):
        return self._checked_value().numpy()

    def __array__(self, dtype=None, copy=None):
        return self._checked_value().__array__(dtype, copy)

    def __len__(self):
        return len(self._checked_value())

    def __iter__(self):
        return iter(self.value())

    def __bool__(self):
        return bool(self._checked_value())

    def __float__(self):
        return float(self._checked_value())

    def __complex__(self):
        return complex(self._checked_value())

    def __int__(self):
        return int(self._checked_value())

    def __index__(self):
        return self._checked_value().__index__()

    def __format__(self, spec):
        return format(self._checked_value(), spec)

    @property
    def constraint(self):
        """The projection Keras optimizers apply after each update (None: none)."""
        return self._constraint

    @property
    def synchronization(self):
        return self._synchronization

    @property
    def aggregation(self):
        return self._aggregation

    def __getitem__(self, key):
        """The sliced value; `v[...].assign(x)` writes x into that slice of the variable."""
        return _variable_ops.sliced_read(self, key)

    # -- writing -----------------------------------------------------------------------------
    def scatter_nd_update(self, indices, updates, use_locking=None, name=None):
        """Sets the elements at `indices` (as tf.tensor_scatter_nd_update)."""
        return _variable_ops.scatter_nd("update", self, indices, updates, name)

    def scatter_nd_add(self, indices, updates, use_locking=None, name=None):
        return _variable_ops.scatter_nd("add", self, indices, updates, name)

    def scatter_nd_sub(self, indices, updates, use_locking=None, name=None):
        return _variable_ops.scatter_nd("sub", self, indices, updates, name)

    def scatter_nd_max(self, indices, updates, use_locking=None, name=None):
        return _variable_ops.scatter_nd("max", self, indices, updates, name)

    def scatter_nd_min(self, indices, updates, use_locking=None, name=None):
        return _variable_ops.scatter_nd("min", self, indices, updates, name)

    def scatter_update(self, sparse_delta, use_locking=False, name=None):
        """Sets rows sparse_delta.indices to sparse_delta.values (a tf.IndexedSlices)."""
        return _variable_ops.scatter_rows("update", self, sparse_delta, name)

    def scatter_add(self, sparse_delta, use_locking=False, name=None):
        return _variable_ops.scatter_rows("add", self, sparse_delta, name)

    def scatter_sub(self, sparse_delta, use_locking=False, name=None):
        return _variable_ops.scatter_rows("sub", self, sparse_delta, name)

    def scatter_max(self, sparse_delta, use_locking=False, name=None):
        return _variable_ops.scatter_rows("max", self, sparse_delta, name)

    def scatter_min(self, sparse_delta, use_locking=False, name=None):
        return _variable_ops.scatter_rows("min", self, sparse_delta, name)

    def assign(self, value, use_locking=None, name=None, read_value=True):
        """Sets the value; returns the variable (eagerly) or the assign op (in a graph)."""
        return _ops.assign(self, value, name=name)

    def assign_add(self, delta, use_locking=None, name=None, read_value=True):
        return _ops.assign_add(self, delta, name=name)

    def assign_sub(self, delta, use_locking=None, name=None, read_value=True):
        return _ops.assign_sub(self, delta, name=name)

    def _set_value(self, array):
        """Replaces the stored array. Arrays are never written in place, so snapshots stay valid."""
        if not self._shape.is_compatible_with(array.shape):
            raise InvalidArgumentError(
                f"Cannot assign a value of shape {array.shape} to variable {self.name!r} of shape "
                f"{self.shape}")
        self._value = EagerTensor(array) if self._dev is None else self._placed(array)
        self._exported = True  # the array may also be held by whoever computed it
        return array

    @property
    def initializer(self):
        """The op that initializes this variable (compat.v1 graphs)."""
        if self._initializer_op is None:
            raise InvalidArgumentError(
                f"Variable {self.name!r} was created eagerly; it has no initializer op")
        return self._initializer_op

    def __repr__(self):
        value = "<uninitialized>" if self._value is None else np.array_repr(self._value._value)
        if self._dev is not None:
            return (f"<tf.Variable '{self.name}' shape={self.shape} dtype={self.dtype.name}, "
                    f"device={self._dev.short_name}, numpy={value}>")
        return (f"<tf.Variable '{self.name}' shape={self.shape} dtype={self.dtype.name}, "
                f"numpy={value}>")

    def __deepcopy__(self, memo):
        from graphflow.context import devices as _device
        with _device.device(CPU_DEVICE if self._dev is None else self._dev.name):
            return Variable(self._checked_value()._value.copy(), trainable=self.trainable,
                            name=self._name, constraint=self._constraint,
                            synchronization=self._synchronization, aggregation=self._aggregation)
