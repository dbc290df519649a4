"""vocabulary_lookup: the position of each key in a fixed vocabulary, the table lookup behind
Keras's StringLookup, IntegerLookup and TextVectorization (TF's StaticHashTable.lookup).

Keys are tf.string or integer tensors; the vocabulary is an attr (a tuple of bytes or ints), so
a traced function carries its table with it. Missing keys give -1: the layers map them to their
out-of-vocabulary indices. The op is OPAQUE (a NumPy step in compiled plans) and has no
gradient: its output is an integer index.

    >>> from graphflow.ops.lookup import vocabulary_lookup
    >>> vocabulary_lookup(tf.constant(["b", "z", "a"]), ("a", "b")).numpy()
    array([ 1, -1,  0])
"""
import functools

import numpy as np

from graphflow import dtypes
from graphflow.errors import InvalidArgumentError
from graphflow.ops.registry import OPAQUE, dispatch, register
from graphflow.ops.strings import _checked

_KEY_DTYPES = ("string", "int32", "int64")


def _infer(specs, vocabulary):
    spec = specs[0]
    if spec.dtype.name not in _KEY_DTYPES:
        raise InvalidArgumentError(
            f"vocabulary_lookup: keys must be string, int32 or int64, got {spec.dtype.name}")
    if vocabulary and isinstance(vocabulary[0], bytes) != (spec.dtype.name == "string"):
        raise InvalidArgumentError(
            f"vocabulary_lookup: {spec.dtype.name} keys cannot be looked up in a vocabulary of "
            f"{type(vocabulary[0]).__name__}")
    return [(spec.shape, dtypes.int64)]


@functools.lru_cache(maxsize=32)
def _table(vocabulary):
    return {key: i for i, key in enumerate(vocabulary)}


def _ref(keys, vocabulary):
    table = _table(vocabulary)
    flat = keys.reshape(-1)
    if flat.dtype != object:
        flat = flat.tolist()
    out = np.fromiter((table.get(k, -1) for k in flat), np.int64, count=len(flat))
    return out.reshape(keys.shape)


# the reference checks its inputs with the rule, so eager and traced calls reject alike
VOCABULARY_LOOKUP = register("vocabulary_lookup", OPAQUE, _infer, _checked(_infer, _ref))


def vocabulary_lookup(keys, vocabulary, name=None):
    """int64 positions of `keys` in `vocabulary` (a sequence of str/bytes or ints), -1 where
    absent. String vocabularies are matched as UTF-8 bytes."""
    from graphflow.ops.creation import convert_to_tensor
    keys = convert_to_tensor(keys)
    vocabulary = tuple(v.encode("utf-8") if isinstance(v, str) else
                       v if isinstance(v, bytes) else int(v) for v in vocabulary)
    if len(set(vocabulary)) != len(vocabulary):
        raise InvalidArgumentError("vocabulary_lookup: the vocabulary has repeated entries")
    return dispatch(VOCABULARY_LOOKUP, (keys,), {"vocabulary": vocabulary}, name)
