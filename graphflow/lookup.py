"""graphflow.lookup: TF's tf.lookup tables, StaticHashTable and StaticVocabularyTable, filled by
a KeyValueTensorInitializer or a TextFileInitializer.

A static table is immutable once built, so its keys and values are constants: a lookup is the
registry's vocabulary_lookup (a key's position, -1 when absent) followed by a gather, and works
the same eagerly, in a graphflow.function, in Dataset.map and in a Session. Keys are tf.string,
int32 or int64; values any dtype.

The mutable tables of tf.lookup.experimental, MutableHashTable and DenseHashTable, are
resources changed by ops (ops/hash_tables.py), ordered in graphs as variable assignments are,
and saved by tf.train.Checkpoint under TF's keys (`table-keys`, `table-values`).

    >>> import graphflow as tf
    >>> table = tf.lookup.StaticHashTable(
    ...     tf.lookup.KeyValueTensorInitializer(["emerson", "lake"], [10, 20]), default_value=-1)
    >>> table.lookup(tf.constant(["lake", "palmer"])).numpy()
    array([20, -1], dtype=int32)
    >>> vocab = tf.lookup.StaticVocabularyTable(
    ...     tf.lookup.KeyValueTensorInitializer(["a", "b"], tf.constant([0, 1], tf.int64)),
    ...     num_oov_buckets=3)
    >>> vocab.lookup(tf.constant(["a", "b", "emerson"])).numpy()  # OOV: 2 + Fingerprint64 % 3
    array([0, 1, 3])
"""
import types

import numpy as np

from graphflow import dtypes
from graphflow.errors import (FailedPreconditionError, InvalidArgumentError, InvalidTypeError,
                              NotFoundError)
from graphflow.ops import api
from graphflow.ops import hash_tables
from graphflow.ops.lookup import vocabulary_lookup
from graphflow.ops.ragged import RaggedTensor
from graphflow.ops.strings import as_string, to_hash_bucket_fast

__all__ = ["KeyValueTensorInitializer", "TextFileIndex", "TextFileInitializer",
           "StaticHashTable", "StaticVocabularyTable", "experimental"]

_KEY_DTYPES = ("string", "int32", "int64")


def _eager_array(value, dtype, what):
    t = api.convert_to_tensor(value, dtype=dtype)
    if not hasattr(t, "numpy"):
        raise InvalidArgumentError(f"{what}: table contents must be eager values, got {t!r:.80}")
    return t.numpy(), t.dtype


class KeyValueTensorInitializer:
    """A table's contents from a tensor of keys and a tensor of values of the same length.

        >>> init = tf.lookup.KeyValueTensorInitializer(["a"], [1], value_dtype=tf.int64)
        >>> init.key_dtype.name, init.value_dtype.name
        ('string', 'int64')
    """

    def __init__(self, keys, values, key_dtype=None, value_dtype=None, name=None):
        self._keys, self.key_dtype = _eager_array(keys, key_dtype, "KeyValueTensorInitializer")
        self._values, self.value_dtype = _eager_array(values, value_dtype,
                                                      "KeyValueTensorInitializer")
        self.name = name

    def _contents(self):
        if self._keys.shape != self._values.shape[:1] or self._keys.ndim != 1:
            raise InvalidArgumentError(
                f"KeyValueTensorInitializer: Expected shape {list(self._keys.shape)} for value, "
                f"got {list(self._values.shape)} (keys and values are vectors of one length)")
        return self._keys, self._values


class TextFileIndex:
    """Column numbers of a TextFileInitializer with a meaning of their own."""
    WHOLE_LINE = -2
    LINE_NUMBER = -1


class TextFileInitializer:
    """A table's contents from a text file, one entry per line: the key and the value are
    columns split by `delimiter` (index 0, 1, ...), the whole line (TextFileIndex.WHOLE_LINE) or
    the line's number from 0 (TextFileIndex.LINE_NUMBER); at most `vocab_size` lines are read.
    Read when the table is built; a missing file raises NotFoundError, a short line or a field
    that is not a number InvalidArgumentError (with the file and line), as TF does."""

    def __init__(self, filename, key_dtype, key_index, value_dtype, value_index, vocab_size=None,
                 delimiter="\t", name=None, value_index_offset=0):
        self.filename = filename.numpy().decode() if hasattr(filename, "numpy") else str(filename)
        self.key_dtype, self.value_dtype = dtypes.as_dtype(key_dtype), dtypes.as_dtype(value_dtype)
        self.key_index, self.value_index = int(key_index), int(value_index)
        self.vocab_size, self.delimiter, self.name = vocab_size, delimiter, name
        self.value_index_offset = int(value_index_offset)
        for what, index, dtype in (("key", self.key_index, self.key_dtype),
                                   ("value", self.value_index, self.value_dtype)):
            if index < TextFileIndex.WHOLE_LINE:
                raise ValueError(f"TextFileInitializer: Invalid {what} index {index}")
            if index == TextFileIndex.LINE_NUMBER and not dtype.is_integer:
                raise ValueError(f"TextFileInitializer: the line number {what} must be an "
                                 f"integer dtype, got {dtype.name}")
            if index == TextFileIndex.WHOLE_LINE and dtype is not dtypes.string and \
                    not dtype.is_integer:
                raise ValueError(f"TextFileInitializer: a whole-line {what} must be a string or "
                                 f"integer dtype, got {dtype.name}")

    def _field(self, line, number, index, dtype):
        if index == TextFileIndex.LINE_NUMBER:
            return number + (self.value_index_offset if dtype is self.value_dtype else 0)
        if index == TextFileIndex.WHOLE_LINE:
            text = line
        else:
            columns = line.split(self.delimiter)
            if index >= len(columns):
                raise InvalidArgumentError(
                    f"Invalid number of columns in {self.filename} line {number} ({line}) : "
                    f"expected at least {index + 1} got {len(columns)}")
            text = columns[index]
        if dtype is dtypes.string:
            return text.encode("utf-8")
        try:
            return int(text) if dtype.is_integer else float(text)
        except ValueError:
            raise InvalidArgumentError(f"Field {text} in line {number} is not a valid "
                                       f"{dtype.name}.") from None

    def _contents(self):
        try:
            with open(self.filename, encoding="utf-8") as f:
                lines = f.read().splitlines()
        except OSError as e:
            raise NotFoundError(f"{self.filename}; {e.strerror}") from None
        if self.vocab_size is not None:
            lines = lines[:int(self.vocab_size)]
        keys = [self._field(line, i, self.key_index, self.key_dtype) for i, line in enumerate(lines)]
        values = [self._field(line, i, self.value_index, self.value_dtype)
                  for i, line in enumerate(lines)]
        return (np.array(keys, dtype=self.key_dtype.np), np.array(values, dtype=self.value_dtype.np))


def _table_contents(initializer, what):
    """(keys, values) with repeated keys removed; a key given two values raises, as TF."""
    if not isinstance(initializer, (KeyValueTensorInitializer, TextFileInitializer)):
        raise TypeError(f"{what}: initializer must be a KeyValueTensorInitializer or a "
                        f"TextFileInitializer, got {type(initializer).__name__}")
    if initializer.key_dtype.name not in _KEY_DTYPES:
        raise TypeError(f"{what}: keys must be string, int32 or int64, got "
                        f"{initializer.key_dtype.name}")
    keys, values = initializer._contents()
    first = {}
    for i, key in enumerate(keys.tolist()):
        if key in first:
            if values[first[key]] != values[i]:
                shown = key.decode("utf-8", "replace") if isinstance(key, bytes) else key
                raise FailedPreconditionError(
                    f"HashTable has different value for same key. Key {shown} has "
                    f"{values[first[key]]} and trying to add value {values[i]}")
            continue
        first[key] = i
    keep = sorted(first.values())
    return keys[keep], values[keep]


class _StaticTable:
    """What both static tables share: key checks, ragged keys, size and export."""

    def __init__(self, initializer, what):
        self._keys, self._values = _table_contents(initializer, what)
        self.key_dtype, self.value_dtype = initializer.key_dtype, initializer.value_dtype
        self._what = what
        self.resource_handle = self  # TF code passes it around; it is the table itself here

    def _checked_keys(self, keys):
        if not isinstance(keys, RaggedTensor):
            keys = api.convert_to_tensor(keys, dtype_hint=self.key_dtype)
        if keys.dtype is not self.key_dtype:
            raise TypeError(f"Dtype of argument `keys` must be {self.key_dtype!r}, received: "
                            f"{keys.dtype!r}")
        return keys

    def _positions(self, keys):
        return vocabulary_lookup(keys, tuple(self._keys.tolist()))

    def lookup(self, keys, name=None):
        keys = self._checked_keys(keys)
        if isinstance(keys, RaggedTensor):
            return keys.with_flat_values(self.lookup(keys.flat_values, name))
        return self._lookup(keys, name)

    def __getitem__(self, keys):
        return self.lookup(keys)

    def size(self, name=None):
        """The number of entries (int64 scalar)."""
        return api.constant(len(self._keys), dtypes.int64)

    def export(self, name=None):
        """(keys, values) tensors of every entry, in the order they were added (TF's order is
        its hash table's)."""
        return api.constant(self._keys, self.key_dtype), api.constant(self._values, self.value_dtype)


class StaticHashTable(_StaticTable):
    """An immutable map from keys to values; absent keys give `default_value`.

        >>> t = tf.lookup.StaticHashTable(tf.lookup.KeyValueTensorInitializer([1, 2], [0.5, 2.0]),
        ...                               default_value=-1.0)
        >>> t[tf.constant([2, 3])].numpy()
        array([ 2., -1.], dtype=float32)
    """

    def __init__(self, initializer, default_value, name=None, experimental_is_anonymous=False):
        super().__init__(initializer, "StaticHashTable")
        default = api.convert_to_tensor(default_value, dtype=self.value_dtype)
        self.default_value = default
        self.name = name

    def _lookup(self, keys, name):
        if len(self._keys) == 0:
            return api.fill(api.shape(keys), self.default_value)
        position = self._positions(keys)
        values = api.gather(api.constant(self._values, self.value_dtype),
                            api.maximum(position, 0))
        return api.where(api.greater_equal(position, 0), values, self.default_value, name=name)


class StaticVocabularyTable(_StaticTable):
    """Keys to int64 ids: a key of the vocabulary gets its value, any other key one of
    `num_oov_buckets` ids after the vocabulary, vocab_size + Fingerprint64(key) %
    num_oov_buckets (integer keys are hashed as their decimal strings), as TF does."""

    def __init__(self, initializer, num_oov_buckets, lookup_key_dtype=None, name=None,
                 experimental_is_anonymous=False):
        if num_oov_buckets <= 0:
            raise ValueError("`num_oov_buckets` must be > 0; use StaticHashTable.")
        super().__init__(initializer, "StaticVocabularyTable")
        if self.value_dtype is not dtypes.int64:
            raise TypeError(f"StaticVocabularyTable: values must be int64, got "
                            f"{self.value_dtype.name}")
        self.num_oov_buckets = int(num_oov_buckets)
        self.value_dtype = dtypes.int64
        self.name = name

    def size(self, name=None):
        """Entries plus OOV buckets (int64 scalar)."""
        return api.constant(len(self._keys) + self.num_oov_buckets, dtypes.int64)

    def _lookup(self, keys, name):
        text = keys if keys.dtype is dtypes.string else as_string(keys)
        oov = to_hash_bucket_fast(text, self.num_oov_buckets) + len(self._keys)
        if len(self._keys) == 0:
            return oov
        position = self._positions(keys)
        ids = api.gather(api.constant(self._values, dtypes.int64), api.maximum(position, 0))
        return api.where(api.greater_equal(position, 0), ids, oov, name=name)


# -- mutable tables (tf.lookup.experimental) -------------------------------------------------------

# TF 2.21's kernels: the (key dtype, value dtype) pairs each table is registered for
_MUTABLE_KERNELS = {"string": ("bool", "float64", "float32", "int32", "int64"),
                    "int64": ("string", "int64", "int32", "float32", "float64"),
                    "int32": ("int32", "float32", "float64")}
_DENSE_KERNELS = {"string": ("bool", "float64", "float32", "int32", "int64"),
                  "int64": ("int64", "int32", "float32", "float64", "bool"),
                  "int32": ("int32", "float32", "float64")}


def _host_array(value, dtype, what):
    """A table's default value or reserved key as an array (tables are built outside graphs'
    runs: a symbolic tensor has no value yet)."""
    from graphflow.ops.registry import to_array
    from graphflow.tensor import SymbolicTensor
    if isinstance(value, SymbolicTensor):
        raise InvalidArgumentError(f"{what} must be an eager value or a Python/NumPy value, got "
                                   f"the symbolic tensor {value.name!r}")
    if hasattr(value, "numpy"):
        value = api.convert_to_tensor(value, dtype=dtype).numpy()
    return to_array(value, dtype, what)


def _check_kernel(what, kernels, key_dtype, value_dtype):
    if value_dtype.name not in kernels.get(key_dtype.name, ()):
        pairs = "; ".join(f"{k} -> {', '.join(v)}" for k, v in kernels.items())
        raise NotFoundError(f"{what}: no kernel for key_dtype {key_dtype.name} and value_dtype "
                            f"{value_dtype.name} (TF's kernels: {pairs})")


class _MutableTable:
    """What both mutable tables share: the ops on their TableState, checkpointing, and TF's
    argument conversions (keys and values are converted to the table's dtypes, so a tensor of
    another dtype is a ValueError, as in TF)."""

    _what = "MutableHashTable"

    def __init__(self, state, name):
        self._state = state
        self._name = name
        self.resource_handle = self  # TF code passes it around; it is the table itself here

    @property
    def key_dtype(self):
        return self._state.key_dtype

    @property
    def value_dtype(self):
        return self._state.value_dtype

    @property
    def name(self):
        return self._name

    @property
    def _default_value(self):
        return api.constant(self._state.default, self._state.value_dtype)

    def _keys(self, keys):
        return api.convert_to_tensor(keys, dtype=self._state.key_dtype)

    def _keys_of_dtype(self, keys):
        keys = api.convert_to_tensor(keys, dtype_hint=self._state.key_dtype)
        if keys.dtype is not self._state.key_dtype:
            raise InvalidTypeError(f"Dtype of argument `keys` must be {self._state.key_dtype!r}, "
                                   f"received: {keys.dtype!r}")
        return keys

    def insert(self, keys, values, name=None):
        """Sets the value of each key (replacing an old one). None eagerly; the op in a graph.

            >>> t = tf.lookup.experimental.MutableHashTable(tf.string, tf.int64, -1)
            >>> t.insert(["a", "b"], tf.constant([1, 2], tf.int64))
            >>> t.lookup(["b", "c"]).numpy()
            array([ 2, -1])
        """
        return hash_tables.insert(self._state, self._keys(keys),
                                  api.convert_to_tensor(values, dtype=self._state.value_dtype),
                                  name)

    def lookup(self, keys, dynamic_default_values=None, name=None):
        """The values of `keys`, shaped keys' shape (less a DenseHashTable's key shape) + the
        value shape; absent keys get the default value, or their entry of
        dynamic_default_values (one value, or one per key).

            >>> t = tf.lookup.experimental.MutableHashTable(tf.int64, tf.float32, 0.0)
            >>> t.lookup(tf.constant([1, 2], tf.int64), dynamic_default_values=[5.0, 6.0]).numpy()
            array([5., 6.], dtype=float32)
        """
        defaults = None if dynamic_default_values is None else api.convert_to_tensor(
            dynamic_default_values, dtype=self._state.value_dtype)
        return hash_tables.find(self._state, self._keys(keys), name, defaults)

    def __getitem__(self, keys):
        return self.lookup(keys)

    def remove(self, keys, name=None):
        """Removes the entries of `keys` (absent keys are ignored). None eagerly."""
        return hash_tables.remove(self._state, self._keys_of_dtype(keys), name)

    def size(self, name=None):
        """The number of entries (an int64 scalar)."""
        return hash_tables.size(self._state, name)

    def export(self, name=None):
        """(keys, values) tensors of every entry, in the order the keys were first inserted
        (TF's order is its hash table's)."""
        return hash_tables.export(self._state, name)

    # -- tf.train.Checkpoint (graphflow/checkpoint.py): TF's keys, the contents replace ------
    def _serialize_to_tensors(self):
        keys, values = hash_tables._export_ref(self._state)
        return {"table-keys": keys, "table-values": values}

    def _restore_from_tensors(self, restored):
        keys, values = restored["table-keys"], restored["table-values"]
        state = self._state
        want_keys = (len(keys),) + state.key_shape
        if keys.shape[:1] != values.shape[:1] or tuple(values.shape[1:]) != state.value_shape \
                or tuple(keys.shape) != want_keys:
            raise InvalidArgumentError(
                f"{self._what}: cannot restore keys of shape {list(keys.shape)} and values of "
                f"shape {list(values.shape)} into a table of key shape {list(state.key_shape)} "
                f"and value shape {list(state.value_shape)}")
        if keys.dtype != state.key_dtype.np or values.dtype != state.value_dtype.np:
            raise InvalidArgumentError(
                f"{self._what}: cannot restore {dtypes.from_numpy(keys.dtype).name} keys and "
                f"{dtypes.from_numpy(values.dtype).name} values into "
                f"a table of {state.key_dtype.name} keys and {state.value_dtype.name} values")
        if self._state.reserved:
            state.split_keys(self._what, keys)  # the reserved keys stay reserved
        state.replace(keys, values)


class MutableHashTable(_MutableTable):
    """A table whose entries are inserted and removed by ops; absent keys give `default_value`,
    whose shape is the shape of every value (a scalar or a vector).

        >>> t = tf.lookup.experimental.MutableHashTable(tf.int64, tf.float32, [0.0, 0.0])
        >>> t.insert(tf.constant([7], tf.int64), [[1.0, 2.0]])
        >>> t.lookup(tf.constant([7, 8], tf.int64)).numpy()
        array([[1., 2.],
               [0., 0.]], dtype=float32)
        >>> int(t.size())
        1
    """

    def __init__(self, key_dtype, value_dtype, default_value, name="MutableHashTable",
                 checkpoint=True, experimental_is_anonymous=False):
        key_dtype, value_dtype = dtypes.as_dtype(key_dtype), dtypes.as_dtype(value_dtype)
        _check_kernel("MutableHashTable", _MUTABLE_KERNELS, key_dtype, value_dtype)
        default = _host_array(default_value, value_dtype, "MutableHashTable: default_value")
        if default.ndim > 1:
            raise InvalidArgumentError(f"MutableHashTable: Default value must be a vector, got "
                                       f"shape {list(default.shape)}")
        super().__init__(hash_tables.TableState(key_dtype, value_dtype, default,
                                                name=name or "MutableHashTable"), name)
        self._checkpoint = bool(checkpoint)


class DenseHashTable(_MutableTable):
    """A table of TF's DenseHashTable API: keys may be scalars or vectors (of `empty_key`'s
    shape), and two keys, `empty_key` and `deleted_key`, are reserved: using one as a key is an
    InvalidArgumentError. `erase` is `remove`; `export` gives only the entries (TF's gives the
    raw buckets, empty ones included).

        >>> t = tf.lookup.experimental.DenseHashTable(tf.int64, tf.int64, default_value=-1,
        ...                                           empty_key=0, deleted_key=-1)
        >>> t.insert(tf.constant([5, 6], tf.int64), tf.constant([50, 60], tf.int64))
        >>> t.erase(tf.constant([5], tf.int64))
        >>> t.lookup(tf.constant([5, 6], tf.int64)).numpy()
        array([-1, 60])
    """

    _what = "DenseHashTable"

    def __init__(self, key_dtype, value_dtype, default_value, empty_key, deleted_key,
                 initial_num_buckets=None, name="MutableDenseHashTable", checkpoint=True,
                 experimental_is_anonymous=False):
        key_dtype, value_dtype = dtypes.as_dtype(key_dtype), dtypes.as_dtype(value_dtype)
        _check_kernel("DenseHashTable", _DENSE_KERNELS, key_dtype, value_dtype)
        default = _host_array(default_value, value_dtype, "DenseHashTable: default_value")
        empty = _host_array(empty_key, key_dtype, "DenseHashTable: empty_key")
        deleted = _host_array(deleted_key, key_dtype, "DenseHashTable: deleted_key")
        if empty.shape != deleted.shape:
            raise InvalidArgumentError(f"DenseHashTable: Empty and deleted keys must have the "
                                       f"same shape, got shapes: {list(empty.shape)} and "
                                       f"{list(deleted.shape)}")
        if empty.ndim > 1:
            raise InvalidArgumentError(f"DenseHashTable: Empty key shape must be a scalar or a "
                                       f"vector, got {list(empty.shape)}")
        if np.array_equal(empty, deleted):
            raise InvalidArgumentError("DenseHashTable: Empty and deleted keys cannot be equal")
        if initial_num_buckets is not None:
            n = int(initial_num_buckets)
            if n < 4 or n & (n - 1):
                raise InvalidArgumentError(f"DenseHashTable: Number of buckets must be at least "
                                           f"4 and a power of 2, got: {n}")

        def key(a):
            return tuple(a.tolist()) if a.ndim else a.item()
        state = hash_tables.TableState(key_dtype, value_dtype, default, key_shape=empty.shape,
                                       reserved={"empty_key": key(empty),
                                                 "deleted_key": key(deleted)},
                                       name=name or "MutableDenseHashTable")
        super().__init__(state, name)
        self._checkpoint = bool(checkpoint)

    def erase(self, keys, name=None):
        """Removes the entries of `keys` (absent keys are ignored). None eagerly."""
        return self.remove(keys, name)

    def insert_or_assign(self, keys, values, name=None):
        """insert (TF's other name)."""
        return self.insert(keys, values, name)


experimental = types.SimpleNamespace(MutableHashTable=MutableHashTable,
                                     DenseHashTable=DenseHashTable)
