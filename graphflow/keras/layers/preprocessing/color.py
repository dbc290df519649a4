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
from graphflow.keras.backend import epsilon
from graphflow.keras.layers.preprocessing.image import _Random
from graphflow.ops import api as ops
from graphflow.ops import random
from graphflow.ops.image_color import hsv_to_rgb, rgb_to_hsv  # tf.image's, as Keras's TF backend

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


def unit_pair_factor(factor, name, error, from_number):
    """A factor given as a number or a [low, high] pair, each in [0, 1], checked with Keras's
    message `error`; a pair comes back sorted, a number as from_number(f)."""
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
        return from_number(factor)
    raise InvalidArgumentError(error + f"Received: {name}={factor}")


def _solarization_factor(factor, name):
    return unit_pair_factor(
        factor, name, "The `addition_factor` and `threshold_factor` arguments should be a number "
        "(or a list of two numbers) in the range [0, 1]. ", lambda f: (0, f))


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


def _batch_values(layer, x, low, high):
    """One uniform draw in [low, high) per image, shaped (batch, 1, 1, 1)."""
    return random.uniform(_per_image(x), float(low), float(high), dtype=x.dtype, seed=layer.seed)


class RandomColorDegeneration(_Random):
    """Blends each image towards its grayscale version: x + f * (gray - x), f uniform in the
    factor range per image (Keras's base factor: a number f gives [-f, f]), clipped."""

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(seed, data_format, **kwargs)
        self.factor = base_factor(self, factor)
        self.value_range = _value_range(value_range)

    def transform(self, x):
        f = _batch_values(self, x, *self.factor)
        y = x + f * (rgb_to_grayscale(x) - x)
        return ops.clip_by_value(y, float(self.value_range[0]), float(self.value_range[1]))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "factor": list(self.factor),
                "value_range": list(self.value_range)}


class RandomSharpness(_Random):
    """x + (1 - 2f) * (smooth(x) - x) with Keras's 3 x 3 smoothing kernel (1/13 around 5/13),
    f uniform in the factor range ([0, 1]) per image: f = 0.5 is the identity, 0 smooths,
    1 sharpens; clipped to value_range."""

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(seed, data_format, **kwargs)
        self.factor = base_factor(self, factor, (0, 1))
        self.value_range = _value_range(value_range)

    def transform(self, x):
        f = _batch_values(self, x, *self.factor) * 2.0
        channels = x.shape[-1]
        if channels is None:
            raise InvalidArgumentError(
                f"RandomSharpness layer {self.name!r} needs a known channel count, got {x.shape}")
        a, b = 1.0 / 13.0, 5.0 / 13.0
        kernel = ops.tile(ops.reshape(ops.constant([[a, a, a], [a, b, a], [a, a, a]], x.dtype),
                                      [3, 3, 1, 1]), [1, 1, channels, 1])
        smoothed = ops.nn.depthwise_conv2d(x, kernel, [1, 1, 1, 1], "SAME")
        y = x + (1.0 - f) * (smoothed - x)
        return ops.clip_by_value(y, float(self.value_range[0]), float(self.value_range[1]))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "factor": list(self.factor),
                "value_range": list(self.value_range)}


class RandomSaturation(_Random):
    """Scales the HSV saturation by f / (1 - f + epsilon), f uniform in the factor range per
    image (f = 0.5 keeps the image, 0 makes it gray, 1 saturates it), as Keras; the scaled
    saturation is clipped to value_range, as Keras does."""

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(seed, data_format, **kwargs)
        self.factor = base_factor(self, factor)
        self.value_range = _value_range(value_range)

    def transform(self, x):
        f = random.uniform(ops.shape(x)[:1], float(self.factor[0]), float(self.factor[1]),
                           dtype=x.dtype, seed=self.seed)
        f = ops.reshape(f / (1.0 - f + epsilon()), [-1, 1, 1])  # Keras: backend.epsilon()
        hsv = rgb_to_hsv(x)
        s = ops.clip_by_value(hsv[..., 1] * f, float(self.value_range[0]),
                              float(self.value_range[1]))
        return hsv_to_rgb(ops.stack([hsv[..., 0], s, hsv[..., 2]], -1))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "factor": list(self.factor),
                "value_range": list(self.value_range)}


class RandomHue(_Random):
    """Rotates the HSV hue by +-f / 2 (sign and f uniform in the factor range drawn per image),
    in [0, 1] units (value_range mapped to [0, 1] and back), as Keras."""

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(seed, data_format, **kwargs)
        self.factor = base_factor(self, factor, (0, 1))
        self.value_range = list(value_range)

    def transform(self, x):
        shape = ops.shape(x)[:1]
        invert = random.uniform(shape, seed=self.seed)
        sign = ops.where(invert > 0.5, -ops.ones_like(invert), ops.ones_like(invert))
        f = random.uniform(shape, float(self.factor[0]), float(self.factor[1]), seed=self.seed)
        shift = ops.reshape(ops.cast(sign * f * 0.5, x.dtype), [-1, 1, 1])
        images = to_range(x, self.value_range, (0, 1))
        hsv = rgb_to_hsv(images)
        h = hsv[..., 0] + shift
        h = ops.where(h > 1.0, h - 1.0, h)
        h = ops.where(h < 0.0, h + 1.0, h)
        rgb = ops.clip_by_value(hsv_to_rgb(ops.stack([h, hsv[..., 1], hsv[..., 2]], -1)), 0.0, 1.0)
        return to_range(rgb, (0, 1), self.value_range)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "factor": list(self.factor),
                "value_range": list(self.value_range)}


class RandomColorJitter(_Random):
    """RandomBrightness, RandomContrast, RandomSaturation and RandomHue in that order, each only
    when its factor is given, sharing value_range and seed (Keras's composition)."""

    def __init__(self, value_range=(0, 255), brightness_factor=None, contrast_factor=None,
                 saturation_factor=None, hue_factor=None, seed=None, data_format=None,
                 **kwargs):
        super().__init__(seed, data_format, **kwargs)
        from graphflow.keras.layers.preprocessing.image import RandomContrast
        self.value_range = list(value_range)
        self.brightness_factor, self.contrast_factor = brightness_factor, contrast_factor
        self.saturation_factor, self.hue_factor = saturation_factor, hue_factor
        self._steps = []
        if brightness_factor is not None:
            self._steps.append(RandomBrightness(brightness_factor, value_range, seed=seed))
        if contrast_factor is not None:
            self._steps.append(RandomContrast(contrast_factor, value_range, seed=seed))
        if saturation_factor is not None:
            self._steps.append(RandomSaturation(saturation_factor, value_range, seed=seed))
        if hue_factor is not None:
            self._steps.append(RandomHue(hue_factor, value_range, seed=seed))

    def transform(self, x):
        for step in self._steps:
            x = step.transform(x)
        return x

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        def plain(v):
            return list(v) if isinstance(v, tuple) else v
        return {**super().get_config(), "value_range": self.value_range,
                "brightness_factor": plain(self.brightness_factor),
                "contrast_factor": plain(self.contrast_factor),
                "saturation_factor": plain(self.saturation_factor),
                "hue_factor": plain(self.hue_factor)}


class Equalization(_Random):
    """Histogram equalization of each channel (one histogram per channel over the whole batch,
    as Keras), with `bins` bins; a channel with one occupied bin is unchanged. Applied in
    training calls (the default when called directly), the identity with training=False."""

    def __init__(self, value_range=(0, 255), bins=256, data_format=None, **kwargs):
        super().__init__(None, data_format, **kwargs)
        self.bins = int(bins)
        self.value_range = _value_range(value_range)

    def _equalize(self, channel):
        bins = self.bins
        channel = to_range(channel, self.value_range, (0, 255))
        indices = ops.clip_by_value(ops.cast(channel * ((bins - 1) / 255.0), "int32"), 0,
                                    bins - 1)
        flat = ops.reshape(indices, [-1, 1])
        hist = ops.scatter_nd(flat, ops.ones(ops.shape(flat)[:1], "int32"), [bins])
        cdf = ops.cumsum(hist)
        big = ops.fill([bins], 2 ** 30)
        cdf_min = ops.reduce_min(ops.where(cdf > 0, cdf, big))
        denominator = cdf[-1] - cdf_min
        denominator = ops.where(ops.equal(denominator, 0), ops.ones_like(denominator),
                                denominator)
        lookup = ops.cast(cdf - cdf_min, channel.dtype) * 255.0 / ops.cast(denominator,
                                                                          channel.dtype)
        lookup = ops.clip_by_value(ops.round(lookup), 0.0, 255.0)
        index = ops.cast(ops.clip_by_value(channel / 255.0 * (bins - 1), 0.0, float(bins - 1)),
                         "int32")
        equalized = ops.gather(lookup, index)
        occupied = ops.reduce_sum(ops.cast(hist > 0, "int32"))
        equalized = ops.where(occupied <= 1, channel, equalized)
        return to_range(equalized, (0, 255), self.value_range)

    def transform(self, x):
        channels = x.shape[-1]
        if channels is None:
            raise InvalidArgumentError(
                f"Equalization layer {self.name!r} needs a known channel count, got {x.shape}")
        return ops.stack([self._equalize(x[..., i]) for i in range(channels)], -1)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.pop("seed", None)
        return {**config, "bins": self.bins, "value_range": list(self.value_range)}


def _odd_sizes(value, name):
    error = f"{name} must be an odd number. Received: {name}={value}"
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise InvalidArgumentError(
                f"The `{name}` argument should be a number (or a list of two numbers) Received: "
                f"{name}={value}")
        if value[0] % 2 == 0 or value[1] % 2 == 0:
            raise InvalidArgumentError(error)
        return (value[0], value[1])
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value % 2 == 0:
            raise InvalidArgumentError(error)
        return (value, value)
    raise InvalidArgumentError(error)


class RandomGaussianBlur(_Random):
    """Blurs each image with probability drawn from the factor range, with a Gaussian kernel of
    kernel_size whose two sigmas (x, y; shared by the batch) are uniform in the sigma range,
    as Keras; clipped to value_range."""

    def __init__(self, factor=1.0, kernel_size=3, sigma=1.0, value_range=(0, 255),
                 data_format=None, seed=None, **kwargs):
        super().__init__(seed, data_format, **kwargs)
        self.factor = base_factor(self, factor, (0, 1))
        self.kernel_size = _odd_sizes(kernel_size, "kernel_size")
        bounds_error = ("The `sigma` argument should be a number (or a list of two numbers) in "
                        f"the range [0, 1]. Received: factor={sigma}")
        try:
            self.sigma = base_factor(self, sigma, (0, 1))
        except InvalidArgumentError:
            raise InvalidArgumentError(bounds_error) from None
        self.value_range = list(value_range)

    def _kernel(self, sigma, channels, dtype):
        def one(size, s):
            t = ops.cast(ops.range(int(size)), dtype) - (size - 1) / 2.0
            k = ops.exp(-0.5 * ops.square(t / s))
            return k / ops.reduce_sum(k)
        kx = one(self.kernel_size[0], sigma[0])
        ky = one(self.kernel_size[1], sigma[1])
        k2 = ops.expand_dims(ky, 1) * ops.expand_dims(kx, 0)
        k2 = ops.reshape(k2, [int(self.kernel_size[0]), int(self.kernel_size[1]), 1, 1])
        return ops.tile(k2, [1, 1, channels, 1])

    def transform(self, x):
        shape = ops.shape(x)[:1]
        probability = random.uniform(shape, float(self.factor[0]), float(self.factor[1]),
                                     seed=self.seed)
        threshold = random.uniform(shape, 0.0, 1.0, seed=self.seed)
        apply = ops.reshape(ops.less(threshold, probability), [-1, 1, 1, 1])
        sigma = random.uniform([2], float(self.sigma[0]), float(self.sigma[1]), dtype=x.dtype,
                               seed=self.seed) + 1e-6
        channels = x.shape[-1]
        if channels is None:
            raise InvalidArgumentError(
                f"RandomGaussianBlur layer {self.name!r} needs a known channel count, got "
                f"{x.shape}")
        blurred = ops.nn.depthwise_conv2d(x, self._kernel(sigma, channels, x.dtype),
                                          [1, 1, 1, 1], "SAME")
        y = ops.where(apply, blurred, x)
        return ops.clip_by_value(y, float(self.value_range[0]), float(self.value_range[1]))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "factor": list(self.factor),
                "kernel_size": list(self.kernel_size), "sigma": list(self.sigma),
                "value_range": list(self.value_range)}
