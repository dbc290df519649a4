"""Saving: round trips reproduce predictions exactly; writes are atomic; truncated or foreign
files raise clear errors; custom objects; weights-only files."""
import os
import zipfile

import numpy as np
import pytest

from graphflow import keras
from graphflow.errors import InvalidArgumentError, NotFoundError

L = keras.layers
X = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)


def functional_model():
    a = keras.Input((4,), name="a")
    h = L.Dense(6, activation="relu", kernel_regularizer="l2")(a)
    h = L.BatchNormalization()(h)
    out1 = L.Dense(2, activation="softmax", name="p")(h)
    out2 = L.Dense(1, name="q")(L.Concatenate()([h, a]))
    return keras.Model(a, [out1, out2])


@pytest.mark.parametrize("make", [
    lambda: keras.Sequential([keras.Input((4,)), L.Dense(3, activation="tanh"), L.Dropout(0.3),
                              L.Dense(2)]),
    functional_model,
])
def test_round_trip_reproduces_predictions(tmp_path, make):
    model = make()
    model.compile(optimizer="adam", loss="mse")
    before = model.predict(X, verbose=0)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    after = loaded.predict(X, verbose=0)
    for a, b in zip(before if isinstance(before, list) else [before],
                    after if isinstance(after, list) else [after]):
        np.testing.assert_array_equal(a, b)
    assert loaded.compiled and type(loaded.optimizer).__name__ == "Adam"
    assert [l.name for l in loaded.layers] == [l.name for l in model.layers]


def test_save_weights_and_load_weights(tmp_path):
    model = functional_model()
    path = tmp_path / "w.weights.npz"
    model.save_weights(path)
    other = functional_model()  # same architecture, different auto-generated layer names
    assert not np.array_equal(other.predict(X, verbose=0)[1], model.predict(X, verbose=0)[1])
    other.load_weights(path)
    np.testing.assert_array_equal(other.predict(X, verbose=0)[1], model.predict(X, verbose=0)[1])



def test_crash_mid_save_leaves_previous_file_intact(tmp_path, monkeypatch):
    model = keras.Sequential([keras.Input((4,)), L.Dense(2)])
    path = tmp_path / "m.keras"
    model.save(path)
    original = path.read_bytes()
    import graphflow.keras.saving as saving

    def broken_replace(src, dst):
        raise OSError("disk full")
    monkeypatch.setattr(saving.os, "replace", broken_replace)
    model.layers[0].kernel.assign(np.zeros((4, 2), np.float32))
    with pytest.raises(OSError, match="disk full"):
        model.save(path)
    assert path.read_bytes() == original
    assert [p.name for p in tmp_path.iterdir()] == ["m.keras"]  # no temp file left behind


def test_truncated_and_foreign_files(tmp_path):
    model = keras.Sequential([keras.Input((4,)), L.Dense(2)])
    path = tmp_path / "m.keras"
    model.save(path)
    data = path.read_bytes()
    (tmp_path / "cut.keras").write_bytes(data[: len(data) // 2])
    with pytest.raises(InvalidArgumentError, match="not a graphflow .keras model file"):
        keras.models.load_model(tmp_path / "cut.keras")
    (tmp_path / "text.keras").write_text("hello")
    with pytest.raises(InvalidArgumentError, match="not a graphflow"):
        keras.models.load_model(tmp_path / "text.keras")
    with zipfile.ZipFile(tmp_path / "other.zip", "w") as z:
        z.writestr("readme.txt", "not a model")
    with pytest.raises(InvalidArgumentError, match="missing metadata.json"):
        keras.models.load_model(tmp_path / "other.zip")
    with pytest.raises(NotFoundError):
        keras.models.load_model(tmp_path / "absent.keras")
    other = keras.Sequential([keras.Input((4,)), L.Dense(3)])
    with pytest.raises(InvalidArgumentError, match="shape"):
        other.load_weights(path)


def test_custom_layers_need_custom_objects(tmp_path):
    class Scale(L.Layer):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def call(self, x):
            return x * self.factor

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    inp = keras.Input((4,))
    model = keras.Model(inp, Scale(3.0)(L.Dense(2)(inp)))
    path = tmp_path / "c.keras"
    model.save(path)
    with pytest.raises(InvalidArgumentError, match="custom_objects"):
        keras.models.load_model(path)
    loaded = keras.models.load_model(path, custom_objects={"Scale": Scale})
    np.testing.assert_array_equal(loaded.predict(X, verbose=0), model.predict(X, verbose=0))


def test_no_pickle_in_files(tmp_path):
    model = functional_model()
    path = tmp_path / "m.keras"
    model.save(path)
    with zipfile.ZipFile(path) as z:
        assert set(z.namelist()) >= {"metadata.json", "config.json", "weights.npz"}
    assert os.path.getsize(path) > 0
