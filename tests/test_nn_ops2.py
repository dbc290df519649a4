"""tf.nn breadth (ops2): conv1d, the transposed convolutions, separable convolution, 1-D pooling,
batch_normalization, local_response_normalization and weighted_cross_entropy_with_logits
against direct NumPy loops (tests/helpers.py) and TF 2.21's behaviour; gradients of the
composites against finite differences. depthwise_conv2d's primitives are in the SAMPLES table."""
import numpy as np
import pytest

import graphflow as tf
from graphflow.errors import InvalidArgumentError, UnimplementedError
from helpers import (naive_avg_pool2d, naive_conv2d, naive_conv2d_backprop_input,
                     naive_depthwise_conv2d, naive_max_pool2d, numeric_gradient)

RNG = np.random.default_rng(11)


def _q(*shape):
    return RNG.integers(-8, 9, size=shape) / 4.0


def _grad_check(fn, *arrays, wrt=0, rtol=1e-6):
    xs = [tf.constant(a) for a in arrays]
    cot = RNG.standard_normal(fn(*xs).shape)
    with tf.GradientTape() as tape:
        tape.watch(xs[wrt])
        loss = tf.reduce_sum(fn(*xs) * cot)
    analytic = tape.gradient(loss, xs[wrt]).numpy()

    def f(arrs):
        return float(np.sum(fn(*[tf.constant(a) for a in arrs]).numpy() * cot))
    np.testing.assert_allclose(analytic, numeric_gradient(f, list(arrays), wrt), rtol=rtol,
                               atol=1e-7)


@pytest.mark.parametrize("stride,padding", [(1, "VALID"), (2, "SAME"), ([1, 3, 1], "SAME")])
def test_conv1d_is_conv2d_over_a_unit_height(stride, padding):
    x, w = _q(2, 9, 3), _q(3, 3, 4)
    s = stride if isinstance(stride, int) else stride[1]
    expected = naive_conv2d(x[:, None], w[None], (1, s), padding)[:, 0]
    got = tf.nn.conv1d(tf.constant(x), tf.constant(w), stride, padding)
    np.testing.assert_array_equal(got.numpy(), expected)
    _grad_check(lambda a, b: tf.nn.conv1d(a, b, stride, padding), x, w, wrt=0)
    _grad_check(lambda a, b: tf.nn.conv1d(a, b, stride, padding), x, w, wrt=1)


def test_one_dimensional_pooling():
    x = RNG.permutation(36).reshape(2, 6, 3) * 0.5
    np.testing.assert_array_equal(tf.nn.max_pool1d(tf.constant(x), 2, 2, "VALID").numpy(),
                                  naive_max_pool2d(x[:, None], (1, 2), (1, 2), "VALID")[:, 0])
    np.testing.assert_allclose(tf.nn.avg_pool1d(tf.constant(x), [1, 3, 1], 1, "SAME").numpy(),
                               naive_avg_pool2d(x[:, None], (1, 3), (1, 1), "SAME")[:, 0])
    _grad_check(lambda a: tf.nn.max_pool1d(a, 3, 2, "SAME"), x)
    with pytest.raises(InvalidArgumentError, match="ksize must be"):
        tf.nn.max_pool1d(tf.constant(x), [2, 2], 1, "VALID")
    with pytest.raises(UnimplementedError, match="NWC"):
        tf.nn.avg_pool1d(tf.constant(x), 2, 1, "VALID", data_format="NCW")
    with pytest.raises(InvalidArgumentError, match="rank 3"):
        tf.nn.max_pool1d(tf.ones((2, 3)), 2, 1, "VALID")


@pytest.mark.parametrize("out_hw,strides,padding", [((8, 8), 2, "SAME"), ((7, 7), 2, "SAME"),
                                                     ((9, 9), 2, "VALID"), ((4, 4), 1, "SAME")])
def test_conv2d_transpose_is_conv2d_backprop_input(out_hw, strides, padding):
    y, w = _q(1, 4, 4, 3), _q(3, 3, 2, 3)
    out_shape = [1, *out_hw, 2]
    got = tf.nn.conv2d_transpose(tf.constant(y), tf.constant(w), out_shape, strides, padding)
    expected = naive_conv2d_backprop_input(y, w, np.zeros(out_shape), (strides, strides), padding)
    np.testing.assert_array_equal(got.numpy(), expected)
    _grad_check(lambda a, b: tf.nn.conv2d_transpose(a, b, out_shape, strides, padding), y, w,
                wrt=1)


def test_conv2d_transpose_checks_output_shape_by_name():
    y, w = tf.ones((1, 4, 4, 3)), tf.ones((3, 3, 2, 3))
    with pytest.raises(InvalidArgumentError, match="conv2d_transpose: input shape"):
        tf.nn.conv2d_transpose(y, w, [1, 9, 9, 2], 2, "SAME")
    with pytest.raises(InvalidArgumentError, match="conv2d_transpose: output_shape .* channels"):
        tf.nn.conv2d_transpose(y, w, [1, 8, 8, 3], 2, "SAME")
    assert tf.nn.conv2d_transpose(y, w, tf.constant([1, 8, 8, 2]), [2, 2]).shape == (1, 8, 8, 2)
    f = tf.function(lambda a: tf.nn.conv2d_transpose(a, w, [1, 8, 8, 2], 2))
    assert f(y).shape == (1, 8, 8, 2)


def test_conv1d_transpose():
    x, w = _q(2, 7, 3), _q(3, 5, 3)
    got = tf.nn.conv1d_transpose(tf.constant(x), tf.constant(w), [2, 14, 5], 2)
    expected = naive_conv2d_backprop_input(x[:, None], w[None], np.zeros((2, 1, 14, 5)), (1, 2),
                                           "SAME")[:, 0]
    np.testing.assert_array_equal(got.numpy(), expected)


def test_depthwise_and_separable_convolution():
    x, w, pw = _q(2, 6, 5, 3), _q(3, 2, 3, 2), _q(1, 1, 6, 4)
    got = tf.nn.depthwise_conv2d(tf.constant(x), tf.constant(w), [1, 2, 2, 1], "SAME")
    np.testing.assert_array_equal(got.numpy(), naive_depthwise_conv2d(x, w, (2, 2), "SAME"))
    sep = tf.nn.separable_conv2d(tf.constant(x), tf.constant(w), tf.constant(pw), [1, 1, 1, 1],
                                 "VALID")
    expected = naive_conv2d(naive_depthwise_conv2d(x, w, (1, 1), "VALID"), pw, (1, 1), "VALID")
    np.testing.assert_allclose(sep.numpy(), expected, rtol=1e-12)
    _grad_check(lambda a: tf.nn.separable_conv2d(a, tf.constant(w), tf.constant(pw),
                                                 [1, 1, 1, 1], "SAME"), x)
    with pytest.raises(InvalidArgumentError, match="in_channels"):
        tf.nn.depthwise_conv2d(tf.constant(x), tf.ones((2, 2, 2, 1), tf.float64), [1, 1, 1, 1],
                               "SAME")
    with pytest.raises(InvalidArgumentError, match="pointwise_filter must have shape"):
        tf.nn.separable_conv2d(tf.constant(x), tf.constant(w), tf.ones((2, 1, 6, 4), tf.float64),
                               [1, 1, 1, 1], "VALID")
    with pytest.raises(InvalidArgumentError, match="when dilation rate is greater than 1, then "
                                                   "all values of strides must be 1"):
        tf.nn.depthwise_conv2d(tf.constant(x), tf.constant(w), [1, 2, 2, 1], "SAME",
                               dilations=[2, 2])


def test_batch_normalization_matches_tensorflow_formula():
    x = RNG.standard_normal((4, 3))
    mean, var, offset, scale = RNG.random(3), RNG.random(3) + 0.5, RNG.random(3), RNG.random(3)
    got = tf.nn.batch_normalization(tf.constant(x), mean, var, offset, scale, 1e-3)
    np.testing.assert_allclose(got.numpy(), (x - mean) / np.sqrt(var + 1e-3) * scale + offset,
                               rtol=1e-12)
    # TF 2.21: batch_normalization([1, 2, 3], 2, 4, None, None, 1e-3)
    np.testing.assert_allclose(
        tf.nn.batch_normalization(tf.constant([1.0, 2.0, 3.0]), 2.0, 4.0, None, None, 1e-3).numpy(),
        [-0.49994, 0.0, 0.49994], rtol=1e-5)
    _grad_check(lambda a: tf.nn.batch_normalization(a, mean, var, offset, scale, 1e-3), x)


def _lrn_loops(x, r, bias, alpha, beta):
    out = np.empty_like(x)
    depth = x.shape[-1]
    for idx in np.ndindex(x.shape):
        d = idx[-1]
        lo, hi = max(0, d - r), min(depth, d + r + 1)
        s = sum(float(x[idx[:-1] + (k,)]) ** 2 for k in range(lo, hi))
        out[idx] = x[idx] / (bias + alpha * s) ** beta
    return out


@pytest.mark.parametrize("r,bias,alpha,beta", [(5, 1.0, 1.0, 0.5), (2, 2.0, 0.5, 0.75),
                                               (0, 1.0, 1e-4, 0.75), (10, 1.0, 1.0, 0.5)])
def test_local_response_normalization(r, bias, alpha, beta):
    x = RNG.standard_normal((2, 2, 3, 7))
    got = tf.nn.local_response_normalization(tf.constant(x), r, bias, alpha, beta)
    np.testing.assert_allclose(got.numpy(), _lrn_loops(x, r, bias, alpha, beta), rtol=1e-12)
    _grad_check(lambda a: tf.nn.lrn(a, r, bias, alpha, beta), x[:1, :1, :2])


def test_local_response_normalization_matches_tensorflow_and_checks_rank():
    z = np.array([[[[0.5, -1.0, 2.0, 0.25]]]], np.float32)
    got = tf.nn.lrn(z, depth_radius=1).numpy()[0, 0, 0]
    np.testing.assert_allclose(got, _lrn_loops(z, 1, 1.0, 1.0, 0.5)[0, 0, 0], rtol=1e-6)
    assert tf.nn.lrn is tf.nn.local_response_normalization
    with pytest.raises(InvalidArgumentError, match="4-dimensional"):
        tf.nn.local_response_normalization(tf.ones((2, 2, 7)))


def test_weighted_cross_entropy_with_logits():
    # TF 2.21: weighted_cross_entropy_with_logits([1, 0, 0.5], [2, -1, 0.3], 3.0)
    got = tf.nn.weighted_cross_entropy_with_logits(tf.constant([1.0, 0.0, 0.5]),
                                                   tf.constant([2.0, -1.0, 0.3]), 3.0)
    np.testing.assert_allclose(got.numpy(), [0.38078, 0.31326, 1.25871], atol=1e-5)
    z, x = RNG.random(5), RNG.standard_normal(5) * 30  # large logits stay finite
    q = 2.5
    expected = (1 - z) * x + (1 + (q - 1) * z) * np.logaddexp(0, -x)
    np.testing.assert_allclose(
        tf.nn.weighted_cross_entropy_with_logits(z, tf.constant(x), q).numpy(), expected,
        rtol=1e-12)
    _grad_check(lambda a: tf.nn.weighted_cross_entropy_with_logits(z, a, q), x)
    with pytest.raises(InvalidArgumentError, match="same shape"):
        tf.nn.weighted_cross_entropy_with_logits(tf.constant([1.0, 0.0]),
                                                 tf.constant([2.0, -1.0, 0.3]), 3.0)


def test_softmax_cross_entropy_gradient_reaches_the_labels_as_in_tf2():
    labels, logits = tf.Variable([[0.2, 0.8]]), tf.Variable([[1.0, 2.0]])
    with tf.GradientTape() as tape:
        loss = tf.nn.softmax_cross_entropy_with_logits(labels, logits)
    np.testing.assert_allclose(tape.gradient(loss, labels).numpy(), [[1.3132616, 0.3132617]],
                               rtol=1e-6)  # TF 2.21
    np.testing.assert_allclose(
        tf.nn.softmax_cross_entropy_with_logits(tf.constant([[0.0, 1.0], [1.0, 0.0]]),
                                                tf.constant([[1.0, 2.0], [3.0, 1.0]]),
                                                axis=0).numpy(), [0.126928, 0.3132617], rtol=1e-5)


def test_small_nn_composites_match_tensorflow():
    x = tf.constant([[1.0, -2.0], [3.0, 0.5]])
    np.testing.assert_array_equal(tf.nn.crelu(x).numpy(), [[1, 0, 0, 2], [3, 0.5, 0, 0]])
    assert tf.nn.crelu(x, axis=0).shape == (4, 2)
    t, lg = tf.constant([1.0, 0.0, 2.0]), tf.constant([0.5, -1.0, 1.0])
    np.testing.assert_allclose(tf.nn.log_poisson_loss(t, lg).numpy(),
                               [1.1487212, 0.36787945, 0.71828175], rtol=1e-6)  # TF 2.21
    np.testing.assert_allclose(tf.nn.log_poisson_loss(t, lg, compute_full_loss=True).numpy(),
                               [1.1487212, 0.36787945, 1.3700882], rtol=1e-6)
    count, m_ss, v_ss, shift = tf.nn.sufficient_statistics(x, [0])
    assert float(count) == 2.0 and shift is None
    np.testing.assert_allclose(m_ss.numpy(), [4.0, -1.5])
    np.testing.assert_allclose(v_ss.numpy(), [10.0, 4.25])
    count, m_ss, v_ss, shift = tf.nn.sufficient_statistics(x, [0], shift=1.0, keepdims=True)
    mean, var = tf.nn.normalize_moments(count, m_ss, v_ss, shift)
    np.testing.assert_allclose(mean.numpy(), [[2.0, -0.75]])
    np.testing.assert_allclose(var.numpy(), [[1.0, 1.5625]])
    mean, var = tf.nn.weighted_moments(x, [0], tf.constant([[1.0], [3.0]]))
    np.testing.assert_allclose(mean.numpy(), [2.5, -0.125])
    np.testing.assert_allclose(var.numpy(), [0.75, 1.171875])
    losses = tf.constant([1.0, 2.0, 3.0])
    assert float(tf.nn.compute_average_loss(losses)) == 2.0
    np.testing.assert_allclose(float(tf.nn.compute_average_loss(losses, sample_weight=[1.0, 0.0, 2.0])),
                               7 / 3, rtol=1e-6)
    assert float(tf.nn.compute_average_loss(losses, global_batch_size=6)) == 1.0
    assert float(tf.nn.compute_average_loss(tf.constant([[1.0, 2.0], [3.0, 4.0]]))) == 5.0
    assert float(tf.nn.scale_regularization_loss([1.0, 2.0])) == 3.0
    assert float(tf.nn.zero_fraction(tf.constant([0, 1]))) == 0.5


def test_space_to_depth_and_back():
    img = tf.reshape(tf.range(32.0), [1, 4, 4, 2])
    s2d = tf.nn.space_to_depth(img, 2)
    assert s2d.shape == (1, 2, 2, 8)
    np.testing.assert_array_equal(s2d.numpy()[0, 0, 0], [0, 1, 2, 3, 8, 9, 10, 11])  # TF 2.21
    np.testing.assert_array_equal(tf.nn.depth_to_space(s2d, 2).numpy(), img.numpy())
    with pytest.raises(InvalidArgumentError, match="divisible by block_size"):
        tf.nn.space_to_depth(tf.ones([1, 3, 4, 1]), 2)
    with pytest.raises(InvalidArgumentError, match="divisible by block_size"):
        tf.nn.depth_to_space(tf.ones([1, 2, 2, 3]), 2)


def test_generic_convolution_entry_points():
    assert tf.nn.convolution(tf.ones([1, 5, 5, 2]), tf.ones([3, 3, 2, 4]), padding="SAME").shape \
        == (1, 5, 5, 4)
    assert tf.nn.convolution(tf.ones([1, 5, 2]), tf.ones([3, 2, 4]), strides=2).shape == (1, 2, 4)
    assert tf.nn.conv_transpose(tf.ones([1, 4, 4, 3]), tf.ones([3, 3, 2, 3]), [1, 8, 8, 2],
                                2).shape == (1, 8, 8, 2)
    x, w = _q(1, 5, 4, 2), _q(3, 3, 2, 2)
    dy = tf.constant(_q(1, 5, 4, 4))
    xv = tf.constant(x)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(xv)
        wv = tf.constant(w)
        tape.watch(wv)
        y = tf.nn.depthwise_conv2d(xv, wv, [1, 1, 1, 1], "SAME")
    dx, dw = tape.gradient(y, [xv, wv], output_gradients=dy)
    np.testing.assert_array_equal(
        tf.nn.depthwise_conv2d_backprop_input([1, 5, 4, 2], w, dy, [1, 1, 1, 1], "SAME").numpy(),
        dx.numpy())
    np.testing.assert_array_equal(
        tf.nn.depthwise_conv2d_backprop_filter(x, [3, 3, 2, 2], dy, [1, 1, 1, 1], "SAME").numpy(),
        dw.numpy())
