"""More of TF's array ops, as composites of registry ops (so they have gradients, fuse and run
in every mode): reverse_sequence, space_to_batch_nd / batch_to_space_nd (and their TF2 names
space_to_batch / batch_to_space), shape_n, histogram_fixed_width_bins and realdiv.

    >>> import graphflow as tf
    >>> tf.reverse_sequence([[1, 2, 3], [4, 5, 6]], [2, 3], seq_axis=1, batch_axis=0).numpy()
    array([[2, 1, 3],
           [6, 5, 4]], dtype=int32)
    >>> tf.space_to_batch_nd(tf.ones((1, 4, 4, 1)), [2, 2], [[0, 0], [0, 0]]).shape
    TensorShape([4, 2, 2, 1])
"""
import numpy as np

from graphflow import dtypes
from graphflow.errors import InvalidArgumentError, NotFoundError
from graphflow.ops import elementwise as ew
from graphflow.ops import rules
from graphflow.ops import shape as sh
from graphflow.ops.creation import convert_to_tensor, range as range_
from graphflow.ops.static import constant_value


def _static_ints(value, what, op_name, ndim):
    """A constant integer array argument (block shapes, paddings, crops) of `ndim` dims."""
    known = constant_value(value)
    if known is None:
        raise InvalidArgumentError(f"{op_name}: {what} must be a constant, got {value!r:.80}")
    array = np.asarray(known)
    if array.dtype.kind not in "iu" or array.ndim != ndim:
        raise InvalidArgumentError(f"{op_name}: {what} must be a {ndim}-D integer array, got "
                                   f"{array.tolist()!r}")
    return array.astype(np.int64)


def _known_shape(x, op_name):
    dims = x.shape.dims_tuple()
    if dims is None or any(d is None for d in dims):
        raise InvalidArgumentError(f"{op_name}: the input's shape must be known, got {x.shape}")
    return list(dims)


@rules.composite("reverse_sequence")
def reverse_sequence(input, seq_lengths, seq_axis=None, batch_axis=None, name=None):  # noqa: A002
    """Reverses the first seq_lengths[b] entries along `seq_axis` of each slice b along
    `batch_axis`; the rest stay in place. seq_lengths[b] must not exceed the axis' length.

        >>> tf.reverse_sequence(tf.constant([[1, 2, 3, 4]]), [3], seq_axis=1).numpy()
        array([[3, 2, 1, 4]], dtype=int32)
    """
    x = convert_to_tensor(input, name="input")
    lengths = convert_to_tensor(seq_lengths, name="seq_lengths")
    if lengths.dtype.name not in ("int32", "int64"):
        raise InvalidArgumentError(f"seq_lengths must be int32 or int64, got {lengths.dtype.name}")
    rank = x.shape.rank
    if seq_axis is None:
        raise InvalidArgumentError("seq_axis is required")
    batch_axis = 0 if batch_axis is None else batch_axis
    if rank is None:
        raise InvalidArgumentError(f"the input's rank must be known, got {x.shape}")
    seq_axis, batch_axis = seq_axis % rank, batch_axis % rank
    if seq_axis == batch_axis:
        raise InvalidArgumentError(f"seq_axis == batch_axis == {seq_axis}")
    if lengths.shape.rank != 1:
        raise InvalidArgumentError(f"seq_lengths must be a vector, got shape {lengths.shape}")
    # move the batch axis first and the sequence axis second, gather, and move them back
    order = [batch_axis, seq_axis] + [a for a in range(rank) if a not in (batch_axis, seq_axis)]
    moved = sh.transpose(x, order)
    known, size = constant_value(lengths), x.shape.dims_tuple()[seq_axis]
    if known is not None and size is not None and (np.asarray(known) > size).any():
        b = int(np.argmax(np.asarray(known) > size))
        raise InvalidArgumentError(f"seq_lens({b}) > input.dims({seq_axis}): {int(known[b])} > "
                                   f"{size}")  # (unknown values: gather rejects the index)
    steps = sh.shape(moved, out_type=lengths.dtype)[1]
    t = range_(steps, dtype=lengths.dtype)
    ends = sh.expand_dims(lengths, 1)
    index = ew.where(ew.less(t, ends), ends - 1 - t, t + ew.zeros_like(ends))
    gathered = sh.gather(moved, index, axis=1, batch_dims=1)
    return sh.transpose(gathered, list(np.argsort(order)), name=name)


def _space_to_batch_parts(x, block_shape, paddings, op_name):
    block = _static_ints(block_shape, "block_shape", op_name, 1)
    pads = _static_ints(paddings, "paddings", op_name, 2)
    m = len(block)
    if pads.shape != (m, 2):
        raise InvalidArgumentError(f"{op_name}: paddings must have shape [{m}, 2], got "
                                   f"{list(pads.shape)}")
    if (block < 1).any() or (pads < 0).any():
        raise InvalidArgumentError(f"{op_name}: block_shape must be positive and paddings "
                                   f"non-negative, got {block.tolist()} and {pads.tolist()}")
    dims = _known_shape(x, op_name)
    if len(dims) < m + 1:
        raise InvalidArgumentError(f"{op_name}: the input must have at least {m + 1} dims, got "
                                   f"shape {dims}")
    return block, pads, dims, m


@rules.composite("space_to_batch_nd")
def space_to_batch_nd(input, block_shape, paddings, name=None):  # noqa: A002
    """Zero-pads the M spatial axes after the batch axis, splits each into blocks of
    block_shape[i], and moves the block offsets into the batch axis (block offsets major).

        >>> x = tf.reshape(tf.range(4.0), (1, 2, 2, 1))
        >>> tf.space_to_batch_nd(x, [2, 2], [[0, 0], [0, 0]])[:, 0, 0, 0].numpy()
        array([0., 1., 2., 3.], dtype=float32)
    """
    op = "space_to_batch_nd"
    x = convert_to_tensor(input, name="input")
    block, pads, dims, m = _space_to_batch_parts(x, block_shape, paddings, op)
    padded = [dims[1 + i] + int(pads[i].sum()) for i in range(m)]
    for i in range(m):
        if padded[i] % block[i]:
            raise InvalidArgumentError(f"{op}: padded_shape[{i}]={padded[i]} is not divisible by "
                                       f"block_shape[{i}]={block[i]}")
    rest = dims[1 + m:]
    full = [[0, 0]] + pads.tolist() + [[0, 0]] * len(rest)
    y = sh.pad(x, full) if pads.any() else x
    split = [dims[0]]
    for i in range(m):
        split += [padded[i] // int(block[i]), int(block[i])]
    y = sh.reshape(y, split + rest)
    order = [2 + 2 * i for i in range(m)] + [0] + [1 + 2 * i for i in range(m)] + \
        list(range(1 + 2 * m, 1 + 2 * m + len(rest)))
    y = sh.transpose(y, order)
    out = [dims[0] * int(np.prod(block))] + [padded[i] // int(block[i]) for i in range(m)] + rest
    return sh.reshape(y, out, name=name)


@rules.composite("batch_to_space_nd")
def batch_to_space_nd(input, block_shape, crops, name=None):  # noqa: A002
    """The inverse of space_to_batch_nd: the batch axis' block offsets go back into the M
    spatial axes, which are then cropped by crops[i] = [start, end].

        >>> tf.batch_to_space_nd(tf.ones((4, 1, 1, 1)), [2, 2], [[0, 0], [0, 1]]).shape
        TensorShape([1, 2, 1, 1])
    """
    op = "batch_to_space_nd"
    x = convert_to_tensor(input, name="input")
    block, crop, dims, m = _space_to_batch_parts(x, block_shape, crops, op)
    blocks = int(np.prod(block))
    if dims[0] % blocks:
        raise InvalidArgumentError(f"{op}: Input batch dimension ({dims[0]}) is not divisible by "
                                   f"product of block sizes ({blocks})")
    batch, spatial, rest = dims[0] // blocks, dims[1:1 + m], dims[1 + m:]
    for i in range(m):
        if crop[i].sum() > spatial[i] * block[i]:
            raise InvalidArgumentError(f"{op}: crops must not exceed the block-expanded size "
                                       f"{spatial[i] * block[i]} of axis {i + 1}, got "
                                       f"{crop[i].tolist()}")
    y = sh.reshape(x, [int(b) for b in block] + [batch] + spatial + rest)
    order = [m]
    for i in range(m):
        order += [m + 1 + i, i]
    order += list(range(2 * m + 1, 2 * m + 1 + len(rest)))
    y = sh.transpose(y, order)
    y = sh.reshape(y, [batch] + [spatial[i] * int(block[i]) for i in range(m)] + rest)
    if crop.any():
        begin = [0] + [int(c[0]) for c in crop] + [0] * len(rest)
        size = [batch] + [spatial[i] * int(block[i]) - int(crop[i].sum()) for i in range(m)] + rest
        y = sh.slice(y, begin, size)
    return sh.identity(y, name=name) if name else y


def space_to_batch(input, block_shape, paddings, name=None):  # noqa: A002
    """TF2's name for space_to_batch_nd."""
    return space_to_batch_nd(input, block_shape, paddings, name)


def batch_to_space(input, block_shape, crops, name=None):  # noqa: A002
    """TF2's name for batch_to_space_nd."""
    return batch_to_space_nd(input, block_shape, crops, name)


def shape_n(input, out_type=dtypes.int32, name=None):  # noqa: A002
    """The shapes of a list of tensors.

        >>> [s.numpy().tolist() for s in tf.shape_n([tf.ones((2, 3)), tf.ones((4,))])]
        [[2, 3], [4]]
    """
    return [sh.shape(x, out_type=out_type) for x in input]


@rules.composite("histogram_fixed_width_bins")
def histogram_fixed_width_bins(values, value_range, nbins=100, dtype=dtypes.int32, name=None):
    """The bin index of each value for nbins equal-width bins over value_range = [lo, hi]
    (values below lo in bin 0, from hi on in the last), in the values' shape.

        >>> tf.histogram_fixed_width_bins([-1.0, 0.0, 1.5, 2.0, 5.0, 15.0], [0.0, 5.0],
        ...                               nbins=5).numpy()
        array([0, 0, 1, 2, 4, 4], dtype=int32)
    """
    x = convert_to_tensor(values, name="values")
    if not (x.dtype.is_floating or x.dtype.is_integer):
        raise InvalidArgumentError(f"values must be numeric, got {x.dtype.name}")
    bounds = ew.cast(convert_to_tensor(value_range, dtype_hint=x.dtype), x.dtype)
    work = x.dtype if x.dtype.is_floating else dtypes.float64
    x, bounds = ew.cast(x, work), ew.cast(bounds, work)
    count = ew.cast(convert_to_tensor(nbins), work)
    scaled = (x - bounds[0]) / (bounds[1] - bounds[0])
    index = ew.clip_by_value(ew.floor(count * scaled), 0.0, count - 1.0)
    return ew.cast(index, dtypes.as_dtype(dtype), name)


def realdiv(x, y, name=None):
    """x / y for floating-point tensors (TF's RealDiv has no CPU kernel for integers).

        >>> float(tf.realdiv(3.0, 2.0))
        1.5
    """
    x = convert_to_tensor(x, name="x")
    y = convert_to_tensor(y, name="y", dtype_hint=x.dtype)
    if not x.dtype.is_floating:
        raise NotFoundError(f"realdiv: no kernel for {x.dtype.name} (floating-point dtypes only; "
                            f"use tf.math.truediv or tf.math.floordiv)")
    return ew.truediv(x, y, name)
