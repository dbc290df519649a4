"""Common-subexpression elimination: two pure nodes with the same op, inputs and attrs
compute the same value, so the second reuses the first's outputs.

    >>> import graphflow as tf
    >>> from graphflow.compiler.passes import cse
    >>> g = tf.Graph()
    >>> with g.as_default():
    ...     x = tf.compat.v1.placeholder(tf.float32, [2], name="x")
    ...     y = tf.exp(x) + tf.exp(x)
    >>> g.inputs, g.outputs = [x], [y]
    >>> cse.run(g)[1]
    {'merged': 1}
"""
import numpy as np

from graphflow.compiler.rewrite import Rewriter
from graphflow.ops.registry import FUSED, RANDOM, STATEFUL

NAME = "cse"
DESCRIPTION = "merge pure nodes with identical op, inputs and attributes"


def attr_key(value):
    """A hashable stand-in for an attribute value (arrays by content, objects by identity)."""
    if isinstance(value, np.ndarray):
        return ("array", value.dtype.str, value.shape, value.tobytes()) if value.size <= 4096 \
            else ("large-array", id(value))
    if isinstance(value, (list, tuple)):
        return tuple(attr_key(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, attr_key(v)) for k, v in value.items()))
    try:
        hash(value)
        return value
    except TypeError:
        return ("object", id(value))


def run(graph):
    rw = Rewriter(graph)
    seen = {}
    merged = 0
    for node in graph.nodes:
        inputs = [rw.tensor(t) for t in node.inputs]
        if node.kind in (STATEFUL, RANDOM, FUSED) or node.type == "placeholder":
            rw.copy(node, inputs)
            continue
        key = (node.type, tuple(id(t) for t in inputs), attr_key(node.attrs))
        first = seen.get(key)
        if first is None:
            seen[key] = rw.copy(node, inputs)
            continue
        for old, new in zip(node.outputs, first.outputs):
            rw.alias(old, new)
        merged += 1
    return rw.finish(), {"merged": merged}
