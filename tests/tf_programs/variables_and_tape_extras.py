"""Variables and GradientTape extras: sliced assignment, scatter updates, constraints and
aggregation, tf.custom_gradient (eager and in tf.function), batch_jacobian, recompute_grad."""
import numpy as np
import tensorflow as tf

v = tf.Variable([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
v[0, 1].assign(9.0)
v[:, 0].assign([7.0, 8.0])
v[1].assign(v[1] + 1.0)
np.testing.assert_allclose(v.numpy(), [[7.0, 9.0, 3.0], [9.0, 6.0, 7.0]])


@tf.function
def set_corner(value):
    v[1, 2].assign(value)
    return v[1, 2]


assert float(set_corner(tf.constant(100.0))) == 100.0

w = tf.Variable([1.0, 2.0, 3.0, 4.0])
w.scatter_nd_update([[1], [3]], [10.0, 30.0])
w.scatter_nd_add([[0]], [5.0])
w.scatter_update(tf.IndexedSlices(tf.constant([7.0]), tf.constant([2])))
np.testing.assert_allclose(w.numpy(), [6.0, 10.0, 7.0, 30.0])

c = tf.Variable([5.0, -3.0], constraint=lambda t: tf.clip_by_value(t, 0.0, 1.0))
assert c.constraint is not None
a = tf.Variable(1.0, aggregation=tf.VariableAggregation.MEAN,
                synchronization=tf.VariableSynchronization.ON_READ, trainable=False)
assert a.aggregation == tf.VariableAggregation.MEAN


@tf.custom_gradient
def log1pexp(x):
    e = tf.exp(x)

    def grad(upstream):
        return upstream * (1 - 1 / (1 + e))
    return tf.math.log(1 + e), grad


x = tf.constant(100.0)
with tf.GradientTape() as tape:
    tape.watch(x)
    y = log1pexp(x)
assert float(tape.gradient(y, x)) == 1.0


@tf.function
def grad_in_function(x):
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = log1pexp(x)
    return tape.gradient(y, x)


assert float(grad_in_function(tf.constant(0.0))) == 0.5

xb = tf.constant([[1.0, 2.0], [3.0, 4.0]])
with tf.GradientTape(persistent=True) as tape:
    tape.watch(xb)
    yb = xb * xb
jac = tape.batch_jacobian(yb, xb)
assert jac.shape == (2, 2, 2)
np.testing.assert_allclose(jac.numpy()[1], [[6.0, 0.0], [0.0, 8.0]])
full = tape.jacobian(yb, xb, experimental_use_pfor=False)
assert full.shape == (2, 2, 2, 2)

f = tf.recompute_grad(lambda t: tf.sin(t) * t)
x = tf.constant(1.0)
with tf.GradientTape() as tape:
    tape.watch(x)
    y = f(x)
np.testing.assert_allclose(float(tape.gradient(y, x)), np.cos(1.0) + np.sin(1.0), rtol=1e-6)
print("ok")
