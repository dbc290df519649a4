"""Inputs of the wrong rank or shape, and bad fit/evaluate/predict arguments, raise a clear
ValueError (graphflow's InvalidArgumentError) as tf.keras 2.21 does, instead of silently
computing a wrong shape; Keras's rank adjustment (a trailing axis of 1 squeezed or added) is
kept. Messages follow Keras's ("Expected shape (None, 20), but input has incompatible shape
(20,)")."""
import numpy as np
import pytest

import graphflow as tf
from graphflow import keras
from graphflow.errors import InvalidArgumentError


def _models():
    inp = keras.Input((20,))
    functional = keras.Model(inp, keras.layers.Dense(10)(inp))
    sequential = keras.Sequential([keras.Input((20,)), keras.layers.Dense(10)])
    built = keras.Sequential([keras.layers.Dense(10)])
    built.build((None, 20))
    for m in (functional, sequential, built):
        m.compile("sgd", "mse")
    return {"functional": functional, "sequential": sequential, "built": built}


MODELS = _models()
RANK_ERROR = r"Expected shape \(None, 20\), but input has incompatible shape \(20,\)"
SHAPE_ERROR = r"expected shape=\(None, 20\), found shape=\(3, 21\)"


@pytest.mark.parametrize("kind", sorted(MODELS))
def test_wrong_rank_raises_in_every_entry_point(kind):
    model = MODELS[kind]
    x = np.ones(20, np.float32)  # one sample without its batch axis
    # issue 13: a Sequential model returned shape (10,) for this input
    with pytest.raises(InvalidArgumentError, match=RANK_ERROR):
        model.predict(x, verbose=0)
    with pytest.raises(InvalidArgumentError, match=RANK_ERROR):
        model(x)
    with pytest.raises(InvalidArgumentError, match=r"Expected shape \(None, 20\)"):
        model.fit(x, np.ones((20, 10), np.float32), verbose=0)
    with pytest.raises(InvalidArgumentError, match=r"Expected shape \(None, 20\)"):
        model.evaluate(x, np.ones((20, 10), np.float32), verbose=0)


@pytest.mark.parametrize("kind", sorted(MODELS))
def test_wrong_last_axis_names_the_expected_shape(kind):
    model = MODELS[kind]
    with pytest.raises(InvalidArgumentError, match=SHAPE_ERROR):
        model.predict(np.ones((3, 21), np.float32), verbose=0)
    with pytest.raises(InvalidArgumentError, match="incompatible with the layer"):
        model.evaluate(np.ones((3, 19), np.float32), np.ones((3, 10)), verbose=0)


@pytest.mark.parametrize("kind", sorted(MODELS))
def test_trailing_axis_of_one_is_adjusted_like_keras(kind):
    model = MODELS[kind]
    x = np.random.default_rng(0).random((3, 20)).astype(np.float32)
    np.testing.assert_allclose(model.predict(x[..., None], verbose=0),
                               model.predict(x, verbose=0), rtol=1e-6)
    inp = keras.Input((1,))
    column = keras.Model(inp, inp * 2.0)
    np.testing.assert_allclose(column(np.array([1.0, 2.0], np.float32)).numpy(), [[2.0], [4.0]])


X, Y = np.ones((8, 3), np.float32), np.ones((8, 1), np.float32)


def _small():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    return model


@pytest.mark.parametrize("kwargs, message", [
    ({"batch_size": 2.5}, "batch_size must be an integer >= 1 or None, got 2.5"),
    ({"batch_size": "4"}, "batch_size must be an integer"),
    ({"batch_size": 0}, "batch_size must be an integer >= 1"),
    ({"epochs": -1}, "epochs must be an integer >= 0, got -1"),
    ({"epochs": 2.5}, "epochs must be an integer"),
    ({"epochs": None}, "epochs must be an integer"),
    ({"initial_epoch": -1}, "initial_epoch must be an integer >= 0"),
    ({"validation_split": 1.5}, r"validation_split must be a float in \[0, 1\), got 1.5"),
    ({"validation_split": -0.1}, "validation_split must be a float"),
    ({"validation_split": "a"}, "validation_split must be a float"),
    ({"steps_per_epoch": 1.5}, "steps_per_epoch must be an integer"),
    ({"steps_per_epoch": 0}, "steps_per_epoch must be an integer >= 1"),
    ({"validation_freq": 0, "validation_data": (X, Y)}, "validation_freq must be an integer"),
    ({"validation_freq": 1.5, "validation_data": (X, Y)}, "validation_freq must be an integer"),
    ({"validation_batch_size": 0.5, "validation_data": (X, Y)}, "validation_batch_size"),
    ({"verbose": "x"}, "verbose must be 'auto', 0, 1 or 2"),
    ({"class_weight": [1.0]}, "class_weight must be a dict"),
])
def test_fit_argument_errors(kwargs, message):
    model = _small()
    before = model.get_weights()
    kwargs.setdefault("verbose", 0)
    with pytest.raises(InvalidArgumentError, match=message):
        model.fit(X, Y, **kwargs)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)  # nothing trained before the check


@pytest.mark.parametrize("method, kwargs, message", [
    ("evaluate", {"batch_size": 2.5}, "evaluate: batch_size must be an integer"),
    ("evaluate", {"steps": -2}, "evaluate: steps must be an integer >= 1"),
    ("predict", {"batch_size": 2.5}, "predict: batch_size must be an integer"),
    ("predict", {"steps": 0}, "predict: steps must be an integer >= 1"),
])
def test_evaluate_predict_argument_errors(method, kwargs, message):
    model = _small()
    args = (X, Y) if method == "evaluate" else (X,)
    with pytest.raises(InvalidArgumentError, match=message):
        getattr(model, method)(*args, verbose=0, **kwargs)


def test_keras_accepted_forms_still_work():
    model = _small()
    h = model.fit(X, Y, batch_size=np.int64(4), epochs=0, verbose=0)
    assert h.history == {}
    h = model.fit(X, Y, epochs=3, validation_data=[X, Y], validation_freq=[1, 3],
                  callbacks=keras.callbacks.History(), verbose=0)
    assert len(h.history["loss"]) == 3 and len(h.history["val_loss"]) == 2
    assert isinstance(model.evaluate(X, Y, batch_size=4, verbose=0), float)


def test_model_without_trainable_weights_trains_like_keras():
    inp = keras.Input((1,))
    model = keras.Model(inp, keras.layers.Lambda(lambda t: t)(inp))
    model.compile("sgd", "mse", weighted_metrics=[keras.metrics.Accuracy()])
    x = np.array([[1.0], [2.0], [3.0], [4.0]], np.float32)
    y = np.array([[0.0], [2.0], [3.0], [4.0]], np.float32)
    with pytest.warns(UserWarning, match="does not have any trainable weights"):
        h = model.fit(x, y, sample_weight=np.array([0.5, 1, 1, 1.5], np.float32), verbose=0)
    assert h.history["accuracy"] == [pytest.approx(0.875)]
