"""Callbacks: hooks that fit / evaluate / predict call at the start and end of training, epochs
and batches. A callback sees the model as `self.model` and the loop's settings as `self.params`.
(The trainer prints progress itself through keras.utils.Progbar; a ProgbarLogger passed in
`callbacks` prints it instead, as in Keras.)

    >>> from graphflow.keras import callbacks
    >>> seen = []
    >>> cb = callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(logs["loss"]))
    >>> hooks = callbacks.CallbackList([cb])
    >>> hooks.on_epoch_end(0, {"loss": 0.5})
    >>> seen
    [0.5]
"""
import csv
import inspect
import math
import numbers
import os
import re
import warnings
from typing import Any, Optional, Sequence

import numpy as np

from graphflow.errors import InvalidArgumentError, UnimplementedError

_HOOKS = ("on_train_begin", "on_train_end", "on_test_begin", "on_test_end", "on_predict_begin",
          "on_predict_end", "on_epoch_begin", "on_epoch_end", "on_train_batch_begin",
          "on_train_batch_end", "on_test_batch_begin", "on_test_batch_end",
          "on_predict_batch_begin", "on_predict_batch_end", "on_batch_begin", "on_batch_end")


def _scalar(value):
    """A log value as a Python float when it is a one-element number (tensor, array, scalar)."""
    if isinstance(value, (str, bool)) or value is None:
        return value
    if isinstance(value, numbers.Number):
        return float(value) if isinstance(value, (float, np.floating)) else value
    try:
        array = np.asarray(value)
    except Exception:  # not array-like: keep it as it is
        return value
    if array.size == 1 and array.dtype.kind in "fiu":
        return float(array.reshape(()))
    return value


def _pythonify(logs):
    if logs is None:
        return {}
    return {k: _scalar(v) for k, v in logs.items()}


class Callback:
    """Base class: override the hooks you need.

        >>> class CountEpochs(keras.callbacks.Callback):
        ...     def on_train_begin(self, logs=None):
        ...         self.epochs = 0
        ...     def on_epoch_end(self, epoch, logs=None):
        ...         self.epochs += 1
        >>> cb = CountEpochs()
        >>> cb.on_train_begin(); cb.on_epoch_end(0)
        >>> cb.epochs
        1
    """

    def __init__(self):
        self.params = {}
        self._model = None
        self.validation_data = None

    def set_params(self, params):
        self.params = params

    def set_model(self, model):
        self._model = model

    @property
    def model(self):
        return self._model

    # Batch hooks: on_train_batch_* default to the legacy on_batch_* (as Keras).
    def on_batch_begin(self, batch, logs=None):
        pass

    def on_batch_end(self, batch, logs=None):
        pass

    def on_epoch_begin(self, epoch, logs=None):
        pass

    def on_epoch_end(self, epoch, logs=None):
        pass

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch, logs=None):
        pass

    def on_test_batch_end(self, batch, logs=None):
        pass

    def on_predict_batch_begin(self, batch, logs=None):
        pass

    def on_predict_batch_end(self, batch, logs=None):
        pass

    def on_train_begin(self, logs=None):
        pass

    def on_train_end(self, logs=None):
        pass

    def on_test_begin(self, logs=None):
        pass

    def on_test_end(self, logs=None):
        pass

    def on_predict_begin(self, logs=None):
        pass

    def on_predict_end(self, logs=None):
        pass


class CallbackList(Callback):
    """Calls every hook on each of its callbacks, in order. Log values that are one-element
    tensors or arrays are passed on as Python floats.

        >>> hooks = keras.callbacks.CallbackList([], add_history=True, epochs=2)
        >>> hooks.params
        {'epochs': 2}
    """

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None, **params):
        super().__init__()
        self.callbacks = list(callbacks or [])
        for cb in self.callbacks:
            if not isinstance(cb, Callback):
                raise InvalidArgumentError(
                    f"CallbackList: callbacks must be keras.callbacks.Callback instances, got "
                    f"{cb!r:.80}")
        # add_progbar is accepted for Keras compatibility: the trainer prints progress itself.
        self._history = next((cb for cb in self.callbacks if isinstance(cb, History)), None)
        if self._history is None and add_history:
            self._history = History()
            self.callbacks.append(self._history)
        if model is not None:
            self.set_model(model)
        if params:
            self.set_params(params)

    def append(self, callback):
        self.callbacks.append(callback)
        if self._model is not None:
            callback.set_model(self._model)
        if self.params:
            callback.set_params(self.params)

    def set_params(self, params):
        self.params = params
        for cb in self.callbacks:
            cb.set_params(params)

    def set_model(self, model):
        super().set_model(model)
        for cb in self.callbacks:
            cb.set_model(model)

    def __iter__(self):
        return iter(self.callbacks)

    def __len__(self):
        return len(self.callbacks)

    def _call(self, hook, *args, logs=None):
        logs = _pythonify(logs)
        from graphflow.keras.distributed import chief_output
        with chief_output():  # under a multi-process strategy, messages come from rank 0 only
            for cb in self.callbacks:
                getattr(cb, hook)(*args, logs)  # positionally, as Keras calls hooks

    def on_batch_begin(self, batch, logs=None):
        self._call("on_train_batch_begin", batch, logs=logs)

    def on_batch_end(self, batch, logs=None):
        self._call("on_train_batch_end", batch, logs=logs)

    def on_epoch_begin(self, epoch, logs=None):
        self._call("on_epoch_begin", epoch, logs=logs)

    def on_epoch_end(self, epoch, logs=None):
        # One dict shared by the callbacks, so entries they add (learning_rate) reach later ones.
        logs = _pythonify(logs)
        for cb in self.callbacks:
            cb.on_epoch_end(epoch, logs)

    def on_train_batch_begin(self, batch, logs=None):
        self._call("on_train_batch_begin", batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        self._call("on_train_batch_end", batch, logs=logs)

    def on_test_batch_begin(self, batch, logs=None):
        self._call("on_test_batch_begin", batch, logs=logs)

    def on_test_batch_end(self, batch, logs=None):
        self._call("on_test_batch_end", batch, logs=logs)

    def on_predict_batch_begin(self, batch, logs=None):
        self._call("on_predict_batch_begin", batch, logs=logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._call("on_predict_batch_end", batch, logs=logs)

    def on_train_begin(self, logs=None):
        self._call("on_train_begin", logs=logs)

    def on_train_end(self, logs=None):
        self._call("on_train_end", logs=logs)

    def on_test_begin(self, logs=None):
        self._call("on_test_begin", logs=logs)

    def on_test_end(self, logs=None):
        self._call("on_test_end", logs=logs)

    def on_predict_begin(self, logs=None):
        self._call("on_predict_begin", logs=logs)

    def on_predict_end(self, logs=None):
        self._call("on_predict_end", logs=logs)


class History(Callback):
    """Records each epoch's logs: `history.history` maps each log key to a list (one value per
    epoch) and `history.epoch` lists the epoch numbers. fit returns it; it is also
    `model.history`.

        >>> h = keras.callbacks.History()
        >>> h.on_train_begin(); h.on_epoch_end(0, {"loss": 1.0}); h.on_epoch_end(1, {"loss": 0.5})
        >>> h.history, h.epoch
        ({'loss': [1.0, 0.5]}, [0, 1])
    """

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.epoch = []
        if self.model is not None:
            self.model.history = self

    def plot(self, metrics: Optional[Sequence[str]] = None, to_file: Optional[str] = None,
             **kwargs: Any) -> Any:
        """The training curves as a matplotlib Figure (keras.utils.plot_history; needs the
        `plot` extra)."""
        from graphflow.keras.utils.history_plot import plot_history
        return plot_history(self, metrics=metrics, to_file=to_file, **kwargs)

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
        if self.model is not None:
            self.model.history = self


# -- monitoring helpers --------------------------------------------------------------------------

_MAXIMIZED = ("acc", "auc", "precision", "recall", "fmeasure", "f1", "iou", "r2", "top_k")
_MINIMIZED = ("loss", "error", "mse", "mae", "mape", "msle", "crossentropy", "hinge",
              "divergence", "poisson", "cosh")


def _direction(owner, monitor, model):
    """'max' or 'min' for mode="auto": from the metric's name (loss is minimized, accuracy-like
    metrics maximized), or the `_direction` of the model's metric of that name."""
    name = monitor[4:] if monitor.startswith("val_") else monitor
    for metric in getattr(model, "metrics", None) or []:
        if getattr(metric, "name", None) == name and getattr(metric, "_direction", None):
            return "max" if metric._direction == "up" else "min"
    if name == "loss" or name.endswith("_loss"):
        return "min"
    if any(key in name for key in _MAXIMIZED):
        return "max"
    if any(key in name for key in _MINIMIZED):
        return "min"
    raise InvalidArgumentError(
        f"{owner} received monitor={monitor!r} but cannot determine whether that metric should "
        "be maximized or minimized. Pass mode='max' or mode='min'.")


def _check_mode(owner, mode):
    if mode not in ("auto", "min", "max"):
        raise InvalidArgumentError(f"{owner}: mode must be 'auto', 'min' or 'max', got {mode!r}")
    return mode


def _get_lr(owner, model):
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not hasattr(optimizer, "learning_rate"):
        raise InvalidArgumentError(f"{owner}: the model's optimizer must have a 'learning_rate' "
                                   f"attribute, got optimizer {optimizer!r}")
    return float(np.asarray(optimizer.learning_rate))


class ModelCheckpoint(Callback):
    """Saves the model (or only its weights) every epoch, or every `save_freq` batches. The
    filepath may contain {epoch:02d} and log keys such as {val_loss:.2f}. With
    save_best_only, saves only when `monitor` improves.

        >>> cb = keras.callbacks.ModelCheckpoint("/tmp/ckpt-{epoch:02d}.keras")
        >>> cb.monitor, cb.mode
        ('val_loss', 'auto')
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", save_freq="epoch",
                 initial_value_threshold=None):
        super().__init__()
        self.filepath = os.fspath(filepath)
        self.monitor = monitor
        self.verbose = verbose
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.mode = _check_mode("ModelCheckpoint", mode)
        if save_freq != "epoch" and not (isinstance(save_freq, int) and save_freq > 0):
            raise InvalidArgumentError(
                f"ModelCheckpoint: save_freq must be 'epoch' or a positive integer (batches), got "
                f"{save_freq!r}")
        self.save_freq = save_freq
        self.initial_value_threshold = initial_value_threshold
        self.best = initial_value_threshold
        self._monitor_op = None
        self._batches_seen = 0
        self._current_epoch = 0

    def _improved(self, current):
        if self._monitor_op is None:
            mode = self.mode
            if mode == "auto":
                mode = "max" if ("acc" in self.monitor or self.monitor.startswith("fmeasure")) \
                    else "min"
            self._monitor_op = np.greater if mode == "max" else np.less
        return self.best is None or bool(self._monitor_op(current, self.best))

    def on_train_begin(self, logs=None):
        self._batches_seen = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        self._batches_seen += 1
        if self._batches_seen >= self.save_freq:
            self._batches_seen = 0
            self._save(self._current_epoch, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save(epoch, None, logs)

    def _file_path(self, epoch, batch, logs):
        try:
            if batch is None or "batch" in logs:
                return self.filepath.format(epoch=epoch + 1, **logs)
            return self.filepath.format(epoch=epoch + 1, batch=batch + 1, **logs)
        except KeyError as e:
            raise InvalidArgumentError(
                f"ModelCheckpoint: failed to format filepath {self.filepath!r}: no log entry "
                f"{e}; available: {sorted(logs)}") from None

    def _write(self, filepath):
        dirname = os.path.dirname(filepath)
        if dirname:
            os.makedirs(dirname, exist_ok=True)
        if os.path.isdir(filepath):
            raise InvalidArgumentError(
                f"ModelCheckpoint: filepath {filepath!r} is a directory; use a file name such as "
                f"{os.path.join(filepath, 'model.keras')!r}")
        if self.save_weights_only:
            self.model.save_weights(filepath)
        else:
            self.model.save(filepath)

    def _save(self, epoch, batch, logs):
        logs = logs or {}
        filepath = self._file_path(epoch, batch, logs)
        if not self.save_best_only:
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: saving model to {filepath}")
            self._write(filepath)
            return
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"ModelCheckpoint: can save the best model only with {self.monitor} "
                          f"available (logs have {sorted(logs)}); skipping.", stacklevel=2)
            return
        current = float(current)
        if self._improved(current):
            if self.verbose > 0:
                previous = "inf" if self.best is None else f"{self.best:.5f}"
                print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {previous} to "
                      f"{current:.5f}, saving model to {filepath}")
            self.best = current
            self._write(filepath)
        elif self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {self.best:.5f}")


class EarlyStopping(Callback):
    """Stops training (model.stop_training = True) when `monitor` has not improved by more than
    `min_delta` for `patience` epochs; optionally restores the best epoch's weights at the end.

        >>> cb = keras.callbacks.EarlyStopping(monitor="loss", patience=1)
        >>> cb.min_delta, cb.patience
        (0, 1)
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0):
        super().__init__()
        self.monitor = monitor
        self.patience = patience
        self.verbose = verbose
        self.baseline = baseline
        self.min_delta = abs(min_delta)
        self.mode = _check_mode("EarlyStopping", mode)
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = start_from_epoch
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0
        self._maximize = None

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0

    def _is_improvement(self, value, reference):
        if reference is None:
            return True
        if self._maximize:
            return value - self.min_delta > reference
        return value + self.min_delta < reference

    def on_epoch_end(self, epoch, logs=None):
        if self._maximize is None:
            mode = self.mode if self.mode != "auto" else _direction(
                "EarlyStopping", self.monitor, self.model)
            self._maximize = mode == "max"
        current = self._monitor_value(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()  # the first weights seen are the best
            self.best_epoch = epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            # The wait restarts only when the value beats both the baseline and the best.
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(f"Restoring model weights from the end of the best epoch: "
                      f"{self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)

    def _monitor_value(self, logs):
        logs = logs or {}
        value = logs.get(self.monitor)
        if value is None:
            warnings.warn(f"Early stopping conditioned on metric `{self.monitor}` which is not "
                          f"available. Available metrics are: {','.join(logs)}", stacklevel=3)
            return None
        return float(value)


class LearningRateScheduler(Callback):
    """Sets the optimizer's learning rate at the start of each epoch to schedule(epoch, lr)
    (or schedule(epoch)); records it in the epoch's logs as "learning_rate".

        >>> cb = keras.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5)
        >>> cb.verbose
        0
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        if not callable(schedule):
            raise InvalidArgumentError(
                f"LearningRateScheduler: schedule must be callable, got {schedule!r}")
        self.schedule = schedule
        self.verbose = verbose

    def _takes_lr(self):
        try:
            params = inspect.signature(self.schedule).parameters.values()
        except (TypeError, ValueError):
            return True
        positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        return len(positional) >= 2 or any(p.kind is p.VAR_POSITIONAL for p in params)

    def on_epoch_begin(self, epoch, logs=None):
        lr = _get_lr("LearningRateScheduler", self.model)
        new_lr = self.schedule(epoch, lr) if self._takes_lr() else self.schedule(epoch)
        new_lr = _scalar(new_lr)
        if isinstance(new_lr, bool) or not isinstance(new_lr, numbers.Real):
            raise InvalidArgumentError(
                f"LearningRateScheduler: the schedule must return a float, got {new_lr!r} for "
                f"epoch {epoch}")
        if not math.isfinite(float(new_lr)):
            raise InvalidArgumentError(
                f"LearningRateScheduler: the schedule returned a non-finite learning rate "
                f"{new_lr} for epoch {epoch}")
        self.model.optimizer.learning_rate = float(new_lr)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to "
                  f"{float(new_lr)}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = _get_lr("LearningRateScheduler", self.model)


class ReduceLROnPlateau(Callback):
    """Multiplies the learning rate by `factor` (down to `min_lr`) when `monitor` has not
    improved by `min_delta` for `patience` epochs, then waits `cooldown` epochs.

        >>> cb = keras.callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=2)
        >>> cb.factor, cb.min_lr
        (0.5, 0.0)
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0.0, **kwargs):
        super().__init__()
        if kwargs:
            raise TypeError(f"ReduceLROnPlateau: unexpected keyword arguments {sorted(kwargs)}")
        if factor >= 1.0:
            raise InvalidArgumentError(
                f"ReduceLROnPlateau does not support a factor >= 1.0, got factor={factor}")
        self.monitor = monitor
        self.factor = factor
        self.patience = patience
        self.verbose = verbose
        self.mode = _check_mode("ReduceLROnPlateau", mode)
        self.min_delta = min_delta
        self.cooldown = cooldown
        self.min_lr = min_lr
        self._reset()

    def _reset(self):
        maximize = self.mode == "max" or (self.mode == "auto" and "acc" in self.monitor)
        if maximize:
            self._monitor_op = lambda a, b: a > b + self.min_delta
            self.best = -np.inf
        else:
            self._monitor_op = lambda a, b: a < b - self.min_delta
            self.best = np.inf
        self.cooldown_counter = 0
        self.wait = 0

    def on_train_begin(self, logs=None):
        self._reset()

    def in_cooldown(self):
        return self.cooldown_counter > 0

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        logs["learning_rate"] = _get_lr("ReduceLROnPlateau", self.model)
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Learning rate reduction is conditioned on metric `{self.monitor}` "
                          f"which is not available. Available metrics are: {','.join(logs)}.",
                          stacklevel=2)
            return
        current = float(current)
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._monitor_op(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                old_lr = _get_lr("ReduceLROnPlateau", self.model)
                if old_lr > np.float32(self.min_lr):
                    new_lr = max(old_lr * self.factor, self.min_lr)
                    self.model.optimizer.learning_rate = new_lr
                    if self.verbose > 0:
                        print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate "
                              f"to {new_lr}.")
                    self.cooldown_counter = self.cooldown
                    self.wait = 0


class CSVLogger(Callback):
    """Writes each epoch's logs as a CSV row (header: epoch and the sorted log keys).

        >>> cb = keras.callbacks.CSVLogger("/tmp/training.csv", separator=";")
        >>> cb.sep
        ';'
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.filename = os.fspath(filename)
        self.sep = separator
        self.append = append
        self.keys = None
        self.writer = None
        self.csv_file = None
        self.append_header = True

    def on_train_begin(self, logs=None):
        if self.append:
            if os.path.exists(self.filename):
                with open(self.filename, "r", newline="") as f:
                    self.append_header = not bool(len(f.readline()))
            mode = "a"
        else:
            self.append_header = True
            mode = "w"
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        from graphflow.keras.distributed import is_chief
        # under a multi-process strategy rank 0 writes the log, the others write nowhere
        self.csv_file = open(self.filename if is_chief() else os.devnull, mode, newline="")
        self.writer = None
        self.keys = None

    @staticmethod
    def _value(v):
        if isinstance(v, str):
            return v
        if isinstance(v, (list, tuple, np.ndarray)) and np.ndim(v) > 0:
            return f"[{', '.join(map(str, np.ravel(v)))}]"
        return v

    def on_epoch_end(self, epoch, logs=None):
        if self.csv_file is None:
            raise InvalidArgumentError(
                f"CSVLogger {self.filename!r}: on_epoch_end before on_train_begin")
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
            # With validation_freq > 1 the first epoch has no val_ keys: reserve their columns.
            if self.keys and not any(k.startswith("val_") for k in self.keys):
                self.keys += [f"val_{k}" for k in self.keys]
        if self.writer is None:
            self.writer = csv.DictWriter(self.csv_file, fieldnames=["epoch"] + self.keys,
                                         delimiter=self.sep, lineterminator="\n")
            if self.append_header:
                self.writer.writeheader()
        row = {"epoch": epoch}
        row.update((k, self._value(logs.get(k, "NA"))) for k in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.writer = None


class TerminateOnNaN(Callback):
    """Stops training when a batch's loss is NaN or infinite.

        >>> keras.callbacks.TerminateOnNaN().on_batch_end(0, {"loss": 1.0})
    """

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True


class LambdaCallback(Callback):
    """A callback from functions: on_epoch_begin(epoch, logs), on_epoch_end(epoch, logs),
    on_train_begin(logs), on_train_end(logs), on_train_batch_begin(batch, logs),
    on_train_batch_end(batch, logs), and any other hook by keyword.

        >>> cb = keras.callbacks.LambdaCallback(on_train_begin=lambda logs: print("start"))
        >>> cb.on_train_begin({})
        start
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None,
                 on_train_end=None, on_train_batch_begin=None, on_train_batch_end=None, **kwargs):
        super().__init__()
        unknown = sorted(set(kwargs) - set(_HOOKS))
        if unknown:
            raise TypeError(f"LambdaCallback: unknown hooks {unknown}; hooks are {list(_HOOKS)}")
        hooks = dict(kwargs, on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end,
                     on_train_begin=on_train_begin, on_train_end=on_train_end,
                     on_train_batch_begin=on_train_batch_begin,
                     on_train_batch_end=on_train_batch_end)
        for name, fn in hooks.items():
            if fn is None:
                continue
            if not callable(fn):
                raise InvalidArgumentError(f"LambdaCallback: {name} must be callable, got {fn!r}")
            setattr(self, name, _positional_logs(fn))


def _positional_logs(fn):
    """Passes logs positionally whether the hook was called with logs= or not, so user
    functions may name the parameter as they like."""
    def hook(*args, **kwargs):
        if "logs" in kwargs:
            args = args + (kwargs.pop("logs"),)
        if kwargs:
            raise TypeError(
                f"LambdaCallback hook got unexpected keyword arguments {sorted(kwargs)}")
        return fn(*args)
    return hook


class TensorBoard(Callback):
    """Writes TensorBoard logs as Keras does: `log_dir/train` and `log_dir/validation` event
    files with `epoch_<metric>` scalars (and `epoch_learning_rate`) per epoch, `batch_<metric>`
    every `update_freq` batches when it is an integer or "batch", weight histograms
    (`<layer>/<weight>/histogram`) every `histogram_freq` epochs, and with `write_graph` the
    model's config ("keras" tag) and the traced train step's graph. Needs
    `pip install graphflow[tensorboard]`.

        >>> import tempfile
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        >>> model.compile(optimizer="sgd", loss="mse")
        >>> tb = keras.callbacks.TensorBoard(tempfile.mkdtemp(), histogram_freq=1)
        >>> _ = model.fit(np.ones((4, 2)), np.ones(4), epochs=2, verbose=0, callbacks=[tb])
    """

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0,
                 embeddings_freq=0, embeddings_metadata=None):
        super().__init__()
        from graphflow.summary.writer import require_tensorboard
        require_tensorboard("keras.callbacks.TensorBoard")
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = _count("TensorBoard", "histogram_freq", histogram_freq)
        self.write_graph = bool(write_graph)
        self.write_images = bool(write_images)
        self.write_steps_per_second = bool(write_steps_per_second)
        if update_freq == "batch":
            update_freq = 1
        if update_freq != "epoch" and (isinstance(update_freq, bool) or
                                       not isinstance(update_freq, numbers.Integral) or
                                       update_freq < 1):
            raise InvalidArgumentError(
                "TensorBoard: update_freq must be 'epoch', 'batch' or a positive integer, got "
                f"{update_freq!r:.60}")
        self.update_freq = update_freq
        if profile_batch:  # graphflow has no profiler to trace batches with
            raise UnimplementedError(
                "TensorBoard: profile_batch is not supported by graphflow (use profile_batch=0)")
        if embeddings_freq:
            raise UnimplementedError(
                "TensorBoard: embeddings_freq is not supported by graphflow (use 0)")
        self._writers = {}
        self._global_train_batch = 0
        self._global_test_batch = 0
        self._contexts = []
        self._should_write_train_graph = False
        self._batch_start = self._epoch_start = 0.0
        self._epoch_start_iterations = 0

    def _writer(self, kind):
        if kind not in self._writers:
            from graphflow.summary import create_file_writer
            self._writers[kind] = create_file_writer(os.path.join(self.log_dir, kind))
        return self._writers[kind]

    def set_model(self, model):
        super().set_model(model)
        self._writers = {}
        self._should_write_train_graph = False
        if self.write_graph:
            from graphflow.summary.ops import write_keras_model
            from graphflow.keras.models import Sequential
            if type(model).__name__ in ("Model", "Functional") and \
                    getattr(model, "_is_graph_network", False) or isinstance(model, Sequential):
                with self._writer("train").as_default():
                    try:
                        write_keras_model("keras", model, step=0)
                    except InvalidArgumentError as e:  # a Lambda layer, say: as Keras, warn
                        warnings.warn(f"Model failed to serialize as JSON. Ignoring... {e}")
            self._should_write_train_graph = True

    # Batch summaries (update_freq != "epoch") go to the train writer made default, recorded
    # only on every update_freq-th global batch (Keras's _push_writer).
    def _push(self, kind, step):
        if self.update_freq == "epoch":
            return
        from graphflow import summary
        freq = self.update_freq
        ctx = (self._writer(kind).as_default(step), summary.record_if(lambda: step % freq == 0))
        ctx[0].__enter__()
        ctx[1].__enter__()
        self._contexts.append(ctx)

    def _pop(self):
        if self.update_freq == "epoch" or not self._contexts:
            return
        ctx = self._contexts.pop()
        ctx[1].__exit__(None, None, None)
        ctx[0].__exit__(None, None, None)

    def on_train_begin(self, logs=None):
        self._global_train_batch = 0
        self._push("train", 0)

    def on_train_end(self, logs=None):
        self._pop()
        for writer in self._writers.values():
            writer.close()

    def on_test_begin(self, logs=None):
        self._push("validation", self._global_test_batch)

    def on_test_end(self, logs=None):
        from graphflow import summary
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None and logs:
            with self._writer("validation").as_default():
                for name, value in logs.items():
                    summary.scalar(f"evaluation_{name}_vs_iterations", value,
                                   step=int(optimizer.iterations.numpy()))
        self._pop()

    def on_train_batch_begin(self, batch, logs=None):
        import time
        self._global_train_batch += 1
        if self.update_freq != "epoch":
            self._pop()
            self._push("train", self._global_train_batch)
        self._batch_start = time.time()

    def on_train_batch_end(self, batch, logs=None):
        import time
        from graphflow import summary
        if self._should_write_train_graph:
            self._should_write_train_graph = False
            fn = getattr(self.model, "_train_fn", None)
            if getattr(fn, "_last_concrete", None) is not None:  # compiled, not run_eagerly
                # Written whatever update_freq says (Keras's record_if would drop it when the
                # first batch is not a multiple of update_freq).
                from graphflow.summary.ops import graph_def
                self._writer("train").write_graph_def(graph_def(fn))
        if self.write_steps_per_second:
            summary.scalar("batch_steps_per_second",
                           1.0 / max(time.time() - self._batch_start, 1e-9),
                           step=self._global_train_batch)
        if isinstance(logs, dict):
            for name, value in logs.items():
                summary.scalar(f"batch_{name}", value, step=self._global_train_batch)

    def on_test_batch_begin(self, batch, logs=None):
        self._global_test_batch += 1
        if self.update_freq != "epoch":
            self._pop()
            self._push("validation", self._global_test_batch)

    def on_epoch_begin(self, epoch, logs=None):
        import time
        self._epoch_start = time.time()
        optimizer = getattr(self.model, "optimizer", None)
        self._epoch_start_iterations = int(optimizer.iterations.numpy()) if optimizer else 0

    def on_epoch_end(self, epoch, logs=None):
        self._log_epoch_metrics(epoch, logs)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)

    def _log_epoch_metrics(self, epoch, logs):
        import time
        from graphflow import summary
        if not logs:
            return
        train = {k: v for k, v in logs.items() if not k.startswith("val_")}
        val = {k[4:]: v for k, v in logs.items() if k.startswith("val_")}
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None and hasattr(optimizer, "learning_rate"):
            train["learning_rate"] = float(np.asarray(optimizer.learning_rate))
        if self.write_steps_per_second and optimizer is not None:
            steps = int(optimizer.iterations.numpy()) - self._epoch_start_iterations
            train["steps_per_second"] = steps / max(time.time() - self._epoch_start, 1e-9)
        for kind, values in (("train", train), ("validation", val)):
            if values:
                with self._writer(kind).as_default():
                    for name, value in values.items():
                        summary.scalar(f"epoch_{name}", value, step=epoch)

    def _log_weights(self, epoch):
        from graphflow import summary
        with self._writer("train").as_default():
            for layer in self.model.layers:
                for weight in layer.weights:
                    # Keras 3 names them by weight.path ("dense/kernel"), without ":0"
                    name = re.sub(r":\d+$", "", weight.name).replace(":", "_")
                    summary.histogram(f"{name}/histogram", weight, step=epoch)
                    if self.write_images:
                        self._log_weight_as_image(weight, f"{name}/image", epoch)

    def _log_weight_as_image(self, weight, name, epoch):
        """A bias as a 1-row image, a Dense kernel (wide side horizontal) and each output
        channel of a 3-D kernel as grey images, as Keras does; other shapes are skipped."""
        from graphflow import summary
        img = np.squeeze(weight.numpy())
        if img.ndim == 1:
            img = img.reshape(1, img.shape[0], 1, 1)
        elif img.ndim == 2:
            if img.shape[0] > img.shape[1]:
                img = img.T
            img = img.reshape(1, img.shape[0], img.shape[1], 1)
        elif img.ndim == 3:
            img = np.transpose(img, (2, 0, 1))[..., None]
        else:
            return
        summary.image(name, img, step=epoch)


def _count(owner, name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise InvalidArgumentError(f"{owner}: {name} must be an integer >= 0, got {value!r:.60}")
    return int(value)


class ProgbarLogger(Callback):
    """Prints the progress bar of fit / evaluate / predict, as Keras 3's ProgbarLogger; when
    one is among the callbacks, it replaces the bar the trainer prints itself (verbose=0 makes
    it silent too).

        >>> logger = ProgbarLogger()
        >>> logger.set_params({"verbose": 0, "epochs": 1, "steps": 2})
        >>> logger.on_epoch_begin(0); logger.on_train_batch_end(0, {"loss": 1.0})
        >>> logger.on_epoch_end(0, {"loss": 1.0})
    """

    def __init__(self):
        super().__init__()
        self.seen = 0
        self.progbar = None
        self.target = None
        self.verbose = 1
        self.epochs = 1
        self._called_in_fit = False

    def set_params(self, params):
        super().set_params(params)
        verbose = params.get("verbose", 1)
        self.verbose = 1 if verbose == "auto" else verbose
        self.epochs = params.get("epochs", 1)
        self.target = params.get("steps")

    def on_train_begin(self, logs=None):
        self._called_in_fit = True

    def on_test_begin(self, logs=None):
        if not self._called_in_fit:
            self._reset_progbar()
            self._maybe_init_progbar()

    def on_predict_begin(self, logs=None):
        self._reset_progbar()
        self._maybe_init_progbar()

    def on_epoch_begin(self, epoch, logs=None):
        from graphflow.keras.utils import io_utils
        self._reset_progbar()
        self._maybe_init_progbar()
        if self.verbose and self.epochs > 1:
            io_utils.print_msg(f"Epoch {epoch + 1}/{self.epochs}")

    def on_train_batch_end(self, batch, logs=None):
        self._update_progbar(batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        if not self._called_in_fit:
            self._update_progbar(batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._update_progbar(batch, None)

    def on_epoch_end(self, epoch, logs=None):
        self._finalize_progbar(logs)

    def on_test_end(self, logs=None):
        if not self._called_in_fit:
            self._finalize_progbar(logs)

    def on_predict_end(self, logs=None):
        self._finalize_progbar(logs)

    def _reset_progbar(self):
        self.seen = 0
        self.progbar = None

    def _maybe_init_progbar(self):
        from graphflow.keras.utils.progbar import Progbar
        if self.progbar is None:
            self.progbar = Progbar(target=self.target, verbose=self.verbose, unit_name="step",
                                   stateless_metrics=set())

    def _update_progbar(self, batch, logs=None):
        self._maybe_init_progbar()
        self.seen = batch + 1
        if self.verbose == 1:
            self.progbar.update(self.seen, _pythonify(logs or {}), finalize=False)

    def _finalize_progbar(self, logs):
        self._maybe_init_progbar()
        if self.target is None:
            self.target = self.seen
            self.progbar.target = self.target
        self.progbar.update(self.target, _pythonify(logs or {}), finalize=True)


class BackupAndRestore(Callback):
    """Backs up training so an interrupted `fit` resumes: at the end of every epoch (or every
    `save_freq` batches) it writes the model's weights, the optimizer's state and the epoch
    reached to `backup_dir`; a later fit with the same callback restores them when it starts
    and goes on from that epoch. When fit ends normally the backup is deleted
    (`delete_checkpoint=True`). As in Keras 3, a backup made mid-epoch restarts that epoch
    with the saved weights. `double_checkpoint` keeps the previous backup too, used when the
    latest one cannot be read.

    The files are graphflow's (a `latest.backup` zip of .npy arrays and JSON, the format of
    graphflow's .keras files) and `training_metadata.json` as Keras writes it; Keras writes
    `latest.weights.h5`."""

    def __init__(self, backup_dir, save_freq="epoch", double_checkpoint=False,
                 delete_checkpoint=True):
        super().__init__()
        if not backup_dir:
            raise InvalidArgumentError("Empty `backup_dir` argument passed")
        if save_freq != "epoch" and (isinstance(save_freq, bool) or
                                     not isinstance(save_freq, numbers.Integral)
                                     or save_freq < 1):
            raise InvalidArgumentError(
                f"Invalid value for argument `save_freq`. Received: save_freq={save_freq}. "
                "Expected either 'epoch' or an integer value.")
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.double_checkpoint = double_checkpoint
        self.delete_checkpoint = delete_checkpoint
        self._weights_path = os.path.join(self.backup_dir, "latest.backup")
        self._training_metadata_path = os.path.join(self.backup_dir, "training_metadata.json")
        self._prev_weights_path = self._weights_path + ".bkp"
        self._prev_training_metadata_path = self._training_metadata_path + ".bkp"
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = 0
        self._current_epoch = 0

    def on_train_begin(self, logs=None):
        try:
            self._load_model()
        except (OSError, InvalidArgumentError):
            if not os.path.exists(self._prev_weights_path):
                raise
            import shutil
            shutil.copyfile(self._prev_weights_path, self._weights_path)
            if os.path.exists(self._prev_training_metadata_path):
                shutil.copyfile(self._prev_training_metadata_path, self._training_metadata_path)
            elif os.path.exists(self._training_metadata_path):
                os.remove(self._training_metadata_path)
            self._load_model()

    def _load_model(self):
        import json

        from graphflow.keras.saving import archive as _archive
        from graphflow.keras.saving import weights as _weights
        if not getattr(self.model, "built", True) or not self.model.weights:
            raise InvalidArgumentError(
                "To use the BackupAndRestore callback, you model must be built before you call "
                f"`fit()`. Model {self.model} is unbuilt. You can build it beforehand by calling "
                "it on a batch of data.")
        if os.path.exists(self._weights_path):
            backup = _archive.Archive.open(self._weights_path, "BackupAndRestore backup")
            weights = _weights.open_weights(backup.read("weights.npz", backup.budget),
                                            f"{backup.source} (weights)", backup.budget)
            plan = _weights.read_weights(self.model, weights)
            optimizer_plan = ()
            optimizer = getattr(self.model, "optimizer", None)
            if optimizer is not None and "optimizer.json" in backup:
                index = _weights.load_index(backup.read("optimizer.json", backup.budget),
                                            backup.source)
                state = _weights.open_weights(backup.read("optimizer.npz", backup.budget),
                                              f"{backup.source} (optimizer)", backup.budget)
                optimizer_plan = _weights.read_optimizer_state(self.model, index, state)
            _weights.assign_all(plan, optimizer_plan, optimizer if optimizer_plan else None)
        if os.path.exists(self._training_metadata_path):
            with open(self._training_metadata_path) as f:
                try:
                    metadata = json.load(f)
                    epoch = metadata["epoch"]
                except (ValueError, KeyError, TypeError) as e:
                    raise InvalidArgumentError(
                        f"{self._training_metadata_path}: not a BackupAndRestore metadata file "
                        f"({type(e).__name__}: {e})") from None
            if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0:
                raise InvalidArgumentError(
                    f"{self._training_metadata_path}: bad epoch {epoch!r:.60}")
            self.model._initial_epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        self._current_epoch = epoch + 1
        self._last_batch_seen = 0
        if self.save_freq == "epoch":
            self._save_model()

    def on_train_batch_end(self, batch, logs=None):
        if self._should_save_on_batch(batch):
            self._save_model()

    def _save_model(self):
        import json
        import shutil

        from graphflow.keras.saving import archive as _archive
        from graphflow.keras.saving import weights as _weights
        os.makedirs(self.backup_dir, exist_ok=True)
        if self.double_checkpoint:
            for path, prev in ((self._weights_path, self._prev_weights_path),
                               (self._training_metadata_path, self._prev_training_metadata_path)):
                if os.path.exists(path):
                    shutil.copyfile(path, prev)
        members = {"weights.npz": (_weights.weights_bytes(self.model), 0)}
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None and getattr(optimizer, "built", False):
            index, state = _weights.optimizer_state(self.model)
            members["optimizer.json"] = json.dumps(index)
            members["optimizer.npz"] = (state, 0)
        _archive.atomic_write(self._weights_path, _archive.zip_bytes(members), overwrite=True)
        metadata = json.dumps({"epoch": self._current_epoch, "batch": self._last_batch_seen})
        _archive.atomic_write(self._training_metadata_path, metadata.encode(), overwrite=True)

    def _should_save_on_batch(self, batch):
        if self.save_freq == "epoch":
            return False
        if batch <= self._last_batch_seen:  # a new epoch
            add = batch + 1
        else:
            add = batch - self._last_batch_seen
        self._batches_seen_since_last_saving += add
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            return True
        return False

    def on_train_end(self, logs=None):
        if self.delete_checkpoint and os.path.exists(self.backup_dir):
            import shutil
            shutil.rmtree(self.backup_dir)


class RemoteMonitor(Callback):
    """POSTs each epoch's logs (with "epoch") to `root + path`: as a form field `field`
    holding JSON, or as a JSON body with send_as_json=True, as Keras's RemoteMonitor (here with
    the standard library's urllib instead of `requests`). An unreachable server gives a
    warning, not an error."""

    def __init__(self, root="http://localhost:9000", path="/publish/epoch/end/", field="data",
                 headers=None, send_as_json=False):
        super().__init__()
        self.root = root
        self.path = path
        self.field = field
        self.headers = headers
        self.send_as_json = send_as_json

    def on_epoch_end(self, epoch, logs=None):
        import json
        import urllib.error
        import urllib.parse
        import urllib.request
        send = {"epoch": epoch}
        for k, v in (logs or {}).items():
            send[k] = v.item() if isinstance(v, (np.ndarray, np.generic)) else _scalar(v)
        headers = dict(self.headers or {})
        if self.send_as_json:
            body = json.dumps(send).encode()
            headers.setdefault("Content-Type", "application/json")
        else:
            body = urllib.parse.urlencode({self.field: json.dumps(send)}).encode()
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        request = urllib.request.Request(self.root + self.path, data=body, headers=headers,
                                         method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                response.read()
        except (urllib.error.URLError, OSError, ValueError):
            warnings.warn(f"Could not reach RemoteMonitor root server at {self.root}",
                          stacklevel=2)


class SwapEMAWeights(Callback):
    """Swaps the model's weights with the optimizer's moving averages (an optimizer with
    use_ema=True) for evaluation and prediction, and back afterwards; with swap_on_epoch, also
    at the end of each epoch (so that ModelCheckpoint saves the averages), back at the next
    epoch's start, as Keras 3's callback does.

        >>> model = tf.keras.Sequential([tf.keras.Input((1,)), tf.keras.layers.Dense(1)])
        >>> model.compile(tf.keras.optimizers.SGD(0.1, use_ema=True), "mse")
        >>> _ = model.fit(np.ones((4, 1)), np.ones((4, 1)), epochs=2, verbose=0,
        ...               validation_data=(np.ones((2, 1)), np.ones((2, 1))),
        ...               callbacks=[tf.keras.callbacks.SwapEMAWeights()])
    """

    def __init__(self, swap_on_epoch=False):
        super().__init__()
        self.swap_on_epoch = bool(swap_on_epoch)
        self._ema_weights_in_model = False

    def _pairs(self):
        optimizer = self.model.optimizer
        optimizer = getattr(optimizer, "inner_optimizer", optimizer)
        if not getattr(optimizer, "use_ema", False):
            raise InvalidArgumentError(
                "SwapEMAWeights must be used when `use_ema=True` is set on the optimizer. "
                f"Received: use_ema={getattr(optimizer, 'use_ema', False)}")
        return [(v, optimizer.get_slot(v, "average")) for v in self.model.trainable_variables]

    def _swap(self):
        for var, average in self._pairs():
            current = var.numpy()
            var.assign(average.value())
            average.assign(current)

    def on_epoch_begin(self, epoch, logs=None):
        if self.swap_on_epoch and self._ema_weights_in_model:
            self._swap()
            self._ema_weights_in_model = False

    def on_epoch_end(self, epoch, logs=None):
        if self.swap_on_epoch and not self._ema_weights_in_model:
            self._swap()
            self._ema_weights_in_model = True
            if epoch == self.params.get("epochs", 0) - 1:
                # fit's end writes the averages into the weights: make the averages the
                # values now in the model, as Keras does
                for var, average in self._pairs():
                    average.assign(var.value())

    def on_test_begin(self, logs=None):
        if not self._ema_weights_in_model:
            self._swap()
            self._ema_weights_in_model = True

    def on_test_end(self, logs=None):
        if self._ema_weights_in_model:
            self._swap()
            self._ema_weights_in_model = False

    def on_predict_begin(self, logs=None):
        self.on_test_begin(logs)

    def on_predict_end(self, logs=None):
        self.on_test_end(logs)
