"""Keras 3 layers beyond the basic set: Dot and the functional merge forms, InputSpec, Wrapper,
EinsumDense, RMSNormalization, SpectralNormalization, ActivityRegularization, AlphaDropout,
HashedCrossing, Pipeline, the 3-D and adaptive pooling layers and the color/mixing
augmentations, in eager calls and a compiled fit."""
import numpy as np
import tensorflow as tf
import keras

L = keras.layers
rng = np.random.default_rng(0)

# Dot: per-example dot products over the given axes, optionally of L2-normalized inputs
a = rng.standard_normal((2, 3, 4)).astype(np.float32)
b = rng.standard_normal((2, 5, 4)).astype(np.float32)
assert np.allclose(L.Dot(axes=(2, 2))([a, b]).numpy(), np.einsum("bik,bjk->bij", a, b), atol=1e-5)
cos = L.Dot(axes=-1, normalize=True)([a[:, 0], b[:, 0]]).numpy()
ref = (a[:, 0] * b[:, 0]).sum(-1) / np.linalg.norm(a[:, 0], axis=-1) / np.linalg.norm(b[:, 0], axis=-1)
assert cos.shape == (2, 1) and np.allclose(cos[:, 0], ref, atol=1e-5)
assert L.dot([a[:, 0], b[:, 0]], axes=1).shape == (2, 1)
p, q = np.array([[1.0, 5.0]], np.float32), np.array([[3.0, 2.0]], np.float32)
assert L.maximum([p, q]).numpy().tolist() == [[3.0, 5.0]]
assert L.minimum([p, q]).numpy().tolist() == [[1.0, 2.0]]
assert L.subtract([p, q]).numpy().tolist() == [[-2.0, 3.0]]
try:
    L.Dot(axes=1)([np.ones((2, 3), np.float32), np.ones((2, 4), np.float32)])
    raise AssertionError("expected a ValueError")
except ValueError as e:
    assert "Incompatible input shapes" in str(e)
assert L.Convolution2D is L.Conv2D and L.GlobalAvgPool2D is L.GlobalAveragePooling2D


# InputSpec is checked when a layer is called
class Pairs(L.Layer):
    def __init__(self):
        super().__init__()
        self.input_spec = L.InputSpec(ndim=2, axes={-1: 2})

    def call(self, x):
        return x * 2.0


assert Pairs()(np.ones((3, 2), np.float32)).shape == (3, 2)
try:
    Pairs()(np.ones((3, 4), np.float32))
    raise AssertionError("expected a ValueError")
except ValueError as e:
    assert "expected axis -1 of input shape to have value 2" in str(e)

# EinsumDense with set weights equals the einsum
layer = L.EinsumDense("abc,cde->abde", output_shape=(None, 2, 3), bias_axes="de")
x = rng.standard_normal((2, 5, 4)).astype(np.float32)
layer.build(x.shape)
kernel = rng.standard_normal((4, 2, 3)).astype(np.float32)
bias = rng.standard_normal((2, 3)).astype(np.float32)
layer.set_weights([kernel, bias])
assert np.allclose(layer(x).numpy(), np.einsum("abc,cde->abde", x, kernel) + bias, atol=1e-5)

# RMSNormalization: x / sqrt(mean(x^2) + eps) * scale
y = L.RMSNormalization(epsilon=1e-6)(x).numpy()
assert np.allclose(y, x / np.sqrt((x ** 2).mean(-1, keepdims=True) + 1e-6), atol=1e-5)

# ActivityRegularization adds its penalty to the layer's losses; AlphaDropout is the identity
reg = L.ActivityRegularization(l1=0.1)
reg(p)
assert np.isclose(float(reg.losses[0]), 0.1 * 6.0)
assert np.array_equal(L.AlphaDropout(0.5)(x, training=False).numpy(), x)

# SpectralNormalization: training calls divide the kernel by its top singular value
sn = L.SpectralNormalization(L.Dense(3), power_iterations=30)
sn(x[:, 0], training=True)
assert abs(np.linalg.svd(sn.layer.kernel.numpy(), compute_uv=False)[0] - 1.0) < 1e-3

# HashedCrossing: TF's hashed cross bins
cross = L.HashedCrossing(num_bins=7)
ints = np.array([1, 2, -3, 2 ** 40], np.int64)
strs = np.array([b"a", b"bb", b"", b"x"])
assert cross((ints, strs)).numpy().tolist() == [1, 0, 4, 4]
assert cross((ints, ints)).numpy().tolist() == [0, 1, 6, 5]
assert L.HashedCrossing(5)((strs, strs, strs)).numpy().tolist() == [4, 1, 3, 1]

# Pipeline: its layers in order; training defaults to True
pipe = L.Pipeline([L.Rescaling(2.0), L.Rescaling(1.0, offset=1.0)])
assert pipe(p).numpy().tolist() == [[3.0, 11.0]]

# 3-D layers and adaptive pooling
vol = rng.standard_normal((2, 4, 4, 6, 3)).astype(np.float32)
pooled = L.MaxPooling3D(2)(vol).numpy()
assert np.allclose(pooled, vol.reshape(2, 2, 2, 2, 2, 3, 2, 3).max(axis=(2, 4, 6)))
assert np.allclose(L.AveragePooling3D((2, 2, 3))(vol).numpy(),
                   vol.reshape(2, 2, 2, 2, 2, 2, 3, 3).mean(axis=(2, 4, 6)), atol=1e-6)
assert L.UpSampling3D((1, 2, 1))(vol).shape == (2, 4, 8, 6, 3)
assert L.ZeroPadding3D(1)(vol).shape == (2, 6, 6, 8, 3)
assert L.Cropping3D(((1, 0), (0, 1), (2, 2)))(vol).shape == (2, 3, 3, 2, 3)
assert np.allclose(L.GlobalAveragePooling3D()(vol).numpy(), vol.mean(axis=(1, 2, 3)), atol=1e-6)
seq = rng.standard_normal((2, 7, 3)).astype(np.float32)
ad = L.AdaptiveAveragePooling1D(3)(seq).numpy()  # bins [0, 3), [2, 5), [4, 7)
assert np.allclose(ad, np.stack([seq[:, 0:3].mean(1), seq[:, 2:5].mean(1), seq[:, 4:7].mean(1)], 1),
                   atol=1e-6)
ad = L.AdaptiveMaxPooling2D((2, 3))(vol[:, 0]).numpy()  # height 4 -> [0, 2), [2, 4)
assert np.allclose(ad[:, 1, 2], vol[:, 0, 2:4, 4:6].max(axis=(1, 2)))

# color augmentations: deterministic settings
img = rng.uniform(0, 255, (2, 4, 4, 3)).astype(np.float32)
assert np.allclose(L.Solarization()(img).numpy(), 255.0 - img, atol=1e-4)
low, high = img.min(axis=(1, 2), keepdims=True), img.max(axis=(1, 2), keepdims=True)
assert np.allclose(L.AutoContrast()(img).numpy(), (img - low) * 255.0 / (high - low), atol=1e-3)
assert np.allclose(L.RandomPosterization((3, 3))(img).numpy(), np.floor(img) // 32 * 32)
gray = L.RandomGrayscale(1.0)(img).numpy()
assert np.allclose(gray[..., 0], (img * [0.2989, 0.5870, 0.1140]).sum(-1), atol=1e-3)
assert np.allclose(L.RandomBrightness((0.1, 0.1))(img).numpy(), np.clip(img + 25.5, 0, 255),
                   atol=1e-4)
for aug in [L.RandomHue(0.2), L.RandomSaturation(0.3), L.RandomSharpness(0.3),
            L.RandomColorDegeneration(0.3), L.RandomGaussianBlur(), L.Equalization(),
            L.RandomErasing(), L.RandomInvert()]:
    assert np.array_equal(aug(img, training=False).numpy(), img)
    assert aug(img).shape == img.shape
mixed = L.MixUp()({"images": img, "labels": np.eye(2, dtype=np.float32)})
assert np.allclose(mixed["labels"].numpy().sum(-1), 1.0)
cut = L.CutMix()({"images": img, "labels": np.eye(2, dtype=np.float32)})
assert np.allclose(cut["labels"].numpy().sum(-1), 1.0)

# ReversibleEmbedding: lookups, and logits against the same table
emb = L.ReversibleEmbedding(6, 3)
vectors = emb(np.array([[1, 4]]))
table = emb.embeddings.numpy()
assert np.allclose(vectors.numpy()[0], table[[1, 4]])
assert np.allclose(emb(vectors, reverse=True).numpy()[0], table[[1, 4]] @ table.T, atol=1e-6)

# GroupQueryAttention: 4 query heads sharing 2 key/value heads
gqa = L.GroupQueryAttention(head_dim=2, num_query_heads=4, num_key_value_heads=2)
seq = rng.standard_normal((2, 5, 6)).astype(np.float32)
out, scores = gqa(seq, seq, return_attention_scores=True, use_causal_mask=True)
assert out.shape == (2, 5, 6) and scores.shape == (2, 4, 5, 5)
assert np.allclose(scores.numpy().sum(-1), 1.0, atol=1e-5)
assert np.allclose(np.triu(scores.numpy()[0, 0], 1), 0.0)
assert [tuple(w.shape) for w in gqa.weights][:4] == [(6, 4, 2), (4, 2), (6, 2, 2), (2, 2)]

# CLAHE of an image that is one flat tile: unchanged where equalization has one level
flat = np.full((1, 8, 8, 1), 100.0, np.float32)
clahe = L.ContrastLimitedAdaptiveHistogramEqualization(tile_grid_size=(2, 2))
assert clahe(flat).shape == (1, 8, 8, 1)

# serialize / deserialize
config = L.serialize(L.Dot(axes=1, name="dot_layer"))
assert config["class_name"] == "Dot" and config["config"]["axes"] == 1
assert L.deserialize(config).axes == 1

# a model using several of them trains with a compiled fit
inputs = keras.Input((4, 4, 4, 2))
h = L.ZeroPadding3D(1)(inputs)
h = L.MaxPooling3D(2)(h)
h = L.AdaptiveAveragePooling3D((2, 2, 2))(h)
h = L.Reshape((8, 2))(h)
h = L.EinsumDense("abc,cd->abd", output_shape=(8, 3), bias_axes="d", activation="relu")(h)
h = L.RMSNormalization()(h)
h = L.ActivityRegularization(l2=1e-4)(h)
outputs = L.Dense(1)(L.Flatten()(h))
model = keras.Model(inputs, outputs)
model.compile(optimizer=keras.optimizers.Adam(0.02), loss="mse")
data = rng.standard_normal((32, 4, 4, 4, 2)).astype(np.float32)
target = data.mean(axis=(1, 2, 3, 4))[:, None]
history = model.fit(data, target, epochs=8, batch_size=8, verbose=0)
assert history.history["loss"][-1] < history.history["loss"][0]
assert model.predict(data[:3], verbose=0).shape == (3, 1)
print("ok")
