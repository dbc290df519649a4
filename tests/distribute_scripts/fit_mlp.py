"""Trains a small MLP with Keras fit under MultiWorkerMirroredStrategy.

Run as `mpiexec -n N python fit_mlp.py OUT_DIR [arrays|dataset] [eager|compiled] [GLOBAL_BATCH]`
(or without mpiexec for the one-process reference). Every rank writes OUT_DIR/weights_<rank>.npz
(its final weights) and, eagerly, OUT_DIR/seen_<rank>_<epoch>.npy (the ids of the samples it
trained on); ModelCheckpoint writes OUT_DIR/ckpt_<epoch>.weights.h5 and every write is logged in
OUT_DIR/writes.txt with the writer's rank.
"""
import os
import sys

import numpy as np

import graphflow as tf
from graphflow import keras

args = sys.argv[1:] + [None] * 3
out_dir, mode, run = args[0], args[1] or "arrays", args[2] or "eager"
GLOBAL_BATCH, EPOCHS, N = int(args[3] or 12), 3, 48

strategy = tf.distribute.MultiWorkerMirroredStrategy()
rank = strategy.cluster_resolver.task_id
# Different seeds on purpose: the strategy must broadcast rank 0's initial weights.
tf.random.set_seed(1234 + rank)

rng = np.random.default_rng(0)
x = rng.normal(size=(N, 5)).astype(np.float32)
ids = np.arange(N, dtype=np.float32)[:, None]
x = np.concatenate([x, ids], axis=1)  # the last column identifies the sample
y = (x[:, :1] * 0.5 - x[:, 1:2] + 0.1).astype(np.float32)


class SeenIds(keras.callbacks.Callback):
    """Collects the ids of the samples this rank trained on, per epoch."""

    def on_epoch_begin(self, epoch, logs=None):
        self.seen = []

    def on_epoch_end(self, epoch, logs=None):
        np.save(os.path.join(out_dir, f"seen_{rank}_{epoch}.npy"), np.array(self.seen))


seen = SeenIds()


class Model(keras.Model):
    def __init__(self):
        super().__init__()
        self.hidden = keras.layers.Dense(8, activation="tanh")
        self.out = keras.layers.Dense(1)

    def call(self, inputs, training=False):
        return self.out(self.hidden(inputs[:, :5]))

    def train_step(self, data):
        x, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        seen.seen.extend(np.asarray(x[:, 5]).astype(int).tolist()) if tf.executing_eagerly() \
            else None
        return super().train_step(data)


with strategy.scope():
    model = Model()
    model.compile(optimizer=keras.optimizers.SGD(0.05, momentum=0.9), loss="mse",
                  metrics=["mae"], run_eagerly=run == "eager")


import graphflow.keras.saving as saving  # noqa: E402
_save_weights = saving.save_weights


def logged_save_weights(model, filepath, overwrite=True):
    """The writer of weight files, logging which rank wrote what."""
    _save_weights(model, filepath, overwrite=overwrite)
    with open(os.path.join(out_dir, "writes.txt"), "a") as f:
        f.write(f"{rank} {os.path.basename(filepath)}\n")


saving.save_weights = logged_save_weights
ckpt = keras.callbacks.ModelCheckpoint(os.path.join(out_dir, "ckpt_{epoch}.weights.h5"),
                                       save_weights_only=True, monitor="loss")
if mode == "dataset":
    data = tf.data.Dataset.from_tensor_slices((x, y)).batch(GLOBAL_BATCH)
    history = model.fit(data, epochs=EPOCHS, verbose=2, callbacks=[seen, ckpt])
else:
    # validation on a sharded set (metrics aggregated over the ranks), and an EarlyStopping on
    # it that stops after the second epoch (no improvement by 10): every rank must stop there
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", min_delta=10, patience=0,
                                         verbose=1)
    history = model.fit(x, y, batch_size=GLOBAL_BATCH, epochs=EPOCHS, verbose=2, shuffle=True,
                        validation_data=(x[:20] + 0.5, y[:20]), callbacks=[seen, ckpt, stop])
    np.save(os.path.join(out_dir, f"val_loss_{rank}.npy"), np.array(history.history["val_loss"]))
np.savez(os.path.join(out_dir, f"weights_{rank}.npz"), *[w.numpy() for w in model.weights])
np.save(os.path.join(out_dir, f"loss_{rank}.npy"), np.array(history.history["loss"]))
if rank == 0:
    print("history", history.history)
