"""Shared test harness: an OpInfo table with sample inputs for every registered op.

`SAMPLES[name]` is an `OpInfo`; calling it as `SAMPLES[name](rng, dtype)` returns a list of sample
cases `(arrays, attrs)`, where `attrs` are exactly what the op's reference kernel takes:
`op.ref(*arrays, **attrs)`. Adding an op to the registry makes tests/test_ops_registry.py demand an
entry here (or in SKIP_FORWARD, with a reason and a targeted test).

The cases returned by calling an OpInfo are safe for finite differences: inputs are inside the op's
domain and away from kinks (relu at 0, maximum ties, floor at integers, ...). Cases that are only
meaningful for the forward pass (ties, NaN, empty reductions) live in `OpInfo.edge`.

    >>> import numpy as np
    >>> cases = SAMPLES["add"](np.random.default_rng(0), graphflow.float32)
    >>> arrays, attrs = cases[0]
    >>> run(REGISTRY["add"], arrays, attrs).shape == np.add(*arrays).shape
    True
"""
import math

import numpy as np

import graphflow  # noqa: F401 - registers every op
from graphflow import dtypes
from graphflow.ops.registry import REGISTRY, Spec, dispatch
from graphflow.tensor import EagerTensor

F16, F32, F64 = dtypes.float16, dtypes.float32, dtypes.float64
I32, I64, U8, BOOL = dtypes.int32, dtypes.int64, dtypes.uint8, dtypes.bool
FLOATS = (F32, F64)
INTS = (I32, I64)
NUMERIC = FLOATS + INTS
ANY = NUMERIC + (BOOL,)


# ---------------------------------------------------------------------------------------------
# Calling ops


def run(op, arrays, attrs=None):
    """Calls `op` through the one dispatch path, on eager tensors made from `arrays`."""
    if isinstance(op, str):
        op = REGISTRY[op]
    return dispatch(op, [EagerTensor(np.asarray(a)) for a in arrays], attrs or {})


def outputs_of(result):
    """A dispatch result (one tensor or a tuple) as a tuple of tensors."""
    return tuple(result) if isinstance(result, (tuple, list)) else (result,)


def ref_outputs(op, arrays, attrs):
    """The reference kernel's result as a tuple of ndarrays."""
    out = op.ref(*arrays, **attrs)
    return tuple(np.asarray(o) for o in out) if isinstance(out, (tuple, list)) else (np.asarray(out),)


def specs_of(arrays, unknown=()):
    """Specs for `arrays`; `unknown` is a set of (input, axis) pairs to replace by None, or of
    input indices (ints) whose rank is unknown."""
    specs = []
    for i, a in enumerate(arrays):
        if i in unknown:
            specs.append(Spec(None, dtypes.from_numpy(a.dtype)))
            continue
        shape = tuple(None if (i, k) in unknown else d for k, d in enumerate(a.shape))
        specs.append(Spec(shape, dtypes.from_numpy(a.dtype)))
    return specs


def tolerances(dtype):
    dtype = dtypes.as_dtype(dtype)
    if dtype is F64:
        return dict(rtol=1e-10, atol=1e-12)
    if dtype is F32:
        return dict(rtol=1e-5, atol=1e-6)
    if dtype is F16:
        return dict(rtol=1e-2, atol=1e-3)
    return dict(rtol=0, atol=0)


def assert_close(actual, expected, dtype=None):
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    if actual.dtype.kind in "fc":
        np.testing.assert_allclose(actual, expected, equal_nan=True,
                                   **tolerances(dtype or actual.dtype))
    else:
        np.testing.assert_array_equal(actual, expected)


# ---------------------------------------------------------------------------------------------
# Value generators: generator(rng, shape, dtype) -> ndarray of that shape and dtype


def _arrays(gen):
    """Generators return 0-d arrays, not NumPy scalars, for shape ()."""
    def wrapped(*args, **kwargs):
        return np.asarray(gen(*args, **kwargs))
    wrapped.__name__ = gen.__name__
    wrapped.__doc__ = gen.__doc__
    return wrapped


def _arrays_list(gen):
    """The same for generators of several inputs."""
    def wrapped(*args, **kwargs):
        return [np.asarray(a) for a in gen(*args, **kwargs)]
    wrapped.__name__ = gen.__name__
    return wrapped


@_arrays
def values(rng, shape, dtype, lo=-2.0, hi=2.0):
    """Generic values: uniform floats in [lo, hi], integers in [lo, hi], random bools."""
    dtype = dtypes.as_dtype(dtype)
    if dtype.is_bool:
        return rng.random(shape) < 0.5
    if dtype.is_floating:
        return rng.uniform(lo, hi, size=shape).astype(dtype.np)
    lo = max(int(math.floor(lo)), 0) if dtype.is_unsigned else int(math.floor(lo))
    return rng.integers(lo, int(math.ceil(hi)) + 1, size=shape).astype(dtype.np)


@_arrays
def positive(rng, shape, dtype, lo=0.25, hi=3.0):
    """Strictly positive values (the domain of log, sqrt, rsqrt, reciprocal)."""
    dtype = dtypes.as_dtype(dtype)
    if dtype.is_floating:
        return rng.uniform(lo, hi, size=shape).astype(dtype.np)
    return rng.integers(1, int(hi) + 1, size=shape).astype(dtype.np)


@_arrays
def nonzero(rng, shape, dtype, lo=0.25, hi=2.0):
    """Values with |x| in [lo, hi] and a random sign: away from the kink of abs/relu/sign at 0."""
    sign = np.where(rng.random(shape) < 0.5, -1, 1)
    dtype = dtypes.as_dtype(dtype)
    if dtype.is_floating:
        return (sign * rng.uniform(lo, hi, size=shape)).astype(dtype.np)
    return (sign * rng.integers(1, int(math.ceil(hi)) + 1, size=shape)).astype(dtype.np)


@_arrays
def off_integer(rng, shape, dtype):
    """Floats at least 0.1 away from integers and from halves (floor, ceil, round are flat there)."""
    frac = rng.uniform(0.1, 0.4, size=shape) + np.where(rng.random(shape) < 0.5, 0.0, 0.5)
    return (rng.integers(-3, 3, size=shape) + frac).astype(dtypes.as_dtype(dtype).np)


@_arrays
def distinct(rng, shape, dtype):
    """Distinct values (no ties, so max/min/argmax have one winner), at least 0.25 apart."""
    n = int(np.prod(shape, dtype=np.int64))
    perm = rng.permutation(n).reshape(shape) - n // 2
    dtype = dtypes.as_dtype(dtype)
    if dtype.is_floating:
        return (perm * 0.25 + 0.05).astype(dtype.np)
    return perm.astype(dtype.np)


@_arrays
def small_ints(rng, shape, dtype):
    """Values from {-2, ..., 2} so comparisons see equal elements too."""
    dtype = dtypes.as_dtype(dtype)
    if dtype.is_bool:
        return rng.random(shape) < 0.5
    return rng.integers(-2, 3, size=shape).astype(dtype.np)


@_arrays
def with_specials(rng, shape, dtype):
    """Floats with NaN, inf and -inf mixed in (when there is room)."""
    x = values(rng, shape, dtype)
    flat = x.reshape(-1)
    for i, v in enumerate((np.nan, np.inf, -np.inf)):
        if i < flat.size:
            flat[rng.integers(flat.size)] = v
    return x


# ---------------------------------------------------------------------------------------------
# The table


class OpInfo:
    """Sample inputs for one op.

    make(rng, dtype) -> [(arrays, attrs)]: cases safe for finite differences.
    dtypes: the dtypes the forward test runs (the grad test always uses float64, when listed).
    expected(*arrays, **attrs) -> ndarray (or tuple): an independent NumPy expression, or None.
    edge(rng, dtype) -> [(arrays, attrs)]: forward-only cases (ties, NaN, empty reductions).
    gen(rng, shapes, dtype) -> arrays: input values for arbitrary shapes (broadcasting ops; used by
    the hypothesis tests).
    """

    def __init__(self, name, make, dtypes, expected=None, edge=None, gen=None):
        self.name = name
        self.make = make
        self.dtypes = tuple(dtypes)
        self.expected = expected
        self.edge = edge
        self.gen = gen

    def __call__(self, rng, dtype):
        return self.make(rng, dtype)

    def all_cases(self, rng, dtype):
        cases = list(self.make(rng, dtype))
        if self.edge is not None:
            cases += list(self.edge(rng, dtype))
        return cases

    def __repr__(self):
        return f"OpInfo({self.name!r})"


SAMPLES = {}

# Ops the table-driven forward test cannot call with plain arrays; each has a targeted test in
# tests/test_ops_registry.py (see SKIPPED_OP_TESTS there).
SKIP_FORWARD = {
    "const": "no inputs: the value lives in the attrs (targeted test)",
    "placeholder": "has no value eagerly: its kernel must raise a named error (targeted test)",
    "read_variable": "STATEFUL: reads a Variable held in the attrs (targeted test)",
    "assign": "STATEFUL: writes a Variable held in the attrs (targeted test)",
    "assign_add": "STATEFUL: writes a Variable held in the attrs (targeted test)",
    "assign_sub": "STATEFUL: writes a Variable held in the attrs (targeted test)",
    "group": "STATEFUL with no outputs: only orders its inputs in a graph (targeted test)",
    "random_uniform": "RANDOM: compared by seed reproducibility and range (targeted test)",
    "random_normal": "RANDOM: compared by seed reproducibility and moments (targeted test)",
    "truncated_normal": "RANDOM: compared by seed reproducibility and bounds (targeted test)",
    "random_uniform_like": "RANDOM: compared by seed reproducibility and range (targeted test)",
    "random_shuffle": "RANDOM: checked to be a reproducible permutation (targeted test)",
}


def _add(name, make, dtypes_, expected=None, edge=None, gen=None):
    if name in SAMPLES:
        raise ValueError(f"duplicate SAMPLES entry {name!r}")
    SAMPLES[name] = OpInfo(name, make, dtypes_, expected, edge, gen)


# -- unary elementwise -------------------------------------------------------------------------

UNARY_SHAPES = [(), (1,), (3,), (2, 3), (0,), (2, 0), (1, 3, 1), (2, 1, 2, 2)]


def unary(name, dtypes_, gen=values, expected=None, edge=None):
    def make(rng, dtype):
        return [([gen(rng, s, dtype)], {}) for s in UNARY_SHAPES]
    _add(name, make, dtypes_, expected, edge, gen=lambda rng, shapes, dtype: [gen(rng, shapes[0], dtype)])


def _edge_values(*vals):
    def edge(rng, dtype):
        return [([np.array(vals, dtype=dtypes.as_dtype(dtype).np)], {})]
    return edge


def _sigmoid_expected(x):
    with np.errstate(over="ignore"):
        return (1.0 / (1.0 + np.exp(-x))).astype(x.dtype)


def _erf_series(x):
    # erf from its Taylor series (converges well for |x| <= 3); beyond 4, erf is 1 to 1e-8.
    x64 = np.clip(x.astype(np.float64), -3.0, 3.0)
    term, total = x64.copy(), x64.copy()
    for n in range(1, 60):
        term = term * -x64 * x64 / n
        total = total + term / (2 * n + 1)
    total = 2 / math.sqrt(math.pi) * total
    return np.where(np.abs(x) > 4, np.sign(x), total).astype(x.dtype)


unary("negative", NUMERIC, expected=lambda x: (0 - x).astype(x.dtype))
unary("abs", NUMERIC, nonzero, expected=lambda x: np.where(x < 0, -x, x))
unary("sign", NUMERIC, nonzero, expected=lambda x: ((x > 0).astype(x.dtype) - (x < 0).astype(x.dtype)),
      edge=_edge_values(0, -1, 2))
unary("exp", FLOATS, expected=lambda x: (math.e ** x.astype(np.float64)).astype(x.dtype))
unary("expm1", FLOATS, expected=lambda x: np.exp(x) - x.dtype.type(1))
unary("log", FLOATS, positive, expected=lambda x: (np.log2(x) / np.log2(np.e)).astype(x.dtype))
unary("log1p", FLOATS, lambda rng, s, d: values(rng, s, d, -0.5, 2.0),
      expected=lambda x: np.log(x.astype(np.float64) + 1).astype(x.dtype))
unary("sqrt", FLOATS, positive, expected=lambda x: (x.astype(np.float64) ** 0.5).astype(x.dtype))
unary("rsqrt", FLOATS, positive, expected=lambda x: (x.astype(np.float64) ** -0.5).astype(x.dtype))
unary("reciprocal", FLOATS, positive, expected=lambda x: (1 / x.astype(np.float64)).astype(x.dtype))
unary("square", NUMERIC, expected=lambda x: x * x)
unary("sin", FLOATS, expected=lambda x: np.cos(x.astype(np.float64) - np.pi / 2).astype(x.dtype))
unary("cos", FLOATS, expected=lambda x: np.sin(x.astype(np.float64) + np.pi / 2).astype(x.dtype))
unary("tanh", FLOATS, expected=lambda x: (np.expm1(2 * x.astype(np.float64)) /
                                          (np.exp(2 * x.astype(np.float64)) + 1)).astype(x.dtype))
unary("sigmoid", FLOATS, expected=_sigmoid_expected, edge=_edge_values(-100.0, -30.0, 0.0, 30.0, 100.0))
unary("relu", NUMERIC, nonzero, expected=lambda x: np.where(x > 0, x, 0).astype(x.dtype))
unary("erf", FLOATS, expected=_erf_series, edge=_edge_values(-5.0, 0.0, 5.0))
unary("floor", FLOATS, off_integer, expected=lambda x: (x - np.mod(x, 1)).astype(x.dtype))
unary("ceil", FLOATS, off_integer, expected=lambda x: (-np.floor(-x)).astype(x.dtype))
unary("round", FLOATS, off_integer,
      expected=lambda x: np.array([float(round(float(v))) for v in x.reshape(-1)],
                                  dtype=x.dtype).reshape(x.shape),
      edge=_edge_values(0.5, 1.5, 2.5, -0.5, -1.5, -2.5))
unary("logical_not", (BOOL,), expected=lambda x: x == False)  # noqa: E712
unary("is_nan", FLOATS, with_specials, expected=lambda x: x != x)
unary("is_finite", FLOATS, with_specials, expected=lambda x: (x == x) & (np.abs(x) != np.inf))
unary("identity", ANY, expected=lambda x: x)
unary("stop_gradient", ANY, expected=lambda x: x)
unary("zeros_like", ANY, expected=lambda x: np.full(x.shape, 0, x.dtype))
unary("ones_like", ANY, expected=lambda x: np.full(x.shape, 1, x.dtype))


# -- binary (broadcasting) ---------------------------------------------------------------------

BINARY_SHAPES = [((), ()), ((3,), ()), ((), (3,)), ((2, 3), (2, 3)), ((2, 3), (3,)),
                 ((2, 1), (1, 3)), ((1,), (2, 3)), ((3, 1, 2), (2, 1)), ((2, 0), (1,)),
                 ((0,), ()), ((1, 1), (1,))]


def binary(name, dtypes_, gen2=None, expected=None, edge=None):
    """gen2(rng, shape_x, shape_y, dtype) -> [x, y]; default: independent generic values."""
    gen2 = gen2 or (lambda rng, sx, sy, d: [values(rng, sx, d), values(rng, sy, d)])

    def make(rng, dtype):
        return [(gen2(rng, sx, sy, dtype), {}) for sx, sy in BINARY_SHAPES]
    _add(name, make, dtypes_, expected, edge, gen=lambda rng, shapes, dtype: gen2(rng, *shapes, dtype))


def _nonzero_divisor(rng, sx, sy, dtype):
    return [values(rng, sx, dtype), nonzero(rng, sy, dtype, 0.5, 2.0)]


@_arrays_list
def _floormod_values(rng, sx, sy, dtype):
    # Every y has the same magnitude c, so x / y = +-(k + f) keeps its fractional part f away from
    # integers however x and y broadcast: floormod is smooth there.
    dtype = dtypes.as_dtype(dtype)
    if not dtype.is_floating:
        return [values(rng, sx, dtype, -7, 7), nonzero(rng, sy, dtype, 1, 3)]
    c = rng.uniform(0.5, 2.0)
    y = c * np.where(rng.random(sy) < 0.5, -1.0, 1.0)
    frac = rng.uniform(0.1, 0.9, size=sx)
    x = c * (rng.integers(-3, 3, size=sx) + frac)
    return [x.astype(dtype.np), y.astype(dtype.np)]


def _pow_values(rng, sx, sy, dtype):
    dtype = dtypes.as_dtype(dtype)
    if dtype.is_floating:
        return [positive(rng, sx, dtype, 0.5, 2.0), values(rng, sy, dtype, -2.0, 2.0)]
    return [values(rng, sx, dtype, -3, 3), values(rng, sy, dtype, 0, 3)]


@_arrays_list
def _no_ties(rng, sx, sy, dtype):
    # x on the grid 0.5k + 0.1 and y on 0.5m + 0.3 (or even vs odd integers): never equal, >= 0.2
    # apart, so maximum/minimum are differentiable everywhere they are sampled.
    dtype = dtypes.as_dtype(dtype)
    if dtype.is_floating:
        return [(0.5 * rng.integers(-4, 4, size=sx) + 0.1).astype(dtype.np),
                (0.5 * rng.integers(-4, 4, size=sy) + 0.3).astype(dtype.np)]
    return [(2 * rng.integers(-3, 3, size=sx)).astype(dtype.np),
            (2 * rng.integers(-3, 3, size=sy) + 1).astype(dtype.np)]


def _ties(rng, dtype):
    x = np.array([1, 2, 3, -1], dtype=dtypes.as_dtype(dtype).np)
    return [([x, x.copy()], {}), ([x, np.array(2, dtype=x.dtype)], {})]


def _compare_values(rng, sx, sy, dtype):
    return [small_ints(rng, sx, dtype), small_ints(rng, sy, dtype)]


def _nan_compare(rng, dtype):
    dtype = dtypes.as_dtype(dtype)
    if not dtype.is_floating:
        return []
    x = np.array([np.nan, 1.0, np.inf, -np.inf], dtype=dtype.np)
    return [([x, x.copy()], {}), ([x, np.array(np.nan, dtype=dtype.np)], {})]


def _truediv_expected(x, y):
    if x.dtype.kind == "f":
        return (x.astype(np.float64) * (1 / y.astype(np.float64))).astype(x.dtype)
    return x.astype(np.float64) / y.astype(np.float64)  # int32/int64 divide in float64, as TF


def _floordiv_expected(x, y):
    q = np.floor(x.astype(np.float64) / y.astype(np.float64))
    return q.astype(x.dtype)


def _floormod_expected(x, y):
    if x.dtype.kind == "f":
        x64, y64 = x.astype(np.float64), y.astype(np.float64)
        return (x64 - y64 * np.floor(x64 / y64)).astype(x.dtype)
    return (x - y * np.floor(x / y).astype(x.dtype)).astype(x.dtype)


def _pow_expected(x, y):
    if x.dtype.kind == "f":
        return np.exp(y.astype(np.float64) * np.log(x.astype(np.float64))).astype(x.dtype)
    xb, yb = np.broadcast_arrays(x, y)
    return np.array([int(a) ** int(b) for a, b in zip(xb.reshape(-1), yb.reshape(-1))],
                    dtype=x.dtype).reshape(xb.shape)


binary("add", NUMERIC, expected=lambda x, y: x - (0 - y))
binary("subtract", NUMERIC, expected=lambda x, y: x + (0 - y))
binary("multiply", NUMERIC, expected=lambda x, y: np.einsum("...,...->...", *np.broadcast_arrays(x, y)))
binary("truediv", NUMERIC, _nonzero_divisor, expected=_truediv_expected)
binary("floordiv", NUMERIC, _nonzero_divisor, expected=_floordiv_expected)
binary("floormod", NUMERIC, _floormod_values, expected=_floormod_expected)
binary("pow", NUMERIC, _pow_values, expected=_pow_expected)
binary("maximum", NUMERIC, _no_ties, expected=lambda x, y: np.where(x > y, x, y), edge=_ties)
binary("minimum", NUMERIC, _no_ties, expected=lambda x, y: np.where(x < y, x, y), edge=_ties)
binary("squared_difference", NUMERIC, expected=lambda x, y: (x - y) * (x - y))
binary("equal", ANY, _compare_values, expected=lambda x, y: ~(x != y), edge=_nan_compare)
binary("not_equal", ANY, _compare_values, expected=lambda x, y: ~(x == y), edge=_nan_compare)
binary("less", NUMERIC, _compare_values, expected=lambda x, y: y > x, edge=_nan_compare)
binary("less_equal", NUMERIC, _compare_values, expected=lambda x, y: y >= x, edge=_nan_compare)
binary("greater", NUMERIC, _compare_values, expected=lambda x, y: y < x, edge=_nan_compare)
binary("greater_equal", NUMERIC, _compare_values, expected=lambda x, y: y <= x, edge=_nan_compare)
binary("logical_and", (BOOL,), expected=lambda x, y: (x.astype(int) + y.astype(int)) == 2)
binary("logical_or", (BOOL,), expected=lambda x, y: (x.astype(int) + y.astype(int)) >= 1)
binary("logical_xor", (BOOL,), expected=lambda x, y: (x.astype(int) + y.astype(int)) == 1)


# -- where, cast -------------------------------------------------------------------------------

WHERE_SHAPES = [((2, 3), (2, 3), (2, 3)), ((2, 1), (3,), ()), ((), (2,), (2,)), ((0,), (1,), ()),
                ((3,), (2, 3), (1,)), ((1, 1), (), ())]


@_arrays_list
def _where_gen(rng, shapes, dtype):
    c, sx, sy = shapes
    return [rng.random(c) < 0.5, values(rng, sx, dtype), values(rng, sy, dtype)]


_add("where", lambda rng, dtype: [(_where_gen(rng, s, dtype), {}) for s in WHERE_SHAPES], ANY,
     expected=lambda c, x, y: np.array([b if a else d for a, b, d in zip(
         *(v.reshape(-1) for v in np.broadcast_arrays(c, x, y)))], dtype=x.dtype).reshape(
             np.broadcast_shapes(c.shape, x.shape, y.shape)),
     gen=_where_gen)


def _cast_make(rng, dtype):
    dtype = dtypes.as_dtype(dtype)
    cases = []
    for target in ("float32", "float64", "int32", "int64", "bool"):
        for shape in [(), (3,), (2, 3), (0,)]:
            x = off_integer(rng, shape, dtype) if dtype.is_floating else values(rng, shape, dtype)
            cases.append(([x], {"dtype": target}))
    return cases


def _cast_expected(x, dtype):
    target = np.dtype(dtype)
    if target == np.bool_:
        return x != 0
    if x.dtype.kind == "f" and target.kind in "iu":
        return np.trunc(x).astype(target)  # toward zero, as TF
    return x.astype(target)


_add("cast", _cast_make, ANY, expected=_cast_expected)


# -- broadcast_like, unbroadcast ----------------------------------------------------------------

BROADCAST_LIKE_SHAPES = [((3,), (2, 3)), ((1,), (2, 2)), ((2, 1), (1, 3)), ((), (2,)),
                         ((2, 3), (2, 3)), ((1, 0), (3, 1))]
UNBROADCAST_SHAPES = [((2, 3), (3,)), ((2, 3), (1, 3)), ((2, 3), ()), ((4, 2, 3), (2, 1)),
                      ((2, 3), (2, 3)), ((0, 3), (3,)), ((2, 0), (1, 0))]


def _pair_make(shapes):
    def make(rng, dtype):
        return [([values(rng, a, dtype), values(rng, b, dtype)], {}) for a, b in shapes]
    return make


def _unbroadcast_expected(g, like):
    out = np.zeros(like.shape, dtype=np.float64 if g.dtype.kind == "f" else g.dtype)
    lead = g.ndim - like.ndim
    for idx in np.ndindex(g.shape):
        target = tuple(0 if d == 1 else i for i, d in zip(idx[lead:], like.shape))
        out[target] += g[idx]
    return out.astype(g.dtype)


_add("broadcast_like", _pair_make(BROADCAST_LIKE_SHAPES), NUMERIC,
     expected=lambda x, like: x + np.zeros(like.shape, x.dtype))
_add("unbroadcast", _pair_make(UNBROADCAST_SHAPES), NUMERIC, expected=_unbroadcast_expected)


# -- reductions --------------------------------------------------------------------------------

REDUCE_CASES = [((), None), ((), ()), ((4,), None), ((4,), (0,)), ((2, 3), (0,)), ((2, 3), (1,)),
                ((2, 3), (0, 1)), ((2, 3), ()), ((1, 4, 1), (0, 2)), ((2, 3, 2), (0, 2)),
                ((2, 3, 2), (1,)), ((2, 0, 3), (2,))]


def reduction(name, dtypes_, gen, expected, edge=None, cases=REDUCE_CASES):
    def make(rng, dtype):
        return [([gen(rng, s, dtype)], {"axis": axis, "keepdims": keep})
                for s, axis in cases for keep in (False, True)]
    _add(name, make, dtypes_, expected, edge)


def _with_count(x, axis):
    axes = tuple(range(x.ndim)) if axis is None else axis
    return int(np.prod([x.shape[a] for a in axes], dtype=np.int64))


def _sum_expected(x, axis, keepdims):
    acc = np.float64 if x.dtype.kind == "f" else np.int64
    return np.add.reduce(x.astype(acc), axis=axis, keepdims=keepdims).astype(x.dtype)


def _mean_expected(x, axis, keepdims):
    n = _with_count(x, axis)
    total = np.add.reduce(x.astype(np.float64), axis=axis, keepdims=keepdims)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / n
    if x.dtype.kind in "iu":
        return np.trunc(mean).astype(x.dtype)  # TF truncates integer means toward zero
    return mean.astype(x.dtype)


def _extreme_expected(fn, identity):
    def expected(x, axis, keepdims):
        if x.dtype.kind == "f":
            init = -np.inf if identity == "max" else np.inf
        else:
            info = np.iinfo(x.dtype)
            init = info.min if identity == "max" else info.max
        return fn.reduce(x, axis=axis, keepdims=keepdims, initial=init).astype(x.dtype)
    return expected


def _prod_expected(x, axis, keepdims):
    acc = np.float64 if x.dtype.kind == "f" else np.int64
    return np.multiply.reduce(x.astype(acc), axis=axis, keepdims=keepdims).astype(x.dtype)


def _prod_values(rng, shape, dtype):
    dtype = dtypes.as_dtype(dtype)
    if dtype.is_floating:
        return nonzero(rng, shape, dtype, 0.5, 1.5)
    return values(rng, shape, dtype, -2, 2)


def _prod_zeros(rng, dtype):
    # The product rule with one zero in a slice and with two (its gradient is exact either way:
    # the product is linear in each element, so finite differences see it too).
    x = _prod_values(rng, (3, 4), dtype)
    x[0, 1] = 0
    x[2, 0] = x[2, 3] = 0
    return [([x], {"axis": axis, "keepdims": keep}) for axis in [(1,), (0,), None, (0, 1)]
            for keep in (False, True)]


def _empty_reductions(rng, dtype):
    return [([values(rng, shape, dtype)], {"axis": axis, "keepdims": keep})
            for shape, axis in [((0,), None), ((2, 0), (1,)), ((0, 3), (0,))] for keep in (False, True)]


def _tied_extremes(rng, dtype):
    x = np.array([[1, 3, 3], [2, 2, 0]], dtype=dtypes.as_dtype(dtype).np)
    return [([x], {"axis": axis, "keepdims": False}) for axis in [(1,), (0,), None]]


def _prod_make(rng, dtype):
    return [([_prod_values(rng, s, dtype)], {"axis": axis, "keepdims": keep})
            for s, axis in REDUCE_CASES for keep in (False, True)] + _prod_zeros(rng, dtype)


reduction("reduce_sum", NUMERIC, values, _sum_expected, edge=_empty_reductions)
reduction("reduce_mean", NUMERIC, lambda rng, s, d: values(rng, s, d, -5, 5), _mean_expected,
          edge=lambda rng, dtype: _empty_reductions(rng, dtype) if dtypes.as_dtype(dtype).is_floating
          else [])
reduction("reduce_max", NUMERIC, distinct, _extreme_expected(np.maximum, "max"),
          edge=lambda rng, d: _empty_reductions(rng, d) + _tied_extremes(rng, d))
reduction("reduce_min", NUMERIC, distinct, _extreme_expected(np.minimum, "min"),
          edge=lambda rng, d: _empty_reductions(rng, d) + _tied_extremes(rng, d))
_add("reduce_prod", _prod_make, NUMERIC, _prod_expected)
reduction("reduce_any", (BOOL,), values,
          lambda x, axis, keepdims: np.add.reduce(x.astype(int), axis=axis, keepdims=keepdims) > 0,
          edge=_empty_reductions)
reduction("reduce_all", (BOOL,), values,
          lambda x, axis, keepdims: np.add.reduce((~x).astype(int), axis=axis, keepdims=keepdims) == 0,
          edge=_empty_reductions)


# -- argmax / argmin ---------------------------------------------------------------------------

ARG_CASES = [((4,), 0), ((2, 3), 0), ((2, 3), 1), ((2, 3, 4), 2), ((1, 4), 0), ((3, 1), 1),
             ((2, 0), 0)]


def _arg_make(rng, dtype):
    return [([distinct(rng, s, dtype)], {"axis": a, "output_type": ("int64", "int32")[i % 2]})
            for i, (s, a) in enumerate(ARG_CASES)]


def _arg_edge(rng, dtype):
    x = np.array([[1, 3, 3, 0], [2, 2, -1, 2]], dtype=dtypes.as_dtype(dtype).np)
    return [([x], {"axis": 1, "output_type": "int64"}), ([x], {"axis": 0, "output_type": "int32"})]


def _arg_expected(largest):
    def expected(x, axis, output_type):
        # The first index among ties, as TF.
        key = -x.astype(np.float64) if largest else x.astype(np.float64)
        order = np.argsort(key, axis=axis, kind="stable")
        return np.take(order, 0, axis=axis).astype(output_type)
    return expected


_add("argmax", _arg_make, NUMERIC, _arg_expected(True), edge=_arg_edge)
_add("argmin", _arg_make, NUMERIC, _arg_expected(False), edge=_arg_edge)


# -- matmul ------------------------------------------------------------------------------------

MATMUL_CASES = [((2, 3), (3, 4), False, False), ((3, 2), (3, 4), True, False),
                ((2, 3), (4, 3), False, True), ((3, 2), (4, 3), True, True),
                ((2, 2, 3), (3, 4), False, False), ((2, 1, 2, 3), (4, 3, 2), False, False),
                ((1, 3), (3, 1), False, False), ((0, 3), (3, 2), False, False),
                ((2, 0), (0, 3), False, False), ((2, 3, 2), (2, 4, 3), True, True)]


def _matmul_make(rng, dtype):
    return [([values(rng, a, dtype), values(rng, b, dtype)],
             {"transpose_a": ta, "transpose_b": tb}) for a, b, ta, tb in MATMUL_CASES]


def _matmul_expected(a, b, transpose_a, transpose_b):
    if transpose_a:
        a = np.swapaxes(a, -1, -2)
    if transpose_b:
        b = np.swapaxes(b, -1, -2)
    acc = np.float64 if a.dtype.kind == "f" else np.int64
    return np.einsum("...ij,...jk->...ik", a.astype(acc), b.astype(acc)).astype(a.dtype)


_add("matmul", _matmul_make, NUMERIC, _matmul_expected)


# -- shape ops ---------------------------------------------------------------------------------

def _cases(table, gen=values):
    """make() from a list of (input shapes, attrs)."""
    def make(rng, dtype):
        return [([gen(rng, s, dtype) for s in shapes], dict(attrs)) for shapes, attrs in table]
    return make


CONCAT_CASES = [([(2, 3), (1, 3)], {"axis": 0}), ([(2, 3), (2, 1), (2, 0)], {"axis": 1}),
                ([(3,), (2,)], {"axis": 0}), ([(2, 1, 2), (2, 3, 2)], {"axis": 1}),
                ([(0, 2), (0, 2)], {"axis": 0}), ([(1,), (1,), (1,), (1,)], {"axis": 0})]


def _concat_expected(*xs, axis):
    shape = list(xs[0].shape)
    shape[axis] = sum(x.shape[axis] for x in xs)
    out = np.empty(shape, dtype=xs[0].dtype)
    start = 0
    for x in xs:
        index = (slice(None),) * axis + (slice(start, start + x.shape[axis]),)
        out[index] = x
        start += x.shape[axis]
    return out


_add("concat", _cases(CONCAT_CASES), ANY, _concat_expected)

EXPAND_CASES = [([()], {"axis": 0}), ([(3,)], {"axis": 0}), ([(3,)], {"axis": 1}),
                ([(2, 3)], {"axis": 1}), ([(2, 3)], {"axis": 2}), ([(0, 2)], {"axis": 0})]


def _expand_expected(x, axis):
    return x.reshape(x.shape[:axis] + (1,) + x.shape[axis:])


_add("expand_dims", _cases(EXPAND_CASES), ANY, _expand_expected)

SQUEEZE_CASES = [([(1, 3, 1)], {"axis": None}), ([(1, 3, 1)], {"axis": (0,)}),
                 ([(1, 3, 1)], {"axis": (0, 2)}), ([(1,)], {"axis": None}),
                 ([(2, 3)], {"axis": None}), ([(0, 1)], {"axis": (1,)}), ([()], {"axis": None})]


def _squeeze_expected(x, axis):
    axes = [i for i, d in enumerate(x.shape) if d == 1] if axis is None else axis
    return x.reshape(tuple(d for i, d in enumerate(x.shape) if i not in axes))


_add("squeeze", _cases(SQUEEZE_CASES), ANY, _squeeze_expected)

RESHAPE_CASES = [([(2, 3)], {"shape": (3, 2)}), ([(2, 3)], {"shape": (-1,)}),
                 ([(6,)], {"shape": (2, -1, 3)}), ([()], {"shape": (1, 1)}),
                 ([(1, 1)], {"shape": ()}), ([(0, 3)], {"shape": (3, 0)}),
                 ([(0, 3)], {"shape": (-1, 3)}), ([(1, 4, 1)], {"shape": (4,)})]


def _reshape_expected(x, shape):
    flat = [v for v in x.reshape(-1)]
    return np.array(flat, dtype=x.dtype).reshape(shape)


_add("reshape", _cases(RESHAPE_CASES), ANY, _reshape_expected)
_add("reshape_like",
     _cases([([(2, 3), (3, 2)], {}), ([(6,), (1, 6, 1)], {}), ([(), (1,)], {}), ([(0, 2), (2, 0)], {})]),
     ANY, lambda x, like: _reshape_expected(x, like.shape))

TRANSPOSE_CASES = [([(2, 3)], {"perm": (1, 0)}), ([(2, 3, 4)], {"perm": (2, 0, 1)}),
                   ([(3,)], {"perm": (0,)}), ([()], {"perm": ()}), ([(2, 0, 3)], {"perm": (1, 2, 0)}),
                   ([(1, 2, 1, 2)], {"perm": (3, 1, 0, 2)})]


def _transpose_expected(x, perm):
    letters = "abcdefgh"[:x.ndim]
    return np.einsum(f"{letters}->{''.join(letters[p] for p in perm)}", x).copy()


_add("transpose", _cases(TRANSPOSE_CASES), ANY, _transpose_expected)

TILE_CASES = [([(2, 3)], {"multiples": (2, 1)}), ([(3,)], {"multiples": (0,)}),
              ([(2,)], {"multiples": (3,)}), ([(1, 2)], {"multiples": (2, 2)}),
              ([(2, 1, 3)], {"multiples": (1, 3, 1)}), ([()], {"multiples": ()})]


def _tile_expected(x, multiples):
    if x.ndim == 0:
        return x.copy()
    acc = np.float64 if x.dtype.kind == "f" else np.int64
    return np.kron(np.ones(multiples, dtype=acc), x.astype(acc)).astype(x.dtype)


def _untile_make(rng, dtype):
    cases = []
    for (shape,), attrs in TILE_CASES:
        m = attrs["multiples"]
        tiled = tuple(d * k for d, k in zip(shape, m))
        cases.append(([values(rng, tiled, dtype), values(rng, shape, dtype)], dict(attrs)))
    return cases


def _untile_expected(dy, like, multiples):
    out = np.zeros(like.shape, dtype=np.float64 if dy.dtype.kind == "f" else np.int64)
    for block in np.ndindex(*multiples):
        index = tuple(slice(b * d, (b + 1) * d) for b, d in zip(block, like.shape))
        out += dy[index]
    return out.astype(dy.dtype)


_add("tile", _cases(TILE_CASES), NUMERIC, _tile_expected)
_add("untile", _untile_make, NUMERIC, _untile_expected)

PAD_CASES = [([(3,)], {"paddings": ((1, 2),), "constant_values": 0.0}),
             ([(2, 3)], {"paddings": ((0, 1), (2, 0)), "constant_values": 1.0}),
             ([(0, 2)], {"paddings": ((1, 1), (0, 1)), "constant_values": 2.0}),
             ([(1, 1, 1)], {"paddings": ((0, 0), (1, 0), (0, 2)), "constant_values": -1.0})]


def _pad_expected(x, paddings, constant_values):
    shape = tuple(d + a + b for d, (a, b) in zip(x.shape, paddings))
    out = np.full(shape, constant_values, dtype=x.dtype)
    out[tuple(slice(a, a + d) for d, (a, _) in zip(x.shape, paddings))] = x
    return out


_add("pad", _cases(PAD_CASES), NUMERIC, _pad_expected)


def _split_make(rng, dtype):
    table = [([(4, 2)], {"sizes": (2, 2), "axis": 0}), ([(2, 5)], {"sizes": (1, 0, 4), "axis": 1}),
             ([(3,)], {"sizes": (3,), "axis": 0}), ([(2, 3, 2)], {"sizes": (1, 1, 1), "axis": 1})]
    return _cases(table)(rng, dtype)


def _split_expected(x, sizes, axis):
    out, start = [], 0
    for s in sizes:
        out.append(x[(slice(None),) * axis + (slice(start, start + s),)])
        start += s
    return tuple(out)


def _split_like_make(rng, dtype):
    cases = []
    for (shape,), attrs in [([(4, 2)], {"sizes": (2, 2), "axis": 0}),
                            ([(2, 5)], {"sizes": (1, 0, 4), "axis": 1}),
                            ([(3,)], {"sizes": (3,), "axis": 0})]:
        axis = attrs["axis"]
        likes = [values(rng, shape[:axis] + (s,) + shape[axis + 1:], dtype) for s in attrs["sizes"]]
        cases.append(([values(rng, shape, dtype)] + likes, {"axis": axis}))
    return cases


_add("split", _split_make, ANY, _split_expected)
_add("split_like", _split_like_make, ANY,
     lambda dy, *likes, axis: _split_expected(dy, [x.shape[axis] for x in likes], axis))


# -- indexing ----------------------------------------------------------------------------------

def _indices(values_, dtype=np.int32):
    return np.array(values_, dtype=dtype)


def _gather_make(rng, dtype):
    table = [((5,), [0, 4, 2], 0), ((3, 4), [[0, 3], [1, 1]], 1), ((3, 4), 2, 0),
             ((3,), [1, 1, 0], 0), ((4, 2), [-1, 0], 0), ((3, 2), np.zeros(0, np.int64), 0),
             ((2, 3, 2), [2, 0], 1)]
    return [([values(rng, s, dtype), _indices(idx, np.int64 if i % 2 else np.int32)],
             {"axis": axis, "batch_dims": 0}) for i, (s, idx, axis) in enumerate(table)]


def _gather_expected(params, indices, axis, batch_dims):
    return params[(slice(None),) * axis + (indices,)]


def _gather_grad_make(rng, dtype):
    cases = []
    for (params, indices), attrs in _gather_make(rng, dtype):
        axis = attrs["axis"]
        shape = params.shape[:axis] + indices.shape + params.shape[axis + 1:]
        cases.append(([values(rng, shape, dtype), indices, params], {"axis": axis}))
    return cases


def _gather_grad_expected(dy, indices, like, axis):
    out = np.zeros(like.shape, dtype=np.float64 if dy.dtype.kind == "f" else np.int64)
    lead = (slice(None),) * axis
    for pos in np.ndindex(indices.shape):
        out[lead + (int(indices[pos]),)] += dy[lead + pos]
    return out.astype(dy.dtype)


_add("gather", _gather_make, NUMERIC, _gather_expected)
_add("gather_grad", _gather_grad_make, NUMERIC, _gather_grad_expected)

# Strided-slice specs as the public wrapper builds them (Ellipsis already expanded).
SLICE_CASES = [((4, 5), (("s", 1, 3, None),)),
               ((4, 5), (("i", -1), ("s", None, None, 2))),
               ((4, 5), (("n",), ("s", None, None, -1))),
               ((4, 5), (("s", None, None, None), ("i", 0), ("n",))),
               ((3,), (("i", 1),)),
               ((3,), (("s", 5, 1, None),)),
               ((2, 3, 4), (("i", 0), ("s", 1, None, None))),
               ((2, 3, 4), (("s", None, None, -2), ("s", -2, None, None), ("s", 3, 0, -2))),
               ((), (("n",),))]


def _python_key(spec):
    key = []
    for item in spec:
        key.append(item[1] if item[0] == "i" else (slice(*item[1:]) if item[0] == "s" else None))
    return tuple(key)


def _slice_make(rng, dtype):
    return [([values(rng, shape, dtype)], {"spec": spec}) for shape, spec in SLICE_CASES]


def _slice_grad_make(rng, dtype):
    cases = []
    for shape, spec in SLICE_CASES:
        like = values(rng, shape, dtype)
        dy = values(rng, like[_python_key(spec)].shape, dtype)
        cases.append(([dy, like], {"spec": spec}))
    return cases


def _slice_grad_expected(dy, like, spec):
    out = np.zeros(like.shape, dtype=dy.dtype)
    positions = np.arange(like.size).reshape(like.shape)[_python_key(spec)]
    out.reshape(-1)[np.asarray(positions).reshape(-1)] = np.asarray(dy).reshape(-1)
    return out


_add("strided_slice", _slice_make, ANY, lambda x, spec: np.array(x[_python_key(spec)]))
_add("strided_slice_grad", _slice_grad_make, NUMERIC, _slice_grad_expected)

ONE_HOT_CASES = [([0, 2, 1], dict(depth=3, on_value=1.0, off_value=0.0, axis=-1, dtype="float32")),
                 ([[-1, 5], [3, 0]], dict(depth=4, on_value=5.0, off_value=-1.0, axis=0, dtype="int32")),
                 (1, dict(depth=2, on_value=1.0, off_value=0.0, axis=-1, dtype="float64")),
                 (np.zeros(0, int), dict(depth=3, on_value=1.0, off_value=0.0, axis=-1, dtype="float32")),
                 ([[0, 1, 2], [2, 1, 0]], dict(depth=3, on_value=2.0, off_value=0.5, axis=1,
                                               dtype="float64"))]


def _one_hot_make(rng, dtype):
    return [([np.array(idx, dtype=dtypes.as_dtype(dtype).np)], dict(attrs))
            for idx, attrs in ONE_HOT_CASES]


def _one_hot_expected(indices, depth, on_value, off_value, axis, dtype):
    out = np.full(indices.shape + (depth,), off_value, dtype=dtype)
    for pos in np.ndindex(indices.shape):
        if 0 <= indices[pos] < depth:
            out[pos + (int(indices[pos]),)] = on_value
    if axis != -1:
        out = np.moveaxis(out, -1, axis)
    return out


_add("one_hot", _one_hot_make, INTS, _one_hot_expected)


def _check_labels_make(rng, dtype):
    # valid labels only (the out-of-range error has its own test in tests/test_errors.py)
    return [([values(rng, s, dtype, 0, 4)], {"depth": 5, "op_name": "loss"})
            for s in [(), (4,), (2, 3), (0,)]]


_add("check_label_range", _check_labels_make, INTS + (U8,), lambda x, depth, op_name: x)


def _where_indices_make(rng, dtype):
    return [([values(rng, s, dtype)], {}) for s in [(), (4,), (2, 3), (0, 2), (2, 1, 2)]]


_add("where_indices", _where_indices_make, (BOOL,) + INTS,
     lambda c: np.array([list(pos) for pos in np.ndindex(c.shape) if c[pos]],
                        dtype=np.int64).reshape(int(np.count_nonzero(c)), c.ndim))


# -- shape / size / rank -----------------------------------------------------------------------

META_SHAPES = [(), (3,), (2, 0), (1, 2, 3)]


def _meta_make(rng, dtype):
    return [([values(rng, s, dtype)], {"out_type": ("int32", "int64")[i % 2]})
            for i, s in enumerate(META_SHAPES)]


_add("shape", _meta_make, ANY, lambda x, out_type: np.array(list(x.shape), dtype=out_type))
_add("size", _meta_make, ANY,
     lambda x, out_type: np.array(math.prod(x.shape), dtype=out_type))
_add("rank", lambda rng, d: [(arrays, {"out_type": "int32"}) for arrays, _ in _meta_make(rng, d)],
     ANY, lambda x, out_type: np.array(len(x.shape), dtype=out_type))


# -- convolution and pooling (NHWC) ------------------------------------------------------------
# The expected functions are direct loops over output positions and window offsets, sharing no
# code with graphflow/ops/conv.py (tests/test_conv.py uses them too). Inputs sit on a grid of
# quarters, so float32 sums are exact and agree with float64 loops bit for bit.


def same_or_valid(size, k, stride, padding):
    """(out, pad_before) along one axis, written out from TF's definition."""
    if padding == "SAME":
        out = (size + stride - 1) // stride
        return out, max((out - 1) * stride + k - size, 0) // 2
    return (size - k) // stride + 1, 0


def _conv_taps(x_shape, kh, kw, strides, padding):
    """Every (n, a, b, i, j, r, q): output (n, a, b) reads input row r, column q at window
    offset (i, j); only positions inside the image."""
    n_, h, w = x_shape[:3]
    oh, pt = same_or_valid(h, kh, strides[0], padding)
    ow, pl = same_or_valid(w, kw, strides[1], padding)
    for n in range(n_):
        for a in range(oh):
            for b in range(ow):
                for i in range(kh):
                    for j in range(kw):
                        r, q = a * strides[0] + i - pt, b * strides[1] + j - pl
                        if 0 <= r < h and 0 <= q < w:
                            yield n, a, b, i, j, r, q


def _pool_out_shape(x_shape, kh, kw, strides, padding):
    return (x_shape[0], same_or_valid(x_shape[1], kh, strides[0], padding)[0],
            same_or_valid(x_shape[2], kw, strides[1], padding)[0], x_shape[3])


def naive_conv2d(x, w, strides, padding):
    kh, kw, _, co = w.shape
    oshape = _pool_out_shape(x.shape, kh, kw, strides, padding)[:3] + (co,)
    out = np.zeros(oshape, dtype=np.float64)
    for n, a, b, i, j, r, q in _conv_taps(x.shape, kh, kw, strides, padding):
        for c in range(x.shape[3]):
            for o in range(co):
                out[n, a, b, o] += float(x[n, r, q, c]) * float(w[i, j, c, o])
    return out.astype(x.dtype)


def naive_conv2d_backprop_input(dy, w, like, strides, padding):
    kh, kw, ci, co = w.shape
    out = np.zeros(like.shape, dtype=np.float64)
    for n, a, b, i, j, r, q in _conv_taps(like.shape, kh, kw, strides, padding):
        for c in range(ci):
            for o in range(co):
                out[n, r, q, c] += float(dy[n, a, b, o]) * float(w[i, j, c, o])
    return out.astype(dy.dtype)


def naive_conv2d_backprop_filter(x, dy, like, strides, padding):
    kh, kw, ci, co = like.shape
    out = np.zeros(like.shape, dtype=np.float64)
    for n, a, b, i, j, r, q in _conv_taps(x.shape, kh, kw, strides, padding):
        for c in range(ci):
            for o in range(co):
                out[i, j, c, o] += float(x[n, r, q, c]) * float(dy[n, a, b, o])
    return out.astype(x.dtype)


def _pool_windows(x_shape, ksize, strides, padding):
    """{(n, a, b): [(r, q), ...]}: each window's valid positions in row-major window order."""
    windows = {}
    for n, a, b, _, _, r, q in _conv_taps(x_shape, ksize[0], ksize[1], strides, padding):
        windows.setdefault((n, a, b), []).append((r, q))
    return windows


def _first_argmax(x, n, c, cells):
    best = cells[0]
    for r, q in cells[1:]:
        if x[n, r, q, c] > x[n, best[0], best[1], c]:
            best = (r, q)
    return best


def naive_max_pool2d(x, ksize, strides, padding):
    out = np.zeros(_pool_out_shape(x.shape, *ksize, strides, padding), dtype=x.dtype)
    for (n, a, b), cells in _pool_windows(x.shape, ksize, strides, padding).items():
        for c in range(x.shape[3]):
            out[n, a, b, c] = max(x[n, r, q, c] for r, q in cells)
    return out


def naive_max_pool2d_grad(x, dy, ksize, strides, padding):
    out = np.zeros(x.shape, dtype=np.float64)
    for (n, a, b), cells in _pool_windows(x.shape, ksize, strides, padding).items():
        for c in range(x.shape[3]):
            r, q = _first_argmax(x, n, c, cells)
            out[n, r, q, c] += dy[n, a, b, c]
    return out.astype(dy.dtype)


def naive_max_pool2d_grad_grad(x, grad, ksize, strides, padding):
    out = np.zeros(_pool_out_shape(x.shape, *ksize, strides, padding), dtype=grad.dtype)
    for (n, a, b), cells in _pool_windows(x.shape, ksize, strides, padding).items():
        for c in range(x.shape[3]):
            r, q = _first_argmax(x, n, c, cells)
            out[n, a, b, c] = grad[n, r, q, c]
    return out


def naive_avg_pool2d(x, ksize, strides, padding):
    out = np.zeros(_pool_out_shape(x.shape, *ksize, strides, padding), dtype=np.float64)
    for (n, a, b), cells in _pool_windows(x.shape, ksize, strides, padding).items():
        for c in range(x.shape[3]):
            out[n, a, b, c] = sum(float(x[n, r, q, c]) for r, q in cells) / len(cells)
    return out.astype(x.dtype)


def naive_avg_pool2d_grad(dy, like, ksize, strides, padding):
    out = np.zeros(like.shape, dtype=np.float64)
    for (n, a, b), cells in _pool_windows(like.shape, ksize, strides, padding).items():
        for c in range(like.shape[3]):
            for r, q in cells:
                out[n, r, q, c] += float(dy[n, a, b, c]) / len(cells)
    return out.astype(dy.dtype)


@_arrays
def quarters(rng, shape, dtype):
    """Multiples of 1/4 in [-2, 2] (integers in [-2, 2] for integer dtypes): exact sums."""
    dtype = dtypes.as_dtype(dtype)
    if dtype.is_floating:
        return (rng.integers(-8, 9, size=shape) / 4).astype(dtype.np)
    return rng.integers(-2, 3, size=shape).astype(dtype.np)


# (input shape, filter shape, strides, padding): odd and even sizes, asymmetric SAME padding
# (H=7, W=6, k=3, s=2 pads rows 1/1 and columns 0/1; H=5, k=2 pads 0/1), strides 1, 2 and 3.
CONV_CASES = [((1, 5, 5, 1), (3, 3, 1, 2), (1, 1), "VALID"),
              ((2, 5, 5, 2), (3, 3, 2, 3), (1, 1), "SAME"),
              ((1, 7, 6, 3), (3, 3, 3, 2), (2, 2), "SAME"),
              ((2, 6, 7, 2), (2, 3, 2, 1), (2, 1), "VALID"),
              ((1, 5, 4, 1), (2, 2, 1, 2), (1, 1), "SAME"),
              ((1, 4, 4, 1), (4, 4, 1, 1), (1, 1), "VALID"),
              ((1, 3, 5, 2), (1, 1, 2, 2), (2, 2), "SAME"),
              ((1, 7, 7, 1), (3, 3, 1, 1), (3, 2), "SAME"),
              ((2, 7, 5, 1), (3, 2, 1, 2), (2, 2), "VALID")]
CONV_EDGE = [((0, 5, 5, 1), (3, 3, 1, 2), (1, 1), "SAME"),
             ((1, 4, 4, 2), (3, 3, 2, 0), (1, 1), "VALID"),
             ((1, 0, 4, 1), (3, 3, 1, 1), (2, 2), "SAME"),
             ((2, 1, 1, 3), (1, 1, 3, 2), (1, 1), "VALID")]
POOL_CASES = [((1, 4, 4, 1), (2, 2), (2, 2), "VALID"),
              ((2, 5, 5, 2), (2, 2), (2, 2), "SAME"),
              ((1, 5, 6, 3), (3, 3), (1, 1), "SAME"),
              ((2, 7, 5, 1), (3, 2), (2, 1), "VALID"),
              ((1, 6, 7, 2), (3, 3), (2, 2), "SAME"),
              ((1, 3, 3, 1), (1, 1), (1, 1), "VALID"),
              ((1, 4, 5, 2), (4, 5), (1, 1), "VALID"),
              ((1, 4, 4, 1), (2, 2), (1, 1), "SAME")]
POOL_EDGE = [((0, 4, 4, 1), (2, 2), (2, 2), "SAME"), ((1, 4, 4, 0), (2, 2), (1, 1), "VALID"),
             ((1, 0, 3, 1), (2, 2), (2, 2), "SAME")]


def _conv_out(x_shape, w_shape, strides, padding):
    return _pool_out_shape(x_shape, w_shape[0], w_shape[1], strides, padding)[:3] + (w_shape[3],)


def _conv_make(which, table):
    def make(rng, dtype):
        cases = []
        for xs, ws, strides, padding in table:
            attrs = {"strides": strides, "padding": padding}
            x, w = quarters(rng, xs, dtype), quarters(rng, ws, dtype)
            dy = quarters(rng, _conv_out(xs, ws, strides, padding), dtype)
            arrays = {"conv2d": [x, w], "conv2d_backprop_input": [dy, w, x],
                      "conv2d_backprop_filter": [x, dy, w]}[which]
            cases.append((arrays, attrs))
        return cases
    return make


def _pool_make(which, table, gen):
    def make(rng, dtype):
        cases = []
        for xs, ksize, strides, padding in table:
            attrs = {"ksize": ksize, "strides": strides, "padding": padding}
            x = gen(rng, xs, dtype)
            dy = quarters(rng, _pool_out_shape(xs, *ksize, strides, padding), dtype)
            arrays = {"max_pool2d": [x], "avg_pool2d": [x], "max_pool2d_grad": [x, dy],
                      "max_pool2d_grad_grad": [x, quarters(rng, xs, dtype)],
                      "avg_pool2d_grad": [dy, x]}[which]
            cases.append((arrays, attrs))
        return cases
    return make


def _tied_pool_input(dtype):
    """Windows with equal values: max_pool2d_grad must pick the first of each."""
    return np.array([[1, 1, 0, 2], [1, 1, 2, 2], [3, 0, 0, 0], [0, 3, 0, 0]],
                    dtype=dtypes.as_dtype(dtype).np).reshape(1, 4, 4, 1)


TIED_POOL_ATTRS = [{"ksize": (2, 2), "strides": (2, 2), "padding": "VALID"},
                   {"ksize": (3, 3), "strides": (1, 1), "padding": "SAME"}]


def _pool_ties(which):
    def edge(rng, dtype):
        x = _tied_pool_input(dtype)
        cases = []
        for attrs in TIED_POOL_ATTRS:
            out_shape = _pool_out_shape(x.shape, *attrs["ksize"], attrs["strides"],
                                        attrs["padding"])
            dy = np.arange(1, 1 + math.prod(out_shape), dtype=x.dtype).reshape(out_shape)
            g = np.arange(1, 17, dtype=x.dtype).reshape(x.shape)
            cases.append(({"max_pool2d": [x], "max_pool2d_grad": [x, dy],
                           "max_pool2d_grad_grad": [x, g]}[which], dict(attrs)))
        return cases
    return edge


for _name, _expected in [("conv2d", naive_conv2d),
                         ("conv2d_backprop_input", naive_conv2d_backprop_input),
                         ("conv2d_backprop_filter", naive_conv2d_backprop_filter)]:
    _add(_name, _conv_make(_name, CONV_CASES), FLOATS, _expected,
         edge=_conv_make(_name, CONV_EDGE))
for _name in ("max_pool2d", "max_pool2d_grad", "max_pool2d_grad_grad"):
    _add(_name, _pool_make(_name, POOL_CASES, distinct),
         NUMERIC if _name == "max_pool2d" else FLOATS,
         {"max_pool2d": naive_max_pool2d, "max_pool2d_grad": naive_max_pool2d_grad,
          "max_pool2d_grad_grad": naive_max_pool2d_grad_grad}[_name],
         edge=lambda rng, dtype, _name=_name: _pool_make(_name, POOL_EDGE, distinct)(rng, dtype)
         + _pool_ties(_name)(rng, dtype))
_add("avg_pool2d", _pool_make("avg_pool2d", POOL_CASES, quarters), FLOATS, naive_avg_pool2d,
     edge=_pool_make("avg_pool2d", POOL_EDGE, quarters))
_add("avg_pool2d_grad", _pool_make("avg_pool2d_grad", POOL_CASES, quarters), FLOATS,
     naive_avg_pool2d_grad, edge=_pool_make("avg_pool2d_grad", POOL_EDGE, quarters))


# ---------------------------------------------------------------------------------------------
# Finite differences


def numeric_gradient(f, arrays, i, eps=1e-6):
    """Central differences of the scalar f(arrays) with respect to arrays[i] (float64)."""
    arrays = [np.array(a, copy=True) for a in arrays]
    x = arrays[i]
    grad = np.zeros(x.shape, dtype=np.float64)
    for idx in np.ndindex(x.shape):
        orig = x[idx]
        x[idx] = orig + eps
        plus = f(arrays)
        x[idx] = orig - eps
        minus = f(arrays)
        x[idx] = orig
        grad[idx] = (plus - minus) / (2 * eps)
    return grad


def second_derivatives(op, arrays, attrs, rng):
    """Nested tapes: for each float64 input, (d/dx <grad of sum(op * cot), v>, the same by central
    differences of the tape gradient), with random cotangents and directions drawn from rng."""
    import graphflow as tf
    floats = [i for i, a in enumerate(arrays) if a.dtype == np.float64]
    cotangents = [rng.standard_normal(r.shape) for r in ref_outputs(op, arrays, attrs)]
    vs = [rng.standard_normal(arrays[i].shape) for i in floats]

    def inner_product(arrs, outer=None):
        """<grad of sum(op * cot), v>, as a tensor (recorded on `outer` when given)."""
        xs = [EagerTensor(a.copy()) for a in arrs]
        if outer is not None:
            for i in floats:
                outer.watch(xs[i])
        with tf.GradientTape() as inner:
            for i in floats:
                inner.watch(xs[i])
            outs = outputs_of(dispatch(op, xs, attrs))
            loss = tf.add_n([tf.reduce_sum(o * EagerTensor(c)) for o, c in zip(outs, cotangents)])
        grads = inner.gradient(loss, [xs[i] for i in floats])
        terms = [tf.reduce_sum(g * EagerTensor(v)) for g, v in zip(grads, vs) if g is not None]
        return xs, tf.add_n(terms)

    with tf.GradientTape() as outer:
        xs, total = inner_product(arrays, outer)
    second = outer.gradient(total, [xs[i] for i in floats])
    pairs = []
    for i, g in zip(floats, second):
        numeric = numeric_gradient(lambda a: float(inner_product(a)[1]), arrays, i, eps=1e-5)
        pairs.append((i, np.zeros_like(numeric) if g is None else g.numpy(), numeric))
    return pairs
