"""tf.while_loop.

Eagerly the loop runs in Python, as in TF. While a graph is being built, `cond` and `body` are
traced once each into body graphs (ops/subgraph.py) and one `while_loop` node (or its
`stateful_while_loop` twin, for bodies with effects) runs them when the graph runs. Its inputs
are the loop variables, the maximum number of iterations (when given) and the tensors the
functions captured; its outputs the final loop variables and, when a gradient may be asked for
(attr `save`), the number of iterations run and the values each iteration's gradient needs (a
variant).

Shapes: a loop variable keeps the shape it enters with unless `shape_invariants` gives a less
specific one; the body may not return a less specific shape (TF's rule). When the graph is
specialized for concrete input shapes (lower.py), the output shapes are found again by
running the body's shape rules until they stop changing.

The gradient is a second while_loop running the iterations backwards: iteration k applies the
body's gradient graph to the cotangents, reading the values iteration k kept (TF's
accumulators), and sums the cotangents of captured tensors. Second-order gradients through a
while_loop are not implemented (an error says so).

    >>> import graphflow as tf
    >>> @tf.function
    ... def collatz_steps(n):
    ...     return tf.while_loop(lambda n, k: n > 1,
    ...                          lambda n, k: (tf.where(n % 2 == 0, n // 2, 3 * n + 1), k + 1),
    ...                          (n, 0))[1]
    >>> int(collatz_steps(tf.constant(27)))
    111
"""
import numpy as np

from graphflow import dtypes
from graphflow.context import context
from graphflow.errors import InvalidArgumentError, InvalidTypeError, UnimplementedError
from graphflow.ops import subgraph, tensor_list
from graphflow.ops.backprop import zeros_for
from graphflow.ops.registry import OPAQUE, STATEFUL, Spec, dispatch, register
from graphflow.tensor import EagerTensor, SymbolicTensor, Tensor, TensorShape, Variable, as_shape
from graphflow.utils import nest


# -- shapes -------------------------------------------------------------------------------------

def _generalize(a, b):
    if a is None or b is None or len(a) != len(b):
        return None
    return tuple(x if x == y else None for x, y in zip(a, b))


def _less_or_equal(shape, invariant):
    """TF's _ShapeLessThanOrEqual: `shape` is at least as specific as `invariant`."""
    if invariant is None:
        return True
    if shape is None or len(shape) != len(invariant):
        return False
    return all(i is None or s == i for s, i in zip(shape, invariant))


def _loop_shapes(var_specs, cap_specs, body, invariants, op_name):
    """The loop variables' shapes: a fixed point of the body's shape rules, starting from the
    invariants (or, by default, the shapes the variables enter with)."""
    shapes = [inv[1] if inv[0] == "shape" else s.shape for s, inv in zip(var_specs, invariants)]
    for _ in range(2 + max((len(s) for s in shapes if s is not None), default=0)):
        specs = [Spec(shape, s.dtype) for shape, s in zip(shapes, var_specs)]
        outs = body.output_specs(specs + list(cap_specs), op_name)
        new = [_generalize(a, o.shape) for a, o in zip(shapes, outs)]
        if new == shapes:
            return shapes
        shapes = new
    return [None] * len(shapes)


def _make_infer(op_name):
    def infer(specs, cond, body, n_vars, has_max, save, invariants):
        var_specs = specs[:n_vars]
        caps = specs[n_vars + int(has_max):]
        if has_max:
            m = specs[n_vars]
            if not m.dtype.is_integer or (m.shape is not None and len(m.shape)):
                raise InvalidArgumentError(f"{op_name}: maximum_iterations must be an integer "
                                           f"scalar, got {m.dtype.name} with shape {m.shape}")
        cond.output_specs(var_specs + list(caps), op_name)  # checks the inputs
        shapes = _loop_shapes(var_specs, caps, body, invariants, op_name)
        outs = [(shape, s.dtype) for shape, s in zip(shapes, var_specs)]
        if save:  # the number of iterations run, and what each kept for the gradient
            outs += [((), dtypes.int32), ((), dtypes.variant)]
        return outs
    return infer


# -- running ------------------------------------------------------------------------------------

def to_bool(value):
    """TF's While condition: a scalar is true when non-zero, a non-scalar when non-empty."""
    value = np.asarray(value)
    return bool(value) if value.ndim == 0 else value.size > 0


def recorded_per_iteration(body):
    """(positions of the loop variables whose per-iteration values the gradient needs, the
    body's intermediates it needs): what one iteration keeps."""
    # (tensors of body.graph, also for a body the compiler optimized: see Body.recorded)
    return body.recorded_args(), body.recorded()


def _make_ref(op_name):
    def ref(*arrays, cond, body, n_vars, has_max, save, invariants):
        values = list(arrays[:n_vars])
        limit = int(arrays[n_vars]) if has_max else None
        captured = list(arrays[n_vars + int(has_max):])
        body.check_arrays(values + captured, op_name)
        kept_vars, kept = recorded_per_iteration(body) if save else ([], [])
        history = []
        k = 0
        while (limit is None or k < limit) and to_bool(cond.run(values + captured)[0]):
            results = body.run(values + captured, kept)
            if save:
                history.append(tensor_list.TensorList(
                    [values[j] for j in kept_vars] + list(results[n_vars:])))
            values = list(results[:n_vars])
            k += 1
        out = tuple(values)
        if save:
            out += (np.array(k, np.int32), tensor_list.variant(tensor_list.TensorList(
                [tensor_list.variant(h) for h in history])))
        return out
    return ref


def _grad(inputs, outputs, dy, cond, body, n_vars, has_max, save, invariants, needs=None):
    n = n_vars
    captured = list(inputs[n + int(has_max):])
    # every loop variable carries cotangents between iterations; of the captured tensors, only
    # those the caller differentiates with respect to (the backward walk's needs)
    asked = None if needs is None else frozenset(
        list(range(n)) + [n + k for k in range(len(captured)) if needs[n + int(has_max) + k]])
    if save and dy[n + 1] is not None:
        raise UnimplementedError("second-order gradients through tf.while_loop are not "
                                 "supported")
    trip, record = (outputs[n], outputs[n + 1]) if save else (None, None)
    if record is None:
        if cond.stateful or body.stateful:
            raise UnimplementedError(
                "while_loop: the gradient needs each iteration's values, which this node did "
                "not keep, and its body has effects that cannot run twice")
        twin = dispatch(OPS["while_loop"], inputs, {"cond": cond, "body": body, "n_vars": n,
                                                     "has_max": has_max, "save": True,
                                                     "invariants": invariants})
        trip, record = twin[n], twin[n + 1]
    subgraph.warn_unseen_reads([cond, body])
    grad = body.gradient(wanted=asked)
    var_grads = [j for j in range(n) if subgraph.differentiable(outputs[j])]
    cap_grads = [k for k, c in enumerate(captured) if subgraph.differentiable(c)
                 and grad.input_grads[n + k] is not None]
    if not var_grads or all(dy[j] is None for j in var_grads):
        return [None] * len(inputs)
    kept_vars, kept = recorded_per_iteration(body)
    placeholders = body.graph.inputs

    def back_cond(k, dv, dc):
        from graphflow.ops.elementwise import greater_equal
        return greater_equal(k, 0)

    def back_body(k, dv, dc):
        from graphflow.ops.elementwise import add
        it = tensor_list.get_item(record, k, dtypes.variant, ())
        saved = {id(p): c for p, c in zip(placeholders[n:], captured)}
        needed = {id(t) for t in grad.saved}
        layout = [placeholders[j] for j in kept_vars] + list(kept)  # what iteration k kept
        for pos, t in enumerate(layout):
            if id(t) in needed:
                saved[id(t)] = tensor_list.get_item(it, pos, t.dtype, t.shape.dims_tuple())
        in_grads = grad.apply(list(dv), saved)
        new_dv = [in_grads[j] if in_grads[j] is not None else zeros_for(d)
                  for j, d in zip(var_grads, dv)]
        new_dc = []
        for k_cap, d in zip(cap_grads, dc):
            g = in_grads[n + k_cap]
            new_dc.append(tensor_list.add(d, g) if d.dtype is dtypes.variant else add(d, g))
        return k - 1, new_dv, new_dc

    dv0 = [dy[j] if dy[j] is not None else zeros_for(outputs[j]) for j in var_grads]
    dc0 = [zeros_for(captured[k]) for k in cap_grads]
    from graphflow.ops.elementwise import subtract
    invariants_back = (TensorShape([]), [outputs[j].shape for j in var_grads],
                       [captured[k].shape for k in cap_grads])
    _, dv, dc = while_loop(back_cond, back_body, (subtract(trip, 1), dv0, dc0),
                           shape_invariants=invariants_back, name="gradients_while")
    out = [None] * len(inputs)
    for j, d in zip(var_grads, dv):
        out[j] = d
    for k, d in zip(cap_grads, dc):
        out[n + int(has_max) + k] = d
    return out


OPS = {}
for _name, _kind in (("while_loop", OPAQUE), ("stateful_while_loop", STATEFUL)):
    _op = register(_name, _kind, _make_infer(_name), _make_ref(_name), _grad, num_outputs=None,
                   grad_takes_needs=True)
    _op.bodies = ("cond", "body")
    _op.saved_outputs = 2  # the trip count and what each iteration kept
    _op.records = ("body",)
    _op.repeats = ("cond", "body")
    OPS[_name] = _op


# -- the public function --------------------------------------------------------------------------

def _invariant_dims(value, what):
    if value is None:
        return None
    try:
        return as_shape(value).dims_tuple()
    except (TypeError, ValueError, InvalidArgumentError):
        raise InvalidArgumentError(f"while_loop: shape invariant for {what} must be a "
                                   f"TensorShape or a list of dims, got {value!r}") from None


def _normalize_result(args, result):
    """The body's result in the structure of the loop variables: a single loop variable may be
    returned bare, and a tuple may stand for a list (TF accepts both)."""
    if len(args) == 1 and not (isinstance(result, (list, tuple)) and len(result) == 1):
        result = [result]
    if isinstance(result, (list, tuple)) and type(result) is not type(args) and \
            len(result) == len(args):
        items = list(result)
        result = type(args)(*items) if hasattr(args, "_fields") else type(args)(items)
    return result


def while_loop(cond, body, loop_vars, shape_invariants=None, parallel_iterations=10,
               back_prop=True, swap_memory=False, maximum_iterations=None, name=None):
    """Repeats `loop_vars = body(*loop_vars)` while `cond(*loop_vars)` holds (at most
    maximum_iterations times); returns the final loop variables in their structure.

        >>> int(tf.while_loop(lambda i, s: i < 4, lambda i, s: (i + 1, s + i), (0, 0))[1])
        6
    """
    if not callable(cond):
        raise InvalidTypeError("while_loop: 'cond' must be callable.")
    if not callable(body):
        raise InvalidTypeError("while_loop: 'body' must be callable.")
    if loop_vars is None or (isinstance(loop_vars, (list, tuple, dict)) and not loop_vars):
        raise InvalidArgumentError("while_loop: 'loop_vars' must be provided.")
    bare = not isinstance(loop_vars, (list, tuple))
    args = (loop_vars,) if bare else loop_vars
    if shape_invariants is not None and bare:
        shape_invariants = (shape_invariants,)
    graph_mode = context.graph is not None or any(
        isinstance(v, SymbolicTensor) for v in nest.flatten(args))
    if not graph_mode:
        result = _run_eagerly(cond, body, args, maximum_iterations)
    else:
        result = _build(cond, body, args, shape_invariants, back_prop, maximum_iterations,
                        name or "while")
    return result[0] if bare else result


def _run_eagerly(cond, body, args, maximum_iterations):
    limit = None if maximum_iterations is None else int(np.asarray(
        maximum_iterations._value if isinstance(maximum_iterations, EagerTensor)
        else maximum_iterations))
    # Like TF, the loop variables become tensors (TensorArrays stay TensorArrays).
    values = nest.pack_sequence_as(args, [v if subgraph.is_composite(v) else _input_tensor(v)
                                          for v in nest.flatten(args)])
    k = 0
    while limit is None or k < limit:
        c = cond(*values)
        if isinstance(c, Variable):
            c = c.value()
        if not to_bool(c._value if isinstance(c, EagerTensor) else c):
            break
        out = _normalize_result(values, body(*values))
        _check_structure(values, out)
        values = out
        k += 1
    return values


def _check_structure(args, result):
    if not nest.same_structure(args, result):
        raise InvalidArgumentError(
            f"while_loop: The two structures don't have the same nested structure.\n\nFirst "
            f"structure: {result!r}\n\nSecond structure: {args!r}")


def _input_tensor(value):
    from graphflow.ops.creation import convert_to_tensor
    if isinstance(value, Variable):
        return value.value()
    if getattr(value, "_composite_components", None) is not None:
        from graphflow.errors import UnimplementedError
        raise UnimplementedError(
            "while_loop: a SparseTensor loop variable is not supported yet; carry its indices, "
            "values and dense_shape as three loop variables")
    if subgraph.is_composite(value):
        return value._to_tensor()
    if isinstance(value, Tensor):
        return value
    return convert_to_tensor(value)


def _build(cond, body, args, shape_invariants, back_prop, maximum_iterations, name):
    from graphflow.graph.builder import to_graph
    from graphflow.ops.creation import convert_to_tensor
    leaves = nest.flatten(args)
    inputs = [to_graph(_input_tensor(v), context.graph) if context.graph is not None
              else _input_tensor(v) for v in leaves]
    if shape_invariants is None:
        invariants = [("input",)] * len(leaves)
    else:
        flat_inv = nest.flatten(shape_invariants)
        if len(flat_inv) != len(leaves):
            raise InvalidArgumentError(
                f"while_loop: shape_invariants has {len(flat_inv)} entries but loop_vars has "
                f"{len(leaves)}; they must have the same structure")
        invariants = []
        for v, x, inv in zip(leaves, inputs, flat_inv):
            if subgraph.is_composite(v) or x.dtype is dtypes.variant or inv is None:
                invariants.append(("input",))
                continue
            dims = _invariant_dims(inv, _shown(x))
            if not x.shape.is_compatible_with(TensorShape(dims)) or not _less_or_equal(
                    x.shape.dims_tuple(), dims):
                raise InvalidArgumentError(
                    f"while_loop: The shape invariant specified for {_shown(x)} is not "
                    f"compatible with the initial shape of the loop variable. It enters the loop "
                    f"with shape {x.shape}, but the specified shape invariant is "
                    f"{TensorShape(dims)}.")
            invariants.append(("shape", dims))
    specs = [(inv[1] if inv[0] == "shape" else x.shape.dims_tuple(), x.dtype)
             for x, inv in zip(inputs, invariants)]

    def make_args(placeholders):
        return nest.pack_sequence_as(args, [v._from_tensor(p) if subgraph.is_composite(v) else p
                                            for v, p in zip(leaves, placeholders)])

    cond_body, pred = subgraph.trace(cond, specs, make_args, f"{name}_cond")
    (pred_t,) = subgraph.flatten_results(cond_body, [pred], "while_loop: cond")
    if pred_t is None:
        raise InvalidArgumentError(f"while_loop: cond must return a tensor, got {pred!r}")
    if pred_t.dtype is not dtypes.bool or (pred_t.shape.rank not in (None, 0)):
        # A float predicate would loop while it is non-zero, silently (TF rejects it too).
        raise InvalidArgumentError(
            f"while_loop: cond must return a scalar bool tensor, got {pred_t.dtype.name} with "
            f"shape {pred_t.shape}")
    loop_body, result = subgraph.trace(body, specs, make_args, f"{name}_body")
    result = _normalize_result(args, result)
    _check_structure(args, result)
    outs = subgraph.flatten_results(loop_body, result, "while_loop: body")
    for x, o, spec, leaf in zip(inputs, outs, specs, nest.flatten(result)):
        if o is None:
            raise InvalidArgumentError(f"while_loop: body returned None for loop variable "
                                       f"{_shown(x)}")
        if o.dtype is not x.dtype:
            raise InvalidTypeError(  # TF's TypeError
                f"while_loop: Loop var {_shown(x)} enters the loop with type {x.dtype} but has "
                f"type {o.dtype} after 1 iteration. {_shown(x)} type should remain constant.")
        if not _less_or_equal(o.shape.dims_tuple(), spec[0]):
            raise InvalidArgumentError(
                f"while_loop: Input tensor `{_shown(x)}` enters the loop with shape "
                f"{TensorShape(spec[0])}, but has shape {o.shape} after one iteration. To allow "
                "the shape to vary across iterations, use the `shape_invariants` argument of "
                "tf.while_loop to specify a less-specific shape.")
    captured = subgraph.finish([cond_body, loop_body], [[pred_t], outs])
    limit = []
    if maximum_iterations is not None:
        m = maximum_iterations.value() if isinstance(maximum_iterations, Variable) else \
            maximum_iterations
        m = m if isinstance(m, Tensor) else convert_to_tensor(m, dtype_hint=dtypes.int32)
        if not m.dtype.is_integer:
            raise InvalidArgumentError(f"while_loop: maximum_iterations must be an integer, got "
                                       f"{m.dtype.name}")
        limit = [m]
    save = bool(back_prop) and any(subgraph.differentiable(t) for t in inputs + captured) and \
        any(subgraph.differentiable(t) for t in inputs)
    stateful = cond_body.stateful or loop_body.stateful
    op = OPS["stateful_while_loop" if stateful else "while_loop"]
    node_out = dispatch(op, inputs + limit + captured, {
        "cond": cond_body, "body": loop_body, "n_vars": len(inputs), "has_max": bool(limit),
        "save": save, "invariants": tuple(invariants)}, name)
    values = list(node_out[:len(inputs)])
    if not back_prop:
        from graphflow.ops.elementwise import stop_gradient
        values = [stop_gradient(v) if v.dtype.is_floating else v for v in values]
    rebuilt = [leaf._from_tensor(v) if subgraph.is_composite(leaf) else v
               for leaf, v in zip(nest.flatten(result), values)]
    return nest.pack_sequence_as(args, rebuilt)


def _shown(t):
    return t.name if isinstance(t, SymbolicTensor) else repr(t)
