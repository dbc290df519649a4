"""What is known about tensors before a graph runs: static shapes propagated through a graph,
and static values (TF's tf.get_static_value), including partially known shape vectors such as
`tf.shape(x)` for an x of shape (None, 3).

Ops that take a shape, size or count use these to stay static when they can: `tf.zeros(tf.shape(x))`
for an x of known shape is the same constant as `tf.zeros(x.shape)`, and only otherwise becomes an
op that computes its shape when the graph runs.

    >>> import graphflow as tf
    >>> g = tf.Graph()
    >>> with g.as_default():
    ...     x = tf.compat.v1.placeholder(tf.float32, [None, 3])
    ...     s = tf.shape(x)
    >>> partial_value(s)
    (None, 3)
    >>> partial_value(s[1])
    3
    >>> int(constant_value(s[1] * 2)), constant_value(s) is None
    (6, True)
"""
import numpy as np

from graphflow import dtypes
from graphflow.ops.registry import FUSED, OPAQUE, RANDOM, STATEFUL, Spec
from graphflow.tensor import EagerTensor, SymbolicTensor, Tensor, Variable

MAX_ELEMENTS = 1024   # static values are computed for small tensors only (shapes, counts)
MAX_DEPTH = 48        # and through at most this many producers
_SHAPE_QUERIES = ("shape", "size", "rank")


# -- static values ------------------------------------------------------------------------------

def get_static_value(tensor, partial=False):
    """The value of `tensor` if it can be computed without running the graph, else None (TF's
    tf.get_static_value). With partial=True a 1-D integer tensor known only in part (a shape
    with unknown dims) gives an array of object dtype with None for the unknown entries.

        >>> get_static_value(tf.constant([1, 2]))
        array([1, 2], dtype=int32)
    """
    if isinstance(tensor, Variable):
        return None
    if not isinstance(tensor, SymbolicTensor):
        return np.asarray(tensor._value if isinstance(tensor, EagerTensor) else tensor)
    value = _value(tensor, {}, 0)
    if value is not None:
        return value
    if partial:
        p = partial_value(tensor)
        if isinstance(p, tuple):
            return np.array(p, dtype=object)
    return None


def constant_value(x):
    """x's value as an ndarray when it is known without running a graph, else None (TF's
    tensor_util.constant_value): Python and NumPy values, eager tensors, lists mixing them with
    known tensors, and symbolic tensors get_static_value can compute. Ops whose arguments TF
    allows to be tensors but graphflow needs as attributes (a scatter's shape, a segment count)
    accept any tensor whose value is known this way.

        >>> constant_value([1, 2]).tolist(), constant_value(tf.constant(3.0)).item()
        ([1, 2], 3.0)
    """
    if isinstance(x, Variable):
        return None
    if isinstance(x, SymbolicTensor):
        return get_static_value(x)
    if isinstance(x, EagerTensor):
        return x.numpy()
    if isinstance(x, Tensor):
        return None
    if isinstance(x, (list, tuple)) and any(isinstance(v, (Tensor, Variable)) for v in x):
        parts = [constant_value(v) for v in x]
        return None if any(p is None for p in parts) else np.asarray(parts)
    try:
        return np.asarray(x)
    except (TypeError, ValueError):
        return None


def _foldable(node):
    return (node.kind not in (STATEFUL, RANDOM, FUSED) and not node.opdef.bodies
            and node.type != "placeholder" and not (node.kind == OPAQUE and not node.inputs)
            and all(_small(o) for o in node.outputs))


def _small(t):
    n = t.shape.num_elements()
    return n is not None and n <= MAX_ELEMENTS and t.dtype is not dtypes.variant


def _value(t, memo, depth):
    """The full value of symbolic tensor t, or None."""
    key = id(t)
    if key in memo:
        return memo[key]
    node = t.node
    value = None
    if node.type == "const":
        value = node.attrs["value"]
    elif node.type in _SHAPE_QUERIES and node.inputs[0].shape.is_fully_defined():
        value = node.opdef.ref(_shaped(tuple(node.inputs[0].shape.as_list())), **node.attrs)
    elif node.type == "rank" and node.inputs[0].shape.rank is not None:
        value = np.asarray(node.inputs[0].shape.rank, t.dtype.np)
    elif node.type == "strided_slice" and node.inputs[0].node.type == "shape":
        # tf.shape(x)[k] of a partially known shape: known when the picked dims are
        picked = _partial(t, depth)
        if isinstance(picked, int) or (isinstance(picked, tuple) and None not in picked):
            value = np.asarray(picked, t.dtype.np)
    elif depth < MAX_DEPTH and node.inputs and _foldable(node):
        args = [_value(x, memo, depth + 1) for x in node.inputs]
        if all(a is not None for a in args):
            try:
                out = node.opdef.ref(*args, **node.attrs)
            except Exception:  # noqa: BLE001 - an error is the op's to report when it runs
                out = None
            if out is not None:
                out = out if node.opdef.num_outputs == 1 else out[t.index]
                value = np.asarray(out)
    memo[key] = value
    return value


def _shaped(dims):
    """An array of shape `dims` without its memory (what a shape query needs to look at)."""
    return np.lib.stride_tricks.as_strided(np.empty(1, np.uint8), dims, (0,) * len(dims))


def partial_value(t):
    """What is known of an integer tensor's value: an int for a known scalar, a tuple of ints
    and None for a 1-D tensor known in part (a shape), an ndarray for other known values, or
    None."""
    if isinstance(t, (int, np.integer)):
        return int(t)
    if not isinstance(t, (SymbolicTensor, EagerTensor)) and not hasattr(t, "dtype"):
        try:
            arr = np.asarray(t)
        except (TypeError, ValueError):
            return None
        return _as_partial(arr)
    full = get_static_value(t)
    if full is not None:
        return _as_partial(full)
    if not isinstance(t, SymbolicTensor):
        return None
    return _partial(t, 0)


def _as_partial(arr):
    arr = np.asarray(arr)
    if arr.dtype.kind in "iu":
        if arr.ndim == 0:
            return int(arr)
        if arr.ndim == 1:
            return tuple(int(v) for v in arr)
    return arr


def _partial(t, depth):
    """Structural partial values of the ops shapes are built from (TF's constant_value_as_shape):
    shape, strided_slice, expand_dims, concat (stack), cast, identity."""
    if depth > MAX_DEPTH:
        return None
    node = t.node
    kind = node.type
    if kind == "const":
        return _as_partial(node.attrs["value"])
    if kind == "shape":
        dims = node.inputs[0].shape.dims_tuple()
        return None if dims is None else tuple(dims)
    if kind in ("cast", "identity") and node.inputs[0].dtype.is_integer:
        return _partial(node.inputs[0], depth + 1)
    if kind == "expand_dims" and node.attrs["axis"] in (0, -1):
        inner = _partial(node.inputs[0], depth + 1) if isinstance(node.inputs[0], SymbolicTensor) \
            else partial_value(node.inputs[0])
        if inner is None and node.inputs[0].shape.rank == 0:
            return (None,)
        return (inner,) if isinstance(inner, int) or inner is None else None
    if kind == "concat" and node.attrs["axis"] == 0:
        parts = []
        for x in node.inputs:
            p = _partial(x, depth + 1)
            if p is None:
                n = x.shape[0] if x.shape.rank == 1 else None
                if n is None:
                    return None
                p = (None,) * n
            if not isinstance(p, tuple):
                return None
            parts.extend(p)
        return tuple(parts)
    if kind == "strided_slice":
        src = _partial(node.inputs[0], depth + 1)
        if not isinstance(src, tuple):
            return None
        spec = node.attrs["spec"]
        if len(spec) != 1:
            return None
        item = spec[0]
        if item[0] == "i":
            return src[item[1]] if -len(src) <= item[1] < len(src) else None
        if item[0] == "s":
            return src[slice(item[1], item[2], item[3])]
    return None


def shape_of_spec(spec):
    """The (partial) shape a 1-D shape operand's Spec describes: a tuple of ints and None, or
    None when not even its length is known."""
    value = spec.value
    if isinstance(value, tuple):
        return value
    if isinstance(value, np.ndarray) and value.ndim == 1:
        return tuple(None if v is None else int(v) for v in value)
    if spec.shape is not None and len(spec.shape) == 1 and spec.shape[0] is not None:
        return (None,) * spec.shape[0]
    return None


def scalar_of_spec(spec):
    """A scalar operand's value when the Spec knows it, else None."""
    value = spec.value
    if isinstance(value, (int, float, np.integer, np.floating)):
        return value
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype != object:
        return value.item()
    return None


def input_specs(op, tensors):
    """Specs of an op's input tensors, with what is known of the values of its value_inputs."""
    specs = []
    for i, t in enumerate(tensors):
        value = partial_value(t) if i in op.value_inputs else None
        specs.append(Spec(t.shape.dims_tuple(), t.dtype, value))
    return specs


# -- static shapes through a graph ----------------------------------------------------------------

def propagate(graph, specs):
    """The Specs of graph.outputs when graph.inputs have the given Specs: every node's shape
    rule run in program order (a control-flow body specialized for its node's input shapes).
    Small integer values that can be computed (shapes of inputs now known) are carried along
    for the ops that read them."""
    known = {id(p): s for p, s in zip(graph.inputs, specs)}
    values = {}
    for node in graph.nodes:
        if node.outputs and all(id(o) in known for o in node.outputs):
            continue
        if node.type == "placeholder":
            o = node.outputs[0]
            known[id(o)] = Spec(o.shape.dims_tuple(), o.dtype)
            continue
        ins = [known[id(t)] for t in node.inputs]
        in_specs = [Spec(s.shape, s.dtype, values.get(id(t)) if i in node.opdef.value_inputs
                         else None) for i, (s, t) in enumerate(zip(ins, node.inputs))]
        outs = node.opdef.infer(in_specs, **node.attrs)
        for o, (shape, dtype) in zip(node.outputs, outs):
            known[id(o)] = Spec(shape, dtype)
        value = node_value(node, ins, [values.get(id(t)) for t in node.inputs])
        if value is not None:
            for o, v in zip(node.outputs, value):
                values[id(o)] = v
    return [known[id(t)] for t in graph.outputs]


def node_value(node, in_specs, in_values):
    """The values of a node's outputs when they can be computed from what is known (its
    inputs' values, or a shape query on an input of known shape), else None. Used while
    propagating shapes, so that shapes computed in the graph are known where they are used."""
    if node.type == "const":
        return [node.attrs["value"]]
    if node.type in _SHAPE_QUERIES:
        dims = in_specs[0].shape
        if dims is None or None in dims:
            return None
        return [node.opdef.ref(_shaped(tuple(dims)), **node.attrs)]
    if not node.inputs or any(v is None or not isinstance(v, np.ndarray) for v in in_values):
        return None
    if not _foldable(node):
        return None
    try:
        out = node.opdef.ref(*in_values, **node.attrs)
    except Exception:  # noqa: BLE001 - the op reports its own errors when it runs
        return None
    outs = [out] if node.opdef.num_outputs == 1 else list(out)
    return [np.asarray(o) for o in outs]
