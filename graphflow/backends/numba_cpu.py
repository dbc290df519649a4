"""The Numba CPU target: generated kernel sources go through the kernel cache
(backends/kernel_cache.py), which verifies them and Numba's cache files before anything is loaded,
so numba's own on-disk cache (cache=True) serves them across processes.

Sources are content-addressed (the file name holds a hash of the source), so a changed source is
a different file and never loads a stale kernel; numba keys its cache on its own version too.
A cache entry that fails anyway on first use is deleted and rebuilt.

    >>> from graphflow.backends import numba_cpu
    >>> numba_cpu.UNSUPPORTED_DTYPES
    ('float16', 'complex64', 'complex128')
"""
import os
import sys
import time

from graphflow.backends import codegen, kernel_cache, render
from graphflow.compiler import targets
from graphflow.errors import UnimplementedError

PARALLEL_THRESHOLD = 1 << 18  # elements; smaller kernels run single-threaded (and compile faster)
PARALLEL = False  # measured: see wants_parallel


class Kernel:
    """A compiled (or lazily compiling) kernel; calling it runs the numba dispatcher."""

    def __init__(self, name, source, path, dispatcher):
        self.name, self.source, self.path = name, source, path
        self.dispatcher = dispatcher
        self.compile_seconds = None
        self.loaded_from_cache = None

    def __call__(self, *args):
        if self.compile_seconds is None:
            return self._first_call(args)
        return self.dispatcher(*args)

    def warm(self, arg_types):
        """Compiles (or loads from the disk cache) the specialization for `arg_types` without
        running the kernel; safe to call from a background thread."""
        if self.compile_seconds is not None:
            return
        start = time.perf_counter()
        try:
            self.dispatcher.compile(tuple(arg_types))
        except Exception:  # noqa: BLE001 - a broken cache entry: purge and compile afresh
            if not self._purge():
                raise
            self.dispatcher.compile(tuple(arg_types))
        self._compiled(start)

    def _purge(self):
        """Deletes this kernel's cache files and reimports it; False if there were none."""
        if self.path is None or not kernel_cache.purge(self.path):
            return False
        self.dispatcher = kernel_cache.reload(self.path, self.name, kernel_cache.CPU.package)
        return True

    def _compiled(self, start):
        self.compile_seconds = time.perf_counter() - start
        stats = getattr(self.dispatcher, "stats", None)
        self.loaded_from_cache = bool(stats and stats.cache_hits)
        kernel_cache.CPU.record(self.path)

    def _first_call(self, args):
        start = time.perf_counter()
        try:
            result = self.dispatcher(*args)
        except Exception as e:  # noqa: BLE001 - a broken cache entry must not crash the user
            if not self._purge():
                raise
            try:
                result = self.dispatcher(*args)
            except Exception:
                raise e from None
        self._compiled(start)
        return result


# numba's CPU target has no half-precision arrays or math, and the kernel renderer has no
# complex forms (its scalar table, constants and accumulators are real): such plans run
# their NumPy references.
UNSUPPORTED_DTYPES = ("float16", "complex64", "complex128")


def get_kernel(plan, parallel):
    """The Kernel for a KernelPlan: from this process, the disk cache, or freshly compiled.
    Raises UnimplementedError for dtypes the Numba CPU target cannot compile."""
    unsupported = sorted(render.dtypes_used(plan).intersection(UNSUPPORTED_DTYPES))
    if unsupported:
        raise UnimplementedError(f"Numba CPU kernels cannot use {unsupported[0]}")
    source, fn = codegen.render_cpu(plan, parallel)
    key = codegen.source_key(source)

    def build():
        dispatcher, path = kernel_cache.CPU.function(source, fn, key)
        return Kernel(fn, source, path, dispatcher)

    return kernel_cache.CPU.get(key, build)


def arg_types(plan, ndims):
    """Numba types of a kernel's arguments: the two loop sizes, then C-contiguous arrays of the
    given ranks, in the order of plan.array_arguments()."""
    import numpy as np
    from numba import types
    from numba.np.numpy_support import from_dtype

    arrays = plan.array_arguments()
    if len(arrays) != len(ndims):
        raise ValueError(f"{plan.name}: {len(ndims)} ranks for {len(arrays)} array arguments")
    return [types.int64, types.int64] + [
        types.Array(from_dtype(np.dtype(d)), n, "C") for (_, d), n in zip(arrays, ndims)]


def wants_parallel(size):
    """Whether a kernel over `size` elements uses prange threads. Off for now: on the 2-core
    machine a serial memory-bound loop already reaches copy bandwidth, while the threaded
    version measured 4x slower under load (examples/benchmarks/fusion_chains.py)."""
    return PARALLEL and size >= PARALLEL_THRESHOLD and (os.cpu_count() or 1) > 1


targets.register("cpu", sys.modules[__name__])  # the compiler asks for it by name
