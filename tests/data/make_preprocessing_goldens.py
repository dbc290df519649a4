"""Writes tests/data/preprocessing_goldens.json from real Keras 3 (the TF venv, never a
dependency): vocabularies and outputs of TextVectorization, StringLookup, IntegerLookup,
Hashing, Discretization, Normalization, CategoryEncoding and the deterministic image layers.
Run from the repository root:

    ~/.venv-tf/bin/python tests/data/make_preprocessing_goldens.py
"""
import json
import os

import keras
import numpy as np

L = keras.layers
CORPUS = ["The cat sat on the mat.", "The dog ate my homework!", "A cat, a dog; a bird?",
          "Dogs and cats: friends?", "the THE The", "émigré café naïve"]
QUERIES = ["the cat ate a bird", "unknown words only", "", "café dogs, dogs"]
out = {"corpus": CORPUS, "queries": QUERIES}


def listed(x):
    x = np.asarray(x)
    return {"dtype": str(x.dtype), "value": x.tolist()}


text_cases = {
    "tv_int": dict(),
    "tv_int_len": dict(output_sequence_length=5, max_tokens=8),
    "tv_multi_hot": dict(output_mode="multi_hot"),
    "tv_count_ngrams": dict(output_mode="count", ngrams=2, max_tokens=12),
    "tv_tf_idf": dict(output_mode="tf_idf"),
    "tv_lower": dict(standardize="lower", output_sequence_length=4),
    "tv_char": dict(split="character", standardize=None, output_sequence_length=6),
    "tv_ngrams_13": dict(ngrams=(1, 3), output_sequence_length=8),
    "tv_pad_max": dict(output_mode="multi_hot", max_tokens=20, pad_to_max_tokens=True),
}
for key, config in text_cases.items():
    layer = L.TextVectorization(**config)
    layer.adapt(CORPUS)
    out[key] = {"config": config, "vocabulary": [str(v) for v in layer.get_vocabulary()],
                "output": listed(layer(np.array(QUERIES)))}

words = ["b", "a", "c", "a", "b", "a", "d", "e", "e"]
lookup_cases = {
    "sl_adapt": (dict(), dict(adapt=words), [["a", "z"], ["e", "b"]]),
    "sl_mask": (dict(mask_token="", vocabulary=["a", "b", "c"]), {}, [["a", ""], ["c", "q"]]),
    "sl_oov2": (dict(num_oov_indices=2, vocabulary=["a", "b"]), {}, ["a", "zz", "q", "b", "x"]),
    "sl_multi": (dict(output_mode="multi_hot", vocabulary=["a", "b", "c"]), {},
                 [["a", "c"], ["q", "q"]]),
    "sl_count": (dict(output_mode="count", vocabulary=["a", "b", "c"]), {},
                 [["a", "a", "c"], ["q", "b", "b"]]),
    "sl_one_hot": (dict(output_mode="one_hot", vocabulary=["a", "b"]), {}, ["a", "b", "x"]),
    "sl_tf_idf": (dict(output_mode="tf_idf", vocabulary=["a", "b"], idf_weights=[0.5, 2.0]), {},
                  [["a", "b", "b"], ["x", "a", "a"]]),
    "sl_max": (dict(max_tokens=4), dict(adapt=words), ["a", "b", "d", "e"]),
    "sl_invert": (dict(vocabulary=["a", "b", "c"], invert=True), {}, [[0, 1], [3, 7]]),
    "il_vocab": (dict(vocabulary=[12, 36, 1138, 42]), {}, [[12, 1138], [13, 42]]),
    "il_adapt_mask": (dict(mask_token=0), dict(adapt=[3, 3, 5, 7, 7, 7, 0]), [[7, 0], [3, 9]]),
    "il_oov3": (dict(num_oov_indices=3, vocabulary=[10, 20]), {}, [10, 11, 12, 13, 20, -4]),
    "il_invert": (dict(vocabulary=[12, 36], invert=True), {}, [0, 1, 2, 5]),
}
for key, (config, how, query) in lookup_cases.items():
    cls = L.IntegerLookup if key.startswith("il") else L.StringLookup
    layer = cls(**config)
    if "adapt" in how:
        layer.adapt(np.array(how["adapt"]))
    vocab = layer.get_vocabulary()
    out[key] = {"config": config, "adapt": how.get("adapt"), "query": query,
                "vocabulary": [v if isinstance(v, (int, str)) else
                               (int(v) if np.issubdtype(type(v), np.integer) else str(v))
                               for v in vocab],
                "output": listed(layer(np.array(query)))}
    if out[key]["output"]["dtype"] == "object":
        out[key]["output"]["value"] = [[v.decode() for v in row] if isinstance(row, list)
                                       else row.decode() for row in
                                       np.asarray(layer(np.array(query))).tolist()]

hash_cases = {
    "hash": (dict(num_bins=10), ["a", "b", "c", "hello world", ""]),
    "hash_mask": (dict(num_bins=10, mask_value=""), ["a", "", "c"]),
    "hash_int": (dict(num_bins=5), [[1, 2], [3, -7]]),
    "hash_salt": (dict(num_bins=100, salt=[7, 11]), ["a", "b"]),
    "hash_multi": (dict(num_bins=6, output_mode="multi_hot"), [["a", "b"], ["c", "c"]]),
    "hash_one_hot": (dict(num_bins=4, output_mode="one_hot"), ["a", "b"]),
}
for key, (config, query) in hash_cases.items():
    out[key] = {"config": config, "query": query,
                "output": listed(L.Hashing(**config)(np.array(query)))}

rng = np.random.default_rng(5)
values = rng.standard_normal(200).astype(np.float32) * 3 + 1
out["disc_values"] = values.tolist()
for key, config in {"disc4": dict(num_bins=4), "disc7": dict(num_bins=7, epsilon=0.001),
                    "disc_hot": dict(num_bins=3, output_mode="one_hot")}.items():
    layer = L.Discretization(**config)
    layer.adapt(values.reshape(-1, 1) if key != "disc7" else values)
    out[key] = {"config": config, "bin_boundaries": [float(b) for b in layer.bin_boundaries],
                "output": listed(layer(values[:6].reshape(3, 2) if key != "disc_hot"
                                       else values[:4]))}

feats = (rng.standard_normal((50, 3)) * [1, 10, 100] + [0, 5, -50]).astype(np.float32)
out["norm_data"] = feats.tolist()
layer = L.Normalization()
layer.adapt(feats)
out["norm"] = {"mean": np.asarray(layer.mean).tolist(),
               "variance": np.asarray(layer.variance).tolist(),
               "output": listed(layer(feats[:4]))}
layer = L.Normalization(axis=None)
layer.adapt(feats)
out["norm_none"] = {"output": listed(layer(feats[:2]))}
images = rng.standard_normal((20, 4, 5, 2)).astype(np.float32)
out["norm_img"] = {"input": images.tolist()}
layer = L.Normalization(axis=(1, 3))
layer.adapt(images)
out["norm_img"]["output"] = listed(layer(images[:2]))
layer = L.Normalization(mean=[1.0, 2.0, 3.0], variance=[4.0, 1.0, 0.25], invert=True)
out["norm_invert"] = {"output": listed(layer(feats[:2]))}

for key, (config, x) in {
        "ce_one_hot": (dict(num_tokens=4, output_mode="one_hot"), [[1], [3]]),
        "ce_multi": (dict(num_tokens=5), [[1, 2, 2], [0, 4, 4]]),
        "ce_count": (dict(num_tokens=5, output_mode="count"), [[1, 2, 2], [0, 4, 4]])}.items():
    out[key] = {"config": config, "input": x,
                "output": listed(L.CategoryEncoding(**config)(np.array(x)))}

img = rng.uniform(0, 255, (2, 6, 8, 3)).astype(np.float32)
out["image"] = img.tolist()
for key, (cls, config) in {
        "resize": ("Resizing", dict(height=3, width=5)),
        "resize_nearest": ("Resizing", dict(height=4, width=4, interpolation="nearest")),
        "resize_crop": ("Resizing", dict(height=4, width=4, crop_to_aspect_ratio=True)),
        "resize_pad": ("Resizing", dict(height=4, width=4, pad_to_aspect_ratio=True,
                                        fill_value=7.0)),
        "resize_pad_wide": ("Resizing", dict(height=2, width=9, pad_to_aspect_ratio=True)),
        "center_crop": ("CenterCrop", dict(height=3, width=5)),
        "center_crop_up": ("CenterCrop", dict(height=8, width=6)),
}.items():
    out[key] = {"class": cls, "config": config,
                "output": listed(getattr(L, cls)(**config)(img))}
with open(os.path.join(os.path.dirname(__file__), "preprocessing_goldens.json"), "w") as f:
    json.dump(out, f)
print("wrote", len(out), "entries")
