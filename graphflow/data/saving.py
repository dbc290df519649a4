"""Dataset.save and Dataset.load: a dataset written to a directory in graphflow's own format
(not TF's snapshot protos; nothing is ever pickled).

`<path>/graphflow-dataset.json` describes the saved dataset: the element spec (nested dicts,
tuples and lists of TensorSpec, SparseTensorSpec and RaggedTensorSpec), the compression, and
each shard's file and element count. A shard, `shard-<index>.gfdata`, is a TFRecord file (the
framing of graphflow/io/tfrecord.py: lengths and data CRC-checked, optionally GZIP or ZLIB
compressed) with one record per element: its leaves in nest order (sparse and ragged leaves as
their component arrays), each a JSON line {"dtype", "shape"} and the raw bytes, as the
Dataset.cache format lays them out (data/cache.py). A damaged or truncated shard raises a
DataLossError naming the file. Shards are written under temporary names and renamed, and the
description file is written last, so a directory holds a complete dataset or an older one.

    >>> import tempfile
    >>> path = tempfile.mkdtemp()
    >>> tf.data.Dataset.range(3).map(lambda x: {"x": x, "y": [x, x]}).save(path)
    >>> ds = tf.data.Dataset.load(path)
    >>> ds.element_spec["y"], [int(e["x"]) for e in ds]
    (TensorSpec(shape=(2,), dtype=tf.int64, name=None), [0, 1, 2])
"""
import io
import json
import os
import tempfile

import numpy as np

from graphflow import dtypes
from graphflow.data import cache, functions, structure
from graphflow.data.dataset import Dataset
from graphflow.data.sources import ListDataset
from graphflow.data.structure import DatasetSpec
from graphflow.errors import (DataLossError, GraphflowError, InvalidArgumentError,
                              InvalidTypeError, NotFoundError, UnimplementedError)
from graphflow.tensor import TensorShape, TensorSpec

FORMAT = "graphflow-dataset"
VERSION = 1
METADATA = "graphflow-dataset.json"
_COMPRESSIONS = {None: "", "": "", "GZIP": "GZIP", "ZLIB": "ZLIB"}


def _compression(value, what):
    if value not in _COMPRESSIONS:
        raise InvalidArgumentError(f"{what}: compression must be None, 'GZIP' or 'ZLIB', got "
                                   f"{value!r}")
    return _COMPRESSIONS[value]


# -- element specs as JSON ---------------------------------------------------------------------

def _dims(shape):
    return None if shape.rank is None else list(shape.as_list())


def encode_spec(spec, what="Dataset.save"):
    from graphflow.ops.ragged_ops import RaggedTensorSpec
    from graphflow.ops.sparse import SparseTensorSpec
    if isinstance(spec, TensorSpec):
        return {"tensor": {"shape": _dims(spec.shape), "dtype": spec.dtype.name}}
    if isinstance(spec, SparseTensorSpec):
        return {"sparse": {"shape": _dims(spec.shape), "dtype": spec.dtype.name}}
    if isinstance(spec, RaggedTensorSpec):
        return {"ragged": {"shape": _dims(spec.shape), "dtype": spec.dtype.name,
                           "ragged_rank": spec.ragged_rank,
                           "row_splits_dtype": spec.row_splits_dtype.name}}
    if isinstance(spec, dict):
        if not all(isinstance(k, str) for k in spec):
            raise InvalidArgumentError(f"{what}: dict elements need string keys, got "
                                       f"{sorted(map(repr, spec))}")
        return {"dict": [[k, encode_spec(v, what)] for k, v in spec.items()]}
    if type(spec) in (tuple, list):
        return {type(spec).__name__: [encode_spec(v, what) for v in spec]}
    raise InvalidArgumentError(f"{what}: cannot save elements with a {type(spec).__name__} "
                               f"component ({spec!r:.80}); graphflow saves tensors, sparse and "
                               "ragged tensors in dicts, tuples and lists")


def decode_spec(data):
    from graphflow.ops.ragged_ops import RaggedTensorSpec
    from graphflow.ops.sparse import SparseTensorSpec
    (kind, body), = data.items()
    if kind == "tensor":
        return TensorSpec(TensorShape(body["shape"]), dtypes.as_dtype(body["dtype"]))
    if kind == "sparse":
        return SparseTensorSpec(TensorShape(body["shape"]), dtypes.as_dtype(body["dtype"]))
    if kind == "ragged":
        return RaggedTensorSpec(TensorShape(body["shape"]), dtypes.as_dtype(body["dtype"]),
                                body["ragged_rank"], dtypes.as_dtype(body["row_splits_dtype"]))
    if kind == "dict":
        return {k: decode_spec(v) for k, v in body}
    if kind in ("tuple", "list"):
        items = [decode_spec(v) for v in body]
        return tuple(items) if kind == "tuple" else items
    raise ValueError(f"unknown element kind {kind!r}")


# -- elements as records -----------------------------------------------------------------------

def encode_element(element):
    out = io.BytesIO()
    for leaf in structure.flatten_components(structure.flatten(element)):
        arr = np.asarray(leaf, order="C")
        out.write(json.dumps({"dtype": dtypes.from_numpy(arr.dtype).name,
                              "shape": list(arr.shape)}).encode() + b"\n")
        if arr.dtype.kind == "O":
            flat = arr.reshape(-1)
            out.write(np.array([len(b) for b in flat], "<u8").tobytes())
            out.write(b"".join(flat))
        else:
            out.write(arr.tobytes())
    return out.getvalue()


def decode_element(record, spec, specs, count, path):
    f = io.BytesIO(record)
    try:
        leaves = [cache._read_leaf(f, json.loads(f.readline()), path) for _ in range(count)]
        if f.read(1):
            raise ValueError("the record has bytes after its last component")
        for leaf, component in zip(leaves, _component_specs(specs)):
            if leaf.dtype != component.dtype.np or not component.shape.is_compatible_with(
                    leaf.shape):
                raise ValueError(f"a component is {leaf.dtype}{list(leaf.shape)}, the saved "
                                 f"spec says {component!r}")
        return structure.pack(spec, structure.pack_components(specs, leaves))
    except (ValueError, KeyError, TypeError, GraphflowError) as e:
        raise DataLossError(f"Dataset.load: {path} is damaged: an element does not decode "
                            f"({e})") from None


def _component_specs(specs):
    out = []
    for s in specs:
        parts = getattr(s, "_component_specs", None)
        out.extend(parts() if parts is not None else [s])
    return out


# -- save --------------------------------------------------------------------------------------

def _shard_function(shard_func, spec):
    fn = functions.StructuredFunction(shard_func, spec, "shard_func")
    out = fn.output_spec
    if not isinstance(out, TensorSpec) or out.dtype is not dtypes.int64 or \
            out.shape.rank not in (0, None):
        raise InvalidArgumentError(f"Dataset.save: `shard_func` must return a scalar int64, "
                                   f"but its return type is {out!r}.")
    return fn


def _atomic_write(path, data):
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-" + os.path.basename(path))
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def save(dataset, path, compression=None, shard_func=None, checkpoint_args=None):
    """Writes every element of `dataset` under directory `path` (see the module docstring);
    `shard_func(element)` (a scalar int64) picks each element's shard file."""
    from graphflow.io.tfrecord import TFRecordOptions, TFRecordWriter
    if not isinstance(dataset, Dataset):
        raise InvalidTypeError(f"Dataset.save: expected a tf.data.Dataset, got "
                               f"{type(dataset).__name__}")
    if checkpoint_args is not None:
        raise UnimplementedError("Dataset.save: checkpoint_args is not supported (graphflow "
                                 "writes the whole dataset at once; an interrupted save leaves "
                                 "the previous one in place)")
    kind = _compression(compression, "Dataset.save")
    path = os.fspath(path.numpy().decode() if hasattr(path, "numpy") else path)
    spec = dataset.element_spec
    encoded_spec = encode_spec(spec)
    if dataset._cardinality() == -1:
        raise InvalidArgumentError("Dataset.save: the dataset is infinite")
    shard = None if shard_func is None else _shard_function(shard_func, spec)
    os.makedirs(path, exist_ok=True)
    writers, counts, temporary = {}, {}, {}
    options = TFRecordOptions(compression_type=kind)
    try:
        for element in dataset._elements():
            index = 0 if shard is None else int(shard(element))
            if index < 0:
                raise InvalidArgumentError(f"Dataset.save: `shard_func` returned {index}; shard "
                                           "indices are >= 0")
            if index not in writers:
                fd, tmp = tempfile.mkstemp(dir=path, prefix=f".tmp-shard-{index:05d}-")
                os.close(fd)
                temporary[index] = tmp
                writers[index] = TFRecordWriter(tmp, options)
                counts[index] = 0
            writers[index].write(encode_element(element))
            counts[index] += 1
        for w in writers.values():
            w.close()
        old = _read_metadata(path, quiet=True)
        shards = {}
        for index, tmp in temporary.items():
            name = f"shard-{index:05d}.gfdata"
            os.replace(tmp, os.path.join(path, name))
            shards[str(index)] = {"file": name, "count": counts[index]}
        temporary.clear()
        metadata = {"format": FORMAT, "version": VERSION, "element_spec": encoded_spec,
                    "compression": kind, "shards": shards,
                    "cardinality": sum(counts.values())}
        _atomic_write(os.path.join(path, METADATA), json.dumps(metadata, indent=1).encode())
        for entry in (old or {}).get("shards", {}).values():  # an older save's other shards
            stale = os.path.join(path, os.path.basename(str(entry.get("file", ""))))
            if entry.get("file") not in {s["file"] for s in shards.values()} and \
                    os.path.isfile(stale):
                os.remove(stale)
    finally:
        for w in writers.values():
            w.close()
        for tmp in temporary.values():
            if os.path.exists(tmp):
                os.remove(tmp)


# -- load --------------------------------------------------------------------------------------

def _read_metadata(path, quiet=False):
    """The saved dataset's description: {"spec", "compression", "shards": {index: (file,
    count)}, "cardinality"}; quiet: the raw JSON, or None when there is none readable (an
    earlier save, whose shard files a new save replaces)."""
    file = os.path.join(path, METADATA)
    try:
        with open(file, "rb") as f:
            data = json.loads(f.read().decode("utf-8"))
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError("not a graphflow dataset description")
        if quiet:
            return data
        if data.get("version", 0) > VERSION:
            raise ValueError(f"written by a newer graphflow (format version {data['version']})")
        return {"spec": decode_spec(data["element_spec"]),
                "compression": _compression(data["compression"], "Dataset.load"),
                "shards": {int(k): (str(v["file"]), int(v["count"]))
                           for k, v in data["shards"].items()},
                "cardinality": int(data["cardinality"])}
    except FileNotFoundError:
        if quiet:
            return None
        raise NotFoundError(f"Dataset.load: Could not find metadata file {file} (no dataset "
                            f"was saved at {path})") from None
    except (OSError, ValueError, KeyError, TypeError, AttributeError, GraphflowError) as e:
        if quiet:
            return None
        raise DataLossError(f"Dataset.load: {file} is damaged or not a graphflow saved "
                            f"dataset: {e}") from None


class ShardDataset(Dataset):
    """The elements of one saved shard file."""

    def __init__(self, file, spec, compression, count):
        super().__init__(spec)
        self._file, self._compression, self._count = file, compression, count
        self._specs = structure.flatten(spec)
        self._components = sum(structure.component_count(s) for s in self._specs)

    def _iterate(self):
        from graphflow.io.tfrecord import read_records
        n = 0
        for record in read_records(self._file, self._compression):
            yield decode_element(record, self._spec, self._specs, self._components, self._file)
            n += 1
        if n != self._count:
            raise DataLossError(f"Dataset.load: {self._file} is truncated: it holds {n} "
                                f"elements, the dataset description says {self._count}")

    def _cardinality(self):
        return self._count


class LoadDataset(Dataset):
    """A saved dataset: its shards in index order, or as `reader_func` combines them."""

    def __init__(self, path, element_spec=None, compression=None, reader_func=None, wait=False):
        path = os.fspath(path.numpy().decode() if hasattr(path, "numpy") else path)
        if wait:
            raise UnimplementedError("Dataset.load: wait=True (reading a dataset while it is "
                                     "being saved by tf.data service) is not supported")
        meta = _read_metadata(path)
        if compression is not None and _compression(compression, "Dataset.load") != \
                meta["compression"]:
            raise InvalidArgumentError(
                f"Dataset.load: {path} was saved with compression "
                f"{meta['compression'] or None!r}, not {compression!r}")
        spec = meta["spec"]
        if element_spec is not None:
            if not structure.same_structure(element_spec, spec) or not all(
                    _compatible(a, b) for a, b in zip(structure.flatten(element_spec),
                                                      structure.flatten(spec))):
                raise InvalidArgumentError(f"Dataset.load: {path} holds elements {spec!r}, not "
                                           f"the given element_spec {element_spec!r}")
            spec = element_spec
        shards = [ShardDataset(os.path.join(path, os.path.basename(file)), spec,
                               meta["compression"], count)
                  for _, (file, count) in sorted(meta["shards"].items())]
        self._count = meta["cardinality"]
        if reader_func is None:
            self._reader = None
        else:
            self._reader = reader_func(ListDataset(shards, DatasetSpec(spec)))
            if not isinstance(self._reader, Dataset):
                raise InvalidTypeError(f"Dataset.load: reader_func must return a Dataset, got "
                                       f"{type(self._reader).__name__}")
            spec = self._reader.element_spec
        self._shards = shards
        super().__init__(spec)

    def _iterate(self):
        if self._reader is not None:
            yield from self._reader._elements()
            return
        for shard in self._shards:
            yield from shard._elements()

    def _cardinality(self):
        return self._count if self._reader is None else self._reader._cardinality()


def _compatible(a, b):
    return type(a) is type(b) and a.dtype is b.dtype and a.shape.is_compatible_with(b.shape)
