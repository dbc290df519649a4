"""tf.print: prints when the op runs (eagerly at once; in a graph when the graph runs, in program
order), formatting tensors exactly as TensorFlow does.

Tensors print like TF's PrintV2 kernel: no commas, `summarize` elements at each end of every
dimension with "..." between, floats with the fewest digits that read back to the same value
(at most 9 for float32, 17 for float64), bools as 1 and 0. Python values print with str(); in a
list, tuple or dict (keys sorted) tensors inside are formatted the same way. The default stream
is sys.stderr, as in TF; sys.stdout, a "file://path" string (appended to), a logging function
or any object with write() also work.

    >>> import graphflow as tf, sys
    >>> tf.print("x:", tf.constant([1.5, 2.0]), tf.range(10), summarize=2, output_stream=sys.stdout)
    x: [1.5 2] [0 1 ... 8 9]
"""
import sys

import numpy as np

from graphflow.context import context
from graphflow.errors import InvalidArgumentError
from graphflow.ops.registry import STATEFUL, dispatch, register
from graphflow.tensor import Tensor, Variable
from graphflow.utils import nest


# -- formatting (TF's Tensor::SummarizeValue with print_v2) --------------------------------------

def format_element(value):
    """One element as TF prints it."""
    kind = value.dtype.kind if isinstance(value, np.generic) else None
    if kind == "b":
        return "1" if value else "0"
    if kind == "f":
        if value.dtype == np.float64:
            text = "%.15g" % value
            return text if np.float64(text) == value else "%.17g" % value
        v = np.float32(value)  # float16 prints through float, as in TF
        text = "%.6g" % v
        return text if np.float32(text) == v else "%.9g" % v
    if kind in "iu":
        return str(int(value))
    if isinstance(value, (bytes, str)):
        return '"' + (value.decode() if isinstance(value, bytes) else value) + '"'
    return str(value)


def _spacing(dim, ndim):
    if dim == ndim - 1:
        return " "
    return "\n" * (ndim - dim - 1) + " " * (dim + 1)


def format_tensor(array, summarize=3):
    """The text TF's tf.print shows for an array.

        >>> format_tensor(np.arange(8).reshape(2, 4), summarize=1)
        '[[0 ... 3]\\n [4 ... 7]]'
    """
    array = np.asarray(array)
    limit = array.size if summarize is None or summarize < 0 else min(int(summarize), array.size)
    if array.ndim == 0:
        return format_element(array[()]) if limit else ""
    parts = []
    _print_dim(array, (), limit, parts)
    return "".join(parts)


def _print_dim(array, index, ends, parts):
    """PrintOneDimV2: `index` selects the sub-array being printed along the leading dims."""
    dim, ndim = len(index), array.ndim
    if dim == ndim:
        parts.append(format_element(array[index]))
        return
    parts.append("[")
    count = array.shape[dim]
    for i in range(min(ends, count)):
        if i > 0:
            parts.append(_spacing(dim, ndim))
        _print_dim(array, index + (i,), ends, parts)
    if count > 2 * ends:
        parts.append(_spacing(dim, ndim))
        parts.append("...")
    for i in range(max(ends, count - ends), count):
        parts.append(_spacing(dim, ndim))
        _print_dim(array, index + (i,), ends, parts)
    parts.append("]")


class _Slot:
    """Stands for the k-th tensor in the text of a Python structure (repr gives a marker)."""

    __slots__ = ("k",)

    def __init__(self, k):
        self.k = k

    def __repr__(self):
        return f"\x00{self.k}\x00"


def _render(value):
    """repr() of a structure with dict keys sorted (as TF prints them)."""
    if isinstance(value, dict):
        keys = nest._sorted_keys(value)
        return "{" + ", ".join(f"{k!r}: {_render(value[k])}" for k in keys) + "}"
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        inner = ", ".join(_render(v) for v in value)
        return "(" + inner + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, list):
        return "[" + ", ".join(_render(v) for v in value) + "]"
    return repr(value)


def template(inputs):
    """(text pieces, tensors): each input as a piece, with tensors as _Slot markers filled in
    when the op runs. Top-level strings print as they are, other Python values with str()."""
    tensors, pieces = [], []
    for x in inputs:
        if isinstance(x, (Tensor, Variable)):
            pieces.append(("tensor", len(tensors)))
            tensors.append(x)
        elif nest.is_nested(x) and any(isinstance(v, (Tensor, Variable)) for v in nest.flatten(x)):
            leaves = []
            for v in nest.flatten(x):
                if isinstance(v, (Tensor, Variable)):
                    leaves.append(_Slot(len(tensors)))
                    tensors.append(v)
                else:
                    leaves.append(v)
            pieces.append(("text", _render(nest.pack_sequence_as(x, leaves))))
        else:
            pieces.append(("text", x if isinstance(x, str) else
                           (_render(x) if nest.is_nested(x) else str(x))))
    return tuple(pieces), tensors


def fill(pieces, arrays, summarize):
    """The printed strings of the pieces, with the tensors' values formatted."""
    texts = [format_tensor(a, summarize) for a in arrays]
    out = []
    for kind, value in pieces:
        if kind == "tensor":
            out.append(texts[value])
        else:
            for k, text in enumerate(texts):
                value = value.replace(f"\x00{k}\x00", text)
            out.append(value)
    return out


# -- the op --------------------------------------------------------------------------------------

def _stream_attr(stream):
    """A stream as a hashable attr: standard streams by name (resolved when printing, so a
    redirected sys.stdout is honoured), files by path, anything else as itself."""
    if stream is sys.stderr or stream is sys.__stderr__:
        return "stderr"
    if stream is sys.stdout or stream is sys.__stdout__:
        return "stdout"
    if isinstance(stream, str):
        if stream.startswith("file://"):
            return stream
        raise InvalidArgumentError(
            f"print: output_stream {stream!r} is not supported; use sys.stdout, sys.stderr, a "
            "'file://path' string, a logging function or an object with write()")
    if callable(stream) or hasattr(stream, "write"):
        return stream
    raise InvalidArgumentError(f"print: output_stream {stream!r} is not a stream")


def write(stream, text, end):
    if stream == "stderr":
        sys.stderr.write(text + end)
    elif stream == "stdout":
        sys.stdout.write(text + end)
    elif isinstance(stream, str):
        with open(stream[len("file://"):], "a") as f:
            f.write(text + end)
    elif hasattr(stream, "write"):
        stream.write(text + end)
    else:  # a logging function: one record per call, without the line end
        stream(text + end.rstrip("\n"))


def _print_ref(*arrays, pieces, summarize, sep, end, output_stream):
    write(output_stream, sep.join(fill(pieces, arrays, summarize)), end)
    return ()


PRINT = register("print", STATEFUL, lambda specs, **attrs: [], _print_ref, num_outputs=0)


def print_v2(*inputs, output_stream=None, summarize=3, sep=" ", end="\n", name=None):
    """Prints the inputs when the op runs: at once eagerly; in a graphflow.function each time
    the function runs, in program order; in a compat.v1 graph when the returned op is run.

        >>> tf.print("sum:", tf.reduce_sum(tf.constant([1, 2])), output_stream=sys.stdout)
        sum: 3
    """
    pieces, tensors = template(inputs)
    attrs = {"pieces": pieces, "summarize": -1 if summarize is None else int(summarize),
             "sep": str(sep), "end": str(end),
             "output_stream": _stream_attr(sys.stderr if output_stream is None else output_stream)}
    out = dispatch(PRINT, tensors, attrs, name)
    return None if context.graph is None else out

