"""Metrics with sample weights of shape (batch,), (batch, 1), one per value and a scalar, and a
weight that does not broadcast (a ValueError)."""
import numpy as np
import tensorflow as tf
from tensorflow import keras

acc = keras.metrics.Accuracy()
acc.update_state([1, 2, 3, 4], [0, 2, 3, 4], sample_weight=[0.5, 1, 1, 1.5])
np.testing.assert_allclose(float(acc.result()), 3.5 / 4, rtol=1e-6)

# A weight per value: accuracy is element-wise before the weighted mean.
acc = keras.metrics.Accuracy()
acc.update_state([[1, 2], [3, 4]], [[0, 2], [3, 4]], sample_weight=[[0.5, 1], [2, 3]])
np.testing.assert_allclose(float(acc.result()), 6 / 6.5, rtol=1e-6)

bacc = keras.metrics.BinaryAccuracy()
bacc.update_state([1.0, 0.0, 1.0], [0.8, 0.7, 0.2], sample_weight=[[2.0], [1.0], [1.0]])
np.testing.assert_allclose(float(bacc.result()), 0.5, rtol=1e-6)

# Sum reduces values with a sum (Mean with a mean) before weighting.
total = keras.metrics.Sum()
total.update_state([[1.0, 2.0], [3.0, 4.0]], sample_weight=[1.0, 0.5])
np.testing.assert_allclose(float(total.result()), 3.0 + 3.5, rtol=1e-6)
mean = keras.metrics.Mean()
mean.update_state([[1.0, 2.0], [3.0, 4.0]], sample_weight=[1.0, 0.5])
np.testing.assert_allclose(float(mean.result()), (1.5 + 0.5 * 3.5) / 1.5, rtol=1e-6)

mse = keras.metrics.MeanSquaredError()
mse.update_state([[0.0, 1.0], [1.0, 1.0]], [[1.0, 1.0], [1.0, 3.0]], sample_weight=0.5)
np.testing.assert_allclose(float(mse.result()), 1.25, rtol=1e-6)

sca = keras.metrics.SparseCategoricalAccuracy()
sca.update_state([[1], [0]], [[0.2, 0.8], [0.3, 0.7]], sample_weight=[3.0, 1.0])
np.testing.assert_allclose(float(sca.result()), 0.75, rtol=1e-6)

prec = keras.metrics.Precision()
prec.update_state([1, 0, 1, 1], [0.9, 0.8, 0.2, 0.7], sample_weight=[1, 3, 1, 1])
np.testing.assert_allclose(float(prec.result()), 2 / 5, rtol=1e-6)

try:
    keras.metrics.Mean().update_state(np.ones((6, 3)), sample_weight=np.ones((6, 4)))
except (ValueError, tf.errors.InvalidArgumentError):
    pass
else:
    raise AssertionError("a weight that does not broadcast must raise")
print("ok")
