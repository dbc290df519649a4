"""tf.function: tracing per signature, Python side effects at trace time, input_signature."""
import numpy as np
import tensorflow as tf

traces = []


@tf.function
def f(x, y):
    traces.append(1)
    return tf.nn.relu(x) * y + 1.0


np.testing.assert_allclose(f(tf.constant([-1.0, 2.0]), tf.constant(3.0)).numpy(), [1.0, 7.0])
f(tf.constant([5.0, 6.0]), tf.constant(1.0))
assert len(traces) == 1          # same signature: no retrace
f(tf.constant([1.0, 2.0, 3.0]), tf.constant(1.0))
assert len(traces) == 2          # new shape: retrace


@tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
def g(x):
    return tf.reduce_sum(x * x)


assert float(g(tf.constant([1.0, 2.0]))) == 5.0
assert float(g(tf.constant([1.0, 2.0, 3.0]))) == 14.0

v = tf.Variable(1.0)


@tf.function
def step(d):
    v.assign_add(d)
    return v * 2.0


assert float(step(tf.constant(2.0))) == 6.0
assert float(v) == 3.0

# gradients through a function
w = tf.Variable([1.0, -2.0])
with tf.GradientTape() as tape:
    out = g(w)
np.testing.assert_allclose(tape.gradient(out, w).numpy(), [2.0, -4.0])
print("ok")
