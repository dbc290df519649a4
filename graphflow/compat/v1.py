"""compat.v1: TF1-style graph building and execution.

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
from graphflow.graph.session import InteractiveSession, Session, get_default_session  # noqa: F401
from graphflow.graph.variables import (  # noqa: F401
    global_variables, global_variables_initializer, group, trainable_variables,
    variables_initializer)
from graphflow.tensor import Variable  # noqa: F401
from graphflow.compat import train  # noqa: F401
# control flow in TF1 graphs (issue 15): the same functions as tf.cond, tf.while_loop, ...
from graphflow.ops.api import (  # noqa: F401
    Assert, TensorArray, case, cond, print, switch_case, while_loop)  # noqa: A004

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


def gradients(ys, xs, grad_ys=None, name="gradients", stop_gradients=None):
    """Symbolic d(sum(ys))/d(xs) built into the graph from the ops' gradient rules."""
    from graphflow.autodiff import graph_gradients
    return graph_gradients(ys, xs, grad_ys)


def get_variable(name, shape=None, dtype=dtypes.float32, initializer=None, trainable=True):
    from graphflow.ops import random
    if initializer is None:
        initializer = lambda: random.uniform(shape, -0.05, 0.05, dtype)  # noqa: E731
    elif not callable(initializer):
        value = initializer
        initializer = lambda: value  # noqa: E731
    elif shape is not None:
        init, initializer = initializer, (lambda: init(shape, dtype=dtype))  # noqa: E731
    return Variable(initializer, trainable=trainable, name=name, dtype=dtype)


# -- variable updates by index (tf.compat.v1.scatter_*) -------------------------------------------
from graphflow.ops.variable_updates import scatter_function, scatter_nd_function  # noqa: E402

scatter_update, scatter_add, scatter_sub = (scatter_function(k) for k in ("update", "add", "sub"))
scatter_max, scatter_min = scatter_function("max"), scatter_function("min")
scatter_nd_update, scatter_nd_add, scatter_nd_sub = (
    scatter_nd_function(k) for k in ("update", "add", "sub"))
