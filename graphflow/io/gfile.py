"""tf.io.gfile on the local file system: GFile, exists, glob, isdir, listdir, makedirs, mkdir,
remove, rename, copy, rmtree, stat, walk, join, with TF's errors (NotFoundError for a missing
file or directory). TF's other file systems (gs://, s3://, hdfs://) are not supported.

    >>> import graphflow as tf, tempfile, os
    >>> d = tempfile.mkdtemp()
    >>> with tf.io.gfile.GFile(os.path.join(d, "a.txt"), "w") as f:
    ...     _ = f.write("hi\\n")
    >>> tf.io.gfile.listdir(d), tf.io.gfile.GFile(os.path.join(d, "a.txt")).read()
    (['a.txt'], 'hi\\n')
"""
import glob as _glob
import os as _os
import shutil as _shutil

from graphflow.errors import FailedPreconditionError as _Exists
from graphflow.errors import InvalidArgumentError as _Invalid
from graphflow.errors import NotFoundError as _NotFound


def _local(path):
    path = _os.fsdecode(_os.fspath(path.numpy() if hasattr(path, "numpy") else path))
    if "://" in path and not path.startswith("file://"):
        raise _Invalid(
            f"gfile: {path}: only local files are supported (no gs://, s3://, hdfs://)")
    return path[len("file://"):] if path.startswith("file://") else path


class GFile:
    """A file object (a context manager) like open(); reading a missing file raises
    NotFoundError, as TF's."""

    def __init__(self, name, mode="r"):
        self.name = _local(name)
        self.mode = mode
        if "r" in mode and not _os.path.exists(self.name):
            raise _NotFound(f"{self.name}; No such file or directory")
        if any(m in mode for m in "wa"):
            directory = _os.path.dirname(self.name)
            if directory and not _os.path.isdir(directory):
                raise _NotFound(f"{directory}; No such file or directory")
        self._file = open(self.name, mode)

    def __getattr__(self, attr):
        return getattr(self._file, attr)

    def __iter__(self):
        return iter(self._file)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._file.close()

    def size(self):
        return _os.path.getsize(self.name)


Open = GFile


def exists(path):
    return _os.path.exists(_local(path))


def isdir(path):
    return _os.path.isdir(_local(path))


def glob(pattern):
    """Paths matching a pattern (or a list of patterns)."""
    patterns = [pattern] if isinstance(pattern, (str, bytes, _os.PathLike)) else list(pattern)
    return [p for pat in patterns for p in sorted(_glob.glob(_local(pat)))]


def listdir(path):
    path = _local(path)
    if not _os.path.isdir(path):
        raise _NotFound(f"Could not find directory {path}")
    return sorted(_os.listdir(path))


def makedirs(path):
    _os.makedirs(_local(path), exist_ok=True)


def mkdir(path):
    path = _local(path)
    parent = _os.path.dirname(path.rstrip("/"))
    if parent and not _os.path.isdir(parent):
        raise _NotFound(f"{parent}; No such file or directory")
    _os.makedirs(path, exist_ok=True)


def remove(path):
    path = _local(path)
    if not _os.path.exists(path):
        raise _NotFound(f"{path}; No such file or directory")
    _os.remove(path)


def rmtree(path):
    path = _local(path)
    if not _os.path.exists(path):
        raise _NotFound(f"{path}; No such file or directory")
    _shutil.rmtree(path)


def rename(oldpath, newpath, overwrite=False):
    old, new = _local(oldpath), _local(newpath)
    if not _os.path.exists(old):
        raise _NotFound(f"{old}; No such file or directory")
    if _os.path.exists(new) and not overwrite:
        raise _Exists(f"rename: {new} already exists (pass overwrite=True)")
    _os.replace(old, new)


def copy(oldpath, newpath, overwrite=False):
    old, new = _local(oldpath), _local(newpath)
    if not _os.path.exists(old):
        raise _NotFound(f"{old}; No such file or directory")
    if _os.path.exists(new) and not overwrite:
        raise _Exists(f"copy: {new} already exists (pass overwrite=True)")
    _shutil.copyfile(old, new)


class _FileStatistics:
    def __init__(self, st, is_directory):
        self.length = st.st_size
        self.mtime_nsec = st.st_mtime_ns
        self.is_directory = is_directory


def stat(path):
    path = _local(path)
    if not _os.path.exists(path):
        raise _NotFound(f"{path}; No such file or directory")
    return _FileStatistics(_os.stat(path), _os.path.isdir(path))


def walk(top, topdown=True, onerror=None):
    """(directory, subdirectories, files) triples, names sorted, as TF's walk."""
    for root, dirs, files in _os.walk(_local(top), topdown=topdown, onerror=onerror):
        dirs.sort()
        yield root, list(dirs), sorted(files)


def join(path, *paths):
    return _os.path.join(path, *paths)
