"""tf.data sources, element_spec and cardinality (INFINITE / UNKNOWN)."""
import numpy as np
import tensorflow as tf

D = tf.data.Dataset
assert D.range(3).element_spec == tf.TensorSpec([], tf.int64)
assert [int(v) for v in D.range(1, 7, 2)] == [1, 3, 5]
nested = D.from_tensor_slices(({"a": [1, 2]}, ([3.0, 4.0], ["x", "y"])))
assert nested.element_spec == ({"a": tf.TensorSpec([], tf.int32)},
                               (tf.TensorSpec([], tf.float32), tf.TensorSpec([], tf.string)))
assert D.from_tensor_slices([[1, 2], [3, 4]]).element_spec == tf.TensorSpec([2], tf.int32)
assert D.from_tensors(np.zeros((2, 3))).element_spec == tf.TensorSpec([2, 3], tf.float64)
assert D.range(5).batch(2).element_spec == tf.TensorSpec([None], tf.int64)
assert D.range(5).batch(2, drop_remainder=True).element_spec == tf.TensorSpec([2], tf.int64)
assert int(D.range(5).batch(2).cardinality()) == 3
assert int(D.range(5).repeat().cardinality()) == tf.data.INFINITE_CARDINALITY
assert int(D.range(5).filter(lambda x: x > 1).cardinality()) == tf.data.UNKNOWN_CARDINALITY
assert int(D.range(5).repeat().take(4).cardinality()) == 4
assert int(tf.data.experimental.cardinality(D.zip((D.range(3), D.range(5))))) == 3
assert tf.data.AUTOTUNE == tf.data.experimental.AUTOTUNE
assert len(D.range(7).shard(3, 0)) == 3
try:
    len(D.range(3).repeat())
    raise AssertionError("len() of an infinite dataset")
except TypeError as e:
    assert "infinite" in str(e)
it = iter(D.range(2))
assert int(next(it)) == 0 and int(it.get_next()) == 1
assert list(D.from_tensor_slices({"x": [1, 2]}).as_numpy_iterator()) == [{"x": 1}, {"x": 2}]
print("ok")
