"""Lowering for the CUDA target: an optimized graph becomes a plan of numba.cuda kernel launches
over device arrays, for concrete input shapes.

The graph and its fused clusters are the same ones the CPU target compiles (the pipeline runs
once, target-neutral), and so are the plan's slots, lowering dispatch, arena, control flow and
executable (lower.SlotPlan, lower.CompiledExecutable); what differs is each step's code:

  fused elementwise / reduction / update clusters -> kernels rendered from the same
      kernel_plan.KernelPlan the CPU uses (numba_cuda.render_cuda);
  matmul clusters -> a tiled shared-memory matmul with the elementwise epilogue in its store;
  single elementwise / reduction / assign nodes -> one-node clusters, so they are kernels too;
  reshapes -> views; other pure data movement (transpose, concat, pad, slicing, tile, split,
      broadcasting an input) -> one gather through an index map built once per plan by running
      the op's NumPy reference on element indices (OpDef.moves);
  reductions -> generated reduction kernels (kernel_plan.plan_reduce; reduced axes in the
      middle are first moved last by an index map); argmax, argmin, one_hot, gather -> dedicated
      kernels;
  conv2d, its two gradients and max_pool2d -> windows gathered by an im2col index map (built
      from the conv op's own window layout, dilated taps included), then the matmul kernel or a
      generated max (grouped convolutions run their reference on the host);
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

from graphflow.compiler import fused, kernel_plan
from graphflow.compiler.lower import (ASSIGNS, CompiledExecutable, ReferencePlan, SlotPlan,
                                      buffer_outputs)
from graphflow.compiler.targets import get as get_target
from graphflow.errors import UnimplementedError
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
    """The CUDA plan: the shared plan (lower.SlotPlan) with device arrays in its slots and
    arena. Lone elementwise ops and assigns are one-node kernels too (on the CPU NumPy runs
    them); data movement, index ops, reductions the fused kernels do not cover, convolution and
    pooling have device steps of their own; what has none runs on the host (`host_ops`)."""

    memory = "device "
    # A reshaped device array does not hold the array it views (numba's device arrays share
    # the memory, not the object), so a reference count cannot tell that a fetched array is
    # still seen: reusing one overwrote eager results' views. Every call gets fresh outputs.
    output_pool_size = 0

    def __init__(self, graph, input_shapes, shapes, bodies, no_in_place=frozenset()):
        self.cuda = self.on_device = _target()
        self.empty = self.cuda.empty
        self.host_ops = []         # names of nodes that run on the host
        super().__init__(graph, input_shapes, shapes, bodies, no_in_place)

    # -- where values live ------------------------------------------------------------------------
    def _arena(self, nbytes):
        return self.cuda.DeviceArena(nbytes)

    def _const(self, array):
        return self.cuda.to_device(array)

    def _index_map(self, shape, move):
        """A device index map: `move` applied to the element indices of an array of `shape`
        (a transpose, a slice, a broadcast...) says which element each output element copies."""
        index = np.arange(int(np.prod(shape, dtype=np.int64)), dtype=np.int64).reshape(shape)
        return self._const(np.ascontiguousarray(move(index)).reshape(-1))

    def host_array(self, a):
        return self.cuda.as_host(a)

    def placed(self, a):
        return self.cuda.as_device(a)

    # -- the steps only the device has --------------------------------------------------------------
    def _target_step(self, node):
        """Ops without a fused kernel, a matmul or a view step run as device code here; an
        UnimplementedError sends the op to the host (SlotPlan._lower)."""
        op, t = node.opdef, node.type
        if t in ASSIGNS:
            return self._kernel_step(node, _single_cluster(fused.UPDATE, node))
        if fused.can_fuse_elementwise(node):
            return self._kernel_step(node, _single_cluster(fused.ELEMENTWISE, node))
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

    def _note_fallback(self, node, error):
        self.host_ops.append(f"{node.name} ({node.type}): {error}")

    # kernels from KernelPlans --------------------------------------------------------------------
    def _kernel_step(self, node, cluster):
        try:
            kplan, call, var_inputs = self._plan_cluster(node, cluster)
            kernel = self.cuda.get_kernel(kplan)
        except UnimplementedError:
            lone = [n for n in cluster.body.nodes if n.type != "placeholder"]
            if cluster.kind == fused.REDUCTION and len(lone) == 1:  # axes in the middle
                return self._reduction_step(node, lone[0])
            raise
        self.kernels.append((kernel, f"{kplan.mode} over shape {call['shape']}"))
        outs, variables, in_place, array_inputs = self._kernel_interface(
            node, cluster, kplan, var_inputs)
        loaders = [self._loader(node.inputs[i], call["shape"] if call["materialize"][i] else None,
                                node) for i in array_inputs]
        outer, inner = call["outer"], call["inner"]
        cuda = self.cuda

        def step(env):
            args = [load(env) for load in loaders]
            targets = []
            for (var, needs_current), ok in zip(variables, in_place):
                cur = var._value
                if ok and type(cur) is DeviceTensor and not var._exported:
                    targets.append(cur._device_array)
                elif needs_current:
                    src = var._device_storage()
                    targets.append(src if var._dev is None else cuda.device_copy(src))
                else:
                    targets.append(cuda.empty(tuple(var.shape.as_list()), var.dtype.np))
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

    def _writing_step(self, node, write):
        """The step of a node with one output: write(env, dst) fills dst, the output's buffer."""
        holder, slot = self._buffer(node.outputs[0]), self._slot(node.outputs[0])

        def step(env):
            dst = holder.get()
            write(env, dst)
            env[slot] = dst
        return step

    # matmul ---------------------------------------------------------------------------------
    def _matmul_step(self, node, cluster):
        """The tiled matmul kernel, with a MATMUL cluster's epilogue applied in its store."""
        mm, a_t, b_t, epilogue = self._matmul_parts(node, cluster)
        if node.outputs[0].dtype.name in self.cuda.UNSUPPORTED_DTYPES:  # complex: the host's BLAS
            raise UnimplementedError(f"no CUDA matmul of {node.outputs[0].dtype.name}")
        kplan, extra, materialize = None, [], []
        if epilogue is not None:
            kplan, call, extra = epilogue
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
        matmul = self.cuda.matmul
        self.kernels.append((None, f"matmul{' + ' + kplan.name if kplan else ''} -> "
                                   f"{self.shapes[id(out)]}"))
        return self._writing_step(node, lambda env, dst: matmul(
            load_a(env), load_b(env), dst, ta, tb, kplan, [load(env) for load in loaders]))

    # views and data movement -------------------------------------------------------------------
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
        cuda = self.cuda

        def write(env, dst):
            cuda.fill(dst, 0)
            cuda.scatter_by_map(env[src_slot], dmap, dst)
        return self._writing_step(node, write)

    # index ops ---------------------------------------------------------------------------------
    def _one_hot_step(self, node):
        """one_hot along the last axis; another axis moves the last one there (an index map)."""
        a = node.attrs
        src, out = self._slot(node.inputs[0]), node.outputs[0]
        cuda = self.cuda
        move = None
        if a["axis"] != -1:
            last = tuple(self.shapes[id(node.inputs[0])]) + (a["depth"],)
            move = (self._index_map(last, lambda i: np.moveaxis(i, -1, a["axis"])),
                    self._scratch(node, last, out.dtype.np))

        def write(env, dst):
            if move is None:
                cuda.one_hot(env[src], a["depth"], a["on_value"], a["off_value"], dst)
            else:
                tmp = move[1].get()
                cuda.one_hot(env[src], a["depth"], a["on_value"], a["off_value"], tmp)
                cuda.gather_by_map(tmp, move[0], dst)
        return self._writing_step(node, write)

    def _gather_step(self, node):
        if node.attrs.get("batch_dims"):
            raise UnimplementedError("gather with batch_dims")
        params, indices = (self._slot(x) for x in node.inputs)
        axis, gather = node.attrs["axis"], self.cuda.gather
        return self._writing_step(node, lambda env, dst: gather(env[params], env[indices], axis,
                                                                dst))

    def _gather_grad_step(self, node):
        if node.attrs.get("batch_dims"):
            raise UnimplementedError("scatter-add with batch_dims")
        if node.outputs[0].dtype.np.kind != "f":
            raise UnimplementedError("scatter-add of a non-float gradient")
        dy, indices, _ = (self._slot(x) for x in node.inputs)
        axis, cuda = node.attrs["axis"], self.cuda

        def write(env, dst):
            cuda.fill(dst, 0)
            cuda.scatter_add(env[dy], env[indices], axis, dst)
        return self._writing_step(node, write)

    # reductions -----------------------------------------------------------------------------------
    def _reduction_step(self, node, red=None):
        """A reduction outside a fusable cluster (`red` is the reduction inside a one-node
        cluster `node`, else node itself). Every reduction with a generated form
        (kernel_plan.reduction_form: sums, products, extremes, all, any, float means) is one
        generated kernel over leading or trailing axes; over other axes, the reduced axes are
        first moved last (an index map) and reduced by a generated reduce_inner kernel. argmax
        and argmin use the hand-written axis-reduce kernel on the moved input."""
        red = red or node
        x = node.inputs[0]
        shape = self.shapes[id(x)]
        if 0 in shape:  # nothing to reduce: the result (an identity, or the reference's error)
            value = red.opdef.ref(np.empty(shape, x.dtype.np), *[  # is known from shapes
                np.empty(self.shapes[id(t)], t.dtype.np) for t in node.inputs[1:]], **red.attrs)
            self.consts[self._slot(node.outputs[0])] = self._const(value)
            return None
        form = kernel_plan.reduction_form(red.opdef, x.dtype.np.kind)
        if form is None and red.type not in ("argmax", "argmin"):
            raise UnimplementedError(f"no CUDA kernel for {red.type} of {x.dtype.name}")
        if form is not None and red is node and red.type != "unbroadcast":
            try:
                return self._kernel_step(node, _single_cluster(fused.REDUCTION, node))
            except UnimplementedError:
                pass
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
        cuda = self.cuda
        if form is not None:  # one reduce_inner kernel over the moved (outer, n) layout
            kernel = cuda.get_kernel(kernel_plan.plan_reduce(red.type, x.dtype.name,
                                                             out.dtype.name))
            self.kernels.append((kernel, f"{red.type} over axes {axes}: reduce_inner over "
                                         f"({outer}, {n})"))

            def reduce(a, dst):
                kernel(outer, n, a.reshape((outer, n)), dst.reshape((outer,)))
        else:
            self.kernels.append((None, f"{red.type} as axis-reduce over ({outer}, {n})"))

            def reduce(a, dst):
                cuda.axis_reduce(a.reshape((outer, n)), 1, red.type, dst.reshape((outer,)))

        def write(env, dst):
            a = env[src]
            if move is not None:
                moved = move[1].get()
                cuda.gather_by_map(a, move[0], moved)
                a = moved
            reduce(a, dst)
        return self._writing_step(node, write)

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
        if filters is not None and self.shapes[id(node.inputs[filters])][2] != x_shape[3]:
            # The matmul below multiplies every window by every filter; a grouped convolution's
            # block-diagonal product runs the reference on the host instead.
            raise UnimplementedError("grouped convolution (filter in_channels < input channels)")
        g = conv._Geometry(x_shape, kh, kw, a["strides"], a["padding"],
                           a.get("dilations", (1, 1)))  # conv's own layout, dilated taps too
        if g.empty or 0 in x_shape:  # no window has an element: the result follows from shapes
            value = node.opdef.ref(*[np.zeros(self.shapes[id(x)], x.dtype.np)
                                     for x in node.inputs], **a)
            self.consts[self._slot(node.outputs[0])] = self._const(value)
            return None
        c = x_shape[3]
        index = np.arange(1, int(np.prod(x_shape, dtype=np.int64)) + 1, dtype=np.int64)
        host_windows = conv._im2col(index.reshape(x_shape), g) - 1  # padding maps to -1
        windows = self._const(host_windows.reshape(-1))
        rows, depth = g.n * g.oh * g.ow, kh * kw * c
        dtype = node.outputs[0].dtype.np
        ins = [self._slot(x) for x in node.inputs]
        cuda = self.cuda
        if t in POOL_KERNELS:  # one thread per window and channel walks the window's slots
            kernel = POOL_KERNELS[t]
            self.kernels.append((None, f"{t} over im2col windows ({rows}, {kh * kw}, {c})"))
            reads = [ins[0]] if t in ("avg_pool2d", "avg_pool2d_grad") else ins[:2]
            scatters = t in ("avg_pool2d_grad", "max_pool2d_grad")

            def pool(env, dst):
                if scatters:
                    cuda.fill(dst, 0)
                cuda.pool_windows(kernel, windows, kh * kw, c, dst, *[env[r] for r in reads])
            return self._writing_step(node, pool)
        patches = self._scratch(node, (rows, depth), dtype)
        if t != "max_pool2d":
            self.kernels.append((None, f"{t} as im2col index map + matmul over ({rows}, {depth})"))
            co = self.shapes[id(node.inputs[1])][3]  # channels out
        if t == "max_pool2d":  # windows gathered as (rows, c, kh * kw): a generated max over
            fill = conv._lowest(np.dtype(dtype))  # the last axis (padding reads the lowest value)
            by_channel = self._const(np.ascontiguousarray(
                host_windows.reshape((rows, kh * kw, c)).transpose(0, 2, 1)).reshape(-1))
            kernel = cuda.get_kernel(kernel_plan.plan_reduce("reduce_max", dtype.name, dtype.name))
            self.kernels.append((kernel, f"max of im2col windows: reduce_inner over "
                                         f"({rows * c}, {kh * kw})"))

            def run(env, dst):
                p = patches.get()
                cuda.gather_by_map(env[ins[0]], by_channel, p, fill)
                kernel(rows * c, kh * kw, p.reshape((rows * c, kh * kw)), dst.reshape((rows * c,)))
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
        elif t == "conv2d_backprop_input":
            def run(env, dst):
                p = patches.get()
                cuda.matmul(env[ins[0]].reshape((rows, co)), env[ins[1]].reshape((depth, co)),
                            p, False, True)
                cuda.fill(dst, 0)
                cuda.scatter_add_by_map(p, windows, dst)
        return self._writing_step(node, run)

    # running ---------------------------------------------------------------------------------
    def run(self, arrays):
        """SlotPlan.run on device arrays: host inputs are copied to the device, and fetched
        values that may share storage are copied on the device."""
        env = list(self.template)
        for s, a in zip(self.input_slots, arrays):
            env[s] = self.cuda.as_device(a)
        for step in self.steps:
            step(env)
        return [self.cuda.device_copy(env[s]) if copy else env[s]
                for s, copy in zip(self.output_slots, self.copy_outputs)]

    def describe(self):
        lines = super().describe()
        if self.host_ops:
            lines.append(f"on the host ({len(self.host_ops)} ops, inputs and outputs copied):")
            lines += [f"   {h}" for h in self.host_ops]
        return lines


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


class CudaExecutable(CompiledExecutable):
    """The compiled executable (lower.CompiledExecutable) for the CUDA target: CudaPlans, or a
    HostPlan when shapes depend on data. `run(arrays)` takes host or device arrays and returns
    device arrays."""

    target = target_name = "cuda"  # (a CPU executable has no `target`)
    plan_class, fallback_class = CudaPlan, HostPlan
    tiered = False  # kernels compile on their first launch

    def plan_title(self):
        return f"CUDA plan on {self.device.short_name if self.device is not None else '/GPU:0'}"


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
