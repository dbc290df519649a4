"""graphflow.lookup: TF's tf.lookup tables, StaticHashTable and StaticVocabularyTable, filled by
a KeyValueTensorInitializer or a TextFileInitializer.

A static table is immutable once built, so its keys and values are constants: a lookup is the
registry's vocabulary_lookup (a key's position, -1 when absent) followed by a gather, and works
the same eagerly, in a graphflow.function, in Dataset.map and in a Session. Keys are tf.string,
int32 or int64; values any dtype.

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
import numpy as np

from graphflow import dtypes
from graphflow.errors import FailedPreconditionError, InvalidArgumentError, NotFoundError
from graphflow.ops import api
from graphflow.ops.lookup import vocabulary_lookup
from graphflow.ops.ragged import RaggedTensor
from graphflow.ops.strings import as_string, to_hash_bucket_fast

__all__ = ["KeyValueTensorInitializer", "TextFileIndex", "TextFileInitializer",
           "StaticHashTable", "StaticVocabularyTable"]

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
