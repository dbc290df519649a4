"""Top-level utilities (ops2): is_tensor, make_tensor_proto / make_ndarray, and
convert_to_tensor's dtype_hint, as TF 2.21 behaves."""
import numpy as np
import pytest

import graphflow as tf
from graphflow.errors import InvalidArgumentError


def test_is_tensor():
    assert tf.is_tensor(tf.constant(1.0)) and tf.is_tensor(tf.Variable(1.0))
    assert not any(tf.is_tensor(v) for v in (1.0, [1.0], np.ones(2), tf.TensorSpec([1])))
    seen = []

    @tf.function
    def f(x):
        seen.append(tf.is_tensor(x))
        return x

    f(tf.constant(1.0))
    assert seen == [True]  # symbolic tensors are tensors too


def test_make_tensor_proto_and_make_ndarray_round_trip():
    proto = tf.make_tensor_proto([[1, 2], [3, 4]])
    assert proto.dtype is tf.int32 and proto.tensor_shape == (2, 2)
    out = tf.make_ndarray(proto)
    np.testing.assert_array_equal(out, [[1, 2], [3, 4]])
    out[0, 0] = 9  # a copy: the proto keeps its values
    assert tf.make_ndarray(proto)[0, 0] == 1
    filled = tf.make_ndarray(tf.make_tensor_proto(1.5, dtype=tf.float64, shape=[2, 2]))
    assert filled.dtype == np.float64 and filled.shape == (2, 2) and np.all(filled == 1.5)
    assert tf.make_ndarray(tf.make_tensor_proto(tf.constant([1.0, 2.0]))).dtype == np.float32
    np.testing.assert_array_equal(tf.make_ndarray(tf.constant([3, 4])), [3, 4])
    with pytest.raises(InvalidArgumentError, match="expected a TensorProto"):
        tf.make_ndarray([1, 2])
    with pytest.raises(InvalidArgumentError, match="expected shape"):
        tf.make_tensor_proto([1, 2], shape=[3], verify_shape=True)


@pytest.mark.parametrize("value,hint,expected", [
    (1, tf.float32, tf.float32), ([1, 2], tf.float64, tf.float64),
    (np.array([1.0]), tf.float32, tf.float32), (np.array([1]), tf.float32, tf.float32),
    (1.0, tf.int32, tf.float32),        # not convertible: the hint is ignored
    (1, tf.bool, tf.int32),             # ints do not become bools
    (True, tf.bool, tf.bool), (2 ** 40, tf.int32, tf.int64),
])
def test_convert_to_tensor_dtype_hint(value, hint, expected):
    assert tf.convert_to_tensor(value, dtype_hint=hint).dtype is expected


def test_convert_to_tensor_hint_never_overrides_dtype_or_a_tensor():
    assert tf.convert_to_tensor(1, dtype=tf.int64, dtype_hint=tf.float32).dtype is tf.int64
    assert tf.convert_to_tensor(tf.Variable(1.0), dtype_hint=tf.int32).dtype is tf.float32
    with pytest.raises(InvalidArgumentError, match="requested float32"):
        tf.convert_to_tensor(tf.constant(1), dtype=tf.float32)
