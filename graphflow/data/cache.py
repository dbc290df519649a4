"""The file format of Dataset.cache(filename): elements stored without pickle.

`<filename>.gfcache` starts with a magic line and a JSON header (the element spec's structure,
dtypes and shapes); then each element is its leaves in nest order (a SparseTensor or
RaggedTensor leaf as its component arrays), each array one record: a JSON line
{"dtype", "shape"} followed by the raw C-order bytes (numbers), or by one little-endian uint64
length per string and the strings' bytes (tf.string). The file is written as `.tmp-<pid>` and
renamed when the first full iteration ends, so a cache is complete or absent; an interrupted
iteration leaves nothing behind.

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "c")
    >>> with CacheWriter(path, tf.TensorSpec([2], tf.float32)) as w:
    ...     w.write(np.ones(2, np.float32))
    >>> [a.tolist() for a in read_cache(path, tf.TensorSpec([2], tf.float32))]
    [[1.0, 1.0]]
"""
import json
import os
import threading

import numpy as np

from graphflow import dtypes
from graphflow.data import structure
from graphflow.errors import InvalidArgumentError, NotFoundError

MAGIC = b"GRAPHFLOW-DATASET-CACHE 1\n"
SUFFIX = ".gfcache"


def _header(spec):
    def describe(s):
        return {"dtype": s.dtype.name, "shape": s.shape.dims}
    return json.dumps({"structure": repr(spec),
                       "leaves": [describe(s) for s in structure.flatten(spec)]})


def cache_path(filename):
    return os.fspath(filename) + SUFFIX


def exists(filename):
    return os.path.exists(cache_path(filename))


class CacheWriter:
    """Writes elements to a temporary file; `commit()` (or leaving the with-block normally)
    renames it into place, `abort()` deletes it."""

    def __init__(self, filename, spec):
        self.final = cache_path(filename)
        directory = os.path.dirname(self.final)
        if directory:
            os.makedirs(directory, exist_ok=True)
        self.tmp = f"{self.final}.tmp-{os.getpid()}-{threading.get_ident()}"
        self.file = open(self.tmp, "wb")
        self.file.write(MAGIC)
        self.file.write(_header(spec).encode() + b"\n")

    def write(self, element):
        f = self.file
        for leaf in structure.flatten_components(structure.flatten(element)):
            arr = np.asarray(leaf, order="C")  # (ascontiguousarray makes scalars 1-D)
            f.write(json.dumps({"dtype": dtypes.from_numpy(arr.dtype).name,
                                "shape": list(arr.shape)}).encode() + b"\n")
            if arr.dtype.kind == "O":
                flat = arr.reshape(-1)
                f.write(np.array([len(b) for b in flat], "<u8").tobytes())
                f.write(b"".join(flat))
            else:
                f.write(arr.tobytes())

    def commit(self):
        self.file.close()
        os.replace(self.tmp, self.final)

    def abort(self):
        self.file.close()
        try:
            os.remove(self.tmp)
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, kind, value, tb):
        if kind is None:
            self.commit()
        else:
            self.abort()


def read_cache(filename, spec):
    """Yields the cached elements, checking the file was written for this element spec."""
    path = cache_path(filename)
    try:
        f = open(path, "rb")
    except FileNotFoundError:
        raise NotFoundError(f"Dataset.cache: no cache file {path!r}") from None
    with f:
        if f.readline() != MAGIC:
            raise InvalidArgumentError(f"Dataset.cache: {path!r} is not a graphflow dataset cache")
        header = f.readline().decode()
        if header.strip() != _header(spec):
            raise InvalidArgumentError(
                f"Dataset.cache: {path!r} was written for elements {json.loads(header)['structure']}"
                f", but this dataset's elements are {spec!r}; delete the file to rebuild it")
        specs = structure.flatten(spec)
        n = sum(structure.component_count(s) for s in specs)
        while True:
            leaves = []
            for _ in range(n):
                line = f.readline()
                if not line:
                    if leaves:
                        raise InvalidArgumentError(f"Dataset.cache: {path!r} is truncated")
                    return
                leaves.append(_read_leaf(f, json.loads(line), path))
            yield structure.pack(spec, structure.pack_components(specs, leaves))


def _read_leaf(f, meta, path):
    dtype = dtypes.as_dtype(meta["dtype"])
    shape = tuple(meta["shape"])
    count = int(np.prod(shape, dtype=np.int64))
    if dtype is dtypes.string:
        lengths = np.frombuffer(_exactly(f, 8 * count, path), "<u8")
        data = _exactly(f, int(lengths.sum()), path)
        out = np.empty(count, object)
        offset = 0
        for i, n in enumerate(lengths.tolist()):
            out[i] = data[offset:offset + n]
            offset += n
        return out.reshape(shape)
    raw = _exactly(f, count * dtype.np.itemsize, path)
    return np.frombuffer(raw, dtype.np).reshape(shape).copy()


def _exactly(f, n, path):
    data = f.read(n)
    if len(data) != n:
        raise InvalidArgumentError(f"Dataset.cache: {path!r} is truncated")
    return data
