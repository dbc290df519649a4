"""The write_summary op: tf.summary.scalar/histogram/image/text inside a graphflow.function.

A STATEFUL op without outputs (like print): when the function runs, its reference
implementation hands the data and step arrays to graphflow.summary, which writes the event to
the writer that was the default when the function was traced (as TF binds the writer at trace
time). The op is emitted only when recording was on at trace time.
"""
from graphflow.ops.registry import STATEFUL, dispatch, register


def _write_ref(data, step, *, kind, tag, writer, params):
    writer.write_arrays(kind, tag, data, int(step), dict(params))  # graphflow.summary's writer
    return ()


WRITE_SUMMARY = register("write_summary", STATEFUL, lambda specs, **attrs: [], _write_ref,
                         num_outputs=0)


def write_summary(kind, tag, data, step, writer, params, name=None):
    """Emits the op for a symbolic `data`/`step` (see module docstring)."""
    from graphflow.ops.creation import convert_to_tensor
    attrs = {"kind": kind, "tag": str(tag), "writer": writer,
             "params": tuple(sorted(params.items()))}
    return dispatch(WRITE_SUMMARY, (convert_to_tensor(data), convert_to_tensor(step)), attrs,
                    name)
