"""What a newcomer sees from Keras: default layer names, the summary table's wording, the progress
line of verbose=2, and the errors of two common mistakes."""
import contextlib
import io
import re

import numpy as np
import tensorflow as tf
from tensorflow import keras

L = keras.layers

# Layer names: Keras 3's rule keeps digits and capitals with their word.
names = [L.Conv2D(2, 3).name, L.MaxPooling2D().name, L.GlobalAveragePooling2D().name,
         L.BatchNormalization().name, L.Conv2D(2, 3).name]
assert [re.sub(r"_\d+$", "", n) for n in names] == [
    "conv2d", "max_pooling2d", "global_average_pooling2d", "batch_normalization", "conv2d"], names

model = keras.Sequential([keras.Input((784,)), L.Dense(512, activation="relu"),
                          L.Dense(10, activation="softmax")], name="mlp")
dense = model.layers[0].name
assert model.get_layer(dense) is model.layers[0]

# summary(): Keras 3's box table; print_fn receives the text.
captured = []
model.summary(line_length=76, print_fn=captured.append)
text = "\n".join(captured)
assert text.startswith('Model: "mlp"\n┏'), text
assert "┃ Layer (type)" in text and "Output Shape" in text and "Param # ┃" in text
assert "│ (None, 512)" in text and "401,920 │" in text and "5,130 │" in text
assert " Total params: 407,050 (1.55 MB)" in text
assert " Trainable params: 407,050 (1.55 MB)" in text
assert " Non-trainable params: 0 (0.00 B)" in text

# verbose=2: one line per epoch, "steps - time - time/step - metrics".
model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
x = np.random.default_rng(0).random((64, 784), dtype=np.float32)
y = np.arange(64) % 10
out = io.StringIO()
with contextlib.redirect_stdout(out):
    model.fit(x, y, batch_size=16, epochs=2, verbose=2)
    model.evaluate(x, y, batch_size=16, verbose=2)
lines = [line for line in out.getvalue().splitlines() if line]
assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2", lines
# Keras 3 sorts the logs by name: accuracy before loss.
step_line = r"4/4 - \d+s - \d+(s|ms|us)/step - accuracy: \S+ - loss: \S+"
assert all(re.fullmatch(step_line, lines[i]) for i in (1, 3, 4)), lines

# A list given to a one-input layer.
a, b = keras.Input((4,)), keras.Input((4,))
try:
    L.Dense(3, name="head")([a, b])
    raise AssertionError("no error")
except ValueError as e:
    assert str(e).startswith('Layer "head" expects 1 input(s), but it received 2 input '
                             "tensors. Inputs received: ["), e

# A (2, 3, 20) batch given to a model built for (None, 20).
inputs = keras.Input((20,), name="features")
functional = keras.Model(inputs, L.Dense(3)(inputs), name="scorer")
try:
    functional.predict(np.ones((2, 3, 20), np.float32), verbose=0)
    raise AssertionError("no error")
except ValueError as e:
    assert ("Input 0 with name 'features' of layer 'scorer' is incompatible with the layer: "
            "expected shape=(None, 20), found shape=(2, 3, 20)") in str(e), e
sequential = keras.Sequential([keras.Input((20,)), L.Dense(3)])
try:
    sequential.predict(np.ones((2, 3, 20), np.float32), verbose=0)
    raise AssertionError("no error")
except ValueError as e:
    assert "Invalid input shape for input" in str(e), e
    assert "Expected shape (None, 20), but input has incompatible shape (2, 3, 20)" in str(e), e
print("ok")
