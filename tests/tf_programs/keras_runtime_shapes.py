"""Run-time shapes in Keras: a custom metric computing tf.one_hot(y_true, depth=tf.shape(y_pred)[1])
in update_state, and a VAE whose sampling layer draws tf.random.normal(shape=tf.shape(z_mean)),
both trained with fit (compiled), batches of every size including a partial last one."""
import numpy as np
import tensorflow as tf
from tensorflow import keras

rng = np.random.default_rng(0)


class OneHotAccuracy(keras.metrics.Metric):
    def __init__(self, name="one_hot_accuracy", **kwargs):
        super().__init__(name=name, **kwargs)
        self.correct = self.add_weight(name="correct", initializer="zeros")
        self.count = self.add_weight(name="count", initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        depth = tf.shape(y_pred)[1]
        labels = tf.one_hot(tf.cast(tf.reshape(y_true, [-1]), tf.int32), depth=depth)
        best = tf.one_hot(tf.argmax(y_pred, axis=1), depth=depth)
        self.correct.assign_add(tf.reduce_sum(labels * best))
        self.count.assign_add(tf.cast(tf.shape(y_pred)[0], tf.float32))

    def result(self):
        return self.correct / self.count


x = rng.standard_normal((50, 4)).astype("float32")
y = (x[:, 0] > 0).astype("int32") + 2 * (x[:, 1] > 0).astype("int32")
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(16, activation="relu"),
                          keras.layers.Dense(4, activation="softmax")])
model.compile(optimizer=keras.optimizers.Adam(0.05), loss="sparse_categorical_crossentropy",
              metrics=[OneHotAccuracy(), "accuracy"])
history = model.fit(x, y, batch_size=16, epochs=8, verbose=0)   # 16, 16, 16, 2
np.testing.assert_allclose(history.history["one_hot_accuracy"], history.history["accuracy"],
                           rtol=1e-5)
assert history.history["one_hot_accuracy"][-1] > 0.8


class Sampling(keras.layers.Layer):
    def call(self, inputs):
        z_mean, z_log_var = inputs
        eps = tf.random.normal(shape=tf.shape(z_mean))
        return z_mean + tf.exp(0.5 * z_log_var) * eps


class VAE(keras.Model):
    def __init__(self, latent=2, **kwargs):
        super().__init__(**kwargs)
        self.hidden = keras.layers.Dense(16, activation="relu")
        self.mean = keras.layers.Dense(latent)
        self.log_var = keras.layers.Dense(latent)
        self.sample = Sampling()
        self.decode_hidden = keras.layers.Dense(16, activation="relu")
        self.decode = keras.layers.Dense(8)

    def call(self, x):
        h = self.hidden(x)
        z_mean, z_log_var = self.mean(h), self.log_var(h)
        z = self.sample([z_mean, z_log_var])
        kl = -0.5 * tf.reduce_mean(tf.reduce_sum(1 + z_log_var - z_mean ** 2 - tf.exp(z_log_var),
                                                 axis=1))
        self.add_loss(0.1 * kl)
        return self.decode(self.decode_hidden(z))


data = rng.standard_normal((60, 2)).astype("float32") @ rng.standard_normal((2, 8)).astype("float32")
vae = VAE()
vae.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
history = vae.fit(data, data, batch_size=25, epochs=20, verbose=0)   # 25, 25, 10
losses = history.history["loss"]
assert all(np.isfinite(losses)) and losses[-1] < 0.7 * losses[0], losses
print("ok")
