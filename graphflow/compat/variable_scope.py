"""compat.v1 variable sharing: tf.variable_scope, tf.get_variable, AUTO_REUSE, and the TF1
initializer names.

get_variable names variables by the enclosing variable scopes ("layer1/w") and keeps them in a
store per graph (per thread eagerly), so a second get_variable of the same name inside a scope
with reuse=True (or AUTO_REUSE) returns the same Variable; without reuse it is an error, as in
TF1. variable_scope also opens a name scope of the same name for the ops built inside it.

    >>> tf1 = tf.compat.v1
    >>> with tf.Graph().as_default():
    ...     with tf1.variable_scope("layer"):
    ...         w = tf1.get_variable("w", [2], initializer=tf1.zeros_initializer())
    ...     with tf1.variable_scope("layer", reuse=True):
    ...         again = tf1.get_variable("w")
    >>> w.name, again is w
    ('layer/w:0', True)
"""
import contextlib
import threading

from graphflow import dtypes
from graphflow.context import context
from graphflow.errors import InvalidArgumentError


class _ReuseMode:
    def __repr__(self):
        return "AUTO_REUSE"


AUTO_REUSE = _ReuseMode()


class VariableScope:
    """A variable scope's settings: name, reuse, and defaults for get_variable."""

    def __init__(self, reuse, name="", initializer=None, regularizer=None, dtype=dtypes.float32,
                 constraint=None):
        self._name, self._reuse = name, reuse
        self._initializer, self._regularizer = initializer, regularizer
        self._dtype, self._constraint = dtypes.as_dtype(dtype), constraint

    @property
    def name(self):
        return self._name

    @property
    def original_name_scope(self):
        return self._name + "/" if self._name else ""

    @property
    def reuse(self):
        return self._reuse

    @property
    def initializer(self):
        return self._initializer

    @property
    def dtype(self):
        return self._dtype

    def reuse_variables(self):
        """From now on get_variable in this scope returns existing variables."""
        self._reuse = True

    def set_initializer(self, initializer):
        self._initializer = initializer

    def get_variable(self, name, *args, **kwargs):
        with variable_scope(self):
            return get_variable(name, *args, **kwargs)


class _Store:
    """Variables made by get_variable, by full name, and counters for default scope names."""

    def __init__(self):
        self.variables = {}
        self.default_names = {}


_eager_state = threading.local()


def _state():
    """(scope stack, store) of the current graph, or of this thread when eager."""
    graph = context.graph
    holder = graph if graph is not None else _eager_state
    if not hasattr(holder, "_v1_var_scopes"):
        holder._v1_var_scopes = [VariableScope(False)]
        holder._v1_var_store = _Store()
    return holder._v1_var_scopes, holder._v1_var_store


def get_variable_scope():
    """The innermost active VariableScope."""
    return _state()[0][-1]


@contextlib.contextmanager
def variable_scope(name_or_scope, default_name=None, values=None, initializer=None,
                   regularizer=None, caching_device=None, partitioner=None, custom_getter=None,
                   reuse=None, dtype=None, use_resource=None, constraint=None,
                   auxiliary_name_scope=True):
    """Prefixes get_variable names (and op names) with a scope; reuse=True / AUTO_REUSE
    shares the variables already created in it. Reuse is inherited by inner scopes."""
    from graphflow.graph.ir import name_scope
    scopes, store = _state()
    parent = scopes[-1]
    if reuse is False:
        reuse = None  # as TF: False means "inherit"
    if isinstance(name_or_scope, VariableScope):
        full = name_or_scope.name
        base = name_or_scope
    elif name_or_scope is not None:
        if not isinstance(name_or_scope, str):
            raise InvalidArgumentError(
                f"variable_scope: name_or_scope must be a string or VariableScope, got "
                f"{type(name_or_scope).__name__}")
        full = f"{parent.name}/{name_or_scope}" if parent.name else name_or_scope
        base = parent
    else:
        if default_name is None:
            raise InvalidArgumentError(
                "variable_scope: if default_name is None then name_or_scope is required")
        stem = f"{parent.name}/{default_name}" if parent.name else default_name
        count = store.default_names.get(stem, 0)
        store.default_names[stem] = count + 1
        full = stem if count == 0 else f"{stem}_{count}"
        base = parent
    inherited = base.reuse if isinstance(name_or_scope, VariableScope) else parent.reuse
    scope = VariableScope(
        True if parent.reuse is True else (reuse if reuse is not None else inherited),
        full,
        initializer if initializer is not None else base.initializer,
        regularizer if regularizer is not None else base._regularizer,
        dtype if dtype is not None else base.dtype,
        constraint if constraint is not None else base._constraint)
    scopes.append(scope)
    try:
        if auxiliary_name_scope:
            with name_scope((full.split("/")[-1]) if full else None):
                yield scope
        else:
            yield scope
    finally:
        scopes.pop()


def _default_initializer(dtype):
    from graphflow.keras import initializers
    if dtype.is_floating:
        return initializers.GlorotUniform()
    return initializers.Zeros()


def get_variable(name, shape=None, dtype=None, initializer=None, regularizer=None,
                 trainable=None, collections=None, caching_device=None, partitioner=None,
                 validate_shape=True, use_resource=None, custom_getter=None, constraint=None,
                 synchronization=None, aggregation=None):
    """The variable `<scope>/<name>`: created (with `initializer`, default glorot_uniform for
    floats) unless the scope reuses, in which case the existing one is returned."""
    from graphflow.tensor import Tensor, Variable
    scopes, store = _state()
    scope = scopes[-1]
    full = f"{scope.name}/{name}" if scope.name else name
    existing = store.variables.get(full)
    if existing is not None:
        if scope.reuse is None or scope.reuse is False:
            raise InvalidArgumentError(
                f"Variable {full} already exists, disallowed. Did you mean to set reuse=True or "
                "reuse=tf.AUTO_REUSE in VarScope?")
        if shape is not None and not existing.shape.is_compatible_with(shape):
            raise InvalidArgumentError(
                f"Trying to share variable {full}, but specified shape {list(shape)} and found "
                f"shape {existing.shape}.")
        if dtype is not None and dtypes.as_dtype(dtype) is not existing.dtype:
            raise InvalidArgumentError(
                f"Trying to share variable {full}, but specified dtype {dtypes.as_dtype(dtype).name}"
                f" and found dtype {existing.dtype.name}.")
        return existing
    if scope.reuse is True:
        raise InvalidArgumentError(
            f"Variable {full} does not exist, or was not created with tf.get_variable(). Did you "
            "mean to set reuse=tf.AUTO_REUSE in VarScope?")
    dtype = dtypes.as_dtype(dtype) if dtype is not None else scope.dtype
    initializer = initializer if initializer is not None else scope.initializer
    if initializer is None:
        initializer = _default_initializer(dtype)
    if isinstance(initializer, (Tensor, Variable)) or not callable(initializer):
        if shape is not None and isinstance(initializer, (Tensor, Variable)) and validate_shape:
            raise InvalidArgumentError(
                f"get_variable {full!r}: if initializer is a constant, do not specify shape")
        value = initializer
    else:
        if shape is None:
            raise InvalidArgumentError(
                f"get_variable {full!r}: the shape of a new variable must be fully defined, "
                "but it is None")
        shape = [int(d) for d in shape]
        value = _call_initializer(initializer, shape, dtype)
    graph = context.graph
    saved = (list(graph._scope) if graph is not None else list(context.eager_scope))
    # get_variable names are absolute (the variable scope), not prefixed by name scopes
    if graph is not None:
        graph._scope[:] = []
    else:
        context.eager_scope[:] = []
    try:
        var = Variable(value, trainable=True if trainable is None else trainable, name=full,
                       dtype=dtype, constraint=constraint, synchronization=synchronization,
                       aggregation=aggregation)
    finally:
        if graph is not None:
            graph._scope[:] = saved
        else:
            context.eager_scope[:] = saved
    store.variables[full] = var
    reg = regularizer if regularizer is not None else scope._regularizer
    if reg is not None and graph is not None:
        with graph.as_default():
            loss = reg(var)
        if loss is not None:
            graph.add_to_collection("regularization_losses", loss)
    if graph is not None and collections is not None:
        from graphflow.graph.variables import set_collections
        set_collections(var, collections)
    return var


def _call_initializer(initializer, shape, dtype):
    try:
        return initializer(shape, dtype=dtype, partition_info=None)
    except TypeError:
        return initializer(shape, dtype=dtype)


# -- TF1 initializer names (TF1's defaults, which differ from Keras's) --------------------------------
def zeros_initializer(dtype=dtypes.float32):
    from graphflow.keras import initializers
    return initializers.Zeros()


def ones_initializer(dtype=dtypes.float32):
    from graphflow.keras import initializers
    return initializers.Ones()


def constant_initializer(value=0, dtype=dtypes.float32, verify_shape=False):
    """Fills with `value` (a scalar, or an array of the variable's shape)."""
    import numpy as np

    class _Constant:
        def __call__(self, shape, dtype=None, partition_info=None):
            from graphflow.ops.creation import constant
            dt = dtypes.as_dtype(dtype or "float32")
            arr = np.asarray(value, dtype=dt.np)
            if arr.ndim == 0:
                return constant(np.full(shape, arr, dt.np))
            if arr.size != int(np.prod(shape)):
                raise InvalidArgumentError(
                    f"constant_initializer: {arr.size} values for a variable of shape {shape}")
            return constant(arr.reshape(shape))
    return _Constant()


def random_normal_initializer(mean=0.0, stddev=1.0, seed=None, dtype=dtypes.float32):
    from graphflow.keras import initializers
    return initializers.RandomNormal(mean, stddev, seed)


def truncated_normal_initializer(mean=0.0, stddev=1.0, seed=None, dtype=dtypes.float32):
    from graphflow.keras import initializers
    return initializers.TruncatedNormal(mean, stddev, seed)


def random_uniform_initializer(minval=0.0, maxval=None, seed=None, dtype=dtypes.float32):
    from graphflow.keras import initializers
    return initializers.RandomUniform(minval, 1.0 if maxval is None else maxval, seed)


def glorot_uniform_initializer(seed=None, dtype=dtypes.float32):
    from graphflow.keras import initializers
    return initializers.GlorotUniform(seed=seed)


def glorot_normal_initializer(seed=None, dtype=dtypes.float32):
    from graphflow.keras import initializers
    return initializers.GlorotNormal(seed=seed)


def variance_scaling_initializer(scale=1.0, mode="fan_in", distribution="truncated_normal",
                                 seed=None, dtype=dtypes.float32):
    from graphflow.keras import initializers
    if distribution == "normal":
        distribution = "truncated_normal"
    return initializers.VarianceScaling(scale, mode, distribution, seed)
