"""tf.summary.scalar / histogram / image / text / graph: summary protos (TensorBoard's own
formats, via its plugins' proto builders) written to the default writer at a step.

Each returns True when written and False when there is no default writer or record_if says
no, as TF. Data must be concrete (eager tensors, variables, NumPy or Python values): inside a
graphflow.function trace a summary raises, as graphflow has no summary ops in graphs.
"""
import numpy as np

from graphflow.errors import InvalidArgumentError, UnimplementedError
from graphflow.summary import writer as w


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
    return writer, int(np.asarray(_value(step, what, "step")))


def _value(data, what, arg="data"):
    from graphflow.tensor import SymbolicTensor
    if isinstance(data, SymbolicTensor):
        raise UnimplementedError(
            f"tf.summary.{what}: {arg} is a symbolic tensor of a graphflow.function being "
            "traced; graphflow writes summaries eagerly only (write them outside the function, "
            "e.g. from a callback, or run it with run_functions_eagerly)")
    if hasattr(data, "numpy"):
        return data.numpy()
    return np.asarray(data)


def scalar(name, data, step=None, description=None):
    """Writes a scalar (a float32 tensor, TensorBoard's "scalars" plugin)."""
    writer, step = _writer_and_step(step, "scalar")
    if writer is None:
        return False
    from tensorboard.plugins.scalar.summary_v2 import scalar_pb
    arr = _value(data, "scalar")
    if arr.shape != ():
        raise InvalidArgumentError(
            f"tf.summary.scalar {name!r}: expected a scalar, got shape {arr.shape}")
    if arr.dtype.kind not in "biuf":
        raise InvalidArgumentError(
            f"tf.summary.scalar {name!r}: cannot write data of dtype {arr.dtype} as a float")
    writer.write(scalar_pb(name, arr, description), step)
    return True


def histogram(name, data, step=None, buckets=None, description=None):
    """Writes a histogram of `data` with `buckets` buckets (30 by default, as TF)."""
    writer, step = _writer_and_step(step, "histogram")
    if writer is None:
        return False
    from tensorboard.plugins.histogram.summary_v2 import histogram_pb
    if buckets is not None and (isinstance(buckets, bool) or int(buckets) < 0):
        raise InvalidArgumentError(f"tf.summary.histogram {name!r}: buckets must be >= 0, "
                                   f"got {buckets!r}")
    arr = _value(data, "histogram").astype(np.float64)
    writer.write(histogram_pb(name, arr, buckets=buckets, description=description), step)
    return True


def image(name, data, step=None, max_outputs=3, description=None):
    """Writes up to `max_outputs` images of a [k, height, width, channels] batch (channels 1, 3
    or 4; floats in [0, 1] or uint8) as PNGs (TensorBoard's "images" plugin)."""
    writer, step = _writer_and_step(step, "image")
    if writer is None:
        return False
    from tensorboard.compat.proto import summary_pb2
    from tensorboard.plugins.image import metadata
    from tensorboard.util import tensor_util
    from graphflow.ops.image import encode_png
    arr = _value(data, "image")
    if arr.ndim != 4 or arr.shape[-1] not in (1, 3, 4):
        raise InvalidArgumentError(
            f"tf.summary.image {name!r}: expected images of shape [k, height, width, channels] "
            f"with 1, 3 or 4 channels, got shape {arr.shape}")
    if arr.dtype != np.uint8:  # TF's convert_image_dtype(saturate=True) from [0, 1]
        arr = np.clip(np.round(arr.astype(np.float64) * 255.0), 0, 255).astype(np.uint8)
    pngs = [encode_png(img).numpy() for img in arr[:int(max_outputs)]]
    size = [str(arr.shape[2]).encode(), str(arr.shape[1]).encode()]  # width, height
    tensor = tensor_util.make_tensor_proto(np.array(size + pngs, dtype=object))
    summary = summary_pb2.Summary()
    summary.value.add(tag=name, tensor=tensor,
                      metadata=metadata.create_summary_metadata(None, description))
    writer.write(summary, step)
    return True


def text(name, data, step=None, description=None):
    """Writes a string (or an array of them) for TensorBoard's "text" plugin."""
    writer, step = _writer_and_step(step, "text")
    if writer is None:
        return False
    from tensorboard.plugins.text.summary_v2 import text_pb
    arr = _value(data, "text")
    if arr.dtype.kind not in "USO":
        raise InvalidArgumentError(
            f"tf.summary.text {name!r}: expected string data, got dtype {arr.dtype}")
    arr = np.vectorize(lambda s: s if isinstance(s, bytes) else str(s).encode(),
                       otypes=[object])(arr) if arr.size else arr.astype(object)
    writer.write(text_pb(name, arr, description), step)
    return True


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
