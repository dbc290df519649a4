"""Shape layers: UpSampling1D/2D, ZeroPadding1D/2D, Cropping1D/2D, Permute, RepeatVector and
Identity (channels_last).

    >>> from graphflow import keras
    >>> keras.layers.ZeroPadding2D(((1, 0), (2, 1)))(np.ones((1, 2, 2, 3), np.float32)).shape
    TensorShape([1, 3, 5, 3])
    >>> keras.layers.Permute((2, 1))(np.ones((1, 2, 5), np.float32)).shape
    TensorShape([1, 5, 2])
"""
from graphflow.errors import InvalidArgumentError
from graphflow.keras.layers.base import Layer
from graphflow.keras.layers.conv import _channels_last
from graphflow.ops import api as ops


def _nonneg_pair(layer, name, value):
    """An int n -> (n, n); a pair of non-negative ints as given."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = (value, value)
    try:
        value = tuple(int(v) for v in value)
    except (TypeError, ValueError):
        raise InvalidArgumentError(
            f"{layer}: `{name}` must be an int or a tuple of 2 ints, got {value!r}") from None
    if len(value) != 2 or min(value) < 0:
        raise InvalidArgumentError(
            f"{layer}: `{name}` must be an int or a tuple of 2 non-negative ints, got {value!r}")
    return value


def _two_pairs(layer, name, value):
    """Keras's 2-D padding/cropping: an int, (sym_h, sym_w) or ((top, bottom), (left, right))."""
    if isinstance(value, int) and not isinstance(value, bool):
        return ((value, value), (value, value))
    if isinstance(value, (list, tuple)) and len(value) == 2:
        return tuple(_nonneg_pair(layer, name, v) for v in value)
    raise InvalidArgumentError(
        f"{layer}: `{name}` must be an int, a tuple of 2 ints or a tuple of 2 tuples of 2 ints, "
        f"got {value!r}")


def _check_rank(layer, inputs, rank, layout):
    if inputs.shape.rank != rank:
        raise InvalidArgumentError(
            f"{type(layer).__name__} layer {layer.name!r} expects inputs of rank {rank} "
            f"{layout}, got shape {inputs.shape}")


class UpSampling1D(Layer):
    """Repeats each step `size` times: (batch, steps, features) -> (batch, steps * size, features)."""
    _single_input = True

    def __init__(self, size=2, **kwargs):
        super().__init__(**kwargs)
        if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
            raise InvalidArgumentError(f"UpSampling1D: `size` must be a positive int, got {size!r}")
        self.size = size

    def call(self, inputs):
        _check_rank(self, inputs, 3, "(batch, steps, features)")
        return ops.repeat(inputs, self.size, axis=1)

    def get_config(self):
        return {**super().get_config(), "size": self.size}


class UpSampling2D(Layer):
    """Scales height and width by `size`: "nearest" repeats rows and columns, "bilinear" (and
    the other tf.image.resize methods) interpolates."""
    _single_input = True
    _methods = ("nearest", "bilinear", "bicubic", "lanczos3", "lanczos5", "area")

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        _channels_last("UpSampling2D", data_format)
        self.size = _nonneg_pair("UpSampling2D", "size", size)
        if min(self.size) <= 0:
            raise InvalidArgumentError(f"UpSampling2D: `size` must be positive, got {size!r}")
        if interpolation not in self._methods:
            raise InvalidArgumentError(
                f"UpSampling2D: `interpolation` must be one of {list(self._methods)}, got "
                f"{interpolation!r}")
        self.interpolation = interpolation

    def call(self, inputs):
        _check_rank(self, inputs, 4, "(batch, height, width, channels)")
        if self.interpolation == "nearest":
            return ops.repeat(ops.repeat(inputs, self.size[0], axis=1), self.size[1], axis=2)
        from graphflow import image
        h, w = inputs.shape.as_list()[1:3]
        if h is None or w is None:
            raise InvalidArgumentError(
                f"UpSampling2D layer {self.name!r}: interpolation {self.interpolation!r} needs "
                f"known height and width, got {inputs.shape}")
        return image.resize(inputs, (h * self.size[0], w * self.size[1]),
                            method=self.interpolation)

    def get_config(self):
        return {**super().get_config(), "size": list(self.size),
                "interpolation": self.interpolation}


class ZeroPadding1D(Layer):
    """Zeros before and after the steps axis: padding n or (left, right)."""
    _single_input = True

    def __init__(self, padding=1, **kwargs):
        super().__init__(**kwargs)
        self.padding = _nonneg_pair("ZeroPadding1D", "padding", padding)

    def call(self, inputs):
        _check_rank(self, inputs, 3, "(batch, steps, features)")
        return ops.pad(inputs, [[0, 0], list(self.padding), [0, 0]])

    def get_config(self):
        return {**super().get_config(), "padding": list(self.padding)}


class ZeroPadding2D(Layer):
    """Zero rows and columns around images: padding n, (h, w) or ((top, bottom), (left, right))."""
    _single_input = True

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(**kwargs)
        _channels_last("ZeroPadding2D", data_format)
        self.padding = _two_pairs("ZeroPadding2D", "padding", padding)

    def call(self, inputs):
        _check_rank(self, inputs, 4, "(batch, height, width, channels)")
        return ops.pad(inputs, [[0, 0], list(self.padding[0]), list(self.padding[1]), [0, 0]])

    def get_config(self):
        return {**super().get_config(), "padding": [list(p) for p in self.padding]}


def _crop(layer, inputs, crops):
    """inputs[:, a0:n0-b0, a1:n1-b1, ...] for crops [(a0, b0), (a1, b1), ...] of axes 1, 2, ..."""
    index = [slice(None)]
    for axis, (a, b) in enumerate(crops, start=1):
        n = inputs.shape[axis]
        if n is not None and a + b >= n:
            raise InvalidArgumentError(
                f"{type(layer).__name__} layer {layer.name!r}: cropping {tuple(crops)} leaves "
                f"nothing of inputs of shape {inputs.shape} (axis {axis} has {n})")
        index.append(slice(a, -b if b else None))
    return inputs[tuple(index)]


class Cropping1D(Layer):
    """Removes steps at the start and end: cropping n or (start, end)."""
    _single_input = True

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(**kwargs)
        self.cropping = _nonneg_pair("Cropping1D", "cropping", cropping)

    def call(self, inputs):
        _check_rank(self, inputs, 3, "(batch, steps, features)")
        return _crop(self, inputs, [self.cropping])

    def get_config(self):
        return {**super().get_config(), "cropping": list(self.cropping)}


class Cropping2D(Layer):
    """Removes rows and columns: cropping n, (h, w) or ((top, bottom), (left, right))."""
    _single_input = True

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        _channels_last("Cropping2D", data_format)
        self.cropping = _two_pairs("Cropping2D", "cropping", cropping)

    def call(self, inputs):
        _check_rank(self, inputs, 4, "(batch, height, width, channels)")
        return _crop(self, inputs, self.cropping)

    def get_config(self):
        return {**super().get_config(), "cropping": [list(c) for c in self.cropping]}


class Permute(Layer):
    """Permutes the non-batch axes: `dims` numbers them from 1, as Keras."""
    _single_input = True

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        dims = tuple(int(d) for d in dims)
        if sorted(dims) != list(range(1, len(dims) + 1)):
            raise InvalidArgumentError(
                f"Invalid permutation argument `dims` for Permute Layer. The set of indices in "
                f"`dims` must be consecutive and start from 1. Received dims={dims}")
        self.dims = dims

    def call(self, inputs):
        if inputs.shape.rank != len(self.dims) + 1:
            raise InvalidArgumentError(
                f"Permute layer {self.name!r}: dims {self.dims} need inputs of rank "
                f"{len(self.dims) + 1}, got shape {inputs.shape}")
        return ops.transpose(inputs, (0,) + self.dims)

    def get_config(self):
        return {**super().get_config(), "dims": list(self.dims)}


class RepeatVector(Layer):
    """(batch, features) -> (batch, n, features)."""
    _single_input = True

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        if isinstance(n, bool) or not isinstance(n, int) or n <= 0:
            raise InvalidArgumentError(f"RepeatVector: `n` must be a positive int, got {n!r}")
        self.n = n

    def call(self, inputs):
        _check_rank(self, inputs, 2, "(batch, features)")
        return ops.tile(ops.expand_dims(inputs, 1), [1, self.n, 1])

    def get_config(self):
        return {**super().get_config(), "n": self.n}


class Identity(Layer):
    """Returns its inputs unchanged (a placeholder layer in a model)."""
    supports_masking = True  # Keras 3: the input mask passes through

    def call(self, inputs):
        return inputs
