"""keras.ops (Keras 3's op namespace) and the keras.utils every script uses: pad_sequences,
normalize, set_random_seed, unpack_x_y_sample_weight, get_file (from a file:// URL),
image_data_format."""
import hashlib
import os
import pathlib
import tempfile

import numpy as np
import tensorflow as tf
from tensorflow import keras
from keras import ops

x = np.array([[1, 5, 3], [4, 2, 6]])
assert int(ops.argmax(x)) == 5
assert ops.shape(ops.ones((2, 3))) == (2, 3)
assert ops.mean(x).dtype == "float32"
np.testing.assert_allclose(ops.sum(x, axis=1), [9, 12])
np.testing.assert_allclose(ops.cumsum(x), np.cumsum(x))
np.testing.assert_allclose(ops.take(x, [0, 2], axis=1), x[:, [0, 2]])
np.testing.assert_allclose(ops.matmul(np.ones((2, 3), "float32"), np.ones(3, "float32")), [3, 3])
np.testing.assert_allclose(ops.softmax(np.array([0.0, 0.0])), [0.5, 0.5])
np.testing.assert_allclose(ops.where(x > 2, x, 0), np.where(x > 2, x, 0))
assert int(ops.fori_loop(0, 4, lambda i, v: v + i, 0)) == 6

padded = keras.utils.pad_sequences([[1, 2, 3], [4]], maxlen=2)
np.testing.assert_array_equal(padded, [[2, 3], [0, 4]])
assert padded.dtype == np.int32
np.testing.assert_allclose(keras.utils.normalize(np.array([[3.0, 4.0]])), [[0.6, 0.8]])
assert keras.utils.unpack_x_y_sample_weight((1, 2)) == (1, 2, None)
assert keras.backend.image_data_format() == "channels_last"

keras.utils.set_random_seed(3)
first = tf.random.uniform([3]).numpy()
keras.utils.set_random_seed(3)
np.testing.assert_array_equal(first, tf.random.uniform([3]).numpy())

src = pathlib.Path(tempfile.mkdtemp()) / "payload.txt"
src.write_bytes(b"hello")
cache = tempfile.mkdtemp()
path = keras.utils.get_file(origin=src.as_uri(), cache_dir=cache,
                            file_hash=hashlib.sha256(b"hello").hexdigest())
assert path == os.path.join(cache, "datasets", "payload.txt")
assert open(path, "rb").read() == b"hello"
print("ok")
