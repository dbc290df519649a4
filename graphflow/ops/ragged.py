"""A minimal tf.RaggedTensor: rows of different lengths, as `values` cut by `row_splits`.

What tf.strings.split and unicode_split return for a batch of strings. It is a pair of tensors
(eager or symbolic, so it works inside traced functions too): `values` holds the rows one after
the other and row i is values[row_splits[i]:row_splits[i+1]]. `values` may itself be a
RaggedTensor (a ragged tensor of rank 3). Supported: the accessors (values, row_splits,
flat_values, nested_row_splits, ragged_rank, nrows, row_lengths, shape, dtype), `to_tensor`
(padding, optionally to a given shape), `to_sparse`, `to_list`, `numpy`, indexing a row eagerly,
and the constructors from_row_splits / from_row_lengths / from_sparse / tf.ragged.constant. Ops do not broadcast over
ragged tensors (TF dispatches most elementwise ops to the flat values; here call them on
`.flat_values` and rebuild with `with_flat_values`).

    >>> import graphflow as tf
    >>> r = tf.RaggedTensor.from_row_splits(tf.constant([1, 2, 3]), [0, 2, 3])
    >>> r
    <tf.RaggedTensor [[1, 2], [3]]>
    >>> r.to_tensor().numpy()
    array([[1, 2],
           [3, 0]], dtype=int32)
"""
import numpy as np

from graphflow import dtypes
from graphflow.errors import InvalidArgumentError
from graphflow.ops import rules
from graphflow.ops.registry import OPAQUE, dispatch, register
from graphflow.tensor import EagerTensor, Tensor, TensorShape


def _to_dense_infer(specs, shape):
    values, splits, default = specs
    if values.rank is not None and values.rank < 1:
        raise InvalidArgumentError(
            f"ragged_to_dense: values must have rank >= 1, got shape {rules.fmt(values.shape)}")
    if splits.rank is not None and splits.rank != 1 or not splits.dtype.is_integer:
        raise InvalidArgumentError(
            f"ragged_to_dense: row_splits must be a 1-D integer tensor, got {splits.dtype.name} "
            f"with shape {rules.fmt(splits.shape)}")
    if default.dtype is not values.dtype:
        raise InvalidArgumentError(
            f"ragged_to_dense: default_value has dtype {default.dtype.name}, values "
            f"{values.dtype.name}")
    inner = None if values.shape is None else tuple(values.shape[1:])
    if shape is not None:
        return [(tuple(shape), values.dtype)]
    nrows = None if splits.shape is None or splits.shape[0] is None else max(splits.shape[0] - 1, 0)
    return [(None if inner is None else (nrows, None) + inner, values.dtype)]


def _to_dense_ref(values, splits, default, shape):
    splits = splits.astype(np.int64)
    lengths = np.diff(splits)
    nrows = len(lengths)
    width = int(lengths.max()) if nrows else 0
    out_shape = (nrows, width) + values.shape[1:]
    if shape is not None:
        if len(shape) != len(out_shape):
            raise InvalidArgumentError(
                f"ragged_to_dense: shape {list(shape)} must have rank {len(out_shape)}")
        out_shape = tuple(d if s is None or s < 0 else s for d, s in zip(out_shape, shape))
    out = np.empty(out_shape, values.dtype)
    out[...] = default
    rows, cols = min(nrows, out_shape[0]), out_shape[1]
    inner = tuple(slice(0, d) for d in out_shape[2:])
    for i in range(rows):
        row = values[splits[i]:splits[i + 1]][(slice(0, cols),) + inner]
        out[(i, slice(0, len(row))) + tuple(slice(0, d) for d in row.shape[1:])] = row
    return out


RAGGED_TO_DENSE = register("ragged_to_dense", OPAQUE, _to_dense_infer, _to_dense_ref)


def _as_tensor(value, dtype=None):
    from graphflow.ops.creation import convert_to_tensor
    if isinstance(value, (Tensor, RaggedTensor)):
        return value
    return convert_to_tensor(value, dtype)


class RaggedTensor:
    """Rows of different lengths (see the module docstring)."""

    def __init__(self, values, row_splits, internal=False):
        if not internal:
            raise InvalidArgumentError(
                "RaggedTensor: build one with RaggedTensor.from_row_splits, from_row_lengths or "
                "tf.ragged.constant")
        self._values = values
        self._row_splits = row_splits

    # -- construction ------------------------------------------------------------------------
    @classmethod
    def from_row_splits(cls, values, row_splits, name=None, validate=True):
        """Row i is values[row_splits[i]:row_splits[i + 1]].

            >>> tf.RaggedTensor.from_row_splits([1, 2, 3], [0, 1, 3]).to_list()
            [[1], [2, 3]]
        """
        values = _as_tensor(values)
        row_splits = _as_tensor(row_splits, dtypes.int64)
        if isinstance(row_splits, EagerTensor) and validate:
            s = row_splits.numpy()
            n = values.nrows() if isinstance(values, RaggedTensor) else values.shape[0]
            if s.ndim != 1 or s.size == 0 or s[0] != 0 or np.any(np.diff(s) < 0) or \
                    (n is not None and not isinstance(n, Tensor) and s[-1] != n):
                raise InvalidArgumentError(
                    f"RaggedTensor.from_row_splits: row_splits must start at 0, not decrease and "
                    f"end at the number of values ({n}), got {s.tolist()}")
        return cls(values, row_splits, internal=True)

    @classmethod
    def from_row_lengths(cls, values, row_lengths, name=None, validate=True):
        """Row i has row_lengths[i] values.

            >>> tf.RaggedTensor.from_row_lengths([1, 2, 3], [2, 1]).to_list()
            [[1, 2], [3]]
        """
        lengths = _as_tensor(row_lengths, dtypes.int64)
        if not isinstance(lengths, EagerTensor):
            raise InvalidArgumentError("RaggedTensor.from_row_lengths needs concrete lengths")
        splits = np.concatenate([[0], np.cumsum(lengths.numpy())]).astype(np.int64)
        return cls.from_row_splits(values, splits, validate=validate)

    # -- accessors ---------------------------------------------------------------------------
    @property
    def values(self):
        return self._values

    @property
    def row_splits(self):
        return self._row_splits

    @property
    def flat_values(self):
        v = self._values
        return v.flat_values if isinstance(v, RaggedTensor) else v

    @property
    def nested_row_splits(self):
        inner = self._values.nested_row_splits if isinstance(self._values, RaggedTensor) else ()
        return (self._row_splits,) + inner

    @property
    def ragged_rank(self):
        return len(self.nested_row_splits)

    @property
    def dtype(self):
        return self.flat_values.dtype

    @property
    def shape(self):
        n = self._row_splits.shape[0]
        inner = self._values.shape
        return TensorShape([None if n is None else n - 1, None]).concatenate(inner[1:])

    def nrows(self, out_type=dtypes.int64, name=None):
        from graphflow.ops import api
        return api.cast(api.size(self._row_splits) - 1, out_type)

    def row_lengths(self, axis=1, name=None):
        return self._row_splits[1:] - self._row_splits[:-1]

    def with_flat_values(self, new_values):
        """The same row structure around new flat values (e.g. an op applied to flat_values)."""
        if isinstance(self._values, RaggedTensor):
            return RaggedTensor(self._values.with_flat_values(new_values), self._row_splits, True)
        return RaggedTensor(_as_tensor(new_values), self._row_splits, True)

    # -- conversion --------------------------------------------------------------------------
    @classmethod
    def from_sparse(cls, st_input, name=None, row_splits_dtype=dtypes.int64):
        """The rows of a 2-D SparseTensor whose stored elements fill each row from its start
        (right-ragged, indices in order), as TF's RaggedTensor.from_sparse.

            >>> sp = tf.sparse.SparseTensor([[0, 0], [0, 1], [2, 0]], [1, 2, 3], [3, 5])
            >>> tf.RaggedTensor.from_sparse(sp).to_list()
            [[1, 2], [], [3]]
        """
        from graphflow.ops import api
        rank = st_input.shape.rank
        if rank is not None and rank != 2:
            raise InvalidArgumentError("rank(st_input) must be 2.")
        indices = st_input.indices
        rows, cols = indices[:, 0], indices[:, 1]
        nrows = st_input.dense_shape[:1]
        lengths = api.tensor_scatter_nd_add(api.zeros(nrows, dtypes.int64),
                                            api.expand_dims(rows, -1), api.ones_like(rows))
        splits = api.concat([api.zeros([1], dtypes.int64), api.cumsum(lengths)], 0)
        if isinstance(indices, EagerTensor):
            # right-ragged: the n-th stored element of a row is at column n, rows in order
            r, c, s = rows.numpy(), cols.numpy(), splits.numpy()
            position = np.arange(len(r)) - s[r] if len(r) else r
            if np.any(np.diff(r) < 0) or np.any(c != position):
                raise InvalidArgumentError(
                    f"RaggedTensor.from_sparse: SparseTensor is not right-ragged: "
                    f"SparseTensor.indices = {indices.numpy().tolist()!r:.200}")
        return cls(st_input.values, api.cast(splits, row_splits_dtype), internal=True)

    def to_sparse(self, name=None):
        """The same elements as a SparseTensor (row, position in the row, ...) whose dense
        shape is that of to_tensor().

            >>> tf.ragged.constant([[1, 2], [], [3]]).to_sparse().indices.numpy().tolist()
            [[0, 0], [0, 1], [2, 0]]
        """
        from graphflow.ops import api
        from graphflow.ops.sparse import SparseTensor
        splits = api.cast(self._row_splits, dtypes.int64)
        lengths = splits[1:] - splits[:-1]
        nrows = api.shape(lengths, dtypes.int64)
        if isinstance(self._values, RaggedTensor):
            inner = self._values.to_sparse()
            inner_rows, rest = inner.indices[:, 0], inner.indices[:, 1:]
            inner_shape = inner.dense_shape[1:]
        else:
            if self._values.shape.rank != 1:
                raise InvalidArgumentError(
                    "RaggedTensor.to_sparse: only flat values of rank 1 are supported, got "
                    f"shape {self._values.shape}")
            inner_rows = api.range(api.size(self._values, dtypes.int64), dtype=dtypes.int64)
            rest, inner_shape = None, api.zeros([0], dtypes.int64)
            inner = None
        row_of = api.repeat(api.range(nrows[0], dtype=dtypes.int64), lengths)
        outer = api.gather(row_of, inner_rows)
        position = inner_rows - api.gather(splits, outer)
        columns = [api.expand_dims(outer, 1), api.expand_dims(position, 1)]
        if rest is not None:
            columns.append(rest)
        width = api.reshape(api.reduce_max(api.concat([lengths, api.zeros([1], dtypes.int64)],
                                                      0)), [1])
        values = inner.values if inner is not None else self._values
        return SparseTensor(api.concat(columns, 1), values,
                            api.concat([nrows, width, inner_shape], 0))

    def to_tensor(self, default_value=None, name=None, shape=None):
        """A dense tensor: rows padded with default_value (zero / empty string) to the longest
        row, or cut or padded to `shape` when given.

            >>> tf.strings.split(["a b", "c"]).to_tensor().numpy()
            array([[b'a', b'b'],
                   [b'c', b'']], dtype=object)
        """
        values = self._values
        dense_shape = None
        if shape is not None:
            dense_shape = tuple(None if d is None else int(d) for d in TensorShape(shape))
        if isinstance(values, RaggedTensor):
            inner = None if dense_shape is None else (None,) + dense_shape[2:]
            values = values.to_tensor(default_value, shape=inner)
        dtype = values.dtype
        if default_value is None:
            default_value = b"" if dtype is dtypes.string else 0
        default = _as_tensor(default_value, dtype)
        return dispatch(RAGGED_TO_DENSE, (values, self._row_splits, default),
                        {"shape": dense_shape}, name)

    def to_list(self):
        """The rows as nested Python lists (eager only)."""
        splits = self._eager(self._row_splits, "to_list").tolist()
        if isinstance(self._values, RaggedTensor):
            inner = self._values.to_list()
        else:
            inner = self._eager(self._values, "to_list").tolist()
        return [inner[a:b] for a, b in zip(splits[:-1], splits[1:])]

    def numpy(self):
        """The rows as a NumPy object array of arrays, as TF returns."""
        splits = self._eager(self._row_splits, "numpy")
        values = self._values.numpy() if isinstance(self._values, RaggedTensor) else \
            self._eager(self._values, "numpy")
        out = np.empty(len(splits) - 1, dtype=object)
        for i in range(len(out)):
            out[i] = values[splits[i]:splits[i + 1]]
        return out

    def _eager(self, t, what):
        if not isinstance(t, EagerTensor):
            raise InvalidArgumentError(
                f"RaggedTensor.{what}() needs eager tensors; this one is symbolic (inside a "
                "graph being built)")
        return t.numpy()

    def __getitem__(self, key):
        if not isinstance(key, (int, np.integer)):
            raise InvalidArgumentError(
                "RaggedTensor: only indexing one row with a Python int is supported, got "
                f"{key!r}; use to_tensor() for general slicing")
        splits = self._eager(self._row_splits, "__getitem__")
        n = len(splits) - 1
        if not -n <= key < n:
            raise InvalidArgumentError(f"RaggedTensor: row {key} out of range for {n} rows")
        key = int(key) % n
        lo, hi = int(splits[key]), int(splits[key + 1])
        if isinstance(self._values, RaggedTensor):  # the row is itself ragged
            inner = self._values
            cuts = self._eager(inner._row_splits, "__getitem__")
            return RaggedTensor.from_row_splits(inner._values[int(cuts[lo]):int(cuts[hi])],
                                                cuts[lo:hi + 1] - cuts[lo])
        return self._values[lo:hi]

    def __repr__(self):
        if isinstance(self.flat_values, EagerTensor):
            return f"<tf.RaggedTensor {_format_rows(self.to_list())}>"
        return (f"tf.RaggedTensor(values={self._values!r}, row_splits={self._row_splits!r})")

    __str__ = __repr__


def _format_rows(rows, indent=1):
    """Nested lists as TF prints them: rows of rank > 1 on separate lines."""
    if rows and isinstance(rows[0], list) and rows[0] and isinstance(rows[0][0], list):
        inner = (",\n" + " " * indent).join(_format_rows(r, indent + 1) for r in rows)
        return f"[{inner}]"
    return repr(rows)


def constant(pylist, dtype=None, ragged_rank=None, name=None):
    """A RaggedTensor from nested Python lists (rows may differ in length).

        >>> tf.ragged.constant([["a", "b"], ["c"]])
        <tf.RaggedTensor [[b'a', b'b'], [b'c']]>
    """
    depth = _depth(pylist)
    if depth < 2:
        raise InvalidArgumentError(
            f"ragged.constant: expected a nested list of rank >= 2, got {pylist!r:.60}")
    rank = depth - 1 if ragged_rank is None else int(ragged_rank)
    return _build(pylist, rank, dtype)


def _depth(value):
    if isinstance(value, (list, tuple)):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


def _build(rows, ragged_rank, dtype):
    from graphflow.ops.creation import constant as dense
    lengths = [len(r) for r in rows]
    flat = [v for r in rows for v in r]
    if ragged_rank > 1:
        values = _build(flat, ragged_rank - 1, dtype)
    else:
        values = dense(flat, dtype) if flat else dense(np.zeros((0,), np.float32), dtype)
    splits = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    return RaggedTensor(values, EagerTensor(splits), internal=True)
