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

from graphflow.keras.py_dataset import PyDataset, Sequence  # noqa: E402,F401
