"""tf.while_loop: eagerly, in graphflow.function (reference interpreter and compiled) and in
compat.v1 Sessions; nested loop variables, maximum_iterations, shape invariants, TF's errors,
variables and effects inside bodies, and gradients through loops whose trip count depends on
the data (checked against finite differences)."""
import collections
import io

import numpy as np
import pytest

import graphflow as tf
from graphflow.errors import InvalidArgumentError, InvalidTypeError, UnimplementedError
from control_flow_cases import assert_modes, run_modes


def _collatz(n):
    return tf.while_loop(lambda n, k: n > 1,
                         lambda n, k: (tf.where(n % 2 == 0, n // 2, 3 * n + 1), k + 1), (n, 0))


@pytest.mark.parametrize("n,steps", [(1, 0), (6, 8), (27, 111)])
def test_data_dependent_trip_count(n, steps):
    assert_modes(lambda n: _collatz(n)[1], [np.int32(n)], np.int32(steps))


def test_nested_loop_variables_keep_their_structure():
    Point = collections.namedtuple("Point", "x y")

    def f(x):
        i, state = tf.while_loop(
            lambda i, s: i < 3,
            lambda i, s: (i + 1, {"p": Point(s["p"].x + 1.0, s["p"].y * 2.0), "h": [s["h"][0] + x]}),
            (0, {"p": Point(x, x), "h": [x * 0.0]}))
        return i, state
    i, state = tf.function(f)(tf.constant(1.5))
    assert int(i) == 3 and isinstance(state["p"], Point)
    assert float(state["p"].x) == 4.5 and float(state["p"].y) == 12.0
    assert float(state["h"][0]) == 4.5
    eager = f(tf.constant(1.5))
    assert isinstance(eager[1]["p"], Point) and float(eager[1]["p"].y) == 12.0


def test_single_loop_variable_forms():
    assert isinstance(tf.while_loop(lambda i: i < 3, lambda i: i + 1, [0]), list)
    out = tf.while_loop(lambda i: i < 3, lambda i: i + 1, tf.constant(0))
    assert int(out) == 3
    f = tf.function(lambda x: tf.while_loop(lambda i: i < 10, lambda i: [i * 2], [x]))
    (out,) = f(tf.constant(1))
    assert int(out) == 16
    pair = tf.while_loop(lambda i, j: i < 10, lambda i, j: (i + 1, j * 2), (0, 1))
    assert [int(v) for v in pair] == [10, 1024] and isinstance(pair[0], tf.Tensor)


@pytest.mark.parametrize("limit", [0, 2, 5, -1])
def test_maximum_iterations(limit):
    def f(x, m):
        return tf.while_loop(lambda i, x: True, lambda i, x: (i + 1, x * 2.0), (0, x),
                             maximum_iterations=m)
    assert_modes(f, [np.float32(1.0), np.int32(limit)],
                 (np.int32(max(limit, 0)), np.float32(2.0 ** max(limit, 0))))
    python_limit = tf.function(lambda x: tf.while_loop(lambda x: x < 100.0, lambda x: x + 1.0, [x],
                                                       maximum_iterations=3))
    assert float(python_limit(tf.constant(0.0))[0]) == 3.0


def test_condition_must_be_a_scalar_bool():
    """TF 2.21 rejects a non-bool predicate ("Input 'input' passed int32 expected bool ...
    LoopCond") and a non-scalar one when the loop is traced (an int or a non-empty tensor is not
    taken as true)."""
    f = tf.function(lambda x: tf.while_loop(lambda i: i, lambda i: i - 1, [x]))
    with pytest.raises(InvalidArgumentError, match=r"while_loop: cond must return a scalar bool "
                       r"tensor, got int32 with shape \(\)"):
        f(tf.constant(5))
    g = tf.function(lambda x: tf.while_loop(lambda v: v > 100, lambda v: v - 1, [x],
                                            maximum_iterations=3))
    with pytest.raises(InvalidArgumentError, match=r"scalar bool tensor, got bool with shape \(2,\)"):
        g(tf.constant([2, 1]))


def test_shape_invariants_let_shapes_change():
    def f(x):
        return tf.while_loop(lambda v: tf.size(v) < 10, lambda v: tf.concat([v, v], 0), [x],
                             shape_invariants=[tf.TensorShape([None])])[0]
    concrete = tf.function(f).get_concrete_function(tf.TensorSpec([2], tf.int32))
    assert concrete.outputs[0].shape.as_list() == [None]
    assert_modes(f, [np.arange(2, dtype=np.int32)], np.tile(np.arange(2, dtype=np.int32), 8))


def test_shape_errors_use_tf_wording():
    spec = tf.TensorSpec([2], tf.int32)
    with pytest.raises(InvalidArgumentError, match=r"enters the loop with shape \(2,\), but has "
                       r"shape \(4,\) after one iteration. To allow the shape to vary"):
        tf.function(lambda x: tf.while_loop(lambda v: tf.size(v) < 10,
                                            lambda v: tf.concat([v, v], 0), [x])
                    ).get_concrete_function(spec)
    with pytest.raises(InvalidArgumentError, match="not compatible with the initial shape"):
        tf.function(lambda x: tf.while_loop(lambda v: v[0] < 10, lambda v: v, [x],
                                            shape_invariants=[tf.TensorShape([3])])
                    ).get_concrete_function(spec)
    more_specific = tf.function(lambda x: tf.while_loop(
        lambda v: v[0] < 10, lambda v: v + tf.ones([2], tf.int32), [x]))
    assert more_specific.get_concrete_function(tf.TensorSpec([None], tf.int32)).outputs[0] \
        .shape.as_list() == [None]


def test_structure_and_dtype_errors():
    spec = tf.TensorSpec([], tf.int32)
    with pytest.raises(InvalidTypeError, match="Loop var .* enters the loop with type "
                       "<dtype: 'int32'> but has type <dtype: 'float32'> after 1 iteration"):
        tf.function(lambda x: tf.while_loop(lambda i: i < 10,
                                            lambda i: tf.cast(i, tf.float32) + 1, [x])
                    ).get_concrete_function(spec)
    with pytest.raises(InvalidArgumentError, match="don't have the same nested structure"):
        tf.function(lambda x: tf.while_loop(lambda i: i < 10, lambda i: (i + 1, i), [x])
                    ).get_concrete_function(spec)
    with pytest.raises(InvalidTypeError, match="'body' must be callable"):
        tf.while_loop(lambda i: i < 3, 3, [0])
    with pytest.raises(InvalidArgumentError, match="'loop_vars' must be provided"):
        tf.while_loop(lambda: False, lambda: (), [])


def test_nested_loops_and_cond_inside_a_loop():
    def f(n):
        def outer(i, total):
            _, inner = tf.while_loop(lambda j, s: j < i, lambda j, s: (j + 1, s + j), (0, 0))
            bump = tf.cond(i % 2 == 0, lambda: inner, lambda: -inner)
            return i + 1, total + bump
        return tf.while_loop(lambda i, t: i < n, outer, (0, 0))[1]
    want = sum((1 if i % 2 == 0 else -1) * sum(range(i)) for i in range(6))
    assert_modes(f, [np.int32(6)], np.int32(want))


def test_variables_and_prints_inside_the_body_run_in_order():
    v = tf.Variable(0.0)
    out = io.StringIO()

    @tf.function
    def f(n):
        def body(i):
            tf.print("i", i, "v", v, output_stream=out)
            v.assign_add(tf.cast(i, tf.float32))
            return i + 1
        tf.print("start", output_stream=out)
        r = tf.while_loop(lambda i: i < n, body, [0])
        tf.print("end", v, output_stream=out)
        return r
    f(tf.constant(3))
    assert out.getvalue() == "start\ni 0 v 0\ni 1 v 0\ni 2 v 1\nend 3\n"
    assert float(v) == 3.0
    node = next(n for n in f.get_concrete_function(tf.constant(3)).graph.nodes
                if n.type.endswith("while_loop"))
    assert node.type == "stateful_while_loop"


def test_a_loop_in_a_session_graph():
    g = tf.Graph()
    with g.as_default():
        n = tf.compat.v1.placeholder(tf.int32, [])
        x = tf.compat.v1.placeholder(tf.float64, [])
        one = tf.constant(1.0, tf.float64)
        _, y = tf.while_loop(lambda i, y: i < n, lambda i, y: (i + 1, y * x), (0, one))
        dy = tf.compat.v1.gradients(y, [x])[0]
    with tf.compat.v1.Session(graph=g) as sess:
        assert sess.run(y, {n: 3, x: 2.0}) == 8.0
        assert sess.run(dy, {n: 3, x: 2.0}) == pytest.approx(12.0)
        assert sess.run(dy, {n: 0, x: 2.0}) == 0.0


def test_relaxed_traces_still_compile_to_a_plan():
    f = tf.function(lambda x: tf.while_loop(lambda i, y: i < 3,
                                            lambda i, y: (i + 1, tf.tanh(y) * 2.0), (0, x))[1],
                    input_signature=[tf.TensorSpec([None, 4], tf.float32)])
    out = f(tf.ones([5, 4]))
    np.testing.assert_allclose(out.numpy(), np.full((5, 4), 2 * np.tanh(2 * np.tanh(2 * np.tanh(1.0)))),
                               rtol=1e-5)
    text = f.explain()
    assert "reference interpreter" not in text.split("== plan")[-1]
    assert "while_body (" in text


# -- gradients -----------------------------------------------------------------------------------

def _power_loop(x, w):
    """Iterates y <- sin(y) * w + 0.5 y until |y| exceeds 3 or 6 steps: a data-dependent trip
    count (finite differences do not cross a boundary for the sample values)."""
    def body(i, y):
        return i + 1, tf.sin(y) * w + y * 0.5
    _, y = tf.while_loop(lambda i, y: tf.logical_and(i < 6, tf.reduce_max(tf.abs(y)) < 3.0),
                         body, (0, x))
    return tf.reduce_sum(y * y)


def _numeric(f, arrays, eps=1e-6):
    out = []
    for k, a in enumerate(arrays):
        g = np.zeros_like(a)
        for i in np.ndindex(a.shape):
            old = a[i]
            a[i] = old + eps
            plus = float(f(*[tf.constant(b) for b in arrays]))
            a[i] = old - eps
            minus = float(f(*[tf.constant(b) for b in arrays]))
            a[i] = old
            g[i] = (plus - minus) / (2 * eps)
        out.append(g)
    return out


@pytest.mark.parametrize("how", ["eager", "tape in function", "tape around function",
                                 "reference", "v1 gradients"])
def test_loop_gradients_match_finite_differences(how):
    x = np.array([0.3, -0.7, 1.1])
    w = np.array([1.2, 0.8, -0.5])
    numeric = _numeric(_power_loop, [x, w])
    if how == "v1 gradients":
        g = tf.Graph()
        with g.as_default():
            px, pw = (tf.compat.v1.placeholder(tf.float64, [3]) for _ in range(2))
            grads = tf.compat.v1.gradients(_power_loop(px, pw), [px, pw])
        with tf.compat.v1.Session(graph=g) as sess:
            got = sess.run(grads, {px: x, pw: w})
    elif how in ("tape in function", "reference"):
        @tf.function(backend="reference" if how == "reference" else None)
        def grad(x, w):
            with tf.GradientTape() as tape:
                tape.watch([x, w])
                z = _power_loop(x, w)
            return tape.gradient(z, [x, w])
        got = [t.numpy() for t in grad(tf.constant(x), tf.constant(w))]
    else:
        fn = tf.function(_power_loop) if how == "tape around function" else _power_loop
        xs = [tf.constant(x), tf.constant(w)]
        with tf.GradientTape() as tape:
            tape.watch(xs)
            z = fn(*xs)
        got = [t.numpy() for t in tape.gradient(z, xs)]
    for a, b in zip(got, numeric):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-8)


def test_gradient_reaches_variables_read_in_the_body():
    w = tf.Variable(0.9, dtype=tf.float64)

    @tf.function
    def f(x, n):
        with tf.GradientTape() as tape:
            tape.watch(x)
            _, y = tf.while_loop(lambda i, y: i < n, lambda i, y: (i + 1, y * w + 1.0), (0, x))
        return y, tape.gradient(y, [w, x])
    x = tf.constant(2.0, tf.float64)
    y, (gw, gx) = f(x, tf.constant(3))
    # y = 2 w^3 + w^2 + w + 1
    assert float(y) == pytest.approx(2 * 0.9 ** 3 + 0.9 ** 2 + 0.9 + 1)
    assert float(gw) == pytest.approx(6 * 0.9 ** 2 + 2 * 0.9 + 1)
    assert float(gx) == pytest.approx(0.9 ** 3)


def test_second_order_through_a_loop_says_it_is_unsupported():
    @tf.function
    def f(x):
        with tf.GradientTape() as outer:
            outer.watch(x)
            with tf.GradientTape() as inner:
                inner.watch(x)
                y = tf.while_loop(lambda i, y: i < 2, lambda i, y: (i + 1, y * x), (0, x))[1]
            g = inner.gradient(y, x)
        return outer.gradient(g, x)
    with pytest.raises(UnimplementedError, match="second-order gradients through tf.while_loop"):
        f(tf.constant(1.5))


def test_run_modes_agree_on_float_loops():
    def f(x):
        return tf.while_loop(lambda i, y: i < 4, lambda i, y: (i + 1, tf.nn.relu(y - 0.25) * 1.5),
                             (0, x))[1]
    results = run_modes(f, np.linspace(-1, 1, 6).astype(np.float32))
    for r in results.values():
        np.testing.assert_allclose(r, results["eager"], rtol=1e-6)
