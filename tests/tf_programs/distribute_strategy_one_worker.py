"""tf.distribute on one worker: MultiWorkerMirroredStrategy / MirroredStrategy scopes, Keras fit
in the scope, a custom loop with strategy.run and strategy.reduce, distributed datasets."""
import numpy as np
import tensorflow as tf
from tensorflow import keras

assert not tf.distribute.has_strategy()
assert tf.distribute.get_strategy().num_replicas_in_sync == 1
options = tf.distribute.experimental.CommunicationOptions(bytes_per_pack=1 << 20)
strategy = tf.distribute.MultiWorkerMirroredStrategy(communication_options=options)
assert strategy.num_replicas_in_sync == 1
assert strategy.cluster_resolver.task_id in (None, 0)

rng = np.random.default_rng(0)
x = rng.normal(size=(64, 4)).astype("float32")
y = (x @ np.array([[1.0], [-1.0], [0.5], [2.0]], "float32")).astype("float32")

tf.random.set_seed(1)
with strategy.scope():
    assert tf.distribute.has_strategy() and tf.distribute.get_strategy() is strategy
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
history = model.fit(x, y, batch_size=16, epochs=5, verbose=0)
assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]

# A custom training loop (TF's guide): per-example losses averaged over the global batch.
GLOBAL_BATCH = 16
dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(GLOBAL_BATCH)
dist_dataset = strategy.experimental_distribute_dataset(dataset)
with strategy.scope():
    loop_model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    optimizer = keras.optimizers.SGD(0.1)


def train_step(inputs):
    features, labels = inputs
    with tf.GradientTape() as tape:
        per_example = tf.reduce_mean(tf.square(labels - loop_model(features)), axis=-1)
        loss = tf.nn.compute_average_loss(per_example, global_batch_size=GLOBAL_BATCH)
    grads = tape.gradient(loss, loop_model.trainable_variables)
    optimizer.apply_gradients(zip(grads, loop_model.trainable_variables))
    return loss


@tf.function
def distributed_step(inputs):
    per_replica = strategy.run(train_step, args=(inputs,))
    return strategy.reduce(tf.distribute.ReduceOp.SUM, per_replica, axis=None)


losses = []
for _ in range(5):
    for batch in dist_dataset:
        losses.append(float(distributed_step(batch)))
assert losses[-1] < 0.5 * losses[0], losses

value = strategy.run(lambda v: v * 2.0, args=(tf.constant([1.0, 2.0, 3.0]),))
assert float(strategy.reduce(tf.distribute.ReduceOp.MEAN, value, axis=0)) == 4.0
assert float(strategy.reduce(tf.distribute.ReduceOp.SUM, value, axis=0)) == 12.0
assert len(strategy.experimental_local_results(value)) == 1


def dataset_fn(input_context):
    batch = input_context.get_per_replica_batch_size(8)
    ds = tf.data.Dataset.range(20).batch(batch)
    return ds.shard(input_context.num_input_pipelines, input_context.input_pipeline_id)


batches = [b.numpy().tolist() for b in strategy.distribute_datasets_from_function(dataset_fn)]
assert batches == [list(range(0, 8)), list(range(8, 16)), [16, 17, 18, 19]], batches
ctx = tf.distribute.InputContext(num_input_pipelines=2, input_pipeline_id=1,
                                 num_replicas_in_sync=4)
assert ctx.get_per_replica_batch_size(32) == 8
try:
    ctx.get_per_replica_batch_size(30)
    raise AssertionError("expected a ValueError")
except ValueError as e:
    assert "not divisible" in str(e)

mirrored = tf.distribute.MirroredStrategy()
assert mirrored.num_replicas_in_sync == 1
with mirrored.scope():
    v = tf.Variable(3.0)
assert float(v.numpy()) == 3.0
print("ok")
