"""The kernel cache shared by the CPU and CUDA targets: generated sources on disk, verified before
Numba loads anything, and the per-process table of loaded kernel functions.

Layout: `<root>/kernels/<fn>_<hash>.py` (CUDA kernels in `kernels/cuda/`), Numba's and Python's
cache files for it in the `__pycache__` folder next to it, and a manifest `<fn>_<hash>.sha256`
holding the SHA-256 of the source and of every one of those cache files. The root is
$GRAPHFLOW_CACHE_DIR, else $XDG_CACHE_HOME/graphflow, else ~/.cache/graphflow.

Numba's cache files are pickles and a damaged `.nbc` can abort the process inside LLVM, so before
a kernel module is imported:

- the directories are created private to the user (0700); a directory that another user owns or
  can write is not used;
- a cache file (or source, or manifest) owned or writable by another user is deleted, and so is
  any cache file whose hash is not the one in the manifest (damaged, truncated, left by an older
  graphflow, or written by a process that died before recording it); Numba then recompiles;
- a source whose bytes are not the generated source is rewritten.

When the directory cannot be used at all (missing permission, read-only, not a directory, or
unsafe), kernels are compiled in memory for the rest of the process, with one warning.

    >>> from graphflow.backends import kernel_cache
    >>> kernel_cache.CPU.package
    'graphflow_kernels'
"""
import hashlib
import importlib.util
import json
import linecache
import os
import pathlib
import stat
import sys
import threading
import types
import warnings

from graphflow.utils.cache import Cache

MANIFEST_SUFFIX = ".sha256"

_lock = threading.Lock()  # guards _warned
_warned = set()


def root():
    """The cache root directory (not created)."""
    path = os.environ.get("GRAPHFLOW_CACHE_DIR")
    if not path:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        path = os.path.join(base, "graphflow")
    return pathlib.Path(path)


class UnsafeCacheError(OSError):
    """A cache directory or entry that another user owns or can write."""


def _unsafe(st):
    """Why a file or directory with this stat may not be trusted (None: it may)."""
    if hasattr(os, "geteuid") and st.st_uid != os.geteuid():
        return f"owned by uid {st.st_uid}"
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return f"writable by other users (mode {stat.S_IMODE(st.st_mode):o})"
    return None


def _private_dir(path):
    """Creates `path` (and missing parents) with mode 0700; raises OSError if it is not a
    directory, not usable, or not private to this user."""
    missing = []
    p = path
    while not p.exists() and p != p.parent:
        missing.append(p)
        p = p.parent
    for d in reversed(missing):
        try:
            d.mkdir(mode=0o700)
        except FileExistsError:
            pass
    if not path.is_dir():
        raise NotADirectoryError(f"{path} is not a directory")
    reason = _unsafe(path.stat())
    if reason:
        raise UnsafeCacheError(f"{path} is {reason}")
    # A probe write: os.access does not see read-only mounts or ACLs.
    probe = path / f".probe{os.getpid()}_{threading.get_ident()}"
    probe.write_bytes(b"")
    probe.unlink()


def _warn_once(where, problem):
    with _lock:
        if where in _warned:
            return
        _warned.add(where)
    warnings.warn(f"graphflow: the kernel cache {where} cannot be used ({problem}); kernels are "
                  "compiled in memory in this process (set GRAPHFLOW_CACHE_DIR to a private, "
                  "writable directory to keep them across processes)", RuntimeWarning,
                  stacklevel=4)


def _sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


class KernelCache:
    """Kernel modules of one target: `function(source, fn)` gives the generated function `fn`
    of a kernel source (imported from the verified disk cache, or compiled in memory), once per
    process."""

    def __init__(self, subdir, package):
        self.subdir, self.package = subdir, package
        self._functions = Cache()  # (directory, source key) -> (function, path or None)
        self._objects = Cache()    # target-specific objects built from them (Kernel, ...), by key

    def directory(self):
        """The verified kernel directory, or None when kernels must be compiled in memory."""
        path = root() / "kernels"
        if self.subdir:
            path = path / self.subdir
        try:
            _private_dir(path)
            return path
        except OSError as e:
            _warn_once(str(path), e.strerror if e.strerror else str(e))
            return None

    def get(self, key, build):
        """The object cached under `key` in this process, built by build() on first use (e.g.
        a Kernel around function()). Thread-safe: one object per key."""
        return self._objects.get(key, build)

    def function(self, source, fn, key):
        """(function, path) of generated source `source` defining `fn`; path is None when the
        kernel was compiled in memory."""
        directory = self.directory()

        def load():
            path = None
            if directory is not None:
                try:
                    path = self._prepare(directory, f"{fn[:80]}_{key}", source)
                except OSError as e:
                    _warn_once(str(directory), e.strerror if e.strerror else str(e))
            function = (_import(path, fn, self.package) if path is not None
                        else _in_memory(source, fn, f"{self.package}.{fn[:80]}_{key}"))
            return function, path
        return self._functions.get((directory, key), load)

    # -- the disk entries of one kernel ----------------------------------------------------------
    def _prepare(self, directory, stem, source):
        """Writes the source if it is missing or not exactly `source`, and deletes every cache
        file of it that the manifest does not vouch for. Returns the source path."""
        path = directory / f"{stem}.py"
        manifest = directory / f"{stem}{MANIFEST_SUFFIX}"
        data = source.encode()
        if not _trusted_file(path) or path.read_bytes() != data:
            _atomic_write(path, data)
            purge(path)
            manifest.unlink(missing_ok=True)
            return path
        recorded = _read_manifest(manifest)
        for f in _cache_files(path):
            if not _trusted_file(f) or recorded.get(f.name) != _sha256(f):
                f.unlink(missing_ok=True)
        return path

    def record(self, path):
        """Writes the manifest of the kernel at `path`: the hash of the source and of every cache
        file Numba and Python wrote for it. Called once the kernel has compiled."""
        if path is None:
            return
        try:
            entries = {f.name: _sha256(f) for f in _cache_files(path) if _trusted_file(f)}
            entries[path.name] = _sha256(path)
            manifest = path.with_name(path.stem + MANIFEST_SUFFIX)
            _atomic_write(manifest, json.dumps(entries, indent=1, sort_keys=True).encode())
        except OSError as e:  # the kernel works; it just will not be trusted next time
            _warn_once(str(path.parent), e.strerror if e.strerror else str(e))


def _trusted_file(path):
    """Whether `path` is a regular file this user owns and no one else can write; an untrusted
    one is deleted (False is also returned for a missing file)."""
    try:
        st = path.lstat()
    except FileNotFoundError:
        return False
    if not stat.S_ISREG(st.st_mode) or _unsafe(st):
        path.unlink(missing_ok=True)
        return False
    return True


def _read_manifest(manifest):
    if not _trusted_file(manifest):
        return {}
    try:
        recorded = json.loads(manifest.read_bytes())
    except (ValueError, UnicodeDecodeError):
        return {}
    return recorded if isinstance(recorded, dict) else {}


def _cache_files(path):
    """Numba's index/data files and Python's bytecode for the kernel source at `path`."""
    pycache = path.parent / "__pycache__"
    if not pycache.is_dir():
        return []
    return sorted(pycache.glob(f"{path.stem}.*"))


def purge(path):
    """Deletes the cache files of the kernel at `path`; True if any existed."""
    files = _cache_files(path)
    for f in files:
        f.unlink(missing_ok=True)
    return bool(files)


def _atomic_write(path, data):
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}_{threading.get_ident()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def _import(path, fn, package, fresh=False):
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


def reload(path, fn, package):
    """The function `fn` imported afresh from `path` (after purge())."""
    return _import(path, fn, package, fresh=True)


def _in_memory(source, fn, module_name):
    """Compiles a kernel source without touching the disk (Numba's cache switched off)."""
    source = source.replace("cache=True", "cache=False")
    filename = f"<graphflow kernel {module_name}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    module = types.ModuleType(module_name)
    module.__file__ = filename
    exec(compile(source, filename, "exec"), module.__dict__)  # noqa: S102 - our generated code
    return module.__dict__[fn]


CPU = KernelCache(None, "graphflow_kernels")
CUDA = KernelCache("cuda", "graphflow_cuda_kernels")
