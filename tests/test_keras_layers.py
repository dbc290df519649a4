"""Every Keras layer: output shapes (eager and symbolic), gradients through it, config round
trip, and the errors a Keras user expects for bad settings or inputs."""
import numpy as np
import pytest

import graphflow as tf
from graphflow import keras
from graphflow.errors import InvalidArgumentError

L = keras.layers
RNG = np.random.default_rng(0)


def rand(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


# (layer factory, input shape without batch, expected output shape without batch)
CASES = [
    (lambda: L.Dense(5, activation="relu"), (4,), (5,)),
    (lambda: L.Dense(3, use_bias=False, kernel_initializer="he_normal"), (2, 4), (2, 3)),
    (lambda: L.Activation("tanh"), (3,), (3,)),
    (lambda: L.Flatten(), (2, 3, 4), (24,)),
    (lambda: L.Reshape((3, -1)), (12,), (3, 4)),
    (lambda: L.Dropout(0.5), (6,), (6,)),
    (lambda: L.Rescaling(1 / 255.0, offset=-0.5), (3,), (3,)),
    (lambda: L.BatchNormalization(), (4,), (4,)),
    (lambda: L.LayerNormalization(), (3, 4), (3, 4)),
    (lambda: L.Conv2D(4, 3, padding="same", activation="relu"), (8, 8, 2), (8, 8, 4)),
    (lambda: L.Conv2D(2, (3, 2), strides=2), (9, 8, 1), (4, 4, 2)),
    (lambda: L.MaxPooling2D(), (8, 6, 3), (4, 3, 3)),
    (lambda: L.AveragePooling2D(pool_size=3, strides=1, padding="same"), (5, 5, 2), (5, 5, 2)),
    (lambda: L.GlobalAveragePooling2D(), (4, 4, 3), (3,)),
]


@pytest.mark.parametrize("make,in_shape,out_shape", CASES,
                         ids=[type(c[0]()).__name__ + str(i) for i, c in enumerate(CASES)])
def test_layer_shapes_gradients_and_config(make, in_shape, out_shape):
    layer = make()
    x = rand(2, *in_shape)
    y = layer(x)
    assert tuple(y.shape.as_list()) == (2,) + out_shape
    # symbolic call gives the same shape with a None batch
    sym = make()(keras.Input(shape=in_shape))
    assert sym.shape.as_list() == [None] + list(out_shape)
    assert layer.compute_output_shape((None,) + in_shape).as_list() == [None] + list(out_shape)
    # gradients flow to the input and to every trainable weight
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        loss = tf.reduce_sum(tf.square(layer(xt, training=True)))
    grads = tape.gradient(loss, [xt] + layer.trainable_weights)
    if not isinstance(layer, (L.Dropout,)):
        assert all(g is not None for g in grads), [g is None for g in grads]
    # config round trip gives a layer with the same settings and output shape
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == {**config, "name": clone.name} or clone.get_config() == config
    clone_out = clone(x)
    assert clone_out.shape == y.shape


def test_dense_numerics_and_weights_api():
    layer = L.Dense(2, kernel_initializer="ones", bias_initializer=keras.initializers.Constant(0.5))
    out = layer(np.array([[1.0, 2.0, 3.0]], np.float32))
    np.testing.assert_allclose(out.numpy(), [[6.5, 6.5]])
    assert [w.shape.as_list() for w in layer.weights] == [[3, 2], [2]]
    assert layer.count_params() == 8
    w, b = layer.get_weights()
    layer.set_weights([w * 2, b])
    np.testing.assert_allclose(layer(np.ones((1, 3), np.float32)).numpy(), [[6.5, 6.5]])
    with pytest.raises(InvalidArgumentError, match="shape"):
        layer.set_weights([np.ones((4, 2)), b])
    layer.trainable = False
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 2


def test_unique_auto_names_and_invalid_settings():
    keras.backend.clear_session()
    assert [L.Dense(1).name for _ in range(3)] == ["dense", "dense_1", "dense_2"]
    with pytest.raises(InvalidArgumentError, match="units.*-3"):
        L.Dense(-3)
    with pytest.raises(InvalidArgumentError, match="rate.*1.5"):
        L.Dropout(1.5)
    with pytest.raises(InvalidArgumentError, match="Unknown activation 'relux'"):
        L.Dense(2, activation="relux")
    with pytest.raises(TypeError, match="unrecognized keyword"):
        L.Dense(2, unitz=3)


def test_layer_rejects_incompatible_input():
    layer = L.Dense(2)
    layer(np.ones((1, 3), np.float32))
    with pytest.raises(InvalidArgumentError, match="dense.*3.*shape"):
        layer(np.ones((1, 4), np.float32))
    with pytest.raises(InvalidArgumentError, match="Conv2D.*rank 4"):
        L.Conv2D(2, 3)(np.ones((2, 5, 5), np.float32))


def test_dropout_training_flag_and_batchnorm_moving_stats():
    x = np.ones((100, 10), np.float32)
    drop = L.Dropout(0.5)
    np.testing.assert_array_equal(drop(x).numpy(), x)
    out = drop(x, training=True).numpy()
    assert set(np.unique(out)) <= {0.0, 2.0} and 0.3 < (out == 0).mean() < 0.7
    bn = L.BatchNormalization(momentum=0.5)
    data = rand(64, 3) * 2 + 5
    bn(data, training=True)
    np.testing.assert_allclose(bn.moving_mean.numpy(), 0.5 * data.mean(0), rtol=1e-4)
    inference = bn(data, training=False).numpy()
    expected = (data - bn.moving_mean.numpy()) / np.sqrt(bn.moving_variance.numpy() + 1e-3)
    np.testing.assert_allclose(inference, expected, rtol=1e-4, atol=1e-5)


def test_merge_layers():
    a, b = rand(2, 3), rand(2, 3)
    np.testing.assert_allclose(L.Add()([a, b]).numpy(), a + b, rtol=1e-6)
    np.testing.assert_allclose(L.Multiply()([a, b]).numpy(), a * b, rtol=1e-6)
    np.testing.assert_allclose(L.Average()([a, b]).numpy(), (a + b) / 2, rtol=1e-6)
    np.testing.assert_allclose(L.Concatenate()([a, b]).numpy(), np.concatenate([a, b], -1))
    np.testing.assert_allclose(L.Subtract()([a, b]).numpy(), a - b, rtol=1e-6)
    with pytest.raises(InvalidArgumentError, match="Concatenate.*matching shapes"):
        L.Concatenate(axis=1)([keras.Input((3, 2)), keras.Input((4, 5))])
    with pytest.raises(InvalidArgumentError, match="list of at least 2"):
        L.Add()(a)


def test_embedding_lookup_and_gradient():
    emb = L.Embedding(10, 4)
    ids = np.array([[1, 2], [3, 1]])
    out = emb(ids)
    assert out.shape == (2, 2, 4)
    np.testing.assert_allclose(out.numpy()[0, 0], emb.embeddings.numpy()[1])
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(emb(ids))
    g = tape.gradient(loss, emb.embeddings).numpy()
    assert g[1].sum() == pytest.approx(8.0) and g[0].sum() == 0


def test_initializers_statistics():
    init = keras.initializers
    w = init.GlorotUniform(seed=1)((200, 300)).numpy()
    limit = np.sqrt(6 / 500)
    assert w.min() >= -limit and w.max() <= limit and abs(w.std() - limit / np.sqrt(3)) < 0.01
    h = init.HeNormal(seed=1)((400, 300)).numpy()
    assert abs(h.std() - np.sqrt(2 / 400)) < 0.01
    assert np.all(init.get("zeros")((3,)).numpy() == 0)
    with pytest.raises(InvalidArgumentError, match="Unknown initializer"):
        init.get("glorot")


def test_dense_on_sequences_of_unknown_length():
    # batch and time both unknown: the output shape comes from the runtime shape
    x = keras.Input((None, 3))
    y = keras.layers.Dense(2)(x)
    assert y.shape.as_list() == [None, None, 2]
    model = keras.Model(x, y)
    assert model(np.ones((2, 5, 3), np.float32)).shape == (2, 5, 2)
    assert model(np.ones((1, 7, 3), np.float32)).shape == (1, 7, 2)
