"""More convolution and pooling layers (channels_last): Conv1D, Conv3D, Conv2DTranspose,
Conv1DTranspose, Conv3DTranspose, SeparableConv1D, SeparableConv2D, DepthwiseConv1D,
DepthwiseConv2D, MaxPooling1D, AveragePooling1D, GlobalAveragePooling1D, GlobalMaxPooling1D.

They compute with the registry's ops (tf.nn.conv1d, conv2d's input gradient for the transposed
convolutions, depthwise_conv2d, max/avg_pool1d); the weights have Keras's names and layouts.

    >>> from graphflow import keras
    >>> keras.layers.Conv1D(4, 3, padding="causal")(np.ones((2, 10, 3), np.float32)).shape
    TensorShape([2, 10, 4])
    >>> keras.layers.Conv2DTranspose(2, 3, strides=2)(np.ones((1, 4, 4, 1), np.float32)).shape
    TensorShape([1, 9, 9, 2])
"""
from graphflow.errors import InvalidArgumentError, UnimplementedError
from graphflow.keras import activations, constraints, initializers, regularizers
from graphflow.keras.layers.base import Layer
from graphflow.keras.layers.conv import (
    _channels_last, _pair, check_groups, check_input_groups, check_strides_and_dilation,
    conv_config)
from graphflow.ops.conv import effective_size
from graphflow.ops import api as ops
from graphflow.ops import conv as conv_ops
from graphflow.ops import conv_depthwise as depthwise_ops
from graphflow.ops import nn
from graphflow.ops.registry import dispatch


def _single(layer, name, value):
    if isinstance(value, (list, tuple)):
        if len(value) != 1:
            raise InvalidArgumentError(
                f"{layer}: the `{name}` argument must be an int or a tuple of 1 int, got "
                f"{value!r}")
        value = value[0]
    if isinstance(value, bool) or int(value) != value or int(value) <= 0:
        raise InvalidArgumentError(
            f"{layer}: the `{name}` argument must be a positive int, got {value!r}")
    return int(value)


def _triple(layer, name, value):
    if isinstance(value, int) and not isinstance(value, bool):
        value = (value,) * 3
    try:
        value = tuple(int(v) for v in value)
    except (TypeError, ValueError):
        value = None
    if value is None or len(value) != 3 or min(value) <= 0:
        raise InvalidArgumentError(
            f"{layer}: the `{name}` argument must be a positive int or a tuple of 3 positive "
            f"ints, got {value!r}")
    return value


def _padding(layer, padding, allowed=("valid", "same")):
    padding = str(padding).lower()
    if padding not in allowed:
        raise InvalidArgumentError(
            f"{layer}: the `padding` argument must be one of {list(allowed)}, got {padding!r}")
    return padding


def _filters(layer, filters):
    if isinstance(filters, bool) or not isinstance(filters, int) or filters <= 0:
        raise InvalidArgumentError(
            f"{layer}: invalid value for argument `filters`, expected a positive integer, got "
            f"{filters!r}")
    return filters


def _check_rank(layer, inputs, rank, layout):
    if inputs.shape.rank != rank:
        raise InvalidArgumentError(
            f"{type(layer).__name__} layer {layer.name!r} expects inputs of rank {rank} "
            f"{layout}, got shape {inputs.shape}")
    if inputs.shape[-1] is None:
        raise InvalidArgumentError(
            f"{type(layer).__name__} layer {layer.name!r}: the channel dimension of the inputs "
            f"must be known, got {inputs.shape}")


class _Conv(Layer):
    """Shared settings of the kernel + bias convolutions (rank 1 or 2)."""
    _single_input = True
    _rank = 2
    _paddings = ("valid", "same")
    _grouped = False  # Keras's Conv1D takes `groups`; its transposed convolutions do not

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        name = type(self).__name__
        if groups != 1 and not self._grouped:
            raise InvalidArgumentError(
                f"Unrecognized keyword arguments passed to {name}: {{'groups': {groups!r}}}")
        _channels_last(name, data_format)
        self.filters = _filters(name, filters)
        self.groups = check_groups(name, groups, self.filters)
        tup = {1: lambda n, v: (_single(name, n, v),), 2: lambda n, v: _pair(name, n, v),
               3: lambda n, v: _triple(name, n, v)}[self._rank]
        self.kernel_size = tup("kernel_size", kernel_size)
        self.strides = tup("strides", strides)
        self.dilation_rate = tup("dilation_rate", dilation_rate)
        check_strides_and_dilation(name, self.strides, self.dilation_rate)
        self.padding = _padding(name, padding, self._paddings)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)  # applied after updates
        self.bias_constraint = constraints.get(bias_constraint)

    def _kernel_shape(self, channels):
        return self.kernel_size + (channels, self.filters)

    def build(self, input_shape):
        if input_shape.rank != self._rank + 2 or input_shape[-1] is None:
            raise InvalidArgumentError(
                f"{type(self).__name__} layer {self.name!r} expects inputs of rank "
                f"{self._rank + 2} with a known channel dimension, got shape {input_shape}")
        channels = check_input_groups(f"{type(self).__name__} layer {self.name!r}", self.groups,
                                      input_shape) if self._grouped else input_shape[-1]
        self.kernel = self.add_weight("kernel", self._kernel_shape(channels),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = self.add_weight("bias", (self.filters,), initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
        super().build(input_shape)

    def _finish(self, y):
        if self.use_bias:
            y = y + self.bias
        return self.activation(y)

    def get_config(self):
        config = {**super().get_config(), **conv_config(self)}
        return {**config, "groups": self.groups} if self._grouped else config


class Conv1D(_Conv):
    """1-D convolution over (batch, steps, channels); padding "valid", "same" or "causal"
    (left padding only, so output t sees inputs up to t: (kernel_size - 1) * dilation_rate
    steps). `dilation_rate` and `groups` as Conv2D's.

        >>> from graphflow import keras
        >>> keras.layers.Conv1D(4, 3, dilation_rate=2, padding="causal", groups=2)(
        ...     np.ones((2, 10, 6), np.float32)).shape
        TensorShape([2, 10, 4])
    """
    _rank = 1
    _paddings = ("valid", "same", "causal")
    _grouped = True

    def call(self, inputs):
        _check_rank(self, inputs, 3, "(batch, steps, channels)")
        padding = self.padding
        if padding == "causal":
            span = effective_size(self.kernel_size[0], self.dilation_rate[0])
            inputs = ops.pad(inputs, [[0, 0], [span - 1, 0], [0, 0]])
            padding = "valid"
        return self._finish(nn.conv1d(inputs, self.kernel, self.strides[0], padding.upper(),
                                      dilations=self.dilation_rate[0]))


class Conv3D(_Conv):
    """3-D convolution over (batch, depth, height, width, channels) (tf.nn.conv3d); the kernel
    is (kd, kh, kw, in_channels / groups, filters); `dilation_rate` and `groups` as Conv2D's.

        >>> from graphflow import keras
        >>> keras.layers.Conv3D(4, 3, dilation_rate=(2, 1, 1), groups=2)(
        ...     np.ones((1, 6, 5, 5, 2), np.float32)).shape
        TensorShape([1, 2, 3, 3, 4])
    """
    _rank = 3
    _grouped = True

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1, 1), *args, **kwargs):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         *args, **kwargs)

    def call(self, inputs):
        _check_rank(self, inputs, 5, "(batch, depth, height, width, channels)")
        return self._finish(nn.conv3d(inputs, self.kernel, [1, *self.strides, 1],
                                      self.padding.upper(),
                                      dilations=[1, *self.dilation_rate, 1]))


def _deconv_length(size, kernel, stride, padding, output_padding):
    """Keras's deconv_output_length; `kernel` is the dilated kernel's span."""
    if size is None:
        return None
    if output_padding is None:
        return size * stride + max(kernel - stride, 0) if padding == "valid" else size * stride
    pad = 0 if padding == "valid" else kernel // 2
    return (size - 1) * stride + kernel - 2 * pad + output_padding


class Conv2DTranspose(_Conv):
    """The transposed 2-D convolution (conv2d's input gradient): the kernel is
    (kh, kw, filters, in_channels), as Keras's."""
    _rank = 2

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid",
                 output_padding=None, **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding, **kwargs)
        name = type(self).__name__
        if output_padding is not None:
            if isinstance(output_padding, int):
                output_padding = (output_padding,) * self._rank
            output_padding = tuple(int(p) for p in output_padding)
            if len(output_padding) != self._rank or min(output_padding) < 0:
                raise InvalidArgumentError(
                    f"{name}: `output_padding` must be a non-negative int or a tuple of "
                    f"{self._rank}, got {output_padding!r}")
            if any(p >= s for p, s in zip(output_padding, self.strides)):
                raise InvalidArgumentError(
                    f"{name}: output_padding {output_padding} must be smaller than strides "
                    f"{self.strides}")
        self.output_padding = output_padding

    def _kernel_shape(self, channels):
        return self.kernel_size + (self.filters, channels)

    def _out_dims(self, dims):
        pads = self.output_padding or (None,) * self._rank
        return [_deconv_length(d, effective_size(k, r), s, self.padding, p)
                for d, k, s, r, p in zip(dims, self.kernel_size, self.strides,
                                         self.dilation_rate, pads)]

    def _transpose(self, x, kernel, strides, dilations):
        """conv2d_backprop_input of NHWC x; its `like` has x's (possibly unknown) batch size."""
        height, width = self._out_dims(x.shape.as_list()[1:3]) if self._rank == 2 else \
            [1] + self._out_dims(x.shape.as_list()[2:3])
        like = ops.zeros(ops.stack([ops.shape(x)[0], height, width, self.filters]), x.dtype)
        out_h = height if self._rank == 2 else 1
        # Keras's "same" with output_padding pads like TF's conv: the forward conv of the output
        # must give the input back, which it does for these output sizes.
        attrs = {"strides": strides, "padding": self.padding.upper(), "dilations": dilations}
        expected = [conv_ops._out_size(n, effective_size(k, d), s, attrs["padding"])
                    for n, k, s, d in zip((out_h, width), kernel.shape.as_list()[:2], strides,
                                          dilations)]
        if expected != x.shape.as_list()[1:3]:
            raise UnimplementedError(
                f"{type(self).__name__} layer {self.name!r}: output_padding "
                f"{self.output_padding} gives output size {(out_h, width)}, which TF's "
                "conv2d_transpose cannot produce from this input")
        return dispatch(conv_ops.CONV2D_BACKPROP_INPUT, (x, kernel, like), attrs)

    def call(self, inputs):
        _check_rank(self, inputs, 4, "(batch, height, width, channels)")
        return self._finish(self._transpose(inputs, self.kernel, self.strides,
                                            self.dilation_rate))

    def get_config(self):
        out = list(self.output_padding) if self.output_padding is not None else None
        return {**super().get_config(), "output_padding": out}


class Conv1DTranspose(Conv2DTranspose):
    """The transposed 1-D convolution; the kernel is (width, filters, in_channels)."""
    _rank = 1

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None,
                 **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding,
                         output_padding=output_padding, **kwargs)

    def call(self, inputs):
        _check_rank(self, inputs, 3, "(batch, steps, channels)")
        y = self._transpose(ops.expand_dims(inputs, 1), ops.expand_dims(self.kernel, 0),
                            (1,) + self.strides, (1,) + self.dilation_rate)
        return self._finish(ops.squeeze(y, [1]))


class Conv3DTranspose(Conv2DTranspose):
    """The transposed 3-D convolution (tf.nn.conv3d_transpose, conv3d's input gradient) over
    (batch, depth, height, width, channels); the kernel is (kd, kh, kw, filters, in_channels),
    as Keras's. `output_padding` and `dilation_rate` as Conv2DTranspose's.

        >>> from graphflow import keras
        >>> keras.layers.Conv3DTranspose(2, 3, strides=2, padding="same")(
        ...     np.ones((1, 2, 3, 2, 1), np.float32)).shape
        TensorShape([1, 4, 6, 4, 2])
    """
    _rank = 3

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid",
                 data_format=None, output_padding=None, dilation_rate=(1, 1, 1), **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding,
                         output_padding=output_padding, data_format=data_format,
                         dilation_rate=dilation_rate, **kwargs)

    def call(self, inputs):
        from graphflow.ops import conv_volume
        _check_rank(self, inputs, 5, "(batch, depth, height, width, channels)")
        dims = self._out_dims(inputs.shape.as_list()[1:4])
        padding = self.padding.upper()
        expected = [conv_ops._out_size(n, effective_size(k, d), s, padding)
                    for n, k, s, d in zip(dims, self.kernel_size, self.strides,
                                          self.dilation_rate)]
        if expected != inputs.shape.as_list()[1:4]:
            raise UnimplementedError(
                f"{type(self).__name__} layer {self.name!r}: output_padding "
                f"{self.output_padding} gives output size {tuple(dims)}, which TF's "
                "conv3d_transpose cannot produce from this input")
        like = ops.zeros(ops.stack([ops.shape(inputs)[0], *dims, self.filters]), inputs.dtype)
        attrs = {"strides": self.strides, "padding": padding, "dilations": self.dilation_rate}
        return self._finish(dispatch(conv_volume.CONV3D_BACKPROP_INPUT,
                                     (inputs, self.kernel, like), attrs))


class DepthwiseConv2D(Layer):
    """Convolves each input channel with its own `depth_multiplier` filters; the kernel is
    (kh, kw, in_channels, depth_multiplier). `dilation_rate` spaces the taps; unlike Conv2D's,
    it combines with strides (as in Keras 3.15).

        >>> from graphflow import keras
        >>> layer = keras.layers.DepthwiseConv2D(3, dilation_rate=2)
        >>> layer(np.ones((1, 7, 7, 2), np.float32)).shape
        TensorShape([1, 3, 3, 2])
    """
    _single_input = True
    _rank = 2

    def __init__(self, kernel_size, strides=(1, 1), padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=(1, 1), activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        name = type(self).__name__
        _channels_last(name, data_format)
        tup = (lambda n, v: (_single(name, n, v),)) if self._rank == 1 else \
            (lambda n, v: _pair(name, n, v))
        self.kernel_size = tup("kernel_size", kernel_size)
        self.strides = tup("strides", strides)
        self.padding = _padding(name, padding)
        self.depth_multiplier = _filters(name, depth_multiplier)
        self.dilation_rate = tup("dilation_rate", dilation_rate)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)  # applied after updates
        self.bias_constraint = constraints.get(bias_constraint)

    def _check_input_shape(self, input_shape):
        if input_shape.rank != self._rank + 2 or input_shape[-1] is None:
            raise InvalidArgumentError(
                f"{type(self).__name__} layer {self.name!r} expects inputs of rank "
                f"{self._rank + 2} with a known channel dimension, got shape {input_shape}")
        return input_shape[-1]

    def _depthwise(self, inputs, kernel):
        """The depthwise convolution of the layer's inputs (1-D: over a unit height axis). The
        primitive, not tf.nn.depthwise_conv2d: Keras 3.15's layers compute strides and
        dilations above 1 together (a dilated convolution at stride 1, subsampled, with TF's
        SAME padding of the dilated span), which is what the primitive's windows are, where
        tf.nn.depthwise_conv2d refuses the combination."""
        if self._rank == 2:
            _check_rank(self, inputs, 4, "(batch, height, width, channels)")
            attrs = {"strides": self.strides, "padding": self.padding.upper(),
                     "dilations": self.dilation_rate}
            return dispatch(depthwise_ops.DEPTHWISE, (inputs, kernel), attrs)
        _check_rank(self, inputs, 3, "(batch, steps, channels)")
        attrs = {"strides": (1,) + self.strides, "padding": self.padding.upper(),
                 "dilations": (1,) + self.dilation_rate}
        y = dispatch(depthwise_ops.DEPTHWISE, (ops.expand_dims(inputs, 1),
                                               ops.expand_dims(kernel, 0)), attrs)
        return ops.squeeze(y, [1])

    def build(self, input_shape):
        channels = self._check_input_shape(input_shape)
        self.kernel = self.add_weight(
            "kernel", self.kernel_size + (channels, self.depth_multiplier),
            initializer=self.depthwise_initializer, regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint)
        self._out_channels = channels * self.depth_multiplier
        self.bias = self.add_weight("bias", (self._out_channels,),
                                    initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
        super().build(input_shape)

    def call(self, inputs):
        y = self._depthwise(inputs, self.kernel)
        if self.use_bias:
            y = y + self.bias
        return self.activation(y)

    def get_config(self):
        return {**super().get_config(), "kernel_size": list(self.kernel_size),
                "strides": list(self.strides), "padding": self.padding,
                "depth_multiplier": self.depth_multiplier,
                "dilation_rate": list(self.dilation_rate),
                "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
                "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint)}


class SeparableConv2D(DepthwiseConv2D):
    """A depthwise convolution (dilated by `dilation_rate`) then a 1 x 1 convolution to
    `filters` channels; weights depthwise_kernel (kh, kw, in, depth_multiplier),
    pointwise_kernel (1, 1, in * depth_multiplier, filters) and bias (filters,).

        >>> from graphflow import keras
        >>> keras.layers.SeparableConv2D(5, 3, dilation_rate=2, padding="same")(
        ...     np.ones((1, 7, 7, 2), np.float32)).shape
        TensorShape([1, 7, 7, 5])
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(kernel_size, strides=strides, padding=padding,
                         depth_multiplier=depth_multiplier, data_format=data_format,
                         dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
                         depthwise_initializer=depthwise_initializer,
                         bias_initializer=bias_initializer,
                         depthwise_regularizer=depthwise_regularizer,
                         bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         depthwise_constraint=depthwise_constraint,
                         bias_constraint=bias_constraint, **kwargs)
        self.pointwise_constraint = constraints.get(pointwise_constraint)
        self.filters = _filters(type(self).__name__, filters)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)

    def build(self, input_shape):
        channels = self._check_input_shape(input_shape)
        self.depthwise_kernel = self.add_weight(
            "depthwise_kernel", self.kernel_size + (channels, self.depth_multiplier),
            initializer=self.depthwise_initializer, regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint)
        self.pointwise_kernel = self.add_weight(
            "pointwise_kernel", (1,) * self._rank + (channels * self.depth_multiplier,
                                                     self.filters),
            initializer=self.pointwise_initializer, regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint)
        self.bias = self.add_weight("bias", (self.filters,), initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
        self._build_input_shape = input_shape
        self.built = True

    def call(self, inputs):
        # tf.nn.separable_conv2d's two steps, so that the 1-D layer shares them
        y = self._depthwise(inputs, self.depthwise_kernel)
        pointwise = self.pointwise_kernel if self._rank == 2 else \
            ops.expand_dims(self.pointwise_kernel, 0)
        if self._rank == 1:
            y = ops.squeeze(nn.conv2d(ops.expand_dims(y, 1), pointwise, 1, "VALID"), [1])
        else:
            y = nn.conv2d(y, pointwise, 1, "VALID")
        if self.use_bias:
            y = y + self.bias
        return self.activation(y)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters,
                "pointwise_initializer": initializers.serialize(self.pointwise_initializer),
                "pointwise_regularizer": regularizers.serialize(self.pointwise_regularizer),
                "pointwise_constraint": constraints.serialize(self.pointwise_constraint)}


class DepthwiseConv1D(DepthwiseConv2D):
    """DepthwiseConv2D over (batch, steps, channels); the kernel is (k, in_channels,
    depth_multiplier).

        >>> from graphflow import keras
        >>> keras.layers.DepthwiseConv1D(3, dilation_rate=2, depth_multiplier=2)(
        ...     np.ones((2, 9, 3), np.float32)).shape
        TensorShape([2, 5, 6])
    """
    _rank = 1

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=1, *args, **kwargs):
        # DepthwiseConv2D's signature with 1-D defaults (the rest, activation on, is the same)
        super().__init__(kernel_size, strides, padding, depth_multiplier, data_format,
                         dilation_rate, *args, **kwargs)


class SeparableConv1D(SeparableConv2D):
    """SeparableConv2D over (batch, steps, channels): depthwise_kernel (k, in,
    depth_multiplier), pointwise_kernel (1, in * depth_multiplier, filters).

        >>> from graphflow import keras
        >>> keras.layers.SeparableConv1D(4, 3, dilation_rate=2, padding="same")(
        ...     np.ones((2, 9, 3), np.float32)).shape
        TensorShape([2, 9, 4])
    """
    _rank = 1

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, *args, **kwargs):
        # SeparableConv2D's signature with 1-D defaults
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         *args, **kwargs)


class _Pooling1D(Layer):
    _single_input = True
    _op = None

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        name = type(self).__name__
        if pool_size is None:
            raise InvalidArgumentError(f"{name}: `pool_size` is required")
        _channels_last(name, data_format)
        self.pool_size = _single(name, "pool_size", pool_size)
        self.strides = _single(name, "strides", strides if strides is not None else pool_size)
        self.padding = _padding(name, padding)

    def call(self, inputs):
        if inputs.shape.rank != 3:
            raise InvalidArgumentError(
                f"{type(self).__name__} layer {self.name!r} expects inputs of rank 3 (batch, "
                f"steps, features), got shape {inputs.shape}")
        return type(self)._op(inputs, self.pool_size, self.strides, self.padding.upper())

    def get_config(self):
        return {**super().get_config(), "pool_size": self.pool_size, "strides": self.strides,
                "padding": self.padding}


class MaxPooling1D(_Pooling1D):
    _op = staticmethod(nn.max_pool1d)


class AveragePooling1D(_Pooling1D):
    _op = staticmethod(nn.avg_pool1d)

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, **kwargs):
        # Keras 3 gives AveragePooling1D no default pool size (MaxPooling1D's is 2)
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class GlobalAveragePooling1D(Layer):
    """The mean over the steps axis; a `mask` (batch, steps) leaves masked steps out."""
    _single_input = True

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        _channels_last(type(self).__name__, data_format)
        self.keepdims = bool(keepdims)

    def _check(self, inputs):
        if inputs.shape.rank != 3:
            raise InvalidArgumentError(
                f"{type(self).__name__} layer {self.name!r} expects inputs of rank 3 (batch, "
                f"steps, features), got shape {inputs.shape}")

    def call(self, inputs, mask=None):
        self._check(inputs)
        if mask is None:
            return ops.reduce_mean(inputs, 1, keepdims=self.keepdims)
        weights = ops.expand_dims(ops.cast(mask, inputs.dtype), -1)
        total = ops.reduce_sum(inputs * weights, 1, keepdims=self.keepdims)
        return total / ops.reduce_sum(weights, 1, keepdims=self.keepdims)

    def get_config(self):
        return {**super().get_config(), "keepdims": self.keepdims}


class GlobalMaxPooling1D(GlobalAveragePooling1D):
    """The maximum over the steps axis."""

    def call(self, inputs):
        self._check(inputs)
        return ops.reduce_max(inputs, 1, keepdims=self.keepdims)


MaxPool1D, AvgPool1D = MaxPooling1D, AveragePooling1D
GlobalAvgPool1D, GlobalMaxPool1D = GlobalAveragePooling1D, GlobalMaxPooling1D
