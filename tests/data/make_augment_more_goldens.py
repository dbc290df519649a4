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
# second group: degeneration, sharpness, saturation, hue, jitter, equalization, blur
out2 = {}
q = np.floor(x / 32) * 32 + 5  # few distinct values: a sparse histogram
out2["x_q"] = q
out2["degen"] = np.asarray(L.RandomColorDegeneration((0.3, 0.3))(x))
out2["sharp"] = np.asarray(L.RandomSharpness((0.8, 0.8))(x))
out2["sharp_vr"] = np.asarray(L.RandomSharpness((0.2, 0.2), value_range=(-1, 1))(x1))
out2["sat"] = np.asarray(L.RandomSaturation((0.7, 0.7))(x))
out2["sat_low"] = np.asarray(L.RandomSaturation((0.2, 0.2), value_range=(0, 1))(x / 255.0))
out2["hue"] = np.asarray(L.RandomHue((1.0, 1.0))(x))
out2["hue_vr"] = np.asarray(L.RandomHue((1.0, 1.0), value_range=(-1, 1))(x1))
out2["jitter"] = np.asarray(L.RandomColorJitter(brightness_factor=(0.1, 0.1),
                                                saturation_factor=(0.6, 0.6))(x))
out2["equal"] = np.asarray(L.Equalization()(x))
out2["equal_q"] = np.asarray(L.Equalization()(q))
out2["equal_bins"] = np.asarray(L.Equalization(bins=16)(q))
out2["equal_vr"] = np.asarray(L.Equalization(value_range=(-1, 1))(x1))
out2["blur3"] = np.asarray(L.RandomGaussianBlur(factor=(1.0, 1.0), sigma=(0.7, 0.7))(x))
out2["blur5"] = np.asarray(L.RandomGaussianBlur(factor=(1.0, 1.0), kernel_size=5,
                                                sigma=(0.4, 0.4))(x))
np.savez_compressed("tests/data/augment_more_goldens2.npz", **out2)
