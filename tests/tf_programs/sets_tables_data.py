"""tf.sets on dense and sparse operands, the mutable lookup tables (eagerly, in a tf.function,
in Dataset.map, checkpointed), and tf.data's ignore_errors, rejection_resample, save and load."""
import os
import tempfile

import numpy as np
import tensorflow as tf

# -- tf.sets --------------------------------------------------------------------------------------
a = tf.constant([[3, 1, 3, 2], [5, 5, 5, 5]])
b = tf.constant([[1, 1, 9, 9], [0, 0, 0, 0]])
u = tf.sets.union(a, b)
assert u.indices.numpy().tolist() == [[0, 0], [0, 1], [0, 2], [0, 3], [1, 0], [1, 1]]
assert u.values.numpy().tolist() == [1, 2, 3, 9, 0, 5]
assert u.dense_shape.numpy().tolist() == [2, 4]
i = tf.sets.intersection(a, b)
assert i.values.numpy().tolist() == [1] and i.dense_shape.numpy().tolist() == [2, 1]
d = tf.sets.difference(a, b)
assert d.values.numpy().tolist() == [2, 3, 5]
assert tf.sets.difference(a, b, aminusb=False).values.numpy().tolist() == [9, 0]
assert tf.sets.size(u).numpy().tolist() == [4, 2]
sp = tf.SparseTensor([[0, 0], [0, 1], [1, 0]], [3, 1, 2], [2, 3])
r = tf.sets.intersection(a[:, :3], sp)
assert r.values.numpy().tolist() == [1, 3] and r.dense_shape.numpy().tolist() == [2, 2]
flipped = tf.sets.difference(sp, tf.constant([[1, 5], [7, 7]]))  # sparse first: swapped inside
assert flipped.values.numpy().tolist() == [3, 2]
words = tf.sets.union(tf.constant([["a", "b"], ["c", "a"]]), tf.constant([["b", "z"], ["a", "a"]]))
assert words.values.numpy().tolist() == [b"a", b"b", b"z", b"a", b"c"]
assert tf.sets.size(tf.SparseTensor([[0, 0], [0, 2], [1, 1]], [7, 7, 8], [2, 3])).numpy().tolist() == [1, 1]
for bad, error in [(lambda: tf.sets.union(tf.constant([1.0]), tf.constant([2.0])), TypeError),
                   (lambda: tf.sets.union(a, tf.constant([[1]], tf.int64)), TypeError),
                   (lambda: tf.sets.size(a), TypeError),
                   (lambda: tf.sets.union(tf.constant([1, 2]), tf.constant([2, 3])),
                    tf.errors.InvalidArgumentError),
                   (lambda: tf.sets.union(a, tf.constant([[1, 2]])), tf.errors.InvalidArgumentError),
                   (lambda: tf.sets.size(tf.SparseTensor([[0, 1], [0, 0]], [3, 1], [2, 3])),
                    tf.errors.InvalidArgumentError)]:
    try:
        bad()
        raise AssertionError("no error")
    except error:
        pass
unsorted = tf.SparseTensor([[0, 1], [0, 0]], [3, 1], [2, 3])
assert tf.sets.size(unsorted, validate_indices=False).numpy().tolist() == [2, 0]


@tf.function
def set_sizes(x, y):
    return tf.sets.size(tf.sets.union(x, y))


assert set_sizes(a, b).numpy().tolist() == [4, 2]
assert set_sizes(tf.constant([[1, 2]]), tf.constant([[2, 2]])).numpy().tolist() == [2]

# -- mutable lookup tables -----------------------------------------------------------------------
table = tf.lookup.experimental.MutableHashTable(tf.string, tf.int64, default_value=-1)
table.insert(tf.constant(["a", "b", "c"]), tf.constant([1, 2, 3], tf.int64))
assert table.lookup(tf.constant(["b", "zz"])).numpy().tolist() == [2, -1]
table.remove(tf.constant(["a"]))
assert int(table.size()) == 2
keys, values = table.export()
assert sorted(zip(keys.numpy().tolist(), values.numpy().tolist())) == [(b"b", 2), (b"c", 3)]
assert table.lookup(tf.constant([["b", "c"], ["a", "b"]])).numpy().tolist() == [[2, 3], [-1, 2]]
try:
    table.insert(tf.constant(["a", "b"]), tf.constant([1], tf.int64))
    raise AssertionError("no error")
except tf.errors.InvalidArgumentError:
    pass

vectors = tf.lookup.experimental.MutableHashTable(tf.int64, tf.float32, default_value=[0.0, 0.0])
vectors.insert(tf.constant([1, 2], tf.int64), tf.constant([[1.0, 2.0], [3.0, 4.0]]))
assert vectors.lookup(tf.constant([2, 5], tf.int64)).numpy().tolist() == [[3.0, 4.0], [0.0, 0.0]]

counts = tf.lookup.experimental.MutableHashTable(tf.int64, tf.int64, default_value=0)


@tf.function
def count(ids):
    # the lookup sees the earlier insert of this call, and the size the removal
    counts.insert(ids, counts.lookup(ids) + 1)
    after = counts.lookup(ids)
    counts.remove(tf.constant([99], tf.int64))
    return after, counts.size()


after, n = count(tf.constant([1, 2, 99], tf.int64))
assert after.numpy().tolist() == [1, 1, 1] and int(n) == 2
after, n = count(tf.constant([1, 3, 4], tf.int64))
assert after.numpy().tolist() == [2, 1, 1] and int(n) == 4
assert counts.lookup(tf.constant([1, 2, 3, 99], tf.int64)).numpy().tolist() == [2, 1, 1, 0]

dense = tf.lookup.experimental.DenseHashTable(tf.int64, tf.float32, default_value=-1.0,
                                              empty_key=0, deleted_key=-1)
dense.insert(tf.constant([5, 6, 7], tf.int64), tf.constant([0.5, 0.6, 0.7]))
dense.erase(tf.constant([6], tf.int64))
assert dense.lookup(tf.constant([5, 6, 8], tf.int64)).numpy().tolist() == [0.5, -1.0, -1.0]
assert int(dense.size()) == 2
try:
    dense.insert(tf.constant([0], tf.int64), tf.constant([1.0]))
    raise AssertionError("no error")
except tf.errors.InvalidArgumentError:
    pass

squares = tf.data.Dataset.range(4).map(lambda x: vectors.lookup(x)[0])
assert [float(v) for v in squares] == [0.0, 1.0, 3.0, 0.0]

directory = tempfile.mkdtemp()
prefix = tf.train.Checkpoint(table=table, dense=dense).write(os.path.join(directory, "tables"))
table2 = tf.lookup.experimental.MutableHashTable(tf.string, tf.int64, default_value=-1)
table2.insert(tf.constant(["gone"]), tf.constant([9], tf.int64))
dense2 = tf.lookup.experimental.DenseHashTable(tf.int64, tf.float32, default_value=-1.0,
                                               empty_key=0, deleted_key=-1)
tf.train.Checkpoint(table=table2, dense=dense2).read(prefix).assert_consumed()
assert table2.lookup(tf.constant(["b", "c", "gone"])).numpy().tolist() == [2, 3, -1]
assert np.allclose(dense2.lookup(tf.constant([5, 7], tf.int64)).numpy(), [0.5, 0.7])
names = [name for name, _ in tf.train.list_variables(prefix)]
assert "table/.ATTRIBUTES/table-keys" in names and "table/.ATTRIBUTES/table-values" in names

# -- tf.data ------------------------------------------------------------------------------------
inverses = tf.data.Dataset.from_tensor_slices([1.0, 2.0, 0.0, 4.0]).map(
    lambda x: tf.debugging.check_numerics(1.0 / x, "inverse"))
assert [float(v) for v in inverses.ignore_errors()] == [1.0, 0.5, 0.25]
assert int(inverses.ignore_errors().cardinality()) == tf.data.UNKNOWN_CARDINALITY
try:
    list(inverses)
    raise AssertionError("no error")
except tf.errors.InvalidArgumentError:
    pass

labels = tf.data.Dataset.from_tensor_slices(np.array([0] * 90 + [1] * 10, np.int64)).repeat()
balanced = labels.rejection_resample(lambda x: tf.cast(x, tf.int32), target_dist=[0.5, 0.5],
                                     initial_dist=[0.9, 0.1], seed=7)
assert balanced.element_spec[0].dtype == tf.int32
classes = [int(c) for c, x in balanced.take(400)]
assert all(c == x for c, x in balanced.take(50).as_numpy_iterator())
assert 0.35 < np.mean(classes) < 0.65, np.mean(classes)

elements = tf.data.Dataset.range(6).map(
    lambda x: {"id": x, "pair": (tf.cast(x, tf.float32) * [1.0, 2.0], tf.strings.as_string(x))})
for compression in (None, "GZIP"):
    path = os.path.join(directory, f"saved-{compression}")
    elements.save(path, compression=compression, shard_func=lambda e: e["id"] % 2)
    loaded = tf.data.Dataset.load(path, compression=compression)
    assert loaded.element_spec == elements.element_spec
    assert int(loaded.cardinality()) == 6
    got = sorted((int(e["id"]), e["pair"][0].numpy().tolist(), e["pair"][1].numpy())
                 for e in loaded)
    assert got == [(k, [float(k), 2.0 * k], str(k).encode()) for k in range(6)], got
try:
    tf.data.Dataset.load(os.path.join(directory, "nothing-here"))
    raise AssertionError("no error")
except tf.errors.NotFoundError:
    pass
path = os.path.join(directory, "sparse")
tf.data.Dataset.from_tensors(tf.sparse.from_dense([[1, 0], [0, 2]])).save(path)
sparse_back = next(iter(tf.data.Dataset.load(path)))
assert tf.sparse.to_dense(sparse_back).numpy().tolist() == [[1, 0], [0, 2]]
print("ok")
