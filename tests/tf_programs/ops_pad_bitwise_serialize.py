"""tf.pad's mirror modes (REFLECT, SYMMETRIC) with their gradient, tf.truncatediv and
tf.truncatemod, tf.bitwise and the integer operators, and tf.io.serialize_tensor /
parse_tensor (with TF's exact bytes), eagerly and inside tf.function."""
import numpy as np
import tensorflow as tf

x = tf.reshape(tf.range(6.0), (2, 3))
reflect = tf.pad(x, [[1, 1], [2, 2]], mode="REFLECT")
np.testing.assert_array_equal(reflect.numpy(), [[5, 4, 3, 4, 5, 4, 3], [2, 1, 0, 1, 2, 1, 0],
                                                [5, 4, 3, 4, 5, 4, 3], [2, 1, 0, 1, 2, 1, 0]])
symmetric = tf.pad(x, [[1, 1], [2, 2]], mode="symmetric")  # the mode is case-insensitive
np.testing.assert_array_equal(symmetric.numpy(), [[1, 0, 0, 1, 2, 2, 1], [1, 0, 0, 1, 2, 2, 1],
                                                  [4, 3, 3, 4, 5, 5, 4], [4, 3, 3, 4, 5, 5, 4]])
# constant_values only matters for CONSTANT
np.testing.assert_array_equal(tf.pad(x, [[0, 0], [1, 1]], "REFLECT", constant_values=9).numpy(),
                              [[1, 0, 1, 2, 1], [4, 3, 4, 5, 4]])
np.testing.assert_array_equal(tf.pad(tf.constant([["a", "b"]]), [[0, 0], [1, 0]], "SYMMETRIC").numpy(),
                              [[b"a", b"a", b"b"]])

v = tf.Variable(x)
weights = tf.reshape(tf.range(28.0), (4, 7))
for mode, expected in [("REFLECT", [[72, 102, 64], [44, 60, 36]]),
                       ("SYMMETRIC", [[20, 39, 32], [76, 123, 88]])]:
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.pad(v, [[1, 1], [2, 2]], mode=mode) * weights)
    np.testing.assert_array_equal(tape.gradient(loss, v).numpy(), expected)

for mode, paddings in [("REFLECT", [[2, 0], [0, 0]]), ("SYMMETRIC", [[3, 0], [0, 0]])]:
    try:
        tf.pad(x, paddings, mode=mode)
        raise AssertionError(f"{mode} padding wider than the input must fail")
    except tf.errors.InvalidArgumentError as e:
        assert "dimension size" in str(e), e
try:
    tf.pad(x, [[1, 1], [1, 1]], mode="EDGE")
    raise AssertionError("mode EDGE must fail")
except ValueError as e:
    assert "EDGE" in str(e)


@tf.function
def padded_sum(t):
    return tf.reduce_sum(tf.pad(t, [[1, 1], [1, 1]], mode="REFLECT"))


assert float(padded_sum(x)) == float(tf.reduce_sum(tf.pad(x, [[1, 1], [1, 1]], mode="REFLECT")))

# -- truncated division: toward zero (floordiv rounds down)
a, b = tf.constant([7, -7, 7, -7]), tf.constant([2, 2, -2, -2])
np.testing.assert_array_equal(tf.truncatediv(a, b).numpy(), [3, -3, -3, 3])
np.testing.assert_array_equal(tf.truncatemod(a, b).numpy(), [1, -1, 1, -1])
np.testing.assert_array_equal(tf.math.floordiv(a, b).numpy(), [3, -4, -4, 3])
np.testing.assert_allclose(tf.truncatediv(tf.constant([7.5, -7.5]), 2.0).numpy(), [3.0, -3.0])
np.testing.assert_allclose(tf.truncatemod(tf.constant([7.5, -7.5]), 2.0).numpy(), [1.5, -1.5])
q = tf.truncatediv(tf.constant([1.0, -1.0, 0.0]), tf.constant([0.0, 0.0, 0.0])).numpy()
assert q[0] == np.inf and q[1] == -np.inf and np.isnan(q[2])
assert int(tf.truncatediv(tf.constant([-2147483648]), tf.constant([-1]))[0]) == -2147483648
try:
    tf.truncatediv(tf.constant([1, 2]), tf.constant([1, 0]))
    raise AssertionError("integer division by zero must fail")
except Exception as e:  # noqa: BLE001 - TF 2.21 raises InternalError, graphflow InvalidArgumentError
    assert type(e).__name__ in ("InternalError", "InvalidArgumentError"), e
try:
    tf.truncatemod(tf.constant([1], tf.int8), tf.constant([1], tf.int8))
    raise AssertionError("TruncateMod has no int8 kernel")
except tf.errors.InvalidArgumentError:
    pass


@tf.function
def split_seconds(total):
    return tf.truncatediv(total, 60), tf.truncatemod(total, 60)


minutes, seconds = split_seconds(tf.constant([125, -125]))
np.testing.assert_array_equal(minutes.numpy(), [2, -2])
np.testing.assert_array_equal(seconds.numpy(), [5, -5])

# -- bitwise ops
i, j = tf.constant([12, -7, 0]), tf.constant([10, 3, -1])
np.testing.assert_array_equal(tf.bitwise.bitwise_and(i, j).numpy(), [8, 1, 0])
np.testing.assert_array_equal(tf.bitwise.bitwise_or(i, j).numpy(), [14, -5, -1])
np.testing.assert_array_equal(tf.bitwise.bitwise_xor(i, j).numpy(), [6, -6, -1])
np.testing.assert_array_equal(tf.bitwise.invert(i).numpy(), [-13, 6, -1])
np.testing.assert_array_equal(tf.bitwise.invert(tf.constant([0, 5], tf.uint8)).numpy(), [255, 250])
np.testing.assert_array_equal((i & j).numpy(), [8, 1, 0])
np.testing.assert_array_equal((i | 3).numpy(), [15, -5, 3])
np.testing.assert_array_equal((3 ^ i).numpy(), [15, -6, 3])
np.testing.assert_array_equal((~i).numpy(), [-13, 6, -1])
np.testing.assert_array_equal((tf.constant([True, False]) & tf.constant([True, True])).numpy(),
                              [True, False])  # logical on bools
np.testing.assert_array_equal((~tf.constant([True, False])).numpy(), [False, True])
# shift amounts outside [0, bits) are clamped, as TF 2.21 does
ones = tf.constant([1, 5, 100], tf.int8)
np.testing.assert_array_equal(tf.bitwise.left_shift(ones, tf.constant([1, 9, -1], tf.int8)).numpy(),
                              [2, -128, 100])
np.testing.assert_array_equal(
    tf.bitwise.right_shift(tf.constant([-100, -1, 100]), tf.constant([2, 40, 40])).numpy(), [-25, -1, 0])
np.testing.assert_array_equal(
    tf.bitwise.left_shift(tf.constant([-1, 1], tf.int64), tf.constant([63, 70], tf.int64)).numpy(),
    [-2 ** 63, -2 ** 63])
for bad in [lambda: tf.bitwise.bitwise_and(tf.constant([1.0]), tf.constant([1.0])),
            lambda: ~tf.constant([1.5]),
            lambda: tf.bitwise.left_shift(tf.constant([1]), tf.constant([1], tf.int64))]:
    try:
        bad()
        raise AssertionError("must fail")
    except tf.errors.InvalidArgumentError:
        pass


@tf.function
def pack(hi, lo):
    return tf.bitwise.bitwise_or(tf.bitwise.left_shift(hi, 8), lo & 0xFF)


np.testing.assert_array_equal(pack(tf.constant([1, 2]), tf.constant([0x1FF, 3])).numpy(), [511, 515])

# -- serialized tensors: TF's own TensorProto bytes
data = tf.io.serialize_tensor(tf.constant([1.0, 2.0]))
assert data.dtype == tf.string and data.shape == ()
assert data.numpy().hex() == "080112041202080222080000803f00000040", data.numpy().hex()
assert tf.io.serialize_tensor(tf.constant(["ab", ""])).numpy() == b"\x08\x07\x12\x04\x12\x02\x08\x02B\x02abB\x00"
for t in [tf.constant([[1, 2, 3]]), tf.constant(2.5, tf.float64), tf.constant([True, False]),
          tf.constant([["x", "yz"]]), tf.zeros((2, 0, 3), tf.int64), tf.constant([1.5], tf.float16),
          tf.constant([-1, 7], tf.int8), tf.constant([255], tf.uint8)]:
    back = tf.io.parse_tensor(tf.io.serialize_tensor(t), t.dtype)
    assert back.dtype == t.dtype and back.shape == t.shape
    np.testing.assert_array_equal(back.numpy(), t.numpy())
np.testing.assert_array_equal(  # a proto from make_tensor_proto(5.0, shape=[3]): float_val splat
    tf.io.parse_tensor(bytes.fromhex("08011204120208032a040000a040"), tf.float32).numpy(), [5, 5, 5])
for bad, out_type in [(data, tf.int32), (b"garbage\xff", tf.float32), (b"", tf.float32)]:
    try:
        tf.io.parse_tensor(bad, out_type)
        raise AssertionError("must fail")
    except tf.errors.InvalidArgumentError as e:
        assert "Type mismatch" in str(e) or "parse" in str(e), e


@tf.function(input_signature=[tf.TensorSpec([], tf.string)])
def parse_and_double(serialized):
    return tf.io.parse_tensor(serialized, tf.float32) * 2.0


np.testing.assert_array_equal(parse_and_double(data).numpy(), [2.0, 4.0])
print("ok")
