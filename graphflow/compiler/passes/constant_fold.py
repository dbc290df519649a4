"""Constant folding: nodes computable at compile time become `const` nodes.

Folded: pure ops whose inputs are all constants, and shape queries (shape, size, rank,
zeros_like, ones_like) on tensors whose static shape is fully known. Stateful and random ops
are never folded, nor control flow (a loop with constant inputs could run for long, or forever).

    >>> import graphflow as tf
    >>> from graphflow.compiler.passes import constant_fold
    >>> g = tf.Graph()
    >>> with g.as_default():
    ...     x = tf.compat.v1.placeholder(tf.float32, [2], name="x")
    ...     y = x * (tf.constant(2.0) + 1.0)
    >>> g.inputs, g.outputs = [x], [y]
    >>> new, stats = constant_fold.run(g)
    >>> stats["folded"]
    1
"""
import numpy as np

from graphflow.compiler.rewrite import Rewriter
from graphflow.ops.creation import CONST
from graphflow.ops.registry import FUSED, OPAQUE, RANDOM, STATEFUL

NAME = "constant_fold"
DESCRIPTION = "evaluate nodes whose inputs are constants (and static-shape queries)"
MAX_FOLDED_ELEMENTS = 1 << 20  # larger results stay computed at run time (smaller graphs)
_SHAPE_QUERIES = {"shape": lambda x, a: np.array(x, dtype=a["out_type"]),
                  "size": lambda x, a: np.array(int(np.prod(x, dtype=np.int64)), dtype=a["out_type"]),
                  "rank": lambda x, a: np.array(len(x), dtype=a["out_type"])}


def _const(rw, node, values):
    for out, value in zip(node.outputs, values):
        value = np.asarray(value)
        new = rw.emit(CONST, [], {"value": value}, [(value.shape, out.dtype)], node.name)
        rw.alias(out, new.outputs[0])


def run(graph):
    rw = Rewriter(graph)
    values = {}  # id(destination tensor) -> constant value
    folded = 0
    for node in graph.nodes:
        kind = node.kind
        if node.type == "const":
            new = rw.copy(node)
            values[id(new.outputs[0])] = node.attrs["value"]
            continue
        inputs = [rw.tensor(t) for t in node.inputs]
        static = node.inputs[0].shape if node.inputs else None
        if node.type in _SHAPE_QUERIES and static.is_fully_defined():
            _const(rw, node, [_SHAPE_QUERIES[node.type](tuple(static.as_list()), node.attrs)])
        elif node.type in ("zeros_like", "ones_like") and static.is_fully_defined() and \
                static.num_elements() <= MAX_FOLDED_ELEMENTS:
            fill = 0 if node.type == "zeros_like" else 1
            if node.outputs[0].dtype.np.kind == "O":
                fill = b""  # tf.string's zero is the empty string
            _const(rw, node, [np.full(static.as_list(), fill, dtype=node.outputs[0].dtype.np)])
        elif (kind not in (STATEFUL, RANDOM, FUSED) and node.type != "placeholder"
              and not node.opdef.bodies  # never run a loop at compile time (it may not end)
              and not (kind == OPAQUE and not inputs) and inputs
              and all(id(t) in values for t in inputs)
              and all(o.shape.is_fully_defined() and o.shape.num_elements() <= MAX_FOLDED_ELEMENTS
                      for o in node.outputs)):
            args = [values[id(t)] for t in inputs]
            result = node.opdef.ref(*args, **node.attrs)
            _const(rw, node, [result] if len(node.outputs) == 1 else list(result))
        else:
            rw.copy(node, inputs)
            continue
        folded += 1
        for out in node.outputs:
            values[id(rw.tensor(out))] = rw.tensor(out).node.attrs["value"]
    return rw.finish(), {"folded": folded}
