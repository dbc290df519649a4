"""graphflow.lookup beyond the corpus program (tests/tf_programs/lookup_tables.py, checked
against TF 2.21): TF1 sessions, empty tables, vocab_size, export, bad initializers."""
import numpy as np
import pytest

import graphflow as tf


def _table():
    return tf.lookup.StaticHashTable(
        tf.lookup.KeyValueTensorInitializer(["a", "b", "c"], tf.constant([1, 2, 3], tf.int64)), -1)


def test_lookup_in_a_tf1_session_after_tables_initializer():
    table = _table()
    graph = tf.Graph()
    with graph.as_default():
        keys = tf.compat.v1.placeholder(tf.string, [None])
        ids = table.lookup(keys)
        init = tf.compat.v1.tables_initializer()
        with tf.compat.v1.Session() as sess:
            sess.run(init)
            np.testing.assert_array_equal(sess.run(ids, {keys: np.array([b"c", b"q"])}), [3, -1])


def test_compiled_and_reference_functions_agree():
    table = _table()
    for backend in ("numba", "reference"):
        f = tf.function(lambda k: table.lookup(k) * 2, backend=backend)
        np.testing.assert_array_equal(f(tf.constant(["b", "z"])).numpy(), [4, -2])


def test_an_empty_table_gives_the_default_and_oov_buckets():
    empty = tf.lookup.StaticHashTable(
        tf.lookup.KeyValueTensorInitializer(tf.constant([], tf.string), tf.constant([], tf.int64)), 7)
    np.testing.assert_array_equal(empty.lookup(tf.constant([["x", "y"]])).numpy(), [[7, 7]])
    vocab = tf.lookup.StaticVocabularyTable(
        tf.lookup.KeyValueTensorInitializer(tf.constant([], tf.string), tf.constant([], tf.int64)), 2)
    assert set(vocab.lookup(tf.constant(["x", "y", "z"])).numpy().tolist()) <= {0, 1}


def test_export_size_and_repeated_equal_keys():
    table = tf.lookup.StaticHashTable(
        tf.lookup.KeyValueTensorInitializer(["a", "b", "a"], [1, 2, 1]), -1)  # same value: fine
    keys, values = table.export()
    assert keys.numpy().tolist() == [b"a", b"b"] and values.numpy().tolist() == [1, 2]
    assert int(table.size()) == 2 and table.size().dtype == tf.int64


def test_text_file_vocab_size_and_errors(tmp_path):
    path = tmp_path / "v.txt"
    path.write_text("a\nb\nc\n")
    init = tf.lookup.TextFileInitializer(str(path), tf.string, -2, tf.int64, -1, vocab_size=2)
    table = tf.lookup.StaticHashTable(init, -1)
    np.testing.assert_array_equal(table.lookup(tf.constant(["b", "c"])).numpy(), [1, -1])
    with pytest.raises(ValueError, match="Invalid key index -3"):
        tf.lookup.TextFileInitializer(str(path), tf.string, -3, tf.int64, -1)
    path.write_text("a\tx\n")
    with pytest.raises(tf.errors.InvalidArgumentError, match="Field x in line 0 is not a valid int64"):
        tf.lookup.StaticHashTable(tf.lookup.TextFileInitializer(str(path), tf.string, 0, tf.int64, 1), -1)


def test_bad_tables_raise_clear_errors():
    with pytest.raises(ValueError, match="num_oov_buckets"):
        tf.lookup.StaticVocabularyTable(
            tf.lookup.KeyValueTensorInitializer(["a"], tf.constant([0], tf.int64)), 0)
    with pytest.raises(TypeError, match="values must be int64"):
        tf.lookup.StaticVocabularyTable(tf.lookup.KeyValueTensorInitializer(["a"], [0]), 1)
    with pytest.raises(TypeError, match="keys must be string, int32 or int64"):
        tf.lookup.StaticHashTable(tf.lookup.KeyValueTensorInitializer([1.5], [0]), -1)
    with pytest.raises(tf.errors.InvalidArgumentError, match="Expected shape"):
        tf.lookup.StaticHashTable(tf.lookup.KeyValueTensorInitializer(["a", "b"], [1]), -1)
    with pytest.raises(TypeError, match="initializer must be"):
        tf.lookup.StaticHashTable({"a": 1}, -1)


def test_lookups_from_threads():
    from concurrent.futures import ThreadPoolExecutor
    table = _table()
    f = tf.function(lambda k: table.lookup(k))

    def work(i):
        keys = ["a", "b", "c", "z"][i % 4:] + ["a"]
        return f(tf.constant(keys)).numpy().tolist(), keys

    with ThreadPoolExecutor(4) as pool:
        for out, keys in pool.map(work, range(40)):
            assert out == [{"a": 1, "b": 2, "c": 3}.get(k, -1) for k in keys]
