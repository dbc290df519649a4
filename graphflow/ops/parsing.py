"""tf.io.parse_example / parse_single_example (tf.train.Example records into tensors) and
tf.io.decode_csv, as registry ops: stateless, strings in, host memory, never in fused kernels
(OPAQUE, no scalar form), so they run inside Dataset.map functions, graphflow.function and
Sessions like any op.

`parse_example` reads the protobuf wire format of tf.train.Example directly
(graphflow/utils/protowire.py). Features are described as in TF: FixedLenFeature (a dense
tensor of a fixed shape, with an optional default), FixedLenSequenceFeature (rows of a fixed
shape, as many as the record has, padded in a batch), VarLenFeature (a SparseTensor) and
RaggedFeature (a tf.RaggedTensor for a batch, a 1-D tensor for one record; only its plain
form, without `partitions`). Errors are TF's (InvalidArgumentError naming the key, the record
and what was wrong).

    >>> import graphflow as tf
    >>> ex = tf.train.Example(features=tf.train.Features(feature={
    ...     "x": tf.train.Feature(float_list=tf.train.FloatList(value=[1.0, 2.0]))}))
    >>> out = tf.io.parse_single_example(ex.SerializeToString(),
    ...                                  {"x": tf.io.FixedLenFeature([2], tf.float32)})
    >>> out["x"].numpy()
    array([1., 2.], dtype=float32)
    >>> [t.numpy().tolist() for t in tf.io.decode_csv(["1,2.5,a", "3,,b"], [[0], [0.0], [""]])]
    [[1, 3], [2.5, 0.0], [b'a', b'b']]
"""
import collections
import math
import re
import struct

import numpy as np

from graphflow import dtypes
from graphflow.errors import InvalidArgumentError, UnimplementedError
from graphflow.ops import rules
from graphflow.ops.registry import OPAQUE, dispatch, register
from graphflow.tensor import EagerTensor, Tensor, TensorShape
from graphflow.utils import protowire as wire

STRING = dtypes.string
_TF_NAMES = {"float32": "float", "int64": "int64", "string": "string"}
_LIST_KINDS = {1: "string", 2: "float32", 3: "int64"}  # Feature's oneof field -> dtype
_LIST_NAMES = {"string": "bytes", "float32": "float", "int64": "int64"}


# -- feature descriptions (tf.io.FixedLenFeature, ...) -------------------------------------------

class FixedLenFeature(collections.namedtuple("FixedLenFeature",
                                             ["shape", "dtype", "default_value"])):
    """A dense feature of a fixed shape: the record must have prod(shape) values, or the
    feature is missing and default_value (None: required) stands in."""

    def __new__(cls, shape, dtype, default_value=None):
        return super().__new__(cls, shape, dtype, default_value)

    def __repr__(self):
        return (f"FixedLenFeature(shape={self.shape!r}, dtype={_dtype_repr(self.dtype)}, "
                f"default_value={self.default_value!r})")


class FixedLenSequenceFeature(collections.namedtuple(
        "FixedLenSequenceFeature", ["shape", "dtype", "allow_missing", "default_value"])):
    """Rows of a fixed shape, as many as the record's values make (padded with default_value,
    or zeros, in a batch); allow_missing=True lets records lack the feature."""

    def __new__(cls, shape, dtype, allow_missing=False, default_value=None):
        return super().__new__(cls, shape, dtype, allow_missing, default_value)

    def __repr__(self):
        return (f"FixedLenSequenceFeature(shape={self.shape!r}, dtype={_dtype_repr(self.dtype)}, "
                f"allow_missing={self.allow_missing!r}, default_value={self.default_value!r})")


class VarLenFeature(collections.namedtuple("VarLenFeature", ["dtype"])):
    """Every value the record has, as a SparseTensor."""

    def __repr__(self):
        return f"VarLenFeature(dtype={_dtype_repr(self.dtype)})"


class RaggedFeature(collections.namedtuple(
        "RaggedFeature", ["dtype", "value_key", "partitions", "row_splits_dtype", "validate"])):
    """Every value the record has: a 1-D tensor for one record, a RaggedTensor for a batch.
    value_key is the record's key (default: the feature's). Partitions are not supported."""

    def __new__(cls, dtype, value_key=None, partitions=(), row_splits_dtype=dtypes.int32,
                validate=False):
        return super().__new__(cls, dtype, value_key, tuple(partitions), row_splits_dtype,
                               validate)

    def __repr__(self):
        return (f"RaggedFeature(dtype={_dtype_repr(self.dtype)}, value_key={self.value_key!r}, "
                f"partitions={self.partitions!r}, row_splits_dtype="
                f"{_dtype_repr(self.row_splits_dtype)}, validate={self.validate!r})")


class SparseFeature(collections.namedtuple(
        "SparseFeature", ["index_key", "value_key", "dtype", "size", "already_sorted"])):
    """tf.io.SparseFeature (accepted by name; parsing it is not implemented)."""

    def __new__(cls, index_key, value_key, dtype, size, already_sorted=False):
        return super().__new__(cls, index_key, value_key, dtype, size, already_sorted)


def _dtype_repr(dtype):
    try:
        return repr(dtypes.as_dtype(dtype))
    except Exception:  # noqa: BLE001 - a repr must not raise; show what was given
        return repr(dtype)


# -- decoding tf.train.Example -----------------------------------------------------------------

def _bad_record(data):
    shown = data[:64].decode("latin-1")
    return InvalidArgumentError(f"parse_example: Could not parse example input, value: "
                                f"'{shown}{'...' if len(data) > 64 else ''}'")


def _decode_list(kind, data, start, end):
    """The values of a BytesList / FloatList / Int64List in data[start:end] (packed or not)."""
    name = "tensorflow.Example"
    if kind == "string":
        return [data[s:e] for n, k, (s, e) in
                ((n, k, v) for n, k, v in wire.fields(data, name, start, end)) if n == 1 and k == 2]
    out = []
    for n, k, v in wire.fields(data, name, start, end):
        if n != 1:
            continue
        if kind == "float32":
            if k == wire.LENGTH:
                raw = data[v[0]:v[1]]
                if len(raw) % 4:
                    raise wire.DecodeError("packed floats of a length not a multiple of 4")
                out.extend(struct.unpack(f"<{len(raw) // 4}f", raw))
            elif k == wire.FIXED32:
                out.append(struct.unpack("<f", v)[0])
        elif k == wire.VARINT:
            out.append(wire.signed64(v))
        elif k == wire.LENGTH:
            pos, stop = v
            while pos < stop:
                x, pos = wire.decode_varint(data, pos, stop, name)
                out.append(wire.signed64(x))
    return out


def example_features(data, wanted):
    """{key: (dtype name, values)} for the keys in `wanted` that a serialized tf.train.Example
    has with a kind set (a Feature with none counts as missing, as in TF). Later entries of a
    key win, as protobuf merges them."""
    found = {}
    name = "tensorflow.Example"
    try:
        for n, k, v in wire.fields(data, name):
            if n != 1 or k != wire.LENGTH:
                continue
            for n2, k2, entry in wire.fields(data, name, *v):
                if n2 != 1 or k2 != wire.LENGTH:
                    continue
                key, feature = None, None
                for n3, k3, v3 in wire.fields(data, name, *entry):
                    if n3 == 1 and k3 == wire.LENGTH:
                        key = data[v3[0]:v3[1]]
                    elif n3 == 2 and k3 == wire.LENGTH:
                        feature = v3
                key = b"" if key is None else key
                if key not in wanted:
                    continue
                kind, values = None, None
                if feature is not None:
                    for n4, k4, v4 in wire.fields(data, name, *feature):
                        if n4 in _LIST_KINDS and k4 == wire.LENGTH and kind is None:
                            # the first list wins, as in TF's parser (protobuf would merge a
                            # repeated one, and let a later kind replace it)
                            kind = _LIST_KINDS[n4]
                            values = _decode_list(kind, data, *v4)
                if kind is None:
                    found.pop(key, None)
                else:
                    found[key] = (kind, values)
    except wire.DecodeError:
        raise _bad_record(data) from None
    return found


# -- the parse_example op ----------------------------------------------------------------------

def _where(single, key, index, names):
    if single:
        return f"Key: {key}."
    name = names[index] if names else "<unknown>"
    return f"Name: {name}, Key: {key}, Index: {index}."


def _missing(single, key, dtype, index, names):
    prefix = "" if single else f"Name: {names[index] if names else '<unknown>'}, "
    return InvalidArgumentError(f"parse_example: {prefix}Feature: {key} (data type: "
                                f"{_TF_NAMES[dtype]}) is required but could not be found.")


def _values_array(values, dtype):
    if dtype == "string":
        out = np.empty(len(values), object)
        out[:] = values
        return out
    return np.array(values, dtypes.as_dtype(dtype).np)


def _parse_infer(specs, dense_keys, dense_shapes, dense_sequence, sparse_keys, sparse_types,
                 ragged_keys, ragged_types, ragged_split_type, names):
    serialized = specs[0]
    rules.check_kind("parse_example", serialized, "O", 0)
    rank = None if serialized.shape is None else len(serialized.shape)
    if rank is not None and rank > 1:
        raise InvalidArgumentError(
            f"parse_example: Expected serialized to be a scalar or vector, got shape: "
            f"[{','.join('?' if d is None else str(d) for d in serialized.shape)}]")
    defaults = specs[1:]
    if len(defaults) != len(dense_keys):
        raise InvalidArgumentError(f"parse_example: {len(dense_keys)} dense features but "
                                   f"{len(defaults)} defaults")
    batch = None if rank is None else tuple(serialized.shape)
    out = []
    for dtype in sparse_types:
        out.append(((None, None if rank is None else rank + 1), dtypes.int64))
    for dtype in sparse_types:
        out.append(((None,), dtypes.as_dtype(dtype)))
    for dtype in sparse_types:
        out.append(((None if rank is None else rank + 1,), dtypes.int64))
    for key, shape, seq, default in zip(dense_keys, dense_shapes, dense_sequence, defaults):
        if default.dtype.name not in _TF_NAMES:
            raise InvalidArgumentError(
                f"parse_example: feature {key!r} has dtype {default.dtype.name}; features can be "
                "float32, int64 or string")
        inner = ((None,) if seq else ()) + tuple(shape)
        out.append((None if batch is None else batch + inner, default.dtype))
    for dtype in ragged_types:
        out.append(((None,), dtypes.as_dtype(dtype)))
    for dtype in ragged_types:
        rows = None if batch is None or batch and batch[0] is None else \
            batch[0] + 1 if batch else 2
        out.append(((rows,), dtypes.as_dtype(ragged_split_type)))
    return out


def _parse_ref(serialized, *defaults, dense_keys, dense_shapes, dense_sequence, sparse_keys,
               sparse_types, ragged_keys, ragged_types, ragged_split_type, names):
    _parse_infer([rules.ArraySpec(serialized)] + [rules.ArraySpec(d) for d in defaults],
                 dense_keys, dense_shapes, dense_sequence, sparse_keys, sparse_types,
                 ragged_keys, ragged_types, ragged_split_type, names)
    single = serialized.ndim == 0
    records = [serialized[()]] if single else list(serialized)
    wanted = {k.encode() for k in dense_keys + sparse_keys + ragged_keys}
    parsed = [example_features(bytes(r), wanted) for r in records]

    def lookup(i, key, dtype):
        hit = parsed[i].get(key.encode())
        if hit is not None and hit[0] != dtype:
            raise InvalidArgumentError(
                f"parse_example: {_where(single, key, i, names)}  Data types don't match. "
                f"Expected type: {_TF_NAMES[dtype]}, Actual type: {_TF_NAMES[hit[0]]}")
        return None if hit is None else hit[1]

    sparse_out = ([], [], [])
    for key, dtype in zip(sparse_keys, sparse_types):
        rows = [lookup(i, key, dtype) or [] for i in range(len(records))]
        width = max((len(r) for r in rows), default=0)
        if single:
            indices = np.arange(len(rows[0]), dtype=np.int64).reshape(-1, 1)
            shape = np.array([len(rows[0])], np.int64)
        else:
            indices = np.array([(i, j) for i, r in enumerate(rows) for j in range(len(r))],
                               np.int64).reshape(-1, 2)
            shape = np.array([len(rows), width], np.int64)
        sparse_out[0].append(indices)
        sparse_out[1].append(_values_array([v for r in rows for v in r], dtype))
        sparse_out[2].append(shape)

    dense_out = []
    for key, shape, seq, default in zip(dense_keys, dense_shapes, dense_sequence, defaults):
        dtype = dtypes.from_numpy(default.dtype).name
        size = math.prod(shape)
        parts = []
        for i in range(len(records)):
            hit = parsed[i].get(key.encode())
            if hit is not None and hit[0] != dtype:
                raise InvalidArgumentError(
                    f"parse_example: {_where(single, key, i, names)}  Data types don't match. "
                    f"Data type: {_TF_NAMES[hit[0]]} but expected type: {_TF_NAMES[dtype]}")
            values = None if hit is None else hit[1]
            if values is None:
                if seq:  # a missing sequence has no rows (allow_missing is always True)
                    parts.append(_values_array([], dtype).reshape((0,) + tuple(shape)))
                    continue
                if default.size == 0:
                    raise _missing(single, key, dtype, i, names)
                parts.append(default.reshape(shape))
                continue
            if seq:
                if size == 0 or len(values) % size:
                    raise InvalidArgumentError(
                        f"parse_example: {_where(single, key, i, names)}  Number of "
                        f"{_LIST_NAMES[dtype]} values is not a multiple of stride length. Saw "
                        f"{len(values)} values but output shape is: "
                        f"[{','.join(['?'] + [str(d) for d in shape])}]")
                parts.append(_values_array(values, dtype).reshape((-1,) + tuple(shape)))
            elif len(values) != size:
                lead = "" if not single else "Can't parse serialized Example: "
                raise InvalidArgumentError(
                    f"parse_example: {_where(single, key, i, names)}  {lead}Number of "
                    f"{_LIST_NAMES[dtype]} values != expected.  Values size: {len(values)} but "
                    f"output shape: {list(shape)}")
            else:
                parts.append(_values_array(values, dtype).reshape(shape))
        if seq:
            rows = max((p.shape[0] for p in parts), default=0)
            pad = _pad_value(default, dtype)
            padded = []
            for p in parts:
                full = np.empty((rows,) + tuple(shape), p.dtype)
                full[...] = pad
                full[:p.shape[0]] = p
                padded.append(full)
            parts = padded
        if single:
            dense_out.append(parts[0])
        else:
            inner = ((rows,) if seq else ()) + tuple(shape)
            stacked = np.empty((len(parts),) + inner, default.dtype)
            for i, p in enumerate(parts):
                stacked[i, ...] = p  # (a 0-d object array would be stored as an object)
            dense_out.append(stacked)

    ragged_values, ragged_splits = [], []
    for key, dtype in zip(ragged_keys, ragged_types):
        rows = [lookup(i, key, dtype) or [] for i in range(len(records))]
        ragged_values.append(_values_array([v for r in rows for v in r], dtype))
        ragged_splits.append(np.cumsum([0] + [len(r) for r in rows]).astype(
            dtypes.as_dtype(ragged_split_type).np))
    return tuple(sparse_out[0] + sparse_out[1] + sparse_out[2] + dense_out + ragged_values +
                 ragged_splits)


def _pad_value(default, dtype):
    if default.size:
        return default.reshape(())
    return b"" if dtype == "string" else 0


# Inputs: serialized (a string scalar or vector), then one default per dense feature (an empty
# array: required, or padded with zeros for a sequence). Attrs: dense_keys, dense_shapes and
# dense_sequence (True for a FixedLenSequenceFeature) per dense feature; sparse_keys and
# sparse_types (dtype names) per VarLenFeature; ragged_keys, ragged_types and one
# ragged_split_type; names (example_names, for errors). Outputs: every sparse feature's indices,
# then values, then dense_shape; the dense values; every ragged feature's values, then splits.
PARSE_EXAMPLE = register("parse_example", OPAQUE, _parse_infer, _parse_ref, num_outputs=None,
                         doc="serialized tf.train.Example records -> sparse, dense and ragged "
                             "feature tensors")


# -- the Python API ---------------------------------------------------------------------------

_FEATURE_DTYPES = (dtypes.float32, dtypes.int64, dtypes.string)


def _feature_dtype(dtype, key, kind):
    d = dtypes.as_dtype(dtype)
    if d not in _FEATURE_DTYPES:
        raise InvalidArgumentError(
            f"parse_example: feature {key!r} ({kind}) has dtype {d.name}; the dtypes of "
            "tf.train.Example features are float32, int64 and string")
    return d


def _static_shape(shape, key, feature):
    if shape is None:
        raise InvalidArgumentError(f"Missing shape for feature {key}. Received "
                                   f"feature={feature!r}.")
    dims = list(TensorShape(shape).dims or []) if not isinstance(shape, int) else [shape]
    if dims and dims[0] is None:
        raise InvalidArgumentError(
            f"First dimension of shape for feature {key} unknown. Consider using "
            f"FixedLenSequenceFeature. Received feature={feature!r}.")
    for d in dims:
        if d is None:
            raise InvalidArgumentError(f"All dimensions of shape for feature {key} need to be "
                                       f"known but received {shape!r}.")
        if d < 0:
            raise InvalidArgumentError(f"Dimension {d} must be >= 0")
    return tuple(int(d) for d in dims)


def _default_array(feature, key, shape, dtype, sequence):
    from graphflow.ops.registry import to_array
    value = feature.default_value
    if value is None:  # required (FixedLenFeature), padded with zeros (FixedLenSequenceFeature)
        return np.zeros((0,), dtype.np) if dtype is not STRING else np.empty((0,), object)
    if isinstance(value, EagerTensor):
        value = value.numpy()
    array = np.asarray(to_array(value, dtype, "parse_example"))
    if sequence:
        if array.size != 1:
            raise InvalidArgumentError(
                f"parse_example: the default_value of FixedLenSequenceFeature {key!r} must be "
                f"one value (the padding), got {array.size}")
        return array.reshape(())
    if array.size != math.prod(shape):
        raise InvalidArgumentError(
            f"parse_example: the default_value of feature {key!r} has {array.size} values but "
            f"its shape {list(shape)} needs {math.prod(shape)}")
    return array.reshape(shape)


def _sparse_tensor_class():
    from graphflow.ops.sparse import SparseTensor
    return SparseTensor


def _plan(features):
    """The op's attrs and dense default arrays for a features dict, and where each output goes."""
    if not isinstance(features, dict):
        raise InvalidArgumentError(
            f"parse_example: features must be a dict from keys to FixedLenFeature, "
            f"VarLenFeature, RaggedFeature or FixedLenSequenceFeature, got "
            f"{type(features).__name__}")
    if not features:
        raise InvalidArgumentError("Invalid argument: features cannot be empty.")
    sparse, dense, ragged = [], [], []
    for key in sorted(features):
        feature = features[key]
        if not isinstance(key, str):
            raise InvalidArgumentError(f"parse_example: feature keys must be strings, got {key!r}")
        if isinstance(feature, VarLenFeature):
            sparse.append((key, _feature_dtype(feature.dtype, key, "VarLenFeature")))
        elif isinstance(feature, (FixedLenFeature, FixedLenSequenceFeature)):
            seq = isinstance(feature, FixedLenSequenceFeature)
            if seq and not feature.allow_missing:
                raise InvalidArgumentError(
                    "Unsupported: FixedLenSequenceFeature requires allow_missing to be True.")
            dtype = _feature_dtype(feature.dtype, key, type(feature).__name__)
            if seq:
                shape = _static_shape(feature.shape, key, feature) if feature.shape is not None \
                    else None
                if shape is None:
                    raise InvalidArgumentError(f"Missing shape for feature {key}. Received "
                                               f"feature={feature!r}.")
            else:
                shape = _static_shape(feature.shape, key, feature)
            dense.append((key, shape, seq, _default_array(feature, key, shape, dtype, seq)))
        elif isinstance(feature, RaggedFeature):
            if feature.partitions:
                raise UnimplementedError(
                    f"parse_example: RaggedFeature {key!r} has partitions; graphflow parses only "
                    "RaggedFeatures without partitions")
            splits = dtypes.as_dtype(feature.row_splits_dtype)
            if splits not in (dtypes.int32, dtypes.int64):
                raise InvalidArgumentError(
                    f"parse_example: row_splits_dtype must be int32 or int64, got {splits.name}")
            ragged.append((key, feature.value_key or key,
                           _feature_dtype(feature.dtype, key, "RaggedFeature"), splits))
        elif isinstance(feature, SparseFeature):
            raise UnimplementedError(f"parse_example: SparseFeature {key!r} is not supported "
                                     "(use VarLenFeature for the indices and the values)")
        else:
            raise InvalidArgumentError(
                f"Unsupported {type(feature).__name__} {feature!r} for key {key!r}")
    split_types = {s for *_, s in ragged}
    if len(split_types) > 1:
        raise UnimplementedError("parse_example: RaggedFeatures with different "
                                 "row_splits_dtype in one call")
    attrs = {"dense_keys": tuple(k for k, *_ in dense),
             "dense_shapes": tuple(s for _, s, _, _ in dense),
             "dense_sequence": tuple(q for _, _, q, _ in dense),
             "sparse_keys": tuple(k for k, _ in sparse),
             "sparse_types": tuple(d.name for _, d in sparse),
             "ragged_keys": tuple(v for _, v, _, _ in ragged),
             "ragged_types": tuple(d.name for _, _, d, _ in ragged),
             "ragged_split_type": (split_types.pop() if split_types else dtypes.int32).name}
    return attrs, [d for *_, d in dense], sparse, dense, ragged


def _serialized_tensor(serialized):
    from graphflow.ops.creation import convert_to_tensor
    if isinstance(serialized, Tensor):
        return serialized
    return convert_to_tensor(serialized, STRING)


def _names(example_names):
    if example_names is None:
        return ()
    if isinstance(example_names, EagerTensor):
        example_names = example_names.numpy().reshape(-1).tolist()
    return tuple(n.decode() if isinstance(n, bytes) else str(n) for n in example_names)


def _parse(serialized, features, example_names, name, single):
    from graphflow.ops.ragged import RaggedTensor
    attrs, defaults, sparse, dense, ragged = _plan(features)
    attrs["names"] = _names(example_names)
    outs = dispatch(PARSE_EXAMPLE, (serialized,) + tuple(EagerTensor(d) for d in defaults),
                    attrs, name)
    outs = list(outs) if isinstance(outs, (tuple, list)) else [outs]
    result = {}
    n = len(sparse)
    if n:
        SparseTensor = _sparse_tensor_class()
        for i, (key, _) in enumerate(sparse):
            result[key] = SparseTensor(outs[i], outs[n + i], outs[2 * n + i])
    pos = 3 * n
    for key, *_ in dense:
        result[key] = outs[pos]
        pos += 1
    m = len(ragged)
    for i, (key, *_) in enumerate(ragged):
        values, splits = outs[pos + i], outs[pos + m + i]
        result[key] = values if single else RaggedTensor.from_row_splits(values, splits,
                                                                         validate=False)
    return result


def parse_example(serialized, features, example_names=None, name=None):
    """Parses a vector of serialized tf.train.Example records into a dict of tensors with a
    leading batch dimension (RaggedTensors for RaggedFeatures, SparseTensors for
    VarLenFeatures).

        >>> def record(v):
        ...     return tf.train.Example(features=tf.train.Features(feature={"v": tf.train.Feature(
        ...         int64_list=tf.train.Int64List(value=v))})).SerializeToString()
        >>> out = tf.io.parse_example([record([1]), record([2, 3])],
        ...                           {"v": tf.io.RaggedFeature(tf.int64)})
        >>> out["v"].to_list()
        [[1], [2, 3]]
    """
    return _parse(_serialized_tensor(serialized), features, example_names, name, False)


def parse_single_example(serialized, features, example_names=None, name=None):
    """Parses one serialized tf.train.Example (a scalar string) into a dict of tensors."""
    serialized = _serialized_tensor(serialized)
    if serialized.shape.rank is not None and serialized.shape.rank != 0:
        raise InvalidArgumentError("Input serialized must be a scalar")
    return _parse(serialized, features, None if example_names is None else [example_names],
                  name, True)


# -- decode_csv --------------------------------------------------------------------------------

_CSV_TYPES = {"float32": "float", "float64": "double", "int32": "int32", "int64": "int64",
              "string": "string"}
_SPACE = b" \t\n\v\f\r"
_INT = re.compile(rb"[ \t\n\v\f\r]*[+-]?[0-9]+[ \t\n\v\f\r]*\Z")
_FLOAT = re.compile(
    rb"[ \t\n\v\f\r]*[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
    rb"|0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][+-]?[0-9]+)?"
    rb"|(?i:inf|infinity|nan))[ \t\n\v\f\r]*\Z")
_INT_RANGES = {"int32": (-(1 << 31), (1 << 31) - 1), "int64": (-(1 << 63), (1 << 63) - 1)}


def _csv_fields(record, delim, use_quote, select, where):
    """The fields of one record, as TF's DecodeCSV splits them (quirks included: newlines
    between fields are skipped, a quoted field must end at a delimiter)."""
    fields = []
    i, n, parsed, sel = 0, len(record), 0, 0
    if not n:
        return fields
    while i < n:
        c = record[i]
        if c in b"\n\r":
            i += 1
            continue
        include = select is None or select[sel] == parsed
        field = bytearray()
        if use_quote and c == ord('"'):
            i += 1
            while i < n - 1 and (record[i] != ord('"') or record[i + 1] != delim):
                if record[i] != ord('"'):
                    field.append(record[i])
                    i += 1
                else:
                    if record[i + 1] != ord('"'):
                        raise InvalidArgumentError(
                            f"decode_csv: Quote inside a string has to be escaped by another "
                            f"quote ({where})")
                    field.append(ord('"'))
                    i += 2
            if not (i < n and record[i] == ord('"') and (i == n - 1 or record[i + 1] == delim)):
                raise InvalidArgumentError(
                    f"decode_csv: Quoted field has to end with quote followed by delim or end "
                    f"({where})")
            i += 2
        else:
            while i < n and record[i] != delim:
                if use_quote and record[i] == ord('"') or record[i] in b"\n\r":
                    raise InvalidArgumentError(
                        f"decode_csv: Unquoted fields cannot have quotes/CRLFs inside "
                        f"({where})")
                field.append(record[i])
                i += 1
            i += 1
        parsed += 1
        if include:
            fields.append(bytes(field))
            sel += 1
            if select is not None and sel == len(select):
                return fields
    if (select is None or select[sel] == parsed) and record[-1] == delim:
        fields.append(b"")
    return fields


def _csv_infer(specs, field_delim, use_quote_delim, na_value, select_cols):
    records, defaults = specs[0], specs[1:]
    rules.check_kind("decode_csv", records, "O", 0)
    out = []
    for i, d in enumerate(defaults):
        if d.dtype.name not in _CSV_TYPES:
            raise InvalidArgumentError(
                f"decode_csv: record_defaults[{i}] has dtype {d.dtype.name}; the column types "
                "can be float32, float64, int32, int64 or string")
        if d.shape is not None and len(d.shape) > 1:
            raise InvalidArgumentError(
                f"decode_csv: Each record default should be at most rank 1 (record_defaults[{i}] "
                f"has shape {rules.fmt(d.shape)})")
        if d.shape is not None and len(d.shape) == 1 and d.shape[0] is not None and \
                d.shape[0] > 1:
            raise InvalidArgumentError(
                f"decode_csv: There should only be 1 default per field but field {i} has "
                f"{d.shape[0]}")
        out.append((records.shape, d.dtype))
    if len(field_delim) != 1:
        raise InvalidArgumentError("decode_csv: field_delim should be only 1 char")
    return out


def _csv_value(text, dtype, column, where):
    if dtype == "string":
        return text
    ok = (_INT if dtype.startswith("int") else _FLOAT).match(text)
    if ok and dtype.startswith("int"):
        value = int(text)
        lo, hi = _INT_RANGES[dtype]
        ok = lo <= value <= hi
    if not ok:
        raise InvalidArgumentError(
            f"decode_csv: Field {column} in {where} is not a valid {_CSV_TYPES[dtype]}: "
            f"{text.decode('utf-8', 'replace')}")
    if dtype.startswith("int"):
        return value
    body = text.strip(_SPACE)
    if body.lstrip(b"+-")[:2].lower() == b"0x":
        sign = -1.0 if body.startswith(b"-") else 1.0
        return sign * float.fromhex(body.lstrip(b"+-").decode())
    return float(body)


def csv_row(record, delim, use_quote, select, index, source=None, defaults=None, na=b""):
    """One record's fields (bytes), or, given the column defaults, its values converted to
    the columns' dtypes (NumPy scalars); errors name the record and, for files, the file."""
    where = f"record {index}" + (f" of {source}" if source else "")
    fields = _csv_fields(record, delim, use_quote, select, where)
    if defaults is None:
        return fields
    if len(fields) != len(defaults):
        raise InvalidArgumentError(f"decode_csv: Expect {len(defaults)} fields but have "
                                   f"{len(fields)} in {where}")
    out = []
    for f, (text, default) in enumerate(zip(fields, defaults)):
        if not text or text == na:
            if default.size != 1:
                raise InvalidArgumentError(
                    f"decode_csv: Field {f} is required but missing in {where}!")
            out.append(default.reshape(())[()])
        else:
            dtype = dtypes.from_numpy(default.dtype).name
            value = _csv_value(text, dtype, f, where)
            with np.errstate(over="ignore"):  # 1e40 is inf as float32, as strtof makes it
                out.append(np.array(value, default.dtype)[()] if dtype != "string" else value)
    return out


def csv_defaults(record_defaults, what):
    """The column defaults as NumPy arrays of 0 (required) or 1 element: from tensors, Python
    values ([] is a required float32 column, as in TF) or, for CsvDataset, dtypes."""
    from graphflow.ops.registry import to_array
    out = []
    for i, d in enumerate(record_defaults):
        if isinstance(d, (dtypes.DType, str)) and not isinstance(d, bytes) and \
                what == "CsvDataset" and (isinstance(d, dtypes.DType) or d in _CSV_TYPES):
            dtype = dtypes.as_dtype(d)
            array = np.zeros((0,), dtype.np) if dtype is not STRING else np.empty((0,), object)
        elif isinstance(d, EagerTensor):
            array = d.numpy()
        else:
            array = np.asarray(to_array(d, None, what))
        if array.ndim > 1:
            raise InvalidArgumentError(f"{what}: Each record default should be at most rank 1 "
                                       f"(record_defaults[{i}] has shape {list(array.shape)})")
        if array.size > 1:
            raise InvalidArgumentError(f"{what}: There should only be 1 default per field but "
                                       f"field {i} has {array.size}")
        if dtypes.from_numpy(array.dtype).name not in _CSV_TYPES:
            raise InvalidArgumentError(
                f"{what}: record_defaults[{i}] has dtype {dtypes.from_numpy(array.dtype).name};"
                " the column types can be float32, float64, int32, int64 or string")
        out.append(array)
    return out


def _csv_ref(records, *defaults, field_delim, use_quote_delim, na_value, select_cols):
    _csv_infer([rules.ArraySpec(records)] + [rules.ArraySpec(d) for d in defaults], field_delim,
               use_quote_delim, na_value, select_cols)
    for i, d in enumerate(defaults):
        if d.size > 1:
            raise InvalidArgumentError(f"decode_csv: There should only be 1 default per field "
                                       f"but field {i} has {d.size}")
    delim, na = field_delim.encode()[0], na_value.encode()
    columns = [np.empty(records.size, d.dtype) for d in defaults]
    for index, record in enumerate(records.reshape(-1)):
        row = csv_row(record, delim, use_quote_delim, select_cols, index, None, defaults, na)
        for column, value in zip(columns, row):
            column[index] = value
    return tuple(c.reshape(records.shape) for c in columns)


DECODE_CSV = register("decode_csv", OPAQUE, _csv_infer, _csv_ref, num_outputs=None,
                      doc="CSV records -> one tensor per column")


def decode_csv(records, record_defaults, field_delim=",", use_quote_delim=True, na_value="",
               select_cols=None, name=None):
    """Splits CSV records (a string tensor of any shape) into one tensor per column, each of
    the records' shape. record_defaults gives each column's dtype (float32, float64, int32,
    int64 or string) and the value for an empty field ([] or an empty tensor: the field is
    required). Quoted fields may hold the delimiter and doubled quotes; select_cols picks
    columns (strictly increasing indices).

        >>> [t.numpy().tolist() for t in tf.io.decode_csv(['"a,b",7,x'], [[""], [0]],
        ...                                              select_cols=[0, 1])]
        [[b'a,b'], [7]]
    """
    from graphflow.ops.creation import convert_to_tensor
    if not isinstance(field_delim, str) or not isinstance(na_value, str):
        field_delim = field_delim.decode() if isinstance(field_delim, bytes) else field_delim
        na_value = na_value.decode() if isinstance(na_value, bytes) else na_value
    select = None
    if select_cols is not None:
        select = [int(c) for c in select_cols]
        if any(b <= a for a, b in zip(select, select[1:])):
            raise InvalidArgumentError("select_cols is not strictly increasing.")
        if select and select[0] < 0:
            raise InvalidArgumentError("select_cols contains negative values.")
        if len(select) != len(record_defaults):
            raise InvalidArgumentError("Length of select_cols and record_defaults do not match.")
        select = tuple(select)
    defaults = []
    for i, d in enumerate(record_defaults):
        if isinstance(d, Tensor) and not isinstance(d, EagerTensor):
            defaults.append(d)  # computed in the graph: the op's shape rule checks it
        else:
            try:
                defaults.append(EagerTensor(csv_defaults([d], "decode_csv")[0]))
            except InvalidArgumentError as e:
                raise InvalidArgumentError(str(e).replace("record_defaults[0]",
                                                          f"record_defaults[{i}]").replace(
                    "field 0", f"field {i}")) from None
    if not isinstance(records, Tensor):
        records = convert_to_tensor(records, STRING)
    outs = dispatch(DECODE_CSV, (records,) + tuple(defaults),
                    {"field_delim": field_delim, "use_quote_delim": bool(use_quote_delim),
                     "na_value": na_value, "select_cols": select}, name)
    return list(outs) if isinstance(outs, (tuple, list)) else [outs]
