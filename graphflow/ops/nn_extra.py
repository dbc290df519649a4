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

from graphflow.errors import InvalidArgumentError, UnimplementedError
from graphflow.ops import conv
from graphflow.ops import elementwise as ew
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
    if data_format in (None, "NWC", "channels_last"):
        return
    if data_format in ("NCW", "channels_first"):
        raise UnimplementedError(f"{op}: data_format {data_format!r} is not supported; "
                                 "graphflow's 1-D inputs are NWC (batch, width, channels)")
    raise InvalidArgumentError(f"{op}: data_format must be 'NWC', got {data_format!r}")


def _rank3(op, what, x):
    if x.shape.rank is not None and x.shape.rank != 3:
        layout = "(width, in_channels, out_channels)" if what == "filters" else \
            "NWC (batch, width, channels)"
        raise InvalidArgumentError(
            f"{op}: {what} must have rank 3, {layout}, but has shape {x.shape}")


def _no_dilation(op, dilations):
    if dilations is None:
        return
    values = [dilations] if isinstance(dilations, int) else list(dilations)
    if any(int(v) != 1 for v in values):
        raise UnimplementedError(f"{op}: dilations {dilations!r} are not supported; only "
                                 "dilation 1 is")


# ---------------------------------------------------------------------------------------------
# 1-D convolution and pooling: the 2-D ops over a height of 1


def conv1d(input, filters, stride, padding, data_format="NWC", dilations=None,  # noqa: A002
           name=None):
    """1-D convolution (cross-correlation) of NWC `input` with `filters` shaped
    (width, in_channels, out_channels); `stride` is an int, [s] or [1, s, 1].

        >>> tf.nn.conv1d(tf.ones((1, 5, 1)), tf.ones((3, 1, 1)), 1, "VALID").numpy()[0, :, 0]
        array([3., 3., 3.], dtype=float32)
    """
    op = "conv1d"
    _nwc(op, data_format)
    _no_dilation(op, dilations)
    x, w = _tensor(input, "input"), _tensor(filters, "filters")
    _rank3(op, "input", x)
    _rank3(op, "filters", w)
    out = conv.conv2d(sh.expand_dims(x, 1), sh.expand_dims(w, 0),
                      (1, _width(op, "stride", stride)), padding)
    return sh.squeeze(out, [1], name)


def _pool1d(pool, op, input, ksize, strides, padding, data_format, name):  # noqa: A002
    _nwc(op, data_format)
    x = _tensor(input, "input")
    _rank3(op, "input", x)
    out = pool(sh.expand_dims(x, 1), (1, _width(op, "ksize", ksize)),
               (1, _width(op, "strides", strides)), padding)
    return sh.squeeze(out, [1], name)


def max_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):  # noqa: A002
    """The maximum of each window of NWC `input`; ksize and strides are ints, [k] or [1, k, 1].

        >>> tf.nn.max_pool1d(tf.reshape(tf.range(6.0), (1, 6, 1)), 2, 2, "VALID").numpy()[0, :, 0]
        array([1., 3., 5.], dtype=float32)
    """
    return _pool1d(conv.max_pool2d, "max_pool1d", input, ksize, strides, padding, data_format,
                   name)


def avg_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):  # noqa: A002
    """The mean of each window of NWC `input` (over its non-padding elements with "SAME").

        >>> tf.nn.avg_pool1d(tf.reshape(tf.range(6.0), (1, 6, 1)), 2, 2, "VALID").numpy()[0, :, 0]
        array([0.5, 2.5, 4.5], dtype=float32)
    """
    return _pool1d(conv.avg_pool2d, "avg_pool1d", input, ksize, strides, padding, data_format,
                   name)


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


def conv2d_transpose(input, filters, output_shape, strides, padding="SAME",  # noqa: A002
                     data_format="NHWC", dilations=None, name=None):
    """The transposed convolution (conv2d's gradient with respect to its input): NHWC `input`,
    `filters` shaped (kh, kw, out_channels, in_channels), and the NHWC `output_shape` whose
    conv2d with these strides and padding has input's shape.

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
    _no_dilation(op, dilations)
    x, w = _tensor(input, "input"), _tensor(filters, "filters")
    shape = _output_shape(op, output_shape, 4)
    attrs = {"strides": conv._pair(op, "strides", strides), "padding": conv._padding(op, padding)}
    _check_transpose_shapes(op, x, w, shape, attrs)
    like = zeros(shape, dtype=x.dtype)  # lends its shape (conv2d_backprop_input's `like` input)
    return dispatch(conv.CONV2D_BACKPROP_INPUT, (x, w, like), attrs, name)


def _check_transpose_shapes(op, x, w, shape, attrs):
    """The forward conv2d of an output_shape tensor must have input's shape: say so by name."""
    ws = w.shape.dims
    if ws is None or len(ws) != 4 or x.shape.rank != 4:
        return  # conv2d_backprop_input's rule names the rank problem
    kh, kw, out_c, in_c = ws
    if out_c is not None and out_c != shape[3]:
        raise InvalidArgumentError(
            f"{op}: output_shape {list(shape)} has {shape[3]} channels but filters of shape "
            f"{tuple(ws)} make {out_c} (filters are (kh, kw, out_channels, in_channels))")
    expected = [shape[0]] + [conv._out_size(shape[1 + i], k, attrs["strides"][i], attrs["padding"])
                             for i, k in enumerate((kh, kw))] + [in_c]
    got = x.shape.as_list()
    if any(e is not None and g is not None and e != g for e, g in zip(expected, got)):
        raise InvalidArgumentError(
            f"{op}: input shape {tuple(got)} does not match output_shape {list(shape)}: a conv2d "
            f"of that shape with strides {attrs['strides']} and padding {attrs['padding']!r} "
            f"gives {tuple(expected)}")


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
                           (1, _width(op, "strides", strides)), padding, dilations=dilations)
    return sh.squeeze(out, [1], name)


# ---------------------------------------------------------------------------------------------
# Normalization and losses


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

