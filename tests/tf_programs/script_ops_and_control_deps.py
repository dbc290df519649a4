"""Python functions as ops and explicit ordering: tf.py_function / tf.numpy_function eagerly, in
tf.function, in Dataset.map and under a GradientTape; tf.control_dependencies, tf.group,
tf.tuple and tf.no_op in a compat.v1 graph run by a Session; tf.init_scope in a tf.function."""
import numpy as np
import tensorflow as tf

x = tf.constant([1.0, 2.0])
np.testing.assert_array_equal(tf.py_function(lambda a: a * 2, [x], tf.float32).numpy(), [2, 4])
a, b = tf.py_function(lambda t: [t * 2, t], [x], [tf.float32, tf.float32])
np.testing.assert_array_equal(b.numpy(), [1, 2])
np.testing.assert_array_equal(tf.numpy_function(lambda t: t[::-1].copy(), [x], tf.float32).numpy(),
                              [2, 1])
try:
    tf.py_function(lambda t: 1 / 0, [x], tf.float32)
    raise AssertionError("the function's error must surface")
except tf.errors.UnknownError as e:
    assert "ZeroDivisionError" in str(e)


@tf.function
def tripled(t):
    y = tf.numpy_function(lambda u: u * 3, [t], tf.float32)
    y.set_shape(t.shape)
    return y + 1.0


np.testing.assert_array_equal(tripled(x).numpy(), [4, 7])
v = tf.Variable([1.0, 2.0])
with tf.GradientTape() as tape:
    y = tf.reduce_sum(tf.py_function(lambda t: t * t, [v], tf.float32))
np.testing.assert_array_equal(tape.gradient(y, v).numpy(), [2, 4])

ds = tf.data.Dataset.from_tensor_slices([1, 2, 3]).map(
    lambda i: tf.py_function(lambda j: j * 10, [i], tf.int32))
assert [int(e) for e in ds] == [10, 20, 30]
lengths = tf.data.Dataset.from_tensor_slices([b"a", b"bc"]).map(
    lambda s: tf.numpy_function(lambda t: np.int64(len(t)), [s], tf.int64))
assert [int(e) for e in lengths] == [1, 2]

with tf.control_dependencies([x]):
    assert float(tf.reduce_sum(x + 1)) == 5.0
assert tf.no_op() is None and tf.group(x) is None

g = tf.Graph()
with g.as_default():
    counter = tf.compat.v1.Variable(0.0)
    other = tf.compat.v1.Variable(0.0)
    step = counter.assign_add(1.0)
    with tf.control_dependencies([step]):
        after = tf.identity(counter.read_value())
    both = tf.group(counter.assign_add(10.0), other.assign_add(1.0))
    init = tf.compat.v1.global_variables_initializer()
with tf.compat.v1.Session(graph=g) as sess:
    sess.run(init)
    assert sess.run(after) == 1.0 and sess.run(after) == 2.0
    assert sess.run(both) is None
    assert sess.run(other) == 1.0

created = []


@tf.function
def scaled(t):
    with tf.init_scope():
        if not created:
            created.append(tf.Variable(3.0))
        assert tf.executing_eagerly()
    return t * created[0]


np.testing.assert_array_equal(scaled(x).numpy(), [3, 6])
tf.get_logger().setLevel("ERROR")
print("ok")
