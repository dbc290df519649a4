"""keras.applications against Keras 3.15: every architecture's layer names, classes, order,
output shapes and parameter counts (tests/golden/keras_applications.json, written by
tests/keras_applications_oracle.py under TensorFlow's venv), forward passes on identical
weights, preprocess_input's modes, weights=<path>, and the errors for what needs a download."""
import hashlib
import json
import os
import sys

import numpy as np
import pytest

import graphflow as tf
from graphflow import keras
from graphflow.keras.applications import imagenet_utils

sys.path.insert(0, os.path.dirname(__file__))
from keras_applications_cases import (  # noqa: E402
    COUNTS, FORWARD, PREPROCESS_MODES, STRUCTURE, describe, images, legacy_model, weight_for)

A = keras.applications
with open(os.path.join(os.path.dirname(__file__), "golden", "keras_applications.json")) as f:
    GOLDEN = json.load(f)


def _build(fn, kwargs):
    keras.backend.clear_session()  # auto-generated names (conv2d_3, ...) count from zero
    kwargs = dict(kwargs, weights=None)
    if "input_tensor" in kwargs:
        kwargs["input_tensor"] = keras.Input(shape=kwargs["input_tensor"])
    return getattr(A, fn)(**kwargs)


@pytest.mark.parametrize("case,fn,kwargs", STRUCTURE, ids=[c[0] for c in STRUCTURE])
def test_structure_matches_keras(case, fn, kwargs):
    got = describe(_build(fn, kwargs))
    if fn.startswith("MobileNetV3"):
        # Keras 3 lists the hard sigmoid's `x + 3` and `* (1/6)` as operations, not layers
        lambdas = [layer for layer in got["layers"] if layer[1] == "TFOpLambda"]
        assert all(layer[3] == 0 for layer in lambdas)
        assert bool(lambdas) == (not kwargs.get("minimalistic"))  # only squeeze-excite has them
        got["layers"] = [layer for layer in got["layers"] if layer[1] != "TFOpLambda"]
    expected = GOLDEN["structure"][case]
    assert [layer[0] for layer in got["layers"]] == [layer[0] for layer in expected["layers"]]
    assert got == expected


def test_input_tensor_is_the_model_input():
    keras.backend.clear_session()
    inputs = keras.Input(shape=(32, 32, 3))
    model = A.MobileNetV2(input_tensor=inputs, weights=None, include_top=False, alpha=0.35)
    assert model.inputs[0] is inputs
    assert model.name == "mobilenetv2_0.35_None"  # as Keras names it (rows unknown)


@pytest.mark.parametrize("fn", [c[0] for c in COUNTS])
def test_parameter_counts_of_bigger_variants(fn):
    keras.backend.clear_session()
    assert getattr(A, fn)(weights=None, include_top=False).count_params() == \
        GOLDEN["counts"][fn]


def _fill(model):
    for v in model.weights:
        v.assign(weight_for(v.name.split(":")[0], tuple(v.shape)))


@pytest.mark.parametrize("case,fn,kwargs,module", FORWARD, ids=[c[0] for c in FORWARD])
def test_forward_pass_matches_keras(case, fn, kwargs, module):
    model = _build(fn, kwargs)
    _fill(model)
    x = getattr(A, module).preprocess_input(images((2,) + kwargs["input_shape"]))
    expected = np.asarray(GOLDEN["forward"][case])
    got = model(x, training=False).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4 * np.abs(expected).max())


@pytest.mark.parametrize("mode", PREPROCESS_MODES)
@pytest.mark.parametrize("fmt", ["channels_last", "channels_first"])
def test_preprocess_input_matches_keras(mode, fmt):
    expected = np.asarray(GOLDEN["preprocess"][f"{mode}/{fmt}"])
    x = images((2, 3, 2, 3), seed=1)
    y = imagenet_utils.preprocess_input(x.copy(), data_format=fmt, mode=mode)
    np.testing.assert_allclose(y, expected, rtol=1e-6)
    tensor = imagenet_utils.preprocess_input(tf.constant(x), data_format=fmt, mode=mode)
    np.testing.assert_allclose(tensor.numpy(), expected, rtol=1e-5, atol=1e-5)
    if fmt == "channels_last":  # on the symbolic input of a functional model
        inputs = keras.Input(shape=(3, 2, 3))
        model = keras.Model(inputs, imagenet_utils.preprocess_input(inputs, mode=mode))
        np.testing.assert_allclose(model(x).numpy(), expected, rtol=1e-5, atol=1e-5)


def test_preprocess_input_modes_of_the_family_modules():
    x = np.array([[[[255.0, 0.0, 127.5]]]], "float32")
    np.testing.assert_allclose(A.mobilenet_v2.preprocess_input(x.copy()), [[[[1, -1, 0]]]])
    np.testing.assert_allclose(A.resnet50.preprocess_input(x.copy()),
                               [[[[127.5 - 103.939, -116.779, 255 - 123.68]]]], rtol=1e-6)
    assert A.resnet.preprocess_input is not None and A.vgg16.preprocess_input is not None
    np.testing.assert_allclose(A.densenet.preprocess_input(x.copy()),
                               [[[[(1 - .485) / .229, -.456 / .224, (.5 - .406) / .225]]]],
                               rtol=1e-5)
    assert A.efficientnet.preprocess_input(x) is x and A.mobilenet_v3.preprocess_input(x) is x
    ints = np.full((1, 1, 1, 3), 255, np.uint8)  # integer arrays become float32 first
    assert A.mobilenet.preprocess_input(ints).dtype == np.float32
    assert A.mobilenet.preprocess_input(tf.constant(ints)).dtype == tf.float32
    with pytest.raises(ValueError, match="Expected mode to be one of"):
        imagenet_utils.preprocess_input(x, mode="bgr")
    with pytest.raises(ValueError, match="Expected data_format to be one of"):
        imagenet_utils.preprocess_input(x, data_format="nhwc")


@pytest.mark.parametrize("suffix", [".weights.h5", ".weights"])
def test_weights_from_a_path(tmp_path, suffix):
    if suffix == ".weights.h5":
        pytest.importorskip("h5py")
    kwargs = dict(input_shape=(32, 32, 3), alpha=0.35, classes=4)
    source = _build("MobileNetV2", kwargs)
    _fill(source)
    path = str(tmp_path / f"mnv2{suffix}")
    source.save_weights(path)
    x = images((1, 32, 32, 3)) / 127.5 - 1
    loaded = A.MobileNetV2(weights=path, **kwargs)
    np.testing.assert_allclose(loaded(x).numpy(), source(x).numpy(), rtol=1e-6)


def test_keras2_h5_weights_load():
    # the pretrained keras.applications files are Keras 2 HDF5 weights: layers with weights
    # matched in order, as Keras's legacy loader does (the golden file is Keras's own writing)
    pytest.importorskip("h5py")
    keras.backend.clear_session()
    model = legacy_model(keras)
    model.load_weights(os.path.join(os.path.dirname(__file__), "golden", "keras2_weights.h5"))
    np.testing.assert_allclose(model(images((2, 6, 6, 3)) / 255.0).numpy(), GOLDEN["legacy"],
                               rtol=1e-5, atol=1e-6)
    other = keras.Sequential([keras.Input((6, 6, 3)), keras.layers.Conv2D(4, 3)])
    with pytest.raises(tf.errors.InvalidArgumentError, match="holds weights for 3 layers"):
        other.load_weights(os.path.join(os.path.dirname(__file__), "golden", "keras2_weights.h5"))


def test_imagenet_weights_need_a_path():
    with pytest.raises(ValueError, match=r"keras-applications/mobilenet_v2/mobilenet_v2_weights_"
                                         r"tf_dim_ordering_tf_kernels_1\.0_160_no_top\.h5 and "
                                         r"pass its path"):
        A.MobileNetV2(input_shape=(160, 160, 3), include_top=False)  # weights="imagenet"
    with pytest.raises(ValueError, match=r"keras-applications/mobilenet/mobilenet_2_5_224_tf\.h5"):
        A.MobileNet(alpha=0.25)
    with pytest.raises(ValueError, match="does not download weights"):
        A.ResNet50()
    with pytest.raises(ValueError, match="`classes` should be 1000"):
        A.VGG16(classes=10)
    with pytest.raises(ValueError, match="the path to the weights file to be loaded"):
        A.ResNet50(weights="/no/such/file.weights.h5")


def test_input_shape_checks_match_keras():
    with pytest.raises(ValueError, match="Input size must be at least 32x32"):
        A.MobileNetV2(input_shape=(16, 16, 3), weights=None, include_top=False)
    with pytest.raises(ValueError, match="must be a tuple of three integers"):
        A.ResNet50(input_shape=(32, 32), weights=None, include_top=False)
    with pytest.raises(ValueError, match="you should specify a static `input_shape`"):
        A.VGG16(input_shape=(None, None, 3), weights=None)
    with pytest.raises(ValueError, match="must be a KerasTensor"):
        A.MobileNet(input_tensor=np.zeros((1, 32, 32, 3)), weights=None, include_top=False)


def test_decode_predictions(tmp_path, monkeypatch):
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX", None)
    monkeypatch.delenv("GRAPHFLOW_DATA_DIR", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    preds = np.zeros((1, 1000), "float32")
    preds[0, [7, 3]] = [0.9, 0.1]
    with pytest.raises(tf.errors.NotFoundError,
                       match=r"imagenet_class_index\.json.*" + str(tmp_path / "keras")):
        A.mobilenet_v2.decode_predictions(preds)
    with pytest.raises(ValueError, match=r"shape \(samples, 1000\).*\(1, 10\)"):
        A.resnet50.decode_predictions(np.zeros((1, 10)))
    data = json.dumps({str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)}).encode()
    (tmp_path / "imagenet_class_index.json").write_bytes(data)
    monkeypatch.setenv("GRAPHFLOW_DATA_DIR", str(tmp_path))
    with pytest.raises(tf.errors.NotFoundError, match="is not Keras's"):  # the MD5 Keras pins
        A.vgg16.decode_predictions(preds)
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX_MD5", hashlib.md5(data).hexdigest())
    top = A.vgg16.decode_predictions(tf.constant(preds), top=2)
    assert [(c, d) for c, d, _ in top[0]] == [("n00000007", "class_7"), ("n00000003", "class_3")]
    np.testing.assert_allclose([s for _, _, s in top[0]], [0.9, 0.1])
