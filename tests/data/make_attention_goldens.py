"""Writes tests/data/attention_goldens.npz from real Keras 3 (the TF venv, never a
dependency): MultiHeadAttention, Attention and AdditiveAttention outputs and scores with
random weights, masks and the causal mask. Run from the repository root:

    ~/.venv-tf/bin/python tests/data/make_attention_goldens.py
"""
import os

import keras
import numpy as np

rng = np.random.default_rng(11)
out = {}


def arr(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def weights_of(key, layer):
    ws = [arr(*w.shape) for w in layer.get_weights()]
    layer.set_weights(ws)
    for i, w in enumerate(ws):
        out[f"{key}/w{i}"] = w


q, v, k = arr(2, 4, 6), arr(2, 5, 3), arr(2, 5, 2)
out["q"], out["v"], out["k"] = q, v, k
qmask = np.array([[1, 1, 1, 0], [1, 0, 1, 1]], bool)
vmask = np.array([[1, 1, 0, 1, 1], [1, 1, 1, 1, 0]], bool)
amask = rng.uniform(size=(2, 4, 5)) > 0.3
amask[:, :, 0] = True
out["qmask"], out["vmask"], out["amask"] = qmask, vmask, amask

cases = {
    "mha": (dict(num_heads=2, key_dim=3), dict()),
    "mha_key": (dict(num_heads=3, key_dim=2, value_dim=4, output_shape=5), dict(key=k)),
    "mha_amask": (dict(num_heads=2, key_dim=3), dict(attention_mask=amask)),
    "mha_qv": (dict(num_heads=2, key_dim=3), dict(query_mask=qmask, value_mask=vmask)),
    "mha_nobias": (dict(num_heads=1, key_dim=4, use_bias=False), dict(attention_mask=amask)),
}
for key, (config, kwargs) in cases.items():
    layer = keras.layers.MultiHeadAttention(**config)
    layer(q, v, **kwargs)
    weights_of(key, layer)
    y, s = layer(q, v, return_attention_scores=True, **kwargs)
    out[f"{key}/y"], out[f"{key}/s"] = np.asarray(y), np.asarray(s)
# self-attention with the causal mask
layer = keras.layers.MultiHeadAttention(num_heads=2, key_dim=3)
layer(q, q)
weights_of("mha_causal", layer)
y, s = layer(q, q, return_attention_scores=True, use_causal_mask=True)
out["mha_causal/y"], out["mha_causal/s"] = np.asarray(y), np.asarray(s)

q2, v2, k2 = arr(2, 4, 3), arr(2, 5, 3), arr(2, 5, 3)
out["q2"], out["v2"], out["k2"] = q2, v2, k2
dense = {
    "att": ("Attention", dict(), dict()),
    "att_scale_mask": ("Attention", dict(use_scale=True), dict(mask=[qmask, vmask])),
    "att_concat_key": ("Attention", dict(score_mode="concat", use_scale=True), dict(key=True)),
    "att_causal": ("Attention", dict(), dict(use_causal_mask=True, mask=[None, vmask])),
    "add": ("AdditiveAttention", dict(), dict(mask=[qmask, vmask])),
    "add_noscale_key": ("AdditiveAttention", dict(use_scale=False), dict(key=True)),
}
for key, (cls, config, kwargs) in dense.items():
    layer = getattr(keras.layers, cls)(**config)
    inputs = [q2, v2, k2] if kwargs.pop("key", False) else [q2, v2]
    layer(inputs)
    weights_of(key, layer)
    y, s = layer(inputs, return_attention_scores=True, **kwargs)
    out[f"{key}/y"], out[f"{key}/s"] = np.asarray(y), np.asarray(s)
np.savez_compressed(os.path.join(os.path.dirname(__file__), "attention_goldens.npz"), **out)
print("wrote", len(out), "arrays")

# Embedding(mask_zero=True) -> MultiHeadAttention -> GlobalAveragePooling1D: the implicit
# masks (the query's and value's from the embedding, the output's for the pooling)
tokens = np.array([[3, 5, 0, 0], [2, 0, 0, 0], [1, 2, 3, 4]])
inp = keras.Input(shape=(4,), dtype="int32")
e = keras.layers.Embedding(8, 4, mask_zero=True)(inp)
pooled = keras.layers.GlobalAveragePooling1D()(keras.layers.MultiHeadAttention(2, 3)(e, e))
model = keras.Model(inp, pooled)
weights = [arr(*w.shape) for w in model.get_weights()]
model.set_weights(weights)
extra = {"masked/tokens": tokens, "masked/y": np.asarray(model(tokens))}
for i, w in enumerate(weights):
    extra[f"masked/w{i}"] = w
np.savez_compressed(os.path.join(os.path.dirname(__file__), "attention_goldens.npz"), **out,
                    **extra)
print("wrote", len(out) + len(extra), "arrays")
