"""tf.function and tf.Variable: created once on the first call (which then traces twice), never
on every call nor on a later trace; Python return values become tensors."""
import numpy as np
import tensorflow as tf


class Counter(tf.Module):
    def __init__(self):
        super().__init__()
        self.count = None

    @tf.function
    def __call__(self, x):
        if self.count is None:
            self.count = tf.Variable(0.0)
        self.count.assign_add(tf.reduce_sum(x))
        return self.count.read_value()


c = Counter()
assert float(c(tf.constant([1.0, 2.0]))) == 3.0
assert float(c(tf.constant([4.0, 5.0]))) == 12.0
assert c.__call__.experimental_get_tracing_count() == 2   # the first call traced twice
c(tf.constant([1.0]))
assert c.__call__.experimental_get_tracing_count() == 3


@tf.function
def fresh_variable(x):
    return tf.Variable(1.0) + x


try:
    fresh_variable(tf.constant(1.0))
    raise AssertionError("expected ValueError")
except ValueError as e:
    assert "singleton tf.Variables created on the first call" in str(e)

calls = []


@tf.function
def late(x):
    calls.append(1)
    if len(calls) == 2:
        tf.Variable(1.0)
    return x


late(tf.constant(1.0))
try:
    late(tf.constant([1.0, 2.0]))
    raise AssertionError("expected ValueError")
except ValueError as e:
    assert "Creating variables on a non-first call" in str(e)


@tf.function
def mixed(x):
    return {"x": x, "n": 3, "scale": 0.5, "flag": True, "name": "a", "none": None,
            "arr": np.arange(2.0)}


out = mixed(tf.constant(1.0))
assert out["n"].dtype == tf.int32 and int(out["n"]) == 3
assert out["scale"].dtype == tf.float32 and out["flag"].dtype == tf.bool
assert out["name"].numpy() == b"a" and out["none"] is None
assert out["arr"].dtype == tf.float64
np.testing.assert_allclose(out["arr"].numpy(), [0.0, 1.0])

try:
    tf.function(lambda x: object)(tf.constant(1.0))
    raise AssertionError("expected TypeError")
except TypeError as e:
    assert "must return zero or more Tensors" in str(e)
print("ok")
