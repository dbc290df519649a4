"""The bucketed, overlapped all-reduce and the sharded predict.

`mpiexec -n N python collectives.py OUT_DIR` (or without mpiexec for the one-process
reference) writes, per rank:
  * OUT_DIR/reduced_<rank>.npz: random arrays (one of 1.2 MB) all-reduced as one message per
    dtype (the communicator's blocking call, what graphflow did before the buckets) and through
    the graph op with automatic buckets and with 4 KB buckets (key prefixes one_, auto_, small_);
  * OUT_DIR/steps_<rank>.txt: the compiled custom train step's plan (its steps, in run order);
  * OUT_DIR/trained_<rank>.npz: the weights after 4 compiled steps with the all-reduce
    overlapped (prefix on_) and with the schedule_collectives pass off (prefix off_);
  * OUT_DIR/predict_<rank>.npz: model.predict on arrays (10 samples in batches of 4: over 3
    ranks some parts are empty) and on a tf.data pipeline of batches of 5;
  * OUT_DIR/files_<rank>.json: the batches this rank gets from text files of 5, 2 and 7 lines
    sharded by file (AutoShardPolicy.AUTO), global batch 6 (with 3 ranks: each its own file).
"""
import json
import os
import sys

import numpy as np

import graphflow as tf
from graphflow import keras
from graphflow.distribute import communicator
from graphflow.ops.collective import all_reduce

out_dir = sys.argv[1]
strategy = tf.distribute.MultiWorkerMirroredStrategy()
rank = strategy.cluster_resolver.task_id
comm = communicator.world()

# -- the same reduction per element, however the tensors are bucketed --------------------------
rng = np.random.default_rng(100 + rank)
arrays = [rng.normal(size=s).astype(np.float32) for s in [(300, 1000), (7,), (33, 5), (1,)]]
arrays.append(rng.integers(-50, 50, size=(20,)).astype(np.int64))
reduced = {f"one_{i}": a for i, a in enumerate(comm.all_reduce(arrays, "sum"))}
for prefix, pack in (("auto", 0), ("small", 4096)):
    got = all_reduce([tf.constant(a) for a in arrays], "sum", comm.size, pack)
    reduced.update({f"{prefix}_{i}": g.numpy() for i, g in enumerate(got)})
np.savez(os.path.join(out_dir, f"reduced_{rank}.npz"), **reduced)

# -- a compiled custom train step: overlapped all-reduce, or not --------------------------------
GLOBAL_BATCH = 12
data_rng = np.random.default_rng(1)
x = data_rng.normal(size=(GLOBAL_BATCH * 4, 20)).astype(np.float32)
y = (x[:, :1] * 0.5 - x[:, 1:2]).astype(np.float32)
dataset = strategy.experimental_distribute_dataset(
    tf.data.Dataset.from_tensor_slices((x, y)).batch(GLOBAL_BATCH))


def train(schedule):
    tf.config.optimizer.set_experimental_options({"schedule_collectives": schedule})
    tf.random.set_seed(3)
    with strategy.scope():
        model = keras.Sequential([keras.Input((20,)), keras.layers.Dense(64, activation="relu"),
                                  keras.layers.Dense(32, activation="relu"), keras.layers.Dense(1)])
        optimizer = keras.optimizers.Adam(0.01)

    def step(features, labels):
        with tf.GradientTape() as tape:
            per_example = tf.reduce_mean(tf.square(labels - model(features, training=True)),
                                         axis=-1)
            loss = tf.nn.compute_average_loss(per_example)
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    @tf.function
    def distributed_step(features, labels):
        return strategy.reduce("SUM", strategy.run(step, args=(features, labels)), axis=None)

    for features, labels in dataset:
        distributed_step(features, labels)
    return model, distributed_step.get_concrete_function(features, labels)


# 4 KB buckets: four of them, started while the backward pass computes the next gradients
strategy._options = tf.distribute.experimental.CommunicationOptions(bytes_per_pack=4096)
trained, concrete = train(True)
with open(os.path.join(out_dir, f"steps_{rank}.txt"), "w") as f:
    f.write(concrete.explain())
weights = {f"on_{i}": w.numpy() for i, w in enumerate(trained.weights)}
untouched, _ = train(False)
weights.update({f"off_{i}": w.numpy() for i, w in enumerate(untouched.weights)})
tf.config.optimizer.set_experimental_options({"schedule_collectives": True})
np.savez(os.path.join(out_dir, f"trained_{rank}.npz"), **weights)

# -- predict: each rank its part, the whole predictions on every rank ---------------------------
trained.compile(optimizer="sgd", loss="mse")
predictions = {"arrays": trained.predict(x[:10], batch_size=4, verbose=0),
               "dataset": trained.predict(tf.data.Dataset.from_tensor_slices(x[:13]).batch(5),
                                          verbose=0)}
np.savez(os.path.join(out_dir, f"predict_{rank}.npz"), **predictions)
# -- FILE auto-sharding: files of different lengths, the same number of steps on every rank -----
names = []
for f, lines in enumerate((5, 2, 7)):
    names.append(os.path.join(out_dir, f"lines_{f}.txt"))
    with open(f"{names[-1]}.{rank}", "w") as fh:
        fh.write("".join(f"{10 * f + i}\n" for i in range(lines)))
    os.replace(f"{names[-1]}.{rank}", names[-1])  # every rank writes the same bytes
comm.barrier()
lines = tf.data.TextLineDataset(names).map(lambda s: tf.strings.to_number(s, tf.int32)).batch(6)
batches = [b.numpy().tolist() for b in strategy.experimental_distribute_dataset(lines)]
with open(os.path.join(out_dir, f"files_{rank}.json"), "w") as fh:
    json.dump(batches, fh)
print("ok", rank)
