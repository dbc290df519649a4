"""tf.nn.max_pool_with_argmax: 2-D max pooling that also returns where each maximum came from.

    >>> import graphflow as tf
    >>> x = tf.reshape(tf.range(16.0), (1, 4, 4, 1))
    >>> values, argmax = tf.nn.max_pool_with_argmax(x, 2, 2, "VALID")
    >>> argmax.numpy().ravel().tolist()
    [5, 7, 13, 15]

The index of an input element is TF's flat one, ((b * height + y) * width + x) * channels + c,
with the batch term only when include_batch_in_index. A window's first maximum (row by row)
wins a tie, and SAME padding is never a maximum. The gradient scatters into the input at the
argmax positions (TF's MaxPoolGradWithArgmax, `max_pool_grad_with_argmax` here).
"""
import numpy as np

from graphflow import dtypes
from graphflow.errors import InvalidArgumentError, UnimplementedError
from graphflow.ops import rules
from graphflow.ops.registry import OPAQUE, dispatch, register


def _out_size(op, n, k, s, padding):
    if padding == "VALID":
        if n is not None and n < k:
            raise InvalidArgumentError(
                f"{op}: the window ({k}) is larger than the input ({n}) with VALID padding")
        return None if n is None else (n - k) // s + 1
    return None if n is None else -(-n // s)


def _infer(specs, ksize, strides, padding, output_dtype, include_batch_in_index):
    x = specs[0]
    op = "max_pool_with_argmax"
    rules.check_kind(op, x, "fiu")
    if x.shape is not None and len(x.shape) != 4:
        raise InvalidArgumentError(
            f"{op}: input must be 4-dimensional [batch, height, width, channels], got shape "
            f"{rules.fmt(x.shape)}")
    if output_dtype not in ("int32", "int64"):
        raise InvalidArgumentError(f"{op}: output_dtype must be int32 or int64, got {output_dtype}")
    if x.shape is None:
        return [(None, x.dtype), (None, dtypes.as_dtype(output_dtype))]
    b, h, w, c = x.shape
    shape = (b, _out_size(op, h, ksize[0], strides[0], padding),
             _out_size(op, w, ksize[1], strides[1], padding), c)
    return [(shape, x.dtype), (shape, dtypes.as_dtype(output_dtype))]


def _windows(x, ksize, strides, padding):
    """(value, flat index) of every window element: arrays [kh * kw, B, OH, OW, C]."""
    b, h, w, c = x.shape
    kh, kw = ksize
    sh_, sw = strides
    oh = _out_size("max_pool_with_argmax", h, kh, sh_, padding)
    ow = _out_size("max_pool_with_argmax", w, kw, sw, padding)
    top = max((oh - 1) * sh_ + kh - h, 0) // 2 if padding == "SAME" else 0
    left = max((ow - 1) * sw + kw - w, 0) // 2 if padding == "SAME" else 0
    rows = np.arange(oh)[:, None] * sh_ - top + np.arange(kh)[None, :]    # [OH, KH]
    cols = np.arange(ow)[:, None] * sw - left + np.arange(kw)[None, :]    # [OW, KW]
    vals, idxs, valid = [], [], []
    for i in range(kh):
        for j in range(kw):
            r, q = rows[:, i], cols[:, j]
            ok = (r[:, None] >= 0) & (r[:, None] < h) & (q[None, :] >= 0) & (q[None, :] < w)
            rc, qc = np.clip(r, 0, max(h - 1, 0)), np.clip(q, 0, max(w - 1, 0))
            vals.append(x[:, rc][:, :, qc])                                # [B, OH, OW, C]
            idxs.append((rc[:, None] * w + qc[None, :]))                   # [OH, OW]
            valid.append(ok)
    return vals, idxs, valid, (oh, ow)


def _ref(x, ksize, strides, padding, output_dtype, include_batch_in_index):
    _infer([rules.ArraySpec(x)], ksize, strides, padding, output_dtype, include_batch_in_index)
    b, h, w, c = x.shape
    vals, idxs, valid, (oh, ow) = _windows(x, ksize, strides, padding)
    best = np.zeros((b, oh, ow, c), x.dtype)
    where = np.zeros((b, oh, ow, c), np.int64)
    found = np.zeros((b, oh, ow, c), bool)
    for v, i, ok in zip(vals, idxs, valid):
        ok = np.broadcast_to(ok[None, :, :, None], v.shape)
        # Strictly greater: the first maximum in the window wins a tie (TF's CPU kernel).
        take = ok & (~found | (v > best))
        best = np.where(take, v, best)
        where = np.where(take, i[None, :, :, None], where)
        found |= ok
    where = where * c + np.arange(c)
    if include_batch_in_index:
        where = where + (np.arange(b) * h * w * c)[:, None, None, None]
    return best, where.astype(output_dtype)


def _grad(inputs, outputs, dys, ksize, strides, padding, output_dtype, include_batch_in_index):
    if dys[0] is None:
        return (None,)
    g = dispatch(MAX_POOL_GRAD_WITH_ARGMAX, (inputs[0], dys[0], outputs[1]),
                 {"include_batch_in_index": include_batch_in_index})
    return (g,)


def _grad_infer(specs, include_batch_in_index):
    x, dy, argmax = specs
    rules.check_kind("max_pool_grad_with_argmax", argmax, "iu", 2)
    return [(x.shape, x.dtype)]


def _grad_ref(x, dy, argmax, include_batch_in_index):
    b = x.shape[0]
    per = int(np.prod(x.shape[1:], dtype=np.int64))
    flat = argmax.reshape(b, -1).astype(np.int64)
    if not include_batch_in_index:
        flat = flat + (np.arange(b) * per)[:, None]
    if flat.size and (flat.min() < 0 or flat.max() >= x.size):
        raise InvalidArgumentError(
            f"max_pool_grad_with_argmax: an argmax index is out of range for input shape "
            f"{x.shape}")
    out = np.zeros(x.size, dy.dtype)
    np.add.at(out, flat.reshape(-1), dy.reshape(-1))
    return out.reshape(x.shape)


MAX_POOL_WITH_ARGMAX = register("max_pool_with_argmax", OPAQUE, _infer, _ref, _grad,
                                num_outputs=2, doc="(max pool, flat argmax indices)")
MAX_POOL_GRAD_WITH_ARGMAX = register(
    "max_pool_grad_with_argmax", OPAQUE, _grad_infer, _grad_ref, same_dtype=(0, 1),
    doc="dy scattered (added) into an input-shaped tensor at the argmax positions")


def _pair(op, what, value):
    values = [value] if isinstance(value, int) else list(value)
    if len(values) == 1:
        values = values * 2
    elif len(values) == 4:
        if values[0] != 1 or values[3] != 1:
            raise UnimplementedError(
                f"{op}: Pooling is not yet supported on the batch or channel dimension "
                f"({what} {list(value)})")
        values = values[1:3]
    if len(values) != 2 or not all(isinstance(v, (int, np.integer)) and v > 0 for v in values):
        raise InvalidArgumentError(
            f"{op}: {what} must be a positive int or a list of 1, 2 or 4 of them, got {value!r}")
    return tuple(int(v) for v in values)


def max_pool_with_argmax(input, ksize, strides, padding, data_format="NHWC",  # noqa: A002
                         output_dtype=dtypes.int64, include_batch_in_index=False, name=None):
    """Max pooling of NHWC images with the flat index of each maximum:
    (y * width + x) * channels + c, plus b * height * width * channels with
    include_batch_in_index. Differentiable in the pooled values.

        >>> v, i = tf.nn.max_pool_with_argmax(tf.constant([[[[1.0], [3.0]], [[2.0], [0.0]]]]),
        ...                                   2, 2, "VALID")
        >>> float(v[0, 0, 0, 0]), int(i[0, 0, 0, 0])
        (3.0, 1)
    """
    from graphflow.ops.creation import convert_to_tensor
    op = "max_pool_with_argmax"
    if data_format != "NHWC":
        raise InvalidArgumentError(
            f"{op}: `data_format` values other than 'NHWC' are not supported. Received: "
            f"data_format={data_format}")
    if padding not in ("SAME", "VALID"):
        raise InvalidArgumentError(f"{op}: padding must be 'SAME' or 'VALID', got {padding!r}")
    attrs = {"ksize": _pair(op, "ksize", ksize), "strides": _pair(op, "strides", strides),
             "padding": padding, "output_dtype": dtypes.as_dtype(output_dtype).name,
             "include_batch_in_index": bool(include_batch_in_index)}
    values, argmax = dispatch(MAX_POOL_WITH_ARGMAX, (convert_to_tensor(input, name="input"),),
                              attrs, name)
    return values, argmax
