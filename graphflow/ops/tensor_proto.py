"""tf.io.serialize_tensor and tf.io.parse_tensor: a tensor as the bytes of a TensorProto.

The protocol-buffer wire format is written and read here by hand (graphflow has no protobuf
dependency), byte for byte as TensorFlow writes it: field 1 the dtype enum, field 2 the
TensorShapeProto (field 2: one Dim message per axis, its field 1 the size), then field 4
`tensor_content` (the elements in C order, little-endian) for numbers and bools, or one field
8 `string_val` per element for strings. So a file written by one is read by the other.

Parsing reads TF's other encodings too (what `make_tensor_proto` writes: float_val, int_val,
int64_val, bool_val, half_val..., packed or not, a short list repeating its last value), and
only ever decodes numbers and byte strings: nothing in the input is executed or looked up.
Malformed bytes raise InvalidArgumentError with TF's messages.

    >>> import graphflow as tf
    >>> data = tf.io.serialize_tensor(tf.constant([1.0, 2.0]))
    >>> data.numpy().hex()
    '080112041202080222080000803f00000040'
    >>> tf.io.parse_tensor(data, tf.float32).numpy()
    array([1., 2.], dtype=float32)
"""
import base64
import struct

import numpy as np

from graphflow import dtypes
from graphflow.errors import InvalidArgumentError
from graphflow.ops import rules
from graphflow.ops.registry import OPAQUE, dispatch, register

# TF's DataType enum (types.proto) and the names its messages use (DataTypeString).
TF_ENUM = {"float32": 1, "float64": 2, "int32": 3, "uint8": 4, "int16": 5, "int8": 6,
           "string": 7, "int64": 9, "bool": 10, "float16": 19}
TF_NAMES = {1: "float", 2: "double", 3: "int32", 4: "uint8", 5: "int16", 6: "int8", 7: "string",
            8: "complex64", 9: "int64", 10: "bool", 11: "qint8", 12: "quint8", 13: "qint32",
            14: "bfloat16", 15: "qint16", 16: "quint16", 17: "uint16", 18: "complex128",
            19: "half", 20: "resource", 21: "variant", 22: "uint32", 23: "uint64"}
_BY_ENUM = {enum: dtypes.as_dtype(name) for name, enum in TF_ENUM.items()}

# The TensorProto field holding each dtype's values when tensor_content is empty, and how one
# value is read from it: "varint" (int32 values sign-extended to 64 bits), "f" or "d" (fixed
# 32/64-bit floats), "bytes".
_VALUE_FIELD = {"float32": (5, "f"), "float64": (6, "d"), "int32": (7, "varint"),
                "int16": (7, "varint"), "int8": (7, "varint"), "uint8": (7, "varint"),
                "int64": (10, "varint"), "bool": (11, "varint"), "float16": (13, "varint"),
                "string": (8, "bytes")}
_MAX_ELEMENTS = 2 ** 62  # (TF rejects shapes whose element count overflows int64)


# -- writing -------------------------------------------------------------------------------------

def _varint(n):
    out = bytearray()
    while True:
        low, n = n & 0x7F, n >> 7
        if n:
            out.append(low | 0x80)
        else:
            out.append(low)
            return bytes(out)


def _length_delimited(number, payload):
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def serialize(array):
    """The TensorProto bytes of an ndarray, as TF's SerializeTensor writes them."""
    name = dtypes.from_numpy(array.dtype).name
    dims = b"".join(_length_delimited(2, b"\x08" + _varint(d) if d else b"")
                    for d in array.shape)
    out = [b"\x08" + _varint(TF_ENUM[name]), _length_delimited(2, dims)]
    if name == "string":
        out.extend(_length_delimited(8, bytes(v)) for v in array.reshape(-1))
    elif array.size:
        content = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<")).tobytes()
        out.append(_length_delimited(4, content))
    return b"".join(out)


# -- reading -------------------------------------------------------------------------------------

class _Malformed(Exception):
    """The bytes are not a protocol buffer at all."""


class _Invalid(Exception):
    """A well-formed protocol buffer that is not a valid tensor."""


def _read_varint(data, pos):
    result = shift = 0
    while True:
        if pos >= len(data) or shift > 63:
            raise _Malformed
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result & 0xFFFFFFFFFFFFFFFF, pos
        shift += 7


def _fields(data):
    """(field number, wire type, value) for each field of a message: value is an int for
    varints, bytes otherwise."""
    pos, end = 0, len(data)
    while pos < end:
        key, pos = _read_varint(data, pos)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise _Malformed
        if wire == 0:
            value, pos = _read_varint(data, pos)
        elif wire in (1, 5):
            size = 8 if wire == 1 else 4
            if pos + size > end:
                raise _Malformed
            value, pos = data[pos:pos + size], pos + size
        elif wire == 2:
            size, pos = _read_varint(data, pos)
            if pos + size > end:
                raise _Malformed
            value, pos = data[pos:pos + size], pos + size
        elif wire == 3:  # a (deprecated) group: an unknown field to skip, as protobuf does
            pos = _skip_group(data, pos, number)
            continue
        else:  # an end-group without its start, or the wire types 6 and 7, which do not exist
            raise _Malformed
        yield number, wire, value


def _skip_group(data, pos, number):
    while True:
        key, pos = _read_varint(data, pos)
        n, wire = key >> 3, key & 7
        if wire == 4:
            if n != number:
                raise _Malformed
            return pos
        if n == 0:
            raise _Malformed
        if wire == 0:
            _, pos = _read_varint(data, pos)
        elif wire in (1, 5):
            pos += 8 if wire == 1 else 4
        elif wire == 2:
            size, pos = _read_varint(data, pos)
            pos += size
        elif wire == 3:
            pos = _skip_group(data, pos, n)
        else:
            raise _Malformed
        if pos > len(data):
            raise _Malformed


def _signed(n):
    return n - (1 << 64) if n >= 1 << 63 else n


def _shape(data):
    dims, unknown_rank = [], False
    for number, wire, value in _fields(data):
        if number == 2 and wire == 2:
            size = 0
            for n, w, v in _fields(value):
                if n == 1 and w == 0:
                    size = _signed(v)
            dims.append(size)
        elif number == 3 and wire == 0:
            unknown_rank = bool(value)
    if unknown_rank:  # TF reads a shape of unknown rank as a scalar's
        return ()
    if any(d < 0 for d in dims):
        raise _Invalid(f"the shape {dims} has unknown (negative) dimensions")
    return tuple(dims)


def _values(raw, wire, kind):
    """The values of one occurrence of a repeated field, packed or not."""
    if kind == "bytes":
        if wire != 2:
            raise _Malformed
        return [raw]
    if kind == "varint":
        if wire == 0:
            return [raw]
        if wire != 2:
            raise _Malformed
        out, pos = [], 0
        while pos < len(raw):
            v, pos = _read_varint(raw, pos)
            out.append(v)
        return out
    size = 4 if kind == "f" else 8
    if wire == (5 if kind == "f" else 1):
        return list(struct.unpack("<" + kind, raw))
    if wire != 2 or len(raw) % size:
        raise _Malformed
    return list(struct.unpack(f"<{len(raw) // size}{kind}", raw))


def _typed(values, dtype):
    if dtype is dtypes.string:
        return np.array(values, dtype=object)
    if dtype is dtypes.float16:  # half_val holds each half's 16 bits in an int32
        return np.array([v & 0xFFFF for v in values], np.uint16).view(np.float16)
    if dtype.is_floating:
        return np.array(values, dtype.np)
    if dtype is dtypes.bool:
        return np.array([v != 0 for v in values], np.bool_)
    # Integers wrap to their width, as protobuf's int32 and C++'s casts do.
    return np.array([_signed(v) for v in values], np.int64).astype(dtype.np)


def parse(data, out_type):
    """The ndarray a serialized TensorProto holds; raises InvalidArgumentError with TF's
    messages when `data` is not one or holds another dtype than `out_type`."""
    try:
        return _parse(data, out_type)
    except _Malformed:
        encoded = base64.b64encode(data[:64]).decode()
        raise InvalidArgumentError(
            f"parse_tensor: Could not parse `serialized` as TensorProto, base64: {encoded}"
            f"{'...' if len(data) > 64 else ''}") from None
    except _Invalid as e:
        raise InvalidArgumentError(f"parse_tensor: Cannot parse tensor from proto: {e}") from None


def _parse(data, out_type):
    enum, shape, content, lists = 0, (), None, {}
    for number, wire, value in _fields(data):
        if number == 1 and wire == 0:
            enum = value
        elif number == 2 and wire == 2:
            shape = _shape(value)
        elif number == 4 and wire == 2:
            content = value
        elif wire == 2 or wire in (0, 1, 5):
            lists.setdefault(number, []).append((wire, value))
    if enum not in TF_NAMES:
        raise _Invalid(f"dtype enum {enum} is not a TensorFlow dtype")
    tf_name = TF_NAMES[enum]
    dtype = _BY_ENUM.get(enum)
    if dtype is not out_type:
        raise InvalidArgumentError(
            f"parse_tensor: Type mismatch between parsed tensor ({tf_name}) and dtype "
            f"({TF_NAMES[TF_ENUM[out_type.name]]})")
    count = 1
    for d in shape:
        count *= d
        if count > _MAX_ELEMENTS:
            raise _Invalid(f"the shape {list(shape)} has too many elements")
    if content and dtype is not dtypes.string:
        itemsize = np.dtype(dtype.np).itemsize
        if len(content) != count * itemsize:
            raise _Invalid(f"tensor_content holds {len(content)} bytes, but shape {list(shape)} "
                           f"of {tf_name} needs {count * itemsize}")
        array = np.frombuffer(content, np.dtype(dtype.np).newbyteorder("<"))
        return array.astype(dtype.np).reshape(shape)
    number, kind = _VALUE_FIELD[dtype.name]
    values = []
    for wire, raw in lists.get(number, ()):
        values.extend(_values(raw, wire, kind))
    values = values[:count]  # TF ignores values beyond the shape's
    if not values:  # no values: zeros (empty strings), as TF fills them
        return np.zeros(shape, dtype.np) if dtype is not dtypes.string else \
            np.full(shape, b"", dtype=object)
    array = _typed(values, dtype)
    if len(values) < count:  # TF repeats the last value (make_tensor_proto's splats)
        array = np.concatenate([array, np.repeat(array[-1:], count - len(values))])
    return array.reshape(shape)


# -- the ops -------------------------------------------------------------------------------------

def _serialize_infer(specs):
    if specs[0].dtype.name not in TF_ENUM:
        raise InvalidArgumentError(
            f"serialize_tensor: cannot serialize a {specs[0].dtype.name} tensor")
    return [((), dtypes.string)]


def _serialize_ref(x):
    if x.dtype.name not in TF_ENUM and x.dtype.kind != "O":
        _serialize_infer([rules.ArraySpec(x)])
    return np.array(serialize(x), dtype=object)


def _parse_infer(specs, out_type):
    x = specs[0]
    rules.check_kind("parse_tensor", x, "O")
    if x.shape is not None and len(x.shape) != 0:
        raise InvalidArgumentError(
            f"parse_tensor: Expected `serialized` to be a scalar, got shape: "
            f"{list(x.shape)}")
    return [(None, dtypes.as_dtype(out_type))]


def _parse_ref(x, out_type):
    if x.dtype.kind != "O" or x.ndim:
        _parse_infer([rules.ArraySpec(x)], out_type)
    return parse(bytes(x[()]), dtypes.as_dtype(out_type))


SERIALIZE_TENSOR = register(
    "serialize_tensor", OPAQUE, _serialize_infer, _serialize_ref,
    doc="TF's SerializeTensor: the tensor as the bytes of a TensorProto (a scalar string).")
PARSE_TENSOR = register(
    "parse_tensor", OPAQUE, _parse_infer, _parse_ref,
    doc="TF's ParseTensor: the tensor held by a serialized TensorProto of dtype out_type.")


def serialize_tensor(tensor, name=None):
    """The tensor as a serialized TensorProto: a scalar string, byte for byte what TF writes,
    so tf.io.parse_tensor in TensorFlow reads it back (and graphflow reads TF's).

        >>> tf.io.serialize_tensor(tf.constant(["ab", ""])).numpy()
        b'\\x08\\x07\\x12\\x04\\x12\\x02\\x08\\x02B\\x02abB\\x00'
    """
    return dispatch(SERIALIZE_TENSOR, (tensor,), None, name)


def parse_tensor(serialized, out_type, name=None):
    """The tensor held by a serialized TensorProto (from tf.io.serialize_tensor, here or in
    TensorFlow). `out_type` must be its dtype; the shape is known only once it is parsed.

        >>> tf.io.parse_tensor(tf.io.serialize_tensor(tf.constant([[1, 2]])), tf.int32).numpy()
        array([[1, 2]], dtype=int32)
        >>> tf.io.parse_tensor(tf.io.serialize_tensor(tf.constant([1.0])), tf.int32)
        Traceback (most recent call last):
        ...
        graphflow.errors.InvalidArgumentError: parse_tensor: Type mismatch between parsed tensor (float) and dtype (int32)
    """
    from graphflow.ops.creation import convert_to_tensor
    from graphflow.tensor import Tensor, Variable
    out_type = dtypes.as_dtype(out_type)
    if out_type.name not in TF_ENUM:
        raise InvalidArgumentError(f"parse_tensor: cannot parse a {out_type.name} tensor")
    if not isinstance(serialized, (Tensor, Variable)):
        serialized = convert_to_tensor(serialized, dtypes.string)
    return dispatch(PARSE_TENSOR, (serialized,), {"out_type": out_type.name}, name)
