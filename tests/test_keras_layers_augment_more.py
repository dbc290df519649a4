"""Keras 3.15's further image augmentation layers: the deterministic parts against Keras 3.15
outputs (tests/data/augment_more_goldens.npz, from make_augment_more_goldens.py: factors whose
draws are constant), Keras's argument errors, inference behaviour, configs, and the random parts'
distributions and seeding (graphflow's random stream is not Keras's, so random outputs are
checked by their statistics, not by value)."""
import json
import os
import sys

import numpy as np
import pytest

import graphflow as tf
from graphflow import keras

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "data"))
from layer_checks import check_config  # noqa: E402

L = keras.layers
GOLDEN = np.load(os.path.join(os.path.dirname(__file__), "data", "augment_more_goldens.npz"))
X, X1 = GOLDEN["x"], GOLDEN["x1"]

DETERMINISTIC = [
    ("solar", lambda: L.Solarization(), X),
    ("solar_vr", lambda: L.Solarization(value_range=(-1, 1)), X1),
    ("autocontrast", lambda: L.AutoContrast(), X),
    ("poster3", lambda: L.RandomPosterization((3, 3)), X),
    ("poster5_vr", lambda: L.RandomPosterization((5, 5), value_range=(-1, 1)), X1),
    ("gray_all", lambda: L.RandomGrayscale(1.0), X),
    ("invert_all", lambda: L.RandomInvert((1.0, 1.0)), X),
    ("bright_fixed", lambda: L.RandomBrightness((0.1, 0.1)), X),
    ("bright_fixed_neg", lambda: L.RandomBrightness((-0.3, -0.3), value_range=(-1, 1)), X1),
]


@pytest.mark.parametrize("key,make,x", DETERMINISTIC, ids=[c[0] for c in DETERMINISTIC])
def test_matches_keras(key, make, x):
    layer = make()
    y = layer(x)
    np.testing.assert_allclose(y.numpy(), GOLDEN[key], rtol=1e-5, atol=1e-4)
    # one image (rank 3) gives that image's result; a graph gives the same
    np.testing.assert_allclose(layer(x[0]).numpy(), GOLDEN[key][0], rtol=1e-5, atol=1e-4)
    f = tf.function(lambda t: layer(t))
    np.testing.assert_allclose(f(tf.constant(x)).numpy(), GOLDEN[key], rtol=1e-5, atol=1e-4)
    clone = check_config(layer)
    np.testing.assert_allclose(clone(x).numpy(), GOLDEN[key], rtol=1e-5, atol=1e-4)
    assert keras.Sequential([keras.Input(x.shape[1:]), layer])(x).shape == x.shape


def test_autocontrast_inference_and_constant_images():
    # AutoContrast is deterministic and applied at inference too, as in Keras
    np.testing.assert_allclose(L.AutoContrast(value_range=(-1, 1))(X1, training=False).numpy(),
                               GOLDEN["autocontrast_inf"], rtol=1e-5, atol=1e-5)
    const = np.full((1, 2, 2, 3), 7.0, np.float32)
    np.testing.assert_array_equal(L.AutoContrast()(const).numpy(), GOLDEN["autocontrast_const"])


@pytest.mark.parametrize("make", [
    lambda: L.RandomBrightness(0.5), lambda: L.RandomGrayscale(0.5), lambda: L.RandomInvert(),
    lambda: L.RandomPosterization(4), lambda: L.Solarization(0.5, 0.5)])
def test_random_layers_pass_through_at_inference(make):
    layer = make()
    np.testing.assert_array_equal(layer(X, training=False).numpy(), X)
    model = keras.Sequential([keras.Input(X.shape[1:]), layer])
    np.testing.assert_array_equal(model.predict(X, verbose=0), X)


def test_configs_are_keras():
    expected = {
        "RandomBrightness": ((0.2,), {"factor": [-0.2, 0.2], "value_range": [0, 255]}),
        "RandomInvert": ((), {"factor": [0, 1.0], "value_range": [0, 255]}),
        "RandomPosterization": ((4,), {"factor": [1, 4], "value_range": [0, 255]}),
        "Solarization": ((0.1, 0.3), {"value_range": [0, 255], "addition_factor": [0, 0.1],
                                      "threshold_factor": [0, 0.3]}),
        "AutoContrast": ((), {"value_range": [0, 255]}),
        "RandomGrayscale": ((), {"factor": 0.5}),
    }
    for name, (args, want) in expected.items():
        config = json.loads(json.dumps(getattr(L, name)(*args).get_config()))
        assert {k: config[k] for k in want} == want, name
        check_config(getattr(L, name)(*args))


@pytest.mark.parametrize("make,message", [
    (lambda: L.RandomBrightness(1.5), r"in the range \[-1, 1\]. Received: factor=1.5"),
    (lambda: L.RandomBrightness((0.1, 0.2, 0.3)), r"in the range \[-1, 1\]"),
    (lambda: L.RandomBrightness(0.1, value_range=5),
     "The `value_range` argument should be a list of two numbers. Received: value_range=5"),
    (lambda: L.RandomGrayscale(2), "`factor` should be between 0 and 1. Received: factor=2"),
    (lambda: L.RandomInvert(2.0), r"in the range \[0, 1\]. Received: factor=2.0"),
    (lambda: L.RandomPosterization(9), r"in the range \[1, 8\]. Received: factor=9"),
    (lambda: L.Solarization(2), "Received: input_number=2"),
    (lambda: L.Solarization((0.1,)), r"Received: addition_factor=\(0.1,\)"),
])
def test_argument_errors_are_keras(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_rank_error():
    with pytest.raises(ValueError, match="expects images of rank 3"):
        L.RandomBrightness(0.1)(np.ones((2, 2), np.float32))


def test_random_distributions_and_seeds():
    rng = np.random.default_rng(0)
    x = (rng.random((400, 2, 2, 3)) * 200 + 20).astype(np.float32)
    # brightness: one delta per image, uniform in factor * 255
    delta = (L.RandomBrightness((-0.05, 0.05), seed=1)(x).numpy() - x)
    per_image = delta[:, 0, 0, 0]
    assert np.allclose(delta, per_image[:, None, None, None], atol=1e-3)
    assert per_image.min() >= -12.75 - 1e-3 and per_image.max() <= 12.75 + 1e-3
    assert abs(per_image.mean()) < 1.5 and per_image.std() > 6
    # grayscale with probability factor; gray images have three equal channels
    y = L.RandomGrayscale(0.3, seed=2)(x).numpy()
    gray = np.all(np.isclose(y[..., 0], y[..., 1]), axis=(1, 2))
    assert abs(gray.mean() - 0.3) < 0.07
    # invert: factor 1.0 draws the probability uniformly in [0, 1): half the images overall
    y = L.RandomInvert(seed=3)(x).numpy()
    inverted = np.isclose(y, 255 - x).all(axis=(1, 2, 3))
    assert abs(inverted.mean() - 0.5) < 0.08 and (inverted | np.isclose(y, x).all((1, 2, 3))).all()
    # posterization draws bits in [1, 4): the results are multiples of 2**(8 - bits)
    y = L.RandomPosterization(4, seed=4)(x).numpy()
    steps = [max(s for s in (32, 64, 128) if np.all(img % s == 0)) for img in y]
    assert set(steps) == {32, 64, 128}
    # solarization with a threshold: pixels below it kept, others inverted
    y = L.Solarization(threshold_factor=(0.5, 0.9), seed=5)(x).numpy()
    assert np.all(np.isclose(y, x) | np.isclose(y, 255 - x))
    # a seed (with the global seed, as TF's op seeds) makes a new layer repeat its draws
    tf.random.set_seed(1)
    a = L.RandomBrightness(0.5, seed=7)(x).numpy()
    tf.random.set_seed(1)
    b = L.RandomBrightness(0.5, seed=7)(x).numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, L.RandomBrightness(0.5, seed=7)(x).numpy())


def test_integer_images_become_float():
    x = (np.arange(48) % 256).astype(np.uint8).reshape(1, 4, 4, 3)
    y = L.Solarization()(x)
    assert y.dtype == tf.float32
    np.testing.assert_array_equal(y.numpy(), 255.0 - x)


G2 = np.load(os.path.join(os.path.dirname(__file__), "data", "augment_more_goldens2.npz"))
XQ = G2["x_q"]
DETERMINISTIC2 = [
    ("degen", lambda: L.RandomColorDegeneration((0.3, 0.3)), X, 1e-4),
    ("sharp", lambda: L.RandomSharpness((0.8, 0.8)), X, 1e-3),
    ("sharp_vr", lambda: L.RandomSharpness((0.2, 0.2), value_range=(-1, 1)), X1, 1e-5),
    ("sat", lambda: L.RandomSaturation((0.7, 0.7)), X, 1e-3),
    ("sat_low", lambda: L.RandomSaturation((0.2, 0.2), value_range=(0, 1)), X / 255.0, 1e-5),
    ("hue", lambda: L.RandomHue((1.0, 1.0)), X, 1e-3),
    ("hue_vr", lambda: L.RandomHue((1.0, 1.0), value_range=(-1, 1)), X1, 1e-5),
    ("jitter", lambda: L.RandomColorJitter(brightness_factor=(0.1, 0.1),
                                           saturation_factor=(0.6, 0.6)), X, 1e-3),
    ("equal", lambda: L.Equalization(), X, 1e-4),
    ("equal_q", lambda: L.Equalization(), XQ, 1e-4),
    ("equal_bins", lambda: L.Equalization(bins=16), XQ, 1e-4),
    ("equal_vr", lambda: L.Equalization(value_range=(-1, 1)), X1, 1e-5),
    ("blur3", lambda: L.RandomGaussianBlur(factor=(1.0, 1.0), sigma=(0.7, 0.7)), X, 1e-3),
    ("blur5", lambda: L.RandomGaussianBlur(factor=(1.0, 1.0), kernel_size=5, sigma=(0.4, 0.4)),
     X, 1e-3),
]


@pytest.mark.parametrize("key,make,x,atol", DETERMINISTIC2, ids=[c[0] for c in DETERMINISTIC2])
def test_matches_keras_2(key, make, x, atol):
    layer = make()
    np.testing.assert_allclose(layer(x).numpy(), G2[key], rtol=1e-5, atol=atol)
    f = tf.function(lambda t: layer(t))
    np.testing.assert_allclose(f(tf.constant(x)).numpy(), G2[key], rtol=1e-5, atol=atol)
    np.testing.assert_array_equal(layer(x, training=False).numpy(), x)  # as Keras
    clone = check_config(layer)
    np.testing.assert_allclose(clone(x).numpy(), G2[key], rtol=1e-5, atol=atol)


def test_hsv_round_trip():
    from graphflow.keras.layers.preprocessing.color import hsv_to_rgb, rgb_to_hsv
    x = np.random.default_rng(2).random((3, 5, 5, 3)).astype(np.float32)
    x[0, 0, 0] = [0.5, 0.5, 0.5]  # gray: hue 0, saturation 0
    x[0, 0, 1] = 0.0
    hsv = rgb_to_hsv(tf.constant(x)).numpy()
    assert hsv[0, 0, 0].tolist() == [0.0, 0.0, 0.5] and hsv[0, 0, 1].tolist() == [0.0, 0.0, 0.0]
    np.testing.assert_allclose(hsv_to_rgb(tf.constant(hsv)).numpy(), x, atol=1e-6)


def test_configs_are_keras_2():
    expected = {
        "RandomColorDegeneration": ((0.2,), {"factor": [-0.2, 0.2], "value_range": [0, 255]}),
        "RandomSharpness": ((0.3,), {"factor": [0, 0.3], "value_range": [0, 255]}),
        "RandomSaturation": ((0.4,), {"factor": [-0.4, 0.4], "value_range": [0, 255]}),
        "RandomHue": ((0.3,), {"factor": [0, 0.3], "value_range": [0, 255]}),
        "RandomColorJitter": ((), {"value_range": [0, 255], "brightness_factor": None,
                                   "contrast_factor": None, "saturation_factor": None,
                                   "hue_factor": None}),
        "Equalization": ((), {"bins": 256, "value_range": [0, 255]}),
        "RandomGaussianBlur": ((), {"factor": [0, 1.0], "kernel_size": [3, 3],
                                    "sigma": [0, 1.0], "value_range": [0, 255]}),
    }
    for name, (args, want) in expected.items():
        config = json.loads(json.dumps(getattr(L, name)(*args).get_config()))
        assert {k: config[k] for k in want} == want, name
        check_config(getattr(L, name)(*args))
    check_config(L.RandomColorJitter(brightness_factor=0.1, contrast_factor=0.2,
                                     saturation_factor=(0.3, 0.6), hue_factor=0.1, seed=3))


@pytest.mark.parametrize("make,message", [
    (lambda: L.RandomSharpness(1.5), r"in the range \[0, 1\]. Received: factor=1.5"),
    (lambda: L.RandomHue(2), r"in the range \[0, 1\]. Received: factor=2"),
    (lambda: L.RandomGaussianBlur(kernel_size=4),
     "kernel_size must be an odd number. Received: kernel_size=4"),
    (lambda: L.RandomGaussianBlur(sigma=2.0),
     r"The `sigma` argument should be a number \(or a list of two numbers\) in the range "
     r"\[0, 1\]. Received: factor=2.0"),
    (lambda: L.RandomGaussianBlur(kernel_size=(3,)),
     r"Received: kernel_size=\(3,\)"),
    (lambda: L.RandomSaturation(1.2), r"in the range \[-1, 1\]. Received: factor=1.2"),
])
def test_argument_errors_are_keras_2(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_random_color_layers_distributions():
    rng = np.random.default_rng(3)
    x = (rng.random((300, 3, 3, 3)) * 200 + 20).astype(np.float32)
    # degeneration: y = x + f (gray - x) with one f per image in [-0.4, 0.4]
    y = L.RandomColorDegeneration(0.4, seed=1)(x).numpy()
    gray = (x * [0.2989, 0.5870, 0.1140]).sum(-1, keepdims=True)
    f = ((y - x) * (gray - x)).sum((1, 2, 3)) / ((gray - x) ** 2).sum((1, 2, 3))
    assert f.min() >= -0.4 - 1e-3 and f.max() <= 0.4 + 1e-3 and f.std() > 0.15
    # blur with factor 0.5 blurs about a quarter of the images (probability uniform in [0, .5))
    y = L.RandomGaussianBlur(factor=0.5, sigma=(0.5, 0.9), seed=2)(x).numpy()
    changed = ~np.isclose(y, x).all(axis=(1, 2, 3))
    assert 0.15 < changed.mean() < 0.35
    # hue rotation keeps saturation and value
    from graphflow.keras.layers.preprocessing.color import rgb_to_hsv
    y = L.RandomHue(0.5, seed=3)(x).numpy()
    a, b = rgb_to_hsv(tf.constant(x)).numpy(), rgb_to_hsv(tf.constant(y)).numpy()
    np.testing.assert_allclose(a[..., 1:], b[..., 1:], rtol=1e-3, atol=1e-2)
    assert not np.allclose(a[..., 0], b[..., 0])


def test_color_layers_train_in_a_compiled_fit():
    rng = np.random.default_rng(0)
    images = (rng.random((16, 6, 6, 3)) * 255).astype(np.float32)
    labels = (images.mean(axis=(1, 2, 3)) > 127).astype(np.float32)[:, None]
    inputs = keras.Input((6, 6, 3))
    x = L.RandomColorJitter(brightness_factor=0.1, saturation_factor=0.2, hue_factor=0.1)(inputs)
    x = L.RandomSharpness(0.3)(x)
    x = L.RandomGaussianBlur(0.5, sigma=0.5)(x)
    x = L.Rescaling(1 / 255.0)(x)
    outputs = L.Dense(1, activation="sigmoid")(L.GlobalAveragePooling2D()(x))
    model = keras.Model(inputs, outputs)
    model.compile(keras.optimizers.Adam(0.05), "binary_crossentropy")
    history = model.fit(images, labels, epochs=3, batch_size=8, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert model.predict(images, verbose=0).shape == (16, 1)


# -- MixUp, CutMix, RandomErasing ---------------------------------------------------------------

def test_mixing_configs_and_errors_are_keras():
    assert {k: v for k, v in L.MixUp().get_config().items() if k in ("alpha", "seed")} == \
        {"alpha": 0.2, "seed": None}
    config = json.loads(json.dumps(L.CutMix().get_config()))
    assert config["factor"] == [0, 1.0]
    config = json.loads(json.dumps(L.RandomErasing().get_config()))
    assert {k: config[k] for k in ("factor", "scale", "fill_value", "value_range")} == {
        "factor": [0, 1.0], "scale": [0.02, 0.33], "fill_value": None, "value_range": [0, 255]}
    for layer in (L.MixUp(0.4, seed=1), L.CutMix(0.5), L.RandomErasing(0.5, fill_value=3.0)):
        check_config(layer)
    with pytest.raises(ValueError, match=r"in the range \[0, 1\]. Received: factor=1.5"):
        L.CutMix(1.5)
    with pytest.raises(ValueError, match=r"The `scale` argument should be a number .* Received: "
                                         "factor=2.0"):
        L.RandomErasing(scale=2.0)
    with pytest.raises(ValueError, match="The `fill_value` argument should be a number"):
        L.RandomErasing(fill_value="a")


def test_random_erasing_whole_image_matches_keras():
    x = (np.random.default_rng(0).random((2, 4, 4, 3)) * 255).astype(np.float32)
    # scale 1: the box is the whole image; factor (1, 1): always applied (Keras gives this)
    y = L.RandomErasing(factor=(1.0, 1.0), scale=(1.0, 1.0), fill_value=(10.0, 300.0, -5.0))(x)
    np.testing.assert_array_equal(y.numpy(), np.broadcast_to([10.0, 255.0, 0.0], x.shape))
    np.testing.assert_array_equal(L.RandomErasing(factor=0.0)(x).numpy(), x)


def test_mixing_inference_and_single_images():
    x = (np.random.default_rng(0).random((4, 5, 5, 3)) * 255).astype(np.float32)
    labels = np.eye(4, dtype=np.float32)
    for layer in (L.MixUp(), L.CutMix(), L.RandomErasing()):
        out = layer({"images": x, "labels": labels}, training=False)
        np.testing.assert_array_equal(out["images"].numpy(), x)
        np.testing.assert_array_equal(out["labels"].numpy(), labels)
        np.testing.assert_array_equal(layer(x, training=False).numpy(), x)
    # CutMix leaves a single image alone (Keras); MixUp of a batch of one mixes it with itself
    out = L.CutMix()({"images": x[0], "labels": labels[0]})
    np.testing.assert_array_equal(out["images"].numpy(), x[0])
    np.testing.assert_allclose(L.MixUp()(x[:1]).numpy(), x[:1], rtol=1e-5)


def test_mixing_semantics():
    tf.random.set_seed(4)
    rng = np.random.default_rng(1)
    n = 2000
    x = rng.random((n, 4, 4, 1)).astype(np.float32)
    ids = np.arange(n, dtype=np.float32)
    # MixUp: image i = w x_i + (1 - w) x_perm(i), labels likewise, w ~ Beta(alpha, alpha)
    images = np.broadcast_to(ids[:, None, None, None], (n, 2, 2, 1)).astype(np.float32)
    labels = np.stack([ids, np.ones(n, np.float32)], 1)
    out = L.MixUp(alpha=0.5, seed=3)({"images": images, "labels": labels})
    mixed, lab = out["images"].numpy()[:, 0, 0, 0], out["labels"].numpy()
    np.testing.assert_allclose(mixed, lab[:, 0], rtol=1e-4, atol=1e-2)
    np.testing.assert_allclose(lab[:, 1], 1.0, rtol=1e-6)
    # the mixing weights are Beta(alpha, alpha): E[w] = 1/2, Var[w] = 1 / (4 (2 alpha + 1))
    from graphflow.keras.layers.preprocessing.mixing import _beta
    w = _beta(tf.constant(n), 0.5, 5, tf.float32).numpy()
    assert (w >= 0).all() and (w <= 1).all()
    assert abs(w.mean() - 0.5) < 0.03 and abs(w.var() - 1 / 8) < 0.02
    # CutMix: each pixel is the image's own or its partner's; labels mix by the box area
    out = L.CutMix(seed=2)({"images": x, "labels": np.stack([ids, np.ones(n, np.float32)], 1)})
    y, lab = out["images"].numpy(), out["labels"].numpy()
    np.testing.assert_allclose(lab[:, 1], 1.0, rtol=1e-5)
    own = np.isclose(y, x).all(axis=(1, 2, 3))
    assert 0.05 < own.mean() < 0.95  # some images got no box pixel, others did
    # RandomErasing with factor 1: about half the images get a box (probability uniform [0,1))
    y = L.RandomErasing(fill_value=0.0, seed=3)(x + 1.0).numpy()
    erased = (y == 0).any(axis=(1, 2, 3))
    assert 0.4 < erased.mean() < 0.6
    assert np.all((y == 0) | np.isclose(y, x + 1.0))


def test_mixing_in_a_dataset_and_fit():
    rng = np.random.default_rng(0)
    images = (rng.random((16, 6, 6, 3)) * 255).astype(np.float32)
    labels = np.eye(2, dtype=np.float32)[rng.integers(0, 2, 16)]
    mix = L.MixUp(alpha=0.3, seed=1)
    ds = tf.data.Dataset.from_tensor_slices((images, labels)).batch(8).map(
        lambda a, b: (lambda d: (d["images"], d["labels"]))(mix({"images": a, "labels": b})))
    model = keras.Sequential([keras.Input((6, 6, 3)), L.RandomErasing(0.5, seed=2),
                              L.CutMix(seed=3), L.Rescaling(1 / 255.0),
                              L.GlobalAveragePooling2D(), L.Dense(2, activation="softmax")])
    model.compile("adam", "categorical_crossentropy")
    history = model.fit(ds, epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert model.predict(images, verbose=0).shape == (16, 2)


# -- RandomShear, RandomPerspective ---------------------------------------------------------------

GEO = np.load(os.path.join(os.path.dirname(__file__), "data", "augment_geometric_goldens.npz"))


def test_perspective_and_shear_transforms_match_keras():
    from graphflow.keras.layers.preprocessing.geometric import perspective_transform, shear_matrix
    x = GEO["x"]
    out = perspective_transform(x, tf.constant(GEO["start"]), tf.constant(GEO["end"]))
    np.testing.assert_allclose(out.numpy(), GEO["persp"], rtol=1e-4, atol=1e-2)
    out = perspective_transform(x, GEO["start"], GEO["end"], "nearest", 3.0)
    np.testing.assert_allclose(out.numpy(), GEO["persp_nearest"], rtol=1e-4, atol=1e-2)
    sh = tf.constant(GEO["shear_m"])
    from graphflow.ops.image_transform import image_projective_transform
    out = image_projective_transform(x, shear_matrix(sh[:, 0], sh[:, 1]), "bilinear", "reflect")
    np.testing.assert_allclose(out.numpy(), GEO["shear"], rtol=1e-4, atol=1e-2)


def test_shear_and_perspective_layers():
    x = GEO["x"]
    for layer in (L.RandomShear(0.3, 0.2), L.RandomPerspective()):
        np.testing.assert_array_equal(layer(x, training=False).numpy(), x)
        assert layer(x).shape == x.shape and layer(x[0]).shape == x[0].shape
        check_config(layer)
    np.testing.assert_allclose(L.RandomPerspective(scale=0.0)(x).numpy(), x, rtol=1e-5)
    # a shear of x_factor (f, f) is +f or -f for each image
    from graphflow.keras.layers.preprocessing.geometric import shear_matrix
    from graphflow.ops.image_transform import image_projective_transform
    f = tf.constant([0.3, 0.3])
    plus = image_projective_transform(x, shear_matrix(f, 0 * f), "bilinear", "reflect").numpy()
    minus = image_projective_transform(x, shear_matrix(-f, 0 * f), "bilinear", "reflect").numpy()
    ys = [L.RandomShear(x_factor=(0.3, 0.3))(x).numpy() for _ in range(8)]
    signs = set()
    for y in ys:
        for i in range(2):
            assert np.allclose(y[i], plus[i], atol=1e-3) or np.allclose(y[i], minus[i], atol=1e-3)
            signs.add(np.allclose(y[i], plus[i], atol=1e-3))
    assert signs == {True, False}
    config = json.loads(json.dumps(L.RandomShear(0.3).get_config()))
    assert {k: config[k] for k in ("x_factor", "y_factor", "fill_mode", "interpolation",
                                   "fill_value")} == {
        "x_factor": [-0.3, 0.3], "y_factor": [-0.0, 0.0], "fill_mode": "reflect",
        "interpolation": "bilinear", "fill_value": 0.0}
    # (Keras 3.15's from_config rejects its own (-f, f); graphflow reads it back)
    assert L.RandomShear.from_config(config).x_factor == (-0.3, 0.3)


@pytest.mark.parametrize("make,error,message", [
    (lambda: L.RandomShear(1.5), ValueError, r"in the range \[0, 1.0\]. Received: "
                                             "input_number=1.5"),
    (lambda: L.RandomShear(x_factor=(0.1,)), ValueError, r"Received: x_factor=\(0.1,\)"),
    (lambda: L.RandomShear(fill_mode="x"), NotImplementedError, "Unknown `fill_mode` x"),
    (lambda: L.RandomPerspective(scale=2), ValueError,
     r"The `scale` argument should be a number in the range \[0,1\]. Received: scale=2"),
    (lambda: L.RandomPerspective(interpolation="bicubic"), NotImplementedError,
     "Unknown `interpolation` bicubic"),
])
def test_geometric_errors_are_keras(make, error, message):
    with pytest.raises(error, match=message):
        make()


# -- RandAugment, AugMix -------------------------------------------------------------------------

def test_rand_augment_and_aug_mix():
    x = (np.random.default_rng(0).random((3, 6, 6, 3)) * 255).astype(np.float32)
    for layer in (L.RandAugment(seed=1), L.AugMix(seed=2, num_chains=2, chain_depth=2),
                  L.AugMix(all_ops=False, seed=3)):
        np.testing.assert_array_equal(layer(x, training=False).numpy(), x)
        y = layer(x).numpy()
        assert y.shape == x.shape and y.min() >= 0 and y.max() <= 255
        check_config(layer)
    # with num_ops 0 RandAugment is the identity; a compiled function keeps drawing choices
    np.testing.assert_array_equal(L.RandAugment(num_ops=0)(x).numpy(), x)
    layer = L.RandAugment(num_ops=1, factor=0.5)
    f = tf.function(lambda t: layer(t))
    outs = [f(tf.constant(x)).numpy() for _ in range(6)]
    assert any(not np.allclose(outs[0], o) for o in outs[1:])
    config = json.loads(json.dumps(L.RandAugment().get_config()))
    assert {k: config[k] for k in ("value_range", "num_ops", "factor", "interpolation")} == {
        "value_range": [0, 255], "num_ops": 2, "factor": [0, 0.5], "interpolation": "bilinear"}
    config = json.loads(json.dumps(L.AugMix().get_config()))
    assert {k: config[k] for k in ("num_chains", "chain_depth", "factor", "alpha",
                                   "all_ops")} == {
        "num_chains": 3, "chain_depth": 3, "factor": [0, 0.3], "alpha": 1.0, "all_ops": True}
    with pytest.raises(ValueError, match=r"in the range \[0, 1\]. Received: factor=1.5"):
        L.RandAugment(factor=1.5)
    with pytest.raises(ValueError, match=r"in the range \[0, 1\]. Received: factor=-0.1"):
        L.AugMix(factor=-0.1)


# -- RandomElasticTransform ------------------------------------------------------------------------

ELASTIC = np.load(os.path.join(os.path.dirname(__file__), "data", "augment_elastic_goldens.npz"))


@pytest.mark.parametrize("mode", ["constant", "nearest", "wrap", "reflect"])
@pytest.mark.parametrize("order", [0, 1])
def test_map_coordinates_matches_keras(mode, order):
    from graphflow.keras.layers.preprocessing.elastic import map_coordinates
    image = ELASTIC["image"][None, :, :, None]
    out = map_coordinates(image, ELASTIC["rows"][None], ELASTIC["cols"][None],
                          "nearest" if order == 0 else "bilinear", mode, 7.0)
    np.testing.assert_allclose(out.numpy()[0, :, :, 0], ELASTIC[f"{mode}/{order}"], rtol=1e-5,
                               atol=1e-3)


def test_elastic_blur_matches_keras():
    from graphflow.keras.layers.preprocessing.elastic import _gaussian_blur_dynamic
    for sigma in (0.6, 1.3, 2.0):
        out = _gaussian_blur_dynamic(tf.constant(ELASTIC["field"]), tf.constant(sigma), 13)
        np.testing.assert_allclose(out.numpy(), ELASTIC[f"blur/{sigma}"], rtol=1e-5, atol=1e-6)


def test_random_elastic_transform():
    x = (np.random.default_rng(0).random((3, 12, 12, 3)) * 255).astype(np.float32)
    layer = L.RandomElasticTransform(seed=1)
    np.testing.assert_array_equal(layer(x, training=False).numpy(), x)
    for quiet in (L.RandomElasticTransform(scale=0.0), L.RandomElasticTransform(factor=0.0)):
        np.testing.assert_array_equal(quiet(x).numpy(), x)
    y = L.RandomElasticTransform(factor=(1.0, 1.0), scale=(1.0, 1.0), seed=2)(x).numpy()
    assert y.shape == x.shape and 0 <= y.min() and y.max() <= 255
    assert not np.allclose(y, x)
    f = tf.function(lambda t: layer(t))
    assert f(tf.constant(x)).shape == x.shape
    config = json.loads(json.dumps(L.RandomElasticTransform().get_config()))
    assert {k: config[k] for k in ("factor", "scale", "interpolation", "fill_mode", "fill_value",
                                   "value_range")} == {
        "factor": [0, 1.0], "scale": [0, 1.0], "interpolation": "bilinear",
        "fill_mode": "reflect", "fill_value": 0.0, "value_range": [0, 255]}
    check_config(layer)
    with pytest.raises(ValueError, match=r"The `scale` argument should be a number .* "
                                         "Received: factor=2.0"):
        L.RandomElasticTransform(scale=2.0)
    with pytest.raises(NotImplementedError, match="Unknown `fill_mode` x"):
        L.RandomElasticTransform(fill_mode="x")
    with pytest.raises(NotImplementedError, match="Unknown `interpolation` bicubic"):
        L.RandomElasticTransform(interpolation="bicubic")


# -- ContrastLimitedAdaptiveHistogramEqualization ------------------------------------------------

CLAHE = np.load(os.path.join(os.path.dirname(__file__), "data", "clahe_goldens.npz"))
CLAHE_CASES = [("default", {}, "x"),
               ("grid_4_3", {"tile_grid_size": (4, 3), "clip_limit": 2.0}, "x"),
               ("noclip", {"tile_grid_size": (3, 5), "clip_limit": 0.0}, "x"),
               ("padded_vr", {"value_range": (-1, 1), "tile_grid_size": (3, 4)}, "x1")]


@pytest.mark.parametrize("key,config,x", CLAHE_CASES, ids=[c[0] for c in CLAHE_CASES])
def test_clahe_matches_keras(key, config, x):
    layer = L.ContrastLimitedAdaptiveHistogramEqualization(**config)
    images = CLAHE[x]
    np.testing.assert_allclose(layer(images).numpy(), CLAHE[key], rtol=1e-4, atol=1e-3)
    # deterministic, and applied at inference too (Keras); compiled with an unknown batch
    np.testing.assert_allclose(layer(images, training=False).numpy(), CLAHE[key], rtol=1e-4,
                               atol=1e-3)
    f = tf.function(lambda t: layer(t),
                    input_signature=[tf.TensorSpec((None,) + images.shape[1:])])
    np.testing.assert_allclose(f(images).numpy(), CLAHE[key], rtol=1e-4, atol=1e-3)
    config = json.loads(json.dumps(layer.get_config()))
    assert {k: config[k] for k in ("value_range", "clip_limit", "tile_grid_size")} == {
        "value_range": list(config["value_range"]), "clip_limit": layer.clip_limit,
        "tile_grid_size": list(layer.tile_grid_size)}
    check_config(layer)


def test_keras3_file_with_the_augmentation_layers():
    pytest.importorskip("h5py", reason="the optional extra graphflow[h5] is absent")
    data = os.path.join(os.path.dirname(__file__), "data")
    model = keras.models.load_model(os.path.join(data, "keras3_augment_more.keras"))
    io = np.load(os.path.join(data, "keras3_augment_more_io.npz"))
    # inference: the random layers pass through, AutoContrast and CLAHE apply (as Keras)
    np.testing.assert_allclose(model.predict(io["x"], verbose=0), io["y"], rtol=1e-5,
                               atol=1e-5)
    assert len(model.layers) == 24


def test_dict_inputs_keep_labels():
    x = (np.random.default_rng(0).random((2, 6, 6, 3)) * 255).astype(np.float32)
    labels = np.array([[1.0, 0.0], [0.0, 1.0]], np.float32)
    for layer in (L.Solarization(), L.RandomFlip(), L.RandomShear(0.2), L.AutoContrast(),
                  L.RandAugment(num_ops=1)):
        out = layer({"images": x, "labels": labels})
        assert set(out) == {"images", "labels"} and out["images"].shape == x.shape
        np.testing.assert_array_equal(np.asarray(out["labels"]), labels)
    np.testing.assert_allclose(L.Solarization()({"images": x})["images"].numpy(), 255 - x,
                               atol=1e-4)
    ds = tf.data.Dataset.from_tensor_slices({"images": x, "labels": labels}).batch(2).map(
        lambda d: L.RandomBrightness(0.1)(d))
    batch = next(iter(ds))
    assert batch["images"].shape == (2, 6, 6, 3)
    with pytest.raises(ValueError, match="needs an 'images' key"):
        L.Solarization()({"labels": labels})
    with pytest.raises(NotImplementedError, match="bounding_boxes"):
        L.RandomShear(0.1)({"images": x, "bounding_boxes": {"boxes": np.zeros((2, 1, 4))}})
