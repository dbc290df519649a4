"""Bad input raises a clear error (TF's InvalidArgumentError, ValueError or TypeError) and never a
silent result, eagerly and in a tf.function with unknown dims; the edge values TF defines (one_hot
of an out-of-range index, reductions of empty tensors, integer wrap-around) are returned as TF does."""
import numpy as np
import tensorflow as tf

ERRORS = (tf.errors.InvalidArgumentError, ValueError, TypeError)


def raises(fn, *words):
    try:
        fn()
    except ERRORS as e:
        message = str(e)
        assert all(w in message for w in words), (words, message)
        return
    raise AssertionError(f"no error from {fn}")


raises(lambda: tf.reshape(tf.ones((2, 3)), (4,)))
raises(lambda: tf.gather(tf.ones(3), [3]), "3")
raises(lambda: tf.one_hot([0, 1], 3, axis=3), "3")
raises(lambda: tf.fill([2], tf.ones(2)), "scalar")
raises(lambda: tf.slice(tf.ones((3, 3)), [0], [1]))
raises(lambda: tf.expand_dims(tf.ones(2), 1.5), "1.5")
raises(lambda: tf.math.floordiv(tf.constant([1]), tf.constant([0])), "division by zero")
raises(lambda: tf.data.Dataset.range(4).batch(2.5), "2.5")


@tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
def tail(x):
    return tf.slice(x, [2], [3])


assert tail(tf.ones(5)).shape == (3,)
raises(lambda: tail(tf.ones(4)))  # the slice would run past the end: an error, not 2 elements

gather = tf.function(lambda x, i: tf.gather(x, i),
                     input_signature=[tf.TensorSpec([None]), tf.TensorSpec([None], tf.int32)])
raises(lambda: gather(tf.ones(3), tf.constant([0, 7])), "7")


@tf.function(input_signature=[tf.TensorSpec([], tf.int32)])
def countdown(n):
    return tf.while_loop(lambda i: i, lambda i: i - 1, [n])


raises(lambda: countdown(tf.constant(3)))  # the predicate must be a bool

# The values TF defines for edge cases.
np.testing.assert_array_equal(tf.one_hot([0, 5, -1], 3).numpy(), [[1, 0, 0], [0, 0, 0], [0, 0, 0]])
assert np.isnan(tf.reduce_mean(tf.zeros((0,))).numpy())
assert tf.reduce_max(tf.zeros((0,))).numpy() == -np.inf
assert tf.reduce_prod(tf.zeros((0,))).numpy() == 1.0
assert int(tf.constant(-1, tf.uint8)) == 255
np.testing.assert_array_equal(tf.cast(tf.constant([127, 128, 300]), tf.int8).numpy(), [127, -128, 44])
to_bool = tf.function(lambda x: tf.cast(tf.cast(x, tf.bool), tf.float32))
np.testing.assert_array_equal(to_bool(tf.constant([0.5, -1.0, 0.0])).numpy(), [1.0, 1.0, 0.0])
print("ok")
