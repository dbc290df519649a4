"""One traced tf.function called from many threads at once (with a Session-free compiled graph,
casts through bool and small integer types): every call equals the same computation run eagerly."""
import threading

import numpy as np
import tensorflow as tf

w = tf.constant(np.random.default_rng(0).standard_normal((64, 8)).astype(np.float32))


def model(x):
    h = tf.tanh(x * 1.5 + 0.25)
    mask = tf.cast(tf.cast(x, tf.bool), tf.float32)          # x != 0 as 1.0
    small = tf.cast(tf.cast(tf.abs(x) * 10.0, tf.uint8), tf.int32)  # truncated, then widened
    return (tf.matmul(h * mask, w), tf.reduce_sum(small, axis=1),
            tf.logical_and(tf.cast(x, tf.bool), x > 0.0))


f = tf.function(model)
inputs = [np.random.default_rng(k).standard_normal((128, 64)).astype(np.float32) for k in range(8)]
for x in inputs:
    x[:, :3] = 0.0
wants = [[t.numpy() for t in model(tf.constant(x))] for x in inputs]
f(tf.constant(inputs[0]))
errors = []


def work(i):
    try:
        for _ in range(25):
            got = [t.numpy() for t in f(tf.constant(inputs[i]))]
            np.testing.assert_allclose(got[0], wants[i][0], rtol=1e-5, atol=1e-5)
            np.testing.assert_array_equal(got[1], wants[i][1])
            np.testing.assert_array_equal(got[2], wants[i][2])
    except Exception as e:  # noqa: BLE001 - reported by the main thread
        errors.append(e)


threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
assert not errors, errors[0]
assert wants[0][2].dtype == np.bool_ and not wants[0][2][:, :3].any()
assert (wants[0][1] >= 0).all()
print("ok")
