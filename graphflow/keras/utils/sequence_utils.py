"""keras.utils.pad_sequences and keras.utils.normalize.

    >>> keras.utils.pad_sequences([[1, 2, 3], [4]], maxlen=2)
    array([[2, 3],
           [0, 4]], dtype=int32)
"""
import numpy as np

from graphflow.errors import InvalidArgumentError


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre",
                  value=0.0):
    """Pads (or truncates) a list of sequences to one length: a NumPy array (n, maxlen, ...).

    padding/truncating 'pre' work at the start of each sequence, 'post' at its end.

        >>> keras.utils.pad_sequences([[1], [2, 3]], padding="post", value=-1)
        array([[ 1, -1],
               [ 2,  3]], dtype=int32)
    """
    if not hasattr(sequences, "__len__"):
        raise InvalidArgumentError("pad_sequences: `sequences` must be iterable (a list of lists)")
    for name, v in (("padding", padding), ("truncating", truncating)):
        if v not in ("pre", "post"):
            raise InvalidArgumentError(
                f"pad_sequences: {name} must be 'pre' or 'post', got {v!r}")
    lengths, sample_shape, seen_shape = [], (), False
    for i, s in enumerate(sequences):
        if not hasattr(s, "__len__"):
            raise InvalidArgumentError(
                f"pad_sequences: `sequences` must be a list of iterables; element {i} is "
                f"{type(s).__name__} {s!r}")
        lengths.append(len(s))
        if len(s) and not seen_shape:
            sample_shape, seen_shape = np.asarray(s).shape[1:], True
    if maxlen is None:
        maxlen = max(lengths, default=0)
    is_text = np.issubdtype(np.dtype(dtype), np.str_) or np.dtype(dtype) == object
    if isinstance(value, str) and not is_text:
        raise InvalidArgumentError(
            f"pad_sequences: a string padding value needs dtype object or str, got dtype {dtype}")
    out = np.full((len(lengths), maxlen) + sample_shape, value, dtype=dtype)
    for i, s in enumerate(sequences):
        if not len(s) or maxlen == 0:
            continue
        trunc = np.asarray(s, dtype=dtype)[-maxlen:] if truncating == "pre" else \
            np.asarray(s, dtype=dtype)[:maxlen]
        if trunc.shape[1:] != sample_shape:
            raise InvalidArgumentError(
                f"pad_sequences: sequence {i} has elements of shape {trunc.shape[1:]}, "
                f"expected {sample_shape} like the first non-empty sequence")
        if padding == "post":
            out[i, :len(trunc)] = trunc
        else:
            out[i, maxlen - len(trunc):] = trunc
    return out


def normalize(x, axis=-1, order=2):
    """x divided by its `order`-norm along `axis` (zero vectors stay zero). A NumPy array in
    gives a NumPy array; anything else (a list, a tensor) gives a tensor, as in Keras 3.

        >>> keras.utils.normalize(np.array([[3.0, 4.0], [0.0, 0.0]]))
        array([[0.6, 0.8],
               [0. , 0. ]])
    """
    from graphflow.tensor import Tensor, Variable
    if not isinstance(x, np.ndarray):
        from graphflow.ops import api as ops
        if not isinstance(x, (Tensor, Variable)) or not x.dtype.is_floating:
            x = ops.cast(x, "float32")
        norm = ops.norm(x, ord=order, axis=axis, keepdims=True)
        return ops.where(ops.equal(norm, 0), ops.zeros_like(x), x / ops.where(
            ops.equal(norm, 0), ops.ones_like(norm), norm))
    x = np.asarray(x)
    norm = np.atleast_1d(np.linalg.norm(x, order, axis))
    norm[norm == 0] = 1
    return x / np.expand_dims(norm, axis)
