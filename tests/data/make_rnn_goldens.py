"""Writes tests/data/keras_rnn_goldens.npz: Keras 3 outputs of SimpleRNN, LSTM, GRU and
Bidirectional for fixed weights and inputs (run with a real Keras, outside CI):

    ~/.venv-tf/bin/python tests/data/make_rnn_goldens.py
"""
import os

import keras
import numpy as np

rng = np.random.RandomState(42)
x = rng.randn(3, 6, 4).astype("float32")
mask = np.array([[1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 0, 0], [1, 1, 0, 0, 0, 0]], bool)
out = {"x": x, "mask": mask}


def weights_for(layer):
    return [rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in layer.weights]


cases = {
    "simple_rnn": lambda **kw: keras.layers.SimpleRNN(5, **kw),
    "lstm": lambda **kw: keras.layers.LSTM(5, **kw),
    "gru": lambda **kw: keras.layers.GRU(5, **kw),
    "gru_reset_before": lambda **kw: keras.layers.GRU(5, reset_after=False, **kw),
}
for name, make in cases.items():
    for variant, kw in (("", {}), ("_backwards", {"go_backwards": True})):
        layer = make(return_sequences=True, return_state=True, **kw)
        layer.build((None, 6, 4))
        ws = weights_for(layer)
        layer.set_weights(ws)
        for i, w in enumerate(ws):
            out[f"{name}{variant}_w{i}"] = w
        res = layer(x)
        out[f"{name}{variant}_seq"] = np.asarray(res[0])
        for i, s in enumerate(res[1:]):
            out[f"{name}{variant}_state{i}"] = np.asarray(s)
        res = layer(x, mask=mask)
        out[f"{name}{variant}_masked_seq"] = np.asarray(res[0])
        for i, s in enumerate(res[1:]):
            out[f"{name}{variant}_masked_state{i}"] = np.asarray(s)

bi = keras.layers.Bidirectional(keras.layers.LSTM(3, return_sequences=True))
bi.build((None, 6, 4))
ws = weights_for(bi)
bi.set_weights(ws)
for i, w in enumerate(ws):
    out[f"bi_w{i}"] = w
out["bi_seq"] = np.asarray(bi(x))
out["bi_masked_seq"] = np.asarray(bi(x, mask=mask))

np.savez_compressed(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                 "keras_rnn_goldens.npz"), **out)
print("wrote", len(out), "arrays with keras", keras.__version__)
