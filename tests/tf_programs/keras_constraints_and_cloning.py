"""Weight constraints projected after each update, constraint and layer configs, clone_model
and model_from_json."""
import json

import numpy as np
import tensorflow as tf
from tensorflow import keras

w = tf.constant([[3.0, 0.1], [4.0, 0.2]])
np.testing.assert_allclose(keras.constraints.MaxNorm(1.0)(w).numpy(),
                           [[0.6, 0.1], [0.8, 0.2]], atol=1e-5)
np.testing.assert_allclose(keras.constraints.UnitNorm(axis=1)(w).numpy()[0],
                           [3.0 / np.hypot(3.0, 0.1), 0.1 / np.hypot(3.0, 0.1)], atol=1e-5)
np.testing.assert_allclose(keras.constraints.NonNeg()(tf.constant([-1.0, 2.0])).numpy(), [0, 2])
assert isinstance(keras.constraints.get("non_neg"), keras.constraints.NonNeg)

model = keras.Sequential([
    keras.Input((3,)),
    keras.layers.Dense(4, kernel_constraint=keras.constraints.NonNeg(),
                       kernel_initializer=keras.initializers.Constant(-0.5)),
    keras.layers.Dense(1, kernel_constraint=keras.constraints.MaxNorm(0.1)),
])
model.compile(optimizer="sgd", loss="mse")
model.fit(np.ones((8, 3)), np.ones((8, 1)), verbose=0)
assert (model.layers[0].kernel.numpy() >= 0).all()
assert np.linalg.norm(model.layers[1].kernel.numpy(), axis=0).max() <= 0.1 + 1e-6
config = model.layers[1].get_config()
assert config["kernel_constraint"]["class_name"] == "MaxNorm"

clone = keras.models.clone_model(model)
assert clone.layers[0] is not model.layers[0]
assert [l.name for l in clone.layers] == [l.name for l in model.layers]
clone.set_weights(model.get_weights())
x = np.random.default_rng(0).normal(size=(2, 3)).astype("float32")
np.testing.assert_allclose(clone.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)

again = keras.models.model_from_json(model.to_json())
layers = json.loads(again.to_json())["config"]["layers"]
assert [l["config"]["units"] for l in layers if l["class_name"] == "Dense"] == [4, 1]
print("ok")
