"""tf.nn.fractional_max_pool and fractional_avg_pool: pooling over regions whose sizes vary
between floor(ratio) and ceil(ratio), drawn at random (Graham, "Fractional Max-Pooling", 2014).

    >>> import graphflow as tf
    >>> out, rows, cols = tf.nn.fractional_max_pool(tf.ones((1, 7, 9, 1)), [1.0, 1.5, 2.0, 1.0],
    ...                                             seed=1)
    >>> out.shape, int(rows[-1]), int(cols[-1])
    (TensorShape([1, 4, 4, 1]), 7, 9)

The region boundaries come from `fractional_pool_sequence`, a random op (TF's random and
pseudo-random sequences, drawn from graphflow's streams, so they differ from TF's numbers);
the pooling over given boundaries (`fractional_max_pool_region`, `fractional_avg_pool_region`)
is deterministic, with TF's gradients: to the first maximum of each region, or spread evenly
over it. With overlapping=True a region also takes the row and column of the next boundary.
"""
import numpy as np

from graphflow import dtypes
from graphflow.errors import InvalidArgumentError, UnimplementedError
from graphflow.ops import rules
from graphflow.ops.registry import OPAQUE, RANDOM, dispatch, register


def _sequence_infer(specs, input_length, output_length, pseudo_random, seed):
    return [((output_length + 1,), dtypes.int64)]


def _sequence_ref(input_length, output_length, pseudo_random, seed):
    from graphflow.ops.random import _generator
    gen = _generator(seed)
    if pseudo_random:  # TF's GeneratePoolingSequencePseudoRandom
        alpha = input_length / output_length
        k = input_length // output_length
        u_max1 = (k + 2) / alpha - 1
        u_max2 = (input_length + 1 - k) / alpha - (output_length - 1)
        u = gen.random() * min(u_max1, u_max2)
        seq = [int(np.ceil(alpha * (i + u))) - 1 for i in range(output_length)]
        seq[0] = 0
        return np.array(seq + [input_length], np.int64)
    k, extra = divmod(input_length, output_length)  # TF's GeneratePoolingSequenceRandom
    diff = np.full(output_length, k, np.int64)
    diff[:extra] += 1
    gen.shuffle(diff)
    return np.concatenate([[0], np.cumsum(diff)]).astype(np.int64)


FRACTIONAL_POOL_SEQUENCE = register("fractional_pool_sequence", RANDOM, _sequence_infer,
                                    _sequence_ref, doc="region boundaries of a fractional pool")


def _region_infer(op):
    def infer(specs, overlapping):
        x, rows, cols = specs
        rules.check_kind(op, x, "fiu" if "max" in op else "f")
        rules.check_kind(op, rows, "iu", 1)
        rules.check_kind(op, cols, "iu", 2)
        if x.shape is not None and len(x.shape) != 4:
            raise InvalidArgumentError(
                f"{op}: value must be 4-dimensional [batch, height, width, channels], got "
                f"shape {rules.fmt(x.shape)}")
        oh = None if rows.shape is None or rows.shape[0] is None else rows.shape[0] - 1
        ow = None if cols.shape is None or cols.shape[0] is None else cols.shape[0] - 1
        if x.shape is None:
            return [(None, x.dtype)]
        return [((x.shape[0], oh, ow, x.shape[3]), x.dtype)]
    return infer


def _regions(op, n, seq, overlapping):
    seq = [int(v) for v in seq]
    if len(seq) < 2 or seq[0] != 0 or seq[-1] != n or any(b <= a for a, b in zip(seq, seq[1:])):
        raise InvalidArgumentError(
            f"{op}: a pooling sequence must rise strictly from 0 to the input size {n}, got "
            f"{seq}")
    return [(a, min(b + 1, n) if overlapping else b) for a, b in zip(seq, seq[1:])]


def _pool(op, x, rows, cols, overlapping, reduce_fn):
    rr = _regions(op, x.shape[1], rows, overlapping)
    cc = _regions(op, x.shape[2], cols, overlapping)
    out = np.empty((x.shape[0], len(rr), len(cc), x.shape[3]), x.dtype)
    for i, (r0, r1) in enumerate(rr):
        for j, (c0, c1) in enumerate(cc):
            out[:, i, j] = reduce_fn(x[:, r0:r1, c0:c1].reshape(x.shape[0], -1, x.shape[3]))
    return out, rr, cc


def _max_ref(x, rows, cols, overlapping):
    _region_infer("fractional_max_pool_region")([rules.ArraySpec(a) for a in (x, rows, cols)],
                                                overlapping)
    return _pool("fractional_max_pool_region", x, rows, cols, overlapping, lambda r: r.max(1))[0]


def _avg_ref(x, rows, cols, overlapping):
    _region_infer("fractional_avg_pool_region")([rules.ArraySpec(a) for a in (x, rows, cols)],
                                                overlapping)
    return _pool("fractional_avg_pool_region", x, rows, cols, overlapping,
                 lambda r: r.mean(1))[0].astype(x.dtype)


def _max_grad_ref(x, rows, cols, dy, overlapping):
    op = "fractional_max_pool_grad"
    rr, cc = _regions(op, x.shape[1], rows, overlapping), _regions(op, x.shape[2], cols,
                                                                     overlapping)
    out = np.zeros(x.shape, dy.dtype)
    b_idx, c_idx = np.meshgrid(np.arange(x.shape[0]), np.arange(x.shape[3]), indexing="ij")
    for i, (r0, r1) in enumerate(rr):
        for j, (c0, c1) in enumerate(cc):
            region = x[:, r0:r1, c0:c1]
            flat = region.reshape(x.shape[0], -1, x.shape[3])
            first = flat.argmax(1)  # the first maximum, row by row
            ri, ci = np.divmod(first, c1 - c0)
            np.add.at(out, (b_idx, r0 + ri, c0 + ci, c_idx), dy[:, i, j])
    return out


def _avg_grad_ref(x, rows, cols, dy, overlapping):
    op = "fractional_avg_pool_grad"
    rr, cc = _regions(op, x.shape[1], rows, overlapping), _regions(op, x.shape[2], cols,
                                                                     overlapping)
    out = np.zeros(x.shape, dy.dtype)
    for i, (r0, r1) in enumerate(rr):
        for j, (c0, c1) in enumerate(cc):
            out[:, r0:r1, c0:c1] += dy[:, i, j][:, None, None, :] / ((r1 - r0) * (c1 - c0))
    return out


def _grad_infer(op):
    def infer(specs, overlapping):
        rules.check_kind(op, specs[0], "fiu" if "max" in op else "f", 0)
        rules.check_kind(op, specs[1], "iu", 1)
        rules.check_kind(op, specs[2], "iu", 2)
        rules.check_kind(op, specs[3], "f", 3)
        return [(specs[0].shape, specs[3].dtype)]
    return infer


def _checked_grad(op, ref):
    def checked(x, rows, cols, dy, overlapping):
        _grad_infer(op)([rules.ArraySpec(a) for a in (x, rows, cols, dy)], overlapping)
        return ref(x, rows, cols, dy, overlapping)
    return checked


FRACTIONAL_MAX_POOL_GRAD = register(
    "fractional_max_pool_grad", OPAQUE, _grad_infer("fractional_max_pool_grad"),
    _checked_grad("fractional_max_pool_grad", _max_grad_ref),
    doc="dy to each region's first maximum")
FRACTIONAL_AVG_POOL_GRAD = register(
    "fractional_avg_pool_grad", OPAQUE, _grad_infer("fractional_avg_pool_grad"),
    _checked_grad("fractional_avg_pool_grad", _avg_grad_ref), doc="dy spread evenly over each region")


def _region_grad(grad_op):
    def grad(inputs, outputs, dy, overlapping):
        x, rows, cols = inputs
        return (dispatch(grad_op, (x, rows, cols, dy), {"overlapping": overlapping}), None, None)
    return grad


FRACTIONAL_MAX_POOL_REGION = register(
    "fractional_max_pool_region", OPAQUE, _region_infer("fractional_max_pool_region"), _max_ref,
    _region_grad(FRACTIONAL_MAX_POOL_GRAD), doc="max over the regions between boundaries")
FRACTIONAL_AVG_POOL_REGION = register(
    "fractional_avg_pool_region", OPAQUE, _region_infer("fractional_avg_pool_region"), _avg_ref,
    _region_grad(FRACTIONAL_AVG_POOL_GRAD), doc="mean over the regions between boundaries")


def _fractional(op, region_op, value, pooling_ratio, pseudo_random, overlapping, seed, name):
    from graphflow.ops.creation import convert_to_tensor
    from graphflow.ops.random import _seed_key
    value = convert_to_tensor(value, name="value")
    ratio = [float(r) for r in pooling_ratio]
    if len(ratio) != 4:
        raise InvalidArgumentError(
            f"{op}: pooling_ratio must have 4 elements (one per NHWC dimension), got "
            f"{pooling_ratio!r}")
    if ratio[0] != 1.0 or ratio[3] != 1.0:
        raise UnimplementedError(
            f"{op}: Fractional pooling is not yet supported on the batch nor channel dimension "
            f"(pooling_ratio {pooling_ratio})")
    if value.shape.rank != 4 or None in value.shape.as_list()[1:3]:
        raise InvalidArgumentError(
            f"{op}: value must be 4-dimensional with static height and width, got shape "
            f"{value.shape}")
    seqs = []
    for axis in (1, 2):
        n = value.shape[axis]
        if ratio[axis] < 1.0:
            raise InvalidArgumentError(f"{op}: pooling_ratio must be >= 1, got {pooling_ratio}")
        out = int(n / ratio[axis])
        if out <= 0:
            raise InvalidArgumentError(
                f"{op}: the pooled size of dimension {axis} ({n} / {ratio[axis]}) must be "
                f"positive")
        seqs.append(dispatch(FRACTIONAL_POOL_SEQUENCE, (), {
            "input_length": int(n), "output_length": out, "pseudo_random": bool(pseudo_random),
            "seed": _seed_key(seed if seed else None)}))
    pooled = dispatch(region_op, (value, seqs[0], seqs[1]), {"overlapping": bool(overlapping)},
                      name)
    return pooled, seqs[0], seqs[1]


def fractional_max_pool(value, pooling_ratio, pseudo_random=False, overlapping=False, seed=0,
                        name=None):
    """Max pooling over random regions of NHWC images: (output, row_pooling_sequence,
    col_pooling_sequence), each output size floor(input / ratio).

        >>> x = tf.reshape(tf.range(16.0), (1, 4, 4, 1))
        >>> out, rows, cols = tf.nn.fractional_max_pool(x, [1.0, 2.0, 2.0, 1.0])
        >>> out.numpy().ravel().tolist()    # ratio 2 divides 4: the regions are 2 x 2
        [5.0, 7.0, 13.0, 15.0]
    """
    return _fractional("fractional_max_pool", FRACTIONAL_MAX_POOL_REGION, value, pooling_ratio,
                       pseudo_random, overlapping, seed, name)


def fractional_avg_pool(value, pooling_ratio, pseudo_random=False, overlapping=False, seed=0,
                        name=None):
    """Average pooling over random regions (see fractional_max_pool).

        >>> x = tf.reshape(tf.range(16.0), (1, 4, 4, 1))
        >>> tf.nn.fractional_avg_pool(x, [1.0, 2.0, 2.0, 1.0])[0].numpy().ravel().tolist()
        [2.5, 4.5, 10.5, 12.5]
    """
    return _fractional("fractional_avg_pool", FRACTIONAL_AVG_POOL_REGION, value, pooling_ratio,
                       pseudo_random, overlapping, seed, name)
