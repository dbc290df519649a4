"""Index ops as elementwise math and reductions, so they fuse with their neighbours.

`one_hot` and `argmax`/`argmin` have no scalar form, so the CPU plan runs each as a NumPy step
of its own (tens of microseconds per call in a training loop, against a few for a fused kernel).
Both can be written exactly with primitives that do have one:

  one_hot(i, depth, on, off, axis)  ->  where(expand_dims(i, axis) == iota, on, off)
      iota is the constant 0..depth-1 in the indices' dtype, shaped (depth, 1, ...) so that it
      runs along `axis`; negative and out-of-range indices equal no iota entry and give all-off
      rows, as the op's reference (and TF) do.
  argmax(x, axis)  ->  reduce_min(where(x == m or x != x, iota, n), axis),  m = reduce_max(x)
      the positions attaining the maximum keep their index and the others the sentinel n (the
      axis length), so the min is the first one: ties give the first index, as NumPy. NaN: a
      row with a NaN has m = NaN (reduce_max propagates it), no x equals m, and the NaN test
      picks the first NaN, which is what np.argmax returns. argmin likewise with reduce_min.
      The iota is floating point (exact for these lengths) because only float reductions have
      kernels; integer inputs of at most 32 bits are compared as float64, which is exact.

The rewrite is skipped where it would not be exact or would not fuse: an unknown rank (or,
for argmax, reduced length), a zero depth or empty reduced axis (the reference's result or
error is kept), an iota that does not fit the indices' dtype or an index the output type, an
argmax over a middle axis (reduction kernels reduce leading or trailing axes), int64 argmax
inputs (not exact as float64), and float16 (which the Numba kernels do not support).

    >>> import graphflow as tf
    >>> from graphflow.compiler.passes import expand_index_ops
    >>> g = tf.Graph()
    >>> with g.as_default():
    ...     labels = tf.compat.v1.placeholder(tf.int32, [4], name="labels")
    ...     scores = tf.compat.v1.placeholder(tf.float32, [4, 3], name="scores")
    ...     hot = tf.one_hot(labels, 3)
    ...     best = tf.argmax(scores, axis=1)
    >>> g.inputs, g.outputs = [labels, scores], [hot, best]
    >>> new, stats = expand_index_ops.run(g)
    >>> stats
    {'one_hot': 1, 'argmax': 1, 'argmin': 0}
    >>> ops = [n.type for n in new.nodes if n.type not in ("placeholder", "const")]
    >>> ops[:3]
    ['expand_dims', 'equal', 'where']
    >>> ops[3:]
    ['reduce_max', 'equal', 'is_nan', 'logical_or', 'where', 'reduce_min', 'cast']
"""
import warnings

import numpy as np

from graphflow import dtypes
from graphflow.compiler.rewrite import Rewriter
from graphflow.errors import InvalidArgumentError
from graphflow.ops.creation import CONST
from graphflow.ops.registry import REGISTRY, Spec

NAME = "expand_index_ops"
DESCRIPTION = "rewrite one_hot / argmax / argmin as elementwise ops and reductions, so they fuse"

# A target fact from the pipeline's facts: dtypes the kernels cannot hold (the Numba CPU
# target has no float16); a rewritten op would fail to compile there where the original ran
# as a NumPy step.
FACTS = ("unsupported_dtypes",)
# The largest axis length whose indices float32 holds exactly (beyond it the iota is float64).
_FLOAT32_EXACT = 1 << 24


def run(graph, unsupported_dtypes=()):
    rw = Rewriter(graph)
    rw.no_kernel_dtypes = tuple(dtypes.as_dtype(d) for d in unsupported_dtypes)
    counts = {"one_hot": 0, "argmax": 0, "argmin": 0}
    for node in graph.nodes:
        ins = [rw.tensor(t) for t in node.inputs]
        rewrite = _REWRITES.get(node.type)
        out = rewrite(rw, node, ins) if rewrite is not None else None
        if out is None:
            rw.copy(node, ins)
            continue
        old = node.outputs[0]
        if out.shape.dims_tuple() != old.shape.dims_tuple() or out.dtype is not old.dtype:
            raise InvalidArgumentError(
                f"internal compiler error in {NAME}: {node.name} ({node.type}) of "
                f"{old.dtype.name}{old.shape} became {out.dtype.name}{out.shape}")
        rw.alias(old, out)
        rw.replace_node(node, out.node)
        counts[node.type] += 1
    return rw.finish(), counts


# -- one_hot ------------------------------------------------------------------------------------

def _one_hot(rw, node, ins):
    """where(indices expanded at axis == iota, on, off), or None when not exact or fusible."""
    (indices,) = ins
    a = node.attrs
    shape, depth, out_dtype = indices.shape.dims_tuple(), a["depth"], dtypes.as_dtype(a["dtype"])
    if shape is None or depth < 1 or out_dtype in rw.no_kernel_dtypes:
        return None
    rank = len(shape)
    # The op's shape rule and reference agree only for axis -1 and 0..rank.
    axis = rank if a["axis"] == -1 else a["axis"]
    if not 0 <= axis <= rank or depth - 1 > np.iinfo(indices.dtype.np).max:
        return None
    try:
        # Exactly as the reference converts them (a float attr to the output dtype).
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            on = np.asarray(a["on_value"], out_dtype.np)
            off = np.asarray(a["off_value"], out_dtype.np)
    except (ValueError, OverflowError, TypeError):
        return None
    name = node.name
    # Indices of shape s[:axis] + (1,) + s[axis:] against an iota of shape (depth,) + (1,) *
    # (rank - axis) broadcast to the output's shape; at axis 0 the indices need no new axis.
    expanded = _op(rw, "expand_dims", [indices], {"axis": axis}, name) if axis else indices
    iota = _const(rw, np.arange(depth, dtype=indices.dtype.np).reshape(
        (depth,) + (1,) * (rank - axis)), f"{name}/iota")
    hot = _op(rw, "equal", [expanded, iota], None, name)
    return _op(rw, "where", [hot, _const(rw, on, f"{name}/on"), _const(rw, off, f"{name}/off")],
               None, name)


# -- argmax / argmin ------------------------------------------------------------------------------

def _arg(rw, node, ins):
    """The first index attaining the max (min) as reductions and a select, or None."""
    (x,) = ins
    shape, axis = x.shape.dims_tuple(), node.attrs["axis"]
    out_dtype = dtypes.as_dtype(node.attrs["output_type"])
    if shape is None or not shape or axis not in (0, len(shape) - 1):
        return None  # reduction kernels reduce leading or trailing axes only
    n = shape[axis]
    if n is None or n < 1:
        return None
    if x.dtype in rw.no_kernel_dtypes or not out_dtype.is_integer or n - 1 > out_dtype.max:
        return None
    floating = x.dtype.is_floating
    if not floating and x.dtype.size > 4:
        return None  # int64 values do not all convert to float64 exactly
    name = node.name
    largest = node.type == "argmax"

    def values():
        # Only float reductions have kernels: compare integers as float64, which holds them
        # exactly. One cast per use, so each joins the kernel that reads it.
        return x if floating else _op(rw, "cast", [x], {"dtype": "float64"}, name)

    extreme = _op(rw, "reduce_max" if largest else "reduce_min", [values()],
                  {"axis": (axis,), "keepdims": True}, name)
    v = values()
    hit = _op(rw, "equal", [v, extreme], None, name)
    if floating:  # a NaN row: extreme is NaN, equal to nothing; the first NaN wins, as NumPy
        hit = _op(rw, "logical_or", [hit, _op(rw, "is_nan", [v], None, name)], None, name)
    index_dtype = np.float32 if n <= _FLOAT32_EXACT else np.float64
    iota = np.arange(n, dtype=index_dtype).reshape((n,) + (1,) * (len(shape) - 1 - axis))
    iota = _const(rw, iota, f"{name}/iota")
    sentinel = _const(rw, np.asarray(n, index_dtype), f"{name}/sentinel")
    position = _op(rw, "where", [hit, iota, sentinel], None, name)
    first = _op(rw, "reduce_min", [position], {"axis": (axis,), "keepdims": False}, name)
    return _op(rw, "cast", [first], {"dtype": out_dtype.name}, name)


_REWRITES = {"one_hot": _one_hot, "argmax": _arg, "argmin": _arg}


# -- emitting -------------------------------------------------------------------------------------

def _op(rw, op_name, inputs, attrs, name):
    """A new `op_name` node (output specs from its own shape rule); returns its output."""
    op = REGISTRY[op_name]
    attrs = attrs or {}
    specs = op.infer([Spec(t.shape.dims_tuple(), t.dtype) for t in inputs], **attrs)
    return rw.emit(op, inputs, attrs, specs, f"{name}/{op_name}").outputs[0]


def _const(rw, value, name):
    return rw.emit(CONST, [], {"value": value}, [(value.shape, dtypes.from_numpy(value.dtype))],
                   name).outputs[0]
