"""Convolution and pooling layers (channels_last): Conv2D, MaxPooling2D, AveragePooling2D,
GlobalAveragePooling2D, GlobalMaxPooling2D.

    >>> from graphflow import keras
    >>> keras.layers.Conv2D(4, 3, padding="same")(np.ones((1, 8, 8, 1), np.float32)).shape
    TensorShape([1, 8, 8, 4])
"""
from graphflow.errors import InvalidArgumentError
from graphflow.keras import activations, constraints, initializers, regularizers
from graphflow.keras.layers.base import Layer
from graphflow.ops import api as ops
from graphflow.ops import nn


def _pair(layer, name, value):
    if isinstance(value, int):
        value = (value, value)
    value = tuple(int(v) for v in value)
    if len(value) != 2 or any(v <= 0 for v in value):
        raise InvalidArgumentError(
            f"{layer}: the `{name}` argument must be a positive int or a pair of positive ints, "
            f"got {value!r}")
    return value


def _padding(layer, padding):
    padding = str(padding).lower()
    if padding not in ("valid", "same"):
        raise InvalidArgumentError(
            f"{layer}: the `padding` argument must be 'valid' or 'same', got {padding!r}")
    return padding


def check_strides_and_dilation(layer, strides, dilation_rate):
    """Keras's rule for its convolution layers: strides and dilation_rate may not both exceed 1
    (tf.nn.conv2d itself allows it; Keras's layers, and TF's depthwise convolution, do not)."""
    if max(strides) > 1 and max(dilation_rate) > 1:
        raise InvalidArgumentError(
            f"{layer}: `strides > 1` not supported in conjunction with `dilation_rate > 1`. "
            f"Received: strides={tuple(strides)} and dilation_rate={tuple(dilation_rate)}")


def check_groups(layer, groups, filters):
    """Keras's checks of `groups` when the layer is made (the input's channels are checked when
    it is built, by check_input_groups)."""
    if isinstance(groups, bool) or not isinstance(groups, int) or groups <= 0:
        if isinstance(groups, (int, float)) and not isinstance(groups, bool) and groups > 0:
            raise InvalidArgumentError(
                f"{layer}: The number of filters must be evenly divisible by the number of "
                f"groups. Received: groups={groups}, filters={filters}.")
        raise InvalidArgumentError(
            f"{layer}: The number of groups must be a positive integer. Received: "
            f"groups={groups}.")
    if filters % groups:
        raise InvalidArgumentError(
            f"{layer}: The number of filters must be evenly divisible by the number of groups. "
            f"Received: groups={groups}, filters={filters}.")
    return groups


def check_input_groups(layer, groups, input_shape):
    channels = input_shape[-1]
    if channels % groups:
        raise InvalidArgumentError(
            f"{layer}: The number of input channels must be evenly divisible by the number of "
            f"groups. Received groups={groups}, but the input has {channels} channels (full "
            f"input shape is {tuple(input_shape.as_list())}).")
    return channels // groups


def _channels_last(layer, data_format):
    if data_format not in (None, "channels_last"):
        raise InvalidArgumentError(f"{layer}: only data_format='channels_last' is supported")


class Conv2D(Layer):
    """2-D convolution over (batch, height, width, channels); `dilation_rate` spaces the kernel's
    taps (with strides 1, as Keras requires) and `groups` splits the channels into groups
    convolved separately (the kernel is (kh, kw, in_channels / groups, filters)).

        >>> from graphflow import keras
        >>> layer = keras.layers.Conv2D(6, 3, dilation_rate=2, groups=2)
        >>> layer(np.ones((1, 9, 9, 4), np.float32)).shape, tuple(layer.kernel.shape)
        (TensorShape([1, 5, 5, 6]), (3, 3, 2, 6))
    """
    _single_input = True

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(filters, bool) or not isinstance(filters, int) or filters <= 0:
            raise InvalidArgumentError(
                f"Conv2D: invalid value for argument `filters`, expected a positive integer, got "
                f"{filters!r}")
        _channels_last("Conv2D", data_format)
        self.filters = filters
        self.kernel_size = _pair("Conv2D", "kernel_size", kernel_size)
        self.strides = _pair("Conv2D", "strides", strides)
        self.padding = _padding("Conv2D", padding)
        self.dilation_rate = _pair("Conv2D", "dilation_rate", dilation_rate)
        check_strides_and_dilation("Conv2D", self.strides, self.dilation_rate)
        self.groups = check_groups("Conv2D", groups, filters)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    def build(self, input_shape):
        if input_shape.rank != 4:
            raise InvalidArgumentError(
                f"Conv2D layer {self.name!r} expects inputs of rank 4 (batch, height, width, "
                f"channels), got shape {input_shape}")
        channels = input_shape[-1]
        if channels is None:
            raise InvalidArgumentError(f"Conv2D layer {self.name!r}: the channel dimension of the "
                                       f"inputs must be known, got {input_shape}")
        channels = check_input_groups(f"Conv2D layer {self.name!r}", self.groups, input_shape)
        self.kernel = self.add_weight("kernel", self.kernel_size + (channels, self.filters),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = self.add_weight("bias", (self.filters,), initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
        super().build(input_shape)

    def call(self, inputs):
        y = nn.conv2d(inputs, self.kernel, strides=self.strides, padding=self.padding.upper(),
                      dilations=self.dilation_rate)
        if self.use_bias:
            y = y + self.bias
        return self.activation(y)

    def get_config(self):
        return {**super().get_config(), **conv_config(self), "groups": self.groups}


class _Pooling2D(Layer):
    _single_input = True

    _op = None

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(**kwargs)
        name = type(self).__name__
        _channels_last(name, data_format)
        self.pool_size = _pair(name, "pool_size", pool_size)
        self.strides = _pair(name, "strides", strides if strides is not None else self.pool_size)
        self.padding = _padding(name, padding)

    def call(self, inputs):
        if inputs.shape.rank != 4:
            raise InvalidArgumentError(
                f"{type(self).__name__} layer {self.name!r} expects inputs of rank 4, got shape "
                f"{inputs.shape}")
        return type(self)._op(inputs, self.pool_size, self.strides, self.padding.upper())

    def get_config(self):
        return {**super().get_config(), "pool_size": list(self.pool_size),
                "strides": list(self.strides), "padding": self.padding}


class MaxPooling2D(_Pooling2D):
    _op = staticmethod(nn.max_pool2d)


class AveragePooling2D(_Pooling2D):
    _op = staticmethod(nn.avg_pool2d)


class GlobalAveragePooling2D(Layer):
    _single_input = True

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        _channels_last("GlobalAveragePooling2D", data_format)
        self.keepdims = bool(keepdims)

    def call(self, inputs):
        return ops.reduce_mean(inputs, [1, 2], keepdims=self.keepdims)

    def get_config(self):
        return {**super().get_config(), "keepdims": self.keepdims}


class GlobalMaxPooling2D(GlobalAveragePooling2D):
    def call(self, inputs):
        return ops.reduce_max(inputs, [1, 2], keepdims=self.keepdims)


MaxPool2D, AvgPool2D = MaxPooling2D, AveragePooling2D


def conv_config(layer):
    """The config entries every kernel + bias convolution layer shares, with Keras's names."""
    return {"filters": layer.filters, "kernel_size": list(layer.kernel_size),
            "strides": list(layer.strides), "padding": layer.padding,
            "dilation_rate": list(layer.dilation_rate),
            "activation": activations.serialize(layer.activation), "use_bias": layer.use_bias,
            "kernel_initializer": initializers.serialize(layer.kernel_initializer),
            "bias_initializer": initializers.serialize(layer.bias_initializer),
            "kernel_regularizer": regularizers.serialize(layer.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(layer.bias_regularizer),
            "kernel_constraint": constraints.serialize(layer.kernel_constraint),
            "bias_constraint": constraints.serialize(layer.bias_constraint)}
