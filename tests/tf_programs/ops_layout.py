"""Shape and layout ops: repeat, reverse, roll, sequence_mask, meshgrid, linalg band_part /
diag / diag_part / set_diag, eye with a batch shape, broadcast shapes, ensure_shape,
identity_n and zeros_like / ones_like with a dtype."""
import numpy as np
import tensorflow as tf

p = tf.constant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
np.testing.assert_array_equal(tf.repeat(p, 2).numpy(), np.repeat(p.numpy(), 2))
np.testing.assert_array_equal(tf.repeat(p, [1, 2], axis=0).numpy(),
                              [[1, 2, 3], [4, 5, 6], [4, 5, 6]])
np.testing.assert_array_equal(tf.repeat(p, [0, 1, 2], axis=-1).numpy(), [[2, 3, 3], [5, 6, 6]])
np.testing.assert_array_equal(tf.reverse(p, [-1, 0]).numpy(), [[6, 5, 4], [3, 2, 1]])
np.testing.assert_array_equal(tf.roll(p, 1, 1).numpy(), [[3, 1, 2], [6, 4, 5]])
np.testing.assert_array_equal(tf.roll(p, [1, -1], [0, 1]).numpy(), [[5, 6, 4], [2, 3, 1]])
np.testing.assert_array_equal(tf.roll(p, [1, 1], [1, 1]).numpy(), [[2, 3, 1], [5, 6, 4]])

np.testing.assert_array_equal(tf.sequence_mask([1, 3, 2], 5).numpy(),
                              [[1, 0, 0, 0, 0], [1, 1, 1, 0, 0], [1, 1, 0, 0, 0]])
np.testing.assert_array_equal(tf.sequence_mask([1, 3, 2]).numpy(),
                              [[1, 0, 0], [1, 1, 1], [1, 1, 0]])
m = tf.sequence_mask([[1, 3], [2, 0]], dtype=tf.float32)
assert m.dtype == tf.float32 and m.shape == (2, 2, 3)

xs, ys = tf.meshgrid([1, 2, 3], [4, 5])
np.testing.assert_array_equal(xs.numpy(), [[1, 2, 3], [1, 2, 3]])
np.testing.assert_array_equal(ys.numpy(), [[4, 4, 4], [5, 5, 5]])
grids = tf.meshgrid([1, 2, 3], [4, 5], [6, 7, 8, 9], indexing="ij")
assert [g.shape for g in grids] == [(3, 2, 4)] * 3

ones = tf.ones((4, 4))
np.testing.assert_array_equal(tf.linalg.band_part(ones, 1, -1).numpy(),
                              [[1, 1, 1, 1], [1, 1, 1, 1], [0, 1, 1, 1], [0, 0, 1, 1]])
np.testing.assert_array_equal(tf.linalg.band_part(ones, -1, 0).numpy(), np.tril(np.ones((4, 4))))
x = tf.constant(np.arange(1, 13, dtype=np.float32).reshape(3, 4))
np.testing.assert_array_equal(tf.linalg.diag_part(x).numpy(), [1, 6, 11])
np.testing.assert_array_equal(tf.linalg.diag_part(x, k=1).numpy(), [2, 7, 12])
np.testing.assert_array_equal(tf.linalg.diag_part(x, k=(-1, 1)).numpy(),
                              [[2, 7, 12], [1, 6, 11], [5, 10, 0]])
np.testing.assert_array_equal(tf.linalg.diag_part(x, k=(-1, 1), align="LEFT_LEFT",
                                                  padding_value=9).numpy(),
                              [[2, 7, 12], [1, 6, 11], [5, 10, 9]])
np.testing.assert_array_equal(tf.linalg.diag([1.0, 2.0], k=1).numpy(),
                              [[0, 1, 0], [0, 0, 2], [0, 0, 0]])
np.testing.assert_array_equal(tf.linalg.diag([[1.0, 2.0, 3.0], [4.0, 5.0, 0.0]], k=(-1, 0)).numpy(),
                              [[1, 0, 0], [4, 2, 0], [0, 5, 3]])
np.testing.assert_array_equal(tf.linalg.set_diag(x, [0.0, 0.0, 0.0], k=1).numpy(),
                              [[1, 0, 3, 4], [5, 6, 0, 8], [9, 10, 11, 0]])
v = tf.Variable(x)
with tf.GradientTape() as tape:
    loss = tf.reduce_sum(tf.linalg.diag_part(v, k=(0, 1)) * tf.constant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]))
np.testing.assert_array_equal(tape.gradient(loss, v).numpy(),
                              [[4, 1, 0, 0], [0, 5, 2, 0], [0, 0, 6, 3]])

assert tf.eye(2, 3, batch_shape=[4]).shape == (4, 2, 3)
np.testing.assert_array_equal(tf.broadcast_dynamic_shape([1, 3], [2, 1]).numpy(), [2, 3])
assert tf.broadcast_static_shape(tf.TensorShape([None, 3]), tf.TensorShape([2, 1])).as_list() == [2, 3]
assert tf.ensure_shape(p, [2, None]).shape == (2, 3)
try:
    tf.ensure_shape(p, [3, None])
    raise AssertionError("ensure_shape must reject a mismatching shape")
except tf.errors.InvalidArgumentError:
    pass
a, b = tf.identity_n([p, tf.constant(1)])
assert b.numpy() == 1 and a.shape == (2, 3)
assert tf.zeros_like(p, dtype=tf.int32).dtype == tf.int32
np.testing.assert_array_equal(tf.ones_like(tf.constant([True, False]), dtype=tf.float32).numpy(),
                              [1.0, 1.0])
print("ok")
