"""Compiled control flow (compiler/control_flow.py): while_loop, cond and switch_case bodies run
as sub-plans of the enclosing plan, and scalar loops as one generated loop kernel
(backends/loop_kernel.py). Each test checks what the plan did (explain() or its steps), so it
fails where bodies would still run on the reference interpreter, and that the values equal the
reference backend's and eager execution's."""
import threading
import types

import numpy as np
import pytest

import graphflow as tf
from graphflow.compiler import control_flow

GPU = "/GPU:0"


def reference(fn, *args):
    """fn's results on the reference backend (a fresh tf.function of the same Python fn)."""
    tf.config.set_backend("reference")
    try:
        return _numpy(tf.function(fn)(*args))
    finally:
        tf.config.set_backend("numba")


def _numpy(out):
    if isinstance(out, (list, tuple)):
        return [_numpy(o) for o in out]
    return np.asarray(out.numpy() if hasattr(out, "numpy") else out)


def plan_text(f, *args):
    text = f.explain(*args)
    return text.split("== plan for input shapes")[1]


def newton(a, n):
    return tf.while_loop(lambda i, x: i < n, lambda i, x: (i + 1, 0.5 * (x + a / x)), (0, a))


def tanh_loop(x, n):
    return tf.while_loop(lambda i, y: i < n, lambda i, y: (i + 1, tf.tanh(y) * 1.5 + x), (0, x))


def test_scalar_loop_runs_as_one_native_kernel():
    f = tf.function(newton)
    a, n = tf.constant(2.0), tf.constant(50)
    got = _numpy(f(a, n))
    assert got[0] == 50 and abs(got[1] - np.sqrt(2.0)) < 1e-6
    text = plan_text(f, a, n)
    assert "native loop kernel while_" in text and "while n < limit:" in text
    assert "sub-plan" not in text
    ref = reference(newton, a, n)
    assert got[0] == ref[0]
    np.testing.assert_allclose(got[1], ref[1], rtol=1e-6)
    eager = _numpy(newton(a, n))
    np.testing.assert_allclose(got[1], eager[1], rtol=1e-6)


def test_native_loop_with_integer_math_and_where():
    """int32 arithmetic that wraps, a select and a data-dependent trip count, as NumPy does."""
    def wander(n, s0):
        return tf.while_loop(lambda i, s, big: tf.logical_and(i < n, s != 1),
                             lambda i, s, big: (i + 1, tf.where(s > 50, s - 37, s * 3 + 1),
                                                big * 48271 + 11),
                             (0, s0, s0))
    f = tf.function(wander)
    for n, s0 in ((1000, 27), (5, 7), (0, 3), (400, 2 ** 30)):
        got = _numpy(f(tf.constant(n), tf.constant(s0)))
        eager = _numpy(wander(tf.constant(n), tf.constant(s0)))
        assert [int(g) for g in got] == [int(e) for e in eager]
    assert "native loop kernel" in plan_text(f, tf.constant(5), tf.constant(7))


def test_integer_division_loop_runs_as_sub_plans():
    """Collatz: floordiv and floormod have no integer scalar form in kernels (NumPy's rounding
    of negatives), so the loop runs its bodies as plans, with the same result."""
    def collatz(n):
        return tf.while_loop(lambda n, k: n > 1,
                             lambda n, k: (tf.where(n % 2 == 0, n // 2, 3 * n + 1), k + 1),
                             (n, 0))[1]
    f = tf.function(collatz)
    for start, steps in ((27, 111), (1, 0), (6, 8)):
        assert int(f(tf.constant(start))) == steps
    text = plan_text(f, tf.constant(27))
    assert "body while_body: sub-plan" in text and "native loop kernel" not in text


def test_loop_kernel_plan_accepts_fused_elementwise_clusters():
    """After fusion a body may hold fused elementwise clusters: the loop kernel inlines them."""
    from graphflow.compiler.fused import ELEMENTWISE, build_cluster, emit_fused  # noqa: F401
    from graphflow.compiler.rewrite import Rewriter
    f = tf.function(newton)
    graph = f.get_concrete_function(tf.constant(2.0), tf.constant(5)).graph
    node = next(nd for nd in graph.nodes if nd.type == "while_loop")
    body = node.attrs["body"]
    ops = [nd for nd in body.graph.nodes if nd.type not in ("placeholder", "const")]
    rw = Rewriter(body.graph)
    consumers = {}
    for nd in body.graph.nodes:
        for t in nd.inputs:
            consumers.setdefault(id(t), []).append(nd)
    cluster, ext_in, ext_out = build_cluster(ELEMENTWISE, ops, {id(t) for t in body.graph.outputs},
                                             consumers)
    for nd in body.graph.nodes:
        if nd.type in ("placeholder", "const"):
            rw.copy(nd)
    emit_fused(rw, cluster, ext_in, ext_out, ops)
    fused_graph = rw.finish()
    assert any(nd.type == "fused" for nd in fused_graph.nodes)
    node = types.SimpleNamespace(attrs=dict(node.attrs, save=False))  # (as drop_saved makes it)
    plain, plain_consts = control_flow.loop_kernel_plan(node, [()] * 4)
    body.graph, saved = fused_graph, body.graph
    try:
        fused_plan, consts = control_flow.loop_kernel_plan(node, [()] * 4)
    finally:
        body.graph = saved
    assert [st.template for st in fused_plan.body] == [st.template for st in plain.body]
    assert len(consts) == len(plain_consts)
    from graphflow.backends import loop_kernel
    kernel = loop_kernel.get_loop_kernel(fused_plan)
    out = kernel(5, np.int32(0), np.float32(2.0), np.int32(5), np.float32(2.0), *consts)
    assert out[2] == 5 and abs(out[1] - np.sqrt(2.0)) < 1e-6


def test_tensor_loop_runs_its_bodies_as_sub_plans():
    f = tf.function(tanh_loop)
    x, n = tf.constant(np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4)), tf.constant(4)
    got = _numpy(f(x, n))
    text = plan_text(f, x, n)
    assert "cond while_cond: sub-plan for input shapes [(), (3, 4), (), (3, 4)]" in text
    assert "body while_body: sub-plan" in text and "native loop kernel" not in text
    ref = reference(tanh_loop, x, n)
    np.testing.assert_allclose(got[1], ref[1], rtol=1e-6)
    np.testing.assert_allclose(got[1], _numpy(tanh_loop(x, n))[1], rtol=1e-6)


@pytest.mark.parametrize("limit", [0, 3, 100, -2])
def test_maximum_iterations(limit):
    def scalar(n):
        return tf.while_loop(lambda i, s: i < n, lambda i, s: (i + 1, s + 2.0), (0, 1.0),
                             maximum_iterations=limit)

    def tensor(x):
        return tf.while_loop(lambda i, y: i < 10, lambda i, y: (i + 1, y * 2.0), (0, x),
                             maximum_iterations=limit)
    fs, ft = tf.function(scalar), tf.function(tensor)
    runs = max(0, min(limit, 10))
    i, s = _numpy(fs(tf.constant(10)))
    assert i == runs and s == 1.0 + 2.0 * runs
    i, y = _numpy(ft(tf.constant([1.0, 3.0])))
    assert i == runs
    np.testing.assert_array_equal(y, np.array([1.0, 3.0], np.float32) * 2.0 ** runs)
    assert "native loop kernel" in plan_text(fs, tf.constant(10))
    assert "body while_body: sub-plan" in plan_text(ft, tf.constant([1.0, 3.0]))


def test_cond_and_switch_case_run_the_chosen_branch_plan():
    def branchy(x, k):
        a = tf.cond(tf.reduce_sum(x) > 0, lambda: x * 2.0, lambda: tf.exp(x))
        b = tf.switch_case(k, [lambda: a + 1.0, lambda: a * a, lambda: -a])
        return a, b
    f = tf.function(branchy)
    for xs in ([1.0, 2.0], [-1.0, -3.0]):
        for k in (0, 1, 2, 7, -1):  # out of range: the default, the last branch
            x = tf.constant(xs)
            got = _numpy(f(x, tf.constant(k)))
            eager = _numpy(branchy(x, tf.constant(k)))
            for g, e in zip(got, eager):
                np.testing.assert_allclose(g, e, rtol=1e-6)
    text = plan_text(f, tf.constant([1.0, 2.0]), tf.constant(0))
    assert "branch 0 cond_true: sub-plan" in text and "branch 1 cond_false: sub-plan" in text
    assert "branch 2 " in text  # switch_case's third branch


def test_gradient_through_a_compiled_loop_with_a_data_dependent_trip_count():
    """d/dx of a loop that runs until its value passes a threshold (the trip count depends on
    x), against central finite differences in float64 and the reference backend."""
    w = tf.constant(np.array([0.5, -0.25, 1.0], np.float64))

    def loss(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            _, y = tf.while_loop(lambda i, y: tf.reduce_sum(y * y) < 50.0,
                                 lambda i, y: (i + 1, tf.tanh(y) * 1.5 + y * 1.2 + w), (0, x))
            out = tf.reduce_sum(y * y * w)
        return out, tape.gradient(out, x)
    f = tf.function(loss)
    x0 = np.array([0.3, -0.2, 0.1], np.float64)
    value, grad = _numpy(f(tf.constant(x0)))
    text = plan_text(f, tf.constant(x0))
    assert text.count("body while_body: sub-plan") >= 1
    assert "gradients_while" in text  # the backward loop is compiled too
    eps = 1e-6
    fd = np.zeros(3)
    for k in range(3):
        d = np.zeros(3)
        d[k] = eps
        hi = float(_numpy(f(tf.constant(x0 + d)))[0])
        lo = float(_numpy(f(tf.constant(x0 - d)))[0])
        fd[k] = (hi - lo) / (2 * eps)
    np.testing.assert_allclose(grad, fd, rtol=1e-5, atol=1e-6)
    ref_value, ref_grad = reference(loss, tf.constant(x0))
    np.testing.assert_allclose(value, ref_value, rtol=1e-12)
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-12)


def test_tensor_array_recurrence_gradient_matches_the_reference():
    rng = np.random.default_rng(0)
    xs = tf.constant(rng.standard_normal((5, 2, 3)).astype(np.float32))
    u = tf.Variable(rng.standard_normal((3, 3)).astype(np.float32) * 0.5)

    def step(xs):
        with tf.GradientTape() as tape:
            tape.watch(xs)
            inputs = tf.TensorArray(tf.float32, size=5).unstack(xs)
            out = tf.TensorArray(tf.float32, size=5)

            def body(t, h, out):
                # (x_t's gradient is a matmul's output, which the backward body's plan must
                # not leave in its arena: the TensorList of gradients keeps it)
                h = tf.tanh(tf.matmul(inputs.read(t), u) + tf.matmul(h, u))
                return t + 1, h, out.write(t, h)
            _, _, out = tf.while_loop(lambda t, h, o: t < 5, body, (0, tf.zeros([2, 3]), out))
            loss = tf.reduce_mean(out.stack())
        return [loss] + tape.gradient(loss, [u, xs])  # (xs: TensorList sums of body values)
    f = tf.function(step)
    got = _numpy(f(xs))
    assert "body while_body: sub-plan" in plan_text(f, xs)
    ref = reference(step, xs)
    for g, r in zip(got, ref):
        np.testing.assert_allclose(g, r, rtol=1e-5, atol=1e-7)


def test_nested_loops():
    """An outer tensor loop whose body holds an inner scalar loop (a native kernel inside the
    body's sub-plan) and an inner tensor loop (sub-plans inside the sub-plan)."""
    def nested(x, n):
        def outer(i, y):
            k = tf.while_loop(lambda j, s: j < i, lambda j, s: (j + 1, s + 0.5), (0, 0.0))[1]
            z = tf.while_loop(lambda j, z: j < 2, lambda j, z: (j + 1, tf.sin(z) + k),
                              (0, y))[1]
            return i + 1, z
        return tf.while_loop(lambda i, y: i < n, outer, (0, x))[1]
    f = tf.function(nested)
    x = tf.constant([0.1, 0.7, -0.4])
    got = _numpy(f(x, tf.constant(4)))
    np.testing.assert_allclose(got, _numpy(nested(x, tf.constant(4))), rtol=1e-6)
    np.testing.assert_allclose(got, reference(nested, x, tf.constant(4)), rtol=1e-6)
    text = plan_text(f, x, tf.constant(4))
    outer_body = text.split("body while_body: sub-plan", 1)[1]
    assert "native loop kernel" in outer_body and "body while_body: sub-plan" in outer_body


def test_stateful_body_keeps_program_order():
    """assign_add inside the loop: every iteration sees the previous one's update, a read taken
    before the loop keeps the old value, and a read after it sees the final one."""
    v = tf.Variable(np.array([1.0, 2.0], np.float32))

    def run(n):
        before = v.read_value()
        _, total = tf.while_loop(lambda i, s: i < n,
                                 lambda i, s: (i + 1, s + v.assign_add([1.0, 1.0])),
                                 (0, tf.zeros([2])))
        return before, total, v.read_value()
    f = tf.function(run)
    got = _numpy(f(tf.constant(3)))
    np.testing.assert_array_equal(got[0], [1.0, 2.0])
    np.testing.assert_array_equal(got[1], [2 + 3 + 4, 3 + 4 + 5])
    np.testing.assert_array_equal(got[2], [4.0, 5.0])
    np.testing.assert_array_equal(v.numpy(), [4.0, 5.0])
    assert "body while_body: sub-plan" in plan_text(f, tf.constant(3))
    got = _numpy(f(tf.constant(2)))  # the same plan again: state carried on
    np.testing.assert_array_equal(got[0], [4.0, 5.0])
    np.testing.assert_array_equal(got[2], [6.0, 7.0])


def test_relaxed_shape_invariant_keeps_the_reference_path():
    """A loop variable whose shape grows each iteration cannot have one body plan: the node
    keeps its reference (and the result is still right)."""
    def grow(n):
        return tf.while_loop(lambda i, y: i < n, lambda i, y: (i + 1, tf.concat([y, y], 0)),
                             (0, tf.ones([1])), shape_invariants=(tf.TensorShape([]),
                                                                  tf.TensorShape([None])))[1]
    f = tf.function(grow)
    assert _numpy(f(tf.constant(3))).shape == (8,)
    text = f.explain(tf.constant(3))
    assert "sub-plan" not in text and "native loop kernel" not in text


def test_errors_inside_a_compiled_body_name_the_loop():
    def checked(x):
        return tf.while_loop(
            lambda i, y: i < 3,
            lambda i, y: (i + 1, tf.debugging.assert_all_finite(tf.math.log(y), "bad") + 1.0),
            (0, x))[1]
    f = tf.function(checked)
    np.testing.assert_allclose(_numpy(f(tf.constant([2.0]))), _numpy(checked(tf.constant([2.0]))),
                               rtol=1e-6)
    with pytest.raises(tf.errors.InvalidArgumentError, match="while"):
        f(tf.constant([-1.0]))


def test_two_threads_share_one_compiled_loop_function():
    scalar, tensor = tf.function(newton), tf.function(tanh_loop)
    a_values = [2.0, 3.0, 5.0, 7.0]
    xs = [np.full((2, 3), v, np.float32) / 10 for v in a_values]
    expected_t = [_numpy(tanh_loop(tf.constant(x), tf.constant(6)))[1] for x in xs]
    scalar(tf.constant(2.0), tf.constant(30))  # build the plans once
    tensor(tf.constant(xs[0]), tf.constant(6))
    errors = []

    def worker(k):
        try:
            for r in range(20):
                j = (k + r) % len(a_values)
                got = _numpy(scalar(tf.constant(a_values[j]), tf.constant(30)))[1]
                assert abs(got - np.sqrt(a_values[j])) < 1e-5, (got, a_values[j])
                got = _numpy(tensor(tf.constant(xs[j]), tf.constant(6)))[1]
                np.testing.assert_allclose(got, expected_t[j], rtol=1e-6)
        except Exception as e:  # noqa: BLE001 - reported on the main thread
            errors.append(e)
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


def test_cuda_plan_runs_loop_and_branch_bodies_on_the_device():
    from graphflow.tensor import DeviceTensor

    def model(x, n):
        y = tf.cond(tf.reduce_sum(x) > 0, lambda: x * 2.0, lambda: -x)
        i, z = tf.while_loop(lambda i, z: i < n, lambda i, z: (i + 1, tf.tanh(z) + y), (0, y))
        return z

    def trained(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            z = tf.while_loop(lambda i, z: tf.reduce_sum(z) < 4.0,
                              lambda i, z: (i + 1, z * 1.5 + 0.1), (0, x))[1]
            loss = tf.reduce_sum(z * z)
        return tape.gradient(loss, x)
    x = tf.constant([0.5, 0.25])
    cpu = _numpy(tf.function(model)(x, tf.constant(3)))
    cpu_grad = _numpy(tf.function(trained)(x))
    f, g = tf.function(model), tf.function(trained)
    with tf.device(GPU):
        out = f(x, tf.constant(3))
        grad = g(x)
        text = f.explain(x, tf.constant(3))
    assert isinstance(out, DeviceTensor) or out.device.endswith("GPU:0")
    np.testing.assert_allclose(out.numpy(), cpu, rtol=1e-6)
    np.testing.assert_allclose(grad.numpy(), cpu_grad, rtol=1e-5)
    plan = text.split("== CUDA plan")[1]
    assert "body while_body: sub-plan" in plan and "branch 1 cond_false: sub-plan" in plan
    assert "device kernels" in plan.split("body while_body: sub-plan")[1]
    assert "on the host" not in plan


def test_cuda_plan_keeps_a_tensor_array_written_in_a_loop_on_the_host():
    """Regression (fuzz campaign): a variant (a TensorList, a 0-d array of the structured dtype
    [("variant", object)]) was taken for a device array by to_device, which checked
    dtype == object; the simulator accepted it and copying the loop body's outputs then failed
    with a TypeError (real CUDA cannot hold Python objects at all)."""
    def f(x):
        ta = tf.TensorArray(tf.float64, size=2)

        def body(i, ta):
            v = tf.cond(tf.reduce_sum(x) > 0.0, lambda: x, lambda: -x)
            return i + 1, ta.write(i, v * tf.cast(i + 1, tf.float64))
        return tf.while_loop(lambda i, ta: i < 2, body, (0, ta))[1].stack()
    x = tf.constant([0.5, -1.0, 2.0], tf.float64)
    with tf.device(GPU):
        out = tf.function(f)(x)
    np.testing.assert_array_equal(out.numpy(), [[0.5, -1.0, 2.0], [1.0, -2.0, 4.0]])


def test_body_plans_never_update_in_place_a_variable_the_enclosing_plan_holds():
    """A read taken before the loop and used after it (or a read a fetched TensorList keeps)
    forbids the body's plans to write that variable's array in place (once bodies are fused,
    an in-place update would change the held value)."""
    v, w = tf.Variable([1.0, 2.0]), tf.Variable([0.5, 0.5])

    def run(n):
        before = v.read_value()
        out = tf.while_loop(lambda i, s: i < n,
                            lambda i, s: (i + 1, s + v.assign_add([1.0, 1.0]) + w.assign_add(s)),
                            (0, tf.zeros([2])))[1]
        return before + out
    f = tf.function(run)
    concrete = f.get_concrete_function(tf.constant(2))
    expected = _numpy(run(tf.constant(2)))  # eager: v and w move on, reset them
    v.assign([1.0, 2.0])
    w.assign([0.5, 0.5])
    np.testing.assert_allclose(_numpy(concrete(tf.constant(2))), expected)
    plan = concrete._executable.last_plan
    step = next(s for s in plan.steps if getattr(s, "nested", None))
    body = next(n.plan for n in step.nested if n.role == "body")
    assert id(v) in body.no_in_place and id(w) not in body.no_in_place
