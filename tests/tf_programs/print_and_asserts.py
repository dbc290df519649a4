"""tf.print formatting and its order when a tf.function runs; tf.debugging asserts and
check_numerics, eagerly and when a graph runs."""
import os
import tempfile

import numpy as np
import tensorflow as tf

path = os.path.join(tempfile.mkdtemp(), "printed.txt")
stream = "file://" + path


@tf.function
def f(x):
    tf.print("x:", x, output_stream=stream)
    y = tf.reduce_sum(x * x)
    tf.print("sum of squares", y, "of", tf.size(x), "values", output_stream=stream)
    return y


f(tf.constant([1.0, 2.5, 3.0]))
tf.print(tf.range(10), tf.constant([[True, False]]), {"b": 2, "a": [1.5, tf.constant(1e-9)]},
         summarize=2, sep=" | ", output_stream=stream)
with open(path) as fh:
    text = fh.read()
assert text == ("x: [1 2.5 3]\nsum of squares 16.25 of 3 values\n"
                "[0 1 ... 8 9] | [[1 0]] | {'a': [1.5, 1e-09], 'b': 2}\n"), repr(text)

x, y = tf.constant([1.0, 2.0]), tf.constant([1.0, 3.0])
try:
    tf.debugging.assert_equal(x, y)
    raise AssertionError("expected an error")
except tf.errors.InvalidArgumentError as e:
    assert "Condition x == y did not hold." in str(e)


@tf.function
def checked(a, b):
    tf.debugging.assert_less(a, b, message="a must be smaller")
    return b - a


np.testing.assert_allclose(checked(x, y + 1.0).numpy(), [1.0, 2.0])
try:
    checked(y, x)
    raise AssertionError("expected an error")
except tf.errors.InvalidArgumentError as e:
    assert "a must be smaller" in str(e) and "Condition x < y did not hold" in str(e)

try:
    tf.function(lambda t: tf.debugging.check_numerics(t, "activations"))(tf.constant([np.nan]))
    raise AssertionError("expected an error")
except tf.errors.InvalidArgumentError as e:
    assert "activations : Tensor had NaN values" in str(e)
tf.debugging.assert_rank(x, 1)
print("ok")
