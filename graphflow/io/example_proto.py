"""tf.train.Example and its parts (Features, Feature, BytesList, FloatList, Int64List,
SequenceExample, FeatureLists, FeatureList) as Python classes with the subset of the protobuf
message API the tf.data guides use, reading and writing the protobuf wire format by hand
(graphflow/utils/protowire.py; no protobuf package).

The bytes are TF's: `SerializeToString()` writes the fields in number order and map entries
sorted by key, which is what TF writes with `deterministic=True` (TF's default order of map
entries is a hash order that changes from process to process; for one key it is the same).
`str(message)` is protobuf's text format as TF 2.21 prints it (map entries by descending key,
floats with 6 significant digits unless 9 are needed to read back the same float32).

    >>> import graphflow as tf
    >>> ex = tf.train.Example(features=tf.train.Features(feature={
    ...     "x": tf.train.Feature(float_list=tf.train.FloatList(value=[1.5]))}))
    >>> ex.SerializeToString().hex()
    '0a0f0a0d0a0178120812060a040000c03f'
    >>> tf.train.Example.FromString(ex.SerializeToString()).features.feature["x"].float_list.value
    [1.5]
    >>> print(ex)
    features {
      feature {
        key: "x"
        value {
          float_list {
            value: 1.5
          }
        }
      }
    }
    <BLANKLINE>
"""
import numbers
import struct

import numpy as np

from graphflow.errors import InvalidArgumentError, InvalidTypeError
from graphflow.utils import protowire as wire
from graphflow.utils.protowire import DecodeError  # noqa: F401 - what parsing raises

_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1


# -- scalar field types: conversion on assignment, wire encoding, text --------------------------

def _check_float(v):
    if not (isinstance(v, numbers.Real) or hasattr(v, "__float__")):
        raise InvalidTypeError(f"must be real number, not {type(v).__name__}")
    with np.errstate(over="ignore"):  # beyond float32's range is +-inf, as protobuf stores it
        return float(np.float32(float(v)))


def _check_int64(v, field):
    if isinstance(v, bool):
        raise InvalidTypeError(f"Field {field}: Expected an int, got a boolean.")
    if hasattr(v, "numpy") and not hasattr(v, "__index__"):
        v = v.numpy()
    try:
        n = v.__index__()
    except (AttributeError, TypeError):
        raise InvalidTypeError(
            f"'{_type_name(v)}' object cannot be interpreted as an integer") from None
    if not _INT64_MIN <= n <= _INT64_MAX:
        raise InvalidArgumentError(f"Value out of range: {n}")
    return n


def _check_bytes(v):
    if hasattr(v, "numpy") and not isinstance(v, (bytes, str)):
        v = v.numpy()
        if isinstance(v, np.ndarray) and v.ndim == 0:
            v = v[()]
    if isinstance(v, bytes):
        return bytes(v)
    raise InvalidTypeError(f"expected bytes, {_type_name(v)} found")


def _type_name(v):
    module = type(v).__module__
    return type(v).__name__ if module == "builtins" else f"{module}.{type(v).__name__}"


def _text_float(v):
    if v != v:
        return "nan"
    if v in (float("inf"), float("-inf")):
        return "inf" if v > 0 else "-inf"
    s = "%.6g" % v
    if struct.unpack("<f", struct.pack("<f", float(s)))[0] != v:
        s = "%.9g" % v
    return s


_ESCAPES = {ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t", ord('"'): '\\"',
            ord("'"): "\\'", ord("\\"): "\\\\"}


def _text_bytes(b, utf8=False):
    """A quoted string as protobuf's text format writes it: bytes fields escape every byte
    outside printable ASCII in octal; string fields (map keys) keep their UTF-8."""
    out = []
    for c in b:
        if c in _ESCAPES:
            out.append(_ESCAPES[c])
        elif c < 0x20 or c == 0x7F or c >= 0x80 and not utf8:
            out.append("\\%03o" % c)
        else:
            out.append(chr(c))
    text = "".join(out)
    if utf8:
        text = text.encode("latin-1").decode("utf-8", "replace")
    return '"' + text + '"'


# -- containers -------------------------------------------------------------------------------

class RepeatedScalarContainer:
    """A repeated scalar field (a list whose items are checked on the way in)."""

    __slots__ = ("_items", "_check", "_owner")

    def __init__(self, check, owner):
        self._items = []
        self._check = check
        self._owner = owner

    def append(self, value):
        self._items.append(self._check(value))
        self._owner._modified()

    def extend(self, values):
        items = [self._check(v) for v in _iterable(values)]
        self._items.extend(items)
        self._owner._modified()

    def insert(self, index, value):
        self._items.insert(index, self._check(value))
        self._owner._modified()

    def pop(self, index=-1):
        return self._items.pop(index)

    def remove(self, value):
        self._items.remove(value)

    def __setitem__(self, index, value):
        if isinstance(index, slice):
            self._items[index] = [self._check(v) for v in value]
        else:
            self._items[index] = self._check(value)
        self._owner._modified()

    def __delitem__(self, index):
        del self._items[index]

    def __getitem__(self, index):
        return self._items[index]

    def __len__(self):
        return len(self._items)

    def __iter__(self):
        return iter(self._items)

    def __eq__(self, other):
        if isinstance(other, RepeatedScalarContainer):
            return self._items == other._items
        return isinstance(other, (list, tuple)) and self._items == list(other)

    __hash__ = None

    def __repr__(self):
        return repr(self._items)


class RepeatedCompositeContainer:
    """A repeated message field: add(**fields) makes a new element."""

    __slots__ = ("_items", "_cls", "_owner")

    def __init__(self, cls, owner):
        self._items = []
        self._cls = cls
        self._owner = owner

    def add(self, **kwargs):
        item = self._cls(**kwargs)
        item._parent = self._owner._modified
        self._items.append(item)
        self._owner._modified()
        return item

    def append(self, message):
        self.add().CopyFrom(_message(self._cls, message))

    def extend(self, messages):
        for m in _iterable(messages):
            self.append(m)

    def __getitem__(self, index):
        return self._items[index]

    def __delitem__(self, index):
        del self._items[index]

    def __len__(self):
        return len(self._items)

    def __iter__(self):
        return iter(self._items)

    def __eq__(self, other):
        if isinstance(other, RepeatedCompositeContainer):
            return self._items == other._items
        return isinstance(other, (list, tuple)) and self._items == list(other)

    __hash__ = None

    def __repr__(self):
        return repr(self._items)


class MessageMap:
    """A map<string, message> field: reading a missing key inserts a default message."""

    __slots__ = ("_items", "_cls", "_owner")

    def __init__(self, cls, owner):
        self._items = {}
        self._cls = cls
        self._owner = owner

    def _key(self, key):
        if isinstance(key, bytes):
            return key.decode("utf-8")
        if not isinstance(key, str):
            raise InvalidTypeError(f"map keys must be str, got {type(key).__name__}")
        return key

    def __getitem__(self, key):
        key = self._key(key)
        item = self._items.get(key)
        if item is None:
            item = self._items[key] = self._cls()
            item._parent = self._owner._modified
            self._owner._modified()
        return item

    get_or_create = __getitem__

    def __setitem__(self, key, value):
        raise InvalidArgumentError("Message objects may not be assigned")

    def get(self, key, default=None):
        return self._items.get(self._key(key), default)

    def __contains__(self, key):
        return self._key(key) in self._items

    def __delitem__(self, key):
        del self._items[self._key(key)]

    def __len__(self):
        return len(self._items)

    def __iter__(self):
        return iter(self._items)

    def keys(self):
        return self._items.keys()

    def values(self):
        return self._items.values()

    def items(self):
        return self._items.items()

    def clear(self):
        self._items.clear()

    def __eq__(self, other):
        if isinstance(other, MessageMap):
            return self._items == other._items
        return isinstance(other, dict) and self._items == other

    __hash__ = None

    def __repr__(self):
        return repr(self._items)


def _iterable(values):
    if hasattr(values, "numpy") and not isinstance(values, (str, bytes)):
        values = values.numpy()
    if isinstance(values, np.ndarray):
        if values.ndim != 1:
            raise InvalidTypeError("only integer scalar arrays can be converted to a scalar index"
                                   if values.dtype.kind in "iu" else
                                   f"a repeated field takes a 1-D sequence, got shape "
                                   f"{list(values.shape)}")
        return list(values)
    try:
        return list(iter(values))
    except TypeError:
        raise InvalidTypeError("must assign iterable") from None


def _message(cls, value):
    if isinstance(value, cls):
        return value
    if isinstance(value, dict):
        return cls(**value)
    raise InvalidTypeError(
        f"Parameter to initialize message field must be dict or instance of same class: "
        f"expected {cls!r} got {type(value)!r}.")


# -- messages ---------------------------------------------------------------------------------

class _Field:
    """kind: "float", "int64", "bytes" (repeated scalars), "message", "repeated_message" or
    "map" (map<string, message>)."""

    __slots__ = ("name", "number", "kind", "cls", "oneof")

    def __init__(self, name, number, kind, cls=None, oneof=None):
        self.name, self.number, self.kind, self.cls, self.oneof = name, number, kind, cls, oneof


class Message:
    """What the message classes share: construction from keyword arguments, field access,
    presence, the wire format and the text format."""

    _FIELDS = ()
    _NAME = ""

    def __init__(self, *args, **kwargs):
        if args:
            raise InvalidTypeError("No positional arguments allowed")
        object.__setattr__(self, "_values", {})
        object.__setattr__(self, "_present", set())
        object.__setattr__(self, "_unknown", [])
        object.__setattr__(self, "_parent", None)
        by_name = self._by_name()
        for name, value in kwargs.items():
            field = by_name.get(name)
            if field is None:
                raise InvalidArgumentError(f'Protocol message {type(self).__name__} has no "{name}" field.')
            if value is None:
                continue
            if field.kind == "message":
                getattr(self, name).CopyFrom(_message(field.cls, value))
                self._set_present(field)
            elif field.kind == "map":
                target = getattr(self, name)
                if not hasattr(value, "items"):
                    raise InvalidTypeError(f"{type(self).__name__}.{name} takes a dict, got "
                                           f"{type(value).__name__}")
                for k, v in value.items():
                    target[k].CopyFrom(_message(field.cls, v))
            else:
                getattr(self, name).extend(value)

    @classmethod
    def _by_name(cls):
        table = cls.__dict__.get("_BY_NAME")
        if table is None:
            table = {f.name: f for f in cls._FIELDS}
            cls._BY_NAME = table
            cls._BY_NUMBER = {f.number: f for f in cls._FIELDS}
        return table

    def _field(self, name):
        field = self._by_name().get(name)
        if field is None:
            raise InvalidArgumentError(f'Protocol message {type(self).__name__} has no "{name}" field.')
        return field

    def _get(self, field):
        value = self._values.get(field.name)
        if value is None:
            if field.kind == "message":
                value = field.cls()
                value._parent = lambda f=field: self._set_present(f)
            elif field.kind == "map":
                value = MessageMap(field.cls, self)
            elif field.kind == "repeated_message":
                value = RepeatedCompositeContainer(field.cls, self)
            else:
                value = RepeatedScalarContainer(_CHECKS[field.kind](self, field), self)
            self._values[field.name] = value
        return value

    def _set_present(self, field):
        if field.name not in self._present:
            if field.oneof is not None:
                for other in self._FIELDS:
                    if other.oneof == field.oneof and other is not field:
                        self._present.discard(other.name)
                        self._values.pop(other.name, None)
            self._present.add(field.name)
        self._modified()

    def _modified(self):
        if self._parent is not None:
            self._parent()

    def __setattr__(self, name, value):
        if name.startswith("_"):
            object.__setattr__(self, name, value)
            return
        field = self._by_name().get(name)
        if field is None:
            raise AttributeError(
                f"'{type(self).__name__}' object has no attribute '{name}'")
        if field.kind == "message":
            raise AttributeError(f'Assignment not allowed to message field "{name}" in '
                                 'protocol message object.')
        raise AttributeError(f'Assignment not allowed to map, or repeated field "{name}" in '
                             'protocol message object.')

    # -- the protobuf message API ----------------------------------------------------------------
    def HasField(self, name):
        field = self._field(name)
        if field.kind != "message":
            raise InvalidArgumentError(f"Field tensorflow.{self._NAME}.{name} does not have presence.")
        return name in self._present

    def WhichOneof(self, oneof_group):
        members = [f for f in self._FIELDS if f.oneof == oneof_group]
        if not members:
            raise InvalidArgumentError(
                f'Protocol message {type(self).__name__} has no "{oneof_group}" field.')
        for f in members:
            if f.name in self._present:
                return f.name
        return None

    def ClearField(self, name):
        self._field(name)
        self._values.pop(name, None)
        self._present.discard(name)

    def Clear(self):
        self._values.clear()
        self._present.clear()
        self._unknown.clear()

    def ListFields(self):
        """(field name, value) of the fields that are set, in field number order (protobuf
        gives field descriptors where graphflow gives names)."""
        out = []
        for f in self._FIELDS:
            if f.kind == "message":
                if f.name in self._present:
                    out.append((f.name, self._values[f.name]))
            elif len(self._values.get(f.name) or ()):
                out.append((f.name, self._values[f.name]))
        return out

    def CopyFrom(self, other):
        if other is self:
            return
        if not isinstance(other, type(self)):
            raise InvalidTypeError(f"Parameter to CopyFrom() must be instance of same class: "
                                   f"expected {type(self).__name__} got {type(other).__name__}.")
        self.Clear()
        self.MergeFrom(other)

    def MergeFrom(self, other):
        if not isinstance(other, type(self)):
            raise InvalidTypeError(f"Parameter to MergeFrom() must be instance of same class: "
                                   f"expected {type(self).__name__} got {type(other).__name__}.")
        self.MergeFromString(other.SerializeToString())

    def IsInitialized(self):
        return True

    def SerializeToString(self, deterministic=None):
        """The wire format: fields in number order, map entries sorted by key."""
        out = []
        for f in self._FIELDS:
            value = self._values.get(f.name)
            if f.kind == "message":
                if f.name in self._present:
                    out.append(wire.length_delimited(f.number, value.SerializeToString()))
            elif value is None or not len(value):
                continue
            elif f.kind == "map":
                for key in sorted(value.keys()):
                    entry = wire.length_delimited(1, key.encode("utf-8")) + wire.length_delimited(
                        2, value._items[key].SerializeToString())
                    out.append(wire.length_delimited(f.number, entry))
            elif f.kind == "repeated_message":
                out.extend(wire.length_delimited(f.number, m.SerializeToString()) for m in value)
            elif f.kind == "bytes":
                out.extend(wire.length_delimited(f.number, b) for b in value)
            elif f.kind == "float":
                out.append(wire.length_delimited(f.number, struct.pack(f"<{len(value)}f",
                                                                       *value._items)))
            else:
                out.append(wire.length_delimited(
                    f.number, b"".join(wire.encode_varint(v) for v in value._items)))
        out.extend(self._unknown)
        return b"".join(out)

    SerializePartialToString = SerializeToString

    def ByteSize(self):
        return len(self.SerializeToString())

    @classmethod
    def FromString(cls, data):
        message = cls()
        message.MergeFromString(data)
        return message

    def ParseFromString(self, data):
        """Replaces the contents with the message in `data`; returns the number of bytes read."""
        self.Clear()
        return self.MergeFromString(data)

    def MergeFromString(self, data):
        if isinstance(data, str):
            raise InvalidTypeError("expected bytes, str found")
        data = bytes(data)
        self._merge(data, 0, len(data), f"tensorflow.{self._NAME}")
        return len(data)

    def _merge(self, data, start, end, name):
        """Merges the fields in data[start:end]; `name` is the outermost message's type, which
        errors name (as protobuf's do)."""
        self._by_name()
        numbers = self._BY_NUMBER
        for number, kind, value in wire.fields(data, name, start, end):
            field = numbers.get(number)
            if field is None or not _wire_matches(field, kind):
                payload = data[value[0]:value[1]] if kind == wire.LENGTH else value
                self._unknown.append(wire.encode_field(number, kind, payload))
                continue
            if field.kind == "message":
                self._get(field)._merge(data, *value, name)
                self._set_present(field)
            elif field.kind == "repeated_message":
                self._get(field).add()._merge(data, *value, name)
            elif field.kind == "map":
                key, entry = "", None
                for n, k, v in wire.fields(data, name, *value):
                    if n == 1 and k == wire.LENGTH:
                        try:
                            key = data[v[0]:v[1]].decode("utf-8")
                        except UnicodeDecodeError:
                            raise DecodeError(f"Error parsing message with type '{name}': "
                                              "String field had bad UTF-8") from None
                    elif n == 2 and k == wire.LENGTH:
                        entry = v
                target = self._get(field)
                target._items.pop(key, None)  # a repeated key: the last entry wins
                item = target[key]
                if entry is not None:
                    item._merge(data, *entry, name)
            else:
                self._get(field)._items.extend(_decode_scalars(field.kind, kind, value, data,
                                                               name))
                self._modified()

    def __eq__(self, other):
        if type(other) is not type(self):
            return False
        return self.SerializeToString() == other.SerializeToString()

    __hash__ = None

    def __ne__(self, other):
        return not self == other

    def _text(self, indent):
        pad = "  " * indent
        lines = []
        for f in self._FIELDS:
            value = self._values.get(f.name)
            if f.kind == "message":
                if f.name in self._present:
                    lines.append(f"{pad}{f.name} {{\n{value._text(indent + 1)}{pad}}}\n")
            elif value is None:
                continue
            elif f.kind == "map":
                for key in sorted(value.keys(), reverse=True):  # as TF 2.21's upb prints them
                    inner = "  " * (indent + 1)
                    lines.append(
                        f"{pad}{f.name} {{\n{inner}key: {_text_bytes(key.encode(), True)}\n"
                        f"{inner}value {{\n{value._items[key]._text(indent + 2)}{inner}}}\n"
                        f"{pad}}}\n")
            elif f.kind == "repeated_message":
                for m in value:
                    lines.append(f"{pad}{f.name} {{\n{m._text(indent + 1)}{pad}}}\n")
            else:
                show = {"float": _text_float, "int64": str, "bytes": _text_bytes}[f.kind]
                lines.extend(f"{pad}{f.name}: {show(v)}\n" for v in value)
        return "".join(lines)

    def __str__(self):
        return self._text(0)

    __repr__ = __str__

    def __reduce__(self):
        return type(self).FromString, (self.SerializeToString(),)

    def __deepcopy__(self, memo=None):
        return type(self).FromString(self.SerializeToString())


def _wire_matches(field, kind):
    if field.kind in ("float", "int64"):
        return kind in (wire.LENGTH, wire.FIXED32 if field.kind == "float" else wire.VARINT)
    return kind == wire.LENGTH


def _decode_scalars(field_kind, kind, value, data, name):
    if field_kind == "bytes":
        return [data[value[0]:value[1]]]
    if field_kind == "float":
        raw = data[value[0]:value[1]] if kind == wire.LENGTH else value
        if len(raw) % 4:
            raise DecodeError(f"Error parsing message with type '{name}': Wire format was "
                              f"corrupt (packed floats of {len(raw)} bytes)")
        return list(struct.unpack(f"<{len(raw) // 4}f", raw))
    if kind == wire.VARINT:
        return [wire.signed64(value)]
    out, pos, end = [], value[0], value[1]
    while pos < end:
        v, pos = wire.decode_varint(data, pos, end, name)
        out.append(wire.signed64(v))
    return out


_CHECKS = {
    "float": lambda msg, f: _check_float,
    "int64": lambda msg, f: (lambda v: _check_int64(v, f"tensorflow.{msg._NAME}.{f.name}")),
    "bytes": lambda msg, f: _check_bytes,
}


def _define(name, fields, doc):
    cls = type(name, (Message,), {"__doc__": doc, "_FIELDS": tuple(fields), "_NAME": name,
                                  "__slots__": ("_values", "_present", "_unknown", "_parent"),
                                  "__module__": __name__})
    for f in fields:
        setattr(cls, f.name, property(lambda self, f=f: self._get(f)))
    return cls


BytesList = _define("BytesList", [_Field("value", 1, "bytes")], "A list of byte strings.")
FloatList = _define("FloatList", [_Field("value", 1, "float")],
                    "A list of float32 values (stored rounded to float32).")
Int64List = _define("Int64List", [_Field("value", 1, "int64")], "A list of int64 values.")
Feature = _define("Feature", [_Field("bytes_list", 1, "message", BytesList, "kind"),
                              _Field("float_list", 2, "message", FloatList, "kind"),
                              _Field("int64_list", 3, "message", Int64List, "kind")],
                  "One of a BytesList, a FloatList or an Int64List (the oneof `kind`).")
Features = _define("Features", [_Field("feature", 1, "map", Feature)],
                   "A map from feature names to Features.")
FeatureList = _define("FeatureList", [_Field("feature", 1, "repeated_message", Feature)],
                      "A sequence of Features.")
FeatureLists = _define("FeatureLists", [_Field("feature_list", 1, "map", FeatureList)],
                       "A map from names to FeatureLists.")
Example = _define("Example", [_Field("features", 1, "message", Features)],
                  "A record of named features: what TFRecord files of training data hold.")
SequenceExample = _define("SequenceExample",
                          [_Field("context", 1, "message", Features),
                           _Field("feature_lists", 2, "message", FeatureLists)],
                          "Context features plus named sequences of features.")
