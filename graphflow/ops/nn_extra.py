"""More of tf.nn, as composites of existing primitives (so gradients and fusion come with them):
1-D convolution and pooling as their 2-D versions over a unit height axis, the transposed
convolutions as conv2d_backprop_input, batch_normalization, local_response_normalization and
weighted_cross_entropy_with_logits.

    >>> import graphflow as tf
    >>> tf.nn.conv1d(tf.ones((2, 7, 3)), tf.ones((3, 3, 4)), stride=2, padding="SAME").shape
    TensorShape([2, 4, 4])
    >>> tf.nn.conv2d_transpose(tf.ones((1, 4, 4, 3)), tf.ones((3, 3, 2, 3)), [1, 8, 8, 2],
    ...                        strides=2).shape
    TensorShape([1, 8, 8, 2])
"""
import numpy as np

from graphflow.errors import InvalidArgumentError, InvalidTypeError, UnimplementedError
from graphflow.ops import conv
from graphflow.ops import elementwise as ew
from graphflow.ops import rules
from graphflow.ops import shape as sh
from graphflow.ops.registry import dispatch


def _tensor(x, name):
    from graphflow.ops.creation import convert_to_tensor
    return convert_to_tensor(x, name=name)


def _width(op, what, value):
    """An int, [v] or [1, v, 1] as one positive int (TF's 1-D ksize/stride forms)."""
    if hasattr(value, "numpy"):
        value = value.numpy()
    if isinstance(value, np.ndarray):
        value = value.tolist()
    items = [value] if isinstance(value, (int, np.integer)) else value
    try:
        items = [int(v) for v in items]
    except (TypeError, ValueError):
        items = None
    if items is None or len(items) not in (1, 3) or (len(items) == 3 and (
            items[0] != 1 or items[2] != 1)) or min(items) < 1:
        raise InvalidArgumentError(
            f"{op}: {what} must be a positive int, [{what}] or [1, {what}, 1], got {value!r}")
    return items[0] if len(items) == 1 else items[1]


def _nwc(op, data_format):
    conv.check_channels_last(op, data_format, "NWC", "NCW",
                             "graphflow's 1-D inputs are NWC (batch, width, channels)")


def _rank3(op, what, x):
    if x.shape.rank is not None and x.shape.rank != 3:
        layout = "(width, in_channels, out_channels)" if what == "filters" else \
            "NWC (batch, width, channels)"
        raise InvalidArgumentError(
            f"{op}: {what} must have rank 3, {layout}, but has shape {x.shape}")


def _dilation1d(op, dilations):
    """TF's 1-D `dilations` (None, an int, [d] or [1, d, 1]) as the 2-D ops' (1, d)."""
    return (1, 1) if dilations is None else (1, _width(op, "dilations", dilations))


# ---------------------------------------------------------------------------------------------
# 1-D convolution and pooling: the 2-D ops over a height of 1


@rules.composite("conv1d")
def conv1d(input, filters, stride, padding, data_format="NWC", dilations=None,  # noqa: A002
           name=None):
    """1-D convolution (cross-correlation) of NWC `input` with `filters` shaped
    (width, in_channels, out_channels); `stride` and `dilations` are ints, [s] or [1, s, 1].
    As conv2d, filters with fewer in_channels than the input make a grouped convolution.

        >>> tf.nn.conv1d(tf.ones((1, 5, 1)), tf.ones((3, 1, 1)), 1, "VALID").numpy()[0, :, 0]
        array([3., 3., 3.], dtype=float32)
        >>> tf.nn.conv1d(tf.ones((1, 5, 1)), tf.ones((2, 1, 1)), 1, "VALID",
        ...              dilations=3).numpy()[0, :, 0]
        array([2., 2.], dtype=float32)
    """
    op = "conv1d"
    _nwc(op, data_format)
    dilations = _dilation1d(op, dilations)
    x, w = _tensor(input, "input"), _tensor(filters, "filters")
    _rank3(op, "input", x)
    _rank3(op, "filters", w)
    out = conv.conv2d(sh.expand_dims(x, 1), sh.expand_dims(w, 0),
                      (1, _width(op, "stride", stride)), padding, dilations=dilations)
    return sh.squeeze(out, [1], name)


def _pool1d(pool, op, input, ksize, strides, padding, data_format, name):  # noqa: A002
    _nwc(op, data_format)
    x = _tensor(input, "input")
    _rank3(op, "input", x)
    out = pool(sh.expand_dims(x, 1), (1, _width(op, "ksize", ksize)),
               (1, _width(op, "strides", strides)), padding)
    return sh.squeeze(out, [1], name)


@rules.composite("max_pool1d")
def max_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):  # noqa: A002
    """The maximum of each window of NWC `input`; ksize and strides are ints, [k] or [1, k, 1].

        >>> tf.nn.max_pool1d(tf.reshape(tf.range(6.0), (1, 6, 1)), 2, 2, "VALID").numpy()[0, :, 0]
        array([1., 3., 5.], dtype=float32)
    """
    return _pool1d(conv.max_pool2d, "max_pool1d", input, ksize, strides, padding, data_format,
                   name)


@rules.composite("avg_pool1d")
def avg_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):  # noqa: A002
    """The mean of each window of NWC `input` (over its non-padding elements with "SAME").

        >>> tf.nn.avg_pool1d(tf.reshape(tf.range(6.0), (1, 6, 1)), 2, 2, "VALID").numpy()[0, :, 0]
        array([0.5, 2.5, 4.5], dtype=float32)
    """
    return _pool1d(conv.avg_pool2d, "avg_pool1d", input, ksize, strides, padding, data_format,
                   name)


# ---------------------------------------------------------------------------------------------
# 3-D convolution: a sum over the filter's depth taps of conv2d over depth slices


def _five(op, what, value):
    """TF's conv3d `strides`/`dilations`: a list of 5 ints [1, d, h, w, 1] -> (d, h, w)."""
    if hasattr(value, "numpy"):
        value = value.numpy()
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if not isinstance(value, (list, tuple)):
        raise InvalidTypeError(f"{op}: {what} must be a list of 5 ints [1, {what}_depth, "
                               f"{what}_height, {what}_width, 1], got {value!r}")
    if len(value) != 5 or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                                  for v in value):
        raise InvalidArgumentError(f"{op}: {what} must be a list of 5 ints, got {value!r}")
    if min(value) < 1:
        raise InvalidArgumentError(f"{op}: {what} must be positive, got {list(value)}")
    if value[0] != 1 or value[4] != 1:
        error = UnimplementedError if what == "strides" else InvalidArgumentError
        raise error(f"{op}: {what} {list(value)} move along the batch or channel axis; only "
                    f"[1, d, h, w, 1] is supported (NDHWC)")
    return tuple(int(v) for v in value[1:4])


def _triple(op, what, value):
    """An int or 3 ints (tf.nn.convolution's 3-D strides and dilations) as a triple."""
    if hasattr(value, "numpy"):
        value = value.numpy()
    items = [value] * 3 if isinstance(value, (int, np.integer)) else list(np.asarray(value).ravel())
    if len(items) == 1:
        items = items * 3
    if len(items) != 3 or not all(isinstance(v, (int, np.integer)) for v in items) or \
            min(items) < 1:
        raise InvalidArgumentError(f"{op}: {what} must be a positive int or 3 of them, got "
                                   f"{value!r}")
    return tuple(int(v) for v in items)


@rules.composite("conv3d")
def conv3d(input, filters, strides, padding, data_format="NDHWC", dilations=None,  # noqa: A002
           name=None):
    """3-D convolution of NDHWC `input` with `filters` shaped (kd, kh, kw, in_channels,
    out_channels); `strides` and `dilations` are lists of 5 ints [1, d, h, w, 1] as in TF. As
    conv2d, filters with fewer in_channels than the input make a grouped convolution.

        >>> tf.nn.conv3d(tf.ones((1, 4, 5, 5, 2)), tf.ones((2, 3, 3, 2, 3)), [1, 1, 1, 1, 1],
        ...              "VALID").shape
        TensorShape([1, 3, 3, 3, 3])

    It is the sum over the filter's kd depth taps of conv2d (with the height and width strides
    and dilations) over the matching depth slices of the input, all output depths at once, so
    conv2d's kernels and gradients serve it. The depth, height, width and channels must be known
    when the graph is built.
    """
    op = "conv3d"
    conv.check_channels_last(op, data_format, "NDHWC", "NCDHW", "graphflow's 3-D inputs are NDHWC")
    sd, sh_, sw = _five(op, "strides", strides)
    dd, dh, dw = (1, 1, 1) if dilations is None else _five(op, "dilations", dilations)
    padding = conv._padding(op, padding)
    x, w = _tensor(input, "input"), _tensor(filters, "filters")
    for what, t, layout in (("input", x, "NDHWC (batch, depth, height, width, channels)"),
                            ("filters", w, "(kd, kh, kw, in_channels, out_channels)")):
        if t.shape.rank is not None and t.shape.rank != 5:
            raise InvalidArgumentError(
                f"{op}: {what} must have rank 5, {layout}, but has shape {t.shape}")
    dims, wdims = x.shape.dims, w.shape.dims
    if dims is None or any(d is None for d in dims[1:]) or wdims is None or wdims[0] is None:
        raise UnimplementedError(
            f"{op}: needs known depth, height, width and channels and a known filter depth, got "
            f"input shape {x.shape} and filters shape {w.shape}")
    _, depth, height, width, channels = dims
    kd = wdims[0]
    if len(wdims) == 5:  # name the 5-D shapes (conv2d's rule would see the depth slices')
        conv.groups_of(op, channels, wdims[3], wdims[4],
                       (("input", tuple(dims)), ("filters", tuple(wdims))))
    span = conv.effective_size(kd, dd)
    if padding == "VALID" and span > depth:
        raise InvalidArgumentError(
            f"{op}: the window (depth {kd}{f' dilated by {dd} spans {span}' if dd > 1 else ''}) "
            f"is larger than the input (depth {depth}) with padding 'VALID'; input shape "
            f"{x.shape}, filters shape {w.shape}")
    out_depth, before, after = conv._pads(depth, span, sd, padding)
    if before or after:
        x = sh.pad(x, [[0, 0], [before, after], [0, 0], [0, 0], [0, 0]])
    batch = dims[0] if dims[0] is not None else sh.shape(x)[0]
    images = None
    for k in range(kd):
        start = k * dd
        stop = start + (out_depth - 1) * sd + 1 if out_depth else start
        taps = x[:, start:stop:sd]  # (N, out_depth, H, W, C)
        y = conv.conv2d(sh.reshape(taps, [-1, height, width, channels]), w[k], (sh_, sw),
                        padding, dilations=(dh, dw))
        images = y if images is None else images + y
    _, out_h, out_w, out_c = images.shape.dims
    if isinstance(batch, int):
        return sh.reshape(images, [batch, out_depth, out_h, out_w, out_c], name)
    return sh.reshape(images, sh.stack([batch, out_depth, out_h, out_w, out_c]), name)


# ---------------------------------------------------------------------------------------------
# Transposed convolutions: conv2d's gradient with respect to its input


def _output_shape(op, output_shape, rank):
    if hasattr(output_shape, "node"):
        raise UnimplementedError(f"{op}: output_shape must be known while building the graph "
                                 "(a runtime shape tensor is not supported)")
    if hasattr(output_shape, "numpy"):
        output_shape = output_shape.numpy()
    try:
        shape = tuple(int(d) for d in np.asarray(output_shape).reshape(-1))
    except (TypeError, ValueError):
        raise InvalidArgumentError(
            f"{op}: output_shape must be a list of {rank} ints, got {output_shape!r}") from None
    if len(shape) != rank or min(shape, default=0) < 0:
        raise InvalidArgumentError(
            f"{op}: output_shape must be {rank} non-negative ints, got {list(shape)}")
    return shape


@rules.composite("conv2d_transpose")
def conv2d_transpose(input, filters, output_shape, strides, padding="SAME",  # noqa: A002
                     data_format="NHWC", dilations=None, name=None):
    """The transposed convolution (conv2d's gradient with respect to its input): NHWC `input`,
    `filters` shaped (kh, kw, out_channels, in_channels), and the NHWC `output_shape` whose
    conv2d with these strides, padding and dilations has input's shape (strides and dilations
    may both exceed 1, as in TF's Conv2DBackpropInput).

        >>> y = tf.nn.conv2d_transpose(tf.ones((1, 2, 2, 1)), tf.ones((2, 2, 1, 1)),
        ...                            [1, 4, 4, 1], strides=2, padding="VALID")
        >>> y.numpy()[0, :, :, 0]
        array([[1., 1., 1., 1.],
               [1., 1., 1., 1.],
               [1., 1., 1., 1.],
               [1., 1., 1., 1.]], dtype=float32)
    """
    from graphflow.ops.creation import zeros
    op = "conv2d_transpose"
    conv._data_format(op, data_format)
    x, w = _tensor(input, "input"), _tensor(filters, "filters")
    shape = _output_shape(op, output_shape, 4)
    attrs = {"strides": conv._pair(op, "strides", strides), "padding": conv._padding(op, padding),
             "dilations": conv.dilations_pair(op, dilations)}
    _check_transpose_shapes(op, x, w, shape, attrs)
    like = zeros(shape, dtype=x.dtype)  # lends its shape (conv2d_backprop_input's `like` input)
    return dispatch(conv.CONV2D_BACKPROP_INPUT, (x, w, like), attrs, name)


def _check_transpose_shapes(op, x, w, shape, attrs):
    """The forward conv2d of an output_shape tensor must have input's shape: say so by name."""
    ws = w.shape.dims
    if ws is None or len(ws) != 4 or x.shape.rank != 4:
        return  # conv2d_backprop_input's rule names the rank problem
    kh, kw, out_c, in_c = ws
    if out_c is not None and (out_c == 0 or shape[3] % out_c) and out_c != shape[3]:
        raise InvalidArgumentError(
            f"{op}: output_shape {list(shape)} has {shape[3]} channels but filters of shape "
            f"{tuple(ws)} make {out_c} (filters are (kh, kw, out_channels, in_channels); a "
            f"grouped transpose needs a multiple of out_channels)")
    expected = [shape[0]] + [
        conv._out_size(shape[1 + i], conv.effective_size(k, attrs["dilations"][i]),
                       attrs["strides"][i], attrs["padding"])
        for i, k in enumerate((kh, kw))] + [in_c]
    got = x.shape.as_list()
    if any(e is not None and g is not None and e != g for e, g in zip(expected, got)):
        raise InvalidArgumentError(
            f"{op}: input shape {tuple(got)} does not match output_shape {list(shape)}: a conv2d "
            f"of that shape with strides {attrs['strides']}, dilations {attrs['dilations']} and "
            f"padding {attrs['padding']!r} gives {tuple(expected)}")


@rules.composite("conv1d_transpose")
def conv1d_transpose(input, filters, output_shape, strides, padding="SAME",  # noqa: A002
                     data_format="NWC", dilations=None, name=None):
    """The transposed 1-D convolution: NWC `input`, `filters` shaped (width, out_channels,
    in_channels) and the NWC `output_shape`.

        >>> tf.nn.conv1d_transpose(tf.ones((2, 7, 3)), tf.ones((3, 5, 3)), [2, 14, 5], 2).shape
        TensorShape([2, 14, 5])
    """
    op = "conv1d_transpose"
    _nwc(op, data_format)
    x, w = _tensor(input, "input"), _tensor(filters, "filters")
    _rank3(op, "input", x)
    _rank3(op, "filters", w)
    n, width, c = _output_shape(op, output_shape, 3)
    out = conv2d_transpose(sh.expand_dims(x, 1), sh.expand_dims(w, 0), [n, 1, width, c],
                           (1, _width(op, "strides", strides)), padding,
                           dilations=_dilation1d(op, dilations))
    return sh.squeeze(out, [1], name)


# ---------------------------------------------------------------------------------------------
# Normalization and losses


@rules.composite("batch_normalization")
def batch_normalization(x, mean, variance, offset, scale, variance_epsilon, name=None):
    """(x - mean) / sqrt(variance + variance_epsilon) * scale + offset (scale and offset may be
    None), with TF's formula x * inv + (offset - mean * inv), inv = scale / sqrt(var + eps).

        >>> tf.nn.batch_normalization(tf.constant([1.0, 3.0]), 2.0, 1.0, 0.0, 1.0, 0.0).numpy()
        array([-1.,  1.], dtype=float32)
    """
    x = _tensor(x, "x")
    inv = ew.rsqrt(ew.add(variance, variance_epsilon))
    if scale is not None:
        inv = inv * scale
    inv = ew.cast(inv, x.dtype)
    shift = ew.negative(ew.cast(mean, x.dtype) * inv)
    if offset is not None:
        shift = ew.cast(offset, x.dtype) + shift
    return ew.add(x * inv, shift, name)


@rules.composite("local_response_normalization")
def local_response_normalization(input, depth_radius=5, bias=1.0, alpha=1.0, beta=0.5,  # noqa: A002
                                 name=None):
    """input / (bias + alpha * sqr_sum) ** beta, where sqr_sum sums the squares of the channels
    within depth_radius of each channel (4-D NHWC input, as TF).

        >>> tf.nn.local_response_normalization(tf.ones((1, 1, 1, 3)), depth_radius=1,
        ...                                    bias=0.0, alpha=1.0, beta=1.0).numpy()[0, 0, 0]
        array([0.5       , 0.33333334, 0.5       ], dtype=float32)
    """
    op = "local_response_normalization"
    x = _tensor(input, "input")
    if x.shape.rank != 4:
        raise InvalidArgumentError(f"{op}: input must be 4-dimensional (NHWC), got shape {x.shape}")
    if not x.dtype.is_floating:
        raise InvalidArgumentError(f"{op}: input must be floating-point, got {x.dtype.name}")
    r = int(depth_radius)
    if r < 0:
        raise InvalidArgumentError(f"{op}: depth_radius must be >= 0, got {depth_radius}")
    depth = x.shape[3]
    if depth is None:
        raise UnimplementedError(f"{op}: needs a known number of channels, got shape {x.shape}")
    # sqr_sum[..., d] = sum of squares over channels d - r .. d + r: 2r + 1 shifted windows of
    # the zero-padded squares (r is small in practice: AlexNet's is 2, TF's default 5).
    padded = sh.pad(ew.square(x), [[0, 0], [0, 0], [0, 0], [r, r]])
    sqr_sum = ew.add_n([padded[:, :, :, k:k + depth] for k in range(2 * r + 1)])
    return ew.truediv(x, ew.pow(bias + alpha * sqr_sum, float(beta)), name)


lrn = local_response_normalization


@rules.composite("weighted_cross_entropy_with_logits")
def weighted_cross_entropy_with_logits(labels, logits, pos_weight, name=None):
    """The logistic loss with positive examples weighted by pos_weight:
    (1 - z) x + (1 + (q - 1) z) log(1 + exp(-x)), computed without overflow (TF's formula).

        >>> round(float(tf.nn.weighted_cross_entropy_with_logits(1.0, 0.0, 3.0)), 5)
        2.07944
    """
    op = "weighted_cross_entropy_with_logits"
    logits = _tensor(logits, "logits")
    labels = ew.cast(_tensor(labels, "labels"), logits.dtype)
    ls, gs = labels.shape, logits.shape
    if ls.is_fully_defined() and gs.is_fully_defined() and ls != gs:
        raise InvalidArgumentError(
            f"{op}: logits and labels must have the same shape, got {gs} and {ls}")
    log_weight = 1.0 + (ew.cast(pos_weight, logits.dtype) - 1.0) * labels
    softplus_neg = ew.log1p(ew.exp(-ew.abs(logits))) + ew.relu(ew.negative(logits))
    return ew.add((1.0 - labels) * logits, log_weight * softplus_neg, name)



# ---------------------------------------------------------------------------------------------
# Small composites of tf.nn


@rules.composite("crelu")
def crelu(features, axis=-1, name=None):
    """concat([relu(x), relu(-x)], axis): the concatenated ReLU.

        >>> tf.nn.crelu(tf.constant([[1.0, -2.0]])).numpy()
        array([[1., 0., 0., 2.]], dtype=float32)
    """
    x = _tensor(features, "features")
    return sh.concat([ew.relu(x), ew.relu(ew.negative(x))], axis, name)


@rules.composite("log_poisson_loss")
def log_poisson_loss(targets, log_input, compute_full_loss=False, name=None):
    """exp(log_input) - log_input * targets, plus Stirling's approximation of log(targets!) for
    targets > 1 when compute_full_loss (TF's formula).

        >>> round(float(tf.nn.log_poisson_loss(tf.constant(1.0), tf.constant(0.5))), 5)
        1.14872
    """
    log_input = _tensor(log_input, "log_input")
    targets = ew.cast(_tensor(targets, "targets"), log_input.dtype)
    result = ew.exp(log_input) - log_input * targets
    if compute_full_loss:
        safe = ew.where(ew.greater(targets, 1.0), targets, ew.ones_like(targets))
        stirling = safe * ew.log(safe) - safe + 0.5 * ew.log(2.0 * np.pi * safe)
        small = ew.logical_and(ew.greater_equal(targets, 0.0), ew.less_equal(targets, 1.0))
        result = result + ew.where(small, ew.zeros_like(targets), stirling)
    return ew.identity(result, name)


def _count(op, x, axes):
    dims = [x.shape[a] for a in axes]
    if any(d is None for d in dims):
        raise UnimplementedError(f"{op}: needs the sizes of the reduced axes, got shape {x.shape}")
    return float(np.prod(dims))


@rules.composite("sufficient_statistics")
def sufficient_statistics(x, axes, shift=None, keepdims=None, name=None):
    """(count, sum of x - shift, sum of (x - shift)^2, shift) over `axes`, the sufficient
    statistics of the mean and variance (shift is None when not given).

        >>> [float(t) for t in tf.nn.sufficient_statistics(tf.constant([1.0, 3.0]), [0])[:3]]
        [2.0, 4.0, 10.0]
    """
    from graphflow.ops import reduce as rd
    x = _tensor(x, "x")
    axes = [rules.normalize_axis("sufficient_statistics", a, x.shape.rank) for a in axes]
    count = ew.cast(_tensor(_count("sufficient_statistics", x, axes), "count"), x.dtype)
    keep = bool(keepdims)
    centered = x if shift is None else x - ew.cast(_tensor(shift, "shift"), x.dtype)
    m_ss = rd.reduce_sum(centered, axes, keepdims=keep)
    v_ss = rd.reduce_sum(ew.square(centered), axes, keepdims=keep)
    shift = None if shift is None else ew.cast(_tensor(shift, "shift"), x.dtype)
    return count, m_ss, v_ss, shift


@rules.composite("normalize_moments")
def normalize_moments(counts, mean_ss, variance_ss, shift, name=None):
    """(mean, variance) from sufficient_statistics' counts and sums.

        >>> [float(t) for t in tf.nn.normalize_moments(2.0, 4.0, 10.0, None)]
        [2.0, 1.0]
    """
    divisor = ew.reciprocal(_tensor(counts, "counts"))
    shifted_mean = mean_ss * divisor
    mean = shifted_mean if shift is None else shifted_mean + shift
    variance = variance_ss * divisor - ew.square(shifted_mean)
    return mean, variance


@rules.composite("weighted_moments")
def weighted_moments(x, axes, frequency_weights, keepdims=False, name=None):
    """The mean and variance of x over `axes`, weighting each element by frequency_weights
    (broadcast against x).

        >>> [float(t) for t in tf.nn.weighted_moments(tf.constant([1.0, 3.0]), [0], [1.0, 3.0])]
        [2.5, 0.75]
    """
    from graphflow.ops import reduce as rd
    x = _tensor(x, "x")
    weights = ew.cast(_tensor(frequency_weights, "frequency_weights"), x.dtype)
    total = rd.reduce_sum(weights * x, axes, keepdims=True)
    divisor = ew.reciprocal(rd.reduce_sum(weights + ew.zeros_like(x), axes, keepdims=True))
    mean = total * divisor
    variance = rd.reduce_sum(weights * ew.squared_difference(x, mean), axes,
                             keepdims=True) * divisor
    if not keepdims:
        mean, variance = sh.squeeze(mean, axes), sh.squeeze(variance, axes)
    return mean, variance


@rules.composite("compute_average_loss")
def compute_average_loss(per_example_loss, sample_weight=None, global_batch_size=None):
    """sum(per_example_loss * sample_weight) / global_batch_size, a replica's share of the mean
    loss over the global batch; by default global_batch_size is this replica's batch size times
    the current strategy's num_replicas_in_sync (graphflow.distribute).

        >>> float(tf.nn.compute_average_loss(tf.constant([1.0, 2.0, 3.0])))
        2.0
    """
    from graphflow.ops import reduce as rd
    loss = _tensor(per_example_loss, "per_example_loss")
    if sample_weight is not None:
        loss = loss * ew.cast(_tensor(sample_weight, "sample_weight"), loss.dtype)
    if global_batch_size is None:
        if loss.shape.rank == 0:
            global_batch_size = 1
        else:
            global_batch_size = ew.cast(sh.shape(loss)[0], loss.dtype)
        replicas = _num_replicas()
        if replicas != 1:
            global_batch_size = global_batch_size * replicas
    return ew.truediv(rd.reduce_sum(loss), global_batch_size)


def _num_replicas():
    """The current strategy's replica count: 1 until graphflow.distribute, which owns
    strategies, installs `replicas_in_sync` (ops sit below it and never import it)."""
    return replicas_in_sync()


replicas_in_sync = lambda: 1  # noqa: E731 - replaced by graphflow.distribute.strategy


def scale_regularization_loss(regularization_loss):
    """The sum of the regularization losses divided by the current strategy's number of
    replicas (so that summing the replicas' gradients counts it once).

        >>> float(tf.nn.scale_regularization_loss([1.0, 2.0]))
        3.0
    """
    from graphflow.ops import reduce as rd
    if isinstance(regularization_loss, (list, tuple)):
        total = ew.add_n([_tensor(v, "regularization_loss") for v in regularization_loss])
    else:
        total = rd.reduce_sum(_tensor(regularization_loss, "regularization_loss"))
    replicas = _num_replicas()
    return total if replicas == 1 else ew.truediv(total, ew.cast(replicas, total.dtype))


@rules.composite("space_to_depth")
def space_to_depth(input, block_size, data_format="NHWC", name=None):  # noqa: A002
    """Moves each block_size x block_size block of NHWC pixels into the channels:
    (N, H, W, C) -> (N, H / b, W / b, b * b * C), blocks in row-major order.

        >>> tf.nn.space_to_depth(tf.ones((1, 4, 4, 2)), 2).shape
        TensorShape([1, 2, 2, 8])
    """
    op = "space_to_depth"
    conv._data_format(op, data_format)
    x = _tensor(input, "input")
    b = int(block_size)
    n, h, w, c = _nhwc(op, x)
    if b < 2:
        raise InvalidArgumentError(f"{op}: block_size must be at least 2, got {block_size}")
    if h % b or w % b:
        raise InvalidArgumentError(
            f"{op}: image width {w} and height {h} must be divisible by block_size {b}")
    blocks = sh.reshape(x, [-1, h // b, b, w // b, b, c])
    return sh.reshape(sh.transpose(blocks, [0, 1, 3, 2, 4, 5]), [-1, h // b, w // b, b * b * c],
                      name)


@rules.composite("depth_to_space")
def depth_to_space(input, block_size, data_format="NHWC", name=None):  # noqa: A002
    """The inverse of space_to_depth: (N, H, W, b * b * C) -> (N, H * b, W * b, C).

        >>> tf.nn.depth_to_space(tf.ones((1, 2, 2, 8)), 2).shape
        TensorShape([1, 4, 4, 2])
    """
    op = "depth_to_space"
    conv._data_format(op, data_format)
    x = _tensor(input, "input")
    b = int(block_size)
    n, h, w, c = _nhwc(op, x)
    if b < 2:
        raise InvalidArgumentError(f"{op}: block_size must be at least 2, got {block_size}")
    if c % (b * b):
        raise InvalidArgumentError(
            f"{op}: input depth {c} must be divisible by block_size * block_size = {b * b}")
    blocks = sh.reshape(x, [-1, h, w, b, b, c // (b * b)])
    return sh.reshape(sh.transpose(blocks, [0, 1, 3, 2, 4, 5]), [-1, h * b, w * b, c // (b * b)],
                      name)


def _nhwc(op, x):
    dims = x.shape.dims
    if dims is None or len(dims) != 4 or any(d is None for d in dims[1:]):
        raise InvalidArgumentError(
            f"{op}: input must be NHWC with known height, width and channels, got shape {x.shape}")
    return dims


def convolution(input, filters, strides=None, padding="VALID", data_format=None,  # noqa: A002
                dilations=None, name=None):
    """N-D convolution by the rank of `filters`: conv1d for 3-D filters, conv2d for 4-D, conv3d
    for 5-D. As in TF, strides and dilations may not both exceed 1 here (tf.nn.conv2d allows
    it).

        >>> tf.nn.convolution(tf.ones((1, 5, 5, 2)), tf.ones((3, 3, 2, 4)), padding="SAME").shape
        TensorShape([1, 5, 5, 4])
        >>> tf.nn.convolution(tf.ones((1, 5, 5, 2)), tf.ones((3, 3, 2, 4)),
        ...                   dilations=2).shape
        TensorShape([1, 1, 1, 4])
    """
    w = _tensor(filters, "filters")
    rank = w.shape.rank
    strides = 1 if strides is None else strides
    if rank == 5:
        s3, d3 = _triple("convolution", "strides", strides), \
            _triple("convolution", "dilations", 1 if dilations is None else dilations)
        if max(s3) > 1 and max(d3) > 1:
            raise InvalidArgumentError(
                f"convolution: `strides > 1` not supported in conjunction with `dilation_rate > "
                f"1`. Received: strides={list(s3)} and dilation_rate={list(d3)}")
        return conv3d(input, w, [1, *s3, 1], padding, data_format or "NDHWC", [1, *d3, 1], name)
    if rank == 3:
        s, d = (1, _width("convolution", "strides", strides)), _dilation1d("convolution", dilations)
    elif rank == 4:
        s, d = (conv._pair("convolution", "strides", strides),
                conv.dilations_pair("convolution", dilations))
    if rank in (3, 4) and max(s) > 1 and max(d) > 1:
        raise InvalidArgumentError(
            f"convolution: `strides > 1` not supported in conjunction with `dilation_rate > 1`. "
            f"Received: strides={list(s[1:] if rank == 3 else s)} and "
            f"dilation_rate={list(d[1:] if rank == 3 else d)}")
    if rank == 3:
        return conv1d(input, w, strides, padding, data_format, dilations, name)
    if rank == 4:
        return conv.conv2d(input, w, strides, padding, data_format or "NHWC", dilations, name)
    raise UnimplementedError(
        f"convolution: only 1-D, 2-D and 3-D convolutions are supported, got filters of shape "
        f"{w.shape}")


def _rate(op, rate):
    if isinstance(rate, bool) or not isinstance(rate, (int, np.integer)) or rate < 1:
        raise InvalidArgumentError(f"{op}: rate must be a positive int, got {rate!r}")
    return int(rate)


def _strict_padding(op, padding):
    """atrous_conv2d's padding: 'SAME' or 'VALID' only (TF rejects 'same')."""
    if padding not in conv.PADDINGS:
        raise InvalidArgumentError(f"{op}: padding must be 'SAME' or 'VALID', got {padding!r}")
    return padding


def atrous_conv2d(value, filters, rate, padding, name=None):
    """conv2d with the filter taps spaced `rate` apart (dilations [rate, rate], strides 1):
    `value` is NHWC, `filters` (kh, kw, in_channels, out_channels).

        >>> tf.nn.atrous_conv2d(tf.ones((1, 5, 5, 1)), tf.ones((2, 2, 1, 1)), 2,
        ...                     "VALID").numpy()[0, :, :, 0]
        array([[4., 4., 4.],
               [4., 4., 4.],
               [4., 4., 4.]], dtype=float32)
    """
    op = "atrous_conv2d"
    rate = _rate(op, rate)
    return conv.conv2d(value, filters, 1, _strict_padding(op, padding), dilations=rate,
                       name=name)


def atrous_conv2d_transpose(value, filters, output_shape, rate, padding, name=None):
    """atrous_conv2d's transpose (its gradient with respect to its input): conv2d_transpose
    with dilations [rate, rate] and strides 1; `filters` is (kh, kw, out_channels,
    in_channels).

        >>> tf.nn.atrous_conv2d_transpose(tf.ones((1, 3, 3, 1)), tf.ones((2, 2, 1, 1)),
        ...                               [1, 5, 5, 1], 2, "VALID").shape
        TensorShape([1, 5, 5, 1])
    """
    op = "atrous_conv2d_transpose"
    rate = _rate(op, rate)
    return conv2d_transpose(value, filters, output_shape, 1, _strict_padding(op, padding),
                            dilations=rate, name=name)


def conv_transpose(input, filters, output_shape, strides, padding="SAME",  # noqa: A002
                   data_format=None, dilations=None, name=None):
    """The transposed convolution of conv1d_transpose, conv2d_transpose or conv3d_transpose,
    by output_shape's length (3, 4 or 5).

        >>> tf.nn.conv_transpose(tf.ones((1, 4, 4, 3)), tf.ones((3, 3, 2, 3)), [1, 8, 8, 2],
        ...                      2).shape
        TensorShape([1, 8, 8, 2])
    """
    shape = _output_shape("conv_transpose", output_shape, len(np.asarray(
        output_shape.numpy() if hasattr(output_shape, "numpy") else output_shape).reshape(-1)))
    if len(shape) == 3:
        return conv1d_transpose(input, filters, shape, strides, padding, data_format or "NWC",
                                dilations, name)
    if len(shape) == 4:
        return conv2d_transpose(input, filters, shape, strides, padding, data_format or "NHWC",
                                dilations, name)
    if len(shape) == 5:
        from graphflow.ops.conv_volume import conv3d_transpose
        return conv3d_transpose(input, filters, shape, strides, padding, data_format or "NDHWC",
                                dilations, name)
    raise InvalidArgumentError(
        f"conv_transpose: output_shape must have 3, 4 or 5 entries (1-D, 2-D or 3-D), got "
        f"{list(shape)}")


def depthwise_conv2d_backprop_input(input_sizes, filter, out_backprop, strides,  # noqa: A002
                                    padding, data_format="NHWC", dilations=None, name=None):
    """depthwise_conv2d's gradient with respect to an input of shape input_sizes.

        >>> tf.nn.depthwise_conv2d_backprop_input([1, 4, 4, 2], tf.ones((3, 3, 2, 1)),
        ...                                       tf.ones((1, 4, 4, 2)), [1, 1, 1, 1], "SAME").shape
        TensorShape([1, 4, 4, 2])
    """
    from graphflow.ops import conv_depthwise as dw
    from graphflow.ops.creation import zeros
    op = "depthwise_conv2d_backprop_input"
    conv._data_format(op, data_format)
    w, dy = _tensor(filter, "filter"), _tensor(out_backprop, "out_backprop")
    like = zeros(_output_shape(op, input_sizes, 4), dtype=dy.dtype)
    attrs = dw.depthwise_attrs(op, strides, padding, dilations)
    return dispatch(dw.DEPTHWISE_BACKPROP_INPUT, (dy, w, like), attrs, name)


def depthwise_conv2d_backprop_filter(input, filter_sizes, out_backprop, strides,  # noqa: A002
                                     padding, data_format="NHWC", dilations=None, name=None):
    """depthwise_conv2d's gradient with respect to a filter of shape filter_sizes.

        >>> x = tf.ones((1, 4, 4, 2))
        >>> tf.nn.depthwise_conv2d_backprop_filter(x, [3, 3, 2, 1], x, [1, 1, 1, 1], "SAME").shape
        TensorShape([3, 3, 2, 1])
    """
    from graphflow.ops import conv_depthwise as dw
    from graphflow.ops.creation import zeros
    op = "depthwise_conv2d_backprop_filter"
    conv._data_format(op, data_format)
    x, dy = _tensor(input, "input"), _tensor(out_backprop, "out_backprop")
    like = zeros(_output_shape(op, filter_sizes, 4), dtype=x.dtype)
    attrs = dw.depthwise_attrs(op, strides, padding, dilations)
    return dispatch(dw.DEPTHWISE_BACKPROP_FILTER, (x, dy, like), attrs, name)
