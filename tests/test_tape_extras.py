"""GradientTape extras (issue 16): jacobian / batch_jacobian, tf.custom_gradient (eager, in
functions, with variables, in compat.v1 graphs), tf.recompute_grad, watch_accessed_variables,
stop_recording and reset."""
import numpy as np
import pytest

import graphflow as tf
from graphflow.errors import InvalidArgumentError, InvalidTypeError
from graphflow.ops.custom_gradient import CUSTOM_GRADIENT
from graphflow.ops.registry import STATEFUL


def test_jacobian_accepts_tf_arguments_and_matches_numpy():
    a = np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)
    x = tf.constant([0.5, -1.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.linalg.matvec(tf.constant(a), x) ** 2
    jac = tape.jacobian(y, x, experimental_use_pfor=False, parallel_iterations=4)
    expected = 2 * (a @ np.array([0.5, -1.0]))[:, None] * a
    np.testing.assert_allclose(jac.numpy(), expected, rtol=1e-6)
    with pytest.raises(InvalidArgumentError, match="once"):
        tape.jacobian(y, x)


def test_batch_jacobian_shapes_and_values():
    rng = np.random.default_rng(0)
    xv = rng.standard_normal((3, 2)).astype(np.float32)
    w = rng.standard_normal((2, 4)).astype(np.float32)
    x = tf.constant(xv)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = tf.tanh(tf.matmul(x, tf.constant(w)))  # [3, 4]
        s = tf.reduce_sum(x * x, axis=1)            # [3]
    bj = tape.batch_jacobian(y, x)
    assert bj.shape == (3, 4, 2)
    t = np.tanh(xv @ w)
    expected = (1 - t ** 2)[:, :, None] * w.T[None]
    np.testing.assert_allclose(bj.numpy(), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(tape.batch_jacobian(s, x).numpy(), 2 * xv, rtol=1e-6)
    # the full jacobian's diagonal blocks are the batch jacobian
    full = tape.jacobian(y, x).numpy()
    for i in range(3):
        np.testing.assert_allclose(full[i, :, i, :], bj.numpy()[i], rtol=1e-5, atol=1e-6)
    with pytest.raises(InvalidArgumentError, match="first dimensions"):
        tape.batch_jacobian(y, tf.constant(np.ones((2, 2), np.float32)))


def test_batch_jacobian_unconnected_and_in_function():
    x = tf.constant(np.ones((2, 3), np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.ones((2, 2))
    assert tape.batch_jacobian(y, x) is None

    @tf.function
    def f(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = x ** 3
        return tape.batch_jacobian(y, x)
    xv = np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)
    out = f(tf.constant(xv)).numpy()
    np.testing.assert_allclose(out, np.stack([np.diag(3 * r ** 2) for r in xv]))


@tf.custom_gradient
def log1pexp(x):
    e = tf.exp(x)

    def grad(upstream):
        return upstream * (1 - 1 / (1 + e))
    return tf.math.log(1 + e), grad


def _grad_of(fn, x):
    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = fn(x)
    return tape.gradient(y, x)


def test_custom_gradient_eager_and_numerically_stable():
    assert float(_grad_of(log1pexp, 100.0)) == 1.0  # the naive gradient would be nan
    assert float(_grad_of(log1pexp, 0.0)) == 0.5
    assert CUSTOM_GRADIENT.kind is STATEFUL  # holds a callback: never merged or folded


def test_custom_gradient_inside_and_through_functions():
    @tf.function
    def inner_tape(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = log1pexp(x)
        return tape.gradient(y, x)
    assert float(inner_tape(tf.constant(0.0))) == 0.5

    @tf.function
    def fwd(x):
        return 2.0 * log1pexp(x)
    g = _grad_of(fwd, 0.0)  # eager tape over a traced function
    assert isinstance(g, tf.Tensor) and float(g) == 1.0


def test_custom_gradient_multiple_inputs_outputs_and_errors():
    @tf.custom_gradient
    def pair(a, b):
        def grad(da, db):
            return da * 10.0, db * 100.0
        return (a * b, a + b), grad
    a, b = tf.constant(2.0), tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch([a, b])
        p, s = pair(a, b)
        y = p + s
    ga, gb = tape.gradient(y, [a, b])
    assert (float(ga), float(gb)) == (10.0, 100.0)

    @tf.custom_gradient
    def bad(a, b):
        return a + b, lambda dy: dy
    with tf.GradientTape() as tape:
        tape.watch([a, b])
        y = bad(a, b)
    with pytest.raises(InvalidArgumentError, match="1 gradients for 2 inputs"):
        tape.gradient(y, [a, b])


def test_custom_gradient_with_variables():
    v = tf.Variable(2.0)

    @tf.custom_gradient
    def scale(x):
        def grad(dy, variables=None):
            assert variables == [v]
            return dy * v, [dy * x * 10.0]
        return x * v, grad
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = scale(x)
    gx, gv = tape.gradient(y, [x, v])
    assert (float(gx), float(gv)) == (2.0, 30.0)

    @tf.custom_gradient
    def no_kw(x):
        return x * v, lambda dy: dy
    with pytest.raises(InvalidTypeError, match="variables"):
        no_kw(x)


def test_custom_gradient_in_compat_v1_graph():
    g = tf.Graph()
    with g.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [])
        y = log1pexp(x)
        (dx,) = tf.compat.v1.gradients(y, [x])
    with tf.compat.v1.Session(graph=g) as sess:
        assert sess.run(dx, {x: 100.0}) == 1.0


def test_recompute_grad_same_values_and_gradients():
    v = tf.Variable([1.0, -2.0])
    fn = lambda x: tf.reduce_sum(tf.sin(x) * v)  # noqa: E731
    g = tf.recompute_grad(fn)
    xv = np.array([0.3, 1.1], np.float32)
    results = []
    for f in (fn, g):
        x = tf.constant(xv)
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = f(x)
        results.append([float(y)] + [t.numpy() for t in tape.gradient(y, [x, v])])
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-6)
    for a, b in zip(results[0][1:], results[1][1:]):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_watch_accessed_variables_stop_recording_reset():
    v = tf.Variable(3.0)
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        y = v * v
    assert tape.gradient(y, v) is None
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(v)
        y = v * v
    assert float(tape.gradient(y, v)) == 6.0
    with tf.GradientTape() as tape:
        y = v * v
        with tape.stop_recording():
            z = v * 100.0
        w = y + z
    assert float(tape.gradient(w, v)) == 6.0
    with tf.GradientTape() as tape:
        y = v * v * v
        tape.reset()
        y = v * v
    assert float(tape.gradient(y, v)) == 6.0


def test_custom_gradient_keyword_arguments_pass_through():
    @tf.custom_gradient
    def scaled(x, factor=1.0):
        return x * factor, lambda dy: dy * 5.0
    x = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = scaled(x, factor=3.0)
    assert float(y) == 6.0 and float(tape.gradient(y, x)) == 5.0  # as TF 2.21


# -- tf.gradients, tf.hessians, ForwardAccumulator (values against TF 2.21 in
#    tests/tf_programs/advanced_autodiff.py) ------------------------------------------------------

def test_compat_v1_gradients_is_a_list_even_for_one_source():
    # a bare tensor here made TF1's `tf.gradients(y, x)[0]` slice the gradient
    import graphflow.compat.v1 as v1
    graph = tf.Graph()
    with graph.as_default():
        x = v1.placeholder(tf.float32, [3])
        grads = v1.gradients(tf.reduce_sum(x * x), x)
        assert isinstance(grads, list) and len(grads) == 1
        with v1.Session() as sess:
            np.testing.assert_allclose(sess.run(grads[0], {x: [1.0, 2.0, 3.0]}), [2.0, 4.0, 6.0])


def test_forward_accumulator_matches_finite_differences():
    rng = np.random.default_rng(3)
    x0, t0 = rng.standard_normal(4), rng.standard_normal(4)

    def f(a):
        return tf.tanh(a) * tf.exp(a[0]) + tf.reduce_sum(a * a)

    x = tf.constant(x0)
    with tf.autodiff.ForwardAccumulator(x, tf.constant(t0)) as acc:
        y = f(x)
    eps = 1e-6
    fd = (f(tf.constant(x0 + eps * t0)).numpy() - f(tf.constant(x0 - eps * t0)).numpy()) / (2 * eps)
    np.testing.assert_allclose(acc.jvp(y).numpy(), fd, rtol=1e-6, atol=1e-9)


def test_forward_accumulator_checks_its_arguments():
    with pytest.raises(InvalidArgumentError, match="same structure"):
        tf.autodiff.ForwardAccumulator([tf.constant(1.0)], [])
    with pytest.raises(InvalidArgumentError, match="does not match its primal's shape"):
        tf.autodiff.ForwardAccumulator(tf.constant([1.0, 2.0]), tf.constant([1.0]))
    with pytest.raises(InvalidArgumentError, match="primals must be tensors"):
        tf.autodiff.ForwardAccumulator([1.0], [1.0])


def test_hessians_need_known_shapes_and_a_graph():
    with pytest.raises(RuntimeError, match="not supported when eager execution is enabled"):
        tf.hessians(tf.constant(1.0), tf.constant(1.0))

    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    def h(a):
        return tf.hessians(tf.reduce_sum(a * a), a)

    with pytest.raises(InvalidArgumentError, match="must be known"):
        h(tf.constant([1.0, 2.0]))
