"""A TF1 script through tf.compat.v1: disable_v2_behavior, variable scopes with get_variable and
reuse, tf.layers.dense, tf.losses, MomentumOptimizer with a global step, Session, collections.
TF 2.16+ has tf.compat.v1.layers only with legacy Keras (TF_USE_LEGACY_KERAS=1, tf_keras)."""
import os

os.environ["TF_USE_LEGACY_KERAS"] = "1"
import numpy as np  # noqa: E402
import tensorflow.compat.v1 as tf  # noqa: E402

tf.disable_v2_behavior()
tf.set_random_seed(0)
rng = np.random.RandomState(0)
X = rng.randn(16, 3).astype(np.float32)
Y = (X @ np.array([[1.0], [-2.0], [0.5]], np.float32) + 0.3).astype(np.float32)

x = tf.placeholder(tf.float32, [None, 3], name="x")
y = tf.placeholder(tf.float32, [None, 1], name="y")


def linear(inputs, reuse=None):
    with tf.variable_scope("linear", reuse=reuse):
        w = tf.get_variable("w", [3, 1], initializer=tf.zeros_initializer())
        b = tf.get_variable("b", [1], initializer=tf.constant_initializer(0.0))
        return tf.matmul(inputs, w) + b


pred = linear(x)
pred_again = linear(x, reuse=True)  # the same variables
try:
    linear(x)
    raise AssertionError("creating linear/w twice must fail")
except ValueError as e:
    assert "already exists" in str(e)
hidden = tf.layers.dense(x, 4, activation=tf.nn.relu)
assert hidden.shape.as_list() == [None, 4]
loss = tf.losses.mean_squared_error(y, pred)
step = tf.train.get_or_create_global_step()
train_op = tf.train.MomentumOptimizer(0.2, 0.5).minimize(loss, global_step=step)
names = [v.name for v in tf.trainable_variables()]
assert names == ["linear/w:0", "linear/b:0", "dense/kernel:0", "dense/bias:0"], names
assert len(tf.get_collection(tf.GraphKeys.LOSSES)) == 1

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    first = sess.run(loss, feed_dict={x: X, y: Y})
    for _ in range(30):
        _, value = sess.run([train_op, loss], feed_dict={x: X, y: Y})
    assert value < first * 1e-3, (first, value)
    assert sess.run(step) == 30
    w = sess.run(tf.get_default_graph().get_tensor_by_name("linear/w:0"))
    np.testing.assert_allclose(w.ravel(), [1.0, -2.0, 0.5], atol=0.05)
    same = sess.run(tf.reduce_max(tf.abs(pred - pred_again)), feed_dict={x: X})
    assert same == 0.0
print("ok")
