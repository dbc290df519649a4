"""Callbacks driven through CallbackList hooks with a small stub model (stop_training,
optimizer.learning_rate, get/set_weights, save/save_weights), plus one with a real optimizer."""
import csv
import math

import numpy as np
import pytest

from graphflow.errors import InvalidArgumentError
from graphflow.keras import callbacks, optimizers


class StubOptimizer:
    def __init__(self, learning_rate):
        self.learning_rate = learning_rate


class StubModel:
    def __init__(self, learning_rate=0.1):
        self.stop_training = False
        self.optimizer = StubOptimizer(learning_rate)
        self.weights = [np.zeros(2)]
        self.saved = []
        self.history = None

    def get_weights(self):
        return [w.copy() for w in self.weights]

    def set_weights(self, weights):
        self.weights = [np.array(w) for w in weights]

    def save(self, path):
        self.saved.append(("model", path))

    def save_weights(self, path):
        self.saved.append(("weights", path))


def run_epochs(cbs, model, epoch_logs, batches=0, batch_logs=None):
    """Drives `cbs` like fit: train begin, per epoch (batches, epoch end), train end. Each
    epoch's weights are set to [epoch, epoch] so restore_best_weights can be checked."""
    hooks = callbacks.CallbackList(cbs, model=model, epochs=len(epoch_logs), steps=batches)
    hooks.on_train_begin()
    ran = []
    for epoch, logs in enumerate(epoch_logs):
        hooks.on_epoch_begin(epoch)
        for b in range(batches):
            hooks.on_train_batch_begin(b)
            hooks.on_train_batch_end(b, (batch_logs or {}).copy())
        model.weights = [np.full(2, float(epoch))]
        hooks.on_epoch_end(epoch, dict(logs))
        ran.append(epoch)
        if model.stop_training:
            break
    hooks.on_train_end()
    return ran


def test_callback_list_dispatches_every_hook_with_model_and_params():
    calls = []

    class Recorder(callbacks.Callback):
        def __getattribute__(self, name):
            if name.startswith("on_"):
                return lambda *args: calls.append((name, args))
            return super().__getattribute__(name)

    model = StubModel()
    rec = Recorder()
    hooks = callbacks.CallbackList([rec], model=model, verbose=0, epochs=3)
    assert rec.model is model and rec.params == {"verbose": 0, "epochs": 3}
    for hook in ("on_train_begin", "on_test_begin", "on_predict_begin", "on_train_end",
                 "on_test_end", "on_predict_end"):
        getattr(hooks, hook)({"x": 1})
    for hook in ("on_epoch_begin", "on_epoch_end", "on_train_batch_begin", "on_train_batch_end",
                 "on_test_batch_begin", "on_test_batch_end", "on_predict_batch_begin",
                 "on_predict_batch_end"):
        getattr(hooks, hook)(2, {"x": np.float32(1.5)})
    names = [c[0] for c in calls]
    assert len(names) == 14 and names[0] == "on_train_begin" and "on_predict_batch_end" in names
    assert calls[-1][1] == (2, {"x": 1.5}) and type(calls[-1][1][1]["x"]) is float


def test_history_records_epochs_and_sets_model_history():
    model = StubModel()
    history = callbacks.History()
    run_epochs([history], model, [{"loss": 1.0, "val_loss": 2.0}, {"loss": 0.5, "val_loss": 1.0}])
    assert history.history == {"loss": [1.0, 0.5], "val_loss": [2.0, 1.0]}
    assert history.epoch == [0, 1]
    assert model.history is history
    hooks = callbacks.CallbackList([], add_history=True)
    assert isinstance(hooks.callbacks[-1], callbacks.History)


def test_early_stopping_patience_and_restore_best_weights():
    model = StubModel()
    stop = callbacks.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    logs = [{"val_loss": v} for v in (1.0, 0.5, 0.6, 0.7, 0.4)]
    ran = run_epochs([stop], model, logs)
    assert ran == [0, 1, 2, 3] and model.stop_training and stop.stopped_epoch == 3
    assert stop.best == 0.5 and stop.best_epoch == 1
    np.testing.assert_array_equal(model.weights[0], [1.0, 1.0])  # restored from epoch 1


def test_early_stopping_min_delta_mode_baseline_start_from_epoch():
    model = StubModel()
    stop = callbacks.EarlyStopping(monitor="accuracy", min_delta=0.05, patience=1)
    assert run_epochs([stop], model, [{"accuracy": a} for a in (0.5, 0.52, 0.6)]) == [0, 1]
    model = StubModel()
    losses = [{"loss": v} for v in (1.0, 0.5, 0.6, 0.7)]
    # improvements that do not beat the baseline do not reset the wait
    stop = callbacks.EarlyStopping(monitor="loss", patience=2, baseline=0.1)
    assert run_epochs([stop], model, losses) == [0, 1, 2]
    stop = callbacks.EarlyStopping(monitor="loss", patience=2)
    assert run_epochs([stop], StubModel(), losses) == [0, 1, 2, 3]
    model = StubModel()
    stop = callbacks.EarlyStopping(monitor="loss", patience=0, start_from_epoch=2)
    assert run_epochs([stop], model, [{"loss": v} for v in (1.0, 2.0, 3.0, 4.0)]) == [0, 1, 2, 3]
    model = StubModel()
    stop = callbacks.EarlyStopping(monitor="score", mode="max", patience=0)
    assert run_epochs([stop], model, [{"score": v} for v in (1.0, 2.0, 1.5, 3.0)]) == [0, 1, 2]
    with pytest.raises(InvalidArgumentError, match="monitor='weird'"):
        run_epochs([callbacks.EarlyStopping(monitor="weird")], StubModel(), [{"weird": 1.0}])
    with pytest.warns(UserWarning, match="val_loss.*not available"):
        run_epochs([callbacks.EarlyStopping()], StubModel(), [{"loss": 1.0}])


def test_model_checkpoint_formats_path_and_saves_best_only(tmp_path):
    model = StubModel()
    path = str(tmp_path / "ckpt-{epoch:02d}-{val_loss:.2f}.keras")
    cb = callbacks.ModelCheckpoint(path, save_best_only=True)
    run_epochs([cb], model, [{"val_loss": v} for v in (0.9, 1.2, 0.31)])
    assert model.saved == [("model", str(tmp_path / "ckpt-01-0.90.keras")),
                           ("model", str(tmp_path / "ckpt-03-0.31.keras"))]
    model = StubModel()
    cb = callbacks.ModelCheckpoint(str(tmp_path / "sub" / "w{epoch}.weights.h5"),
                                   save_weights_only=True, monitor="acc", mode="auto")
    run_epochs([cb], model, [{"acc": 0.5}, {"acc": 0.4}])
    assert model.saved == [("weights", str(tmp_path / "sub" / "w1.weights.h5")),
                           ("weights", str(tmp_path / "sub" / "w2.weights.h5"))]
    assert (tmp_path / "sub").is_dir()
    model = StubModel()
    cb = callbacks.ModelCheckpoint(str(tmp_path / "m{epoch}-{batch}.keras"), save_freq=2,
                                   save_best_only=True, monitor="acc", mode="max")
    run_epochs([cb], model, [{}], batches=4, batch_logs={"acc": 1.0})
    assert [p for _, p in model.saved] == [str(tmp_path / "m1-2.keras")]  # later: no improvement
    bad = callbacks.ModelCheckpoint(str(tmp_path / "{missing}.keras"))
    with pytest.raises(InvalidArgumentError, match="missing"):
        run_epochs([bad], StubModel(), [{"loss": 1.0}])


def test_learning_rate_scheduler_sets_and_logs_the_rate():
    model = StubModel(learning_rate=1.0)
    history = callbacks.History()
    sched = callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5 if epoch else lr)
    run_epochs([sched, history], model, [{"loss": 1.0}] * 3)
    assert model.optimizer.learning_rate == 0.25
    assert history.history["learning_rate"] == [1.0, 0.5, 0.25]
    model = StubModel()
    run_epochs([callbacks.LearningRateScheduler(lambda epoch: 0.1 / (epoch + 1))], model, [{}] * 2)
    assert model.optimizer.learning_rate == pytest.approx(0.05)
    with pytest.raises(InvalidArgumentError, match="must return a float"):
        run_epochs([callbacks.LearningRateScheduler(lambda e, lr: "fast")], StubModel(), [{}])


def test_learning_rate_scheduler_with_a_real_optimizer():
    model = StubModel()
    model.optimizer = optimizers.Adam(learning_rate=0.01)
    run_epochs([callbacks.LearningRateScheduler(lambda epoch, lr: lr / 10)], model, [{}] * 2)
    assert float(model.optimizer.learning_rate) == pytest.approx(1e-4)


def test_reduce_lr_on_plateau_with_cooldown_and_min_lr():
    model = StubModel(learning_rate=1.0)
    cb = callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=2, cooldown=1,
                                     min_lr=0.2)
    rates = []
    probe = callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: rates.append(model.optimizer.learning_rate))
    run_epochs([cb, probe], model, [{"val_loss": 1.0}] * 8)
    # no improvement after epoch 0: reduce when wait reaches 2; the cooldown epoch after a
    # reduction resets the wait; the rate never goes below min_lr
    assert rates == [1.0, 1.0, 0.5, 0.5, 0.25, 0.25, 0.2, 0.2]
    with pytest.raises(InvalidArgumentError, match="factor"):
        callbacks.ReduceLROnPlateau(factor=1.5)


def test_reduce_lr_on_plateau_exact_schedule():
    model = StubModel(learning_rate=1.0)
    cb = callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1, min_delta=0.0)
    seen = []
    probe = callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: seen.append((logs["learning_rate"],
                                                      model.optimizer.learning_rate)))
    run_epochs([cb, probe], model, [{"loss": v} for v in (1.0, 0.9, 0.9, 0.8, 0.8)])
    # logs carry the rate at the start of the epoch's check; reductions at epochs 2 and 4
    assert [after for _, after in seen] == [1.0, 1.0, 0.5, 0.5, 0.25]
    assert [before for before, _ in seen] == [1.0, 1.0, 1.0, 0.5, 0.5]


def test_csv_logger_writes_and_appends(tmp_path):
    path = tmp_path / "log.csv"
    run_epochs([callbacks.CSVLogger(str(path))], StubModel(),
               [{"loss": 1.0, "acc": 0.5}, {"loss": 0.5, "acc": 0.75}])
    rows = list(csv.reader(open(path)))
    assert rows[0] == ["epoch", "acc", "loss", "val_acc", "val_loss"]
    assert rows[1] == ["0", "0.5", "1.0", "NA", "NA"] and rows[2][0] == "1"
    run_epochs([callbacks.CSVLogger(str(path), separator=";", append=True)], StubModel(),
               [{"loss": 0.25, "acc": 1.0}])
    lines = open(path).read().splitlines()
    assert len(lines) == 4 and lines[3] == "0;1.0;0.25;NA;NA"


def test_terminate_on_nan_and_lambda_callback():
    model = StubModel()
    hooks = callbacks.CallbackList([callbacks.TerminateOnNaN()], model=model)
    hooks.on_train_batch_end(0, {"loss": 1.0})
    assert not model.stop_training
    hooks.on_train_batch_end(1, {"loss": math.nan})
    assert model.stop_training
    events = []
    cb = callbacks.LambdaCallback(on_train_begin=lambda logs: events.append("begin"),
                                  on_train_batch_end=lambda batch, logs: events.append(batch),
                                  on_test_end=lambda logs: events.append("test"))
    run_epochs([cb], StubModel(), [{}], batches=2)
    callbacks.CallbackList([cb]).on_test_end()
    assert events == ["begin", 0, 1, "test"]
    with pytest.raises(TypeError, match="on_epoch_finish"):
        callbacks.LambdaCallback(on_epoch_finish=print)


def test_callback_list_rejects_non_callbacks():
    with pytest.raises(InvalidArgumentError, match="Callback instances"):
        callbacks.CallbackList([lambda: None])
