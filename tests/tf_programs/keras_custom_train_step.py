"""Overriding train_step / test_step as the Keras 3 guide does: data arrives as (x, y), the
step calls compute_loss and updates the metrics itself; a custom Mean tracker; a model
compiled without a loss whose train_step computes its own; several optimizers."""
import numpy as np
import tensorflow as tf
from tensorflow import keras


class GuideModel(keras.Model):
    def train_step(self, data):
        x, y = data
        with tf.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred)
        grads = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, data):
        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        y_pred = self(x, training=False)
        loss = self.compute_loss(y=y, y_pred=y_pred, sample_weight=sample_weight)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}


x = np.linspace(-1, 1, 32, dtype="float32").reshape(16, 2)
y = x @ np.array([[2.0], [-1.0]], "float32")
inputs = keras.Input((2,))
model = GuideModel(inputs, keras.layers.Dense(1, kernel_initializer="zeros")(inputs))
model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse", metrics=["mae"])
history = model.fit(x, y, batch_size=4, epochs=3, shuffle=False, verbose=0)
assert sorted(history.history) == ["loss", "mae"], history.history
assert history.history["loss"][-1] < history.history["loss"][0]
logs = model.evaluate(x, y, return_dict=True, verbose=0)
assert sorted(logs) == ["loss", "mae"], logs
np.testing.assert_allclose(logs["loss"], np.mean((model.predict(x, verbose=0) - y) ** 2),
                           rtol=1e-4)


class TwoOptimizers(keras.Model):
    """Two halves trained by two optimizers, compiled without a loss."""

    def __init__(self):
        super().__init__()
        self.a = keras.layers.Dense(1, kernel_initializer="zeros", use_bias=False)
        self.b = keras.layers.Dense(1, kernel_initializer="zeros", use_bias=False)
        self.tracker = keras.metrics.Mean(name="total")

    def call(self, x):
        return self.a(x) + self.b(x)

    def compile(self, opt_a, opt_b):
        super().compile()
        self.opt_a, self.opt_b = opt_a, opt_b

    def train_step(self, data):
        x, y = data
        with tf.GradientTape(persistent=True) as tape:
            loss = tf.reduce_mean(tf.square(self(x) - y))
        ga = tape.gradient(loss, self.a.trainable_variables)
        gb = tape.gradient(loss, self.b.trainable_variables)
        self.opt_a.apply_gradients(zip(ga, self.a.trainable_variables))
        self.opt_b.apply_gradients(zip(gb, self.b.trainable_variables))
        self.tracker.update_state(loss)
        return {"total": self.tracker.result()}


two = TwoOptimizers()
two.compile(keras.optimizers.SGD(0.1), keras.optimizers.SGD(0.0))
hist = two.fit(x, y, batch_size=8, epochs=2, verbose=0)
assert list(hist.history) == ["total"]
assert int(two.opt_a.iterations.numpy()) == 4 and int(two.opt_b.iterations.numpy()) == 4
assert np.abs(two.a.kernel.numpy()).sum() > 0 and np.abs(two.b.kernel.numpy()).sum() == 0
assert two.tracker in two.metrics
print("ok")
