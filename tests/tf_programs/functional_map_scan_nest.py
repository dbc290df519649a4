"""Higher-order functions and nested structures: tf.map_fn (structures, signatures, inside
tf.function with an unknown batch), tf.scan / foldl / foldr with initializers and reverse,
tf.vectorized_map, gradients through map_fn, and tf.nest with TF's errors."""
import collections

import numpy as np
import tensorflow as tf

x = tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
np.testing.assert_array_equal(tf.map_fn(lambda r: r * 2, x).numpy(), [[2, 4], [6, 8], [10, 12]])
np.testing.assert_array_equal(tf.map_fn(tf.reduce_sum, x).numpy(), [3, 7, 11])
ints = tf.map_fn(lambda r: tf.cast(r, tf.int32), x, fn_output_signature=tf.int32)
assert ints.dtype == tf.int32
first, doubled = tf.map_fn(lambda r: (r[0], r * 2), x, fn_output_signature=(tf.float32, tf.float32))
np.testing.assert_array_equal(first.numpy(), [1, 3, 5])
summed = tf.map_fn(lambda d: d["a"] + d["b"], {"a": x, "b": x}, fn_output_signature=tf.float32)
np.testing.assert_array_equal(summed.numpy(), 2 * x.numpy())
try:
    tf.map_fn(lambda r: tf.cast(r, tf.int32), x)
    raise AssertionError("a dtype change without fn_output_signature must fail")
except tf.errors.InvalidArgumentError as e:
    assert "TensorArray dtype is float32 but Op is trying to write dtype int32" in str(e)
try:
    tf.map_fn(lambda r: r, tf.constant(3.0))
    raise AssertionError("scalar elems must fail")
except ValueError as e:
    assert "Elements in elems must be 1+ dimensional Tensors, not scalars" in str(e)


@tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32)])
def normalized_rows(batch):
    return tf.map_fn(lambda r: r / tf.reduce_sum(r), batch)


assert normalized_rows.get_concrete_function().structured_outputs.shape.as_list() == [None, 2]
np.testing.assert_allclose(normalized_rows(x).numpy()[0], [1 / 3, 2 / 3], rtol=1e-6)

v = tf.Variable(2.0)
with tf.GradientTape() as tape:
    y = tf.map_fn(lambda r: tf.reduce_sum(r * v), x)
assert float(tape.gradient(y, v)) == 21.0
with tf.GradientTape() as tape:
    tape.watch(x)
    y = tf.reduce_sum(tf.map_fn(lambda r: r * r, x))
np.testing.assert_array_equal(tape.gradient(y, x).numpy(), 2 * x.numpy())

np.testing.assert_array_equal(tf.scan(lambda a, r: a + r, x).numpy(), [[1, 2], [4, 6], [9, 12]])
np.testing.assert_array_equal(tf.scan(lambda a, r: a + r, x, reverse=True).numpy(),
                              [[9, 12], [8, 10], [5, 6]])
np.testing.assert_array_equal(
    tf.scan(lambda a, r: a + tf.reduce_sum(r), x, initializer=tf.constant(0.0)).numpy(), [3, 10, 21])
acc, powers = tf.scan(lambda a, r: (a[0] + r, a[1] * 2), x, initializer=(tf.zeros(2), tf.ones(2)))
np.testing.assert_array_equal(powers.numpy()[:, 0], [2, 4, 8])
np.testing.assert_array_equal(tf.foldl(lambda a, r: a - r, x).numpy(), [-7, -8])
np.testing.assert_array_equal(tf.foldr(lambda a, r: a - r, x).numpy(), [1, 0])
assert float(tf.foldl(lambda a, r: a + tf.reduce_sum(r), x, initializer=10.0)) == 31.0
try:
    tf.scan(lambda a, r: a + r, tf.zeros([0, 2]))
    raise AssertionError("scan of nothing without an initializer must fail")
except tf.errors.OutOfRangeError as e:
    assert "Tried to read from index 0 but array size is: 0" in str(e)


@tf.function
def running_max(values):
    return tf.scan(tf.maximum, values)


np.testing.assert_array_equal(running_max(tf.constant([1, 3, 2, 5, 4])).numpy(), [1, 3, 3, 5, 5])
np.testing.assert_array_equal(tf.vectorized_map(lambda r: r * 2, x).numpy(), 2 * x.numpy())

P = collections.namedtuple("P", "x y")
assert tf.nest.flatten({"b": 1, "a": (2, [3, None])}) == [2, 3, None, 1]
assert tf.nest.flatten(P(1, [2])) == [1, 2]
assert tf.nest.pack_sequence_as({"b": 0, "a": [0, 0]}, [1, 3, 2]) == {"b": 2, "a": [1, 3]}
assert tf.nest.map_structure(lambda a, b: a + b, (1, [2]), (10, [20])) == (11, [22])
assert tf.nest.is_nested(P(1, 2)) and not tf.nest.is_nested("ab") and not tf.nest.is_nested(None)
try:
    tf.nest.assert_same_structure((1, 2), [3, 4])
    raise AssertionError("a tuple and a list differ with check_types")
except TypeError as e:
    assert "don't have the same sequence type" in str(e)
tf.nest.assert_same_structure((1, 2), [3, 4], check_types=False)
try:
    tf.nest.pack_sequence_as([0, 0], [1, 2, 3])
    raise AssertionError("3 leaves do not pack into 2")
except ValueError as e:
    assert "Structure had 2 atoms, but flat_sequence had 3 items" in str(e)
print("ok")
