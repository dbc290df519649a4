"""What `adapt(data)` iterates: NumPy arrays, lists, tensors (in batches of `batch_size`) or a
tf.data Dataset (its elements, up to `steps`), each batch as a NumPy array."""
import numpy as np

from graphflow.errors import InvalidArgumentError


def adapt_batches(layer, data, batch_size=None, steps=None):
    """Yields the batches of `data` as NumPy arrays (object arrays of bytes for strings)."""
    from graphflow.data import Dataset
    if isinstance(data, Dataset):
        for i, element in enumerate(data):
            if steps is not None and i >= steps:
                return
            if isinstance(element, (tuple, list)):
                raise InvalidArgumentError(
                    f"{type(layer).__name__}.adapt: the dataset must yield inputs only, got "
                    f"elements of {len(element)} parts (map the labels away first)")
            yield _numpy(element)
        return
    if steps is not None and batch_size is None:
        batch_size = 32  # Keras's default when steps are given for an array
    array = _numpy(data)
    if array.ndim == 0 or batch_size is None:
        yield array
        return
    for i, start in enumerate(range(0, len(array), int(batch_size))):
        if steps is not None and i >= steps:
            return
        yield array[start:start + int(batch_size)]


def _numpy(x):
    if hasattr(x, "numpy"):
        x = x.numpy()
    if isinstance(x, (list, tuple)):
        x = np.asarray(x, dtype=object if _has_text(x) else None)
    x = np.asarray(x)
    if x.dtype.kind == "U":
        x = np.vectorize(lambda s: s.encode("utf-8"), otypes=[object])(x)
    elif x.dtype.kind == "S":
        x = x.astype(object)
    return x


def _has_text(seq):
    for v in seq:
        if isinstance(v, (list, tuple)):
            if _has_text(v):
                return True
        elif isinstance(v, (str, bytes)):
            return True
    return False
