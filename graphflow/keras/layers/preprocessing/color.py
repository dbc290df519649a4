"""Keras 3.15's color augmentation layers (channels_last): RandomBrightness, RandomGrayscale,
RandomInvert, RandomPosterization, Solarization and AutoContrast.

Argument parsing (factor, value_range), the deterministic math and the inference behaviour are
Keras's; the random draws have Keras's distributions and shapes (one draw per image) and are
reproducible with `seed`, but they come from graphflow's generator, so they cannot reproduce
Keras's random stream.

    >>> from graphflow import keras
    >>> x = np.array([[[[10.0, 200.0, 30.0]]]], np.float32)
    >>> keras.layers.Solarization()(x).numpy()  # thresholds 0: every pixel is inverted
    array([[[[245.,  55., 225.]]]], dtype=float32)
    >>> keras.layers.RandomBrightness(0.5)(x, training=False).numpy()
    array([[[[ 10., 200.,  30.]]]], dtype=float32)
"""
from graphflow.errors import InvalidArgumentError
from graphflow.keras.layers.preprocessing.image import _Random
from graphflow.ops import api as ops
from graphflow.ops import random

_VALUE_RANGE_ERROR = "The `value_range` argument should be a list of two numbers. "


def base_factor(layer, factor, bounds=(-1, 1)):
    """Keras's BaseImagePreprocessingLayer._set_factor: a number f gives (max(-|f|, low), |f|),
    a pair is sorted; both must lie within `bounds`."""
    error = (f"The `factor` argument should be a number (or a list of two numbers) in the range "
             f"[{bounds[0]}, {bounds[1]}]. Received: factor={factor}")
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2:
            raise InvalidArgumentError(error)
        if factor[0] > bounds[1] or factor[1] < bounds[0]:
            raise InvalidArgumentError(error)
        lower, upper = sorted(factor)
    elif isinstance(factor, (int, float)) and not isinstance(factor, bool):
        if factor < bounds[0] or factor > bounds[1]:
            raise InvalidArgumentError(error)
        factor = abs(factor)
        lower, upper = max(-factor, bounds[0]), factor
    else:
        raise InvalidArgumentError(error)
    return (lower, upper)


def _value_range(value):
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise InvalidArgumentError(_VALUE_RANGE_ERROR + f"Received: value_range={value}")
    return sorted(value)


def to_range(images, original, target):
    """Keras's _transform_value_range: an affine map of `original` onto `target`."""
    if original[0] == target[0] and original[1] == target[1]:
        return images
    images = (images - float(original[0])) / (float(original[1]) - float(original[0]))
    return images * (float(target[1]) - float(target[0])) + float(target[0])


def _per_image(x, rest=(1, 1, 1)):
    return ops.concat([ops.shape(x)[:1], ops.constant(list(rest), "int32")], 0)


class RandomBrightness(_Random):
    """Adds delta * (max - min of value_range) to every pixel, delta uniform in the factor range
    per image, clipped to value_range."""

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed, kwargs.pop("data_format", None), **kwargs)
        self.factor = base_factor(self, factor)
        self.value_range = _value_range(value_range)

    def transform(self, x):
        delta = random.uniform(_per_image(x), self.factor[0], self.factor[1], dtype=x.dtype,
                               seed=self.seed)
        delta = delta * float(self.value_range[1] - self.value_range[0])
        return ops.clip_by_value(x + delta, float(self.value_range[0]),
                                 float(self.value_range[1]))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "factor": list(self.factor),
                "value_range": list(self.value_range)}


def rgb_to_grayscale(images):
    """Keras's rgb_to_grayscale: 0.2989 R + 0.5870 G + 0.1140 B as one channel (one-channel
    images unchanged)."""
    channels = images.shape[-1]
    if channels not in (1, 3):
        raise InvalidArgumentError(
            "Invalid channel size: expected 3 (RGB) or 1 (Grayscale). Received input with "
            f"shape: images.shape={tuple(images.shape.as_list())}")
    if channels == 1:
        return images
    weights = ops.constant([0.2989, 0.5870, 0.1140], images.dtype)
    return ops.reduce_sum(images * weights, [-1], keepdims=True)


class RandomGrayscale(_Random):
    """Each image becomes grayscale (kept at its channel count) with probability `factor`."""

    def __init__(self, factor=0.5, data_format=None, seed=None, **kwargs):
        super().__init__(seed, data_format, **kwargs)
        if factor < 0 or factor > 1:
            raise InvalidArgumentError(
                f"`factor` should be between 0 and 1. Received: factor={factor}")
        self.factor = factor

    def transform(self, x):
        gray = rgb_to_grayscale(x)
        apply = ops.less(random.uniform(_per_image(x), seed=self.seed), self.factor)
        return ops.where(apply, gray + ops.zeros_like(x), x)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


class RandomInvert(_Random):
    """Each image becomes value_range[1] - x with a probability drawn uniformly from the factor
    range (factor 1.0: probability uniform in [0, 1))."""

    def __init__(self, factor=1.0, value_range=(0, 255), seed=None, data_format=None,
                 **kwargs):
        super().__init__(seed, data_format, **kwargs)
        self.factor = base_factor(self, factor, (0, 1))
        self.value_range = list(value_range)

    def transform(self, x):
        shape = _per_image(x)
        probability = random.uniform(shape, self.factor[0], self.factor[1], seed=self.seed)
        threshold = random.uniform(shape, 0.0, 1.0, seed=self.seed)
        return ops.where(ops.less(threshold, probability), float(self.value_range[1]) - x, x)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "factor": list(self.factor),
                "value_range": list(self.value_range)}


class RandomPosterization(_Random):
    """Keeps the top `bits` bits of each 8-bit pixel (value_range mapped to [0, 255] and back),
    bits an integer drawn in [factor low, factor high) per image (exactly factor for (k, k))."""

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(seed, data_format, **kwargs)
        self.factor = base_factor(self, factor, (1, 8))
        self.value_range = _value_range(value_range)

    def transform(self, x):
        shape = _per_image(x)
        if self.factor[0] != self.factor[1]:
            bits = ops.floor(random.uniform(shape, float(self.factor[0]),
                                            float(self.factor[1]), seed=self.seed))
        else:
            bits = ops.fill(shape, float(self.factor[0]))
        # x >> s << s on uint8 is x - x mod 2**s; the uint8 cast truncates
        step = ops.pow(2.0, 8.0 - ops.cast(bits, x.dtype))
        pixels = ops.floor(ops.clip_by_value(to_range(x, self.value_range, (0, 255)), 0.0, 255.0))
        posterized = pixels - ops.floormod(pixels, step)
        return to_range(posterized, (0, 255), self.value_range)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "factor": list(self.factor),
                "value_range": list(self.value_range)}


def _solarization_factor(factor, name):
    error = ("The `addition_factor` and `threshold_factor` arguments should be a number (or a "
             "list of two numbers) in the range [0, 1]. ")

    def check(v):
        if v > 1.0 or v < 0:
            raise InvalidArgumentError(error + f"Received: input_number={v}")
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2:
            raise InvalidArgumentError(error + f"Received: {name}={factor}")
        check(factor[0])
        check(factor[1])
        return tuple(sorted(factor))
    if isinstance(factor, (int, float)) and not isinstance(factor, bool):
        check(factor)
        return (0, factor)
    raise InvalidArgumentError(error + f"Received: {name}={factor}")


class Solarization(_Random):
    """Adds a random `addition` to the pixels (in [0, 255] units, clipped) and inverts those at
    or above a random threshold (255 - x); both drawn per image, as Keras: uniform in
    [factor low, factor high * 255] (so the default factors 0 invert every pixel)."""

    def __init__(self, addition_factor=0.0, threshold_factor=0.0, value_range=(0, 255),
                 seed=None, **kwargs):
        super().__init__(seed, kwargs.pop("data_format", None), **kwargs)
        self.addition_factor = _solarization_factor(addition_factor, "addition_factor")
        self.threshold_factor = _solarization_factor(threshold_factor, "threshold_factor")
        self.value_range = _value_range(value_range)

    def transform(self, x):
        shape = _per_image(x)
        additions = random.uniform(shape, float(self.addition_factor[0]),
                                   float(self.addition_factor[1]) * 255, dtype=x.dtype,
                                   seed=self.seed)
        thresholds = random.uniform(shape, float(self.threshold_factor[0]),
                                    float(self.threshold_factor[1]) * 255, dtype=x.dtype,
                                    seed=self.seed)
        images = to_range(x, self.value_range, (0, 255))
        results = ops.clip_by_value(images + additions, 0.0, 255.0)
        results = ops.where(ops.less(results, thresholds), results, 255.0 - results)
        return to_range(results, (0, 255), self.value_range)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "value_range": list(self.value_range),
                "addition_factor": list(self.addition_factor),
                "threshold_factor": list(self.threshold_factor)}


class AutoContrast(_Random):
    """Stretches each image's channels to the full value_range: (x - min) * 255 / (max - min)
    in [0, 255] units, per image and channel; constant channels (0 / 0) are left unchanged.
    Deterministic, and applied in training and inference alike, as Keras."""

    def __init__(self, value_range=(0, 255), **kwargs):
        super().__init__(None, kwargs.pop("data_format", None), **kwargs)
        self.value_range = _value_range(value_range)

    def call(self, inputs, training=True):
        return super().call(inputs, training=True)

    def transform(self, x):
        images = to_range(x, self.value_range, (0, 255))
        low = ops.reduce_min(images, [1, 2], keepdims=True)
        high = ops.reduce_max(images, [1, 2], keepdims=True)
        span = high - low
        # Keras divides by 0 for a constant channel and keeps the input where that gave NaN;
        # a safe divisor gives the same result without the NaNs
        constant = ops.equal(span, 0.0)
        scale = 255.0 / ops.where(constant, ops.ones_like(span), span)
        results = ops.clip_by_value(images * scale + (-low * scale), 0.0, 255.0)
        results = to_range(results, (0, 255), self.value_range)
        return ops.where(ops.logical_or(constant, ops.is_nan(results)), x, results)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.pop("seed", None)
        return {**config, "value_range": list(self.value_range)}
