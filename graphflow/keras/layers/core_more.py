"""Keras 3 layers beyond the core set: the Wrapper base class, ActivityRegularization,
AlphaDropout, RMSNormalization, SpectralNormalization, EinsumDense and Pipeline.

    >>> from graphflow import keras
    >>> layer = keras.layers.EinsumDense("ab,bc->ac", output_shape=4, bias_axes="c")
    >>> layer(np.ones((2, 3), np.float32)).shape
    TensorShape([2, 4])
    >>> [w.shape.as_list() for w in layer.weights]
    [[3, 4], [4]]
"""
import re

import numpy as np

from graphflow.errors import InvalidArgumentError
from graphflow.keras import activations, constraints, initializers, regularizers
from graphflow.keras.backend import epsilon as _epsilon  # read at each use: set_epsilon
from graphflow.keras.layers.base import Layer, get_mask
from graphflow.keras.layers.core import Embedding
from graphflow.keras.layers.input_spec import InputSpec
from graphflow.ops import api as ops
from graphflow.ops import random
from graphflow.tensor import TensorShape


class Wrapper(Layer):
    """Base class of layers that wrap another layer (`self.layer`), built on the same input
    shape.

        >>> class Doubled(keras.layers.Wrapper):
        ...     def call(self, x):
        ...         return self.layer(x) * 2.0
        >>> Doubled(keras.layers.Dense(1, kernel_initializer="ones"))(np.ones((1, 2), np.float32)).numpy()
        array([[4.]], dtype=float32)
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise InvalidArgumentError(
                f"Layer {layer!r:.100} supplied to Wrapper isn't a supported layer type. Please "
                "ensure wrapped layer is a valid Keras layer.")
        super().__init__(**kwargs)
        self.layer = layer

    def build(self, input_shape=None):
        if not self.layer.built:
            self.layer.build(input_shape)
            self.layer.built = True
        self._build_input_shape = input_shape
        self.built = True

    def get_config(self):
        from graphflow.keras.saving.config import serialize_layer
        return {**super().get_config(), "layer": serialize_layer(self.layer)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from graphflow.keras.saving.config import deserialize_layer
        config = dict(config)
        layer = deserialize_layer(config.pop("layer"), custom_objects)
        return cls(layer, **config)


class ActivityRegularization(Layer):
    """The identity, adding l1 * sum(|x|) + l2 * sum(x**2) (divided by the batch size) to the
    layer's losses.

        >>> layer = keras.layers.ActivityRegularization(l1=0.5)
        >>> _ = layer(np.array([[1.0, -2.0]], np.float32))
        >>> float(layer.losses[0])
        1.5
    """
    supports_masking = True

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        kwargs.pop("activity_regularizer", None)
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.l1, self.l2 = l1, l2

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.pop("activity_regularizer", None)
        return {**config, "l1": self.l1, "l2": self.l2}


class AlphaDropout(Layer):
    """Dropout that keeps the mean and variance of SELU activations: dropped units are set to
    SELU's negative saturation value and the result is scaled and shifted back (training only).

        >>> keras.layers.AlphaDropout(0.5)(np.ones((1, 3), np.float32)).numpy()
        array([[1., 1., 1.]], dtype=float32)
    """
    supports_masking = True

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= rate <= 1:
            raise InvalidArgumentError(
                "Invalid value received for argument `rate`. Expected a float value between 0 "
                f"and 1. Received: rate={rate}")
        self.rate, self.seed = rate, seed
        self.noise_shape = None if noise_shape is None else list(noise_shape)

    def call(self, inputs, training=False):
        if not training or self.rate <= 0:
            return inputs
        if self.noise_shape is None:
            noise_shape = ops.shape(inputs)
        else:
            dims = ops.shape(inputs)
            noise_shape = ops.stack([dims[i] if d is None else d
                                     for i, d in enumerate(self.noise_shape)])
        alpha, scale = 1.6732632423543772, 1.0507009873554805
        alpha_p = -alpha * scale
        kept = ops.cast(ops.greater_equal(random.uniform(noise_shape, seed=self.seed),
                                          self.rate), inputs.dtype)
        a = ((1 - self.rate) * (1 + self.rate * alpha_p ** 2)) ** -0.5
        b = -a * alpha_p * self.rate
        x = inputs * kept + alpha_p * (1 - kept)
        return a * x + b

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed,
                "noise_shape": self.noise_shape}


def _axes_list(axis):
    return sorted(int(a) for a in axis) if isinstance(axis, (list, tuple)) else [int(axis)]


class RMSNormalization(Layer):
    """x / sqrt(mean(x**2 over `axis`) + epsilon) * scale (a trainable scale of the normalized
    axes' shape, starting at ones).

        >>> out = keras.layers.RMSNormalization()(np.array([[3.0, 4.0]], np.float32))
        >>> np.round(out.numpy(), 4)
        array([[0.8485, 1.1314]], dtype=float32)
    """

    def __init__(self, axis=-1, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        self.axis, self.epsilon = axis, epsilon

    def build(self, input_shape):
        rank = input_shape.rank
        for a in _axes_list(self.axis):
            if not -rank <= a < rank:
                raise InvalidArgumentError(
                    f"Axis {a} is out of bounds for input shape {tuple(input_shape.as_list())}. "
                    f"Received: axis={self.axis}")
        if isinstance(self.axis, (list, tuple)):
            self.axis = sorted(self.axis)
            shape = tuple(input_shape[d] for d in self.axis)
        else:
            shape = (input_shape[self.axis],)
            self.axis = [self.axis]
        self.scale = self.add_weight("scale", shape, initializer="ones")
        super().build(input_shape)

    def call(self, x):
        rank = x.shape.rank
        axes = [a % rank for a in _axes_list(self.axis)]
        rrms = ops.rsqrt(ops.reduce_mean(ops.square(x), axes, keepdims=True) + self.epsilon)
        # the scale has the normalized axes' shape; align it with them (Keras broadcasts it
        # against the trailing axes, which are the normalized ones when they are the last)
        scale = ops.cast(self.scale, x.dtype)
        if axes != list(range(rank - len(axes), rank)):
            scale = ops.reshape(scale, [x.shape[i] if i in axes else 1 for i in range(rank)])
        return x * rrms * scale

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon}


def _l2_normalize_all(x):
    """Keras's normalize(x, axis=None): x * min(rsqrt(sum(x**2)), 1 / epsilon)."""
    inv = ops.minimum(ops.rsqrt(ops.reduce_sum(ops.square(x))), 1.0 / _epsilon())
    return x * inv


class SpectralNormalization(Wrapper):
    """Divides the wrapped layer's kernel (or embeddings) by its largest singular value,
    estimated by `power_iterations` steps of the power method from the non-trainable vector_u;
    as in Keras, the update is assigned to the kernel (and vector_u) in training calls only.

        >>> sn = keras.layers.SpectralNormalization(keras.layers.Dense(2))
        >>> sn(np.ones((1, 3), np.float32), training=True).shape
        TensorShape([1, 2])
    """

    def __init__(self, layer, power_iterations=1, **kwargs):
        super().__init__(layer, **kwargs)
        if power_iterations <= 0:
            raise InvalidArgumentError(
                "`power_iterations` should be greater than zero. Received: "
                f"`power_iterations={power_iterations}`")
        self.power_iterations = power_iterations

    def build(self, input_shape):
        super().build(input_shape)
        self.input_spec = InputSpec(min_ndim=1, axes={-1: input_shape[-1]})
        if hasattr(self.layer, "kernel") and self.layer.kernel is not None:
            self.kernel = self.layer.kernel
        elif hasattr(self.layer, "embeddings"):
            self.kernel = self.layer.embeddings
        else:
            raise InvalidArgumentError(
                f"{type(self.layer).__name__} object has no attribute 'kernel' nor 'embeddings'")
        self.kernel_shape = self.kernel.shape.as_list()
        self.vector_u = self.add_weight(
            "vector_u", (1, self.kernel_shape[-1]),
            initializer=initializers.TruncatedNormal(stddev=0.02), trainable=False,
            dtype=self.kernel.dtype)

    def normalized_weights(self):
        """(vector_u, kernel / sigma) after the power iterations."""
        weights = ops.reshape(self.kernel, [-1, self.kernel_shape[-1]])
        vector_u = ops.identity(self.vector_u)
        for _ in range(self.power_iterations):
            vector_v = _l2_normalize_all(ops.matmul(vector_u, ops.transpose(weights)))
            vector_u = _l2_normalize_all(ops.matmul(vector_v, weights))
        vector_u = ops.stop_gradient(vector_u)
        vector_v = ops.stop_gradient(vector_v)
        sigma = ops.matmul(ops.matmul(vector_v, weights), ops.transpose(vector_u))
        return vector_u, ops.reshape(ops.identity(self.kernel) / sigma, self.kernel_shape)

    def call(self, inputs, training=False):
        if training:
            # Keras: an all-zero kernel is left alone (sigma would be 0)
            zero = ops.reduce_all(ops.equal(ops.identity(self.kernel), 0))
            new_u, new_kernel = self.normalized_weights()
            self.vector_u.assign(ops.where(zero, ops.identity(self.vector_u), new_u))
            self.kernel.assign(ops.where(zero, ops.identity(self.kernel), new_kernel))
        output = self.layer(inputs)
        return ops.cast(output, inputs.dtype)

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def get_config(self):
        return {**super().get_config(), "power_iterations": self.power_iterations}


# -- EinsumDense ------------------------------------------------------------------------------

def analyze_einsum_string(equation, bias_axes, input_shape, output_shape):
    """Keras's _analyze_einsum_string: (kernel shape, bias shape, full output shape, kernel
    axes from the input, kernel axes from the output) for an "[X],[Y]->[Z]" equation, with
    "..." allowed at the start or end of X and Z."""
    dot_replaced = re.sub(r"\.\.\.", "0", equation)
    split = re.match("([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)", dot_replaced)
    if split:
        return _analyze_split_string(split, bias_axes, input_shape, output_shape)
    split = re.match("0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)", dot_replaced)
    if split:
        return _analyze_split_string(split, bias_axes, input_shape, output_shape,
                                     left_elided=True)
    split = re.match("([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0", dot_replaced)
    if split:
        return _analyze_split_string(split, bias_axes, input_shape, output_shape)
    raise InvalidArgumentError(
        f"Invalid einsum equation '{equation}'. Equations must be in the form [X],[Y]->[Z], "
        "...[X],[Y]->...[Z], or [X]...,[Y]->[Z]....")


def _analyze_split_string(split, bias_axes, input_shape, output_shape, left_elided=False):
    input_spec, weight_spec, output_spec = split.group(1), split.group(2), split.group(3)
    elided = len(input_shape) - len(input_spec)
    output_shape = list(output_shape)
    output_shape.insert(0, input_shape[0])
    if elided > 0 and left_elided:
        for i in range(1, elided):
            output_shape.insert(1, input_shape[i])
    elif elided > 0:
        for i in range(len(input_shape) - elided, len(input_shape)):
            output_shape.append(input_shape[i])
    if left_elided:
        input_dim_map = {d: i + elided - len(input_shape) for i, d in enumerate(input_spec)}
        output_dim_map = {d: i + elided for i, d in enumerate(output_spec)}
    else:
        input_dim_map = {d: i for i, d in enumerate(input_spec)}
        output_dim_map = {d: i for i, d in enumerate(output_spec)}
    for d in input_spec:
        size = input_shape[input_dim_map[d]]
        if d in output_dim_map:
            out = output_shape[output_dim_map[d]]
            if out is not None and out != size:
                raise InvalidArgumentError(
                    f"Input shape and output shape do not match at shared dimension '{d}'. "
                    f"Input shape is {size}, and output shape is {out}.")
    for d in output_spec:
        if d not in input_spec and d not in weight_spec:
            raise InvalidArgumentError(
                f"Dimension '{d}' was specified in the output '{output_spec}' but has no "
                f"corresponding dim in the input spec '{input_spec}' or weight spec "
                f"'{output_spec}'")
    weight_shape, input_axes, output_axes = [], [], []
    for i, d in enumerate(weight_spec):
        if d in output_dim_map:
            weight_shape.append(output_shape[output_dim_map[d]])
            output_axes.append(i)
        elif d in input_dim_map:
            weight_shape.append(input_shape[input_dim_map[d]])
            input_axes.append(i)
        else:
            raise InvalidArgumentError(
                f"Weight dimension '{d}' did not have a match in either the input spec "
                f"'{input_spec}' or the output spec '{output_spec}'. For this layer, the weight "
                "must be fully specified.")
    bias_shape = None
    if bias_axes is not None:
        num_left_elided = elided if left_elided else 0
        idx_map = {c: output_shape[i + num_left_elided] for i, c in enumerate(output_spec)}
        for c in bias_axes:
            if c not in output_spec:
                raise InvalidArgumentError(
                    f"Bias dimension '{c}' was requested, but is not part of the output spec "
                    f"'{output_spec}'")
        first = min(output_spec.find(c) for c in bias_axes)
        bias_shape = [idx_map[c] if c in bias_axes else 1 for c in output_spec[first:]]
        if not left_elided:
            bias_shape += [1] * elided
    return weight_shape, bias_shape, output_shape, input_axes, output_axes


class _AxesVarianceScaling:
    """A VarianceScaling initializer whose fans are the products of the kernel's input and
    output axes (Keras 3's EinsumDense passes input_axes/output_axes to it): the values are
    drawn as a (fan_in, fan_out) matrix and reshaped, which has the same distribution."""

    def __init__(self, init, input_axes, output_axes):
        self.init, self.input_axes, self.output_axes = init, input_axes, output_axes

    def __call__(self, shape, dtype=None):
        fan_in = int(np.prod([shape[i] for i in self.input_axes]))
        fan_out = int(np.prod([shape[i] for i in self.output_axes]))
        return ops.reshape(self.init((fan_in, fan_out), dtype=dtype), list(shape))


class EinsumDense(Layer):
    """A dense layer given by an einsum equation between the input and the kernel, e.g.
    "abc,cd->abd"; `output_shape` is the output without the batch axis (None for dims taken
    from the input) and `bias_axes` the output labels the bias spans.

        >>> layer = keras.layers.EinsumDense("abc,cde->abde", output_shape=(None, 2, 4))
        >>> layer(np.ones((2, 5, 3), np.float32)).shape
        TensorShape([2, 5, 2, 4])
    """

    def __init__(self, equation, output_shape, activation=None, bias_axes=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, lora_rank=None, lora_alpha=None,
                 quantization_config=None, **kwargs):
        super().__init__(**kwargs)
        if lora_rank or quantization_config is not None:
            from graphflow.errors import UnimplementedError
            raise UnimplementedError("EinsumDense: LoRA and quantization are not supported")
        self.equation = equation
        self.partial_output_shape = (output_shape,) if isinstance(output_shape, int) \
            else tuple(output_shape)
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    def build(self, input_shape):
        kernel_shape, bias_shape, _, input_axes, output_axes = analyze_einsum_string(
            self.equation, self.bias_axes, input_shape.as_list(), self.partial_output_shape)
        self.input_spec = InputSpec(ndim=input_shape.rank)
        init = self.kernel_initializer
        if isinstance(init, initializers.VarianceScaling):
            init = _AxesVarianceScaling(init, input_axes, output_axes)
        self.kernel = self.add_weight("kernel", tuple(kernel_shape), initializer=init,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = self.add_weight("bias", tuple(bias_shape), initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) \
            if bias_shape is not None else None
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        _, _, full, _, _ = analyze_einsum_string(
            self.equation, self.bias_axes, list(TensorShape(input_shape).as_list()),
            self.partial_output_shape)
        return TensorShape(full)

    def call(self, inputs, training=None):
        x = ops.einsum(self.equation, inputs, self.kernel)
        if self.bias is not None:
            x = x + self.bias
        return self.activation(x)

    def get_config(self):
        return {**super().get_config(), "output_shape": list(self.partial_output_shape),
                "equation": self.equation,
                "activation": activations.serialize(self.activation),
                "bias_axes": self.bias_axes,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint)}


class Pipeline(Layer):
    """Applies a list of layers in order, passing on masks and (when given) the training flag;
    as in Keras, `training` defaults to True, so augmentation layers in a Pipeline are active
    when it is called directly.

        >>> p = keras.layers.Pipeline([keras.layers.Rescaling(2.0), keras.layers.Rescaling(0.5, offset=1.0)])
        >>> p(np.array([[1.0]], np.float32)).numpy()
        array([[2.]], dtype=float32)
    """

    def __init__(self, layers, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self._pipeline_layers = list(layers)
        for layer in self._pipeline_layers:
            if not isinstance(layer, Layer):
                raise InvalidArgumentError(
                    f"Pipeline: every item of `layers` must be a keras Layer, got "
                    f"{layer!r:.100}")
        self._layers.extend(self._pipeline_layers)

    @property
    def layers(self):
        return self._pipeline_layers

    def build(self, input_shape):
        self._build_input_shape = input_shape
        self.built = True

    def call(self, inputs, training=True, mask=None):
        outputs = inputs
        for layer in self._pipeline_layers:
            kwargs = {}
            if layer._call_accepts("mask"):
                kwargs["mask"] = mask
            if layer._call_accepts("training") and training is not None:
                kwargs["training"] = training
            outputs = layer(inputs, **kwargs)
            inputs = outputs
            mask = get_mask(outputs)
        return outputs

    def get_config(self):
        from graphflow.keras.saving.config import serialize_layer
        return {"layers": [serialize_layer(layer) for layer in self._pipeline_layers],
                "name": self.name}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from graphflow.keras.saving.config import deserialize_layer
        layers = config.get("layers")
        if not isinstance(layers, (list, tuple)):
            raise InvalidArgumentError(
                "`Pipeline` config must contain a `layers` key mapping to a list of serialized "
                f"layers. Received config with layers={layers!r:.100}.")
        config = {**config, "layers": [deserialize_layer(x, custom_objects) for x in layers]}
        return cls(**config)



class ReversibleEmbedding(Embedding):
    """An Embedding that also maps vectors back to logits over the vocabulary:
    `layer(ids)` looks up rows, `layer(vectors, reverse=True)` is vectors @ embeddings.T (or
    @ a separate reverse_embeddings (output_dim, input_dim) with tie_weights=False), optionally
    soft-capped as tanh(logits / cap) * cap.

        >>> emb = keras.layers.ReversibleEmbedding(10, 4)
        >>> h = emb(np.array([[1, 2]]))
        >>> emb(h, reverse=True).shape
        TensorShape([1, 2, 10])
    """

    def __init__(self, input_dim, output_dim, tie_weights=True,
                 embeddings_initializer="uniform", embeddings_regularizer=None,
                 embeddings_constraint=None, mask_zero=False, reverse_dtype=None,
                 logit_soft_cap=None, **kwargs):
        super().__init__(input_dim, output_dim, embeddings_initializer=embeddings_initializer,
                         embeddings_regularizer=embeddings_regularizer,
                         embeddings_constraint=embeddings_constraint, mask_zero=mask_zero,
                         **kwargs)
        self.tie_weights = bool(tie_weights)
        self.reverse_dtype = reverse_dtype
        self.logit_soft_cap = logit_soft_cap

    def build(self, input_shape=None):
        super().build(input_shape)
        if not self.tie_weights:
            self.reverse_embeddings = self.add_weight(
                "reverse_embeddings", (self.output_dim, self.input_dim),
                initializer=self.embeddings_initializer)

    def call(self, inputs, reverse=False):
        if not reverse:
            return super().call(inputs)
        kernel = ops.transpose(self.embeddings) if self.tie_weights else self.reverse_embeddings
        if self.reverse_dtype is not None:
            inputs = ops.cast(inputs, self.reverse_dtype)
            kernel = ops.cast(kernel, self.reverse_dtype)
        if inputs.shape.rank == 2:
            logits = ops.matmul(inputs, kernel)
        else:  # (..., output_dim) -> (..., input_dim) through one 2-D matmul
            flat = ops.matmul(ops.reshape(inputs, [-1, self.output_dim]), kernel)
            logits = ops.reshape(flat, ops.concat(
                [ops.shape(inputs)[:-1], ops.constant([self.input_dim], "int32")], 0))
        if self.logit_soft_cap is not None:
            cap = self.logit_soft_cap
            logits = ops.tanh(logits / cap) * cap
        return logits

    def compute_mask(self, inputs, mask=None):
        # Keras masks the lookup's output (mask_zero) but not the reverse logits; a reverse
        # call's inputs are the float vectors
        if getattr(inputs, "dtype", None) is not None and inputs.dtype.is_floating:
            return None
        return super().compute_mask(inputs, mask)

    def get_config(self):
        return {**super().get_config(), "tie_weights": self.tie_weights,
                "reverse_dtype": self.reverse_dtype, "logit_soft_cap": self.logit_soft_cap}
