"""DTypes: the TensorFlow-named wrappers over NumPy dtypes, conversion and defaults.

    >>> import graphflow as tf
    >>> tf.float32, tf.as_dtype("int32").is_integer
    (tf.float32, True)
"""
import numpy as np

from graphflow.errors import InvalidArgumentError


class DType:
    """A tensor element type. Instances are singletons: compare with `is` or `==`."""

    __slots__ = ("name", "np")

    def __init__(self, name, np_dtype):
        self.name = name
        self.np = np.dtype(np_dtype)

    @property
    def as_numpy_dtype(self):
        return self.np.type

    @property
    def is_floating(self):
        return self.np.kind == "f"

    @property
    def is_complex(self):
        return self.np.kind == "c"

    @property
    def real_dtype(self):
        """The dtype of the real and imaginary parts: float32 for complex64, float64 for
        complex128, the dtype itself otherwise (as TF).

            >>> complex64.real_dtype, float64.real_dtype
            (tf.float32, tf.float64)
        """
        if self.np.kind == "c":
            return float32 if self is complex64 else float64
        return self

    @property
    def is_integer(self):
        return self.np.kind in "iu"

    @property
    def is_unsigned(self):
        return self.np.kind == "u"

    @property
    def is_bool(self):
        return self.np.kind == "b"

    @property
    def is_variant(self):
        return self is variant

    @property
    def size(self):
        return self.np.itemsize

    @property
    def min(self):
        self._check_numeric("minimum")
        return np.finfo(self.np).min if self.is_floating else np.iinfo(self.np).min

    @property
    def max(self):
        self._check_numeric("maximum")
        return np.finfo(self.np).max if self.is_floating else np.iinfo(self.np).max

    def _check_numeric(self, what):
        if self.np.kind in "OSU":
            raise InvalidArgumentError(f"Cannot find {what} value of {self}: it is not numeric")
        if self.np.kind == "c":  # complex numbers are not ordered
            raise InvalidArgumentError(f"Cannot find {what} value of {self}: complex numbers "
                                       "have no order")

    def __eq__(self, other):
        if isinstance(other, DType):
            return self is other
        try:
            return self is as_dtype(other)
        except (InvalidArgumentError, TypeError):
            return False

    def __hash__(self):
        return hash(self.name)

    def __repr__(self):
        return f"tf.{self.name}"

    def __str__(self):
        return f"<dtype: '{self.name}'>"

    def __reduce__(self):
        return (as_dtype, (self.name,))


float16 = DType("float16", np.float16)
float32 = DType("float32", np.float32)
float64 = DType("float64", np.float64)
int8 = DType("int8", np.int8)
int16 = DType("int16", np.int16)
int32 = DType("int32", np.int32)
int64 = DType("int64", np.int64)
uint8 = DType("uint8", np.uint8)
# Complex numbers: pairs of float32 / float64 (NumPy's layout, which is TF's).
complex64 = DType("complex64", np.complex64)
complex128 = DType("complex128", np.complex128)
bool = DType("bool", np.bool_)  # noqa: A001 - the TensorFlow name
# tf.string: variable-length byte strings, held as NumPy object arrays of `bytes` in host memory
# (never on a GPU, never inside a fused kernel: see as_bytes_array and compiler/fused.py).
string = DType("string", object)
half, double = float16, float64
_pybool = type(True)

# A variant tensor holds one opaque Python value (a TensorList: the state of a TensorArray,
# or the intermediates a control-flow op keeps for its gradient) in a 0-d array of a one-field
# record type (not plain object arrays, which are tf.string's). It is not an element type users
# compute with, so it is not in ALL.
variant = DType("variant", np.dtype([("variant", object)]))

ALL = (float16, float32, float64, int8, int16, int32, int64, uint8, bool, string, complex64,
       complex128)
FLOATS = (float16, float32, float64)
COMPLEX = (complex64, complex128)
_BY_NAME = {d.name: d for d in ALL}
_BY_NP = {d.np: d for d in ALL}
_BY_NAME.update(half=float16, double=float64, float=float32, int=int32, variant=variant)
_BY_NP[variant.np] = variant


def is_differentiable(dtype):
    """Whether gradients flow through tensors of this dtype: floats, complex numbers, and
    variants (a TensorArray's elements or a control-flow op's saved intermediates carry
    gradients)."""
    return dtype.np.kind in "fc" or dtype is variant


def has_gradient(dtype):
    """Whether a tape watches tensors of this dtype and returns gradients for them: floats and
    complex numbers (TF's "trainable" dtypes)."""
    return dtype.np.kind in "fc"


def as_dtype(value):
    """Converts a DType, a name ("float32"), a NumPy dtype or a Python type to a DType."""
    if isinstance(value, DType):
        return value
    if isinstance(value, str):
        found = _BY_NAME.get(value)
        if found is None:
            raise InvalidArgumentError(f"Unknown dtype name {value!r}; expected one of {sorted(_BY_NAME)}")
        return found
    if value is float:
        return float32
    if value is int:
        return int32
    if value is _pybool:
        return bool
    try:
        np_dtype = np.dtype(value)
    except TypeError:
        np_dtype = None
    found = _BY_NP.get(np_dtype)
    if found is None and np_dtype is not None and np_dtype.kind in "SU":
        found = string  # NumPy's fixed-width text types (str_, bytes_) are tf.string
    if found is None:
        raise InvalidArgumentError(f"Unsupported dtype {value!r}; graphflow supports {[d.name for d in ALL]}")
    return found


def from_numpy(np_dtype):
    """The DType of a NumPy dtype; float64 arrays stay float64, unsupported kinds raise."""
    found = _BY_NP.get(np_dtype)
    if found is None:
        found = as_dtype(np_dtype)
    return found


def as_bytes_array(value):
    """`value` (str, bytes, nested lists of them, a NumPy text or object array) as a tf.string
    array: a NumPy object array of `bytes`, str encoded as UTF-8 (as TF does).

        >>> as_bytes_array(["a", b"b"])
        array([b'a', b'b'], dtype=object)

    Raises InvalidArgumentError naming the first element that is not a string.
    """
    if isinstance(value, np.ndarray) and value.dtype.kind == "S":
        return value.astype(object)
    try:
        arr = np.array(value, dtype=object)
    except ValueError as e:  # ragged nesting
        raise InvalidArgumentError(f"Cannot convert {_short(value)} to a string tensor: {e}") \
            from None
    flat = arr.reshape(-1)
    for i, x in enumerate(flat):
        t = type(x)
        if t is bytes:
            continue
        if t is str or isinstance(x, np.str_):
            flat[i] = x.encode("utf-8")
        elif isinstance(x, (bytes, np.bytes_)):
            flat[i] = bytes(x)
        else:
            raise InvalidArgumentError(
                f"Cannot convert {_short(value)} to a string tensor: element {x!r:.40} of type "
                f"{t.__name__} is not a str or bytes (can't convert a Python sequence with mixed "
                "types to a tensor)")
    return arr


def _short(value):
    text = repr(value)
    return text if len(text) < 60 else text[:57] + "..."
