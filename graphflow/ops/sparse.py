"""tf.SparseTensor and tf.sparse: a tensor stored as the coordinates of its nonzero elements.

A SparseTensor is three tensors (eager or symbolic, so it works in traced functions too):
`indices` (int64, [N, rank]: one row per stored element), `values` ([N]) and `dense_shape`
(int64, [rank]); every other element is zero. Like tf.RaggedTensor (ops/ragged.py) it is a
composite: tf.nest with expand_composites=True, graphflow.function arguments and results and
tf.data elements see its three component tensors, and a static shape (`sp.shape`) travels
beside them (known in a trace when the call's dense_shape was).

Six primitive (registry) ops do what the others are built from: `sparse_to_dense` (with TF's
index checks), `sparse_reorder_perm` (the permutation sorting the indices), `sparse_reshape`,
`sparse_union` (the merged indices of two operands, for add / maximum / minimum),
`sparse_groups` (the distinct rows of some index columns, for reductions, softmax and
bincount) and `sparse_dense_matmul`. All but the first and last compute only integer index
structures; values move through gathers and scatters, so gradients reach `values` and dense
operands as in TF (reduce_max too, where TF defines no gradient).

    >>> import graphflow as tf
    >>> sp = tf.sparse.SparseTensor(indices=[[0, 0], [1, 2]], values=[1.0, 2.0], dense_shape=[3, 4])
    >>> sp.shape
    TensorShape([3, 4])
    >>> tf.sparse.to_dense(sp).numpy()
    array([[1., 0., 0., 0.],
           [0., 0., 2., 0.],
           [0., 0., 0., 0.]], dtype=float32)
"""
import collections

import numpy as np

from graphflow import dtypes
from graphflow.errors import InvalidArgumentError, InvalidTypeError
from graphflow.ops import elementwise as ew
from graphflow.ops import gather_scatter as gs
from graphflow.ops import reduce as rd
from graphflow.ops import rules
from graphflow.ops import shape as sh
from graphflow.ops.creation import convert_to_tensor, fill, zeros
from graphflow.ops.registry import OPAQUE, Spec, dispatch, register
from graphflow.ops.static import constant_value, partial_value
from graphflow.tensor import (EagerTensor, SymbolicTensor, Tensor, TensorShape, TensorSpec,
                              Variable, as_shape)

INT = "i"


def _fmt_index(row):
    return "[" + ",".join(str(int(v)) for v in row) + "]"


def _rule(infer, arrays, values=(), **attrs):
    """Runs a shape rule on concrete arrays, so a kernel rejects exactly what graph building
    rejects (the rule reads the values of the inputs at positions `values`)."""
    specs = [Spec(a.shape, dtypes.from_numpy(a.dtype), a if i in values else None)
             for i, a in enumerate(arrays)]
    return infer(specs, **attrs)


def _known_dims(value):
    """A partially known shape value (a tuple, or a 1-D integer array) as a tuple, or None."""
    if isinstance(value, tuple):
        return value
    if isinstance(value, np.ndarray) and value.ndim == 1 and value.dtype.kind in "iu":
        return tuple(int(v) for v in value)
    return None


# -- sparse_to_dense ---------------------------------------------------------------------------

def _to_dense_infer(specs, validate_indices):
    indices, values, shape, default = specs
    rules.check_kind("sparse_to_dense", indices, INT, 0)
    rules.check_kind("sparse_to_dense", shape, INT, 2)
    if indices.rank is not None and indices.rank != 2:
        raise InvalidArgumentError(f"sparse_to_dense: indices must be a matrix, got shape "
                                   f"{rules.fmt(indices.shape)}")
    if values.rank is not None and values.rank != 1:
        raise InvalidArgumentError(f"sparse_to_dense: values must be a vector, got shape "
                                   f"{rules.fmt(values.shape)}")
    if shape.rank is not None and shape.rank != 1:
        raise InvalidArgumentError(f"sparse_to_dense: dense_shape must be a vector, got shape "
                                   f"{rules.fmt(shape.shape)}")
    if default.rank is not None and default.rank != 0:
        raise InvalidArgumentError(f"sparse_to_dense: default_value must be a scalar, got shape "
                                   f"{rules.fmt(default.shape)}")
    if default.dtype is not values.dtype:
        raise InvalidArgumentError(
            f"sparse_to_dense: default_value has dtype {default.dtype.name} but values have "
            f"{values.dtype.name}")
    known = _known_dims(shape.value)
    if known is not None:
        return [(tuple(None if d is None or d < 0 else d for d in known), values.dtype)]
    rank = shape.shape[0] if shape.rank == 1 else None
    if rank is None and indices.rank == 2:
        rank = indices.shape[1]
    return [(None if rank is None else (None,) * rank, values.dtype)]


def _to_dense_ref(indices, values, shape, default, validate_indices):
    _rule(_to_dense_infer, [indices, values, shape, default], validate_indices=validate_indices)
    shape = tuple(int(d) for d in shape)
    if any(d < 0 for d in shape):
        raise InvalidArgumentError(f"sparse_to_dense: dense_shape must be >= 0, got {list(shape)}")
    if indices.shape[1] != len(shape) or values.shape[0] != indices.shape[0]:
        raise InvalidArgumentError(
            f"sparse_to_dense: indices of shape {list(indices.shape)} do not match values of "
            f"shape {list(values.shape)} and dense_shape {list(shape)}")
    bound = "[" + ",".join(str(d) for d in shape) + "]"
    inside = np.all((indices >= 0) & (indices < np.asarray(shape, np.int64)), axis=1)
    if validate_indices:
        # TF reports the first bad row, in order; the rows before it are checked at once.
        in_order = np.concatenate([[True], _row_steps(indices) > 0])
        for i in np.nonzero(~inside | ~in_order)[0][:1]:
            if not inside[i]:
                raise InvalidArgumentError(
                    f"sparse_to_dense: indices[{i}] = {_fmt_index(indices[i])} is out of bounds: "
                    f"need 0 <= index < {bound}")
            if i and tuple(indices[i]) <= tuple(indices[i - 1]):
                what = "repeated" if tuple(indices[i]) == tuple(indices[i - 1]) else "out of order"
                extra = (". Many sparse ops require sorted indices.\n    Use `tf.sparse.reorder` "
                         "to create a correctly ordered copy.\n\n") if what == "out of order" else ""
                raise InvalidArgumentError(
                    f"sparse_to_dense: indices[{i}] = {_fmt_index(indices[i])} is {what}{extra}")
    elif not np.all(inside):
        raise InvalidArgumentError(
            f"sparse_to_dense: Indices are not valid (out of bounds).  Shape: {bound}")
    out = np.full(shape, default, dtype=values.dtype)
    if indices.shape[0]:
        out[tuple(indices.T)] = values  # of repeated indices the last one wins, as in TF
    return out


def _to_dense_grad(inputs, outputs, dy, validate_indices):
    indices = inputs[0]
    picked = gs.gather_nd(dy, indices)
    return None, picked, None, rd.reduce_sum(dy) - rd.reduce_sum(picked)


SPARSE_TO_DENSE = register("sparse_to_dense", OPAQUE, _to_dense_infer, _to_dense_ref,
                           _to_dense_grad)
SPARSE_TO_DENSE.value_inputs = (2,)


# -- sparse_reorder_perm -----------------------------------------------------------------------

def _matrix_infer(op_name, spec, position=0):
    rules.check_kind(op_name, spec, INT, position)
    if spec.rank is not None and spec.rank != 2:
        raise InvalidArgumentError(f"{op_name}: indices must be a matrix, got shape "
                                   f"{rules.fmt(spec.shape)}")


def _reorder_infer(specs):
    _matrix_infer("sparse_reorder_perm", specs[0])
    n = specs[0].shape[0] if specs[0].rank == 2 else None
    return [((n,), dtypes.int64)]


def _row_order(indices):
    """The stable permutation that sorts index rows lexicographically (row-major order)."""
    if indices.shape[1] == 0:
        return np.arange(indices.shape[0], dtype=np.int64)
    return np.lexsort(indices.T[::-1]).astype(np.int64)


def _reorder_ref(indices):
    _rule(_reorder_infer, [indices])
    return _row_order(indices)


SPARSE_REORDER_PERM = register("sparse_reorder_perm", OPAQUE, _reorder_infer, _reorder_ref)


# -- sparse_reshape ----------------------------------------------------------------------------

def _reshape_infer(specs):
    indices, shape, new_shape = specs
    _matrix_infer("sparse_reshape", indices)
    rules.check_kind("sparse_reshape", shape, INT, 1)
    rules.check_kind("sparse_reshape", new_shape, INT, 2)
    n = indices.shape[0] if indices.rank == 2 else None
    rank = new_shape.shape[0] if new_shape.rank == 1 else None
    return [((n, rank), dtypes.int64), ((rank,), dtypes.int64)]


def _resolve_shape(shape, new_shape):
    total = int(np.prod(shape, dtype=np.int64))
    out = [int(d) for d in new_shape]
    unknown = [i for i, d in enumerate(out) if d == -1]
    if len(unknown) > 1:
        raise InvalidArgumentError(
            f"sparse_reshape: only one output dimension may be -1, not both {unknown[0]} and "
            f"{unknown[1]}")
    if any(d < -1 for d in out):
        raise InvalidArgumentError(f"sparse_reshape: size {min(out)} must be non-negative")
    known = int(np.prod([d for d in out if d != -1], dtype=np.int64))
    texts = "input_shape=" + _fmt_index(shape) + " output_shape="
    if unknown:
        if known == 0 or total % known:
            out[unknown[0]] = 1  # what TF's message shows for the dim it could not infer
            raise InvalidArgumentError(
                f"sparse_reshape: Input to reshape is a SparseTensor with {total} dense values, "
                f"but the requested shape requires a multiple of {known}. {texts}"
                f"{_fmt_index(out)}")
        out[unknown[0]] = total // known
    elif known != total:
        raise InvalidArgumentError(
            f"sparse_reshape: Input to reshape is a tensor with {total} dense values, but the "
            f"requested shape has {known}. {texts}{_fmt_index(out)}")
    return out


def _reshape_ref(indices, shape, new_shape):
    _rule(_reshape_infer, [indices, shape, new_shape])
    shape = [int(d) for d in shape]
    if indices.shape[1] != len(shape):
        raise InvalidArgumentError(
            f"sparse_reshape: input indices have rank {indices.shape[1]} but dense_shape has "
            f"{len(shape)} elements")
    out = _resolve_shape(shape, new_shape)
    bad = np.nonzero(np.any((indices < 0) | (indices >= np.asarray(shape, np.int64)), axis=1))[0]
    if bad.size:
        raise InvalidArgumentError(
            f"sparse_reshape: indices[{int(bad[0])}] = {_fmt_index(indices[bad[0]])} is out of "
            f"bounds: need 0 <= index < {_fmt_index(shape)}")
    if indices.shape[0] == 0:
        return np.zeros((0, len(out)), np.int64), np.asarray(out, np.int64)
    linear = np.ravel_multi_index(tuple(indices.T.astype(np.int64)), shape) if shape else \
        np.zeros(indices.shape[0], np.int64)
    new = np.stack(np.unravel_index(linear, out), axis=1) if out else \
        np.zeros((indices.shape[0], 0), np.int64)
    return new.astype(np.int64), np.asarray(out, np.int64)


SPARSE_RESHAPE = register("sparse_reshape", OPAQUE, _reshape_infer, _reshape_ref,
                          num_outputs=2)


# -- sparse_union: the merged indices of two sparse operands -----------------------------------

def _union_infer(specs):
    a, a_shape, b, b_shape = specs
    for i, s in enumerate(specs):
        rules.check_kind("sparse_union", s, INT, i)
    _matrix_infer("sparse_union", a)
    _matrix_infer("sparse_union", b, 2)
    if a.rank == 2 and b.rank == 2 and None not in (a.shape[1], b.shape[1]) and \
            a.shape[1] != b.shape[1]:
        raise InvalidArgumentError(f"sparse_union: Input indices must have the same dimension, "
                                   f"got {a.shape[1]} and {b.shape[1]}")
    rank = a.shape[1] if a.rank == 2 else None
    if rank is None and b.rank == 2:
        rank = b.shape[1]
    na = a.shape[0] if a.rank == 2 else None
    nb = b.shape[0] if b.rank == 2 else None
    return [((None, rank), dtypes.int64), ((na,), dtypes.int64), ((nb,), dtypes.int64)]


def _row_steps(rows):
    """For each row after the first, the sign of its lexicographic step from the previous
    row: 1 (after it), 0 (equal), -1 (before it)."""
    if rows.shape[0] < 2:
        return np.zeros(0, np.int64)
    step = np.sign(rows[1:].astype(np.int64) - rows[:-1].astype(np.int64))
    if step.shape[1] == 0:
        return np.zeros(step.shape[0], np.int64)
    first = np.argmax(step != 0, axis=1)
    return step[np.arange(step.shape[0]), first]


def _unique_rows(rows):
    """(distinct rows in row-major order, each row's position among them). Rows become single
    int64 keys (mixed-radix over each column's range) when those fit, which NumPy sorts much
    faster than rows."""
    rows = rows.astype(np.int64)
    if rows.shape[0] and rows.shape[1]:
        low = rows.min(axis=0)
        radix = [int(r) for r in rows.max(axis=0) - low + 1]  # Python ints: no overflow
        if int(np.prod(radix, dtype=object)) < 2 ** 62:
            steps = np.ones(len(radix), np.int64)  # the last column varies fastest
            for j in range(len(radix) - 2, -1, -1):
                steps[j] = steps[j + 1] * radix[j + 1]
            keys = (rows - low) @ steps
            _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
            return rows[first], inverse.reshape(-1).astype(np.int64)
    out, inverse = np.unique(rows, axis=0, return_inverse=True)
    return out.reshape(-1, rows.shape[1]), inverse.reshape(-1).astype(np.int64)


def _strictly_sorted(rows):
    return bool(np.all(_row_steps(rows) > 0))


def _union_ref(a, a_shape, b, b_shape):
    _rule(_union_infer, [a, a_shape, b, b_shape])
    if a_shape.shape != b_shape.shape:
        raise InvalidArgumentError(f"sparse_union: Operands do not have the same ranks; got "
                                   f"shapes: {_fmt_index(a_shape)} and {_fmt_index(b_shape)} "
                                   f"(the operands of tf.sparse.add, maximum or minimum)")
    for k, (x, y) in enumerate(zip(a_shape, b_shape)):
        if x != y:
            raise InvalidArgumentError(f"sparse_union: Operands' shapes do not match: got {x} "
                                       f"and {y} for dimension {k} (the operands of "
                                       f"tf.sparse.add, maximum or minimum)")
    a, b = a.astype(np.int64), b.astype(np.int64)
    if _strictly_sorted(a) and _strictly_sorted(b):  # the usual case, without a Python loop
        rows, inverse = _unique_rows(np.concatenate([a, b]))
        return rows, inverse[:len(a)], inverse[len(a):]
    # TF's SparseAdd merges the two lists as if they were sorted; unsorted ones give its order.
    out, a_pos, b_pos = [], np.zeros(len(a), np.int64), np.zeros(len(b), np.int64)
    i = j = 0
    ta, tb = [tuple(r) for r in a], [tuple(r) for r in b]
    while i < len(a) and j < len(b):
        if ta[i] < tb[j]:
            a_pos[i] = len(out)
            out.append(a[i])
            i += 1
        elif ta[i] > tb[j]:
            b_pos[j] = len(out)
            out.append(b[j])
            j += 1
        else:
            a_pos[i] = b_pos[j] = len(out)
            out.append(a[i])
            i, j = i + 1, j + 1
    for k in range(i, len(a)):
        a_pos[k] = len(out)
        out.append(a[k])
    for k in range(j, len(b)):
        b_pos[k] = len(out)
        out.append(b[k])
    rows = np.array(out, np.int64).reshape(-1, a.shape[1])
    return rows, a_pos, b_pos


SPARSE_UNION = register("sparse_union", OPAQUE, _union_infer, _union_ref, num_outputs=3)


# -- sparse_groups: the distinct rows of an index matrix ---------------------------------------

def _groups_infer(specs, check_nonnegative=False):
    _matrix_infer("sparse_groups", specs[0])
    k = specs[0].shape[1] if specs[0].rank == 2 else None
    n = specs[0].shape[0] if specs[0].rank == 2 else None
    return [((None, k), dtypes.int64), ((n,), dtypes.int64)]


def _groups_ref(keys, check_nonnegative=False):
    _rule(_groups_infer, [keys])
    if check_nonnegative and np.any(keys < 0):  # bincount's values
        raise InvalidArgumentError("sparse_groups: Input values must all be non-negative (the "
                                   "values tf.sparse.bincount counts)")
    if keys.shape[0] == 0:
        return np.zeros((0, keys.shape[1]), np.int64), np.zeros(0, np.int64)
    if keys.shape[1] == 0:  # one group: every row is the empty tuple
        return np.zeros((1, 0), np.int64), np.zeros(keys.shape[0], np.int64)
    return _unique_rows(keys)


SPARSE_GROUPS = register("sparse_groups", OPAQUE, _groups_infer, _groups_ref, num_outputs=2)


# -- sparse_dense_matmul -----------------------------------------------------------------------

def _matmul_infer(specs, adjoint_a, adjoint_b):
    indices, values, shape, b = specs
    rules.check_kind("sparse_dense_matmul", indices, INT, 0)
    rules.check_kind("sparse_dense_matmul", shape, INT, 2)
    rules.check_kind("sparse_dense_matmul", values, "fiu", 1)
    if b.dtype is not values.dtype:
        raise InvalidArgumentError(
            f"sparse_dense_matmul: b has dtype {b.dtype.name} but the sparse values have "
            f"{values.dtype.name}")
    if b.rank is not None and b.rank != 2:
        raise InvalidArgumentError(f"sparse_dense_matmul: Tensor 'b' is not a matrix, got shape "
                                   f"{rules.fmt(b.shape)}")
    if shape.rank == 1 and shape.shape[0] is not None and shape.shape[0] != 2:
        raise InvalidArgumentError(f"sparse_dense_matmul: Tensor 'a_shape' must have 2 elements, "
                                   f"got {shape.shape[0]}")
    known = _known_dims(shape.value) or (None, None)
    if len(known) != 2:
        raise InvalidArgumentError(f"sparse_dense_matmul: Tensor 'a_shape' must have 2 elements, "
                                   f"got {len(known)}")
    rows, inner = (known[1], known[0]) if adjoint_a else known
    if b.rank == 2:
        b_inner, cols = (b.shape[1], b.shape[0]) if adjoint_b else b.shape
    else:
        b_inner = cols = None
    if None not in (inner, b_inner) and inner != b_inner:
        raise InvalidArgumentError(
            f"sparse_dense_matmul: Cannot multiply A and B because inner dimension does not "
            f"match: {inner} vs. {b_inner}.  Did you forget a transpose?  Dimensions of A: "
            f"{rules.fmt(known)}.  Dimensions of B: {rules.fmt(b.shape)}")
    return [((rows, cols), values.dtype)]


def _matmul_ref(indices, values, shape, b, adjoint_a, adjoint_b):
    _rule(_matmul_infer, [indices, values, shape, b], (2,), adjoint_a=adjoint_a,
          adjoint_b=adjoint_b)
    if len(shape) != 2:
        raise InvalidArgumentError(f"sparse_dense_matmul: Tensor 'a_shape' must have 2 elements, "
                                   f"got {len(shape)}")
    if b.ndim != 2:
        raise InvalidArgumentError(f"sparse_dense_matmul: Tensor 'b' is not a matrix, got shape "
                                   f"{list(b.shape)}")
    if indices.shape[1] != 2 or values.shape != (indices.shape[0],):
        raise InvalidArgumentError(
            f"sparse_dense_matmul: indices of shape {list(indices.shape)} and values of shape "
            f"{list(values.shape)} do not describe a sparse matrix")
    a_rows, a_cols = int(shape[0]), int(shape[1])
    bm = b.T if adjoint_b else b
    rows, cols = indices[:, 0], indices[:, 1]
    out_rows, inner = (a_cols, a_rows) if adjoint_a else (a_rows, a_cols)
    if inner != bm.shape[0]:
        raise InvalidArgumentError(
            f"sparse_dense_matmul: Cannot multiply A and B because inner dimension does not "
            f"match: {inner} vs. {bm.shape[0]}.  Did you forget a transpose?  Dimensions of A: "
            f"[{a_rows}, {a_cols}).  Dimensions of B: {_fmt_index(b.shape)}")
    out_idx, in_idx = (cols, rows) if adjoint_a else (rows, cols)
    for name, idx, limit, col in (("m", out_idx, out_rows, 1 if adjoint_a else 0),
                                  ("k", in_idx, inner, 0 if adjoint_a else 1)):
        bad = np.nonzero((idx < 0) | (idx >= limit))[0]
        if bad.size:
            raise InvalidArgumentError(
                f"sparse_dense_matmul: {name} ({int(idx[bad[0]])}) from index[{int(bad[0])},"
                f"{col}] out of bounds (>={limit})")
    out = np.zeros((out_rows, bm.shape[1]), dtype=values.dtype)
    vals = np.conj(values) if adjoint_a else values
    np.add.at(out, out_idx, vals[:, None] * bm[in_idx])
    return out


def _matmul_grad(inputs, outputs, dy, adjoint_a, adjoint_b):
    indices, values, shape, b = inputs
    rows, cols = indices[:, 0], indices[:, 1]
    out_idx, in_idx = (cols, rows) if adjoint_a else (rows, cols)
    bm = sh.transpose(b) if adjoint_b else b
    d_values = rd.reduce_sum(sh.gather(dy, out_idx) * sh.gather(bm, in_idx), axis=1)
    d_bm = sparse_dense_matmul_op(indices, values, shape, dy, not adjoint_a, False)
    return None, d_values, None, (sh.transpose(d_bm) if adjoint_b else d_bm)


SPARSE_DENSE_MATMUL = register("sparse_dense_matmul", OPAQUE, _matmul_infer, _matmul_ref,
                               _matmul_grad, same_dtype=(1, 3))
SPARSE_DENSE_MATMUL.value_inputs = (2,)


def sparse_dense_matmul_op(indices, values, shape, b, adjoint_a, adjoint_b):
    """The primitive on a SparseTensor's components (its gradient calls it too)."""
    return dispatch(SPARSE_DENSE_MATMUL, (indices, values, shape, b),
                    {"adjoint_a": bool(adjoint_a), "adjoint_b": bool(adjoint_b)})


# -- SparseTensor ------------------------------------------------------------------------------

def _int64(value, what):
    """indices / dense_shape as int64 tensors: Python values are converted, int64 tensors kept;
    other tensors are TF's ValueError."""
    if isinstance(value, Variable):
        value = value.value()
    if isinstance(value, Tensor):
        if value.dtype is not dtypes.int64:
            raise InvalidArgumentError(
                f"{what}: Tensor conversion requested dtype int64 for Tensor with dtype "
                f"{value.dtype.name}: {value!r}")
        return value
    try:
        return convert_to_tensor(value, dtypes.int64)
    except InvalidArgumentError as e:
        raise InvalidTypeError(f"SparseTensor: cannot convert {what} {value!r:.60} to int64: "
                               f"{e}") from None


def _values_tensor(value, dtype=None):
    if isinstance(value, Variable):
        return value.value()
    if isinstance(value, Tensor):
        return value
    return convert_to_tensor(value, dtype)


def _compatible(a, b):
    return a is None or b is None or a == b


def _static_shape(dense_shape, rank):
    # (a get_concrete_function spec stands in for a tensor no node produces: nothing is known)
    known = None if getattr(dense_shape, "node", True) is None else partial_value(dense_shape)
    if isinstance(known, tuple):
        if any(d is not None and d < 0 for d in known):
            bad = next(d for d in known if d is not None and d < 0)
            raise InvalidArgumentError(f"SparseTensor: Dimension {bad} must be >= 0")
        return TensorShape(list(known))
    return TensorShape(None if rank is None else [None] * rank)


class SparseTensor:
    """A tensor given by the coordinates and values of its nonzero elements (see the module
    docstring). `indices` is an int64 [N, rank] matrix, `values` an [N] vector, `dense_shape`
    an int64 [rank] vector; TF's ops expect the indices in row-major order (tf.sparse.reorder).

        >>> sp = tf.SparseTensor([[0, 1]], [5], [2, 2])
        >>> sp.dtype, sp.shape
        (tf.int32, TensorShape([2, 2]))
    """

    def __init__(self, indices, values, dense_shape):
        indices = _int64(indices, "indices")
        values = _values_tensor(values)
        dense_shape = _int64(dense_shape, "dense_shape")
        i_shape, v_shape, d_shape = indices.shape, values.shape, dense_shape.shape
        if i_shape.rank is not None and i_shape.rank != 2:
            raise InvalidArgumentError(f"Shape {i_shape} must have rank 2")
        if v_shape.rank is not None and v_shape.rank != 1:
            raise InvalidArgumentError(f"Shape {v_shape} must have rank 1")
        if d_shape.rank is not None and d_shape.rank != 1:
            raise InvalidArgumentError(f"Shape {d_shape} must have rank 1")
        n_i = i_shape[0] if i_shape.rank == 2 else None
        n_v = v_shape[0] if v_shape.rank == 1 else None
        if not _compatible(n_i, n_v):
            raise InvalidArgumentError(f"Dimensions {n_i} and {n_v} are not compatible")
        rank_i = i_shape[1] if i_shape.rank == 2 else None
        rank_d = d_shape[0] if d_shape.rank == 1 else None
        if not _compatible(rank_i, rank_d):
            raise InvalidArgumentError(f"Dimensions {rank_i} and {rank_d} are not compatible")
        self._indices, self._values, self._dense_shape = indices, values, dense_shape
        self._shape = _static_shape(dense_shape, rank_d if rank_d is not None else rank_i)

    @classmethod
    def from_value(cls, sparse_tensor_value):
        """A SparseTensor from another one (or anything with indices, values, dense_shape)."""
        v = sparse_tensor_value
        return cls(v.indices, v.values, v.dense_shape)

    @property
    def indices(self):
        return self._indices

    @property
    def values(self):
        return self._values

    @property
    def dense_shape(self):
        return self._dense_shape

    @property
    def dtype(self):
        return self._values.dtype

    @property
    def shape(self):
        """The static shape (None for dims known only when a graph runs)."""
        return self._shape

    def get_shape(self):
        return self._shape

    def set_shape(self, shape):
        """Refines the static shape (as TF's: an incompatible shape is a ValueError)."""
        self._shape = self._shape.merge_with(as_shape(shape))

    def with_values(self, new_values):
        """The same indices and dense_shape around new values (e.g. an op on `values`).

            >>> sp = tf.SparseTensor([[0, 1]], [5], [2, 2])
            >>> sp.with_values(sp.values * 2).values.numpy()
            array([10], dtype=int32)
        """
        new_values = _values_tensor(new_values)
        n, m = self._values.shape, new_values.shape
        if n.rank == 1 and m.rank == 1 and not _compatible(n[0], m[0]):
            raise InvalidArgumentError(f"Dimensions {n[0]} and {m[0]} are not compatible")
        out = SparseTensor(self._indices, new_values, self._dense_shape)
        out._shape = out._shape.merge_with(self._shape)
        return out

    def __repr__(self):
        return (f"SparseTensor(indices={self._indices}, values={self._values}, "
                f"dense_shape={self._dense_shape})")

    __str__ = __repr__

    # TF's operators: a sparse tensor times (or over) a dense one that broadcasts to it.
    def __mul__(self, other):
        return _cwise(self, other, "mul")

    def __truediv__(self, other):
        return _cwise(self, other, "div")

    __div__ = __truediv__

    # -- composite protocol (graphflow/utils/nest.py, graph/function.py, graphflow/data) -------
    def _composite_components(self):
        return [self._indices, self._values, self._dense_shape]

    def _from_composite_components(self, parts):
        out = SparseTensor(*parts)
        out._shape = out._shape.merge_with(self._shape)  # incompatible: ValueError, as TF
        return out

    @property
    def _type_spec(self):
        return SparseTensorSpec(self._shape, self.dtype)

    def _feed_components(self, value, what):
        """(component, fed value) pairs for a Session feed of this (placeholder) SparseTensor:
        a SparseTensorValue, an (indices, values, dense_shape) triple or an eager
        SparseTensor, as TF1 takes."""
        if isinstance(value, SparseTensor):
            value = [t.numpy() for t in value._composite_components()]
        if not isinstance(value, (tuple, list)) or len(value) != 3:
            raise InvalidTypeError(
                f"{what}: a SparseTensor is fed a SparseTensorValue or an (indices, values, "
                f"dense_shape) triple, got {type(value).__name__}")
        return list(zip(self._composite_components(), value))


# What Session.run returns for a fetched SparseTensor and takes as its feed (TF1's
# tf.compat.v1.SparseTensorValue): the three components as NumPy arrays.
SparseTensorValue = collections.namedtuple("SparseTensorValue",
                                           ["indices", "values", "dense_shape"])


class SparseTensorSpec:
    """Describes a SparseTensor argument (an input_signature entry, a dataset element): its
    static shape and dtype.

        >>> tf.SparseTensorSpec([None, 4], tf.float32)
        SparseTensorSpec(TensorShape([None, 4]), tf.float32)
    """

    def __init__(self, shape=None, dtype=dtypes.float32):
        self._shape = as_shape(shape)
        self._dtype = dtypes.as_dtype(dtype)

    @property
    def shape(self):
        return self._shape

    @property
    def dtype(self):
        return self._dtype

    @property
    def value_type(self):
        return SparseTensor

    @classmethod
    def from_value(cls, value):
        return cls(value.shape, value.dtype)

    def is_compatible_with(self, other):
        if isinstance(other, (SparseTensor, SparseTensorSpec)):
            return other.dtype is self._dtype and self._shape.is_compatible_with(other.shape)
        return False

    def _component_specs(self):
        rank = self._shape.rank
        return [TensorSpec([None, rank], dtypes.int64), TensorSpec([None], self._dtype),
                TensorSpec([rank], dtypes.int64)]

    def _composite_components(self):
        return self._component_specs()

    def _from_composite_components(self, parts):
        out = SparseTensor(*parts)
        out._shape = out._shape.merge_with(self._shape)
        return out

    def __eq__(self, other):
        return (isinstance(other, SparseTensorSpec) and self._shape == other._shape
                and self._dtype is other._dtype)

    def __hash__(self):
        return hash((SparseTensorSpec, self._shape, self._dtype))

    def __repr__(self):
        return f"SparseTensorSpec({self._shape!r}, {self._dtype!r})"


ew.VALUE_COMPOSITES.add(SparseTensor)


def _sparse(x, op_name, what="sp_input"):
    if not isinstance(x, SparseTensor):
        raise InvalidTypeError(f"{op_name}: {what} must be a SparseTensor, got "
                               f"{type(x).__name__}")
    return x


def _static_rank(sp):
    """The rank when it is known while building (None for a TF1 sparse_placeholder without a
    shape)."""
    rank = sp.shape.rank
    if rank is None and sp.indices.shape.rank == 2:
        rank = sp.indices.shape[1]
    if rank is None and sp.dense_shape.shape.rank == 1:
        rank = sp.dense_shape.shape[0]
    return rank


def _axis_one_hot(sp, axis, rank):
    """An int64 vector over the axes, 1 at `axis` (computed when the graph runs for an unknown
    rank)."""
    if rank is not None:
        return convert_to_tensor([1 if d == axis else 0 for d in range(rank)], dtypes.int64)
    from graphflow.ops.creation import range as range_
    count = sh.size(sp.dense_shape, dtypes.int64)
    at = _i64(axis) if axis >= 0 else count + axis
    return ew.cast(ew.equal(range_(count, dtype=dtypes.int64), at), dtypes.int64)


def _rank(sp, op_name):
    rank = _static_rank(sp)
    if rank is None:
        raise InvalidArgumentError(f"{op_name}: the rank of the SparseTensor must be known when "
                                   f"the graph is built")
    return rank


def _new(indices, values, dense_shape, shape=None):
    out = SparseTensor(indices, values, dense_shape)
    if shape is not None:
        out._shape = out._shape.merge_with(as_shape(shape))
    return out


def _count(t):
    """The number of rows of t as a [1] int64 tensor (for shapes known only at run time)."""
    return sh.shape(t, dtypes.int64)[:1]


def _i64(value):
    return convert_to_tensor(value, dtypes.int64)


def _columns(n, k):
    """An int64 [n, k] matrix of zeros (n a scalar tensor: a count known at run time)."""
    return zeros(sh.stack([n, _i64(k)]), dtypes.int64)


def _scatter_sum(positions, updates, count, dtype):
    """Sums of updates per position (positions: int64 [N]) into a vector of `count` elements."""
    base = zeros(count, dtype)
    return gs.tensor_scatter_nd_add(base, sh.expand_dims(positions, -1), updates)


# -- construction and conversion ---------------------------------------------------------------

@rules.composite("from_dense")
def from_dense(tensor, name=None):
    """The nonzero elements of a dense tensor as a SparseTensor (empty strings and False
    count as zero).

        >>> sp = tf.sparse.from_dense([[1, 0], [0, 2]])
        >>> sp.indices.numpy().tolist(), sp.values.numpy().tolist()
        ([[0, 0], [1, 1]], [1, 2])
    """
    x = _values_tensor(tensor)
    if x.shape.rank == 0:
        raise InvalidArgumentError("from_dense: the tensor must have rank >= 1, got a scalar")
    zero = convert_to_tensor(b"" if x.dtype is dtypes.string else 0, x.dtype)
    indices = ew.where(ew.not_equal(x, zero))
    return _new(indices, gs.gather_nd(x, indices), sh.shape(x, dtypes.int64), x.shape)


@rules.composite("to_dense")
def to_dense(sp_input, default_value=None, validate_indices=True, name=None):
    """The dense tensor: values at their indices, default_value (zero) elsewhere. With
    validate_indices (the default) the indices must be in bounds, sorted and distinct.

        >>> sp = tf.sparse.SparseTensor([[0, 1]], [5.0], [2, 2])
        >>> tf.sparse.to_dense(sp, default_value=-1.0).numpy()
        array([[-1.,  5.],
               [-1., -1.]], dtype=float32)
    """
    sp = _sparse(sp_input, "to_dense")
    if default_value is None:
        default_value = b"" if sp.dtype is dtypes.string else 0
    default = default_value if isinstance(default_value, (Tensor, Variable)) else \
        convert_to_tensor(default_value, sp.dtype)
    out = dispatch(SPARSE_TO_DENSE, (sp.indices, sp.values, sp.dense_shape, default),
                   {"validate_indices": bool(validate_indices)}, name)
    return _with_static_shape(out, sp.shape)


def _with_static_shape(t, shape):
    """t with the static shape the sparse operand knows (a trace's dense_shape placeholder
    has no value, but its SparseTensorSpec gives the shape)."""
    if shape.rank is None or t.shape.rank != shape.rank or t.shape == shape:
        return t
    if isinstance(t, SymbolicTensor) and t.shape.is_compatible_with(shape):
        t.set_shape(shape)
    return t


@rules.composite("reorder")
def reorder(sp_input, name=None):
    """The same SparseTensor with its indices in row-major (lexicographic) order.

        >>> sp = tf.sparse.SparseTensor([[1, 0], [0, 1]], [1, 2], [2, 2])
        >>> tf.sparse.reorder(sp).indices.numpy().tolist()
        [[0, 1], [1, 0]]
    """
    sp = _sparse(sp_input, "reorder")
    perm = dispatch(SPARSE_REORDER_PERM, (sp.indices,))
    return _new(sh.gather(sp.indices, perm), sh.gather(sp.values, perm), sp.dense_shape,
                sp.shape)


@rules.composite("reshape")
def reshape(sp_input, shape, name=None):
    """The SparseTensor with a new dense shape (one dim may be -1), the same values in the
    same row-major positions.

        >>> sp = tf.sparse.SparseTensor([[1, 2]], [7], [3, 4])
        >>> tf.sparse.reshape(sp, [-1, 2]).indices.numpy().tolist()
        [[3, 0]]
    """
    sp = _sparse(sp_input, "reshape")
    target = _int64(shape, "shape")
    new_indices, new_shape = dispatch(SPARSE_RESHAPE, (sp.indices, sp.dense_shape, target))
    static = None
    known = constant_value(target)
    if known is not None:
        dims = [int(d) for d in np.asarray(known).reshape(-1)]
        if -1 in dims and sp.shape.is_fully_defined():
            dims = _resolve_shape(sp.shape.as_list(), dims)
        static = [None if d == -1 else d for d in dims]
    return _new(new_indices, sp.values, new_shape, static)


def eye(num_rows, num_columns=None, dtype=dtypes.float32, name=None):
    """A sparse identity matrix of num_rows x num_columns (square by default).

        >>> tf.sparse.eye(2, 3).indices.numpy().tolist()
        [[0, 0], [1, 1]]
    """
    from graphflow.ops.creation import range as range_
    rows = convert_to_tensor(num_rows, dtypes.int64) if not isinstance(num_rows, Tensor) \
        else ew.cast(num_rows, dtypes.int64)
    cols = rows if num_columns is None else (
        convert_to_tensor(num_columns, dtypes.int64) if not isinstance(num_columns, Tensor)
        else ew.cast(num_columns, dtypes.int64))
    diag = range_(ew.minimum(rows, cols), dtype=dtypes.int64)
    dtype = dtypes.as_dtype(dtype)
    values = fill(sh.shape(diag), 1, dtype)
    return _new(sh.stack([diag, diag], axis=1), values, sh.stack([rows, cols]))


# -- arithmetic --------------------------------------------------------------------------------

def _cwise(sp, other, mode):
    """sp * dense or sp / dense, where dense broadcasts to sp's shape (never the reverse)."""
    op_name = {"mul": "sparse_dense_cwise_mul", "div": "sparse_dense_cwise_div"}[mode]
    if isinstance(other, SparseTensor):
        raise InvalidTypeError(f"{op_name}: the other operand must be dense, got a SparseTensor")
    if isinstance(other, (Tensor, Variable)):
        y = _values_tensor(other)
        if y.dtype is not sp.dtype:
            raise InvalidArgumentError(
                f"y: Tensor conversion requested dtype {sp.dtype.name} for Tensor with dtype "
                f"{y.dtype.name}: {y!r}")
    else:
        y = convert_to_tensor(other, sp.dtype)
    rank_y = y.shape.rank
    if rank_y is None:
        raise InvalidArgumentError(f"{op_name}: the rank of the dense operand must be known")
    if rank_y == 0:
        picked = y
    else:
        rank = _rank(sp, op_name)
        dims, dense = sp.shape.as_list(), y.shape.as_list()
        if rank_y > rank or any(
                b is not None and b != 1 and a is not None and a != b
                for a, b in zip(dims[rank - rank_y:], dense)):
            raise InvalidArgumentError(
                f"{op_name}: SparseDenseBinaryOpShared broadcasts dense to sparse only; got "
                f"incompatible shapes: {_fmt_index(dims) if None not in dims else dims} vs. "
                f"{_fmt_index(dense) if None not in dense else dense}")
        # A dense dim of 1 is read at index 0 for every element (broadcasting).
        keep = ew.cast(ew.not_equal(sh.shape(y, dtypes.int64), 1), dtypes.int64)
        picked = gs.gather_nd(y, sp.indices[:, rank - rank_y:] * keep)
    values = sp.values * picked if mode == "mul" else ew.truediv(sp.values, picked)
    return sp.with_values(values)


def _same_dtype(op_name, a, b):
    if a.dtype is not b.dtype:
        raise InvalidArgumentError(
            f"{op_name}: the operands have dtypes {a.dtype.name} and {b.dtype.name}; they must "
            f"match")


def _check_same_static_shape(op_name, a_shape, b_shape):
    if a_shape.rank is None or b_shape.rank is None:
        return
    if a_shape.rank != b_shape.rank:
        raise InvalidArgumentError(f"{op_name}: Two operands have different ranks; received: "
                                   f"{a_shape.rank} and {b_shape.rank}")
    for k, (x, y) in enumerate(zip(a_shape.as_list(), b_shape.as_list())):
        if x is not None and y is not None and x != y:
            raise InvalidArgumentError(f"{op_name}: Operands' shapes do not match: got {x} and "
                                       f"{y} for dimension {k}")


def _union(a, b):
    return dispatch(SPARSE_UNION, (a.indices, a.dense_shape, b.indices, b.dense_shape))


@rules.composite("add")
def add(a, b, threshold=0, name=None):
    """a + b where at least one is a SparseTensor: two sparse operands give a SparseTensor (of
    elements both store, the sums; entries whose magnitude is below `threshold` are dropped),
    a sparse and a dense one give a dense tensor.

        >>> sp = tf.sparse.SparseTensor([[0, 0]], [1.0], [2, 2])
        >>> tf.sparse.add(sp, sp).values.numpy()
        array([2.], dtype=float32)
        >>> tf.sparse.add(sp, tf.ones([2, 2])).numpy()
        array([[2., 1.],
               [1., 1.]], dtype=float32)
    """
    a_sparse, b_sparse = isinstance(a, SparseTensor), isinstance(b, SparseTensor)
    if not a_sparse and not b_sparse:
        raise InvalidTypeError("At least one input should be SparseTensor; do you mean to use "
                               "tf.add()?")
    if a_sparse and b_sparse:
        _same_dtype("sparse_add", a, b)
        if a.shape.rank is not None and b.shape.rank is not None and a.shape.rank != b.shape.rank:
            raise InvalidArgumentError(f"sparse_add: Input indices must have the same dimension, "
                                       f"got {a.shape.rank} and {b.shape.rank}")
        _check_same_static_shape("sparse_add", a.shape, b.shape)
        indices, a_pos, b_pos = _union(a, b)
        n = _count(indices)
        values = _scatter_sum(a_pos, a.values, n, a.dtype) + \
            _scatter_sum(b_pos, b.values, n, a.dtype)
        threshold_value = constant_value(threshold)
        if threshold_value is None or np.any(np.asarray(threshold_value) != 0):
            keep = ew.greater_equal(ew.abs(values), ew.cast(threshold, values.dtype))
            indices, values = gs.boolean_mask(indices, keep), gs.boolean_mask(values, keep)
        return _new(indices, values, a.dense_shape, a.shape.merge_with(b.shape))
    sp, dense = (a, b) if a_sparse else (b, a)
    dense = _values_tensor(dense, sp.dtype)
    _same_dtype("sparse_tensor_dense_add", sp, dense)
    _check_same_static_shape("sparse_tensor_dense_add", sp.shape, dense.shape)
    return gs.tensor_scatter_nd_add(dense, sp.indices, sp.values)


def _pairwise(a, b, fn, op_name):
    a, b = _sparse(a, op_name, "sp_a"), _sparse(b, op_name, "sp_b")
    _same_dtype(op_name, a, b)
    _check_same_static_shape(op_name, a.shape, b.shape)
    indices, a_pos, b_pos = _union(a, b)
    n = _count(indices)
    values = fn(_scatter_sum(a_pos, a.values, n, a.dtype), _scatter_sum(b_pos, b.values, n, a.dtype))
    return _new(indices, values, a.dense_shape, a.shape.merge_with(b.shape))


@rules.composite("maximum")
def maximum(sp_a, sp_b, name=None):
    """The elementwise maximum of two SparseTensors of one shape (an element only one of them
    stores is compared with zero).

        >>> a = tf.sparse.SparseTensor([[0], [1]], [1.0, -2.0], [2])
        >>> tf.sparse.maximum(a, tf.sparse.SparseTensor([[1]], [-3.0], [2])).values.numpy()
        array([ 1., -2.], dtype=float32)
    """
    return _pairwise(sp_a, sp_b, ew.maximum, "maximum")


@rules.composite("minimum")
def minimum(sp_a, sp_b, name=None):
    """The elementwise minimum of two SparseTensors of one shape.

        >>> a = tf.sparse.SparseTensor([[0], [1]], [1.0, -2.0], [2])
        >>> tf.sparse.minimum(a, tf.sparse.SparseTensor([[1]], [-3.0], [2])).values.numpy()
        array([ 0., -3.], dtype=float32)
    """
    return _pairwise(sp_a, sp_b, ew.minimum, "minimum")


@rules.composite("sparse_dense_matmul")
def sparse_dense_matmul(sp_a, b, adjoint_a=False, adjoint_b=False, name=None):
    """The matrix product of a 2-D SparseTensor and a dense matrix (or of a dense matrix and a
    2-D SparseTensor), optionally with either operand adjointed (transposed).

        >>> sp = tf.sparse.SparseTensor([[0, 1]], [2.0], [2, 3])
        >>> tf.sparse.sparse_dense_matmul(sp, tf.ones([3, 1])).numpy()
        array([[2.],
               [0.]], dtype=float32)
    """
    if isinstance(b, SparseTensor) and not isinstance(sp_a, SparseTensor):
        # dense @ sparse = (sparse^T @ dense^T)^T
        a = _values_tensor(sp_a, b.dtype)
        out = sparse_dense_matmul_op(b.indices, b.values, b.dense_shape, a,
                                     not adjoint_b, not adjoint_a)
        return sh.transpose(out)
    sp = _sparse(sp_a, "sparse_dense_matmul", "sp_a")
    dense = _values_tensor(b, sp.dtype)
    out = sparse_dense_matmul_op(sp.indices, sp.values, sp.dense_shape, dense, adjoint_a,
                                 adjoint_b)
    if sp.shape.rank == 2:
        static = sp.shape.as_list()
        _with_static_shape(out, TensorShape([static[1] if adjoint_a else static[0],
                                             out.shape.as_list()[1]]))
    return out


# -- reductions --------------------------------------------------------------------------------

def _axes(sp, axis, op_name):
    rank = _rank(sp, op_name)
    if axis is None:
        return rank, tuple(range(rank))
    items = list(axis) if isinstance(axis, (list, tuple)) else [axis]
    axes = []
    for a in items:
        a = rules.as_axis(op_name, a)
        if not -rank <= a < rank:
            raise InvalidArgumentError(f"{op_name}: Invalid reduction dimension {a}, for input "
                                       f"with {rank} dimensions.")
        axes.append(a % rank)
    return rank, tuple(sorted(set(axes)))


def _reduce(sp_input, axis, keepdims, output_is_sparse, op_name, mode):
    sp = _sparse(sp_input, op_name)
    if sp.shape.rank is None and sp.indices.shape.rank != 2 or (
            sp.indices.shape.rank == 2 and sp.indices.shape[1] is None and sp.shape.rank is None):
        if mode == "sum" and not output_is_sparse:
            # The rank is known only when the graph runs (a TF1 sparse_placeholder without a
            # shape): sum the dense tensor, which the implicit zeros do not change.
            return rd.reduce_sum(to_dense(sp, validate_indices=False), axis, keepdims)
    rank, axes = _axes(sp, axis, op_name)
    kept = [d for d in range(rank) if d not in axes]
    dims = sp.shape.as_list()
    out_static = [1 if d in axes else dims[d] for d in range(rank)] if keepdims else \
        [dims[d] for d in kept]
    keys = sh.gather(sp.indices, kept, axis=1) if kept else _columns(_count(sp.indices)[0], 0)
    out_shape = sh.gather(sp.dense_shape, kept) if kept else _i64(np.zeros(0, np.int64))
    if output_is_sparse:
        groups, ids = dispatch(SPARSE_GROUPS, (keys,))
        values = _group_reduce(ids, sp.values, _count(groups), mode)
        if keepdims:
            groups, out_shape = _insert_unit_axes(groups, out_shape, axes, rank)
        return _new(groups, values, out_shape, out_static)
    if not kept:
        values = sp.values
        if mode == "sum":
            out = rd.reduce_sum(values)
        else:  # the largest stored value, or 0 when nothing is stored (as TF)
            lowest = _lowest(sp.dtype)
            out = ew.where(ew.greater(sh.size(values), 0),
                           rd.reduce_max(sh.concat([values, sh.reshape(lowest, [1])], 0)),
                           ew.zeros_like(lowest))
        return sh.reshape(out, [1] * rank) if keepdims else out
    if mode == "sum":
        out = gs.tensor_scatter_nd_add(zeros(out_shape, sp.dtype), keys, sp.values)
    else:
        top = gs.tensor_scatter_nd_max(fill(out_shape, _lowest(sp.dtype)), keys, sp.values)
        seen = gs.tensor_scatter_nd_add(zeros(out_shape, dtypes.int32), keys,
                                        fill(sh.shape(sp.values), 1, dtypes.int32))
        out = ew.where(ew.greater(seen, 0), top, ew.zeros_like(top))
    if keepdims:
        out = sh.expand_dims(out, axes[0]) if len(axes) == 1 else \
            sh.reshape(out, _keepdims_shape(sp.dense_shape, axes, rank))
    return _with_static_shape(out, TensorShape(out_static))


def _keepdims_shape(dense_shape, axes, rank):
    parts = [sh.reshape(ew.cast(1, dtypes.int64), [1]) if d in axes else dense_shape[d:d + 1]
             for d in range(rank)]
    return sh.concat(parts, 0)


def _insert_unit_axes(indices, shape, axes, rank):
    """Zero index columns and unit dims at the reduced axes (keepdims of a sparse result)."""
    cols, dims, k = [], [], 0
    zero_col = _columns(_count(indices)[0], 1)
    for d in range(rank):
        if d in axes:
            cols.append(zero_col)
            dims.append(convert_to_tensor([1], dtypes.int64))
        else:
            cols.append(indices[:, k:k + 1])
            dims.append(shape[k:k + 1])
            k += 1
    return sh.concat(cols, 1), sh.concat(dims, 0)


def _lowest(dtype):
    if dtype.is_floating:
        return convert_to_tensor(-np.inf, dtype)
    if dtype.is_bool:
        return convert_to_tensor(False, dtype)
    return convert_to_tensor(np.iinfo(dtype.np).min, dtype)


def _group_reduce(ids, values, count, mode):
    if mode == "sum":
        return _scatter_sum(ids, values, count, values.dtype)
    return gs.tensor_scatter_nd_max(fill(count, _lowest(values.dtype)), sh.expand_dims(ids, -1),
                                    values)


@rules.composite("reduce_sum")
def reduce_sum(sp_input, axis=None, keepdims=None, output_is_sparse=False, name=None):
    """Sums of a SparseTensor over the given axes (all by default), as a dense tensor (or, with
    output_is_sparse, a SparseTensor of the positions some stored element reaches).

        >>> sp = tf.sparse.SparseTensor([[0, 0], [1, 2]], [1.0, 2.0], [3, 4])
        >>> tf.sparse.reduce_sum(sp, axis=1).numpy()
        array([1., 2., 0.], dtype=float32)
    """
    return _reduce(sp_input, axis, bool(keepdims), output_is_sparse, "reduce_sum", "sum")


@rules.composite("reduce_max")
def reduce_max(sp_input, axis=None, keepdims=None, output_is_sparse=False, name=None):
    """Maxima of the stored values over the given axes (implicit zeros are not compared; a
    position no stored element reaches is 0), as a dense tensor or a SparseTensor.

        >>> y = tf.sparse.SparseTensor([[0, 0], [1, 0], [1, 1]], [-7, 4, 3], [3, 2])
        >>> tf.sparse.reduce_max(y, 1).numpy()
        array([-7,  4,  0], dtype=int32)
    """
    return _reduce(sp_input, axis, bool(keepdims), output_is_sparse, "reduce_max", "max")


# -- selecting and rearranging -----------------------------------------------------------------

@rules.composite("retain")
def retain(sp_input, to_retain):
    """The elements whose entry in the boolean vector to_retain is true.

        >>> sp = tf.sparse.SparseTensor([[0], [2]], [1, 2], [3])
        >>> tf.sparse.retain(sp, [False, True]).indices.numpy().tolist()
        [[2]]
    """
    sp = _sparse(sp_input, "retain")
    keep = _values_tensor(to_retain, dtypes.bool)
    if keep.shape.rank is not None and keep.shape.rank != 1:
        raise InvalidArgumentError(f"retain: to_retain must be a vector, got shape {keep.shape}")
    n, m = sp.values.shape[0] if sp.values.shape.rank == 1 else None, \
        keep.shape[0] if keep.shape.rank == 1 else None
    if not _compatible(n, m):
        raise InvalidArgumentError(f"Dimensions {n} and {m} are not compatible")
    return _new(gs.boolean_mask(sp.indices, keep), gs.boolean_mask(sp.values, keep),
                sp.dense_shape, sp.shape)


def _vector(value, what):
    """An int64 tensor from a Python value or a tensor of any integer dtype (slice bounds)."""
    return _int64(value, what) if not isinstance(value, Tensor) else ew.cast(value, dtypes.int64)


@rules.composite("slice")
def slice(sp_input, start, size, name=None):  # noqa: A001 - TF's name
    """The elements inside the box [start, start + size) (cut at the dense shape), with
    indices relative to start.

        >>> sp = tf.sparse.SparseTensor([[0, 0], [1, 2]], [1.0, 2.0], [3, 4])
        >>> out = tf.sparse.slice(sp, [1, 1], [5, 5])
        >>> out.indices.numpy().tolist(), out.dense_shape.numpy().tolist()
        ([[0, 1]], [2, 3])
    """
    sp = _sparse(sp_input, "slice")
    rank = _static_rank(sp)
    start_t, size_t = _vector(start, "start"), _vector(size, "size")
    for what, t in (("start", start_t), ("size", size_t)):
        if t.shape.rank != 1 or rank is not None and t.shape[0] not in (None, rank):
            raise InvalidArgumentError(f"slice: {what} must be a vector of {rank} elements, got "
                                       f"shape {t.shape}")
    end = start_t + size_t
    inside = rd.reduce_all(ew.logical_and(ew.greater_equal(sp.indices, start_t),
                                          ew.less(sp.indices, end)), axis=1)
    indices = gs.boolean_mask(sp.indices, inside) - start_t
    new_shape = ew.maximum(ew.minimum(end, sp.dense_shape) - start_t, ew.cast(0, dtypes.int64))
    static = None
    a, b = constant_value(start), constant_value(size)
    if a is not None and b is not None and sp.shape.rank is not None:
        static = [None if d is None else max(min(int(x) + int(s), d) - int(x), 0)
                  for d, x, s in zip(sp.shape.as_list(), np.reshape(a, -1), np.reshape(b, -1))]
    return _new(indices, gs.boolean_mask(sp.values, inside), new_shape, static)


@rules.composite("transpose")
def transpose(sp_input, perm=None, name=None):
    """The SparseTensor with its axes permuted (reversed by default), indices reordered.

        >>> sp = tf.sparse.SparseTensor([[0, 2]], [1], [3, 4])
        >>> out = tf.sparse.transpose(sp)
        >>> out.indices.numpy().tolist(), out.shape
        ([[2, 0]], TensorShape([4, 3]))
    """
    sp = _sparse(sp_input, "transpose")
    rank = _rank(sp, "transpose")
    perm = list(range(rank))[::-1] if perm is None else \
        [int(p) for p in np.asarray(constant_value(perm)).reshape(-1)]
    if len(perm) != rank or any(not 0 <= p < rank for p in perm):
        raise InvalidArgumentError(f"transpose: perm {perm} is not a permutation of the "
                                   f"{rank} axes")
    dims = sp.shape.as_list()
    moved = _new(sh.gather(sp.indices, perm, axis=1), sp.values, sh.gather(sp.dense_shape, perm),
                 [dims[p] for p in perm])
    return reorder(moved)


@rules.composite("concat")
def concat(axis, sp_inputs, expand_nonconcat_dims=False, name=None):
    """SparseTensors joined along `axis` (their other dims must match, or with
    expand_nonconcat_dims grow to the largest); the result's indices are sorted.

        >>> sp = tf.sparse.SparseTensor([[0, 0]], [1], [1, 2])
        >>> tf.sparse.concat(1, [sp, sp]).indices.numpy().tolist()
        [[0, 0], [0, 2]]
    """
    inputs = [_sparse(s, "concat", "sp_inputs") for s in sp_inputs]
    if not inputs:
        raise InvalidArgumentError("concat: sp_inputs must not be empty")
    rank = _static_rank(inputs[0])
    axis = rules.normalize_axis("concat", axis, rank)
    for s in inputs[1:]:
        _same_dtype("concat", inputs[0], s)
        if None not in (rank, _static_rank(s)) and _static_rank(s) != rank:
            raise InvalidArgumentError(f"concat: all inputs must have rank {rank}, got "
                                       f"{_static_rank(s)}")
    known = rank is not None and all(s.shape.rank == rank for s in inputs)
    statics = [s.shape.as_list() if known else [None] * (rank or 0) for s in inputs]
    if not expand_nonconcat_dims:
        for i, dims in enumerate(statics[1:], 1):
            for d in range(rank or 0):
                x, y = statics[0][d], dims[d]
                if d != axis and x is not None and y is not None and x != y:
                    raise InvalidArgumentError(
                        f"concat: Input shapes must match: expected {x} for dimension {d} but "
                        f"got {y} at position {i}")
    one_hot = _axis_one_hot(inputs[0], axis, rank)
    offset = convert_to_tensor(0, dtypes.int64)
    indices, values = [], []
    for s in inputs:
        indices.append(s.indices + offset * one_hot)
        values.append(s.values)
        offset = offset + s.dense_shape[axis]
    shapes = sh.stack([s.dense_shape for s in inputs])
    out_shape = rd.reduce_max(shapes, axis=0) * (1 - one_hot) + offset * one_hot
    total = None if rank is None else [None] * rank
    for d in range(rank or 0):
        col = [dims[d] for dims in statics]
        if None not in col:
            total[d] = sum(col) if d == axis else max(col)
    joined = _new(sh.concat(indices, 0), sh.concat(values, 0), out_shape, total)
    return reorder(joined)


@rules.composite("fill_empty_rows")
def fill_empty_rows(sp_input, default_value, name=None):
    """Adds default_value at [row, 0, ...] for every row (first index) that stores nothing;
    returns (the filled SparseTensor, a bool vector marking the rows that were empty).

        >>> sp = tf.sparse.SparseTensor([[0, 1]], [5], [2, 3])
        >>> out, empty = tf.sparse.fill_empty_rows(sp, 9)
        >>> out.indices.numpy().tolist(), empty.numpy().tolist()
        ([[0, 1], [1, 0]], [False, True])
    """
    sp = _sparse(sp_input, "fill_empty_rows")
    rank = _rank(sp, "fill_empty_rows")
    rows = sp.dense_shape[:1]
    counts = gs.tensor_scatter_nd_add(zeros(rows, dtypes.int32), sp.indices[:, :1],
                                      fill(sh.shape(sp.values), 1, dtypes.int32))
    empty = ew.equal(counts, 0)
    empty_rows = ew.where(empty)  # [K, 1] int64
    k = _count(empty_rows)[0]
    extra = sh.concat([empty_rows, _columns(k, rank - 1)], 1)
    default = default_value if isinstance(default_value, Tensor) else \
        convert_to_tensor(default_value, sp.dtype)
    filled = _new(sh.concat([sp.indices, extra], 0),
                  sh.concat([sp.values, fill(sh.reshape(k, [1]), default)], 0),
                  sp.dense_shape, sp.shape)
    return reorder(filled), empty


@rules.composite("expand_dims")
def expand_dims(sp_input, axis=None, name=None):
    """The SparseTensor with a dim of 1 inserted at `axis`.

        >>> sp = tf.sparse.SparseTensor([[1, 2]], [1], [3, 4])
        >>> tf.sparse.expand_dims(sp, 0).shape
        TensorShape([1, 3, 4])
    """
    sp = _sparse(sp_input, "expand_dims")
    rank = _rank(sp, "expand_dims")
    axis = rules.as_axis("expand_dims", 0 if axis is None else axis)
    if not -(rank + 1) <= axis <= rank:
        raise InvalidArgumentError(f"expand_dims: axis {axis} is out of range for a "
                                   f"SparseTensor of rank {rank}")
    axis %= rank + 1
    zero_col = _columns(_count(sp.indices)[0], 1)
    indices = sh.concat([sp.indices[:, :axis], zero_col, sp.indices[:, axis:]], 1)
    shape = sh.concat([sp.dense_shape[:axis], convert_to_tensor([1], dtypes.int64),
                       sp.dense_shape[axis:]], 0)
    dims = sp.shape.as_list()
    return _new(indices, sp.values, shape, dims[:axis] + [1] + dims[axis:])


@rules.composite("split")
def split(sp_input=None, num_split=None, axis=None, name=None):
    """num_split SparseTensors cut along `axis`; when the dim does not divide evenly the first
    (dim % num_split) pieces are one longer.

        >>> sp = tf.sparse.SparseTensor([[0, 0], [1, 2]], [1, 2], [2, 4])
        >>> [p.indices.numpy().tolist() for p in tf.sparse.split(sp_input=sp, num_split=2, axis=1)]
        [[[0, 0]], [[1, 0]]]
    """
    sp = _sparse(sp_input, "split")
    if num_split is None or axis is None:
        raise InvalidArgumentError("split: num_split and axis are required")
    n = rules.as_axis("split", num_split, "num_split")
    if n < 1:
        raise InvalidArgumentError(f"split: num_split must be >= 1, got {n}")
    rank = _static_rank(sp)
    axis = rules.normalize_axis("split", axis, rank)
    dim = sp.dense_shape[axis]
    base, extra = dim // n, dim % n
    one_hot = _axis_one_hot(sp, axis, rank)
    pieces = []
    for i in range(n):
        longer = ew.cast(ew.less(convert_to_tensor(i, dtypes.int64), extra), dtypes.int64)
        begin = i * base + ew.minimum(convert_to_tensor(i, dtypes.int64), extra)
        start = begin * one_hot
        size = sp.dense_shape * (1 - one_hot) + (base + longer) * one_hot
        pieces.append(slice(sp, start, size))
    known = sp.shape.as_list() if sp.shape.rank is not None else None
    if known is not None and known[axis] is not None:
        q, r = divmod(known[axis], n)
        for i, p in enumerate(pieces):
            p._shape = p._shape.merge_with(TensorShape(
                known[:axis] + [q + (1 if i < r else 0)] + known[axis + 1:]))
    return pieces


@rules.composite("to_indicator")
def to_indicator(sp_input, vocab_size, name=None):
    """A dense bool tensor whose last axis (of vocab_size) marks, for each row of the last
    dimension, which ids (the integer values) the row holds.

        >>> sp = tf.sparse.SparseTensor([[0, 0], [0, 1], [1, 0]], [0, 3, 2], [2, 2])
        >>> tf.sparse.to_indicator(sp, 4).numpy()
        array([[ True, False, False,  True],
               [False, False,  True, False]])
    """
    sp = _sparse(sp_input, "to_indicator")
    ids = sh.expand_dims(ew.cast(sp.values, dtypes.int64), -1)
    indices = sh.concat([sp.indices[:, :-1], ids], 1)
    vocab = sh.reshape(_vector(vocab_size, "vocab_size"), [1])
    shape = sh.concat([sp.dense_shape[:-1], vocab], 0)
    values = fill(sh.shape(sp.values), True, dtypes.bool)
    indicator = _new(indices, values, shape)
    return to_dense(reorder(indicator), default_value=False, validate_indices=False)


@rules.composite("softmax")
def softmax(sp_input, name=None):
    """Softmax over each row of the last axis, of the stored values only (the implicit zeros
    take no part: an element stored alone in its row becomes 1).

        >>> sp = tf.sparse.SparseTensor([[0, 0], [0, 2], [1, 1]], [1.0, 2.0, 3.0], [2, 3])
        >>> tf.sparse.softmax(sp).values.numpy().round(4)
        array([0.2689, 0.7311, 1.    ], dtype=float32)
    """
    sp = _sparse(sp_input, "softmax")
    if not sp.dtype.is_floating:
        raise InvalidArgumentError(f"softmax: the values must be floating point, got "
                                   f"{sp.dtype.name}")
    rank = _rank(sp, "softmax")
    if rank < 2:
        raise InvalidArgumentError(f"softmax: the SparseTensor must have rank >= 2, got {rank}")
    groups, ids = dispatch(SPARSE_GROUPS, (sp.indices[:, :-1],))
    count = _count(groups)
    top = ew.stop_gradient(_group_reduce(ids, sp.values, count, "max"))
    e = ew.exp(sp.values - sh.gather(top, ids))
    total = _scatter_sum(ids, e, count, sp.dtype)
    return sp.with_values(e / sh.gather(total, ids))


def map_values(op, *args, **kwargs):
    """op applied to the values of the SparseTensors among the arguments (which must share
    their indices and dense shape); the result has their indices.

        >>> sp = tf.sparse.SparseTensor([[0, 1]], [2.0], [2, 2])
        >>> tf.sparse.map_values(tf.math.multiply, sp, 3.0).values.numpy()
        array([6.], dtype=float32)
    """
    from graphflow.utils import nest
    found = [x for x in nest.flatten([list(args), kwargs]) if isinstance(x, SparseTensor)]
    if not found:
        raise InvalidArgumentError("map_values: No SparseTensor in argument list of map_values")
    first = found[0]
    for other in found[1:]:
        a, b = first.indices, other.indices
        if isinstance(a, EagerTensor) and isinstance(b, EagerTensor) and (
                a.shape != b.shape or not np.array_equal(a.numpy(), b.numpy())):
            raise InvalidArgumentError("map_values: SparseTensors to map_values must have the "
                                       "same indices")

    def swap(x):
        return x.values if isinstance(x, SparseTensor) else x
    new_args = [swap(a) for a in args]
    new_kwargs = {k: swap(v) for k, v in kwargs.items()}
    return first.with_values(op(*new_args, **new_kwargs))


@rules.composite("reset_shape")
def reset_shape(sp_input, new_shape=None):
    """The SparseTensor with another dense shape: the tight one (each dim one past the
    largest index; 0 when nothing is stored) by default, or `new_shape`, which must not be
    smaller.

        >>> sp = tf.sparse.SparseTensor([[0, 0], [1, 2]], [1.0, 2.0], [3, 4])
        >>> tf.sparse.reset_shape(sp).dense_shape.numpy().tolist()
        [2, 3]
    """
    sp = _sparse(sp_input, "reset_shape")
    if new_shape is None:
        rank = _rank(sp, "reset_shape")
        floor = fill(sh.stack([_i64(1), _i64(rank)]), -1, dtypes.int64)
        tight = rd.reduce_max(sh.concat([sp.indices, floor], 0), axis=0) + 1
        return _new(sp.indices, sp.values, tight)
    shape = _vector(new_shape, "new_shape")
    rank = _static_rank(sp)
    if None not in (rank, shape.shape.rank and shape.shape[0]) and shape.shape[0] != rank:
        raise InvalidArgumentError(f"Dimensions {shape.shape[0]} and {rank} are not compatible")
    old, new = constant_value(sp.dense_shape), constant_value(shape)
    if old is not None and new is not None and np.any(np.asarray(new) < np.asarray(old)):
        raise InvalidArgumentError(
            f"Requested new_shape should have dimension sizes >= sp_input.shape.  Found "
            f"new_shape ({np.asarray(new)}), sp_input.shape ({np.asarray(old)}).")
    static = [int(d) for d in np.asarray(new).reshape(-1)] if new is not None else None
    return _new(sp.indices, sp.values, shape, static)


@rules.composite("bincount")
def bincount(values, weights=None, axis=0, minlength=None, maxlength=None, binary_output=False,
             name=None):
    """Counts of each integer value (dense or SparseTensor input) as a SparseTensor: over all
    values (axis=0) or per row of a 2-D input (axis=-1); with weights, their sums instead;
    with binary_output, 1 for every value present.

        >>> out = tf.sparse.bincount(tf.constant([[1, 2, 2], [0, 0, 4]]), axis=-1)
        >>> out.indices.numpy().tolist(), out.values.numpy().tolist()
        ([[0, 1], [0, 2], [1, 0], [1, 4]], [1, 2, 2, 1])
    """
    if axis is None:
        axis = 0
    if axis not in (0, -1):
        raise InvalidArgumentError(f"Unsupported value for argument axis={axis}. Only 0 and -1 "
                                   f"are currently supported.")
    if isinstance(values, SparseTensor):
        vals, rank = values.values, _rank(values, "bincount")
        rows, nrows = values.indices[:, 0], values.dense_shape[:1]
        w = weights.values if isinstance(weights, SparseTensor) else weights
    else:
        x = _values_tensor(values)
        rank = x.shape.rank
        if rank is None:
            raise InvalidArgumentError("bincount: the rank of values must be known")
        vals = sh.reshape(x, [-1])
        w = None if weights is None else sh.reshape(_values_tensor(weights), [-1])
        if axis == -1 and rank == 2:
            rows = ew.where(ew.equal(ew.zeros_like(x), ew.zeros_like(x)))[:, 0]
            nrows = sh.shape(x, dtypes.int64)[:1]
        elif axis == -1 and rank != 1:
            raise InvalidArgumentError(f"bincount: Input must be a 1 or 2-dimensional tensor. "
                                       f"Got: {x.shape}")
    if vals.dtype not in (dtypes.int32, dtypes.int64):
        raise InvalidArgumentError(f"bincount: values must be int32 or int64, got "
                                   f"{vals.dtype.name}")
    per_row = axis == -1 and rank == 2
    if maxlength is not None:
        keep = ew.less(vals, ew.cast(maxlength, vals.dtype))
        vals = gs.boolean_mask(vals, keep)
        rows = gs.boolean_mask(rows, keep) if per_row else None
        w = None if w is None else gs.boolean_mask(w, keep)
    ids64 = sh.expand_dims(ew.cast(vals, dtypes.int64), -1)
    keys = sh.concat([sh.expand_dims(rows, -1), ids64], 1) if per_row else ids64
    groups, ids = dispatch(SPARSE_GROUPS, (keys,), {"check_nonnegative": True})
    count = _count(groups)
    if binary_output:
        counts = fill(count, 1, vals.dtype if w is None else w.dtype)
    elif w is None:
        counts = _scatter_sum(ids, fill(sh.shape(vals), 1, vals.dtype), count, vals.dtype)
    else:
        counts = _scatter_sum(ids, w, count, w.dtype)
    top = rd.reduce_max(sh.concat([ids64[:, 0], _i64([0])], 0)) + 1
    if maxlength is not None:
        top = ew.minimum(top, ew.cast(maxlength, dtypes.int64))
    if minlength is not None:
        top = ew.maximum(top, ew.cast(minlength, dtypes.int64))
    shape = sh.concat([nrows, sh.reshape(top, [1])], 0) if per_row else sh.reshape(top, [1])
    return _new(groups, counts, shape)


def _segment(data, indices, segment_ids, num_segments, mode):
    from graphflow.ops.gather_scatter import segment_sum, unsorted_segment_sum
    rows = sh.gather(_values_tensor(data), indices)
    ids = _values_tensor(segment_ids)
    if num_segments is None:
        total = segment_sum(rows, ids)
        count = segment_sum(ew.ones_like(ids, dtype=rows.dtype), ids)
    else:
        total = unsorted_segment_sum(rows, ids, num_segments)
        count = unsorted_segment_sum(ew.ones_like(ids, dtype=rows.dtype), ids, num_segments)
    if mode == "sum":
        return total
    count = ew.maximum(count, ew.cast(1, rows.dtype))
    if rows.shape.rank is not None and rows.shape.rank > 1:  # one count per row of the result
        count = sh.reshape(count, [-1] + [1] * (rows.shape.rank - 1))
    return total / (count if mode == "mean" else ew.sqrt(count))


@rules.composite("segment_sum")
def segment_sum(data, indices, segment_ids, num_segments=None, name=None):
    """Sums of the rows data[indices] per segment (tf.math.segment_sum of a gather).

        >>> tf.sparse.segment_sum(tf.constant([[1., 2], [3, 4], [5, 6]]), [0, 2], [0, 0]).numpy()
        array([[6., 8.]], dtype=float32)
    """
    return _segment(data, indices, segment_ids, num_segments, "sum")


@rules.composite("segment_mean")
def segment_mean(data, indices, segment_ids, num_segments=None, name=None):
    """Means of the rows data[indices] per segment.

        >>> tf.sparse.segment_mean(tf.constant([1., 3., 5.]), [0, 1, 2], [0, 0, 1]).numpy()
        array([2., 5.], dtype=float32)
    """
    return _segment(data, indices, segment_ids, num_segments, "mean")


@rules.composite("segment_sqrt_n")
def segment_sqrt_n(data, indices, segment_ids, num_segments=None, name=None):
    """Sums of the rows data[indices] per segment divided by the square root of their count.

        >>> tf.sparse.segment_sqrt_n(tf.constant([1., 3., 5.]), [0, 1, 2], [0, 0, 1]).numpy()
        array([2.828427, 5.      ], dtype=float32)
    """
    return _segment(data, indices, segment_ids, num_segments, "sqrt_n")
