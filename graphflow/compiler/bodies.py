"""The passes inside control flow: every body of a cond, switch_case or while_loop node (and of
the control flow nested in it) is optimized like a graph of its own, so folding, CSE and fusion
happen inside branches and loop bodies too.

A body's interface never changes: the optimized graph has the same placeholders (count, order,
dtypes) and the same outputs. A node that records values for its gradient (attr `save`) reads
back, by position, the traced body's `recorded()` intermediates; those are kept as extra
outputs while the body is optimized (so no pass removes, or fuses away, a value the gradient
needs) and become the optimized Body's recorded tensors. The traced Body is never changed (the
unoptimized graph, its gradients and other plans share it): `Body.with_graph` makes a new one.

    >>> import graphflow as tf
    >>> from graphflow.compiler import bodies
    >>> from graphflow.compiler.passes import constant_fold, prune
    >>> g = tf.Graph()
    >>> with g.as_default():
    ...     x = tf.compat.v1.placeholder(tf.float32, [], name="x")
    ...     y = tf.cond(x > 0.0, lambda: x * (tf.constant(2.0) + 1.0), lambda: -x)
    >>> g.inputs, g.outputs = [x], [y]
    >>> new, count = bodies.map_bodies(g, lambda body: prune.run(constant_fold.run(body)[0])[0])
    >>> count
    2
    >>> print(new.nodes[-1].attrs["branches"][0].graph.as_text())
    add: float32[] = const(value=3.)
    capture_x: float32[] = placeholder(shape=(), dtype='float32', name='capture_x')
    multiply: float32[] = multiply(capture_x:0, add:0)
"""
from graphflow.compiler.rewrite import Rewriter
from graphflow.graph.ir import subgraphs


def map_bodies(graph, optimize_graph):
    """(a copy of `graph` whose control-flow nodes hold bodies optimized by `optimize_graph`, a
    pure Graph -> Graph function; the number of bodies). `graph` itself when it has none."""
    if not any(n.opdef.bodies for n in graph.nodes):
        return graph, 0
    rw = Rewriter(graph)
    count = 0
    for node in graph.nodes:
        if not node.opdef.bodies:
            rw.copy(node)
            continue
        attrs = dict(node.attrs)
        for attr in node.opdef.bodies:
            value = node.attrs[attr]
            records = bool(node.attrs.get("save")) and attr in node.opdef.records
            new = tuple(optimize_body(b, optimize_graph, records)
                        for b in (value if isinstance(value, tuple) else (value,)))
            attrs[attr] = new if isinstance(value, tuple) else new[0]
            count += len(new)
        rw.copy(node, attrs=attrs)
    return rw.finish(), count


def optimize_body(body, optimize_graph, records):
    """A new Body computing `body`'s graph as optimize_graph makes it; with `records`, the
    intermediates a recording run keeps stay computed (extra outputs during optimization)."""
    kept = list(body.recorded()) if records else []
    work = _with_outputs(body.graph, list(body.graph.outputs) + kept)
    new = optimize_graph(work)
    n = len(body.graph.outputs)
    outputs = list(new.outputs)
    new.outputs = outputs[:n]
    return body.with_graph(new, outputs[n:] if records else None)


def _with_outputs(graph, outputs):
    """A copy of `graph` (ours to hand to passes) whose outputs are `outputs`."""
    rw = Rewriter(graph)
    for node in graph.nodes:
        rw.copy(node)
    new = rw.finish()
    new.outputs = [rw.tensor(t) for t in outputs]
    return new


def describe_clusters(graph, indent=""):
    """Lines naming a graph's fused clusters, then each control-flow node's bodies with
    theirs, nested and indented (what explain() prints)."""
    lines = []
    for n in graph.nodes:
        if n.type == "fused":
            c = n.attrs["cluster"]
            lines.append(f"{indent}{c.name} [{c.kind}]: {' -> '.join(c.ops)}")
    for n in graph.nodes:
        for label, body in subgraphs(n):
            inner = describe_clusters(body.graph, indent + "    ")
            fused = sum(1 for m in body.graph.nodes if m.type == "fused")
            hoisted = len(body.graph.inputs) - len(body.source.graph.inputs)
            extra = f", {hoisted} hoisted input{'s' if hoisted != 1 else ''}" if hoisted else ""
            lines.append(f"{indent}{n.name} / {label}: {len(body.graph.nodes)} nodes, "
                         f"{fused} fused cluster{'s' if fused != 1 else ''}{extra}")
            lines += inner
    return lines
