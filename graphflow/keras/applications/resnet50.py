"""`keras.applications.resnet50`: ResNet50 and its preprocessing (Keras's alias module of
`resnet`).

    >>> from graphflow.keras.applications import resnet50
    >>> resnet50.ResNet50 is resnet50.resnet.ResNet50
    True
"""
from graphflow.keras.applications import resnet
from graphflow.keras.applications.resnet import (  # noqa: F401
    ResNet50, decode_predictions, preprocess_input)
