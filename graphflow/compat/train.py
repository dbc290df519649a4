"""compat.v1.train: optimizers that build train ops into a graph.

    >>> import graphflow as tf
    >>> g = tf.Graph()
    >>> with g.as_default():
    ...     w = tf.Variable(1.0)
    ...     loss = (w - 3.0) ** 2
    ...     step = tf.compat.v1.train.GradientDescentOptimizer(0.25).minimize(loss)
    ...     init = tf.compat.v1.global_variables_initializer()
    >>> with tf.compat.v1.Session(graph=g) as sess:
    ...     sess.run(init); sess.run(step); float(sess.run(w))
    2.0
"""
from graphflow.errors import InvalidArgumentError


class Optimizer:
    def compute_gradients(self, loss, var_list=None):
        from graphflow.autodiff import graph_gradients
        from graphflow.graph.variables import trainable_variables
        var_list = list(var_list) if var_list is not None else trainable_variables(loss.graph)
        if not var_list:
            raise InvalidArgumentError("No variables to optimize")
        grads = graph_gradients(loss, var_list)
        return list(zip(grads, var_list))

    def apply_gradients(self, grads_and_vars, global_step=None, name=None):
        from graphflow.graph.variables import group
        updates = [self._apply(g, v) for g, v in grads_and_vars if g is not None]
        if not updates:
            raise InvalidArgumentError(
                "No gradients provided for any variable: the loss does not depend on them")
        if global_step is not None:
            updates.append(global_step.assign_add(1))
        return group(*updates, name=name or "train")

    def minimize(self, loss, global_step=None, var_list=None, name=None):
        """The op that takes one optimization step on `loss`."""
        return self.apply_gradients(self.compute_gradients(loss, var_list), global_step, name)


class GradientDescentOptimizer(Optimizer):
    def __init__(self, learning_rate, use_locking=False, name="GradientDescent"):
        self.learning_rate = learning_rate

    def _apply(self, grad, var):
        return var.assign_sub(self.learning_rate * grad)
