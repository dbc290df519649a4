"""keras.layers.RNN with a user cell (state_size, call(inputs, states)), StackedRNNCells,
LSTMCell/GRUCell, initial_state, Bidirectional with return_state, and gradients through the
recurrence in a tf.function."""
import numpy as np
import tensorflow as tf
from tensorflow import keras


class MinimalRNNCell(keras.layers.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units),
                                                name="recurrent_kernel")

    def call(self, inputs, states):
        h = tf.matmul(inputs, self.kernel) + tf.matmul(states[0], self.recurrent_kernel)
        return h, [h]


x = np.random.RandomState(0).randn(3, 5, 4).astype("float32")
cell = MinimalRNNCell(2)
seq = keras.layers.RNN(cell, return_sequences=True)(x)
h = np.zeros((3, 2), "float32")
for t in range(5):
    h = x[:, t] @ cell.kernel.numpy() + h @ cell.recurrent_kernel.numpy()
np.testing.assert_allclose(seq[:, -1].numpy(), h, rtol=1e-4, atol=1e-5)

stacked = keras.layers.RNN([keras.layers.LSTMCell(4), keras.layers.GRUCell(3)], return_state=True)
out, (h1, c1), (h2,) = stacked(x)
assert out.shape == (3, 3) and h1.shape == (3, 4) and c1.shape == (3, 4) and h2.shape == (3, 3)
np.testing.assert_allclose(out.numpy(), h2.numpy(), rtol=1e-6)

h0 = np.ones((3, 4), "float32")
lstm = keras.layers.LSTM(4)
assert not np.allclose(lstm(x, initial_state=[h0, h0]).numpy(), lstm(x).numpy())

bi = keras.layers.Bidirectional(keras.layers.LSTM(2, return_state=True))
merged, fh, fc, bh, bc = bi(x)
np.testing.assert_allclose(merged.numpy(), np.concatenate([fh.numpy(), bh.numpy()], -1),
                           rtol=1e-6)

gru = keras.layers.GRU(3)
gru(x)


@tf.function
def grads(inputs):
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(gru(inputs) ** 2)
    return tape.gradient(loss, gru.trainable_weights)


g = grads(tf.constant(x))
assert len(g) == 3 and all(np.isfinite(v.numpy()).all() for v in g)
assert [tuple(v.shape) for v in g] == [(4, 9), (3, 9), (2, 9)]
print("ok")
