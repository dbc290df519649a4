"""The TF advanced-autodiff guide's forward mode and graph gradients: ForwardAccumulator (also
nested with GradientTape for Hessian-vector products), tf.gradients / tf.hessians in a
tf.function, stop_gradients, unconnected gradients, and the finite sqrt gradient under where."""
import numpy as np
import tensorflow as tf

x = tf.constant([1.0, 2.0, 0.5])
t = tf.constant([0.3, -1.0, 2.0])


def f(a):
    return tf.reduce_sum(tf.sin(a) * a ** 2)


with tf.autodiff.ForwardAccumulator(x, t) as acc:
    y = f(x)
xs = x.numpy()
grad = np.cos(xs) * xs ** 2 + 2 * xs * np.sin(xs)
np.testing.assert_allclose(acc.jvp(y).numpy(), grad @ t.numpy(), rtol=1e-5)

hessian = np.diag(-np.sin(xs) * xs ** 2 + 4 * xs * np.cos(xs) + 2 * np.sin(xs))
with tf.autodiff.ForwardAccumulator(x, t) as acc:  # forward over backward
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    g = tape.gradient(y, x)
np.testing.assert_allclose(acc.jvp(g).numpy(), hessian @ t.numpy(), rtol=1e-5)
with tf.GradientTape() as tape:  # backward over forward
    tape.watch(x)
    with tf.autodiff.ForwardAccumulator(x, t) as acc:
        y = f(x)
    jvp = acc.jvp(y)
np.testing.assert_allclose(tape.gradient(jvp, x).numpy(), hessian @ t.numpy(), rtol=1e-5)

with tf.autodiff.ForwardAccumulator(x, t) as acc:
    doubled, constant = x * 2.0, tf.constant(1.0)
jvps = acc.jvp([doubled, constant])
np.testing.assert_allclose(jvps[0].numpy(), 2.0 * t.numpy())
assert jvps[1] is None
assert float(acc.jvp(constant, unconnected_gradients=tf.UnconnectedGradients.ZERO)) == 0.0
v = tf.Variable([1.0, 2.0])
with tf.autodiff.ForwardAccumulator(primals=[v], tangents=[tf.constant([1.0, 0.0])]) as acc:
    y = tf.reduce_sum(tf.sin(v) * v)
np.testing.assert_allclose(float(acc.jvp(y)), np.sin(1.0) + np.cos(1.0), rtol=1e-6)


@tf.function
def jvp_in_function(a, b):
    with tf.autodiff.ForwardAccumulator(a, b) as acc:
        y = tf.exp(a) * 3.0
    return acc.jvp(y)


np.testing.assert_allclose(jvp_in_function(x, t).numpy(), 3.0 * np.exp(xs) * t.numpy(), rtol=1e-6)


@tf.function
def graph_gradients(a, b):
    y = a * b
    return (tf.gradients(y, [a, b]), tf.gradients(y, a, grad_ys=tf.constant(2.0)),
            tf.gradients(tf.constant(1.0), a), tf.gradients(y + a, a, stop_gradients=[y]),
            tf.gradients(tf.constant(1.0), a, unconnected_gradients="zero"))


both, seeded, unconnected, stopped, zero = graph_gradients(tf.constant(3.0), tf.constant(4.0))
assert [float(g) for g in both] == [4.0, 3.0]
assert [float(g) for g in seeded] == [8.0]
assert unconnected == [None]
assert [float(g) for g in stopped] == [1.0]
assert [float(g) for g in zero] == [0.0]
try:
    tf.gradients(tf.constant(1.0), tf.constant(1.0))
    raise AssertionError("expected RuntimeError")
except RuntimeError as e:
    assert "GradientTape" in str(e)


@tf.function
def hessian_of(a):
    return tf.hessians(tf.reduce_sum(a ** 3) + a[0] * a[1], a)[0]


np.testing.assert_allclose(hessian_of(tf.constant([1.0, 2.0])).numpy(), [[6.0, 1.0], [1.0, 12.0]])

a = tf.constant([0.0, 1.0, 4.0])
with tf.GradientTape() as tape:
    tape.watch(a)
    y = tf.where(a > 0, tf.sqrt(a), 0.0)
np.testing.assert_allclose(tape.gradient(y, a).numpy(), [0.0, 0.5, 0.25])
print("ok")
