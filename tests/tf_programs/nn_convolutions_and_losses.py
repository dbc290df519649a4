"""tf.nn beyond conv2d: 1-D, transposed, depthwise and separable convolutions, 1-D pooling,
batch and local response normalization, and the weighted/softmax cross-entropies."""
import numpy as np
import tensorflow as tf

x1 = tf.reshape(tf.range(12.0), [1, 6, 2])
w1 = tf.ones([3, 2, 1])
np.testing.assert_array_equal(tf.nn.conv1d(x1, w1, stride=1, padding="VALID").numpy()[0, :, 0],
                              [15.0, 27.0, 39.0, 51.0])
assert tf.nn.conv1d(x1, w1, stride=2, padding="SAME").shape == (1, 3, 1)
np.testing.assert_array_equal(tf.nn.max_pool1d(x1, 2, 2, "VALID").numpy()[0, :, 0], [2, 6, 10])
np.testing.assert_array_equal(tf.nn.avg_pool1d(x1, 2, 2, "VALID").numpy()[0, :, 1], [2, 6, 10])

# a transposed convolution undoes the shape change of a strided one
img = tf.random.normal([2, 8, 8, 3], seed=1)
k = tf.random.normal([3, 3, 3, 5], seed=2)
down = tf.nn.conv2d(img, k, strides=2, padding="SAME")
up = tf.nn.conv2d_transpose(down, k, output_shape=[2, 8, 8, 3], strides=2, padding="SAME")
assert down.shape == (2, 4, 4, 5) and up.shape == (2, 8, 8, 3)
# and it is the gradient of that convolution with respect to its input
with tf.GradientTape() as tape:
    tape.watch(img)
    y = tf.nn.conv2d(img, k, strides=2, padding="SAME")
np.testing.assert_allclose(tape.gradient(y, img, output_gradients=down).numpy(), up.numpy(),
                           rtol=1e-4, atol=1e-4)
assert tf.nn.conv1d_transpose(x1, tf.ones([3, 4, 2]), [1, 12, 4], 2).shape == (1, 12, 4)

# depthwise: channel c times filter m lands in output channel c * multiplier + m
x = tf.ones([1, 3, 3, 2]) * tf.constant([1.0, 10.0])
dw = tf.nn.depthwise_conv2d(x, tf.ones([2, 2, 2, 3]), strides=[1, 1, 1, 1], padding="VALID")
assert dw.shape == (1, 2, 2, 6)
np.testing.assert_array_equal(dw.numpy()[0, 0, 0], [4, 4, 4, 40, 40, 40])
sep = tf.nn.separable_conv2d(x, tf.ones([2, 2, 2, 3]), tf.ones([1, 1, 6, 4]),
                             strides=[1, 1, 1, 1], padding="VALID")
np.testing.assert_array_equal(sep.numpy()[0, 0, 0], [132.0] * 4)

# normalization
v = tf.constant([1.0, 2.0, 3.0])
np.testing.assert_allclose(tf.nn.batch_normalization(v, 2.0, 4.0, 0.5, 2.0, 0.0).numpy(),
                           [-0.5, 0.5, 1.5])
mean, variance = tf.nn.moments(v, axes=[0])
np.testing.assert_allclose(
    tf.nn.batch_normalization(v, mean, variance, None, None, 1e-8).numpy(),
    (v.numpy() - 2.0) / np.sqrt(2.0 / 3.0), rtol=1e-5)
lrn = tf.nn.local_response_normalization(tf.ones([1, 1, 1, 3]), depth_radius=1, bias=0.0,
                                         alpha=1.0, beta=1.0)
np.testing.assert_allclose(lrn.numpy()[0, 0, 0], [0.5, 1 / 3, 0.5], rtol=1e-6)

# losses
labels = tf.constant([[0.0, 1.0], [1.0, 0.0]])
logits = tf.constant([[1.0, 3.0], [2.0, 0.5]])
ce = tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits)
np.testing.assert_allclose(ce.numpy(), -np.log(tf.nn.softmax(logits).numpy()[[0, 1], [1, 0]]),
                           rtol=1e-6)
sparse = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[1, 0], logits=logits)
np.testing.assert_allclose(sparse.numpy(), ce.numpy(), rtol=1e-6)
wce = tf.nn.weighted_cross_entropy_with_logits(labels=labels, logits=logits, pos_weight=2.0)
sig = tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits)
np.testing.assert_allclose(wce.numpy()[0, 0], sig.numpy()[0, 0], rtol=1e-6)  # a negative label
np.testing.assert_allclose(wce.numpy()[0, 1], 2 * sig.numpy()[0, 1], rtol=1e-6)  # weighted

kv = tf.Variable(tf.ones([3, 2, 1]))
with tf.GradientTape() as tape:
    loss = tf.reduce_sum(tf.nn.conv1d(x1, kv, 1, "SAME") ** 2)
assert tape.gradient(loss, kv).shape == (3, 2, 1)
print("ok")
