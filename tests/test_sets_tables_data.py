"""tf.sets beyond the registry harness (functions, Sessions, TF's errors), the mutable lookup
tables (graph order, threads, Sessions, checkpoints) and tf.data's ignore_errors,
rejection_resample and save/load."""
import logging
import os
import threading

import numpy as np
import pytest

import graphflow as tf
from graphflow.errors import DataLossError, InvalidArgumentError, NotFoundError

A = [[3, 1, 3, 2], [5, 5, 5, 5]]
B = [[1, 1, 9, 9], [0, 0, 0, 0]]


def _parts(sp):
    return [np.asarray(t).tolist() for t in (sp.indices, sp.values, sp.dense_shape)]


# -- tf.sets ----------------------------------------------------------------------------------

@pytest.mark.parametrize("op", ["union", "intersection", "difference"])
def test_sets_agree_eagerly_in_functions_and_sessions(op):
    fn = getattr(tf.sets, op)
    sp = tf.SparseTensor([[0, 0], [0, 2], [1, 1]], [9, 2, 5], [2, 3])
    eager = [_parts(fn(tf.constant(A), tf.constant(B))), _parts(fn(tf.constant(A), sp)),
             _parts(fn(sp, sp))]
    traced = tf.function(lambda a, b: [fn(a, b), fn(a, sp), fn(sp, sp)])
    for _ in range(2):  # the second call runs the compiled plan
        got = [_parts(r) for r in traced(tf.constant(A), tf.constant(B))]
        assert got == eager
    v1 = tf.compat.v1
    with tf.Graph().as_default():
        a = v1.placeholder(tf.int32, [None, None])
        r = fn(a, tf.constant(B))
        with v1.Session() as sess:
            value = sess.run(r, {a: A})
    assert [np.asarray(t).tolist() for t in value] == eager[0]


def test_sets_follow_tf_rules():
    with pytest.raises(TypeError, match="invalid dtype"):
        tf.sets.union(tf.constant([[1.0]]), tf.constant([[2.0]]))
    with pytest.raises(TypeError, match="Types don't match"):
        tf.sets.union(tf.constant([[1]]), tf.constant([[1]], tf.int64))
    with pytest.raises(TypeError, match="Expected `SparseTensor`"):
        tf.sets.size(tf.constant(A))
    with pytest.raises(TypeError, match="validate_indices"):
        tf.sets.union(tf.constant(A), tf.constant(B), validate_indices=1)
    with pytest.raises(InvalidArgumentError, match=r"Mismatched shapes \[2\] vs \[1\]"):
        tf.sets.union(tf.constant(A), tf.constant([[1, 2]]))
    with pytest.raises(InvalidArgumentError, match="rank 1 < 2"):
        tf.sets.intersection(tf.constant([1, 2]), tf.constant([2, 3]))
    unsorted = tf.SparseTensor([[0, 1], [0, 0]], [3, 1], [2, 3])
    with pytest.raises(InvalidArgumentError, match=r"indices\[1\] = \[0,0\] is out of order"):
        tf.sets.size(unsorted)
    assert tf.sets.size(unsorted, validate_indices=False).numpy().tolist() == [2, 0]
    # graphflow checks the bounds even without validation (TF reads past its buffers there)
    with pytest.raises(InvalidArgumentError, match="out of bounds"):
        tf.sets.size(tf.SparseTensor([[3, 0]], [1], [2, 3]), validate_indices=False)
    # the difference of a sparse and a dense set is computed dense-first, aminusb flipped
    flipped = tf.sets.difference(tf.SparseTensor([[0, 0], [0, 1]], [3, 1], [1, 3]),
                                 tf.constant([[1, 5]]))
    assert flipped.values.numpy().tolist() == [3]
    assert tf.compat.v1.sets.set_union is tf.sets.union
    assert not hasattr(tf.sets, "set_union")  # TF2 has only the short names


# -- mutable tables ---------------------------------------------------------------------------

def test_table_ops_run_in_program_order_in_a_function():
    t = tf.lookup.experimental.MutableHashTable(tf.int64, tf.int64, default_value=-1)

    @tf.function
    def step(k):
        before = t.lookup(k)
        t.insert(k, k * 10)
        middle = t.lookup(k)
        t.remove(k[:1])
        return before, middle, t.lookup(k), t.size()
    before, middle, after, size = step(tf.constant([1, 2], tf.int64))
    assert before.numpy().tolist() == [-1, -1] and middle.numpy().tolist() == [10, 20]
    assert after.numpy().tolist() == [-1, 20] and int(size) == 1
    before, middle, after, size = step(tf.constant([2, 3], tf.int64))
    assert before.numpy().tolist() == [20, -1] and after.numpy().tolist() == [-1, 30]
    assert int(size) == 1


def test_table_ops_in_loops_and_branches():
    t = tf.lookup.experimental.MutableHashTable(tf.int64, tf.int64, 0)

    @tf.function
    def count(n):
        i = tf.constant(0, tf.int64)
        while i < n:
            k = tf.reshape(i % 3, [1])
            t.insert(k, t.lookup(k) + 1)
            i += 1
        if n > 4:
            t.remove(tf.constant([0], tf.int64))
        return t.size()

    def contents():
        keys, values = t.export()
        return dict(zip(keys.numpy().tolist(), values.numpy().tolist()))
    assert int(count(tf.constant(7, tf.int64))) == 2 and contents() == {1: 2, 2: 2}
    assert int(count(tf.constant(2, tf.int64))) == 3 and contents() == {0: 1, 1: 3, 2: 2}


def test_tables_in_a_session():
    v1 = tf.compat.v1
    with tf.Graph().as_default():
        t = tf.lookup.experimental.MutableHashTable(tf.string, tf.float32, default_value=0.5)
        keys = v1.placeholder(tf.string, [None])
        insert = t.insert(keys, tf.constant([1.0, 2.0]))
        found = t.lookup(tf.constant(["b", "x"]))
        with v1.Session() as sess:
            assert sess.run(found).tolist() == [0.5, 0.5]
            sess.run(insert, {keys: ["a", "b"]})
            assert sess.run(found).tolist() == [2.0, 0.5]
            assert sess.run(t.size()) == 2


def test_tables_are_safe_to_share_between_threads():
    t = tf.lookup.experimental.MutableHashTable(tf.int64, tf.int64, default_value=0)
    add = tf.function(lambda k: t.insert(k, t.lookup(k) + 1))

    def work(i):
        for j in range(20):
            add(tf.constant([i * 100 + j], tf.int64))
    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert int(t.size()) == 80
    ds = tf.data.Dataset.range(40).map(lambda x: t.lookup(x + 100), num_parallel_calls=4)
    assert sorted(int(v) for v in ds) == [0] * 20 + [1] * 20


def test_table_checks():
    t = tf.lookup.experimental.MutableHashTable(tf.int64, tf.float32, [0.0, 0.0])
    with pytest.raises(InvalidArgumentError, match=r"Expected shape \[1,2\] for value, got \[1,3\]"):
        t.insert(tf.constant([1], tf.int64), tf.ones((1, 3)))
    with pytest.raises(ValueError):  # TF converts keys to the key dtype (ValueError)
        t.lookup(tf.constant([1]))
    with pytest.raises(TypeError, match="Dtype of argument `keys`"):
        t.remove(tf.constant([1]))
    t.insert(tf.constant([1], tf.int64), tf.constant([[1.0, 2.0]]))
    keys = tf.constant([1, 2], tf.int64)
    assert t.lookup(keys, dynamic_default_values=[[5.0, 5.0], [6.0, 7.0]]).numpy().tolist() == [
        [1.0, 2.0], [6.0, 7.0]]
    assert t.lookup(keys, dynamic_default_values=[8.0, 9.0]).numpy().tolist() == [
        [1.0, 2.0], [8.0, 9.0]]
    with pytest.raises(InvalidArgumentError, match=r"Expected shape \[2\] or \[2,2\]"):
        t.lookup(keys, dynamic_default_values=[[8.0, 9.0, 1.0]])
    with pytest.raises(NotFoundError, match="no kernel"):
        tf.lookup.experimental.MutableHashTable(tf.string, tf.string, "")
    with pytest.raises(InvalidArgumentError, match="must be a vector"):
        tf.lookup.experimental.MutableHashTable(tf.int64, tf.float32, [[0.0]])
    D = tf.lookup.experimental.DenseHashTable
    with pytest.raises(InvalidArgumentError, match="cannot be equal"):
        D(tf.int64, tf.int64, -1, empty_key=0, deleted_key=0)
    with pytest.raises(InvalidArgumentError, match="power of 2"):
        D(tf.int64, tf.int64, -1, empty_key=0, deleted_key=-1, initial_num_buckets=3)
    d = D(tf.int64, tf.int64, -1, empty_key=[0, 0], deleted_key=[-1, -1])
    d.insert(tf.constant([[1, 2], [3, 4]], tf.int64), tf.constant([5, 6], tf.int64))
    assert d.lookup(tf.constant([[3, 4], [9, 9]], tf.int64)).numpy().tolist() == [6, -1]
    for bad in (lambda: d.insert(tf.constant([[0, 0]], tf.int64), tf.constant([1], tf.int64)),
                lambda: d.lookup(tf.constant([[-1, -1]], tf.int64))):
        with pytest.raises(InvalidArgumentError, match="as a table key is not allowed"):
            bad()
    with pytest.raises(InvalidArgumentError, match="must end with the table's key shape"):
        d.insert(tf.constant([1], tf.int64), tf.constant([5], tf.int64))


def test_tables_in_checkpoints(tmp_path):
    t = tf.lookup.experimental.MutableHashTable(tf.string, tf.int32, default_value=0)
    t.insert(tf.constant(["a", "b\x00", ""]), tf.constant([1, 2, 3]))
    m = tf.Module()
    m.table = tf.lookup.experimental.DenseHashTable(tf.int64, tf.bool, False, empty_key=0,
                                                    deleted_key=-1)
    m.table.insert(tf.constant([4], tf.int64), tf.constant([True]))
    m.names = tf.lookup.experimental.MutableHashTable(tf.int64, tf.string, "?")
    m.names.insert(tf.constant([1, 2], tf.int64), tf.constant(["one", "tw\x00o"]))
    path = tf.train.Checkpoint(t=t, m=m).save(str(tmp_path / "ckpt"))
    t2 = tf.lookup.experimental.MutableHashTable(tf.string, tf.int32, default_value=0)
    t2.insert(tf.constant(["old"]), tf.constant([7]))
    m2 = tf.Module()
    m2.table = tf.lookup.experimental.DenseHashTable(tf.int64, tf.bool, False, empty_key=0,
                                                     deleted_key=-1)
    m2.names = tf.lookup.experimental.MutableHashTable(tf.int64, tf.string, "?")
    tf.train.Checkpoint(t=t2, m=m2).restore(path).assert_consumed()
    assert m2.names.lookup(tf.constant([2, 1, 3], tf.int64)).numpy().tolist() == [
        b"tw\x00o", b"one", b"?"]
    assert t2.lookup(tf.constant(["b\x00", "", "old"])).numpy().tolist() == [2, 3, 0]
    assert m2.table.lookup(tf.constant([4, 5], tf.int64)).numpy().tolist() == [True, False]
    late = tf.train.Checkpoint()
    late.restore(path)
    late.t = tf.lookup.experimental.MutableHashTable(tf.string, tf.int32, default_value=0)
    assert int(late.t.size()) == 3  # restored when attached (deferred restoration)
    with pytest.raises(InvalidArgumentError, match="cannot restore string keys"):
        tf.train.Checkpoint(t=tf.lookup.experimental.MutableHashTable(
            tf.int64, tf.int32, 0)).restore(path)
    unsaved = tf.lookup.experimental.MutableHashTable(tf.int64, tf.int32, 0, checkpoint=False)
    names = [n for n, _ in tf.train.list_variables(
        tf.train.Checkpoint(u=unsaved, v=tf.Variable(1)).write(str(tmp_path / "c2")))]
    assert names == ["v/.ATTRIBUTES/VARIABLE_VALUE"]


# -- tf.data ----------------------------------------------------------------------------------

def _inverses():
    return tf.data.Dataset.from_tensor_slices([1.0, 2.0, 0.0, 4.0, 0.0]).map(
        lambda x: tf.debugging.check_numerics(1.0 / x, "inverse"))


def test_ignore_errors_skips_failed_elements(caplog):
    expected = [1.0, 0.5, 0.25]
    assert [float(v) for v in _inverses().ignore_errors()] == expected
    parallel = tf.data.Dataset.from_tensor_slices([1.0, 2.0, 0.0, 4.0]).map(
        lambda x: tf.debugging.check_numerics(1.0 / x, "inverse"), num_parallel_calls=3)
    assert [float(v) for v in parallel.prefetch(2).ignore_errors()] == expected
    filtered = tf.data.Dataset.range(6).filter(
        lambda x: tf.debugging.assert_less(x, tf.constant(4, tf.int64)) is None or x > 0)
    assert [int(v) for v in filtered.ignore_errors()] == [1, 2, 3]
    with caplog.at_level(logging.WARNING, logger="graphflow"):
        assert len(list(_inverses().ignore_errors(log_warning=True))) == 3
    assert sum("Tensor had Inf values" in r.getMessage() for r in caplog.records) == 2
    assert int(_inverses().ignore_errors().cardinality()) == tf.data.UNKNOWN_CARDINALITY
    with pytest.raises(InvalidArgumentError, match="Inf"):
        list(_inverses())
    apply = _inverses().apply(tf.data.experimental.ignore_errors())
    assert len(list(apply)) == 3
    # after batch (TF fuses map and batch: a batch with a failed element is dropped whole) and
    # take (a failed element is not one of those taken), as TF 2.21 gives them
    six = tf.data.Dataset.from_tensor_slices([1.0, 2.0, 0.0, 4.0, 5.0, 6.0]).map(
        lambda x: tf.debugging.check_numerics(1.0 / x, "inverse"))
    assert [b.tolist() for b in six.batch(4).ignore_errors().as_numpy_iterator()] == [
        [np.float32(0.2), np.float32(1 / 6)]]
    assert [b.tolist() for b in six.batch(2).ignore_errors().as_numpy_iterator()] == [
        [1.0, 0.5], [np.float32(0.2), np.float32(1 / 6)]]
    assert len(list(six.take(5).ignore_errors())) == 5


def test_rejection_resample():
    labels = tf.data.Dataset.from_tensor_slices(np.array([0] * 80 + [1] * 20, np.int64))
    for initial in ([0.8, 0.2], None):
        ds = labels.repeat().rejection_resample(lambda x: tf.cast(x, tf.int32), [0.5, 0.5],
                                                initial_dist=initial, seed=3)
        assert ds.element_spec[0] == tf.TensorSpec([], tf.int32)
        pairs = list(ds.take(2000).as_numpy_iterator())
        assert all(c == x for c, x in pairs)
        assert 0.45 < np.mean([c for c, _ in pairs]) < 0.55
    assert int(labels.rejection_resample(lambda x: tf.cast(x, tf.int32), [0.5, 0.5])
               .cardinality()) == tf.data.UNKNOWN_CARDINALITY
    same = labels.rejection_resample(lambda x: tf.cast(x, tf.int32), [0.8, 0.2],
                                     initial_dist=[0.8, 0.2])
    assert [int(x) for _, x in same] == [int(x) for x in labels]  # m = 1: the input as it is
    with pytest.raises(InvalidArgumentError, match="outside"):
        list(labels.rejection_resample(lambda x: tf.cast(x, tf.int32) + 5, [0.5, 0.5]).take(3))
    with pytest.raises(InvalidArgumentError, match="scalar int32"):
        labels.rejection_resample(lambda x: tf.cast(x, tf.float32), [0.5, 0.5])


def test_save_and_load_round_trip(tmp_path):
    ds = tf.data.Dataset.range(5).map(lambda x: {
        "x": x, "t": (tf.strings.as_string(x), tf.fill([x], 1.5))})
    ragged = tf.data.Dataset.from_tensor_slices(tf.ragged.constant([[1], [2, 3], []]))
    sparse = tf.data.Dataset.from_tensors(tf.sparse.from_dense([[0, 7], [8, 0]]))
    for name, data in (("nested", ds), ("ragged", ragged), ("sparse", sparse)):
        for compression in (None, "ZLIB"):
            path = str(tmp_path / f"{name}-{compression}")
            data.save(path, compression=compression)
            back = tf.data.Dataset.load(path)
            assert back.element_spec == data.element_spec
            assert int(back.cardinality()) == int(data.cardinality())
            assert str(list(back.as_numpy_iterator())) == str(list(data.as_numpy_iterator()))
    path = str(tmp_path / "sharded")
    tf.data.Dataset.range(6).save(path, shard_func=lambda x: x % 3)
    assert sorted(f for f in os.listdir(path) if f.endswith(".gfdata")) == [
        "shard-00000.gfdata", "shard-00001.gfdata", "shard-00002.gfdata"]
    assert [int(v) for v in tf.data.Dataset.load(path)] == [0, 3, 1, 4, 2, 5]
    interleaved = tf.data.Dataset.load(path, reader_func=lambda shards: shards.interleave(
        lambda d: d, cycle_length=3))
    assert [int(v) for v in interleaved] == [0, 1, 2, 3, 4, 5]
    tf.data.Dataset.range(2).save(path)  # saving again replaces the old shards
    assert sorted(f for f in os.listdir(path) if f.endswith(".gfdata")) == ["shard-00000.gfdata"]
    tf.data.experimental.save(tf.data.Dataset.range(3), path)
    assert [int(v) for v in tf.data.experimental.load(path)] == [0, 1, 2]


def test_load_errors_name_the_file(tmp_path):
    path = str(tmp_path / "d")
    tf.data.Dataset.range(50).map(lambda x: tf.fill([3], x)).save(path)
    shard = os.path.join(path, "shard-00000.gfdata")
    good = open(shard, "rb").read()
    with pytest.raises(NotFoundError, match="Could not find metadata file"):
        tf.data.Dataset.load(str(tmp_path / "missing"))
    with pytest.raises(InvalidArgumentError, match="not the given element_spec"):
        tf.data.Dataset.load(path, element_spec=tf.TensorSpec([3], tf.int32))
    with pytest.raises(InvalidArgumentError, match="compression"):
        tf.data.Dataset.load(path, compression="GZIP")
    first = 16 + int.from_bytes(good[:8], "little")  # one whole TFRecord frame
    for damaged in (good[:len(good) // 2], good[:40] + bytes([good[40] ^ 1]) + good[41:],
                    good[:first]):
        with open(shard, "wb") as f:
            f.write(damaged)
        with pytest.raises(DataLossError, match="shard-00000.gfdata"):
            list(tf.data.Dataset.load(path))
    with open(shard, "wb") as f:
        f.write(good)
    with open(os.path.join(path, "graphflow-dataset.json"), "w") as f:
        f.write("{not json")
    with pytest.raises(DataLossError, match="graphflow-dataset.json"):
        tf.data.Dataset.load(path)
    with pytest.raises(InvalidArgumentError, match="scalar int64"):
        tf.data.Dataset.range(3).save(path, shard_func=lambda x: tf.cast(x, tf.int32))
    with pytest.raises(InvalidArgumentError, match="infinite"):
        tf.data.Dataset.range(3).repeat().save(path)
