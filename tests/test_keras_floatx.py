"""keras.config.set_floatx / set_epsilon / set_dtype_policy, honoured as Keras 3.15 honours them
(each value checked against Keras 3.15 on TF 2.21). The settings are process-wide, as in Keras;
the `defaults` fixture (and tests/conftest.py after every test) restores them."""
import threading

import numpy as np
import pytest

import graphflow as tf
from graphflow import keras
from graphflow.errors import InvalidArgumentError, UnimplementedError


@pytest.fixture
def defaults():
    yield
    keras.config.set_floatx("float32")
    keras.config.set_epsilon(1e-7)
    keras.backend.clear_session()


@pytest.fixture
def float64(defaults):
    keras.config.set_floatx("float64")
    yield


def test_set_floatx_values_and_errors(defaults):
    for value in ("float16", "float64", "float32"):
        keras.config.set_floatx(value)
        assert keras.config.floatx() == keras.backend.floatx() == value
    with pytest.raises(InvalidArgumentError, match="Unknown `floatx` value: int32. Expected one "
                       "of {'bfloat16', 'float16', 'float32', 'float64'}"):
        keras.backend.set_floatx("int32")
    with pytest.raises(ValueError, match="Unknown `floatx` value"):
        keras.config.set_floatx(tf.float64)   # Keras takes names only
    with pytest.raises(UnimplementedError, match="no bfloat16 dtype"):
        keras.config.set_floatx("bfloat16")
    assert keras.config.floatx() == "float32"


def test_layers_inputs_and_outputs_follow_floatx(float64):
    inputs = keras.Input((4,))
    assert inputs.dtype == tf.float64
    dense = keras.layers.Dense(3)
    outputs = dense(inputs)
    assert dense.kernel.dtype == tf.float64 and dense.bias.dtype == tf.float64
    assert outputs.dtype == tf.float64
    assert dense.dtype == dense.compute_dtype == dense.variable_dtype == "float64"
    assert dense.dtype_policy == keras.DTypePolicy("float64")
    model = keras.Model(inputs, outputs)
    assert model(np.ones((2, 4), np.float32)).dtype == tf.float64   # float32 input is cast
    assert keras.layers.BatchNormalization()(np.ones((2, 1))).dtype == tf.float64


def test_fit_evaluate_predict_and_metrics_in_float64(float64):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    model.compile("adam", "mse", metrics=["mae"])
    history = model.fit(np.ones((8, 4)), np.ones((8, 3)), epochs=2, verbose=0)
    assert set(history.history) == {"loss", "mae"} and len(history.history["loss"]) == 2
    assert model.predict(np.ones((2, 4)), verbose=0).dtype == np.float64
    assert set(model.evaluate(np.ones((8, 4)), np.ones((8, 3)), verbose=0, return_dict=True)) == \
        {"loss", "mae"}
    mean = keras.metrics.Mean()
    mean.update_state([1.0, 2.0])
    assert mean.dtype == "float64" and mean.result().dtype == tf.float64
    accuracy = keras.metrics.BinaryAccuracy()
    accuracy.update_state([1.0, 0.0], [0.9, 0.2])
    assert accuracy.result().dtype == tf.float64
    assert keras.losses.MeanSquaredError()(np.ones((2, 2), np.float32),
                                           np.zeros((2, 2), np.float32)).dtype == tf.float64


def test_initializers_ops_and_random_follow_floatx(float64):
    assert keras.initializers.GlorotUniform()((2, 2)).dtype == tf.float64
    assert keras.initializers.Zeros()((2,), dtype="int32").dtype == tf.int32
    for value in (keras.ops.ones((2,)), keras.ops.zeros(2), keras.ops.arange(3.0),
                  keras.ops.linspace(0, 1, 3), keras.ops.eye(2), keras.ops.full((2,), 1.0),
                  keras.ops.identity(2), keras.ops.tri(2), keras.ops.one_hot(np.arange(2), 2),
                  keras.random.normal((2,)), keras.random.uniform((2,))):
        assert value.dtype == tf.float64
    # as in Keras: Python floats and float32 arrays keep float32, integer means are float32
    assert keras.ops.convert_to_tensor(1.5).dtype == tf.float32
    assert keras.ops.add(np.float32(1), 1.0).dtype == tf.float32
    assert keras.ops.mean(np.ones(2, np.int32)).dtype == tf.float32
    assert keras.ops.arange(3).dtype == tf.int64   # a weak int takes floatx's bits
    assert keras.backend.result_type(float, "int32") == "float64"   # weak types: floatx's bits
    assert keras.backend.result_type(int, "bool") == "int64"
    assert tf.constant(1.0).dtype == tf.float32   # TF's own defaults do not follow Keras


def test_float16(defaults):
    keras.config.set_floatx("float16")
    dense = keras.layers.Dense(2)
    assert dense(np.ones((1, 3))).dtype == tf.float16 and dense.kernel.dtype == tf.float16
    assert keras.Input((2,)).dtype == tf.float16


def test_existing_layers_keep_their_dtype(defaults):
    before = keras.layers.Dense(2)
    keras.config.set_floatx("float64")
    after = keras.layers.Dense(2)
    assert before.dtype == "float32" and after.dtype == "float64"
    assert before(np.ones((1, 3))).dtype == tf.float32


def test_autocast_as_keras(defaults):
    assert keras.layers.ReLU()(tf.ones(2, tf.float64)).dtype == tf.float32
    assert keras.layers.ReLU(autocast=False)(tf.ones(2, tf.float64)).dtype == tf.float64
    assert keras.layers.ReLU()(tf.ones(2, tf.int32)).dtype == tf.int32   # only floats are cast
    assert keras.layers.Add()([tf.ones(2, tf.float64), tf.ones(2, tf.float64)]).dtype == \
        tf.float32
    # a float64 Sequential keeps float64 data (Keras does not round it at the model)
    probe = keras.Sequential([keras.Input((2,), dtype="float64"),
                              keras.layers.Dense(1, dtype="float64", kernel_initializer="ones")])
    out = probe(np.array([[1.0 + 1e-12, 0.0]]))
    assert out.dtype == tf.float64 and float(out[0, 0]) - 1.0 > 5e-13


def test_set_dtype_policy_and_clear_session(defaults):
    keras.config.set_dtype_policy("float64")
    assert keras.config.dtype_policy().name == "float64"
    assert keras.layers.Dense(2).dtype == "float64" and keras.DTypePolicy().name == "float64"
    keras.backend.clear_session()
    assert keras.config.dtype_policy() == keras.DTypePolicy("float32")
    assert keras.layers.Dense(2, dtype=keras.DTypePolicy("float64")).dtype == "float64"
    with pytest.raises(UnimplementedError, match="mixed precision is not built"):
        keras.layers.Dense(2, dtype="mixed_float16")


def test_settings_are_process_wide(defaults):
    seen = []
    keras.config.set_floatx("float64")
    keras.config.set_epsilon(1e-4)
    thread = threading.Thread(target=lambda: seen.append(
        (keras.config.floatx(), keras.config.epsilon(), keras.layers.Dense(1).dtype)))
    thread.start()
    thread.join()
    assert seen == [("float64", 1e-4, "float64")]


def test_set_epsilon(defaults):
    assert keras.config.epsilon() == 1e-7
    keras.config.set_epsilon(1e-3)
    assert keras.backend.epsilon() == 1e-3
    with pytest.raises(TypeError, match="expected a real number"):
        keras.config.set_epsilon("1e-3")
    with pytest.raises(TypeError, match="expected a real number"):
        keras.config.set_epsilon(True)


# Each value is what Keras 3.15 returns with epsilon 1e-3.
@pytest.mark.parametrize("compute, expected", [
    (lambda: keras.losses.binary_crossentropy(np.array([1.0]), np.array([0.0])), -np.log(1e-3)),
    (lambda: keras.losses.categorical_crossentropy(np.array([[1.0, 0.0]]),
                                                   np.array([[0.0, 1.0]]))[0], -np.log(1e-3)),
    (lambda: keras.losses.sparse_categorical_crossentropy(np.array([0]),
                                                          np.array([[0.0, 1.0]]))[0],
     -np.log(1e-3)),
    (lambda: keras.losses.mean_absolute_percentage_error(np.array([0.0]), np.array([1.0])), 1e5),
    (lambda: keras.losses.BinaryCrossentropy()([1.0], [0.0]), -np.log(1e-3)),
    (lambda: keras.ops.binary_crossentropy(np.array([1.0]), np.array([0.0]))[0], -np.log(1e-3)),
    (lambda: keras.layers.Normalization(mean=0.0, variance=0.0)(np.ones((1, 1)))[0, 0], 1e3),
])
def test_epsilon_is_read_where_keras_reads_it(defaults, compute, expected):
    default = float(np.asarray(compute()).reshape(-1)[0])
    keras.config.set_epsilon(1e-3)
    np.testing.assert_allclose(float(np.asarray(compute()).reshape(-1)[0]), expected, rtol=1e-5)
    keras.config.set_epsilon(1e-7)
    assert not np.isclose(default, expected, rtol=1e-3)


def test_optimizer_and_batch_norm_epsilons_are_their_own(defaults):
    keras.config.set_epsilon(1e-3)
    assert keras.optimizers.Adam().epsilon == 1e-7   # Keras: a fixed default argument
    assert keras.layers.BatchNormalization().epsilon == 1e-3   # its own default (0.001)
    assert keras.layers.LayerNormalization().epsilon == 1e-3
