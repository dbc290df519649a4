"""Reduction fusion: the elementwise producers of a reduction are computed inside the
reduction's loop, so their results are never written to memory (mean of squares, the sum in
softmax and in cross-entropies). A reduction without fusible producers becomes a kernel of its
own: for the small per-row sums of a training step NumPy's per-call overhead costs more than
the loop (the CPU plan still hands long single reductions over one row to NumPy).

    >>> import graphflow as tf
    >>> from graphflow.compiler.passes import fuse_reduction
    >>> g = tf.Graph()
    >>> with g.as_default():
    ...     x = tf.compat.v1.placeholder(tf.float32, [4, 8], name="x")
    ...     y = tf.reduce_mean(tf.square(x - 1.0), axis=1)
    >>> g.inputs, g.outputs = [x], [y]
    >>> new, stats = fuse_reduction.run(g)
    >>> [n.attrs["cluster"].name for n in new.nodes if n.type == "fused"]
    ['fused_sub_square_mean']
"""
from graphflow.compiler import fused
from graphflow.compiler.rewrite import consumers, output_ids

NAME = "fuse_reduction"
DESCRIPTION = "compute the elementwise producers of a reduction inside the reduction loop"


def _fusible_reduction(node):
    op = node.opdef
    return (node.kind == "reduction" and op.scalar is not None and len(node.inputs) == 1
            and node.inputs[0].dtype.np.kind in op.scalar_kinds)


def run(graph):
    uses = consumers(graph)
    outs = output_ids(graph)
    taken = set()
    clusters = []
    for node in graph.nodes:
        if not _fusible_reduction(node):
            continue
        # Producers that are also fetched stay outside: the kernel writes only the reduction.
        members = fused.grow_producers(
            [node], uses, lambda n: fused.can_fuse_elementwise(n) and id(n) not in taken, outs)
        taken.update(id(n) for n in members)
        clusters.append((fused.REDUCTION, members))
    new, count = fused.apply_clusters(graph, clusters)
    return new, {"clusters": count, "ops_fused": sum(len(m) for _, m in clusters)}
