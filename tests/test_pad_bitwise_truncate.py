"""The public faces of mirror padding, truncated division and the bitwise ops beyond the
registry harness: tf.pad's mode argument, the tensor operators (&, |, ^, ~ are bitwise on
integers and logical on bools, as in TF 2.21), keras.ops.pad, and graphs whose dims are known
only when they run. Expected values were taken from TensorFlow 2.21."""
import numpy as np
import pytest

import graphflow as tf
from graphflow import keras
from graphflow.errors import InvalidArgumentError

X = np.arange(6.0, dtype=np.float32).reshape(2, 3)
REFLECT = [[5, 4, 3, 4, 5, 4, 3], [2, 1, 0, 1, 2, 1, 0], [5, 4, 3, 4, 5, 4, 3],
           [2, 1, 0, 1, 2, 1, 0]]
SYMMETRIC = [[1, 0, 0, 1, 2, 2, 1], [1, 0, 0, 1, 2, 2, 1], [4, 3, 3, 4, 5, 5, 4],
             [4, 3, 3, 4, 5, 5, 4]]


@pytest.mark.parametrize("mode,expected", [("REFLECT", REFLECT), ("reflect", REFLECT),
                                           ("SYMMETRIC", SYMMETRIC), ("Symmetric", SYMMETRIC)])
def test_pad_modes_are_case_insensitive_and_ignore_constant_values(mode, expected):
    out = tf.pad(X, [[1, 1], [2, 2]], mode=mode, constant_values=7.0)
    np.testing.assert_array_equal(out.numpy(), expected)


def test_pad_rejects_other_modes_with_tfs_value_error():
    with pytest.raises(ValueError, match='expected to be one of "CONSTANT", "REFLECT", or '
                                         '"SYMMETRIC". Received `mode` = EDGE'):
        tf.pad(X, [[1, 1], [1, 1]], mode="edge")


@pytest.mark.parametrize("mode,paddings,message", [
    ("REFLECT", [[2, 0], [0, 0]], "less than the dimension size: 2, 0 not less than 2"),
    ("REFLECT", [[0, 0], [0, 3]], "less than the dimension size: 0, 3 not less than 3"),
    ("SYMMETRIC", [[3, 0], [0, 0]], "no greater than the dimension size: 3, 0 greater than 2"),
])
def test_mirror_paddings_must_fit_the_input(mode, paddings, message):
    with pytest.raises(InvalidArgumentError, match="^mirror_pad: paddings must be " + message):
        tf.pad(X, paddings, mode=mode)
    np.testing.assert_array_equal(  # SYMMETRIC may pad by the whole dimension
        tf.pad(X, [[2, 2], [3, 3]], mode="SYMMETRIC").numpy()[:, 3:6][2:4], X)


def test_mirror_pad_second_derivative_is_a_mirror_pad():
    v = tf.Variable([1.0, 2.0, 3.0])
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = tf.pad(v * v, [[2, 1]], mode="REFLECT")
            loss = tf.reduce_sum(y * tf.constant([1.0, 2.0, 3.0, 4.0, 5.0, 6.0]))
        g = inner.gradient(loss, v)
    np.testing.assert_array_equal(g.numpy(), [6.0, 48.0, 36.0])  # TF 2.21
    np.testing.assert_array_equal(outer.gradient(g, v).numpy(), [6.0, 24.0, 12.0])


def test_mirror_pad_with_dims_known_only_at_run_time():
    g = tf.Graph()
    with g.as_default():
        p = tf.compat.v1.placeholder(tf.float32, [None, 3])
        y = tf.pad(p, [[1, 1], [2, 2]], mode="REFLECT")
        assert y.shape.as_list() == [None, 7]
    with tf.compat.v1.Session(graph=g) as sess:
        np.testing.assert_array_equal(sess.run(y, {p: X}), REFLECT)
        with pytest.raises(InvalidArgumentError, match="not less than 1"):
            sess.run(y, {p: X[:1]})


def test_keras_ops_pad_modes():
    out = keras.ops.pad(X, [[1, 1], [2, 2]], mode="symmetric")
    np.testing.assert_array_equal(out.numpy(), SYMMETRIC)
    with pytest.raises(ValueError, match="`constant_values` can only be provided when "
                                         "`mode == 'constant'`. Received: mode=reflect"):
        keras.ops.pad(X, 1, mode="reflect", constant_values=3)


I = np.array([12, -7, 0], np.int32)
J = np.array([10, 3, -1], np.int32)


@pytest.mark.parametrize("expr,expected", [
    (lambda a, b: a & b, [8, 1, 0]), (lambda a, b: a | b, [14, -5, -1]),
    (lambda a, b: a ^ b, [6, -6, -1]), (lambda a, b: ~a, [-13, 6, -1]),
    (lambda a, b: a & 3, [0, 1, 0]), (lambda a, b: 3 & a, [0, 1, 0]),
    (lambda a, b: 3 | a, [15, -5, 3]), (lambda a, b: 3 ^ a, [15, -6, 3]),
])
def test_operators_on_integer_tensors_are_bitwise(expr, expected):
    got = expr(tf.constant(I), tf.constant(J))
    assert got.dtype is tf.int32
    np.testing.assert_array_equal(got.numpy(), expected)
    v = tf.Variable(I)  # variables and graph tensors take the same operators
    np.testing.assert_array_equal(expr(v, tf.constant(J)).numpy(), expected)
    fn = tf.function(lambda a, b: expr(a, b))
    np.testing.assert_array_equal(fn(tf.constant(I), tf.constant(J)).numpy(), expected)


def test_operators_on_bool_tensors_stay_logical_and_floats_are_rejected():
    t, f = tf.constant([True, False]), tf.constant([True, True])
    np.testing.assert_array_equal((t & f).numpy(), [True, False])
    np.testing.assert_array_equal((t ^ f).numpy(), [False, True])
    np.testing.assert_array_equal((~t).numpy(), [False, True])
    np.testing.assert_array_equal((True ^ t).numpy(), [False, True])
    with pytest.raises(InvalidArgumentError, match="^bitwise_and: input #0 must be a signed "
                                                   "integer or unsigned integer tensor, got float32"):
        tf.constant([1.0]) & tf.constant([1.0])
    with pytest.raises(InvalidArgumentError, match="^invert: .* got float32"):
        ~tf.constant([1.5])
    with pytest.raises(InvalidArgumentError, match="^logical_and: input #1 has dtype int32"):
        tf.constant([True]) & tf.constant([1])


def test_shifts_clamp_their_amount_as_tf_does():
    x = tf.constant([1, 5, 100], tf.int8)
    np.testing.assert_array_equal(tf.bitwise.left_shift(x, tf.constant([7, 8, 9], tf.int8)).numpy(),
                                  [-128, -128, 0])
    np.testing.assert_array_equal(tf.bitwise.right_shift(x, tf.constant([-1, -2, 9], tf.int8)).numpy(),
                                  [1, 5, 0])
    np.testing.assert_array_equal(
        tf.bitwise.left_shift(tf.constant([-100, -1, 100]), tf.constant([2, 40, -3])).numpy(),
        [-400, -2 ** 31, 100])


def test_truncated_division_rounds_toward_zero_and_is_not_differentiable():
    a, b = tf.constant([7, -7, 7, -7]), tf.constant([2, 2, -2, -2])
    np.testing.assert_array_equal(tf.truncatediv(a, b).numpy(), [3, -3, -3, 3])
    np.testing.assert_array_equal(tf.truncatemod(a, b).numpy(), [1, -1, 1, -1])
    np.testing.assert_array_equal(tf.compat.v1.truncatediv(a, b).numpy(), [3, -3, -3, 3])
    assert not hasattr(tf.math, "truncatediv")  # TF 2.21 exports them at the top level only
    x, y = tf.Variable([7.5, -3.2]), tf.Variable([2.0, 1.5])
    with tf.GradientTape(persistent=True) as tape:
        q, r = tf.truncatediv(x, y), tf.truncatemod(x, y)
    assert tape.gradient(q, [x, y]) == [None, None]
    assert tape.gradient(r, [x, y]) == [None, None]
    with pytest.raises(InvalidArgumentError, match="^truncatemod: Integer division by zero"):
        tf.truncatemod(a, tf.constant([1, 0, 1, 1]))


def test_integer_truncatediv_by_zero_raises_inside_compiled_functions():
    fn = tf.function(lambda a, b: tf.truncatediv(a, b) + 1)
    np.testing.assert_array_equal(fn(tf.constant([7]), tf.constant([-2])).numpy(), [-2])
    with pytest.raises(InvalidArgumentError, match="Integer division by zero"):
        fn(tf.constant([7]), tf.constant([0]))


@pytest.fixture
def compiled_first_call():
    """The first call runs the compiled kernels (not the reference interpreter, as tiered
    compilation would while they compile)."""
    before = tf.config.get_tiered_compilation()
    tf.config.set_tiered_compilation(False)
    yield
    tf.config.set_tiered_compilation(before)


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int16", "int32", "int64"])
def test_bitwise_chains_fuse_into_one_kernel_for_every_integer_width(dtype, compiled_first_call):
    info = np.iinfo(dtype)
    rng = np.random.default_rng(0)
    a, b = (rng.integers(info.min, info.max, 64, endpoint=True).astype(dtype) for _ in range(2))
    fn = tf.function(lambda x, y: ((x & y) | (~x ^ y)) + x)
    with tf.device("/CPU:0"):
        got = fn(tf.constant(a), tf.constant(b)).numpy()
        assert "bitwise_and -> invert -> bitwise_xor -> bitwise_or -> add" in fn.explain()
    with np.errstate(over="ignore"):
        np.testing.assert_array_equal(got, ((a & b) | (~a ^ b)) + a)


def test_float_truncatediv_fuses_and_keeps_ieee_results(compiled_first_call):
    x = np.array([7.5, -7.5, 1.0, -1.0, 0.0, np.nan, np.inf, -0.5], np.float32)
    y = np.array([2.0, 2.0, 0.0, 0.0, 0.0, 1.0, 2.0, 1.0], np.float32)
    fn = tf.function(lambda a, b: tf.truncatediv(a, b) * 2.0 + 1.0)
    with tf.device("/CPU:0"):
        got = fn(tf.constant(x), tf.constant(y)).numpy()
        assert "truncatediv -> multiply -> add" in fn.explain()
    with np.errstate(divide="ignore", invalid="ignore"):
        np.testing.assert_array_equal(got, np.trunc(x / y) * np.float32(2) + np.float32(1))


@pytest.mark.parametrize("device", ["/CPU:0", "/GPU:0"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_float_truncatemod_fuses_as_cs_fmod(device, dtype, compiled_first_call):
    if device == "/GPU:0" and not tf.config.list_physical_devices("GPU"):
        pytest.skip("no GPU (or simulator)")
    x = np.array([7.5, -7.5, 7.5, 1.0, -1.0, np.inf, 1.0, np.nan, 5e30, -0.0, 3.0], dtype)
    y = np.array([2.0, 2.0, -2.0, 0.0, 0.0, 2.0, np.inf, 1.0, 3.0, 1.0, np.nan], dtype)
    fn = tf.function(lambda a, b: tf.truncatemod(a, b) * 2.0)
    with tf.device(device):
        got = fn(tf.constant(x), tf.constant(y)).numpy()
        assert "truncatemod -> multiply" in fn.explain()
    with np.errstate(invalid="ignore"):
        expected = np.fmod(x, y) * 2
    np.testing.assert_array_equal(got, expected)
    assert np.signbit(got[9])  # fmod(-0.0, y) keeps the sign of x
