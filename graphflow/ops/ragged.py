"""tf.RaggedTensor: rows of different lengths, as `values` cut by `row_splits`.

A RaggedTensor is a pair of tensors (eager or symbolic, so it works inside traced functions
too): `values` holds the rows one after the other and row i is
values[row_splits[i]:row_splits[i+1]]. `values` may itself be a RaggedTensor (several ragged
dimensions); the innermost values are `flat_values`, which may have uniform inner dimensions.
Every operation here is a composition of registry ops on flat_values and the row splits, so
GradientTape differentiates through them and graphflow.function traces them. Ops called on
RaggedTensors are routed to their ragged forms in graphflow/ops/ragged_ops.py (the registry's
dispatch hands them over before converting its inputs). `to_sparse` / `from_sparse` convert
to and from tf.SparseTensor (graphflow/ops/sparse.py).

    >>> import graphflow as tf
    >>> r = tf.RaggedTensor.from_row_splits(tf.constant([1, 2, 3]), [0, 2, 3])
    >>> r
    <tf.RaggedTensor [[1, 2], [3]]>
    >>> r.to_tensor().numpy()
    array([[1, 2],
           [3, 0]], dtype=int32)
    >>> (r * 10 + 1).to_list()
    [[11, 21], [31]]
"""
import builtins
import sys

import numpy as np

from graphflow import dtypes
from graphflow.errors import InvalidArgumentError, InvalidTypeError
from graphflow.ops import rules
from graphflow.ops.registry import OPAQUE, dispatch, register
from graphflow.tensor import EagerTensor, SymbolicTensor, Tensor, TensorShape, Variable, _Operators


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


def _to_dense_grad(inputs, outputs, dy, shape):
    # Each value's gradient is the padded result's gradient at its place (cut values get 0).
    from graphflow.ops import reduce as rd
    values, splits, default = inputs
    rt = RaggedTensor(values, splits, internal=True)
    dvalues = _dense_to_values(dy, rt)
    # the default fills every place no value went to
    ddefault = rd.reduce_sum(dy) - rd.reduce_sum(dvalues)
    return dvalues, None, ddefault


RAGGED_TO_DENSE = register("ragged_to_dense", OPAQUE, _to_dense_infer, _to_dense_ref,
                           _to_dense_grad)


def _dense_to_values(dense, rt):
    """The elements of `dense` at the places of rt's values (zero where `dense` is smaller)."""
    from graphflow.ops import creation as cr, elementwise as ew, gather_scatter as gs
    from graphflow.ops import shape as sh
    rows = rt.value_rowids()
    cols = cr.range(_nvals(rt), dtype=rows.dtype) - sh.gather(rt.row_splits, rows)
    shape = sh.shape(dense, out_type=rows.dtype)
    inside = ew.logical_and(ew.less(rows, shape[0]), ew.less(cols, shape[1]))
    idx = sh.stack([ew.minimum(rows, ew.maximum(shape[0] - 1, 0)),
                    ew.minimum(cols, ew.maximum(shape[1] - 1, 0))], axis=1)
    picked = gs.gather_nd(dense, idx)
    # inner dimensions cut or padded by to_tensor(shape=...): back to the values' own
    have, want = picked.shape.dims_tuple(), rt.values.shape.dims_tuple()
    if have is not None and want is not None and None not in have[1:] + want[1:] and \
            have[1:] != want[1:]:
        picked = picked[(builtins.slice(None),) + tuple(
            builtins.slice(0, min(a, b)) for a, b in zip(have[1:], want[1:]))]
        picked = sh.pad(picked, [[0, 0]] + [[0, max(b - a, 0)]
                                            for a, b in zip(have[1:], want[1:])])
    for _ in range((picked.shape.rank or 1) - 1):
        inside = sh.expand_dims(inside, -1)
    return ew.where(inside, picked, ew.zeros_like(picked))


# -- helpers -------------------------------------------------------------------------------------

def _as_tensor(value, dtype=None, name="RaggedTensor"):
    from graphflow.ops.creation import convert_to_tensor
    if isinstance(value, (Tensor, RaggedTensor)):
        return value
    if isinstance(value, Variable):
        return value.value()
    return convert_to_tensor(value, dtype)


def _as_splits(value, what="row_splits"):
    """A row-partition tensor: int64 unless given as an int32 tensor (as TF keeps it)."""
    from graphflow.ops import elementwise as ew
    if isinstance(value, Variable):
        value = value.value()
    if isinstance(value, Tensor):
        if value.dtype not in (dtypes.int32, dtypes.int64):
            if not value.dtype.is_integer:
                raise InvalidArgumentError(
                    f"RaggedTensor: {what} must be an integer tensor, got {value.dtype.name}")
            value = ew.cast(value, dtypes.int64)
        t = value
    else:
        t = _as_tensor(value, dtypes.int64)
    if t.shape.rank is not None and t.shape.rank != 1:
        raise InvalidArgumentError(
            f"RaggedTensor: {what} must be a vector (rank 1), got shape {t.shape}")
    return t


def _static(t):
    """t's value as an ndarray when known before running a graph, else None."""
    if isinstance(t, EagerTensor):
        return t.numpy()
    if isinstance(t, SymbolicTensor):
        from graphflow.ops.static import get_static_value
        return get_static_value(t)
    return None


def _outer_len(values):
    """The number of rows of `values` (a Python int when known, else a scalar tensor)."""
    if isinstance(values, RaggedTensor):
        return values.nrows()
    n = values.shape[0] if values.shape.rank else None
    if n is not None:
        return n
    from graphflow.ops import shape as sh
    return sh.shape(values, out_type=dtypes.int64)[0]


def _nvals(rt):
    """The number of values rt's rows partition (row_splits[-1])."""
    return rt.row_splits[-1]


def _check_partition(values, splits, what, validate):
    """TF's checks of a row partition, when its values are known (eagerly)."""
    if not validate:
        return
    s = _static(splits)
    if s is None:
        return
    n = _outer_len(values)
    n = _static(n) if isinstance(n, Tensor) else n
    if s.size == 0:
        raise InvalidArgumentError(
            f"Arguments to {what} do not form a valid RaggedTensor: row_splits must not be empty")
    if s[0] != 0:
        raise InvalidArgumentError(
            f"Arguments to {what} do not form a valid RaggedTensor: row_splits must start with "
            f"0, got {s.tolist()}")
    if np.any(np.diff(s) < 0):
        raise InvalidArgumentError(
            f"Arguments to {what} do not form a valid RaggedTensor: row_splits must not "
            f"decrease, got {s.tolist()}")
    if n is not None and int(s[-1]) != int(n):
        raise InvalidArgumentError(
            f"Arguments to {what} do not form a valid RaggedTensor: the last row split "
            f"({int(s[-1])}) must equal the number of values ({int(n)})")


def unsupported(op_name):
    """The error for an op that has no RaggedTensor form."""
    return InvalidTypeError(
        f"{op_name}: does not support RaggedTensor arguments (no ragged implementation); "
        f"convert with rt.to_tensor(), or apply the op to rt.flat_values and rebuild with "
        f"rt.with_flat_values(...)")


def _calling_op():
    """The graphflow function the user called, for errors raised deep inside it: the outermost
    frame that belongs to graphflow."""
    frame, name = sys._getframe(1), None
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if module.startswith("graphflow.") and module != __name__:
            if frame.f_code.co_name != "wrapper":  # rules.composite's wrapper: the op is inside
                name = frame.f_code.co_name
        elif name is not None:
            break
        frame = frame.f_back
    return name or "convert_to_tensor"


def conversion_error():
    """What converting a RaggedTensor to a dense Tensor raises (an op without a ragged form)."""
    return unsupported(_calling_op())


def rows_numpy(values, splits):
    """TF's RaggedTensor.numpy() of flat values and nested row splits (NumPy arrays): rows of
    equal length are stacked into one array, others make an object array of rows."""
    inner = values if len(splits) == 1 else rows_numpy(values, splits[1:])
    s = splits[0]
    rows = [inner[s[i]:s[i + 1]] for i in range(len(s) - 1)]
    if not rows:
        return np.zeros((0, 0) + values.shape[1:], values.dtype)
    if any(len(r) != len(rows[0]) for r in rows):
        out = np.empty(len(rows), object)
        for i, r in enumerate(rows):
            out[i] = r
        return out
    return np.stack(rows)


# -- the class -----------------------------------------------------------------------------------

class RaggedTensor(_Operators):
    """Rows of different lengths (see the module docstring). Python operators act on the
    values elementwise, as TF's do.

        >>> rt = tf.ragged.constant([[3, 1, 4, 1], [], [5, 9, 2], [6], []])
        >>> (rt + 1).to_list()
        [[4, 2, 5, 2], [], [6, 10, 3], [7], []]
    """

    __slots__ = ("_values", "_row_splits", "__weakref__")

    def __init__(self, values, row_splits, internal=False):
        if not internal:
            raise InvalidArgumentError(
                "RaggedTensor constructor is private; build one with the RaggedTensor.from_* "
                "factory methods (from_row_splits, from_row_lengths, from_value_rowids, "
                "from_tensor, ...) or tf.ragged.constant")
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
        row_splits = _as_splits(row_splits)
        _check_partition(values, row_splits, "from_row_splits", validate)
        return cls(values, row_splits, internal=True)

    @classmethod
    def from_row_lengths(cls, values, row_lengths, name=None, validate=True):
        """Row i has row_lengths[i] values.

            >>> tf.RaggedTensor.from_row_lengths([1, 2, 3], [2, 1]).to_list()
            [[1, 2], [3]]
        """
        lengths = _as_splits(row_lengths, "row_lengths")
        known = _static(lengths)
        if validate and known is not None and np.any(known < 0):
            raise InvalidArgumentError(
                f"Arguments to from_row_lengths do not form a valid RowPartition: row_lengths "
                f"must be >= 0, got {known.tolist()}")
        return cls.from_row_splits(values, _lengths_to_splits(lengths), validate=validate)

    @classmethod
    def from_value_rowids(cls, values, value_rowids, nrows=None, name=None, validate=True):
        """values[i] goes in row value_rowids[i] (sorted); nrows defaults to the last id + 1.

            >>> tf.RaggedTensor.from_value_rowids([3, 1, 4], [0, 0, 2], nrows=4).to_list()
            [[3, 1], [], [4], []]
        """
        from graphflow.ops import elementwise as ew, shape as sh
        values = _as_tensor(values)
        ids = _as_splits(value_rowids, "value_rowids")
        known = _static(ids)
        n_values = _outer_len(values)
        if known is not None:
            if validate and not isinstance(n_values, Tensor) and len(known) != n_values:
                raise InvalidArgumentError(
                    f"from_value_rowids: value_rowids has {len(known)} entries but there are "
                    f"{n_values} values (shapes ({n_values},) and ({len(known)},) are "
                    f"incompatible)")
            if validate and known.size and (known[0] < 0 or np.any(np.diff(known) < 0)):
                raise InvalidArgumentError(
                    f"Arguments to from_value_rowids do not form a valid RowPartition: "
                    f"value_rowids must be sorted and >= 0, got {known.tolist()}")
        if nrows is None:
            if known is not None:
                nrows = int(known[-1]) + 1 if known.size else 0
            else:
                nrows = ew.cast(sh.size(ids), ids.dtype)
                nrows = ew.where(ew.greater(nrows, 0),
                                 ids[ew.maximum(nrows - 1, 0)] + 1, ew.zeros_like(nrows))
        else:
            n = _static(nrows) if isinstance(nrows, Tensor) else np.asarray(nrows)
            if validate and n is not None and known is not None and known.size and \
                    int(known[-1]) >= int(n):
                raise InvalidArgumentError(
                    f"Arguments to from_value_rowids do not form a valid RowPartition: "
                    f"value_rowids ({known.tolist()}) must be < nrows ({int(n)})")
        splits = segment_ids_to_row_splits(ids, nrows, out_type=ids.dtype)
        return cls(values, splits, internal=True)

    @classmethod
    def from_row_starts(cls, values, row_starts, name=None, validate=True):
        """Row i starts at row_starts[i] and ends where the next one starts.

            >>> tf.RaggedTensor.from_row_starts([3, 1, 4, 1, 5], [0, 2, 2]).to_list()
            [[3, 1], [], [4, 1, 5]]
        """
        from graphflow.ops import shape as sh
        values = _as_tensor(values)
        starts = _as_splits(row_starts, "row_starts")
        n = _outer_len(values)
        end = sh.reshape(_as_tensor(n, starts.dtype) if not isinstance(n, Tensor)
                         else _cast(n, starts.dtype), [1])
        return cls.from_row_splits(values, sh.concat([starts, end], 0), validate=validate)

    @classmethod
    def from_row_limits(cls, values, row_limits, name=None, validate=True):
        """Row i ends at row_limits[i] and starts where the previous one ends.

            >>> tf.RaggedTensor.from_row_limits([3, 1, 4, 1, 5], [2, 2, 5]).to_list()
            [[3, 1], [], [4, 1, 5]]
        """
        from graphflow.ops import shape as sh
        limits = _as_splits(row_limits, "row_limits")
        zero = _as_tensor(np.zeros(1, limits.dtype.np))
        return cls.from_row_splits(values, sh.concat([zero, limits], 0), validate=validate)

    @classmethod
    def from_uniform_row_length(cls, values, uniform_row_length, nrows=None, validate=True,
                                name=None):
        """Rows of one length each (values split evenly).

            >>> tf.RaggedTensor.from_uniform_row_length([1, 2, 3, 4], 2).to_list()
            [[1, 2], [3, 4]]
        """
        from graphflow.ops import creation as cr, elementwise as ew
        values = _as_tensor(values)
        length = _as_tensor(uniform_row_length, dtypes.int64)
        if length.dtype is not dtypes.int64:
            length = ew.cast(length, dtypes.int64)
        n = _outer_len(values)
        n = _as_tensor(n, dtypes.int64) if not isinstance(n, Tensor) else _cast(n, dtypes.int64)
        if nrows is None:
            nrows = ew.where(ew.greater(length, 0), ew.floordiv(n, ew.maximum(length, 1)),
                             ew.zeros_like(n))
        nrows = _as_tensor(nrows, dtypes.int64)
        splits = cr.range(ew.cast(nrows, dtypes.int64) + 1, dtype=dtypes.int64) * length
        return cls.from_row_splits(values, splits, validate=validate)

    @classmethod
    def from_nested_row_splits(cls, flat_values, nested_row_splits, name=None, validate=True):
        """One from_row_splits per partition, outermost first.

            >>> tf.RaggedTensor.from_nested_row_splits([1, 2, 3], ([0, 2], [0, 1, 3])).to_list()
            [[[1], [2, 3]]]
        """
        _check_nested("from_nested_row_splits", nested_row_splits)
        result = _as_tensor(flat_values)
        for splits in reversed(list(nested_row_splits)):
            result = cls.from_row_splits(result, splits, validate=validate)
        return result

    @classmethod
    def from_nested_row_lengths(cls, flat_values, nested_row_lengths, name=None, validate=True):
        """One from_row_lengths per partition, outermost first.

            >>> tf.RaggedTensor.from_nested_row_lengths([1, 2, 3], [[2, 1], [1, 1, 1]]).to_list()
            [[[1], [2]], [[3]]]
        """
        _check_nested("from_nested_row_lengths", nested_row_lengths)
        result = _as_tensor(flat_values)
        for lengths in reversed(list(nested_row_lengths)):
            result = cls.from_row_lengths(result, lengths, validate=validate)
        return result

    @classmethod
    def from_nested_value_rowids(cls, flat_values, nested_value_rowids, nested_nrows=None,
                                 name=None, validate=True):
        """One from_value_rowids per partition, outermost first.

            >>> tf.RaggedTensor.from_nested_value_rowids([1, 2, 3], [[0, 0, 1], [0, 1, 2]]).to_list()
            [[[1], [2]], [[3]]]
        """
        _check_nested("from_nested_value_rowids", nested_value_rowids)
        ids = list(nested_value_rowids)
        nrows = [None] * len(ids) if nested_nrows is None else list(nested_nrows)
        if len(nrows) != len(ids):
            raise InvalidArgumentError(
                "from_nested_value_rowids: nested_nrows must have one entry per value_rowids")
        result = _as_tensor(flat_values)
        for rowids, n in zip(reversed(ids), reversed(nrows)):
            result = cls.from_value_rowids(result, rowids, n, validate=validate)
        return result

    @classmethod
    def from_tensor(cls, tensor, lengths=None, padding=None, ragged_rank=1, name=None,
                    row_splits_dtype=dtypes.int64):
        """Rows of a dense tensor; `padding` (a value, trailing copies dropped) or `lengths`
        (row lengths, or a tuple of them per ragged dimension) cut each row.

            >>> tf.RaggedTensor.from_tensor([[1, 3, -1], [2, -1, -1]], padding=-1).to_list()
            [[1, 3], [2]]
            >>> tf.RaggedTensor.from_tensor([[1, 3, 5], [2, 4, 6]], lengths=[1, 3]).to_list()
            [[1], [2, 4, 6]]
        """
        from graphflow.ops import creation as cr, elementwise as ew, shape as sh
        if lengths is not None and padding is not None:
            raise InvalidArgumentError("Specify argument `lengths` or `padding`, but not both.")
        if isinstance(tensor, RaggedTensor):
            raise InvalidTypeError("from_tensor: tensor must be a dense Tensor, got a RaggedTensor")
        tensor = _as_tensor(tensor)
        rank = tensor.shape.rank
        ragged_rank = int(ragged_rank)
        if ragged_rank < 1:
            raise InvalidArgumentError(f"from_tensor: ragged_rank must be >= 1, got {ragged_rank}")
        if rank is None:
            raise InvalidArgumentError("from_tensor: the tensor's rank must be known")
        if rank <= ragged_rank:
            raise InvalidArgumentError(
                f"from_tensor: ragged_rank must be smaller than rank, got ragged_rank="
                f"{ragged_rank} for a tensor of rank {rank}")
        split_dtype = dtypes.as_dtype(row_splits_dtype)
        dims = sh.shape(tensor, out_type=split_dtype)
        if ragged_rank > 1:
            if lengths is not None:
                raise InvalidArgumentError(
                    "from_tensor: lengths with ragged_rank > 1 are not supported; build the "
                    "tensor with from_nested_row_lengths")
            # The outer ragged_rank axes folded into one, the innermost one cut by padding,
            # then uniform partitions for the others.
            result = cls.from_tensor(sh.reshape(tensor, sh.concat([[-1], dims[ragged_rank:]], 0)),
                                     padding=padding, row_splits_dtype=split_dtype)
            for axis in range(ragged_rank - 1, 0, -1):
                result = cls.from_uniform_row_length(result, dims[axis])
            return result.with_row_splits_dtype(split_dtype)
        nrows, width = dims[0], dims[1]
        flat = sh.reshape(tensor, sh.concat([[-1], dims[2:]], 0))
        if padding is not None:
            pad = _as_tensor(padding, tensor.dtype)
            same = ew.equal(tensor, pad)
            for _ in range(rank - 2):
                same = rd_all(same, -1)
            # a row's length: up to its last element that is not padding
            position = sh.expand_dims(cr.range(width, dtype=split_dtype) + 1, 0)
            lengths = _reduce_max_int(ew.where(ew.logical_not(same), position,
                                               ew.zeros_like(position)), 1)
        elif lengths is None:
            lengths = cr.fill(sh.reshape(nrows, [1]), width)
        lengths = _as_splits(lengths, "lengths")
        lengths = ew.maximum(ew.minimum(_cast(lengths, split_dtype), width),
                             ew.zeros_like(_cast(lengths, split_dtype)))
        keep = ew.less(sh.expand_dims(cr.range(width, dtype=split_dtype), 0),
                       sh.expand_dims(lengths, 1))
        values = _boolean_mask_rows(flat, sh.reshape(keep, [-1]))
        return cls(values, _lengths_to_splits(lengths), internal=True)

    # -- accessors ---------------------------------------------------------------------------
    @property
    def values(self):
        return self._values

    @property
    def row_splits(self):
        return self._row_splits

    @property
    def _type_spec(self):
        """Its RaggedTensorSpec: what a graphflow.function traces for (TF's _type_spec)."""
        from graphflow.ops.ragged_ops import RaggedTensorSpec
        return RaggedTensorSpec.from_value(self)

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
    def row_splits_dtype(self):
        return self._row_splits.dtype

    @property
    def shape(self):
        n = self._row_splits.shape[0] if self._row_splits.shape.rank else None
        inner = self._values.shape
        if inner.rank is None:
            return TensorShape(None)
        return TensorShape([None if n is None else n - 1, None]).concatenate(inner[1:])

    def get_shape(self):
        return self.shape

    @property
    def ndim(self):
        return self.shape.rank

    def nrows(self, out_type=None, name=None):
        """The number of rows (int64 unless out_type says otherwise).

            >>> tf.ragged.constant([[1], [], [2]]).nrows().numpy()
            3
        """
        from graphflow.ops import shape as sh
        out_type = self._row_splits.dtype if out_type is None else dtypes.as_dtype(out_type)
        n = self._row_splits.shape[0] if self._row_splits.shape.rank else None
        if n is not None:  # known while tracing too: a constant
            return EagerTensor(np.asarray(n - 1, out_type.np))
        return _cast(sh.size(self._row_splits, out_type=out_type) - 1, out_type)

    def row_lengths(self, axis=1, name=None):
        """The length of each row (axis 1), or of each row at a deeper ragged axis.

            >>> tf.ragged.constant([[1, 2], [], [3]]).row_lengths().numpy()
            array([2, 0, 1])
        """
        axis = rules.normalize_axis("row_lengths", axis, self.shape.rank)
        if axis == 0:
            raise InvalidArgumentError("row_lengths: axis=0 has no row lengths (it is uniform)")
        if axis == 1:
            return self._row_splits[1:] - self._row_splits[:-1]
        if not isinstance(self._values, RaggedTensor):
            from graphflow.ops import shape as sh
            dims = sh.shape(self._values, out_type=self._row_splits.dtype)
            from graphflow.ops import creation as cr
            return self.with_values(cr.fill(sh.reshape(dims[0], [1]), dims[axis - 1]))
        return self.with_values(self._values.row_lengths(axis - 1))

    def row_starts(self, name=None):
        """Where each row starts in values (row_splits[:-1])."""
        return self._row_splits[:-1]

    def row_limits(self, name=None):
        """Where each row ends in values (row_splits[1:])."""
        return self._row_splits[1:]

    def value_rowids(self, name=None):
        """The row of each value.

            >>> tf.ragged.constant([[1, 2], [], [3]]).value_rowids().numpy()
            array([0, 0, 2])
        """
        return row_splits_to_segment_ids(self._row_splits)

    def nested_row_lengths(self, name=None):
        """The row lengths of each ragged dimension, outermost first."""
        out, rt = [], self
        while isinstance(rt, RaggedTensor):
            out.append(rt.row_lengths())
            rt = rt.values
        return tuple(out)

    def nested_value_rowids(self, name=None):
        """The value_rowids of each ragged dimension, outermost first."""
        out, rt = [], self
        while isinstance(rt, RaggedTensor):
            out.append(rt.value_rowids())
            rt = rt.values
        return tuple(out)

    def bounding_shape(self, axis=None, name=None, out_type=None):
        """The smallest dense shape that holds every row: [nrows, longest row, ...].

            >>> tf.ragged.constant([["Hi"], ["How", "are", "you"]]).bounding_shape().numpy()
            array([2, 3])
        """
        from graphflow.ops import shape as sh
        out_type = self._row_splits.dtype if out_type is None else dtypes.as_dtype(out_type)
        dims = [_cast(self.nrows(), out_type)]
        rt = self
        while isinstance(rt, RaggedTensor):
            lengths = rt.row_lengths()
            longest = _reduce_max_int(sh.concat([_cast(lengths, out_type),
                                                 _as_tensor(np.zeros(1, out_type.np))], 0), 0)
            dims.append(longest)
            rt = rt.values
        inner = sh.shape(rt, out_type=out_type)[1:]
        result = sh.concat([sh.stack(dims), inner], 0)
        if axis is None:
            return result
        return result[rules.as_axis("bounding_shape", axis)]

    def with_values(self, new_values):
        """The same outer partition around new values (of the same number of rows).

            >>> rt = tf.ragged.constant([[1, 2], [3]])
            >>> rt.with_values(rt.values * 2).to_list()
            [[2, 4], [6]]
        """
        new_values = _as_tensor(new_values)
        old_n, new_n = _outer_len(self._values), _outer_len(new_values)
        a = old_n if not isinstance(old_n, Tensor) else _static(old_n)
        b = new_n if not isinstance(new_n, Tensor) else _static(new_n)
        if a is not None and b is not None and int(a) != int(b):
            raise InvalidArgumentError(
                f"with_values: new values have {int(b)} rows but the row partition has "
                f"{int(a)} values (shapes ({int(a)},) and ({int(b)},) are incompatible)")
        return RaggedTensor(new_values, self._row_splits, internal=True)

    def with_flat_values(self, new_values):
        """The same row structure around new flat values (e.g. an op applied to flat_values)."""
        if isinstance(self._values, RaggedTensor):
            return RaggedTensor(self._values.with_flat_values(new_values), self._row_splits, True)
        return self.with_values(new_values)

    def with_row_splits_dtype(self, dtype):
        """The same tensor with row splits of `dtype` (int32 or int64)."""
        dtype = dtypes.as_dtype(dtype)
        values = self._values.with_row_splits_dtype(dtype) \
            if isinstance(self._values, RaggedTensor) else self._values
        return RaggedTensor(values, _cast(self._row_splits, dtype), internal=True)

    def merge_dims(self, outer_axis, inner_axis):
        """Axes outer_axis..inner_axis merged into one (a dense tensor when that leaves no
        ragged axis).

            >>> tf.ragged.constant([[[1], [2, 3]], [[4]]]).merge_dims(0, 1).to_list()
            [[1], [2, 3], [4]]
        """
        rank = self.shape.rank
        outer = rules.normalize_axis("merge_dims", outer_axis, rank)
        inner = rules.normalize_axis("merge_dims", inner_axis, rank)
        if outer > inner:
            raise InvalidArgumentError(
                f"merge_dims: Expected outer_axis ({outer_axis}) to be less than or equal to "
                f"inner_axis ({inner_axis})")
        return _merge_dims(self, outer, inner)

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
        """The rows as NumPy, as TF returns: an object array of row arrays, or one array when
        the rows have equal lengths.

            >>> tf.ragged.constant([[1, 2], [3]]).numpy()
            array([array([1, 2], dtype=int32), array([3], dtype=int32)], dtype=object)
            >>> tf.ragged.constant([[1, 2], [3, 4]]).numpy()
            array([[1, 2],
                   [3, 4]], dtype=int32)
        """
        return rows_numpy(self._eager(self.flat_values, "numpy"),
                          [self._eager(s, "numpy") for s in self.nested_row_splits])

    def _eager(self, t, what):
        if not isinstance(t, EagerTensor):
            raise InvalidArgumentError(
                f"RaggedTensor.{what}() needs eager tensors; this one is symbolic (inside a "
                "graph being built)")
        return t.numpy()

    def __array__(self, dtype=None, copy=None):
        raise conversion_error()

    def __getitem__(self, key):
        """TF's ragged indexing: rows by int or slice, then slices (not ints) on the ragged
        axes and anything on uniform inner axes.

            >>> rt = tf.ragged.constant([[3, 1, 4, 1], [], [5, 9, 2]])
            >>> rt[0].numpy(), rt[1:].to_list(), rt[:, :2].to_list()
            (array([3, 1, 4, 1], dtype=int32), [[], [5, 9, 2]], [[3, 1], [], [5, 9]])
        """
        return _getitem(self, key if isinstance(key, tuple) else (key,))

    def __iter__(self):
        n = self._eager(self._row_splits, "__iter__").shape[0] - 1
        for i in range(n):
            yield self[i]

    def __len__(self):
        raise TypeError("object of type 'RaggedTensor' has no len()")

    def __bool__(self):
        raise TypeError("RaggedTensor may not be used as a boolean.")

    __hash__ = object.__hash__

    def __repr__(self):
        if isinstance(self.flat_values, EagerTensor) and \
                all(isinstance(s, EagerTensor) for s in self.nested_row_splits):
            return f"<tf.RaggedTensor {_format_rows(self.to_list())}>"
        return (f"tf.RaggedTensor(values={self._values!r}, row_splits={self._row_splits!r})")

    __str__ = __repr__


def _format_rows(rows):
    """Nested lists as TF prints them (on one line)."""
    return repr(rows)


def _check_nested(what, nested):
    if isinstance(nested, (Tensor, np.ndarray)) or not isinstance(nested, (list, tuple)):
        raise InvalidTypeError(f"{what}: expected a list or tuple of 1-D tensors, got "
                               f"{type(nested).__name__}")


# -- partition arithmetic (registry ops, so symbolic and differentiable alike) --------------------

def _cast(t, dtype):
    from graphflow.ops import elementwise as ew
    return t if t.dtype is dtype else ew.cast(t, dtype)


def _lengths_to_splits(lengths):
    from graphflow.ops import scan, shape as sh
    zero = _as_tensor(np.zeros(1, lengths.dtype.np))
    return sh.concat([zero, scan.cumsum(lengths)], 0)


def _reduce_max_int(x, axis):
    from graphflow.ops import reduce as rd
    return rd.reduce_max(x, axis=axis)


def rd_all(x, axis):
    from graphflow.ops import reduce as rd
    return rd.reduce_all(x, axis=axis)


def _boolean_mask_rows(x, keep):
    from graphflow.ops import gather_scatter as gs
    return gs.boolean_mask(x, keep)


def row_splits_to_segment_ids(splits, name=None, out_type=None):
    """The row of each value, from row splits (TF's tf.ragged.row_splits_to_segment_ids).

        >>> tf.ragged.row_splits_to_segment_ids([0, 2, 2, 5]).numpy()
        array([0, 0, 2, 2, 2])
    """
    from graphflow.ops import creation as cr, sort
    splits = _as_splits(splits) if not isinstance(splits, Tensor) else splits
    if splits.shape.rank is not None and splits.shape.rank != 1:
        raise InvalidArgumentError(f"Shape {tuple(splits.shape.as_list())} must have rank 1")
    if not splits.dtype.is_integer:
        raise InvalidArgumentError(
            f"row_splits_to_segment_ids: splits must be integers, got {splits.dtype.name}")
    out_type = splits.dtype if out_type is None else dtypes.as_dtype(out_type)
    positions = cr.range(splits[-1], dtype=splits.dtype)
    ids = sort.searchsorted(splits[1:], positions, side="right", out_type=out_type)
    return ids


def segment_ids_to_row_splits(segment_ids, num_segments=None, out_type=None, name=None):
    """Row splits from the (sorted) row of each value (TF's
    tf.ragged.segment_ids_to_row_splits); num_segments defaults to the last id + 1.

        >>> tf.ragged.segment_ids_to_row_splits([0, 0, 2], num_segments=4).numpy()
        array([0, 2, 2, 3, 3])
    """
    from graphflow.ops import creation as cr, elementwise as ew, shape as sh, sort
    ids = _as_splits(segment_ids, "segment_ids") if not isinstance(segment_ids, Tensor) \
        else segment_ids
    if ids.shape.rank is not None and ids.shape.rank != 1:
        raise InvalidArgumentError(f"Shape {tuple(ids.shape.as_list())} must have rank 1")
    out_type = dtypes.int64 if out_type is None else dtypes.as_dtype(out_type)
    ids = _cast(ids, out_type)
    if num_segments is None:
        size = sh.size(ids, out_type=out_type)
        num_segments = ew.where(ew.greater(size, 0), ids[ew.maximum(size - 1, 0)] + 1,
                                ew.zeros_like(size))
    n = _as_tensor(num_segments, out_type) if not isinstance(num_segments, Tensor) \
        else _cast(num_segments, out_type)
    # splits[i] = how many ids are < i, for i in 0..n (ids are sorted)
    bounds = cr.range(n + 1, dtype=out_type)
    return sort.searchsorted(ids, bounds, side="left", out_type=out_type)


# -- merge_dims, indexing -------------------------------------------------------------------------

def _merge_dims(rt, outer, inner):
    from graphflow.ops import shape as sh
    if outer == inner:
        return rt
    if not isinstance(rt, RaggedTensor):
        dims = sh.shape(rt)
        rank = rt.shape.rank
        new = sh.concat([dims[:outer], sh.reshape(_prod(dims[outer:inner + 1]), [1]),
                         dims[inner + 1:]], 0) if rank is not None else None
        return sh.reshape(rt, new)
    if outer > 1:
        return rt.with_values(_merge_dims(rt.values, outer - 1, inner - 1))
    if outer == 0:  # the rows of rt.values are the elements of all of rt's rows
        return _merge_dims(rt.values, 0, inner - 1)
    # outer == 1: each row's sub-rows concatenated
    values = rt.values
    if isinstance(values, RaggedTensor):
        merged = RaggedTensor(values.values, sh.gather(values.row_splits, rt.row_splits), True)
    else:
        dims = sh.shape(values, out_type=rt.row_splits.dtype)
        merged = RaggedTensor(sh.reshape(values, sh.concat([[-1], dims[2:]], 0)),
                              rt.row_splits * dims[1], True)
    return _merge_dims(merged, 1, inner - 1)


def _prod(t):
    from graphflow.ops import reduce as rd
    return rd.reduce_prod(t)


def _getitem(rt, key):
    """rt[key] for a tuple key, as TF's ragged __getitem__."""
    from graphflow.ops import shape as sh
    if not key:
        return rt
    # Ellipsis: expand to full slices
    if any(k is Ellipsis for k in key):
        i = next(i for i, k in enumerate(key) if k is Ellipsis)
        rest = [k for k in key if k is not Ellipsis]
        used = sum(1 for k in rest if k is not None)
        fill = (builtins.slice(None),) * max(rt.shape.rank - used, 0)
        key = tuple(key[:i]) + fill + tuple(key[i + 1:])
    first, rest = key[0], key[1:]
    if first is None:  # tf.newaxis on the outside
        inner = _getitem(rt, rest) if rest else rt
        return _expand_outer(inner)
    if isinstance(first, builtins.slice):
        rows = _slice_rows(rt, first)
        if not rest:
            return rows
        return _index_inner(rows, rest)
    if _is_index(first):
        row = _row(rt, first)
        return row[rest] if rest else row
    raise InvalidTypeError(
        f"RaggedTensor indices must be integers, slices, tf.newaxis or Ellipsis, got "
        f"{first!r}")


def _is_index(k):
    if isinstance(k, bool):
        return False
    if isinstance(k, (int, np.integer)):
        return True
    return isinstance(k, Tensor) and k.dtype.is_integer and k.shape.rank == 0


def _expand_outer(rt):
    from graphflow.ops import shape as sh
    if not isinstance(rt, RaggedTensor):
        return sh.expand_dims(rt, 0)
    n = _cast(rt.nrows(), rt.row_splits.dtype)
    zero = _as_tensor(np.zeros(1, rt.row_splits.dtype.np))
    return RaggedTensor(rt, sh.concat([zero, sh.reshape(n, [1])], 0), True)


def _row(rt, i):
    """Row i (an int, possibly negative, or a scalar tensor) of rt: a dense tensor or, for
    nested rt, a RaggedTensor."""
    from graphflow.ops import elementwise as ew
    splits = rt.row_splits
    known = _static(splits)
    if isinstance(i, Tensor):
        index = _cast(i, splits.dtype)
        index = ew.where(ew.less(index, 0), index + rt.nrows(), index)
    else:
        index = int(i)
        if known is not None:
            n = len(known) - 1
            if not -n <= index < n:
                raise IndexError(f"Row key {index} out of bounds")
            index %= n
        elif index < 0:
            index = rt.nrows() + index
    return _slice_rows_range(rt.values, splits[index], splits[index + 1])


def _slice_rows_range(x, lo, hi):
    """x[lo:hi] along axis 0 (bounds may be tensors)."""
    if isinstance(x, RaggedTensor):
        splits = x.row_splits
        return RaggedTensor(_slice_rows_range(x.values, splits[lo], splits[hi]),
                            splits[lo:hi + 1] - splits[lo], True)
    return x[lo:hi]


def _slice_rows(rt, s):
    """rt[s] for a slice over rows."""
    from graphflow.ops import creation as cr
    step = 1 if s.step is None else s.step
    if isinstance(step, Tensor) or step != 1 or isinstance(s.start, Tensor) or \
            isinstance(s.stop, Tensor):
        known = _static(rt.row_splits)
        if known is None:
            if step == 1:
                return _slice_rows_dynamic(rt, s)
            raise InvalidArgumentError("RaggedTensor: a strided row slice needs a known number "
                                       "of rows")
        n = len(known) - 1
        indices = np.arange(n)[s]
        return ragged_gather(rt, cr.constant(indices.astype(np.int64)))
    known = _static(rt.row_splits)
    if known is not None:
        n = len(known) - 1
        start, stop, _ = builtins.slice(s.start, s.stop).indices(n)
        stop = max(stop, start)
        return _slice_rows_range(rt, start, stop)
    return _slice_rows_dynamic(rt, s)


def _slice_rows_dynamic(rt, s):
    from graphflow.ops import elementwise as ew
    n = rt.nrows()
    start = _bound(s.start, n, 0)
    stop = _bound(s.stop, n, n)
    stop = ew.maximum(stop, start)
    return _slice_rows_range(rt, start, stop)


def _bound(v, n, default):
    """A slice bound clipped to [0, n] like Python's (n a scalar tensor)."""
    from graphflow.ops import elementwise as ew
    if v is None:
        return default if not isinstance(default, int) else _as_tensor(
            np.asarray(default, n.dtype.np))
    v = _as_tensor(v, n.dtype) if not isinstance(v, Tensor) else _cast(v, n.dtype)
    v = ew.where(ew.less(v, 0), v + n, v)
    return ew.minimum(ew.maximum(v, ew.zeros_like(v)), n)


def _index_inner(rt, key):
    """rt[:, key...]: key applies to axes 1.. of each row."""
    first, rest = key[0], key[1:]
    if isinstance(rt, RaggedTensor):
        if first is None:
            raise InvalidArgumentError("RaggedTensor: tf.newaxis inside a ragged tensor's index "
                                       "is not supported")
        if _is_index(first):
            raise InvalidArgumentError("Cannot index into an inner ragged dimension.")
        if not isinstance(first, builtins.slice):
            raise InvalidTypeError(f"RaggedTensor indices must be integers or slices, got "
                                   f"{first!r}")
        sliced = _slice_within_rows(rt, first)
        if not rest:
            return sliced
        if isinstance(sliced.values, RaggedTensor):
            return sliced.with_values(_index_inner(sliced.values, rest))
        return sliced.with_values(_dense_inner_index(sliced.values, rest))
    return _dense_inner_index(rt, key)


def _dense_inner_index(values, key):
    return values[(builtins.slice(None),) + tuple(key)]


def _slice_within_rows(rt, s):
    """Each row of rt sliced by s (a Python slice with int or None bounds)."""
    from graphflow.ops import creation as cr, elementwise as ew, shape as sh
    for b in (s.start, s.stop, s.step):
        if b is not None and not isinstance(b, (int, np.integer)):
            raise InvalidTypeError("RaggedTensor: slices of a ragged axis need int bounds")
    step = 1 if s.step is None else int(s.step)
    if step == 0:
        raise InvalidArgumentError("slice step cannot be zero")
    dt = rt.row_splits.dtype
    starts, limits = rt.row_starts(), rt.row_limits()
    lengths = limits - starts

    def clip(v, default):
        if v is None:
            return default
        v = int(v)
        t = _as_tensor(np.asarray(v, dt.np))
        t = ew.where(ew.less(t, 0), t + lengths, sh.broadcast_to(t, sh.shape(lengths)))
        lo = ew.zeros_like(lengths) if step > 0 else -ew.ones_like(lengths)
        hi = lengths if step > 0 else lengths - 1
        return ew.minimum(ew.maximum(t, lo), hi)

    if step > 0:
        begin = clip(s.start, ew.zeros_like(lengths))
        end = clip(s.stop, lengths)
        count = ew.floordiv(ew.maximum(end - begin, ew.zeros_like(lengths)) + (step - 1), step)
    else:
        begin = clip(s.start, lengths - 1)
        end = clip(s.stop, -ew.ones_like(lengths))
        count = ew.floordiv(ew.maximum(begin - end, ew.zeros_like(lengths)) + (-step - 1), -step)
    new_splits = _lengths_to_splits(count)
    rows = row_splits_to_segment_ids(new_splits)
    k = cr.range(new_splits[-1], dtype=dt) - sh.gather(new_splits, rows)
    src = sh.gather(starts + begin, rows) + k * step
    return RaggedTensor(ragged_gather(rt.values, src), new_splits, True)


# -- tf.ragged.constant -----------------------------------------------------------------------------

def constant(pylist, dtype=None, ragged_rank=None, inner_shape=None, name=None,
             row_splits_dtype=dtypes.int64):
    """A RaggedTensor from nested Python lists (rows may differ in length).

        >>> tf.ragged.constant([["a", "b"], ["c"]])
        <tf.RaggedTensor [[b'a', b'b'], [b'c']]>
    """
    if isinstance(pylist, np.ndarray):
        pylist = pylist.tolist()
    depth = _depth(pylist, True)
    if depth < 2 and ragged_rank is None:
        raise InvalidArgumentError(
            f"ragged.constant: expected a nested list of rank >= 2, got {pylist!r:.60}")
    if inner_shape is not None:
        rank = depth - 1 - len(tuple(inner_shape))
    else:
        rank = depth - 1 if ragged_rank is None else int(ragged_rank)
    if rank < 1 or rank >= depth:
        raise InvalidArgumentError(
            f"ragged.constant: ragged_rank must be between 1 and {depth - 1}, got {rank}")
    _check_types(pylist)
    return _build(pylist, rank, dtype, dtypes.as_dtype(row_splits_dtype))


def _depth(value, check=False):
    """The nesting depth of a list; with check, TF's error when leaves sit at several depths."""
    if isinstance(value, (list, tuple)):
        depths = {_depth(v, check) for v in value}
        if check and len(depths) > 1 and 0 in depths:
            raise InvalidArgumentError("all scalar values must have the same nesting depth")
        return 1 + max(depths, default=0)
    return 0


def _check_types(value):
    kinds = set()

    def walk(v):
        if isinstance(v, (list, tuple)):
            for x in v:
                walk(x)
        else:
            kinds.add("s" if isinstance(v, (str, bytes)) else "n")
    walk(value)
    if len(kinds) > 1:
        raise InvalidArgumentError("Can't convert Python sequence with mixed types to Tensor.")


def _build(rows, ragged_rank, dtype, split_dtype=dtypes.int64):
    from graphflow.ops.creation import constant as dense
    lengths = [len(r) for r in rows]
    flat = [v for r in rows for v in r]
    if ragged_rank > 1:
        values = _build(flat, ragged_rank - 1, dtype, split_dtype)
    else:
        values = dense(flat, dtype) if flat else dense(np.zeros((0,), np.float32), dtype)
    splits = np.concatenate([[0], np.cumsum(lengths)]).astype(split_dtype.np)
    return RaggedTensor(values, EagerTensor(splits), internal=True)


def ragged_gather(x, indices):
    """Rows `indices` (a 1-D integer tensor) of x, a dense tensor or a RaggedTensor."""
    from graphflow.ops import creation as cr, shape as sh
    if not isinstance(x, RaggedTensor):
        return sh.gather(x, indices)
    dt = x.row_splits.dtype
    indices = _cast(_as_tensor(indices, dt), dt)
    starts = sh.gather(x.row_starts(), indices)
    lengths = sh.gather(x.row_limits(), indices) - starts
    new_splits = _lengths_to_splits(lengths)
    rows = row_splits_to_segment_ids(new_splits)
    k = cr.range(new_splits[-1], dtype=dt) - sh.gather(new_splits, rows)
    src = sh.gather(starts, rows) + k
    return RaggedTensor(ragged_gather(x.values, src), new_splits, True)
