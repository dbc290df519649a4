"""tf.image quality measures, color spaces and augmentations, patches, crops and boxes: values TF
2.21 computes, gradients through ssim and crop_and_resize, NMS inside a tf.function."""
import numpy as np
import tensorflow as tf

rng = np.random.default_rng(0)
a = rng.uniform(0, 1, (2, 16, 16, 3)).astype(np.float32)
b = np.clip(a + rng.normal(0, 0.1, a.shape), 0, 1).astype(np.float32)
np.testing.assert_allclose(tf.image.psnr(a, b, max_val=1.0).numpy(), [20.284103, 20.579199],
                           rtol=1e-5)
np.testing.assert_allclose(tf.image.ssim(a, b, max_val=1.0).numpy(), [0.9495017, 0.943182],
                           rtol=1e-5)
u8 = tf.image.convert_image_dtype(a, tf.uint8)
assert tf.image.psnr(u8, u8, 255).numpy().tolist() == [np.inf, np.inf]
ms = tf.image.ssim_multiscale(a, b, 1.0, power_factors=(0.5, 0.5), filter_size=5)
np.testing.assert_allclose(ms.numpy(), [0.9338315, 0.94576055], rtol=1e-5)

x = tf.Variable(a)
with tf.GradientTape() as tape:
    loss = tf.reduce_mean(1.0 - tf.image.ssim(x, b, 1.0)) + \
        1e-3 * tf.reduce_mean(tf.image.total_variation(x))
grad = tape.gradient(loss, x)
assert grad.shape == a.shape and np.isfinite(grad.numpy()).all()

dy, dx = tf.image.image_gradients(tf.reshape(tf.range(9.0), [1, 3, 3, 1]))
assert dy.numpy()[0, :, :, 0].tolist() == [[3, 3, 3], [3, 3, 3], [0, 0, 0]]
edges = tf.image.sobel_edges(tf.reshape(tf.range(9.0), [1, 3, 3, 1]))
assert edges.shape == (1, 3, 3, 1, 2) and edges.numpy()[0, 1, 1, 0].tolist() == [24.0, 8.0]

hsv = tf.image.rgb_to_hsv([[0.2, 0.4, 0.8]])
np.testing.assert_allclose(hsv.numpy(), [[0.6111111, 0.75, 0.8]], rtol=1e-6)
np.testing.assert_allclose(tf.image.hsv_to_rgb(hsv).numpy(), [[0.2, 0.4, 0.8]], rtol=1e-6)
np.testing.assert_allclose(tf.image.adjust_hue([[[1.0, 0.0, 0.0]]], 1 / 3).numpy(),
                           [[[0.0, 1.0, 0.0]]], atol=1e-6)
pixels = tf.constant([[[200, 30, 90], [10, 250, 130]]], tf.uint8)
assert tf.image.adjust_saturation(pixels, 0.5).numpy().tolist() == [[[200, 115, 145],
                                                                     [130, 250, 190]]]
assert tf.image.adjust_hue(pixels, 0.5).dtype == tf.uint8
yuv = tf.image.rgb_to_yuv([[1.0, 1.0, 1.0]])
np.testing.assert_allclose(yuv.numpy(), [[1.0, 0.0, 0.0]], atol=1e-6)
assert tf.image.random_hue(a, 0.1, seed=3).shape == a.shape
try:
    tf.image.random_hue(a, 0.7)
    raise AssertionError("random_hue accepted max_delta > 0.5")
except ValueError as e:
    assert "max_delta must be <= 0.5" in str(e)

image = tf.reshape(tf.range(16.0), [1, 4, 4, 1])
patches = tf.image.extract_patches(image, [1, 2, 2, 1], [1, 2, 2, 1], [1, 1, 1, 1], "VALID")
assert patches.shape == (1, 2, 2, 4) and patches.numpy()[0, 1, 1].tolist() == [10, 11, 14, 15]
boxes = tf.Variable([[0.0, 0.0, 1.0, 1.0], [0.25, 0.25, 0.75, 0.75]])
with tf.GradientTape() as tape:
    tape.watch(image)
    crops = tf.image.crop_and_resize(image, boxes, [0, 0], [2, 2])
    total = tf.reduce_sum(crops)
assert crops.numpy()[0, ..., 0].tolist() == [[0, 3], [12, 15]]
np.testing.assert_allclose(crops.numpy()[1, ..., 0], [[3.75, 5.25], [9.75, 11.25]])
np.testing.assert_allclose(tape.gradient(total, boxes).numpy(),
                           [[0.0, 0.0, 0.0, 0.0], [24.0, 6.0, 24.0, 6.0]], rtol=1e-5)


@tf.function
def select(boxes, scores):
    return tf.image.non_max_suppression(boxes, scores, max_output_size=3, iou_threshold=0.5)


nms_boxes = tf.constant([[0, 0, 1, 1], [0, 0.1, 1, 1.1], [0, 2, 1, 3], [0, 2.05, 1, 3]],
                        tf.float32)
nms_scores = tf.constant([0.9, 0.8, 0.7, 0.95])
assert select(nms_boxes, nms_scores).numpy().tolist() == [3, 0]
idx, soft = tf.image.non_max_suppression_with_scores(nms_boxes, nms_scores, 4,
                                                     soft_nms_sigma=0.5)
assert idx.numpy().tolist() == [3, 0, 1, 2]
np.testing.assert_allclose(soft.numpy(), [0.95, 0.9, 0.4096038, 0.28388813], rtol=1e-5)
drawn = tf.image.draw_bounding_boxes(tf.zeros([1, 3, 3, 3]), [[[0.0, 0.0, 1.0, 1.0]]],
                                     [[1.0, 0.0, 0.0, 1.0]])
assert drawn.numpy()[0, :, :, 0].tolist() == [[1, 1, 1], [1, 0, 1], [1, 1, 1]]
idx, valid = tf.image.non_max_suppression_padded(nms_boxes, nms_scores, 4,
                                                pad_to_max_output_size=True)
assert idx.numpy().tolist() == [3, 0, 0, 0] and int(valid) == 2
nmsed = tf.image.combined_non_max_suppression(
    tf.reshape(nms_boxes, [1, 4, 1, 4]), tf.stack([nms_scores, 1.0 - nms_scores], -1)[None],
    max_output_size_per_class=2, max_total_size=3, clip_boxes=False)
np.testing.assert_allclose(nmsed[1].numpy(), [[0.95, 0.9, 0.3]], rtol=1e-6)
assert nmsed[2].numpy().tolist() == [[0.0, 0.0, 1.0]] and nmsed[3].numpy().tolist() == [3]

with tf.GradientTape() as tape:
    tape.watch(image)
    patches = tf.image.extract_patches(image, [1, 3, 3, 1], [1, 1, 1, 1], [1, 1, 1, 1], "SAME")
counts = tape.gradient(patches, image).numpy()[0, :, :, 0]
assert counts.tolist() == [[4, 6, 6, 4], [6, 9, 9, 6], [6, 9, 9, 6], [4, 6, 6, 4]]

begin, size, crop_box = tf.image.sample_distorted_bounding_box(
    [40, 60, 3], [[[0.1, 0.2, 0.5, 0.6]]], seed=7, min_object_covered=0.3)
crop = tf.slice(tf.zeros([40, 60, 3]), begin, size)
assert crop.shape[2] == 3 and crop_box.shape == (1, 1, 4)
assert 0 <= int(begin[0]) and int(begin[0]) + int(size[0]) <= 40
print("ok")
