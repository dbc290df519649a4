"""tf.linalg (ops2): the decompositions checked by the properties that define them (their signs
are LAPACK's), errors and edge cases as TF 2.21 gives them, and the composites (cholesky_solve,
lstsq, logdet, pinv, matrix_rank, norm) with values and gradients recorded from TF 2.21. The
registry harness (tests/helpers.py SAMPLES) checks every primitive's reference, shape rule,
gradients against finite differences, and graph parity."""
import numpy as np
import pytest

import graphflow as tf
from graphflow.errors import InvalidArgumentError, UnimplementedError

RNG = np.random.default_rng(7)


def _batch(shape):
    return tf.constant(RNG.standard_normal(shape))


@pytest.mark.parametrize("shape,full", [((4, 3), False), ((3, 4), False), ((2, 5, 2), True),
                                        ((3, 3), True)])
def test_qr_and_svd_reconstruct_with_orthonormal_factors(shape, full):
    a = _batch(shape)
    q, r = tf.linalg.qr(a, full_matrices=full)
    np.testing.assert_allclose(tf.matmul(q, r).numpy(), a.numpy(), atol=1e-12)
    np.testing.assert_allclose(tf.matmul(q, q, transpose_a=True).numpy(),
                               np.broadcast_to(np.eye(q.shape[-1]), q.shape[:-2] + (q.shape[-1],) * 2),
                               atol=1e-12)
    assert np.allclose(np.tril(r.numpy(), -1), 0)
    s, u, v = tf.linalg.svd(a, full_matrices=full)
    k = s.shape[-1]
    us = u[..., :, :k] * s[..., None, :]
    np.testing.assert_allclose(tf.matmul(us, v[..., :, :k], transpose_b=True).numpy(), a.numpy(),
                               atol=1e-12)
    assert np.all(np.diff(s.numpy(), axis=-1) <= 0)
    np.testing.assert_allclose(tf.linalg.svd(a, compute_uv=False).numpy(), s.numpy())


def test_eigh_reads_the_lower_triangle():
    a = tf.constant([[2.0, 100.0], [1.0, 3.0]])
    e, v = tf.linalg.eigh(a)
    np.testing.assert_allclose(e.numpy(), [1.3819660, 3.6180340], rtol=1e-6)  # TF 2.21
    sym = np.array([[2.0, 1.0], [1.0, 3.0]])
    np.testing.assert_allclose(sym @ v.numpy(), v.numpy() * e.numpy(), atol=1e-5)
    np.testing.assert_allclose(tf.linalg.eigvalsh(a).numpy(), e.numpy())


def test_singular_and_invalid_matrices():
    singular = tf.constant([[1.0, 2.0], [2.0, 4.0]])
    with pytest.raises(InvalidArgumentError, match="Input is not invertible"):
        tf.linalg.inv(singular)
    with pytest.raises(InvalidArgumentError, match="Input is not invertible"):
        tf.linalg.solve(singular, tf.ones((2, 1)))
    assert float(tf.linalg.det(singular)) == 0.0
    sign, logabs = tf.linalg.slogdet(singular)
    assert float(sign) == 0.0 and float(logabs) == -np.inf
    chol = tf.linalg.cholesky(tf.constant([[1.0, 2.0], [2.0, 1.0]]))  # not positive definite
    assert np.all(np.isnan(chol.numpy()))
    assert np.isnan(float(tf.linalg.logdet(tf.constant([[1.0, 2.0], [2.0, 1.0]]))))
    np.testing.assert_array_equal(
        tf.linalg.triangular_solve(tf.constant([[0.0, 0.0], [1.0, 4.0]]),
                                   tf.constant([[1.0], [2.0]])).numpy(), [[np.inf], [-np.inf]])
    with pytest.raises(InvalidArgumentError, match="square"):
        tf.linalg.inv(tf.ones((2, 3)))
    with pytest.raises(InvalidArgumentError, match="rank >= 2"):
        tf.linalg.det(tf.ones(3))
    with pytest.raises(InvalidArgumentError, match="float32 or float64, got int32"):
        tf.linalg.cholesky(tf.constant([[1, 0], [0, 1]]))
    with pytest.raises(InvalidArgumentError, match="same batch shape"):
        tf.linalg.solve(tf.eye(2, batch_shape=[2]), tf.ones((2, 1)))
    with pytest.raises(InvalidArgumentError, match="incompatible"):
        tf.linalg.solve(tf.eye(2), tf.ones((3, 1)))


def test_empty_matrices():
    assert tf.linalg.inv(tf.ones((0, 0))).shape == (0, 0)
    assert float(tf.linalg.det(tf.ones((0, 0)))) == 1.0
    assert [float(t) for t in tf.linalg.slogdet(tf.ones((0, 0)))] == [1.0, 0.0]
    assert tf.linalg.cholesky(tf.ones((0, 2, 2))).shape == (0, 2, 2)
    s, u, v = tf.linalg.svd(tf.ones((2, 0, 3)))
    assert (s.shape, u.shape, v.shape) == ((2, 0), (2, 0, 0), (2, 3, 0))


def test_triangular_solve_broadcasts_batches_and_its_gradient_sums_back():
    a = tf.Variable(np.array([[2.0, 0.0], [1.0, 4.0]]))
    b = tf.Variable(np.ones((3, 2, 1)))
    with tf.GradientTape() as tape:
        x = tf.linalg.triangular_solve(a, b)
        loss = tf.reduce_sum(x)
    np.testing.assert_allclose(x.numpy()[:, :, 0], [[0.5, 0.125]] * 3)
    ga, gb = tape.gradient(loss, [a, b])
    assert ga.shape == (2, 2) and gb.shape == (3, 2, 1)
    assert ga.numpy()[0, 1] == 0.0  # only the lower triangle is read


P = np.array([[4.0, 2.0], [2.0, 3.0]])
M = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 7.0]])
B = np.array([[1.0], [2.0], [3.0]])
# name -> (f(P or M), value, gradient), recorded from TF 2.21 in float64
TF_COMPOSITES = {
    "cholesky": (lambda p, m: tf.reduce_sum(tf.linalg.cholesky(p) * tf.constant([[1.0, 0.0], [2.0, 3.0]], tf.float64)),
                 "p", 8.242640687119286, [[0.2651650429449553, -0.030330085889910596],
                                          [-0.030330085889910596, 1.0606601717798212]]),
    "logdet": (lambda p, m: tf.linalg.logdet(p), "p", 2.079441541679836,
               [[0.375, -0.25], [-0.25, 0.5]]),
    "lstsq": (lambda p, m: tf.reduce_sum(tf.linalg.lstsq(m, tf.constant(B), l2_regularizer=0.1)),
              "m", 0.4629250307251115,
              [[0.11704493141792094, 0.06030228173925756], [0.1531296315285744, -0.19210936478609364],
               [-0.12349959662538135, 0.026706470994872555]]),
    "lstsq_under": (lambda p, m: tf.reduce_sum(tf.linalg.lstsq(tf.transpose(m), tf.constant([[1.0], [2.0]], tf.float64))),
                    "m", 0.8571428571428501,
                    [[0.7653061224489477, -0.7142857142856884], [-1.132653061224464, 0.8571428571428383],
                     [0.7551020408163209, -0.5714285714285621]]),
    "pinv": (lambda p, m: tf.reduce_sum(tf.linalg.pinv(m) * tf.reshape(tf.range(6, dtype=tf.float64), [2, 3])),
             "m", 3.5714285714285685,
             [[4.153061224489793, -3.64285714285714], [-6.826530612244874, 5.071428571428554],
              [3.0510204081632635, -2.2142857142857135]]),
    "norm2": (lambda p, m: tf.norm(m, ord=2, axis=[0, 1]), "m", 10.191428257097225,
              [[0.12568113404308254, 0.1766338301796981], [0.2843423019414785, 0.3996182104532809],
               [0.4893540199337591, 0.6877442307697703]]),
    "norm1": (lambda p, m: tf.norm(m, ord=1, axis=[0, 1]), "m", 13.0, [[0, 1], [0, 1], [0, 1]]),
    "norm3": (lambda p, m: tf.norm(m, ord=3), "m", 8.281635498845706,
              [[0.014580344188108631, 0.058321376752434526], [0.13122309769297769, 0.2332855070097381],
               [0.3645086047027158, 0.714436865217323]]),
    "cholesky_solve": (lambda p, m: tf.reduce_sum(tf.linalg.cholesky_solve(tf.linalg.cholesky(p), tf.constant([[1.0], [2.0]], tf.float64))),
                       "p", 0.625, [[0.015625, -0.03125], [-0.03125, -0.1875]]),
    "svd_values": (lambda p, m: tf.reduce_sum(tf.linalg.svd(m, compute_uv=False)), "m",
                   10.558565943041126, [[-0.6393459160909477, 0.7209772729769335],
                                        [0.5625644328102608, 0.20165345541231508],
                                        [0.5241736911699177, 0.6629688196069391]]),
    "eigvalsh": (lambda p, m: tf.reduce_sum(tf.linalg.eigvalsh(p) * tf.constant([1.0, 2.0], tf.float64)),
                 "p", 12.56155281280883, [[1.6212678125181665, 0.0], [0.9701425001453321, 1.3787321874818337]]),
    "det": (lambda p, m: tf.linalg.det(p), "p", 8.0, [[3.0, -2.0], [-2.0, 4.0]]),
}


@pytest.mark.parametrize("name", sorted(TF_COMPOSITES))
def test_values_and_gradients_match_tensorflow(name):
    fn, wrt, value, grad = TF_COMPOSITES[name]
    p, m = tf.Variable(P), tf.Variable(M)
    with tf.GradientTape() as tape:
        y = fn(p, m)
    np.testing.assert_allclose(float(y), value, rtol=1e-8)  # lstsq: normal equations
    np.testing.assert_allclose(tape.gradient(y, p if wrt == "p" else m).numpy(), grad,
                               rtol=1e-7, atol=1e-12)


def test_lstsq_fast_false_and_errors():
    x = tf.linalg.lstsq(tf.constant(M), tf.constant(B), fast=False)
    np.testing.assert_allclose(x.numpy(), np.linalg.lstsq(M, B, rcond=None)[0], rtol=1e-12)
    with pytest.raises(UnimplementedError, match="l2_regularizer"):
        tf.linalg.lstsq(tf.constant(M), tf.constant(B), l2_regularizer=0.5, fast=False)


def test_pinv_and_matrix_rank():
    singular = tf.constant([[1.0, 2.0], [2.0, 4.0]])
    np.testing.assert_allclose(tf.linalg.pinv(singular).numpy(), np.linalg.pinv(singular.numpy()),
                               rtol=1e-5)
    assert int(tf.linalg.matrix_rank(singular)) == 1 and tf.linalg.matrix_rank(singular).dtype is tf.int32
    assert int(tf.linalg.matrix_rank(tf.eye(3), tol=0.5)) == 3


def test_norm_orders_axes_and_errors():
    v = tf.constant([3.0, -4.0])
    for ord_, expected in [("euclidean", 5.0), (1, 7.0), (2, 5.0), (np.inf, 4.0), (3, 4.497941),
                           (0.5, 13.928203)]:
        np.testing.assert_allclose(float(tf.norm(v, ord=ord_)), expected, rtol=1e-6)
    m = tf.constant(M, tf.float32)
    np.testing.assert_allclose(float(tf.norm(m, ord="fro", axis=[0, 1])), np.sqrt(104.0), rtol=1e-6)
    assert float(tf.norm(m, ord=1, axis=[-2, -1])) == 13.0
    assert float(tf.norm(m, ord=np.inf, axis=[-2, -1])) == 12.0
    assert float(tf.norm(m, ord=1, axis=[1, 0])) == 12.0
    assert float(tf.norm(m, ord=1)) == 22.0  # no axis: the vector norm of every element
    np.testing.assert_allclose(tf.norm(m, axis=0).numpy(), np.sqrt((M ** 2).sum(0)), rtol=1e-6)
    assert tf.norm(m, axis=1, keepdims=True).shape == (3, 1)
    assert tf.norm(m, keepdims=True).shape == (1, 1)
    x = tf.ones((2, 3, 4), tf.float64)
    assert tf.norm(x, ord=2, axis=[0, 2], keepdims=True).shape == (1, 3, 1)
    np.testing.assert_allclose(tf.norm(x, ord=2, axis=[2, 0]).numpy(), [2.8284271247461894] * 3)
    for bad in [0, -1, "fro"]:
        with pytest.raises(InvalidArgumentError, match="supported vector norm"):
            tf.norm(v, ord=bad)
    with pytest.raises(InvalidArgumentError, match="supported matrix norm"):
        tf.norm(m, ord=3, axis=[0, 1])
    with pytest.raises(InvalidArgumentError, match="2 unique integers"):
        tf.norm(m, axis=[0, 0])
    with pytest.raises(InvalidArgumentError, match="2 unique integers"):
        tf.norm(m, axis=[0, 1, 2])
    with pytest.raises(InvalidArgumentError, match="floating-point"):
        tf.norm(tf.constant([3, 4]))
    assert tf.linalg.norm is tf.norm


def test_linalg_in_functions_and_sessions():
    @tf.function
    def f(a, b):
        return tf.linalg.solve(a, b) + tf.linalg.inv(a) @ b + tf.linalg.logdet(tf.matmul(a, a, transpose_b=True))

    a = tf.constant([[4.0, 1.0], [2.0, 3.0]])
    b = tf.constant([[1.0], [2.0]])
    expected = 2 * np.linalg.solve(a.numpy(), b.numpy()) + np.log(np.linalg.det(a.numpy()) ** 2)
    np.testing.assert_allclose(f(a, b).numpy(), expected, rtol=1e-5)
    g = tf.Graph()
    with g.as_default():
        x = tf.compat.v1.placeholder(tf.float32, (2, 2))
        out = tf.linalg.det(x)
    with tf.compat.v1.Session(graph=g) as sess:
        assert sess.run(out, {x: a.numpy()}) == pytest.approx(10.0)


def test_cross_and_normalize():
    a, b = RNG.standard_normal((4, 3)), RNG.standard_normal((4, 3))
    np.testing.assert_allclose(tf.linalg.cross(a, b).numpy(), np.cross(a, b), rtol=1e-12)
    av = tf.Variable(a)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.linalg.cross(av, b) * 2.0)
    np.testing.assert_allclose(tape.gradient(loss, av).numpy(), 2 * np.cross(b, np.ones(3)),
                               rtol=1e-12)  # d/da <a x b, c> = b x c
    with pytest.raises(InvalidArgumentError, match="3-element vectors"):
        tf.linalg.cross(tf.ones([2]), tf.ones([2]))
    unit, length = tf.linalg.normalize(tf.constant([[3.0, 4.0], [0.0, 2.0]]), axis=1)
    np.testing.assert_allclose(unit.numpy(), [[0.6, 0.8], [0.0, 1.0]])
    np.testing.assert_allclose(length.numpy(), [[5.0], [2.0]])
    assert tf.linalg.normalize(tf.ones([2, 2]))[1].shape == (1, 1)  # TF 2.21
