"""Writes tests/data/augment_geometric_goldens.npz from Keras 3.15 (the TF venv): Keras's
perspective and shear transforms for fixed corner moves and shear factors. Run from the
repository root:  ~/.venv-tf/bin/python tests/data/make_augment_geometric_goldens.py"""
import numpy as np, keras
rng = np.random.default_rng(9)
x = rng.random((2, 6, 7, 3)).astype(np.float32) * 255
start = np.array([[[0, 0], [6, 0], [0, 5], [6, 5]]] * 2, np.float32)
end = start + start * rng.uniform(-0.2, 0.2, (2, 4, 2)).astype(np.float32)
out = {"x": x, "start": start, "end": end}
out["persp"] = np.asarray(keras.ops.image.perspective_transform(x, start, end))
out["persp_nearest"] = np.asarray(keras.ops.image.perspective_transform(x, start, end, interpolation="nearest", fill_value=3.0))
sh = np.array([[0.3, -0.2], [-0.1, 0.25]], np.float32)
mat = np.stack([np.ones(2), sh[:, 0], np.zeros(2), sh[:, 1], np.ones(2), np.zeros(2), np.zeros(2), np.zeros(2)], 1).astype(np.float32)
out["shear_m"] = sh
out["shear"] = np.asarray(keras.ops.image.affine_transform(x, mat, fill_mode="reflect"))
np.savez_compressed("tests/data/augment_geometric_goldens.npz", **out)
