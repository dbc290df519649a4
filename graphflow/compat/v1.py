"""compat.v1: the TF1 namespace (`import graphflow.compat.v1 as tf`): graphs, placeholders and
Sessions, variable scopes and get_variable, tf.layers, tf.losses, tf.train optimizers, and TF1's
names for ops (tf.log, tf.to_float, keep_dims=...). Any other name is graphflow's own
(tf.float32, tf.constant, tf.matmul, tf.nn.*, ...), as TF1 and TF2 share them.

    >>> import graphflow as tf
    >>> tf1 = tf.compat.v1
    >>> g = tf.Graph()
    >>> with g.as_default():
    ...     x = tf1.placeholder(tf.float32, shape=[None], name="x")
    ...     y = tf.reduce_sum(x * x)
    >>> with tf1.Session(graph=g) as sess:
    ...     float(sess.run(y, feed_dict={x: [1.0, 2.0]}))
    5.0
"""
from graphflow import dtypes
from graphflow.context import context
from graphflow.errors import InvalidArgumentError
from graphflow.graph.ir import Graph, get_default_graph, name_scope, reset_default_graph  # noqa: F401
from graphflow.graph.session import Session, get_default_session  # noqa: F401
from graphflow.graph.variables import (  # noqa: F401
    global_variables, global_variables_initializer, trainable_variables, variables_initializer)
from graphflow.ops.grouping import (  # noqa: F401
    control_dependencies, group, init_scope, no_op, tuple)
from graphflow.tensor import Variable  # noqa: F401
from graphflow.compat import layers, losses, train  # noqa: F401
from graphflow.compat.variable_scope import (  # noqa: F401
    AUTO_REUSE, VariableScope, constant_initializer, get_variable, get_variable_scope,
    glorot_normal_initializer, glorot_uniform_initializer, ones_initializer,
    random_normal_initializer, random_uniform_initializer, truncated_normal_initializer,
    variable_scope, variance_scaling_initializer, zeros_initializer)
# control flow in TF1 graphs (issue 15): the same functions as tf.cond, tf.while_loop, ...
from graphflow.ops.api import (  # noqa: F401
    Assert, TensorArray, case, cond, print, switch_case, while_loop)  # noqa: A004
from graphflow.ops.tensor_proto import parse_tensor, serialize_tensor  # noqa: F401 - TF1 top level

initialize_all_variables = global_variables_initializer


def disable_eager_execution():
    """From now on, ops build into the default graph until enable_eager_execution()."""
    context.eager_disabled = True
    context.graph = get_default_graph()


def enable_eager_execution(config=None, device_policy=None, execution_mode=None):
    context.eager_disabled = False
    if context.graph is context.default_graph:
        context.graph = None


def disable_v2_behavior():
    disable_eager_execution()


def enable_v2_behavior():
    enable_eager_execution()


def executing_eagerly():
    return context.graph is None


def placeholder(dtype, shape=None, name=None):
    """A graph input that must be fed through Session.run's feed_dict.

        >>> with tf.Graph().as_default():
        ...     x = tf.compat.v1.placeholder(tf.float32, name="a")
        >>> x
        <tf.Tensor 'a:0' shape=<unknown> dtype=float32>
    """
    from graphflow.ops.creation import placeholder_node
    from graphflow.tensor import as_shape
    if context.graph is None:
        raise InvalidArgumentError(
            "placeholder() is not compatible with eager execution: call "
            "compat.v1.disable_eager_execution() first or build inside `with Graph().as_default()`")
    dims = as_shape(shape).dims_tuple()
    return placeholder_node(dims, dtypes.as_dtype(dtype), name or "Placeholder")


def gradients(ys, xs, grad_ys=None, name="gradients", colocate_gradients_with_ops=False,
              gate_gradients=False, aggregation_method=None, stop_gradients=None,
              unconnected_gradients="none"):
    """Symbolic d(sum(ys))/d(x) for each x of xs, a list (as TF1), built into the graph from
    the ops' gradient rules."""
    from graphflow.autodiff import gradients as graph_gradients
    return graph_gradients(ys, xs, grad_ys, name, gate_gradients, aggregation_method,
                           stop_gradients, unconnected_gradients)


# -- variable updates by index (tf.compat.v1.scatter_*) -------------------------------------------
from graphflow.ops.variable_updates import scatter_function, scatter_nd_function  # noqa: E402

scatter_update, scatter_add, scatter_sub = (scatter_function(k) for k in ("update", "add", "sub"))
scatter_max, scatter_min = scatter_function("max"), scatter_function("min")
scatter_nd_update, scatter_nd_add, scatter_nd_sub = (
    scatter_nd_function(k) for k in ("update", "add", "sub"))


# -- sessions ------------------------------------------------------------------------------------
class InteractiveSession(Session):
    """A Session that makes itself the default on creation (t.eval() and op.run() work
    without a `with` block) until it is closed."""

    def __init__(self, target="", graph=None, config=None):
        super().__init__(target, graph, config)
        self._previous_default = context.default_session
        context.default_session = self

    def close(self):
        if context.default_session is self:
            context.default_session = self._previous_default
        super().close()


class ConfigProto:
    """Session options (accepted; graphflow has no per-session threading or placement knobs)."""

    def __init__(self, **kwargs):
        self.__dict__.update({"allow_soft_placement": False, "log_device_placement": False,
                              "gpu_options": GPUOptions()})
        self.__dict__.update(kwargs)


class GPUOptions:
    def __init__(self, **kwargs):
        self.allow_growth = False
        self.per_process_gpu_memory_fraction = 1.0
        self.__dict__.update(kwargs)


# -- collections -----------------------------------------------------------------------------
class GraphKeys:
    GLOBAL_VARIABLES = "variables"
    TRAINABLE_VARIABLES = "trainable_variables"
    LOCAL_VARIABLES = "local_variables"
    MODEL_VARIABLES = "model_variables"
    UPDATE_OPS = "update_ops"
    LOSSES = "losses"
    REGULARIZATION_LOSSES = "regularization_losses"
    GLOBAL_STEP = "global_step"
    SUMMARIES = "summaries"
    TRAIN_OP = "train_op"
    VARIABLES = GLOBAL_VARIABLES


def _scoped(items, scope):
    if scope is None:
        return items
    import re
    pattern = re.compile(scope)
    return [x for x in items if pattern.match(getattr(x, "name", ""))]


def get_collection(key, scope=None):
    """The items of a graph collection (filtered by a name regex `scope`)."""
    return _scoped(get_default_graph().get_collection(key), scope)


def get_collection_ref(key):
    return get_default_graph().collections.setdefault(key, [])


def add_to_collection(name, value):
    get_default_graph().add_to_collection(name, value)


def add_to_collections(names, value):
    for name in ([names] if isinstance(names, str) else names):
        add_to_collection(name, value)


def trainable_variables(scope=None):  # noqa: F811 - compat.v1 adds the scope filter
    from graphflow.graph import variables
    return _scoped(variables.trainable_variables(), scope)


def global_variables(scope=None):  # noqa: F811
    from graphflow.graph import variables
    return _scoped(variables.global_variables(), scope)


def local_variables(scope=None):
    return get_collection(GraphKeys.LOCAL_VARIABLES, scope)


def local_variables_initializer():
    """The op initializing the LOCAL_VARIABLES collection."""
    return variables_initializer(local_variables(), name="init_1")


def tables_initializer(name="init_all_tables"):
    """The op TF1 runs to fill its lookup tables. graphflow's tables (graphflow.lookup) hold
    their contents from the moment they are built, so there is nothing left to run: a no_op."""
    return no_op(name=name)


def model_variables(scope=None):
    return get_collection(GraphKeys.MODEL_VARIABLES, scope)


class _Initializers:
    """tf.initializers: the variable-initializer ops and the TF1 initializer names."""
    global_variables = staticmethod(global_variables_initializer)
    local_variables = staticmethod(local_variables_initializer)
    variables = staticmethod(variables_initializer)
    zeros = staticmethod(zeros_initializer)
    ones = staticmethod(ones_initializer)
    constant = staticmethod(constant_initializer)
    random_normal = staticmethod(random_normal_initializer)
    random_uniform = staticmethod(random_uniform_initializer)
    truncated_normal = staticmethod(truncated_normal_initializer)
    glorot_uniform = staticmethod(glorot_uniform_initializer)
    glorot_normal = staticmethod(glorot_normal_initializer)
    variance_scaling = staticmethod(variance_scaling_initializer)


initializers = _Initializers()


def placeholder_with_default(input, shape, name=None):  # noqa: A002 - TF's name
    """A tensor with `input`'s value unless a value is fed for it in Session.run."""
    from graphflow.ops.api import convert_to_tensor, identity
    from graphflow.tensor import as_shape
    value = convert_to_tensor(input)
    if not as_shape(shape).is_compatible_with(value.shape):
        raise InvalidArgumentError(
            f"placeholder_with_default: default value of shape {value.shape} does not match "
            f"the shape {as_shape(shape)}")
    out = identity(value, name=name or "PlaceholderWithDefault")
    if context.graph is not None:
        # The declared shape, which may be less specific than the default's (fed values of
        # other sizes are allowed, as for a placeholder).
        out._shape = as_shape(shape)
    return out


# -- TF1 names and argument spellings of TF2 ops ---------------------------------------------------
def _axis(axis, reduction_indices, op):
    if reduction_indices is not None:
        if axis is not None:
            raise InvalidArgumentError(f"{op}: cannot specify both 'axis' and 'reduction_indices'")
        return reduction_indices
    return axis


def _keep(keepdims, keep_dims, op):
    if keep_dims is not None:
        if keepdims is not None:
            raise InvalidArgumentError(f"{op}: cannot specify both 'keepdims' and 'keep_dims'")
        return bool(keep_dims)
    return bool(keepdims)


def _v1_reduction(fn):
    def reduce(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
               keep_dims=None):
        return fn(input_tensor, _axis(axis, reduction_indices, fn.__name__),
                  _keep(keepdims, keep_dims, fn.__name__), name=name)
    reduce.__name__ = fn.__name__
    reduce.__doc__ = f"TF1's {fn.__name__}: also reduction_indices= and keep_dims=."
    return reduce


from graphflow.ops import api as _api  # noqa: E402

reduce_sum, reduce_mean, reduce_max, reduce_min, reduce_prod, reduce_all, reduce_any, \
    reduce_logsumexp = (_v1_reduction(getattr(_api, n)) for n in (
        "reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod", "reduce_all",
        "reduce_any", "reduce_logsumexp"))


def argmax(input, axis=None, name=None, dimension=None, output_type=dtypes.int64):  # noqa: A002
    axis = dimension if dimension is not None else (0 if axis is None else axis)
    return _api.argmax(input, axis, output_type=output_type, name=name)


def argmin(input, axis=None, name=None, dimension=None, output_type=dtypes.int64):  # noqa: A002
    axis = dimension if dimension is not None else (0 if axis is None else axis)
    return _api.argmin(input, axis, output_type=output_type, name=name)


arg_max, arg_min = argmax, argmin
log = _api.log


def div(x, y, name=None):
    """TF1's Python-2 division: floor division for integers, true division for floats."""
    x, y = _api.convert_to_tensor(x), _api.convert_to_tensor(y)
    if x.dtype.is_floating or y.dtype.is_floating:
        return _api.truediv(x, y, name=name)
    return _api.floordiv(x, y, name=name)


def to_float(x, name="ToFloat"):
    return _api.cast(x, dtypes.float32)


def to_double(x, name="ToDouble"):
    return _api.cast(x, dtypes.float64)


def to_int32(x, name="ToInt32"):
    return _api.cast(x, dtypes.int32)


def to_int64(x, name="ToInt64"):
    return _api.cast(x, dtypes.int64)


def random_normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    return _api.random.normal(shape, mean, stddev, dtype, seed)


def random_uniform(shape, minval=0, maxval=None, dtype=dtypes.float32, seed=None, name=None):
    return _api.random.uniform(shape, minval, maxval, dtype, seed)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    return _api.random.truncated_normal(shape, mean, stddev, dtype, seed)


def random_shuffle(value, seed=None, name=None):
    return _api.random.shuffle(value, seed)


def set_random_seed(seed):
    """TF1's name for tf.random.set_seed."""
    _api.random.set_seed(seed)


def assign(ref, value, validate_shape=None, use_locking=None, name=None):
    return ref.assign(value, name=name)


def assign_add(ref, value, use_locking=None, name=None):
    return ref.assign_add(value, name=name)


def assign_sub(ref, value, use_locking=None, name=None):
    return ref.assign_sub(value, name=name)


def _io_namespace(name):
    """compat.v1.io (tf.io plus tf_record_iterator and TFRecordCompressionType) and
    compat.v1.python_io (TF1's TFRecord names)."""
    import types
    from graphflow import io
    from graphflow.io import tfrecord
    names = dict(TFRecordWriter=tfrecord.TFRecordWriter, TFRecordOptions=tfrecord.TFRecordOptions,
                 TFRecordCompressionType=tfrecord.TFRecordCompressionType,
                 tf_record_iterator=tfrecord.tf_record_iterator)
    if name == "io":
        names.update({k: v for k, v in vars(io).items() if not k.startswith("_")})
    return types.SimpleNamespace(**names)


def __getattr__(name):
    """Every other name is graphflow's (TF1 and TF2 share them: tf.float32, tf.constant...)."""
    import graphflow
    if name.startswith("__"):
        raise AttributeError(name)
    if name == "nn":
        from graphflow.compat import nn as value
    elif name in ("io", "python_io"):
        value = _io_namespace(name)
    elif name == "logging":
        from graphflow.compat import tf_logging as value
    elif name == "sets":  # TF1 also names them set_union, set_size, ...
        import types
        from graphflow import sets
        value = types.SimpleNamespace(**{k: getattr(sets, k) for k in sets.__all__},
                                      **{f"set_{k}": getattr(sets, k) for k in sets.__all__})
    else:
        try:
            value = getattr(graphflow, name)
        except AttributeError:
            raise AttributeError(
                f"module 'graphflow.compat.v1' has no attribute {name!r} (not in TF1's namespace "
                "as graphflow implements it)") from None
    globals()[name] = value
    return value


# -- sparse tensors: TF1's names (tf.sparse_*), sparse_placeholder and SparseTensorValue -----------
from graphflow.ops import sparse as _sparse  # noqa: E402

SparseTensor, SparseTensorValue = _sparse.SparseTensor, _sparse.SparseTensorValue


def sparse_placeholder(dtype, shape=None, name=None):
    """A SparseTensor of three placeholders (indices, values, dense_shape), fed in
    Session.run with a SparseTensorValue or an (indices, values, dense_shape) triple; with a
    fully known shape the dense_shape defaults to it.

        >>> with tf.Graph().as_default():
        ...     sp = tf.compat.v1.sparse_placeholder(tf.float32, [3, 4])
        >>> sp.shape, sp.indices.shape
        (TensorShape([3, 4]), TensorShape([None, 2]))
    """
    from graphflow.tensor import as_shape
    name = name or "SparsePlaceholder"
    shape = as_shape(shape)
    rank = shape.rank
    values = placeholder(dtype, [None], f"{name}/values")
    indices = placeholder(dtypes.int64, [None, rank], f"{name}/indices")
    if shape.is_fully_defined():
        dense_shape = placeholder_with_default(_api.constant(shape.as_list(), dtypes.int64),
                                               [rank], f"{name}/shape")
    else:
        dense_shape = placeholder(dtypes.int64, [rank], f"{name}/shape")
    sp = SparseTensor(indices, values, dense_shape)
    sp.set_shape(shape)
    return sp


def sparse_to_dense(sparse_indices, output_shape, sparse_values, default_value=0,
                    validate_indices=True, name=None):
    """TF1's dense tensor from index rows (a scalar or vector for 1-D outputs) and values (a
    scalar is used for every index)."""
    indices = _api.cast(_api.convert_to_tensor(sparse_indices), dtypes.int64)
    if indices.shape.rank == 0:
        indices = _api.reshape(indices, [1, 1])
    elif indices.shape.rank == 1:
        indices = _api.expand_dims(indices, 1)
    values = _api.convert_to_tensor(sparse_values)
    if values.shape.rank == 0:
        values = _api.fill(_api.shape(indices)[:1], values)
    shape = _api.cast(_api.reshape(_api.convert_to_tensor(output_shape), [-1]), dtypes.int64)
    default = _api.cast(default_value, values.dtype) if not hasattr(default_value, "dtype") \
        else default_value
    return _sparse.to_dense(SparseTensor(indices, values, shape), default, validate_indices)


def sparse_add(a, b, threshold=None, thresh=None):
    return _sparse.add(a, b, threshold if threshold is not None else (thresh or 0))


def sparse_concat(axis, sp_inputs, name=None, expand_nonconcat_dim=False, concat_dim=None,
                  expand_nonconcat_dims=None):
    axis = concat_dim if concat_dim is not None else axis
    expand = expand_nonconcat_dims if expand_nonconcat_dims is not None else expand_nonconcat_dim
    return _sparse.concat(axis, sp_inputs, expand)


def _v1_sparse_reduction(fn, output_is_sparse):
    def reduce(sp_input, axis=None, keepdims=None, reduction_axes=None, keep_dims=None):
        return fn(sp_input, _axis(axis, reduction_axes, fn.__name__),
                  _keep(keepdims, keep_dims, fn.__name__), output_is_sparse)
    reduce.__doc__ = f"TF1's sparse {fn.__name__}: also reduction_axes= and keep_dims=."
    return reduce


sparse_reduce_sum = _v1_sparse_reduction(_sparse.reduce_sum, False)
sparse_reduce_sum_sparse = _v1_sparse_reduction(_sparse.reduce_sum, True)
sparse_reduce_max = _v1_sparse_reduction(_sparse.reduce_max, False)
sparse_reduce_max_sparse = _v1_sparse_reduction(_sparse.reduce_max, True)


def sparse_split(keyword_required=None, sp_input=None, num_split=None, axis=None, name=None,
                 split_dim=None):
    return _sparse.split(sp_input, num_split, split_dim if split_dim is not None else axis)


def _v1_segment(fn):
    def segment(data, indices, segment_ids, name=None, num_segments=None):
        return fn(data, indices, segment_ids, num_segments)
    segment.__doc__ = f"TF1's sparse_{fn.__name__}."
    return segment


sparse_segment_sum, sparse_segment_mean, sparse_segment_sqrt_n = (
    _v1_segment(f) for f in (_sparse.segment_sum, _sparse.segment_mean, _sparse.segment_sqrt_n))
sparse_tensor_to_dense = _sparse.to_dense
sparse_tensor_dense_matmul = _sparse.sparse_dense_matmul
sparse_reorder, sparse_reshape, sparse_retain = _sparse.reorder, _sparse.reshape, _sparse.retain
sparse_slice, sparse_softmax, sparse_transpose = _sparse.slice, _sparse.softmax, _sparse.transpose
sparse_fill_empty_rows, sparse_to_indicator = _sparse.fill_empty_rows, _sparse.to_indicator
sparse_maximum, sparse_minimum = _sparse.maximum, _sparse.minimum
