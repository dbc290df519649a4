"""Elementwise fusion: maximal regions of elementwise and broadcast ops become one kernel.

A region grows from a sink upwards through producers whose every consumer is already in the
region (so no value is computed twice and no cycle can form); values used outside stay
materialized. Decided from op kinds (OpDef.kind and whether the op has a scalar form), never
from op names. Regions of a single op are left alone: NumPy runs one op as fast as a kernel.

    >>> import graphflow as tf
    >>> from graphflow.compiler.passes import fuse_elementwise
    >>> g = tf.Graph()
    >>> with g.as_default():
    ...     x = tf.compat.v1.placeholder(tf.float32, [8], name="x")
    ...     y = tf.nn.relu(x * 2.0 + 1.0)
    >>> g.inputs, g.outputs = [x], [y]
    >>> new, stats = fuse_elementwise.run(g)
    >>> [n.attrs["cluster"].name for n in new.nodes if n.type == "fused"]
    ['fused_mul_add_relu']
"""
from graphflow.compiler import fused
from graphflow.compiler.rewrite import consumers, output_ids

NAME = "fuse_elementwise"
DESCRIPTION = "fuse regions of elementwise/broadcast ops into single kernels"


def run(graph):
    uses = consumers(graph)
    outs = output_ids(graph)
    taken = set()
    clusters = []
    for node in reversed(graph.nodes):
        if id(node) in taken or not fused.can_fuse_elementwise(node):
            continue
        members = fused.grow_producers(
            [node], uses, lambda n: fused.can_fuse_elementwise(n) and id(n) not in taken, outs,
            node.outputs[0].shape)
        if len(members) < 2:
            continue
        taken.update(id(n) for n in members)
        clusters.append((fused.ELEMENTWISE, members))
    new, count = fused.apply_clusters(graph, clusters)
    return new, {"clusters": count, "ops_fused": sum(len(m) for _, m in clusters)}
