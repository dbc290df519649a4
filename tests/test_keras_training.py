"""compile/fit/evaluate/predict: data formats, multi-output losses and metrics, validation,
weights, generators, batch-level APIs, and that the train step compiles once."""
import numpy as np
import pytest

import graphflow as tf
from graphflow import keras
from graphflow.errors import InvalidArgumentError

L = keras.layers
RNG = np.random.default_rng(0)


def classification_data(n=256, d=8, classes=3):
    x = RNG.standard_normal((n, d)).astype(np.float32)
    w = RNG.standard_normal((d, classes))
    y = (x @ w).argmax(-1)
    return x, y


def small_classifier(classes=3):
    return keras.Sequential([L.Dense(16, activation="relu"), L.Dense(classes, activation="softmax")])


def test_fit_learns_and_history_has_all_keys():
    x, y = classification_data()
    model = small_classifier()
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, y, batch_size=32, epochs=8, validation_split=0.25, verbose=0)
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert history.history["accuracy"][-1] > 0.8
    loss, acc = model.evaluate(x, y, verbose=0)
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    assert logs == {"loss": loss, "accuracy": acc}
    assert model.predict(x, verbose=0).shape == (256, 3)


def test_train_step_traces_once_per_shape_and_partial_batch_does_not_retrace():
    x, y = classification_data(n=100)
    model = small_classifier()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    model.fit(x, y, batch_size=32, epochs=3, verbose=0)  # 32, 32, 32, 4 per epoch
    assert model._train_fn.experimental_get_tracing_count() == 2


def test_accuracy_resolution_follows_keras_rules():
    x, y = classification_data(n=64)
    onehot = keras.utils.to_categorical(y, 3)
    m1 = small_classifier()
    m1.compile("adam", "categorical_crossentropy", metrics=["accuracy"])
    m1.fit(x, onehot, epochs=1, verbose=0)
    assert type(m1.metrics[-1]).__name__ == "CategoricalAccuracy"
    m2 = keras.Sequential([L.Dense(1, activation="sigmoid")])
    m2.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    m2.fit(x, (y == 1).astype("float32"), epochs=1, verbose=0)
    assert type(m2.metrics[-1]).__name__ == "BinaryAccuracy"


def test_multi_output_losses_metrics_and_weights_as_lists_and_dicts():
    inp = keras.Input((8,), name="features")
    h = L.Dense(8, activation="relu")(inp)
    priority = L.Dense(1, activation="sigmoid", name="priority")(h)
    department = L.Dense(3, activation="softmax", name="department")(h)
    model = keras.Model(inp, [priority, department])
    x, y = classification_data(n=64)
    yp = (y == 0).astype("float32")[:, None]
    for losses, metrics, weights, targets in [
        (["binary_crossentropy", "sparse_categorical_crossentropy"], [["mae"], ["accuracy"]],
         [1.0, 0.5], [yp, y]),
        ({"priority": "binary_crossentropy", "department": "sparse_categorical_crossentropy"},
         {"department": ["accuracy"]}, {"priority": 2.0}, {"priority": yp, "department": y}),
    ]:
        model.compile(optimizer="rmsprop", loss=losses, metrics=metrics, loss_weights=weights)
        history = model.fit(x, targets, epochs=2, batch_size=16, verbose=0)
        keys = set(history.history)
        assert {"loss", "priority_loss", "department_loss", "department_accuracy"} <= keys
    total = model.evaluate(x, {"priority": yp, "department": y}, verbose=0, return_dict=True)
    assert total["loss"] == pytest.approx(2.0 * total["priority_loss"] + total["department_loss"],
                                          rel=1e-4)


def test_generator_input_and_steps_per_epoch():
    x, y = classification_data(n=64)

    def batches():
        while True:
            for i in range(0, 64, 16):
                yield x[i:i + 16], y[i:i + 16]

    model = small_classifier()
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(batches(), steps_per_epoch=4, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    with pytest.raises(InvalidArgumentError, match="generator"):
        model.fit(batches(), y, epochs=1, verbose=0)


def test_sample_and_class_weights_change_the_loss():
    x, y = classification_data(n=64)
    model = small_classifier()
    model.compile("sgd", "sparse_categorical_crossentropy")
    base = model.evaluate(x, y, verbose=0)
    weighted = model.evaluate(x, y, sample_weight=np.where(y == 0, 2.0, 0.0), verbose=0)
    per = keras.losses.SparseCategoricalCrossentropy(reduction="none")(y, model.predict(x, verbose=0))
    assert weighted == pytest.approx(float(np.mean(per.numpy() * np.where(y == 0, 2.0, 0.0))),
                                     rel=1e-4)
    assert base != weighted
    model.fit(x, y, class_weight={0: 1.0, 1: 2.0, 2: 0.5}, epochs=1, verbose=0)


def test_batch_level_apis_and_run_eagerly():
    x, y = classification_data(n=32)
    model = small_classifier()
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"], run_eagerly=True)
    loss, acc = model.train_on_batch(x, y)
    logs = model.test_on_batch(x, y, return_dict=True)
    assert set(logs) == {"loss", "accuracy"} and np.isfinite(loss)
    assert model.predict_on_batch(x).shape == (32, 3)
    assert model._train_fn is model.train_step or not hasattr(model._train_fn, "get_concrete_function")


def test_eager_and_compiled_training_agree():
    x, y = classification_data(n=64)
    results = []
    for eager in (True, False):
        tf.random.set_seed(3)
        keras.backend.clear_session()
        model = small_classifier()
        model.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy",
                      run_eagerly=eager)
        model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
        results.append(model.get_weights())
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_progress_output(capsys):
    x, y = classification_data(n=64)
    model = small_classifier()
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, batch_size=16, epochs=2, verbose=1)
    out = capsys.readouterr().out
    assert "Epoch 1/2" in out and "4/4 ━━━━━━━━━━━━━━━━━━━━ " in out  # Keras 3's bar
    assert "loss:" in out and "accuracy:" in out and "step" in out
    model.fit(x, y, batch_size=16, epochs=1, verbose=2)
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert line.startswith("4/4 - ") and "loss:" in line
    model.fit(x, y, epochs=1, verbose=0)
    assert capsys.readouterr().out == ""


def test_errors_a_keras_user_expects():
    x, y = classification_data(n=16)
    model = small_classifier()
    with pytest.raises(InvalidArgumentError, match="compile"):
        model.fit(x, y, verbose=0)
    model.compile("adam", "sparse_categorical_crossentropy")
    with pytest.raises(InvalidArgumentError, match="cardinality.*16.*10"):
        model.fit(x, y[:10], verbose=0)
    with pytest.raises(InvalidArgumentError, match="Unknown optimizer|optimizer"):
        model.compile("adamz", "mse")


def test_epoch_loss_is_weighted_by_batch_size():
    x = RNG.standard_normal((50, 4)).astype(np.float32)
    y = RNG.standard_normal((50, 1)).astype(np.float32)
    model = keras.Sequential([keras.Input((4,)), L.Dense(1)])
    model.compile("sgd", "mse")
    a = model.evaluate(x, y, batch_size=16, verbose=0)
    b = model.evaluate(x, y, batch_size=50, verbose=0)
    assert a == pytest.approx(b, rel=1e-5)


def test_weighted_metrics_use_sample_weights():
    x = RNG.standard_normal((20, 4)).astype(np.float32)
    y = RNG.standard_normal((20, 1)).astype(np.float32)
    w = np.where(np.arange(20) < 10, 1.0, 0.0).astype(np.float32)
    model = keras.Sequential([keras.Input((4,)), L.Dense(1)])
    model.compile("sgd", "mse", metrics=["mae"], weighted_metrics=["mae"])
    logs = model.evaluate(x, y, sample_weight=w, verbose=0, return_dict=True)
    pred = model.predict(x, verbose=0)
    err = np.abs(pred - y)[:, 0]
    assert logs["mae"] == pytest.approx(err.mean(), rel=1e-5)
    assert logs["weighted_mae"] == pytest.approx(err[:10].mean(), rel=1e-5)
