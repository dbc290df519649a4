"""Writes tests/data/keras3_volume.keras (a functional model saved by Keras 3.15 with
ConvLSTM3D, MaxPooling3D, Conv3DTranspose, AveragePooling3D and ConvLSTM1D layers) and its
inputs and predictions (keras3_volume_io.npz). Run from the repository root:

    ~/.venv-tf/bin/python tests/data/make_keras3_volume.py
"""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras  # noqa: E402
import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
L = keras.layers
keras.utils.set_random_seed(0)
video = keras.Input((3, 4, 6, 6, 1))
h = L.ConvLSTM3D(2, 2, padding="same", return_sequences=True)(video)
h = L.ConvLSTM3D(2, 2, padding="same", recurrent_activation="hard_sigmoid")(h)
h = L.MaxPooling3D(2)(h)
h = L.Conv3DTranspose(3, 2, strides=2, activation="relu")(h)
h = L.AveragePooling3D(2, padding="same")(h)
seq = keras.Input((4, 6, 2))
s = L.ConvLSTM1D(3, 2, return_sequences=True)(seq)
s = L.ConvLSTM1D(2, 2, go_backwards=True, unit_forget_bias=False)(s)
out = L.Dense(2)(L.Concatenate()([L.Flatten()(h), L.Flatten()(s)]))
model = keras.Model([video, seq], out)
rng = np.random.default_rng(1)
xv = rng.standard_normal((2, 3, 4, 6, 6, 1)).astype(np.float32)
xs = rng.standard_normal((2, 4, 6, 2)).astype(np.float32)
model.save(os.path.join(HERE, "keras3_volume.keras"))
np.savez(os.path.join(HERE, "keras3_volume_io.npz"), xv=xv, xs=xs,
         y=np.asarray(model.predict([xv, xs], verbose=0)))
print("saved")
