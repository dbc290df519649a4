"""Optimizer-update fusion: each variable's update rule (the assign and the elementwise math
computing its new value) becomes one kernel that writes the variable in place; updates of
variables with the same shape share one kernel (RMSprop's accumulator and weight, say).

Only assigns that are the last access to their variable in the program are fused, so moving
them to the end of the kernel's position cannot change what any read sees.

    >>> import graphflow as tf
    >>> from graphflow.compiler.passes import fuse_update
    >>> v = tf.Variable([1.0, 2.0])
    >>> g = tf.Graph()
    >>> with g.as_default():
    ...     grad = tf.compat.v1.placeholder(tf.float32, [2], name="grad")
    ...     op = v.assign_sub(0.1 * grad * grad)
    >>> g.inputs, g.targets = [grad], [op.node]
    >>> new, stats = fuse_update.run(g)
    >>> [n.attrs["cluster"].name for n in new.nodes if n.type == "fused"]
    ['fused_mul_mul_assign_sub']
"""
from graphflow.compiler import fused
from graphflow.compiler.rewrite import consumers, output_ids

NAME = "fuse_update"
DESCRIPTION = "fuse each variable's update rule into one in-place kernel"
ASSIGNS = ("assign", "assign_add", "assign_sub")


def _last_accesses(graph):
    """{id(variable): index of the last node reading or writing it}, and assign counts."""
    last, assigns = {}, {}
    for node in graph.nodes:
        var = node.attrs.get("var") if node.kind == "stateful" else None
        if var is not None:
            last[id(var)] = node.index
            if node.type in ASSIGNS:
                assigns[id(var)] = assigns.get(id(var), 0) + 1
    return last, assigns


def run(graph):
    uses = consumers(graph)
    outs = output_ids(graph)
    last, assigns = _last_accesses(graph)
    by_shape = {}
    for node in graph.nodes:
        if node.type not in ASSIGNS or not node.outputs[0].dtype.is_floating:
            continue
        var = node.attrs["var"]
        shape = var.shape
        if not shape.is_fully_defined() or assigns[id(var)] != 1 or last[id(var)] != node.index:
            continue
        if node.inputs[0].shape.dims_tuple() != shape.dims_tuple() and node.type == "assign":
            continue
        by_shape.setdefault(shape.dims_tuple(), []).append(node)
    clusters = []
    taken = set()
    for shape, sinks in by_shape.items():
        members = fused.grow_producers(
            list(sinks), uses,
            lambda n: fused.can_fuse_elementwise(n) and id(n) not in taken, outs,
            sinks[0].outputs[0].shape)
        if not (fused.emitted_in_order(members, uses, outs) and fused.is_convex(graph, members, uses)):
            continue
        taken.update(id(n) for n in members)
        clusters.append((fused.UPDATE, members))
    new, count = fused.apply_clusters(graph, clusters)
    return new, {"clusters": count, "variables": sum(
        sum(1 for n in m if n.type in ASSIGNS) for _, m in clusters)}
