"""graphflow.signal: TF's tf.signal, as composites of registry ops (so they differentiate and
compile): frame, overlap_and_add, the windows, dct/idct (types I-III),
linear_to_mel_weight_matrix and mfccs_from_log_mel_spectrograms; the Fourier transforms (fft,
ifft, rfft, irfft and their 2-D and 3-D forms: the registry ops of graphflow/ops/fft.py),
fftshift/ifftshift, stft, inverse_stft and inverse_stft_window_fn.

    >>> import graphflow as tf
    >>> tf.signal.frame(tf.range(6), frame_length=3, frame_step=2).numpy().tolist()
    [[0, 1, 2], [2, 3, 4]]
    >>> tf.signal.hann_window(4).numpy().tolist()
    [0.0, 0.5, 1.0, 0.5]
"""
import math

import numpy as np

from graphflow import dtypes
from graphflow.errors import InvalidArgumentError
from graphflow import math as tfmath
from graphflow.ops import api as ops
from graphflow.ops import rules

from graphflow.ops.fft import (  # noqa: F401,E402 - TF's tf.signal names
    fft, fft2d, fft3d, ifft, ifft2d, ifft3d, irfft, irfft2d, irfft3d, rfft, rfft2d, rfft3d)

__all__ = ["frame", "overlap_and_add", "hann_window", "hamming_window", "vorbis_window",
           "kaiser_window", "dct", "idct", "linear_to_mel_weight_matrix",
           "mfccs_from_log_mel_spectrograms", "fft", "ifft", "fft2d", "ifft2d", "fft3d", "ifft3d",
           "rfft", "irfft", "rfft2d", "irfft2d", "rfft3d", "irfft3d", "fftshift", "ifftshift",
           "stft", "inverse_stft", "inverse_stft_window_fn"]


def _int(value, what, op, minimum=0):
    from graphflow.ops.static import constant_value
    known = constant_value(value) if hasattr(value, "dtype") else value
    if known is None or np.ndim(known) != 0 or isinstance(known, bool) or \
            np.asarray(known).dtype.kind not in "iu" or int(known) < minimum:
        raise InvalidArgumentError(f"{op}: {what} must be an integer >= {minimum} known while "
                                   f"tracing, got {value!r:.60}")
    return int(known)


@rules.composite("frame")
def frame(signal, frame_length, frame_step, pad_end=False, pad_value=0, axis=-1, name=None):
    """Frames of frame_length samples every frame_step samples along `axis` (which becomes two
    axes, [frames, frame_length]); with pad_end the last frames are padded with pad_value.

        >>> tf.signal.frame([[1, 2, 3, 4, 5]], 2, 2, pad_end=True).numpy().tolist()
        [[[1, 2], [3, 4], [5, 0]]]
    """
    x = ops.convert_to_tensor(signal, name="signal")
    length = _int(frame_length, "frame_length", "frame", 1)
    step = _int(frame_step, "frame_step", "frame", 1)
    rank = x.shape.rank
    if rank is None or rank == 0:
        raise InvalidArgumentError(f"frame: signal must have a known rank >= 1, got {x.shape}")
    axis = rules.normalize_axis("frame", axis, rank)
    n = x.shape[axis]
    if n is None:
        raise InvalidArgumentError(f"frame: the framed axis {axis} of {x.shape} must be known")
    if pad_end:
        frames = -(-n // step)
        padded = max(0, (frames - 1) * step + length - n)
        if padded:
            pads = [[0, 0]] * rank
            pads[axis] = [0, padded]
            x = ops.pad(x, pads, constant_values=pad_value)
    else:
        frames = max(0, 1 + (n - length) // step)
    index = (np.arange(frames)[:, None] * step + np.arange(length)[None, :]).astype(np.int32)
    return ops.gather(x, ops.constant(index), axis=axis, name=name)


@rules.composite("overlap_and_add")
def overlap_and_add(signal, frame_step, name=None):
    """The frames of `signal` ([..., frames, frame_length]) added where they overlap, frame_step
    samples apart: [..., (frames - 1) * frame_step + frame_length].

        >>> tf.signal.overlap_and_add(tf.ones((3, 4)), 2).numpy().tolist()
        [1.0, 1.0, 2.0, 2.0, 2.0, 2.0, 1.0, 1.0]
    """
    x = ops.convert_to_tensor(signal, name="signal")
    step = _int(frame_step, "frame_step", "overlap_and_add", 1)
    if x.shape.rank is None or x.shape.rank < 2 or None in x.shape.as_list()[-2:]:
        raise InvalidArgumentError(f"overlap_and_add: signal must be [..., frames, frame_length] "
                                   f"with both known, got {x.shape}")
    frames, length = x.shape.as_list()[-2:]
    out = (frames - 1) * step + length
    lead = x.shape.rank - 2
    # samples first: one segment sum over the output positions, then the batch axes back
    flat = ops.transpose(x, [lead, lead + 1] + list(range(lead)))
    flat = ops.reshape(flat, [frames * length, -1])
    ids = (np.arange(frames)[:, None] * step + np.arange(length)[None, :]).reshape(-1)
    summed = tfmath.unsorted_segment_sum(flat, ops.constant(ids.astype(np.int32)), out)
    batch = ops.shape(x)[:lead]
    summed = ops.reshape(summed, ops.concat([[out], batch], 0))
    return ops.transpose(summed, list(range(1, lead + 1)) + [0], name=name)


def _window(window_length, dtype, op):
    n = _int(window_length, "window_length", op)
    dtype = dtypes.as_dtype(dtype)
    if not dtype.is_floating:
        raise InvalidArgumentError(f"{op}: dtype must be a floating-point type, got {dtype.name}")
    return n, dtype


def _raised_cosine(window_length, periodic, dtype, a, b, op):
    n, dtype = _window(window_length, dtype, op)
    if n == 1:
        return ops.ones([1], dtype)
    even = 1 - n % 2
    denominator = n + int(bool(periodic)) * even - 1  # (TF: periodic matters for even lengths)
    count = ops.cast(ops.range(n), dtype)
    return a - b * ops.cos(2.0 * math.pi * count / denominator)


def hann_window(window_length, periodic=True, dtype=dtypes.float32, name=None):
    """0.5 - 0.5 cos(2 pi n / N): N = window_length - 1, or window_length for a periodic window
    of even length (as TF).

        >>> tf.signal.hann_window(5).numpy().tolist()
        [0.0, 0.5, 1.0, 0.5, 0.0]
    """
    return _raised_cosine(window_length, periodic, dtype, 0.5, 0.5, "hann_window")


def hamming_window(window_length, periodic=True, dtype=dtypes.float32, name=None):
    """0.54 - 0.46 cos(2 pi n / N), N as hann_window's.

        >>> [round(v, 2) for v in tf.signal.hamming_window(4).numpy().tolist()]
        [0.08, 0.54, 1.0, 0.54]
    """
    return _raised_cosine(window_length, periodic, dtype, 0.54, 0.46, "hamming_window")


def vorbis_window(window_length, dtype=dtypes.float32, name=None):
    """sin(pi / 2 * sin^2(pi (n + 0.5) / N)), the Vorbis codec's window."""
    n, dtype = _window(window_length, dtype, "vorbis_window")
    arg = (ops.cast(ops.range(n), dtype) + 0.5) / n
    return ops.sin(math.pi / 2.0 * ops.square(ops.sin(math.pi * arg)))


def kaiser_window(window_length, beta=12.0, dtype=dtypes.float32, name=None):
    """I0(beta sqrt(1 - (2n / (N - 1) - 1)^2)) / I0(beta), written with the scaled I0 so that
    large betas do not overflow (as TF)."""
    n, dtype = _window(window_length, dtype, "kaiser_window")
    if n == 1:
        return ops.ones([1], dtype)
    half = (n - 1) / 2.0
    arg = (ops.cast(ops.range(n), dtype) - half) / half
    b = ops.cast(beta, dtype)
    inner = b * ops.sqrt(ops.maximum(1.0 - ops.square(arg), 0.0))
    return tfmath.bessel_i0e(inner) / tfmath.bessel_i0e(b) * ops.exp(inner - b)


def _dct_matrix(kind, size, norm, np_dtype):
    """The [size, size] basis B with dct(x) = x @ B (TF's scaling for norm None / "ortho")."""
    n = np.arange(size)[:, None]
    k = np.arange(size)[None, :]
    if kind == 1:
        if size < 2:
            raise InvalidArgumentError("dct: a type 1 DCT needs at least 2 points")
        basis = 2.0 * np.cos(np.pi * n * k / (size - 1))
        basis[0, :] = 1.0
        basis[-1, :] = (-1.0) ** np.arange(size)
    elif kind == 2:
        basis = 2.0 * np.cos(np.pi * k * (2 * n + 1) / (2.0 * size))
        if norm == "ortho":
            scale = np.full(size, np.sqrt(1.0 / (2.0 * size)))
            scale[0] = np.sqrt(1.0 / (4.0 * size))
            basis = basis * scale[None, :]
    else:  # type 3: the inverse of type 2 up to scale
        basis = 2.0 * np.cos(np.pi * n * (2 * k + 1) / (2.0 * size))
        basis[0, :] = 1.0
        if norm == "ortho":
            scale = np.full(size, np.sqrt(1.0 / (2.0 * size)))
            scale[0] = np.sqrt(1.0 / size)
            basis = basis * scale[:, None]
    return basis.astype(np_dtype)


@rules.composite("dct")
def dct(input, type=2, n=None, axis=-1, norm=None, name=None):  # noqa: A002 - TF's names
    """The discrete cosine transform of types 1, 2, 3 over the last axis, TF's scaling (norm
    None or "ortho"; type 1 has no orthonormal form); `n` truncates or zero-pads that axis.

        >>> [round(v, 4) for v in tf.signal.dct([[1.0, 2.0, 3.0, 4.0]], norm="ortho").numpy()[0].tolist()]
        [5.0, -2.2304, 0.0, -0.1585]
    """
    x = ops.convert_to_tensor(input, name="input")
    if type not in (1, 2, 3):
        raise InvalidArgumentError(f"dct: only types 1, 2 and 3 are supported, got type {type}")
    if axis != -1:
        raise InvalidArgumentError(f"dct: only axis=-1 is supported, got axis {axis}")
    if norm not in (None, "ortho"):
        raise InvalidArgumentError(f"dct: norm must be None or 'ortho', got {norm!r}")
    if norm == "ortho" and type == 1:
        raise InvalidArgumentError("dct: Normalization is not supported for the type-I DCT.")
    if not x.dtype.is_floating:
        raise InvalidArgumentError(f"dct: input must be floating-point, got {x.dtype.name}")
    size = x.shape[-1] if x.shape.rank else None
    if size is None:
        raise InvalidArgumentError(f"dct: the last axis of {x.shape} must be known")
    if n is not None:
        n = _int(n, "n", "dct", 1)
        if n < size:
            x = x[..., :n]
        elif n > size:
            x = ops.pad(x, [[0, 0]] * (x.shape.rank - 1) + [[0, n - size]])
        size = n
    basis = ops.constant(_dct_matrix(type, size, norm, x.dtype.np))
    return ops.tensordot(x, basis, axes=1, name=name)


def idct(input, type=2, n=None, axis=-1, norm=None, name=None):  # noqa: A002 - TF's names
    """The inverse DCT as TF defines it: idct of type 2 is dct of type 3 and type 3's is type 2
    (unscaled unless norm="ortho"; type 1 is its own).

        >>> [round(v, 3) for v in tf.signal.idct(tf.signal.dct([[1.0, 2.0]], norm="ortho"),
        ...                                      norm="ortho").numpy()[0].tolist()]
        [1.0, 2.0]
    """
    inverse = {1: 1, 2: 3, 3: 2}.get(type)
    if inverse is None:
        raise InvalidArgumentError(f"idct: only types 1, 2 and 3 are supported, got type {type}")
    return dct(input, type=inverse, n=n, axis=axis, norm=norm, name=name)


def _hertz_to_mel(hertz):
    return 1127.0 * tfmath.log1p(hertz / 700.0)


def linear_to_mel_weight_matrix(num_mel_bins=20, num_spectrogram_bins=129, sample_rate=8000,
                                lower_edge_hertz=125.0, upper_edge_hertz=3800.0,
                                dtype=dtypes.float32, name=None):
    """The [num_spectrogram_bins, num_mel_bins] matrix of triangular mel filters (HTK's mel
    scale), TF's construction: the DC bin gets no weight.

        >>> tf.signal.linear_to_mel_weight_matrix(4, 9, 8000, 20.0, 4000.0).shape
        TensorShape([9, 4])
    """
    mel_bins = _int(num_mel_bins, "num_mel_bins", "linear_to_mel_weight_matrix", 1)
    bins = _int(num_spectrogram_bins, "num_spectrogram_bins", "linear_to_mel_weight_matrix", 1)
    dtype = dtypes.as_dtype(dtype)
    if not 0.0 <= float(lower_edge_hertz) < float(upper_edge_hertz):
        raise InvalidArgumentError(
            f"linear_to_mel_weight_matrix: lower_edge_hertz {lower_edge_hertz} must be >= 0 and "
            f"below upper_edge_hertz {upper_edge_hertz}")
    if float(upper_edge_hertz) > float(sample_rate) / 2:
        raise InvalidArgumentError(
            f"linear_to_mel_weight_matrix: upper_edge_hertz must not exceed the Nyquist "
            f"frequency {float(sample_rate) / 2}, got {upper_edge_hertz}")
    nyquist = ops.cast(sample_rate, dtype) / 2.0
    linear = ops.linspace(ops.constant(0.0, dtype), nyquist, bins)[1:]
    spectrogram_mel = ops.expand_dims(_hertz_to_mel(linear), 1)
    edges = ops.linspace(_hertz_to_mel(ops.constant(float(lower_edge_hertz), dtype)),
                         _hertz_to_mel(ops.constant(float(upper_edge_hertz), dtype)),
                         mel_bins + 2)
    lower, center, upper = (ops.reshape(edges[i:i + mel_bins], [1, mel_bins]) for i in range(3))
    lower_slopes = (spectrogram_mel - lower) / (center - lower)
    upper_slopes = (upper - spectrogram_mel) / (upper - center)
    weights = ops.maximum(ops.constant(0.0, dtype), ops.minimum(lower_slopes, upper_slopes))
    return ops.pad(weights, [[1, 0], [0, 0]], name=name)


def mfccs_from_log_mel_spectrograms(log_mel_spectrograms, name=None):
    """Mel-frequency cepstral coefficients: the type-2 DCT of log-mel spectrograms over the last
    axis, scaled by 1 / sqrt(2 num_mel_bins) (TF's HTK-compatible scaling)."""
    x = ops.convert_to_tensor(log_mel_spectrograms, name="log_mel_spectrograms")
    bins = x.shape[-1] if x.shape.rank else None
    if bins is None:
        raise InvalidArgumentError(f"mfccs_from_log_mel_spectrograms: the mel axis of {x.shape} "
                                   f"must be known")
    return dct(x, type=2) * ops.cast(1.0 / math.sqrt(2.0 * bins), x.dtype)


# ---------------------------------------------------------------------------------------------
# Shifts and short-time Fourier transforms (TF's compositions of the FFT ops)


def _shift(x, axes, sign, op):
    x = ops.convert_to_tensor(x, name="x")
    if x.shape.rank is None:
        raise InvalidArgumentError(f"{op}: the input's rank must be known, got {x.shape}")
    rank = x.shape.rank
    if axes is None:
        axes = list(range(rank))
    elif isinstance(axes, (list, tuple)):
        axes = [rules.normalize_axis(op, a, rank, x.shape.as_list()) for a in axes]
    else:
        axes = rules.normalize_axis(op, axes, rank, x.shape.as_list())
    many = isinstance(axes, list)
    dims = ops.shape(x)
    shift = ops.gather(dims, axes) // 2 if many else dims[axes] // 2
    return ops.roll(x, -shift if sign < 0 else shift, axes)


def fftshift(x, axes=None, name=None):
    """Moves the zero frequency to the middle of each of `axes` (default: all), as NumPy's
    fftshift: a roll by half of each dim.

        >>> tf.signal.fftshift(tf.range(5)).numpy().tolist()
        [3, 4, 0, 1, 2]
    """
    return ops.identity(_shift(x, axes, 1, "fftshift"), name)


def ifftshift(x, axes=None, name=None):
    """The inverse of fftshift.

        >>> tf.signal.ifftshift(tf.range(5)).numpy().tolist()
        [2, 3, 4, 0, 1]
    """
    return ops.identity(_shift(x, axes, -1, "ifftshift"), name)


def _enclosing_power_of_two(n):
    return 1 << max(0, int(n - 1).bit_length())


@rules.composite("stft")
def stft(signals, frame_length, frame_step, fft_length=None, window_fn=hann_window,
         pad_end=False, name=None):
    """The short-time Fourier transform of real `signals` ([..., samples]): frames of
    frame_length samples frame_step apart, each multiplied by window_fn(frame_length) and
    transformed by rfft with fft_length (default: the smallest power of two >= frame_length):
    [..., frames, fft_length // 2 + 1], complex64 of float32 signals.

        >>> tf.signal.stft(tf.zeros([100]), frame_length=16, frame_step=8).shape
        TensorShape([11, 9])
    """
    x = ops.convert_to_tensor(signals, name="signals")
    if x.shape.rank == 0:
        raise InvalidArgumentError("stft: signals must have rank at least 1, got a scalar")
    length = _int(frame_length, "frame_length", "stft", 1)
    step = _int(frame_step, "frame_step", "stft", 1)
    n = _enclosing_power_of_two(length) if fft_length is None else \
        _int(fft_length, "fft_length", "stft", 1)
    framed = frame(x, length, step, pad_end=pad_end)
    if window_fn is not None:
        framed = framed * window_fn(length, dtype=framed.dtype)
    return rfft(framed, [n], name=name)


def inverse_stft_window_fn(frame_step, forward_window_fn=hann_window, name=None):
    """A window function for inverse_stft that undoes `forward_window_fn`'s windowing of
    overlapping frames frame_step apart (the forward window divided by the overlapped sum of
    its squares), as TF's.

        >>> w = tf.signal.inverse_stft_window_fn(2)(4, tf.float32)
        >>> [round(v, 4) for v in w.numpy().tolist()]
        [0.0, 1.0, 1.0, 1.0]
    """
    step = _int(frame_step, "frame_step", "inverse_stft_window_fn", 1)

    def inverse_window(frame_length, dtype):
        length = _int(frame_length, "frame_length", "inverse_stft_window_fn", 1)
        forward = forward_window_fn(length, dtype=dtype)
        denom = ops.square(forward)
        overlaps = -(-length // step)
        denom = ops.pad(denom, [(0, overlaps * step - length)])
        denom = ops.reduce_sum(ops.reshape(denom, [overlaps, step]), 0, keepdims=True)
        denom = ops.reshape(ops.tile(denom, [overlaps, 1]), [overlaps * step])
        return forward / denom[:length]
    return inverse_window


@rules.composite("inverse_stft")
def inverse_stft(stfts, frame_length, frame_step, fft_length=None, window_fn=hann_window,
                 name=None):
    """Signals from their short-time Fourier transforms ([..., frames, fft_length // 2 + 1],
    complex): each frame's irfft, cropped or zero-padded to frame_length, multiplied by
    window_fn(frame_length) and overlapped-and-added frame_step apart. With
    `window_fn=tf.signal.inverse_stft_window_fn(frame_step)` it inverts stft's hann windowing.

        >>> s = tf.random.stateless_normal([64], seed=(1, 2))
        >>> spec = tf.signal.stft(s, 16, 4)
        >>> back = tf.signal.inverse_stft(spec, 16, 4,
        ...     window_fn=tf.signal.inverse_stft_window_fn(4))
        >>> bool(tf.reduce_max(tf.abs(back[12:-12] - s[12:52])) < 1e-5)
        True
    """
    x = ops.convert_to_tensor(stfts, name="stfts")
    if x.shape.rank is not None and x.shape.rank < 2:
        raise InvalidArgumentError(f"inverse_stft: stfts must have rank at least 2, got shape "
                                   f"{x.shape}")
    length = _int(frame_length, "frame_length", "inverse_stft", 1)
    step = _int(frame_step, "frame_step", "inverse_stft", 1)
    n = _enclosing_power_of_two(length) if fft_length is None else \
        _int(fft_length, "fft_length", "inverse_stft", 1)
    frames = irfft(x, [n])
    if n > length:
        frames = frames[..., :length]
    elif n < length:
        frames = ops.pad(frames, [[0, 0]] * (frames.shape.rank - 1) + [[0, length - n]])
    if window_fn is not None:
        frames = frames * window_fn(length, dtype=x.dtype.real_dtype)
    return overlap_and_add(frames, step, name=name)
