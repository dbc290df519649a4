"""TensorArrays carried by AutoGraph's tensor loops and conds (the tf.function guide's pattern),
with gradients through the loop."""
import numpy as np
import tensorflow as tf


@tf.function
def squares(n):
    ta = tf.TensorArray(tf.float32, size=0, dynamic_size=True)
    for i in tf.range(n):
        ta = ta.write(i, tf.cast(i, tf.float32) ** 2)
    return ta.stack()


np.testing.assert_array_equal(squares(tf.constant(4)).numpy(), [0.0, 1.0, 4.0, 9.0])
np.testing.assert_array_equal(squares(tf.constant(2)).numpy(), [0.0, 1.0])


@tf.function
def doubled(x):
    ta = tf.TensorArray(tf.float32, size=tf.shape(x)[0])
    i = 0
    while i < tf.shape(x)[0]:
        ta = ta.write(i, x[i] * 2)
        i += 1
    return ta.stack()


np.testing.assert_array_equal(doubled(tf.constant([1.0, 2.0, 3.0])).numpy(), [2.0, 4.0, 6.0])


@tf.function
def branch(x):
    ta = tf.TensorArray(tf.float32, size=2)
    if tf.reduce_sum(x) > 0:
        ta = ta.write(0, x[0])
    else:
        ta = ta.write(0, -x[0])
    ta = ta.write(1, 0.0)
    return ta.stack()


np.testing.assert_array_equal(branch(tf.constant([1.0, 2.0])).numpy(), [1.0, 0.0])
np.testing.assert_array_equal(branch(tf.constant([-1.0, -2.0])).numpy(), [1.0, 0.0])


@tf.function
def rnn(inputs, w):
    state = tf.zeros([2])
    outs = tf.TensorArray(tf.float32, size=inputs.shape[0])
    for t in tf.range(inputs.shape[0]):
        state = tf.tanh(inputs[t] + state * w)
        outs = outs.write(t, state)
    return tf.transpose(outs.stack())


x = tf.constant([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]])
w = tf.constant(0.5)
with tf.GradientTape() as tape:
    tape.watch(w)
    y = tf.reduce_sum(rnn(x, w))
np.testing.assert_allclose(float(y), 2.3588612, rtol=1e-6)
np.testing.assert_allclose(float(tape.gradient(y, w)), 0.78370345, rtol=1e-5)
print("ok")
