"""CIFAR-10: `(x_train, y_train), (x_test, y_test) = cifar10.load_data()`, uint8 images of
shape (50000, 32, 32, 3) and labels of shape (50000, 1) (10000 for the test set), as in Keras.

Reads `cifar-10-python.tar.gz` (the authors' archive, as Keras downloads it; its pickled
batches are read in memory with an unpickler that only rebuilds arrays) from `path`,
`$GRAPHFLOW_DATA_DIR/cifar10/` or the cache, else downloads it (checked against Keras's sha256).

    >>> from graphflow.keras.datasets import cifar10
    >>> (x, y), _ = cifar10.load_data()  # doctest: +SKIP
"""
from graphflow.keras.datasets import keras_files

FILE = "cifar-10-python.tar.gz"
SHA256 = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"
ORIGIN = "https://www.cs.toronto.edu/~kriz"
_DIR = "cifar-10-batches-py"


def load_data():
    """(x_train, y_train), (x_test, y_test) as uint8 arrays, shaped like Keras's."""
    data = keras_files.fetch("cifar10", FILE, ("sha256", SHA256), ORIGIN)
    train = keras_files.cifar_batches(data, FILE, [f"{_DIR}/data_batch_{i}" for i in range(1, 6)],
                                      "labels")
    test = keras_files.cifar_batches(data, FILE, [f"{_DIR}/test_batch"], "labels")
    # CIFAR-10's labels are uint8 in Keras (CIFAR-100's stay int64)
    return (keras_files.cifar_arrays(train[0], train[1].astype("uint8")),
            keras_files.cifar_arrays(test[0], test[1].astype("uint8")))
