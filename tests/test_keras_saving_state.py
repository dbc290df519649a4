"""What a save keeps beyond the architecture and weights: the optimizer state (training resumes
exactly), the file's permissions (as open() under the umask), and the registry of custom
classes (register_keras_serializable, custom_object_scope, get_custom_objects, custom_objects),
also for to_json / model_from_json."""
import json
import os
import stat

import numpy as np
import pytest

import graphflow as tf
from graphflow import keras
from graphflow.errors import InvalidArgumentError
from graphflow.keras.object_registration import GLOBAL_CUSTOM_NAMES

L = keras.layers
rng = np.random.default_rng(0)
X = rng.random((48, 5)).astype(np.float32)
Y = rng.random((48, 2)).astype(np.float32)


def _model(optimizer):
    tf.random.set_seed(3)
    model = keras.Sequential([keras.Input((5,)), L.Dense(8, activation="relu"),
                              L.BatchNormalization(), L.Dense(2)])
    model.compile(optimizer, "mse", metrics=["mae"])
    return model


@pytest.mark.parametrize("make_optimizer", [
    lambda: keras.optimizers.Adam(1e-2),
    lambda: keras.optimizers.Nadam(1e-2),
    lambda: keras.optimizers.SGD(keras.optimizers.schedules.ExponentialDecay(0.1, 3, 0.5),
                                 momentum=0.9),
], ids=["adam", "nadam", "sgd-schedule-momentum"])
def test_training_resumes_exactly_after_save_and_load(tmp_path, make_optimizer):
    straight, resumed = _model(make_optimizer()), _model(make_optimizer())
    resumed.set_weights(straight.get_weights())
    fit = dict(batch_size=16, shuffle=False, verbose=0)
    straight.fit(X, Y, epochs=4, **fit)
    resumed.fit(X, Y, epochs=2, **fit)
    resumed.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert int(loaded.optimizer.iterations.numpy()) == 6  # issue 13: it was 0
    saved_vars = [v.numpy() for v in resumed.optimizer.variables]
    loaded_vars = [v.numpy() for v in loaded.optimizer.variables]
    assert [v.name for v in loaded.optimizer.variables] == \
        [v.name for v in resumed.optimizer.variables]
    for a, b in zip(saved_vars, loaded_vars):
        np.testing.assert_array_equal(a, b)
    loaded.fit(X, Y, epochs=2, **fit)
    for a, b in zip(straight.get_weights(), loaded.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_changed_learning_rate_is_kept_and_compile_false_drops_state(tmp_path):
    model = _model(keras.optimizers.Adam(1e-2))
    model.fit(X, Y, epochs=1, batch_size=16, verbose=0)
    model.optimizer.learning_rate = 0.005  # as ReduceLROnPlateau does
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert float(loaded.optimizer.learning_rate) == pytest.approx(0.005)
    assert not keras.models.load_model(tmp_path / "m.keras", compile=False).compiled


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.parametrize("umask, expected", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_saved_files_get_umask_permissions(tmp_path, umask, expected):
    model = keras.Sequential([keras.Input((2,)), L.Dense(1)])
    old = os.umask(umask)
    try:
        model.save(tmp_path / "m.keras")
        model.save_weights(tmp_path / "w.weights.npz")
    finally:
        os.umask(old)
    assert _mode(tmp_path / "m.keras") == expected  # issue 13: always 0o600
    assert _mode(tmp_path / "w.weights.npz") == expected
    os.chmod(tmp_path / "m.keras", 0o640)
    model.save(tmp_path / "m.keras")  # overwriting keeps the file's mode, as open() does
    assert _mode(tmp_path / "m.keras") == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.keras", "w.weights.npz"]


class Scale(L.Layer):
    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, x):
        return x * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


def _scaled():
    inp = keras.Input((3,))
    return keras.Model(inp, Scale(3.0)(L.Dense(2)(inp)))


def test_custom_objects_scope_and_global_dict(tmp_path):
    model = _scaled()
    model.save(tmp_path / "c.keras")
    x = np.ones((2, 3), np.float32)
    with pytest.raises(InvalidArgumentError, match="Unknown layer class 'Scale'.*custom_objects"):
        keras.models.load_model(tmp_path / "c.keras")
    for load in (lambda: keras.models.load_model(tmp_path / "c.keras",
                                                 custom_objects={"Scale": Scale}),):
        np.testing.assert_array_equal(load().predict(x, verbose=0), model.predict(x, verbose=0))
    with keras.utils.custom_object_scope({"Scale": Scale}):
        loaded = keras.models.load_model(tmp_path / "c.keras")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    with pytest.raises(InvalidArgumentError, match="Scale"):  # the scope has ended
        keras.models.load_model(tmp_path / "c.keras")
    keras.utils.get_custom_objects()["Scale"] = Scale
    try:
        assert keras.models.load_model(tmp_path / "c.keras").layers[-1].factor == 3.0
    finally:
        del keras.utils.get_custom_objects()["Scale"]


def test_register_keras_serializable_round_trip(tmp_path):
    @keras.utils.register_keras_serializable(package="test_pkg")
    class Shift(L.Layer):
        def __init__(self, by=1.0, **kwargs):
            super().__init__(**kwargs)
            self.by = by

        def call(self, x):
            return x + self.by

        def get_config(self):
            return {**super().get_config(), "by": self.by}

    try:
        assert keras.utils.get_registered_name(Shift) == "test_pkg>Shift"
        inp = keras.Input((3,))
        model = keras.Model(inp, Shift(2.5)(inp))
        config = json.loads(model.to_json())
        assert config["config"]["layers"][1]["registered_name"] == "test_pkg>Shift"
        model.save(tmp_path / "r.keras")
        loaded = keras.models.load_model(tmp_path / "r.keras")  # no custom_objects needed
        assert type(loaded.layers[1]) is Shift and loaded.layers[1].by == 2.5
        assert keras.models.model_from_json(model.to_json()).layers[1].by == 2.5
    finally:
        del keras.utils.get_custom_objects()["test_pkg>Shift"]
        del GLOBAL_CUSTOM_NAMES[Shift]
    with pytest.raises(InvalidArgumentError, match="get_config"):
        keras.utils.register_keras_serializable()(type("NoConfig", (), {}))


def test_to_json_and_model_from_json_share_the_safe_deserializer():
    inp = keras.Input((4,), name="a")
    model = keras.Model(inp, L.Dense(2, activation="softmax")(L.Dense(3)(inp)))
    clone = keras.models.model_from_json(model.to_json())
    assert [type(l).__name__ for l in clone.layers] == ["InputLayer", "Dense", "Dense"]
    assert clone.output_shape == model.output_shape
    seq = keras.Sequential([keras.Input((2,)), L.Dense(1)])
    assert keras.models.model_from_json(seq.to_json(indent=2)).layers[0].units == 1
    assert keras.models.model_from_config(json.loads(seq.to_json())).built
    for bad, message in [
            ("null", "must be a JSON object"), ("[" * 100_000 + "]" * 100_000, "too deeply"),
            ('{"class_name": "TensorShape", "config": {}}', "Unknown layer class"),
            ('{"class_name": "os.system", "config": {"command": "true"}}', "Unknown layer"),
            ('{"class_name": "Dense", "config": {"units": 2}}', "not a model"),
            ("{", "not valid JSON")]:
        with pytest.raises(InvalidArgumentError, match=message):
            keras.models.model_from_json(bad)
    with pytest.raises(InvalidArgumentError, match="JSON string"):
        keras.models.model_from_json(None)
