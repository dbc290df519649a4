"""model.summary() prints what Keras prints: Keras 3's box layout by default, tf.keras 2's with
TF_USE_LEGACY_KERAS=1. tests/golden/keras_summary.json holds the text that tf.keras 2.21
(Keras 3.15) and tf_keras 2.21 printed for the same models (COLUMNS=80, so Keras 3's default
width is 80 - 4 = 76)."""
import io
import json
import os

import numpy as np
import pytest

from graphflow import keras

L = keras.layers
GOLDEN = json.load(open(os.path.join(os.path.dirname(__file__), "golden", "keras_summary.json"),
                        encoding="utf-8"))


def models():
    """The models of the golden file, built in the same order (so layer names match)."""
    keras.backend.clear_session()
    out = {}
    mlp = keras.Sequential([keras.Input((784,)), L.Dense(512, activation="relu"),
                            L.Dense(10, activation="softmax")], name="mlp")
    cnn = keras.Sequential([keras.Input((28, 28, 1)), L.Conv2D(32, 3, activation="relu"),
                            L.MaxPooling2D(2), L.Conv2D(64, 3), L.GlobalAveragePooling2D(),
                            L.BatchNormalization(), L.Dense(10)], name="cnn")
    cnn.layers[-2].trainable = False
    a, b = keras.Input((8,), name="a"), keras.Input((8,), name="b")
    shared = L.Dense(4, name="shared")
    merged = L.Concatenate(name="merge")([shared(a), shared(b)])
    branches = keras.Model([a, b], [L.Dense(1, name="out1")(merged),
                                    L.Dense(2, name="out2")(merged)], name="branches")
    inner = keras.Sequential([keras.Input((3,)), L.Dense(2, name="in_dense"),
                              L.Dense(2, name="in_dense2")], name="inner")
    x = keras.Input((3,), name="x")
    nested = keras.Model(x, L.Dense(1, name="head")(inner(x)), name="nested")
    out.update(mlp=(mlp, {}), cnn=(cnn, {}), cnn_trainable_60=(cnn, dict(line_length=60,
               show_trainable=True)), branches=(branches, {}), nested=(nested, {}),
               nested_expanded=(nested, dict(expand_nested=True)))
    return out


def captured(model, **options):
    calls = []
    model.summary(print_fn=calls.append, **options)
    return calls


@pytest.fixture
def columns_80(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.delenv("TF_USE_LEGACY_KERAS", raising=False)


@pytest.mark.parametrize("style", ["keras3", "tf_keras2"])
def test_summary_matches_keras_text(columns_80, monkeypatch, style):
    if style == "tf_keras2":
        monkeypatch.setenv("TF_USE_LEGACY_KERAS", "1")
    for key, (model, options) in models().items():
        calls = captured(model, **options)
        if style == "keras3":  # Keras 3 hands print_fn the whole text in one call
            assert len(calls) == 1, key
            text = calls[0]
        else:                  # tf.keras 2 calls it once per line
            text = "\n".join(calls)
        assert text == GOLDEN[style][key], f"{style} {key}:\n{text}"


def test_optimizer_params_line_after_training(columns_80):
    model = models()["mlp"][0]
    model.compile("adam", "sparse_categorical_crossentropy", run_eagerly=True)
    model.fit(np.ones((4, 784), np.float32), np.zeros(4), verbose=0)
    text = captured(model)[0]
    assert text == GOLDEN["keras3"]["mlp_fitted"], text
    assert " Optimizer params: 814,102 (3.11 MB)" in text and "1,221,152 (4.66 MB)" in text


def test_summary_prints_to_stdout_and_unbuilt_layers(columns_80, capsys):
    keras.backend.clear_session()
    model = keras.Sequential([L.Dense(3)])
    model.summary()
    out = capsys.readouterr().out
    assert "│ dense (Dense)" in out and "│ ?" in out and "0 (unbuilt) │" in out
    assert out.endswith("┘\n Total params: 0 (0.00 B)\n Trainable params: 0 (0.00 B)\n"
                        " Non-trainable params: 0 (0.00 B)\n")


def test_layer_range_and_narrow_width(columns_80):
    model = models()["cnn"][0]
    text = captured(model, layer_range=["conv2d_1", "batch.*"])[0]
    assert "conv2d_1" in text and "batch_normalization" in text
    assert "max_pooling2d" not in text and "dense_2" not in text
    with pytest.raises(ValueError, match="do not match the layer names"):
        model.summary(layer_range=["nothing", "dense.*"])
    with pytest.raises(ValueError, match="Insufficient console width"):
        model.summary(line_length=10)


def test_summary_on_ascii_stream(columns_80, monkeypatch):
    """A stream that cannot write the box characters gets ASCII ones instead of an error."""
    buf = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    monkeypatch.setattr("sys.stdout", buf)
    models()["mlp"][0].summary()
    buf.flush()
    text = buf.buffer.getvalue().decode("ascii")
    assert text.splitlines()[1].startswith("+====") and "| dense (Dense)" in text
