"""Convolution, pooling, shape, activation, noise and normalization layers of issue 17 against
real Keras 3 goldens (tests/data/klayers_goldens.npz, from make_klayers_goldens.py), with
finite-difference gradients, eager = compiled parity, symbolic shapes and config round trips."""
import os
import sys

import numpy as np
import pytest

import graphflow as tf
from graphflow import keras
from graphflow.errors import InvalidArgumentError

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "data"))
from klayers_cases import CASES  # noqa: E402
from layer_checks import check_compiled, check_config, check_gradients  # noqa: E402

L = keras.layers
GOLDEN = np.load(os.path.join(os.path.dirname(__file__), "data", "klayers_goldens.npz"))

# Cases whose finite differences would cross a kink (max, relu thresholds) at random inputs
# are still smooth almost surely; pooling ties do not occur with continuous values.
FD_SKIP = {"upsample2d_bilinear"}  # resize's gradient is checked by the op registry


def _golden_layer(key, cls, config, shape, dtype="float32"):
    layer = getattr(L, cls)(**config, dtype=dtype)
    layer.build(shape)
    weights = []
    i = 0
    while f"{key}/w{i}" in GOLDEN:
        weights.append(GOLDEN[f"{key}/w{i}"].astype(dtype))
        i += 1
    assert [list(w.shape) for w in weights] == [v.shape.as_list() for v in layer.weights]
    layer.set_weights(weights)
    return layer


@pytest.mark.parametrize("key,cls,config,shape", CASES, ids=[c[0] for c in CASES])
def test_layer_matches_keras(key, cls, config, shape):
    layer = _golden_layer(key, cls, config, shape)
    x = GOLDEN[f"{key}/x"]
    y = check_compiled(layer, tf.constant(x))
    np.testing.assert_allclose(y.numpy(), GOLDEN[f"{key}/y"], rtol=1e-5, atol=1e-5)
    # a symbolic call infers the same shape with an unknown batch
    sym = getattr(L, cls)(**config)(keras.Input(shape=shape[1:]))
    assert sym.shape.as_list() == [None] + list(GOLDEN[f"{key}/y"].shape[1:])
    check_config(layer)


@pytest.mark.parametrize("key,cls,config,shape",
                         [c for c in CASES if c[0] not in FD_SKIP],
                         ids=[c[0] for c in CASES if c[0] not in FD_SKIP])
def test_layer_gradients(key, cls, config, shape):
    layer = _golden_layer(key, cls, config, shape, dtype="float64")
    check_gradients(layer, GOLDEN[f"{key}/x"].astype(np.float64))


def test_compiled_with_unknown_batch():
    # transposed convolutions and spatial dropout size their helpers from the runtime batch
    for layer, shape in [(L.Conv2DTranspose(2, 3, strides=2), (3, 3, 1)),
                         (L.Conv1DTranspose(2, 3, strides=2, padding="same"), (4, 1)),
                         (L.GroupNormalization(2), (3, 4)),
                         (L.SpatialDropout1D(0.5), (4, 3))]:
        inputs = keras.Input(shape=shape)
        model = keras.Model(inputs, layer(inputs))
        x = np.ones((5,) + shape, np.float32)
        assert model(x).shape[0] == 5
        f = tf.function(lambda x: model(x, training=True),
                        input_signature=[tf.TensorSpec((None,) + shape)])
        assert f(x).shape[0] == 5


def test_softmax_mask_matches_keras():
    x, mask = GOLDEN["softmax_mask/x"], GOLDEN["softmax_mask/mask"]
    np.testing.assert_allclose(L.Softmax()(x, mask=mask).numpy(), GOLDEN["softmax_mask/y"],
                               rtol=1e-6, atol=1e-7)


def test_noise_layers_only_in_training():
    x = np.ones((64, 8, 4), np.float32)
    for layer in [L.SpatialDropout1D(0.5, seed=1), L.GaussianNoise(0.5, seed=1),
                  L.GaussianDropout(0.5, seed=1)]:
        np.testing.assert_array_equal(layer(x).numpy(), x)
        np.testing.assert_array_equal(layer(x, training=False).numpy(), x)
        y = layer(x, training=True).numpy()
        assert not np.allclose(y, x)
        check_config(layer)
    # spatial dropout keeps or drops whole channels, scaled by 1 / (1 - rate)
    y = L.SpatialDropout1D(0.5)(x, training=True).numpy()
    assert set(np.unique(y)) <= {0.0, 2.0}
    assert (y == y[:, :1, :]).all()
    y = L.SpatialDropout2D(0.25)(np.ones((16, 3, 3, 8), np.float32), training=True).numpy()
    assert (y == y[:, :1, :1, :]).all() and set(np.unique(y)) <= {0.0, np.float32(1 / 0.75)}
    # Gaussian noise and dropout have the documented moments
    big = np.ones((200, 100), np.float32)
    noise = L.GaussianNoise(0.5)(big, training=True).numpy() - 1
    assert abs(noise.std() - 0.5) < 0.02 and abs(noise.mean()) < 0.02
    mult = L.GaussianDropout(0.2)(big, training=True).numpy()
    assert abs(mult.std() - np.sqrt(0.2 / 0.8)) < 0.02 and abs(mult.mean() - 1) < 0.02


def test_layers_train_in_a_compiled_fit():
    inputs = keras.Input(shape=(12, 3))
    x = L.Conv1D(4, 3, padding="causal", activation="relu")(inputs)
    x = L.SpatialDropout1D(0.1)(x)
    x = L.MaxPooling1D(2)(x)
    x = L.UpSampling1D(2)(x)
    x = L.ZeroPadding1D((1, 1))(x)
    x = L.Cropping1D((1, 1))(x)
    x = L.PReLU()(x)
    x = L.GroupNormalization(2)(x)
    x = L.GlobalAveragePooling1D()(x)
    x = L.RepeatVector(2)(x)
    x = L.Permute((2, 1))(x)
    outputs = L.Dense(1)(L.Flatten()(x))
    model = keras.Model(inputs, outputs)
    model.compile(keras.optimizers.Adam(0.02), "mse")
    rng = np.random.default_rng(0)
    data = rng.standard_normal((32, 12, 3)).astype(np.float32)
    target = data.sum(axis=(1, 2))[:, None]
    history = model.fit(data, target, epochs=10, batch_size=16, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_image_model_with_transposed_and_separable_convs():
    inputs = keras.Input(shape=(8, 8, 2))
    x = L.SeparableConv2D(4, 3, padding="same", activation="relu")(inputs)
    x = L.DepthwiseConv2D(3, padding="same")(x)
    x = L.Conv2DTranspose(3, 3, strides=2, padding="same")(x)
    x = L.Cropping2D(4)(x)
    x = L.ZeroPadding2D(1)(x)
    x = L.UpSampling2D(2)(x)
    x = L.UnitNormalization()(x)
    model = keras.Model(inputs, L.GlobalMaxPooling2D()(x))
    assert model.output_shape.as_list() == [None, 3]
    model.compile("sgd", "mse")
    model.fit(np.ones((4, 8, 8, 2), np.float32), np.zeros((4, 3), np.float32), verbose=0)


def test_bad_settings_and_inputs_raise_graphflow_errors():
    with pytest.raises(InvalidArgumentError, match="padding"):
        L.Conv1D(2, 3, padding="full")
    with pytest.raises(InvalidArgumentError, match="filters"):
        L.Conv2DTranspose(0, 3)
    with pytest.raises(InvalidArgumentError, match="dilation_rate > 1"):
        L.Conv1D(2, 3, strides=2, dilation_rate=2)
    with pytest.raises(InvalidArgumentError, match="rank 3"):
        L.Conv1D(2, 3)(np.ones((2, 4, 4, 1), np.float32))
    with pytest.raises(InvalidArgumentError, match="rank 3"):
        L.MaxPooling1D()(np.ones((2, 4), np.float32))
    with pytest.raises(InvalidArgumentError, match="consecutive"):
        L.Permute((1, 3))
    with pytest.raises(InvalidArgumentError, match="leaves nothing"):
        L.Cropping1D((2, 2))(np.ones((1, 4, 1), np.float32))
    with pytest.raises(InvalidArgumentError, match="negative"):
        L.ReLU(max_value=-1)
    with pytest.raises(InvalidArgumentError, match="groups"):
        L.GroupNormalization(3)(np.ones((2, 4), np.float32))
    with pytest.raises(InvalidArgumentError, match="rate"):
        L.GaussianDropout(1.0)
    with pytest.raises(InvalidArgumentError, match="rank 2"):
        L.RepeatVector(2)(np.ones((2, 3, 4), np.float32))
    with pytest.raises(InvalidArgumentError, match="shared axis"):
        L.PReLU(shared_axes=[3])(np.ones((2, 3), np.float32))
    assert L.LeakyReLU(alpha=0.1).negative_slope == pytest.approx(0.1)


def test_conv1d_constraints_are_applied_after_each_update():
    model = keras.Sequential([keras.Input((8, 2)),
                              L.Conv1D(3, 3, kernel_constraint=keras.constraints.MaxNorm(0.1),
                                       bias_constraint="non_neg"),
                              L.Flatten(), L.Dense(1)])
    model.compile("sgd", "mse")
    rng = np.random.default_rng(0)
    model.fit(rng.random((16, 8, 2), np.float32), rng.random((16, 1), np.float32) - 5.0,
              epochs=2, verbose=0)
    conv = model.layers[0]
    assert np.sqrt((conv.kernel.numpy() ** 2).sum(axis=0)).max() <= 0.1 + 1e-6
    assert conv.bias.numpy().min() >= 0.0
    config = conv.get_config()
    assert config["kernel_constraint"]["class_name"] == "MaxNorm"
    assert config["bias_constraint"]["class_name"] == "NonNeg"
