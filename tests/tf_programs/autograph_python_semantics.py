"""AutoGraph leaves Python control flow on Python values as Python (traced once per value),
converts called user functions, and tf.config.run_functions_eagerly runs functions as Python."""
import tensorflow as tf

traces = []


def clip(x, limit):
    if limit is not None:            # a Python condition: decided while tracing
        x = tf.minimum(x, limit)
    return x


@tf.function
def scale(x, times, limit=None):
    traces.append(times)
    for _ in range(times):           # a Python loop: unrolled while tracing
        x = x * 2.0
    n = 0
    while n < 2:
        x = x + 1.0
        n += 1
    return clip(x, limit)


assert float(scale(tf.constant(1.0), 3)) == 10.0
assert float(scale(tf.constant(2.0), 3)) == 18.0
assert traces == [3]
assert float(scale(tf.constant(1.0), 3, limit=5.0)) == 5.0
assert float(scale(tf.constant(1.0), 1)) == 4.0
assert traces == [3, 3, 1]

code = tf.autograph.to_code(clip)
assert "ag__.if_stmt" in code and "def " in code


@tf.autograph.experimental.do_not_convert
def plain(x):
    return x * 3.0


assert float(tf.function(plain)(tf.constant(2.0))) == 6.0

calls = []


@tf.function
def eager_when_asked(x):
    calls.append(tf.executing_eagerly())
    return x + 1.0


tf.config.run_functions_eagerly(True)
assert tf.config.functions_run_eagerly()
assert float(eager_when_asked(tf.constant(1.0))) == 2.0
tf.config.run_functions_eagerly(False)
assert not tf.config.functions_run_eagerly()
assert float(eager_when_asked(tf.constant(1.0))) == 2.0
assert calls == [True, False]
print("ok")
