"""Activation layers: Softmax, ReLU, LeakyReLU, PReLU, ELU.

    >>> from graphflow import keras
    >>> keras.layers.ReLU(max_value=1.0)(np.array([-1.0, 0.5, 3.0], np.float32)).numpy()
    array([0. , 0.5, 1. ], dtype=float32)
    >>> keras.layers.Softmax()(np.array([[0.0, 0.0]], np.float32)).numpy()
    array([[0.5, 0.5]], dtype=float32)
"""
from graphflow.errors import InvalidArgumentError
from graphflow.keras import constraints, initializers, regularizers
from graphflow.keras.layers.base import Layer
from graphflow.ops import api as ops


def _large_negative(dtype):
    """What masked logits get before a softmax (Keras's _large_negative_number)."""
    return -3e4 if dtype.name == "float16" else -1e9


class Softmax(Layer):
    """softmax over `axis` (an int or a list of ints); with a `mask` (broadcastable to the
    inputs; True or > 0.5 keeps) masked positions get weight 0, as Keras 3.

        >>> keras.layers.Softmax()(np.zeros((1, 3), np.float32), mask=[[1, 1, 0]]).numpy()
        array([[0.5, 0.5, 0. ]], dtype=float32)
    """
    supports_masking = True  # Keras 3: the input mask passes through

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def call(self, inputs, mask=None):
        if mask is not None:
            mask = ops.convert_to_tensor(mask)
            if mask.dtype.name != "bool":  # Keras keeps the positions > 0.5
                mask = ops.greater(mask, ops.cast(0.5, mask.dtype))
            inputs = ops.where(mask, inputs, _large_negative(inputs.dtype))
        if isinstance(self.axis, (list, tuple)) and len(self.axis) > 1:
            # exp(x - logsumexp(x, axes)) normalizes over all the axes at once
            out = ops.exp(inputs - ops.reduce_logsumexp(inputs, list(self.axis), keepdims=True))
        else:
            axis = self.axis[0] if isinstance(self.axis, (list, tuple)) else self.axis
            out = ops.nn.softmax(inputs, axis=axis)
        if mask is not None:
            # a wholly masked row would be uniform: Keras gives it zeros
            out = ops.where(mask, out, ops.zeros_like(out))
        return out

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


class ReLU(Layer):
    """x for x >= threshold, negative_slope * (x - threshold) below it, capped at max_value."""
    supports_masking = True  # Keras 3: the input mask passes through
    _single_input = True

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        if max_value is not None and max_value < 0:
            raise InvalidArgumentError(
                f"max_value of a ReLU layer cannot be a negative value. Received: {max_value}")
        if negative_slope is None or negative_slope < 0:
            raise InvalidArgumentError(
                "negative_slope of a ReLU layer cannot be a negative value. Received: "
                f"{negative_slope}")
        if threshold is None or threshold < 0:
            raise InvalidArgumentError(
                f"threshold of a ReLU layer cannot be a negative value. Received: {threshold}")
        self.max_value = None if max_value is None else float(max_value)
        self.negative_slope, self.threshold = float(negative_slope), float(threshold)

    def call(self, inputs):
        x = inputs
        if self.negative_slope == 0 and self.threshold == 0:
            y = ops.relu(x)
        else:
            below = self.negative_slope * (x - self.threshold)
            y = ops.where(x >= self.threshold, x, below)
        if self.max_value is not None:
            y = ops.minimum(y, self.max_value)
        return y

    def get_config(self):
        return {**super().get_config(), "max_value": self.max_value,
                "negative_slope": self.negative_slope, "threshold": self.threshold}


class LeakyReLU(Layer):
    """x for x >= 0, negative_slope * x below (Keras 3's name; `alpha` is accepted too)."""
    supports_masking = True  # Keras 3: the input mask passes through
    _single_input = True

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:  # tf.keras 2's argument name
            negative_slope = kwargs.pop("alpha")
        super().__init__(**kwargs)
        if negative_slope is None or negative_slope < 0:
            raise InvalidArgumentError(
                "The negative_slope value of a Leaky ReLU layer cannot be None or negative "
                f"value. Expected a float. Received: negative_slope={negative_slope}")
        self.negative_slope = float(negative_slope)

    def call(self, inputs):
        return ops.nn.leaky_relu(inputs, alpha=self.negative_slope)

    def get_config(self):
        return {**super().get_config(), "negative_slope": self.negative_slope}


class PReLU(Layer):
    """max(x, 0) + alpha * min(x, 0) with a learned `alpha` per element (shared along
    `shared_axes`, numbered from 1)."""
    supports_masking = True  # Keras 3: the input mask passes through
    _single_input = True

    def __init__(self, alpha_initializer="zeros", alpha_regularizer=None,
                 alpha_constraint=None, shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)  # applied after updates
        if shared_axes is not None and not isinstance(shared_axes, (list, tuple)):
            shared_axes = [shared_axes]
        self.shared_axes = None if shared_axes is None else [int(a) for a in shared_axes]

    def build(self, input_shape):
        shape = list(input_shape.as_list()[1:])
        for a in self.shared_axes or []:
            if not 1 <= a <= len(shape):
                raise InvalidArgumentError(
                    f"PReLU layer {self.name!r}: shared axis {a} is out of range for inputs of "
                    f"shape {input_shape}")
            shape[a - 1] = 1
        if any(d is None for d in shape):
            raise InvalidArgumentError(
                f"PReLU layer {self.name!r}: the non-batch dimensions must be known (or shared), "
                f"got input shape {input_shape}")
        self.alpha = self.add_weight("alpha", shape, initializer=self.alpha_initializer,
                                     regularizer=self.alpha_regularizer,
                                     constraint=self.alpha_constraint)
        super().build(input_shape)

    def call(self, inputs):
        return ops.relu(inputs) - self.alpha * ops.relu(-inputs)

    def get_config(self):
        return {**super().get_config(),
                "alpha_initializer": initializers.serialize(self.alpha_initializer),
                "alpha_regularizer": regularizers.serialize(self.alpha_regularizer),
                "alpha_constraint": constraints.serialize(self.alpha_constraint),
                "shared_axes": self.shared_axes}


class ELU(Layer):
    """x for x > 0, alpha * (exp(x) - 1) otherwise."""
    supports_masking = True  # Keras 3: the input mask passes through
    _single_input = True

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = float(alpha)

    def call(self, inputs):
        y = ops.nn.elu(inputs)
        if self.alpha == 1.0:
            return y
        return ops.where(inputs > 0, y, self.alpha * y)

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha}
