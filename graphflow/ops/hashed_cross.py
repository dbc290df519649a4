"""The hashed feature cross of Keras's HashedCrossing (TF's SparseCrossHashed on dense columns of
one value per example), bit-exact with TF.

Each row's hash starts at TF's key 0xDECAFCAFFE and folds in each column's feature hash with
FingerprintCat64; an integer's feature hash is its value (as an unsigned 64-bit int), a
string's its FarmHash Fingerprint64. The result is taken modulo `num_bins`.

    >>> import graphflow as tf
    >>> from graphflow.ops.hashed_cross import hashed_cross
    >>> hashed_cross([tf.constant([1, 2], tf.int64), tf.constant([b"a", b"bb"])], 7).numpy()
    array([1, 0])
"""
import numpy as np

from graphflow import dtypes
from graphflow.errors import InvalidArgumentError
from graphflow.ops import hashing
from graphflow.ops.creation import convert_to_tensor
from graphflow.ops.registry import OPAQUE, Spec, dispatch, register

MASK = hashing.MASK
HASH_KEY = 0xDECAFCAFFE  # TF's default hash_key of tf.sparse.cross_hashed
_MUL = 0xc6a4a7935bd1e995


def _shift_mix(v):
    return v ^ (v >> 47)


def fingerprint_cat64(fp1, fp2):
    """TF's FingerprintCat64 (tensorflow/core/platform/fingerprint.h) of two uint64s.

        >>> fingerprint_cat64(0, 0) == fingerprint_cat64(0, 0) != fingerprint_cat64(0, 1)
        True
    """
    result = fp1 ^ _MUL
    result ^= (_shift_mix((fp2 * _MUL) & MASK) * _MUL) & MASK
    result = (result * _MUL) & MASK
    result = (_shift_mix(result) * _MUL) & MASK
    return _shift_mix(result)


def _infer(specs, num_bins):
    if len(specs) < 2:
        raise InvalidArgumentError(
            f"hashed_cross: needs at least two inputs, got {len(specs)}")
    if not isinstance(num_bins, int) or num_bins < 1:
        raise InvalidArgumentError(f"hashed_cross: num_bins must be a positive int, got {num_bins!r}")
    shape = specs[0].shape
    for i, s in enumerate(specs):
        if not (s.dtype.is_integer or s.dtype == dtypes.string):
            raise InvalidArgumentError(
                f"hashed_cross: input {i} must be an integer or string tensor, got "
                f"{s.dtype.name}")
        if s.shape is not None and shape is not None and (
                len(s.shape) != len(shape) or any(a is not None and b is not None and a != b
                                                  for a, b in zip(s.shape, shape))):
            raise InvalidArgumentError(
                f"hashed_cross: every input must have the shape of the first, got "
                f"{[list(t.shape) if t.shape is not None else None for t in specs]}")
    return [(shape, dtypes.int64)]


def _feature_hash(value):
    if isinstance(value, bytes):
        return hashing.fingerprint64(value)
    return int(value) & MASK


def _ref(*arrays, num_bins):
    _infer([Spec(a.shape, dtypes.from_numpy(a.dtype)) for a in arrays], num_bins=num_bins)
    shape = arrays[0].shape
    flat = [a.reshape(-1) for a in arrays]
    out = np.empty(int(np.prod(shape)), np.int64)
    for i in range(out.size):
        h = HASH_KEY
        for column in flat:
            h = fingerprint_cat64(h, _feature_hash(column[i]))
        out[i] = h % num_bins
    return out.reshape(shape)


HASHED_CROSS = register("hashed_cross", OPAQUE, _infer, _ref)


def hashed_cross(inputs, num_bins, name=None):
    """The bin in [0, num_bins) of each element's cross of `inputs` (integer or string tensors
    of one shape): TF's SparseCrossHashed for one value per example and column.

        >>> hashed_cross([tf.constant([3]), tf.constant([4])], 5).numpy()
        array([1])
    """
    tensors = tuple(convert_to_tensor(x) for x in inputs)
    return dispatch(HASHED_CROSS, tensors, {"num_bins": int(num_bins)}, name=name)
