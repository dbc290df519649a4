"""Scalar math for generated kernels, one name per function and dtype (exp_float32, ...).

float32 uses the branch-free, vectorizable implementations of fastmath.py where they exist
(llvmlite has no SVML, so libm calls would keep loops scalar); other dtypes use math/NumPy.

    >>> from graphflow.backends.kernel_math import sigmoid_float64
    >>> round(sigmoid_float64(0.0), 3)
    0.5
"""
import math

import numpy as np
from numba import njit

from graphflow.backends import fastmath as _fast
from graphflow.backends import special_math as _special


@njit(inline="always")
def _sigmoid64(x):
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


@njit(inline="always")
def _sigmoid32(x):
    if x >= 0:
        return np.float32(1) / (np.float32(1) + np.float32(math.exp(-x)))
    e = np.float32(math.exp(x))
    return e / (np.float32(1) + e)


def _libm(fn):
    @njit(inline="always")
    def f(x):
        return fn(x)
    return f


def _libm2(fn):
    @njit(inline="always")
    def f(x, y):
        return fn(x, y)
    return f


def _in_float64(fn):
    # The special functions are written for float64 (the statement rounds the result).
    compiled = njit(inline="always")(fn)

    @njit(inline="always")
    def f(x):
        return compiled(np.float64(x))
    return f


_GENERIC = {"exp": math.exp, "expm1": math.expm1, "log": math.log, "log1p": math.log1p,
            "sqrt": math.sqrt, "sin": math.sin, "cos": math.cos, "tanh": math.tanh,
            "erf": math.erf, "floor": np.floor, "ceil": np.ceil, "rint": np.rint,
            "tan": math.tan, "asin": math.asin, "acos": math.acos, "atan": math.atan,
            "sinh": math.sinh, "cosh": math.cosh, "asinh": math.asinh, "acosh": math.acosh,
            "atanh": math.atanh, "lgamma": math.lgamma, "erfc": math.erfc}

for _name, _fn in _GENERIC.items():
    for _dtype in ("float16", "float32", "float64"):
        globals()[f"{_name}_{_dtype}"] = _libm(_fn)
for _dtype in ("float16", "float32", "float64"):
    globals()[f"atan2_{_dtype}"] = _libm2(math.atan2)
    for _name, _fn in _special.FUNCTIONS.items():
        globals()[f"{_name}_{_dtype}"] = _in_float64(_fn)
sigmoid_float64 = _sigmoid64
sigmoid_float32 = _sigmoid32
sigmoid_float16 = _sigmoid32

# The fast implementations replace the libm-based ones wherever they exist.
for (_name, _dtype), _fn in _fast.SCALAR_FUNCTIONS.items():
    globals()[f"{_name}_{_dtype}"] = _fn
