"""keras.ops's neural-network names (Keras 3's `keras.ops.nn`) that graphflow/keras/ops.py does
not define itself: activations, normalizations, attention, convolutions and pooling in Keras's
channels_last layout, built from graphflow's tf.nn ops.

    >>> from graphflow.keras import ops
    >>> ops.hard_tanh(np.array([-2.0, 0.5, 3.0])).numpy()
    array([-1. ,  0.5,  1. ])
    >>> ops.conv(np.ones((1, 5, 1), np.float32), np.ones((3, 1, 1), np.float32)).numpy().ravel()
    array([3., 3., 3.], dtype=float32)
"""
import builtins

import numpy as np

from graphflow import dtypes
from graphflow.keras.backend import epsilon as _epsilon, floatx
from graphflow.keras.ops_numpy import _t, log10, result_type
from graphflow.ops import api as _tf
from graphflow.ops import nn as _nn


def _fl(x):
    """x as Keras's activations see it: integer inputs become float32."""
    x = _t(x)
    return x if x.dtype.is_floating else _tf.cast(x, dtypes.float32)


def _channels_last(data_format, name):
    if data_format not in (None, "channels_last"):
        raise NotImplementedError(f"keras.ops.{name}: only data_format='channels_last' is "
                                  "supported (graphflow's Keras is channels_last)")


# -- activations ------------------------------------------------------------------------------
def celu(x, alpha=1.0):
    """max(x, 0) + min(0, alpha * (exp(x / alpha) - 1))."""
    x = _fl(x)
    return _tf.maximum(x, 0.0) + alpha * _tf.expm1(_tf.minimum(x, 0.0) / alpha)


def glu(x, axis=-1):
    """The gated linear unit: a * sigmoid(b) for the two halves a, b of x along axis."""
    x = _fl(x)
    if x.shape[axis] % 2:
        raise ValueError("axis size must be divisible by 2. Received: "
                         f"x.shape={tuple(x.shape.as_list())} with axis={axis}")
    a, b = _tf.split(x, 2, axis)
    return a * _nn.sigmoid(b)


def hard_sigmoid(x):
    """relu6(x + 3) / 6."""
    x = _fl(x)
    return _nn.relu6(x + 3.0) / 6.0


def hard_silu(x):
    """x * hard_sigmoid(x)."""
    x = _fl(x)
    return x * hard_sigmoid(x)


hard_swish = hard_silu


def hard_tanh(x):
    """x clipped to [-1, 1]."""
    return _tf.clip_by_value(_fl(x), -1.0, 1.0)


def hard_shrink(x, threshold=0.5):
    """x where |x| > threshold, else 0."""
    x = _fl(x)
    return _tf.where(_tf.abs(x) > threshold, x, _tf.zeros_like(x))


def soft_shrink(x, threshold=0.5):
    """x - threshold above threshold, x + threshold below -threshold, else 0."""
    x = _fl(x)
    return _tf.where(x > threshold, x - threshold,
                     _tf.where(x < -threshold, x + threshold, _tf.zeros_like(x)))


def tanh_shrink(x):
    """x - tanh(x)."""
    x = _fl(x)
    return x - _tf.tanh(x)


def threshold(x, threshold, default_value):
    """x where x > threshold, else default_value."""
    x = _fl(x)
    return _tf.where(x > threshold, x, _tf.cast(default_value, x.dtype))


def sparse_plus(x):
    """0 for x <= -1, x for x >= 1, (x + 1)**2 / 4 between."""
    x = _fl(x)
    return _tf.where(x <= -1.0, _tf.zeros_like(x),
                     _tf.where(x < 1.0, 0.25 * _tf.square(x + 1.0), x))


def sparse_sigmoid(x):
    """0 for x <= -1, 1 for x >= 1, (x + 1) / 2 between."""
    x = _fl(x)
    return _tf.where(x <= -1.0, _tf.zeros_like(x),
                     _tf.where(x >= 1.0, _tf.ones_like(x), 0.5 * (x + 1.0)))


def squareplus(x, b=4):
    """(x + sqrt(x**2 + b)) / 2."""
    x = _fl(x)
    return (x + _tf.sqrt(_tf.square(x) + _tf.cast(b, x.dtype))) / 2.0


def sparsemax(x, axis=-1):
    """The Euclidean projection of x onto the probability simplex along axis (sparse softmax)."""
    x = _fl(x)
    rank = x.shape.rank
    ax = axis % rank
    srt = _tf.reverse(_tf.sort(x, axis=ax), [ax])
    csum = _tf.cumsum(srt, ax)
    shape = [1] * rank
    shape[ax] = -1
    r = _tf.reshape(_tf.range(1, x.shape[ax] + 1, dtype=x.dtype), shape)
    support = srt - (csum - 1.0) / r > 0
    k = _tf.reduce_sum(_tf.cast(support, x.dtype), ax, keepdims=True)
    # tau = (sum of the k largest - 1) / k: the cumsum at the support's last element
    top = _tf.reduce_max(_tf.where(support, csum, _tf.fill(_tf.shape(csum),
                                                           _tf.cast(-np.inf, x.dtype))),
                         ax, keepdims=True)
    tau = (top - 1.0) / k
    return _tf.maximum(x - tau, 0.0)


# -- normalization ------------------------------------------------------------------------------
def _compute(x):
    x = _t(x)
    return x, _tf.cast(x, result_type(x.dtype.name, "float32"))


def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None, **kwargs):
    """(x - mean) / sqrt(var + epsilon) * gamma + beta over `axis` (epsilon defaults to Keras's
    backend.epsilon(), 1e-7)."""
    if kwargs.pop("rms_scaling", False):
        raise NotImplementedError("keras.ops.layer_normalization: rms_scaling is deprecated; "
                                  "use rms_normalization")
    if kwargs:
        raise TypeError(f"layer_normalization() got unexpected keyword arguments {list(kwargs)}")
    eps = _epsilon() if epsilon is None else epsilon
    orig, x = _compute(x)
    rank = x.shape.rank
    axes = sorted(a % rank for a in ([axis] if isinstance(axis, int) else axis))
    bshape = [1] * rank
    for a in axes:
        bshape[a] = x.shape[a]

    def bc(v):
        if v is None:
            return None
        v = _tf.cast(_t(v), x.dtype)
        return _tf.reshape(v, bshape) if v.shape.rank != rank and axes != [rank - 1] else v
    mean, var = _nn.moments(x, axes, keepdims=True)
    inv = _tf.rsqrt(var + eps)
    g, b = bc(gamma), bc(beta)
    if g is not None:
        inv = inv * g
    res = -mean * inv
    if b is not None:
        res = res + b
    return _tf.cast(x * inv + res, orig.dtype)


def rms_normalization(x, scale=None, axis=-1, epsilon=None):
    """x * rsqrt(mean(x**2) + epsilon) * scale over `axis`."""
    eps = _epsilon() if epsilon is None else epsilon
    orig, x = _compute(x)
    if x.shape.rank == 0:
        x = _tf.expand_dims(x, 0)
    axes = list(axis) if isinstance(axis, (list, tuple)) else axis
    out = x * _tf.rsqrt(_tf.reduce_mean(_tf.square(x), axes, keepdims=True) + eps)
    if scale is not None:
        out = out * _tf.cast(_t(scale), x.dtype)
    return _tf.cast(out, orig.dtype)


def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    """(x - mean) / sqrt(variance + epsilon) * scale + offset, the statistics given per index of
    `axis`."""
    x = _t(x)
    rank = x.shape.rank
    shape = [1] * rank
    shape[axis % rank] = x.shape[axis]

    def bc(v):
        return None if v is None else _tf.reshape(_tf.cast(_t(v), x.dtype), shape)
    inv = _tf.rsqrt(bc(variance) + epsilon)
    if scale is not None:
        inv = inv * bc(scale)
    res = -bc(mean) * inv
    if offset is not None:
        res = res + bc(offset)
    return x * inv + res


def normalize(x, axis=-1, order=2, epsilon=None):
    """x / max(norm(x, order), epsilon) along axis."""
    if not isinstance(order, int) or order < 1:
        raise ValueError(f"Argument `order` must be an int >= 1. Received: order={order}")
    x = _t(x)
    if x.shape.rank == 0:
        x = _tf.expand_dims(x, 0)
    eps = _epsilon() if epsilon is None else epsilon
    if order == 2:
        inv = _tf.rsqrt(_tf.reduce_sum(_tf.square(x), axis, keepdims=True))
        return x * _tf.minimum(inv, 1.0 / eps)
    norm = _tf.pow(_tf.reduce_sum(_tf.pow(_tf.abs(x), float(order)), axis, keepdims=True),
                   1.0 / order)
    return x / _tf.maximum(norm, eps)


def psnr(x1, x2, max_val):
    """Peak signal-to-noise ratio, 20 log10(max_val) - 10 log10(mse)."""
    x1, x2 = _t(x1), _t(x2)
    if x1.shape.as_list() != x2.shape.as_list():
        raise ValueError(f"Input shapes {tuple(x1.shape.as_list())} and "
                         f"{tuple(x2.shape.as_list())} must match for PSNR calculation. ")
    mse = _tf.reduce_mean(_tf.square(x1 - x2))
    return 20.0 * log10(_tf.cast(max_val, x2.dtype)) - 10.0 * log10(mse)


# -- attention ------------------------------------------------------------------------------------
def dot_product_attention(query, key, value, bias=None, mask=None, scale=None, is_causal=False,
                          flash_attention=None, attn_logits_soft_cap=None):
    """softmax(Q K^T * scale + bias, masked) V for [batch, length, heads, head_dim] inputs;
    fewer key/value heads than query heads repeat (grouped-query attention)."""
    if attn_logits_soft_cap is not None:
        raise ValueError("attn_logits_soft_cap is only supported for JAX on TPU. Set "
                         "attn_logits_soft_cap=None when not using JAX on TPU.")
    if flash_attention:
        raise ValueError("Flash attention is not supported in tensorflow backend.")
    q, k, v = _t(query), _t(key), _t(value)
    if q.shape.rank != 4:
        raise ValueError("`dot_product_attention` only supports 4D inputs. Received: "
                         f"query.shape={tuple(q.shape.as_list())}, "
                         f"key.shape={tuple(k.shape.as_list())}, "
                         f"value.shape={tuple(v.shape.as_list())}.")
    dt = result_type(q.dtype.name, k.dtype.name, v.dtype.name)
    q, k, v = (_tf.cast(t, dt) for t in (q, k, v))
    nq, nk = q.shape[2], k.shape[2]
    if nq > nk > 1 or (nq > nk and nk == 1):
        k = _tf.repeat(k, nq // nk, axis=2)
        v = _tf.repeat(v, nq // nk, axis=2)
    h = k.shape[-1]
    scale = 1.0 / np.sqrt(h) if scale is None else scale
    logits = _tf.einsum("BTNH,BSNH->BNTS", q, k)
    logits = logits * _tf.cast(scale, logits.dtype)
    if bias is not None:
        logits = logits + _tf.cast(_t(bias), logits.dtype)
    keep = None
    if mask is not None:
        keep = _tf.cast(_t(mask), dtypes.bool)
    if is_causal:
        t, s = logits.shape[-2], logits.shape[-1]
        causal = _tf.constant(np.tril(np.ones((t, s), bool)))
        keep = causal if keep is None else _tf.logical_and(keep, causal)
    if keep is not None:
        big = np.finfo(np.dtype(logits.dtype.np)).max * -0.7
        logits = _tf.where(keep, logits, _tf.fill(_tf.shape(logits), _tf.cast(big, logits.dtype)))
    probs = _tf.cast(_nn.softmax(logits, axis=-1), k.dtype)
    return _tf.einsum("BNTS,BSNH->BTNH", probs, v)


# -- convolution and pooling ------------------------------------------------------------------------
def _tuple(v, n):
    return [int(v)] * n if isinstance(v, (int, np.integer)) else [int(i) for i in v]


def _pad(padding):
    p = padding.lower()
    if p not in ("valid", "same"):
        raise ValueError(f"Invalid padding: {padding}. Expected 'valid' or 'same'.")
    return p.upper()


def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """N-D convolution of channels_last inputs [batch, *spatial, in] with kernel
    [*window, in / groups, out]."""
    _channels_last(data_format, "conv")
    x, k = _t(inputs), _t(kernel)
    n = x.shape.rank - 2
    dt = result_type(x.dtype.name, k.dtype.name)
    return _nn.convolution(_tf.cast(x, dt), _tf.cast(k, dt), strides=_tuple(strides, n),
                           padding=_pad(padding), dilations=_tuple(dilation_rate, n))


def _deconv_length(size, stride, k, padding, output_padding, dilation):
    k = (k - 1) * dilation + 1
    if output_padding is None:
        if padding == "valid":
            return size * stride + builtins.max(k - stride, 0)
        return size * stride
    pad = k // 2 if padding == "same" else 0
    return (size - 1) * stride + k - 2 * pad + output_padding


def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None,
                   data_format=None, dilation_rate=1):
    """Transposed convolution (the gradient of conv) with kernel [*window, out, in]."""
    _channels_last(data_format, "conv_transpose")
    x, k = _t(inputs), _t(kernel)
    n = x.shape.rank - 2
    st, dil = _tuple(strides, n), _tuple(dilation_rate, n)
    op = [None] * n if output_padding is None else _tuple(output_padding, n)
    spatial = x.shape.as_list()[1:-1]
    out = [_deconv_length(spatial[i], st[i], k.shape[i], padding.lower(), op[i], dil[i])
           for i in builtins.range(n)]
    shape = [x.shape[0]] + out + [k.shape[-2]]
    dt = result_type(x.dtype.name, k.dtype.name)
    return _nn.conv_transpose(_tf.cast(x, dt), _tf.cast(k, dt), shape, st, padding=_pad(padding),
                              dilations=dil)


def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None,
                   dilation_rate=1):
    """Depthwise convolution (1-D or 2-D) with kernel [*window, in, multiplier]."""
    _channels_last(data_format, "depthwise_conv")
    x, k = _t(inputs), _t(kernel)
    n = x.shape.rank - 2
    st, dil = _tuple(strides, n), _tuple(dilation_rate, n)
    if n == 1:
        out = _nn.depthwise_conv2d(_tf.expand_dims(x, 1), _tf.expand_dims(k, 0),
                                   [1, 1, st[0], 1], _pad(padding), dilations=[1, dil[0]])
        return _tf.squeeze(out, [1])
    if n != 2:
        raise ValueError(f"keras.ops.depthwise_conv: inputs must be 3-D or 4-D, got rank "
                         f"{x.shape.rank}")
    return _nn.depthwise_conv2d(x, k, [1, st[0], st[1], 1], _pad(padding), dilations=dil)


def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                   data_format=None, dilation_rate=1):
    """depthwise_conv followed by a 1x1 conv with pointwise_kernel."""
    _channels_last(data_format, "separable_conv")
    d = depthwise_conv(inputs, depthwise_kernel, strides, padding, data_format, dilation_rate)
    return conv(d, pointwise_kernel, 1, "valid", data_format)


def _pool(kind, inputs, pool_size, strides, padding):
    x = _t(inputs)
    n = x.shape.rank - 2
    size = _tuple(pool_size, n)
    st = size if strides is None else _tuple(strides, n)
    fn = _nn.max_pool if kind == "max" else _nn.avg_pool
    if n == 1:
        return _tf.squeeze(fn(_tf.expand_dims(x, 1), [1, 1, size[0], 1], [1, 1, st[0], 1],
                              _pad(padding)), [1])
    if n in (2, 3):  # tf.nn.max_pool/avg_pool pick the 2-D or 3-D op by rank
        return fn(x, [1] + size + [1], [1] + st + [1], _pad(padding))
    raise ValueError(f"keras.ops.{kind}_pool: inputs must have rank 3, 4 or 5 (1-D, 2-D or "
                     f"3-D pooling), got rank {x.shape.rank}")


def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Max pooling of channels_last inputs (strides default to pool_size)."""
    _channels_last(data_format, "max_pool")
    return _pool("max", inputs, pool_size, strides, padding)


def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Average pooling of channels_last inputs (strides default to pool_size; 'same' padding
    averages only the elements inside the input)."""
    _channels_last(data_format, "average_pool")
    return _pool("avg", inputs, pool_size, strides, padding)


def _adaptive(inputs, output_size, data_format, reduce_fn, name):
    _channels_last(data_format, name)
    x = _t(inputs)
    n = x.shape.rank - 2
    if n not in (1, 2, 3):
        raise ValueError(f"{name} supports 1D, 2D, or 3D inputs only.")
    out = _tuple(output_size, n)
    for d in builtins.range(n):
        length, o = x.shape[1 + d], out[d]
        # PyTorch's windows (which Keras 3.15 follows): [floor(i L / o), ceil((i + 1) L / o))
        pieces = []
        for i in builtins.range(o):
            start, end = (i * length) // o, -((-(i + 1) * length) // o)
            begin = [0] * x.shape.rank
            size = [-1] * x.shape.rank
            begin[1 + d], size[1 + d] = start, end - start
            pieces.append(reduce_fn(_tf.slice(x, begin, size), 1 + d, keepdims=True))
        x = _tf.concat(pieces, 1 + d)
    return x


def adaptive_average_pool(inputs, output_size, data_format=None):
    """Average pooling to a fixed output_size (PyTorch's window rule)."""
    return _adaptive(inputs, output_size, data_format, _tf.reduce_mean, "adaptive_average_pool")


def adaptive_max_pool(inputs, output_size, data_format=None):
    """Max pooling to a fixed output_size (PyTorch's window rule)."""
    return _adaptive(inputs, output_size, data_format, _tf.reduce_max, "adaptive_max_pool")


def depth_to_space(x, block_size, data_format="channels_last"):
    """Moves depth blocks into spatial blocks (tf.nn.depth_to_space)."""
    _channels_last(data_format, "depth_to_space")
    return _nn.depth_to_space(_t(x), block_size)


def space_to_depth(x, block_size, data_format="channels_last"):
    """Moves spatial blocks into depth (tf.nn.space_to_depth)."""
    _channels_last(data_format, "space_to_depth")
    return _nn.space_to_depth(_t(x), block_size)


def multi_hot(inputs, num_classes=None, axis=-1, dtype=None, sparse=False, **kwargs):
    """1 at each class a row of `inputs` names (one row for 1-D inputs)."""
    if num_classes is None and "num_tokens" in kwargs:
        num_classes = kwargs.pop("num_tokens")
    if num_classes is None:
        raise ValueError("Argument `num_classes` must be specified.")
    if sparse:
        raise NotImplementedError("keras.ops.multi_hot: sparse outputs are not supported")
    x = _t(inputs)
    red = 1 if x.shape.rank > 1 else 0
    dt = dtype or floatx()
    hot = _tf.one_hot(_tf.cast(x, dtypes.int32), num_classes, axis=axis, dtype=dtypes.float32)
    out = _tf.reduce_max(hot, red)
    return _tf.cast(out, dt)


def in_top_k(targets, predictions, k):
    """Whether each target is among the k largest predictions of its row."""
    return _nn.in_top_k(_t(targets), _t(predictions), k)


def unfold(x, kernel_size, dilation=1, padding=0, stride=1):
    """Sliding local blocks of a [N, C, H, W] input as [N, C * kh * kw, L] (torch's unfold,
    channels first as Keras's is)."""
    x = _t(x)
    kh, kw = _tuple(kernel_size, 2)
    dh, dw = _tuple(dilation, 2)
    ph, pw = _tuple(padding, 2)
    sh, sw = _tuple(stride, 2)
    n, c, h, w = x.shape.as_list()
    xp = _tf.pad(x, [[0, 0], [0, 0], [ph, ph], [pw, pw]])
    oh = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    ow = (w + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    rows = (np.arange(kh)[:, None, None, None] * dh + np.arange(oh)[None, None, :, None] * sh)
    cols = (np.arange(kw)[None, :, None, None] * dw + np.arange(ow)[None, None, None, :] * sw)
    flat = (rows * (w + 2 * pw) + cols).reshape(-1).astype(np.int32)  # [kh*kw*oh*ow]
    xf = _tf.reshape(xp, [n, c, -1])
    g = _tf.gather(xf, _tf.constant(flat), axis=2)
    return _tf.reshape(g, [n, c * kh * kw, oh * ow])


def fold(x, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """The inverse arrangement of unfold: blocks [N, C * kh * kw, L] summed into [N, C, H, W]."""
    x = _t(x)
    oh_, ow_ = _tuple(output_size, 2)
    kh, kw = _tuple(kernel_size, 2)
    dh, dw = _tuple(dilation, 2)
    ph, pw = _tuple(padding, 2)
    sh, sw = _tuple(stride, 2)
    n, ckk, length = x.shape.as_list()
    c = ckk // (kh * kw)
    hp, wp = oh_ + 2 * ph, ow_ + 2 * pw
    oh = (hp - dh * (kh - 1) - 1) // sh + 1
    ow = (wp - dw * (kw - 1) - 1) // sw + 1
    if oh * ow != length:
        raise ValueError(f"keras.ops.fold: {length} blocks do not tile output_size "
                         f"{(oh_, ow_)} with these kernel_size, dilation, padding and stride")
    rows = (np.arange(kh)[:, None, None, None] * dh + np.arange(oh)[None, None, :, None] * sh)
    cols = (np.arange(kw)[None, :, None, None] * dw + np.arange(ow)[None, None, None, :] * sw)
    flat = (rows * wp + cols).reshape(-1, 1).astype(np.int32)
    blocks = _tf.transpose(_tf.reshape(x, [n, c, -1]), [2, 0, 1])  # [kh*kw*L, n, c]
    summed = _tf.scatter_nd(_tf.constant(flat), blocks, [hp * wp, n, c])
    out = _tf.reshape(_tf.transpose(summed, [1, 2, 0]), [n, c, hp, wp])
    return out[:, :, ph:ph + oh_, pw:pw + ow_]


# -- CTC (Keras 3's TF backend over tf.nn.ctc_loss and the tf.nn CTC decoders) -------------------

def ctc_loss(target, output, target_length, output_length, mask_index=0):
    """The CTC loss per sample of integer targets (batch, max_label) and batch-major logits
    (batch, steps, classes), with class `mask_index` as the blank, as keras.ops.ctc_loss on
    TF (float64 logits are computed in float32 and cast back).

        >>> y = keras.ops.ctc_loss([[1, 2]], np.zeros((1, 4, 3), np.float32), [2], [4])
        >>> round(float(y[0]), 4)
        1.6864
    """
    from graphflow.ops.ctc import ctc_loss as tf_ctc_loss
    target = _tf.cast(_t(target), "int32")
    output = _t(output)
    result = result_type(output.dtype, "float32")
    compute = "float32" if result == "float64" else result
    loss = tf_ctc_loss(target, _tf.cast(output, compute), _t(target_length), _t(output_length),
                       logits_time_major=False, blank_index=mask_index)
    return _tf.cast(loss, result)


def ctc_decode(inputs, sequence_lengths, strategy="greedy", beam_width=100, top_paths=1,
               merge_repeated=True, mask_index=0):
    """Decoded label sequences (top_paths, batch, steps), padded with -1, and their scores, of
    batch-major logits, as keras.ops.ctc_decode on TF (greedy or beam_search; the blank is
    `mask_index`).

        >>> logits = np.log(np.array([[[0.1, 0.8, 0.1], [0.1, 0.1, 0.8], [0.8, 0.1, 0.1]]],
        ...                          np.float32))
        >>> keras.ops.ctc_decode(logits, [3])[0].numpy().tolist()
        [[[1, 2, -1]]]
    """
    from graphflow.ops import ctc, sparse
    x = _t(inputs)
    if x.shape.rank != 3 or None in x.shape.as_list()[:2]:
        raise ValueError(f"ctc_decode: inputs must be (batch, steps, classes) of known batch and "
                         f"steps, got shape {x.shape}")
    batch, steps, classes = x.shape.as_list()
    x = _tf.transpose(x, (1, 0, 2))
    x = _tf.cast(x, result_type(x.dtype, "float32"))
    lengths = _tf.cast(_t(sequence_lengths), "int32")
    if strategy == "greedy":
        decoded, scores = ctc.ctc_greedy_decoder(x, lengths, merge_repeated=merge_repeated,
                                                 blank_index=mask_index)
    elif strategy == "beam_search":
        if mask_index is not None:  # TF's beam search takes the blank as the last class
            x = _tf.concat([x[..., :mask_index], x[..., mask_index + 1:],
                            x[..., mask_index:mask_index + 1]], -1)
        decoded, scores = ctc.ctc_beam_search_decoder(x, lengths, beam_width=beam_width,
                                                      top_paths=top_paths)
    else:
        raise ValueError(f"Invalid strategy {strategy}. Supported values are 'greedy' and "
                         "'beam_search'.")
    dense = _tf.stack([sparse.to_dense(sparse.SparseTensor(d.indices, d.values, (batch, steps)),
                                       default_value=-1) for d in decoded], 0)
    dense = _tf.cast(dense, "int32")
    if strategy == "beam_search" and mask_index is not None:
        m = mask_index + classes if mask_index < 0 else mask_index
        dense = _tf.where(dense >= m, dense + 1, dense)
    return dense, scores
