"""California housing prices: `(x_train, y_train), (x_test, y_test) =
california_housing.load_data(version="large", path="california_housing.npz", test_split=0.2,
seed=113)`: 8 features per block and its median value; version="small" keeps the first 600.

Reads `california_housing.npz` from `$GRAPHFLOW_DATA_DIR/california_housing/` or the cache (or
`path` when it names a file), else downloads Keras's copy (checked against its sha256).

    >>> from graphflow.keras.datasets import california_housing
    >>> (x, y), _ = california_housing.load_data()  # doctest: +SKIP
"""
from graphflow.errors import InvalidArgumentError
from graphflow.keras.datasets import keras_files

FILE = "california_housing.npz"
SHA256 = "1a2e3a52e0398de6463aebe6f4a8da34fb21fbb6b934cf88c3425e766f2a1a6f"


def load_data(version="large", path=FILE, test_split=0.2, seed=113):
    """(x_train, y_train), (x_test, y_test) as NumPy arrays, split as Keras's."""
    keras_files.check_test_split(test_split)
    if version not in ("small", "large"):
        raise InvalidArgumentError(
            f"Argument `version` must be one of 'small', 'large'. Received: version={version}")
    data = keras_files.fetch("california_housing", FILE, ("sha256", SHA256), path=path)
    x, y = keras_files.require(keras_files.load_npz(data, path), ("x", "y"), path)
    if version == "small":
        x, y = x[:600], y[:600]
    return keras_files.split_shuffled(x, y, test_split, seed)
