"""Tiered compilation: the first call does not wait for Numba; the reference interpreter runs
the optimized graph until the background compile finishes, then calls switch to kernels."""
import numpy as np

import graphflow as tf


def test_first_calls_run_while_kernels_compile_then_switch():
    tf.config.set_tiered_compilation(True)
    try:
        v = tf.Variable(np.zeros(8, np.float32))

        @tf.function
        def f(x):
            v.assign_add(x * 2.0)
            return tf.reduce_sum(tf.sigmoid(x) * 3.0 - x)

        x = tf.constant(np.linspace(-1, 1, 8, dtype=np.float32))
        expected = float(np.sum(3.0 / (1 + np.exp(-x.numpy())) - x.numpy()))
        first = float(f(x))
        concrete = f.get_concrete_function(x)
        kernels = concrete.kernels()  # waits for the background compile
        assert kernels and all(k.compile_seconds is not None for k in kernels)
        second = float(f(x))
        assert first == np.float32(first)
        np.testing.assert_allclose([first, second], [expected] * 2, rtol=1e-5)
        np.testing.assert_allclose(v.numpy(), 4.0 * x.numpy(), rtol=1e-6)
    finally:
        tf.config.set_tiered_compilation(False)
