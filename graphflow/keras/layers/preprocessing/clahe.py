"""keras.layers.ContrastLimitedAdaptiveHistogramEqualization (Keras 3.15, channels_last): CLAHE
with Keras's tiles, clip-and-redistribute histograms and bilinear interpolation of the tiles'
lookup tables. Deterministic, and applied in training and inference alike, as Keras.

    >>> from graphflow import keras
    >>> x = np.tile(np.arange(16, dtype=np.float32) * 16, (16, 1))[None, :, :, None]
    >>> layer = keras.layers.ContrastLimitedAdaptiveHistogramEqualization(tile_grid_size=(2, 2))
    >>> layer(x).shape
    TensorShape([1, 16, 16, 1])
"""
from graphflow.errors import InvalidArgumentError
from graphflow.keras.layers.preprocessing.color import to_range
from graphflow.keras.layers.preprocessing.image import _hw, _Random
from graphflow.ops import api as ops


class ContrastLimitedAdaptiveHistogramEqualization(_Random):
    """Equalizes each of tile_grid_size tiles of every image and channel with its histogram
    clipped at clip_limit * (pixels per tile) / 256 (the excess spread evenly), blending the
    four nearest tiles' mappings bilinearly."""

    def __init__(self, value_range=(0, 255), clip_limit=4.0, tile_grid_size=(8, 8),
                 data_format=None, **kwargs):
        super().__init__(None, data_format, **kwargs)
        self.value_range = list(value_range)
        self.clip_limit = clip_limit
        grid = tuple(tile_grid_size)
        if len(grid) != 2 or not all(isinstance(g, int) and g > 0 for g in grid):
            raise InvalidArgumentError(
                "ContrastLimitedAdaptiveHistogramEqualization: `tile_grid_size` must be two "
                f"positive ints, got {tile_grid_size!r}")
        self.tile_grid_size = grid

    def call(self, inputs, training=True):
        return super().call(inputs, training=True)

    def transform(self, x):
        height, width = _hw(self, x)
        channels = x.shape[-1]
        if channels is None:
            raise InvalidArgumentError(
                f"{type(self).__name__} layer {self.name!r} needs a known channel count, got "
                f"{x.shape}")
        images = to_range(x, self.value_range, (0, 255))
        grid_h, grid_w = self.tile_grid_size
        tile_h, tile_w = -(-height // grid_h), -(-width // grid_w)
        pad_h, pad_w = tile_h * grid_h - height, tile_w * grid_w - width
        if pad_h or pad_w:
            images = ops.pad(images, [[0, 0], [0, pad_h], [0, pad_w], [0, 0]], "SYMMETRIC")
        tiled = ops.reshape(images, [-1, grid_h, tile_h, grid_w, tile_w, channels])
        tiled = ops.transpose(tiled, [0, 1, 3, 5, 2, 4])
        tiled = ops.reshape(tiled, [-1, grid_h, grid_w, channels, tile_h * tile_w])
        levels = ops.clip_by_value(ops.cast(tiled, "int32"), 0, 255)
        hists = ops.reduce_sum(ops.one_hot(levels, 256, dtype=x.dtype), -2)
        if self.clip_limit > 0:
            limit = self.clip_limit * (tile_h * tile_w) / 256.0
            clipped = ops.clip_by_value(hists, 0.0, limit)
            excess = ops.reduce_sum(hists - clipped, -1, keepdims=True)
            hists = clipped + excess / 256.0
        cdf = ops.cumsum(hists, axis=-1)
        cdf_min = ops.reduce_min(cdf, -1, keepdims=True)
        denominator = float(tile_h * tile_w) - cdf_min
        denominator = ops.where(ops.equal(denominator, 0.0), ops.ones_like(denominator),
                                denominator)
        cdf = ops.clip_by_value((cdf - cdf_min) * 255.0 / denominator, 0.0, 255.0)
        # one tile of edge padding around the grid, as Keras
        cdf = ops.concat([cdf[:, :1], cdf, cdf[:, -1:]], 1)
        cdf = ops.concat([cdf[:, :, :1], cdf, cdf[:, :, -1:]], 2)   # (B, gh+2, gw+2, C, 256)

        def axis_nodes(size, tile, grid):
            g = (ops.cast(ops.range(size), x.dtype) - tile / 2.0) / tile + 1.0
            lower = ops.floor(g)
            weight = g - lower
            i0 = ops.cast(ops.clip_by_value(lower, 0.0, grid + 1.0), "int32")
            i1 = ops.cast(ops.clip_by_value(lower + 1.0, 0.0, grid + 1.0), "int32")
            return i0, i1, weight
        y0, y1, wy = axis_nodes(tile_h * grid_h, tile_h, grid_h)
        x0, x1, wx = axis_nodes(tile_w * grid_w, tile_w, grid_w)
        pixels = ops.cast(ops.clip_by_value(images, 0.0, 255.0), "int32")  # (B, Hp, Wp, C)
        batch = ops.reshape(ops.cast(ops.range(ops.shape(images)[0]), "int32"), [-1, 1, 1, 1])
        chans = ops.reshape(ops.range(channels), [1, 1, 1, -1])
        batch = batch + ops.zeros_like(pixels)
        chans = chans + ops.zeros_like(pixels)

        def lookup(ys, xs):
            rows = ops.reshape(ys, [1, -1, 1, 1]) + ops.zeros_like(pixels)
            cols = ops.reshape(xs, [1, 1, -1, 1]) + ops.zeros_like(pixels)
            return ops.gather_nd(cdf, ops.stack([batch, rows, cols, chans, pixels], -1))
        wy = ops.reshape(wy, [1, -1, 1, 1])
        wx = ops.reshape(wx, [1, 1, -1, 1])
        top = lookup(y0, x0) * (1.0 - wx) + lookup(y0, x1) * wx
        bottom = lookup(y1, x0) * (1.0 - wx) + lookup(y1, x1) * wx
        result = (top * (1.0 - wy) + bottom * wy)[:, :height, :width, :]
        return to_range(result, (0, 255), self.value_range)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.pop("seed", None)
        return {**config, "value_range": self.value_range, "clip_limit": self.clip_limit,
                "tile_grid_size": list(self.tile_grid_size)}
