"""More of tf.linalg (graphflow/ops/matrix_more.py) against values recorded from TF 2.21: expm,
sqrtm, lu and its solves, tridiagonal and banded solves, tensor diagonals, eigh_tridiagonal,
with gradients, dtypes, errors and every execution mode. The registry harness checks the
primitives' references against independent NumPy expressions and their gradients by finite
differences; the composites' gradients are checked by finite differences here."""
import numpy as np
import pytest

import graphflow as tf
from graphflow.errors import InvalidArgumentError, UnimplementedError

A = np.array([[0.5, -1.2, 0.3], [0.8, 0.1, -0.4], [-0.6, 0.9, 0.2]])
G = np.array([[1.0, -0.5, 0.25], [0.3, 0.7, -1.1], [0.2, -0.4, 0.6]])
B = np.array([[1.0, 2.0], [0.5, -1.0], [2.0, 0.0]])
DIAGS = np.array([[1., 2., 3., 0.], [4., 5., 6., 7.], [0., 1., 2., 3.]])
RHS = np.array([[1., -1], [2., 0], [3., 1], [4., 2]])
BANDS = np.array([[2., 3., 4., 5.], [1., -1., 0.5, 2.], [0.3, 0.2, -0.7, 1.5]])

TF = {  # recorded with TF 2.21 (see the functions below for the inputs)
    'banded': [[0.5, -0.5], [0.833333333333, -0.166666666667], [0.733333333333, 0.183333333333],
        [0.256666666667, 0.376666666667]],
    'banded_g': [[-0.656666666667, -0.625, -0.311666666667, 0.024], [0.0, -0.208333333333,
        -0.316666666667, -0.11], [0.0, 0.0, -0.15, -0.2]],
    'banded_up_adj': [[3.33333333333, -3.33333333333], [-6.66666666667, 16.6666666667],
        [14.7619047619, -34.7619047619], [11.0793650794, -20.4126984127]],
    'banded_up_adj_g': [[6.34920634921, 15.5555555556, 0.0, 0.0], [65.0793650794, -7.93650793651,
        -33.0158730159, 0.0], [-281.481481481, -256.349206349, 18.5941043084, -20.9947089947]],
    'eigt': [0.788682480502, 2.14518899938, 3.06612852012],
    'eigt_i': [2.14518899938, 3.06612852012],
    'eigt_v': [2.14518899938, 3.06612852012],
    'eigt_vec': [[0.920222430623, 0.386491523979, 0.0617655249364], [0.388918242851,
        0.885211683227, 0.255231025263], [0.0439690636263, 0.258891053865, 0.964905251137]],
    'expm': [[0.898697695612, -1.09888828414, 0.607652662573], [0.974723528728, 0.376745739919,
        -0.210640233735], [-0.246779967946, 1.2003345438, 0.913668476953]],
    'expm_big': [[4.28406354418, -4.65906854171, 1.38997779826], [3.26983526744, 2.62574740003,
        -1.44772955033], [-2.12479730464, 3.74876020715, 3.31525893356]],
    'expm_grad': [[1.35415755851, 0.5215301136, -0.771780093387], [-0.912711926862, 0.601721023048,
        -0.272755130505], [0.975828109218, -0.500047049051, 0.450731030501]],
    'lu': [[0.8, 0.1, -0.4], [0.625, -1.2625, 0.55], [-0.75, -0.772277227723, 0.324752475248]],
    'lu_inv': [[1.15853658537, 1.55487804878, 1.37195121951], [0.243902439024, 0.853658536585,
        1.34146341463], [2.37804878049, 0.823170731707, 3.07926829268]],
    'lu_solve': [[4.67987804878, 0.762195121951], [3.35365853659, -0.365853658537], [8.94817073171,
        3.93292682927]],
    'lu_solve_grad_lu': [[-5.37347560976, -4.42073170732, -8.72713414634], [-2.21341463415,
        0.243902439024, 3.61567254286], [-2.1737804878, 0.92568597561, -17.5393181142]],
    'sqrtm': [[2.16339155481, 0.0300495124612, -0.314378764213], [0.0300495124612, 1.94824439404,
        -0.115934498345], [-0.314378764213, -0.115934498345, 2.0242838696]],
    'sqrtm_grad': [[0.0811264523952, -0.442488109172, 0.210907155911], [0.451779707759,
        -0.202268552348, -0.232143657066], [-0.390327266242, 0.0340156920854, 0.25696342156]],
    'tri_mm': [[6.0, -4.0], [17.0, 1.0], [34.0, 12.0], [37.0, 17.0]],
    'tri_mm_gd': [[8.0, 10.0, 8.0, 0.0], [2.0, 6.0, 6.0, 2.0], [0.0, 2.0, 4.0, 2.0]],
    'tri_mm_gr': [[19.0, 9.0], [23.0, 7.0], [21.0, -1.0], [13.0, -7.0]],
    'tri_solve': [[0.172815533981, -0.26213592233], [0.308737864078, 0.0485436893204],
        [0.141747572816, 0.00970873786408], [0.51067961165, 0.281553398058]],
    'tri_solve_gd': [[-0.305642379112, -0.0492336695259, -0.112040720143, -0.0], [-0.0323272692997,
        -0.109469318503, -0.0272447921576, 0.0152851352625], [-0.0, -0.0376812140635,
        -0.0608841549628, -0.00718635121124]],
    'tri_solve_gr': [[0.914563106796, 0.479611650485], [0.341747572816, 0.0815533980583],
        [0.188349514563, 0.0563106796117], [0.0621359223301, -0.166990291262]],
}


def _grad(f, x, weights):
    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
        total = tf.reduce_sum(y * weights)
    return y, tape.gradient(total, x)


def _numeric(f, x, weights, eps=1e-6):
    """Central differences of sum(f(x) * weights), f on float64 tensors."""
    out = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        hi, lo = x.copy(), x.copy()
        hi[idx] += eps
        lo[idx] -= eps
        out[idx] = (np.sum(f(tf.constant(hi)).numpy() * weights)
                    - np.sum(f(tf.constant(lo)).numpy() * weights)) / (2 * eps)
    return out


def test_expm_and_gradient_match_tf():
    y, g = _grad(tf.linalg.expm, A, G)
    np.testing.assert_allclose(y.numpy(), TF["expm"], rtol=1e-10)
    np.testing.assert_allclose(g.numpy(), TF["expm_grad"], rtol=1e-9)
    np.testing.assert_allclose(tf.linalg.expm(A * 6).numpy(), TF["expm_big"], rtol=1e-10)
    y32 = tf.linalg.expm(A.astype(np.float32))
    assert y32.dtype is tf.float32
    np.testing.assert_allclose(y32.numpy(), TF["expm"], rtol=1e-6)
    batch = tf.linalg.expm(np.stack([A, 6 * A, np.zeros((3, 3))]))
    np.testing.assert_allclose(batch.numpy()[2], np.eye(3))
    assert tf.linalg.expm(tf.zeros((0, 0))).shape == (0, 0)
    assert np.isnan(tf.linalg.expm(tf.constant([[np.inf, 0.0], [0.0, 1.0]])).numpy()).all()


def test_sqrtm_and_gradient_match_tf():
    f = lambda a: tf.linalg.sqrtm(a @ tf.transpose(a) + 3.0 * tf.eye(3, dtype=tf.float64))  # noqa: E731
    y, g = _grad(f, A, G)
    np.testing.assert_allclose(y.numpy(), TF["sqrtm"], rtol=1e-10)
    np.testing.assert_allclose(g.numpy(), TF["sqrtm_grad"], rtol=1e-8, atol=1e-12)
    # TF's real Schur kernel gives NaN without a real principal root; so does graphflow.
    for bad in ([[-1.0, 0.0], [0.0, 4.0]], [[1.0, 2.0], [3.0, -4.0]]):
        assert np.isnan(tf.linalg.sqrtm(tf.constant(bad, tf.float64)).numpy()).all()
    rot = tf.linalg.sqrtm(tf.constant([[0.0, -1.0], [1.0, 0.0]], tf.float64)).numpy()  # +-i
    np.testing.assert_allclose(rot @ rot, [[0.0, -1.0], [1.0, 0.0]], atol=1e-12)


def test_lu_and_its_solves_match_tf():
    lu, p = tf.linalg.lu(A)
    np.testing.assert_allclose(lu.numpy(), TF["lu"], rtol=1e-10)
    assert p.numpy().tolist() == [1, 0, 2] and p.dtype is tf.int32
    assert tf.linalg.lu(A, output_idx_type=tf.int64).p.dtype is tf.int64
    np.testing.assert_allclose(tf.linalg.lu_reconstruct(lu, p).numpy(), A, atol=1e-15)
    np.testing.assert_allclose(tf.linalg.lu_solve(lu, p, B).numpy(), TF["lu_solve"], rtol=1e-10)
    np.testing.assert_allclose(tf.linalg.lu_matrix_inverse(lu, p).numpy(), TF["lu_inv"],
                               rtol=1e-10)
    _, g = _grad(lambda x: tf.linalg.lu_solve(x, p, B), lu.numpy(), G[:, :2])
    np.testing.assert_allclose(g.numpy(), TF["lu_solve_grad_lu"], rtol=1e-10)
    batch = np.stack([A, A.T + 2 * np.eye(3)])
    blu, bp = tf.linalg.lu(batch)
    np.testing.assert_allclose(tf.linalg.lu_reconstruct(blu, bp).numpy(), batch, atol=1e-14)
    np.testing.assert_allclose(tf.linalg.lu_matrix_inverse(blu, bp).numpy(),
                               np.linalg.inv(batch), rtol=1e-10)
    x = tf.constant(A)
    with tf.GradientTape() as tape:  # TF has no gradient for Lu: graphflow gives None
        tape.watch(x)
        total = tf.reduce_sum(tf.linalg.lu(x).lu)
    assert tape.gradient(total, x) is None


def test_tridiagonal_solve_and_matmul_match_tf():
    weights = RHS[::-1]
    y, gd = _grad(lambda d: tf.linalg.tridiagonal_solve(d, RHS), DIAGS, weights)
    np.testing.assert_allclose(y.numpy(), TF["tri_solve"], rtol=1e-10)
    np.testing.assert_allclose(gd.numpy(), TF["tri_solve_gd"], rtol=1e-9, atol=1e-15)
    _, gr = _grad(lambda r: tf.linalg.tridiagonal_solve(DIAGS, r), RHS, weights)
    np.testing.assert_allclose(gr.numpy(), TF["tri_solve_gr"], rtol=1e-10)
    y, gd = _grad(lambda d: tf.linalg.tridiagonal_matmul(d, RHS), DIAGS, weights)
    np.testing.assert_allclose(y.numpy(), TF["tri_mm"])
    np.testing.assert_allclose(gd.numpy(), TF["tri_mm_gd"])
    _, gr = _grad(lambda r: tf.linalg.tridiagonal_matmul(DIAGS, r), RHS, weights)
    np.testing.assert_allclose(gr.numpy(), TF["tri_mm_gr"])

    dense = np.diag(DIAGS[1]) + np.diag(DIAGS[0, :-1], 1) + np.diag(DIAGS[2, 1:], -1)
    seq = (DIAGS[0, :-1], DIAGS[1], DIAGS[2, 1:])  # sequence format may drop the padding
    for d, fmt in [(seq, "sequence"), (dense, "matrix"), (DIAGS, "compact")]:
        np.testing.assert_allclose(
            tf.linalg.tridiagonal_solve(d, RHS, diagonals_format=fmt).numpy(), TF["tri_solve"],
            rtol=1e-10)
    seq_full = (DIAGS[0], DIAGS[1], DIAGS[2])
    for d, fmt in [(seq_full, "sequence"), (dense, "matrix")]:
        np.testing.assert_allclose(
            tf.linalg.tridiagonal_matmul(d, RHS, diagonals_format=fmt).numpy(), TF["tri_mm"])
    np.testing.assert_allclose(tf.linalg.tridiagonal_solve(DIAGS, RHS[:, 0]).numpy(),
                               np.array(TF["tri_solve"])[:, 0], rtol=1e-10)
    np.testing.assert_allclose(
        tf.linalg.tridiagonal_solve(DIAGS, RHS.T, transpose_rhs=True).numpy(), TF["tri_solve"],
        rtol=1e-10)


def test_tridiagonal_solve_pivoting_and_errors():
    # TF 2.21: this matrix needs a row swap: [0, 1, 0] with pivoting, NaN (and a warning)
    # without.
    m = tf.constant([[1., 1., 0.], [1., 1., 1.], [0., 1., 1.]], tf.float64)
    ones = tf.ones((3, 1), tf.float64)
    x = tf.linalg.tridiagonal_solve(m, ones, diagonals_format="matrix")
    np.testing.assert_allclose(x.numpy().ravel(), [0.0, 1.0, 0.0], atol=1e-15)
    nopivot = tf.linalg.tridiagonal_solve(m, ones, diagonals_format="matrix",
                                          partial_pivoting=False)
    assert np.isnan(nopivot.numpy()).all()
    with pytest.raises(InvalidArgumentError, match="Expected 3 diagonals got 2"):
        tf.linalg.tridiagonal_solve(tf.ones((2, 3)), tf.ones((3, 1)))  # TF: ValueError
    with pytest.raises(InvalidArgumentError, match="Expected 3 diagonals got 4"):
        tf.linalg.tridiagonal_solve(tf.ones((4, 3)), tf.ones((3, 1)))
    with pytest.raises(InvalidArgumentError, match="do not match"):
        tf.linalg.tridiagonal_solve(tf.ones((3, 4)), tf.ones((3, 1)))
    with pytest.raises(InvalidArgumentError, match="Unrecognized diagonals_format"):
        tf.linalg.tridiagonal_solve(DIAGS, RHS, diagonals_format="banded")
    with pytest.raises(InvalidArgumentError, match="partial_pivoting must be True"):
        tf.linalg.tridiagonal_solve(DIAGS, RHS, partial_pivoting=False, perturb_singular=True)
    with pytest.raises(UnimplementedError, match="perturb_singular"):
        tf.linalg.tridiagonal_solve(DIAGS, RHS, perturb_singular=True)
    with pytest.raises(InvalidArgumentError, match="superdiagonal to have length 4"):
        tf.linalg.tridiagonal_matmul((DIAGS[0, :-1], DIAGS[1], DIAGS[2]), RHS,
                                     diagonals_format="sequence")  # TF: InvalidArgumentError


def test_banded_triangular_solve_matches_tf():
    weights = RHS[::-1]
    y, g = _grad(lambda b: tf.linalg.banded_triangular_solve(b, RHS), BANDS, weights)
    np.testing.assert_allclose(y.numpy(), TF["banded"], rtol=1e-10)
    np.testing.assert_allclose(g.numpy(), TF["banded_g"], rtol=1e-10, atol=1e-15)
    f = lambda b: tf.linalg.banded_triangular_solve(b, RHS, lower=False, adjoint=True)  # noqa: E731
    y, g = _grad(f, BANDS, weights)
    np.testing.assert_allclose(y.numpy(), TF["banded_up_adj"], rtol=1e-10)
    np.testing.assert_allclose(g.numpy(), TF["banded_up_adj_g"], rtol=1e-10, atol=1e-12)
    # Bands past the matrix are padding (TF accepts them); a vector rhs gives a vector.
    x = tf.linalg.banded_triangular_solve(np.ones((5, 3)), np.ones(3))
    np.testing.assert_allclose(x.numpy(), np.linalg.solve(np.tril(np.ones((3, 3))), np.ones(3)))


def test_tensor_diag_and_eigh_tridiagonal_match_tf():
    assert tf.linalg.tensor_diag([1, 2]).numpy().tolist() == [[1, 0], [0, 2]]
    x = tf.reshape(tf.range(16), (2, 2, 2, 2))
    assert tf.linalg.tensor_diag_part(x).numpy().tolist() == [[0, 5], [10, 15]]
    d = np.arange(6.0).reshape(2, 3)
    full = tf.linalg.tensor_diag(d).numpy()
    assert full.shape == (2, 3, 2, 3) and full[1, 2, 1, 2] == 5.0 and full.sum() == d.sum()
    np.testing.assert_array_equal(tf.linalg.tensor_diag_part(full).numpy(), d)
    _, g = _grad(tf.linalg.tensor_diag, d, np.ones((2, 3, 2, 3)))
    np.testing.assert_array_equal(g.numpy(), np.ones((2, 3)))
    with pytest.raises(InvalidArgumentError, match="shape s \\+ s"):
        tf.linalg.tensor_diag_part(tf.zeros((2, 3)))  # TF: InvalidArgumentError too

    alpha, beta = tf.constant([1., 2, 3], tf.float64), tf.constant([0.5, 0.25], tf.float64)
    np.testing.assert_allclose(tf.linalg.eigh_tridiagonal(alpha, beta).numpy(), TF["eigt"],
                               rtol=1e-10)
    np.testing.assert_allclose(
        tf.linalg.eigh_tridiagonal(alpha, beta, select="i", select_range=[1, 2]).numpy(),
        TF["eigt_i"], rtol=1e-10)
    np.testing.assert_allclose(
        tf.linalg.eigh_tridiagonal(alpha, beta, select="v", select_range=[1.5, 5.0]).numpy(),
        TF["eigt_v"], rtol=1e-10)
    _, v = tf.linalg.eigh_tridiagonal(alpha, beta, eigvals_only=False)
    np.testing.assert_allclose(np.abs(v.numpy()), TF["eigt_vec"], rtol=1e-10)  # signs may differ
    with pytest.raises(InvalidArgumentError, match="beta must have length"):
        tf.linalg.eigh_tridiagonal(alpha, tf.constant([0.5, 0.25, 1.0], tf.float64))


@pytest.mark.parametrize("name,f,x", [
    ("lu_reconstruct", lambda x: tf.linalg.lu_reconstruct(x, tf.constant([1, 0, 2])), A),
    ("lu_matrix_inverse", lambda x: tf.linalg.lu_matrix_inverse(x, tf.constant([2, 0, 1])),
     A + 3 * np.eye(3)),
    ("tridiagonal_matmul", lambda d: tf.linalg.tridiagonal_matmul(d, RHS), DIAGS),
    ("banded", lambda b: tf.linalg.banded_triangular_solve(b, RHS, lower=False), BANDS),
    ("eigh_tridiagonal", lambda a: tf.linalg.eigh_tridiagonal(a, tf.constant([0.5, 0.25], tf.float64)),
     np.array([1.0, 2.0, 3.0])),
    ("tensor_diag_part", tf.linalg.tensor_diag_part, np.arange(16.0).reshape(2, 2, 2, 2)),
])
def test_composite_gradients_match_finite_differences(name, f, x):
    weights = np.random.default_rng(sum(map(ord, name))).standard_normal(f(tf.constant(x)).shape)
    _, g = _grad(f, x, weights)
    np.testing.assert_allclose(g.numpy(), _numeric(f, x, weights), rtol=1e-6, atol=1e-8)


def test_linalg_more_in_function_and_session():
    def f(a, d, rhs):
        lu, p = tf.linalg.lu(a)
        return (tf.linalg.expm(a), tf.linalg.lu_solve(lu, p, rhs[:3]),
                tf.linalg.tridiagonal_solve(d, rhs), tf.linalg.sqrtm(tf.matmul(a, a, transpose_b=True)))

    eager = f(tf.constant(A), tf.constant(DIAGS), tf.constant(RHS))
    for backend in ("reference", "numba"):
        traced = tf.function(f, backend=backend)(tf.constant(A), tf.constant(DIAGS), tf.constant(RHS))
        for t, e in zip(traced, eager):
            np.testing.assert_allclose(t.numpy(), e.numpy(), rtol=1e-10)
    g = tf.Graph()
    with g.as_default():
        a = tf.compat.v1.placeholder(tf.float64, [3, 3])
        d = tf.compat.v1.placeholder(tf.float64, [3, 4])
        r = tf.compat.v1.placeholder(tf.float64, [4, 2])
        out = f(a, d, r)
        grad = tf.compat.v1.gradients(tf.reduce_sum(out[0] * G), a)[0]
    with tf.compat.v1.Session(graph=g) as sess:
        fetched = sess.run(list(out) + [grad], {a: A, d: DIAGS, r: RHS})
    for t, e in zip(fetched, eager):
        np.testing.assert_allclose(t, e.numpy(), rtol=1e-10)
    np.testing.assert_allclose(fetched[-1], TF["expm_grad"], rtol=1e-9)


def test_linalg_more_errors():
    for fn in (tf.linalg.expm, tf.linalg.sqrtm, tf.linalg.lu):
        with pytest.raises(InvalidArgumentError, match="square"):
            fn(tf.zeros((2, 3)))  # TF: "Input matrix must be square" (expm: a matmul error)
        with pytest.raises(InvalidArgumentError, match="float32 or float64"):
            fn(tf.ones((2, 2), tf.int32))  # TF: ValueError / no kernel
    with pytest.raises(InvalidArgumentError, match="Input is not invertible"):
        tf.linalg.lu(tf.zeros((2, 2)))  # TF: InvalidArgumentError, same message
