"""Convolution and pooling (graphflow/ops/conv.py) beyond the registry harness: against direct
loops (tests/helpers.py naive_*) on larger random configurations, TF's SAME padding arithmetic
on odd and even sizes with hand-computed outputs, error messages, second derivatives, and
conv/pool inside graphflow.function on the reference and the compiled (numba) backends."""
import numpy as np
import pytest

import graphflow as tf
from graphflow.errors import InvalidArgumentError, UnimplementedError
from graphflow.ops import conv
from graphflow.ops.registry import REGISTRY, Spec, dispatch

from helpers import (
    SAMPLES, distinct, naive_avg_pool2d, naive_avg_pool2d_grad, naive_conv2d,
    naive_conv2d_backprop_filter, naive_conv2d_backprop_input, naive_max_pool2d,
    naive_max_pool2d_grad, naive_max_pool2d_grad_grad, same_or_valid, second_derivatives)

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

F64 = tf.float64


def _close(actual, expected, rtol=1e-10, atol=1e-10):
    np.testing.assert_allclose(np.asarray(actual), expected, rtol=rtol, atol=atol)


# ---------------------------------------------------------------------------------------------
# Against direct loops

CONV_CONFIGS = [
    # (input shape, filter shape, strides as the user writes them, padding)
    ((2, 9, 8, 3), (3, 3, 3, 4), 1, "SAME"),
    ((2, 9, 8, 3), (3, 3, 3, 4), [1, 2, 2, 1], "SAME"),
    ((2, 9, 8, 3), (3, 3, 3, 4), [2, 2], "VALID"),
    ((1, 10, 7, 2), (4, 2, 2, 3), [3, 2], "SAME"),
    ((1, 10, 7, 2), (4, 2, 2, 3), [1, 3], "VALID"),
    ((3, 6, 6, 1), (5, 5, 1, 2), 2, "SAME"),
    ((2, 5, 8, 4), (1, 1, 4, 3), 2, "VALID"),
    ((1, 8, 8, 2), (2, 2, 2, 2), 2, "SAME"),
    ((1, 3, 3, 2), (3, 3, 2, 1), 1, "VALID"),
    ((1, 4, 9, 1), (3, 4, 1, 1), [1, 1, 2, 1], "SAME"),
]


def _strides_pair(strides):
    s = [strides] if isinstance(strides, int) else list(strides)
    s = s[1:3] if len(s) == 4 else s
    return tuple(s * 2 if len(s) == 1 else s)


@pytest.mark.parametrize("xs,ws,strides,padding", CONV_CONFIGS)
def test_conv2d_and_its_gradients_match_loops(xs, ws, strides, padding):
    rng = np.random.default_rng(sum(xs) + sum(ws))
    x_np, w_np = rng.standard_normal(xs), rng.standard_normal(ws)
    pair = _strides_pair(strides)
    x, w = tf.constant(x_np), tf.constant(w_np)
    with tf.GradientTape() as tape:
        tape.watch([x, w])
        y = tf.nn.conv2d(x, w, strides, padding)
        cot = rng.standard_normal(tuple(y.shape.as_list()))
        loss = tf.reduce_sum(y * cot)
    gx, gw = tape.gradient(loss, [x, w])
    _close(y.numpy(), naive_conv2d(x_np, w_np, pair, padding))
    _close(gx.numpy(), naive_conv2d_backprop_input(cot, w_np, x_np, pair, padding))
    _close(gw.numpy(), naive_conv2d_backprop_filter(x_np, cot, w_np, pair, padding))
    assert y.dtype is F64 and gx.shape == xs and gw.shape == ws


def test_conv2d_float32_is_close_to_float64():
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((4, 12, 12, 3)), rng.standard_normal((3, 3, 3, 8))
    y32 = tf.nn.conv2d(tf.constant(x, tf.float32), tf.constant(w, tf.float32), 1, "SAME")
    assert y32.dtype is tf.float32
    np.testing.assert_allclose(y32.numpy(), naive_conv2d(x, w, (1, 1), "SAME"), rtol=1e-4,
                               atol=1e-4)


POOL_CONFIGS = [
    # (input shape, ksize, strides, padding)
    ((2, 9, 8, 3), 2, 2, "VALID"),
    ((2, 9, 8, 3), 2, 2, "SAME"),
    ((2, 9, 8, 3), 3, 1, "SAME"),
    ((1, 10, 7, 2), [3, 2], [2, 3], "SAME"),
    ((1, 10, 7, 2), [1, 4, 2, 1], [1, 3, 1, 1], "VALID"),
    ((3, 6, 6, 1), 5, 2, "SAME"),
    ((1, 8, 8, 2), 3, 2, "VALID"),
    ((1, 5, 5, 1), 5, 1, "VALID"),
]


@pytest.mark.parametrize("xs,ksize,strides,padding", POOL_CONFIGS)
def test_pools_and_their_gradients_match_loops(xs, ksize, strides, padding):
    rng = np.random.default_rng(sum(xs))
    x_np = distinct(rng, xs, F64)  # no ties, so the argmax is unambiguous
    kpair, spair = _strides_pair(ksize), _strides_pair(strides)
    x = tf.constant(x_np)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        mx = tf.nn.max_pool2d(x, ksize, strides, padding)
        av = tf.nn.avg_pool2d(x, ksize, strides, padding)
        cot = rng.standard_normal(tuple(mx.shape.as_list()))
        loss_max = tf.reduce_sum(mx * cot)
        loss_avg = tf.reduce_sum(av * cot)
    _close(mx.numpy(), naive_max_pool2d(x_np, kpair, spair, padding))
    _close(av.numpy(), naive_avg_pool2d(x_np, kpair, spair, padding))
    _close(tape.gradient(loss_max, x).numpy(),
           naive_max_pool2d_grad(x_np, cot, kpair, spair, padding))
    _close(tape.gradient(loss_avg, x).numpy(),
           naive_avg_pool2d_grad(cot, x_np, kpair, spair, padding))


def test_max_pool_grad_grad_matches_loops():
    rng = np.random.default_rng(3)
    x, g = distinct(rng, (2, 7, 6, 2), F64), rng.standard_normal((2, 7, 6, 2))
    for ksize, strides, padding in [((3, 3), (1, 1), "SAME"), ((2, 2), (2, 2), "VALID"),
                                    ((3, 2), (2, 1), "SAME")]:
        attrs = {"ksize": ksize, "strides": strides, "padding": padding}
        out = dispatch(conv.MAX_POOL2D_GRAD_GRAD, (x, g), attrs)
        _close(out.numpy(), naive_max_pool2d_grad_grad(x, g, ksize, strides, padding))


def test_max_pool_gradient_goes_to_the_first_maximum_of_ties():
    x = tf.constant(np.array([[3.0, 3.0, 1.0, 5.0],
                              [3.0, 2.0, 5.0, 5.0],
                              [0.0, 0.0, 7.0, 1.0],
                              [0.0, 0.0, 1.0, 7.0]]).reshape(1, 4, 4, 1))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.nn.max_pool2d(x, 2, 2, "VALID")
        loss = tf.reduce_sum(y * tf.constant(np.array([1.0, 2.0, 3.0, 4.0]).reshape(1, 2, 2, 1)))
    expected = np.array([[1.0, 0.0, 0.0, 2.0],
                         [0.0, 0.0, 0.0, 0.0],
                         [3.0, 0.0, 4.0, 0.0],
                         [0.0, 0.0, 0.0, 0.0]]).reshape(1, 4, 4, 1)
    np.testing.assert_array_equal(tape.gradient(loss, x).numpy(), expected)


def test_max_pool_never_selects_padding():
    # All-negative and all -inf images: padding must neither win the forward pass nor take the
    # gradient (every SAME window has at least one valid element).
    for fill in (-5.0, -np.inf):
        x = tf.constant(np.full((1, 3, 3, 1), fill))
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.nn.max_pool2d(x, 2, 2, "SAME")  # 2x2 output; pads one row and one column
            loss = tf.reduce_sum(y)
        np.testing.assert_array_equal(y.numpy(), np.full((1, 2, 2, 1), fill))
        g = tape.gradient(loss, x).numpy()[0, :, :, 0]
        np.testing.assert_array_equal(g, [[1, 0, 1], [0, 0, 0], [1, 0, 1]])
    ints = tf.constant(np.full((1, 3, 3, 1), np.iinfo(np.int32).min, dtype=np.int32))
    assert tf.nn.max_pool2d(ints, 2, 2, "SAME").numpy().min() == np.iinfo(np.int32).min


def test_max_pool_gradient_of_infinite_upstream_reaches_only_the_argmax():
    x = tf.constant(np.arange(16.0).reshape(1, 4, 4, 1))
    dy = tf.constant(np.array([np.inf, 1.0, np.nan, -np.inf]).reshape(1, 2, 2, 1))
    out = dispatch(conv.MAX_POOL2D_GRAD, (x, dy),
                   {"ksize": (2, 2), "strides": (2, 2), "padding": "VALID"}).numpy()[0, :, :, 0]
    expected = np.zeros((4, 4))
    expected[1, 1], expected[1, 3], expected[3, 1], expected[3, 3] = np.inf, 1.0, np.nan, -np.inf
    np.testing.assert_array_equal(out, expected)


# ---------------------------------------------------------------------------------------------
# TF's SAME padding arithmetic


@pytest.mark.parametrize("size", range(1, 10))
def test_same_padding_output_sizes_and_placement(size):
    """out = ceil(size / stride); pad_total = max((out - 1) * stride + k - size, 0) with
    pad_total // 2 before. A ones filter over the values 1..size shows where windows sit."""
    x = tf.constant(np.arange(1.0, size + 1).reshape(1, size, 1, 1))
    for k in range(1, 5):
        for s in range(1, 4):
            y = tf.nn.conv2d(x, tf.ones((k, 1, 1, 1), tf.float64), [s, 1], "SAME").numpy()
            out = -(-size // s)
            assert y.shape == (1, out, 1, 1), (size, k, s)
            before = max((out - 1) * s + k - size, 0) // 2
            for a in range(out):
                rows = [r for r in range(a * s - before, a * s - before + k) if 0 <= r < size]
                assert y[0, a, 0, 0] == sum(r + 1 for r in rows), (size, k, s, a)
            assert tf.nn.max_pool2d(x, [k, 1], [s, 1], "SAME").shape == (1, out, 1, 1)
            if k <= size:
                v = tf.nn.avg_pool2d(x, [k, 1], [s, 1], "VALID")
                expected = -(-(size - k + 1) // s)
                assert v.shape[1] == expected == same_or_valid(size, k, s, "VALID")[0]


def test_same_padding_hand_computed_examples():
    img = tf.constant(np.arange(1.0, 17.0).reshape(1, 4, 4, 1))
    # 4x4, k=3, s=2: out 2, pad_total 1 -> nothing above/left, one row/column below/right.
    y = tf.nn.conv2d(img, tf.ones((3, 3, 1, 1), tf.float64), 2, "SAME")
    np.testing.assert_array_equal(y.numpy()[0, :, :, 0], [[54.0, 45.0], [72.0, 54.0]])
    # 1x5, k=2, s=1: pad (0, 1): out[a] = x[a] + x[a + 1], the last window alone.
    row = tf.constant(np.array([1.0, 2.0, 4.0, 8.0, 16.0]).reshape(1, 1, 5, 1))
    y = tf.nn.conv2d(row, tf.ones((1, 2, 1, 1), tf.float64), 1, "SAME")
    np.testing.assert_array_equal(y.numpy().reshape(-1), [3.0, 6.0, 12.0, 24.0, 16.0])
    # 1x7, k=4, s=1: pad_total 3 -> 1 before, 2 after.
    row = tf.constant(np.array([1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0]).reshape(1, 1, 7, 1))
    y = tf.nn.conv2d(row, tf.ones((1, 4, 1, 1), tf.float64), 1, "SAME")
    np.testing.assert_array_equal(y.numpy().reshape(-1),
                                  [7.0, 15.0, 30.0, 60.0, 120.0, 112.0, 96.0])
    # 1x6, k=3, s=2: out 3, pad_total 1 -> (0, 1).
    row = tf.constant(np.array([1.0, 2.0, 4.0, 8.0, 16.0, 32.0]).reshape(1, 1, 6, 1))
    y = tf.nn.conv2d(row, tf.ones((1, 3, 1, 1), tf.float64), 2, "SAME")
    np.testing.assert_array_equal(y.numpy().reshape(-1), [7.0, 28.0, 48.0])


def test_avg_pool_same_averages_valid_elements_only():
    x = tf.constant(np.arange(1.0, 10.0).reshape(1, 3, 3, 1))
    y = tf.nn.avg_pool2d(x, 2, 1, "SAME").numpy()[0, :, :, 0]  # pads (0, 1) on both axes
    np.testing.assert_allclose(y, [[3.0, 4.0, 4.5], [6.0, 7.0, 7.5], [7.5, 8.5, 9.0]])
    y = tf.nn.avg_pool2d(x, 3, 2, "SAME").numpy()[0, :, :, 0]  # out 2, pads (1, 1)
    np.testing.assert_allclose(y, [[3.0, 4.0], [6.0, 7.0]])
    y = tf.nn.avg_pool2d(tf.ones((1, 5, 4, 2)), 3, 2, "SAME")
    np.testing.assert_array_equal(y.numpy(), np.ones((1, 3, 2, 2), np.float32))


# ---------------------------------------------------------------------------------------------
# Arguments and errors


def test_stride_and_ksize_forms_are_equivalent():
    rng = np.random.default_rng(1)
    x = tf.constant(rng.standard_normal((1, 7, 7, 2)))
    w = tf.constant(rng.standard_normal((3, 3, 2, 2)))
    ref = tf.nn.conv2d(x, w, [2, 2], "SAME").numpy()
    for s in (2, [2], (2, 2), [1, 2, 2, 1], np.array([2, 2]), tf.constant([1, 2, 2, 1])):
        np.testing.assert_array_equal(tf.nn.conv2d(x, w, s, "same").numpy(), ref)
    np.testing.assert_array_equal(tf.nn.conv2d(x, w, 2, "SAME", "NHWC", [1, 1, 1, 1]).numpy(), ref)
    np.testing.assert_array_equal(tf.nn.conv2d(x, w, 2, "SAME", dilations=1).numpy(), ref)
    ref = tf.nn.max_pool2d(x, [2, 3], [1, 2], "VALID").numpy()
    for k, s in [([1, 2, 3, 1], [1, 1, 2, 1]), ((2, 3), (1, 2))]:
        np.testing.assert_array_equal(tf.nn.max_pool(x, k, s, "VALID").numpy(), ref)
    np.testing.assert_array_equal(tf.nn.avg_pool(x, 2, 2, "VALID").numpy(),
                                  tf.nn.avg_pool2d(x, [2, 2], [2, 2], "VALID").numpy())
    # tf.nn.max_pool / avg_pool pick the 1-, 2- or 3-D op by rank (TF); 4-D is max_pool2d's
    np.testing.assert_array_equal(tf.nn.avg_pool(x, 2, 1, "VALID").numpy(),
                                  tf.nn.avg_pool2d(x, 2, 1, "VALID").numpy())


@pytest.mark.parametrize("call,error,pattern", [
    (lambda: tf.nn.conv2d(tf.ones((1, 5, 5, 3)), tf.ones((3, 3, 2, 4)), 1, "SAME"),
     InvalidArgumentError,
     r"^conv2d: the input's channels \(last axis, 3\) must be evenly divisible by the filters' "
     r"in_channels \(axis 2, 2\).*; input shape \(1, 5, 5, 3\), filters shape \(3, 3, 2, 4\)"),
    (lambda: tf.nn.conv2d(tf.ones((1, 5, 5, 4)), tf.ones((3, 3, 2, 5)), 1, "SAME"),
     InvalidArgumentError,
     r"^conv2d: the filters' out_channels \(axis 3, 5\) must be evenly divisible by the number "
     r"of groups \(2 = 4 input channels / 2 filter in_channels\)"),
    (lambda: tf.nn.conv2d(tf.ones((1, 9, 9, 1)), tf.ones((3, 3, 1, 1)), 1, "VALID", dilations=5),
     InvalidArgumentError,
     r"^conv2d: the window \(height 3 dilated by 5 spans 11\) is larger than the input "
     r"\(height 9\) with padding 'VALID'"),
    (lambda: tf.nn.conv2d(tf.ones((1, 5, 5, 1)), tf.ones((3, 3, 1, 1)), 1, "SAME", dilations=0),
     InvalidArgumentError, r"^conv2d: dilations must be positive, got 0"),
    (lambda: tf.nn.conv2d(tf.ones((1, 2, 5, 1)), tf.ones((3, 3, 1, 1)), 1, "VALID"),
     InvalidArgumentError,
     r"^conv2d: the window \(height 3\) is larger than the input \(height 2\) with padding "
     r"'VALID'.*input shape \(1, 2, 5, 1\), filters shape \(3, 3, 1, 1\)"),
    (lambda: tf.nn.conv2d(tf.ones((1, 5, 5, 1)), tf.ones((3, 3, 1, 1)), 1, "FULL"),
     InvalidArgumentError, r"^conv2d: padding must be 'SAME' or 'VALID', got 'FULL'"),
    (lambda: tf.nn.conv2d(tf.ones((5, 5, 1)), tf.ones((3, 3, 1, 1)), 1, "SAME"),
     InvalidArgumentError,
     r"^conv2d: input must have rank 4, NHWC .* but has rank 3; input shape \(5, 5, 1\)"),
    (lambda: tf.nn.conv2d(tf.ones((1, 5, 5, 1)), tf.ones((3, 3, 1)), 1, "SAME"),
     InvalidArgumentError, r"^conv2d: filters must have rank 4, \(kh, kw, in_channels"),
    (lambda: tf.nn.conv2d(tf.ones((1, 5, 5, 1), tf.int32), tf.ones((3, 3, 1, 1), tf.int32), 1,
                          "SAME"),
     InvalidArgumentError, r"^conv2d: input #0 must be a floating-point tensor, got int32"),
    (lambda: tf.nn.conv2d(tf.ones((1, 5, 5, 1)), tf.ones((3, 3, 1, 1), tf.float64), 1, "SAME"),
     InvalidArgumentError, r"^conv2d: input #1 has dtype float64 but input #0 has dtype float32"),
    (lambda: tf.nn.conv2d(tf.ones((1, 5, 5, 1)), tf.ones((3, 3, 1, 1)), 1, "SAME",
                          dilations=[2, 2, 2, 1]),
     InvalidArgumentError, r"^conv2d: dilations \[2, 2, 2, 1\] dilate the batch or channel axis"),
    (lambda: tf.nn.conv2d(tf.ones((1, 1, 5, 5)), tf.ones((3, 3, 1, 1)), 1, "SAME", "NCHW"),
     UnimplementedError, r"^conv2d: data_format 'NCHW' is not supported; .* NHWC"),
    (lambda: tf.nn.conv2d(tf.ones((1, 5, 5, 1)), tf.ones((3, 3, 1, 1)), [2, 1, 1, 1], "SAME"),
     UnimplementedError, r"^conv2d: strides \[2, 1, 1, 1\] move along the batch or channel axis"),
    (lambda: tf.nn.conv2d(tf.ones((1, 5, 5, 1)), tf.ones((3, 3, 1, 1)), 0, "SAME"),
     InvalidArgumentError, r"^conv2d: strides must be positive, got 0"),
    (lambda: tf.nn.conv2d(tf.ones((1, 5, 5, 1)), tf.ones((3, 3, 1, 1)), [1, 2, 3], "SAME"),
     InvalidArgumentError, r"^conv2d: strides must be an int or a list of 1, 2 or 4 ints"),
    (lambda: tf.nn.conv2d(tf.ones((1, 5, 5, 1)), tf.ones((3, 3, 1, 1)), 1,
                          [[0, 0], [1, 1], [1, 1], [0, 0]]),
     UnimplementedError, r"^conv2d: explicit padding .* is not supported"),
    (lambda: tf.nn.max_pool2d(tf.ones((1, 3, 3, 1)), 4, 1, "VALID"), InvalidArgumentError,
     r"^max_pool2d: the window \(height 4\) is larger than the input \(height 3\).*"
     r"input shape \(1, 3, 3, 1\)"),
    (lambda: tf.nn.avg_pool2d(tf.ones((3, 3, 1)), 2, 1, "VALID"), InvalidArgumentError,
     r"^avg_pool2d: input must have rank 4"),
    (lambda: tf.nn.avg_pool2d(tf.ones((1, 3, 3, 1), tf.int32), 2, 1, "VALID"), InvalidArgumentError,
     r"^avg_pool2d: input #0 must be a floating-point tensor"),
    (lambda: tf.nn.max_pool2d(tf.ones((1, 3, 3, 1)), [2, 2, 1, 1], 1, "VALID"), UnimplementedError,
     r"^max_pool2d: ksize \[2, 2, 1, 1\] move along the batch or channel axis"),
    (lambda: tf.nn.max_pool2d(tf.ones((1, 3, 3, 1)), 2, 1, "valid ish"), InvalidArgumentError,
     r"^max_pool2d: padding must be 'SAME' or 'VALID'"),
])
def test_errors_name_the_op_and_the_shapes(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


def test_backprop_ops_check_that_their_inputs_agree():
    x, w = np.ones((1, 5, 5, 2)), np.ones((3, 3, 2, 4))
    attrs = {"strides": (1, 1), "padding": "VALID"}
    with pytest.raises(InvalidArgumentError,
                       match=r"^conv2d_backprop_input: dy's output height does not match the "
                             r"forward output's \(4 vs 3\); dy shape \(1, 4, 3, 4\)"):
        dispatch(conv.CONV2D_BACKPROP_INPUT, (np.ones((1, 4, 3, 4)), w, x), attrs)
    with pytest.raises(InvalidArgumentError, match=r"^conv2d_backprop_filter: dy's channels"):
        dispatch(conv.CONV2D_BACKPROP_FILTER, (x, np.ones((1, 3, 3, 5)), w), attrs)
    pool = {"ksize": (2, 2), "strides": (2, 2), "padding": "VALID"}
    with pytest.raises(InvalidArgumentError, match=r"^max_pool2d_grad: dy's output width"):
        dispatch(conv.MAX_POOL2D_GRAD, (x, np.ones((1, 2, 3, 2))), pool)
    with pytest.raises(InvalidArgumentError, match=r"^max_pool2d_grad_grad: grad must have the "
                                                   r"input's shape"):
        dispatch(conv.MAX_POOL2D_GRAD_GRAD, (x, np.ones((1, 5, 4, 2))), pool)
    with pytest.raises(InvalidArgumentError, match=r"^avg_pool2d_grad: dy's batch"):
        dispatch(conv.AVG_POOL2D_GRAD, (np.ones((2, 2, 2, 2)), x), pool)


def test_errors_in_graph_mode_name_the_node_and_shapes():
    @tf.function(input_signature=[tf.TensorSpec([None, 6, 6, 3], tf.float32)])
    def f(x):
        return tf.nn.conv2d(x, tf.ones((3, 3, 2, 4)), 1, "SAME")

    with pytest.raises(InvalidArgumentError,
                       match=r"Node 'conv2d.*': conv2d: the input's channels \(last axis, 3\) "
                             r"must be evenly divisible by the filters' in_channels \(axis 2, "
                             r"2\).*; "
                             r"input shape \(None, 6, 6, 3\), filters shape \(3, 3, 2, 4\)"):
        f(tf.ones((2, 6, 6, 3)))

    @tf.function(input_signature=[tf.TensorSpec([None, 2, None, 1], tf.float32)])
    def g(x):
        return tf.nn.max_pool2d(x, 3, 1, "VALID")

    with pytest.raises(InvalidArgumentError, match=r"max_pool2d: the window \(height 3\) is "
                                                   r"larger than the input \(height 2\)"):
        g(tf.ones((1, 2, 5, 1)))


def test_shape_rules_with_unknown_dims():
    spec = REGISTRY["conv2d"].infer
    f32 = tf.float32
    # SAME output size needs only the input size and the stride, not the filter size.
    assert spec([Spec((None, 9, None, 3), f32), Spec((None, None, 3, 8), f32)],
                strides=(2, 2), padding="SAME") == [((None, 5, None, 8), f32)]
    assert spec([Spec((2, 9, 9, 3), f32), Spec((None, 3, None, 8), f32)],
                strides=(2, 2), padding="VALID") == [((2, None, 4, 8), f32)]
    assert spec([Spec(None, f32), Spec((3, 3, 3, 8), f32)],
                strides=(1, 1), padding="VALID") == [((None, None, None, 8), f32)]
    pool = REGISTRY["avg_pool2d"].infer
    assert pool([Spec((None, 7, 6, None), f32)], ksize=(3, 3), strides=(2, 2),
                padding="VALID") == [((None, 3, 2, None), f32)]


# ---------------------------------------------------------------------------------------------
# Second derivatives (nested tapes) against finite differences of the first derivative

SECOND_ORDER = [(name, case) for name in ("conv2d", "conv2d_backprop_input",
                                          "conv2d_backprop_filter", "max_pool2d", "avg_pool2d",
                                          "max_pool2d_grad", "max_pool2d_grad_grad",
                                          "avg_pool2d_grad") for case in (1, 2)]
# strided + dilated, and grouped + strided + dilated (CONV_CASES in tests/helpers.py)
SECOND_ORDER += [(name, case) for name in ("conv2d", "conv2d_backprop_input",
                                           "conv2d_backprop_filter") for case in (11, 13)]
ZERO_SECOND = {"max_pool2d", "avg_pool2d", "max_pool2d_grad", "max_pool2d_grad_grad",
               "avg_pool2d_grad"}  # linear in their differentiable input, or piecewise linear


@pytest.mark.parametrize("name,case", SECOND_ORDER)
def test_second_derivatives_match_finite_differences(name, case):
    op = REGISTRY[name]
    arrays, attrs = SAMPLES[name](np.random.default_rng(case), F64)[case]
    pairs = second_derivatives(op, arrays, attrs, np.random.default_rng(100 + case))
    for i, analytic, numeric in pairs:
        np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-6,
                                   err_msg=f"{name} case {case}: second derivative, input {i}")
    nonzero = any(np.any(analytic) for _, analytic, _ in pairs)
    assert nonzero == (name not in ZERO_SECOND)


# ---------------------------------------------------------------------------------------------
# Graph mode and the compiled backend


def _small_cnn(x, w1, b1, w2, labels, loss="softmax"):
    h = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(x, w1, 1, "SAME"), b1))
    h = tf.nn.max_pool2d(h, 2, 2, "VALID")
    h = tf.nn.avg_pool2d(h, 3, 1, "SAME")
    h = tf.nn.conv2d(h, w2, [1, 2, 2, 1], "VALID")
    logits = tf.reduce_mean(h, axis=[1, 2])
    if loss == "softmax":
        return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits))
    # A second loss, whose gradient graph has a different shape of views and kernels.
    return tf.reduce_sum(tf.square(logits - tf.cast(tf.expand_dims(labels, 1), logits.dtype)))


def _cnn_data(dtype=np.float64, batch=4):
    rng = np.random.default_rng(7)
    x = rng.standard_normal((batch, 10, 10, 2)).astype(dtype)
    w1 = (0.5 * rng.standard_normal((3, 3, 2, 4))).astype(dtype)
    b1 = (0.1 * rng.standard_normal(4)).astype(dtype)
    w2 = (0.5 * rng.standard_normal((2, 2, 4, 3))).astype(dtype)
    labels = rng.integers(0, 3, batch).astype(np.int32)
    return x, w1, b1, w2, labels


def _loss_and_grads(x, w1, b1, w2, labels, loss="softmax"):
    with tf.GradientTape() as tape:
        tape.watch([x, w1, b1, w2])
        value = _small_cnn(x, w1, b1, w2, labels, loss)
    return [value] + tape.gradient(value, [x, w1, b1, w2])


def _check_function(fn, data, loss):
    for _ in range(2):  # the second call runs the cached (compiled) plan
        for e, g in zip(_loss_and_grads(*data, loss=loss), fn(*data)):
            np.testing.assert_allclose(g.numpy(), e.numpy(), rtol=1e-10, atol=1e-12)


CNN_SIGNATURE = [tf.TensorSpec([None, 10, 10, 2], F64), tf.TensorSpec([3, 3, 2, 4], F64),
                 tf.TensorSpec([4], F64), tf.TensorSpec([2, 2, 4, 3], F64),
                 tf.TensorSpec([None], tf.int32)]


@pytest.mark.parametrize("backend", ["reference", "numba"])
@pytest.mark.parametrize("signature", [None, CNN_SIGNATURE], ids=["static", "unknown-batch"])
def test_conv_and_pools_in_graph_functions(backend, signature):
    """Forward and all gradients through conv2d, both pools and every backprop op, traced by
    graphflow.function; "numba" runs the ops through their NumPy reference inside a compiled
    plan whose elementwise neighbours (bias add, relu mask) become fused kernels."""
    data = [tf.constant(a) for a in _cnn_data()]
    fn = tf.function(lambda *args: _loss_and_grads(*args, loss="square"),
                     input_signature=signature, backend=backend)
    _check_function(fn, data, "square")
    other = [tf.constant(a) for a in _cnn_data(batch=3)]  # another batch size
    _check_function(fn, other, "square")


@pytest.mark.parametrize("backend", ["reference", "numba"])
def test_softmax_cnn_in_compiled_function(backend):
    data = [tf.constant(a) for a in _cnn_data()]
    _check_function(tf.function(_loss_and_grads, backend=backend), data, "softmax")


def test_compat_v1_gradients_through_conv():
    x_np, w_np = np.random.default_rng(2).standard_normal((2, 6, 6, 1)), np.ones((3, 3, 1, 2))
    g = tf.Graph()
    with g.as_default():
        x = tf.compat.v1.placeholder(F64, [None, 6, 6, 1], name="x")
        w = tf.constant(w_np)
        y = tf.reduce_sum(tf.nn.max_pool2d(tf.nn.conv2d(x, w, 2, "SAME"), 2, 1, "SAME"))
        gx = tf.compat.v1.gradients(y, [x])[0]
        assert gx.shape.as_list() == [None, 6, 6, 1]
    with tf.compat.v1.Session(graph=g) as sess:
        got = sess.run(gx, feed_dict={x: x_np})
    xe = tf.constant(x_np)
    with tf.GradientTape() as tape:
        tape.watch(xe)
        ye = tf.reduce_sum(tf.nn.max_pool2d(tf.nn.conv2d(xe, tf.constant(w_np), 2, "SAME"), 2, 1,
                                            "SAME"))
    np.testing.assert_allclose(got, tape.gradient(ye, xe).numpy(), rtol=1e-12)


@pytest.mark.parametrize("mode,loss", [
    ("eager", "softmax"), ("reference", "softmax"),
    ("numba", "softmax"),
    ("eager", "square"), ("reference", "square"), ("numba", "square")])
def test_a_small_cnn_learns(mode, loss):
    """SGD on a conv/pool network, eagerly and as a traced train step with variable updates;
    the traced losses follow the eager ones."""
    lr = {"softmax": 0.5, "square": 0.002}[loss]

    def train(mode):
        x_np, w1_np, b1_np, w2_np, labels_np = _cnn_data(np.float32, batch=16)
        x, labels = tf.constant(x_np), tf.constant(labels_np)
        params = [tf.Variable(w1_np), tf.Variable(b1_np), tf.Variable(w2_np)]

        def step(x, labels):
            with tf.GradientTape() as tape:
                value = _small_cnn(x, *params, labels, loss)
            for p, g in zip(params, tape.gradient(value, params)):
                p.assign_sub(lr * g)
            return value

        run = step if mode == "eager" else tf.function(step, backend=mode)
        return [float(run(x, labels)) for _ in range(30)]

    losses = train(mode)
    assert losses[-1] < 0.5 * losses[0], losses
    if mode != "eager":
        np.testing.assert_allclose(losses, train("eager"), rtol=1e-4)
