"""Tensor utilities: is_tensor, convert_to_tensor with dtype_hint, make_tensor_proto and
make_ndarray."""
import numpy as np
import tensorflow as tf

assert tf.is_tensor(tf.constant([1.0])) and tf.is_tensor(tf.Variable(2.0))
assert not tf.is_tensor(np.ones(3)) and not tf.is_tensor([1, 2])

assert tf.convert_to_tensor(1, dtype_hint=tf.float32).dtype == tf.float32
assert tf.convert_to_tensor([1, 2], dtype_hint=tf.int64).dtype == tf.int64
assert tf.convert_to_tensor(1.5, dtype_hint=tf.int32).dtype == tf.float32  # hint ignored
assert tf.convert_to_tensor(tf.constant(1), dtype_hint=tf.float32).dtype == tf.int32
assert tf.convert_to_tensor(np.float64(2.0)).dtype == tf.float64

proto = tf.make_tensor_proto([[1.0, 2.0], [3.0, 4.0]])
array = tf.make_ndarray(proto)
assert isinstance(array, np.ndarray) and array.dtype == np.float32
np.testing.assert_array_equal(array, [[1, 2], [3, 4]])
filled = tf.make_ndarray(tf.make_tensor_proto(7, dtype=tf.int64, shape=[2, 3]))
assert filled.shape == (2, 3) and filled.dtype == np.int64 and filled.sum() == 42
print("ok")
