"""Geometric augmentation: RandomRotation, RandomZoom, RandomTranslation. Each draws one
affine transform per image (Keras 3's matrices) and applies it with the registry's
image_projective_transform (TF's ImageProjectiveTransformV3); training only, like the other
random layers (a direct call augments, training=False passes the images through).

    >>> from graphflow import keras
    >>> x = np.arange(9, dtype=np.float32).reshape(1, 3, 3, 1)
    >>> quarter = keras.layers.RandomRotation((0.25, 0.25), interpolation="nearest")
    >>> quarter(x).numpy()[0, :, :, 0]  # a quarter turn counter-clockwise
    array([[2., 5., 8.],
           [1., 4., 7.],
           [0., 3., 6.]], dtype=float32)
"""
import math

from graphflow.errors import InvalidArgumentError
from graphflow.keras.layers.preprocessing.image import _hw, _Random
from graphflow.ops import api as ops
from graphflow.ops import random
from graphflow.ops.image_transform import FILL_MODES, INTERPOLATIONS, image_projective_transform


def _factor(layer, name, factor, bound=True):
    """Keras's factor: x -> (-|x|, x|), a pair (sorted); values in (-1, 1] when bounded."""
    if isinstance(factor, (int, float)) and not isinstance(factor, bool):
        pair = (-abs(float(factor)), abs(float(factor)))
    elif isinstance(factor, (list, tuple)) and len(factor) == 2:
        pair = tuple(sorted(float(f) for f in factor))
    else:
        raise InvalidArgumentError(
            f"{layer}: `{name}` must be a float or a tuple of 2 floats, got {factor!r}")
    if bound and any(f > 1.0 or f <= -1.0 for f in pair):
        raise InvalidArgumentError(
            f"{layer}: `{name}` values must be in (-1, 1], got {factor!r}")
    return pair


class _Affine(_Random):
    def __init__(self, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(seed, data_format, **kwargs)
        name = type(self).__name__
        if fill_mode not in FILL_MODES:
            raise InvalidArgumentError(
                f"Unknown `fill_mode` {fill_mode}. Expected of one {list(FILL_MODES)}.")
        if interpolation not in INTERPOLATIONS:
            raise InvalidArgumentError(
                f"{name}: unknown `interpolation` {interpolation}; expected one of "
                f"{list(INTERPOLATIONS)}")
        self.fill_mode, self.interpolation = fill_mode, interpolation
        self.fill_value = float(fill_value)

    def _uniform(self, x, low, high):
        return random.uniform(ops.shape(x)[:1], low, high, seed=self.seed)

    def transform(self, x):
        h, w = _hw(self, x)
        matrix = self.matrix(x, float(h), float(w))
        return image_projective_transform(x, matrix, self.interpolation, self.fill_mode,
                                          self.fill_value)

    def get_config(self):
        return {**super().get_config(), "fill_mode": self.fill_mode,
                "interpolation": self.interpolation, "fill_value": self.fill_value}


def _stack(columns):
    return ops.stack([ops.cast(c, "float32") for c in columns], axis=1)


class RandomRotation(_Affine):
    """Rotates each image by an angle drawn from factor * 2 pi (factor x: [-x, x]; a pair:
    [lower, upper]) about its center; positive angles turn counter-clockwise."""

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, value_range=(0, 255), data_format=None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        if isinstance(factor, (int, float)) and not isinstance(factor, bool):
            self.factor = (-abs(float(factor)), abs(float(factor)))
        elif isinstance(factor, (list, tuple)) and len(factor) == 2:
            self.factor = (float(factor[0]), float(factor[1]))
        else:
            raise InvalidArgumentError(
                f"RandomRotation: `factor` must be a float or a tuple of 2 floats, got "
                f"{factor!r}")
        self.value_range = tuple(value_range)

    def matrix(self, x, h, w):
        angle = self._uniform(x, self.factor[0] * 2 * math.pi, self.factor[1] * 2 * math.pi)
        cos, sin = ops.cos(angle), ops.sin(angle)
        cx, cy = (w - 1) / 2, (h - 1) / 2
        zeros = ops.zeros_like(angle)
        return _stack([cos, -sin, cx - cx * cos + cy * sin,
                       sin, cos, cy - cx * sin - cy * cos, zeros, zeros])

    def get_config(self):
        return {**super().get_config(), "factor": list(self.factor),
                "value_range": list(self.value_range)}


class RandomZoom(_Affine):
    """Zooms each image about its center by 1 + a factor drawn from height_factor (and
    width_factor; None keeps the aspect ratio): positive factors zoom out, negative zoom in."""

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_factor = _factor("RandomZoom", "height_factor", height_factor)
        self.width_factor = None if width_factor is None else \
            _factor("RandomZoom", "width_factor", width_factor)

    def matrix(self, x, h, w):
        zoom_h = self._uniform(x, 1 + self.height_factor[0], 1 + self.height_factor[1])
        zoom_w = zoom_h if self.width_factor is None else \
            self._uniform(x, 1 + self.width_factor[0], 1 + self.width_factor[1])
        zeros = ops.zeros_like(zoom_h)
        return _stack([zoom_w, zeros, (w - 1) / 2 * (1 - zoom_w),
                       zeros, zoom_h, (h - 1) / 2 * (1 - zoom_h), zeros, zeros])

    def get_config(self):
        return {**super().get_config(), "height_factor": list(self.height_factor),
                "width_factor": None if self.width_factor is None else list(self.width_factor)}


class RandomTranslation(_Affine):
    """Shifts each image by fractions of its height and width drawn from height_factor and
    width_factor (x: [-x, x]; a pair: [lower, upper])."""

    def __init__(self, height_factor, width_factor, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_factor = _factor("RandomTranslation", "height_factor", height_factor)
        self.width_factor = _factor("RandomTranslation", "width_factor", width_factor)

    def matrix(self, x, h, w):
        dy = self._uniform(x, *self.height_factor) * h
        dx = self._uniform(x, *self.width_factor) * w
        ones, zeros = ops.ones_like(dx), ops.zeros_like(dx)
        return _stack([ones, zeros, -dx, zeros, ones, -dy, zeros, zeros])

    def get_config(self):
        return {**super().get_config(), "height_factor": list(self.height_factor),
                "width_factor": list(self.width_factor)}
