"""RaggedTensors as tf.data elements: the "Datasets" section of the ragged tensor guide
(https://www.tensorflow.org/guide/ragged_tensor), plus ragged_batch, map functions taking and
returning RaggedTensors, tf.strings.split in a pipeline and as_numpy_iterator."""
import numpy as np
import tensorflow as tf
import keras


def bytes_feature(values):
    return tf.train.Feature(bytes_list=tf.train.BytesList(value=values))


def int64_feature(values):
    return tf.train.Feature(int64_list=tf.train.Int64List(value=values))


def build_tf_example(colors, lengths):
    # the guide builds these from text protos; the same Examples, built field by field
    return tf.train.Example(features=tf.train.Features(feature={
        "colors": bytes_feature(colors), "lengths": int64_feature(lengths)})).SerializeToString()


example_batch = [
    build_tf_example([b"red", b"blue"], [7]),
    build_tf_example([b"orange"], []),
    build_tf_example([b"black", b"yellow"], [1, 3]),
    build_tf_example([b"green"], [3, 5, 2]),
]
feature_specification = {
    "colors": tf.io.RaggedFeature(tf.string),
    "lengths": tf.io.RaggedFeature(tf.int64),
}
feature_tensors = tf.io.parse_example(example_batch, feature_specification)
assert isinstance(feature_tensors["colors"], tf.RaggedTensor)


def as_lists(element):
    """An element's components as nested Python lists."""
    return {k: (v.to_list() if isinstance(v, tf.RaggedTensor) else v.numpy().tolist())
            for k, v in element.items()}


# -- Building Datasets with ragged tensors: each element is one row (a dense tensor) ------------
dataset = tf.data.Dataset.from_tensor_slices(feature_tensors)
spec = dataset.element_spec
# (RaggedFeature's row splits are int32)
assert spec["colors"] == tf.RaggedTensorSpec([None], tf.string, ragged_rank=0,
                                             row_splits_dtype=tf.int32), spec
assert spec["lengths"] == tf.RaggedTensorSpec([None], tf.int64, 0, tf.int32)
assert int(dataset.cardinality()) == 4
elements = [as_lists(e) for e in dataset]
assert elements == [
    {"colors": [b"red", b"blue"], "lengths": [7]},
    {"colors": [b"orange"], "lengths": []},
    {"colors": [b"black", b"yellow"], "lengths": [1, 3]},
    {"colors": [b"green"], "lengths": [3, 5, 2]},
], elements
first = next(iter(dataset))
assert isinstance(first["lengths"], tf.Tensor) and first["lengths"].shape == (1,)

# -- Batching and unbatching Datasets with ragged tensors --------------------------------------
batched_dataset = dataset.batch(2)
assert batched_dataset.element_spec["colors"] == \
    tf.RaggedTensorSpec([None, None], tf.string, 1, tf.int32)
batches = list(batched_dataset)
assert all(isinstance(b["lengths"], tf.RaggedTensor) for b in batches)
assert [as_lists(b) for b in batches] == [
    {"colors": [[b"red", b"blue"], [b"orange"]], "lengths": [[7], []]},
    {"colors": [[b"black", b"yellow"], [b"green"]], "lengths": [[1, 3], [3, 5, 2]]},
]
unbatched_dataset = batched_dataset.unbatch()
assert unbatched_dataset.element_spec == spec
assert [as_lists(e) for e in unbatched_dataset] == elements

# -- Batching Datasets with variable-length non-ragged tensors ---------------------------------
non_ragged_dataset = tf.data.Dataset.from_tensor_slices([1, 5, 3, 2, 8])
non_ragged_dataset = non_ragged_dataset.map(tf.range)
batched_non_ragged_dataset = non_ragged_dataset.apply(
    tf.data.experimental.dense_to_ragged_batch(2))
out = [b.to_list() for b in batched_non_ragged_dataset]
assert out == [[[0], [0, 1, 2, 3, 4]], [[0, 1, 2], [0, 1]], [[0, 1, 2, 3, 4, 5, 6, 7]]], out
same = non_ragged_dataset.ragged_batch(2)
assert same.element_spec == tf.RaggedTensorSpec([None, None], tf.int32, 1, tf.int64)
assert [b.to_list() for b in same] == out
small = non_ragged_dataset.ragged_batch(2, drop_remainder=True, row_splits_dtype=tf.int32)
assert small.element_spec == tf.RaggedTensorSpec([2, None], tf.int32, 1, tf.int32)
assert int(small.cardinality()) == 2
assert [b.row_splits.dtype for b in small] == [tf.int32, tf.int32]
# fully known shapes batch as with batch()
assert tf.data.Dataset.range(5).ragged_batch(2).element_spec == tf.TensorSpec([None], tf.int64)


# -- Transforming Datasets with ragged tensors --------------------------------------------------
def transform_lengths(features):
    return {
        "mean_length": tf.math.reduce_mean(features["lengths"]),
        "length_ranges": tf.ragged.range(features["lengths"])}


transformed_dataset = dataset.map(transform_lengths)
tspec = transformed_dataset.element_spec
assert tspec["length_ranges"] == tf.RaggedTensorSpec([None, None], tf.int64, 1), tspec
assert tspec["mean_length"] == tf.TensorSpec([], tf.int64)
transformed = [as_lists(e) for e in transformed_dataset]
assert transformed == [
    {"mean_length": 7, "length_ranges": [[0, 1, 2, 3, 4, 5, 6]]},
    {"mean_length": 0, "length_ranges": []},
    {"mean_length": 2, "length_ranges": [[0], [0, 1, 2]]},
    {"mean_length": 3, "length_ranges": [[0, 1, 2], [0, 1, 2, 3, 4], [0, 1]]},
], transformed

# a batch of ragged rows through map: the function takes and returns RaggedTensors
doubled = batched_dataset.map(lambda f: f["lengths"] * 2)
assert doubled.element_spec == tf.RaggedTensorSpec([None, None], tf.int64, 1, tf.int32)
assert [b.to_list() for b in doubled] == [[[14], []], [[2, 6], [6, 10, 4]]]
sums = batched_dataset.map(lambda f: tf.reduce_sum(f["lengths"], axis=1))
assert [s.numpy().tolist() for s in sums] == [[7, 0], [4, 10]]
assert [int(b["lengths"].nrows()) for b in batched_dataset.filter(
    lambda f: tf.reduce_sum(f["lengths"].flat_values) > 10)] == [2]

# -- Text: tf.strings.split makes the ragged rows ----------------------------------------------
lines = tf.data.Dataset.from_tensor_slices(["the quick fox", "jumps", "over the dog"])
words = lines.batch(2).map(tf.strings.split)
assert words.element_spec == tf.RaggedTensorSpec([None, None], tf.string, 1)
assert [w.to_list() for w in words] == [[[b"the", b"quick", b"fox"], [b"jumps"]],
                                        [[b"over", b"the", b"dog"]]]
per_line = lines.map(tf.strings.split)  # one line's words: a dense tensor
assert per_line.element_spec == tf.TensorSpec([None], tf.string)
assert [w.to_list() for w in per_line.ragged_batch(3)] == \
    [[[b"the", b"quick", b"fox"], [b"jumps"], [b"over", b"the", b"dog"]]]

# -- Labels, zip, shuffle, cache, repeat, take ---------------------------------------------------
rt = tf.ragged.constant([[3, 1, 4, 1], [], [5, 9, 2], [6], []])
labeled = tf.data.Dataset.from_tensor_slices((rt, tf.range(5)))
assert labeled.element_spec == (tf.RaggedTensorSpec([None], tf.int32, 0),
                                tf.TensorSpec([], tf.int32))
x, y = next(iter(labeled.batch(3)))
assert x.to_list() == [[3, 1, 4, 1], [], [5, 9, 2]] and y.numpy().tolist() == [0, 1, 2]
pipeline = labeled.batch(2).cache().repeat(2).take(5)
assert int(pipeline.cardinality()) == 5
assert [b[1].numpy().tolist() for b in pipeline] == [[0, 1], [2, 3], [4], [0, 1], [2, 3]]
shuffled = sorted(int(tf.reduce_sum(b)) for b in tf.data.Dataset.from_tensor_slices(rt).batch(1)
                  .shuffle(5, seed=3).prefetch(2))
assert shuffled == [0, 0, 6, 9, 16]
zipped = tf.data.Dataset.zip((tf.data.Dataset.from_tensors(rt), tf.data.Dataset.range(1)))
assert zipped.element_spec[0] == tf.RaggedTensorSpec([5, None], tf.int32, 1)

# padded_batch takes dense elements only
try:
    tf.data.Dataset.from_tensor_slices(rt).padded_batch(2)
    raise AssertionError("padded_batch of ragged elements should fail")
except TypeError as e:
    assert "is not a subclass of TensorSpec" in str(e)

# -- as_numpy_iterator: RaggedTensor.numpy() of each element -------------------------------------
np_batches = list(tf.data.Dataset.from_tensor_slices(rt).batch(2).as_numpy_iterator())
assert np_batches[0].dtype == object and [r.tolist() for r in np_batches[0]] == [[3, 1, 4, 1], []]
assert np_batches[2].shape == (1, 0)  # rows of equal length: one array
rows = list(tf.data.Dataset.from_tensor_slices(rt).as_numpy_iterator())
assert isinstance(rows[0], np.ndarray) and rows[0].tolist() == [3, 1, 4, 1]

# -- Keras: fit on a dataset of (ragged, label) --------------------------------------------------
class MeanPool(keras.layers.Layer):
    def call(self, x):
        return tf.reduce_mean(tf.cast(x, tf.float32), axis=1, keepdims=True)


class PoolModel(keras.Model):
    def __init__(self):
        super().__init__()
        self.pool, self.dense = MeanPool(), keras.layers.Dense(1)

    def call(self, x):
        return self.dense(self.pool(x))


keras.utils.set_random_seed(0)
train = tf.data.Dataset.from_tensor_slices(
    (tf.ragged.constant([[1, 2, 3], [4], [5, 6], [7, 8, 9, 10]]),
     tf.constant([[2.0], [4.0], [5.5], [8.5]]))).batch(2)
model = PoolModel()
model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse")
history = model.fit(train, epochs=4, verbose=0).history["loss"]
assert history[-1] < history[0], history
assert model.predict(train, verbose=0).shape == (4, 1)

print("ok")
