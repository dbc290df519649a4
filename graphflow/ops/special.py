"""Trigonometric, hyperbolic and special functions (tf.math.tan ... bessel_i1e, zeta, softplus),
and the binary ops that define NaNs away (xlogy, xdivy, xlog1py, divide_no_nan,
multiply_no_nan) and atan2. Each primitive is one table row, as in elementwise.py: a NumPy
reference, TF's gradient formula (in graphflow ops) and a scalar form, so they fuse into kernels.

    >>> import graphflow as tf
    >>> float(tf.math.xlogy(0.0, 0.0))
    0.0
    >>> round(float(tf.math.lgamma(0.5)), 6)
    0.572365

Edge values are TF's (checked against TF 2.21): asin/acos/acosh/atanh outside their domain are
NaN and atanh(+-1) is +-inf; lgamma is +inf at 0 and at the negative integers, where digamma is
NaN; xlogy(0, y), xlog1py(0, y) and xdivy(0, y) are 0 for every y, NaN included; and
divide_no_nan(x, 0) and multiply_no_nan(x, 0) are 0 even when x is NaN or inf. The special
functions (lgamma, digamma, erfc, the Bessel functions, zeta, igamma/igammac, erfinv/erfcinv/
ndtri) are computed in float64 and rounded to the input's dtype; digamma, zeta and the Bessel
functions follow the Cephes algorithms of TF's Eigen kernels. The functions without a scalar
form (zeta, igamma, igammac, the inverse error functions, nextafter) run as reference steps in
compiled graphs: they iterate or refine per element and are rarely on a hot path.
"""
import math

import numpy as np

from graphflow import dtypes
from graphflow.ops import elementwise as ew
from graphflow.ops import rules
from graphflow.ops.registry import BROADCAST, ELEMENTWISE, REGISTRY, dispatch, register

FLOAT = ew.FLOAT
F64 = np.float64


def _float64(fn):
    """A kernel computed in float64 and rounded to the input's dtype (no NumPy warnings)."""
    def ref(*arrays):
        with np.errstate(all="ignore"):  # (overflow when rounding to float32 is inf, as in TF)
            out = fn(*[np.asarray(a, dtype=F64) for a in arrays])
            return np.asarray(out, dtype=F64).astype(arrays[0].dtype, copy=False)
    ref.__name__ = fn.__name__
    return ref


def _quiet(fn):
    """A NumPy ufunc that keeps its input's dtype, without warnings at domain edges."""
    def ref(*arrays):
        with np.errstate(all="ignore"):
            return fn(*arrays)
    ref.__name__ = getattr(fn, "__name__", "ref")
    return ref


# ---------------------------------------------------------------------------------------------
# Float64 references of the special functions (vectorized)


def _scalar_map(fn):
    """fn over every element of a float64 array (for the libm functions NumPy lacks)."""
    ufunc = np.frompyfunc(fn, 1, 1)

    def apply(x):
        return np.asarray(ufunc(x), dtype=F64) if x.size else np.array(x, dtype=F64)
    return apply


def _lgamma1(v):
    try:
        return math.lgamma(v)
    except (ValueError, OverflowError):  # the poles: 0 and the negative integers
        return math.inf


_lgamma = _scalar_map(_lgamma1)
_erfc = _scalar_map(math.erfc)

_DIGAMMA_A = (8.33333333333333333333E-2, -2.10927960927960927961E-2, 7.57575757575757575758E-3,
              -4.16666666666666666667E-3, 3.96825396825396825397E-3, -8.33333333333333333333E-3,
              8.33333333333333333333E-2)


def _digamma(x):
    """Cephes psi: reflection for x <= 0, recurrence up to 10, then the asymptotic series."""
    x = np.array(x, dtype=F64)
    negative = x <= 0
    p = np.floor(x)
    pole = negative & (p == x)
    # Reflection: psi(x) = psi(1 - x) - pi / tan(pi * x), with the fraction kept in (-1/2, 1/2].
    nz = x - p
    nz = np.where(nz > 0.5, x - (p + 1), nz)
    reflection = np.where(nz == 0.5, 0.0, np.pi / np.tan(np.pi * nz))
    s = np.where(negative, 1.0 - x, x)
    w = np.zeros_like(s)
    small = s < 10
    while small.any():
        w = np.where(small, w + 1.0 / np.where(small, s, 1.0), w)
        s = np.where(small, s + 1.0, s)
        small = s < 10
    z = 1.0 / (s * s)
    poly = np.zeros_like(s)
    for c in _DIGAMMA_A:
        poly = poly * z + c
    y = np.where(s < 1e17, z * poly, 0.0)
    y = np.log(s) - 0.5 / s - y - w
    y = np.where(negative, y - reflection, y)
    return np.where(pole, np.nan, y)


_ZETA_A = (12.0, -720.0, 30240.0, -1209600.0, 47900160.0, -1.8924375803183791606e9,
           7.47242496e10, -2.950130727918164224e12, 1.1646782814350067249e14,
           -4.5979787224074726105e15, 1.8152105401943546773e17, -7.1661652561756670113e18)
_MACHEP = 1.11022302462515654042e-16


def _zeta(x, q):
    """Cephes zeta: the Hurwitz zeta function sum_k (k + q) ** -x, by Euler-Maclaurin summation
    (negative q are allowed for integer x; the sum then runs until k + q > 9)."""
    x, q = (np.array(a, dtype=F64) for a in np.broadcast_arrays(x, q))
    out = np.full(x.shape, np.nan)
    int_q = (q <= 0) & (q == np.floor(q))
    out[int_q] = np.where(np.rint(0.5 * x[int_q]) == 0.5 * x[int_q], np.inf, np.nan)
    out[x == 1] = np.inf
    todo = ~((x == 1) | (x < 1) | int_q | ((q <= 0) & (x != np.floor(x))))
    todo &= ~(np.isnan(x) | np.isnan(q))
    xs, a = x[todo], q[todo]
    s = np.power(a, -xs)
    b = np.zeros_like(s)
    done = np.zeros(s.shape, dtype=bool)
    i = 0
    while True:
        active = ~done & ((i < 9) | (a <= 9))
        if not active.any():
            break
        i += 1
        a = np.where(active, a + 1, a)
        b = np.where(active, np.power(a, -xs), b)
        s = np.where(active, s + b, s)
        done |= active & (np.abs(b / s) < _MACHEP)
    tail = ~done & (b != 0)
    w = a
    s = np.where(tail, s + b * w / (xs - 1) - 0.5 * b, s)
    fact, k = np.ones_like(s), 0.0
    for coefficient in _ZETA_A:
        fact = fact * (xs + k)
        b = b / w
        t = fact * b / coefficient
        s = np.where(tail, s + t, s)
        tail &= ~(np.abs(t / s) < _MACHEP)
        k += 1
        fact = fact * (xs + k)
        b = b / w
        k += 1
    out[todo] = s
    return out


_I0E_A = (-4.41534164647933937950E-18, 3.33079451882223809783E-17, -2.43127984654795469359E-16,
          1.71539128555513303061E-15, -1.16853328779934516808E-14, 7.67618549860493561688E-14,
          -4.85644678311192946090E-13, 2.95505266312963983461E-12, -1.72682629144155570723E-11,
          9.67580903537323691224E-11, -5.18979560163526290666E-10, 2.65982372468238665035E-9,
          -1.30002500998624804212E-8, 6.04699502254191894932E-8, -2.67079385394061173391E-7,
          1.11738753912010371815E-6, -4.41673835845875056359E-6, 1.64484480707288970893E-5,
          -5.75419501008210370398E-5, 1.88502885095841655729E-4, -5.76375574538582365885E-4,
          1.63947561694133579842E-3, -4.32430999505057594430E-3, 1.05464603945949983183E-2,
          -2.37374148058994688156E-2, 4.93052842396707084878E-2, -9.49010970480476444210E-2,
          1.71620901522208775349E-1, -3.04682672343198398683E-1, 6.76795274409476084995E-1)
_I0E_B = (-7.23318048787475395456E-18, -4.83050448594418207126E-18, 4.46562142029675999901E-17,
          3.46122286769746109310E-17, -2.82762398051658348494E-16, -3.42548561967721913462E-16,
          1.77256013305652638360E-15, 3.81168066935262242075E-15, -9.55484669882830764870E-15,
          -4.15056934728722208663E-14, 1.54008621752140982691E-14, 3.85277838274214270114E-13,
          7.18012445138366623367E-13, -1.79417853150680611778E-12, -1.32158118404477131188E-11,
          -3.14991652796324136454E-11, 1.18891471078464383424E-11, 4.94060238822496958910E-10,
          3.39623202570838634515E-9, 2.26666899049817806459E-8, 2.04891858946906374183E-7,
          2.89137052083475648297E-6, 6.88975834691682398426E-5, 3.36911647825569408990E-3,
          8.04490411014108831608E-1)
_I1E_A = (2.77791411276104639959E-18, -2.11142121435816608115E-17, 1.55363195773620046921E-16,
          -1.10559694773538630805E-15, 7.60068429473540693410E-15, -5.04218550472791168711E-14,
          3.22379336594557470981E-13, -1.98397439776494371520E-12, 1.17361862988909016308E-11,
          -6.66348972350202774223E-11, 3.62559028155211703701E-10, -1.88724975172282928790E-9,
          9.38153738649577178388E-9, -4.44505912879632808065E-8, 2.00329475355213526229E-7,
          -8.56872026469545474066E-7, 3.47025130813767847674E-6, -1.32731636560394358279E-5,
          4.78156510755005422638E-5, -1.61760815825896745588E-4, 5.12285956168575772895E-4,
          -1.51357245063125314899E-3, 4.15642294431288815669E-3, -1.05640848946261981558E-2,
          2.47264490306265168283E-2, -5.29459812080949914269E-2, 1.02643658689847095384E-1,
          -1.76416518357834055153E-1, 2.52587186443633654823E-1)
_I1E_B = (7.51729631084210481353E-18, 4.41434832307170791151E-18, -4.65030536848935832153E-17,
          -3.20952592199342395980E-17, 2.96262899764595013876E-16, 3.30820231092092828324E-16,
          -1.88035477551078244854E-15, -3.81440307243700780478E-15, 1.04202769841288027642E-14,
          4.27244001671195135429E-14, -2.10154184277266431302E-14, -4.08355111109219731823E-13,
          -7.19855177624590851209E-13, 2.03562854414708950722E-12, 1.41258074366137813316E-11,
          3.25260358301548823856E-11, -1.89749581235054123450E-11, -5.58974346219658380687E-10,
          -3.83538038596423702205E-9, -2.63146884688951950684E-8, -2.51223623787020892529E-7,
          -3.88256480887769039346E-6, -1.10588938762623716291E-4, -9.76109749136146840777E-3,
          7.78576235018280120474E-1)


def _chbevl(x, coefficients):
    """Cephes chbevl: the Chebyshev series sum' c_i T_i(x/2) by Clenshaw's recurrence."""
    b0, b1, b2 = np.full_like(x, coefficients[0]), np.zeros_like(x), np.zeros_like(x)
    for c in coefficients[1:]:
        b2, b1 = b1, b0
        b0 = x * b1 - b2 + c
    return 0.5 * (b0 - b2)


def _bessel_i0e(x):
    y = np.abs(x)
    near = _chbevl(0.5 * y - 2.0, _I0E_A)
    far = _chbevl(32.0 / np.where(y > 8, y, 32.0) - 2.0, _I0E_B) / np.sqrt(y)
    return np.where(y <= 8, near, far)


def _bessel_i1e(x):
    y = np.abs(x)
    near = y * _chbevl(0.5 * y - 2.0, _I1E_A)
    far = _chbevl(32.0 / np.where(y > 8, y, 32.0) - 2.0, _I1E_B) / np.sqrt(y)
    return np.where(x < 0, -1.0, 1.0) * np.where(y <= 8, near, far)


def _softplus(x):
    # log(1 + e^x) = log1p(e^-|x|) + max(x, 0): no overflow, and exact for large |x|.
    with np.errstate(all="ignore"):
        return (np.log1p(np.exp(-np.abs(x))) + np.maximum(x, x.dtype.type(0))).astype(x.dtype)


# -- the incomplete gamma functions (igamma, igammac, and the gamma sampler's gradient) --------

def lgamma_positive(a):
    """lgamma of the positive entries of a (1 elsewhere: callers mask those)."""
    a = np.where(a > 0, a, 1.0)
    return np.array([math.lgamma(v) for v in a.reshape(-1)]).reshape(a.shape)


def incomplete_gamma(a, x):
    """(series, value): the regularized lower incomplete gamma P(a, x) by its power series where
    `series` (0 < x < a + 1), and its complement Q = 1 - P by Lentz's continued fraction
    elsewhere (Numerical Recipes), float64 and vectorized. Each is the small one of the pair in
    its region, so both keep their relative accuracy (and their derivatives in a do too).
    Entries with x <= 0 hold 0 (callers handle the domain)."""
    a, x = (np.array(v, dtype=F64) for v in np.broadcast_arrays(a, x))
    series = (x < a + 1) & (x > 0)
    value = np.zeros(a.shape)
    with np.errstate(all="ignore"):
        prefix = np.exp(a * np.log(x) - x - lgamma_positive(a))
        value[series] = _gamma_series(a[series], x[series]) * prefix[series]
        rest = ~series & (x > 0) & (a > 0) & np.isfinite(x)
        value[rest] = _gamma_fraction(a[rest], x[rest]) * prefix[rest]
    return series, value


def _gamma_series(a, x):
    term = 1.0 / a
    total = term.copy()
    ap = a.copy()
    for _ in range(1000):
        ap = ap + 1.0
        term = term * x / ap
        total = total + term
        if np.all(np.abs(term) <= np.abs(total) * 1e-16):
            break
    return total


def _gamma_fraction(a, x):
    tiny = 1e-300
    b = x + 1.0 - a
    c = np.full(a.shape, 1.0 / tiny)
    d = 1.0 / np.where(b == 0, tiny, b)
    h = d.copy()
    for i in range(1, 1000):
        an = -i * (i - a)
        b = b + 2.0
        d = an * d + b
        d = np.where(np.abs(d) < tiny, tiny, d)
        c = b + an / c
        c = np.where(np.abs(c) < tiny, tiny, c)
        d = 1.0 / d
        delta = d * c
        h = h * delta
        if np.all(np.abs(delta - 1.0) <= 3e-16):
            break
    return h


def _igamma_pair(a, x):
    """(P, Q) of the regularized incomplete gamma functions with TF's edge values: NaN for
    a <= 0, x < 0 or NaN; P(a, 0) = 0 and P(a, inf) = 1."""
    a, x = (np.array(v, dtype=F64) for v in np.broadcast_arrays(a, x))
    series, value = incomplete_gamma(a, x)
    p = np.where(series, value, 1.0 - value)
    q = np.where(series, 1.0 - value, value)
    p = np.where(x == 0, 0.0, np.where(x == np.inf, 1.0, p))
    q = np.where(x == 0, 1.0, np.where(x == np.inf, 0.0, q))
    bad = ~(a > 0) | ~(x >= 0)
    return np.where(bad, np.nan, p), np.where(bad, np.nan, q)


def dlower_incomplete_gamma_da(a, x):
    """d P(a, x) / da by central differences (step 1e-5 a) of the representation (series or
    continued fraction) chosen at a, so that tails keep their relative accuracy (~1e-9)."""
    a, x = (np.array(v, dtype=F64) for v in np.broadcast_arrays(a, x))
    h = 1e-5 * np.maximum(a, 1e-3)
    series, _ = incomplete_gamma(a, x)
    with np.errstate(all="ignore"):
        up, down = (_in_representation(series, a + d, x) for d in (h, -h))
        return np.where(series, 1.0, -1.0) * (up - down) / (2 * h)


def _in_representation(series, a, x):
    lower, value = incomplete_gamma(a, x)
    return np.where(series == lower, value, 1.0 - value)


def _igamma_grad_a(a, x):
    p, _ = _igamma_pair(a, x)
    with np.errstate(all="ignore"):
        grad = dlower_incomplete_gamma_da(a, x)
    return np.where(np.isnan(p), np.nan, np.where((x == 0) | (x == np.inf), 0.0, grad))


def _igamma_density(a, x):
    """d P(a, x) / dx = x^(a - 1) e^(-x) / Gamma(a), in graphflow ops."""
    return ew.exp((a - 1.0) * ew.log(x) - x - lgamma(a))


# -- inverse error functions: Acklam's rational approximation of ndtri, refined by Halley's
# method on erfc (full float64 accuracy), and erfinv / erfcinv from it

_ACKLAM_A = (-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
             1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00)
_ACKLAM_B = (-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
             6.680131188771972e+01, -1.328068155288572e+01)
_ACKLAM_C = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
             -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00)
_ACKLAM_D = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
             3.754408661907416e+00)


def _polynomial(coefficients, x):
    out = np.zeros_like(x)
    for c in coefficients:
        out = out * x + c
    return out


def _ndtri_lower(p):
    """ndtri for p in (0, 1/2] (accurate in the lower tail), NaN-free for those p."""
    central = p > 0.02425
    q = p - 0.5
    r = q * q
    mid = _polynomial(_ACKLAM_A, r) * q / (_polynomial(_ACKLAM_B, r) * r + 1.0)
    t = np.sqrt(-2.0 * np.log(np.where(central, 0.5, p)))
    tail = _polynomial(_ACKLAM_C, t) / (_polynomial(_ACKLAM_D, t) * t + 1.0)
    x = np.where(central, mid, tail)
    # one Halley step on Phi(x) = p, with Phi from erfc (accurate in the tail)
    e = 0.5 * _erfc(-x / math.sqrt(2.0)) - p
    u = e * math.sqrt(2.0 * math.pi) * np.exp(0.5 * x * x)
    return x - u / (1.0 + 0.5 * x * u)


def _ndtri_of(p, one_minus_p):
    """ndtri(p) given p and an exact 1 - p (the upper half is minus the lower one of 1 - p)."""
    with np.errstate(all="ignore"):
        upper = p > 0.5
        core = _ndtri_lower(np.where(upper, one_minus_p, p))
        x = np.where(upper, -core, core)
        x = np.where(p == 0, -np.inf, np.where(p == 1, np.inf, x))
        return np.where((p >= 0) & (p <= 1), x, np.nan)


def _ndtri(p):
    return _ndtri_of(p, 1.0 - p)  # 1 - p is exact for p >= 1/2, where it is used


def _erfcinv(z):
    # erfcinv(z) = -ndtri(z / 2) / sqrt(2); (2 - z) / 2 is exact for z >= 1, where it is used
    return -_ndtri_of(0.5 * z, 0.5 * (2.0 - z)) / math.sqrt(2.0)


def _erfinv(x):
    with np.errstate(all="ignore"):
        a = np.abs(x)
        # |x| > 1/2: from erfc, as 1 - |x| is exact there; |x| <= 1/2: Newton on erf, which
        # keeps the relative accuracy of tiny x
        outer = np.sign(x) * _erfcinv(1.0 - a)
        y = np.where(a <= 0.5, outer, 0.0)
        for _ in range(3):
            y = y - (_erf_of(y) - x) * (math.sqrt(math.pi) / 2) * np.exp(y * y)
        return np.where(a <= 0.5, y, outer)


_erf_of = _scalar_map(math.erf)


# ---------------------------------------------------------------------------------------------
# Binary references


def _xlogy(x, y):
    with np.errstate(all="ignore"):
        return np.where(x == 0, x.dtype.type(0), x * np.log(y))


def _xlog1py(x, y):
    with np.errstate(all="ignore"):
        return np.where(x == 0, x.dtype.type(0), x * np.log1p(y))


def _xdivy(x, y):
    with np.errstate(all="ignore"):
        return np.where(x == 0, x.dtype.type(0), x / y)


def _divide_no_nan(x, y):
    if x.dtype.kind != "f":  # integers divide in floating point, as truediv (TF's div_no_nan)
        target = rules.promote_division(dtypes.from_numpy(x.dtype)).np
        x, y = x.astype(target), y.astype(target)
    with np.errstate(all="ignore"):
        return np.where(y == 0, x.dtype.type(0), x / y)


def _multiply_no_nan(x, y):
    with np.errstate(all="ignore"):
        return np.where(y == 0, x.dtype.type(0), x * y)


# ---------------------------------------------------------------------------------------------
# The tables: name -> (reference, gradient, scalar form, docstring example)
# Gradients: unary (x, out, dy) -> dx; binary (x, y, out, dy) -> (dx, dy). TF's formulas.

UNARY = {
    "tan": (_quiet(np.tan), lambda x, out, dy: dy * ew.square(ew.reciprocal(ew.cos(x))),
            "tan({0})", "float(tf.math.tan(0.0))", "0.0"),
    "asin": (_quiet(np.arcsin), lambda x, out, dy: dy / ew.sqrt(1.0 - ew.square(x)),
             "asin({0})", "float(tf.math.asin(0.0))", "0.0"),
    "acos": (_quiet(np.arccos), lambda x, out, dy: -dy / ew.sqrt(1.0 - ew.square(x)),
             "acos({0})", "float(tf.math.acos(1.0))", "0.0"),
    "atan": (_quiet(np.arctan), lambda x, out, dy: dy / (1.0 + ew.square(x)),
             "atan({0})", "float(tf.math.atan(0.0))", "0.0"),
    "sinh": (_quiet(np.sinh), lambda x, out, dy: dy * cosh(x), "sinh({0})",
             "float(tf.math.sinh(0.0))", "0.0"),
    "cosh": (_quiet(np.cosh), lambda x, out, dy: dy * sinh(x), "cosh({0})",
             "float(tf.math.cosh(0.0))", "1.0"),
    "asinh": (_quiet(np.arcsinh), lambda x, out, dy: dy / cosh(out), "asinh({0})",
              "float(tf.math.asinh(0.0))", "0.0"),
    "acosh": (_quiet(np.arccosh), lambda x, out, dy: dy / sinh(out), "acosh({0})",
              "float(tf.math.acosh(1.0))", "0.0"),
    "atanh": (_quiet(np.arctanh), lambda x, out, dy: dy / (1.0 - ew.square(x)), "atanh({0})",
              "float(tf.math.atanh(0.0))", "0.0"),
    "lgamma": (_float64(_lgamma), lambda x, out, dy: dy * digamma(x), "lgamma({0})",
               "float(tf.math.lgamma(1.0))", "0.0"),
    # d digamma / dx is polygamma(1, x) = zeta(2, x), as TF computes it.
    "digamma": (_float64(_digamma), lambda x, out, dy: dy * zeta(ew.ones_like(x) * 2.0, x),
                "digamma({0})", "round(float(tf.math.digamma(1.0)), 6)", "-0.577216"),
    "erfc": (_float64(_erfc),
             lambda x, out, dy: dy * (-2.0 / math.sqrt(math.pi)) * ew.exp(-ew.square(x)),
             "erfc({0})", "float(tf.math.erfc(0.0))", "1.0"),
    "bessel_i0e": (_float64(_bessel_i0e),
                   lambda x, out, dy: dy * (bessel_i1e(x) - ew.sign(x) * out),
                   "bessel_i0e({0})", "float(tf.math.bessel_i0e(0.0))", "1.0"),
    "bessel_i1e": (_float64(_bessel_i1e), lambda x, out, dy: dy * _bessel_i1e_slope(x, out),
                   "bessel_i1e({0})", "float(tf.math.bessel_i1e(0.0))", "0.0"),
    "erfinv": (_float64(_erfinv),
               lambda x, out, dy: dy * (math.sqrt(math.pi) / 2) * ew.exp(ew.square(out)), None,
               "float(tf.math.erfinv(0.0))", "0.0"),
    "erfcinv": (_float64(_erfcinv),
                lambda x, out, dy: dy * (-math.sqrt(math.pi) / 2) * ew.exp(ew.square(out)), None,
                "round(float(tf.math.erfcinv(0.5)), 6)", "0.476936"),
    "ndtri": (_float64(_ndtri),
              lambda x, out, dy: dy * math.sqrt(2 * math.pi) * ew.exp(ew.square(out) * 0.5), None,
              "float(tf.math.ndtri(0.5))", "0.0"),
    "softplus": (_softplus, lambda x, out, dy: dy * ew.sigmoid(x),
                 "(log1p(exp(-abs({0}))) + ({0} if {0} > {ZERO} else {ZERO}))",
                 "round(float(tf.math.softplus(0.0)), 6)", "0.693147"),
}


def _bessel_i1e_slope(x, out):
    # i1e'(x) = i0e(x) - i1e(x) (sign(x) + 1/x), and 1/2 at x = 0 (TF's imputed value).
    zero = ew.equal(x, 0.0)
    safe = ew.where(zero, ew.ones_like(x), x)
    return ew.where(zero, ew.ones_like(x) * 0.5,
                    bessel_i0e(x) - out * (ew.sign(x) + ew.reciprocal(safe)))


def _not_zero(x):
    return ew.cast(ew.not_equal(x, 0.0), x.dtype)


BINARY = {
    "atan2": (_quiet(np.arctan2),
              lambda y, x, out, dy: (dy * x / (ew.square(y) + ew.square(x)),
                                     -dy * y / (ew.square(y) + ew.square(x))),
              "atan2({0}, {1})", "float(tf.math.atan2(1.0, 0.0))", "1.5707963705062866"),
    "xlogy": (_xlogy, lambda x, y, out, dy: (dy * xlogy(_not_zero(x), y), dy * xdivy(x, y)),
              "({ZERO} if {0} == {ZERO} else {0} * log({1}))",
              "float(tf.math.xlogy(0.0, 0.0))", "0.0"),
    "xlog1py": (_xlog1py,
                lambda x, y, out, dy: (dy * xlog1py(_not_zero(x), y), dy * xdivy(x, y + 1.0)),
                "({ZERO} if {0} == {ZERO} else {0} * log1p({1}))",
                "float(tf.math.xlog1py(0.0, -1.0))", "0.0"),
    "xdivy": (_xdivy, lambda x, y, out, dy: (dy * xdivy(_not_zero(x), y),
                                             dy * xdivy(-x, ew.square(y))),
              "({ZERO} if {0} == {ZERO} else {0} / {1})",
              "float(tf.math.xdivy(0.0, 0.0))", "0.0"),
    "divide_no_nan": (_divide_no_nan,
                      lambda x, y, out, dy: (divide_no_nan(dy, y),
                                             dy * divide_no_nan(divide_no_nan(-x, y), y)),
                      "({ZERO} if {1} == {ZERO} else {0} / {1})",
                      "float(tf.math.divide_no_nan(1.0, 0.0))", "0.0"),
    "multiply_no_nan": (_multiply_no_nan,
                        lambda x, y, out, dy: (multiply_no_nan(dy, y), multiply_no_nan(x, dy)),
                        "({ZERO} if {1} == {ZERO} else {0} * {1})",
                        "float(tf.math.multiply_no_nan(float('inf'), 0.0))", "0.0"),
    # d P / da by the primitive below; d P / dx is the gamma density (TF's gradients).
    "igamma": (_float64(lambda a, x: _igamma_pair(a, x)[0]),
               lambda a, x, out, dy: (dy * igamma_grad_a(a, x), dy * _igamma_density(a, x)),
               None, "round(float(tf.math.igamma(1.0, 1.0)), 6)", "0.632121"),
    "igammac": (_float64(lambda a, x: _igamma_pair(a, x)[1]),
                lambda a, x, out, dy: (-dy * igamma_grad_a(a, x), -dy * _igamma_density(a, x)),
                None, "round(float(tf.math.igammac(1.0, 1.0)), 6)", "0.367879"),
    "igamma_grad_a": (_float64(_igamma_grad_a), None, None,
                      "round(float(tf.math.igamma_grad_a(1.0, 1.0)), 6)", "-0.148496"),
    "nextafter": (_quiet(np.nextafter), None, None,
                  "float(tf.math.nextafter(1.0, 2.0)) > 1.0", "True"),
    # d zeta(x, q) / dq = -x zeta(x + 1, q); TF has no gradient for x.
    "zeta": (_float64(_zeta), lambda x, q, out, dy: (None, dy * -x * zeta(x + 1.0, q)),
             None, "round(float(tf.math.zeta(2.0, 1.0)), 6)", "1.644934"),
}

# Ops whose integer inputs are accepted (and promoted to floats, as TF does).
_INTEGER_OK = {"divide_no_nan"}


def _public(op, arity, example, result):
    what = "Elementwise" if arity == 1 else "Elementwise (NumPy broadcasting)"
    doc = f"{what} {op.name}, as tf.math.{op.name}.\n\n    >>> {example}\n    {result}\n"
    if arity == 1 and op.name in ew.VALUE_MAPPED:  # also on a SparseTensor's values (as TF)
        def fn(x, name=None):
            if type(x) in ew.VALUE_COMPOSITES:
                return x.with_values(dispatch(op, (x.values,), None, name))
            return dispatch(op, (x,), None, name)
    elif arity == 1:
        def fn(x, name=None):
            return dispatch(op, (x,), None, name)
    else:
        def fn(x, y, name=None):
            return dispatch(op, (x, y), None, name)
    fn.__name__ = fn.__qualname__ = op.name
    fn.__doc__ = doc
    return fn


# The functions TF also takes complex numbers for. Their series have real coefficients, so
# conj(f'(z)) = f'(conj(z)): the gradient rules run on conjugated inputs (TF's convention).
COMPLEX_OK = frozenset({"tan", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh"})


def _conjugated(grad):
    def rule(x, out, dy):
        if x.dtype.is_complex:
            return grad(ew._cj(x), ew._cj(out), dy)
        return grad(x, out, dy)
    return rule


_namespace = globals()
for _name, (_ref, _grad, _scalar, _example, _result) in UNARY.items():
    _kinds = FLOAT + ew.COMPLEX if _name in COMPLEX_OK else FLOAT
    _grad = _conjugated(_grad) if _name in COMPLEX_OK else _grad
    _g = (lambda grad: (lambda inputs, outputs, dy: (grad(inputs[0], outputs[0], dy),)))(_grad)
    _op = register(_name, ELEMENTWISE, ew._unary_rule(_name, _kinds),
                   ew._checked(_name, _kinds, _ref), _g)
    _op.scalar, _op.scalar_kinds = _scalar, "f"
    _namespace[_name] = _public(_op, 1, _example, _result)

for _name, (_ref, _grad, _scalar, _example, _result) in BINARY.items():
    _g = None if _grad is None else (lambda grad: (
        lambda inputs, outputs, dy: grad(inputs[0], inputs[1], outputs[0], dy)))(_grad)
    _kinds = ew.NUMERIC if _name in _INTEGER_OK else FLOAT
    _out = rules.promote_division if _name in _INTEGER_OK else None
    _op = register(_name, BROADCAST, ew._binary_rule(_name, _kinds, _out),
                   ew._checked(_name, _kinds, _ref), _g, same_dtype=(0, 1))
    _op.scalar, _op.scalar_kinds = _scalar, "f"
    _namespace[_name] = _public(_op, 2, _example, _result)


# TF's parameter names where they are not (x) or (x, y), so keyword calls bind the same way.

def atan2(y, x, name=None):
    """The angle of the point (x, y) in (-pi, pi], elementwise with broadcasting.

        >>> round(float(tf.math.atan2(1.0, 0.0)), 6)
        1.570796
    """
    return dispatch(REGISTRY["atan2"], (y, x), None, name)


def zeta(x, q, name=None):
    """The Hurwitz zeta function sum_k (k + q) ** -x (TF's gradient: q only).

        >>> round(float(tf.math.zeta(2.0, 1.0)), 6)
        1.644934
    """
    return dispatch(REGISTRY["zeta"], (x, q), None, name)


def softplus(features, name=None):
    """log(1 + exp(features)), without overflow; its gradient is sigmoid(features).

        >>> round(float(tf.math.softplus(0.0)), 6)
        0.693147
    """
    return dispatch(REGISTRY["softplus"], (features,), None, name)


def igamma(a, x, name=None):
    """The regularized lower incomplete gamma function P(a, x) (NaN for a <= 0 or x < 0);
    differentiable in a and x, as in TF.

        >>> round(float(tf.math.igamma(2.0, 3.0)), 6)
        0.800852
    """
    return dispatch(REGISTRY["igamma"], (a, x), None, name)


def igammac(a, x, name=None):
    """The regularized upper incomplete gamma function Q(a, x) = 1 - P(a, x).

        >>> round(float(tf.math.igammac(2.0, 3.0)), 6)
        0.199148
    """
    return dispatch(REGISTRY["igammac"], (a, x), None, name)


def igamma_grad_a(a, x, name=None):
    """d igamma(a, x) / da (TF's IgammaGradA; computed by central differences to ~1e-9).

        >>> round(float(igamma_grad_a(2.0, 3.0)), 6)
        -0.197425
    """
    return dispatch(REGISTRY["igamma_grad_a"], (a, x), None, name)


def nextafter(x1, x2, name=None):
    """The next representable value after x1 in the direction of x2.

        >>> float(tf.math.nextafter(0.0, 1.0)) > 0.0
        True
    """
    return dispatch(REGISTRY["nextafter"], (x1, x2), None, name)
