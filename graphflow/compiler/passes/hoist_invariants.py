"""Loop-invariant code motion: what a loop's condition or body computes from its captured
tensors and constants alone is the same in every iteration, so it is computed once, before the
loop, and the body reads it as a new capture.

For each node whose op repeats bodies (`OpDef.repeats`: tf.while_loop's condition and body),
a body node is moved to the enclosing graph when every input is a capture, a constant or an
already moved value, and when running it before the loop cannot fail where the loop would not
have run it: the body might run zero times, so only ops that never raise are moved (kinds
elementwise, broadcast, shape, reduction and matmul, on floating-point tensors of fully known
shapes: no integer division by zero, no broadcast decided at run time; index ops such as
gather, which check their indices, stay). Moved values that the rest of the body (or its
outputs, or the intermediates a recording loop keeps for its gradient) reads become new
placeholders at the end of every body's inputs and new inputs at the end of the node's, in the
same order, which is how captures are laid out (ops/subgraph.py). The bodies become new Body
objects (`Body.with_graph`); the traced ones are left as they were.

tf.cond branches are not hoisted from: a branch runs at most once per run of the node, and
computing it unconditionally could only cost time (or raise for the branch not taken).

    >>> import graphflow as tf
    >>> from graphflow.compiler.passes import hoist_invariants
    >>> g = tf.Graph()
    >>> with g.as_default():
    ...     w = tf.compat.v1.placeholder(tf.float32, [3, 3], name="w")
    ...     h = tf.compat.v1.placeholder(tf.float32, [1, 3], name="h")
    ...     _, out = tf.while_loop(lambda i, h: i < 4,
    ...                            lambda i, h: (i + 1, tf.tanh(h @ (w * 2.0))), (0, h))
    >>> g.inputs, g.outputs = [w, h], [out]
    >>> new, stats = hoist_invariants.run(g)
    >>> stats
    {'hoisted': 1}
    >>> [n.type for n in new.nodes if n.type not in ("placeholder", "const")]
    ['multiply', 'while_loop']
"""
from graphflow.compiler.rewrite import Rewriter
from graphflow.ops import subgraph
from graphflow.ops.creation import CONST, PLACEHOLDER
from graphflow.ops.registry import BROADCAST, ELEMENTWISE, MATMUL, REDUCTION, SHAPE

NAME = "hoist_invariants"
DESCRIPTION = "compute loop-invariant values of loop bodies once, before the loop"
HOISTED_KINDS = (ELEMENTWISE, BROADCAST, SHAPE, REDUCTION, MATMUL)


def _movable(node):
    """Whether running `node` earlier (maybe when the loop would not have run it) is safe."""
    tensors = list(node.inputs) + list(node.outputs)
    return (node.kind in HOISTED_KINDS and not node.opdef.bodies and node.inputs
            and node.outputs and all(t.dtype.is_floating and t.shape.is_fully_defined()
                                     for t in tensors))


def _invariants(body):
    """The nodes of a body computable from its captures and constants, in program order."""
    g = body.graph
    known = {id(p) for p in g.inputs[body.n_args:]}
    moved = []
    for node in g.nodes:
        if node.type == "const":
            known.add(id(node.outputs[0]))
        elif _movable(node) and all(id(t) in known for t in node.inputs):
            moved.append(node)
            known.update(id(o) for o in node.outputs)
    return moved


def _records(node, attr):
    return bool(node.attrs.get("save")) and attr in node.opdef.records


def run(graph):
    rw = Rewriter(graph)
    hoisted = 0
    for node in graph.nodes:
        inputs = [rw.tensor(t) for t in node.inputs]
        attrs = _hoist(rw, node, inputs) if node.opdef.repeats else None
        if attrs is None:
            rw.copy(node, inputs)
            continue
        attrs, new_inputs, count = attrs
        rw.copy(node, new_inputs, attrs)
        hoisted += count
    return rw.finish(), {"hoisted": hoisted}


def _hoist(rw, node, inputs):
    """(new attrs, new inputs, number of nodes moved) for a looping node, or None when nothing
    moves. The moved nodes are emitted into rw's graph now, just before the node."""
    labelled = [(attr, body) for attr in node.opdef.bodies for body in _bodies(node, attr)]
    n_caps = {len(b.graph.inputs) - b.n_args for _, b in labelled}
    if len(n_caps) != 1:
        return None  # not the capture layout this pass knows
    n_cap = n_caps.pop()
    outer_caps = inputs[len(inputs) - n_cap:] if n_cap else []
    new_caps = []       # outer tensors the bodies now capture, in order
    replaced = {}       # id(body) -> (ids of its moved nodes, {id(inner tensor): position})
    count = 0
    for attr, body in labelled:
        if attr not in node.opdef.repeats:
            continue
        moved = _invariants(body)
        if not moved:
            continue
        g = body.graph
        outer = {id(p): t for p, t in zip(g.inputs[body.n_args:], outer_caps)}
        inside = {id(n) for n in moved}
        needed = {id(t) for n in g.nodes if id(n) not in inside for t in n.inputs}
        needed |= {id(t) for t in g.outputs}
        if _records(node, attr):
            needed |= {id(t) for t in body.recorded()}
        for n in moved:
            ins = [_outer(rw, t, outer, node) for t in n.inputs]
            new = rw.emit(n.opdef, ins, n.attrs, [(o.shape.dims_tuple(), o.dtype)
                                                 for o in n.outputs], f"{node.name}/{n.name}")
            outer.update((id(o), t) for o, t in zip(n.outputs, new.outputs))
        mine = {}
        replaced[id(body)] = (inside, mine)
        for n in moved:
            for o in n.outputs:
                if id(o) in needed:
                    mine[id(o)] = len(new_caps)
                    new_caps.append(outer[id(o)])
        count += len(moved)
    if not count:
        return None
    attrs = dict(node.attrs)
    for attr in node.opdef.bodies:
        new = tuple(_rebuild(b, *replaced.get(id(b), ((), {})), new_caps, _records(node, attr))
                    for b in _bodies(node, attr))
        attrs[attr] = new if isinstance(node.attrs[attr], tuple) else new[0]
    return attrs, list(inputs) + new_caps, count


def _bodies(node, attr):
    value = node.attrs[attr]
    return value if isinstance(value, tuple) else (value,)


def _outer(rw, t, outer, loop):
    """The enclosing graph's tensor for body tensor `t` (a capture, a moved value, or a
    constant, copied out once)."""
    found = outer.get(id(t))
    if found is None:  # a constant of the body
        value = t.node.attrs["value"]
        found = rw.emit(CONST, [], {"value": value}, [(t.shape.dims_tuple(), t.dtype)],
                        f"{loop.name}/{t.node.name}").outputs[0]
        outer[id(t)] = found
    return found


def _rebuild(body, moved, replaced, new_caps, records):
    """The body without its moved nodes: one new placeholder per new capture (reading the moved
    value it stands for, or unused in a body that moved nothing of it)."""
    src = body.graph
    brw = Rewriter(src)
    by_position = {k: inner for inner, k in replaced.items()}
    placeholders = []
    inner_of = {id(t): t for n in src.nodes for t in n.outputs}
    for k, outer in enumerate(new_caps):
        shape = outer.shape.dims_tuple()
        name = f"hoisted_{outer.node.name.replace('/', '_')}"
        p = brw.emit(PLACEHOLDER, [], {"shape": shape, "dtype": outer.dtype.name, "name": name},
                     [(shape, outer.dtype)], name).outputs[0]
        placeholders.append(p)
        if k in by_position:
            brw.alias(inner_of[by_position[k]], p)
    kept = [n for n in src.nodes if id(n) not in moved]
    read = {id(t) for n in kept for t in n.inputs} | {id(t) for t in src.outputs}
    if records:
        read |= {id(t) for t in body.recorded()}
    for node in kept:  # (whatever they read of a moved node is aliased to a placeholder)
        if node.type != "const" or id(node.outputs[0]) in read:  # constants only moved ones read
            brw.copy(node)
    new = brw.finish()
    new.inputs = list(new.inputs) + placeholders
    recorded = [brw.tensor(t) for t in body.recorded()] if records else None
    return body.with_graph(new, recorded, captured=new_caps)
