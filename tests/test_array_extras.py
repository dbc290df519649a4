"""ops/array_extra.py and the small TF APIs beside it (values checked against TF 2.21 in
tests/tf_programs/ops_array_extras_and_train_utils.py): gradients by finite differences, every
mode, TF's errors; ExponentialMovingAverage and Coordinator edge cases."""
import threading

import numpy as np
import pytest

import graphflow as tf
from helpers import numeric_gradient

RNG = np.random.default_rng(7)


def _grad(fn, x):
    t = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(t)
        y = fn(t)
    return tape.gradient(y, t).numpy()


@pytest.mark.parametrize("fn", [
    lambda t: tf.space_to_batch_nd(t, [2, 3], [[1, 0], [0, 0]]),
    lambda t: tf.batch_to_space(tf.space_to_batch(t, [2, 3], [[1, 0], [0, 0]]), [2, 3],
                                [[1, 0], [0, 1]]),
    lambda t: tf.reverse_sequence(t, [1, 0, 3], seq_axis=2, batch_axis=1),
])
def test_gradients_match_finite_differences(fn):
    x = RNG.standard_normal((2, 3, 6, 2))
    w = RNG.standard_normal(fn(tf.constant(x)).shape)
    loss = lambda t: tf.reduce_sum(fn(t) * w)  # noqa: E731
    expected = numeric_gradient(lambda arrays: float(loss(tf.constant(arrays[0]))), [x], 0)
    np.testing.assert_allclose(_grad(loss, x), expected, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("backend", ["numba", "reference"])
def test_functions_agree_with_eager(backend):
    x = RNG.standard_normal((2, 4, 6, 3)).astype(np.float32)
    lengths = np.array([3, 1, 4, 2], np.int32)

    def f(a, n):
        s = tf.space_to_batch_nd(a, [2, 2], [[0, 0], [1, 1]])
        r = tf.reverse_sequence(a, n, seq_axis=2, batch_axis=1)
        bins = tf.histogram_fixed_width_bins(a, [-1.0, 1.0], nbins=4)
        return tf.batch_to_space(s * 2.0, [2, 2], [[0, 0], [1, 1]]), r, bins

    eager = f(tf.constant(x), tf.constant(lengths))
    compiled = tf.function(f, backend=backend)(tf.constant(x), tf.constant(lengths))
    for a, b in zip(eager, compiled):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6)
    np.testing.assert_allclose(eager[0].numpy(), 2.0 * x, rtol=1e-6)


def test_errors_name_the_op():
    x = tf.ones((2, 5, 6, 3))
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"space_to_batch_nd: padded_shape\[0\]=5 is not divisible"):
        tf.space_to_batch_nd(x, [2, 2], [[0, 0], [0, 0]])
    with pytest.raises(tf.errors.InvalidArgumentError, match="Input batch dimension .2. is not"):
        tf.batch_to_space(x, [2, 2], [[0, 0], [0, 0]])
    with pytest.raises(tf.errors.InvalidArgumentError, match="paddings must have shape"):
        tf.space_to_batch_nd(x, [2, 2], [[0, 0]])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"seq_lens\(1\) > input.dims\(1\)"):
        tf.reverse_sequence(tf.ones((2, 3)), [1, 4], seq_axis=1)
    with pytest.raises(tf.errors.InvalidArgumentError, match="seq_axis == batch_axis"):
        tf.reverse_sequence(tf.ones((2, 3)), [1, 2], seq_axis=0, batch_axis=0)
    with pytest.raises(tf.errors.NotFoundError, match="realdiv: no kernel for int32"):
        tf.realdiv(3, 2)


def test_reverse_sequence_in_a_function_checks_lengths_at_run_time():
    f = tf.function(lambda a, n: tf.reverse_sequence(a, n, seq_axis=1))
    np.testing.assert_array_equal(f(tf.constant([[1, 2, 3]]), tf.constant([2])).numpy(), [[2, 1, 3]])
    with pytest.raises(tf.errors.InvalidArgumentError):
        f(tf.constant([[1, 2, 3]]), tf.constant([5]))


def test_ema_rejects_tensors_and_integer_variables():
    ema = tf.train.ExponentialMovingAverage(0.9)
    with pytest.raises(TypeError, match="does not support non-Variable"):
        ema.apply([tf.constant(1.0)])
    with pytest.raises(TypeError, match="half, float, or double"):
        ema.apply([tf.Variable(1)])
    v = tf.Variable(1.0, name="w")
    assert ema.average(v) is None and ema.average_name(v) == "w/ExponentialMovingAverage"
    ema.apply([v])
    assert not ema.average(v).trainable and ema.average_name(v) == "w/ExponentialMovingAverage"


def test_coordinator_reraises_a_thread_exception():
    coord = tf.train.Coordinator()

    def worker():
        with coord.stop_on_exception():
            raise RuntimeError("boom")

    t = threading.Thread(target=worker)
    t.start()
    with pytest.raises(RuntimeError, match="boom"):
        coord.join([t])
    assert coord.should_stop() and coord.joined
    coord.clear_stop()
    assert not coord.should_stop()
