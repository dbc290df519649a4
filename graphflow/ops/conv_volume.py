"""3-D (volumetric, NDHWC) pooling and the transposed 3-D convolution, with TF's semantics:
tf.nn.max_pool3d, avg_pool3d, conv3d_transpose, and tf.nn.pool / max_pool / avg_pool choosing
the 1-, 2- or 3-D op by the input's rank, as TF's do.

    >>> import graphflow as tf
    >>> x = tf.ones((1, 4, 5, 6, 2))
    >>> tf.nn.max_pool3d(x, ksize=2, strides=2, padding="SAME").shape
    TensorShape([1, 2, 3, 3, 2])
    >>> tf.nn.conv3d_transpose(tf.ones((1, 2, 2, 2, 3)), tf.ones((2, 2, 2, 4, 3)),
    ...                        [1, 4, 4, 4, 4], strides=2).shape
    TensorShape([1, 4, 4, 4, 4])

Primitives, each with a shape/dtype rule, a NumPy reference and a gradient rule in these ops:

    max_pool3d(x)          max_pool3d_grad(x, dy)          max_pool3d_grad_grad(x, g)
    avg_pool3d(x)          avg_pool3d_grad(dy, like_x)
    conv3d_backprop_input(dy, w, like_x)                   conv3d_backprop_filter(x, dy, like_w)

They are conv.py's 2-D ops with a depth axis: the same SAME/VALID arithmetic (conv._pads) on
each of the three spatial axes, the gradient of max pooling routed to each window's first
maximum in (depth, row, column) window order as TF's MaxPool3DGrad does, average pooling over
the valid (non-padding) elements of a window. tf.nn.conv3d stays a composite of conv2d over
depth slices (nn_extra.py); its two backprops are primitives here because conv3d_transpose is
one of them, and each is the other's and conv3d's adjoint, so every derivative is exact
(the convolution is bilinear). The `like_*` inputs only lend their shape.

The references loop over the window taps (kd * kh * kw steps), each step a few vectorized
NumPy operations over the whole output (one batched matmul per tap for the convolutions).
No fused or Numba kernels: compiled graphs run these references.
"""
import itertools

import numpy as np

from graphflow.errors import InvalidArgumentError, UnimplementedError
from graphflow.ops import conv, rules
from graphflow.ops.registry import OPAQUE, dispatch, register

_AXES = ("depth", "height", "width")
_LAYOUT = "NDHWC (batch, depth, height, width, channels)"


# ---------------------------------------------------------------------------------------------
# Shape/dtype rules


def _check_attrs(op, strides, padding, ksize=None, dilations=(1, 1, 1)):
    conv.check_padding_attr(op, padding)
    for what, triple in (("strides", strides), ("ksize", ksize), ("dilations", dilations)):
        if triple is None and what == "ksize":
            continue
        if (not isinstance(triple, tuple) or len(triple) != 3
                or not all(isinstance(v, int) and v >= 1 for v in triple)):
            raise InvalidArgumentError(
                f"{op}: {what} must be three positive ints (depth, height, width), got "
                f"{triple!r}")


def _rank5(op, what, shape, named):
    if shape is None:
        return (None,) * 5
    if len(shape) != 5:
        layout = "(kd, kh, kw, in_channels, out_channels)" if what == "filters" else _LAYOUT
        raise InvalidArgumentError(
            f"{op}: {what} must have rank 5, {layout}, but has rank {len(shape)}; "
            f"{conv._shapes_text(named)}")
    return tuple(shape)


def _spatial_out(op, shape, ksize, strides, padding, named, dilations=(1, 1, 1)):
    return tuple(conv._window_out(op, shape[1 + a], ksize[a], strides[a], padding, _AXES[a],
                                  named, dilations[a]) for a in range(3))


def _check_dy(op, dy_shape, expected, named):
    dy = _rank5(op, "dy", dy_shape, named)
    what = ("batch", "output depth", "output height", "output width", "channels")
    return tuple(conv._merge(op, d, e, f"dy's {k} does not match the forward output's", named)
                 for d, e, k in zip(dy, expected, what))


def _conv_geometry(op, x_shape, w_shape, strides, padding, named, dilations):
    """(n, od, oh, ow, in_channels, out_channels), validated (grouped filters allowed)."""
    n, *_, c = x = _rank5(op, "input", x_shape, named)
    kd, kh, kw, ci, co = _rank5(op, "filters", w_shape, named)
    conv.groups_of(op, c, ci, co, named)
    od, oh, ow = _spatial_out(op, x, (kd, kh, kw), strides, padding, named, dilations)
    return n, od, oh, ow, c, co


def _backprop_input_infer(specs, strides, padding, dilations=(1, 1, 1)):
    op = "conv3d_backprop_input"
    dy, w, like = specs
    conv._check_floats(op, specs, (0, 1))
    _check_attrs(op, strides, padding, dilations=dilations)
    named = (("dy", dy.shape), ("filters", w.shape), ("input", like.shape))
    n, od, oh, ow, c, co = _conv_geometry(op, like.shape, w.shape, strides, padding, named,
                                          dilations)
    n = _check_dy(op, dy.shape, (n, od, oh, ow, co), named)[0]
    x = _rank5(op, "input", like.shape, named)
    return [((n, x[1], x[2], x[3], c), dy.dtype)]


def _backprop_filter_infer(specs, strides, padding, dilations=(1, 1, 1)):
    op = "conv3d_backprop_filter"
    x, dy, like = specs
    conv._check_floats(op, specs, (0, 1))
    _check_attrs(op, strides, padding, dilations=dilations)
    named = (("input", x.shape), ("dy", dy.shape), ("filters", like.shape))
    n, od, oh, ow, c, co = _conv_geometry(op, x.shape, like.shape, strides, padding, named,
                                          dilations)
    co = _check_dy(op, dy.shape, (n, od, oh, ow, co), named)[4]
    kd, kh, kw, ci, _ = _rank5(op, "filters", like.shape, named)
    return [((kd, kh, kw, ci, co), x.dtype)]


def _pool_geometry(op, x_shape, ksize, strides, padding, named):
    x = _rank5(op, "input", x_shape, named)
    return (x[0], *_spatial_out(op, x, ksize, strides, padding, named), x[4])


def _pool_infer(op):
    def infer(specs, ksize, strides, padding):
        x = specs[0]
        rules.check_kind(op, x, "f")
        _check_attrs(op, strides, padding, ksize)
        return [(_pool_geometry(op, x.shape, ksize, strides, padding, (("input", x.shape),)),
                 x.dtype)]
    return infer


def _pool_grad_infer(op, x_index, dy_index, dtype_positions):
    def infer(specs, ksize, strides, padding):
        x, dy = specs[x_index], specs[dy_index]
        conv._check_floats(op, specs, dtype_positions)
        _check_attrs(op, strides, padding, ksize)
        named = (("input", x.shape), ("dy", dy.shape))
        expected = _pool_geometry(op, x.shape, ksize, strides, padding, named)
        merged = _check_dy(op, dy.shape, expected, named)
        xs = _rank5(op, "input", x.shape, named)
        return [((merged[0], xs[1], xs[2], xs[3], merged[4]), dy.dtype)]
    return infer


def _max_pool_grad_grad_infer(specs, ksize, strides, padding):
    op = "max_pool3d_grad_grad"
    x, g = specs
    conv._check_floats(op, specs, (0, 1))
    _check_attrs(op, strides, padding, ksize)
    named = (("input", x.shape), ("grad", g.shape))
    merged = tuple(conv._merge(op, a, b, "grad must have the input's shape", named)
                   for a, b in zip(_rank5(op, "input", x.shape, named),
                                   _rank5(op, "grad", g.shape, named)))
    return [(_pool_geometry(op, merged, ksize, strides, padding, named), g.dtype)]


# ---------------------------------------------------------------------------------------------
# NumPy references


class _Geometry:
    """Output sizes and paddings of a 3-D window op on concrete shapes: tap (i, j, k) of the
    window at output (a, b, e) reads padded element (a * sd + i * dd, b * sh + j * dh,
    e * sw + k * dw), the per-axis arithmetic of conv._Geometry."""

    def __init__(self, x_shape, ksize, strides, padding, dilations=(1, 1, 1)):
        self.n, self.size = x_shape[0], tuple(x_shape[1:4])
        self.ksize, self.strides, self.dilations = ksize, strides, dilations
        pads = [conv._pads(s, conv.effective_size(k, d), st, padding)
                for s, k, st, d in zip(self.size, ksize, strides, dilations)]
        self.out = tuple(p[0] for p in pads)
        self.pads = tuple((p[1], p[2]) for p in pads)

    @property
    def empty(self):
        return self.n == 0 or 0 in self.out

    @property
    def padded(self):
        return any(any(p) for p in self.pads)

    def out_shape(self, channels):
        return (self.n, *self.out, channels)

    def padded_shape(self, channels):
        return (self.n, *(s + sum(p) for s, p in zip(self.size, self.pads)), channels)

    def pad(self, x, value=0):
        if not self.padded:
            return x
        out = np.full(self.padded_shape(x.shape[4]), value, dtype=x.dtype)
        out[self._inner()] = x
        return out

    def _inner(self):
        return (slice(None),) + tuple(slice(p[0], p[0] + s) for s, p in zip(self.size, self.pads)) \
            + (slice(None),)

    def crop(self, xp):
        return xp[self._inner()].copy() if self.padded else xp

    def taps(self):
        """Every window offset (i, j, k), in (depth, row, column) window order."""
        return itertools.product(*(range(k) for k in self.ksize))

    def window(self, xp, tap):
        """The elements at `tap` of every window of the padded xp: (N, OD, OH, OW, C)."""
        index = [slice(None)]
        for t, d, o, s in zip(tap, self.dilations, self.out, self.strides):
            index.append(slice(t * d, t * d + (o - 1) * s + 1, s))
        return xp[tuple(index + [slice(None)])]

    def _along(self, axis, tap):
        pos = np.arange(self.out[axis]) * self.strides[axis] + tap * self.dilations[axis] \
            - self.pads[axis][0]
        return (pos >= 0) & (pos < self.size[axis])

    def valid(self, tap):
        """Which windows' `tap` falls inside the volume: a (1, OD, OH, OW, 1) bool mask."""
        d, h, w = (self._along(a, t) for a, t in enumerate(tap))
        return (d[:, None, None] & h[None, :, None] & w[None, None, :])[None, ..., None]

    def counts(self, dtype):
        """The number of valid elements of every (undilated) window: (1, OD, OH, OW, 1)."""
        per_axis = []
        for a in range(3):
            start = np.arange(self.out[a]) * self.strides[a] - self.pads[a][0]
            per_axis.append(np.minimum(start + self.ksize[a], self.size[a])
                            - np.maximum(start, 0))
        d, h, w = per_axis
        return (d[:, None, None] * h[None, :, None] * w[None, None, :]).astype(dtype)[
            None, ..., None]


def _lowest(dtype):
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


def _window_max(xp, g):
    out = None
    for tap in g.taps():
        v = g.window(xp, tap)
        out = v.copy() if out is None else np.fmax(out, v, out=out)
    # fmax skips NaN; a window holding NaN is NaN, as TF's
    nan = None
    if xp.dtype.kind == "f":
        for tap in g.taps():
            isn = np.isnan(g.window(xp, tap))
            nan = isn if nan is None else nan | isn
        out[nan] = np.nan
    return out


def _max_pool_ref(x, ksize, strides, padding):
    _pool_infer("max_pool3d")(conv._specs((x,)), ksize, strides, padding)
    g = _Geometry(x.shape, ksize, strides, padding)
    if g.empty or x.size == 0:
        return np.zeros(g.out_shape(x.shape[4]), dtype=x.dtype)
    return _window_max(g.pad(x, _lowest(x.dtype)), g)


def _first_max(x, g):
    """Yields (tap, hit): `hit` (N, OD, OH, OW, C) marks the windows whose first maximum in
    window order is at `tap`; padding and windows whose maximum is NaN are never hit."""
    xp = g.pad(x, _lowest(x.dtype))
    m = _window_max(xp, g)
    found = np.zeros(m.shape, dtype=bool)
    for tap in g.taps():
        hit = g.window(xp, tap) == m
        if g.padded:  # padding equals the maximum when every valid element is the lowest
            hit &= g.valid(tap)
        hit &= ~found
        found |= hit
        yield tap, hit


def _max_pool_grad_ref(x, dy, ksize, strides, padding):
    _MAX_POOL_GRAD_INFER(conv._specs((x, dy)), ksize, strides, padding)
    g = _Geometry(x.shape, ksize, strides, padding)
    if g.empty or x.size == 0:
        return np.zeros(x.shape, dtype=dy.dtype)
    dxp = np.zeros(g.padded_shape(x.shape[4]), dtype=dy.dtype)
    zero = dy.dtype.type(0)
    for tap, hit in _first_max(x, g):
        g.window(dxp, tap)[...] += np.where(hit, dy, zero)
    return g.crop(dxp)


def _max_pool_grad_grad_ref(x, grad, ksize, strides, padding):
    _max_pool_grad_grad_infer(conv._specs((x, grad)), ksize, strides, padding)
    g = _Geometry(x.shape, ksize, strides, padding)
    out = np.zeros(g.out_shape(x.shape[4]), dtype=grad.dtype)
    if g.empty or out.size == 0:
        return out
    gp = g.pad(grad)
    for tap, hit in _first_max(x, g):
        np.copyto(out, g.window(gp, tap), where=hit)
    return out


def _avg_pool_ref(x, ksize, strides, padding):
    _pool_infer("avg_pool3d")(conv._specs((x,)), ksize, strides, padding)
    g = _Geometry(x.shape, ksize, strides, padding)
    if g.empty or x.size == 0:
        return np.zeros(g.out_shape(x.shape[4]), dtype=x.dtype)
    xp = g.pad(x)
    total = np.zeros(g.out_shape(x.shape[4]), dtype=x.dtype)
    for tap in g.taps():
        total += g.window(xp, tap)
    return (total / g.counts(x.dtype)).astype(x.dtype, copy=False)


def _avg_pool_grad_ref(dy, like, ksize, strides, padding):
    _AVG_POOL_GRAD_INFER(conv._specs((dy, like)), ksize, strides, padding)
    g = _Geometry(like.shape, ksize, strides, padding)
    if g.empty or like.size == 0:
        return np.zeros(like.shape, dtype=dy.dtype)
    share = (dy / g.counts(dy.dtype)).astype(dy.dtype, copy=False)
    dxp = np.zeros(g.padded_shape(like.shape[4]), dtype=dy.dtype)
    for tap in g.taps():
        g.window(dxp, tap)[...] += share
    return g.crop(dxp)


def _groups(channels, filter_channels):
    return channels // filter_channels if filter_channels else 1


def _backprop_input_ref(dy, w, like, strides, padding, dilations=(1, 1, 1)):
    _backprop_input_infer(conv._specs((dy, w, like)), strides, padding, dilations)
    g = _Geometry(like.shape, w.shape[:3], strides, padding, dilations)
    c, (ci, co) = like.shape[4], w.shape[3:]
    if g.empty or like.size == 0 or co == 0 or ci == 0:
        return np.zeros(like.shape, dtype=dy.dtype)
    groups = _groups(c, ci)
    cg = co // groups
    m = g.n * int(np.prod(g.out))
    dy_g = dy.reshape(m, groups, cg).transpose(1, 0, 2)  # (G, M, cg)
    dxp = np.zeros(g.padded_shape(c), dtype=dy.dtype)
    for tap in g.taps():
        w_g = w[tap].reshape(ci, groups, cg).transpose(1, 2, 0)  # (G, cg, ci)
        part = np.matmul(dy_g, w_g).transpose(1, 0, 2).reshape(g.out_shape(c))
        g.window(dxp, tap)[...] += part
    return g.crop(dxp)


def _backprop_filter_ref(x, dy, like, strides, padding, dilations=(1, 1, 1)):
    _backprop_filter_infer(conv._specs((x, dy, like)), strides, padding, dilations)
    g = _Geometry(x.shape, like.shape[:3], strides, padding, dilations)
    c, (ci, co) = x.shape[4], like.shape[3:]
    out = np.zeros(like.shape, dtype=x.dtype)
    if g.empty or x.size == 0 or out.size == 0:
        return out
    groups = _groups(c, ci)
    cg = co // groups
    m = g.n * int(np.prod(g.out))
    dy_g = dy.reshape(m, groups, cg).transpose(1, 0, 2)  # (G, M, cg)
    xp = g.pad(x)
    for tap in g.taps():
        x_g = g.window(xp, tap).reshape(m, groups, ci).transpose(1, 2, 0)  # (G, ci, M)
        out[tap] = np.matmul(x_g, dy_g).transpose(1, 0, 2).reshape(ci, co)
    return out


# ---------------------------------------------------------------------------------------------
# Gradient rules (graphflow ops, so they serve tapes and graphs alike)


def _conv3d(x, w, strides, padding, dilations):
    from graphflow.ops.nn_extra import conv3d
    return conv3d(x, w, [1, *strides, 1], padding, dilations=[1, *dilations, 1])


def _backprop_input_grad(inputs, outputs, g, strides, padding, dilations=(1, 1, 1),
                         needs=(True, True, False)):
    # <backprop_input(dy, w), g> = <dy, conv3d(g, w)>: linear in dy and in w.
    dy, w, _ = inputs
    attrs = {"strides": strides, "padding": padding, "dilations": dilations}
    ddy = _conv3d(g, w, strides, padding, dilations) if needs[0] else None
    dw = dispatch(CONV3D_BACKPROP_FILTER, (g, dy, w), attrs) if needs[1] else None
    return ddy, dw, None


def _backprop_filter_grad(inputs, outputs, g, strides, padding, dilations=(1, 1, 1),
                          needs=(True, True, False)):
    # <backprop_filter(x, dy), g> = <dy, conv3d(x, g)> = <backprop_input(dy, g), x>.
    x, dy, _ = inputs
    attrs = {"strides": strides, "padding": padding, "dilations": dilations}
    dx = dispatch(CONV3D_BACKPROP_INPUT, (dy, g, x), attrs) if needs[0] else None
    ddy = _conv3d(x, g, strides, padding, dilations) if needs[1] else None
    return dx, ddy, None


def _pool_attrs(ksize, strides, padding):
    return {"ksize": ksize, "strides": strides, "padding": padding}


def _max_pool_grad(inputs, outputs, dy, ksize, strides, padding):
    return (dispatch(MAX_POOL3D_GRAD, (inputs[0], dy), _pool_attrs(ksize, strides, padding)),)


def _max_pool_grad_grad(inputs, outputs, g, ksize, strides, padding):
    # Linear in dy; piecewise constant in x (the argmax moves only at ties): no x gradient.
    return None, dispatch(MAX_POOL3D_GRAD_GRAD, (inputs[0], g),
                          _pool_attrs(ksize, strides, padding))


def _max_pool_grad_grad_grad(inputs, outputs, g, ksize, strides, padding):
    return None, dispatch(MAX_POOL3D_GRAD, (inputs[0], g), _pool_attrs(ksize, strides, padding))


def _avg_pool_grad(inputs, outputs, dy, ksize, strides, padding):
    return (dispatch(AVG_POOL3D_GRAD, (dy, inputs[0]), _pool_attrs(ksize, strides, padding)),)


def _avg_pool_grad_grad(inputs, outputs, g, ksize, strides, padding):
    # avg_pool3d_grad is avg_pool3d's adjoint, and the reverse.
    return dispatch(AVG_POOL3D, (g,), _pool_attrs(ksize, strides, padding)), None


# ---------------------------------------------------------------------------------------------
# Registration

_MAX_POOL_GRAD_INFER = _pool_grad_infer("max_pool3d_grad", 0, 1, (0, 1))
_AVG_POOL_GRAD_INFER = _pool_grad_infer("avg_pool3d_grad", 1, 0, (0,))

CONV3D_BACKPROP_INPUT = register(
    "conv3d_backprop_input", OPAQUE, _backprop_input_infer, _backprop_input_ref,
    _backprop_input_grad, same_dtype=(0, 1), grad_takes_needs=True,
    doc="conv3d's gradient with respect to its input (the transposed 3-D convolution)")
CONV3D_BACKPROP_FILTER = register(
    "conv3d_backprop_filter", OPAQUE, _backprop_filter_infer, _backprop_filter_ref,
    _backprop_filter_grad, same_dtype=(0, 1), grad_takes_needs=True,
    doc="conv3d's gradient with respect to its filters")
MAX_POOL3D = register("max_pool3d", OPAQUE, _pool_infer("max_pool3d"), _max_pool_ref,
                      _max_pool_grad, doc="maximum over each (d, h, w) window")
MAX_POOL3D_GRAD = register(
    "max_pool3d_grad", OPAQUE, _MAX_POOL_GRAD_INFER, _max_pool_grad_ref, _max_pool_grad_grad,
    same_dtype=(0, 1), doc="routes each 3-D window's gradient to its first maximum")
MAX_POOL3D_GRAD_GRAD = register(
    "max_pool3d_grad_grad", OPAQUE, _max_pool_grad_grad_infer, _max_pool_grad_grad_ref,
    _max_pool_grad_grad_grad, same_dtype=(0, 1),
    doc="gathers an input-shaped tensor at each 3-D window's first maximum")
AVG_POOL3D = register("avg_pool3d", OPAQUE, _pool_infer("avg_pool3d"), _avg_pool_ref,
                      _avg_pool_grad, doc="mean over the valid elements of each (d, h, w) window")
AVG_POOL3D_GRAD = register(
    "avg_pool3d_grad", OPAQUE, _AVG_POOL_GRAD_INFER, _avg_pool_grad_ref, _avg_pool_grad_grad,
    doc="spreads each 3-D window's gradient evenly over its valid elements")


# ---------------------------------------------------------------------------------------------
# Public functions (tf.nn.*)


def _ints(value):
    if hasattr(value, "numpy"):
        value = value.numpy()
    if isinstance(value, np.ndarray):
        value = value.tolist()
    items = [value] if isinstance(value, (int, np.integer)) else value
    try:
        items = list(items)
    except TypeError:
        return None
    if not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in items):
        return None
    return [int(v) for v in items]


def _triple(op, what, value, error=InvalidArgumentError):
    """TF's 3-D ksize/strides/dilations: an int, [v], [d, h, w] or [1, d, h, w, 1]."""
    items = _ints(value)
    if items is None or len(items) not in (1, 3, 5):
        raise error(f"{op}: {what} should be of length 1, 3 or 5. Received: {what}={value!r}")
    if len(items) == 5:
        if items[0] != 1:
            raise UnimplementedError(
                f"{op}: {what} {items}: pooling and convolution are not supported on the batch "
                "dimension; use [1, d, h, w, 1] (NDHWC)")
        if items[4] != 1:
            raise UnimplementedError(
                f"{op}: {what} {items}: pooling and convolution are not supported on the depth "
                "(channel) dimension; use [1, d, h, w, 1] (NDHWC)")
        items = items[1:4]
    if len(items) == 1:
        items = items * 3
    if min(items) < 1:
        raise InvalidArgumentError(f"{op}: {what} must be positive, got {value!r}")
    return tuple(items)


def _data_format(op, data_format):
    conv.check_channels_last(op, data_format, "NDHWC", "NCDHW",
                             "graphflow's 3-D inputs are NDHWC (channels_last)")


def _pool3d(op_def, op, input, ksize, strides, padding, data_format, name):  # noqa: A002
    _data_format(op, data_format)
    attrs = {"ksize": _triple(op, "ksize", ksize), "strides": _triple(op, "strides", strides),
             "padding": conv._padding(op, padding)}
    return dispatch(op_def, (input,), attrs, name)


def max_pool3d(input, ksize, strides, padding, data_format="NDHWC", name=None):  # noqa: A002
    """The maximum of each (kd, kh, kw) window of NDHWC `input`; `ksize` and `strides` are
    ints, [d, h, w] or [1, d, h, w, 1]. Padding never wins; the gradient goes to each window's
    first maximum (in depth, row, column order), as TF's.

        >>> x = tf.reshape(tf.range(16.0), (1, 2, 2, 4, 1))
        >>> tf.nn.max_pool3d(x, 2, 2, "VALID").numpy().ravel()
        array([13., 15.], dtype=float32)
    """
    return _pool3d(MAX_POOL3D, "max_pool3d", input, ksize, strides, padding, data_format, name)


def avg_pool3d(input, ksize, strides, padding, data_format="NDHWC", name=None):  # noqa: A002
    """The mean of each (kd, kh, kw) window of NDHWC `input`; with "SAME" padding only the
    valid (non-padding) elements of a window are averaged, as TF does.

        >>> x = tf.reshape(tf.range(8.0), (1, 2, 2, 2, 1))
        >>> tf.nn.avg_pool3d(x, 2, 1, "SAME").numpy().ravel()
        array([3.5, 4. , 4.5, 5. , 5.5, 6. , 6.5, 7. ], dtype=float32)
    """
    return _pool3d(AVG_POOL3D, "avg_pool3d", input, ksize, strides, padding, data_format, name)


def conv3d_transpose(input, filters, output_shape, strides, padding="SAME",  # noqa: A002
                     data_format="NDHWC", dilations=None, name=None):
    """The transposed 3-D convolution (conv3d's gradient with respect to its input): NDHWC
    `input`, `filters` shaped (kd, kh, kw, out_channels, in_channels) and the NDHWC
    `output_shape` whose conv3d with these strides, padding and dilations has input's shape.
    `strides` and `dilations` are ints, [d, h, w] or [1, d, h, w, 1].

        >>> y = tf.nn.conv3d_transpose(tf.ones((1, 1, 2, 2, 1)), tf.ones((1, 2, 2, 1, 1)),
        ...                            [1, 1, 4, 4, 1], strides=[1, 2, 2], padding="VALID")
        >>> y.numpy()[0, 0, :, :, 0]
        array([[1., 1., 1., 1.],
               [1., 1., 1., 1.],
               [1., 1., 1., 1.],
               [1., 1., 1., 1.]], dtype=float32)
    """
    from graphflow.ops.creation import convert_to_tensor, zeros
    from graphflow.ops.nn_extra import _output_shape
    op = "conv3d_transpose"
    _data_format(op, data_format)
    x, w = convert_to_tensor(input, name="input"), convert_to_tensor(filters, name="filters")
    shape = _output_shape(op, output_shape, 5)
    attrs = {"strides": _triple(op, "strides", strides), "padding": conv._padding(op, padding),
             "dilations": (1, 1, 1) if dilations is None else _triple(op, "dilations",
                                                                      dilations)}
    _check_transpose_shapes(op, x, w, shape, attrs)
    like = zeros(shape, dtype=x.dtype)  # lends its shape (conv3d_backprop_input's `like`)
    return dispatch(CONV3D_BACKPROP_INPUT, (x, w, like), attrs, name)


def _check_transpose_shapes(op, x, w, shape, attrs):
    """The forward conv3d of an output_shape tensor must have input's shape: say so by name."""
    ws = w.shape.dims
    if ws is None or len(ws) != 5 or x.shape.rank != 5:
        return  # conv3d_backprop_input's rule names the rank problem
    *ks, out_c, in_c = ws
    if out_c is not None and out_c != shape[4] and (out_c == 0 or shape[4] % out_c):
        raise InvalidArgumentError(
            f"{op}: output_shape {list(shape)} has {shape[4]} channels but filters of shape "
            f"{tuple(ws)} make {out_c} (filters are (kd, kh, kw, out_channels, in_channels))")
    expected = [shape[0]] + [
        None if k is None else conv._out_size(shape[1 + a], conv.effective_size(
            k, attrs["dilations"][a]), attrs["strides"][a], attrs["padding"])
        for a, k in enumerate(ks)] + [in_c]
    got = x.shape.as_list()
    if any(e is not None and g is not None and e != g for e, g in zip(expected, got)):
        raise InvalidArgumentError(
            f"{op}: input shape {tuple(got)} does not match output_shape {list(shape)}: a conv3d "
            f"of that shape with strides {attrs['strides']}, dilations {attrs['dilations']} and "
            f"padding {attrs['padding']!r} gives {tuple(expected)}")


def _rank_of(op, input):  # noqa: A002
    from graphflow.ops.creation import convert_to_tensor
    x = convert_to_tensor(input, name="input")
    rank = x.shape.rank
    if rank not in (3, 4, 5):
        raise InvalidArgumentError(
            f"{op}: `input.shape.rank` must be 3, 4 or 5. Received: input.shape={x.shape} of "
            f"rank {rank}")
    return x, rank


def max_pool(input, ksize, strides, padding, data_format=None, name=None):  # noqa: A002
    """max_pool1d, max_pool2d or max_pool3d by the rank (3, 4 or 5) of `input`, as TF's.

        >>> tf.nn.max_pool(tf.ones((1, 4, 4, 4, 1)), 2, 2, "VALID").shape
        TensorShape([1, 2, 2, 2, 1])
        >>> tf.nn.max_pool(tf.ones((1, 4, 1)), 2, 2, "VALID").shape
        TensorShape([1, 2, 1])
    """
    from graphflow.ops.nn_extra import max_pool1d
    x, rank = _rank_of("max_pool", input)
    fn = {3: max_pool1d, 4: conv.max_pool2d, 5: max_pool3d}[rank]
    return fn(x, ksize, strides, padding, data_format or
              {3: "NWC", 4: "NHWC", 5: "NDHWC"}[rank], name=name)


def avg_pool(input, ksize, strides, padding, data_format=None, name=None):  # noqa: A002
    """avg_pool1d, avg_pool2d or avg_pool3d by the rank (3, 4 or 5) of `input`, as TF's.

        >>> tf.nn.avg_pool(tf.ones((1, 4, 4, 4, 1)), [2, 2, 2], 2, "SAME").shape
        TensorShape([1, 2, 2, 2, 1])
    """
    from graphflow.ops.nn_extra import avg_pool1d
    x, rank = _rank_of("avg_pool", input)
    fn = {3: avg_pool1d, 4: conv.avg_pool2d, 5: avg_pool3d}[rank]
    return fn(x, ksize, strides, padding, data_format or
              {3: "NWC", 4: "NHWC", 5: "NDHWC"}[rank], name=name)


@rules.composite("pool")
def pool(input, window_shape, pooling_type, strides=None, padding="VALID",  # noqa: A002
         data_format=None, dilations=None, name=None):
    """N-D ("MAX" or "AVG") pooling of a (batch, *spatial, channels) `input` with 1, 2 or 3
    spatial axes (the length of `window_shape`), as TF's tf.nn.pool: strides default to 1,
    and `dilations` space the window's taps (with strides 1 and padding "VALID" only, as TF).

        >>> tf.nn.pool(tf.ones((1, 4, 4, 4, 2)), [2, 2, 2], "MAX", strides=[2, 2, 2]).shape
        TensorShape([1, 2, 2, 2, 2])
        >>> x = tf.reshape(tf.range(6.0), (1, 6, 1))
        >>> tf.nn.pool(x, [2], "AVG", dilations=[3]).numpy().ravel()
        array([1.5, 2.5, 3.5], dtype=float32)
    """
    from graphflow.ops.creation import convert_to_tensor
    op = "pool"
    x = convert_to_tensor(input, name="input")
    window = _ints(window_shape)
    if window is None or len(window) not in (1, 2, 3):
        raise InvalidArgumentError(
            f"{op}: window_shape must be a list of 1, 2 or 3 ints, got {window_shape!r}")
    rank = len(window)
    if x.shape.rank is not None and x.shape.rank != rank + 2:
        raise InvalidArgumentError(
            f"{op}: Shape {x.shape} must have rank {rank + 2} for a window_shape of length "
            f"{rank}")
    if pooling_type not in ("MAX", "AVG"):
        raise InvalidArgumentError(
            f"{op}: {rank}-D {pooling_type} pooling is not supported (pooling_type must be "
            "'MAX' or 'AVG')")
    per_axis = {}
    for what, value in (("strides", strides), ("dilations", dilations)):
        items = [1] * rank if value is None else _ints(value)
        if items is not None and len(items) == 1:
            items = items * rank
        if items is None or len(items) != rank or min(items) < 1:
            raise InvalidArgumentError(
                f"{op}: {what} must be {rank} positive ints, got {value!r}")
        per_axis[what] = items
    s, d = per_axis["strides"], per_axis["dilations"]
    padding = conv._padding(op, padding)
    if max(d) > 1:
        if padding == "SAME":
            raise InvalidArgumentError(
                f"{op}: pooling with 'SAME' padding is not implemented for `dilation_rate` > 1. "
                f"Received: padding={padding} and dilation_rate={d}")
        if max(s) > 1:
            raise InvalidArgumentError(
                f"{op}: `strides > 1` not supported in conjunction with `dilation_rate > 1`. "
                f"Received: strides={s} and dilation_rate={d}")
        return _dilated_pool(x, window, d, pooling_type, name)
    if rank == 1:
        from graphflow.ops.nn_extra import avg_pool1d, max_pool1d
        fn = max_pool1d if pooling_type == "MAX" else avg_pool1d
        return fn(x, window[0], s[0], padding, data_format or "NWC", name)
    if rank == 2:
        fn = conv.max_pool2d if pooling_type == "MAX" else conv.avg_pool2d
        return fn(x, window, s, padding, data_format or "NHWC", name)
    fn = max_pool3d if pooling_type == "MAX" else avg_pool3d
    return fn(x, window, s, padding, data_format or "NDHWC", name)


def _dilated_pool(x, window, dilations, pooling_type, name):
    """VALID stride-1 pooling over taps spaced `dilations` apart: the maximum or mean of the
    strided slices, one per tap (every window is whole, so the mean divides by the taps)."""
    from graphflow.ops import elementwise as ew
    dims = x.shape.as_list()
    if any(v is None for v in dims[1:-1]):
        raise UnimplementedError(f"pool: dilated pooling needs known spatial sizes, got input "
                                 f"shape {x.shape}")
    spans = [conv.effective_size(k, r) for k, r in zip(window, dilations)]
    outs = [size - span + 1 for size, span in zip(dims[1:-1], spans)]
    if min(outs) < 1:
        raise InvalidArgumentError(
            f"pool: the dilated window (spans {spans}) is larger than the input (spatial "
            f"shape {dims[1:-1]}) with padding 'VALID'")
    result = None
    for tap in itertools.product(*(range(k) for k in window)):
        index = (slice(None),) + tuple(slice(t * r, t * r + o) for t, r, o in
                                       zip(tap, dilations, outs)) + (slice(None),)
        v = x[index]
        if result is None:
            result = v
        elif pooling_type == "MAX":
            result = ew.maximum(result, v)
        else:
            result = result + v
    if pooling_type == "AVG":
        result = result / ew.cast(int(np.prod(window)), x.dtype)
    return ew.identity(result, name=name) if name else result
