"""Complex dtypes beyond the registry harness: TF 2.21's conversion and promotion rules, printing,
errors, compiled functions (complex clusters run their NumPy references), Sessions, Variables,
eig's eigenvector gradient (checked against values TF 2.21 computed), tf.signal's
compositions and the keras.ops complex names (against Keras 3.15 on TensorFlow)."""
import numpy as np
import pytest

import graphflow as tf
from graphflow.errors import InvalidArgumentError, InvalidTypeError
from graphflow.keras import ops as kops


# -- dtypes and conversion (each expectation checked under TF 2.21) ---------------------------

def test_dtype_properties():
    assert tf.complex64.is_complex and not tf.complex64.is_floating
    assert tf.complex64.real_dtype is tf.float32 and tf.complex128.real_dtype is tf.float64
    assert tf.float32.real_dtype is tf.float32 and not tf.float32.is_complex
    assert tf.as_dtype("complex64") is tf.complex64 and tf.as_dtype(np.complex128) is tf.complex128
    assert tf.complex64.size == 8 and str(tf.complex128) == "<dtype: 'complex128'>"
    assert tf.dtypes.complex64 is tf.complex64
    with pytest.raises(InvalidArgumentError, match="no order"):
        tf.complex64.min


def test_constants_follow_tf():
    assert tf.constant(1 + 2j).dtype is tf.complex128
    assert tf.constant(np.complex64(1 + 2j)).dtype is tf.complex64
    assert tf.constant([1 + 2j, 3]).dtype is tf.complex128
    assert tf.constant(1.5, tf.complex64).numpy() == np.complex64(1.5)
    assert tf.constant(1, tf.complex64).numpy() == np.complex64(1)
    assert tf.convert_to_tensor(np.array([1.5]), tf.complex64).dtype is tf.complex64
    with pytest.raises(InvalidArgumentError, match="complex value"):
        tf.constant(1 + 2j, tf.float32)  # TF: TypeError "Cannot convert (1+2j)"
    with pytest.raises(InvalidArgumentError, match="complex value"):
        tf.convert_to_tensor(np.array([1 + 2j]), tf.float64)  # TF drops the imaginary part
    assert tf.zeros([2], tf.complex64).dtype is tf.complex64
    assert tf.Variable([1 + 2j]).dtype is tf.complex128
    assert complex(tf.constant(1 + 2j)) == 1 + 2j


def test_printing_matches_tf():
    assert str(tf.constant([1 + 2j, 3 - 1j], tf.complex64)) == \
        "tf.Tensor([1.+2.j 3.-1.j], shape=(2,), dtype=complex64)"
    assert str(tf.constant(1 + 2j)) == "tf.Tensor((1+2j), shape=(), dtype=complex128)"
    assert repr(tf.constant([[1 + 2j, 3.5 - 1j]], tf.complex64)) == (
        "<tf.Tensor: shape=(1, 2), dtype=complex64, numpy=array([[1. +2.j, 3.5-1.j]], "
        "dtype=complex64)>")


def test_promotion_and_mixing():
    z = tf.constant(1 + 2j)
    assert (z + 1.0).dtype is tf.complex128 and (z + 1).numpy() == 2 + 2j
    assert (tf.constant([1 + 2j]) * 2.0).numpy()[0] == 2 + 4j
    with pytest.raises(InvalidArgumentError, match="add: input #1 has dtype float32 but input "
                       "#0 has dtype complex64"):
        tf.constant(1 + 2j, tf.complex64) + tf.constant(1.0)
    with pytest.raises(InvalidArgumentError, match="less"):
        tf.constant([1 + 2j]) < tf.constant([1 + 2j])  # TF: complex numbers are not ordered
    with pytest.raises(InvalidArgumentError, match="maximum"):
        tf.maximum(tf.constant([1 + 2j]), tf.constant([1 + 2j]))
    assert bool((tf.constant([1 + 2j]) == tf.constant([1 + 2j])).numpy()[0])
    assert (tf.cast(tf.constant([1 + 2j]), tf.float32).numpy() == [1.0]).all()  # the real part


def test_complex_and_parts():
    c = tf.complex(tf.constant([1.0, 2.0]), tf.constant([[3.0], [4.0]]))
    assert c.dtype is tf.complex64 and c.shape == (2, 2)
    with pytest.raises(InvalidTypeError, match="float64 float32"):
        tf.complex(tf.constant(1.0, tf.float64), tf.constant(1.0))
    with pytest.raises(InvalidTypeError, match="int32 int32"):
        tf.complex(1, 2)
    x = tf.constant([1.0, -2.0])
    assert tf.math.real(x) .dtype is tf.float32 and not tf.math.imag(x).numpy().any()
    np.testing.assert_array_equal(tf.math.conj(x).numpy(), [1.0, -2.0])
    np.testing.assert_allclose(tf.math.angle(x).numpy(), [0.0, np.pi])
    assert tf.abs(tf.constant([3 + 4j], tf.complex64)).dtype is tf.float32
    np.testing.assert_allclose(tf.math.sign(tf.constant([3 + 4j, 0j])).numpy(), [0.6 + 0.8j, 0])


def test_gradients_follow_tf_convention():
    # values from TF 2.21's GradientTape (dL/dx + i dL/dy)
    z = tf.constant([1 + 2j, -0.5 + 0.3j])

    def grad(f, dy=None):
        with tf.GradientTape() as tape:
            tape.watch(z)
            y = f(z)
        return tape.gradient(y, z, output_gradients=dy).numpy()
    dy = tf.constant([1 + 1j, 2 - 1j])
    np.testing.assert_allclose(grad(lambda z: tf.abs(z) ** 2), [2 + 4j, -1 + 0.6j])
    np.testing.assert_allclose(grad(lambda z: z * z, dy), [6 - 2j, -2.6 - 0.2j])
    np.testing.assert_allclose(grad(tf.exp, dy), [1.34052229 - 3.60293106j,
                                                  0.97963968 - 0.937925j], rtol=1e-7)
    np.testing.assert_allclose(grad(tf.math.sign, dy), [0.17888544 - 0.08944272j,
                                                        0.15132228 + 0.2522038j], rtol=1e-7)
    np.testing.assert_allclose(grad(lambda z: tf.pow(z, 2 + 1j), dy),
                               [-0.04514965 - 2.33655151j, -0.21377782 - 0.03286259j], rtol=1e-7)
    np.testing.assert_allclose(grad(tf.math.angle), [-0.4 + 0.2j, -0.88235294 - 1.47058824j],
                               rtol=1e-7)
    v = tf.Variable([1 + 1j])
    with tf.GradientTape() as tape:
        loss = tf.abs(v * v)
    np.testing.assert_allclose(tape.gradient(loss, v).numpy(), [2 + 2j])


def test_compiled_function_falls_back_for_complex_clusters():
    z = tf.constant([[1 + 2j, -0.5 + 0.3j], [2 - 1j, 0.25j]])
    w = tf.constant([[0.5 - 1j, 1 + 1j], [-1 + 0.5j, 2 + 0j]])

    def f(z, w):
        a = tf.matmul(z, w) + z * w - z / w
        b = tf.exp(a * 0.1) + tf.math.log(w) + tf.sqrt(z) + tf.square(z)
        return tf.reduce_sum(tf.concat([tf.reshape(tf.transpose(b), [4]), b[0]], 0)), tf.abs(b)
    eager = f(z, w)
    compiled = tf.function(f)
    got = compiled(z, w)
    for a, b in zip(eager, got):
        assert a.dtype is b.dtype
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12)
    text = compiled.explain()
    assert "fused" not in text.split("== optimized graph ==")[1].split("\n\n")[0]


def test_session_feeds_complex():
    g = tf.Graph()
    with g.as_default():
        x = tf.compat.v1.placeholder(tf.complex64, [2])
        y = tf.math.real(x * tf.math.conj(x))
    with tf.compat.v1.Session(graph=g) as sess:
        out = sess.run(y, {x: np.array([1 + 1j, 2j], np.complex64)})
    np.testing.assert_allclose(out, [2.0, 4.0])


# -- linalg: eig's eigenvectors, logm -------------------------------------------------------------

def test_eig_decomposes_and_its_vector_gradient_matches_tf():
    a = tf.constant([[2.0, 1.0, 0.5], [-1.0, 3.0, 0.2], [0.3, 0.1, 1.0]], tf.float64)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(a)
        e, v = tf.linalg.eig(a)
        # phase-free losses (eigenvector phases are a LAPACK/Eigen convention)
        l1 = tf.reduce_sum(tf.math.real(e) * tf.constant([1.0, 2.0, 3.0], tf.float64)) + \
            tf.reduce_sum(tf.math.imag(e) ** 2)
        l2 = tf.reduce_sum(tf.abs(v) ** 2 * tf.constant(np.arange(9.0).reshape(3, 3)))
    an = a.numpy()
    np.testing.assert_allclose(an @ v.numpy(), v.numpy() * e.numpy()[None, :], atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(v.numpy(), axis=0), 1.0)
    np.testing.assert_allclose(tape.gradient(l1, a).numpy(), [
        [2.50129549, 1.9173421, -0.22030624], [-1.97458346, 0.6203797, -0.29893165],
        [-0.55798158, -0.02544977, 2.87832481]], rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(tape.gradient(l2, a).numpy(), [
        [0.31519544, -1.05023512, -1.78114423], [-1.51384309, -0.13246685, 0.11330743],
        [1.05824617, 0.36567062, -0.18272859]], rtol=1e-6)
    assert tf.linalg.eigvals(tf.cast(a, tf.float32)).dtype is tf.complex64
    with pytest.raises(InvalidArgumentError, match="eig: input must be a square"):
        tf.linalg.eigvals(tf.zeros((2, 3)))


def test_logm_matches_tf():
    out = tf.linalg.logm(tf.constant([[2.0 + 0j, 1.0], [-1.0, 3.0]], tf.complex64)).numpy()
    np.testing.assert_allclose(out, [[0.78042424, 0.38506162], [-0.38506156, 1.1654859]],
                               atol=1e-6)
    np.testing.assert_allclose(tf.linalg.logm(tf.constant([[-1.0 + 0j, 0], [0, 2]])).numpy(),
                               [[np.pi * 1j, 0], [0, np.log(2)]], atol=1e-12)
    np.testing.assert_allclose(tf.linalg.logm(tf.constant([[1.0 + 0j, 1], [0, 1]])).numpy(),
                               [[0, 1], [0, 0]], atol=1e-12)  # not diagonalizable
    assert np.isnan(tf.linalg.logm(tf.ones((2, 2), tf.complex64)).numpy()).all()  # as TF
    with pytest.raises(InvalidArgumentError, match="logm: input must be a complex64"):
        tf.linalg.logm(tf.eye(2))


# -- tf.signal ----------------------------------------------------------------------------------

def test_fft_errors_name_the_op():
    with pytest.raises(InvalidArgumentError, match="fft: input #0 must be a complex"):
        tf.signal.fft(tf.constant([1.0, 2.0]))
    with pytest.raises(InvalidArgumentError, match="fft2d: input must have rank of at least 2"):
        tf.signal.fft2d(tf.constant([1 + 1j]))
    with pytest.raises(InvalidArgumentError, match="rfft: input must be a float32 or float64"):
        tf.signal.rfft(tf.constant([1 + 1j]))
    with pytest.raises(InvalidArgumentError, match="fft_length must hold 2 integers"):
        tf.signal.rfft2d(tf.zeros((2, 2)), [2])


def test_stft_round_trip_and_values():
    rng = np.random.default_rng(0)
    s = rng.standard_normal(100).astype(np.float32)
    st = tf.signal.stft(s, 16, 8)
    assert st.shape == (11, 9) and st.dtype is tf.complex64
    frames = np.stack([s[i * 8:i * 8 + 16] for i in range(11)]) * \
        tf.signal.hann_window(16).numpy()
    np.testing.assert_allclose(st.numpy(), np.fft.rfft(frames, 16), rtol=1e-4, atol=1e-5)
    back = tf.signal.inverse_stft(st, 16, 8, window_fn=tf.signal.inverse_stft_window_fn(8))
    np.testing.assert_allclose(back.numpy()[16:-16], s[16:80], atol=1e-5)
    assert tf.signal.stft(s, 15, 7, fft_length=32, pad_end=True).shape == (15, 17)


def test_stft_gradient_flows_to_the_signal():
    s = tf.constant(np.random.default_rng(1).standard_normal(64))

    def loss(x):
        return tf.reduce_sum(tf.abs(tf.signal.stft(x, 16, 8)) ** 2)
    with tf.GradientTape() as tape:
        tape.watch(s)
        y = loss(s)
    g = tape.gradient(y, s).numpy()
    eps, i = 1e-6, 20
    up, down = s.numpy().copy(), s.numpy().copy()
    up[i] += eps
    down[i] -= eps
    numeric = (float(loss(tf.constant(up))) - float(loss(tf.constant(down)))) / (2 * eps)
    np.testing.assert_allclose(g[i], numeric, rtol=1e-5)


# -- keras.ops (values from Keras 3.15's TensorFlow backend) -----------------------------------

def test_keras_ops_complex_names():
    re, im = kops.fft((np.array([1.0, 2.0, 3.0], np.float32), np.zeros(3, np.float32)))
    np.testing.assert_allclose(re.numpy(), [6.0, -1.5, -1.5], atol=1e-6)
    np.testing.assert_allclose(im.numpy(), [0.0, 0.8660254, -0.8660254], atol=1e-6)
    with pytest.raises(ValueError, match="tuple of two tensors"):
        kops.fft(np.zeros(3, np.float32))
    z = kops.view_as_complex(np.array([[1.0, 2.0], [3.0, 4.0]]))
    assert z.dtype is tf.complex64
    np.testing.assert_array_equal(kops.view_as_real(z).numpy(), [[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_allclose(kops.polar(np.float32(2.0), np.float32(np.pi / 2)).numpy(), 2j,
                               atol=1e-6)
    assert kops.conjugate(z).numpy()[0] == 1 - 2j
    re, im = kops.stft(np.zeros(32, np.float32), 8, 4, 8)
    assert re.shape == (9, 5) and im.dtype is tf.float32
    x = np.random.default_rng(0).standard_normal(64).astype(np.float32)
    back = kops.istft(kops.stft(x, 16, 4, 32), 16, 4, 32)
    np.testing.assert_allclose(back.numpy()[8:-8], x[8:len(back.numpy()) - 8], atol=1e-4)
    e, v = kops.eig(np.diag([1.0, 2.0]).astype(np.float32))
    np.testing.assert_allclose(e.numpy(), [1.0, 2.0])


def test_norms_and_adjoint_of_complex_tensors_follow_tf():
    z = tf.constant([[0.3 + 0.2j, -0.4 + 0.5j], [1j, 2.0]])
    zn = z.numpy()
    n = tf.norm(z)
    assert n.dtype is tf.complex128  # TF's sqrt(sum(z * conj(z))) keeps the complex dtype
    np.testing.assert_allclose(n.numpy(), np.linalg.norm(zn))
    assert tf.norm(z, ord=1).dtype is tf.float64
    np.testing.assert_allclose(tf.norm(z, ord=1).numpy(), np.abs(zn).sum())
    np.testing.assert_allclose(tf.math.reduce_euclidean_norm(z, axis=0).numpy(),
                               np.linalg.norm(zn, axis=0))
    with tf.GradientTape() as tape:
        tape.watch(z)
        loss = tf.math.real(tf.norm(z)) * 1.5
    np.testing.assert_allclose(tape.gradient(loss, z).numpy(), 1.5 * zn / np.linalg.norm(zn))
    np.testing.assert_array_equal(tf.linalg.adjoint(z).numpy(), np.conj(zn.T))
    with pytest.raises(InvalidArgumentError, match="spectral norm"):
        tf.norm(z, ord=2, axis=[0, 1])
