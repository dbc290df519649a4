"""Keras 3 files without Keras: the tests write Keras 3's .keras layout (config.json in Keras 3's
format + model.weights.h5 in its HDF5 layout) with h5py and load it; .weights.h5 round trips."""
import io
import json
import sys
import zipfile

import numpy as np
import pytest

from graphflow import keras
from graphflow.errors import InvalidArgumentError, UnimplementedError

h5py = pytest.importorskip("h5py", reason="the optional extra graphflow[h5] is absent")

POLICY = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"},
          "registered_name": None}
GLOROT = {"module": "keras.initializers", "class_name": "GlorotUniform",
          "config": {"seed": None, "input_axes": None, "output_axes": None},
          "registered_name": None}
ZEROS = {"module": "keras.initializers", "class_name": "Zeros", "config": {},
         "registered_name": None}


def _dense(name, units, activation, in_dim, **extra):
    config = {"name": name, "trainable": True, "dtype": POLICY, "units": units,
              "activation": activation, "use_bias": True, "kernel_initializer": GLOROT,
              "bias_initializer": ZEROS, "kernel_regularizer": None, "bias_regularizer": None,
              "kernel_constraint": None, "bias_constraint": None, "quantization_config": None}
    config.update(extra)
    return {"module": "keras.layers", "class_name": "Dense", "config": config,
            "registered_name": None, "build_config": {"input_shape": [None, in_dim]}}


def _input(name, shape):
    return {"module": "keras.layers", "class_name": "InputLayer",
            "config": {"batch_shape": [None] + list(shape), "dtype": "float32", "sparse": False,
                       "ragged": False, "name": name, "optional": False},
            "registered_name": None}


def _ref(layer, node=0, index=0, shape=None):
    return {"class_name": "__keras_tensor__",
            "config": {"shape": shape, "dtype": "float32", "keras_history": [layer, node, index]}}


def _write_keras(path, config, weights, optimizer=None):
    """weights: {"layers/dense": [arrays]} in Keras 3's layout; optimizer: its vars list."""
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        layers = f.create_group("layers")
        for key, arrays in weights.items():
            group = layers.create_group(key.split("/", 1)[1]).create_group("vars")
            for i, a in enumerate(arrays):
                group.create_dataset(str(i), data=a)
        f.create_group("vars")
        if optimizer is not None:
            group = f.create_group("optimizer").create_group("vars")
            for i, a in enumerate(optimizer):
                group.create_dataset(str(i), data=a)
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("metadata.json", json.dumps({"keras_version": "3.15.1",
                                                "date_saved": "2026-12-03@07:11:59"}))
        z.writestr("config.json", json.dumps(config))
        z.writestr("model.weights.h5", buffer.getvalue())
    return path


def _rng_arrays(*shapes):
    rng = np.random.default_rng(0)
    return [rng.normal(size=s).astype(np.float32) for s in shapes]


def _sequential_config(extra=None):
    dense = _dense("dense", 3, "relu", 4, **(extra or {}))
    return {"module": "keras", "class_name": "Sequential",
            "config": {"name": "seq", "trainable": True, "dtype": POLICY,
                       "layers": [_input("input_layer", (4,)), dense,
                                  {"module": "keras.layers", "class_name": "Dropout",
                                   "config": {"name": "dropout", "trainable": True,
                                              "dtype": POLICY, "rate": 0.1, "seed": None,
                                              "noise_shape": None}, "registered_name": None},
                                  _dense("dense_1", 1, "linear", 3)],
                       "build_input_shape": [None, 4]},
            "registered_name": None, "build_config": {"input_shape": [None, 4]},
            "compile_config": {"optimizer": {"module": "keras.optimizers", "class_name": "Adam",
                                             "config": {"name": "adam", "learning_rate": 0.005,
                                                        "use_ema": False, "ema_momentum": 0.99,
                                                        "beta_1": 0.9, "beta_2": 0.999,
                                                        "epsilon": 1e-07, "amsgrad": False},
                                             "registered_name": None},
                               "loss": "mse", "loss_weights": None, "metrics": ["mae"],
                               "weighted_metrics": None, "run_eagerly": False,
                               "steps_per_execution": 1, "jit_compile": False}}


def test_load_keras3_sequential(tmp_path):
    k1, b1, k2, b2 = _rng_arrays((4, 3), (3,), (3, 1), (1,))
    # Keras 3's Adam state: iterations, learning rate, then (momentum, velocity) per variable
    slots = [a for w in (k1, b1, k2, b2) for a in (w * 0.1, np.abs(w) * 0.01)]
    path = _write_keras(tmp_path / "m.keras", _sequential_config(),
                        {"layers/dense": [k1, b1], "layers/dense_1": [k2, b2]},
                        optimizer=[np.int64(3), np.float32(0.005)] + slots)
    model = keras.models.load_model(str(path))
    assert int(model.optimizer.iterations.numpy()) == 3
    kernel = model.layers[0].kernel
    np.testing.assert_allclose(model.optimizer._slots_for(kernel)["momentum"].numpy(), k1 * 0.1)
    np.testing.assert_allclose(model.optimizer._slots_for(kernel)["velocity"].numpy(),
                               np.abs(k1) * 0.01)
    assert isinstance(model, keras.Sequential) and model.name == "seq"
    assert [l.name for l in model.layers] == ["dense", "dropout", "dense_1"]
    x = np.random.default_rng(1).normal(size=(5, 4)).astype(np.float32)
    expected = np.maximum(x @ k1 + b1, 0) @ k2 + b2
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)
    assert type(model.optimizer).__name__ == "Adam"
    np.testing.assert_allclose(float(np.asarray(model.optimizer.learning_rate)), 0.005)
    model.fit(x, expected, verbose=0)  # compiled from the file's compile_config
    uncompiled = keras.models.load_model(str(path), compile=False)
    assert not uncompiled.compiled


def test_load_keras3_functional_maps_weights_by_config_order(tmp_path):
    # Keras lists the Dense on "vec" first (dense) and the head second (out -> dense_1)
    layers = [_input("img", (2,)), _input("vec", (3,)),
              {**_dense("dense", 4, "linear", 3), "name": "dense",
               "inbound_nodes": [{"args": [_ref("vec")], "kwargs": {}}]},
              {"module": "keras.layers", "class_name": "Concatenate",
               "config": {"name": "concatenate", "trainable": True, "dtype": POLICY, "axis": -1},
               "registered_name": None, "name": "concatenate",
               "inbound_nodes": [{"args": [[_ref("img"), _ref("dense")]], "kwargs": {}}]},
              {**_dense("out", 2, "softmax", 6), "name": "out",
               "inbound_nodes": [{"args": [_ref("concatenate")], "kwargs": {}}]}]
    for entry in layers[:2]:
        entry["name"] = entry["config"]["name"]
        entry["inbound_nodes"] = []
    config = {"module": "keras", "class_name": "Functional", "registered_name": None,
              "config": {"name": "fn", "trainable": True, "layers": layers,
                         "input_layers": [["img", 0, 0], ["vec", 0, 0]],
                         "output_layers": ["out", 0, 0]}}
    k1, b1, k2, b2 = _rng_arrays((3, 4), (4,), (6, 2), (2,))
    path = _write_keras(tmp_path / "f.keras", config,
                        {"layers/dense": [k1, b1], "layers/dense_1": [k2, b2],
                         "layers/input_layer": [], "layers/input_layer_1": [],
                         "layers/concatenate": []})
    model = keras.models.load_model(str(path))
    img, vec = np.ones((2, 2), np.float32), np.arange(6, dtype=np.float32).reshape(2, 3)
    logits = np.concatenate([img, vec @ k1 + b1], axis=1) @ k2 + b2
    expected = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(model.predict([img, vec], verbose=0), expected, rtol=1e-5)


def test_load_keras3_errors(tmp_path):
    k1, b1, k2, b2 = _rng_arrays((4, 3), (3,), (3, 1), (1,))
    good = {"layers/dense": [k1, b1], "layers/dense_1": [k2, b2]}
    bad_shape = _write_keras(tmp_path / "s.keras", _sequential_config(),
                             {"layers/dense": [k1[:2], b1], "layers/dense_1": [k2, b2]})
    with pytest.raises(InvalidArgumentError, match=r"layers/dense/vars/0.*shape \(2, 3\)"):
        keras.models.load_model(str(bad_shape))
    config = _sequential_config()
    config["config"]["layers"][1]["class_name"] = "FancyDense"
    unknown = _write_keras(tmp_path / "u.keras", config, good)
    with pytest.raises(InvalidArgumentError, match="unknown layer class 'FancyDense'"):
        keras.models.load_model(str(unknown))
    with pytest.warns(UserWarning, match="optimizer starts fresh"):
        model = keras.models.load_model(str(_write_keras(
            tmp_path / "o.keras", _sequential_config(), good, optimizer=[np.int64(1)] * 3)))
    assert int(model.optimizer.iterations.numpy()) == 0
    unsupported = _write_keras(tmp_path / "n.keras", _sequential_config({"lora_rank": 4}), good)
    with pytest.raises(UnimplementedError, match="no argument 'lora_rank'"):
        keras.models.load_model(str(unsupported))
    missing = _write_keras(tmp_path / "m.keras", _sequential_config(), {"layers/dense": [k1, b1]})
    with pytest.raises(InvalidArgumentError, match="dense_1"):
        keras.models.load_model(str(missing))


def _model():
    inner = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="inner_dense")])
    inp = keras.Input((4,))
    h = keras.layers.Dense(3)(inp)
    h = keras.layers.BatchNormalization()(h)
    return keras.Model(inp, keras.layers.Dense(1)(inner(h)))


def test_weights_h5_round_trip_and_layout(tmp_path):
    keras.utils.set_random_seed(0)
    model = _model()
    path = str(tmp_path / "w.weights.h5")
    model.save_weights(path)
    with h5py.File(path, "r") as f:
        assert sorted(f["layers"]) == ["batch_normalization", "dense", "dense_1", "input_layer",
                                       "sequential"]
        assert f["layers/dense/vars/0"].shape == (4, 3)
        assert f["layers/batch_normalization/vars"].__len__() == 4
        assert f["layers/sequential/layers/dense/vars/0"].shape == (3, 2)
    keras.utils.set_random_seed(1)
    other = _model()
    other.load_weights(path)
    for a, b in zip(model.get_weights(), other.get_weights()):
        np.testing.assert_array_equal(a, b)
    wrong = keras.Sequential([keras.Input((4,)), keras.layers.Dense(5)])
    before = wrong.get_weights()
    with pytest.raises(InvalidArgumentError, match="shape"):
        wrong.load_weights(path)
    for a, b in zip(before, wrong.get_weights()):  # all-or-nothing
        np.testing.assert_array_equal(a, b)


def test_clear_error_without_h5py(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "h5py", None)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    with pytest.raises(ImportError, match=r"pip install graphflow\[h5\]"):
        model.save_weights(str(tmp_path / "x.weights.h5"))
