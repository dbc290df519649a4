"""keras.constraints: values against Keras 3 (numbers from TF 2.21's Keras), serialization,
and constrained weights projected after every optimizer update, eager and compiled."""
import json
import os
import sys

import numpy as np
import pytest

import graphflow as tf
from graphflow import keras
from graphflow.errors import InvalidArgumentError
from graphflow.keras import constraints

sys.path.insert(0, os.path.dirname(__file__))
from layer_checks import cosine  # noqa: E402

W = np.array([[3.0, 0.1, -1.0], [4.0, 0.2, 2.0]], np.float32)
# Keras 3.x outputs for W (printed by ~/.venv-tf/bin/python)
EXPECTED = [
    (constraints.MaxNorm(1.0), [[0.6, 0.1, -0.44721], [0.8, 0.2, 0.89443]]),
    (constraints.MaxNorm(2.0, axis=1), [[1.89642, 0.06321, -0.63214], [1.78707, 0.08935, 0.89353]]),
    (constraints.NonNeg(), [[3.0, 0.1, 0.0], [4.0, 0.2, 2.0]]),
    (constraints.UnitNorm(), [[0.6, 0.44721, -0.44721], [0.8, 0.89443, 0.89443]]),
    (constraints.MinMaxNorm(0.5, 1.0, rate=0.5), [[1.8, 0.1618, -0.72361], [2.4, 0.32361, 1.44721]]),
]


@pytest.mark.parametrize("constraint,expected", EXPECTED, ids=lambda c: type(c).__name__)
def test_values_match_keras(constraint, expected):
    out = constraint(tf.constant(W)).numpy()
    np.testing.assert_allclose(out, expected, atol=2e-5)
    again = constraints.get(json.loads(json.dumps(constraints.serialize(constraint))))
    assert type(again) is type(constraint) and again.get_config() == constraint.get_config()


def test_get_names_and_errors():
    assert isinstance(constraints.get("non_neg"), constraints.NonNeg)
    assert isinstance(constraints.get("MaxNorm"), constraints.MaxNorm)
    assert constraints.get(None) is None
    with pytest.raises(InvalidArgumentError, match="Unknown constraint 'nope'"):
        constraints.get("nope")
    with pytest.raises(InvalidArgumentError, match="axis"):
        constraints.UnitNorm(axis="rows")


@pytest.mark.parametrize("run_eagerly", [False, True])
def test_non_neg_kernel_projected_after_each_update(run_eagerly):
    # Keras 3: the initial -1 kernel is not projected at build, only after the first update
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(
        2, kernel_constraint=keras.constraints.NonNeg(),
        kernel_initializer=keras.initializers.Constant(-1.0))])
    model.compile("sgd", "mse", run_eagerly=run_eagerly)
    assert (model.layers[0].kernel.numpy() == -1).all()
    model.fit(np.ones((4, 2)), np.ones((4, 2)), verbose=0)
    np.testing.assert_array_equal(model.layers[0].kernel.numpy(), np.zeros((2, 2)))


def test_max_norm_on_conv_and_embedding_and_custom_callable():
    keras.utils.set_random_seed(0)
    inp = keras.Input((5,), dtype="int32")
    h = keras.layers.Embedding(10, 4, embeddings_constraint=constraints.MaxNorm(0.5, axis=1))(inp)
    h = keras.layers.Reshape((5, 4, 1))(h)
    h = keras.layers.Conv2D(2, 3, kernel_constraint=constraints.UnitNorm(axis=[0, 1, 2]),
                            bias_constraint=lambda b: tf.clip_by_value(b, -0.01, 0.01))(h)
    out = keras.layers.Dense(1)(keras.layers.Flatten()(h))
    model = keras.Model(inp, out)
    model.compile(keras.optimizers.SGD(0.5), "mse")
    x = np.random.default_rng(0).integers(0, 10, (16, 5))
    model.fit(x, np.ones((16, 1)) * 5, verbose=0, epochs=2)
    emb = model.layers[1].embeddings.numpy()
    assert np.linalg.norm(emb, axis=1).max() <= 0.5 + 1e-5
    conv = model.layers[3]
    np.testing.assert_allclose(np.linalg.norm(conv.kernel.numpy().reshape(-1, 2), axis=0), 1,
                               rtol=1e-5)
    assert np.abs(conv.bias.numpy()).max() <= 0.01 + 1e-7


def test_layer_config_round_trip_keeps_constraints():
    layer = keras.layers.Dense(3, kernel_constraint="max_norm", bias_constraint=constraints.NonNeg())
    config = layer.get_config()
    assert config["kernel_constraint"] == {"class_name": "MaxNorm",
                                           "config": {"max_value": 2.0, "axis": 0}}
    again = keras.layers.Dense.from_config(json.loads(json.dumps(config)))
    assert isinstance(again.kernel_constraint, constraints.MaxNorm)
    assert isinstance(again.bias_constraint, constraints.NonNeg)


def test_add_weight_constraint_in_custom_layer():
    class Positive(keras.layers.Layer):
        def build(self, shape):
            self.w = self.add_weight("w", (shape[-1],), initializer="ones", constraint="non_neg")

        def call(self, x):
            return x * self.w

    model = keras.Sequential([keras.Input((3,)), Positive()])
    model.compile(keras.optimizers.SGD(1.0), "mse")
    model.fit(np.ones((8, 3)), -10 * np.ones((8, 3)), verbose=0)
    assert (model.layers[0].w.numpy() >= 0).all()


# Keras 3.15 (TF 2.21): sum(model.losses) before training, then kernel, recurrent kernel and
# bias after one SGD(0.5) step of Sequential([Input((3, 2)), <layer>(2, constraints and
# regularizers below), Dense(1)]) from the weights cosine(shape, i)
RECURRENT_KERAS = {
    "SimpleRNN": (0.118437, [[0.39694, 0.14787], [-0.30403, -0.32703]],
                  [[0.23193, 0.0], [0.0, 0.05412]],
                  [-0.5835, -0.81211]),
    "LSTM": (0.465979,
             [[0.43695, 0.11913, -0.34283, -0.32687, 0.21596, 0.4411, 0.02771, -0.38339],
              [-0.24306, 0.29178, 0.36396, -0.07303, -0.44888, -0.16723, 0.35878, 0.32096]],
             [[0.24477, 0.0, 0.0, 0.06837, 0.4711, 0.14728, 0.0, 0.0],
              [0.17229, 0.47023, 0.04365, 0.0, 0.0, 0.26737, 0.44526, 0.0]],
             [-0.22715, -0.51213, -0.06325, 0.48894, 0.27329, -0.34062, -0.49883, 0.05929]),
    "GRU": (0.356491, [[0.45203, 0.12162, -0.38781, -0.32713, 0.23827, 0.44764],
                       [0.02954, -0.42669, -0.25147, 0.29149, 0.40435, -0.07388]],
            [[0.24389, 0.0, 0.0, 0.06844, 0.46352, 0.14633],
             [0.0, 0.0, 0.16813, 0.47002, 0.06953, 0.0]],
            [[-0.40953, -0.99541, -0.08351, 0.90897, 0.28358, -0.60662],
             [-0.91229, 0.09569, 0.99651, 0.41686, -0.95895, -0.79499]]),
}


@pytest.mark.parametrize("run_eagerly", [False, True], ids=["compiled", "eager"])
@pytest.mark.parametrize("kind", sorted(RECURRENT_KERAS))
def test_recurrent_constraints_and_regularizers_match_keras(kind, run_eagerly):
    layer = getattr(keras.layers, kind)(
        2, kernel_constraint=constraints.MaxNorm(0.5), recurrent_constraint="non_neg",
        bias_constraint=constraints.UnitNorm(axis=0),
        kernel_regularizer=keras.regularizers.L2(0.1),
        recurrent_regularizer=keras.regularizers.L1(0.05),
        bias_regularizer=keras.regularizers.L2(0.01))
    model = keras.Sequential([keras.Input((3, 2)), layer, keras.layers.Dense(1)])
    model.set_weights([cosine(w.shape, i) for i, w in enumerate(model.get_weights())])
    loss, kernel, recurrent, bias = RECURRENT_KERAS[kind]
    np.testing.assert_allclose(float(sum(model.losses)), loss, rtol=1e-5)
    # Keras projects after updates only: the initial negative recurrent entries stay
    assert (layer.cell.recurrent_kernel.numpy() < 0).any()
    model.compile(keras.optimizers.SGD(0.5), "mse", run_eagerly=run_eagerly)
    model.fit(cosine((4, 3, 2), 7), cosine((4, 1), 9), batch_size=4, verbose=0,
              shuffle=False)
    for var, want in zip([layer.cell.kernel, layer.cell.recurrent_kernel, layer.cell.bias],
                         [kernel, recurrent, bias]):
        np.testing.assert_allclose(var.numpy(), want, atol=2e-5, err_msg=var.name)


def test_constraints_on_cells_inside_rnn_stacks_and_bidirectional():
    cells = [keras.layers.LSTMCell(3, recurrent_constraint="non_neg"),
             keras.layers.GRUCell(2, kernel_constraint=constraints.MaxNorm(0.3))]
    bi = keras.layers.Bidirectional(keras.layers.SimpleRNN(
        2, return_sequences=True, recurrent_constraint="non_neg",
        recurrent_initializer=keras.initializers.Constant(-0.5)))
    model = keras.Sequential([keras.Input((4, 3)), bi, keras.layers.RNN(cells)])
    model.compile(keras.optimizers.SGD(0.1), "mse")
    rng = np.random.default_rng(0)
    model.fit(rng.normal(size=(8, 4, 3)), rng.normal(size=(8, 2)), verbose=0)
    for rnn in (bi.forward_layer, bi.backward_layer):  # both copies keep the constraint
        np.testing.assert_array_equal(rnn.cell.recurrent_kernel.numpy(), 0.0)
    assert (cells[0].recurrent_kernel.numpy() >= 0).all()
    assert np.linalg.norm(cells[1].kernel.numpy(), axis=0).max() <= 0.3 + 1e-6


def _one_sgd_step(make_layer, input_shape, constrained):
    keras.utils.set_random_seed(3)
    model = keras.Sequential([keras.Input(input_shape), make_layer(constrained)])
    model.compile(keras.optimizers.SGD(0.5), "mse")
    x = np.random.default_rng(0).normal(size=(4,) + input_shape).astype(np.float32)
    y = model.predict(x, verbose=0) - 1.0  # pulls biases and offsets below zero
    model.fit(x, y, batch_size=4, epochs=1, verbose=0, shuffle=False)
    return [w.numpy() for w in model.layers[-1].weights]


@pytest.mark.parametrize("name,make_layer,input_shape", [
    ("DepthwiseConv2D", lambda c: keras.layers.DepthwiseConv2D(
        2, depthwise_constraint=c, bias_constraint=c), (5, 5, 3)),
    ("SeparableConv2D", lambda c: keras.layers.SeparableConv2D(
        4, 2, depthwise_constraint=c, pointwise_constraint=c, bias_constraint=c), (5, 5, 3)),
    ("GroupNormalization", lambda c: keras.layers.GroupNormalization(
        groups=2, beta_constraint=c, gamma_constraint=c), (3, 4)),
    ("PReLU", lambda c: keras.layers.PReLU(
        alpha_initializer=keras.initializers.Constant(-0.2), alpha_constraint=c), (6,)),
])
def test_constraints_of_the_remaining_layers_project_after_an_update(name, make_layer,
                                                                      input_shape):
    # the same step without and with NonNeg: the constrained weights are max(w, 0) of the free
    free = _one_sgd_step(lambda c: make_layer(None), input_shape, False)
    bound = _one_sgd_step(lambda c: make_layer(keras.constraints.NonNeg()), input_shape, True)
    assert any((w < 0).any() for w in free), f"{name}: the test step must make a weight negative"
    for f, b in zip(free, bound):
        np.testing.assert_allclose(b, np.maximum(f, 0), rtol=1e-5, atol=1e-6)
    layer = make_layer(keras.constraints.NonNeg())
    again = type(layer).from_config(layer.get_config())
    keys = [k for k in layer.get_config() if k.endswith("_constraint")]
    assert keys and all(isinstance(getattr(again, k), keras.constraints.NonNeg) for k in keys)
