"""graphflow.function: tracing, the signature cache, retrace explanations, variables, tapes."""
import logging

import numpy as np
import pytest

import graphflow as tf
from graphflow.errors import InvalidArgumentError


def test_decorator_forms():
    def f(x):
        return x + 1.0

    assert float(tf.function(f)(tf.constant(1.0))) == 2.0
    assert float(tf.function()(f)(tf.constant(1.0))) == 2.0
    g = tf.function(f, reduce_retracing=True, jit_compile=True)
    assert float(g(tf.constant(1.0))) == 2.0


def test_python_control_flow_runs_at_trace_time():
    calls = []

    @tf.function
    def f(x, n):
        calls.append(n)
        for _ in range(n):
            x = x * 2.0
        return x

    assert float(f(tf.constant(1.0), 3)) == 8.0
    assert float(f(tf.constant(5.0), 3)) == 40.0
    assert calls == [3]  # traced once; the second call reused the graph
    assert float(f(tf.constant(1.0), 2)) == 4.0
    assert calls == [3, 2]


def test_tracing_count_and_retrace_explanations():
    @tf.function
    def f(x):
        return x + x

    f(tf.constant([1.0, 2.0, 3.0, 4.0]))
    f(tf.constant([5.0, 6.0, 7.0, 8.0]))
    assert f.experimental_get_tracing_count() == 1
    f(tf.constant([1.0, 2.0, 3.0, 4.0, 5.0]))
    assert f.experimental_get_tracing_count() == 2
    assert f.retrace_explanations == ["x: shape (4,) -> (5,)"]
    f(tf.constant([1, 2, 3, 4, 5]))
    assert f.last_retrace_explanation == "x: dtype float32 -> int32"


def test_python_values_are_keyed_by_value_and_explained():
    @tf.function
    def f(x, scale):
        return x * scale

    f(tf.constant(1.0), 2.0)
    f(tf.constant(1.0), 2.0)
    assert f.experimental_get_tracing_count() == 1
    f(tf.constant(1.0), 3.0)
    assert f.experimental_get_tracing_count() == 2
    assert "scale: Python value 2.0 -> 3.0" in f.last_retrace_explanation


def test_structures_in_the_cache_key():
    @tf.function
    def f(pair, config):
        return pair[0] + pair[1] * config["k"]

    x = tf.constant(1.0)
    assert float(f([x, x], {"k": 2.0})) == 3.0
    assert float(f([x, x], {"k": 2.0})) == 3.0
    assert f.experimental_get_tracing_count() == 1
    assert float(f((x, x), {"k": 2.0})) == 3.0  # tuple vs list: a new structure
    assert f.experimental_get_tracing_count() == 2


def test_frequent_retracing_is_logged(caplog):
    @tf.function
    def f(x):
        return x + 1.0

    with caplog.at_level(logging.WARNING, logger="graphflow"):
        for n in range(1, 7):
            f(tf.zeros(n))
    assert any("traced" in r.message and "shape (4,) -> (5,)" in r.message for r in caplog.records)


def test_reduce_retracing_relaxes_dims():
    @tf.function(reduce_retracing=True)
    def f(x):
        return tf.reduce_sum(x)

    for n in (2, 3, 4, 5, 6):
        assert float(f(tf.ones(n))) == n
    assert f.experimental_get_tracing_count() == 2
    concrete = f.get_concrete_function(tf.ones(7))
    assert concrete.inputs[0].shape.as_list() == [None]


def test_input_signature_enforced():
    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    def f(x):
        return x * 2.0

    np.testing.assert_allclose(f(tf.constant([1.0, 2.0])).numpy(), [2.0, 4.0])
    np.testing.assert_allclose(f([1.0, 2.0, 3.0]).numpy(), [2.0, 4.0, 6.0])
    assert f.experimental_get_tracing_count() == 1
    # TF raises TypeError for a call that does not fit the signature
    with pytest.raises(TypeError, match="int32.*input_signature"):
        f(tf.constant([1, 2]))
    with pytest.raises(TypeError, match=r"shape \(2, 2\).*input_signature"):
        f(tf.ones((2, 2)))
    with pytest.raises(TypeError, match="f: Binding inputs to tf.function failed due to "
                                        "`too many positional arguments`"):
        f(tf.ones(2), tf.ones(2))


def test_variables_captured_by_reference():
    v = tf.Variable(2.0)

    @tf.function
    def f(x):
        return x * v

    assert float(f(tf.constant(3.0))) == 6.0
    v.assign(10.0)
    assert float(f(tf.constant(3.0))) == 30.0
    assert f.experimental_get_tracing_count() == 1


def test_assigns_run_in_program_order():
    v = tf.Variable(1.0)

    @tf.function
    def f():
        a = v.read_value()
        v.assign(v * 3.0)
        v.assign_add(1.0)
        b = v.read_value()
        v.assign_sub(0.5)
        return a, b

    a, b = f()
    assert float(a) == 1.0 and float(b) == 4.0 and float(v) == 3.5
    a, b = f()
    assert float(a) == 3.5 and float(b) == 11.5 and float(v) == 11.0


def test_variable_reads_share_steps_and_keep_program_order():
    # Reads before any assign of their variable run as the plan's first step; later adjacent
    # reads share a step. Values must be as if every read ran where the program put it.
    u, v, w = tf.Variable(1.0), tf.Variable(2.0), tf.Variable(0.0)

    @tf.function
    def f():
        a = u.read_value() + v.read_value()
        u.assign_add(10.0)
        w.assign(w + u.read_value() * v.read_value())
        return a, u.read_value(), w.read_value()

    assert [float(t) for t in f()] == [3.0, 11.0, 22.0]
    assert [float(t) for t in f()] == [13.0, 21.0, 64.0]
    plan = f.get_concrete_function()._executable.last_plan
    read_steps = [s.reads for s in plan.steps if hasattr(s, "reads")]
    assert hasattr(plan.steps[0], "reads")
    assert sum(len(r) for r in read_steps) == sum(
        n.type == "read_variable" for n in plan.graph.nodes)
    assert len(read_steps) < sum(n.type == "read_variable" for n in plan.graph.nodes)
    assert "  step 0: read 4 variables" in f.get_concrete_function().explain()


def test_plans_for_unknown_dims_are_optimized_for_the_concrete_shapes():
    # A relaxed signature leaves the batch dim unknown; each plan is made from the graph
    # specialized to the call's shapes, so it is as fused as a trace with static shapes.
    def body(x, w):
        return tf.nn.softmax(tf.nn.relu(tf.matmul(x, w) + 1.0)) * 2.0

    w = tf.constant(np.random.default_rng(0).standard_normal((8, 4)).astype(np.float32))
    relaxed = tf.function(body, input_signature=[tf.TensorSpec([None, 8], tf.float32),
                                                 tf.TensorSpec([8, 4], tf.float32)])
    static = tf.function(body)
    for n in (3, 5):
        x = np.random.default_rng(n).standard_normal((n, 8)).astype(np.float32)
        np.testing.assert_allclose(relaxed(x, w).numpy(), body(tf.constant(x), w).numpy(),
                                   rtol=1e-6)
        plan = relaxed.get_concrete_function()._executable.last_plan
        assert [t.shape.as_list() for t in plan.graph.inputs] == [[n, 8], [8, 4]]
        static(x, w)
        static_plan = static.get_concrete_function(x, w)._executable.last_plan
        assert len(plan.steps) == len(static_plan.steps)
        assert len(plan.kernels) == len(static_plan.kernels) > 0
    assert relaxed.get_concrete_function()._executable.graph.inputs[0].shape.as_list() == [None, 8]


def test_float16_clusters_run_on_the_reference_interpreter():
    # Numba's CPU target has no float16: fused float16 clusters (an epilogue, an elementwise
    # chain) run through NumPy instead of failing to compile, and say so in explain().
    def body(x, w):
        return tf.nn.relu(tf.matmul(x, w) + 1.0) * tf.exp(x * 0.5 - 1.0)

    x = tf.constant(np.linspace(-2, 2, 6, dtype=np.float16).reshape(3, 2))
    w = tf.constant(np.full((2, 2), 0.5, np.float16))
    f = tf.function(body)
    result = f(x, w)
    assert result.dtype == tf.float16
    np.testing.assert_array_equal(result.numpy(), body(x, w).numpy())
    assert "cannot use float16; ran on the reference interpreter" in \
        f.get_concrete_function(x, w).explain()


def test_seed_linear_regression_matches_eager():
    xs = tf.constant([1.0, 3.0, 5.0, 7.0])
    ys = tf.constant([2.0, 3.0, 4.0, 5.0])
    results = {}
    for mode in ("eager", "function"):
        w, b = tf.Variable(1.0), tf.Variable(0.5)

        def train_step(x, y):
            with tf.GradientTape() as tape:
                loss = (w * x + b - y) ** 2
            gw, gb = tape.gradient(loss, [w, b])
            w.assign_sub(0.01 * gw)
            b.assign_sub(0.01 * gb)

        step = tf.function(train_step) if mode == "function" else train_step
        for _ in range(1000):
            for k in range(4):
                step(xs[k], ys[k])
        results[mode] = (float(w), float(b))
        if mode == "function":
            assert step.experimental_get_tracing_count() == 1
    assert results["function"] == pytest.approx((0.5, 1.5), abs=1e-3)
    assert results["function"] == pytest.approx(results["eager"], abs=1e-6)


def test_functions_calling_functions_and_nested_returns():
    @tf.function
    def inner(x):
        return x * 2.0

    @tf.function
    def outer(x):
        y = inner(x)
        return {"y": y, "pair": (y + 1.0, None), "label": "done", "n": 3}

    out = outer(tf.constant(2.0))
    assert float(out["y"]) == 4.0 and float(out["pair"][0]) == 5.0
    assert out["pair"][1] is None and out["label"] == "done" and out["n"] == 3


def test_returning_none_and_variables():
    v = tf.Variable(5.0)

    @tf.function
    def f():
        v.assign_add(1.0)

    @tf.function
    def g():
        return v

    assert f() is None and float(v) == 6.0
    assert float(g()) == 6.0


def test_tape_outside_a_function_differentiates_through_it():
    w = tf.Variable(3.0)

    @tf.function
    def f(x):
        return w * x * x

    x = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    gw, gx = tape.gradient(y, [w, x])
    assert float(gw) == 4.0 and float(gx) == 12.0


def test_get_concrete_function_and_graph():
    @tf.function
    def f(x, y):
        return tf.matmul(x, y)

    concrete = f.get_concrete_function(tf.TensorSpec([None, 3]), tf.TensorSpec([3, 2]))
    assert concrete.outputs[0].shape.as_list() == [None, 2]
    assert "matmul" in str(concrete.graph)
    out = concrete(tf.ones((4, 3)), tf.ones((3, 2)))
    np.testing.assert_allclose(out.numpy(), np.full((4, 2), 3.0))
    with pytest.raises(InvalidArgumentError, match="shape"):
        concrete(tf.ones((4, 2)), tf.ones((3, 2)))


def test_methods_bind_per_instance():
    class Model:
        def __init__(self, k):
            self.k = tf.Variable(k)

        @tf.function
        def __call__(self, x):
            return x * self.k

    a, b = Model(2.0), Model(3.0)
    assert float(a(tf.constant(1.0))) == 2.0
    assert float(b(tf.constant(1.0))) == 3.0


def test_numpy_arguments_are_tensors():
    @tf.function
    def f(x):
        return x + 1

    np.testing.assert_array_equal(f(np.array([1, 2], np.int32)).numpy(), [2, 3])
    f(np.array([5, 6], np.int32))
    assert f.experimental_get_tracing_count() == 1


def test_graph_errors_name_the_node():
    @tf.function
    def f(x, y):
        return x + y

    with pytest.raises(InvalidArgumentError, match=r"Node 'add'.*\(2,\).*\(3,\)"):
        f(tf.ones(2), tf.ones(3))


def test_creating_a_variable_from_a_traced_value_raises():
    @tf.function
    def f(x):
        return tf.Variable(x * 2.0)

    with pytest.raises(InvalidArgumentError, match="symbolic"):
        f(tf.constant(1.0))


# -- variables created while tracing, as TF rules (checked against TF 2.21) ----------------------

def test_a_variable_created_on_every_call_raises_tfs_error():
    @tf.function
    def f(x):
        return tf.Variable(1.0) + x

    with pytest.raises(ValueError, match="only supports singleton tf.Variables created on the first"):
        f(tf.constant(1.0))


def test_a_variable_created_once_is_kept_and_the_first_call_traces_twice():
    traces = []

    class Scale(tf.Module):
        def __init__(self):
            self.v = None

        @tf.function
        def __call__(self, x):
            traces.append(x.shape)
            if self.v is None:
                self.v = tf.Variable(2.0)
            return self.v * x

    m = Scale()
    assert float(m(tf.constant(3.0))) == 6.0
    assert m.__call__.experimental_get_tracing_count() == 2  # as TF: the check is a second trace
    v = m.v
    np.testing.assert_allclose(m(tf.constant([1.0, 2.0])).numpy(), [2.0, 4.0])
    assert m.v is v and m.__call__.experimental_get_tracing_count() == 3
    assert len(traces) == 3


def test_creating_variables_on_a_later_trace_raises():
    calls = [0]

    @tf.function
    def f(x):
        calls[0] += 1
        if calls[0] == 2:
            tf.Variable(1.0)
        return x * 2.0

    f(tf.constant(1.0))
    with pytest.raises(ValueError, match="Creating variables on a non-first call"):
        f(tf.constant([1.0, 2.0]))


def test_variables_created_under_init_scope_are_ruled_too():
    @tf.function
    def f(x):
        with tf.init_scope():
            v = tf.Variable(3.0)
        return v * x

    with pytest.raises(ValueError, match="singleton"):
        f(tf.constant(1.0))


def test_functions_creating_no_variables_trace_once():
    @tf.function
    def f(x):
        return x + 1.0

    f(tf.constant(1.0))
    assert f.experimental_get_tracing_count() == 1


def test_python_return_values_become_tensors_as_in_tf():
    cases = [(lambda x: 2.0, "float32"), (lambda x: 3, "int32"), (lambda x: True, "bool"),
             (lambda x: "s", "string"), (lambda x: np.ones(2), "float64")]
    for fn, dtype in cases:
        out = tf.function(fn)(tf.constant(1.0))
        assert isinstance(out, tf.Tensor) and out.dtype.name == dtype, (out, dtype)
    out = tf.function(lambda x: {"a": [1, 2], "b": None, "c": x})(tf.constant(1.0))
    assert [int(t) for t in out["a"]] == [1, 2] and out["b"] is None
    assert float(out["c"]) == 1.0


def test_returning_another_python_object_raises_tfs_type_error():
    with pytest.raises(TypeError, match="must return zero or more Tensors .* found return value "
                                        "of type <class 'type'>"):
        tf.function(lambda x: object)(tf.constant(1.0))


def test_next_of_a_dataset_iterator_argument_runs_in_the_graph():
    # the tf.function guide / tf.distribute loops: next(iterator) in a traced step
    ds = tf.data.Dataset.from_tensor_slices(({"a": np.arange(5.0, dtype="float32")},
                                             np.arange(5))).batch(2)
    it = iter(ds)

    @tf.function
    def step(iterator):
        x, y = next(iterator)
        return x["a"] * 2.0, y
    outs = [step(it) for _ in range(3)]
    assert [o[0].numpy().tolist() for o in outs] == [[0.0, 2.0], [4.0, 6.0], [8.0]]
    assert [o[1].numpy().tolist() for o in outs] == [[0, 1], [2, 3], [4]]
    with pytest.raises(tf.errors.OutOfRangeError):
        step(it)
    assert step.experimental_get_tracing_count() == 1
    two = tf.function(lambda iterator: next(iterator) + next(iterator))
    assert int(two(iter(tf.data.Dataset.range(3)))) == 1


def test_pretty_printed_signatures_and_structured_input_signature_as_tf():
    v = tf.Variable(2.0)

    @tf.function
    def f(x, pair, d, flag=True, *, k=None):
        return {"a": x * v, "b": [x, 1]}
    c = f.get_concrete_function(tf.constant(1.0), (tf.constant([1]), 2),
                                {"b": tf.constant("s"), "a": 1.5}, k=tf.constant(2))
    spec = tf.TensorSpec
    assert c.structured_input_signature == (
        (spec((), tf.float32, "x"), (spec((1,), tf.int32, "pair_0"), 2),
         {"b": spec((), tf.string, "d_b"), "a": 1.5}, True), {"k": spec((), tf.int32, "k")})
    text = f.pretty_printed_concrete_signatures()   # TF 2.21's text, captures' ids aside
    assert text.splitlines()[:5] == [
        "Input Parameters:",
        "  x (POSITIONAL_OR_KEYWORD): TensorSpec(shape=(), dtype=tf.float32, name=None)",
        "  pair (POSITIONAL_OR_KEYWORD): Tuple[TensorSpec(shape=(1,), dtype=tf.int32, "
        "name=None), Literal[2]]",
        "  d (POSITIONAL_OR_KEYWORD): Dict[['b', TensorSpec(shape=(), dtype=tf.string, "
        "name=None)], ['a', Literal[1.5]]]",
        "  flag (POSITIONAL_OR_KEYWORD): Literal[True]"]
    assert "Output Type:\n  Dict[['a', TensorSpec(shape=(), dtype=tf.float32, name=None)], " \
           "['b', List[TensorSpec(shape=(), dtype=tf.float32, name=None), TensorSpec(shape=(), " \
           "dtype=tf.int32, name=None)]]]\nCaptures:\n  " in text
    assert text.endswith(": TensorSpec(shape=(), dtype=tf.resource, name=None)")
    g = tf.function(lambda x, *args: x)
    g(tf.constant([1, 2]), 3)
    assert g.pretty_printed_concrete_signatures(verbose=False) == (
        "(x: TensorSpec(shape=(2,), dtype=tf.int32, name=None), args[0]: Literal[3], /) -> "
        "TensorSpec(shape=(2,), dtype=tf.int32, name=None)")
    sig = tf.function(lambda x: x, input_signature=[tf.TensorSpec([None], name="inp")])
    assert "x (POSITIONAL_OR_KEYWORD): TensorSpec(shape=(None,), dtype=tf.float32, name='inp')" \
        in sig.pretty_printed_concrete_signatures()
    assert tf.function(lambda x: x).pretty_printed_concrete_signatures() == ""
    nodes = c.graph.as_graph_def().node
    assert nodes[0].name == "x" and nodes[0].input == [] and all(n.op for n in nodes)


def test_distributed_iterators_and_datasets_are_read_when_the_function_runs():
    strategy = tf.distribute.MirroredStrategy()
    dist = strategy.experimental_distribute_dataset(tf.data.Dataset.range(6).batch(2))
    it = iter(dist)
    step = tf.function(lambda iterator: strategy.run(lambda x: x * 10, args=(next(iterator),)))
    assert [step(it).numpy().tolist() for _ in range(3)] == [[0, 10], [20, 30], [40, 50]]

    @tf.function
    def epoch(dataset):
        total = tf.constant(0, tf.int64)
        for x in dataset:  # staged: the dataset is read afresh on each call
            total += tf.reduce_sum(x)
        return total
    assert int(epoch(dist)) == int(epoch(dist)) == 15
    # an iterator made while tracing is read while tracing (it cannot outlive the trace)
    inner = tf.function(lambda: next(iter(tf.data.Dataset.range(3))) + 1)
    assert int(inner()) == 1
