"""Lowering for the CUDA target: an optimized graph becomes a plan of numba.cuda kernel launches
over device arrays, for concrete input shapes.

The graph and its fused clusters are the same ones the CPU target compiles (the pipeline runs
once, target-neutral); what differs is the rendering of each step:

  fused elementwise / reduction / update clusters -> kernels rendered from the same
      kernel_plan.KernelPlan the CPU uses (numba_cuda.render_cuda);
  matmul clusters -> a tiled shared-memory matmul with the elementwise epilogue in its store;
  single elementwise / reduction / assign nodes -> one-node clusters, so they are kernels too;
  reshapes -> views; other pure data movement (transpose, concat, pad, slicing, tile, split,
      broadcasting an input) -> one gather through an index map built once per plan by running
      the op's NumPy reference on element indices (OpDef.moves);
  one_hot, gather, argmax-style and other reductions -> dedicated kernels;
  conv2d, its two gradients and max_pool2d -> windows gathered by an im2col index map (built
      from the conv op's own window layout), then the matmul kernel or an axis reduction;
      pooling gradients and average pooling walk the same windows (one thread per window);
  random ops and the few ops without a CUDA kernel (data-dependent shapes, integer
      scatter-adds and means) -> their NumPy reference on the host, with the copies counted and
      listed by explain().

Intermediates live in one device arena allocated when the plan is built; inputs are copied to
the device once per call unless they already live there; outputs are device arrays.

    >>> from graphflow.compiler.lower_cuda import CudaExecutable
    >>> CudaExecutable.__name__
    'CudaExecutable'
"""

import numpy as np

from graphflow.compiler import control_flow, fused, kernel_plan, memory
from graphflow.compiler.lower import (ASSIGNS, Optimized, OutputArrays, ReferencePlan,
                                      SlotPlan, assigned_variables, buffer_outputs, explain,
                                      make_plan, propagate_shapes)
from graphflow.compiler.plan_cache import PlanCache
from graphflow.compiler.targets import get as get_target
from graphflow.errors import GraphflowError, UnimplementedError
from graphflow.ops import registry
from graphflow.tensor import DeviceTensor
from graphflow.utils.cache import Cache

# conv and pooling ops: which input has the image's shape (NHWC), which the filters (HWIO)
WINDOW_OPS = {"conv2d": (0, 1), "conv2d_backprop_filter": (0, 2), "conv2d_backprop_input": (2, 1),
              "max_pool2d": (0, None), "max_pool2d_grad": (0, None),
              "max_pool2d_grad_grad": (0, None), "avg_pool2d": (0, None),
              "avg_pool2d_grad": (1, None)}
POOL_KERNELS = {"max_pool2d_grad": "max_pool_grad", "max_pool2d_grad_grad": "max_pool_grad_grad",
                "avg_pool2d": "avg_pool", "avg_pool2d_grad": "avg_pool_grad"}

AXIS_REDUCE_OPS = {"reduce_sum": "sum", "reduce_prod": "prod", "reduce_max": "max",
                   "reduce_min": "min", "reduce_all": "all", "reduce_any": "any",
                   "argmax": "argmax", "argmin": "argmin", "unbroadcast": "sum"}


class CudaExecutable:
    """Optimizes once; builds and caches a CudaPlan per distinct set of input shapes.
    `run(arrays)` takes host or device arrays and returns device arrays."""

    target = "cuda"

    def __init__(self, graph, fetches, feeds, targets=(), options=None, device=None):
        self.optimized = Optimized(graph, feeds, fetches, targets, options, target="cuda")
        self.graph, self.reports = self.optimized.graph, self.optimized.reports
        self.optimize_seconds = self.optimized.optimize_seconds
        self.device = device        # a graphflow.devices.Device (None: the eager path's GPU)
        self.plans = PlanCache(lambda key: make_plan(self.optimized.for_shapes(key), key,
                                                     CudaPlan, HostPlan))

    @property
    def last_plan(self):
        return self.plans.last_plan

    def run(self, arrays):
        return self.plans.run(tuple([tuple(a.shape) for a in arrays]), arrays)

    def wait(self):
        return self

    def explain(self):
        name = self.device.short_name if self.device is not None else "/GPU:0"
        return explain(self, f"CUDA plan on {name}")


def _target():
    """The CUDA target (backends/numba_cuda.py, registered when imported): kernels, device
    memory and copies."""
    return get_target("cuda")


class HostPlan(ReferencePlan):
    """When shapes depend on data, the reference interpreter runs the graph on the host."""

    def run(self, arrays):
        results = super().run([_target().as_host(a) for a in arrays])
        return [_target().to_device(np.asarray(r)) for r in results]

    def describe(self):
        return [f"{self.reason}: the whole graph runs on the host reference interpreter"]


class CudaPlan(SlotPlan):
    """The CUDA plan: the CPU plan's slots and steps (lower.SlotPlan), holding device arrays."""

    def __init__(self, graph, input_shapes, shapes, bodies, no_in_place=frozenset()):
        numba_cuda = get_target("cuda")
        super().__init__(graph, input_shapes, shapes, bodies, no_in_place)
        self.cuda = numba_cuda
        self.kernels = []          # (kernel, what it computes)
        self.host_ops = []         # names of nodes that run on the host
        self.planned = []          # (holder, first step, last step) placed in the device arena
        self.arena_tensors = set()  # ids of tensors whose buffers are in the arena
        self._lower_all(lambda: self.arena_tensors)

    # -- buffers ----------------------------------------------------------------------------------
    def _buffer(self, t, shape=None, dtype=None):
        """Where a step writes tensor t: for fetched values (the caller owns them) a device array
        of its own, recycled once the caller has dropped it, else a view into the arena."""
        shape = self.shapes[id(t)] if shape is None else shape
        dtype = t.dtype.np if dtype is None else dtype
        if id(t) in self.output_ids:
            return OutputArrays(tuple(shape), dtype, _target().empty)
        holder = _Planned(shape, dtype)
        self.planned.append((holder, self.order[id(t.node)], self.last_use.get(id(t))))
        self.arena_tensors.add(id(t))
        return holder

    def _scratch(self, node, shape, dtype):
        """A temporary that lives only during `node`'s step."""
        holder = _Planned(shape, dtype)
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
        self.arena = self.cuda.DeviceArena(size)
        for (holder, _, _), offset in zip(self.planned, offsets):
            holder.array = self.arena.view(offset, holder.shape, holder.dtype)

    def _const(self, array):
        return _target().to_device(array)

    def _index_map(self, shape, move):
        """A device index map: `move` applied to the element indices of an array of `shape`
        (a transpose, a slice, a broadcast...) says which element each output element copies."""
        index = np.arange(int(np.prod(shape, dtype=np.int64)), dtype=np.int64).reshape(shape)
        return self._const(np.ascontiguousarray(move(index)).reshape(-1))

    # -- lowering -------------------------------------------------------------------------------
    def _lower(self, node):
        t = node.type
        if t == "placeholder":
            return None
        if t == "const":
            self.consts[self._slot(node.outputs[0])] = self._const(node.attrs["value"])
            return None
        if t == "group":
            return None
        if t == "read_variable":
            slot = self._slot(node.outputs[0])
            self.var_slots.add(slot)
            var = node.attrs["var"]

            def read(env):
                env[slot] = var._device_storage()
            return read
        if node.opdef.bodies:  # bodies as device sub-plans; the host reads only the predicate
            step = self._control_flow_step(node)
            if step is not None:
                return step
        try:
            return self._lower_on_device(node)
        except UnimplementedError as e:
            self.host_ops.append(f"{node.name} ({t}): {e}")
            return self._host_step(node)

    def _lower_on_device(self, node):
        op, t = node.opdef, node.type
        if t == "fused":
            cluster = node.attrs["cluster"]
            if cluster.kind == fused.MATMUL:
                return self._matmul_step(node, cluster)
            try:
                return self._kernel_step(node, cluster)
            except UnimplementedError:
                lone = [n for n in cluster.body.nodes if n.type != "placeholder"]
                if cluster.kind == fused.REDUCTION and len(lone) == 1:  # axes in the middle
                    return self._reduction_step(node, lone[0])
                raise
        if t == "matmul":
            return self._matmul_step(node, None)
        if t in ASSIGNS:
            return self._kernel_step(node, _single_cluster(fused.UPDATE, node))
        if fused.can_fuse_elementwise(node):
            return self._kernel_step(node, _single_cluster(fused.ELEMENTWISE, node))
        if op.view:
            return self._view_step(node)
        if op.moves is not None:
            return self._move_step(node)
        if t in ("shape", "size", "rank"):
            value = op.ref(np.empty(self.shapes[id(node.inputs[0])], np.uint8), **node.attrs)
            self.consts[self._slot(node.outputs[0])] = self._const(value)
            return None
        if t == "one_hot":
            return self._one_hot_step(node)
        if t == "gather":
            return self._gather_step(node)
        if t == "gather_grad":
            return self._gather_grad_step(node)
        if t == "strided_slice_grad":
            return self._slice_grad_step(node)
        if node.kind == "reduction":
            return self._reduction_step(node)
        if t in WINDOW_OPS:
            return self._window_step(node)
        raise UnimplementedError("no CUDA kernel for this op")

    # kernels from KernelPlans --------------------------------------------------------------------
    def _kernel_step(self, node, cluster):
        in_shapes = [self.shapes[id(x)] for x in node.inputs]
        body_shapes = self.bodies.get(id(node))
        if body_shapes is None:  # a one-node cluster made here
            body_shapes, _ = propagate_shapes(cluster.body, in_shapes)
        var_inputs = {i: x.node.attrs["var"] for i, x in enumerate(node.inputs)
                      if x.node.type == "read_variable" and not self._written_between(x.node, node)}
        kplan, call = kernel_plan.plan_kernel(cluster, in_shapes, body_shapes, var_inputs)
        kernel = self.cuda.get_kernel(kplan)
        self.kernels.append((kernel, f"{kplan.mode} over {call['shape']}"))
        outs, variables, in_place, array_inputs = self._kernel_interface(
            node, cluster, kplan, var_inputs, self._buffer)
        loaders = [self._loader(node.inputs[i], call["shape"] if call["materialize"][i] else None,
                                node) for i in array_inputs]
        outer, inner = call["outer"], call["inner"]

        def step(env):
            args = [load(env) for load in loaders]
            targets = []
            for (var, needs_current), ok in zip(variables, in_place):
                cur = var._value
                if ok and type(cur) is DeviceTensor and not var._exported:
                    targets.append(cur._device_array)
                elif needs_current:
                    src = var._device_storage()
                    targets.append(src if var._dev is None else _target().device_copy(src))
                else:
                    targets.append(_target().empty(tuple(var.shape.as_list()), var.dtype.np))
            kernel(outer, inner, *args, *targets, *buffer_outputs(outs, env))
            for (var, _), dst in zip(variables, targets):
                cur = var._value
                if type(cur) is DeviceTensor and dst is cur._device_array:
                    cur._host = None  # updated in place: a cached host copy is stale
                else:
                    var._replace_storage(dst)
            for out in outs:
                if out[0] == "var":
                    env[out[1]] = out[2]._device_storage()
        return step

    def _written_between(self, read, node):
        """Whether the variable `read` reads is assigned by a step between the read and `node`
        (then the kernel must use the read's snapshot, not the variable's current array)."""
        var = read.attrs["var"]
        between = self.graph.nodes[self.order[id(read)] + 1:self.order[id(node)]]
        return any(v is var for other in between for v in assigned_variables(other))

    def _loader(self, t, broadcast_to, node):
        """A function env -> the device array of t, broadcast to `broadcast_to` (through an
        index map) when given."""
        slot = self._slot(t)
        if broadcast_to is None:
            return lambda env: env[slot]
        dmap = self._index_map(self.shapes[id(t)], lambda i: np.broadcast_to(i, broadcast_to))
        holder = self._scratch(node, broadcast_to, t.dtype.np)
        gather = self.cuda.gather_by_map

        def load(env):
            out = holder.get()
            gather(env[slot], dmap, out)
            return out
        return load

    # matmul ---------------------------------------------------------------------------------
    def _matmul_step(self, node, cluster):
        if cluster is None:
            mm, kplan, extra, materialize = node, None, [], []
            a_t, b_t = node.inputs
        else:
            body = cluster.body
            mm = body.nodes[len(body.inputs)]
            pos = {id(p): i for i, p in enumerate(body.inputs)}
            a_t = node.inputs[pos[id(mm.inputs[0])]]
            b_t = node.inputs[pos[id(mm.inputs[1])]]
            kplan, call, used = kernel_plan.plan_epilogue(cluster, self.bodies[id(node)])
            extra = [node.inputs[i] for i in used]
            materialize = [call["shape"] if m else None for m in call["materialize"]]
        loaders = [self._loader(t, m, node) for t, m in zip(extra, materialize)]
        ta, tb = mm.attrs["transpose_a"], mm.attrs["transpose_b"]
        out = node.outputs[0]
        batch = tuple(self.shapes[id(out)][:-2])

        def operand(t):  # batch dims broadcast against the other side are materialized first
            shape = self.shapes[id(t)]
            same = len(shape) <= 2 or tuple(shape[:-2]) == batch
            return self._loader(t, None if same else batch + tuple(shape[-2:]), node)
        load_a, load_b = operand(a_t), operand(b_t)
        holder, out_slot = self._buffer(out), self._slot(out)
        matmul = self.cuda.matmul
        self.kernels.append((None, f"matmul{' + ' + kplan.name if kplan else ''} -> "
                                   f"{self.shapes[id(out)]}"))

        def step(env):
            dst = holder.get()
            matmul(load_a(env), load_b(env), dst, ta, tb, kplan, [load(env) for load in loaders])
            env[out_slot] = dst
        return step

    # views and data movement -------------------------------------------------------------------
    def _view_step(self, node):
        src, out = self._slot(node.inputs[0]), self._slot(node.outputs[0])
        shape = self.shapes[id(node.outputs[0])]

        def step(env):
            env[out] = env[src].reshape(shape)
        return step

    def _index_arrays(self, node):
        """Element-index arrays for the moved inputs (offset so indices are unique across
        inputs), plain zeros for shape-only inputs."""
        moved = node.opdef.moves
        positions = range(len(node.inputs)) if moved == "all" else moved
        arrays, offset = [], 0
        for i, x in enumerate(node.inputs):
            shape = self.shapes[id(x)]
            if i in positions:
                n = int(np.prod(shape, dtype=np.int64))
                arrays.append(np.arange(offset, offset + n, dtype=np.int64).reshape(shape))
                offset += n
            else:
                arrays.append(np.zeros(shape, np.int64))
        return arrays, [i for i in positions]

    def _move_step(self, node):
        attrs = dict(node.attrs)
        fill = None
        if "constant_values" in attrs:  # elements from nowhere map to -1 and get the fill value
            fill = attrs["constant_values"]
            attrs["constant_values"] = -1
        arrays, moved = self._index_arrays(node)
        maps = node.opdef.ref(*arrays, **attrs)
        maps = list(maps) if isinstance(maps, tuple) else [maps]
        sources = [self._slot(node.inputs[i]) for i in moved]
        joined = None
        if len(sources) > 1:  # several inputs: copy them into one buffer the maps index
            total = sum(int(np.prod(self.shapes[id(node.inputs[i])])) for i in moved)
            joined = self._scratch(node, (total,), node.inputs[moved[0]].dtype.np)
        outs = [(self._slot(o), self._buffer(o), self._const(np.ascontiguousarray(m).reshape(-1)))
                for o, m in zip(node.outputs, maps)]
        cuda = self.cuda
        self.kernels.append((None, f"{node.type} by index map"))

        def step(env):
            if joined is None:
                src = env[sources[0]]
            else:
                src = joined.get()
                at = 0
                for s in sources:
                    part = env[s].reshape(-1)
                    if part.shape[0]:  # (an empty device slice cannot be copied into)
                        src[at:at + part.shape[0]].copy_to_device(part)
                    at += part.shape[0]
            for slot, holder, dmap in outs:
                dst = holder.get()
                if fill is None:
                    cuda.gather_by_map(src, dmap, dst)
                else:
                    cuda.gather_by_map(src, dmap, dst, fill)
                env[slot] = dst
        return step

    def _slice_grad_step(self, node):
        dy, like = node.inputs
        from graphflow.ops.shape import STRIDED_SLICE  # the gradient scatters through the slice's map
        dmap = self._index_map(self.shapes[id(like)], lambda i: STRIDED_SLICE.ref(i, **node.attrs))
        return self._scatter_step(node, self._slot(dy), dmap)

    def _scatter_step(self, node, src_slot, dmap):
        out = node.outputs[0]
        holder, slot = self._buffer(out), self._slot(out)
        cuda = self.cuda

        def step(env):
            dst = holder.get()
            cuda.fill(dst, 0)
            cuda.scatter_by_map(env[src_slot], dmap, dst)
            env[slot] = dst
        return step

    # index ops ---------------------------------------------------------------------------------
    def _one_hot_step(self, node):
        """one_hot along the last axis; another axis moves the last one there (an index map)."""
        a = node.attrs
        src, out = self._slot(node.inputs[0]), node.outputs[0]
        holder, slot = self._buffer(out), self._slot(out)
        cuda = self.cuda
        move = None
        if a["axis"] != -1:
            last = tuple(self.shapes[id(node.inputs[0])]) + (a["depth"],)
            move = (self._index_map(last, lambda i: np.moveaxis(i, -1, a["axis"])),
                    self._scratch(node, last, out.dtype.np))

        def step(env):
            dst = holder.get()
            if move is None:
                cuda.one_hot(env[src], a["depth"], a["on_value"], a["off_value"], dst)
            else:
                tmp = move[1].get()
                cuda.one_hot(env[src], a["depth"], a["on_value"], a["off_value"], tmp)
                cuda.gather_by_map(tmp, move[0], dst)
            env[slot] = dst
        return step

    def _gather_step(self, node):
        if node.attrs.get("batch_dims"):
            raise UnimplementedError("gather with batch_dims")
        params, indices = (self._slot(x) for x in node.inputs)
        axis, out = node.attrs["axis"], node.outputs[0]
        holder, slot = self._buffer(out), self._slot(out)
        cuda = self.cuda

        def step(env):
            dst = holder.get()
            cuda.gather(env[params], env[indices], axis, dst)
            env[slot] = dst
        return step

    def _gather_grad_step(self, node):
        if node.attrs.get("batch_dims"):
            raise UnimplementedError("scatter-add with batch_dims")
        if node.outputs[0].dtype.np.kind != "f":
            raise UnimplementedError("scatter-add of a non-float gradient")
        dy, indices, _ = (self._slot(x) for x in node.inputs)
        axis, out = node.attrs["axis"], node.outputs[0]
        holder, slot = self._buffer(out), self._slot(out)
        cuda = self.cuda

        def step(env):
            dst = holder.get()
            cuda.fill(dst, 0)
            cuda.scatter_add(env[dy], env[indices], axis, dst)
            env[slot] = dst
        return step

    # reductions -----------------------------------------------------------------------------------
    def _reduction_step(self, node, red=None):
        """A reduction outside a fusable cluster (`red` is the reduction inside a one-node
        cluster `node`, else node itself). Float sum/mean/max/min over leading or trailing axes
        are one reduction kernel; over other axes, the reduced axes are first moved last (an
        index map). Other reductions (argmax, prod, integer max, ...) use the axis-reduce
        kernel on the moved input."""
        red = red or node
        x = node.inputs[0]
        shape = self.shapes[id(x)]
        if 0 in shape:  # nothing to reduce: the result (an identity, or the reference's error)
            value = red.opdef.ref(np.empty(shape, x.dtype.np), *[  # is known from shapes
                np.empty(self.shapes[id(t)], t.dtype.np) for t in node.inputs[1:]], **red.attrs)
            self.consts[self._slot(node.outputs[0])] = self._const(value)
            return None
        scalar = red.opdef.scalar is not None and x.dtype.np.kind in red.opdef.scalar_kinds
        if scalar and red is node:
            try:
                return self._kernel_step(node, _single_cluster(fused.REDUCTION, node))
            except UnimplementedError:
                pass
        op = AXIS_REDUCE_OPS.get(red.type)
        if op is None and not scalar:
            raise UnimplementedError(f"no CUDA kernel for {red.type} over these axes")
        axes = _reduced_axes(red, shape, [self.shapes[id(t)] for t in node.inputs])
        keep = [d for d in range(len(shape)) if d not in axes]
        perm = keep + list(axes)
        outer = int(np.prod([shape[d] for d in keep], dtype=np.int64))
        n = int(np.prod([shape[d] for d in axes], dtype=np.int64))
        src = self._slot(x)
        move = None
        if perm != list(range(len(shape))):
            move = (self._index_map(shape, lambda i: i.transpose(perm)),
                    self._scratch(node, (outer * n,), x.dtype.np))
        out = node.outputs[0]
        holder, slot = self._buffer(out), self._slot(out)
        cuda = self.cuda
        if scalar:  # one reduce_inner kernel over the moved (outer, n) layout
            kernel, call = self._trailing_reduction(red, (outer, n), x.dtype)
            self.kernels.append((kernel, f"{red.type} over axes {axes}: reduce_inner over "
                                         f"({outer}, {n})"))

            def reduce(a, dst):
                kernel(call["outer"], call["inner"], a.reshape((outer, n)), dst.reshape((outer,)))
        else:
            self.kernels.append((None, f"{red.type} as axis-reduce {op} over ({outer}, {n})"))

            def reduce(a, dst):
                cuda.axis_reduce(a.reshape((outer, n)), 1, op, dst.reshape((outer,)))

        def step(env):
            a = env[src]
            if move is not None:
                moved = move[1].get()
                cuda.gather_by_map(a, move[0], moved)
                a = moved
            dst = holder.get()
            reduce(a, dst)
            env[slot] = dst
        return step

    def _trailing_reduction(self, red, shape, dtype):
        """(kernel, call) reducing the last axis of `shape` with red's op (as a one-node
        cluster built for that layout)."""
        from graphflow.graph.ir import Graph
        from graphflow.ops.creation import placeholder_node
        from graphflow.ops.registry import Spec
        body = Graph(is_function=True, name="cluster")
        with body.as_default():
            p = placeholder_node(shape, dtype, "in0")
        attrs = dict(red.attrs, axis=(len(shape) - 1,), keepdims=False)
        specs = red.opdef.infer([Spec(shape, dtype)], **attrs)
        r = body.add_node(red.opdef, [p], attrs, specs, red.type)
        body.inputs, body.outputs = [p], list(r.outputs)
        cluster = fused.Cluster(fused.REDUCTION, body, fused.kernel_name([red.type]))
        body_shapes, _ = propagate_shapes(body, [shape])
        kplan, call = kernel_plan.plan_kernel(cluster, [shape], body_shapes)
        return self.cuda.get_kernel(kplan), call

    # convolution and pooling: windows gathered by an index map (im2col), then a matmul ---------
    def _window_step(self, node):
        """conv2d = gather every window of x (an im2col index map, padding reads 0) and multiply
        by the filters as a (KH*KW*C, CO) matrix; its filter gradient multiplies the same
        windows by dy; its input gradient multiplies dy by the filters and adds the windows back
        (atomic scatter-add through the same map); max_pool2d reduces each gathered window."""
        from graphflow.ops import conv
        t, a = node.type, node.attrs
        image, filters = WINDOW_OPS[t]
        x_shape = self.shapes[id(node.inputs[image])]
        if filters is None:
            kh, kw = a["ksize"]
        else:
            kh, kw = self.shapes[id(node.inputs[filters])][:2]
        g = conv._Geometry(x_shape, kh, kw, a["strides"], a["padding"])  # conv's own layout
        if g.empty or 0 in x_shape:  # no window has an element: the result follows from shapes
            value = node.opdef.ref(*[np.zeros(self.shapes[id(x)], x.dtype.np)
                                     for x in node.inputs], **a)
            self.consts[self._slot(node.outputs[0])] = self._const(value)
            return None
        c = x_shape[3]
        index = np.arange(1, int(np.prod(x_shape, dtype=np.int64)) + 1, dtype=np.int64)
        windows = self._const((conv._im2col(index.reshape(x_shape), g) - 1).reshape(-1))
        rows, depth = g.n * g.oh * g.ow, kh * kw * c    # padding maps to -1 ^
        dtype = node.outputs[0].dtype.np
        out = node.outputs[0]
        holder, slot = self._buffer(out), self._slot(out)
        ins = [self._slot(x) for x in node.inputs]
        cuda = self.cuda
        if t in POOL_KERNELS:  # one thread per window and channel walks the window's slots
            kernel = POOL_KERNELS[t]
            self.kernels.append((None, f"{t} over im2col windows ({rows}, {kh * kw}, {c})"))
            reads = [ins[0]] if t in ("avg_pool2d", "avg_pool2d_grad") else ins[:2]
            scatters = t in ("avg_pool2d_grad", "max_pool2d_grad")

            def step(env):
                dst = holder.get()
                if scatters:
                    cuda.fill(dst, 0)
                cuda.pool_windows(kernel, windows, kh * kw, c, dst, *[env[r] for r in reads])
                env[slot] = dst
            return step
        patches = self._scratch(node, (rows, depth), dtype)
        co = self.shapes[id(node.inputs[1])][3] if t != "max_pool2d" else None  # channels out
        self.kernels.append((None, f"{t} as im2col index map + matmul over ({rows}, {depth})"))
        if t == "max_pool2d":
            fill = conv._lowest(np.dtype(dtype))

            def run(env, dst):
                p = patches.get()
                cuda.gather_by_map(env[ins[0]], windows, p, fill)
                cuda.axis_reduce(p.reshape((rows, kh * kw, c)), 1, "max", dst.reshape((rows, c)))
        elif t == "conv2d":
            def run(env, dst):
                p = patches.get()
                cuda.gather_by_map(env[ins[0]], windows, p)
                cuda.matmul(p, env[ins[1]].reshape((depth, co)), dst.reshape((rows, co)))
        elif t == "conv2d_backprop_filter":
            def run(env, dst):
                p = patches.get()
                cuda.gather_by_map(env[ins[0]], windows, p)
                cuda.matmul(p, env[ins[1]].reshape((rows, co)), dst.reshape((depth, co)), True)
        else:
            def run(env, dst):
                p = patches.get()
                cuda.matmul(env[ins[0]].reshape((rows, co)), env[ins[1]].reshape((depth, co)),
                            p, False, True)
                cuda.fill(dst, 0)
                cuda.scatter_add_by_map(p, windows, dst)

        def step(env):
            dst = holder.get()
            run(env, dst)
            env[slot] = dst
        return step

    # the host ------------------------------------------------------------------------------------
    def _host_step(self, node):
        """The op's NumPy reference on the host: inputs copied from the device, outputs back."""
        ref, attrs, name, kind = node.opdef.ref, node.attrs, node.name, node.type
        in_slots = [self._slot(x) for x in node.inputs]
        out_slots = [self._slot(o) for o in node.outputs]
        single = node.opdef.num_outputs == 1

        def step(env):
            try:
                result = ref(*[_target().as_host(env[s]) for s in in_slots], **attrs)
            except GraphflowError as e:
                raise type(e)(f"Node {name!r} ({kind}): {e}") from None
            results = [result] if single else list(result)
            for s, r in zip(out_slots, results):
                env[s] = _target().to_device(np.asarray(r))
        return step

    def host_array(self, a):
        return _target().as_host(a)

    def placed(self, a):
        return _target().as_device(a)

    # running ---------------------------------------------------------------------------------
    def run(self, arrays):
        env = list(self.template)
        for s, a in zip(self.input_slots, arrays):
            env[s] = _target().as_device(a)
        for step in self.steps:
            step(env)
        return [_target().device_copy(env[s]) if copy else env[s]
                for s, copy in zip(self.output_slots, self.copy_outputs)]

    def describe(self):
        lines = [f"steps: {len(self.steps)}, device kernels: {len(self.kernels)}, peak "
                 f"intermediate device memory (arena): {self.peak_bytes} bytes"]
        for k, (step, node) in enumerate(zip(self.steps, self.step_nodes)):
            nested = control_flow.describe_step(step, "    ")
            if nested:
                lines += [f"  step {k}: {node.name} ({node.type})"] + nested
        for kernel, what in self.kernels:
            lines.append(f"-- {kernel.name if kernel is not None else 'kernel'}: {what}")
        if self.host_ops:
            lines.append(f"on the host ({len(self.host_ops)} ops, inputs and outputs copied):")
            lines += [f"   {h}" for h in self.host_ops]
        return lines

    def kernel_sources(self):
        return [k.source for k, _ in self.kernels if k is not None]


def _reduced_axes(node, shape, input_shapes):
    """The axes of `shape` a reduction node reduces (unbroadcast: those it sums back)."""
    rank = len(shape)
    if node.type == "unbroadcast":
        like = input_shapes[1]
        lead = rank - len(like)
        return tuple(range(lead)) + tuple(
            lead + i for i, d in enumerate(like) if d == 1 and shape[lead + i] != 1)
    if node.type in ("argmax", "argmin"):
        return (node.attrs["axis"] % rank,)
    axis = node.attrs.get("axis")
    return tuple(range(rank)) if axis is None else tuple(sorted(a % rank for a in axis))


def _single_cluster(kind, node):
    """A one-node Cluster of `node` (all of its outputs are cluster outputs)."""
    cluster, _, _ = fused.build_cluster(kind, [node], {id(o) for o in node.outputs}, {})
    return cluster


class _Planned:
    """A buffer in the device arena (its view is set when the arena is laid out)."""

    __slots__ = ("shape", "dtype", "array")

    def __init__(self, shape, dtype):
        self.shape, self.dtype, self.array = tuple(shape), dtype, None

    def get(self):
        return self.array


# -- eager ops on the GPU ------------------------------------------------------------------------

_EAGER_LIMIT = 4096
_EAGER = Cache(_EAGER_LIMIT)  # (op, attrs, input shapes and dtypes) -> CudaExecutable


def run_eager(op, arrays, attrs):
    """Runs one op on device (or host) arrays as a compiled one-op graph on the GPU; returns the
    output device arrays. The graph and its plan are cached per op, attrs and input shapes; ops
    on a variable (assigns) keep theirs on the variable, so they go when it goes."""
    var = attrs.get("var")
    key = _eager_key(op, {k: v for k, v in attrs.items() if k != "var"}, arrays)
    if key is None:
        return _one_op_executable(op, arrays, attrs).run(arrays)
    cache = _EAGER if var is None else var.__dict__.get("_cuda_eager")
    if cache is None:
        cache = var.__dict__.setdefault("_cuda_eager", Cache(_EAGER_LIMIT))
    return cache.get(key, lambda: _one_op_executable(op, arrays, attrs)).run(arrays)


def _one_op_executable(op, arrays, attrs):
    from graphflow import dtypes
    from graphflow.graph.ir import Graph
    from graphflow.ops.creation import placeholder_node
    from graphflow.ops.registry import Spec
    graph = Graph(is_function=True, name=f"eager_{op.name}")
    with graph.as_default():
        inputs = [placeholder_node(tuple(a.shape), dtypes.from_numpy(a.dtype), f"in{i}")
                  for i, a in enumerate(arrays)]
    specs = op.infer([Spec(tuple(a.shape), dtypes.from_numpy(a.dtype)) for a in arrays], **attrs)
    node = graph.add_node(op, inputs, attrs, specs, op.name)
    graph.inputs = [p for p in inputs]
    graph.outputs = list(node.outputs)
    targets = [node] if node.kind == "stateful" and op.name != "read_variable" else []
    # A lone one_hot / argmax already runs as one dedicated kernel; expanding it for fusion
    # would only launch three.
    return CudaExecutable(graph, node.outputs, graph.inputs, targets,
                          options={"expand_index_ops": False})


def _eager_key(op, attrs, arrays):
    try:
        key = (op.name, _hashable(attrs),
               tuple((tuple(a.shape), str(a.dtype)) for a in arrays))
        hash(key)
    except TypeError:
        return None
    return key


def _hashable(value):
    if isinstance(value, dict):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, np.ndarray):
        return ("ndarray", value.dtype.str, value.shape, value.tobytes())
    return value


registry.gpu_eager = run_eager  # eager ops on GPU tensors come here (ops.registry's hook)
