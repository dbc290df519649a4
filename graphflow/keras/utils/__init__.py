"""keras.utils: to_categorical, pad_sequences, normalize, get_file, set_random_seed, data
unpacking, summary printing, progress bar, plotting, object registration."""
from typing import Any, Optional

import numpy as np

from graphflow.errors import InvalidArgumentError
from graphflow.keras.data_adapter import (  # noqa: F401
    pack_x_y_sample_weight, unpack_x_y_sample_weight)
from graphflow.keras.object_registration import (  # noqa: F401
    CustomObjectScope, custom_object_scope, get_custom_objects, get_registered_name,
    get_registered_object, register_keras_serializable)


def set_random_seed(seed: int) -> None:
    """Seeds Python's `random`, NumPy's global generator and graphflow's global seed at once
    (Keras's `keras.utils.set_random_seed`), so a training run repeats exactly.

        >>> keras.utils.set_random_seed(1); a = tf.random.uniform([2]).numpy()
        >>> keras.utils.set_random_seed(1); bool((a == tf.random.uniform([2]).numpy()).all())
        True
    """
    import random
    from graphflow.ops.random import set_seed
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise InvalidArgumentError(
            f"set_random_seed: expected an integer seed, got {type(seed).__name__} {seed!r:.40}")
    random.seed(int(seed))
    np.random.seed(int(seed) % 2**32)
    set_seed(int(seed))


def to_categorical(y: Any, num_classes: Optional[int] = None, dtype: str = "float32") -> np.ndarray:
    """One-hot rows for integer class labels.

        >>> to_categorical([0, 2], 3)
        array([[1., 0., 0.],
               [0., 0., 1.]], dtype=float32)
    """
    y = np.asarray(y, dtype=np.int64)
    if y.ndim and y.shape[-1] == 1 and y.ndim > 1:
        y = y.reshape(y.shape[:-1])
    if num_classes is None:
        num_classes = int(y.max()) + 1 if y.size else 0
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        raise InvalidArgumentError(
            f"to_categorical: labels must be in [0, {num_classes}), got values in "
            f"[{y.min()}, {y.max()}]")
    out = np.zeros(y.shape + (num_classes,), dtype=dtype)
    np.put_along_axis(out, y[..., None], 1, axis=-1)
    return out
from graphflow.keras.utils.vis_utils import model_to_dot, plot_model  # noqa: E402,F401
from graphflow.keras.utils.dataset_utils import (  # noqa: E402,F401
    image_dataset_from_directory, text_dataset_from_directory, timeseries_dataset_from_array)
from graphflow.keras.utils.progbar import Progbar  # noqa: E402,F401
from graphflow.keras.utils.history_plot import plot_history  # noqa: E402,F401
from graphflow.keras.utils.data_utils import get_file  # noqa: E402,F401
from graphflow.keras.utils.rng_utils import set_random_seed  # noqa: E402,F401
from graphflow.keras.utils.sequence_utils import normalize, pad_sequences  # noqa: E402,F401


def unpack_x_y_sample_weight(data):
    """(x, y, sample_weight) from x, (x,), (x, y) or (x, y, sample_weight); missing parts None.

        >>> keras.utils.unpack_x_y_sample_weight((1, 2))
        (1, 2, None)
    """
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data[0], data[1], data[2]
    raise InvalidArgumentError(
        "Data is expected to be in format `x`, `(x,)`, `(x, y)`, or `(x, y, sample_weight)`, "
        f"found: {data!r:.200}")


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """The inverse of unpack_x_y_sample_weight: x, (x, y) or (x, y, sample_weight)."""
    if y is None:
        return x if not isinstance(x, (tuple, list)) else (x,)
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)
