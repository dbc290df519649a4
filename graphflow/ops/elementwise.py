"""Elementwise ops: unary math, binary arithmetic with broadcasting, comparisons, logic, where, cast.

Each op is one table row: name, NumPy reference, accepted dtype kinds, and gradient rule.

    >>> import graphflow as tf
    >>> tf.maximum([1.0, 5.0], 3.0).numpy()
    array([3., 5.], dtype=float32)
"""
import math

import numpy as np

from graphflow import dtypes
from graphflow import tensor as _tensor
from graphflow.errors import InvalidArgumentError, UnimplementedError
from graphflow.ops import rules
from graphflow.ops.registry import BROADCAST, ELEMENTWISE, REGISTRY, dispatch, register

FLOAT, NUMERIC, SIGNED, BOOL, ANY = "f", "fiu", "fi", "b", "fiub"
COMPLEX = "c"  # complex64 / complex128: accepted where TF's kernels take them
STRING = "O"  # tf.string (object arrays of bytes): compared, and concatenated by add, as in TF


def _unary_rule(name, kinds, out_dtype=None):
    def infer(specs):
        (x,) = specs
        rules.check_kind(name, x, kinds)
        return [(x.shape, out_dtype(x.dtype) if callable(out_dtype) else (out_dtype or x.dtype))]
    return infer


def _binary_rule(name, kinds, out_dtype=None):
    def infer(specs):
        x, y = specs
        rules.check_kind(name, x, kinds)
        rules.check_kind(name, y, kinds, 1)
        dtype = out_dtype(x.dtype) if callable(out_dtype) else (out_dtype or x.dtype)
        return [(rules.broadcast_shapes(name, x.shape, y.shape), dtype)]
    return infer


def _checked(name, kinds, fn):
    """Wraps a NumPy kernel so the eager path rejects dtypes the op does not accept (for ops
    registered without `input_kinds`, which dispatch checks itself at less cost).

    Only the first input is checked: dispatch has already made the operands' dtypes agree."""
    if kinds == ANY:
        return fn

    def ref(x, *rest):
        if x.dtype.kind not in kinds:
            rules.check_kind(name, _spec(x), kinds)
        return fn(x, *rest)
    ref.__name__ = f"ref_{name}"
    return ref


def _spec(array):
    from graphflow.ops.registry import Spec
    return Spec(array.shape, dtypes.from_numpy(array.dtype))


# The unary functions TF also applies to a tf.SparseTensor, on its values (those with f(0) = 0):
# `tf.math.abs(sp)` is a SparseTensor. ops/sparse.py adds its class to VALUE_COMPOSITES (it
# imports this module, so this one cannot import it).
VALUE_MAPPED = frozenset({"abs", "negative", "sign", "square", "sqrt", "erf", "tanh", "sin", "tan",
                          "asin", "asinh", "atan", "atanh", "bessel_i0e", "bessel_i1e"})
VALUE_COMPOSITES = set()


def _public(op, kinds):
    arity = 1 if op.kind == ELEMENTWISE else 2
    value = "[True, False]" if kinds == BOOL else "[0.5, 2.0]"
    args = ", ".join([f"tf.constant({value})"] * arity)
    what = "Elementwise" if arity == 1 else "Elementwise (NumPy broadcasting)"
    doc = f"{what} {op.name}.\n\n    >>> tf.{op.name}({args}).shape\n    TensorShape([2])\n"

    if arity == 1 and op.name in VALUE_MAPPED:
        def fn(x, name=None):
            if type(x) in VALUE_COMPOSITES:
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


# -- gradient rules (written in graphflow ops; x, y are inputs, out the output, dy its gradient) --

UNARY = {
    # name: (reference, accepted kinds, gradient(x, out, dy))
    # Gradients of complex inputs follow TF's convention: for a real loss L of z = x + iy, the
    # gradient is dL/dx + i dL/dy, so a holomorphic f passes back dy * conj(f'(z)) (_cj).
    "negative": (np.negative, SIGNED + COMPLEX, lambda x, out, dy: negative(dy)),
    "abs": (np.abs, SIGNED + COMPLEX, lambda x, out, dy: _abs_grad(x, out, dy)),
    "sign": (np.sign, SIGNED, lambda x, out, dy: zeros_like(x)),
    "exp": (np.exp, FLOAT + COMPLEX, lambda x, out, dy: dy * _cj(out)),
    "expm1": (np.expm1, FLOAT + COMPLEX, lambda x, out, dy: dy * _cj(out + 1.0)),
    "log": (np.log, FLOAT + COMPLEX, lambda x, out, dy: dy / _cj(x)),
    "log1p": (np.log1p, FLOAT + COMPLEX, lambda x, out, dy: dy / _cj(x + 1.0)),
    # TF's SqrtGrad is 0 where dy is 0, so tf.where(x > 0, tf.sqrt(x), 0) has a finite
    # gradient at 0 (0 * inf would be NaN): divide by 1 there instead
    "sqrt": (np.sqrt, FLOAT + COMPLEX, lambda x, out, dy: dy * 0.5 / _cj(where(
        not_equal(dy, 0.0), out, ones_like(out)))),
    "rsqrt": (lambda x: 1 / np.sqrt(x), FLOAT + COMPLEX,
              lambda x, out, dy: dy * _cj(-0.5 * out * out * out)),
    "reciprocal": (np.reciprocal, FLOAT + COMPLEX, lambda x, out, dy: -dy * _cj(out * out)),
    "square": (np.square, NUMERIC + COMPLEX, lambda x, out, dy: dy * _cj(2.0 * x)),
    "sin": (np.sin, FLOAT + COMPLEX, lambda x, out, dy: dy * _cj(cos(x))),
    "cos": (np.cos, FLOAT + COMPLEX, lambda x, out, dy: -dy * _cj(sin(x))),
    "tanh": (np.tanh, FLOAT + COMPLEX, lambda x, out, dy: dy * _cj(1.0 - out * out)),
    "sigmoid": (lambda x: _sigmoid(x), FLOAT + COMPLEX,
                lambda x, out, dy: dy * _cj(out * (1.0 - out))),
    # relu's gradient reads its output (out > 0 exactly where x > 0), so the pre-activation is
    # not kept alive for the backward pass and can fuse into the producing matmul's epilogue.
    "relu": (lambda x: np.maximum(x, x.dtype.type(0)), NUMERIC,
             lambda x, out, dy: dy * cast(out > 0, dy.dtype)),
    "erf": (lambda x: _erf(x), FLOAT,
            lambda x, out, dy: dy * (2.0 / math.sqrt(math.pi)) * exp(-(x * x))),
    "floor": (np.floor, FLOAT, lambda x, out, dy: zeros_like(x)),
    "ceil": (np.ceil, FLOAT, lambda x, out, dy: zeros_like(x)),
    "round": (np.round, FLOAT, lambda x, out, dy: zeros_like(x)),  # half to even, as TF
    "logical_not": (np.logical_not, BOOL, None),
    "is_nan": (np.isnan, FLOAT, None),
    "is_finite": (np.isfinite, FLOAT, None),
}


def _real_part_dtype(dtype):
    return dtype.real_dtype


def _cj(t):
    """conj(t) for complex tensors, t itself otherwise (the gradient rules' conj)."""
    return dispatch(CONJ, (t,)) if t.dtype.is_complex else t


def _abs_grad(x, out, dy):
    if not x.dtype.is_complex:
        return dy * sign(x)
    # TF's ComplexAbsGrad: dy * x / |x|, and 0 where x is 0
    safe = where(equal(out, 0.0), ones_like(out), out)
    return cast(dy / safe, x.dtype) * where(equal(out, 0.0), zeros_like(x), x)


def _sigmoid(x):
    if x.dtype.kind == "c":
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return 1 / (1 + np.exp(-x))
    # Stable for large |x| in both directions, and keeps the input dtype.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


_erf_vec = np.vectorize(math.erf, otypes=[np.float64])


def _erf(x):
    return _erf_vec(x).astype(x.dtype, copy=False) if x.size else x.copy()


def _truediv(x, y):
    if x.dtype.kind != "f":
        target = rules.promote_division(dtypes.from_numpy(x.dtype)).np
        x, y = x.astype(target), y.astype(target)
    return np.true_divide(x, y)


def _pow(x, y):
    if x.dtype.kind in "iu" and np.any(y < 0):
        raise InvalidArgumentError("pow: integers to negative integer powers are not allowed")
    return np.power(x, y)


def _pow_grad_exponent(x, out, dy):
    # log x where it is defined: x > 0 for reals, x != 0 for complex numbers (as TF)
    mask = not_equal(x, 0.0) if x.dtype.is_complex else x > 0
    safe = where(mask, x, ones_like(x))
    return dy * _cj(out * where(mask, log(safe), zeros_like(x)))


def _integer_checked(name, fn):
    """TF raises for integer division by zero (NumPy would give 0 with a warning). Integer
    floordiv/floormod never run inside fused kernels (SCALAR_KINDS), so this check covers every
    backend."""
    def ref(x, y):
        if y.dtype.kind in "iu":
            if not y.all():
                raise InvalidArgumentError(f"{name}: Integer division by zero")
            return fn(x, y)
        with np.errstate(divide="ignore", invalid="ignore"):  # IEEE results, as TF's
            return fn(x, y)
    ref.__name__ = f"ref_{name}"
    return ref


BINARY = {
    # name: (reference, accepted kinds, gradient(x, y, out, dy) -> (dx, dy), result dtype)
    "add": (np.add, NUMERIC + COMPLEX + STRING, lambda x, y, out, dy: (dy, dy), None),
    "subtract": (np.subtract, NUMERIC + COMPLEX, lambda x, y, out, dy: (dy, -dy), None),
    "multiply": (np.multiply, NUMERIC + COMPLEX,
                 lambda x, y, out, dy: (dy * _cj(y), dy * _cj(x)), None),
    "truediv": (_truediv, NUMERIC + COMPLEX,
                lambda x, y, out, dy: (dy / _cj(y), -dy * _cj(out / y)),
                rules.promote_division),
    "floordiv": (_integer_checked("floordiv", np.floor_divide), NUMERIC, None, None),
    "floormod": (_integer_checked("floormod", np.mod), NUMERIC,
                 lambda x, y, out, dy: (dy, -dy * floor(x / y)), None),
    "pow": (_pow, NUMERIC + COMPLEX,
            lambda x, y, out, dy, needs=(True, True): (
                dy * _cj(y * pow(x, y - 1.0)) if needs[0] else None,
                _pow_grad_exponent(x, out, dy) if needs[1] else None), None),
    "maximum": (np.maximum, NUMERIC,
                lambda x, y, out, dy: (dy * cast(x >= y, dy.dtype), dy * cast(x < y, dy.dtype)),
                None),
    "minimum": (np.minimum, NUMERIC,
                lambda x, y, out, dy: (dy * cast(x <= y, dy.dtype), dy * cast(x > y, dy.dtype)),
                None),
    "squared_difference": (lambda x, y: np.square(x - y), NUMERIC,
                           lambda x, y, out, dy: (dy * 2.0 * (x - y), dy * -2.0 * (x - y)), None),
    "equal": (np.equal, ANY + COMPLEX + STRING, None, dtypes.bool),
    "not_equal": (np.not_equal, ANY + COMPLEX + STRING, None, dtypes.bool),
    "less": (np.less, NUMERIC, None, dtypes.bool),
    "less_equal": (np.less_equal, NUMERIC, None, dtypes.bool),
    "greater": (np.greater, NUMERIC, None, dtypes.bool),
    "greater_equal": (np.greater_equal, NUMERIC, None, dtypes.bool),
    "logical_and": (np.logical_and, BOOL, None, None),
    "logical_or": (np.logical_or, BOOL, None, None),
    "logical_xor": (np.logical_xor, BOOL, None, None),
}

_namespace = globals()

for _name, (_ref, _kinds, _grad) in UNARY.items():
    _g = None if _grad is None else (
        lambda grad: (lambda inputs, outputs, dy: (grad(inputs[0], outputs[0], dy),)))(_grad)
    _out = dtypes.bool if _name in ("is_nan", "is_finite") else None
    if _name == "abs":  # |z| of a complex number is real, as TF's ComplexAbs
        _out = _real_part_dtype
    _op = register(_name, ELEMENTWISE, _unary_rule(_name, _kinds, _out), _ref, _g,
                   input_kinds=_kinds)
    _namespace[_name] = _public(_op, _kinds)

for _name, (_ref, _kinds, _grad, _out) in BINARY.items():
    _needs = _name == "pow"
    if _grad is None:
        _g = None
    elif _needs:
        _g = (lambda grad: (lambda inputs, outputs, dy, needs: grad(
            inputs[0], inputs[1], outputs[0], dy, needs)))(_grad)
    else:
        _g = (lambda grad: (lambda inputs, outputs, dy: grad(
            inputs[0], inputs[1], outputs[0], dy)))(_grad)
    _op = register(_name, BROADCAST, _binary_rule(_name, _kinds, _out), _ref, _g,
                   same_dtype=(0, 1), grad_takes_needs=_needs, input_kinds=_kinds)
    _namespace[_name] = _public(_op, _kinds)


# -- truncated division (TF's TruncateDiv / TruncateMod) ----------------------------------------
# Rounding toward zero, as C does: -7 / 2 is -3 and -7 % 2 is -1 (floordiv gives -4 and 1).
# TF defines TruncateMod for int32, int64 and floats only, and neither op has a gradient.
TRUNCATEMOD_DTYPES = ("int32", "int64", "float16", "float32", "float64")


def _truncatediv(x, y):
    if x.dtype.kind in "iu":
        if not y.all():
            raise InvalidArgumentError("truncatediv: Integer division by zero")
        with np.errstate(over="ignore"):  # INT_MIN / -1 wraps to INT_MIN, as in TF
            q = np.floor_divide(x, y)
        inexact = (np.mod(x, y) != 0) & ((x < 0) != (y < 0))
        return np.where(inexact, q + x.dtype.type(1), q).astype(x.dtype, copy=False)
    with np.errstate(divide="ignore", invalid="ignore"):  # IEEE results, as TF's
        return np.trunc(np.true_divide(x, y))


def _truncatemod(x, y):
    if x.dtype.name not in TRUNCATEMOD_DTYPES:
        _check_truncatemod_dtype(_spec(x))
    if x.dtype.kind in "iu":
        if not y.all():
            raise InvalidArgumentError("truncatemod: Integer division by zero")
        return np.fmod(x, y)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.fmod(x, y)


def _check_truncatemod_dtype(spec, position=0):
    if spec.dtype.name not in TRUNCATEMOD_DTYPES:
        raise InvalidArgumentError(
            f"truncatemod: input #{position} must be a tensor of {', '.join(TRUNCATEMOD_DTYPES)} "
            f"(TF has no TruncateMod kernel for other dtypes), got {spec.dtype.name} with shape "
            f"{rules.fmt(spec.shape)}")


def _truncatemod_infer(specs):
    x, y = specs
    _check_truncatemod_dtype(x)
    _check_truncatemod_dtype(y, 1)
    return [(rules.broadcast_shapes("truncatemod", x.shape, y.shape), x.dtype)]


TRUNCATEDIV = register("truncatediv", BROADCAST, _binary_rule("truncatediv", NUMERIC),
                       _truncatediv, None, same_dtype=(0, 1), input_kinds=NUMERIC)
# Floats fuse (trunc as floor or ceil by the quotient's sign; NaN takes the ceil branch and
# stays NaN; truncatemod is C's fmod); integer division by zero must raise, which kernels
# cannot, so integers do not.
TRUNCATEDIV.scalar = "(floor({0} / {1}) if {0} / {1} >= {ZERO} else ceil({0} / {1}))"
TRUNCATEDIV.scalar_kinds = "f"
TRUNCATEMOD = register("truncatemod", BROADCAST, _truncatemod_infer, _truncatemod, None,
                       same_dtype=(0, 1), input_kinds=NUMERIC)
TRUNCATEMOD.scalar = "fmod({0}, {1})"  # floats only, for the same reason
TRUNCATEMOD.scalar_kinds = "f"


def truncatediv(x, y, name=None):
    """x / y rounded toward zero (TF's TruncateDiv): C's integer division; trunc(x / y) for
    floats. Integer division by zero raises. TF has no gradient for it.

        >>> tf.truncatediv(tf.constant([7, -7, 7, -7]), tf.constant([2, 2, -2, -2])).numpy()
        array([ 3, -3, -3,  3], dtype=int32)
        >>> tf.truncatediv(tf.constant([-7.5]), 2.0).numpy()
        array([-3.], dtype=float32)
    """
    return dispatch(TRUNCATEDIV, (x, y), None, name)


def truncatemod(x, y, name=None):
    """The remainder of truncatediv (TF's TruncateMod, C's `%` and `fmod`): it has the sign of
    x, and x == truncatediv(x, y) * y + truncatemod(x, y). int32, int64 and floats only.

        >>> tf.truncatemod(tf.constant([7, -7, 7, -7]), tf.constant([2, 2, -2, -2])).numpy()
        array([ 1, -1,  1, -1], dtype=int32)
        >>> tf.truncatemod(tf.constant([-7.5]), 2.0).numpy()
        array([-1.5], dtype=float32)
    """
    return dispatch(TRUNCATEMOD, (x, y), None, name)


# -- bitwise ops (tf.bitwise) -------------------------------------------------------------------
# Integers of any width; no gradient. The Python operators &, |, ^ and ~ are these on integer
# tensors and the logical ops on bool tensors, as in TF (<< and >> are not tensor operators).
INTEGER = "iu"


def _shift_amount(x, y):
    """TF clamps the shift to [0, bits - 1] (C leaves other amounts undefined): a negative
    amount shifts by 0, and 8 or more shifts an int8 by 7."""
    return np.clip(y, 0, 8 * x.dtype.itemsize - 1).astype(x.dtype, copy=False)


def _left_shift(x, y):
    unsigned = np.dtype(f"u{x.dtype.itemsize}")  # bits shifted out of a signed int wrap, as TF's
    return np.left_shift(x.astype(unsigned), _shift_amount(x, y).astype(unsigned)).astype(x.dtype)


def _right_shift(x, y):
    return np.right_shift(x, _shift_amount(x, y))  # arithmetic for signed ints, as TF's


BITWISE_BINARY = {
    # name: (reference, scalar form or None)
    "bitwise_and": (np.bitwise_and, "({0} & {1})"),
    "bitwise_or": (np.bitwise_or, "({0} | {1})"),
    "bitwise_xor": (np.bitwise_xor, "({0} ^ {1})"),
    # The clamped shift has no scalar form with typed widths yet: shifts stay out of kernels.
    "left_shift": (_left_shift, None),
    "right_shift": (_right_shift, None),
}
BITWISE_DOCS = {
    "bitwise_and": ("x & y, bit by bit", "[12, 10]", "[10, 6]", "array([8, 2], dtype=int32)"),
    "bitwise_or": ("x | y, bit by bit", "[12, 10]", "[10, 6]", "array([14, 14], dtype=int32)"),
    "bitwise_xor": ("x ^ y, bit by bit", "[12, 10]", "[10, 6]", "array([ 6, 12], dtype=int32)"),
    "left_shift": ("x << y; shift amounts are clamped to [0, bits - 1], as TF does",
                   "[1, -3]", "[4, 1]", "array([16, -6], dtype=int32)"),
    "right_shift": ("x >> y (arithmetic for signed integers); shift amounts are clamped to "
                    "[0, bits - 1], as TF does", "[16, -6]", "[4, 40]",
                    "array([ 1, -1], dtype=int32)"),
}


def _bitwise_public(op, what, x, y, result):
    def fn(x, y, name=None):
        return dispatch(op, (x, y), None, name)
    fn.__name__ = fn.__qualname__ = op.name
    fn.__doc__ = (f"Elementwise {what} (integer tensors, NumPy broadcasting).\n\n"
                  f"        >>> tf.bitwise.{op.name}(tf.constant({x}), tf.constant({y})).numpy()\n"
                  f"        {result}\n    ")
    return fn


for _name, (_ref, _template) in BITWISE_BINARY.items():
    _op = register(_name, BROADCAST, _binary_rule(_name, INTEGER), _ref, None, same_dtype=(0, 1),
                   input_kinds=INTEGER)
    _op.scalar = _template
    _op.scalar_kinds = INTEGER
    _namespace[_name] = _bitwise_public(_op, *BITWISE_DOCS[_name])

INVERT = register("invert", ELEMENTWISE, _unary_rule("invert", INTEGER), np.invert, None,
                  input_kinds=INTEGER)
INVERT.scalar = "(~{0})"
INVERT.scalar_kinds = INTEGER


def invert(x, name=None):
    """~x, bit by bit (integer tensors): -x - 1 for signed integers, the complement for unsigned.

        >>> tf.bitwise.invert(tf.constant([12, -7])).numpy()
        array([-13,   6], dtype=int32)
        >>> tf.bitwise.invert(tf.constant([0, 5], tf.uint8)).numpy()
        array([255, 250], dtype=uint8)
    """
    return dispatch(INVERT, (x,), None, name)


_OPERATOR_OPS = list(UNARY) + list(BINARY) + list(BITWISE_BINARY) + ["invert"]
_tensor.install_operators(dispatch, {name: REGISTRY[name] for name in _OPERATOR_OPS})

# The scalar form of each op, from which fused kernels are generated (see OpDef.scalar).
# Written so NaNs propagate as NumPy's do; every result is cast to the node's dtype by the
# code generator, so integer and float32 arithmetic keep NumPy's result types.
SCALAR = {
    "negative": "(-{0})",
    "abs": "abs({0})",
    "sign": "({ONE} if {0} > {ZERO} else (-{ONE} if {0} < {ZERO} else {0}))",
    "exp": "exp({0})", "expm1": "expm1({0})", "log": "log({0})", "log1p": "log1p({0})",
    "sqrt": "sqrt({0})", "rsqrt": "({ONE} / sqrt({0}))", "reciprocal": "({ONE} / {0})",
    "square": "({0} * {0})", "sin": "sin({0})", "cos": "cos({0})", "tanh": "tanh({0})",
    "sigmoid": "sigmoid({0})", "erf": "erf({0})",
    "relu": "({0} if not ({0} <= {ZERO}) else {ZERO})",
    "floor": "floor({0})", "ceil": "ceil({0})", "round": "rint({0})",
    "logical_not": "(not {0})", "is_nan": "({0} != {0})", "is_finite": "(({0} - {0}) == {ZERO})",
    "add": "({0} + {1})", "subtract": "({0} - {1})", "multiply": "({0} * {1})",
    "truediv": "({0} / {1})", "floordiv": "({0} // {1})", "floormod": "({0} % {1})",
    "pow": "({0} ** {1})",
    "maximum": "({0} if ({0} >= {1} or {0} != {0}) else {1})",
    "minimum": "({0} if ({0} <= {1} or {0} != {0}) else {1})",
    "squared_difference": "(({0} - {1}) * ({0} - {1}))",
    "equal": "({0} == {1})", "not_equal": "({0} != {1})", "less": "({0} < {1})",
    "less_equal": "({0} <= {1})", "greater": "({0} > {1})", "greater_equal": "({0} >= {1})",
    "logical_and": "({0} & {1})", "logical_or": "({0} | {1})", "logical_xor": "({0} ^ {1})",
    "where": "({1} if {0} else {2})",
    "identity": "{0}", "stop_gradient": "{0}", "zeros_like": "{ZERO}", "ones_like": "{ONE}",
    "cast": "{0}",  # the generator's cast to the node's dtype does the work
}
# Integer floor division/modulo by zero and integer powers are left to NumPy.
SCALAR_KINDS = {"pow": "f", "floordiv": "f", "floormod": "f"}


def divide(x, y, name=None):
    """x / y (true division; integer inputs give float results, as in TF).

        >>> tf.divide(tf.constant([1, 2]), 2).numpy()
        array([0.5, 1. ])
    """
    return truediv(x, y, name)


# -- where -------------------------------------------------------------------------------------

def _where_infer(specs):
    c, x, y = specs
    rules.check_kind("where", c, BOOL)
    return [(rules.broadcast_shapes("where", c.shape, x.shape, y.shape), x.dtype)]


def _where_grad(inputs, outputs, dy):
    c = inputs[0]
    zero = zeros_like(dy)
    return None, where(c, dy, zero), where(c, zero, dy)


def _where_ref(c, x, y):
    rules.check_array_kind("where", c, BOOL)
    return np.where(c, x, y)


WHERE = register("where", BROADCAST, _where_infer, _where_ref, _where_grad, same_dtype=(1, 2))


def where(condition, x=None, y=None, name=None):
    """Elements of x where condition is true, else of y (broadcasting all three).

        >>> tf.where([True, False], 1.0, 2.0).numpy()
        array([1., 2.], dtype=float32)
    """
    if x is None and y is None:
        from graphflow.ops.shape import where_indices
        return where_indices(condition)
    if x is None or y is None:
        raise InvalidArgumentError("where: x and y must both be given, or both be None")
    return dispatch(WHERE, (condition, x, y), None, name)


# -- cast --------------------------------------------------------------------------------------

def _check_cast(source, dtype):
    """TF has no cast between strings and numbers (tf.strings.to_number / as_string do that)."""
    target = dtypes.as_dtype(dtype)
    if (source is dtypes.string) != (target is dtypes.string):
        raise UnimplementedError(f"cast: Cast {source.name} to {target.name} is not supported")
    return target


def _cast_infer(specs, dtype):
    return [(specs[0].shape, _check_cast(specs[0].dtype, dtype))]


def _cast_ref(x, dtype):
    if x.dtype.kind == "O" or dtype == "string":
        _check_cast(dtypes.from_numpy(x.dtype), dtype)
    target = dtypes.as_dtype(dtype)
    if x.dtype.kind == "c" and not target.is_complex:
        x = x.real  # TF's cast keeps the real part (NumPy would warn)
    with np.errstate(invalid="ignore", over="ignore"):  # NaN and out-of-range floats: as TF, quietly
        return x.astype(target.np)


def _cast_grad(inputs, outputs, dy, dtype):
    x = inputs[0]
    if dtypes.has_gradient(x.dtype) and dtypes.has_gradient(dtypes.as_dtype(dtype)):
        return (cast(dy, x.dtype),)  # complex to real keeps the real part, as TF's CastGrad
    return (None,)


CAST = register("cast", ELEMENTWISE, _cast_infer, _cast_ref, _cast_grad)


def cast(x, dtype, name=None):
    """Converts x to dtype (floats to ints truncate toward zero, as in TF).

        >>> tf.cast(tf.constant([1.7, -1.7]), tf.int32).numpy()
        array([ 1, -1], dtype=int32)
    """
    dtype = dtypes.as_dtype(dtype)
    if type(x) in VALUE_COMPOSITES:
        return x.with_values(cast(x.values, dtype, name))
    if getattr(x, "dtype", None) is dtype:
        return x if not hasattr(x, "assign") else identity(x)
    return dispatch(CAST, (x,), {"dtype": dtype.name}, name)


# -- zeros_like / ones_like / identity / stop_gradient ----------------------------------------

def _same_infer(specs, **attrs):
    return [(specs[0].shape, specs[0].dtype)]


IDENTITY = register("identity", ELEMENTWISE, _same_infer, lambda x: x,
                    lambda inputs, outputs, dy: (dy,))
STOP_GRADIENT = register("stop_gradient", ELEMENTWISE, _same_infer, lambda x: x, None)
def _zeros_like_ref(x):
    return np.full(x.shape, b"", object) if x.dtype.kind == "O" else np.zeros_like(x)  # TF: ""


def _ones_like_infer(specs):
    rules.check_kind("ones_like", specs[0], ANY + COMPLEX)  # there is no "one" string
    return _same_infer(specs)


def _ones_like_ref(x):
    if x.dtype.kind == "O":
        _ones_like_infer([_spec(x)])
    return np.ones_like(x)


ZEROS_LIKE = register("zeros_like", ELEMENTWISE, _same_infer, _zeros_like_ref, None)
ONES_LIKE = register("ones_like", ELEMENTWISE, _ones_like_infer, _ones_like_ref, None)


def identity(x, name=None):
    """Returns a tensor with the same value as x.

        >>> tf.identity(tf.constant(3.0)).numpy()
        3.0
    """
    if type(x) in VALUE_COMPOSITES:
        return x.with_values(dispatch(IDENTITY, (x.values,), None, name))
    return dispatch(IDENTITY, (x,), None, name)


def stop_gradient(x, name=None):
    """The value of x, through which no gradient flows.

        >>> tf.stop_gradient(tf.constant(3.0)).numpy()
        3.0
    """
    if type(x) in VALUE_COMPOSITES:
        return x.with_values(dispatch(STOP_GRADIENT, (x.values,), None, name))
    return dispatch(STOP_GRADIENT, (x,), None, name)


def zeros_like(input, dtype=None, name=None):  # noqa: A002 - TF's name
    """Zeros with the shape (and dtype, unless given) of input.

        >>> tf.zeros_like(tf.constant([1, 2])).numpy()
        array([0, 0], dtype=int32)
        >>> tf.zeros_like(tf.constant([1.5]), dtype=tf.int64).numpy()
        array([0])
    """
    out = dispatch(ZEROS_LIKE, (input,), None, None if dtype is not None else name)
    return out if dtype is None else cast(out, dtype, name)


def ones_like(input, dtype=None, name=None):  # noqa: A002 - TF's name
    """Ones with the shape (and dtype, unless given) of input.

        >>> tf.ones_like(tf.constant([1.0])).numpy()
        array([1.], dtype=float32)
        >>> tf.ones_like(tf.constant([1.0]), dtype=tf.bool).numpy()
        array([ True])
    """
    out = dispatch(ONES_LIKE, (input,), None, None if dtype is not None else name)
    return out if dtype is None else cast(out, dtype, name)


def clip_by_value(t, clip_value_min, clip_value_max, name=None):
    """Clips t to [clip_value_min, clip_value_max].

        >>> tf.clip_by_value(tf.constant([-2.0, 0.5, 3.0]), -1.0, 1.0).numpy()
        array([-1. ,  0.5,  1. ], dtype=float32)
    """
    return minimum(maximum(t, clip_value_min), clip_value_max, name)


def scalar_mul(scalar, x, name=None):
    return multiply(scalar, x, name)


def add_n(inputs, name=None):
    """The sum of a list of tensors of the same shape and dtype.

        >>> tf.add_n([tf.constant(1.0), tf.constant(2.0)]).numpy()
        3.0
    """
    if not inputs:
        raise InvalidArgumentError("add_n: needs at least one input")
    total = inputs[0]
    for x in inputs[1:]:
        total = add(total, x)
    return total if len(inputs) > 1 else identity(total, name)


for _name, _template in SCALAR.items():
    REGISTRY[_name].scalar = _template
    REGISTRY[_name].scalar_kinds = SCALAR_KINDS.get(_name, "fiub")


# -- complex numbers ---------------------------------------------------------------------------
# tf.complex builds complex64 from float32 parts and complex128 from float64 ones; real, imag,
# conj and angle are ops on complex tensors only (their public forms answer real tensors as TF's
# Python wrappers do). Gradients follow TF's convention (see UNARY).

_COMPLEX_OF = {"float32": dtypes.complex64, "float64": dtypes.complex128}


def _complex_infer(specs):
    re, im = specs
    for i, s in enumerate(specs):
        if s.dtype.name not in _COMPLEX_OF:
            raise InvalidArgumentError(
                f"complex: input #{i} must be a float32 or float64 tensor, got {s.dtype.name} "
                f"with shape {rules.fmt(s.shape)}")
    return [(rules.broadcast_shapes("complex", re.shape, im.shape), _COMPLEX_OF[re.dtype.name])]


def _complex_ref(re, im):
    if re.dtype.name not in _COMPLEX_OF:
        _complex_infer([_spec(re), _spec(im)])
    out = np.empty(np.broadcast_shapes(re.shape, im.shape), _COMPLEX_OF[re.dtype.name].np)
    out.real, out.imag = re, im  # (re + 1j * im would turn an infinite part into NaNs)
    return out


def _real(t):
    return dispatch(REAL, (t,))


def _imag(t):
    return dispatch(IMAG, (t,))


def _complex_grad(inputs, outputs, dy):
    return _real(dy), _imag(dy)


def _complex_only_rule(name, out_dtype):
    def infer(specs):
        rules.check_kind(name, specs[0], COMPLEX)
        x = specs[0]
        return [(x.shape, x.dtype.real_dtype if out_dtype == "real" else x.dtype)]
    return infer


def _angle_grad(inputs, outputs, dy):
    x = inputs[0]
    # TF's AngleGrad: -dy / (im + i re)
    return (-cast(dy, x.dtype) * reciprocal(dispatch(COMPLEX_OP, (_imag(x), _real(x)))),)


COMPLEX_OP = register("complex", BROADCAST, _complex_infer, _complex_ref, _complex_grad,
                      same_dtype=(0, 1))
REAL = register("real", ELEMENTWISE, _complex_only_rule("real", "real"), np.real,
                lambda inputs, outputs, dy: (cast(dy, inputs[0].dtype),), input_kinds=COMPLEX)
IMAG = register("imag", ELEMENTWISE, _complex_only_rule("imag", "real"), np.imag,
                lambda inputs, outputs, dy: (dispatch(COMPLEX_OP, (zeros_like(dy), dy)),),
                input_kinds=COMPLEX)
CONJ = register("conj", ELEMENTWISE, _complex_only_rule("conj", "same"), np.conj,
                lambda inputs, outputs, dy: (_cj(dy),), input_kinds=COMPLEX)
ANGLE = register("angle", ELEMENTWISE, _complex_only_rule("angle", "real"), np.angle,
                 _angle_grad, input_kinds=COMPLEX)


def _dtype_of(x):
    d = getattr(x, "dtype", None)
    return d if isinstance(d, dtypes.DType) else None


def complex(real, imag, name=None):  # noqa: A001 - TF's name
    """The complex tensor real + i imag (broadcasting): complex64 from float32 parts,
    complex128 from float64 ones.

        >>> tf.complex([1.0, 2.0], 3.0).numpy()
        array([1.+3.j, 2.+3.j], dtype=complex64)

    Parts of other or of different dtypes raise TypeError, as in TF.
    """
    from graphflow.errors import InvalidTypeError
    parts = [x if _dtype_of(x) is not None else None for x in (real, imag)]
    known = [_dtype_of(x) for x in parts if x is not None]
    if known:
        anchor = known[0]
        found = [(_dtype_of(x) or anchor) for x in parts]
    else:
        from graphflow.ops.registry import _default_dtype
        found = [_default_dtype(x) for x in (real, imag)]
    if found[0] is not found[1] or found[0].name not in _COMPLEX_OF:
        raise InvalidTypeError(
            f"complex: the real and imag components have incorrect types: {found[0].name} "
            f"{found[1].name}. They must be consistent, and one of [tf.float32, tf.float64]")
    return dispatch(COMPLEX_OP, (real, imag), None, name)


_real_sign = sign


def sign(x, name=None):
    """-1, 0 or 1 by the sign of each element; for complex numbers x / |x| (0 at 0), as TF.

        >>> tf.math.sign(tf.constant([-2.0, 0.0, 3.0])).numpy()
        array([-1.,  0.,  1.], dtype=float32)
        >>> tf.math.sign(tf.constant([3 + 4j])).numpy()
        array([0.6+0.8j])
    """
    if _dtype_of(x) is not None and x.dtype.is_complex:
        # TF's sign of complex numbers is div_no_nan(x, |x|), differentiated as such
        r = cast(abs(x), x.dtype)
        zero = equal(r, 0.0)
        return where(zero, zeros_like(x), x / where(zero, ones_like(r), r), name=name)
    return _real_sign(x, name)
