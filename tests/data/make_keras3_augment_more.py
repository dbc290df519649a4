"""Writes tests/data/keras3_augment_more.keras: a Sequential of every kerasC augmentation layer
Keras 3.15 can save (Equalization cannot be traced symbolically in Keras 3.15) with its
inputs and inference predictions. Run from the repository root:
~/.venv-tf/bin/python tests/data/make_keras3_augment_more.py"""
import os

import keras
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
L = keras.layers
model = keras.Sequential([keras.Input((8, 8, 3)),
    # CLAHE first: it bins pixels by truncation, so its input must be exactly the file's
    L.ContrastLimitedAdaptiveHistogramEqualization(tile_grid_size=(2, 2)), L.RandomBrightness(0.1), L.RandomGrayscale(), L.RandomInvert(), L.RandomPosterization(4), L.Solarization(0.1, 0.2), L.AutoContrast(), L.RandomColorDegeneration(0.2), L.RandomSharpness(0.2), L.RandomSaturation(0.2), L.RandomHue(0.2), L.RandomColorJitter(brightness_factor=0.1, hue_factor=0.1), L.RandomGaussianBlur(), L.RandomErasing(), L.RandomShear(0.1), L.RandomPerspective(), L.RandAugment(), L.AugMix(), L.RandomElasticTransform(), L.MixUp(), L.CutMix(),
    L.Rescaling(1/255.), L.Flatten(), L.Dense(2)])
x = (np.random.default_rng(0).random((2, 8, 8, 3)) * 255).astype("float32")
model.save(os.path.join(HERE, "keras3_augment_more.keras"))
np.savez(os.path.join(HERE, "keras3_augment_more_io.npz"), x=x, y=np.asarray(model.predict(x, verbose=0)))
print("saved")
