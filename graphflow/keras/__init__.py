"""graphflow.keras: the Keras API on graphflow (also `tf.keras` under `import graphflow as tf`).

    >>> from graphflow import keras
    >>> model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(2)])
    >>> model.output_shape if hasattr(model, "output_shape") else None
    TensorShape([None, 2])
"""
from graphflow.keras import (  # noqa: F401
    activations, callbacks, constraints, initializers, layers, losses, metrics, optimizers,
    regularizers)
from graphflow.keras import backend, config, datasets, ops, random, tree, utils  # noqa: F401
from graphflow.keras import preprocessing  # noqa: F401,E402
from graphflow.keras import applications  # noqa: F401,E402
from graphflow.keras.layers import Input  # noqa: F401
from graphflow.keras.models import Model, Sequential  # noqa: F401
from graphflow.keras import models  # noqa: F401
from graphflow.keras.saving import load_model  # noqa: F401
from graphflow.keras import saving  # noqa: F401,E402

models.load_model = load_model
models.save_model = saving.save_model
models.model_from_json = saving.model_from_json
models.model_from_config = saving.model_from_config
from graphflow.keras.saving.cloning import clone_model  # noqa: E402
models.clone_model = clone_model

# Keras 3's top-level classes and helpers
from graphflow.keras.layers.base import KerasTensor, Layer  # noqa: E402,F401
from graphflow.keras.layers.input_spec import InputSpec  # noqa: E402,F401
from graphflow.keras.losses import Loss  # noqa: E402,F401
from graphflow.keras.metrics import Metric  # noqa: E402,F401
from graphflow.keras.optimizers import Optimizer  # noqa: E402,F401
from graphflow.keras.initializers import Initializer  # noqa: E402,F401
from graphflow.keras.regularizers import Regularizer  # noqa: E402,F401
from graphflow.keras.constraints import Constraint  # noqa: E402,F401
from graphflow.keras.config import DTypePolicy, FloatDTypePolicy  # noqa: E402,F401
from graphflow.keras.core import Function, Variable, name_scope, version  # noqa: E402,F401
from graphflow.devices import device  # noqa: E402,F401 - keras.device("cpu:0"), as tf.device

__version__ = version()
