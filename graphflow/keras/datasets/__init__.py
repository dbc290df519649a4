"""keras.datasets: MNIST, Fashion-MNIST, CIFAR-10/100, IMDB, Reuters, Boston and California
housing loaders (`<dataset>.load_data()`), with Keras's signatures and return shapes."""
from graphflow.keras.datasets import (  # noqa: F401
    boston_housing, california_housing, cifar10, cifar100, fashion_mnist, imdb, mnist, reuters)
