"""compat.v1.nn: tf.nn with TF1's spellings (dropout's keep_prob, softmax_cross_entropy's
_v2 name and dim=); every other name is graphflow's tf.nn.

    >>> tf1 = tf.compat.v1
    >>> tf1.nn.dropout(tf.ones([3]), keep_prob=1.0).numpy()
    array([1., 1., 1.], dtype=float32)
"""
from graphflow.errors import InvalidArgumentError
from graphflow.ops import nn as _nn


def dropout(x, keep_prob=None, noise_shape=None, seed=None, name=None, rate=None):
    """Keeps each element with probability keep_prob (scaled by 1/keep_prob)."""
    if keep_prob is not None and rate is not None:
        raise InvalidArgumentError("dropout: cannot specify both keep_prob and rate")
    if rate is None:
        if keep_prob is None:
            raise InvalidArgumentError("dropout: specify keep_prob (or rate)")
        rate = 1 - keep_prob
    from graphflow.ops.api import identity
    if not hasattr(rate, "dtype") and float(rate) == 0.0:
        return identity(x)
    return _nn.dropout(x, rate, noise_shape, seed)


def softmax_cross_entropy_with_logits_v2(labels, logits, axis=-1, name=None, dim=None):
    return _nn.softmax_cross_entropy_with_logits(labels, logits, axis if dim is None else dim)


def softmax_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, dim=-1, name=None,
                                      axis=None):
    if _sentinel is not None:
        raise InvalidArgumentError(
            "softmax_cross_entropy_with_logits: only call it with named arguments (labels=..., "
            "logits=...)")
    from graphflow.ops.api import stop_gradient
    return _nn.softmax_cross_entropy_with_logits(stop_gradient(labels), logits,
                                                 dim if axis is None else axis)


def conv3d_backprop_filter_v2(input, filter_sizes, out_backprop, strides, padding,  # noqa: A002
                              data_format="NDHWC", dilations=(1, 1, 1, 1, 1), name=None):
    """conv3d's gradient with respect to filters of shape `filter_sizes` (kd, kh, kw,
    in_channels, out_channels), given its NDHWC `input` and `out_backprop` (TF1's
    Conv3DBackpropFilterV2; tf.nn in TF 2 does not have it).

        >>> tf.compat.v1.nn.conv3d_backprop_filter_v2(
        ...     tf.ones((1, 4, 4, 4, 2)), [2, 2, 2, 2, 3], tf.ones((1, 3, 3, 3, 3)),
        ...     [1, 1, 1, 1, 1], "VALID").numpy()[0, 0, 0]
        array([[27., 27., 27.],
               [27., 27., 27.]], dtype=float32)
    """
    from graphflow.ops import conv as conv_ops
    from graphflow.ops import conv_volume
    from graphflow.ops.api import convert_to_tensor, zeros
    from graphflow.ops.nn_extra import _output_shape
    from graphflow.ops.registry import dispatch
    op = "conv3d_backprop_filter"
    conv_volume._data_format(op, data_format)
    x = convert_to_tensor(input, name="input")
    attrs = {"strides": conv_volume._triple(op, "strides", strides),
             "padding": conv_ops._padding(op, padding),
             "dilations": conv_volume._triple(op, "dilations", dilations)}
    like = zeros(_output_shape(op, filter_sizes, 5), dtype=x.dtype)
    return dispatch(conv_volume.CONV3D_BACKPROP_FILTER, (x, out_backprop, like), attrs, name)


conv3d_backprop_filter = conv3d_backprop_filter_v2


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    import graphflow
    return getattr(graphflow.nn, name)
