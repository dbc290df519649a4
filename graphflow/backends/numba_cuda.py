"""The Numba CUDA target: fused kernels, a tiled matmul with a fused epilogue, data movement by
index maps, axis reductions, gathers, and a device memory arena.

Fused kernels come from the same target-neutral KernelPlan the CPU renders for numba.njit;
`render_cuda` writes it in the renderer's CUDA dialect (cuda_dialect.py). As on the CPU,
generated sources are content-addressed files in the kernel cache (kernel_cache.CUDA, a `cuda`
subdirectory of the CPU's), verified and imported once per process and compiled by numba on
first launch (`cache=True`, so a second process on the same GPU loads the compiled code from
disk).

Every kernel is written as real CUDA: grid-stride loops (so a capped grid covers any size),
shared memory with cuda.syncthreads() for tiles and tree reductions, and atomics for scatter-add.
The same code runs under the Numba CUDA simulator (NUMBA_ENABLE_CUDASIM=1, set before numba is
first imported), where each CUDA thread is a Python thread: only the launch shapes and tile size
shrink there, so tests stay fast while exercising the same code paths.

Importing this module never imports numba.cuda (so `import graphflow` stays cheap and works
without CUDA); the first call that needs the device does.

    >>> from graphflow.backends import numba_cuda
    >>> isinstance(numba_cuda.available(), bool)
    True
"""
import functools
import sys

import numpy as np

from graphflow.backends import codegen, cuda_dialect, kernel_cache, render
from graphflow.backends.cuda_dialect import MATMUL_DTYPES  # noqa: F401 - part of the interface
from graphflow.compiler import kernel_plan, targets
from graphflow.context import context
from graphflow.errors import FailedPreconditionError, InvalidArgumentError, UnimplementedError

# Launch shapes. On hardware a block is up to 256 threads (8 warps: enough to hide memory latency,
# small enough that several blocks fit on each multiprocessor); the simulator runs each thread as
# a Python thread, so it gets at most one warp per block and a handful of blocks.
MAX_THREADS = 256
SIMULATOR_MAX_THREADS = 32
BLOCKS_PER_MULTIPROCESSOR = 32
SIMULATOR_MAX_BLOCKS = 4
# Matmul tile edge (a TILE x TILE thread block computes a TILE x TILE block of the output).
TILE = 16
SIMULATOR_TILE = 4

# Dtypes the compiler keeps out of rewrites that produce kernels (the pipeline's facts): the
# same as the CPU target's, so one graph optimizes alike for both.
UNSUPPORTED_DTYPES = ("float16", "complex64", "complex128")


# -- the device ------------------------------------------------------------------------------------

def _cuda():
    """numba.cuda, imported on first use (never at graphflow import time)."""
    from numba import cuda
    return cuda


def available():
    """Whether a CUDA device (or the Numba CUDA simulator) can run kernels.

        >>> from graphflow.backends import numba_cuda
        >>> numba_cuda.available() in (True, False)
        True
    """
    try:
        return bool(_cuda().is_available())
    except Exception:  # noqa: BLE001 - no driver, no toolkit, a broken install: not available
        return False


def is_simulator():
    """Whether numba.cuda is the simulator (NUMBA_ENABLE_CUDASIM=1 when numba was imported).

        >>> from graphflow.backends import numba_cuda
        >>> numba_cuda.is_simulator() in (True, False)
        True
    """
    from numba import config
    return bool(config.ENABLE_CUDASIM)


def device_name():
    """The current CUDA device's name ("CUDA simulator" under the simulator).

        >>> from graphflow.backends import numba_cuda
        >>> isinstance(numba_cuda.device_name(), str) if numba_cuda.available() else True
        True
    """
    _require_device("device_name")
    if is_simulator():
        return "CUDA simulator"
    name = _cuda().get_current_device().name
    return name.decode() if isinstance(name, bytes) else str(name)


def device_count():
    """The number of CUDA devices (1 under the simulator, 0 without CUDA).

        >>> from graphflow.backends import numba_cuda
        >>> numba_cuda.device_count() >= 0
        True
    """
    if not available():
        return 0
    return len(_cuda().gpus)


def _require_device(what):
    if not available():
        raise FailedPreconditionError(
            f"{what}: no CUDA device is available (numba.cuda.is_available() is False); set "
            "NUMBA_ENABLE_CUDASIM=1 before importing numba to use the CUDA simulator")


# -- launch shapes ---------------------------------------------------------------------------------

def max_threads():
    """The largest block launched (threads): 256 on hardware, 32 under the simulator.

        >>> from graphflow.backends import numba_cuda
        >>> numba_cuda.max_threads() in (numba_cuda.MAX_THREADS, numba_cuda.SIMULATOR_MAX_THREADS)
        True
    """
    return SIMULATOR_MAX_THREADS if is_simulator() else MAX_THREADS


@functools.lru_cache(maxsize=None)
def max_blocks():
    """The grid-size cap: 32 blocks per multiprocessor on hardware, 4 under the simulator.

        >>> from graphflow.backends import numba_cuda
        >>> numba_cuda.max_blocks() >= 1 if numba_cuda.available() else True
        True
    """
    if is_simulator():
        return SIMULATOR_MAX_BLOCKS
    _require_device("max_blocks")
    return BLOCKS_PER_MULTIPROCESSOR * _cuda().get_current_device().MULTIPROCESSOR_COUNT


def tile_size():
    """The matmul tile edge: TILE on hardware, SIMULATOR_TILE under the simulator.

        >>> from graphflow.backends import numba_cuda
        >>> numba_cuda.tile_size() in (numba_cuda.TILE, numba_cuda.SIMULATOR_TILE)
        True
    """
    return SIMULATOR_TILE if is_simulator() else TILE


def _threads_for(n):
    """A power of two covering n, clamped to one warp .. max_threads() (one thread .. a warp
    under the simulator, where a smaller block is simply faster)."""
    low = 1 if is_simulator() else 32
    threads = low
    while threads < n and threads < max_threads():
        threads *= 2
    return threads


def launch_config(n):
    """(blocks, threads) for a grid-stride kernel over n work items; (0, 0) when n is 0.

    Threads are a power of two (at least a warp on hardware, at most 256) and blocks cover n
    but are capped at 32 per multiprocessor: enough resident blocks to keep every
    multiprocessor busy and hide memory latency, while the grid-stride loop lets each thread
    handle several items for large n (amortizing per-thread setup such as scalar loads) instead
    of launching millions of short-lived blocks. Under the simulator the cap is 4 blocks of at
    most 32 threads, since every simulated thread is a Python thread.

        >>> from graphflow.backends import numba_cuda
        >>> numba_cuda.launch_config(0)
        (0, 0)
        >>> if numba_cuda.available():
        ...     blocks, threads = numba_cuda.launch_config(1000)
        ...     assert threads & (threads - 1) == 0 and blocks <= numba_cuda.max_blocks()
    """
    if n <= 0:
        return 0, 0
    threads = _threads_for(n)
    return min(-(-n // threads), max_blocks()), threads


def reduce_config(outer, inner):
    """(blocks, threads) for a "reduce_inner" kernel: one block per outer index (grid-stride
    over outer), its threads striding over the inner elements; (0, 0) when outer is 0.

        >>> from graphflow.backends import numba_cuda
        >>> numba_cuda.reduce_config(0, 10)
        (0, 0)
    """
    if outer <= 0:
        return 0, 0
    return min(outer, max_blocks()), _threads_for(inner)


# -- rendering (backends/cuda_dialect.py, with this device's launch sizes) -------------------------

def render_cuda(plan):
    """(source, function name): a KernelPlan as Python source for numba.cuda.jit (see
    cuda_dialect.CudaDialect). The kernel takes (outer, inner, *arrays) with the arrays
    flattened (1-D, C order) in plan.array_arguments() order.

        >>> from graphflow.backends import codegen, numba_cuda
        >>> st = codegen.Statement("t0", "({0} * {0})", ["a0"], "float32", "float32")
        >>> plan = codegen.KernelPlan("square", "flat", [("a0", "full", "float32")],
        ...                           [("t0", "float32")], [], [st], ["t0"])
        >>> source, fn = numba_cuda.render_cuda(plan)
        >>> fn, "t0 = np.float32((a0 * a0))" in source
        ('square', True)
    """
    return render.render(plan, cuda_dialect.CudaDialect(max_threads()))


def render_matmul(transpose_a, transpose_b, dtype, epilogue=None):
    """(source, function name) of a tiled matmul kernel with an optional fused epilogue (see
    cuda_dialect.render_matmul), for this device's tile size.

        >>> from graphflow.backends import numba_cuda
        >>> source, fn = numba_cuda.render_matmul(False, True, "float32")
        >>> fn
        'matmul_nt_float32'
    """
    return cuda_dialect.render_matmul(transpose_a, transpose_b, dtype, epilogue, tile_size())


# -- moving data (graphflow.devices' functions call these) ----------------------------------------

def to_device(array):
    """A device copy of a NumPy array (counted in graphflow.devices.transfers)."""
    cuda = _cuda()
    array = np.asarray(array)
    if array.dtype.hasobject:  # a variant (a TensorList of arrays) lives on the host
        return array
    context.transfers["to_device"] += 1
    if not array.flags.c_contiguous:  # (np.ascontiguousarray would make a 0-d array 1-d)
        array = array.copy()
    return cuda.to_device(array)


def to_host(device_array):
    """A NumPy copy of a device array (counted in graphflow.devices.transfers)."""
    context.transfers["to_host"] += 1
    return device_array.copy_to_host()


def as_host(a):
    return to_host(a) if is_device_array(a) else a


def as_device(a):
    return a if is_device_array(a) else to_device(a)


def is_device_array(a):
    """True for a numba.cuda device array (real or simulated)."""
    return hasattr(a, "copy_to_host")


def empty(shape, dtype):
    """An uninitialized device array."""
    return _cuda().device_array(shape, dtype)


def device_copy(device_array):
    """A new device array with the same contents (no trip through the host)."""
    if not is_device_array(device_array):  # a variant, which stays on the host
        return device_array.copy()
    out = _cuda().device_array(device_array.shape, device_array.dtype)
    out.copy_to_device(device_array)
    return out



# -- compiling and caching -------------------------------------------------------------------------

def _compiled(source, fn):
    """(dispatcher, path) of a generated source: written once to the cache directory (its name
    holds a hash of the source) and imported; numba compiles it on first launch."""
    return kernel_cache.CUDA.function(source, fn, codegen.source_key(source))


def _flat(a, what):
    """A C-contiguous (device) array as 1-D: a view, no copy. Kernels index flat arrays, so a
    strided view would be read wrongly (and the simulator would reshape it into a copy)."""
    contiguous = a.flags.c_contiguous if isinstance(a, np.ndarray) else a.is_c_contiguous()
    if not contiguous:
        raise InvalidArgumentError(
            f"CUDA {what}: arrays must be C-contiguous, got shape {tuple(a.shape)} with strides "
            f"{tuple(a.strides)}")
    return a if a.ndim == 1 else a.reshape(a.size)


class CudaKernel:
    """A generated kernel for one KernelPlan; call it as kernel(outer, inner, *arrays).

    Arrays are device arrays (C-contiguous, any rank) in plan.array_arguments() order; they are
    flattened here (a free view) and the launch shape is picked from the sizes. `name`,
    `source` and `path` are those of the generated file, as for the CPU Kernel."""

    def __init__(self, plan, name, source, path, dispatcher):
        self.plan, self.name, self.source, self.path = plan, name, source, path
        self.dispatcher = dispatcher
        self.arguments = [name for name, _ in plan.array_arguments()]
        self._launchers = {}  # (blocks, threads) -> the configured dispatcher

    def __call__(self, outer, inner, *arrays):
        if len(arrays) != len(self.arguments):
            raise InvalidArgumentError(
                f"CUDA kernel {self.name}: expected {len(self.arguments)} arrays "
                f"({', '.join(self.arguments)}), got {len(arrays)}")
        mode = self.plan.mode
        if mode == "reduce_inner":
            blocks, threads = reduce_config(outer, inner)
        else:
            blocks, threads = launch_config(inner if mode == "reduce_outer" else outer * inner)
        if blocks == 0:
            return  # nothing to write
        launcher = self._launchers.get((blocks, threads))
        if launcher is None:
            launcher = self._launchers[blocks, threads] = self.dispatcher[blocks, threads]
        launcher(outer, inner, *[_flat(a, f"kernel {self.name} argument {name}")
                                 for a, name in zip(arrays, self.arguments)])

    def arg_types(self):
        """The numba signature of a launch: two int64 sizes, then 1-D C-contiguous arrays."""
        from numba import types
        from numba.np.numpy_support import from_dtype
        return (types.int64, types.int64) + tuple(
            types.Array(from_dtype(np.dtype(d)), 1, "C") for _, d in self.plan.array_arguments())

    def warm(self):
        """Compiles the kernel ahead of its first launch (a no-op under the simulator)."""
        if not is_simulator():
            self.dispatcher.compile(self.arg_types())

    def __repr__(self):
        where = self.path.name if self.path is not None else "in memory"
        return f"<CudaKernel {self.name} ({self.plan.mode}) {where}>"


def get_kernel(plan):
    """The CudaKernel for a KernelPlan: from this process or freshly generated and imported.

        >>> from graphflow.backends import codegen, numba_cuda
        >>> st = codegen.Statement("t0", "({0} + {0})", ["a0"], "float64", "float64")
        >>> plan = codegen.KernelPlan("double", "flat", [("a0", "full", "float64")],
        ...                           [("t0", "float64")], [], [st], ["t0"])
        >>> numba_cuda.get_kernel(plan).arguments
        ['a0_a', 'out_0']
    """
    source, fn = render_cuda(plan)

    def build():
        return CudaKernel(plan, fn, source, *reversed(_compiled(source, fn)))

    return kernel_cache.CUDA.get(codegen.source_key(source), build)


# -- matmul ----------------------------------------------------------------------------------------

def _epilogue_key(plan):
    if plan is None:
        return None
    statements = tuple((st.target, st.template, tuple(st.operands), st.dtype, st.consts_dtype)
                       for st in plan.statements)
    return (plan.name, plan.mode, tuple(plan.inputs), tuple(plan.outputs), statements,
            tuple(plan.results))


def _matmul_kernel(transpose_a, transpose_b, dtype, epilogue):
    # keyed by what the source depends on, so a call renders nothing once the kernel exists
    key = ("matmul", transpose_a, transpose_b, dtype, _epilogue_key(epilogue))
    return kernel_cache.CUDA.get(key, lambda: _compiled(*render_matmul(
        transpose_a, transpose_b, dtype, epilogue))[0])


def _batch_size(shape):
    return int(np.prod(shape[:-2], dtype=np.int64))


def _strip_ones(dims):
    dims = tuple(dims)
    while dims and dims[0] == 1:
        dims = dims[1:]
    return dims


def _epilogue_inner(epilogue, args, out_size):
    """The epilogue's inner size (its row/col split of the output), from a row or col input."""
    for (name, cls, _), a in zip(epilogue.inputs, args):
        if cls == "row":
            return a.size
        if cls == "col":
            return out_size // max(a.size, 1)
    return 1


def matmul(a, b, out, transpose_a=False, transpose_b=False, epilogue=None, epilogue_args=()):
    """out = op(a) @ op(b) on device arrays, then the optional epilogue, in one kernel.

    a and b are rank >= 2; their batch dims broadcast as in NumPy when each side has the whole
    batch or none of it (equal batch dims, or rank 2 / batch size 1 on one side); anything else
    (say (2, 1) against (1, 3)) is an error. out has the product's shape and the dtype of a and b
    (float32, float64, int32 or int64). `epilogue` is a KernelPlan from
    codegen.plan_epilogue (its statements read the product as `m`); `epilogue_args` are its
    input arrays in plan order, without the product.

        >>> import numpy as np
        >>> from graphflow.backends import numba_cuda
        >>> if numba_cuda.available():
        ...     from numba import cuda
        ...     a = cuda.to_device(np.eye(2, dtype=np.float32))
        ...     out = cuda.device_array((2, 2), np.float32)
        ...     numba_cuda.matmul(a, a, out)
        ...     assert (out.copy_to_host() == np.eye(2)).all()
    """
    ta, tb = bool(transpose_a), bool(transpose_b)
    dtype = np.dtype(out.dtype).name
    a_shape, b_shape, out_shape = tuple(a.shape), tuple(b.shape), tuple(out.shape)
    if len(a_shape) < 2 or len(b_shape) < 2:
        raise InvalidArgumentError(f"CUDA matmul: inputs must have rank >= 2, got shapes "
                                   f"{a_shape} and {b_shape}")
    if np.dtype(a.dtype) != out.dtype or np.dtype(b.dtype) != out.dtype:
        raise InvalidArgumentError(f"CUDA matmul: dtypes must match, got a {a.dtype}, "
                                   f"b {b.dtype}, out {out.dtype}")
    rows, depth = (a_shape[-1], a_shape[-2]) if ta else (a_shape[-2], a_shape[-1])
    depth_b, cols = (b_shape[-1], b_shape[-2]) if tb else (b_shape[-2], b_shape[-1])
    try:
        batch_shape = tuple(np.broadcast_shapes(a_shape[:-2], b_shape[:-2]))
    except ValueError:
        batch_shape = None
    batch = _batch_size(batch_shape + (0, 0)) if batch_shape is not None else 0
    batch_a, batch_b = _batch_size(a_shape), _batch_size(b_shape)
    # one linear batch index serves both sides: each has the whole batch or none of it
    batches_fit = batch_shape is not None and all(
        n == 1 or _strip_ones(shape[:-2]) == _strip_ones(batch_shape)
        for n, shape in ((batch_a, a_shape), (batch_b, b_shape)))
    if depth != depth_b or not batches_fit or out_shape != batch_shape + (rows, cols):
        raise InvalidArgumentError(
            f"CUDA matmul: shapes do not fit: a {a_shape}{' transposed' if ta else ''}, "
            f"b {b_shape}{' transposed' if tb else ''}, out {out_shape} (batch dims must be "
            "equal, or absent on one side)")
    args = list(epilogue_args)
    if epilogue is not None and len(args) != len(epilogue.array_arguments()) - 1:
        raise InvalidArgumentError(
            f"CUDA matmul epilogue {epilogue.name}: expected {len(epilogue.array_arguments()) - 1}"
            f" arrays besides the product, got {len(args)}")
    if out.size == 0:
        return
    kernel = _matmul_kernel(ta, tb, dtype, epilogue)
    inner = _epilogue_inner(epilogue, args, out.size) if epilogue is not None else 1
    tile = tile_size()
    blocks = min(batch * -(-rows // tile) * -(-cols // tile), max_blocks())  # then grid-stride
    kernel[blocks, (tile, tile)](batch, rows, cols, depth,
                                 rows * depth if batch_a > 1 else 0,
                                 depth * cols if batch_b > 1 else 0, inner,
                                 _flat(a, "matmul a"), _flat(b, "matmul b"),
                                 _flat(out, "matmul out"),
                                 *[_flat(x, f"matmul epilogue {epilogue.name}") for x in args])


# -- data movement, axis reductions, indexing (hand-written kernels in cuda_kernels.py) ------------

def _kernels():
    from graphflow.backends import cuda_kernels
    return cuda_kernels


def _launch(kernel, n, *args):
    blocks, threads = launch_config(n)
    if blocks:
        kernel[blocks, threads](n, *args)


def _check_map(what, index_map, size):
    if np.dtype(index_map.dtype) != np.int64 or index_map.size != size:
        raise InvalidArgumentError(
            f"CUDA {what}: the index map must be int64 with {size} entries, got "
            f"{index_map.dtype} with {index_map.size}")


def gather_by_map(src, index_map, out, fill=0):
    """out.flat[i] = src.flat[index_map[i]], or `fill` where index_map[i] < 0.

    With maps computed once on the host (the op's NumPy reference applied to np.arange), this
    one kernel moves data for transpose, tile, pad, concat, split, strided_slice,
    broadcast_to, ...

        >>> import numpy as np
        >>> from graphflow.backends import numba_cuda
        >>> if numba_cuda.available():
        ...     from numba import cuda
        ...     src = cuda.to_device(np.array([10.0, 20.0]))
        ...     out = cuda.device_array(3)
        ...     numba_cuda.gather_by_map(src, cuda.to_device(np.array([1, -1, 0])), out, fill=5)
        ...     assert out.copy_to_host().tolist() == [20.0, 5.0, 10.0]
    """
    _check_map("gather_by_map", index_map, out.size)
    what = "gather_by_map"
    _launch(_kernels().gather_by_map, out.size, _flat(src, what), _flat(index_map, what),
            _flat(out, what),
            np.dtype(out.dtype).type(fill))


def scatter_add_by_map(src, index_map, out):
    """out.flat[index_map[i]] += src.flat[i] for every i with index_map[i] >= 0, with atomic
    adds, so the map may repeat targets (col2im: overlapping windows add up). float32/float64.

        >>> import numpy as np
        >>> from graphflow.backends import numba_cuda
        >>> if numba_cuda.available():
        ...     from numba import cuda
        ...     out = cuda.to_device(np.zeros(2))
        ...     numba_cuda.scatter_add_by_map(cuda.to_device(np.array([1.0, 2.0, 4.0])),
        ...                                   cuda.to_device(np.array([1, 1, -1])), out)
        ...     assert out.copy_to_host().tolist() == [0.0, 3.0]
    """
    what = "scatter_add_by_map"
    _check_map(what, index_map, src.size)
    if np.dtype(out.dtype).kind != "f":
        raise UnimplementedError(f"CUDA {what}: atomic adds of {out.dtype} are not supported")
    _launch(_kernels().scatter_add_by_map, src.size, _flat(src, what), _flat(index_map, what),
            _flat(out, what))


def pool_windows(op, windows, kk, c, out, *arrays):
    """Pooling over im2col windows (an int64 map of shape (P, KK, C), padding < 0), one thread
    per output element (P * C of them):

      avg_pool(x)                 out[p, c] = mean of the window's valid elements
      avg_pool_grad(dy)           adds dy[p, c] / count to each valid element (out pre-filled)
      max_pool_grad(x, dy)        adds dy[p, c] at the window's first maximum (out pre-filled)
      max_pool_grad_grad(x, g)    out[p, c] = g at the window's first maximum

    A window whose maximum is NaN routes nothing, and padding is never a maximum, as on the CPU.
    """
    what = f"pool_windows {op}"
    if op not in ("avg_pool", "avg_pool_grad", "max_pool_grad", "max_pool_grad_grad"):
        raise InvalidArgumentError(f"CUDA {what}: unknown pooling op")
    if op != "avg_pool" and op != "max_pool_grad_grad" and np.dtype(out.dtype).kind != "f":
        raise UnimplementedError(f"CUDA {what}: atomic adds of {out.dtype} are not supported")
    n = windows.size // kk
    args = [_flat(a, what) for a in arrays]
    if op.startswith("max"):
        dtype = np.dtype(arrays[0].dtype)
        lowest = -np.inf if dtype.kind == "f" else np.iinfo(dtype).min
        args.append(dtype.type(lowest))
        args.insert(len(args) - 1, _flat(out, what))
    else:
        args.append(_flat(out, what))
    _launch(getattr(_kernels(), op), n, kk, c, _flat(windows, what), *args)


def scatter_by_map(src, index_map, out):
    """out.flat[index_map[i]] = src.flat[i] for every i with index_map[i] >= 0.

    The caller fills out first (e.g. with zeros: the gradient of a slice); maps must be
    injective, so no two threads write one element.

        >>> import numpy as np
        >>> from graphflow.backends import numba_cuda
        >>> if numba_cuda.available():
        ...     from numba import cuda
        ...     out = cuda.to_device(np.zeros(3))
        ...     numba_cuda.scatter_by_map(cuda.to_device(np.array([1.0, 2.0])),
        ...                               cuda.to_device(np.array([2, 0])), out)
        ...     assert out.copy_to_host().tolist() == [2.0, 0.0, 1.0]
    """
    _check_map("scatter_by_map", index_map, src.size)
    what = "scatter_by_map"
    _launch(_kernels().scatter_by_map, src.size, _flat(src, what), _flat(index_map, what),
            _flat(out, what))


def fill(out, value):
    """Sets every element of the device array out to value.

        >>> import numpy as np
        >>> from graphflow.backends import numba_cuda
        >>> if numba_cuda.available():
        ...     from numba import cuda
        ...     out = cuda.device_array((2, 2), np.int32)
        ...     numba_cuda.fill(out, 7)
        ...     assert (out.copy_to_host() == 7).all()
    """
    _launch(_kernels().fill, out.size, _flat(out, "fill"), np.dtype(out.dtype).type(value))


AXIS_REDUCE_OPS = ("sum", "prod", "max", "min", "all", "any", "argmax", "argmin")


def _split(shape, axis, what):
    shape = tuple(shape)  # (a simulator array's shape refuses negative indexes)
    rank = len(shape)
    if not -rank <= axis < rank:
        raise InvalidArgumentError(f"CUDA {what}: axis {axis} is out of range for shape "
                                   f"{tuple(shape)}")
    axis %= rank
    outer = int(np.prod(shape[:axis], dtype=np.int64))
    inner = int(np.prod(shape[axis + 1:], dtype=np.int64))
    return axis, outer, int(shape[axis]), inner


def axis_reduce(x, axis, op, out):
    """Reduces one axis of x into out (x's shape without that axis, or with it as 1).

    op: "sum", "prod", "max", "min", "all", "any" (bools), or "argmax"/"argmin" (integer out;
    the first index wins ties, and the first NaN wins, as in NumPy). The first six are generated
    reduction kernels (compiler/kernel_plan.plan_reduce: the renderer's reduce_inner over a last
    axis, reduce_outer over a first one, one reduce_outer per outer index over a middle one;
    plans move the reduced axes last instead). Sums and products accumulate in float64 (floats)
    or 64-bit integers, into out's dtype. argmax and argmin are hand-written (cuda_kernels.py):
    one thread per output element.

        >>> import numpy as np
        >>> from graphflow.backends import numba_cuda
        >>> if numba_cuda.available():
        ...     from numba import cuda
        ...     out = cuda.device_array(2, np.int64)
        ...     numba_cuda.axis_reduce(cuda.to_device(np.array([[1, 5], [7, 2]])), 1, "argmax", out)
        ...     assert out.copy_to_host().tolist() == [1, 0]
    """
    if op not in AXIS_REDUCE_OPS:
        raise InvalidArgumentError(f"CUDA axis_reduce: unknown op {op!r}; known: {AXIS_REDUCE_OPS}")
    axis, outer, n, inner = _split(x.shape, axis, f"axis_reduce {op}")
    if out.size != outer * inner:
        raise InvalidArgumentError(
            f"CUDA axis_reduce {op}: out has shape {tuple(out.shape)}, but reducing axis {axis} "
            f"of {tuple(x.shape)} gives {outer * inner} elements")
    if op.startswith("arg") and np.dtype(out.dtype).kind not in "iu":
        raise InvalidArgumentError(f"CUDA axis_reduce {op}: out must be an integer array, got "
                                   f"{out.dtype}")
    if out.size == 0:
        return
    if n == 0 and op in ("max", "min", "argmax", "argmin"):
        raise InvalidArgumentError(f"CUDA axis_reduce {op}: axis {axis} of shape "
                                   f"{tuple(x.shape)} is empty")
    if n == 0:  # the identity (no kernel gets a zero-size argument)
        return fill(out, {"sum": 0, "prod": 1, "all": True, "any": False}[op])
    what = f"axis_reduce {op}"
    if op.startswith("arg"):
        blocks, threads = launch_config(outer * inner)
        getattr(_kernels(), f"reduce_{op}")[blocks, threads](outer, n, inner, _flat(x, what),
                                                              _flat(out, what))
        return
    mode = "reduce_inner" if inner == 1 else "reduce_outer"
    kernel = get_kernel(kernel_plan.plan_reduce(
        f"reduce_{op}", np.dtype(x.dtype).name, np.dtype(out.dtype).name, mode))
    if inner == 1:
        return kernel(outer, n, x, out)
    x, out = x.reshape((outer, n * inner)), out.reshape((outer, inner))
    for o in range(outer):
        kernel(n, inner, x[o], out[o])


def one_hot(indices, depth, on_value, off_value, out):
    """out[..., d] = on_value if indices[...] == d else off_value (out's shape is
    indices.shape + (depth,)); indices outside [0, depth) give a row of off_value.

        >>> import numpy as np
        >>> from graphflow.backends import numba_cuda
        >>> if numba_cuda.available():
        ...     from numba import cuda
        ...     out = cuda.device_array((2, 3), np.float32)
        ...     numba_cuda.one_hot(cuda.to_device(np.array([2, 5])), 3, 1.0, 0.0, out)
        ...     assert out.copy_to_host().tolist() == [[0, 0, 1], [0, 0, 0]]
    """
    depth = int(depth)
    if out.size != indices.size * depth:
        raise InvalidArgumentError(
            f"CUDA one_hot: out has shape {tuple(out.shape)}, expected "
            f"{tuple(indices.shape) + (depth,)}")
    value = np.dtype(out.dtype).type
    _launch(_kernels().one_hot, out.size, depth, _flat(indices, "one_hot"), value(on_value),
            value(off_value), _flat(out, "one_hot"))


def _gather_sizes(what, params_shape, indices, axis, out_shape):
    axis, outer, axis_size, inner = _split(params_shape, axis, what)
    expected = tuple(params_shape[:axis]) + tuple(indices.shape) + tuple(params_shape[axis + 1:])
    if tuple(out_shape) != expected:
        raise InvalidArgumentError(
            f"CUDA {what}: shape {tuple(out_shape)} does not fit params {tuple(params_shape)}, "
            f"indices {tuple(indices.shape)} and axis {axis} (expected {expected})")
    return axis_size, inner, indices.size


def gather(params, indices, axis, out):
    """out = np.take(params, indices, axis) (negative indices count from the end; the caller
    checks the range on the host).

        >>> import numpy as np
        >>> from graphflow.backends import numba_cuda
        >>> if numba_cuda.available():
        ...     from numba import cuda
        ...     out = cuda.device_array(2, np.float64)
        ...     numba_cuda.gather(cuda.to_device(np.array([1.0, 2.0, 3.0])),
        ...                       cuda.to_device(np.array([2, -3])), 0, out)
        ...     assert out.copy_to_host().tolist() == [3.0, 1.0]
    """
    axis_size, inner, count = _gather_sizes("gather", tuple(params.shape), indices, axis,
                                            out.shape)
    _launch(_kernels().gather, out.size, axis_size, inner, count, _flat(params, "gather"),
            _flat(indices, "gather"), _flat(out, "gather"))


def scatter_add(updates, indices, axis, out):
    """The gradient of gather: adds each slice of updates into out at its index along axis
    (repeated indices accumulate, by atomic adds). The caller fills out first, e.g. with zeros.
    updates has gather's output shape, out the params shape; float32 or float64.

        >>> import numpy as np
        >>> from graphflow.backends import numba_cuda
        >>> if numba_cuda.available():
        ...     from numba import cuda
        ...     out = cuda.to_device(np.zeros(3))
        ...     numba_cuda.scatter_add(cuda.to_device(np.array([1.0, 2.0, 4.0])),
        ...                            cuda.to_device(np.array([0, 2, 0])), 0, out)
        ...     assert out.copy_to_host().tolist() == [5.0, 0.0, 2.0]
    """
    if np.dtype(out.dtype).name not in ("float32", "float64") or updates.dtype != out.dtype:
        raise InvalidArgumentError(f"CUDA scatter_add: float32 or float64 arrays of one dtype, "
                                   f"got updates {updates.dtype}, out {out.dtype}")
    axis_size, inner, count = _gather_sizes("scatter_add", tuple(out.shape), indices, axis,
                                            updates.shape)
    what = "scatter_add"
    _launch(_kernels().scatter_add, updates.size, axis_size, inner, count, _flat(updates, what),
            _flat(indices, what), _flat(out, what))


# -- device memory ---------------------------------------------------------------------------------

class DeviceArena:
    """One device allocation of nbytes; `view(offset, shape, dtype)` is a device array inside
    it (offsets from graphflow.compiler.memory.plan_arena, which aligns them to 64 bytes).

        >>> import numpy as np
        >>> from graphflow.backends import numba_cuda
        >>> if numba_cuda.available():
        ...     arena = numba_cuda.DeviceArena(128)
        ...     x = arena.view(64, (2, 3), np.float32)
        ...     assert x.shape == (2, 3) and x.dtype == np.float32
    """

    def __init__(self, nbytes):
        _require_device("DeviceArena")
        self.nbytes = int(nbytes)
        self.buffer = _cuda().device_array(max(self.nbytes, 1), dtype=np.uint8)

    def view(self, offset, shape, dtype):
        dtype = np.dtype(dtype)
        shape = tuple(int(d) for d in shape)
        size = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        if offset < 0 or offset % dtype.itemsize or offset + size > self.nbytes:
            raise InvalidArgumentError(
                f"DeviceArena: a {dtype} view of shape {shape} at offset {offset} does not fit "
                f"an arena of {self.nbytes} bytes aligned for {dtype.itemsize}-byte elements")
        if size == 0:  # an empty slice at the end of the buffer is not addressable on hardware
            return _cuda().device_array(shape, dtype)
        return self.buffer[offset:offset + size].view(dtype).reshape(shape)


targets.register("cuda", sys.modules[__name__])
