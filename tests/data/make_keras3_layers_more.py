"""Writes tests/data/keras3_layers_more.keras (a functional model of the kerasC layers saved by
Keras 3.15: ZeroPadding3D, MaxPooling3D, AdaptiveAveragePooling3D, EinsumDense, RMSNormalization,
GroupQueryAttention, SpectralNormalization, Dot) and its inputs and predictions. Run from the
repository root:  ~/.venv-tf/bin/python tests/data/make_keras3_layers_more.py"""
import os

import keras
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
L = keras.layers
rng = np.random.default_rng(0)
a = keras.Input((4, 4, 4, 2)); b = keras.Input((6,))
h = L.ZeroPadding3D(1)(a); h = L.MaxPooling3D(2)(h); h = L.AdaptiveAveragePooling3D((2, 2, 2))(h)
h = L.Reshape((8, 2))(h)
h = L.EinsumDense("abc,cd->abd", output_shape=(8, 3), bias_axes="d", activation="relu")(h)
h = L.RMSNormalization()(h)
h = L.GroupQueryAttention(2, 2, 1)(h, h)
h = L.Flatten()(h)
e = L.SpectralNormalization(L.Dense(6))(b)
d = L.Dot(axes=1, normalize=True)([e, b])
out = L.Dense(1)(L.Concatenate()([h, d]))
model = keras.Model([a, b], out)
xa = rng.standard_normal((3, 4, 4, 4, 2)).astype(np.float32); xb = rng.standard_normal((3, 6)).astype(np.float32)
model.save(os.path.join(HERE, "keras3_layers_more.keras"))
np.savez(os.path.join(HERE, "keras3_layers_more_io.npz"), xa=xa, xb=xb, y=np.asarray(model.predict([xa, xb], verbose=0)))
print("saved")
