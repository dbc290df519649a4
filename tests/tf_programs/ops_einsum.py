"""tf.einsum over the equations people write (matmuls, batch and attention contractions,
traces, diagonals, outer products, ellipses), with gradients and inside tf.function."""
import numpy as np
import tensorflow as tf

rng = np.random.default_rng(0)
a = rng.standard_normal((2, 3)).astype(np.float32)
b = rng.standard_normal((3, 4)).astype(np.float32)
s = rng.standard_normal((3, 3)).astype(np.float32)
q = rng.standard_normal((2, 4, 5, 8)).astype(np.float32)
k = rng.standard_normal((2, 4, 6, 8)).astype(np.float32)
cases = [("ij,jk->ik", (a, b)), ("ij,jk", (a, b)), ("ij->ji", (a,)), ("ii", (s,)), ("ii->i", (s,)),
         ("ij->", (a,)), ("i,j->ij", (a[0], b[0])), ("...ij,...jk->...ik", (np.stack([a, a]), b)),
         ("bhqd,bhkd->bhqk", (q, k)), ("ab,bc,cd->ad", (a, b, b.T)), ("ij,ij->i", (a, a)),
         ("...i,...i->...", (np.ones((2, 1, 3), np.float32), np.ones((4, 3), np.float32)))]
for eq, args in cases:
    got = tf.einsum(eq, *args).numpy()
    np.testing.assert_allclose(got, np.einsum(eq, *args), rtol=1e-5, atol=1e-5, err_msg=eq)

w = tf.Variable(b)
with tf.GradientTape() as tape:
    loss = tf.reduce_sum(tf.einsum("ij,jk->ik", a, w) ** 2)
expected = 2.0 * a.T @ (a @ b)
np.testing.assert_allclose(tape.gradient(loss, w).numpy(), expected, rtol=1e-5, atol=1e-5)


@tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32)])
def project(x):
    return tf.einsum("bi,ij->bj", x, b)


np.testing.assert_allclose(project(a).numpy(), a @ b, rtol=1e-5)
for bad in [("ij,jk->il", (a, b)), ("ij,jk->ik", (a, a))]:
    try:
        tf.einsum(bad[0], *bad[1])
        raise AssertionError(f"einsum {bad[0]} must fail")
    except (ValueError, tf.errors.InvalidArgumentError):
        pass
print("ok")
