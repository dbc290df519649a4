"""tf.cond / tf.switch_case / tf.case: eagerly and in tf.function, branch structures, variables
in branches, gradients (first and second order)."""
import numpy as np
import tensorflow as tf


def relu_or_square(x):
    return tf.cond(tf.reduce_sum(x) > 0, lambda: tf.nn.relu(x), lambda: x * x)


f = tf.function(relu_or_square)
for x in ([1.0, -0.5], [-1.0, -2.0]):
    np.testing.assert_allclose(f(tf.constant(x)).numpy(), relu_or_square(tf.constant(x)).numpy())

# branches may return structures (and Python numbers); shapes may differ between branches
g = tf.function(lambda p: tf.cond(p, lambda: {"a": tf.ones([2]), "n": 1},
                                  lambda: {"a": tf.zeros([3]), "n": 2}))
out = g(tf.constant(False))
assert out["a"].shape == (3,) and int(out["n"]) == 2
assert g.get_concrete_function(tf.TensorSpec([], tf.bool)).structured_outputs["a"].shape.as_list() \
    == [None]

# switch_case: an out-of-range index runs the default
pick = tf.function(lambda i: tf.switch_case(i, [lambda: tf.constant(10), lambda: tf.constant(20)],
                                            default=lambda: tf.constant(-1)))
assert [int(pick(tf.constant(i))) for i in (0, 1, 5)] == [10, 20, -1]
x = tf.constant(3)
assert int(tf.case([(x < 0, lambda: tf.constant(-1)), (x < 5, lambda: tf.constant(5))],
                   default=lambda: tf.constant(0))) == 5

# variables read and assigned in branches
v = tf.Variable(2.0)


@tf.function
def update(p):
    return tf.cond(p, lambda: v.assign_add(1.0) * 1.0, lambda: v * 10.0)


assert float(update(tf.constant(True))) == 3.0
assert float(update(tf.constant(False))) == 30.0
assert float(v) == 3.0

# gradients through cond, inside and around a function
w = tf.Variable(1.5)


@tf.function
def loss_and_grad(p):
    with tf.GradientTape() as tape:
        y = tf.cond(p, lambda: w * w * w, lambda: tf.sin(w))
    return y, tape.gradient(y, w)


_, dw = loss_and_grad(tf.constant(True))
np.testing.assert_allclose(dw.numpy(), 3 * 1.5 ** 2, rtol=1e-5)
_, dw = loss_and_grad(tf.constant(False))
np.testing.assert_allclose(dw.numpy(), np.cos(1.5), rtol=1e-5)
with tf.GradientTape() as tape:
    y = f(w * tf.constant([1.0, 2.0]))
np.testing.assert_allclose(tape.gradient(y, w).numpy(), 3.0, rtol=1e-5)


@tf.function
def second(x):
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = tf.cond(x > 0, lambda: x ** 3, lambda: x)
        dy = inner.gradient(y, x)
    return outer.gradient(dy, x)


np.testing.assert_allclose(second(tf.constant(2.0)).numpy(), 12.0, rtol=1e-5)

# errors: branch outputs of different types
try:
    tf.function(lambda p: tf.cond(p, lambda: tf.constant(1.0), lambda: tf.constant(1)))(
        tf.constant(True))
    raise AssertionError("expected an error")
except (TypeError, ValueError) as e:
    assert "must have the same number, type, and overall structure" in str(e)
print("ok")
