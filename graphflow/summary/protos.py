"""The summary protos of tf.summary's data kinds (TensorBoard's own formats, built by its
plugins' proto builders) from NumPy data, written to a SummaryWriter at a step."""
import numpy as np

from graphflow.errors import InvalidArgumentError


def write_arrays(kind, name, arr, step, writer, params):
    """Builds the summary proto of `kind` from NumPy data and writes it at `step`."""
    arr = np.asarray(arr)
    builder = {"scalar": _scalar_pb, "histogram": _histogram_pb, "image": _image_pb,
               "text": _text_pb}[kind]
    writer.write(builder(name, arr, **params), step)


def _scalar_pb(name, arr, description=None):
    from tensorboard.plugins.scalar.summary_v2 import scalar_pb
    if arr.shape != ():
        raise InvalidArgumentError(
            f"tf.summary.scalar {name!r}: expected a scalar, got shape {arr.shape}")
    if arr.dtype.kind not in "biuf":
        raise InvalidArgumentError(
            f"tf.summary.scalar {name!r}: cannot write data of dtype {arr.dtype} as a float")
    return scalar_pb(name, arr, description)


def _histogram_pb(name, arr, buckets=None, description=None):
    from tensorboard.plugins.histogram.summary_v2 import histogram_pb
    return histogram_pb(name, arr.astype(np.float64), buckets=buckets, description=description)


def _image_pb(name, arr, max_outputs=3, description=None):
    from tensorboard.compat.proto import summary_pb2
    from tensorboard.plugins.image import metadata
    from tensorboard.util import tensor_util
    from graphflow.ops.image import encode_png
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
    return summary


def _text_pb(name, arr, description=None):
    from tensorboard.plugins.text.summary_v2 import text_pb
    if arr.dtype.kind not in "USO":
        raise InvalidArgumentError(
            f"tf.summary.text {name!r}: expected string data, got dtype {arr.dtype}")
    arr = np.vectorize(lambda s: s if isinstance(s, bytes) else str(s).encode(),
                       otypes=[object])(arr) if arr.size else arr.astype(object)
    return text_pb(name, arr, description)
