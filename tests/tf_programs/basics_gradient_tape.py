"""GradientTape: variables, watched constants, persistent tapes, higher-order gradients."""
import numpy as np
import tensorflow as tf

x = tf.Variable(3.0)
with tf.GradientTape() as tape:
    y = x ** 2
assert float(tape.gradient(y, x)) == 6.0

w = tf.Variable(tf.random.normal((3, 2)), name="w")
b = tf.Variable(tf.zeros(2, dtype=tf.float32), name="b")
xs = [[1.0, 2.0, 3.0]]
with tf.GradientTape(persistent=True) as tape:
    y = tf.matmul(xs, w) + b
    loss = tf.reduce_mean(y ** 2)
dl_dw, dl_db = tape.gradient(loss, [w, b])
assert dl_dw.shape == w.shape and dl_db.shape == b.shape
np.testing.assert_allclose(dl_db.numpy(), (y.numpy()[0]), rtol=1e-5)  # d mean(y^2)/db = y
np.testing.assert_allclose(dl_dw.numpy(), np.outer(xs[0], y.numpy()[0]), rtol=1e-5)
del tape

c = tf.constant(2.0)
with tf.GradientTape() as tape:
    tape.watch(c)
    z = tf.sin(c)
np.testing.assert_allclose(float(tape.gradient(z, c)), np.cos(2.0), rtol=1e-6)

with tf.GradientTape() as outer:
    with tf.GradientTape() as inner:
        y = x * x * x
    dy = inner.gradient(y, x)
d2y = outer.gradient(dy, x)
assert float(dy) == 27.0 and float(d2y) == 18.0

# gradient of an unconnected source is None
with tf.GradientTape() as tape:
    y = x * 2.0
assert tape.gradient(y, b) is None
print("ok")
