"""Bidirectional and TimeDistributed, and an Embedding -> LSTM -> Dense text classifier trained
with a compiled fit."""
import os

import numpy as np
import pytest

import graphflow as tf
from graphflow import keras
from graphflow.errors import InvalidArgumentError

GOLDENS = np.load(os.path.join(os.path.dirname(__file__), "data", "keras_rnn_goldens.npz"))
layers = keras.layers


def test_bidirectional_matches_keras_golden():
    bi = layers.Bidirectional(layers.LSTM(3, return_sequences=True))
    bi.build((None, 6, 4))
    bi.set_weights([GOLDENS[f"bi_w{i}"] for i in range(6)])
    x, mask = GOLDENS["x"], GOLDENS["mask"]
    np.testing.assert_allclose(bi(x).numpy(), GOLDENS["bi_seq"], rtol=1e-5, atol=1e-5)
    compiled = tf.function(lambda a, m: bi(a, mask=m))
    np.testing.assert_allclose(compiled(x, mask).numpy(), GOLDENS["bi_masked_seq"],
                               rtol=1e-5, atol=1e-5)
    assert bi.forward_layer.name.startswith("forward_")
    assert bi.backward_layer.go_backwards and not bi.forward_layer.go_backwards


@pytest.mark.parametrize("mode", ["concat", "sum", "mul", "ave", None])
def test_bidirectional_merge_modes(mode):
    x = np.random.RandomState(0).randn(2, 4, 3).astype(np.float32)
    bi = layers.Bidirectional(layers.GRU(2, return_sequences=True), merge_mode=mode)
    out = bi(x)
    fw = bi.forward_layer(x).numpy()
    bw = bi.backward_layer(x).numpy()[:, ::-1]
    expected = {"concat": lambda: np.concatenate([fw, bw], -1), "sum": lambda: fw + bw,
                "mul": lambda: fw * bw, "ave": lambda: (fw + bw) / 2}
    if mode is None:
        np.testing.assert_allclose(out[0].numpy(), fw, rtol=1e-6)
        np.testing.assert_allclose(out[1].numpy(), bw, rtol=1e-6)
    else:
        np.testing.assert_allclose(out.numpy(), expected[mode](), rtol=1e-5, atol=1e-6)


def test_bidirectional_states_backward_layer_and_errors():
    x = np.random.RandomState(1).randn(2, 4, 3).astype(np.float32)
    bi = layers.Bidirectional(layers.LSTM(2, return_state=True))
    out, fh, fc, bh, bc = bi(x)
    assert out.shape == (2, 4) and bh.shape == (2, 2)
    np.testing.assert_allclose(out.numpy(), np.concatenate([fh.numpy(), bh.numpy()], -1))
    custom = layers.Bidirectional(layers.LSTM(2), backward_layer=layers.GRU(3, go_backwards=True))
    assert custom(x).shape == (2, 5)
    with pytest.raises(InvalidArgumentError, match="merge mode"):
        layers.Bidirectional(layers.LSTM(2), merge_mode="max")
    with pytest.raises(InvalidArgumentError, match="RNN"):
        layers.Bidirectional(layers.Dense(2))
    with pytest.raises(InvalidArgumentError, match="go_backwards"):
        layers.Bidirectional(layers.LSTM(2), backward_layer=layers.LSTM(2))


def test_bidirectional_config_round_trip_and_gradients():
    bi = layers.Bidirectional(layers.SimpleRNN(2, return_sequences=True), merge_mode="sum")
    x = tf.constant(np.random.RandomState(2).randn(2, 3, 2).astype(np.float32))
    bi(x)
    clone = layers.Bidirectional.from_config(bi.get_config())
    clone(x)
    clone.set_weights(bi.get_weights())
    np.testing.assert_allclose(clone(x).numpy(), bi(x).numpy(), rtol=1e-6)

    def grads():
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(bi(x) ** 2)
        return tape.gradient(loss, bi.trainable_weights)
    for a, b in zip(grads(), tf.function(grads)()):
        assert a is not None
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-4, atol=1e-6)


def test_time_distributed():
    x = np.random.RandomState(3).randn(2, 5, 4).astype(np.float32)
    dense = layers.Dense(3)
    td = layers.TimeDistributed(dense)
    out = td(x).numpy()
    assert out.shape == (2, 5, 3)
    for t in range(5):
        np.testing.assert_allclose(out[:, t], dense(x[:, t]).numpy(), rtol=1e-5, atol=1e-6)
    inp = keras.Input((None, 4))
    model = keras.Model(inp, td(inp))
    assert model.output_shape == (None, None, 3)
    compiled = tf.function(lambda a: model(a))
    np.testing.assert_allclose(compiled(x).numpy(), out, rtol=1e-6)
    clone = layers.TimeDistributed.from_config(td.get_config())
    assert isinstance(clone.layer, layers.Dense) and clone.layer.units == 3
    with pytest.raises(InvalidArgumentError, match="at least 3D"):
        td(np.ones((2, 4), np.float32))


def test_text_classifier_trains_with_compiled_fit():
    rng = np.random.RandomState(0)
    n, steps, vocab = 256, 12, 50
    ids = rng.randint(1, vocab, size=(n, steps)).astype(np.int32)
    lengths = rng.randint(4, steps + 1, size=n)
    for i, length in enumerate(lengths):
        ids[i, length:] = 0  # padding, masked by the Embedding
    # label: does token 7 appear in the (unpadded) text?
    ids[: n // 2, 0] = 7
    ids[n // 2:][ids[n // 2:] == 7] = 8
    labels = (ids == 7).any(1).astype(np.float32)
    perm = rng.permutation(n)
    ids, labels = ids[perm], labels[perm]
    model = keras.Sequential([
        keras.Input((steps,), dtype="int32"),
        layers.Embedding(vocab, 8, mask_zero=True),
        layers.LSTM(8),
        layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(0.02), loss="binary_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(ids, labels, batch_size=32, epochs=8, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    assert history.history["accuracy"][-1] > 0.9


def test_recurrent_model_summary_save_and_load(tmp_path):
    model = keras.Sequential([
        keras.Input((5,), dtype="int32"), layers.Embedding(20, 4, mask_zero=True),
        layers.Bidirectional(layers.LSTM(3, return_sequences=True)),
        layers.TimeDistributed(layers.Dense(2)), layers.GRU(2), layers.Dense(1)])
    assert [l.count_params() for l in model.layers] == [80, 192, 14, 36, 3]  # Keras's counts
    x = np.random.RandomState(0).randint(0, 20, (8, 5)).astype("int32")
    model.compile("adam", "mse")
    model.fit(x, np.ones(8, "float32"), verbose=0, epochs=1)
    path = str(tmp_path / "rnn.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)
