"""tf.map_fn, tf.scan, tf.foldl, tf.foldr, tf.vectorized_map and tf.nest: results against NumPy
in every mode (eager, traced on the reference interpreter, compiled, compat.v1 Session),
gradients against finite differences, and TensorFlow 2.21's errors (checked against TF outside
CI: tests/tf_programs/functional_ops.py runs under both)."""
import collections

import numpy as np
import pytest

import graphflow as tf
from graphflow.errors import InvalidArgumentError, OutOfRangeError
from control_flow_cases import _check_grad, assert_modes

X = np.arange(1.0, 7.0).reshape(3, 2)


# -- map_fn --------------------------------------------------------------------------------------

def test_map_fn_in_every_mode():
    assert_modes(lambda x: tf.map_fn(lambda r: r * 2.0 + 1.0, x), [X], X * 2 + 1)
    assert_modes(lambda x: tf.map_fn(tf.reduce_sum, x), [X], X.sum(1))
    assert_modes(lambda x: tf.map_fn(lambda r: tf.cast(r > 3.0, tf.int32), x,
                                     fn_output_signature=tf.int32), [X], (X > 3).astype(np.int32))


def test_map_fn_structures():
    assert_modes(lambda x: tf.map_fn(lambda t: t[0] * t[1], (x, x + 1.0),
                                     fn_output_signature=tf.float64), [X], X * (X + 1))
    assert_modes(lambda x: tf.map_fn(lambda r: (r[0], r * 2.0), x,
                                     fn_output_signature=(tf.float64, tf.float64)),
                 [X], (X[:, 0], X * 2))
    assert_modes(lambda x: tf.map_fn(lambda d: d["a"] - d["b"], {"a": x, "b": x * 3.0},
                                     fn_output_signature=tf.TensorSpec([2], tf.float64)),
                 [X], -2 * X)


def test_map_fn_with_unknown_length_keeps_the_element_shape():
    @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32)])
    def doubled(x):
        return tf.map_fn(lambda r: r * 2.0, x)
    out = doubled.get_concrete_function().structured_outputs
    assert out.shape.as_list() == [None, 2]
    np.testing.assert_array_equal(doubled(X.astype(np.float32)).numpy(), X * 2)


def test_map_fn_empty_and_numpy_inputs():
    empty = tf.map_fn(lambda r: r * 2.0, tf.zeros([0, 2]))
    assert empty.shape == (0,)  # as TF: the element shape is unknown without a signature
    out = tf.map_fn(lambda r: r * 2.0, np.array([1.0, 2.0]))
    assert out.dtype == tf.float64
    np.testing.assert_array_equal(out.numpy(), [2.0, 4.0])


def test_map_fn_gradients():
    w = np.array([[0.5, -1.5], [2.0, 1.0], [-0.3, 0.7]])
    _check_grad(lambda x: tf.reduce_sum(tf.map_fn(lambda r: tf.sin(r) * r, x) * w), [X.copy()])
    v = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = tf.map_fn(lambda r: tf.reduce_sum(r * v), tf.constant(X, tf.float32))
    assert float(tape.gradient(y, v)) == pytest.approx(X.sum())


def test_map_fn_errors_match_tf():
    x = tf.constant(X)
    with pytest.raises(InvalidArgumentError, match="TensorArray dtype is float64 but Op is "
                                                   "trying to write dtype int32"):
        tf.map_fn(lambda r: tf.cast(r, tf.int32), x)
    with pytest.raises(ValueError, match="don't have the same nested structure"):
        tf.map_fn(lambda r: (r, r), x)
    with pytest.raises(InvalidArgumentError, match="not scalars"):
        tf.map_fn(lambda r: r, tf.constant(3.0))
    with pytest.raises(InvalidArgumentError, match="Dimensions 3 and 2 are not compatible"):
        tf.map_fn(lambda t: t[0], (x, tf.zeros([2])))
    with pytest.raises(InvalidArgumentError, match="does not contain any Tensors"):
        tf.map_fn(lambda t: t, [])
    with pytest.raises(InvalidArgumentError, match=r"Incompatible shape for value \(\(3,\)\), "
                                                   r"expected \(\(1,\)\)"):
        tf.map_fn(lambda r: tf.range(tf.cast(r[0], tf.int32)), tf.constant([[1.0], [3.0]]),
                  fn_output_signature=tf.int32)
    with pytest.raises(TypeError, match="fn must be callable"):
        tf.map_fn(3, x)
    with pytest.raises(TypeError, match="fn_output_signature"):
        tf.map_fn(lambda r: r, x, fn_output_signature="not a dtype")


# -- scan and the folds --------------------------------------------------------------------------

def test_scan_in_every_mode():
    assert_modes(lambda x: tf.scan(lambda a, r: a + r, x), [X], np.cumsum(X, axis=0))
    assert_modes(lambda x: tf.scan(lambda a, r: a + r, x, reverse=True), [X],
                 np.cumsum(X[::-1], axis=0)[::-1])
    assert_modes(lambda x: tf.scan(lambda a, r: a * 0.5 + tf.reduce_sum(r), x,
                                   initializer=tf.constant(1.0, tf.float64)),
                 [X], np.array([3.5, 8.75, 15.375]))
    assert_modes(lambda x: tf.scan(lambda a, r: (a[0] + r, a[1] * 2.0), x,
                                   initializer=(tf.zeros([2], tf.float64),
                                                tf.ones([2], tf.float64))),
                 [X], (np.cumsum(X, axis=0), np.array([[2.0] * 2, [4.0] * 2, [8.0] * 2])))


def test_folds_in_every_mode():
    assert_modes(lambda x: tf.foldl(lambda a, r: a - r, x), [X], X[0] - X[1] - X[2])
    assert_modes(lambda x: tf.foldr(lambda a, r: a - r, x), [X], X[2] - X[1] - X[0])
    assert_modes(lambda x: tf.foldl(lambda a, r: a * 2.0 + tf.reduce_sum(r), x,
                                    initializer=tf.constant(10.0, tf.float64)),
                 [X], np.array(((10 * 2 + 3) * 2 + 7) * 2 + 11.0))
    assert int(tf.foldl(lambda a, x: a - x, tf.constant([1, 2, 3]))) == -4
    assert int(tf.foldr(lambda a, x: a - x, tf.constant([1, 2, 3]))) == 0


def test_scan_gradients():
    w = np.array([[0.5, -1.5], [2.0, 1.0], [-0.3, 0.7]])
    _check_grad(lambda x: tf.reduce_sum(tf.scan(lambda a, r: tf.tanh(a) * r + r, x) * w),
                [X.copy() / 4])
    _check_grad(lambda x: tf.foldr(lambda a, r: a * tf.reduce_sum(r), x,
                                   initializer=tf.constant(1.0, tf.float64)), [X.copy() / 4])


def test_scan_errors_match_tf():
    with pytest.raises(OutOfRangeError, match="Tried to read from index 0 but array size is: 0"):
        tf.scan(lambda a, r: a + r, tf.zeros([0, 2]))
    with pytest.raises(OutOfRangeError, match="Tried to read from index 0"):
        tf.foldl(lambda a, r: a + r, tf.zeros([0, 2]))
    with pytest.raises(ValueError, match="don't have the same nested structure"):
        tf.scan(lambda a, r: (a, a), tf.constant(X))


def test_vectorized_map():
    assert_modes(lambda x: tf.vectorized_map(lambda r: tf.cast(r > 2.0, tf.int32), x), [X],
                 (X > 2).astype(np.int32))
    assert_modes(lambda x: tf.vectorized_map(lambda r: {"s": tf.reduce_sum(r), "r": r[::-1]}, x),
                 [X], {"s": X.sum(1), "r": X[:, ::-1]})


# -- tf.nest ---------------------------------------------------------------------------------------

P = collections.namedtuple("P", "x y")


def test_nest_flatten_and_pack_match_tf():
    assert tf.nest.flatten(None) == [None]
    assert tf.nest.flatten({"b": 1, "a": (2, [3, None])}) == [2, 3, None, 1]
    assert tf.nest.flatten(P(1, [2])) == [1, 2]
    assert tf.nest.flatten("abc") == ["abc"] and tf.nest.flatten({1, 2}) == [{1, 2}]
    assert tf.nest.flatten(collections.OrderedDict([("b", 1), ("a", 2)])) == [2, 1]
    assert tf.nest.pack_sequence_as({"b": 0, "a": [0, 0]}, [1, 3, 2]) == {"b": 2, "a": [1, 3]}
    packed = tf.nest.pack_sequence_as(collections.OrderedDict([("b", 1), ("a", 2)]), [7, 8])
    assert list(packed.items()) == [("b", 8), ("a", 7)]
    assert tf.nest.pack_sequence_as(P(0, 0), [1, 2]) == P(1, 2)
    assert tf.nest.pack_sequence_as([(), {}, [0]], [5]) == [(), {}, [5]]
    assert tf.nest.pack_sequence_as(0, [5]) == 5
    assert [tf.nest.is_nested(x) for x in ([], (), {}, 1, "a", None, P(1, 2), {1},
                                            tf.constant(1))] == [True] * 3 + [False] * 3 + \
        [True, False, False]


def test_nest_errors_match_tf():
    with pytest.raises(ValueError, match="Structure had 3 atoms, but flat_sequence had 2 items"):
        tf.nest.pack_sequence_as({"b": 0, "a": [0, 0]}, [1, 3])
    with pytest.raises(ValueError, match="However the input is a sequence"):
        tf.nest.pack_sequence_as(0, [5, 6])
    with pytest.raises(TypeError, match="Attempted to pack value"):
        tf.nest.pack_sequence_as([0], 5)
    with pytest.raises(TypeError, match="don't have the same sequence type"):
        tf.nest.map_structure(lambda a, b: a + b, (1, 2), [10, 20])
    assert tf.nest.map_structure(lambda a, b: a + b, (1, 2), [10, 20], check_types=False) == (11, 22)
    with pytest.raises(ValueError, match="don't have the same number of elements"):
        tf.nest.assert_same_structure((1, 2), (3, 4, 5))
    with pytest.raises(ValueError, match="don't have the same set of keys"):
        tf.nest.assert_same_structure({"a": 1}, {"b": 2})
    with pytest.raises(ValueError, match='Substructure "type=list str=\\[3\\]" is a sequence'):
        tf.nest.assert_same_structure(1, [3])
    with pytest.raises(TypeError, match="has type P, while second structure"):
        tf.nest.assert_same_structure(P(1, 2), (3, 4))
    tf.nest.assert_same_structure(P(1, 2), (3, 4), check_types=False)
    with pytest.raises(TypeError, match="func must be callable"):
        tf.nest.map_structure(3, [1])
    with pytest.raises(ValueError, match="Must provide at least one structure"):
        tf.nest.map_structure(lambda a: a)
    with pytest.raises(ValueError, match="Only valid keyword arguments"):
        tf.nest.map_structure(lambda a: a, [1], foo=1)
    with pytest.raises(TypeError, match="keys of a dict must be sortable"):
        tf.nest.flatten({1: 1, "a": 2})


def test_nest_error_draws_both_structures():
    with pytest.raises(TypeError) as info:
        tf.nest.assert_same_structure((1, 2), [3, 4])
    assert str(info.value).endswith("Entire first structure:\n(., .)\nEntire second structure:\n"
                                    "[., .]")


def test_nest_expand_composites_gives_ragged_components():
    rt = tf.ragged.constant([[1, 2], [3]])
    parts = tf.nest.flatten(rt, expand_composites=True)
    assert [p.numpy().tolist() for p in parts] == [[1, 2, 3], [0, 2, 3]]
    back = tf.nest.pack_sequence_as(rt, parts, expand_composites=True)
    assert back.to_list() == [[1, 2], [3]]
    assert tf.nest.flatten(rt) == [rt]
