"""Complex numbers and tf.signal's Fourier transforms: complex constants and their dtypes,
arithmetic, real/imag/conj/angle/abs, complex gradients (TF's conjugate convention), FFTs
against NumPy, a spectral low-pass filter trained by gradient descent inside tf.function, and
an STFT round trip."""
import numpy as np
import tensorflow as tf

z = tf.constant([1 + 2j, -0.5 + 0.25j])
assert z.dtype == tf.complex128 and tf.constant(np.complex64(1j)).dtype == tf.complex64
assert tf.complex64.is_complex and tf.complex64.real_dtype == tf.float32
c = tf.complex(tf.constant([3.0, 0.0]), tf.constant([4.0, -1.0]))
assert c.dtype == tf.complex64
np.testing.assert_allclose(tf.abs(c).numpy(), [5.0, 1.0])
assert tf.abs(c).dtype == tf.float32
np.testing.assert_allclose(tf.math.angle(c).numpy(), np.angle(c.numpy()), rtol=1e-6)
np.testing.assert_allclose(tf.math.conj(z).numpy(), np.conj(z.numpy()))
np.testing.assert_allclose((z * z + 1.0 - z / (1 + 1j)).numpy(),
                           z.numpy() ** 2 + 1 - z.numpy() / (1 + 1j))
try:
    c + tf.constant(1.0)
    raise AssertionError("complex64 + float32 must fail")
except (tf.errors.InvalidArgumentError, TypeError):
    pass

# gradients of real losses of complex tensors: dL/dx + i dL/dy
with tf.GradientTape() as tape:
    tape.watch(z)
    loss = tf.reduce_sum(tf.abs(z) ** 2)
np.testing.assert_allclose(tape.gradient(loss, z).numpy(), 2 * z.numpy())
with tf.GradientTape() as tape:
    tape.watch(z)
    loss = tf.reduce_sum(tf.math.real(tf.exp(z) * tf.math.conj(z)))
g = tape.gradient(loss, z).numpy()
zn = z.numpy()
np.testing.assert_allclose(g, np.exp(zn) + zn * np.conj(np.exp(zn)), rtol=1e-10)  # 2 dL/dconj(z)

# the transforms against NumPy
rng = np.random.default_rng(0)
x = rng.standard_normal((3, 8)).astype(np.float32)
xc = (x + 1j * rng.standard_normal(x.shape)).astype(np.complex64)
np.testing.assert_allclose(tf.signal.fft(xc).numpy(), np.fft.fft(xc), rtol=1e-4, atol=1e-4)
np.testing.assert_allclose(tf.signal.ifft2d(xc).numpy(), np.fft.ifft2(xc), rtol=1e-4, atol=1e-5)
np.testing.assert_allclose(tf.signal.rfft(x, [10]).numpy(), np.fft.rfft(x, 10), rtol=1e-4,
                           atol=1e-4)
np.testing.assert_allclose(tf.signal.irfft(tf.signal.rfft(x)).numpy(), x, atol=1e-5)
np.testing.assert_allclose(tf.signal.rfft2d(x).numpy(), np.fft.rfft2(x), rtol=1e-4, atol=1e-4)
np.testing.assert_allclose(tf.signal.fftshift(tf.range(6)).numpy(), np.fft.fftshift(np.arange(6)))

# learn a spectral filter: y = irfft(rfft(x) * w) should match a 3-tap moving average
signal = rng.standard_normal((16, 32)).astype(np.float32)
target = (np.roll(signal, -1, 1) + signal + np.roll(signal, 1, 1)) / 3
w_re = tf.Variable(tf.ones([17]))
w_im = tf.Variable(tf.zeros([17]))


@tf.function
def step(s, t):
    with tf.GradientTape() as tape:
        spectrum = tf.signal.rfft(s) * tf.complex(w_re, w_im)
        loss = tf.reduce_mean((tf.signal.irfft(spectrum) - t) ** 2)
    g_re, g_im = tape.gradient(loss, [w_re, w_im])
    w_re.assign_sub(5.0 * g_re)
    w_im.assign_sub(5.0 * g_im)
    return loss


losses = [float(step(signal, target)) for _ in range(150)]
assert losses[-1] < 0.01 * losses[0], (losses[0], losses[-1])
k = np.arange(17)
np.testing.assert_allclose(w_re.numpy(), (1 + 2 * np.cos(2 * np.pi * k / 32)) / 3, atol=0.05)

# an STFT round trip
audio = tf.constant(rng.standard_normal(256).astype(np.float32))
spec = tf.signal.stft(audio, frame_length=32, frame_step=8)
assert spec.shape == (29, 17) and spec.dtype == tf.complex64
back = tf.signal.inverse_stft(spec, 32, 8, window_fn=tf.signal.inverse_stft_window_fn(8))
np.testing.assert_allclose(back.numpy()[32:-32], audio.numpy()[32:224], atol=1e-4)
print("ok")
