"""GradientTape semantics: watching, persistence, structures, unconnected sources, nesting."""
import numpy as np
import pytest

import graphflow as tf
from graphflow.errors import InvalidArgumentError


def _value(g):
    assert g is not None, "expected a gradient, got None"
    return g.numpy()


# ---------------------------------------------------------------------------------------------
# The seed examples


def test_two_variable_square_with_a_watched_non_trainable_variable():
    x1 = tf.Variable(3.0)
    x2 = tf.Variable(1.0, trainable=False)
    with tf.GradientTape() as tape:
        tape.watch(x2)
        y = (x1 + 2 * x2) ** 2
    g1, g2 = tape.gradient(y, [x1, x2])
    assert float(y) == 25.0
    assert float(g1) == pytest.approx(10.0) and float(g2) == pytest.approx(20.0)
    assert g1.dtype is tf.float32 and g2.shape == ()


def test_quadratic_derivative_at_zero():
    x = tf.constant(0.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x ** 2 + 2 * x + 3
    assert float(y) == 3.0
    assert float(tape.gradient(y, x)) == pytest.approx(2.0)


def test_per_sample_linear_regression_converges():
    xs, ys = [1.0, 3.0, 5.0, 7.0], [2.0, 3.0, 4.0, 5.0]
    w, b = tf.Variable(1.0), tf.Variable(0.5)
    lr = 0.01
    for _ in range(1000):
        for x, y in zip(xs, ys):
            with tf.GradientTape() as tape:
                loss = (w * x + b - y) ** 2
            dw, db = tape.gradient(loss, [w, b])
            w.assign_sub(lr * dw)
            b.assign_sub(lr * db)
    assert w.numpy() == pytest.approx(0.5, abs=1e-3)
    assert b.numpy() == pytest.approx(1.5, abs=1e-3)
    assert w.dtype is tf.float32 and b.dtype is tf.float32


# ---------------------------------------------------------------------------------------------
# Watching


def test_trainable_variables_are_watched_automatically():
    v = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(v * v)
    np.testing.assert_array_equal(_value(tape.gradient(y, v)), [2.0, 4.0])
    assert tape.watched_variables() == (v,)


def test_non_trainable_variables_and_constants_only_when_watched():
    v = tf.Variable(2.0, trainable=False)
    c = tf.constant(3.0)
    with tf.GradientTape(persistent=True) as tape:
        y = v * c
    assert tape.gradient(y, v) is None and tape.gradient(y, c) is None
    assert tape.watched_variables() == ()
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([v, c])
        y = v * c
    assert float(tape.gradient(y, v)) == 3.0 and float(tape.gradient(y, c)) == 2.0


def test_watch_accessed_variables_false():
    v, u = tf.Variable(2.0), tf.Variable(5.0)
    with tf.GradientTape(watch_accessed_variables=False, persistent=True) as tape:
        y = v * v * u
    assert tape.gradient(y, v) is None and tape.watched_variables() == ()
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(v)
        y = v * v * u
    gv, gu = tape.gradient(y, [v, u])
    assert float(gv) == 20.0 and gu is None
    assert tape.watched_variables() == (v,)


def test_watch_rejects_non_tensors():
    with tf.GradientTape() as tape:
        with pytest.raises(InvalidArgumentError, match="watch.*float"):
            tape.watch(1.0)


def test_integer_inputs_get_no_gradient():
    i = tf.constant([1, 2])
    iv = tf.Variable(3)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(i)
        tape.watch(iv)
        y = tf.cast(i, tf.float32) * 2.0 + tf.cast(iv, tf.float32)
        z = i * 3
    assert tape.gradient(y, i) is None
    assert tape.gradient(y, iv) is None
    assert tape.gradient(z, i) is None
    assert tape.gradient(y, i, unconnected_gradients="zero") is None  # still none: not a float


def test_stop_gradient():
    x = tf.constant(3.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * tf.stop_gradient(x)
        z = tf.stop_gradient(x * x)
    assert float(tape.gradient(y, x)) == 3.0  # only the first factor contributes
    assert tape.gradient(z, x) is None


def test_stop_recording():
    x = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = x * x
        with tape.stop_recording():
            z = y * x
        w = y + z
    assert float(tape.gradient(w, x)) == 4.0  # z is a constant to the tape


# ---------------------------------------------------------------------------------------------
# gradient(): calls, structures, targets


def test_persistent_tape_allows_several_calls():
    x = tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as tape:
        y = x * x
        z = y * x
    assert float(tape.gradient(y, x)) == 4.0
    assert float(tape.gradient(z, x)) == 12.0
    assert float(tape.gradient(y, x)) == 4.0


def test_second_gradient_call_on_non_persistent_tape_raises():
    x = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = x * x
    tape.gradient(y, x)
    with pytest.raises(InvalidArgumentError, match="only be called once.*persistent"):
        tape.gradient(y, x)
    assert issubclass(InvalidArgumentError, ValueError)


def test_sources_structures():
    a, b, c = tf.Variable(1.0), tf.Variable(2.0), tf.Variable(3.0)
    with tf.GradientTape(persistent=True) as tape:
        y = a * b * c
    g = tape.gradient(y, a)
    assert float(g) == 6.0
    as_list = tape.gradient(y, [a, b])
    assert isinstance(as_list, list) and [float(t) for t in as_list] == [6.0, 3.0]
    as_tuple = tape.gradient(y, (a, b))
    assert isinstance(as_tuple, tuple) and [float(t) for t in as_tuple] == [6.0, 3.0]
    nested = tape.gradient(y, [a, (b, [c])])
    assert float(nested[0]) == 6.0 and float(nested[1][0]) == 3.0 and float(nested[1][1][0]) == 2.0
    assert isinstance(nested[1], tuple) and isinstance(nested[1][1], list)
    as_dict = tape.gradient(y, {"z": a, "a": c, "m": {"b": b}})
    assert set(as_dict) == {"z", "a", "m"}
    assert float(as_dict["z"]) == 6.0 and float(as_dict["a"]) == 2.0
    assert float(as_dict["m"]["b"]) == 3.0


def test_unconnected_sources():
    x, u = tf.Variable([1.0, 2.0]), tf.Variable([[5.0]])
    with tf.GradientTape(persistent=True) as tape:
        y = tf.reduce_sum(x * 2.0)
    assert tape.gradient(y, u) is None
    gx, gu = tape.gradient(y, [x, u], unconnected_gradients="zero")
    np.testing.assert_array_equal(_value(gx), [2.0, 2.0])
    np.testing.assert_array_equal(_value(gu), [[0.0]])
    assert gu.dtype is tf.float32
    gu = tape.gradient(y, u, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    np.testing.assert_array_equal(_value(gu), [[0.0]])
    t = tf.constant([1.0, 2.0, 3.0], tf.float64)
    g = tape.gradient(y, t, unconnected_gradients="zero")
    assert g.dtype is tf.float64 and g.shape == (3,) and not np.any(g.numpy())


def test_target_computed_outside_the_tape_is_unconnected():
    x = tf.Variable(2.0)
    y = x * x
    with tf.GradientTape() as tape:
        z = x + 1.0
    assert tape.gradient(y, x) is None
    del z


def test_non_scalar_targets_are_summed():
    x = tf.Variable([1.0, 2.0, 3.0])
    with tf.GradientTape(persistent=True) as tape:
        y = x * tf.constant([1.0, 2.0, 3.0])
        z = x * x
    np.testing.assert_array_equal(_value(tape.gradient(y, x)), [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(_value(tape.gradient([y, z], x)), [3.0, 6.0, 9.0])
    np.testing.assert_array_equal(_value(tape.gradient({"y": y, "z": z}, x)), [3.0, 6.0, 9.0])


def test_output_gradients():
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        y = x * x
    g = tape.gradient(y, x, output_gradients=tf.constant([10.0, -1.0]))
    np.testing.assert_array_equal(_value(g), [20.0, -4.0])


def test_broadcast_gradients_are_summed_to_the_source_shape():
    x = tf.Variable([1.0, 2.0, 3.0])
    s = tf.Variable(2.0)
    m = tf.Variable(np.ones((2, 1), np.float32))
    with tf.GradientTape() as tape:
        y = x * s + m
    gx, gs, gm = tape.gradient(y, [x, s, m])
    assert gx.shape == (3,) and gs.shape == () and gm.shape == (2, 1)
    np.testing.assert_array_equal(gx.numpy(), [4.0, 4.0, 4.0])
    assert float(gs) == 12.0
    np.testing.assert_array_equal(gm.numpy(), [[3.0], [3.0]])


def test_a_variable_read_several_times_accumulates():
    v = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        a = v * 2.0
        v.assign(10.0)  # later reads see the new value; the gradient still sums every read
        b = v * v
        total = a + b
    assert float(tape.gradient(total, v)) == pytest.approx(2.0 + 20.0)


def test_gradient_dtype_follows_source():
    x = tf.constant([1.0, 2.0], tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(tf.cast(x, tf.float32) ** 2)
    g = tape.gradient(y, x)
    assert g.dtype is tf.float64
    np.testing.assert_allclose(g.numpy(), [2.0, 4.0])


def test_gradient_of_matmul_and_mean():
    w = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
    x = tf.constant([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.matmul(x, w))
    g = tape.gradient(loss, w).numpy()
    np.testing.assert_allclose(g, np.repeat(x.numpy().sum(0)[:, None] / 6.0, 2, axis=1))


# ---------------------------------------------------------------------------------------------
# Higher order


def test_nested_tapes_second_derivative():
    x = tf.Variable(2.0)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = x * x * x
        dy = inner.gradient(y, x)
    d2y = outer.gradient(dy, x)
    assert float(dy) == 12.0 and float(d2y) == 12.0


def test_nested_tapes_on_constants_and_a_third_derivative():
    x = tf.constant(0.5, tf.float64)
    with tf.GradientTape() as t3:
        t3.watch(x)
        with tf.GradientTape() as t2:
            t2.watch(x)
            with tf.GradientTape() as t1:
                t1.watch(x)
                y = tf.sin(x)
            g1 = t1.gradient(y, x)
        g2 = t2.gradient(g1, x)
    g3 = t3.gradient(g2, x)
    np.testing.assert_allclose([float(g1), float(g2), float(g3)],
                               [np.cos(0.5), -np.sin(0.5), -np.cos(0.5)], rtol=1e-12)


def test_mixed_second_derivative():
    x, y = tf.Variable(2.0), tf.Variable(3.0)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            f = x * x * y
        fx = inner.gradient(f, x)
    assert float(fx) == 12.0
    assert float(outer.gradient(fx, y)) == 4.0


def test_jacobian_inside_the_tape_context():
    x = tf.constant([[1.0, 2.0, 3.0]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
        j = tape.jacobian(y, x)
    assert j.shape == (1, 3, 1, 3)
    np.testing.assert_array_equal(j.numpy().reshape(3, 3), np.diag([2.0, 4.0, 6.0]))


def test_jacobian_after_the_tape_context():
    x = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    j = tape.jacobian(y, x)
    np.testing.assert_array_equal(j.numpy(), np.diag([2.0, 4.0, 6.0]))


def test_reset_forgets_records():
    x = tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as tape:
        y = x * x
        tape.reset()
        z = x * 3.0
    assert tape.gradient(y, x) is None
    assert float(tape.gradient(z, x)) == 3.0


def test_tape_is_not_reentrant():
    tape = tf.GradientTape()
    with tape:
        with pytest.raises(InvalidArgumentError, match="already recording"):
            tape.__enter__()


def test_gradient_of_a_watched_tensor_with_respect_to_itself():
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
    np.testing.assert_array_equal(_value(tape.gradient(x, x)), [1.0, 1.0])


def test_gradient_called_inside_the_recording_context():
    v = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = v * v
        g = tape.gradient(y, v)
        z = g * 3.0  # recording goes on after the call (the backward pass itself is not recorded)
    assert float(g) == 4.0 and float(z) == 12.0


def test_integer_target_gives_none():
    v = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = tf.cast(v, tf.int32)
    assert tape.gradient(y, v) is None


def test_float16_gradients_keep_their_dtype():
    h = tf.constant([1.0, 2.0], tf.float16)
    with tf.GradientTape() as tape:
        tape.watch(h)
        y = tf.reduce_sum(h * h)
    g = tape.gradient(y, h)
    assert g.dtype is tf.float16
    np.testing.assert_array_equal(g.numpy(), [2.0, 4.0])


def test_gradient_through_composites():
    v = tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as tape:
        s = tf.reduce_sum(tf.nn.softmax(tf.stack([v, v * 2.0])) * tf.constant([1.0, 0.0]))
        lse = tf.reduce_logsumexp(tf.stack([v, v]))
        parts = tf.unstack(tf.stack([v * 1.0, v * 3.0]))
        u = parts[0] * 2.0 + parts[1]
    s0 = 1.0 / (1.0 + np.exp(2.0))
    assert float(tape.gradient(s, v)) == pytest.approx(s0 * (1 - (s0 + 2 * (1 - s0))), rel=1e-5)
    assert float(tape.gradient(lse, v)) == pytest.approx(1.0)
    assert float(tape.gradient(u, v)) == pytest.approx(5.0)


def test_unstack_of_a_size_one_axis_is_differentiable():
    x = tf.constant([[1.0, 2.0, 3.0]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        (row,) = tf.unstack(x)
        y = tf.reduce_sum(row * 2.0)
    np.testing.assert_array_equal(_value(tape.gradient(y, x)), [[2.0, 2.0, 2.0]])


def test_sqrt_gradient_is_zero_where_the_upstream_gradient_is_zero():
    # TF's SqrtGrad: the masked branch of where(x > 0, sqrt(x), 0) adds 0, not 0 * inf = NaN
    def grad(a):
        with tf.GradientTape() as tape:
            tape.watch(a)
            y = tf.where(a > 0, tf.sqrt(a), 0.0)
        return tape.gradient(y, a)

    a = tf.constant([0.0, 1.0, 4.0])
    np.testing.assert_allclose(grad(a).numpy(), [0.0, 0.5, 0.25])
    np.testing.assert_allclose(tf.function(grad)(a).numpy(), [0.0, 0.5, 0.25])
    with tf.GradientTape() as tape:  # a nonzero upstream gradient at 0 is still inf, as TF
        tape.watch(a)
        y = tf.sqrt(a)
    assert np.isinf(tape.gradient(y, a).numpy()[0])
