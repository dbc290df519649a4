"""The Layer contract, symbolic Keras tensors and the nodes of functional models.

`__init__` stores and validates settings, `build(input_shape)` creates weights with
`add_weight`, `call` computes with graphflow ops only, `get_config` round-trips. Calling a layer
on eager tensors or NumPy arrays computes; calling it on KerasTensors (from `Input`) records a
Node in the functional graph and returns KerasTensors whose shapes come from tracing `call` on
placeholders, so every layer's output shape is inferred by the same op shape rules.

    >>> from graphflow import keras
    >>> x = keras.Input(shape=(3,))
    >>> y = keras.layers.Dense(2)(x)
    >>> y.shape
    TensorShape([None, 2])
"""
import collections
import contextlib
import functools
import inspect
import math
import re
import threading

import numpy as np

from graphflow import dtypes
from graphflow.context import context
from graphflow.errors import InvalidArgumentError, UnimplementedError
from graphflow.tensor import EagerTensor, SymbolicTensor, Tensor, TensorShape, Variable
from graphflow.utils import nest


class _CallState(threading.local):
    """This thread's layer-call nesting: `depth` 0 means the next call is outermost (it resets
    the per-call losses, as Keras); `discard` drops add_loss() while output specs are traced on
    throwaway placeholders."""

    def __init__(self):
        self.depth = 0
        self.discard = False
        # inside a layer's call() (not a functional or Sequential model's): sublayers take
        # their inputs as given, since graphflow's composite layers do not hand their dtype to
        # their sublayers as Keras's do (Keras's casts there are no-ops)
        self.in_layer = False


_call_state = _CallState()


class _WeightBudget(threading.local):
    """Bytes that weights created in this thread may still take (None: no limit). load_model
    sets it from the file's size, so a small file's config cannot allocate gigabytes."""

    def __init__(self):
        self.left = None
        self.source = None


_weight_budget = _WeightBudget()


@contextlib.contextmanager
def discarding_call_effects():
    """Inside the block, layer calls record no add_loss/add_metric values (a forward pass run
    only to learn output shapes)."""
    saved = _call_state.discard
    _call_state.discard = True
    try:
        yield
    finally:
        _call_state.discard = saved


@contextlib.contextmanager
def weight_budget(nbytes, source):
    """Limits the bytes of the weights created inside the block (in this thread) to `nbytes`;
    a larger weight raises InvalidArgumentError naming `source`."""
    saved = _weight_budget.left, _weight_budget.source
    _weight_budget.left, _weight_budget.source = int(nbytes), source
    try:
        yield
    finally:
        _weight_budget.left, _weight_budget.source = saved


def _charge_weight(layer, name, shape, dtype):
    if _weight_budget.left is None:
        return
    nbytes = math.prod(shape) * dtype.size
    if nbytes > _weight_budget.left:
        raise InvalidArgumentError(
            f"{_weight_budget.source}: layer {layer.name!r} would create weight {name!r} of "
            f"shape {shape} ({nbytes} bytes), more than the file can hold; its config is "
            "damaged or not a graphflow model")
    _weight_budget.left -= nbytes


class _CallLosses(threading.local):
    """One layer's add_loss() tensors of its last call, per thread (concurrent calls of one
    model each see their own)."""

    def __init__(self):
        self.items = []


def snake_case(name):
    """A class name as Keras 3 turns it into a default layer name (keras.src.utils.naming): a
    capital starts a new word only before lower-case letters or after a lower-case letter, so
    digits and capitals stay with their word.

        >>> [snake_case(n) for n in ("Dense", "Conv2D", "MaxPooling2D", "GlobalAveragePooling2D",
        ...                          "BatchNormalization", "InputLayer", "ReLU", "PReLU")]
        ['dense', 'conv2d', 'max_pooling2d', 'global_average_pooling2d', 'batch_normalization', 'input_layer', 're_lu', 'p_re_lu']
    """
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def unique_name(base):
    """dense, dense_1, dense_2, ... (reset by keras.backend.clear_session())."""
    with context.lock:  # layers may be built from several threads at once
        counts = context.keras_names
        n = counts.get(base, 0)
        counts[base] = n + 1
    return base if n == 0 else f"{base}_{n}"


# -- masks (Keras's mask propagation) ---------------------------------------------------------
# Keras hangs a layer's output mask on the tensor (`_keras_mask`); graphflow's tensors have
# fixed slots, so the masks of recent outputs live in this per-thread table instead, keyed by
# the tensor's identity. Each entry holds its tensor, so an id is not reused while it is listed;
# the table is bounded because a mask is read by the next layer call, soon after it is made.
_MASK_TABLE_SIZE = 64


class _MaskTable(threading.local):
    def __init__(self):
        self.entries = collections.OrderedDict()


_mask_table = _MaskTable()


def get_mask(x):
    """The mask a layer attached to its output `x` (None if none); a nest for a nest."""
    if isinstance(x, (list, tuple)):
        masks = [get_mask(t) for t in x]
        return None if all(m is None for m in masks) else masks
    entry = _mask_table.entries.get(id(x))
    return entry[1] if entry is not None and entry[0] is x else None


def set_mask(x, mask):
    """Attaches `mask` to the tensor(s) `x` (Keras's `x._keras_mask = mask`)."""
    if isinstance(x, (list, tuple)):
        masks = mask if isinstance(mask, (list, tuple)) else [mask] * len(x)
        for t, m in zip(x, masks):
            set_mask(t, m)
        return
    entries = _mask_table.entries
    if mask is None:
        entries.pop(id(x), None)
        return
    entries[id(x)] = (x, mask)
    entries.move_to_end(id(x))
    while len(entries) > _MASK_TABLE_SIZE:
        entries.popitem(last=False)


def _mask_placeholders(inputs):
    """Placeholders of the masks recorded on KerasTensor inputs (a nest like the inputs), or
    None when no input has one: what a layer's call gets as `mask` while a functional model
    is built, as Keras passes its symbolic masks."""
    from graphflow.ops.creation import placeholder_node

    def one(t):
        spec = getattr(t, "_mask_spec", None)
        return None if spec is None else placeholder_node(spec[0], spec[1], "mask")
    masks = [one(t) for t in inputs] if isinstance(inputs, (list, tuple)) else one(inputs)
    if isinstance(masks, list) and all(m is None for m in masks):
        return None
    return masks


def _record_mask_specs(keras_outputs, mask):
    """Records the (shape, dtype) of a traced output mask on the output KerasTensors (one mask
    for all of them, or one per output, as set_mask attaches them when the model runs)."""
    masks = mask if isinstance(mask, (list, tuple)) else [mask] * len(keras_outputs)
    for t, m in zip(keras_outputs, masks):
        if isinstance(t, KerasTensor) and m is not None and hasattr(m, "dtype"):
            t._mask_spec = (m.shape.dims_tuple(), m.dtype)


class KerasTensor:
    """A symbolic tensor of a functional model: a shape (None for the batch), a dtype and the
    layer call that produced it."""

    def __init__(self, shape, dtype=None, name=None, history=None, sparse=False, ragged=False):
        from graphflow.keras.backend import floatx
        if sparse and ragged:
            raise InvalidArgumentError(
                "KerasTensor cannot have `sparse=True` and `ragged=True` at the same time.")
        self.shape = TensorShape(shape)
        self.dtype = dtypes.as_dtype(floatx() if dtype is None else dtype)
        self.name = name
        self.sparse = bool(sparse)  # stands for a tf.SparseTensor (Input(sparse=True))
        self.ragged = bool(ragged)  # stands for a tf.RaggedTensor (Input(ragged=True))
        self._keras_history = history  # (layer, node index, output index)

    @property
    def ndim(self):
        return self.shape.rank

    @property
    def node(self):
        layer, index, _ = self._keras_history
        return layer._inbound_nodes[index]

    def __repr__(self):
        layer = self._keras_history[0].name if self._keras_history else None
        sparse = ", sparse=True" if self.sparse else ", ragged=True" if self.ragged else ""
        return (f"<KerasTensor shape={tuple(self.shape.as_list())}, dtype={self.dtype.name}"
                f"{sparse}, name={self.name}{', from layer ' + layer if layer else ''}>")

    def __hash__(self):
        return id(self)

    # Ops on KerasTensors (x + 1, x[:, 0], ...) become Lambda-like operation layers.
    def _op(self, fn, other=None, name="op"):
        from graphflow.keras.layers.core import TFOpLambda
        args = (self,) if other is None else (self, other)
        return TFOpLambda(fn, name=name)(*args)

    def __add__(self, o):
        return self._op(lambda a, b: a + b, o, "add")

    def __radd__(self, o):
        return self._op(lambda a, b: b + a, o, "add")

    def __sub__(self, o):
        return self._op(lambda a, b: a - b, o, "subtract")

    def __rsub__(self, o):
        return self._op(lambda a, b: b - a, o, "subtract")

    def __mul__(self, o):
        return self._op(lambda a, b: a * b, o, "multiply")

    def __rmul__(self, o):
        return self._op(lambda a, b: b * a, o, "multiply")

    def __truediv__(self, o):
        return self._op(lambda a, b: a / b, o, "truediv")

    def __neg__(self):
        return self._op(lambda a: -a, None, "negative")

    def __getitem__(self, key):
        return self._op(lambda a: a[key], None, "getitem")


class Node:
    """One call of a layer in a functional graph: its input structure and its outputs."""

    def __init__(self, layer, args, kwargs, outputs):
        self.layer = layer
        self.args = args              # structure with KerasTensors (and constants)
        self.kwargs = kwargs
        self.outputs = outputs        # structure of KerasTensors
        self.input_tensors = [t for t in nest.flatten((args, kwargs)) if isinstance(t, KerasTensor)]
        self.output_tensors = [t for t in nest.flatten(outputs) if isinstance(t, KerasTensor)]

    @property
    def parent_nodes(self):
        return [t.node for t in self.input_tensors]


def _is_symbolic(structure):
    return any(isinstance(t, KerasTensor) for t in nest.flatten(structure))


def _to_tensor(x, float_dtype="floatx"):
    """NumPy arrays and Python numbers as tensors; their float64 becomes `float_dtype`
    ("floatx": keras.config.floatx(); None: kept, as a model's inputs are before they are cast
    to its Input dtypes)."""
    if isinstance(x, (np.ndarray, np.generic)) or isinstance(x, (float, int)) and not isinstance(x, bool):
        from graphflow.ops.creation import convert_to_tensor
        arr = np.asarray(x)
        if arr.dtype == np.float64 and float_dtype is not None:
            from graphflow.keras.backend import floatx
            arr = arr.astype(floatx() if float_dtype == "floatx" else float_dtype)
        return convert_to_tensor(arr)
    return x


def _autocast(x, dtype):
    """Keras's input conversion: a float tensor or array of another float dtype is cast to the
    layer's compute dtype; integers, bools, strings, sparse and ragged tensors pass."""
    x = _to_tensor(x, dtype)
    if isinstance(x, (SymbolicTensor, EagerTensor)) and x.dtype.is_floating and \
            x.dtype.name != dtype:
        from graphflow.ops.elementwise import cast
        mask = get_mask(x)
        out = cast(x, dtype)
        if mask is not None:  # the cast carries the input's mask on
            set_mask(out, mask)
        return out
    return x


def _default_dtype(dtype):
    """A layer's dtype name: its `dtype` argument (a name, a DType or a DTypePolicy), else the
    default policy's (keras.config.dtype_policy(): floatx() unless set_dtype_policy)."""
    if dtype is None:
        from graphflow.keras.config import dtype_policy
        return dtype_policy().name
    if hasattr(dtype, "compute_dtype") and not isinstance(dtype, str):
        return dtypes.as_dtype(dtype.compute_dtype).name
    if isinstance(dtype, str) and dtype.startswith("mixed"):
        from graphflow.keras.config import check_policy_name
        check_policy_name(dtype)  # UnimplementedError, naming what is not built
    return dtypes.as_dtype(dtype).name


def _ragged_placeholder(t):
    """A RaggedTensor of placeholders (ragged in axis 1) standing for a ragged KerasTensor
    while a layer's output spec is traced."""
    from graphflow.ops.creation import placeholder_node
    from graphflow.ops.ragged import RaggedTensor
    dims = t.shape.dims_tuple()
    values = placeholder_node((None,) + tuple(dims[2:]), t.dtype, "flat_values")
    splits = placeholder_node((None,), dtypes.int64, "row_splits")
    return RaggedTensor.from_row_splits(values, splits, validate=False)


def _sparse_placeholder(t):
    """A SparseTensor of placeholders standing for a sparse KerasTensor while a layer's output
    spec is traced."""
    from graphflow.ops.creation import placeholder_node
    from graphflow.ops.sparse import SparseTensor
    rank = t.shape.rank
    sp = SparseTensor(placeholder_node((None, rank), dtypes.int64, "indices"),
                      placeholder_node((None,), t.dtype, "values"),
                      placeholder_node((rank,), dtypes.int64, "dense_shape"))
    sp.set_shape(t.shape)
    return sp


def _shape_of(x):
    if isinstance(x, (KerasTensor, Tensor, Variable)):
        return x.shape
    return TensorShape(np.shape(x))


class Layer:
    """Base class of every layer (and of Model).

        >>> class Double(keras.layers.Layer):
        ...     def call(self, x):
        ...         return x * 2.0
        >>> Double()(np.ones(2, np.float32)).numpy()
        array([2., 2.], dtype=float32)
    """

    # Built-in layers that take one tensor set this, so a list of tensors gets Keras's error
    # ("expects 1 input(s), but it received 2 input tensors") instead of failing inside call().
    _single_input = False

    # Masking: a layer that sets supports_masking passes its input mask on unchanged (the
    # default compute_mask); layers that make or change masks override compute_mask.
    supports_masking = False

    _ALLOWED_KWARGS = {"input_shape", "batch_input_shape", "batch_size", "input_dim", "weights",
                       "activity_regularizer", "autocast", "implementation"}
    _standardize_build_shape = True  # Model builds from shapes its own way

    def __init_subclass__(cls, **kwargs):
        # layer.build((None, 3)) works as in Keras: build() always sees TensorShapes.
        super().__init_subclass__(**kwargs)
        build = cls.__dict__.get("build")
        if build is not None and cls._standardize_build_shape and \
                not getattr(build, "_standardizes_shape", False):
            def standardized(self, *args, **kw):
                if args:
                    args = (_as_shapes(args[0]),) + args[1:]
                elif "input_shape" in kw:
                    kw["input_shape"] = _as_shapes(kw["input_shape"])
                return build(self, *args, **kw)
            standardized.__name__, standardized.__doc__ = build.__name__, build.__doc__
            standardized.__wrapped__ = build
            standardized._standardizes_shape = True
            cls.build = standardized

    def __init__(self, trainable=True, name=None, dtype=None, **kwargs):
        unknown = set(kwargs) - self._ALLOWED_KWARGS
        if unknown:
            raise TypeError(f"{type(self).__name__}: unrecognized keyword arguments "
                            f"{sorted(unknown)}")
        if name is not None and not isinstance(name, str):
            raise InvalidArgumentError(f"{type(self).__name__}: name must be a string, got {name!r}")
        object.__setattr__(self, "_layers", [])
        object.__setattr__(self, "_tracked_variables", [])
        self.name = name or unique_name(snake_case(type(self).__name__))
        self._trainable = bool(trainable)
        self.dtype = _default_dtype(dtype)
        # Keras: float inputs are cast to the layer's dtype before call() (autocast=False
        # keeps them)
        self.autocast = bool(kwargs.get("autocast", True))
        self.built = False
        self._trainable_weights = []
        self._non_trainable_weights = []
        object.__setattr__(self, "_call_losses", _CallLosses())
        self._persistent_losses = []  # zero-argument callables given to add_loss (tf.keras 2)
        from graphflow.keras import regularizers
        self.activity_regularizer = regularizers.get(kwargs.get("activity_regularizer"))
        self._inbound_nodes = []
        self._build_input_shape = None
        self._last_output_shape = None
        input_shape = kwargs.get("input_shape")
        if "input_dim" in kwargs and kwargs["input_dim"] is not None:
            input_shape = (kwargs["input_dim"],)
        if "batch_input_shape" in kwargs:
            self._batch_input_shape = tuple(kwargs["batch_input_shape"])
        elif input_shape is not None:
            self._batch_input_shape = (kwargs.get("batch_size"),) + tuple(input_shape)
        else:
            self._batch_input_shape = None
        self._init_weights = kwargs.get("weights")

    # -- attribute tracking (layers and variables assigned as attributes) -----------------------
    def __setattr__(self, name, value):
        if not name.startswith("_") or name in ("_layer_list",):
            for item in nest.flatten(value) if isinstance(value, (list, tuple, dict)) else [value]:
                if isinstance(item, Layer) and item is not self and \
                        not any(item is l for l in self._layers):
                    self._layers.append(item)
                elif isinstance(item, Variable) and \
                        not any(item is v for v in self._tracked_variables):
                    self._tracked_variables.append(item)
        object.__setattr__(self, name, value)

    # -- weights -----------------------------------------------------------------------------
    def add_weight(self, name=None, shape=None, dtype=None, initializer=None, regularizer=None,
                   trainable=True, constraint=None, **kwargs):
        """Creates a Variable owned by this layer (call from build)."""
        from graphflow.keras import constraints, initializers, regularizers
        shape = tuple(() if shape is None else shape)
        if any(d is None or int(d) < 0 for d in shape):
            raise InvalidArgumentError(
                f"Layer {self.name!r}: cannot create weight {name!r} with unknown or negative "
                f"dimensions {shape}")
        dtype = dtypes.as_dtype(dtype or self.dtype)
        shape = tuple(int(d) for d in shape)
        _charge_weight(self, name, shape, dtype)
        init = initializers.get(initializer or ("glorot_uniform" if dtype.is_floating else "zeros"))
        graph = context.graph
        if graph is not None and getattr(graph, "is_function", False):
            # A sublayer built lazily while its parent's call is traced (a custom layer on a
            # keras.Input, a first call inside graphflow.function) still starts from an eager
            # value, as under TF's init_scope.
            context.graph = None
            try:
                value = init(shape, dtype=dtype)
            finally:
                context.graph = graph
        else:
            value = init(shape, dtype=dtype)
        var = Variable(value, trainable=trainable, name=f"{self.name}/{name or 'weight'}",
                       dtype=dtype)
        var._constraint = constraints.get(constraint)  # applied by the optimizer after updates
        var._regularizer = regularizers.get(regularizer)  # read by `losses`, on every access
        (self._trainable_weights if trainable else self._non_trainable_weights).append(var)
        return var

    @property
    def dtype_policy(self):
        """The layer's DTypePolicy (graphflow's compute and variable dtypes are one)."""
        from graphflow.keras.config import DTypePolicy
        return DTypePolicy(self.dtype)

    @property
    def compute_dtype(self):
        return self.dtype

    @property
    def variable_dtype(self):
        return self.dtype

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)
        for layer in self._layers:
            layer.trainable = value

    def _own_variables(self):
        return [v for v in self._tracked_variables
                if not any(v is w for w in self._trainable_weights + self._non_trainable_weights)]

    @property
    def trainable_weights(self):
        if not self._trainable:
            return []
        out = list(self._trainable_weights)
        out += [v for v in self._own_variables() if v.trainable]
        for layer in self._layers:
            out += layer.trainable_weights
        return _unique(out)

    @property
    def non_trainable_weights(self):
        out = list(self._non_trainable_weights)
        out += [v for v in self._own_variables() if not v.trainable]
        if not self._trainable:
            out = list(self._trainable_weights) + out + [v for v in self._own_variables() if v.trainable]
        for layer in self._layers:
            out += layer.non_trainable_weights
        return _unique(out)

    @property
    def weights(self):
        return _unique(self.trainable_weights + self.non_trainable_weights) if self._trainable \
            else _unique(self.non_trainable_weights)

    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights
    variables = weights

    def get_weights(self):
        return [v.numpy().copy() for v in self.weights]

    def set_weights(self, weights):
        params = self.weights
        if len(weights) != len(params):
            raise InvalidArgumentError(
                f"Layer {self.name!r}: set_weights got {len(weights)} arrays but the layer has "
                f"{len(params)} weights")
        for v, w in zip(params, weights):
            w = np.asarray(w)
            if tuple(v.shape.as_list()) != w.shape:
                raise InvalidArgumentError(
                    f"Layer {self.name!r}: weight {v.name!r} has shape {tuple(v.shape.as_list())} "
                    f"but the provided array has shape {w.shape}")
            v.assign(w.astype(v.dtype.np))

    def count_params(self):
        if not self.built:
            raise InvalidArgumentError(
                f"You tried to call count_params on layer {self.name!r}, but the layer isn't "
                "built. You can build it manually via: layer.build(batch_input_shape)")
        return int(sum(np.prod(v.shape.as_list(), dtype=np.int64) for v in self.weights))

    # -- losses --------------------------------------------------------------------------------
    @property
    def losses(self):
        """The add_loss() values of the last outermost call (this layer's, then its sublayers'),
        then the weight regularization losses of the trainable weights, computed now. Tensors
        added while a graphflow.function was tracing are listed only inside that trace.

            >>> class Penalty(keras.layers.Layer):
            ...     def call(self, x):
            ...         self.add_loss(tf.reduce_sum(x))
            ...         return x
            >>> layer = Penalty()
            >>> _ = layer(np.ones(2, np.float32)); _ = layer(np.ones(2, np.float32))
            >>> [float(v) for v in layer.losses]  # reset per call, not accumulated
            [2.0]
        """
        out = []
        for layer in self._flatten_layers():
            out += layer._own_losses()
        for v in self.trainable_weights:
            reg = getattr(v, "_regularizer", None)
            if reg is not None:
                out.append(reg(v))
        return out

    def add_loss(self, loss):
        """Adds a loss tensor (or a nest of them) from inside `call()`; it is part of `losses`
        until the next outermost call. A zero-argument callable (tf.keras 2) is kept and
        evaluated on every read of `losses`."""
        if callable(loss) and not isinstance(loss, (Tensor, Variable)):
            self._persistent_losses.append(loss)
            return
        flat = nest.flatten(loss)
        for x in flat:
            if not isinstance(x, (Tensor, Variable)):
                raise InvalidArgumentError(
                    f"Layer {self.name!r}: `add_loss()` can only be called from inside `build()` "
                    f"or `call()`, on a tensor input. Received invalid value: {x!r:.80}")
        if not _call_state.discard:
            self._call_losses.items.extend(flat)

    def add_metric(self, value, name=None, aggregation=None):
        """tf.keras 2's `add_metric` (Keras 3 dropped it): inside `call()`, reports the mean of
        `value` under `name` in fit/evaluate logs (a keras.metrics.Mean per name, listed in
        `metrics` and reset with the model's metrics).

            >>> class MeanActivation(keras.layers.Layer):
            ...     def call(self, x):
            ...         self.add_metric(tf.reduce_mean(x), name="mean_activation")
            ...         return x
            >>> layer = MeanActivation()
            >>> _ = layer(np.ones(2, np.float32)); _ = layer(np.zeros(2, np.float32))
            >>> float(layer.metrics[0].result())
            0.5
        """
        if not isinstance(name, str) or not name:
            raise InvalidArgumentError(
                "Please provide a name for your metric like "
                "`self.add_metric(tf.reduce_sum(inputs), name='mean_activation')`")
        if aggregation not in (None, "mean"):
            raise InvalidArgumentError(
                f"Layer {self.name!r}: add_metric supports aggregation='mean' (or None), got "
                f"{aggregation!r:.40}")
        if _call_state.discard:  # tracing output specs, or resolving compile() on a batch
            return
        from graphflow.keras.metrics import Mean
        with context.lock:
            trackers = self.__dict__.setdefault("_added_metrics", {})
            if name not in trackers:  # zeros are eager values: creation inside a trace is lifted
                trackers[name] = Mean(name=name)
        trackers[name].update_state(value)

    @property
    def metrics(self):
        """The metrics added with add_metric by this layer and its sublayers."""
        return [m for layer in self._flatten_layers()
                for m in layer.__dict__.get("_added_metrics", {}).values()]

    def _own_losses(self):
        graph = context.graph
        items = self._call_losses.items
        live = [t for t in items if not isinstance(t, SymbolicTensor) or t.graph is graph]
        if len(live) != len(items):  # tensors of a finished trace: drop them for good
            self._call_losses.items = [t for t in items if not isinstance(t, SymbolicTensor)]
        return live + [fn() for fn in self._persistent_losses]

    def _clear_losses(self):
        for layer in self._flatten_layers():
            layer._call_losses.items = []

    def _flatten_layers(self):
        """This layer and every sublayer below it, each once (Keras's order)."""
        out, seen = [self], {id(self)}
        queue = collections.deque(self._layers)
        while queue:
            layer = queue.popleft()
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            out.append(layer)
            queue.extendleft(layer._layers)
        return out

    def _add_activity_loss(self, outputs, regularizer=None):
        """Keras: activity_regularizer(output) / batch size for each tensor output (or
        `regularizer`'s, for a layer regularizing inner results as Keras's sublayers do)."""
        from graphflow.ops import api as ops
        from graphflow.keras.losses import divide_no_nan
        regularizer = regularizer or self.activity_regularizer
        for out in nest.flatten(outputs):
            if not isinstance(out, Tensor):
                continue
            loss = regularizer(out)
            if not isinstance(loss, Tensor):
                loss = ops.convert_to_tensor(np.float32(loss))
            if out.shape.rank:
                loss = divide_no_nan(loss, ops.cast(ops.shape(out)[0], loss.dtype))
            self.add_loss(loss)

    # -- building and calling ------------------------------------------------------------------
    def build(self, input_shape):
        self._build_input_shape = input_shape
        self.built = True

    def call(self, inputs, *args, **kwargs):
        return inputs

    def _call_accepts(self, name):
        try:
            params = inspect.signature(self.call).parameters
        except (TypeError, ValueError):
            return False
        return name in params or any(p.kind is p.VAR_KEYWORD for p in params.values())

    def _maybe_build(self, inputs):
        if self.built:
            return
        shapes = nest.map_structure(_shape_of, inputs) if nest.is_nested(inputs) else _shape_of(inputs)
        self.build(shapes)
        self.built = True
        if self._build_input_shape is None:
            self._build_input_shape = shapes
        if self._init_weights is not None:
            self.set_weights(self._init_weights)
            self._init_weights = None

    def __call__(self, *args, **kwargs):
        if not args:
            raise InvalidArgumentError(f"Layer {self.name!r} was called without inputs")
        if self._single_input and isinstance(args[0], (list, tuple)) and len(args[0]) != 1:
            raise InvalidArgumentError(
                f'Layer "{self.name}" expects 1 input(s), but it received {len(args[0])} input '
                f"tensors. Inputs received: {list(args[0])!r:.1000}")
        if _is_symbolic((args, kwargs)):
            return self._functional_call(args, kwargs)
        args, kwargs = self._convert_inputs(args, kwargs)
        inputs = args[0]
        self._check_input_spec(inputs)
        depth, in_layer = _call_state.depth, _call_state.in_layer
        if depth == 0:
            self._clear_losses()  # an outermost call starts its losses afresh, as Keras
        _call_state.depth = depth + 1
        _call_state.in_layer = not self._hands_inputs_on()
        try:
            self._maybe_build(inputs)
            mask = kwargs.get("mask")
            if mask is None:
                mask = get_mask(inputs)
                if mask is not None and self._call_accepts("mask"):
                    kwargs = dict(kwargs, mask=mask)
            kwargs = self._call_kwargs(kwargs)
            outputs = self.call(*args, **kwargs)
            out_mask = self.compute_mask(inputs, mask)
            if out_mask is not None:
                set_mask(outputs, out_mask)
            if self.activity_regularizer is not None:
                self._add_activity_loss(outputs)
        finally:
            _call_state.depth, _call_state.in_layer = depth, in_layer
        self._last_output_shape = nest.map_structure(
            lambda t: t.shape if hasattr(t, "shape") else None, outputs) \
            if nest.is_nested(outputs) else getattr(outputs, "shape", None)
        return outputs

    # Keras's flag: False where call() converts its own inputs (lookups, hashing, encodings,
    # flips and crops) or hands them on (functional and Sequential models cast them to their
    # Input dtypes).
    _convert_input_args = True

    def _compute_dtype_for_inputs(self):
        if not (self._convert_input_args and self.autocast) or _call_state.in_layer:
            return None
        return self.dtype if dtypes.as_dtype(self.dtype).is_floating else None

    def _convert_inputs(self, args, kwargs, compute="auto"):
        if compute == "auto":
            compute = self._compute_dtype_for_inputs()
        if compute is None:
            keep = None if self._hands_inputs_on() else "floatx"
            return nest.map_structure(lambda x: _to_tensor(x, keep), list(args)), kwargs
        args = nest.map_structure(lambda x: _autocast(x, compute), list(args))

        def keyword(x):  # Python numbers stay numbers (k=3, rate=0.5): only arrays are cast
            return _autocast(x, compute) if isinstance(x, (np.ndarray, Tensor)) else x
        kwargs = {k: v if k in ("mask", "training") else nest.map_structure(keyword, v)
                  for k, v in kwargs.items()}
        return args, kwargs

    def _hands_inputs_on(self):
        """Whether this is a functional or Sequential model, whose layers convert their own
        inputs; inside any other layer's call, sublayers take theirs as given."""
        return getattr(self, "_is_model", False) and not self._convert_input_args

    def _check_input_spec(self, inputs):
        spec = self.__dict__.get("input_spec")
        if spec is not None:  # Keras checks a layer's input_spec before every call
            from graphflow.keras.layers.input_spec import assert_input_compatibility
            assert_input_compatibility(spec, inputs, self.name)

    def _call_kwargs(self, kwargs):
        kwargs = dict(kwargs)
        if "training" in kwargs and not self._call_accepts("training"):
            kwargs.pop("training")
        if "mask" in kwargs and not self._call_accepts("mask"):
            kwargs.pop("mask")
        return kwargs

    def _functional_call(self, args, kwargs):
        """Records this call in the functional graph; output specs come from tracing call()
        on placeholders of the input specs."""
        from graphflow.graph.ir import Graph
        from graphflow.ops.creation import placeholder_node
        first = args[0]
        self._check_input_spec(first)
        specs = nest.map_structure(
            lambda t: t.shape if isinstance(t, KerasTensor) else _shape_of(t), first)
        if not self.built:
            self.build(specs)
            self.built = True
            self._build_input_shape = specs
            if self._init_weights is not None:
                self.set_weights(self._init_weights)
                self._init_weights = None
        graph = Graph(is_function=True, name=f"{self.name}_spec")
        saved_tapes = context.tapes
        context.tapes = []
        saved_state = _call_state.depth, _call_state.discard, _call_state.in_layer
        compute = self._compute_dtype_for_inputs()
        _call_state.depth, _call_state.discard = saved_state[0] + 1, True
        _call_state.in_layer = not self._hands_inputs_on()
        try:
            with graph.as_default():
                def placeholder(t, ragged=True):
                    if isinstance(t, KerasTensor) and t.sparse:
                        return _sparse_placeholder(t)
                    if isinstance(t, KerasTensor) and t.ragged and ragged:
                        return _ragged_placeholder(t)
                    if isinstance(t, KerasTensor):
                        return placeholder_node(t.shape.dims_tuple(), t.dtype, "x")
                    return t
                sym_args = nest.map_structure(placeholder, list(args))
                sym_kwargs = nest.map_structure(placeholder, dict(kwargs))
                if compute is not None:  # the spec sees the cast the call will make
                    sym_args, sym_kwargs = self._convert_inputs(sym_args, sym_kwargs, compute)
                mask = sym_kwargs.get("mask")
                if mask is None:  # the masks the inputs' layers made (Keras's _keras_mask)
                    mask = _mask_placeholders(first)

                def call_kwargs(sym_kwargs):
                    kw = self._call_kwargs(sym_kwargs)
                    if mask is not None and "mask" not in sym_kwargs and \
                            self._call_accepts("mask"):
                        kw["mask"] = mask
                    return kw
                try:
                    out = self.call(*sym_args, **call_kwargs(sym_kwargs))
                except Exception:
                    if not any(isinstance(t, KerasTensor) and t.ragged
                               for t in nest.flatten((args, kwargs))):
                        raise
                    # A layer without a ragged path still gets a spec from dense stand-ins
                    # (its output is then recorded as not ragged); the call on real data
                    # decides whether the layer takes the RaggedTensor.
                    dense = functools.partial(placeholder, ragged=False)
                    sym_args = nest.map_structure(dense, list(args))
                    sym_kwargs = nest.map_structure(dense, dict(kwargs))
                    if compute is not None:
                        sym_args, sym_kwargs = self._convert_inputs(sym_args, sym_kwargs, compute)
                    out = self.call(*sym_args, **call_kwargs(sym_kwargs))
                out_mask = self.compute_mask(sym_args[0], mask)
        except InvalidArgumentError as e:
            raise InvalidArgumentError(
                f"Layer {self.name!r} ({type(self).__name__}) cannot be called on inputs "
                f"{_describe_inputs(first)}: {e}") from None
        finally:
            context.tapes = saved_tapes
            _call_state.depth, _call_state.discard, _call_state.in_layer = saved_state
        index = len(self._inbound_nodes)
        flat = nest.flatten(out)
        keras_out = []
        from graphflow.ops.ragged import RaggedTensor
        for i, t in enumerate(flat):
            if isinstance(t, RaggedTensor):
                keras_out.append(KerasTensor(t.shape, t.dtype, f"{self.name}/out{i}",
                                             (self, index, i), ragged=True))
            elif getattr(t, "_composite_components", None) is not None:  # a SparseTensor
                keras_out.append(KerasTensor(t.shape, t.dtype, f"{self.name}/out{i}",
                                             (self, index, i), sparse=True))
            elif isinstance(t, (SymbolicTensor, EagerTensor, Variable)):
                keras_out.append(KerasTensor(t.shape, t.dtype, f"{self.name}/out{i}",
                                             (self, index, i)))
            else:
                keras_out.append(t)
        outputs = nest.pack_sequence_as(out, keras_out)
        _record_mask_specs(keras_out, out_mask)
        self._inbound_nodes.append(Node(self, list(args), dict(kwargs), outputs))
        self._last_output_shape = nest.map_structure(lambda t: t.shape, outputs) \
            if nest.is_nested(outputs) else outputs.shape
        return outputs

    def compute_mask(self, inputs, mask=None):
        """The mask of this layer's output: the input mask if the layer supports masking,
        else None (Keras 3)."""
        return mask if self.supports_masking else None

    def compute_output_shape(self, input_shape):
        """The output shape for an input shape (batch None allowed), by tracing call()."""
        if nest.is_nested(input_shape) and not _is_shape_tuple(input_shape):
            inputs = nest.map_structure(lambda s: KerasTensor(s), input_shape)
        else:
            inputs = KerasTensor(input_shape)
        out = self._functional_call([inputs], {})
        self._inbound_nodes.pop()
        return nest.map_structure(lambda t: t.shape, out) if nest.is_nested(out) else out.shape

    # -- functional-graph accessors ------------------------------------------------------------
    @property
    def input(self):
        if not self._inbound_nodes:
            raise InvalidArgumentError(
                f"Layer {self.name!r} has never been called and thus has no defined input")
        node = self._inbound_nodes[0]
        return node.args[0]

    @property
    def output(self):
        if not self._inbound_nodes:
            raise InvalidArgumentError(
                f"Layer {self.name!r} has never been called and thus has no defined output")
        return self._inbound_nodes[0].outputs

    @property
    def input_shape(self):
        return nest.map_structure(lambda t: t.shape, self.input) if nest.is_nested(self.input) \
            else self.input.shape

    @property
    def output_shape(self):
        out = self.output
        return nest.map_structure(lambda t: t.shape, out) if nest.is_nested(out) else out.shape

    # -- configuration -------------------------------------------------------------------------
    def get_config(self):
        config = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}
        if self._batch_input_shape is not None:
            config["batch_input_shape"] = list(self._batch_input_shape)
        if self.activity_regularizer is not None:
            from graphflow.keras import regularizers
            config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


def _as_shapes(shape):
    """A TensorShape for a shape tuple/list, a nest of them for several inputs."""
    if shape is None or isinstance(shape, TensorShape):
        return shape
    if _is_shape_tuple(shape):
        return TensorShape(shape)
    if isinstance(shape, dict):
        return {k: _as_shapes(v) for k, v in shape.items()}
    if isinstance(shape, (list, tuple)):
        return type(shape)(_as_shapes(v) for v in shape)
    return shape


def _is_shape_tuple(value):
    return isinstance(value, (list, tuple, TensorShape)) and all(
        d is None or isinstance(d, (int, np.integer)) for d in value)


def _describe_inputs(x):
    flat = nest.flatten(x)
    return ", ".join(f"{getattr(t, 'dtype', type(t)).name if hasattr(getattr(t, 'dtype', None), 'name') else type(t).__name__}"
                     f"{tuple(t.shape.as_list()) if hasattr(t, 'shape') and t.shape.rank is not None else ''}"
                     for t in flat)


def _unique(variables):
    seen, out = set(), []
    for v in variables:
        if id(v) not in seen:
            seen.add(id(v))
            out.append(v)
    return out


class InputLayer(Layer):
    """The layer behind `Input`: it produces the model's input KerasTensor."""

    def __init__(self, input_shape=None, batch_size=None, dtype=None, name=None, sparse=False,
                 batch_input_shape=None, ragged=False, **kwargs):
        if batch_input_shape is None:
            if input_shape is None:
                raise InvalidArgumentError("InputLayer: pass shape= (input_shape) or batch_input_shape=")
            batch_input_shape = (batch_size,) + tuple(input_shape)
        super().__init__(name=name or unique_name("input_layer"), dtype=dtype, **kwargs)
        self.sparse = bool(sparse)
        self.ragged = bool(ragged)
        self._batch_input_shape = tuple(batch_input_shape)
        self.built = True
        tensor = KerasTensor(self._batch_input_shape, self.dtype, self.name, (self, 0, 0),
                             sparse=self.sparse, ragged=self.ragged)
        self._inbound_nodes.append(Node(self, [], {}, tensor))

    def get_config(self):
        config = {"batch_input_shape": list(self._batch_input_shape), "dtype": self.dtype,
                  "name": self.name}
        if self.sparse:
            config["sparse"] = True
        if self.ragged:
            config["ragged"] = True
        return config


def Input(shape=None, batch_size=None, name=None, dtype=None, batch_shape=None, tensor=None,
          sparse=None, ragged=None, **kwargs):  # noqa: N802 - Keras's function name
    """A symbolic input for a functional model.

        >>> keras.Input(shape=(28, 28)).shape
        TensorShape([None, 28, 28])
    """
    if shape is None and batch_shape is None:
        raise InvalidArgumentError("Input: pass shape= (without the batch dimension)")
    if shape is not None and not isinstance(shape, (list, tuple)):
        if isinstance(shape, (int, np.integer)):
            shape = (int(shape),)
        else:
            raise InvalidArgumentError(f"Input: shape must be a tuple, got {shape!r}")
    for dims in (shape, batch_shape):
        if dims is not None and any(isinstance(d, (int, np.integer)) and d < 0 for d in dims):
            raise InvalidArgumentError(f"Input: cannot convert '{tuple(dims)}' to a shape. "
                                       "Negative dimensions are not allowed.")
    layer = InputLayer(input_shape=shape, batch_size=batch_size, name=name, dtype=dtype,
                       batch_input_shape=batch_shape, sparse=bool(sparse), ragged=bool(ragged))
    return layer._inbound_nodes[0].outputs
