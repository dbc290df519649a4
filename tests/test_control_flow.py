"""tf.cond, tf.switch_case and tf.case: eagerly, in graphflow.function (reference interpreter and
compiled) and in compat.v1 Sessions; errors as TF words them; variables, effects and their
order; gradients (first and second order); how explain() and plot_graph show the branches."""
import io
import threading

import numpy as np
import pytest

import graphflow as tf
from graphflow.errors import InvalidArgumentError, InvalidTypeError
from control_flow_cases import assert_modes, run_modes


def _f32(*values):
    return [np.asarray(v, np.float32) for v in values]


# -- values ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("x", [[1.0, 2.0], [-3.0, 1.0]])
def test_cond_picks_the_branch_every_way_it_runs(x):
    def f(x):
        return tf.cond(tf.reduce_sum(x) > 0, lambda: x * 2.0, lambda: -x)
    x = np.asarray(x, np.float32)
    assert_modes(f, [x], x * 2 if x.sum() > 0 else -x)


def test_cond_structures_python_values_and_passthrough():
    def f(x, y):
        return tf.cond(x[0] < y[0],
                       lambda: {"a": (x + y, 1.0), "b": [y]},
                       lambda: {"a": (x - y, 2.0), "b": [x]})
    x, y = _f32([1.0, 2.0], [3.0, 0.5])
    assert_modes(f, [x, y], {"a": (x + y, np.float32(1.0)), "b": [y]})
    assert_modes(f, [y, x], {"a": (y - x, np.float32(2.0)), "b": [y]})


def test_branches_may_differ_in_shape():
    """As in TF 2: the result's static shape has None where the branches differ."""
    @tf.function
    def f(p):
        return tf.cond(p, lambda: tf.ones([2]), lambda: tf.zeros([3]))
    concrete = f.get_concrete_function(tf.constant(True))
    assert concrete.outputs[0].shape.as_list() == [None]
    np.testing.assert_array_equal(f(tf.constant(True)).numpy(), np.ones(2))
    np.testing.assert_array_equal(f(tf.constant(False)).numpy(), np.zeros(3))
    ranks = tf.function(lambda p: tf.cond(p, lambda: tf.ones([1, 1]), lambda: tf.ones([2])))
    assert ranks.get_concrete_function(tf.constant(True)).outputs[0].shape.rank is None


def test_nested_cond_captures_through_both_bodies():
    def f(x, y):
        return tf.cond(x > 0, lambda: tf.cond(y > 0, lambda: x * y, lambda: x - y), lambda: y)
    for x, y in [(2.0, 3.0), (2.0, -3.0), (-1.0, 5.0)]:
        want = (x * y if y > 0 else x - y) if x > 0 else y
        assert_modes(f, _f32(x, y), np.float32(want))


def test_only_the_taken_branch_runs():
    out = io.StringIO()

    @tf.function
    def f(p):
        return tf.cond(p, lambda: tf.identity(1.0),
                       lambda: (tf.print("false ran", output_stream=out),
                                tf.debugging.Assert(False, ["never"]), tf.identity(2.0))[-1])
    assert float(f(tf.constant(True))) == 1.0 and out.getvalue() == ""
    with pytest.raises(InvalidArgumentError, match=r"assertion failed: \[never\]"):
        f(tf.constant(False))
    assert out.getvalue() == "false ran\n"


def test_cond_eagerly_runs_python_and_accepts_python_bools():
    calls = []
    assert tf.cond(True, lambda: calls.append("t") or 1, lambda: calls.append("f") or 2) == 1
    assert calls == ["t"]
    assert int(tf.cond(tf.constant(0), lambda: 1, lambda: tf.constant(2))) == 2


# -- errors ---------------------------------------------------------------------------------------

def _trace(fn, *specs):
    return tf.function(fn).get_concrete_function(*specs)


def test_errors_name_the_op_and_both_structures():
    b = tf.TensorSpec([], tf.bool)
    with pytest.raises(InvalidTypeError, match="true_fn and false_fn arguments to tf.cond "
                       "must have the same number, type, and overall structure") as e:
        _trace(lambda p: tf.cond(p, lambda: (1.0, 2.0), lambda: 1.0), b)
    assert "true_fn output" in str(e.value) and "false_fn output" in str(e.value)
    with pytest.raises(InvalidTypeError, match="have different types"):
        _trace(lambda p: tf.cond(p, lambda: tf.constant(1.0), lambda: tf.constant(1)), b)
    with pytest.raises(InvalidTypeError, match="don't have the same nested structure"):
        _trace(lambda p: tf.cond(p, lambda: [1.0], lambda: (1.0,)), b)
    with pytest.raises(InvalidTypeError, match="don't have the same nested structure"):
        _trace(lambda p: tf.cond(p, lambda: {"a": 1.0}, lambda: {"b": 1.0}), b)
    with pytest.raises(InvalidTypeError, match="'true_fn' must be callable"):
        tf.cond(tf.constant(True), 1, lambda: 2)


def test_predicate_errors():
    with pytest.raises(InvalidArgumentError, match="Input 'pred' passed float32 expected bool"):
        _trace(lambda x: tf.cond(x, lambda: 1.0, lambda: 2.0), tf.TensorSpec([], tf.float32))
    with pytest.raises(InvalidArgumentError, match=r"pred must be a scalar, but it has shape \[2\]"):
        _trace(lambda p: tf.cond(p, lambda: 1.0, lambda: 2.0), tf.TensorSpec([2], tf.bool))
    with pytest.raises(InvalidTypeError, match="must not be a Python bool"):
        _trace(lambda: tf.cond(True, lambda: 1.0, lambda: 2.0))
    with pytest.raises(InvalidArgumentError, match="pred must be a scalar"):
        tf.cond(tf.constant([True, False]), lambda: 1, lambda: 2)
    # unknown rank: checked when the graph runs
    f = tf.function(lambda p: tf.cond(p, lambda: 1.0, lambda: 2.0),
                    input_signature=[tf.TensorSpec(None, tf.bool)])
    assert float(f(tf.constant(False))) == 2.0
    with pytest.raises(InvalidArgumentError, match=r"pred must be a scalar, but it has shape \[2\]"):
        f(tf.constant([True, True]))


# -- switch_case and case ---------------------------------------------------------------------------

@pytest.mark.parametrize("index,want", [(0, 10.0), (1, 20.0), (2, 30.0), (3, 30.0), (-1, 30.0)])
def test_switch_case_out_of_range_takes_the_last_branch(index, want):
    def f(i, x):
        return tf.switch_case(i, [lambda: x * 10.0, lambda: x * 20.0, lambda: x * 30.0])
    assert_modes(f, [np.int32(index), np.float32(1.0)], np.float32(want))


def test_switch_case_default_pairs_dicts_and_int64():
    fns = {1: lambda: tf.constant(2), 0: lambda: tf.constant(1)}
    assert int(tf.switch_case(tf.constant(1), fns)) == 2
    assert int(tf.switch_case(tf.constant(9, tf.int64), fns, default=lambda: tf.constant(-5))) == -5
    f = tf.function(lambda i: tf.switch_case(i, [(0, lambda: tf.constant(1)),
                                                (1, lambda: tf.constant(2))],
                                             default=lambda: tf.constant(-5)))
    assert [int(f(tf.constant(k, tf.int64))) for k in (0, 1, 2)] == [1, 2, -5]
    with pytest.raises(InvalidArgumentError, match=r"contiguous range of \[0 to 2\) but found \{0,2\}"):
        tf.switch_case(tf.constant(0), [(0, lambda: 1), (2, lambda: 2)])
    with pytest.raises(InvalidTypeError, match="'branch_index' must be a Tensor"):
        tf.switch_case(1, [lambda: 1])
    with pytest.raises(InvalidTypeError, match="must be an integer Tensor"):
        tf.switch_case(tf.constant(1.0), [lambda: 1])
    with pytest.raises(InvalidTypeError, match="branches\\[0\\] and branches\\[1\\] arguments "
                       "to tf.switch_case must have the same"):
        _trace(lambda i: tf.switch_case(i, [lambda: tf.constant(1), lambda: tf.constant(1.0)]),
               tf.TensorSpec([], tf.int32))


@pytest.mark.parametrize("x,want", [(-2, -1), (3, 5), (7, 10)])
def test_case_takes_the_first_true_predicate(x, want):
    def f(x):
        return tf.case([(x < 0, lambda: tf.constant(-1)), (x < 5, lambda: tf.constant(5)),
                        (x < 10, lambda: tf.constant(10))], default=lambda: tf.constant(0))
    assert_modes(f, [np.int32(x)], np.int32(want))


def test_case_without_default_asserts_a_predicate_holds():
    def f(x):
        return tf.case([(x < 0, lambda: tf.constant(-1)), (x < 5, lambda: tf.constant(5))])
    assert int(tf.function(f)(tf.constant(3))) == 5
    with pytest.raises(InvalidArgumentError, match="None of conditions evaluated as True"):
        tf.function(f)(tf.constant(30))
    with pytest.raises(InvalidArgumentError, match="None of conditions evaluated as True"):
        f(tf.constant(30))
    with pytest.raises(InvalidArgumentError, match="exclusive=True and more than one"):
        tf.function(lambda x: tf.case([(x < 5, lambda: 1), (x < 10, lambda: 2)],
                                      exclusive=True))(tf.constant(3))
    out = tf.case([(tf.constant(True), lambda: [tf.constant(1)])], default=lambda: [tf.constant(0)])
    assert int(out) == 1  # non-strict: a one-element list comes back unpacked


# -- variables and effects -----------------------------------------------------------------------

def test_variables_read_in_branches_are_hoisted_and_differentiable():
    v = tf.Variable(2.0)

    @tf.function
    def f(p):
        with tf.GradientTape() as tape:
            y = tf.cond(p, lambda: v * v, lambda: v * 3.0)
        return y, tape.gradient(y, v)
    assert [float(t) for t in f(tf.constant(True))] == [4.0, 4.0]
    assert [float(t) for t in f(tf.constant(False))] == [6.0, 3.0]
    node = next(n for n in f.get_concrete_function(tf.constant(True)).graph.nodes
                if n.type.endswith("cond"))
    assert node.type == "cond"  # only reads, hoisted out: the branches have no effects
    v.assign(5.0)
    assert float(f(tf.constant(True))[0]) == 25.0


def test_assigns_in_branches_follow_program_order():
    v = tf.Variable(1.0)
    out = io.StringIO()

    @tf.function
    def f(p):
        tf.print("before", v, output_stream=out)
        y = tf.cond(p, lambda: v.assign(v * 10.0) + 0.0, lambda: v.assign_add(1.0) + 0.0)
        tf.print("after", v, output_stream=out)
        return y, v.read_value()
    y, after = f(tf.constant(True))
    assert float(y) == 10.0 and float(after) == 10.0
    y, after = f(tf.constant(False))
    assert float(y) == 11.0 and float(after) == 11.0
    assert out.getvalue() == "before 1\nafter 10\nbefore 10\nafter 11\n"


def test_cond_in_a_session_graph_with_variables():
    g = tf.Graph()
    with g.as_default():
        v = tf.Variable(3.0)
        p = tf.compat.v1.placeholder(tf.bool, [])
        y = tf.cond(p, lambda: v * 2.0, lambda: v.assign_add(1.0) * 1.0)
        init = tf.compat.v1.global_variables_initializer()
        grad = tf.compat.v1.gradients(tf.cond(p, lambda: v * v, lambda: v), [v])[0]
    with tf.compat.v1.Session(graph=g) as sess:
        sess.run(init)
        assert sess.run(y, {p: True}) == 6.0
        assert sess.run(y, {p: False}) == 4.0
        assert sess.run(grad, {p: True}) == 8.0 and sess.run(grad, {p: False}) == 1.0


# -- gradients ------------------------------------------------------------------------------------

def _f(x, y):
    return tf.cond(tf.reduce_sum(x) > 0, lambda: tf.reduce_sum(tf.sin(x) * y),
                   lambda: tf.reduce_sum(x * x * y))


def _numeric(f, x, y, eps=1e-6):
    grads = []
    for arr in (x, y):
        g = np.zeros_like(arr)
        for i in np.ndindex(arr.shape):
            old = arr[i]
            arr[i] = old + eps
            plus = float(f(tf.constant(x), tf.constant(y)))
            arr[i] = old - eps
            minus = float(f(tf.constant(x), tf.constant(y)))
            arr[i] = old
            g[i] = (plus - minus) / (2 * eps)
        grads.append(g)
    return grads


@pytest.mark.parametrize("sign", [1.0, -1.0])
@pytest.mark.parametrize("how", ["eager", "tape in function", "tape around function",
                                 "reference", "v1 gradients"])
def test_cond_gradients_match_finite_differences(how, sign):
    rng = np.random.default_rng(3)
    x, y = sign * np.abs(rng.standard_normal(3)), rng.standard_normal(3)
    numeric = _numeric(_f, x, y)
    if how == "v1 gradients":
        g = tf.Graph()
        with g.as_default():
            px, py = (tf.compat.v1.placeholder(tf.float64, [3]) for _ in range(2))
            grads = tf.compat.v1.gradients(_f(px, py), [px, py])
        with tf.compat.v1.Session(graph=g) as sess:
            got = sess.run(grads, {px: x, py: y})
    elif how == "tape in function" or how == "reference":
        @tf.function(backend="reference" if how == "reference" else None)
        def grad(x, y):
            with tf.GradientTape() as tape:
                tape.watch([x, y])
                z = _f(x, y)
            return tape.gradient(z, [x, y])
        got = [t.numpy() for t in grad(tf.constant(x), tf.constant(y))]
    else:
        fn = tf.function(_f) if how == "tape around function" else _f
        xs = [tf.constant(x), tf.constant(y)]
        with tf.GradientTape() as tape:
            tape.watch(xs)
            z = fn(*xs)
        got = [t.numpy() for t in tape.gradient(z, xs)]
    for a, b in zip(got, numeric):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-8)


def test_second_order_gradient_through_cond_in_a_function():
    @tf.function
    def hessian_diag(x):
        with tf.GradientTape() as outer:
            outer.watch(x)
            with tf.GradientTape() as inner:
                inner.watch(x)
                y = tf.cond(x > 0, lambda: x * x * x, lambda: tf.sin(x))
            dy = inner.gradient(y, x)
        return dy, outer.gradient(dy, x)
    dy, d2 = hessian_diag(tf.constant(2.0, tf.float64))
    assert float(dy) == pytest.approx(12.0) and float(d2) == pytest.approx(12.0)
    dy, d2 = hessian_diag(tf.constant(-0.5, tf.float64))
    assert float(dy) == pytest.approx(np.cos(-0.5)) and float(d2) == pytest.approx(-np.sin(-0.5))


def test_gradient_of_unused_output_and_integer_outputs():
    @tf.function
    def f(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            a, n, b = tf.cond(x > 0, lambda: (x * 2.0, tf.constant(1), x * 5.0),
                              lambda: (x * 3.0, tf.constant(2), x))
        return tape.gradient(a, x), n
    g, n = f(tf.constant(1.0))
    assert float(g) == 2.0 and int(n) == 1


# -- the compiler and pictures ---------------------------------------------------------------------

def test_explain_and_plot_graph_show_the_branches():
    @tf.function
    def f(x):
        return tf.cond(x > 0, lambda: tf.exp(x), lambda: x * 0.5)
    f(tf.constant(1.0))
    text = f.explain()
    assert "cond_true (" in text and "cond_false (" in text and "exp(" in text
    dot = tf.visualize.plot_graph(f)
    assert dot.source.count("subgraph cluster_") >= 2 and "cond_true" in dot.source
    assert "drop_saved" in text  # no gradient here: the branch intermediates are not kept


def test_branches_are_not_folded_or_deduplicated_across_effects():
    v = tf.Variable(0.0)

    @tf.function
    def f(p):
        a = tf.cond(p, lambda: v.assign_add(1.0) * 1.0, lambda: v * 1.0)
        b = tf.cond(p, lambda: v.assign_add(1.0) * 1.0, lambda: v * 1.0)
        return a, b
    a, b = f(tf.constant(True))
    assert (float(a), float(b)) == (1.0, 2.0)


def test_functions_with_cond_run_from_several_threads():
    f = tf.function(lambda x: tf.cond(x > 0, lambda: x * 2.0, lambda: x - 1.0))
    results, errors = {}, []

    def work(k):
        try:
            results[k] = [float(f(tf.constant(float(v)))) for v in (k, -k)]
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)
    threads = [threading.Thread(target=work, args=(k,)) for k in range(1, 5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and results == {k: [2.0 * k, -k - 1.0] for k in range(1, 5)}


def test_run_modes_agree_on_a_mixed_program():
    def f(x):
        y = tf.cond(x[0] > x[1], lambda: tf.nn.relu(x - 0.5), lambda: tf.square(x))
        return tf.switch_case(tf.cast(tf.reduce_sum(y) > 1.0, tf.int32),
                              [lambda: y, lambda: y * 0.0])
    results = run_modes(f, np.asarray([0.3, 0.9], np.float32))
    for r in results.values():
        np.testing.assert_allclose(r, results["eager"], rtol=1e-6)


def test_control_flow_on_the_cuda_target_runs_bodies_on_the_device():
    """The CUDA plan runs branch and loop bodies as device sub-plans (compiler/control_flow.py;
    the host reads only the predicates); values match the CPU and stay where the call put them."""
    @tf.function
    def f(x):
        y = tf.cond(tf.reduce_sum(x) > 0, lambda: x * 2.0, lambda: -x)
        return tf.while_loop(lambda i, z: i < 3, lambda i, z: (i + 1, tf.tanh(z) + y), (0, y))[1]
    x = tf.constant([1.0, 2.0])
    cpu = f(x).numpy()
    with tf.device("/GPU:0"):
        gpu = f(x)
    assert gpu.device.endswith("GPU:0")
    np.testing.assert_allclose(gpu.numpy(), cpu, rtol=1e-6)
    with tf.device("/GPU:0"):
        text = f.explain()
    plan = text.split("== CUDA plan")[1]
    assert "body while_body: sub-plan" in plan and "branch 0 cond_true: sub-plan" in plan
    assert "on the host" not in plan


def test_gradients_say_when_reads_inside_a_body_are_invisible(caplog):
    """A variable the branch assigns is read inside it; the tape cannot see that read, and the
    gradient says so instead of being silently partial."""
    v = tf.Variable(1.0, name="counter")

    @tf.function
    def f(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.cond(x > 0, lambda: v.assign_add(1.0) * x, lambda: x)
        return tape.gradient(y, x)
    with caplog.at_level("WARNING", logger="graphflow"):
        assert float(f(tf.constant(2.0))) == 2.0  # d/dx of (v + 1) * x, v read after the assign
    assert any("counter" in r.getMessage() and "do not reach" in r.getMessage()
               for r in caplog.records)
