"""The public functions of issue 16's first op package (scans and sorting, gathers and
scatters, shape and layout, einsum) beyond what the registry table checks: composites against
NumPy and TF's documented results, their gradients against finite differences, data-dependent
shapes in graphs (Session, compiled plans falling back to the interpreter), and TF's errors.

The registry primitives themselves (forward, shape rules, gradients, graph parity, CUDA) are
checked through tests/helpers.py SAMPLES."""
import numpy as np
import pytest

import graphflow as tf
from graphflow.errors import InvalidArgumentError
from graphflow.ops.static import constant_value

RNG = np.random.default_rng(16)


def numeric_grad(fn, x, eps=1e-6):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[i] += eps
        down[i] -= eps
        g[i] = (fn(up) - fn(down)) / (2 * eps)
    return g


def check_grad(fn, x, rtol=1e-5, atol=1e-7):
    """fn: a float64 tensor -> tensor; compares the tape gradient of sum(fn(x) * w) with central
    differences."""
    x = np.asarray(x, np.float64)
    w = RNG.standard_normal(np.shape(fn(tf.constant(x)).numpy()))

    def loss(a):
        return float(np.sum(fn(tf.constant(a)).numpy() * w))
    t = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(t)
        y = tf.reduce_sum(fn(t) * w)
    g = tape.gradient(y, t)
    np.testing.assert_allclose(g.numpy(), numeric_grad(loss, x), rtol=rtol, atol=atol)


# -- scans and sorting -------------------------------------------------------------------------

def test_cumulative_logsumexp_exclusive_gradient():
    # The first exclusive output is -inf (finite differences cannot take it): weight it 0.
    x = RNG.standard_normal((2, 4))
    w = RNG.standard_normal((2, 4))
    w[:, 0] = 0.0
    t = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(t)
        y = tf.math.cumulative_logsumexp(t, axis=1, exclusive=True)
        loss = tf.reduce_sum(tf.where(np.isfinite(y.numpy()), y, tf.zeros_like(y)) * w)
    g = tape.gradient(loss, t).numpy()
    expected = np.zeros_like(x)
    for r in range(2):  # d out_j / d x_i = exp(x_i - out_j) for i < j
        for j in range(1, 4):
            out_j = np.log(np.exp(x[r, :j]).sum())
            expected[r, :j] += w[r, j] * np.exp(x[r, :j] - out_j)
    np.testing.assert_allclose(g, expected, rtol=1e-10)
    assert np.isneginf(y.numpy()[:, 0]).all()


def test_cumsum_and_cumprod_public_arguments():
    x = tf.constant([[1, 2, 3], [4, 5, 6]])
    np.testing.assert_array_equal(tf.cumsum(x, axis=-1, reverse=True).numpy(),
                                  [[6, 5, 3], [15, 11, 6]])
    np.testing.assert_array_equal(tf.math.cumprod(x, axis=tf.constant(0)).numpy(),
                                  [[1, 2, 3], [4, 10, 18]])
    with pytest.raises(InvalidArgumentError, match="cumsum: Expected scan axis"):
        tf.cumsum(tf.constant(1.0))
    with pytest.raises(InvalidArgumentError, match="cumsum.*bool"):
        tf.cumsum(tf.constant([True]))
    check_grad(lambda t: tf.math.cumprod(t, exclusive=True, reverse=True),
               [2.0, 0.0, -1.5, 0.0, 3.0])


def test_sort_and_top_k_values_ties_and_gradients():
    x = np.array([[3.0, 1.0, 2.0, 1.0], [0.5, -1.0, 4.0, 2.0]])
    np.testing.assert_array_equal(tf.sort(x).numpy(), np.sort(x))
    np.testing.assert_array_equal(tf.sort(x, axis=0, direction="DESCENDING").numpy(),
                                  -np.sort(-x, axis=0))
    values, indices = tf.math.top_k(tf.constant(x), k=3)
    np.testing.assert_array_equal(values.numpy(), [[3.0, 2.0, 1.0], [4.0, 2.0, 0.5]])
    np.testing.assert_array_equal(indices.numpy(), [[0, 2, 1], [2, 3, 0]])  # ties: lower first
    assert tf.nn.top_k(tf.constant(x), 1, index_type=tf.int64).indices.dtype == tf.int64
    distinct = RNG.permutation(12).reshape(3, 4) * 0.5
    check_grad(lambda t: tf.sort(t, axis=0), distinct)
    check_grad(lambda t: tf.math.top_k(t, k=2).values, distinct)
    with pytest.raises(InvalidArgumentError, match="at least k columns"):
        tf.math.top_k(tf.constant(x), k=5)
    with pytest.raises(InvalidArgumentError, match="direction"):
        tf.sort(x, direction="UP")


def test_nan_sorts_above_inf_in_both_directions():
    x = tf.constant([3.0, np.nan, -np.inf, 1.0])
    np.testing.assert_array_equal(tf.argsort(x).numpy(), [2, 3, 0, 1])
    np.testing.assert_array_equal(tf.argsort(x, direction="DESCENDING").numpy(), [1, 0, 3, 2])
    assert np.isnan(tf.math.top_k(x, 1).values.numpy()[0])


def test_top_k_checks_the_column_count_at_run_time():
    f = tf.function(lambda x: tf.math.top_k(x, k=3).values,
                    input_signature=[tf.TensorSpec([None, None], tf.float32)])
    np.testing.assert_array_equal(f(tf.constant([[1.0, 3.0, 2.0, 0.0]])).numpy(), [[3, 2, 1]])
    with pytest.raises(InvalidArgumentError, match="ensure_shape"):
        f(tf.constant([[1.0, 3.0]]))


def test_unique_returns_named_tuples():
    y, idx = tf.unique(tf.constant([1, 1, 2, 4, 4, 4, 7, 8, 8]))
    np.testing.assert_array_equal(y.numpy(), [1, 2, 4, 7, 8])
    np.testing.assert_array_equal(idx.numpy(), [0, 0, 1, 2, 2, 2, 3, 4, 4])
    out = tf.unique_with_counts(tf.constant([5.0, 5.0, 1.0]), out_idx=tf.int64)
    assert out.idx.dtype == tf.int64 and out.count.numpy().tolist() == [2, 1]
    with pytest.raises(InvalidArgumentError, match="1D vector"):
        tf.unique(tf.constant([[1, 2]]))


# -- gathers -----------------------------------------------------------------------------------

def test_gather_follows_tf_on_indices_and_batch_dims():
    p = tf.constant([[1, 2, 3], [4, 5, 6]])
    with pytest.raises(InvalidArgumentError, match=r"gather: indices\[0\] = -1 is not in \[0, 3\)"):
        tf.gather(tf.constant([1, 2, 3]), [-1])
    np.testing.assert_array_equal(
        tf.gather(p, [[2, 0], [1, 1]], axis=1, batch_dims=-1).numpy(), [[3, 1], [5, 5]])
    np.testing.assert_array_equal(tf.gather(p, [[2, 0], [1, 1]], batch_dims=1).numpy(),
                                  [[3, 1], [5, 5]])
    with pytest.raises(InvalidArgumentError, match="batch_dims"):
        tf.gather(p, [[0]], axis=1, batch_dims=1)
    # x[tensor] keeps NumPy's negative indices (a graphflow extension over tf.gather)
    np.testing.assert_array_equal(p[:, tf.constant([-1, 0])].numpy(), [[3, 1], [6, 4]])


def test_boolean_mask_values_gradients_and_graphs():
    x = np.arange(12.0).reshape(3, 4)
    np.testing.assert_array_equal(tf.boolean_mask(x, [True, False, True]).numpy(), x[[0, 2]])
    np.testing.assert_array_equal(tf.boolean_mask(x, [1, 0, 0, 1], axis=-1).numpy(), x[:, [0, 3]])
    m = x % 3 == 0
    np.testing.assert_array_equal(tf.boolean_mask(x, m).numpy(), x[m])
    y = np.arange(24.0).reshape(2, 3, 4)
    m2 = (y[0] % 5 == 0)
    np.testing.assert_array_equal(tf.boolean_mask(y, m2, axis=1).numpy(), y[:, m2])
    check_grad(lambda t: tf.boolean_mask(t, m), x)
    with pytest.raises(InvalidArgumentError, match=r"Shapes \(3,\) and \(2,\) are incompatible"):
        tf.boolean_mask(x, [True, False])
    with pytest.raises(InvalidArgumentError, match="scalar"):
        tf.boolean_mask(x, True)

    @tf.function(input_signature=[tf.TensorSpec([None, 4], tf.float64),
                                  tf.TensorSpec([None], tf.bool)])
    def f(a, keep):
        out = tf.boolean_mask(a, keep)
        assert out.shape.as_list() == [None, 4]
        return out
    np.testing.assert_array_equal(f(tf.constant(x), tf.constant([False, True, True])).numpy(),
                                  x[1:])


def test_data_dependent_shapes_run_in_sessions_and_fall_back_from_compiled_plans():
    g = tf.Graph()
    with g.as_default():
        v = tf.compat.v1.placeholder(tf.float32, [6], name="v")
        y, idx = tf.unique(v)
        parts = tf.dynamic_partition(v, [0, 1, 0, 1, 1, 0], 2)
        sums = tf.math.segment_sum(v, [0, 0, 1, 1, 1, 3])
        where = tf.where(v > 1.0)
        assert y.shape.as_list() == [None] and where.shape.as_list() == [None, 1]
        assert sums.shape.as_list() == [None]
    data = np.array([3.0, 1.0, 3.0, 2.0, 1.0, 5.0], np.float32)
    with tf.compat.v1.Session(graph=g) as sess:
        out = sess.run([y, idx, parts[1], sums, where], {v: data})
    np.testing.assert_array_equal(out[0], [3.0, 1.0, 2.0, 5.0])
    np.testing.assert_array_equal(out[1], [0, 1, 0, 2, 1, 3])
    np.testing.assert_array_equal(out[2], [1.0, 2.0, 1.0])
    np.testing.assert_array_equal(out[3], [4.0, 6.0, 0.0, 5.0])
    np.testing.assert_array_equal(out[4], [[0], [2], [3], [5]])

    f = tf.function(lambda a: tf.reduce_sum(tf.boolean_mask(a, a > 0.0) * 2.0), backend="numba")
    assert float(f(tf.constant([1.0, -2.0, 3.0]))) == 8.0
    assert "data-dependent shape" in f.explain()


def test_embedding_lookup_shards_and_max_norm():
    table = RNG.standard_normal((5, 3)).astype(np.float32)
    ids = tf.constant([[4, 0], [2, 2]])
    np.testing.assert_array_equal(tf.nn.embedding_lookup(table, ids).numpy(), table[ids.numpy()])
    shards = [table[:2], table[2:4], table[4:]]  # "div": earlier shards one row longer
    np.testing.assert_array_equal(tf.nn.embedding_lookup(shards, ids).numpy(), table[ids.numpy()])
    with pytest.raises(InvalidArgumentError, match="div"):
        tf.nn.embedding_lookup([table[:1], table[1:]], ids)
    out = tf.nn.embedding_lookup(tf.constant([[3.0, 4.0], [0.3, 0.4]]), [0, 1], max_norm=1.0)
    np.testing.assert_allclose(out.numpy(), [[0.6, 0.8], [0.3, 0.4]], rtol=1e-6)
    check_grad(lambda t: tf.nn.embedding_lookup(t, [1, 1, 0], max_norm=1.5),
               RNG.standard_normal((2, 3)))


# -- scatters and segments ---------------------------------------------------------------------

def test_scatter_nd_public_and_gradient():
    np.testing.assert_array_equal(tf.scatter_nd([[1], [1]], [1.0, 2.0], [3]).numpy(), [0, 3, 0])
    np.testing.assert_array_equal(tf.scatter_nd([[0], [0]], [True, False], [2]).numpy(),
                                  [True, False])
    check_grad(lambda u: tf.scatter_nd([[0, 1], [2, 0], [0, 1]], u, [3, 2]), [1.0, 2.0, 3.0])
    with pytest.raises(InvalidArgumentError, match=r"does not index into shape \[3\]"):
        tf.scatter_nd([[3]], [1.0], [3])

    @tf.function(input_signature=[tf.TensorSpec([4, None], tf.float32)])
    def f(x):  # the shape is a tensor known while tracing
        return tf.scatter_nd([[1]], [7.0], tf.shape(x)[:1])
    np.testing.assert_array_equal(f(tf.zeros((4, 2))).numpy(), [0, 7, 0, 0])


def test_tensor_scatter_update_gives_only_the_winner_a_gradient():
    t = tf.constant([1.0, 2.0, 3.0])
    u = tf.constant([10.0, 20.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([t, u])
        y = tf.tensor_scatter_nd_update(t, [[1], [1]], u)
        loss = tf.reduce_sum(y * tf.constant([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(y.numpy(), [1.0, 20.0, 3.0])
    np.testing.assert_array_equal(tape.gradient(loss, t).numpy(), [1.0, 0.0, 3.0])
    np.testing.assert_array_equal(tape.gradient(loss, u).numpy(), [0.0, 2.0])  # TF: [2, 2]


def test_segment_means_and_their_gradients():
    d = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]])
    np.testing.assert_array_equal(tf.math.segment_mean(d, [0, 0, 2, 2]).numpy(),
                                  [[2, 3], [0, 0], [6, 7]])
    np.testing.assert_array_equal(
        tf.math.segment_mean(tf.constant([1, 2, -3, -4]), [0, 0, 1, 1]).numpy(), [1, -3])
    mean = tf.math.unsorted_segment_mean(tf.constant([1, 2, -3, -4]), [0, 0, 1, 1], 2)
    assert mean.dtype == tf.float64 and mean.numpy().tolist() == [1.5, -3.5]  # as TF
    np.testing.assert_allclose(
        tf.math.unsorted_segment_sqrt_n(d, [2, 0, 2, -1], num_segments=4).numpy(),
        [[3, 4], [0, 0], [6 / np.sqrt(2), 8 / np.sqrt(2)], [0, 0]])
    check_grad(lambda t: tf.math.segment_mean(t, [0, 0, 1, 3]), d)
    check_grad(lambda t: tf.math.unsorted_segment_mean(t, [1, -1, 1, 0], 3), d)
    empty = tf.math.unsorted_segment_max(tf.constant([1.0]), [0], 2).numpy()
    assert empty[1] == np.finfo(np.float32).min  # TF's lowest(), not -inf
    with pytest.raises(InvalidArgumentError, match="not increasing"):
        tf.math.segment_sum(d, [1, 0, 2, 2])
    with pytest.raises(InvalidArgumentError, match=r"segment_ids\[1\] = 5 is out of range"):
        tf.math.unsorted_segment_sum(d, [0, 5, 1, 1], num_segments=3)


def test_dynamic_partition_and_stitch_round_trip_with_gradients():
    data = RNG.standard_normal((5, 2))
    parts = [0, 2, 0, 1, 2]
    pieces = tf.dynamic_partition(tf.constant(data), parts, 3)
    rows = tf.dynamic_partition(tf.range(5), parts, 3)
    np.testing.assert_array_equal(tf.dynamic_stitch(rows, pieces).numpy(), data)
    check_grad(lambda t: tf.concat(tf.dynamic_partition(t, parts, 3), 0) * 1.0, data)
    check_grad(lambda t: tf.dynamic_stitch([[0, 1], [1, 2]], [t[:2], t[2:4]]), data[:4])


# -- shape and layout --------------------------------------------------------------------------

def test_repeat_counts_axes_and_gradient():
    x = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    np.testing.assert_array_equal(tf.repeat(x, 2).numpy(), np.repeat(x, 2))
    np.testing.assert_array_equal(tf.repeat(x, [1, 2], axis=0).numpy(), np.repeat(x, [1, 2], 0))
    np.testing.assert_array_equal(tf.repeat(x, [2], axis=1).numpy(), np.repeat(x, 2, 1))
    np.testing.assert_array_equal(tf.repeat(x, [0, 1, 3], axis=-1).numpy(),
                                  np.repeat(x, [0, 1, 3], 1))
    check_grad(lambda t: tf.repeat(t, [3, 1], axis=0), x)
    check_grad(lambda t: tf.repeat(t, 2, axis=1), x)
    with pytest.raises(InvalidArgumentError, match="repeats must be >= 0"):
        tf.repeat(x, -1)

    @tf.function(input_signature=[tf.TensorSpec([None], tf.int32)])
    def f(counts):  # counts known only at run time
        return tf.repeat(tf.constant([10, 20, 30]), counts)
    np.testing.assert_array_equal(f(tf.constant([2, 0, 1])).numpy(), [10, 10, 30])


def test_sequence_mask_with_and_without_maxlen():
    np.testing.assert_array_equal(tf.sequence_mask([1, 3, 2]).numpy(),
                                  [[1, 0, 0], [1, 1, 1], [1, 1, 0]])
    m = tf.sequence_mask(tf.constant([[1, 3], [2, 0]]), 4, dtype=tf.float32)
    assert m.dtype == tf.float32 and m.shape == (2, 2, 4)
    np.testing.assert_array_equal(tf.sequence_mask([1.5, 3.0], 4).numpy()[0], [1, 0, 0, 0])

    @tf.function(input_signature=[tf.TensorSpec([None], tf.int32)])
    def f(lengths):
        return tf.sequence_mask(lengths)
    np.testing.assert_array_equal(f(tf.constant([2, 0])).numpy(), [[1, 1], [0, 0]])


def test_meshgrid_matches_numpy_and_differentiates():
    a, b, c = np.arange(3.0), np.arange(2.0) + 5, np.arange(4.0) - 1
    for indexing in ("xy", "ij"):
        for got, want in zip(tf.meshgrid(a, b, c, indexing=indexing),
                             np.meshgrid(a, b, c, indexing=indexing)):
            np.testing.assert_array_equal(got.numpy(), want)
    check_grad(lambda t: tf.meshgrid(t, tf.constant(b))[0] * 1.0, a)


def test_band_part_static_and_dynamic():
    x = RNG.standard_normal((2, 4, 5))
    for lo, hi in [(0, -1), (-1, 0), (1, 2), (0, 0), (-1, -1)]:
        want = x.copy()
        i, j = np.indices((4, 5))
        keep = ((lo < 0) | (i - j <= lo)) & ((hi < 0) | (j - i <= hi))
        want[:, ~keep] = 0
        np.testing.assert_array_equal(tf.linalg.band_part(x, lo, hi).numpy(), want)
    check_grad(lambda t: tf.linalg.band_part(t, 1, 0), x[0])
    f = tf.function(lambda t, k: tf.linalg.band_part(t, k, 0),
                    input_signature=[tf.TensorSpec([None, None], tf.float64),
                                     tf.TensorSpec([], tf.int32)])
    np.testing.assert_array_equal(f(tf.constant(x[0]), tf.constant(0)).numpy(),
                                  np.tril(np.triu(x[0])))
    with pytest.raises(InvalidArgumentError, match="num_lower must be negative or less"):
        tf.linalg.band_part(x, 5, 0)


def test_diag_family_against_tf_results():
    x = tf.constant(np.arange(1, 13, dtype=np.float32).reshape(3, 4))
    np.testing.assert_array_equal(tf.linalg.diag_part(x, k=(-1, 1)).numpy(),
                                  [[2, 7, 12], [1, 6, 11], [5, 10, 0]])
    np.testing.assert_array_equal(tf.linalg.diag_part(x, k=(-1, 1), align="LEFT_RIGHT").numpy(),
                                  [[2, 7, 12], [1, 6, 11], [0, 5, 10]])
    np.testing.assert_array_equal(tf.linalg.diag([1.0, 2.0], k=-1, num_rows=4).numpy(),
                                  [[0, 0], [1, 0], [0, 2], [0, 0]])
    np.testing.assert_array_equal(
        tf.linalg.set_diag(x, [[-1.0, -2.0, -3.0], [0.0, -4.0, -5.0]], k=(-1, 0)).numpy(),
        [[-1, 2, 3, 4], [0, -2, 7, 8], [9, -4, -3, 12]])
    with pytest.raises(InvalidArgumentError, match="out of bound"):
        tf.linalg.diag_part(x, k=4)
    with pytest.raises(InvalidArgumentError, match="too small"):
        tf.linalg.diag([1.0, 2.0], num_rows=1, num_cols=1)


def test_eye_broadcast_shapes_ensure_shape_identity_n_and_likes():
    np.testing.assert_array_equal(tf.eye(2, 3, batch_shape=[2]).numpy(),
                                  np.broadcast_to(np.eye(2, 3), (2, 2, 3)))
    with pytest.raises(InvalidArgumentError, match="eye"):
        tf.eye(-1)
    assert tf.broadcast_static_shape(tf.TensorShape([None, 3]), tf.TensorShape([2, 1])) == \
        tf.TensorShape([2, 3])
    g = tf.Graph()
    with g.as_default():
        a = tf.compat.v1.placeholder(tf.float32, [None, 1, 3])
        b = tf.compat.v1.placeholder(tf.float32, [4, 1])
        s = tf.broadcast_dynamic_shape(tf.shape(a), tf.shape(b))
    with tf.compat.v1.Session(graph=g) as sess:
        np.testing.assert_array_equal(sess.run(s, {a: np.zeros((2, 1, 3)), b: np.zeros((4, 1))}),
                                      [2, 4, 3])
    with pytest.raises(InvalidArgumentError, match="Incompatible shapes"):
        tf.broadcast_dynamic_shape([3], [2])

    f = tf.function(lambda t: tf.ensure_shape(t, [2, None]) * 2.0,
                    input_signature=[tf.TensorSpec([None, 3], tf.float32)])
    assert f.get_concrete_function().outputs[0].shape.as_list() == [2, 3]
    with pytest.raises(InvalidArgumentError, match=r"Shape of tensor input \[4,3\]"):
        f(tf.zeros((4, 3)))
    outs = tf.identity_n([tf.constant(1), tf.constant([2.0])])
    assert [o.numpy().tolist() for o in outs] == [1, [2.0]]
    assert tf.zeros_like(tf.constant([1.5]), dtype=tf.int32).dtype == tf.int32
    assert tf.ones_like(input=tf.constant([0.0]), dtype=tf.bool).numpy().tolist() == [True]


def test_range_with_tensor_bounds():
    assert tf.range(tf.constant(3, tf.int64)).dtype == tf.int64
    assert tf.range(1, 2.0).dtype == tf.float32
    with pytest.raises(InvalidArgumentError, match="start <= limit"):
        tf.range(5, 2)

    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    def f(x):
        return tf.range(tf.shape(x)[0]) * 2
    np.testing.assert_array_equal(f(tf.zeros(4)).numpy(), [0, 2, 4, 6])


def test_constant_value_folds_shapes_known_while_tracing():
    g = tf.Graph()
    with g.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None, 3])
        assert int(constant_value(tf.shape(x)[1] + 1)) == 4
        assert constant_value(tf.shape(x)) is None
        assert constant_value(tf.shape(x)[0]) is None
        assert constant_value(x) is None


# -- einsum ------------------------------------------------------------------------------------

EINSUM = [("ij,jk->ik", [(2, 3), (3, 4)]), ("ij,jk", [(2, 3), (3, 4)]), ("ii->i", [(3, 3)]),
          ("ii", [(3, 3)]), ("ij->ji", [(2, 3)]), ("ij->", [(2, 3)]), ("i,j->ij", [(3,), (4,)]),
          ("...ij,...jk->...ik", [(5, 2, 3), (3, 4)]), ("bij,bjk->bik", [(2, 2, 3), (2, 3, 4)]),
          ("ij,kj->ikj", [(2, 3), (2, 3)]), ("iij->ij", [(2, 2, 3)]), ("iii->i", [(2, 2, 2)]),
          ("ab,bc,cd->ad", [(2, 3), (3, 4), (4, 2)]), ("i->", [(0,)]),
          ("IJ,JK->IK", [(2, 3), (3, 4)]),
          ("ij, jk -> ik", [(2, 3), (3, 4)]), ("...i,...i->...", [(2, 1, 3), (4, 3)]),
          ("i...,i...->...", [(3, 2), (3, 2)]), ("ba", [(2, 3)]), ("ij...->...", [(2, 3, 4)]),
          ("a,b,c->abc", [(2,), (3,), (2,)]), ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]),
          ("abc,cd->abd", [(2, 3, 4), (4, 5)]), ("ijk,ikl->jl", [(2, 3, 4), (2, 4, 2)]),
          ("ij,ij->ij", [(2, 3), (2, 3)]), ("ij,ij->", [(2, 3), (2, 3)]), ("ij,jk->ki", [(2, 3), (3, 4)])]


@pytest.mark.parametrize("equation,shapes", EINSUM, ids=[e for e, _ in EINSUM])
def test_einsum_matches_numpy(equation, shapes):
    arrays = [RNG.standard_normal(s) for s in shapes]
    got = tf.einsum(equation, *arrays)
    np.testing.assert_allclose(got.numpy(), np.einsum(equation, *arrays), rtol=1e-12, atol=1e-12)


def test_einsum_gradients_compiled_and_unknown_batch():
    a, b = RNG.standard_normal((2, 3, 4)), RNG.standard_normal((4, 5))
    check_grad(lambda t: tf.einsum("bij,jk->bki", t, b), a)
    check_grad(lambda t: tf.einsum("bii->b", t), RNG.standard_normal((2, 3, 3)))
    check_grad(lambda t: tf.einsum("...i,...i->...", t, tf.constant(a[0])), a)
    f = tf.function(lambda x, y: tf.einsum("bij,jk->bik", x, y), backend="numba",
                    input_signature=[tf.TensorSpec([None, 3, 4], tf.float64),
                                     tf.TensorSpec([4, 5], tf.float64)])
    np.testing.assert_allclose(f(tf.constant(a), tf.constant(b)).numpy(),
                               np.einsum("bij,jk->bik", a, b), rtol=1e-12)
    assert tf.linalg.einsum("i,i", tf.ones(2), tf.ones(2)).numpy() == 2.0


@pytest.mark.parametrize("equation,shapes,message", [
    ("ij->iij", [(2, 3)], "more than once"), ("ij,jk->il", [(2, 3), (3, 4)], "label l"),
    ("ij->j", [(2, 3), (2, 3)], "Got 2 inputs"), ("ij,jk->ik", [(2, 3), (4, 4)], "label j"),
    ("...ij->ij", [(2, 3, 4)], "broadcasting dimension"), ("ijk", [(2, 3)], "rank 2"),
])
def test_einsum_errors(equation, shapes, message):
    with pytest.raises(InvalidArgumentError, match=message):
        tf.einsum(equation, *[np.ones(s) for s in shapes])


def test_namespaces():
    for name in ("cumsum", "sort", "argsort", "unique", "unique_with_counts", "searchsorted",
                 "histogram_fixed_width", "gather_nd", "scatter_nd", "tensor_scatter_nd_update",
                 "tensor_scatter_nd_add", "tensor_scatter_nd_sub", "tensor_scatter_nd_max",
                 "tensor_scatter_nd_min", "boolean_mask", "dynamic_partition", "dynamic_stitch",
                 "repeat", "reverse", "roll", "sequence_mask", "meshgrid", "einsum",
                 "broadcast_dynamic_shape", "broadcast_static_shape", "ensure_shape", "identity_n"):
        assert callable(getattr(tf, name)), name
    for name in ("cumsum", "cumprod", "cumulative_logsumexp", "top_k", "in_top_k", "segment_sum",
                 "segment_mean", "segment_max", "segment_min", "segment_prod",
                 "unsorted_segment_sum", "unsorted_segment_mean", "unsorted_segment_max",
                 "unsorted_segment_min", "unsorted_segment_prod", "unsorted_segment_sqrt_n"):
        assert callable(getattr(tf.math, name)), name
    for name in ("band_part", "diag", "diag_part", "set_diag", "eye", "einsum"):
        assert callable(getattr(tf.linalg, name)), name
    for name in ("embedding_lookup", "top_k", "in_top_k"):
        assert callable(getattr(tf.nn, name)), name
