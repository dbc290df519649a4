"""MNIST digits: `(x_train, y_train), (x_test, y_test) = mnist.load_data()`, uint8 arrays of
shapes (60000, 28, 28), (60000,), (10000, 28, 28), (10000,) as in Keras.

    >>> from graphflow.keras.datasets import mnist
    >>> (x, y), _ = mnist.load_data()  # doctest: +SKIP
"""
from typing import List, Optional, Tuple

import numpy as np

from graphflow.keras.datasets.idx import load_files, parse_idx

# sha256 of each file's decompressed IDX content (computed from the real MNIST files).
FILES = {
    "train-images-idx3-ubyte.gz": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte.gz": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte.gz": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte.gz": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
MIRRORS = ["https://storage.googleapis.com/cvdf-datasets/mnist",
           "https://ossci-datasets.s3.amazonaws.com/mnist"]


def load_data(path: Optional[str] = None, name: str = "mnist", files: Optional[dict] = None,
              mirrors: Optional[List[str]] = None) -> Tuple[Tuple[np.ndarray, np.ndarray],
                                                            Tuple[np.ndarray, np.ndarray]]:
    files = files or FILES
    raw = load_files(name, files, MIRRORS if mirrors is None else mirrors, path)
    names = list(files)
    x_train = parse_idx(raw[names[0]], names[0])
    y_train = parse_idx(raw[names[1]], names[1])
    x_test = parse_idx(raw[names[2]], names[2])
    y_test = parse_idx(raw[names[3]], names[3])
    return (x_train, y_train), (x_test, y_test)
