"""Ordering and grouping ops: tf.control_dependencies, tf.no_op, tf.group, tf.tuple and
tf.init_scope.

Eagerly, ops run in program order anyway, so control_dependencies is a no-op context (callables
among its inputs are called, as TF does) and no_op / group return None. In a graph, nodes built
inside `control_dependencies(deps)` carry `deps` as control inputs: a Session that runs them
runs the deps first (graph/ir.py `control_closure`), which is how TF1 code ties a batch-norm
update or an assert to a result. Inside a graphflow.function every stateful op runs anyway, in
program order (TF's automatic control dependencies).

    >>> import graphflow as tf
    >>> g = tf.Graph()
    >>> with g.as_default():
    ...     v = tf.compat.v1.Variable(0.0)
    ...     update = v.assign_add(5.0)
    ...     with tf.control_dependencies([update]):
    ...         seen = tf.identity(v.read_value())
    ...     init = tf.compat.v1.global_variables_initializer()
    >>> with tf.compat.v1.Session(graph=g) as sess:
    ...     sess.run(init)
    ...     float(sess.run(seen))
    5.0
"""
import contextlib

from graphflow.context import context
from graphflow.ops.registry import dispatch
from graphflow.ops.state import GROUP
from graphflow.tensor import SymbolicTensor


def _graph_of(values):
    if context.graph is not None:
        return context.graph
    for v in values:
        if isinstance(v, SymbolicTensor):
            return v.node.graph
        graph = getattr(v, "graph", None)  # a Node
        if graph is not None and hasattr(graph, "control_dependencies"):
            return graph
    return None


def control_dependencies(control_inputs):
    """A context in which new ops of the graph being built run after `control_inputs`.

        >>> with tf.control_dependencies([tf.constant(1.0)]):
        ...     float(tf.constant(2.0) + 1.0)
        3.0
    """
    graph = _graph_of(control_inputs or [])
    if graph is None:
        for c in control_inputs or []:
            if callable(c):
                c()
        return contextlib.nullcontext()
    return graph.control_dependencies(control_inputs)


def no_op(name=None):
    """An op that does nothing (what tf.group returns); None eagerly."""
    if context.graph is None:
        return None
    return dispatch(GROUP, (), {}, name or "NoOp")


def group(*inputs, name=None):
    """One op that runs all of `inputs` (ops or tensors) when run; None eagerly.

        >>> tf.group(tf.constant(1.0), tf.constant(2.0)) is None
        True
    """
    flat = [x for x in _flatten(inputs) if x is not None]
    graph = _graph_of(flat)
    if graph is None:
        return None
    with graph.as_default(), graph.control_dependencies(flat):
        return dispatch(GROUP, (), {}, name or "group_deps")


def tuple(tensors, name=None, control_inputs=None):  # noqa: A001 - TF's name
    """The tensors, each made to wait for all of them (and `control_inputs`) in a graph.

        >>> [float(t) for t in tf.tuple([tf.constant(1.0), tf.constant(2.0)])]
        [1.0, 2.0]
    """
    tensors = list(tensors)
    deps = [t for t in tensors if t is not None] + list(control_inputs or [])
    graph = _graph_of(deps)
    if graph is None:
        return tensors
    from graphflow.ops.elementwise import identity
    with graph.as_default(), graph.control_dependencies(deps):
        return [None if t is None else identity(t) for t in tensors]


def _flatten(values):
    from graphflow.utils import nest
    return nest.flatten(list(values))


@contextlib.contextmanager
def init_scope():
    """Lifts the ops built inside it out of function graphs being traced (to the enclosing
    compat.v1 graph, or to eager execution), with gradient tapes paused and control
    dependencies cleared, as TF's init_scope does: where Keras and tf.Module create variables.

        >>> @tf.function
        ... def f(x):
        ...     with tf.init_scope():
        ...         eager = tf.executing_eagerly()
        ...     return x + 1.0, eager
        >>> f(tf.constant(1.0))[1].numpy()
        True
    """
    graph = context.graph
    while graph is not None and getattr(graph, "is_function", False):
        graph = graph.outer
    saved = context.graph, context.tapes, context.control_stack
    context.graph, context.tapes, context.control_stack = graph, [], []
    try:
        yield
    finally:
        context.graph, context.tapes, context.control_stack = saved


def get_logger():
    """graphflow's logger (TF's tf.get_logger() is TensorFlow's): `tf.get_logger().setLevel(...)`."""
    import logging
    return logging.getLogger("graphflow")


