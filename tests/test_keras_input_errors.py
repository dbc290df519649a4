"""The common input mistakes get Keras's messages (checked against tf.keras 2.21), never an
AttributeError or a shape error from deep inside: a list given to a one-input layer, and a
batch of the wrong rank given to a model built for (None, 20)."""
import numpy as np
import pytest

from graphflow import keras
from graphflow.errors import InvalidArgumentError

L = keras.layers


@pytest.fixture(autouse=True)
def fresh_names():
    keras.backend.clear_session()


@pytest.mark.parametrize("make", [lambda: L.Dense(3), lambda: L.Conv2D(2, 3), lambda: L.Flatten(),
                                  lambda: L.MaxPooling2D(), lambda: L.GlobalAveragePooling2D(),
                                  lambda: L.BatchNormalization(), lambda: L.Embedding(3, 2)])
def test_list_into_a_one_input_layer(make):
    a, b = keras.Input((4,)), keras.Input((4,))
    layer = make()
    with pytest.raises(ValueError, match=rf'^Layer "{layer.name}" expects 1 input\(s\), but it '
                       r"received 2 input tensors\. Inputs received: \[<KerasTensor"):
        layer([a, b])
    eager = [np.ones((2, 4), np.float32)] * 3
    with pytest.raises(InvalidArgumentError, match="expects 1 input.*received 3 input tensors"):
        layer(eager)


def sequential():
    return keras.Sequential([keras.Input((20,)), L.Dense(3)])


def functional():
    x = keras.Input((20,))
    return keras.Model(x, L.Dense(3)(x))


def run(model, how, x):
    if how == "call":
        return model(x)
    if how == "predict":
        return model.predict(x, verbose=0)
    model.compile("sgd", "mse")
    return getattr(model, how)(x, np.ones((len(x), 3), np.float32), verbose=0)


@pytest.mark.parametrize("how", ["call", "predict", "fit", "evaluate"])
def test_wrong_rank_into_sequential(how):
    model = sequential()
    model.predict(np.ones((2, 20), np.float32), verbose=0)  # a trace for the right shape first
    with pytest.raises(ValueError, match=r"^Invalid input shape for input Tensor\(shape=\(2, 3, "
                       r"20\), dtype=float32\) with name 'input_layer'\. Expected shape \(None, "
                       r"20\), but input has incompatible shape \(2, 3, 20\)$"):
        run(model, how, np.ones((2, 3, 20), np.float32))


@pytest.mark.parametrize("how", ["call", "predict", "fit", "evaluate"])
def test_wrong_rank_into_functional(how):
    model = functional()
    with pytest.raises(ValueError, match=r"^Input 0 with name 'input_layer' of layer 'functional' "
                       r"is incompatible with the layer: expected shape=\(None, 20\), found "
                       r"shape=\(2, 3, 20\)$"):
        run(model, how, np.ones((2, 3, 20), np.float32))


def test_right_shapes_still_run():
    for model in (sequential(), functional()):
        assert model.predict(np.ones((5, 20), np.float32), verbose=0).shape == (5, 3)
        assert model(np.ones((1, 20), np.float32)).shape == (1, 3)
