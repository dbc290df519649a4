"""Model styles: Sequential, functional (multi-input/output, shared layers, feature extraction,
models as layers), subclassed; layer lists and summary."""
import io

import numpy as np
import pytest

import graphflow as tf
from graphflow import keras
from graphflow.errors import InvalidArgumentError

L = keras.layers


def test_sequential_build_paths():
    model = keras.Sequential([L.Dense(4, activation="relu"), L.Dense(2)])
    assert model.weights == [] and not model.built
    model.build((None, 3))
    assert [w.shape.as_list() for w in model.weights] == [[3, 4], [4], [4, 2], [2]]
    m2 = keras.Sequential([keras.Input(shape=(3,)), L.Dense(2)])
    assert m2.built and len(m2.weights) == 2 and len(m2.layers) == 1
    m3 = keras.Sequential()
    m3.add(L.Dense(2, input_shape=(5,)))
    m3.add(L.Dense(1))
    assert m3.built and m3.output_shape.as_list() == [None, 1]
    m4 = keras.Sequential([L.Dense(2)])
    out = m4(np.ones((3, 7), np.float32))  # builds on first call
    assert out.shape == (3, 2) and m4.built
    with pytest.raises(InvalidArgumentError, match="Only instances of keras.layers.Layer"):
        keras.Sequential([3])


def test_functional_multi_input_multi_output_with_shared_layer():
    a = keras.Input(shape=(4,), name="a")
    b = keras.Input(shape=(4,), name="b")
    shared = L.Dense(3, name="shared")
    ha, hb = shared(a), shared(b)
    merged = L.Concatenate()([ha, hb])
    out1 = L.Dense(1, name="score")(merged)
    out2 = L.Dense(2, activation="softmax", name="label")(merged)
    model = keras.Model(inputs=[a, b], outputs=[out1, out2])
    assert [l.name for l in model.layers][:2] == ["a", "b"]
    assert model.input_names == ["a", "b"] and model.output_names == ["score", "label"]
    xa, xb = np.ones((5, 4), np.float32), np.zeros((5, 4), np.float32)
    r1, r2 = model.predict([xa, xb], verbose=0)
    d1, d2 = model.predict({"a": xa, "b": xb}, verbose=0)
    np.testing.assert_allclose(r1, d1) and np.testing.assert_allclose(r2, d2)
    assert r1.shape == (5, 1) and r2.shape == (5, 2)
    assert len(shared._inbound_nodes) == 2  # one layer, two calls
    assert len(model.weights) == 6
    with pytest.raises(InvalidArgumentError, match="missing inputs \\['b'\\]"):
        model.predict({"a": xa}, verbose=0)


def test_functional_layers_are_listed_in_keras_order():
    # Keras 3.15's map_graph order (checked under TF 2.21): deepest first, ties by first visit
    # from the outputs, so a shortcut made first is listed after the longer branch, and a
    # second input sits at its own depth. Keras's weights files key layers in this order.
    x = keras.Input((4,))
    short = L.Dense(3, name="shortcut")(x)
    a = L.Dense(3, name="a2")(L.Dense(5, name="a1")(x))
    y = L.Add(name="add")([short, a])
    z = L.Concatenate(name="cat")([y, L.Dense(3, name="b1")(x), L.Dense(2, name="late")(y)])
    assert [l.name for l in keras.Model(x, z).layers] == [
        x._keras_history[0].name, "a1", "shortcut", "a2", "add", "b1", "late", "cat"]
    shared = L.Dense(4, name="shared")
    i1, i2 = keras.Input((4,), name="i1"), keras.Input((4,), name="i2")
    h = shared(L.Dense(4, name="pre")(i1))
    out = L.Concatenate(name="c2")([L.Dense(2, name="post")(h), shared(i2)])
    assert [l.name for l in keras.Model([i1, i2], out).layers] == [
        "i1", "pre", "shared", "i2", "post", "c2"]
    unused = keras.Input((4,), name="unused")
    assert [l.name for l in keras.Model([unused, i1], L.Dense(1, name="d")(i1)).layers] == [
        "i1", "unused", "d"]


def test_feature_extraction_and_model_as_layer():
    inputs = keras.Input(shape=(6,))
    h = L.Dense(4, activation="relu", name="hidden")(inputs)
    outputs = L.Dense(2, name="head")(h)
    model = keras.Model(inputs, outputs)
    extractor = keras.Model(inputs=model.inputs, outputs=model.get_layer("hidden").output)
    x = np.random.default_rng(0).random((3, 6)).astype(np.float32)
    feats = extractor.predict(x, verbose=0)
    hidden = model.get_layer("hidden")
    np.testing.assert_allclose(feats, hidden(x).numpy(), rtol=1e-6)
    outer_in = keras.Input(shape=(6,))
    outer = keras.Model(outer_in, L.Dense(1)(model(outer_in)))
    assert outer.predict(x, verbose=0).shape == (3, 1)
    assert len(outer.weights) == len(model.weights) + 2


def test_subclassed_model_tracks_layers_lists_and_variables():
    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.blocks = [L.Dense(4, activation="relu"), L.Dense(4, activation="relu")]
            self.head = L.Dense(1)
            self.scale = tf.Variable(2.0)

        def call(self, inputs, training=None):
            x = inputs["features"]
            for block in self.blocks:
                x = block(x)
            return self.head(x) * self.scale

    net = Net()
    out = net({"features": np.ones((2, 3), np.float32)})
    assert out.shape == (2, 1)
    assert len(net.trainable_weights) == 7  # 3 dense layers x 2 + scale
    net.compile(optimizer="adam", loss="mse")
    history = net.fit({"features": np.ones((8, 3), np.float32)}, np.ones((8, 1)), epochs=2,
                      batch_size=4, verbose=0)
    assert len(history.history["loss"]) == 2


def test_graph_disconnected_error():
    a, b = keras.Input((2,)), keras.Input((2,))
    out = L.Add()([a, b])
    with pytest.raises(InvalidArgumentError, match="Graph disconnected"):
        keras.Model(a, out)


def test_summary_table():
    keras.backend.clear_session()
    model = keras.Sequential([keras.Input((784,)), L.Dense(512, activation="relu"),
                              L.Dense(10, activation="softmax")])
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert 'Model: "sequential"' in text
    assert "dense (Dense)" in text and "(None, 512)" in text and "401,920" in text
    assert "dense_1 (Dense)" in text and "5,130" in text
    assert "Total params: 407,050 (1.55 MB)" in text and "Non-trainable params: 0 (0.00 B)" in text


def test_functional_summary_has_connections():
    a, b = keras.Input((3,), name="x"), keras.Input((3,), name="y")
    out = L.Dense(2, name="d")(L.Add()([a, b]))
    model = keras.Model([a, b], out, name="f")
    buf = io.StringIO()
    model.summary(print_fn=lambda s: buf.write(s + "\n"))
    assert "Connected to" in buf.getvalue() and "x[0][0], y[0][0]" in buf.getvalue()
