"""Values known while a graph is built (TF's tensor_util.constant_value).

Ops whose arguments TF allows to be tensors but graphflow needs as attributes (a scatter's
shape, a segment count, a mask length) accept any tensor whose value is known without running
the graph: Python and NumPy values, eager tensors, graph constants, the shape, size or rank of
a tensor with a static shape, and pure ops over such values (`tf.shape(x)[0] + 1`).

    >>> import graphflow as tf
    >>> from graphflow.ops.static import constant_value
    >>> g = tf.Graph()
    >>> with g.as_default():
    ...     x = tf.compat.v1.placeholder(tf.float32, [None, 3])
    ...     n = tf.shape(x)[1] * 2
    >>> int(constant_value(n)), constant_value(tf.shape(x)) is None
    (6, True)
"""
import numpy as np

from graphflow.errors import GraphflowError
from graphflow.tensor import EagerTensor, SymbolicTensor, Tensor, Variable

# Kinds whose nodes are not pure functions of their inputs' values.
_IMPURE = ("stateful", "random", "fused")
_SHAPE_QUERIES = ("shape", "size", "rank")
_MAX_NODES = 64  # a bound on the work one query may do


def constant_value(x):
    """x's value as an ndarray when it is known without running a graph, else None.

        >>> constant_value([1, 2]).tolist(), constant_value(tf.constant(3.0)).item()
        ([1, 2], 3.0)
    """
    if isinstance(x, Variable):
        return None
    if isinstance(x, EagerTensor):
        return x.numpy()
    if isinstance(x, SymbolicTensor):
        return _symbolic_value(x, {}, [0])
    if isinstance(x, Tensor):
        return None
    if isinstance(x, (list, tuple)) and any(isinstance(v, Tensor) for v in x):
        parts = [constant_value(v) for v in x]
        return None if any(p is None for p in parts) else np.asarray(parts)
    try:
        return np.asarray(x)
    except (TypeError, ValueError):
        return None


def _symbolic_value(t, memo, budget):
    node = t.node
    key = id(node)
    if key not in memo:
        memo[key] = _node_values(node, memo, budget)
    values = memo[key]
    return None if values is None else values[t.index]


def _node_values(node, memo, budget):
    budget[0] += 1
    if budget[0] > _MAX_NODES or node.kind in _IMPURE or node.type == "placeholder":
        return None
    if node.type == "const":
        return [node.attrs["value"]]
    op = node.opdef
    if node.type in _SHAPE_QUERIES:
        shape = node.inputs[0].shape
        if node.type == "rank" and shape.rank is not None:
            return [op.ref(np.empty((0,) * shape.rank, np.uint8), **node.attrs)]
        if not shape.is_fully_defined():
            return None
        return [op.ref(np.empty(shape.as_list(), np.uint8), **node.attrs)]
    if not node.inputs:
        return None
    if node.type == "strided_slice" and node.inputs[0].node.type == "shape":
        return _known_dims(node)
    args = []
    for t in node.inputs:
        v = _symbolic_value(t, memo, budget)
        if v is None:
            return None
        args.append(v)
    try:
        out = op.ref(*args, **node.attrs)
    except GraphflowError:
        return None  # the graph reports the error when it runs
    return [np.asarray(o) for o in out] if op.num_outputs != 1 else [np.asarray(out)]


def _known_dims(node):
    """tf.shape(x)[k] or [a:b] of a partially known shape: known when the picked dims are."""
    shape = node.inputs[0].node.inputs[0].shape  # the shape of the tensor tf.shape was asked
    if shape.rank is None:
        return None
    dims = np.array([-1 if d is None else d for d in shape.as_list()],
                    dtype=node.outputs[0].dtype.np)
    try:
        picked = np.asarray(node.opdef.ref(dims, **node.attrs))
    except GraphflowError:
        return None
    return None if np.any(picked < 0) else [picked]
