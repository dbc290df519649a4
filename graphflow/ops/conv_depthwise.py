"""Depthwise 2-D convolution over NHWC images (tf.nn.depthwise_conv2d) and the separable
convolution built on it, with conv.py's geometry (TF's SAME/VALID padding) and window copies.

Each input channel c is convolved with its own channel_multiplier filters filter[:, :, c, :],
and output channel c * channel_multiplier + m holds filter m of channel c, as in TF:

    >>> import graphflow as tf
    >>> x = tf.ones((1, 4, 4, 2))
    >>> tf.nn.depthwise_conv2d(x, tf.ones((3, 3, 2, 3)), [1, 1, 1, 1], "VALID").shape
    TensorShape([1, 2, 2, 6])

Primitives, as conv2d's (they are each other's adjoints, so derivatives of every order are exact):

    depthwise_conv2d(x, w)           depthwise_conv2d_backprop_input(dy, w, like_x)
    depthwise_conv2d_backprop_filter(x, dy, like_w)

The references gather every window once (conv.py's im2col: (N*OH*OW, KH*KW, C)) and contract
each channel with its filters as one batched matmul over the channels. All three are OPAQUE:
compiled graphs run these references (and the CUDA target runs them on the host).
"""
import numpy as np

from graphflow.errors import InvalidArgumentError
from graphflow.ops import conv
from graphflow.ops.conv import (
    _check_attrs, _check_dy, _check_floats, _Geometry, _merge, _rank4, _spatial_out, _specs)
from graphflow.ops import rules
from graphflow.ops.registry import OPAQUE, dispatch, register


# ---------------------------------------------------------------------------------------------
# Shape rules


def _geometry(op, x_shape, w_shape, strides, padding, named, dilations):
    """(n, oh, ow, channels, multiplier) for an input and a depthwise filter, validated."""
    n, h, w, c = _rank4(op, "input", x_shape, named)
    kh, kw, cf, multiplier = _rank4(op, "filters", w_shape, named)
    c = _merge(op, c, cf, "the input's channels (last axis) must equal the filters' "
               "in_channels (axis 2)", named)
    oh, ow = _spatial_out(op, (n, h, w, c), kh, kw, strides, padding, named, dilations)
    return n, oh, ow, c, multiplier


def _out_channels(c, multiplier):
    return None if c is None or multiplier is None else c * multiplier


def _depthwise_infer(specs, strides, padding, dilations=(1, 1)):
    op = "depthwise_conv2d"
    x, w = specs
    _check_floats(op, specs, (0, 1))
    _check_attrs(op, strides, padding, dilations=dilations)
    named = (("input", x.shape), ("filters", w.shape))
    n, oh, ow, c, mult = _geometry(op, x.shape, w.shape, strides, padding, named, dilations)
    return [((n, oh, ow, _out_channels(c, mult)), x.dtype)]


def _backprop_input_infer(specs, strides, padding, dilations=(1, 1)):
    op = "depthwise_conv2d_backprop_input"
    dy, w, like = specs
    _check_floats(op, specs, (0, 1))
    _check_attrs(op, strides, padding, dilations=dilations)
    named = (("dy", dy.shape), ("filters", w.shape), ("input", like.shape))
    n, oh, ow, c, mult = _geometry(op, like.shape, w.shape, strides, padding, named, dilations)
    n, _, _, _ = _check_dy(op, dy.shape, (n, oh, ow, _out_channels(c, mult)), named)
    x = _rank4(op, "input", like.shape, named)
    return [((n, x[1], x[2], c), dy.dtype)]


def _backprop_filter_infer(specs, strides, padding, dilations=(1, 1)):
    op = "depthwise_conv2d_backprop_filter"
    x, dy, like = specs
    _check_floats(op, specs, (0, 1))
    _check_attrs(op, strides, padding, dilations=dilations)
    named = (("input", x.shape), ("dy", dy.shape), ("filters", like.shape))
    n, oh, ow, c, mult = _geometry(op, x.shape, like.shape, strides, padding, named, dilations)
    _check_dy(op, dy.shape, (n, oh, ow, _out_channels(c, mult)), named)
    kh, kw, _, _ = _rank4(op, "filters", like.shape, named)
    return [((kh, kw, c, mult), x.dtype)]


# ---------------------------------------------------------------------------------------------
# NumPy references: per-channel matmuls over the windows


def _windows(x, g):
    """(C, N*OH*OW, KH*KW): every window of every channel."""
    c = x.shape[3]
    return conv._im2col(x, g).reshape(g.n * g.oh * g.ow, g.kh * g.kw, c).transpose(2, 0, 1)


def _depthwise_ref(x, w, strides, padding, dilations=(1, 1)):
    _depthwise_infer(_specs((x, w)), strides, padding, dilations)
    kh, kw, c, mult = w.shape
    g = _Geometry(x.shape, kh, kw, strides, padding, dilations)
    if g.empty or c * mult == 0:
        return np.zeros((g.n, g.oh, g.ow, c * mult), dtype=x.dtype)
    filters = w.reshape(kh * kw, c, mult).transpose(1, 0, 2)      # (C, K, M)
    out = np.matmul(_windows(x, g), filters)                        # (C, P, M)
    return out.transpose(1, 0, 2).reshape(g.n, g.oh, g.ow, c * mult)


def _backprop_input_ref(dy, w, like, strides, padding, dilations=(1, 1)):
    _backprop_input_infer(_specs((dy, w, like)), strides, padding, dilations)
    kh, kw, c, mult = w.shape
    g = _Geometry(like.shape, kh, kw, strides, padding, dilations)
    if g.empty or like.size == 0:
        return np.zeros(like.shape, dtype=dy.dtype)
    p = g.n * g.oh * g.ow
    grads = dy.reshape(p, c, mult).transpose(1, 0, 2)               # (C, P, M)
    filters = w.reshape(kh * kw, c, mult).transpose(1, 2, 0)        # (C, M, K)
    cols = np.matmul(grads, filters).transpose(1, 2, 0)             # (P, K, C)
    return conv._col2im(cols.reshape(p, kh * kw * c), g, like.shape)


def _backprop_filter_ref(x, dy, like, strides, padding, dilations=(1, 1)):
    _backprop_filter_infer(_specs((x, dy, like)), strides, padding, dilations)
    kh, kw, c, mult = like.shape
    g = _Geometry(x.shape, kh, kw, strides, padding, dilations)
    if g.empty or like.size == 0:
        return np.zeros(like.shape, dtype=x.dtype)
    grads = dy.reshape(g.n * g.oh * g.ow, c, mult).transpose(1, 0, 2)   # (C, P, M)
    dw = np.matmul(_windows(x, g).transpose(0, 2, 1), grads)            # (C, K, M)
    return dw.transpose(1, 0, 2).reshape(kh, kw, c, mult)


# ---------------------------------------------------------------------------------------------
# Gradients (the three ops are each other's adjoints, like conv2d's)


def _depthwise_grad(inputs, outputs, dy, strides, padding, dilations=(1, 1), needs=(True, True)):
    x, w = inputs
    attrs = {"strides": strides, "padding": padding, "dilations": dilations}
    dx = dispatch(DEPTHWISE_BACKPROP_INPUT, (dy, w, x), attrs) if needs[0] else None
    dw = dispatch(DEPTHWISE_BACKPROP_FILTER, (x, dy, w), attrs) if needs[1] else None
    return dx, dw


def _backprop_input_grad(inputs, outputs, g, strides, padding, dilations=(1, 1),
                         needs=(True, True, False)):
    dy, w, _ = inputs
    attrs = {"strides": strides, "padding": padding, "dilations": dilations}
    ddy = dispatch(DEPTHWISE, (g, w), attrs) if needs[0] else None
    dw = dispatch(DEPTHWISE_BACKPROP_FILTER, (g, dy, w), attrs) if needs[1] else None
    return ddy, dw, None


def _backprop_filter_grad(inputs, outputs, g, strides, padding, dilations=(1, 1),
                          needs=(True, True, False)):
    x, dy, _ = inputs
    attrs = {"strides": strides, "padding": padding, "dilations": dilations}
    dx = dispatch(DEPTHWISE_BACKPROP_INPUT, (dy, g, x), attrs) if needs[0] else None
    ddy = dispatch(DEPTHWISE, (x, g), attrs) if needs[1] else None
    return dx, ddy, None


DEPTHWISE = register("depthwise_conv2d", OPAQUE, _depthwise_infer, _depthwise_ref,
                     _depthwise_grad, same_dtype=(0, 1), grad_takes_needs=True,
                     doc="per-channel 2-D convolution, NHWC input, (kh, kw, C, M) filters")
DEPTHWISE_BACKPROP_INPUT = register(
    "depthwise_conv2d_backprop_input", OPAQUE, _backprop_input_infer, _backprop_input_ref,
    _backprop_input_grad, same_dtype=(0, 1), grad_takes_needs=True,
    doc="depthwise_conv2d's gradient with respect to its input")
DEPTHWISE_BACKPROP_FILTER = register(
    "depthwise_conv2d_backprop_filter", OPAQUE, _backprop_filter_infer, _backprop_filter_ref,
    _backprop_filter_grad, same_dtype=(0, 1), grad_takes_needs=True,
    doc="depthwise_conv2d's gradient with respect to its filters")


# ---------------------------------------------------------------------------------------------
# Public functions


def depthwise_attrs(op, strides, padding, dilations):
    """The attrs of the depthwise ops. TF computes a dilated depthwise convolution by
    space_to_batch, which does not combine with strides: with both above 1 it warns "When
    dilation rate is greater than 1, then all values of strides must be 1" and returns windows
    that are neither strided nor dilated as documented. graphflow raises that as an error
    rather than return either that result or a different one."""
    attrs = {"strides": conv._pair(op, "strides", strides), "padding": conv._padding(op, padding),
             "dilations": conv.dilations_pair(op, dilations)}
    if attrs["dilations"] != (1, 1) and attrs["strides"] != (1, 1):
        raise InvalidArgumentError(
            f"{op}: when dilation rate is greater than 1, then all values of strides must be 1 "
            f"(TF computes no strided dilated depthwise convolution); got strides "
            f"{list(attrs['strides'])} and dilations {list(attrs['dilations'])}")
    return attrs


def depthwise_conv2d(input, filter, strides, padding, data_format=None,  # noqa: A002
                     dilations=None, name=None):
    """Convolves each channel of NHWC `input` with its own filters: `filter` is
    (kh, kw, in_channels, channel_multiplier) and the output has in_channels *
    channel_multiplier channels. `strides` is [1, sh, sw, 1] (or an int / [sh, sw]);
    `dilations` [dh, dw] spaces the filter taps (strides must then be 1, as TF requires).

        >>> y = tf.nn.depthwise_conv2d(tf.ones((1, 3, 3, 2)), tf.ones((2, 2, 2, 1)),
        ...                            [1, 1, 1, 1], "VALID")
        >>> y.numpy()[0, :, :, 0]
        array([[4., 4.],
               [4., 4.]], dtype=float32)
    """
    op = "depthwise_conv2d"
    conv._data_format(op, data_format)
    return dispatch(DEPTHWISE, (input, filter), depthwise_attrs(op, strides, padding, dilations),
                    name)


@rules.composite("separable_conv2d")
def separable_conv2d(input, depthwise_filter, pointwise_filter, strides, padding,  # noqa: A002
                     data_format=None, dilations=None, name=None):
    """A depthwise convolution followed by a 1 x 1 convolution mixing the channels:
    pointwise_filter is (1, 1, in_channels * channel_multiplier, out_channels).

        >>> tf.nn.separable_conv2d(tf.ones((1, 4, 4, 2)), tf.ones((3, 3, 2, 2)),
        ...                        tf.ones((1, 1, 4, 5)), [1, 1, 1, 1], "VALID").shape
        TensorShape([1, 2, 2, 5])

    `dilations` dilates the depthwise step (with strides 1, as depthwise_conv2d requires):

        >>> tf.nn.separable_conv2d(tf.ones((1, 6, 6, 2)), tf.ones((3, 3, 2, 2)),
        ...                        tf.ones((1, 1, 4, 5)), [1, 1, 1, 1], "VALID",
        ...                        dilations=[2, 2]).shape
        TensorShape([1, 2, 2, 5])
    """
    from graphflow.ops.creation import convert_to_tensor
    op = "separable_conv2d"
    pointwise_filter = convert_to_tensor(pointwise_filter, name="pointwise_filter")
    dims = pointwise_filter.shape.dims
    if dims is not None and (len(dims) != 4 or dims[0] not in (1, None) or
                             dims[1] not in (1, None)):
        raise InvalidArgumentError(
            f"{op}: pointwise_filter must have shape (1, 1, in_channels * channel_multiplier, "
            f"out_channels), got {tuple(dims)}")
    depthwise = depthwise_conv2d(input, depthwise_filter, strides, padding, data_format,
                                 dilations)
    return conv.conv2d(depthwise, pointwise_filter, 1, "VALID", name=name)
