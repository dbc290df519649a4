"""tf.data basics: from_tensor_slices, map, shuffle, batch, repeat, take, and fit on a dataset."""
import numpy as np
import tensorflow as tf

ds = tf.data.Dataset.from_tensor_slices(np.arange(10, dtype="float32"))
ds = ds.map(lambda v: v * 2.0).batch(4)
batches = [b.numpy().tolist() for b in ds]
assert batches == [[0, 2, 4, 6], [8, 10, 12, 14], [16, 18]], batches

pairs = tf.data.Dataset.from_tensor_slices((np.ones((6, 3), "float32"), np.arange(6)))
for xb, yb in pairs.batch(3).take(1):
    assert xb.shape == (3, 3) and yb.numpy().tolist() == [0, 1, 2]

shuffled = sorted(int(v) for v in tf.data.Dataset.from_tensor_slices(np.arange(8)).shuffle(8, seed=1))
assert shuffled == list(range(8))
assert len(list(tf.data.Dataset.from_tensor_slices([1, 2]).repeat(3))) == 6

model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(1)])
model.compile("sgd", "mse")
x = np.random.default_rng(0).normal(size=(32, 3)).astype("float32")
train = tf.data.Dataset.from_tensor_slices((x, x.sum(axis=1, keepdims=True))).batch(8)
hist = model.fit(train, epochs=3, verbose=0)
assert len(hist.history["loss"]) == 3
print("ok")
