"""The Keras custom-training contract: overridden train_step/test_step/predict_step receive
`data` as Keras passes it, compute_loss / compiled_loss / compiled_metrics, custom trackers in
`metrics`, several optimizers (a GAN) and a VAE, compiled and eager."""
import numpy as np
import pytest

import graphflow as tf
from graphflow import keras
from graphflow.errors import InvalidArgumentError


def _data(n=64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0], [0.5], [0.0]], np.float32)).astype(np.float32)
    return x, y


def test_unpack_and_pack():
    u = keras.utils.unpack_x_y_sample_weight
    assert u(1) == (1, None, None)
    assert u((1,)) == (1, None, None)
    assert u((1, 2, 3)) == (1, 2, 3)
    with pytest.raises(InvalidArgumentError, match="sample_weight"):
        u((1, 2, 3, 4))
    assert keras.utils.pack_x_y_sample_weight((1, 2)) == ((1, 2),)


class Keras3Step(keras.Model):
    """The Keras 3 developer guide's train_step: compute_loss, then every metric updated."""
    seen = []

    def train_step(self, data):
        type(self).seen.append(type(data).__name__ + str(len(data)))
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


def _functional(cls, seed=1):
    keras.utils.set_random_seed(seed)
    inputs = keras.Input(shape=(4,))
    return cls(inputs, keras.layers.Dense(1)(inputs))


@pytest.mark.parametrize("run_eagerly", [False, True])
def test_keras3_train_step_receives_data_tuple(run_eagerly):
    x, y = _data()
    Keras3Step.seen = []
    model = _functional(Keras3Step)
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"], run_eagerly=run_eagerly)
    hist = model.fit(x, y, batch_size=16, epochs=3, verbose=0)
    assert sorted(hist.history) == ["loss", "mae"]
    assert hist.history["loss"][-1] < hist.history["loss"][0]
    assert Keras3Step.seen and set(Keras3Step.seen) == {"tuple2"}
    # compiled: traced once (shape-relaxed), not once per batch
    assert len(Keras3Step.seen) == (12 if run_eagerly else 1)


class TfKeras2Step(keras.Model):
    """tf.keras 2's train_step: compiled_loss with regularization losses, compiled_metrics."""

    def train_step(self, data):
        x, y = data
        with tf.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compiled_loss(y, y_pred, regularization_losses=self.losses)
        grads = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
        self.compiled_metrics.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, data):
        x, y = data
        y_pred = self(x, training=False)
        self.compiled_loss(y, y_pred, regularization_losses=self.losses)
        self.compiled_metrics.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}


def test_tf_keras2_train_step_matches_builtin():
    x, y = _data()
    results = []
    for cls in (keras.Model, TfKeras2Step):
        model = _functional(cls)
        model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
        hist = model.fit(x, y, batch_size=16, epochs=2, verbose=0, shuffle=False,
                         validation_data=(x, y))
        results.append((hist.history, model.get_weights()))
    assert results[0][0].keys() == results[1][0].keys()
    for k in results[0][0]:
        np.testing.assert_allclose(results[0][0][k], results[1][0][k], rtol=1e-5)
    for a, b in zip(results[0][1], results[1][1]):
        np.testing.assert_allclose(a, b, rtol=1e-5)


class SampleWeighted(keras.Model):
    got = None

    def train_step(self, data):
        x, y, sw = keras.utils.unpack_x_y_sample_weight(data)
        type(self).got = (y is not None, sw is not None)
        with tf.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(x, y, y_pred, sw)
        grads = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
        return {"loss": loss}


def test_sample_weight_reaches_train_step_and_tensor_logs():
    x, y = _data()
    model = _functional(SampleWeighted)
    model.compile(optimizer="sgd", loss="mse")
    hist = model.fit(x, y, sample_weight=np.ones(len(x)), batch_size=32, verbose=0)
    assert SampleWeighted.got == (True, True)
    assert isinstance(hist.history["loss"][0], float)


class XOnly(keras.Model):
    """fit(x) without targets: data is x itself (Keras packs a lone array unwrapped)."""

    def __init__(self):
        super().__init__()
        self.dense = keras.layers.Dense(4)
        self.tracker = keras.metrics.Mean(name="recon")

    def call(self, x):
        return self.dense(x)

    def train_step(self, data):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(self(data) - data))
        grads = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
        self.tracker.update_state(loss)
        return {"recon": self.tracker.result()}


def test_compile_without_loss_and_custom_tracker_reset_per_epoch():
    x, _ = _data()
    keras.utils.set_random_seed(0)
    model = XOnly()
    model.compile(optimizer=keras.optimizers.Adam(0.05))
    hist = model.fit(x, epochs=3, batch_size=16, verbose=0)
    assert model.tracker in model.metrics
    assert hist.history["recon"][-1] < hist.history["recon"][0]
    # the tracker is reset at each epoch start: its count is one epoch's batches
    assert float(model.tracker.count.numpy()) == 4.0


def test_builtin_step_without_loss_raises_keras_error():
    x, y = _data()
    model = _functional(keras.Model)
    model.compile(optimizer="sgd")
    with pytest.raises(InvalidArgumentError, match="No loss to compute"):
        model.fit(x, y, verbose=0)


def test_step_returning_non_dict_is_a_clear_error():
    class Bad(keras.Model):
        def train_step(self, data):
            return 1.0

    model = _functional(Bad)
    model.compile(optimizer="sgd")
    with pytest.raises(InvalidArgumentError, match="must return a dict"):
        model.fit(*_data(), verbose=0, epochs=1)


def test_predict_step_override():
    class Plus(keras.Model):
        def predict_step(self, data):
            return self(data) + 100.0

    model = _functional(Plus)
    out = model.predict(_data()[0], verbose=0)
    assert out.min() > 50


class GAN(keras.Model):
    """The Keras GAN example, small: two sub-models, two optimizers, no call()."""

    def __init__(self, discriminator, generator, latent_dim):
        super().__init__()
        self.discriminator = discriminator
        self.generator = generator
        self.latent_dim = latent_dim
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker]

    def compile(self, d_optimizer, g_optimizer, loss_fn):
        super().compile()
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        self.loss_fn = loss_fn

    def train_step(self, real):
        batch = tf.shape(real)[0]
        noise = tf.random.normal((batch, self.latent_dim), seed=1)
        fake = self.generator(noise)
        both = tf.concat([fake, real], axis=0)
        labels = tf.concat([tf.ones((batch, 1)), tf.zeros((batch, 1))], axis=0)
        with tf.GradientTape() as tape:
            d_loss = self.loss_fn(labels, self.discriminator(both))
        grads = tape.gradient(d_loss, self.discriminator.trainable_weights)
        self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_weights))
        noise = tf.random.normal((batch, self.latent_dim), seed=2)
        with tf.GradientTape() as tape:
            g_loss = self.loss_fn(tf.zeros((batch, 1)), self.discriminator(self.generator(noise)))
        grads = tape.gradient(g_loss, self.generator.trainable_weights)
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_weights))
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        return {"d_loss": self.d_loss_tracker.result(), "g_loss": self.g_loss_tracker.result()}


def _train_gan(run_eagerly):
    keras.utils.set_random_seed(3)
    real = (np.random.default_rng(0).normal(size=(64, 2)) * 0.1 + 2.0).astype(np.float32)
    disc = keras.Sequential([keras.Input((2,)), keras.layers.Dense(8, activation="relu"),
                             keras.layers.Dense(1, activation="sigmoid")])
    gen = keras.Sequential([keras.Input((3,)), keras.layers.Dense(8, activation="relu"),
                            keras.layers.Dense(2)])
    gan = GAN(disc, gen, 3)
    gan.compile(keras.optimizers.Adam(0.01), keras.optimizers.Adam(0.01),
                keras.losses.BinaryCrossentropy())
    gan.run_eagerly = run_eagerly
    d_before = [w.copy() for w in disc.get_weights()]
    g_before = [w.copy() for w in gen.get_weights()]
    hist = gan.fit(real, batch_size=16, epochs=3, verbose=0, shuffle=False)
    assert not any(np.allclose(a, b) for a, b in zip(d_before, disc.get_weights()))
    assert not any(np.allclose(a, b) for a, b in zip(g_before, gen.get_weights()))
    assert gan.d_optimizer.iterations.numpy() == 12 == gan.g_optimizer.iterations.numpy()
    return hist.history, disc.get_weights() + gen.get_weights()


def test_gan_two_optimizers_compiled_equals_eager():
    compiled, w_c = _train_gan(False)
    eager, w_e = _train_gan(True)
    assert sorted(compiled) == ["d_loss", "g_loss"]
    assert compiled["d_loss"][-1] < compiled["d_loss"][0]  # the discriminator learns
    for k in compiled:
        np.testing.assert_allclose(compiled[k], eager[k], rtol=1e-4, atol=1e-5)
    for a, b in zip(w_c, w_e):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


class Sampling(keras.layers.Layer):
    def call(self, inputs):
        mean, log_var = inputs
        eps = tf.random.normal(tf.shape(mean), seed=5)
        return mean + tf.exp(0.5 * log_var) * eps


class VAE(keras.Model):
    """The Keras VAE example's custom train_step, small."""

    def __init__(self, encoder, decoder):
        super().__init__()
        self.encoder, self.decoder = encoder, decoder
        self.total_tracker = keras.metrics.Mean(name="total_loss")
        self.recon_tracker = keras.metrics.Mean(name="reconstruction_loss")
        self.kl_tracker = keras.metrics.Mean(name="kl_loss")

    def train_step(self, data):
        with tf.GradientTape() as tape:
            mean, log_var, z = self.encoder(data)
            recon = self.decoder(z)
            recon_loss = tf.reduce_mean(tf.reduce_sum(tf.square(data - recon), axis=1))
            kl = -0.5 * (1 + log_var - tf.square(mean) - tf.exp(log_var))
            kl_loss = tf.reduce_mean(tf.reduce_sum(kl, axis=1))
            total = recon_loss + kl_loss
        grads = tape.gradient(total, self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
        self.total_tracker.update_state(total)
        self.recon_tracker.update_state(recon_loss)
        self.kl_tracker.update_state(kl_loss)
        return {"loss": self.total_tracker.result(),
                "reconstruction_loss": self.recon_tracker.result(),
                "kl_loss": self.kl_tracker.result()}


def _train_vae(run_eagerly):
    keras.utils.set_random_seed(4)
    x = np.random.default_rng(1).normal(size=(96, 6)).astype(np.float32)
    x[:, 3:] = x[:, :3] * 2.0
    inp = keras.Input((6,))
    h = keras.layers.Dense(8, activation="relu")(inp)
    mean, log_var = keras.layers.Dense(2)(h), keras.layers.Dense(2)(h)
    encoder = keras.Model(inp, [mean, log_var, Sampling()([mean, log_var])])
    decoder = keras.Sequential([keras.Input((2,)), keras.layers.Dense(8, activation="relu"),
                                keras.layers.Dense(6)])
    vae = VAE(encoder, decoder)
    vae.compile(optimizer=keras.optimizers.Adam(0.01), run_eagerly=run_eagerly)
    hist = vae.fit(x, epochs=4, batch_size=32, verbose=0, shuffle=False)
    return hist.history, vae.get_weights()


def test_vae_custom_train_step_compiled_equals_eager():
    compiled, w_c = _train_vae(False)
    eager, w_e = _train_vae(True)
    assert sorted(compiled) == ["kl_loss", "loss", "reconstruction_loss"]
    assert compiled["loss"][-1] < compiled["loss"][0]
    for k in compiled:
        np.testing.assert_allclose(compiled[k], eager[k], rtol=1e-4, atol=1e-5)
    for a, b in zip(w_c, w_e):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


class MeanAct(keras.layers.Layer):
    def call(self, x):
        self.add_metric(tf.reduce_mean(x), name="mean_act")
        return x


@pytest.mark.parametrize("run_eagerly", [False, True])
def test_add_metric_in_logs_matches_tf_keras(run_eagerly):
    # numbers from tf_keras 2.21 (the same model, data and optimizer)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2, kernel_initializer="ones"),
                              MeanAct()])
    model.compile("sgd", "mse", run_eagerly=run_eagerly)
    hist = model.fit(np.ones((8, 2)), np.ones((8, 2)), batch_size=4, epochs=2, verbose=0,
                     shuffle=False)
    np.testing.assert_allclose(hist.history["loss"], [0.97045, 0.859132], rtol=1e-4)
    np.testing.assert_allclose(hist.history["mean_act"], [1.985, 1.926786], rtol=1e-4)
    assert [m.name for m in model.metrics] == ["loss", "mean_act"]
    logs = model.evaluate(np.ones((4, 2)), np.ones((4, 2)), return_dict=True, verbose=0)
    np.testing.assert_allclose(logs["mean_act"], 1.885293, rtol=1e-4)
    with pytest.raises(InvalidArgumentError, match="provide a name"):
        MeanAct().add_metric(1.0)


class OwnLoss(keras.Model):
    """Keras 3's compute_loss override used by the built-in train_step (its docstring example)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.loss_tracker = keras.metrics.Mean(name="my_loss")

    def compute_loss(self, x, y, y_pred, sample_weight, training=True):
        loss = tf.reduce_mean((y_pred - y) ** 2) * 2.0
        for extra in self.losses:
            loss += extra
        self.loss_tracker.update_state(loss)
        return loss


def test_overridden_compute_loss_drives_builtin_steps():
    inputs = keras.Input((2,))
    model = OwnLoss(inputs, keras.layers.Dense(1, kernel_initializer="ones")(inputs))
    model.compile(keras.optimizers.SGD(0.01), loss="mse")
    hist = model.fit(np.ones((8, 2), np.float32), np.zeros((8, 1), np.float32), batch_size=4,
                     epochs=2, verbose=0, shuffle=False)
    # Keras 3.15 on the same model: {'loss': [7.0976, 4.2564], 'my_loss': [7.0976, 4.2564]}
    np.testing.assert_allclose(hist.history["loss"], [7.0976, 4.2564], rtol=1e-4)
    np.testing.assert_allclose(hist.history["my_loss"], [7.0976, 4.2564], rtol=1e-4)
    assert [m.name for m in model.metrics] == ["loss", "my_loss"]
