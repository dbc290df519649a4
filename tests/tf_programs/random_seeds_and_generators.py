"""tf.random: global and op seeds (eagerly and in tf.function), stateless ops, Generators, and
the categorical / poisson / gamma samplers. Values differ between implementations; the seeding
rules and the distributions do not."""
import numpy as np
import tensorflow as tf


def u(**kwargs):
    return float(tf.random.uniform([], **kwargs))


# the same program after the same global seed draws the same numbers
tf.random.set_seed(1234)
a = [u(), u(), u(seed=1), u(seed=1)]
tf.random.set_seed(1234)
assert [u(), u(), u(seed=1), u(seed=1)] == a and len(set(a)) == 4


@tf.function
def f():
    return tf.random.uniform([]), tf.random.uniform([])


@tf.function
def g():
    return tf.random.uniform([]), tf.random.uniform([])


tf.random.set_seed(1234)
f1 = [float(t) for t in f()]
assert [float(t) for t in g()] == f1  # a tf.function acts like a re-run of the program
assert [float(t) for t in f()] != f1  # but each call draws new numbers
tf.random.set_seed(1234)
assert [float(t) for t in f()] == f1

# stateless ops: functions of the seed
s1 = tf.random.stateless_normal([4], seed=[1, 2])
np.testing.assert_array_equal(s1.numpy(), tf.random.stateless_normal([4], seed=[1, 2]).numpy())
assert not np.array_equal(s1.numpy(), tf.random.stateless_normal([4], seed=[2, 1]).numpy())
ints = tf.random.stateless_uniform([500], seed=[3, 4], minval=0, maxval=10, dtype=tf.int32)
assert ints.dtype == tf.int32 and ints.numpy().min() >= 0 and ints.numpy().max() <= 9
cats = tf.random.stateless_categorical(tf.math.log([[0.5, 0.5]]), 8, seed=[5, 6])
assert cats.shape == (1, 8) and cats.dtype == tf.int64

# Generators
gen = tf.random.Generator.from_seed(42)
x1, x2 = gen.normal([3]), gen.normal([3])
assert not np.array_equal(x1.numpy(), x2.numpy())
np.testing.assert_array_equal(tf.random.Generator.from_seed(42).normal([3]).numpy(), x1.numpy())
assert gen.uniform([5], minval=0, maxval=3, dtype=tf.int64).dtype == tf.int64
assert gen.make_seeds(2).shape == (2, 2)
assert len(gen.split(3)) == 3


@tf.function
def noise():
    return gen.uniform([2])


assert not np.array_equal(noise().numpy(), noise().numpy())
assert tf.random.Generator.from_non_deterministic_state().normal([2, 2]).shape == (2, 2)

# samplers
tf.random.set_seed(7)
draws = tf.random.categorical(tf.math.log([[0.25, 0.75]]), 4000)
assert draws.dtype == tf.int64 and abs(float(tf.reduce_mean(tf.cast(draws, tf.float32))) - 0.75) < 0.03
counts = tf.random.poisson([5000], [2.0, 8.0])
assert counts.shape == (5000, 2)
np.testing.assert_allclose(tf.reduce_mean(counts, 0).numpy(), [2.0, 8.0], rtol=0.05)
shuffled = tf.random.shuffle(tf.range(10))
assert sorted(shuffled.numpy().tolist()) == list(range(10))
alpha = tf.Variable([2.0, 5.0])
with tf.GradientTape() as tape:
    mean = tf.reduce_mean(tf.random.gamma([5000], alpha, beta=2.0), axis=0)
np.testing.assert_allclose(mean.numpy(), [1.0, 2.5], rtol=0.05)
np.testing.assert_allclose(tape.gradient(mean, alpha).numpy(), [0.5, 0.5], rtol=0.06)
print("ok")
