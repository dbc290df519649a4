"""Keras preprocessing layers: Normalization, Discretization, CategoryEncoding, Hashing,
StringLookup, IntegerLookup, TextVectorization and the image layers (Resizing, CenterCrop,
RandomCrop, RandomFlip, RandomContrast, RandomRotation, RandomZoom, RandomTranslation).

Layers with state learned from data (`adapt`) compute it eagerly in NumPy with graphflow's
ops (so adapt and call agree on standardization and splitting); `call` uses registry ops only,
so the layers work eagerly, inside graphflow.function, in models and in Dataset.map.

    >>> from graphflow import keras
    >>> lookup = keras.layers.StringLookup(vocabulary=["a", "b"])
    >>> lookup(tf.constant(["b", "z", "a"])).numpy()
    array([2, 0, 1])
"""
from graphflow.keras.layers.preprocessing.affine import (  # noqa: F401
    RandomRotation, RandomTranslation, RandomZoom)
from graphflow.keras.layers.preprocessing.encoding import CategoryEncoding, Hashing  # noqa: F401
from graphflow.keras.layers.preprocessing.image import (  # noqa: F401
    CenterCrop, RandomContrast, RandomCrop, RandomFlip, Resizing)
from graphflow.keras.layers.preprocessing.lookup import IntegerLookup, StringLookup  # noqa: F401
from graphflow.keras.layers.preprocessing.numeric import Discretization, Normalization  # noqa: F401
from graphflow.keras.layers.preprocessing.text import TextVectorization  # noqa: F401
