"""Recurrent layers: SimpleRNN, LSTM, GRU against Keras 3 goldens and a NumPy re-implementation
of Keras's equations, gradients by finite differences, masks, stateful RNNs, configs, eager vs
compiled parity."""
import os

import numpy as np
import pytest

import graphflow as tf
from graphflow import keras
from graphflow.errors import InvalidArgumentError
from graphflow.utils import nest

GOLDENS = np.load(os.path.join(os.path.dirname(__file__), "data", "keras_rnn_goldens.npz"))
layers = keras.layers


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


# -- NumPy re-implementations of Keras's step equations ------------------------------------------

def np_lstm(x, kernel, rec, bias, mask=None, backwards=False):
    batch, steps, _ = x.shape
    u = rec.shape[0]
    h, c = np.zeros((batch, u)), np.zeros((batch, u))
    order = range(steps - 1, -1, -1) if backwards else range(steps)
    seq = []
    for t in order:
        z = x[:, t] @ kernel + h @ rec + bias
        i, f, g, o = sigmoid(z[:, :u]), sigmoid(z[:, u:2 * u]), np.tanh(z[:, 2 * u:3 * u]), \
            sigmoid(z[:, 3 * u:])
        c_new = f * c + i * g
        h_new = o * np.tanh(c_new)
        if mask is not None:
            m = mask[:, t:t + 1]
            h_new, c_new = np.where(m, h_new, h), np.where(m, c_new, c)
        h, c = h_new, c_new
        seq.append(h)
    return np.stack(seq, 1), h, c


def np_gru(x, kernel, rec, bias, reset_after=True, mask=None, backwards=False):
    batch, steps, _ = x.shape
    u = rec.shape[0]
    h = np.zeros((batch, u))
    order = range(steps - 1, -1, -1) if backwards else range(steps)
    seq = []
    b_in, b_rec = (bias[0], bias[1]) if reset_after else (bias, np.zeros_like(bias))
    for t in order:
        xz = x[:, t] @ kernel + b_in
        if reset_after:
            inner = h @ rec + b_rec
            z = sigmoid(xz[:, :u] + inner[:, :u])
            r = sigmoid(xz[:, u:2 * u] + inner[:, u:2 * u])
            hh = np.tanh(xz[:, 2 * u:] + r * inner[:, 2 * u:])
        else:
            z = sigmoid(xz[:, :u] + h @ rec[:, :u])
            r = sigmoid(xz[:, u:2 * u] + h @ rec[:, u:2 * u])
            hh = np.tanh(xz[:, 2 * u:] + (r * h) @ rec[:, 2 * u:])
        h_new = z * h + (1 - z) * hh
        if mask is not None:
            h_new = np.where(mask[:, t:t + 1], h_new, h)
        h = h_new
        seq.append(h)
    return np.stack(seq, 1), h


def np_simple_rnn(x, kernel, rec, bias, mask=None, backwards=False):
    h = np.zeros((x.shape[0], rec.shape[0]))
    order = range(x.shape[1] - 1, -1, -1) if backwards else range(x.shape[1])
    seq = []
    for t in order:
        h_new = np.tanh(x[:, t] @ kernel + h @ rec + bias)
        if mask is not None:
            h_new = np.where(mask[:, t:t + 1], h_new, h)
        h = h_new
        seq.append(h)
    return np.stack(seq, 1), h


MAKERS = {
    "simple_rnn": lambda **kw: layers.SimpleRNN(5, **kw),
    "lstm": lambda **kw: layers.LSTM(5, **kw),
    "gru": lambda **kw: layers.GRU(5, **kw),
    "gru_reset_before": lambda **kw: layers.GRU(5, reset_after=False, **kw),
}


def _golden_layer(name, backwards):
    variant = "_backwards" if backwards else ""
    layer = MAKERS[name](return_sequences=True, return_state=True, go_backwards=backwards)
    layer.build((None, 6, 4))
    layer.set_weights([GOLDENS[f"{name}{variant}_w{i}"] for i in range(len(layer.weights))])
    return layer, variant


@pytest.mark.parametrize("backwards", [False, True])
@pytest.mark.parametrize("name", sorted(MAKERS))
def test_matches_keras_goldens_eager_and_compiled(name, backwards):
    layer, variant = _golden_layer(name, backwards)
    x, mask = GOLDENS["x"], GOLDENS["mask"]
    compiled = tf.function(lambda a, m: layer(a, mask=m))
    for result, key in ((layer(x), ""), (compiled(x, mask), "_masked")):
        np.testing.assert_allclose(result[0].numpy(), GOLDENS[f"{name}{variant}{key}_seq"],
                                   rtol=1e-5, atol=1e-5)
        for i, state in enumerate(result[1:]):
            np.testing.assert_allclose(state.numpy(), GOLDENS[f"{name}{variant}{key}_state{i}"],
                                       rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("backwards", [False, True])
def test_step_by_step_numpy_equations(backwards):
    x, mask = GOLDENS["x"].astype(np.float64), GOLDENS["mask"]
    lstm, _ = _golden_layer("lstm", backwards)
    seq, h, c = np_lstm(x, *[w.astype(np.float64) for w in lstm.get_weights()], mask=mask,
                        backwards=backwards)
    got = lstm(GOLDENS["x"], mask=mask)
    for a, b in zip(got, (seq, h, c)):
        np.testing.assert_allclose(a.numpy(), b, rtol=1e-5, atol=1e-5)
    for name, reset_after in (("gru", True), ("gru_reset_before", False)):
        gru, _ = _golden_layer(name, backwards)
        seq, h = np_gru(x, *gru.get_weights(), reset_after=reset_after, backwards=backwards)
        got = gru(GOLDENS["x"])
        np.testing.assert_allclose(got[0].numpy(), seq, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(got[1].numpy(), h, rtol=1e-5, atol=1e-5)
    rnn, _ = _golden_layer("simple_rnn", backwards)
    seq, h = np_simple_rnn(x, *rnn.get_weights(), mask=mask, backwards=backwards)
    np.testing.assert_allclose(rnn(GOLDENS["x"], mask=mask)[0].numpy(), seq, rtol=1e-5, atol=1e-5)


def test_weight_shapes_and_forget_bias():
    lstm = layers.LSTM(3)
    lstm.build((None, 4, 2))
    assert [tuple(w.shape.as_list()) for w in lstm.weights] == [(2, 12), (3, 12), (12,)]
    np.testing.assert_array_equal(lstm.cell.bias.numpy(), [0] * 3 + [1] * 3 + [0] * 6)
    rec = lstm.cell.recurrent_kernel.numpy()  # orthogonal by default: columns orthonormal
    np.testing.assert_allclose(rec @ rec.T, np.eye(3), atol=1e-5)
    gru = layers.GRU(3)
    gru.build((None, 4, 2))
    assert [tuple(w.shape.as_list()) for w in gru.weights] == [(2, 9), (3, 9), (2, 9)]
    gru = layers.GRU(3, reset_after=False, use_bias=False)
    gru.build((None, 4, 2))
    assert [tuple(w.shape.as_list()) for w in gru.weights] == [(2, 9), (3, 9)]
    assert lstm.units == 3 and lstm.recurrent_activation is keras.activations.get("sigmoid")


def test_output_shapes():
    x = np.ones((2, 7, 3), np.float32)
    assert layers.LSTM(4)(x).shape == (2, 4)
    assert layers.GRU(4, return_sequences=True)(x).shape == (2, 7, 4)
    out = layers.SimpleRNN(4, return_state=True)(x)
    assert len(out) == 2 and out[1].shape == (2, 4)
    inp = keras.Input((None, 3))
    assert layers.LSTM(4, return_sequences=True)(inp).shape.as_list() == [None, None, 4]
    with pytest.raises(InvalidArgumentError, match="rank 3"):
        layers.LSTM(2)(np.ones((2, 3), np.float32))
    with pytest.raises(InvalidArgumentError, match="units"):
        layers.GRU(0)
    built = layers.LSTM(2)
    built(x)
    with pytest.raises(InvalidArgumentError, match="built for inputs with 3 features"):
        built(np.ones((2, 7, 4), np.float32))
    with pytest.raises(InvalidArgumentError, match="time_major"):
        layers.LSTM(2, time_major=True)
    with pytest.raises(InvalidArgumentError, match="Unknown constraint 'nope'"):
        layers.LSTM(2, kernel_constraint="nope")
    with pytest.raises(TypeError, match="recurrent_activation"):
        layers.SimpleRNN(2, recurrent_activation="sigmoid")


def _fd_check(make_loss, variables, eps=1e-6, tol=1e-6):
    with tf.GradientTape() as tape:
        loss = make_loss()
    grads = tape.gradient(loss, variables)
    for var, grad in zip(variables, grads):
        base = var.numpy().copy()
        flat = base.reshape(-1)
        idx = np.random.RandomState(0).choice(flat.size, min(6, flat.size), replace=False)
        for i in idx:
            bumped = flat.copy()
            bumped[i] += eps
            var.assign(bumped.reshape(base.shape))
            up = float(make_loss())
            bumped[i] -= 2 * eps
            var.assign(bumped.reshape(base.shape))
            down = float(make_loss())
            var.assign(base)
            numeric = (up - down) / (2 * eps)
            assert abs(numeric - grad.numpy().reshape(-1)[i]) < tol + 1e-4 * abs(numeric), \
                (var.name, i, numeric, grad.numpy().reshape(-1)[i])


@pytest.mark.parametrize("make", [
    lambda: layers.LSTM(3, return_sequences=True, dtype="float64"),
    lambda: layers.GRU(3, return_sequences=True, dtype="float64"),
    lambda: layers.GRU(3, reset_after=False, dtype="float64", go_backwards=True),
    lambda: layers.SimpleRNN(3, dtype="float64"),
])
def test_gradients_by_finite_differences(make):
    layer = make()
    rng = np.random.RandomState(1)
    x = tf.Variable(rng.randn(2, 4, 2))
    mask = tf.constant(np.array([[1, 1, 1, 1], [1, 1, 0, 0]], bool))
    layer(x.numpy())
    loss_fn = tf.function(lambda: tf.reduce_sum(tf.sin(layer(x, mask=mask))))
    _fd_check(loss_fn, [x] + layer.trainable_weights)


def test_gradients_eager_match_compiled():
    layer = layers.LSTM(3, return_sequences=True)
    x = tf.constant(np.random.RandomState(2).randn(2, 5, 3).astype(np.float32))

    def grads():
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(layer(x) ** 2)
        return tape.gradient(loss, layer.trainable_weights)
    eager = grads()
    compiled = tf.function(grads)()
    for a, b in zip(eager, compiled):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-4, atol=1e-6)


def test_embedding_mask_zero_skips_padding():
    ids = np.array([[3, 1, 4, 0, 0], [2, 0, 0, 0, 0]], np.int32)
    emb = layers.Embedding(6, 3, mask_zero=True)
    lstm = layers.LSTM(4)
    model = keras.Sequential([keras.Input((5,), dtype="int32"), emb, lstm])
    out = model(ids).numpy()
    # the same as running on the unpadded prefixes
    np.testing.assert_allclose(out[0], lstm(emb(ids[:1, :3])).numpy()[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out[1], lstm(emb(ids[1:, :1])).numpy()[0], rtol=1e-5, atol=1e-6)
    compiled = tf.function(lambda a: model(a))
    np.testing.assert_allclose(compiled(ids).numpy(), out, rtol=1e-5, atol=1e-6)
    # functional model: the mask flows through Embedding to the LSTM too
    inp = keras.Input((5,), dtype="int32")
    functional = keras.Model(inp, lstm(emb(inp)))
    np.testing.assert_allclose(functional(ids).numpy(), out, rtol=1e-5, atol=1e-6)


def test_masking_layer_and_sequence_mask_output():
    x = np.random.RandomState(3).randn(2, 4, 3).astype(np.float32)
    x[1, 2:] = 0.0
    masking = layers.Masking()
    gru = layers.GRU(2, return_sequences=True)
    out = gru(masking(x)).numpy()
    np.testing.assert_allclose(out[1, 2], out[1, 1], rtol=1e-6)  # masked step repeats output
    np.testing.assert_allclose(out[1, 3], out[1, 1], rtol=1e-6)
    mask = masking.compute_mask(tf.constant(x)).numpy()
    np.testing.assert_array_equal(mask, [[True] * 4, [True, True, False, False]])
    # return_sequences passes the mask on (to a second recurrent layer)
    from graphflow.keras.layers.base import get_mask
    seq = layers.LSTM(2, return_sequences=True)(masking(x))
    np.testing.assert_array_equal(get_mask(seq).numpy(), mask)
    assert get_mask(layers.LSTM(2)(masking(x))) is None


def test_initial_state_and_list_inputs():
    x = np.random.RandomState(4).randn(2, 3, 2).astype(np.float32)
    h0 = np.full((2, 4), 0.5, np.float32)
    c0 = np.full((2, 4), -0.5, np.float32)
    lstm = layers.LSTM(4)
    a = lstm(x, initial_state=[h0, c0]).numpy()
    b = lstm([x, h0, c0]).numpy()
    np.testing.assert_allclose(a, b)
    assert not np.allclose(a, lstm(x).numpy())
    inp, hin, cin = keras.Input((3, 2)), keras.Input((4,)), keras.Input((4,))
    model = keras.Model([inp, hin, cin], lstm(inp, initial_state=[hin, cin]))
    np.testing.assert_allclose(model([x, h0, c0]).numpy(), a, rtol=1e-6)
    with pytest.raises(InvalidArgumentError, match="initial state"):
        lstm(x, initial_state=[h0])


def test_stateful_carries_and_resets():
    x = np.random.RandomState(5).randn(2, 3, 2).astype(np.float32)
    layer = layers.GRU(3, stateful=True)
    model = keras.Sequential([keras.Input((3, 2), batch_size=2), layer])
    first = model(x).numpy()
    second = model(x).numpy()
    assert not np.allclose(first, second)
    whole = layers.GRU(3)
    whole.build((None, 6, 2))
    whole.set_weights(layer.get_weights())
    np.testing.assert_allclose(second, whole(np.concatenate([x, x], 1)).numpy(), rtol=1e-5)
    layer.reset_states()
    np.testing.assert_allclose(model(x).numpy(), first, rtol=1e-6)
    layer.reset_states()
    compiled = tf.function(lambda a: model(a))
    np.testing.assert_allclose(compiled(x).numpy(), first, rtol=1e-5)
    np.testing.assert_allclose(compiled(x).numpy(), second, rtol=1e-5)  # the state carried
    with pytest.raises(InvalidArgumentError, match="batch size must be static"):
        keras.Sequential([keras.Input((3, 2)), layers.LSTM(2, stateful=True)])


def test_dropout_only_in_training_and_same_mask_each_step():
    x = np.ones((4, 5, 3), np.float32)
    layer = layers.SimpleRNN(6, dropout=0.5, recurrent_dropout=0.3, seed=1,
                             return_sequences=True)
    plain = layer(x).numpy()
    np.testing.assert_allclose(layer(x, training=False).numpy(), plain)
    dropped = layer(x, training=True).numpy()
    assert not np.allclose(dropped, plain)
    assert layer.cell._dropout_mask is None  # dropped after the call
    inputs_only = layers.SimpleRNN(6, dropout=0.5, seed=2)
    inputs_only.build((None, 5, 3))
    inputs_only.cell.recurrent_kernel.assign(np.zeros((6, 6), np.float32))
    seq = layers.RNN(inputs_only.cell, return_sequences=True)(x, training=True).numpy()
    np.testing.assert_allclose(seq[:, 0], seq[:, -1])  # one input mask for every step


def test_unroll_matches_loop():
    x = np.random.RandomState(6).randn(2, 4, 3).astype(np.float32)
    loop = layers.LSTM(3, return_sequences=True)
    loop.build((None, 4, 3))
    unrolled = layers.LSTM(3, return_sequences=True, unroll=True)
    unrolled.build((None, 4, 3))
    unrolled.set_weights(loop.get_weights())
    np.testing.assert_allclose(unrolled(x).numpy(), loop(x).numpy(), rtol=1e-6)


def test_get_config_round_trip():
    for layer in (layers.LSTM(3, return_sequences=True, dropout=0.1, unit_forget_bias=False),
                  layers.GRU(2, reset_after=False, go_backwards=True, activation="relu"),
                  layers.SimpleRNN(4, stateful=False, recurrent_initializer="orthogonal"),
                  layers.RNN(layers.StackedRNNCells([layers.LSTMCell(2), layers.GRUCell(3)])),
                  layers.RNN(layers.SimpleRNNCell(2), return_state=True)):
        config = layer.get_config()
        clone = type(layer).from_config(config)
        assert clone.get_config() == config
        x = np.ones((1, 3, 2), np.float32)
        layer(x)
        clone(x)
        clone.set_weights(layer.get_weights())
        for a, b in zip(nest.flatten(layer(x)), nest.flatten(clone(x))):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6)
    model = keras.Sequential([keras.Input((4, 3)), layers.LSTM(2)])
    rebuilt = keras.models.model_from_json(model.to_json())
    assert isinstance(rebuilt.layers[0], layers.LSTM)


def test_stacked_and_user_cells():
    class MinimalRNNCell(layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = self.state_size = units

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
            self.recurrent_kernel = self.add_weight(shape=(self.units, self.units), name="rk")

        def call(self, inputs, states):
            h = tf.matmul(inputs, self.kernel) + tf.matmul(states[0], self.recurrent_kernel)
            return h, [h]

    x = np.random.RandomState(7).randn(2, 3, 4).astype(np.float32)
    cell = MinimalRNNCell(2)
    rnn = layers.RNN(cell, return_sequences=True)
    out = rnn(x).numpy()
    k, r = cell.kernel.numpy(), cell.recurrent_kernel.numpy()
    h = np.zeros((2, 2))
    for t in range(3):
        h = x[:, t] @ k + h @ r
        np.testing.assert_allclose(out[:, t], h, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(tf.function(lambda a: rnn(a))(x).numpy(), out, rtol=1e-6)
    stacked = layers.RNN([layers.LSTMCell(3), layers.GRUCell(2)], return_state=True)
    out, (h1, c1), (h2,) = stacked(x)
    assert (out.shape, h1.shape, c1.shape, h2.shape) == ((2, 2), (2, 3), (2, 3), (2, 2))
    np.testing.assert_allclose(out.numpy(), h2.numpy())
    first = layers.RNN(stacked.cell.cells[0], return_sequences=True)(x)
    np.testing.assert_allclose(layers.RNN(stacked.cell.cells[1])(first).numpy(), out.numpy(),
                               rtol=1e-5, atol=1e-6)
    with pytest.raises(InvalidArgumentError, match="state_size"):
        layers.RNN(object())


def test_dropout_in_a_compiled_training_step():
    layer = layers.LSTM(3, dropout=0.3, recurrent_dropout=0.3, seed=3)
    x = tf.constant(np.random.RandomState(8).randn(4, 5, 2).astype(np.float32))
    plain = float(tf.reduce_sum(layer(x) ** 2))

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(layer(x, training=True) ** 2)
        return loss, tape.gradient(loss, layer.trainable_weights)
    loss, grads = step()
    assert np.isfinite(float(loss)) and all(np.isfinite(g.numpy()).all() for g in grads)
    assert layer.cell._dropout_mask is None
    assert not np.allclose(float(loss), plain)


def test_masks_are_per_thread():
    import threading
    from graphflow.keras.layers.base import get_mask, set_mask
    t = tf.constant([1.0])
    set_mask(t, tf.constant([True]))
    seen = []
    worker = threading.Thread(target=lambda: seen.append(get_mask(t)))
    worker.start()
    worker.join()
    assert seen == [None] and get_mask(t) is not None


def test_text_classifier_textvectorization_embedding_lstm_trains_compiled():
    # issue 17's acceptance: TextVectorization (adapted on a dataset, applied in Dataset.map) +
    # Embedding(mask_zero) + LSTM learns a keyword task with compiled fit; then the same layers
    # take strings end to end. (TF 2.21 on this program: loss 0.69 -> 0.16, accuracy 1.0.)
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    good, bad = ["great", "fine", "love", "superb"], ["awful", "bad", "hate", "boring"]
    filler = ["the", "movie", "was", "a", "plot", "and"]
    texts, labels = [], []
    for i in range(256):
        words = list(rng.choice(filler, 6)) + list(rng.choice(good if i % 2 else bad, 2))
        rng.shuffle(words)
        texts.append(" ".join(words))
        labels.append(float(i % 2))
    ds = tf.data.Dataset.from_tensor_slices((texts, labels)).batch(32)
    vectorize = keras.layers.TextVectorization(max_tokens=50, output_sequence_length=10)
    vectorize.adapt(ds.map(lambda x, y: x))
    model = keras.Sequential([keras.Input((None,), dtype="int64"),
                              keras.layers.Embedding(50, 8, mask_zero=True),
                              keras.layers.LSTM(8), keras.layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    history = model.fit(ds.map(lambda x, y: (vectorize(x), y)), epochs=15, verbose=0)
    assert not model.run_eagerly
    assert history.history["loss"][0] > 0.6 and history.history["loss"][-1] < 0.4
    assert history.history["accuracy"][-1] > 0.9
    inputs = keras.Input((1,), dtype="string")
    end_to_end = keras.Model(inputs, model(vectorize(inputs)))
    p = end_to_end.predict(tf.constant([["great love the movie"], ["awful bad plot"]]), verbose=0)
    assert p[0, 0] > 0.5 > p[1, 0]
