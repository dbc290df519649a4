"""Keras layers (graphflow.keras.layers)."""
from graphflow.keras.layers.base import Input, InputLayer, KerasTensor, Layer  # noqa: F401
from graphflow.keras.layers.core import (  # noqa: F401
    Activation, Dense, Dropout, Embedding, Flatten, Lambda, Rescaling, Reshape)
from graphflow.keras.layers.merge import (  # noqa: F401
    Add, Average, Concatenate, Maximum, Minimum, Multiply, Subtract, add, average, concatenate,
    multiply)
from graphflow.keras.layers.normalization import BatchNormalization, LayerNormalization  # noqa: F401
from graphflow.keras.layers.conv import (  # noqa: F401,E402
    AveragePooling2D, AvgPool2D, Conv2D, GlobalAveragePooling2D, GlobalMaxPooling2D, MaxPool2D,
    MaxPooling2D)
