"""MultiHeadAttention, Attention and AdditiveAttention against real Keras 3 goldens
(tests/data/attention_goldens.npz, from make_attention_goldens.py): outputs and scores with
masks, finite-difference gradients, compiled parity, config round trips, and the Transformer
encoder of Deep Learning with Python chapter 11 trained with a compiled fit."""
import os
import sys

import numpy as np
import pytest

import graphflow as tf
from graphflow import keras
from graphflow.errors import InvalidArgumentError, UnimplementedError

sys.path.insert(0, os.path.dirname(__file__))
from layer_checks import check_config, check_gradients, cosine  # noqa: E402

L = keras.layers
G = np.load(os.path.join(os.path.dirname(__file__), "data", "attention_goldens.npz"))

MHA_CASES = {
    "mha": (dict(num_heads=2, key_dim=3), {}),
    "mha_key": (dict(num_heads=3, key_dim=2, value_dim=4, output_shape=5), {"key": "k"}),
    "mha_amask": (dict(num_heads=2, key_dim=3), {"attention_mask": "amask"}),
    "mha_qv": (dict(num_heads=2, key_dim=3), {"query_mask": "qmask", "value_mask": "vmask"}),
    "mha_nobias": (dict(num_heads=1, key_dim=4, use_bias=False), {"attention_mask": "amask"}),
    "mha_causal": (dict(num_heads=2, key_dim=3), {"use_causal_mask": True}),
}


def _weights(key):
    out, i = [], 0
    while f"{key}/w{i}" in G:
        out.append(G[f"{key}/w{i}"])
        i += 1
    return out


def _mha(key, dtype="float32"):
    config, kwargs = MHA_CASES[key]
    kwargs = {k: (G[v] if isinstance(v, str) else v) for k, v in kwargs.items()}
    value = G["q"] if key == "mha_causal" else G["v"]
    layer = L.MultiHeadAttention(**config, dtype=dtype)
    layer(G["q"].astype(dtype), value.astype(dtype), **kwargs)
    layer.set_weights([w.astype(dtype) for w in _weights(key)])
    return layer, value, kwargs


@pytest.mark.parametrize("key", list(MHA_CASES))
def test_multi_head_attention_matches_keras(key):
    layer, value, kwargs = _mha(key)
    y, s = layer(G["q"], value, return_attention_scores=True, **kwargs)
    np.testing.assert_allclose(y.numpy(), G[f"{key}/y"], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(s.numpy(), G[f"{key}/s"], rtol=1e-5, atol=1e-6)
    tensors = {k: v for k, v in kwargs.items() if not isinstance(v, bool)}
    flags = {k: v for k, v in kwargs.items() if isinstance(v, bool)}
    names = sorted(tensors)

    @tf.function
    def compiled(q, v, *rest):
        return layer(q, v, **dict(zip(names, rest)), **flags)

    out = compiled(tf.constant(G["q"]), tf.constant(value), *[tf.constant(tensors[n]) for n in names])
    np.testing.assert_allclose(out.numpy(), G[f"{key}/y"], rtol=1e-5, atol=1e-5)
    clone = check_config(layer)
    assert clone(G["q"], value, **kwargs).shape == y.shape


@pytest.mark.parametrize("key", ["mha_key", "mha_amask", "mha_causal"])
def test_multi_head_attention_gradients(key):
    layer, value, kwargs = _mha(key, "float64")
    check_gradients(layer, G["q"].astype(np.float64), value=tf.constant(value.astype(np.float64)),
                    **{k: tf.constant(v.astype(np.float64)) if k == "key" else v
                       for k, v in kwargs.items()})


DENSE_CASES = {
    "att": ("Attention", dict(), dict()),
    "att_scale_mask": ("Attention", dict(use_scale=True), dict(mask=["qmask", "vmask"])),
    "att_concat_key": ("Attention", dict(score_mode="concat", use_scale=True), dict(key=True)),
    "att_causal": ("Attention", dict(), dict(use_causal_mask=True, mask=[None, "vmask"])),
    "add": ("AdditiveAttention", dict(), dict(mask=["qmask", "vmask"])),
    "add_noscale_key": ("AdditiveAttention", dict(use_scale=False), dict(key=True)),
}


def _dense(key, dtype="float32"):
    cls, config, kwargs = DENSE_CASES[key]
    kwargs = dict(kwargs)
    names = ["q2", "v2", "k2"] if kwargs.pop("key", False) else ["q2", "v2"]
    if "mask" in kwargs:
        kwargs["mask"] = [None if m is None else G[m] for m in kwargs["mask"]]
    layer = getattr(L, cls)(**config, dtype=dtype)
    inputs = [G[n].astype(dtype) for n in names]
    layer(inputs)
    layer.set_weights([w.astype(dtype) for w in _weights(key)])
    return layer, inputs, kwargs


@pytest.mark.parametrize("key", list(DENSE_CASES))
def test_dense_attention_matches_keras(key):
    layer, inputs, kwargs = _dense(key)
    y, s = layer(inputs, return_attention_scores=True, **kwargs)
    np.testing.assert_allclose(y.numpy(), G[f"{key}/y"], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(s.numpy(), G[f"{key}/s"], rtol=1e-5, atol=1e-6)
    compiled = tf.function(lambda *xs: layer(list(xs), **kwargs))(*inputs)
    np.testing.assert_allclose(compiled.numpy(), G[f"{key}/y"], rtol=1e-5, atol=1e-5)
    check_config(layer)
    # symbolic: the output has the query's steps and the value's features
    sym = type(layer)(**DENSE_CASES[key][1])([keras.Input(shape=t.shape[1:]) for t in inputs])
    assert sym.shape.as_list() == [None, 4, 3]


@pytest.mark.parametrize("key", ["att_scale_mask", "att_concat_key", "add"])
def test_dense_attention_gradients(key):
    layer, inputs, kwargs = _dense(key, "float64")
    rest = [tf.constant(t) for t in inputs[1:]]

    class Wrapped(keras.layers.Layer):  # the query as the checked input, the rest fixed
        def call(self, q):
            return layer([q] + rest, **kwargs)

    wrapped = Wrapped(dtype="float64")
    wrapped.inner = layer
    check_gradients(wrapped, inputs[0])


def test_attention_dropout_only_in_training():
    x = np.random.default_rng(0).standard_normal((2, 6, 8)).astype(np.float32)
    mha = L.MultiHeadAttention(2, 4, dropout=0.5, seed=3)
    np.testing.assert_allclose(mha(x, x).numpy(), mha(x, x, training=False).numpy())
    assert not np.allclose(mha(x, x, training=True).numpy(), mha(x, x).numpy())
    att = L.Attention(dropout=0.5)
    _, s = att([x, x], return_attention_scores=True, training=True)
    assert (s.numpy() == 0).any()


class TransformerEncoder(keras.layers.Layer):
    """Deep Learning with Python (2nd ed.), listing 11.21."""

    def __init__(self, embed_dim, dense_dim, num_heads, **kwargs):
        super().__init__(**kwargs)
        self.embed_dim, self.dense_dim, self.num_heads = embed_dim, dense_dim, num_heads
        self.attention = L.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
        self.dense_proj = keras.Sequential([L.Dense(dense_dim, activation="relu"),
                                            L.Dense(embed_dim)])
        self.layernorm_1 = L.LayerNormalization()
        self.layernorm_2 = L.LayerNormalization()

    def call(self, inputs, mask=None):
        if mask is not None:
            mask = mask[:, tf.newaxis, :]
        attention_output = self.attention(inputs, inputs, attention_mask=mask)
        proj_input = self.layernorm_1(inputs + attention_output)
        proj_output = self.dense_proj(proj_input)
        return self.layernorm_2(proj_input + proj_output)


def test_transformer_encoder_trains_with_compiled_fit():
    rng = np.random.default_rng(0)
    vocab, steps = 30, 12
    x = rng.integers(1, vocab, (256, steps))
    y = (x == 7).any(axis=1).astype(np.float32)[:, None]  # does token 7 occur?
    inputs = keras.Input(shape=(steps,), dtype="int64")
    h = L.Embedding(vocab, 16)(inputs)
    h = TransformerEncoder(16, 8, 2)(h)
    h = L.GlobalMaxPooling1D()(h)
    h = L.Dropout(0.2)(h)
    model = keras.Model(inputs, L.Dense(1, activation="sigmoid")(h))
    model.compile(keras.optimizers.Adam(3e-3), "binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=10, batch_size=32, verbose=0)
    loss = history.history["loss"]
    assert loss[-1] < 0.7 * loss[0], loss
    assert history.history["accuracy"][-1] > 0.8, history.history["accuracy"]


def test_attention_errors():
    x = np.ones((1, 3, 4), np.float32)
    with pytest.raises(InvalidArgumentError, match="value is required"):
        L.MultiHeadAttention(2, 2)(x)
    with pytest.raises(InvalidArgumentError, match="num_heads"):
        L.MultiHeadAttention(0, 2)
    with pytest.raises(UnimplementedError, match="attention_axes"):
        L.MultiHeadAttention(2, 2, attention_axes=(1, 2))
    with pytest.raises(InvalidArgumentError, match="rank 3"):
        L.MultiHeadAttention(2, 2)(np.ones((1, 3), np.float32), np.ones((1, 3), np.float32))
    with pytest.raises(InvalidArgumentError, match="list of 2 or 3"):
        L.Attention()(x)
    with pytest.raises(InvalidArgumentError, match="score_mode"):
        L.Attention(score_mode="cosine")


def test_sliding_window_band():
    # Keras 3's sliding_window=2 lets step i attend to steps j with |i - j| < 2
    q = np.random.default_rng(0).standard_normal((1, 5, 4)).astype(np.float32)
    layer = L.MultiHeadAttention(1, 2, sliding_window=2)
    _, scores = layer(q, q, return_attention_scores=True)
    band = (np.abs(np.subtract.outer(np.arange(5), np.arange(5))) < 2).astype(int)
    np.testing.assert_array_equal((scores.numpy()[0, 0] > 0).astype(int), band)
    assert check_config(layer).sliding_window == 2
    with pytest.raises(InvalidArgumentError, match="sliding_window"):
        L.MultiHeadAttention(1, 2, sliding_window=0)


def test_sublayers_built_inside_a_trace_start_from_eager_values():
    # A custom layer whose Dense is built lazily while its call is traced (on a keras.Input,
    # or on a first call inside graphflow.function) gets ordinary eager variables.
    class Wrapper(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.inner = L.Dense(3, kernel_initializer="ones")

        def call(self, x):
            return self.inner(x)

    symbolic = Wrapper()(keras.Input(shape=(4,)))
    assert symbolic.shape.as_list() == [None, 3]
    layer = Wrapper()
    out = tf.function(lambda x: layer(x))(tf.ones((2, 4)))
    np.testing.assert_allclose(out.numpy(), np.full((2, 3), 4.0))
    np.testing.assert_allclose(layer.inner.kernel.numpy(), np.ones((4, 3)))


def test_implicit_masks_from_embedding_match_keras():
    inp = keras.Input(shape=(4,), dtype="int32")
    e = L.Embedding(8, 4, mask_zero=True)(inp)
    pooled = L.GlobalAveragePooling1D()(L.MultiHeadAttention(2, 3)(e, e))
    model = keras.Model(inp, pooled)
    model.set_weights(_weights("masked"))
    np.testing.assert_allclose(model(G["masked/tokens"]).numpy(), G["masked/y"], rtol=1e-5,
                               atol=1e-5)


# Keras 3.15 (TF 2.21): Model(q, MultiHeadAttention(1, 2, constraints and regularizers
# below)(q, q)) from the weights cosine(shape, i): sum(model.losses), then every weight (query,
# key, value, output kernel and bias) after one SGD(0.5) step
MHA_CONSTRAINED_KERAS = (0.717705, [
    [[[0.44957, 0.11914]], [[0.0, 0.0]]], [[0.1, -0.1]],
    [[[0.0, 0.0]], [[0.0, 0.4173]]], [[-0.1, -0.1]],
    [[[0.0, 0.25051]], [[0.42778, 0.0]]], [[0.03039, 0.1]],
    [[[0.41466, 0.26374], [0.0, 0.0]]], [0.08486, 0.05291]])


@pytest.mark.parametrize("run_eagerly", [False, True], ids=["compiled", "eager"])
def test_multi_head_attention_constraints_and_regularizers_match_keras(run_eagerly):
    mha = L.MultiHeadAttention(
        1, 2, kernel_constraint="non_neg",
        bias_constraint=keras.constraints.MaxNorm(0.1, axis=0),
        kernel_regularizer=keras.regularizers.L2(0.1), bias_regularizer=keras.regularizers.L1(0.2))
    q = keras.Input((3, 2))
    model = keras.Model(q, mha(q, q))
    model.set_weights([cosine(w.shape, i) for i, w in enumerate(model.get_weights())])
    loss, weights = MHA_CONSTRAINED_KERAS
    np.testing.assert_allclose(float(sum(model.losses)), loss, rtol=1e-5)
    model.compile(keras.optimizers.SGD(0.5), "mse", run_eagerly=run_eagerly)
    model.fit(cosine((4, 3, 2), 7), cosine((4, 3, 2), 3), batch_size=4, verbose=0,
              shuffle=False)
    for var, want in zip(model.weights, weights):
        np.testing.assert_allclose(var.numpy(), want, atol=2e-5, err_msg=var.name)
    clone = check_config(mha)
    assert isinstance(clone.kernel_constraint, keras.constraints.NonNeg)
    assert clone.get_config()["bias_constraint"] == {
        "class_name": "MaxNorm", "config": {"max_value": 0.1, "axis": 0}}


# Keras 3.15: MultiHeadAttention(2, 2, value_dim=3, use_gate=..., activity_regularizer=L2(0.1))
# on query cosine((2, 3, 4), 1), value cosine((2, 5, 3), 2), weights cosine(shape, i):
# the weights' shapes in order, output[0, 0] and sum(layer.losses) (the activity regularizer on
# each projection's output, as Keras gives it to its EinsumDense sublayers)
GATE_KERAS = {
    False: ([(4, 2, 2), (2, 2), (3, 2, 2), (2, 2), (3, 2, 3), (2, 3), (2, 3, 4), (4,)],
            [0.75876, 0.41558, -0.53643, -0.70256], 1.737621),
    True: ([(4, 2, 2), (2, 2), (3, 2, 2), (2, 2), (4, 2, 3), (2, 3), (3, 2, 3), (2, 3),
            (2, 3, 4), (4,)], [-0.8122, -0.5511, 0.51736, 0.82789], 2.435978),
}


@pytest.mark.parametrize("use_gate", [False, True], ids=["plain", "gated"])
def test_multi_head_attention_gate_and_activity_regularizer_match_keras(use_gate):
    mha = L.MultiHeadAttention(2, 2, value_dim=3, use_gate=use_gate,
                               activity_regularizer=keras.regularizers.L2(0.1))
    q, v = cosine((2, 3, 4), 1), cosine((2, 5, 3), 2)
    mha(q, v)
    shapes, first, loss = GATE_KERAS[use_gate]
    assert [tuple(w.shape) for w in mha.get_weights()] == shapes
    mha.set_weights([cosine(w.shape, i) for i, w in enumerate(mha.get_weights())])
    out = mha(q, v)
    np.testing.assert_allclose(np.asarray(out)[0, 0], first, atol=2e-5)
    np.testing.assert_allclose(float(sum(mha.losses)), loss, rtol=1e-5)
    assert mha.activity_regularizer is None  # as Keras: the projections hold it
    clone = check_config(mha)
    assert clone.use_gate is use_gate and clone.get_config()["activity_regularizer"] == \
        {"class_name": "L2", "config": {"l2": 0.1}}
    compiled = tf.function(lambda a, b: mha(a, b))
    np.testing.assert_allclose(compiled(q, v).numpy(), np.asarray(out), rtol=1e-5, atol=1e-6)
