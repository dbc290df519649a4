"""keras.ops beyond the basics, as Keras 3 code writes it: NumPy-style math with Keras's dtype
promotion, NaN-aware statistics and quantiles, windows, bitwise ops, linear algebra, the nn
activations, normalizations, attention, convolutions and pools, scan/map/switch/jvp, and the
ops.nn / ops.linalg / ops.numpy submodules; with a gradient and a tf.function."""
import numpy as np
import tensorflow as tf
import keras
from keras import ops

rng = np.random.default_rng(0)
x = rng.uniform(-2, 2, (3, 4)).astype(np.float32)
i = rng.integers(1, 9, (3, 4)).astype(np.int32)
nans = np.array([[1.0, np.nan, 3.0], [np.nan, 2.0, 5.0]], np.float32)


def check(got, want, dtype, atol=1e-5):
    got = ops.convert_to_numpy(got)
    assert str(got.dtype) == dtype, (got.dtype, dtype)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=atol)


# dtype promotion: Python scalars are converted first (append) or weak (divide_no_nan)
check(ops.append(np.array([1, 2], np.int8), 2.5), [1, 2, 2.5], "float32")
check(ops.append(np.array([1, 2], np.int8), 1), [1, 2, 1], "int32")
check(ops.divide_no_nan(np.array([1, 4], np.int8), np.array([0, 2], np.int8)), [0, 2], "float32")
check(ops.hypot(np.array([3, 5], np.int64), np.array([4, 12], np.int64)), [5, 13], "float64")
check(ops.log2(np.array([1, 8], np.int32)), [0, 3], "float32")
check(ops.cbrt(np.array([-8.0, 27.0], np.float32)), [-2, 3], "float32")
check(ops.exp2(np.array([3], np.int32)), [8], "float32")
check(ops.logaddexp(x, x), np.logaddexp(x, x), "float32")
check(ops.gcd(i, 6), np.gcd(i, 6), "int32")
check(ops.lcm(i, 4), np.lcm(i, 4), "int32")
check(ops.bitwise_xor(i, 5), np.bitwise_xor(i, 5), "int32")
check(ops.left_shift(i, 2), np.left_shift(i, 2), "int32")
check(ops.fmod(x, 0.7), np.fmod(x, np.float32(0.7)), "float32")
check(ops.trunc(x), np.trunc(x), "float32")
check(ops.sinc(np.array([0.0, 0.5], np.float32)), np.sinc([0.0, 0.5]), "float32")

# statistics
check(ops.median(x, axis=1), np.median(x, axis=1), "float32")
check(ops.quantile(x, 0.3, axis=0), np.quantile(x, 0.3, axis=0), "float32")
check(ops.percentile(i, 75.0), np.percentile(i, 75.0), "float32")
check(ops.nanmean(nans, axis=1), np.nanmean(nans, axis=1), "float32")
check(ops.nansum(nans), np.nansum(nans), "float32")
check(ops.nanmax(nans, axis=0), np.nanmax(nans, axis=0), "float32")
check(ops.nanmedian(nans, axis=1), np.nanmedian(nans, axis=1), "float32")
check(ops.ptp(i, axis=0), np.ptp(i, axis=0), "int32")
check(ops.average(x, axis=1, weights=np.array([1.0, 2.0, 3.0, 4.0], np.float32)),
      np.average(x, axis=1, weights=[1, 2, 3, 4]), "float32")
check(ops.corrcoef(x), np.corrcoef(x), "float32", atol=1e-4)
check(ops.bincount(np.array([0, 1, 1, 3], np.int32), minlength=5), [1, 2, 0, 1, 0], "int32")
counts, edges = ops.histogram(np.array([0.0, 0.1, 0.5, 0.9, 1.0], np.float32), bins=2)
check(counts, [2, 3], "float32")
check(ops.digitize(x, [-1.0, 0.0, 1.0]), np.digitize(x, [-1.0, 0.0, 1.0]), "int32")
check(ops.isclose(x, x + 1e-7), np.ones((3, 4), bool), "bool")
assert bool(ops.allclose(x, x))

# creation, windows, shapes
check(ops.hanning(5), np.hanning(5), "float32")
check(ops.kaiser(6, 3.0), np.kaiser(6, 3.0), "float32", atol=1e-6)
check(ops.logspace(0.0, 2.0, 3), [1, 10, 100], "float32", atol=1e-4)
check(ops.geomspace(1.0, 8.0, 4), [1, 2, 4, 8], "float32", atol=1e-5)
check(ops.vander(np.array([1.0, 2.0, 3.0], np.float32)), np.vander([1.0, 2.0, 3.0]), "float32")
check(ops.rot90(x), np.rot90(x), "float32")
check(ops.fliplr(x), np.fliplr(x), "float32")
check(ops.diagonal(x, offset=1), np.diagonal(x, 1), "float32")
check(ops.diag(np.array([1, 2], np.int32)), np.diag([1, 2]), "int32")
check(ops.diff(x, n=2), np.diff(x, n=2), "float32")
check(ops.kron(np.eye(2, dtype=np.float32), x[:2, :2]), np.kron(np.eye(2), x[:2, :2]), "float32")
check(ops.cross(x[:, :3], x[:, 1:]), np.cross(x[:, :3], x[:, 1:]), "float32")
check(ops.inner(x, x), np.inner(x, x), "float32")
check(ops.vdot(x, x), np.vdot(x, x), "float32", atol=1e-4)
check(ops.dstack([x, x]), np.dstack([x, x]), "float32")
assert [p.shape[0] for p in ops.array_split(np.arange(7), 3)] == [3, 2, 2]
rows, cols = ops.nonzero(np.array([[0, 1], [2, 0]], np.int32))
check(rows, [0, 1], "int32")
check(ops.searchsorted(np.array([1.0, 3.0, 5.0], np.float32), np.array([2.0, 5.0], np.float32)),
      [1, 2], "int32")
check(ops.select([x > 1.0, x < -1.0], [x, -x]), np.select([x > 1, x < -1], [x, -x]), "float32")
check(ops.nan_to_num(np.array([np.nan, np.inf], np.float32), posinf=9.0), [0, 9], "float32")
check(ops.signbit(np.array([-0.0, 1.0], np.float32)), [True, False], "bool")
check(ops.slice_update(np.zeros((3, 3), np.float32), (1, 1), np.ones((2, 2), np.float32)),
      [[0, 0, 0], [0, 1, 1], [0, 1, 1]], "float32")
check(ops.saturate_cast(np.array([-5.0, 300.0], np.float32), "uint8"), [0, 255], "uint8")
check(ops.segment_max(x, np.array([0, 0, 1], np.int32)), np.stack([x[:2].max(0), x[2]]),
      "float32")
check(ops.extract_sequences(np.arange(6.0, dtype=np.float32), 3, 2), [[0, 1, 2], [2, 3, 4]],
      "float32")

# linear algebra
a = (x[:, :3] @ x[:, :3].T + 3 * np.eye(3)).astype(np.float32)
check(ops.det(a), np.linalg.det(a), "float32", atol=1e-3)
check(ops.inv(a), np.linalg.inv(a), "float32", atol=1e-4)
check(ops.solve(a, x[:, 0]), np.linalg.solve(a, x[:, 0]), "float32", atol=1e-4)
check(ops.cholesky(a), np.linalg.cholesky(a), "float32", atol=1e-5)
check(ops.linalg.svd(x, compute_uv=False), np.linalg.svd(x, compute_uv=False), "float32", 1e-4)
check(ops.lstsq(x.T, x[0]), np.linalg.lstsq(x.T, x[0], rcond=None)[0], "float32", atol=1e-4)
check(ops.matrix_rank(np.array([[1.0, 2.0], [2.0, 4.0]], np.float32)), 1, "int32")

# nn
check(ops.hard_tanh(x), np.clip(x, -1, 1), "float32")
check(ops.celu(x), np.maximum(x, 0) + np.minimum(0, np.expm1(x)), "float32")
check(ops.glu(x), x[:, :2] / (1 + np.exp(-x[:, 2:])), "float32")
check(ops.squareplus(x), (x + np.sqrt(x * x + 4)) / 2, "float32")
check(ops.soft_shrink(x), np.where(x > 0.5, x - 0.5, np.where(x < -0.5, x + 0.5, 0)), "float32")
mean, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
check(ops.layer_normalization(x), (x - mean) / np.sqrt(var + 1e-7), "float32", atol=1e-4)
check(ops.rms_normalization(x), x / np.sqrt((x * x).mean(-1, keepdims=True) + 1e-7), "float32",
      atol=1e-4)
check(ops.multi_hot(np.array([[0, 2], [1, 1]], np.int32), 3), [[1, 0, 1], [0, 1, 0]], "float32")
img = rng.uniform(0, 1, (1, 6, 6, 2)).astype(np.float32)
check(ops.max_pool(img, 2), img.reshape(1, 3, 2, 3, 2, 2).max((2, 4)), "float32")
check(ops.adaptive_average_pool(ops.convert_to_tensor(img), 3),
      img.reshape(1, 3, 2, 3, 2, 2).mean((2, 4)), "float32")
kernel = rng.uniform(-1, 1, (3, 3, 2, 4)).astype(np.float32)
assert ops.shape(ops.conv(img, kernel, padding="same")) == (1, 6, 6, 4)
assert ops.shape(ops.conv_transpose(img, kernel.transpose(0, 1, 3, 2), strides=2)) == (1, 13, 13, 4)
q = rng.normal(size=(1, 3, 2, 4)).astype(np.float32)
out = ops.dot_product_attention(q, q, q, is_causal=True)
check(out[:, 0], q[:, 0], "float32")  # the first query attends to itself only
check(ops.depth_to_space(ops.space_to_depth(img, 2), 2), img, "float32")

# functions of functions
carry, ys = ops.scan(lambda c, v: (c + v, c), np.float32(0.0), np.arange(4, dtype=np.float32))
check(carry, 6.0, "float32")
check(ys, [0, 0, 1, 3], "float32")
check(ops.associative_scan(lambda u, v: u + v, np.arange(1, 5, dtype=np.int32)), [1, 3, 6, 10],
      "int32")
check(ops.map(lambda v: v * 2, np.arange(3, dtype=np.int32)), [0, 2, 4], "int32")
check(ops.switch(1, [lambda v: v + 1, lambda v: v * 10], np.float32(3.0)), 30.0, "float32")
primal, tangent = ops.jvp(lambda v: v * v, (ops.convert_to_tensor(np.float32(3.0)),),
                          (ops.convert_to_tensor(np.float32(1.0)),))
check(tangent, 6.0, "float32")
assert ops.nn.sparsemax is not None and ops.numpy.kron is not None

# gradients and tf.function
v = tf.Variable(x)
with tf.GradientTape() as tape:
    loss = ops.sum(ops.layer_normalization(v) * ops.logaddexp(v, 0.0))
assert tape.gradient(loss, v).shape == (3, 4)


@tf.function
def stats(t):
    return ops.quantile(t, 0.5, axis=1), ops.nanmax(t, axis=0)


med, top = stats(tf.constant(x))
np.testing.assert_allclose(med.numpy(), np.median(x, axis=1), rtol=1e-6)
np.testing.assert_allclose(top.numpy(), x.max(0), rtol=1e-6)
assert keras.ops.hamming(3).shape == (3,)
print("ok")
