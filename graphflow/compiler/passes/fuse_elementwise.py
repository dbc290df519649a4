"""Elementwise fusion: maximal regions of elementwise and broadcast ops become one kernel.

A region grows from a sink upwards through producers whose every consumer is already in the
region (so no value is computed twice). It then takes in neighbours of the region's own shape
whose values are also used elsewhere, producers and consumers alike: the kernel writes each such
value as an extra output (a multi-output kernel), so a chain whose intermediates feed a backward
pass or a reduction still runs as one loop. A neighbour joins only if no path leaves the region
and comes back (no cycle), and pure nodes reading the region's outputs that sat between its
members move after the fused node; variable reads/writes, random draws and fused updates
never move.
Decided from op kinds (OpDef.kind and whether the op has a scalar form), never from op names.
Regions of a single op are left alone.

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
DESCRIPTION = "fuse regions of elementwise/broadcast ops into single (multi-output) kernels"


def run(graph):
    uses = consumers(graph)
    outs = output_ids(graph)
    taken = {}      # id(member of a region already formed) -> the region's position
    moved = set()   # nodes that move after a formed region's fused node
    clusters = []
    for node in reversed(graph.nodes):
        # A node that moves after a formed region cannot start one at its own place: it reads
        # that region's outputs, so its region would run before they exist.
        if id(node) in taken or id(node) in moved or not fused.can_fuse_elementwise(node):
            continue

        def can_join(n):
            return fused.can_fuse_elementwise(n) and id(n) not in taken and id(n) not in moved
        shape = node.outputs[0].shape
        members = fused.grow_producers([node], uses, can_join, outs, shape)
        if shape.is_fully_defined():
            members, deferred = _grow_multi_output(members, uses, outs, shape, can_join, taken)
        else:
            deferred = _deferred(members, uses, taken)
        if len(members) < 2 or deferred is None:
            continue
        position = max(n.index for n in members)
        taken.update((id(n), position) for n in members)
        moved.update(id(n) for n in deferred)
        clusters.append((fused.ELEMENTWISE, members))
    new, count = fused.apply_clusters(graph, clusters)
    return new, {"clusters": count, "ops_fused": sum(len(m) for _, m in clusters),
                 "multi_output": sum(1 for _, m in clusters if _external_outputs(m, uses, outs) > 1)}


def _grow_multi_output(members, uses, outs, shape, can_join, taken):
    """Adds same-shape neighbours (producers and consumers) of the region whose values are also
    used outside it, one at a time while the region stays placeable. Returns (members, the
    nodes that must move after the fused node) or (members, None) if even the start is not."""
    deferred = _deferred(members, uses, taken)
    if deferred is None:
        return members, None
    rejected = set()
    changed = True
    while changed:
        changed = False
        inside = {id(n) for n in members}
        neighbours = [t.node for n in members for t in n.inputs]
        neighbours += [u for n in members for o in n.outputs for u in uses.get(id(o), [])]
        for cand in sorted({id(n): n for n in neighbours}.values(), key=lambda n: -n.index):
            if id(cand) in inside or id(cand) in rejected or not can_join(cand) or \
                    not fused.static_equal(cand.outputs[0].shape, shape):
                continue
            trial = fused.grow_producers(members + [cand], uses, can_join, outs, shape)
            trial_deferred = _deferred(trial, uses, taken)
            if trial_deferred is None:
                rejected.add(id(cand))
                continue
            members, deferred, changed = trial, trial_deferred, True
            break
    return members, deferred


def _deferred(members, uses, taken):
    """The nodes that must move after the fused node (placed at the last member): outside nodes
    before it that read the region's outputs, directly or not. None if the region cannot be
    placed: such a node feeds a member (a cycle), reads or writes state or draws random numbers
    (their order is fixed) or belongs to another region placed before this one, or a member
    reads a region placed after this one."""
    inside = {id(n) for n in members}
    last = max(n.index for n in members)
    if any(taken.get(id(t.node), -1) > last for n in members for t in n.inputs):
        return None
    stack = [u for n in members for o in n.outputs for u in uses.get(id(o), [])
             if id(u) not in inside and u.index < last]
    found = {}
    while stack:
        node = stack.pop()
        if id(node) in found:
            continue
        if id(node) in taken:
            if taken[id(node)] > last:  # another region placed after this one: not moved
                continue
            return None
        if fused.keeps_its_place(node):  # a variable access, random draw or fused update
            return None
        found[id(node)] = node
        for o in node.outputs:
            for u in uses.get(id(o), []):
                if id(u) in inside:
                    return None
                if u.index < last:
                    stack.append(u)
    return list(found.values())


def _external_outputs(members, uses, outs):
    inside = {id(n) for n in members}
    return sum(1 for n in members for o in n.outputs
               if id(o) in outs or any(id(u) not in inside for u in uses.get(id(o), [])))
