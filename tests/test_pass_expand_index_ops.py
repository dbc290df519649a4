"""The expand_index_ops pass: one_hot / argmax / argmin rewritten as elementwise ops and
reductions. Structure (the index ops are gone and their pieces end up in fused kernels) and
exact equality with the op's reference: on the reference interpreter after the pass alone, and
compiled with every pass on the Numba CPU target (and a few cases on the CUDA simulator), over
the awkward inputs -- every axis, index dtype, negative and out-of-range indices, on/off
values, empty inputs; NaN, infinities, ties and all-equal rows for argmax/argmin."""
import numpy as np
import pytest

import graphflow as tf
from graphflow.backends import reference
from graphflow.compiler import pipeline
from graphflow.compiler.lower import CompiledExecutable, with_interface
from graphflow.compiler.passes import expand_index_ops
from graphflow.ops.registry import REGISTRY, dispatch

tf1 = tf.compat.v1
INDEX_OPS = ("one_hot", "argmax", "argmin")


def build(op_name, x, attrs, static=True):
    """A graph of one `op_name` node on a placeholder for x (of x's shape, or of unknown dims)."""
    g = tf.Graph()
    with g.as_default():
        shape = x.shape if static else [None] * x.ndim
        p = tf1.placeholder(tf.as_dtype(x.dtype), shape, name="x")
        out = dispatch(REGISTRY[op_name], (p,), dict(attrs), op_name)
    g.inputs, g.outputs = [p], [out]
    return g


def reference_run(graph, arrays):
    return reference.compile(graph, graph.outputs, graph.inputs, graph.targets).run(arrays)


def expected(op_name, x, attrs):
    return REGISTRY[op_name].ref(x, **attrs)


def assert_identical(got, want):
    """Same dtype, shape and values (NaN-free outputs here: indices and on/off values)."""
    got = np.asarray(got)
    assert got.dtype == want.dtype and got.shape == want.shape, (got.dtype, got.shape,
                                                                 want.dtype, want.shape)
    np.testing.assert_array_equal(got, want)


def check_exact(op_name, x, attrs, rewritten=True, static=True):
    """The pass alone (reference interpreter) and the whole pipeline compiled for the Numba CPU
    target both give the reference's result exactly; returns the compiled executable."""
    g = build(op_name, x, attrs, static)
    new, stats = expand_index_ops.run(g)
    assert stats[op_name] == (1 if rewritten else 0)
    assert (op_name in [n.type for n in new.nodes]) is not rewritten
    want = expected(op_name, x, attrs)
    (got,) = reference_run(new, [x])
    assert_identical(got, want)
    ex = CompiledExecutable(g, g.outputs, g.inputs)
    (got,) = ex.run([x])
    assert_identical(got, want)
    assert_kernels(ex, rewritten)
    return ex


def assert_kernels(ex, rewritten=True):
    """The last call ran a compiled plan, none of whose kernels fell back to the interpreter;
    a rewritten index op ran as (part of) a kernel."""
    plan = ex.last_plan
    assert not [n for n in plan.notes if "reference interpreter" in n], plan.notes
    assert bool(plan.kernels) is rewritten


# -- one_hot --------------------------------------------------------------------------------------

def one_hot_attrs(depth, axis=-1, on=1.0, off=0.0, dtype="float32"):
    return {"depth": depth, "on_value": float(on), "off_value": float(off), "axis": axis,
            "dtype": dtype}


INDEX_DTYPES = ["int8", "int16", "int32", "int64", "uint8"]


@pytest.mark.parametrize("index_dtype", INDEX_DTYPES)
@pytest.mark.parametrize("axis", [-1, 0, 1, 2])
def test_one_hot_every_axis_and_index_dtype_with_out_of_range_indices(index_dtype, axis):
    info = np.iinfo(index_dtype)
    # In range, negative, == depth, far out of range and the dtype's extremes.
    values = [0, 4, 2, -1, 5, 100, info.min, info.max, 3, -7, 1, 0]
    values = [v for v in values if info.min <= v <= info.max]
    x = np.resize(np.array(values, dtype=index_dtype), (2, 6))
    check_exact("one_hot", x, one_hot_attrs(5, axis))


@pytest.mark.parametrize("dtype,on,off", [
    ("float32", 1.0, 0.0), ("float32", 2.5, -1.0), ("float64", -0.0, 7.25), ("int32", 3, -2),
    ("int64", 1, 0), ("uint8", 255, 1), ("int8", -128, 127), ("bool", 1, 0), ("bool", 0, 1),
    ("float32", 5.0, 5.0)])
def test_one_hot_on_off_values_and_output_dtypes(dtype, on, off):
    x = np.array([[0, 3, -1], [2, 9, 1]], dtype=np.int32)
    for axis in (-1, 0, 1):
        check_exact("one_hot", x, one_hot_attrs(4, axis, on, off, dtype))


def test_one_hot_scalar_and_empty_indices_and_depth_one():
    check_exact("one_hot", np.array(2, np.int32), one_hot_attrs(3))
    check_exact("one_hot", np.array(2, np.int32), one_hot_attrs(3, axis=0))
    check_exact("one_hot", np.zeros((0,), np.int64), one_hot_attrs(3))
    check_exact("one_hot", np.zeros((2, 0), np.int32), one_hot_attrs(3, axis=1))
    check_exact("one_hot", np.array([0, 1, -1], np.int32), one_hot_attrs(1))


def test_one_hot_with_unknown_dims_runs_on_the_shapes_fed():
    g = build("one_hot", np.zeros((3, 2), np.int32), one_hot_attrs(4, axis=1), static=False)
    new, stats = expand_index_ops.run(g)
    assert stats["one_hot"] == 1
    ex = CompiledExecutable(g, g.outputs, g.inputs)
    for shape in ((3, 2), (5, 1), (0, 4)):
        x = np.arange(np.prod(shape), dtype=np.int32).reshape(shape) % 6 - 1
        want = expected("one_hot", x, one_hot_attrs(4, axis=1))
        assert_identical(ex.run([x])[0], want)
        assert_kernels(ex)
        assert_identical(reference_run(new, [x])[0], want)


def test_one_hot_awkward_cases_are_left_alone():
    x = np.array([1, 2], np.int8)
    check_exact("one_hot", x, one_hot_attrs(0), rewritten=False)          # depth 0
    check_exact("one_hot", x, one_hot_attrs(200), rewritten=False)        # iota beyond int8
    check_exact("one_hot", x.astype(np.uint8), one_hot_attrs(256), rewritten=True)  # just fits
    g = build("one_hot", x, one_hot_attrs(3, dtype="float16"))             # no float16 kernels
    assert expand_index_ops.run(g, unsupported_dtypes=("float16",))[1]["one_hot"] == 0


# -- argmax / argmin ------------------------------------------------------------------------------

NAN, INF = np.nan, np.inf
SPECIAL_ROWS = [
    [1.0, 3.0, 3.0, 0.0, 3.0],          # ties: the first wins
    [2.0, 2.0, 2.0, 2.0, 2.0],          # all equal
    [1.0, NAN, 5.0, NAN, -1.0],         # NaN: the first NaN, for argmax and argmin
    [NAN, NAN, NAN, NAN, NAN],
    [INF, 1.0, INF, -INF, -INF],        # infinities, tied
    [-INF, -INF, -INF, -INF, -INF],
    [INF, INF, INF, INF, INF],
    [0.0, -0.0, 0.0, -0.0, 1e-45],      # signed zeros compare equal; a float32 subnormal
    [-3.0, NAN, INF, -INF, 0.5],
    [4.0, -2.0, 7.5, 7.5, -2.0],
]


@pytest.mark.parametrize("op_name", ["argmax", "argmin"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("transposed", [False, True])
@pytest.mark.parametrize("output_type", ["int64", "int32"])
def test_arg_float_nan_inf_ties(op_name, dtype, transposed, output_type):
    x = np.array(SPECIAL_ROWS, dtype=dtype)
    if transposed:  # reduce over the leading axis
        x = np.ascontiguousarray(x.T)
    axis = 0 if transposed else 1
    check_exact(op_name, x, {"axis": axis, "output_type": output_type})


@pytest.mark.parametrize("op_name", ["argmax", "argmin"])
@pytest.mark.parametrize("dtype", ["int8", "int16", "int32", "uint8"])
def test_arg_small_integers_compare_exactly_as_float64(op_name, dtype):
    info = np.iinfo(dtype)
    x = np.array([[info.min, info.max, info.max, 0, info.min],
                  [info.max - 1, info.max, 1, info.max, 0],
                  [3, 3, 3, 3, 3],
                  [info.min + 1, info.min, info.min, 5, info.min]], dtype=dtype)
    for axis in (0, 1):
        check_exact(op_name, x, {"axis": axis, "output_type": "int64"})


@pytest.mark.parametrize("shape,axis", [((7,), 0), ((1, 9), 1), ((9, 1), 1), ((1, 9), 0),
                                        ((3, 4, 6), 2), ((6, 4, 3), 0), ((4, 300), 1)])
def test_arg_random_shapes_with_many_ties(shape, axis):
    rng = np.random.default_rng(sum(shape) + axis)
    x = rng.integers(-3, 3, size=shape).astype(np.float32)  # few distinct values: ties
    x[rng.random(shape) < 0.05] = np.nan
    for op_name in ("argmax", "argmin"):
        check_exact(op_name, x, {"axis": axis, "output_type": "int64"})


def test_arg_with_unknown_batch_dim():
    x = np.array(SPECIAL_ROWS, np.float32)
    g = build("argmax", x, {"axis": 1, "output_type": "int64"}, static=False)
    assert expand_index_ops.run(g)[1]["argmax"] == 0  # the reduced length must be known
    g = tf.Graph()
    with g.as_default():
        p = tf1.placeholder(tf.float32, [None, 5], name="x")
        out = tf.argmax(p, axis=1)
    g.inputs, g.outputs = [p], [out]
    assert expand_index_ops.run(g)[1]["argmax"] == 1
    ex = CompiledExecutable(g, g.outputs, g.inputs)
    for rows in (x, x[:3], x[:0]):
        assert_identical(ex.run([rows])[0], np.argmax(rows, axis=1))
        assert_kernels(ex)


def test_arg_awkward_cases_are_left_alone():
    attrs = {"axis": 1, "output_type": "int64"}
    check_exact("argmax", np.array([[2**62, 2**62 + 1]], np.int64), attrs, rewritten=False)
    check_exact("argmin", np.zeros((2, 3, 4), np.float32), attrs, rewritten=False)  # middle axis
    check_exact("argmax", np.zeros((3, 300), np.float32), {"axis": 1, "output_type": "uint8"},
                rewritten=False)  # index 299 does not fit the output type
    check_exact("argmax", np.zeros((3, 256), np.float32), {"axis": 1, "output_type": "uint8"})
    g = build("argmax", np.zeros((2, 0), np.float32), attrs)  # empty axis: the op's error stays
    assert expand_index_ops.run(g)[1]["argmax"] == 0
    g = build("argmax", np.zeros((2, 3), np.float16), attrs)
    assert expand_index_ops.run(g, unsupported_dtypes=("float16",))[1]["argmax"] == 0


# -- structure, fusion and the switch ------------------------------------------------------------

def mnist_like_step():
    """The loss and accuracy of a softmax classifier, as a training step computes them."""
    g = tf.Graph()
    with g.as_default():
        logits = tf1.placeholder(tf.float32, [8, 10], name="logits")
        labels = tf1.placeholder(tf.int32, [8], name="labels")
        probs = tf.nn.softmax(logits)
        hot = tf.one_hot(labels, 10)
        loss = -tf.reduce_sum(hot * tf.math.log(probs), axis=-1)
        right = tf.cast(tf.equal(tf.cast(tf.argmax(probs, axis=-1), tf.int32), labels),
                        tf.float32)
        accuracy = tf.reduce_sum(right)
    g.inputs, g.outputs = [logits, labels], [loss, accuracy]
    return g


def test_index_ops_become_elementwise_and_reductions():
    g = mnist_like_step()
    new, stats = expand_index_ops.run(g)
    assert stats == {"one_hot": 1, "argmax": 1, "argmin": 0}
    kinds = {n.type: n.kind for n in new.nodes}
    assert not set(INDEX_OPS) & set(kinds)
    assert kinds["equal"] == kinds["where"] == kinds["logical_or"] == "broadcast"
    assert kinds["is_nan"] == "elementwise"
    assert kinds["reduce_min"] == "reduction"
    assert [n.type for n in g.nodes].count("one_hot") == 1  # the input graph is untouched


def test_after_the_full_pipeline_the_pieces_are_fused_kernels():
    g = mnist_like_step()
    prepared = with_interface(g, g.inputs, g.outputs, [])
    new, reports = pipeline.optimize(prepared, {"verify_after_each_pass": True})
    names = [r.name for r in reports]
    assert names.index("expand_index_ops") > names.index("cse")
    assert names.index("expand_index_ops") < names.index("fuse_epilogue")
    loose = [n.type for n in new.nodes if n.type not in ("placeholder", "const", "fused")]
    # Only the indices' new axis (a view) stays outside kernels; the softmax's division and
    # the loss's negation are single ops of the graph itself, left alone by fusion.
    assert sorted(loose) == ["expand_dims", "negative", "truediv"], loose
    bodies = [c.ops for c in (n.attrs["cluster"] for n in new.nodes if n.type == "fused")]
    # one_hot's compare and select join the loss's kernel ...
    assert any({"equal", "where", "multiply"} <= set(ops) for ops in bodies), bodies
    # ... argmax's select joins a min-reduction kernel and its cast the accuracy's sum.
    assert ["equal", "is_nan", "logical_or", "where", "reduce_min"] in bodies, bodies
    assert any(ops[0] == "cast" and ops[-1] == "reduce_sum" for ops in bodies), bodies

    logits = np.random.default_rng(0).standard_normal((8, 10)).astype(np.float32)
    logits[3, 4] = logits[3, 7] = 9.0  # a tie
    labels = np.array([0, 9, -1, 4, 10, 3, 3, 7], np.int32)
    want = reference_run(g, [logits, labels])
    ex = CompiledExecutable(g, g.outputs, g.inputs)
    got = ex.run([logits, labels])
    np.testing.assert_allclose(got[0], want[0], rtol=1e-6)
    assert got[1] == want[1]
    assert_kernels(ex)


def test_the_pass_switches_off_by_name():
    g = mnist_like_step()
    prepared = with_interface(g, g.inputs, g.outputs, [])
    new, reports = pipeline.optimize(prepared, {"expand_index_ops": False})
    assert "expand_index_ops" not in [r.name for r in reports]
    assert {"one_hot", "argmax"} <= {n.type for n in new.nodes}

    def f(labels, scores):
        return tf.one_hot(labels, 3), tf.argmin(scores, axis=1)
    args = (tf.constant([2, 0]), tf.constant([[1.0, 0.0, 0.0], [2.0, 2.0, 3.0]]))
    tf.config.optimizer.set_experimental_options({"expand_index_ops": False})
    try:
        off = tf.function(f)
        off(*args)
        assert "one_hot" in off.explain() and "argmin" in off.explain()
    finally:
        tf.config.optimizer.set_experimental_options({"expand_index_ops": True})
    on = tf.function(f)
    hot, low = on(*args)
    np.testing.assert_array_equal(hot.numpy(), [[0, 0, 1], [1, 0, 0]])
    np.testing.assert_array_equal(low.numpy(), [1, 0])
    explained = on.explain()
    assert "expand_index_ops" in explained and "reduce_min" in explained


# -- the CUDA target lowers the rewritten graph --------------------------------------------------

@pytest.mark.parametrize("op_name,x,attrs", [
    ("one_hot", np.array([[0, 3, -1], [2, 9, 1]], np.int32), one_hot_attrs(4, 1, 2.0, -1.0)),
    ("one_hot", np.array([1, 0, 5], np.uint8), one_hot_attrs(3)),
    ("argmax", np.array(SPECIAL_ROWS, np.float32), {"axis": 1, "output_type": "int64"}),
    ("argmin", np.array(SPECIAL_ROWS, np.float64).T.copy(), {"axis": 0, "output_type": "int32"}),
    ("argmax", np.array([[-128, 127, 127], [5, -3, 5]], np.int8),
     {"axis": 1, "output_type": "int64"}),
])
def test_cuda_target_runs_the_rewritten_graph_on_the_device(op_name, x, attrs):
    from graphflow.compiler.lower_cuda import CudaExecutable
    g = build(op_name, x, attrs)
    ex = CudaExecutable(g, g.outputs, g.inputs)
    assert op_name not in [n.type for n in ex.graph.nodes]
    (got,) = ex.run([x])
    assert_identical(np.asarray(got.copy_to_host() if hasattr(got, "copy_to_host") else got),
                     expected(op_name, x, attrs))
    assert not ex.last_plan.host_ops, ex.last_plan.host_ops
