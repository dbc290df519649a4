"""Fused clusters: a group of nodes the fusion passes replaced by one `fused` node.

A Cluster keeps the original nodes as a small body graph whose placeholders are the cluster's
inputs. The reference interpreter runs a fused node by interpreting that body, so every pass's
output is still executable on the ground truth; backends compile the body into one kernel.

    >>> import graphflow as tf
    >>> from graphflow.compiler.fused import kernel_name
    >>> kernel_name(["multiply", "add", "relu"])
    'fused_mul_add_relu'
"""
from graphflow.errors import InvalidArgumentError
from graphflow.graph.ir import Graph
from graphflow.ops.registry import (  # the op kinds that are also cluster kinds
    ELEMENTWISE, FUSED, MATMUL, RANDOM, REDUCTION, STATEFUL, OpDef)
from graphflow.ops.state import ASSIGNS

# Cluster kinds: how a backend lowers the body. ELEMENTWISE: one elementwise loop, any number of
# outputs; REDUCTION: an elementwise expression reduced over leading or trailing axes; MATMUL: a
# matmul followed by an elementwise epilogue applied in place; and
UPDATE = "update"             # an elementwise expression written into variables (assign ops)

_SHORT = {"multiply": "mul", "subtract": "sub", "truediv": "div", "negative": "neg",
          "squared_difference": "sqdiff", "broadcast_like": "bcast", "reduce_sum": "sum",
          "reduce_mean": "mean", "reduce_max": "max", "reduce_min": "min",
          "assign_sub": "assign_sub", "read_variable": "read"}


def kernel_name(op_names, limit=6):
    """fused_<op>_<op>... named after the ops inside, in order (long chains are abbreviated)."""
    names = [_SHORT.get(n, n) for n in op_names if n not in ("placeholder", "const", "identity")]
    if len(names) > limit:
        names = names[:limit - 1] + [f"and{len(names) - limit + 1}more"]
    return "fused_" + "_".join(names)


class Cluster:
    """The body of a fused node: a Graph with one placeholder per cluster input."""

    def __init__(self, kind, body, name):
        self.kind = kind
        self.body = body
        self.name = name
        self._executable = None

    @property
    def ops(self):
        """The op names inside, in program order (placeholders and constants left out)."""
        return [n.type for n in self.body.nodes if n.type not in ("placeholder",)]

    def out_specs(self):
        return [(t.shape.dims_tuple(), t.dtype) for t in self.body.outputs]

    def run_reference(self, arrays):
        if self._executable is None:
            from graphflow.compiler.targets import get as get_target
            self._executable = get_target("reference").compile(self.body, self.body.outputs, self.body.inputs,
                                                 self.body.targets)
        return tuple(self._executable.run(list(arrays)))  # the fused op has num_outputs=None

    def __repr__(self):
        return f"<Cluster {self.name} ({self.kind}): {', '.join(self.ops)}>"


def _fused_infer(specs, cluster):
    return cluster.out_specs()


def _fused_ref(*arrays, cluster):
    return cluster.run_reference(arrays)


# Not in the op registry: users never call it; only passes create fused nodes.
FUSED_OP = OpDef("fused", FUSED, _fused_infer, _fused_ref, num_outputs=None)


def build_cluster(kind, nodes, graph_outputs_ids, consumers_of):
    """Makes a Cluster from `nodes` (in program order) of a source graph.

    Returns (cluster, external_inputs, external_outputs): the source tensors the body reads from
    outside, and the source tensors it produces that are used outside (or are graph outputs).
    """
    inside = {id(n) for n in nodes}
    body = Graph(is_function=True, name="cluster")
    mapping = {}
    external_inputs = []
    with body.as_default():
        for node in nodes:
            for t in node.inputs:
                if id(t) not in mapping and id(t.node) not in inside:
                    from graphflow.ops.creation import placeholder_node
                    p = placeholder_node(t.shape.dims_tuple(), t.dtype, f"in{len(external_inputs)}")
                    mapping[id(t)] = p
                    external_inputs.append(t)
    for node in nodes:
        specs = [(o.shape.dims_tuple(), o.dtype) for o in node.outputs]
        new = body.add_node(node.opdef, [mapping[id(t)] for t in node.inputs], node.attrs, specs,
                            node.name.replace("/", "_"))
        for o, n in zip(node.outputs, new.outputs):
            mapping[id(o)] = n
        if node.kind == "stateful" and node.type != "read_variable":
            body.targets.append(new)
    external_outputs = []
    for node in nodes:
        for o in node.outputs:
            users = consumers_of.get(id(o), [])
            if id(o) in graph_outputs_ids or any(id(u) not in inside for u in users):
                external_outputs.append(o)
    body.inputs = [mapping[id(t)] for t in external_inputs]
    body.outputs = [mapping[id(t)] for t in external_outputs]
    name = kernel_name([n.type for n in nodes])
    return Cluster(kind, body, name), external_inputs, external_outputs


def emit_fused(rewriter, cluster, external_inputs, external_outputs, replaced_nodes):
    """Adds the fused node to the rewriter's graph and maps the cluster's outputs to it."""
    specs = [(t.shape.dims_tuple(), t.dtype) for t in external_outputs]
    node = rewriter.emit(FUSED_OP, [rewriter.tensor(t) for t in external_inputs],
                         {"cluster": cluster}, specs, cluster.name)
    for old, new in zip(external_outputs, node.outputs):
        rewriter.alias(old, new)
    for old in replaced_nodes:
        rewriter.replace_node(old, node)
    return node



def keeps_its_place(node):
    """Whether a node's position in program order is fixed: it reads or writes variables or draws
    random numbers, itself or inside a fused cluster (an optimizer update): such nodes never
    move past other nodes, or a read could see the wrong side of an assign."""
    if node.kind in (STATEFUL, RANDOM):
        return True
    return node.type == "fused" and any(
        n.kind in (STATEFUL, RANDOM) for n in node.attrs["cluster"].body.nodes)


# -- region growing, shared by the fusion passes ------------------------------------------------

def can_fuse_elementwise(node):
    """Whether a kernel can compute `node` elementwise: decided by kind and by the op having a
    scalar form for its input dtype, never by its name."""
    op = node.opdef
    return (node.kind in ("elementwise", "broadcast") and op.scalar is not None
            and bool(node.inputs) and len(node.outputs) == 1
            and node.inputs[0].dtype.np.kind in op.scalar_kinds
            and all(t.dtype.np.kind in KERNEL_KINDS for t in node.inputs)
            and all(t.dtype.np.kind in KERNEL_KINDS for t in node.outputs))


# dtype kinds a kernel can hold: tf.string tensors (object arrays) live in host memory only, so
# a node with a string input or output (where(c, "a", "b") included) stays out of kernels.
KERNEL_KINDS = "fiub"


def grow_producers(members, consumers_of, can_fuse, graph_output_ids=(), same_shape_as=None):
    """Adds to `members` (a list of nodes) every producer that can be fused and whose consumers
    are all already members, until nothing changes. A producer whose value is also a graph output
    joins only if its shape equals `same_shape_as` (it becomes an extra kernel output)."""
    inside = {id(n) for n in members}
    changed = True
    while changed:
        changed = False
        for node in list(members):
            for t in node.inputs:
                p = t.node
                if id(p) in inside or not can_fuse(p):
                    continue
                users = [u for o in p.outputs for u in consumers_of.get(id(o), [])]
                if not all(id(u) in inside for u in users):
                    continue
                if any(id(o) in graph_output_ids for o in p.outputs) and (
                        same_shape_as is None or not static_equal(p.outputs[0].shape, same_shape_as)):
                    continue
                members.append(p)
                inside.add(id(p))
                changed = True
    members.sort(key=lambda n: n.index)
    return members


def static_equal(a, b):
    """Both shapes fully known and equal."""
    return a.is_fully_defined() and a == b


def is_convex(graph, members, consumers_of):
    """No path leaves the member set and comes back into it (so one node can replace it)."""
    inside = {id(n) for n in members}
    stack = [u for n in members for o in n.outputs for u in consumers_of.get(id(o), [])
             if id(u) not in inside]
    seen = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        for o in node.outputs:
            for u in consumers_of.get(id(o), []):
                if id(u) in inside:
                    return False
                stack.append(u)
    return True


def emitted_in_order(members, consumers_of, graph_output_ids):
    """True when every outside use of the members' outputs comes after the last member in
    program order, so the fused node can be placed at the last member's position."""
    last = max(n.index for n in members)
    inside = {id(n) for n in members}
    for n in members:
        for o in n.outputs:
            for u in consumers_of.get(id(o), []):
                if id(u) not in inside and u.index < last:
                    return False
    return True


def apply_clusters(graph, clusters):
    """Rewrites `graph` replacing each (kind, members) cluster by one fused node placed at its
    last member's position. Returns (new graph, number of fused nodes).

    A node (or cluster) reading a cluster output computed later in the order waits and is
    emitted right after it; only pure nodes may wait (fuse_elementwise moves such nodes when a
    multi-output kernel absorbs a value they read), so reads and writes of variables and random
    draws keep their order."""
    from graphflow.compiler.rewrite import Rewriter, consumers, output_ids
    uses = consumers(graph)
    outs = output_ids(graph)
    owner = {}
    for i, (kind, members) in enumerate(clusters):
        for n in members:
            owner[id(n)] = i
    last = {i: max(n.index for n in members) for i, (kind, members) in enumerate(clusters)}
    rw = Rewriter(graph)
    waiting = []  # (external inputs, emit function, description) in program order

    def emitter(node):
        i = owner.get(id(node))
        if i is None:
            return list(node.inputs), lambda: rw.copy(node), node
        kind, members = clusters[i]
        cluster, ext_in, ext_out = build_cluster(kind, members, outs, uses)
        return ext_in, lambda: emit_fused(rw, cluster, ext_in, ext_out, members), cluster

    for node in graph.nodes:
        i = owner.get(id(node))
        if i is not None and node.index != last[i]:
            continue
        ext_in, emit, what = emitter(node)
        if not all(rw.has(t) for t in ext_in):
            if i is None and keeps_its_place(node):
                raise InvalidArgumentError(
                    f"internal compiler error: stateful node {node.name} would have to move "
                    "after a fused kernel")
            waiting.append((ext_in, emit, what))
            continue
        emit()
        while waiting:  # whatever waited for this node may be ready now
            k = next((k for k, w in enumerate(waiting) if all(rw.has(t) for t in w[0])), None)
            if k is None:
                break
            waiting.pop(k)[1]()  # (by position: tensors compare elementwise, not as Python ==)
    if waiting:  # a pass bug: say which cluster, rather than a KeyError
        what = waiting[0][2]
        missing = [t.name for t in waiting[0][0] if not rw.has(t)]
        raise InvalidArgumentError(
            f"internal compiler error: {getattr(what, 'name', what)} reads {missing}, which are "
            "never computed before it")
    return rw.finish(), len(clusters)
