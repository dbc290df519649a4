"""The graph IR: naming, name scopes, text dump, build-time validation, networkx analysis."""
import pytest

import graphflow as tf
from graphflow.errors import InvalidArgumentError

tf1 = tf.compat.v1


def test_names_are_tf_style_and_unique():
    g = tf.Graph()
    with g.as_default():
        a = tf1.placeholder(tf.float32, name="a")
        b = a + 1.0
        c = a + b
        with tf.name_scope("layer"):
            d = c * 2.0
            e = c * 3.0
    assert b.name == "add:0" and c.name == "add_1:0"
    assert d.name == "layer/multiply:0" and e.name == "layer/multiply_1:0"
    assert g.get_tensor_by_name("add_1:0") is c
    assert g.get_operation_by_name("layer/multiply") is d.node


def test_symbolic_tensor_prints_like_tf1():
    g = tf.Graph()
    with g.as_default():
        a = tf1.placeholder(tf.float32)
        b = tf1.placeholder(tf.float32)
        c = a + b
        k = tf1.placeholder(tf.float32, shape=(2,))
        d = k * 2.0
    assert str(c) == 'Tensor("add:0", dtype=float32)'
    assert str(d) == 'Tensor("multiply:0", shape=(2,), dtype=float32)'


def test_symbolic_numpy_raises_clear_error():
    g = tf.Graph()
    with g.as_default():
        a = tf1.placeholder(tf.float32, name="a")
    with pytest.raises(InvalidArgumentError, match="symbolic.*Session.run"):
        a.numpy()


def test_shape_inference_with_unknown_dims():
    g = tf.Graph()
    with g.as_default():
        x = tf1.placeholder(tf.float32, shape=(None, 3))
        w = tf.ones((3, 4))
        y = tf.matmul(x, w)
        s = tf.reduce_sum(y, axis=1)
        r = tf.reshape(y, (-1, 2))
    assert y.shape.as_list() == [None, 4]
    assert s.shape.as_list() == [None]
    assert r.shape.as_list() == [None, 2]


def test_errors_at_build_time_name_the_node():
    g = tf.Graph()
    with g.as_default():
        x = tf1.placeholder(tf.float32, shape=(2, 3), name="x")
        y = tf1.placeholder(tf.float32, shape=(4, 3), name="y")
        with pytest.raises(InvalidArgumentError, match=r"Node 'add'.*\(2, 3\).*\(4, 3\)"):
            x + y
        with pytest.raises(InvalidArgumentError, match="Node 'matmul'.*inner dimensions"):
            tf.matmul(x, y)
        i = tf1.placeholder(tf.int32, shape=(2, 3))
        with pytest.raises(InvalidArgumentError, match="int32.*float32|float32.*int32"):
            x + i


def test_text_dump_has_one_line_per_node():
    g = tf.Graph()
    with g.as_default():
        a = tf1.placeholder(tf.float32, shape=(2,), name="a")
        tf.exp(a * 2.0)
    lines = g.as_text().splitlines()
    assert len(lines) == len(g.get_operations()) == 4
    assert lines[0].startswith("a: float32[2] = placeholder(")
    assert lines[-1] == "exp: float32[2] = exp(multiply:0)"


def test_networkx_analysis():
    g = tf.Graph()
    with g.as_default():
        a = tf1.placeholder(tf.float32, name="a")
        b = a * 2.0
        c = a + 1.0
    nxg = g.to_networkx()
    assert set(nxg.predecessors("multiply")) == {"a", "Const"}
    assert [n.name for n in g.ancestors([b.node])] == ["a", "Const", "multiply"]
    assert c.node not in g.ancestors([b.node])
    g.validate()


def test_tensors_from_another_graph_are_rejected():
    g1, g2 = tf.Graph(), tf.Graph()
    with g1.as_default():
        a = tf1.placeholder(tf.float32, name="a")
    with g2.as_default():
        with pytest.raises(InvalidArgumentError, match="different graph"):
            a + 1.0


def test_default_graph_and_eager_switch():
    assert tf.executing_eagerly()
    tf1.disable_eager_execution()
    try:
        assert not tf1.executing_eagerly()
        a = tf1.placeholder(tf.float32, name="a")
        assert a.graph is tf1.get_default_graph()
        tf1.reset_default_graph()
        assert a.graph is not tf1.get_default_graph()
    finally:
        tf1.enable_eager_execution()
    assert tf.executing_eagerly()
    assert isinstance(tf.constant(1.0) + 1.0, tf.Tensor)


def test_placeholder_in_eager_mode_raises():
    with pytest.raises(InvalidArgumentError, match="eager"):
        tf1.placeholder(tf.float32)
