"""tf.image: resize methods (values TF computes), flips, rot90, dtype conversion, crops."""
import numpy as np
import tensorflow as tf

image = tf.reshape(tf.range(16, dtype=tf.float32), [1, 4, 4, 1])
down = tf.image.resize(image, [2, 2])
np.testing.assert_allclose(down.numpy()[0, ..., 0], [[2.5, 4.5], [10.5, 12.5]])
area = tf.image.resize(image, [2, 2], method="area")
np.testing.assert_allclose(area.numpy()[0, ..., 0], [[2.5, 4.5], [10.5, 12.5]])
nearest = tf.image.resize(tf.cast(image, tf.int32), [2, 2], method="nearest")
assert nearest.dtype == tf.int32 and nearest.numpy()[0, ..., 0].tolist() == [[5, 7], [13, 15]]
up = tf.image.resize(tf.constant([[[0.0], [1.0]]]), [1, 4])
np.testing.assert_allclose(up.numpy()[..., 0], [[0.0, 0.25, 0.75, 1.0]])
aa = tf.image.resize(image, [2, 2], antialias=True)
np.testing.assert_allclose(aa.numpy()[0, ..., 0], [[3.571429, 5.142859], [9.857145, 11.428574]],
                           rtol=1e-5)
assert tf.image.resize(tf.zeros([10, 20, 3]), [8, 8], preserve_aspect_ratio=True).shape == \
    (4, 8, 3)

pixels = tf.constant([[[1], [2]], [[3], [4]]], tf.uint8)
assert tf.image.flip_left_right(pixels).numpy()[..., 0].tolist() == [[2, 1], [4, 3]]
assert tf.image.flip_up_down(pixels).numpy()[..., 0].tolist() == [[3, 4], [1, 2]]
assert tf.image.rot90(pixels).numpy()[..., 0].tolist() == [[2, 4], [1, 3]]
as_float = tf.image.convert_image_dtype(tf.constant([0, 51, 255], tf.uint8), tf.float32)
np.testing.assert_allclose(as_float.numpy(), [0.0, 0.2, 1.0])
back = tf.image.convert_image_dtype(tf.constant([0.0, 0.5, 1.0]), tf.uint8)
assert back.numpy().tolist() == [0, 127, 255]
assert tf.image.central_crop(tf.zeros([10, 10, 3]), 0.5).shape == (6, 6, 3)
assert tf.image.resize_with_crop_or_pad(tf.zeros([4, 6, 1]), 6, 4).shape == (6, 4, 1)
std = tf.image.per_image_standardization(tf.constant([[[1.0], [3.0]]]))
np.testing.assert_allclose(std.numpy().ravel(), [-1.0, 1.0])
flipped = tf.image.random_flip_left_right(tf.zeros([4, 4, 3]))
assert flipped.shape == (4, 4, 3)
print("ok")
