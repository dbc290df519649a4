"""Scans and sorting: cumsum/cumprod/cumulative_logsumexp, sort, argsort, top_k, in_top_k,
unique, searchsorted and histogram_fixed_width, with their TF arguments and gradients."""
import numpy as np
import tensorflow as tf

x = tf.constant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
np.testing.assert_array_equal(tf.cumsum(x, axis=1).numpy(), [[1, 3, 6], [4, 9, 15]])
np.testing.assert_array_equal(tf.cumsum(x, axis=1, exclusive=True, reverse=True).numpy(),
                              [[5, 3, 0], [11, 6, 0]])
np.testing.assert_array_equal(tf.math.cumprod(x, axis=1, exclusive=True).numpy(),
                              [[1, 1, 2], [1, 4, 20]])
assert tf.cumsum(tf.constant([1, 2, 3])).dtype == tf.int32
lse = tf.math.cumulative_logsumexp(tf.constant([-1000.0, 0.0, 1.0]))
np.testing.assert_allclose(lse.numpy(), [-1000.0, 0.0, np.logaddexp(0.0, 1.0)], rtol=1e-6)

v = tf.Variable([2.0, 1.0, 3.0])
with tf.GradientTape() as tape:
    y = tf.reduce_sum(tf.math.cumprod(v))
np.testing.assert_allclose(tape.gradient(y, v).numpy(), [5.0, 8.0, 2.0])

s = tf.constant([3.0, 1.0, 2.0, 1.0])
np.testing.assert_array_equal(tf.sort(s).numpy(), [1, 1, 2, 3])
np.testing.assert_array_equal(tf.sort(s, direction="DESCENDING").numpy(), [3, 2, 1, 1])
np.testing.assert_array_equal(tf.argsort(s).numpy(), [1, 3, 2, 0])
np.testing.assert_array_equal(tf.argsort(s, direction="DESCENDING", stable=True).numpy(),
                              [0, 2, 1, 3])
np.testing.assert_array_equal(tf.argsort(tf.constant([[3, 1], [1, 2], [2, 0]]), axis=0).numpy(),
                              [[1, 2], [2, 0], [0, 1]])
assert tf.argsort(s).dtype == tf.int32

values, indices = tf.math.top_k(tf.constant([[1.0, 3.0, 3.0, 2.0], [5.0, 1.0, 2.0, 0.0]]), k=2)
np.testing.assert_array_equal(values.numpy(), [[3, 3], [5, 2]])
np.testing.assert_array_equal(indices.numpy(), [[1, 2], [0, 2]])
w = tf.Variable([1.0, 4.0, 2.0])
with tf.GradientTape() as tape:
    top = tf.math.top_k(w, k=2).values
    loss = tf.reduce_sum(top * tf.constant([10.0, 1.0]))
np.testing.assert_array_equal(tape.gradient(loss, w).numpy(), [0.0, 10.0, 1.0])
try:
    tf.math.top_k(tf.constant([1.0, 2.0]), k=3)
    raise AssertionError("top_k with k > n must fail")
except tf.errors.InvalidArgumentError:
    pass

preds = tf.constant([[0.1, 0.3, 0.3, 0.2], [0.5, 0.2, 0.1, 0.4]])
np.testing.assert_array_equal(tf.math.in_top_k([2, 3], preds, 1).numpy(), [True, False])
np.testing.assert_array_equal(tf.math.in_top_k([4, 3], preds, 2).numpy(), [False, True])

y, idx = tf.unique(tf.constant([1, 1, 2, 4, 4, 4, 7, 8, 8]))
np.testing.assert_array_equal(y.numpy(), [1, 2, 4, 7, 8])
np.testing.assert_array_equal(idx.numpy(), [0, 0, 1, 2, 2, 2, 3, 4, 4])
y, idx, count = tf.unique_with_counts(tf.constant([4, 1, 4]), out_idx=tf.int64)
assert idx.dtype == tf.int64 and count.numpy().tolist() == [2, 1]

seq = tf.constant([[0, 3, 9, 9, 10], [1, 2, 3, 4, 5]])
vals = tf.constant([[2, 4, 9], [0, 2, 6]])
np.testing.assert_array_equal(tf.searchsorted(seq, vals).numpy(), [[1, 2, 2], [0, 1, 5]])
np.testing.assert_array_equal(tf.searchsorted(seq, vals, side="right").numpy(),
                              [[1, 2, 4], [0, 2, 5]])
hist = tf.histogram_fixed_width(tf.constant([-1.0, 0.0, 1.5, 2.0, 5.0, 15.0]), [0.0, 5.0], nbins=5)
np.testing.assert_array_equal(hist.numpy(), [2, 1, 1, 0, 2])
edges = tf.histogram_fixed_width(tf.constant([0.1, 0.2, 0.3, 0.7, 0.9]), [0.0, 1.0], nbins=10)
np.testing.assert_array_equal(edges.numpy(), [0, 1, 1, 1, 0, 0, 1, 0, 1, 0])
print("ok")
