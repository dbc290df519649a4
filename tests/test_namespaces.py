"""TF namespaces beyond the registry: tf.linalg and the tf.math reductions built as composites
(values against NumPy, gradients against finite differences)."""
import numpy as np
import pytest

import graphflow as tf
from graphflow.errors import InvalidArgumentError

RNG = np.random.default_rng(0)


def numeric_grad(fn, x, eps=1e-6):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[i] += eps
        down[i] -= eps
        g[i] = (fn(up) - fn(down)) / (2 * eps)
    return g


@pytest.mark.parametrize("name,expected", [
    ("reduce_variance", lambda a: a.var(axis=1)),
    ("reduce_std", lambda a: a.std(axis=1)),
    ("reduce_euclidean_norm", lambda a: np.sqrt((a ** 2).sum(axis=1))),
])
def test_math_reductions_values_and_gradients(name, expected):
    a = RNG.standard_normal((3, 4))
    fn = getattr(tf.math, name)
    np.testing.assert_allclose(fn(tf.constant(a), axis=1).numpy(), expected(a), rtol=1e-10)
    x = tf.constant(a)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(fn(x, axis=1))
    np.testing.assert_allclose(tape.gradient(y, x).numpy(),
                               numeric_grad(lambda v: expected(v).sum(), a), rtol=1e-5, atol=1e-8)


def test_linalg_namespace():
    a = RNG.standard_normal((2, 3, 4)).astype(np.float32)
    np.testing.assert_allclose(tf.linalg.matrix_transpose(tf.constant(a)).numpy(),
                               a.transpose(0, 2, 1))
    m, v = RNG.standard_normal((3, 3)), RNG.standard_normal(3)
    np.testing.assert_allclose(tf.linalg.matvec(tf.constant(m), tf.constant(v)).numpy(), m @ v)
    np.testing.assert_allclose(float(tf.linalg.trace(tf.constant(m))), np.trace(m))
    np.testing.assert_allclose(float(tf.linalg.norm(tf.constant(v))), np.linalg.norm(v))
    np.testing.assert_allclose(float(tf.linalg.norm(tf.constant(v), ord=1)), np.abs(v).sum())
    np.testing.assert_allclose(float(tf.linalg.norm(tf.constant(v), ord=np.inf)), np.abs(v).max())
    np.testing.assert_allclose(tf.linalg.matmul(tf.constant(m), tf.constant(m)).numpy(), m @ m)
    with pytest.raises(InvalidArgumentError, match="ord"):  # TF allows any p > 0 for vectors
        tf.linalg.norm(tf.constant(v), ord=-3)
    with pytest.raises(InvalidArgumentError, match="rank >= 2"):
        tf.linalg.matrix_transpose(tf.constant(v))
