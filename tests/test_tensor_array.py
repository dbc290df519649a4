"""tf.TensorArray: eager semantics (updated in place, clear_after_read), graph semantics (a new
array per write, unwritten elements read as zeros), element shapes, TF's errors, arrays as
while_loop variables, and gradients through writes, reads, stack/unstack, gather/scatter."""
import numpy as np
import pytest

import graphflow as tf
from graphflow.errors import InvalidArgumentError, OutOfRangeError
from control_flow_cases import assert_modes


def test_eager_array_is_updated_in_place_and_clears_after_read():
    ta = tf.TensorArray(tf.float32, size=3)
    ta.write(0, 1.0)  # the result is ignored, as TF's eager arrays allow
    np.testing.assert_array_equal(ta.stack().numpy(), [1.0, 0.0, 0.0])
    ta = tf.TensorArray(tf.float32, size=2).write(0, 1.0).write(1, 2.0)
    assert float(ta.read(1)) == 2.0
    with pytest.raises(InvalidArgumentError, match="Could not read index 1 twice"):
        ta.read(1)
    keep = tf.TensorArray(tf.float32, size=1, clear_after_read=False).write(0, 5.0)
    assert float(keep.read(0)) == float(keep.read(0)) == 5.0


def test_methods_match_tf():
    ta = tf.TensorArray(tf.float32, size=3).unstack([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(ta.gather([2, 0]).numpy(), [3.0, 1.0])
    sc = tf.TensorArray(tf.float32, size=3).scatter([2, 0], [5.0, 6.0])
    np.testing.assert_array_equal(sc.stack().numpy(), [6.0, 0.0, 5.0])
    cat = tf.TensorArray(tf.float32, size=2, infer_shape=False).write(0, [1.0]).write(1, [2.0, 3.0])
    np.testing.assert_array_equal(cat.concat().numpy(), [1.0, 2.0, 3.0])
    grown = tf.TensorArray(tf.float32, size=0, dynamic_size=True).write(3, 1.0)
    np.testing.assert_array_equal(grown.stack().numpy(), [0.0, 0.0, 0.0, 1.0])
    assert int(grown.size()) == 4
    assert tf.TensorArray(tf.float32, size=2).write(0, [1.0, 2.0]).element_shape == (2,)
    assert tf.TensorArray(tf.float32, size=0, element_shape=[2]).stack().shape == (0, 2)
    sp = tf.TensorArray(tf.float32, size=2, infer_shape=False).split([1.0, 2.0, 3.0], [1, 2])
    np.testing.assert_array_equal(sp.read(1).numpy(), [2.0, 3.0])


def test_errors_match_tf():
    with pytest.raises(OutOfRangeError, match="Tried to write to index 2 but array is not "
                       "resizeable and size is: 2"):
        tf.TensorArray(tf.float32, size=2).write(2, 3.0)
    with pytest.raises(InvalidArgumentError, match="TensorArray dtype is float32 but Op is "
                       "trying to write dtype int32"):
        tf.TensorArray(tf.float32, size=2).write(0, tf.constant(1))
    with pytest.raises(InvalidArgumentError, match=r"Incompatible shape for value \(\(2,\)\), "
                       r"expected \(\(1,\)\)"):
        tf.TensorArray(tf.float32, size=2).write(0, [1.0]).write(1, [1.0, 2.0])
    with pytest.raises(InvalidArgumentError, match="Cannot unstack 3 tensors into a "
                       "TensorArray of static size 2"):
        tf.TensorArray(tf.float32, size=2).unstack([1.0, 2.0, 3.0])
    with pytest.raises(OutOfRangeError, match="Tried to read from index 3 but array size is: 1"):
        tf.TensorArray(tf.float32, size=1).write(0, 1.0).read(3)
    with pytest.raises(InvalidArgumentError, match="Size must be provided"):
        tf.TensorArray(tf.float32)
    f = tf.function(lambda: tf.TensorArray(tf.float32, size=2).write(3, 1.0).stack())
    with pytest.raises(OutOfRangeError, match="not resizeable"):
        f()


def _squares(n):
    ta = tf.TensorArray(tf.float32, size=n)
    _, ta = tf.while_loop(lambda i, ta: i < n,
                          lambda i, ta: (i + 1, ta.write(i, tf.cast(i * i, tf.float32) * tf.ones([2]))),
                          (0, ta))
    return ta.stack()


def test_array_as_a_loop_variable_every_way_it_runs():
    assert_modes(_squares, [np.int32(4)], (np.arange(4.0) ** 2)[:, None] * np.ones((1, 2)))


def test_static_shapes_after_the_loop():
    dynamic = tf.function(_squares).get_concrete_function(tf.TensorSpec([], tf.int32))
    assert dynamic.outputs[0].shape.as_list() == [None, 2]  # TF: (None, 2)

    @tf.function
    def static():
        ta = tf.TensorArray(tf.float32, size=3)
        _, ta = tf.while_loop(lambda i, ta: i < 3, lambda i, ta: (i + 1, ta.write(i, tf.ones([2]))),
                              (0, ta))
        return ta.stack(), ta.read(0), ta.size()
    stack, first, size = static.get_concrete_function().outputs
    assert stack.shape == (3, 2) and first.shape == (2,) and size.shape == ()
    out = static()
    assert int(out[2]) == 3 and out[0].shape == (3, 2)


def test_graph_mode_reads_are_not_cleared_and_writes_may_repeat():
    @tf.function
    def f():
        ta = tf.TensorArray(tf.float32, size=2).write(0, 1.0).write(0, 2.0)
        return ta.read(0), ta.read(0), ta.stack()
    a, b, s = f()
    assert float(a) == float(b) == 2.0
    np.testing.assert_array_equal(s.numpy(), [2.0, 0.0])


def _rnn(x, w, u, b):
    """h_t = tanh(x_t @ w + h_{t-1} @ u + b) over the time axis, with TensorArrays."""
    steps = tf.shape(x)[0]
    xs = tf.TensorArray(x.dtype, size=steps).unstack(x)
    out = tf.TensorArray(x.dtype, size=steps)

    def body(t, h, out):
        h = tf.tanh(tf.matmul(xs.read(t), w) + tf.matmul(h, u) + b)
        return t + 1, h, out.write(t, h)
    h0 = tf.zeros([x.shape[1], w.shape[1]], x.dtype)
    _, h, out = tf.while_loop(lambda t, h, o: t < steps, body, (0, h0, out))
    return tf.reduce_sum(out.stack() * out.stack()) + tf.reduce_sum(h)


def _unrolled(x, w, u, b):
    h = tf.zeros([x.shape[1], w.shape[1]], x.dtype)
    outs = []
    for t in range(x.shape[0]):
        h = tf.tanh(tf.matmul(x[t], w) + tf.matmul(h, u) + b)
        outs.append(h)
    return tf.reduce_sum(tf.stack(outs) * tf.stack(outs)) + tf.reduce_sum(h)


@pytest.mark.parametrize("how", ["eager", "function", "reference", "around function"])
def test_rnn_gradients_through_tensor_arrays_match_the_unrolled_graph(how):
    rng = np.random.default_rng(0)
    args = [rng.standard_normal(s) * 0.5 for s in [(4, 2, 3), (3, 3), (3, 3), (3,)]]
    tensors = [tf.constant(a) for a in args]
    with tf.GradientTape() as tape:
        tape.watch(tensors)
        want = _unrolled(*tensors)
    expected = tape.gradient(want, tensors)
    if how in ("function", "reference"):
        @tf.function(backend="reference" if how == "reference" else None)
        def grad(*xs):
            with tf.GradientTape() as tape:
                tape.watch(xs)
                y = _rnn(*xs)
            return y, tape.gradient(y, list(xs))
        got, grads = grad(*tensors)
    else:
        fn = tf.function(_rnn) if how == "around function" else _rnn
        with tf.GradientTape() as tape:
            tape.watch(tensors)
            got = fn(*tensors)
        grads = tape.gradient(got, tensors)
    np.testing.assert_allclose(float(got), float(want), rtol=1e-10)
    for g, e in zip(grads, expected):
        np.testing.assert_allclose(g.numpy(), e.numpy(), rtol=1e-9, atol=1e-12)


def test_gradients_through_gather_scatter_and_concat():
    x = tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], tf.float64)
    v = tf.constant([[0.5, 0.25]], tf.float64)
    with tf.GradientTape() as tape:
        tape.watch([x, v])
        ta = tf.TensorArray(tf.float64, size=3).unstack(x).scatter([1], v)
        y = tf.reduce_sum(ta.gather([1, 2, 1]) * tf.constant([[1.0], [2.0], [3.0]], tf.float64))
    gx, gv = tape.gradient(y, [x, v])
    np.testing.assert_array_equal(gx.numpy(), [[0, 0], [0, 0], [2, 2]])  # row 1 was overwritten
    np.testing.assert_array_equal(gv.numpy(), [[4, 4]])                  # read twice: 1 + 3


def test_tensor_array_in_a_session_graph():
    g = tf.Graph()
    with g.as_default():
        n = tf.compat.v1.placeholder(tf.int32, [])
        stacked = _squares(n)
    with tf.compat.v1.Session(graph=g) as sess:
        np.testing.assert_array_equal(sess.run(stacked, {n: 3})[:, 0], [0.0, 1.0, 4.0])
