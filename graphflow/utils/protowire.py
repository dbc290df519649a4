"""The protocol buffer wire format, by hand: what tf.train.Example and its parsing ops need
(varints, tags, length-delimited fields, fixed32 floats), so that graphflow needs no protobuf
package.

A message is a sequence of fields, each a varint tag (field number << 3 | wire type) and a
payload: a varint (type 0), 8 bytes (1), a varint length and that many bytes (2), or 4 bytes (5).

    >>> encode_varint(300).hex()
    'ac02'
    >>> list(fields(bytes.fromhex("08ac02"), "Demo"))
    [(1, 0, 300)]
"""
from graphflow.errors import InvalidArgumentError

VARINT, FIXED64, LENGTH, FIXED32 = 0, 1, 2, 5
_MASK64 = (1 << 64) - 1


class DecodeError(InvalidArgumentError):
    """Bytes that are not a valid serialized message (protobuf's google.protobuf.message.
    DecodeError; an InvalidArgumentError here)."""


def _corrupt(message, detail):
    return DecodeError(f"Error parsing message with type '{message}': Wire format was corrupt "
                       f"({detail})")


def encode_varint(n):
    """The varint of an int; negative numbers as their 64-bit two's complement (10 bytes)."""
    n &= _MASK64
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def tag(number, wire_type):
    return encode_varint(number << 3 | wire_type)


def length_delimited(number, payload):
    return tag(number, LENGTH) + encode_varint(len(payload)) + payload


def decode_varint(data, pos, end, message):
    """(value, next position) of the varint at data[pos:]."""
    result = shift = 0
    while True:
        if pos >= end:
            raise _corrupt(message, "truncated varint")
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result & _MASK64, pos
        shift += 7
        if shift >= 70:
            raise _corrupt(message, "a varint longer than 10 bytes")


def signed64(n):
    """A decoded varint as the int64 it encodes."""
    return n - (1 << 64) if n >= 1 << 63 else n


def fields(data, message, start=0, end=None):
    """(field number, wire type, value) for each field of the message in data[start:end]: the
    value is an int for varints, a (start, end) pair of positions in `data` for length-delimited
    fields, and the raw bytes of fixed32/fixed64 fields. Raises DecodeError, naming `message`,
    for bytes that are not a message."""
    end = len(data) if end is None else end
    pos = start
    while pos < end:
        key, pos = decode_varint(data, pos, end, message)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise _corrupt(message, f"field number 0 at byte {pos - start}")
        if wire == VARINT:
            value, pos = decode_varint(data, pos, end, message)
        elif wire == LENGTH:
            size, pos = decode_varint(data, pos, end, message)
            if size > end - pos:
                raise _corrupt(message, f"field {number} has {size} bytes but only {end - pos} "
                                           "are left")
            value, pos = (pos, pos + size), pos + size
        elif wire in (FIXED32, FIXED64):
            width = 4 if wire == FIXED32 else 8
            if width > end - pos:
                raise _corrupt(message, f"truncated fixed{width * 8} field {number}")
            value, pos = bytes(data[pos:pos + width]), pos + width
        else:
            raise _corrupt(message, f"wire type {wire} of field {number}")
        yield number, wire, value


def encode_field(number, wire, value):
    """The bytes of one field as `fields` decoded it (kept unknown fields are written back)."""
    if wire == VARINT:
        return tag(number, VARINT) + encode_varint(value)
    if wire == LENGTH:
        return length_delimited(number, value)
    return tag(number, wire) + value
