"""tf.py_function / tf.numpy_function (every mode, gradients, tf.data, errors) and
tf.control_dependencies / no_op / group / tuple / init_scope (what a Session runs), checked
against TensorFlow 2.21's behaviour (tests/tf_programs/script_ops_and_control_deps.py runs under
both)."""
import threading

import numpy as np
import pytest

import graphflow as tf
from graphflow.errors import InvalidArgumentError, UnknownError
from control_flow_cases import _check_grad, assert_modes

X = np.array([[1.0, -2.0], [0.5, 3.0]])


# -- py_function / numpy_function ----------------------------------------------------------------

def test_py_function_in_every_mode():
    def f(x):
        y = tf.py_function(lambda a: tf.sin(a) * 2.0, [x], tf.float64)
        y.set_shape(x.shape)
        return y + 1.0
    assert_modes(f, [X], np.sin(X) * 2 + 1)
    assert_modes(lambda x: tf.numpy_function(lambda a: np.sort(a, axis=1), [x], tf.float64),
                 [X], np.sort(X, axis=1))


def test_several_outputs_and_python_values():
    a, b = tf.py_function(lambda t: (t * 2.0, tf.reduce_sum(t)), [tf.constant(X)],
                          [tf.float64, tf.float64])
    np.testing.assert_array_equal(a.numpy(), X * 2)
    assert float(b) == X.sum()
    assert tf.py_function(lambda t: (t,), [tf.constant(1.0)], (tf.float32,))[0].dtype == tf.float32
    assert int(tf.py_function(lambda t: 3, [tf.constant(1.0)], tf.int32)) == 3
    assert tf.py_function(lambda t: [], [tf.constant(1.0)], []) == []
    assert tf.numpy_function(lambda t: np.array(["x", "yy"]), [tf.constant(1.0)],
                             tf.string).numpy().tolist() == [b"x", b"yy"]


def test_py_function_gradients_eager_and_traced():
    _check_grad(lambda x: tf.reduce_sum(tf.py_function(lambda a: a * a * tf.cos(a), [x],
                                                       tf.float64)), [X.copy()])
    v = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.py_function(lambda a: a * a, [v], tf.float32))
    np.testing.assert_array_equal(tape.gradient(y, v).numpy(), [2.0, 4.0])

    @tf.function
    def cubed_grad(a):
        with tf.GradientTape() as tape:
            tape.watch(a)
            y = tf.reduce_sum(tf.py_function(lambda t: t * t * t, [a], tf.float32))
        return tape.gradient(y, a)
    np.testing.assert_array_equal(cubed_grad(tf.constant([1.0, 2.0])).numpy(), [3.0, 12.0])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.numpy_function(lambda a: a * a, [v], tf.float32))
    assert tape.gradient(y, v) is None  # numpy_function is not differentiable, as in TF


def test_in_dataset_map_with_parallel_calls():
    ds = tf.data.Dataset.range(20).map(
        lambda i: tf.py_function(lambda j: j * 10, [i], tf.int64), num_parallel_calls=4)
    assert list(ds.as_numpy_iterator()) == [i * 10 for i in range(20)]
    words = tf.data.Dataset.from_tensor_slices(["a", "bc", "def"]).map(
        lambda s: tf.numpy_function(lambda t: np.int64(len(t)), [s], tf.int64))
    assert list(words.as_numpy_iterator()) == [1, 2, 3]  # a scalar string arrives as bytes


def test_side_effect_only_py_function_runs_every_call_of_a_function():
    calls = []

    @tf.function
    def f(x):
        tf.py_function(lambda t: calls.append(float(t)), [x], [])
        return x * 2.0
    f(tf.constant(1.0))
    f(tf.constant(2.0))
    assert calls == [1.0, 2.0]


def test_py_function_runs_eagerly_inside_a_session_run_under_as_default():
    g = tf.Graph()
    with g.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [2])
        y = tf.py_function(lambda a: a + tf.constant(1.0), [x], tf.float32)
        with tf.compat.v1.Session(graph=g) as sess:  # the thread still builds into g here
            np.testing.assert_array_equal(sess.run(y, {x: [1.0, 2.0]}), [2.0, 3.0])


def test_py_function_from_threads():
    @tf.function
    def f(x):
        return tf.py_function(lambda a: a * 3.0, [x], tf.float32)
    results, errors = {}, []

    def work(k):
        try:
            results[k] = float(f(tf.constant(float(k))))
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)
    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and results == {k: 3.0 * k for k in range(8)}


def test_script_op_errors():
    x = tf.constant([1.0, 2.0])
    with pytest.raises(InvalidArgumentError, match="0-th value returned by <lambda> is int32, "
                                                   "but expects float32"):
        tf.py_function(lambda a: tf.cast(a, tf.int32), [x], tf.float32)
    with pytest.raises(InvalidArgumentError, match="returns 1 values, but expects to see 2"):
        tf.py_function(lambda a: a, [x], [tf.float32, tf.float32])
    with pytest.raises(UnknownError, match="ZeroDivisionError: division by zero") as info:
        tf.py_function(lambda a: 1 / 0, [x], tf.float32)
    assert isinstance(info.value.__cause__, ZeroDivisionError)
    with pytest.raises(UnknownError, match="ZeroDivisionError"):
        tf.function(lambda a: tf.numpy_function(lambda t: 1 / 0, [a], tf.float32))(x)
    with pytest.raises(TypeError, match="Missing required argument: 'Tout'"):
        tf.py_function(lambda a: a, [x])
    with pytest.raises(TypeError, match="func must be callable"):
        tf.numpy_function(3, [x], tf.float32)


# -- control dependencies ------------------------------------------------------------------------

def _session_graph():
    g = tf.Graph()
    with g.as_default():
        v = tf.compat.v1.Variable(0.0)
        w = tf.compat.v1.Variable(0.0)
        init = tf.compat.v1.global_variables_initializer()
    return g, v, w, init


def test_a_session_runs_the_control_inputs_of_what_it_fetches():
    g, v, w, init = _session_graph()
    with g.as_default():
        step = v.assign_add(1.0)
        with tf.control_dependencies([step]):
            seen = tf.identity(v.read_value())
            doubled = seen * 2.0  # inside the scope: waits for step too
        unrelated = tf.identity(v.read_value())
    with tf.compat.v1.Session(graph=g) as sess:
        sess.run(init)
        assert sess.run(seen) == 1.0 and sess.run(seen) == 2.0
        assert sess.run(doubled) == 6.0
        assert sess.run(unrelated) == 3.0 and sess.run(unrelated) == 3.0


def test_group_tuple_and_nested_scopes():
    g, v, w, init = _session_graph()
    with g.as_default():
        both = tf.group(v.assign_add(1.0), w.assign_add(10.0))
        bump = v.assign_add(100.0)
        a, b = tf.tuple([v.read_value(), w.read_value()], control_inputs=[bump])
        with tf.control_dependencies([v.assign_add(1000.0)]):
            with tf.control_dependencies([w.assign_add(1000.0)]):
                nested = tf.identity(w.read_value())
            with tf.control_dependencies(None):
                cleared = tf.identity(w.read_value())
    with tf.compat.v1.Session(graph=g) as sess:
        sess.run(init)
        assert sess.run(both) is None
        assert sess.run([v, w]) == [1.0, 10.0]
        assert sess.run(a) == 101.0
        assert sess.run(nested) == 1010.0 and sess.run(v) == 1101.0
        assert sess.run(cleared) == 1010.0 and sess.run(v) == 1101.0


def test_a_fed_tensor_cuts_the_control_closure():
    g, v, w, init = _session_graph()
    with g.as_default():
        with tf.control_dependencies([v.assign_add(1.0)]):
            mid = tf.identity(w.read_value())
        out = mid + 1.0
    with tf.compat.v1.Session(graph=g) as sess:
        sess.run(init)
        assert sess.run(out, {mid: 5.0}) == 6.0 and sess.run(v) == 0.0
        assert sess.run(out) == 1.0 and sess.run(v) == 1.0


def test_control_dependencies_eagerly_and_in_functions():
    calls = []
    with tf.control_dependencies([lambda: calls.append(1)]):
        assert float(tf.constant(1.0) + 1.0) == 2.0
    assert calls == [1]  # eagerly, callables are called, as in TF
    assert tf.no_op() is None and tf.group(tf.constant(1.0)) is None

    @tf.function
    def checked(x):
        with tf.control_dependencies([tf.debugging.assert_positive(x)]):
            return tf.identity(x)
    assert float(checked(tf.constant(2.0))) == 2.0
    with pytest.raises(InvalidArgumentError):
        checked(tf.constant(-2.0))
    g = tf.Graph()
    with g.as_default(), pytest.raises(TypeError, match="Control input must be Operation or Tensor"):
        with tf.control_dependencies([3.0]):
            pass


def test_init_scope_lifts_out_of_a_function_trace():
    made = []

    @tf.function
    def f(x):
        with tf.init_scope():
            if not made:
                made.append(tf.Variable(2.0))
            eager = tf.executing_eagerly()
        return x * made[0], eager
    y, eager = f(tf.constant(3.0))
    assert float(y) == 6.0 and bool(eager)
    assert isinstance(made[0].numpy(), np.floating)
    assert tf.get_logger().name == "graphflow"
