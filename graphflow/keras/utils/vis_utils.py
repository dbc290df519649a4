"""plot_model / model_to_dot: a Keras model's layer graph as a graphviz Digraph.

Functional models are drawn from the layer calls they recorded (a shared layer is one box with
an edge per call), Sequential models as their chain of layers starting at the input, nested
models as one box or, with expand_nested=True, as a cluster of their own layers. A subclassed
model is drawn from the layer calls recorded by running its call() once on a symbolic input; if
call() cannot run symbolically, its tracked layers are drawn in definition order with dashed
edges and a note saying the connectivity is not known.

    >>> from graphflow import keras
    >>> model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(10, name="d")])
    >>> dot = keras.utils.model_to_dot(model, show_shapes=True)
    >>> "(None, 784)" in dot.source
    True
"""
from typing import TYPE_CHECKING, Any, Optional

if TYPE_CHECKING:
    import graphviz

import functools
import html
import os
import shutil
import tempfile

from graphflow.errors import FailedPreconditionError, InvalidArgumentError
from graphflow.keras.utils.summary import _shape_text
from graphflow.utils import nest

_FORMATS = ("png", "svg", "pdf", "jpg", "jpeg", "gif", "ps", "eps", "dot", "gv")
DOT_MISSING = ("the graphviz 'dot' program was not found on PATH; install Graphviz (e.g. "
               "`apt-get install graphviz`, `brew install graphviz`) or save as .dot")


def _graphviz():
    try:
        import graphviz
    except ImportError:  # pragma: no cover - graphviz is a dependency of the visualizers
        raise FailedPreconditionError(
            "plot_model needs the `graphviz` Python package: pip install graphviz") from None
    return graphviz


# Formats whose size is in pixels. Graphviz's `dpi` scales an SVG's drawing but not its viewBox
# (graphviz 2.43: width="461pt" viewBox="0 0 166 116" with scale(2.78)), so a browser shows only
# the drawing's top-left part; a diagram therefore sets dpi only when it renders one of these.
RASTER_FORMATS = frozenset({"png", "jpg", "jpeg", "jpe", "gif", "bmp", "tif", "tiff", "ico",
                            "webp", "wbmp"})


@functools.lru_cache(maxsize=None)
def _diagram_class():
    graphviz = _graphviz()

    class Diagram(graphviz.Digraph):
        """A graphviz Digraph whose `raster_dpi` applies to raster output only (png, jpg, ...):
        SVG, PDF and the notebook's SVG display keep the drawing at its natural size, whole.

            >>> from graphflow.keras.utils.vis_utils import new_diagram
            >>> dot = new_diagram("g", raster_dpi=200)
            >>> dot.node("a")
            >>> "dpi" in dot.source, "dpi=200" in dot.with_format_settings("png").source
            (False, True)
        """

        def __init__(self, *args, raster_dpi=None, **kwargs):
            super().__init__(*args, **kwargs)
            self.raster_dpi = raster_dpi

        def _copy_kwargs(self, **kwargs):
            return super()._copy_kwargs(raster_dpi=self.raster_dpi, **kwargs)

        def with_format_settings(self, fmt):
            """This diagram as it renders to `fmt`: a copy with the dpi set for raster formats,
            else the diagram itself."""
            if self.raster_dpi is None or str(fmt).lower() not in RASTER_FORMATS:
                return self
            target = self.copy()
            target.attr(dpi=str(self.raster_dpi))
            return target

        def pipe(self, format=None, *args, **kwargs):  # noqa: A002 - graphviz's parameter name
            target = self.with_format_settings(format or self.format)
            return graphviz.Digraph.pipe(target, format, *args, **kwargs)

        def render(self, filename=None, directory=None, view=False, cleanup=False, format=None,
                   *args, outfile=None, **kwargs):  # noqa: A002 - graphviz's parameter name
            fmt = format or (os.path.splitext(str(outfile))[1].lstrip(".") if outfile else None)
            target = self.with_format_settings(fmt or self.format)
            return graphviz.Digraph.render(target, filename, directory, view, cleanup, format,
                                           *args, outfile=outfile, **kwargs)

    return Diagram


def new_diagram(name: str, raster_dpi: Optional[int] = None) -> "graphviz.Digraph":
    """An empty graphviz Digraph named `name` that uses `raster_dpi` for raster formats only."""
    return _diagram_class()(name=name, raster_dpi=raster_dpi)


# -- which layers and which edges -----------------------------------------------------------------

def _is_sequential(model):
    return hasattr(model, "_input_layer") and hasattr(model, "add")


def _is_functional(model):
    return getattr(model, "_is_graph_network", False) and not _is_sequential(model)


def _is_model(layer):
    return hasattr(layer, "_is_graph_network")


class _LayerGraph:
    """Layers (in drawing order) and edges (src_layer, src_output_index, dst_layer, dst_input
    index) of one model, plus the input/output shapes seen per layer."""

    def __init__(self, layers, edges, exact=True, inputs=(), outputs=()):
        self.layers = layers
        self.edges = edges
        self.exact = exact          # False: subclassed model whose connectivity is unknown
        self.inputs = list(inputs)  # layers that receive the model's inputs, in input order
        self.outputs = list(outputs)  # layers producing the model's outputs, in output order
        self.shapes = {}            # id(layer) -> (input text, output text) from the calls drawn


def _nodes_to_graph(nodes, input_layers, output_tensors):
    layers, edges = list(input_layers), []
    for node in nodes:
        if not any(node.layer is l for l in layers):
            layers.append(node.layer)
        for i, t in enumerate(node.input_tensors):
            src, _, out_index = t._keras_history
            edges.append((src, out_index, node.layer, i))
    outputs = [t._keras_history[0] for t in output_tensors]
    graph = _LayerGraph(layers, edges, True, input_layers, outputs)
    for layer in layers:
        calls = [n for n in nodes if n.layer is layer]
        if calls:
            graph.shapes[id(layer)] = (_shapes_text(calls, "input"), _shapes_text(calls, "output"))
    return graph


def _layer_graph(model):
    from graphflow.keras.layers.base import InputLayer
    if _is_functional(model):
        inputs = [t._keras_history[0] for t in model.inputs]
        return _nodes_to_graph(model._nodes, inputs, model.outputs)
    if _is_sequential(model):
        chain = ([model._input_layer] if model._input_layer is not None else []) + model.layers
        edges = [(a, 0, b, 0) for a, b in zip(chain, chain[1:])]
        return _LayerGraph(chain, edges, True, chain[:1], chain[-1:])
    traced = _trace_subclassed(model)
    if traced is not None:
        return traced
    layers = [l for l in model.layers if not isinstance(l, InputLayer)]
    edges = [(a, 0, b, 0) for a, b in zip(layers, layers[1:])]
    return _LayerGraph(layers, edges, False, layers[:1], layers[-1:])


def _all_layers(layer, out):
    for inner in getattr(layer, "_layers", []):
        if not any(inner is l for l in out):
            out.append(inner)
            _all_layers(inner, out)
    return out


def _trace_subclassed(model):
    """Runs a subclassed model's call() once on a KerasTensor so its layers record their calls,
    reads the recorded graph, then removes every trace of that run (nodes, last output shapes,
    name counters). Returns None when call() does not run on symbolic inputs."""
    from graphflow.context import context
    from graphflow.keras.layers.base import InputLayer
    from graphflow.keras.models import Model
    shape = model._build_input_shape
    if shape is None or not hasattr(shape, "as_list") or shape.rank is None:
        return None
    sublayers = _all_layers(model, [])
    counts = {id(l): len(l._inbound_nodes) for l in sublayers}
    last_shapes = {id(l): l._last_output_shape for l in sublayers}
    names = dict(context.keras_names)
    try:
        x = InputLayer(batch_input_shape=(None,) + tuple(shape.as_list()[1:]), name="input")
        inp = x._inbound_nodes[0].outputs
        out = Model.call(model, inp) if _is_functional(model) else type(model).call(model, inp)
        probe = Model.__new__(Model)
        probe.inputs, probe.outputs = [inp], nest.flatten(out)
        nodes = Model._topological_nodes(probe)
        # Operation layers created by `x + y` inside call() are drawn too (they are real steps).
        return _nodes_to_graph(nodes, [x], probe.outputs)
    except Exception:  # noqa: BLE001 - any failure means "not symbolically traceable"
        return None
    finally:
        for layer in sublayers:
            del layer._inbound_nodes[counts[id(layer)]:]
            layer._last_output_shape = last_shapes[id(layer)]
        context.keras_names.clear()
        context.keras_names.update(names)


# -- labels ---------------------------------------------------------------------------------------

def _shapes_text(nodes, which):
    """Distinct input or output shapes over the given calls, as Keras prints them."""
    texts = []
    for node in nodes:
        tensors = node.input_tensors if which == "input" else node.output_tensors
        shapes = [t.shape for t in tensors]
        if len(shapes) == 1:
            text = _shape_text(shapes[0])
        else:  # several inputs print as a list, as in Keras
            text = "[" + ", ".join(_shape_text(s) for s in shapes) + "]" if shapes else "?"
        if text not in texts:
            texts.append(text)
    return " | ".join(texts)


def _shapes_of(layer, which, known=None):
    """The layer's input or output shapes: from the calls drawn (`known`), else from every call
    it recorded, else from its last eager call or build."""
    from graphflow.keras.layers.base import InputLayer
    if isinstance(layer, InputLayer):
        return _shape_text(layer._inbound_nodes[0].outputs.shape)
    if known is not None:
        return known[0 if which == "input" else 1]
    texts = _shapes_text(layer._inbound_nodes, which)
    if not texts:
        if which == "output" and layer._last_output_shape is not None:
            return _shape_text(layer._last_output_shape)
        if which == "input" and layer._build_input_shape is not None:
            return _shape_text(layer._build_input_shape)
        return "?"
    return texts


def _activation_name(layer):
    act = getattr(layer, "activation", None)
    if act is None:
        return None
    name = getattr(act, "__name__", None) or getattr(act, "name", None) or type(act).__name__
    return name


def _label(layer, show_shapes, show_dtype, show_layer_names, show_layer_activations,
           show_trainable, known_shapes=None):
    """An HTML-like table: the title row, then one row per requested detail."""
    esc = html.escape
    cls = type(layer).__name__
    title = f"{layer.name} ({cls})" if show_layer_names else cls
    rows = [f'<tr><td colspan="2" bgcolor="#dbe8f6"><b>{esc(title)}</b></td></tr>']

    def row(key, value):
        rows.append(f'<tr><td align="left">{esc(key)}</td><td align="left">{esc(value)}</td></tr>')

    if show_dtype:
        row("dtype:", str(layer.dtype))
    if show_layer_activations:
        act = _activation_name(layer)
        if act is not None:
            row("Activation:", act)
    if show_trainable:
        row("Trainable:", "Y" if layer.trainable else "N")
    if show_shapes:
        row("Input shape:", _shapes_of(layer, "input", known_shapes))
        row("Output shape:", _shapes_of(layer, "output", known_shapes))
    return ('<<table border="0" cellborder="1" cellspacing="0" cellpadding="4">'
            + "".join(rows) + "</table>>")


# -- drawing --------------------------------------------------------------------------------------

class _Drawer:
    def __init__(self, options):
        self.options = options
        self.ids = {}          # id(layer) -> node id
        self.clusters = 0

    def node_id(self, layer):
        return self.ids.setdefault(id(layer), f"L{len(self.ids)}")

    def expandable(self, layer):
        return self.options["expand_nested"] and _is_model(layer) and layer.layers

    def draw(self, dot, model):
        """Adds model's layers and edges to `dot`; returns its _LayerGraph."""
        graph = _layer_graph(model)
        inner = {}
        for layer in graph.layers:
            if self.expandable(layer):
                self.clusters += 1
                with dot.subgraph(name=f"cluster_{self.clusters}") as sub:
                    sub.attr(label=f"{layer.name} ({type(layer).__name__})", style="dashed",
                             color="#7f7f7f", fontname="Helvetica")
                    inner[id(layer)] = self.draw(sub, layer)
            else:
                dot.node(self.node_id(layer), label=_label(
                    layer, known_shapes=graph.shapes.get(id(layer)), **self.label_options()))
        style = {} if graph.exact else {"style": "dashed"}
        for src, out_index, dst, in_index in graph.edges:
            dot.edge(self.exit_id(src, out_index, inner), self.entry_id(dst, in_index, inner),
                     **style)
        if not graph.exact:
            dot.attr(label="subclassed model: call() could not be traced symbolically; layers "
                           "are shown in definition order")
        return graph

    def label_options(self):
        keys = ("show_shapes", "show_dtype", "show_layer_names", "show_layer_activations",
                "show_trainable")
        return {k: self.options[k] for k in keys}

    def entry_id(self, layer, index, inner):
        if id(layer) in inner:
            entries = inner[id(layer)].inputs
            target = entries[min(index, len(entries) - 1)]
            return self.entry_id(target, 0, inner)
        return self.node_id(layer)

    def exit_id(self, layer, index, inner):
        if id(layer) in inner:
            exits = inner[id(layer)].outputs
            target = exits[min(index, len(exits) - 1)]
            return self.exit_id(target, 0, inner)
        return self.node_id(layer)


def model_to_dot(model: Any, show_shapes: bool = False, show_dtype: bool = False,
                 show_layer_names: bool = True, rankdir: str = "TB", expand_nested: bool = False,
                 dpi: int = 200, subgraph: bool = False, show_layer_activations: bool = False,
                 show_trainable: bool = False) -> "graphviz.Digraph":
    """The model's layer graph as a `graphviz.Digraph` (Keras's model_to_dot).

        >>> from graphflow import keras
        >>> inputs = keras.Input((4,))
        >>> model = keras.Model(inputs, keras.layers.Dense(2, name="head")(inputs))
        >>> "head (Dense)" in keras.utils.model_to_dot(model).source
        True
    """
    from graphflow.keras.layers.base import Layer
    if not isinstance(model, Layer):
        raise InvalidArgumentError(
            f"model_to_dot: expected a keras Model or Layer, got {type(model).__name__}")
    if rankdir not in ("TB", "LR", "BT", "RL"):
        raise InvalidArgumentError(
            f"model_to_dot: rankdir must be TB, LR, BT or RL, got {rankdir!r}")
    if _is_model(model) and not _is_functional(model) and not _is_sequential(model) \
            and not model.built:
        raise InvalidArgumentError(
            f"model_to_dot: subclassed model {model.name!r} has not been built; call it on a "
            "batch of data (or call build(input_shape)) first so its layers are known")
    dot = new_diagram(model.name, raster_dpi=dpi)
    dot.attr(rankdir=rankdir, concentrate="false")
    dot.attr("node", shape="plaintext", fontname="Helvetica", fontsize="11", margin="0")
    dot.attr("edge", color="#404040", arrowsize="0.7")
    options = dict(show_shapes=show_shapes, show_dtype=show_dtype,
                   show_layer_names=show_layer_names, expand_nested=expand_nested,
                   show_layer_activations=show_layer_activations, show_trainable=show_trainable)
    drawer = _Drawer(options)
    if _is_model(model):
        drawer.draw(dot, model)
    else:  # a single layer: one box
        dot.node(drawer.node_id(model), label=_label(model, **drawer.label_options()))
    return dot


def save_digraph(dot: "graphviz.Digraph", to_file: str, caller: str = "plot_model") -> str:
    """Writes `dot` to `to_file` in the format its extension names (.dot/.gv: the DOT source,
    which needs no Graphviz install). The write is atomic."""
    ext = os.path.splitext(to_file)[1].lstrip(".").lower() or "png"
    if ext not in _FORMATS:
        raise InvalidArgumentError(
            f"{caller}: cannot save {to_file!r}: unknown format {ext!r}; use one of "
            f"{', '.join(_FORMATS)}")
    if ext in ("dot", "gv"):
        data = dot.source.encode("utf-8")
    else:
        if shutil.which("dot") is None:
            raise FailedPreconditionError(f"{caller}: cannot save {to_file!r}: {DOT_MISSING}")
        data = dot.pipe(format="jpeg" if ext == "jpg" else ext)
    directory = os.path.dirname(os.path.abspath(to_file))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".plot-", suffix="." + ext)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; give the usual permissions
        os.replace(tmp, to_file)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return to_file


def plot_model(model: Any, to_file: Optional[str] = "model.png", show_shapes: bool = False,
               show_dtype: bool = False, show_layer_names: bool = True, rankdir: str = "TB",
               expand_nested: bool = False, dpi: int = 200, show_layer_activations: bool = False,
               show_trainable: bool = False) -> "graphviz.Digraph":
    """Draws the model to `to_file` (format from the extension: png, svg, pdf, dot) and returns
    the graphviz Digraph, which notebooks display inline.

        >>> from graphflow import keras
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
        >>> dot = keras.utils.plot_model(model, to_file="/tmp/model.dot", show_shapes=True)
    """
    dot = model_to_dot(model, show_shapes=show_shapes, show_dtype=show_dtype,
                       show_layer_names=show_layer_names, rankdir=rankdir,
                       expand_nested=expand_nested, dpi=dpi,
                       show_layer_activations=show_layer_activations,
                       show_trainable=show_trainable)
    if to_file:
        save_digraph(dot, to_file)
    return dot
