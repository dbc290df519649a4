"""tf.lookup: StaticHashTable and StaticVocabularyTable from tensors and from a text file, used
eagerly, in a tf.function and in Dataset.map (the text-preprocessing pattern of the TF guides)."""
import os
import tempfile

import numpy as np
import tensorflow as tf

keys = tf.constant(["emerson", "lake", "palmer"])
values = tf.constant([10, 20, 30], tf.int64)
table = tf.lookup.StaticHashTable(tf.lookup.KeyValueTensorInitializer(keys, values), default_value=-1)
np.testing.assert_array_equal(table.lookup(tf.constant(["lake", "x", "emerson"])).numpy(), [20, -1, 10])
assert int(table.size()) == 3
assert table.key_dtype == tf.string and table.value_dtype == tf.int64
np.testing.assert_array_equal(table[tf.constant([["palmer"], ["?"]])].numpy(), [[30], [-1]])
ragged = table.lookup(tf.ragged.constant([["lake", "emerson"], ["y"]]))
assert ragged.to_list() == [[20, 10], [-1]]

numbers = tf.lookup.StaticHashTable(tf.lookup.KeyValueTensorInitializer([1, 2], [0.5, 2.0]), -1.0)
np.testing.assert_allclose(numbers.lookup(tf.constant([2, 7])).numpy(), [2.0, -1.0])
try:
    numbers.lookup(tf.constant([2], tf.int64))
    raise AssertionError("expected TypeError")
except TypeError as e:
    assert "Dtype of argument `keys` must be" in str(e)

names = tf.lookup.StaticHashTable(tf.lookup.KeyValueTensorInitializer(["x", "y"], ["X", "Y"]), "?")
assert names.lookup(tf.constant(["y", "n"])).numpy().tolist() == [b"Y", b"?"]

vocab = tf.lookup.StaticVocabularyTable(
    tf.lookup.KeyValueTensorInitializer(["a", "b"], tf.constant([0, 1], tf.int64)), num_oov_buckets=3)
# out-of-vocabulary keys: vocab_size + Fingerprint64(key) % num_oov_buckets
np.testing.assert_array_equal(
    vocab.lookup(tf.constant(["a", "b", "c", "d", "emerson", "lake", "palmer"])).numpy(),
    [0, 1, 3, 4, 3, 3, 2])
assert int(vocab.size()) == 5
ids = tf.lookup.StaticVocabularyTable(
    tf.lookup.KeyValueTensorInitializer(tf.constant([10, 20], tf.int64), tf.constant([0, 1], tf.int64)),
    num_oov_buckets=4)
np.testing.assert_array_equal(ids.lookup(tf.constant([10, 20, 30, 7, -5], tf.int64)).numpy(),
                              [0, 1, 4, 2, 2])

folder = tempfile.mkdtemp()
path = os.path.join(folder, "vocab.txt")
with open(path, "w") as f:
    f.write("the\nquick\nbrown\nfox\n")
file_vocab = tf.lookup.StaticVocabularyTable(
    tf.lookup.TextFileInitializer(path, tf.string, tf.lookup.TextFileIndex.WHOLE_LINE, tf.int64,
                                  tf.lookup.TextFileIndex.LINE_NUMBER), num_oov_buckets=1)


@tf.function
def encode(line):
    return file_vocab.lookup(tf.strings.split(line))


np.testing.assert_array_equal(encode(tf.constant("the brown dog")).numpy(), [0, 2, 4])
lines = tf.data.Dataset.from_tensor_slices(["quick fox", "the the"]).map(encode)
assert [x.numpy().tolist() for x in lines] == [[1, 3], [0, 0]]

pairs = os.path.join(folder, "pairs.tsv")
with open(pairs, "w") as f:
    f.write("emerson\t10\nlake\t20\n")
from_file = tf.lookup.StaticHashTable(tf.lookup.TextFileInitializer(pairs, tf.string, 0, tf.int64, 1), -1)
np.testing.assert_array_equal(from_file.lookup(tf.constant(["lake", "x"])).numpy(), [20, -1])

for bad, error in (("emerson\tten\n", tf.errors.InvalidArgumentError),
                   ("emerson\n", tf.errors.InvalidArgumentError)):
    with open(pairs, "w") as f:
        f.write(bad)
    try:
        tf.lookup.StaticHashTable(tf.lookup.TextFileInitializer(pairs, tf.string, 0, tf.int64, 1), -1)
        raise AssertionError("expected an error")
    except error:
        pass
try:
    tf.lookup.StaticHashTable(
        tf.lookup.TextFileInitializer(os.path.join(folder, "none.txt"), tf.string, 0, tf.int64, 1), -1)
    raise AssertionError("expected NotFoundError")
except tf.errors.NotFoundError:
    pass
try:
    tf.lookup.StaticHashTable(tf.lookup.KeyValueTensorInitializer(["a", "a"], [1, 2]), -1)
    raise AssertionError("expected FailedPreconditionError")
except tf.errors.FailedPreconditionError as e:
    assert "different value for same key" in str(e)
print("ok")
