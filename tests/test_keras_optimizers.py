"""Optimizers against NumPy re-implementations of Keras 3's update rules, eagerly and inside a
graphflow.function; schedules; clipping; config round trips; errors."""
import numpy as np
import pytest

import graphflow as tf
from graphflow.errors import InvalidArgumentError
from graphflow.keras import optimizers
from graphflow.keras.optimizers import schedules

SHAPES = [(3,), (2, 2)]
STEPS = 3


def _grads(step):
    """Deterministic gradients per step: mixed signs, one zero entry."""
    rng = np.random.default_rng(100 + step)
    out = [rng.normal(size=s).astype(np.float32) for s in SHAPES]
    out[0][1] = 0.0
    return out


def _initial():
    rng = np.random.default_rng(7)
    return [rng.normal(size=s).astype(np.float32) for s in SHAPES]


# -- NumPy references (Keras 3 update_step formulas) ----------------------------------------------

def ref_sgd(ws, steps, learning_rate, momentum=0.0, nesterov=False, **_):
    lr = learning_rate
    ms = [np.zeros_like(w) for w in ws]
    for t in range(steps):
        for w, m, g in zip(ws, ms, _grads(t)):
            if momentum:
                m[...] = m * momentum - g * lr
                w += (m * momentum - g * lr) if nesterov else m
            else:
                w -= g * lr
    return ws


def ref_rmsprop(ws, steps, learning_rate, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False,
                **_):
    lr = learning_rate
    vs = [np.zeros_like(w) for w in ws]
    ms = [np.zeros_like(w) for w in ws]
    avgs = [np.zeros_like(w) for w in ws]
    for t in range(steps):
        for w, v, m, a, g in zip(ws, vs, ms, avgs, _grads(t)):
            v[...] = rho * v + (1 - rho) * g * g
            if centered:
                a[...] = rho * a + (1 - rho) * g
                denominator = v - a * a + epsilon
            else:
                denominator = v + epsilon
            increment = lr * g / np.sqrt(denominator)
            if momentum > 0:
                m[...] = momentum * m + increment
                w -= m
            else:
                w -= increment
    return ws


def ref_adam(ws, steps, learning_rate, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False,
             weight_decay=None, **_):
    lr = learning_rate
    ms = [np.zeros_like(w) for w in ws]
    vs = [np.zeros_like(w) for w in ws]
    vhats = [np.zeros_like(w) for w in ws]
    for t in range(steps):
        step = t + 1
        alpha = lr * np.sqrt(1 - beta_2 ** step) / (1 - beta_1 ** step)
        for w, m, v, vh, g in zip(ws, ms, vs, vhats, _grads(t)):
            if weight_decay:
                w -= w * weight_decay * lr
            m += (g - m) * (1 - beta_1)
            v += (g * g - v) * (1 - beta_2)
            vv = v
            if amsgrad:
                vh[...] = np.maximum(vh, v)
                vv = vh
            w -= m * alpha / (np.sqrt(vv) + epsilon)
    return ws


def ref_adagrad(ws, steps, learning_rate, initial_accumulator_value=0.1, epsilon=1e-7, **_):
    lr = learning_rate
    accs = [np.full_like(w, initial_accumulator_value) for w in ws]
    for t in range(steps):
        for w, a, g in zip(ws, accs, _grads(t)):
            a += g * g
            w -= lr * g / np.sqrt(a + epsilon)
    return ws


def ref_nadam(ws, steps, learning_rate, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **_):
    lr = learning_rate
    ms = [np.zeros_like(w) for w in ws]
    vs = [np.zeros_like(w) for w in ws]
    u_product = 1.0
    for t in range(steps):
        step = t + 1
        u_t = beta_1 * (1 - 0.5 * 0.96 ** step)
        u_t_1 = beta_1 * (1 - 0.5 * 0.96 ** (step + 1))
        u_product = u_product * u_t
        u_product_next = u_product * u_t_1
        for w, m, v, g in zip(ws, ms, vs, _grads(t)):
            m += (g - m) * (1 - beta_1)
            v += (g * g - v) * (1 - beta_2)
            m_hat = u_t_1 * m / (1 - u_product_next) + (1 - u_t) * g / (1 - u_product)
            v_hat = v / (1 - beta_2 ** step)
            w -= m_hat * lr / (np.sqrt(v_hat) + epsilon)
    return ws


CASES = [
    ("SGD", optimizers.SGD, ref_sgd, dict(learning_rate=0.1)),
    ("SGD-momentum", optimizers.SGD, ref_sgd, dict(learning_rate=0.1, momentum=0.9)),
    ("SGD-nesterov", optimizers.SGD, ref_sgd, dict(learning_rate=0.1, momentum=0.5, nesterov=True)),
    ("RMSprop", optimizers.RMSprop, ref_rmsprop, dict(learning_rate=0.01)),
    ("RMSprop-centered-momentum", optimizers.RMSprop, ref_rmsprop,
     dict(learning_rate=0.01, centered=True, momentum=0.5)),
    ("Adam", optimizers.Adam, ref_adam, dict(learning_rate=0.01)),
    ("Adam-amsgrad", optimizers.Adam, ref_adam, dict(learning_rate=0.01, amsgrad=True)),
    ("AdamW", optimizers.AdamW, ref_adam, dict(learning_rate=0.01, weight_decay=0.1)),
    ("Adagrad", optimizers.Adagrad, ref_adagrad, dict(learning_rate=0.1)),
    ("Nadam", optimizers.Nadam, ref_nadam, dict(learning_rate=0.01)),
]


def _run(cls, kwargs, traced):
    variables = [tf.Variable(w) for w in _initial()]
    opt = cls(**kwargs)

    def step(g0, g1):
        opt.apply_gradients(zip([g0, g1], variables))

    if traced:
        step = tf.function(step)
    for t in range(STEPS):
        step(*[tf.constant(g) for g in _grads(t)])
    return opt, [v.numpy() for v in variables]


@pytest.mark.parametrize("label,cls,ref,kwargs", CASES, ids=[c[0] for c in CASES])
def test_update_rules_match_numpy_eagerly_and_traced(label, cls, ref, kwargs):
    expected = ref([w.astype(np.float64) for w in _initial()], STEPS, **kwargs)
    eager_opt, eager = _run(cls, kwargs, traced=False)
    traced_opt, traced = _run(cls, kwargs, traced=True)
    for e, got_eager, got_traced in zip(expected, eager, traced):
        np.testing.assert_allclose(got_eager, e, rtol=2e-5, atol=1e-6)
        np.testing.assert_allclose(got_traced, e, rtol=2e-5, atol=1e-6)
    assert int(eager_opt.iterations) == int(traced_opt.iterations) == STEPS


def test_defaults_match_keras():
    assert float(optimizers.SGD().learning_rate) == pytest.approx(0.01)
    opt = optimizers.RMSprop()
    assert (float(opt.learning_rate), opt.rho, opt.momentum, opt.epsilon, opt.centered) == \
        (pytest.approx(0.001), 0.9, 0.0, 1e-7, False)
    adam = optimizers.Adam()
    assert (adam.beta_1, adam.beta_2, adam.epsilon, adam.amsgrad) == (0.9, 0.999, 1e-7, False)
    assert optimizers.AdamW().weight_decay == 0.004
    assert optimizers.Adagrad().initial_accumulator_value == 0.1
    assert float(optimizers.Nadam().learning_rate) == pytest.approx(0.001)


def test_slots_are_created_once_per_variable_and_reused():
    v = tf.Variable(np.ones(3, np.float32))
    opt = optimizers.Adam(0.1)
    step = tf.function(lambda g: opt.apply_gradients([(g, v)]))
    step(tf.ones(3))
    count = len(opt.variables)
    step(tf.ones(3))
    opt.apply_gradients([(tf.ones(3), v)])
    assert len(opt.variables) == count == 4  # iterations, learning rate, momentum, velocity
    assert opt.get_slot(v, "momentum") is opt.variables[2]
    # the first call created the slots, so it was traced again to check that a second trace
    # creates none (as TF's tf.function does); no retrace after that
    assert step.experimental_get_tracing_count() == 2


def test_learning_rate_change_takes_effect_without_retracing():
    v = tf.Variable(np.zeros(2, np.float32))
    opt = optimizers.SGD(learning_rate=1.0)
    step = tf.function(lambda g: opt.apply_gradients([(g, v)]))
    step(tf.ones(2))
    opt.learning_rate = 0.5
    step(tf.ones(2))
    np.testing.assert_allclose(v.numpy(), [-1.5, -1.5])
    assert step.experimental_get_tracing_count() == 1
    assert float(opt.learning_rate) == 0.5


def test_schedule_is_evaluated_on_iterations_eagerly_and_traced():
    for traced in (False, True):
        v = tf.Variable(np.zeros(1, np.float32))
        schedule = schedules.PiecewiseConstantDecay([1], [1.0, 0.1])
        opt = optimizers.SGD(learning_rate=schedule)

        def step(g):
            opt.apply_gradients([(g, v)])

        step = tf.function(step) if traced else step
        for _ in range(3):
            step(tf.ones(1))
        # steps 0 and 1 use 1.0, step 2 uses 0.1
        np.testing.assert_allclose(v.numpy(), [-2.1], rtol=1e-6)
    with pytest.raises(TypeError, match="not settable"):
        opt.learning_rate = 0.5
    assert float(opt.learning_rate) == pytest.approx(0.1)


def test_schedules_match_formulas():
    s = schedules.ExponentialDecay(0.1, decay_steps=4, decay_rate=0.5)
    assert float(s(6)) == pytest.approx(0.1 * 0.5 ** 1.5, rel=1e-6)
    s = schedules.ExponentialDecay(0.1, decay_steps=4, decay_rate=0.5, staircase=True)
    assert float(s(7)) == pytest.approx(0.05)
    s = schedules.InverseTimeDecay(1.0, decay_steps=2, decay_rate=0.5)
    assert float(s(3)) == pytest.approx(1 / (1 + 0.5 * 1.5))
    s = schedules.PiecewiseConstantDecay([10, 20], [1.0, 0.5, 0.1])
    assert [float(s(i)) for i in (0, 10, 11, 20, 21)] == pytest.approx([1, 1, 0.5, 0.5, 0.1])
    s = schedules.CosineDecay(1.0, decay_steps=10, alpha=0.1)
    expected = 1.0 * ((1 - 0.1) * 0.5 * (1 + np.cos(np.pi * 3 / 10)) + 0.1)
    assert float(s(3)) == pytest.approx(expected, rel=1e-6)
    assert float(s(50)) == pytest.approx(0.1)
    s = schedules.CosineDecay(0.0, decay_steps=10, warmup_target=1.0, warmup_steps=4)
    assert float(s(2)) == pytest.approx(0.5)
    assert float(s(9)) == pytest.approx(0.5 * (1 + np.cos(np.pi * 5 / 10)), rel=1e-6)
    s = schedules.PolynomialDecay(1.0, decay_steps=4, end_learning_rate=0.2, power=2.0)
    assert float(s(2)) == pytest.approx(0.8 * 0.25 + 0.2)


def test_schedule_on_a_symbolic_step():
    s = schedules.ExponentialDecay(1.0, 2, 0.5)
    f = tf.function(lambda step: s(step))
    assert float(f(tf.constant(np.int64(2)))) == pytest.approx(0.5)
    assert float(f(tf.constant(np.int64(4)))) == pytest.approx(0.25)
    assert f.experimental_get_tracing_count() == 1


def test_clipnorm_clipvalue_global_clipnorm():
    g = np.array([3.0, 4.0], np.float32)  # norm 5
    for kwargs, expected_grad in [
            (dict(clipnorm=1.0), g / 5.0),
            (dict(clipvalue=3.5), np.clip(g, -3.5, 3.5)),
            (dict(global_clipnorm=2.5), g / 2.0)]:
        for traced in (False, True):
            v = tf.Variable(np.zeros(2, np.float32))
            opt = optimizers.SGD(learning_rate=1.0, **kwargs)
            step = lambda grad: opt.apply_gradients([(grad, v)])  # noqa: E731
            (tf.function(step) if traced else step)(tf.constant(g))
            np.testing.assert_allclose(v.numpy(), -expected_grad, rtol=1e-6)
    # global: two gradients, joint norm sqrt(9 + 16 + 144) = 13
    a, b = tf.Variable(np.zeros(2, np.float32)), tf.Variable(np.zeros(1, np.float32))
    optimizers.SGD(1.0, global_clipnorm=1.3).apply_gradients(
        [(tf.constant(g), a), (tf.constant([12.0]), b)])
    np.testing.assert_allclose(np.concatenate([a.numpy(), b.numpy()]), -np.array([3, 4, 12]) / 10,
                               rtol=1e-6)
    # a zero gradient stays zero (no NaN) under clipnorm
    z = tf.Variable(np.ones(2, np.float32))
    optimizers.SGD(1.0, clipnorm=1.0).apply_gradients([(tf.zeros(2), z)])
    np.testing.assert_allclose(z.numpy(), [1.0, 1.0])
    with pytest.raises(InvalidArgumentError, match="only one of"):
        optimizers.SGD(clipnorm=1.0, clipvalue=1.0)


def test_none_gradients_are_skipped_and_all_none_raises():
    a, b = tf.Variable(1.0, name="a"), tf.Variable(2.0, name="b")
    opt = optimizers.SGD(1.0)
    with pytest.warns(UserWarning, match="b"):
        opt.apply_gradients([(tf.constant(1.0), a), (None, b)])
    assert float(a) == 0.0 and float(b) == 2.0
    with pytest.raises(InvalidArgumentError, match=r"no gradients provided for any.*'a:0'"):
        opt.apply_gradients([(None, a), (None, b)])


def test_errors_name_the_variable_and_shapes():
    v = tf.Variable(np.zeros(3, np.float32), name="kernel")
    with pytest.raises(InvalidArgumentError, match=r"kernel.*\(2,\).*\(3,\)"):
        optimizers.SGD().apply_gradients([(tf.zeros(2), v)])
    with pytest.raises(InvalidArgumentError, match="Variables"):
        optimizers.SGD().apply_gradients([(tf.zeros(2), tf.zeros(2))])
    with pytest.raises(InvalidArgumentError, match="lr"):
        optimizers.Adam(lr=0.1)


def test_minimize_with_callable_and_with_tape():
    v = tf.Variable(3.0)
    opt = optimizers.SGD(learning_rate=0.25)
    opt.minimize(lambda: v * v, [v])
    assert float(v) == pytest.approx(1.5)
    with tf.GradientTape() as tape:
        loss = v * v
    opt.minimize(loss, [v], tape=tape)
    assert float(v) == pytest.approx(0.75)
    with pytest.raises(InvalidArgumentError, match="tape"):
        opt.minimize(loss, [v])


def test_float64_variables_are_updated_in_their_dtype():
    v = tf.Variable(np.ones(2, np.float64))
    opt = optimizers.Adam(0.1)
    opt.apply_gradients([(tf.constant(np.ones(2)), v)])
    assert v.dtype is tf.float64
    lr = float(np.float32(0.1))  # the learning rate is stored as float32, as in Keras
    alpha = lr * np.sqrt(1 - 0.999) / (1 - 0.9)
    expected = 1.0 - 0.1 * alpha / (np.sqrt(0.001) + 1e-7)  # m = 0.1, v = 0.001 after one step
    np.testing.assert_allclose(v.numpy(), [expected, expected], rtol=1e-12)


def test_weight_decay_exclusion():
    a, b = tf.Variable(1.0, name="dense/kernel"), tf.Variable(1.0, name="dense/bias")
    opt = optimizers.SGD(learning_rate=0.5, weight_decay=0.2)
    opt.exclude_from_weight_decay(var_names=["bias"])
    opt.apply_gradients([(tf.constant(0.0), a), (tf.constant(0.0), b)])
    assert float(a) == pytest.approx(0.9) and float(b) == 1.0


def test_get_config_round_trip_and_get():
    opt = optimizers.Adam(learning_rate=schedules.ExponentialDecay(0.1, 10, 0.9), beta_1=0.8,
                          clipnorm=2.0)
    config = optimizers.serialize(opt)
    again = optimizers.get(config)
    assert isinstance(again, optimizers.Adam) and again.beta_1 == 0.8 and again.clipnorm == 2.0
    assert float(again.learning_rate) == pytest.approx(0.1)
    assert again.get_config() == opt.get_config()
    for name, cls in [("sgd", optimizers.SGD), ("Adam", optimizers.Adam),
                      ("RMSprop", optimizers.RMSprop), ("adamw", optimizers.AdamW),
                      ("adagrad", optimizers.Adagrad), ("nadam", optimizers.Nadam)]:
        assert type(optimizers.get(name)) is cls
    assert optimizers.get(opt) is opt
    with pytest.raises(InvalidArgumentError, match="adabelief"):
        optimizers.get("adabelief")  # not a Keras 3 optimizer


def test_update_fuses_into_one_kernel_per_variable():
    v = tf.Variable(np.ones(8, np.float32))
    opt = optimizers.RMSprop(0.01)
    step = tf.function(lambda g: opt.apply_gradients([(g, v)]))
    step(tf.ones(8))
    report = step.explain()
    assert "fuse_update" in report
    # velocity and the weight in one in-place kernel, the int64 iteration count in another
    assert "variables=3" in report and "clusters=2" in report
