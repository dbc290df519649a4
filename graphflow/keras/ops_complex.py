"""keras.ops's complex-number and Fourier names, as Keras 3.15's TensorFlow backend defines
them: fft, fft2, ifft2 and irfft take a (real, imag) tuple and fft, fft2, ifft2, rfft and stft
return one; real, imag, conj/conjugate, angle, polar, view_as_complex and view_as_real work on
complex tensors.

    >>> from graphflow.keras import ops
    >>> re, im = ops.fft((np.array([1.0, 0.0]), np.array([0.0, 0.0])))
    >>> re.numpy().tolist(), im.numpy().tolist()
    ([1.0, 1.0], [0.0, 0.0])
"""
import numpy as np

from graphflow import dtypes, math as _math, signal as _signal
from graphflow.ops import api as _tf


def _t(x):
    return x if hasattr(x, "dtype") and isinstance(x.dtype, dtypes.DType) else \
        _tf.convert_to_tensor(x)


def _complex_from_tuple(x):
    if not isinstance(x, (tuple, list)) or len(x) != 2:
        raise ValueError("Input `x` should be a tuple of two tensors - real and imaginary."
                         f"Received: x={x}")
    real, imag = _t(x[0]), _t(x[1])
    if real.shape != imag.shape:
        raise ValueError("Input `x` should be a tuple of two tensors - real and imaginary."
                         "Both the real and imaginary parts should have the same shape. "
                         f"Received: x[0].shape = {real.shape}, x[1].shape = {imag.shape}")
    if not real.dtype.is_floating or not imag.dtype.is_floating:
        raise ValueError(f"At least one tensor in input `x` is not of type float.Received: x={x}.")
    return _tf.complex(real, imag)


def _parts(z):
    return _math.real(z), _math.imag(z)


def fft(x):
    """The FFT of the last axis of (real, imag); returns (real, imag)."""
    return _parts(_signal.fft(_complex_from_tuple(x)))


def fft2(x):
    """The 2-D FFT of the last two axes of (real, imag); returns (real, imag)."""
    return _parts(_signal.fft2d(_complex_from_tuple(x)))


def ifft2(x):
    """The inverse 2-D FFT of (real, imag) (Keras computes it as a conjugated fft2)."""
    real, imag = _t(x[0]), _t(x[1])
    h = _tf.cast(_tf.shape(real)[-2], real.dtype)
    w = _tf.cast(_tf.shape(real)[-1], real.dtype)
    fr, fi = fft2((real, -imag))
    return fr / (h * w), -fi / (h * w)


def rfft(x, fft_length=None):
    """The real FFT of the last axis of a real tensor; returns (real, imag).

        >>> from graphflow.keras import ops
        >>> re, im = ops.rfft(np.array([1.0, 1.0, 1.0, 1.0], np.float32))
        >>> re.numpy().tolist()
        [4.0, 0.0, 0.0]
    """
    z = _signal.rfft(_t(x), None if fft_length is None else [fft_length])
    return _parts(z)


def irfft(x, fft_length=None):
    """The real signal whose half spectrum is (real, imag)."""
    return _signal.irfft(_complex_from_tuple(x), None if fft_length is None else [fft_length])


def _window(window, sequence_length, l_pad, r_pad, dtype):
    if isinstance(window, str):
        fn = _signal.hann_window if window == "hann" else _signal.hamming_window
        win = fn(sequence_length, periodic=True, dtype=dtype)
    else:
        win = _tf.cast(_t(window), dtype)
    if win.shape.rank != 1 or win.shape[-1] != sequence_length:
        raise ValueError("The shape of `window` must be equal to [sequence_length]."
                         f"Received: window shape={win.shape}")
    return _tf.pad(win, [[l_pad, r_pad]])


def stft(x, sequence_length, sequence_stride, fft_length, window="hann", center=True):
    """The short-time Fourier transform of a real signal, as Keras's: frames centred with
    reflection padding (center=True), the window zero-padded to fft_length; returns
    (real, imag).

        >>> from graphflow.keras import ops
        >>> re, im = ops.stft(np.zeros(32, np.float32), 8, 4, 8)
        >>> tuple(re.shape)
        (9, 5)
    """
    x = _t(x)
    if x.dtype.name not in ("float32", "float64"):
        raise TypeError(f"Invalid input type. Expected `float32` or `float64`. "
                        f"Received: input type={x.dtype.name}")
    if fft_length < sequence_length:
        raise ValueError("`fft_length` must equal or larger than `sequence_length`. "
                         f"Received: sequence_length={sequence_length}, fft_length={fft_length}")
    if isinstance(window, str) and window not in ("hann", "hamming"):
        raise ValueError('If a string is passed to `window`, it must be one of `"hann"`, '
                         f'`"hamming"`. Received: window={window}')
    if center:
        pads = [[0, 0]] * (x.shape.rank - 1) + [[fft_length // 2, fft_length // 2]]
        x = _tf.pad(x, pads, mode="REFLECT")
    l_pad = (fft_length - sequence_length) // 2
    r_pad = fft_length - sequence_length - l_pad
    win = None
    if window is not None:
        array = _window(window, sequence_length, l_pad, r_pad, x.dtype)
        win = lambda frame_length, dtype: array  # noqa: E731
    return _parts(_signal.stft(x, fft_length, sequence_stride, fft_length=fft_length,
                               window_fn=win))


def istft(x, sequence_length, sequence_stride, fft_length, length=None, window="hann",
          center=True):
    """The inverse of stft, from (real, imag), as Keras's."""
    z = _complex_from_tuple(x)
    dtype = z.dtype.real_dtype
    frames = z.shape.as_list()[-2]
    l_pad = (fft_length - sequence_length) // 2
    r_pad = fft_length - sequence_length - l_pad
    win = None
    if window is not None:
        array = _window(window, sequence_length, l_pad, r_pad, dtype)
        win = _signal.inverse_stft_window_fn(sequence_stride, lambda n, dtype: array)
    out = _signal.inverse_stft(z, fft_length, sequence_stride, fft_length=fft_length,
                               window_fn=win)
    start = fft_length // 2 if center else 0
    if length is not None:
        end = start + length
    elif center:
        end = -(fft_length // 2)
    else:
        end = fft_length + sequence_stride * (frames - 1)
    return out[..., start:end]


def real(x):
    """The real parts of a complex tensor (a real tensor as it is)."""
    return _math.real(_t(x))


def imag(x):
    """The imaginary parts of a complex tensor (zeros of a real tensor)."""
    return _math.imag(_t(x))


def conj(x):
    """The complex conjugate."""
    return _math.conj(_t(x))


conjugate = conj


def angle(x):
    """The argument of each element, in Keras's float dtype (int64 gives floatx)."""
    x = _t(x)
    if not (x.dtype.is_complex or x.dtype.is_floating):
        x = _tf.cast(x, dtypes.float32)
    return _math.angle(x)


def polar(abs_, angle):  # noqa: A002 - Keras's names
    """abs_ * (cos(angle) + i sin(angle)), complex64 for float32 inputs.

        >>> from graphflow.keras import ops
        >>> ops.polar(np.float32(2.0), np.float32(0.0)).numpy().item()
        (2+0j)
    """
    r, phi = _t(abs_), _t(angle)
    if not r.dtype.is_floating:
        r = _tf.cast(r, dtypes.float32)
    phi = _tf.cast(phi, r.dtype)
    return _tf.complex(r * _tf.cos(phi), r * _tf.sin(phi))


def view_as_complex(x):
    """A real tensor [..., 2] as complex64 [...] (real, imaginary), as Keras's."""
    x = _t(x)
    if x.shape.rank is None or x.shape.rank < 1 or x.shape[-1] != 2:
        raise ValueError("Last dimension of input must be size 2 (real and imaginary). "
                         f"Received shape: {x.shape}")
    parts = _tf.cast(x, dtypes.float32)
    return _tf.complex(parts[..., 0], parts[..., 1])


def view_as_real(x):
    """A complex tensor as a real one [..., 2] of (real, imaginary)."""
    x = _t(x)
    return _tf.stack([_math.real(x), _math.imag(x)], axis=-1)


def eig(x):  # (keras.ops.eig and keras.ops.linalg.eig)
    """The eigenvalues and eigenvectors of each square matrix (complex), as Keras's TF backend
    (tf.linalg.eig)."""
    from graphflow import linalg as _linalg
    return _linalg.eig(_t(x))
