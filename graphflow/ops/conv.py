"""2-D convolution and pooling over NHWC (channels_last) images, with TF's semantics:
conv2d, max_pool2d, avg_pool2d, and the primitive backprop ops their gradients are made of.

    >>> import graphflow as tf
    >>> x = tf.ones((1, 5, 5, 1))
    >>> tf.nn.conv2d(x, tf.ones((3, 3, 1, 2)), strides=2, padding="SAME").shape
    TensorShape([1, 3, 3, 2])
    >>> tf.nn.max_pool2d(x, ksize=2, strides=2, padding="VALID").shape
    TensorShape([1, 2, 2, 1])

Padding is TF's: "VALID" keeps only windows inside the image, out = ceil((in - k + 1) / stride);
"SAME" gives out = ceil(in / stride) and pads pad_total = max((out - 1) * stride + k - in, 0)
zeros, pad_total // 2 before and the rest after (so odd totals put the extra row at the bottom
and the extra column on the right). avg_pool2d divides each window by its number of valid
(non-padding) elements, as TF does; max_pool2d never selects padding.

The conv ops take `dilations` (dh, dw) too: tap (i, j) of a window reads the element i * dh rows
and j * dw columns from its corner, and k above is the dilated span (k - 1) * d + 1 (an atrous
convolution). _Geometry is the one definition of these windows: the references, the CPU kernels
and the CUDA target's index maps all take their windows from it. A filter whose in_channels
divide the input's channels makes a grouped convolution (G = channels / in_channels groups,
each with out_channels / G filters), as in TF; the references multiply the groups as one
batched matmul.

Primitives, each with a shape/dtype rule, a NumPy reference and a gradient rule in these ops:

    conv2d(x, w)                         conv2d_backprop_input(dy, w, like_x)
    conv2d_backprop_filter(x, dy, like_w)
    max_pool2d(x)                        max_pool2d_grad(x, dy)   max_pool2d_grad_grad(x, g)
    avg_pool2d(x)                        avg_pool2d_grad(dy, like_x)

The three conv ops are each other's adjoints, so every derivative of every order is exact
(conv2d is bilinear). The `like_*` inputs only lend their (runtime) shape, as gather_grad's
params do, so the ops also work in graphs whose shapes are partly unknown. max_pool2d_grad
routes each window's gradient to its first maximum (row-major window order), as TF does, and
max_pool2d_grad_grad (TF's MaxPoolGradGrad) gathers at the same positions; the two are adjoint.
conv and avg_pool take floating-point tensors, max_pool2d any real dtype (the backprops are
floating-point only). A window whose maximum is NaN passes NaN forward and no gradient back.

Kinds. All of these are OPAQUE. conv2d's output could in principle absorb an elementwise
epilogue (bias add + activation over the (N*OH*OW, O) product of the im2col matrix and the
filter), but the MATMUL kind means more than that to the compiler today: fuse_epilogue clusters
a MATMUL node with its epilogue and lower.py runs the cluster as a BLAS matmul of inputs 0 and 1
with `transpose_a/b` attrs. A conv2d marked MATMUL would be lowered as a plain matmul of the
image and the filter. Until lowering learns an im2col step, OPAQUE is the honest kind: compiled
graphs run the NumPy reference below, and the bias/activation after it still fuse with each
other.

The references are vectorized: conv is im2col (sliding_window_view over the dilated span,
every d-th element, one copy into a (N*OH*OW, KH*KW*C) matrix with C innermost) plus one BLAS
matmul (G batched matmuls when grouped); its backprops are one matmul
each, plus a KH*KW-step col2im for the input gradient; pooling loops over the KH*KW window
offsets, each step a few vectorized NumPy operations over the whole output.
"""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from graphflow.errors import InvalidArgumentError, UnimplementedError
from graphflow.ops import rules
from graphflow.ops.registry import OPAQUE, dispatch, register

PADDINGS = ("SAME", "VALID")


# ---------------------------------------------------------------------------------------------
# Geometry shared by the rules and the references


def effective_size(k, dilation):
    """The span of a window of k taps spaced `dilation` apart: (k - 1) * dilation + 1 (None when
    k is unknown). A dilated window is this wide for the padding and output-size arithmetic."""
    return None if k is None else (k - 1) * dilation + 1


def _out_size(in_size, k, stride, padding):
    """The output size along one spatial axis (None when unknown) for a window spanning k
    elements (the effective size of a dilated window); no validation."""
    if in_size is None:
        return None
    if padding == "SAME":
        return -(-in_size // stride)
    if k is None:
        return None
    return max(-(-(in_size - k + 1) // stride), 0)


def _pads(in_size, k, stride, padding):
    """(out, before, after) along one spatial axis, for known sizes (TF's SAME arithmetic)."""
    out = _out_size(in_size, k, stride, padding)
    if padding == "VALID":
        return out, 0, 0
    total = max((out - 1) * stride + k - in_size, 0)
    return out, total // 2, total - total // 2


def _shapes_text(named):
    return ", ".join(f"{what} shape {rules.fmt(shape)}" for what, shape in named)


def check_padding_attr(op, padding):
    """A rule's `padding` attribute (already normalised by _padding): 'SAME' or 'VALID'."""
    if padding not in PADDINGS:
        raise InvalidArgumentError(
            f"{op}: padding must be 'SAME' or 'VALID', got {padding!r}")


def _check_attrs(op, strides, padding, ksize=None, dilations=(1, 1)):
    check_padding_attr(op, padding)
    for what, pair in (("strides", strides), ("ksize", ksize), ("dilations", dilations)):
        if pair is None and what == "ksize":
            continue
        if (not isinstance(pair, tuple) or len(pair) != 2
                or not all(isinstance(v, int) and v >= 1 for v in pair)):
            raise InvalidArgumentError(
                f"{op}: {what} must be a pair of positive ints (height, width), got {pair!r}")


def _rank4(op, what, shape, named):
    """shape as a 4-tuple (all None when the rank is unknown); raises unless the rank is 4."""
    if shape is None:
        return (None,) * 4
    if len(shape) != 4:
        layout = "(kh, kw, in_channels, out_channels)" if what == "filters" else \
            "NHWC (batch, height, width, channels)"
        raise InvalidArgumentError(
            f"{op}: {what} must have rank 4, {layout}, but has rank {len(shape)}; "
            f"{_shapes_text(named)}")
    return tuple(shape)


def _merge(op, a, b, what, named):
    """Two sizes that must agree: the known one (None if neither is), or an error."""
    if a is not None and b is not None and a != b:
        raise InvalidArgumentError(f"{op}: {what} ({a} vs {b}); {_shapes_text(named)}")
    return a if a is not None else b


def _window_out(op, size, k, stride, padding, axis, named, dilation=1):
    """The output size along `axis` ("height"/"width"), checking the window fits."""
    if k is not None and k < 1:
        raise InvalidArgumentError(
            f"{op}: the window {axis} must be at least 1, got {k}; {_shapes_text(named)}")
    span = effective_size(k, dilation)
    if padding == "VALID" and size is not None and span is not None and span > size:
        window = f"{axis} {k}" if dilation == 1 else \
            f"{axis} {k} dilated by {dilation} spans {span}"
        raise InvalidArgumentError(
            f"{op}: the window ({window}) is larger than the input ({axis} {size}) with "
            f"padding 'VALID'; use padding 'SAME' or a smaller window; {_shapes_text(named)}")
    return _out_size(size, span, stride, padding)


def _spatial_out(op, shape, kh, kw, strides, padding, named, dilations=(1, 1)):
    return (_window_out(op, shape[1], kh, strides[0], padding, "height", named, dilations[0]),
            _window_out(op, shape[2], kw, strides[1], padding, "width", named, dilations[1]))


def _check_floats(op, specs, positions):
    for i in positions:
        rules.check_kind(op, specs[i], "f", i)
    first = specs[positions[0]].dtype
    for i in positions[1:]:
        if specs[i].dtype is not first:
            raise InvalidArgumentError(
                f"{op}: input #{i} has dtype {specs[i].dtype.name} but input #{positions[0]} has "
                f"dtype {first.name}; they must match")


def _specs(arrays):
    return [rules.ArraySpec(a) for a in arrays]


# ---------------------------------------------------------------------------------------------
# Shape/dtype rules


def groups_of(op, channels, filter_channels, out_channels, named=()):
    """The number of groups of a convolution whose input has `channels` channels and whose
    filters take `filter_channels` each (None when either is unknown), checked as TF checks it:
    the filters' in_channels must divide the input's channels, and the groups the filters'
    out_channels."""
    if channels is None or filter_channels is None:
        return None
    if channels == 0 and filter_channels == 0:  # no channels at all: one (empty) group
        return 1
    if filter_channels == 0 or channels % filter_channels:
        raise InvalidArgumentError(
            f"{op}: the input's channels (last axis, {channels}) must be evenly divisible by "
            f"the filters' in_channels (axis 2, {filter_channels}): they make the groups of a "
            f"grouped convolution; {_shapes_text(named)}")
    groups = channels // filter_channels
    if out_channels is not None and out_channels % groups:
        raise InvalidArgumentError(
            f"{op}: the filters' out_channels (axis 3, {out_channels}) must be evenly divisible "
            f"by the number of groups ({groups} = {channels} input channels / {filter_channels} "
            f"filter in_channels); {_shapes_text(named)}")
    return groups


def _conv_geometry(op, x_shape, w_shape, strides, padding, named, dilations=(1, 1)):
    """(n, oh, ow, in_channels, out_channels) for an input and a filter, validated. The input's
    channels may be a multiple of the filters' in_channels (a grouped convolution); an
    unknown input channel count stays unknown."""
    n, h, w, c = _rank4(op, "input", x_shape, named)
    kh, kw, ci, co = _rank4(op, "filters", w_shape, named)
    groups_of(op, c, ci, co, named)
    oh, ow = _spatial_out(op, (n, h, w, c), kh, kw, strides, padding, named, dilations)
    return n, oh, ow, c, co


def _conv2d_infer(specs, strides, padding, dilations=(1, 1)):
    x, w = specs
    _check_floats("conv2d", specs, (0, 1))
    _check_attrs("conv2d", strides, padding, dilations=dilations)
    named = (("input", x.shape), ("filters", w.shape))
    n, oh, ow, _, co = _conv_geometry("conv2d", x.shape, w.shape, strides, padding, named,
                                      dilations)
    return [((n, oh, ow, co), x.dtype)]


def _check_dy(op, dy_shape, expected, named):
    """dy must have the forward output's shape (n, oh, ow, c); returns the merged shape."""
    dy = _rank4(op, "dy", dy_shape, named)
    what = ("batch", "output height", "output width", "channels")
    return tuple(_merge(op, d, e, f"dy's {k} does not match the forward output's", named)
                 for d, e, k in zip(dy, expected, what))


def _backprop_input_infer(specs, strides, padding, dilations=(1, 1)):
    op = "conv2d_backprop_input"
    dy, w, like = specs
    _check_floats(op, specs, (0, 1))
    _check_attrs(op, strides, padding, dilations=dilations)
    named = (("dy", dy.shape), ("filters", w.shape), ("input", like.shape))
    n, oh, ow, c, co = _conv_geometry(op, like.shape, w.shape, strides, padding, named,
                                      dilations)
    n, _, _, _ = _check_dy(op, dy.shape, (n, oh, ow, co), named)
    x = _rank4(op, "input", like.shape, named)
    return [((n, x[1], x[2], c), dy.dtype)]


def _backprop_filter_infer(specs, strides, padding, dilations=(1, 1)):
    op = "conv2d_backprop_filter"
    x, dy, like = specs
    _check_floats(op, specs, (0, 1))
    _check_attrs(op, strides, padding, dilations=dilations)
    named = (("input", x.shape), ("dy", dy.shape), ("filters", like.shape))
    n, oh, ow, c, co = _conv_geometry(op, x.shape, like.shape, strides, padding, named,
                                      dilations)
    _, _, _, co = _check_dy(op, dy.shape, (n, oh, ow, co), named)
    kh, kw, ci, _ = _rank4(op, "filters", like.shape, named)
    return [((kh, kw, ci, co), x.dtype)]


def _pool_geometry(op, x_shape, ksize, strides, padding, named):
    n, h, w, c = _rank4(op, "input", x_shape, named)
    oh, ow = _spatial_out(op, (n, h, w, c), ksize[0], ksize[1], strides, padding, named)
    return n, oh, ow, c


def _pool_infer(op, kinds):
    def infer(specs, ksize, strides, padding):
        x = specs[0]
        rules.check_kind(op, x, kinds)
        _check_attrs(op, strides, padding, ksize)
        out = _pool_geometry(op, x.shape, ksize, strides, padding, (("input", x.shape),))
        return [(out, x.dtype)]
    return infer


def _pool_grad_infer(op, x_index, dy_index, dtype_positions):
    """Rules for ops mapping (input-shaped, output-shaped) pairs to an input-shaped result."""
    def infer(specs, ksize, strides, padding):
        x, dy = specs[x_index], specs[dy_index]
        _check_floats(op, specs, dtype_positions)
        _check_attrs(op, strides, padding, ksize)
        named = (("input", x.shape), ("dy", dy.shape))
        expected = _pool_geometry(op, x.shape, ksize, strides, padding, named)
        n, _, _, c = _check_dy(op, dy.shape, expected, named)
        xs = _rank4(op, "input", x.shape, named)
        return [((n, xs[1], xs[2], c), specs[dy_index].dtype)]
    return infer


def _max_pool_grad_grad_infer(specs, ksize, strides, padding):
    op = "max_pool2d_grad_grad"
    x, g = specs
    _check_floats(op, specs, (0, 1))
    _check_attrs(op, strides, padding, ksize)
    named = (("input", x.shape), ("grad", g.shape))
    xs = _rank4(op, "input", x.shape, named)
    gs = _rank4(op, "grad", g.shape, named)
    merged = tuple(_merge(op, a, b, "grad must have the input's shape", named)
                   for a, b in zip(xs, gs))
    n, oh, ow, c = _pool_geometry(op, merged, ksize, strides, padding, named)
    return [((n, oh, ow, c), g.dtype)]


# ---------------------------------------------------------------------------------------------
# NumPy references


def _pad_hw(x, ph, pw, value=0):
    """x padded on the height and width axes by (before, after) pairs, filled with `value`."""
    if not (ph[0] or ph[1] or pw[0] or pw[1]):
        return x
    n, h, w, c = x.shape
    out = np.full((n, h + ph[0] + ph[1], w + pw[0] + pw[1], c), value, dtype=x.dtype)
    out[:, ph[0]:ph[0] + h, pw[0]:pw[0] + w, :] = x
    return out


class _Geometry:
    """Output size and padding of a window op on concrete shapes: kh x kw taps, tap (i, j) of
    the window at output (r, q) reading padded row r * sh + i * dh and column q * sw + j * dw
    (dilations (dh, dw) space the taps; the window spans effective_size(kh, dh) rows, which
    is what TF's SAME/VALID arithmetic measures). Every window op, its references, the CPU
    kernels and the CUDA index maps take their windows from here."""

    __slots__ = ("n", "h", "w", "kh", "kw", "sh", "sw", "dh", "dw", "oh", "ow", "ph", "pw")

    def __init__(self, x_shape, kh, kw, strides, padding, dilations=(1, 1)):
        self.n, self.h, self.w = x_shape[0], x_shape[1], x_shape[2]
        self.kh, self.kw = kh, kw
        self.sh, self.sw = strides
        self.dh, self.dw = dilations
        self.oh, pt, pb = _pads(self.h, effective_size(kh, self.dh), self.sh, padding)
        self.ow, pl, pr = _pads(self.w, effective_size(kw, self.dw), self.sw, padding)
        self.ph, self.pw = (pt, pb), (pl, pr)

    @property
    def empty(self):
        return self.n == 0 or self.oh == 0 or self.ow == 0

    @property
    def padded(self):
        return any(self.ph) or any(self.pw)

    def offsets(self):
        """(flat index, i, j) of every window offset, in row-major window order."""
        return [(i * self.kw + j, i, j) for i in range(self.kh) for j in range(self.kw)]

    def window(self, xp, i, j):
        """The elements at tap (i, j) of every window of the padded xp: (N, OH, OW, C)."""
        i, j = i * self.dh, j * self.dw
        return xp[:, i:i + (self.oh - 1) * self.sh + 1:self.sh,
                  j:j + (self.ow - 1) * self.sw + 1:self.sw, :]

    def crop(self, xp):
        """The unpadded part of an array the shape of the padded input."""
        if not self.padded:
            return xp
        return xp[:, self.ph[0]:self.ph[0] + self.h, self.pw[0]:self.pw[0] + self.w, :].copy()

    def valid(self, i, j):
        """Which windows' offset (i, j) falls inside the image: a (1, OH, OW, 1) bool mask."""
        rows = np.arange(self.oh) * self.sh + i * self.dh - self.ph[0]
        cols = np.arange(self.ow) * self.sw + j * self.dw - self.pw[0]
        ok = ((rows >= 0) & (rows < self.h))[:, None] & ((cols >= 0) & (cols < self.w))[None, :]
        return ok[None, :, :, None]

    def counts(self, dtype):
        """The number of valid elements in every (undilated: pooling) window: a (1, OH, OW, 1)
        array."""
        def along(out, k, s, before, size):
            start = np.arange(out) * s - before
            return np.minimum(start + k, size) - np.maximum(start, 0)
        rows = along(self.oh, self.kh, self.sh, self.ph[0], self.h)
        cols = along(self.ow, self.kw, self.sw, self.pw[0], self.w)
        return (rows[:, None] * cols[None, :]).astype(dtype)[None, :, :, None]


def _im2col(x, g):
    """The (N*OH*OW, KH*KW*C) matrix of every window of x, C innermost (one copy)."""
    c = x.shape[3]
    xp = _pad_hw(x, g.ph, g.pw)
    span = (effective_size(g.kh, g.dh), effective_size(g.kw, g.dw))
    windows = sliding_window_view(xp, span, axis=(1, 2))  # N, H', W', C, span_h, span_w
    windows = windows[:, ::g.sh, ::g.sw][:, :g.oh, :g.ow][..., ::g.dh, ::g.dw]
    return windows.transpose(0, 1, 2, 4, 5, 3).reshape(g.n * g.oh * g.ow, g.kh * g.kw * c)


def _col2im(cols, g, shape):
    """The input-shaped sum of every window's elements in `cols` (N*OH*OW, KH*KW*C), window offset
    by offset (overlapping windows add up in that order)."""
    c = shape[3]
    cols = cols.reshape(g.n, g.oh, g.ow, g.kh, g.kw, c)
    dxp = np.zeros((g.n, g.h + sum(g.ph), g.w + sum(g.pw), c), dtype=cols.dtype)
    for _, i, j in g.offsets():
        g.window(dxp, i, j)[...] += cols[:, :, :, i, j, :]
    return g.crop(dxp)


# The convolutions as window matrices and matmuls. The window copies are parameters: the CPU
# plan passes Numba kernels for them (graphflow/backends/cpu_kernels.py) and keeps the matmuls.

# A grouped convolution (G = input channels / filter in_channels) splits the window matrix's
# channels, the filters' out_channels and dy's channels into G contiguous blocks and multiplies
# block by block, as TF does: group k maps input channels [k*cg, (k+1)*cg) to output channels
# [k*cog, (k+1)*cog). The blocks are one batched matmul; one group keeps the single BLAS matmul.

def _by_group(cols, taps, groups, cg):
    """The (P, taps*G*cg) window matrix as G blocks of columns: (G, P, taps*cg)."""
    p = cols.shape[0]
    return cols.reshape(p, taps, groups, cg).transpose(2, 0, 1, 3).reshape(groups, p, taps * cg)


def _from_groups(blocks, taps, groups, cg):
    """_by_group's inverse: (G, P, taps*cg) -> (P, taps*G*cg)."""
    p = blocks.shape[1]
    return blocks.reshape(groups, p, taps, cg).transpose(1, 2, 0, 3).reshape(p, taps * groups * cg)


def _group_filters(w, groups):
    """HWIO filters (kh, kw, cg, G*cog) as G matrices (G, kh*kw*cg, cog)."""
    kh, kw, cg, co = w.shape
    return w.reshape(kh * kw * cg, groups, co // groups).transpose(1, 0, 2)


def _group_grads(grads, groups):
    """(P, G*cog) -> (G, P, cog)."""
    return grads.reshape(grads.shape[0], groups, -1).transpose(1, 0, 2)


def _groups(x_channels, w):
    return x_channels // w.shape[2] if w.shape[2] else 1


def conv2d_by_windows(x, w, strides, padding, dilations=(1, 1), im2col=_im2col):
    kh, kw, cg, co = w.shape
    g = _Geometry(x.shape, kh, kw, strides, padding, dilations)
    if g.empty:
        return np.zeros((g.n, g.oh, g.ow, co), dtype=x.dtype)
    groups = _groups(x.shape[3], w)
    cols = im2col(x, g)
    if groups == 1:
        out = cols @ w.reshape(kh * kw * cg, co)
    else:
        out = np.matmul(_by_group(cols, kh * kw, groups, cg), _group_filters(w, groups))
        out = out.transpose(1, 0, 2)  # (P, G, cog): output channel k*cog + m
    return out.reshape(g.n, g.oh, g.ow, co)


def backprop_input_by_windows(dy, w, like, strides, padding, dilations=(1, 1), col2im=_col2im):
    kh, kw, cg, co = w.shape
    g = _Geometry(like.shape, kh, kw, strides, padding, dilations)
    if g.empty or like.size == 0:
        return np.zeros(like.shape, dtype=dy.dtype)
    groups = _groups(like.shape[3], w)
    grads = dy.reshape(g.n * g.oh * g.ow, co)
    if groups == 1:
        # One matmul gives every window offset's contribution (a batched matmul with one operand
        # broadcast over the offsets measured several times slower: NumPy does not hand it to
        # BLAS).
        cols = grads @ w.reshape(kh * kw * cg, co).T
    else:
        blocks = np.matmul(_group_grads(grads, groups),
                           _group_filters(w, groups).transpose(0, 2, 1))  # (G, P, K*cg)
        cols = _from_groups(blocks, kh * kw, groups, cg)
    return col2im(cols, g, like.shape)


def backprop_filter_by_windows(x, dy, like, strides, padding, dilations=(1, 1), im2col=_im2col):
    kh, kw, cg, co = like.shape
    g = _Geometry(x.shape, kh, kw, strides, padding, dilations)
    if g.empty:
        return np.zeros(like.shape, dtype=x.dtype)
    groups = _groups(x.shape[3], like)
    grads = dy.reshape(g.n * g.oh * g.ow, co)
    if groups == 1:
        dw = im2col(x, g).T @ grads
    else:
        blocks = np.matmul(_by_group(im2col(x, g), kh * kw, groups, cg).transpose(0, 2, 1),
                           _group_grads(grads, groups))  # (G, K*cg, cog)
        dw = blocks.transpose(1, 0, 2)  # (K*cg, G, cog): filter out_channel k*cog + m
    return dw.reshape(kh, kw, cg, co)


def _conv2d_ref(x, w, strides, padding, dilations=(1, 1)):
    _conv2d_infer(_specs((x, w)), strides, padding, dilations)
    return conv2d_by_windows(x, w, strides, padding, dilations)


def _backprop_input_ref(dy, w, like, strides, padding, dilations=(1, 1)):
    _backprop_input_infer(_specs((dy, w, like)), strides, padding, dilations)
    return backprop_input_by_windows(dy, w, like, strides, padding, dilations)


def _backprop_filter_ref(x, dy, like, strides, padding, dilations=(1, 1)):
    _backprop_filter_infer(_specs((x, dy, like)), strides, padding, dilations)
    return backprop_filter_by_windows(x, dy, like, strides, padding, dilations)


def _lowest(dtype):
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


def _window_max(xp, g):
    out = None
    for _, i, j in g.offsets():
        v = g.window(xp, i, j)
        out = v.copy() if out is None else np.maximum(out, v, out=out)
    return out


def _max_pool_ref(x, ksize, strides, padding):
    _pool_infer("max_pool2d", "fiu")(_specs((x,)), ksize, strides, padding)
    g = _Geometry(x.shape, ksize[0], ksize[1], strides, padding)
    if g.empty:
        return np.zeros((g.n, g.oh, g.ow, x.shape[3]), dtype=x.dtype)
    # Padding holds the dtype's lowest value, and every window has a valid element, so padding
    # never wins.
    return _window_max(_pad_hw(x, g.ph, g.pw, _lowest(x.dtype)), g)


def _first_max(x, g):
    """Yields (i, j, hit) for every window offset, where the bool (N, OH, OW, C) array `hit`
    marks the windows whose first maximum (in row-major window order) is at offset (i, j).
    Padding is never hit; a window whose maximum is NaN has no hit. `hit` is one buffer,
    overwritten at each step."""
    xp = _pad_hw(x, g.ph, g.pw, _lowest(x.dtype))
    m = _window_max(xp, g)
    found = np.zeros(m.shape, dtype=bool)
    hit = np.empty(m.shape, dtype=bool)
    for _, i, j in g.offsets():
        np.equal(g.window(xp, i, j), m, out=hit)
        if g.padded:  # padding equals the maximum when every valid element is the lowest value
            hit &= g.valid(i, j)
        np.greater(hit, found, out=hit)  # hit and not found before
        found |= hit
        yield i, j, hit


def _max_pool_grad_ref(x, dy, ksize, strides, padding):
    _MAX_POOL_GRAD_INFER((rules.ArraySpec(x), rules.ArraySpec(dy)), ksize, strides, padding)
    g = _Geometry(x.shape, ksize[0], ksize[1], strides, padding)
    if g.empty or x.size == 0:
        return np.zeros(x.shape, dtype=dy.dtype)
    dxp = np.zeros((g.n, g.h + sum(g.ph), g.w + sum(g.pw), x.shape[3]), dtype=dy.dtype)
    disjoint = g.sh >= g.kh and g.sw >= g.kw  # each input position is in at most one window
    # dy * hit is dy where hit and 0 elsewhere (several times faster than np.where), except
    # that 0 * inf is NaN: non-finite gradients take the slow path so they reach only the argmax.
    finite = dy.dtype.kind != "f" or bool(np.isfinite(dy).all())
    routed = None if disjoint and finite else np.empty(dy.shape, dtype=dy.dtype)
    for i, j, hit in _first_max(x, g):
        target = g.window(dxp, i, j)
        if finite:
            np.multiply(dy, hit, out=target if disjoint else routed)
        else:
            routed[...] = np.where(hit, dy, dy.dtype.type(0))
        if not disjoint or not finite:
            target += routed
    return g.crop(dxp)


def _max_pool_grad_grad_ref(x, grad, ksize, strides, padding):
    _max_pool_grad_grad_infer(_specs((x, grad)), ksize, strides, padding)
    g = _Geometry(x.shape, ksize[0], ksize[1], strides, padding)
    out = np.zeros((g.n, g.oh, g.ow, x.shape[3]), dtype=grad.dtype)
    if g.empty or out.size == 0:
        return out
    gp = _pad_hw(grad, g.ph, g.pw)
    for i, j, hit in _first_max(x, g):
        np.copyto(out, g.window(gp, i, j), where=hit)
    return out


def _avg_pool_ref(x, ksize, strides, padding):
    _pool_infer("avg_pool2d", "f")(_specs((x,)), ksize, strides, padding)
    g = _Geometry(x.shape, ksize[0], ksize[1], strides, padding)
    if g.empty:
        return np.zeros((g.n, g.oh, g.ow, x.shape[3]), dtype=x.dtype)
    xp = _pad_hw(x, g.ph, g.pw)
    total = None
    for _, i, j in g.offsets():
        v = g.window(xp, i, j)
        total = v.copy() if total is None else np.add(total, v, out=total)
    if g.padded:  # average over the valid elements only, as TF
        return total / g.counts(x.dtype)
    return total / x.dtype.type(g.kh * g.kw)


def _avg_pool_grad_ref(dy, like, ksize, strides, padding):
    _AVG_POOL_GRAD_INFER((rules.ArraySpec(dy), rules.ArraySpec(like)), ksize, strides, padding)
    g = _Geometry(like.shape, ksize[0], ksize[1], strides, padding)
    if g.empty or like.size == 0:
        return np.zeros(like.shape, dtype=dy.dtype)
    share = dy / (g.counts(dy.dtype) if g.padded else dy.dtype.type(g.kh * g.kw))
    dxp = np.zeros((g.n, g.h + sum(g.ph), g.w + sum(g.pw), like.shape[3]), dtype=dy.dtype)
    for _, i, j in g.offsets():
        g.window(dxp, i, j)[...] += share
    return g.crop(dxp)


# ---------------------------------------------------------------------------------------------
# Gradient rules (graphflow ops, so they serve tapes and graphs alike)


def _conv2d_grad(inputs, outputs, dy, strides, padding, dilations=(1, 1), needs=(True, True)):
    x, w = inputs
    attrs = {"strides": strides, "padding": padding, "dilations": dilations}
    dx = dispatch(CONV2D_BACKPROP_INPUT, (dy, w, x), attrs) if needs[0] else None
    dw = dispatch(CONV2D_BACKPROP_FILTER, (x, dy, w), attrs) if needs[1] else None
    return dx, dw


def _backprop_input_grad(inputs, outputs, g, strides, padding, dilations=(1, 1),
                         needs=(True, True, False)):
    # <backprop_input(dy, w), g> = <dy, conv2d(g, w)>: linear in dy and in w.
    dy, w, _ = inputs
    attrs = {"strides": strides, "padding": padding, "dilations": dilations}
    ddy = dispatch(CONV2D, (g, w), attrs) if needs[0] else None
    dw = dispatch(CONV2D_BACKPROP_FILTER, (g, dy, w), attrs) if needs[1] else None
    return ddy, dw, None


def _backprop_filter_grad(inputs, outputs, g, strides, padding, dilations=(1, 1),
                          needs=(True, True, False)):
    # <backprop_filter(x, dy), g> = <dy, conv2d(x, g)> = <backprop_input(dy, g), x>.
    x, dy, _ = inputs
    attrs = {"strides": strides, "padding": padding, "dilations": dilations}
    dx = dispatch(CONV2D_BACKPROP_INPUT, (dy, g, x), attrs) if needs[0] else None
    ddy = dispatch(CONV2D, (x, g), attrs) if needs[1] else None
    return dx, ddy, None


def _max_pool_grad(inputs, outputs, dy, ksize, strides, padding):
    attrs = {"ksize": ksize, "strides": strides, "padding": padding}
    return (dispatch(MAX_POOL2D_GRAD, (inputs[0], dy), attrs),)


def _max_pool_grad_grad(inputs, outputs, g, ksize, strides, padding):
    # Linear in dy; piecewise constant in x (the argmax moves only at ties): no x gradient.
    attrs = {"ksize": ksize, "strides": strides, "padding": padding}
    return None, dispatch(MAX_POOL2D_GRAD_GRAD, (inputs[0], g), attrs)


def _max_pool_grad_grad_grad(inputs, outputs, g, ksize, strides, padding):
    attrs = {"ksize": ksize, "strides": strides, "padding": padding}
    return None, dispatch(MAX_POOL2D_GRAD, (inputs[0], g), attrs)


def _avg_pool_grad(inputs, outputs, dy, ksize, strides, padding):
    attrs = {"ksize": ksize, "strides": strides, "padding": padding}
    return (dispatch(AVG_POOL2D_GRAD, (dy, inputs[0]), attrs),)


def _avg_pool_grad_grad(inputs, outputs, g, ksize, strides, padding):
    # avg_pool2d_grad is avg_pool2d's adjoint, and the reverse.
    attrs = {"ksize": ksize, "strides": strides, "padding": padding}
    return dispatch(AVG_POOL2D, (g,), attrs), None


# ---------------------------------------------------------------------------------------------
# Registration

_MAX_POOL_GRAD_INFER = _pool_grad_infer("max_pool2d_grad", 0, 1, (0, 1))
_AVG_POOL_GRAD_INFER = _pool_grad_infer("avg_pool2d_grad", 1, 0, (0,))

CONV2D = register("conv2d", OPAQUE, _conv2d_infer, _conv2d_ref, _conv2d_grad,
                  same_dtype=(0, 1), grad_takes_needs=True,
                  doc="2-D convolution (TF's cross-correlation), NHWC input, HWIO filters")
CONV2D_BACKPROP_INPUT = register(
    "conv2d_backprop_input", OPAQUE, _backprop_input_infer, _backprop_input_ref,
    _backprop_input_grad, same_dtype=(0, 1), grad_takes_needs=True,
    doc="conv2d's gradient with respect to its input (the transposed convolution)")
CONV2D_BACKPROP_FILTER = register(
    "conv2d_backprop_filter", OPAQUE, _backprop_filter_infer, _backprop_filter_ref,
    _backprop_filter_grad, same_dtype=(0, 1), grad_takes_needs=True,
    doc="conv2d's gradient with respect to its filters")
MAX_POOL2D = register("max_pool2d", OPAQUE, _pool_infer("max_pool2d", "fiu"), _max_pool_ref,
                      _max_pool_grad, doc="maximum over each window")
MAX_POOL2D_GRAD = register(
    "max_pool2d_grad", OPAQUE, _MAX_POOL_GRAD_INFER, _max_pool_grad_ref, _max_pool_grad_grad,
    same_dtype=(0, 1), doc="routes each window's gradient to its first maximum")
MAX_POOL2D_GRAD_GRAD = register(
    "max_pool2d_grad_grad", OPAQUE, _max_pool_grad_grad_infer, _max_pool_grad_grad_ref,
    _max_pool_grad_grad_grad, same_dtype=(0, 1),
    doc="gathers an input-shaped tensor at each window's first maximum (max_pool2d_grad's adjoint)")
AVG_POOL2D = register("avg_pool2d", OPAQUE, _pool_infer("avg_pool2d", "f"), _avg_pool_ref,
                      _avg_pool_grad, doc="mean over the valid elements of each window")
AVG_POOL2D_GRAD = register(
    "avg_pool2d_grad", OPAQUE, _AVG_POOL_GRAD_INFER, _avg_pool_grad_ref, _avg_pool_grad_grad,
    doc="spreads each window's gradient evenly over its valid elements")


# ---------------------------------------------------------------------------------------------
# Public functions (tf.nn.*)


def _pair(op, what, value):
    """An int, [v], [h, w] or [1, h, w, 1] as a (h, w) pair of positive ints."""
    if hasattr(value, "numpy"):
        value = value.numpy()
    if isinstance(value, np.ndarray):
        value = value.tolist()
    items = [value] if isinstance(value, (int, np.integer)) else value
    try:
        items = list(items)
    except TypeError:
        items = None
    if items is None or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                                for v in items) or len(items) not in (1, 2, 4):
        raise InvalidArgumentError(
            f"{op}: {what} must be an int or a list of 1, 2 or 4 ints, got {value!r}")
    items = [int(v) for v in items]
    if len(items) == 4:
        if items[0] != 1 or items[3] != 1:
            raise UnimplementedError(
                f"{op}: {what} {items} move along the batch or channel axis; only "
                f"[1, {what}_height, {what}_width, 1] is supported (NHWC)")
        items = items[1:3]
    if len(items) == 1:
        items = items * 2
    if any(v < 1 for v in items):
        raise InvalidArgumentError(f"{op}: {what} must be positive, got {value!r}")
    return tuple(items)


def _padding(op, padding):
    if isinstance(padding, str):
        upper = padding.upper()
        if upper == "EXPLICIT":
            raise UnimplementedError(f"{op}: explicit padding is not supported; use 'SAME', "
                                     f"'VALID', or tf.pad before a 'VALID' {op}")
        if upper not in PADDINGS:
            raise InvalidArgumentError(f"{op}: padding must be 'SAME' or 'VALID', got {padding!r}")
        return upper
    if isinstance(padding, (list, tuple)):
        raise UnimplementedError(f"{op}: explicit padding {padding!r} is not supported; use "
                                 f"'SAME', 'VALID', or tf.pad before a 'VALID' {op}")
    raise InvalidArgumentError(f"{op}: padding must be 'SAME' or 'VALID', got {padding!r}")


def check_channels_last(op, data_format, last, first, why):
    """TF's `data_format` argument for an op that runs only on channels-last inputs (`last`,
    e.g. "NHWC"): None, `last` or "channels_last" pass; `first` ("NCHW") or "channels_first"
    is not implemented (`why` says what graphflow takes); anything else is invalid.

        >>> check_channels_last("conv1d", "NCW", "NWC", "NCW", "use NWC")
        Traceback (most recent call last):
        ...
        graphflow.errors.UnimplementedError: conv1d: data_format 'NCW' is not supported; use NWC
    """
    if data_format is None or data_format in (last, "channels_last"):
        return
    if data_format in (first, "channels_first"):
        raise UnimplementedError(f"{op}: data_format {data_format!r} is not supported; {why}")
    raise InvalidArgumentError(f"{op}: data_format must be '{last}', got {data_format!r}")


def _data_format(op, data_format):
    check_channels_last(op, data_format, "NHWC", "NCHW",
                        "graphflow images are NHWC (channels_last): transpose with "
                        "tf.transpose(x, [0, 2, 3, 1]) first")


def conv2d(input, filters, strides, padding, data_format="NHWC", dilations=None,  # noqa: A002
           name=None):
    """2-D convolution (cross-correlation, as TF) of NHWC `input` with `filters` shaped
    (kh, kw, in_channels, out_channels); `strides` and `dilations` are ints, [h, w] or
    [1, h, w, 1], and `padding` "SAME" or "VALID".

        >>> y = tf.nn.conv2d(tf.ones((1, 4, 4, 1)), tf.ones((3, 3, 1, 1)), 1, "VALID")
        >>> y.numpy()[0, :, :, 0]
        array([[9., 9.],
               [9., 9.]], dtype=float32)

    Dilation d spaces the filter's taps d apart (an atrous convolution: a 3 x 3 filter with
    dilation 2 spans 5 x 5, and SAME/VALID measure that span). Strides and dilations may both
    exceed 1, as in TF's Conv2D kernel.

        >>> tf.nn.conv2d(tf.ones((1, 7, 7, 1)), tf.ones((3, 3, 1, 1)), 1, "VALID",
        ...              dilations=2).shape
        TensorShape([1, 3, 3, 1])

    Filters whose in_channels divide the input's channels make a grouped convolution, as in
    TF: G = channels / in_channels groups, group k convolving input channels
    [k * in_channels, (k + 1) * in_channels) into its out_channels / G output channels.

        >>> tf.nn.conv2d(tf.ones((1, 3, 3, 4)), tf.ones((1, 1, 2, 6)), 1, "VALID").numpy()[0, 0, 0]
        array([2., 2., 2., 2., 2., 2.], dtype=float32)
    """
    _data_format("conv2d", data_format)
    attrs = {"strides": _pair("conv2d", "strides", strides),
             "padding": _padding("conv2d", padding),
             "dilations": dilations_pair("conv2d", dilations)}
    return dispatch(CONV2D, (input, filters), attrs, name)


def dilations_pair(op, dilations):
    """TF's `dilations` (None, an int, [d], [dh, dw] or [1, dh, dw, 1]) as a (dh, dw) pair;
    dilating the batch or channel axis is TF's InvalidArgumentError."""
    if dilations is None:
        return (1, 1)
    if hasattr(dilations, "numpy"):
        dilations = dilations.numpy()
    if isinstance(dilations, (list, tuple, np.ndarray)) and len(dilations) == 4 and \
            all(isinstance(v, (int, np.integer)) for v in dilations) and \
            (int(dilations[0]) != 1 or int(dilations[3]) != 1):
        raise InvalidArgumentError(
            f"{op}: dilations {list(dilations)} dilate the batch or channel axis; TF does not "
            "support dilations in the batch and depth dimensions ([1, dh, dw, 1], NHWC)")
    return _pair(op, "dilations", dilations)


def _pool(op_def, op, input, ksize, strides, padding, data_format, name):  # noqa: A002
    _data_format(op, data_format)
    attrs = {"ksize": _pair(op, "ksize", ksize), "strides": _pair(op, "strides", strides),
             "padding": _padding(op, padding)}
    return dispatch(op_def, (input,), attrs, name)


def max_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):  # noqa: A002
    """The maximum of each (kh, kw) window of NHWC `input`; `ksize` and `strides` are ints,
    [h, w] or [1, h, w, 1]. Padding never wins; the gradient goes to each window's first
    maximum.

        >>> x = tf.reshape(tf.range(16.0), (1, 4, 4, 1))
        >>> tf.nn.max_pool2d(x, 2, 2, "VALID").numpy()[0, :, :, 0]
        array([[ 5.,  7.],
               [13., 15.]], dtype=float32)
    """
    return _pool(MAX_POOL2D, "max_pool2d", input, ksize, strides, padding, data_format, name)


def avg_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):  # noqa: A002
    """The mean of each (kh, kw) window of NHWC `input`; with "SAME" padding, only the valid
    (non-padding) elements of a window are averaged, as TF does.

        >>> x = tf.ones((1, 3, 3, 1))
        >>> tf.nn.avg_pool2d(x, 2, 1, "SAME").numpy()[0, :, :, 0]
        array([[1., 1., 1.],
               [1., 1., 1.],
               [1., 1., 1.]], dtype=float32)
    """
    return _pool(AVG_POOL2D, "avg_pool2d", input, ksize, strides, padding, data_format, name)


max_pool = max_pool2d
avg_pool = avg_pool2d
