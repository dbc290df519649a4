"""Text with Keras: TextVectorization learns a vocabulary, and the Transformer encoder of Deep
Learning with Python chapter 11 (MultiHeadAttention, LayerNormalization) classifies the
vectorized texts after a short fit."""
import numpy as np
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers

texts = ["A great film, truly great!", "An awful film.", "Great acting; great plot.",
         "Awful, awful acting", "great", "awful"] * 8
labels = np.array([1, 0, 1, 0, 1, 0] * 8, np.float32)

vectorize = layers.TextVectorization(max_tokens=12, output_sequence_length=6)
vectorize.adapt(texts)
vocab = vectorize.get_vocabulary()
assert vocab[:4] == ["", "[UNK]", "great", "awful"], vocab
tokens = vectorize(tf.constant(["great acting", "unknown words here"])).numpy()
assert tokens.shape == (2, 6)
assert tokens[0, 0] == 2 and tokens[1, 0] == 1 and tokens[0, -1] == 0

bigrams = layers.TextVectorization(ngrams=2, output_mode="count")
bigrams.adapt(["the cat", "the cat sat"])
assert "the cat" in bigrams.get_vocabulary()
counts = bigrams(tf.constant(["the cat the cat"])).numpy()
assert counts[0, bigrams.get_vocabulary().index("the cat")] == 2


class TransformerEncoder(layers.Layer):
    def __init__(self, embed_dim, dense_dim, num_heads, **kwargs):
        super().__init__(**kwargs)
        self.attention = layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
        self.dense_proj = keras.Sequential([layers.Dense(dense_dim, activation="relu"),
                                            layers.Dense(embed_dim)])
        self.layernorm_1 = layers.LayerNormalization()
        self.layernorm_2 = layers.LayerNormalization()

    def call(self, inputs):
        attention_output = self.attention(inputs, inputs)
        proj_input = self.layernorm_1(inputs + attention_output)
        return self.layernorm_2(proj_input + self.dense_proj(proj_input))


inputs = keras.Input(shape=(6,), dtype="int64")
x = layers.Embedding(12, 8)(inputs)
x = TransformerEncoder(8, 16, 2)(x)
x = layers.GlobalMaxPooling1D()(x)
outputs = layers.Dense(1, activation="sigmoid")(x)
model = keras.Model(inputs, outputs)
model.compile(optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy",
              metrics=["accuracy"])
ds = tf.data.Dataset.from_tensor_slices((texts, labels)).batch(8).map(
    lambda t, y: (vectorize(t), y))
history = model.fit(ds, epochs=10, verbose=0)
assert history.history["accuracy"][-1] > 0.9, history.history

mha = layers.MultiHeadAttention(num_heads=2, key_dim=4)
q = tf.random.normal((2, 3, 8))
out, scores = mha(q, q, return_attention_scores=True, use_causal_mask=True)
assert out.shape == (2, 3, 8) and scores.shape == (2, 2, 3, 3)
assert np.allclose(np.triu(scores.numpy()[0, 0], 1), 0)          # no look-ahead
assert np.allclose(scores.numpy().sum(-1), 1, atol=1e-5)
print("ok")
