"""Hand-written Numba kernels for the CPU plan, for ops whose NumPy reference makes many passes
over memory: max and average pooling and their gradients (one pass over the windows instead of
one NumPy pass per window offset), and the window copies of convolutions: the col2im that adds
an input gradient back from its windows, and, for images with few channels, the im2col copy
(the matmuls stay the reference's, on equal matrices; BLAS may still round differently when the
reference's matrix is a strided view). Measured on the 2-core machine, these run 1.5-3x faster
than the references. (A direct convolution loop was slower than im2col + BLAS even with one
input channel.)

The pooling kernels and col2im return what the references return, including the first-maximum
rule, NaN windows, padding and the order in which overlapping windows add up; the one difference
is the sign of zero where a window's gradient is 0 (the reference computes dy * 0, -0.0 for
negative dy; TF's MaxPoolGrad gives 0.0, as these do).

`implementation(node)` is the CPU plan's question: the function to run for a node, or
None to run the op's reference.

    >>> import numpy as np
    >>> from graphflow.backends import cpu_kernels
    >>> x = np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1)
    >>> cpu_kernels.max_pool2d(x, (2, 2), (2, 2), "VALID")[0, :, :, 0]
    array([[ 5.,  7.],
           [13., 15.]], dtype=float32)
"""
import sys

import numpy as np
from numba import njit

from graphflow.backends.numba_cpu import UNSUPPORTED_DTYPES
from graphflow.compiler import targets
from graphflow.ops import conv
from graphflow.ops.conv import _Geometry
from graphflow.ops.shape import GATHER_GRAD as _GATHER_GRAD


# -- pooling ------------------------------------------------------------------------------------


# The kernels index flat arrays through per-row views (of[o:o + c]) so that the innermost,
# vectorized loops index with a range variable: an index numba cannot prove non-negative costs a
# wraparound check per access and keeps the loop scalar (measured 5x slower).

@njit(cache=True, nogil=True, inline="always")
def _inside(start, k, size):
    """(lo, hi): the window offsets i in [0, k) with 0 <= start + i < size (not in the padding)."""
    return max(0, -start), min(k, size - start)


@njit(cache=True, nogil=True)
def _max_pool(x, kh, kw, sh, sw, pt, pl, out):
    """out[b, r, q] = max of the window's valid elements, combined in row-major window order as
    np.maximum does (NaN wins; on ties, such as -0.0 and 0.0, the earlier element stays)."""
    n, h, w, c = x.shape
    oh, ow = out.shape[1], out.shape[2]
    xf, of = x.ravel(), out.ravel()
    for b in range(n):
        for r in range(oh):
            for q in range(ow):
                o = ((b * oh + r) * ow + q) * c
                ov = of[o:o + c]
                first = True
                i0, i1 = _inside(r * sh - pt, kh, h)
                j0, j1 = _inside(q * sw - pl, kw, w)
                for i in range(i0, i1):
                    for j in range(j0, j1):
                        v = ((b * h + r * sh + i - pt) * w + q * sw + j - pl) * c
                        xv = xf[v:v + c]
                        if first:
                            for ch in range(c):
                                ov[ch] = xv[ch]
                            first = False
                        else:
                            for ch in range(c):
                                a, e = ov[ch], xv[ch]
                                ov[ch] = a if (a >= e or a != a) else e


@njit(cache=True, nogil=True)
def _first_max(xf, mv, b, r, q, h, w, c, kh, kw, sh, sw, pt, pl, best):
    """best[ch] = the window offset of the first element equal to the window's maximum mv[ch]
    (kh * kw when none is: a NaN maximum equals nothing), by a select per element while
    walking the window backwards."""
    for ch in range(c):
        best[ch] = kh * kw
    i0, i1 = _inside(r * sh - pt, kh, h)
    j0, j1 = _inside(q * sw - pl, kw, w)
    for i in range(i1 - 1, i0 - 1, -1):
        for j in range(j1 - 1, j0 - 1, -1):
            v = ((b * h + r * sh + i - pt) * w + q * sw + j - pl) * c
            xv = xf[v:v + c]
            k = i * kw + j
            for ch in range(c):
                best[ch] = k if xv[ch] == mv[ch] else best[ch]


@njit(cache=True, nogil=True)
def _max_pool_grad_disjoint(x, dy, kh, kw, sh, sw, pt, pl, m, dx):
    """dx = dy at each window's first maximum and 0 elsewhere in the window, for windows that
    do not overlap (each writes its own part of dx; positions in no window stay 0)."""
    n, h, w, c = x.shape
    oh, ow = dy.shape[1], dy.shape[2]
    xf, dyf, dxf, mf = x.ravel(), dy.ravel(), dx.ravel(), m.ravel()
    best = np.empty(c, np.int64)
    zero = dx.dtype.type(0)
    for b in range(n):
        for r in range(oh):
            for q in range(ow):
                o = ((b * oh + r) * ow + q) * c
                _first_max(xf, mf[o:o + c], b, r, q, h, w, c, kh, kw, sh, sw, pt, pl, best)
                dyv = dyf[o:o + c]
                i0, i1 = _inside(r * sh - pt, kh, h)
                j0, j1 = _inside(q * sw - pl, kw, w)
                for i in range(i0, i1):
                    for j in range(j0, j1):
                        v = ((b * h + r * sh + i - pt) * w + q * sw + j - pl) * c
                        dxv = dxf[v:v + c]
                        k = i * kw + j
                        for ch in range(c):  # an unconditional store vectorizes
                            dxv[ch] = dyv[ch] if best[ch] == k else zero


@njit(cache=True, nogil=True)
def _max_pool_grad_overlapping(x, dy, kh, kw, sh, sw, pt, pl, m, hits, dx):
    """dx += dy at each window's first maximum, added up in the reference's order: window
    offset by offset (`hits` records each window's first-maximum offset)."""
    n, h, w, c = x.shape
    oh, ow = dy.shape[1], dy.shape[2]
    xf, mf, hf = x.ravel(), m.ravel(), hits.ravel()
    for b in range(n):
        for r in range(oh):
            for q in range(ow):
                o = ((b * oh + r) * ow + q) * c
                _first_max(xf, mf[o:o + c], b, r, q, h, w, c, kh, kw, sh, sw, pt, pl,
                           hf[o:o + c])
    _add_by_offset(dy, hits, kh, kw, sh, sw, pt, pl, dx)


@njit(cache=True, nogil=True)
def _add_by_offset(values, hits, kh, kw, sh, sw, pt, pl, dx):
    """dx[position of window offset (i, j)] += values[window], offset by offset in row-major
    order as the references add them up (so overlapping windows sum in the same order); with
    `hits` non-empty, only where hits[window] is that offset (adding 0 elsewhere, as the
    reference does, keeps the loop vectorized)."""
    n, h, w, c = dx.shape
    oh, ow = values.shape[1], values.shape[2]
    vf, hf, dxf = values.ravel(), hits.ravel(), dx.ravel()
    selected = hf.size > 0
    zero = dx.dtype.type(0)
    for i in range(kh):
        for j in range(kw):
            k = i * kw + j
            for b in range(n):
                for r in range(oh):
                    y = r * sh + i - pt
                    if y < 0 or y >= h:
                        continue
                    for q in range(ow):
                        z = q * sw + j - pl
                        if z < 0 or z >= w:
                            continue
                        o = ((b * oh + r) * ow + q) * c
                        v = ((b * h + y) * w + z) * c
                        vv, dxv = vf[o:o + c], dxf[v:v + c]
                        if selected:
                            hv = hf[o:o + c]
                            for ch in range(c):
                                dxv[ch] += vv[ch] if hv[ch] == k else zero
                        else:
                            for ch in range(c):
                                dxv[ch] += vv[ch]


@njit(cache=True, nogil=True)
def _window_counts(oh, ow, kh, kw, sh, sw, pt, pl, h, w):
    counts = np.empty((oh, ow), np.int64)
    for r in range(oh):
        rows = min(r * sh - pt + kh, h) - max(r * sh - pt, 0)
        for q in range(ow):
            counts[r, q] = rows * (min(q * sw - pl + kw, w) - max(q * sw - pl, 0))
    return counts


@njit(cache=True, nogil=True)
def _avg_pool(x, kh, kw, sh, sw, pt, pl, padded, out):
    """The window sums in row-major window order, padding adding zeros as in the reference,
    divided by the number of valid elements (padded) or by the window size."""
    n, h, w, c = x.shape
    oh, ow = out.shape[1], out.shape[2]
    counts = _window_counts(oh, ow, kh, kw, sh, sw, pt, pl, h, w)
    xf, of = x.ravel(), out.ravel()
    zero = out.dtype.type(0)
    size = out.dtype.type(kh * kw)
    for b in range(n):
        for r in range(oh):
            for q in range(ow):
                o = ((b * oh + r) * ow + q) * c
                ov = of[o:o + c]
                for i in range(kh):
                    y = r * sh + i - pt
                    for j in range(kw):
                        z = q * sw + j - pl
                        if 0 <= y < h and 0 <= z < w:
                            v = ((b * h + y) * w + z) * c
                            xv = xf[v:v + c]
                            if i == 0 and j == 0:
                                for ch in range(c):
                                    ov[ch] = xv[ch]
                            else:
                                for ch in range(c):
                                    ov[ch] += xv[ch]
                        elif i == 0 and j == 0:
                            for ch in range(c):
                                ov[ch] = zero
                        else:
                            for ch in range(c):
                                ov[ch] += zero  # as the reference: -0.0 + 0.0 is 0.0
                d = out.dtype.type(counts[r, q]) if padded else size
                for ch in range(c):
                    ov[ch] /= d


@njit(cache=True, nogil=True)
def _avg_pool_grad(dy, kh, kw, sh, sw, pt, pl, padded, dx):
    """dx += dy / window count for every valid element of every window, offset by offset."""
    n, h, w, c = dx.shape
    oh, ow = dy.shape[1], dy.shape[2]
    counts = _window_counts(oh, ow, kh, kw, sh, sw, pt, pl, h, w)
    size = dy.dtype.type(kh * kw)
    dyf = dy.ravel()
    share = np.empty_like(dy)
    sf = share.ravel()
    for b in range(n):
        for r in range(oh):
            for q in range(ow):
                o = ((b * oh + r) * ow + q) * c
                d = dy.dtype.type(counts[r, q]) if padded else size
                sv, dyv = sf[o:o + c], dyf[o:o + c]
                for ch in range(c):
                    sv[ch] = dyv[ch] / d
    _add_by_offset(share, np.empty((0, 0, 0, 0), np.int64), kh, kw, sh, sw, pt, pl, dx)


def _geometry(shape, ksize, strides, padding):
    return _Geometry(shape, ksize[0], ksize[1], strides, padding)


def max_pool2d(x, ksize, strides, padding):
    g = _geometry(x.shape, ksize, strides, padding)
    out = np.zeros((g.n, g.oh, g.ow, x.shape[3]), dtype=x.dtype)
    if not g.empty and out.size:
        _max_pool(np.ascontiguousarray(x), g.kh, g.kw, g.sh, g.sw, g.ph[0], g.pw[0], out)
    return out


def max_pool2d_grad(x, dy, ksize, strides, padding):
    g = _geometry(x.shape, ksize, strides, padding)
    dx = np.zeros(x.shape, dtype=dy.dtype)
    if not g.empty and x.size:
        x = np.ascontiguousarray(x)
        dy = np.ascontiguousarray(dy)
        m = max_pool2d(x, ksize, strides, padding)
        if g.sh >= g.kh and g.sw >= g.kw:  # each input position is in one window at most
            _max_pool_grad_disjoint(x, dy, g.kh, g.kw, g.sh, g.sw, g.ph[0], g.pw[0], m, dx)
        else:
            hits = np.empty(dy.shape, np.int64)
            _max_pool_grad_overlapping(x, dy, g.kh, g.kw, g.sh, g.sw, g.ph[0], g.pw[0], m, hits,
                                       dx)
    return dx


def avg_pool2d(x, ksize, strides, padding):
    g = _geometry(x.shape, ksize, strides, padding)
    out = np.zeros((g.n, g.oh, g.ow, x.shape[3]), dtype=x.dtype)
    if not g.empty and out.size:
        _avg_pool(np.ascontiguousarray(x), g.kh, g.kw, g.sh, g.sw, g.ph[0], g.pw[0], g.padded,
                  out)
    return out


def avg_pool2d_grad(dy, like, ksize, strides, padding):
    g = _geometry(like.shape, ksize, strides, padding)
    dx = np.zeros(like.shape, dtype=dy.dtype)
    if not g.empty and like.size:
        _avg_pool_grad(np.ascontiguousarray(dy), g.kh, g.kw, g.sh, g.sw, g.ph[0], g.pw[0],
                       g.padded, dx)
    return dx


# -- convolutions: the reference's matmuls; the window copies (im2col, col2im) as kernels ---------

# Input channels up to which the im2col kernel beats NumPy's strided copy (measured: 1.7x faster
# with one channel, 6x slower with 32, whose contiguous channel runs NumPy copies well).
IM2COL_MAX_CHANNELS = 4


@njit(cache=True, nogil=True)
def _im2col(x, kh, kw, sh, sw, dh, dw, pt, pl, oh, ow, cols):
    """cols[(b, r, q), (i, j, ch)] = x[b, r*sh + i*dh - pt, q*sw + j*dw - pl, ch], 0 in the
    padding (dh, dw: the dilations):
    the reference's window matrix, written one window offset and one row of windows at a time
    (a run along q) rather than window by window (few channels make NumPy's copy slow)."""
    n, h, w, c = x.shape
    zero = cols.dtype.type(0)
    for b in range(n):
        for r in range(oh):
            base = (b * oh + r) * ow
            for i in range(kh):
                y = r * sh + i * dh - pt
                for j in range(kw):
                    for ch in range(c):
                        col = (i * kw + j) * c + ch
                        if y < 0 or y >= h:
                            for q in range(ow):
                                cols[base + q, col] = zero
                            continue
                        for q in range(ow):
                            z = q * sw + j * dw - pl
                            cols[base + q, col] = x[b, y, z, ch] if 0 <= z < w else zero


@njit(cache=True, nogil=True)
def _col2im(cols, kh, kw, sh, sw, dh, dw, pt, pl, oh, ow, dx):
    """dx[b, y, z, ch] += every window element at that position, offset by offset as the
    reference adds them (padding positions are dropped, as the reference crops them)."""
    n, h, w, c = dx.shape
    cf, dxf = cols.ravel(), dx.ravel()
    for i in range(kh):
        for j in range(kw):
            for b in range(n):
                for r in range(oh):
                    y = r * sh + i * dh - pt
                    if y < 0 or y >= h:
                        continue
                    for q in range(ow):
                        z = q * sw + j * dw - pl
                        if z < 0 or z >= w:
                            continue
                        s = ((b * oh + r) * ow + q) * kh * kw * c + (i * kw + j) * c
                        v = ((b * h + y) * w + z) * c
                        src, dst = cf[s:s + c], dxf[v:v + c]
                        for ch in range(c):
                            dst[ch] += src[ch]


def _window_matrix(x, g):
    """The reference's im2col matrix, from the kernel."""
    cols = np.empty((g.n * g.oh * g.ow, g.kh * g.kw * x.shape[3]), dtype=x.dtype)
    _im2col(np.ascontiguousarray(x), g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.ph[0], g.pw[0], g.oh,
            g.ow, cols)
    return cols


def _added_windows(cols, g, shape):
    """The reference's col2im, from the kernel."""
    dx = np.zeros(shape, dtype=cols.dtype)
    _col2im(np.ascontiguousarray(cols), g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.ph[0], g.pw[0],
            g.oh, g.ow, dx)
    return dx


def conv2d(x, w, strides, padding, dilations=(1, 1)):
    return conv.conv2d_by_windows(x, w, strides, padding, dilations, im2col=_window_matrix)


def conv2d_backprop_filter(x, dy, like, strides, padding, dilations=(1, 1)):
    return conv.backprop_filter_by_windows(x, dy, like, strides, padding, dilations,
                                           im2col=_window_matrix)


def conv2d_backprop_input(dy, w, like, strides, padding, dilations=(1, 1)):
    return conv.backprop_input_by_windows(dy, w, like, strides, padding, dilations,
                                          col2im=_added_windows)


# -- scatter-adding rows: the gradient of a gather along axis 0 (an Embedding's) ---------------------

@njit(cache=True, nogil=True)
def _add_rows(out, rows, src):
    """out[rows[k]] += src[k] in k order (np.add.at's order and bits); returns the position of
    the first index out of range, or -1."""
    size, width = out.shape[0], out.shape[1]
    for k in range(rows.shape[0]):
        r = rows[k]
        if r < 0 or r >= size:
            return k
        o, s = out[r], src[k]
        for j in range(width):
            o[j] += s[j]
    return -1


def gather_grad(dy, indices, like, axis, batch_dims=0):
    """The gradient of gather along axis 0 without batch dims, one pass over dy (np.add.at,
    which the reference uses, adds the rows one call at a time: an Embedding's gradient of
    batch x sequence rows took 16 ms on the 2-core machine); other layouts, dtypes and
    out-of-range indices run the reference, which raises its own error."""
    op = _GATHER_GRAD.ref
    if axis != 0 or batch_dims or dy.dtype.kind != "f" or indices.size == 0 or \
            like.shape[0] == 0:
        return op(dy, indices, like, axis, batch_dims)
    out = np.zeros(like.shape, dy.dtype)
    rows = np.ascontiguousarray(indices.reshape(-1))
    src = np.ascontiguousarray(dy).reshape((rows.size, -1))
    if _add_rows(out.reshape((out.shape[0], -1)), rows, src) >= 0:
        return op(dy, indices, like, axis, batch_dims)
    return out


# -- which nodes run here ----------------------------------------------------------------------------

_KERNELS = {"max_pool2d": max_pool2d, "max_pool2d_grad": max_pool2d_grad,
            "avg_pool2d": avg_pool2d, "avg_pool2d_grad": avg_pool2d_grad,
            "conv2d_backprop_input": conv2d_backprop_input, "gather_grad": gather_grad}


_FEW_CHANNELS = {"conv2d": conv2d, "conv2d_backprop_filter": conv2d_backprop_filter}


def implementation(node):
    """The kernel function to run `node` with (called like the op's reference), or None."""
    if any(t.dtype.name in UNSUPPORTED_DTYPES for t in list(node.inputs) + list(node.outputs)):
        return None
    if node.type in _FEW_CHANNELS:  # input 0 is the image for both
        channels = node.inputs[0].shape.dims_tuple()[-1]
        few = channels is not None and channels <= IM2COL_MAX_CHANNELS
        return _FEW_CHANNELS[node.type] if few else None
    return _KERNELS.get(node.type)


def warm(node):
    """Compiles (or loads from numba's disk cache) the kernels `node` will call, so that a plan
    compiled in the background does not compile them on its first run."""
    from numba import types
    from numba.np.numpy_support import from_dtype

    def array(t, ndim=4):
        return types.Array(from_dtype(t.dtype.np), ndim, "C")
    ints = (types.int64,) * 6
    kind = node.type
    x = node.inputs[0]
    if kind in ("max_pool2d", "max_pool2d_grad"):
        _max_pool.compile((array(x),) + ints + (array(x),))
    if kind == "max_pool2d_grad":
        dy, (kh, kw), (sh, sw) = node.inputs[1], node.attrs["ksize"], node.attrs["strides"]
        if sh >= kh and sw >= kw:
            _max_pool_grad_disjoint.compile((array(x), array(dy)) + ints + (array(x), array(dy)))
        else:
            _max_pool_grad_overlapping.compile(
                (array(x), array(dy)) + ints + (array(x), types.Array(types.int64, 4, "C"),
                                                array(dy)))
    elif kind == "avg_pool2d":
        _avg_pool.compile((array(x),) + ints + (types.boolean, array(x)))
    elif kind == "avg_pool2d_grad":
        _avg_pool_grad.compile((array(x),) + ints + (types.boolean, array(x)))
    elif kind == "conv2d_backprop_input":
        _col2im.compile((array(x, 2),) + ints + (types.int64,) * 4 + (array(x),))
    elif kind == "gather_grad":
        dy, indices = node.inputs[0], node.inputs[1]
        _add_rows.compile((array(dy, 2), types.Array(from_dtype(indices.dtype.np), 1, "C"),
                           array(dy, 2)))
    elif kind in _FEW_CHANNELS:
        _im2col.compile((array(x),) + ints + (types.int64,) * 4 + (array(x, 2),))


targets.register("cpu_native", sys.modules[__name__])  # the compiler asks for it by name
