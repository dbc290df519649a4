"""Keras 3.15's RandomShear and RandomPerspective (channels_last): one random transform per
image, applied with the registry's image_projective_transform (TF's ImageProjectiveTransformV3,
what Keras's TF backend runs); training only.

The matrices given the draws are Keras's (a shear [1, sx, 0, sy, 1, 0, 0, 0]; a homography
from the 8 x 8 system of the four moved corners); the draws themselves are graphflow's.

    >>> from graphflow import keras
    >>> x = np.arange(9, dtype=np.float32).reshape(1, 3, 3, 1)
    >>> keras.layers.RandomShear(x_factor=0.3)(x, training=False).numpy()[0, :, :, 0]
    array([[0., 1., 2.],
           [3., 4., 5.],
           [6., 7., 8.]], dtype=float32)
"""
from graphflow.errors import InvalidArgumentError, UnimplementedError
from graphflow.keras.layers.preprocessing.color import base_factor, unit_pair_factor
from graphflow.keras.layers.preprocessing.image import _hw, _Random
from graphflow.ops import api as ops
from graphflow.ops import random
from graphflow.ops.image_transform import image_projective_transform


def _shear_factor(factor, name):
    return unit_pair_factor(
        factor, name, "The `factor` argument should be a number (or a list of two numbers) in "
        "the range [0, 1.0]. ", lambda f: (-abs(f), abs(f)))


def shear_matrix(shear_x, shear_y):
    """Keras's RandomShear transform rows for per-image factors of shape (batch,)."""
    ones, zeros = ops.ones_like(shear_x), ops.zeros_like(shear_x)
    return ops.stack([ones, shear_x, zeros, shear_y, ones, zeros, zeros, zeros], axis=1)


class RandomShear(_Random):
    """Shears each image by x and y factors drawn from x_factor and y_factor (a number f gives
    [-f, f]), both negated together with probability 1/2, as Keras."""
    _FILL_MODES = ("reflect", "wrap", "constant", "nearest")

    def __init__(self, x_factor=0.0, y_factor=0.0, interpolation="bilinear",
                 fill_mode="reflect", fill_value=0.0, data_format=None, seed=None, **kwargs):
        super().__init__(seed, data_format, **kwargs)
        self.x_factor = _shear_factor(x_factor, "x_factor")
        self.y_factor = _shear_factor(y_factor, "y_factor")
        if fill_mode not in self._FILL_MODES:
            raise UnimplementedError(
                f"Unknown `fill_mode` {fill_mode}. Expected of one {self._FILL_MODES}.")
        if interpolation not in ("nearest", "bilinear"):
            raise UnimplementedError(
                f"Unknown `interpolation` {interpolation}. Expected of one "
                "('nearest', 'bilinear').")
        self.fill_mode, self.fill_value, self.interpolation = fill_mode, fill_value, interpolation

    def transform(self, x):
        n = ops.shape(x)[:1]
        invert = random.uniform(n, seed=self.seed)
        sign = ops.where(invert > 0.5, -ops.ones_like(invert), ops.ones_like(invert))
        shear_y = random.uniform(n, float(self.y_factor[0]), float(self.y_factor[1]),
                                 seed=self.seed)
        shear_x = random.uniform(n, float(self.x_factor[0]), float(self.x_factor[1]),
                                 seed=self.seed)
        matrix = shear_matrix(shear_x * sign, shear_y * sign)
        return image_projective_transform(x, matrix, self.interpolation, self.fill_mode,
                                          float(self.fill_value))

    def compute_output_shape(self, input_shape):
        return input_shape

    @classmethod
    def from_config(cls, config):
        # get_config writes a number f as (-f, f), which the constructor (as Keras's) rejects;
        # Keras 3.15's own from_config fails on it, graphflow reads it back as f
        config = dict(config)
        for key in ("x_factor", "y_factor"):
            value = config.get(key)
            if isinstance(value, (list, tuple)) and len(value) == 2 and value[0] == -value[1]:
                config[key] = value[1]
        return cls(**config)

    def get_config(self):
        return {**super().get_config(), "x_factor": list(self.x_factor),
                "y_factor": list(self.y_factor), "fill_mode": self.fill_mode,
                "fill_value": self.fill_value, "interpolation": self.interpolation}


def homography_matrix(start_points, end_points):
    """Keras's compute_homography_matrix: the (batch, 8) projective transform taking output
    coordinates at `end_points` to input coordinates at `start_points` ((batch, 4, 2) corners,
    x then y), from its 8 x 8 linear system."""
    rows, target = [], []
    for i in range(4):
        sx, sy = start_points[:, i, 0], start_points[:, i, 1]
        ex, ey = end_points[:, i, 0], end_points[:, i, 1]
        one, zero = ops.ones_like(ex), ops.zeros_like(ex)
        rows.append(ops.stack([ex, ey, one, zero, zero, zero, -sx * ex, -sx * ey], -1))
        rows.append(ops.stack([zero, zero, zero, ex, ey, one, -sy * ex, -sy * ey], -1))
        target += [sx, sy]
    coefficients = ops.stack(rows, 1)
    from graphflow.ops.matrix_ops import solve
    solution = solve(coefficients, ops.expand_dims(ops.stack(target, -1), -1))
    return ops.reshape(solution, [-1, 8])


def perspective_transform(images, start_points, end_points, interpolation="bilinear",
                          fill_value=0.0):
    """Keras's ops.image.perspective_transform (channels_last, a constant fill)."""
    matrix = homography_matrix(start_points, end_points)
    return image_projective_transform(images, ops.cast(matrix, "float32"), interpolation,
                                      "constant", float(fill_value))


class RandomPerspective(_Random):
    """With a probability drawn from the factor range, moves each image's four corners by
    corner * u, u uniform in [-scale / 2, scale / 2] per coordinate, and warps the image by the
    homography (constant fill), as Keras."""

    def __init__(self, factor=1.0, scale=1.0, interpolation="bilinear", fill_value=0.0,
                 seed=None, data_format=None, **kwargs):
        super().__init__(seed, data_format, **kwargs)
        self.factor = base_factor(self, factor, (0, 1))
        if scale < 0.0 or scale > 1.0:
            raise InvalidArgumentError(
                f"The `scale` argument should be a number in the range [0,1]. Received: "
                f"scale={scale}")
        if interpolation not in ("nearest", "bilinear"):
            raise UnimplementedError(
                f"Unknown `interpolation` {interpolation}. Expected of one "
                "('nearest', 'bilinear').")
        self.scale, self.interpolation, self.fill_value = scale, interpolation, fill_value

    def transform(self, x):
        h, w = _hw(self, x)
        shape = ops.shape(x)
        n = shape[:1]
        probability = random.uniform(n, float(self.factor[0]), float(self.factor[1]),
                                     seed=self.seed)
        threshold = random.uniform(n, 0.0, 1.0, seed=self.seed)
        apply = ops.reshape(ops.less(threshold, probability), [-1, 1, 1, 1])
        moves = random.uniform(ops.concat([n, ops.constant([4, 2], "int32")], 0),
                               -0.5 * self.scale, 0.5 * self.scale, dtype=x.dtype,
                               seed=self.seed)
        corners = ops.constant([[[0.0, 0.0], [w - 1, 0.0], [0.0, h - 1], [w - 1, h - 1]]],
                               x.dtype)
        start = corners + ops.zeros_like(moves)
        end = start + start * moves
        warped = perspective_transform(x, start, end, self.interpolation, self.fill_value)
        return ops.where(apply, warped, x)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "factor": list(self.factor), "scale": self.scale,
                "interpolation": self.interpolation, "fill_value": self.fill_value}
