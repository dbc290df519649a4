"""Models check their inputs: a wrong rank or size raises a ValueError naming the expected
shape; a trailing axis of 1 is squeezed or added as Keras does."""
import numpy as np
import tensorflow as tf
from tensorflow import keras



def models():
    inputs = keras.Input((20,))
    return (keras.Model(inputs, keras.layers.Dense(10)(inputs)),
            keras.Sequential([keras.Input((20,)), keras.layers.Dense(10)]))


for model in models():
    for bad in (np.ones(20, "float32"), np.ones((3, 21), "float32")):
        try:
            model.predict(bad, verbose=0)
        except ValueError as e:
            assert "20" in str(e) and "shape" in str(e), str(e)
        else:
            raise AssertionError(f"{model.name} accepted an input of shape {bad.shape}")
x = np.random.default_rng(0).random((3, 20)).astype("float32")
for plain, squeezed in zip(models(), models()):  # (TF cannot reuse one predict for both ranks)
    squeezed.set_weights(plain.get_weights())
    np.testing.assert_allclose(squeezed.predict(x[..., None], verbose=0),
                               plain.predict(x, verbose=0), rtol=1e-6)

column = keras.Input((1,))
doubler = keras.Model(column, column * 2.0)
np.testing.assert_allclose(doubler(np.array([1.0, 2.0], "float32")), [[2.0], [4.0]])
print("ok")
