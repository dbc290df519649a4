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
    audio_dataset_from_directory, image_dataset_from_directory, text_dataset_from_directory,
    timeseries_dataset_from_array)
from graphflow.keras.utils.progbar import Progbar  # noqa: E402,F401
from graphflow.keras.utils.history_plot import plot_history  # noqa: E402,F401
from graphflow.keras.utils.data_utils import get_file  # noqa: E402,F401
from graphflow.keras.utils.rng_utils import set_random_seed  # noqa: E402,F401
from graphflow.keras.utils.sequence_utils import normalize, pad_sequences  # noqa: E402,F401

from graphflow.keras.py_dataset import PyDataset, Sequence  # noqa: E402,F401
from graphflow.keras.utils.dataset_utils import split_dataset  # noqa: E402,F401
from graphflow.keras.utils.image_utils import (  # noqa: E402,F401
    array_to_img, img_to_array, load_img, save_img)
from graphflow.keras.utils.io_utils import (  # noqa: E402,F401
    disable_interactive_logging, enable_interactive_logging, is_interactive_logging_enabled)
from graphflow.keras.utils.serialization import (  # noqa: E402,F401
    deserialize_keras_object, serialize_keras_object)
from graphflow.keras.backend import clear_session, is_keras_tensor, standardize_dtype  # noqa: E402,F401,E501


def get_source_inputs(tensor):
    """The keras.Input tensors a symbolic tensor was computed from, in the order found.

        >>> from graphflow import keras
        >>> x = keras.Input((3,))
        >>> y = keras.layers.Dense(2)(keras.layers.Dense(4)(x))
        >>> keras.utils.get_source_inputs(y) == [x]
        True
    """
    from graphflow.keras.layers.base import InputLayer, KerasTensor
    if not isinstance(tensor, KerasTensor):
        return tensor  # Keras returns a non-Keras tensor as it is
    found, seen, stack = [], set(), [tensor]
    while stack:
        t = stack.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        history = getattr(t, "_keras_history", None) or getattr(t, "history", None)
        layer = history[0] if history else None
        if layer is None or isinstance(layer, InputLayer):
            found.append(t)
            continue
        node = layer._inbound_nodes[history[1]] if hasattr(layer, "_inbound_nodes") else None
        parents = [p for p in _flat(getattr(node, "input_tensors", None) or []) if
                   isinstance(p, KerasTensor)]
        stack.extend(reversed(parents) if parents else [])
        if not parents:
            found.append(t)
    return found


def _flat(structure):
    from graphflow.utils import nest
    return nest.flatten(structure)
from graphflow.keras.utils.config import Config  # noqa: E402,F401
from graphflow.keras.layers.preprocessing.feature_space import FeatureSpace  # noqa: E402,F401
