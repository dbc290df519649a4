"""Dilated (atrous) and grouped convolutions: tf.nn.conv2d / conv1d / conv3d / convolution with
dilations, strides and dilations together, grouped filters, atrous_conv2d and its transpose,
conv2d_transpose with dilations, depthwise and separable convolutions with dilations, their
gradients (eager and in tf.function), the errors TF raises for combinations it refuses, and the
Keras layers' dilation_rate and groups in a model that trains."""
import numpy as np
import tensorflow as tf

rng = np.random.default_rng(0)


def direct_conv2d(x, w, strides, padding, dilations):
    """A direct loop from TF's definition: taps dilations apart, SAME padding the dilated span,
    filters with fewer in_channels than the input split it into groups."""
    n, h, wd, c = x.shape
    kh, kw, cg, co = w.shape
    groups, cog = c // cg, co // (c // cg)
    span = [(kh - 1) * dilations[0] + 1, (kw - 1) * dilations[1] + 1]
    out_size, before = [], []
    for size, k, s in zip((h, wd), span, strides):
        out = -(-size // s) if padding == "SAME" else -(-(size - k + 1) // s)
        out_size.append(out)
        before.append(max((out - 1) * s + k - size, 0) // 2 if padding == "SAME" else 0)
    y = np.zeros((n, out_size[0], out_size[1], co))
    for r in range(out_size[0]):
        for q in range(out_size[1]):
            for i in range(kh):
                for j in range(kw):
                    a = r * strides[0] + i * dilations[0] - before[0]
                    b = q * strides[1] + j * dilations[1] - before[1]
                    if 0 <= a < h and 0 <= b < wd:
                        for g in range(groups):
                            y[:, r, q, g * cog:(g + 1) * cog] += \
                                x[:, a, b, g * cg:(g + 1) * cg] @ w[i, j, :, g * cog:(g + 1) * cog]
    return y


def close(got, want, what):
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-4, atol=1e-4, err_msg=what)


x = rng.standard_normal((2, 9, 8, 4)).astype(np.float32)
w = rng.standard_normal((3, 3, 4, 6)).astype(np.float32)
wg = rng.standard_normal((3, 2, 2, 6)).astype(np.float32)  # 2 groups of 2 input channels

# dilated, strided + dilated (tf.nn.conv2d allows both), grouped, grouped + dilated
for filters, strides, dilations, padding in [(w, [1, 1], [2, 2], "SAME"),
                                             (w, [1, 1], [3, 2], "VALID"),
                                             (w, [2, 3], [2, 2], "SAME"),
                                             (wg, [1, 1], [1, 1], "SAME"),
                                             (wg, [2, 1], [2, 3], "VALID")]:
    got = tf.nn.conv2d(x, filters, strides, padding, dilations=dilations)
    close(got, direct_conv2d(x, filters, strides, padding, dilations),
          f"conv2d strides={strides} dilations={dilations} {padding} {filters.shape}")

# the spellings of one dilated convolution
reference = tf.nn.conv2d(x, w, 1, "SAME", dilations=2).numpy()
close(tf.nn.conv2d(x, w, [1, 1, 1, 1], "SAME", dilations=[1, 2, 2, 1]), reference, "4-form")
close(tf.nn.atrous_conv2d(x, w, rate=2, padding="SAME"), reference, "atrous_conv2d")
close(tf.nn.convolution(x, w, padding="SAME", dilations=[2, 2]), reference, "convolution")

# 1-D: conv1d is conv2d over a unit height
x1 = x[:, 0]
w1 = rng.standard_normal((3, 4, 5)).astype(np.float32)
y1 = tf.nn.conv1d(x1, w1, stride=1, padding="SAME", dilations=2)
close(y1, direct_conv2d(x1[:, None], w1[None], (1, 1), "SAME", (1, 2))[:, 0], "conv1d dilated")
close(tf.nn.convolution(x1, w1, padding="SAME", dilations=[2]), y1.numpy(), "convolution 1-D")

# gradients, eagerly and in a tf.function, against the transposed convolution
xv = tf.constant(x)
wv = tf.Variable(w)


def loss_and_grads(inputs):
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        y = tf.nn.conv2d(inputs, wv, [1, 1], "SAME", dilations=[2, 3])
        loss = tf.reduce_sum(y * y)
    return y, tape.gradient(loss, [inputs, wv])


y, (gx, gw) = loss_and_grads(xv)
y_f, (gx_f, gw_f) = tf.function(loss_and_grads)(xv)
close(y_f, y.numpy(), "tf.function value")
close(gx_f, gx.numpy(), "tf.function input gradient")
close(gw_f, gw.numpy(), "tf.function filter gradient")
transposed = tf.nn.conv2d_transpose(2.0 * y, wv, x.shape, 1, "SAME", dilations=[2, 3])
close(gx, transposed.numpy(), "input gradient = conv2d_transpose with the same dilations")
# finite differences of one filter entry
eps, (i, j, c, o) = 1e-2, (1, 2, 3, 4)
w_up, w_down = w.copy(), w.copy()
w_up[i, j, c, o] += eps
w_down[i, j, c, o] -= eps
numeric = (np.sum(direct_conv2d(x, w_up, (1, 1), "SAME", (2, 3)) ** 2) -
           np.sum(direct_conv2d(x, w_down, (1, 1), "SAME", (2, 3)) ** 2)) / (2 * eps)
assert abs(gw.numpy()[i, j, c, o] - numeric) < 1e-2 * max(1.0, abs(numeric)), (gw, numeric)

# grouped gradients are the gradients of the groups computed separately
xg = tf.constant(x)
with tf.GradientTape(persistent=True) as tape:
    tape.watch(xg)
    grouped = tf.reduce_sum(tf.nn.conv2d(xg, wg, 1, "SAME") ** 2)
    split = sum(tf.reduce_sum(tf.nn.conv2d(xg[..., 2 * g:2 * g + 2], wg[..., 3 * g:3 * g + 3], 1,
                                           "SAME") ** 2) for g in range(2))
close(tape.gradient(grouped, xg), tape.gradient(split, xg).numpy(), "grouped input gradient")

# atrous_conv2d_transpose is conv2d_transpose with dilations [rate, rate]
dy = rng.standard_normal((2, 9, 8, 6)).astype(np.float32)
close(tf.nn.atrous_conv2d_transpose(dy, w, [2, 9, 8, 4], 2, "SAME"),
      tf.nn.conv2d_transpose(dy, w, [2, 9, 8, 4], 1, "SAME", dilations=2).numpy(),
      "atrous_conv2d_transpose")
y_strided = tf.nn.conv2d(x, w, 2, "SAME", dilations=2)
back = tf.nn.conv2d_transpose(y_strided, w, x.shape, 2, "SAME", dilations=2)
assert back.shape == x.shape

# depthwise and separable convolutions with dilations (strides 1, as TF requires)
wd = rng.standard_normal((3, 3, 4, 2)).astype(np.float32)
pw = rng.standard_normal((1, 1, 8, 3)).astype(np.float32)
dw = tf.nn.depthwise_conv2d(x, wd, [1, 1, 1, 1], "SAME", dilations=[2, 3])
full = np.zeros((3, 3, 1, 8), np.float32)
for ch in range(4):
    full[:, :, 0, 2 * ch:2 * ch + 2] = wd[:, :, ch, :]
expected_dw = np.concatenate([direct_conv2d(x[..., ch:ch + 1], full[..., 2 * ch:2 * ch + 2],
                                            (1, 1), "SAME", (2, 3)) for ch in range(4)], -1)
close(dw, expected_dw, "depthwise_conv2d dilated")
sep = tf.nn.separable_conv2d(x, wd, pw, [1, 1, 1, 1], "SAME", dilations=[2, 3])
close(sep, np.einsum("nhwc,co->nhwo", expected_dw, pw[0, 0]), "separable_conv2d dilated")

# 3-D: strides and dilations as lists of 5; each depth tap is a 2-D convolution of a depth slice
volume = rng.standard_normal((2, 6, 5, 5, 3)).astype(np.float32)
w3 = rng.standard_normal((2, 3, 3, 3, 4)).astype(np.float32)
y3 = tf.nn.conv3d(volume, w3, [1, 1, 1, 1, 1], "VALID", dilations=[1, 3, 1, 2, 1])
assert y3.shape == (2, 3, 3, 1, 4), y3.shape
for d in range(3):  # output depth d reads depths d and d + 3
    want = sum(direct_conv2d(volume[:, d + 3 * k], w3[k], (1, 1), "VALID", (1, 2))
               for k in range(2))
    close(y3[:, d], want, f"conv3d output depth {d}")
with tf.GradientTape() as tape:
    v3 = tf.constant(volume)
    tape.watch(v3)
    loss3 = tf.reduce_sum(tf.nn.conv3d(v3, w3, [1, 2, 1, 1, 1], "SAME") ** 2)
assert tape.gradient(loss3, v3).shape == volume.shape

# what TF refuses
refused = [
    lambda: tf.nn.convolution(x, w, strides=2, padding="SAME", dilations=2),  # ValueError
    lambda: tf.nn.atrous_conv2d(x, w, rate=0, padding="SAME"),
    lambda: tf.nn.conv2d(x, rng.standard_normal((3, 3, 3, 6)).astype(np.float32), 1, "SAME"),
    lambda: tf.nn.conv2d(x, rng.standard_normal((3, 3, 2, 5)).astype(np.float32), 1, "SAME"),
    lambda: tf.nn.conv2d(x, w, 1, "VALID", dilations=5),  # the dilated window spans 11 > 9
    lambda: tf.nn.conv2d(x, w, 1, "SAME", dilations=[2, 2, 2, 1]),
]
for k, call in enumerate(refused):
    try:
        call()
        raise AssertionError(f"case {k} must fail")
    except (ValueError, tf.errors.InvalidArgumentError):
        pass

# Keras: dilation_rate and groups in a model that trains
keras = tf.keras
layers = keras.layers
conv = layers.Conv2D(8, 3, dilation_rate=2, groups=2, padding="same", activation="relu")
model = keras.Sequential([
    keras.Input((12, 12, 4)), conv,
    layers.DepthwiseConv2D(3, dilation_rate=(2, 1)),
    layers.SeparableConv2D(6, 3, dilation_rate=2, padding="same"),
    layers.GlobalAveragePooling2D(), layers.Dense(2)])
assert tuple(conv.kernel.shape) == (3, 3, 2, 8)
assert model.output_shape == (None, 2)
images = rng.standard_normal((8, 12, 12, 4)).astype(np.float32)
targets = rng.standard_normal((8, 2)).astype(np.float32)
model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
history = model.fit(images, targets, batch_size=4, epochs=5, verbose=0, shuffle=False)
assert history.history["loss"][-1] < history.history["loss"][0], history.history["loss"]
config = conv.get_config()
assert tuple(config["dilation_rate"]) == (2, 2) and config["groups"] == 2
clone = layers.Conv2D.from_config(config)
assert tuple(clone.dilation_rate) == (2, 2) and clone.groups == 2

sequence = rng.standard_normal((2, 10, 6)).astype(np.float32)
causal = layers.Conv1D(6, 3, dilation_rate=2, groups=3, padding="causal")
assert causal(sequence).shape == (2, 10, 6)
assert layers.SeparableConv1D(3, 3, dilation_rate=2)(sequence).shape == (2, 6, 3)
assert layers.DepthwiseConv1D(2, dilation_rate=3)(sequence).shape == (2, 7, 6)
assert layers.Conv2DTranspose(2, 3, dilation_rate=2)(images[:1]).shape == (1, 16, 16, 2)
conv3 = layers.Conv3D(6, 2, dilation_rate=(2, 1, 1), groups=3, padding="same")
assert conv3(volume).shape == (2, 6, 5, 5, 6) and tuple(conv3.kernel.shape) == (2, 2, 2, 1, 6)
# the depthwise layers take strides with dilations: the stride-1 dilated windows, subsampled
depthwise = layers.DepthwiseConv2D(3, strides=2, dilation_rate=2)
strided = depthwise(images)
close(strided, tf.nn.depthwise_conv2d(images, depthwise.kernel, [1, 1, 1, 1], "VALID",
                                      dilations=[2, 2])[:, ::2, ::2].numpy(), "DepthwiseConv2D")
for bad in [lambda: layers.Conv2D(4, 3, strides=2, dilation_rate=2),
            lambda: layers.Conv2D(5, 3, groups=2),
            lambda: layers.Conv1D(6, 3, groups=4)(sequence)]:
    try:
        bad()
        raise AssertionError("must fail")
    except ValueError:
        pass
print("ok")
