"""tf.image's color spaces and color augmentations: rgb_to_hsv / hsv_to_rgb, rgb_to_yuv /
yuv_to_rgb, rgb_to_yiq / yiq_to_rgb, adjust_hue, adjust_saturation and their random and
stateless_random forms.

Each is a composition of elementwise ops following the arithmetic of TF 2.21's kernel (RGBToHSV
and HSVToRGB in colorspace_op.h, AdjustHue's rgb_to_hv / hv_range_to_rgb, AdjustSaturation's
rgb_to_hsv / hsv_to_rgb), so the values agree with TF's to float32 rounding, the functions fuse
and compile, and they differentiate (TF has gradients for rgb_to_hsv only; the compositions give
the derivative of the same formulas everywhere). Divisions are guarded so a gradient is never
NaN where the kernel takes the other branch.

    >>> import graphflow as tf
    >>> tf.image.rgb_to_hsv([[0.2, 0.4, 0.8]]).numpy()
    array([[0.6111111, 0.75     , 0.8      ]], dtype=float32)
"""
import numpy as np

from graphflow import dtypes
from graphflow.errors import FailedPreconditionError, InvalidArgumentError
from graphflow.ops import elementwise as ew
from graphflow.ops import rules
from graphflow.ops.image import _image, _tensor, convert_image_dtype


def _channels(op, x, kinds="f"):
    """r, g, b of an image [..., 3] of a float dtype (TF's kernels take half, float, double)."""
    x = _tensor(x)
    if x.dtype.np.kind not in kinds or x.dtype is dtypes.bool:
        raise InvalidArgumentError(
            f"{op}: Value for attr 'T' of {x.dtype.name} is not in the list of allowed values: "
            "half, float, double")
    if x.shape.rank == 0:
        raise InvalidArgumentError(f"{op}: input must be at least 1-D, got shape ()")
    if x.shape.rank is not None and x.shape[-1] not in (None, 3):
        raise FailedPreconditionError(
            f"{op}: input must have 3 channels but input only has {x.shape[-1]} channels.")
    return x, x[..., 0], x[..., 1], x[..., 2]


def _stack(parts):
    from graphflow.ops.shape import stack
    return stack(parts, axis=-1)


def _select(index, cases, default):
    """cases[index] elementwise (index a float tensor of whole numbers), default elsewhere."""
    out = default
    for k in reversed(range(len(cases))):
        out = ew.where(ew.equal(index, float(k)), cases[k], out)
    return out


def _safe(x, nonzero):
    """x where `nonzero`, 1 elsewhere: a denominator whose other branch is never taken."""
    return ew.where(nonzero, x, ew.ones_like(x))


def _max3(r, g, b):
    return ew.maximum(r, ew.maximum(g, b))


def _min3(r, g, b):
    return ew.minimum(r, ew.minimum(g, b))


def _tf_max(r, g, b):
    """The largest channel, ties broken as TF's rgb_to_hsv gradient breaks them (red, green,
    blue), so the gradient of a gray pixel goes where TF's goes."""
    return ew.where(ew.logical_and(ew.greater_equal(r, b), ew.greater_equal(r, g)), r,
                    ew.where(ew.logical_and(ew.greater(g, r), ew.greater_equal(g, b)), g, b))


def _tf_min(r, g, b):
    """The smallest channel, ties broken as TF's gradient (blue, green, red)."""
    return ew.where(ew.logical_and(ew.less(r, b), ew.less(r, g)), r,
                    ew.where(ew.logical_and(ew.less_equal(g, r), ew.less(g, b)), g, b))


@rules.composite("rgb_to_hsv")
def rgb_to_hsv(images, name=None):
    """RGB [..., 3] to hue, saturation, value, each in [0, 1] for RGB in [0, 1] (float images).

        >>> tf.image.rgb_to_hsv([[1.0, 0.0, 0.0], [0.0, 0.0, 0.0]]).numpy()
        array([[0., 1., 1.],
               [0., 0., 0.]], dtype=float32)
    """
    x, r, g, b = _channels("rgb_to_hsv", images)
    v, lo = _tf_max(r, g, b), _tf_min(r, g, b)
    span = ew.subtract(v, lo)
    positive = ew.greater(v, 0.0)
    # TF's gradient of s leaves out the channels that are <= 0 (its cast(reds > 0) factors)
    pr, pg, pb = (ew.where(ew.greater(c, 0.0), c, ew.stop_gradient(c)) for c in (r, g, b))
    v_s = _tf_max(pr, pg, pb)
    s = ew.where(positive, ew.truediv(ew.subtract(v_s, _tf_min(pr, pg, pb)), _safe(v_s, positive)),
                 ew.zeros_like(v))
    has_span = ew.greater(span, 0.0)
    norm = ew.multiply(ew.reciprocal(_safe(span, has_span)), 1.0 / 6.0)
    h = ew.where(ew.equal(r, v), ew.multiply(norm, ew.subtract(g, b)),
                 ew.where(ew.equal(g, v), ew.add(ew.multiply(norm, ew.subtract(b, r)), 2.0 / 6.0),
                          ew.add(ew.multiply(norm, ew.subtract(r, g)), 4.0 / 6.0)))
    h = ew.where(has_span, h, ew.zeros_like(h))
    h = ew.where(ew.less(h, 0.0), ew.add(h, 1.0), h)
    return ew.identity(_stack([h, s, v]), name=name)


@rules.composite("hsv_to_rgb")
def hsv_to_rgb(images, name=None):
    """Hue, saturation, value [..., 3] (each in [0, 1]) to RGB (float images).

        >>> tf.image.hsv_to_rgb([[0.5, 1.0, 1.0]]).numpy()
        array([[0., 1., 1.]], dtype=float32)
    """
    x, h, s, v = _channels("hsv_to_rgb", images)
    dh = ew.multiply(h, 6.0)

    def ramp(center, sign):
        # TF's kernel: clip(|dh - 3| - 1) for red, clip(2 - |dh - c|) for green and blue
        d = ew.abs(ew.subtract(dh, center))
        d = ew.subtract(d, 1.0) if sign > 0 else ew.subtract(2.0, d)
        return ew.minimum(ew.maximum(d, 0.0), 1.0)
    one_s = ew.subtract(1.0, s)
    rgb = [ew.multiply(ew.add(one_s, ew.multiply(s, ramp(c, sign))), v)
           for c, sign in ((3.0, 1), (2.0, -1), (4.0, -1))]
    return ew.identity(_stack(rgb), name=name)


_RGB_TO_YIQ = [[0.299, 0.59590059, 0.2115], [0.587, -0.27455667, -0.52273617],
               [0.114, -0.32134392, 0.31119955]]
_YIQ_TO_RGB = [[1, 1, 1], [0.95598634, -0.27201283, -1.10674021],
               [0.6208248, -0.64720424, 1.70423049]]
_RGB_TO_YUV = [[0.299, -0.14714119, 0.61497538], [0.587, -0.28886916, -0.51496512],
               [0.114, 0.43601035, -0.10001026]]
_YUV_TO_RGB = [[1, 1, 1], [0, -0.394642334, 2.03206185], [1.13988303, -0.58062185, 0]]


def _linear(op, images, kernel):
    """images [..., 3] times TF's 3 x 3 kernel over the last axis (TF: tensordot)."""
    from graphflow.ops.reduce import reduce_sum
    from graphflow.errors import InvalidTypeError
    from graphflow.ops.shape import expand_dims
    x = _tensor(images)
    if not x.dtype.is_floating:  # TF cannot make the float kernel in the images' dtype
        raise InvalidTypeError(f"{op}: Cannot convert the {op} kernel to EagerTensor of dtype "
                               f"{x.dtype.name} (the images must be floats)")
    x, _, _, _ = _channels(op, x)
    k = np.array(kernel, np.float64).astype(x.dtype.np)
    return reduce_sum(ew.multiply(expand_dims(x, -1), k), axis=-2)


def rgb_to_yiq(images):
    """RGB [..., 3] (in [0, 1]) to YIQ.

        >>> tf.image.rgb_to_yiq([[1.0, 0.0, 0.0]]).numpy()
        array([[0.299    , 0.5959006, 0.2115   ]], dtype=float32)
    """
    return _linear("rgb_to_yiq", images, _RGB_TO_YIQ)


def yiq_to_rgb(images):
    """YIQ [..., 3] to RGB."""
    return _linear("yiq_to_rgb", images, _YIQ_TO_RGB)


def rgb_to_yuv(images):
    """RGB [..., 3] (in [0, 1]) to YUV.

        >>> tf.image.rgb_to_yuv([[0.0, 0.0, 1.0]]).numpy()
        array([[ 0.114     ,  0.43601036, -0.10001026]], dtype=float32)
    """
    return _linear("rgb_to_yuv", images, _RGB_TO_YUV)


def yuv_to_rgb(images):
    """YUV [..., 3] (Y in [0, 1], U and V in [-0.5, 0.5]) to RGB."""
    return _linear("yuv_to_rgb", images, _YUV_TO_RGB)


def _via_float32(op, image, fn):
    """fn on the image as TF's adjust_hue / adjust_saturation see it: float16 and float32 as
    they are, other dtypes converted to float32 (convert_image_dtype) and back."""
    x = _image(image, op, ranks=range(3, 64))
    if x.shape.rank is not None and x.shape[-1] not in (None, 3):
        raise InvalidArgumentError(
            f"{op}: input must have 3 channels but instead has {x.shape[-1]} channels.")
    if x.dtype in (dtypes.float16, dtypes.float32):
        return ew.cast(fn(ew.cast(x, dtypes.float32)), x.dtype)
    if not (x.dtype.is_floating or x.dtype.is_integer):
        raise InvalidArgumentError(
            f"{op}: image dtype must be floating point or integer, got {x.dtype.name}")
    return convert_image_dtype(fn(convert_image_dtype(x, dtypes.float32)), x.dtype)


def _scalar_float(op, value, what):
    t = ew.cast(_tensor(value), dtypes.float32)
    if t.shape.rank not in (None, 0):
        raise InvalidArgumentError(f"{op}: {what} must be a scalar, got shape {t.shape}")
    return t


@rules.composite("adjust_hue")
def adjust_hue(image, delta, name=None):
    """Rotates the hue of RGB images (last axis 3) by delta (in [-1, 1], a fraction of the hue
    circle), as TF's AdjustHue kernel does; integer images are converted to float32 and back.

        >>> tf.image.adjust_hue([[[1.0, 0.0, 0.0]]], 1 / 3).numpy()
        array([[[0., 1., 0.]]], dtype=float32)
    """
    from graphflow.tensor import EagerTensor
    if isinstance(delta, (int, float, np.number, EagerTensor)) and \
            np.size(np.asarray(delta)) == 1 and not -1 <= float(np.asarray(delta)) <= 1:
        raise InvalidArgumentError("adjust_hue: delta must be in the interval [-1, 1]")
    delta = _scalar_float("adjust_hue", delta, "delta")

    def rotate(x):
        r, g, b = x[..., 0], x[..., 1], x[..., 2]
        # rgb_to_hv: the hue sector (0..5) and the position inside it, from the order of r, g, b
        r_lt_g, b_lt_r, b_gt_g, b_lt_g, b_gt_r = (ew.less(r, g), ew.less(b, r), ew.greater(b, g),
                                                   ew.less(b, g), ew.greater(b, r))
        sector = ew.where(r_lt_g, ew.where(b_lt_r, 1.0, ew.where(b_gt_g, 3.0, 2.0)),
                          ew.where(b_lt_g, 0.0, ew.where(b_gt_r, 4.0, 5.0)))
        sector = ew.cast(sector, dtypes.float32)
        v_max, v_min = _max3(r, g, b), _min3(r, g, b)
        v_mid = _select(sector, [g, r, b, g, r, b], r)
        span = ew.subtract(v_max, v_min)
        flat = ew.equal(v_max, v_min)
        ratio = ew.truediv(ew.subtract(v_mid, v_min), _safe(span, ew.logical_not(flat)))
        odd = ew.equal(ew.floormod(sector, 2.0), 1.0)
        h = ew.add(sector, ew.where(odd, ew.subtract(1.0, ratio), ratio))
        h = ew.where(flat, ew.zeros_like(h), h)
        h = ew.add(h, ew.multiply(delta, 6.0))
        h = ew.where(ew.less(h, 0.0), ew.add(h, 6.0), h)
        h = ew.where(ew.greater_equal(h, 6.0), ew.subtract(h, 6.0), h)
        # hv_range_to_rgb
        sector = ew.floor(h)
        ratio = ew.subtract(h, sector)
        ratio = ew.where(ew.equal(ew.floormod(sector, 2.0), 1.0), ew.subtract(1.0, ratio), ratio)
        mid = ew.add(v_min, ew.multiply(ratio, span))
        rgb = [_select(sector, cases, default) for cases, default in (
            ([v_max, mid, v_min, v_min, mid], v_max),
            ([mid, v_max, v_max, mid, v_min], v_min),
            ([v_min, v_min, mid, v_max, v_max], mid))]
        return _stack(rgb)
    return ew.identity(_via_float32("adjust_hue", image, rotate), name=name)


@rules.composite("adjust_saturation")
def adjust_saturation(image, saturation_factor, name=None):
    """Multiplies the saturation of RGB images (last axis 3) by saturation_factor, clipped to
    [0, 1], as TF's AdjustSaturation kernel does; integer images are converted to float32 and
    back.

        >>> tf.image.adjust_saturation([[[0.5, 0.25, 0.25]]], 0.0).numpy()
        array([[[0.5, 0.5, 0.5]]], dtype=float32)
    """
    factor = _scalar_float("adjust_saturation", saturation_factor, "saturation_factor")

    def saturate(x):
        r, g, b = x[..., 0], x[..., 1], x[..., 2]
        v = _max3(r, g, b)
        span = ew.subtract(v, _min3(r, g, b))
        positive = ew.greater(v, 0.0)
        s = ew.where(positive, ew.truediv(span, _safe(v, positive)), ew.zeros_like(v))
        has_span = ew.greater(span, 0.0)
        norm = ew.truediv(1.0, ew.multiply(_safe(span, has_span), 6.0))
        h = ew.where(ew.equal(r, v), ew.multiply(norm, ew.subtract(g, b)),
                     ew.where(ew.equal(g, v),
                              ew.add(ew.multiply(norm, ew.subtract(b, r)), 2.0 / 6.0),
                              ew.add(ew.multiply(norm, ew.subtract(r, g)), 4.0 / 6.0)))
        h = ew.where(has_span, h, ew.zeros_like(h))
        h = ew.where(ew.less(h, 0.0), ew.add(h, 1.0), h)
        s = ew.minimum(ew.maximum(ew.multiply(s, factor), 0.0), 1.0)
        # the kernel's hsv_to_rgb: chroma c, the second-largest component x, by sector
        c = ew.multiply(s, v)
        m = ew.subtract(v, c)
        dh = ew.multiply(h, 6.0)
        sector = ew.floor(dh)
        x_ = ew.multiply(c, ew.subtract(1.0, ew.abs(ew.subtract(ew.floormod(dh, 2.0), 1.0))))
        zero = ew.zeros_like(c)
        rgb = [ew.add(_select(sector, cases, zero), m) for cases in (
            [c, x_, zero, zero, x_, c], [x_, c, c, x_, zero, zero], [zero, zero, x_, c, c, x_])]
        return _stack(rgb)
    return ew.identity(_via_float32("adjust_saturation", image, saturate), name=name)


def _hue_delta(max_delta):
    if max_delta > 0.5:
        raise InvalidArgumentError("max_delta must be <= 0.5.")
    if max_delta < 0:
        raise InvalidArgumentError("max_delta must be non-negative.")
    return float(max_delta)


def _saturation_range(lower, upper):
    if upper <= lower:
        raise InvalidArgumentError("upper must be > lower.")
    if lower < 0:
        raise InvalidArgumentError("lower must be non-negative.")
    return float(lower), float(upper)


def random_hue(image, max_delta, seed=None):
    """adjust_hue by a delta drawn uniformly from [-max_delta, max_delta) (max_delta in
    [0, 0.5]), one delta for the whole batch, as TF."""
    from graphflow.ops import random
    d = _hue_delta(max_delta)
    return adjust_hue(image, random.uniform([], -d, d, seed=seed))


def stateless_random_hue(image, max_delta, seed):
    """random_hue with the delta drawn by tf.random.stateless_uniform from `seed` (shape [2])."""
    from graphflow.ops import stateless_random
    d = _hue_delta(max_delta)
    return adjust_hue(image, stateless_random.stateless_uniform([], seed, -d, d))


def random_saturation(image, lower, upper, seed=None):
    """adjust_saturation by a factor drawn uniformly from [lower, upper)."""
    from graphflow.ops import random
    lo, hi = _saturation_range(lower, upper)
    return adjust_saturation(image, random.uniform([], lo, hi, seed=seed))


def stateless_random_saturation(image, lower, upper, seed=None):
    """random_saturation with the factor drawn by tf.random.stateless_uniform from `seed`."""
    from graphflow.ops import stateless_random
    lo, hi = _saturation_range(lower, upper)
    return adjust_saturation(image, stateless_random.stateless_uniform([], seed, lo, hi))
