"""Writes tests/data/klayers_goldens.npz from real Keras 3 (the TF venv, never a dependency):
for each case of klayers_cases.py its input, the random weights it was given (in the layer's
weight order) and its output. Run from the repository root:

    ~/.venv-tf/bin/python tests/data/make_klayers_goldens.py
"""
import os
import sys

import keras
import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from klayers_cases import CASES  # noqa: E402

rng = np.random.default_rng(17)
out = {}
for key, cls, config, shape in CASES:
    layer = getattr(keras.layers, cls)(**config)
    x = rng.standard_normal(shape).astype(np.float32)
    layer.build(shape)
    weights = [rng.standard_normal(w.shape).astype(np.float32) for w in layer.get_weights()]
    layer.set_weights(weights)
    out[f"{key}/x"] = x
    for i, w in enumerate(weights):
        out[f"{key}/w{i}"] = w
    out[f"{key}/y"] = np.asarray(layer(x))
# Softmax with a mask
x = rng.standard_normal((2, 4)).astype(np.float32)
mask = np.array([[1, 1, 0, 1], [0, 1, 1, 1]], bool)
out["softmax_mask/x"], out["softmax_mask/mask"] = x, mask
out["softmax_mask/y"] = np.asarray(keras.layers.Softmax()(x, mask=mask))
np.savez_compressed(os.path.join(os.path.dirname(__file__), "klayers_goldens.npz"), **out)
print("wrote", len(out), "arrays")
