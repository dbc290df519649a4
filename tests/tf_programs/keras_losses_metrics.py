"""Keras losses and metrics against hand-computed values."""
import numpy as np
import tensorflow as tf
from tensorflow import keras

y_true = np.array([[0.0, 1.0], [1.0, 0.0]], "float32")
y_pred = np.array([[0.2, 0.8], [0.6, 0.4]], "float32")
cce = keras.losses.CategoricalCrossentropy()
expected = -np.mean(np.log([0.8, 0.6]))
np.testing.assert_allclose(float(cce(y_true, y_pred)), expected, rtol=1e-5)

mse = keras.losses.MeanSquaredError()
np.testing.assert_allclose(float(mse([1.0, 2.0], [1.5, 2.5])), 0.25, rtol=1e-6)

scce = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
logits = np.array([[2.0, 1.0, 0.1]], "float32")
p = np.exp(logits) / np.exp(logits).sum()
np.testing.assert_allclose(float(scce(np.array([0]), logits)), -np.log(p[0, 0]), rtol=1e-5)

acc = keras.metrics.SparseCategoricalAccuracy()
acc.update_state([1, 0, 1], [[0.1, 0.9], [0.8, 0.2], [0.7, 0.3]])
np.testing.assert_allclose(float(acc.result()), 2 / 3, rtol=1e-6)
acc.reset_state()
assert float(acc.result()) == 0.0

mean = keras.metrics.Mean()
mean.update_state([1.0, 2.0, 3.0])
mean.update_state(5.0)
assert float(mean.result()) == 2.75

bce = keras.losses.BinaryCrossentropy()
np.testing.assert_allclose(float(bce([1.0, 0.0], [0.9, 0.2])),
                           -np.mean([np.log(0.9), np.log(0.8)]), rtol=1e-4)
print("ok")
