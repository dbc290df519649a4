"""keras.utils.image_dataset_from_directory, text_dataset_from_directory and
timeseries_dataset_from_array, and fitting a model on one of them."""
import os
import tempfile

import numpy as np
import tensorflow as tf

root = tempfile.mkdtemp()
rng = np.random.default_rng(0)
for label, count in [("cats", 3), ("dogs", 5)]:
    os.makedirs(os.path.join(root, "images", label))
    os.makedirs(os.path.join(root, "texts", label))
    for i in range(count):
        pixels = rng.integers(0, 256, (10, 12, 3)).astype("uint8")
        tf.io.write_file(os.path.join(root, "images", label, f"{i}.png"), tf.io.encode_png(pixels))
        tf.io.write_file(os.path.join(root, "texts", label, f"{i}.txt"), f"a {label} story {i}")

images = tf.keras.utils.image_dataset_from_directory(
    os.path.join(root, "images"), image_size=(8, 8), batch_size=4, shuffle=False, verbose=False)
assert images.class_names == ["cats", "dogs"]
assert images.element_spec == (tf.TensorSpec([None, 8, 8, 3], tf.float32),
                               tf.TensorSpec([None], tf.int32))
assert [y.numpy().tolist() for _, y in images] == [[0, 0, 0, 1], [1, 1, 1, 1]]
train, val = tf.keras.utils.image_dataset_from_directory(
    os.path.join(root, "images"), image_size=(8, 8), batch_size=4, validation_split=0.25,
    subset="both", seed=7, label_mode="binary", verbose=False)
assert sum(int(x.shape[0]) for x, _ in train) == 6 and sum(int(x.shape[0]) for x, _ in val) == 2
model = tf.keras.Sequential([tf.keras.Input((8, 8, 3)), tf.keras.layers.Rescaling(1 / 255.0),
                             tf.keras.layers.Flatten(), tf.keras.layers.Dense(1)])
model.compile("adam", tf.keras.losses.BinaryCrossentropy(from_logits=True))
assert len(model.fit(train, validation_data=val, epochs=2, verbose=0).history["val_loss"]) == 2

texts = tf.keras.utils.text_dataset_from_directory(
    os.path.join(root, "texts"), batch_size=8, shuffle=False, max_length=7, verbose=False)
(batch, labels), = list(texts)
assert batch.numpy().tolist()[0] == b"a cats " and labels.numpy().tolist() == [0] * 3 + [1] * 5

series = np.arange(10, dtype="float32")
windows = tf.keras.utils.timeseries_dataset_from_array(series, series * 10, sequence_length=3,
                                                      batch_size=10)
(x, y), = list(windows)
assert x.numpy().tolist()[:2] == [[0, 1, 2], [1, 2, 3]] and y.numpy().tolist()[:2] == [0, 10]
print("ok")
