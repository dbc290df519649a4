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

A tf.cond (or switch_case) directly inside a loop body is looked into too: what one of its
branches computes from values invariant in the loop moves out of the loop (computed once, even
if the branch is never taken: such nodes never raise) and reaches the branch through new
captures of the cond and of the loop. A cond that is not in a loop is left alone: its branches
run at most once per run of the node, and computing one unconditionally could only cost time.

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


def _invariants(body, known):
    """The nodes of a body computable from the tensors in `known` (ids: invariant captures)
    and constants, in program order."""
    known = set(known)
    moved = []
    for node in body.graph.nodes:
        if node.type == "const":
            known.add(id(node.outputs[0]))
        elif _movable(node) and all(id(t) in known for t in node.inputs):
            moved.append(node)
            known.update(id(o) for o in node.outputs)
    return moved, known


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


def _captures(node):
    """[(attr, body)] of a node and the node inputs its bodies' captures stand for, or None
    when its bodies do not share one capture layout."""
    labelled = [(attr, body) for attr in node.opdef.bodies for body in _bodies(node, attr)]
    n_caps = {len(b.graph.inputs) - b.n_args for _, b in labelled}
    if len(n_caps) != 1:
        return None, None
    n_cap = n_caps.pop()
    return labelled, list(node.inputs[len(node.inputs) - n_cap:]) if n_cap else []


def _hoist(rw, node, inputs):
    """(new attrs, new inputs, number of nodes moved) for a looping node, or None when nothing
    moves. The moved nodes are emitted into rw's graph now, just before the node."""
    labelled, _ = _captures(node)
    if labelled is None:
        return None
    n_cap = len(labelled[0][1].graph.inputs) - labelled[0][1].n_args
    outer_caps = inputs[len(inputs) - n_cap:] if n_cap else []
    new_caps = []       # outer tensors the bodies now capture, in order
    plans = {}          # id(body) -> what _rebuild takes after the body
    count = 0
    for attr, body in labelled:
        if attr not in node.opdef.repeats:
            continue
        outer = {id(p): t for p, t in zip(body.graph.inputs[body.n_args:], outer_caps)}
        moved, frontier, conds, n = _move_out(rw, body, outer, _records(node, attr), node)
        if not n:
            continue
        replaced = {}
        for t in frontier:
            replaced[id(t)] = len(new_caps)
            new_caps.append(outer[id(t)])
        subs = {}
        for cond_id, (cond_attrs, cond_caps) in conds.items():
            subs[cond_id] = (cond_attrs, list(range(len(new_caps), len(new_caps) + len(cond_caps))))
            new_caps += cond_caps
        plans[id(body)] = (moved, replaced, subs)
        count += n
    if not count:
        return None
    attrs = dict(node.attrs)
    for attr in node.opdef.bodies:
        new = tuple(_rebuild(b, new_caps, _records(node, attr), *plans.get(id(b), ((), {}, {})))
                    for b in _bodies(node, attr))
        attrs[attr] = new if isinstance(node.attrs[attr], tuple) else new[0]
    return attrs, list(inputs) + new_caps, count


def _emit(rw, nodes, outer, loop):
    """Emits body nodes into rw's graph, their inputs read through `outer` (which learns their
    outputs)."""
    for n in nodes:
        ins = [_outer(rw, t, outer, loop) for t in n.inputs]
        new = rw.emit(n.opdef, ins, n.attrs, [(o.shape.dims_tuple(), o.dtype) for o in n.outputs],
                      f"{loop.name}/{n.name}")
        outer.update((id(o), t) for o, t in zip(n.outputs, new.outputs))


def _frontier(body, moved, records):
    """The outputs of moved nodes that what stays reads (nodes, outputs, recorded values)."""
    inside = {id(n) for n in moved}
    needed = {id(t) for n in body.graph.nodes if id(n) not in inside for t in n.inputs}
    needed |= {id(t) for t in body.graph.outputs}
    if records:
        needed |= {id(t) for t in body.recorded()}
    return [o for n in moved for o in n.outputs if id(o) in needed]


def _move_out(rw, body, outer, records, loop):
    """Emits what a loop body computes from invariants alone: its own nodes, and nodes of the
    branches of conds directly in it that read only values invariant in the loop (computed
    once even if the branch is never taken: such nodes never raise, see _movable). Returns
    (ids of the body's moved nodes, the moved values it still reads, {id(cond node): (its new
    attrs, the outer tensors its branches now capture)}, number of nodes moved)."""
    moved, known = _invariants(body, outer)
    branch_moves = []
    for n in body.graph.nodes:
        if n.opdef.bodies and not n.opdef.repeats:
            found = _branch_moves(n, known)
            if found:
                branch_moves.append((n, found))
    if not moved and not branch_moves:
        return (), [], {}, 0
    _emit(rw, moved, outer, loop)
    count = len(moved)
    conds = {}
    for cond, found in branch_moves:
        cond_caps, cond_plans = [], {}
        for attr, branch, branch_moved, caps in found:
            branch_outer = {id(p): _outer(rw, t, outer, loop)
                            for p, t in zip(branch.graph.inputs[branch.n_args:], caps)
                            if id(t) in known}
            _emit(rw, branch_moved, branch_outer, loop)
            replaced = {}
            for t in _frontier(branch, branch_moved, _records(cond, attr)):
                replaced[id(t)] = len(cond_caps)
                cond_caps.append(branch_outer[id(t)])
            cond_plans[id(branch)] = ({id(m) for m in branch_moved}, replaced, {})
            count += len(branch_moved)
        attrs = dict(cond.attrs)
        for attr in cond.opdef.bodies:
            new = tuple(_rebuild(b, cond_caps, _records(cond, attr),
                                 *cond_plans.get(id(b), ((), {}, {})))
                        for b in _bodies(cond, attr))
            attrs[attr] = new if isinstance(cond.attrs[attr], tuple) else new[0]
        conds[id(cond)] = (attrs, cond_caps)
    return {id(n) for n in moved}, _frontier(body, moved, records), conds, count


def _branch_moves(cond, known):
    """[(attr, branch, its nodes computable from values invariant in the loop, the cond's
    inputs its captures stand for)] for a cond (or switch_case) inside a loop body."""
    labelled, caps = _captures(cond)
    if labelled is None:
        return []
    found = []
    for attr, branch in labelled:
        inner = {id(p) for p, t in zip(branch.graph.inputs[branch.n_args:], caps)
                 if id(t) in known}
        moved, _ = _invariants(branch, inner) if inner else ([], None)
        if moved:
            found.append((attr, branch, moved, caps))
    return found


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


def _rebuild(body, new_caps, records, moved=(), replaced=None, subs=None):
    """The body without its moved nodes: one new placeholder per new capture (reading the moved
    value it stands for, or unused in a body that moved nothing of it); a cond in it whose
    branches moved values out (`subs`: id -> (attrs, positions in new_caps)) gets new attrs and
    reads those values from the body's new placeholders."""
    replaced, subs = replaced or {}, subs or {}
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
        if id(node) in subs:
            attrs, positions = subs[id(node)]
            brw.copy(node, [brw.tensor(t) for t in node.inputs] + [placeholders[k]
                                                                 for k in positions], attrs)
        elif node.type != "const" or id(node.outputs[0]) in read:  # constants moved ones read
            brw.copy(node)
    new = brw.finish()
    new.inputs = list(new.inputs) + placeholders
    recorded = [brw.tensor(t) for t in body.recorded()] if records else None
    return body.with_graph(new, recorded, captured=new_caps)
