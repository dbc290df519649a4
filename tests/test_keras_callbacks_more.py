"""BackupAndRestore, ProgbarLogger and RemoteMonitor (Keras 3.15's behaviour, checked against
TF 2.21's Keras), and the predict hooks of callbacks."""
import http.server
import json
import os
import re
import threading
import urllib.parse

import numpy as np
import pytest

from graphflow import keras
from graphflow.errors import InvalidArgumentError

X = np.random.RandomState(0).rand(16, 3).astype("float32")
Y = X.sum(axis=1, keepdims=True)


def _model(optimizer="adam"):
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.Adam(0.1) if optimizer == "adam" else optimizer, "mse")
    return model


class CrashAt(keras.callbacks.Callback):
    def __init__(self, epoch=None, batch=None):
        super().__init__()
        self.epoch, self.batch = epoch, batch

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.epoch:
            raise RuntimeError("interrupted")

    def on_train_batch_end(self, batch, logs=None):
        if batch == self.batch:
            raise RuntimeError("interrupted")


def _fit(model, callbacks, epochs=5):
    return model.fit(X, Y, epochs=epochs, batch_size=4, shuffle=False, verbose=0,
                     callbacks=callbacks)


def test_backup_and_restore_resumes_an_interrupted_fit(tmp_path):
    backup = tmp_path / "backup"
    with pytest.raises(RuntimeError):
        _fit(_model(), [keras.callbacks.BackupAndRestore(backup), CrashAt(epoch=2)])
    assert sorted(os.listdir(backup)) == ["latest.backup", "training_metadata.json"]
    assert json.loads((backup / "training_metadata.json").read_text()) == {"epoch": 3, "batch": 0}
    resumed = _model()
    history = _fit(resumed, [keras.callbacks.BackupAndRestore(backup)])
    assert history.epoch == [3, 4] and not backup.exists()  # deleted when fit ends normally
    straight = _model()
    _fit(straight, [])
    for a, b in zip(resumed.get_weights(), straight.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-6)  # optimizer state restored too
    assert int(resumed.optimizer.iterations) == int(straight.optimizer.iterations) == 20


def test_backup_save_freq_and_kept_checkpoint(tmp_path):
    backup = tmp_path / "b"
    with pytest.raises(RuntimeError):
        _fit(_model(), [keras.callbacks.BackupAndRestore(backup, save_freq=3,
                                                         delete_checkpoint=False),
                        CrashAt(batch=2)], epochs=2)
    assert json.loads((backup / "training_metadata.json").read_text()) == {"epoch": 0, "batch": 2}
    model = _model()
    history = _fit(model, [keras.callbacks.BackupAndRestore(backup, delete_checkpoint=False)],
                   epochs=2)
    assert history.epoch == [0, 1]  # a mid-epoch backup restarts its epoch, as in Keras 3
    assert json.loads((backup / "training_metadata.json").read_text()) == {"epoch": 2, "batch": 0}
    history = _fit(_model(), [keras.callbacks.BackupAndRestore(backup)], epochs=2)
    assert history.history == {}  # already done: no epoch left to run
    assert not backup.exists()


def test_double_checkpoint_falls_back_to_the_previous_backup(tmp_path):
    backup = tmp_path / "d"
    with pytest.raises(RuntimeError):
        _fit(_model(), [keras.callbacks.BackupAndRestore(backup, double_checkpoint=True),
                        CrashAt(epoch=1)])
    assert (backup / "latest.backup.bkp").exists()
    assert json.loads((backup / "training_metadata.json.bkp").read_text())["epoch"] == 1
    (backup / "latest.backup").write_bytes(b"truncated")
    history = _fit(_model(), [keras.callbacks.BackupAndRestore(backup, double_checkpoint=True)])
    assert history.epoch == [1, 2, 3, 4]


def test_backup_errors(tmp_path):
    with pytest.raises(InvalidArgumentError, match="Empty `backup_dir` argument passed"):
        keras.callbacks.BackupAndRestore("")
    with pytest.raises(InvalidArgumentError, match="Invalid value for argument `save_freq`"):
        keras.callbacks.BackupAndRestore(tmp_path, save_freq="batch")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "training_metadata.json").write_text("{not json")
    with pytest.raises(InvalidArgumentError, match="not a BackupAndRestore metadata file"):
        _fit(_model(), [keras.callbacks.BackupAndRestore(tmp_path / "bad")])
    (tmp_path / "bad" / "training_metadata.json").write_text('{"epoch": -1}')
    with pytest.raises(InvalidArgumentError, match="bad epoch -1"):
        _fit(_model(), [keras.callbacks.BackupAndRestore(tmp_path / "bad")])

    class Lazy(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(1)

        def call(self, x):
            return self.dense(x)
    lazy = Lazy()
    lazy.compile("sgd", "mse")
    with pytest.raises(InvalidArgumentError, match="you model must be built before you call"):
        _fit(lazy, [keras.callbacks.BackupAndRestore(tmp_path / "lazy")])


def _shape_of_output(text):
    """The printed lines without their timings and loss values."""
    return re.sub(r"\d+(\.\d+)?(ms|s|us)(/step)?", "T", re.sub(r"loss: \S+", "loss", text))


def test_progbar_logger_replaces_the_trainers_bar(capsys):
    model = _model()
    model.fit(X, Y, epochs=2, batch_size=8, verbose=2)
    own = capsys.readouterr().out
    assert _shape_of_output(own) == "Epoch 1/2\n2/2 - T - T - loss\nEpoch 2/2\n2/2 - T - T - loss\n"
    model.fit(X, Y, epochs=2, batch_size=8, verbose=2, callbacks=[keras.callbacks.ProgbarLogger()])
    assert _shape_of_output(capsys.readouterr().out) == _shape_of_output(own)  # printed once
    model.fit(X, Y, epochs=2, verbose=0, callbacks=[keras.callbacks.ProgbarLogger()])
    assert capsys.readouterr().out == ""
    model.evaluate(X, Y, verbose=2, callbacks=[keras.callbacks.ProgbarLogger()])
    assert _shape_of_output(capsys.readouterr().out) == "1/1 - T - T - loss\n"
    model.predict(X, verbose=2, callbacks=[keras.callbacks.ProgbarLogger()])
    assert _shape_of_output(capsys.readouterr().out) == "1/1 - T - T\n"


def test_predict_calls_the_predict_hooks():
    events = []

    class Hooks(keras.callbacks.Callback):
        def on_predict_begin(self, logs=None):
            events.append("begin")

        def on_predict_batch_begin(self, batch, logs=None):
            events.append(("batch", batch))

        def on_predict_batch_end(self, batch, logs=None):
            events.append(("outputs", batch, tuple(logs["outputs"].shape)))

        def on_predict_end(self, logs=None):
            events.append("end")
    _model().predict(X, batch_size=10, verbose=0, callbacks=[Hooks()])
    assert events == ["begin", ("batch", 0), ("outputs", 0, (10, 1)), ("batch", 1),
                      ("outputs", 1, (6, 1)), "end"]


@pytest.fixture
def server():
    received = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.path, self.headers.get("Content-Type"),
                             self.headers.get("X-Token"), body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass
    httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", received
    httpd.shutdown()
    httpd.server_close()


def test_remote_monitor_posts_each_epoch(server):
    root, received = server
    model = _model()
    model.fit(X, Y, epochs=2, verbose=0, callbacks=[keras.callbacks.RemoteMonitor(root=root)])
    assert [r[0] for r in received] == ["/publish/epoch/end/"] * 2
    form = urllib.parse.parse_qs(received[1][3].decode())
    sent = json.loads(form["data"][0])
    assert sent["epoch"] == 1 and isinstance(sent["loss"], float)
    received.clear()
    model.fit(X, Y, epochs=1, verbose=0, callbacks=[keras.callbacks.RemoteMonitor(
        root=root, path="/p", send_as_json=True, headers={"X-Token": "t"})])
    path, content_type, token, body = received[0]
    assert (path, content_type, token) == ("/p", "application/json", "t")
    assert set(json.loads(body)) == {"epoch", "loss"}


def test_remote_monitor_warns_when_unreachable():
    import socket
    with socket.socket() as probe:  # a port nothing listens on: bound, then closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monitor = keras.callbacks.RemoteMonitor(root=f"http://127.0.0.1:{port}")
    with pytest.warns(UserWarning, match="Could not reach RemoteMonitor root server"):
        monitor.on_epoch_end(0, {"loss": 1.0})


@pytest.mark.parametrize("swap_on_epoch", [False, True])
def test_swap_ema_weights_matches_keras(swap_on_epoch):
    from graphflow import keras
    x = np.linspace(-1, 1, 16).reshape(16, 1).astype("float32")
    y = 3 * x + 1
    m = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, kernel_initializer="zeros")])
    m.compile(keras.optimizers.SGD(0.1, use_ema=True, ema_momentum=0.5), "mse")
    cb = [keras.callbacks.SwapEMAWeights(swap_on_epoch=swap_on_epoch)]
    h = m.fit(x, y, epochs=3, batch_size=4, verbose=0, shuffle=False, validation_data=(x, y),
              callbacks=cb)
    # what Keras 3.15 (TF 2.21) printed for the same program
    np.testing.assert_allclose(h.history["loss"], [3.78583, 1.75076, 0.89387], atol=1e-5)
    np.testing.assert_allclose(h.history["val_loss"], [2.63836, 1.20366, 0.57877], atol=1e-5)
    np.testing.assert_allclose(m.get_weights()[0].ravel(), [1.76317], atol=1e-5)
    assert abs(m.evaluate(x, y, verbose=0, callbacks=cb) - 0.57877) < 1e-5
    np.testing.assert_allclose(m.predict(x[:2], verbose=0, callbacks=cb).ravel(),
                               [-0.79257, -0.55748], atol=1e-5)


def test_swap_ema_weights_needs_use_ema():
    from graphflow import keras
    m = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    m.compile(keras.optimizers.SGD(0.1), "mse")
    with pytest.raises(ValueError, match="use_ema=True"):
        m.fit(np.ones((4, 1)), np.ones((4, 1)), verbose=0, validation_data=(np.ones((2, 1)), np.ones((2, 1))),
              callbacks=[keras.callbacks.SwapEMAWeights()])
