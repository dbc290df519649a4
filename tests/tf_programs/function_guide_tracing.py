"""The "Better performance with tf.function" / "Introduction to graphs" guides: polymorphic
tracing, pretty_printed_concrete_signatures, concrete functions and their structured signatures,
walking a graph's nodes, input signatures, reduce_retracing, methods, variables, tf.print, Python
side effects, and next() of a dataset iterator inside a function."""
import tensorflow as tf

@tf.function
def add(a, b):
    return a + b
print(add(tf.ones([2, 2]), tf.ones([2, 2])))
v = tf.Variable(1.0)
with tf.GradientTape() as tape:
    result = add(v, 1.0)
print(tape.gradient(result, v))

@tf.function
def double(a):
    print("Tracing with", a)
    return a + a
print(double(tf.constant(1)))
print(double(tf.constant(1.1)))
print(double(tf.constant("a")))
text = double.pretty_printed_concrete_signatures()
assert text.count("Input Parameters:") == 3 and "dtype=tf.string" in text, text
double_strings = double.get_concrete_function(tf.TensorSpec(shape=None, dtype=tf.string))
print(double_strings(a=tf.constant("a")))
assert double_strings.structured_input_signature == (
    (tf.TensorSpec(shape=None, dtype=tf.string, name="a"),), {})
print(double_strings.structured_outputs)
try:
    double_strings(tf.constant(1))
except (TypeError, tf.errors.InvalidArgumentError) as e:
    print("Caught expected exception", type(e).__name__)
graph = double_strings.graph
names = [node.name for node in graph.as_graph_def().node]
assert names[0] == "a" and [node.input for node in graph.as_graph_def().node][1] == ["a", "a"]
print(double.experimental_get_tracing_count())

@tf.function(input_signature=(tf.TensorSpec(shape=[None], dtype=tf.int32),))
def next_collatz(x):
    print("Tracing with", x)
    return tf.where(x % 2 == 0, x // 2, 3 * x + 1)
print(next_collatz(tf.constant([1, 2])))
try:
    next_collatz(tf.constant([[1, 2], [3, 4]]))
except (TypeError, ValueError, tf.errors.InvalidArgumentError) as e:
    print("Caught", type(e).__name__)

@tf.function(reduce_retracing=True)
def g(x):
    return x * 2
g(tf.constant([1, 2])); g(tf.constant([1, 2, 3]))
print(g.experimental_get_tracing_count())

@tf.function(jit_compile=True)
def jit(x):
    return tf.nn.relu(x) * 2.0
print(jit(tf.constant([-1.0, 3.0])))

class SimpleModel(tf.keras.Model):
    def __init__(self):
        super().__init__()
        self.dense = tf.keras.layers.Dense(3)
    @tf.function
    def call(self, x):
        return self.dense(x)
m = SimpleModel()
print(m(tf.ones((1, 4))).shape)

x = tf.Variable(1.0)
@tf.function
def f():
    x.assign_add(1.0)
    return x
print(f(), f())

@tf.function
def print_test():
    tf.print("tf.print executes every time")
print_test(); print_test()
external_list = []
@tf.function
def side_effect(x):
    external_list.append(x)
side_effect(1); side_effect(1)
assert len(external_list) == 1
@tf.function
def buggy_consume_next(iterator):
    tf.print("Value:", next(iterator))
iterator = iter(tf.data.Dataset.from_tensor_slices([1, 2, 3]))
buggy_consume_next(iterator); buggy_consume_next(iterator)
assert int(next(iterator)) == 3  # each call took an element (a tf.data iterator, not a Python one)
print(tf.autograph.to_code(lambda x: x if x > 0 else -x)[:20] is not None)
print("ok")
