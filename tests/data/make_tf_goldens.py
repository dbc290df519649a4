"""Writes tests/data/tf_image_goldens.npz from real TensorFlow (tensorflow-cpu 2.21, never a
dependency): tf.image.resize for every method with and without antialias, the other tf.image
functions, and decoded PNG/JPEG pixels. Run with the TF venv from the repository root:

    ~/.venv-tf/bin/python tests/data/make_tf_goldens.py

tests/test_image.py compares graphflow against these arrays."""
import io
import os

import numpy as np
import tensorflow as tf

rng = np.random.default_rng(0)
out = {}
image = rng.uniform(-1, 1, (2, 4, 9, 2)).astype(np.float32)
out["resize/input"] = image
for method in ["bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5", "gaussian",
               "mitchellcubic"]:
    for antialias in (False, True):
        for size in [(3, 2), (14, 10), (2, 13), (4, 9)]:
            out[f"resize/{method}/{antialias}/{size[0]}x{size[1]}"] = tf.image.resize(
                image, size, method=method, antialias=antialias).numpy()

pixels = rng.integers(0, 256, (5, 7, 3)).astype(np.uint8)
f = pixels.astype(np.float32) / 255.0
out["pixels"] = pixels
out["flip_lr"] = tf.image.flip_left_right(pixels).numpy()
out["flip_ud"] = tf.image.flip_up_down(f[None]).numpy()
for k in range(4):
    out[f"rot90/{k}"] = tf.image.rot90(pixels, k).numpy()
out["transpose"] = tf.image.transpose(pixels).numpy()
for src, dst in [("uint8", "float32"), ("float32", "uint8"), ("uint8", "int32"),
                 ("int32", "uint8"), ("float32", "int16"), ("int16", "uint8"), ("uint8", "int8"),
                 ("int8", "uint8"), ("float64", "float32"), ("int32", "float64")]:
    values = np.array([[0, 1, 100, 127]]) if "int" in src else np.array([[0, .2, .5, 1, -.3, 1.7]])
    for saturate in (False, True):
        out[f"convert/{src}/{dst}/{saturate}"] = tf.image.convert_image_dtype(
            tf.constant(values.astype(src)), getattr(tf, dst), saturate=saturate).numpy()
out["standardize/uint8"] = tf.image.per_image_standardization(pixels).numpy()
out["standardize/batch"] = tf.image.per_image_standardization(f[None]).numpy()
out["standardize/constant"] = tf.image.per_image_standardization(np.ones((2, 2, 1), "f")).numpy()
ramp = np.arange(99, dtype=np.float32).reshape(11, 9, 1)
for fraction in [0.5, 0.33, 0.8, 0.9]:
    out[f"central_crop/{fraction}"] = tf.image.central_crop(ramp, fraction).numpy()
out["crop"] = tf.image.crop_to_bounding_box(pixels, 1, 2, 3, 4).numpy()
out["pad"] = tf.image.pad_to_bounding_box(pixels, 1, 2, 8, 10).numpy()
out["resize_with_pad"] = tf.image.resize_with_pad(pixels, 4, 9).numpy()
out["resize_with_pad/nearest"] = tf.image.resize_with_pad(f, 9, 4, method="nearest").numpy()
out["crop_or_pad/a"] = tf.image.resize_with_crop_or_pad(pixels, 3, 9).numpy()
out["crop_or_pad/b"] = tf.image.resize_with_crop_or_pad(pixels, 8, 4).numpy()
out["gray"] = tf.image.rgb_to_grayscale(pixels).numpy()
out["gray/float"] = tf.image.rgb_to_grayscale(f).numpy()
out["brightness"] = tf.image.adjust_brightness(pixels, 0.1).numpy()
out["brightness/float"] = tf.image.adjust_brightness(f, -0.2).numpy()
out["contrast"] = tf.image.adjust_contrast(pixels, 1.5).numpy()
out["contrast/float"] = tf.image.adjust_contrast(f, 0.5).numpy()

# decoding: PNGs TF wrote itself, and a JPEG read with TF's accurate integer DCT
rgba = np.concatenate([pixels, rng.integers(0, 256, (5, 7, 1)).astype(np.uint8)], -1)
for name, img in [("rgb", pixels), ("rgba", rgba), ("gray", pixels[..., :1])]:
    png = tf.io.encode_png(img).numpy()
    out[f"png/{name}"] = np.frombuffer(png, np.uint8)
    for channels in (0, 1, 3, 4):
        out[f"png/{name}/{channels}"] = tf.io.decode_png(png, channels=channels).numpy()
jpeg = tf.io.encode_jpeg(np.kron(pixels, np.ones((4, 4, 1), np.uint8)), quality=90).numpy()
out["jpeg"] = np.frombuffer(jpeg, np.uint8)
for channels in (0, 1, 3):
    out[f"jpeg/{channels}"] = tf.io.decode_jpeg(jpeg, channels=channels,
                                                dct_method="INTEGER_ACCURATE").numpy()
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tf_image_goldens.npz")
np.savez_compressed(path, **out)
print(f"wrote {len(out)} arrays to {path}")
