"""Writes tests/data/klayers_more_goldens.npz from Keras 3.15 (the TF venv, never a dependency):
for each case of klayers_more_cases.py its input(s), the random weights it was given and its
output, plus SpectralNormalization's training update and HashedCrossing's bins. Run from the
repository root:

    ~/.venv-tf/bin/python tests/data/make_klayers_more_goldens.py
"""
import os
import sys

import keras
import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from klayers_more_cases import CASES  # noqa: E402

rng = np.random.default_rng(23)
out = {}
for key, cls, config, shape in CASES:
    layer = getattr(keras.layers, cls)(**config)
    multi = isinstance(shape, list)
    xs = [rng.standard_normal(s).astype(np.float32) for s in (shape if multi else [shape])]
    layer.build(shape if not multi else [tuple(s) for s in shape])
    weights = [rng.standard_normal(w.shape).astype(np.float32) for w in layer.get_weights()]
    layer.set_weights(weights)
    for i, x in enumerate(xs):
        out[f"{key}/x{i}"] = x
    for i, w in enumerate(weights):
        out[f"{key}/w{i}"] = w
    out[f"{key}/y"] = np.asarray(layer(xs if multi else xs[0]))
    if cls == "ActivityRegularization":
        out[f"{key}/loss"] = np.asarray(sum(float(l) for l in layer.losses), np.float32)

# SpectralNormalization of a Dense and a Conv2D, power_iterations 1 and 3: a training call
# updates the kernel and vector_u; an inference call uses the kernel as it is.
for key, inner, power, shape in [
        ("sn_dense", keras.layers.Dense(3), 1, (2, 4)),
        ("sn_conv", keras.layers.Conv2D(2, 2), 3, (2, 4, 4, 3))]:
    layer = keras.layers.SpectralNormalization(inner, power_iterations=power)
    x = rng.standard_normal(shape).astype(np.float32)
    layer.build(shape)
    weights = [rng.standard_normal(w.shape).astype(np.float32) for w in layer.get_weights()]
    layer.set_weights(weights)
    out[f"{key}/x0"] = x
    for i, w in enumerate(weights):
        out[f"{key}/w{i}"] = w
    out[f"{key}/y_infer"] = np.asarray(layer(x, training=False))
    out[f"{key}/y_train"] = np.asarray(layer(x, training=True))
    out[f"{key}/kernel_after"] = np.asarray(layer.kernel)
    out[f"{key}/u_after"] = np.asarray(layer.vector_u)

# HashedCrossing: integer and string features, int and one_hot outputs
ints = np.array([1, 2, -3, 2 ** 40, 0, 7], np.int64)
strs = np.array([b"a", b"bb", b"", b"x", b"hello world", b"\xc3\xa9"], object)
out["hc/ints"], out["hc/strs"] = ints, strs.astype("S")
out["hc/int_str"] = np.asarray(keras.layers.HashedCrossing(7)((ints, strs)))
out["hc/int_int_int"] = np.asarray(keras.layers.HashedCrossing(1000)((ints, ints, ints)))
out["hc/str_str_col"] = np.asarray(keras.layers.HashedCrossing(3)((strs[:, None], strs[:, None])))
out["hc/one_hot"] = np.asarray(keras.layers.HashedCrossing(4, output_mode="one_hot")(
    (ints, strs)))
out["hc/int32"] = np.asarray(keras.layers.HashedCrossing(11)((ints.astype(np.int32),
                                                              ints.astype(np.int32))))
np.savez_compressed(os.path.join(os.path.dirname(__file__), "klayers_more_goldens.npz"), **out)
print("wrote", len(out), "arrays")
