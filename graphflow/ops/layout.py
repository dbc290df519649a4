"""Shape and layout ops: reverse, roll, repeat, sequence_mask, meshgrid, linalg.band_part,
linalg.diag / diag_part / set_diag (TF's MatrixDiagV3 family, bands and alignments included),
broadcast_dynamic_shape, broadcast_static_shape, ensure_shape and identity_n.

reverse, roll and the diagonal ops only move elements (OpDef.moves), so the CUDA target runs
them as index-map copies; the others are composites of registry ops.

    >>> import graphflow as tf
    >>> tf.reverse(tf.constant([[1, 2, 3]]), [1]).numpy()
    array([[3, 2, 1]], dtype=int32)
    >>> tf.linalg.diag_part(tf.constant([[1, 2], [3, 4]])).numpy()
    array([1, 4], dtype=int32)
"""
import numpy as np

from graphflow import dtypes
from graphflow.errors import InvalidArgumentError
from graphflow.ops import elementwise as ew
from graphflow.ops import reduce as rd
from graphflow.ops import rules
from graphflow.ops import shape as sh
from graphflow.ops.creation import constant, range as range_
from graphflow.ops.registry import ELEMENTWISE, OPAQUE, SHAPE, EagerTensor, dispatch, register, \
    to_array
from graphflow.ops.scan import cumsum
from graphflow.ops.sort import searchsorted
from graphflow.ops.static import constant_value
from graphflow.tensor import TensorShape, as_shape


def _tensor(x, op_name, dtype=None):
    if hasattr(x, "dtype") and hasattr(x, "shape") and not isinstance(x, np.ndarray):
        return x
    return EagerTensor(to_array(x, dtype, op_name))


def _dims(x):
    return x.shape.dims_tuple()


def _ints(value, what, op_name):
    """A tuple of Python ints from a constant scalar or list (tensors known at build time too)."""
    v = constant_value(value)
    if v is None or np.asarray(v).dtype.kind not in "iu" and np.asarray(v).size:
        raise InvalidArgumentError(
            f"{op_name}: {what} must be constant integers, got {value!r:.80}")
    return tuple(int(a) for a in np.asarray(v).reshape(-1))


# -- reverse -------------------------------------------------------------------------------------

def _reverse_infer(specs, axis):
    (x,) = specs
    if x.shape is not None:
        for a in axis:
            rules.normalize_axis("reverse", a, len(x.shape), x.shape)
    return [(x.shape, x.dtype)]


def _reverse_ref(x, axis):
    _reverse_infer([rules.ArraySpec(x)], axis)
    return np.flip(x, axis) if axis else x


REVERSE = register("reverse", SHAPE, _reverse_infer, _reverse_ref,
                   lambda inputs, outputs, dy, axis: (dispatch(REVERSE, (dy,), {"axis": axis}),))
REVERSE.moves = (0,)


def reverse(tensor, axis, name=None):
    """`tensor` with the order of its elements along each axis in `axis` reversed.

        >>> tf.reverse(tf.constant([[1, 2], [3, 4]]), [0, -1]).numpy()
        array([[4, 3],
               [2, 1]], dtype=int32)
    """
    tensor = _tensor(tensor, "reverse")
    axes = _ints(axis, "axis", "reverse")
    rank = tensor.shape.rank
    if rank is not None:
        axes = tuple(rules.normalize_axis("reverse", a, rank, _dims(tensor)) for a in axes)
        for a in axes:
            if axes.count(a) > 1:
                raise InvalidArgumentError(f"reverse: axis {a} specified more than once")
    return dispatch(REVERSE, (tensor,), {"axis": tuple(sorted(axes))}, name)


# -- roll ----------------------------------------------------------------------------------------

def _roll_infer(specs, shift, axis):
    (x,) = specs
    if x.shape is not None:
        for a in axis:
            if not -len(x.shape) <= a < len(x.shape):
                raise InvalidArgumentError(
                    f"roll: axis {a} is out of range for a tensor of shape {rules.fmt(x.shape)}")
    return [(x.shape, x.dtype)]


def _roll_ref(x, shift, axis):
    _roll_infer([rules.ArraySpec(x)], shift, axis)
    return np.roll(x, shift, axis) if axis else x


ROLL = register(
    "roll", SHAPE, _roll_infer, _roll_ref,
    lambda inputs, outputs, dy, shift, axis: (
        dispatch(ROLL, (dy,), {"shift": tuple(-s for s in shift), "axis": axis}),))
ROLL.moves = (0,)


def roll(input, shift, axis, name=None):  # noqa: A002 - TF's name
    """Rotates elements along each axis by its shift (elements leaving one end come back at
    the other; shifts of a repeated axis add up).

        >>> tf.roll(tf.constant([[1, 2, 3], [4, 5, 6]]), shift=[1, -1], axis=[0, 1]).numpy()
        array([[5, 6, 4],
               [2, 3, 1]], dtype=int32)
    """
    input = _tensor(input, "roll")  # noqa: A001
    shifts = _ints(shift, "shift", "roll")
    axes = _ints(axis, "axis", "roll")
    if len(shifts) != len(axes):
        raise InvalidArgumentError(
            f"roll: shift and axis must have the same size, got {len(shifts)} and {len(axes)}")
    rank = input.shape.rank
    if rank is not None:
        for a in axes:
            if not -rank <= a < rank:
                raise InvalidArgumentError(
                    f"roll: axis {a} is out of range for a tensor of shape {input.shape}")
        # One shift per axis, reduced modulo the axis length when that is known.
        total = {}
        for s, a in zip(shifts, axes):
            total[a % rank] = total.get(a % rank, 0) + s
        dims = _dims(input)
        total = {a: (s % dims[a] if dims[a] else 0) if dims[a] is not None else s
                 for a, s in sorted(total.items())}
        axes, shifts = tuple(total), tuple(total.values())
    return dispatch(ROLL, (input,), {"shift": shifts, "axis": axes}, name)


# -- repeat --------------------------------------------------------------------------------------

@rules.composite("repeat")
def repeat(input, repeats, axis=None, name=None):  # noqa: A002 - TF's name
    """Each element (slice along `axis`) repeated `repeats` times: one count for all, or one per
    slice. With axis None the input is flattened first.

        >>> tf.repeat(tf.constant([[1, 2], [3, 4]]), [1, 2], axis=0).numpy()
        array([[1, 2],
               [3, 4],
               [3, 4]], dtype=int32)
        >>> tf.repeat(tf.constant([1, 2]), 2).numpy()
        array([1, 1, 2, 2], dtype=int32)
    """
    x = _tensor(input, "repeat")
    if axis is None:
        x, axis = sh.reshape(x, [-1]), 0
    rank = x.shape.rank
    if rank is None:
        raise InvalidArgumentError("repeat: the rank of the input must be known")
    if rank == 0:
        x, rank = sh.reshape(x, [1]), 1
    axis = rules.normalize_axis("repeat", axis, rank, _dims(x))
    n = _dims(x)[axis]
    counts = constant_value(repeats)
    if counts is None:
        return _repeat_dynamic(x, repeats, axis, n, name)
    counts = np.asarray(counts)
    if counts.dtype.kind not in "iu" or counts.ndim > 1:
        raise InvalidArgumentError(
            f"repeat: repeats must be an integer scalar or vector, got {repeats!r:.80}")
    if np.any(counts < 0):
        raise InvalidArgumentError(f"repeat: repeats must be >= 0, got {counts.tolist()}")
    if counts.ndim == 1 and counts.size != 1:
        if n is not None and counts.size != n:
            raise InvalidArgumentError(
                f"repeat: {counts.size} repeats for axis {axis} of size {n} (shape {x.shape}); "
                f"give one per slice, or one for all")
        index = np.repeat(np.arange(counts.size, dtype=np.int32), counts)
        return sh.gather(x, constant(index), axis=axis, name=name)
    k = int(counts.reshape(()))
    # One count for all: a new axis tiled k times, then merged into `axis`.
    dims = _dims(x)
    tiled = sh.tile(sh.expand_dims(x, axis + 1), [1] * (axis + 1) + [k] + [1] * (rank - axis - 1))
    merged = [(-1 if d is None else d) for d in dims]
    merged[axis] = -1 if n is None else n * k
    if merged.count(-1) > 1:
        raise InvalidArgumentError(
            f"repeat: input of shape {x.shape} has too many unknown dimensions (at most one)")
    return sh.reshape(tiled, merged, name)


def _repeat_dynamic(x, repeats, axis, n, name):
    """Repeat counts known only at run time: slice i is taken for every output position p with
    cumsum(counts)[i-1] <= p < cumsum(counts)[i]."""
    counts = _tensor(repeats, "repeat")
    if counts.shape.rank == 0 or counts.shape.dims_tuple() == (1,):
        if n is None:
            raise InvalidArgumentError(
                "repeat: a run-time repeat count needs the size of the repeated axis")
        counts = sh.reshape(counts, []) + constant(np.zeros(n, counts.dtype.np))
    ends = cumsum(counts)
    positions = range_(rd.reduce_sum(counts), dtype=counts.dtype)
    index = searchsorted(ends, positions, side="right")
    return sh.gather(x, index, axis=axis, name=name)


# -- sequence_mask -------------------------------------------------------------------------------

@rules.composite("sequence_mask")
def sequence_mask(lengths, maxlen=None, dtype=dtypes.bool, name=None):
    """mask[..., j] = j < lengths[...] for j in [0, maxlen) (maxlen: the largest length when
    None), as `dtype`.

        >>> tf.sequence_mask([1, 3, 2], 4).numpy()
        array([[ True, False, False, False],
               [ True,  True,  True, False],
               [ True,  True, False, False]])
    """
    lengths = _tensor(lengths, "sequence_mask")
    if maxlen is None:
        known = constant_value(lengths)
        if known is not None:
            maxlen = max(np.asarray(known).max(initial=0), 0)
            row = range_(0, maxlen.item(), 1, dtype=lengths.dtype)
        else:
            longest = ew.maximum(rd.reduce_max(lengths), 0)
            row = range_(0, longest, 1, dtype=lengths.dtype)
        limit = lengths
    else:
        value = constant_value(maxlen)
        if value is not None:
            if np.ndim(value) != 0:
                raise InvalidArgumentError(
                    f"sequence_mask: maxlen must be a scalar, got {maxlen!r:.60}")
            if value < 0:
                raise InvalidArgumentError(f"sequence_mask: maxlen must be >= 0, got {value}")
            row = range_(0, int(value), 1, dtype=dtypes.int32)
        else:
            maxlen = _tensor(maxlen, "sequence_mask")
            row = range_(0, maxlen, 1, dtype=maxlen.dtype)
        limit = ew.cast(lengths, row.dtype)  # TF compares in maxlen's dtype
    mask = ew.less(row, sh.expand_dims(limit, -1))
    dtype = dtypes.as_dtype(dtype)
    return ew.identity(mask, name) if dtype.is_bool else ew.cast(mask, dtype, name)


# -- meshgrid ------------------------------------------------------------------------------------

@rules.composite("meshgrid")
def meshgrid(*args, **kwargs):
    """Coordinate grids from 1-D coordinate vectors: N inputs give N tensors of one N-D shape.
    indexing "xy" (the default, Cartesian) swaps the first two output axes; "ij" does not.

        >>> x, y = tf.meshgrid([1, 2, 3], [4, 5])
        >>> x.numpy()
        array([[1, 2, 3],
               [1, 2, 3]], dtype=int32)
        >>> y.numpy()
        array([[4, 4, 4],
               [5, 5, 5]], dtype=int32)
    """
    indexing = kwargs.pop("indexing", "xy")
    kwargs.pop("name", None)
    if kwargs:
        raise InvalidArgumentError(f"meshgrid: unexpected arguments {sorted(kwargs)}")
    if indexing not in ("xy", "ij"):
        raise InvalidArgumentError(
            f"meshgrid: indexing must be either 'xy' or 'ij', got {indexing!r}")
    vectors = [sh.reshape(_tensor(a, "meshgrid"), [-1]) for a in args]
    if not vectors:
        return []
    kinds = {v.dtype for v in vectors}
    if len(kinds) > 1:
        raise InvalidArgumentError(
            f"meshgrid: all inputs must have one dtype, got {sorted(d.name for d in kinds)}")
    n = len(vectors)
    axes = list(range(n))
    if indexing == "xy" and n > 1:
        axes[0], axes[1] = 1, 0  # x runs along the columns, y along the rows
    shaped = []
    for v, a in zip(vectors, axes):
        shape = [1] * n
        shape[a] = -1
        shaped.append(sh.reshape(v, shape))
    grids = []
    for i, s in enumerate(shaped):
        g = s
        for j, other in enumerate(shaped):
            if j != i:
                g = rd.broadcast_like(g, other)
        grids.append(g)
    return grids


# -- band_part -----------------------------------------------------------------------------------

@rules.composite("band_part")
def band_part(input, num_lower, num_upper, name=None):  # noqa: A002 - TF's name
    """The band of each innermost matrix: entries (i, j) with i - j <= num_lower and
    j - i <= num_upper are kept, the others zeroed (a negative bound keeps that whole triangle).

        >>> tf.linalg.band_part(tf.ones((3, 3), tf.int32), 0, -1).numpy()
        array([[1, 1, 1],
               [0, 1, 1],
               [0, 0, 1]], dtype=int32)
    """
    x = _tensor(input, "band_part")
    rank = x.shape.rank
    if rank is not None and rank < 2:
        raise InvalidArgumentError(
            f"band_part: input must be at least 2-dim, received shape: {x.shape}")
    if rank is None:
        raise InvalidArgumentError("band_part: the rank of the input must be known")
    m, n = _dims(x)[-2:]
    lower, upper = constant_value(num_lower), constant_value(num_upper)
    for what, v, size in (("num_lower", lower, m), ("num_upper", upper, n)):
        if v is not None and size is not None and int(v) > size:
            raise InvalidArgumentError(
                f"band_part: {what} must be negative or less or equal to number of "
                f"{'rows' if what == 'num_lower' else 'columns'} ({size}) got: {int(v)}")
    if None not in (m, n, lower, upper):
        i, j = np.arange(m)[:, None], np.arange(n)[None, :]
        keep = ((lower < 0) | (i - j <= lower)) & ((upper < 0) | (j - i <= upper))
        mask = constant(keep)
    else:  # bounds or sizes known only at run time: the same mask from run-time values
        i = sh.expand_dims(range_(m if m is not None else sh.shape(x)[-2]), 1)
        j = sh.expand_dims(range_(n if n is not None else sh.shape(x)[-1]), 0)
        lo = num_lower if lower is None else int(lower)
        hi = num_upper if upper is None else int(upper)
        lo = ew.cast(lo, dtypes.int32) if hasattr(lo, "dtype") else lo
        hi = ew.cast(hi, dtypes.int32) if hasattr(hi, "dtype") else hi
        mask = ew.logical_and(ew.logical_or(ew.less(lo, 0), ew.less_equal(i - j, lo)),
                              ew.logical_or(ew.less(hi, 0), ew.less_equal(j - i, hi)))
    return ew.where(mask, x, ew.zeros_like(x), name)


# -- matrix_diag / matrix_diag_part / matrix_set_diag --------------------------------------------
# A band k = (k0, k1) of diagonals of a rows x cols matrix is stored as a (k1 - k0 + 1, max_len)
# array: row r holds diagonal d = k1 - r (the top one first), max_len is the longest diagonal
# of the band, and a shorter diagonal is padded on the left or the right as `align` says
# ("RIGHT_LEFT": superdiagonals right-aligned, subdiagonals left-aligned; d = 0 counts as both).
# With k0 == k1 the diagonal axis is dropped.

ALIGNS = ("LEFT_RIGHT", "RIGHT_LEFT", "LEFT_LEFT", "RIGHT_RIGHT")


def _max_len(rows, cols, k0, k1):
    return min(rows + min(0, k1), cols - max(0, k0))


def _band_layout(rows, cols, k0, k1, align):
    """(r, p, i, j) index arrays: band element (i, j) is entry (r, p) of the diagonals array."""
    max_len = _max_len(rows, cols, k0, k1)
    left_super = align in ("LEFT_LEFT", "LEFT_RIGHT")
    left_sub = align in ("LEFT_LEFT", "RIGHT_LEFT")
    parts = []
    for d in range(k1, k0 - 1, -1):
        length = max(0, min(rows + min(0, d), cols - max(0, d)))
        left = (d >= 0 and left_super) or (d <= 0 and left_sub)
        offset = 0 if left else max_len - length
        q = np.arange(length)
        parts.append((np.full(length, k1 - d), q + offset, q - min(d, 0), q + max(d, 0)))
    return tuple(np.concatenate([p[k] for p in parts]).astype(np.int64) for k in range(4))


def _check_band(op_name, k, rows, cols):
    k0, k1 = k
    if k0 > k1:
        raise InvalidArgumentError(
            f"{op_name}: lower_diag_index must not be larger than upper_diag_index: {k0} > {k1}")
    if rows is None or cols is None:
        return
    for what, d in (("lower_diag_index", k0), ("upper_diag_index", k1)):
        if not ((-rows < d < cols) or d == 0):
            raise InvalidArgumentError(
                f"{op_name}: {what} is out of bound: {d}. It must be between {-rows} and {cols}")


def _diag_part_infer(specs, k, align, constant_values):
    (x,) = specs
    if x.shape is None:
        return [(None, x.dtype)]
    if len(x.shape) < 2:
        raise InvalidArgumentError(
            f"matrix_diag_part: input must be at least 2-dim, received shape: {rules.fmt(x.shape)}")
    rows, cols = x.shape[-2:]
    _check_band("matrix_diag_part", k, rows, cols)
    length = None if None in (rows, cols) else max(0, _max_len(rows, cols, *k))
    band = () if k[0] == k[1] else (k[1] - k[0] + 1,)
    return [(x.shape[:-2] + band + (length,), x.dtype)]


def _diag_part_ref(x, k, align, constant_values):
    ((shape, _),) = _diag_part_infer([rules.ArraySpec(x)], k, align, constant_values)
    rows, cols = x.shape[-2:]
    r, p, i, j = _band_layout(rows, cols, k[0], k[1], align)
    out = np.full(x.shape[:-2] + (k[1] - k[0] + 1, shape[-1]), constant_values, dtype=x.dtype)
    out[..., r, p] = x[..., i, j]
    return out.reshape(shape)


def _diag_infer(specs, k, num_rows, num_cols, align, constant_values):
    (d,) = specs
    if d.shape is None:
        return [(None, d.dtype)]
    k0, k1 = k
    if k0 > k1:
        _check_band("matrix_diag", k, None, None)
    band = k0 != k1
    if len(d.shape) < (2 if band else 1):
        raise InvalidArgumentError(
            f"matrix_diag: diagonal must be at least {2 if band else 1}-dim for k = {list(k)}, "
            f"received shape: {rules.fmt(d.shape)}")
    if band and d.shape[-2] is not None and d.shape[-2] != k1 - k0 + 1:
        raise InvalidArgumentError(
            f"matrix_diag: the number of diagonals provided in the input ({d.shape[-2]}) does "
            f"not match the range k = {list(k)} ({k1 - k0 + 1} diagonals)")
    batch = d.shape[:-2] if band else d.shape[:-1]
    rows, cols = _diag_size(d.shape[-1], k, num_rows, num_cols)
    return [(batch + (rows, cols), d.dtype)]


def _diag_size(max_len, k, num_rows, num_cols):
    """TF's output size: the smallest matrix holding the band, square when neither is given."""
    if max_len is None:
        return (None if num_rows == -1 else num_rows), (None if num_cols == -1 else num_cols)
    k0, k1 = k
    min_rows, min_cols = max_len - min(k1, 0), max_len + max(k0, 0)
    if num_rows == -1 and num_cols == -1:
        rows = cols = max(min_rows, min_cols)
    else:
        rows = min_rows if num_rows == -1 else num_rows
        cols = min_cols if num_cols == -1 else num_cols
    if rows < min_rows:
        raise InvalidArgumentError(f"matrix_diag: The number of rows is too small: {rows} < "
                                   f"{min_rows} for diagonals of length {max_len}, k = {list(k)}")
    if cols < min_cols:
        raise InvalidArgumentError(f"matrix_diag: The number of columns is too small: {cols} < "
                                   f"{min_cols} for diagonals of length {max_len}, k = {list(k)}")
    if max_len != _max_len(rows, cols, k0, k1):
        raise InvalidArgumentError(
            f"matrix_diag: The number of rows or columns ({rows} x {cols}) is not consistent "
            f"with k = {list(k)} and diagonals of length {max_len}")
    return rows, cols


def _diag_ref(d, k, num_rows, num_cols, align, constant_values):
    ((shape, _),) = _diag_infer([rules.ArraySpec(d)], k, num_rows, num_cols, align,
                                constant_values)
    rows, cols = shape[-2:]
    r, p, i, j = _band_layout(rows, cols, k[0], k[1], align)
    diagonals = d if k[0] != k[1] else d[..., None, :]
    out = np.full(shape, constant_values, dtype=d.dtype)
    out[..., i, j] = diagonals[..., r, p]
    return out


def _set_diag_infer(specs, k, align):
    x, d = specs
    if d.dtype is not x.dtype:
        raise InvalidArgumentError(
            f"matrix_set_diag: diagonal has dtype {d.dtype.name} but input has dtype "
            f"{x.dtype.name}")
    if x.shape is None:
        return [(None, x.dtype)]
    if len(x.shape) < 2:
        raise InvalidArgumentError(
            f"matrix_set_diag: input must be at least 2-dim, received shape: {rules.fmt(x.shape)}")
    rows, cols = x.shape[-2:]
    _check_band("matrix_set_diag", k, rows, cols)
    if d.shape is not None:
        band = () if k[0] == k[1] else (k[1] - k[0] + 1,)
        length = None if None in (rows, cols) else max(0, _max_len(rows, cols, *k))
        expected = x.shape[:-2] + band + (length,)
        if len(d.shape) != len(expected) or any(
                a is not None and b is not None and a != b for a, b in zip(d.shape, expected)):
            raise InvalidArgumentError(
                f"matrix_set_diag: diagonal must have shape {rules.fmt(expected)} for input "
                f"{rules.fmt(x.shape)} and k = {list(k)}, got {rules.fmt(d.shape)}")
    return [(x.shape, x.dtype)]


def _set_diag_ref(x, d, k, align):
    _set_diag_infer([rules.ArraySpec(x), rules.ArraySpec(d)], k, align)
    rows, cols = x.shape[-2:]
    r, p, i, j = _band_layout(rows, cols, k[0], k[1], align)
    diagonals = d if k[0] != k[1] else d[..., None, :]
    out = x.copy()
    out[..., i, j] = diagonals[..., r, p]
    return out


MATRIX_DIAG_PART = register(
    "matrix_diag_part", SHAPE, _diag_part_infer, _diag_part_ref,
    lambda inputs, outputs, dy, k, align, constant_values: (
        dispatch(MATRIX_SET_DIAG, (ew.zeros_like(inputs[0]), dy), {"k": k, "align": align}),))
MATRIX_DIAG = register(
    "matrix_diag", SHAPE, _diag_infer, _diag_ref,
    lambda inputs, outputs, dy, k, num_rows, num_cols, align, constant_values: (
        dispatch(MATRIX_DIAG_PART, (dy,), {"k": k, "align": align, "constant_values": 0.0}),))
MATRIX_SET_DIAG = register(
    "matrix_set_diag", SHAPE, _set_diag_infer, _set_diag_ref,
    lambda inputs, outputs, dy, k, align: (
        dispatch(MATRIX_SET_DIAG, (dy, ew.zeros_like(inputs[1])), {"k": k, "align": align}),
        dispatch(MATRIX_DIAG_PART, (dy,), {"k": k, "align": align, "constant_values": 0.0})),
    same_dtype=(0, 1))
MATRIX_DIAG_PART.moves, MATRIX_DIAG.moves, MATRIX_SET_DIAG.moves = (0,), (0,), "all"


def _band(k, op_name):
    ks = _ints(k, "k", op_name)
    if len(ks) not in (1, 2):
        raise InvalidArgumentError(
            f"{op_name}: k (diag_index) must have only one or two elements, received {len(ks)} "
            "elements")
    return (ks[0], ks[-1])


def _align(align, op_name):
    if align not in ALIGNS:
        raise InvalidArgumentError(f"{op_name}: align must be one of {', '.join(ALIGNS)}, got "
                                   f"{align!r}")
    return align


def _fill_value(value, op_name):
    v = constant_value(value)
    if v is None or np.ndim(v) != 0:
        raise InvalidArgumentError(f"{op_name}: padding_value must be a constant scalar")
    return float(v)


def matrix_diag_part(input, name="diag_part", k=0, padding_value=0,  # noqa: A002
                     align="RIGHT_LEFT"):
    """The diagonal k (or the band of diagonals k = (k0, k1), top one first) of each innermost
    matrix; shorter diagonals of a band are padded with padding_value as `align` says.

        >>> tf.linalg.diag_part(tf.constant([[1, 2, 3], [4, 5, 6]]), k=1).numpy()
        array([2, 6], dtype=int32)
        >>> tf.linalg.diag_part(tf.constant([[1, 2, 3], [4, 5, 6]]), k=(-1, 0)).numpy()
        array([[1, 5],
               [4, 0]], dtype=int32)
    """
    attrs = {"k": _band(k, "matrix_diag_part"), "align": _align(align, "matrix_diag_part"),
             "constant_values": _fill_value(padding_value, "matrix_diag_part")}
    return dispatch(MATRIX_DIAG_PART, (_tensor(input, "matrix_diag_part"),), attrs, name)


def matrix_diag(diagonal, name="diag", k=0, num_rows=-1, num_cols=-1, padding_value=0,
                align="RIGHT_LEFT"):
    """Matrices with `diagonal` on diagonal k (or a band of diagonals, k = (k0, k1)) and
    padding_value elsewhere; the size is the smallest that holds them (square unless num_rows
    or num_cols is given).

        >>> tf.linalg.diag(tf.constant([1, 2])).numpy()
        array([[1, 0],
               [0, 2]], dtype=int32)
        >>> tf.linalg.diag(tf.constant([1, 2]), k=1).numpy()
        array([[0, 1, 0],
               [0, 0, 2],
               [0, 0, 0]], dtype=int32)
    """
    attrs = {"k": _band(k, "matrix_diag"),
             "num_rows": int(_ints(num_rows, "num_rows", "matrix_diag")[0]),
             "num_cols": int(_ints(num_cols, "num_cols", "matrix_diag")[0]),
             "align": _align(align, "matrix_diag"),
             "constant_values": _fill_value(padding_value, "matrix_diag")}
    return dispatch(MATRIX_DIAG, (_tensor(diagonal, "matrix_diag"),), attrs, name)


def matrix_set_diag(input, diagonal, name="set_diag", k=0, align="RIGHT_LEFT"):  # noqa: A002
    """`input` with diagonal k (or the band k = (k0, k1)) of each innermost matrix replaced by
    `diagonal` (laid out as matrix_diag_part returns it).

        >>> tf.linalg.set_diag(tf.zeros((2, 2), tf.int32), [7, 8]).numpy()
        array([[7, 0],
               [0, 8]], dtype=int32)
    """
    x = _tensor(input, "matrix_set_diag")
    d = _tensor(diagonal, "matrix_set_diag", None if hasattr(diagonal, "dtype") else x.dtype)
    attrs = {"k": _band(k, "matrix_set_diag"), "align": _align(align, "matrix_set_diag")}
    return dispatch(MATRIX_SET_DIAG, (x, d), attrs, name)


# -- broadcast shapes ----------------------------------------------------------------------------

def _broadcast_args_infer(specs):
    x, y = specs
    rules.check_kind("broadcast_dynamic_shape", x, "i")
    for s in specs:
        if s.shape is not None and len(s.shape) != 1:
            raise InvalidArgumentError(
                f"broadcast_dynamic_shape: shapes must be vectors, got shape {rules.fmt(s.shape)}")
    n = None
    if x.shape is not None and y.shape is not None and None not in (x.shape[0], y.shape[0]):
        n = max(x.shape[0], y.shape[0])
    return [((n,), x.dtype)]


def _broadcast_args_ref(x, y):
    _broadcast_args_infer([rules.ArraySpec(x), rules.ArraySpec(y)])
    return np.array(_broadcast_lists("broadcast_dynamic_shape", x.tolist(), y.tolist()),
                    dtype=x.dtype)


def _broadcast_lists(op_name, a, b):
    n = max(len(a), len(b))
    a, b = [1] * (n - len(a)) + list(a), [1] * (n - len(b)) + list(b)
    out = []
    for p, q in zip(a, b):
        if p != q and 1 not in (p, q):
            raise InvalidArgumentError(f"{op_name}: Incompatible shapes: {a} vs. {b}")
        out.append(q if p == 1 else p)
    return out


BROADCAST_ARGS = register("broadcast_dynamic_shape", OPAQUE, _broadcast_args_infer,
                          _broadcast_args_ref, same_dtype=(0, 1))


def broadcast_dynamic_shape(shape_x, shape_y):
    """The shape two shapes broadcast to, as a 1-D integer tensor (shapes may be tensors known
    only at run time, e.g. tf.shape(x)).

        >>> tf.broadcast_dynamic_shape([1, 3], [2, 1]).numpy()
        array([2, 3], dtype=int32)
    """
    return dispatch(BROADCAST_ARGS, (shape_x, shape_y))


def broadcast_static_shape(shape_x, shape_y):
    """The TensorShape two static shapes broadcast to (unknown dims stay unknown).

        >>> tf.broadcast_static_shape(tf.TensorShape([None, 3]), tf.TensorShape([2, 1]))
        TensorShape([2, 3])
    """
    x, y = as_shape(shape_x), as_shape(shape_y)
    if x.rank is None or y.rank is None:
        return TensorShape(None)
    try:
        return TensorShape(rules.broadcast_shapes("broadcast_static_shape", x.dims_tuple(),
                                                  y.dims_tuple()))
    except InvalidArgumentError:
        raise InvalidArgumentError(
            f"broadcast_static_shape: Incompatible shapes for broadcasting: {x} and {y}") from None


# -- ensure_shape / identity_n -------------------------------------------------------------------

def _compatible(actual, expected):
    return len(actual) == len(expected) and all(
        e is None or a is None or a == e for a, e in zip(actual, expected))


def _shape_text(shape):
    return "[" + ",".join("?" if d is None else str(d) for d in shape) + "]"


def _ensure_infer(specs, shape):
    (x,) = specs
    if shape is None:
        return [(x.shape, x.dtype)]
    if x.shape is None:
        return [(shape, x.dtype)]
    if not _compatible(x.shape, shape):
        raise InvalidArgumentError(
            f"ensure_shape: Shape of tensor input {_shape_text(x.shape)} is not compatible with "
            f"expected shape {_shape_text(shape)}")
    return [(tuple(a if a is not None else e for a, e in zip(x.shape, shape)), x.dtype)]


def _ensure_ref(x, shape):
    _ensure_infer([rules.ArraySpec(x)], shape)
    return x


# An elementwise identity (it fuses): a compiled plan checks the shape once, when it propagates
# the concrete shapes through this rule.
ENSURE_SHAPE = register("ensure_shape", ELEMENTWISE, _ensure_infer, _ensure_ref,
                        lambda inputs, outputs, dy, shape: (dy,))
ENSURE_SHAPE.scalar = "{0}"


def ensure_shape(x, shape, name=None):
    """x, checked to have a shape compatible with `shape` (None dims match anything); in a
    graph the result has the more specific static shape.

        >>> tf.ensure_shape(tf.zeros((2, 3)), [None, 3]).shape
        TensorShape([2, 3])
    """
    expected = as_shape(shape)
    dims = None if expected.rank is None else expected.dims_tuple()
    return dispatch(ENSURE_SHAPE, (x,), {"shape": dims}, name)


@rules.composite("identity_n")
def identity_n(input, name=None):  # noqa: A002 - TF's name
    """Identities of a list of tensors (one op in TF; one identity each here).

        >>> [t.numpy().tolist() for t in tf.identity_n([tf.constant(1), tf.constant([2.0])])]
        [1, [2.0]]
    """
    return [ew.identity(x) for x in input]
