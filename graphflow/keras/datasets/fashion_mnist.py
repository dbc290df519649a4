"""Fashion-MNIST: the same format and shapes as MNIST (clothing images, 10 classes).

Found like MNIST (path=, $GRAPHFLOW_DATA_DIR/fashion_mnist/, the cache), else downloaded and
checked against the MD5 checksums the dataset's authors publish for their .gz files
(github.com/zalandoresearch/fashion-mnist; the same values torchvision pins).

    >>> from graphflow.keras.datasets import fashion_mnist
    >>> (x, y), _ = fashion_mnist.load_data()  # doctest: +SKIP
"""
from typing import List, Optional, Tuple

import numpy as np

from graphflow.keras.datasets import mnist

FILES = {
    "train-images-idx3-ubyte.gz": ("md5", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
    "train-labels-idx1-ubyte.gz": ("md5", "25c81989df183df01b3e8a0aad5dffbe"),
    "t10k-images-idx3-ubyte.gz": ("md5", "bef4ecab320f06d8554ea6380940ec79"),
    "t10k-labels-idx1-ubyte.gz": ("md5", "bb300cfdad3c16e7a12a480ee83cd310"),
}
# The authors' repository and bucket, then Keras's copy; a mirror whose file does not match the
# published checksum is skipped.
MIRRORS = ["https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion",
           "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com",
           "https://storage.googleapis.com/tensorflow/tf-keras-datasets"]


def load_data(path: Optional[str] = None, mirrors: Optional[List[str]] = None) -> Tuple[
        Tuple[np.ndarray, np.ndarray], Tuple[np.ndarray, np.ndarray]]:
    """(x_train, y_train), (x_test, y_test) as uint8 arrays, shaped like Keras's."""
    return mnist.load_data(path, name="fashion_mnist", files=FILES,
                           mirrors=MIRRORS if mirrors is None else mirrors)
