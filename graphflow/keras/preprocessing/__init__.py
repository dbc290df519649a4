"""keras.preprocessing: Keras 3's older home of the dataset and image helpers (the same
functions as keras.utils, kept under these names so tf.keras 2 code runs unchanged).

    >>> from graphflow import keras
    >>> keras.preprocessing.sequence.pad_sequences([[1, 2], [3]]).tolist()
    [[1, 2], [0, 3]]
    >>> keras.preprocessing.image_dataset_from_directory is keras.utils.image_dataset_from_directory
    True
"""
from graphflow.keras.preprocessing import image, sequence  # noqa: F401
from graphflow.keras.utils import (  # noqa: F401
    image_dataset_from_directory, text_dataset_from_directory, timeseries_dataset_from_array)
