"""tf.summary.scalar / histogram / image / text / graph: summary protos (TensorBoard's own
formats, via its plugins' proto builders) written to the default writer at a step.

Each returns True when written and False when there is no default writer or record_if says
no, as TF. Inside a graphflow.function a summary becomes a write_summary op
(graphflow/ops/summary_write.py) that writes each time the function runs, to the writer that
was the default at trace time; record_if is decided at trace time.
"""
import numpy as np

from graphflow.errors import InvalidArgumentError
from graphflow.summary import writer as w
from graphflow.summary.protos import write_arrays


def _writer_and_step(step, what):
    writer = w.default_writer()
    if not isinstance(writer, w.SummaryWriter) or not w._recording():
        return None, None
    if step is None:
        step = w.get_step()
    if step is None:
        raise InvalidArgumentError(
            f"tf.summary.{what}: No step set. Please specify one either through the `step` "
            "argument or through tf.summary.experimental.set_step()")
    return writer, step


def _in_graph():
    from graphflow.context import context
    return context.graph is not None


def _symbolic(value):
    """A tensor of the graph being traced for `value` (a Variable is read when the function
    runs, not when it is traced)."""
    from graphflow.tensor import Variable
    return value.value() if isinstance(value, Variable) else value


def _emit(kind, name, data, step, params):
    """Writes now (eagerly) or adds a write_summary op to the function being traced."""
    writer, step = _writer_and_step(step, kind)
    if writer is None:
        return False
    if _in_graph():
        from graphflow.ops.summary_write import write_summary
        _check_static(kind, name, data)
        write_summary(kind, name, _symbolic(data), _symbolic(step), writer, params)
        return True
    write_arrays(kind, name, _value(data), int(np.asarray(_value(step, kind, "step"))), writer,
                 params)
    return True


def _check_static(kind, name, data):
    shape = getattr(data, "shape", None)
    rank = getattr(shape, "rank", None) if shape is not None else None
    if kind == "scalar" and rank not in (None, 0):
        raise InvalidArgumentError(
            f"tf.summary.scalar {name!r}: expected a scalar, got shape {shape}")
    if kind == "image" and rank not in (None, 4):
        raise InvalidArgumentError(
            f"tf.summary.image {name!r}: expected images of shape [k, height, width, channels], "
            f"got shape {shape}")


def _value(data, what="", arg="data"):
    if hasattr(data, "numpy"):
        return data.numpy()
    return np.asarray(data)


def scalar(name, data, step=None, description=None):
    """Writes a scalar (a float32 tensor, TensorBoard's "scalars" plugin)."""
    return _emit("scalar", name, data, step, {"description": description})


def histogram(name, data, step=None, buckets=None, description=None):
    """Writes a histogram of `data` with `buckets` buckets (30 by default, as TF)."""
    if buckets is not None and (isinstance(buckets, bool) or int(buckets) < 0):
        raise InvalidArgumentError(f"tf.summary.histogram {name!r}: buckets must be >= 0, "
                                   f"got {buckets!r}")
    return _emit("histogram", name, data, step, {"buckets": buckets, "description": description})


def image(name, data, step=None, max_outputs=3, description=None):
    """Writes up to `max_outputs` images of a [k, height, width, channels] batch (channels 1, 3
    or 4; floats in [0, 1] or uint8) as PNGs (TensorBoard's "images" plugin)."""
    return _emit("image", name, data, step,
                 {"max_outputs": int(max_outputs), "description": description})


def text(name, data, step=None, description=None):
    """Writes a string (or an array of them) for TensorBoard's "text" plugin."""
    return _emit("text", name, data, step, {"description": description})


def write_keras_model(name, model, step=0):
    """The model's JSON config under TensorBoard's "graph_keras_model" plugin (what Keras's
    TensorBoard callback writes as the conceptual graph)."""
    writer, step = _writer_and_step(step, "keras_model")
    if writer is None:
        return False
    from tensorboard.compat.proto import summary_pb2
    from tensorboard.util import tensor_util
    meta = summary_pb2.SummaryMetadata()
    meta.plugin_data.plugin_name = "graph_keras_model"
    meta.plugin_data.content = b"1"
    summary = summary_pb2.Summary()
    summary.value.add(tag=name, metadata=meta, tensor=tensor_util.make_tensor_proto(
        np.array(model.to_json().encode(), dtype=object)))
    writer.write(summary, step)
    return True


def graph(graph_data):
    """Writes a graph for TensorBoard's "graphs" tab: a graphflow Graph, a ConcreteFunction,
    or a graphflow.function (its last traced graph). Returns False with no default writer."""
    writer = w.default_writer()
    if not isinstance(writer, w.SummaryWriter) or not w._recording():
        return False
    writer.write_graph_def(graph_def(graph_data))
    return True


def graph_def(graph_data):
    """A TensorBoard GraphDef proto of a graphflow graph: one NodeDef per node with its op
    type, inputs ("name:index") and device."""
    from tensorboard.compat.proto import graph_pb2
    from graphflow.graph.ir import Graph
    g = graph_data
    if not isinstance(g, Graph):
        g = getattr(g, "graph", None) or getattr(getattr(g, "_last_concrete", None), "graph", None)
    if not isinstance(g, Graph):
        raise InvalidArgumentError(
            "tf.summary.graph: expected a graphflow Graph, a ConcreteFunction or a traced "
            f"graphflow.function, got {type(graph_data).__name__}")
    out = graph_pb2.GraphDef()
    for node in g.nodes:
        nd = out.node.add(name=node.name, op=node.type)
        for t in node.inputs:
            src = getattr(t, "node", None)
            if src is not None:
                nd.input.append(src.name if t.index == 0 else f"{src.name}:{t.index}")
        if node.device:
            nd.device = str(node.device)
    return out
