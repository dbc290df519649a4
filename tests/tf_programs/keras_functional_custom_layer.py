"""The functional API with a custom layer (build/call/get_config) and a custom training loop."""
import numpy as np
import tensorflow as tf
from tensorflow import keras


class Scale(keras.layers.Layer):
    def __init__(self, init=1.0, **kwargs):
        super().__init__(**kwargs)
        self.init = init

    def build(self, input_shape):
        self.alpha = self.add_weight(name="alpha", shape=(input_shape[-1],),
                                     initializer=keras.initializers.Constant(self.init))

    def call(self, x):
        return x * self.alpha

    def get_config(self):
        return {**super().get_config(), "init": self.init}


inputs = keras.Input(shape=(4,))
h = Scale(2.0)(inputs)
outputs = keras.layers.Dense(1)(h)
model = keras.Model(inputs, outputs)
assert len(model.trainable_weights) == 3
np.testing.assert_allclose(model.layers[1].alpha.numpy(), [2.0] * 4)
assert Scale.from_config(model.layers[1].get_config()).init == 2.0

rng = np.random.default_rng(1)
x = rng.normal(size=(64, 4)).astype("float32")
y = x @ np.array([[1.0], [-1.0], [0.5], [0.0]], "float32")
opt = keras.optimizers.SGD(0.05)
loss_fn = keras.losses.MeanSquaredError()


@tf.function
def train_step(xb, yb):
    with tf.GradientTape() as tape:
        loss = loss_fn(yb, model(xb, training=True))
    grads = tape.gradient(loss, model.trainable_weights)
    opt.apply_gradients(zip(grads, model.trainable_weights))
    return loss


first = float(train_step(x, y))
for _ in range(100):
    last = float(train_step(x, y))
assert last < first * 0.05, (first, last)
print("ok")
