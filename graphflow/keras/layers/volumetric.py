"""3-D (volumetric, channels_last) shape and pooling layers and the adaptive poolings:
UpSampling3D, ZeroPadding3D, Cropping3D, SpatialDropout3D, Global{Average,Max}Pooling3D,
{Average,Max}Pooling3D and Adaptive{Average,Max}Pooling1D/2D/3D.

{Average,Max}Pooling3D run tf.nn's 3-D pooling ops (ops/conv_volume.py), so a window's gradient
goes to its first maximum in (depth, row, column) order, as Keras's on TF.

    >>> from graphflow import keras
    >>> keras.layers.MaxPooling3D(2)(np.ones((1, 4, 4, 4, 3), np.float32)).shape
    TensorShape([1, 2, 2, 2, 3])
    >>> keras.layers.AdaptiveAveragePooling2D((2, 3))(np.ones((1, 5, 7, 2), np.float32)).shape
    TensorShape([1, 2, 3, 2])
"""
import math

from graphflow.errors import InvalidArgumentError
from graphflow.keras.layers.base import Layer
from graphflow.keras.layers.conv import _channels_last
from graphflow.keras.layers.noise import SpatialDropout1D
from graphflow.ops import api as ops
from graphflow.ops import conv_volume as volume_ops


def _triple(layer, name, value, allow_zero=False):
    """Keras's standardize_tuple(value, 3): an int n -> (n, n, n), or 3 ints."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = (value,) * 3
    try:
        value = tuple(value)
    except TypeError:
        raise InvalidArgumentError(
            f"{layer}: the `{name}` argument must be a tuple of 3 integers. Received: "
            f"{name}={value!r}") from None
    if len(value) != 3 or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise InvalidArgumentError(
            f"{layer}: the `{name}` argument must be a tuple of 3 integers. Received: "
            f"{name}={value!r}")
    if any(v < 0 or (v == 0 and not allow_zero) for v in value):
        req = ">= 0" if allow_zero else "> 0"
        raise InvalidArgumentError(
            f"{layer}: the `{name}` argument must be a tuple of 3 integers {req}. Received: "
            f"{name}={value!r}")
    return value


def _pair_entry(layer, what, value):
    if isinstance(value, int) and not isinstance(value, bool):
        value = (value, value)
    value = tuple(value)
    if len(value) != 2 or not all(isinstance(v, int) and v >= 0 for v in value):
        raise InvalidArgumentError(
            f"{layer}: the `{what}` argument must be a tuple of 2 integers >= 0. Received: "
            f"{value!r}")
    return value


def _three_pairs(layer, name, value):
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            raise InvalidArgumentError(f"`{name}` cannot be negative. Received: {name}={value}.")
        return ((value, value),) * 3
    if hasattr(value, "__len__"):
        if len(value) != 3:
            raise InvalidArgumentError(f"`{name}` should have 3 elements. Received: {value}.")
        return tuple(_pair_entry(layer, f"{('1st', '2nd', '3rd')[i]} entry of {name}", v)
                     for i, v in enumerate(value))
    raise InvalidArgumentError(
        f"`{name}` should be either an int, a tuple of 3 ints or a tuple of 3 tuples of 2 ints. "
        f"Received: {name}={value!r}.")


def _check_rank(layer, inputs, rank, layout):
    if inputs.shape.rank != rank:
        raise InvalidArgumentError(
            f"{type(layer).__name__} layer {layer.name!r} expects inputs of rank {rank} "
            f"{layout}, got shape {inputs.shape}")


_VOLUME = "(batch, depth, height, width, channels)"


class UpSampling3D(Layer):
    """Repeats each voxel size[0], size[1], size[2] times along depth, height and width."""
    _single_input = True

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(**kwargs)
        _channels_last("UpSampling3D", data_format)
        self.size = _triple("UpSampling3D", "size", size)

    def call(self, inputs):
        _check_rank(self, inputs, 5, _VOLUME)
        for axis, n in enumerate(self.size, start=1):
            inputs = ops.repeat(inputs, n, axis=axis)
        return inputs

    def get_config(self):
        return {**super().get_config(), "size": list(self.size)}


class ZeroPadding3D(Layer):
    """Zeros before and after depth, height and width: an int, 3 ints or 3 (before, after)."""
    _single_input = True

    def __init__(self, padding=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        _channels_last("ZeroPadding3D", data_format)
        self.padding = _three_pairs("ZeroPadding3D", "padding", padding)

    def call(self, inputs):
        _check_rank(self, inputs, 5, _VOLUME)
        return ops.pad(inputs, [[0, 0]] + [list(p) for p in self.padding] + [[0, 0]])

    def get_config(self):
        return {**super().get_config(), "padding": [list(p) for p in self.padding]}


class Cropping3D(Layer):
    """Removes (before, after) voxels of depth, height and width."""
    _single_input = True

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        _channels_last("Cropping3D", data_format)
        self.cropping = _three_pairs("Cropping3D", "cropping", cropping)

    def call(self, inputs):
        _check_rank(self, inputs, 5, _VOLUME)
        index = [slice(None)]
        for axis, (a, b) in enumerate(self.cropping, start=1):
            n = inputs.shape[axis]
            if n is not None and a + b >= n:
                raise InvalidArgumentError(
                    f"Cropping3D layer {self.name!r}: cropping {self.cropping} leaves nothing of "
                    f"inputs of shape {inputs.shape} (axis {axis} has {n})")
            index.append(slice(a, -b if b else None))
        return inputs[tuple(index)]

    def get_config(self):
        return {**super().get_config(), "cropping": [list(c) for c in self.cropping]}


class SpatialDropout3D(SpatialDropout1D):
    """Dropout of whole channels of (batch, depth, height, width, channels) volumes."""
    _rank = 5


class GlobalAveragePooling3D(Layer):
    """The mean over depth, height and width."""
    _single_input = True

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        _channels_last(type(self).__name__, data_format)
        self.keepdims = bool(keepdims)

    def call(self, inputs):
        _check_rank(self, inputs, 5, _VOLUME)
        return ops.reduce_mean(inputs, [1, 2, 3], keepdims=self.keepdims)

    def get_config(self):
        return {**super().get_config(), "keepdims": self.keepdims}


class GlobalMaxPooling3D(GlobalAveragePooling3D):
    """The maximum over depth, height and width."""

    def call(self, inputs):
        _check_rank(self, inputs, 5, _VOLUME)
        return ops.reduce_max(inputs, [1, 2, 3], keepdims=self.keepdims)


class _Pooling3D(Layer):
    _single_input = True
    _op = None

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        name = type(self).__name__
        _channels_last(name, data_format)
        self.pool_size = _triple(name, "pool_size", pool_size)
        self.strides = _triple(name, "strides", strides if strides is not None else pool_size)
        padding = str(padding).lower()
        if padding not in ("valid", "same"):
            raise InvalidArgumentError(
                f"{name}: the `padding` argument must be one of ['valid', 'same'], got "
                f"{padding!r}")
        self.padding = padding

    def call(self, inputs):
        _check_rank(self, inputs, 5, _VOLUME)
        return type(self)._op(inputs, self.pool_size, self.strides, self.padding.upper())

    def get_config(self):
        return {**super().get_config(), "pool_size": list(self.pool_size),
                "strides": list(self.strides), "padding": self.padding}


class MaxPooling3D(_Pooling3D):
    """The maximum of each (d, h, w) window."""
    _op = staticmethod(volume_ops.max_pool3d)

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling3D(_Pooling3D):
    """The mean of each (d, h, w) window (of its valid elements with "same" padding)."""
    _op = staticmethod(volume_ops.avg_pool3d)


MaxPool3D, AvgPool3D = MaxPooling3D, AveragePooling3D
GlobalAvgPool3D, GlobalMaxPool3D = GlobalAveragePooling3D, GlobalMaxPooling3D


# -- adaptive pooling ---------------------------------------------------------------------------

def adaptive_windows(length, out):
    """Keras 3.15's bins for `out` outputs over `length` inputs: output i starts at
    floor(i * length / out) and, of the two window sizes small = ceil(length / out) and
    small + 1, takes the big one where ceil((i + 1) * length / out) - start equals it."""
    small = math.ceil(length / out)
    big = small + 1
    windows = []
    for i in range(out):
        start = min(math.floor(i * length / out), length - 1)
        end = min(math.ceil((i + 1) * length / out), length)
        size = big if end - start == big else small
        windows.append((start, min(start + size, length)))
    return windows


def _adaptive_axis(x, axis, out, reduce):
    length = x.shape[axis]
    rank = x.shape.rank
    parts = []
    for start, end in adaptive_windows(length, out):
        index = [slice(None)] * rank
        index[axis] = slice(start, end)
        parts.append(reduce(x[tuple(index)], [axis], keepdims=True))
    return ops.concat(parts, axis) if len(parts) > 1 else parts[0]


class _AdaptivePooling(Layer):
    _single_input = True
    _rank = 2
    _reduce = None

    def __init__(self, output_size, data_format=None, **kwargs):
        name = type(self).__name__
        n = self._rank
        if isinstance(output_size, int) and not isinstance(output_size, bool):
            size = (output_size,) * n
        elif isinstance(output_size, (tuple, list)) and len(output_size) == n:
            size = tuple(output_size)
        else:
            what = {1: "integer or single-element tuple", 2: "integer or (height, width) tuple",
                    3: "integer or (depth, height, width) tuple"}[n]
            from graphflow.errors import InvalidTypeError
            raise InvalidTypeError(
                f"`output_size` must be an {what}. Received: {output_size} of type "
                f"{type(output_size)}")
        super().__init__(**kwargs)
        if data_format not in (None, "channels_last", "channels_first"):
            raise InvalidArgumentError(
                f"Invalid data_format: {data_format}. Expected 'channels_first' or "
                "'channels_last'.")
        _channels_last(name, data_format)
        self.output_size = size
        self.data_format = "channels_last"

    def call(self, inputs):
        _check_rank(self, inputs, self._rank + 2, "(batch, *spatial, channels)")
        spatial = inputs.shape.as_list()[1:-1]
        if any(d is None for d in spatial):
            raise InvalidArgumentError(
                f"{type(self).__name__} layer {self.name!r}: input spatial dimensions must be "
                f"statically known for adaptive pooling, got shape {inputs.shape}")
        x = inputs
        for axis, out in enumerate(self.output_size, start=1):
            x = _adaptive_axis(x, axis, out, type(self)._reduce)
        return x

    def get_config(self):
        return {**super().get_config(), "output_size": list(self.output_size),
                "data_format": self.data_format}


class AdaptiveAveragePooling1D(_AdaptivePooling):
    """The mean over each of output_size bins of the steps (Keras 3.15's bins)."""
    _rank = 1
    _reduce = staticmethod(ops.reduce_mean)


class AdaptiveMaxPooling1D(AdaptiveAveragePooling1D):
    """The maximum over each of output_size bins of the steps."""
    _reduce = staticmethod(ops.reduce_max)


class AdaptiveAveragePooling2D(_AdaptivePooling):
    """The mean over each of (out_h, out_w) bins of height and width."""
    _rank = 2
    _reduce = staticmethod(ops.reduce_mean)


class AdaptiveMaxPooling2D(AdaptiveAveragePooling2D):
    """The maximum over each of (out_h, out_w) bins."""
    _reduce = staticmethod(ops.reduce_max)


class AdaptiveAveragePooling3D(_AdaptivePooling):
    """The mean over each of (out_d, out_h, out_w) bins."""
    _rank = 3
    _reduce = staticmethod(ops.reduce_mean)


class AdaptiveMaxPooling3D(AdaptiveAveragePooling3D):
    """The maximum over each of (out_d, out_h, out_w) bins."""
    _reduce = staticmethod(ops.reduce_max)
