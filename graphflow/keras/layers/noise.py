"""Regularization layers active only with training=True: SpatialDropout1D/2D, GaussianNoise,
GaussianDropout.

    >>> from graphflow import keras
    >>> layer = keras.layers.GaussianNoise(0.1)
    >>> layer(np.ones((2, 3), np.float32)).numpy()  # inference: unchanged
    array([[1., 1., 1.],
           [1., 1., 1.]], dtype=float32)
"""
import math

from graphflow.errors import InvalidArgumentError
from graphflow.keras.layers.base import Layer
from graphflow.ops import api as ops
from graphflow.ops import random


def _rate(layer, rate):
    if not 0 <= float(rate) < 1:
        raise InvalidArgumentError(
            f"{layer}: invalid value received for argument `rate`, expected a value in [0, 1), "
            f"got {rate!r}")
    return float(rate)


class SpatialDropout1D(Layer):
    """Dropout of whole feature maps: each (example, channel) of (batch, steps, channels) is
    kept or zeroed for all steps."""
    supports_masking = True  # Keras 3: the input mask passes through
    _single_input = True
    _rank = 3

    def __init__(self, rate, seed=None, data_format=None, **kwargs):
        super().__init__(**kwargs)
        from graphflow.keras.layers.conv import _channels_last
        _channels_last(type(self).__name__, data_format)
        self.rate, self.seed = _rate(type(self).__name__, rate), seed

    def call(self, inputs, training=None):
        if inputs.shape.rank != self._rank:
            raise InvalidArgumentError(
                f"{type(self).__name__} layer {self.name!r} expects inputs of rank {self._rank}, "
                f"got shape {inputs.shape}")
        if not training or self.rate == 0:
            return inputs
        noise_shape = ops.stack([ops.shape(inputs)[0]] + [1] * (self._rank - 2)
                                + [ops.shape(inputs)[-1]])
        return ops.nn.dropout(inputs, self.rate, noise_shape, self.seed)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}


class SpatialDropout2D(SpatialDropout1D):
    """Dropout of whole channels of (batch, height, width, channels) images."""
    _rank = 4


class GaussianNoise(Layer):
    """Adds N(0, stddev**2) noise in training."""
    supports_masking = True  # Keras 3: the input mask passes through

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= float(stddev):
            raise InvalidArgumentError(
                f"GaussianNoise: invalid value received for argument `stddev`, expected a "
                f"non-negative float, got {stddev!r}")
        self.stddev, self.seed = float(stddev), seed

    def call(self, inputs, training=None):
        if not training or self.stddev == 0:
            return inputs
        noise = random.normal(ops.shape(inputs), stddev=self.stddev, dtype=inputs.dtype,
                              seed=self.seed)
        return inputs + noise

    def get_config(self):
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}


class GaussianDropout(Layer):
    """Multiplies by N(1, rate / (1 - rate)) noise in training."""
    supports_masking = True  # Keras 3: the input mask passes through

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate, self.seed = _rate("GaussianDropout", rate), seed

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        noise = random.normal(ops.shape(inputs), mean=1.0, stddev=stddev, dtype=inputs.dtype,
                              seed=self.seed)
        return inputs * noise

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}
