"""tf.while_loop: data-dependent trip counts, nested loop variables, maximum_iterations, shape
invariants, effects in the body, gradients through the loop."""
import numpy as np
import tensorflow as tf


@tf.function
def collatz_steps(n):
    return tf.while_loop(lambda n, k: n > 1,
                         lambda n, k: (tf.where(n % 2 == 0, n // 2, 3 * n + 1), k + 1), (n, 0))[1]


assert int(collatz_steps(tf.constant(27))) == 111
assert int(collatz_steps(tf.constant(1))) == 0

# nested structures and maximum_iterations
i, state = tf.while_loop(lambda i, s: True,
                         lambda i, s: (i + 1, {"x": s["x"] * 2.0, "h": [s["h"][0] + 1]}),
                         (0, {"x": tf.constant(1.0), "h": [tf.constant(0)]}),
                         maximum_iterations=4)
assert int(i) == 4 and float(state["x"]) == 16.0 and int(state["h"][0]) == 4

# a growing loop variable needs a shape invariant
grow = tf.function(lambda x: tf.while_loop(lambda v: tf.size(v) < 8, lambda v: tf.concat([v, v], 0),
                                           [x], shape_invariants=[tf.TensorShape([None])])[0])
np.testing.assert_array_equal(grow(tf.constant([1, 2])).numpy(), [1, 2] * 4)
try:
    tf.function(lambda x: tf.while_loop(lambda v: tf.size(v) < 8, lambda v: tf.concat([v, v], 0),
                                        [x]))(tf.constant([1, 2]))
    raise AssertionError("expected an error")
except ValueError as e:
    assert "after one iteration" in str(e) and "shape_invariants" in str(e)

# variables assigned in the body
total = tf.Variable(0)


@tf.function
def accumulate(n):
    def body(i):
        total.assign_add(i)
        return i + 1
    return tf.while_loop(lambda i: i < n, body, [0])


accumulate(tf.constant(5))
assert int(total) == 10

# gradients: y <- y * w + 1 three times
w = tf.Variable(0.9)


@tf.function
def grads(x, n):
    with tf.GradientTape() as tape:
        tape.watch(x)
        _, y = tf.while_loop(lambda i, y: i < n, lambda i, y: (i + 1, y * w + 1.0), (0, x))
    return tape.gradient(y, [w, x])


gw, gx = grads(tf.constant(2.0), tf.constant(3))
np.testing.assert_allclose(gw.numpy(), 6 * 0.81 + 1.8 + 1, rtol=1e-5)
np.testing.assert_allclose(gx.numpy(), 0.9 ** 3, rtol=1e-5)
print("ok")
