"""history.plot() / keras.utils.plot_history: training curves with matplotlib (the `plot` extra),
and a clear error naming the extra when matplotlib is missing."""
import builtins
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from graphflow import keras
from graphflow.errors import FailedPreconditionError, InvalidArgumentError

matplotlib = pytest.importorskip("matplotlib", reason="matplotlib (the `plot` extra) not installed")


def fitted_history():
    keras.backend.clear_session()
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"],
                  run_eagerly=True)
    x = np.random.default_rng(0).normal(size=(40, 3)).astype(np.float32)
    return model.fit(x, (x[:, 0] > 0).astype(np.int64), epochs=3, batch_size=20,
                     validation_split=0.25, verbose=0)


def test_history_plot_panels_and_curves(tmp_path):
    history = fitted_history()
    fig = history.plot(to_file=tmp_path / "curves.svg", title="run 1")
    assert [ax.get_title() for ax in fig.axes] == ["loss", "accuracy"]
    loss_ax = fig.axes[0]
    labels = [line.get_label() for line in loss_ax.get_lines()]
    assert labels == ["training", "validation"]
    xs, ys = loss_ax.get_lines()[0].get_data()
    assert list(xs) == [1, 2, 3] and np.allclose(ys, history.history["loss"])
    assert np.allclose(loss_ax.get_lines()[1].get_ydata(), history.history["val_loss"])
    ET.parse(tmp_path / "curves.svg")  # a well-formed SVG was written
    png = tmp_path / "acc.png"
    keras.utils.plot_history(history.history, metrics=["accuracy"], to_file=str(png))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_history_bad_input():
    with pytest.raises(InvalidArgumentError, match="no recorded metric \\['auc'\\]"):
        keras.utils.plot_history({"loss": [1.0]}, metrics=["auc"])
    with pytest.raises(InvalidArgumentError, match="no recorded epochs"):
        keras.callbacks.History().plot()
    with pytest.raises(InvalidArgumentError, match="expected a keras.callbacks.History"):
        keras.utils.plot_history([1, 2])


def test_missing_matplotlib_names_the_extra(monkeypatch):
    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError("no matplotlib")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    with pytest.raises(FailedPreconditionError, match=r"pip install 'graphflow\[plot\]'"):
        keras.utils.plot_history({"loss": [1.0, 0.5]})
