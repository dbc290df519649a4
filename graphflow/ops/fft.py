"""Discrete Fourier transforms (TF's FFT, IFFT, RFFT, IRFFT and their 2-D and 3-D forms) over
the innermost `rank` axes, with NumPy's pocketfft as the reference and TF's gradients.

Two registry ops cover the twelve TF names: `fft` (complex to complex; attrs rank and inverse)
and `rfft` / `irfft` (real to half-spectrum and back; attrs rank and fft_length, a static tuple
as TF's shape inference needs it).

    >>> import graphflow as tf
    >>> tf.signal.fft(tf.constant([1 + 0j, 0, 0, 0], tf.complex64)).numpy()
    array([1.+0.j, 1.+0.j, 1.+0.j, 1.+0.j], dtype=complex64)
"""
import numpy as np

from graphflow import dtypes
from graphflow.errors import InvalidArgumentError
from graphflow.ops import rules
from graphflow.ops.registry import OPAQUE, dispatch, register

_NAMES = {(1, False): "fft", (2, False): "fft2d", (3, False): "fft3d",
          (1, True): "ifft", (2, True): "ifft2d", (3, True): "ifft3d"}
_COMPLEX_OF = {"float32": dtypes.complex64, "float64": dtypes.complex128}


def _axes(rank):
    return tuple(range(-rank, 0))


def _check_rank(op_name, spec, rank):
    if spec.shape is not None and len(spec.shape) < rank:
        raise InvalidArgumentError(
            f"{op_name}: input must have rank of at least {rank} but got shape "
            f"{rules.fmt(spec.shape)}")


# -- complex to complex -------------------------------------------------------------------------

def _fft_infer(specs, rank, inverse):
    (x,) = specs
    name = _NAMES[rank, inverse]
    rules.check_kind(name, x, "c")
    _check_rank(name, x, rank)
    return [(x.shape, x.dtype)]


def _fft_ref(x, rank, inverse):
    if x.dtype.kind != "c" or x.ndim < rank:
        _fft_infer([rules.ArraySpec(x)], rank, inverse)
    if x.size == 0:  # (pocketfft refuses empty axes; TF returns the empty result)
        return np.zeros(x.shape, x.dtype)
    fn = np.fft.ifftn if inverse else np.fft.fftn
    return fn(x, axes=_axes(rank)).astype(x.dtype, copy=False)


def _size(t, rank):
    """The number of elements of t's innermost `rank` axes, as a scalar of t's dtype."""
    from graphflow.ops import elementwise as ew
    from graphflow.ops.shape import shape as shape_of, strided_slice
    from graphflow.ops.reduce import reduce_prod
    dims = t.shape.as_list()[-rank:]
    if None not in dims:
        return float(np.prod(dims))
    inner = strided_slice(shape_of(t), [-rank], [0], [1], end_mask=1)
    return ew.cast(reduce_prod(inner), t.dtype)


def _fft_grad(inputs, outputs, dy, rank, inverse):
    # TF's FFTGrad / IFFTGrad: the adjoint of the DFT is N times the inverse DFT
    back = dispatch(FFT, (dy,), {"rank": rank, "inverse": not inverse})
    return (back / _size(dy, rank) if inverse else back * _size(dy, rank),)


FFT = register("fft", OPAQUE, _fft_infer, _fft_ref, _fft_grad, input_kinds="c")


# -- real to half-spectrum and back ----------------------------------------------------------------

def _rfft_infer(specs, rank, fft_length):
    (x,) = specs
    name = "rfft" if rank == 1 else f"rfft{rank}d"
    if x.dtype.name not in _COMPLEX_OF:
        raise InvalidArgumentError(
            f"{name}: input must be a float32 or float64 tensor, got {x.dtype.name} with shape "
            f"{rules.fmt(x.shape)}")
    _check_rank(name, x, rank)
    shape = None if x.shape is None else x.shape[:-rank] + fft_length[:-1] + (
        fft_length[-1] // 2 + 1,)
    return [(shape, _COMPLEX_OF[x.dtype.name])]


def _rfft_ref(x, rank, fft_length):
    if x.dtype.name not in _COMPLEX_OF or x.ndim < rank:
        _rfft_infer([rules.ArraySpec(x)], rank, fft_length)
    dtype = _COMPLEX_OF[x.dtype.name].np
    shape = x.shape[:-rank] + fft_length[:-1] + (fft_length[-1] // 2 + 1,)
    if not all(fft_length) or x.size == 0 or 0 in shape:
        return np.zeros(shape, dtype)  # (pocketfft refuses empty axes)
    return np.fft.rfftn(x, s=fft_length, axes=_axes(rank)).astype(dtype, copy=False)


def _irfft_infer(specs, rank, fft_length):
    (x,) = specs
    name = "irfft" if rank == 1 else f"irfft{rank}d"
    rules.check_kind(name, x, "c")
    _check_rank(name, x, rank)
    shape = None if x.shape is None else x.shape[:-rank] + fft_length
    return [(shape, x.dtype.real_dtype)]


def _irfft_ref(x, rank, fft_length):
    if x.dtype.kind != "c" or x.ndim < rank:
        _irfft_infer([rules.ArraySpec(x)], rank, fft_length)
    real = np.float32 if x.dtype == np.complex64 else np.float64
    if not all(fft_length) or x.size == 0:
        return np.zeros(x.shape[:-rank] + fft_length, real)
    return np.fft.irfftn(x, s=fft_length, axes=_axes(rank)).astype(real, copy=False)


def _fit(t, sizes):
    """t's innermost axes cropped or zero-padded to `sizes` (what rfft does to its input)."""
    from graphflow.ops.shape import pad, slice as slice_
    have = t.shape.as_list()[-len(sizes):]
    lead = t.shape.rank - len(sizes)
    if any(h is not None and h > s for h, s in zip(have, sizes)):
        t = slice_(t, [0] * t.shape.rank, [-1] * lead + [min(h, s) if h is not None else s
                                                         for h, s in zip(have, sizes)])
        have = t.shape.as_list()[-len(sizes):]
    if any(h is not None and h < s for h, s in zip(have, sizes)):
        t = pad(t, [[0, 0]] * lead + [[0, s - h] for h, s in zip(have, sizes)])
    return t


def _rfft_grad(inputs, outputs, dy, rank, fft_length):
    # y = R F P x (P fits x to fft_length, R keeps the half spectrum): the gradient is
    # P^T Re(F^H R^T dy) = P^T Re(N ifftn(dy zero-padded to the full spectrum)).
    from graphflow.ops import elementwise as ew
    x = inputs[0]
    full = _fit(dy, fft_length)
    back = dispatch(FFT, (full,), {"rank": rank, "inverse": True})
    g = ew._real(back) * float(np.prod(fft_length))
    return (_fit(g, tuple(x.shape.as_list()[-rank:])),)


def _irfft_grad(inputs, outputs, dy, rank, fft_length):
    # x = irfftn(y): the gradient is c * rfftn(dy) / N, where c doubles the bins whose
    # conjugates the inverse adds (all but 0 and, for even lengths, the Nyquist bin) on the
    # last axis; fitted back to y's shape (bins the inverse did not read get 0).
    from graphflow.ops import elementwise as ew
    y = inputs[0]
    n = fft_length[-1]
    spectrum = dispatch(RFFT, (dy,), {"rank": rank, "fft_length": fft_length})
    m = n // 2 + 1
    c = np.full(m, 2.0)
    c[0] = 1.0
    if n % 2 == 0:
        c[-1] = 1.0
    scale = ew.cast(np.asarray(c / float(np.prod(fft_length)), y.dtype.real_dtype.np), y.dtype)
    g = spectrum * scale
    return (_fit(g, tuple(y.shape.as_list()[-rank:])),)


RFFT = register("rfft", OPAQUE, _rfft_infer, _rfft_ref, _rfft_grad)
IRFFT = register("irfft", OPAQUE, _irfft_infer, _irfft_ref, _irfft_grad, input_kinds="c")


# -- the public functions ------------------------------------------------------------------------

def _tensor(x, name):
    from graphflow.ops.creation import convert_to_tensor
    return convert_to_tensor(x, name=name)


def _fft_length(op_name, x, fft_length, rank, inverse_real=False):
    """fft_length as a static tuple of `rank` non-negative ints (default: the input's
    innermost dims; for the inverse real transforms, 2 * (n - 1) on the last one)."""
    if fft_length is None:
        dims = x.shape.as_list()[-rank:] if x.shape.rank is not None else None
        if dims is None or len(dims) < rank or None in dims:
            raise InvalidArgumentError(
                f"{op_name}: the input's innermost {rank} dims must be known while tracing "
                f"(shape {x.shape}) or fft_length given")
        if inverse_real:
            dims[-1] = 2 * (dims[-1] - 1)
        return tuple(int(d) for d in dims)
    if hasattr(fft_length, "numpy"):
        fft_length = fft_length.numpy()
    values = np.asarray(fft_length).reshape(-1).tolist()
    if len(values) != rank or any(isinstance(v, float) and v != int(v) for v in values):
        raise InvalidArgumentError(
            f"{op_name}: fft_length must hold {rank} integers, got {fft_length!r}")
    values = tuple(int(v) for v in values)
    if any(v < 0 for v in values):
        raise InvalidArgumentError(f"{op_name}: fft_length must not be negative, got {values}")
    return values


def _complex_public(rank, inverse):
    name = _NAMES[rank, inverse]
    what = "inverse " if inverse else ""
    example = {
        "fft": ">>> tf.signal.fft(tf.constant([1 + 0j, 1j])).numpy()\n"
               "        array([1.+1.j, 1.-1.j])",
        "ifft": ">>> tf.signal.ifft(tf.constant([2 + 0j, 0j])).numpy()\n"
                "        array([1.+0.j, 1.+0.j])",
    }.get(name, f">>> tf.signal.{name}(tf.ones([{', '.join(['2'] * rank)}], tf.complex64))"
                ".shape\n        TensorShape([" + ", ".join(["2"] * rank) + "])")

    def fn(input, name=None):  # noqa: A002 - TF's names
        return dispatch(FFT, (_tensor(input, "input"),), {"rank": rank, "inverse": inverse},
                        name)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f"The {what}discrete Fourier transform over the innermost {rank} axes of a "
                  f"complex tensor{' (divided by the number of elements)' if inverse else ''}."
                  f"\n\n        {example}\n    ")
    return fn


fft = _complex_public(1, False)
ifft = _complex_public(1, True)
fft2d = _complex_public(2, False)
ifft2d = _complex_public(2, True)
fft3d = _complex_public(3, False)
ifft3d = _complex_public(3, True)


def _real_public(rank, inverse):
    name = ("irfft" if inverse else "rfft") + ("" if rank == 1 else f"{rank}d")
    if inverse:
        doc = (f"The real signal whose half spectrum over the innermost {rank} axes is `input` "
               f"(complex64 gives float32, complex128 float64); `fft_length` ({rank} ints, "
               "default: the input's dims, 2 * (n - 1) on the last) is the output's size: "
               "the spectrum is cropped or zero-padded to fft_length[-1] // 2 + 1 bins.\n\n"
               "        >>> tf.signal.irfft(tf.constant([4 + 0j, 0j, 0j])).numpy()\n"
               "        array([1., 1., 1., 1.])\n    ")
    else:
        doc = (f"The discrete Fourier transform over the innermost {rank} axes of a real "
               "tensor, keeping the fft_length[-1] // 2 + 1 non-negative frequencies of the "
               "last axis (float32 gives complex64, float64 complex128); `fft_length` "
               f"({rank} ints, default: the input's dims) crops or zero-pads the input.\n\n"
               "        >>> tf.signal.rfft(tf.constant([1.0, 1.0, 1.0, 1.0])).numpy()\n"
               "        array([4.+0.j, 0.+0.j, 0.+0.j], dtype=complex64)\n    ")
    op = IRFFT if inverse else RFFT

    def fn(input_tensor, fft_length=None, name=None):
        x = _tensor(input_tensor, "input_tensor")
        length = _fft_length(name_, x, fft_length, rank, inverse)
        return dispatch(op, (x,), {"rank": rank, "fft_length": length}, name)
    name_ = name
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


rfft = _real_public(1, False)
irfft = _real_public(1, True)
rfft2d = _real_public(2, False)
irfft2d = _real_public(2, True)
rfft3d = _real_public(3, False)
irfft3d = _real_public(3, True)
