"""A stand-in for graphflow.cond / graphflow.while_loop, used by tests/test_autograph.py only
while the real ops (the control-flow package) are not in this build.

It keeps TF's signatures and semantics for side-effect-free branches and bodies: `cond` traces
both branches into the current graph and selects with graphflow.where; `while_loop` unrolls
`maximum_iterations` (default 24) masked iterations, each keeping the previous values once the
condition is false. Eagerly both run plain Python, as TF's ops do.
"""
import graphflow as tf
from graphflow.context import context
from graphflow.utils import nest

UNROLL = 24


def cond(pred, true_fn=None, false_fn=None, name=None):
    if context.graph is None:
        return true_fn() if bool(pred) else false_fn()
    a, b = true_fn(), false_fn()
    return nest.map_structure(lambda x, y: tf.where(pred, x, y), a, b)


def while_loop(cond, body, loop_vars, shape_invariants=None, parallel_iterations=10,
               back_prop=True, swap_memory=False, maximum_iterations=None, name=None):
    loop_vars = tuple(loop_vars)
    if context.graph is None:
        i = 0
        while bool(cond(*loop_vars)) and (maximum_iterations is None or i < maximum_iterations):
            loop_vars = tuple(body(*loop_vars))
            i += 1
        return loop_vars
    active = tf.constant(True)
    for _ in range(maximum_iterations or UNROLL):
        active = tf.logical_and(active, cond(*loop_vars))
        new = tuple(body(*loop_vars))
        loop_vars = tuple(nest.map_structure(lambda n, o: tf.where(active, n, o), new, loop_vars))
    return loop_vars


def Assert(condition, data, summarize=None, name=None):  # noqa: N802 - TF's name
    """Eager check only (the double cannot check when a graph runs)."""
    if context.graph is None and not bool(condition):
        raise tf.errors.InvalidArgumentError(f"assertion failed: {data}")
    return None
