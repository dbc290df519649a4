"""keras.datasets: MNIST and Fashion-MNIST loaders (mnist.load_data(), fashion_mnist.load_data())."""
from graphflow.keras.datasets import fashion_mnist, mnist  # noqa: F401
