"""Differential property of control flow: random programs with nested conds, switch_cases,
while_loops (fixed and data-dependent trip counts, captured tensors) and TensorArrays, run every
way graphflow runs them, values and gradients.

Hypothesis draws a program as Python source over the public API, an expression over two float64
vectors x and y of shape (3,). Its grammar: the inputs; tanh / sin / square-and-scale /
relu-plus; sums and products (one side squashed by tanh); `tf.cond` on the sign of a reduction;
`tf.switch_case` on a bucketed reduction (indices may fall out of range); `tf.while_loop` over
(i, v) running k times or until a reduction of v passes a bound, whose body is itself a random
expression over v and the captured inputs; and a loop that writes every step to a TensorArray
and sums the stack. Loop variables keep shape (3,), so shapes never change.

Each program is run eagerly (the Python functions run directly: the ground truth), traced by
graphflow.function on the reference interpreter, its optimized graph (every pass) on the
reference interpreter, and in a compat.v1 Session; and the gradient of <f(x, y), w> with
respect to x and y by a tape eagerly (through the Python control flow) against a tape inside
the function (the control-flow ops' gradient rules) and compat.v1.gradients. A few programs
are also compiled (numba backend), on the CPU and on the CUDA target (the Numba simulator).
float64 throughout: results agree to 1e-9.

A failure prints the program's source. GRAPHFLOW_FUZZ_EXAMPLES (N or xN) and GRAPHFLOW_FUZZ_SEED
work as in tests/test_compiler_differential.py (also for the property of tests/test_body_passes.py).
"""
import os

import numpy as np
import pytest
from fuzz import examples as _examples, fuzz_seed  # noqa: F401 - test_body_passes uses them
from hypothesis import HealthCheck, given, note, seed, settings
from hypothesis import strategies as st

import graphflow as tf
from graphflow.backends import reference
from graphflow.compiler import pipeline
from graphflow.compiler.lower import with_interface

LEAVES = ("x", "y")


def _expr(depth, leaves):
    leaf = st.sampled_from(leaves)
    if depth == 0:
        return leaf
    sub = _expr(depth - 1, leaves)
    unary = st.tuples(st.sampled_from(["tf.tanh({})", "tf.sin({})", "({} * {} * 0.3)",
                                       "(tf.nn.relu({}) + 0.1)"]), sub).map(
        lambda t: t[0].format(t[1], t[1]) if t[0].count("{}") == 2 else t[0].format(t[1]))
    binary = st.tuples(st.sampled_from(["({} + {})", "({} * tf.tanh({}))", "({} - 0.5 * {})"]),
                       sub, sub).map(lambda t: t[0].format(t[1], t[2]))
    cond = st.tuples(sub, sub, sub, st.floats(-0.5, 0.5).map(lambda c: round(c, 2))).map(
        lambda t: f"tf.cond(tf.reduce_sum({t[0]}) > {t[3]}, lambda: {t[1]}, lambda: {t[2]})")
    switch = st.tuples(sub, sub, sub, sub).map(
        lambda t: f"tf.switch_case(tf.cast(tf.floor(tf.reduce_mean({t[0]}) * 2.0), tf.int32), "
                  f"[lambda: {t[1]}, lambda: {t[2]}, lambda: {t[3]}])")
    body = _expr(depth - 1, leaves + ("v",))
    fixed = st.tuples(sub, body, st.integers(0, 3)).map(
        lambda t: f"tf.while_loop(lambda i, v: i < {t[2]}, lambda i, v: (i + 1, tf.tanh({t[1]})), "
                  f"(0, {t[0]}))[1]")
    until = st.tuples(sub, body, st.floats(0.5, 2.5).map(lambda c: round(c, 2))).map(
        lambda t: f"tf.while_loop(lambda i, v: tf.logical_and(i < 4, tf.reduce_sum(v * v) < "
                  f"{t[2]}), lambda i, v: (i + 1, 1.5 * tf.tanh({t[1]})), (0, {t[0]}))[1]")
    arrays = st.tuples(sub, body, st.integers(1, 3)).map(
        lambda t: f"ta_loop({t[0]}, {t[2]}, lambda v: tf.tanh({t[1]}))")
    return st.one_of(leaf, unary, binary, cond, switch, fixed, until, arrays)


def ta_loop(v0, k, step):
    """Writes every step's value to a TensorArray; returns the last value plus the stack's sum."""
    ta = tf.TensorArray(v0.dtype, size=k)

    def body(i, v, ta):
        v = step(v)
        return i + 1, v, ta.write(i, v)
    _, v, ta = tf.while_loop(lambda i, v, ta: i < k, body, (0, v0, ta))
    return v + 0.1 * tf.reduce_sum(ta.stack(), axis=0)


def _program(source):
    namespace = {"tf": tf, "ta_loop": ta_loop}
    exec(f"def f(x, y):\n    return {source}\n", namespace)  # noqa: S102 - generated test code
    return namespace["f"]


def _near_a_boundary(f, x, y):
    """Whether a small change of the inputs changes which branch or how many iterations run
    (then a gradient legitimately differs between the ways of computing it): the programs are
    piecewise smooth, so compare values at nearby points."""
    base = f(tf.constant(x), tf.constant(y)).numpy()
    for eps in (1e-5, -1e-5):
        moved = f(tf.constant(x + eps), tf.constant(y - eps)).numpy()
        if not np.allclose(moved, base, rtol=1e-3, atol=1e-3):
            return True
    return False


def _optimized_on_reference(f, x, y):
    concrete = tf.function(f, backend="reference").get_concrete_function(tf.constant(x),
                                                                       tf.constant(y))
    g = concrete.graph
    prepared = with_interface(g, concrete.inputs, concrete.outputs, [])
    optimized, _ = pipeline.optimize(prepared, {"verify_after_each_pass": True})
    return reference.compile(optimized, optimized.outputs, optimized.inputs).run([x, y])[0]


def _session(f, x, y, w):
    g = tf.Graph()
    with g.as_default():
        px, py = (tf.compat.v1.placeholder(tf.float64, [3]) for _ in range(2))
        out = f(px, py)
        grads = tf.compat.v1.gradients(tf.reduce_sum(out * w), [px, py])
    saved = tf.config.get_backend()
    tf.config.set_backend("reference")
    try:
        with tf.compat.v1.Session(graph=g) as sess:
            fetched = sess.run([out] + [d for d in grads if d is not None], {px: x, py: y})
    finally:
        tf.config.set_backend(saved)
    it = iter(fetched[1:])
    return [fetched[0]] + [np.zeros(3) if d is None else next(it) for d in grads]


def _grads(fn, x, y, w, inside):
    if inside:
        @tf.function(backend="reference")
        def g(x, y):
            with tf.GradientTape() as tape:
                tape.watch([x, y])
                loss = tf.reduce_sum(fn(x, y) * w)
            return tape.gradient(loss, [x, y], unconnected_gradients="zero")
        return [t.numpy() for t in g(tf.constant(x), tf.constant(y))]
    xs = [tf.constant(x), tf.constant(y)]
    with tf.GradientTape() as tape:
        tape.watch(xs)
        loss = tf.reduce_sum(fn(*xs) * w)
    return [t.numpy() for t in tape.gradient(loss, xs, unconnected_gradients="zero")]


SETTINGS = dict(deadline=None, derandomize=False, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@fuzz_seed
@settings(max_examples=_examples(80), **SETTINGS)
@given(source=_expr(3, LEAVES), seed=st.integers(0, 2 ** 16))
def test_random_control_flow_programs_agree(source, seed):
    note(f"program: {source}")
    rng = np.random.default_rng(seed)
    x, y, w = (rng.uniform(-1.5, 1.5, 3) for _ in range(3))
    f = _program(source)
    want = f(tf.constant(x), tf.constant(y)).numpy()
    traced = tf.function(f, backend="reference")(tf.constant(x), tf.constant(y)).numpy()
    np.testing.assert_allclose(traced, want, rtol=1e-9, atol=1e-12, err_msg="function")
    np.testing.assert_allclose(_optimized_on_reference(f, x, y), want, rtol=1e-9, atol=1e-12,
                               err_msg="optimized graph")
    out, *session_grads = _session(f, x, y, w)
    np.testing.assert_allclose(out, want, rtol=1e-9, atol=1e-12, err_msg="session")
    if _near_a_boundary(f, x, y):
        return
    eager = _grads(f, x, y, w, inside=False)
    for label, grads in (("tape in function", _grads(f, x, y, w, inside=True)),
                         ("v1 gradients", session_grads)):
        for a, b in zip(grads, eager):
            np.testing.assert_allclose(a if a is not None else np.zeros(3), b, rtol=1e-8,
                                       atol=1e-10, err_msg=label)


@pytest.mark.parametrize("device", ["/CPU:0", "/GPU:0"])
@fuzz_seed
@settings(max_examples=_examples(6), **SETTINGS)
@given(source=_expr(2, LEAVES), seed=st.integers(0, 2 ** 16))
def test_random_control_flow_programs_compiled(device, source, seed):
    """Compiled plans (bodies as CPU or CUDA sub-plans, under the simulator) == eager."""
    note(f"program: {source}")
    rng = np.random.default_rng(seed)
    x, y = rng.uniform(-1.5, 1.5, 3), rng.uniform(-1.5, 1.5, 3)
    f = _program(source)
    want = f(tf.constant(x), tf.constant(y)).numpy()
    with tf.device(device):
        got = tf.function(f)(tf.constant(x), tf.constant(y)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)


def test_the_grammar_reaches_every_construct():
    """The drawn programs do contain each construct (the strategy is not degenerate)."""
    seen = set()

    @settings(max_examples=60, **dict(SETTINGS, derandomize=True))
    @given(source=_expr(3, LEAVES))
    def collect(source):
        for construct in ("tf.cond", "tf.switch_case", "tf.while_loop", "ta_loop", "reduce_sum(v"):
            if construct in source:
                seen.add(construct)
    collect()
    assert seen == {"tf.cond", "tf.switch_case", "tf.while_loop", "ta_loop", "reduce_sum(v"}
