"""BatchNormalization and LayerNormalization.

    >>> from graphflow import keras
    >>> bn = keras.layers.BatchNormalization()
    >>> bn(np.ones((4, 3), np.float32), training=True).shape
    TensorShape([4, 3])
"""
from graphflow.errors import InvalidArgumentError
from graphflow.keras import initializers
from graphflow.keras.layers.base import Layer
from graphflow.ops import api as ops


def _axes(layer, axis, rank):
    axes = [axis] if isinstance(axis, int) else list(axis)
    out = []
    for a in axes:
        if not -rank <= a < rank:
            raise InvalidArgumentError(
                f"{type(layer).__name__} layer {layer.name!r}: axis {a} is out of range for "
                f"inputs of rank {rank}")
        out.append(a % rank)
    return sorted(out)


class BatchNormalization(Layer):
    """Normalizes with batch statistics in training (updating moving averages) and with the
    moving averages in inference."""
    _single_input = True

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones", **kwargs):
        super().__init__(**kwargs)
        if not 0 <= momentum <= 1:
            raise InvalidArgumentError(f"BatchNormalization: momentum must be in [0, 1], got {momentum}")
        self.axis, self.momentum, self.epsilon = axis, float(momentum), float(epsilon)
        self.center, self.scale = bool(center), bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)

    def build(self, input_shape):
        rank = input_shape.rank
        self._axes = _axes(self, self.axis, rank)
        shape = [input_shape[a] for a in self._axes]
        if any(d is None for d in shape):
            raise InvalidArgumentError(
                f"BatchNormalization layer {self.name!r}: the normalized axis must be known, "
                f"got input shape {input_shape}")
        self.gamma = self.add_weight("gamma", shape, initializer=self.gamma_initializer) \
            if self.scale else None
        self.beta = self.add_weight("beta", shape, initializer=self.beta_initializer) \
            if self.center else None
        self.moving_mean = self.add_weight("moving_mean", shape,
                                           initializer=self.moving_mean_initializer, trainable=False)
        self.moving_variance = self.add_weight("moving_variance", shape,
                                               initializer=self.moving_variance_initializer,
                                               trainable=False)
        self._reduce = [a for a in range(rank) if a not in self._axes]
        super().build(input_shape)

    def call(self, inputs, training=None):
        if training and self.trainable:
            mean, variance = ops.nn.moments(inputs, self._reduce)
            m = self.momentum
            self.moving_mean.assign(self.moving_mean * m + ops.stop_gradient(mean) * (1 - m))
            self.moving_variance.assign(self.moving_variance * m
                                        + ops.stop_gradient(variance) * (1 - m))
        else:
            mean, variance = self.moving_mean, self.moving_variance
        y = (inputs - mean) * ops.rsqrt(variance + self.epsilon)
        if self.scale:
            y = y * self.gamma
        if self.center:
            y = y + self.beta
        return y

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "momentum": self.momentum,
                "epsilon": self.epsilon, "center": self.center, "scale": self.scale}


class LayerNormalization(Layer):
    """Normalizes each example over `axis` (the last by default)."""
    _single_input = True

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", **kwargs):
        super().__init__(**kwargs)
        self.axis, self.epsilon = axis, float(epsilon)
        self.center, self.scale = bool(center), bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)

    def build(self, input_shape):
        self._axes = _axes(self, self.axis, input_shape.rank)
        shape = [input_shape[a] for a in self._axes]
        self.gamma = self.add_weight("gamma", shape, initializer=self.gamma_initializer) \
            if self.scale else None
        self.beta = self.add_weight("beta", shape, initializer=self.beta_initializer) \
            if self.center else None
        super().build(input_shape)

    def call(self, inputs):
        mean = ops.reduce_mean(inputs, self._axes, keepdims=True)
        variance = ops.reduce_mean(ops.squared_difference(inputs, mean), self._axes, keepdims=True)
        y = (inputs - mean) * ops.rsqrt(variance + self.epsilon)
        if self._axes == [inputs.shape.rank - 1]:
            if self.scale:
                y = y * self.gamma
            if self.center:
                y = y + self.beta
        else:
            shape = [inputs.shape[a] if a in self._axes else 1 for a in range(inputs.shape.rank)]
            if self.scale:
                y = y * ops.reshape(self.gamma, shape)
            if self.center:
                y = y + ops.reshape(self.beta, shape)
        return y

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon,
                "center": self.center, "scale": self.scale}
