"""tf.string tensors: constants, bytes values, printing, comparisons, + and tf.strings ops."""
import numpy as np
import tensorflow as tf

s = tf.constant(["Hello World", "  padded\t", "MiXeD"])
assert s.dtype == tf.string and s.shape == (3,)
assert s.numpy().tolist() == [b"Hello World", b"  padded\t", b"MiXeD"]
assert tf.constant("x").numpy() == b"x"
assert str(tf.constant(["a", "b"])) == "tf.Tensor([b'a' b'b'], shape=(2,), dtype=string)"
assert (s == "MiXeD").numpy().tolist() == [False, False, True]
assert (tf.constant(["a"]) + "b").numpy().tolist() == [b"ab"]
assert tf.strings.lower(s).numpy()[2] == b"mixed" and tf.strings.upper(s).numpy()[2] == b"MIXED"
assert tf.strings.strip(s).numpy()[1] == b"padded"
assert tf.strings.length(["héllo"]).numpy().tolist() == [6]
assert tf.strings.length(["héllo"], unit="UTF8_CHAR").numpy().tolist() == [5]
assert tf.strings.join(["a", ["b", "c"]], separator="-").numpy().tolist() == [b"a-b", b"a-c"]
assert tf.strings.reduce_join([["a", "b"], ["c", "d"]], axis=1, separator=",").numpy().tolist() \
    == [b"a,b", b"c,d"]
assert tf.strings.regex_replace("a1b22c333", r"\d+", "#").numpy() == b"a#b#c#"
assert tf.strings.regex_full_match(["abc", "abd"], "ab[c]").numpy().tolist() == [True, False]
np.testing.assert_allclose(tf.strings.to_number(["1.5", " -2 ", "1e3"]).numpy(), [1.5, -2, 1000])
assert tf.strings.to_number(["42"], out_type=tf.int64).numpy().tolist() == [42]
assert tf.strings.as_string([3.14159], precision=2).numpy().tolist() == [b"3.14"]
assert tf.strings.as_string([7], width=3, fill="0").numpy().tolist() == [b"007"]
assert tf.strings.substr(["Hello", "World"], 1, 3).numpy().tolist() == [b"ell", b"orl"]
assert tf.strings.unicode_split("héllo", "UTF-8").numpy()[1] == "é".encode()
try:
    tf.strings.to_number(["abc"])
    raise AssertionError("to_number accepted 'abc'")
except tf.errors.InvalidArgumentError as e:
    assert "abc" in str(e)


@tf.function
def shout(x):
    return tf.strings.upper(x) + "!"


assert shout(tf.constant(["hi", "yo"])).numpy().tolist() == [b"HI!", b"YO!"]
print("ok")
