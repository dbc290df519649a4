"""Ops on RaggedTensors: TF's ragged dispatch, in one place.

The registry's dispatch hands every op called with a RaggedTensor argument to `dispatch_ragged`
(before converting its inputs): elementwise and broadcasting ops run on the flat values (ragged
operands must share their row partitions; dense operands broadcast as in TF: scalars and
shapes of the uniform inner dimensions directly, [nrows, 1, ...] per row), and the ops in
RAGGED_OPS have ragged forms (reductions along any axis as segment reductions, concat, gather,
expand_dims, tile, one_hot, size, shape, rank, where(condition)). Any other op raises TypeError
naming it. The public wrappers have already normalized their attributes (axes against
RaggedTensor.shape), so the forms here see canonical attrs.

    >>> import graphflow as tf
    >>> rt = tf.ragged.constant([[3, 1, 4, 1], [], [5, 9, 2], [6], []])
    >>> tf.reduce_sum(rt, axis=1).numpy()
    array([ 9,  0, 16,  6,  0], dtype=int32)
    >>> tf.concat([rt, rt], axis=1).to_list()
    [[3, 1, 4, 1, 3, 1, 4, 1], [], [5, 9, 2, 5, 9, 2], [6, 6], []]
"""
import builtins

import numpy as np

from graphflow import dtypes
from graphflow.errors import InvalidArgumentError, InvalidTypeError
from graphflow.ops import creation as cr, elementwise as ew, gather_scatter as gs
from graphflow.ops import reduce as rd, registry, rules, shape as sh, sort
from graphflow.ops.ragged import (
    RaggedTensor, _as_tensor, _dense_to_values, _cast, _expand_outer, _lengths_to_splits, _row, _static,
    ragged_gather, row_splits_to_segment_ids, segment_ids_to_row_splits, unsupported)
from graphflow.ops.registry import BROADCAST, ELEMENTWISE, convert_inputs, dispatch
from graphflow.tensor import Tensor, TensorShape, Variable

__all__ = ["boolean_mask", "map_flat_values", "range", "stack", "row_splits_to_segment_ids",
           "segment_ids_to_row_splits", "DynamicRaggedShape", "RaggedTensorSpec"]


def dispatch_ragged(op, inputs, attrs, name):
    """The ragged form of `op` on inputs of which at least one is a RaggedTensor."""
    form = RAGGED_OPS.get(op.name)
    if form is not None:
        return form(op, list(inputs), dict(attrs or {}), name)
    if op.kind in (ELEMENTWISE, BROADCAST) and op.num_outputs == 1:
        return _elementwise(op, inputs, attrs, name)
    raise unsupported(op.name)


# -- elementwise ---------------------------------------------------------------------------------

def _elementwise(op, inputs, attrs, name):
    raggeds = [x for x in inputs if isinstance(x, RaggedTensor)]
    base = raggeds[0]
    for other in raggeds[1:]:
        check_same_partitions(op.name, base, other)
    flat = convert_inputs(op, [x.flat_values if isinstance(x, RaggedTensor) else x
                               for x in inputs])
    args = [x if isinstance(orig, RaggedTensor) else _broadcast_dense(op.name, x, base)
            for x, orig in zip(flat, inputs)]
    return base.with_flat_values(dispatch(op, args, attrs, name))


def check_same_partitions(op_name, a, b):
    """TF's requirement for ragged operands of an elementwise op: identical row partitions
    (checked when the splits are known; a graph being built checks only the ragged ranks)."""
    if a.ragged_rank != b.ragged_rank:
        raise InvalidArgumentError(
            f"{op_name}: RaggedTensor operands must have the same ragged_rank, got "
            f"{a.ragged_rank} and {b.ragged_rank}")
    for level, (sa, sb) in enumerate(zip(a.nested_row_splits, b.nested_row_splits)):
        if sa is sb:
            continue
        va, vb = _static(sa), _static(sb)
        if va is not None and vb is not None and not np.array_equal(va, vb):
            raise InvalidArgumentError(
                f"{op_name}: RaggedTensor operands have incompatible shapes: their row "
                f"partitions differ (row_splits {va.tolist()} vs {vb.tolist()} at ragged "
                f"dimension {level + 1})")
    fa, fb = a.flat_values.shape, b.flat_values.shape
    if fa.rank is not None and fb.rank is not None:
        rules.broadcast_shapes(op_name, fa.dims_tuple()[1:], fb.dims_tuple()[1:])


def _broadcast_dense(op_name, x, base):
    """A dense operand of an elementwise op with `base`, as an operand of the op on
    base.flat_values (TF's ragged broadcasting)."""
    if isinstance(x, Variable):
        x = x.value()
    rank, total, k = x.shape.rank, base.shape.rank, base.ragged_rank
    inner = total - k - 1  # uniform dimensions inside the values
    if rank is None or rank <= inner:
        return x
    if rank > total:
        raise InvalidArgumentError(
            f"{op_name}: cannot broadcast a dense operand of shape {x.shape} against a "
            f"RaggedTensor of shape {base.shape} (the dense operand has a higher rank)")
    dims = (1,) * (total - rank) + tuple(x.shape.dims_tuple())
    for axis in builtins.range(1, k + 1):
        if dims[axis] != 1:
            raise InvalidArgumentError(
                f"{op_name}: Incompatible shapes: a dense operand of shape {x.shape} cannot "
                f"broadcast against the ragged dimension {axis} of a RaggedTensor of shape "
                f"{base.shape} (its size there must be 1)")
    x_shape = sh.shape(x)
    rest = x_shape[rank - (total - k - 1):] if total - k - 1 else _as_tensor(
        np.zeros(0, np.int32))
    if dims[0] == 1:
        return sh.reshape(x, sh.concat([[1], rest], 0))
    nrows = _static(base.nrows())
    if nrows is not None and dims[0] is not None and int(nrows) != dims[0]:
        raise InvalidArgumentError(
            f"{op_name}: Incompatible shapes: a dense operand of shape {x.shape} against a "
            f"RaggedTensor with {int(nrows)} rows")
    per_row = sh.reshape(x, sh.concat([[-1], rest], 0))
    return sh.gather(per_row, _flat_rowids(base))


def _flat_rowids(rt):
    """The row (axis 0 index) of each of rt's flat values."""
    ids = rt.value_rowids()
    values = rt.values
    while isinstance(values, RaggedTensor):
        ids = sh.gather(ids, values.value_rowids())
        values = values.values
    return ids


# -- reductions ----------------------------------------------------------------------------------

_REDUCE_KINDS = {"reduce_sum": "sum", "reduce_prod": "prod", "reduce_max": "max",
                 "reduce_min": "min", "reduce_any": "any", "reduce_all": "all",
                 "reduce_mean": "mean"}


def _reduce(op, inputs, attrs, name):
    (rt,) = inputs
    kind = _REDUCE_KINDS[op.name]
    axis, keepdims = attrs.get("axis"), attrs.get("keepdims", False)
    kinds = "b" if kind in ("any", "all") else "fiu"
    rules.check_kind(op.name, registry.Spec(None, rt.dtype), kinds)
    rank = rt.shape.rank
    axes = tuple(builtins.range(rank)) if axis is None else tuple(axis)
    if kind == "mean":
        # TF's ragged mean: sum / count, in float64 for integer values
        dtype = rt.dtype if rt.dtype.is_floating else dtypes.float64
        values = rt.with_flat_values(_cast(rt.flat_values, dtype))
        total = _reduce_axes(values, axes, "sum", keepdims)
        count = _reduce_axes(values.with_flat_values(ew.ones_like(values.flat_values)),
                             axes, "sum", keepdims)
        # NaN for empty rows, as TF, without NumPy's 0/0 warning
        safe = ew.maximum(count, ew.ones_like(count))
        nan = ew.zeros_like(total) + _as_tensor(np.asarray(np.nan, dtype.np))
        return ew.where(ew.greater(count, 0), total / safe, nan)
    return _reduce_axes(rt, axes, kind, keepdims)


def _reduce_axes(rt, axes, kind, keepdims):
    rank = rt.shape.rank
    if set(axes) == set(builtins.range(rank)):  # everything: the flat values
        out = _dense_reduce(rt.flat_values, None, kind)
        return sh.reshape(out, [1] * rank) if keepdims else out
    x = rt
    for a in sorted(axes, reverse=True):
        x = _reduce_axis(x, a, kind)
    if keepdims:
        for a in sorted(axes):
            x = sh.expand_dims(x, a)
    return x


def _dense_reduce(x, axis, kind):
    fn = {"sum": rd.reduce_sum, "prod": rd.reduce_prod, "max": rd.reduce_max,
          "min": rd.reduce_min, "any": rd.reduce_any, "all": rd.reduce_all}[kind]
    return fn(x, axis=axis)


def _reduce_axis(x, a, kind):
    if not isinstance(x, RaggedTensor):
        return _dense_reduce(x, a, kind)
    if a == 0:
        zeros = ew.zeros_like(x.row_starts())
        return _row(_union_reduce(x, zeros, 1, kind, sorted_ids=True), 0)
    if a == 1:
        return _union_reduce(x.values, x.value_rowids(), x.nrows(), kind, sorted_ids=True)
    return x.with_values(_reduce_axis(x.values, a - 1, kind))


def _union_reduce(values, gid, ngroups, kind, sorted_ids=False):
    """The rows of `values` (dense or ragged) reduced per group: row m goes to group gid[m];
    rows of different lengths combine where they overlap (TF's ragged reductions).
    Returns a tensor with ngroups rows."""
    if not isinstance(values, RaggedTensor):
        return segment_reduce(kind, values, gid, ngroups, sorted_ids)
    lengths = values.row_lengths()
    longest = ew.maximum(segment_reduce("max", lengths, gid, ngroups, sorted_ids),
                         ew.zeros_like(lengths[:1]))
    out_splits = _lengths_to_splits(longest)
    child_rows = values.value_rowids()
    k = cr.range(values.row_splits[-1], dtype=child_rows.dtype) - \
        sh.gather(values.row_splits, child_rows)
    child_gid = sh.gather(sh.gather(out_splits, gid), child_rows) + k
    inner = _union_reduce(values.values, child_gid, out_splits[-1], kind)
    return RaggedTensor(inner, out_splits, True)


def segment_reduce(kind, data, ids, num, sorted_ids=False):
    """data's rows reduced into `num` segments by ids; num may be a tensor known only when a
    graph runs (then sorted segment ops after sorting the ids). Empty segments hold the
    reduction's identity: 0, 1, the dtype's lowest (max) or highest (min) value."""
    if kind == "any":
        return ew.greater(segment_reduce("sum", _cast(data, dtypes.int32), ids, num,
                                         sorted_ids), 0)
    if kind == "all":
        return ew.equal(segment_reduce("sum", _cast(ew.logical_not(data), dtypes.int32), ids,
                                       num, sorted_ids), 0)
    known = _static(num) if isinstance(num, Tensor) else num
    if known is not None:
        fn = {"sum": gs.unsorted_segment_sum, "prod": gs.unsorted_segment_prod,
              "max": gs.unsorted_segment_max, "min": gs.unsorted_segment_min}[kind]
        return fn(data, ids, int(known))
    if not sorted_ids:
        order = sort.argsort(ids)
        data, ids = sh.gather(data, order), sh.gather(ids, order)
    # One more segment (id num) so that the output has num rows even when the last ones are
    # empty; it is cut off again.
    num_t = _cast(num, ids.dtype)
    ids = sh.concat([ids, sh.reshape(num_t, [1])], 0)
    pad_shape = sh.concat([[1], sh.shape(data)[1:]], 0)
    data = sh.concat([data, cr.zeros(pad_shape, data.dtype)], 0)
    fn = {"sum": gs.segment_sum, "prod": gs.segment_prod, "max": gs.segment_max,
          "min": gs.segment_min}[kind]
    out = fn(data, ids)[:-1]
    if kind in ("max", "min"):
        count = gs.segment_sum(ew.ones_like(ids), ids)[:-1]
        info = np.finfo(data.dtype.np) if data.dtype.is_floating else np.iinfo(data.dtype.np)
        fill = ew.zeros_like(out) + _as_tensor(
            np.asarray(info.min if kind == "max" else info.max, data.dtype.np))
        empty = ew.equal(count, 0)
        for _ in builtins.range((out.shape.rank or 1) - 1):
            empty = sh.expand_dims(empty, -1)
        out = ew.where(empty, fill, out)
    return out


# -- shape ops -----------------------------------------------------------------------------------

def _to_ragged(x, like, ragged_rank, op_name):
    """A dense operand of a ragged concat/stack as a RaggedTensor of `ragged_rank`."""
    if isinstance(x, RaggedTensor):
        if x.ragged_rank != ragged_rank:
            raise InvalidArgumentError(
                f"{op_name}: RaggedTensors must have the same ragged_rank, got "
                f"{x.ragged_rank} and {ragged_rank}")
        return x
    t = _as_tensor(x, like.dtype)
    return RaggedTensor.from_tensor(t, ragged_rank=ragged_rank,
                                    row_splits_dtype=like.row_splits.dtype)


def _concat(op, inputs, attrs, name):
    axis = attrs["axis"]
    like = next(x for x in inputs if isinstance(x, RaggedTensor))
    k = max(x.ragged_rank for x in inputs if isinstance(x, RaggedTensor))
    parts = [_to_ragged(x, like, k, "concat") for x in inputs]
    dtypes_seen = {p.dtype for p in parts}
    if len(dtypes_seen) > 1:
        raise InvalidArgumentError(
            f"concat: all inputs must have the same dtype, got "
            f"{sorted(d.name for d in dtypes_seen)}")
    return concat_ragged(parts, axis)


def concat_ragged(parts, axis):
    if axis == 0:
        return _concat_rows(parts)
    nrows = [_static(p.nrows()) for p in parts]
    known = [int(n) for n in nrows if n is not None]
    if len(set(known)) > 1:
        raise InvalidArgumentError(
            f"concat: Input tensors have incompatible shapes: "
            f"{' vs '.join(str(n) for n in known)} rows")
    if axis == 1:
        n = len(parts)
        stacked = _concat_rows(parts)
        rows = parts[0].nrows()
        dt = stacked.row_splits.dtype
        order = sh.reshape(sh.transpose(sh.reshape(cr.range(rows * n, dtype=dt),
                                                   sh.stack([_as_tensor(np.asarray(n, dt.np)), _cast(rows, dt)]))),
                           [-1])
        g = ragged_gather(stacked, order)
        outer = sh.gather(g.row_splits, cr.range(rows + 1, dtype=dt) * n)
        return RaggedTensor(g.values, outer, True)
    for p in parts[1:]:  # deeper axes: the outer rows must match exactly
        a, b = _static(parts[0].row_splits), _static(p.row_splits)
        if a is not None and b is not None and not np.array_equal(a, b):
            raise InvalidArgumentError(
                f"concat: Input tensors have incompatible shapes: row_splits {a.tolist()} "
                f"vs {b.tolist()}")
    inner = [p.values for p in parts]
    if isinstance(inner[0], RaggedTensor):
        values = concat_ragged(inner, axis - 1)
    else:
        values = sh.concat(inner, axis - 1)
    return RaggedTensor(values, parts[0].row_splits, True)


def _concat_rows(parts):
    dt = dtypes.int64 if any(p.row_splits.dtype is dtypes.int64 for p in parts) \
        else parts[0].row_splits.dtype
    splits, offset = [_cast(parts[0].row_splits, dt)], _cast(parts[0].row_splits[-1], dt)
    for p in parts[1:]:
        s = _cast(p.row_splits, dt)
        splits.append(s[1:] + offset)
        offset = offset + s[-1]
    inner = [p.values for p in parts]
    if isinstance(inner[0], RaggedTensor):
        values = _concat_rows(inner)
    else:
        values = sh.concat(inner, 0)
    return RaggedTensor(values, sh.concat(splits, 0), True)


def _expand_dims(op, inputs, attrs, name):
    (rt,) = inputs
    return expand_ragged(rt, attrs["axis"])


def expand_ragged(rt, axis):
    if not isinstance(rt, RaggedTensor):
        return sh.expand_dims(rt, axis)
    if axis == 0:
        return _expand_outer(rt)
    if axis == 1:
        dt = rt.row_splits.dtype
        return RaggedTensor(rt, cr.range(rt.nrows() + 1, dtype=dt), True)
    return rt.with_values(expand_ragged(rt.values, axis - 1))


def _gather(op, inputs, attrs, name):
    params, indices = inputs
    axis, batch_dims = attrs.get("axis", 0), attrs.get("batch_dims", 0)
    if isinstance(indices, RaggedTensor):
        if isinstance(params, RaggedTensor) or axis == 0 and batch_dims == 0:
            picked = ragged_gather(params, indices.flat_values) \
                if isinstance(params, RaggedTensor) else \
                sh.gather(params, indices.flat_values, axis=axis, batch_dims=batch_dims)
            return indices.with_flat_values(picked)
    if axis != 0 or batch_dims != 0:
        raise InvalidArgumentError(
            "gather: a RaggedTensor's rows are gathered only along axis 0 with batch_dims=0, "
            f"got axis={axis}, batch_dims={batch_dims}")
    indices = _as_tensor(indices, dtypes.int64)
    if not indices.dtype.is_integer:
        raise InvalidArgumentError(f"gather: indices must be integers, got {indices.dtype.name}")
    known = _static(params.nrows())
    values = _static(indices)
    if known is not None and values is not None and values.size:
        bad = np.flatnonzero((values.reshape(-1) < 0) | (values.reshape(-1) >= int(known)))
        if bad.size:
            i = int(bad[0])
            raise InvalidArgumentError(
                f"gather: indices[{i}] = {int(values.reshape(-1)[i])} is not in [0, "
                f"{int(known)})")
    rank = indices.shape.rank
    if rank == 0:
        return _row(params, indices)
    result = ragged_gather(params, sh.reshape(indices, [-1]))
    if rank is not None and rank > 1:
        dims = sh.shape(indices, out_type=result.row_splits.dtype)
        for a in builtins.range(rank - 1, 0, -1):
            result = RaggedTensor.from_uniform_row_length(result, dims[a])
    return result


def _tile(op, inputs, attrs, name):
    (rt,) = inputs
    return tile_ragged(rt, list(attrs["multiples"]))


def tile_ragged(x, multiples):
    if not isinstance(x, RaggedTensor):
        return sh.tile(x, multiples)
    if multiples[0] != 1:
        n = x.nrows()
        x = ragged_gather(x, sh.tile(cr.range(n, dtype=x.row_splits.dtype), [multiples[0]]))
    m = multiples[1]
    if m != 1:
        dt = x.row_splits.dtype
        starts, lengths = x.row_starts(), x.row_limits() - x.row_starts()
        out_splits = _lengths_to_splits(lengths * m)
        rows = row_splits_to_segment_ids(out_splits)
        k = cr.range(out_splits[-1], dtype=dt) - sh.gather(out_splits, rows)
        src = sh.gather(starts, rows) + ew.floormod(k, ew.maximum(sh.gather(lengths, rows), 1))
        x = RaggedTensor(ragged_gather(x.values, src), out_splits, True)
    if any(v != 1 for v in multiples[2:]):
        x = x.with_values(tile_ragged(x.values, [1] + list(multiples[2:])))
    return x


def _one_hot(op, inputs, attrs, name):
    (rt,) = inputs
    axis = attrs["axis"]
    if axis != -1 and axis <= rt.ragged_rank:
        raise InvalidArgumentError(
            f"one_hot: axis ({axis}) must be greater than indices.ragged_rank "
            f"({rt.ragged_rank}).")
    flat_attrs = dict(attrs, axis=-1 if axis == -1 else axis - rt.ragged_rank)
    return rt.with_flat_values(dispatch(op, (rt.flat_values,), flat_attrs, name))


def _size(op, inputs, attrs, name):
    (rt,) = inputs
    return dispatch(op, (rt.flat_values,), attrs, name)


def _rank(op, inputs, attrs, name):
    (rt,) = inputs
    return cr.constant(rt.shape.rank, dtypes.as_dtype(attrs.get("out_type", "int32")))


def _shape(op, inputs, attrs, name):
    (rt,) = inputs
    return DynamicRaggedShape._from_tensor(rt, dtypes.as_dtype(attrs.get("out_type", "int32")))


def _reverse(op, inputs, attrs, name):
    (rt,) = inputs
    from graphflow.ops import layout
    from graphflow.ops.ragged import _slice_within_rows
    for a in attrs["axis"]:
        if a == 0:
            n = rt.nrows()
            rt = ragged_gather(rt, cr.range(n - 1, -1, -1, dtype=rt.row_splits.dtype))
        elif a == 1:
            rt = _slice_within_rows(rt, slice(None, None, -1))
        else:
            rt = rt.with_values(layout.reverse(rt.values, [a - 1]))
    return rt


def _squeeze(op, inputs, attrs, name):
    (rt,) = inputs
    axes = attrs["axis"]
    if axes is None:
        raise InvalidArgumentError("squeeze: axis must be given for a RaggedTensor")
    for a in sorted(axes, reverse=True):
        rt = _squeeze_axis(rt, a)
    return rt


def _squeeze_axis(x, a):
    if not isinstance(x, RaggedTensor):
        return sh.squeeze(x, [a])
    if a == 0:
        n = _static(x.nrows())
        if n is None or int(n) != 1:
            raise InvalidArgumentError(
                f"squeeze: cannot squeeze axis 0 of a RaggedTensor with {n} rows")
        return _row(x, 0)
    if a == 1:
        lengths = _static(x.row_lengths())
        if lengths is None or np.any(lengths != 1):
            raise InvalidArgumentError(
                "squeeze: cannot squeeze a ragged axis unless every row has length 1")
        return x.values
    return x.with_values(_squeeze_axis(x.values, a - 1))


def _scan(op, inputs, attrs, name):
    """cumsum / cumprod / cumulative_logsumexp within each row (the innermost ragged axis) or
    along a uniform inner axis."""
    (rt,) = inputs
    axis, k = attrs["axis"], rt.ragged_rank
    if axis > k:
        return rt.with_flat_values(dispatch(op, (rt.flat_values,), dict(attrs, axis=axis - k),
                                            name))
    if axis < k or axis == 0:
        raise InvalidTypeError(
            f"{op.name}: along axis {axis} of a RaggedTensor with ragged_rank {k}: only the "
            f"innermost ragged axis ({k}) and uniform inner axes are supported")
    inner = rt
    while isinstance(inner.values, RaggedTensor):
        inner = inner.values
    # Rows padded at their end: a forward scan never reads the padding, a reverse one adds
    # the scan's identity (0 for sums, 1 for products: the padding value).
    pad = {"cumsum": 0, "cumprod": 1}.get(op.name)
    if pad is None:
        raise unsupported(op.name)
    dense = inner.to_tensor(default_value=_as_tensor(np.asarray(pad, rt.dtype.np)))
    scanned = dispatch(op, (dense,), dict(attrs, axis=1), name)
    return rt.with_flat_values(_dense_to_values(scanned, inner))


def _reshape(op, inputs, attrs, name):
    # A RaggedTensor's elements in row-major order are its flat values.
    (rt,) = inputs
    return dispatch(op, (rt.flat_values,), attrs, name)


def _unsorted_segment(op, inputs, attrs, name):
    data, ids = inputs
    if isinstance(ids, RaggedTensor):
        raise unsupported(op.name + " (with ragged segment_ids)")
    mode = op.name[len("unsorted_segment_"):]
    ids = _as_tensor(ids, dtypes.int64)
    return _union_reduce(data, ids, attrs["num_segments"], mode)


def _where_indices(op, inputs, attrs, name):
    (rt,) = inputs
    flat = rt.flat_values
    found = dispatch(op, (flat,), attrs, name)  # [n, rank of flat]
    first = found[:, 0]
    coords = []
    ids = first
    x = rt
    chain = []
    while isinstance(x, RaggedTensor):
        chain.append(x)
        x = x.values
    for level in reversed(chain):
        rows = sh.gather(level.value_rowids(), ids)
        col = ids - sh.gather(level.row_splits, rows)
        coords.insert(0, col)
        ids = rows
    coords.insert(0, ids)
    inner = [found[:, 1:]] if (flat.shape.rank or 1) > 1 else []
    return sh.concat([sh.stack([_cast(c, dtypes.int64) for c in coords], axis=1)] +
                     [_cast(t, dtypes.int64) for t in inner], 1)


RAGGED_OPS = {name: _reduce for name in _REDUCE_KINDS}
RAGGED_OPS.update({
    "concat": _concat, "expand_dims": _expand_dims, "gather": _gather, "tile": _tile,
    "one_hot": _one_hot, "size": _size, "rank": _rank, "shape": _shape,
    "where_indices": _where_indices, "reverse": _reverse, "squeeze": _squeeze,
    "cumsum": _scan, "cumprod": _scan, "reshape": _reshape,
    **{f"unsorted_segment_{mode}": _unsorted_segment for mode in ("sum", "prod", "max", "min")},
    # string ops that act on each element (TF dispatches them to the flat values too)
    "string_join": _elementwise, "substr": _elementwise,
})

registry.composite_dispatch[RaggedTensor] = dispatch_ragged


# -- DynamicRaggedShape (what tf.shape returns for a RaggedTensor) ---------------------------------

class DynamicRaggedShape:
    """The shape of a RaggedTensor when it runs: its row partitions (row splits, outermost
    first) and the shape of its flat values. Uniform dimensions can be read by index.

        >>> s = tf.shape(tf.ragged.constant([[1], [2, 3, 4], [], [5, 6]]))
        >>> s
        <DynamicRaggedShape lengths=[4, (1, 3, 0, 2)] num_row_partitions=1>
        >>> int(s[0])
        4
    """

    def __init__(self, row_partitions, inner_shape, dtype=None, validate=True, static_inner_shape=None):
        self._splits = tuple(row_partitions)
        self._inner = _as_tensor(inner_shape, dtype or dtypes.int64)
        self._dtype = dtypes.as_dtype(dtype) if dtype is not None else self._inner.dtype

    @classmethod
    def _from_tensor(cls, rt, dtype):
        return cls(rt.nested_row_splits, sh.shape(rt.flat_values, out_type=dtype), dtype)

    @property
    def dtype(self):
        return self._dtype

    @property
    def num_row_partitions(self):
        return len(self._splits)

    @property
    def rank(self):
        return len(self._splits) + (self._inner.shape[0] or 0)

    @property
    def inner_shape(self):
        return self._inner

    @property
    def row_partitions(self):
        return self._splits

    def __len__(self):
        return self.rank

    def __getitem__(self, index):
        if isinstance(index, slice):
            raise InvalidArgumentError("DynamicRaggedShape: slicing is not supported")
        rank = self.rank
        i = rules.normalize_axis("DynamicRaggedShape", index, rank)
        if i == 0:
            return _cast(sh.size(self._splits[0]) - 1, self._dtype) if self._splits \
                else self._inner[0]
        if i <= len(self._splits):
            raise InvalidArgumentError(f"Index {index} is not uniform")
        return self._inner[i - len(self._splits)]

    def _wrap(self, flat):
        for splits in reversed(self._splits):
            flat = RaggedTensor(flat, splits, True)
        return flat

    def _ragged_fill(self, value, dtype=None):
        """tf.fill / zeros / ones of this shape: a RaggedTensor."""
        return self._wrap(cr.fill(self._inner, value, dtype))

    def _ragged_reshape(self, tensor):
        """tf.reshape(tensor, this shape): tensor's elements as a RaggedTensor."""
        return self._wrap(sh.reshape(tensor, self._inner))

    def __repr__(self):
        try:
            lengths = [int(_static(self._splits[0]).shape[0]) - 1] if self._splits else []
            for s in self._splits:
                lengths.append(tuple(int(v) for v in np.diff(_static(s))))
            lengths += [int(v) for v in _static(self._inner)[1:]]
        except (TypeError, AttributeError):
            return f"<DynamicRaggedShape num_row_partitions={self.num_row_partitions}>"
        text = ", ".join(str(v) if not isinstance(v, tuple) else
                         "(" + ", ".join(map(str, v)) + ")" for v in lengths)
        return f"<DynamicRaggedShape lengths=[{text}] num_row_partitions={len(self._splits)}>"


# -- tf.RaggedTensorSpec -------------------------------------------------------------------------

class RaggedTensorSpec:
    """The type of a RaggedTensor: shape (ragged dimensions None), dtype, ragged_rank and
    row_splits_dtype.

        >>> tf.RaggedTensorSpec([None, None], tf.int32)
        RaggedTensorSpec(TensorShape([None, None]), tf.int32, 1, tf.int64)
    """

    def __init__(self, shape=None, dtype=dtypes.float32, ragged_rank=None,
                 row_splits_dtype=dtypes.int64, flat_values_spec=None):
        self._shape = TensorShape(shape)
        self._dtype = dtypes.as_dtype(dtype)
        self._row_splits_dtype = dtypes.as_dtype(row_splits_dtype)
        rank = self._shape.rank
        if ragged_rank is None:
            if rank is None:
                raise InvalidArgumentError(
                    "Must specify ragged_rank or a shape with a known rank.")
            ragged_rank = rank - 1
        ragged_rank = int(ragged_rank)
        if rank is not None and ragged_rank >= rank:
            raise InvalidArgumentError(
                f"Argument `ragged_rank` ({ragged_rank}) must be less than rank ({rank}).")
        if ragged_rank < 0:
            raise InvalidArgumentError(f"ragged_rank must be non-negative, got {ragged_rank}")
        self._ragged_rank = ragged_rank
        self._flat_values_spec = flat_values_spec

    shape = property(lambda self: self._shape)
    dtype = property(lambda self: self._dtype)
    ragged_rank = property(lambda self: self._ragged_rank)
    row_splits_dtype = property(lambda self: self._row_splits_dtype)
    flat_values_spec = property(lambda self: self._flat_values_spec)

    @property
    def value_type(self):
        return RaggedTensor

    @classmethod
    def from_value(cls, value):
        """The spec of a RaggedTensor."""
        if not isinstance(value, RaggedTensor):
            raise InvalidTypeError(f"RaggedTensorSpec.from_value: expected a RaggedTensor, got "
                                   f"{type(value).__name__}")
        return cls(value.shape, value.dtype, value.ragged_rank, value.row_splits.dtype)

    def is_compatible_with(self, other):
        if isinstance(other, RaggedTensor):
            other = RaggedTensorSpec.from_value(other)
        if not isinstance(other, RaggedTensorSpec):
            return False
        return (self._dtype is other._dtype and self._ragged_rank == other._ragged_rank and
                self._row_splits_dtype is other._row_splits_dtype and
                self._shape.is_compatible_with(other._shape))

    def _key(self):
        return (self._shape, self._dtype, self._ragged_rank, self._row_splits_dtype)

    # -- as a composite (graphflow.function signatures, tf.nest with expand_composites) ---------
    def _component_specs(self):
        """flat_values [None, inner dims...], then the row splits: the outer ones of length
        nrows + 1 when nrows is known, the inner ones of any length (TF's component specs)."""
        from graphflow.tensor import TensorSpec
        dims = self._shape.as_list() if self._shape.rank is not None else None
        inner = dims[self._ragged_rank + 1:] if dims is not None else None
        values = TensorSpec(None if inner is None else [None] + inner, self._dtype)
        outer = None if dims is None or dims[0] is None else dims[0] + 1
        splits = [TensorSpec([outer], self._row_splits_dtype)]
        splits += [TensorSpec([None], self._row_splits_dtype)] * (self._ragged_rank - 1)
        return [values] + splits

    def _composite_components(self):
        return self._component_specs()

    def _from_composite_components(self, parts):
        return RaggedTensor.from_nested_row_splits(parts[0], list(parts[1:]), validate=False)

    def __eq__(self, other):
        return isinstance(other, RaggedTensorSpec) and self._key() == other._key()

    def __hash__(self):
        return hash(self._key())

    def __repr__(self):
        return (f"RaggedTensorSpec({self._shape!r}, {self._dtype!r}, {self._ragged_rank}, "
                f"{self._row_splits_dtype!r})")


# -- the tf.ragged namespace ---------------------------------------------------------------------

def map_flat_values(op, *args, **kwargs):
    """op applied to the flat values of the RaggedTensors among args and kwargs (which must
    share their row partitions); the result has their row structure.

        >>> rt = tf.ragged.constant([[1, 2], [3]])
        >>> tf.ragged.map_flat_values(lambda x: x * 2 + 1, rt).to_list()
        [[3, 5], [7]]
    """
    from graphflow.utils import nest
    raggeds = []

    def replace(x):
        if isinstance(x, RaggedTensor):
            raggeds.append(x)
            return x.flat_values
        return x
    new_args = nest.map_structure(replace, list(args))
    new_kwargs = nest.map_structure(replace, dict(kwargs))
    if not raggeds:
        return op(*new_args, **new_kwargs)
    sizes = set()
    for r in raggeds:
        n = r.flat_values.shape[0] if r.flat_values.shape.rank else None
        if n is None:
            n = _static(r.row_splits[-1] if not isinstance(r.values, RaggedTensor)
                        else r.flat_values.shape[0])
        if n is not None:
            sizes.add(int(n))
    if len(sizes) > 1:
        raise InvalidArgumentError(
            f"Input RaggedTensors' flat_values must all have the same outer-dimension size.  "
            f"Got sizes: {set(sorted(sizes))}")
    for other in raggeds[1:]:
        check_same_partitions("map_flat_values", raggeds[0], other)
    return raggeds[0].with_flat_values(op(*new_args, **new_kwargs))


def range(starts, limits=None, deltas=1, dtype=None, name=None,  # noqa: A001 - TF's name
          row_splits_dtype=dtypes.int64):
    """Row i is tf.range(starts[i], limits[i], deltas[i]) (scalars broadcast).

        >>> tf.ragged.range([3, 1, 0]).to_list()
        [[0, 1, 2], [0], []]
        >>> tf.ragged.range([1, 2], [4, 5], 2).to_list()
        [[1, 3], [2, 4]]
    """
    if limits is None:
        starts, limits = 0, starts
    parts = [starts, limits, deltas]
    if dtype is None:
        order = [dtypes.int32, dtypes.int64, dtypes.float32, dtypes.float64]
        found = []
        for v in parts:
            if isinstance(v, (Tensor, Variable)):
                found.append(v.dtype)
            else:
                found.append(registry._default_dtype(v))
        dtype = max(found, key=lambda d: order.index(d) if d in order else 0)
    dtype = dtypes.as_dtype(dtype)
    starts, limits, deltas = [_cast(_as_tensor(v, dtype), dtype) for v in parts]
    for what, v in (("starts", starts), ("limits", limits), ("deltas", deltas)):
        if v.shape.rank is not None and v.shape.rank > 1:
            raise InvalidArgumentError(f"ragged.range: {what} must be a scalar or vector, got "
                                       f"shape {v.shape}")
    known = _static(deltas)
    if known is not None and np.any(known == 0):
        raise InvalidArgumentError("ragged.range: Requires delta != 0")
    # broadcast the three to one vector
    starts_v = sh.reshape(starts, [-1])
    limits_v = sh.reshape(limits, [-1])
    deltas_v = sh.reshape(deltas, [-1])
    n = sh.shape(starts_v)[0]
    n = ew.maximum(ew.maximum(n, sh.shape(limits_v)[0]), sh.shape(deltas_v)[0])
    shape = sh.reshape(n, [1])
    starts_v, limits_v, deltas_v = [sh.broadcast_to(v, shape) for v in (starts_v, limits_v,
                                                                       deltas_v)]
    split_dtype = dtypes.as_dtype(row_splits_dtype)
    span = ew.cast(limits_v, dtypes.float64) - ew.cast(starts_v, dtypes.float64)
    count = ew.ceil(span / ew.cast(deltas_v, dtypes.float64))
    lengths = ew.cast(ew.maximum(count, ew.zeros_like(count)), split_dtype)
    splits = _lengths_to_splits(lengths)
    rows = row_splits_to_segment_ids(splits)
    k = cr.range(splits[-1], dtype=split_dtype) - sh.gather(splits, rows)
    values = sh.gather(starts_v, rows) + _cast(k, dtype) * sh.gather(deltas_v, rows)
    return RaggedTensor(values, splits, True)


def stack(values, axis=0, name=None):
    """Tensors and RaggedTensors of one rank stacked along a new axis; rows may differ in
    length, so the result is ragged.

        >>> tf.ragged.stack([tf.constant([1, 2]), tf.constant([3])]).to_list()
        [[1, 2], [3]]
    """
    values = list(values)
    if not values:
        raise InvalidArgumentError("ragged.stack: needs at least one tensor")
    ranks = {v.shape.rank if isinstance(v, RaggedTensor) else _as_tensor(v).shape.rank
             for v in values}
    if len(ranks) != 1 or None in ranks:
        raise InvalidArgumentError("ragged.stack: all inputs must have the same known rank")
    rank = ranks.pop()
    axis = rules.normalize_axis("ragged.stack", axis, rank + 1)
    like = next((v for v in values if isinstance(v, RaggedTensor)), None)
    if like is None:
        tensors = [_as_tensor(v) for v in values]
        if rank == 0:
            return sh.stack(tensors, axis)
        if axis == 0:
            rows = [RaggedTensor.from_tensor(sh.expand_dims(t, 0),
                                             ragged_rank=max(rank, 1)) for t in tensors]
            return concat_ragged(rows, 0)
        tensors = [RaggedTensor.from_tensor(t) for t in tensors]
        like = tensors[0]
        values = tensors
    k = max(v.ragged_rank for v in values if isinstance(v, RaggedTensor))
    parts = [expand_ragged(_to_ragged(v, like, k, "ragged.stack"), axis) for v in values]
    return concat_ragged(parts, axis)


def boolean_mask(data, mask, name=None):
    """The elements of data where mask is true, keeping the row structure: a mask of rows
    drops rows; a mask with data's (ragged) shape drops values from each row.

        >>> rt = tf.ragged.constant([[3, 1, 4, 1], [], [5, 9, 2]])
        >>> tf.ragged.boolean_mask(rt, rt > 2).to_list()
        [[3, 4], [], [5, 9]]
    """
    if not isinstance(mask, RaggedTensor):
        mask = _as_tensor(mask, dtypes.bool)
    if mask.dtype is not dtypes.bool:
        raise InvalidArgumentError(f"ragged.boolean_mask: mask must be bool, got {mask.dtype.name}")
    mrank = mask.shape.rank
    if mrank is None:
        raise InvalidArgumentError("ragged.boolean_mask: the mask's rank must be known")
    if mrank == 0:
        raise InvalidArgumentError("ragged.boolean_mask: mask cannot be a scalar")
    if not isinstance(data, RaggedTensor):
        data = _as_tensor(data)
    drank = data.shape.rank
    if drank is not None and mrank > drank:
        raise InvalidArgumentError(
            f"ragged.boolean_mask: mask (rank {mrank}) must not have a higher rank than data "
            f"(rank {drank})")
    if mrank == 1:
        keep = sh.reshape(sh.where_indices(_flat(mask)), [-1])
        return ragged_gather(data, keep)
    if not isinstance(mask, RaggedTensor):
        mask = RaggedTensor.from_tensor(mask, ragged_rank=mrank - 1)
    if not isinstance(data, RaggedTensor):
        data = RaggedTensor.from_tensor(data, ragged_rank=mrank - 1)
    return _mask_ragged(data, mask)


def _flat(mask):
    return mask.flat_values if isinstance(mask, RaggedTensor) else mask


def _mask_ragged(data, mask):
    """data and mask share their outer row partition; mask's innermost values pick data's
    rows at that depth."""
    if isinstance(mask.values, RaggedTensor):
        if not isinstance(data.values, RaggedTensor):
            raise InvalidArgumentError("ragged.boolean_mask: mask and data ragged ranks differ")
        return data.with_values(_mask_ragged(data.values, mask.values))
    keep = mask.values
    kept = sh.reshape(sh.where_indices(keep), [-1])
    counts = segment_reduce("sum", _cast(keep, data.row_splits.dtype), mask.value_rowids(),
                            mask.nrows(), sorted_ids=True)
    return RaggedTensor(ragged_gather(data.values, kept), _lengths_to_splits(counts), True)


def constant_value(pylist, dtype=None, ragged_rank=None, inner_shape=None,
                   row_splits_dtype="int64"):
    """tf.ragged.constant_value: the rows as a RaggedTensor (graphflow has no separate
    RaggedTensorValue)."""
    from graphflow.ops.ragged import constant
    return constant(pylist, dtype, ragged_rank, inner_shape, row_splits_dtype=row_splits_dtype)
