"""The CPU plan's hand-written kernels (graphflow/backends/cpu_kernels.py) against the ops' NumPy
references: every registry sample in every dtype (edge cases included: ties, padding, empty
shapes), random tie-heavy and NaN inputs over random geometries, and the plan's use of them."""
import numpy as np
import pytest

import graphflow as tf
from graphflow.backends import cpu_kernels
from graphflow.ops.registry import REGISTRY
from helpers import SAMPLES, assert_close

KERNELS = dict(cpu_kernels._KERNELS, **cpu_kernels._FEW_CHANNELS)
KERNEL_OPS = sorted(KERNELS)


def _close(got, want):
    """For the convolutions: the same matmuls, but BLAS may sum in another order when the
    reference hands it its window matrix as a strided view (a 1-ulp difference)."""
    assert got.shape == want.shape and got.dtype == want.dtype, (got.shape, want.shape)
    assert_close(got, want)


def _same(got, want):
    """Equal values, dtypes and shapes; NaN equals NaN. (0.0 equals -0.0: where the reference
    multiplies a gradient by 0 it may give -0.0, the kernels and TF give 0.0.)"""
    assert got.shape == want.shape and got.dtype == want.dtype, (got.shape, want.shape)
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("name", KERNEL_OPS)
def test_kernels_equal_the_reference_on_every_sample(name):
    info = SAMPLES[name]
    cases = 0
    for dtype in info.dtypes:
        if dtype in ("float16", "bfloat16"):
            continue  # no Numba kernels: the plan keeps the reference (see below)
        for arrays, attrs in info(np.random.default_rng(0), dtype):
            arrays = [np.asarray(a) for a in arrays]
            check = _close if name in cpu_kernels._FEW_CHANNELS else _same
            check(KERNELS[name](*arrays, **attrs), np.asarray(REGISTRY[name].ref(*arrays, **attrs)))
            cases += 1
    assert cases >= 6


def _geometry(rng):
    ksize = tuple(int(k) for k in rng.integers(1, 4, 2))
    strides = tuple(int(s) for s in rng.integers(1, 4, 2))
    padding = str(rng.choice(["VALID", "SAME"]))
    shape = (int(rng.integers(1, 3)), int(rng.integers(ksize[0], 9)),
             int(rng.integers(ksize[1], 9)), int(rng.integers(1, 6)))
    return shape, ksize, strides, padding


@pytest.mark.parametrize("seed", range(40))
def test_pooling_on_random_geometries_with_ties_and_nans(seed):
    # Few distinct values make ties in most windows; overlapping windows (stride < ksize)
    # exercise the order in which gradients add up; NaNs and infinities the NaN-window rule.
    rng = np.random.default_rng(seed)
    shape, ksize, strides, padding = _geometry(rng)
    dtype = [np.float32, np.float64][seed % 2]
    x = rng.integers(-2, 3, shape).astype(dtype)
    if seed % 3 == 0:
        x.flat[rng.integers(0, x.size, 2)] = [np.nan, -np.inf]
    attrs = {"ksize": ksize, "strides": strides, "padding": padding}
    y = REGISTRY["max_pool2d"].ref(x, **attrs)
    dy = (rng.standard_normal(y.shape) * 3).astype(dtype)
    dx_like = rng.standard_normal(shape).astype(dtype)
    for name, arrays in (("max_pool2d", [x]), ("max_pool2d_grad", [x, dy]),
                         ("avg_pool2d", [x]), ("avg_pool2d_grad", [dy, dx_like])):
        _same(cpu_kernels._KERNELS[name](*arrays, **attrs),
              np.asarray(REGISTRY[name].ref(*arrays, **attrs)))


@pytest.mark.parametrize("seed", range(12))
def test_convolutions_on_random_geometries(seed):
    rng = np.random.default_rng(100 + seed)
    shape, ksize, strides, padding = _geometry(rng)
    w = rng.standard_normal(ksize + (shape[3], int(rng.integers(1, 5)))).astype(np.float32)
    x = rng.standard_normal(shape).astype(np.float32)
    attrs = {"strides": strides, "padding": padding}
    y = REGISTRY["conv2d"].ref(x, w, **attrs)
    dy = rng.standard_normal(y.shape).astype(np.float32)
    _close(cpu_kernels.conv2d(x, w, **attrs), y)
    _close(cpu_kernels.conv2d_backprop_filter(x, dy, w, **attrs),
           REGISTRY["conv2d_backprop_filter"].ref(x, dy, w, **attrs))
    _same(cpu_kernels.conv2d_backprop_input(dy, w, x, **attrs),
          REGISTRY["conv2d_backprop_input"].ref(dy, w, x, **attrs))


def test_im2col_kernel_only_for_images_with_few_channels():
    def conv_node(channels):
        g = tf.Graph()
        with g.as_default():
            x = tf.compat.v1.placeholder(tf.float32, [2, 8, 8, channels])
            tf.nn.conv2d(x, tf.zeros([3, 3, channels, 4]), 1, "SAME")
        return [n for n in g.nodes if n.type == "conv2d"][0]
    assert cpu_kernels.implementation(conv_node(cpu_kernels.IM2COL_MAX_CHANNELS)) is \
        cpu_kernels.conv2d
    assert cpu_kernels.implementation(conv_node(cpu_kernels.IM2COL_MAX_CHANNELS + 1)) is None


def test_the_plan_runs_the_kernels_and_keeps_references_for_float16(monkeypatch):
    calls = []
    kernel = cpu_kernels._KERNELS["max_pool2d_grad"]
    monkeypatch.setitem(cpu_kernels._KERNELS, "max_pool2d_grad",
                        lambda *a, **k: calls.append(1) or kernel(*a, **k))
    x = tf.constant(np.array([[1, 1, 0, 2], [1, 1, 2, 2], [3, 0, 0, 0], [0, 3, 0, 0]],
                             np.float32).reshape(1, 4, 4, 1))

    def pool_grad(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.nn.max_pool2d(x, 2, 2, "VALID")
        return tape.gradient(y, x)

    compiled = tf.function(pool_grad)(x).numpy()[0, :, :, 0]
    assert calls  # the CPU plan called the kernel
    np.testing.assert_array_equal(compiled, [[1, 0, 0, 1], [0, 0, 0, 0], [1, 0, 1, 0],
                                             [0, 0, 0, 0]])  # the first of tied maxima
    np.testing.assert_array_equal(compiled, pool_grad(x).numpy()[0, :, :, 0])
    calls.clear()
    half = tf.function(pool_grad)(tf.cast(x, tf.float16))
    assert not calls and half.dtype == tf.float16


def test_plan_compile_compiles_the_kernels_before_the_first_run():
    # Tiered compilation builds plans in a background thread: the hand-written kernels must be
    # compiled there (Plan.compile), not on the first run on the caller's thread.
    from graphflow.compiler import lower
    jitted = [cpu_kernels._max_pool, cpu_kernels._max_pool_grad_disjoint,
              cpu_kernels._max_pool_grad_overlapping, cpu_kernels._avg_pool,
              cpu_kernels._avg_pool_grad, cpu_kernels._col2im, cpu_kernels._im2col]

    def step(x, w):
        with tf.GradientTape() as tape:
            tape.watch(x)
            h = tf.nn.conv2d(x, w, 1, "SAME")
            y = tf.reduce_sum(tf.nn.max_pool2d(h, 2, 2, "VALID")) + tf.reduce_sum(
                tf.nn.max_pool2d(h, 3, 1, "SAME")) + tf.reduce_sum(tf.nn.avg_pool2d(h, 2, 2,
                                                                                    "SAME"))
        return tape.gradient(y, x)

    x = np.random.default_rng(0).standard_normal((2, 6, 6, 3))  # float64: a fresh dtype
    w = np.random.default_rng(1).standard_normal((3, 3, 3, 4))
    concrete = tf.function(step).get_concrete_function(tf.constant(x), tf.constant(w))
    graph = concrete._get_executable().graph
    plan = lower.make_plan(graph, (x.shape, w.shape))
    assert {n.type for n in plan.native_nodes} == {
        "conv2d", "max_pool2d", "max_pool2d_grad", "avg_pool2d", "avg_pool2d_grad",
        "conv2d_backprop_input"}
    plan.compile()
    before = [len(f.signatures) for f in jitted]
    plan.run([x, w])
    assert [len(f.signatures) for f in jitted] == before


@pytest.mark.parametrize("seed", range(20))
def test_gather_grad_kernel_adds_repeated_rows_in_the_reference_order(seed):
    rng = np.random.default_rng(seed)
    vocab = int(rng.integers(1, 7))
    index_shape = tuple(int(d) for d in rng.integers(1, 5, int(rng.integers(1, 3))))
    row = tuple(int(d) for d in rng.integers(1, 4, int(rng.integers(0, 3))))
    dtype = rng.choice([np.float32, np.float64])
    indices = rng.integers(0, vocab, index_shape).astype(rng.choice([np.int32, np.int64]))
    dy = rng.normal(size=index_shape + row).astype(dtype) * 10 ** rng.normal(size=index_shape + row)
    like = np.zeros((vocab,) + row, dtype)
    want = REGISTRY["gather_grad"].ref(dy, indices, like, axis=0)
    _same(cpu_kernels.gather_grad(dy, indices, like, axis=0), want)
    assert want.tobytes() == cpu_kernels.gather_grad(dy, indices, like, axis=0).tobytes()


def test_gather_grad_kernel_leaves_bad_indices_to_the_reference():
    dy, like = np.ones((2, 3), np.float32), np.zeros((4, 3), np.float32)
    bad = np.array([1, 4], np.int32)
    with pytest.raises(Exception) as kernel_error:
        cpu_kernels.gather_grad(dy, bad, like, axis=0)
    with pytest.raises(Exception) as reference_error:
        REGISTRY["gather_grad"].ref(dy, bad, like, axis=0)
    assert type(kernel_error.value) is type(reference_error.value)


def test_an_embedding_gradient_runs_the_gather_grad_kernel(monkeypatch):
    calls = []
    kernel = cpu_kernels._KERNELS["gather_grad"]
    monkeypatch.setitem(cpu_kernels._KERNELS, "gather_grad",
                        lambda *a, **k: calls.append(1) or kernel(*a, **k))
    table = tf.Variable(np.random.default_rng(0).normal(size=(10, 4)).astype(np.float32))
    ids = tf.constant([[1, 2, 1], [9, 1, 0]])

    def grad():
        with tf.GradientTape() as tape:
            y = tf.reduce_sum(tf.gather(table, ids) ** 2)
        return tape.gradient(y, table)

    compiled = tf.convert_to_tensor(tf.function(grad)()).numpy()
    assert calls
    np.testing.assert_array_equal(compiled, tf.convert_to_tensor(grad()).numpy())
