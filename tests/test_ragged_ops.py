"""RaggedTensor ops (graphflow/ops/ragged.py, ragged_ops.py): the ragged dispatch of
elementwise ops, reductions, shape ops, constructors, indexing, symbolic use inside
graphflow.function, and gradients w.r.t. flat_values checked by finite differences. Expected
values were taken from TensorFlow 2.21."""
import numpy as np
import pytest

import graphflow as tf
from graphflow.errors import InvalidArgumentError

DIGITS = [[3, 1, 4, 1], [], [5, 9, 2], [6], []]
R3 = [[[1, 2, 3], [4]], [[5], [], [6]], [[7]], [[8, 9], [10]]]


def digits():
    return tf.ragged.constant(DIGITS)


def value(x):
    return x.to_list() if isinstance(x, tf.RaggedTensor) else x.numpy().tolist()


@pytest.mark.parametrize("fn,expected", [
    (lambda d: tf.add(d, 1), [[4, 2, 5, 2], [], [6, 10, 3], [7], []]),
    (lambda d: 1 + d, [[4, 2, 5, 2], [], [6, 10, 3], [7], []]),
    (lambda d: tf.constant(1) + d, [[4, 2, 5, 2], [], [6, 10, 3], [7], []]),
    (lambda d: d * d, [[9, 1, 16, 1], [], [25, 81, 4], [36], []]),
    (lambda d: -d, [[-3, -1, -4, -1], [], [-5, -9, -2], [-6], []]),
    (lambda d: d // 2, [[1, 0, 2, 0], [], [2, 4, 1], [3], []]),
    (lambda d: d % 2, [[1, 1, 0, 1], [], [1, 1, 0], [0], []]),
    (lambda d: d == 1, [[False, True, False, True], [], [False, False, False], [False], []]),
    (lambda d: ~(d > 2), [[False, True, False, True], [], [False, False, True], [False], []]),
    (lambda d: tf.cast(d, tf.float32) / 2, [[1.5, 0.5, 2.0, 0.5], [], [2.5, 4.5, 1.0], [3.0], []]),
    (lambda d: tf.where(d > 2, d, -d), [[3, -1, 4, -1], [], [5, 9, -2], [6], []]),
    (lambda d: tf.maximum(d, 3), [[3, 3, 4, 3], [], [5, 9, 3], [6], []]),
    (lambda d: tf.ones_like(d), [[1, 1, 1, 1], [], [1, 1, 1], [1], []]),
])
def test_elementwise_ops_act_on_flat_values(fn, expected):
    out = fn(digits())
    assert isinstance(out, tf.RaggedTensor)
    assert out.to_list() == expected


def test_elementwise_dtypes_as_tf():
    assert (digits() / 2).dtype == tf.float64  # TF's int32 true division
    assert tf.math.sqrt(tf.ragged.constant([[1.0, 4.0], []])).to_list() == [[1.0, 2.0], []]
    with pytest.raises(InvalidArgumentError, match="sqrt"):
        tf.math.sqrt(digits())
    with pytest.raises(InvalidArgumentError, match="add"):
        digits() + 1.5


def test_dense_broadcasting():
    x = tf.ragged.constant([[10, 87, 12], [19, 53], [12, 32]])
    assert (x + [[1000], [2000], [3000]]).to_list() == \
        [[1010, 1087, 1012], [2019, 2053], [3012, 3032]]
    u = tf.ragged.constant([[[1, 2], [3, 4], [5, 6]], [[7, 8]]], ragged_rank=1)
    assert (u + tf.constant([[10]])).to_list() == [[[11, 12], [13, 14], [15, 16]], [[17, 18]]]
    assert (u + tf.constant([1, 2])).to_list() == [[[2, 4], [4, 6], [6, 8]], [[8, 10]]]
    with pytest.raises(InvalidArgumentError, match="add: Incompatible shapes"):
        tf.ragged.constant([[1, 2], [3, 4, 5, 6], [7]]) + tf.ones((3, 4), tf.int32)


def test_mismatched_partitions_raise():
    with pytest.raises(InvalidArgumentError, match="row partitions differ"):
        tf.ragged.constant([[1, 2, 3], [4], [5, 6]]) + tf.ragged.constant([[1, 2], [3, 4], [5]])


def test_unsupported_ops_name_themselves():
    for fn, name in [(lambda r: tf.linalg.matmul(r, r), "matmul"), (tf.transpose, "transpose"),
                     (lambda d: tf.argmax(d, axis=1), "argmax"),
                     (tf.nn.softmax, "softmax")]:
        with pytest.raises(TypeError, match=f"{name}: does not support RaggedTensor"):
            fn(tf.ragged.constant([[1.0, 2.0], [3.0]]))


@pytest.mark.parametrize("fn,expected", [
    (lambda d: tf.reduce_sum(d, axis=1), [9, 0, 16, 6, 0]),
    (lambda d: tf.reduce_sum(d, axis=-1, keepdims=True), [[9], [0], [16], [6], [0]]),
    (lambda d: tf.reduce_sum(d, axis=0), [14, 10, 6, 1]),
    (lambda d: tf.reduce_sum(d, axis=0, keepdims=True), [[14, 10, 6, 1]]),
    (lambda d: tf.reduce_sum(d), 31),
    (lambda d: tf.reduce_max(d, axis=1), [4, -2147483648, 9, 6, -2147483648]),
    (lambda d: tf.reduce_min(d, axis=1), [1, 2147483647, 2, 6, 2147483647]),
    (lambda d: tf.reduce_max(d, axis=0), [6, 9, 4, 1]),
    (lambda d: tf.reduce_prod(d, axis=1), [12, 1, 90, 6, 1]),
    (lambda d: tf.reduce_any(d > 3, axis=1), [True, False, True, True, False]),
    (lambda d: tf.reduce_all(d > 3, axis=1), [False, True, False, True, True]),
    (lambda d: tf.reduce_mean(d, axis=0), [14 / 3, 5.0, 3.0, 1.0]),
])
def test_reductions(fn, expected):
    out = fn(digits())
    np.testing.assert_allclose(np.asarray(value(out), float), np.asarray(expected, float))


def test_reduce_mean_empty_rows_nan_float64():
    out = tf.reduce_mean(digits(), axis=1)
    assert out.dtype == tf.float64
    np.testing.assert_allclose(out.numpy(), [2.25, np.nan, 16 / 3, 6.0, np.nan])
    f = tf.reduce_max(tf.ragged.constant([[1.0], []]), axis=1).numpy()
    assert f[1] == np.finfo(np.float32).min


def test_reductions_of_nested_ragged():
    r3 = tf.ragged.constant(R3)
    assert tf.reduce_sum(r3, axis=0).to_list() == [[21, 11, 3], [14], [6]]
    assert tf.reduce_sum(r3, axis=1).to_list() == [[5, 2, 3], [11], [7], [18, 9]]
    assert tf.reduce_sum(r3, axis=2).to_list() == [[6, 4], [5, 0, 6], [7], [17, 10]]
    u = tf.ragged.constant([[[1, 2], [3, 4], [5, 6]], [[7, 8]]], ragged_rank=1)
    assert tf.reduce_sum(u, axis=1).numpy().tolist() == [[9, 12], [7, 8]]
    assert tf.reduce_sum(u, axis=2).to_list() == [[3, 7, 11], [15]]


def test_shape_ops():
    d = digits()
    assert tf.concat([d, [[5, 3]]], axis=0).to_list() == DIGITS + [[5, 3]]
    assert tf.concat([tf.fill([5, 1], 7), d], axis=1).to_list() == \
        [[7, 3, 1, 4, 1], [7], [7, 5, 9, 2], [7, 6], [7]]
    r3 = tf.ragged.constant(R3)
    assert tf.concat([r3, r3], axis=2).to_list()[0] == [[1, 2, 3, 1, 2, 3], [4, 4]]
    with pytest.raises(InvalidArgumentError, match="concat"):
        tf.concat([d, tf.ragged.constant([[1]])], axis=1)
    assert tf.stack([d, d], axis=1).to_list()[0] == [[3, 1, 4, 1], [3, 1, 4, 1]]
    assert tf.stack([tf.ragged.constant([[1], [2, 3]]), tf.constant([[4, 5], [6, 7]])]).to_list() \
        == [[[1], [2, 3]], [[4, 5], [6, 7]]]
    assert tf.expand_dims(d, 2).to_list()[0] == [[3], [1], [4], [1]]
    assert tf.tile(d, [2, 1]).to_list() == DIGITS + DIGITS
    assert tf.gather(d, [2, 0]).to_list() == [[5, 9, 2], [3, 1, 4, 1]]
    assert tf.gather(d, [[2, 0], [1, 1]]).to_list() == [[[5, 9, 2], [3, 1, 4, 1]], [[], []]]
    with pytest.raises(InvalidArgumentError, match=r"indices\[0\] = 7 is not in \[0, 5\)"):
        tf.gather(d, [7])
    assert tf.gather(tf.constant([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]), d).to_list()[0] == \
        [40, 20, 50, 20]
    assert tf.one_hot(d, 10).shape.as_list() == [5, None, 10]
    with pytest.raises(InvalidArgumentError, match="must be greater than indices.ragged_rank"):
        tf.one_hot(d, 3, axis=1)
    assert int(tf.size(d)) == 8 and tf.size(d, out_type=tf.int64).dtype == tf.int64
    assert int(tf.rank(d)) == 2
    shape = tf.shape(d)
    assert int(shape[0]) == 5 and repr(shape) == \
        "<DynamicRaggedShape lengths=[5, (4, 0, 3, 1, 0)] num_row_partitions=1>"
    with pytest.raises(ValueError):
        shape[1]
    assert tf.where(d > 4).numpy().tolist() == [[2, 0], [2, 1], [3, 0]]


def test_ragged_namespace():
    d = digits()
    assert tf.ragged.boolean_mask(d, d > 2).to_list() == [[3, 4], [], [5, 9], [6], []]
    assert tf.ragged.boolean_mask(d, [True, False, True, False, True]).to_list() == \
        [[3, 1, 4, 1], [5, 9, 2], []]
    assert tf.ragged.boolean_mask(tf.constant([[1, 2], [3, 4]]),
                                  tf.constant([[True, False], [False, True]])).to_list() == [[1], [4]]
    assert tf.ragged.map_flat_values(tf.multiply, d, d).to_list()[2] == [25, 81, 4]
    with pytest.raises(ValueError, match="same outer-dimension size"):
        tf.ragged.map_flat_values(tf.add, d, tf.ragged.constant([[1.0]]))
    assert tf.ragged.range([1, 2], [4, 5], 2).to_list() == [[1, 3], [2, 4]]
    assert tf.ragged.range([5], [0], -2).to_list() == [[5, 3, 1]]
    assert tf.ragged.range(0.0, [1.5, 2.0]).to_list() == [[0.0, 1.0], [0.0, 1.0]]
    with pytest.raises(InvalidArgumentError, match="delta != 0"):
        tf.ragged.range([5], [0], 0)
    assert tf.ragged.stack([d, d], axis=1).to_list()[1] == [[], []]
    ids = tf.ragged.row_splits_to_segment_ids(tf.constant([0, 2, 2, 5], tf.int32))
    assert ids.dtype == tf.int32 and ids.numpy().tolist() == [0, 0, 2, 2, 2]
    splits = tf.ragged.segment_ids_to_row_splits([0, 0, 2], num_segments=5)
    assert splits.dtype == tf.int64 and splits.numpy().tolist() == [0, 2, 2, 3, 3, 3]


def test_map_fn_over_rows():
    d = digits()
    assert tf.map_fn(tf.math.square, d).to_list() == [[9, 1, 16, 1], [], [25, 81, 4], [36], []]
    assert tf.map_fn(tf.reduce_sum, d, fn_output_signature=tf.int32).numpy().tolist() == \
        [9, 0, 16, 6, 0]
    spec = tf.RaggedTensorSpec(shape=[None], dtype=tf.int32)
    assert tf.map_fn(lambda r: tf.concat([r, r], 0), d, fn_output_signature=spec).to_list()[0] == \
        [3, 1, 4, 1, 3, 1, 4, 1]
    assert tf.map_fn(tf.range, tf.constant([1, 3]), fn_output_signature=spec).to_list() == \
        [[0], [0, 1, 2]]


def test_constructors_and_methods():
    R = tf.RaggedTensor
    assert R.from_value_rowids([3, 1, 4], [0, 0, 2], nrows=5).to_list() == [[3, 1], [], [4], [], []]
    with pytest.raises(InvalidArgumentError, match="from_value_rowids"):
        R.from_value_rowids([3, 1, 4], [0, 2, 1])
    assert R.from_tensor([[1, 3, -1, -1], [2, -1, -1, -1]], padding=-1).to_list() == [[1, 3], [2]]
    assert R.from_tensor([[1, 3, 5], [2, 4, 6]], lengths=[1, 3]).to_list() == [[1], [2, 4, 6]]
    assert R.from_tensor([[[1, 0], [0, 0]], [[2, 3], [0, 0]]], padding=[0, 0]).to_list() == \
        [[[1, 0]], [[2, 3]]]
    assert R.from_tensor([[[1, 0]], [[2, 3]]], ragged_rank=2).to_list() == [[[1, 0]], [[2, 3]]]
    with pytest.raises(ValueError, match="not both"):
        R.from_tensor([[1]], lengths=[1], padding=0)
    assert R.from_nested_row_lengths([1, 2, 3], [[2, 1], [1, 1, 1]]).to_list() == \
        [[[1], [2]], [[3]]]
    assert R.from_row_starts([3, 1, 4, 1, 5], [0, 2, 2]).to_list() == [[3, 1], [], [4, 1, 5]]
    assert R.from_row_limits([3, 1, 4, 1, 5], [2, 2, 5]).to_list() == [[3, 1], [], [4, 1, 5]]
    with pytest.raises(InvalidArgumentError, match="number of values"):
        R.from_row_limits([3, 1, 4, 1, 5], [2, 2, 4])
    with pytest.raises(InvalidArgumentError, match="start with 0"):
        R.from_row_splits([3, 1, 4], [1, 3])
    d = digits()
    assert d.value_rowids().numpy().tolist() == [0, 0, 0, 0, 2, 2, 2, 3]
    assert d.row_starts().numpy().tolist() == [0, 4, 4, 7, 8]
    assert d.row_limits().numpy().tolist() == [4, 4, 7, 8, 8]
    assert d.bounding_shape().numpy().tolist() == [5, 4] and int(d.bounding_shape(axis=1)) == 4
    r3 = tf.ragged.constant(R3)
    assert [t.numpy().tolist() for t in r3.nested_row_lengths()] == \
        [[2, 3, 1, 2], [3, 1, 1, 0, 1, 1, 2, 1]]
    assert r3.bounding_shape().numpy().tolist() == [4, 3, 3]
    assert r3.merge_dims(0, 1).to_list()[:3] == [[1, 2, 3], [4], [5]]
    assert r3.merge_dims(1, 2).to_list() == [[1, 2, 3, 4], [5, 6], [7], [8, 9, 10]]
    assert r3.merge_dims(0, 2).numpy().tolist() == list(range(1, 11))
    assert d.with_values(d.values * 2).to_list()[0] == [6, 2, 8, 2]
    with pytest.raises(ValueError, match="incompatible"):
        d.with_values([1, 2])
    assert r3.row_lengths(axis=2).to_list() == [[3, 1], [1, 0, 1], [1], [2, 1]]
    spec = tf.RaggedTensorSpec([None, None, 3], tf.float32, ragged_rank=1)
    assert (spec.shape.as_list(), spec.dtype, spec.ragged_rank) == ([None, None, 3], tf.float32, 1)
    assert tf.RaggedTensorSpec.from_value(d) == tf.RaggedTensorSpec([5, None], tf.int32)
    with pytest.raises(ValueError, match="must be less than rank"):
        tf.RaggedTensorSpec([None, None], tf.int32, ragged_rank=2)


def test_indexing():
    d = digits()
    assert d[-3].numpy().tolist() == [5, 9, 2]
    with pytest.raises(IndexError):
        d[7]
    assert d[1:3].to_list() == [[], [5, 9, 2]]
    assert d[::-1].to_list() == DIGITS[::-1]
    assert d[:, ::2].to_list() == [[3, 4], [], [5, 2], [6], []]
    assert d[:, 1:3].to_list() == [[1, 4], [], [9, 2], [], []]
    assert int(d[2, 1]) == 9
    with pytest.raises(ValueError, match="Cannot index into an inner ragged dimension"):
        d[:, -1]
    r3 = tf.ragged.constant(R3)
    assert r3[:, :, :1].to_list() == [[[1], [4]], [[5], [], [6]], [[7]], [[8], [10]]]
    u = tf.ragged.constant([[[1, 2], [3, 4], [5, 6]], [[7, 8]]], ragged_rank=1)
    assert u[:, :, 0].to_list() == [[1, 3, 5], [7]]
    assert d[..., :1].to_list() == [[3], [], [5], [6], []]
    assert d[tf.newaxis].to_list() == [DIGITS]


def test_symbolic_inside_function():
    @tf.function
    def f(x, lengths):
        rt = tf.RaggedTensor.from_row_lengths(x, lengths)
        return (tf.reduce_sum(rt, axis=1), tf.reduce_max(rt, axis=1), tf.reduce_sum(rt, axis=0),
                (rt * 2 + 1).flat_values, rt[1:].row_splits, rt[:, :2].flat_values,
                tf.concat([rt, rt], axis=1).row_splits, tf.gather(rt, [2, 0]).flat_values,
                rt.to_tensor(), tf.map_fn(tf.reduce_sum, rt, fn_output_signature=tf.float32))
    out = f(tf.constant([3.0, 1, 4, 1, 5, 9, 2, 6]), tf.constant([4, 0, 3, 1, 0], tf.int64))
    out = [o.numpy().tolist() for o in out]
    lowest = float(np.finfo(np.float32).min)
    assert out[0] == [9, 0, 16, 6, 0]
    assert out[1] == [4, lowest, 9, 6, lowest]
    assert out[2] == [14, 10, 6, 1]
    assert out[3] == [7, 3, 9, 3, 11, 19, 5, 13]
    assert out[4] == [0, 0, 3, 4, 4]
    assert out[5] == [3, 1, 5, 9, 6]
    assert out[6] == [0, 8, 8, 14, 16, 16]
    assert out[7] == [5, 9, 2, 3, 1, 4, 1]
    assert out[8][2] == [5, 9, 2, 0]
    assert out[9] == [9, 0, 16, 6, 0]


def _numeric_grad(f, w, eps=1e-3):
    w = np.asarray(w, np.float64)
    grads = []
    for i in range(w.size):
        e = np.zeros_like(w)
        e[i] = eps
        grads.append((f(w + e) - f(w - e)) / (2 * eps))
    return np.array(grads)


@pytest.mark.parametrize("loss", [
    lambda rt: tf.reduce_sum(tf.gather(tf.reduce_max(rt, axis=1), [0, 2, 3])
                             * tf.constant([1.0, 2, 3], tf.float64)),
    lambda rt: tf.reduce_sum(tf.reduce_mean(rt * rt, axis=0)),
    lambda rt: tf.reduce_sum(rt.to_tensor() * tf.range(1.0, 5.0, dtype=tf.float64)),
    lambda rt: tf.reduce_sum(tf.concat([rt, rt[:, :1]], axis=1) ** 2),
    lambda rt: tf.reduce_sum(tf.gather(rt, [2, 2, 0]) * 3.0),
    lambda rt: tf.reduce_sum(tf.reduce_prod(rt + 1.0, axis=1)),
])
def test_gradients_match_finite_differences(loss):
    w0 = [3.0, 1, 4, 1, 5, 9, 2, 6]
    lengths = [4, 0, 3, 1, 0]

    def run(w):
        return float(loss(tf.RaggedTensor.from_row_lengths(tf.constant(w, tf.float64), lengths)))
    w = tf.constant(w0, tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(w)
        y = loss(tf.RaggedTensor.from_row_lengths(w, lengths))
    np.testing.assert_allclose(tape.gradient(y, w).numpy(), _numeric_grad(run, w0),
                               rtol=1e-5, atol=1e-5)


def test_map_fn_ragged_results_inside_function():
    spec = tf.RaggedTensorSpec([None], tf.float32)

    @tf.function
    def f(x, lengths):
        rt = tf.RaggedTensor.from_row_lengths(x, lengths)
        doubled = tf.map_fn(lambda r: tf.concat([r, r], 0), rt, fn_output_signature=spec)
        return doubled.flat_values, doubled.row_splits, tf.map_fn(tf.math.square, rt).flat_values
    values, splits, squares = f(tf.constant([3.0, 1, 4, 1, 5]), tf.constant([2, 0, 3], tf.int64))
    assert values.numpy().tolist() == [3, 1, 3, 1, 4, 1, 5, 4, 1, 5]
    assert splits.numpy().tolist() == [0, 4, 4, 10]
    assert squares.numpy().tolist() == [9, 1, 16, 1, 25]


def test_reverse_squeeze_and_ragged_shapes():
    f = tf.ragged.constant([[1.0, -2.0], [], [3.0]])
    assert tf.reverse(f, [1]).to_list() == [[-2.0, 1.0], [], [3.0]]
    assert tf.reverse(f, [0]).to_list() == [[3.0], [], [1.0, -2.0]]
    assert tf.squeeze(tf.expand_dims(f, 2), 2).to_list() == f.to_list()
    with pytest.raises(InvalidArgumentError, match="squeeze"):
        tf.squeeze(f, 1)
    shape = tf.shape(f)
    assert tf.zeros(shape).to_list() == [[0.0, 0.0], [], [0.0]]
    assert tf.fill(shape, "x").to_list() == [[b"x", b"x"], [], [b"x"]]
    assert tf.reshape(tf.constant([7, 8, 9]), shape).to_list() == [[7, 8], [], [9]]
    assert tf.math.is_inf(f).to_list() == [[False, False], [], [False]]
    assert repr(tf.ragged.constant(R3)) == \
        "<tf.RaggedTensor [[[1, 2, 3], [4]], [[5], [], [6]], [[7]], [[8, 9], [10]]]>"


def test_scans_reshape_and_segments():
    d = digits()
    assert tf.reshape(d, [2, 4]).numpy().tolist() == [[3, 1, 4, 1], [5, 9, 2, 6]]
    assert tf.math.cumsum(d, axis=1, exclusive=True).to_list() == \
        [[0, 3, 4, 8], [], [0, 5, 14], [0], []]
    assert tf.math.cumsum(d, axis=1, reverse=True).to_list() == \
        [[9, 6, 5, 1], [], [16, 11, 2], [6], []]
    assert tf.math.cumprod(d, axis=1, reverse=True).to_list() == \
        [[12, 4, 4, 1], [], [90, 18, 2], [6], []]
    r3 = tf.ragged.constant([[[1, 2, 3], [4]], [[5], [], [6]]])
    assert tf.math.cumsum(r3, axis=2).to_list() == [[[1, 3, 6], [4]], [[5], [], [6]]]
    with pytest.raises(TypeError, match="cumsum"):
        tf.math.cumsum(d, axis=0)
    assert tf.math.unsorted_segment_sum(d, [0, 1, 0, 1, 0], 2).to_list() == \
        [[8, 10, 6, 1], [6]]
    assert tf.math.unsorted_segment_max(d, [0, 1, 0, 1, 0], 3).to_list() == \
        [[5, 9, 4, 1], [6], []]


def test_cumsum_gradient():
    w0 = [1.0, 2, 3, 4]
    weights = tf.constant([1.0, 2, 3, 4], tf.float64)

    def loss(w):
        rt = tf.RaggedTensor.from_row_lengths(w, [3, 1])
        return tf.reduce_sum(tf.math.cumsum(rt, axis=1, reverse=True).flat_values * weights)
    w = tf.constant(w0, tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(w)
        y = loss(w)
    numeric = _numeric_grad(lambda v: float(loss(tf.constant(v, tf.float64))), w0)
    np.testing.assert_allclose(tape.gradient(y, w).numpy(), numeric, rtol=1e-6)


def test_unknown_shapes_inside_function():
    # the number of rows is known only when the graph runs: sorted segment ops do the work
    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32),
                                  tf.TensorSpec([None], tf.int64)])
    def f(x, lengths):
        rt = tf.RaggedTensor.from_row_lengths(x, lengths)
        return (tf.reduce_sum(rt, axis=1), tf.reduce_max(rt, axis=1), tf.reduce_mean(rt, axis=0),
                tf.concat([rt, rt], axis=1).row_splits, rt[1:].row_splits, rt[-1],
                rt.bounding_shape(), tf.ragged.boolean_mask(rt, rt > 2.0).flat_values,
                tf.math.cumsum(rt, axis=1).flat_values,
                tf.RaggedTensor.from_value_rowids(x, rt.value_rowids()).row_splits)
    out = [t.numpy().tolist() for t in f(tf.constant([3.0, 1, 4, 1, 5, 9, 2, 6]),
                                         tf.constant([4, 0, 3, 1], tf.int64))]
    assert out[0] == [9, 0, 16, 6]
    assert out[1] == [4, float(np.finfo(np.float32).min), 9, 6]
    np.testing.assert_allclose(out[2], [14 / 3, 5, 3, 1], rtol=1e-6)
    assert out[3] == [0, 8, 8, 14, 16]
    assert out[4] == [0, 0, 3, 4]
    assert out[5] == [6]
    assert out[6] == [4, 4]
    assert out[7] == [3, 4, 5, 9, 6]
    assert out[8] == [3, 4, 8, 9, 5, 14, 16, 6]
    assert out[9] == [0, 4, 4, 7, 8]


def test_ragged_arguments_and_signatures_of_functions_trace_as_tf():
    traces = []

    @tf.function
    def f(x):
        traces.append(1)
        return tf.reduce_sum(x, axis=1), x * 2

    rt = tf.ragged.constant([[3, 1, 4, 1], [], [5, 9, 2], [6], []])
    s, d = f(rt)
    assert s.numpy().tolist() == [9, 0, 16, 6, 0]
    assert isinstance(d, tf.RaggedTensor) and d.to_list() == [[6, 2, 8, 2], [], [10, 18, 4], [12], []]
    f(tf.ragged.constant([[1], [2, 3], [4, 5, 6], [7], [8, 9]]))
    assert len(traces) == 1  # same nrows, other row lengths: one trace, as TF
    f(tf.ragged.constant([[1], [2, 3]]))
    assert len(traces) == 2

    @tf.function(input_signature=[tf.RaggedTensorSpec([None, None], tf.int32)])
    def g(x):
        return tf.reduce_sum(x, axis=1)

    assert g(rt).numpy().tolist() == [9, 0, 16, 6, 0]
    assert g(tf.ragged.constant([[1, 2, 3]])).numpy().tolist() == [6]
    assert g.get_concrete_function()(rt).numpy().tolist() == [9, 0, 16, 6, 0]
    with pytest.raises(TypeError, match="does not match input_signature"):  # TF: TypeError
        g(tf.constant([[1, 2]]))
