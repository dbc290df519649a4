"""tf.print (TF's formatting, streams, program order when graphs run) and the run-time checks:
tf.Assert, tf.debugging.assert_*, check_numerics, with TF's eager and graph messages."""
import io
import logging
import sys

import numpy as np
import pytest

import graphflow as tf
from graphflow.errors import InvalidArgumentError, InvalidTypeError


def _printed(*args, **kwargs):
    out = io.StringIO()
    tf.print(*args, output_stream=out, **kwargs)
    return out.getvalue()


# Expected texts are what TensorFlow 2.21 prints for the same calls.
@pytest.mark.parametrize("args,kwargs,text", [
    ((tf.constant(1.5),), {}, "1.5\n"),
    ((tf.constant([1.0, 2.5, 3.0]),), {}, "[1 2.5 3]\n"),
    ((tf.constant([[1, 2], [3, 4]]),), {}, "[[1 2]\n [3 4]]\n"),
    (("hello", tf.constant(3), 4, [1, 2], {"a": tf.constant(1.0)}), {},
     "hello 3 4 [1, 2] {'a': 1}\n"),
    ((tf.range(20),), {}, "[0 1 2 ... 17 18 19]\n"),
    ((tf.range(20),), {"summarize": -1}, "[" + " ".join(map(str, range(20))) + "]\n"),
    ((tf.reshape(tf.range(24), (2, 3, 4)),), {},
     "[[[0 1 2 3]\n  [4 5 6 7]\n  [8 9 10 11]]\n\n [[12 13 14 15]\n  [16 17 18 19]\n  [20 21 22 23]]]\n"),
    ((tf.reshape(tf.range(100), (10, 10)),), {"summarize": 1}, "[[0 ... 9]\n ...\n [90 ... 99]]\n"),
    (("a", "b"), {"sep": "--", "end": "!!\n"}, "a--b!!\n"),
    ((tf.constant(True), tf.constant([True, False])), {}, "1 [1 0]\n"),
    ((tf.constant(1e-9), tf.constant(123456789.0), tf.constant(0.1, tf.float64)), {},
     "1e-09 123456792 0.1\n"),
    ((tf.constant([1.0, float("nan"), float("inf")]),), {}, "[1 nan inf]\n"),
    ((tf.zeros((0,)), tf.zeros((2, 0))), {}, "[] [\n ...]\n"),
    ((tf.constant(1 / 3), tf.constant(1 / 3, tf.float64), tf.constant(12345.678)), {},
     "0.333333343 0.33333333333333331 12345.6777\n"),
    ((2.5, 1.0, [1.5, "s"], tf.constant(0.1, tf.float16)), {}, "2.5 1.0 [1.5, 's'] 0.0999755859\n"),
    ((tf.constant([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]),), {"summarize": 0}, "[ ...]\n"),
    (({"b": 1, "a": tf.constant([1, 2])},), {}, "{'a': [1 2], 'b': 1}\n"),
    ((tf.Variable(3.0),), {}, "3\n"),
])
def test_print_formats_like_tf(args, kwargs, text):
    assert _printed(*args, **kwargs) == text


def test_streams(capsys, tmp_path):
    tf.print("to stderr by default")
    tf.print("to stdout", output_stream=sys.stdout)
    captured = capsys.readouterr()
    assert captured.err == "to stderr by default\n" and captured.out == "to stdout\n"
    path = tmp_path / "log.txt"
    tf.print("one", output_stream=f"file://{path}")
    tf.print("two", output_stream=f"file://{path}")
    assert path.read_text() == "one\ntwo\n"
    records = []
    tf.print("logged", tf.constant(2), output_stream=records.append)
    assert records == ["logged 2"]
    with pytest.raises(InvalidArgumentError, match="output_stream 'nowhere' is not supported"):
        tf.print("x", output_stream="nowhere")


def test_prints_run_when_the_graph_runs_in_program_order(capsys):
    @tf.function
    def f(x):
        tf.print("first", x)
        y = x * 2
        tf.print("second", y, summarize=1)
        return y
    f(tf.constant([1.0, 2.0, 3.0]))
    f(tf.constant([1.0, 2.0, 3.0]))
    assert capsys.readouterr().err == "first [1 2 3]\nsecond [2 ... 6]\n" * 2
    g = tf.Graph()
    with g.as_default():
        x = tf.compat.v1.placeholder(tf.int32, [2])
        op = tf.print("fed", x, output_stream=sys.stdout)
    assert capsys.readouterr().out == ""  # building does not print
    with tf.compat.v1.Session(graph=g) as sess:
        sess.run(op, {x: [4, 5]})
    assert capsys.readouterr().out == "fed [4 5]\n"


# -- asserts ---------------------------------------------------------------------------------------

X, Y = tf.constant([1.0, 2.0]), tf.constant([1.0, 3.0])


def test_eager_messages_match_tf():
    with pytest.raises(InvalidArgumentError) as e:
        tf.debugging.assert_equal(X, Y, message="custom")
    assert str(e.value) == ("custom\nCondition x == y did not hold.\nIndices of first 1 different "
                            "values:\n[[1]]\nCorresponding x values:\n[2.]\nCorresponding y "
                            "values:\n[3.]\nFirst 2 elements of x:\n[1. 2.]\nFirst 2 elements of "
                            "y:\n[1. 3.]")
    with pytest.raises(InvalidArgumentError, match=r"Condition x < y did not hold"):
        tf.debugging.assert_less(X, Y)
    with pytest.raises(InvalidArgumentError, match=r"Condition x > 0 did not hold element-wise:\n"
                       r"x \(shape=\(2,\) dtype=float32\) = \n\['1.0', '-1.0'\]"):
        tf.debugging.assert_positive(tf.constant([1.0, -1.0]))
    with pytest.raises(InvalidArgumentError, match="Expected 'False' to be true. Summarized "
                       "data: b'data:'\n1.0, 2.0\n3"):
        tf.debugging.Assert(False, ["data:", X, 3])
    assert tf.debugging.assert_greater_equal(Y, X) is None
    assert tf.debugging.assert_none_equal(X, X + 1.0) is None
    assert tf.debugging.assert_near(X, X + 1e-7) is None
    with pytest.raises(InvalidArgumentError, match="not equal to tolerance"):
        tf.debugging.assert_near(X, Y)
    for check in (tf.debugging.assert_negative, tf.debugging.assert_non_positive):
        with pytest.raises(InvalidArgumentError, match="did not hold element-wise"):
            check(tf.constant([1.0, -1.0]))
    assert tf.debugging.assert_non_negative(tf.constant([0, 1])) is None


def test_graph_asserts_raise_tf_messages_when_run():
    @tf.function
    def f(a, b):
        tf.debugging.assert_equal(a, b, message="in fn")
        return a + b
    with pytest.raises(InvalidArgumentError, match=r"assertion failed: \[in fn\] \[Condition x == "
                       r"y did not hold element-wise:\] \[x \(a:0\) = \] \[\[1 2\]\] \[y \(b:0\) = \]"
                       r" \[\[1 3\]\]"):
        f(X, Y)
    assert f(X, X).numpy().tolist() == [2.0, 4.0]

    @tf.function
    def h(a):
        tf.Assert(tf.reduce_all(a > 1.5), ["a was", a, "n", 7])
        return a
    with pytest.raises(InvalidArgumentError, match=r"assertion failed: \[a was\] \[\[1 2\]\] \[n\] "
                       r"\[7\]"):
        h(X)


def test_asserts_on_values_known_while_tracing_are_checked_then():
    @tf.function
    def f():
        tf.debugging.assert_equal(tf.constant(1), tf.constant(2))
        return tf.constant(0)
    with pytest.raises(InvalidArgumentError, match="Condition x == y did not hold"):
        f.get_concrete_function()
    g = tf.function(lambda: (tf.debugging.assert_less(1, 2), tf.constant(1))[1])
    nodes = [n.type for n in g.get_concrete_function().graph.nodes]
    assert "assert" not in nodes  # holds statically: nothing left to check at run time


def test_rank_and_shape_asserts():
    with pytest.raises(InvalidArgumentError, match=r"must have rank 2.  Received rank 1, shape \(2,\)"):
        tf.debugging.assert_rank(X, 2)
    assert tf.debugging.assert_rank(X, 1) is None
    with pytest.raises(InvalidArgumentError, match="must have rank at least 2"):
        tf.debugging.assert_rank_at_least(X, 2)
    with pytest.raises(InvalidArgumentError, match=r"must have rank in \(0, 2\)"):
        tf.debugging.assert_rank_in(X, [0, 2])
    dynamic = tf.function(lambda a: (tf.debugging.assert_rank(a, 2), a)[1],
                          input_signature=[tf.TensorSpec(None, tf.float32)])
    with pytest.raises(InvalidArgumentError, match=r"assertion failed: \[\] \[Tensor a:0 must have "
                       r"rank\] \[2\] \[Received shape: \] \[\[2\]\]"):
        dynamic(X)
    assert dynamic(tf.zeros((2, 2))).shape == (2, 2)
    with pytest.raises(InvalidArgumentError, match="dimension 0 must have size 2.  Received size 3"):
        tf.debugging.assert_shapes([(X, ("N",)), (tf.zeros((3, 2)), ("N", 2))])
    assert tf.debugging.assert_shapes([(X, ("N",)), (tf.zeros((2, 3)), ("N", 3))]) is None
    batch = tf.function(lambda a, b: (tf.debugging.assert_shapes([(a, ("N",)), (b, ("N", 2))]), a)[1],
                        input_signature=[tf.TensorSpec([None]), tf.TensorSpec([None, 2])])
    batch(tf.zeros(3), tf.zeros((3, 2)))
    with pytest.raises(InvalidArgumentError, match="assertion failed"):
        batch(tf.zeros(3), tf.zeros((4, 2)))
    with pytest.raises(InvalidArgumentError, match="Expected scalar shape"):
        tf.debugging.assert_scalar(X)
    with pytest.raises(InvalidTypeError, match="tensor must be of type tf.int32"):
        tf.debugging.assert_type(X, tf.int32)
    with pytest.raises(InvalidTypeError, match='Expected "x" to be integer type'):
        tf.debugging.assert_integer(X)


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")  # sqrt'(0) is inf on purpose
def test_check_numerics_eagerly_in_graphs_and_in_gradients():
    with pytest.raises(InvalidArgumentError, match="bad : Tensor had Inf values"):
        tf.debugging.check_numerics(tf.constant([1.0, np.inf]), "bad")
    with pytest.raises(InvalidArgumentError, match="Tensor had NaN and Inf values"):
        tf.debugging.check_numerics(tf.constant([np.nan, np.inf]), "both")
    f = tf.function(lambda a: tf.debugging.check_numerics(a, "msg here"))
    with pytest.raises(InvalidArgumentError, match="msg here : Tensor had NaN values"):
        f(tf.constant([1.0, np.nan]))
    x = tf.constant([0.0, 1.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(tf.sqrt(tf.debugging.check_numerics(x, "in")))
    with pytest.raises(InvalidArgumentError, match="detected in gradient. in : Tensor had Inf"):
        tape.gradient(y, x)
    with pytest.raises(InvalidArgumentError, match="check_numerics: the tensor must be "
                       "floating-point"):
        tf.debugging.check_numerics(tf.constant([1]), "ints")
    with pytest.raises(InvalidArgumentError, match="Tensor had NaN"):
        tf.debugging.assert_all_finite(tf.constant([np.nan]), "finite")


def test_an_assert_in_a_session_graph_runs_when_it_is_run():
    g = tf.Graph()
    with g.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [2])
        check = tf.debugging.assert_positive(x)
        y = x * 2.0
    with tf.compat.v1.Session(graph=g) as sess:
        assert sess.run(y, {x: [-1.0, 1.0]}).tolist() == [-2.0, 2.0]  # not fetched: not run
        with pytest.raises(InvalidArgumentError, match="did not hold element-wise"):
            sess.run(check, {x: [-1.0, 1.0]})


def test_logging_streams(caplog):
    logger = logging.getLogger("graphflow.test")
    with caplog.at_level(logging.INFO, logger="graphflow.test"):
        tf.function(lambda x: tf.print("v =", x, output_stream=logger.info) or x)(tf.constant(4))
    assert [r.getMessage() for r in caplog.records] == ["v = 4"]
