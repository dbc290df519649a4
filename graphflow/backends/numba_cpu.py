"""The Numba CPU target: generated kernel sources are written to a cache directory and imported,
so numba's own on-disk cache (cache=True) serves them across processes.

Sources are content-addressed (the file name holds a hash of the source), so a changed source is
a different file and never loads a stale kernel; numba keys its cache on its own version too.
A corrupted cache entry is detected on first use, deleted and rebuilt.

The cache directory is $GRAPHFLOW_CACHE_DIR, else $XDG_CACHE_HOME/graphflow, else
~/.cache/graphflow.

    >>> from graphflow.backends import numba_cpu
    >>> numba_cpu.cache_dir().name in ("graphflow", "kernels") or True
    True
"""
import importlib.util
import os
import pathlib
import sys
import time

from graphflow.backends import codegen
from graphflow.errors import UnimplementedError

PARALLEL_THRESHOLD = 1 << 18  # elements; smaller kernels run single-threaded (and compile faster)
PARALLEL = False  # measured: see wants_parallel


def cache_dir():
    root = os.environ.get("GRAPHFLOW_CACHE_DIR")
    if not root:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        root = os.path.join(base, "graphflow")
    path = pathlib.Path(root) / "kernels"
    path.mkdir(parents=True, exist_ok=True)
    return path


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
            if not _purge_cache(self.path):
                raise
            self.dispatcher = _load(self.path, self.name, fresh=True)
            self.dispatcher.compile(tuple(arg_types))
        self.compile_seconds = time.perf_counter() - start
        stats = getattr(self.dispatcher, "stats", None)
        self.loaded_from_cache = bool(stats and stats.cache_hits)

    def _first_call(self, args):
        start = time.perf_counter()
        try:
            result = self.dispatcher(*args)
        except Exception as e:  # noqa: BLE001 - a broken cache entry must not crash the user
            if not _purge_cache(self.path):
                raise
            self.dispatcher = _load(self.path, self.name, fresh=True)
            try:
                result = self.dispatcher(*args)
            except Exception:
                raise e from None
        self.compile_seconds = time.perf_counter() - start
        stats = getattr(self.dispatcher, "stats", None)
        self.loaded_from_cache = bool(stats and stats.cache_hits)
        return result


_KERNELS = {}  # source key -> Kernel, shared by every plan in the process (see KernelCache)


UNSUPPORTED_DTYPES = ("float16",)  # numba's CPU target has no half-precision arrays or math


def get_kernel(plan, parallel):
    """The Kernel for a KernelPlan: from this process, the disk cache, or freshly compiled.
    Raises UnimplementedError for dtypes the Numba CPU target cannot compile."""
    used = {d for _, _, d in plan.inputs} | {d for _, d in plan.outputs}
    used |= {d for _, d, *_ in plan.variables}
    used |= {d for st in plan.statements for d in (st.dtype, st.consts_dtype)}
    unsupported = sorted(used.intersection(UNSUPPORTED_DTYPES))
    if unsupported:
        raise UnimplementedError(f"Numba CPU kernels cannot use {unsupported[0]}")
    source, fn = codegen.render_cpu(plan, parallel)
    key = codegen.source_key(source)
    kernel = _KERNELS.get(key)
    if kernel is None:
        path = write_source(cache_dir(), fn, key, source)
        kernel = Kernel(fn, source, path, _load(path, fn))
        _KERNELS[key] = kernel
    return kernel


def _atomic_write(path, text):
    import threading
    tmp = path.with_suffix(f".tmp{os.getpid()}_{threading.get_ident()}")
    tmp.write_text(text)
    os.replace(tmp, path)


def write_source(directory, fn, key, source):
    """The path of a generated kernel source in `directory`, named after its function and the
    hash of its source, written atomically unless already there (shared with the CUDA target)."""
    path = directory / f"{fn[:80]}_{key}.py"
    if not path.exists() or path.read_text() != source:
        _atomic_write(path, source)
    return path


def _load(path, fn, fresh=False, package="graphflow_kernels"):
    """Imports a generated kernel file (once per process) and returns its function `fn`."""
    module_name = f"{package}.{path.stem}"
    if fresh:
        sys.modules.pop(module_name, None)
    module = sys.modules.get(module_name)
    if module is None:
        spec = importlib.util.spec_from_file_location(module_name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules[module_name] = module
    return getattr(module, fn)


def _purge_cache(path):
    """Deletes numba's cache files for the kernel at `path`; True if any existed."""
    pycache = path.parent / "__pycache__"
    removed = False
    if pycache.is_dir():
        for f in pycache.glob(f"{path.stem}.*"):
            f.unlink(missing_ok=True)
            removed = True
    return removed


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
