"""Writes tests/data/augment_elastic_goldens.npz from Keras 3.15 (the TF venv): Keras's
map_coordinates (every fill mode, both orders) and gaussian_blur with a kernel of 6 sigma | 1,
the two pieces of RandomElasticTransform. Run from the repository root:

    ~/.venv-tf/bin/python tests/data/make_augment_elastic_goldens.py
"""
import keras
import numpy as np

rng = np.random.default_rng(13)
image = rng.random((5, 6)).astype(np.float32) * 255
rows = rng.uniform(-4, 9, (5, 6)).astype(np.float32)
cols = rng.uniform(-4, 10, (5, 6)).astype(np.float32)
out = {"image": image, "rows": rows, "cols": cols}
for mode in ("constant", "nearest", "wrap", "mirror", "reflect"):
    for order in (0, 1):
        try:
            out[f"{mode}/{order}"] = np.asarray(keras.ops.image.map_coordinates(
                image, [rows, cols], order, fill_mode=mode, fill_value=7.0))
        except Exception as e:  # Keras's "mirror" indexes one past the edge (a TF error)
            print("keras fails:", mode, order, type(e).__name__)
field = rng.standard_normal((2, 12, 12, 1)).astype(np.float32)
for sigma in (0.6, 1.3, 2.0):
    size = 6 * int(sigma) | 1
    out[f"blur/{sigma}"] = np.asarray(keras.ops.image.gaussian_blur(
        field, kernel_size=(size, size), sigma=(sigma, sigma)))
out["field"] = field
np.savez_compressed("tests/data/augment_elastic_goldens.npz", **out)
