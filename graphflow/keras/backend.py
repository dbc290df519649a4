"""keras.backend: session-level helpers.

    >>> from graphflow import keras
    >>> keras.backend.clear_session()
"""
from graphflow.context import context


def clear_session():
    """Resets layer name counters (dense, dense_1, ... start again)."""
    context.keras_names.clear()


def floatx():
    return "float32"


def epsilon():
    return 1e-7
