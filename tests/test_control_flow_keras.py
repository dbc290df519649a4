"""Run-time shapes and control flow inside Keras training, compiled: the textbook custom metric
(tf.one_hot(y_true, depth=tf.shape(y_pred)[1]) in update_state) and a VAE whose sampling layer
draws tf.random.normal(shape=tf.shape(z_mean)), trained with fit over batches of several sizes
(the partial last batch is a relaxed trace with an unknown batch dimension)."""
import numpy as np

import graphflow as tf
from graphflow import keras


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


def _data(rng):
    x = rng.standard_normal((50, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("int32") + 2 * (x[:, 1] > 0).astype("int32")
    return x, y


def test_custom_metric_with_a_runtime_depth_trains_compiled():
    x, y = _data(np.random.default_rng(0))
    tf.random.set_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(4, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="sparse_categorical_crossentropy",
                  metrics=[OneHotAccuracy(), "accuracy"])
    history = model.fit(x, y, batch_size=16, epochs=6, verbose=0)  # batches 16, 16, 16, 2
    np.testing.assert_allclose(history.history["one_hot_accuracy"], history.history["accuracy"],
                               rtol=1e-6)
    assert history.history["one_hot_accuracy"][-1] > 0.7
    assert not model.run_eagerly
    # the metric agrees with a direct computation on the trained model
    metric = OneHotAccuracy()
    metric.update_state(y, model(x))
    want = float(np.mean(np.argmax(model(x).numpy(), axis=1) == y))
    assert abs(float(metric.result()) - want) < 1e-6


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


def test_vae_with_a_runtime_shaped_sampling_layer_trains_compiled():
    rng = np.random.default_rng(1)
    data = rng.standard_normal((60, 2)).astype("float32") @ rng.standard_normal((2, 8)).astype(
        "float32")
    tf.random.set_seed(1)
    vae = VAE()
    vae.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    losses = vae.fit(data, data, batch_size=25, epochs=20, verbose=0).history["loss"]
    assert all(np.isfinite(losses)) and losses[-1] < 0.7 * losses[0], losses
    traces = vae._train_fn._cache.values()
    relaxed = [c for c in traces if c.inputs[0].shape.as_list()[0] is None]
    if relaxed:  # the partial batch's trace: the normal draw takes a shape computed in the graph
        normals = [n for n in relaxed[0].graph.nodes if n.type == "random_normal"]
        assert normals and normals[0].inputs  # its shape is an input, not an attr
    # eagerly the layer draws fresh noise of the input's shape
    z = vae.sample([tf.zeros((3, 2)), tf.zeros((3, 2))])
    assert z.shape == (3, 2) and float(tf.reduce_sum(tf.abs(z))) > 0
