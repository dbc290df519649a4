"""Control flow in plans: while_loop, cond and switch_case nodes run their bodies as plans.

A node with bodies (ops/subgraph.py) becomes one step of the enclosing plan whose bodies are
sub-plans of the same class (`SlotPlan.sub_plan`: a CPU Plan inside a CPU plan, a CudaPlan
inside a CUDA plan, so nested control flow recurses naturally), built once for the bodies'
concrete input shapes, which the enclosing plan's shape propagation knows:

  while_loop: the step runs the condition's sub-plan, reads its predicate on the host, runs the
      body's sub-plan, and repeats, honouring maximum_iterations; with `save` the body's plan
      also fetches the gradient's intermediates, and the step records each iteration's kept
      values as ops/while_loop's reference does (the gradient loop reads them).
  cond / switch_case: the step reads the selector on the host and runs the chosen branch's plan.
  a while_loop on scalars whose condition and body hold only elementwise ops with scalar forms
      (raw, or inside fused elementwise clusters), without `save`: on the CPU, one generated
      function runs the whole loop, counter and predicate included, with no Python per
      iteration (backends/loop_kernel.py renders the `LoopKernelPlan` made here).

The step keeps the op's reference (the bodies interpreted per iteration) when a loop variable's
shape changes across iterations (a relaxed shape invariant) or a shape inside depends on data.
Sub-plans belong to the plan instance that built them (plans are pooled per concurrent caller),
and a body's fused updates never write in place a variable whose array the enclosing plan still
holds (`SlotPlan.no_in_place`).

    >>> import graphflow as tf
    >>> @tf.function
    ... def count(n):
    ...     return tf.while_loop(lambda i, s: i < n, lambda i, s: (i + 1, s + 2), (0, 0))[1]
    >>> int(count(tf.constant(5)))
    10
"""
import numpy as np

from graphflow.compiler import fused
from graphflow.compiler.kernel_plan import Statement
from graphflow.compiler.targets import get as get_target
from graphflow.errors import GraphflowError, UnimplementedError
from graphflow.ops import tensor_list
from graphflow.ops.cond import chosen_branch
from graphflow.ops.while_loop import recorded_per_iteration, to_bool

WHILE_OPS = ("while_loop", "stateful_while_loop")
BRANCH_OPS = ("cond", "stateful_cond", "switch_case", "stateful_switch_case")
NO_LIMIT = (1 << 63) - 1  # the loop kernel's trip limit when maximum_iterations is not given


def lower(plan, node):
    """The step running `node`'s bodies as sub-plans of `plan` (or as one loop kernel), or None
    when the node must keep its reference implementation."""
    if node.type in WHILE_OPS:
        return _while_step(plan, node)
    if node.type in BRANCH_OPS:
        return _branch_step(plan, node)
    return None


def describe_step(step, indent):
    """explain()'s lines for what a control-flow step nests (body plans, a loop kernel)."""
    lines = []
    for nested in getattr(step, "nested", ()):
        lines += [indent + line for line in nested.describe()]
    return lines


class BodyPlan:
    """One body's sub-plan, as listed under its step by explain()."""

    def __init__(self, role, body, plan):
        self.role, self.body, self.plan = role, body, plan

    def compile(self):
        compile_plan = getattr(self.plan, "compile", None)  # (a CUDA plan compiles on use)
        if compile_plan is not None:
            compile_plan()

    def describe(self):
        return [f"{self.role} {self.body.name}: sub-plan for input shapes "
                f"{list(self.plan.input_shapes)}"] + ["  " + x for x in self.plan.describe()]


class LoopKernel:
    """A whole scalar while_loop compiled into one function (backends/loop_kernel.py)."""

    def __init__(self, kernel, loop_plan, arg_types):
        self.kernel, self.loop_plan, self.arg_types = kernel, loop_plan, arg_types

    def compile(self):
        self.kernel.warm(self.arg_types)

    def describe(self):
        where = self.kernel.path.name if self.kernel.path else "compiled in memory"
        return [f"native loop kernel {self.kernel.name}: the whole loop in one function "
                f"({where})"] + ["  " + x for x in self.kernel.source.splitlines()]


def _failing(node):
    """Re-raises a graphflow error from inside a body naming the node, as the reference step
    does."""
    name, kind = node.name, node.type

    def wrap(e):
        return type(e)(f"Node {name!r} ({kind}): {e}")
    return wrap


# -- while_loop ------------------------------------------------------------------------------------

def _while_step(plan, node):
    attrs = node.attrs
    cond, body, n = attrs["cond"], attrs["body"], attrs["n_vars"]
    has_max, save = attrs["has_max"], attrs["save"]
    shapes = [plan.shapes[id(x)] for x in node.inputs]
    in_shapes = shapes[:n] + shapes[n + int(has_max):]
    if any(plan.shapes[id(o)] != s for o, s in zip(node.outputs[:n], shapes[:n])):
        return None  # the loop variables' shapes change across iterations
    slots = [plan._slot(x) for x in node.inputs]
    var_slots, cap_slots = slots[:n], slots[n + int(has_max):]
    max_slot = slots[n] if has_max else None
    out_slots = [plan._slot(o) for o in node.outputs]
    if plan.native_loops and not save:
        step = _native_loop_step(plan, node, in_shapes, var_slots, cap_slots, max_slot, out_slots)
        if step is not None:
            return step
    kept_vars, kept = recorded_per_iteration(body) if save else ([], [])
    cond_plan = plan.sub_plan(cond, in_shapes, (), node)
    body_plan = plan.sub_plan(body, in_shapes, kept, node)
    if cond_plan is None or body_plan is None:
        return None
    if [body_plan.shapes[id(t)] for t in body_plan.graph.outputs[:n]] != in_shapes[:n]:
        return None  # (a body that changes a shape: the first iteration already differs)
    run_cond, run_body, host, placed = cond_plan.run, body_plan.run, plan.host_array, plan.placed
    wrap = _failing(node)

    def step(env):
        values = [env[s] for s in var_slots]
        captured = [env[s] for s in cap_slots]
        history = []
        k = 0
        try:
            limit = int(host(env[max_slot])) if max_slot is not None else None
            while (limit is None or k < limit) and to_bool(host(run_cond(values + captured)[0])):
                results = run_body(values + captured)
                if save:  # what the gradient loop reads of iteration k (host arrays, as the
                    # reference keeps them)
                    history.append(tensor_list.TensorList(
                        [host(values[j]) for j in kept_vars] + [host(r) for r in results[n:]]))
                values = results[:n]
                k += 1
        except GraphflowError as e:
            raise wrap(e) from None
        for s, v in zip(out_slots, values):
            env[s] = v
        if save:
            env[out_slots[n]] = placed(np.array(k, np.int32))
            env[out_slots[n + 1]] = tensor_list.variant(tensor_list.TensorList(
                [tensor_list.variant(h) for h in history]))
    step.nested = [BodyPlan("cond", cond, cond_plan), BodyPlan("body", body, body_plan)]
    plan.nested += step.nested
    return step


# -- cond and switch_case ----------------------------------------------------------------------------

def _branch_step(plan, node):
    branches, save = node.attrs["branches"], node.attrs["save"]
    n = len(node.outputs) - int(save)
    in_shapes = [plan.shapes[id(x)] for x in node.inputs[1:]]
    out_shapes = [plan.shapes[id(o)] for o in node.outputs[:n]]
    subs = []
    for body in branches:
        sub = plan.sub_plan(body, in_shapes, body.recorded() if save else (), node)
        if sub is None or [sub.shapes[id(t)] for t in sub.graph.outputs[:n]] != out_shapes:
            return None
        subs.append(sub)
    selector = plan._slot(node.inputs[0])
    cap_slots = [plan._slot(x) for x in node.inputs[1:]]
    out_slots = [plan._slot(o) for o in node.outputs]
    runs, host, op_name = [s.run for s in subs], plan.host_array, node.type
    wrap = _failing(node)

    def step(env):
        try:
            chosen = chosen_branch(op_name, np.asarray(host(env[selector])), len(runs))
            results = runs[chosen]([env[s] for s in cap_slots])
        except GraphflowError as e:
            raise wrap(e) from None
        for s, r in zip(out_slots, results[:n]):
            env[s] = r
        if save:
            env[out_slots[n]] = tensor_list.variant(tensor_list.TensorList(
                [host(r) for r in results[n:]]))
    step.nested = [BodyPlan(f"branch {k}", b, s) for k, (b, s) in enumerate(zip(branches, subs))]
    plan.nested += step.nested
    return step


# -- native scalar loops -----------------------------------------------------------------------------

class LoopKernelPlan:
    """A while_loop on scalars as statements, for a target to render as one function.

    variables: [(name, dtype)] of the loop variables (v0, v1, ...); inputs: [(name, dtype)] of
    the captured scalars (c0, ...) then the constants (k0, ...), passed after the variables;
    cond and body: Statements (kernel_plan.Statement) in program order; pred: the name of the
    condition's value; results: the names of the loop variables' next values."""

    __slots__ = ("name", "variables", "inputs", "cond", "pred", "body", "results")

    def __init__(self, name, variables, inputs, cond, pred, body, results):
        self.name, self.variables, self.inputs = name, variables, inputs
        self.cond, self.pred, self.body, self.results = cond, pred, body, results


class _NotScalar(Exception):
    """A body holds something a scalar loop kernel cannot compute."""


def loop_kernel_plan(node, in_shapes):
    """(LoopKernelPlan, constant values) of a while_loop node whose loop variables and captures
    are scalars and whose condition and body hold only scalar elementwise ops; None otherwise."""
    attrs = node.attrs
    cond, body, n = attrs["cond"], attrs["body"], attrs["n_vars"]
    if attrs["save"] or any(s != () for s in in_shapes):
        return None
    graph_inputs = cond.graph.inputs
    if any(p.dtype.np.kind not in fused.KERNEL_KINDS for p in graph_inputs):
        return None
    names = [f"v{j}" for j in range(n)] + [f"c{k}" for k in range(len(graph_inputs) - n)]
    consts, cond_st, body_st = [], [], []
    try:
        (pred,) = _flatten(cond.graph, names, cond_st, consts)
        results = _flatten(body.graph, names, body_st, consts, start=len(cond_st))
    except _NotScalar:
        return None
    op_names = [nd.type for b in (cond, body) for nd in _walk(b.graph)]
    name = fused.kernel_name(op_names).replace("fused_", "while_", 1)
    dtypes = [p.dtype.name for p in graph_inputs]
    plan = LoopKernelPlan(
        name, list(zip(names[:n], dtypes[:n])),
        list(zip(names[n:], dtypes[n:])) + [(f"k{i}", c.dtype.name) for i, c in enumerate(consts)],
        cond_st, pred, body_st, results)
    return plan, [c[()] for c in consts]


def _walk(graph):
    for node in graph.nodes:
        if node.type == "fused":
            yield from _walk(node.attrs["cluster"].body)
        elif node.type not in ("placeholder", "const"):
            yield node


def _flatten(graph, names, statements, consts, start=0):
    """Appends the statements computing `graph` (inputs named `names`) to `statements` and
    returns the names of its outputs; raises _NotScalar for anything but scalar elementwise
    ops, fused elementwise clusters of them, and scalar constants."""
    env = {id(p): name for p, name in zip(graph.inputs, names)}
    for node in graph.nodes:
        if any(o.shape.dims_tuple() != () for o in node.outputs):
            raise _NotScalar
        if node.type == "placeholder":
            if id(node.outputs[0]) not in env:
                raise _NotScalar
        elif node.type == "const":
            value = np.asarray(node.attrs["value"])
            if value.shape != () or value.dtype.kind not in fused.KERNEL_KINDS:
                raise _NotScalar
            env[id(node.outputs[0])] = f"k{len(consts)}"
            consts.append(value)
        elif node.type == "fused":
            cluster = node.attrs["cluster"]
            if cluster.kind != fused.ELEMENTWISE:
                raise _NotScalar
            outs = _flatten(cluster.body, [env[id(t)] for t in node.inputs], statements, consts,
                            start)
            env.update((id(o), name) for o, name in zip(node.outputs, outs))
        elif fused.can_fuse_elementwise(node) and node.type not in fused.ASSIGNS:
            target = f"t{start + len(statements)}"
            statements.append(Statement(target, node.opdef.scalar,
                                        [env[id(t)] for t in node.inputs],
                                        node.outputs[0].dtype.name, node.inputs[0].dtype.name))
            env[id(node.outputs[0])] = target
        else:
            raise _NotScalar
    return [env[id(t)] for t in graph.outputs]


def _native_loop_step(plan, node, in_shapes, var_slots, cap_slots, max_slot, out_slots):
    found = loop_kernel_plan(node, in_shapes)
    if found is None:
        return None
    loop_plan, consts = found
    target = get_target("cpu_loop")
    try:
        kernel = target.get_loop_kernel(loop_plan)
    except UnimplementedError as e:  # (float16: the body plans run it)
        plan.notes.append(f"{node.name}: {e}; its bodies run as plans")
        return None
    dtypes = [np.dtype(d) for _, d in loop_plan.variables]
    wrap = _failing(node)

    def step(env):
        limit = int(env[max_slot]) if max_slot is not None else NO_LIMIT
        args = [env[s][()] for s in var_slots] + [env[s][()] for s in cap_slots]
        try:
            out = kernel(limit, *args, *consts)
        except GraphflowError as e:
            raise wrap(e) from None
        for s, v, d in zip(out_slots, out, dtypes):
            env[s] = np.array(v, d)
    step.nested = [LoopKernel(kernel, loop_plan, target.arg_types(loop_plan))]
    plan.nested += step.nested
    return step
