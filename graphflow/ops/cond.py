"""Branching: tf.cond, tf.switch_case and tf.case.

Eagerly the chosen Python function just runs, as in TF. While a graph is being built every
branch is traced into a body graph of its own (ops/subgraph.py) and one node runs the chosen
branch when the graph runs: `cond` (a bool predicate: branches (true, false)) or
`switch_case` (an int32 index: branches in order, out-of-range indices taking the last, the
default). Each has a `stateful_` twin for branches with effects (variable assigns, prints,
asserts, random numbers), which passes never remove, fold or reorder; the pure op is TF's
StatelessIf, the stateful one its If.

Gradients: when the node's inputs may need one, it also outputs the branch's intermediates
that the gradient needs (a variant: attr `save`), and its gradient is a cond of the same
predicate whose branches are the branches' gradient graphs, reading those intermediates. A
cond's gradient is a cond, so higher derivatives work the same way.

    >>> import graphflow as tf
    >>> @tf.function
    ... def f(x):
    ...     return tf.cond(tf.reduce_sum(x) > 0, lambda: x * 2.0, lambda: -x)
    >>> f(tf.constant([1.0, -3.0])).numpy()
    array([-1.,  3.], dtype=float32)
"""
import numpy as np

from graphflow import dtypes
from graphflow.context import context
from graphflow.errors import InvalidArgumentError, InvalidTypeError, UnimplementedError
from graphflow.ops import subgraph, tensor_list
from graphflow.ops.backprop import zeros_for
from graphflow.ops.registry import OPAQUE, STATEFUL, dispatch, register
from graphflow.tensor import EagerTensor, SymbolicTensor, Tensor, Variable
from graphflow.utils import nest


# -- the ops ------------------------------------------------------------------------------------

def _merge_shapes(a, b):
    """The most specific shape compatible with both (TF: branches may differ in shape)."""
    if a is None or b is None or len(a) != len(b):
        return None
    return tuple(x if x == y else None for x, y in zip(a, b))


def _selector_infer(op_name, spec):
    if op_name.endswith("cond"):
        if spec.dtype is not dtypes.bool:
            raise InvalidArgumentError(
                f"{op_name}: Input 'pred' passed {spec.dtype.name} expected bool (the predicate "
                "must be a scalar bool tensor)")
        what = "pred"
    else:
        if spec.dtype is not dtypes.int32:
            raise InvalidArgumentError(
                f"{op_name}: 'branch_index' must be an int32 scalar, got {spec.dtype.name}")
        what = "branch_index"
    if spec.shape is not None and len(spec.shape) != 0:
        raise InvalidArgumentError(
            f"{op_name}: {what} must be a scalar, but it has shape {list(spec.shape)}")


def _make_infer(op_name):
    def infer(specs, branches, save):
        _selector_infer(op_name, specs[0])
        outs = None
        for body in branches:
            specs_b = body.output_specs(specs[1:], op_name)
            if outs is None:
                outs = [(s.shape, s.dtype) for s in specs_b]
            else:
                outs = [(_merge_shapes(a[0], s.shape), a[1]) for a, s in zip(outs, specs_b)]
        if save:
            outs.append(((), dtypes.variant))
        return outs
    return infer


def chosen_branch(op_name, selector, n):
    """The index of the branch a selector array picks (shared with compiled plans)."""
    if selector.ndim != 0:
        what = "pred" if op_name.endswith("cond") else "branch_index"
        raise InvalidArgumentError(
            f"{op_name}: {what} must be a scalar, but it has shape {list(selector.shape)}")
    if op_name.endswith("cond"):
        if selector.dtype != np.bool_:
            raise InvalidArgumentError(f"{op_name}: Input 'pred' passed {selector.dtype} "
                                       "expected bool")
        return 0 if selector else 1
    if selector.dtype.kind not in "iu":
        raise InvalidArgumentError(f"{op_name}: 'branch_index' must be an integer scalar")
    i = int(selector)
    return i if 0 <= i < n else n - 1  # out of range: the default, which is the last branch


def _make_ref(op_name):
    def ref(selector, *captured, branches, save):
        for body in branches:
            body.check_arrays(captured, op_name)
        body = branches[chosen_branch(op_name, np.asarray(selector), len(branches))]
        kept = body.recorded() if save else []
        results = body.run(captured, kept)
        n = len(body.graph.outputs)
        outs = tuple(results[:n])
        if save:
            outs += (tensor_list.variant(tensor_list.TensorList(results[n:])),)
        return outs
    return ref


def _make_grad(pure_name):
    def grad(inputs, outputs, dy, branches, save, needs=None):
        selector, captured = inputs[0], list(inputs[1:])
        # only the inputs the caller differentiates with respect to (the backward walk's needs)
        asked = None if needs is None else frozenset(
            k for k in range(len(captured)) if needs[1 + k])
        n = len(outputs) - (1 if save else 0)
        record = outputs[n] if save else None
        d_record = dy[n] if save else None
        if record is None:  # not kept (the compiler dropped it, or built by hand): recompute
            if any(b.stateful for b in branches):
                raise UnimplementedError(
                    f"{pure_name}: the gradient needs the branch's intermediates, which this "
                    "node did not keep, and its branches have effects that cannot run twice")
            twin = dispatch(OPS[pure_name], inputs, {"branches": branches, "save": True})
            record = twin[-1]
        subgraph.warn_unseen_reads(branches)
        seeds = [dy[k] if dy[k] is not None else zeros_for(outputs[k])
                 for k in range(n) if subgraph.differentiable(outputs[k])]
        second = d_record is not None
        grads = [b.gradient(second, asked) for b in branches]
        wanted = [k for k, c in enumerate(captured) if subgraph.differentiable(c)
                  and any(g.input_grads[k] is not None for g in grads)]
        if not wanted:
            return [None] * len(inputs)

        def branch_fn(i):
            def fn():
                body, g = branches[i], grads[i]
                saved = {id(p): c for p, c in zip(body.graph.inputs, captured)}
                needed = {id(t) for t in g.saved} | {id(t) for t in g.seeded}
                for j, t in enumerate(body.recorded()):  # what the forward run kept
                    if id(t) in needed:
                        saved[id(t)] = tensor_list.get_item(record, j, t.dtype,
                                                            t.shape.dims_tuple())
                extra = [dispatch(tensor_list.GATHER_LIKE, (d_record, j, saved[id(t)]))
                         for j, t in enumerate(g.seeded)] if second else []
                in_grads = g.apply(seeds + extra, saved)
                return [in_grads[k] if in_grads[k] is not None else zeros_for(captured[k])
                        for k in wanted]
            return fn
        fns = [branch_fn(i) for i in range(len(branches))]
        if pure_name == "cond":
            results = cond(selector, fns[0], fns[1], name="gradients_cond")
        else:
            results = switch_case(selector, fns, name="gradients_switch_case")
        out = [None] * len(inputs)
        for k, g in zip(wanted, results):
            out[1 + k] = g
        return out
    return grad


OPS = {}
for _name in ("cond", "switch_case"):
    for _prefix, _kind in (("", OPAQUE), ("stateful_", STATEFUL)):
        _op = register(_prefix + _name, _kind, _make_infer(_prefix + _name),
                       _make_ref(_prefix + _name), _make_grad(_name), num_outputs=None,
                       grad_takes_needs=True)
        _op.bodies = ("branches",)
        _op.saved_outputs = 1  # the intermediates the taken branch kept
        _op.records = ("branches",)
        OPS[_prefix + _name] = _op


# -- building -------------------------------------------------------------------------------------

def _build(kind, selector, fns, labels, name):
    """Traces the branches and adds the cond / switch_case node; returns the output structure."""
    what = "tf.cond" if kind == "cond" else "tf.switch_case"
    pretty = (["true_fn", "false_fn"] if kind == "cond" else
              [f"branches[{i}]" for i in range(len(fns))])
    bodies, flats, results = [], [], []
    for fn, label, shown in zip(fns, labels, pretty):
        body, result = subgraph.trace(fn, [], lambda placeholders: (), f"{name}_{label}")
        flats.append(subgraph.flatten_results(body, result, f"{what}: {shown}",
                                              expand_composites=True))
        bodies.append(body)
        results.append(result)
    for i in range(1, len(bodies)):
        _check_same(what, pretty[0], pretty[i], results[0], results[i], flats[0], flats[i])
    outputs = [[t for t in flat if t is not None] for flat in flats]
    captured = subgraph.finish(bodies, outputs)
    save = any(subgraph.differentiable(c) for c in captured) and any(
        subgraph.differentiable(t) for t in outputs[0])
    stateful = any(b.stateful for b in bodies)
    op = OPS[("stateful_" if stateful else "") + kind]
    node_outputs = dispatch(op, [selector] + captured,
                            {"branches": tuple(bodies), "save": save}, name.replace(" ", "_"))
    it = iter(node_outputs)
    leaves = []
    for leaf, t in zip(nest.flatten(results[0], expand_composites=True), flats[0]):
        if t is None:
            leaves.append(None)
        else:
            out = next(it)
            leaves.append(leaf._from_tensor(out) if subgraph.is_composite(leaf) else out)
    # A SparseTensor's branches may differ in static shape: the result has the shape they share.
    shared = [_shared_shape([nest.flatten(r)[k] for r in results])
              for k in range(len(nest.flatten(results[0])))]
    it = iter(leaves)

    def rebuild(leaf, shape):
        parts = nest._components(leaf) if not nest.is_nested(leaf) else None
        if parts is None or subgraph.is_composite(leaf):
            return next(it)
        out = type(leaf)(*[next(it) for _ in parts])
        if shape is not None:
            out.set_shape(shape)
        return out
    rebuilt = [rebuild(leaf, shape) for leaf, shape in zip(nest.flatten(results[0]), shared)]
    if not nest.is_nested(results[0]):
        return rebuilt[0]
    return nest.pack_sequence_as(results[0], rebuilt)


def _shared_shape(leaves):
    """The most specific shape every branch's leaf fits (None unless they are composites)."""
    shapes = [getattr(leaf, "shape", None) for leaf in leaves]
    if nest._components(leaves[0]) is None or any(s is None or s.rank is None for s in shapes):
        return None
    if len({s.rank for s in shapes}) != 1:
        return None
    dims = [s.as_list() for s in shapes]
    return [d[0] if all(x == d[0] for x in d) else None for d in zip(*dims)]


def _check_same(what, name_a, name_b, a, b, flat_a, flat_b):
    def fail(details):  # TF raises TypeError here
        raise InvalidTypeError(
            f"{name_a} and {name_b} arguments to {what} must have the same number, type, and "
            f"overall structure of return values.\n\n{name_a} output: {a!r}\n{name_b} output: "
            f"{b!r}\n\nError details:\n{details}")
    if not nest.same_structure(a, b) or len(flat_a) != len(flat_b) or any(
            (x is None) != (y is None) for x, y in zip(flat_a, flat_b)):
        fail("The two structures don't have the same nested structure.")
    for x, y in zip(flat_a, flat_b):
        if x is not None and x.dtype is not y.dtype:
            fail(f"{x} and {y} have different types")


def _as_selector(value, what, name):
    from graphflow.ops.creation import convert_to_tensor
    if isinstance(value, Variable):
        value = value.value()
    if not isinstance(value, Tensor):
        value = convert_to_tensor(value)
    return value


def cond(pred, true_fn=None, false_fn=None, name=None):
    """true_fn() if pred else false_fn(). Eagerly the chosen function runs; in a graph both are
    traced and the node runs the chosen one when the graph runs. Both must return the same
    structure of tensors with the same dtypes (shapes may differ: the result then has None
    dims).

        >>> int(tf.cond(tf.constant(2) > 1, lambda: tf.constant(10), lambda: tf.constant(20)))
        10
    """
    for fn, label in ((true_fn, "true_fn"), (false_fn, "false_fn")):
        if not callable(fn):
            raise InvalidTypeError(f"cond: '{label}' must be callable.")
    if context.graph is None and not isinstance(pred, SymbolicTensor):
        return true_fn() if _eager_truth(pred, "cond", "pred") else false_fn()
    if isinstance(pred, bool):
        raise InvalidTypeError("cond: pred must not be a Python bool when building a graph "
                                   "(use a Python `if`, or a bool tensor)")
    pred = _as_selector(pred, "pred", "cond")
    _selector_infer("cond", _spec(pred))
    return _build("cond", pred, [true_fn, false_fn], ["true", "false"], name or "cond")


def _spec(t):
    from graphflow.ops.registry import Spec
    return Spec(t.shape.dims_tuple(), t.dtype)


def _eager_truth(value, op_name, what):
    if isinstance(value, Variable):
        value = value.value()
    array = np.asarray(value._value if isinstance(value, EagerTensor) else value)
    if array.ndim != 0:
        raise InvalidArgumentError(
            f"{op_name}: {what} must be a scalar, but it has shape {list(array.shape)}")
    return bool(array)


def _branch_list(branch_fns):
    """branch_fns as a list in index order: a list of callables, of (index, callable) pairs or
    a dict {index: callable}, whose indices must be 0..n-1."""
    if isinstance(branch_fns, dict):
        pairs = list(branch_fns.items())
    else:
        branch_fns = list(branch_fns)
        if branch_fns and all(isinstance(b, (tuple, list)) and len(b) == 2 for b in branch_fns):
            pairs = [tuple(b) for b in branch_fns]
        else:
            pairs = list(enumerate(branch_fns))
    if not pairs:
        raise InvalidArgumentError("switch_case: Must provide at least one item in 'branch_fns'")
    keys = sorted(k for k, _ in pairs)
    if keys != list(range(len(pairs))):
        found = ",".join(str(k) for k in keys)
        raise InvalidArgumentError(f"switch_case: branch indices (keys) must form contiguous "
                                   f"range of [0 to {len(pairs)}) but found {{{found}}}")
    fns = [fn for _, fn in sorted(pairs, key=lambda p: p[0])]
    for i, fn in enumerate(fns):
        if not callable(fn):
            raise InvalidTypeError(f"switch_case: branch_fns[{i}] must be callable")
    return fns


def switch_case(branch_index, branch_fns, default=None, name=None):
    """branch_fns[branch_index](); an index outside [0, len) runs `default` (the last branch
    when no default is given).

        >>> int(tf.switch_case(tf.constant(1), [lambda: tf.constant(10), lambda: tf.constant(20)]))
        20
    """
    fns = _branch_list(branch_fns)
    if default is not None:
        if not callable(default):
            raise InvalidTypeError("switch_case: 'default' must be callable")
        fns = fns + [default]
    if not isinstance(branch_index, (Tensor, Variable)):
        raise InvalidTypeError(
            f"switch_case: 'branch_index' must be a Tensor, got {type(branch_index).__name__}")
    if not branch_index.dtype.is_integer:
        raise InvalidTypeError(
            f"switch_case: 'branch_index' must be an integer Tensor, got {branch_index.dtype!r}")
    if context.graph is None and not isinstance(branch_index, SymbolicTensor):
        i = int(_eager_index(branch_index))
        return fns[i if 0 <= i < len(fns) else len(fns) - 1]()
    from graphflow.ops.elementwise import cast
    index = _as_selector(branch_index, "branch_index", "switch_case")
    if index.dtype is not dtypes.int32:
        index = cast(index, dtypes.int32)
    _selector_infer("switch_case", _spec(index))
    return _build("switch_case", index, fns, [f"branch{i}" for i in range(len(fns))],
                  name or "switch_case")


def _eager_index(value):
    if isinstance(value, Variable):
        value = value.value()
    array = np.asarray(value._value)
    if array.ndim != 0:
        raise InvalidArgumentError(f"switch_case: branch_index must be a scalar, but it has "
                                   f"shape {list(array.shape)}")
    return array


def case(pred_fn_pairs, default=None, exclusive=False, strict=False, name="case"):
    """The function of the first pair whose predicate is true; `default` when none is (without
    a default, the last function, after an assertion that some predicate holds). exclusive=True
    asserts that at most one predicate holds.

        >>> x = tf.constant(3)
        >>> int(tf.case([(x < 0, lambda: tf.constant(-1)), (x < 5, lambda: tf.constant(5))]))
        5
    """
    from graphflow.ops import debugging
    pairs = list(pred_fn_pairs.items()) if isinstance(pred_fn_pairs, dict) else list(pred_fn_pairs)
    if not pairs:
        raise InvalidArgumentError("case: pred_fn_pairs must not be empty")
    for p, fn in pairs:
        if isinstance(p, bool) or not isinstance(p, (Tensor, Variable)):
            raise InvalidTypeError(f"case: pred must be a Tensor, got: {p!r}")
        if p.dtype is not dtypes.bool:
            raise InvalidArgumentError(f"case: pred must be a bool tensor, got {p.dtype.name}")
        if not callable(fn):
            raise InvalidTypeError("case: fn must be callable")
    if default is not None and not callable(default):
        raise InvalidArgumentError("case: default must be callable")
    preds = [p for p, _ in pairs]
    fns = [_unpack(fn, strict) for _, fn in pairs]
    from graphflow.ops import api as ops
    stacked = ops.stack([ops.reshape(p, []) for p in preds])
    if exclusive:
        debugging.Assert(
            ops.less_equal(ops.reduce_sum(ops.cast(stacked, dtypes.int32)), 1),
            ["Input error: exclusive=True and more than one predicate evaluated to True:",
             stacked], summarize=len(preds))
    if context.graph is None and not any(isinstance(p, SymbolicTensor) for p in preds):
        for p, fn in zip(preds, fns):
            if _eager_truth(p, "case", "pred"):
                return fn()
        if default is not None:
            return _unpack(default, strict)()
        debugging.Assert(False, ["Input error: None of conditions evaluated as True:", stacked],
                         summarize=len(preds))
    any_true = ops.reduce_any(stacked)
    if default is None:
        last = fns[-1]

        def default_fn():
            debugging.Assert(any_true, ["Input error: None of conditions evaluated as True:",
                                        stacked], summarize=len(preds))
            return last()
    else:
        default_fn = _unpack(default, strict)
    first = ops.cast(ops.argmax(ops.cast(stacked, dtypes.int32), axis=0), dtypes.int32)
    index = ops.where(any_true, first, len(fns))
    return switch_case(index, fns, default_fn, name=name)


def _unpack(fn, strict):
    """Non-strict case returns the tensor, not a one-element list of it (TF's behaviour)."""
    if strict:
        return fn

    def unpacked():
        out = fn()
        if isinstance(out, (list, tuple)) and len(out) == 1 and not hasattr(out, "_fields"):
            return out[0]
        return out
    return unpacked
