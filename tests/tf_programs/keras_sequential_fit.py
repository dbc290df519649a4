"""A Keras Sequential classifier trained with fit on synthetic data, then evaluate and predict."""
import numpy as np
import tensorflow as tf
from tensorflow import keras

rng = np.random.default_rng(0)
x = rng.normal(size=(512, 8)).astype("float32")
y = (x[:, 0] + x[:, 1] > 0).astype("int64")

tf.random.set_seed(0)
model = keras.Sequential([
    keras.Input(shape=(8,)),
    keras.layers.Dense(16, activation="relu"),
    keras.layers.Dense(2, activation="softmax"),
])
model.compile(optimizer=keras.optimizers.Adam(0.01),
              loss="sparse_categorical_crossentropy", metrics=["accuracy"])
history = model.fit(x, y, batch_size=32, epochs=5, verbose=0, validation_split=0.25)
assert set(history.history) >= {"loss", "accuracy", "val_loss", "val_accuracy"}
assert history.history["loss"][-1] < history.history["loss"][0]
loss, acc = model.evaluate(x, y, verbose=0)
assert acc > 0.9, acc
probs = model.predict(x[:5], verbose=0)
assert probs.shape == (5, 2)
np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
assert model.count_params() == 8 * 16 + 16 + 16 * 2 + 2
print("ok")
