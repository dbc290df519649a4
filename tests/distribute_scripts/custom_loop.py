"""A custom training loop as in TF's guide: strategy.run(train_step), compute_average_loss with
the global batch size, optimizer.apply_gradients summing over replicas, strategy.reduce.

Then Keras fit on the distributed dataset itself (already split: fit must not split it again)
and evaluate. `mpiexec -n N python custom_loop.py OUT_DIR` writes OUT_DIR/weights_<rank>.npz,
OUT_DIR/losses_<rank>.npy, OUT_DIR/fit_<rank>.npz and OUT_DIR/eval_<rank>.npy.
"""
import os
import sys

import numpy as np

import graphflow as tf
from graphflow import keras

out_dir = sys.argv[1]
GLOBAL_BATCH, STEPS = 12, 6
strategy = tf.distribute.MultiWorkerMirroredStrategy()
rank = strategy.cluster_resolver.task_id
tf.random.set_seed(7 + rank)  # rank 0's initial weights are broadcast

rng = np.random.default_rng(1)
x = rng.normal(size=(GLOBAL_BATCH * STEPS, 4)).astype(np.float32)
y = (x @ np.array([[1.0], [-2.0], [0.5], [0.0]], np.float32) + 0.3).astype(np.float32)
dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(GLOBAL_BATCH)
dist_dataset = strategy.experimental_distribute_dataset(dataset)

with strategy.scope():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(6, activation="relu"),
                              keras.layers.Dense(1)])
    optimizer = keras.optimizers.Adam(0.05)


def train_step(inputs):
    features, labels = inputs
    with tf.GradientTape() as tape:
        predictions = model(features, training=True)
        per_example = tf.reduce_mean(tf.square(labels - predictions), axis=-1)
        loss = tf.nn.compute_average_loss(per_example)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss


@tf.function
def distributed_train_step(inputs):
    per_replica = strategy.run(train_step, args=(inputs,))
    return strategy.reduce(tf.distribute.ReduceOp.SUM, per_replica, axis=None)


losses = [float(distributed_train_step(batch)) for batch in dist_dataset]
np.savez(os.path.join(out_dir, f"weights_{rank}.npz"), *[w.numpy() for w in model.weights])
np.save(os.path.join(out_dir, f"losses_{rank}.npy"), np.array(losses))

with strategy.scope():
    fitted = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
# compiled outside the scope: the model keeps the strategy it was built under (as in TF)
fitted.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse", metrics=["mae"],
               run_eagerly=True)
fitted.fit(dist_dataset, epochs=2, verbose=0)
np.savez(os.path.join(out_dir, f"fit_{rank}.npz"), *[w.numpy() for w in fitted.weights])
np.save(os.path.join(out_dir, f"eval_{rank}.npy"),
        np.array(fitted.evaluate(x, y, batch_size=10, verbose=0)))
print("ok", rank, losses[-1])
