"""compat.v1 Session: fetch structures, feeds, pruning, variables, gradients, errors."""
import numpy as np
import pytest

import graphflow as tf
from graphflow.errors import FailedPreconditionError, InvalidArgumentError

tf1 = tf.compat.v1


@pytest.fixture
def graph():
    g = tf.Graph()
    with g.as_default():
        yield g


def test_seed_placeholder_add(graph):
    a = tf1.placeholder(tf.float32)
    b = tf1.placeholder(tf.float32)
    c = a + b
    assert str(c) == 'Tensor("add:0", dtype=float32)'
    with tf1.Session() as sess:
        out = sess.run(c, {a: 2.0, b: 3.0})
    assert out == 5.0 and isinstance(out, np.float32)


def test_nested_fetch_structures(graph):
    a = tf1.placeholder(tf.float32, shape=(2,), name="a")
    b = a * 2.0
    c = tf.reduce_sum(b)
    with tf1.Session() as sess:
        out = sess.run({"pair": (b, [c, a]), "sum": c}, {a: [1.0, 2.0]})
    np.testing.assert_allclose(out["pair"][0], [2.0, 4.0])
    assert out["pair"][1][0] == 6.0 and out["sum"] == 6.0
    np.testing.assert_allclose(out["pair"][1][1], [1.0, 2.0])


def test_feeds_and_fetches_by_name(graph):
    a = tf1.placeholder(tf.float32, shape=(), name="a")
    b = tf.multiply(a, 3.0, name="triple")
    with tf1.Session() as sess:
        assert sess.run("triple:0", {"a:0": 2.0}) == 6.0
        assert sess.run(b, {"a": 1.0}) == 3.0


def test_only_needed_subgraph_runs(graph):
    a = tf1.placeholder(tf.float32, name="a")
    b = tf1.placeholder(tf.float32, name="b")
    c = a * 2.0
    _ = b * 3.0  # needs b, which is not fed
    with tf1.Session() as sess:
        assert sess.run(c, {a: 1.0}) == 2.0


def test_feeding_an_intermediate_tensor_skips_its_inputs(graph):
    a = tf1.placeholder(tf.float32, name="a")
    b = a * 2.0
    c = b + 1.0
    with tf1.Session() as sess:
        assert sess.run(c, {b: 10.0}) == 11.0


def test_unfed_placeholder_is_named(graph):
    a = tf1.placeholder(tf.float32, shape=(2,), name="input_a")
    b = a * 2.0
    with tf1.Session() as sess, pytest.raises(InvalidArgumentError, match="feed.*'input_a'"):
        sess.run(b)


def test_wrong_feed_shape_names_placeholder_and_shapes(graph):
    a = tf1.placeholder(tf.float32, shape=(None, 3), name="x")
    b = a * 2.0
    with tf1.Session() as sess:
        with pytest.raises(InvalidArgumentError, match=r"\(2, 4\).*'x'.*\(None, 3\)"):
            sess.run(b, {a: np.zeros((2, 4), np.float32)})


def test_wrong_feed_dtype_names_placeholder(graph):
    a = tf1.placeholder(tf.int32, shape=(2,), name="ids")
    b = a * 2
    with tf1.Session() as sess:
        with pytest.raises(InvalidArgumentError, match="'ids'.*int32"):
            sess.run(b, {a: [1.5, 2.5]})


def test_fetch_from_another_graph_raises(graph):
    other = tf.Graph()
    with other.as_default():
        x = tf.constant(1.0) + 1.0
    with tf1.Session() as sess, pytest.raises(InvalidArgumentError, match="not an element"):
        sess.run(x)


def test_bad_fetch_type(graph):
    with tf1.Session() as sess, pytest.raises(InvalidArgumentError, match="invalid type"):
        sess.run(3.0)


def test_closed_session_raises(graph):
    c = tf.constant(1.0)
    sess = tf1.Session()
    sess.close()
    with pytest.raises(InvalidArgumentError, match="closed"):
        sess.run(c)


def test_variables_initializer_and_assign_ops(graph):
    v = tf.Variable([1.0, 2.0], name="v")
    inc = v.assign_add([1.0, 1.0])
    init = tf1.global_variables_initializer()
    with tf1.Session() as sess:
        with pytest.raises(FailedPreconditionError, match="uninitialized.*v"):
            sess.run(v)
        sess.run(init)
        np.testing.assert_allclose(sess.run(v), [1.0, 2.0])
        np.testing.assert_allclose(sess.run(inc), [2.0, 3.0])
        np.testing.assert_allclose(sess.run(v), [2.0, 3.0])
        sess.run(v.initializer)
        np.testing.assert_allclose(sess.run(v), [1.0, 2.0])


def test_gradients_build_subgraph(graph):
    x = tf1.placeholder(tf.float32, shape=(3,), name="x")
    w = tf.Variable([1.0, 2.0, 3.0])
    y = tf.reduce_sum(w * x * x)
    gx, gw = tf1.gradients(y, [x, w])
    unrelated = tf1.placeholder(tf.float32, name="u")
    (gu,) = tf1.gradients(y, [unrelated])
    assert gu is None
    with tf1.Session() as sess:
        sess.run(tf1.global_variables_initializer())
        vx, vw = sess.run([gx, gw], {x: [1.0, 1.0, 2.0]})
    np.testing.assert_allclose(vx, [2.0, 4.0, 12.0])
    np.testing.assert_allclose(vw, [1.0, 1.0, 4.0])


def test_gradient_descent_minimize(graph):
    xs = tf.constant([1.0, 3.0, 5.0, 7.0])
    ys = tf.constant([2.0, 3.0, 4.0, 5.0])
    w = tf.Variable(1.0)
    b = tf.Variable(0.5)
    loss = tf.reduce_mean((w * xs + b - ys) ** 2)
    train = tf1.train.GradientDescentOptimizer(0.02).minimize(loss)
    with tf1.Session() as sess:
        sess.run(tf1.global_variables_initializer())
        for _ in range(3000):
            sess.run(train)
        wv, bv = sess.run([w, b])
    assert wv == pytest.approx(0.5, abs=1e-3) and bv == pytest.approx(1.5, abs=1e-3)


def test_random_ops_draw_fresh_values_each_run(graph):
    r = tf.random.uniform([4])
    with tf1.Session() as sess:
        a, b = sess.run(r), sess.run(r)
    assert not np.array_equal(a, b)
