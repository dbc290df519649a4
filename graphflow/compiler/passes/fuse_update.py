"""Optimizer-update fusion: each variable's update rule (the assign and the elementwise math
computing its new value) becomes one kernel that writes the variable in place; updates of
variables with the same shape share one kernel (RMSprop's accumulator and weight, say).

An assign is fused only if it is its variable's single assign and nothing reads or writes the
variable between it and the kernel's position (the last fused assign), so running it there
cannot change what any access sees; reads after the kernel see the new value as before (the
running sums of metrics, read back for the step's results, are updated by one kernel).

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
from graphflow.ops import subgraph
from graphflow.ops.state import ASSIGNS

NAME = "fuse_update"
DESCRIPTION = "fuse each variable's update rule into one in-place kernel"


def _accesses(graph):
    """{id(variable): indices of the nodes reading or writing it}, and assign counts. A node
    with bodies (cond, while_loop) accesses what its bodies read and write."""
    accesses, assigns = {}, {}
    for node in graph.nodes:
        var = node.attrs.get("var") if node.kind == "stateful" else None
        if var is not None:
            accesses.setdefault(id(var), []).append(node.index)
            if node.type in ASSIGNS:
                assigns[id(var)] = assigns.get(id(var), 0) + 1
        if node.opdef.bodies:
            reads, writes = subgraph.variables_touched(node)
            for v in reads + writes:
                accesses.setdefault(id(v), []).append(node.index)
            for v in writes:
                assigns[id(v)] = assigns.get(id(v), 0) + 1
    return accesses, assigns


def _movable(sinks, accesses):
    """The sinks whose variable nobody touches between the assign and the kernel's position
    (the last sink), so running the assign there changes nothing any access sees; dropping a
    sink can move the position earlier, so repeat until stable."""
    while sinks:
        at = max(n.index for n in sinks)
        keep = [n for n in sinks if not any(
            n.index < i <= at for i in accesses[id(n.attrs["var"])])]
        if len(keep) == len(sinks):
            return sinks
        sinks = keep
    return sinks


def run(graph):
    uses = consumers(graph)
    outs = output_ids(graph)
    accesses, assigns = _accesses(graph)
    by_shape = {}  # integer variables too (the optimizer iteration count), not bools
    for node in graph.nodes:
        if node.type not in ASSIGNS or node.outputs[0].dtype.np.kind not in "fiu":
            continue
        var = node.attrs["var"]
        shape = var.shape
        if not shape.is_fully_defined() or assigns[id(var)] != 1:
            continue
        if node.inputs[0].shape.dims_tuple() != shape.dims_tuple() and node.type == "assign":
            continue
        by_shape.setdefault(shape.dims_tuple(), []).append(node)
    by_shape = {k: _movable(v, accesses) for k, v in by_shape.items()}
    clusters = []
    taken = set()
    for shape, sinks in by_shape.items():
        if not sinks:
            continue
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
