"""keras.ops's linear algebra (`keras.ops.linalg`), core (scan, map, switch, jvp, ...),
math (segment reductions, extract_sequences) and image names that graphflow/keras/ops.py does
not define itself, built from graphflow's tf.linalg, control-flow and tf.image ops.

    >>> from graphflow.keras import ops
    >>> ops.det(np.array([[2.0, 1.0], [1.0, 3.0]], np.float32)).numpy()
    5.0
    >>> ops.scan(lambda c, x: (c + x, c * x), 0.0, np.arange(4.0, dtype=np.float32))[0].numpy()
    6.0
"""
import builtins

import numpy as np

from graphflow import dtypes
from graphflow.keras.ops_numpy import _t, result_type
from graphflow.ops import api as _tf
from graphflow.ops.matrix_more import lu as _lu
from graphflow.tensor import Tensor as _Tensor, Variable as _Variable
from graphflow.utils import nest as _nest


def _lf(x):
    """x for a linear-algebra op: integers become float32 (Keras's linalg converts them)."""
    x = _t(x)
    return x if x.dtype.is_floating else _tf.cast(x, dtypes.float32)


def _square(x, name):
    shape = x.shape.as_list()
    if len(shape) < 2:
        raise ValueError(f"Expected input to have rank >= 2. Received scalar input {x}."
                         if not shape else
                         f"Expected input to have rank >= 2. Received input with shape "
                         f"{tuple(shape)}.")
    if shape[-1] != shape[-2]:
        raise ValueError(f"Expected a square matrix. Received non-square input with shape "
                         f"{tuple(shape)}")


# -- linear algebra ---------------------------------------------------------------------------------
def _linalg():
    from graphflow import linalg
    return linalg


def cholesky(x, upper=False):
    """The Cholesky factor L (L L^T = x), or its transpose when upper."""
    x = _lf(x)
    _square(x, "cholesky")
    out = _linalg().cholesky(x)
    return _linalg().adjoint(out) if upper else out


def cholesky_inverse(x, upper=False):
    """The inverse of A from its Cholesky factor x (A = x x^T, or x^T x when upper)."""
    x = _lf(x)
    _square(x, "cholesky_inverse")
    eye = _tf.eye(x.shape[-1], dtype=x.dtype)
    inv = _linalg().triangular_solve(x, _tf.broadcast_to(eye, x.shape.as_list()), lower=not upper)
    if upper:
        return _tf.matmul(inv, inv, transpose_b=True)
    return _tf.matmul(inv, inv, transpose_a=True)


def det(x):
    """Determinants of square matrices."""
    x = _lf(x)
    _square(x, "det")
    return _linalg().det(x)


def _half(fn, x):
    """fn in float32 for float16 x, cast back (graphflow's decompositions are float32/64)."""
    if x.dtype is dtypes.float16:
        out = fn(_tf.cast(x, dtypes.float32))
        if isinstance(out, (tuple, list)):
            return type(out)(_tf.cast(o, dtypes.float16) for o in out)
        return _tf.cast(out, dtypes.float16)
    return fn(x)


def inv(x):
    """Inverses of square matrices."""
    x = _lf(x)
    _square(x, "inv")
    return _half(_linalg().inv, x)


def logdet(x):
    """log det of Hermitian positive-definite matrices (through the Cholesky factor)."""
    x = _lf(x)
    return _linalg().logdet(x)


def eigh(x):
    """(eigenvalues ascending, eigenvectors) of symmetric matrices."""
    x = _lf(x)
    _square(x, "eigh")
    return _linalg().eigh(x)


def solve(a, b):
    """x with a x = b (b a matrix or, with one rank less than a, a vector)."""
    a, b = _lf(a), _lf(b)
    _square(a, "solve")
    if b.shape.rank == a.shape.rank - 1:
        return _tf.squeeze(_linalg().solve(a, _tf.expand_dims(b, -1)), [-1])
    return _linalg().solve(a, b)


def solve_triangular(a, b, lower=False):
    """x with a x = b for triangular a (upper unless lower)."""
    a, b = _lf(a), _lf(b)
    _square(a, "solve_triangular")
    if b.shape.rank == a.shape.rank - 1:
        return _tf.squeeze(_linalg().triangular_solve(a, _tf.expand_dims(b, -1), lower=lower),
                           [-1])
    return _linalg().triangular_solve(a, b, lower=lower)


def pinv(x, rcond=None):
    """Moore-Penrose pseudo-inverse (singular values below rcond * the largest are dropped)."""
    x = _lf(x)
    if rcond is None:
        rcond = 1e-15
    return _linalg().pinv(x, rcond=rcond)


def matrix_rank(x, tol=None):
    """The number of singular values above tol (NumPy's default tolerance)."""
    return _linalg().matrix_rank(_lf(x), tol=tol)


def qr(x, mode="reduced"):
    """(q, r) of x; mode 'reduced' or 'complete'."""
    if mode not in ("reduced", "complete"):
        raise ValueError("`mode` argument value not supported. Expected one of "
                         f"{{'reduced', 'complete'}}. Received: mode={mode}")
    return _half(lambda v: _linalg().qr(v, full_matrices=mode == "complete"), _lf(x))


def svd(x, full_matrices=True, compute_uv=True):
    """(u, s, vh) with x = u diag(s) vh (NumPy's order), or s alone."""
    x = _lf(x)
    if not compute_uv:
        return _linalg().svd(x, full_matrices=full_matrices, compute_uv=False)
    s, u, v = _linalg().svd(x, full_matrices=full_matrices, compute_uv=True)
    return u, s, _linalg().adjoint(v)


def lstsq(a, b, rcond=None):
    """The least-squares solution x of a x = b (minimum norm; numpy.linalg.lstsq's x)."""
    a, b = _lf(a), _lf(b)
    if a.shape[0] != b.shape[0]:
        raise ValueError("Leading dimensions of input arrays must match")
    if a.shape.rank != 2:
        raise TypeError(f"{a.shape.rank}-dimensional array given. Array must be two-dimensional")
    vector = b.shape.rank == 1
    if vector:
        b = b[:, None]
    if b.shape.rank != 2:
        raise TypeError(f"{b.shape.rank}-dimensional array given. Array must be one or "
                        "two-dimensional")
    m, n = a.shape.as_list()
    eps = np.finfo(np.dtype(a.dtype.np)).eps
    rcond = eps * builtins.max(m, n) if rcond is None else rcond
    s, u, v = _linalg().svd(a, full_matrices=False)
    keep = s > rcond * _tf.reduce_max(s)
    safe = _tf.where(keep, s, _tf.ones_like(s))
    inv_s = _tf.where(keep, 1.0 / safe, _tf.zeros_like(s))
    x = _tf.matmul(v, _tf.expand_dims(inv_s, -1) * _tf.matmul(u, b, transpose_a=True))
    return x[:, 0] if vector else x


def lu_factor(x):
    """(lu, pivots) of square matrices: L below the diagonal and U on and above it, and the
    permutation as Keras's TensorFlow backend returns it (the inverse of tf.linalg.lu's p, so
    x = (L @ U)[pivots])."""
    x = _lf(x)
    shape = x.shape.as_list()
    if len(shape) < 2:
        raise ValueError(f"Expected input to have rank >= 2. Received input with shape "
                         f"{tuple(shape)}.")
    if shape[-1] != shape[-2]:
        raise ValueError("LU decomposition failed: Expected a square matrix. Received "
                         f"non-square input with shape {tuple(shape)}. LU decomposition is only "
                         "supported for square matrices in Tensorflow.")
    packed, p = _lu(x)
    from graphflow.ops.sort import argsort
    return packed, _tf.cast(argsort(p, axis=-1), dtypes.int32)


def norm(x, ord=None, axis=None, keepdims=False):  # noqa: A002
    from graphflow.keras import ops as _ops
    return _ops.norm(x, ord=ord, axis=axis, keepdims=keepdims)


def jvp(fun, primals, tangents, has_aux=False):
    """(fun(*primals), the Jacobian-vector product along tangents) and aux with has_aux, by
    forward-mode autodiff (graphflow.autodiff.ForwardAccumulator)."""
    from graphflow.autodiff import ForwardAccumulator
    primals = [_t(p) for p in primals]
    tangents = [_tf.cast(_t(t), p.dtype) for t, p in zip(tangents, primals)]
    with ForwardAccumulator(primals, tangents) as acc:
        out = fun(*primals)
        aux = None
        if has_aux:
            out, aux = out
    flat = _nest.flatten(out)
    jv = [acc.jvp(o) for o in flat]
    jv = [_tf.zeros_like(o) if j is None else j for o, j in zip(flat, jv)]
    result = (out, _nest.pack_sequence_as(out, jv))
    return result + (aux,) if has_aux else result


# -- core ------------------------------------------------------------------------------------------
def saturate_cast(x, dtype):
    """Casts to dtype, clamping values to its range first."""
    from graphflow.ops.casts import saturate_cast as _sat
    return _sat(_t(x), dtype)


def slice_update(inputs, start_indices, updates):
    """inputs with the block starting at start_indices replaced by updates."""
    x, u = _t(inputs), _t(updates)
    u = _tf.cast(u, x.dtype)
    from graphflow.tensor import SymbolicTensor
    shape, full = u.shape.as_list(), x.shape.as_list()
    grids = np.meshgrid(*[np.arange(d) for d in shape], indexing="ij")
    if isinstance(start_indices, SymbolicTensor):
        starts = _tf.unstack(_tf.cast(start_indices, dtypes.int32), num=len(shape))
    elif isinstance(start_indices, (list, tuple)) and builtins.any(
            isinstance(v, SymbolicTensor) for v in start_indices):
        starts = [_tf.cast(v, dtypes.int32) for v in start_indices]
    else:
        starts = [int(v) for v in np.asarray(start_indices).reshape(-1)]
        # XLA's dynamic_update_slice clamps the start so the block fits
        starts = [builtins.min(builtins.max(v, 0), f - d) for v, f, d in zip(starts, full, shape)]
        idx = np.stack([g + v for g, v in zip(grids, starts)], -1).astype(np.int32)
        return _tf.tensor_scatter_nd_update(x, _tf.constant(idx), u)
    starts = [_tf.clip_by_value(v, 0, f - d) for v, f, d in zip(starts, full, shape)]
    idx = _tf.stack([_tf.constant(g.astype(np.int32)) + v for g, v in zip(grids, starts)], -1)
    return _tf.tensor_scatter_nd_update(x, idx, u)


def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """(final carry, stacked ys) of carry, y = f(carry, x) over the leading axis of xs (JAX's
    lax.scan; with xs None, `length` steps with x None)."""
    if not callable(f):
        raise TypeError(f"`f` should be a callable. Received: f={f}")
    if not isinstance(unroll, bool) and (not isinstance(unroll, int) or unroll < 1):
        raise ValueError(f"`unroll` must be an positive integer or boolean. Received: "
                         f"unroll={unroll}")
    if xs is None and length is None:
        raise ValueError("Got no `xs` to scan over and `length` not provided.")
    xs_flat = [] if xs is None else [_t(x) for x in _nest.flatten(xs)]
    n = int(length) if length is not None else xs_flat[0].shape[0]
    carry = _nest.map_structure(_t, init)
    steps = builtins.range(n - 1, -1, -1) if reverse else builtins.range(n)
    ys = []
    # a Python loop (the trace unrolls it): carries and ys keep their structure and dtypes
    for i in steps:
        x = None if xs is None else _nest.pack_sequence_as(xs, [e[i] for e in xs_flat])
        carry, y = f(carry, x)
        ys.append(y)
    if reverse:
        ys.reverse()
    if not ys:
        return carry, None
    if ys[0] is None:
        return carry, None
    stacked = _nest.map_structure(lambda *e: _tf.stack([_t(v) for v in e]), *ys)
    return carry, stacked


def associative_scan(f, elems, reverse=False, axis=0):
    """The inclusive scan of the associative f along axis (prefix sums for f = add)."""
    if not callable(f):
        raise TypeError(f"`f` should be a callable. Received: f={f}")
    flat = [_t(e) for e in _nest.flatten(elems)]
    n = flat[0].shape[axis]
    if not builtins.all(e.shape[axis] == n for e in flat[1:]):
        raise ValueError("Array inputs to associative_scan must have the same first dimension.")
    if reverse:
        flat = [_tf.reverse(e, [axis]) for e in flat]

    def take(e, i):
        idx = [builtins.slice(None)] * e.shape.rank
        idx[axis] = builtins.slice(i, i + 1)
        return e[tuple(idx)]
    acc = [take(e, 0) for e in flat]
    out = [[a] for a in acc]
    for i in builtins.range(1, n):
        acc = _nest.flatten(f(_nest.pack_sequence_as(elems, acc),
                              _nest.pack_sequence_as(elems, [take(e, i) for e in flat])))
        for o, a in zip(out, acc):
            o.append(a)
    res = [_tf.concat(o, axis) for o in out]
    if reverse:
        res = [_tf.reverse(r, [axis]) for r in res]
    return _nest.pack_sequence_as(elems, res)


def map(f, xs):  # noqa: A001 - Keras's name
    """f applied to each slice of xs along the leading axis, stacked (tf.map_fn)."""
    xs = _nest.map_structure(_t, xs)
    first = _nest.pack_sequence_as(xs, [x[0] for x in _nest.flatten(xs)])
    out = f(first)
    from graphflow.tensor import TensorSpec
    sig = _nest.map_structure(lambda o: TensorSpec(_t(o).shape, _t(o).dtype), out)
    return _tf.map_fn(f, xs, fn_output_signature=sig)


def switch(index, branches, *operands):
    """branches[index](*operands), the index clipped to the branches."""
    idx = _tf.clip_by_value(_tf.cast(_t(index), dtypes.int32), 0, len(branches) - 1)
    return _tf.switch_case(idx, [lambda b=b: b(*operands) for b in branches])


def vectorized_map(function, elements):
    """function applied to each slice of elements along the leading axis (tf.vectorized_map)."""
    return _tf.vectorized_map(function, elements)


def custom_gradient(f):
    """f with its own gradient: f returns (value, grad_fn) (tf.custom_gradient)."""
    from graphflow.autodiff import custom_gradient as _custom_gradient
    return _custom_gradient(f)


# -- math ------------------------------------------------------------------------------------------
def _segment(name, data, segment_ids, num_segments, sorted):  # noqa: A002
    from graphflow import math as _math
    if sorted:
        if num_segments is not None:
            raise ValueError("Argument `num_segments` cannot be set when sorted is True when "
                             f"using the tensorflow backend.Received: num_segments={num_segments}, "
                             f"sorted={sorted}.")
        return getattr(_math, f"segment_{name}")(data, segment_ids)
    if num_segments is None:
        from graphflow.keras.ops_numpy import _values
        ids = _values(_t(segment_ids), f"segment_{name}",
                      "without num_segments its output length is max(segment_ids) + 1")
        num_segments = int(ids.max()) + 1
    return getattr(_math, f"unsorted_segment_{name}")(data, segment_ids, num_segments)


def segment_max(data, segment_ids, num_segments=None, sorted=False):  # noqa: A002
    """The maximum of each segment of data (the dtype's lowest value for empty segments)."""
    return _segment("max", data, segment_ids, num_segments, sorted)


def segment_min(data, segment_ids, num_segments=None, sorted=False):  # noqa: A002
    """The minimum of each segment of data."""
    return _segment("min", data, segment_ids, num_segments, sorted)


def segment_prod(data, segment_ids, num_segments=None, sorted=False):  # noqa: A002
    """The product of each segment of data (1 for empty segments)."""
    return _segment("prod", data, segment_ids, num_segments, sorted)


def extract_sequences(x, sequence_length, sequence_stride):
    """Frames of sequence_length every sequence_stride along the last axis:
    [..., num_sequences, sequence_length]."""
    x = _t(x)
    n = x.shape[-1]
    count = builtins.max(0, 1 + (n - sequence_length) // sequence_stride)
    idx = (np.arange(count)[:, None] * sequence_stride
           + np.arange(sequence_length)[None, :]).astype(np.int32)
    return _tf.gather(x, _tf.constant(idx), axis=x.shape.rank - 1)


def cdist(x, y):
    """Euclidean distances between the rows of x and of y ([..., n, m])."""
    a, b = _t(x), _t(y)
    dt = result_type(a.dtype.name, b.dtype.name, float)
    a, b = _tf.cast(a, dt), _tf.cast(b, dt)
    d = _tf.expand_dims(a, -2) - _tf.expand_dims(b, -3)
    return _tf.sqrt(_tf.reduce_sum(_tf.square(d), -1))


# -- image -----------------------------------------------------------------------------------------
def _image():
    from graphflow import image
    return image


def _cl(data_format, name):
    if data_format not in (None, "channels_last"):
        raise NotImplementedError(f"keras.ops.image.{name}: only data_format='channels_last' "
                                  "is supported")


def rgb_to_grayscale(images, data_format=None):
    """Luma of RGB images (keeps a channel axis of 1)."""
    _cl(data_format, "rgb_to_grayscale")
    x = _t(images)
    dt = x.dtype
    return _tf.cast(_image().rgb_to_grayscale(_tf.cast(x, dtypes.float32)
                                              if not dt.is_floating else x), dt)


def rgb_to_hsv(images, data_format=None):
    """RGB in [0, 1] to HSV."""
    _cl(data_format, "rgb_to_hsv")
    return _image().rgb_to_hsv(_t(images))


def hsv_to_rgb(images, data_format=None):
    """HSV to RGB."""
    _cl(data_format, "hsv_to_rgb")
    return _image().hsv_to_rgb(_t(images))


def resize(images, size, interpolation="bilinear", antialias=False, crop_to_aspect_ratio=False,
           pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, data_format=None):
    """Images resized to size (height, width), through tf.image.resize."""
    _cl(data_format, "resize")
    if crop_to_aspect_ratio or pad_to_aspect_ratio:
        raise NotImplementedError("keras.ops.image.resize: crop_to_aspect_ratio and "
                                  "pad_to_aspect_ratio are not supported")
    x = _t(images)
    out = _image().resize(x, list(size), method=interpolation, antialias=antialias)
    return out if x.dtype.is_floating else _tf.cast(out, dtypes.float32)


def extract_patches(images, size, strides=None, dilation_rate=1, padding="valid",
                    data_format=None):
    """Patches of size (h, w) as channels [batch, rows, cols, h * w * channels]."""
    _cl(data_format, "extract_patches")
    h, w = (size, size) if isinstance(size, int) else size
    st = (h, w) if strides is None else ((strides, strides) if isinstance(strides, int)
                                         else tuple(strides))
    dr = (dilation_rate, dilation_rate) if isinstance(dilation_rate, int) else dilation_rate
    x = _t(images)
    squeeze = x.shape.rank == 3
    if squeeze:
        x = _tf.expand_dims(x, 0)
    out = _image().extract_patches(x, [1, h, w, 1], [1, st[0], st[1], 1], [1, dr[0], dr[1], 1],
                                   padding.upper())
    return out[0] if squeeze else out


def sobel_edges(images, data_format=None):
    """Sobel gradients, as Keras returns them."""
    _cl(data_format, "sobel_edges")
    return _image().sobel_edges(_t(images))


def ssim(image1, image2, max_val=1.0, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03,
         data_format=None):
    """Structural similarity (tf.image.ssim)."""
    _cl(data_format, "ssim")
    return _image().ssim(_t(image1), _t(image2), max_val, filter_size=filter_size,
                         filter_sigma=filter_sigma, k1=k1, k2=k2)


def crop_images(images, top_cropping=None, left_cropping=None, bottom_cropping=None,
                right_cropping=None, target_height=None, target_width=None, data_format=None):
    """Images cropped by the given margins (or to target_height/width from the top-left
    margins)."""
    _cl(data_format, "crop_images")
    x = _t(images)
    h, w = x.shape.as_list()[-3:-1]
    top, left = top_cropping or 0, left_cropping or 0
    if target_height is None:
        target_height = h - top - (bottom_cropping or 0)
    if target_width is None:
        target_width = w - left - (right_cropping or 0)
    return _image().crop_to_bounding_box(x, top, left, target_height, target_width)


def pad_images(images, top_padding=None, left_padding=None, bottom_padding=None,
               right_padding=None, target_height=None, target_width=None, data_format=None):
    """Images padded with zeros by the given margins (or to target_height/width)."""
    _cl(data_format, "pad_images")
    x = _t(images)
    h, w = x.shape.as_list()[-3:-1]
    top, left = top_padding or 0, left_padding or 0
    if target_height is None:
        target_height = h + top + (bottom_padding or 0)
    if target_width is None:
        target_width = w + left + (right_padding or 0)
    return _image().pad_to_bounding_box(x, top, left, target_height, target_width)


# -- einops ------------------------------------------------------------------------------------------
def _einops_axes(side):
    import re
    axes = re.findall(r"\w+|\([\w\s]*\)", side)
    rest = re.sub(r"\w+|\([\w\s]*\)", "", side).strip()
    if rest:
        raise ValueError(f"keras.ops.rearrange: cannot parse {side!r} (named axes and "
                         "parenthesized groups only)")
    return [a[1:-1].split() if a.startswith("(") else [a] for a in axes]


def rearrange(tensor, pattern, **axes_lengths):
    """Axes reordered, merged and split as an einops pattern says:
    'b (h1 h) w c -> (b h1) h w c' with h1=2.

        >>> rearrange(np.zeros((2, 6, 4)), "b (h1 h) w -> (b h1) w h", h1=3).shape
        TensorShape([6, 4, 2])
    """
    if "->" not in pattern:
        raise ValueError(f"keras.ops.rearrange: the pattern needs '->'. Received: {pattern!r}")
    x = _t(tensor)
    left, right = (s.strip() for s in pattern.split("->"))
    ins, outs = _einops_axes(left), _einops_axes(right)
    shape = x.shape.as_list()
    if len(ins) != len(shape):
        raise ValueError(f"keras.ops.rearrange: pattern {left!r} names {len(ins)} axes, the "
                         f"tensor has rank {len(shape)}")
    sizes = dict(axes_lengths)
    for group, dim in zip(ins, shape):
        unknown = [a for a in group if a not in sizes]
        known = int(np.prod([sizes[a] for a in group if a in sizes]))
        if len(unknown) > 1:
            raise ValueError(f"keras.ops.rearrange: cannot infer the sizes of {unknown} in "
                             f"({' '.join(group)}); pass them as keyword arguments")
        if unknown:
            sizes[unknown[0]] = dim // known
        if int(np.prod([sizes[a] for a in group])) != dim:
            raise ValueError(f"keras.ops.rearrange: ({' '.join(group)}) does not divide the "
                             f"axis of size {dim}")
    flat_in = [a for g in ins for a in g]
    flat_out = [a for g in outs for a in g]
    if sorted(flat_in) != sorted(flat_out):
        raise ValueError(f"keras.ops.rearrange: both sides must name the same axes. Received: "
                         f"{pattern!r}")
    x = _tf.reshape(x, [sizes[a] for a in flat_in])
    x = _tf.transpose(x, [flat_in.index(a) for a in flat_out])
    return _tf.reshape(x, [int(np.prod([sizes[a] for a in g])) for g in outs])


_INTERPOLATIONS = ("nearest", "bilinear")
_FILL_MODES = ("constant", "nearest", "wrap", "reflect")


def _batch_images(images, name):
    x = _t(images)
    if x.shape.rank not in (3, 4):
        raise ValueError("Invalid images rank: expected rank 3 (single image) or rank 4 (batch "
                         f"of images). Received input with shape: "
                         f"images.shape={tuple(x.shape.as_list())}")
    return (_tf.expand_dims(x, 0), True) if x.shape.rank == 3 else (x, False)


def affine_transform(images, transform, interpolation="bilinear", fill_mode="constant",
                     fill_value=0, data_format=None):
    """Images resampled at the points each [a0, a1, a2, b0, b1, b2, c0, c1] transform maps output
    pixels to (TF's ImageProjectiveTransformV3)."""
    from graphflow.ops.image_transform import image_projective_transform
    _cl(data_format, "affine_transform")
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(f"Invalid value for argument `interpolation`. Expected of one "
                         f"{_INTERPOLATIONS}. Received: interpolation={interpolation}")
    if fill_mode not in _FILL_MODES:
        raise ValueError(f"Invalid value for argument `fill_mode`. Expected of one "
                         f"{_FILL_MODES}. Received: fill_mode={fill_mode}")
    x, squeeze = _batch_images(images, "affine_transform")
    tr = _tf.cast(_t(transform), dtypes.float32)
    if tr.shape.rank not in (1, 2):
        raise ValueError("Invalid transform rank: expected rank 1 (single transform) or rank 2 "
                         "(batch of transforms). Received input with shape: "
                         f"transform.shape={tuple(tr.shape.as_list())}")
    if tr.shape.rank == 1:
        tr = _tf.expand_dims(tr, 0)
    out = image_projective_transform(x, tr, interpolation=interpolation, fill_mode=fill_mode,
                                     fill_value=fill_value)
    return out[0] if squeeze else out


def _homography(start, end):
    """The 8 transform coefficients mapping the end points onto the start points ([N, 8])."""
    rows, rhs = [], []
    zero = _tf.zeros_like(end[:, 0, 0])
    one = _tf.ones_like(zero)
    for k in builtins.range(4):
        sx, sy, ex, ey = start[:, k, 0], start[:, k, 1], end[:, k, 0], end[:, k, 1]
        rows.append(_tf.stack([ex, ey, one, zero, zero, zero, -sx * ex, -sx * ey], -1))
        rows.append(_tf.stack([zero, zero, zero, ex, ey, one, -sy * ex, -sy * ey], -1))
        rhs += [sx, sy]
    a = _tf.stack(rows, 1)
    b = _tf.expand_dims(_tf.stack(rhs, 1), -1)
    return _tf.squeeze(_linalg().solve(a, b), [-1])


def perspective_transform(images, start_points, end_points, interpolation="bilinear",
                          fill_value=0, data_format=None):
    """Images warped so the 4 start_points ([4, 2] or [N, 4, 2], (x, y)) land on end_points."""
    from graphflow.ops.image_transform import image_projective_transform
    _cl(data_format, "perspective_transform")
    start = _tf.cast(_t(start_points), dtypes.float32)
    end = _tf.cast(_t(end_points), dtypes.float32)
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(f"Invalid value for argument `interpolation`. Expected of one "
                         f"{_INTERPOLATIONS}. Received: interpolation={interpolation}")
    x, squeeze = _batch_images(images, "perspective_transform")
    for name, pts in (("start_points", start), ("end_points", end)):
        if pts.shape.rank not in (2, 3) or pts.shape.as_list()[-2:] != [4, 2]:
            raise ValueError(f"Invalid {name} shape: expected (4,2) for a single image or "
                             f"(N,4,2) for a batch. Received shape: "
                             f"{tuple(pts.shape.as_list())}")
    if start.shape.as_list() != end.shape.as_list():
        raise ValueError("start_points and end_points must have the same shape. Received "
                         f"start_points.shape={tuple(start.shape.as_list())}, "
                         f"end_points.shape={tuple(end.shape.as_list())}")
    if start.shape.rank == 2:
        start, end = _tf.expand_dims(start, 0), _tf.expand_dims(end, 0)
    out = image_projective_transform(x, _homography(start, end), interpolation=interpolation,
                                     fill_mode="constant", fill_value=fill_value)
    return out[0] if squeeze else out


def gaussian_blur(images, kernel_size=(3, 3), sigma=(1.0, 1.0), data_format=None):
    """Images blurred by a Gaussian kernel (a depthwise convolution, 'same' padding)."""
    _cl(data_format, "gaussian_blur")
    x, squeeze = _batch_images(images, "gaussian_blur")
    npdt = np.dtype(x.dtype.np)

    def kernel1d(size, s):
        v = np.arange(size, dtype=np.float64) - (size - 1) / 2
        k = np.exp(-0.5 * (v / s) ** 2)
        return k / k.sum()
    kh, kw = int(kernel_size[0]), int(kernel_size[1])
    # Keras builds outer(k_y, k_x) with k_x from (kernel_size[0], sigma[0]) and then reads it
    # as a (kernel_size[0], kernel_size[1]) window
    k2 = np.outer(kernel1d(kw, sigma[1]), kernel1d(kh, sigma[0])).reshape(kh, kw)
    channels = x.shape[-1]
    kern = np.tile(k2[:, :, None, None], (1, 1, channels, 1)).astype(npdt)
    from graphflow.ops import nn as _nn
    out = _nn.depthwise_conv2d(x, _tf.constant(kern), [1, 1, 1, 1], "SAME")
    return out[0] if squeeze else out


_MAP_FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")


def map_coordinates(inputs, coordinates, order, fill_mode="constant", fill_value=0.0):
    """inputs read at `coordinates` (one array of coordinates per input axis), by nearest
    (order 0) or linear (order 1) interpolation (scipy.ndimage.map_coordinates)."""
    import functools
    import itertools
    x = _t(inputs)
    coords = _t(coordinates)
    if coords.shape.rank < 1 or coords.shape[0] != x.shape.rank:
        raise ValueError("First dim of `coordinates` must be the same as the rank of `inputs`. "
                         f"Received inputs with shape: {tuple(x.shape.as_list())} and "
                         f"coordinate leading dim of "
                         f"{coords.shape[0] if coords.shape.rank else None}")
    if coords.shape.rank < 2:
        raise ValueError("Invalid coordinates rank: expected at least rank 2. Received input "
                         f"with shape: {tuple(coords.shape.as_list())}")
    if fill_mode not in _MAP_FILL_MODES:
        raise ValueError(f"Invalid value for argument `fill_mode`. Expected one of "
                         f"{set(_MAP_FILL_MODES)}. Received: fill_mode={fill_mode}")
    if order not in (0, 1):
        raise NotImplementedError("map_coordinates currently requires order<=1")

    def nodes(c):
        if order == 0:
            c = c if c.dtype.is_integer else _tf.round(c)
            return [(_tf.cast(c, dtypes.int32), _tf.constant(np.ones((), c.dtype.np)))]
        lower = _tf.floor(c)
        upper_w = c - lower
        idx = _tf.cast(lower, dtypes.int32)
        return [(idx, 1 - upper_w), (idx + 1, upper_w)]

    def fix(idx, size):
        if fill_mode == "constant":
            return _tf.clip_by_value(idx, 0, size - 1), (idx >= 0) & (idx < size)
        if fill_mode == "nearest":
            return _tf.clip_by_value(idx, 0, size - 1), None
        if fill_mode == "wrap":
            return _tf.floormod(idx, size), None
        if fill_mode == "mirror":
            # scipy's mirror: a triangle wave of period 2 (size - 1), the edges not repeated
            # (Keras 3.15's TensorFlow backend reads past the edge here and raises)
            s = builtins.max(size - 1, 1)
            return _tf.abs(_tf.floormod(idx + s, 2 * s) - s) if size > 1 else \
                _tf.zeros_like(idx), None
        idx = _tf.abs(idx)
        mod = _tf.floormod(idx, 2 * size)
        under = mod < size
        out = _tf.where(under, mod, 2 * size - mod)
        if fill_mode == "reflect":
            out = _tf.where(under, out, out - 1)
        return out, None

    per_axis = []
    for c, size in zip(_tf.unstack(coords, axis=0, num=coords.shape[0]), x.shape.as_list()):
        per_axis.append([fix(i, size) + (w,) for i, w in nodes(c)])
    total = None
    for combo in itertools.product(*per_axis):
        idx, valid, weights = zip(*combo)
        wdt = weights[0].dtype
        got = _tf.cast(_tf.gather_nd(x, _tf.stack(list(idx), -1)), wdt)
        valid = [v for v in valid if v is not None]
        if valid:
            got = _tf.where(functools.reduce(_tf.logical_and, valid), got,
                            _tf.cast(fill_value, wdt))
        term = functools.reduce(lambda a, b: a * b, weights) * got
        total = term if total is None else total + term
    if x.dtype.is_integer:
        total = _tf.round(total)
    return _tf.cast(total, x.dtype)


def extract_patches_3d(volumes, size, strides=None, dilation_rate=1, padding="valid",
                       data_format=None):
    """Patches of size (d, h, w) of [batch, D, H, W, C] volumes as channels
    [batch, d', h', w', d * h * w * C] (a 3-D convolution with an identity kernel, as Keras)."""
    _cl(data_format, "extract_patches_3d")
    if isinstance(size, int):
        size = (size, size, size)
    elif len(size) != 3:
        raise TypeError(f"Invalid `size` argument. Expected an int or a tuple of length 3. "
                        f"Received: size={size}")
    if strides is None:
        strides = size
    if isinstance(strides, int):
        strides = (strides,) * 3
    if len(strides) != 3:
        raise ValueError(f"Invalid `strides` argument. Got: {strides}")
    from graphflow.keras.ops_nn import conv
    x = _t(volumes)
    channels = x.shape[-1]
    out_dim = int(np.prod(size)) * channels
    kernel = np.eye(out_dim, dtype=x.dtype.np).reshape(tuple(size) + (channels, out_dim))
    unbatched = x.shape.rank == 4
    if unbatched:
        x = _tf.expand_dims(x, 0)
    out = conv(x, kernel, strides=strides, padding=padding, dilation_rate=dilation_rate)
    return out[0] if unbatched else out


_SCALE_METHODS = ("linear", "bilinear", "trilinear", "cubic", "bicubic", "tricubic", "lanczos3",
                  "lanczos5")


def _resample_kernel(method, x):
    if method == "linear":
        return _tf.maximum(_tf.zeros_like(x), 1 - _tf.abs(x))
    if method == "cubic":  # Keys' cubic, a = -0.5
        out = ((1.5 * x - 2.5) * x) * x + 1.0
        out = _tf.where(x >= 1.0, ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0, out)
        return _tf.where(x >= 2.0, _tf.zeros_like(x), out)
    radius = 3.0 if method == "lanczos3" else 5.0
    y = radius * _tf.sin(np.pi * x) * _tf.sin(np.pi * x / radius)
    safe = _tf.where(_tf.not_equal(x, 0), np.pi ** 2 * x * x, _tf.ones_like(x))
    out = _tf.where(x > 1e-3, y / safe, _tf.ones_like(x))
    return _tf.where(x > radius, _tf.zeros_like(x), out)


def _weight_matrix(n_in, n_out, scale, translation, method, antialias):
    """[n_in, n_out] resampling weights (JAX's jax.image.scale_and_translate, as Keras)."""
    dt = scale.dtype
    inv = 1.0 / scale
    kscale = _tf.maximum(inv, _tf.ones_like(inv)) if antialias else _tf.ones_like(inv)
    sample = (_tf.constant(np.arange(n_out, dtype=dt.np)) + 0.5) * inv - translation * inv - 0.5
    x = _tf.abs(sample[None, :] - _tf.constant(np.arange(n_in, dtype=dt.np))[:, None]) / kscale
    w = _resample_kernel(method, x)
    total = _tf.reduce_sum(w, 0, keepdims=True)
    ok = _tf.abs(total) > 1000.0 * float(np.finfo(np.float32).eps)
    w = _tf.where(ok, w / _tf.where(_tf.not_equal(total, 0), total, _tf.ones_like(total)),
                  _tf.zeros_like(w))
    inside = (sample >= -0.5) & (sample <= n_in - 0.5)
    return _tf.where(inside[None, :], w, _tf.zeros_like(w))


def scale_and_translate(images, output_shape, scale, translation, spatial_dims, method,
                        antialias=True):
    """images resampled along spatial_dims to output_shape with the given scale and translation
    per dim (jax.image.scale_and_translate; methods linear, cubic, lanczos3, lanczos5)."""
    if method not in _SCALE_METHODS:
        raise ValueError(f"Invalid value for argument `method`. Expected of one "
                         f"{set(_SCALE_METHODS)}. Received: method={method}")
    method = "linear" if method in ("linear", "bilinear", "trilinear") else \
        "cubic" if method in ("cubic", "bicubic", "tricubic") else method
    x = _t(images)
    scale, translation = _t(scale), _t(translation)
    dt = result_type(scale.dtype.name, translation.dtype.name)
    scale, translation = _tf.cast(scale, dt), _tf.cast(translation, dt)
    if not spatial_dims:
        return x
    integer = x.dtype.is_integer
    out = _tf.cast(x, dtypes.float32) if integer else x
    rank = x.shape.rank
    for i, d in enumerate(spatial_dims):
        d = d % rank
        w = _tf.cast(_weight_matrix(x.shape[d], output_shape[d], scale[i], translation[i],
                                    method, antialias), out.dtype)
        moved = _tf.transpose(out, [a for a in builtins.range(rank) if a != d] + [d])
        res = _tf.matmul(_tf.reshape(moved, [-1, moved.shape[-1]]), w)
        res = _tf.reshape(res, moved.shape.as_list()[:-1] + [w.shape[-1]])
        perm = list(builtins.range(rank - 1))
        perm.insert(d, rank - 1)
        out = _tf.transpose(res, perm)
    if integer:
        out = _tf.clip_by_value(_tf.round(out), _tf.cast(_tf.reduce_min(x), out.dtype),
                                _tf.cast(_tf.reduce_max(x), out.dtype))
        out = _tf.cast(out, x.dtype)
    return out
