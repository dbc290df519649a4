"""AutoGraph stages if/while/for on tensors as graph control flow: results equal plain eager
Python, loops are not unrolled, and undefined or inconsistent variables are named in errors."""
import numpy as np
import tensorflow as tf


def collatz_steps(n):
    steps = tf.constant(0)
    while n != 1:
        if n % 2 == 0:
            n = n // 2
        else:
            n = 3 * n + 1
        steps += 1
    return steps


def masked_sum(xs, limit):
    total = 0.0
    for x in xs:
        if x < 0.0:
            continue
        if total > limit:
            break
        total += x
    return total


def sign(x):
    if x > 0.0:
        return 1.0
    elif x < 0.0:
        return -1.0
    else:
        return 0.0


def rows(m):
    acc = tf.zeros([3])
    for i in tf.range(tf.shape(m)[0]):
        acc += m[i] * tf.cast(i + 1, tf.float32)
    return acc


for n in (1, 6, 27):
    assert int(tf.function(collatz_steps)(tf.constant(n))) == int(collatz_steps(tf.constant(n)))
xs = tf.constant([1.0, -2.0, 3.0, 5.0, 4.0])
for limit in (2.0, 100.0):
    assert float(tf.function(masked_sum)(xs, tf.constant(limit))) == \
        float(masked_sum(xs, tf.constant(limit)))
for v in (3.0, -2.0, 0.0):
    assert float(tf.function(sign)(tf.constant(v))) == float(sign(tf.constant(v)))
m = tf.constant(np.arange(12, dtype=np.float32).reshape(4, 3))
np.testing.assert_allclose(tf.function(rows)(m).numpy(), rows(m).numpy())
np.testing.assert_allclose(tf.autograph.to_graph(rows)(m).numpy(), rows(m).numpy())


def only_one_branch(x):
    if x > 0.0:
        y = x
    return y


def grows(x):
    s = tf.constant([1.0])
    while tf.reduce_sum(s) < x:
        s = tf.concat([s, s], 0)
    return s


try:
    tf.function(only_one_branch)(tf.constant(1.0))
    raise AssertionError("expected an error")
except ValueError as e:
    assert "'y' must also be initialized in the else branch" in str(e)
try:
    tf.function(grows)(tf.constant(5.0))
    raise AssertionError("expected an error")
except ValueError as e:
    assert "'s' has shape (1,) before the loop, but shape (2,) after one iteration" in str(e)
print("ok")
