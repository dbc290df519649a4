"""Writes tests/data/clahe_goldens.npz from Keras 3.15 (the TF venv): CLAHE outputs for tiles
that divide the image and tiles that need (symmetric) padding, with and without clipping.
Run from the repository root:  ~/.venv-tf/bin/python tests/data/make_clahe_goldens.py"""
import keras
import numpy as np

rng = np.random.default_rng(41)
x = (rng.random((2, 16, 12, 3)) ** 2 * 255).astype(np.float32)
x1 = rng.random((1, 10, 9, 1)).astype(np.float32) * 2 - 1
out = {"x": x, "x1": x1}
L = keras.layers.ContrastLimitedAdaptiveHistogramEqualization
out["default"] = np.asarray(L()(x))
out["grid_4_3"] = np.asarray(L(tile_grid_size=(4, 3), clip_limit=2.0)(x))
out["noclip"] = np.asarray(L(tile_grid_size=(3, 5), clip_limit=0.0)(x))
out["padded_vr"] = np.asarray(L(value_range=(-1, 1), tile_grid_size=(3, 4))(x1))
np.savez_compressed("tests/data/clahe_goldens.npz", **out)
print({k: v for k, v in L().get_config().items() if k not in ("dtype", "name", "trainable")},
      L().name)
