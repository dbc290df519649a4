"""The TF text-classification-with-an-RNN tutorial (TextVectorization adapted on a dataset,
Embedding(mask_zero) + Bidirectional LSTMs, predict on strings) and the Masking and padding guide
(masks reaching a custom layer's call while a functional model is built)."""
import numpy as np
import tensorflow as tf

texts = ["the movie was great", "terrible film, awful acting", "I loved it!", "worst movie ever",
         "great acting and a great plot", "boring and bad"] * 8
labels = [1, 0, 1, 0, 1, 0] * 8
ds = tf.data.Dataset.from_tensor_slices((texts, labels)).shuffle(64, seed=1).batch(8).prefetch(tf.data.AUTOTUNE)
for example, label in ds.take(1):
    print("texts: ", example.numpy()[:2])

VOCAB_SIZE = 100
encoder = tf.keras.layers.TextVectorization(max_tokens=VOCAB_SIZE)
encoder.adapt(ds.map(lambda text, label: text))
vocab = np.array(encoder.get_vocabulary())
print(vocab[:10])
encoded_example = encoder(example)[:3].numpy()
print(encoded_example)

model = tf.keras.Sequential([
    encoder,
    tf.keras.layers.Embedding(input_dim=len(encoder.get_vocabulary()), output_dim=16, mask_zero=True),
    tf.keras.layers.Bidirectional(tf.keras.layers.LSTM(16)),
    tf.keras.layers.Dense(16, activation='relu'),
    tf.keras.layers.Dense(1)
])
print([layer.supports_masking for layer in model.layers])
sample_text = ('The movie was cool. The animation and the graphics were out of this world. I would recommend this movie.')
predictions = model.predict(tf.constant([sample_text]), verbose=0)
print(predictions[0].shape)
padding = "the " * 2000
predictions = model.predict(tf.constant([sample_text, padding]), verbose=0)
print(predictions.shape)
model.compile(loss=tf.keras.losses.BinaryCrossentropy(from_logits=True), optimizer=tf.keras.optimizers.Adam(1e-3), metrics=['accuracy'])
history = model.fit(ds, epochs=2, validation_data=ds, validation_steps=2, verbose=0)
test_loss, test_acc = model.evaluate(ds, verbose=0)
print(sorted(history.history))

# stacked
model2 = tf.keras.Sequential([
    encoder,
    tf.keras.layers.Embedding(len(encoder.get_vocabulary()), 8, mask_zero=True),
    tf.keras.layers.Bidirectional(tf.keras.layers.LSTM(8, return_sequences=True)),
    tf.keras.layers.Bidirectional(tf.keras.layers.LSTM(4)),
    tf.keras.layers.Dense(8, activation='relu'),
    tf.keras.layers.Dropout(0.5),
    tf.keras.layers.Dense(1)
])
model2.compile(loss=tf.keras.losses.BinaryCrossentropy(from_logits=True), optimizer=tf.keras.optimizers.Adam(1e-4), metrics=['accuracy'])
model2.fit(ds, epochs=1, verbose=0)
p = model2.predict(tf.constant(["great movie"]), verbose=0)
assert p.shape == (1, 1)

# masking and padding guide
raw_inputs = [[711, 632, 71], [73, 8, 3215, 55, 927], [83, 91, 1, 645, 1253, 927]]
padded_inputs = tf.keras.utils.pad_sequences(raw_inputs, padding="post")
print(padded_inputs)
embedding = tf.keras.layers.Embedding(input_dim=5000, output_dim=16, mask_zero=True)
masked_output = embedding(padded_inputs)
print(masked_output._keras_mask if hasattr(masked_output, "_keras_mask") else embedding.compute_mask(padded_inputs))
masking_layer = tf.keras.layers.Masking()
unmasked_embedding = tf.cast(tf.tile(tf.expand_dims(padded_inputs, axis=-1), [1, 1, 10]), tf.float32)
masked_embedding = masking_layer(unmasked_embedding)
print(masking_layer.compute_mask(unmasked_embedding))

class MyLayer(tf.keras.layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.embedding = tf.keras.layers.Embedding(input_dim=5000, output_dim=16, mask_zero=True)
        self.lstm = tf.keras.layers.LSTM(32)

    def call(self, inputs):
        x = self.embedding(inputs)
        mask = self.embedding.compute_mask(inputs)
        output = self.lstm(x, mask=mask)
        return output

layer = MyLayer()
x = np.random.random((32, 10)) * 100
x = x.astype("int32")
print(layer(x).shape)

class TemporalSoftmax(tf.keras.layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        assert mask is not None
        broadcast_float_mask = tf.expand_dims(tf.cast(mask, "float32"), -1)
        inputs_exp = tf.exp(inputs) * broadcast_float_mask
        inputs_sum = tf.reduce_sum(inputs_exp * broadcast_float_mask, axis=-1, keepdims=True)
        return inputs_exp / inputs_sum

inputs = tf.keras.Input(shape=(None,), dtype="int32")
x = tf.keras.layers.Embedding(input_dim=10, output_dim=32, mask_zero=True)(inputs)
x = tf.keras.layers.Dense(1)(x)
outputs = TemporalSoftmax()(x)
model = tf.keras.Model(inputs, outputs)
y = model(np.random.randint(0, 10, size=(32, 100)))
print(y.shape)
print("ok")
