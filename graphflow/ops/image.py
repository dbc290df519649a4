"""tf.image: resizing, flips and rotations, dtype conversion, crops and pads, color and random
augmentations. Everything but resize (its own op, image_resize.py) is built from graphflow ops,
so it runs in traced dataset functions and differentiates where TF's does. Images are
[height, width, channels] or batches [batch, height, width, channels].

    >>> import graphflow as tf
    >>> image = tf.reshape(tf.range(12, dtype=tf.float32), [2, 2, 3])
    >>> tf.image.resize(image, [4, 4]).shape
    TensorShape([4, 4, 3])
    >>> tf.image.flip_left_right(image)[0, 0].numpy()
    array([3., 4., 5.], dtype=float32)
"""
import numpy as np

from graphflow import dtypes
from graphflow.errors import InvalidArgumentError
from graphflow.ops import elementwise as ew
from graphflow.ops import image_codecs, image_resize, rules
from graphflow.ops.registry import OPAQUE, dispatch, register
from graphflow.tensor import EagerTensor, SymbolicTensor, Tensor


class ResizeMethod:
    """The names tf.image.resize accepts for `method`."""
    BILINEAR = "bilinear"
    NEAREST_NEIGHBOR = "nearest"
    BICUBIC = "bicubic"
    AREA = "area"
    LANCZOS3 = "lanczos3"
    LANCZOS5 = "lanczos5"
    GAUSSIAN = "gaussian"
    MITCHELLCUBIC = "mitchellcubic"


def _tensor(x):
    from graphflow.ops.creation import convert_to_tensor
    return convert_to_tensor(x)


def _image(x, what, ranks=(3, 4)):
    x = _tensor(x)
    rank = x.shape.rank
    if rank is None or rank < 3:
        raise InvalidArgumentError(f"{what}: 'image' (shape {x.shape}) must be at least "
                                   "three-dimensional.")
    if rank not in ranks:
        raise InvalidArgumentError(f"{what}: 'image' (shape {x.shape}) must have either 3 or 4 "
                                   "dimensions.")
    return x


def _int(value, what):
    """A Python int from an int or an eager scalar (graph-building needs it now)."""
    if isinstance(value, SymbolicTensor):
        raise InvalidArgumentError(
            f"{what} must be known while the graph is built (a Python int or an eager tensor)")
    if isinstance(value, EagerTensor):
        value = value.numpy()
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidArgumentError(f"{what} must be an integer, got {value!r:.40}") from None


def _hw(x, what):
    dims = x.shape.as_list()
    h, w = dims[-3], dims[-2]
    if h is None or w is None:
        raise InvalidArgumentError(
            f"{what}: the image's height and width must be known while the graph is built, got "
            f"shape {x.shape}")
    return h, w


def _batched(x, fn):
    """fn on a 4-D batch; a 3-D image is a batch of one."""
    from graphflow.ops.shape import expand_dims, squeeze
    if x.shape.rank == 3:
        return squeeze(fn(expand_dims(x, 0)), axis=[0])
    return fn(x)


# -- resize ---------------------------------------------------------------------------------------

def _size(size):
    if isinstance(size, EagerTensor):
        size = size.numpy()
    if isinstance(size, SymbolicTensor):
        raise InvalidArgumentError(
            "resize: 'size' must be known while the graph is built (a list of 2 ints or an "
            "eager tensor)")
    try:
        out = [int(v) for v in np.asarray(size).reshape(-1)]
    except (TypeError, ValueError):
        out = []
    if len(out) != 2 or np.asarray(size).ndim != 1:
        raise InvalidArgumentError(
            "resize: 'size' must be a 1-D Tensor of 2 elements: new_height, new_width")
    return out


def resize(images, size, method=ResizeMethod.BILINEAR, preserve_aspect_ratio=False,
           antialias=False, name=None):
    """Resizes images (3-D or 4-D) to `size` = [new_height, new_width] with TF's kernels and
    half-pixel centers; float32 results, except "nearest", which keeps the dtype. With
    antialias=True, downscaling filters with a kernel widened by the scale factor.

        >>> tf.image.resize(tf.ones([4, 4, 1]), [2, 2], method="area").numpy()[..., 0]
        array([[1., 1.],
               [1., 1.]], dtype=float32)
    """
    x = _tensor(images)
    rank = x.shape.rank
    if rank not in (3, 4):
        raise InvalidArgumentError("resize: 'images' must have either 3 or 4 dimensions.")
    method = str(method).lower()
    if method not in image_resize.METHODS:
        raise InvalidArgumentError(f"resize: Resize method is not implemented: {method}")
    new_h, new_w = _size(size)
    if preserve_aspect_ratio:
        h, w = _hw(x, "resize")
        scale = min(np.float32(new_h) / np.float32(h), np.float32(new_w) / np.float32(w))
        new_h = int(np.floor(np.float32(h) * scale + np.float32(0.5)))
        new_w = int(np.floor(np.float32(w) * scale + np.float32(0.5)))
    if method != "nearest" and x.dtype is not dtypes.float32:
        x = ew.cast(x, dtypes.float32)  # TF computes (and returns) float32 for these methods
    elif method == "nearest" and not (x.dtype.is_floating or x.dtype.is_integer):
        raise InvalidArgumentError(f"resize: cannot resize images of dtype {x.dtype.name}")
    return _batched(x, lambda b: image_resize.resize_4d(b, (new_h, new_w), method, antialias,
                                                        name))


# -- flips, rotations ----------------------------------------------------------------------------

def _reverse(x, axis_from_end):
    key = [slice(None)] * x.shape.rank
    key[x.shape.rank - axis_from_end] = slice(None, None, -1)
    return x[tuple(key)]


def flip_left_right(image):
    """Mirrors the width axis.

        >>> tf.image.flip_left_right([[[1], [2]]]).numpy()[..., 0]
        array([[2, 1]], dtype=int32)
    """
    return _reverse(_image(image, "flip_left_right"), 2)


def flip_up_down(image):
    """Mirrors the height axis."""
    return _reverse(_image(image, "flip_up_down"), 3)


def transpose(image, name=None):
    """Swaps height and width."""
    from graphflow.ops.shape import transpose as transpose_
    x = _image(image, "transpose")
    perm = [1, 0, 2] if x.shape.rank == 3 else [0, 2, 1, 3]
    return transpose_(x, perm, name=name)


def rot90(image, k=1, name=None):
    """Rotates by k quarter turns counter-clockwise (as np.rot90 on height and width).

        >>> tf.image.rot90([[[1], [2]], [[3], [4]]]).numpy()[..., 0]
        array([[2, 4],
               [1, 3]], dtype=int32)
    """
    x = _image(image, "rot90")
    k = _int(k, "rot90: k") % 4
    if k == 0:
        return ew.identity(x)
    if k == 1:
        return transpose(flip_left_right(x))
    if k == 2:
        return flip_up_down(flip_left_right(x))
    return flip_left_right(transpose(x))


def _random_mirror(image, seed, flip, what):
    from graphflow.ops import random
    from graphflow.ops.shape import reshape
    x = _image(image, what)
    if x.shape.rank == 3:
        u = random.uniform([], seed=seed)
    else:
        n = x.shape[0]
        if n is None:
            raise InvalidArgumentError(f"{what}: the batch size must be known")
        u = reshape(random.uniform([n], seed=seed), [n, 1, 1, 1])
    return ew.where(ew.less(u, 0.5), flip(x), x)


def random_flip_left_right(image, seed=None):
    """Mirrors the width axis with probability 1/2 (each image of a batch on its own)."""
    return _random_mirror(image, seed, flip_left_right, "random_flip_left_right")


def random_flip_up_down(image, seed=None):
    """Mirrors the height axis with probability 1/2 (each image of a batch on its own)."""
    return _random_mirror(image, seed, flip_up_down, "random_flip_up_down")


# -- dtypes --------------------------------------------------------------------------------------

def _saturate_cast(x, dtype):
    lo, hi = dtype.min, dtype.max
    if x.dtype.is_floating:
        lo, hi = max(float(lo), float(x.dtype.min)), min(float(hi), float(x.dtype.max))
    else:
        lo, hi = max(int(lo), int(x.dtype.min)), min(int(hi), int(x.dtype.max))
    return ew.cast(ew.clip_by_value(x, lo, hi), dtype)


def convert_image_dtype(image, dtype, saturate=False, name=None):
    """Converts pixel values between dtypes, rescaling between integer ranges and [0, 1] floats
    as TF does (floats to integers multiply by max + 0.5 and truncate; saturate clips first).

        >>> tf.image.convert_image_dtype(tf.constant([0, 255], tf.uint8), tf.float32).numpy()
        array([0., 1.], dtype=float32)
    """
    x = _tensor(image)
    dtype = dtypes.as_dtype(dtype)
    if not (x.dtype.is_floating or x.dtype.is_integer):
        raise InvalidArgumentError("convert_image_dtype: image dtype must be either floating "
                                   f"point or integer, got {x.dtype.name}")
    if not (dtype.is_floating or dtype.is_integer):
        raise InvalidArgumentError(f"convert_image_dtype: dtype must be either floating point or "
                                   f"integer, got {dtype.name}")
    if dtype is x.dtype:
        return ew.identity(x)
    if x.dtype.is_integer and dtype.is_integer:
        scale_in, scale_out = int(x.dtype.max), int(dtype.max)
        if scale_in > scale_out:
            scaled = ew.floordiv(x, (scale_in + 1) // (scale_out + 1))
            return _saturate_cast(scaled, dtype) if saturate else ew.cast(scaled, dtype)
        scaled = _saturate_cast(x, dtype) if saturate else ew.cast(x, dtype)
        return ew.multiply(scaled, (scale_out + 1) // (scale_in + 1))
    if x.dtype.is_floating and dtype.is_floating:
        return ew.cast(x, dtype)
    if x.dtype.is_integer:
        return ew.multiply(ew.cast(x, dtype), 1.0 / int(x.dtype.max))
    scaled = ew.multiply(x, float(dtype.max) + 0.5)
    return _saturate_cast(scaled, dtype) if saturate else ew.cast(scaled, dtype)


# -- crops and pads ------------------------------------------------------------------------------

def _check_box(what, h, w, oh, ow, th, tw, crop):
    for label, v in (("offset_height", oh), ("offset_width", ow)):
        if v < 0:
            raise InvalidArgumentError(f"{what}: {label} must be >= 0.")
    for label, v in (("target_height", th), ("target_width", tw)):
        if v <= 0:
            raise InvalidArgumentError(f"{what}: {label} must be > 0.")
    if crop:
        if w < tw + ow:
            raise InvalidArgumentError(f"{what}: width must be >= target + offset.")
        if h < th + oh:
            raise InvalidArgumentError(f"{what}: height must be >= target + offset.")
    else:
        if tw - ow - w < 0:
            raise InvalidArgumentError(f"{what}: width must be <= target - offset")
        if th - oh - h < 0:
            raise InvalidArgumentError(f"{what}: height must be <= target - offset")


def crop_to_bounding_box(image, offset_height, offset_width, target_height, target_width):
    """The target_height x target_width window at (offset_height, offset_width)."""
    x = _image(image, "crop_to_bounding_box")
    oh, ow, th, tw = (_int(v, "crop_to_bounding_box: " + n) for v, n in (
        (offset_height, "offset_height"), (offset_width, "offset_width"),
        (target_height, "target_height"), (target_width, "target_width")))
    h, w = _hw(x, "crop_to_bounding_box")
    _check_box("crop_to_bounding_box", h, w, oh, ow, th, tw, True)
    key = (Ellipsis, slice(oh, oh + th), slice(ow, ow + tw), slice(None))
    return x[key]


def pad_to_bounding_box(image, offset_height, offset_width, target_height, target_width):
    """The image placed at (offset_height, offset_width) in a zero image of the target size."""
    from graphflow.ops.shape import pad
    x = _image(image, "pad_to_bounding_box")
    oh, ow, th, tw = (_int(v, "pad_to_bounding_box: " + n) for v, n in (
        (offset_height, "offset_height"), (offset_width, "offset_width"),
        (target_height, "target_height"), (target_width, "target_width")))
    h, w = _hw(x, "pad_to_bounding_box")
    _check_box("pad_to_bounding_box", h, w, oh, ow, th, tw, False)
    spatial = [[oh, th - oh - h], [ow, tw - ow - w], [0, 0]]
    return pad(x, ([[0, 0]] if x.shape.rank == 4 else []) + spatial)


def central_crop(image, central_fraction):
    """The central part of the image, central_fraction of each side (TF's rounding).

        >>> tf.image.central_crop(tf.zeros([10, 10, 3]), 0.5).shape
        TensorShape([6, 6, 3])
    """
    x = _image(image, "central_crop")
    fraction = float(central_fraction)
    if not 0.0 < fraction <= 1.0:
        raise InvalidArgumentError("central_crop: central_fraction must be within (0, 1]")
    if fraction == 1.0:
        return x
    h, w = _hw(x, "central_crop")
    top, left = int((h - h * fraction) / 2), int((w - w * fraction) / 2)
    return x[Ellipsis, top:h - top, left:w - left, :]


def resize_with_crop_or_pad(image, target_height, target_width):
    """Crops (centered) or pads with zeros (centered) to the target size."""
    x = _image(image, "resize_with_crop_or_pad")
    th, tw = _int(target_height, "target_height"), _int(target_width, "target_width")
    h, w = _hw(x, "resize_with_crop_or_pad")
    dh, dw = th - h, tw - w
    cropped = crop_to_bounding_box(x, max(-dh // 2, 0), max(-dw // 2, 0), min(th, h), min(tw, w))
    return pad_to_bounding_box(cropped, max(dh // 2, 0), max(dw // 2, 0), th, tw)


def resize_with_pad(image, target_height, target_width, method=ResizeMethod.BILINEAR,
                    antialias=False):
    """Resizes keeping the aspect ratio, then pads with zeros (centered) to the target size."""
    x = _image(image, "resize_with_pad")
    th, tw = _int(target_height, "target_height"), _int(target_width, "target_width")
    h, w = _hw(x, "resize_with_pad")
    ratio = max(np.float32(w) / np.float32(tw), np.float32(h) / np.float32(th))
    rh, rw = np.float32(h) / ratio, np.float32(w) / ratio
    ph = max(0, int(np.floor((np.float32(th) - rh) / np.float32(2))))
    pw = max(0, int(np.floor((np.float32(tw) - rw) / np.float32(2))))
    resized = resize(x, [int(np.floor(rh)), int(np.floor(rw))], method=method,
                     antialias=antialias)
    return pad_to_bounding_box(resized, ph, pw, th, tw)


def _aspect_box(h, w, size, mode):
    """(top, left, height, width) of the centered window with the aspect ratio of `size`:
    the largest inside the image (crop) or the smallest around it (pad), as Keras computes."""
    th, tw = size
    bh, bw = int(float(w * th) / tw), int(float(h * tw) / th)
    bh, bw = (min(h, bh), min(w, bw)) if mode == "crop" else (max(h, bh), max(w, bw))
    return int(float(abs(h - bh)) / 2), int(float(abs(w - bw)) / 2), bh, bw


def _aspect_infer(specs, size, mode):
    x = specs[0]
    if x.shape is not None and len(x.shape) != 3:
        raise InvalidArgumentError(f"aspect_ratio_box: image must be 3-D, got shape {x.shape}")
    return [((None, None, None if x.shape is None else x.shape[2]), x.dtype)]


def _aspect_ref(x, size, mode):
    _aspect_infer([rules.ArraySpec(x)], size, mode)
    top, left, bh, bw = _aspect_box(x.shape[0], x.shape[1], size, mode)
    if mode == "crop":
        return x[top:top + bh, left:left + bw]
    out = np.zeros((bh, bw, x.shape[2]), x.dtype)
    out[top:top + x.shape[0], left:left + x.shape[1]] = x
    return out


# Keras's crop_to_aspect_ratio / pad_to_aspect_ratio for images whose size is known only at run
# time (decoded files): the box depends on the data, so it is an op of its own.
ASPECT_RATIO_BOX = register("aspect_ratio_box", OPAQUE, _aspect_infer, _aspect_ref)


def fit_aspect_ratio(image, size, mode):
    """The image cropped ("crop") or zero-padded ("pad") around its center to the aspect ratio
    of size = (height, width), ready to be resized to `size` without distortion."""
    return dispatch(ASPECT_RATIO_BOX, (_tensor(image),),
                    {"size": (int(size[0]), int(size[1])), "mode": mode})


# -- color and statistics --------------------------------------------------------------------------

def _via_float(image, fn):
    """fn on the image as float32 in [0, 1] (TF's convert_image_dtype), converted back."""
    x = _tensor(image)
    if x.dtype.is_floating:
        return fn(x)
    return convert_image_dtype(fn(convert_image_dtype(x, dtypes.float32)), x.dtype, saturate=True)


def adjust_brightness(image, delta):
    """Adds delta (a fraction of the dtype's range) to every pixel."""
    return _via_float(image, lambda x: ew.add(x, ew.cast(_tensor(delta), x.dtype)))


def adjust_contrast(images, contrast_factor):
    """(x - mean) * contrast_factor + mean, with the mean of each channel of each image."""
    from graphflow.ops.reduce import reduce_mean

    def contrast(x):
        mean = reduce_mean(x, axis=[-3, -2], keepdims=True)
        factor = ew.cast(_tensor(contrast_factor), x.dtype)
        return ew.add(ew.multiply(ew.subtract(x, mean), factor), mean)
    return _via_float(_image(images, "adjust_contrast"), contrast)


def random_brightness(image, max_delta, seed=None):
    """adjust_brightness by a delta drawn uniformly from [-max_delta, max_delta)."""
    from graphflow.ops import random
    if max_delta < 0:
        raise InvalidArgumentError("random_brightness: max_delta must be non-negative.")
    return adjust_brightness(image, random.uniform([], -max_delta, max_delta, seed=seed))


def random_contrast(image, lower, upper, seed=None):
    """adjust_contrast by a factor drawn uniformly from [lower, upper)."""
    from graphflow.ops import random
    if upper <= lower:
        raise InvalidArgumentError("random_contrast: upper must be > lower.")
    if lower < 0:
        raise InvalidArgumentError("random_contrast: lower must be non-negative.")
    return adjust_contrast(image, random.uniform([], lower, upper, seed=seed))


def per_image_standardization(image):
    """(x - mean) / max(stddev, 1/sqrt(num_pixels)) per image, as float32.

        >>> tf.image.per_image_standardization(tf.ones([2, 2, 1])).numpy().ravel()
        array([0., 0., 0., 0.], dtype=float32)
    """
    from graphflow.ops.reduce import reduce_mean, reduce_std
    x = _image(image, "per_image_standardization")
    x = ew.cast(x, dtypes.float32)
    dims = x.shape.as_list()[-3:]
    if None in dims:
        raise InvalidArgumentError("per_image_standardization: the image's shape must be known")
    mean = reduce_mean(x, axis=[-1, -2, -3], keepdims=True)
    std = reduce_std(x, axis=[-1, -2, -3], keepdims=True)
    floor = 1.0 / float(np.sqrt(np.prod(dims)))
    return ew.truediv(ew.subtract(x, mean), ew.maximum(std, floor))


def rgb_to_grayscale(images, name=None):
    """Luminance 0.2989 R + 0.5870 G + 0.1140 B, keeping a channel axis of size 1."""
    from graphflow.ops.reduce import reduce_sum

    def gray(x):
        weights = np.array([0.2989, 0.5870, 0.1140], x.dtype.np)
        return reduce_sum(ew.multiply(x, weights), axis=-1, keepdims=True)
    return _via_float(images, gray)


def grayscale_to_rgb(images, name=None):
    """The one channel repeated three times."""
    from graphflow.ops.shape import concat
    x = _tensor(images)
    if x.shape.rank is None or x.shape.rank < 2 or x.shape[-1] != 1:
        raise InvalidArgumentError(
            f"grayscale_to_rgb: the last dimension must be of size 1, got shape {x.shape}")
    return concat([x, x, x], axis=-1)


# -- codecs (tf.io) --------------------------------------------------------------------------------

def _contents(contents):
    from graphflow.ops.creation import convert_to_tensor
    return contents if isinstance(contents, Tensor) else convert_to_tensor(contents,
                                                                           dtypes.string)


def _decode(contents, channels, expand_animations, animated, op_name, dtype=dtypes.uint8):
    channels = 0 if channels is None else _int(channels, f"{op_name}: channels")
    out = dispatch(image_codecs.DECODE_IMAGE, (_contents(contents),),
                   {"channels": channels, "expand_animations": bool(expand_animations),
                    "animated": animated, "op": op_name})
    dtype = dtypes.as_dtype(dtype)
    if dtype is dtypes.uint8:
        return out
    if not dtype.is_floating:
        raise InvalidArgumentError(
            f"{op_name}: dtype must be uint8 or a float type, got {dtype.name} (graphflow has no "
            "uint16 images)")
    return convert_image_dtype(out, dtype)


def decode_png(contents, channels=0, dtype=dtypes.uint8, name=None):
    """A PNG (or any supported format) as [height, width, channels] uint8."""
    return _decode(contents, channels, False, "never", "decode_png", dtype)


def decode_jpeg(contents, channels=0, ratio=1, fancy_upscaling=True, try_recover_truncated=False,
                acceptable_fraction=1, dct_method="", name=None):
    """A JPEG (or any supported format) as [height, width, channels] uint8 (see the module
    docstring of image_codecs.py for the DCT used)."""
    if ratio != 1:
        raise InvalidArgumentError("decode_jpeg: only ratio=1 is supported")
    return _decode(contents, channels, False, "never", "decode_jpeg")


def decode_bmp(contents, channels=0, name=None):
    """A BMP as [height, width, channels] uint8."""
    return _decode(contents, channels, False, "never", "decode_bmp")


def decode_gif(contents, name=None):
    """A GIF's frames as [frames, height, width, 3] uint8."""
    return _decode(contents, 0, True, "always", "decode_gif")


def decode_image(contents, channels=None, dtype=dtypes.uint8, name=None, expand_animations=True):
    """Any supported image: [height, width, channels], or [frames, height, width, 3] for a GIF
    when expand_animations (then the rank is known only from the data, as in TF).

        >>> png = tf.io.encode_png(tf.zeros([2, 2, 3], tf.uint8))
        >>> tf.io.decode_image(png, dtype=tf.float32).dtype
        tf.float32
    """
    return _decode(contents, channels, expand_animations, "maybe", "decode_image", dtype)


def encode_png(image, compression=-1, name=None):
    """A uint8 [height, width, channels] image (1-4 channels) as PNG bytes (a scalar string)."""
    return dispatch(image_codecs.ENCODE_PNG, (_tensor(image),),
                    {"compression": int(compression)}, name)


def encode_jpeg(image, format="", quality=95, progressive=False, optimize_size=False,  # noqa: A002
                chroma_downsampling=True, density_unit="in", x_density=300, y_density=300,
                xmp_metadata="", name=None):
    """A uint8 [height, width, 1 or 3] image as JPEG bytes (a scalar string)."""
    return dispatch(image_codecs.ENCODE_JPEG, (_tensor(image),), {"quality": int(quality)}, name)
