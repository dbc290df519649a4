"""RaggedTensors as tf.data elements (graphflow/data/structure.py's RaggedValue): sources,
batch / unbatch / ragged_batch, traced functions taking and returning RaggedTensors, the
other transformations, as_numpy_iterator and errors. Expected values, specs, cardinalities and
errors checked against TensorFlow 2.21."""
import numpy as np
import pytest

import graphflow as tf
from graphflow.errors import InvalidArgumentError, InvalidTypeError

Dataset = tf.data.Dataset
Spec = tf.RaggedTensorSpec


def show(x):
    """An iterated element as Python values, tagged by kind (RaggedTensor or dense Tensor)."""
    if isinstance(x, tf.RaggedTensor):
        return ("RT", x.to_list(), x.dtype.name, x.row_splits.dtype.name)
    if isinstance(x, dict):
        return {k: show(v) for k, v in x.items()}
    if isinstance(x, tuple):
        return tuple(show(v) for v in x)
    return ("T", x.numpy().tolist(), x.dtype.name)


def shows(ds):
    return [show(x) for x in ds]


def digits():
    return tf.ragged.constant([[3, 1, 4, 1], [], [5, 9, 2], [6], []])


ROWS = [("T", [3, 1, 4, 1], "int32"), ("T", [], "int32"), ("T", [5, 9, 2], "int32"),
        ("T", [6], "int32"), ("T", [], "int32")]
BATCHES = [("RT", [[3, 1, 4, 1], []], "int32", "int64"), ("RT", [[5, 9, 2], [6]], "int32", "int64"),
           ("RT", [[]], "int32", "int64")]


# -- sources -------------------------------------------------------------------------------------

def test_from_tensor_slices_rows_are_dense_tensors_of_a_ragged_rank_0_spec():
    ds = Dataset.from_tensor_slices(digits())
    assert ds.element_spec == Spec([None], tf.int32, 0, tf.int64)
    assert repr(ds.element_spec) == "RaggedTensorSpec(TensorShape([None]), tf.int32, 0, tf.int64)"
    assert int(ds.cardinality()) == 5
    assert shows(ds) == ROWS
    first = next(iter(ds))
    assert type(first) is not tf.RaggedTensor and first.shape == (4,)


def test_from_tensor_slices_deeper_and_uniform_inner():
    r3 = tf.ragged.constant([[[1, 2, 3], [4]], [[5], [], [6]], [[7]], [[8, 9], [10]]])
    ds = Dataset.from_tensor_slices(r3)
    assert ds.element_spec == Spec([None, None], tf.int32, 1, tf.int64)
    assert [x.to_list() for x in ds] == [[[1, 2, 3], [4]], [[5], [], [6]], [[7]], [[8, 9], [10]]]
    assert [x.shape.as_list() for x in ds] == [[2, None], [3, None], [1, None], [2, None]]
    u = tf.ragged.constant([[[1, 2], [3, 4], [5, 6]], [[7, 8]]], ragged_rank=1)
    ds = Dataset.from_tensor_slices(u)
    assert ds.element_spec == Spec([None, 2], tf.int32, 0, tf.int64)
    assert shows(ds) == [("T", [[1, 2], [3, 4], [5, 6]], "int32"), ("T", [[7, 8]], "int32")]
    assert ds.batch(2).element_spec == Spec([None, None, 2], tf.int32, 1, tf.int64)
    assert shows(ds.batch(2)) == [("RT", [[[1, 2], [3, 4], [5, 6]], [[7, 8]]], "int32", "int64")]


def test_from_tensors_keeps_the_ragged_tensor():
    ds = Dataset.from_tensors(digits())
    assert ds.element_spec == Spec([5, None], tf.int32, 1, tf.int64)
    assert shows(ds) == [("RT", [[3, 1, 4, 1], [], [5, 9, 2], [6], []], "int32", "int64")]
    assert ds.get_single_element().to_list() == digits().to_list()
    assert ds.repeat(3).batch(2).element_spec == Spec([None, 5, None], tf.int32, 2, tf.int64)
    assert [x.to_list() for x in ds.repeat(3).batch(2)] == [[digits().to_list()] * 2,
                                                           [digits().to_list()]]


def test_tuples_and_dicts_with_ragged_components():
    ds = Dataset.from_tensor_slices((digits(), tf.range(5)))
    assert ds.element_spec == (Spec([None], tf.int32, 0), tf.TensorSpec([], tf.int32))
    assert shows(ds) == [(r, ("T", i, "int32")) for i, r in enumerate(ROWS)]
    d = Dataset.from_tensor_slices({"a": digits(), "b": tf.range(5)})
    assert d.element_spec == {"a": Spec([None], tf.int32, 0), "b": tf.TensorSpec([], tf.int32)}
    assert shows(d.batch(2))[1] == {"a": BATCHES[1], "b": ("T", [2, 3], "int32")}
    assert repr(ds.batch(2)) == (
        "<_BatchDataset element_spec=(RaggedTensorSpec(TensorShape([None, None]), tf.int32, 1, "
        "tf.int64), TensorSpec(shape=(None,), dtype=tf.int32, name=None))>")


def test_sizes_must_agree():
    with pytest.raises(InvalidArgumentError, match="Dimensions 4 and 5 are not compatible"):
        Dataset.from_tensor_slices((digits(), tf.range(4)))


def test_int32_row_splits_are_kept():
    rt = tf.ragged.constant([[1], [2, 3]], row_splits_dtype=tf.int32)
    ds = Dataset.from_tensor_slices(rt).batch(2)
    assert ds.element_spec == Spec([None, None], tf.int32, 1, tf.int32)
    assert shows(ds) == [("RT", [[1], [2, 3]], "int32", "int32")]


# -- batch, unbatch, ragged_batch ----------------------------------------------------------------

def test_batch_of_ragged_rows_gives_ragged_tensors():
    ds = Dataset.from_tensor_slices(digits())
    assert ds.batch(2).element_spec == Spec([None, None], tf.int32, 1, tf.int64)
    assert shows(ds.batch(2)) == BATCHES
    dropped = ds.batch(2, drop_remainder=True)
    assert dropped.element_spec == Spec([2, None], tf.int32, 1, tf.int64)
    assert int(dropped.cardinality()) == 2 and shows(dropped) == BATCHES[:2]
    r3 = tf.ragged.constant([[[1, 2, 3], [4]], [[5], [], [6]], [[7]], [[8, 9], [10]]])
    b = Dataset.from_tensor_slices(r3).batch(3)
    assert b.element_spec == Spec([None, None, None], tf.int32, 2, tf.int64)
    assert [x.to_list() for x in b] == [[[[1, 2, 3], [4]], [[5], [], [6]], [[7]]],
                                        [[[8, 9], [10]]]]


def test_batch_reading_other_than_the_source():
    ds = Dataset.from_tensor_slices(digits()).take(5).batch(2)
    assert shows(ds) == BATCHES
    # a function of a ragged_rank-0 row returns a dense tensor: rows of other lengths no
    # longer batch (as in TF)
    with pytest.raises(InvalidArgumentError, match="Cannot add tensor to the batch"):
        list(Dataset.from_tensor_slices(digits()).map(lambda x: x + 0).batch(2))


def test_unbatch():
    ds = Dataset.from_tensor_slices(digits())
    assert ds.batch(2).unbatch().element_spec == Spec([None], tf.int32, 0)
    assert shows(ds.batch(2).unbatch()) == ROWS
    assert shows(Dataset.from_tensors(digits()).unbatch()) == ROWS
    r3 = tf.ragged.constant([[[1, 2, 3], [4]], [[5], [], [6]], [[7]], [[8, 9], [10]]])
    u = Dataset.from_tensors(r3).unbatch()
    assert u.element_spec == Spec([None, None], tf.int32, 1)
    assert [x.to_list() for x in u] == r3.to_list()


def test_unbatch_of_ragged_rank_0_rows_gives_scalars():
    # TF 2.21 prints RaggedTensorSpec(TensorShape([]), tf.int32, -1, tf.int64) here, a spec
    # that cannot be built; the values are the same scalars
    ds = Dataset.from_tensor_slices(digits()).unbatch()
    assert ds.element_spec == tf.TensorSpec([], tf.int32)
    assert [int(x) for x in ds] == [3, 1, 4, 1, 5, 9, 2, 6]


def ranges():
    return Dataset.from_tensor_slices([1, 2, 3]).map(lambda n: tf.range(n))


def test_ragged_batch_of_variable_length_dense_elements():
    ds = ranges().ragged_batch(2)
    assert ds.element_spec == Spec([None, None], tf.int32, 1, tf.int64)
    assert shows(ds) == [("RT", [[0], [0, 1]], "int32", "int64"),
                         ("RT", [[0, 1, 2]], "int32", "int64")]
    assert int(ds.cardinality()) == 2
    dropped = ranges().ragged_batch(2, drop_remainder=True)
    assert dropped.element_spec == Spec([2, None], tf.int32, 1, tf.int64)
    assert shows(dropped) == [("RT", [[0], [0, 1]], "int32", "int64")]
    i32 = ranges().ragged_batch(2, row_splits_dtype=tf.int32)
    assert i32.element_spec == Spec([None, None], tf.int32, 1, tf.int32)
    assert shows(i32) == [("RT", [[0], [0, 1]], "int32", "int32"),
                          ("RT", [[0, 1, 2]], "int32", "int32")]
    assert shows(ds.unbatch()) == [("T", [0], "int32"), ("T", [0, 1], "int32"),
                                   ("T", [0, 1, 2], "int32")]
    assert ds.unbatch().element_spec == Spec([None], tf.int32, 0)


def test_ragged_batch_rank_follows_the_last_unknown_dim():
    n = Dataset.from_tensor_slices([1, 2, 3])
    inner = n.map(lambda k: tf.zeros([k, 2])).ragged_batch(2)
    assert inner.element_spec == Spec([None, None, 2], tf.float32, 1, tf.int64)
    assert [x.to_list() for x in inner] == [[[[0.0, 0.0]], [[0.0, 0.0], [0.0, 0.0]]],
                                            [[[0.0, 0.0]] * 3]]
    both = n.map(lambda k: tf.zeros([k, k])).ragged_batch(2)
    assert both.element_spec == Spec([None, None, None], tf.float32, 2, tf.int64)
    assert [x.to_list() for x in both] == [[[[0.0]], [[0.0, 0.0], [0.0, 0.0]]],
                                           [[[0.0] * 3] * 3]]


def test_ragged_batch_keeps_known_shapes_and_ragged_elements():
    assert Dataset.range(5).ragged_batch(2).element_spec == tf.TensorSpec([None], tf.int64)
    assert [x.numpy().tolist() for x in Dataset.range(5).ragged_batch(2)] == [[0, 1], [2, 3], [4]]
    fixed = Dataset.from_tensor_slices([[1, 2], [3, 4], [5, 6]]).ragged_batch(2)
    assert fixed.element_spec == tf.TensorSpec([None, 2], tf.int32)
    pairs = ranges().map(lambda x: (x, tf.size(x))).ragged_batch(2)
    assert pairs.element_spec == (Spec([None, None], tf.int32, 1), tf.TensorSpec([None], tf.int32))
    assert shows(pairs) == [(("RT", [[0], [0, 1]], "int32", "int64"), ("T", [1, 2], "int32")),
                            (("RT", [[0, 1, 2]], "int32", "int64"), ("T", [3], "int32"))]
    already = Dataset.from_tensor_slices(digits()).ragged_batch(2)
    assert already.element_spec == Spec([None, None], tf.int32, 1) and shows(already) == BATCHES
    unknown = Dataset.from_generator(lambda: iter([[1], [2, 3]]),
                                     output_signature=tf.TensorSpec(None, tf.int32))
    assert unknown.ragged_batch(2).element_spec == tf.TensorSpec(None, tf.int32)


def test_dense_to_ragged_batch_is_ragged_batch():
    ds = Dataset.range(6).map(tf.range).apply(tf.data.experimental.dense_to_ragged_batch(2))
    assert ds.element_spec == Spec([None, None], tf.int64, 1)
    assert [x.to_list() for x in ds] == [[[], [0]], [[0, 1], [0, 1, 2]],
                                         [[0, 1, 2, 3], [0, 1, 2, 3, 4]]]


def test_ragged_batch_bad_arguments():
    with pytest.raises(InvalidArgumentError, match="batch_size"):
        ranges().ragged_batch(0)
    with pytest.raises(InvalidArgumentError, match="row_splits_dtype"):
        ranges().ragged_batch(2, row_splits_dtype=tf.float32)


def test_padded_batch_refuses_ragged_elements():
    with pytest.raises(TypeError, match=r"`padded_batch` is only supported for datasets that "
                       r"produce tensor elements .* `RaggedTensorSpec\(TensorShape\(\[None\]\)"):
        Dataset.from_tensor_slices(digits()).padded_batch(2)
    with pytest.raises(InvalidTypeError):
        Dataset.from_tensor_slices(digits()).batch(2).padded_batch(2)


# -- traced functions ----------------------------------------------------------------------------

def test_map_of_ragged_rank_0_rows_gets_dense_tensors():
    ds = Dataset.from_tensor_slices(digits()).map(lambda x: x * 2)
    assert ds.element_spec == tf.TensorSpec([None], tf.int32)
    assert [x.numpy().tolist() for x in ds] == [[6, 2, 8, 2], [], [10, 18, 4], [12], []]
    kept = Dataset.from_tensor_slices(digits()).filter(lambda x: tf.size(x) > 1)
    assert shows(kept) == [ROWS[0], ROWS[2]]


def test_map_taking_and_returning_ragged_tensors():
    b = Dataset.from_tensor_slices(digits()).batch(2)
    plus = b.map(lambda x: x + 1)
    assert plus.element_spec == Spec([None, None], tf.int32, 1)
    assert [x.to_list() for x in plus] == [[[4, 2, 5, 2], []], [[6, 10, 3], [7]], [[]]]
    sums = b.map(lambda x: tf.reduce_sum(x, axis=1))
    assert sums.element_spec == tf.TensorSpec([None], tf.int32)
    assert [x.numpy().tolist() for x in sums] == [[9, 0], [16, 6], [0]]
    dense = b.map(lambda x: x.to_tensor())
    assert [x.numpy().tolist() for x in dense] == [[[3, 1, 4, 1], [0, 0, 0, 0]],
                                                   [[5, 9, 2], [6, 0, 0]], [[]]]
    pair = b.map(lambda x: (x, x.row_lengths()))
    assert pair.element_spec == (Spec([None, None], tf.int32, 1), tf.TensorSpec([None], tf.int64))
    assert shows(pair)[1] == (BATCHES[1], ("T", [3, 1], "int64"))
    assert shows(b.filter(lambda x: tf.size(x) > 1)) == BATCHES[:2]


def test_map_returning_a_ragged_tensor_from_dense_input():
    ds = Dataset.range(3).map(lambda n: tf.RaggedTensor.from_row_lengths(tf.range(n * 2), [n, n]))
    assert ds.element_spec == Spec([2, None], tf.int64, 1, tf.int64)
    assert [x.to_list() for x in ds] == [[[], []], [[0], [1]], [[0, 1], [2, 3]]]
    nested = Dataset.range(3).map(lambda n: (tf.ragged.range(tf.range(n)), n)).batch(2)
    assert nested.element_spec == (Spec([None, None, None], tf.int64, 2),
                                   tf.TensorSpec([None], tf.int64))
    assert [x[0].to_list() for x in nested] == [[[], [[]]], [[[], [0]]]]


def test_parallel_map_with_ragged_elements():
    ds = Dataset.from_tensor_slices(digits()).batch(1).map(lambda x: x * 10, num_parallel_calls=2,
                                                            deterministic=True)
    assert [x.to_list() for x in ds] == [[[30, 10, 40, 10]], [[]], [[50, 90, 20]], [[60]], [[]]]


def test_strings_split_in_map():
    lines = Dataset.from_tensor_slices(["a b c", "d", "e f"])
    one = lines.map(tf.strings.split)
    assert one.element_spec == tf.TensorSpec([None], tf.string)
    assert [x.numpy().tolist() for x in one] == [[b"a", b"b", b"c"], [b"d"], [b"e", b"f"]]
    batched = lines.batch(2).map(tf.strings.split)
    assert batched.element_spec == Spec([None, None], tf.string, 1)
    assert [x.to_list() for x in batched] == [[[b"a", b"b", b"c"], [b"d"]], [[b"e", b"f"]]]
    assert [x.to_list() for x in one.ragged_batch(2)] == [[[b"a", b"b", b"c"], [b"d"]],
                                                         [[b"e", b"f"]]]


def test_reduce_scan_and_nested_datasets():
    b = Dataset.from_tensor_slices(digits()).batch(2)
    assert int(b.reduce(tf.constant(0), lambda s, x: s + tf.reduce_sum(x))) == 31
    assert shows(b.scan(tf.constant(0), lambda s, x: (s + 1, x))) == BATCHES
    assert shows(b.flat_map(lambda x: Dataset.from_tensor_slices(x))) == ROWS
    assert shows(Dataset.range(2).interleave(lambda i: b)) == \
        [BATCHES[0], BATCHES[0], BATCHES[1], BATCHES[1], BATCHES[2], BATCHES[2]]
    windows = [shows(w) for w in b.window(2)]
    assert windows == [BATCHES[:2], BATCHES[2:]]
    assert b.window(2).element_spec == tf.data.DatasetSpec(Spec([None, None], tf.int32, 1))
    groups = Dataset.from_tensor_slices(digits()).group_by_window(
        lambda x: tf.cast(tf.size(x) > 0, tf.int64), lambda k, w: w.batch(5), window_size=5)
    assert [x.to_list() for x in groups] == [[[], []], [[3, 1, 4, 1], [5, 9, 2], [6]]]


# -- other transformations -----------------------------------------------------------------------

def test_zip_shuffle_prefetch_take_repeat_concatenate_enumerate_rebatch():
    b = Dataset.from_tensor_slices(digits()).batch(2)
    z = Dataset.zip((b, Dataset.range(3)))
    assert z.element_spec == (Spec([None, None], tf.int32, 1), tf.TensorSpec([], tf.int64))
    assert shows(z) == [(r, ("T", i, "int64")) for i, r in enumerate(BATCHES)]
    assert sorted(map(str, shows(b.shuffle(10, seed=1)))) == sorted(map(str, BATCHES))
    assert shows(b.prefetch(2)) == BATCHES
    assert shows(b.take(1)) == BATCHES[:1] and int(b.take(1).cardinality()) == 1
    assert shows(b.repeat(2)) == BATCHES * 2 and int(b.repeat(2).cardinality()) == 6
    assert shows(b.concatenate(b)) == BATCHES * 2
    other = Dataset.from_tensors(tf.ragged.constant([[1, 2, 3]]))
    assert b.concatenate(other).element_spec == Spec([None, None], tf.int32, 1)
    with pytest.raises(InvalidArgumentError, match="Incompatible dataset elements"):
        b.concatenate(Dataset.range(3))
    with pytest.raises(InvalidArgumentError, match="Incompatible dataset elements"):
        b.concatenate(Dataset.from_tensors(tf.ragged.constant([[[1]]])))  # ragged_rank 2
    assert [(int(i), show(x)) for i, x in b.enumerate()] == list(enumerate(BATCHES))
    assert [x.to_list() for x in b.rebatch(3)] == [[[3, 1, 4, 1], [], [5, 9, 2]], [[6], []]]


def test_cache_in_memory_and_in_a_file(tmp_path):
    b = Dataset.from_tensor_slices(digits()).batch(2)
    c = b.cache()
    assert shows(c) == BATCHES and shows(c) == BATCHES
    f = b.cache(str(tmp_path / "c"))
    assert shows(f) == BATCHES and shows(f) == BATCHES  # the second reads the file
    rows = Dataset.from_tensor_slices(digits()).cache(str(tmp_path / "rows"))
    assert shows(rows) == ROWS and shows(rows) == ROWS
    words = Dataset.from_tensor_slices(["a b", "c"]).batch(2).map(tf.strings.split) \
        .cache(str(tmp_path / "w"))
    assert [x.to_list() for x in words] == [[[b"a", b"b"], [b"c"]]]
    assert [x.to_list() for x in words] == [[[b"a", b"b"], [b"c"]]]  # read back


def test_from_generator_with_a_ragged_tensor_spec():
    spec = Spec([None, None], tf.int32)
    ds = Dataset.from_generator(lambda: iter([tf.ragged.constant([[1], [2, 3]])]),
                                output_signature=spec)
    assert ds.element_spec == spec
    assert shows(ds) == [("RT", [[1], [2, 3]], "int32", "int64")]
    bad = Dataset.from_generator(lambda: iter([[[1], [2, 3]]]), output_signature=spec)
    with pytest.raises(InvalidArgumentError, match="did not match the expected structure"):
        list(bad)
    dense = Dataset.from_generator(lambda: iter([tf.constant([1, 2])]), output_signature=spec)
    with pytest.raises(InvalidArgumentError,
                       match=r"yielded an element of TensorSpec\(shape=\(2,\)"):
        list(dense)
    wrong = Dataset.from_generator(lambda: iter([tf.ragged.constant([[1.0]])]),
                                   output_signature=spec)
    with pytest.raises(InvalidArgumentError, match="where an element of RaggedTensorSpec"):
        list(wrong)


# -- consuming -----------------------------------------------------------------------------------

def test_as_numpy_iterator_gives_ragged_tensor_numpy():
    b = list(Dataset.from_tensor_slices(digits()).batch(2).as_numpy_iterator())
    assert b[0].dtype == object and [r.tolist() for r in b[0]] == [[3, 1, 4, 1], []]
    assert b[0][0].dtype == np.int32
    assert b[2].dtype == np.int32 and b[2].shape == (1, 0)  # equal lengths: one array
    rows = list(Dataset.from_tensor_slices(digits()).as_numpy_iterator())
    assert [r.tolist() for r in rows] == [[3, 1, 4, 1], [], [5, 9, 2], [6], []]
    assert all(isinstance(r, np.ndarray) and r.dtype == np.int32 for r in rows)
    rb = list(ranges().ragged_batch(2).as_numpy_iterator())
    assert rb[1].tolist() == [[0, 1, 2]] and rb[1].dtype == np.int32
    d = list(Dataset.from_tensor_slices({"a": digits()}).batch(3).as_numpy_iterator())
    assert [r.tolist() for r in d[1]["a"]] == [[6], []]


def test_ragged_tensor_numpy_as_tf():
    assert tf.ragged.constant([[1, 2], [3, 4]]).numpy().tolist() == [[1, 2], [3, 4]]
    assert tf.ragged.constant([[1, 2], [3, 4]]).numpy().dtype == np.int32
    empty = tf.RaggedTensor.from_row_splits(tf.zeros([0], tf.int32), [0]).numpy()
    assert empty.shape == (0, 0) and empty.dtype == np.int32
    r3 = tf.ragged.constant([[[1], [2, 3]], [[4]]]).numpy()
    assert r3.dtype == object
    assert [[x.tolist() for x in row] for row in r3] == [[[1], [2, 3]], [[4]]]
    assert tf.ragged.constant([[[1, 2], [2, 3]], [[4, 5], [6, 7]]]).numpy().shape == (2, 2, 2)


def test_iterating_in_a_function():
    b = Dataset.from_tensor_slices(digits()).batch(2)

    @tf.function
    def total(ds):
        s = tf.constant(0)
        for x in ds:
            s += tf.reduce_sum(x)
        return s
    assert int(total(b)) == 31


def test_iterating_ragged_rank_0_rows_in_a_function():
    @tf.function
    def lengths(ds):
        out = tf.constant(0)
        for x in ds:
            out = out * 10 + tf.size(x)
        return out
    assert int(lengths(Dataset.from_tensor_slices(digits()))) == 40310


def test_keras_fit_on_a_dataset_of_ragged_inputs():
    from graphflow import keras

    class MeanPool(keras.layers.Layer):
        def call(self, x):
            return tf.reduce_mean(tf.cast(x, tf.float32), axis=1, keepdims=True)

    class Model(keras.Model):
        def __init__(self):
            super().__init__()
            self.pool, self.dense = MeanPool(), keras.layers.Dense(1)

        def call(self, x):
            return self.dense(self.pool(x))

    keras.utils.set_random_seed(0)
    x = tf.ragged.constant([[1, 2, 3], [4], [5, 6], [7, 8, 9, 10]])
    y = tf.constant([[2.0], [4.0], [5.5], [8.5]])
    ds = Dataset.from_tensor_slices((x, y)).batch(2)
    model = Model()
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse")
    loss = model.fit(ds, epochs=5, verbose=0).history["loss"]
    assert loss[-1] < loss[0]
    pred = model.predict(ds, verbose=0)
    assert pred.shape == (4, 1)
    np.testing.assert_allclose(pred, model(x).numpy(), rtol=1e-5)


def test_batch_needs_equal_inner_dims_of_the_flat_values():
    spec = Spec([None, None, None], tf.int32, 1)
    rows = [tf.ragged.constant([[[1, 2]]], ragged_rank=1),
            tf.ragged.constant([[[1, 2, 3]]], ragged_rank=1)]
    ds = Dataset.from_generator(lambda: iter(rows), output_signature=spec)
    assert [x.to_list() for x in ds] == [[[[1, 2]]], [[[1, 2, 3]]]]
    with pytest.raises(InvalidArgumentError, match=r"All flat_values must have compatible "
                       r"shapes. Shape at index 0: \[2\].  Shape at index 1: \[3\]"):
        list(ds.batch(2))


def test_bucketing_pads_so_refuses_ragged_and_sampling_merges_specs():
    ds = Dataset.from_tensor_slices(digits())
    with pytest.raises(TypeError, match="`padded_batch` is only supported"):
        ds.bucket_by_sequence_length(lambda x: tf.size(x), [2], [2, 2])
    mixed = Dataset.sample_from_datasets([ds.batch(2), ds.batch(3)], seed=1)
    assert mixed.element_spec == Spec([None, None], tf.int32, 1)
    assert sum(int(x.nrows()) for x in mixed) == 10  # every row of both, once
    assert [x.to_list() for x in ds.batch(2).shard(2, 0)] == [[[3, 1, 4, 1], []], [[]]]


def test_iterating_sparse_elements_in_a_function():
    # composites other than ragged travel through the staged loop the same way
    ds = Dataset.from_tensor_slices(tf.sparse.from_dense([[1, 0], [0, 2], [3, 4]])).batch(2)

    @tf.function
    def total(ds):
        s = tf.constant(0)
        for x in ds:
            s += tf.sparse.reduce_sum(x)
        return s
    assert int(total(ds)) == 10
