"""tf.strings: ops on tf.string tensors (NumPy object arrays of bytes, in host memory).

Every op is OPAQUE with no scalar form, so the compiler keeps it out of fused kernels; compiled
plans run it as a NumPy reference step. Byte-level semantics follow TF: `lower`/`upper` change
ASCII letters only unless encoding="utf-8", lengths count bytes unless unit="UTF8_CHAR", and
regular expressions (RE2 in TF, Python's `re` here) see UTF-8 text with ASCII classes (\\w, \\d,
\\s) as RE2 does. Splitting returns a dense tensor for a scalar and a RaggedTensor otherwise,
as TF does.

    >>> import graphflow as tf
    >>> tf.strings.upper(["ab", "c"]).numpy()
    array([b'AB', b'C'], dtype=object)
    >>> tf.strings.to_hash_bucket_fast(["hello"], 1000).numpy()
    array([296])
"""
import codecs
import re

import numpy as np

from graphflow import dtypes
from graphflow.errors import InvalidArgumentError, OutOfRangeError
from graphflow.ops import hashing, rules
from graphflow.ops.ragged import RaggedTensor
from graphflow.ops.registry import OPAQUE, Spec, dispatch, register
from graphflow.tensor import EagerTensor, Tensor

STRING = dtypes.string
WHITESPACE = b" \t\n\v\f\r"  # absl's ASCII whitespace, what TF strips and splits on


# -- helpers -----------------------------------------------------------------------------------

def _check_string(op_name, spec, position=0):
    rules.check_kind(op_name, spec, "O", position)


def _map(fn, x, dtype=object):
    """fn applied to every element of the object array x, as an array of `dtype`."""
    out = np.empty(x.shape, dtype)
    flat = out.reshape(-1)
    for i, v in enumerate(x.reshape(-1)):
        flat[i] = fn(v)
    return out


def _string_rule(name, out_dtype=STRING):
    def infer(specs, **attrs):
        _check_string(name, specs[0])
        return [(specs[0].shape, out_dtype)]
    return infer


def _checked(infer, fn):
    """A reference that first runs the shape rule on its inputs, so the eager path rejects the
    dtypes and attrs graph building rejects, with the same message."""
    def ref(*arrays, **attrs):
        infer([Spec(a.shape, dtypes.from_numpy(a.dtype)) for a in arrays], **attrs)
        return fn(*arrays, **attrs)
    ref.__name__ = f"ref_{getattr(fn, '__name__', 'string_op')}"
    return ref


def _op(name, infer, fn, **kwargs):
    """Registers a string op whose reference checks its inputs with its rule."""
    return register(name, OPAQUE, infer, _checked(infer, fn), **kwargs)


def _text(value, what, op_name):
    """A Python str/bytes attr (a pattern, separator...) from a str, bytes or eager scalar."""
    if isinstance(value, EagerTensor):
        value = value.numpy()
    elif isinstance(value, Tensor):
        raise InvalidArgumentError(
            f"{op_name}: {what} must be a Python string or an eager scalar; a tensor computed "
            "in the graph is not supported")
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, bytes):
        return value.decode("utf-8", "surrogateescape")
    if isinstance(value, str):
        return value
    raise InvalidArgumentError(f"{op_name}: {what} must be a string, got {value!r:.40}")


def _unary(op, x, attrs, name):
    if isinstance(x, RaggedTensor):  # TF applies elementwise string ops to the flat values
        return x.with_flat_values(dispatch(op, (x.flat_values,), attrs, name))
    if not isinstance(x, Tensor) and op is not AS_STRING:
        x = _as_strings(x, op.name)
    return dispatch(op, (x,), attrs, name)


def _as_strings(value, op_name):
    if isinstance(value, (Tensor, RaggedTensor)):  # a RaggedTensor: the op's ragged form
        return value
    from graphflow.ops.registry import to_array
    return EagerTensor(to_array(value, STRING, op_name))


def _decode(b):
    return b.decode("utf-8", "surrogateescape")


def _encode(s):
    return s.encode("utf-8", "surrogateescape")


# -- case, strip, length -----------------------------------------------------------------------

_ENCODINGS = ("", "utf-8")


def _case_ref(upper):
    def ref(x, encoding):
        if encoding == "":  # ASCII letters only, bytes as they are
            return _map(bytes.upper if upper else bytes.lower, x)

        def convert(b):
            s = b.decode("utf-8", "replace")
            return (s.upper() if upper else s.lower()).encode("utf-8")
        return _map(convert, x)
    return ref


def _case_infer(name):
    rule = _string_rule(name)

    def infer(specs, encoding):
        if encoding not in _ENCODINGS:
            raise InvalidArgumentError(
                f"{name}: encoding must be '' (ASCII) or 'utf-8', got {encoding!r}")
        return rule(specs)
    return infer


STRING_LOWER = _op("string_lower", _case_infer("string_lower"), _case_ref(False))
STRING_UPPER = _op("string_upper", _case_infer("string_upper"), _case_ref(True))


def _encoding_attr(encoding):
    return encoding.lower().replace("utf8", "utf-8") if isinstance(encoding, str) else encoding


def lower(input, encoding="", name=None):  # noqa: A002 - TF's argument names
    """Lowercases each string (ASCII letters only unless encoding="utf-8").

        >>> tf.strings.lower("CamelCase").numpy()
        b'camelcase'
    """
    return _unary(STRING_LOWER, input, {"encoding": _encoding_attr(encoding)}, name)


def upper(input, encoding="", name=None):  # noqa: A002
    """Uppercases each string (ASCII letters only unless encoding="utf-8").

        >>> tf.strings.upper("abc").numpy()
        b'ABC'
    """
    return _unary(STRING_UPPER, input, {"encoding": _encoding_attr(encoding)}, name)


STRING_STRIP = _op("string_strip", _string_rule("string_strip"),
                   lambda x: _map(lambda b: b.strip(WHITESPACE), x))


def strip(input, name=None):  # noqa: A002
    """Removes leading and trailing ASCII whitespace.

        >>> tf.strings.strip("  hi\\n").numpy()
        b'hi'
    """
    return _unary(STRING_STRIP, input, {}, name)


_UNITS = ("BYTE", "UTF8_CHAR")


def _utf8_length(b):
    # TF counts the bytes that do not continue a UTF-8 sequence.
    return sum(1 for c in b if c & 0xC0 != 0x80)


def _length_infer(specs, unit):
    if unit not in _UNITS:
        raise InvalidArgumentError(
            f"string_length: unit must be one of {list(_UNITS)}, got {unit!r}")
    return _string_rule("string_length", dtypes.int32)(specs)


def _length_ref(x, unit):
    return _map(len if unit == "BYTE" else _utf8_length, x, np.int32)


STRING_LENGTH = _op("string_length", _length_infer, _length_ref)


def length(input, unit="BYTE", name=None):  # noqa: A002
    """The length of each string in bytes, or in Unicode characters with unit="UTF8_CHAR".

        >>> tf.strings.length(["héllo"], unit="UTF8_CHAR").numpy()
        array([5], dtype=int32)
    """
    return _unary(STRING_LENGTH, input, {"unit": unit}, name)


# -- joining -----------------------------------------------------------------------------------

def _join_shape(name, shapes):
    """String joins take scalars and tensors of one shape (TF does not broadcast them)."""
    out = ()
    for s in shapes:
        if s is None:
            return None
        if len(s) == 0:
            continue
        if out == ():
            out = s
        elif len(s) != len(out) or any(a is not None and b is not None and a != b
                                       for a, b in zip(s, out)):
            raise InvalidArgumentError(
                f"{name}: Input shapes do not match: {rules.fmt(out)} vs. {rules.fmt(s)}")
        else:
            out = tuple(a if a is not None else b for a, b in zip(out, s))
    return out


def _string_join_infer(specs, separator):
    for i, s in enumerate(specs):
        _check_string("string_join", s, i)
    return [(_join_shape("string_join", [s.shape for s in specs]), STRING)]


def _string_join_ref(*xs, separator):
    shape = _join_shape("string_join", [x.shape for x in xs])
    sep = separator.encode("utf-8") if isinstance(separator, str) else separator
    parts = [np.broadcast_to(x, shape).reshape(-1) for x in xs]
    out = np.empty(shape, object)
    flat = out.reshape(-1)
    for i in range(flat.size):
        flat[i] = sep.join(p[i] for p in parts)
    return out


STRING_JOIN = _op("string_join", _string_join_infer, _string_join_ref, same_dtype="all")


def join(inputs, separator="", name=None):
    """Joins strings elementwise across the list `inputs` (scalars or tensors of one shape).

        >>> tf.strings.join(["a", ["b", "c"]], separator="-").numpy()
        array([b'a-b', b'a-c'], dtype=object)
    """
    inputs = list(inputs)
    if not inputs:
        from graphflow.ops.creation import constant
        return constant(b"")
    return dispatch(STRING_JOIN, inputs, {"separator": separator}, name)


def _reduce_join_infer(specs, axis, keepdims, separator):
    (x,) = specs
    _check_string("reduce_join", x)
    if x.shape is None:
        return [(None, STRING)]
    axes = range(len(x.shape)) if axis is None else axis
    for a in axes:
        if not 0 <= a < len(x.shape):
            raise OutOfRangeError(
                f"reduce_join: Invalid reduction dimension {a} for input with "
                f"{len(x.shape)} dimension(s)")
    return [(rules.reduced_shape(x.shape, tuple(sorted(axes)), keepdims), STRING)]


def _reduce_join_ref(x, axis, keepdims, separator):
    # TF joins along the first listed axis fastest (axis=None: row-major order, last axis fastest)
    order = tuple(reversed(range(x.ndim))) if axis is None else tuple(axis)
    kept = [a for a in range(x.ndim) if a not in order]
    moved = np.transpose(x, kept + list(reversed(order)))
    out = np.empty([x.shape[a] for a in kept], object)
    sep = separator.encode("utf-8") if isinstance(separator, str) else separator
    flat = out.reshape(-1)
    src = moved.reshape(flat.size, int(np.prod([x.shape[a] for a in order], dtype=np.int64)))
    for i in range(flat.size):
        flat[i] = sep.join(src[i])
    if keepdims:
        out = out.reshape([1 if a in order else d for a, d in enumerate(x.shape)])
    return out


REDUCE_JOIN = _op("reduce_join", _reduce_join_infer, _reduce_join_ref)


def reduce_join(inputs, axis=None, keepdims=False, separator="", name=None):
    """Joins the strings along `axis` (all axes when None; with a list of axes the first one
    listed varies fastest, as in TF).

        >>> tf.strings.reduce_join([["a", "b"], ["c", "d"]], axis=1, separator=",").numpy()
        array([b'a,b', b'c,d'], dtype=object)
    """
    x = inputs if isinstance(inputs, Tensor) else _as_strings(inputs, "reduce_join")
    rank = x.shape.rank
    if axis is not None:
        axes = [int(a) for a in np.asarray(axis.numpy() if isinstance(axis, EagerTensor)
                                           else axis).reshape(-1)]
        if rank is not None:
            for a in axes:
                if not -rank <= a < rank:
                    raise OutOfRangeError(
                        f"reduce_join: Invalid reduction dimension {a} for input with {rank} "
                        "dimension(s)")
            axes = [a % rank for a in axes]
        if len(set(axes)) != len(axes):
            raise InvalidArgumentError(f"reduce_join: Duplicate reduction dimension in {axes}")
        axis = tuple(axes)
    return dispatch(REDUCE_JOIN, (x,), {"axis": axis, "keepdims": bool(keepdims),
                                        "separator": separator}, name)


# -- regular expressions -----------------------------------------------------------------------

_COMPILED = {}


def _compile(op_name, pattern):
    """A compiled pattern over decoded text; ASCII classes as RE2's."""
    found = _COMPILED.get(pattern)
    if found is None:
        try:
            found = re.compile(pattern, re.ASCII)
        except re.error as e:
            raise InvalidArgumentError(f"{op_name}: Invalid pattern: {pattern}, error: {e}") \
                from None
        if len(_COMPILED) < 512:
            _COMPILED[pattern] = found
    return found


def _rewriter(rewrite):
    r"""RE2's rewrite string (\0..\9 groups, \\ a backslash) as a function of a match."""
    parts = []
    i = 0
    while i < len(rewrite):
        c = rewrite[i]
        if c == "\\" and i + 1 < len(rewrite):
            nxt = rewrite[i + 1]
            if nxt.isdigit():
                parts.append(int(nxt))
                i += 2
                continue
            if nxt == "\\":
                parts.append("\\")
                i += 2
                continue
        parts.append(c)
        i += 1

    def replace(m):
        return "".join(m.group(p) or "" if isinstance(p, int) else p for p in parts)
    return replace


def _regex_replace_infer(specs, pattern, rewrite, replace_global):
    _compile("regex_replace", pattern)
    return _string_rule("regex_replace")(specs)


def _regex_replace_ref(x, pattern, rewrite, replace_global):
    compiled, replace = _compile("regex_replace", pattern), _rewriter(rewrite)
    count = 0 if replace_global else 1
    return _map(lambda b: _encode(compiled.sub(replace, _decode(b), count)), x)


REGEX_REPLACE = _op("regex_replace", _regex_replace_infer, _regex_replace_ref)


def regex_replace(input, pattern, rewrite, replace_global=True, name=None):  # noqa: A002
    r"""Replaces matches of `pattern` with `rewrite` (\1 names a group, \0 the whole match).

        >>> tf.strings.regex_replace("a1b22", r"\d+", "#").numpy()
        b'a#b#'
    """
    attrs = {"pattern": _text(pattern, "pattern", "regex_replace"),
             "rewrite": _text(rewrite, "rewrite", "regex_replace"),
             "replace_global": bool(replace_global)}
    return _unary(REGEX_REPLACE, input, attrs, name)


def _full_match_infer(specs, pattern):
    _compile("regex_full_match", pattern)
    return _string_rule("regex_full_match", dtypes.bool)(specs)


def _full_match_ref(x, pattern):
    compiled = _compile("regex_full_match", pattern)
    return _map(lambda b: compiled.fullmatch(_decode(b)) is not None, x, np.bool_)


REGEX_FULL_MATCH = _op("regex_full_match", _full_match_infer, _full_match_ref)


def regex_full_match(input, pattern, name=None):  # noqa: A002
    """Whether each whole string matches `pattern`.

        >>> tf.strings.regex_full_match(["abc", "abd"], "ab[c]").numpy()
        array([ True, False])
    """
    return _unary(REGEX_FULL_MATCH, input,
                  {"pattern": _text(pattern, "pattern", "regex_full_match")}, name)


# -- numbers <-> strings -----------------------------------------------------------------------

_NUMBER_TYPES = ("float32", "float64", "int32", "int64")


def _to_number_infer(specs, out_type):
    if out_type not in _NUMBER_TYPES:
        raise InvalidArgumentError(
            f"string_to_number: out_type must be one of {list(_NUMBER_TYPES)}, got {out_type}")
    return _string_rule("string_to_number", dtypes.as_dtype(out_type))(specs)


def _parse(b, out_type):
    s = b.strip(WHITESPACE).decode("ascii", "replace")
    try:
        if "_" in s:  # Python accepts 1_000; TF's parsers do not
            raise ValueError
        if out_type.startswith("int"):
            value = int(s, 10)
            info = np.iinfo(out_type)
            if not info.min <= value <= info.max:
                raise ValueError
            return value
        if re.fullmatch(r"[+-]?0[xX][0-9a-fA-F.]+([pP][+-]?\d+)?", s):
            return float.fromhex(s)  # strtod reads hexadecimal too: 0x10, 0x1p3
        return float(s)
    except ValueError:
        raise InvalidArgumentError(
            f"string_to_number: StringToNumberOp could not correctly convert string: "
            f"{b.decode('utf-8', 'replace')}") from None


def _to_number_ref(x, out_type):
    with np.errstate(over="ignore"):  # 1e300 as float32 is inf, as in TF
        return _map(lambda b: _parse(b, out_type), x, np.dtype(out_type))


STRING_TO_NUMBER = _op("string_to_number", _to_number_infer, _to_number_ref)


def to_number(input, out_type=dtypes.float32, name=None):  # noqa: A002
    """Parses each string as a number of `out_type` (float32, float64, int32 or int64).

        >>> tf.strings.to_number(["1.5", " -2 "]).numpy()
        array([ 1.5, -2. ], dtype=float32)
    """
    return _unary(STRING_TO_NUMBER, input, {"out_type": dtypes.as_dtype(out_type).name}, name)


def _as_string_infer(specs, precision, scientific, shortest, width, fill):
    (x,) = specs
    rules.check_kind("as_string", x, "fiubO")
    kind = x.dtype.np.kind
    if scientific and shortest:
        raise InvalidArgumentError("as_string: Cannot select both scientific and shortest notation")
    if len(fill) > 1:
        raise InvalidArgumentError("as_string: Fill string must be one or fewer characters")
    if fill not in ("", " ", "0"):
        raise InvalidArgumentError(f'as_string: Fill argument not supported: "{fill}"')
    if kind in "iub":
        if precision > -1:
            raise InvalidArgumentError(
                f"as_string: precision not supported for datatype {x.dtype.name}")
        if scientific or shortest:
            raise InvalidArgumentError(
                f"as_string: scientific and shortest format not supported for datatype "
                f"{x.dtype.name}")
    return [(x.shape, STRING)]


def _as_string_ref(x, precision, scientific, shortest, width, fill):
    kind = x.dtype.kind
    w = str(width) if width > -1 else ""
    if kind == "O":  # TF pads strings with spaces to `width` and ignores the other attrs
        return _map(lambda b: b.rjust(width), x) if w else x.copy()
    if kind == "b":  # and prints bools as true/false whatever the width
        return _map(lambda v: b"true" if v else b"false", x)
    flags = fill  # TF's fill is a printf flag: "0" pads with zeros, " " marks positives
    if kind == "f":
        conv = "e" if scientific else ("g" if shortest else "f")
        p = f".{precision}" if precision > -1 else ""
        fmt = f"%{flags}{w}{p}{conv}"
        return _map(lambda v: (fmt % float(v)).encode(), x)
    fmt = f"%{flags}{w}d"
    return _map(lambda v: (fmt % int(v)).encode(), x)


AS_STRING = _op("as_string", _as_string_infer, _as_string_ref)


def as_string(input, precision=-1, scientific=False, shortest=False, width=-1, fill="",  # noqa: A002
              name=None):
    """Formats numbers (and bools) as strings, printf style: floats as %f (6 digits) unless
    precision, scientific (%e) or shortest (%g) say otherwise; `width` pads with spaces or
    with zeros (fill="0").

        >>> tf.strings.as_string([3.14159, 2.0], precision=2).numpy()
        array([b'3.14', b'2.00'], dtype=object)
    """
    attrs = {"precision": int(precision), "scientific": bool(scientific),
             "shortest": bool(shortest), "width": int(width), "fill": str(fill)}
    return _unary(AS_STRING, input, attrs, name)


# -- substr ------------------------------------------------------------------------------------

def _substr_infer(specs, unit):
    x, pos, n = specs
    _check_string("substr", x)
    rules.check_kind("substr", pos, "i", 1)
    rules.check_kind("substr", n, "i", 2)
    if unit not in _UNITS:
        raise InvalidArgumentError(f"substr: unit must be one of {list(_UNITS)}, got {unit!r}")
    return [(rules.broadcast_shapes("substr", x.shape, pos.shape, n.shape), STRING)]


def _substr_ref(x, pos, n, unit):
    shape = np.broadcast_shapes(x.shape, pos.shape, n.shape)
    xs, ps, ns = (np.broadcast_to(a, shape).reshape(-1) for a in (x, pos, n))
    out = np.empty(shape, object)
    flat = out.reshape(-1)
    for i in range(flat.size):
        b = xs[i]
        units = b if unit == "BYTE" else _decode(b)
        size, p, k = len(units), int(ps[i]), int(ns[i])
        start = p + size if p < 0 else p
        if not 0 <= start <= size:
            raise InvalidArgumentError(
                f"substr: pos {p} out of range for string {b!r} at index {i}")
        piece = units[start:] if k < 0 else units[start:start + k]
        flat[i] = piece if unit == "BYTE" else _encode(piece)
    return out


SUBSTR = _op("substr", _substr_infer, _substr_ref, same_dtype=(1, 2))


def substr(input, pos, len, unit="BYTE", name=None):  # noqa: A002
    """The substring of each string from `pos` (negative: from the end) of `len` bytes (or
    UTF-8 characters with unit="UTF8_CHAR"); pos, len broadcast against the strings.

        >>> tf.strings.substr(["Hello", "World"], 1, 3).numpy()
        array([b'ell', b'orl'], dtype=object)
    """
    x = _as_strings(input, "substr")
    return dispatch(SUBSTR, (x, pos, len), {"unit": unit}, name)


# -- splitting (values and row splits of a RaggedTensor) -----------------------------------------

def _split_infer(name):
    def infer(specs, **attrs):
        (x,) = specs
        _check_string(name, x)
        if x.rank is not None and x.rank != 1:
            raise InvalidArgumentError(f"{name}: input must be 1-D, got shape {rules.fmt(x.shape)}")
        n = None if x.shape is None or x.shape[0] is None else x.shape[0] + 1
        return [((None,), STRING), ((n,), dtypes.int64)]
    return infer


def _split_ref(pieces_of):
    def ref(x, **attrs):
        pieces, splits = [], [0]
        for b in x:
            part = pieces_of(b, **attrs)
            pieces.extend(part)
            splits.append(len(pieces))
        values = np.empty(len(pieces), object)
        values[:] = pieces
        return values, np.asarray(splits, np.int64)
    return ref


def _split_pieces(b, sep, maxsplit):
    if sep == "":  # TF splits on whitespace for an empty separator too
        return b.split(None, maxsplit)
    return b.split(sep.encode("utf-8"), maxsplit)


STRING_SPLIT = _op("string_split", _split_infer("string_split"), _split_ref(_split_pieces),
                   num_outputs=2)

codecs.register_error("graphflow_unicode_split",
                      lambda e: ("\ud800", e.end))  # a marker no valid text contains
_ENCODING_NAMES = {"UTF-8": "utf-8", "UTF-16-BE": "utf-16-be", "UTF-32-BE": "utf-32-be"}


def _unicode_pieces(b, input_encoding, errors, replacement_char):
    codec = _ENCODING_NAMES[input_encoding]
    if errors == "strict":
        try:
            text = b.decode(codec)
        except UnicodeDecodeError as e:
            raise InvalidArgumentError(
                f"unicode_split: Invalid formatting on input string {b!r}: {e.reason}") from None
    else:
        text = b.decode(codec, "graphflow_unicode_split")
        if errors == "ignore":
            text = text.replace("\ud800", "")
        else:
            text = text.replace("\ud800", chr(replacement_char))
    return [c.encode(codec, "surrogatepass") for c in text]


def _unicode_infer(specs, input_encoding, errors, replacement_char):
    if input_encoding not in _ENCODING_NAMES:
        raise InvalidArgumentError(
            f"unicode_split: input_encoding must be one of {list(_ENCODING_NAMES)}, got "
            f"{input_encoding!r}")
    if errors not in ("strict", "replace", "ignore"):
        raise InvalidArgumentError(
            f"unicode_split: errors must be 'strict', 'replace' or 'ignore', got {errors!r}")
    return _split_infer("unicode_split")(specs)


UNICODE_SPLIT = _op("unicode_split", _unicode_infer, _split_ref(_unicode_pieces), num_outputs=2)
BYTES_SPLIT = _op("bytes_split", _split_infer("bytes_split"),
                  _split_ref(lambda b: [b[i:i + 1] for i in range(len(b))]), num_outputs=2)


def _ragged_result(op, x, attrs, name):
    """Runs a splitting op on strings of any rank: a scalar gives a dense 1-D tensor, rank 1
    a RaggedTensor, and higher ranks a RaggedTensor whose outer rows are uniform (TF's
    result for them)."""
    from graphflow.ops import api
    x = _as_strings(x, op.name)
    rank = x.shape.rank
    if rank is None:
        raise InvalidArgumentError(f"{op.name}: the input's rank must be known")
    if rank == 0:
        values, _ = dispatch(op, (api.reshape(x, [1]),), attrs, name)
        return values
    values, splits = dispatch(op, (api.reshape(x, [-1]),), attrs, name)
    result = RaggedTensor(values, splits, internal=True)
    dims = x.shape.as_list()
    for d in reversed(dims[1:]):  # wrap the uniform outer dimensions
        if d is None:
            raise InvalidArgumentError(f"{op.name}: inner dimensions must be known, got {x.shape}")
        count = api.cast(api.size(result.row_splits) - 1, dtypes.int64) // d
        outer = api.range(0, count + 1, dtype=dtypes.int64) * d
        result = RaggedTensor(result, outer, internal=True)
    return result


def split(input, sep=None, maxsplit=-1, name=None):  # noqa: A002
    """Splits each string on `sep` (runs of ASCII whitespace when None), at most `maxsplit`
    times: a dense tensor for a scalar input, a RaggedTensor otherwise.

        >>> tf.strings.split("a b  c").numpy()
        array([b'a', b'b', b'c'], dtype=object)
        >>> tf.strings.split(["a,b", "c"], sep=",")
        <tf.RaggedTensor [[b'a', b'b'], [b'c']]>
    """
    attrs = {"sep": "" if sep is None else _text(sep, "sep", "string_split"),
             "maxsplit": int(maxsplit)}
    return _ragged_result(STRING_SPLIT, input, attrs, name)


def unicode_split(input, input_encoding, errors="replace", replacement_char=65533,  # noqa: A002
                  name=None):
    """Splits each string into its Unicode characters (invalid bytes become
    `replacement_char`, are dropped with errors="ignore", or raise with errors="strict").

        >>> tf.strings.unicode_split("héllo", "UTF-8").numpy()[:2]
        array([b'h', b'\\xc3\\xa9'], dtype=object)
    """
    attrs = {"input_encoding": str(input_encoding).upper(), "errors": errors,
             "replacement_char": int(replacement_char)}
    return _ragged_result(UNICODE_SPLIT, input, attrs, name)


def bytes_split(input, name=None):  # noqa: A002
    """Splits each string into single bytes.

        >>> tf.strings.bytes_split("ab").numpy()
        array([b'a', b'b'], dtype=object)
    """
    return _ragged_result(BYTES_SPLIT, input, {}, name)


# -- hashing -----------------------------------------------------------------------------------

def _bucket_infer(name):
    rule = _string_rule(name, dtypes.int64)

    def infer(specs, num_buckets, **key):
        if num_buckets < 1:
            raise InvalidArgumentError(
                f"{name}: num_buckets must be at least 1, got {num_buckets}")
        if "key" in key and len(key["key"]) != 2:
            raise InvalidArgumentError(f"{name}: Key must have 2 elements")
        return rule(specs)
    return infer


def _bucket_ref(fn):
    def ref(x, num_buckets, **key):
        return _map(lambda b: fn(b, **key) % num_buckets, x, np.int64)
    return ref


TO_HASH_BUCKET_FAST = _op("to_hash_bucket_fast", _bucket_infer("to_hash_bucket_fast"),
                          _bucket_ref(hashing.fingerprint64))
TO_HASH_BUCKET_STRONG = _op("to_hash_bucket_strong", _bucket_infer("to_hash_bucket_strong"),
                            _bucket_ref(lambda b, key: hashing.siphash24(key[0], key[1], b)))
TO_HASH_BUCKET = _op("to_hash_bucket", _bucket_infer("to_hash_bucket"),
                     _bucket_ref(hashing.legacy_hash64))


def to_hash_bucket_fast(input, num_buckets, name=None):  # noqa: A002
    """FarmHash Fingerprint64 of each string modulo num_buckets (bit-exact with TF).

        >>> tf.strings.to_hash_bucket_fast(["a", ""], 10).numpy()
        array([9, 3])
    """
    return _unary(TO_HASH_BUCKET_FAST, input, {"num_buckets": int(num_buckets)}, name)


def to_hash_bucket_strong(input, num_buckets, key, name=None):  # noqa: A002
    """Keyed SipHash-2-4 of each string modulo num_buckets; key is two unsigned 64-bit ints.

        >>> tf.strings.to_hash_bucket_strong(["a", ""], 10, [1, 2]).numpy()
        array([6, 5])
    """
    key = tuple(int(k) & hashing.MASK for k in key)
    return _unary(TO_HASH_BUCKET_STRONG, input, {"num_buckets": int(num_buckets), "key": key},
                  name)


def to_hash_bucket(input, num_buckets, name=None):  # noqa: A002
    """TF's legacy Hash64 of each string modulo num_buckets (prefer to_hash_bucket_fast).

        >>> tf.strings.to_hash_bucket(["a", ""], 10).numpy()
        array([8, 9])
    """
    return _unary(TO_HASH_BUCKET, input, {"num_buckets": int(num_buckets)}, name)
