"""Variables (issue 16): sliced assignment, scatter methods, constraint, aggregation and
synchronization, eagerly, in tf.function and in compat.v1 graphs. Behaviour checked against
TF 2.21: slices broadcast the value, list indices are refused, slices have no assign_add."""
import numpy as np
import pytest

import graphflow as tf
from graphflow import keras
from graphflow.errors import InvalidArgumentError


def test_sliced_assign_eager():
    v = tf.Variable([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert v[0, 1].assign(9.0) is v
    v[:, 0].assign(5.0)  # broadcast into the slice, as TF does
    v[:, 2].assign([7.0, 8.0])
    v[1, ::-2].assign(tf.constant([0.5, 0.25]))
    v[..., 1:2].assign([[1.0], [2.0]])
    np.testing.assert_array_equal(v.numpy(), [[5.0, 1.0, 7.0], [0.25, 2.0, 0.5]])
    v[-1].assign(v[-1] + 1.0)
    np.testing.assert_array_equal(v.numpy()[1], [1.25, 3.0, 1.5])
    assert not hasattr(v[0], "assign_add")  # TF's slices only offer assign


def test_sliced_assign_errors_name_the_variable():
    v = tf.Variable(np.zeros((2, 3), np.float32), name="w")
    with pytest.raises(InvalidArgumentError, match=r"'w:0'.*shape \(3,\).*\[2\]"):
        v[:, 0].assign([1.0, 2.0, 3.0])
    with pytest.raises(InvalidArgumentError, match="gather"):
        v[[0, 1]].assign(tf.zeros((2, 3)))
    with pytest.raises(InvalidArgumentError, match="out of range"):
        v[5].assign(1.0)


def test_slices_read_like_tensors_and_keep_gradients():
    x = tf.Variable([1.0, 2.0, 3.0])
    with tf.GradientTape() as tape:
        y = x[0] * 3.0 + tf.reduce_sum(x[1:] * tf.constant([1.0, 2.0]))
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [3.0, 1.0, 2.0])
    assert isinstance(x[0], tf.Tensor) and repr(x[0]).startswith("<tf.Tensor")


def test_sliced_assign_in_function_and_v1_graph():
    v = tf.Variable(np.zeros((2, 2), np.float32))

    @tf.function
    def f(x):
        v[1, 0].assign(x)
        v[0].assign(v[0] + x)
        return v[1]
    np.testing.assert_array_equal(f(tf.constant(4.0)).numpy(), [4.0, 0.0])
    np.testing.assert_array_equal(v.numpy(), [[4.0, 4.0], [4.0, 0.0]])
    g = tf.Graph()
    with g.as_default():
        w = tf.Variable([1.0, 2.0, 3.0])
        op = w[1:].assign([7.0, 8.0])
        init = tf.compat.v1.global_variables_initializer()
    with tf.compat.v1.Session(graph=g) as sess:
        sess.run(init)
        sess.run(op)
        np.testing.assert_array_equal(sess.run(w), [1.0, 7.0, 8.0])


def test_scatter_methods():
    w = tf.Variable([1.0, 2.0, 3.0, 4.0])
    assert w.scatter_nd_update([[1], [3]], [10.0, 30.0]) is w
    w.scatter_nd_add([[0]], [5.0])
    w.scatter_nd_sub([[0]], [1.0])
    np.testing.assert_array_equal(w.numpy(), [5.0, 10.0, 3.0, 30.0])
    w.scatter_update(tf.IndexedSlices([7.0, 8.0], [0, 2]))
    w.scatter_add(tf.IndexedSlices([1.0, 1.0], [0, 2]))
    w.scatter_sub(tf.IndexedSlices([0.5], [1]))
    w.scatter_max(tf.IndexedSlices([100.0], [3]))
    w.scatter_min(tf.IndexedSlices([0.0], [3]))
    np.testing.assert_array_equal(w.numpy(), [8.0, 9.5, 9.0, 0.0])
    m = tf.Variable(np.zeros((3, 2), np.float32))
    m.scatter_update(tf.IndexedSlices([[1.0, 2.0]], [2]))
    np.testing.assert_array_equal(m.numpy()[2], [1.0, 2.0])
    with pytest.raises(InvalidArgumentError, match="IndexedSlices"):
        m.scatter_update([[1.0, 2.0]])
    with pytest.raises(InvalidArgumentError):
        w.scatter_nd_update([[9]], [1.0])  # out of range, named by tensor_scatter_nd_update


def test_compat_v1_scatter_functions():
    tf1 = tf.compat.v1
    v = tf.Variable([1.0, 2.0, 3.0])
    tf1.scatter_update(v, [0], [9.0])
    tf1.scatter_add(v, [1, 1], [1.0, 1.0])  # duplicates add up
    tf1.scatter_nd_update(v, [[2]], [0.0])
    np.testing.assert_array_equal(v.numpy(), [9.0, 4.0, 0.0])


def test_constraint_aggregation_synchronization():
    clip = lambda x: tf.clip_by_value(x, 0.0, 1.0)  # noqa: E731
    c = tf.Variable([5.0, -3.0], constraint=clip)
    assert c.constraint is clip
    np.testing.assert_array_equal(c.numpy(), [5.0, -3.0])  # TF does not apply it on creation
    c.assign([2.0, 2.0])
    np.testing.assert_array_equal(c.numpy(), [2.0, 2.0])   # nor on assign: optimizers do
    keras.optimizers.SGD(0.5).apply_gradients([(tf.constant([1.0, 10.0]), c)])
    np.testing.assert_array_equal(c.numpy(), [1.0, 0.0])
    with pytest.raises(InvalidArgumentError, match="callable"):
        tf.Variable(1.0, constraint=3)
    a = tf.Variable(1.0, aggregation=tf.VariableAggregation.MEAN,
                    synchronization=tf.VariableSynchronization.ON_READ)
    assert a.aggregation is tf.VariableAggregation.MEAN and not a.trainable
    b = tf.Variable(1.0)
    assert b.aggregation is tf.VariableAggregation.NONE and b.trainable
    assert b.synchronization is tf.VariableSynchronization.AUTO
    assert tf.Variable(1.0, trainable=False, validate_shape=True).trainable is False


def test_sliced_assign_on_a_gpu_variable():
    if not tf.config.list_physical_devices("GPU"):
        pytest.skip("no (simulated) GPU")
    with tf.device("/GPU:0"):
        v = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
        assert "GPU" in v[0].device
        v[0, 1].assign(9.0)
        v.scatter_nd_update([[1, 0]], [7.0])
        np.testing.assert_array_equal((v[1] * 2).numpy(), [14.0, 8.0])
    np.testing.assert_array_equal(v.numpy(), [[1.0, 9.0], [7.0, 4.0]])
