"""Drawing IR graphs with graphviz: plot_graph shows each node (name, op, output dtype[shape]) and
draws every fused node of an optimized graph as a cluster named after its kernel, holding the
ops that were fused into it, so you can see what the compiler did. The bodies of control-flow
nodes (cond branches, while_loop condition and body) are dashed clusters next to their node.

    >>> import graphflow as tf
    >>> @tf.function
    ... def f(x):
    ...     return tf.nn.relu(x * 2.0 + 1.0)
    >>> _ = f(tf.ones([4]))
    >>> dot = tf.visualize.plot_graph(f)            # the optimized graph of the last trace
    >>> "fused_mul_add_relu" in dot.source
    True
"""
from typing import TYPE_CHECKING, Any, Optional

if TYPE_CHECKING:
    import graphviz

import html

from graphflow.errors import InvalidArgumentError
from graphflow.graph.ir import subgraphs
from graphflow.ops.state import ASSIGNS

_INPUT_OPS = ("placeholder",)
_CONST_OPS = ("const",)   # compared lower-cased; drawn once per use, with their value
_STATE_OPS = ("read_variable",) + ASSIGNS


def _spec_text(t):
    dims = t.shape.dims_tuple()
    shape = "?" if dims is None else ",".join("?" if d is None else str(d) for d in dims)
    return f"{t.dtype.name}[{shape}]"


def _attr_value(value):
    """A constant's value as a short label: the number for scalars, else 'const'."""
    try:
        import numpy as np
        arr = np.asarray(value)
        if arr.size == 1:
            v = arr.reshape(()).item()
            return f"{v:.4g}" if isinstance(v, float) else str(v)
    except Exception:  # noqa: BLE001 - an unusual attr: fall back to the generic label
        pass
    return "const"


def _is_output(graph, node):
    return any(t.node is node for t in getattr(graph, "outputs", []) or [])


def _graphs_of(obj, optimized):
    """(unoptimized graph, optimized graph or None) for a Function, ConcreteFunction or Graph."""
    from graphflow.graph.function import ConcreteFunction, Function
    from graphflow.graph.ir import Graph
    if isinstance(obj, Function):
        concrete = obj._last_concrete
        if concrete is None:
            raise InvalidArgumentError(
                f"plot_graph: function {obj._name!r} has not been traced yet; call it once or "
                "pass f.get_concrete_function(*specs)")
        obj = concrete
    if isinstance(obj, ConcreteFunction):
        after = None
        if optimized:
            executable = obj._get_executable()
            after = getattr(executable, "graph", None)
        return obj.graph, after
    if isinstance(obj, Graph):
        return obj, None
    raise InvalidArgumentError(
        "plot_graph: expected a graphflow.function, a ConcreteFunction or a Graph, got "
        f"{type(obj).__name__}")


class _GraphDrawer:
    """Adds one IR graph to a graphviz (sub)graph with node ids unique across the whole picture."""

    def __init__(self, show_shapes, counter):
        self.show_shapes = show_shapes
        self.counter = counter   # shared [int] so two graphs in one picture never collide
        self.ids = {}            # id(node) -> dot id
        self.alias = {}          # id(tensor) -> dot id of the node that really produces it

    def new_id(self, node):
        self.counter[0] += 1
        self.ids[id(node)] = f"n{self.counter[0]}"
        return self.ids[id(node)]

    def label(self, node):
        esc = html.escape
        rows = [f"<b>{esc(node.type)}</b>", f'<font point-size="9">{esc(node.name)}</font>']
        if self.show_shapes and node.outputs:
            specs = ", ".join(_spec_text(t) for t in node.outputs[:3])
            if len(node.outputs) > 3:
                specs += f", +{len(node.outputs) - 3}"
            rows.append(f'<font point-size="9" color="#555555">{esc(specs)}</font>')
        return "<" + "<br/>".join(rows) + ">"

    def const_label(self, node):
        value = node.attrs.get("value")
        text = _attr_value(value)
        return "<" + f"<b>{html.escape(text)}</b>" + (
            f'<br/><font point-size="9" color="#555555">{html.escape(_spec_text(node.outputs[0]))}'
            "</font>" if self.show_shapes and text == "const" else "") + ">"

    def style(self, node):
        if node.type.lower() in _CONST_OPS:
            return {"shape": "box", "style": "rounded,filled", "fillcolor": "#f2f2f2",
                    "color": "#aaaaaa", "fontsize": "9", "height": "0.2"}
        if node.type in _INPUT_OPS:
            return {"shape": "ellipse", "style": "filled", "fillcolor": "#e3f2d9"}
        if node.type in _STATE_OPS:
            return {"shape": "box", "style": "rounded,filled", "fillcolor": "#fbe5cf"}
        return {"shape": "box", "style": "rounded,filled", "fillcolor": "#dbe8f6"}

    def source(self, tensor, container=None):
        """The dot id of the node producing `tensor`. A constant gets a fresh small node in
        `container` for every use, so shared scalars do not tie distant parts together."""
        if tensor.node.type.lower() in _CONST_OPS and container is not None \
                and id(tensor) not in self.alias:
            self.counter[0] += 1
            const_id = f"c{self.counter[0]}"
            container.node(const_id, label=self.const_label(tensor.node),
                           **self.style(tensor.node))
            return const_id
        return self.alias.get(id(tensor)) or self.ids.get(id(tensor.node))

    def draw(self, dot, graph):
        for node in graph.nodes:
            if node.type == "fused" and "cluster" in node.attrs:
                self.draw_fused(dot, node)
                continue
            if node.type.lower() in _CONST_OPS and not _is_output(graph, node):
                continue
            dot.node(self.new_id(node), label=self.label(node), **self.style(node))
            for t in node.inputs:
                tail = self.source(t, dot)
                if tail is not None:   # inputs captured from another graph are not drawn
                    dot.edge(tail, self.ids[id(node)])
            for label, body in subgraphs(node):
                self.draw_body(dot, node, label, body)

    def draw_body(self, dot, node, label, body):
        """A control-flow body (a cond branch, a loop's condition or body) as a dashed cluster
        of its own nodes, tied to its node by a dashed edge (bodies nest the same way)."""
        self.counter[0] += 1
        name = f"cluster_{self.counter[0]}"
        inner = _GraphDrawer(self.show_shapes, self.counter)
        with dot.subgraph(name=name) as sub:
            sub.attr(label=f"{label}  ({node.name})", style="rounded,dashed", color="#6a5acd",
                     fontname="Helvetica-Bold", fontsize="11")
            inner.draw(sub, body.graph)
        first = next((inner.ids[id(n)] for n in body.graph.nodes if id(n) in inner.ids), None)
        if first is not None:
            dot.edge(self.ids[id(node)], first, lhead=name, style="dashed", color="#6a5acd",
                     arrowhead="none")

    def draw_fused(self, dot, node):
        """The fused node as a cluster of its body's ops; the body's placeholders stand for the
        fused node's inputs, so edges go straight from the outer producers to the inner ops."""
        cluster = node.attrs["cluster"]
        body = cluster.body
        outer_of = {id(p.node): t for p, t in zip(body.inputs, node.inputs)}
        self.counter[0] += 1
        with dot.subgraph(name=f"cluster_{self.counter[0]}") as sub:
            sub.attr(label=f"{cluster.name}  ({cluster.kind})", style="rounded,filled",
                     fillcolor="#fff7d6", color="#d4a017", fontname="Helvetica-Bold",
                     fontsize="12")
            for inner in body.nodes:
                if id(inner) in outer_of or inner.type.lower() in _CONST_OPS:
                    continue
                sub.node(self.new_id(inner), label=self.label(inner), **self.style(inner))
                head = self.ids[id(inner)]
                for t in inner.inputs:
                    outer = outer_of.get(id(t.node))
                    tail = self.source(outer, dot) if outer is not None else self.source(t, sub)
                    if tail is not None:
                        dot.edge(tail, head)
        for out, inner_out in zip(node.outputs, body.outputs):
            producer = inner_out.node
            if id(producer) in outer_of:   # an input passed straight through
                self.alias[id(out)] = self.source(outer_of[id(producer)])
            else:
                self.alias[id(out)] = self.ids[id(producer)]
        self.ids[id(node)] = self.alias.get(id(node.outputs[0])) if node.outputs else None


def plot_graph(fn_or_concrete_or_graph: Any, to_file: Optional[str] = None,
               optimized: bool = True, compare: bool = False, show_shapes: bool = True,
               rankdir: str = "TB", dpi: int = 96) -> "graphviz.Digraph":
    """Draws an IR graph as a `graphviz.Digraph` (and saves it when `to_file` is given; the
    format comes from the extension: svg, png, pdf, dot).

    Accepts a `graphflow.function` (its most recent trace), a ConcreteFunction, or a Graph
    (e.g. a compat.v1 session graph, drawn as built). With optimized=True a function is drawn as
    the compiler optimized it, fused kernels as clusters; compare=True draws the traced graph
    ("before") and the optimized one ("after") side by side.

        >>> import graphflow as tf
        >>> g = tf.Graph()
        >>> with g.as_default():
        ...     y = tf.compat.v1.placeholder(tf.float32, [2], name="x") * 3.0
        >>> "multiply" in tf.visualize.plot_graph(g).source
        True
    """
    from graphflow.keras.utils.vis_utils import new_diagram, save_digraph
    before, after = _graphs_of(fn_or_concrete_or_graph, optimized or compare)
    dot = new_diagram(before.name or "graph", raster_dpi=dpi)
    dot.attr(rankdir=rankdir, newrank="true", fontname="Helvetica", compound="true")
    dot.attr("node", fontname="Helvetica", fontsize="11", margin="0.08,0.03", height="0.3")
    dot.attr("edge", color="#555555", arrowsize="0.6")
    counter = [0]
    if compare:
        for title, graph in (("before", before), ("after", after)):
            if graph is None:
                continue
            with dot.subgraph(name=f"cluster_{title}") as sub:
                sub.attr(label=f"{title}: {len(graph.nodes)} nodes", style="dashed",
                         color="#888888", fontsize="16", fontname="Helvetica-Bold")
                _GraphDrawer(show_shapes, counter).draw(sub, graph)
    else:
        graph = after if (optimized and after is not None) else before
        _GraphDrawer(show_shapes, counter).draw(dot, graph)
    if to_file:
        save_digraph(dot, to_file, caller="plot_graph")
    return dot
