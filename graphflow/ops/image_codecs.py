"""Decoding and encoding images (tf.io.decode_png / decode_jpeg / decode_bmp / decode_gif /
decode_image, encode_png / encode_jpeg) as ops over scalar strings, with Pillow (the optional
extra `images`: pip install 'graphflow[images]').

Like TF, every decoder reads any supported format (PNG, JPEG, GIF, BMP, WebP) and converts to
the requested channels the way TF's libpng/libjpeg settings do: RGB to gray is libpng's
(9797 R + 19234 G + 3737 B) >> 15 for PNG and libjpeg's own luminance decoding for JPEG, gray
to RGB repeats the channel, alpha is dropped or added as opaque. JPEGs are decoded with the
accurate integer DCT (TF's dct_method="INTEGER_ACCURATE"; TF's default fast DCT differs by a few
levels), and a palette PNG asked for 4 channels gets opaque alpha (TF fills 2**bit_depth - 1).

    >>> import graphflow as tf
    >>> png = tf.io.encode_png(tf.zeros([2, 3, 1], tf.uint8))
    >>> tf.io.decode_png(png, channels=3).shape
    TensorShape([2, 3, 3])
"""
import io

import numpy as np

from graphflow import dtypes
from graphflow.errors import FailedPreconditionError, InvalidArgumentError
from graphflow.ops import rules
from graphflow.ops.registry import OPAQUE, register

_MAGIC = [(b"\x89PNG", "PNG"), (b"\xff\xd8\xff", "JPEG"), (b"GIF8", "GIF"), (b"BM", "BMP")]
_CHANNELS = {"PNG": (0, 1, 3, 4), "JPEG": (0, 1, 3), "GIF": (0, 3), "BMP": (0, 3, 4),
             "WEBP": (0, 3, 4)}


def pillow(what):
    """The PIL.Image module, or an error naming the extra that provides it."""
    try:
        from PIL import Image
    except ImportError:
        raise FailedPreconditionError(
            f"{what} needs Pillow, graphflow's optional `images` extra: "
            "pip install 'graphflow[images]' (or pip install pillow)") from None
    return Image


def sniff(data):
    """The image format of encoded bytes, or None."""
    for magic, name in _MAGIC:
        if data.startswith(magic):
            return name
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def _channel_error(op_name, fmt, channels):
    if fmt == "JPEG" and channels == 4:
        return f"{op_name}: JPEG does not support 4 channels"
    if fmt == "GIF":
        return f"{op_name}: channels must be 0 or 3 for GIF, got {channels}"
    if fmt == "BMP":
        return f"{op_name}: `channels` must be 0, 3 or 4 for BMP, but got {channels}"
    return f"{op_name}: `channels` must be 0, 1, 3 or 4 but got {channels}"


def _to_channels(image, fmt, mode, channels):
    """An HxWxC uint8 array from a decoded Pillow image."""
    if mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
        mode = image.mode
    elif mode not in ("L", "LA", "RGB", "RGBA"):
        image = image.convert("RGBA" if "A" in mode else "RGB")
        mode = image.mode
    native = {"L": 1, "LA": 2, "RGB": 3, "RGBA": 4}[mode]
    want = channels or native
    if want == native:
        return np.asarray(image, dtype=np.uint8).reshape(image.size[1], image.size[0], native)
    if want == 1:
        if mode in ("L", "LA"):
            return np.asarray(image.convert("L"), dtype=np.uint8)[..., None]
        rgb = np.asarray(image.convert("RGB")).astype(np.uint32)  # libpng's rgb_to_gray
        gray = (9797 * rgb[..., 0] + 19234 * rgb[..., 1] + 3737 * rgb[..., 2]) >> 15
        return gray.astype(np.uint8)[..., None]
    return np.asarray(image.convert("RGB" if want == 3 else "RGBA"), dtype=np.uint8)


def decode(data, channels, expand_animations, op_name):
    """Bytes to an HxWxC (or, for a GIF with expand_animations, NxHxWx3) uint8 array."""
    fmt = sniff(data)
    if fmt is None:
        raise InvalidArgumentError(
            f"{op_name}: Unknown image file format. One of JPEG, PNG, GIF, BMP, WebP required.")
    if channels not in _CHANNELS[fmt]:
        raise InvalidArgumentError(_channel_error(op_name, fmt, channels))
    Image = pillow(op_name)
    try:
        image = Image.open(io.BytesIO(data))
        if fmt == "JPEG" and channels == 1 and image.mode != "L":
            image.draft("L", image.size)  # libjpeg decodes the luminance plane directly
        if fmt == "GIF":
            frames = []
            for i in range(getattr(image, "n_frames", 1) if expand_animations else 1):
                image.seek(i)
                frames.append(np.asarray(image.convert("RGB"), dtype=np.uint8))
            return np.stack(frames) if expand_animations else frames[0]
        image.load()
        return _to_channels(image, fmt, image.mode, channels)
    except (OSError, ValueError, SyntaxError) as e:
        raise InvalidArgumentError(f"{op_name}: cannot decode the {fmt} image: {e}") from None


def _decode_infer(specs, channels, expand_animations, animated, op):
    (x,) = specs
    rules.check_kind(op, x, "O")
    if x.shape is not None and len(x.shape) != 0:
        raise InvalidArgumentError(f"{op}: contents must be a scalar string, got shape "
                                   f"{rules.fmt(x.shape)}")
    if channels not in (0, 1, 3, 4):
        raise InvalidArgumentError(f"{op}: `channels` must be 0, 1, 3 or 4 but got {channels}")
    c = channels or None
    if animated == "always":
        return [((None, None, None, 3), dtypes.uint8)]
    if animated == "maybe" and expand_animations:
        return [(None, dtypes.uint8)]  # 3-D, or 4-D for a GIF: known only from the data
    return [((None, None, c), dtypes.uint8)]


def _decode_ref(contents, channels, expand_animations, animated, op):
    _decode_infer([rules.ArraySpec(contents)], channels, expand_animations, animated, op)
    out = decode(contents[()], channels, expand_animations and animated != "never", op)
    if animated == "always" and out.ndim == 3:
        out = out[None]
    return out


DECODE_IMAGE = register("decode_image", OPAQUE, _decode_infer, _decode_ref)


def _encode_infer(specs, fmt, quality, compression):
    (x,) = specs
    op = f"encode_{fmt}"
    rules.check_kind(op, x, "u")
    if x.dtype is not dtypes.uint8:
        raise InvalidArgumentError(f"{op}: image must be uint8, got {x.dtype.name}")
    if x.shape is not None:
        if len(x.shape) != 3:
            raise InvalidArgumentError(f"{op}: image must be 3-D [height, width, channels], got "
                                       f"shape {rules.fmt(x.shape)}")
        allowed = (1, 3) if fmt == "jpeg" else (1, 2, 3, 4)
        if x.shape[2] is not None and x.shape[2] not in allowed:
            raise InvalidArgumentError(f"{op}: image must have {' or '.join(map(str, allowed))} "
                                       f"channels, got shape {rules.fmt(x.shape)}")
    return [((), dtypes.string)]


def _encode_ref(image, fmt, quality, compression):
    _encode_infer([rules.ArraySpec(image)], fmt, quality, compression)
    Image = pillow(f"encode_{fmt}")
    mode = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}[image.shape[2]]
    pil = Image.fromarray(np.ascontiguousarray(image[..., 0] if mode == "L" else image), mode)
    buffer = io.BytesIO()
    if fmt == "png":
        level = 6 if compression < 0 else min(int(compression), 9)
        pil.save(buffer, format="PNG", compress_level=level)
    else:
        pil.save(buffer, format="JPEG", quality=int(quality))
    return np.array(buffer.getvalue(), dtype=object)


def _encoder(fmt):
    def infer(specs, **attrs):
        return _encode_infer(specs, fmt, attrs.get("quality", 95), attrs.get("compression", -1))

    def ref(image, **attrs):
        return _encode_ref(image, fmt, attrs.get("quality", 95), attrs.get("compression", -1))
    return infer, ref


ENCODE_PNG = register("encode_png", OPAQUE, *_encoder("png"))
ENCODE_JPEG = register("encode_jpeg", OPAQUE, *_encoder("jpeg"))


def is_jpeg(contents, name=None):
    """Whether each string starts with JPEG's magic bytes FF D8 FF (TF: a substr and an equal).

        >>> tf.io.is_jpeg(tf.io.encode_jpeg(tf.zeros([2, 2, 3], tf.uint8))).numpy()
        True
    """
    from graphflow.ops.creation import convert_to_tensor
    from graphflow.ops.elementwise import equal
    from graphflow.ops.strings import substr
    from graphflow.tensor import Tensor
    if not isinstance(contents, Tensor):
        contents = convert_to_tensor(contents, dtypes.string)
    return equal(substr(contents, 0, 3), b"\xff\xd8\xff", name=name)
