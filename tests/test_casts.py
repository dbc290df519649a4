"""tf.saturate_cast (a composite of clip_by_value and cast) against values TF 2.21 returns,
and the tf.dtypes namespace; bitcast and unravel_index are checked by the registry harness."""
import numpy as np
import pytest

import graphflow as tf

# (input, input dtype, target dtype, expected): the expected values are what TF 2.21 returned
CASES = [
    ([300.0, -5.0, 1e10, float("nan")], "float32", "uint8", [255, 0, 255, 0]),
    ([3e9, -3e9], "float32", "int32", [2147483520, -2147483648]),  # float32 holds no 2**31 - 1
    ([-1, 300], "int32", "uint8", [0, 255]),
    ([1e300], "float64", "float32", [3.4028235e38]),
    ([1e6], "float32", "float16", [65504.0]),
    ([2 ** 40, -2 ** 40], "int64", "int32", [2147483647, -2147483648]),
    ([200], "uint8", "int8", [127]),
    ([1.7, -1.7], "float32", "int32", [1, -1]),
    ([float("inf"), float("-inf")], "float32", "float32", [3.4028235e38, -3.4028235e38]),
]


@pytest.mark.parametrize("values,src,dst,expected", CASES)
def test_saturate_cast_matches_tf(values, src, dst, expected):
    out = tf.saturate_cast(tf.constant(np.array(values, dtype=src)), dst)
    assert out.dtype.name == dst
    np.testing.assert_array_equal(out.numpy(), np.array(expected, dtype=dst))


def test_saturate_cast_of_an_integer_to_float_keeps_the_value():
    # TF 2.21 computes int64's bound through float64, overflows, and returns -9.2e18 here
    out = tf.saturate_cast(tf.constant([5, -(2 ** 62)], tf.int64), tf.float32)
    np.testing.assert_array_equal(out.numpy(), np.array([5.0, -(2.0 ** 62)], np.float32))


def test_saturate_cast_in_a_function_and_its_gradient():
    f = tf.function(lambda x: tf.saturate_cast(x * 100.0, tf.uint8))
    np.testing.assert_array_equal(f(tf.constant([0.5, 3.0, -1.0])).numpy(), [50, 255, 0])
    x = tf.constant([1.0, 2.0, 1e40], tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(tf.saturate_cast(x, tf.float32))
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [1.0, 1.0, 0.0])  # clamped: 0


def test_saturate_cast_rejects_bool_and_string():
    for value, dtype in ((tf.constant([True]), tf.int32), (tf.constant([1.0]), tf.bool),
                         (tf.constant(["a"]), tf.int32)):
        with pytest.raises(TypeError, match="saturate_cast: the .* dtype must be numeric"):
            tf.saturate_cast(value, dtype)


def test_dtypes_namespace_holds_the_casts():
    assert tf.dtypes.cast(tf.constant([1.5]), tf.int32).numpy().tolist() == [1]
    assert tf.dtypes.saturate_cast(tf.constant([-3]), tf.uint8).numpy().tolist() == [0]


def test_bitcast_and_unravel_index_errors_name_the_op():
    with pytest.raises(tf.errors.InvalidArgumentError, match="bitcast: Cannot bitcast from 1 to 4"):
        tf.bitcast(tf.constant([1, 2, 3], tf.uint8), tf.int32)
    with pytest.raises(tf.errors.InvalidArgumentError, match="bitcast: dtype string"):
        tf.bitcast(tf.constant(["a"]), tf.int32)
    with pytest.raises(tf.errors.InvalidArgumentError, match="index is out of bound"):
        tf.unravel_index([6], [2, 3])
    with pytest.raises(tf.errors.InvalidArgumentError, match="can only be scalar or vector"):
        tf.unravel_index([[1]], [2, 3])
