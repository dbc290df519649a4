"""Callbacks driven by a real fit loop: EarlyStopping (restore_best_weights), ModelCheckpoint
(save_best_only, files loadable), LearningRateScheduler (no retracing), CSVLogger, TerminateOnNaN,
LambdaCallback, and a custom callback seeing every hook."""
import csv

import numpy as np
import pytest

from graphflow import keras

L = keras.layers
RNG = np.random.default_rng(1)
X = RNG.standard_normal((64, 4)).astype(np.float32)
Y = (X @ np.array([1.0, -2.0, 0.5, 0.0], np.float32))[:, None]


def regression_model(lr=0.05):
    model = keras.Sequential([keras.Input((4,)), L.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(lr), loss="mse")
    return model


def test_early_stopping_restores_best_weights():
    model = regression_model(lr=0.05)

    stopper = keras.callbacks.EarlyStopping(monitor="loss", patience=2, restore_best_weights=True)
    best = {}

    class Spy(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if not best or logs["loss"] < best["loss"]:
                best.update(loss=logs["loss"], weights=self.model.get_weights())
            if epoch >= 3:  # from here on, make training diverge
                self.model.optimizer.learning_rate = 5.0

    history = model.fit(X, Y, epochs=30, batch_size=16, verbose=0, callbacks=[Spy(), stopper])
    assert len(history.history["loss"]) < 30
    for got, want in zip(model.get_weights(), best["weights"]):
        np.testing.assert_allclose(got, want)


def test_model_checkpoint_best_only(tmp_path):
    model = regression_model()
    path = str(tmp_path / "ckpt-{epoch:02d}.keras")
    ckpt = keras.callbacks.ModelCheckpoint(path, monitor="val_loss", save_best_only=True)
    model.fit(X, Y, epochs=4, batch_size=16, validation_split=0.25, verbose=0, callbacks=[ckpt])
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files and files[0] == "ckpt-01.keras"
    restored = keras.models.load_model(tmp_path / files[-1])
    assert restored.predict(X[:3], verbose=0).shape == (3, 1)
    weights_only = keras.callbacks.ModelCheckpoint(str(tmp_path / "w.weights.npz"),
                                                   save_weights_only=True)
    model.fit(X, Y, epochs=1, verbose=0, callbacks=[weights_only])
    clone = regression_model()
    clone.load_weights(tmp_path / "w.weights.npz")
    np.testing.assert_array_equal(clone.get_weights()[0], model.get_weights()[0])


def test_learning_rate_scheduler_changes_lr_without_retracing():
    model = regression_model(lr=0.1)
    seen = []
    sched = keras.callbacks.LearningRateScheduler(lambda epoch, lr: 0.1 * 0.5 ** epoch)
    spy = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: seen.append(float(model.optimizer.learning_rate)))
    model.fit(X, Y, epochs=3, batch_size=64, verbose=0, callbacks=[sched, spy])
    np.testing.assert_allclose(seen, [0.1, 0.05, 0.025], rtol=1e-6)
    assert model._train_fn.experimental_get_tracing_count() == 1


def test_csv_logger_and_terminate_on_nan(tmp_path):
    model = regression_model()
    log = tmp_path / "log.csv"
    model.fit(X, Y, epochs=3, verbose=0, callbacks=[keras.callbacks.CSVLogger(str(log))])
    rows = list(csv.DictReader(open(log)))
    assert [r["epoch"] for r in rows] == ["0", "1", "2"] and "loss" in rows[0]
    bad = regression_model(lr=1e30)
    history = bad.fit(X * 1e10, Y, epochs=5, verbose=0, callbacks=[keras.callbacks.TerminateOnNaN()])
    assert len(history.history["loss"]) == 1


def test_every_hook_is_called_in_order():
    calls = []

    class Recorder(keras.callbacks.Callback):
        def __getattribute__(self, name):
            if name.startswith("on_"):
                calls.append(name)
            return object.__getattribute__(self, name)

    model = regression_model()
    model.fit(X, Y, epochs=2, batch_size=32, validation_data=(X, Y), verbose=0,
              callbacks=[Recorder()])
    assert calls[0] == "on_train_begin" and calls[-1] == "on_train_end"
    assert calls.count("on_epoch_begin") == 2 and calls.count("on_train_batch_end") == 4
    model.evaluate(X, Y, verbose=0, callbacks=[Recorder()])
    assert "on_test_begin" in calls and "on_test_batch_end" in calls


def test_reduce_lr_on_plateau():
    model = regression_model(lr=1e-9)  # so small that the loss never improves
    reduce = keras.callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1, min_lr=0.0)
    model.fit(X, Y, epochs=4, verbose=0, callbacks=[reduce])
    assert float(model.optimizer.learning_rate) < 1e-9


def test_validation_in_fit_runs_the_test_hooks_like_keras3():
    calls = []

    class Recorder(keras.callbacks.Callback):
        def on_test_begin(self, logs=None):
            calls.append("test_begin")

        def on_test_batch_end(self, batch, logs=None):
            calls.append(("test_batch_end", batch))

        def on_test_end(self, logs=None):
            calls.append(("test_end", sorted(logs)))

        def on_epoch_end(self, epoch, logs=None):
            calls.append(("epoch_end", sorted(logs)))

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    model.fit(np.ones((4, 2)), np.ones(4), batch_size=2, epochs=1, verbose=0,
              validation_data=(np.ones((4, 2)), np.ones(4)), validation_batch_size=2,
              callbacks=[Recorder()])
    # the sequence Keras 3.15 records for the same fit
    assert calls == ["test_begin", ("test_batch_end", 0), ("test_batch_end", 1),
                     ("test_end", ["loss"]), ("epoch_end", ["loss", "val_loss"])]
