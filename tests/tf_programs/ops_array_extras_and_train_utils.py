"""Smaller TF APIs: reverse_sequence, space_to_batch_nd / batch_to_space, shape_n,
histogram_fixed_width_bins, realdiv, bitcast, saturate_cast, unravel_index, the top-level
asserts and initializers, name-scope and tracing queries, timestamp, grad_pass_through,
tf.train.ExponentialMovingAverage / Coordinator / get_checkpoint_state."""
import os
import tempfile
import threading

import numpy as np
import tensorflow as tf

np.testing.assert_array_equal(
    tf.reverse_sequence([[1, 2, 3], [4, 5, 6]], [2, 3], seq_axis=1, batch_axis=0).numpy(),
    [[2, 1, 3], [6, 5, 4]])
x = tf.reshape(tf.range(16.0), (1, 4, 4, 1))
blocks = tf.space_to_batch_nd(x, [2, 2], [[0, 0], [0, 0]])
assert blocks.shape == (4, 2, 2, 1)
np.testing.assert_array_equal(blocks[:, 0, 0, 0].numpy(), [0.0, 1.0, 4.0, 5.0])
np.testing.assert_array_equal(tf.batch_to_space(blocks, [2, 2], [[0, 0], [0, 0]]).numpy(), x.numpy())
padded = tf.space_to_batch(tf.ones((2, 3, 4, 1)), [2, 2], [[1, 0], [0, 0]])
assert padded.shape == (8, 2, 2, 1) and float(tf.reduce_sum(padded)) == 24.0
assert [s.numpy().tolist() for s in tf.shape_n([tf.ones((2, 3)), tf.ones((4,))])] == [[2, 3], [4]]
np.testing.assert_array_equal(
    tf.histogram_fixed_width_bins([-1.0, 0.0, 1.5, 2.0, 5.0, 15.0], [0.0, 5.0], nbins=5).numpy(),
    [0, 0, 1, 2, 4, 4])
assert float(tf.realdiv(3.0, 2.0)) == 1.5
assert int(tf.bitcast(tf.constant(1.0), tf.int32)) == 1065353216
np.testing.assert_array_equal(tf.bitcast(tf.constant([1.0], tf.float32), tf.uint8).numpy(),
                              [[0, 0, 128, 63]])
np.testing.assert_array_equal(tf.saturate_cast([300.0, -5.0], tf.uint8).numpy(), [255, 0])
np.testing.assert_array_equal(tf.dtypes.saturate_cast([3e9], tf.int32).numpy(), [2147483520])
np.testing.assert_array_equal(tf.unravel_index([5, 1], [2, 3]).numpy(), [[1, 0], [2, 1]])

tf.assert_equal(1, 1)
for check, args in ((tf.assert_equal, (1, 2)), (tf.assert_less, (2, 1)),
                    (tf.assert_greater, (1, 2))):
    try:
        check(*args)
        raise AssertionError("expected InvalidArgumentError")
    except tf.errors.InvalidArgumentError:
        pass
try:
    tf.assert_rank(tf.ones((2, 2)), 3)
    raise AssertionError("expected ValueError")
except ValueError:
    pass
np.testing.assert_array_equal(tf.constant_initializer(3.0)([2]).numpy(), [3.0, 3.0])
np.testing.assert_array_equal(tf.ones_initializer()([2], tf.float32).numpy(), [1.0, 1.0])
np.testing.assert_array_equal(tf.zeros_initializer()([2]).numpy(), [0.0, 0.0])
assert tf.random_normal_initializer(0.0, 1.0, seed=1)([3]).shape == (3,)
assert tf.random_uniform_initializer(-1.0, 1.0, seed=1)([3]).shape == (3,)
assert tf.as_string([1.5, 2.0], precision=2).numpy().tolist() == [b"1.50", b"2.00"]

with tf.name_scope("outer"):
    with tf.name_scope("inner"):
        assert tf.get_current_name_scope() == "outer/inner"
assert tf.get_current_name_scope() == ""
assert not tf.inside_function() and not tf.is_symbolic_tensor(tf.constant(1.0))


@tf.function
def traced(v):
    return tf.constant(tf.inside_function()), tf.constant(tf.is_symbolic_tensor(v)), tf.timestamp()


inside, symbolic, t0 = traced(tf.constant(1.0))
assert bool(inside) and bool(symbolic)
_, _, t1 = traced(tf.constant(1.0))
assert t0.dtype == tf.float64 and float(t1) >= float(t0) > 1.7e9  # read when run, not traced
assert isinstance(tf.version.VERSION, str)
assert tf.debugging.is_numeric_tensor(tf.constant(1.0))
assert not tf.debugging.is_numeric_tensor(tf.constant("a"))
assert tf.debugging.assert_same_float_dtype([tf.constant(1.0)]) == tf.float32

v = tf.constant(2.7)
with tf.GradientTape() as tape:
    tape.watch(v)
    y = tf.grad_pass_through(tf.round)(v) * 3.0
assert float(y) == 9.0 and float(tape.gradient(y, v)) == 3.0

w = tf.Variable(1.0)
ema = tf.train.ExponentialMovingAverage(decay=0.5)
ema.apply([w])
w.assign(3.0)
ema.apply([w])
assert float(ema.average(w)) == 2.0
counted = tf.train.ExponentialMovingAverage(decay=0.99, num_updates=0)  # decay min(0.99, 0.1)
u = tf.Variable(0.0)
counted.apply([u])
u.assign(10.0)
counted.apply([u])
np.testing.assert_allclose(float(counted.average(u)), 9.0, rtol=1e-6)
fw = tf.Variable(4.0)
fema = tf.train.ExponentialMovingAverage(decay=0.75)


@tf.function
def train_step():
    fw.assign_add(4.0)
    fema.apply([fw])


train_step()
train_step()
np.testing.assert_allclose(float(fema.average(fw)), 4.0 + 0.25 * 4.0 + 0.25 * (12.0 - 5.0))

coord = tf.train.Coordinator()
seen = []


def worker(n):
    with coord.stop_on_exception():
        while not coord.should_stop():
            seen.append(n)
            if len(seen) > 20:
                coord.request_stop()


threads = [threading.Thread(target=worker, args=(i,)) for i in range(3)]
for t in threads:
    t.start()
coord.join(threads)
assert coord.should_stop()

folder = tempfile.mkdtemp()
assert tf.train.get_checkpoint_state(folder) is None
ckpt = tf.train.Checkpoint(w=w)
path = ckpt.save(os.path.join(folder, "ckpt"))
state = tf.train.get_checkpoint_state(folder)
assert state.model_checkpoint_path == path
assert state.all_model_checkpoint_paths == [path]
print("ok")
