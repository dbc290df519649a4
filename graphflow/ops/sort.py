"""Sorting and searching: argsort, sort, math.top_k, math.in_top_k, unique,
unique_with_counts, searchsorted, histogram_fixed_width.

Orders are total and stable: equal elements keep their order (in both directions, as TF's
argsort gives them), and NaN sorts above +inf (NumPy's rule, so a descending sort and top_k
put NaNs first). TF's own NaN order is unspecified (its top_k-based sort returns NaNs in
arbitrary places); graphflow picks this one deliberately.

    >>> import graphflow as tf
    >>> tf.sort(tf.constant([3, 1, 2])).numpy()
    array([1, 2, 3], dtype=int32)
    >>> tf.argsort(tf.constant([3.0, 1.0, 2.0]), direction="DESCENDING").numpy()
    array([0, 2, 1], dtype=int32)
"""
import collections

import numpy as np

from graphflow import dtypes
from graphflow.errors import InvalidArgumentError
from graphflow.ops import elementwise as ew
from graphflow.ops import rules
from graphflow.ops import shape as sh
from graphflow.ops.registry import OPAQUE, EagerTensor, Spec, dispatch, register, to_array
from graphflow.ops.static import constant_value

SORTABLE = "fiu"  # TF sorts numbers, not bools
DIRECTIONS = ("ASCENDING", "DESCENDING")

TopKV2 = collections.namedtuple("TopKV2", ["values", "indices"])
Unique = collections.namedtuple("Unique", ["y", "idx"])
UniqueWithCounts = collections.namedtuple("UniqueWithCounts", ["y", "idx", "count"])


def _tensor(x, op_name):
    if hasattr(x, "dtype") and hasattr(x, "shape") and not isinstance(x, np.ndarray):
        return x
    return EagerTensor(to_array(x, None, op_name))


def _index_dtype(value, op_name, what="out_type"):
    dtype = dtypes.as_dtype(value)
    if dtype not in (dtypes.int32, dtypes.int64):
        raise InvalidArgumentError(f"{op_name}: {what} must be int32 or int64, got {dtype.name}")
    return dtype


# -- argsort / sort / top_k ------------------------------------------------------------------------

def _argsort_infer(specs, axis, direction):
    (x,) = specs
    rules.check_kind("argsort", x, SORTABLE)
    if x.shape is not None:
        rules.normalize_axis("argsort", axis, len(x.shape), x.shape)
    return [(x.shape, dtypes.int32)]


def stable_order(x, axis, descending):
    """Indices that sort x along axis, equal elements in their original order, NaN above +inf."""
    if not descending:
        return np.argsort(x, axis=axis, kind="stable")
    if x.dtype.kind == "f":
        nan = np.isnan(x)
        # lexsort's last key is the primary one: NaNs first, then larger values first.
        return np.lexsort((np.where(nan, 0, -x), ~nan), axis=axis)
    return np.argsort(~x, axis=axis, kind="stable")  # ~x reverses integer order without overflow


def _argsort_ref(x, axis, direction):
    rules.check_array_kind("argsort", x, SORTABLE)
    _argsort_infer([rules.ArraySpec(x)], axis, direction)
    return stable_order(x, axis, direction == "DESCENDING").astype(np.int32)


ARGSORT = register("argsort", OPAQUE, _argsort_infer, _argsort_ref)


def _direction(direction, op_name):
    if direction not in DIRECTIONS:
        raise InvalidArgumentError(
            f"{op_name}: direction should be one of ASCENDING, DESCENDING, got {direction!r}")
    return direction


def _sort_axis(values, axis, op_name):
    rules.check_kind(op_name, Spec(values.shape.dims_tuple(), values.dtype), SORTABLE)
    rank = values.shape.rank
    if rank is None:
        raise InvalidArgumentError(f"{op_name}: the rank of the input must be known")
    if rank == 0:
        raise InvalidArgumentError(f"{op_name}: input must have rank >= 1, got a scalar")
    return rules.normalize_axis(op_name, axis, rank, values.shape.dims_tuple()), rank


def argsort(values, axis=-1, direction="ASCENDING", stable=False, name=None):
    """The indices that sort `values` along `axis` (int32). The order is always stable, so
    `stable` changes nothing.

        >>> tf.argsort(tf.constant([2, 1, 2, 0])).numpy()
        array([3, 1, 0, 2], dtype=int32)
    """
    values = _tensor(values, "argsort")
    axis, _ = _sort_axis(values, axis, "argsort")
    return dispatch(ARGSORT, (values,), {"axis": axis, "direction": _direction(direction,
                                                                                "argsort")}, name)


def _take_along_last(x, indices, name=None):
    rank = x.shape.rank
    return sh.gather(x, indices, axis=rank - 1, batch_dims=rank - 1, name=name)


@rules.composite("sort")
def sort(values, axis=-1, direction="ASCENDING", name=None):
    """`values` sorted along `axis` (gradients flow back to the elements' places).

        >>> tf.sort(tf.constant([[3.0, 1.0], [0.5, 2.0]]), direction="DESCENDING").numpy()
        array([[3. , 1. ],
               [2. , 0.5]], dtype=float32)
    """
    values = _tensor(values, "sort")
    axis, rank = _sort_axis(values, axis, "sort")
    direction = _direction(direction, "sort")
    if axis == rank - 1:
        return _take_along_last(values, argsort(values, -1, direction), name)
    perm = list(range(rank))
    perm[axis], perm[-1] = perm[-1], perm[axis]
    moved = sh.transpose(values, perm)
    return sh.transpose(_take_along_last(moved, argsort(moved, -1, direction)), perm, name)


@rules.composite("top_k")
def top_k(input, k=1, sorted=True, index_type=dtypes.int32, name=None):  # noqa: A002 - TF's names
    """The k largest entries of the last axis and their indices, largest first; of equal
    values the one with the lower index comes first. Returns TopKV2(values, indices).

        >>> values, indices = tf.math.top_k(tf.constant([1.0, 5.0, 3.0, 5.0]), k=2)
        >>> values.numpy(), indices.numpy()
        (array([5., 5.], dtype=float32), array([1, 3], dtype=int32))
    """
    input = _tensor(input, "top_k")  # noqa: A001
    rules.check_kind("top_k", Spec(input.shape.dims_tuple(), input.dtype), SORTABLE)
    rank = input.shape.rank
    if rank == 0:
        raise InvalidArgumentError("top_k: input must be >= 1-D, got shape []")
    if rank is None:
        raise InvalidArgumentError("top_k: the rank of the input must be known")
    value = constant_value(k)
    if value is None or np.ndim(value) != 0 or np.asarray(value).dtype.kind not in "iu":
        raise InvalidArgumentError(f"top_k: k must be a constant integer, got {k!r:.60}")
    k = int(value)
    if k < 0:
        raise InvalidArgumentError(f"top_k: Need k >= 0, got {k}")
    n = input.shape[-1]
    if n is not None and n < k:
        raise InvalidArgumentError(
            f"top_k: input must have at least k columns. Had {n}, needed {k} (input shape "
            f"{input.shape})")
    order = argsort(input, -1, "DESCENDING")
    indices = order[..., :k]
    if n is None:  # the number of columns is only known at run time: check it then
        indices = ensure_columns(indices, k)
    values = _take_along_last(input, indices)
    index_type = _index_dtype(index_type, "top_k", "index_type")
    indices = ew.cast(indices, index_type)
    return TopKV2(ew.identity(values, name), indices)


def ensure_columns(x, k):
    from graphflow.ops.layout import ensure_shape
    return ensure_shape(x, [None] * (x.shape.rank - 1) + [k])


# -- in_top_k --------------------------------------------------------------------------------------

def _in_top_k_infer(specs, k):
    targets, predictions = specs
    rules.check_kind("in_top_k", targets, "i")
    rules.check_kind("in_top_k", predictions, "f", 1)
    if predictions.shape is not None and len(predictions.shape) != 2:
        raise InvalidArgumentError(
            f"in_top_k: predictions must be 2-dimensional, got shape "
            f"{rules.fmt(predictions.shape)}")
    if targets.shape is not None and len(targets.shape) != 1:
        raise InvalidArgumentError(
            f"in_top_k: targets must be 1-dimensional, got shape {rules.fmt(targets.shape)}")
    batch = None
    if targets.shape is not None:
        batch = targets.shape[0]
    if predictions.shape is not None:
        p = predictions.shape[0]
        if batch is not None and p is not None and batch != p:
            raise InvalidArgumentError(
                f"in_top_k: First dimension of predictions {p} must match length of targets "
                f"{batch}")
        batch = p if batch is None else batch
    return [((batch,), dtypes.bool)]


def _in_top_k_ref(targets, predictions, k):
    _in_top_k_infer([rules.ArraySpec(targets), rules.ArraySpec(predictions)], k)
    n, classes = predictions.shape
    ok = (targets >= 0) & (targets < classes)
    picked = predictions[np.arange(n), np.where(ok, targets, 0)] if classes else \
        np.zeros(n, predictions.dtype)
    # As TF's kernel: a row with any non-finite prediction (or a bad target) is "cannot say"
    # (False); otherwise the target is in the top k when fewer than k classes beat it.
    ok &= np.all(np.isfinite(predictions), axis=1)
    better = np.sum(predictions > picked[:, None], axis=1)
    return ok & (better < k)


IN_TOP_K = register("in_top_k", OPAQUE, _in_top_k_infer, _in_top_k_ref)


def in_top_k(targets, predictions, k, name=None):
    """Whether each target class is among the k highest predictions of its row. Ties at the
    boundary count as in; a row with a non-finite prediction or an out-of-range target gives
    False (TF's rules).

        >>> tf.math.in_top_k([1, 0], tf.constant([[0.1, 0.9], [0.3, 0.7]]), 1).numpy()
        array([ True, False])
    """
    targets = _tensor(targets, "in_top_k")
    value = constant_value(k)
    if value is None or np.ndim(value) != 0 or np.asarray(value).dtype.kind not in "iu":
        # int(1.5) would silently take the top 1
        raise InvalidArgumentError(f"in_top_k: k must be a constant integer, got {k!r:.60}")
    return dispatch(IN_TOP_K, (targets, predictions), {"k": int(value)}, name)


# -- unique ----------------------------------------------------------------------------------------

def _unique_infer(specs, out_idx):
    (x,) = specs
    if x.shape is not None and len(x.shape) != 1:
        raise InvalidArgumentError(
            f"unique: unique expects a 1D vector, got shape {rules.fmt(x.shape)}")
    out = dtypes.as_dtype(out_idx)
    return [((None,), x.dtype), (x.shape, out), ((None,), out)]


def _unique_ref(x, out_idx):
    _unique_infer([rules.ArraySpec(x)], out_idx)
    out = dtypes.as_dtype(out_idx).np
    n = x.size
    order = np.argsort(x, kind="stable")
    ordered = x[order]
    starts = np.ones(n, dtype=bool)
    starts[1:] = ordered[1:] != ordered[:-1]  # NaN != NaN: every NaN is its own value, as in TF
    group = np.cumsum(starts) - 1
    first = order[starts]  # the first position of each value (the sort is stable)
    label = np.empty(first.size, dtype=np.int64)
    label[np.argsort(first, kind="stable")] = np.arange(first.size)  # number by first appearance
    idx = np.empty(n, dtype=np.int64)
    idx[order] = label[group]
    y = x[np.sort(first)]
    return y, idx.astype(out), np.bincount(idx, minlength=first.size).astype(out)


UNIQUE_WITH_COUNTS = register("unique_with_counts", OPAQUE, _unique_infer, _unique_ref,
                              num_outputs=3)


def unique_with_counts(x, out_idx=dtypes.int32, name=None):
    """The distinct values of a 1-D tensor in order of first appearance, each element's
    position among them, and how often each occurs. Returns UniqueWithCounts(y, idx, count).

        >>> y, idx, count = tf.unique_with_counts(tf.constant([4, 1, 4, 4, 2]))
        >>> y.numpy().tolist(), idx.numpy().tolist(), count.numpy().tolist()
        ([4, 1, 2], [0, 1, 0, 0, 2], [3, 1, 1])
    """
    x = _tensor(x, "unique_with_counts")
    dtype = _index_dtype(out_idx, "unique_with_counts", "out_idx")
    return UniqueWithCounts(*dispatch(UNIQUE_WITH_COUNTS, (x,), {"out_idx": dtype.name}, name))


def unique(x, out_idx=dtypes.int32, name=None):
    """The distinct values of a 1-D tensor in order of first appearance, and each element's
    position among them. Returns Unique(y, idx).

        >>> y, idx = tf.unique(tf.constant([1, 1, 2, 4, 4, 4, 7, 8, 8]))
        >>> y.numpy(), idx.numpy()
        (array([1, 2, 4, 7, 8], dtype=int32), array([0, 0, 1, 2, 2, 2, 3, 4, 4], dtype=int32))
    """
    x = _tensor(x, "unique")
    dtype = _index_dtype(out_idx, "unique", "out_idx")
    y, idx, _ = dispatch(UNIQUE_WITH_COUNTS, (x,), {"out_idx": dtype.name}, name)
    return Unique(y, idx)


# -- searchsorted ----------------------------------------------------------------------------------

def _leading(shape):
    return rules.num_elements(shape[:-1])


def _searchsorted_infer(specs, side, out_type):
    seq, values = specs
    rules.check_kind("searchsorted", seq, SORTABLE)
    for what, s in (("sorted_sequence", seq), ("values", values)):
        if s.shape is not None and len(s.shape) < 1:
            raise InvalidArgumentError(f"searchsorted: {what} must be at least 1-D, got a scalar")
    if seq.shape is not None and values.shape is not None:
        a, b = _leading(seq.shape), _leading(values.shape)
        if a is not None and b is not None and a != b:
            raise InvalidArgumentError(
                f"searchsorted: Leading dim_size of both tensors must match: sorted_sequence "
                f"{rules.fmt(seq.shape)}, values {rules.fmt(values.shape)}")
    return [(values.shape, dtypes.as_dtype(out_type))]


def _searchsorted_ref(seq, values, side, out_type):
    rules.check_array_kind("searchsorted", seq, SORTABLE)
    _searchsorted_infer([rules.ArraySpec(seq), rules.ArraySpec(values)], side, out_type)
    rows = _leading(seq.shape)
    s2 = seq.reshape((rows, seq.shape[-1]))
    v2 = values.reshape((rows, values.shape[-1]))
    out = np.empty(v2.shape, dtype=np.int64)
    for r in range(rows):
        out[r] = np.searchsorted(s2[r], v2[r], side=side)
    if values.dtype.kind == "f":
        # TF's lower/upper_bound compare with `<`, which is false for NaN: a NaN value's place
        # is the start (left) or the end (right) of the sequence.
        out[np.isnan(v2)] = 0 if side == "left" else seq.shape[-1]
    return out.reshape(values.shape).astype(dtypes.as_dtype(out_type).np)


SEARCHSORTED = register("searchsorted", OPAQUE, _searchsorted_infer, _searchsorted_ref,
                        same_dtype=(0, 1))


def searchsorted(sorted_sequence, values, side="left", out_type=dtypes.int32, name=None):
    """Where each of `values` would be inserted into the sorted last axis of
    `sorted_sequence` to keep it sorted (side "left": before equal entries, "right": after).
    The leading axes are batches, matched row by row.

        >>> tf.searchsorted(tf.constant([0.0, 3.0, 9.0, 9.0, 10.0]),
        ...                 tf.constant([2.0, 4.0, 9.0]), side="right").numpy()
        array([1, 2, 4], dtype=int32)
    """
    if side not in ("left", "right"):
        raise InvalidArgumentError(f"searchsorted: side must be either 'right' or 'left', "
                                   f"got {side!r}")
    dtype = _index_dtype(out_type, "searchsorted")
    return dispatch(SEARCHSORTED, (sorted_sequence, values),
                    {"side": side, "out_type": dtype.name}, name)


# -- histogram_fixed_width -------------------------------------------------------------------------

def _histogram_infer(specs, nbins, dtype):
    values, value_range = specs
    rules.check_kind("histogram_fixed_width", values, "fi")
    if value_range.shape is not None and tuple(value_range.shape) not in ((2,), (None,)):
        raise InvalidArgumentError(
            f"histogram_fixed_width: value_range should be a vector of 2 elements, got shape "
            f"{rules.fmt(value_range.shape)}")
    if nbins <= 0:
        raise InvalidArgumentError(
            f"histogram_fixed_width: nbins should be a positive number, but got '{nbins}'")
    return [((nbins,), dtypes.as_dtype(dtype))]


def _histogram_ref(values, value_range, nbins, dtype):
    _histogram_infer([rules.ArraySpec(values), rules.ArraySpec(value_range)], nbins, dtype)
    lo, hi = value_range[0], value_range[1]
    if not lo < hi:
        raise InvalidArgumentError(
            f"histogram_fixed_width: value_range should satisfy value_range[0] < "
            f"value_range[1], but got '[{lo}, {hi}]'")
    if values.dtype.kind == "f" and np.isnan(values).any():
        raise InvalidArgumentError("histogram_fixed_width: Histogram values must not contain NaN")
    # TF's arithmetic exactly: the offset in the values' dtype, the bin width in float64.
    step = float(hi - lo) / nbins
    with np.errstate(over="ignore", invalid="ignore"):
        offset = (np.maximum(values, lo) - lo).astype(np.float64).reshape(-1)
    bins = np.minimum(offset / step, nbins - 1).astype(np.int64)
    return np.bincount(bins, minlength=nbins).astype(dtypes.as_dtype(dtype).np)


HISTOGRAM = register("histogram_fixed_width", OPAQUE, _histogram_infer, _histogram_ref,
                     same_dtype=(0, 1))


def histogram_fixed_width(values, value_range, nbins=100, dtype=dtypes.int32, name=None):
    """Counts of `values` in nbins equal-width bins spanning value_range = [lo, hi]; values
    below lo count in the first bin, values from hi on in the last.

        >>> tf.histogram_fixed_width(tf.constant([-1.0, 0.0, 1.5, 2.0, 5.0, 15.0]),
        ...                          [0.0, 5.0], nbins=5).numpy()
        array([2, 1, 1, 0, 2], dtype=int32)
    """
    value = constant_value(nbins)
    if value is None or np.ndim(value) != 0:
        raise InvalidArgumentError(
            f"histogram_fixed_width: nbins must be a constant integer, got {nbins!r:.60}")
    out = _index_dtype(dtype, "histogram_fixed_width", "dtype")
    return dispatch(HISTOGRAM, (values, value_range), {"nbins": int(value), "dtype": out.name},
                    name)
