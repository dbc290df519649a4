"""graphflow.signal beyond the corpus program (tests/tf_programs/signal_real.py, values from
TF 2.21): gradients, functions, errors."""
import numpy as np
import pytest

import graphflow as tf
from helpers import numeric_gradient


@pytest.mark.parametrize("fn", [
    lambda t: tf.signal.frame(t, 3, 2, pad_end=True),
    lambda t: tf.signal.overlap_and_add(tf.reshape(t, (2, 3, 2)), 1),
    lambda t: tf.signal.dct(t, norm="ortho"),
    lambda t: tf.signal.idct(t, type=3),
    lambda t: tf.signal.mfccs_from_log_mel_spectrograms(t),
])
def test_gradients_match_finite_differences(fn):
    x = np.random.default_rng(1).standard_normal((2, 6))
    w = np.random.default_rng(2).standard_normal(fn(tf.constant(x)).shape)
    loss = lambda a: tf.reduce_sum(fn(a) * w)  # noqa: E731
    v = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(v)
        y = loss(v)
    expected = numeric_gradient(lambda arrays: float(loss(tf.constant(arrays[0]))), [x], 0)
    np.testing.assert_allclose(tape.gradient(y, v).numpy(), expected, rtol=1e-6, atol=1e-8)


def test_compiled_equals_eager():
    audio = tf.constant(np.random.default_rng(3).standard_normal((2, 40)).astype(np.float32))
    f = lambda a: tf.signal.overlap_and_add(tf.signal.frame(a, 8, 4) * tf.signal.hann_window(8), 4)  # noqa: E731
    np.testing.assert_allclose(tf.function(f)(audio).numpy(), f(audio).numpy(), rtol=1e-6)


def test_errors():
    with pytest.raises(tf.errors.InvalidArgumentError, match="frame: frame_length must be"):
        tf.signal.frame(tf.zeros(5), 0, 1)
    with pytest.raises(tf.errors.InvalidArgumentError, match="only types 1, 2 and 3"):
        tf.signal.dct(tf.zeros((1, 4)), type=4)
    with pytest.raises(tf.errors.InvalidArgumentError, match="type-I DCT"):
        tf.signal.dct(tf.zeros((1, 4)), type=1, norm="ortho")
    with pytest.raises(tf.errors.InvalidArgumentError, match="Nyquist"):
        tf.signal.linear_to_mel_weight_matrix(upper_edge_hertz=5000.0)
    with pytest.raises(tf.errors.InvalidArgumentError, match="floating-point"):
        tf.signal.hann_window(4, dtype=tf.int32)
