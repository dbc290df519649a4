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


def _input(name, shape, dtype="float32"):
    return {"module": "keras.layers", "class_name": "InputLayer",
            "config": {"batch_shape": [None] + list(shape), "dtype": dtype, "sparse": False,
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


# -- layers that keep their weights in sublayers -------------------------------------------------
# Layout facts observed in files Keras 3.15 writes: a layer's sublayers are groups named after
# the attribute holding them (RNN.cell, Bidirectional.forward_layer/backward_layer,
# TimeDistributed.layer, MultiHeadAttention.query_dense/...), a list of them (StackedRNNCells.cells)
# is keyed by snake-cased class names made unique (lstm_cell, lstm_cell_1, gru_cell), and the
# layer holding them has an empty vars group.

ORTHOGONAL = {"module": "keras.initializers", "class_name": "Orthogonal",
              "config": {"seed": None, "gain": 1.0}, "registered_name": None}
_RNN = {"return_sequences": False, "return_state": False, "go_backwards": False,
        "stateful": False, "unroll": False, "zero_output_for_mask": False}


def _layer(kind, name, **config):
    return {"module": "keras.layers", "class_name": kind, "registered_name": None,
            "config": {"name": name, "trainable": True, "dtype": POLICY, **config}}


def _cell_args(kind, units, **extra):
    """The cell arguments of a Keras 3 SimpleRNN/LSTM/GRU (or cell) config."""
    config = {"units": units, "activation": "tanh", "recurrent_activation": "sigmoid",
              "use_bias": True, "kernel_initializer": GLOROT, "recurrent_initializer": ORTHOGONAL,
              "bias_initializer": ZEROS, "kernel_regularizer": None,
              "recurrent_regularizer": None, "bias_regularizer": None, "kernel_constraint": None,
              "recurrent_constraint": None, "bias_constraint": None, "dropout": 0.0,
              "recurrent_dropout": 0.0, "seed": None}
    if kind.startswith("SimpleRNN"):
        del config["recurrent_activation"]
    if kind.startswith("LSTM"):
        config["unit_forget_bias"] = True
    if kind.startswith("GRU"):
        config["reset_after"] = True
    return {**config, **extra}


def _rnn(kind, name, units, **extra):
    rnn = {k: extra.pop(k) for k in list(extra) if k in _RNN}
    return _layer(kind, name, **{**_RNN, **rnn}, activity_regularizer=None,
                  **_cell_args(kind, units, **extra))


def _seq(shape, layers, dtype="float32"):
    return {"module": "keras", "class_name": "Sequential", "registered_name": None,
            "config": {"name": "sequential", "trainable": True, "dtype": POLICY,
                       "layers": [_input("input_layer", shape, dtype)] + layers,
                       "build_input_shape": [None, *shape]},
            "build_config": {"input_shape": [None, *shape]}}


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _np_lstm(x, kernel, recurrent, bias, lengths=None, reverse=False, sequences=False):
    """Keras's LSTM in NumPy (gates i, f, c, o); steps at or past `lengths` are masked."""
    h = c = np.zeros((x.shape[0], recurrent.shape[0]))
    outs = []
    for t in (range(x.shape[1])[::-1] if reverse else range(x.shape[1])):
        z_i, z_f, z_c, z_o = np.split(x[:, t] @ kernel + h @ recurrent + bias, 4, axis=1)
        c_new = _sigmoid(z_f) * c + _sigmoid(z_i) * np.tanh(z_c)
        h_new = _sigmoid(z_o) * np.tanh(c_new)
        keep = np.ones((x.shape[0], 1), bool) if lengths is None else (t < lengths)[:, None]
        h, c = np.where(keep, h_new, h), np.where(keep, c_new, c)
        outs.append(h)
    return np.stack(outs, 1) if sequences else h


def _np_mha(q, v, w):
    """Keras's MultiHeadAttention in NumPy from its (kernel, bias) pairs."""
    (qk, qb), (kk, kb), (vk, vb), (ok, ob) = w
    query = np.einsum("btd,dhk->bthk", q, qk) + qb
    key = np.einsum("bsd,dhk->bshk", v, kk) + kb
    value = np.einsum("bsd,dhk->bshk", v, vk) + vb
    scores = np.einsum("bshk,bthk->bhts", key, query / np.sqrt(qk.shape[-1]))
    probs = np.exp(scores - scores.max(-1, keepdims=True))
    probs /= probs.sum(-1, keepdims=True)
    return np.einsum("bhts,bshk,hko->bto", probs, value, ok) + ob


def _recurrent_case():
    config = _seq((6, 4), [_rnn("SimpleRNN", "simple_rnn", 5, return_sequences=True),
                           _rnn("LSTM", "lstm", 3), _dense("dense", 1, "linear", 3)])
    w = dict(zip(("sk", "sr", "sb", "lk", "lr", "lb", "dk", "db"), _rng_arrays(
        (4, 5), (5, 5), (5,), (5, 12), (3, 12), (12,), (3, 1), (1,))))
    files = {"layers/simple_rnn": [], "layers/simple_rnn/cell": [w["sk"], w["sr"], w["sb"]],
             "layers/lstm": [], "layers/lstm/cell": [w["lk"], w["lr"], w["lb"]],
             "layers/dense": [w["dk"], w["db"]]}
    x = np.random.default_rng(2).normal(size=(3, 6, 4)).astype(np.float32)
    h, seq = np.zeros((3, 5)), []
    for t in range(6):
        h = np.tanh(x[:, t] @ w["sk"] + h @ w["sr"] + w["sb"])
        seq.append(h)
    expected = _np_lstm(np.stack(seq, 1), w["lk"], w["lr"], w["lb"]) @ w["dk"] + w["db"]

    def placed(model):
        rnn, lstm = model.layers[0], model.layers[1]
        return [(rnn.cell.kernel, w["sk"]), (rnn.cell.recurrent_kernel, w["sr"]),
                (lstm.cell.kernel, w["lk"]), (lstm.cell.bias, w["lb"])]
    return config, files, x, expected, placed


def _wrappers_case():
    lstm = _rnn("LSTM", "forward_lstm", 3)
    backward = _rnn("LSTM", "backward_lstm", 3, go_backwards=True)
    config = _seq((6, 4), [_layer("TimeDistributed", "time_distributed",
                                  layer=_dense("dense", 2, "linear", 4)),
                           _layer("Bidirectional", "bidirectional", merge_mode="concat",
                                  layer=lstm, backward_layer=backward),
                           _dense("dense_1", 1, "linear", 6)])
    tk, tb, fk, fr, fb, bk, br, bb, dk, db = _rng_arrays(
        (4, 2), (2,), (2, 12), (3, 12), (12,), (2, 12), (3, 12), (12,), (6, 1), (1,))
    files = {"layers/time_distributed/layer": [tk, tb], "layers/bidirectional": [],
             "layers/bidirectional/forward_layer/cell": [fk, fr, fb],
             "layers/bidirectional/backward_layer/cell": [bk, br, bb],
             "layers/dense": [dk, db]}
    x = np.random.default_rng(3).normal(size=(2, 6, 4)).astype(np.float32)
    td = x @ tk + tb
    both = np.concatenate([_np_lstm(td, fk, fr, fb), _np_lstm(td, bk, br, bb, reverse=True)], 1)

    def placed(model):
        bi = model.layers[1]
        return [(model.layers[0].layer.kernel, tk), (bi.forward_layer.cell.kernel, fk),
                (bi.backward_layer.cell.recurrent_kernel, br), (bi.backward_layer.cell.bias, bb)]
    return config, files, x, both @ dk + db, placed


def _stacked_case():
    cells = [_layer("LSTMCell", "lstm_cell", **_cell_args("LSTMCell", 3)),
             _layer("LSTMCell", "lstm_cell_1", **_cell_args("LSTMCell", 2)),
             _layer("GRUCell", "gru_cell", **_cell_args("GRUCell", 2))]
    config = _seq((5, 4), [_layer("RNN", "rnn", **_RNN, cell=_layer(
        "StackedRNNCells", "stacked_rnn_cells", cells=cells))])
    k1, r1, b1, k2, r2, b2, k3, r3, b3 = _rng_arrays(
        (4, 12), (3, 12), (12,), (3, 8), (2, 8), (8,), (2, 6), (2, 6), (2, 6))
    files = {"layers/rnn": [], "layers/rnn/cell": [],
             "layers/rnn/cell/cells/lstm_cell": [k1, r1, b1],
             "layers/rnn/cell/cells/lstm_cell_1": [k2, r2, b2],
             "layers/rnn/cell/cells/gru_cell": [k3, r3, b3]}
    x = np.random.default_rng(4).normal(size=(2, 5, 4)).astype(np.float32)
    h1 = _np_lstm(x, k1, r1, b1, sequences=True)  # stacked cells = layers of sequences
    h2 = _np_lstm(h1, k2, r2, b2, sequences=True)
    h = np.zeros((2, 2))
    for t in range(5):  # Keras's GRU, reset_after=True
        xz, xr, xh = np.split(h2[:, t] @ k3 + b3[0], 3, axis=1)
        rz, rr, rh = np.split(h @ r3 + b3[1], 3, axis=1)
        z, r = _sigmoid(xz + rz), _sigmoid(xr + rr)
        h = z * h + (1 - z) * np.tanh(xh + r * rh)

    def placed(model):
        c = model.layers[0].cell.cells
        return [(c[0].kernel, k1), (c[1].kernel, k2), (c[1].bias, b2), (c[2].bias, b3)]
    return config, files, x, h, placed


def _text_classifier_case():
    embedding = _layer("Embedding", "embedding", input_dim=20, output_dim=4,
                       embeddings_initializer=GLOROT, embeddings_regularizer=None,
                       activity_regularizer=None, embeddings_constraint=None, mask_zero=True,
                       quantization_config=None)
    config = _seq((8,), [embedding, _rnn("LSTM", "lstm", 3),
                         _dense("dense", 1, "sigmoid", 3)], dtype="int32")
    emb, k, r, b, dk, db = _rng_arrays((20, 4), (4, 12), (3, 12), (12,), (3, 1), (1,))
    files = {"layers/embedding": [emb], "layers/lstm/cell": [k, r, b], "layers/dense": [dk, db]}
    x = np.array([[1, 2, 3, 0, 0, 0, 0, 0], [4, 5, 6, 7, 8, 9, 1, 2]], np.int32)
    h = _np_lstm(emb[x], k, r, b, lengths=(x != 0).sum(1))
    return config, files, x, _sigmoid(h @ dk + db), \
        lambda model: [(model.layers[1].cell.recurrent_kernel, r)]


def _mha_layers():
    mha = {**_layer("MultiHeadAttention", "multi_head_attention", num_heads=2, key_dim=3,
                    value_dim=3, dropout=0.0, use_bias=True, use_gate=False, output_shape=None,
                    attention_axes=[1], sliding_window=None, kernel_initializer=GLOROT,
                    bias_initializer=ZEROS, kernel_regularizer=None, bias_regularizer=None,
                    activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                    seed=None),
           "name": "multi_head_attention",
           "inbound_nodes": [{"args": [_ref("query"), _ref("value")], "kwargs": {}}]}
    inputs = [{**_input("query", (5, 6)), "name": "query", "inbound_nodes": []},
              {**_input("value", (7, 4)), "name": "value", "inbound_nodes": []}]
    return {"module": "keras", "class_name": "Functional", "registered_name": None,
            "config": {"name": "functional", "trainable": True, "layers": inputs + [mha],
                       "input_layers": [["query", 0, 0], ["value", 0, 0]],
                       "output_layers": ["multi_head_attention", 0, 0]}}


def _mha_case():
    w = [tuple(_rng_arrays(k, b)) for k, b in (((6, 2, 3), (2, 3)), ((4, 2, 3), (2, 3)),
                                               ((4, 2, 3), (2, 3)), ((2, 3, 6), (6,)))]
    prefix = "layers/multi_head_attention"
    files = {"layers/input_layer": [], "layers/input_layer_1": [], prefix: [],
             f"{prefix}/_dropout_layer": [], f"{prefix}/_softmax": [],
             **{f"{prefix}/{key}_dense": list(pair)
                for key, pair in zip(("query", "key", "value", "output"), w)}}
    rng = np.random.default_rng(5)
    x = [rng.normal(size=s).astype(np.float32) for s in ((2, 5, 6), (2, 7, 4))]

    def placed(model):
        mha = model.layers[-1]
        return [(mha.query_kernel, w[0][0]), (mha.key_bias, w[1][1]),
                (mha.value_kernel, w[2][0]), (mha.output_kernel, w[3][0])]
    return _mha_layers(), files, x, _np_mha(*x, w), placed


SUBLAYER_CASES = {"recurrent": _recurrent_case, "wrappers": _wrappers_case,
                  "stacked_cells": _stacked_case, "text_classifier": _text_classifier_case,
                  "multi_head_attention": _mha_case}


@pytest.mark.parametrize("case", sorted(SUBLAYER_CASES))
def test_load_keras3_layers_with_sublayers(tmp_path, case):
    config, files, x, expected, placed = SUBLAYER_CASES[case]()
    path = _write_keras(tmp_path / f"{case}.keras", config, files)
    model = keras.models.load_model(str(path))
    for var, array in placed(model):
        np.testing.assert_array_equal(var.numpy(), array, err_msg=var.name)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-4, atol=1e-5)
    # save_weights writes the same layout (every group holding arrays), load_weights reads it
    out = str(tmp_path / f"{case}.weights.h5")
    model.save_weights(out)
    with h5py.File(out, "r") as f:
        for key, arrays in files.items():
            if not arrays:  # Keras has a group for every layer; weightless ones do not matter
                continue
            assert len(f[key + "/vars"]) == len(arrays), key
            for i, a in enumerate(arrays):
                np.testing.assert_array_equal(f[f"{key}/vars/{i}"][()], a)
        held = set()
        f.visititems(lambda name, obj: held.add(name.rsplit("/vars/", 1)[0])
                     if isinstance(obj, h5py.Dataset) else None)
        assert held == {k for k, arrays in files.items() if arrays}
    fresh = keras.models.load_model(str(path))
    for v in fresh.weights:
        v.assign(np.zeros(v.shape.as_list(), v.dtype.np))
    fresh.load_weights(out)
    np.testing.assert_allclose(fresh.predict(x, verbose=0), expected, rtol=1e-4, atol=1e-5)


def test_weights_h5_round_trip_of_graphflow_models_with_sublayers(tmp_path):
    def make():
        x = keras.Input((5, 3))
        h = keras.layers.TimeDistributed(keras.layers.Dense(4))(x)
        h = keras.layers.Bidirectional(keras.layers.GRU(2, return_sequences=True))(h)
        h = keras.layers.MultiHeadAttention(2, 2, use_gate=True)(h, h)
        h = keras.layers.RNN([keras.layers.LSTMCell(3), keras.layers.LSTMCell(2)])(h)
        return keras.Model(x, keras.layers.Dense(1)(h))
    keras.utils.set_random_seed(0)
    model = make()
    path = str(tmp_path / "m.weights.h5")
    model.save_weights(path)
    with h5py.File(path, "r") as f:
        assert f["layers/time_distributed/layer/vars/0"].shape == (3, 4)
        assert f["layers/bidirectional/backward_layer/cell/vars/2"].shape == (2, 6)
        assert f["layers/multi_head_attention/output_dense/vars/0"].shape == (2, 2, 4)
        assert f["layers/multi_head_attention/_gate_dense/vars/1"].shape == (2, 2)
        assert f["layers/rnn/cell/cells/lstm_cell_1/vars/1"].shape == (2, 8)
        assert "vars" not in f["layers/rnn"] or len(f["layers/rnn/vars"]) == 0
    keras.utils.set_random_seed(1)
    other = make()
    other.load_weights(path)
    for a, b in zip(model.get_weights(), other.get_weights()):
        np.testing.assert_array_equal(a, b)
    x = np.random.default_rng(0).normal(size=(2, 5, 3)).astype(np.float32)
    np.testing.assert_allclose(other.predict(x, verbose=0), model.predict(x, verbose=0))


def test_weights_h5_of_a_subclassed_model_uses_attribute_names(tmp_path):
    # Keras 3 walks a subclassed model's attributes: block/inner/dense_1/vars, head/vars
    class Block(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.inner = [keras.layers.Dense(3), keras.layers.Dense(3)]
            self.proj = keras.layers.Dense(2)

        def call(self, x):
            for layer in self.inner:
                x = layer(x)
            return self.proj(x)

    class Sub(keras.Model):
        def __init__(self):
            super().__init__()
            self.block = Block()
            self.head = keras.layers.Dense(1)

        def call(self, x):
            return self.head(self.block(x))

    model = Sub()
    model(np.ones((1, 4), np.float32))
    path = str(tmp_path / "s.weights.h5")
    model.save_weights(path)
    with h5py.File(path, "r") as f:
        np.testing.assert_array_equal(f["block/inner/dense_1/vars/0"][()],
                                      model.block.inner[1].kernel.numpy())
        np.testing.assert_array_equal(f["head/vars/1"][()], model.head.bias.numpy())
        assert "layers" not in f
    other = Sub()
    other(np.ones((1, 4), np.float32))
    other.load_weights(path)
    np.testing.assert_array_equal(other.block.proj.kernel.numpy(), model.block.proj.kernel.numpy())


def test_sublayer_weight_errors_name_the_layer_and_weight(tmp_path):
    config, files, x, _, _ = _text_classifier_case()
    emb, (k, r, b), dense = files["layers/embedding"], files["layers/lstm/cell"], \
        files["layers/dense"]

    def load(name, **changed):
        path = _write_keras(tmp_path / name, config, {
            "layers/embedding": emb, "layers/dense": dense, **changed})
        return keras.models.load_model(str(path))
    # graphflow's layout before sublayers: the cell's weights flat under the layer
    with pytest.raises(InvalidArgumentError,
                       match=r"layer 'lstm' \(LSTM\), its sublayer 'lstm_cell\w*' \(LSTMCell\) "
                             r"has weights .* no 'layers/lstm/cell/vars' group"):
        load("flat.keras", **{"layers/lstm": [k, r, b]})
    with pytest.raises(InvalidArgumentError,
                       match=r"weight '.*recurrent_kernel.*' has shape \(3, 12\) but "
                             r"'layers/lstm/cell/vars/1' has shape \(4, 12\)"):
        load("shape.keras", **{"layers/lstm/cell": [k, k, b]})
    with pytest.raises(InvalidArgumentError, match=r"has 3 weights here .* holds 2"):
        load("count.keras", **{"layers/lstm/cell": [k, r]})
    config_m, files_m, *_ = _mha_case()
    del files_m["layers/multi_head_attention/output_dense"]
    with pytest.raises(InvalidArgumentError,
                       match=r"'multi_head_attention'.*multi_head_attention/output_dense/vars"):
        keras.models.load_model(str(_write_keras(tmp_path / "mha.keras", config_m, files_m)))
    # load_weights is all-or-nothing: a bad cell weight leaves every weight as it was
    model = load("good.keras", **{"layers/lstm/cell": [k, r, b]})
    before = model.get_weights()
    bad = tmp_path / "bad.weights.h5"
    with h5py.File(bad, "w") as f:
        for key, arrays in {"layers/embedding": emb, "layers/dense": dense,
                            "layers/lstm/cell": [k, r, b[:4]]}.items():
            for i, a in enumerate(arrays):
                f.create_dataset(f"{key}/vars/{i}", data=np.asarray(a) + 1)
    with pytest.raises(InvalidArgumentError, match=r"'layers/lstm/cell/vars/2' has shape \(4,\)"):
        model.load_weights(str(bad))
    for a, b_ in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b_)


def test_keras3_nested_layer_configs_are_translated(tmp_path):
    # a sublayer's config goes through the same translation as a top-level layer's
    dense = _dense("inner", 2, "linear", 4, lora_rank=4)
    config = _seq((3, 4), [_layer("TimeDistributed", "time_distributed", layer=dense)])
    path = _write_keras(tmp_path / "t.keras", config,
                        {"layers/time_distributed/layer": _rng_arrays((4, 2), (2,))})
    with pytest.raises(UnimplementedError, match=r"layer 'time_distributed' \(TimeDistributed\), "
                                                 r"its sublayer 'inner' \(Dense\).*'lora_rank'"):
        keras.models.load_model(str(path))
    cell = _layer("FancyCell", "fancy", units=2)
    unknown = _write_keras(tmp_path / "u.keras", _seq((3, 4), [_layer("RNN", "rnn", **_RNN,
                                                                      cell=cell)]), {})
    with pytest.raises(InvalidArgumentError, match=r"'rnn'.*Unknown layer class 'FancyCell'"):
        keras.models.load_model(str(unknown))


def test_weights_h5_of_custom_layers_with_containers_of_sublayers(tmp_path):
    # Keras 3.15 keys a dict's or list's layers by class name (in the container's order) and
    # skips its other items; the layer's own weight sits in its vars group
    class Heads(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.heads = {"b": keras.layers.Dense(3), "a": keras.layers.Dense(2)}
            self.steps = [keras.layers.Dense(4), "relu", keras.layers.BatchNormalization()]

        def build(self, shape):
            self.w = self.add_weight(shape=(shape[-1],), name="w")

        def call(self, x):
            for step in self.steps:
                x = keras.activations.get(step)(x) if isinstance(step, str) else step(x)
            return self.heads["a"](x) + self.heads["b"](x)[..., :2] + self.w[:2]

    x = keras.Input((2,))
    model = keras.Model(x, Heads()(x))
    path = str(tmp_path / "h.weights.h5")
    model.save_weights(path)
    held = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda n, o: held.__setitem__(n, o.shape)
                     if isinstance(o, h5py.Dataset) else None)
    bn = {f"layers/heads/steps/batch_normalization/vars/{i}": (4,) for i in range(4)}
    assert held == {"layers/heads/heads/dense/vars/0": (4, 3),
                    "layers/heads/heads/dense/vars/1": (3,),
                    "layers/heads/heads/dense_1/vars/0": (4, 2),
                    "layers/heads/heads/dense_1/vars/1": (2,), **bn,
                    "layers/heads/steps/dense/vars/0": (2, 4),
                    "layers/heads/steps/dense/vars/1": (4,), "layers/heads/vars/0": (2,)}
    y = keras.Input((2,))
    other = keras.Model(y, Heads()(y))
    other.load_weights(path)
    for a, b in zip(model.get_weights(), other.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_load_keras3_optimizer_state_of_layers_with_sublayers(tmp_path):
    # Keras 3's optimizer/vars: iterations, learning rate, then (momentum, velocity) of each
    # trainable variable in model.trainable_variables order (embedding, the LSTM cell's kernel,
    # recurrent kernel and bias, the dense kernel and bias)
    config, files, *_ = _text_classifier_case()
    config["compile_config"] = _sequential_config()["compile_config"]
    weights = [files["layers/embedding"][0], *files["layers/lstm/cell"], *files["layers/dense"]]
    slots = [a for w in weights for a in (w * 0.1, np.abs(w) * 0.01)]
    path = _write_keras(tmp_path / "t.keras", config, files,
                        optimizer=[np.int64(7), np.float32(0.005)] + slots)
    model = keras.models.load_model(str(path))
    assert int(model.optimizer.iterations.numpy()) == 7
    cell = model.layers[1].cell
    for var, w in zip([model.layers[0].embeddings, cell.kernel, cell.recurrent_kernel, cell.bias],
                      weights):
        got = model.optimizer._slots_for(var)
        np.testing.assert_array_equal(got["momentum"].numpy(), w * 0.1, err_msg=var.name)
        np.testing.assert_array_equal(got["velocity"].numpy(), np.abs(w) * 0.01)


def test_load_keras3_normalization_with_its_count(tmp_path):
    # Keras 3's Normalization holds mean, variance and an int64 count it never updates
    config = _seq((4,), [_layer("Normalization", "normalization", axis=[-1], invert=False,
                                mean=None, variance=None), _dense("dense", 2, "linear", 4)])
    mean, var, k, b = _rng_arrays((4,), (4,), (4, 2), (2,))
    var = np.abs(var) + 0.5
    path = _write_keras(tmp_path / "n.keras", config, {
        "layers/normalization": [mean, var, np.int64(0)], "layers/dense": [k, b]})
    model = keras.models.load_model(str(path))
    x = np.random.default_rng(6).normal(size=(3, 4)).astype(np.float32)
    np.testing.assert_allclose(model.predict(x, verbose=0), (x - mean) / np.sqrt(var) @ k + b,
                               rtol=1e-5, atol=1e-6)
    out = str(tmp_path / "n.weights.h5")
    model.save_weights(out)
    with h5py.File(out, "r") as f:
        assert f["layers/normalization/vars/2"].shape == ()
        assert f["layers/normalization/vars/2"].dtype == np.int64
