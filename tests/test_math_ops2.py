"""tf.math breadth (ops2): edge values recorded from TensorFlow 2.21, the composites of
graphflow/ops/math_extra.py against NumPy, their gradients, and the new elementwise ops fusing
into one compiled kernel. The registry harness (tests/helpers.py SAMPLES) covers each primitive's
reference, shape rule, gradients and graph parity."""
import math

import numpy as np
import pytest

import graphflow as tf
from graphflow.errors import InvalidArgumentError

NAN, INF = math.nan, math.inf

# (function, inputs, TF 2.21's float32 outputs): the domain edges.
X = [-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, INF, -INF, NAN]
TF_EDGES = {
    "tan": [2.1850398, -1.5574077, -0.5463025, 0.0, 0.5463025, 1.5574077, -2.1850398, NAN, NAN,
            NAN],
    "asin": [NAN, -1.5707964, -0.52359873, 0.0, 0.52359873, 1.5707964, NAN, NAN, NAN, NAN],
    "acos": [NAN, 3.1415927, 2.0943952, 1.5707964, 1.0471976, 0.0, NAN, NAN, NAN, NAN],
    "atan": [-1.1071488, -0.7853981, -0.46364754, 0.0, 0.46364754, 0.7853981, 1.1071488,
             1.5707964, -1.5707964, NAN],
    "sinh": [-3.6268604, -1.1752012, -0.5210953, 0.0, 0.5210953, 1.1752012, 3.6268604, INF, -INF,
             NAN],
    "cosh": [3.7621958, 1.5430806, 1.127626, 1.0, 1.127626, 1.5430806, 3.7621958, INF, INF, NAN],
    "asinh": [-1.4436355, -0.8813736, -0.48121184, 0.0, 0.48121184, 0.8813736, 1.4436355, INF,
              -INF, NAN],
    "acosh": [NAN, NAN, NAN, NAN, NAN, 0.0, 1.316958, INF, NAN, NAN],
    "atanh": [NAN, -INF, -0.54930615, 0.0, 0.54930615, INF, NAN, NAN, NAN, NAN],
    "lgamma": [INF, INF, 1.2655121, INF, 0.5723649, 0.0, 0.0, INF, INF, NAN],
    "digamma": [NAN, NAN, 0.03648996, NAN, -1.9635108, -0.5772159, 0.4227842, INF, NAN, NAN],
    "erfc": [1.9953222, 1.8427007, 1.5205, 1.0, 0.47950011, 0.15729922, 0.00467774, 0.0, 2.0, NAN],
    "bessel_i0e": [0.30850834, 0.46575963, 0.6450354, 1.0, 0.6450354, 0.46575963, 0.30850834,
                   0.0, 0.0, NAN],
    "bessel_i1e": [-0.21526933, -0.20791042, -0.15642083, 0.0, 0.15642083, 0.20791042,
                   0.21526933, 0.0, -0.0, NAN],
    "log_sigmoid": [-2.126928, -1.3132616, -0.9740769, -0.6931472, -0.474077, -0.3132617,
                    -0.126928, -0.0, -INF, NAN],
    "softplus": [0.126928, 0.3132617, 0.474077, 0.6931472, 0.9740769, 1.3132616, 2.126928, INF,
                 0.0, NAN],
}


@pytest.mark.parametrize("name", sorted(TF_EDGES))
@pytest.mark.parametrize("dtype", [tf.float32, tf.float64])
def test_unary_edges_match_tensorflow(name, dtype):
    x = tf.constant(X, dtype)
    got = getattr(tf.math, name)(x)
    assert got.dtype is dtype
    np.testing.assert_allclose(got.numpy(), np.array(TF_EDGES[name], dtype.as_numpy_dtype),
                               rtol=2e-6, atol=0, equal_nan=True)


X2 = [0.0, 1.0, NAN, 0.0, 2.0, 0.0, 0.0, 0.0, -1.0, INF]
Y2 = [0.0, 0.0, 0.0, 1.0, 2.0, NAN, -1.0, INF, 0.0, 0.0]
TF_BINARY = {  # f(X2, Y2) in TF 2.21
    "xlogy": [0.0, -INF, NAN, 0.0, 1.3862944, 0.0, 0.0, 0.0, INF, -INF],
    "xlog1py": [0.0, 0.0, NAN, 0.0, 2.1972246, 0.0, 0.0, 0.0, -0.0, NAN],
    "xdivy": [0.0, INF, NAN, 0.0, 1.0, 0.0, 0.0, 0.0, -INF, INF],
    "divide_no_nan": [0.0, 0.0, 0.0, 0.0, 1.0, NAN, -0.0, 0.0, 0.0, 0.0],
    "multiply_no_nan": [0.0, 0.0, 0.0, 0.0, 4.0, NAN, -0.0, NAN, 0.0, 0.0],
    "atan2": [0.0, 1.5707964, NAN, 0.0, 0.7853982, NAN, 3.1415927, 0.0, -1.5707964, 1.5707964],
}


@pytest.mark.parametrize("name", sorted(TF_BINARY))
def test_binary_edges_match_tensorflow(name):
    got = getattr(tf.math, name)(tf.constant(X2), tf.constant(Y2)).numpy()
    expected = np.array(TF_BINARY[name], np.float32)
    np.testing.assert_allclose(got, expected, rtol=2e-6, equal_nan=True)
    assert np.array_equal(np.signbit(got[~np.isnan(got)]), np.signbit(expected[~np.isnan(expected)]))


def test_divide_no_nan_promotes_integers_like_truediv():
    out = tf.math.divide_no_nan(tf.constant([1, 2]), tf.constant([0, 1]))
    assert out.dtype is tf.float64
    np.testing.assert_array_equal(out.numpy(), [0.0, 2.0])


def test_keyword_arguments_bind_like_tensorflow():
    assert float(tf.math.atan2(y=1.0, x=0.0)) == pytest.approx(math.pi / 2)
    assert float(tf.math.zeta(x=2.0, q=1.0)) == pytest.approx(math.pi ** 2 / 6, rel=1e-6)
    assert float(tf.math.softplus(features=0.0)) == pytest.approx(math.log(2), rel=1e-6)
    assert tf.atan2 is tf.math.atan2 and tf.tan is tf.math.tan


def test_integer_inputs_are_rejected_by_name():
    with pytest.raises(InvalidArgumentError, match="^lgamma: input #0 must be a floating-point"):
        tf.math.lgamma(tf.constant([1, 2]))
    with pytest.raises(InvalidArgumentError, match="^atan2"):
        tf.math.atan2(tf.constant([1]), tf.constant([0]))
    for fn in (tf.math.is_inf, tf.math.reciprocal_no_nan, tf.math.log_sigmoid):
        with pytest.raises(InvalidArgumentError, match="floating-point"):
            fn(tf.constant([1, 0]))


def test_polygamma_and_its_gradient():
    # TF 2.21: polygamma([1, 2, 0, 1.5], 2) and the gradient wrt x (none wrt the order).
    got = tf.math.polygamma(tf.constant([1.0, 2.0, 0.0, 1.5, -1.0]), tf.constant(2.0))
    np.testing.assert_allclose(got.numpy(), [0.6449341, -0.40411383, 0.4227842, NAN, NAN],
                               rtol=2e-6, equal_nan=True)
    a, x = tf.Variable([1.0, 2.0]), tf.Variable([0.0, 1.0])
    with tf.GradientTape(persistent=True) as tape:
        y = tf.reduce_sum(tf.math.polygamma(a, x + 1.0))
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [-2.404114, 0.4939394], rtol=2e-6)
    assert tape.gradient(y, a) is None


def test_special_composites():
    x = np.array([-2.0, -0.5, 0.0, 1.0, 3.0])
    np.testing.assert_allclose(tf.math.bessel_i0(x).numpy(),
                               np.i0(x), rtol=1e-13)
    np.testing.assert_allclose(tf.math.is_inf(tf.constant([1.0, INF, -INF, NAN])).numpy(),
                               [False, True, True, False])
    np.testing.assert_array_equal(tf.math.reciprocal_no_nan(tf.constant([2.0, 0.0, -INF])).numpy(),
                                  [0.5, 0.0, -0.0])
    np.testing.assert_allclose(tf.math.lbeta(tf.constant([[1.0, 2.0], [3.0, 4.0]])).numpy(),
                               [math.log(0.5), math.log(1 / 60)], rtol=1e-6)
    assert float(tf.math.lbeta(tf.zeros([2, 0]))[0]) == -INF
    np.testing.assert_array_equal(tf.math.polyval([1.0, 2.0, 3.0], tf.constant([0.0, 2.0])).numpy(),
                                  [3.0, 11.0])
    assert tf.math.zero_fraction(tf.constant([0, 1, 0, 3])).numpy() == np.float32(0.5)
    assert bool(tf.math.is_non_decreasing(tf.constant([[1, 2], [2, 3]])))
    assert not bool(tf.math.is_strictly_increasing(tf.constant([1, 2, 2])))
    assert bool(tf.math.is_strictly_increasing(tf.constant([], tf.float32)))
    np.testing.assert_array_equal(tf.math.rint(tf.constant([0.5, 1.5, -2.5])).numpy(),
                                  [0.0, 2.0, -2.0])


def test_bessel_i1_gradient_at_zero_is_one_half():
    x = tf.Variable([0.0, 1.0])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.math.bessel_i1e(x))
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [0.5, 0.4657596 - 2 * 0.2079104], rtol=1e-5)


def test_softplus_gradient_is_sigmoid_also_at_zero():
    x = tf.Variable([0.0, 1.0])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.nn.softplus(x))
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [0.5, 0.7310586], rtol=1e-6)


def test_count_nonzero():
    x = tf.constant([[0.0, 1.0], [2.0, NAN]])
    assert tf.math.count_nonzero(x).numpy() == 3 and tf.math.count_nonzero(x).dtype is tf.int64
    out = tf.math.count_nonzero(x, axis=1, keepdims=True, dtype=tf.int32)
    assert out.dtype is tf.int32
    np.testing.assert_array_equal(out.numpy(), [[1], [2]])
    assert int(tf.math.count_nonzero(tf.constant([True, False, True]))) == 2


def test_confusion_matrix():
    out = tf.math.confusion_matrix([1, 2, 4], [2, 2, 4])
    expected = np.zeros((5, 5), np.int32)
    expected[1, 2] = expected[2, 2] = expected[4, 4] = 1
    assert out.dtype is tf.int32
    np.testing.assert_array_equal(out.numpy(), expected)
    weighted = tf.math.confusion_matrix([[1, 1]], [[2, 2]], num_classes=3, weights=[1.5, 2.0],
                                        dtype=tf.float32)
    assert weighted.numpy()[1, 2] == 3.5 and weighted.numpy().sum() == 3.5
    np.testing.assert_array_equal(tf.math.confusion_matrix([1.7, 2.0], [2, 2]).numpy()[1],
                                  [0, 0, 1])  # float labels truncate, as in TF
    with pytest.raises(InvalidArgumentError, match="labels` contains negative"):
        tf.math.confusion_matrix([-1, 2], [2, 2])
    with pytest.raises(InvalidArgumentError, match="labels` out of bound"):
        tf.math.confusion_matrix([1, 7], [2, 2], num_classes=3)
    with pytest.raises(InvalidArgumentError, match="labels has 3 elements but predictions has 2"):
        tf.math.confusion_matrix([1, 2, 3], [2, 2])


def test_confusion_matrix_in_a_function_and_its_weight_gradient():
    f = tf.function(lambda l, p: tf.math.confusion_matrix(l, p, num_classes=3))
    np.testing.assert_array_equal(f(tf.constant([0, 2]), tf.constant([1, 2])).numpy(),
                                  [[0, 1, 0], [0, 0, 0], [0, 0, 1]])
    g = tf.function(lambda l, p: tf.math.confusion_matrix(l, p))  # the size is found at run time
    np.testing.assert_array_equal(g(tf.constant([0, 3]), tf.constant([1, 1])).numpy(),
                                  [[0, 1, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 1, 0, 0]])
    w = tf.Variable([1.0, 2.0, 3.0])
    target = tf.constant(np.arange(9.0, dtype=np.float32).reshape(3, 3))
    with tf.GradientTape() as tape:
        cm = tf.math.confusion_matrix([0, 2, 2], [1, 0, 0], 3, weights=w, dtype=tf.float32)
        loss = tf.reduce_sum(cm * target)
    np.testing.assert_array_equal(tape.gradient(loss, w).numpy(), [1.0, 6.0, 6.0])


def test_clip_by_norm_matches_tensorflow():
    t = tf.constant([[3.0, 4.0], [0.0, 0.0]])
    np.testing.assert_allclose(tf.clip_by_norm(t, 2.5).numpy(), [[1.5, 2.0], [0.0, 0.0]])
    np.testing.assert_allclose(tf.clip_by_norm(t, 2.5, axes=[1]).numpy(), [[1.5, 2.0], [0, 0]])
    np.testing.assert_allclose(tf.clip_by_norm(t, 10.0).numpy(), t.numpy())
    np.testing.assert_array_equal(tf.clip_by_norm(tf.constant([3.0, 4.0]), -1.0).numpy(), [0, 0])
    x = tf.Variable([0.0, 1.0])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.clip_by_norm(x * 3 + 1, 1.0))
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [0.5136049, -0.12840123], rtol=1e-5)
    z = tf.Variable([0.0, 0.0])
    with tf.GradientTape() as tape:  # a zero norm has a zero (not NaN) gradient
        y = tf.reduce_sum(tf.clip_by_norm(z, 1.0))
    np.testing.assert_array_equal(tape.gradient(y, z).numpy(), [1.0, 1.0])
    with pytest.raises(InvalidArgumentError, match="clip_by_norm: input must be a floating"):
        tf.clip_by_norm(tf.constant([3, 4]), 2)


def test_global_norm_and_clip_by_global_norm():
    ts = [tf.constant([3.0, 4.0]), None, tf.constant([[12.0]])]
    assert float(tf.linalg.global_norm(ts)) == 13.0
    assert float(tf.linalg.global_norm([])) == 0.0
    clipped, norm = tf.clip_by_global_norm(ts, 6.5)
    assert float(norm) == 13.0 and clipped[1] is None
    np.testing.assert_allclose(clipped[0].numpy(), [1.5, 2.0])
    np.testing.assert_allclose(clipped[2].numpy(), [[6.0]])
    same, _ = tf.clip_by_global_norm([tf.constant([3.0, 4.0])], 100.0)
    np.testing.assert_allclose(same[0].numpy(), [3.0, 4.0])
    zero, norm = tf.clip_by_global_norm([tf.zeros(2)], 1.0)  # no division by a zero norm
    assert float(norm) == 0.0 and not np.any(zero[0].numpy())
    scaled, _ = tf.clip_by_global_norm([tf.constant([3.0, 4.0])], 1.0, use_norm=10.0)
    np.testing.assert_allclose(scaled[0].numpy(), [0.3, 0.4], rtol=1e-6)
    with np.errstate(invalid="ignore"):
        nans, norm = tf.clip_by_global_norm([tf.constant([INF, 4.0])], 1.0)
    assert float(norm) == INF and np.all(np.isnan(nans[0].numpy()))
    with pytest.raises(InvalidArgumentError, match="t_list must be a list"):
        tf.clip_by_global_norm(tf.constant([3.0, 4.0]), 1.0)
    with pytest.raises(InvalidArgumentError, match="same dtype"):
        tf.linalg.global_norm([tf.constant([1.0]), tf.constant([1.0], tf.float64)])


def test_new_elementwise_ops_fuse_into_one_kernel():
    def f(x, y):
        a = tf.math.lgamma(x) + tf.math.digamma(x) * tf.atan2(y, x)
        b = tf.math.xlogy(x, y) - tf.math.bessel_i0e(y) + tf.math.erfc(x) * tf.tanh(y)
        return tf.asinh(a) * tf.math.softplus(b) + tf.math.divide_no_nan(a, y)

    rng = np.random.default_rng(0)
    x = rng.uniform(0.1, 3.0, (64, 33)).astype(np.float32)
    y = rng.uniform(-2.0, 2.0, (64, 33)).astype(np.float32)
    y[0, :4] = 0.0
    fn = tf.function(f, backend="numba")
    got = fn(tf.constant(x), tf.constant(y))
    np.testing.assert_allclose(got.numpy(), f(tf.constant(x), tf.constant(y)).numpy(),
                               rtol=2e-5, atol=1e-6)
    concrete = fn.get_concrete_function(tf.constant(x), tf.constant(y))
    assert len(concrete.kernels()) == 1, concrete.explain()


def test_incomplete_gamma_matches_tensorflow():
    a = np.array([0.5, 1.0, 2.0, 2.0, 2.0, 0.0, -1.0, 2.0, 3.0, NAN, 1e-3, 100.0, 10.0])
    x = np.array([1.0, 0.0, 3.0, INF, -1.0, 1.0, 1.0, NAN, 1e-30, 1.0, 2.0, 90.0, 8.0])
    tf_p = [0.8427007929497151, 0.0, 0.8008517265285442, 1.0, NAN, NAN, NAN, NAN,
            1.6666666666666753e-91, NAN, 0.999951023082169, 0.15822098918642064,
            0.28337574127298837]  # tf.math.igamma, float64, TF 2.21
    tf_grad_a = [-0.3898372643285106, 0.0, -0.19742541957920223, -0.0, NAN, NAN, NAN, NAN,
                 -1.1722278409708922e-89, NAN, -0.04905334583936489, -0.02461191684397851,
                 -0.11260572310818602]  # tf.raw_ops.IgammaGradA
    np.testing.assert_allclose(tf.math.igamma(a, x).numpy(), tf_p, rtol=1e-12, equal_nan=True)
    np.testing.assert_allclose(tf.math.igammac(a, x).numpy(), 1 - np.array(tf_p), rtol=1e-11,
                               atol=1e-15, equal_nan=True)
    from graphflow.ops.special import igamma_grad_a
    np.testing.assert_allclose(igamma_grad_a(a, x).numpy(), tf_grad_a, rtol=1e-6, equal_nan=True)
    av, xv = tf.Variable([0.5, 2.0, 10.0], dtype=tf.float64), tf.Variable([1.0, 3.0, 8.0],
                                                                          dtype=tf.float64)
    with tf.GradientTape(persistent=True) as tape:
        p = tf.reduce_sum(tf.math.igamma(av, xv))
        q = tf.reduce_sum(tf.math.igammac(av, xv))
    np.testing.assert_allclose(tape.gradient(p, xv).numpy(),
                               [0.2075537487102974, 0.14936120510359185, 0.12407691728941897])
    np.testing.assert_allclose(tape.gradient(q, av).numpy(),
                               [0.3898372643285106, 0.19742541957920223, 0.11260572310818602],
                               rtol=1e-8)


def test_inverse_error_functions_match_tensorflow():
    v = [-1.5, -1.0, -0.999999, -0.5, 0.0, 1e-8, 0.3, 0.9, 0.99999999, 1.0, NAN]
    tf_erfinv = [NAN, -INF, -3.4589107372754997, -0.4769362762044699, 0.0, 8.862269200667397e-09,
                 0.27246271472675443, 1.1630871536766738, 4.052237244600268, INF, NAN]
    np.testing.assert_allclose(tf.math.erfinv(tf.constant(v, tf.float64)).numpy(), tf_erfinv,
                               rtol=1e-8, equal_nan=True)
    p = [-0.1, 0.0, 1e-300, 1e-10, 0.02, 0.3, 0.5, 0.98, 1.0, 1.1]
    tf_ndtri = [NAN, -INF, -37.0470962993612, -6.361340902404056, -2.053748910631823,
                -0.5244005127080409, 0.0, 2.0537489106318225, INF, NAN]
    np.testing.assert_allclose(tf.math.ndtri(tf.constant(p, tf.float64)).numpy(), tf_ndtri,
                               rtol=1e-12, equal_nan=True)
    z = [-0.5, 0.0, 1e-300, 1e-10, 0.5, 1.0, 1.5, 2.0, 2.5]
    tf_erfcinv = [NAN, INF, 26.209469960516124, 4.572824967389486, 0.4769362762044699, 0.0,
                  -0.4769362762044699, -INF, NAN]
    np.testing.assert_allclose(tf.math.erfcinv(tf.constant(z, tf.float64)).numpy(), tf_erfcinv,
                               rtol=1e-12, equal_nan=True)
    w = tf.Variable([0.3, -0.6], dtype=tf.float64)
    with tf.GradientTape(persistent=True) as tape:
        e1 = tf.reduce_sum(tf.math.erfinv(w))
        e2 = tf.reduce_sum(tf.math.ndtri(w + 0.65))
    np.testing.assert_allclose(tape.gradient(e1, w).numpy(), [0.9545203588405493, 1.2628624281411842])
    np.testing.assert_allclose(tape.gradient(e2, w).numpy(), [9.695969272701564] * 2)


def test_nextafter_invert_permutation_bincount_and_real_parts():
    np.testing.assert_array_equal(
        tf.math.nextafter(tf.constant([1.0, 1.0, 0.0]), tf.constant([2.0, 0.0, -1.0])).numpy(),
        np.nextafter(np.float32([1.0, 1.0, 0.0]), np.float32([2.0, 0.0, -1.0])))
    np.testing.assert_array_equal(tf.math.invert_permutation([3, 4, 0, 2, 1]).numpy(),
                                  [2, 4, 3, 0, 1])
    with pytest.raises(InvalidArgumentError, match="0 is duplicated"):
        tf.math.invert_permutation([0, 0, 1])
    assert tf.math.bincount([1, 1, 3]).numpy().tolist() == [0, 2, 0, 1]
    weighted = tf.math.bincount([1, 1, 3], weights=[0.5, 1.0, 2.0])
    assert weighted.dtype is tf.float32 and weighted.numpy().tolist() == [0.0, 1.5, 0.0, 2.0]
    assert tf.math.bincount([1, 1, 3], minlength=6).numpy().tolist() == [0, 2, 0, 1, 0, 0]
    assert tf.math.bincount([1, 1, 3], maxlength=2).numpy().tolist() == [0, 2]
    assert tf.math.bincount([[1, 1], [0, 2]], axis=-1).numpy().tolist() == [[0, 2, 0], [1, 0, 1]]
    assert tf.math.bincount([1, 1, 3], binary_output=True).numpy().tolist() == [0, 1, 0, 1]
    assert tf.math.bincount(tf.constant([], tf.int32)).shape == (0,)
    with pytest.raises(InvalidArgumentError, match="non-negative"):
        tf.math.bincount([-1, 2])
    f = tf.function(lambda v: tf.math.bincount(v, minlength=4, maxlength=4))
    assert f(tf.constant([0, 3, 3])).numpy().tolist() == [1, 0, 0, 2]
    np.testing.assert_allclose(tf.math.angle(tf.constant([-1.5, 2.0])).numpy(), [np.pi, 0.0])
    assert tf.math.imag(tf.constant([1.5])).numpy().tolist() == [0.0]
    assert tf.math.real(tf.constant([1.5])).numpy().tolist() == [1.5]
