"""tf.TensorArray: eager and in tf.function, as a while_loop variable, and an RNN whose
gradient flows through its writes and reads."""
import numpy as np
import tensorflow as tf

ta = tf.TensorArray(tf.float32, size=3)
ta = ta.write(0, 1.0).write(2, 3.0)
np.testing.assert_array_equal(ta.stack().numpy(), [1.0, 0.0, 3.0])   # unwritten: zeros
ta = tf.TensorArray(tf.float32, size=3).unstack([1.0, 2.0, 3.0])
np.testing.assert_array_equal(ta.gather([2, 0]).numpy(), [3.0, 1.0])
grown = tf.TensorArray(tf.int32, size=0, dynamic_size=True).write(2, 7)
assert int(grown.size()) == 3


@tf.function
def squares(n):
    ta = tf.TensorArray(tf.float32, size=n)
    _, ta = tf.while_loop(lambda i, ta: i < n,
                          lambda i, ta: (i + 1, ta.write(i, tf.cast(i * i, tf.float32))), (0, ta))
    return ta.stack()


np.testing.assert_array_equal(squares(tf.constant(4)).numpy(), [0.0, 1.0, 4.0, 9.0])

rng = np.random.default_rng(0)
x = tf.constant(rng.standard_normal((5, 2, 3)), tf.float32)
w = tf.Variable(rng.standard_normal((3, 4)) * 0.3, dtype=tf.float32)
u = tf.Variable(rng.standard_normal((4, 4)) * 0.3, dtype=tf.float32)


@tf.function
def rnn_loss(x):
    xs = tf.TensorArray(tf.float32, size=5).unstack(x)
    outs = tf.TensorArray(tf.float32, size=5)

    def body(t, h, outs):
        h = tf.tanh(tf.matmul(xs.read(t), w) + tf.matmul(h, u))
        return t + 1, h, outs.write(t, h)
    _, h, outs = tf.while_loop(lambda t, h, o: t < 5, body, (0, tf.zeros([2, 4]), outs))
    return tf.reduce_mean(outs.stack() ** 2)


def unrolled_loss(x):
    h, outs = tf.zeros([2, 4]), []
    for t in range(5):
        h = tf.tanh(tf.matmul(x[t], w) + tf.matmul(h, u))
        outs.append(h)
    return tf.reduce_mean(tf.stack(outs) ** 2)


with tf.GradientTape(persistent=True) as tape:
    a = rnn_loss(x)
    b = unrolled_loss(x)
np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5)
for ga, gb in zip(tape.gradient(a, [w, u]), tape.gradient(b, [w, u])):
    np.testing.assert_allclose(ga.numpy(), gb.numpy(), rtol=1e-4, atol=1e-6)
print("ok")
