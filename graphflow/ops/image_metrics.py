"""tf.image's quality measures and image derivatives: psnr, ssim, ssim_multiscale,
total_variation, image_gradients, sobel_edges. Each is written as TF 2.21 writes it
(image_ops_impl.py), from graphflow ops only (convolutions, pools, reductions, slices), so each
differentiates, traces and compiles like any other composition. Integer images are first
converted as TF converts them (convert_image_dtype: uint8 255 -> 1.0, and `max_val` with them).

    >>> import graphflow as tf
    >>> a = tf.reshape(tf.range(48.0), [4, 4, 3]) / 48.0
    >>> float(tf.image.psnr(a, a * 0.5, max_val=1.0))  # doctest: +ELLIPSIS
    10.92...
    >>> tf.image.total_variation(tf.ones([2, 3, 3, 1])).numpy()
    array([0., 0.], dtype=float32)
"""
import numpy as np

from graphflow import dtypes
from graphflow.errors import InvalidArgumentError
from graphflow.ops import elementwise as ew
from graphflow.ops import rules
from graphflow.ops.image import _tensor, convert_image_dtype

MSSSIM_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)  # TF's (the MS-SSIM paper's)


def _fmt(shape):
    dims = shape.as_list() if shape.rank is not None else None
    return "<unknown>" if dims is None else "(" + ", ".join(
        "None" if d is None else str(d) for d in dims) + ("," if len(dims) == 1 else "") + ")"


def _check_compatible(op, a, b):
    """TF's _verify_compatible_image_shapes: rank >= 3, the same last three dims, batch dims
    that broadcast."""
    for x in (a, b):
        if x.shape.rank is not None and x.shape.rank < 3:
            raise InvalidArgumentError(f"{op}: Shape {_fmt(x.shape)} must have rank at least 3")
    if a.shape.rank is None or b.shape.rank is None:
        return
    ta, tb = a.shape.as_list()[-3:], b.shape.as_list()[-3:]
    if any(x is not None and y is not None and x != y for x, y in zip(ta, tb)):
        raise InvalidArgumentError(
            f"{op}: Shapes ({', '.join(map(str, ta))}) and ({', '.join(map(str, tb))}) are "
            "incompatible")
    for x, y in zip(reversed(a.shape.as_list()[:-3]), reversed(b.shape.as_list()[:-3])):
        if not (x == 1 or y == 1 or x is None or y is None or x == y):
            raise InvalidArgumentError(
                f"{op}: Two images are not compatible: {_fmt(a.shape)} and {_fmt(b.shape)}")


def _as_float(op, img1, img2, max_val):
    """The images and max_val as TF's metrics see them: float32, integer ranges mapped to
    [0, 1] (max_val is cast to the images' dtype first, as TF does)."""
    img1, img2 = _tensor(img1), _tensor(img2)  # each converted on its own, as in TF
    _check_compatible(op, img1, img2)
    max_val = convert_image_dtype(ew.cast(_tensor(max_val), img1.dtype), dtypes.float32)
    return (convert_image_dtype(img1, dtypes.float32), convert_image_dtype(img2, dtypes.float32),
            max_val)


@rules.composite("psnr")
def psnr(a, b, max_val, name=None):
    """The peak signal-to-noise ratio of each image: 20 log10(max_val) - 10 log10(mse), as
    float32, over the last three axes [height, width, channels] (a scalar for one image).
    Integer images are converted as TF converts them, max_val with them.

        >>> a = tf.zeros([1, 2, 2, 1], tf.uint8)
        >>> tf.image.psnr(a, a + 1, max_val=255).numpy()  # doctest: +ELLIPSIS
        array([48.13...], dtype=float32)
    """
    from graphflow.ops.reduce import reduce_mean
    a, b, max_val = _as_float("psnr", a, b, max_val)
    mse = reduce_mean(ew.squared_difference(a, b), axis=[-3, -2, -1])
    log10 = float(np.log(np.float32(10.0)))
    return ew.subtract(ew.truediv(ew.multiply(ew.log(max_val), 20.0), log10),
                       ew.multiply(ew.log(mse), np.float32(10 / np.log(10))), name=name)


def _gauss_kernel(size, sigma, channels):
    """TF's _fspecial_gauss tiled over the channels: [size, size, channels, 1], float32."""
    coords = np.arange(size, dtype=np.float32) - np.float32(size - 1) / np.float32(2)
    g = np.square(coords) * (np.float32(-0.5) / np.square(np.float32(sigma)))
    g = (g[None, :] + g[:, None]).reshape(-1)
    g = np.exp(g - g.max())
    g = (g / g.sum()).astype(np.float32)
    return np.tile(g.reshape(size, size, 1, 1), [1, 1, channels, 1])


def _flat(x):
    from graphflow.ops.shape import reshape
    return reshape(x, [-1] + x.shape.as_list()[-3:])


def _unflat(y, like):
    """y ([n, h', w', c]) with like's leading dims back."""
    from graphflow.ops.shape import concat, reshape, shape
    heads = like.shape.as_list()[:-3]
    if None not in heads:
        return reshape(y, heads + y.shape.as_list()[1:])
    return reshape(y, concat([shape(like)[:-3], shape(y)[1:]], 0))


def _static_hwc(op, x):
    dims = x.shape.as_list()[-3:]
    if None in dims:
        raise InvalidArgumentError(
            f"{op}: the images' height, width and channels must be known while the graph is "
            f"built, got shape {_fmt(x.shape)}")
    return dims


def _ssim_per_channel(op, img1, img2, max_val, filter_size, filter_sigma, k1, k2,
                      return_index_map=False):
    """(ssim, cs) per channel, as TF's _ssim_per_channel: Gaussian-weighted local means by a
    VALID depthwise convolution, luminance * contrast-structure, averaged over height and
    width unless return_index_map."""
    from graphflow.ops.conv_depthwise import depthwise_conv2d
    from graphflow.ops.reduce import reduce_mean
    for img in (img1, img2):
        h, w, c = _static_hwc(op, img)
        if h < filter_size or w < filter_size:
            raise InvalidArgumentError(
                f"{op}: the images ({_fmt(img.shape)}) must be at least filter_size x "
                f"filter_size ({filter_size} x {filter_size})")
    kernel = _gauss_kernel(filter_size, filter_sigma, _static_hwc(op, img1)[2])

    def reducer(x):
        y = depthwise_conv2d(_flat(x), kernel, [1, 1, 1, 1], "VALID")
        return _unflat(y, x)
    c1 = ew.square(ew.multiply(max_val, float(k1)))
    c2 = ew.square(ew.multiply(max_val, float(k2)))
    mean0, mean1 = reducer(img1), reducer(img2)
    num0 = ew.multiply(ew.multiply(mean0, mean1), 2.0)
    den0 = ew.add(ew.square(mean0), ew.square(mean1))
    luminance = ew.truediv(ew.add(num0, c1), ew.add(den0, c1))
    num1 = ew.multiply(reducer(ew.multiply(img1, img2)), 2.0)
    den1 = reducer(ew.add(ew.square(img1), ew.square(img2)))
    cs = ew.truediv(ew.add(ew.subtract(num1, num0), c2),
                    ew.add(ew.subtract(den1, den0), c2))
    if return_index_map:
        return ew.multiply(luminance, cs), cs
    return (reduce_mean(ew.multiply(luminance, cs), axis=[-3, -2]),
            reduce_mean(cs, axis=[-3, -2]))


def _filter_args(op, filter_size, filter_sigma):
    size = rules.as_axis(op, filter_size, "filter_size")
    if size <= 0:
        raise InvalidArgumentError(f"{op}: filter_size must be positive, got {size}")
    return size, float(filter_sigma)


@rules.composite("ssim")
def ssim(img1, img2, max_val, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03,
         return_index_map=False):
    """The structural similarity of each pair of images (the last three axes are [height, width,
    channels]; images at least filter_size on each side), as TF computes it: an 11 x 11 Gaussian
    window of sigma 1.5, the mean over the channels. With return_index_map, the local map.

        >>> x = tf.reshape(tf.range(16 * 16 * 1, dtype=tf.float32), [1, 16, 16, 1]) / 256.0
        >>> tf.image.ssim(x, x, max_val=1.0).numpy()
        array([1.], dtype=float32)
    """
    from graphflow.ops.reduce import reduce_mean
    size, sigma = _filter_args("ssim", filter_size, filter_sigma)
    img1, img2, max_val = _as_float("ssim", img1, img2, max_val)
    per_channel, _ = _ssim_per_channel("ssim", img1, img2, max_val, size, sigma, k1, k2,
                                       return_index_map)
    return reduce_mean(per_channel, axis=[-1])


def _pad_to_even(x, rh, rw):
    """x ([n, h, w, c]) with its last row and column repeated rh / rw times (TF pads with
    mode SYMMETRIC by the remainder of h and w by 2)."""
    from graphflow.ops.shape import concat
    if rh:
        x = concat([x, x[:, -1:]], 1)
    if rw:
        x = concat([x, x[:, :, -1:]], 2)
    return x


@rules.composite("ssim_multiscale")
def ssim_multiscale(img1, img2, max_val, power_factors=MSSSIM_WEIGHTS, filter_size=11,
                    filter_sigma=1.5, k1=0.01, k2=0.03):
    """Multi-scale SSIM (Wang et al. 2004), as TF computes it: one scale per power factor, each
    halving the images by a 2 x 2 average (an odd side first repeats its last row or column),
    the contrast-structure of every scale but the last and the last scale's SSIM raised to the
    factors and multiplied, then averaged over the channels.

        >>> x = tf.random.stateless_uniform([1, 176, 176, 1], seed=[1, 2])
        >>> tf.image.ssim_multiscale(x, x, 1.0).numpy()
        array([1.], dtype=float32)
    """
    from graphflow.ops.conv import avg_pool2d
    from graphflow.ops.reduce import reduce_mean, reduce_prod
    from graphflow.ops.shape import stack
    op = "ssim_multiscale"
    size, sigma = _filter_args(op, filter_size, filter_sigma)
    factors = [float(p) for p in power_factors]
    if not factors:
        raise InvalidArgumentError(f"{op}: power_factors must not be empty")
    img1, img2, max_val = _as_float(op, img1, img2, max_val)
    imgs = [img1, img2]
    mcs = []
    for k in range(len(factors)):
        if k > 0:
            h, w, _ = _static_hwc(op, imgs[0])
            flat = [_pad_to_even(_flat(x), h % 2, w % 2) for x in imgs]
            down = [avg_pool2d(x, [1, 2, 2, 1], [1, 2, 2, 1], "VALID") for x in flat]
            imgs = [_unflat(d, x) for d, x in zip(down, imgs)]
        per_channel, cs = _ssim_per_channel(op, imgs[0], imgs[1], max_val, size, sigma, k1, k2)
        mcs.append(ew.relu(cs))
    mcs.pop()  # the last scale contributes its SSIM, not its contrast-structure
    stacked = stack(mcs + [ew.relu(per_channel)], axis=-1)
    weights = np.array(factors, np.float32)
    return reduce_mean(reduce_prod(ew.pow(stacked, weights), axis=[-1]), axis=[-1])


@rules.composite("total_variation")
def total_variation(images, name=None):
    """The sum of absolute differences between vertical and horizontal neighbours: a scalar for
    one image [height, width, channels], one value per image for a batch.

        >>> tf.image.total_variation(tf.constant([[[0.0], [1.0]], [[3.0], [1.0]]])).numpy()
        6.0
    """
    from graphflow.ops.reduce import reduce_sum
    x = _tensor(images)
    if x.shape.rank == 3:
        d1, d2, axis = x[1:, :, :] - x[:-1, :, :], x[:, 1:, :] - x[:, :-1, :], None
    elif x.shape.rank == 4:
        d1, d2 = x[:, 1:, :, :] - x[:, :-1, :, :], x[:, :, 1:, :] - x[:, :, :-1, :]
        axis = [1, 2, 3]
    else:
        raise InvalidArgumentError(
            f"total_variation: 'images' must be either 3 or 4-dimensional, got shape "
            f"{_fmt(x.shape)}")
    return ew.add(reduce_sum(ew.abs(d1), axis=axis), reduce_sum(ew.abs(d2), axis=axis),
                  name=name)


@rules.composite("image_gradients")
def image_gradients(image):
    """(dy, dx): the one-step differences image[y + 1] - image[y] and image[x + 1] - image[x] of a
    [batch, height, width, depth] image, zero in the last row (dy) and column (dx).

        >>> dy, dx = tf.image.image_gradients(tf.reshape(tf.range(4.0), [1, 2, 2, 1]))
        >>> dy.numpy()[0, :, :, 0], dx.numpy()[0, :, :, 0]
        (array([[2., 2.],
               [0., 0.]], dtype=float32), array([[1., 0.],
               [1., 0.]], dtype=float32))
    """
    from graphflow.ops.shape import pad
    x = _tensor(image)
    if x.shape.rank != 4:
        raise InvalidArgumentError(
            f"image_gradients expects a 4D tensor [batch_size, h, w, d], not {_fmt(x.shape)}.")
    dy = pad(x[:, 1:, :, :] - x[:, :-1, :, :], [[0, 0], [0, 1], [0, 0], [0, 0]])
    dx = pad(x[:, :, 1:, :] - x[:, :, :-1, :], [[0, 0], [0, 0], [0, 1], [0, 0]])
    return dy, dx


_SOBEL = np.array([[[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
                   [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]], np.float64).transpose(1, 2, 0)


@rules.composite("sobel_edges")
def sobel_edges(image):
    """Sobel edge maps of a [batch, height, width, depth] float image: [batch, height, width,
    depth, 2] holding (dy, dx) for each channel, with the border reflected (TF's REFLECT pad:
    the images must be at least 2 x 2).

        >>> e = tf.image.sobel_edges(tf.reshape(tf.range(9.0), [1, 3, 3, 1]))
        >>> e.numpy()[0, 1, 1, 0]
        array([24.,  8.], dtype=float32)
    """
    from graphflow.ops.conv_depthwise import depthwise_conv2d
    from graphflow.ops.shape import concat, reshape
    x = _tensor(image)
    if x.shape.rank != 4:
        raise InvalidArgumentError(
            f"sobel_edges: the image must be 4-D [batch_size, h, w, d], got shape "
            f"{_fmt(x.shape)}")
    if not x.dtype.is_floating:
        raise InvalidArgumentError(
            f"sobel_edges: the image must be float16, float32 or float64, got {x.dtype.name}")
    h, w, c = _static_hwc("sobel_edges", x)
    if h < 2 or w < 2:
        raise InvalidArgumentError(
            f"sobel_edges: the image must be 2 x 2 or larger for its REFLECT padding, got "
            f"shape {_fmt(x.shape)}")
    padded = concat([x[:, 1:2], x, x[:, -2:-1]], 1)
    padded = concat([padded[:, :, 1:2], padded, padded[:, :, -2:-1]], 2)
    kernel = np.tile(_SOBEL[:, :, None, :], [1, 1, c, 1]).astype(x.dtype.np)
    out = depthwise_conv2d(padded, kernel, [1, 1, 1, 1], "VALID")
    return reshape(out, [-1, h, w, c, 2])
