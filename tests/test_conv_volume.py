"""3-D pooling, the transposed 3-D convolution and the layers built on them against TF 2.21 /
Keras 3.15: values and gradients of tf.nn.max_pool3d, avg_pool3d, conv3d_transpose, pool,
max_pool/avg_pool on 5-D inputs (tests/data/tf_volume_goldens.npz, written by
tests/data/make_volume_goldens.py) eagerly and in compiled functions; TF's errors; and
Conv3DTranspose, MaxPooling3D, AveragePooling3D, ConvLSTM1D/2D/3D on Keras's weights, their
configs and training. (The registry harness checks the primitives against direct loops, with
finite-difference gradients: tests/helpers.py POOL3D_CASES and CONV3D_CASES.)"""
import os
import sys

import numpy as np
import pytest

import graphflow as tf
from graphflow import keras
from graphflow.errors import InvalidArgumentError, UnimplementedError

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "data"))
from make_volume_goldens import LAYER_CASES, OP_CASES  # noqa: E402

GOLDEN = np.load(os.path.join(os.path.dirname(__file__), "data", "tf_volume_goldens.npz"))


def _close(got, want, tol=2e-5):
    np.testing.assert_allclose(np.asarray(got), want, rtol=tol, atol=tol)


def _value_and_grads(fn, kwargs, xs, cot):
    xs = [tf.convert_to_tensor(a) for a in xs]
    with tf.GradientTape() as tape:
        for t in xs:
            tape.watch(t)
        y = getattr(tf.nn, fn)(*xs, **kwargs)
        loss = tf.reduce_sum(y * tf.convert_to_tensor(cot))
    return y, tape.gradient(loss, xs)


@pytest.mark.parametrize("key,fn,x_shape,w_shape,kwargs", OP_CASES, ids=[c[0] for c in OP_CASES])
def test_ops_match_tensorflow(key, fn, x_shape, w_shape, kwargs):
    xs = [GOLDEN[f"{key}/x"]] + ([GOLDEN[f"{key}/w"]] if w_shape is not None else [])
    cot, y_tf = GOLDEN[f"{key}/cot"], GOLDEN[f"{key}/y"]
    grads_tf = [GOLDEN[f"{key}/g{i}"] for i in range(len(xs))]
    y, grads = _value_and_grads(fn, kwargs, xs, cot)
    assert y.shape.as_list() == list(y_tf.shape) and y.dtype == tf.float32
    _close(y.numpy(), y_tf)
    for g, g_tf in zip(grads, grads_tf):
        _close(g.numpy(), g_tf)
    compiled = tf.function(lambda *a: _value_and_grads(fn, kwargs, a[:-1], a[-1]))
    y_c, grads_c = compiled(*xs, cot)
    _close(y_c.numpy(), y_tf)
    for g, g_tf in zip(grads_c, grads_tf):
        _close(g.numpy(), g_tf)
    # float64 too (TF's MaxPool3D and CPU AvgPool3D have no float64 kernel; graphflow's do)
    y64, grads64 = _value_and_grads(fn, kwargs, [a.astype(np.float64) for a in xs],
                                    cot.astype(np.float64))
    assert y64.dtype == tf.float64
    _close(y64.numpy(), y_tf)
    for g, g_tf in zip(grads64, grads_tf):
        _close(g.numpy(), g_tf)


def test_pools_in_a_session_with_unknown_batch():
    x = GOLDEN["max_pool3d_same/x"]
    g = tf.Graph()
    with g.as_default():
        p = tf.compat.v1.placeholder(tf.float32, [None, *x.shape[1:]])
        y = tf.nn.max_pool3d(p, 2, 2, "SAME")
        assert y.shape.as_list() == [None, 3, 2, 2, 2]
        dx = tf.compat.v1.gradients(tf.reduce_sum(y * GOLDEN["max_pool3d_same/cot"]), p)[0]
        with tf.compat.v1.Session() as sess:
            got, got_dx = sess.run([y, dx], {p: x})
    _close(got, GOLDEN["max_pool3d_same/y"])
    _close(got_dx, GOLDEN["max_pool3d_same/g0"])


def test_max_pool3d_gradient_goes_to_the_first_maximum():
    # all equal: TF's MaxPool3DGrad gives each window's gradient to its first element
    x = tf.ones((1, 2, 2, 2, 1))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.nn.max_pool3d(x, 2, 2, "VALID")
    g = tape.gradient(y, x).numpy().ravel()
    np.testing.assert_array_equal(g, [1, 0, 0, 0, 0, 0, 0, 0])


def test_max_pool3d_propagates_nan():
    x = np.zeros((1, 2, 2, 2, 1), np.float32)
    x[0, 1, 0, 1, 0] = np.nan
    assert np.isnan(tf.nn.max_pool3d(x, 2, 2, "VALID").numpy()).all()


@pytest.mark.parametrize("call,error,message", [
    # TF: ValueError "ksize should be of length 1, 3 or 5"
    (lambda: tf.nn.max_pool3d(tf.ones((1, 4, 4, 4, 1)), [2, 2], 1, "VALID"),
     InvalidArgumentError, r"^max_pool3d: ksize should be of length 1, 3 or 5"),
    # TF: UnimplementedError "Pooling is not yet supported on the batch dimension."
    (lambda: tf.nn.max_pool3d(tf.ones((1, 4, 4, 4, 1)), [2, 2, 2, 2, 1], 1, "VALID"),
     UnimplementedError, r"^max_pool3d: ksize \[2, 2, 2, 2, 1\]: .*batch dimension"),
    (lambda: tf.nn.avg_pool3d(tf.ones((1, 4, 4, 4, 1)), [1, 2, 2, 2, 2], 1, "VALID"),
     UnimplementedError, r"^avg_pool3d: ksize .*depth \(channel\) dimension"),
    # TF: InvalidArgumentError "Computed output size would be negative"
    (lambda: tf.nn.max_pool3d(tf.ones((1, 2, 4, 4, 1)), 3, 1, "VALID"),
     InvalidArgumentError, r"^max_pool3d: the window \(depth 3\) is larger than the input "
                           r"\(depth 2\)"),
    # TF: InvalidArgumentError "Value for attr 'T' of int32 is not in the list of allowed values"
    (lambda: tf.nn.avg_pool3d(tf.ones((1, 4, 4, 4, 1), tf.int32), 2, 1, "VALID"),
     InvalidArgumentError, r"avg_pool3d"),
    (lambda: tf.nn.max_pool3d(tf.ones((1, 4, 4, 1)), 2, 1, "VALID"),
     InvalidArgumentError, r"^max_pool3d: input must have rank 5"),
    (lambda: tf.nn.avg_pool3d(tf.ones((1, 4, 4, 4, 1)), 2, 1, "full"),
     InvalidArgumentError, r"padding must be 'SAME' or 'VALID'"),
    (lambda: tf.nn.avg_pool3d(tf.ones((1, 4, 4, 4, 1)), 0, 1, "SAME"),
     InvalidArgumentError, r"^avg_pool3d: ksize must be positive"),
    (lambda: tf.nn.avg_pool3d(tf.ones((1, 4, 4, 4, 1)), 2, 1, "SAME", data_format="NCDHW"),
     UnimplementedError, r"^avg_pool3d: data_format 'NCDHW' is not supported"),
    # TF: ValueError "`input.shape.rank` must be 3, 4 or 5"
    (lambda: tf.nn.max_pool(tf.ones((1, 2, 2, 2, 2, 2)), 2, 2, "SAME"),
     InvalidArgumentError, r"^max_pool: `input.shape.rank` must be 3, 4 or 5"),
    # TF: ValueError "pooling with 'SAME' padding is not implemented for `dilation_rate` > 1"
    (lambda: tf.nn.pool(tf.ones((1, 5, 5, 5, 1)), [2, 2, 2], "AVG", padding="SAME",
                        dilations=[2, 2, 2]),
     InvalidArgumentError, r"^pool: pooling with 'SAME' padding is not implemented"),
    (lambda: tf.nn.pool(tf.ones((1, 5, 5, 5, 1)), [2, 2, 2], "MAX", strides=[2, 2, 2],
                        dilations=[2, 1, 1]),
     InvalidArgumentError, r"^pool: `strides > 1` not supported in conjunction"),
    # TF: ValueError "Shape (2, 4, 5, 6, 3) must have rank 4"
    (lambda: tf.nn.pool(tf.ones((1, 5, 5, 5, 1)), [2, 2], "MAX"),
     InvalidArgumentError, r"^pool: Shape \(1, 5, 5, 5, 1\) must have rank 4"),
    # TF: ValueError "3-D MIN pooling is not supported."
    (lambda: tf.nn.pool(tf.ones((1, 5, 5, 5, 1)), [2, 2, 2], "MIN"),
     InvalidArgumentError, r"^pool: 3-D MIN pooling is not supported"),
    # TF: InvalidArgumentError (oneDNN: Aborted) for an output_shape whose conv3d is not input
    (lambda: tf.nn.conv3d_transpose(tf.ones((1, 2, 2, 2, 3)), tf.ones((2, 2, 2, 4, 3)),
                                    [1, 4, 5, 4, 4], 2, "SAME"),
     InvalidArgumentError, r"^conv3d_transpose: input shape \(1, 2, 2, 2, 3\) does not match "
                           r"output_shape \[1, 4, 5, 4, 4\]"),
    # TF: "input and filter must have the same depth: 5 vs 4"
    (lambda: tf.nn.conv3d_transpose(tf.ones((1, 2, 2, 2, 3)), tf.ones((2, 2, 2, 4, 3)),
                                    [1, 4, 4, 4, 5], 2, "SAME"),
     InvalidArgumentError, r"^conv3d_transpose: output_shape \[1, 4, 4, 4, 5\] has 5 channels"),
    (lambda: tf.nn.conv3d_transpose(tf.ones((1, 2, 2, 2, 3)), tf.ones((2, 2, 2, 4, 3)),
                                    [1, 4, 4, 4], 2, "SAME"),
     InvalidArgumentError, r"^conv3d_transpose: output_shape must be 5 non-negative ints"),
    # TF: "cannot compute Conv3DBackpropInputV2 as input #2 was expected to be a double tensor"
    (lambda: tf.nn.conv3d_transpose(tf.ones((1, 2, 2, 2, 3)), tf.ones((2, 2, 2, 4, 3),
                                                                      tf.float64),
                                    [1, 4, 4, 4, 4], 2, "SAME"),
     InvalidArgumentError, r"conv3d_backprop_input: input #1 has dtype float64 but input #0 "
                           r"has dtype float32"),
])
def test_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_conv3d_transpose_is_conv3d_adjoint():
    # <conv3d(x, w), y> = <x, conv3d_transpose(y, w)> for every padding, stride and dilation
    rng = np.random.default_rng(3)
    for strides, padding, dilations in [([1, 2, 1, 2, 1], "SAME", None),
                                        ([1, 1, 1, 1, 1], "VALID", [1, 2, 1, 2, 1])]:
        x = rng.standard_normal((2, 5, 6, 5, 2))
        w = rng.standard_normal((2, 3, 2, 2, 3))
        y = tf.nn.conv3d(x, w, strides, padding, dilations=dilations)
        cot = rng.standard_normal(y.shape.as_list())
        back = tf.nn.conv3d_transpose(cot, w, x.shape, strides, padding, dilations=dilations)
        np.testing.assert_allclose(float(tf.reduce_sum(y * cot)), float(np.sum(x * back.numpy())),
                                   rtol=1e-10)


# -- Keras layers -------------------------------------------------------------------------------


def _layer_on_golden(key, cls, kwargs):
    x = GOLDEN[f"{key}/x"]
    layer = getattr(keras.layers, cls)(**kwargs)
    layer(x)
    layer.set_weights([GOLDEN[f"{key}/w{i}"] for i in range(int(GOLDEN[f"{key}/n_weights"]))])
    return layer, x


@pytest.mark.parametrize("key,cls,x_shape,kwargs", LAYER_CASES, ids=[c[0] for c in LAYER_CASES])
def test_layers_match_keras(key, cls, x_shape, kwargs):
    layer, x = _layer_on_golden(key, cls, kwargs)
    want = [GOLDEN[f"{key}/y{i}"] for i in range(int(GOLDEN[f"{key}/n_out"]))]
    for fn in (layer, tf.function(lambda v: layer(v))):
        got = fn(x)
        got = got if isinstance(got, (list, tuple)) else [got]
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert g.shape.as_list() == list(w.shape)
            _close(g.numpy(), w)
    # the config round trip rebuilds the same layer (same output on the same weights)
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    clone(x)
    clone.set_weights(layer.get_weights())
    again = clone(x)
    again = again if isinstance(again, (list, tuple)) else [again]
    for g, w in zip(again, want):
        _close(g.numpy(), w)


def test_conv_lstm_config_has_keras_keys():
    layer = keras.layers.ConvLSTM1D(2, 3, return_sequences=True)
    config = layer.get_config()
    keras_keys = {  # Keras 3.15's ConvLSTM1D(2, 3).get_config() keys
        "activation", "activity_regularizer", "bias_constraint", "bias_initializer",
        "bias_regularizer", "data_format", "dilation_rate", "dropout", "dtype", "filters",
        "go_backwards", "kernel_constraint", "kernel_initializer", "kernel_regularizer",
        "kernel_size", "name", "padding", "recurrent_activation", "recurrent_constraint",
        "recurrent_dropout", "recurrent_initializer", "recurrent_regularizer",
        "return_sequences", "return_state", "seed", "stateful", "strides", "trainable",
        "unit_forget_bias", "unroll", "use_bias", "zero_output_for_mask"}
    assert keras_keys <= set(config), keras_keys - set(config)
    assert config["kernel_size"] == (3,) and config["return_sequences"] is True
    assert layer.filters == 2 and layer.kernel_size == (3,)
    assert keras.layers.Conv3DTranspose(2, 3).get_config()["kernel_size"] == [3, 3, 3]


def test_unit_forget_bias_starts_the_forget_gate_at_one():
    layer = keras.layers.ConvLSTM2D(3, 2)
    layer(np.ones((1, 2, 4, 4, 1), np.float32))
    np.testing.assert_array_equal(layer.cell.bias.numpy(), [0] * 3 + [1] * 3 + [0] * 6)
    assert [w.shape.as_list() for w in layer.weights] == [[2, 2, 1, 12], [2, 2, 3, 12], [12]]


@pytest.mark.parametrize("call,message", [
    # Keras: ValueError "Specifying `strides > 1` is not compatible with `dilation_rate > 1`"
    (lambda: keras.layers.ConvLSTM2D(2, 3, strides=2, dilation_rate=2), r"strides"),
    (lambda: keras.layers.ConvLSTM2D(2, 3, padding="causal"), r"padding"),
    (lambda: keras.layers.ConvLSTM2D(2, 3)(np.ones((1, 2, 5, 5), np.float32)),
     r"expected inputs of rank 5"),
    # Keras: "Computed output size would be zero or negative"
    (lambda: keras.layers.ConvLSTM2D(2, 3)(np.ones((1, 2, 2, 5, 1), np.float32)),
     r"larger than the input's spatial size 2"),
    (lambda: keras.layers.ConvLSTM3D(2, 3, data_format="channels_first"),
     r"channels_first"),
    # Keras: "`output_padding` must be strictly less than `strides`"
    (lambda: keras.layers.Conv3DTranspose(2, 3, strides=2, output_padding=2),
     r"output_padding \(2, 2, 2\) must be smaller than strides"),
    (lambda: keras.layers.Conv3DTranspose(2, 3, strides=2, dilation_rate=2), r"strides"),
    (lambda: keras.layers.Conv3DTranspose(2, 3)(np.ones((1, 2, 5, 5), np.float32)),
     r"expects inputs of rank 5"),
])
def test_layer_errors(call, message):
    with pytest.raises((InvalidArgumentError, UnimplementedError), match=message):
        call()


def test_conv_lstm_initial_state_mask_and_stateful():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 4, 5, 2)).astype(np.float32)
    layer = keras.layers.ConvLSTM1D(3, 3, padding="same", return_sequences=True,
                                    return_state=True)
    seq, h, c = layer(x)
    # an explicit zero initial state is the default one
    seq0, h0, c0 = layer(x, initial_state=[np.zeros((2, 5, 3), np.float32)] * 2)
    _close(seq0.numpy(), seq.numpy())
    # a state fed back continues the sequence: two halves = the whole
    first = layer(x[:, :2])
    second = layer(x[:, 2:], initial_state=first[1:])
    _close(second[0].numpy(), seq.numpy()[:, 2:])
    with pytest.raises(InvalidArgumentError, match=r"initial state must have shape"):
        layer(x, initial_state=[np.zeros((2, 3), np.float32)] * 2)
    # masked steps keep the previous state and output
    mask = np.array([[True, True, False, False], [True, True, True, True]])
    seq_m, h_m, _ = layer(x, mask=mask)
    _close(h_m.numpy()[0], first[1].numpy()[0])
    _close(seq_m.numpy()[0, 3], seq_m.numpy()[0, 1])
    # stateful: the states carry over between calls until reset
    stateful = keras.layers.ConvLSTM1D(3, 3, padding="same", stateful=True)
    stateful(x[:, :2])
    stateful.set_weights(layer.get_weights()[:3])
    stateful.reset_states()
    stateful(x[:, :2])
    _close(stateful(x[:, 2:]).numpy(), h.numpy())
    stateful.reset_states()
    _close(stateful(x[:, :2]).numpy(), first[1].numpy())


def test_conv_lstm_dropout_in_training_only():
    x = np.ones((2, 3, 6, 6, 2), np.float32)
    layer = keras.layers.ConvLSTM2D(2, 3, dropout=0.5, recurrent_dropout=0.5, seed=1)
    inference = layer(x).numpy()
    _close(layer(x, training=False).numpy(), inference)
    trained = layer(x, training=True).numpy()
    assert trained.shape == inference.shape and not np.allclose(trained, inference)
    assert layer.cell._dropout_mask is None  # the masks live for one call only


@pytest.mark.parametrize("make,x_shape,y_shape", [
    (lambda: [keras.layers.ConvLSTM1D(2, 3, padding="same", return_sequences=True,
                                      dropout=0.2, recurrent_dropout=0.2),
              keras.layers.Flatten(), keras.layers.Dense(1)], (8, 3, 6, 2), (8, 1)),
    (lambda: [keras.layers.ConvLSTM2D(2, 3, kernel_regularizer="l2"),
              keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(1)],
     (8, 3, 5, 5, 1), (8, 1)),
    (lambda: [keras.layers.ConvLSTM3D(2, 2, padding="same"), keras.layers.MaxPooling3D(2),
              keras.layers.Conv3DTranspose(1, 2, strides=2, padding="same"),
              keras.layers.AveragePooling3D(2, padding="same"), keras.layers.Flatten(),
              keras.layers.Dense(1)], (8, 2, 4, 4, 4, 1), (8, 1)),
])
def test_fit_trains(make, x_shape, y_shape):
    rng = np.random.default_rng(11)
    x = rng.standard_normal(x_shape).astype(np.float32)
    y = rng.standard_normal(y_shape).astype(np.float32)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(x_shape[1:])] + make())
    model.compile(optimizer=keras.optimizers.Adam(0.02), loss="mse")
    history = model.fit(x, y, batch_size=4, epochs=6, verbose=0)
    losses = history.history["loss"]
    assert np.isfinite(losses).all() and losses[-1] < losses[0], losses
    assert model.predict(x, verbose=0).shape == y_shape


def test_compat_v1_conv3d_backprop_filter():
    # TF 2.21: tf.compat.v1.nn.conv3d_backprop_filter(_v2) only (tf.nn has neither name);
    # the sum below is TF's for this input
    x = tf.reshape(tf.range(128.0), (1, 4, 4, 4, 2))
    dy = tf.ones((1, 3, 3, 3, 3))
    for fn in (tf.compat.v1.nn.conv3d_backprop_filter, tf.compat.v1.nn.conv3d_backprop_filter_v2):
        dw = fn(x, [2, 2, 2, 2, 3], dy, [1, 1, 1, 1, 1], "VALID")
        assert dw.shape == (2, 2, 2, 2, 3)
        assert float(tf.reduce_sum(dw)) == 82296.0
    assert not hasattr(tf.nn, "conv3d_backprop_filter")


def test_keras_ops_pool_3d():
    x = GOLDEN["avg_pool3d_same/x"]
    _close(keras.ops.average_pool(x, (2, 3, 3), 2, padding="same").numpy(),
           GOLDEN["avg_pool3d_same/y"])
    _close(keras.ops.max_pool(x, 2, padding="same").numpy(),
           tf.nn.max_pool3d(x, 2, 2, "SAME").numpy())


def test_reads_a_keras3_file_with_these_layers():
    data = os.path.join(os.path.dirname(__file__), "data")
    model = keras.models.load_model(os.path.join(data, "keras3_volume.keras"))
    io = np.load(os.path.join(data, "keras3_volume_io.npz"))
    _close(model.predict([io["xv"], io["xs"]], verbose=0), io["y"])
