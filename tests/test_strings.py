"""tf.string tensors and tf.strings: conversion, printing, comparisons, the ops' TF semantics
(expected values checked against TensorFlow 2.21), the minimal RaggedTensor, host placement,
and the compiler keeping strings out of fused kernels. The ops' references are also driven by
the registry harness (tests/helpers.py SAMPLES)."""
import numpy as np
import pytest

import graphflow as tf
from graphflow.errors import InvalidArgumentError, OutOfRangeError, UnimplementedError
from graphflow.ops import hashing
from graphflow.tensor import DeviceTensor


def test_constants_hold_bytes_and_print_as_tf():
    t = tf.constant(["a", "bé"])
    assert t.dtype is tf.string and t.shape == (2,)
    assert t.numpy().dtype == object and t.numpy().tolist() == [b"a", "bé".encode()]
    assert tf.constant("x").numpy() == b"x"
    assert str(t) == "tf.Tensor([b'a' b'b\\xc3\\xa9'], shape=(2,), dtype=string)"
    assert repr(tf.constant("a")) == "<tf.Tensor: shape=(), dtype=string, numpy=b'a'>"
    assert str(tf.constant([["a", "b"], ["c", "d"]])) == \
        "tf.Tensor(\n[[b'a' b'b']\n [b'c' b'd']], shape=(2, 2), dtype=string)"
    for value in (np.array(["ab", "c"]), np.array([b"ab", b"c"]), np.array(["ab", b"c"], object)):
        assert tf.constant(value).numpy().tolist() == [b"ab", b"c"]
    assert tf.constant([], tf.string).shape == (0,)
    assert tf.as_dtype(object) is tf.string and tf.as_dtype(np.str_) is tf.string
    assert tf.string == "string" and not tf.string.is_floating


def test_conversion_errors():
    with pytest.raises(InvalidArgumentError, match="cannot convert 1 to a string tensor"):
        tf.constant(1, tf.string)
    with pytest.raises(InvalidArgumentError, match="mixed types"):
        tf.constant(["a", 1])
    with pytest.raises(InvalidArgumentError, match="float32"):
        tf.constant("1.5", tf.float32)
    with pytest.raises(UnimplementedError, match="Cast string to float32 is not supported"):
        tf.cast(tf.constant("1"), tf.float32)
    with pytest.raises(InvalidArgumentError, match="less"):
        tf.constant(["a"]) < "b"
    with pytest.raises(InvalidArgumentError, match="minimum"):
        tf.string.min


def test_comparison_concatenation_and_shape_ops():
    t = tf.constant(["a", "b"])
    assert (t == "a").numpy().tolist() == [True, False]
    assert (t != tf.constant(["a", "c"])).numpy().tolist() == [False, True]
    assert (t + "x").numpy().tolist() == [b"ax", b"bx"]
    assert tf.where([True, False], "y", "n").numpy().tolist() == [b"y", b"n"]
    assert tf.gather(t, [1, 1, 0]).numpy().tolist() == [b"b", b"b", b"a"]
    assert tf.reshape(tf.concat([t, ["z"]], 0), [3, 1]).shape == (3, 1)
    assert tf.zeros_like(t).numpy().tolist() == [b"", b""]
    assert tf.fill([2], "z").numpy().tolist() == [b"z", b"z"]
    v = tf.Variable(["a"])
    v.assign(["q"])
    assert v.numpy().tolist() == [b"q"]


def test_string_ops_match_tensorflow():
    s = tf.constant(["Hello World", "ÀbC  ", "  x\t"])
    assert tf.strings.lower(s).numpy().tolist() == [b"hello world", "Àbc  ".encode(), b"  x\t"]
    assert tf.strings.lower(s, encoding="utf-8").numpy()[1] == "àbc  ".encode()
    assert tf.strings.strip(s).numpy().tolist() == [b"Hello World", "ÀbC".encode(), b"x"]
    assert tf.strings.length(s).numpy().tolist() == [11, 6, 4]
    assert tf.strings.length(s, unit="UTF8_CHAR").numpy().tolist() == [11, 5, 4]
    assert tf.strings.join([["a", "b"], "x"], separator="-").numpy().tolist() == [b"a-x", b"b-x"]
    x = tf.constant([[["a", "b"], ["c", "d"]], [["e", "f"], ["g", "h"]]])
    assert tf.strings.reduce_join(x, axis=[1, 2], separator=".").numpy().tolist() == \
        [b"a.c.b.d", b"e.g.f.h"]
    assert tf.strings.reduce_join(x, separator=".").numpy() == b"a.b.c.d.e.f.g.h"
    assert tf.strings.regex_replace(["aaa bbb"], "a+", "<\\0>").numpy()[0] == b"<aaa> bbb"
    assert tf.strings.regex_replace(["ab12cd"], r"(\d)(\d)", r"\2\1").numpy()[0] == b"ab21cd"
    assert tf.strings.regex_replace(["a a a"], "a", "b", replace_global=False).numpy()[0] == \
        b"b a a"
    assert tf.strings.regex_replace(["àb"], r"\w", "x").numpy()[0] == "àx".encode()  # ASCII \w
    assert tf.strings.regex_full_match(["abc", "ab", "xabc"], "ab.").numpy().tolist() == \
        [True, False, False]
    np.testing.assert_array_equal(tf.strings.to_number(["1.5", "-2", "1e3", " 3", "0x10"]),
                                  np.float32([1.5, -2, 1000, 3, 16]))
    assert tf.strings.to_number(["12345678901"], tf.int64).numpy()[0] == 12345678901
    assert tf.strings.as_string([3.14159, 2.0]).numpy().tolist() == [b"3.141590", b"2.000000"]
    assert tf.strings.as_string([3.14159], shortest=True).numpy()[0] == b"3.14159"
    assert tf.strings.as_string([3, -4], width=5, fill="0").numpy().tolist() == [b"00003",
                                                                                 b"-0004"]
    assert tf.strings.as_string([True, False]).numpy().tolist() == [b"true", b"false"]
    assert tf.strings.substr(["Hello", "World"], -3, 2).numpy().tolist() == [b"ll", b"rl"]
    assert tf.strings.substr(["Hello", "World"], [0, 1], [1, 2]).numpy().tolist() == [b"H", b"or"]
    assert tf.strings.substr(["ÀbC"], 0, 1, unit="UTF8_CHAR").numpy()[0] == "À".encode()
    assert tf.strings.unicode_split("ÀbC", "UTF-8").numpy().tolist() == ["À".encode(), b"b",
                                                                         b"C"]
    assert tf.strings.unicode_split([b"a\xffb"], "UTF-8").to_list() == [[b"a", "\ufffd".encode(),
                                                                         b"b"]]
    assert tf.strings.bytes_split("Àb").numpy().tolist() == [b"\xc3", b"\x80", b"b"]


def test_string_op_errors_name_the_op():
    with pytest.raises(InvalidArgumentError, match="string_to_number: .*convert string: abc"):
        tf.strings.to_number(["abc"])
    with pytest.raises(InvalidArgumentError, match="convert string: 3000000000"):
        tf.strings.to_number(["3000000000"], tf.int32)
    with pytest.raises(InvalidArgumentError, match="out_type"):
        tf.strings.to_number(["1"], tf.uint8)
    with pytest.raises(InvalidArgumentError, match="substr: pos 6 out of range"):
        tf.strings.substr(["Hello"], 6, 1)
    with pytest.raises(InvalidArgumentError, match="Input shapes do not match"):
        tf.strings.join([["a", "b"], ["x"]])
    with pytest.raises(OutOfRangeError, match="Invalid reduction dimension 2"):
        tf.strings.reduce_join([["a"]], axis=2)
    with pytest.raises(InvalidArgumentError, match="regex_replace: Invalid pattern"):
        tf.strings.regex_replace(["a"], "(", "b")
    with pytest.raises(InvalidArgumentError, match="unit"):
        tf.strings.length(["a"], unit="X")
    with pytest.raises(InvalidArgumentError, match="precision not supported for datatype int32"):
        tf.strings.as_string([3], precision=2)
    with pytest.raises(InvalidArgumentError, match="string_lower"):
        tf.strings.lower([1])
    with pytest.raises(InvalidArgumentError, match="num_buckets"):
        tf.strings.to_hash_bucket_fast(["a"], 0)


def test_hash_buckets_are_bit_exact_with_tensorflow():
    # Values printed by TF 2.21 (to_hash_bucket_fast with 2**63 - 1 buckets is the fingerprint
    # itself, for fingerprints below 2**63).
    words = ["hello", "a" * 20, "a" * 40, "a" * 100]
    assert tf.strings.to_hash_bucket_fast(words, 2 ** 62).numpy().tolist() == [
        3786372426573024488, 1230203416011834158, 2168401864796137711, 3930626154289304810]
    assert tf.strings.to_hash_bucket_fast(["hello", "world", ""], 1000).numpy().tolist() == \
        [296, 598, 263]
    assert tf.strings.to_hash_bucket_strong(["hello", "world", ""], 1000, key=[1, 2]) \
        .numpy().tolist() == [622, 990, 435]
    assert tf.strings.to_hash_bucket(["hello", "a" * 20], 1000000007).numpy().tolist() == \
        [302950538, 703225005]
    # every length branch of FarmHash (0-16, 17-32, 33-64, the 64-byte loop) gives 64-bit values
    rng = np.random.default_rng(0)
    for n in (0, 3, 8, 17, 33, 64, 65, 200):
        assert 0 <= hashing.fingerprint64(bytes(rng.integers(0, 256, n, dtype=np.uint8))) < 2 ** 64


def test_split_returns_dense_for_scalars_and_ragged_otherwise():
    assert tf.strings.split("a b  c").numpy().tolist() == [b"a", b"b", b"c"]
    r = tf.strings.split(["a b", "c"])
    assert isinstance(r, tf.RaggedTensor) and repr(r) == "<tf.RaggedTensor [[b'a', b'b'], [b'c']]>"
    assert r.shape.as_list() == [2, None] and r.dtype is tf.string and r.ragged_rank == 1
    assert r.row_splits.numpy().tolist() == [0, 2, 3] and int(r.nrows()) == 2
    assert r.row_lengths().numpy().tolist() == [2, 1]
    assert r.to_tensor().numpy().tolist() == [[b"a", b"b"], [b"c", b""]]
    assert r.to_tensor(default_value="?").numpy()[1, 1] == b"?"
    assert r.to_tensor(shape=[3, 1]).numpy().tolist() == [[b"a"], [b"c"], [b""]]
    assert r[0].numpy().tolist() == [b"a", b"b"] and len(r.numpy()) == 2
    assert tf.strings.split(["a,b,,c", "d"], sep=",").to_list() == [[b"a", b"b", b"", b"c"], [b"d"]]
    assert tf.strings.split(["a b c d"], maxsplit=1).to_list() == [[b"a", b"b c d"]]
    nested = tf.strings.split([["a b"], ["c"]])
    assert nested.to_list() == [[[b"a", b"b"]], [[b"c"]]]
    assert nested.to_tensor().shape == (2, 1, 2)
    assert tf.strings.lower(r).to_list() == [[b"a", b"b"], [b"c"]]
    assert tf.ragged.constant([[1, 2], [3]]).to_tensor().numpy().tolist() == [[1, 2], [3, 0]]
    with pytest.raises(InvalidArgumentError, match="row_splits"):
        tf.RaggedTensor.from_row_splits([1, 2], [0, 3])


def test_traced_string_functions_keep_strings_out_of_kernels():
    @tf.function
    def f(x):
        n = tf.strings.length(x)
        words = tf.strings.split(x).to_tensor()
        return tf.where(n > 1, tf.strings.upper(x), x + "!"), tf.cast(n, tf.float32) * 2.0 + 1.0, \
            words

    s, y, words = f(tf.constant(["ab c", "d"]))
    assert s.numpy().tolist() == [b"AB C", b"d!"]
    assert y.numpy().tolist() == [9.0, 3.0] and words.shape == (2, 2)
    executable = f.get_concrete_function(tf.constant(["ab c", "d"]))._get_executable()
    for node in executable.graph.nodes:
        if node.type == "fused":
            body = node.attrs["cluster"].body
            assert all(o.dtype is not tf.string for n in body.nodes for o in n.outputs), body

    zeros = tf.function(lambda x: tf.zeros_like(x))(tf.constant(["a", "b"]))  # folded: b""
    assert zeros.numpy().tolist() == [b"", b""]
    g = tf.function(lambda c, x: tf.where(c, x, "no"))  # a bool first input, string values
    assert g(tf.constant([True, False]), tf.constant(["a", "b"])).numpy().tolist() == [b"a", b"no"]


def test_strings_stay_in_host_memory_inside_a_gpu_scope():
    with tf.device("/GPU:0"):
        t = tf.constant(["a", "b"])
        eq = t == "a"
        joined = tf.function(lambda x: tf.reshape(x + "!", [2, 1]))(t)
        numbers = tf.constant([1.0, 2.0])
    assert type(t) is not DeviceTensor and t.device.endswith("CPU:0")
    assert type(eq) is not DeviceTensor and eq.numpy().tolist() == [True, False]
    assert type(joined) is not DeviceTensor and joined.numpy()[1, 0] == b"b!"
    assert type(numbers) is DeviceTensor  # numbers still go to the GPU
