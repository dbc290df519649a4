"""Faults in a distributed job: `mpiexec -n N python faults.py MODE`, MODE one of
kill (rank 1 is killed by SIGKILL in the third step), raise (rank 1 raises in the third step),
hang (rank 1 sleeps in the third step; the collectives time out after 3 s), exit (rank 1 calls
sys.exit(0) in the third step), mismatch (rank 1 builds a wider layer than the others). None of them may leave the job hanging.
A second argument `compiled` trains with the compiled train step, whose all-reduces are
started during the backward pass: the others then wait for a rank that died with requests
pending."""
import os
import signal
import sys
import time

import numpy as np

# Each rank's stderr goes straight to a file of its own (stderr.<rank> in the working folder):
# mpiexec may tear the job down before it forwards an aborting rank's output.
_err = open(f"stderr.{os.environ.get('PMI_RANK', os.getpid())}", "w")
os.dup2(_err.fileno(), 2)

import graphflow as tf  # noqa: E402
from graphflow import keras  # noqa: E402

mode = sys.argv[1]
compiled = sys.argv[2:] == ["compiled"]
# compiled: 16-byte buckets, so that several all-reduces are pending when a rank fails
options = tf.distribute.experimental.CommunicationOptions(
    bytes_per_pack=16 if compiled else 0, timeout_seconds=3 if mode == "hang" else None)
strategy = tf.distribute.MultiWorkerMirroredStrategy(communication_options=options)
rank = strategy.cluster_resolver.task_id


class Fault(keras.callbacks.Callback):
    def on_train_batch_begin(self, batch, logs=None):
        if rank == 1 and batch == 2:
            if mode == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            elif mode == "raise":
                raise RuntimeError("rank 1 failed on purpose")
            elif mode == "hang":
                time.sleep(60)
            elif mode == "exit":
                sys.exit(0)


with strategy.scope():
    width = 5 if (mode == "mismatch" and rank == 1) else 4
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(width), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", run_eagerly=not compiled)
x = np.ones((64, 3), np.float32)
model.fit(x, np.ones((64, 1), np.float32), batch_size=8, epochs=2, verbose=0,
          callbacks=[Fault()])
print("finished", rank)
