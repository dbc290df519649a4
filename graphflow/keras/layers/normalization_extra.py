"""UnitNormalization and GroupNormalization.

    >>> from graphflow import keras
    >>> keras.layers.UnitNormalization()(np.array([[3.0, 4.0]], np.float32)).numpy()
    array([[0.6, 0.8]], dtype=float32)
"""
from graphflow.errors import InvalidArgumentError, UnimplementedError
from graphflow.keras import constraints, initializers, regularizers
from graphflow.keras.layers.base import Layer
from graphflow.keras.layers.normalization import _axes
from graphflow.ops import api as ops


class UnitNormalization(Layer):
    """Scales each example to unit L2 norm over `axis` (an int or a list of ints)."""
    supports_masking = True  # Keras 3: the input mask passes through
    _single_input = True

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = list(axis) if isinstance(axis, (list, tuple)) else axis

    def call(self, inputs):
        if not inputs.dtype.is_floating:
            inputs = ops.cast(inputs, "float32")
        axes = _axes(self, self.axis, inputs.shape.rank)
        return ops.nn.l2_normalize(inputs, axis=axes, epsilon=1e-12)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


class GroupNormalization(Layer):
    """Splits the channels (last axis) into `groups` and normalizes each example's group over
    its channels and all other non-batch axes, then scales by gamma and shifts by beta
    (per channel)."""
    supports_masking = True  # Keras 3: the input mask passes through
    _single_input = True

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(groups, bool) or not isinstance(groups, int) or groups <= 0:
            raise InvalidArgumentError(
                f"GroupNormalization: `groups` must be a positive int, got {groups!r}")
        self.groups, self.axis, self.epsilon = groups, axis, float(epsilon)
        self.center, self.scale = bool(center), bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)  # applied after updates
        self.gamma_constraint = constraints.get(gamma_constraint)

    def build(self, input_shape):
        rank = input_shape.rank
        if rank is None or rank < 2:
            raise InvalidArgumentError(
                f"GroupNormalization layer {self.name!r} needs inputs of rank >= 2, got "
                f"{input_shape}")
        if _axes(self, self.axis, rank) != [rank - 1]:
            raise UnimplementedError(
                f"GroupNormalization layer {self.name!r}: only the channels axis -1 is "
                f"supported, got axis={self.axis}")
        channels = input_shape[-1]
        if channels is None:
            raise InvalidArgumentError(
                f"Axis -1 of input tensor should have a defined dimension but the layer "
                f"received an input with shape {input_shape}.")
        if self.groups > channels:
            raise InvalidArgumentError(
                f"Number of groups ({self.groups}) cannot be more than the number of channels "
                f"({channels}).")
        if channels % self.groups:
            raise InvalidArgumentError(
                f"Number of groups ({self.groups}) must be a multiple of the number of channels "
                f"({channels}).")
        self.gamma = self.add_weight("gamma", (channels,), initializer=self.gamma_initializer,
                                     regularizer=self.gamma_regularizer,
                                     constraint=self.gamma_constraint) if self.scale else None
        self.beta = self.add_weight("beta", (channels,), initializer=self.beta_initializer,
                                    regularizer=self.beta_regularizer,
                                    constraint=self.beta_constraint) if self.center else None
        super().build(input_shape)

    def call(self, inputs):
        dims = inputs.shape.as_list()
        channels = dims[-1]
        inner = [-1 if d is None else d for d in dims[1:-1]]
        shape = ops.concat([ops.shape(inputs)[:1],
                            ops.constant(inner + [self.groups, channels // self.groups], "int32")],
                           0)
        grouped = ops.reshape(inputs, shape)
        axes = list(range(1, len(dims) - 1)) + [len(dims)]
        mean, variance = ops.nn.moments(grouped, axes, keepdims=True)
        y = ops.reshape((grouped - mean) * ops.rsqrt(variance + self.epsilon), ops.shape(inputs))
        if self.scale:
            y = y * self.gamma
        if self.center:
            y = y + self.beta
        return y

    def get_config(self):
        return {**super().get_config(), "groups": self.groups, "axis": self.axis,
                "epsilon": self.epsilon, "center": self.center, "scale": self.scale,
                "beta_initializer": initializers.serialize(self.beta_initializer),
                "gamma_initializer": initializers.serialize(self.gamma_initializer),
                "beta_regularizer": regularizers.serialize(self.beta_regularizer),
                "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
                "beta_constraint": constraints.serialize(self.beta_constraint),
                "gamma_constraint": constraints.serialize(self.gamma_constraint)}
