"""Image resizing as one op: every method is a separable linear map, out = Wh @ image @ Ww^T per
batch and channel, with the weight matrices built exactly as TF's kernels build theirs (float32
arithmetic, half-pixel centers, border taps dropped and the rest renormalized). Nearest
neighbour gathers rows and columns instead, keeping the dtype. The gradient is the transposed
map (resize_images_grad), whose own gradient is the forward map again.

TF's kernels by method: bilinear (ResizeBilinear), bicubic (ResizeBicubic: Keys cubic, a=-0.5,
read from TF's 1024-entry coefficient table), area (ResizeArea: box averages), nearest
(ResizeNearestNeighbor); antialias, and lanczos3/5, gaussian, mitchellcubic, use
ScaleAndTranslate's kernels, widened by the downscaling factor when antialiasing.

    >>> from graphflow.ops.image_resize import weights
    >>> weights("bilinear", 2, 4, False)
    array([[0.5, 0.5, 0. , 0. ],
           [0. , 0. , 0.5, 0.5]], dtype=float32)
"""
import functools

import numpy as np

from graphflow import dtypes
from graphflow.errors import InvalidArgumentError
from graphflow.ops import rules
from graphflow.ops.registry import OPAQUE, dispatch, register

f32 = np.float32
METHODS = ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5", "gaussian",
           "mitchellcubic")


def _tiny(ft):
    return 1000 * np.finfo(ft).tiny  # TF renormalizes weights whose sum is at least this


def _lanczos(radius):
    def kernel(x, ft):
        with np.errstate(all="ignore"):
            v = ft(radius) * np.sin(ft(np.pi) * x) * np.sin(ft(np.pi) * x / ft(radius)) / (
                ft(np.pi) * ft(np.pi) * x * x)
        return np.where(x > radius, ft(0), np.where(x <= ft(1e-3), ft(1), v))
    return radius, kernel


def _keys_cubic(x, ft):
    return np.where(x >= 2, ft(0), np.where(
        x >= 1, ((ft(-0.5) * x + ft(2.5)) * x - ft(4)) * x + ft(2),
        ((ft(1.5) * x - ft(2.5)) * x) * x + ft(1)))


def _mitchell_cubic(x, ft):
    return np.where(x >= 2, ft(0), np.where(
        x >= 1, ((ft(-7.0 / 18.0) * x + ft(2)) * x - ft(10.0 / 3.0)) * x + ft(16.0 / 9.0),
        ((ft(7.0 / 6.0) * x - ft(2)) * x) * x + ft(8.0 / 9.0)))


# ScaleAndTranslate's sampling kernels: (radius, kernel(|x|))
KERNELS = {
    "bilinear": (1.0, lambda x, ft: np.where(x < 1, ft(1) - x, ft(0))),  # triangle
    "bicubic": (2.0, _keys_cubic),
    "mitchellcubic": (2.0, _mitchell_cubic),
    "gaussian": (1.5, lambda x, ft: np.where(
        x >= 1.5, ft(0), np.exp(-x * x / ft(2.0 * 0.5 * 0.5)).astype(ft))),
    "lanczos3": _lanczos(3.0),
    "lanczos5": _lanczos(5.0),
}


def _scale_and_translate(out_size, in_size, method, antialias, ft):
    radius, kernel = KERNELS[method]
    scale = ft(out_size) / ft(in_size)
    inv_scale = ft(1.0 / float(scale))
    kernel_scale = ft(max(inv_scale, ft(1))) if antialias else ft(1)
    w = np.zeros((out_size, in_size), ft)
    for x in range(out_size):
        sample = (ft(x) + ft(0.5)) * inv_scale
        if sample < 0 or sample > in_size:
            continue
        lo = int(np.ceil(sample - ft(radius) * kernel_scale - ft(0.5)))
        hi = int(np.floor(sample + ft(radius) * kernel_scale - ft(0.5)))
        lo = min(max(lo, 0), in_size - 1)
        hi = min(max(hi, 0), in_size - 1) + 1
        pos = (np.arange(lo, hi).astype(ft) + ft(0.5) - sample) * (ft(1) / kernel_scale)
        taps = kernel(np.abs(pos), ft).astype(ft)
        total = taps.sum(dtype=ft)
        if abs(total) >= _tiny(ft):
            w[x, lo:hi] = taps * (ft(1) / total)
    return w


def _bilinear(out_size, in_size, ft):
    scale = ft(in_size) / ft(out_size)
    w = np.zeros((out_size, in_size), ft)
    for x in range(out_size):
        v = (ft(x) + ft(0.5)) * scale - ft(0.5)
        floor = np.floor(v)
        lo, hi = max(int(floor), 0), min(int(np.ceil(v)), in_size - 1)
        lerp = ft(v - floor)
        w[x, lo] += ft(1) - lerp
        w[x, hi] += lerp
    return w


@functools.lru_cache(maxsize=2)
def _cubic_table(ft):
    a = -0.5  # Keys
    table = np.zeros((1025, 2), ft)
    for i in range(1025):
        x = ft(i * 1.0 / 1024)
        table[i, 0] = ((a + 2) * x - (a + 3)) * x * x + 1
        x = ft(x + 1.0)
        table[i, 1] = ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    return table


def _bicubic(out_size, in_size, ft):
    table = _cubic_table(ft)
    scale = ft(in_size) / ft(out_size)
    w = np.zeros((out_size, in_size), ft)
    for x in range(out_size):
        v = (ft(x) + ft(0.5)) * scale - ft(0.5)
        loc = int(np.floor(v))
        offset = int(np.rint(ft(v - loc) * ft(1024)))
        taps = [table[offset, 1], table[offset, 0], table[1024 - offset, 0],
                table[1024 - offset, 1]]
        index = range(loc - 1, loc + 3)
        taps = [t if 0 <= i < in_size else ft(0) for t, i in zip(taps, index)]
        total = ft(sum(taps, ft(0)))
        if abs(total) >= _tiny(ft):
            taps = [ft(t * (ft(1) / total)) for t in taps]
        for t, i in zip(taps, index):
            if 0 <= i < in_size:
                w[x, i] += t
    return w


def _area(out_size, in_size, ft):
    s = ft(in_size) / ft(out_size)
    w = np.zeros((out_size, in_size), ft)
    for y in range(out_size):
        a, b = ft(y) * s, ft(y + 1) * s
        for i in range(int(np.floor(a)), int(np.ceil(b))):
            if i < a:
                part = s if i + 1 > b else ft(i + 1 - a)
            else:
                part = ft(b - i) if i + 1 > b else ft(1)
            w[y, min(max(i, 0), in_size - 1)] += ft(part) / s
    return w


def nearest_indices(out_size, in_size, ft=f32):
    """The input row (column) of each output row with half-pixel centers, as TF."""
    s = ft(in_size) / ft(out_size)
    pos = np.floor((np.arange(out_size).astype(ft) + ft(0.5)) * s).astype(np.int64)
    return np.clip(pos, 0, in_size - 1)


@functools.lru_cache(maxsize=256)
def weights(method, out_size, in_size, antialias, ft=f32):
    """The [out_size, in_size] matrix one axis is resized with, computed in the float type ft:
    float32 as TF's kernels do (float64 for float64 images)."""
    if method == "nearest":
        w = np.zeros((out_size, in_size), ft)
        w[np.arange(out_size), nearest_indices(out_size, in_size)] = 1  # as TF, in float32
    elif method == "area":
        w = _area(out_size, in_size, ft)
    elif method == "bilinear" and not antialias:
        w = _bilinear(out_size, in_size, ft)
    elif method == "bicubic" and not antialias:
        w = _bicubic(out_size, in_size, ft)
    else:
        w = _scale_and_translate(out_size, in_size, method, antialias, ft)
    w.flags.writeable = False
    return w


def _check(specs, size, method, antialias, op_name):
    x = specs[0]
    rules.check_kind(op_name, x, "fiu" if method == "nearest" else "f")
    if x.shape is not None and len(x.shape) != 4:
        raise InvalidArgumentError(
            f"{op_name}: images must be 4-D [batch, height, width, channels], got shape "
            f"{rules.fmt(x.shape)}")
    if method not in METHODS:
        raise InvalidArgumentError(f"{op_name}: Resize method is not implemented: {method}")
    if min(size) <= 0:
        raise InvalidArgumentError(f"{op_name}: output dimensions must be positive, got {size}")
    if x.shape is not None and any(d == 0 for d in x.shape[1:3]):
        raise InvalidArgumentError(
            f"{op_name}: input image must be of non-zero size, got shape {rules.fmt(x.shape)}")


def _resize_infer(specs, size, method, antialias):
    _check(specs, size, method, antialias, "resize_images")
    x = specs[0]
    batch, channels = (None, None) if x.shape is None else (x.shape[0], x.shape[3])
    return [((batch, size[0], size[1], channels), x.dtype)]


def _apply(x, wh, ww):
    out = np.einsum("oh,bhwc->bowc", wh, x, optimize=True)
    return np.einsum("pw,bowc->bopc", ww, out, optimize=True)


def _resize_ref(x, size, method, antialias):
    _check([rules.ArraySpec(x)], size, method, antialias, "resize_images")
    h, w = x.shape[1:3]
    if method == "nearest":
        rows, cols = nearest_indices(size[0], h), nearest_indices(size[1], w)
        return x[:, rows][:, :, cols]
    ft = np.float64 if x.dtype == np.float64 else f32
    wh = weights(method, size[0], h, antialias, ft).astype(x.dtype)
    ww = weights(method, size[1], w, antialias, ft).astype(x.dtype)
    return _apply(x, wh, ww).astype(x.dtype)


def _resize_grad(inputs, outputs, dy, size, method, antialias):
    return (dispatch(RESIZE_GRAD, (dy, inputs[0]),
                     {"size": size, "method": method, "antialias": antialias}),)


def _grad_infer(specs, size, method, antialias):
    dy, x = specs
    return [(x.shape, dy.dtype)]


def _grad_ref(dy, x, size, method, antialias):
    h, w = x.shape[1:3]
    ft = np.float64 if dy.dtype == np.float64 else f32
    wh = weights(method, size[0], h, antialias, ft).astype(dy.dtype)
    ww = weights(method, size[1], w, antialias, ft).astype(dy.dtype)
    return _apply(dy, wh.T, ww.T).astype(dy.dtype)


def _grad_grad(inputs, outputs, ddx, size, method, antialias):
    return (dispatch(RESIZE, (ddx,), {"size": size, "method": method, "antialias": antialias}),
            None)


RESIZE = register("resize_images", OPAQUE, _resize_infer, _resize_ref, _resize_grad)
RESIZE_GRAD = register("resize_images_grad", OPAQUE, _grad_infer, _grad_ref, _grad_grad)


def resize_4d(images, size, method, antialias, name=None):
    """The resize op on a 4-D float image batch (nearest: any real dtype)."""
    return dispatch(RESIZE, (images,), {"size": (int(size[0]), int(size[1])),
                                        "method": method, "antialias": bool(antialias)}, name)


def is_float(dtype):
    return dtype in (dtypes.float16, dtypes.float32, dtypes.float64)
