"""Preprocessing layers against real Keras 3 (tests/data/preprocessing_goldens.json, from
make_preprocessing_goldens.py): learned vocabularies, lookups, hashing, quantile bins,
normalization statistics, encodings and image layers; then eager = compiled parity, use inside
models and in Dataset.map, config round trips and errors."""
import json
import os
import sys

import numpy as np
import pytest

import graphflow as tf
from graphflow import keras
from graphflow.errors import InvalidArgumentError

sys.path.insert(0, os.path.dirname(__file__))
from layer_checks import check_config  # noqa: E402

L = keras.layers
with open(os.path.join(os.path.dirname(__file__), "data", "preprocessing_goldens.json")) as f:
    G = json.load(f)


def _value(out):
    if hasattr(out, "numpy"):
        out = out.numpy()
    out = np.asarray(out)
    if out.dtype == object:
        return np.vectorize(lambda b: b.decode("utf-8"), otypes=[object])(out).tolist()
    return out


def _assert_golden(out, golden, rtol=1e-5, atol=1e-6):
    got = _value(out)
    if isinstance(got, list):
        assert got == golden["value"]
        return
    assert str(got.dtype) == golden["dtype"], (got.dtype, golden["dtype"])
    np.testing.assert_allclose(got, np.asarray(golden["value"], np.float64), rtol=rtol,
                               atol=atol)


def _fix(config):
    config = dict(config)
    if isinstance(config.get("ngrams"), list):
        config["ngrams"] = tuple(config["ngrams"])
    return config


TEXT = [k for k in G if k.startswith("tv_")]


@pytest.mark.parametrize("key", TEXT)
def test_text_vectorization_matches_keras(key):
    layer = L.TextVectorization(**_fix(G[key]["config"]))
    layer.adapt(G["corpus"])
    assert layer.get_vocabulary() == G[key]["vocabulary"]
    queries = tf.constant(G["queries"])
    _assert_golden(layer(queries), G[key]["output"])
    compiled = tf.function(lambda x: layer(x))(queries)
    _assert_golden(compiled, G[key]["output"])
    clone = check_config(layer)  # the learned vocabulary is part of graphflow's config
    _assert_golden(clone(queries), G[key]["output"])


LOOKUP = [k for k in G if k.startswith(("sl_", "il_"))]


@pytest.mark.parametrize("key", LOOKUP)
def test_lookup_layers_match_keras(key):
    case = G[key]
    cls = L.IntegerLookup if key.startswith("il") else L.StringLookup
    layer = cls(**case["config"])
    if case["adapt"] is not None:
        layer.adapt(np.array(case["adapt"]))
    assert layer.get_vocabulary() == case["vocabulary"]
    query = tf.constant(case["query"])
    out = layer(query)
    if isinstance(case["output"]["value"], list) and case["output"]["dtype"] == "object":
        assert _value(out) == case["output"]["value"]
    else:
        _assert_golden(out, case["output"])
    np.testing.assert_array_equal(_value(tf.function(lambda x: layer(x))(query)), _value(out))
    check_config(layer)


@pytest.mark.parametrize("key", [k for k in G if k.startswith("hash")])
def test_hashing_matches_keras(key):
    layer = L.Hashing(**G[key]["config"])
    _assert_golden(layer(tf.constant(G[key]["query"])), G[key]["output"])
    check_config(layer)


@pytest.mark.parametrize("key", ["disc4", "disc7", "disc_hot"])
def test_discretization_matches_keras(key):
    values = np.asarray(G["disc_values"], np.float32)
    layer = L.Discretization(**G[key]["config"])
    layer.adapt(values.reshape(-1, 1) if key != "disc7" else values)
    np.testing.assert_allclose(layer.bin_boundaries, G[key]["bin_boundaries"], rtol=1e-6)
    x = values[:6].reshape(3, 2) if key != "disc_hot" else values[:4]
    _assert_golden(layer(x), G[key]["output"])
    _assert_golden(tf.function(lambda t: layer(t))(tf.constant(x)), G[key]["output"])
    clone = L.Discretization.from_config(layer.get_config())
    _assert_golden(clone(x), G[key]["output"])


def test_normalization_matches_keras_on_arrays_and_datasets():
    data = np.asarray(G["norm_data"], np.float32)
    layer = L.Normalization()
    layer.adapt(data)
    np.testing.assert_allclose(layer.mean.numpy(), G["norm"]["mean"], rtol=1e-5)
    np.testing.assert_allclose(layer.variance.numpy(), G["norm"]["variance"], rtol=1e-5)
    _assert_golden(layer(data[:4]), G["norm"]["output"], rtol=1e-5, atol=1e-5)
    # a dataset of batches gives the same statistics (merged exactly)
    from_ds = L.Normalization()
    from_ds.adapt(tf.data.Dataset.from_tensor_slices(data).batch(7))
    np.testing.assert_allclose(from_ds.mean.numpy(), layer.mean.numpy(), rtol=1e-5)
    np.testing.assert_allclose(from_ds.variance.numpy(), layer.variance.numpy(), rtol=1e-5)
    scalar = L.Normalization(axis=None)
    scalar.adapt(data)
    _assert_golden(scalar(data[:2]), G["norm_none"]["output"], rtol=1e-5, atol=1e-5)
    images = np.asarray(G["norm_img"]["input"], np.float32)
    per = L.Normalization(axis=(1, 3))
    per.adapt(images)
    _assert_golden(per(images[:2]), G["norm_img"]["output"], rtol=1e-4, atol=1e-5)
    inv = L.Normalization(mean=[1.0, 2.0, 3.0], variance=[4.0, 1.0, 0.25], invert=True)
    _assert_golden(inv(data[:2]), G["norm_invert"]["output"], rtol=1e-5, atol=1e-5)
    check_config(inv)
    # compiled
    np.testing.assert_allclose(tf.function(lambda x: layer(x))(data[:4]).numpy(),
                               layer(data[:4]).numpy(), rtol=1e-6)


@pytest.mark.parametrize("key", ["ce_one_hot", "ce_multi", "ce_count"])
def test_category_encoding_matches_keras(key):
    layer = L.CategoryEncoding(**G[key]["config"])
    _assert_golden(layer(np.array(G[key]["input"])), G[key]["output"])
    check_config(layer)


def test_category_encoding_shapes_and_count_weights():
    enc = L.CategoryEncoding(4, output_mode="count")
    np.testing.assert_allclose(
        enc(np.array([[1, 2, 2]]), count_weights=np.array([[0.5, 1.0, 2.0]])).numpy(),
        [[0, 0.5, 3, 0]])
    assert L.CategoryEncoding(4, output_mode="one_hot")(np.array([1, 2, 3])).shape == (3, 4)
    assert L.CategoryEncoding(4)(np.array([1, 2, 3])).shape == (4,)  # one sample, as Keras
    with pytest.raises(InvalidArgumentError, match="count_weights"):
        L.CategoryEncoding(4)(np.array([[1]]), count_weights=np.array([[1.0]]))


@pytest.mark.parametrize("key", ["resize", "resize_nearest", "resize_crop", "resize_pad",
                                 "resize_pad_wide", "center_crop", "center_crop_up"])
def test_image_layers_match_keras(key):
    images = np.asarray(G["image"], np.float32)
    layer = getattr(L, G[key]["class"])(**G[key]["config"])
    _assert_golden(layer(images), G[key]["output"], rtol=1e-5, atol=1e-3)
    _assert_golden(tf.function(lambda x: layer(x))(images), G[key]["output"], rtol=1e-5,
                   atol=1e-3)
    assert layer(images[0]).shape == layer(images).shape[1:]  # unbatched images
    check_config(layer)


def test_random_image_layers_train_only():
    images = np.random.default_rng(0).uniform(0, 255, (16, 6, 8, 3)).astype(np.float32)
    for layer in [L.RandomFlip(seed=1), L.RandomContrast(0.5, seed=1), L.RandomCrop(4, 5, seed=1)]:
        np.testing.assert_array_equal(layer(images, training=False).numpy(), images)
        out = layer(images).numpy()  # a direct call augments, as Keras 3
        assert out.shape[0] == 16
        check_config(layer)
    flipped = L.RandomFlip("horizontal", seed=3)(images).numpy()
    same = [(flipped[i] == images[i]).all() for i in range(16)]
    mirrored = [(flipped[i] == images[i, :, ::-1]).all() for i in range(16)]
    assert all(s or m for s, m in zip(same, mirrored)) and any(mirrored) and any(same)
    crop = L.RandomCrop(4, 5, seed=2)(images).numpy()
    windows = {(t, l) for t in range(3) for l in range(4)
               if (crop == images[:, t:t + 4, l:l + 5]).all()}
    assert len(windows) == 1
    contrast = L.RandomContrast((0.5, 0.5), value_range=(0, 255))(images).numpy()
    assert contrast.min() >= 0 and contrast.max() <= 255
    mean = images.mean(axis=(1, 2), keepdims=True)
    factor = ((contrast - mean) / (images - mean))[:, 0, 0, 0]
    assert ((factor > 0.49) & (factor < 1.51)).all()


def test_augmentation_inside_a_model_and_in_dataset_map():
    images = np.random.default_rng(1).uniform(0, 1, (8, 6, 6, 1)).astype(np.float32)
    labels = np.arange(8, dtype=np.float32)[:, None]
    inputs = keras.Input(shape=(6, 6, 1))
    x = L.RandomFlip(seed=4)(inputs)
    x = L.RandomContrast(0.2, value_range=(0, 1))(x)
    x = L.Resizing(4, 4)(x)
    model = keras.Model(inputs, L.Dense(1)(L.Flatten()(x)))
    model.compile("sgd", "mse")
    model.fit(images, labels, epochs=1, verbose=0)
    # predict passes training=False: no augmentation, so it is deterministic
    np.testing.assert_array_equal(model.predict(images, verbose=0),
                                  model.predict(images, verbose=0))
    flip = L.RandomFlip("vertical", seed=5)
    ds = tf.data.Dataset.from_tensor_slices((images, labels)).batch(4).map(
        lambda x, y: (flip(x, training=True), y))
    batches = [x.numpy() for x, _ in ds]
    assert np.concatenate(batches).shape == images.shape
    for b, start in zip(batches, (0, 4)):
        for j in range(4):
            img = images[start + j]
            assert (b[j] == img).all() or (b[j] == img[::-1]).all()


def test_text_classifier_with_text_vectorization_trains_compiled():
    rng = np.random.default_rng(0)
    good, bad = ["great", "fine", "lovely", "good"], ["awful", "bad", "poor", "ugly"]
    filler = ["the", "film", "was", "very", "and", "plot"]
    texts, labels = [], []
    for _ in range(128):
        label = rng.integers(0, 2)
        words = list(rng.choice(filler, 4)) + list(rng.choice(good if label else bad, 2))
        rng.shuffle(words)
        texts.append(" ".join(words))
        labels.append(label)
    vectorize = L.TextVectorization(max_tokens=30, output_sequence_length=8)
    vectorize.adapt(texts)
    ds = tf.data.Dataset.from_tensor_slices((texts, np.array(labels, np.float32))).batch(16)
    ds = ds.map(lambda x, y: (vectorize(x), y))
    inputs = keras.Input(shape=(8,), dtype="int64")
    x = L.Embedding(30, 8)(inputs)
    x = L.GlobalAveragePooling1D()(x)
    model = keras.Model(inputs, L.Dense(1, activation="sigmoid")(x))
    model.compile(keras.optimizers.Adam(0.05), "binary_crossentropy", metrics=["accuracy"])
    history = model.fit(ds, epochs=8, verbose=0)
    assert history.history["accuracy"][-1] > 0.9
    # the same vectorizer inside an end-to-end model on raw strings
    raw = keras.Input(shape=(1,), dtype="string")
    end_to_end = keras.Model(raw, model(vectorize(raw)))
    probs = end_to_end.predict(tf.constant([["great lovely film"], ["awful ugly plot"]]),
                               verbose=0)
    assert probs[0, 0] > 0.5 > probs[1, 0]


def test_multi_hot_text_model_and_lookup_in_dataset_map():
    lookup = L.StringLookup(vocabulary=["a", "b", "c"], output_mode="multi_hot")
    ds = tf.data.Dataset.from_tensor_slices([["a", "b"], ["c", "x"]]).map(lookup)
    np.testing.assert_array_equal(np.stack([x.numpy() for x in ds]),
                                  [[0, 1, 1, 0], [1, 0, 0, 1]])


def test_preprocessing_errors():
    with pytest.raises(InvalidArgumentError, match="vocabulary"):
        L.StringLookup()(tf.constant(["a"]))
    with pytest.raises(InvalidArgumentError, match="repeated"):
        L.StringLookup(vocabulary=["a", "a"])
    with pytest.raises(InvalidArgumentError, match="string inputs"):
        L.StringLookup(vocabulary=["a"])(tf.constant([1]))
    with pytest.raises(InvalidArgumentError, match="integer"):
        L.IntegerLookup(vocabulary=[1])(tf.constant([1.5]))
    with pytest.raises(InvalidArgumentError, match="output_sequence_length"):
        L.TextVectorization(output_mode="multi_hot", output_sequence_length=3)
    with pytest.raises(InvalidArgumentError, match="string inputs"):
        L.TextVectorization(vocabulary=["a"])(tf.constant([1.0]))
    with pytest.raises(InvalidArgumentError, match="adapt"):
        L.Discretization(num_bins=3)(np.ones(2, np.float32))
    with pytest.raises(InvalidArgumentError, match="both `mean` and `variance`"):
        L.Normalization(mean=[1.0])
    with pytest.raises(InvalidArgumentError, match="num_bins"):
        L.Hashing(0)
    with pytest.raises(InvalidArgumentError, match="rank 3"):
        L.CenterCrop(2, 2)(np.ones((2, 3), np.float32))
    with pytest.raises(InvalidArgumentError, match="factor"):
        L.RandomContrast(1.5)
    with pytest.raises(InvalidArgumentError, match="mode"):
        L.RandomFlip("diagonal")
