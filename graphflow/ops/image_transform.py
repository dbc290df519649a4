"""image_projective_transform: TF's ImageProjectiveTransformV3, the op behind Keras's
RandomRotation, RandomZoom and RandomTranslation (keras.ops.image.affine_transform).

Each transform [a0, a1, a2, b0, b1, b2, c0, c1] maps an output pixel (x, y) to the input point
((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k) with k = c0 x + c1 y + 1; one transform for
the batch (shape (1, 8)) or one per image ((batch, 8)). Points outside the image follow
`fill_mode` ("reflect", "wrap", "nearest", or "constant" with `fill_value`), then are read with
"nearest" or "bilinear" interpolation, as TF's kernel does. The op has no gradient (TF's
augmentation layers sit in front of the trainable ones).

    >>> from graphflow.ops.image_transform import image_projective_transform
    >>> x = tf.reshape(tf.range(6.0), (1, 2, 3, 1))
    >>> shift = tf.constant([[1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0]])  # read x + 1
    >>> image_projective_transform(x, shift, fill_mode="constant").numpy()[0, :, :, 0]
    array([[1., 2., 0.],
           [4., 5., 0.]], dtype=float32)
"""
import numpy as np

from graphflow.errors import InvalidArgumentError
from graphflow.ops.registry import OPAQUE, dispatch, register

INTERPOLATIONS = ("nearest", "bilinear")
FILL_MODES = ("reflect", "wrap", "constant", "nearest")


def _infer(specs, interpolation, fill_mode, fill_value):
    images, transforms = specs
    op = "image_projective_transform"
    if not images.dtype.is_floating:
        raise InvalidArgumentError(f"{op}: images must be floating-point, got {images.dtype.name}")
    if transforms.dtype.name != "float32":
        raise InvalidArgumentError(
            f"{op}: transforms must be float32, got {transforms.dtype.name}")
    if images.rank is not None and images.rank != 4:
        raise InvalidArgumentError(
            f"{op}: images must have rank 4 (batch, height, width, channels), got shape "
            f"{images.shape}")
    t = transforms.shape
    if t is not None and (len(t) != 2 or t[1] not in (8, None)):
        raise InvalidArgumentError(
            f"{op}: transforms must have shape (batch, 8) or (1, 8), got {t}")
    if t is not None and images.shape is not None and t[0] not in (None, 1) and \
            images.shape[0] not in (None, t[0]):
        raise InvalidArgumentError(
            f"{op}: {t[0]} transforms for a batch of {images.shape[0]} images")
    if interpolation not in INTERPOLATIONS:
        raise InvalidArgumentError(f"{op}: interpolation must be one of {list(INTERPOLATIONS)}, "
                                   f"got {interpolation!r}")
    if fill_mode not in FILL_MODES:
        raise InvalidArgumentError(f"{op}: fill_mode must be one of {list(FILL_MODES)}, got "
                                   f"{fill_mode!r}")
    return [(images.shape, images.dtype)]


def _reflect(c, n):
    if n <= 1:
        return np.zeros_like(c)
    size2 = 2.0 * n
    c = c.copy()
    low, high = c < 0, c > n - 1
    far = low & (c < -size2)
    c[far] = size2 * np.trunc(-c[far] / size2) + c[far]
    cl = c[low]
    c[low] = np.where(cl < -n, cl + size2, -cl - 1)
    ch = c[high] - size2 * np.trunc(c[high] / size2)
    c[high] = np.where(ch >= n, size2 - ch - 1, ch)
    return np.clip(c, 0, n - 1)


def _wrap(c, n):
    if n <= 1:
        return np.zeros_like(c)
    size = n - 1.0
    c = c.copy()
    low, high = c < 0, c > n - 1
    c[low] += n * (np.trunc(-c[low] / size) + 1)
    c[high] -= n * np.trunc(c[high] / size)
    return np.clip(c, 0, n - 1)


def _map(c, n, fill_mode):
    if fill_mode == "reflect":
        return _reflect(c, n)
    if fill_mode == "wrap":
        return _wrap(c, n)
    if fill_mode == "nearest":
        return np.clip(c, 0, n - 1)
    return c  # constant: the read below fills what is outside


def _read(image, y, x, fill):
    """image[y, x] (rows, cols as float arrays of whole numbers), fill outside."""
    h, w = image.shape[:2]
    inside = (y >= 0) & (y < h) & (x >= 0) & (x < w)
    yi = np.clip(y, 0, h - 1).astype(np.int64)
    xi = np.clip(x, 0, w - 1).astype(np.int64)
    return np.where(inside[..., None], image[yi, xi], fill)


def _ref(images, transforms, interpolation, fill_mode, fill_value):
    n, h, w, _ = images.shape
    out = np.empty_like(images)
    ys, xs = np.meshgrid(np.arange(h, dtype=np.float64), np.arange(w, dtype=np.float64),
                         indexing="ij")
    fill = images.dtype.type(fill_value)
    for b in range(n):
        t = transforms[b if len(transforms) > 1 else 0].astype(np.float32)
        k = (t[6] * xs + t[7] * ys + 1).astype(np.float32)
        zero = k == 0
        k = np.where(zero, 1, k)
        in_x = ((t[0] * xs + t[1] * ys + t[2]) / k).astype(np.float32).astype(np.float64)
        in_y = ((t[3] * xs + t[4] * ys + t[5]) / k).astype(np.float32).astype(np.float64)
        x = _map(in_x, w, fill_mode)
        y = _map(in_y, h, fill_mode)
        image = images[b]
        if interpolation == "nearest":
            # std::round: halves away from zero
            value = _read(image, np.sign(y) * np.floor(np.abs(y) + 0.5),
                          np.sign(x) * np.floor(np.abs(x) + 0.5), fill)
        else:
            y0, x0 = np.floor(y), np.floor(x)
            y1, x1 = y0 + 1, x0 + 1
            wy1, wx1 = (y - y0)[..., None], (x - x0)[..., None]
            wy0, wx0 = (y1 - y)[..., None], (x1 - x)[..., None]
            top = wx0 * _read(image, y0, x0, fill) + wx1 * _read(image, y0, x1, fill)
            bottom = wx0 * _read(image, y1, x0, fill) + wx1 * _read(image, y1, x1, fill)
            value = wy0 * top + wy1 * bottom
        out[b] = np.where(zero[..., None], fill, value).astype(images.dtype)
    return out


def _checked_ref(images, transforms, interpolation, fill_mode, fill_value):
    from graphflow import dtypes
    from graphflow.ops.registry import Spec
    _infer([Spec(a.shape, dtypes.from_numpy(a.dtype)) for a in (images, transforms)],
           interpolation, fill_mode, fill_value)
    if len(transforms) not in (1, len(images)):
        raise InvalidArgumentError(
            f"image_projective_transform: {len(transforms)} transforms for a batch of "
            f"{len(images)} images")
    return _ref(images, transforms, interpolation, fill_mode, fill_value)


IMAGE_PROJECTIVE_TRANSFORM = register("image_projective_transform", OPAQUE, _infer,
                                      _checked_ref)


def image_projective_transform(images, transforms, interpolation="bilinear",
                               fill_mode="constant", fill_value=0.0, name=None):
    """Applies projective `transforms` ((1, 8) or (batch, 8), float32) to NHWC `images`."""
    from graphflow.ops.creation import convert_to_tensor
    from graphflow.ops.elementwise import cast
    images = convert_to_tensor(images)
    transforms = convert_to_tensor(transforms)
    if transforms.dtype.name != "float32":
        transforms = cast(transforms, "float32")
    return dispatch(IMAGE_PROJECTIVE_TRANSFORM, (images, transforms),
                    {"interpolation": interpolation, "fill_mode": fill_mode,
                     "fill_value": float(fill_value)}, name)
