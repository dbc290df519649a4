"""The CPU plan's hand-written kernels (graphflow/backends/cpu_kernels.py) against the ops' NumPy
references: every registry sample in every dtype (edge cases included: ties, padding, empty
shapes), random tie-heavy and NaN inputs over random geometries, and the plan's use of them."""
import numpy as np
import pytest

import graphflow as tf
from graphflow.backends import cpu_kernels
from graphflow.ops.registry import REGISTRY
from helpers import SAMPLES

KERNEL_OPS = sorted(cpu_kernels._KERNELS)


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
            _same(cpu_kernels._KERNELS[name](*arrays, **attrs),
                  np.asarray(REGISTRY[name].ref(*arrays, **attrs)))
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
def test_conv2d_input_gradient_on_random_geometries(seed):
    rng = np.random.default_rng(100 + seed)
    shape, ksize, strides, padding = _geometry(rng)
    w = rng.standard_normal(ksize + (shape[3], int(rng.integers(1, 5)))).astype(np.float32)
    x = rng.standard_normal(shape).astype(np.float32)
    attrs = {"strides": strides, "padding": padding}
    dy = rng.standard_normal(REGISTRY["conv2d"].ref(x, w, **attrs).shape).astype(np.float32)
    _same(cpu_kernels.conv2d_backprop_input(dy, w, x, **attrs),
          REGISTRY["conv2d_backprop_input"].ref(dy, w, x, **attrs))


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
              cpu_kernels._avg_pool_grad, cpu_kernels._col2im]

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
        "max_pool2d", "max_pool2d_grad", "avg_pool2d", "avg_pool2d_grad", "conv2d_backprop_input"}
    plan.compile()
    before = [len(f.signatures) for f in jitted]
    plan.run([x, w])
    assert [len(f.signatures) for f in jitted] == before
