"""Saving a trained model and resuming: the optimizer state comes back (iterations, slots), so
training on from the file gives what training straight through gives; to_json round trips;
a registered custom layer loads without custom_objects."""
import os
import tempfile

import numpy as np
import tensorflow as tf
from tensorflow import keras

rng = np.random.default_rng(0)
x = rng.random((48, 5)).astype("float32")
y = rng.random((48, 2)).astype("float32")


@keras.utils.register_keras_serializable(package="corpus")
class Shift(keras.layers.Layer):
    def __init__(self, by=1.0, **kwargs):
        super().__init__(**kwargs)
        self.by = by

    def call(self, inputs):
        return inputs + self.by

    def get_config(self):
        return {**super().get_config(), "by": self.by}


def build():
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(8, activation="relu"),
                              Shift(0.5), keras.layers.Dense(2)])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    return model


straight, resumed = build(), build()
resumed.set_weights(straight.get_weights())
straight.fit(x, y, epochs=4, batch_size=16, shuffle=False, verbose=0)
resumed.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0)
path = os.path.join(tempfile.mkdtemp(), "model.keras")
resumed.save(path)
loaded = keras.models.load_model(path)
assert int(loaded.optimizer.iterations.numpy()) == 6
assert isinstance(loaded.layers[1], Shift) and loaded.layers[1].by == 0.5
np.testing.assert_allclose(loaded.predict(x, verbose=0), resumed.predict(x, verbose=0),
                           rtol=1e-6)
loaded.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0)
for a, b in zip(straight.get_weights(), loaded.get_weights()):
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)

clone = keras.models.model_from_json(resumed.to_json())
assert [type(l).__name__ for l in clone.layers] == ["Dense", "Shift", "Dense"]
assert clone.output_shape == (None, 2)

try:
    keras.models.load_model(os.path.join(tempfile.mkdtemp(), "missing.keras"))
except ValueError as e:
    assert "missing.keras" in str(e)
else:
    raise AssertionError("loading a missing file must raise")
print("ok")
