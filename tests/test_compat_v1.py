"""compat.v1 as the TF1 namespace (issue 16): TF1-style scripts (placeholders, variable scopes,
get_variable, tf.layers, tf.losses, tf.train optimizers, Sessions) run unchanged. Optimizer
updates are checked against NumPy transcriptions of TF1's update rules."""
import numpy as np
import pytest

import graphflow as tf2
import graphflow.compat.v1 as tf
from graphflow.errors import InvalidArgumentError


@pytest.fixture
def graph():
    g = tf2.Graph()
    with g.as_default():
        yield g


def test_namespace_has_tf1_and_shared_names():
    assert tf.float32 is tf2.float32 and tf.constant is tf2.constant and tf.matmul is tf2.matmul
    assert tf.nn.relu is tf2.nn.relu and callable(tf.nn.softmax_cross_entropy_with_logits_v2)
    for name in ("placeholder", "Session", "InteractiveSession", "get_variable",
                 "variable_scope", "AUTO_REUSE", "global_variables_initializer",
                 "local_variables_initializer", "trainable_variables", "reset_default_graph",
                 "get_default_graph", "placeholder_with_default", "GraphKeys", "to_float",
                 "random_normal", "set_random_seed", "layers", "losses", "train", "logging"):
        assert hasattr(tf, name), name
    with pytest.raises(AttributeError, match="no attribute"):
        tf.definitely_not_a_tf_name  # noqa: B018


def test_tf1_linear_regression_script(graph):
    rng = np.random.RandomState(0)
    X = rng.randn(64, 3).astype(np.float32)
    Y = X @ np.array([[1.0], [-2.0], [0.5]], np.float32) + 0.3
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    y = tf.placeholder(tf.float32, [None, 1], name="y")
    with tf.variable_scope("model"):
        w = tf.get_variable("w", [3, 1], initializer=tf.zeros_initializer())
        b = tf.get_variable("b", [1], initializer=tf.constant_initializer(0.0))
    loss = tf.reduce_mean(tf.square(tf.matmul(x, w) + b - y))
    step = tf.train.get_or_create_global_step()
    lr = tf.train.exponential_decay(0.1, step, 100, 0.96)
    train_op = tf.train.AdamOptimizer(lr).minimize(loss, global_step=step)
    init = tf.global_variables_initializer()
    assert [v.name for v in tf.global_variables()][:3] == ["model/w:0", "model/b:0",
                                                           "global_step:0"]
    assert "model/w/Adam:0" in [v.name for v in tf.global_variables()]
    with tf.Session() as sess:
        sess.run(init)
        for _ in range(300):
            _, value = sess.run([train_op, loss], feed_dict={x: X, y: Y})
        assert value < 1e-6 and sess.run(step) == 300
        np.testing.assert_allclose(sess.run(w).ravel(), [1.0, -2.0, 0.5], atol=1e-3)


def test_variable_scope_reuse_rules(graph):
    with tf.variable_scope("s"):
        v = tf.get_variable("v", [2], initializer=tf.ones_initializer())
        with pytest.raises(InvalidArgumentError, match="already exists, disallowed"):
            tf.get_variable("v", [2])
    with tf.variable_scope("s", reuse=True):
        assert tf.get_variable("v") is v
        with tf.variable_scope("inner"):  # reuse is inherited
            assert tf.get_variable_scope().reuse is True
            with pytest.raises(InvalidArgumentError, match="does not exist"):
                tf.get_variable("w", [1])
    with tf.variable_scope("s", reuse=True):
        with pytest.raises(InvalidArgumentError, match="specified shape"):
            tf.get_variable("v", [3])
    with tf.variable_scope("t", reuse=tf.AUTO_REUSE):
        a = tf.get_variable("a", [1])
        assert tf.get_variable("a", [1]) is a
    with tf.variable_scope("s") as scope:
        scope.reuse_variables()
        assert tf.get_variable("v") is v
    with tf.variable_scope(scope):  # re-entering a scope object keeps its name
        assert tf.get_variable_scope().name == "s"
    with tf.variable_scope(None, default_name="block"):
        x = tf.get_variable("x", [1])
    with tf.variable_scope(None, default_name="block"):
        x1 = tf.get_variable("x", [1])
    assert (x.name, x1.name) == ("block/x:0", "block_1/x:0")
    with tf.variable_scope("ops"):
        c = tf.constant(1.0, name="c")
    assert c.name == "ops/c:0"  # variable scopes open a name scope too


def test_get_variable_initializers_and_collections(graph):
    with tf.variable_scope("init", initializer=tf.constant_initializer(3.0)):
        a = tf.get_variable("a", [2])  # the scope's default initializer
    b = tf.get_variable("b", initializer=tf.constant([1.0, 2.0]))
    c = tf.get_variable("c", [2, 2], initializer=tf.random_normal_initializer(seed=1))
    d = tf.get_variable("d", [3], dtype=tf.int32)  # integers default to zeros
    e = tf.get_variable("e", [1], collections=[tf.GraphKeys.LOCAL_VARIABLES], trainable=False)
    assert all(v is not e for v in tf.global_variables())
    assert len(tf.local_variables()) == 1 and tf.local_variables()[0] is e
    with pytest.raises(InvalidArgumentError, match="shape"):
        tf.get_variable("f")
    with tf.Session() as sess:
        sess.run([tf.global_variables_initializer(), tf.local_variables_initializer()])
        np.testing.assert_array_equal(sess.run(a), [3.0, 3.0])
        np.testing.assert_array_equal(sess.run(b), [1.0, 2.0])
        assert sess.run(c).shape == (2, 2) and sess.run(d).tolist() == [0, 0, 0]
    assert [v.name for v in tf.trainable_variables(scope="init")] == [a.name]


def _np_updates(name, w, grads, lr):
    """NumPy transcriptions of TF1's update rules."""
    out, m, v, acc, ms, mom = [], 0.0, 0.0, 0.1, 1.0, 0.0
    b1p, b2p = 0.9, 0.999
    for g in grads(w):
        if name == "momentum":
            m = 0.9 * m + g(w)
            w = w - lr * m
        elif name == "nesterov":
            m = 0.9 * m + g(w)
            w = w - lr * (g(w) + 0.9 * m)
        elif name == "adagrad":
            gw = g(w)
            acc = acc + gw * gw
            w = w - lr * gw / np.sqrt(acc)
        elif name == "rmsprop":
            gw = g(w)
            ms = 0.9 * ms + 0.1 * gw * gw
            mom = 0.5 * mom + lr * gw / np.sqrt(ms + 1e-10)
            w = w - mom
        elif name == "adam":
            gw = g(w)
            m = 0.9 * m + 0.1 * gw
            v = 0.999 * v + 0.001 * gw * gw
            w = w - lr * np.sqrt(1 - b2p) / (1 - b1p) * m / (np.sqrt(v) + 1e-8)
            b1p, b2p = b1p * 0.9, b2p * 0.999
        out.append(w)
    return out


OPTIMIZERS = {
    "momentum": lambda lr: tf.train.MomentumOptimizer(lr, 0.9),
    "nesterov": lambda lr: tf.train.MomentumOptimizer(lr, 0.9, use_nesterov=True),
    "adagrad": lambda lr: tf.train.AdagradOptimizer(lr),
    "rmsprop": lambda lr: tf.train.RMSPropOptimizer(lr, momentum=0.5),
    "adam": lambda lr: tf.train.AdamOptimizer(lr),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizers_match_tf1_update_rules_in_graph_and_eagerly(name):
    w0, lr, steps = np.array([1.0, -2.0]), 0.1, 4
    expected = _np_updates(name, w0, lambda w: [lambda w: 2 * w * np.array([1.0, 3.0])] * steps,
                           lr)
    g = tf2.Graph()
    with g.as_default():
        w = tf.Variable(w0)
        loss = tf.reduce_sum(w * w * tf.constant([1.0, 3.0], tf.float64))
        opt = OPTIMIZERS[name](lr)
        train_op = opt.minimize(loss)
        init = tf.global_variables_initializer()
    with tf.Session(graph=g) as sess:
        sess.run(init)
        got = []
        for _ in range(steps):
            sess.run(train_op)
            got.append(sess.run(w))
    np.testing.assert_allclose(got, expected, rtol=1e-9)
    assert opt.get_slot_names() and opt.get_slot(w, opt.get_slot_names()[0]) is not None
    # eagerly: minimize takes a loss function
    we = tf2.Variable(w0)
    opt = OPTIMIZERS[name](lr)
    for k in range(steps):
        opt.minimize(lambda: tf.reduce_sum(we * we * tf.constant([1.0, 3.0], tf.float64)),
                     var_list=[we])
        np.testing.assert_allclose(we.numpy(), expected[k], rtol=1e-9)


def test_compute_and_apply_gradients(graph):
    w = tf.Variable(2.0)
    loss = w * w
    opt = tf.train.GradientDescentOptimizer(0.5)
    pairs = opt.compute_gradients(loss)
    assert [v for _, v in pairs] == [w]
    clipped = [(tf.clip_by_value(g, -1.0, 1.0), v) for g, v in pairs]
    op = opt.apply_gradients(clipped)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(op)
        assert sess.run(w) == 1.5
    other = tf.Variable(1.0)
    with pytest.raises(InvalidArgumentError, match="No gradients"):
        opt.minimize(loss, var_list=[other])


def test_layers_cnn_forward_and_training(graph):
    tf.set_random_seed(0)
    images = tf.placeholder(tf.float32, [None, 8, 8, 1])
    labels = tf.placeholder(tf.int64, [None])
    training = tf.placeholder_with_default(False, [])
    h = tf.layers.conv2d(images, 4, 3, padding="same", activation=tf.nn.relu)
    h = tf.layers.max_pooling2d(h, 2, 2)
    h = tf.layers.average_pooling2d(h, 2, 2)
    h = tf.layers.flatten(h)
    h = tf.layers.dropout(h, 0.5, training=training)
    logits = tf.layers.dense(h, 3, name="logits")
    loss = tf.losses.sparse_softmax_cross_entropy(labels, logits)
    train_op = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    assert [v.name for v in tf.trainable_variables()] == [
        "conv2d/kernel:0", "conv2d/bias:0", "logits/kernel:0", "logits/bias:0"]
    assert logits.shape.as_list() == [None, 3]
    rng = np.random.RandomState(1)
    feed = {images: rng.rand(6, 8, 8, 1).astype(np.float32), labels: np.arange(6) % 3}
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        before = sess.run(loss, feed)
        assert sess.run(loss, feed) == before  # dropout off unless training is fed
        for _ in range(20):
            sess.run(train_op, {**feed, training: True})
        assert sess.run(loss, feed) < before
    with tf.variable_scope("", reuse=True):
        assert tf.get_variable("logits/kernel").shape.as_list() == [16, 3]


def test_losses_match_numpy(graph):
    labels = np.array([[1.0, 0.0], [0.0, 1.0]], np.float32)
    preds = np.array([[0.8, 0.3], [0.4, 0.6]], np.float32)
    w = np.array([[1.0], [0.0]], np.float32)
    with tf.Session() as sess:
        mse = sess.run(tf.losses.mean_squared_error(labels, preds))
        np.testing.assert_allclose(mse, ((labels - preds) ** 2).mean(), rtol=1e-6)
        weighted = sess.run(tf.losses.absolute_difference(labels, preds, weights=w))
        np.testing.assert_allclose(weighted, np.abs(labels - preds)[0].sum() / 2, rtol=1e-6)
        none = sess.run(tf.losses.mean_squared_error(labels, preds, loss_collection=None,
                                                     reduction=tf.losses.Reduction.NONE))
        assert none.shape == (2, 2)
        logits = np.array([[2.0, 1.0], [0.5, 1.5]], np.float32)
        ce = sess.run(tf.losses.softmax_cross_entropy(labels, logits))
        lsm = logits - np.log(np.exp(logits).sum(1, keepdims=True))
        np.testing.assert_allclose(ce, -(labels * lsm).sum(1).mean(), rtol=1e-6)
        sig = sess.run(tf.losses.sigmoid_cross_entropy(labels, logits))
        ref = np.maximum(logits, 0) - logits * labels + np.log1p(np.exp(-np.abs(logits)))
        np.testing.assert_allclose(sig, ref.mean(), rtol=1e-6)
        h = sess.run(tf.losses.huber_loss(labels, preds * 3))
        err = np.abs(preds * 3 - labels)
        np.testing.assert_allclose(h, np.where(err < 1, 0.5 * err ** 2, err - 0.5).mean(),
                                   rtol=1e-6)
        assert len(tf.losses.get_losses()) == 5
        total = sess.run(tf.losses.get_total_loss())
        np.testing.assert_allclose(total, mse + weighted + ce + sig + h, rtol=1e-6)


def test_tf1_spellings(graph):
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(tf.reduce_sum(x, reduction_indices=1,
                                                             keep_dims=True)), [[3.0], [7.0]])
        assert sess.run(tf.argmax(x)).tolist() == [1, 1]  # TF1: axis defaults to 0
        assert sess.run(tf.arg_max(x, dimension=1)).tolist() == [1, 1]
        assert sess.run(tf.div(7, 2)) == 3 and sess.run(tf.div(7.0, 2.0)) == 3.5
        assert sess.run(tf.to_float(tf.constant(3))).dtype == np.float32
        assert sess.run(tf.to_int64(x)).dtype == np.int64
        assert sess.run(tf.log(tf.constant(1.0))) == 0.0
        assert sess.run(tf.random_normal([2, 3], seed=1)).shape == (2, 3)
        v = tf.Variable(1.0)
        sess.run(tf.global_variables_initializer())
        sess.run(tf.assign_add(v, 2.0))
        assert sess.run(v) == 3.0
        sess.run(tf.no_op())
        assert sess.run(tf.nn.dropout(x, keep_prob=1.0)).tolist() == [[1.0, 2.0], [3.0, 4.0]]


def test_placeholder_with_default_interactive_session_and_reset():
    tf.reset_default_graph()
    try:
        with tf2.Graph().as_default():
            d = tf.placeholder_with_default(tf.constant([1.0, 2.0]), [None])
            e = d * 3.0
            with tf.Session() as sess:
                assert sess.run(e).tolist() == [3.0, 6.0]
                assert sess.run(e, {d: [5.0]}).tolist() == [15.0]
            with pytest.raises(InvalidArgumentError, match="does not match"):
                tf.placeholder_with_default(tf.constant([1.0]), [2, 2])
            sess = tf.InteractiveSession()
            assert e.eval().tolist() == [3.0, 6.0]
            sess.close()
            assert tf.get_default_session() is None
    finally:
        tf.reset_default_graph()


def test_disable_v2_behavior_builds_into_the_default_graph():
    tf.reset_default_graph()
    tf.disable_v2_behavior()
    try:
        assert not tf.executing_eagerly()
        x = tf.placeholder(tf.float32, [])
        w = tf.get_variable("w", [], initializer=tf.ones_initializer())
        assert x.graph is tf.get_default_graph() and w.graph is tf.get_default_graph()
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            assert sess.run(x * w, {x: 4.0}) == 4.0
    finally:
        tf.enable_v2_behavior()
        tf.reset_default_graph()
    assert tf.executing_eagerly()


def test_saver_save_restore_max_to_keep(tmp_path):
    g = tf2.Graph()
    with g.as_default():
        with tf.variable_scope("net"):
            w = tf.get_variable("w", [2], initializer=tf.ones_initializer())
        step = tf.train.get_or_create_global_step()
        bump = tf.assign_add(w, [1.0, 1.0])
        saver = tf.train.Saver(max_to_keep=2)
        init = tf.global_variables_initializer()
    with tf.Session(graph=g) as sess:
        sess.run(init)
        for i in range(3):
            sess.run(bump)
            path = saver.save(sess, str(tmp_path / "model"), global_step=i)
        assert [p.rsplit("/", 1)[1] for p in saver.last_checkpoints] == ["model-1", "model-2"]
        assert not (tmp_path / "model-0.index").exists()
        assert tf.train.latest_checkpoint(str(tmp_path)) == path
        sess.run(bump)
        saver.restore(sess, path)
        np.testing.assert_array_equal(sess.run(w), [4.0, 4.0])
    g2 = tf2.Graph()
    with g2.as_default():
        with tf.variable_scope("net"):
            w2 = tf.get_variable("w", [2])
        other = tf.get_variable("other", [1])
        with tf.Session() as sess:  # restore instead of initializing
            tf.train.Saver([w2]).restore(sess, path)
            np.testing.assert_array_equal(sess.run(w2), [4.0, 4.0])
            with pytest.raises(tf2.errors.NotFoundError, match="other"):
                tf.train.Saver([other]).restore(sess, path)


def test_variable_collections_and_local_initializer(graph):
    local = tf.Variable(0.0, collections=[tf.GraphKeys.LOCAL_VARIABLES], trainable=False,
                        name="count")
    glob = tf.Variable(1.0, name="g")
    assert [v.name for v in tf.global_variables()] == ["g:0"]
    assert [v.name for v in tf.local_variables()] == ["count:0"]
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        assert sess.run(local) == 0.0
        with pytest.raises(tf2.errors.FailedPreconditionError, match="uninitialized"):
            sess.run(glob)
