"""tf.image's stateless random augmentations (stateless_random_brightness, _contrast,
_flip_left_right, _flip_up_down, _crop), random_crop, and adjust_gamma, written as TF 2.21
writes them (image_ops_impl.py, random_crop_ops.py) over graphflow ops. The stateless ones draw
from graphflow's tf.random.stateless_uniform, so a seed gives the same result every call (but
not TF's numbers: the generators differ).

    >>> import graphflow as tf
    >>> x = tf.reshape(tf.range(6.0), [1, 2, 3, 1])
    >>> a = tf.image.stateless_random_flip_left_right(x, seed=[1, 2])
    >>> bool(tf.reduce_all(a == tf.image.stateless_random_flip_left_right(x, seed=[1, 2])))
    True
"""
from graphflow import dtypes
from graphflow.errors import InvalidArgumentError
from graphflow.ops import elementwise as ew
from graphflow.ops import rules
from graphflow.ops.image import (
    _image, _tensor, adjust_brightness, adjust_contrast, convert_image_dtype, flip_left_right,
    flip_up_down)


def _uniform(seed, shape, minval, maxval, dtype=dtypes.float32):
    from graphflow.ops.stateless_random import stateless_uniform
    return stateless_uniform(shape, seed, minval, maxval, dtype=dtype)


def stateless_random_brightness(image, max_delta, seed):
    """adjust_brightness by a delta drawn from [-max_delta, max_delta) as a function of seed."""
    if max_delta < 0:
        raise InvalidArgumentError("max_delta must be non-negative.")
    return adjust_brightness(image, _uniform(seed, [], -max_delta, max_delta))


def stateless_random_contrast(image, lower, upper, seed):
    """adjust_contrast by a factor drawn from [lower, upper) as a function of seed."""
    if upper <= lower:
        raise InvalidArgumentError("upper must be > lower.")
    if lower < 0:
        raise InvalidArgumentError("lower must be non-negative.")
    return adjust_contrast(image, _uniform(seed, [], lower, upper))


def _stateless_flip(image, seed, flip, what):
    """TF's _random_flip: one image flips when u < 0.5; in a batch, image i flips when
    round(u_i) is 1 (u_i >= 0.5)."""
    from graphflow.ops.shape import reshape
    x = _image(image, what)
    if x.shape.rank == 3:
        return ew.where(ew.less(_uniform(seed, [], 0.0, 1.0), 0.5), flip(x), x)
    n = x.shape[0]
    if n is None:
        raise InvalidArgumentError(f"{what}: the batch size must be known")
    flips = ew.cast(ew.round(reshape(_uniform(seed, [n], 0.0, 1.0), [n, 1, 1, 1])), x.dtype)
    return ew.add(ew.multiply(flips, flip(x)), ew.multiply(ew.subtract(1, flips), x))


def stateless_random_flip_left_right(image, seed):
    """Mirrors the width axis with probability 1/2 (each image of a batch on its own), as a
    function of seed."""
    return _stateless_flip(image, seed, flip_left_right, "stateless_random_flip_left_right")


def stateless_random_flip_up_down(image, seed):
    """Mirrors the height axis with probability 1/2 (each image of a batch on its own), as a
    function of seed."""
    return _stateless_flip(image, seed, flip_up_down, "stateless_random_flip_up_down")


def _crop(value, size, draw, op):
    """value[offset : offset + size] with offset = draw(rank) % (shape - size + 1), as TF."""
    from graphflow.ops.creation import constant
    from graphflow.ops.shape import reshape
    x = _tensor(value)
    dims = x.shape.as_list() if x.shape.rank is not None else None
    size = [int(s) for s in size]
    if dims is None or None in dims:
        raise InvalidArgumentError(
            f"{op}: the shape of value must be known while the graph is built, got {x.shape}")
    if len(size) != len(dims):
        raise InvalidArgumentError(
            f"{op}: size {size} must have one entry per axis of value (shape {dims})")
    if any(d < s for d, s in zip(dims, size)) or min(size, default=0) < 0:
        raise InvalidArgumentError(f"{op}: Need value.shape >= size, got {dims} {size}")
    limit = constant([d - s + 1 for d, s in zip(dims, size)], dtypes.int32)
    offset = ew.floormod(draw(len(dims)), limit)
    key = tuple(slice(offset[k], offset[k] + s) for k, s in enumerate(size))
    return reshape(x[key], size)


@rules.composite("random_crop")
def random_crop(value, size, seed=None, name=None):
    """A size-shaped slice of value at a uniformly random offset (value.shape >= size).

        >>> tf.image.random_crop(tf.zeros([5, 6, 3]), [2, 3, 3], seed=1).shape
        TensorShape([2, 3, 3])
    """
    from graphflow.ops import random
    return _crop(value, size, lambda rank: random.uniform(
        [rank], 0, dtypes.int32.max, dtype=dtypes.int32, seed=seed), "random_crop")


@rules.composite("stateless_random_crop")
def stateless_random_crop(value, size, seed, name=None):
    """random_crop with the offset drawn as a function of seed (shape [2])."""
    return _crop(value, size, lambda rank: _uniform(seed, [rank], 0, dtypes.int32.max,
                                                    dtypes.int32), "stateless_random_crop")


@rules.composite("adjust_gamma")
def adjust_gamma(image, gamma=1, gain=1):
    """gain * image ** gamma on the image as float in [0, 1] (integers are converted and back,
    saturating), as TF's adjust_gamma.

        >>> tf.image.adjust_gamma(tf.constant([0.25, 1.0]), gamma=0.5, gain=2.0).numpy()
        array([1., 2.], dtype=float32)
    """
    from graphflow.tensor import EagerTensor
    x = _tensor(image)
    if isinstance(gamma, (int, float)) or isinstance(gamma, EagerTensor) and gamma.shape.rank == 0:
        if float(gamma) < 0:
            raise InvalidArgumentError("Gamma should be a non-negative real number.")
    flt = x if x.dtype in (dtypes.float16, dtypes.float32) else convert_image_dtype(
        x, dtypes.float32)
    out = ew.multiply(ew.cast(_tensor(gain), flt.dtype),
                      ew.pow(flt, ew.cast(_tensor(gamma), flt.dtype)))
    return convert_image_dtype(out, x.dtype, saturate=True)
