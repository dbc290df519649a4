"""Keras preprocessing (Normalization, StringLookup, CategoryEncoding, Hashing, Discretization,
image augmentation in Dataset.map) and the convolution/shape layer families."""
import numpy as np
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers

data = np.array([[1.0, 10.0], [3.0, 30.0], [5.0, 50.0]], np.float32)
norm = layers.Normalization()
norm.adapt(data)
assert np.allclose(norm(data).numpy().mean(axis=0), 0, atol=1e-6)
assert np.allclose(norm.mean.numpy(), [[3.0, 30.0]])
back = layers.Normalization(mean=[3.0, 30.0], variance=norm.variance.numpy()[0], invert=True)
assert np.allclose(back(norm(data)).numpy(), data, atol=1e-4)

lookup = layers.StringLookup(vocabulary=["red", "green", "blue"])
assert lookup(tf.constant(["green", "pink"])).numpy().tolist() == [2, 0]
assert lookup.get_vocabulary() == ["[UNK]", "red", "green", "blue"]
names = layers.StringLookup(vocabulary=["red", "green", "blue"], invert=True)
assert names(tf.constant([3, 0])).numpy().tolist() == [b"blue", b"[UNK]"]
hot = layers.StringLookup(vocabulary=["a", "b"], output_mode="multi_hot")
assert hot(tf.constant([["a", "b"], ["b", "z"]])).numpy().tolist() == [[0, 1, 1], [1, 0, 1]]
ints = layers.IntegerLookup(vocabulary=[7, 11])
assert ints(tf.constant([11, 5])).numpy().tolist() == [2, 0]
enc = layers.CategoryEncoding(num_tokens=4, output_mode="count")
assert enc(tf.constant([[0, 1, 1, 3]])).numpy().tolist() == [[1, 2, 0, 1]]
assert layers.Hashing(10)(tf.constant(["a", "b", "c"])).numpy().tolist() == [9, 2, 2]
bins = layers.Discretization(bin_boundaries=[0.0, 1.0, 2.0])
assert bins(tf.constant([-1.0, 0.5, 1.0, 7.0])).numpy().tolist() == [0, 1, 2, 3]

images = np.random.default_rng(0).uniform(0, 255, (8, 6, 6, 3)).astype(np.float32)
augment = keras.Sequential([layers.RandomFlip("horizontal"), layers.RandomRotation(0.1),
                            layers.RandomZoom(0.1), layers.RandomContrast(0.2)])
ds = tf.data.Dataset.from_tensor_slices(images).batch(4).map(lambda x: augment(x, training=True))
assert [b.shape for b in ds] == [(4, 6, 6, 3), (4, 6, 6, 3)]
assert np.array_equal(augment(images, training=False).numpy(), images)
assert layers.CenterCrop(4, 4)(images).shape == (8, 4, 4, 3)
assert layers.Resizing(3, 9)(images).shape == (8, 3, 9, 3)

seq = keras.Input(shape=(10, 3))
h = layers.Conv1D(4, 3, padding="causal", activation="relu")(seq)
h = layers.MaxPooling1D(2)(h)
h = layers.UpSampling1D(2)(h)
h = layers.Conv1DTranspose(2, 3, strides=2, padding="same")(h)
assert h.shape == (None, 20, 2)
pooled = layers.GlobalAveragePooling1D()(h)
assert pooled.shape == (None, 2)
img = keras.Input(shape=(8, 8, 3))
g = layers.SeparableConv2D(6, 3, padding="same")(img)
g = layers.DepthwiseConv2D(3, depth_multiplier=2)(g)
g = layers.Conv2DTranspose(4, 3, strides=2)(g)
g = layers.Cropping2D(((1, 0), (0, 1)))(g)
g = layers.ZeroPadding2D(2)(g)
g = layers.GroupNormalization(groups=2)(g)
assert g.shape == (None, 16, 16, 4), g.shape
model = keras.Model(img, layers.Dense(1)(layers.GlobalMaxPooling2D()(layers.PReLU()(g))))
model.compile("adam", "mse")
model.fit(np.zeros((8, 8, 8, 3), np.float32), np.zeros((8, 1), np.float32), epochs=1, verbose=0)
x = tf.constant([[-2.0, -0.5, 0.5, 3.0]])
assert np.allclose(layers.ReLU(max_value=1.0)(x).numpy(), [[0, 0, 0.5, 1.0]])
assert np.allclose(layers.LeakyReLU(negative_slope=0.5)(x).numpy(), [[-1.0, -0.25, 0.5, 3.0]])
assert np.allclose(layers.Softmax()(x, mask=tf.constant([[True, False, True, False]])).numpy()
                   [0, [1, 3]], 0)
assert layers.Permute((2, 1))(tf.ones((2, 3, 4))).shape == (2, 4, 3)
assert layers.RepeatVector(3)(tf.ones((2, 4))).shape == (2, 3, 4)
assert np.allclose(np.linalg.norm(layers.UnitNormalization()(x).numpy()), 1.0)
print("ok")
