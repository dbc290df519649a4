"""SavedModels: a tf.Module with tf.functions (an input_signature, a traced polymorphic one,
control flow, a variable update) and a Keras model are saved, loaded back and give the same
results; loaded functions share their variables and differentiate; signatures return dicts
named as TF names them; Model.export and TFSMLayer serve the model."""
import os
import tempfile

import numpy as np
import tensorflow as tf
from tensorflow import keras

tmp = tempfile.mkdtemp()


class Regressor(tf.Module):
    def __init__(self):
        super().__init__()
        self.w = tf.Variable([[0.5, -1.0], [2.0, 0.25], [1.0, 1.0]], name="w")
        self.b = tf.Variable([0.1, -0.2], name="b")
        self.calls = tf.Variable(0, name="calls", trainable=False)

    @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32)])
    def predict(self, x):
        self.calls.assign_add(1)
        return tf.nn.sigmoid(tf.matmul(x, self.w) + self.b)

    @tf.function
    def scaled(self, x, factor=2.0):
        return {"scaled": x * factor, "norm": tf.norm(x)}

    @tf.function(input_signature=[tf.TensorSpec([], tf.float32)])
    def halve_until_small(self, x):
        n = tf.constant(0)
        while x > 1.0:
            x = x / 2.0
            n += 1
        if n > 2:
            x = x * self.b[0]
        return x, n


module = Regressor()
x = np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 0.0]], np.float32)
expected = module.predict(x).numpy()
scaled = module.scaled(tf.constant([3.0, 4.0]))
module.scaled(tf.constant([[1.0]]), 10.0)
path = os.path.join(tmp, "regressor")
tf.saved_model.save(module, path, signatures={"serving_default": module.predict,
                                              "halve": module.halve_until_small})
assert tf.saved_model.contains_saved_model(path)
assert not tf.saved_model.contains_saved_model(tmp)

loaded = tf.saved_model.load(path)
np.testing.assert_allclose(loaded.predict(x).numpy(), expected, rtol=1e-6)
out = loaded.scaled(tf.constant([3.0, 4.0]))
np.testing.assert_allclose(out["scaled"].numpy(), [6.0, 8.0])
assert float(out["norm"]) == float(scaled["norm"]) == 5.0
np.testing.assert_allclose(loaded.scaled(tf.constant([[1.0]]), 10.0)["scaled"].numpy(), [[10.0]])
try:
    loaded.scaled(tf.constant([1.0, 2.0, 3.0]))  # never traced with this shape
    raise AssertionError("expected an error")
except ValueError as e:
    assert "Could not find matching concrete function" in str(e)

assert sorted(loaded.signatures.keys()) == ["halve", "serving_default"]
serve = loaded.signatures["serving_default"]
assert list(serve.structured_outputs) == ["output_0"]
np.testing.assert_allclose(serve(x=tf.constant(x))["output_0"].numpy(), expected, rtol=1e-6)
halved = loaded.signatures["halve"](x=tf.constant(20.0))
assert sorted(halved) == ["output_0", "output_1"]
assert int(halved["output_1"]) == 5
np.testing.assert_allclose(float(halved["output_0"]), 0.625 * 0.1, rtol=1e-6)
value, steps = loaded.halve_until_small(tf.constant(3.0))
assert int(steps) == 2 and float(value) == 0.75

# the restored variables are shared by every function and differentiable
assert int(module.calls.numpy()) == 1 and int(loaded.calls.numpy()) == 3  # saved 1, +2 calls
with tf.GradientTape() as tape:
    loss = tf.reduce_sum(loaded.predict(x))
grad_w, grad_b = tape.gradient(loss, [loaded.w, loaded.b])
with tf.GradientTape() as tape:
    loss = tf.reduce_sum(module.predict(x))
ref_w, ref_b = tape.gradient(loss, [module.w, module.b])
np.testing.assert_allclose(grad_w.numpy(), ref_w.numpy(), rtol=1e-5)
np.testing.assert_allclose(grad_b.numpy(), ref_b.numpy(), rtol=1e-5)
loaded.b.assign([0.0, 0.0])
np.testing.assert_allclose(serve(x=tf.constant(x))["output_0"].numpy(),
                           tf.nn.sigmoid(x @ module.w.numpy()).numpy(), rtol=1e-6)

# Keras: tf.saved_model.save, Model.export and TFSMLayer
inputs = keras.Input((3,), name="features")
hidden = keras.layers.Dense(4, activation="relu")(inputs)
model = keras.Model(inputs, keras.layers.Dense(2)(hidden))
want = model.predict(x, verbose=0)

keras_path = os.path.join(tmp, "keras_saved")
tf.saved_model.save(model, keras_path)
reloaded = tf.saved_model.load(keras_path)
signature = reloaded.signatures["serving_default"]
assert list(signature.structured_input_signature[1]) == ["inputs"]
np.testing.assert_allclose(signature(inputs=tf.constant(x))["output_0"].numpy(), want,
                           rtol=1e-5)

export_path = os.path.join(tmp, "exported")
model.export(export_path, verbose=False)
exported = tf.saved_model.load(export_path)
np.testing.assert_allclose(exported.serve(x).numpy(), want, rtol=1e-5)
assert len(exported.trainable_variables) == 4
assert sorted(exported.signatures.keys()) == ["serve", "serving_default"]
assert list(exported.signatures["serving_default"].structured_input_signature[1]) == ["features"]

layer = keras.layers.TFSMLayer(export_path, call_endpoint="serving_default")
np.testing.assert_allclose(layer(x)["output_0"].numpy(), want, rtol=1e-5)
assert len(layer.trainable_weights) == 4
try:
    keras.layers.TFSMLayer(export_path, call_endpoint="nope")
    raise AssertionError("expected an error")
except ValueError as e:
    assert "neither an attribute of the reloaded SavedModel" in str(e)
print("ok")
