"""tf.SparseTensor and tf.sparse (graphflow/ops/sparse.py). The expected values, orders, dtypes
and error texts were read off TensorFlow 2.21 (the primitives' reference kernels are checked
by the registry harness, tests/helpers.py)."""
import numpy as np
import pytest

import graphflow as tf
from graphflow.errors import InvalidArgumentError


def sparse(indices, values, shape):
    return tf.sparse.SparseTensor(indices, values, shape)


def parts(sp):
    """(indices, values, dense_shape) as Python lists."""
    return (sp.indices.numpy().tolist(), sp.values.numpy().tolist(),
            sp.dense_shape.numpy().tolist())


@pytest.fixture
def sp():
    return sparse([[0, 0], [1, 2]], [1.0, 2.0], [3, 4])


@pytest.fixture
def unordered():
    return sparse([[1, 2], [0, 0]], [2.0, 1.0], [3, 4])


# -- the class ---------------------------------------------------------------------------------

def test_attributes_and_repr(sp):
    assert tf.SparseTensor is tf.sparse.SparseTensor
    assert sp.indices.dtype is tf.int64 and sp.dense_shape.dtype is tf.int64
    assert sp.dtype is tf.float32 and sp.shape == tf.TensorShape([3, 4])
    assert sp.get_shape() == sp.shape
    assert repr(sp) == str(sp) == (
        "SparseTensor(indices=tf.Tensor(\n[[0 0]\n [1 2]], shape=(2, 2), dtype=int64), "
        "values=tf.Tensor([1. 2.], shape=(2,), dtype=float32), "
        "dense_shape=tf.Tensor([3 4], shape=(2,), dtype=int64))")
    doubled = sp.with_values(sp.values * 2)
    assert parts(doubled) == ([[0, 0], [1, 2]], [2.0, 4.0], [3, 4])
    assert parts(sp.with_values([5, 6]))[1] == [5, 6]


@pytest.mark.parametrize("args,error,text", [
    (([[0, 0]], [1.0, 2.0], [3, 4]), ValueError, "Dimensions 1 and 2 are not compatible"),
    (([[0, 0]], [1.0], [3, 4, 5]), ValueError, "Dimensions 2 and 3 are not compatible"),
    (([0, 0], [1.0], [3, 4]), ValueError, r"Shape \(2,\) must have rank 2"),
    (([[0, 0]], [[1.0]], [3, 4]), ValueError, r"Shape \(1, 1\) must have rank 1"),
    (([[0.5, 0]], [1.0], [3, 4]), TypeError, "int64"),
    (([[0, 0]], [1.0], [3, -4]), ValueError, "Dimension -4 must be >= 0"),
])
def test_constructor_errors(args, error, text):
    with pytest.raises(error, match=text):
        sparse(*args)


def test_int32_indices_tensor_is_refused_as_tf():
    with pytest.raises(ValueError, match="requested dtype int64 for Tensor with dtype int32"):
        sparse(tf.constant([[0, 0]], tf.int32), [1], [3, 4])
    with pytest.raises(ValueError, match="Dimensions 1 and 2 are not compatible"):
        sparse([[0, 0]], [1.0], [3, 4]).with_values([1, 2])


def test_empty_sparse_tensor():
    empty = sparse(tf.zeros([0, 2], tf.int64), tf.zeros([0]), [3, 4])
    assert tf.sparse.to_dense(empty).numpy().tolist() == [[0.0] * 4] * 3


# -- conversion ----------------------------------------------------------------------------------

def test_to_dense_and_default_value(sp):
    np.testing.assert_array_equal(tf.sparse.to_dense(sp).numpy(),
                                  [[1, 0, 0, 0], [0, 0, 2, 0], [0, 0, 0, 0]])
    dense = tf.sparse.to_dense(sp, default_value=-1)
    assert dense.dtype is tf.float32
    assert dense.numpy()[0].tolist() == [1.0, -1.0, -1.0, -1.0]
    with pytest.raises(InvalidArgumentError, match="default_value has dtype int32"):
        tf.sparse.to_dense(sp, default_value=tf.constant(-1, tf.int32))


def test_to_dense_index_checks(unordered):
    with pytest.raises(InvalidArgumentError, match=r"indices\[1\] = \[0,0\] is out of order"):
        tf.sparse.to_dense(unordered)
    assert tf.sparse.to_dense(unordered, validate_indices=False).numpy()[1, 2] == 2.0
    bad = sparse([[0, 0], [3, 2]], [1.0, 2.0], [3, 4])
    with pytest.raises(InvalidArgumentError, match=r"indices\[1\] = \[3,2\] is out of bounds: "
                                                   r"need 0 <= index < \[3,4\]"):
        tf.sparse.to_dense(bad)
    with pytest.raises(InvalidArgumentError, match=r"Indices are not valid \(out of bounds\)"):
        tf.sparse.to_dense(bad, validate_indices=False)
    negative = sparse([[0, -1]], [1.0], [3, 4])
    with pytest.raises(InvalidArgumentError, match=r"indices\[0\] = \[0,-1\] is out of bounds"):
        tf.sparse.to_dense(negative)
    repeated = sparse([[0, 0], [0, 0]], [1.0, 2.0], [3, 4])
    with pytest.raises(InvalidArgumentError, match=r"indices\[1\] = \[0,0\] is repeated"):
        tf.sparse.to_dense(repeated)
    assert tf.sparse.to_dense(repeated, validate_indices=False).numpy()[0, 0] == 2.0


def test_from_dense():
    sp = tf.sparse.from_dense([[1, 0], [0, 2]])
    assert parts(sp) == ([[0, 0], [1, 1]], [1, 2], [2, 2]) and sp.shape == (2, 2)
    assert parts(tf.sparse.from_dense(tf.constant([[True, False]])))[1] == [True]
    assert parts(tf.sparse.from_dense(tf.constant(["a", ""]))) == ([[0]], [b"a"], [2])
    assert parts(tf.sparse.from_dense(tf.zeros([2, 0]))) == ([], [], [2, 0])
    with pytest.raises(InvalidArgumentError):
        tf.sparse.from_dense(5.0)


def test_reorder_and_reshape(sp, unordered):
    assert parts(tf.sparse.reorder(unordered)) == parts(sp)
    assert parts(tf.sparse.reshape(sp, [4, 3])) == ([[0, 0], [2, 0]], [1.0, 2.0], [4, 3])
    out = tf.sparse.reshape(sp, [-1, 2])
    assert parts(out)[2] == [6, 2] and out.shape == (6, 2)
    with pytest.raises(InvalidArgumentError, match="requires a multiple of 5"):
        tf.sparse.reshape(sp, [5, -1])
    with pytest.raises(InvalidArgumentError, match="the requested shape has 15"):
        tf.sparse.reshape(sp, [5, 3])
    with pytest.raises(InvalidArgumentError, match="only one output dimension may be -1"):
        tf.sparse.reshape(sp, [-1, -1])


# -- arithmetic ------------------------------------------------------------------------------

def test_add(sp, unordered):
    assert parts(tf.sparse.add(sp, sp)) == ([[0, 0], [1, 2]], [2.0, 4.0], [3, 4])
    # unsorted operands merge in TF's order
    assert parts(tf.sparse.add(sp, unordered)) == ([[0, 0], [1, 2], [0, 0]], [1.0, 4.0, 1.0],
                                                   [3, 4])
    minus = sparse([[0, 0]], [-1.0], [3, 4])
    assert parts(tf.sparse.add(sp, minus))[1] == [0.0, 2.0]  # a zero sum stays stored
    half = sparse([[0, 0]], [-0.5], [3, 4])
    assert parts(tf.sparse.add(sp, half, threshold=0.6)) == ([[1, 2]], [2.0], [3, 4])
    dense = tf.sparse.add(sp, tf.ones([3, 4]))
    assert dense.numpy().tolist()[1] == [1.0, 1.0, 3.0, 1.0]
    assert tf.sparse.add(tf.ones([3, 4]), sp).numpy().tolist()[0] == [2.0, 1.0, 1.0, 1.0]


def test_add_errors(sp):
    with pytest.raises(TypeError, match="At least one input should be SparseTensor"):
        tf.sparse.add(tf.ones([2]), tf.ones([2]))
    with pytest.raises(InvalidArgumentError, match="Two operands have different ranks"):
        tf.sparse.add(sp, tf.ones([4]))
    with pytest.raises(InvalidArgumentError, match="shapes do not match: got 4 and 5"):
        tf.sparse.add(sp, sparse([[0, 0]], [1.0], [3, 5]))
    with pytest.raises(InvalidArgumentError, match="must have the same dimension, got 2 and 3"):
        tf.sparse.add(sp, sparse([[0, 0, 0]], [1.0], [3, 4, 1]))
    with pytest.raises(InvalidArgumentError, match="float32 and int32"):
        tf.sparse.add(sp, sparse([[0, 0]], [1], [3, 4]))


def test_add_checks_shapes_known_only_at_run_time():
    @tf.function
    def f(i, v, s, j, w, t):
        return tf.sparse.add(sparse(i, v, s), sparse(j, w, t)).values

    i = tf.constant([[0, 0]], tf.int64)
    with pytest.raises(InvalidArgumentError, match="shapes do not match: got 4 and 5"):
        f(i, tf.ones([1]), tf.constant([3, 4], tf.int64), i, tf.ones([1]),
          tf.constant([3, 5], tf.int64))


def test_elementwise_with_dense_and_scalars(sp):
    assert parts(sp * 2)[1] == [2.0, 4.0]
    assert parts(sp * tf.constant([[1.0], [3.0], [5.0]]))[1] == [1.0, 6.0]
    row = tf.constant([1.0, 2.0, 3.0, 4.0])
    assert parts(sp * row)[1] == [1.0, 6.0]
    np.testing.assert_allclose(parts(sp / row)[1], [1.0, 2.0 / 3.0], rtol=1e-6)
    assert parts(sp / 2.0)[1] == [0.5, 1.0]
    with pytest.raises(InvalidArgumentError, match="broadcasts dense to sparse only"):
        sp * tf.ones([2])
    with pytest.raises(InvalidArgumentError, match="broadcasts dense to sparse only"):
        sp * tf.ones([3, 4, 1])
    with pytest.raises(ValueError, match="requested dtype float32 for Tensor with dtype int32"):
        sp * tf.constant(2)
    for expr in (lambda: sp + 1.0, lambda: 2 * sp, lambda: -sp, lambda: sp + sp):
        with pytest.raises(TypeError):
            expr()


def test_unary_ops_apply_to_values(sp):
    neg = sp.with_values([-0.25, 4.0])
    for fn, expected in [(tf.math.abs, [0.25, 4.0]), (tf.abs, [0.25, 4.0]),
                         (tf.math.negative, [0.25, -4.0]), (tf.math.sign, [-1.0, 1.0]),
                         (tf.math.square, [0.0625, 16.0]), (tf.math.sin, np.sin([-0.25, 4.0])),
                         (tf.math.tanh, np.tanh([-0.25, 4.0])), (tf.math.atan, np.arctan([-0.25, 4.0])),
                         (tf.identity, [-0.25, 4.0]), (tf.stop_gradient, [-0.25, 4.0])]:
        out = fn(neg)
        assert isinstance(out, tf.SparseTensor), fn
        np.testing.assert_allclose(out.values.numpy(), expected, rtol=1e-6)
        assert parts(out)[0] == parts(sp)[0]
    assert tf.math.sqrt(sp).values.numpy()[1] == np.float32(np.sqrt(2.0))
    cast = tf.cast(sp, tf.int32)
    assert cast.dtype is tf.int32 and parts(cast)[1] == [1, 2]
    with pytest.raises(InvalidArgumentError):
        tf.math.exp(sp)  # f(0) != 0: TF does not dispatch it either


def test_sparse_dense_matmul(sp):
    ones = tf.ones([4, 2])
    assert tf.sparse.sparse_dense_matmul(sp, ones).numpy().tolist() == [[1, 1], [2, 2], [0, 0]]
    out = tf.sparse.sparse_dense_matmul(sp, tf.ones([3, 2]), adjoint_a=True)
    assert out.numpy().tolist() == [[1, 1], [0, 0], [2, 2], [0, 0]]
    out = tf.sparse.sparse_dense_matmul(sp, tf.ones([2, 4]), adjoint_b=True)
    assert out.shape == (3, 2)
    dense_first = tf.sparse.sparse_dense_matmul(tf.ones([2, 3]), sp)
    assert dense_first.numpy().tolist() == [[1, 0, 2, 0], [1, 0, 2, 0]]
    assert not hasattr(tf.sparse, "matmul")  # TF 2.21 has no alias


def test_sparse_dense_matmul_errors(sp):
    with pytest.raises(InvalidArgumentError, match="inner dimension does not match: 4 vs. 3"):
        tf.sparse.sparse_dense_matmul(sp, tf.ones([3, 2]))
    bad = sparse([[0, 0], [3, 2]], [1.0, 2.0], [3, 4])
    with pytest.raises(InvalidArgumentError, match=r"m \(3\) from index\[1,0\] out of bounds"):
        tf.sparse.sparse_dense_matmul(bad, tf.ones([4, 2]))
    with pytest.raises(InvalidArgumentError, match="'a_shape' must have 2 elements"):
        tf.sparse.sparse_dense_matmul(sparse([[0, 0, 0]], [1.0], [3, 4, 1]), tf.ones([4, 2]))
    with pytest.raises(InvalidArgumentError, match="'b' is not a matrix"):
        tf.sparse.sparse_dense_matmul(sp, tf.ones([4]))
    with pytest.raises(InvalidArgumentError, match="float64"):
        tf.sparse.sparse_dense_matmul(sp, tf.ones([4, 2], tf.float64))


def test_maximum_minimum(sp, unordered):
    other = sparse([[0, 0], [2, 2]], [-1.0, -3.0], [3, 4])
    assert parts(tf.sparse.maximum(sp, other)) == ([[0, 0], [1, 2], [2, 2]], [1.0, 2.0, 0.0],
                                                   [3, 4])
    assert parts(tf.sparse.minimum(sp, other))[1] == [-1.0, 0.0, -3.0]
    assert parts(tf.sparse.maximum(sp, unordered)) == ([[0, 0], [1, 2], [0, 0]], [1.0, 2.0, 1.0],
                                                       [3, 4])


# -- reductions ------------------------------------------------------------------------------

def test_reduce_sum(sp):
    assert tf.sparse.reduce_sum(sp).numpy() == 3.0
    assert tf.sparse.reduce_sum(sp, axis=1).numpy().tolist() == [1.0, 2.0, 0.0]
    kept = tf.sparse.reduce_sum(sp, axis=-1, keepdims=True)
    assert kept.shape == (3, 1) and kept.numpy().tolist() == [[1.0], [2.0], [0.0]]
    assert tf.sparse.reduce_sum(sp, axis=[0, 1]).numpy() == 3.0
    assert tf.sparse.reduce_sum(sp, axis=0).numpy().tolist() == [1.0, 0.0, 2.0, 0.0]
    out = tf.sparse.reduce_sum(sp, axis=1, output_is_sparse=True)
    assert parts(out) == ([[0], [1]], [1.0, 2.0], [3])
    with pytest.raises(InvalidArgumentError, match="Invalid reduction dimension 2, for input "
                                                   "with 2 dimensions"):
        tf.sparse.reduce_sum(sp, axis=2)


def test_reduce_max_ignores_implicit_zeros():
    y = sparse([[0, 0], [1, 0], [1, 1]], [-7, 4, 3], [3, 2])
    assert tf.sparse.reduce_max(y, 1).numpy().tolist() == [-7, 4, 0]
    assert tf.sparse.reduce_max(y, 0).numpy().tolist() == [4, 3]
    assert tf.sparse.reduce_max(y).numpy() == 4
    negative = sparse([[0, 0], [1, 0]], [-7.0, -4.0], [3, 2])
    assert tf.sparse.reduce_max(negative).numpy() == -4.0
    assert tf.sparse.reduce_max(negative, 1).numpy().tolist() == [-7.0, -4.0, 0.0]
    assert tf.sparse.reduce_max(y, 1, keepdims=True).numpy().tolist() == [[-7], [4], [0]]
    assert parts(tf.sparse.reduce_max(y, 1, output_is_sparse=True)) == ([[0], [1]], [-7, 4], [3])


# -- rearranging -------------------------------------------------------------------------------

def test_retain_slice_transpose(sp):
    assert parts(tf.sparse.retain(sp, [True, False])) == ([[0, 0]], [1.0], [3, 4])
    with pytest.raises(ValueError, match="Dimensions 2 and 1 are not compatible"):
        tf.sparse.retain(sp, [True])
    assert parts(tf.sparse.slice(sp, [0, 1], [2, 3])) == ([[1, 1]], [2.0], [2, 3])
    assert parts(tf.sparse.slice(sp, [1, 1], [5, 5])) == ([[0, 1]], [2.0], [2, 3])
    assert parts(tf.sparse.slice(sp, [4, 1], [5, 5])) == ([], [], [0, 3])
    out = tf.sparse.transpose(sp)
    assert parts(out) == ([[0, 0], [2, 1]], [1.0, 2.0], [4, 3]) and out.shape == (4, 3)


def test_concat(sp, unordered):
    assert parts(tf.sparse.concat(0, [sp, sp])) == (
        [[0, 0], [1, 2], [3, 0], [4, 2]], [1.0, 2.0, 1.0, 2.0], [6, 4])
    assert parts(tf.sparse.concat(1, [sp, unordered])) == (
        [[0, 0], [0, 4], [1, 2], [1, 6]], [1.0, 1.0, 2.0, 2.0], [3, 8])
    short = sparse([[0, 0]], [1.0], [2, 4])
    with pytest.raises(InvalidArgumentError, match="expected 3 for dimension 0 but got 2 at "
                                                   "position 1"):
        tf.sparse.concat(1, [sp, short])
    grown = tf.sparse.concat(1, [sp, short], expand_nonconcat_dims=True)
    assert parts(grown) == ([[0, 0], [0, 4], [1, 2]], [1.0, 1.0, 2.0], [3, 8])
    assert parts(tf.sparse.concat(-1, [sp, sp]))[2] == [3, 8]


def test_fill_empty_rows_expand_dims_eye(sp, unordered):
    for source in (sp, unordered):
        filled, empty = tf.sparse.fill_empty_rows(source, 9)
        assert parts(filled) == ([[0, 0], [1, 2], [2, 0]], [1.0, 2.0, 9.0], [3, 4])
        assert empty.numpy().tolist() == [False, False, True]
    assert parts(tf.sparse.expand_dims(sp, 0))[0] == [[0, 0, 0], [0, 1, 2]]
    assert tf.sparse.expand_dims(sp, -1).shape == (3, 4, 1)
    assert parts(tf.sparse.expand_dims(sp, 1)) == ([[0, 0, 0], [1, 0, 2]], [1.0, 2.0], [3, 1, 4])
    assert parts(tf.sparse.eye(3)) == ([[0, 0], [1, 1], [2, 2]], [1.0, 1.0, 1.0], [3, 3])
    eye = tf.sparse.eye(2, 3, dtype=tf.int32)
    assert parts(eye) == ([[0, 0], [1, 1]], [1, 1], [2, 3]) and eye.dtype is tf.int32


def test_split_to_indicator_softmax_map_values(sp):
    pieces = tf.sparse.split(sp_input=sp, num_split=2, axis=1)
    assert [parts(p) for p in pieces] == [([[0, 0]], [1.0], [3, 2]), ([[1, 0]], [2.0], [3, 2])]
    rows = tf.sparse.split(sp, 2, 0)
    assert [parts(p)[2] for p in rows] == [[2, 4], [1, 4]] and parts(rows[1])[0] == []
    ids = sparse([[0, 0], [0, 1], [1, 0]], [0, 3, 2], [2, 2])
    assert tf.sparse.to_indicator(ids, 4).numpy().tolist() == [[True, False, False, True],
                                                               [False, False, True, False]]
    with pytest.raises(InvalidArgumentError, match=r"Indices are not valid \(out of bounds\)"):
        tf.sparse.to_indicator(ids, 3)
    soft = tf.sparse.softmax(sparse([[0, 0], [0, 2], [1, 1]], [1.0, 2.0, 3.0], [2, 3]))
    np.testing.assert_allclose(soft.values.numpy(), [0.26894143, 0.7310586, 1.0], rtol=1e-6)
    soft3 = tf.sparse.softmax(sparse([[0, 0, 1], [0, 0, 2], [1, 1, 0]], [1.0, 2.0, 3.0],
                                     [2, 3, 3]))
    np.testing.assert_allclose(soft3.values.numpy(), [0.26894143, 0.7310586, 1.0], rtol=1e-6)
    assert parts(tf.sparse.map_values(tf.math.multiply, sp, sp))[1] == [1.0, 4.0]
    assert parts(tf.sparse.map_values(tf.math.multiply, sp, 2.0))[1] == [2.0, 4.0]
    assert parts(tf.sparse.map_values(tf.ones_like, sp))[1] == [1.0, 1.0]
    with pytest.raises(ValueError, match="No SparseTensor"):
        tf.sparse.map_values(tf.ones_like, tf.ones([2]))


def test_segment_functions():
    data = tf.constant([[1.0, 2], [3, 4], [5, 6]])
    assert tf.sparse.segment_sum(data, [0, 2], [0, 0]).numpy().tolist() == [[6.0, 8.0]]
    assert tf.sparse.segment_mean(data, [0, 1, 2], [0, 0, 1]).numpy().tolist() == [
        [2.0, 3.0], [5.0, 6.0]]
    np.testing.assert_allclose(tf.sparse.segment_sqrt_n(data, [0, 1, 2], [0, 0, 1]).numpy(),
                               [[4 / np.sqrt(2), 6 / np.sqrt(2)], [5.0, 6.0]], rtol=1e-6)
    out = tf.sparse.segment_sum(data, [0, 2], [0, 2], num_segments=4)
    assert out.numpy().tolist() == [[1, 2], [0, 0], [5, 6], [0, 0]]


# -- gradients -----------------------------------------------------------------------------------

def _numeric(f, x, eps=1e-6):
    x = np.asarray(x, np.float64)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[i] += eps
        down[i] -= eps
        g[i] = (f(up) - f(down)) / (2 * eps)
    return g


INDICES = [[0, 0], [1, 2], [2, 1]]


def _loss(values, w):
    s = sparse(INDICES, values, [3, 4])
    dense_part = tf.reduce_sum(tf.sparse.to_dense(s) * tf.reshape(tf.range(12, dtype=tf.float64),
                                                                    [3, 4]))
    product = tf.reduce_sum(tf.sparse.sparse_dense_matmul(s, w) ** 2)
    summed = tf.reduce_sum(tf.sparse.reduce_sum(s, axis=0) ** 2)
    added = tf.reduce_sum(tf.sparse.add(s, w[:3, :1] * tf.ones([3, 4], tf.float64)) ** 2)
    both = tf.reduce_sum(tf.sparse.add(s, s).values ** 3)
    scaled = tf.reduce_sum((s * w[:3, 0:1]).values)
    return dense_part + product + summed + added + both + scaled


def test_gradients_reach_values_and_dense_operands():
    rng = np.random.default_rng(0)
    v0, w0 = rng.standard_normal(3), rng.standard_normal((4, 2))
    v, w = tf.Variable(v0), tf.Variable(w0)
    with tf.GradientTape() as tape:
        loss = _loss(v, w)
    gv, gw = tape.gradient(loss, [v, w])
    np.testing.assert_allclose(gv.numpy(), _numeric(lambda x: float(_loss(x, w0)), v0),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(gw.numpy(), _numeric(lambda x: float(_loss(v0, x)), w0),
                               rtol=1e-5, atol=1e-6)


def test_adjoint_matmul_gradients():
    rng = np.random.default_rng(1)
    v0, b0 = rng.standard_normal(3), rng.standard_normal((2, 3))

    def loss(v, b):
        s = sparse(INDICES, v, [3, 4])
        return tf.reduce_sum(tf.sparse.sparse_dense_matmul(s, b, adjoint_a=True, adjoint_b=True)
                             ** 2)
    v, b = tf.Variable(v0), tf.Variable(b0)
    with tf.GradientTape() as tape:
        out = loss(v, b)
    gv, gb = tape.gradient(out, [v, b])
    np.testing.assert_allclose(gv.numpy(), _numeric(lambda x: float(loss(x, b0)), v0), rtol=1e-5)
    np.testing.assert_allclose(gb.numpy(), _numeric(lambda x: float(loss(v0, x)), b0), rtol=1e-5)


def test_softmax_and_reorder_gradients():
    rng = np.random.default_rng(2)
    v0 = rng.standard_normal(3)
    weights = tf.constant([0.3, -1.2, 2.0], tf.float64)

    def loss(v):
        s = tf.sparse.reorder(sparse([[1, 1], [0, 2], [0, 0]], v, [2, 3]))
        return tf.reduce_sum(tf.sparse.softmax(s).values * weights)
    v = tf.Variable(v0)
    with tf.GradientTape() as tape:
        out = loss(v)
    np.testing.assert_allclose(tape.gradient(out, v).numpy(),
                               _numeric(lambda x: float(loss(x)), v0), rtol=1e-5, atol=1e-8)


def test_gradient_inside_function(sp):
    @tf.function
    def grad(s, w):
        with tf.GradientTape() as tape:
            tape.watch(w)
            y = tf.reduce_sum(tf.sparse.sparse_dense_matmul(s, w, adjoint_b=True))
        return tape.gradient(y, w)
    assert grad(sp, tf.ones([2, 4])).numpy().tolist() == [[1, 0, 2, 0], [1, 0, 2, 0]]


# -- composites: tf.nest and tf.function -----------------------------------------------------

def test_nest_expand_composites(sp):
    flat = tf.nest.flatten(sp, expand_composites=True)
    assert [t.numpy().tolist() for t in flat] == [[[0, 0], [1, 2]], [1.0, 2.0], [3, 4]]
    assert tf.nest.flatten(sp) == [sp]
    assert tf.nest.flatten({"a": sp, "b": 1}, expand_composites=True)[3] == 1
    rebuilt = tf.nest.pack_sequence_as(
        sp, [tf.constant([[0, 1]], tf.int64), tf.constant([5.0]), tf.constant([3, 4], tf.int64)],
        expand_composites=True)
    assert isinstance(rebuilt, tf.SparseTensor) and rebuilt.shape == (3, 4)
    spec = tf.SparseTensorSpec([None, 2], tf.float32)
    assert repr(spec) == "SparseTensorSpec(TensorShape([None, 2]), tf.float32)"
    assert [repr(s) for s in tf.nest.flatten(spec, expand_composites=True)] == [
        "TensorSpec(shape=(None, 2), dtype=tf.int64, name=None)",
        "TensorSpec(shape=(None,), dtype=tf.float32, name=None)",
        "TensorSpec(shape=(2,), dtype=tf.int64, name=None)"]
    from_spec = tf.nest.pack_sequence_as(spec, [tf.constant([[0, 1]], tf.int64),
                                                tf.constant([5.0]),
                                                tf.constant([2, 2], tf.int64)],
                                         expand_composites=True)
    assert isinstance(from_spec, tf.SparseTensor) and from_spec.shape == (2, 2)
    with pytest.raises(ValueError, match="not compatible"):
        tf.nest.pack_sequence_as(sp, [tf.constant([[0, 1]], tf.int64), tf.constant([5.0]),
                                      tf.constant([2, 2], tf.int64)], expand_composites=True)
    doubled = tf.nest.map_structure(lambda t: t * 2 if t.dtype == tf.float32 else t, sp,
                                    expand_composites=True)
    assert parts(doubled)[1] == [2.0, 4.0]


def test_function_arguments_and_results(sp):
    traces = []

    @tf.function
    def f(s, w):
        traces.append(s.shape)
        return tf.sparse.sparse_dense_matmul(s, w), s * 2.0

    w = tf.ones([4, 2])
    product, doubled = f(sp, w)
    assert product.numpy().tolist() == [[1, 1], [2, 2], [0, 0]]
    assert isinstance(doubled, tf.SparseTensor) and parts(doubled)[1] == [2.0, 4.0]
    assert doubled.shape == (3, 4)
    f(sp, w)
    f(sparse([[0, 1]], [3.0], [3, 4]), w)  # another count of stored elements: no retrace
    assert traces == [tf.TensorShape([3, 4])]
    f(sparse([[0, 1]], [3.0], [5, 4]), w)  # another dense shape: a trace of its own, as TF
    assert traces[-1] == tf.TensorShape([5, 4]) and len(traces) == 2


def test_function_input_signature(sp):
    traces = []

    @tf.function(input_signature=[tf.SparseTensorSpec([None, 4], tf.float32)])
    def g(s):
        traces.append(s.shape)
        return tf.sparse.to_dense(s)

    assert g(sp).shape == (3, 4)
    assert g(sparse([[4, 1]], [3.0], [5, 4])).numpy()[4, 1] == 3.0
    assert traces == [tf.TensorShape([None, 4])]
    # TF's binding TypeErrors (TF accepts the [5, 3] dense shape; graphflow checks it)
    with pytest.raises(TypeError, match="does not match input_signature"):
        g(tf.constant([[1.0]]))
    with pytest.raises(TypeError, match="dtype int32"):
        g(sparse([[0, 1]], [3], [5, 4]))
    with pytest.raises(TypeError, match="shape"):
        g(sparse([[0, 1]], [3.0], [5, 3]))
    concrete = g.get_concrete_function()
    assert concrete(sp).numpy()[1, 2] == 2.0


def test_function_checks_indices_at_run_time():
    @tf.function
    def dense(s):
        return tf.sparse.to_dense(s)

    with pytest.raises(InvalidArgumentError, match=r"indices\[1\] = \[0,0\] is out of order"):
        dense(sparse([[1, 2], [0, 0]], [2.0, 1.0], [3, 4]))


@pytest.mark.parametrize("backend", ["reference", None])
def test_sparse_ops_in_a_compiled_function(sp, backend):
    @tf.function(backend=backend)
    def many(s, w):
        t = tf.sparse.reorder(tf.sparse.transpose(s))
        joined = tf.sparse.concat(0, [s, s])
        filled, empty = tf.sparse.fill_empty_rows(s, -1.0)
        return (tf.sparse.to_dense(t), tf.sparse.reduce_sum(joined, axis=0),
                tf.sparse.reduce_max(s, 1), tf.sparse.to_dense(filled), empty,
                tf.sparse.to_dense(tf.sparse.softmax(s)),
                tf.sparse.add(s, w), tf.sparse.to_dense(tf.sparse.slice(s, [1, 0], [2, 4])))
    w = tf.ones([3, 4])
    got = [o.numpy() for o in many(sp, w)]
    eager = [o.numpy() for o in many.python_function(sp, w)]
    for a, b in zip(got, eager):
        np.testing.assert_allclose(a, b)
    assert got[1].tolist() == [2.0, 0.0, 4.0, 0.0] and got[4].tolist() == [False, False, True]


# -- tf.data ---------------------------------------------------------------------------------

def test_dataset_slices_batches_and_maps():
    st = sparse([[0, 0], [1, 2], [2, 1], [3, 3]], [1, 2, 3, 4], [4, 4])
    ds = tf.data.Dataset.from_tensor_slices(st)
    assert ds.element_spec == tf.SparseTensorSpec([4], tf.int32)
    assert [parts(e) for e in ds][:2] == [([[0]], [1], [4]), ([[2]], [2], [4])]
    batched = ds.batch(3)
    assert batched.element_spec == tf.SparseTensorSpec([None, 4], tf.int32)
    assert [parts(e) for e in batched] == [([[0, 0], [1, 2], [2, 1]], [1, 2, 3], [3, 4]),
                                           ([[0, 3]], [4], [1, 4])]
    assert [parts(e)[1] for e in batched.unbatch()] == [[1], [2], [3], [4]]
    scaled = ds.map(lambda s: tf.sparse.map_values(tf.math.multiply, s, 10))
    assert scaled.element_spec == tf.SparseTensorSpec([4], tf.int32)
    assert [parts(e) for e in scaled.batch(2)][1] == ([[0, 1], [1, 3]], [30, 40], [2, 4])
    kept = ds.filter(lambda s: tf.reduce_sum(s.values) > 2)
    assert [tf.sparse.to_dense(e).numpy().tolist() for e in kept] == [[0, 3, 0, 0], [0, 0, 0, 4]]
    pairs = ds.map(lambda s: (tf.sparse.to_dense(s), s), num_parallel_calls=2)
    assert [a.numpy().argmax() for a, _ in pairs] == [0, 2, 1, 3]
    assert [list(x) for x in ds.take(1).as_numpy_iterator()] == [[1, 0, 0, 0]]  # densified
    zipped = tf.data.Dataset.zip((ds.cache(), tf.data.Dataset.range(4)))
    assert [(parts(s)[1], int(i)) for s, i in zipped][3] == ([4], 3)
    whole = tf.data.Dataset.from_tensors(st).map(lambda s: tf.sparse.reduce_sum(s, axis=0))
    assert [e.numpy().tolist() for e in whole] == [[1, 3, 2, 4]]


def test_dataset_batch_of_different_dense_shapes_takes_the_largest():
    a, b = sparse([[0, 1]], [1.0], [2, 2]), sparse([[2, 0]], [2.0], [3, 1])
    gen = tf.data.Dataset.from_tensors(a).concatenate(tf.data.Dataset.from_tensors(b))
    assert gen.element_spec == tf.SparseTensorSpec([None, None], tf.float32)
    (batch,) = list(gen.batch(2))
    assert parts(batch) == ([[0, 0, 1], [1, 2, 0]], [1.0, 2.0], [2, 3, 2])


def test_bincount():
    st = sparse([[0, 0], [0, 1], [1, 0]], [0, 3, 3], [2, 2])
    assert parts(tf.sparse.bincount(st)) == ([[0], [3]], [1, 2], [4])
    assert parts(tf.sparse.bincount(st, axis=-1)) == ([[0, 0], [0, 3], [1, 3]], [1, 1, 1], [2, 4])
    x = tf.constant([[1, 2, 2], [0, 0, 4]])
    assert parts(tf.sparse.bincount(x, minlength=7)) == ([[0], [1], [2], [4]], [2, 1, 2, 1], [7])
    assert parts(tf.sparse.bincount(x, maxlength=3)) == ([[0], [1], [2]], [2, 1, 2], [3])
    assert parts(tf.sparse.bincount(x, binary_output=True, axis=-1)) == (
        [[0, 1], [0, 2], [1, 0], [1, 4]], [1, 1, 1, 1], [2, 5])
    weighted = tf.sparse.bincount(tf.cast(x, tf.int64), weights=tf.constant([[1., 2, 3],
                                                                              [4, 5, 6]]))
    assert parts(weighted) == ([[0], [1], [2], [4]], [9.0, 1.0, 5.0, 6.0], [5])
    assert weighted.dtype is tf.float32
    assert parts(tf.sparse.bincount(tf.zeros([0], tf.int32))) == ([], [], [1])
    with pytest.raises(InvalidArgumentError, match="Input values must all be non-negative"):
        tf.sparse.bincount(tf.constant([1, -2, 2]))
    with pytest.raises(InvalidArgumentError, match="Only 0 and -1 are currently supported"):
        tf.sparse.bincount(x, axis=1)
    with pytest.raises(InvalidArgumentError, match="1 or 2-dimensional"):
        tf.sparse.bincount(tf.constant([[[1]]]), axis=-1)


def test_shape_and_dense_ops_on_a_sparse_tensor(sp):
    assert tf.shape(sp).numpy().tolist() == [3, 4] and tf.shape(sp).dtype is tf.int32
    with pytest.raises(ValueError, match="unsupported type"):
        tf.reduce_sum(sp)
    with pytest.raises(ValueError, match="unsupported type"):
        tf.math.exp(sp)


# -- Keras preprocessing layers with sparse=True (values read off Keras 3.15, TF backend) ------

def test_keras_preprocessing_sparse_outputs():
    from graphflow import keras
    layers = keras.layers
    count = layers.CategoryEncoding(num_tokens=4, output_mode="count", sparse=True)
    out = count(np.array([[0, 1], [2, 2]]))
    assert isinstance(out, tf.SparseTensor) and out.dtype is tf.float32
    assert parts(out) == ([[0, 0], [0, 1], [1, 2]], [1.0, 1.0, 2.0], [2, 4])
    one_hot = layers.CategoryEncoding(num_tokens=4, output_mode="one_hot", sparse=True)
    assert parts(one_hot(np.array([0, 3, 3])))[0] == [[0, 0], [1, 3], [2, 3]]
    lookup = layers.StringLookup(vocabulary=["a", "b", "c"], output_mode="count", sparse=True)
    out = lookup(tf.constant([["a", "z"], ["c", "c"]]))
    assert parts(out) == ([[0, 0], [0, 1], [1, 3]], [1, 1, 2], [2, 4]) and out.dtype is tf.int64
    ints = layers.IntegerLookup(vocabulary=[10, 20], output_mode="multi_hot", sparse=True)
    assert parts(ints(tf.constant([[10, 30], [20, 20]]))) == ([[0, 0], [0, 1], [1, 2]],
                                                             [1, 1, 1], [2, 3])
    text = layers.TextVectorization(output_mode="count", sparse=True, vocabulary=["the", "cat"])
    assert parts(text(tf.constant(["the cat the", "dog"]))) == ([[0, 1], [0, 2], [1, 0]],
                                                                [2, 1, 1], [2, 3])
    hashing = layers.Hashing(num_bins=3, output_mode="multi_hot", sparse=True)
    assert parts(hashing(tf.constant([["a", "b"], ["c", "a"]]))) == (
        [[0, 0], [0, 1], [1, 0], [1, 1]], [1.0, 1.0, 1.0, 1.0], [2, 3])
    bins = layers.Discretization(bin_boundaries=[0.0, 1.0], output_mode="count", sparse=True)
    assert parts(bins(tf.constant([[-1.0, 0.5, 0.7]]))) == ([[0, 0], [0, 1]], [1.0, 2.0], [1, 3])
    again = layers.CategoryEncoding.from_config(count.get_config())
    assert isinstance(again(np.array([[1]])), tf.SparseTensor)


def test_keras_sparse_outputs_in_datasets_and_errors():
    from graphflow import keras
    layers = keras.layers
    encode = layers.CategoryEncoding(num_tokens=3, output_mode="multi_hot", sparse=True)
    ds = tf.data.Dataset.from_tensor_slices(np.array([[0, 2], [1, 1]])).map(encode)
    assert ds.element_spec == tf.SparseTensorSpec([3], tf.float32)
    assert [parts(e)[0] for e in ds] == [[[0], [2]], [[1]]]
    for make in (lambda: layers.StringLookup(vocabulary=["a"], sparse=True),
                 lambda: layers.TextVectorization(output_mode="int", sparse=True),
                 lambda: layers.Hashing(num_bins=3, sparse=True),
                 lambda: layers.Discretization(bin_boundaries=[0.0], sparse=True)):
        with pytest.raises(ValueError, match="Received: sparse=True and output_mode=int"):
            make()
    inputs = keras.Input(shape=(2,), dtype="int64")
    encoded = encode(inputs)  # a sparse KerasTensor, which Dense multiplies as TF's Keras
    assert encoded.sparse and encoded.shape == (None, 3)
    model = keras.Model(inputs, keras.layers.Dense(1, kernel_initializer="ones")(encoded))
    assert model(np.array([[0, 1], [2, 2]])).numpy().tolist() == [[2.0], [1.0]]


def test_keras_sparse_inputs_through_functional_models_fit_and_predict():
    from graphflow import keras
    x = keras.Input(shape=(4,), sparse=True)
    assert x.sparse and "sparse=True" in repr(x)
    model = keras.Model(x, keras.layers.Dense(4, kernel_initializer="ones")(x))
    st = sparse([[0, 0], [0, 1], [0, 2], [4, 3], [5, 0], [5, 1]], [1.0] * 6, [6, 4])
    expected = [[3.0] * 4, [0.0] * 4, [0.0] * 4, [0.0] * 4, [1.0] * 4, [2.0] * 4]
    assert model(st).numpy().tolist() == expected  # values from the TF guide, Keras 3.15
    assert model.predict(st, verbose=0).tolist() == expected
    assert model.predict(st, batch_size=4, verbose=0).shape == (6, 4)
    model.compile("sgd", "mse")
    history = model.fit(st, np.ones((6, 4)), epochs=2, batch_size=2, shuffle=True, verbose=0)
    assert len(history.history["loss"]) == 2
    data = tf.data.Dataset.from_tensor_slices((st, np.ones((6, 4), np.float32))).batch(3)
    assert model.evaluate(data, verbose=0) > 0
    assert model.get_config()["layers"][0]["config"]["sparse"] is True
    again = keras.Model.from_config(model.get_config())
    assert again.inputs[0].sparse


# -- TF1: sparse_placeholder, Session feeds and fetches, the tf.sparse_* names ------------------

def test_compat_v1_sparse_placeholders_and_sessions():
    tf1 = tf.compat.v1
    graph = tf.Graph()
    with graph.as_default():
        x = tf1.sparse_placeholder(tf.float32, name="x")  # rank known only when fed
        y = tf1.sparse_placeholder(tf.float32, shape=[3, 4])
        w = tf1.placeholder(tf.float32, [4, 2])
        assert y.shape == (3, 4) and y.indices.shape == (None, 2)
        product = tf1.sparse_tensor_dense_matmul(y, w)
        dense = tf1.sparse_tensor_to_dense(x)
        rows = tf1.sparse_reduce_sum(x, axis=1)
        kept = tf1.sparse_reduce_sum(x, reduction_axes=[0], keep_dims=True)
        doubled = tf1.sparse_add(x, x)
        joined = tf1.sparse_concat(1, [x, x])
        halves = tf1.sparse_split(sp_input=x, num_split=2, axis=1)
        scatter = tf1.sparse_to_dense([[0, 1], [1, 0]], [2, 2], [5, 6], default_value=-1)
        ones = tf1.sparse_to_dense([1, 3], [5], 9)
    value = tf1.SparseTensorValue([[0, 0], [1, 2]], [1.0, 2.0], [3, 4])
    with tf1.Session(graph=graph) as sess:
        assert sess.run(dense, {x: value}).tolist()[1] == [0.0, 0.0, 2.0, 0.0]
        triple = (np.array([[0, 0], [1, 2]]), np.array([1.0, 2.0]), np.array([3, 4]))
        assert sess.run(rows, feed_dict={x: triple}).tolist() == [1.0, 2.0, 0.0]
        assert sess.run(kept, {x: value}).tolist() == [[1.0, 0.0, 2.0, 0.0]]
        assert sess.run(product, {y: value, w: np.ones((4, 2))}).tolist() == [[1, 1], [2, 2],
                                                                               [0, 0]]
        fetched = sess.run(x, {x: value})
        assert type(fetched).__name__ == "SparseTensorValue"
        assert fetched.indices.tolist() == [[0, 0], [1, 2]] and fetched.values.dtype == np.float32
        both = sess.run({"a": doubled, "b": rows}, {x: value})
        assert both["a"].values.tolist() == [2.0, 4.0] and both["b"].tolist() == [1.0, 2.0, 0.0]
        assert sess.run(joined, {x: value}).dense_shape.tolist() == [3, 8]
        second = sess.run(halves, {x: value})[1]
        assert second.indices.tolist() == [[1, 0]] and second.dense_shape.tolist() == [3, 2]
        assert sess.run(scatter).tolist() == [[-1, 5], [6, -1]]
        assert sess.run(ones).tolist() == [0, 9, 0, 9, 0]
        with pytest.raises(TypeError, match="SparseTensorValue"):
            sess.run(dense, {x: 3.0})


def test_reset_shape_and_ragged_conversions(sp):
    assert parts(tf.sparse.reset_shape(sp)) == ([[0, 0], [1, 2]], [1.0, 2.0], [2, 3])
    grown = tf.sparse.reset_shape(sp, [4, 5])
    assert parts(grown)[2] == [4, 5] and grown.shape == (4, 5)
    with pytest.raises(ValueError, match="dimension sizes >= sp_input.shape"):
        tf.sparse.reset_shape(sp, [2, 5])
    with pytest.raises(ValueError, match="Dimensions 3 and 2 are not compatible"):
        tf.sparse.reset_shape(sp, [4, 5, 1])
    empty = sparse(tf.zeros([0, 2], tf.int64), tf.zeros([0]), [3, 4])
    assert parts(tf.sparse.reset_shape(empty))[2] == [0, 0]
    rt = tf.ragged.constant([[1, 2], [], [3]])
    assert parts(rt.to_sparse()) == ([[0, 0], [0, 1], [2, 0]], [1, 2, 3], [3, 2])
    deep = tf.ragged.constant([[[1], [2, 3]], [[4]]]).to_sparse()
    assert parts(deep) == ([[0, 0, 0], [0, 1, 0], [0, 1, 1], [1, 0, 0]], [1, 2, 3, 4], [2, 2, 2])
    assert parts(tf.strings.split(["a b", "c"]).to_sparse())[1] == [b"a", b"b", b"c"]
    back = tf.RaggedTensor.from_sparse(sparse([[0, 0], [0, 1], [2, 0]], [1, 2, 3], [3, 5]))
    assert back.to_list() == [[1, 2], [], [3]]
    with pytest.raises(InvalidArgumentError, match="not right-ragged"):
        tf.RaggedTensor.from_sparse(sp)
    with pytest.raises(ValueError, match=r"rank\(st_input\) must be 2"):
        tf.RaggedTensor.from_sparse(sparse([[0, 0, 0]], [1], [3, 5, 1]))

    @tf.function
    def round_trip(x):
        return tf.sparse.to_dense(x.to_sparse())
    assert round_trip(rt).numpy().tolist() == [[1, 2], [0, 0], [3, 0]]


def test_is_tensor_type_spec_and_keras_ops(sp):
    from graphflow import keras
    assert tf.is_tensor(sp) and tf.is_tensor(tf.ragged.constant([[1]]))
    assert not tf.is_tensor(tf.SparseTensor) and not tf.is_tensor([1.0])
    assert tf.type_spec_from_value(sp) == tf.SparseTensorSpec([3, 4], tf.float32)
    assert tf.type_spec_from_value(tf.ones([2])) == tf.TensorSpec([2], tf.float32)
    assert keras.ops.is_tensor(sp)
    assert keras.ops.convert_to_tensor(sp) is sp
    dense = keras.ops.convert_to_tensor(sp, sparse=False)
    assert dense.numpy().tolist()[1] == [0.0, 0.0, 2.0, 0.0]


def test_nested_input_signature_with_a_sparse_spec(sp):
    @tf.function(input_signature=[[tf.SparseTensorSpec([None, 4], tf.float32),
                                   tf.TensorSpec([4, 2])], tf.TensorSpec([])])
    def f(pair, scale):
        a, w = pair
        return tf.sparse.sparse_dense_matmul(a, w) * scale

    assert f([sp, tf.ones([4, 2])], tf.constant(2.0)).numpy().tolist() == [[2, 2], [4, 4], [0, 0]]
    concrete = f.get_concrete_function()  # the signature's nesting, not its flat list
    assert "pair[0].indices" in repr(concrete) and "pair[1]" in repr(concrete)


def test_cond_returns_sparse_tensors(sp):
    @tf.function
    def pick(p):
        return tf.sparse.to_dense(tf.cond(p, lambda: sp, lambda: sp * 2.0))
    assert pick(tf.constant(False)).numpy()[1, 2] == 4.0
    assert pick(tf.constant(True)).numpy()[1, 2] == 2.0
    eager = tf.cond(tf.constant(True), lambda: sp, lambda: sp * 2.0)
    assert parts(eager)[1] == [1.0, 2.0]

    seen = []

    @tf.function
    def shapes(p):
        other = sparse([[0, 0]], [5.0], [5, 4])
        out = tf.cond(p, lambda: sp, lambda: other)
        seen.append(out.shape)
        return out.values
    assert shapes(tf.constant(False)).numpy().tolist() == [5.0]
    assert seen == [tf.TensorShape([None, 4])]  # the shape both branches share

    @tf.function
    def loop(s):
        return tf.while_loop(lambda i, x: i < 2, lambda i, x: (i + 1, x * 2.0), [0, s])
    with pytest.raises(NotImplementedError, match="SparseTensor loop variable"):
        loop(sp)
