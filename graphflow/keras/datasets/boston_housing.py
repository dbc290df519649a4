"""Boston housing prices: `(x_train, y_train), (x_test, y_test) =
boston_housing.load_data(path="boston_housing.npz", test_split=0.2, seed=113)`: 13 float64
features per house and its price, shuffled with RandomState(seed) and split as Keras does.

Reads `boston_housing.npz` from `$GRAPHFLOW_DATA_DIR/boston_housing/` or the cache (or `path`
when it names a file), else downloads Keras's copy (checked against its sha256).

    >>> from graphflow.keras.datasets import boston_housing
    >>> (x, y), _ = boston_housing.load_data()  # doctest: +SKIP
"""
from graphflow.keras.datasets import keras_files

FILE = "boston_housing.npz"
SHA256 = "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"


def load_data(path=FILE, test_split=0.2, seed=113):
    """(x_train, y_train), (x_test, y_test) as NumPy arrays, split as Keras's."""
    keras_files.check_test_split(test_split)
    data = keras_files.fetch("boston_housing", FILE, ("sha256", SHA256), path=path)
    x, y = keras_files.require(keras_files.load_npz(data, path), ("x", "y"), path)
    return keras_files.split_shuffled(x, y, test_split, seed)
