"""tf.image and tf.io against arrays TensorFlow 2.21 computed (tests/data/make_tf_goldens.py):
resize with every method, the other tf.image functions, PNG/JPEG decoding; plus files, gfile,
gradients, traced use in datasets, and errors."""
import os

import numpy as np
import pytest

import graphflow as tf
from graphflow.errors import InvalidArgumentError, NotFoundError

pytest.importorskip("PIL", reason="image codecs need Pillow (the `images` extra)")
GOLDENS = np.load(os.path.join(os.path.dirname(__file__), "data", "tf_image_goldens.npz"))


def gold(key):
    return GOLDENS[key]


@pytest.mark.parametrize("method", ["bilinear", "nearest", "bicubic", "area", "lanczos3",
                                    "lanczos5", "gaussian", "mitchellcubic"])
def test_resize_matches_tensorflow(method):
    image = gold("resize/input")
    for antialias in (False, True):
        for size in [(3, 2), (14, 10), (2, 13), (4, 9)]:
            expected = gold(f"resize/{method}/{antialias}/{size[0]}x{size[1]}")
            got = tf.image.resize(image, size, method=method, antialias=antialias)
            assert got.dtype is tf.float32 and got.shape == expected.shape
            np.testing.assert_allclose(got.numpy(), expected, rtol=2e-6, atol=1e-6,
                                       err_msg=f"{method} antialias={antialias} {size}")


def test_resize_dtypes_shapes_and_errors():
    u8 = tf.constant(gold("pixels"))
    assert tf.image.resize(u8, [3, 3]).dtype is tf.float32
    assert tf.image.resize(u8, [3, 3], method="nearest").dtype is tf.uint8
    assert tf.image.resize(tf.cast(u8, tf.float64), [3, 3]).dtype is tf.float32
    assert tf.image.resize(tf.zeros((4, 8, 1)), [4, 4], preserve_aspect_ratio=True).shape == \
        (2, 4, 1)
    assert tf.image.ResizeMethod.NEAREST_NEIGHBOR == "nearest"
    with pytest.raises(InvalidArgumentError, match="3 or 4 dimensions"):
        tf.image.resize(tf.zeros((4, 4)), [2, 2])
    with pytest.raises(InvalidArgumentError, match="2 elements"):
        tf.image.resize(tf.zeros((4, 4, 1)), [2])
    with pytest.raises(InvalidArgumentError, match="not implemented: foo"):
        tf.image.resize(tf.zeros((4, 4, 1)), [2, 2], method="foo")
    with pytest.raises(InvalidArgumentError, match="output dimensions must be positive"):
        tf.image.resize(tf.zeros((4, 4, 1)), [0, 2])


def test_resize_gradient_and_traced_pipeline():
    x = tf.constant(np.random.default_rng(0).standard_normal((1, 4, 5, 2)))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(tf.image.resize(tf.cast(x, tf.float32), [7, 3]) ** 2)
    assert tape.gradient(y, x).shape == (1, 4, 5, 2)
    ds = tf.data.Dataset.from_tensor_slices(np.zeros((3, 6, 6, 3), np.uint8)).map(
        lambda im: tf.image.resize(tf.image.flip_left_right(im), [4, 4]))
    assert ds.element_spec == tf.TensorSpec([4, 4, 3], tf.float32)
    assert [e.shape for e in ds] == [(4, 4, 3)] * 3


def test_flips_rotations_crops_and_pads_match_tensorflow():
    px = tf.constant(gold("pixels"))
    f = tf.cast(px, tf.float32) / 255.0
    np.testing.assert_array_equal(tf.image.flip_left_right(px), gold("flip_lr"))
    np.testing.assert_allclose(tf.image.flip_up_down(f[None]), gold("flip_ud"), rtol=1e-6)
    for k in range(4):
        np.testing.assert_array_equal(tf.image.rot90(px, k), gold(f"rot90/{k}"))
    np.testing.assert_array_equal(tf.image.transpose(px), gold("transpose"))
    ramp = tf.reshape(tf.range(99, dtype=tf.float32), [11, 9, 1])
    for fraction in [0.5, 0.33, 0.8, 0.9]:
        np.testing.assert_array_equal(tf.image.central_crop(ramp, fraction),
                                      gold(f"central_crop/{fraction}"))
    np.testing.assert_array_equal(tf.image.crop_to_bounding_box(px, 1, 2, 3, 4), gold("crop"))
    np.testing.assert_array_equal(tf.image.pad_to_bounding_box(px, 1, 2, 8, 10), gold("pad"))
    np.testing.assert_allclose(tf.image.resize_with_pad(px, 4, 9), gold("resize_with_pad"),
                               rtol=2e-6, atol=2e-5)
    np.testing.assert_allclose(tf.image.resize_with_pad(f, 9, 4, method="nearest"),
                               gold("resize_with_pad/nearest"))
    np.testing.assert_array_equal(tf.image.resize_with_crop_or_pad(px, 3, 9), gold("crop_or_pad/a"))
    np.testing.assert_array_equal(tf.image.resize_with_crop_or_pad(px, 8, 4), gold("crop_or_pad/b"))
    with pytest.raises(InvalidArgumentError, match="height must be >= target \\+ offset"):
        tf.image.crop_to_bounding_box(px, 3, 0, 3, 4)
    with pytest.raises(InvalidArgumentError, match="width must be <= target - offset"):
        tf.image.pad_to_bounding_box(px, 0, 0, 3, 4)
    with pytest.raises(InvalidArgumentError, match="within \\(0, 1\\]"):
        tf.image.central_crop(px, 0.0)
    with pytest.raises(InvalidArgumentError, match="at least three-dimensional"):
        tf.image.flip_left_right(np.zeros((2, 2)))


def test_dtype_conversion_color_and_statistics_match_tensorflow():
    for key in [k for k in GOLDENS.files if k.startswith("convert/")]:
        _, src, dst, saturate = key.split("/")
        values = np.array([[0, 1, 100, 127]]) if "int" in src else \
            np.array([[0, .2, .5, 1, -.3, 1.7]])
        got = tf.image.convert_image_dtype(tf.constant(values.astype(src)), getattr(tf, dst),
                                           saturate=saturate == "True")
        assert got.dtype is getattr(tf, dst), key
        np.testing.assert_allclose(got.numpy(), gold(key), rtol=1e-6, err_msg=key)
    px = tf.constant(gold("pixels"))
    f = tf.cast(px, tf.float32) / 255.0
    for key, got in [("standardize/uint8", tf.image.per_image_standardization(px)),
                     ("standardize/batch", tf.image.per_image_standardization(f[None])),
                     ("standardize/constant", tf.image.per_image_standardization(
                         np.ones((2, 2, 1), "f"))),
                     ("gray", tf.image.rgb_to_grayscale(px)),
                     ("gray/float", tf.image.rgb_to_grayscale(f)),
                     ("brightness", tf.image.adjust_brightness(px, 0.1)),
                     ("brightness/float", tf.image.adjust_brightness(f, -0.2)),
                     ("contrast", tf.image.adjust_contrast(px, 1.5)),
                     ("contrast/float", tf.image.adjust_contrast(f, 0.5))]:
        assert got.dtype == tf.as_dtype(gold(key).dtype), key
        np.testing.assert_allclose(got.numpy(), gold(key), rtol=1e-5, atol=1e-5, err_msg=key)
    assert tf.image.grayscale_to_rgb(px[..., :1]).shape == (5, 7, 3)
    with pytest.raises(InvalidArgumentError, match="floating point or integer"):
        tf.image.convert_image_dtype(tf.constant([True]), tf.float32)


def test_random_augmentations():
    batch = tf.constant(np.arange(2 * 2 * 3, dtype=np.float32).reshape(2, 1, 2, 3).repeat(50, 0))
    flipped = tf.image.random_flip_left_right(batch, seed=1).numpy()
    same = (flipped == batch.numpy()).all(axis=(1, 2, 3))
    mirrored = (flipped == batch.numpy()[:, :, ::-1]).all(axis=(1, 2, 3))
    assert (same | mirrored).all() and 10 < same.sum() < 90  # each image on its own
    img = tf.fill([4, 4, 3], 0.5)
    b = tf.image.random_brightness(img, 0.2).numpy()
    assert np.allclose(b, b.flat[0]) and 0.3 <= b.flat[0] <= 0.7
    c = tf.image.random_contrast(img, 0.5, 1.5)
    np.testing.assert_allclose(c.numpy(), 0.5, rtol=1e-6)
    assert tf.image.random_flip_up_down(img).shape == (4, 4, 3)
    with pytest.raises(InvalidArgumentError, match="max_delta must be non-negative"):
        tf.image.random_brightness(img, -1.0)
    with pytest.raises(InvalidArgumentError, match="upper must be > lower"):
        tf.image.random_contrast(img, 0.5, 0.2)


def test_decoding_matches_tensorflow():
    for name in ("rgb", "rgba", "gray"):
        png = gold(f"png/{name}").tobytes()
        for channels in (0, 1, 3, 4):
            got = tf.io.decode_png(png, channels=channels)
            np.testing.assert_array_equal(got, gold(f"png/{name}/{channels}"),
                                          err_msg=f"{name} channels={channels}")
        np.testing.assert_array_equal(tf.io.decode_image(png), gold(f"png/{name}/0"))
    jpeg = gold("jpeg").tobytes()
    for channels in (0, 1, 3):  # TF's INTEGER_ACCURATE DCT: exactly the same pixels
        np.testing.assert_array_equal(tf.io.decode_jpeg(jpeg, channels=channels),
                                      gold(f"jpeg/{channels}"))
    as_float = tf.io.decode_image(jpeg, dtype=tf.float32)
    assert as_float.dtype is tf.float32 and float(tf.reduce_max(as_float)) <= 1.0
    with pytest.raises(InvalidArgumentError, match="Unknown image file format"):
        tf.io.decode_image(b"garbage")
    with pytest.raises(InvalidArgumentError, match="JPEG does not support 4 channels"):
        tf.io.decode_jpeg(jpeg, channels=4)
    with pytest.raises(InvalidArgumentError, match="must be 0, 1, 3 or 4 but got 2"):
        tf.io.decode_png(jpeg, channels=2)


def test_encoding_round_trips():
    px = tf.constant(gold("pixels"))
    png = tf.io.encode_png(px)
    assert png.dtype is tf.string and png.shape == ()
    np.testing.assert_array_equal(tf.io.decode_png(png), px)
    y, x = np.mgrid[0:16, 0:24]
    smooth = np.stack([x * 10, y * 15, x * 5 + y * 5], -1).astype(np.uint8)
    jpeg = tf.io.encode_jpeg(smooth, quality=95)
    assert np.abs(tf.io.decode_jpeg(jpeg).numpy().astype(int) - smooth).mean() < 3
    with pytest.raises(InvalidArgumentError, match="encode_png"):
        tf.io.encode_png(tf.cast(px, tf.float32))
    with pytest.raises(InvalidArgumentError, match="1 or 3 channels"):
        tf.io.encode_jpeg(tf.concat([px, px[..., :1]], -1))


def test_files_and_gfile(tmp_path):
    path = str(tmp_path / "new" / "data.bin")
    assert tf.io.write_file(path, b"\x00abc") is None
    assert tf.io.read_file(path).numpy() == b"\x00abc"
    with pytest.raises(NotFoundError, match="No such file"):
        tf.io.read_file(str(tmp_path / "missing"))

    @tf.function
    def copy(src, dst):
        tf.io.write_file(dst, tf.strings.upper(tf.io.read_file(src)))
        return tf.io.read_file(dst)  # reads after the write: file ops keep their order
    assert copy(tf.constant(path), tf.constant(str(tmp_path / "copy.bin"))).numpy() == b"\x00ABC"
    g = tf.io.gfile
    g.makedirs(str(tmp_path / "a" / "b"))
    with g.GFile(str(tmp_path / "a" / "b" / "f.txt"), "w") as f:
        f.write("hi\nthere\n")
    assert g.GFile(str(tmp_path / "a" / "b" / "f.txt")).readlines() == ["hi\n", "there\n"]
    assert g.exists(str(tmp_path / "a")) and g.isdir(str(tmp_path / "a"))
    assert g.listdir(str(tmp_path / "a")) == ["b"]
    assert g.glob(str(tmp_path / "a" / "*" / "*.txt")) == [str(tmp_path / "a" / "b" / "f.txt")]
    assert list(g.walk(str(tmp_path / "a"))) == [(str(tmp_path / "a"), ["b"], []),
                                                 (str(tmp_path / "a" / "b"), [], ["f.txt"])]
    g.rename(str(tmp_path / "a" / "b" / "f.txt"), str(tmp_path / "g.txt"))
    assert g.stat(str(tmp_path / "g.txt")).length == 9
    g.rmtree(str(tmp_path / "a"))
    assert not g.exists(str(tmp_path / "a"))
    with pytest.raises(NotFoundError):
        g.GFile(str(tmp_path / "nope")).read()
    with pytest.raises(NotFoundError, match="Could not find directory"):
        g.listdir(str(tmp_path / "nope"))
