"""Volumetric convolution and pooling and convolutional LSTMs: tf.nn.max_pool3d / avg_pool3d /
conv3d_transpose / pool with gradients, Keras's Conv3DTranspose, MaxPooling3D,
AveragePooling3D and ConvLSTM1D/2D/3D (shapes, weights, a hand-computed step, configs), and
a small video model trained with fit."""
import numpy as np
import tensorflow as tf
import keras

rng = np.random.default_rng(0)
x = rng.standard_normal((2, 4, 5, 6, 3)).astype(np.float32)

# 3-D pooling: the maximum / mean of each (d, h, w) box, as a NumPy loop
y = tf.nn.max_pool3d(x, ksize=2, strides=2, padding="VALID")
assert y.shape == (2, 2, 2, 3, 3)
want = x[:, :4, :4, :6].reshape(2, 2, 2, 2, 2, 3, 2, 3).max(axis=(2, 4, 6))
np.testing.assert_allclose(y.numpy(), want, rtol=1e-6)
a = tf.nn.avg_pool3d(x, [2, 2, 3], [2, 2, 3], "VALID")
np.testing.assert_allclose(a.numpy(), x[:, :4, :4].reshape(2, 2, 2, 2, 2, 2, 3, 3).mean(
    axis=(2, 4, 6)), rtol=1e-5, atol=1e-6)
same = tf.nn.avg_pool3d(tf.ones((1, 3, 3, 3, 1)), 2, 2, "SAME")  # valid elements only
np.testing.assert_allclose(same.numpy(), np.ones((1, 2, 2, 2, 1)))
assert tf.nn.max_pool(x, 2, 2, "SAME").shape == (2, 2, 3, 3, 3)  # by rank: max_pool3d
assert tf.nn.avg_pool(x[:, 0], 2, 2, "SAME").shape == (2, 3, 3, 3)
p = tf.nn.pool(x, [2, 2, 2], "MAX", strides=[1, 2, 2], padding="SAME")
assert p.shape == (2, 4, 3, 3, 3)
d = tf.nn.pool(x, [2, 2, 2], "AVG", padding="VALID", dilations=[2, 1, 1])
np.testing.assert_allclose(d.numpy()[0, 0, 0, 0], x[0, [0, 2]][:, :2, :2].mean(axis=(0, 1, 2)),
                           rtol=1e-5)

# gradients: max pooling routes each window's gradient to its maximum
xv = tf.constant(x)
with tf.GradientTape() as tape:
    tape.watch(xv)
    loss = tf.reduce_sum(tf.nn.max_pool3d(xv, 2, 2, "VALID"))
g = tape.gradient(loss, xv).numpy()
assert g.sum() == 2 * 2 * 2 * 3 * 3 and set(np.unique(g)) <= {0.0, 1.0}

# conv3d_transpose is conv3d's adjoint: <conv3d(u, w), v> = <u, conv3d_transpose(v, w)>
w = rng.standard_normal((2, 3, 3, 3, 4)).astype(np.float32)
u = rng.standard_normal((1, 4, 6, 6, 3)).astype(np.float32)
fwd = tf.nn.conv3d(u, w, [1, 2, 2, 2, 1], "SAME")
v = rng.standard_normal(fwd.shape).astype(np.float32)
back = tf.nn.conv3d_transpose(v, w, [1, 4, 6, 6, 3], [1, 2, 2, 2, 1], "SAME")
assert back.shape == (1, 4, 6, 6, 3)
np.testing.assert_allclose(float(tf.reduce_sum(fwd * v)), float(tf.reduce_sum(u * back)),
                           rtol=1e-4)


@tf.function
def up(t):
    return tf.nn.conv3d_transpose(t, w, [1, 4, 6, 6, 3], 2, "SAME")


np.testing.assert_allclose(up(v).numpy(), back.numpy(), rtol=1e-5, atol=1e-5)

# Keras layers
t = keras.layers.Conv3DTranspose(2, 3, strides=2, padding="same", output_padding=1)
assert t(x).shape == (2, 8, 10, 12, 2)
assert [tuple(v.shape) for v in t.weights] == [(3, 3, 3, 2, 3), (2,)]
assert keras.layers.Conv3DTranspose(2, (2, 3, 2))(x).shape == (2, 5, 7, 7, 2)
assert keras.layers.MaxPooling3D(2, padding="same")(x).shape == (2, 2, 3, 3, 3)
np.testing.assert_allclose(keras.layers.AveragePooling3D((2, 2, 3))(x).numpy(), a.numpy(),
                           rtol=1e-5, atol=1e-6)
clone = keras.layers.Conv3DTranspose.from_config(t.get_config())
assert clone.get_config()["output_padding"] == t.get_config()["output_padding"]

# ConvLSTM2D: one step from zero states, computed by hand
seq = rng.standard_normal((2, 3, 5, 5, 2)).astype(np.float32)
lstm = keras.layers.ConvLSTM2D(4, 3, padding="same", return_sequences=True, return_state=True)
out, h, c = lstm(seq)
assert out.shape == (2, 3, 5, 5, 4) and h.shape == (2, 5, 5, 4) and c.shape == (2, 5, 5, 4)
kernel, recurrent, bias = lstm.get_weights()
assert kernel.shape == (3, 3, 2, 16) and recurrent.shape == (3, 3, 4, 16)
np.testing.assert_allclose(bias, [0.0] * 4 + [1.0] * 4 + [0.0] * 8)  # unit_forget_bias
z = tf.nn.conv2d(seq[:, 0], kernel, 1, "SAME").numpy() + bias
zi, zf, zc, zo = np.split(z, 4, axis=-1)


def sigmoid(v):
    return 1 / (1 + np.exp(-v))


c1 = sigmoid(zi) * np.tanh(zc)
h1 = sigmoid(zo) * np.tanh(c1)
np.testing.assert_allclose(out.numpy()[:, 0], h1, rtol=1e-4, atol=1e-5)
np.testing.assert_allclose(out.numpy()[:, -1], h.numpy(), rtol=1e-6)
config = lstm.get_config()
assert config["filters"] == 4 and tuple(config["kernel_size"]) == (3, 3)
again = keras.layers.ConvLSTM2D.from_config(config)
again(seq)
again.set_weights(lstm.get_weights())
np.testing.assert_allclose(again(seq)[0].numpy(), out.numpy(), rtol=1e-5, atol=1e-6)
assert keras.layers.ConvLSTM1D(3, 2, strides=2)(seq[..., 0, :]).shape == (2, 2, 3)
assert keras.layers.ConvLSTM3D(2, (1, 2, 2))(seq[:, :, None]).shape == (2, 1, 4, 4, 2)

# a small video model trained with fit
keras.utils.set_random_seed(1)
videos = rng.standard_normal((16, 3, 4, 6, 6, 1)).astype(np.float32)
targets = videos.mean(axis=(1, 2, 3, 4, 5))[:, None] * 3.0
model = keras.Sequential([
    keras.Input((3, 4, 6, 6, 1)),
    keras.layers.ConvLSTM3D(3, 2, padding="same", return_sequences=True, dropout=0.1),
    keras.layers.ConvLSTM3D(2, 2, padding="same"),
    keras.layers.MaxPooling3D(2),
    keras.layers.Conv3DTranspose(2, 2, strides=2),
    keras.layers.AveragePooling3D(2, padding="same"),
    keras.layers.Flatten(),
    keras.layers.Dense(1),
])
model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
history = model.fit(videos, targets, batch_size=8, epochs=8, verbose=0)
losses = history.history["loss"]
assert np.isfinite(losses).all() and losses[-1] < losses[0], losses
assert model.predict(videos, verbose=0).shape == (16, 1)
print("ok")
