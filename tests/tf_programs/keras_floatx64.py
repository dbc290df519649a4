"""A Keras model trained in float64 with keras.config.set_floatx("float64"): the layers' weights,
keras.Input, the outputs, initializers, keras.ops creation functions, losses and metrics all
follow floatx; float64 data keeps its precision; set_epsilon changes the crossentropy's
clipping. The defaults are restored at the end."""
import numpy as np
import tensorflow as tf
import keras

keras.config.set_floatx("float64")
keras.backend.clear_session()  # Keras fixes its default dtype policy at first use
try:
    assert keras.config.floatx() == "float64" and keras.backend.floatx() == "float64"

    inputs = keras.Input((3,))
    assert inputs.dtype == "float64" or inputs.dtype == tf.float64
    hidden = keras.layers.Dense(4, activation="tanh")
    outputs = keras.layers.Dense(1)(hidden(inputs))
    model = keras.Model(inputs, outputs)
    assert hidden.kernel.dtype == tf.float64 and hidden.bias.dtype == tf.float64
    assert all(w.dtype == tf.float64 for w in model.weights)

    # float64 data reaches the model unrounded: 1 + 1e-12 is not 1 in float64 (it is in float32)
    probe = keras.Sequential([keras.Input((1,)),
                              keras.layers.Dense(1, use_bias=False, kernel_initializer="ones")])
    out = probe(np.array([[1.0 + 1e-12]]))
    assert out.dtype == tf.float64 and float(out[0, 0]) - 1.0 > 5e-13

    # float32 input is cast to the layers' float64
    assert model(np.ones((2, 3), np.float32)).dtype == tf.float64

    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 3))
    y = x @ np.array([[0.5], [-1.0], [2.0]]) + 0.25
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse",
                  metrics=["mae", keras.metrics.RootMeanSquaredError()])
    history = model.fit(x, y, epochs=30, batch_size=16, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < losses[0] * 0.5, losses
    results = model.evaluate(x, y, verbose=0, return_dict=True)
    assert set(results) == {"loss", "mae", "root_mean_squared_error"}
    assert model.predict(x[:4], verbose=0).dtype == np.float64

    metric = keras.metrics.Mean()
    metric.update_state([1.0, 2.0])
    assert metric.result().dtype == tf.float64 and float(metric.result()) == 1.5
    accuracy = keras.metrics.BinaryAccuracy()
    accuracy.update_state([1.0, 0.0], [0.9, 0.2])
    assert accuracy.result().dtype == tf.float64
    assert keras.losses.MeanSquaredError()(np.ones((2, 2), np.float32),
                                           np.zeros((2, 2), np.float32)).dtype == tf.float64

    assert keras.ops.ones((2,)).dtype == tf.float64 and keras.ops.zeros(2).dtype == tf.float64
    assert keras.ops.eye(2).dtype == tf.float64 and keras.ops.linspace(0, 1, 3).dtype == tf.float64
    assert keras.ops.arange(3.0).dtype == tf.float64
    assert keras.ops.full((2,), 1.0).dtype == tf.float64
    assert keras.random.normal((2,)).dtype == tf.float64
    assert keras.initializers.GlorotUniform()((2, 2)).dtype == tf.float64
    assert keras.initializers.Zeros()((2,), dtype="int32").dtype == tf.int32

    # epsilon: the crossentropy clips probabilities to [epsilon, 1 - epsilon]
    assert keras.config.epsilon() == 1e-7
    keras.config.set_epsilon(1e-3)
    assert keras.backend.epsilon() == 1e-3
    bce = keras.losses.binary_crossentropy(np.array([1.0]), np.array([0.0]))
    np.testing.assert_allclose(float(np.asarray(bce).reshape(-1)[0]), -np.log(1e-3), rtol=1e-6)
    mape = keras.losses.mean_absolute_percentage_error(np.array([0.0]), np.array([1.0]))
    np.testing.assert_allclose(float(np.asarray(mape).reshape(-1)[0]), 1e5, rtol=1e-6)
    keras.config.set_epsilon(1e-7)

    try:
        keras.config.set_floatx("int32")
        raise AssertionError("set_floatx('int32') must fail")
    except ValueError as e:
        assert "Unknown `floatx` value: int32" in str(e)
finally:
    keras.config.set_floatx("float32")
    keras.config.set_epsilon(1e-7)
    keras.backend.clear_session()

assert keras.config.floatx() == "float32"
assert keras.layers.Dense(2)(np.ones((1, 3))).dtype == tf.float32
print("ok")
