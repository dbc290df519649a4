"""Dilated (atrous) and grouped convolutions against TF 2.21: values and gradients of tf.nn's
convolutions from real TensorFlow (tests/data/tf_conv_goldens.npz, written by
tests/data/make_conv_goldens.py), eagerly, in compiled functions, in Sessions and on the CUDA
target; TF's errors for the combinations it refuses; and the Keras layers' dilation_rate and
groups. (The registry harness checks the primitives' dilated and grouped samples against
direct loops, with finite-difference gradients: tests/helpers.py CONV_CASES.)"""
import os
import sys

import numpy as np
import pytest

import graphflow as tf
from graphflow import keras
from graphflow.compiler import lower_cuda
from graphflow.errors import InvalidArgumentError
from graphflow.ops.registry import REGISTRY, dispatch
from graphflow.tensor import DeviceTensor
from helpers import SAMPLES, assert_close, naive_conv2d, outputs_of, run

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "data"))
from make_conv_goldens import CASES  # noqa: E402

GOLDEN = np.load(os.path.join(os.path.dirname(__file__), "data", "tf_conv_goldens.npz"))
GPU = "/GPU:0"


def _golden(key, n_filters):
    x = GOLDEN[f"{key}/x"]
    ws = [GOLDEN[f"{key}/w{i}"] for i in range(n_filters)]
    return x, ws, GOLDEN[f"{key}/cot"], GOLDEN[f"{key}/y"], \
        [GOLDEN[f"{key}/g{i}"] for i in range(n_filters + 1)]


def _value_and_grads(fn, kwargs, x, ws, cot):
    xs = [tf.convert_to_tensor(a) for a in [x] + ws]
    with tf.GradientTape() as tape:
        for t in xs:
            tape.watch(t)
        y = getattr(tf.nn, fn)(*xs, **kwargs)
        loss = tf.reduce_sum(y * tf.convert_to_tensor(cot))
    return y, tape.gradient(loss, xs)


def _close(got, want):
    np.testing.assert_allclose(np.asarray(got), want, rtol=2e-5, atol=2e-5)


@pytest.mark.parametrize("key,fn,x_shape,w_shapes,kwargs", CASES, ids=[c[0] for c in CASES])
def test_values_and_gradients_match_tensorflow(key, fn, x_shape, w_shapes, kwargs):
    n = len(w_shapes) if isinstance(w_shapes, list) else 1
    x, ws, cot, y_tf, grads_tf = _golden(key, n)
    y, grads = _value_and_grads(fn, kwargs, x, ws, cot)
    assert y.shape.as_list() == list(y_tf.shape)
    _close(y.numpy(), y_tf)
    for g, g_tf in zip(grads, grads_tf):
        _close(g.numpy(), g_tf)

    # The same in a compiled function (the Numba CPU plan), and in float64 (TF's CPU kernels
    # raise for dilated and grouped float64 gradients; graphflow computes them).
    compiled = tf.function(lambda *a: _value_and_grads(fn, kwargs, *a[:-1], a[-1]))
    y_c, grads_c = compiled(x, ws, cot)
    _close(y_c.numpy(), y_tf)
    for g, g_tf in zip(grads_c, grads_tf):
        _close(g.numpy(), g_tf)
    y64, grads64 = _value_and_grads(fn, kwargs, x.astype(np.float64),
                                    [w.astype(np.float64) for w in ws], cot.astype(np.float64))
    assert y64.dtype == tf.float64
    _close(y64.numpy(), y_tf)
    for g, g_tf in zip(grads64, grads_tf):
        _close(g.numpy(), g_tf)


@pytest.mark.parametrize("key", ["conv2d_dil_stride", "conv2d_grouped_dil_stride", "atrous",
                                 "conv2d_transpose_dil_stride", "depthwise_dil",
                                 "conv3d_dil_valid"])
def test_on_the_gpu(key):
    """Dilated convolutions run on the device through conv.py's geometry (the im2col index maps);
    grouped ones run their reference on the host (listed by the plan), with the same values."""
    _, fn, _, w_shapes, kwargs = next(c for c in CASES if c[0] == key)
    x, ws, cot, y_tf, grads_tf = _golden(key, 1)
    f = tf.function(lambda *a: _value_and_grads(fn, kwargs, *a[:-1], a[-1]))
    with tf.device(GPU):
        y, grads = f(x, ws, cot)
        report = f.explain()
    assert type(y) is DeviceTensor
    _close(y.numpy(), y_tf)
    for g, g_tf in zip(grads, grads_tf):
        _close(g.numpy(), g_tf)
    host = report.split("on the host")[1] if "on the host" in report else ""
    if "grouped" in key:
        assert "grouped convolution" in host
    elif fn != "depthwise_conv2d":  # the depthwise ops have no device kernels yet
        assert "conv2d" not in host, report


def test_dilated_samples_agree_eagerly_in_functions_and_sessions():
    """The dilated and grouped samples of the registry harness (its graph-parity test takes only
    the first cases of every op), eager = function (reference and Numba) = Session = GPU."""
    for name in ("conv2d", "conv2d_backprop_input", "conv2d_backprop_filter",
                 "depthwise_conv2d", "depthwise_conv2d_backprop_input",
                 "depthwise_conv2d_backprop_filter"):
        cases = [c for c in SAMPLES[name](np.random.default_rng(3), "float32")
                 if c[1]["dilations"] != (1, 1) or
                 (name.startswith("conv2d") and _grouped(name, c[0]))]
        assert len(cases) >= 2, name
        for arrays, attrs in cases:
            op = REGISTRY[name]
            eager = outputs_of(run(op, arrays, attrs))
            for backend in ("reference", "numba"):
                fn = tf.function(lambda *xs: dispatch(op, xs, attrs), backend=backend)
                for t, e in zip(outputs_of(fn(*[tf.constant(a) for a in arrays])), eager):
                    assert t.shape == e.shape
                    assert_close(t.numpy(), e.numpy(), tf.float32)
            g = tf.Graph()
            with g.as_default():
                phs = [tf.compat.v1.placeholder(tf.float32, a.shape) for a in arrays]
                out = outputs_of(dispatch(op, phs, attrs))
            with tf.compat.v1.Session(graph=g) as sess:
                for f, e in zip(sess.run(list(out), dict(zip(phs, arrays))), eager):
                    assert_close(np.asarray(f), e.numpy(), tf.float32)
            with tf.device(GPU):
                got = outputs_of(dispatch(op, [tf.constant(a) for a in arrays], attrs))
            for t, e in zip(got, eager):
                assert_close(t.numpy(), e.numpy(), tf.float32)


def _grouped(name, arrays):
    image, filters = {"conv2d": (0, 1), "conv2d_backprop_input": (2, 1),
                      "conv2d_backprop_filter": (0, 2)}[name]
    return arrays[image].shape[3] != arrays[filters].shape[2]


def test_grouped_conv_on_the_gpu_falls_back_to_the_host_by_name():
    x = np.ones((1, 4, 4, 4), np.float32)
    w = np.ones((1, 1, 2, 2), np.float32)
    with tf.device(GPU):
        y = tf.nn.conv2d(tf.constant(x), tf.constant(w), 1, "VALID")
    key = lower_cuda._eager_key(REGISTRY["conv2d"], {"strides": (1, 1), "padding": "VALID",
                                                     "dilations": (1, 1)}, [x, w])
    host = lower_cuda._EAGER[key].last_plan.host_ops
    assert any("grouped convolution" in h for h in host), host
    np.testing.assert_array_equal(y.numpy(), np.full((1, 4, 4, 2), 2.0, np.float32))


def test_dilation_forms_and_equivalences():
    rng = np.random.default_rng(0)
    x = tf.constant(rng.standard_normal((1, 9, 9, 2)).astype(np.float32))
    w = tf.constant(rng.standard_normal((3, 3, 2, 2)).astype(np.float32))
    ref = tf.nn.conv2d(x, w, 1, "SAME", dilations=[2, 2]).numpy()
    for d in (2, [2], (2, 2), [1, 2, 2, 1], np.array([2, 2]), tf.constant([1, 2, 2, 1])):
        np.testing.assert_array_equal(tf.nn.conv2d(x, w, 1, "SAME", dilations=d).numpy(), ref)
    np.testing.assert_array_equal(tf.nn.atrous_conv2d(x, w, 2, "SAME").numpy(), ref)
    np.testing.assert_array_equal(tf.nn.convolution(x, w, padding="SAME", dilations=2).numpy(),
                                  ref)
    np.testing.assert_allclose(ref, naive_conv2d(x.numpy(), w.numpy(), (1, 1), "SAME", (2, 2)),
                               rtol=1e-5, atol=1e-5)
    x1, w1 = x[:, 0], w[0]
    ref1 = tf.nn.conv1d(x1, w1, 1, "VALID", dilations=3).numpy()
    for d in (3, [3], [1, 3, 1]):
        np.testing.assert_array_equal(tf.nn.conv1d(x1, w1, 1, "VALID", dilations=d).numpy(), ref1)
    np.testing.assert_array_equal(tf.nn.convolution(x1, w1, dilations=[3]).numpy(), ref1)
    # dilation 1 is the undilated convolution
    np.testing.assert_array_equal(tf.nn.atrous_conv2d(x, w, 1, "VALID").numpy(),
                                  tf.nn.conv2d(x, w, 1, "VALID").numpy())


def test_shape_rule_with_dilations_and_groups():
    spec = REGISTRY["conv2d"].infer
    f32 = tf.float32

    class Spec:
        def __init__(self, shape, dtype):
            self.shape, self.dtype = shape, dtype
    # VALID measures the dilated span: 9 - ((3 - 1) * 3 + 1) + 1 = 3
    assert spec([Spec((2, 9, 9, 4), f32), Spec((3, 3, 2, 6), f32)], strides=(1, 1),
                padding="VALID", dilations=(3, 1)) == [((2, 3, 7, 6), f32)]
    # an unknown channel count cannot be checked against the groups
    assert spec([Spec((2, 9, None, None), f32), Spec((3, 3, 2, 6), f32)], strides=(2, 2),
                padding="SAME", dilations=(2, 2)) == [((2, 5, None, 6), f32)]
    bp = REGISTRY["conv2d_backprop_filter"].infer
    assert bp([Spec((1, 5, 5, 4), f32), Spec((1, 5, 5, 6), f32), Spec((3, 3, 2, 6), f32)],
              strides=(1, 1), padding="SAME", dilations=(2, 2)) == [((3, 3, 2, 6), f32)]


@pytest.mark.parametrize("call,pattern", [
    (lambda: tf.nn.convolution(tf.ones((1, 9, 9, 1)), tf.ones((3, 3, 1, 1)), strides=2,
                               padding="SAME", dilations=2),
     r"^convolution: `strides > 1` not supported in conjunction with `dilation_rate > 1`. "
     r"Received: strides=\[2, 2\] and dilation_rate=\[2, 2\]"),
    (lambda: tf.nn.convolution(tf.ones((1, 9, 1)), tf.ones((3, 1, 1)), strides=2,
                               padding="SAME", dilations=[3]),
     r"^convolution: `strides > 1` .* strides=\[2\] and dilation_rate=\[3\]"),
    (lambda: tf.nn.atrous_conv2d(tf.ones((1, 5, 5, 1)), tf.ones((2, 2, 1, 1)), 0, "SAME"),
     r"^atrous_conv2d: rate must be a positive int, got 0"),
    (lambda: tf.nn.atrous_conv2d(tf.ones((1, 5, 5, 1)), tf.ones((2, 2, 1, 1)), 2, "same"),
     r"^atrous_conv2d: padding must be 'SAME' or 'VALID', got 'same'"),
    (lambda: tf.nn.atrous_conv2d_transpose(tf.ones((1, 5, 5, 1)), tf.ones((2, 2, 1, 1)),
                                           [1, 5, 5, 1], 0, "SAME"),
     r"^atrous_conv2d_transpose: rate must be a positive int"),
    (lambda: tf.nn.depthwise_conv2d(tf.ones((1, 9, 9, 2)), tf.ones((3, 3, 2, 1)), [1, 2, 2, 1],
                                    "SAME", dilations=[2, 2]),
     r"^depthwise_conv2d: when dilation rate is greater than 1, then all values of strides must "
     r"be 1"),
    (lambda: tf.nn.separable_conv2d(tf.ones((1, 9, 9, 2)), tf.ones((3, 3, 2, 1)),
                                    tf.ones((1, 1, 2, 3)), [1, 2, 2, 1], "SAME", dilations=[2, 1]),
     r"^separable_conv2d: depthwise_conv2d: when dilation rate is greater than 1"),
    (lambda: tf.nn.conv2d_transpose(tf.ones((1, 3, 3, 1)), tf.ones((3, 3, 1, 1)), [1, 6, 6, 1],
                                    1, "VALID", dilations=2),
     r"^conv2d_transpose: input shape \(1, 3, 3, 1\) does not match output_shape \[1, 6, 6, 1\]: "
     r"a conv2d of that shape with strides \(1, 1\), dilations \(2, 2\) and padding 'VALID' "
     r"gives \(1, 2, 2, 1\)"),
    (lambda: tf.nn.conv1d(tf.ones((1, 9, 1)), tf.ones((3, 1, 1)), 1, "SAME", dilations=0),
     r"^conv1d: dilations must be a positive int"),
    (lambda: tf.nn.conv2d(tf.ones((1, 9, 9, 1)), tf.ones((3, 3, 1, 1)), 1, "SAME",
                          dilations=[1, 2, 3]),
     r"^conv2d: dilations must be an int or a list of 1, 2 or 4 ints"),
])
def test_tensorflow_errors(call, pattern):
    with pytest.raises(InvalidArgumentError, match=pattern):
        call()


def test_conv3d_errors():
    x, w = tf.ones((1, 4, 4, 4, 2)), tf.ones((2, 2, 2, 2, 3))
    with pytest.raises(tf.errors.InvalidTypeError, match=r"^conv3d: strides must be a list of 5"):
        tf.nn.conv3d(x, w, 1, "SAME")  # TF: TypeError
    with pytest.raises(tf.errors.UnimplementedError, match=r"strides \[2, 1, 1, 1, 1\] move"):
        tf.nn.conv3d(x, w, [2, 1, 1, 1, 1], "SAME")  # TF: UnimplementedError
    with pytest.raises(InvalidArgumentError, match=r"^conv3d: the window \(depth 2 dilated by 4 "
                                                   r"spans 5\) is larger than the input"):
        tf.nn.conv3d(x, w, [1, 1, 1, 1, 1], "VALID", dilations=[1, 4, 1, 1, 1])
    with pytest.raises(InvalidArgumentError, match=r"^conv3d: the input's channels"):
        tf.nn.conv3d(x, tf.ones((2, 2, 2, 3, 3)), [1, 1, 1, 1, 1], "SAME")
    with pytest.raises(InvalidArgumentError, match=r"^convolution: `strides > 1` .* "
                                                   r"strides=\[1, 2, 1\]"):
        tf.nn.convolution(x, w, strides=[1, 2, 1], dilations=2)

    @tf.function(input_signature=[tf.TensorSpec([None, None, 4, 4, 2], tf.float32)])
    def unknown_depth(v):
        return tf.nn.conv3d(v, w, [1, 1, 1, 1, 1], "SAME")

    with pytest.raises(tf.errors.UnimplementedError, match=r"^conv3d: needs known depth"):
        unknown_depth(x)
    # an unknown batch is fine
    f = tf.function(lambda v: tf.nn.conv3d(v, w, [1, 2, 1, 1, 1], "SAME"),
                    input_signature=[tf.TensorSpec([None, 4, 4, 4, 2], tf.float32)])
    assert f.get_concrete_function().structured_outputs.shape.as_list() == [None, 2, 4, 4, 3]
    np.testing.assert_allclose(f(x).numpy(), tf.nn.conv3d(x, w, [1, 2, 1, 1, 1], "SAME").numpy())


def test_grouped_conv3d_is_the_groups_convolved_separately():
    rng = np.random.default_rng(2)
    x = tf.constant(rng.standard_normal((2, 4, 5, 4, 4)))
    w = tf.constant(rng.standard_normal((2, 3, 2, 2, 6)))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([x, w])
        grouped = tf.nn.conv3d(x, w, [1, 1, 1, 1, 1], "SAME", dilations=[1, 2, 1, 1, 1])
        split = tf.concat([tf.nn.conv3d(x[..., 2 * g:2 * g + 2], w[..., 3 * g:3 * g + 3],
                                        [1, 1, 1, 1, 1], "SAME", dilations=[1, 2, 1, 1, 1])
                           for g in range(2)], -1)
    np.testing.assert_allclose(grouped.numpy(), split.numpy(), rtol=1e-12)
    for a, b in zip(tape.gradient(grouped, [x, w]), tape.gradient(split, [x, w])):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12)


def test_depthwise_backprop_functions_take_dilations():
    """tf.nn.depthwise_conv2d_backprop_input/filter with dilations are the dilated gradients
    (TF 2.21's CPU kernels ignore `dilations` there and return the undilated ones)."""
    rng = np.random.default_rng(1)
    x = tf.constant(rng.standard_normal((1, 7, 7, 2)).astype(np.float32))
    w = tf.constant(rng.standard_normal((3, 3, 2, 2)).astype(np.float32))
    dy = tf.constant(rng.standard_normal((1, 7, 7, 4)).astype(np.float32))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([x, w])
        y = tf.nn.depthwise_conv2d(x, w, [1, 1, 1, 1], "SAME", dilations=[2, 3])
    gx, gw = tape.gradient(y, [x, w], output_gradients=dy)
    _close(tf.nn.depthwise_conv2d_backprop_input([1, 7, 7, 2], w, dy, [1, 1, 1, 1], "SAME",
                                                 dilations=[1, 2, 3, 1]).numpy(), gx.numpy())
    _close(tf.nn.depthwise_conv2d_backprop_filter(x, [3, 3, 2, 2], dy, [1, 1, 1, 1], "SAME",
                                                  dilations=[2, 3]).numpy(), gw.numpy())


# ---------------------------------------------------------------------------------------------
# Keras layers (values against real Keras: tests/data/klayers_cases.py)

L = keras.layers


@pytest.mark.parametrize("make,pattern", [
    (lambda: L.Conv2D(4, 3, strides=2, dilation_rate=2),
     r"`strides > 1` not supported in conjunction with `dilation_rate > 1`. Received: "
     r"strides=\(2, 2\) and dilation_rate=\(2, 2\)"),
    (lambda: L.Conv1D(4, 3, strides=2, dilation_rate=2), r"strides=\(2,\) and dilation_rate"),
    (lambda: L.Conv2DTranspose(4, 3, strides=2, dilation_rate=2), r"`strides > 1` not supported"),
    (lambda: L.Conv3D(4, 3, strides=(1, 2, 1), dilation_rate=(2, 1, 1)),
     r"strides=\(1, 2, 1\) and dilation_rate=\(2, 1, 1\)"),
    (lambda: L.Conv2D(5, 3, groups=2),
     r"The number of filters must be evenly divisible by the number of groups. Received: "
     r"groups=2, filters=5."),
    (lambda: L.Conv1D(6, 3, groups=0),
     r"The number of groups must be a positive integer. Received: groups=0."),
    (lambda: L.Conv2D(6, 3, groups=3)(np.ones((1, 5, 5, 4), np.float32)),
     r"The number of input channels must be evenly divisible by the number of groups. Received "
     r"groups=3, but the input has 4 channels \(full input shape is \(1, 5, 5, 4\)\)."),
    (lambda: L.Conv2DTranspose(6, 3, groups=2),
     r"Unrecognized keyword arguments passed to Conv2DTranspose: \{'groups': 2\}"),
    (lambda: L.Conv2D(2, 3, dilation_rate=0), r"dilation_rate"),
])
def test_keras_errors(make, pattern):
    with pytest.raises(InvalidArgumentError, match=pattern):
        make()


@pytest.mark.parametrize("make", [
    lambda: L.Conv2D(6, 3, dilation_rate=(2, 3), groups=2, padding="same"),
    lambda: L.Conv1D(6, 3, dilation_rate=2, groups=3, padding="causal"),
    lambda: L.Conv3D(6, 3, dilation_rate=(1, 2, 3), groups=3),
    lambda: L.DepthwiseConv2D(3, dilation_rate=2, depth_multiplier=2),
    lambda: L.DepthwiseConv1D(2, dilation_rate=3),
    lambda: L.SeparableConv2D(4, 3, dilation_rate=(1, 2)),
    lambda: L.SeparableConv1D(4, 3, dilation_rate=2, depth_multiplier=2),
    lambda: L.Conv2DTranspose(4, 3, dilation_rate=2),
    lambda: L.Conv1DTranspose(4, 3, dilation_rate=2, padding="same"),
])
def test_keras_config_round_trips_keep_dilation_and_groups(make):
    layer = make()
    config = layer.get_config()
    again = type(layer).from_config(config)
    assert again.get_config() == config
    assert tuple(again.dilation_rate) == tuple(layer.dilation_rate)
    assert tuple(config["dilation_rate"]) == tuple(layer.dilation_rate) != (1,) * len(
        layer.dilation_rate)
    if isinstance(layer, (L.Conv1D, L.Conv2D, L.Conv3D)):
        assert config["groups"] == layer.groups > 1
    else:
        assert "groups" not in config  # as Keras's configs of these layers


def test_keras_model_with_dilated_and_grouped_layers_trains_and_saves(tmp_path):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((8, 12, 12, 4)).astype(np.float32)
    y = rng.standard_normal((8, 3)).astype(np.float32)
    tf.random.set_seed(1)
    model = keras.Sequential([
        keras.Input((12, 12, 4)),
        L.Conv2D(8, 3, dilation_rate=2, groups=2, padding="same", activation="relu"),
        L.DepthwiseConv2D(3, dilation_rate=(2, 1)),
        L.SeparableConv2D(6, 3, dilation_rate=2, padding="same"),
        L.GlobalAveragePooling2D(), L.Dense(3)])
    assert model.layers[0].kernel.shape.as_list() == [3, 3, 2, 8]
    model.compile("adam", "mse")
    losses = model.fit(x, y, batch_size=4, epochs=4, verbose=0, shuffle=False).history["loss"]
    assert losses[-1] < losses[0]
    path = str(tmp_path / "dilated.keras")
    model.save(path)
    restored = keras.models.load_model(path)
    np.testing.assert_allclose(restored.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)
    assert restored.layers[0].groups == 2 and restored.layers[0].dilation_rate == (2, 2)
