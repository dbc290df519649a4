"""Ops whose output shape depends on the data, traced in tf.function: boolean_mask, unique,
where, dynamic_partition, sequence_mask without maxlen and tf.range with tensor bounds."""
import numpy as np
import tensorflow as tf


@tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
def positives_doubled(x):
    kept = tf.boolean_mask(x, x > 0)
    return kept * 2.0


np.testing.assert_array_equal(positives_doubled(tf.constant([1.0, -2.0, 3.0])).numpy(), [2.0, 6.0])
np.testing.assert_array_equal(positives_doubled(tf.constant([-1.0])).numpy(), np.zeros(0))


@tf.function(input_signature=[tf.TensorSpec([None], tf.int32)])
def distinct_count(x):
    y, _ = tf.unique(x)
    return tf.size(y)


assert int(distinct_count(tf.constant([3, 1, 3, 2, 1]))) == 3


@tf.function(input_signature=[tf.TensorSpec([None], tf.int32)])
def masks(lengths):
    return tf.sequence_mask(lengths)


np.testing.assert_array_equal(masks(tf.constant([2, 0, 1])).numpy(),
                              [[True, True], [False, False], [True, False]])


@tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32)])
def row_index_weights(x):
    n = tf.shape(x)[0]
    return x * tf.cast(tf.range(n)[:, None], tf.float32)


np.testing.assert_array_equal(row_index_weights(tf.ones((3, 2))).numpy(), [[0, 0], [1, 1], [2, 2]])


@tf.function(input_signature=[tf.TensorSpec([None], tf.float32), tf.TensorSpec([None], tf.int32)])
def split_sum(x, parts):
    a, b = tf.dynamic_partition(x, parts, 2)
    return tf.reduce_sum(a) - tf.reduce_sum(b)


assert float(split_sum(tf.constant([1.0, 2.0, 4.0]), tf.constant([0, 1, 0]))) == 3.0
coords = tf.where(tf.constant([[0, 1], [1, 0]]) > 0)
np.testing.assert_array_equal(coords.numpy(), [[0, 1], [1, 0]])
print("ok")
