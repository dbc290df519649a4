"""Core layers: Dense, Activation, Flatten, Reshape, Dropout, Rescaling, Embedding, Lambda.

    >>> from graphflow import keras
    >>> keras.layers.Dense(3, activation="relu")(np.ones((2, 4), np.float32)).shape
    TensorShape([2, 3])
"""
import numpy as np

from graphflow.errors import InvalidArgumentError
from graphflow.keras import activations, constraints, initializers, regularizers
from graphflow.keras.layers.base import Layer, unique_name
from graphflow.ops import api as ops


def _positive_int(layer, name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise InvalidArgumentError(
            f"{layer}: received an invalid value for argument `{name}`, expected a positive "
            f"integer, got {value!r}")
    return int(value)


class Dense(Layer):
    """y = activation(x @ kernel + bias) over the last axis."""
    _single_input = True
    supports_masking = True  # Keras 3: the input mask passes through

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.units = _positive_int("Dense", "units", units)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)

    def build(self, input_shape):
        last = input_shape[-1] if input_shape.rank else None
        if last is None:
            raise InvalidArgumentError(
                f"Dense layer {self.name!r}: the last dimension of the inputs must be known, got "
                f"input shape {input_shape}")
        self.kernel = self.add_weight("kernel", (last, self.units), initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = self.add_weight("bias", (self.units,), initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
        super().build(input_shape)

    def call(self, inputs):
        if inputs.dtype.name != self.kernel.dtype.name:
            inputs = ops.cast(inputs, self.kernel.dtype)
        rank = inputs.shape.rank
        if inputs.shape[-1] is not None and inputs.shape[-1] != self.kernel.shape[0]:
            raise InvalidArgumentError(
                f"Dense layer {self.name!r}: expected the last axis of the inputs to be "
                f"{self.kernel.shape[0]}, got input shape {inputs.shape}")
        if getattr(inputs, "_composite_components", None) is not None:  # a SparseTensor
            if rank != 2:
                raise InvalidArgumentError(
                    f"Dense layer {self.name!r}: a sparse input must have rank 2, got shape "
                    f"{inputs.shape}")
            from graphflow.ops.sparse import sparse_dense_matmul
            y = sparse_dense_matmul(inputs, self.kernel)
        elif rank == 2:
            y = ops.matmul(inputs, self.kernel)
        else:
            dims = inputs.shape.as_list()
            flat = ops.matmul(ops.reshape(inputs, (-1, dims[-1])), self.kernel)
            if sum(d is None for d in dims[:-1]) <= 1:
                y = ops.reshape(flat, [-1 if d is None else d for d in dims[:-1]] + [self.units])
            else:  # batch and time both unknown (keras.Input((None, 3))): the runtime shape
                y = ops.reshape(flat, ops.concat([ops.shape(inputs)[:-1], [self.units]], 0))
        if self.use_bias:
            y = y + self.bias
        return self.activation(y)

    def get_config(self):
        return {**super().get_config(), "units": self.units,
                "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint)}


class Activation(Layer):
    _single_input = True

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)

    def call(self, inputs):
        return self.activation(inputs)

    def get_config(self):
        return {**super().get_config(), "activation": activations.serialize(self.activation)}


class Flatten(Layer):
    """Flattens all axes but the batch axis."""
    _single_input = True

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)

    def call(self, inputs):
        dims = inputs.shape.as_list()
        rest = dims[1:]
        if any(d is None for d in rest):
            raise InvalidArgumentError(
                f"Flatten layer {self.name!r}: all non-batch dimensions must be known, got "
                f"{inputs.shape}")
        return ops.reshape(inputs, (-1, int(np.prod(rest, dtype=np.int64))))


class Reshape(Layer):
    """Reshapes the non-batch axes to `target_shape` (one entry may be -1)."""
    _single_input = True

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        target_shape = tuple(int(d) for d in target_shape)
        if list(target_shape).count(-1) > 1:
            raise InvalidArgumentError(f"Reshape: at most one -1 in target_shape {target_shape}")
        self.target_shape = target_shape

    def call(self, inputs):
        dims = inputs.shape.as_list()
        size = None if any(d is None for d in dims[1:]) else int(np.prod(dims[1:], dtype=np.int64))
        known = int(np.prod([d for d in self.target_shape if d != -1], dtype=np.int64))
        if size is not None and ((-1 not in self.target_shape and size != known)
                                 or (-1 in self.target_shape and size % max(known, 1))):
            raise InvalidArgumentError(
                f"Reshape layer {self.name!r}: total size of new array must be unchanged, "
                f"input_shape = {dims[1:]}, output_shape = {list(self.target_shape)}")
        target = self.target_shape
        if -1 in target and size is not None:
            target = tuple(size // known if d == -1 else d for d in target)
        batch = dims[0]
        return ops.reshape(inputs, (batch if batch is not None else -1,) + target)

    def get_config(self):
        return {**super().get_config(), "target_shape": list(self.target_shape)}


class Dropout(Layer):
    """Randomly zeros a fraction `rate` of inputs during training (scaling the rest)."""
    supports_masking = True  # Keras 3: the input mask passes through

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= float(rate) < 1:
            raise InvalidArgumentError(
                f"Dropout: invalid value received for argument `rate`, expected a value in "
                f"[0, 1), got {rate!r}")
        self.rate, self.noise_shape, self.seed = float(rate), noise_shape, seed

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        return ops.nn.dropout(inputs, self.rate, self.noise_shape, self.seed)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "noise_shape": self.noise_shape,
                "seed": self.seed}


class Rescaling(Layer):
    """x * scale + offset."""
    _single_input = True

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale, self.offset = float(scale), float(offset)

    def call(self, inputs):
        if not inputs.dtype.is_floating:
            inputs = ops.cast(inputs, "float32")
        return inputs * self.scale + self.offset

    def get_config(self):
        return {**super().get_config(), "scale": self.scale, "offset": self.offset}


class Embedding(Layer):
    """Looks up rows of an (input_dim, output_dim) table for integer inputs."""
    _single_input = True

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False,
                 input_length=None, **kwargs):
        super().__init__(**kwargs)
        self.input_dim = _positive_int("Embedding", "input_dim", input_dim)
        self.output_dim = _positive_int("Embedding", "output_dim", output_dim)
        init = "random_uniform" if embeddings_initializer == "uniform" else embeddings_initializer
        self.embeddings_initializer = initializers.get(init)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = bool(mask_zero)

    def build(self, input_shape):
        self.embeddings = self.add_weight("embeddings", (self.input_dim, self.output_dim),
                                          initializer=self.embeddings_initializer,
                                          regularizer=self.embeddings_regularizer,
                                          constraint=self.embeddings_constraint)
        super().build(input_shape)

    def call(self, inputs):
        if not inputs.dtype.is_integer:
            inputs = ops.cast(inputs, "int32")
        return ops.gather(self.embeddings, inputs)

    def compute_mask(self, inputs, mask=None):
        # mask_zero: index 0 is padding, which recurrent layers skip (Keras's mask)
        return ops.not_equal(inputs, 0) if self.mask_zero else None

    def get_config(self):
        return {**super().get_config(), "input_dim": self.input_dim, "output_dim": self.output_dim,
                "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
                "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
                "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
                "mask_zero": self.mask_zero}


class Lambda(Layer):
    """Wraps a function of tensors as a layer (not serializable across processes)."""

    def __init__(self, function, output_shape=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise InvalidArgumentError(f"Lambda: expected a callable, got {function!r}")
        self.function, self.arguments = function, arguments or {}

    def call(self, inputs, *args):
        return self.function(inputs, *args, **self.arguments)

    def get_config(self):
        raise InvalidArgumentError(
            f"Lambda layer {self.name!r} wraps a Python function and cannot be saved to a config; "
            "use a custom Layer subclass (with get_config) instead")


class TFOpLambda(Lambda):
    """An op applied to KerasTensors (x + 1 on a functional input) recorded as a layer."""

    def __init__(self, function, name=None, **kwargs):
        super().__init__(function, name=unique_name(f"tf.{name or 'op'}"), **kwargs)
