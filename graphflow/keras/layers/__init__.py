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
# Recurrent layers, their cells, masking and the RNN wrappers (issue 17).
from graphflow.keras.layers.masking import Masking  # noqa: F401,E402
from graphflow.keras.layers.rnn_cells import (  # noqa: F401,E402
    GRUCell, LSTMCell, SimpleRNNCell, StackedRNNCells)
from graphflow.keras.layers.recurrent import GRU, LSTM, RNN, SimpleRNN  # noqa: F401,E402
from graphflow.keras.layers.wrappers import Bidirectional, TimeDistributed  # noqa: F401,E402
