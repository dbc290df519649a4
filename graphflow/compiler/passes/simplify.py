"""Algebraic simplification, only where the result is exactly the same:
x*1, 1*x, x/1, x+0, 0+x, x-0, pow(x, 1), pow(x, 2) -> square(x), x-x for integers,
identity / stop_gradient / same-dtype cast removal, transpose of transpose, reshape of reshape,
reshape to the same shape, broadcasts that do not change the shape, and unbroadcast (a
gradient summed back to its input's shape) as the plain reduce_sum it is when shapes are static,
so reduction fusion and kernels see it. Ops that take a shape computed in the graph
(dynamic_reshape, dynamic_one_hot, ...) become their static forms once it is a constant.

    >>> import graphflow as tf
    >>> from graphflow.compiler.passes import simplify
    >>> g = tf.Graph()
    >>> with g.as_default():
    ...     x = tf.compat.v1.placeholder(tf.float32, [2], name="x")
    ...     y = tf.identity(x * 1.0 + 0.0)
    >>> g.inputs, g.outputs = [x], [y]
    >>> simplify.run(g)[1]
    {'simplified': 3}
"""
import numpy as np

from graphflow.compiler.rewrite import Rewriter
from graphflow.ops.registry import REGISTRY

NAME = "simplify"
DESCRIPTION = "remove exact algebraic no-ops (x*1, x+0, double transpose, identity, ...)"


def _const_value(t):
    return t.node.attrs["value"] if t.node.type == "const" else None


def _is_all(t, number):
    v = _const_value(t)
    return v is not None and v.size > 0 and bool(np.all(v == number))


def _same_static(a, b):
    return a.shape.is_fully_defined() and a.shape == b.shape and a.dtype is b.dtype


def _passthrough(node, ins):
    """The input that `node` returns unchanged, or None."""
    t, out = node.type, node.outputs[0] if node.outputs else None
    if t in ("identity", "stop_gradient"):
        return ins[0]
    if t == "cast" and ins[0].dtype is out.dtype:
        return ins[0]
    if t in ("reshape", "reshape_like", "broadcast_like", "unbroadcast", "squeeze", "expand_dims") \
            and _same_static(ins[0], out):
        return ins[0]
    if t == "transpose" and list(node.attrs["perm"]) == sorted(node.attrs["perm"]):
        return ins[0]
    if len(ins) != 2:
        return None
    x, y = ins
    if t in ("multiply", "add") and _same_static(x, out) and _is_all(y, 1 if t == "multiply" else 0):
        return x
    if t in ("multiply", "add") and _same_static(y, out) and _is_all(x, 1 if t == "multiply" else 0):
        return y
    if t in ("subtract",) and _same_static(x, out) and _is_all(y, 0):
        return x
    if t in ("truediv", "pow") and _same_static(x, out) and _is_all(y, 1) and x.dtype.is_floating:
        return x
    return None


def run(graph):
    rw = Rewriter(graph)
    count = 0
    for node in graph.nodes:
        ins = [rw.tensor(t) for t in node.inputs]
        same = _passthrough(node, ins) if node.outputs and len(node.outputs) == 1 else None
        if same is not None:
            rw.alias(node.outputs[0], same)
            count += 1
            continue
        t = node.type
        if t == "pow" and _is_all(ins[1], 2) and ins[0].dtype.is_floating and \
                _same_static(ins[0], node.outputs[0]):
            _emit(rw, node, "square", [ins[0]], {})
            count += 1
        elif t == "subtract" and ins[0] is ins[1] and ins[0].dtype.is_integer:
            _emit(rw, node, "zeros_like", [ins[0]], {})
            count += 1
        elif t == "transpose" and ins[0].node.type == "transpose":
            inner = ins[0].node
            perm = tuple(inner.attrs["perm"][p] for p in node.attrs["perm"])
            if perm == tuple(sorted(perm)):  # the two cancel out
                rw.alias(node.outputs[0], inner.inputs[0])
            else:
                _emit(rw, node, "transpose", [inner.inputs[0]], {"perm": perm})
            count += 1
        elif t == "unbroadcast" and _unbroadcast_sum(ins[0], node.outputs[0]) is not None:
            _emit(rw, node, "reduce_sum", [ins[0]], _unbroadcast_sum(ins[0], node.outputs[0]))
            count += 1
        elif node.opdef.static_form is not None and _static_values(node, ins) is not None:
            op, kept, attrs = node.opdef.static_form(_static_values(node, ins), node.attrs)
            specs = [(o.shape.dims_tuple(), o.dtype) for o in node.outputs]
            new = rw.emit(op, [ins[i] for i in kept], attrs, specs, node.name)
            rw.replace_node(node, new)
            for old, out in zip(node.outputs, new.outputs):
                rw.alias(old, out)
            count += 1
        elif t == "reshape" and ins[0].node.type == "reshape":
            _emit(rw, node, "reshape", [ins[0].node.inputs[0]], node.attrs)
            count += 1
        else:
            rw.copy(node, ins)
    return rw.finish(), {"simplified": count}


def _static_values(node, ins):
    """{position: value} of a node's value inputs when all are constants, else None (then the
    op that computes a shape at run time can become its static form)."""
    values = {i: _const_value(t) for i, t in enumerate(ins) if i in node.opdef.value_inputs}
    return values if values and all(v is not None for v in values.values()) else None


def _unbroadcast_sum(g, out):
    """reduce_sum attrs computing unbroadcast(g) -> out exactly (no reshape needed), or None:
    the leading axes g has beyond out's rank are summed away, and axes where out has 1 and g not
    are summed keeping their dim; mixing both would need a reshape."""
    if not (g.shape.is_fully_defined() and out.shape.is_fully_defined() and g.dtype.is_floating):
        return None
    gs, os_ = g.shape.dims_tuple(), out.shape.dims_tuple()
    lead = len(gs) - len(os_)
    if lead < 0 or any(d not in (1, gs[lead + i]) for i, d in enumerate(os_)):
        return None
    kept = [lead + i for i, d in enumerate(os_) if d == 1 and gs[lead + i] != 1]
    if lead and kept:
        return None
    if lead:
        return {"axis": tuple(range(lead)), "keepdims": False}
    return {"axis": tuple(kept), "keepdims": True} if kept else None


def _emit(rw, node, op_name, inputs, attrs):
    specs = [(o.shape.dims_tuple(), o.dtype) for o in node.outputs]
    new = rw.emit(REGISTRY[op_name], inputs, attrs, specs, node.name)
    rw.replace_node(node, new)
    for old, t in zip(node.outputs, new.outputs):
        rw.alias(old, t)
