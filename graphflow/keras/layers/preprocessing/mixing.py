"""Keras 3.15's batch-mixing and erasing augmentations (channels_last): MixUp, CutMix and
RandomErasing. They take images, or a dict {"images": ..., "labels": ...} whose labels are
mixed with the same weights, as Keras.

As with the color layers, argument parsing and the transformation given the random draws are
Keras's; the draws (permutations, Beta weights, boxes) have Keras's distributions and come from
graphflow's generator, reproducible with a seed under a global seed but not Keras's stream.

    >>> from graphflow import keras
    >>> images = np.stack([np.zeros((2, 2, 1)), np.ones((2, 2, 1))]).astype(np.float32)
    >>> out = keras.layers.MixUp(alpha=0.2)({"images": images, "labels": np.eye(2, dtype=np.float32)})
    >>> bool(np.allclose(out["labels"].numpy().sum(-1), 1.0))
    True
"""
from graphflow.errors import InvalidArgumentError
from graphflow.keras.layers.preprocessing.color import base_factor
from graphflow.keras.layers.preprocessing.image import _images
from graphflow.keras.layers.base import Layer
from graphflow.keras.layers.conv import _channels_last
from graphflow.ops import api as ops
from graphflow.ops import random


def _permutation(n, seed):
    """A random permutation of range(n) (n may be a tensor)."""
    return ops.argsort(random.uniform(ops.reshape(n, [1]), seed=seed), axis=0)


def _beta(n, alpha, seed, dtype):
    """n Beta(alpha, alpha) samples as G1 / (G1 + G2) of Gamma(alpha) draws (alpha filled to
    the batch's length: gamma's own shape must be static in a graph, alpha's may not)."""
    alphas = ops.fill(ops.reshape(n, [1]), ops.cast(alpha, dtype))
    g1 = random.gamma([], alphas, dtype=dtype, seed=seed)
    g2 = random.gamma([], alphas, dtype=dtype, seed=None if seed is None else seed + 1)
    return g1 / (g1 + g2)


class _Mixing(Layer):
    """Images or {"images", "labels"}: training mixes, training=False passes through."""

    def __init__(self, seed=None, data_format=None, **kwargs):
        super().__init__(**kwargs)
        _channels_last(type(self).__name__, data_format)
        self.seed = seed

    def call(self, inputs, training=True):
        if isinstance(inputs, dict):
            if "images" not in inputs:
                raise InvalidArgumentError(
                    f"{type(self).__name__} layer {self.name!r}: a dict input needs an "
                    f"'images' key, got keys {sorted(inputs)}")
            data = dict(inputs)
            images, added = _images(self, data["images"])
            labels = data.get("labels")
        else:
            images, added = _images(self, inputs)
            labels = data = None
        if training:
            images, labels = self.mix(images, None if labels is None else
                                      ops.cast(ops.convert_to_tensor(labels), images.dtype),
                                      added)
        images = ops.squeeze(images, [0]) if added else images
        if data is None:
            return images
        data["images"] = images
        if labels is not None:
            data["labels"] = labels
        return data

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


class MixUp(_Mixing):
    """images * w + images[perm] * (1 - w) and likewise labels, w ~ Beta(alpha, alpha) per
    image and perm a random permutation of the batch."""

    def __init__(self, alpha=0.2, data_format=None, seed=None, **kwargs):
        super().__init__(seed, data_format, **kwargs)
        self.alpha = alpha

    def mix(self, images, labels, single):
        n = ops.shape(images)[0]
        order = _permutation(n, self.seed)
        weight = _beta(n, float(self.alpha), self.seed, images.dtype)
        w = ops.reshape(weight, [-1, 1, 1, 1])
        images = w * images + (1.0 - w) * ops.gather(images, order)
        if labels is not None:
            w = ops.reshape(weight, [-1, 1])
            labels = w * labels + (1.0 - w) * ops.gather(labels, order)
        return images, labels

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha}


def _box_mask(images, x0, x1, y0, y1):
    """(batch, height, width, channels) True inside [x0, x1) x [y0, y1) of each image."""
    shape = ops.shape(images)
    grid_y = ops.reshape(ops.cast(ops.range(shape[1]), images.dtype), [1, -1, 1, 1])
    grid_x = ops.reshape(ops.cast(ops.range(shape[2]), images.dtype), [1, 1, -1, 1])

    def col(v):
        return ops.reshape(v, [-1, 1, 1, 1])
    inside = ops.logical_and(
        ops.logical_and(grid_x >= col(x0), grid_x < col(x1)),
        ops.logical_and(grid_y >= col(y0), grid_y < col(y1)))
    return ops.logical_and(inside, ops.ones_like(images, "bool"))


def _crop_bounds(n, length, ratio, seed, dtype):
    crop = ratio * length
    start = random.uniform(ops.reshape(n, [1]), 0.0, 1.0, dtype=dtype, seed=seed) * (length - crop)
    return start, start + crop


class CutMix(_Mixing):
    """Pastes a box of images[perm] into each image (box side sqrt(1 - w) of the image's, w ~
    Beta(a, a) with a uniform in the factor range) and mixes labels by the pasted area. A
    single image (rank 3) is returned unchanged, as Keras."""

    def __init__(self, factor=1.0, seed=None, data_format=None, **kwargs):
        super().__init__(seed, data_format, **kwargs)
        self.factor = base_factor(self, factor, (0, 1))

    def mix(self, images, labels, single):
        if single:
            return images, labels
        dtype = images.dtype
        shape = ops.shape(images)
        n = shape[0]
        height, width = ops.cast(shape[1], dtype), ops.cast(shape[2], dtype)
        alpha = random.uniform([], float(self.factor[0]), float(self.factor[1]), dtype=dtype,
                               seed=self.seed) + 1e-6
        weight = _beta(n, alpha, self.seed, dtype)
        ratio = ops.sqrt(1.0 - weight)
        x0, x1 = _crop_bounds(n, width, ratio, self.seed, dtype)
        y0, y1 = _crop_bounds(n, height, ratio, None if self.seed is None else self.seed + 2,
                              dtype)
        mask = _box_mask(images, x0, x1, y0, y1)
        weight = 1.0 - (x1 - x0) * (y1 - y0) / (width * height)
        order = _permutation(n, self.seed)
        images = ops.where(mask, ops.gather(images, order), images)
        if labels is not None:
            w = ops.reshape(weight, [-1, 1])
            labels = w * labels + (1.0 - w) * ops.gather(labels, order)
        return images, labels

    def get_config(self):
        return {**super().get_config(), "factor": list(self.factor)}


class RandomErasing(_Mixing):
    """With a probability drawn from the factor range, fills a random box of each image (its
    sides sqrt of a fraction uniform in `scale` of the image's) with `fill_value` (a number or
    one per channel) or, by default, N(0, 1) * value_range[1] noise, clipped to value_range."""

    def __init__(self, factor=1.0, scale=(0.02, 0.33), fill_value=None, value_range=(0, 255),
                 seed=None, data_format=None, **kwargs):
        super().__init__(seed, data_format, **kwargs)
        self.factor = base_factor(self, factor, (0, 1))
        try:
            self.scale = base_factor(self, scale, (0, 1))
        except InvalidArgumentError:
            raise InvalidArgumentError(
                "The `scale` argument should be a number (or a list of two numbers) in the "
                f"range [0, 1]. Received: factor={scale}") from None
        if fill_value is not None and not (
                isinstance(fill_value, (int, float)) and not isinstance(fill_value, bool) or
                isinstance(fill_value, (list, tuple)) and len(fill_value) == 3):
            raise InvalidArgumentError(
                "The `fill_value` argument should be a number (or a list of three numbers) ")
        self.fill_value = list(fill_value) if isinstance(fill_value, tuple) else fill_value
        self.value_range = list(value_range)

    def mix(self, images, labels, single):
        dtype = images.dtype
        shape = ops.shape(images)
        n = shape[0]
        height, width = ops.cast(shape[1], dtype), ops.cast(shape[2], dtype)
        size = ops.sqrt(random.uniform(ops.stack([n, 2]), float(self.scale[0]),
                                       float(self.scale[1]), dtype=dtype, seed=self.seed))
        x0, x1 = _crop_bounds(n, width, size[:, 0], self.seed, dtype)
        y0, y1 = _crop_bounds(n, height, size[:, 1], None if self.seed is None else self.seed + 2,
                              dtype)
        mask = _box_mask(images, x0, x1, y0, y1)
        probability = random.uniform(ops.reshape(n, [1]), float(self.factor[0]),
                                     float(self.factor[1]), seed=self.seed)
        threshold = random.uniform(ops.reshape(n, [1]), 0.0, 1.0, seed=self.seed)
        apply = ops.reshape(ops.less(threshold, probability), [-1, 1, 1, 1])
        if self.fill_value is None:
            fill = random.normal(shape, dtype=dtype, seed=self.seed) * float(self.value_range[1])
        else:
            fill = ops.zeros_like(images) + ops.constant(self.fill_value, dtype)
        fill = ops.clip_by_value(fill, float(self.value_range[0]), float(self.value_range[1]))
        images = ops.where(ops.logical_and(apply, mask), fill, images)
        return images, labels

    def get_config(self):
        return {**super().get_config(), "factor": list(self.factor), "scale": list(self.scale),
                "fill_value": self.fill_value, "value_range": list(self.value_range)}
