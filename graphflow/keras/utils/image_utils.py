"""keras.utils.img_to_array / array_to_img / load_img / save_img: PIL images and NumPy arrays,
as Keras 3 (they need Pillow, graphflow's optional `images` extra).

    >>> import numpy as np
    >>> from graphflow import keras
    >>> img = keras.utils.array_to_img(np.arange(12, dtype="float32").reshape(2, 2, 3))
    >>> img.mode, img.size
    ('RGB', (2, 2))
    >>> keras.utils.img_to_array(img)[0, 0]
    array([ 0., 23., 46.], dtype=float32)
"""
import io
import pathlib
import warnings

import numpy as np

from graphflow.errors import InvalidArgumentError, InvalidTypeError

_RESAMPLE = ("nearest", "bilinear", "bicubic", "hamming", "box", "lanczos")


def _pillow(what):
    from graphflow.ops.image_codecs import pillow
    return pillow(f"keras.utils.{what}")


def _data_format(data_format):
    from graphflow.keras.backend import image_data_format
    data_format = image_data_format() if data_format is None else str(data_format).lower()
    if data_format not in ("channels_first", "channels_last"):
        raise InvalidArgumentError(
            "The `data_format` argument must be one of {'channels_first', 'channels_last'}. "
            f"Received: data_format={data_format}")
    return data_format


def _dtype(dtype):
    from graphflow.keras.backend import floatx, standardize_dtype
    return floatx() if dtype is None else standardize_dtype(dtype)


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """A PIL image of a rank-3 array (height, width, 1/3/4 channels; channels first with
    data_format="channels_first"). `scale` maps the array's min..max to 0..255."""
    data_format = _data_format(data_format)
    image = _pillow("array_to_img")
    x = np.asarray(x, dtype=_dtype(dtype))
    if x.ndim != 3:
        raise InvalidArgumentError(
            f"Expected image array to have rank 3 (single image). Got array with shape: {x.shape}")
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        top = np.max(x)
        if top != 0:
            x /= top
        x *= 255
    channels = x.shape[2]
    if channels in (3, 4):
        return image.fromarray(x.astype("uint8"), "RGBA" if channels == 4 else "RGB")
    if channels == 1:
        if np.max(x) > 255:  # 16/32-bit grayscale
            return image.fromarray(x[:, :, 0].astype("int32"), "I")
        return image.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise InvalidArgumentError(f"Unsupported channel number: {channels}")


def img_to_array(img, data_format=None, dtype=None):
    """A rank-3 array (height, width, channels; channels first with
    data_format="channels_first") of a PIL image; a grayscale image gets one channel."""
    data_format = _data_format(data_format)
    x = np.asarray(img, dtype=_dtype(dtype))
    if x.ndim == 3:
        if data_format == "channels_first":
            x = x.transpose(2, 0, 1)
    elif x.ndim == 2:
        x = x.reshape((1,) + x.shape if data_format == "channels_first" else x.shape + (1,))
    else:
        raise InvalidArgumentError(f"Unsupported image shape: {x.shape}")
    return x


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """Writes the array x as an image file (its format from the file's suffix, or
    `file_format` for a file object); extra arguments go to PIL's Image.save."""
    data_format = _data_format(data_format)
    if file_format is None and isinstance(path, (str, pathlib.Path)):
        file_format = pathlib.Path(path).suffix[1:].lower()
    if file_format and file_format.lower() == "jpg":
        file_format = "jpeg"
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and file_format == "jpeg":
        warnings.warn("The JPEG format does not support RGBA images, converting to RGB.")
        img = img.convert("RGB")
    img.save(path, format=file_format or None, **kwargs)


def load_img(path, color_mode="rgb", target_size=None, interpolation="nearest",
             keep_aspect_ratio=False):
    """A PIL image read from a path or BytesIO, converted to `color_mode` ("grayscale",
    "rgb" or "rgba") and resized to target_size (height, width) when given; with
    keep_aspect_ratio the largest centred box of the target's aspect ratio is resized."""
    image = _pillow("load_img")
    if isinstance(path, io.BytesIO):
        img = image.open(path)
    elif isinstance(path, (pathlib.Path, bytes, str)):
        if isinstance(path, pathlib.Path):
            path = str(path.resolve())
        with open(path, "rb") as f:
            img = image.open(io.BytesIO(f.read()))
    else:
        raise InvalidTypeError(f"path should be path-like or io.BytesIO, not {type(path)}")
    if color_mode == "grayscale":
        if img.mode not in ("L", "I;16", "I"):
            img = img.convert("L")
    elif color_mode in ("rgb", "rgba"):
        if img.mode != color_mode.upper():
            img = img.convert(color_mode.upper())
    else:
        raise InvalidArgumentError('color_mode must be "grayscale", "rgb", or "rgba"')
    if target_size is None:
        return img
    size = (int(target_size[1]), int(target_size[0]))
    if img.size == size:
        return img
    if interpolation not in _RESAMPLE:
        raise InvalidArgumentError(
            f"Invalid interpolation method {interpolation} specified. Supported methods are "
            f"{', '.join(_RESAMPLE)}")
    resample = getattr(image.Resampling, interpolation.upper())
    if not keep_aspect_ratio:
        return img.resize(size, resample)
    width, height = img.size
    crop_h = min(height, (width * size[1]) // size[0])
    crop_w = min(width, (height * size[0]) // size[1])
    top, left = (height - crop_h) // 2, (width - crop_w) // 2
    return img.resize(size, resample, box=[left, top, left + crop_w, top + crop_h])


def smart_resize(x, size, interpolation="bilinear", data_format="channels_last", **kwargs):
    """Resizes an image (or a batch) to `size` without distorting its aspect ratio: the largest
    centered window of the target's aspect ratio is cropped, then resized (Keras's
    keras.preprocessing.image.smart_resize). NumPy in, float32 NumPy out.

        >>> import numpy as np
        >>> x = np.arange(4 * 6 * 3, dtype="float32").reshape(4, 6, 3)
        >>> smart_resize(x, (2, 2))[:, :, 0].tolist()
        [[13.5, 19.5], [49.5, 55.5]]
    """
    from graphflow.keras.layers.preprocessing.image import smart_resize as resize
    from graphflow.ops.creation import convert_to_tensor
    if data_format != "channels_last":
        raise InvalidArgumentError("smart_resize: graphflow supports data_format="
                                   f"'channels_last' only, got {data_format!r}")
    shape = np.shape(x)
    if len(shape) not in (3, 4):
        raise ValueError("Expected an image array with shape `(height, width, channels)`, or "
                         "`(batch_size, height, width, channels)`, but got input with incorrect "
                         f"rank, of shape {tuple(shape)}.")
    images = convert_to_tensor(np.asarray(x, np.float32))
    if len(shape) == 3:
        images = images[None]
    height, width = size
    out = resize(images, int(height), int(width), interpolation).numpy()
    return out[0] if len(shape) == 3 else out
