"""Writes tests/data/reversible_embedding_goldens.npz from Keras 3.15 (the TF venv): lookups
and reverse logits of ReversibleEmbedding with random weights. Run from the repository root:
~/.venv-tf/bin/python tests/data/make_reversible_embedding_goldens.py"""
import keras, numpy as np, json
rng = np.random.default_rng(3)
out = {}
for key, kw in [("tied", {}), ("untied", {"tie_weights": False}), ("cap", {"logit_soft_cap": 2.0})]:
    layer = keras.layers.ReversibleEmbedding(7, 4, **kw)
    layer.build((None, 3))
    ws = [rng.standard_normal(w.shape).astype(np.float32) for w in layer.get_weights()]
    layer.set_weights(ws)
    ids = np.array([[1, 0, 6], [2, 2, 3]])
    for i, w in enumerate(ws): out[f"{key}/w{i}"] = w
    out[f"{key}/ids"] = ids
    out[f"{key}/emb"] = np.asarray(layer(ids))
    out[f"{key}/logits"] = np.asarray(layer(out[f"{key}/emb"], reverse=True))
    print(key, [w.path for w in layer.weights])
print({k: v for k, v in keras.layers.ReversibleEmbedding(7, 4).get_config().items() if k not in ("embeddings_initializer",)})
np.savez_compressed("tests/data/reversible_embedding_goldens.npz", **out)
