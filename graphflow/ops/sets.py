"""tf.sets: set operations along the last dimension of dense tensors and SparseTensors.

A rank-n operand holds one set per position of its first n-1 dimensions (the "batch"): a dense
row's elements, or a SparseTensor's values stored under that index prefix; repeats count
once. `intersection`, `union` and `difference` return a SparseTensor whose row at each batch
position lists that position's result in ascending order (strings bytewise); its last dimension
is the largest result. `size` counts a SparseTensor's sets. As in TF these are four registry ops
(DenseToDense-, DenseToSparse-, SparseToSparseSetOperation and SetSize) without gradients,
for int8, int16, int32, int64, uint8 and string elements.

    >>> import graphflow as tf
    >>> u = tf.sets.union(tf.constant([[3, 1, 3], [5, 5, 5]]), tf.constant([[1, 9, 9], [0, 0, 0]]))
    >>> u.indices.numpy().tolist(), u.values.numpy().tolist(), u.dense_shape.numpy().tolist()
    ([[0, 0], [0, 1], [0, 2], [1, 0], [1, 1]], [1, 3, 9, 0, 5], [2, 3])
    >>> tf.sets.size(u).numpy()
    array([3, 2], dtype=int32)
"""
import numpy as np

from graphflow import dtypes
from graphflow.errors import InvalidArgumentError, InvalidTypeError
from graphflow.ops import rules
from graphflow.ops.creation import convert_to_tensor
from graphflow.ops.registry import OPAQUE, dispatch, register
from graphflow.ops.sparse import SparseTensor, SparseTensorValue, _rule

_DTYPES = ("int8", "int16", "int32", "int64", "uint8", "string")  # (TF also takes uint16)
_SUPPORTED = "`{tf.int8, tf.int16, tf.int32, tf.int64, tf.uint8, tf.string}`"
OPERATIONS = ("a-b", "b-a", "intersection", "union")


def _shown(dims):
    return "[" + ",".join(str(int(d)) for d in dims) + "]"


def _shown_dims(dims):
    """_shown for static shapes (None: unknown)."""
    return "[" + ",".join("?" if d is None else str(d) for d in dims) + "]"


# -- shape rules ---------------------------------------------------------------------------------

def _check_values(op_name, spec, position):
    if spec.dtype.name not in _DTYPES:
        raise InvalidArgumentError(f"{op_name}: input #{position} must be one of {_SUPPORTED}, "
                                   f"got {spec.dtype.name}")


def _check_sparse(op_name, indices, values, shape, first):
    rules.check_kind(op_name, indices, "i", first)
    rules.check_kind(op_name, shape, "i", first + 2)
    _check_values(op_name, values, first + 1)
    for spec, rank, what in ((indices, 2, "indices"), (values, 1, "values"),
                             (shape, 1, "dense_shape")):
        if spec.rank is not None and spec.rank != rank:
            raise InvalidArgumentError(f"{op_name}: {what} must have rank {rank}, got shape "
                                       f"{rules.fmt(spec.shape)}")
    if shape.rank == 1 and shape.shape[0] is not None and shape.shape[0] < 2:
        raise InvalidArgumentError(f"{op_name}: Invalid rank {shape.shape[0]}: a set operand has "
                                   "rank >= 2 (its sets lie along the last dimension)")
    if shape.rank == 1 and shape.shape[0] is not None:
        return shape.shape[0]
    return indices.shape[1] if indices.rank == 2 else None


def _check_dense(op_name, spec, position):
    _check_values(op_name, spec, position)
    if spec.rank is not None and spec.rank < 2:
        raise InvalidArgumentError(f"{op_name}: Shape {_shown_dims(spec.shape)} has rank "
                                   f"{spec.rank} < 2 (a set operand's sets lie along its last "
                                   "dimension)")
    return spec.rank


def _check_operation(op_name, set_operation, validate_indices):
    if set_operation not in OPERATIONS:
        raise InvalidArgumentError(f"{op_name}: Invalid set_operation {set_operation!r} (one of "
                                   f"{', '.join(OPERATIONS)})")
    if not isinstance(validate_indices, bool):
        raise InvalidTypeError(f"{op_name}: Expected bool for argument 'validate_indices' not "
                               f"{validate_indices!r}.")


def _same_dtype(op_name, a, b):
    if a.dtype is not b.dtype:
        raise InvalidArgumentError(f"{op_name}: the two sets have different dtypes, "
                                   f"{a.dtype.name} and {b.dtype.name}")


def _outputs(rank, dtype):
    return [((None, rank), dtypes.int64), ((None,), dtype), ((rank,), dtypes.int64)]


def _dense_dense_infer(specs, set_operation, validate_indices):
    name = "dense_to_dense_set_operation"
    _check_operation(name, set_operation, validate_indices)
    a, b = specs
    ra, rb = _check_dense(name, a, 0), _check_dense(name, b, 1)
    _same_dtype(name, a, b)
    if ra is not None and rb is not None:
        batch_a, batch_b = a.shape[:-1], b.shape[:-1]
        if len(batch_a) != len(batch_b) or any(
                x is not None and y is not None and x != y for x, y in zip(batch_a, batch_b)):
            raise InvalidArgumentError(f"{name}: Mismatched shapes {_shown_dims(batch_a)} vs "
                                       f"{_shown_dims(batch_b)}")
    return _outputs(ra if ra is not None else rb, a.dtype)


def _dense_sparse_infer(specs, set_operation, validate_indices):
    name = "dense_to_sparse_set_operation"
    _check_operation(name, set_operation, validate_indices)
    a, indices, values, shape = specs
    ra = _check_dense(name, a, 0)
    rb = _check_sparse(name, indices, values, shape, 1)
    _same_dtype(name, a, values)
    if ra is not None and rb is not None and ra != rb:
        raise InvalidArgumentError(f"{name}: the dense set has rank {ra} and the sparse one "
                                   f"{rb}: Mismatched shapes")
    return _outputs(ra if ra is not None else rb, a.dtype)


def _sparse_sparse_infer(specs, set_operation, validate_indices):
    name = "sparse_to_sparse_set_operation"
    _check_operation(name, set_operation, validate_indices)
    ra = _check_sparse(name, *specs[:3], 0)
    rb = _check_sparse(name, *specs[3:], 3)
    _same_dtype(name, specs[1], specs[4])
    if ra is not None and rb is not None and ra != rb:
        raise InvalidArgumentError(f"{name}: the two sparse sets have ranks {ra} and {rb}: "
                                   "Mismatched shapes")
    return _outputs(ra if ra is not None else rb, specs[1].dtype)


def _size_infer(specs, validate_indices):
    name = "set_size"
    if not isinstance(validate_indices, bool):
        raise InvalidTypeError(f"{name}: Expected bool for argument 'validate_indices' not "
                               f"{validate_indices!r}.")
    rank = _check_sparse(name, *specs, 0)
    return [(None if rank is None else (None,) * (rank - 1), dtypes.int32)]


# -- reference kernels ---------------------------------------------------------------------------

def _dense_groups(a):
    """{batch position: set} of a dense operand (every position has one)."""
    batch = a.shape[:-1]
    rows = a.reshape(int(np.prod(batch, dtype=np.int64)), a.shape[-1])
    return {pos: set(row.tolist()) for pos, row in zip(np.ndindex(*batch), rows)}, batch


def _sparse_groups(op_name, indices, values, shape, validate_indices):
    """{batch position: set} of a SparseTensor operand (positions without values are empty),
    with TF's checks of the index order (when validate_indices) and bounds (always: an index
    outside dense_shape has no set to belong to)."""
    shape = tuple(int(d) for d in shape)
    if indices.shape[1] != len(shape):
        raise InvalidArgumentError(f"{op_name}: indices have {indices.shape[1]} columns but "
                                   f"dense_shape {_shown(shape)} has {len(shape)} dimensions")
    if indices.shape[0] != values.shape[0]:
        raise InvalidArgumentError(f"{op_name}: {indices.shape[0]} indices but "
                                   f"{values.shape[0]} values")
    rows = [tuple(int(v) for v in r) for r in indices.tolist()]
    groups = {}
    previous = None
    for i, (row, value) in enumerate(zip(rows, values.tolist())):
        if any(k < 0 or k >= d for k, d in zip(row, shape)):
            raise InvalidArgumentError(f"{op_name}: indices[{i}] = {_shown(row)} is out of "
                                       f"bounds: need 0 <= index < {_shown(shape)}")
        if validate_indices and previous is not None:
            if row == previous:
                raise InvalidArgumentError(f"{op_name}: indices[{i}] = {_shown(row)} is repeated")
            if row < previous:
                raise InvalidArgumentError(
                    f"{op_name}: indices[{i}] = {_shown(row)} is out of order. Many sparse ops "
                    "require sorted indices.\n    Use `tf.sparse.reorder` to create a correctly "
                    "ordered copy.")
        previous = row
        groups.setdefault(row[:-1], set()).add(value)
    return groups, shape[:-1]


def _combine(op_name, a, batch_a, b, batch_b, set_operation, dtype):
    if tuple(batch_a) != tuple(batch_b):
        raise InvalidArgumentError(f"{op_name}: Mismatched shapes {_shown(batch_a)} vs "
                                   f"{_shown(batch_b)}")
    out_indices, out_values, width = [], [], 0
    empty = set()
    for pos in np.ndindex(*batch_a):
        x, y = a.get(pos, empty), b.get(pos, empty)
        if set_operation == "a-b":
            result = x - y
        elif set_operation == "b-a":
            result = y - x
        elif set_operation == "intersection":
            result = x & y
        else:
            result = x | y
        result = sorted(result)
        width = max(width, len(result))
        out_indices.extend(pos + (j,) for j in range(len(result)))
        out_values.extend(result)
    rank = len(batch_a) + 1
    indices = np.array(out_indices, np.int64).reshape(-1, rank)
    if dtype is dtypes.string:
        values = np.empty(len(out_values), object)
        values[:] = out_values
    else:
        values = np.array(out_values, dtype.np).reshape(-1)
    return indices, values, np.array(list(batch_a) + [width], np.int64)


def _dense_dense_ref(a, b, set_operation, validate_indices):
    name = "dense_to_dense_set_operation"
    _rule(_dense_dense_infer, [a, b], set_operation=set_operation,
          validate_indices=validate_indices)
    ga, batch_a = _dense_groups(a)
    gb, batch_b = _dense_groups(b)
    return _combine(name, ga, batch_a, gb, batch_b, set_operation, dtypes.from_numpy(a.dtype))


def _dense_sparse_ref(a, indices, values, shape, set_operation, validate_indices):
    name = "dense_to_sparse_set_operation"
    _rule(_dense_sparse_infer, [a, indices, values, shape], set_operation=set_operation,
          validate_indices=validate_indices)
    ga, batch_a = _dense_groups(a)
    gb, batch_b = _sparse_groups(name, indices, values, shape, validate_indices)
    return _combine(name, ga, batch_a, gb, batch_b, set_operation, dtypes.from_numpy(a.dtype))


def _sparse_sparse_ref(ia, va, sa, ib, vb, sb, set_operation, validate_indices):
    name = "sparse_to_sparse_set_operation"
    _rule(_sparse_sparse_infer, [ia, va, sa, ib, vb, sb], set_operation=set_operation,
          validate_indices=validate_indices)
    ga, batch_a = _sparse_groups(name, ia, va, sa, validate_indices)
    gb, batch_b = _sparse_groups(name, ib, vb, sb, validate_indices)
    return _combine(name, ga, batch_a, gb, batch_b, set_operation, dtypes.from_numpy(va.dtype))


def _size_ref(indices, values, shape, validate_indices):
    _rule(_size_infer, [indices, values, shape], validate_indices=validate_indices)
    groups, batch = _sparse_groups("set_size", indices, values, shape, validate_indices)
    out = np.zeros(batch, np.int32)
    for pos, members in groups.items():
        out[pos] = len(members)
    return out


DENSE_TO_DENSE = register("dense_to_dense_set_operation", OPAQUE, _dense_dense_infer,
                          _dense_dense_ref, num_outputs=3)
DENSE_TO_SPARSE = register("dense_to_sparse_set_operation", OPAQUE, _dense_sparse_infer,
                           _dense_sparse_ref, num_outputs=3)
SPARSE_TO_SPARSE = register("sparse_to_sparse_set_operation", OPAQUE, _sparse_sparse_infer,
                            _sparse_sparse_ref, num_outputs=3)
SET_SIZE = register("set_size", OPAQUE, _size_infer, _size_ref)


# -- the tf.sets functions -----------------------------------------------------------------------

def _operand(x):
    if isinstance(x, SparseTensor):
        return x
    if isinstance(x, SparseTensorValue):  # TF1's, as convert_to_tensor_or_sparse_tensor takes
        return SparseTensor.from_value(x)
    return convert_to_tensor(x)


def _operands(a, b):
    """(a, b, flipped): TF's conversion, with a dense operand first (the ops take dense-sparse,
    not sparse-dense)."""
    a = _operand(a)
    if a.dtype.name not in _DTYPES:
        raise InvalidTypeError(f"'a' has invalid dtype `{a.dtype!r}` not in supported dtypes: "
                               f"{_SUPPORTED}.")
    b = _operand(b)
    if b.dtype is not a.dtype:
        raise InvalidTypeError(f"Types don't match, {a.dtype!r} vs {b.dtype!r}.")
    if isinstance(a, SparseTensor) and not isinstance(b, SparseTensor):
        return b, a, True
    return a, b, False


def _set_operation(a, b, set_operation, validate_indices):
    attrs = {"set_operation": set_operation, "validate_indices": validate_indices}
    if isinstance(a, SparseTensor):
        parts = dispatch(SPARSE_TO_SPARSE, (a.indices, a.values, a.dense_shape, b.indices,
                                            b.values, b.dense_shape), attrs)
    elif isinstance(b, SparseTensor):
        parts = dispatch(DENSE_TO_SPARSE, (a, b.indices, b.values, b.dense_shape), attrs)
    else:
        parts = dispatch(DENSE_TO_DENSE, (a, b), attrs)
    return SparseTensor(*parts)


def set_intersection(a, b, validate_indices=True):
    """The intersection of the sets along the last dimension of `a` and `b` (dense tensors or
    SparseTensors with indices in row-major order; all other dimensions must match), as a
    SparseTensor.

        >>> r = tf.sets.intersection(tf.constant([[1, 2], [3, 4]]), tf.constant([[2, 5], [6, 7]]))
        >>> r.values.numpy().tolist(), r.dense_shape.numpy().tolist()
        ([2], [2, 1])
    """
    a, b, _ = _operands(a, b)
    return _set_operation(a, b, "intersection", validate_indices)


def set_union(a, b, validate_indices=True):
    """The union of the sets along the last dimension of `a` and `b`, as a SparseTensor.

        >>> sp = tf.SparseTensor([[0, 0], [1, 0]], ["b", "c"], [2, 2])
        >>> tf.sets.union(tf.constant([["a", "b"], ["a", "a"]]), sp).values.numpy().tolist()
        [b'a', b'b', b'a', b'c']
    """
    a, b, _ = _operands(a, b)
    return _set_operation(a, b, "union", validate_indices)


def set_difference(a, b, aminusb=True, validate_indices=True):
    """The elements of `a`'s sets missing from `b`'s (`aminusb=False`: of b's missing from a's),
    along the last dimension, as a SparseTensor.

        >>> a, b = tf.constant([[1, 2, 3]]), tf.constant([[2, 4, 4]])
        >>> tf.sets.difference(a, b).values.numpy().tolist()
        [1, 3]
        >>> tf.sets.difference(a, b, aminusb=False).values.numpy().tolist()
        [4]
    """
    a, b, flipped = _operands(a, b)
    if flipped:
        aminusb = not aminusb
    return _set_operation(a, b, "a-b" if aminusb else "b-a", validate_indices)


def set_size(a, validate_indices=True):
    """The number of distinct values in each set of SparseTensor `a` (int32, shaped like a's
    dimensions but the last).

        >>> tf.sets.size(tf.SparseTensor([[0, 0], [0, 1], [1, 0]], [7, 7, 8], [2, 3])).numpy()
        array([1, 1], dtype=int32)
    """
    a = _operand(a)
    if not isinstance(a, SparseTensor):
        raise InvalidTypeError(f"Expected `SparseTensor`, got {a}.")
    if a.values.dtype.name not in _DTYPES:
        raise InvalidTypeError(f"Invalid dtype `{a.values.dtype!r}` not in supported dtypes: "
                               f"{_SUPPORTED}.")
    return dispatch(SET_SIZE, (a.indices, a.values, a.dense_shape),
                    {"validate_indices": validate_indices})
