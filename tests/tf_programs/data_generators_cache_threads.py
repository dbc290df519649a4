"""from_generator, cache (memory and file), prefetch, parallel map and options."""
import os
import tempfile

import tensorflow as tf

calls = []


def gen():
    calls.append(1)
    for i in range(4):
        yield i, [float(i)] * 2


ds = tf.data.Dataset.from_generator(gen, output_signature=(
    tf.TensorSpec([], tf.int32), tf.TensorSpec([2], tf.float32)))
cached = ds.cache()
first = [(int(a), b.numpy().tolist()) for a, b in cached]
second = [(int(a), b.numpy().tolist()) for a, b in cached]
assert first == second == [(i, [float(i)] * 2) for i in range(4)] and len(calls) == 1

path = os.path.join(tempfile.mkdtemp(), "cache")
on_disk = tf.data.Dataset.range(5).map(lambda x: x * 10).cache(path)
assert [int(v) for v in on_disk] == [0, 10, 20, 30, 40]
assert [int(v) for v in on_disk] == [0, 10, 20, 30, 40]

parallel = tf.data.Dataset.range(20).map(lambda x: x + 1, num_parallel_calls=tf.data.AUTOTUNE)
assert [int(v) for v in parallel.prefetch(tf.data.AUTOTUNE)] == list(range(1, 21))
unordered = tf.data.Dataset.range(20).map(lambda x: x * 2, num_parallel_calls=4,
                                          deterministic=False)
assert sorted(int(v) for v in unordered) == list(range(0, 40, 2))

options = tf.data.Options()
options.deterministic = False
options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.OFF
assert tf.data.Dataset.range(3).with_options(options).options().deterministic is False
print("ok")
