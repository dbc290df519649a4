"""tf.linalg: solves, determinants, decompositions, least squares and norms, with gradients."""
import numpy as np
import tensorflow as tf

a = tf.constant([[4.0, 1.0], [2.0, 3.0]], tf.float64)
b = tf.constant([[1.0], [2.0]], tf.float64)
np.testing.assert_allclose(tf.linalg.solve(a, b).numpy(), [[0.1], [0.6]])
np.testing.assert_allclose(tf.linalg.inv(a).numpy(), [[0.3, -0.1], [-0.2, 0.4]])
np.testing.assert_allclose(float(tf.linalg.det(a)), 10.0)
sign, logabs = tf.linalg.slogdet(tf.constant([[-4.0, 1.0], [2.0, 3.0]], tf.float64))
np.testing.assert_allclose([float(sign), float(logabs)], [-1.0, np.log(14.0)])
try:
    tf.linalg.inv(tf.constant([[1.0, 2.0], [2.0, 4.0]]))
    raise AssertionError("a singular matrix must not invert")
except tf.errors.InvalidArgumentError:
    pass

# symmetric positive definite matrices
p = tf.constant([[4.0, 2.0], [2.0, 3.0]], tf.float64)
chol = tf.linalg.cholesky(p)
np.testing.assert_allclose(tf.matmul(chol, chol, transpose_b=True).numpy(), p.numpy())
np.testing.assert_allclose(tf.linalg.cholesky_solve(chol, b).numpy(), np.linalg.solve(p, b))
np.testing.assert_allclose(float(tf.linalg.logdet(p)), np.log(8.0))
np.testing.assert_allclose(tf.linalg.triangular_solve(chol, b).numpy(),
                           np.linalg.solve(chol.numpy(), b.numpy()))
e, v = tf.linalg.eigh(p)
np.testing.assert_allclose(tf.matmul(v * e, v, transpose_b=True).numpy(), p.numpy(), atol=1e-12)

# rectangular matrices
m = tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 7.0]], tf.float64)
q, r = tf.linalg.qr(m)
assert q.shape == (3, 2) and r.shape == (2, 2)
np.testing.assert_allclose(tf.matmul(q, r).numpy(), m.numpy(), atol=1e-12)
s, u, vt = tf.linalg.svd(m)
np.testing.assert_allclose(tf.matmul(u * s, vt, transpose_b=True).numpy(), m.numpy(), atol=1e-12)
np.testing.assert_allclose(tf.linalg.svd(m, compute_uv=False).numpy(), s.numpy())
y = tf.constant([[1.0], [2.0], [3.0]], tf.float64)
np.testing.assert_allclose(tf.linalg.lstsq(m, y).numpy(), np.linalg.lstsq(m, y, rcond=None)[0],
                           atol=1e-9)
np.testing.assert_allclose(tf.linalg.pinv(m).numpy(), np.linalg.pinv(m.numpy()), atol=1e-12)
assert int(tf.linalg.matrix_rank(tf.constant([[1.0, 2.0], [2.0, 4.0]]))) == 1
assert tf.linalg.matrix_transpose(tf.zeros([5, 2, 3])).shape == (5, 3, 2)

# norms
vec = tf.constant([3.0, -4.0])
assert float(tf.norm(vec)) == 5.0 and float(tf.norm(vec, ord=1)) == 7.0
assert float(tf.norm(vec, ord=np.inf)) == 4.0
np.testing.assert_allclose(float(tf.norm(m, ord=2, axis=[0, 1])), np.linalg.norm(m, 2))
np.testing.assert_allclose(float(tf.linalg.norm(m, ord="fro", axis=[0, 1])), np.sqrt(104.0))
assert tf.norm(m, axis=1, keepdims=True).shape == (3, 1)

# gradients
x = tf.Variable(p)
with tf.GradientTape(persistent=True) as tape:
    ld = tf.linalg.logdet(x)
    d = tf.linalg.det(x)
    sv = tf.reduce_sum(tf.linalg.svd(x, compute_uv=False))
np.testing.assert_allclose(tape.gradient(ld, x).numpy(), np.linalg.inv(p.numpy()))
np.testing.assert_allclose(tape.gradient(d, x).numpy(), 8.0 * np.linalg.inv(p.numpy()).T)
np.testing.assert_allclose(tape.gradient(sv, x).numpy(), np.eye(2), atol=1e-12)


@tf.function
def normal_equations(mat, rhs):
    return tf.linalg.cholesky_solve(tf.linalg.cholesky(tf.matmul(mat, mat, transpose_a=True)),
                                    tf.matmul(mat, rhs, transpose_a=True))


np.testing.assert_allclose(normal_equations(m, y).numpy(), tf.linalg.lstsq(m, y).numpy(),
                           atol=1e-9)
print("ok")
