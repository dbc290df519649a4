"""Writes tests/data/augment_more_goldens.npz from Keras 3.15 (the TF venv): the deterministic
cases of the color augmentation layers (factors whose random draws are constant). Run from the
repository root:  ~/.venv-tf/bin/python tests/data/make_augment_more_goldens.py"""
import numpy as np, keras, os
rng = np.random.default_rng(5)
x = (rng.random((3, 4, 5, 3)) * 255).astype(np.float32)
x1 = rng.random((2, 3, 3, 3)).astype(np.float32) * 2 - 1  # value_range (-1, 1)
out = {"x": x, "x1": x1}
L = keras.layers
out["solar"] = np.asarray(L.Solarization()(x))
out["solar_vr"] = np.asarray(L.Solarization(value_range=(-1, 1))(x1))
out["autocontrast"] = np.asarray(L.AutoContrast()(x))
out["autocontrast_inf"] = np.asarray(L.AutoContrast(value_range=(-1, 1))(x1, training=False))
const = np.full((1, 2, 2, 3), 7.0, np.float32)
out["autocontrast_const"] = np.asarray(L.AutoContrast()(const))
out["poster3"] = np.asarray(L.RandomPosterization((3, 3))(x))
out["poster5_vr"] = np.asarray(L.RandomPosterization((5, 5), value_range=(-1, 1))(x1))
out["gray_all"] = np.asarray(L.RandomGrayscale(1.0)(x))
out["invert_all"] = np.asarray(L.RandomInvert((1.0, 1.0))(x))
out["bright_fixed"] = np.asarray(L.RandomBrightness((0.1, 0.1))(x))
out["bright_fixed_neg"] = np.asarray(L.RandomBrightness((-0.3, -0.3), value_range=(-1, 1))(x1))
np.savez_compressed("tests/data/augment_more_goldens.npz", **out)
