"""tf.io: write_file/read_file, gfile, and PNG/JPEG encoding and decoding in a pipeline."""
import os
import tempfile

import numpy as np
import tensorflow as tf

root = tempfile.mkdtemp()
tf.io.write_file(os.path.join(root, "hello.txt"), "hello")
assert tf.io.read_file(os.path.join(root, "hello.txt")).numpy() == b"hello"
assert tf.io.gfile.exists(os.path.join(root, "hello.txt"))
tf.io.gfile.makedirs(os.path.join(root, "images"))
with tf.io.gfile.GFile(os.path.join(root, "notes.txt"), "w") as f:
    f.write("line 1\nline 2\n")
assert tf.io.gfile.GFile(os.path.join(root, "notes.txt")).readlines() == ["line 1\n", "line 2\n"]

rng = np.random.default_rng(0)
for i in range(3):
    pixels = rng.integers(0, 256, (4 + i, 5, 3)).astype("uint8")
    tf.io.write_file(os.path.join(root, "images", f"{i}.png"), tf.io.encode_png(pixels))
    decoded = tf.io.decode_png(tf.io.read_file(os.path.join(root, "images", f"{i}.png")))
    assert decoded.dtype == tf.uint8 and (decoded.numpy() == pixels).all()
files = sorted(tf.io.gfile.glob(os.path.join(root, "images", "*.png")))
assert len(files) == 3 and sorted(tf.io.gfile.listdir(os.path.join(root, "images"))) == [
    "0.png", "1.png", "2.png"]


def load(path):
    image = tf.io.decode_image(tf.io.read_file(path), channels=3, expand_animations=False)
    return tf.image.resize(image, [8, 8])


batches = tf.data.Dataset.from_tensor_slices(files).map(load).batch(3)
assert batches.element_spec == tf.TensorSpec([None, 8, 8, 3], tf.float32)
(batch,) = list(batches)
assert batch.shape == (3, 8, 8, 3)
gray = tf.io.decode_png(tf.io.encode_png(tf.zeros([2, 2, 3], tf.uint8)), channels=1)
assert gray.shape == (2, 2, 1)
smooth = np.stack(list(np.meshgrid(np.arange(16) * 8, np.arange(16) * 8)) + [np.full((16, 16), 99)],
                  -1).astype("uint8")
jpeg = tf.io.decode_jpeg(tf.io.encode_jpeg(smooth, quality=95))
assert np.abs(jpeg.numpy().astype(int) - smooth).mean() < 3
print("ok")
