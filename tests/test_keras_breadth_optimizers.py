"""The optimizers graphflow added for Keras 3.15 breadth (Adadelta, Adamax, Ftrl, Lion, Lamb,
Adafactor, LossScaleOptimizer), the base class options they share (weight decay, clipping,
use_ema, loss_scale_factor) and CosineDecayRestarts: several steps from the same weights and
gradients against Keras 3.15's (tests/keras_breadth_expected.py, written by
tests/keras_breadth_cases.py under TF 2.21), eagerly and in a graphflow.function; configs;
compiled fit; saving the optimizer state."""
import json
import os

import numpy as np
import pytest

import graphflow as tf
from graphflow import keras
from graphflow.errors import InvalidArgumentError

import keras_breadth_cases as cases
import keras_breadth_expected as expected

TOL = 2e-6  # max abs difference of the weights after each step


def _variable(a):
    return tf.Variable(a)


def _tensor(a):
    return tf.constant(a)


@pytest.mark.parametrize("traced", [False, True], ids=["eager", "function"])
@pytest.mark.parametrize("name", list(cases.OPTIMIZER_CASES))
def test_optimizer_steps_match_keras(name, traced):
    wrap = tf.function if traced else (lambda f: f)
    got = cases.run_optimizer(keras, name, _variable, wrap=wrap, to_numpy=lambda v: v.numpy(),
                              to_tensor=_tensor)
    want = np.asarray(expected.OPTIMIZERS[name])
    assert got.shape == want.shape
    assert np.max(np.abs(got - want)) < TOL


@pytest.mark.parametrize("traced", [False, True], ids=["eager", "function"])
@pytest.mark.parametrize("inner", ["SGD", "Adam"])
def test_loss_scale_optimizer_matches_keras(inner, traced):
    # scale 8 -> 16 after two finite steps, an inf gradient skips the step (iterations stay)
    # and halves it, then growth again
    wrap = tf.function if traced else (lambda f: f)
    got = cases.run_loss_scale(keras, inner, _variable, wrap=wrap,
                               to_numpy=lambda v: v.numpy(), to_tensor=_tensor)
    want = np.asarray(expected.OPTIMIZERS[f"loss_scale_{inner.lower()}"])
    assert np.max(np.abs(got - want)) < TOL
    assert got[:, -3].tolist() == [8.0, 16.0, 8.0, 8.0, 16.0, 16.0]
    assert got[:, -1].tolist() == [1, 2, 2, 3, 4, 5]


@pytest.mark.parametrize("name", list(cases.OPTIMIZER_CASES))
def test_optimizer_config_matches_keras_and_round_trips(name):
    opt = cases.make_optimizer(keras, name)
    config = opt.get_config()
    config.pop("name")
    if isinstance(config["learning_rate"], dict):
        config["learning_rate"] = config["learning_rate"]["config"]
    want = json.loads(expected.OPTIMIZER_CONFIGS[name])
    for key, value in want.items():
        got = config[key]
        if isinstance(value, float):
            assert got == pytest.approx(value, rel=1e-7), key
        else:
            assert got == value, key
    assert set(config) == set(want)
    again = keras.optimizers.deserialize(keras.optimizers.serialize(opt))
    assert type(again) is type(opt) and again.get_config() == opt.get_config()


def test_loss_scale_optimizer_config_and_errors():
    opt = keras.optimizers.LossScaleOptimizer(keras.optimizers.Lion(0.01), initial_scale=4.0,
                                              dynamic_growth_steps=10)
    config = opt.get_config()
    assert config["initial_scale"] == 4.0 and config["dynamic_growth_steps"] == 10
    assert config["inner_optimizer"]["class_name"] == "Lion"
    again = keras.optimizers.deserialize(keras.optimizers.serialize(opt))
    assert isinstance(again.inner_optimizer, keras.optimizers.Lion)
    assert float(again.dynamic_scale) == 4.0 and again.dynamic_growth_steps == 10
    assert float(again.learning_rate) == pytest.approx(0.01)
    with pytest.raises(InvalidArgumentError, match="does not support `clipnorm`"):
        keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD(), clipnorm=1.0)
    with pytest.raises(InvalidArgumentError, match="dynamic=False"):
        keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD(), dynamic=False)
    with pytest.raises(InvalidArgumentError, match="inner_optimizer must be an Optimizer"):
        keras.optimizers.LossScaleOptimizer("adam")


def test_optimizer_argument_errors():
    O = keras.optimizers
    with pytest.raises(InvalidArgumentError, match="`beta_1` must be in the \\(0, 1\\] range"):
        O.Lion(beta_1=0.0)
    with pytest.raises(InvalidArgumentError, match="initial_accumulator_value"):
        O.Ftrl(initial_accumulator_value=-1.0)
    with pytest.raises(InvalidArgumentError, match="learning_rate_power"):
        O.Ftrl(learning_rate_power=0.5)
    with pytest.raises(InvalidArgumentError, match="ema_overwrite_frequency"):
        O.Adam(use_ema=True, ema_overwrite_frequency=0)
    with pytest.raises(InvalidArgumentError, match="gradient_accumulation_steps=2 is not"):
        O.Adam(gradient_accumulation_steps=2)


def test_optimizer_names():
    for name, cls in [("adadelta", "Adadelta"), ("adamax", "Adamax"), ("ftrl", "Ftrl"),
                      ("lion", "Lion"), ("lamb", "Lamb"), ("Adafactor", "Adafactor")]:
        assert type(keras.optimizers.get(name)).__name__ == cls


def test_adafactor_factored_slots():
    v, b = tf.Variable(np.ones((3, 4, 5), np.float32)), tf.Variable(np.ones(5, np.float32))
    opt = keras.optimizers.Adafactor()
    opt.apply_gradients([(tf.ones((3, 4, 5)), v), (tf.ones(5), b)])
    assert opt.get_slot(v, "r").shape.as_list() == [3, 4]
    assert opt.get_slot(v, "c").shape.as_list() == [3, 5]
    assert opt.get_slot(v, "velocity").shape.as_list() == [3, 4, 5]
    assert opt.get_slot(b, "velocity").shape.as_list() == [5]


@pytest.mark.parametrize("schedule", sorted(cases.SCHEDULE_CASES))
def test_cosine_decay_restarts_matches_keras(schedule):
    s = keras.optimizers.schedules.CosineDecayRestarts(**cases.SCHEDULE_CASES[schedule])
    got = [float(s(i)) for i in cases.SCHEDULE_STEPS]
    np.testing.assert_allclose(got, expected.SCHEDULES[schedule], rtol=2e-6, atol=1e-7)
    traced = tf.function(lambda step: s(step))
    np.testing.assert_allclose([float(traced(tf.constant(i))) for i in cases.SCHEDULE_STEPS],
                               expected.SCHEDULES[schedule], rtol=2e-6, atol=1e-7)
    again = keras.optimizers.schedules.deserialize(keras.optimizers.schedules.serialize(s))
    assert again.get_config() == s.get_config()
    with pytest.raises(InvalidArgumentError, match="first_decay_steps must be > 0"):
        keras.optimizers.schedules.CosineDecayRestarts(0.1, 0)


def _data():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((64, 4)).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0], [0.5], [0.0]], np.float32) + 0.3).astype(np.float32)
    return x, y


def _model(seed=0):
    keras.utils.set_random_seed(seed)
    return keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="tanh"),
                             keras.layers.Dense(1)])


@pytest.mark.parametrize("make", [
    lambda: keras.optimizers.Adadelta(learning_rate=1.0),
    lambda: keras.optimizers.Adamax(0.05),
    lambda: keras.optimizers.Ftrl(0.5, l1_regularization_strength=0.001),
    lambda: keras.optimizers.Lion(0.01, weight_decay=0.01),
    lambda: keras.optimizers.Lamb(0.05),
    lambda: keras.optimizers.Adafactor(0.1),
    lambda: keras.optimizers.Adam(0.05, use_ema=True, ema_momentum=0.9),
    lambda: keras.optimizers.LossScaleOptimizer(keras.optimizers.Adam(0.05)),
], ids=["adadelta", "adamax", "ftrl", "lion", "lamb", "adafactor", "adam_ema", "loss_scale"])
def test_compiled_fit_equals_eager_fit(make):
    x, y = _data()
    weights = {}
    for run_eagerly in (False, True):
        model = _model()
        model.compile(optimizer=make(), loss="mse", run_eagerly=run_eagerly)
        hist = model.fit(x, y, batch_size=16, epochs=3, verbose=0, shuffle=False).history
        assert hist["loss"][-1] < hist["loss"][0]
        weights[run_eagerly] = model.get_weights()
    for a, b in zip(weights[False], weights[True]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_fit_finalizes_ema_weights():
    x, y = _data()
    model = _model()
    opt = keras.optimizers.SGD(0.05, use_ema=True, ema_momentum=0.5)
    model.compile(optimizer=opt, loss="mse")
    model.fit(x, y, batch_size=16, epochs=1, verbose=0, shuffle=False)
    for var in model.trainable_variables:
        np.testing.assert_array_equal(var.numpy(), opt.get_slot(var, "average").numpy())


def test_loss_scale_optimizer_in_fit_scales_the_loss():
    # The same training as the inner optimizer alone (float32: scaling by powers of two is
    # exact up to rounding), with the logged loss unscaled.
    x, y = _data()
    results = []
    for wrap in (False, True):
        model = _model()
        opt = keras.optimizers.SGD(0.05)
        if wrap:
            opt = keras.optimizers.LossScaleOptimizer(opt, initial_scale=1024.0,
                                                      dynamic_growth_steps=3)
        model.compile(optimizer=opt, loss="mse")
        hist = model.fit(x, y, batch_size=16, epochs=2, verbose=0, shuffle=False).history
        results.append((hist["loss"], model.get_weights(), opt))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-5)
    for a, b in zip(results[0][1], results[1][1]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    lso = results[1][2]
    assert int(lso.iterations) == 8
    assert float(lso.dynamic_scale) == 1024.0 * 4  # doubled after steps 3 and 6


def test_loss_scale_factor_in_fit():
    x, y = _data()
    out = []
    for factor in (None, 64.0):
        model = _model()
        model.compile(optimizer=keras.optimizers.Adamax(0.05, loss_scale_factor=factor),
                      loss="mse")
        model.fit(x, y, batch_size=16, epochs=2, verbose=0, shuffle=False)
        out.append(model.get_weights())
    for a, b in zip(*out):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("make", [
    lambda: keras.optimizers.Adafactor(0.1),
    lambda: keras.optimizers.Ftrl(0.1),
    lambda: keras.optimizers.Adam(0.01, use_ema=True),
    lambda: keras.optimizers.LossScaleOptimizer(keras.optimizers.Lamb(0.01)),
], ids=["adafactor", "ftrl", "adam_ema", "loss_scale"])
def test_optimizer_state_survives_save_and_load(make, tmp_path):
    x, y = _data()
    model = _model()
    model.compile(optimizer=make(), loss="mse")
    model.fit(x, y, batch_size=16, epochs=1, verbose=0, shuffle=False)
    path = os.path.join(tmp_path, "m.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    for a, b in zip(model.optimizer.variables, loaded.optimizer.variables):
        assert a.shape == b.shape
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    # training on continues identically
    model.fit(x, y, batch_size=16, epochs=1, verbose=0, shuffle=False)
    loaded.fit(x, y, batch_size=16, epochs=1, verbose=0, shuffle=False)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
