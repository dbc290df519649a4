"""Writes tests/data/gqa_goldens.npz from Keras 3.15 (the TF venv): GroupQueryAttention outputs
and scores with random weights, plain, with value/attention masks, causal, gated and
sliding-window. Run from the repository root:

    ~/.venv-tf/bin/python tests/data/make_gqa_goldens.py
"""
import keras
import numpy as np

rng = np.random.default_rng(31)
out = {}
CASES = [("plain", {}, {}), ("gate", {"use_gate": True}, {}),
         ("causal", {}, {"use_causal_mask": True}),
         ("window", {"sliding_window": 2}, {}),
         ("masks", {}, {"value_mask": True, "attention_mask": True}),
         ("nobias", {"use_bias": False}, {})]
for key, config, call in CASES:
    layer = keras.layers.GroupQueryAttention(head_dim=3, num_query_heads=4,
                                             num_key_value_heads=2, **config)
    q = rng.standard_normal((2, 5, 6)).astype(np.float32)
    v = rng.standard_normal((2, 4, 6)).astype(np.float32)
    if call.get("use_causal_mask") or key == "window":
        v = rng.standard_normal((2, 5, 6)).astype(np.float32)
    layer.build(q.shape, v.shape)
    weights = [rng.standard_normal(w.shape).astype(np.float32) * 0.5 for w in layer.get_weights()]
    layer.set_weights(weights)
    kwargs = {}
    if call.get("use_causal_mask"):
        kwargs["use_causal_mask"] = True
    if call.get("value_mask"):
        kwargs["value_mask"] = np.array([[1, 1, 0, 1], [1, 0, 0, 1]], bool)
        out[f"{key}/value_mask"] = kwargs["value_mask"]
    if call.get("attention_mask"):
        kwargs["attention_mask"] = rng.random((2, 5, 4)) > 0.3
        kwargs["attention_mask"][:, :, 0] = True
        out[f"{key}/attention_mask"] = kwargs["attention_mask"]
    y, scores = layer(q, v, return_attention_scores=True, **kwargs)
    out[f"{key}/q"], out[f"{key}/v"] = q, v
    for i, w in enumerate(weights):
        out[f"{key}/w{i}"] = w
    out[f"{key}/y"], out[f"{key}/scores"] = np.asarray(y), np.asarray(scores)
    out[f"{key}/y_plain_call"] = np.asarray(layer(q, v, **kwargs))
np.savez_compressed("tests/data/gqa_goldens.npz", **out)
print({k: v for k, v in keras.layers.GroupQueryAttention(3, 4, 2).get_config().items()
       if k not in ("kernel_initializer", "bias_initializer", "dtype")})
try:
    keras.layers.GroupQueryAttention(3, 4, 3)
except ValueError as e:
    print("error:", e)

# Keras masks (Embedding(mask_zero=True)) fill query_mask and value_mask; wholly masked query
# rows: the default call (ops.dot_product_attention) spreads them uniformly, the scores path
# (Softmax) zeroes them
ids = np.array([[3, 4, 0, 0], [5, 0, 0, 0]])
emb = keras.layers.Embedding(8, 6, mask_zero=True)
gqa = keras.layers.GroupQueryAttention(3, 4, 2)
x = emb(ids)
mask_out = {"ids": ids, "y": np.asarray(gqa(x, x))}
y2, s = gqa(x, x, return_attention_scores=True)
mask_out["y_scores_path"], mask_out["scores"] = np.asarray(y2), np.asarray(s)
for i, w in enumerate(emb.weights + gqa.weights):
    mask_out[f"w{i}"] = np.asarray(w)
np.savez_compressed("tests/data/gqa_mask_goldens.npz", **mask_out)
