"""Fashion-MNIST: the same format and shapes as MNIST (clothing images, 10 classes).

graphflow pins no checksums for Fashion-MNIST, so it is never downloaded: put the four files in
$GRAPHFLOW_DATA_DIR/fashion_mnist/ (or pass path=).

    >>> from graphflow.keras.datasets import fashion_mnist
    >>> (x, y), _ = fashion_mnist.load_data()  # doctest: +SKIP
"""
from graphflow.keras.datasets import mnist

FILES = {name: None for name in mnist.FILES}


def load_data(path=None):
    return mnist.load_data(path, name="fashion_mnist", files=FILES, mirrors=[])
