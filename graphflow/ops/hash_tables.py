"""The ops of TF's mutable lookup tables (graphflow.lookup.experimental.MutableHashTable and
DenseHashTable): insert, find, remove, size, export.

A table is a resource: a `TableState` (a dict from keys to values behind a lock) that every op
holds in its `table` attr, as the variable ops hold their Variable. The ops are STATEFUL, so a
graphflow.function or a Session runs them in program order (a lookup after an insert sees the
insert; one before it does not), never folds, merges or drops them, and eager code, traced
functions, Dataset.map and compat.v1 graphs share one definition. The lock makes each op
atomic when threads (parallel map, concurrent calls) share a table. The ops have no gradients
(as TF's).

    >>> import graphflow as tf
    >>> from graphflow.ops import hash_tables as ht
    >>> state = ht.TableState(tf.int64, tf.float32, np.float32(-1.0))
    >>> ht.insert(state, tf.constant([3, 4], tf.int64), tf.constant([0.5, 1.5]))
    >>> ht.find(state, tf.constant([4, 5], tf.int64)).numpy()
    array([ 1.5, -1. ], dtype=float32)
"""
import threading

import numpy as np

from graphflow import dtypes
from graphflow.errors import InvalidArgumentError
from graphflow.ops.registry import STATEFUL, dispatch, register


def _shown(dims):
    return "[" + ",".join("?" if d is None else str(int(d)) for d in dims) + "]"


class TableState:
    """A table's contents and what its ops check: key and value dtypes, the shape of one key
    (() for scalars; DenseHashTable keys may be vectors) and of one value, the default value,
    and for DenseHashTable the two reserved keys no entry may use."""

    def __init__(self, key_dtype, value_dtype, default, key_shape=(), reserved=None, name="table"):
        self.key_dtype, self.value_dtype = key_dtype, value_dtype
        self.default = np.asarray(default, dtype=value_dtype.np)
        self.value_shape = self.default.shape
        self.key_shape = tuple(key_shape)
        self.reserved = reserved or {}  # {"empty_key": key, "deleted_key": key} (DenseHashTable)
        self.name = name
        self.entries = {}
        self.lock = threading.Lock()

    def __repr__(self):
        return f"<table {self.name} {self.key_dtype.name}->{self.value_dtype.name}>"

    # -- the kernels' helpers --------------------------------------------------------------
    def split_keys(self, op_name, keys):
        """Keys as hashable Python values, and the shape of the batch of keys (keys.shape
        without the key shape), checking the reserved keys."""
        got = dtypes.from_numpy(keys.dtype)
        if got is not self.key_dtype:
            raise InvalidArgumentError(f"{op_name}: table {self.name!r} has "
                                       f"{self.key_dtype.name} keys, got {got.name}")
        k = len(self.key_shape)
        if k and tuple(keys.shape[keys.ndim - k:]) != self.key_shape or keys.ndim < k:
            raise InvalidArgumentError(f"{op_name}: Input key shape {_shown(keys.shape)} must "
                                       f"end with the table's key shape {_shown(self.key_shape)}")
        batch = keys.shape[:keys.ndim - k]
        flat = keys.reshape((-1,) + self.key_shape) if k else keys.reshape(-1)
        out = [tuple(row) for row in flat.tolist()] if k else flat.tolist()
        for what, reserved in self.reserved.items():
            if reserved in out:
                raise InvalidArgumentError(f"{op_name}: Using the {what} as a table key is not "
                                           "allowed")
        return out, batch

    def checked_values(self, op_name, batch, values):
        got = dtypes.from_numpy(values.dtype)
        if got is not self.value_dtype:
            raise InvalidArgumentError(f"{op_name}: table {self.name!r} has "
                                       f"{self.value_dtype.name} values, got {got.name}")
        expected = tuple(batch) + self.value_shape
        if values.shape != expected:
            raise InvalidArgumentError(f"{op_name}: Expected shape {_shown(expected)} for value, "
                                       f"got {_shown(values.shape)}")
        return values.reshape((-1,) + self.value_shape)

    def own(self, value):
        """What an entry stores of one value: scalars as they are (immutable), arrays copied
        (np.array of a bytes scalar would make a fixed-width bytes array)."""
        return np.array(value, copy=True) if self.value_shape else value

    def stack(self, values, count):
        """An array of `count` values (each value_shape) from entries' values."""
        out = np.empty((count,) + self.value_shape, self.value_dtype.np)
        for i, v in enumerate(values):
            out[i] = v if self.value_shape else np.asarray(v, self.value_dtype.np)[()]
        return out

    def replace(self, keys, values):
        """Replaces the whole contents (a checkpoint being restored)."""
        entries = {}
        k = len(self.key_shape)
        flat = keys.reshape((-1,) + self.key_shape)
        for key, value in zip(flat.tolist(), values.reshape((-1,) + self.value_shape)):
            entries[tuple(key) if k else key] = self.own(value)
        with self.lock:
            self.entries = entries


def _keys_spec_check(op_name, spec, table):
    if spec.dtype is not table.key_dtype:
        raise InvalidArgumentError(f"{op_name}: table {table.name!r} has {table.key_dtype.name} "
                                   f"keys, got {spec.dtype.name}")


def _batch_shape(op_name, spec, table):
    if spec.shape is None:
        return None
    k = len(table.key_shape)
    if k:
        tail = spec.shape[len(spec.shape) - k:] if len(spec.shape) >= k else None
        if tail is None or any(d is not None and d != e for d, e in zip(tail, table.key_shape)):
            raise InvalidArgumentError(f"{op_name}: Input key shape {_shown(spec.shape)} must "
                                       f"end with the table's key shape "
                                       f"{_shown(table.key_shape)}")
    return tuple(spec.shape[:len(spec.shape) - k])


# -- lookup_table_insert ---------------------------------------------------------------------

def _insert_infer(specs, table):
    keys, values = specs
    name = "lookup_table_insert"
    _keys_spec_check(name, keys, table)
    if values.dtype is not table.value_dtype:
        raise InvalidArgumentError(f"{name}: table {table.name!r} has {table.value_dtype.name} "
                                   f"values, got {values.dtype.name}")
    batch = _batch_shape(name, keys, table)
    if batch is not None and values.shape is not None:
        expected = batch + table.value_shape
        if len(expected) != len(values.shape) or any(
                a is not None and b is not None and a != b for a, b in zip(expected, values.shape)):
            raise InvalidArgumentError(f"{name}: Expected shape {_shown(expected)} for value, "
                                       f"got {_shown(values.shape)}")
    return []


def _insert_ref(keys, values, table):
    name = "lookup_table_insert"
    flat_keys, batch = table.split_keys(name, keys)
    flat_values = table.checked_values(name, batch, values)
    with table.lock:
        for key, value in zip(flat_keys, flat_values):
            table.entries[key] = table.own(value)
    return ()


# -- lookup_table_find -----------------------------------------------------------------------

def _check_defaults(table, batch, shape):
    """A dynamic default (MutableHashTable.lookup's dynamic_default_values) is one value, or
    one per key (TF's two shapes)."""
    one, each = table.value_shape, None if batch is None else tuple(batch) + table.value_shape
    if shape is None or tuple(shape) == one or each is None or (
            len(shape) == len(each) and all(d is None or d == e for d, e in zip(shape, each))):
        return
    raise InvalidArgumentError(f"lookup_table_find: Expected shape {_shown(one)} or "
                               f"{_shown(each)} for default value, got {_shown(shape)}")


def _find_infer(specs, table):
    _keys_spec_check("lookup_table_find", specs[0], table)
    batch = _batch_shape("lookup_table_find", specs[0], table)
    if len(specs) == 2:
        if specs[1].dtype is not table.value_dtype:
            raise InvalidArgumentError(f"lookup_table_find: table {table.name!r} has "
                                       f"{table.value_dtype.name} values, the default value is "
                                       f"{specs[1].dtype.name}")
        _check_defaults(table, batch, specs[1].shape)
    return [(None if batch is None else batch + table.value_shape, table.value_dtype)]


def _find_ref(keys, *defaults, table):
    flat_keys, batch = table.split_keys("lookup_table_find", keys)
    if defaults:
        _check_defaults(table, batch, defaults[0].shape)
        default = np.broadcast_to(defaults[0], tuple(batch) + table.value_shape).reshape(
            (-1,) + table.value_shape)
        with table.lock:
            found = [table.entries.get(key, d) for key, d in zip(flat_keys, default)]
    else:
        with table.lock:
            found = [table.entries.get(key, table.default) for key in flat_keys]
    return table.stack(found, len(flat_keys)).reshape(tuple(batch) + table.value_shape)


# -- lookup_table_remove ---------------------------------------------------------------------

def _remove_infer(specs, table):
    _keys_spec_check("lookup_table_remove", specs[0], table)
    _batch_shape("lookup_table_remove", specs[0], table)
    return []


def _remove_ref(keys, table):
    flat_keys, _ = table.split_keys("lookup_table_remove", keys)
    with table.lock:
        for key in flat_keys:
            table.entries.pop(key, None)
    return ()


# -- lookup_table_size and lookup_table_export -----------------------------------------------

def _size_ref(table):
    with table.lock:
        return np.array(len(table.entries), np.int64)


def _export_infer(specs, table):
    return [((None,) + table.key_shape, table.key_dtype),
            ((None,) + table.value_shape, table.value_dtype)]


def _export_ref(table):
    with table.lock:
        items = list(table.entries.items())
    n = len(items)
    if table.key_dtype is dtypes.string:
        keys = np.empty(n, object)
        keys[:] = [k for k, _ in items]
    else:
        keys = np.array([k for k, _ in items], table.key_dtype.np).reshape((n,) + table.key_shape)
    return keys, table.stack([v for _, v in items], n)


INSERT = register("lookup_table_insert", STATEFUL, _insert_infer, _insert_ref, num_outputs=0)
FIND = register("lookup_table_find", STATEFUL, _find_infer, _find_ref)
REMOVE = register("lookup_table_remove", STATEFUL, _remove_infer, _remove_ref, num_outputs=0)
SIZE = register("lookup_table_size", STATEFUL, lambda specs, table: [((), dtypes.int64)], _size_ref)
EXPORT = register("lookup_table_export", STATEFUL, _export_infer, _export_ref, num_outputs=2)


def _op_or_none(out):
    return None if out == () else out


def insert(table, keys, values, name=None):
    """Sets table[k] = v for each key and value (None eagerly, the op in a graph)."""
    return _op_or_none(dispatch(INSERT, (keys, values), {"table": table}, name))


def find(table, keys, name=None, defaults=None):
    """The values of `keys` (the default value for absent ones, or the key's entry of
    `defaults`): keys' shape + value shape."""
    inputs = (keys,) if defaults is None else (keys, defaults)
    return dispatch(FIND, inputs, {"table": table}, name)


def remove(table, keys, name=None):
    """Removes `keys` (absent ones are ignored)."""
    return _op_or_none(dispatch(REMOVE, (keys,), {"table": table}, name))


def size(table, name=None):
    """The number of entries, an int64 scalar."""
    return dispatch(SIZE, (), {"table": table}, name)


def export(table, name=None):
    """(keys, values) of every entry, in the order the keys were first inserted."""
    return dispatch(EXPORT, (), {"table": table}, name)
