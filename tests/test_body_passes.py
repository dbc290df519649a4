"""The optimizer inside control flow (issue 15): folding, CSE and fusion in cond branches and
loop bodies (nested ones too), loop invariants hoisted out of while_loop bodies, recording
loops and their gradients, and what explain() and plot_graph show."""
import numpy as np
import pytest
from control_flow_cases import assert_modes
from hypothesis import given, note, settings
from hypothesis import strategies as st
from test_control_flow_differential import (LEAVES, SETTINGS, _examples, _expr, _near_a_boundary,
                                            _program, fuzz_seed)

import graphflow as tf
from graphflow.backends import reference
from graphflow.compiler import bodies, pipeline
from graphflow.compiler.lower import with_interface
from graphflow.errors import InvalidArgumentError, UnimplementedError
from graphflow.ops import subgraph
from graphflow.ops.registry import REGISTRY

NO_FUSION = {"expand_index_ops": False, "fuse_epilogue": False, "fuse_update": False,
             "fuse_reduction": False, "fuse_elementwise": False}


def optimized(build, specs, options=None, gradient_of=None):
    """(optimized graph, its placeholders) for `build(*placeholders)` built into a fresh graph;
    with gradient_of, the outputs are also the v1 gradients of sum(out) wrt the placeholders."""
    g = tf.Graph()
    with g.as_default():
        phs = [tf.compat.v1.placeholder(dtype, shape, name=f"p{k}")
               for k, (shape, dtype) in enumerate(specs)]
        out = build(*phs)
        outs = out if isinstance(out, (list, tuple)) else [out]
        if gradient_of is not None:
            grads = tf.compat.v1.gradients(tf.reduce_sum(outs[gradient_of]), phs)
            outs = list(outs) + [d for d in grads if d is not None]
    prepared = with_interface(g, phs, outs, [])
    new, _ = pipeline.optimize(prepared, dict(options or {}, verify_after_each_pass=True))
    return new


def run(graph, *arrays):
    return reference.compile(graph, graph.outputs, graph.inputs).run(list(arrays))


def node_of(graph, op_type):
    found = [n for n in graph.nodes if n.type == op_type]
    assert len(found) == 1, [n.type for n in graph.nodes]
    return found[0]


def ops(graph):
    return [n.type for n in graph.nodes if n.type not in ("placeholder", "const")]


def cluster_ops(graph):
    return [n.attrs["cluster"].ops for n in graph.nodes if n.type == "fused"]


def count_calls(monkeypatch, op_name):
    """A counter of the times op_name's reference runs (fused clusters run it too)."""
    calls = [0]
    op = REGISTRY[op_name]
    ref = op.ref

    def counting(*args, **kw):
        calls[0] += 1
        return ref(*args, **kw)
    monkeypatch.setattr(op, "ref", counting)
    return calls


# -- folding, CSE, fusion inside bodies ------------------------------------------------------------

def branchy(x):
    return tf.cond(tf.reduce_sum(x) > 0.0,
                   lambda: tf.exp(x) * (tf.constant(2.0) + 1.0) + tf.exp(x),
                   lambda: tf.nn.relu(x * 2.0 + 1.0))


def test_cond_branches_are_folded_cse_d_and_fused():
    spec = [((4,), tf.float32)]
    plain = optimized(branchy, spec, NO_FUSION)
    true_branch, false_branch = node_of(plain, "cond").attrs["branches"]
    assert ops(true_branch.graph) == ["exp", "multiply", "add"]  # 2 + 1 folded, exp merged
    assert true_branch.source is not true_branch  # a new Body; the traced one is untouched
    assert sorted(ops(true_branch.source.graph)) == ["add", "add", "exp", "exp", "multiply"]
    fused = optimized(branchy, spec)
    true_branch, false_branch = node_of(fused, "cond").attrs["branches"]
    assert cluster_ops(true_branch.graph) == [["exp", "multiply", "add"]]
    assert cluster_ops(false_branch.graph) == [["multiply", "add", "relu"]]
    for x in (np.array([1.0, -2.0, 3.0, 0.5], np.float32), -np.ones(4, np.float32)):
        want = branchy(tf.constant(x)).numpy()
        for graph in (plain, fused):
            np.testing.assert_allclose(run(graph, x)[0], want, rtol=1e-6)
        assert_modes(branchy, [x], want)  # eager, reference, compiled, Session


def looping(x):
    def body(i, v):
        return i + 1, tf.tanh(v * tf.exp(v) + tf.exp(v) * (tf.constant(0.5) * 2.0))
    return tf.while_loop(lambda i, v: i < 3, body, (0, x))[1]


def test_while_bodies_are_folded_cse_d_and_fused():
    plain = optimized(looping, [((4,), tf.float32)], NO_FUSION)
    body = node_of(plain, "while_loop").attrs["body"]
    # 0.5 * 2 folded, the * 1 left over simplified away, exp(v) computed once
    assert sorted(ops(body.graph)) == ["add", "add", "exp", "multiply", "tanh"]
    fused = optimized(looping, [((4,), tf.float32)])
    body = node_of(fused, "while_loop").attrs["body"]
    assert cluster_ops(body.graph) == [["exp", "multiply", "add", "tanh"]]
    x = np.array([0.1, -0.4, 0.3, 0.9], np.float32)
    want = looping(tf.constant(x)).numpy()
    for graph in (plain, fused):
        np.testing.assert_allclose(run(graph, x)[0], want, rtol=1e-6)
    assert_modes(looping, [x], want)


def test_switching_bodies_off_leaves_them_as_traced():
    graph = optimized(looping, [((4,), tf.float32)], {"optimize_bodies": False,
                                                      "hoist_invariants": False})
    body = node_of(graph, "while_loop").attrs["body"]
    assert body.source is body


# -- loop-invariant hoisting -------------------------------------------------------------------------

def rnn(w, h):
    return tf.while_loop(lambda i, h: i < 5, lambda i, h: (i + 1, tf.tanh(h @ (w * 2.0))),
                         (0, h))[1]


W = (np.random.default_rng(3).standard_normal((3, 3)) * 0.4).astype(np.float32)
H = np.array([[0.5, -1.0, 0.25]], np.float32)


def test_a_loop_invariant_is_computed_once_before_the_loop(monkeypatch):
    graph = optimized(rnn, [((3, 3), tf.float32), ((1, 3), tf.float32)], NO_FUSION)
    loop = node_of(graph, "while_loop")
    assert "multiply" in ops(graph) and "multiply" not in ops(loop.attrs["body"].graph)
    assert len(loop.inputs) == 4  # i, h, the captured w, and w * 2 (a new capture)
    body = loop.attrs["body"]
    assert len(body.graph.inputs) == len(body.source.graph.inputs) + 1
    traced = body.source.graph  # untouched: still computes w * 2 itself, from one capture fewer
    assert "multiply" in ops(traced) and len(traced.inputs) == 3 and len(traced.outputs) == 2
    assert len(loop.attrs["cond"].graph.inputs) == len(body.graph.inputs)
    want = rnn(tf.constant(W), tf.constant(H)).numpy()
    calls = count_calls(monkeypatch, "multiply")
    np.testing.assert_allclose(run(graph, W, H)[0], want, rtol=1e-6)
    assert calls[0] == 1
    unhoisted = optimized(rnn, [((3, 3), tf.float32), ((1, 3), tf.float32)],
                          dict(NO_FUSION, hoist_invariants=False))
    calls[0] = 0
    np.testing.assert_allclose(run(unhoisted, W, H)[0], want, rtol=1e-6)
    assert calls[0] == 5
    assert_modes(rnn, [W, H], want)


def test_invariants_leave_nested_loops_all_the_way(monkeypatch):
    def nested(w, h):
        def outer(j, h):
            inner = tf.while_loop(lambda i, h: i < 2,
                                  lambda i, h: (i + 1, tf.tanh(h @ tf.transpose(w * 2.0))), (0, h))
            return j + 1, inner[1] * 0.5
        return tf.while_loop(lambda j, h: j < 3, outer, (0, h))[1]
    graph = optimized(nested, [((3, 3), tf.float32), ((1, 3), tf.float32)], NO_FUSION)
    assert {"multiply", "transpose"} <= set(ops(graph))
    outer_body = node_of(graph, "while_loop").attrs["body"]
    inner_body = node_of(outer_body.graph, "while_loop").attrs["body"]
    assert "transpose" not in ops(outer_body.graph) and "transpose" not in ops(inner_body.graph)
    want = nested(tf.constant(W), tf.constant(H)).numpy()
    calls = count_calls(monkeypatch, "transpose")
    np.testing.assert_allclose(run(graph, W, H)[0], want, rtol=1e-6)
    assert calls[0] == 1  # not 3 * 2
    assert_modes(nested, [W, H], want)


def alternating(w, h):
    def body(i, h):
        return i + 1, tf.cond(i % 2 == 0, lambda: tf.tanh(h @ (w * 2.0)),
                              lambda: h @ tf.transpose(w))
    return tf.while_loop(lambda i, h: i < 5, body, (0, h))[1]


def test_invariants_of_branches_of_a_cond_in_a_loop_leave_the_loop(monkeypatch):
    for gradient_of in (None, 0):
        graph = optimized(alternating, [((3, 3), tf.float32), ((1, 3), tf.float32)], NO_FUSION,
                          gradient_of)
        assert {"multiply", "transpose"} <= set(ops(graph))
        loop = next(n for n in graph.nodes if n.type == "while_loop")
        cond = node_of(loop.attrs["body"].graph, "cond")
        true_branch, false_branch = cond.attrs["branches"]
        assert ops(true_branch.graph) == ["matmul", "tanh"] and ops(false_branch.graph) == [
            "matmul"]
        assert len(true_branch.graph.inputs) == len(true_branch.source.graph.inputs) + 2
        w, h = tf.constant(W), tf.constant(H)
        with tf.GradientTape() as tape:
            tape.watch([w, h])
            out = alternating(w, h)
            total = tf.reduce_sum(out)
        want = [out.numpy()] + [d.numpy() for d in tape.gradient(total, [w, h])]
        calls = count_calls(monkeypatch, "transpose")
        got = run(graph, W, H)
        for a, b in zip(got, want[:len(got)]):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
        if gradient_of is None:  # (the gradient has transposes of its own)
            assert calls[0] == 1  # not once per odd iteration
    assert_modes(alternating, [W, H], want[0], rtol=1e-5)


def test_a_cond_outside_loops_keeps_its_branches():
    def f(w, h):
        return tf.cond(tf.reduce_sum(h) > 0.0, lambda: h @ (w * 2.0), lambda: h)
    graph = optimized(f, [((3, 3), tf.float32), ((1, 3), tf.float32)], NO_FUSION)
    assert "multiply" in ops(node_of(graph, "cond").attrs["branches"][0].graph)
    assert "multiply" not in ops(graph)


def test_what_may_fail_or_differs_per_iteration_stays_in_the_loop():
    def f(x, n, d, idx):
        def body(i, v, k):
            return (i + 1, v + tf.gather(x, idx) + tf.random.uniform([3]) * 0.0,
                    k + n // d)  # an integer division and a gather may raise: not moved
        return tf.while_loop(lambda i, v, k: i < n, body, (0, x, 0))
    specs = [((3,), tf.float32), ((), tf.int32), ((), tf.int32), ((3,), tf.int32)]
    graph = optimized(f, specs, NO_FUSION)
    assert {"gather", "floordiv", "random_uniform"} <= set(
        ops(node_of(graph, "stateful_while_loop").attrs["body"].graph))
    x = np.arange(3, dtype=np.float32)
    # zero iterations with d = 0 and an out-of-range index: nothing raises
    _, v, k = run(graph, x, np.int32(0), np.int32(0), np.array([0, 1, 7], np.int32))
    np.testing.assert_array_equal(v, x)
    assert int(k) == 0
    _, v, k = run(graph, x, np.int32(2), np.int32(1), np.array([2, 1, 0], np.int32))
    np.testing.assert_allclose(v, x + 2 * x[::-1])
    assert int(k) == 4


@pytest.mark.filterwarnings("ignore:divide by zero")
def test_a_zero_trip_loop_with_hoisted_values():
    def f(w, h, n):
        return tf.while_loop(lambda i, h: i < n, lambda i, h: (i + 1, h @ (w / 0.0)), (0, h))[1]
    graph = optimized(f, [((3, 3), tf.float32), ((1, 3), tf.float32), ((), tf.int32)])
    assert "truediv" in ops(graph) or any("truediv" in c for c in cluster_ops(graph))
    np.testing.assert_array_equal(run(graph, W, H, np.int32(0))[0], H)


# -- recording loops and gradients ----------------------------------------------------------------

def test_recorded_intermediates_survive_fusion_and_hoisting():
    """save=True: the loop keeps, per iteration, what the traced body's gradient reads (here
    w * 2, hoisted, and the tanh's output, inside a fused kernel) by position."""
    graph = optimized(rnn, [((3, 3), tf.float32), ((1, 3), tf.float32)], gradient_of=0)
    loop = next(n for n in graph.nodes if n.type == "while_loop" and n.attrs["save"])
    body = loop.attrs["body"]
    assert len(body.recorded()) == len(body.source.recorded())
    assert [t.dtype for t in body.recorded()] == [t.dtype for t in body.source.recorded()]
    assert "multiply" not in ops(body.graph)
    with tf.GradientTape() as tape:
        w, h = tf.constant(W), tf.constant(H)
        tape.watch([w, h])
        out = rnn(w, h)
        total = tf.reduce_sum(out)
    want = [out.numpy()] + [d.numpy() for d in tape.gradient(total, [w, h])]
    for got, expected in zip(run(graph, W, H), want):
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_gradients_through_optimized_loops_in_functions_and_sessions():
    def loss(w, h):
        def body(i, h):
            gate = tf.sigmoid(h @ (w * 0.5) + 1.0)
            return i + 1, gate * tf.tanh(h @ w) + (1.0 - gate) * h
        return tf.reduce_sum(tf.while_loop(lambda i, h: i < 4, body, (0, h))[1] ** 2)

    def grads(w, h):
        with tf.GradientTape() as tape:
            tape.watch([w, h])
            value = loss(w, h)
        return [value] + tape.gradient(value, [w, h])
    want = [t.numpy() for t in grads(tf.constant(W), tf.constant(H))]
    compiled = tf.function(grads)(tf.constant(W), tf.constant(H))
    for got, expected in zip(compiled, want):
        np.testing.assert_allclose(got.numpy(), expected, rtol=1e-5, atol=1e-6)
    graph = optimized(loss, [((3, 3), tf.float32), ((1, 3), tf.float32)], gradient_of=0)
    assert any(cluster_ops(n.attrs["body"].graph) for n in graph.nodes if n.type == "while_loop")
    for got, expected in zip(run(graph, W, H), want):
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    g = tf.Graph()
    with g.as_default():
        pw = tf.compat.v1.placeholder(tf.float32, [3, 3])
        ph = tf.compat.v1.placeholder(tf.float32, [1, 3])
        value = loss(pw, ph)
        fetches = [value] + tf.compat.v1.gradients(value, [pw, ph])
    with tf.compat.v1.Session(graph=g) as sess:
        for got, expected in zip(sess.run(fetches, {pw: W, ph: H}), want):
            np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_gradient_of_a_cond_whose_branches_were_optimized():
    def f(x):
        return tf.cond(tf.reduce_sum(x) > 0.0, lambda: tf.exp(x) * tf.exp(x) * 3.0,
                       lambda: tf.sin(x) * (tf.constant(1.0) + 1.0))
    for x in (np.array([0.5, 1.0, -0.2], np.float32), np.array([-0.5, -1.0, 0.2], np.float32)):
        graph = optimized(f, [((3,), tf.float32)], gradient_of=0)
        xt = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(xt)
            out = f(xt)
            total = tf.reduce_sum(out)
        want = [out.numpy(), tape.gradient(total, xt).numpy()]
        for got, expected in zip(run(graph, x), want):
            np.testing.assert_allclose(got, expected, rtol=1e-5)


def test_optimized_bodies_are_never_differentiated_and_keep_their_interface():
    graph = optimized(looping, [((4,), tf.float32)])
    body = node_of(graph, "while_loop").attrs["body"]
    with pytest.raises(UnimplementedError, match="gradients are built from the traced body"):
        body.gradient()
    with pytest.raises(UnimplementedError, match="does not record"):
        body.recorded()  # the node runs with save=False
    other = node_of(graph, "while_loop").attrs["cond"].graph
    with pytest.raises(InvalidArgumentError, match="changed its interface"):
        body.source.with_graph(other)


def test_assigns_fused_inside_a_body_are_still_seen_by_the_outer_passes():
    v = tf.Variable(np.zeros(3, np.float32))

    @tf.function
    def f(x):
        before = v.read_value()

        def body(i):
            v.assign_add(x * 2.0 + 1.0)
            return i + 1
        tf.while_loop(lambda i: i < 3, body, [0])
        return before, v.read_value() * 1.0
    x = np.array([1.0, 2.0, 3.0], np.float32)
    before, after = f(tf.constant(x))
    np.testing.assert_allclose(before.numpy(), 0.0)
    np.testing.assert_allclose(after.numpy(), 3 * (x * 2 + 1))
    graph = f.get_concrete_function(tf.constant(x))._get_executable().graph
    loop = next(n for n in graph.nodes if n.opdef.bodies)
    assert cluster_ops(loop.attrs["body"].graph)  # the assign_add fused in the body
    assert subgraph.variables_touched(loop)[1] == [v]


# -- random programs --------------------------------------------------------------------------------

@fuzz_seed
@settings(max_examples=_examples(40), **SETTINGS)
@given(source=_expr(3, LEAVES), seed=st.integers(0, 2 ** 16))
def test_random_programs_optimized_bodies_and_their_gradients(source, seed):
    """Values and v1 gradients of the optimized graph (every pass, bodies too) on the reference
    interpreter against eager execution."""
    note(f"program: {source}")
    rng = np.random.default_rng(seed + 1)
    x, y = rng.uniform(-1.5, 1.5, 3), rng.uniform(-1.5, 1.5, 3)
    f = _program(source)
    graph = optimized(f, [((3,), tf.float64)] * 2, gradient_of=0)
    got = run(graph, x, y)
    want = f(tf.constant(x), tf.constant(y)).numpy()
    np.testing.assert_allclose(got[0], want, rtol=1e-9, atol=1e-12, err_msg="value")
    if _near_a_boundary(f, x, y) or len(got) < 3:
        return
    xs = [tf.constant(x), tf.constant(y)]
    with tf.GradientTape() as tape:
        tape.watch(xs)
        loss = tf.reduce_sum(f(*xs))
    for a, b in zip(got[1:], tape.gradient(loss, xs, unconnected_gradients="zero")):
        np.testing.assert_allclose(a, b.numpy(), rtol=1e-8, atol=1e-10, err_msg="gradient")


# -- explain and plot_graph ------------------------------------------------------------------------

def test_explain_lists_the_bodies_and_their_clusters():
    f = tf.function(rnn)
    f(tf.constant(W), tf.constant(H))
    text = f.get_concrete_function(tf.constant(W), tf.constant(H))._get_executable().explain()
    section = text.split("== fused clusters")[1]
    assert "while / while_body:" in section and "1 hoisted input" in section
    assert "\n    fused_matmul_tanh [matmul]: matmul -> tanh" in section
    lines = bodies.describe_clusters(f.get_concrete_function(
        tf.constant(W), tf.constant(H))._get_executable().graph)
    assert lines[0].startswith("while / while_cond")


def test_plot_graph_draws_fused_kernels_inside_body_clusters():
    pytest.importorskip("graphviz")
    f = tf.function(looping)
    f(tf.constant(np.ones(4, np.float32)))
    source = tf.visualize.plot_graph(f).source
    body_at = source.index('label="while_body')
    kernel = "fused_exp_mul_add_tanh"
    assert kernel in source[body_at:]
    # the kernel's cluster is a subgraph inside the body's: no closing brace of the body before
    opened = source.rfind("subgraph cluster", 0, body_at)
    depth, k = 0, opened
    while k < source.index(kernel):
        depth += {"{": 1, "}": -1}.get(source[k], 0)
        k += 1
    assert depth >= 2
