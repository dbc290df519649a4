"""add_loss() and regularizers: losses are reset at every call of the outermost layer, and
training adds them to the loss."""
import numpy as np
import tensorflow as tf
from tensorflow import keras


class Penalty(keras.layers.Layer):
    def call(self, x):
        self.add_loss(tf.reduce_sum(x) * 0.01)
        return x


x = np.ones((4, 3), "float32")
layer = Penalty()
layer(x)
layer(x)
assert len(layer.losses) == 1
np.testing.assert_allclose(float(layer.losses[0]), 0.12, rtol=1e-6)

inputs = keras.Input((3,))
h = Penalty()(inputs)
outputs = keras.layers.Dense(1, kernel_regularizer=keras.regularizers.L2(0.1),
                             activity_regularizer=keras.regularizers.L1(0.5),
                             kernel_initializer="ones")(h)
model = keras.Model(inputs, outputs)
assert len(model.losses) == 1  # the kernel regularizer, before any call
model(x)
model(x)
np.testing.assert_allclose([float(v) for v in model.losses], [0.12, 1.5, 0.3], rtol=1e-5)

model.compile(optimizer="sgd", loss="mse")
history = model.fit(x, np.zeros((4, 1)), epochs=2, batch_size=2, verbose=0)
np.testing.assert_allclose(history.history["loss"], [10.0115, 7.1273], rtol=1e-4)
np.testing.assert_allclose(model.evaluate(x, np.zeros((4, 1)), verbose=0), 5.5644, rtol=1e-4)
model(x[:2])
np.testing.assert_allclose([float(v) for v in model.losses], [0.06, 1.0296, 0.1746], rtol=1e-3)

frozen = keras.layers.Dense(2, kernel_regularizer="l2", kernel_initializer="ones")
frozen.build((None, 3))
assert len(frozen.losses) == 1
frozen.trainable = False
assert len(frozen.losses) == 0  # only trainable weights are regularized
print("ok")
