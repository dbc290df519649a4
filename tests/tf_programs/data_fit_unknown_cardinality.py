"""model.fit and evaluate on datasets of unknown and infinite cardinality."""
import numpy as np
import tensorflow as tf

rng = np.random.default_rng(0)
x = rng.standard_normal((64, 4)).astype("float32")
y = (x[:, 0] > 0).astype("int32")
model = tf.keras.Sequential([tf.keras.Input((4,)), tf.keras.layers.Dense(2)])
model.compile(tf.keras.optimizers.Adam(0.05),
              tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=["accuracy"])
unknown = tf.data.Dataset.from_tensor_slices((x, y)).filter(lambda a, b: True).batch(16)
assert int(unknown.cardinality()) == tf.data.UNKNOWN_CARDINALITY
history = model.fit(unknown, epochs=3, verbose=0)
assert len(history.history["loss"]) == 3
infinite = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(64, seed=0).batch(16).repeat()
history = model.fit(infinite, epochs=2, steps_per_epoch=4, validation_data=unknown, verbose=0)
assert len(history.history["val_loss"]) == 2
loss, accuracy = model.evaluate(unknown, verbose=0)
assert accuracy > 0.6, accuracy
print("ok")
