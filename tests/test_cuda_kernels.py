"""The CUDA target's kernels (graphflow/backends/numba_cuda.py) against NumPy and the reference
interpreter, at awkward sizes: not multiples of the block or tile, size 1, empty.

There is no GPU here, so the kernels run under the Numba CUDA simulator (every CUDA thread is a
Python thread: shapes stay tiny). Set NUMBA_ENABLE_CUDASIM=0 to run the same tests on a GPU.
test_kernels_compile_for_hardware compiles the generated sources to real PTX with NVVM (when
the CUDA toolkit is installed), which the simulator cannot check.
"""
import os

os.environ.setdefault("NUMBA_ENABLE_CUDASIM", "1")  # before numba is first imported

import json  # noqa: E402
import math  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import textwrap  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import graphflow as tf  # noqa: E402
from graphflow.backends import codegen, kernel_cache  # noqa: E402
from graphflow.backends import numba_cuda as nc  # noqa: E402
from graphflow.compiler import fused, lower, memory, pipeline  # noqa: E402
from graphflow.errors import InvalidArgumentError  # noqa: E402

if not nc.available():
    pytest.skip("no CUDA device and the simulator is off", allow_module_level=True)

from numba import cuda  # noqa: E402

S = codegen.Statement


def dev(a):
    return cuda.to_device(np.ascontiguousarray(a))


def host(d):
    return d.copy_to_host()


def rng(seed=0):
    return np.random.default_rng(seed)


def close(actual, expected, dtype):
    if np.dtype(dtype).kind in "iub":
        np.testing.assert_array_equal(actual, expected)
    else:
        tol = 1e-5 if np.dtype(dtype) == np.float32 else 1e-12
        np.testing.assert_allclose(actual, expected, rtol=tol, atol=tol)


# -- launch shapes ---------------------------------------------------------------------------------

@pytest.mark.parametrize("n", [1, 2, 31, 33, 257, 10 ** 7])
def test_launch_config_covers_n_with_a_power_of_two_block(n):
    blocks, threads = nc.launch_config(n)
    assert threads & (threads - 1) == 0 and 1 <= threads <= nc.max_threads()
    assert 1 <= blocks <= nc.max_blocks()
    assert blocks * threads >= n or blocks == nc.max_blocks()  # else the grid-stride loop covers n


def test_device_queries():
    assert nc.device_count() >= 1 and isinstance(nc.device_name(), str)
    assert nc.is_simulator() == (os.environ["NUMBA_ENABLE_CUDASIM"] == "1")


def test_launch_config_of_nothing_launches_nothing():
    assert nc.launch_config(0) == (0, 0) and nc.reduce_config(0, 5) == (0, 0)
    assert nc.reduce_config(7, 0)[0] == min(7, nc.max_blocks())  # an empty row still writes init


# -- fused clusters from traced functions ----------------------------------------------------------

def optimized_fused_nodes(fn, shapes, dtype=np.float32):
    """The fused nodes of fn's optimized graph for inputs of `shapes`, with concrete shapes."""
    args = [tf.constant(np.ones(s, dtype)) for s in shapes]
    concrete = tf.function(fn).get_concrete_function(*args)
    graph = lower.with_interface(concrete.graph, concrete.inputs, concrete.outputs, [])
    graph, _ = pipeline.optimize(graph)
    tensor_shapes, bodies = lower.propagate_shapes(graph, [tuple(s) for s in shapes])
    return [(n, [tensor_shapes[id(x)] for x in n.inputs], bodies[id(n)])
            for n in graph.nodes if n.type == "fused"]


def random_input(r, shape, dtype):
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return r.random(shape) < 0.5
    if dtype.kind in "iu":
        return r.integers(-5, 6, shape).astype(dtype)
    return r.uniform(-2.0, 2.0, shape).astype(dtype)


def run_cluster(node, in_shapes, body_shapes, seed=0):
    """Runs one fused elementwise/reduction cluster as a CUDA kernel; returns (got, expected)."""
    cluster = node.attrs["cluster"]
    kplan, call = codegen.plan_kernel(cluster, in_shapes, body_shapes)
    r = rng(seed)
    arrays = [random_input(r, s, p.dtype.np) for s, p in zip(in_shapes, cluster.body.inputs)]
    expected = cluster.run_reference(arrays)
    args = [np.broadcast_to(a, call["shape"]) if m else a
            for a, m in zip(arrays, call["materialize"])]
    outs = [cuda.device_array(body_shapes[id(t)], t.dtype.np) for t in cluster.body.outputs]
    kernel = nc.get_kernel(kplan)
    kernel(call["outer"], call["inner"], *[dev(a) for a in args], *outs)
    return kplan, [host(o) for o in outs], expected


CLUSTER_CASES = {
    # name: (function, input shapes, the kernel modes expected among its clusters)
    "softmax": (lambda x: tf.nn.softmax(x), [(3, 5)], {"reduce_inner", "grid"}),
    "bias_scalar_sigmoid": (lambda x, b: tf.sigmoid(x * 2.0 + b), [(3, 5), (5,)], {"grid"}),
    "flat_chain": (lambda x: tf.tanh(x) * x - 1.0, [(37,)], {"flat"}),
    "mean_over_rows": (lambda x: tf.reduce_mean(x * x, axis=0), [(6, 5)], {"reduce_outer"}),
    "max_over_rows": (lambda x: tf.reduce_max(x - 1.0, axis=0), [(7, 3)], {"reduce_outer"}),
    "sum_trailing_axes": (lambda x: tf.reduce_sum(tf.exp(x), axis=[1, 2]), [(3, 2, 5)],
                          {"reduce_inner"}),
    "mean_long_rows": (lambda x: tf.reduce_mean(tf.abs(x), axis=1), [(2, 45)], {"reduce_inner"}),
    "sum_all": (lambda x: tf.reduce_sum(x * 3.0), [(1, 1)], {"reduce_inner"}),
    # more work than one grid: threads and blocks go round the grid-stride loops again
    "flat_beyond_one_grid": (lambda x: x * x + 1.0, [(300,)], {"flat"}),
    "rows_beyond_one_grid": (lambda x: tf.reduce_max(x, axis=1), [(9, 3)], {"reduce_inner"}),
    "columns_beyond_one_grid": (lambda x: tf.reduce_sum(x, axis=0), [(2, 150)], {"reduce_outer"}),
    "where_compare_cast": (lambda x: tf.cast(tf.where(x > 0.0, x, x * 0.5) * 10.0, tf.int32),
                           [(4, 3)], {"flat"}),
    "broadcast_materialized": (lambda x, y: x * y + 1.0, [(2, 1, 5), (2, 3, 1)], {"grid", "flat"}),
    "column_input": (lambda x, c: tf.exp(x - c), [(4, 3), (4, 1)], {"grid"}),
}


@pytest.mark.parametrize("case", sorted(CLUSTER_CASES))
def test_fused_clusters_match_the_reference(case):
    fn, shapes, modes = CLUSTER_CASES[case]
    nodes = [n for n in optimized_fused_nodes(fn, shapes)
             if n[0].attrs["cluster"].kind in (fused.ELEMENTWISE, fused.REDUCTION)]
    assert nodes, f"{case}: no fused clusters"
    seen = set()
    for node, in_shapes, body_shapes in nodes:
        kplan, got, expected = run_cluster(node, in_shapes, body_shapes)
        seen.add(kplan.mode)
        for g, e in zip(got, expected):
            if g.dtype.kind == "i":  # a float32 product cast to int may land either side of .0
                np.testing.assert_allclose(g, e, atol=1)
            else:
                close(g, e, g.dtype)
    assert seen & modes, f"{case}: kernel modes {seen}, expected some of {modes}"


def test_fused_epilogue_plan_runs_standalone_in_place():
    """An epilogue KernelPlan through get_kernel: the product is passed last and rewritten."""
    [(node, _, body_shapes)] = optimized_fused_nodes(
        lambda x, w, b: tf.nn.relu(tf.matmul(x, w) + b), [(3, 4), (4, 5), (5,)])
    kplan, call, used = codegen.plan_epilogue(node.attrs["cluster"], body_shapes)
    m = rng(1).standard_normal((3, 5)).astype(np.float32)
    b = rng(2).standard_normal(5).astype(np.float32)
    d_m = dev(m)
    nc.get_kernel(kplan)(call["outer"], call["inner"], dev(b), d_m)
    close(host(d_m), np.maximum(m + b, 0), np.float32)


# -- math functions, including the values Python's math refuses ------------------------------------

SPECIAL = [0.0, -0.0, 0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.49999997, 3.7, -3.7, 1e-8, 20.0, -20.0,
           88.0, 100.0, 800.0, -800.0, -1.0, -1.5e10, 2.0 ** 40 + 1, np.inf, -np.inf, np.nan]
NUMPY = {"exp": np.exp, "expm1": np.expm1, "log": np.log, "log1p": np.log1p, "sqrt": np.sqrt,
         "sin": np.sin, "cos": np.cos, "tanh": np.tanh, "floor": np.floor, "ceil": np.ceil,
         "rint": np.rint, "erf": np.vectorize(math.erf, otypes=[np.float64]),
         "sigmoid": lambda x: 1 / (1 + np.exp(-x.astype(np.float64)))}


def unary_plan(name, dtype):
    st = S("t0", f"{name}({{0}})", ["a0"], dtype, dtype)
    return codegen.KernelPlan(f"unary_{name}_{dtype}", "flat", [("a0", "full", dtype)],
                              [("t0", dtype)], [], [st], ["t0"])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(NUMPY))
def test_math_functions_match_numpy(name, dtype):
    x = np.array(SPECIAL, dtype)
    if name in ("sin", "cos"):
        x = x[np.abs(x) < 1e6]  # libm and CUDA reduce huge arguments differently
    out = cuda.device_array(x.shape, dtype)
    with np.errstate(all="ignore"):
        nc.get_kernel(unary_plan(name, dtype))(x.size, 1, dev(x), out)
        expected = NUMPY[name](x).astype(dtype)
    got = host(out)
    tol = 2e-6 if dtype == "float32" else 1e-14
    np.testing.assert_allclose(got, expected, rtol=tol, atol=tol)
    if name in ("floor", "ceil", "rint"):
        np.testing.assert_array_equal(np.signbit(got), np.signbit(expected))


def test_float16_kernels_compute_in_float32_and_store_half():
    st = [S("t0", "({0} if not ({0} <= {ZERO}) else {ZERO})", ["a0"], "float16", "float16"),
          S("t1", "(sigmoid({0}) + {1})", ["t0", "a1"], "float16", "float16")]
    plan = codegen.KernelPlan("half", "grid", [("a0", "full", "float16"), ("a1", "row", "float16")],
                              [("t1", "float16")], [], st, ["t1"])
    x = rng(17).uniform(-3, 3, (3, 4)).astype(np.float16)
    row = np.float16([0.5, -1.0, 2.0, 0.0])
    out = cuda.device_array((3, 4), np.float16)
    nc.get_kernel(plan)(3, 4, dev(x), dev(row), out)
    relu = np.maximum(x, 0).astype(np.float32)
    np.testing.assert_allclose(host(out), 1 / (1 + np.exp(-relu)) + row, rtol=2e-3)


# -- variables updated in place --------------------------------------------------------------------

class _Var:  # a Statement's `var` is only tested for presence by the renderer
    pass


def test_update_kernel_writes_variables_in_place():
    """v -= lr * g (reading the current value) and u = v_new + row, one pass, grid mode."""
    st = [S("t0", "({0} * {1})", ["a0", "a1"], "float32", "float32"),
          S("t1", "({var} - {0})", ["t0"], "float32", "float32", var=_Var()),
          S("t2", "({0} + {1})", ["t1", "a2"], "float32", "float32"),
          S("t3", "{0}", ["t2"], "float32", "float32", var=_Var())]
    plan = codegen.KernelPlan(
        "sgd_update", "grid", [("a0", "full", "float32"), ("a1", "scalar", "float32"),
                               ("a2", "row", "float32")],
        [], [("t1", "float32", True), ("t3", "float32", False)], st, [])
    assert [n for n, _ in plan.array_arguments()] == ["a0_a", "a1_s", "a2_a", "v_t1", "v_t3"]
    r = rng(3)
    g, v, row = (r.standard_normal(s).astype(np.float32) for s in [(3, 5), (3, 5), (5,)])
    d_v, d_u = dev(v), cuda.device_array((3, 5), np.float32)
    nc.get_kernel(plan)(3, 5, dev(g), dev(np.float32([0.1])), dev(row), d_v, d_u)
    close(host(d_v), v - np.float32(0.1) * g, np.float32)
    close(host(d_u), v - np.float32(0.1) * g + row, np.float32)


def test_update_kernel_reads_a_variable_input_from_its_own_array():
    """A `var:` input (a read of the variable being assigned) loads from v_<target>."""
    st = [S("t0", "({0} * {1})", ["a1", "a0"], "float64", "float64"),
          S("t1", "({0} - {1})", ["a1", "t0"], "float64", "float64", var=_Var())]
    plan = codegen.KernelPlan("decay", "flat", [("a0", "scalar", "float64"),
                                                ("a1", "var:t1", "float64")],
                              [], [("t1", "float64", False)], st, [])
    v = rng(4).standard_normal(11)
    d_v = dev(v)
    nc.get_kernel(plan)(11, 1, dev(np.array([0.25])), d_v)
    close(host(d_v), v - v * 0.25, np.float64)


def test_kernel_checks_its_argument_count_and_skips_empty_launches():
    kernel = nc.get_kernel(unary_plan("exp", "float32"))
    with pytest.raises(InvalidArgumentError, match="a0_a, out_0"):
        kernel(3, 1, dev(np.zeros(3, np.float32)))
    empty = cuda.device_array((0, 4), np.float32)
    kernel(0, 4, empty, cuda.device_array((0, 4), np.float32))  # no launch, no error


def test_kernels_refuse_strided_views():
    """Kernels index flat arrays: a strided view is an error, not wrong answers."""
    x = dev(np.zeros((4, 6), np.float32))
    with pytest.raises(InvalidArgumentError, match=r"argument a0_a.*C-contiguous.*\(4, 3\)"):
        nc.get_kernel(unary_plan("exp", "float32"))(12, 1, x[:, ::2],
                                                    cuda.device_array(12, np.float32))
    with pytest.raises(InvalidArgumentError, match="fill: arrays must be C-contiguous"):
        nc.fill(x[:, 1:3], 0)


def test_kernels_are_cached_by_source():
    plan = unary_plan("tanh", "float32")
    first, second = nc.get_kernel(plan), nc.get_kernel(unary_plan("tanh", "float32"))
    assert first is second
    assert first.path.parent == kernel_cache.CUDA.directory()
    assert first.path.read_text() == first.source and first.name == "unary_tanh_float32"


# -- matmul ----------------------------------------------------------------------------------------

def matmul_operands(r, shape_a, shape_b, ta, tb, dtype):
    """Operands for op(a) of shape_a and op(b) of shape_b, stored transposed when asked."""
    a, b = (random_input(r, s, dtype) for s in (shape_a, shape_b))
    stored_a = np.swapaxes(a, -1, -2).copy() if ta else a
    stored_b = np.swapaxes(b, -1, -2).copy() if tb else b
    return a, b, stored_a, stored_b


@pytest.mark.parametrize("ta,tb", [(False, False), (False, True), (True, False), (True, True)])
def test_matmul_transposes_at_awkward_sizes(ta, tb):
    a, b, sa, sb = matmul_operands(rng(5), (5, 7), (7, 6), ta, tb, np.float32)
    out = cuda.device_array((5, 6), np.float32)
    nc.matmul(dev(sa), dev(sb), out, ta, tb)
    close(host(out), a @ b, np.float32)


@pytest.mark.parametrize("shape_a,shape_b,dtype", [
    ((1, 1), (1, 1), "float64"),
    ((1, 3), (3, 1), "float32"),
    ((3, 2), (2, 5), "int32"),
    ((2, 3), (3, 2), "int64"),
])
def test_matmul_small_sizes_and_dtypes(shape_a, shape_b, dtype):
    a, b, _, _ = matmul_operands(rng(6), shape_a, shape_b, False, False, dtype)
    out = cuda.device_array((shape_a[0], shape_b[1]), dtype)
    nc.matmul(dev(a), dev(b), out)
    close(host(out), a @ b, dtype)


@pytest.mark.parametrize("shape_a,shape_b,ta,tb", [
    ((2, 3, 3, 2), (2, 3, 2, 3), False, False),  # equal batch dims
    ((3, 3, 5), (5, 2), False, False),           # b broadcast over a's batch
    ((3, 2), (2, 2, 3), True, True),             # a broadcast over b's batch, both transposed
    ((1, 2, 3), (2, 3, 2), False, False),        # a batch of one is broadcast too
])
def test_matmul_batched(shape_a, shape_b, ta, tb):
    a, b, sa, sb = matmul_operands(rng(7), shape_a, shape_b, ta, tb, np.float64)
    expected = np.matmul(a, b)
    out = cuda.device_array(expected.shape, np.float64)
    nc.matmul(dev(sa), dev(sb), out, ta, tb)
    close(host(out), expected, np.float64)


EPILOGUES = {
    # name: (function of (x, w, extra), extra's shape (None: no extra input), NumPy epilogue)
    "bias_relu_scale": (lambda x, w, b: tf.nn.relu(tf.matmul(x, w) + b) * 2.0, "cols",
                        lambda m, b: np.maximum(m + b, 0) * 2),
    "column": (lambda x, w, c: tf.tanh(tf.matmul(x, w) - c), "rows1",
               lambda m, c: np.tanh(m - c)),
}


def epilogue_case(name, m, k, n):
    """The epilogue KernelPlan of a traced matmul cluster, and a function giving its arguments
    (the extra input, or constants folded into the cluster) from the extra input's value."""
    fn, extra, numpy_fn = EPILOGUES[name]
    extra_shape = (n,) if extra == "cols" else (m, 1)
    args = [tf.constant(np.ones(s, np.float32)) for s in [(m, k), (k, n), extra_shape]]
    concrete = tf.function(fn).get_concrete_function(*args)
    graph, _ = pipeline.optimize(lower.with_interface(concrete.graph, concrete.inputs,
                                                      concrete.outputs, []))
    _, bodies = lower.propagate_shapes(graph, [tuple(a.shape) for a in args])
    [node] = [n for n in graph.nodes if n.type == "fused"]
    assert node.attrs["cluster"].kind == fused.MATMUL
    kplan, _, used = codegen.plan_epilogue(node.attrs["cluster"], bodies[id(node)])

    def epilogue_args(extra_value):
        values = []
        for i in used:
            t = node.inputs[i]
            if t is graph.inputs[2]:
                values.append(dev(extra_value))
            else:  # a constant of the function, e.g. the 2.0 in "* 2.0"
                assert t.node.type == "const", t.node
                values.append(dev(np.asarray(t.node.attrs["value"]).reshape(-1)))
        return values
    return kplan, epilogue_args, numpy_fn, extra_shape


@pytest.mark.parametrize("name,m,k,n", [("bias_relu_scale", 5, 6, 7), ("column", 3, 9, 2),
                                        ("bias_relu_scale", 1, 1, 1)])
def test_matmul_with_fused_epilogue(name, m, k, n):
    kplan, epilogue_args, numpy_fn, extra_shape = epilogue_case(name, m, k, n)
    r = rng(8)
    x, w, e = (r.standard_normal(s).astype(np.float32) for s in [(m, k), (k, n), extra_shape])
    out = cuda.device_array((m, n), np.float32)
    nc.matmul(dev(x), dev(w), out, epilogue=kplan, epilogue_args=epilogue_args(e))
    close(host(out), numpy_fn(x @ w, e), np.float32)


def test_matmul_with_empty_depth_is_the_epilogue_of_zeros():
    kplan, epilogue_args, numpy_fn, _ = epilogue_case("bias_relu_scale", 3, 2, 4)
    b = rng(9).standard_normal(4).astype(np.float32)
    out = cuda.device_array((3, 4), np.float32)
    nc.matmul(dev(np.zeros((3, 0), np.float32)), dev(np.zeros((0, 4), np.float32)), out,
              epilogue=kplan, epilogue_args=epilogue_args(b))
    close(host(out), numpy_fn(np.zeros((3, 4), np.float32), b), np.float32)
    plain = cuda.to_device(np.full((3, 4), 7.0, np.float32))
    nc.matmul(dev(np.zeros((3, 0), np.float32)), dev(np.zeros((0, 4), np.float32)), plain)
    close(host(plain), np.zeros((3, 4)), np.float32)


def test_matmul_with_an_empty_output_launches_nothing():
    nc.matmul(dev(np.zeros((0, 3), np.float32)), dev(np.ones((3, 4), np.float32)),
              cuda.device_array((0, 4), np.float32))


def test_matmul_names_shapes_that_do_not_fit():
    with pytest.raises(InvalidArgumentError, match=r"a \(2, 3\).*b \(4, 5\)"):
        nc.matmul(dev(np.zeros((2, 3), np.float32)), dev(np.zeros((4, 5), np.float32)),
                  cuda.device_array((2, 5), np.float32))
    with pytest.raises(InvalidArgumentError, match="batch dims"):
        nc.matmul(dev(np.zeros((2, 1, 2, 3))), dev(np.zeros((1, 3, 3, 2))),
                  cuda.device_array((2, 3, 2, 2)))


# -- data movement by index maps -------------------------------------------------------------------

def index_of(shape):
    return np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape)


@pytest.mark.parametrize("dtype", ["float32", "int64", "bool"])
def test_gather_by_map_transposes(dtype):
    x = random_input(rng(10), (3, 4, 5), dtype)
    index_map = index_of(x.shape).transpose(2, 0, 1).reshape(-1)
    out = cuda.device_array((5, 3, 4), dtype)
    nc.gather_by_map(dev(x), dev(index_map), out)
    np.testing.assert_array_equal(host(out), x.transpose(2, 0, 1))


def test_gather_by_map_pads_with_the_fill_value():
    x = rng(11).standard_normal((3, 4)).astype(np.float32)
    pads = ((1, 0), (2, 1))
    index_map = np.pad(index_of(x.shape), pads, constant_values=-1).reshape(-1)
    out = cuda.device_array((4, 7), np.float32)
    nc.gather_by_map(dev(x), dev(index_map), out, 2.5)
    np.testing.assert_array_equal(host(out), np.pad(x, pads, constant_values=2.5))


def test_gather_by_map_concatenates_from_a_joined_buffer():
    a, b = np.arange(6.0).reshape(2, 3), -np.arange(4.0).reshape(2, 2)
    joined = np.concatenate([a.reshape(-1), b.reshape(-1)])
    index_map = np.concatenate([index_of(a.shape), index_of(b.shape) + a.size], axis=1)
    out = cuda.device_array((2, 5), np.float64)
    nc.gather_by_map(dev(joined), dev(index_map.reshape(-1)), out)
    np.testing.assert_array_equal(host(out), np.concatenate([a, b], axis=1))


def test_scatter_by_map_is_the_gradient_of_a_slice():
    like = (5, 6)
    index_map = index_of(like)[1:4, ::2].reshape(-1)
    dy = rng(12).standard_normal((3, 3))
    out = cuda.device_array(like, np.float64)
    nc.fill(out, 0)
    nc.scatter_by_map(dev(dy), dev(index_map), out)
    expected = np.zeros(like)
    expected[1:4, ::2] = dy
    np.testing.assert_array_equal(host(out), expected)


def test_index_maps_must_be_int64_of_the_right_size():
    with pytest.raises(InvalidArgumentError, match="int64 with 4 entries"):
        nc.gather_by_map(dev(np.zeros(3)), dev(np.zeros(4, np.int32)), cuda.device_array(4))


@pytest.mark.parametrize("shape,dtype,value", [((3, 5), "float32", -1.5), ((0, 2), "int32", 7),
                                               ((), "bool", True), ((33,), "int64", 4)])
def test_fill(shape, dtype, value):
    out = cuda.device_array(shape, dtype)
    nc.fill(out, value)
    np.testing.assert_array_equal(host(out), np.full(shape, value, dtype))


# -- axis reductions -------------------------------------------------------------------------------

REFERENCE_REDUCE = {"sum": np.sum, "prod": np.prod, "max": np.max, "min": np.min, "all": np.all,
                    "any": np.any, "argmax": np.argmax, "argmin": np.argmin}


@pytest.mark.parametrize("axis", [0, 1, -1])
@pytest.mark.parametrize("op", sorted(REFERENCE_REDUCE))
def test_axis_reduce_matches_numpy(op, axis):
    r = rng(13)
    if op in ("all", "any"):
        x = r.random((3, 4, 5)) < (0.8 if op == "all" else 0.1)
    else:  # few distinct values, so there are ties
        x = r.integers(-3, 4, (3, 4, 5)).astype(np.float32)
    expected = REFERENCE_REDUCE[op](x, axis=axis)
    out_dtype = np.int64 if op.startswith("arg") else np.bool_ if op in ("all", "any") else x.dtype
    out = cuda.device_array(expected.shape, out_dtype)
    nc.axis_reduce(dev(x), axis, op, out)
    close(host(out), expected, out_dtype)


@pytest.mark.parametrize("op", ["max", "min", "argmax", "argmin", "sum"])
def test_axis_reduce_propagates_nan_as_numpy_does(op):
    x = np.array([[1.0, np.nan, 3.0, np.nan], [np.nan, 5.0, 1.0, 2.0], [4.0, 4.0, -1.0, 4.0]])
    expected = REFERENCE_REDUCE[op](x, axis=1)
    out = cuda.device_array(3, np.int64 if op.startswith("arg") else np.float64)
    nc.axis_reduce(dev(x), 1, op, out)
    np.testing.assert_array_equal(host(out), expected)


def test_axis_reduce_integers_accumulate_wide_and_empty_axes():
    x = np.full((2, 3), 2 ** 30, np.int32)
    out = cuda.device_array(2, np.int64)
    nc.axis_reduce(dev(x), 1, "sum", out)
    np.testing.assert_array_equal(host(out), [3 * 2 ** 30] * 2)
    empty = dev(np.zeros((2, 0, 3), np.float32))
    sums = cuda.device_array((2, 3), np.float32)
    nc.axis_reduce(empty, 1, "sum", sums)
    np.testing.assert_array_equal(host(sums), np.zeros((2, 3)))
    with pytest.raises(InvalidArgumentError, match="axis 1 of shape \\(2, 0, 3\\) is empty"):
        nc.axis_reduce(empty, 1, "max", sums)


# -- one_hot, gather, scatter_add ------------------------------------------------------------------

@pytest.mark.parametrize("dtype,on,off", [("float32", 1.0, 0.0), ("int32", 5, -1)])
def test_one_hot(dtype, on, off):
    indices = np.array([[0, 3, -1], [2, 4, 1]])
    depth = 4
    expected = np.where(indices[..., None] == np.arange(depth), on, off).astype(dtype)
    out = cuda.device_array(indices.shape + (depth,), dtype)
    nc.one_hot(dev(indices), depth, on, off, out)
    np.testing.assert_array_equal(host(out), expected)


@pytest.mark.parametrize("axis", [0, 1, 2, -1])
def test_gather(axis):
    params = rng(14).standard_normal((3, 4, 5)).astype(np.float32)
    n = params.shape[axis]
    indices = np.array([[0, n - 1], [-1, 1], [1, 1]], np.int32)
    expected = np.take(params, indices, axis=axis)
    out = cuda.device_array(expected.shape, np.float32)
    nc.gather(dev(params), dev(indices), axis, out)
    np.testing.assert_array_equal(host(out), expected)


@pytest.mark.parametrize("axis,dtype", [(0, "float32"), (1, "float64")])
def test_scatter_add_accumulates_repeated_indices(axis, dtype):
    like = (4, 3, 2)
    indices = np.array([1, 2, 1, -3, 1])
    updates_shape = like[:axis] + indices.shape + like[axis + 1:]
    updates = rng(15).standard_normal(updates_shape).astype(dtype)
    expected = np.zeros(like, dtype)
    np.add.at(np.moveaxis(expected, axis, 0), indices % like[axis], np.moveaxis(updates, axis, 0))
    out = cuda.device_array(like, dtype)
    nc.fill(out, 0)
    nc.scatter_add(dev(updates), dev(indices), axis, out)
    close(host(out), expected, dtype)


def test_gather_names_shapes_that_do_not_fit():
    with pytest.raises(InvalidArgumentError, match=r"expected \(2, 3\)"):
        nc.gather(dev(np.zeros((4, 3))), dev(np.zeros(2, np.int64)), 0, cuda.device_array((3, 3)))


# -- the device arena ------------------------------------------------------------------------------

def test_arena_views_are_disjoint_device_arrays():
    shapes = [((3, 5), np.float32), ((7,), np.float64), ((), np.int32), ((0, 4), np.float32),
              ((2, 2, 3), np.int64)]
    sizes = [int(np.prod(s)) * np.dtype(d).itemsize for s, d in shapes]
    offsets, total = memory.plan_arena([(0, 1, n) for n in sizes])  # all live at once
    arena = nc.DeviceArena(total)
    views = [arena.view(o, s, d) for o, (s, d) in zip(offsets, shapes)]
    values = [random_input(rng(16 + i), s, d) for i, (s, d) in enumerate(shapes)]
    for v, x in zip(views, values):
        assert tuple(v.shape) == x.shape and v.dtype == x.dtype
        v.copy_to_device(x)
    nc.fill(views[0], 9.0)  # kernels write through views
    values[0] = np.full((3, 5), 9.0, np.float32)
    for v, x in zip(views, values):
        np.testing.assert_array_equal(v.copy_to_host(), x)


def test_arena_views_reuse_bytes_when_lifetimes_do_not_overlap():
    offsets, total = memory.plan_arena([(0, 1, 40), (2, 3, 40)])
    assert offsets == [0, 0]
    arena = nc.DeviceArena(total)
    first = arena.view(offsets[0], (10,), np.float32)
    first.copy_to_device(np.arange(10, dtype=np.float32))
    second = arena.view(offsets[1], (5,), np.int64)
    np.testing.assert_array_equal(second.copy_to_host(),
                                  np.arange(10, dtype=np.float32).view(np.int64))


def test_arena_rejects_views_that_do_not_fit():
    arena = nc.DeviceArena(64)
    with pytest.raises(InvalidArgumentError, match="offset 2"):
        arena.view(2, (3,), np.float32)
    with pytest.raises(InvalidArgumentError, match="64 bytes"):
        arena.view(32, (9,), np.float32)


# -- import guard and hardware compilation ---------------------------------------------------------

def test_importing_graphflow_does_not_import_numba_cuda():
    script = textwrap.dedent("""
        import sys
        import graphflow
        from graphflow.backends import codegen, numba_cuda
        st = codegen.Statement("t0", "exp({0})", ["a0"], "float32", "float32")
        plan = codegen.KernelPlan("k", "flat", [("a0", "full", "float32")], [("t0", "float32")],
                                  [], [st], ["t0"])
        numba_cuda.render_cuda(plan)
        numba_cuda.render_matmul(True, False, "float64")
        print("numba.cuda" in sys.modules)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "False"


PTX_SCRIPT = textwrap.dedent("""
    import json, os, sys, types
    os.environ["NUMBA_ENABLE_CUDASIM"] = "0"
    import numpy as np
    from numba import cuda, types as nt
    from numba.np.numpy_support import from_dtype
    from numba.cuda import dispatcher
    from graphflow.backends import codegen, cuda_kernels, render, numba_cuda as nc

    # No GPU: device functions ask the current device for its compute capability; say 7.5.
    CC = (7, 5)
    dispatcher.get_current_device = lambda: types.SimpleNamespace(compute_capability=CC)
    S = codegen.Statement
    arr = lambda d: nt.Array(from_dtype(np.dtype(d)), 1, "C")

    def ptx(fn, sig):
        cuda.compile_ptx(fn, sig, cc=CC)

    try:
        ptx(cuda_kernels.fill.py_func, (nt.int64, arr("float32"), nt.float32))
    except Exception as e:  # no NVVM: the test is skipped
        print(json.dumps({"skip": f"{type(e).__name__}: {e}"}))
        sys.exit(0)

    compiled = []
    for dt in ("float32", "float64"):
        st = [S(f"t{i}", f"{f}({{0}}, {{0}})" if f in render.BINARY_FUNCTIONS else f"{f}({{0}})",
                ["a0"], dt, dt) for i, f in enumerate(render.FUNCTIONS)]
        n = len(st)
        st += [S(f"t{n}", "(({0} // {1}) + ({0} % {1}) + ({0} ** {1}) + abs({0}))", ["a0", "a1"],
                 dt, dt),
               S(f"t{n + 1}", "({0} > {1})", ["a0", "a2"], "bool", dt),
               S(f"t{n + 2}", "{0}", ["a0"], "int32", dt),
               S(f"t{n + 3}", "({1} if {0} else {2})", [f"t{n + 1}", "a0", "a3"], dt, "bool"),
               S(f"t{n + 4}", "({var} - {0})", ["a0"], dt, dt, var=object())]
        plan = codegen.KernelPlan(
            f"all_math_{dt}", "grid", [("a0", "full", dt), ("a1", "row", dt), ("a2", "col", dt),
                                       ("a3", "scalar", dt)],
            [(s.target, s.dtype) for s in st[:-1]], [(f"t{n + 4}", dt, True)], st,
            [s.target for s in st[:-1]])
        k = nc.get_kernel(plan)
        ptx(k.dispatcher.py_func, k.arg_types())
        compiled.append(k.name)
    st = [S("t0", "({0} if not ({0} <= {ZERO}) else {ZERO})", ["a0"], "float16", "float16"),
          S("t1", "sigmoid({0})", ["t0"], "float16", "float16")]
    plan = codegen.KernelPlan("half", "flat", [("a0", "full", "float16")], [("t1", "float16")],
                              [], st, ["t1"])
    k = nc.get_kernel(plan)
    ptx(k.dispatcher.py_func, k.arg_types())
    compiled.append(k.name)
    for mode in ("reduce_inner", "reduce_outer"):
        st = [S("t0", "({0} * {1})", ["a0", "a1"], "float32", "float32")]
        cls = "row" if mode == "reduce_inner" else "col"
        plan = codegen.KernelPlan(
            f"r_{mode}", mode, [("a0", "full", "float32"), ("a1", cls, "float32")],
            [("acc", "float32")], [], st, ["acc"],
            {"op": "reduce_max", "value": "t0", "init": "-{INF}", "mean": True,
             "combine": "({acc} if ({acc} >= {v} or {acc} != {acc}) else {v})"})
        k = nc.get_kernel(plan)
        ptx(k.dispatcher.py_func, k.arg_types())
        compiled.append(k.name)
    epilogue = codegen.KernelPlan(
        "ep", "grid", [("a0", "row", "float32"), ("a1", "col", "float32"),
                       ("a2", "scalar", "float32"), ("m", "full", "float32")],
        [("t2", "float32")], [],
        [S("t0", "({0} + {1})", ["m", "a0"], "float32", "float32"),
         S("t1", "sigmoid({0})", ["t0"], "float32", "float32"),
         S("t2", "(({0} * {1}) - {2})", ["t1", "a2", "a1"], "float32", "float32")],
        ["t2"], output_into=["m_a"])
    for ta, tb, dt, ep in [(False, False, "float32", epilogue), (True, True, "float64", None),
                           (False, True, "int32", None), (True, False, "float32", None)]:
        source, fn = nc.render_matmul(ta, tb, dt, ep)
        kernel, _ = nc._compiled(source, fn)
        extra = len(ep.array_arguments()) - 1 if ep else 0
        ptx(kernel.py_func, (nt.int64,) * 7 + (arr(dt),) * (3 + extra))
        compiled.append(fn)
    ck = cuda_kernels
    i64 = nt.int64
    for dt in ("float32", "int64", "bool"):
        d = from_dtype(np.dtype(dt))
        ptx(ck.gather_by_map.py_func, (i64, arr(dt), arr("int64"), arr(dt), d))
        ptx(ck.scatter_by_map.py_func, (i64, arr(dt), arr("int64"), arr(dt)))
    # axis reductions: generated (kernel_plan.plan_reduce), argmax / argmin hand-written
    from graphflow.compiler import kernel_plan
    for name, dt, out in [("sum", "float32", "float32"), ("sum", "int32", "int64"),
                          ("prod", "int32", "int32"), ("max", "float32", "float32"),
                          ("min", "int32", "int32"), ("max", "int64", "int64"),
                          ("max", "uint8", "uint8"),
                          ("all", "bool", "bool"), ("any", "bool", "bool")]:
        for mode in ("reduce_inner", "reduce_outer"):
            k = nc.get_kernel(kernel_plan.plan_reduce("reduce_" + name, dt, out, mode))
            ptx(k.dispatcher.py_func, k.arg_types())
    for name, dt, out in [("argmax", "float32", "int64"), ("argmin", "float64", "int32")]:
        ptx(getattr(ck, "reduce_" + name).py_func, (i64, i64, i64, arr(dt), arr(out)))
    ptx(ck.one_hot.py_func, (i64, i64, arr("int32"), nt.float32, nt.float32, arr("float32")))
    ptx(ck.gather.py_func, (i64, i64, i64, i64, arr("float32"), arr("int64"), arr("float32")))
    for dt in ("float32", "float64"):
        ptx(ck.scatter_add.py_func, (i64, i64, i64, i64, arr(dt), arr("int32"), arr(dt)))
    print(json.dumps({"compiled": compiled}))
""")


def test_kernels_compile_for_hardware(tmp_path):
    """Every kind of generated and hand-written kernel compiles to PTX for a real GPU (sm_75):
    typing and lowering for the CUDA target, which the simulator never does."""
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="0", GRAPHFLOW_CACHE_DIR=str(tmp_path))
    out = subprocess.run([sys.executable, "-c", PTX_SCRIPT], capture_output=True, text=True,
                         env=env, timeout=600)
    assert out.returncode == 0, out.stderr[-4000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if "skip" in result:
        pytest.skip(f"cannot compile PTX here: {result['skip']}")
    assert len(result["compiled"]) == 9
