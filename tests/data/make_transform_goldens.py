"""Writes tests/data/transform_goldens.npz from real TensorFlow (the TF venv, never a
dependency): tf.raw_ops.ImageProjectiveTransformV3 for every interpolation and fill mode on
rotations, zooms, shifts and a projective transform. Run from the repository root:

    ~/.venv-tf/bin/python tests/data/make_transform_goldens.py
"""
import os

import numpy as np
import tensorflow as tf

rng = np.random.default_rng(3)
images = rng.uniform(0, 1, (2, 5, 7, 2)).astype(np.float32)
theta = 0.7
c, s = np.cos(theta), np.sin(theta)
transforms = {
    "rotate": [[c, -s, 2.0, s, c, -1.0, 0, 0]],
    "zoom": [[1.6, 0, -1.5, 0, 0.5, 1.0, 0, 0], [0.7, 0, 0.3, 0, 1.3, -0.6, 0, 0]],
    "shift": [[1, 0, -9.3, 0, 1, 7.7, 0, 0]],
    "projective": [[1.1, 0.2, -0.5, -0.1, 0.9, 0.4, 0.05, -0.03]],
    "far": [[3.0, 0, -20.5, 0, 2.5, 13.2, 0, 0]],
}
out = {"images": images}
for key, t in transforms.items():
    t = np.asarray(t, np.float32)
    out[f"{key}/t"] = t
    for interpolation in ("NEAREST", "BILINEAR"):
        for fill_mode in ("REFLECT", "WRAP", "CONSTANT", "NEAREST"):
            out[f"{key}/{interpolation.lower()}/{fill_mode.lower()}"] = \
                tf.raw_ops.ImageProjectiveTransformV3(
                    images=images, transforms=t, output_shape=[5, 7], fill_value=0.25,
                    interpolation=interpolation, fill_mode=fill_mode).numpy()
np.savez_compressed(os.path.join(os.path.dirname(__file__), "transform_goldens.npz"), **out)
print("wrote", len(out), "arrays")

# Keras 3's geometric augmentation layers with degenerate factor ranges (deterministic)
import keras  # noqa: E402

layers = {
    "rotation": ("RandomRotation", dict(factor=(0.1, 0.1))),
    "rotation_nearest_wrap": ("RandomRotation", dict(factor=(-0.3, -0.3), fill_mode="wrap",
                                                     interpolation="nearest")),
    "zoom": ("RandomZoom", dict(height_factor=(0.3, 0.3), width_factor=(-0.2, -0.2))),
    "zoom_constant": ("RandomZoom", dict(height_factor=(0.5, 0.5), fill_mode="constant",
                                         fill_value=0.5)),
    "translation": ("RandomTranslation", dict(height_factor=(0.2, 0.2),
                                              width_factor=(-0.1, -0.1))),
    "translation_nearest": ("RandomTranslation", dict(height_factor=(-0.4, -0.4),
                                                      width_factor=(0.3, 0.3),
                                                      fill_mode="nearest")),
}
extra = {}
for key, (cls, config) in layers.items():
    extra[f"layer/{key}"] = np.asarray(getattr(keras.layers, cls)(**config)(images))
np.savez_compressed(os.path.join(os.path.dirname(__file__), "transform_goldens.npz"),
                    **out, **extra)
print("wrote", len(out) + len(extra), "arrays")
