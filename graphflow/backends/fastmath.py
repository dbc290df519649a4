"""Branch-free, inlinable exp/log/tanh/sigmoid/... that LLVM auto-vectorizes inside Numba kernels.

Why this module exists: the llvmlite build here has no SVML, so `math.exp`/`np.exp` inside an
`njit` loop becomes one scalar libm call per element, the loop cannot be vectorized, and a fused
kernel such as `max(x * 1.5 + 0.25, 0) * 0.5 + sigmoid(x)` runs at 1-2 GB/s instead of at memory
bandwidth. The functions below are plain float arithmetic, integer bit operations and selects, so
after inlining LLVM's loop vectorizer turns a whole fused loop body into packed AVX2/AVX-512 code.

Technique (the classic Cephes / fdlibm / SLEEF recipe):

* **exp, expm1**: Cody-Waite range reduction `x = n*ln2 + r`, |r| <= ln2/2, with ln2 split into
  a short `LN2_HI` (so `n * LN2_HI` is exact) and a tail `LN2_LO`; a polynomial for exp(r) or
  expm1(r); then the result is scaled by 2**n, with 2**n built directly from its IEEE bits
  (`(n + bias) << mantissa_bits`). The scale is applied as two factors 2**(n//2) and
  2**(n - n//2), so results that overflow become inf and results in the subnormal range are
  rounded once, like libm. n is found with the "magic number" trick: adding 1.5 * 2**23 (2**52)
  rounds to an integer and leaves n in the low mantissa bits.
* **log, log1p**: split x = m * 2**e with m in [sqrt(1/2), sqrt(2)) by integer arithmetic on the
  bits (subnormals are first scaled by 2**23 / 2**54), then a polynomial for log(m); log1p adds
  the rounding error of `u = 1 + x` back as `(x - (u - 1)) / u`.
* **tanh** = e / (e + 2) with e = expm1(2|x|), sign copied back (accurate for small |x| too);
  **sigmoid** = 1 / (1 + exp(-x)) or exp(x) / (1 + exp(x)), whichever does not overflow;
  **erf** (float32 only) = x + x*P(x^2) below 0.875, 1 - exp(Q(|x|)) above (Q fits log erfc).

Polynomials: exp/expm1 use Taylor coefficients (1/k!, enough terms that truncation is far below
half an ulp); log_f32 uses Cephes `logf`'s minimax polynomial; log_f64 uses fdlibm's; erf_f32's
two polynomials were fitted for this module (iteratively reweighted least squares, i.e. Lawson's
minimax algorithm, against `math.erf`/`math.erfc` in float64).

Rules that keep the code vectorizable (and should be kept when editing it):

* No branches that depend on data: every candidate value is computed, then chosen with
  `a if cond else b` between already-computed variables, which LLVM turns into a `select`.
  NaN-preserving clamps are written `hi if x > hi else x` (a NaN compares false and passes).
* No calls: the bit casts are `numba.extending.intrinsic`s emitting a single LLVM `bitcast`,
  and division is an intrinsic emitting a bare `fdiv` (Numba's `/` adds a ZeroDivisionError
  check under the default error_model="python", which would block vectorization).
* float32 functions compute in float32 only: every constant is an `np.float32` global.

Edge cases follow NumPy: exp overflows to inf and underflows through subnormals to 0,
log(0) = -inf, log(x < 0) = nan, log(inf) = inf, tanh saturates to +-1, sigmoid(-100) is 0 (or
the tiny subnormal), NaN propagates, and signed zeros are kept where NumPy keeps them
(expm1, log1p, tanh, erf of -0.0 are -0.0).

Accuracy, as the largest distance in ulps to the correctly rounded result (float32: over all
2**32 inputs, against libm in float64; float64: over 2e7 samples, against long double):

    exp 1, expm1 2, log 1, log1p 1, tanh 2, sigmoid 2, erf 1 (float32 only)

in both precisions (in fractional ulps of the exact value the worst is 2.5, for tanh and
sigmoid). tests/test_fastmath.py keeps these bounds with sampled sweeps.

float64: exp, expm1, log, log1p, tanh and sigmoid have float64 versions accurate to a few ulp
(~5e-16 relative). There is no erf_f64: code generators should keep using `math.erf` (libm) for
float64 erf, as for any (op, dtype) that is not in `SCALAR_FUNCTIONS`.

Compile flags of callers: `inline="always"` inlines at Numba IR level, so the *caller's* flags
apply to this code. Callers must not use `fastmath` flags `nnan`, `ninf` or `reassoc` (or
`fastmath=True`): they would delete the NaN/inf handling and the rounding trick. The caller's
`error_model` does not matter (divisions are `_fdiv`). `fastmath={"contract"}` is recommended:
it lets LLVM fuse multiply-adds into FMA, which keeps the accuracy above (checked exhaustively for
float32) and makes exp-heavy fused kernels ~1.4x faster (examples/benchmarks/
fastmath_vectorization.py).

    >>> import numba
    >>> import numpy as np
    >>> @numba.njit
    ... def silu(x, out):
    ...     for i in range(x.size):
    ...         out[i] = x[i] * sigmoid_f32(x[i])
    >>> x = np.linspace(-5, 5, 11, dtype=np.float32)
    >>> out = np.empty_like(x)
    >>> silu(x, out)
    >>> bool(np.allclose(out, x / (1 + np.exp(-x)), rtol=1e-6))
    True
    >>> SCALAR_FUNCTIONS["exp", "float32"] is exp_f32
    True
"""
import math
import types as _pytypes

import numba
import numpy as np
from numba import types
from numba.extending import intrinsic

__all__ = [
    "SCALAR_FUNCTIONS",
    "erf_f32", "exp_f32", "exp_f64", "expm1_f32", "expm1_f64", "log1p_f32", "log1p_f64",
    "log_f32", "log_f64", "sigmoid_f32", "sigmoid_f64", "tanh_f32", "tanh_f64",
]

_inline = numba.njit(inline="always", fastmath=False, cache=False)


# ---------------------------------------------------------------------------------------------
# Intrinsics: single LLVM instructions Numba has no scalar spelling for.


def _bitcast_intrinsic(name, src, dst):
    """An intrinsic `name(x)` reinterpreting the bits of an `src` scalar as `dst` (one LLVM
    `bitcast`, which vectorizes to nothing at all).

    When `src` is an integer type, integers of any width are accepted and first truncated or
    sign-extended to `src`: Numba computes int32 arithmetic in int64, and the bits we want are the
    low ones."""
    def typer(typingctx, x):
        if not (isinstance(x, types.Integer) if isinstance(src, types.Integer) else x == src):
            return None

        def codegen(context, builder, signature, args):
            (value,) = args
            if x.bitwidth > src.bitwidth:
                value = builder.trunc(value, context.get_value_type(src))
            elif x.bitwidth < src.bitwidth:
                value = builder.sext(value, context.get_value_type(src))
            return builder.bitcast(value, context.get_value_type(dst))
        return dst(x), codegen

    typer.__name__ = name
    return intrinsic(typer)


_f32_as_i32 = _bitcast_intrinsic("_f32_as_i32", types.float32, types.int32)
_i32_as_f32 = _bitcast_intrinsic("_i32_as_f32", types.int32, types.float32)
_f64_as_i64 = _bitcast_intrinsic("_f64_as_i64", types.float64, types.int64)
_i64_as_f64 = _bitcast_intrinsic("_i64_as_f64", types.int64, types.float64)


@intrinsic
def _fdiv(typingctx, a, b):
    """IEEE division a / b (inf or nan for b == 0) whatever the caller's error_model."""
    if not (isinstance(a, types.Float) and a == b):
        return None

    def codegen(context, builder, signature, args):
        return builder.fdiv(*args)
    return a(a, b), codegen


# ---------------------------------------------------------------------------------------------
# float32

_F = np.float32
_INF32 = _F(np.inf)
_NAN32 = _F(np.nan)
_LOG2E32 = _F(1.44269504)
_LN2_HI32 = _F(0.693359375)        # 355/512: n * _LN2_HI32 is exact for |n| < 2**15
_LN2_LO32 = _F(-2.12194440e-4)     # ln2 - _LN2_HI32
_ROUND32 = _F(12582912.0)          # 1.5 * 2**23: x + _ROUND32 rounds x to an integer ...
_ROUND32_BITS = 0x4B400000         # ... and leaves it in the low bits of this bit pattern
_EXP_HI32 = _F(89.0)               # exp(x) is inf above 88.72...
_EXP_LO32 = _F(-104.0)             # ... and rounds to 0 below -103.97...
_EXPM1_LO32 = _F(-18.0)            # expm1(x) rounds to -1 below -17.33...
_TINY32 = _F(2.0 ** -24)           # f(x) rounds to x below this for expm1, log1p
_MIN_NORMAL32 = _F(2.0 ** -126)
_TWO23 = _F(2.0 ** 23)
_SQRT_HALF32_BITS = 0x3F3504F3     # bits of sqrt(1/2)
_ZERO32, _ONE32, _TWO32, _HALF32 = _F(0.0), _F(1.0), _F(2.0), _F(0.5)

# exp(r) - 1 - r = r^2 * (1/2 + r/6 + ... + r^5/7!): truncation < 5e-9 relative for |r| < ln2/2.
_E2, _E3, _E4, _E5, _E6, _E7 = (_F(1 / 2), _F(1 / 6), _F(1 / 24), _F(1 / 120), _F(1 / 720),
                                _F(1 / 5040))
# Cephes logf: log(1 + f) = f - f^2/2 + f^3 * P(f) for f in [sqrt(1/2) - 1, sqrt(2) - 1].
_L0, _L1, _L2, _L3, _L4, _L5, _L6, _L7, _L8 = (
    _F(7.0376836292e-2), _F(-1.1514610310e-1), _F(1.1676998740e-1), _F(-1.2420140846e-1),
    _F(1.4249322787e-1), _F(-1.6668057665e-1), _F(2.0000714765e-1), _F(-2.4999993993e-1),
    _F(3.3333331174e-1))
# erf(x) = x + x * P(x^2) for |x| < 0.875 (max 1 ulp in float32 evaluation).
_ERF_SMALL32 = _F(0.875)
_A0, _A1, _A2, _A3, _A4, _A5, _A6 = (
    _F(0.12837917), _F(-0.37612635), _F(0.11283733), _F(-0.026861584), _F(0.0052067474),
    _F(-0.00082111015), _F(8.675382e-05))
# log(erfc(a)) = Q(a) for 0.875 <= a <= 4 (erf(a) rounds to 1 beyond 3.92); |error| < 1.2e-8.
_ERF_HI32 = _F(4.0)
_B0, _B1, _B2, _B3, _B4, _B5, _B6, _B7, _B8 = (
    _F(0.00029427395), _F(-1.1301315), _F(-0.6319953), _F(-0.10992517), _F(0.026335536),
    _F(-0.0047302805), _F(0.0005907149), _F(-4.5354547e-05), _F(1.6024884e-06))
_TANH_HI32 = _F(10.0)              # tanh(x) rounds to 1 above 9.01...


@_inline
def _pow2_f32(n):
    """2.0**n as float32 from its bits, for integer n in [-126, 127]."""
    return _i32_as_f32((n + 127) << 23)


@_inline
def _copysign_f32(magnitude, sign):
    return _i32_as_f32((_f32_as_i32(magnitude) & 0x7FFFFFFF) | (_f32_as_i32(sign) & -0x80000000))


@_inline
def _reduce_ln2_f32(x):
    """(n, r) with x = n * ln2 + r, |r| <= ln2/2 (n an integer, for |x| < 2**22)."""
    t = x * _LOG2E32 + _ROUND32
    n = _f32_as_i32(t) - _ROUND32_BITS
    k = t - _ROUND32  # n as a float
    r = (x - k * _LN2_HI32) - k * _LN2_LO32
    return n, r


@_inline
def exp_f32(x):
    """e**x for a float32 x, within 1 ulp of NumPy, inf above 88.72 and 0 below -103.97.

        >>> round(float(exp_f32(np.float32(1.0))), 6)
        2.718282
        >>> float(exp_f32(np.float32(100.0))), float(exp_f32(np.float32(-200.0)))
        (inf, 0.0)
    """
    x = _EXP_HI32 if x > _EXP_HI32 else x  # NaN-preserving clamps
    x = _EXP_LO32 if x < _EXP_LO32 else x
    n, r = _reduce_ln2_f32(x)
    p = _ONE32 + r * (_ONE32 + r * (_E2 + r * (_E3 + r * (_E4 + r * (_E5 + r * (_E6 + r * _E7))))))
    half = n >> 1  # two factors, so 2**n can reach 2**-150 and 2**128
    return p * _pow2_f32(half) * _pow2_f32(n - half)


@_inline
def expm1_f32(x):
    """e**x - 1 for a float32 x, accurate near 0 (keeps -0.0).

        >>> float(expm1_f32(np.float32(1e-10)))
        1.000000013351432e-10
    """
    x = _EXP_HI32 if x > _EXP_HI32 else x
    x = _EXPM1_LO32 if x < _EXPM1_LO32 else x
    n, r = _reduce_ln2_f32(x)
    p = r + r * r * (_E2 + r * (_E3 + r * (_E4 + r * (_E5 + r * (_E6 + r * _E7)))))
    # 2**n * (p + 1) - 1 = (p * 2**lo + (2**lo - 2**-hi)) * 2**hi: exact scalings, and the
    # difference of powers of two is exact for |n| <= 24, where the -1 matters.
    hi = n >> 1
    lo = n - hi
    scale_lo = _pow2_f32(lo)
    result = (p * scale_lo + (scale_lo - _pow2_f32(-hi))) * _pow2_f32(hi)
    return x if abs(x) < _TINY32 else result


@_inline
def log_f32(x):
    """Natural logarithm of a float32 x: -inf at 0, nan below 0, inf at inf.

        >>> round(float(log_f32(np.float32(10.0))), 6)
        2.302585
        >>> float(log_f32(np.float32(0.0))), float(log_f32(np.float32(-1.0)))
        (-inf, nan)
    """
    subnormal = x < _MIN_NORMAL32
    scaled = x * _TWO23
    xs = scaled if subnormal else x
    bits = _f32_as_i32(xs) - _SQRT_HALF32_BITS
    e = (bits >> 23) - (23 if subnormal else 0)
    m = _i32_as_f32((bits & 0x7FFFFF) + _SQRT_HALF32_BITS)  # in [sqrt(1/2), sqrt(2))
    f = m - _ONE32  # exact
    ef = _F(e)
    z = f * f
    y = f * z * (_L8 + f * (_L7 + f * (_L6 + f * (_L5 + f * (_L4 + f * (
        _L3 + f * (_L2 + f * (_L1 + f * _L0))))))))
    y = y + ef * _LN2_LO32
    y = y - _HALF32 * z
    result = (f + y) + ef * _LN2_HI32
    result = result if x < _INF32 else x  # +inf and nan pass through
    result = _NAN32 if x < _ZERO32 else result
    return -_INF32 if x == _ZERO32 else result


@_inline
def log1p_f32(x):
    """log(1 + x) for a float32 x, accurate near 0 (keeps -0.0); -inf at -1, nan below.

        >>> float(log1p_f32(np.float32(1e-10)))
        1.000000013351432e-10
    """
    u = _ONE32 + x
    log_u = log_f32(u)
    # log(1 + x) = log(u) + log(1 + (x - (u - 1)) / u): add back the rounding error of u.
    corrected = log_u + _fdiv(x - (u - _ONE32), u)
    result = corrected if (u > _ZERO32) & (u < _INF32) else log_u
    return x if abs(x) < _TINY32 else result


@_inline
def tanh_f32(x):
    """Hyperbolic tangent of a float32 x, saturating to +-1.

        >>> round(float(tanh_f32(np.float32(0.5))), 6)
        0.462117
        >>> float(tanh_f32(np.float32(-50.0)))
        -1.0
    """
    a = abs(x)
    a = _TANH_HI32 if a > _TANH_HI32 else a
    e = expm1_f32(a + a)
    return _copysign_f32(_fdiv(e, e + _TWO32), x)


@_inline
def sigmoid_f32(x):
    """1 / (1 + e**-x) for a float32 x, without overflow for large |x|.

        >>> float(sigmoid_f32(np.float32(0.0))), float(sigmoid_f32(np.float32(-200.0)))
        (0.5, 0.0)
    """
    e = exp_f32(-abs(x))  # <= 1, never overflows
    numerator = _ONE32 if x >= _ZERO32 else e
    return _fdiv(numerator, _ONE32 + e)


@_inline
def erf_f32(x):
    """The error function of a float32 x.

        >>> round(float(erf_f32(np.float32(0.5))), 6), round(math.erf(0.5), 6)
        (0.5205, 0.5205)
    """
    a = abs(x)
    s = a * a
    small = a + a * (_A0 + s * (_A1 + s * (_A2 + s * (_A3 + s * (_A4 + s * (_A5 + s * _A6))))))
    b = _ERF_HI32 if a > _ERF_HI32 else a
    q = _B0 + b * (_B1 + b * (_B2 + b * (_B3 + b * (_B4 + b * (_B5 + b * (_B6 + b * (
        _B7 + b * _B8)))))))
    large = _ONE32 - exp_f32(q)
    return _copysign_f32(small if a < _ERF_SMALL32 else large, x)


# ---------------------------------------------------------------------------------------------
# float64 (Python float literals are float64, so constants need no wrapping)

_INF64 = np.inf
_LOG2E64 = 1.44269504088896338700e+00
_LN2_HI64 = 6.93147180369123816490e-01  # fdlibm: 32 significant bits, n * _LN2_HI64 is exact
_LN2_LO64 = 1.90821492927058770002e-10
_ROUND64 = 6755399441055744.0           # 1.5 * 2**52
_ROUND64_BITS = 0x4338000000000000
_EXP_HI64 = 710.0                       # exp(x) is inf above 709.78...
_EXP_LO64 = -746.0                      # ... and rounds to 0 below -745.13...
_EXPM1_LO64 = -40.0                     # expm1(x) rounds to -1 below -37.43...
_TINY64 = 2.0 ** -54
_MIN_NORMAL64 = 2.0 ** -1022
_TWO54 = 2.0 ** 54
_SQRT_HALF64_BITS = 0x3FE6A09E667F3BCD
_MANTISSA64 = 0xFFFFFFFFFFFFF
_TANH_HI64 = 20.0                       # tanh(x) rounds to 1 above 19.06...
_INV_FACTORIAL = tuple(1.0 / math.factorial(k) for k in range(14))  # Taylor coefficients of exp
# fdlibm e_log.c: log(1 + f) = 2s + s*R(s^2), s = f / (2 + f), R ~ 2/3 z + 2/5 z^2 + ...
_LG1, _LG2, _LG3, _LG4, _LG5, _LG6, _LG7 = (
    6.666666666666735130e-01, 3.999999999940941908e-01, 2.857142874366239149e-01,
    2.222219843214978396e-01, 1.818357216161805012e-01, 1.531383769920937332e-01,
    1.479819860511658591e-01)


@_inline
def _pow2_f64(n):
    """2.0**n as float64 from its bits, for integer n in [-1022, 1023]."""
    return _i64_as_f64((n + 1023) << 52)


@_inline
def _copysign_f64(magnitude, sign):
    return _i64_as_f64((_f64_as_i64(magnitude) & 0x7FFFFFFFFFFFFFFF)
                       | (_f64_as_i64(sign) & -0x8000000000000000))


@_inline
def _reduce_ln2_f64(x):
    """(n, r) with x = n * ln2 + r, |r| <= ln2/2 (n an integer, for |x| < 2**20)."""
    t = x * _LOG2E64 + _ROUND64
    n = _f64_as_i64(t) - _ROUND64_BITS
    k = t - _ROUND64
    r = (x - k * _LN2_HI64) - k * _LN2_LO64
    return n, r


@_inline
def _expm1_taylor_f64(r):
    """exp(r) - 1 - r for |r| <= ln2/2 as r^2 * (1/2! + r/3! + ... + r^11/13!); the truncation
    error is below 1e-17 relative to exp(r) - 1."""
    c = _INV_FACTORIAL
    return r * r * (c[2] + r * (c[3] + r * (c[4] + r * (c[5] + r * (c[6] + r * (c[7] + r * (
        c[8] + r * (c[9] + r * (c[10] + r * (c[11] + r * (c[12] + r * c[13])))))))))))


@_inline
def exp_f64(x):
    """e**x for a float64 x (within 1 ulp of libm), inf above 709.78, 0 below -745.13.

        >>> abs(exp_f64(1.0) / math.e - 1) < 3e-16
        True
    """
    x = _EXP_HI64 if x > _EXP_HI64 else x
    x = _EXP_LO64 if x < _EXP_LO64 else x
    n, r = _reduce_ln2_f64(x)
    p = 1.0 + (r + _expm1_taylor_f64(r))
    half = n >> 1
    return p * _pow2_f64(half) * _pow2_f64(n - half)


@_inline
def expm1_f64(x):
    """e**x - 1 for a float64 x, accurate near 0 (keeps -0.0).

        >>> expm1_f64(1e-20)
        1e-20
    """
    x = _EXP_HI64 if x > _EXP_HI64 else x
    x = _EXPM1_LO64 if x < _EXPM1_LO64 else x
    n, r = _reduce_ln2_f64(x)
    p = r + _expm1_taylor_f64(r)
    hi = n >> 1  # see expm1_f32
    lo = n - hi
    scale_lo = _pow2_f64(lo)
    result = (p * scale_lo + (scale_lo - _pow2_f64(-hi))) * _pow2_f64(hi)
    return x if abs(x) < _TINY64 else result


@_inline
def log_f64(x):
    """Natural logarithm of a float64 x: -inf at 0, nan below 0, inf at inf.

        >>> abs(log_f64(10.0) / math.log(10.0) - 1) < 3e-16
        True
    """
    subnormal = x < _MIN_NORMAL64
    scaled = x * _TWO54
    xs = scaled if subnormal else x
    bits = _f64_as_i64(xs) - _SQRT_HALF64_BITS
    e = (bits >> 52) - (54 if subnormal else 0)
    m = _i64_as_f64((bits & _MANTISSA64) + _SQRT_HALF64_BITS)  # in [sqrt(1/2), sqrt(2))
    f = m - 1.0
    ef = float(e)
    half_f2 = 0.5 * f * f
    s = _fdiv(f, 2.0 + f)
    z = s * s
    w = z * z
    r = z * (_LG1 + w * (_LG3 + w * (_LG5 + w * _LG7))) + w * (_LG2 + w * (_LG4 + w * _LG6))
    result = s * (half_f2 + r) + ef * _LN2_LO64 - half_f2 + f + ef * _LN2_HI64
    result = result if x < _INF64 else x
    result = np.nan if x < 0.0 else result
    return -_INF64 if x == 0.0 else result


@_inline
def log1p_f64(x):
    """log(1 + x) for a float64 x, accurate near 0 (keeps -0.0).

        >>> log1p_f64(1e-20)
        1e-20
    """
    u = 1.0 + x
    log_u = log_f64(u)
    corrected = log_u + _fdiv(x - (u - 1.0), u)
    result = corrected if (u > 0.0) & (u < _INF64) else log_u
    return x if abs(x) < _TINY64 else result


@_inline
def tanh_f64(x):
    """Hyperbolic tangent of a float64 x, saturating to +-1.

        >>> abs(tanh_f64(0.5) / math.tanh(0.5) - 1) < 6e-16
        True
    """
    a = abs(x)
    a = _TANH_HI64 if a > _TANH_HI64 else a
    e = expm1_f64(a + a)
    return _copysign_f64(_fdiv(e, e + 2.0), x)


@_inline
def sigmoid_f64(x):
    """1 / (1 + e**-x) for a float64 x, without overflow for large |x|.

        >>> sigmoid_f64(0.0), sigmoid_f64(-1000.0)
        (0.5, 0.0)
    """
    e = exp_f64(-abs(x))
    numerator = 1.0 if x >= 0.0 else e
    return _fdiv(numerator, 1.0 + e)


# (op name, dtype name) -> njit scalar function. Read-only; pairs that are missing (float64 erf,
# other ops) have no fast version here and code generators fall back to `math.*`.
SCALAR_FUNCTIONS = _pytypes.MappingProxyType({
    ("exp", "float32"): exp_f32,
    ("expm1", "float32"): expm1_f32,
    ("log", "float32"): log_f32,
    ("log1p", "float32"): log1p_f32,
    ("tanh", "float32"): tanh_f32,
    ("sigmoid", "float32"): sigmoid_f32,
    ("erf", "float32"): erf_f32,
    ("exp", "float64"): exp_f64,
    ("expm1", "float64"): expm1_f64,
    ("log", "float64"): log_f64,
    ("log1p", "float64"): log1p_f64,
    ("tanh", "float64"): tanh_f64,
    ("sigmoid", "float64"): sigmoid_f64,
})
