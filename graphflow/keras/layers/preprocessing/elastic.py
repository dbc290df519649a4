"""Keras 3.15's RandomElasticTransform (channels_last): a smooth random displacement field (one
normal field per image, Gaussian-blurred, scaled by alpha; as in Keras's TF backend the x and
y fields are the same draw) resampled with Keras's map_coordinates and fill modes.

    >>> from graphflow import keras
    >>> x = np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1)
    >>> keras.layers.RandomElasticTransform(scale=0.0)(x).numpy()[0, :, :, 0]  # no distortion
    array([[ 0.,  1.,  2.,  3.],
           [ 4.,  5.,  6.,  7.],
           [ 8.,  9., 10., 11.],
           [12., 13., 14., 15.]], dtype=float32)
"""
from graphflow.errors import InvalidArgumentError, UnimplementedError
from graphflow.keras.layers.preprocessing.color import base_factor
from graphflow.keras.layers.preprocessing.image import _hw, _Random
from graphflow.ops import api as ops
from graphflow.ops import random

FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")


def _fix_indices(index, size, fill_mode):
    """Keras's map_coordinates index handling: (in-range index, valid) for integer indices."""
    if fill_mode == "constant":
        valid = ops.logical_and(index >= 0, index < size)
        return ops.clip_by_value(index, 0, size - 1), valid
    if fill_mode == "nearest":
        return ops.clip_by_value(index, 0, size - 1), None
    if fill_mode in ("mirror", "reflect"):
        index = ops.abs(index)
        mod = ops.floormod(index, 2 * size)
        under = mod < size
        fixed = ops.where(under, mod, 2 * size - mod)
        if fill_mode == "reflect":
            fixed = ops.where(under, fixed, fixed - 1)
        # Keras's "mirror" gives `size` for indices at an odd multiple of size (TF's gather
        # then fails); graphflow keeps them at the edge
        return ops.minimum(fixed, size - 1), None
    return ops.floormod(index, size), None  # wrap


def map_coordinates(images, rows, cols, interpolation="bilinear", fill_mode="constant",
                    fill_value=0.0):
    """Samples each NHWC image b at (rows[b], cols[b]) (float (batch, H', W') coordinates) for
    all channels, as Keras's map_coordinates (order 0: round; order 1: bilinear)."""
    height, width = images.shape[1], images.shape[2]
    if interpolation == "nearest":
        nodes = [[(ops.cast(ops.round(c), "int32"), None)] for c in (rows, cols)]
    else:
        nodes = []
        for c in (rows, cols):
            lower = ops.floor(c)
            upper_weight = c - lower
            index = ops.cast(lower, "int32")
            nodes.append([(index, 1.0 - upper_weight), (index + 1, upper_weight)])
    batch = ops.cast(ops.range(ops.shape(images)[0]), "int32")
    batch = ops.zeros_like(ops.cast(rows, "int32")) + ops.reshape(batch, [-1, 1, 1])
    total = None
    for r_index, r_weight in nodes[0]:
        r_fixed, r_valid = _fix_indices(r_index, height, fill_mode)
        for c_index, c_weight in nodes[1]:
            c_fixed, c_valid = _fix_indices(c_index, width, fill_mode)
            gathered = ops.gather_nd(images, ops.stack([batch, r_fixed, c_fixed], -1))
            if fill_mode == "constant":
                valid = ops.expand_dims(ops.logical_and(r_valid, c_valid), -1)
                gathered = ops.where(valid, gathered,
                                     ops.zeros_like(gathered) + float(fill_value))
            weight = None
            for w in (r_weight, c_weight):
                if w is not None:
                    weight = w if weight is None else weight * w
            term = gathered if weight is None else gathered * ops.expand_dims(weight, -1)
            total = term if total is None else total + term
    return total


def _gaussian_blur_dynamic(field, sigma, max_size):
    """Keras's gaussian_blur of (batch, H, W, 1) `field` with a kernel of size 6 int(sigma) | 1
    for a (scalar tensor) sigma: a max_size kernel whose taps beyond that size are zero (the
    same sums, "SAME" zero padding included)."""
    half = (max_size - 1) // 2
    # 6 k | 1 is 6 k + 1 (6 k is even), so the radius is 3 int(sigma)
    radius = ops.cast(3 * ops.cast(sigma, "int32"), field.dtype)
    t = ops.cast(ops.range(-half, half + 1), field.dtype)
    sigma = ops.maximum(sigma, 1e-12)  # a zero distortion: only the center tap
    taps = ops.where(ops.abs(t) <= radius, ops.exp(-0.5 * ops.square(t / sigma)),
                     ops.zeros_like(t))
    taps = taps / ops.reduce_sum(taps)
    kernel = ops.reshape(ops.expand_dims(taps, 1) * ops.expand_dims(taps, 0),
                         [max_size, max_size, 1, 1])
    return ops.nn.depthwise_conv2d(field, kernel, [1, 1, 1, 1], "SAME")


class RandomElasticTransform(_Random):
    """With a probability drawn from the factor range, displaces each image's pixels by
    alpha * blur(N(0, 1) * sigma), alpha = 0.1 max(H, W) d and sigma = 0.05 min(H, W) d for a
    distortion d uniform in `scale` (one per batch), and resamples with `fill_mode`; clipped
    to value_range. Keras's parameters and sampling; graphflow's random fields."""

    def __init__(self, factor=1.0, scale=1.0, interpolation="bilinear", fill_mode="reflect",
                 fill_value=0.0, value_range=(0, 255), seed=None, data_format=None, **kwargs):
        super().__init__(seed, data_format, **kwargs)
        self.factor = base_factor(self, factor, (0, 1))
        try:
            self.scale = base_factor(self, scale, (0, 1))
        except InvalidArgumentError:
            raise InvalidArgumentError(
                "The `scale` argument should be a number (or a list of two numbers) in the "
                f"range [0, 1]. Received: factor={scale}") from None
        if interpolation not in ("nearest", "bilinear"):
            raise UnimplementedError(
                f"Unknown `interpolation` {interpolation}. Expected of one "
                "('nearest', 'bilinear').")
        if fill_mode not in FILL_MODES:
            raise UnimplementedError(
                f"Unknown `fill_mode` {fill_mode}. Expected of one {set(FILL_MODES)}.")
        self.interpolation, self.fill_mode = interpolation, fill_mode
        self.fill_value, self.value_range = fill_value, list(value_range)

    def transform(self, x):
        if self.scale[1] == 0 or self.factor[1] == 0:
            return x
        h, w = _hw(self, x)
        n = ops.shape(x)[:1]
        probability = random.uniform(n, float(self.factor[0]), float(self.factor[1]),
                                     seed=self.seed)
        threshold = random.uniform(n, 0.0, 1.0, seed=self.seed)
        apply = ops.reshape(ops.less(threshold, probability), [-1, 1, 1, 1])
        distortion = random.uniform([], float(self.scale[0]), float(self.scale[1]),
                                    dtype=x.dtype, seed=self.seed)
        alpha = max(h, w) * 0.1 * distortion
        sigma = min(h, w) * 0.05 * distortion
        max_size = 6 * int(min(h, w) * 0.05 * self.scale[1]) | 1
        noise = random.normal(ops.concat([n, ops.constant([h, w, 1], "int32")], 0),
                              dtype=x.dtype, seed=self.seed) * sigma
        field = ops.squeeze(_gaussian_blur_dynamic(noise, sigma, max_size), [-1])
        grid_y = ops.reshape(ops.cast(ops.range(h), x.dtype), [1, h, 1])
        grid_x = ops.reshape(ops.cast(ops.range(w), x.dtype), [1, 1, w])
        # Keras's TF backend draws dx and dy with one seed, so they are the same field
        warped = map_coordinates(x, grid_y + alpha * field, grid_x + alpha * field,
                                 self.interpolation, self.fill_mode, self.fill_value)
        y = ops.where(apply, warped, x)
        return ops.clip_by_value(y, float(self.value_range[0]), float(self.value_range[1]))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "factor": list(self.factor), "scale": list(self.scale),
                "interpolation": self.interpolation, "fill_mode": self.fill_mode,
                "fill_value": self.fill_value, "value_range": self.value_range}
