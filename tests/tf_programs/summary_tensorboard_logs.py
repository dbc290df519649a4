"""tf.summary writers and the Keras TensorBoard callback write event files that TensorBoard's
own reader reads back: scalars at steps, record_if, histograms, per-epoch and per-batch logs."""
import tempfile

import numpy as np
import tensorflow as tf
from tensorflow import keras
from tensorboard.backend.event_processing import event_accumulator
from tensorboard.util import tensor_util


def read(logdir):
    acc = event_accumulator.EventAccumulator(logdir, size_guidance={"tensors": 0})
    acc.Reload()
    return acc


def values(acc, tag):
    return [(e.step, float(tensor_util.make_ndarray(e.tensor_proto))) for e in acc.Tensors(tag)]


logdir = tempfile.mkdtemp()
writer = tf.summary.create_file_writer(logdir)
assert tf.summary.scalar("ignored", 1.0, step=0) is False or not tf.summary.should_record_summaries()
with writer.as_default():
    for step in range(4):
        with tf.summary.record_if(step % 2 == 0):
            tf.summary.scalar("loss", 1.0 / (step + 1), step=step)
    tf.summary.histogram("weights", np.arange(10.0), step=0)
writer.flush()
acc = read(logdir)
assert [s for s, _ in values(acc, "loss")] == [0, 2]
np.testing.assert_allclose([v for _, v in values(acc, "loss")], [1.0, 1.0 / 3], rtol=1e-6)
hist = tensor_util.make_ndarray(acc.Tensors("weights")[0].tensor_proto)
assert hist.shape[1] == 3 and hist[:, 2].sum() == 10

model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
model.compile(optimizer="sgd", loss="mse")
tb_dir = tempfile.mkdtemp()
model.fit(np.ones((8, 2)), np.ones(8), batch_size=2, epochs=2, verbose=0,
          validation_data=(np.ones((4, 2)), np.ones(4)),
          callbacks=[keras.callbacks.TensorBoard(tb_dir, histogram_freq=1, update_freq=2)])
train = read(tb_dir + "/train")
assert [s for s, _ in values(train, "epoch_loss")] == [0, 1]
assert [s for s, _ in values(train, "batch_loss")] == [2, 4, 6, 8]
assert any(t.endswith("/histogram") and "kernel" in t for t in train.Tags()["tensors"])
val = read(tb_dir + "/validation")
assert [s for s, _ in values(val, "epoch_loss")] == [0, 1]
print("ok")
