"""data/grouping.py beyond the corpus program (tests/tf_programs/data_grouping_buckets.py,
checked against TF 2.21): bad functions and arguments give clear errors."""
import numpy as np
import pytest

import graphflow as tf

ds = tf.data.Dataset.range(6)


def test_key_func_must_return_an_int64_scalar():
    with pytest.raises(tf.errors.InvalidArgumentError, match="`key_func` must return a scalar tf.int64"):
        ds.group_by_window(lambda x: tf.cast(x, tf.int32), lambda k, d: d.batch(2), window_size=2)


def test_reduce_func_must_return_a_dataset():
    with pytest.raises(tf.errors.InvalidArgumentError, match="must return a `Dataset`"):
        ds.group_by_window(lambda x: x % 2, lambda k, d: k, window_size=2)


def test_window_sizes_must_be_positive():
    with pytest.raises(tf.errors.InvalidArgumentError, match="window_size must be positive"):
        ds.group_by_window(lambda x: x % 2, lambda k, d: d.batch(2), window_size=0)
    bad = ds.group_by_window(lambda x: x % 2, lambda k, d: d.batch(2),
                             window_size_func=lambda k: k - 1)
    with pytest.raises(tf.errors.InvalidArgumentError, match="window_size_func returned -1 for key 0"):
        list(bad)


def test_pad_to_bucket_boundary_rejects_elements_past_the_last_boundary():
    seq = tf.data.Dataset.from_generator(lambda: ([1] * n for n in (1, 9)), tf.int64,
                                         output_shapes=[None])
    b = seq.bucket_by_sequence_length(lambda e: tf.shape(e)[0], [4], [1, 1],
                                      pad_to_bucket_boundary=True)
    with pytest.raises(tf.errors.InvalidArgumentError, match="pad_to_bucket_boundary=True"):
        list(b)


def test_grouped_batches_feed_fit():
    x = np.arange(12, dtype=np.float32).reshape(12, 1)
    data = tf.data.Dataset.from_tensor_slices((x, x * 2.0)).group_by_window(
        lambda a, b: tf.cast(a[0], tf.int64) % 2, lambda k, d: d.batch(3), window_size=3)
    model = tf.keras.Sequential([tf.keras.Input((1,)), tf.keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    history = model.fit(data, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2


def test_unique_keeps_vectors_and_rejects_matrices():
    vectors = tf.data.Dataset.from_tensor_slices([[1, 2], [1, 2], [2, 1]]).unique()
    assert [v.numpy().tolist() for v in vectors] == [[1, 2], [2, 1]]
    with pytest.raises(tf.errors.InvalidArgumentError, match="scalar or vector"):
        tf.data.Dataset.from_tensor_slices(np.zeros((2, 2, 2), np.int32)).unique()
