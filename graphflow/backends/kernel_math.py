"""The CPU dialect's scalar functions for generated kernels: one per name of render.FUNCTIONS
and float dtype, as `<name>_<dtype>` (exp_float32, ...).

The branch-free, vectorizable implementations of fastmath.py come first (llvmlite has no SVML,
so libm calls would keep loops scalar); the rest call math/NumPy, and the special functions are
special_math's, computed in float64 (the statement rounds the result). float16 has none: the
Numba CPU target cannot compile it (numba_cpu.UNSUPPORTED_DTYPES).

    >>> from graphflow.backends.kernel_math import sigmoid_float64
    >>> round(sigmoid_float64(0.0), 3)
    0.5
"""
import math

import numpy as np
from numba import njit

from graphflow.backends import fastmath, render, special_math

_LIBM = {"exp": math.exp, "expm1": math.expm1, "log": math.log, "log1p": math.log1p,
         "sqrt": math.sqrt, "sin": math.sin, "cos": math.cos, "tanh": math.tanh,
         "erf": math.erf, "floor": np.floor, "ceil": np.ceil, "rint": np.rint,
         "tan": math.tan, "asin": math.asin, "acos": math.acos, "atan": math.atan,
         "atan2": math.atan2, "sinh": math.sinh, "cosh": math.cosh, "asinh": math.asinh,
         "acosh": math.acosh, "atanh": math.atanh, "lgamma": math.lgamma, "erfc": math.erfc,
         "fmod": np.fmod}  # (Numba has no math.fmod; np.fmod gives C's NaN for fmod(x, 0))


def _libm(fn):
    if fn is math.atan2 or fn is np.fmod:
        return njit(inline="always")(lambda x, y: fn(x, y))
    return njit(inline="always")(lambda x: fn(x))


def _in_float64(fn):
    compiled = njit(inline="always")(fn)
    return njit(inline="always")(lambda x: compiled(np.float64(x)))


def _define(name, dtype):
    fast = fastmath.SCALAR_FUNCTIONS.get((name, dtype))
    if fast is not None:
        return fast
    if name in special_math.FUNCTIONS:
        return _in_float64(special_math.FUNCTIONS[name])
    return _libm(_LIBM[name])  # (a name in neither is a KeyError at import: a missing function)


for _dtype in ("float32", "float64"):
    for _name in render.FUNCTIONS:
        globals()[f"{_name}_{_dtype}"] = _define(_name, _dtype)
