"""Tensors, dtypes, broadcasting and NumPy interop (the TF guide's "Introduction to tensors")."""
import numpy as np
import tensorflow as tf

a = tf.constant([[1, 2], [3, 4]])
b = tf.ones([2, 2], dtype=tf.int32)
assert a.dtype == tf.int32 and a.shape == (2, 2)
np.testing.assert_array_equal((a + b).numpy(), [[2, 3], [4, 5]])
np.testing.assert_array_equal(tf.matmul(a, b).numpy(), [[3, 3], [7, 7]])
np.testing.assert_array_equal((a * b).numpy(), a.numpy())

x = tf.constant([1.0, 2.0, 3.0])
assert x.dtype == tf.float32
assert float(tf.reduce_sum(x)) == 6.0
assert float(tf.reduce_max(x)) == 3.0
assert int(tf.argmax(x)) == 2
np.testing.assert_allclose(tf.nn.softmax(x).numpy().sum(), 1.0, rtol=1e-6)

# broadcasting
m = tf.reshape(tf.range(6, dtype=tf.float32), [2, 3])
np.testing.assert_array_equal((m + tf.constant([10.0, 20.0, 30.0])).numpy(),
                              [[10, 21, 32], [13, 24, 35]])
# casting and NumPy interop
c = tf.cast(tf.constant([1.7, -1.7]), tf.int32)
np.testing.assert_array_equal(c.numpy(), [1, -1])
assert np.add(tf.constant([1.0]), 1.0)[0] == 2.0
assert tf.convert_to_tensor(np.arange(3)).dtype == tf.int64

# indexing and slicing
r = tf.range(10)
np.testing.assert_array_equal(r[2:5].numpy(), [2, 3, 4])
np.testing.assert_array_equal(r[::-3].numpy(), [9, 6, 3, 0])
np.testing.assert_array_equal(m[:, 1].numpy(), [1.0, 4.0])
assert m[1, 2].numpy() == 5.0

# shapes
t = tf.zeros([3, 2, 4, 5])
assert t.shape.rank == 4 and t.shape[-1] == 5 and int(tf.size(t)) == 120
np.testing.assert_array_equal(tf.shape(tf.transpose(t, [1, 0, 2, 3])).numpy(), [2, 3, 4, 5])
assert tf.squeeze(tf.zeros([1, 3, 1])).shape == (3,)
assert tf.concat([tf.zeros([2, 3]), tf.ones([1, 3])], axis=0).shape == (3, 3)
assert tf.stack([x, x], axis=1).shape == (3, 2)
print("ok")
