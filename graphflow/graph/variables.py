"""Variables created while a compat.v1 graph is being built: uninitialized until their
initializer (an assign node) runs; global_variables_initializer() groups every initializer.

    >>> import graphflow as tf
    >>> g = tf.Graph()
    >>> with g.as_default():
    ...     v = tf.Variable(1.0)
    ...     init = tf.compat.v1.global_variables_initializer()
    >>> with tf.compat.v1.Session(graph=g) as sess:
    ...     _ = sess.run(init)
    ...     float(sess.run(v))
    1.0
"""
from graphflow.errors import InvalidArgumentError
from graphflow.tensor import Tensor, Variable, as_shape

GLOBAL_VARIABLES = "variables"
TRAINABLE_VARIABLES = "trainable_variables"


def init_graph_variable(var, graph, initial_value, name, dtype, shape):
    from graphflow.graph.builder import to_graph
    from graphflow.ops import creation, state
    if callable(initial_value):
        initial_value = initial_value()
    with graph.as_default():
        if isinstance(initial_value, Variable):
            initial_value = initial_value.value()
        init = to_graph(initial_value, graph) if isinstance(initial_value, Tensor) \
            else creation.constant(initial_value, dtype)
        if dtype is not None and init.dtype is not dtype:
            from graphflow.ops.elementwise import cast
            init = cast(init, dtype)
    var._name = graph.unique_name(name or "Variable")
    var._dtype = init.dtype
    var._shape = init.shape if shape is None else as_shape(shape)
    if not var._shape.is_compatible_with(init.shape):
        raise InvalidArgumentError(
            f"Variable {var._name!r}: initial value shape {init.shape} does not match {var._shape}")
    var._graph = graph
    var._initial_value = init
    from graphflow.context import context
    if context.device_stack and context.device_stack[-1].is_gpu:  # TF pins it like its ops
        var._dev = context.device_stack[-1]
    with graph.as_default():
        var._initializer_op = state.assign(var, init, name=f"{var._name}/Assign").node
    graph.add_to_collection(GLOBAL_VARIABLES, var)
    if var.trainable:
        graph.add_to_collection(TRAINABLE_VARIABLES, var)


def set_collections(var, collections):
    """Puts a graph variable in exactly `collections` (TF1's Variable(collections=...)), plus
    TRAINABLE_VARIABLES when it is trainable."""
    graph = var._graph
    keys = set(collections) | ({TRAINABLE_VARIABLES} if var.trainable else set())
    for key in (GLOBAL_VARIABLES, TRAINABLE_VARIABLES):
        if key not in keys:
            graph.collections[key] = [v for v in graph.collections.get(key, []) if v is not var]
    for key in keys - {GLOBAL_VARIABLES, TRAINABLE_VARIABLES}:
        graph.add_to_collection(key, var)


def global_variables(graph=None):
    from graphflow.graph.ir import get_default_graph
    return (graph or get_default_graph()).get_collection(GLOBAL_VARIABLES)


def trainable_variables(graph=None):
    from graphflow.graph.ir import get_default_graph
    return (graph or get_default_graph()).get_collection(TRAINABLE_VARIABLES)


def global_variables_initializer():
    """The op that initializes every variable of the default graph."""
    return variables_initializer(global_variables())


def variables_initializer(var_list, name="init"):
    from graphflow.ops.grouping import group
    if not var_list:
        from graphflow.graph.ir import get_default_graph
        graph = get_default_graph()
        with graph.as_default():
            return group(name=name)
    return group(*[v.initializer for v in var_list], name=name)

