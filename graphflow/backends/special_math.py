"""Scalar special functions for generated kernels: digamma, bessel_i0e, bessel_i1e.

Plain Python over float64 `math` calls and constant tuples, so one definition compiles for both
targets: kernel_math wraps them with numba.njit for the CPU, and generated CUDA modules wrap them
with numba.cuda.jit(device=True). They follow the same Cephes algorithms as the NumPy references
in graphflow/ops/special.py (which are vectorized over arrays); the parity tests hold the two to
the same results.

    >>> round(digamma(1.0), 12)
    -0.577215664902
    >>> bessel_i0e(0.0)
    1.0
"""
import math

from graphflow.ops.special import (  # the coefficient tables: one copy, with the references
    _DIGAMMA_A, _I0E_A, _I0E_B, _I1E_A, _I1E_B)


def digamma(x):
    """Cephes psi: NaN at 0 and the negative integers, reflection below 0, recurrence up to 10,
    then the asymptotic series."""
    reflection = 0.0
    negative = x <= 0.0
    if negative:
        # floor without math.floor, which returns an integer in Numba (and raises on -inf in
        # Python): x - (x % 1) is exactly the float floor of x.
        if x == -math.inf:
            return math.nan
        frac = x % 1.0
        if frac == 0.0:
            return math.nan
        p = x - frac
        nz = x - p
        if nz > 0.5:
            p += 1.0
            nz = x - p
        reflection = 0.0 if nz == 0.5 else math.pi / math.tan(math.pi * nz)
        x = 1.0 - x
    s = x
    w = 0.0
    while s < 10.0:
        w += 1.0 / s
        s += 1.0
    y = 0.0
    if s < 1e17:
        z = 1.0 / (s * s)
        poly = 0.0
        for c in _DIGAMMA_A:
            poly = poly * z + c
        y = z * poly
    y = math.log(s) - 0.5 / s - y - w
    return y - reflection if negative else y


# Every Chebyshev table padded with leading zeros to 30 coefficients (which leaves Clenshaw's
# recurrence exactly as it was), so both branches of a function hold tuples of one type: the
# functions below are single functions with no helpers, as Numba and CUDA device code need.
_I0E_B30 = (0.0,) * (30 - len(_I0E_B)) + _I0E_B
_I1E_A30 = (0.0,) * (30 - len(_I1E_A)) + _I1E_A
_I1E_B30 = (0.0,) * (30 - len(_I1E_B)) + _I1E_B


def bessel_i0e(x):
    """exp(-|x|) I0(x) (Cephes i0e): a Chebyshev series in |x| <= 8, another in 32/|x|."""
    y = abs(x)
    if y <= 8.0:
        t, c, scale = 0.5 * y - 2.0, _I0E_A, 1.0
    elif y > 8.0:
        t, c, scale = 32.0 / y - 2.0, _I0E_B30, 1.0 / math.sqrt(y)
    else:
        return x  # NaN
    b0, b1, b2 = c[0], 0.0, 0.0
    for i in range(1, 30):  # Clenshaw's recurrence (Cephes chbevl)
        b2 = b1
        b1 = b0
        b0 = t * b1 - b2 + c[i]
    return 0.5 * (b0 - b2) * scale


def bessel_i1e(x):
    """exp(-|x|) I1(x) (Cephes i1e), odd in x."""
    y = abs(x)
    if y <= 8.0:
        t, c, scale = 0.5 * y - 2.0, _I1E_A30, y
    elif y > 8.0:
        t, c, scale = 32.0 / y - 2.0, _I1E_B30, 1.0 / math.sqrt(y)
    else:
        return x  # NaN
    b0, b1, b2 = c[0], 0.0, 0.0
    for i in range(1, 30):
        b2 = b1
        b1 = b0
        b0 = t * b1 - b2 + c[i]
    r = 0.5 * (b0 - b2) * scale
    return -r if x < 0.0 else r


FUNCTIONS = {"digamma": digamma, "bessel_i0e": bessel_i0e, "bessel_i1e": bessel_i1e}
