"""Dead-code elimination: keep only the nodes the outputs and targets (assigns) need.

    >>> import graphflow as tf
    >>> from graphflow.compiler.passes import prune
    >>> g = tf.Graph()
    >>> with g.as_default():
    ...     x = tf.compat.v1.placeholder(tf.float32, [2], name="x")
    ...     unused = tf.exp(x)
    ...     y = x * 2.0
    >>> g.inputs, g.outputs = [x], [y]
    >>> new, stats = prune.run(g)
    >>> stats
    {'removed': 1}
"""
from graphflow.compiler.rewrite import Rewriter

NAME = "prune"
DESCRIPTION = "remove nodes that no output or target needs"


def run(graph):
    roots = [t.node for t in graph.outputs] + list(graph.targets) + [t.node for t in graph.inputs]
    keep = {id(n) for n in graph.ancestors(roots)} if roots else set()
    rw = Rewriter(graph)
    for node in graph.nodes:
        if id(node) in keep:
            rw.copy(node)
    return rw.finish(), {"removed": len(graph.nodes) - len(keep)}
