"""image_projective_transform against TF's ImageProjectiveTransformV3 and RandomRotation,
RandomZoom, RandomTranslation against Keras 3 (tests/data/transform_goldens.npz, from
make_transform_goldens.py, with degenerate factor ranges so Keras's draws are known), plus
randomness, training-only behaviour, compiled parity and configs."""
import os
import sys

import numpy as np
import pytest

import graphflow as tf
from graphflow import keras
from graphflow.errors import InvalidArgumentError
from graphflow.ops.image_transform import image_projective_transform

sys.path.insert(0, os.path.dirname(__file__))
from layer_checks import check_config  # noqa: E402

L = keras.layers
G = np.load(os.path.join(os.path.dirname(__file__), "data", "transform_goldens.npz"))
OP_CASES = [k for k in G.files if k.count("/") == 2]


@pytest.mark.parametrize("key", OP_CASES)
def test_transform_matches_tf(key):
    name, interpolation, fill_mode = key.split("/")
    y = image_projective_transform(G["images"], G[f"{name}/t"], interpolation, fill_mode, 0.25)
    np.testing.assert_allclose(y.numpy(), G[key], rtol=1e-5, atol=1e-6)


def test_transform_compiled_and_errors():
    f = tf.function(lambda x, t: image_projective_transform(x, t, "bilinear", "reflect", 0.25))
    np.testing.assert_allclose(f(G["images"], G["zoom/t"]).numpy(), G["zoom/bilinear/reflect"],
                               rtol=1e-5, atol=1e-6)
    with pytest.raises(InvalidArgumentError, match="fill_mode"):
        image_projective_transform(G["images"], G["zoom/t"], fill_mode="mirror")
    with pytest.raises(InvalidArgumentError, match="transforms"):
        image_projective_transform(G["images"], np.ones((2, 6), np.float32))
    with pytest.raises(InvalidArgumentError, match="3 transforms for a batch of 2"):
        image_projective_transform(G["images"], np.ones((3, 8), np.float32))


LAYERS = {
    "rotation": ("RandomRotation", dict(factor=(0.1, 0.1))),
    "rotation_nearest_wrap": ("RandomRotation", dict(factor=(-0.3, -0.3), fill_mode="wrap",
                                                     interpolation="nearest")),
    "zoom": ("RandomZoom", dict(height_factor=(0.3, 0.3), width_factor=(-0.2, -0.2))),
    "zoom_constant": ("RandomZoom", dict(height_factor=(0.5, 0.5), fill_mode="constant",
                                         fill_value=0.5)),
    "translation": ("RandomTranslation", dict(height_factor=(0.2, 0.2),
                                              width_factor=(-0.1, -0.1))),
    "translation_nearest": ("RandomTranslation", dict(height_factor=(-0.4, -0.4),
                                                      width_factor=(0.3, 0.3),
                                                      fill_mode="nearest")),
}


@pytest.mark.parametrize("key", list(LAYERS))
def test_augmentation_layers_match_keras(key):
    cls, config = LAYERS[key]
    layer = getattr(L, cls)(**config)
    np.testing.assert_allclose(layer(G["images"]).numpy(), G[f"layer/{key}"], rtol=1e-4,
                               atol=1e-5)
    compiled = tf.function(lambda x: layer(x, training=True))(G["images"])
    np.testing.assert_allclose(compiled.numpy(), G[f"layer/{key}"], rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(layer(G["images"], training=False).numpy(), G["images"])
    check_config(layer)


def test_random_draws_per_image_and_in_range():
    images = np.zeros((16, 9, 9, 1), np.float32)
    images[:, 4, 4:, 0] = 1.0  # a ray from the centre to the right edge
    out = L.RandomRotation(0.5, interpolation="nearest", fill_mode="constant", seed=3)(images)
    out = out.numpy()
    assert len({out[i].tobytes() for i in range(16)}) > 8  # one angle per image
    # a translation moves the single bright pixel by at most the factor times the size
    dot = np.zeros((8, 10, 10, 1), np.float32)
    dot[:, 5, 5, 0] = 1
    moved = L.RandomTranslation(0.2, 0.3, interpolation="nearest", fill_mode="constant",
                                seed=1)(dot).numpy()
    for img in moved:
        r, c = np.argwhere(img[..., 0] == 1)[0]
        assert abs(r - 5) <= 2 and abs(c - 5) <= 3
    zoomed = L.RandomZoom((-0.5, -0.5))(dot[:1]).numpy()  # zoom in x2: the dot grows
    assert (zoomed > 0).sum() > 1


def test_augmentation_errors():
    with pytest.raises(InvalidArgumentError, match="fill_mode"):
        L.RandomRotation(0.1, fill_mode="mirror")
    with pytest.raises(InvalidArgumentError, match="height_factor"):
        L.RandomZoom(1.5)
    with pytest.raises(InvalidArgumentError, match="width_factor"):
        L.RandomTranslation(0.1, "x")
