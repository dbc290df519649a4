"""CIFAR-100: `(x_train, y_train), (x_test, y_test) = cifar100.load_data(label_mode="fine")`,
uint8 images of shape (50000, 32, 32, 3) and labels of shape (50000, 1) (10000 for the test
set): 100 fine classes, or 20 coarse ones with label_mode="coarse", as in Keras.

Reads `cifar-100-python.tar.gz` from `$GRAPHFLOW_DATA_DIR/cifar100/` or the cache, else
downloads it (checked against Keras's sha256).

    >>> from graphflow.keras.datasets import cifar100
    >>> (x, y), _ = cifar100.load_data()  # doctest: +SKIP
"""
from graphflow.errors import InvalidArgumentError
from graphflow.keras.datasets import keras_files

FILE = "cifar-100-python.tar.gz"
SHA256 = "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"
ORIGIN = "https://www.cs.toronto.edu/~kriz"


def load_data(label_mode="fine"):
    """(x_train, y_train), (x_test, y_test) as uint8 arrays, shaped like Keras's."""
    if label_mode not in ("fine", "coarse"):
        raise InvalidArgumentError(
            f'`label_mode` must be one of `"fine"`, `"coarse"`. Received: label_mode={label_mode}.')
    data = keras_files.fetch("cifar100", FILE, ("sha256", SHA256), ORIGIN)
    key = f"{label_mode}_labels"
    train = keras_files.cifar_batches(data, FILE, ["cifar-100-python/train"], key)
    test = keras_files.cifar_batches(data, FILE, ["cifar-100-python/test"], key)
    return keras_files.cifar_arrays(*train), keras_files.cifar_arrays(*test)
