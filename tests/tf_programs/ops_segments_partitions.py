"""Segment reductions (sorted and unsorted), dynamic_partition and dynamic_stitch, including
TF's values for empty segments, dropped negative ids and the gradients."""
import numpy as np
import tensorflow as tf

d = tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]])
ids = [0, 0, 2, 2]
np.testing.assert_array_equal(tf.math.segment_sum(d, ids).numpy(), [[4, 6], [0, 0], [12, 14]])
np.testing.assert_array_equal(tf.math.segment_mean(d, ids).numpy(), [[2, 3], [0, 0], [6, 7]])
np.testing.assert_array_equal(tf.math.segment_max(d, ids).numpy(), [[3, 4], [0, 0], [7, 8]])
np.testing.assert_array_equal(tf.math.segment_min(d, ids).numpy(), [[1, 2], [0, 0], [5, 6]])
np.testing.assert_array_equal(tf.math.segment_prod(d, ids).numpy(), [[3, 8], [1, 1], [35, 48]])
np.testing.assert_array_equal(tf.math.segment_mean(tf.constant([-3, 0]), [0, 0]).numpy(), [-1])
try:
    tf.math.segment_sum(d, [1, 0, 2, 2])
    raise AssertionError("unsorted segment ids must fail")
except tf.errors.InvalidArgumentError:
    pass

ids = [2, 0, 2, -1]
np.testing.assert_array_equal(tf.math.unsorted_segment_sum(d, ids, num_segments=4).numpy(),
                              [[3, 4], [0, 0], [6, 8], [0, 0]])
np.testing.assert_array_equal(tf.math.unsorted_segment_mean(d, ids, 4).numpy(),
                              [[3, 4], [0, 0], [3, 4], [0, 0]])
lowest = np.finfo(np.float32).min
np.testing.assert_array_equal(tf.math.unsorted_segment_max(d, ids, 4).numpy(),
                              [[3, 4], [lowest, lowest], [5, 6], [lowest, lowest]])
np.testing.assert_array_equal(tf.math.unsorted_segment_prod(d, ids, 4).numpy(),
                              [[3, 4], [1, 1], [5, 12], [1, 1]])
np.testing.assert_array_equal(
    tf.math.unsorted_segment_sum(d, [[0, 1], [1, 1], [0, 0], [2, 2]], num_segments=3).numpy(),
    [12, 9, 15])
assert tf.math.unsorted_segment_mean(tf.constant([1, 2]), [0, 0], 1).dtype == tf.float64

v = tf.Variable([1.0, 3.0, 3.0, 2.0])
with tf.GradientTape() as tape:
    y = tf.math.unsorted_segment_max(v, [0, 0, 0, 1], 2)
    loss = tf.reduce_sum(y * tf.constant([1.0, 2.0]))
np.testing.assert_array_equal(tape.gradient(loss, v).numpy(), [0.0, 0.5, 0.5, 2.0])
z = tf.Variable([1.0, 0.0, 3.0, 2.0, 0.0, 0.0])
with tf.GradientTape() as tape:
    y = tf.math.segment_prod(z, [0, 0, 0, 1, 2, 2])
    loss = tf.reduce_sum(y * tf.constant([1.0, 2.0, 3.0]))
np.testing.assert_array_equal(tape.gradient(loss, z).numpy(), [0, 3, 0, 2, 0, 0])

parts = tf.dynamic_partition(tf.constant([10, 20, 30, 40, 50]), [0, 0, 1, 1, 0], 2)
np.testing.assert_array_equal(parts[0].numpy(), [10, 20, 50])
np.testing.assert_array_equal(parts[1].numpy(), [30, 40])
parts = tf.dynamic_partition(d, [[1, 0], [0, 0], [1, 1], [0, 1]], 2)
np.testing.assert_array_equal(parts[0].numpy(), [2, 3, 4, 7])
stitched = tf.dynamic_stitch([[6], [4, 1], [[5, 2], [0, 3]]],
                             [[61.0], [41.0, 11.0], [[51.0, 21.0], [1.0, 31.0]]])
np.testing.assert_array_equal(stitched.numpy(), [1, 11, 21, 31, 41, 51, 61])
np.testing.assert_array_equal(tf.dynamic_stitch([[0, 3]], [[1.0, 2.0]]).numpy(), [1, 0, 0, 2])

data = tf.Variable([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
with tf.GradientTape() as tape:
    a, b = tf.dynamic_partition(data, [1, 0, 1], 2)
    loss = tf.reduce_sum(a * 2.0) + tf.reduce_sum(b * tf.constant([[1.0, -1.0], [3.0, 5.0]]))
np.testing.assert_array_equal(tape.gradient(loss, data).numpy(), [[1, -1], [2, 2], [3, 5]])
print("ok")
