"""Gathers and scatters by index tuples, masks, segment reductions, partitions and stitches:
gather_nd, scatter_nd, tensor_scatter_nd_update/add/sub/max/min, boolean_mask,
nn.embedding_lookup, math.segment_* and math.unsorted_segment_*, dynamic_partition and
dynamic_stitch.

Indices are checked as TF's CPU kernels check them: an index tuple outside the tensor raises
InvalidArgumentError (negative indices too; only unsorted segment ids may be negative, meaning
"drop this row"). Where several updates write one element (tensor_scatter_nd_update,
dynamic_stitch) the last one wins, and only the winner receives a gradient.

    >>> import graphflow as tf
    >>> tf.gather_nd(tf.constant([[1, 2], [3, 4]]), [[0, 1], [1, 0]]).numpy()
    array([2, 3], dtype=int32)
    >>> tf.math.segment_sum(tf.constant([1.0, 2.0, 3.0]), [0, 0, 1]).numpy()
    array([3., 3.], dtype=float32)
"""
import numpy as np

from graphflow import dtypes
from graphflow.errors import InvalidArgumentError
from graphflow.ops import elementwise as ew
from graphflow.ops import reduce as rd
from graphflow.ops import rules
from graphflow.ops import shape as sh
from graphflow.ops.creation import zeros
from graphflow.ops.registry import INDEX, OPAQUE, EagerTensor, dispatch, register, to_array
from graphflow.ops.scan import cumsum
from graphflow.ops.static import constant_value

INDEX_KINDS = "i"  # TF's index dtypes are int32 and int64 (int16 for some ops)
NUMERIC = "fiu"


def _tensor(x, op_name, dtype=None):
    """x as a tensor (Python and NumPy values converted; tensors and Variables as they are)."""
    if hasattr(x, "dtype") and hasattr(x, "shape") and not isinstance(x, np.ndarray):
        return x
    return EagerTensor(to_array(x, dtype, op_name))


def _static_rank(x):
    return x.shape.rank


def _int(value, what, op_name):
    """A Python int from an int, NumPy integer or eager scalar tensor (attrs must be static)."""
    v = constant_value(value)
    if v is None or np.ndim(v) != 0 or np.asarray(v).dtype.kind not in "iu":
        raise InvalidArgumentError(
            f"{op_name}: {what} must be a constant integer scalar, got {value!r:.80}")
    return int(v)


# ---------------------------------------------------------------------------------------------
# Index tuples (gather_nd, scatters): indices of shape B + I + [D] address D axes of a tensor of
# shape B + C + P (B the batch_dims axes, C the D addressed axes, P the slices moved whole).


def _nd_infer_checks(op_name, shape, indices_shape, batch_dims, what="param shape"):
    """The depth D (None when unknown), after checking ranks and batch dims."""
    if indices_shape is None or shape is None:
        return None
    if len(indices_shape) < 1:
        raise InvalidArgumentError(f"{op_name}: indices must be at least a vector, got a scalar")
    if batch_dims >= len(indices_shape):
        raise InvalidArgumentError(
            f"{op_name}: batch_dims ({batch_dims}) must be less than the rank of indices "
            f"{rules.fmt(indices_shape)}")
    depth = indices_shape[-1]
    if depth is not None and batch_dims + depth > len(shape):
        raise InvalidArgumentError(
            f"{op_name}: index innermost dimension length must be <= params rank; saw: "
            f"{batch_dims + depth} vs. {len(shape)} ({what} {rules.fmt(shape)}, indices "
            f"{rules.fmt(indices_shape)}, batch_dims={batch_dims})")
    for d in range(batch_dims):
        a, b = shape[d], indices_shape[d]
        if a is not None and b is not None and a != b:
            raise InvalidArgumentError(
                f"{op_name}: batch dimension {d} of {what} {rules.fmt(shape)} and of indices "
                f"{rules.fmt(indices_shape)} differ (batch_dims={batch_dims})")
    return depth


def _nd_rows(op_name, shape, indices, batch_dims, what="param shape"):
    """Flat row numbers into `shape` viewed as (prod(B + C), prod(P)), one per index tuple (in
    row-major order of B + I), after checking every tuple lies inside C."""
    depth = indices.shape[-1]
    b = batch_dims
    cells = np.asarray(shape[b:b + depth], dtype=np.int64)
    nb = int(np.prod(shape[:b], dtype=np.int64))
    per = int(np.prod(indices.shape[b:-1], dtype=np.int64))
    ix = indices.reshape((nb, per, depth)).astype(np.int64, copy=False)
    bad = np.any((ix < 0) | (ix >= cells), axis=-1)
    if bad.any():
        first = int(np.argmax(bad.reshape(-1)))
        tuple_ = ix.reshape(-1, depth)[first].tolist()
        raise InvalidArgumentError(
            f"{op_name}: indices[{first}] = {tuple_} does not index into {what} "
            f"[{','.join(str(d) for d in shape)}]")
    strides = np.ones(depth, dtype=np.int64)
    for k in range(depth - 2, -1, -1):
        strides[k] = strides[k + 1] * cells[k + 1]
    ncell = int(np.prod(cells, dtype=np.int64))
    rows = ix @ strides if depth else np.zeros((nb, per), np.int64)
    return (rows + (np.arange(nb, dtype=np.int64) * ncell)[:, None]).reshape(-1)


def _as_rows(array, batch_dims, depth):
    """array (shape B + C + P) as a 2-D view (prod(B + C), prod(P))."""
    lead = int(np.prod(array.shape[:batch_dims + depth], dtype=np.int64))
    return array.reshape((lead, int(np.prod(array.shape[batch_dims + depth:], dtype=np.int64))))


# -- gather_nd -----------------------------------------------------------------------------------

def _gather_nd_infer(specs, batch_dims):
    params, indices = specs
    rules.check_kind("gather_nd", indices, INDEX_KINDS, 1)
    if params.shape is not None and len(params.shape) < 1:
        raise InvalidArgumentError("gather_nd: params must be at least a vector, got a scalar")
    depth = _nd_infer_checks("gather_nd", params.shape, indices.shape, batch_dims)
    if depth is None:
        return [(None, params.dtype)]
    return [(indices.shape[:-1] + params.shape[batch_dims + depth:], params.dtype)]


def _gather_nd_ref(params, indices, batch_dims):
    _gather_nd_infer([rules.ArraySpec(params), rules.ArraySpec(indices)], batch_dims)
    depth = indices.shape[-1]
    rows = _nd_rows("gather_nd", params.shape, indices, batch_dims)
    out = _as_rows(params, batch_dims, depth)[rows]
    return out.reshape(indices.shape[:-1] + params.shape[batch_dims + depth:])


def _gather_nd_grad(inputs, outputs, dy, batch_dims):
    params, indices = inputs
    return dispatch(GATHER_ND_GRAD, (dy, indices, params), {"batch_dims": batch_dims}), None


def _gather_nd_grad_ref(dy, indices, like, batch_dims):
    """Adds every slice of dy into zeros shaped like params at its index tuple."""
    out = np.zeros(like.shape, dtype=dy.dtype)
    depth = indices.shape[-1]
    rows = _nd_rows("gather_nd_grad", like.shape, indices, batch_dims)
    if rows.size:
        np.add.at(_as_rows(out, batch_dims, depth), rows, dy.reshape((rows.size, -1)))
    return out


GATHER_ND = register("gather_nd", INDEX, _gather_nd_infer, _gather_nd_ref, _gather_nd_grad)
GATHER_ND_GRAD = register(
    "gather_nd_grad", INDEX, lambda specs, batch_dims: [(specs[2].shape, specs[0].dtype)],
    _gather_nd_grad_ref,
    lambda inputs, outputs, dy, batch_dims: (
        gather_nd(dy, inputs[1], batch_dims=batch_dims), None, None))


def gather_nd(params, indices, batch_dims=0, name=None):
    """Slices of params at the index tuples in the last axis of `indices` (each tuple addresses
    the leading axes of params after the batch_dims batch axes).

        >>> tf.gather_nd(tf.constant([[1.0, 2.0], [3.0, 4.0]]), [[1], [0]]).numpy()
        array([[3., 4.],
               [1., 2.]], dtype=float32)
    """
    indices = _tensor(indices, "gather_nd")
    return dispatch(GATHER_ND, (params, indices), {"batch_dims": int(batch_dims)}, name)


# -- tensor_scatter_nd_* and scatter_nd ----------------------------------------------------------

SCATTER_MODES = ("update", "add", "sub", "max", "min")
_SCATTER_UFUNCS = {"add": np.add, "sub": np.subtract, "max": np.maximum, "min": np.minimum}


def _scatter_infer(mode):
    def infer(specs):
        return _scatter_rule(specs, mode)
    return infer


def _scatter_rule(specs, mode):
    tensor, indices, updates = specs
    op_name = f"tensor_scatter_nd_{mode}"
    rules.check_kind(op_name, indices, INDEX_KINDS, 1)
    # (TF orders nothing complex: max and min take real numbers only)
    rules.check_kind(op_name, tensor, {"update": "fiubc", "max": "fiub", "min": "fiub"}.get(
        mode, NUMERIC + "c"))
    if updates.dtype is not tensor.dtype:
        raise InvalidArgumentError(
            f"{op_name}: updates have dtype {updates.dtype.name} but the tensor has dtype "
            f"{tensor.dtype.name}")
    depth = _nd_infer_checks(op_name, tensor.shape, indices.shape, 0, "shape")
    if depth is not None and updates.shape is not None:
        expected = indices.shape[:-1] + tensor.shape[depth:]
        if len(expected) != len(updates.shape) or any(
                a is not None and b is not None and a != b
                for a, b in zip(expected, updates.shape)):
            raise InvalidArgumentError(
                f"{op_name}: updates must have shape indices.shape[:-1] + tensor.shape[{depth}:] = "
                f"{rules.fmt(expected)}; got updates {rules.fmt(updates.shape)} for indices "
                f"{rules.fmt(indices.shape)} and tensor {rules.fmt(tensor.shape)}")
    return [(tensor.shape, tensor.dtype)]


def _last_writers(rows):
    """Positions of the last occurrence of each distinct row number (the updates that win)."""
    _, last_reversed = np.unique(rows[::-1], return_index=True)
    return rows.size - 1 - last_reversed


def _scatter_ref(mode):
    def ref(tensor, indices, updates):
        return _scatter_compute(tensor, indices, updates, mode)
    ref.__name__ = f"ref_tensor_scatter_nd_{mode}"
    return ref


def _scatter_compute(tensor, indices, updates, mode):
    specs = [rules.ArraySpec(tensor), rules.ArraySpec(indices), rules.ArraySpec(updates)]
    _scatter_rule(specs, mode)
    out = tensor.copy()
    depth = indices.shape[-1]
    rows = _nd_rows(f"tensor_scatter_nd_{mode}", tensor.shape, indices, 0, "shape")
    if not rows.size:
        return out
    flat, src = _as_rows(out, 0, depth), updates.reshape((rows.size, -1))
    if mode == "update":
        keep = _last_writers(rows)
        flat[rows[keep]] = src[keep]
    else:
        with np.errstate(invalid="ignore", over="ignore"):  # NaN propagates; ints wrap, as TF's
            _SCATTER_UFUNCS[mode].at(flat, rows, src)
    return out


def _scatter_grad(mode):
    def grad(inputs, outputs, dy):
        return _scatter_gradients(inputs, outputs, dy, mode)
    return grad


def _scatter_gradients(inputs, outputs, dy, mode):
    tensor, indices, updates = inputs
    if mode in ("add", "sub"):
        g = gather_nd(dy, indices)
        return dy, None, (ew.negative(g) if mode == "sub" else g)
    if mode == "update":
        # The overwritten elements get no gradient; of several updates of one element, only the
        # last (the one kept) does.
        cleared = tensor_scatter_nd_update(dy, indices, ew.zeros_like(updates))
        kept = _expand_like(last_occurrence(indices, tuples=True), updates)
        return cleared, None, ew.where(kept, gather_nd(dy, indices), ew.zeros_like(updates))
    # max / min: split evenly between the inputs that attain the result (as reduce_max does).
    out = outputs[0]
    x_hits = ew.cast(ew.equal(tensor, out), dy.dtype)
    u_hits = ew.cast(ew.equal(updates, gather_nd(out, indices)), dy.dtype)
    hits = x_hits + tensor_scatter_nd_add(ew.zeros_like(dy), indices, u_hits)
    share = dy / ew.maximum(hits, 1.0)
    return share * x_hits, None, gather_nd(share, indices) * u_hits


SCATTER_OPS = {mode: register(f"tensor_scatter_nd_{mode}", INDEX, _scatter_infer(mode),
                              _scatter_ref(mode), _scatter_grad(mode))
               for mode in SCATTER_MODES}


def _scatter(mode, tensor, indices, updates, name):
    tensor = _tensor(tensor, f"tensor_scatter_nd_{mode}")
    indices = _tensor(indices, f"tensor_scatter_nd_{mode}")
    # Python values take the tensor's dtype; tensors and NumPy arrays keep their own.
    updates = _tensor(updates, f"tensor_scatter_nd_{mode}",
                      None if hasattr(updates, "dtype") else tensor.dtype)
    return dispatch(SCATTER_OPS[mode], (tensor, indices, updates), None, name)


def tensor_scatter_nd_update(tensor, indices, updates, name=None):
    """A copy of `tensor` with the slices at the index tuples replaced by `updates` (of
    repeated tuples, the last update wins).

        >>> tf.tensor_scatter_nd_update(tf.zeros(4), [[1], [3]], [5.0, 6.0]).numpy()
        array([0., 5., 0., 6.], dtype=float32)
    """
    return _scatter("update", tensor, indices, updates, name)


def tensor_scatter_nd_add(tensor, indices, updates, name=None):
    """`tensor` with `updates` added at the index tuples (repeated tuples add up).

        >>> tf.tensor_scatter_nd_add(tf.ones(3), [[0], [0]], [1.0, 2.0]).numpy()
        array([4., 1., 1.], dtype=float32)
    """
    return _scatter("add", tensor, indices, updates, name)


def tensor_scatter_nd_sub(tensor, indices, updates, name=None):
    """`tensor` with `updates` subtracted at the index tuples.

        >>> tf.tensor_scatter_nd_sub(tf.ones(3), [[2]], [1.0]).numpy()
        array([1., 1., 0.], dtype=float32)
    """
    return _scatter("sub", tensor, indices, updates, name)


def tensor_scatter_nd_max(tensor, indices, updates, name=None):
    """`tensor` with the elementwise maximum of it and `updates` at the index tuples.

        >>> tf.tensor_scatter_nd_max(tf.ones(3), [[0], [1]], [5.0, -5.0]).numpy()
        array([5., 1., 1.], dtype=float32)
    """
    return _scatter("max", tensor, indices, updates, name)


def tensor_scatter_nd_min(tensor, indices, updates, name=None):
    """`tensor` with the elementwise minimum of it and `updates` at the index tuples.

        >>> tf.tensor_scatter_nd_min(tf.ones(3), [[0], [1]], [5.0, -5.0]).numpy()
        array([ 1., -5.,  1.], dtype=float32)
    """
    return _scatter("min", tensor, indices, updates, name)


@rules.composite("scatter_nd")
def scatter_nd(indices, updates, shape, name=None):
    """Zeros of `shape` with `updates` added at the index tuples (repeated tuples add up).

        >>> tf.scatter_nd([[4], [3], [1], [7]], [9, 10, 11, 12], [8]).numpy()
        array([ 0, 11,  0, 10,  9,  0,  0, 12], dtype=int32)
    """
    updates = _tensor(updates, "scatter_nd")
    dims = constant_value(shape)
    if dims is None:
        raise InvalidArgumentError(
            f"scatter_nd: shape must be known when the graph is built, got {shape!r:.80}")
    dims = tuple(int(d) for d in np.asarray(dims).reshape(-1))
    if any(d < 0 for d in dims):
        raise InvalidArgumentError(f"scatter_nd: shape must be >= 0, got {list(dims)}")
    # Booleans add as logical or, which is max.
    mode = "max" if updates.dtype.is_bool else "add"
    return _scatter(mode, zeros(dims, updates.dtype), indices, updates, name)


# -- which of several writes wins ----------------------------------------------------------------

def _last_occurrence_infer(specs, tuples):
    (keys,) = specs
    rules.check_kind("last_occurrence", keys, INDEX_KINDS)
    if keys.shape is None:
        return [(None, dtypes.bool)]
    if tuples and not keys.shape:
        raise InvalidArgumentError("last_occurrence: tuples of keys need keys of rank >= 1")
    return [(keys.shape[:-1] if tuples else keys.shape, dtypes.bool)]


def _last_occurrence_ref(keys, tuples):
    rules.check_array_kind("last_occurrence", keys, INDEX_KINDS)
    _last_occurrence_infer([rules.ArraySpec(keys)], tuples)
    shape = keys.shape[:-1] if tuples else keys.shape
    flat = keys.reshape((-1, keys.shape[-1]) if tuples else (-1, 1))
    out = np.zeros(flat.shape[0], dtype=bool)
    if flat.shape[0]:
        _, first_reversed = np.unique(flat[::-1], axis=0, return_index=True)
        out[flat.shape[0] - 1 - first_reversed] = True
    return out.reshape(shape)


LAST_OCCURRENCE = register("last_occurrence", INDEX, _last_occurrence_infer, _last_occurrence_ref)


def last_occurrence(keys, tuples=False):
    """True where an element of `keys` (or, with tuples=True, a key tuple along the last axis) is
    the last of its value: the write that wins when several write one place."""
    return dispatch(LAST_OCCURRENCE, (keys,), {"tuples": bool(tuples)})


def _expand_like(mask, x):
    """mask with trailing size-1 axes up to x's rank (to broadcast against x)."""
    for _ in range(_static_rank(x) - _static_rank(mask)):
        mask = sh.expand_dims(mask, -1)
    return mask


# -- boolean_mask --------------------------------------------------------------------------------

@rules.composite("boolean_mask")
def boolean_mask(tensor, mask, axis=None, name="boolean_mask"):
    """The elements (slices) of `tensor` where `mask` is true: mask's k axes match the tensor's
    axes axis..axis+k-1, which become one axis of data-dependent length.

        >>> tf.boolean_mask(tf.constant([[1, 2], [3, 4], [5, 6]]), [True, False, True]).numpy()
        array([[1, 2],
               [5, 6]], dtype=int32)
    """
    tensor = _tensor(tensor, "boolean_mask")
    mask = _tensor(mask, "boolean_mask")
    k, rank = _static_rank(mask), _static_rank(tensor)
    if k is None or rank is None:
        raise InvalidArgumentError("boolean_mask: the ranks of tensor and mask must be known")
    if k == 0:
        raise InvalidArgumentError("boolean_mask: mask cannot be scalar")
    axis = 0 if axis is None else rules.normalize_axis("boolean_mask", axis, rank,
                                                       tensor.shape.dims_tuple())
    part = tensor.shape.dims_tuple()[axis:axis + k]
    if len(part) != k or any(a is not None and b is not None and a != b
                             for a, b in zip(part, mask.shape.dims_tuple())):
        raise InvalidArgumentError(
            f"boolean_mask: Shapes {rules.fmt(part)} and {rules.fmt(mask.shape.dims_tuple())} are "
            f"incompatible (tensor {rules.fmt(tensor.shape.dims_tuple())}, axis {axis})")
    where = sh.where_indices(mask)
    if k == 1:
        return sh.gather(tensor, sh.squeeze(where, [1]), axis=axis, name=name)
    # Several mask axes: bring them to the front, pick the index tuples, put the result back.
    perm = list(range(axis, axis + k)) + list(range(axis)) + list(range(axis + k, rank))
    picked = gather_nd(sh.transpose(tensor, perm), where)
    back = list(range(1, axis + 1)) + [0] + list(range(axis + 1, rank - k + 1))
    return sh.transpose(picked, back, name) if axis else ew.identity(picked, name)


# -- nn.embedding_lookup -------------------------------------------------------------------------

@rules.composite("embedding_lookup")
def embedding_lookup(params, ids, max_norm=None, name=None):
    """Rows of `params` at `ids` (tf.gather on axis 0). A list of shards is one table split
    as TF's "div" strategy splits it (earlier shards at most one row longer). With max_norm,
    each looked-up embedding whose L2 norm exceeds it is scaled down to norm max_norm.

        >>> tf.nn.embedding_lookup(tf.constant([[0.0, 1.0], [2.0, 3.0]]), [1, 1]).numpy()
        array([[2., 3.],
               [2., 3.]], dtype=float32)
    """
    if isinstance(params, (list, tuple)):
        params = _join_shards(list(params))
    ids = _tensor(ids, "embedding_lookup")
    if max_norm is None:
        return sh.gather(params, ids, name=name)
    out = sh.gather(params, ids)
    axes = list(range(_static_rank(ids), _static_rank(out)))
    # tf.clip_by_norm over each embedding's axes, written as TF writes it.
    l2sum = rd.reduce_sum(ew.square(out), axes, keepdims=True)
    positive = ew.greater(l2sum, 0.0)
    l2norm = ew.where(positive, ew.sqrt(ew.where(positive, l2sum, ew.ones_like(l2sum))), l2sum)
    return ew.truediv(out * max_norm, ew.maximum(l2norm, max_norm), name)


def _join_shards(shards):
    if not shards:
        raise InvalidArgumentError("embedding_lookup: params must not be an empty list")
    if len(shards) == 1:
        return shards[0]
    sizes = [s.shape[0] for s in shards]
    if None not in sizes:
        total, n = sum(sizes), len(sizes)
        div = [total // n + (1 if i < total % n else 0) for i in range(n)]
        if sizes != div:
            raise InvalidArgumentError(
                f"embedding_lookup: shards of sizes {sizes} are not a 'div' partition of "
                f"{total} rows (expected sizes {div})")
    return sh.concat(shards, 0)


# ---------------------------------------------------------------------------------------------
# Segment reductions. data's leading axes (those of segment_ids) are reduced into segments:
# output[s] = reduce(data[i] for i with segment_ids[i] == s).

SEGMENT_MODES = ("sum", "prod", "max", "min")
_SEGMENT_UFUNCS = {"sum": np.add, "prod": np.multiply, "max": np.maximum, "min": np.minimum}


def _segment_init(mode, dtype):
    """The value of an empty unsorted segment: 0, 1, or the dtype's lowest / highest finite value
    (as TF, which uses numeric_limits<T>::lowest(), not -inf)."""
    if mode == "sum":
        return 0
    if mode == "prod":
        return 1
    info = np.finfo(dtype) if dtype.kind == "f" else np.iinfo(dtype)
    return info.min if mode == "max" else info.max


def _segment_compute(data, ids, num, mode):
    """The reduction of data's rows (ids.ndim leading axes) into `num` segments; rows with a
    negative id are dropped. Returns (result, rows counted per segment)."""
    rest = data.shape[ids.ndim:]
    flat = data.reshape((ids.size,) + rest)
    idx = ids.reshape(-1)
    keep = idx >= 0
    out = np.full((num,) + rest, _segment_init(mode, data.dtype), dtype=data.dtype)
    if keep.any():
        with np.errstate(invalid="ignore", over="ignore"):  # NaN propagates; ints wrap, as TF's
            _SEGMENT_UFUNCS[mode].at(out, idx[keep], flat[keep])
    counts = np.bincount(idx[keep], minlength=num)[:num] if num else np.zeros(0, np.int64)
    return out, counts


def _segment_infer(specs, mode):
    data, ids = specs
    op_name = f"segment_{mode}"
    rules.check_kind(op_name, data, NUMERIC + "c" if mode == "sum" else NUMERIC)
    rules.check_kind(op_name, ids, INDEX_KINDS, 1)
    if data.shape is not None and len(data.shape) < 1:
        raise InvalidArgumentError(f"{op_name}: input must be at least rank 1, got a scalar")
    if ids.shape is not None:
        if len(ids.shape) != 1:
            raise InvalidArgumentError(
                f"{op_name}: segment_ids should be a vector, got shape {rules.fmt(ids.shape)}")
        if data.shape is not None and None not in (ids.shape[0], data.shape[0]) and \
                ids.shape[0] != data.shape[0]:
            raise InvalidArgumentError(
                f"{op_name}: segment_ids should be the same size as dimension 0 of input: "
                f"{ids.shape[0]} vs {rules.fmt(data.shape)}")
    return [(None if data.shape is None else (None,) + data.shape[1:], data.dtype)]


def _segment_ref(data, ids, mode):
    _segment_infer([rules.ArraySpec(data), rules.ArraySpec(ids)], mode)
    op_name = f"segment_{mode}"
    if ids.size and np.any(np.diff(ids) < 0):
        raise InvalidArgumentError(f"{op_name}: segment ids are not increasing")
    num = int(ids[-1]) + 1 if ids.size else 0
    if ids.size and ids[0] < 0:
        raise InvalidArgumentError(
            f"{op_name}: Segment id {int(ids[0])} out of range [0, {num}), possibly because "
            f"'segment_ids' input is not sorted")
    out, counts = _segment_compute(data, ids, num, mode)
    if mode in ("max", "min"):  # an empty segment of a sorted segment op is 0 in TF
        out[counts == 0] = 0
    return out


def _unsorted_infer(specs, mode, num_segments):
    data, ids = specs
    op_name = f"unsorted_segment_{mode}"
    rules.check_kind(op_name, data, NUMERIC + "c" if mode == "sum" else NUMERIC)
    rules.check_kind(op_name, ids, INDEX_KINDS, 1)
    if num_segments < 0:
        raise InvalidArgumentError(
            f"{op_name}: Input num_segments == {num_segments} must not be negative")
    if data.shape is None or ids.shape is None:
        return [(None, data.dtype)]
    k = len(ids.shape)
    if k > len(data.shape) or any(a is not None and b is not None and a != b
                                  for a, b in zip(data.shape, ids.shape)):
        raise InvalidArgumentError(
            f"{op_name}: data.shape = {rules.fmt(data.shape)} does not start with "
            f"segment_ids.shape = {rules.fmt(ids.shape)}")
    return [((num_segments,) + data.shape[k:], data.dtype)]


def _unsorted_ref(data, ids, mode, num_segments):
    _unsorted_infer([rules.ArraySpec(data), rules.ArraySpec(ids)], mode, num_segments)
    if ids.size and ids.max() >= num_segments:
        pos = int(np.argmax(ids.reshape(-1) >= num_segments))
        raise InvalidArgumentError(
            f"unsorted_segment_{mode}: segment_ids[{pos}] = {int(ids.reshape(-1)[pos])} is out "
            f"of range [0, {num_segments})")
    return _segment_compute(data, ids, num_segments, mode)[0]


def _gather_dropping_negatives(x, ids):
    """x[ids] with zeros where an id is negative (the rows an unsorted segment op dropped)."""
    g = sh.gather(x, ew.maximum(ids, 0))
    return ew.where(_expand_like(ew.greater_equal(ids, 0), g), g, ew.zeros_like(g))


def _segment_grad(inputs, outputs, dy, mode, num_segments=None):
    data, ids = inputs
    sorted_ = num_segments is None
    if not sorted_ and num_segments == 0:
        return ew.zeros_like(data), None
    spread = (lambda x: sh.gather(x, ids)) if sorted_ else (
        lambda x: _gather_dropping_negatives(x, ids))
    resegment = (lambda x: segment_sum(x, ids)) if sorted_ else (
        lambda x: unsorted_segment_sum(x, ids, num_segments))
    if mode == "sum":
        return spread(dy), None
    out = outputs[0]
    if mode in ("max", "min"):
        # Split evenly between the rows that attain the extreme, as reduce_max does.
        hit = ew.equal(data, spread(out))
        if not sorted_:
            hit = ew.logical_and(hit, _expand_like(ew.greater_equal(ids, 0), data))
        count = resegment(ew.cast(hit, dy.dtype))
        share = spread(dy / ew.maximum(count, 1.0))
        return ew.where(hit, share, ew.zeros_like(share)), None
    # prod: the product of the other rows, exact where data has zeros (TF's formula).
    is_zero = ew.equal(data, 0.0)
    zeros = resegment(ew.cast(is_zero, dy.dtype))
    dy = ew.where(ew.greater(zeros, 1.0), ew.zeros_like(dy), dy)
    nonzero = ew.where(is_zero, ew.ones_like(data), data)
    nonzero_prod = (segment_prod(nonzero, ids) if sorted_ else
                    unsorted_segment_prod(nonzero, ids, num_segments))
    others = ew.where(is_zero, spread(nonzero_prod), spread(out) / nonzero)
    return spread(dy) * others, None


def _bind(fn, mode):
    """fn with its `mode` argument fixed (each mode is an op of its own, named as in TF)."""
    def bound(*args, **attrs):
        return fn(*args, mode=mode, **attrs)
    bound.__name__ = f"{fn.__name__}_{mode}"
    return bound


SEGMENT_OPS = {mode: register(f"segment_{mode}", OPAQUE, _bind(_segment_infer, mode),
                              _bind(_segment_ref, mode), _bind(_segment_grad, mode))
               for mode in SEGMENT_MODES}
UNSORTED_SEGMENT_OPS = {
    mode: register(f"unsorted_segment_{mode}", OPAQUE, _bind(_unsorted_infer, mode),
                   _bind(_unsorted_ref, mode), _bind(_segment_grad, mode))
    for mode in SEGMENT_MODES}


def _sorted_segment(mode, data, segment_ids, name):
    segment_ids = _tensor(segment_ids, f"segment_{mode}")
    return dispatch(SEGMENT_OPS[mode], (data, segment_ids), None, name)


def _unsorted_segment(mode, data, segment_ids, num_segments, name):
    op_name = f"unsorted_segment_{mode}"
    segment_ids = _tensor(segment_ids, op_name)
    num = _int(num_segments, "num_segments", op_name)
    return dispatch(UNSORTED_SEGMENT_OPS[mode], (data, segment_ids), {"num_segments": num}, name)


def segment_sum(data, segment_ids, name=None):
    """Sums of the rows of data per segment; segment_ids (one per row, sorted, >= 0) number
    the segments, and the result has max(segment_ids) + 1 rows (empty segments are 0).

        >>> tf.math.segment_sum(tf.constant([1, 2, 3, 4]), [0, 0, 2, 2]).numpy()
        array([3, 0, 7], dtype=int32)
    """
    return _sorted_segment("sum", data, segment_ids, name)


def segment_prod(data, segment_ids, name=None):
    """Products of the rows of data per sorted segment (empty segments are 1).

        >>> tf.math.segment_prod(tf.constant([1, 2, 3, 4]), [0, 0, 1, 1]).numpy()
        array([ 2, 12], dtype=int32)
    """
    return _sorted_segment("prod", data, segment_ids, name)


def segment_max(data, segment_ids, name=None):
    """Maxima of the rows of data per sorted segment (empty segments are 0).

        >>> tf.math.segment_max(tf.constant([1, 2, 3, 4]), [0, 0, 1, 1]).numpy()
        array([2, 4], dtype=int32)
    """
    return _sorted_segment("max", data, segment_ids, name)


def segment_min(data, segment_ids, name=None):
    """Minima of the rows of data per sorted segment (empty segments are 0).

        >>> tf.math.segment_min(tf.constant([1, 2, 3, 4]), [0, 0, 1, 1]).numpy()
        array([1, 3], dtype=int32)
    """
    return _sorted_segment("min", data, segment_ids, name)


@rules.composite("segment_mean")
def segment_mean(data, segment_ids, name=None):
    """Means of the rows of data per sorted segment (empty segments are 0; integer means
    truncate toward zero, as TF's).

        >>> tf.math.segment_mean(tf.constant([1.0, 2.0, 6.0]), [0, 0, 1]).numpy()
        array([1.5, 6. ], dtype=float32)
    """
    data = _tensor(data, "segment_mean")
    total = segment_sum(data, segment_ids)
    count = segment_sum(ew.ones_like(data), segment_ids)
    return _mean(total, ew.maximum(count, 1), data.dtype, name)


def _mean(total, count, dtype, name):
    if dtype.is_floating:
        return ew.truediv(total, count, name)
    # TF's integer segment means truncate toward zero.
    return ew.multiply(ew.sign(total), ew.floordiv(ew.abs(total), count), name)


def unsorted_segment_sum(data, segment_ids, num_segments, name=None):
    """Sums of data's rows per segment; segment_ids has the shape of data's leading axes,
    ids may come in any order, and rows with a negative id are dropped.

        >>> tf.math.unsorted_segment_sum(tf.constant([1, 2, 3]), [1, 0, 1], 3).numpy()
        array([2, 4, 0], dtype=int32)
    """
    return _unsorted_segment("sum", data, segment_ids, num_segments, name)


def unsorted_segment_prod(data, segment_ids, num_segments, name=None):
    """Products of data's rows per segment (empty segments are 1).

        >>> tf.math.unsorted_segment_prod(tf.constant([2, 3, 4]), [1, 0, 1], 2).numpy()
        array([3, 8], dtype=int32)
    """
    return _unsorted_segment("prod", data, segment_ids, num_segments, name)


def unsorted_segment_max(data, segment_ids, num_segments, name=None):
    """Maxima of data's rows per segment (empty segments hold the dtype's lowest value).

        >>> tf.math.unsorted_segment_max(tf.constant([2, 3, 4]), [1, 0, 1], 2).numpy()
        array([3, 4], dtype=int32)
    """
    return _unsorted_segment("max", data, segment_ids, num_segments, name)


def unsorted_segment_min(data, segment_ids, num_segments, name=None):
    """Minima of data's rows per segment (empty segments hold the dtype's highest value).

        >>> tf.math.unsorted_segment_min(tf.constant([2, 3, 4]), [1, 0, 1], 2).numpy()
        array([3, 2], dtype=int32)
    """
    return _unsorted_segment("min", data, segment_ids, num_segments, name)


def _segment_counts(data, segment_ids, num_segments):
    """max(1, rows per segment), in data's dtype, shaped to broadcast against the result."""
    ids = _tensor(segment_ids, "unsorted_segment_mean")
    ones = ew.ones_like(ids, dtype=data.dtype)
    count = unsorted_segment_sum(ones, ids, num_segments)
    for _ in range(_static_rank(data) - _static_rank(ids)):
        count = sh.expand_dims(count, -1)
    return ew.maximum(count, 1)


@rules.composite("unsorted_segment_mean")
def unsorted_segment_mean(data, segment_ids, num_segments, name=None):
    """Means of data's rows per segment (empty segments are 0; integer data gives a float
    mean, as TF's).

        >>> tf.math.unsorted_segment_mean(tf.constant([1.0, 2.0, 6.0]), [0, 0, 1], 2).numpy()
        array([1.5, 6. ], dtype=float32)
    """
    data = _tensor(data, "unsorted_segment_mean")
    total = unsorted_segment_sum(data, segment_ids, num_segments)
    return ew.truediv(total, _segment_counts(data, segment_ids, num_segments), name)


@rules.composite("unsorted_segment_sqrt_n")
def unsorted_segment_sqrt_n(data, segment_ids, num_segments, name=None):
    """Sums of data's rows per segment divided by sqrt(rows in the segment).

        >>> tf.math.unsorted_segment_sqrt_n(tf.constant([1.0, 3.0]), [0, 0], 1).numpy()
        array([2.828427], dtype=float32)
    """
    data = _tensor(data, "unsorted_segment_sqrt_n")
    total = unsorted_segment_sum(data, segment_ids, num_segments)
    return ew.truediv(total, ew.sqrt(_segment_counts(data, segment_ids, num_segments)), name)


# ---------------------------------------------------------------------------------------------
# dynamic_partition / dynamic_stitch

def _partition_infer(specs, num_partitions):
    data, parts = specs
    rules.check_kind("dynamic_partition", parts, INDEX_KINDS, 1)
    if num_partitions < 1:
        raise InvalidArgumentError(
            f"dynamic_partition: num_partitions must be at least 1, got {num_partitions}")
    if data.shape is None or parts.shape is None:
        return [(None, data.dtype)] * num_partitions
    k = len(parts.shape)
    if k > len(data.shape) or any(a is not None and b is not None and a != b
                                  for a, b in zip(data.shape, parts.shape)):
        raise InvalidArgumentError(
            f"dynamic_partition: data.shape must start with partitions.shape, got data.shape = "
            f"{rules.fmt(data.shape)}, partitions.shape = {rules.fmt(parts.shape)}")
    return [((None,) + data.shape[k:], data.dtype)] * num_partitions


def _partition_ref(data, parts, num_partitions):
    _partition_infer([rules.ArraySpec(data), rules.ArraySpec(parts)], num_partitions)
    flat_parts = parts.reshape(-1)
    if flat_parts.size and (flat_parts.min() < 0 or flat_parts.max() >= num_partitions):
        pos = int(np.argmax((flat_parts < 0) | (flat_parts >= num_partitions)))
        raise InvalidArgumentError(
            f"dynamic_partition: partitions[{pos}] = {int(flat_parts[pos])} is not in "
            f"[0, {num_partitions})")
    flat = data.reshape((flat_parts.size,) + data.shape[parts.ndim:])
    return tuple(flat[flat_parts == i] for i in range(num_partitions))


def _partition_grad(inputs, outputs, dys, num_partitions):
    data, parts = inputs
    # Where each row went: partition the row numbers like the data, then stitch the gradients
    # back into those places.
    ones = sh.reshape(ew.ones_like(parts, dtype=dtypes.int32), [-1])
    rows = sh.reshape_like(cumsum(ones, exclusive=True), parts)
    where_rows = dynamic_partition(rows, parts, num_partitions)
    grads = [ew.zeros_like(o) if d is None else d for o, d in zip(outputs, dys)]
    return sh.reshape_like(dynamic_stitch(where_rows, grads), data), None


PARTITION = register("dynamic_partition", INDEX, _partition_infer, _partition_ref,
                     _partition_grad, num_outputs=None)


def dynamic_partition(data, partitions, num_partitions, name=None):
    """Splits data's rows into num_partitions tensors by the partition number of each row
    (partitions has the shape of data's leading axes); rows keep their order.

        >>> [p.numpy().tolist() for p in tf.dynamic_partition(tf.constant([10, 20, 30, 40]),
        ...                                                   [0, 1, 0, 1], 2)]
        [[10, 30], [20, 40]]
    """
    partitions = _tensor(partitions, "dynamic_partition")
    num = _int(num_partitions, "num_partitions", "dynamic_partition")
    return list(dispatch(PARTITION, (data, partitions), {"num_partitions": num}, name))


def _stitch_infer(specs):
    n = len(specs) // 2
    indices, data = specs[:n], specs[n:]
    rest = None
    for m, (ix, d) in enumerate(zip(indices, data)):
        rules.check_kind("dynamic_stitch", ix, INDEX_KINDS, m)
        if d.dtype is not data[0].dtype:
            raise InvalidArgumentError(
                f"dynamic_stitch: data[{m}] has dtype {d.dtype.name} but data[0] has dtype "
                f"{data[0].dtype.name}")
        if ix.shape is None or d.shape is None:
            continue
        k = len(ix.shape)
        if k > len(d.shape) or any(a is not None and b is not None and a != b
                                   for a, b in zip(d.shape, ix.shape)):
            raise InvalidArgumentError(
                f"dynamic_stitch: data[{m}].shape = {rules.fmt(d.shape)} does not start with "
                f"indices[{m}].shape = {rules.fmt(ix.shape)}")
        tail = d.shape[k:]
        if rest is not None and (len(rest) != len(tail) or any(
                a is not None and b is not None and a != b for a, b in zip(rest, tail))):
            raise InvalidArgumentError(
                f"dynamic_stitch: data[{m}].shape[{k}:] = {rules.fmt(tail)} differs from the "
                f"slice shape {rules.fmt(rest)} of the data before it")
        rest = tail if rest is None else tuple(a if a is not None else b
                                               for a, b in zip(rest, tail))
    return [(None if rest is None else (None,) + rest, data[0].dtype)]


def _stitch_flat(indices, data):
    """All index and row pairs in stitching order: (flat indices, rows, slice shape)."""
    rest = data[0].shape[indices[0].ndim:]
    flat_ix = np.concatenate([ix.reshape(-1).astype(np.int64) for ix in indices])
    rows = np.concatenate([d.reshape((ix.size,) + rest) for ix, d in zip(indices, data)])
    return flat_ix, rows, rest


def _stitch_ref(*arrays):
    n = len(arrays) // 2
    indices, data = arrays[:n], arrays[n:]
    _stitch_infer([rules.ArraySpec(a) for a in arrays])
    flat_ix, rows, rest = _stitch_flat(indices, data)
    if flat_ix.size and flat_ix.min() < 0:
        m = next(k for k, ix in enumerate(indices) if ix.size and ix.min() < 0)
        raise InvalidArgumentError(f"dynamic_stitch: indices[{m}] is out of range "
                                   f"(index {int(indices[m].min())} is negative)")
    size = int(flat_ix.max()) + 1 if flat_ix.size else 0
    out = np.zeros((size,) + rest, dtype=data[0].dtype)  # rows nobody writes stay 0, as in TF
    if flat_ix.size:
        keep = _last_writers(flat_ix)
        out[flat_ix[keep]] = rows[keep]
    return out


def _stitch_grad(inputs, outputs, dy):
    n = len(inputs) // 2
    indices = inputs[:n]
    # Only the element kept at each place (the last written) gets the gradient.
    flat = [sh.reshape(ix, [-1]) for ix in indices]
    kept = sh.split_like(last_occurrence(sh.concat(flat, 0)), flat, 0) if n > 1 else \
        [last_occurrence(flat[0])]
    grads = []
    for ix, k, d in zip(indices, kept, inputs[n:]):
        g = sh.gather(dy, ix)
        mask = _expand_like(sh.reshape_like(k, ix), g)
        grads.append(ew.where(mask, g, ew.zeros_like(g)))
    return [None] * n + grads


STITCH = register("dynamic_stitch", INDEX, _stitch_infer, _stitch_ref, _stitch_grad)


def dynamic_stitch(indices, data, name=None):
    """Interleaves the rows of the `data` tensors into one tensor: merged[indices[m][i]] =
    data[m][i] (for repeated indices the last write wins; rows nobody writes are 0).

        >>> tf.dynamic_stitch([[0, 2], [1]], [[1.0, 3.0], [2.0]]).numpy()
        array([1., 2., 3.], dtype=float32)
    """
    indices, data = list(indices), list(data)
    if not indices or len(indices) != len(data):
        raise InvalidArgumentError(
            f"dynamic_stitch: needs as many data tensors as index tensors (at least one), got "
            f"{len(indices)} and {len(data)}")
    indices = [_tensor(ix, "dynamic_stitch") for ix in indices]
    anchor = next((d.dtype for d in data if hasattr(d, "dtype") and not isinstance(d, np.ndarray)),
                  None)
    data = [_tensor(d, "dynamic_stitch", None if hasattr(d, "dtype") else anchor) for d in data]
    return dispatch(STITCH, tuple(indices) + tuple(data), None, name)
