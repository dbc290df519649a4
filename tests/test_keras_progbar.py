"""The progress output of fit / evaluate / predict, as Keras 3 prints it (lines checked against
tf.keras 2.21's), its in-place redraw on a terminal, and the tf.keras 2 style."""
import io
import re

import numpy as np
import pytest

from graphflow import keras
from graphflow.keras.utils import Progbar

BAR = "━" * 20
STEP = r"\d+(s|ms|us)/step"


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self):
        return True


def screen(text):
    """What a terminal shows for `text`: '\\r' returns to column 0 and overwrites in place,
    leaving whatever a longer earlier line wrote past the new one's end."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)
    rows = []
    for raw in text.split("\n"):
        row = []
        for part in raw.split("\r"):
            row[:len(part)] = list(part)
        rows.append("".join(row))
    return rows


@pytest.fixture
def model(monkeypatch):
    monkeypatch.delenv("TF_USE_LEGACY_KERAS", raising=False)
    keras.backend.clear_session()
    m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    m.compile("sgd", "mse", metrics=["mae"], run_eagerly=True)
    return m


X, Y = np.ones((64, 4), np.float32), np.zeros(64, np.float32)


def lines_of(capsys):
    return capsys.readouterr().out.splitlines()


def test_fit_evaluate_predict_lines(model, capsys):
    model.fit(X, Y, epochs=1, batch_size=8, verbose=1)
    (line,) = lines_of(capsys)  # one epoch: no "Epoch 1/1" line, as Keras 3
    assert re.fullmatch(rf"8/8 {BAR} \d+s {STEP} - loss: \S+ - mae: \S+", line), line
    model.fit(X, Y, epochs=2, batch_size=8, verbose=1, validation_split=0.25)
    out = lines_of(capsys)
    assert out[0] == "Epoch 1/2" and out[2] == "Epoch 2/2" and len(out) == 4
    assert re.fullmatch(rf"6/6 {BAR} \d+s {STEP} - loss: \S+ - mae: \S+ - val_loss: \S+ - "
                        r"val_mae: \S+", out[1]), out[1]
    model.fit(X, Y, epochs=2, batch_size=8, verbose=2)
    out = lines_of(capsys)
    assert out[0] == "Epoch 1/2" and re.fullmatch(rf"8/8 - \d+s - {STEP} - loss: \S+ - mae: \S+",
                                                  out[1]), out
    model.evaluate(X, Y, batch_size=8, verbose=1)
    (line,) = lines_of(capsys)
    assert re.fullmatch(rf"8/8 {BAR} \d+s {STEP} - loss: \S+ - mae: \S+", line), line
    model.evaluate(X, Y, batch_size=8, verbose=2)
    (line,) = lines_of(capsys)
    assert re.fullmatch(rf"8/8 - \d+s - {STEP} - loss: \S+ - mae: \S+", line), line
    model.predict(X, batch_size=8, verbose=1)
    (line,) = lines_of(capsys)
    assert re.fullmatch(rf"8/8 {BAR} \d+s {STEP}", line), line
    model.predict(X, batch_size=8, verbose=2)
    (line,) = lines_of(capsys)
    assert re.fullmatch(rf"8/8 - \d+s - {STEP}", line), line
    for verbose in (0,):
        model.fit(X, Y, epochs=2, batch_size=8, verbose=verbose)
        model.evaluate(X, Y, verbose=verbose)
        model.predict(X, verbose=verbose)
        assert capsys.readouterr().out == ""


def test_small_values_in_scientific_notation():
    out = io.StringIO()
    bar = Progbar(1, stream=out, stateful_metrics=["loss"])
    bar.update(1, [("loss", 5.4321e-04)])
    assert out.getvalue().endswith(" - loss: 5.4321e-04\n")


def test_terminal_redraw_leaves_no_stray_characters():
    term = Terminal()
    bar = Progbar(8, stream=term, interval=0, stateful_metrics=["loss"])
    bar.update(1, {"loss": 123456.789})       # a long line
    bar.update(2, {"loss": 0.5})              # a shorter one drawn over it
    rows = screen(term.getvalue())
    assert rows[-1].rstrip().endswith("- loss: 0.5000"), rows
    assert "\x1b[32m" in term.getvalue()       # Keras's green bar on a terminal
    bar.update(8, {"loss": 0.25})
    rows = screen(term.getvalue())
    assert re.fullmatch(rf"8/8 {BAR} \d+s {STEP} - loss: 0.2500 *", rows[-2]), rows
    assert rows[-1] == ""


def test_progress_shows_eta_and_partial_bar_on_a_terminal():
    term = Terminal()
    bar = Progbar(4, stream=term, interval=0)
    bar.update(1, {"loss": 1.0})
    (row,) = screen(term.getvalue())
    assert re.fullmatch(r"1/4 ━━━━━━━━━━━━━━━━━━━━ \d+s " + STEP + r" - loss: 1.0000", row), row


def test_ascii_stream_gets_equals_signs(monkeypatch):
    buf = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    monkeypatch.setattr("sys.stdout", buf)
    Progbar(2).update(2, finalize=True)
    buf.flush()
    assert buf.buffer.getvalue().decode().startswith("2/2 " + "=" * 20 + " ")


def test_legacy_tf_keras_style(model, capsys, monkeypatch):
    monkeypatch.setenv("TF_USE_LEGACY_KERAS", "1")
    model.fit(X, Y, epochs=2, batch_size=8, verbose=1)
    out = lines_of(capsys)
    assert out[0] == "Epoch 1/2"
    assert re.fullmatch(rf"8/8 \[={{30}}\] - \d+s {STEP} - loss: \S+ - mae: \S+", out[1]), out
    model.evaluate(X, Y, batch_size=8, verbose=2)
    (line,) = lines_of(capsys)
    assert re.fullmatch(r"8/8 - \d+s - loss: \S+ - mae: \S+ - \d+(s|ms|us)/epoch - " + STEP,
                        line), line
    term = Terminal()
    bar = Progbar(8, stream=term, interval=0)
    bar.update(1, {"loss": 1.0})
    assert screen(term.getvalue())[0].startswith("1/8 [==>...........................] - ETA:")
