"""The reverse walk over recorded op applications, shared by GradientTape, compat.v1.gradients
and the gradients of control flow (the gradient of a cond branch or a loop body is this walk
over the body's nodes).

It lives with the ops because control-flow gradient rules call it; graphflow.autodiff builds
the tape on top of it.

    >>> import graphflow as tf
    >>> from graphflow.ops import backprop
    >>> x = tf.constant(3.0)
    >>> with tf.GradientTape() as tape:
    ...     tape.watch(x)
    ...     y = x * x
    >>> float(backprop.gradients_of(tape._records, [y], None, tape._watched)[id(x)])
    6.0
"""
from graphflow import dtypes
from graphflow.tensor import Variable


def gradients_of(records, targets, seeds, watched):
    """The reverse walk: `records` are op applications in program order, each with opdef,
    inputs, attrs and outputs (tape records or graph nodes); `seeds` the targets' cotangents
    (None: ones for floating targets). Returns {id(tensor): gradient} for every watched tensor
    the targets depend on."""
    from graphflow.ops import api as ops
    grads = {}
    for i, t in enumerate(targets):
        if isinstance(t, Variable):
            t = t.value()
        if seeds is not None:
            seed = seeds[i] if seeds[i] is None or t.dtype is dtypes.variant else \
                ops.convert_to_tensor(seeds[i], dtype=t.dtype)
            if seed is None:
                continue
        elif dtypes.has_gradient(t.dtype):
            seed = ops.ones_like(t)
        else:
            continue
        accumulate(grads, t, seed)
    for rec in reversed(records):
        outs = rec.outputs
        if rec.opdef.num_outputs == 1:
            dy = grads.get(id(outs[0]))
            if dy is None:
                continue
        else:
            dy = [grads.get(id(o)) for o in outs]
            if all(d is None for d in dy):
                continue
        op = rec.opdef
        attrs = rec.attrs
        if op.grad_takes_needs:
            attrs = dict(attrs or (), needs=tuple(id(x) in watched for x in rec.inputs))
        in_grads = op.grad(rec.inputs, outs, dy, **attrs) if attrs else \
            op.grad(rec.inputs, outs, dy)
        for x, g in zip(rec.inputs, in_grads):
            if g is not None and id(x) in watched:
                accumulate(grads, x, g)
    return grads


def accumulate(grads, x, g):
    """Adds gradient g for tensor x, first summing away any broadcasting (the one place this
    happens for every op). A variant's cotangent is a TensorList of cotangents: those add item
    by item."""
    if x.dtype is dtypes.variant:
        from graphflow.ops import tensor_list
        prev = grads.get(id(x))
        grads[id(x)] = g if prev is None else tensor_list.add(prev, g)
        return
    from graphflow.ops import api as ops
    if g.dtype is not x.dtype and dtypes.has_gradient(x.dtype):
        g = ops.cast(g, x.dtype)
    g = ops.unbroadcast(g, x)
    prev = grads.get(id(x))
    grads[id(x)] = g if prev is None else ops.add(prev, g)


def zeros_for(t):
    """A zero cotangent for tensor t (an empty TensorList cotangent for a variant)."""
    if t.dtype is dtypes.variant:
        from graphflow.ops import tensor_list
        return tensor_list.zeros_like(t)
    from graphflow.ops import api as ops
    return ops.zeros_like(t)
