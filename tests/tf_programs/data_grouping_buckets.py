"""tf.data grouping by value: unique, group_by_window (window_size and window_size_func),
bucket_by_sequence_length (padding, pad_to_bucket_boundary, no_padding, drop_remainder), and
the counter source; the NLP-pipeline pattern of batching sequences of similar length."""
import numpy as np
import tensorflow as tf


def values(ds):
    return [x.numpy().tolist() for x in ds]


assert values(tf.data.Dataset.from_tensor_slices([1, 37, 2, 37, 2, 1]).unique()) == [1, 37, 2]
assert [s.numpy() for s in tf.data.Dataset.from_tensor_slices(["a", "b", "a"]).unique()] == [b"a", b"b"]
try:
    tf.data.Dataset.from_tensor_slices([1.0, 1.0]).unique()
    raise AssertionError("expected TypeError")
except TypeError:
    pass

ds = tf.data.Dataset.range(10)
windows = ds.group_by_window(key_func=lambda x: x % 2, reduce_func=lambda key, d: d.batch(3),
                             window_size=3)
assert values(windows) == [[0, 2, 4], [1, 3, 5], [6, 8], [7, 9]]
assert windows.element_spec == tf.TensorSpec([None], tf.int64)
sized = ds.group_by_window(key_func=lambda x: x % 3, reduce_func=lambda key, d: d.batch(10),
                           window_size_func=lambda key: key + 1)
assert values(sized) == [[0], [3], [1, 4], [6], [2, 5, 8], [9], [7]]
keyed = ds.group_by_window(lambda x: x % 2, lambda key, d: d.batch(5).map(lambda b: (key, b)),
                           window_size=5)
assert [(int(k), b.numpy().tolist()) for k, b in keyed] == [(0, [0, 2, 4, 6, 8]), (1, [1, 3, 5, 7, 9])]
try:
    ds.group_by_window(lambda x: x % 2, lambda k, d: d.batch(2))
    raise AssertionError("expected ValueError")
except ValueError:
    pass

elements = [[0], [1, 2, 3, 4], [5, 6, 7], [7, 8, 9, 10, 11], [13, 14, 15, 16, 19, 20], [21, 22]]
sequences = tf.data.Dataset.from_generator(lambda: elements, tf.int64, output_shapes=[None])
buckets = sequences.bucket_by_sequence_length(
    element_length_func=lambda elem: tf.shape(elem)[0], bucket_boundaries=[3, 5],
    bucket_batch_sizes=[2, 2, 2])
assert values(buckets) == [[[1, 2, 3, 4], [5, 6, 7, 0]],
                           [[7, 8, 9, 10, 11, 0], [13, 14, 15, 16, 19, 20]], [[0, 0], [21, 22]]]
assert buckets.element_spec == tf.TensorSpec([None, None], tf.int64)
to_boundary = sequences.bucket_by_sequence_length(
    lambda elem: tf.shape(elem)[0], [4, 7], [2, 2, 2], pad_to_bucket_boundary=True,
    padding_values=tf.constant(-1, tf.int64))
assert values(to_boundary) == [[[0, -1, -1], [5, 6, 7]],
                               [[1, 2, 3, 4, -1, -1], [7, 8, 9, 10, 11, -1]], [[21, 22, -1]],
                               [[13, 14, 15, 16, 19, 20]]]
dropped = sequences.bucket_by_sequence_length(lambda elem: tf.shape(elem)[0], [3, 5], [2, 2, 3],
                                              drop_remainder=True)
assert values(dropped) == [[[1, 2, 3, 4], [5, 6, 7, 0]], [[0, 0], [21, 22]]]
pairs = tf.data.Dataset.range(6).map(lambda x: tf.fill([2], x))
plain = pairs.bucket_by_sequence_length(lambda e: tf.cast(e[0] % 2, tf.int32), [1], [2, 2],
                                        no_padding=True)
assert values(plain) == [[[0, 0], [2, 2]], [[1, 1], [3, 3]], [[4, 4]], [[5, 5]]]
try:
    sequences.bucket_by_sequence_length(lambda e: tf.shape(e)[0], [3, 5], [2, 2])
    raise AssertionError("expected ValueError")
except ValueError:
    pass

assert values(tf.data.Dataset.counter().take(3)) == [0, 1, 2]
assert values(tf.data.Dataset.counter(start=2, step=5, dtype=tf.int32).take(3)) == [2, 7, 12]
assert tf.data.Dataset.counter().cardinality() == tf.data.INFINITE_CARDINALITY
assert tf.data.Dataset.random(seed=4).element_spec == tf.TensorSpec([], tf.int64)
assert values(tf.data.Dataset.random(seed=4).take(3)) == values(tf.data.Dataset.random(seed=4).take(3))
numbered = tf.data.Dataset.zip((tf.data.Dataset.counter(), tf.data.Dataset.from_tensor_slices(["a", "b"])))
assert [(int(i), s.numpy()) for i, s in numbered] == [(0, b"a"), (1, b"b")]
print("ok")
