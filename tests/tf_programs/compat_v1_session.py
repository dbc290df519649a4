"""TF1 graphs: placeholders, Session.run with feed_dict, variables and a gradient step."""
import numpy as np
import tensorflow as tf

g = tf.Graph()
with g.as_default():
    x = tf.compat.v1.placeholder(tf.float32, shape=[None, 2], name="x")
    w = tf.compat.v1.Variable([[1.0], [2.0]], name="w")
    y = tf.matmul(x, w)
    loss = tf.reduce_mean(tf.square(y - 1.0))
    grads = tf.compat.v1.gradients(loss, [w])
    train = tf.compat.v1.train.GradientDescentOptimizer(0.1).minimize(loss)
    init = tf.compat.v1.global_variables_initializer()

with tf.compat.v1.Session(graph=g) as sess:
    sess.run(init)
    out = sess.run(y, feed_dict={x: [[1.0, 1.0], [0.0, 1.0]]})
    np.testing.assert_allclose(out, [[3.0], [2.0]])
    (gw,) = sess.run(grads, feed_dict={x: [[1.0, 1.0]]})
    np.testing.assert_allclose(gw, [[4.0], [4.0]])
    before = sess.run(loss, feed_dict={x: [[1.0, 1.0]]})
    for _ in range(20):
        sess.run(train, feed_dict={x: [[1.0, 1.0]]})
    after = sess.run(loss, feed_dict={x: [[1.0, 1.0]]})
    assert after < before * 0.01, (before, after)
print("ok")
