"""keras.backend: session-level helpers.

    >>> from graphflow import keras
    >>> keras.backend.clear_session()
    >>> keras.backend.image_data_format()
    'channels_last'
"""
from graphflow.context import context
from graphflow.errors import InvalidArgumentError


def clear_session(free_memory=True):
    """Resets layer name counters (dense, dense_1, ... start again)."""
    context.keras_names.clear()


def floatx():
    return "float32"


def epsilon():
    return 1e-7


def backend():
    """The name of the backend Keras runs on."""
    return "graphflow"


def image_data_format():
    """Keras's default image layout: graphflow's layers are channels_last (NHWC)."""
    return "channels_last"


def set_image_data_format(data_format):
    """Only 'channels_last' exists here: graphflow's conv/pool layers are NHWC only."""
    if data_format not in ("channels_last", "channels_first"):
        raise InvalidArgumentError(
            "The `data_format` argument must be one of {'channels_first', 'channels_last'}. "
            f"Received: data_format={data_format!r}")
    if data_format != "channels_last":
        raise InvalidArgumentError(
            "set_image_data_format: graphflow's image layers support only 'channels_last'")
