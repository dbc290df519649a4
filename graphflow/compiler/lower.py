"""Lowering: an optimized graph becomes a flat plan of steps for concrete input shapes.

`CompiledExecutable` is the compiled backend's side of the executor interface
(`run(feed_arrays) -> fetched arrays`), for every target. It optimizes the graph once, then
builds one plan per distinct set of input shapes: shapes are propagated through every node,
and `SlotPlan` lowers each node by its kind, asking the target's plan class for the step's
code. On the CPU (`Plan`), fused clusters become Numba kernels, matmuls write into planned
buffers through BLAS, other ops run their NumPy reference; the CUDA target's plan
(lower_cuda.CudaPlan) runs the same steps as device kernels. Planned intermediates share one
arena (memory.py). Variables updated by fused kernels are written in place unless something
could still see the old array.

    >>> import graphflow as tf
    >>> @tf.function
    ... def f(x):
    ...     return tf.nn.relu(x * 2.0 + 1.0)
    >>> f(tf.constant([-1.0, 1.0])).numpy()
    array([0., 3.], dtype=float32)
"""
import atexit
import sys
import time

import numpy as np

from graphflow.compiler import control_flow, fused, kernel_plan, memory, pipeline
from graphflow.compiler.plan_cache import PlanCache
from graphflow.compiler.rewrite import Rewriter
from graphflow.compiler.bodies import describe_clusters
from graphflow.compiler.targets import get as get_target
from graphflow.errors import GraphflowError, InvalidArgumentError, UnimplementedError
from graphflow.ops.registry import Spec
from graphflow.ops.state import ASSIGNS

LONE_REDUCTION_LIMIT = 4096  # elements; see Plan._lone_reduction_for_numpy


class DynamicShape(Exception):
    """A value's shape depends on data (e.g. where(condition)); the plan cannot be static."""


# -- preparing a graph for compilation ----------------------------------------------------------

def with_interface(graph, feeds, fetches, targets):
    """A copy of `graph` with inputs = `feeds` (a fed intermediate tensor becomes a new
    placeholder), outputs = `fetches` and the given targets."""
    from graphflow.ops.creation import PLACEHOLDER
    rw = Rewriter(graph)
    fed = {id(t) for t in feeds}
    for node in graph.nodes:
        if node.type != "placeholder" and any(id(o) in fed for o in node.outputs):
            for o in node.outputs:
                p = rw.emit(PLACEHOLDER, [], {"shape": o.shape.dims_tuple(),
                                              "dtype": o.dtype.name, "name": node.name},
                            [(o.shape.dims_tuple(), o.dtype)], f"{node.name}_fed")
                rw.alias(o, p.outputs[0])
            continue
        rw.copy(node)
    dst = rw.dst
    dst.inputs = [rw.tensor(t) for t in feeds]
    dst.outputs = [rw.tensor(t) for t in fetches]
    dst.targets = [rw.node(n) for n in targets if rw.node(n) is not None]
    return dst


# -- shapes --------------------------------------------------------------------------------------

def specialize(graph, input_shapes):
    """A copy of an unoptimized graph whose inputs have the given concrete shapes, and every
    tensor the static shape that follows. Raises DynamicShape when a shape depends on data."""
    shapes, _ = propagate_shapes(graph, input_shapes)
    rw = Rewriter(graph)
    for node in graph.nodes:
        attrs = None
        if node.type == "placeholder":
            attrs = dict(node.attrs, shape=shapes[id(node.outputs[0])])
        rw.copy(node, attrs=attrs, specs=[(shapes[id(o)], o.dtype) for o in node.outputs])
    return rw.finish()


class Optimized:
    """A graph with its interface, optimized once; and, when its inputs have unknown dims (a
    relaxed trace, a placeholder of shape [None, 784]), optimized again for each concrete set of
    input shapes: folding, simplification and fusion need static shapes, so a plan made from
    the general graph would run less fused than the same model traced with static shapes."""

    def __init__(self, graph, feeds, fetches, targets, options, target="cpu"):
        start = time.perf_counter()
        self.prepared = with_interface(graph, list(feeds), list(fetches), list(targets))
        self.options = options
        # what the passes need to know about the target that will run the graph
        self.facts = {"unsupported_dtypes": get_target(target).UNSUPPORTED_DTYPES}
        self.graph, self.reports = pipeline.optimize(self.prepared, options, self.facts)
        self.optimize_seconds = time.perf_counter() - start
        self.static = all(t.shape.is_fully_defined() for t in self.graph.inputs)
        self._needed = None

    def for_shapes(self, input_shapes):
        """The optimized graph to plan for these input shapes."""
        if self.static:
            return self.graph
        if self._needed is None:  # placeholders nothing fetched depends on need no feed
            from graphflow.compiler.passes import prune
            self._needed = prune.run(self.prepared)[0]
        try:
            specialized = specialize(self._needed, input_shapes)
        except DynamicShape:
            return self.graph  # the plan falls back to the reference interpreter
        return pipeline.optimize(specialized, self.options, self.facts)[0]


def propagate_shapes(graph, input_shapes):
    """{id(tensor): concrete shape} for every tensor, and {id(fused node): body shapes}."""
    from graphflow.ops.static import node_value
    shapes = {id(t): tuple(s) for t, s in zip(graph.inputs, input_shapes)}
    values = {}  # small values computable from the shapes (tf.shape(x) and what uses it)
    bodies = {}
    for node in graph.nodes:
        if node.outputs and all(id(o) in shapes for o in node.outputs):
            continue
        in_shapes = [shapes[id(t)] for t in node.inputs]
        if node.type == "fused":
            body = node.attrs["cluster"].body
            body_shapes, _ = propagate_shapes(body, in_shapes)
            bodies[id(node)] = body_shapes
            outs = [body_shapes[id(t)] for t in body.outputs]
        elif node.type == "placeholder":
            raise InvalidArgumentError(
                f"You must feed a value for placeholder tensor {node.name!r} with dtype "
                f"{node.outputs[0].dtype.name} and shape {node.outputs[0].shape}")
        else:
            specs = [Spec(s, t.dtype, values.get(id(t)) if i in node.opdef.value_inputs else None)
                     for i, (s, t) in enumerate(zip(in_shapes, node.inputs))]
            outs = [s for s, _ in node.opdef.infer(specs, **node.attrs)]
            known = node_value(node, specs, [values.get(id(t)) for t in node.inputs])
            if known is not None:
                values.update((id(o), v) for o, v in zip(node.outputs, known))
        for o, s in zip(node.outputs, outs):
            if s is None or any(d is None for d in s):
                raise DynamicShape(node.name)
            shapes[id(o)] = tuple(s)
    return shapes, bodies


# -- the executable ------------------------------------------------------------------------------

class CompiledExecutable:
    """Optimizes once; builds and caches a plan per distinct set of input shapes (a bounded,
    re-entrant PlanCache: concurrent calls each get their own plan instance).

    One class for every target: a target's executable (lower_cuda.CudaExecutable) only names
    the target whose facts the passes get, its plan classes, and whether plans compile tiered.
    With tiered compilation (the default on the CPU; graphflow.config.set_tiered_compilation), a
    new plan's kernels compile in a background thread while calls run the optimized graph on the
    reference interpreter; once they are ready, calls switch to the plan."""

    target_name = "cpu"        # the target whose facts the passes get
    plan_class = None          # make_plan's defaults: the CPU Plan, or the ReferencePlan
    fallback_class = None
    tiered = True              # CUDA plans compile on first launch, so they need no tier

    def __init__(self, graph, fetches, feeds, targets=(), options=None, device=None):
        self.optimized = Optimized(graph, feeds, fetches, targets, options, self.target_name)
        self.graph, self.reports = self.optimized.graph, self.optimized.reports
        self.optimize_seconds = self.optimized.optimize_seconds
        self.device = device        # a graphflow.devices.Device (None: the default one)
        self.plans = PlanCache(self._build)

    @property
    def last_plan(self):
        return self.plans.last_plan

    def _build(self, key):
        from graphflow.context import context
        graph = self.optimized.for_shapes(key)
        if self.tiered and context.tiered_compilation:
            return TieredPlan(key, graph)
        plan = make_plan(graph, key, self.plan_class, self.fallback_class)
        plan.compile()
        return plan

    def run(self, feed_arrays):
        return self.plans.run(tuple([a.shape for a in feed_arrays]), feed_arrays)

    def wait(self):
        """Blocks until every plan's kernels are compiled (tiered compilation) and returns
        self; calls made afterwards run compiled code."""
        self.plans.finish()
        return self

    def plan_title(self):
        return "plan"

    def explain(self):
        """The passes with their statistics, the fused kernels (ops and source), and memory."""
        return explain(self, self.plan_title())


def explain(executable, plan_title):
    """An executable's report: passes, the optimized graph, its fused clusters, and the last
    plan's steps (shared by the CPU and CUDA targets)."""
    lines = ["== passes =="] + [repr(r) for r in executable.reports]
    lines.append(f"(optimized in {executable.optimize_seconds * 1e3:.1f} ms)")
    lines += ["", "== optimized graph ==", executable.graph.as_text()]
    clusters = [n for n in executable.graph.nodes if n.type == "fused"]
    lines += ["", f"== fused clusters ({len(clusters)}) =="]
    lines += describe_clusters(executable.graph)  # then those of control-flow bodies, nested
    plan = executable.last_plan
    if plan is not None:
        lines += ["", f"== {plan_title} for input shapes {list(plan.input_shapes)} =="]
        lines += plan.describe()
    lines += [""] + executable.plans.describe_memory()
    return "\n".join(lines)


def assigned_variables(node):
    """The variables a node assigns: an assign op's, those of the assigns in a fused cluster, or
    those its control-flow bodies assign."""
    if node.type in ASSIGNS:
        return [node.attrs["var"]]
    if node.type == "fused":
        return [n.attrs["var"] for n in node.attrs["cluster"].body.nodes if n.type in ASSIGNS]
    if node.opdef.bodies:  # a cond or while_loop assigns what its bodies assign
        from graphflow.ops import subgraph
        return subgraph.variables_touched(node)[1]
    return []


def _reads_before_assigns(graph):
    """ids of the read_variable nodes that no earlier node's assign can affect: each reads the
    array its variable holds when the plan starts, so all of them are read by one first step
    (a training step reads a dozen variables; one step each costs more than the reads)."""
    assigned, first = set(), set()
    for node in graph.nodes:
        if node.type == "read_variable" and id(node.attrs["var"]) not in assigned:
            first.add(id(node))
        assigned.update(id(v) for v in assigned_variables(node))
    return first


def may_overwrite(plan, var, update_node):
    """Whether a fused update may write var's array in place: no read of var before the update
    in this plan is used after it, nor fetched (reads after it want the new value), and the
    enclosing plan of a loop or branch body (`plan.no_in_place`) holds no read of it."""
    if id(var) in plan.no_in_place:
        return False
    at = plan.order[id(update_node)]
    for node in plan.graph.nodes:
        if node.type == "read_variable" and node.attrs["var"] is var and plan.order[id(node)] < at:
            t = node.outputs[0]
            if id(t) in plan.output_ids or plan.last_use.get(id(t), -1) > at:
                return False
    return True


def make_plan(graph, input_shapes, plan_class=None, fallback_class=None):
    """The plan for these input shapes (a CPU Plan unless another target's class is given), or,
    when a shape depends on data, the fallback that interprets the graph."""
    try:
        shapes, bodies = propagate_shapes(graph, input_shapes)
    except DynamicShape as e:
        return (fallback_class or ReferencePlan)(
            graph, input_shapes, f"data-dependent shape at node {e.args[0]!r}")
    return (plan_class or Plan)(graph, input_shapes, shapes, bodies)


class TieredPlan:
    """Runs the optimized graph on the reference interpreter until the real plan, built and
    compiled in a background thread, is ready; then hands over to it (the PlanCache makes the
    compiled plan a pool instance once `compiling()` turns False)."""

    def __init__(self, key, graph):
        import threading
        reference = get_target("reference")
        self.key, self.graph = key, graph
        self.input_shapes = key
        self.reference = reference.compile(graph, graph.outputs, graph.inputs, graph.targets)
        self._result = None
        self._thread = threading.Thread(target=self._build, name="graphflow-compile", daemon=True)
        from graphflow.context import context
        context.compile_threads[:] = [t for t in context.compile_threads if t.is_alive()]
        context.compile_threads.append(self._thread)
        self._thread.start()

    def _build(self):
        try:
            plan = make_plan(self.graph, self.key)
            plan.compile()
            self._result = plan
        except BaseException as e:  # noqa: BLE001 - reported on the caller's thread
            self._result = e

    def compiling(self):
        return self._thread.is_alive()

    def wait(self):
        self._thread.join()

    def finish(self):
        self._thread.join()
        result = self._result
        if isinstance(result, BaseException):
            raise result
        return result

    def run(self, arrays):
        if self._thread.is_alive():
            return self.reference.run(arrays)
        return self.finish().run(arrays)

    def describe(self):
        return ["kernels still compiling in the background; running on the reference interpreter"]


def _join_compile_threads():
    """At exit, lets background compiles finish rather than cutting Numba off mid-write."""
    from graphflow.context import context
    for thread in context.compile_threads:
        thread.join()


atexit.register(_join_compile_threads)


class ReferencePlan:
    """The fallback when shapes are not static: the reference interpreter runs the graph."""

    def __init__(self, graph, input_shapes, reason):
        reference = get_target("reference")
        self.input_shapes = input_shapes
        self.reason = reason
        self._executable = reference.compile(graph, graph.outputs, graph.inputs, graph.targets)
        self.peak_bytes = 0

    def run(self, arrays):
        return self._executable.run(arrays)

    def compile(self):
        pass

    def describe(self):
        return [f"{self.reason}: running on the reference interpreter"]


class SlotPlan:
    """A plan for one set of concrete input shapes, the same for every target: every tensor has
    a slot of a list `env`; inputs and constants are placed before the steps run; a step is a
    closure reading and writing slots, lowered from each node in program order by one dispatch
    on the node's kind (`_lower`). Intermediates that steps write live in one arena, laid out by
    their lifetimes (memory.plan_arena).

    A target's plan class (the CPU's `Plan` below, lower_cuda.CudaPlan) supplies only what
    differs with the hardware: the steps' code (`_kernel_step`, `_matmul_step`, `_target_step`
    for ops the target runs as its own code, `_reference_step` for the op's NumPy reference)
    and where values live (`_const`, `_arena`, `empty`, `on_device`, `run`).

    A node with bodies (while_loop, cond, switch_case) is lowered by compiler/control_flow.py
    into a step running each body as a sub-plan of the same class (`sub_plan`); `no_in_place`
    holds the ids of variables a sub-plan must not update in place, because the enclosing plan
    still holds an array read from them."""

    native_loops = False  # whether scalar loops may run as one generated loop kernel
    on_device = None      # the device target whose arrays the slots hold (None: host arrays)
    memory = ""           # what explain() calls the arena's memory ("device " on CUDA)
    empty = staticmethod(np.empty)  # a fetched value's fresh array
    # fetched arrays kept for reuse once the caller drops them (OutputArrays); a view of a
    # NumPy array holds its base, so its reference count tells whether anyone still sees it
    output_pool_size = 2

    def __init__(self, graph, input_shapes, shapes, bodies, no_in_place=frozenset()):
        self.graph = graph
        self.nested = []           # sub-plans and loop kernels of control-flow steps
        self.input_shapes = input_shapes
        self.shapes = shapes
        self.bodies = bodies
        self.slot = {}
        self.order = {id(n): i for i, n in enumerate(graph.nodes)}
        self.output_ids = {id(t) for t in graph.outputs}
        self.last_use = _last_uses(graph, self.order, self.output_ids)
        self.held_by_variants = _held_by_variants(graph)
        # a variable read that a fetched TensorList keeps must not change under it later (in the
        # next run, or a loop body's next iteration)
        self.no_in_place = no_in_place | {
            id(n.attrs["var"]) for n in graph.nodes
            if n.type == "read_variable" and id(n.outputs[0]) in self.held_by_variants}
        self.var_slots = set()     # slots that may hold variable storage (copied when fetched)
        self.consts = {}
        self.steps = []
        self.step_nodes = []       # the node each step runs (None for a step of several reads)
        self.kernels = []          # (kernel, what it computes); kernel None: a hand-written one
        self.warm = []             # functions compiling kernels ahead of the first run
        self.notes = []            # what runs otherwise than planned, and why
        self.planned = []          # (Planned, first step, last step) placed in the arena
        self.arena_tensors = set()  # ids of the tensors whose buffers are in the arena
        self.output_pools = []     # OutputArrays of fetched values (memory in explain())
        self.first_reads = _reads_before_assigns(graph)
        self.initial_reads = []    # (Variable, slot) read by one step before all others
        self._last_reads_step = None
        self._lower_all()

    def _lower_all(self):
        """Lowers every node; lays out the arena; finds the fetched outputs that must be copied
        (they may share storage with the arena or a variable); makes the slot template."""
        graph = self.graph
        for t in graph.inputs:
            self._slot(t)
        for node in graph.nodes:
            step = self._lower(node)
            if step is not None:
                self.steps.append(step)
                self.step_nodes.append(node)
        if self.initial_reads:
            self.steps.insert(0, _reads_step(self.initial_reads, self.on_device))
            self.step_nodes.insert(0, None)
        self._place_arena()
        self.input_slots = [self.slot[id(t)] for t in graph.inputs]
        self.output_slots = [self._slot(t) for t in graph.outputs]
        shared = _may_share_storage(graph, self.arena_tensors,
                                    {t for t, s in self.slot.items() if s in self.var_slots})
        self.copy_outputs = [id(t) in shared for t in graph.outputs]
        self.template = [None] * len(self.slot)
        for s, v in self.consts.items():
            self.template[s] = v

    # -- lowering: one dispatch by op kind ------------------------------------------------------
    def _lower(self, node):
        """The step computing `node`, or None when no step runs for it (its value is placed
        before the steps, or another step reads it). What a target cannot run as its own code
        (UnimplementedError) runs the op's reference, and `_note_fallback` says why."""
        t = node.type
        if t in ("placeholder", "group"):
            return None
        if t == "const":
            self.consts[self._slot(node.outputs[0])] = self._const(node.attrs["value"])
            return None
        if t == "read_variable":
            return self._read_step(node)
        if node.opdef.bodies:  # bodies as sub-plans; the host reads only the predicate
            step = control_flow.lower(self, node)
            if step is not None:
                return step
        try:
            if t == "fused":
                cluster = node.attrs["cluster"]
                if cluster.kind == fused.MATMUL:
                    return self._matmul_step(node, cluster)
                return self._kernel_step(node, cluster)
            if t == "matmul":
                return self._matmul_step(node, None)
            if node.opdef.view:  # a reshape by another name: no need for the op's own function
                return _view_step(self._slot(node.inputs[0]), self._slot(node.outputs[0]),
                                  self.shapes[id(node.outputs[0])])
            return self._target_step(node)
        except UnimplementedError as e:
            self._note_fallback(node, e)
        return self._reference_step(node)

    def _target_step(self, node):
        """The step of an op that is not fused, a matmul or a view: by default (and on the CPU,
        where NumPy runs a lone op as fast as a kernel would) its reference."""
        return self._reference_step(node)

    def _reference_step(self, node, fn=None):
        """The op's NumPy reference (or `fn`, a kernel called the same way); in a device plan,
        on host copies of its inputs, with its outputs copied to the device."""
        return _reference_step(node, [self._slot(x) for x in node.inputs],
                               [self._slot(o) for o in node.outputs], fn, self.on_device)

    def _note_fallback(self, node, error):
        name = node.attrs["cluster"].name if node.type == "fused" else node.name
        self.notes.append(f"{name}: {error}; ran on the reference interpreter")

    def _read_step(self, node):
        """Reads before any assign of their variable all run in the plan's first step; later
        adjacent reads share a step (a training step reads a dozen variables; one step each
        costs more than the reads)."""
        slot = self._slot(node.outputs[0])
        self.var_slots.add(slot)
        read = (node.attrs["var"], slot)
        if id(node) in self.first_reads:
            self.initial_reads.append(read)
        elif self.steps and self.steps[-1] is self._last_reads_step:
            self._last_reads_step.reads.append(read)
        else:
            self._last_reads_step = _reads_step([read], self.on_device)
            return self._last_reads_step
        return None

    def _plan_cluster(self, node, cluster):
        """(KernelPlan, call, var_inputs) of a fused cluster at this plan's shapes (see
        kernel_plan.plan_kernel). var_inputs: the inputs that are reads of a variable the kernel
        assigns, with nothing assigning it in between: loaded from the variable itself."""
        in_shapes = [self.shapes[id(x)] for x in node.inputs]
        body_shapes = self.bodies.get(id(node))
        if body_shapes is None:  # a one-node cluster made by the plan
            body_shapes, _ = propagate_shapes(cluster.body, in_shapes)
        var_inputs = {i: x.node.attrs["var"] for i, x in enumerate(node.inputs)
                      if x.node.type == "read_variable" and not self._written_between(x.node, node)}
        kplan, call = kernel_plan.plan_kernel(cluster, in_shapes, body_shapes, var_inputs)
        return kplan, call, var_inputs

    def _written_between(self, read, node):
        """Whether the variable `read` reads is assigned by a step between the read and `node`
        (then the kernel must use the read's snapshot, not the variable's current array)."""
        var = read.attrs["var"]
        between = self.graph.nodes[self.order[id(read)] + 1:self.order[id(node)]]
        return any(v is var for other in between for v in assigned_variables(other))

    def _kernel_interface(self, node, cluster, kplan, var_inputs):
        """What a fused kernel step of `node` writes: outs, one ("var", slot, Variable) per
        assign (the variable's new array is the value) or ("buffer", slot, its buffer);
        variables, (Variable, whether the kernel reads its current value) per update; whether
        each may be written in place; and which inputs are passed as arrays (reads of a
        variable the kernel updates are loaded from the variable itself)."""
        outs = []
        for o, bt in zip(node.outputs, cluster.body.outputs):
            slot = self._slot(o)
            if bt.node.type in ASSIGNS:
                self.var_slots.add(slot)
                outs.append(("var", slot, bt.node.attrs["var"]))
            else:
                outs.append(("buffer", slot, self._buffer(o)))
        read_in_kernel = {kplan.inputs[i][1][4:] for i in var_inputs
                          if kplan.inputs[i][1].startswith("var:")}
        variables = [(st.var, "{var}" in st.template or st.target in read_in_kernel)
                     for st in kplan.statements if st.var is not None]
        in_place = [may_overwrite(self, v, node) for v, _ in variables]
        array_inputs = [i for i, (_, cls, _) in enumerate(kplan.inputs)
                        if not cls.startswith("var:")]
        return outs, variables, in_place, array_inputs

    def _matmul_parts(self, node, cluster):
        """A matmul node, or a MATMUL cluster, as (matmul node, a, b, epilogue): a and b the
        tensors multiplied; epilogue None, or (KernelPlan, call, the input tensors it reads) of
        the elementwise kernel applied to the product (kernel_plan.plan_epilogue)."""
        if cluster is None:
            return node, node.inputs[0], node.inputs[1], None
        body = cluster.body
        mm = body.nodes[len(body.inputs)]
        pos = {id(p): i for i, p in enumerate(body.inputs)}
        a, b = (node.inputs[pos[id(x)]] for x in mm.inputs[:2])
        kplan, call, used = kernel_plan.plan_epilogue(cluster, self.bodies[id(node)])
        return mm, a, b, (kplan, call, [node.inputs[i] for i in used])

    # -- where values live ------------------------------------------------------------------------
    def _const(self, array):
        """A constant as this plan keeps it (a device copy on CUDA)."""
        return array

    def _buffer(self, t):
        """Where a step writes tensor t: a view into the arena; or, for a fetched tensor (the
        caller owns it) and one a fetched TensorList may hold, an array of its own, recycled
        once the caller has dropped it."""
        shape, dtype = self.shapes[id(t)], t.dtype.np
        if id(t) in self.output_ids or id(t) in self.held_by_variants:
            pool = OutputArrays(shape, dtype, self.empty, self.output_pool_size)
            self.output_pools.append(pool)
            return pool
        holder = Planned(shape, dtype)
        self.planned.append((holder, self.order[id(t.node)], self.last_use.get(id(t))))
        self.arena_tensors.add(id(t))
        return holder

    def _scratch(self, node, shape, dtype):
        """A temporary in the arena that lives only during `node`'s step."""
        holder = Planned(shape, dtype)
        at = self.order[id(node)]
        self.planned.append((holder, at, at))
        return holder

    def _place_arena(self):
        lifetimes = []
        for holder, first, last in self.planned:
            nbytes = int(np.prod(holder.shape, dtype=np.int64)) * np.dtype(holder.dtype).itemsize
            lifetimes.append((first, max(first, last if last is not None else first), nbytes))
        offsets, size = memory.plan_arena(lifetimes)
        self.peak_bytes = size
        self.arena = self._arena(size)
        for (holder, _, _), offset in zip(self.planned, offsets):
            holder.array = self.arena.view(offset, holder.shape, holder.dtype)

    def _arena(self, nbytes):
        return memory.Arena(nbytes)

    def host_array(self, a):
        """`a` as a host array (a predicate or trip count the host decides on)."""
        return a

    def placed(self, a):
        """A host array made by a step, placed where this plan keeps values."""
        return a

    def sub_plan(self, body, in_shapes, extra, node):
        """A plan of this class running `body` (a subgraph.Body of `node`) for these input
        shapes, fetching its outputs then the `extra` body tensors; None when a shape inside
        depends on data. Owned by this plan instance (never shared between threads)."""
        from graphflow.compiler.passes import prune
        g, fetches, targets = body.runnable(extra)
        graph = prune.run(with_interface(g, list(g.inputs), fetches, targets))[0]
        try:
            shapes, bodies = propagate_shapes(graph, in_shapes)
        except DynamicShape:
            return None
        at = self.order[id(node)]
        held = set(self.no_in_place)  # reads taken before the node and still used at or after it
        for var in assigned_variables(node):
            for other in self.graph.nodes[:at]:
                if other.type == "read_variable" and other.attrs["var"] is var:
                    t = other.outputs[0]
                    if id(t) in self.output_ids or self.last_use.get(id(t), -1) >= at:
                        held.add(id(var))
        return type(self)(graph, tuple(in_shapes), shapes, bodies, frozenset(held))

    def _slot(self, t):
        s = self.slot.get(id(t))
        if s is None:
            s = self.slot[id(t)] = len(self.slot)
        return s

    # -- compiling, running, describing -------------------------------------------------------------
    def compile(self):
        """Compiles (or loads from the disk cache) every kernel of the plan ahead of its first
        run, the hand-written ones and those of body plans included."""
        for warm in self.warm:
            warm()
        for nested in self.nested:
            nested.compile()

    def run(self, arrays):
        env = list(self.template)
        for s, a in zip(self.input_slots, arrays):
            env[s] = a
        for step in self.steps:
            step(env)
        return [env[s].copy() if copy else env[s]
                for s, copy in zip(self.output_slots, self.copy_outputs)]

    def step_names(self):
        """A short description of each step, in run order (for profiles and explain)."""
        names = []
        for step, node in zip(self.steps, self.step_nodes):
            if node is None or getattr(step, "reads", None) and len(step.reads) > 1:
                n = len(step.reads)
                names.append(f"read {n} variable{'s' if n != 1 else ''}")
            elif node.type == "fused":
                cluster = node.attrs["cluster"]
                names.append(f"{cluster.name} [{cluster.kind}]")
            else:
                names.append(f"{node.name} ({node.type})")
        return names

    def describe(self):
        lines = [f"steps: {len(self.steps)}, {self.memory}kernels: {len(self.kernels)}, peak "
                 f"intermediate {self.memory}memory (arena): {self.peak_bytes} bytes"]
        for k, (name, step) in enumerate(zip(self.step_names(), self.steps)):
            lines.append(f"  step {k}: {name}")
            lines += control_flow.describe_step(step, "    ")
        for kernel, what in self.kernels:
            if kernel is None:  # a hand-written kernel
                lines.append(f"-- {what}")
            else:
                where = kernel.path.name if kernel.path else "compiled in memory"
                lines += [f"-- kernel {kernel.name}: {what} ({where})", kernel.source]
        return lines + self.notes


class Plan(SlotPlan):
    """The CPU plan: fused clusters run as Numba kernels, matmuls through BLAS into planned
    buffers (an epilogue kernel rewrites the product in place), other ops as their NumPy
    reference (or a hand-written kernel of backends/cpu_kernels) on the arrays themselves."""

    native_loops = True

    def __init__(self, graph, input_shapes, shapes, bodies, no_in_place=frozenset()):
        self.native_nodes = []     # nodes run by a hand-written kernel (backends.cpu_kernels)
        super().__init__(graph, input_shapes, shapes, bodies, no_in_place)

    def _add_kernel(self, kernel, kplan, shape, ndims):
        """Lists a generated kernel, compiled for arguments of these ranks by compile()."""
        numba_cpu = get_target("cpu")
        self.kernels.append((kernel, f"{kplan.mode} over shape {shape}"))
        self.warm.append(lambda: kernel.warm(numba_cpu.arg_types(kplan, ndims)))

    def _reference_step(self, node):
        cpu_kernels = get_target("cpu_native")
        kernel = cpu_kernels.implementation(node)
        if kernel is not None:
            self.native_nodes.append(node)
            self.warm.append(lambda: cpu_kernels.warm(node))
        return super()._reference_step(node, kernel)

    def _lone_reduction_for_numpy(self, node, cluster):
        """A cluster that is just one reduction along the last axes, over more elements than a
        serial kernel loop sums quickly (its accumulator chain is latency-bound, NumPy's pairwise
        sum is vectorized): the body's reduction node, to run through NumPy; else None."""
        if cluster.kind != fused.REDUCTION:
            return None
        ops = [n for n in cluster.body.nodes if n.type != "placeholder"]
        if len(ops) != 1 or len(node.inputs) != 1:
            return None
        shape = self.shapes[id(node.inputs[0])]
        axes = ops[0].attrs["axis"]
        axes = tuple(range(len(shape))) if axes is None else tuple(axes)
        if axes and axes[0] == 0 and axes == tuple(range(len(axes))) and len(axes) < len(shape):
            return None  # reduce_outer: the kernel's accumulators run along rows, vectorized
        return ops[0] if int(np.prod(shape, dtype=np.int64)) > LONE_REDUCTION_LIMIT else None

    def _kernel_step(self, node, cluster):
        lone = self._lone_reduction_for_numpy(node, cluster)
        if lone is not None:
            return _reference_step(lone, [self._slot(x) for x in node.inputs],
                                   [self._slot(o) for o in node.outputs])
        numba_cpu = get_target("cpu")
        kplan, call, var_inputs = self._plan_cluster(node, cluster)
        outer, inner = call["outer"], call["inner"]
        kernel = numba_cpu.get_kernel(kplan, numba_cpu.wants_parallel(outer * inner))
        outs, variables, in_place, array_inputs = self._kernel_interface(
            node, cluster, kplan, var_inputs)
        materialize = [call["shape"] if call["materialize"][i] else None for i in array_inputs]
        ndims = [len(call["shape"]) if m is not None else len(self.shapes[id(node.inputs[i])])
                 for i, m in zip(array_inputs, materialize)]
        ndims += [v.shape.rank for v, _ in variables]
        ndims += [len(self.shapes[id(o)]) for o, bt in zip(node.outputs, cluster.body.outputs)
                  if bt.node.type not in ASSIGNS]
        self._add_kernel(kernel, kplan, call["shape"], ndims)
        return _kernel_step(kernel, outer, inner, [self._slot(node.inputs[i]) for i in array_inputs],
                            materialize, outs, variables, in_place)

    def _matmul_step(self, node, cluster):
        mm, a, b, epilogue = self._matmul_parts(node, cluster)
        extra = []
        if epilogue is not None:
            numba_cpu = get_target("cpu")
            kplan, call, used = epilogue
            kernel = numba_cpu.get_kernel(kplan, numba_cpu.wants_parallel(call["outer"] * call["inner"]))
            extra = [self._slot(x) for x in used]
            materialize = [call["shape"] if m else None for m in call["materialize"]]
            rank = len(call["shape"])
            ndims = [rank if m is not None else len(self.shapes[id(x)])
                     for x, m in zip(used, materialize)] + [rank]
            self._add_kernel(kernel, kplan, call["shape"], ndims)
            epilogue = (kernel, call["outer"], call["inner"], materialize)
        out = node.outputs[0]
        return _matmul_step(self._slot(a), self._slot(b), mm.attrs["transpose_a"],
                            mm.attrs["transpose_b"], self._slot(out), self._buffer(out), epilogue,
                            extra)


# -- aliasing: NumPy reference ops may return views of their inputs ------------------------------

def _aliases_inputs(node):
    """Whether a node's outputs may be views of (or the same arrays as) its inputs: true of
    every op run through its NumPy reference (reshape, transpose, slicing, identity, ...); kernel
    and matmul steps always write fresh buffers."""
    if node.type == "matmul":
        return False
    if node.type == "fused":
        return node.attrs["cluster"].kind not in (fused.ELEMENTWISE, fused.REDUCTION, fused.UPDATE,
                                                  fused.MATMUL)
    return node.type not in ("const", "placeholder", "read_variable")


def _last_uses(graph, order, output_ids):
    """{id(tensor): index of the last node reading it, directly or through views}; fetched
    tensors live to the end."""
    end = len(graph.nodes)
    last = {}
    for node in graph.nodes:
        for t in node.inputs:
            last[id(t)] = order[id(node)]
    for t in output_ids:
        last[t] = end
    for node in reversed(graph.nodes):  # a view keeps its base alive as long as itself
        if _aliases_inputs(node) and node.outputs:
            until = max(last.get(id(o), order[id(node)]) for o in node.outputs)
            for t in node.inputs:
                last[id(t)] = max(last.get(id(t), -1), until)
    return last


def _held_by_variants(graph):
    """ids of the tensors whose arrays a fetched variant (a TensorList) may hold: they flow into
    it through ops that keep references to their inputs. They must not live in the arena: the
    next run (a loop body's next iteration) would overwrite what the list still refers to."""
    held = {id(t) for t in graph.outputs if t.dtype.name == "variant"}
    for node in reversed(graph.nodes):
        if _aliases_inputs(node) and any(id(o) in held for o in node.outputs):
            held.update(id(t) for t in node.inputs)
    return held


def _may_share_storage(graph, planned_ids, var_ids):
    """Tensors whose arrays may live in the arena or in a variable's storage (directly or as
    views); fetching one must copy it, or the next run or update would change the caller's data."""
    shared = set(planned_ids) | set(var_ids)
    for node in graph.nodes:
        if _aliases_inputs(node) and any(id(t) in shared for t in node.inputs):
            shared.update(id(o) for o in node.outputs)
    return shared


# -- where outputs go ------------------------------------------------------------------------------

class Planned:
    """A buffer in the arena (its view is set once the arena is laid out)."""

    __slots__ = ("shape", "dtype", "array")

    def __init__(self, shape, dtype):
        self.shape, self.dtype, self.array = tuple(shape), dtype, None

    def get(self):
        return self.array


class OutputArrays:
    """Arrays for a fetched value. The caller owns what a run returns, so a new array is made
    unless an earlier one is no longer referenced anywhere else, which is then reused (a 40 MB
    fresh allocation costs page faults on every call; a dropped result costs nothing)."""

    __slots__ = ("shape", "dtype", "pool", "empty", "size")

    def __init__(self, shape, dtype, empty=np.empty, size=2):
        self.shape, self.dtype, self.pool, self.empty, self.size = shape, dtype, [], empty, size

    def get(self):
        for a in self.pool:
            if sys.getrefcount(a) == 3:  # the pool, this loop's variable, getrefcount's argument
                return a
        a = self.empty(self.shape, self.dtype)
        if len(self.pool) < self.size:
            self.pool.append(a)
        return a


# -- steps ---------------------------------------------------------------------------------------

def _reads_step(reads, on_device=None):
    """Reads variables' current arrays (device arrays for a device plan) into slots;
    `step.reads` lists (Variable, slot)."""
    if on_device:
        def step(env):
            for var, slot in reads:
                env[slot] = var._device_storage()
    else:
        def step(env):
            for var, slot in reads:
                env[slot] = var._storage()
    step.reads = reads
    return step


def _view_step(in_slot, out_slot, shape):
    def step(env):
        env[out_slot] = env[in_slot].reshape(shape)
    return step


def _reference_step(node, in_slots, out_slots, fn=None, device=None):
    """Runs the op's NumPy reference (or `fn`, a kernel called the same way) on its slots; with
    `device` (a device target), on host copies of device arrays, the results copied back."""
    ref, attrs, name, kind = fn or node.opdef.ref, node.attrs, node.name, node.type
    single = node.opdef.num_outputs == 1  # (a split into one piece still returns a tuple)
    if device is not None:
        ref, single = _on_host(ref, single, device), False

    def step(env):
        try:
            result = ref(*[env[s] for s in in_slots], **attrs)
        except GraphflowError as e:
            raise type(e)(f"Node {name!r} ({kind}): {e}") from None
        if single:
            env[out_slots[0]] = result if type(result) is np.ndarray else np.asarray(result)
        else:
            for s, r in zip(out_slots, result):
                # a NumPy scalar (an iterator's element, a split's piece) is made an array:
                # kernels later in the plan index their arguments as arrays
                env[s] = np.asarray(r) if isinstance(r, (np.generic, int, float)) else r
    return step


def _on_host(ref, single, device):
    """`ref` run on host copies of device arrays, its results (a list) copied to the device."""
    as_host, to_device = device.as_host, device.to_device

    def run(*arrays, **attrs):
        result = ref(*[as_host(a) for a in arrays], **attrs)
        return [to_device(np.asarray(r)) for r in ([result] if single else result)]
    return run


def _kernel_input(a, shape):
    """A kernel input as a C-contiguous array; `shape` set means broadcast it to a full copy."""
    if shape is not None:
        return np.ascontiguousarray(np.broadcast_to(a, shape))
    return a if a.flags.c_contiguous else np.ascontiguousarray(a)


def _kernel_step(kernel, outer, inner, in_slots, materialize, outs, variables, in_place):
    if not variables and all(m is None for m in materialize) and \
            all(out[0] == "buffer" for out in outs):
        return _plain_kernel_step(kernel, outer, inner, in_slots, outs)
    simple_inputs = all(m is None for m in materialize)

    def step(env):
        if simple_inputs:
            args = [env[s] for s in in_slots]
            args = [a if a.flags.c_contiguous else np.ascontiguousarray(a) for a in args]
        else:
            args = [_kernel_input(env[s], m) for s, m in zip(in_slots, materialize)]
        targets = []  # each variable's array, updated in place by the kernel
        for (var, needs_current), ok in zip(variables, in_place):
            # a GPU variable (var._dev) is never written in place here: _value is a host copy
            cur = var._value._value if var._value is not None and var._dev is None else None
            if ok and cur is not None and not var._exported:
                targets.append(cur)
            elif needs_current:  # somebody may still see the old array: update a copy
                targets.append(var._storage().copy())
            else:
                targets.append(np.empty(var.shape.as_list(), var.dtype.np))
        kernel(outer, inner, *args, *targets, *buffer_outputs(outs, env))
        for (var, _), dst in zip(variables, targets):
            if var._value is None or dst is not var._value._value:  # written out of place
                var._replace_storage(dst)
        for out in outs:
            if out[0] == "var":
                env[out[1]] = out[2]._storage()
    return step


def buffer_outputs(outs, env):
    """The arrays a kernel step writes its buffer outputs to (each also put in its slot), from a
    SlotPlan._kernel_interface `outs` list; shared by the CPU and CUDA kernel steps."""
    arrays = []
    for out in outs:
        if out[0] == "buffer":
            arrays.append(out[2].get())
            env[out[1]] = arrays[-1]
    return arrays


def _plain_kernel_step(kernel, outer, inner, in_slots, outs):
    """The common kernel step, kept lean (tens of these run per training step): arrays in,
    fresh buffers out, no variables; the compiled dispatcher is called directly."""
    out_slots = [out[1] for out in outs]
    getters = [out[2].get for out in outs]

    def step(env):
        args = [env[s] for s in in_slots]
        for k, a in enumerate(args):
            if not a.flags.c_contiguous:
                args[k] = np.ascontiguousarray(a)
        for s, get in zip(out_slots, getters):
            args.append(get())
            env[s] = args[-1]
        call = kernel.dispatcher if kernel.compile_seconds is not None else kernel
        call(outer, inner, *args)
    return step


def _matmul_step(a_slot, b_slot, ta, tb, out_slot, holder, epilogue, extra):
    def step(env):
        a, b = env[a_slot], env[b_slot]
        if ta:
            a = np.swapaxes(a, -1, -2)
        if tb:
            b = np.swapaxes(b, -1, -2)
        out = holder.get()
        np.matmul(a, b, out=out)
        if epilogue is not None:
            kernel, outer, inner, materialize = epilogue
            args = [_kernel_input(env[s], m) for s, m in zip(extra, materialize)]
            kernel(outer, inner, *args, out)  # the epilogue rewrites the product in place
        env[out_slot] = out
    return step
