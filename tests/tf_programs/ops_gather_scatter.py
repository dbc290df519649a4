"""Gathers and scatters: gather with batch_dims and TF's index errors, gather_nd, scatter_nd,
tensor_scatter_nd_*, boolean_mask, where(condition) and nn.embedding_lookup, with gradients."""
import numpy as np
import tensorflow as tf

p = tf.constant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
np.testing.assert_array_equal(tf.gather(p, [[2, 0], [1, 1]], axis=1, batch_dims=1).numpy(),
                              [[3, 1], [5, 5]])
q = tf.reshape(tf.range(24.0), (2, 3, 4))
np.testing.assert_array_equal(tf.gather(q, [[0, 3], [1, 2]], axis=2, batch_dims=1).numpy(),
                              [[[0, 3], [4, 7], [8, 11]], [[13, 14], [17, 18], [21, 22]]])
for bad in ([3], [-1]):
    try:
        tf.gather(tf.constant([1.0, 2.0, 3.0]), bad)
        raise AssertionError("an out-of-range gather index must fail")
    except tf.errors.InvalidArgumentError:
        pass

np.testing.assert_array_equal(tf.gather_nd(p, [[0, 1], [1, 2]]).numpy(), [2, 6])
np.testing.assert_array_equal(tf.gather_nd(p, [[1], [0]]).numpy(), [[4, 5, 6], [1, 2, 3]])
np.testing.assert_array_equal(tf.gather_nd(q, [[1], [2]], batch_dims=1).numpy(),
                              [[4, 5, 6, 7], [20, 21, 22, 23]])
v = tf.Variable(p)
with tf.GradientTape() as tape:
    loss = tf.reduce_sum(tf.gather_nd(v, [[0, 1], [0, 1], [1, 0]]))
np.testing.assert_array_equal(tape.gradient(loss, v).numpy(), [[0, 2, 0], [1, 0, 0]])

np.testing.assert_array_equal(tf.scatter_nd([[4], [3], [1], [7]], [9, 10, 11, 12], [8]).numpy(),
                              [0, 11, 0, 10, 9, 0, 0, 12])
np.testing.assert_array_equal(tf.scatter_nd([[1], [1]], [1.0, 2.0], [3]).numpy(), [0, 3, 0])
t = tf.constant([1.0, 2.0, 3.0, 4.0])
idx, upd = [[1], [1], [3]], [10.0, -5.0, 0.0]
np.testing.assert_array_equal(tf.tensor_scatter_nd_add(t, idx, upd).numpy(), [1, 7, 3, 4])
np.testing.assert_array_equal(tf.tensor_scatter_nd_sub(t, idx, upd).numpy(), [1, -3, 3, 4])
np.testing.assert_array_equal(tf.tensor_scatter_nd_max(t, idx, upd).numpy(), [1, 10, 3, 4])
np.testing.assert_array_equal(tf.tensor_scatter_nd_min(t, idx, upd).numpy(), [1, -5, 3, 0])
np.testing.assert_array_equal(tf.tensor_scatter_nd_update(t, [[0], [2]], [7.0, 8.0]).numpy(),
                              [7, 2, 8, 4])
try:
    tf.tensor_scatter_nd_update(t, [[4]], [1.0])
    raise AssertionError("an index outside the tensor must fail")
except tf.errors.InvalidArgumentError:
    pass
x = tf.constant([1.0, 2.0, 3.0])
u = tf.constant([10.0, 0.5])
with tf.GradientTape(persistent=True) as tape:
    tape.watch([x, u])
    y = tf.tensor_scatter_nd_max(x, [[1], [2]], u)
    loss = tf.reduce_sum(y * tf.constant([1.0, 2.0, 3.0]))
np.testing.assert_array_equal(tape.gradient(loss, x).numpy(), [1, 0, 3])
np.testing.assert_array_equal(tape.gradient(loss, u).numpy(), [2, 0])

np.testing.assert_array_equal(tf.boolean_mask(p, [True, False]).numpy(), [[1, 2, 3]])
np.testing.assert_array_equal(tf.boolean_mask(p, [[True, False, True], [False, True, False]]).numpy(),
                              [1, 3, 5])
np.testing.assert_array_equal(tf.boolean_mask(p, [True, False, True], axis=1).numpy(),
                              [[1, 3], [4, 6]])
np.testing.assert_array_equal(tf.where([[True, False], [False, True]]).numpy(), [[0, 0], [1, 1]])
assert tf.where([3, 0, -1]).dtype == tf.int64

table = tf.constant([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]])
np.testing.assert_array_equal(tf.nn.embedding_lookup(table, [[2, 0]]).numpy(), [[[4, 5], [0, 1]]])
shards = [tf.constant([[0.0], [1.0]]), tf.constant([[2.0]]), tf.constant([[3.0]])]
np.testing.assert_array_equal(tf.nn.embedding_lookup(shards, [0, 1, 2, 3]).numpy(),
                              [[0], [1], [2], [3]])
clipped = tf.nn.embedding_lookup(tf.constant([[3.0, 4.0], [0.3, 0.4]]), [0, 1], max_norm=1.0)
np.testing.assert_allclose(clipped.numpy(), [[0.6, 0.8], [0.3, 0.4]], rtol=1e-6)
print("ok")
