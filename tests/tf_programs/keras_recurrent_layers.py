"""Keras recurrent layers: shapes of LSTM/GRU/SimpleRNN outputs and states, padding masks from
Embedding(mask_zero=True), Bidirectional merge modes, TimeDistributed, stateful RNNs, and a
small sequence classifier trained with fit."""
import numpy as np
import tensorflow as tf
from tensorflow import keras

x = np.random.RandomState(0).randn(4, 6, 3).astype("float32")

seq, h, c = keras.layers.LSTM(5, return_sequences=True, return_state=True)(x)
assert seq.shape == (4, 6, 5) and h.shape == (4, 5) and c.shape == (4, 5)
np.testing.assert_allclose(seq[:, -1].numpy(), h.numpy(), rtol=1e-6)
assert keras.layers.GRU(2)(x).shape == (4, 2)
assert keras.layers.SimpleRNN(2, return_sequences=True, go_backwards=True)(x).shape == (4, 6, 2)

# masked (padded) steps are skipped: the result equals running the unpadded prefix
ids = np.array([[5, 2, 9, 0, 0, 0]], "int32")
emb = keras.layers.Embedding(10, 3, mask_zero=True)
lstm = keras.layers.LSTM(4)
np.testing.assert_allclose(lstm(emb(ids)).numpy(), lstm(emb(ids[:, :3])).numpy(), rtol=1e-5,
                           atol=1e-6)

bi = keras.layers.Bidirectional(keras.layers.GRU(3, return_sequences=True))
assert bi(x).shape == (4, 6, 6)
assert keras.layers.Bidirectional(keras.layers.GRU(3), merge_mode="sum")(x).shape == (4, 3)
assert keras.layers.TimeDistributed(keras.layers.Dense(7))(x).shape == (4, 6, 7)

# a stateful layer continues from its last state until reset_states()
stateful = keras.layers.SimpleRNN(2, stateful=True)
model = keras.Sequential([keras.Input((6, 3), batch_size=4), stateful])
first = model(x).numpy()
assert not np.allclose(model(x).numpy(), first)
stateful.reset_states()
np.testing.assert_allclose(model(x).numpy(), first, rtol=1e-5)

# the sign of the sum of a sequence, learned by an LSTM
rng = np.random.RandomState(1)
data = rng.randn(256, 8, 1).astype("float32")
labels = (data.sum(axis=(1, 2)) > 0).astype("float32")
clf = keras.Sequential([keras.Input((8, 1)), keras.layers.LSTM(8),
                        keras.layers.Dense(1, activation="sigmoid")])
clf.compile(optimizer=keras.optimizers.Adam(0.02), loss="binary_crossentropy",
            metrics=["accuracy"])
history = clf.fit(data, labels, batch_size=32, epochs=10, verbose=0)
assert history.history["accuracy"][-1] > 0.85, history.history["accuracy"]
print("ok")
