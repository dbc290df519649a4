"""tf.io.serialize_tensor / parse_tensor against the bytes TensorFlow 2.21 writes (recorded with
`tf.io.serialize_tensor(t).numpy().hex()` and `tf.make_tensor_proto(...).SerializeToString()`),
both ways, and TF's errors for bytes that are not a TensorProto of the asked dtype."""
import numpy as np
import pytest

import graphflow as tf
from graphflow.errors import InvalidArgumentError

# (tensor, TF's serialize_tensor bytes)
TF_BYTES = [
    (lambda: tf.constant([1.0, 2.0]), "080112041202080222080000803f00000040"),
    (lambda: tf.constant(3.0), "08011200220400004040"),
    (lambda: tf.constant([[1, 2, 3]], tf.int32), "080312081202080112020803220c010000000200000003000000"),
    (lambda: tf.constant([], tf.float32), "080112021200"),
    (lambda: tf.zeros((2, 0, 3), tf.int64), "0809120a12020802120012020803"),
    (lambda: tf.constant([True, False]), "080a12041202080222020100"),
    (lambda: tf.constant(["ab", "", "c"]), "0807120412020803420261624200420163"),
    (lambda: tf.constant("hello"), "08071200420568656c6c6f"),
    (lambda: tf.constant([[b"\x00\xff"]]), "080712081202080112020801420200ff"),
    (lambda: tf.constant([1, 2], tf.uint8), "080412041202080222020102"),
    (lambda: tf.constant([1.5], tf.float16), "08131204120208012202003e"),
    (lambda: tf.constant([1.5], tf.float64), "08021204120208012208000000000000f83f"),
    (lambda: tf.constant([-1], tf.int8), "08061204120208012201ff"),
    (lambda: tf.constant([1], tf.int16), "080512041202080122020100"),
]


@pytest.mark.parametrize("make,hexbytes", TF_BYTES, ids=[h for _, h in TF_BYTES])
def test_bytes_are_tensorflows_both_ways(make, hexbytes):
    t = make()
    assert tf.io.serialize_tensor(t).numpy().hex() == hexbytes
    back = tf.io.parse_tensor(bytes.fromhex(hexbytes), t.dtype)
    assert back.dtype is t.dtype and back.shape == t.shape
    np.testing.assert_array_equal(back.numpy(), t.numpy())


def test_large_tensor_length_is_a_multibyte_varint():
    data = tf.io.serialize_tensor(tf.zeros((300,))).numpy()
    assert data[:12].hex() == "08011205120308ac0222b009"  # TF's prefix
    np.testing.assert_array_equal(tf.io.parse_tensor(data, tf.float32).numpy(), np.zeros(300))


@pytest.mark.parametrize("hexbytes,dtype,expected", [
    ("08011204120208032a040000a040", tf.float32, [5.0, 5.0, 5.0]),  # make_tensor_proto(5.0, shape=[3])
    ("080312041202080222080100000002000000", tf.int32, [1, 2]),  # make_tensor_proto([1, 2])
    ("08011204120208032d0000803f2d00000040", tf.float32, [1.0, 2.0, 2.0]),  # unpacked, short
    ("08031204120208023a0bffffffffffffffffff0105", tf.int32, [-1, 5]),  # packed varints
    ("0801120412020803", tf.float32, [0.0, 0.0, 0.0]),  # no values: zeros, as TF
    ("08011200", tf.float32, 0.0),
    ("08011204120208022d0000803f2d0000803f2d0000803f", tf.float32, [1.0, 1.0]),  # extras ignored
    ("0b10010c08011200", tf.float32, 0.0),  # an unknown group before the fields, skipped
])
def test_reads_tensorflows_other_encodings(hexbytes, dtype, expected):
    out = tf.io.parse_tensor(bytes.fromhex(hexbytes), dtype)
    np.testing.assert_array_equal(out.numpy(), np.array(expected, dtype.np))


@pytest.mark.parametrize("data,dtype,message", [
    (bytes.fromhex("080112041202080222080000803f00000040"), tf.int32,
     r"Type mismatch between parsed tensor \(float\) and dtype \(int32\)"),
    (bytes.fromhex("080112041202080222080000803f00000040"), tf.string,
     r"Type mismatch between parsed tensor \(float\) and dtype \(string\)"),
    (bytes.fromhex("08111200"), tf.float32,  # a uint16 tensor: a TF dtype graphflow has not
     r"Type mismatch between parsed tensor \(uint16\) and dtype \(float\)"),
    (b"garbage\xff", tf.float32, "Could not parse `serialized` as TensorProto, base64: Z2FyYmFnZf8="),
    (bytes.fromhex("080112041202080222080000803f0000"), tf.float32, "Could not parse"),  # cut short
    (b"", tf.float32, "Cannot parse tensor from proto"),  # DT_INVALID
    (bytes.fromhex("080112041202080122080000803f00000040"), tf.float32,
     "Cannot parse tensor from proto: tensor_content holds 8 bytes"),
    (bytes.fromhex("0801120d120b08ffffffffffffffffff01"), tf.float32,
     r"Cannot parse tensor from proto: the shape \[-1\]"),
    (bytes.fromhex("0b0c"), tf.float32, "Cannot parse tensor from proto"),  # a group, skipped
    (bytes.fromhex("0b"), tf.float32, "Could not parse"),  # a group never ended
    (bytes.fromhex("0c"), tf.float32, "Could not parse"),  # an end without a group
])
def test_malformed_or_mismatched_bytes_raise_tfs_errors(data, dtype, message):
    with pytest.raises(InvalidArgumentError, match="^parse_tensor: " + message):
        tf.io.parse_tensor(data, dtype)


def test_serialized_must_be_a_scalar_string():
    data = tf.io.serialize_tensor(tf.constant([1.0]))
    with pytest.raises(InvalidArgumentError, match=r"Expected `serialized` to be a scalar, got shape: \[2\]"):
        tf.io.parse_tensor(tf.stack([data, data]), tf.float32)
    with pytest.raises(InvalidArgumentError, match="parse_tensor: input #0 must be a string"):
        tf.io.parse_tensor(tf.constant(1.0), tf.float32)


def test_in_functions_the_parsed_shape_is_unknown_until_run():
    @tf.function(input_signature=[tf.TensorSpec([], tf.string)])
    def double(data):
        x = tf.io.parse_tensor(data, tf.float32)
        assert x.shape.rank is None
        return x * 2.0

    data = tf.io.serialize_tensor(tf.constant([[1.0, 2.0]]))
    np.testing.assert_array_equal(double(data).numpy(), [[2.0, 4.0]])
    with pytest.raises(InvalidArgumentError, match="Type mismatch"):
        double(tf.io.serialize_tensor(tf.constant([1])))


def test_round_trip_through_a_file(tmp_path):
    path = str(tmp_path / "t.pb")
    t = tf.constant([[1.5, -2.0], [0.0, 3.25]], tf.float64)
    tf.io.write_file(path, tf.io.serialize_tensor(t))
    back = tf.io.parse_tensor(tf.io.read_file(path), tf.float64)
    np.testing.assert_array_equal(back.numpy(), t.numpy())
