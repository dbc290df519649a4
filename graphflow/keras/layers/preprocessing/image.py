"""Image preprocessing and augmentation layers (channels_last): Resizing, CenterCrop,
RandomCrop, RandomFlip, RandomContrast.

As in Keras 3 the random layers augment when called directly or with training=True (fit), and
pass images through with training=False (evaluate, predict); one Keras call default, so
`dataset.map(lambda x, y: (augment(x), y))` augments.

    >>> from graphflow import keras
    >>> x = np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1)
    >>> keras.layers.CenterCrop(2, 3)(x).numpy()[0, :, :, 0]
    array([[ 4.,  5.,  6.],
           [ 8.,  9., 10.]], dtype=float32)
    >>> keras.layers.RandomFlip()(x, training=False).shape
    TensorShape([1, 4, 4, 1])
"""
from graphflow import image
from graphflow.errors import InvalidArgumentError
from graphflow.keras.layers.base import Layer
from graphflow.keras.layers.conv import _channels_last
from graphflow.ops import api as ops
from graphflow.ops import random


def _size(layer, height, width):
    for name, v in (("height", height), ("width", width)):
        if isinstance(v, bool) or not isinstance(v, int) or v <= 0:
            raise InvalidArgumentError(f"{layer}: `{name}` must be a positive int, got {v!r}")
    return height, width


def _images(layer, inputs):
    """(images as float, whether a batch axis was added)."""
    x = ops.convert_to_tensor(inputs)
    if x.shape.rank not in (3, 4):
        raise InvalidArgumentError(
            f"{type(layer).__name__} layer {layer.name!r} expects images of rank 3 (height, "
            f"width, channels) or 4 (batch, ...), got shape {x.shape}")
    if not x.dtype.is_floating:
        x = ops.cast(x, layer.dtype if layer.dtype != "int64" else "float32")
    if x.shape.rank == 3:
        return ops.expand_dims(x, 0), True
    return x, False


def _hw(layer, x):
    h, w = x.shape.as_list()[1:3]
    if h is None or w is None:
        raise InvalidArgumentError(
            f"{type(layer).__name__} layer {layer.name!r} needs a known height and width, got "
            f"images of shape {x.shape}")
    return h, w


def _crop(x, top, left, height, width):
    return x[:, top:top + height, left:left + width, :]


def smart_resize(x, height, width, interpolation="bilinear"):
    """Keras's crop_to_aspect_ratio resize: the largest centered window with the target's
    aspect ratio, resized to (height, width)."""
    h, w = x.shape.as_list()[1:3]
    crop_h = max(min(h, int(w * height / width)), 1)
    crop_w = max(min(w, int(h * width / height)), 1)
    top, left = (h - crop_h) // 2, (w - crop_w) // 2
    return image.resize(_crop(x, top, left, crop_h, crop_w), (height, width),
                        method=interpolation)


class Resizing(Layer):
    """Resizes images to (height, width) with tf.image.resize; crop_to_aspect_ratio first
    takes the largest centered window of the target's aspect ratio, pad_to_aspect_ratio pads
    the short side with fill_value instead."""
    _single_input = True

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
                 pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0,
                 antialias=False, data_format=None, **kwargs):
        super().__init__(**kwargs)
        _channels_last("Resizing", data_format)
        self.height, self.width = _size("Resizing", height, width)
        if pad_to_aspect_ratio and crop_to_aspect_ratio:
            raise InvalidArgumentError(
                "Only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` can be True.")
        if fill_mode != "constant":
            raise InvalidArgumentError(
                f"Resizing: only fill_mode='constant' is supported, got {fill_mode!r}")
        self.pad_to_aspect_ratio = bool(pad_to_aspect_ratio)
        self.interpolation, self.crop_to_aspect_ratio = interpolation, bool(crop_to_aspect_ratio)
        self.antialias = bool(antialias)
        self.fill_mode, self.fill_value = fill_mode, fill_value

    def call(self, inputs):
        x, added = _images(self, inputs)
        if self.crop_to_aspect_ratio:
            _hw(self, x)
            y = smart_resize(x, self.height, self.width, self.interpolation)
        elif self.pad_to_aspect_ratio:
            h, w = _hw(self, x)
            # Keras pads the short side by the same amount before and after (so an odd
            # difference leaves the padded image one short), then resizes
            top = (max(h, int(w * self.height / self.width)) - h) // 2
            left = (max(w, int(h * self.width / self.height)) - w) // 2
            x = ops.pad(x, [[0, 0], [top, top], [left, left], [0, 0]],
                        constant_values=float(self.fill_value))
            y = image.resize(x, (self.height, self.width), method=self.interpolation,
                             antialias=self.antialias)
        else:
            y = image.resize(x, (self.height, self.width), method=self.interpolation,
                             antialias=self.antialias)
        return ops.squeeze(y, [0]) if added else y

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width,
                "interpolation": self.interpolation,
                "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
                "pad_to_aspect_ratio": self.pad_to_aspect_ratio, "antialias": self.antialias,
                "fill_mode": self.fill_mode, "fill_value": self.fill_value}


class CenterCrop(Layer):
    """The central (height, width) window; images smaller than that are resized as
    Resizing(crop_to_aspect_ratio=True) does, as Keras."""
    _single_input = True

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(**kwargs)
        _channels_last("CenterCrop", data_format)
        self.height, self.width = _size("CenterCrop", height, width)

    def call(self, inputs):
        x, added = _images(self, inputs)
        h, w = _hw(self, x)
        if h >= self.height and w >= self.width:
            y = _crop(x, (h - self.height) // 2, (w - self.width) // 2, self.height, self.width)
        else:
            y = smart_resize(x, self.height, self.width)
        return ops.squeeze(y, [0]) if added else y

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width}


class _Random(Layer):
    """A random augmentation: `transform` in training, the images unchanged otherwise."""
    _single_input = True

    def __init__(self, seed=None, data_format=None, **kwargs):
        super().__init__(**kwargs)
        _channels_last(type(self).__name__, data_format)
        self.seed = seed

    def call(self, inputs, training=True):
        if isinstance(inputs, dict):
            # Keras's {"images": ..., "labels": ...}: the images are augmented, labels kept
            if "images" not in inputs:
                raise InvalidArgumentError(
                    f"{type(self).__name__} layer {self.name!r}: a dict input needs an 'images' "
                    f"key, got keys {sorted(inputs)}")
            unsupported = sorted({"bounding_boxes", "segmentation_masks"} & set(inputs))
            if unsupported:
                from graphflow.errors import UnimplementedError
                raise UnimplementedError(
                    f"{type(self).__name__} layer {self.name!r}: {unsupported} are not "
                    "supported (only images and labels)")
            return {**inputs, "images": self.call(inputs["images"], training=training)}
        x, added = _images(self, inputs)
        y = self.transform(x) if training else x
        return ops.squeeze(y, [0]) if added else y

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


class RandomCrop(_Random):
    """A random (height, width) window (one offset per batch, as Keras) in training; at
    inference the images pass through unchanged, as in Keras 3.15."""

    _convert_input_args = False  # converts its own inputs (as Keras's)

    def __init__(self, height, width, seed=None, data_format=None, **kwargs):
        super().__init__(seed, data_format, **kwargs)
        self.height, self.width = _size("RandomCrop", height, width)

    def transform(self, x):
        h, w = _hw(self, x)
        if h > self.height and w > self.width:
            top = ops.cast(random.uniform((), 0, float(h - self.height + 1), seed=self.seed),
                           "int32")
            left = ops.cast(random.uniform((), 0, float(w - self.width + 1), seed=self.seed),
                            "int32")
            return ops.slice(x, ops.stack([0, top, left, 0]),
                             [-1, self.height, self.width, -1])
        if h < self.height or w < self.width:
            raise InvalidArgumentError(
                f"RandomCrop layer {self.name!r}: images of shape {x.shape} are smaller than the "
                f"crop ({self.height}, {self.width})")
        return _crop(x, (h - self.height) // 2, (w - self.width) // 2, self.height, self.width)

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width}


class RandomFlip(_Random):
    """Flips each image left-right and/or up-down with probability 1/2 each."""

    _convert_input_args = False  # converts its own inputs (as Keras's)
    _modes = ("horizontal", "vertical", "horizontal_and_vertical")

    def __init__(self, mode="horizontal_and_vertical", seed=None, data_format=None, **kwargs):
        super().__init__(seed, data_format, **kwargs)
        if mode not in self._modes:
            raise InvalidArgumentError(
                f"RandomFlip layer {self.name} received an unknown mode argument {mode}")
        self.mode = mode

    def _maybe(self, x, axis):
        coin = random.uniform(ops.shape(x)[:1], seed=self.seed)
        flip = ops.reshape(ops.less(coin, 0.5), [-1, 1, 1, 1])
        return ops.where(flip, ops.reverse(x, [axis]), x)

    def transform(self, x):
        if self.mode in ("horizontal", "horizontal_and_vertical"):
            x = self._maybe(x, 2)
        if self.mode in ("vertical", "horizontal_and_vertical"):
            x = self._maybe(x, 1)
        return x

    def get_config(self):
        return {**super().get_config(), "mode": self.mode}


class RandomContrast(_Random):
    """(x - mean) * c + mean per image and channel (mean over height and width), c uniform in
    [1 - lower, 1 + upper] per image, clipped to value_range."""

    def __init__(self, factor, value_range=(0, 255), seed=None, data_format=None, **kwargs):
        super().__init__(seed, data_format, **kwargs)
        lower, upper = (factor, factor) if isinstance(factor, (int, float)) else tuple(factor)
        if not (0 <= lower <= 1 and upper >= 0):
            raise InvalidArgumentError(
                f"The `factor` argument should be a number (or a list of two numbers) in the "
                f"range [0.0, 1.0]. Received: factor={factor}")
        self.factor, self.value_range = (float(lower), float(upper)), tuple(value_range)

    def transform(self, x):
        shape = ops.concat([ops.shape(x)[:1], ops.constant([1, 1, 1], "int32")], 0)
        c = random.uniform(shape, 1.0 - self.factor[0], 1.0 + self.factor[1], dtype=x.dtype,
                           seed=self.seed)
        mean = ops.reduce_mean(x, [1, 2], keepdims=True)
        y = (x - mean) * c + mean
        return ops.clip_by_value(y, float(self.value_range[0]), float(self.value_range[1]))

    def get_config(self):
        return {**super().get_config(), "factor": list(self.factor),
                "value_range": list(self.value_range)}
