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
import struct

import numpy as np

import graphflow  # noqa: F401 - registers every op
from graphflow import dtypes
from graphflow.ops.registry import REGISTRY, Spec, dispatch
from graphflow.tensor import EagerTensor

F16, F32, F64 = dtypes.float16, dtypes.float32, dtypes.float64
C64, C128 = dtypes.complex64, dtypes.complex128
COMPLEX = (C64, C128)
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


def specs_of(arrays, unknown=(), op=None):
    """Specs for `arrays`; `unknown` is a set of (input, axis) pairs to replace by None, or of
    input indices (ints) whose rank is unknown. With `op`, the inputs its shape rule reads the
    values of (op.value_inputs) carry their values, unless part of them is made unknown."""
    specs = []
    for i, a in enumerate(arrays):
        if i in unknown:
            specs.append(Spec(None, dtypes.from_numpy(a.dtype)))
            continue
        shape = tuple(None if (i, k) in unknown else d for k, d in enumerate(a.shape))
        value = a if op is not None and i in op.value_inputs and None not in shape else None
        specs.append(Spec(shape, dtypes.from_numpy(a.dtype), value))
    return specs


def _wide(np_dtype):
    """The NumPy dtype an expected value accumulates in: float64, complex128 or int64."""
    return {"f": np.float64, "c": np.complex128}.get(np.dtype(np_dtype).kind, np.int64)


def tolerances(dtype):
    dtype = dtypes.as_dtype(dtype)
    if dtype.is_complex:
        dtype = dtype.real_dtype
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
    if dtype.is_complex:
        return (rng.uniform(lo, hi, size=shape) + 1j * rng.uniform(lo, hi, size=shape)).astype(
            dtype.np)
    lo = max(int(math.floor(lo)), 0) if dtype.is_unsigned else int(math.floor(lo))
    return rng.integers(lo, int(math.ceil(hi)) + 1, size=shape).astype(dtype.np)


@_arrays
def positive(rng, shape, dtype, lo=0.25, hi=3.0):
    """Strictly positive values (the domain of log, sqrt, rsqrt, reciprocal); complex ones have
    real parts in [lo, hi] (away from the branch cut of log and sqrt) and imaginary parts in
    [-1, 1]."""
    dtype = dtypes.as_dtype(dtype)
    if dtype.is_complex:
        return (rng.uniform(lo, hi, size=shape) + 1j * rng.uniform(-1, 1, size=shape)).astype(
            dtype.np)
    if dtype.is_floating:
        return rng.uniform(lo, hi, size=shape).astype(dtype.np)
    return rng.integers(1, int(hi) + 1, size=shape).astype(dtype.np)


@_arrays
def nonzero(rng, shape, dtype, lo=0.25, hi=2.0):
    """Values with |x| in [lo, hi] and a random sign: away from the kink of abs/relu/sign at 0."""
    sign = np.where(rng.random(shape) < 0.5, -1, 1)
    dtype = dtypes.as_dtype(dtype)
    if dtype.is_complex:  # |x| in [lo, hi] at a random angle
        r, phi = rng.uniform(lo, hi, size=shape), rng.uniform(-np.pi, np.pi, size=shape)
        return (r * np.exp(1j * phi)).astype(dtype.np)
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
    if dtype.is_complex:
        return ((perm * 0.25 + 0.05) * (1 + 0.5j)).astype(dtype.np)
    if dtype.is_floating:
        return (perm * 0.25 + 0.05).astype(dtype.np)
    return perm.astype(dtype.np)


@_arrays
def small_ints(rng, shape, dtype):
    """Values from {-2, ..., 2} so comparisons see equal elements too."""
    dtype = dtypes.as_dtype(dtype)
    if dtype.is_bool:
        return rng.random(shape) < 0.5
    if dtype.is_complex:
        return (rng.integers(-1, 2, size=shape) + 1j * rng.integers(-1, 2, size=shape)).astype(
            dtype.np)
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
    nondiff: float inputs TF gives no gradient for (zeta's x): the tape must return None there,
    and finite differences skip them.
    fd_view(i, grad) -> array: what finite differences of the reference measure of the gradient
    `grad` of input i, for ops whose TF gradient lives on a subspace (cholesky reads the lower
    triangle, but its gradient is TF's symmetric one).
    fd_skip: why finite differences of the reference cannot check the gradient (a sampler's
    distributional gradient); such an op needs a targeted gradient test instead.
    value_checks: why the kernel rejects some values the shape rule cannot see (a permutation
    must not repeat): the dtype test then accepts its named InvalidArgumentError on all ones.
    expected_complex: whether `expected` also holds for complex inputs (otherwise complex
    dtypes are checked against the reference and by gradients only). Complex128 samples get
    their own gradient cases (TF's convention: dL/dx + i dL/dy).
    """

    def __init__(self, name, make, dtypes, expected=None, edge=None, gen=None, nondiff=(),
                 fd_view=None, fd_skip=None, value_checks=None, expected_complex=False):
        self.name = name
        self.expected_complex = expected_complex
        self.make = make
        self.dtypes = tuple(dtypes)
        self.expected = expected
        self.edge = edge
        self.gen = gen
        self.nondiff = tuple(nondiff)
        self.fd_view = fd_view
        self.fd_skip = fd_skip
        self.value_checks = value_checks

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
    # ops2 (issue 16)
    "random_categorical": "RANDOM: checked for reproducibility and frequencies (targeted test)",
    "random_poisson": "RANDOM: checked for reproducibility and moments (targeted test)",
    "random_standard_gamma": "RANDOM: checked for reproducibility, moments, gradient (targeted)",
    "candidate_sampler": "RANDOM: reproducibility, frequencies and expected counts (targeted test)",
    "fractional_pool_sequence": "RANDOM: reproducible sequences with TF's region sizes (targeted)",
    # AutoGraph's loops over Python iterables (graphflow/ops/iterators.py)
    "iterator_open": "STATEFUL: starts iterating a Python iterable in the attrs (targeted test)",
    "iterator_next": "STATEFUL: advances a Python iterator (targeted test)",
    "iterator_get_next": "STATEFUL: takes a tf.data iterator's next element (targeted test)",
    "iterator_close": "STATEFUL with no outputs: forgets a Python iterator (targeted test)",
}


def _add(name, make, dtypes_, expected=None, edge=None, gen=None, nondiff=(), fd_view=None,
         fd_skip=None, value_checks=None, expected_complex=False):
    if name in SAMPLES:
        raise ValueError(f"duplicate SAMPLES entry {name!r}")
    SAMPLES[name] = OpInfo(name, make, dtypes_, expected, edge, gen, nondiff, fd_view, fd_skip,
                           value_checks, expected_complex)


# -- unary elementwise -------------------------------------------------------------------------

UNARY_SHAPES = [(), (1,), (3,), (2, 3), (0,), (2, 0), (1, 3, 1), (2, 1, 2, 2)]


def unary(name, dtypes_, gen=values, expected=None, edge=None, expected_complex=False):
    def make(rng, dtype):
        return [([gen(rng, s, dtype)], {}) for s in UNARY_SHAPES]
    _add(name, make, dtypes_, expected, edge, gen=lambda rng, shapes, dtype: [gen(rng, shapes[0], dtype)],
         expected_complex=expected_complex)


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


unary("negative", NUMERIC + COMPLEX, expected=lambda x: (0 - x).astype(x.dtype),
      expected_complex=True)
unary("abs", NUMERIC + COMPLEX, nonzero, expected=lambda x: np.where(x < 0, -x, x))
unary("sign", NUMERIC, nonzero, expected=lambda x: ((x > 0).astype(x.dtype) - (x < 0).astype(x.dtype)),
      edge=_edge_values(0, -1, 2))
unary("exp", FLOATS + COMPLEX, expected=lambda x: (math.e ** x.astype(np.float64)).astype(x.dtype))
unary("expm1", FLOATS + COMPLEX, expected=lambda x: np.exp(x) - x.dtype.type(1),
      expected_complex=True)
unary("log", FLOATS + COMPLEX, positive, expected=lambda x: (np.log2(x) / np.log2(np.e)).astype(x.dtype),
      expected_complex=True)
unary("log1p", FLOATS + COMPLEX, lambda rng, s, d: values(rng, s, d, -0.5, 2.0),
      expected=lambda x: np.log(x.astype(np.float64) + 1).astype(x.dtype))
unary("sqrt", FLOATS + COMPLEX, positive, expected=lambda x: (x.astype(np.float64) ** 0.5).astype(x.dtype))
unary("rsqrt", FLOATS + COMPLEX, positive, expected=lambda x: (x.astype(np.float64) ** -0.5).astype(x.dtype))
unary("reciprocal", FLOATS + COMPLEX, positive, expected=lambda x: (1 / x.astype(np.float64)).astype(x.dtype))
unary("square", NUMERIC + COMPLEX, expected=lambda x: x * x, expected_complex=True)
unary("sin", FLOATS + COMPLEX, expected=lambda x: np.cos(x.astype(np.float64) - np.pi / 2).astype(x.dtype))
unary("cos", FLOATS + COMPLEX, expected=lambda x: np.sin(x.astype(np.float64) + np.pi / 2).astype(x.dtype))
unary("tanh", FLOATS + COMPLEX, expected=lambda x: (np.expm1(2 * x.astype(np.float64)) /
                                          (np.exp(2 * x.astype(np.float64)) + 1)).astype(x.dtype))
unary("sigmoid", FLOATS + COMPLEX, expected=_sigmoid_expected, edge=_edge_values(-100.0, -30.0, 0.0, 30.0, 100.0),
      expected_complex=True)
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


def binary(name, dtypes_, gen2=None, expected=None, edge=None, expected_complex=False):
    """gen2(rng, shape_x, shape_y, dtype) -> [x, y]; default: independent generic values."""
    gen2 = gen2 or (lambda rng, sx, sy, d: [values(rng, sx, d), values(rng, sy, d)])

    def make(rng, dtype):
        return [(gen2(rng, sx, sy, dtype), {}) for sx, sy in BINARY_SHAPES]
    _add(name, make, dtypes_, expected, edge, gen=lambda rng, shapes, dtype: gen2(rng, *shapes, dtype),
         expected_complex=expected_complex)


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
    if dtype.is_floating or dtype.is_complex:
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


binary("add", NUMERIC + COMPLEX, expected=lambda x, y: x - (0 - y), expected_complex=True)
binary("subtract", NUMERIC + COMPLEX, expected=lambda x, y: x + (0 - y), expected_complex=True)
binary("multiply", NUMERIC + COMPLEX, expected=lambda x, y: np.einsum("...,...->...", *np.broadcast_arrays(x, y)),
       expected_complex=True)
binary("truediv", NUMERIC + COMPLEX, _nonzero_divisor, expected=_truediv_expected)
binary("floordiv", NUMERIC, _nonzero_divisor, expected=_floordiv_expected)
binary("floormod", NUMERIC, _floormod_values, expected=_floormod_expected)
binary("pow", NUMERIC + COMPLEX, _pow_values, expected=_pow_expected)
binary("maximum", NUMERIC, _no_ties, expected=lambda x, y: np.where(x > y, x, y), edge=_ties)
binary("minimum", NUMERIC, _no_ties, expected=lambda x, y: np.where(x < y, x, y), edge=_ties)
binary("squared_difference", NUMERIC, expected=lambda x, y: (x - y) * (x - y))
binary("equal", ANY + COMPLEX, _compare_values, expected=lambda x, y: ~(x != y), edge=_nan_compare,
       expected_complex=True)
binary("not_equal", ANY + COMPLEX, _compare_values, expected=lambda x, y: ~(x == y), edge=_nan_compare,
       expected_complex=True)
binary("less", NUMERIC, _compare_values, expected=lambda x, y: y > x, edge=_nan_compare)
binary("less_equal", NUMERIC, _compare_values, expected=lambda x, y: y >= x, edge=_nan_compare)
binary("greater", NUMERIC, _compare_values, expected=lambda x, y: y < x, edge=_nan_compare)
binary("greater_equal", NUMERIC, _compare_values, expected=lambda x, y: y <= x, edge=_nan_compare)
binary("logical_and", (BOOL,), expected=lambda x, y: (x.astype(int) + y.astype(int)) == 2)
binary("logical_or", (BOOL,), expected=lambda x, y: (x.astype(int) + y.astype(int)) >= 1)
binary("logical_xor", (BOOL,), expected=lambda x, y: (x.astype(int) + y.astype(int)) == 1)


# -- complex numbers ---------------------------------------------------------------------------

def _complex_expected(x, y):
    dtype = np.complex64 if x.dtype == np.float32 else np.complex128
    return (x + 1j * y.astype(np.float64)).astype(dtype)


binary("complex", FLOATS, expected=_complex_expected)
unary("real", COMPLEX, expected=lambda x: np.array([z.real for z in x.reshape(-1)],
                                                   x.real.dtype).reshape(x.shape),
      expected_complex=True)
unary("imag", COMPLEX, expected=lambda x: np.array([z.imag for z in x.reshape(-1)],
                                                   x.real.dtype).reshape(x.shape),
      expected_complex=True)
unary("conj", COMPLEX, expected=lambda x: (x.real - 1j * x.imag).astype(x.dtype),
      expected_complex=True)
# real parts > 0: away from 0 and from the branch cut of the argument on the negative reals
unary("angle", COMPLEX, positive,
      expected=lambda x: np.arctan2(x.imag.astype(np.float64), x.real).astype(x.real.dtype),
      expected_complex=True)


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
    acc = _wide(x.dtype)
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
    acc = _wide(x.dtype)
    return np.multiply.reduce(x.astype(acc), axis=axis, keepdims=keepdims).astype(x.dtype)


def _prod_values(rng, shape, dtype):
    dtype = dtypes.as_dtype(dtype)
    if dtype.is_floating or dtype.is_complex:
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


_add("reduce_sum", lambda rng, dtype: [([values(rng, s, dtype)], {"axis": axis, "keepdims": keep})
                                      for s, axis in REDUCE_CASES for keep in (False, True)],
     NUMERIC + COMPLEX, _sum_expected, edge=_empty_reductions, expected_complex=True)
reduction("reduce_mean", NUMERIC + COMPLEX, lambda rng, s, d: values(rng, s, d, -5, 5), _mean_expected,
          edge=lambda rng, dtype: _empty_reductions(rng, dtype) if dtypes.as_dtype(dtype).is_floating
          else [])
reduction("reduce_max", NUMERIC, distinct, _extreme_expected(np.maximum, "max"),
          edge=lambda rng, d: _empty_reductions(rng, d) + _tied_extremes(rng, d))
reduction("reduce_min", NUMERIC, distinct, _extreme_expected(np.minimum, "min"),
          edge=lambda rng, d: _empty_reductions(rng, d) + _tied_extremes(rng, d))
_add("reduce_prod", _prod_make, NUMERIC + COMPLEX, _prod_expected, expected_complex=True)
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
    acc = _wide(a.dtype)
    return np.einsum("...ij,...jk->...ik", a.astype(acc), b.astype(acc)).astype(a.dtype)


_add("matmul", _matmul_make, NUMERIC + COMPLEX, _matmul_expected, expected_complex=True)


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
    acc = _wide(x.dtype)
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
    # (params shape, indices, axis, batch_dims); TF's gather takes indices in [0, size) only.
    table = [((5,), [0, 4, 2], 0, 0), ((3, 4), [[0, 3], [1, 1]], 1, 0), ((3, 4), 2, 0, 0),
             ((3,), [1, 1, 0], 0, 0), ((4, 2), [3, 0], 0, 0), ((3, 2), np.zeros(0, np.int64), 0, 0),
             ((2, 3, 2), [2, 0], 1, 0), ((2, 3), [[2, 0], [1, 1]], 1, 1),
             ((2, 3, 4), [[0, 3, 3], [1, 2, 0]], 2, 1), ((2, 3, 2), [[[1], [0]], [[2], [2]]], 1, 1),
             ((2, 3, 2), [[0, 1, 1], [1, 0, 0]], 2, 2)]
    return [([values(rng, s, dtype), _indices(idx, np.int64 if i % 2 else np.int32)],
             {"axis": axis, "batch_dims": bd}) for i, (s, idx, axis, bd) in enumerate(table)]


def _gather_expected(params, indices, axis, batch_dims):
    if not batch_dims:
        return params[(slice(None),) * axis + (indices,)]
    # Batch by batch, written out (no code shared with graphflow/ops/shape.py).
    b = batch_dims
    out_shape = params.shape[:axis] + indices.shape[b:] + params.shape[axis + 1:]
    out = np.empty(out_shape, dtype=params.dtype)
    for pos in np.ndindex(out_shape):
        batch, before = pos[:b], pos[b:axis]
        ipos = pos[axis:axis + indices.ndim - b]
        after = pos[axis + indices.ndim - b:]
        out[pos] = params[batch + before + (indices[batch + ipos],) + after]
    return out


def _gather_grad_make(rng, dtype):
    cases = []
    for (params, indices), attrs in _gather_make(rng, dtype):
        axis, bd = attrs["axis"], attrs["batch_dims"]
        shape = params.shape[:axis] + indices.shape[bd:] + params.shape[axis + 1:]
        grad_attrs = {"axis": axis, "batch_dims": bd} if bd else {"axis": axis}
        cases.append(([values(rng, shape, dtype), indices, params], grad_attrs))
    return cases


def _gather_grad_expected(dy, indices, like, axis, batch_dims=0):
    out = np.zeros(like.shape, dtype=np.float64 if dy.dtype.kind == "f" else np.int64)
    b = batch_dims
    for pos in np.ndindex(dy.shape):
        batch, before = pos[:b], pos[b:axis]
        ipos = pos[axis:axis + indices.ndim - b]
        after = pos[axis + indices.ndim - b:]
        out[batch + before + (int(indices[batch + ipos]),) + after] += dy[pos]
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


def _check_slice_make(rng, dtype):
    # slices that fit (a slice past the end has its case in tests/bad_input_cases.py)
    return [([values(rng, s, dtype)], {"begin": b, "size": z})
            for s, b, z in [((3,), (1,), (2,)), ((2, 3), (0, 1), (-1, 2)), ((0, 2), (0, 0), (0, -1))]]


_add("check_slice_bounds", _check_slice_make, FLOATS, lambda x, begin, size: x)


def _where_indices_make(rng, dtype):
    return [([values(rng, s, dtype)], {}) for s in [(1,), (4,), (2, 3), (0, 2), (2, 1, 2)]]


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


def _conv_taps(x_shape, kh, kw, strides, padding, dilations=(1, 1)):
    """Every (n, a, b, i, j, r, q): output (n, a, b) reads input row r, column q at window
    offset (i, j), the taps `dilations` apart (a window spans (k - 1) * d + 1 positions);
    only positions inside the image."""
    n_, h, w = x_shape[:3]
    dh, dw = dilations
    oh, pt = same_or_valid(h, (kh - 1) * dh + 1, strides[0], padding)
    ow, pl = same_or_valid(w, (kw - 1) * dw + 1, strides[1], padding)
    for n in range(n_):
        for a in range(oh):
            for b in range(ow):
                for i in range(kh):
                    for j in range(kw):
                        r, q = a * strides[0] + i * dh - pt, b * strides[1] + j * dw - pl
                        if 0 <= r < h and 0 <= q < w:
                            yield n, a, b, i, j, r, q


def _pool_out_shape(x_shape, kh, kw, strides, padding, dilations=(1, 1)):
    return (x_shape[0], same_or_valid(x_shape[1], (kh - 1) * dilations[0] + 1, strides[0],
                                      padding)[0],
            same_or_valid(x_shape[2], (kw - 1) * dilations[1] + 1, strides[1], padding)[0],
            x_shape[3])


def _group_channel(x_channels, w_shape, c, o):
    """The input channel that filter in_channel c of output channel o reads: groups of
    w_shape[2] input channels, each feeding out_channels / groups outputs (TF's grouping)."""
    groups = x_channels // w_shape[2] if w_shape[2] else 1
    return (o // (w_shape[3] // groups)) * w_shape[2] + c


def naive_conv2d(x, w, strides, padding, dilations=(1, 1)):
    kh, kw, ci, co = w.shape
    oshape = _pool_out_shape(x.shape, kh, kw, strides, padding, dilations)[:3] + (co,)
    out = np.zeros(oshape, dtype=np.float64)
    for n, a, b, i, j, r, q in _conv_taps(x.shape, kh, kw, strides, padding, dilations):
        for c in range(ci):
            for o in range(co):
                xc = _group_channel(x.shape[3], w.shape, c, o)
                out[n, a, b, o] += float(x[n, r, q, xc]) * float(w[i, j, c, o])
    return out.astype(x.dtype)


def naive_conv2d_backprop_input(dy, w, like, strides, padding, dilations=(1, 1)):
    kh, kw, ci, co = w.shape
    out = np.zeros(like.shape, dtype=np.float64)
    for n, a, b, i, j, r, q in _conv_taps(like.shape, kh, kw, strides, padding, dilations):
        for c in range(ci):
            for o in range(co):
                xc = _group_channel(like.shape[3], w.shape, c, o)
                out[n, r, q, xc] += float(dy[n, a, b, o]) * float(w[i, j, c, o])
    return out.astype(dy.dtype)


def naive_conv2d_backprop_filter(x, dy, like, strides, padding, dilations=(1, 1)):
    kh, kw, ci, co = like.shape
    out = np.zeros(like.shape, dtype=np.float64)
    for n, a, b, i, j, r, q in _conv_taps(x.shape, kh, kw, strides, padding, dilations):
        for c in range(ci):
            for o in range(co):
                xc = _group_channel(x.shape[3], like.shape, c, o)
                out[i, j, c, o] += float(x[n, r, q, xc]) * float(dy[n, a, b, o])
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
              ((2, 7, 5, 1), (3, 2, 1, 2), (2, 2), "VALID"),
              # dilated (taps d apart; SAME pads the dilated span, odd totals after), strided
              # and dilated at once (TF's Conv2D kernel allows both), grouped (input channels a
              # multiple of the filters' in_channels), and grouped + dilated
              ((1, 7, 6, 2), (3, 2, 2, 2), (1, 1), "SAME", (2, 3)),
              ((2, 8, 7, 1), (2, 3, 1, 2), (1, 1), "VALID", (3, 2)),
              ((1, 9, 8, 2), (3, 3, 2, 1), (2, 3), "SAME", (2, 2)),
              ((1, 5, 5, 4), (3, 3, 2, 4), (1, 1), "SAME"),
              ((2, 7, 6, 6), (2, 2, 2, 3), (2, 1), "VALID", (2, 2))]
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


def _conv_out(x_shape, w_shape, strides, padding, dilations=(1, 1)):
    return _pool_out_shape(x_shape, w_shape[0], w_shape[1], strides, padding,
                           dilations)[:3] + (w_shape[3],)


def _conv_make(which, table):
    def make(rng, dtype):
        cases = []
        for xs, ws, strides, padding, *dilations in table:
            dilations = dilations[0] if dilations else (1, 1)
            attrs = {"strides": strides, "padding": padding, "dilations": dilations}
            x, w = quarters(rng, xs, dtype), quarters(rng, ws, dtype)
            dy = quarters(rng, _conv_out(xs, ws, strides, padding, dilations), dtype)
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


# -- 3-D pooling and the 3-D convolution's backprops (graphflow/ops/conv_volume.py) ------------
# The expected functions loop over every (output, tap) pair from TF's definitions, sharing no
# code with conv_volume.py: SAME/VALID per axis as same_or_valid, max pooling's gradient to the
# first maximum in (depth, row, column) window order, averages over the valid elements.

def _taps3(x_shape, ksize, strides, padding, dilations=(1, 1, 1)):
    """Every (n, out, tap, pos): output index `out` (3 ints) reads input position `pos` at
    window tap `tap`; positions inside the volume only, taps in window order."""
    geo = [same_or_valid(x_shape[1 + a], (ksize[a] - 1) * dilations[a] + 1, strides[a],
                         padding) for a in range(3)]
    for n in range(x_shape[0]):
        for out in np.ndindex(*(g[0] for g in geo)):
            for tap in np.ndindex(*ksize):
                pos = tuple(out[a] * strides[a] + tap[a] * dilations[a] - geo[a][1]
                            for a in range(3))
                if all(0 <= pos[a] < x_shape[1 + a] for a in range(3)):
                    yield n, out, tap, pos


def _out3(x_shape, ksize, strides, padding, channels, dilations=(1, 1, 1)):
    return (x_shape[0],) + tuple(
        same_or_valid(x_shape[1 + a], (ksize[a] - 1) * dilations[a] + 1, strides[a],
                      padding)[0] for a in range(3)) + (channels,)


def _windows3(x_shape, ksize, strides, padding):
    windows = {}
    for n, out, _, pos in _taps3(x_shape, ksize, strides, padding):
        windows.setdefault((n,) + out, []).append(pos)
    return windows


def naive_max_pool3d(x, ksize, strides, padding):
    out = np.zeros(_out3(x.shape, ksize, strides, padding, x.shape[4]), dtype=x.dtype)
    for key, cells in _windows3(x.shape, ksize, strides, padding).items():
        for c in range(x.shape[4]):
            out[key + (c,)] = max(x[(key[0],) + p + (c,)] for p in cells)
    return out


def _argmax3(x, n, c, cells):
    best = cells[0]
    for p in cells[1:]:
        if x[(n,) + p + (c,)] > x[(n,) + best + (c,)]:
            best = p
    return best


def naive_max_pool3d_grad(x, dy, ksize, strides, padding):
    out = np.zeros(x.shape, dtype=np.float64)
    for key, cells in _windows3(x.shape, ksize, strides, padding).items():
        for c in range(x.shape[4]):
            out[(key[0],) + _argmax3(x, key[0], c, cells) + (c,)] += dy[key + (c,)]
    return out.astype(dy.dtype)


def naive_max_pool3d_grad_grad(x, grad, ksize, strides, padding):
    out = np.zeros(_out3(x.shape, ksize, strides, padding, x.shape[4]), dtype=grad.dtype)
    for key, cells in _windows3(x.shape, ksize, strides, padding).items():
        for c in range(x.shape[4]):
            out[key + (c,)] = grad[(key[0],) + _argmax3(x, key[0], c, cells) + (c,)]
    return out


def naive_avg_pool3d(x, ksize, strides, padding):
    out = np.zeros(_out3(x.shape, ksize, strides, padding, x.shape[4]), dtype=np.float64)
    for key, cells in _windows3(x.shape, ksize, strides, padding).items():
        for c in range(x.shape[4]):
            out[key + (c,)] = sum(float(x[(key[0],) + p + (c,)]) for p in cells) / len(cells)
    return out.astype(x.dtype)


def naive_avg_pool3d_grad(dy, like, ksize, strides, padding):
    out = np.zeros(like.shape, dtype=np.float64)
    for key, cells in _windows3(like.shape, ksize, strides, padding).items():
        for c in range(like.shape[4]):
            for p in cells:
                out[(key[0],) + p + (c,)] += float(dy[key + (c,)]) / len(cells)
    return out.astype(dy.dtype)


def _group_channel3(x_channels, w_shape, c, o):
    groups = x_channels // w_shape[3] if w_shape[3] else 1
    return (o // (w_shape[4] // groups)) * w_shape[3] + c


def naive_conv3d_backprop_input(dy, w, like, strides, padding, dilations=(1, 1, 1)):
    out = np.zeros(like.shape, dtype=np.float64)
    for n, o3, tap, pos in _taps3(like.shape, w.shape[:3], strides, padding, dilations):
        for c in range(w.shape[3]):
            for o in range(w.shape[4]):
                xc = _group_channel3(like.shape[4], w.shape, c, o)
                out[(n,) + pos + (xc,)] += float(dy[(n,) + o3 + (o,)]) * float(w[tap + (c, o)])
    return out.astype(dy.dtype)


def naive_conv3d_backprop_filter(x, dy, like, strides, padding, dilations=(1, 1, 1)):
    out = np.zeros(like.shape, dtype=np.float64)
    for n, o3, tap, pos in _taps3(x.shape, like.shape[:3], strides, padding, dilations):
        for c in range(like.shape[3]):
            for o in range(like.shape[4]):
                xc = _group_channel3(x.shape[4], like.shape, c, o)
                out[tap + (c, o)] += float(x[(n,) + pos + (xc,)]) * float(dy[(n,) + o3 + (o,)])
    return out.astype(x.dtype)


# (input shape, ksize, strides, padding): odd and even sizes, asymmetric SAME padding on each
# axis (5 with k=2, s=2 pads 0/1; 6 with k=3, s=2 pads 0/1; 4 with k=3, s=1 pads 1/1), a
# window as large as the volume, strides above the window.
POOL3D_CASES = [((1, 2, 4, 4, 1), (2, 2, 2), (2, 2, 2), "VALID"),
                ((2, 5, 4, 3, 2), (2, 2, 2), (2, 2, 2), "SAME"),
                ((1, 4, 3, 5, 1), (3, 2, 3), (1, 1, 1), "SAME"),
                ((1, 6, 5, 4, 2), (3, 3, 2), (2, 1, 2), "VALID"),
                ((1, 3, 6, 4, 1), (2, 3, 3), (1, 2, 3), "SAME"),
                ((1, 2, 3, 2, 2), (2, 3, 2), (1, 1, 1), "VALID"),
                ((2, 3, 3, 3, 1), (1, 1, 1), (2, 1, 1), "VALID")]
POOL3D_EDGE = [((0, 3, 3, 3, 1), (2, 2, 2), (2, 2, 2), "SAME"),
               ((1, 2, 2, 2, 0), (2, 2, 2), (1, 1, 1), "VALID"),
               ((1, 0, 3, 3, 1), (2, 2, 2), (2, 2, 2), "SAME")]
# (input shape, filter shape, strides, padding[, dilations])
CONV3D_CASES = [((1, 3, 4, 4, 1), (2, 3, 3, 1, 2), (1, 1, 1), "VALID"),
                ((2, 4, 3, 3, 2), (3, 2, 2, 2, 3), (1, 1, 1), "SAME"),
                ((1, 5, 4, 6, 2), (3, 3, 3, 2, 2), (2, 2, 2), "SAME"),
                ((1, 4, 5, 3, 1), (2, 2, 1, 1, 2), (2, 1, 3), "VALID"),
                ((1, 5, 4, 4, 2), (2, 2, 2, 2, 1), (1, 1, 1), "SAME", (2, 1, 2)),
                ((1, 6, 5, 4, 1), (2, 2, 2, 1, 2), (1, 1, 1), "VALID", (3, 2, 1)),
                # grouped: 4 input channels in 2 groups of the filters' 2 in_channels
                ((1, 3, 4, 3, 4), (2, 2, 2, 2, 4), (1, 2, 1), "SAME")]
CONV3D_EDGE = [((0, 3, 3, 3, 1), (2, 2, 2, 1, 2), (1, 1, 1), "SAME"),
               ((1, 3, 3, 3, 2), (2, 2, 2, 2, 0), (1, 1, 1), "VALID"),
               ((1, 0, 3, 3, 1), (2, 2, 2, 1, 1), (2, 2, 2), "SAME")]


def _conv3d_make(which, table):
    def make(rng, dtype):
        cases = []
        for xs, ws, strides, padding, *dilations in table:
            dilations = dilations[0] if dilations else (1, 1, 1)
            attrs = {"strides": strides, "padding": padding, "dilations": dilations}
            x, w = quarters(rng, xs, dtype), quarters(rng, ws, dtype)
            dy = quarters(rng, _out3(xs, ws[:3], strides, padding, ws[4], dilations), dtype)
            cases.append(({"conv3d_backprop_input": [dy, w, x],
                           "conv3d_backprop_filter": [x, dy, w]}[which], attrs))
        return cases
    return make


def _pool3d_make(which, table, gen):
    def make(rng, dtype):
        cases = []
        for xs, ksize, strides, padding in table:
            attrs = {"ksize": ksize, "strides": strides, "padding": padding}
            x = gen(rng, xs, dtype)
            dy = quarters(rng, _out3(xs, ksize, strides, padding, xs[4]), dtype)
            cases.append(({"max_pool3d": [x], "avg_pool3d": [x], "max_pool3d_grad": [x, dy],
                           "max_pool3d_grad_grad": [x, quarters(rng, xs, dtype)],
                           "avg_pool3d_grad": [dy, x]}[which], attrs))
        return cases
    return make


def _pool3d_ties(which):
    """Equal values in a window: the gradient goes to the first in (depth, row, column) order."""
    def edge(rng, dtype):
        x = np.array([1, 1, 0, 1, 2, 2, 2, 0, 1, 1, 3, 3, 0, 3, 3, 1],
                     dtype=dtypes.as_dtype(dtype).np).reshape(1, 2, 2, 4, 1)
        cases = []
        for attrs in ({"ksize": (2, 2, 2), "strides": (2, 2, 2), "padding": "VALID"},
                      {"ksize": (2, 2, 3), "strides": (1, 1, 1), "padding": "SAME"}):
            out_shape = _out3(x.shape, attrs["ksize"], attrs["strides"], attrs["padding"], 1)
            dy = np.arange(1, 1 + math.prod(out_shape), dtype=x.dtype).reshape(out_shape)
            g = np.arange(1, 17, dtype=x.dtype).reshape(x.shape)
            cases.append(({"max_pool3d": [x], "max_pool3d_grad": [x, dy],
                           "max_pool3d_grad_grad": [x, g]}[which], dict(attrs)))
        return cases
    return edge


for _name, _expected in [("conv3d_backprop_input", naive_conv3d_backprop_input),
                         ("conv3d_backprop_filter", naive_conv3d_backprop_filter)]:
    _add(_name, _conv3d_make(_name, CONV3D_CASES), FLOATS, _expected,
         edge=_conv3d_make(_name, CONV3D_EDGE))
for _name, _expected in [("max_pool3d", naive_max_pool3d),
                         ("max_pool3d_grad", naive_max_pool3d_grad),
                         ("max_pool3d_grad_grad", naive_max_pool3d_grad_grad)]:
    _add(_name, _pool3d_make(_name, POOL3D_CASES, distinct), FLOATS, _expected,
         edge=lambda rng, dtype, _name=_name: _pool3d_make(_name, POOL3D_EDGE, distinct)(
             rng, dtype) + _pool3d_ties(_name)(rng, dtype))
_add("avg_pool3d", _pool3d_make("avg_pool3d", POOL3D_CASES, quarters), FLOATS,
     naive_avg_pool3d, edge=_pool3d_make("avg_pool3d", POOL3D_EDGE, quarters))
_add("avg_pool3d_grad", _pool3d_make("avg_pool3d_grad", POOL3D_CASES, quarters), FLOATS,
     naive_avg_pool3d_grad, edge=_pool3d_make("avg_pool3d_grad", POOL3D_EDGE, quarters))


# ======================================================================================

# TF op breadth, part 1 (issue 16, the ops1 package): scans and sorting, gathers and scatters,
# segment ops, shape and layout. The expected functions are loops written from TF's definitions
# and share no code with graphflow/ops/{scan,sort,gather_scatter,layout}.py.
# =============================================================================================

# Ops whose output shape depends on the input values (None dims in graph mode).
DATA_DEPENDENT_SHAPES = {"where_indices", "unique_with_counts", "segment_sum", "segment_prod",
                         "segment_max", "segment_min", "dynamic_partition", "dynamic_stitch",
                         "range"}


def _along(x, axis):
    """(position of the rest, 1-D slice index) pairs of x along axis: every 1-D line of x."""
    rest = x.shape[:axis] + x.shape[axis + 1:]
    for pos in np.ndindex(rest):
        yield pos, pos[:axis] + (slice(None),) + pos[axis:]


# -- scans -------------------------------------------------------------------------------------

SCAN_CASES = [((5,), 0, False, False), ((2, 3), 1, True, False), ((2, 3), 0, False, True),
              ((2, 3, 2), 2, True, True), ((0, 3), 0, False, False), ((1,), 0, True, False)]
# An exclusive log-sum-exp starts at -inf, which finite differences cannot take: those cases
# are forward-only (tests/test_ops1.py checks their gradient with a zero cotangent there).
LOGSUMEXP_CASES = [c for c in SCAN_CASES if not c[2]] + [((3, 2), 0, False, True)]


def _with_zeros(rng, shape, dtype):
    """values() with about a third of the entries exactly 0 (cumprod's gradient is exact there)."""
    x = values(rng, shape, dtype)
    x[rng.random(shape) < 0.35] = 0
    return x


def _scan_make(gen, table=SCAN_CASES):
    def make(rng, dtype):
        return [([gen(rng, s, dtype)], {"axis": a, "exclusive": e, "reverse": r})
                for s, a, e, r in table]
    return make


def _scan_expected(combine):
    def expected(x, axis, exclusive, reverse):
        wide = x.astype(_wide(x.dtype))
        out = np.zeros(x.shape, dtype=wide.dtype)
        for _, line in _along(x, axis):
            v = list(wide[line])
            n = len(v)
            res = []
            for k in range(n):
                idx = range(k, n) if reverse else range(0, k + 1)
                idx = [i for i in idx if not (exclusive and i == k)]
                res.append(combine([v[i] for i in idx]))
            out[line] = res
        return out.astype(x.dtype)
    return expected


def _logsumexp_list(v):
    if not v:
        return -np.inf
    m = max(v)
    return m + math.log(sum(math.exp(a - m) for a in v))


_add("cumsum", _scan_make(values), NUMERIC + COMPLEX, _scan_expected(sum), expected_complex=True)
_add("cumprod", _scan_make(_with_zeros), NUMERIC, _scan_expected(math.prod))
def _logsumexp_edge(rng, dtype):
    x = np.array([-1000.0, 0.0, -np.inf, 3.0], dtypes.as_dtype(dtype).np)
    return [([x], {"axis": 0, "exclusive": False, "reverse": False})] + \
        _scan_make(values, [c for c in SCAN_CASES if c[2]])(rng, dtype)


_add("cumulative_logsumexp", _scan_make(values, LOGSUMEXP_CASES), FLOATS,
     _scan_expected(_logsumexp_list), edge=_logsumexp_edge)


# -- argsort -----------------------------------------------------------------------------------

def _argsort_make(rng, dtype):
    table = [((6,), 0, "ASCENDING"), ((6,), 0, "DESCENDING"), ((2, 4), 1, "DESCENDING"),
             ((3, 2), 0, "ASCENDING"), ((0,), 0, "ASCENDING"), ((2, 3, 2), 1, "DESCENDING")]
    return [([small_ints(rng, s, dtype)], {"axis": a, "direction": d}) for s, a, d in table]


def _argsort_expected(x, axis, direction):
    out = np.zeros(x.shape, dtype=np.int32)
    for _, line in _along(x, axis):
        v = x[line].tolist()
        if direction == "ASCENDING":  # NaN above everything; Python's sort is stable
            key = lambda i: (v[i] != v[i], v[i] if v[i] == v[i] else 0)  # noqa: E731
        else:
            key = lambda i: (v[i] == v[i], -v[i] if v[i] == v[i] else 0)  # noqa: E731
        out[line] = sorted(range(len(v)), key=key)
    return out


def _argsort_edge(rng, dtype):
    if not dtypes.as_dtype(dtype).is_floating:
        return []
    x = np.array([3.0, np.nan, 1.0, 2.0, np.nan, -np.inf, 1.0, -0.0, 0.0], dtypes.as_dtype(dtype).np)
    return [([x], {"axis": 0, "direction": "ASCENDING"}), ([x], {"axis": 0, "direction": "DESCENDING"})]


_add("argsort", _argsort_make, (F32, F64, I32, U8), _argsort_expected, edge=_argsort_edge)


# -- in_top_k ----------------------------------------------------------------------------------

def _in_top_k_make(rng, dtype):
    p = np.array([[0.1, 0.3, 0.3, 0.2], [0.5, 0.25, 0.125, 0.4], [1.0, 1.0, 1.0, 1.0]],
                 dtypes.as_dtype(dtype).np)
    t = np.array([1, 0, 3], np.int32)
    return [([t, p], {"k": 1}), ([t, p], {"k": 2}), ([np.array([2, 3, 0], np.int64), p], {"k": 1}),
            ([np.array([4, -1, 0], np.int32), p], {"k": 3}), ([t, p], {"k": 0}),
            ([t, p], {"k": 7}), ([np.zeros(0, np.int32), np.zeros((0, 4), p.dtype)], {"k": 1})]


def _in_top_k_expected(targets, predictions, k):
    out = []
    for t, row in zip(targets, predictions):
        if not 0 <= t < len(row) or not all(math.isfinite(v) for v in row):
            out.append(False)
            continue
        out.append(sum(1 for v in row if v > row[t]) < k)
    return np.array(out, dtype=bool)


def _in_top_k_edge(rng, dtype):
    p = np.array([[1.0, np.nan, 0.0], [np.inf, 1.0, 2.0], [0.0, 1.0, 2.0]], dtypes.as_dtype(dtype).np)
    return [([np.array([0, 2, 2], np.int32), p], {"k": 1})]


_add("in_top_k", _in_top_k_make, FLOATS, _in_top_k_expected, edge=_in_top_k_edge)


# -- unique_with_counts ------------------------------------------------------------------------

def _unique_make(rng, dtype):
    return [([small_ints(rng, (n,), dtype)], {"out_idx": ("int32", "int64")[i % 2]})
            for i, n in enumerate([7, 1, 0, 12])]


def _unique_expected(x, out_idx):
    ys, idx, counts = [], [], []
    for v in x.tolist():
        # NaN is never equal to an earlier value (each NaN is its own), -0.0 equals 0.0.
        k = next((i for i, y in enumerate(ys) if y == v), None)
        if k is None:
            ys.append(v)
            counts.append(0)
            k = len(ys) - 1
        idx.append(k)
        counts[k] += 1
    return (np.array(ys, dtype=x.dtype).reshape(-1), np.array(idx, dtype=out_idx),
            np.array(counts, dtype=out_idx))


def _unique_edge(rng, dtype):
    if not dtypes.as_dtype(dtype).is_floating:
        return []
    x = np.array([np.nan, 1.0, np.nan, 1.0, -0.0, 0.0], dtypes.as_dtype(dtype).np)
    return [([x], {"out_idx": "int32"})]


_add("unique_with_counts", _unique_make, (F32, I32, BOOL), _unique_expected, edge=_unique_edge)


# -- searchsorted ------------------------------------------------------------------------------

def _searchsorted_make(rng, dtype):
    cases = []
    for i, (seq, vals) in enumerate([((6,), (5,)), ((2, 5), (2, 3)), ((2, 0), (2, 3)),
                                     ((2, 4), (2, 1)), ((3,), (0,))]):
        s = np.sort(small_ints(rng, seq, dtype), axis=-1)
        v = small_ints(rng, vals, dtype)
        cases.append(([s, v], {"side": ("left", "right")[i % 2], "out_type": ("int32", "int64")[i % 2]}))
    return cases


def _searchsorted_expected(seq, values, side, out_type):
    s2 = seq.reshape(-1, seq.shape[-1]) if seq.size else np.zeros((int(np.prod(seq.shape[:-1])), 0))
    v2 = values.reshape(s2.shape[0], -1) if values.size else np.zeros((s2.shape[0], values.shape[-1]))
    out = np.zeros(v2.shape, dtype=out_type)
    for r in range(v2.shape[0]):
        row = s2[r].tolist()
        for c in range(v2.shape[1]):
            v = v2[r, c]
            # std::lower_bound / upper_bound, as TF's kernels: the first a with not a < v, or
            # with v < a (for NaN: the start, or the end).
            hit = (lambda a: not a < v) if side == "left" else (lambda a: v < a)
            out[r, c] = next((i for i, a in enumerate(row) if hit(a)), len(row))
    return out.reshape(values.shape)


def _searchsorted_edge(rng, dtype):
    if not dtypes.as_dtype(dtype).is_floating:
        return []
    d = dtypes.as_dtype(dtype).np
    s, v = np.array([1.0, 2.0, 3.0], d), np.array([np.nan, 2.0, np.inf], d)
    return [([s, v], {"side": "left", "out_type": "int32"}), ([s, v], {"side": "right", "out_type": "int32"})]


_add("searchsorted", _searchsorted_make, (F32, I32), _searchsorted_expected, edge=_searchsorted_edge)


# -- bitcast, unravel_index (ops/casts.py) -----------------------------------------------------

def _bitcast_make(rng, dtype):
    d = dtypes.as_dtype(dtype).np
    x = values(rng, (2, 3), dtype) if dtypes.as_dtype(dtype).is_floating else \
        small_ints(rng, (2, 3), dtype)
    wide = np.ascontiguousarray(x[:, :2])  # a last axis of 2: float64/int64 from 2 halves
    return [([x], {"type": "int32" if d.itemsize == 4 else "int64"}),   # same width
            ([x], {"type": "uint8"}),                                    # narrower: a new last axis
            ([x], {"type": "int16"}),
            ([wide.astype(np.float32) if d.itemsize == 8 else wide], {"type": "float64"}),
            ([x[:0]], {"type": "float32" if d.itemsize == 4 else "float64"})]


def _bitcast_expected(x, type):
    out = np.dtype(dtypes.as_dtype(type).np)
    flat = np.frombuffer(np.ascontiguousarray(x).tobytes(), dtype=out)
    a, b = x.dtype.itemsize, out.itemsize
    shape = x.shape + (a // b,) if a > b else (x.shape if a == b else x.shape[:-1])
    return flat.reshape(shape)


_add("bitcast", _bitcast_make, (F32, F64, I32, I64), _bitcast_expected)


def _unravel_make(rng, dtype):
    d = dtypes.as_dtype(dtype).np
    cases = []
    for dims in [(2, 3), (4,), (3, 1, 2), (1,)]:
        size = int(np.prod(dims))
        cases.append(([rng.integers(0, size, size=(5,)).astype(d), np.array(dims, d)], {}))
    cases.append(([np.array(4, d), np.array((2, 3), d)], {}))  # a scalar index
    return cases


def _unravel_expected(indices, dims):
    out = np.zeros((len(dims),) + indices.shape, dtype=indices.dtype)
    for pos in np.ndindex(indices.shape):
        rest = int(indices[pos])
        for axis in reversed(range(len(dims))):
            rest, out[(axis,) + pos] = divmod(rest, int(dims[axis]))
    return out


_add("unravel_index", _unravel_make, INTS, _unravel_expected,
     value_checks="indices must lie in [0, prod(dims)): all ones is out of range for dims of ones")


# -- histogram_fixed_width ---------------------------------------------------------------------

def _histogram_make(rng, dtype):
    d = dtypes.as_dtype(dtype)
    if d.is_floating:  # on a grid of quarters: no value sits within rounding of a bin edge
        x = (rng.integers(-4, 24, size=(3, 4)) * 0.25).astype(d.np)
        return [([x, np.array([0.0, 4.0], d.np)], {"nbins": 8, "dtype": "int32"}),
                ([x[0], np.array([-1.0, 1.0], d.np)], {"nbins": 1, "dtype": "int64"}),
                ([np.zeros(0, d.np), np.array([0.0, 1.0], d.np)], {"nbins": 3, "dtype": "int32"}),
                ([x.T, np.array([1.0, 2.0], d.np)], {"nbins": 4, "dtype": "int32"})]
    x = rng.integers(-3, 15, size=(8,)).astype(d.np)
    return [([x, np.array([0, 10], d.np)], {"nbins": 5, "dtype": "int32"}),
            ([x, np.array([2, 4], d.np)], {"nbins": 2, "dtype": "int64"})]


def _histogram_expected(values, value_range, nbins, dtype):
    lo, hi = float(value_range[0]), float(value_range[1])
    counts = [0] * nbins
    for v in values.reshape(-1).tolist():
        k = int((v - lo) / (hi - lo) * nbins) if v > lo else 0
        counts[min(max(k, 0), nbins - 1)] += 1
    return np.array(counts, dtype=dtype)


_add("histogram_fixed_width", _histogram_make, (F32, F64, I32), _histogram_expected,
     value_checks="value_range [1, 1] is not increasing")


# -- gather_nd ---------------------------------------------------------------------------------

GATHER_ND_CASES = [((2, 3), [[0, 1], [1, 2]], 0), ((2, 3), [[1], [0]], 0),
                   ((3, 2, 2), [[[0, 1]], [[2, 0]]], 0), ((2, 3), np.zeros((0, 2)), 0),
                   ((2, 3), np.zeros((3, 0)), 0), ((2, 3, 4), [[[0, 1]], [[2, 3]]], 1),
                   ((2, 3, 4), [[1], [2]], 1), ((3,), [[1], [1], [0]], 0)]


def _gather_nd_make(rng, dtype):
    return [([values(rng, s, dtype), _indices(ix, np.int64 if i % 2 else np.int32)],
             {"batch_dims": b}) for i, (s, ix, b) in enumerate(GATHER_ND_CASES)]


def _gather_nd_expected(params, indices, batch_dims):
    b, depth = batch_dims, indices.shape[-1]
    out_shape = indices.shape[:-1] + params.shape[b + depth:]
    out = np.zeros(out_shape, dtype=params.dtype)
    for pos in np.ndindex(indices.shape[:-1]):
        where = pos[:b] + tuple(int(v) for v in indices[pos])
        out[pos] = params[where]
    return out


def _gather_nd_grad_make(rng, dtype):
    cases = []
    for (params, indices), attrs in _gather_nd_make(rng, dtype):
        dy = values(rng, _gather_nd_expected(params, indices, **attrs).shape, dtype)
        cases.append(([dy, indices, params], attrs))
    return cases


def _gather_nd_grad_expected(dy, indices, like, batch_dims):
    out = np.zeros(like.shape, dtype=np.float64 if dy.dtype.kind == "f" else np.int64)
    for pos in np.ndindex(indices.shape[:-1]):
        out[pos[:batch_dims] + tuple(int(v) for v in indices[pos])] += dy[pos]
    return out.astype(dy.dtype)


_add("gather_nd", _gather_nd_make, (F32, F64, I32), _gather_nd_expected)
_add("gather_nd_grad", _gather_nd_grad_make, (F32, F64, I32), _gather_nd_grad_expected)


# -- tensor_scatter_nd (update / add / sub / max / min) ---------------------------------------

SCATTER_CASES = [((4,), [[1], [3]]), ((4,), [[1], [1], [3]]), ((3, 2), [[0], [2]]),
                 ((3, 2), [[0, 1], [2, 0], [0, 1]]), ((4,), np.zeros((0, 1))), ((2, 2, 2), [[[1, 0]]])]


def _scatter_make(mode):
    return lambda rng, dtype: [(arrays, {}) for arrays in _scatter_arrays(rng, dtype)]


def _scatter_arrays(rng, dtype):
    cases = []
    for i, (shape, ix) in enumerate(SCATTER_CASES):
        ix = _indices(ix, np.int64 if i % 2 else np.int32)
        upd_shape = ix.shape[:-1] + shape[ix.shape[-1]:]
        n, m = int(np.prod(shape)), int(np.prod(upd_shape))
        both = distinct(rng, (n + m,), dtype)  # no ties between tensor and updates (max/min)
        cases.append([both[:n].reshape(shape), ix, both[n:].reshape(upd_shape)])
    return cases


def _scatter_expected(mode):
    return lambda tensor, indices, updates: _scattered(tensor, indices, updates, mode)


def _scattered(tensor, indices, updates, mode):
    wide = np.float64 if tensor.dtype.kind == "f" else np.int64
    out = tensor.astype(wide)
    for pos in np.ndindex(indices.shape[:-1]):
        at = tuple(int(v) for v in indices[pos])
        u = updates[pos].astype(wide)
        if mode == "update":
            out[at] = u  # in order: the last update of an element wins
        elif mode == "add":
            out[at] = out[at] + u
        elif mode == "sub":
            out[at] = out[at] - u
        elif mode == "max":
            out[at] = np.maximum(out[at], u)
        else:
            out[at] = np.minimum(out[at], u)
    return out.astype(tensor.dtype)


for _mode in ("update", "add", "sub", "max", "min"):
    _add(f"tensor_scatter_nd_{_mode}", _scatter_make(_mode),
         (F32, F64, I32) + (COMPLEX if _mode in ("update", "add", "sub") else ()),
         _scatter_expected(_mode))


def _last_occurrence_make(rng, dtype):
    d = dtypes.as_dtype(dtype).np
    return [([np.array([3, 1, 3, 2, 1, 3], d)], {"tuples": False}),
            ([np.array([[0, 1], [1, 0], [0, 1], [2, 2]], d)], {"tuples": True}),
            ([np.zeros((0,), d)], {"tuples": False}), ([np.array([[4, 4], [4, 1]], d)], {"tuples": False})]


def _last_occurrence_expected(keys, tuples):
    items = [tuple(k) for k in keys.reshape(-1, keys.shape[-1])] if tuples else keys.reshape(-1).tolist()
    out = [all(items[j] != v for j in range(i + 1, len(items))) for i, v in enumerate(items)]
    return np.array(out, dtype=bool).reshape(keys.shape[:-1] if tuples else keys.shape)


_add("last_occurrence", _last_occurrence_make, INTS, _last_occurrence_expected)


# -- segment reductions ------------------------------------------------------------------------

SEGMENT_CASES = [((5, 2), [0, 0, 1, 3, 3]), ((4,), [0, 1, 1, 1]), ((0, 3), []), ((3, 2, 2), [0, 0, 0])]
UNSORTED_CASES = [((5, 2), [2, 0, 1, -1, 0], 3), ((2, 3), [[0, 1, 1], [2, -1, 0]], 3),
                  ((3,), [-1, -1, -1], 0), ((4, 2), [1, 1, 0, 0], 2)]
# Empty segments hold the dtype's lowest/highest value for max/min: forward-only cases (finite
# differences of a loss over such values overflow).
UNSORTED_EDGE = [((5, 2), [2, 0, 2, -1, 0], 4), ((0, 2), np.zeros(0), 2)]


def _segment_data(rng, shape, dtype, mode):
    if mode in ("max", "min"):
        return distinct(rng, shape, dtype)  # one winner per segment
    return _with_zeros(rng, shape, dtype) if mode == "prod" else values(rng, shape, dtype)


def _segment_make(mode):
    return lambda rng, dtype: [([_segment_data(rng, s, dtype, mode), _indices(ids)], {})
                               for s, ids in SEGMENT_CASES]


def _unsorted_make(mode, table=UNSORTED_CASES):
    return lambda rng, dtype: [([_segment_data(rng, s, dtype, mode), _indices(ids, np.int64)],
                                {"num_segments": n}) for s, ids, n in table]


def _reduce_rows(rows, mode, empty):
    if not rows:
        return empty
    acc = rows[0]
    for r in rows[1:]:
        acc = {"sum": np.add, "prod": np.multiply, "max": np.maximum, "min": np.minimum}[mode](acc, r)
    return acc


def _segments_expected(data, ids, mode, num, empty):
    wide = np.float64 if data.dtype.kind == "f" else np.int64
    rest = data.shape[ids.ndim:]
    out = np.zeros((num,) + rest, dtype=wide)
    for s in range(num):
        rows = [data[pos].astype(wide) for pos in np.ndindex(ids.shape) if ids[pos] == s]
        out[s] = _reduce_rows(rows, mode, empty)
    return out.astype(data.dtype)


def _segment_expected(mode):
    return lambda data, segment_ids: _sorted_segments(data, segment_ids, mode)


def _sorted_segments(data, segment_ids, mode):
    num = int(segment_ids.max()) + 1 if segment_ids.size else 0
    return _segments_expected(data, segment_ids, mode, num, 1 if mode == "prod" else 0)


def _unsorted_expected(mode):
    return lambda data, segment_ids, num_segments: _unsorted_segments(
        data, segment_ids, mode, num_segments)


def _unsorted_segments(data, segment_ids, mode, num_segments):
    info = np.finfo(data.dtype) if data.dtype.kind == "f" else np.iinfo(data.dtype)
    empty = {"sum": 0, "prod": 1, "max": info.min, "min": info.max}[mode]
    return _segments_expected(data, segment_ids, mode, num_segments, empty)


for _mode in ("sum", "prod", "max", "min"):
    _complex = COMPLEX if _mode == "sum" else ()
    _add(f"segment_{_mode}", _segment_make(_mode), (F32, F64, I32) + _complex,
         _segment_expected(_mode))
    _add(f"unsorted_segment_{_mode}", _unsorted_make(_mode), (F32, F64, I32) + _complex,
         _unsorted_expected(_mode), edge=_unsorted_make(_mode, UNSORTED_EDGE))


# -- dynamic_partition / dynamic_stitch --------------------------------------------------------

PARTITION_CASES = [((5,), [0, 1, 0, 2, 1], 3), ((4, 2), [1, 1, 1, 1], 2),
                   ((2, 3), [[0, 1, 0], [1, 1, 0]], 2), ((0, 2), [], 2)]


def _partition_make(rng, dtype):
    return [([values(rng, s, dtype), _indices(p)], {"num_partitions": n})
            for s, p, n in PARTITION_CASES]


def _partition_expected(data, partitions, num_partitions):
    rest = data.shape[partitions.ndim:]
    out = []
    for i in range(num_partitions):
        rows = [data[pos] for pos in np.ndindex(partitions.shape) if partitions[pos] == i]
        out.append(np.array(rows, dtype=data.dtype).reshape((len(rows),) + rest))
    return tuple(out)


STITCH_CASES = [([[0, 2], [1]], [(2,), (1,)]), ([[0, 1], [1, 2]], [(2, 2), (2, 2)]),
                ([1, 0], [(), ()]), ([[0, 3]], [(2, 3)]), ([[[1, 0], [2, 2]], [4]], [(2, 2), (1,)]),
                ([np.zeros(0)], [(0, 2)])]


def _stitch_make(rng, dtype):
    cases = []
    for indices, shapes in STITCH_CASES:
        ix = [_indices(i) for i in indices]
        cases.append((ix + [values(rng, s, dtype) for s in shapes], {}))
    return cases


def _stitch_expected(*arrays):
    n = len(arrays) // 2
    indices, data = arrays[:n], arrays[n:]
    rest = data[0].shape[indices[0].ndim:]
    size = max([int(i.max()) + 1 for i in indices if i.size], default=0)
    out = np.zeros((size,) + rest, dtype=data[0].dtype)
    for ix, d in zip(indices, data):
        for pos in np.ndindex(ix.shape):
            out[int(ix[pos])] = d[pos]  # in order: later writes win
    return out


_add("dynamic_partition", _partition_make, (F32, F64, I32), _partition_expected)
_add("dynamic_stitch", _stitch_make, (F32, F64, I32), _stitch_expected)


# -- reverse / roll ----------------------------------------------------------------------------

REVERSE_CASES = [((3,), (0,)), ((2, 3), (1,)), ((2, 3), (0, 1)), ((2, 3, 2), (0, 2)), ((2, 0), (1,)),
                 ((3,), ())]
ROLL_CASES = [((5,), (2,), (0,)), ((2, 3), (1,), (1,)), ((2, 3), (1, 2), (0, 1)), ((2, 0), (1,), (1,)),
              ((4,), (-1,), (0,)), ((2, 3, 2), (5,), (1,))]


def _reverse_expected(x, axis):
    out = np.empty_like(x)
    for pos in np.ndindex(x.shape):
        src = tuple(x.shape[k] - 1 - p if k in axis else p for k, p in enumerate(pos))
        out[pos] = x[src]
    return out


def _roll_expected(x, shift, axis):
    out = np.empty_like(x)
    total = {}
    for s, a in zip(shift, axis):
        total[a] = total.get(a, 0) + s
    for pos in np.ndindex(x.shape):
        dst = tuple((p + total.get(k, 0)) % x.shape[k] for k, p in enumerate(pos))
        out[dst] = x[pos]
    return out


_add("reverse", _cases([([s], {"axis": a}) for s, a in REVERSE_CASES]), (F32, F64, I32, BOOL),
     _reverse_expected)
_add("roll", _cases([([s], {"shift": sh_, "axis": a}) for s, sh_, a in ROLL_CASES]),
     (F32, F64, I32, BOOL), _roll_expected)


# -- matrix_diag_part / matrix_diag / matrix_set_diag ------------------------------------------

def _band_entries(rows, cols, k, align):
    """{(i, j): (r, p)} for the band k of a rows x cols matrix, from TF's definition."""
    k0, k1 = k
    longest = min(rows + min(0, k1), cols - max(0, k0))
    entries = {}
    for i in range(rows):
        for j in range(cols):
            d = j - i
            if not k0 <= d <= k1:
                continue
            length = min(rows + min(0, d), cols - max(0, d))
            left = (d >= 0 and align.startswith("LEFT")) or (d <= 0 and align.endswith("LEFT"))
            right = not left
            entries[(i, j)] = (k1 - d, min(i, j) + (longest - length if right else 0))
    return entries, longest


DIAG_PART_CASES = [((3, 3), (0, 0), "RIGHT_LEFT", 0.0), ((3, 4), (1, 1), "RIGHT_LEFT", 0.0),
                   ((3, 4), (-1, 1), "RIGHT_LEFT", 0.0), ((4, 3), (-2, 1), "LEFT_LEFT", 9.0),
                   ((2, 2, 3), (0, 1), "LEFT_RIGHT", 0.0), ((0, 0), (0, 0), "RIGHT_LEFT", 0.0),
                   ((2, 3), (-1, -1), "RIGHT_RIGHT", 0.0), ((4, 3), (-2, 1), "RIGHT_RIGHT", -1.0)]


def _diag_part_expected(x, k, align, constant_values):
    rows, cols = x.shape[-2:]
    entries, longest = _band_entries(rows, cols, k, align)
    out = np.full(x.shape[:-2] + (k[1] - k[0] + 1, max(longest, 0)), constant_values, x.dtype)
    for (i, j), (r, p) in entries.items():
        out[..., r, p] = x[..., i, j]
    return out[..., 0, :] if k[0] == k[1] else out


DIAG_CASES = [((3,), (0, 0), -1, -1, "RIGHT_LEFT", 0.0), ((2,), (1, 1), -1, -1, "RIGHT_LEFT", 0.0),
              ((2,), (-1, -1), 4, -1, "RIGHT_LEFT", 0.0), ((2,), (0, 0), -1, 3, "RIGHT_LEFT", 5.0),
              ((2, 3), (-1, 0), -1, -1, "RIGHT_LEFT", 0.0), ((2, 3), (-1, 0), -1, -1, "LEFT_LEFT", 0.0),
              ((2, 2), (0, 1), 3, -1, "RIGHT_LEFT", 0.0), ((2, 2, 2), (0, 0), -1, -1, "RIGHT_LEFT", 0.0),
              ((0,), (0, 0), -1, -1, "RIGHT_LEFT", 0.0)]


def _diag_expected(d, k, num_rows, num_cols, align, constant_values):
    band = k[0] != k[1]
    diags = d if band else d[..., None, :]
    longest = d.shape[-1]
    rows, cols = num_rows, num_cols
    min_rows, min_cols = longest - min(k[1], 0), longest + max(k[0], 0)
    if rows == -1 and cols == -1:
        rows = cols = max(min_rows, min_cols)
    rows = min_rows if rows == -1 else rows
    cols = min_cols if cols == -1 else cols
    entries, _ = _band_entries(rows, cols, k, align)
    out = np.full(diags.shape[:-2] + (rows, cols), constant_values, d.dtype)
    for (i, j), (r, p) in entries.items():
        out[..., i, j] = diags[..., r, p]
    return out


SET_DIAG_CASES = [((3, 4), (3,), (0, 0), "RIGHT_LEFT"), ((3, 4), (3,), (1, 1), "RIGHT_LEFT"),
                  ((3, 4), (2, 3), (-1, 0), "RIGHT_LEFT"), ((3, 4), (2, 3), (-1, 0), "LEFT_LEFT"),
                  ((2, 2, 2), (2, 2), (0, 0), "RIGHT_LEFT"), ((4, 3), (4, 3), (-2, 1), "LEFT_RIGHT")]


def _set_diag_expected(x, d, k, align):
    entries, _ = _band_entries(x.shape[-2], x.shape[-1], k, align)
    diags = d if k[0] != k[1] else d[..., None, :]
    out = x.copy()
    for (i, j), (r, p) in entries.items():
        out[..., i, j] = diags[..., r, p]
    return out


_add("matrix_diag_part", _cases([([s], {"k": k, "align": a, "constant_values": c})
                                 for s, k, a, c in DIAG_PART_CASES]), (F32, F64, I32),
     _diag_part_expected)
_add("matrix_diag", _cases([([s], {"k": k, "num_rows": r, "num_cols": c, "align": a,
                                    "constant_values": v}) for s, k, r, c, a, v in DIAG_CASES]),
     (F32, F64, I32), _diag_expected)
_add("matrix_set_diag", _cases([([s, ds], {"k": k, "align": a}) for s, ds, k, a in SET_DIAG_CASES]),
     (F32, F64, I32), _set_diag_expected)


# -- broadcast_args, ensure_shape, range -------------------------------------------------------

def _broadcast_args_make(rng, dtype):
    d = dtypes.as_dtype(dtype).np
    return [([np.array(a, d), np.array(b, d)], {}) for a, b in
            [([1, 3], [2, 1]), ([3], [2, 1]), ([], [2]), ([0], [1]), ([2, 1, 4], [3, 1])]]


def _broadcast_args_expected(x, y):
    return np.array(np.broadcast_shapes(tuple(x.tolist()), tuple(y.tolist())), dtype=x.dtype)


_add("broadcast_dynamic_shape", _broadcast_args_make, INTS, _broadcast_args_expected)
_add("ensure_shape", _cases([([(2, 3)], {"shape": (2, None)}), ([(2, 3)], {"shape": None}),
                             ([()], {"shape": ()}), ([(0, 2)], {"shape": (None, None)}),
                             ([(1, 2, 1)], {"shape": (1, 2, 1)})]), ANY, lambda x, shape: x.copy())


def _range_expected(start, limit, delta, dtype):
    out, v = [], start.item()
    while (v < limit.item()) if delta.item() > 0 else (v > limit.item()):
        out.append(v)
        v += delta.item()
    return np.array(out, dtype=dtype)


# -- shapes computed when the graph runs (ops/dynamic_shape.py) -----------------------------------

def _i32(*values):
    return np.asarray(values, np.int32)


def _fill_make(rng, dtype):
    return [([_i32(*dims), values(rng, (), dtype)], {})
            for dims in [(), (3,), (2, 3), (0, 2), (1, 1, 2)]]


def _dyn_reshape_make(rng, dtype):
    return [([values(rng, s, dtype), _i32(*t)], {}) for s, t in
            [((2, 3), (3, 2)), ((2, 3), (-1,)), ((4,), (2, -1)), ((2, 3, 1), (6,)), ((0, 3), (-1, 3)),
             ((), (1, 1))]]


def _dyn_tile_make(rng, dtype):
    return [([values(rng, s, dtype), _i32(*m)], {}) for s, m in
            [((2,), (3,)), ((2, 3), (1, 2)), ((1, 2), (2, 1)), ((2, 2), (0, 1)), ((), ())]]


def _dyn_untile_make(rng, dtype):
    cases = []
    for s, m in [((2,), (3,)), ((2, 3), (1, 2)), ((1, 2), (2, 1)), ((), ())]:
        like = values(rng, s, dtype)
        cases.append(([values(rng, np.tile(like, m).shape, dtype), like, _i32(*m)], {}))
    return cases


def _range_make(rng, dtype):
    np_dtype = dtypes.as_dtype(dtype).np
    return [([np.asarray(a, np_dtype), np.asarray(b, np_dtype), np.asarray(c, np_dtype)],
             {"dtype": dtypes.as_dtype(dtype).name})
            for a, b, c in [(0, 5, 1), (2, 9, 3), (5, 0, -2), (0, 0, 1), (1, 4, 1)]]


def _dyn_one_hot_make(rng, dtype):
    return [([_i32(*idx), np.asarray(d, np.int32)],
             {"on_value": 1.0, "off_value": 0.0, "axis": axis, "dtype": "float32"})
            for idx, d, axis in [((0, 2), 3, -1), ((1, -1, 5), 4, -1), ((0, 1), 2, 0), ((), 0, -1)]]


def _dyn_slice_cases(rng, dtype):
    """(x, bounds, spec) with ("t", k) bounds; the same keys as strided_slice's spec."""
    t1, t2 = ("t", 1), ("t", 2)
    return [
        (values(rng, (5, 3), dtype), _i32(1, 4), (("s", t1, t2, None),)),
        (values(rng, (5, 3), dtype), _i32(-2), (("i", t1),)),
        (values(rng, (4, 3), dtype), _i32(2), (("s", None, None, None), ("s", None, t1, None))),
        (values(rng, (6,), dtype), _i32(4, -1), (("s", t1, None, ("t", 2)),)),
        (values(rng, (3, 2, 2), dtype), _i32(1), (("i", t1), ("n",))),
    ]


def _dyn_slice_make(rng, dtype):
    return [([x] + [np.asarray(v) for v in b], {"spec": spec})
            for x, b, spec in _dyn_slice_cases(rng, dtype)]


def _resolved(spec, bounds):
    from graphflow.ops.dynamic_shape import _resolve
    return _resolve(spec, {k + 1: int(b) for k, b in enumerate(bounds)})


def _dyn_slice_expected(x, *bounds, spec):
    from graphflow.ops.shape import _spec_key
    return x[_spec_key(_resolved(spec, bounds))]


def _dyn_slice_grad_make(rng, dtype):
    cases = []
    for x, b, spec in _dyn_slice_cases(rng, dtype):
        dy = values(rng, _dyn_slice_expected(x, *b, spec=spec).shape, dtype)
        cases.append(([dy, x] + [np.asarray(v) for v in b], {"spec": spec}))
    return cases


def _dyn_slice_grad_expected(dy, like, *bounds, spec):
    from graphflow.ops.shape import _spec_key
    out = np.zeros_like(like)
    out[_spec_key(_resolved(spec, bounds))] = dy
    return out


_add("fill", _fill_make, FLOATS + INTS + (BOOL,), lambda dims, v: np.full(tuple(dims), v))
_add("dynamic_reshape", _dyn_reshape_make, ANY, lambda x, s: x.reshape(tuple(s)))
_add("dynamic_tile", _dyn_tile_make, ANY, lambda x, m: np.tile(x, tuple(m)))
_add("dynamic_untile", _dyn_untile_make, FLOATS, None)
_add("range", _range_make, FLOATS + INTS, _range_expected)
_add("dynamic_one_hot", _dyn_one_hot_make, (I32,), None)
_add("dynamic_slice", _dyn_slice_make, ANY, _dyn_slice_expected)
_add("dynamic_slice_grad", _dyn_slice_grad_make, FLOATS, _dyn_slice_grad_expected)


# -- control flow (ops with subgraphs) ---------------------------------------------------------
# The bodies are traced once per dtype and shape set; attrs hold them as the ops' builders do.
# save=False: no intermediates output (the gradient then recomputes them with a twin node), so
# every output is a float and finite differences apply.

_BODIES = {}


def _traced(key, fn, specs, n_args):
    """Bodies traced from `fn(*placeholders)` (one per function of `fn`), sharing inputs."""
    from graphflow.ops import subgraph
    found = _BODIES.get(key)
    if found is None:
        bodies, outs = [], []
        for k, f in enumerate(fn):
            body, result = subgraph.trace(f, specs, lambda phs: phs, f"{key[0]}{k}")
            body.n_args = n_args
            outs.append(subgraph.flatten_results(body, list(result), key[0]))
            bodies.append(body)
        for body, out in zip(bodies, outs):  # every placeholder stays an input of the node
            body.graph.outputs, body.graph.targets = out, []
        found = _BODIES[key] = tuple(bodies)
    return found


def _branches(dtype, shape):
    import graphflow as tf
    specs = [(shape, dtype), (shape, dtype)]
    return _traced(("cond", dtype.name, shape), [
        lambda a, b: (a * b, tf.sin(a)),
        lambda a, b: (a + b * b, tf.cos(b) * a),
        lambda a, b: (tf.tanh(a - b), a)], specs, 0)


def _cond_make(rng, dtype):
    cases = []
    for shape in [(), (3,), (2, 3)]:
        true_b, false_b, _ = _branches(dtype, shape)
        for pred in (True, False):
            x, y = values(rng, shape, dtype), values(rng, shape, dtype)
            cases.append(([np.array(pred), x, y], {"branches": (true_b, false_b), "save": False}))
    return cases


def _cond_expected(pred, x, y, branches, save):
    return (x * y, np.sin(x)) if pred else (x + y * y, np.cos(y) * x)


def _switch_make(rng, dtype):
    cases = []
    for shape in [(), (2, 2)]:
        branches = _branches(dtype, shape)
        for index in (0, 1, 2, 7, -1):
            x, y = values(rng, shape, dtype), values(rng, shape, dtype)
            cases.append(([np.array(index, np.int32), x, y], {"branches": branches, "save": False}))
    return cases


def _switch_expected(index, x, y, branches, save):
    i = int(index) if 0 <= int(index) < 3 else 2
    return [(x * y, np.sin(x)), (x + y * y, np.cos(y) * x), (np.tanh(x - y), x)][i]


def _loop(dtype, shape):
    """A loop over (x,) with a captured w, run `maximum_iterations` times (the condition holds
    for the sample values), so finite differences never change the trip count."""
    import graphflow as tf
    specs = [(shape, dtype), (shape, dtype)]
    cond, body = _traced(("while", dtype.name, shape), [
        lambda x, w: [tf.reduce_sum(x) < 1e6],
        lambda x, w: [tf.sin(x) * w + x * 0.5]], specs, 1)
    return {"cond": cond, "body": body, "n_vars": 1, "has_max": True, "save": False,
            "invariants": (("input",),)}


def _while_make(rng, dtype):
    cases = []
    for shape in [(), (3,), (2, 2)]:
        for n in (0, 1, 3):
            x, w = values(rng, shape, dtype), values(rng, shape, dtype)
            cases.append(([x, np.array(n, np.int32), w], _loop(dtype, shape)))
    return cases


def _while_expected(x, n, w, **attrs):
    for _ in range(int(n)):
        x = np.sin(x) * w + x * 0.5
    return x.astype(w.dtype)


_add("cond", _cond_make, FLOATS, _cond_expected)
_add("switch_case", _switch_make, FLOATS, _switch_expected)
_add("while_loop", _while_make, FLOATS, _while_expected)
_add("check_numerics", lambda rng, dtype: [([values(rng, s, dtype)], {"message": "m"})
                                           for s in UNARY_SHAPES], FLOATS + (F16,),
     lambda x, message: x)

# Ops on variant tensors (TensorLists: their inputs or outputs are not arrays the table can
# make or difference) and the stateful twins of the control-flow ops have targeted tests in
# tests/control_flow_cases.py (merged into SKIPPED_OP_TESTS).
VARIANT_OPS = {name for name in REGISTRY if name.startswith("tensor_list_")}
for _name in sorted(VARIANT_OPS):
    SKIP_FORWARD[_name] = "VARIANT: takes or returns a TensorList (targeted test)"
for _name in ("stateful_cond", "stateful_switch_case", "stateful_while_loop"):
    SKIP_FORWARD[_name] = "STATEFUL: bodies with effects (targeted test)"
SKIP_FORWARD["print"] = "STATEFUL: writes to a stream (targeted test)"
SKIP_FORWARD["custom_gradient"] = "STATEFUL: calls a Python grad_fn held in the attrs (targeted test)"
SKIP_FORWARD["write_summary"] = "STATEFUL: writes TensorBoard events (tests/test_summary_tensorboard.py)"
SKIP_FORWARD["assert"] = "STATEFUL: raises when its condition is false (targeted test)"
SKIP_FORWARD["py_function"] = "STATEFUL: calls a Python function held in the attrs (targeted test)"
SKIP_FORWARD["py_function_grad"] = "STATEFUL: re-runs a py_function under a tape (targeted test)"
SKIP_FORWARD["timestamp"] = "STATEFUL: reads the clock (targeted test)"


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


# ======================================================================================

# ops2 (issue 16): special functions, linear algebra, nn and random ops. Everything below this
# line belongs to that package; the expected functions are independent of graphflow/ops.
# =============================================================================================

# -- trigonometric, hyperbolic and special functions ------------------------------------------

def _within(lo, hi):
    return lambda rng, s, d: values(rng, s, d, lo, hi)


def _quiet(fn):
    def expected(*arrays):
        with np.errstate(all="ignore"):
            return fn(*arrays)
    return expected


def _f64(fn):
    """An expected function computed in float64 and rounded to the input's dtype."""
    def expected(*arrays):
        with np.errstate(all="ignore"):
            return np.asarray(fn(*[a.astype(np.float64) for a in arrays])).astype(arrays[0].dtype)
    return expected


def _elementwise(fn):
    """A Python scalar function over every element (for math.gamma, math.erf...)."""
    def apply(x):
        return np.array([fn(float(v)) for v in x.reshape(-1)], dtype=np.float64).reshape(x.shape)
    return apply


def _digamma_expected(x):
    # Shift up by 30 with psi(x) = psi(x + 1) - 1/x, then psi's asymptotic series (a different
    # cutoff and fewer terms than the Cephes reference); reflection below 0.
    out = np.empty(x.shape)
    for idx in np.ndindex(x.shape):
        v = float(x[idx])
        shift = 0.0
        if v < 0.5:
            shift = -math.pi / math.tan(math.pi * v)
            v = 1.0 - v
        acc = 0.0
        while v < 30.0:
            acc -= 1.0 / v
            v += 1.0
        z = 1.0 / (v * v)
        series = z * (1 / 12 - z * (1 / 120 - z * (1 / 252 - z * (1 / 240 - z / 132))))
        out[idx] = math.log(v) - 0.5 / v - series + acc + shift
    return out


def _bessel_series(order):
    """exp(-|x|) I_order(x) from the power series sum (x/2)^(2k+order) / (k! (k+order)!)."""
    def fn(v):
        term = (v / 2) ** order / math.factorial(order)
        total = term
        for k in range(1, 80):
            term *= (v / 2) ** 2 / (k * (k + order))
            total += term
        return total * math.exp(-abs(v))
    return _elementwise(fn)


def _asinh_expected(x):
    a = np.abs(x)
    return np.sign(x) * np.log(a + np.sqrt(a * a + 1))


unary("tan", FLOATS + COMPLEX, _within(-1.2, 1.2), expected=_quiet(lambda x: np.sin(x) / np.cos(x)),
      expected_complex=True)
unary("asin", FLOATS + COMPLEX, _within(-0.9, 0.9),
      expected=_f64(lambda x: np.arctan2(x, np.sqrt(1 - x * x))))
unary("acos", FLOATS + COMPLEX, _within(-0.9, 0.9),
      expected=_f64(lambda x: np.pi / 2 - np.arctan2(x, np.sqrt(1 - x * x))))
unary("atan", FLOATS + COMPLEX, expected=_f64(lambda x: np.arcsin(x / np.sqrt(1 + x * x))))
unary("sinh", FLOATS + COMPLEX, expected=_f64(lambda x: (np.exp(x) - np.exp(-x)) / 2))
unary("cosh", FLOATS + COMPLEX, expected=_f64(lambda x: (np.exp(x) + np.exp(-x)) / 2))
unary("asinh", FLOATS + COMPLEX, expected=_f64(_asinh_expected))
unary("acosh", FLOATS + COMPLEX, _within(1.1, 3.0), expected=_f64(lambda x: np.log(x + np.sqrt(x * x - 1))))
unary("atanh", FLOATS + COMPLEX, _within(-0.9, 0.9), expected=_f64(lambda x: 0.5 * np.log((1 + x) / (1 - x))))
unary("lgamma", FLOATS, off_integer,
      expected=_f64(_elementwise(lambda v: math.log(abs(math.gamma(v))))))
unary("digamma", FLOATS, off_integer, expected=_f64(_digamma_expected))
unary("erfc", FLOATS, expected=_f64(_elementwise(lambda v: 1 - math.erf(v))))
unary("bessel_i0e", FLOATS, lambda rng, s, d: nonzero(rng, s, d, 0.25, 10.0),
      expected=_f64(_bessel_series(0)))
unary("bessel_i1e", FLOATS, lambda rng, s, d: nonzero(rng, s, d, 0.25, 10.0),
      expected=_f64(_bessel_series(1)))
unary("softplus", FLOATS, _within(-4, 4), expected=_f64(lambda x: np.logaddexp(0, x)),
      edge=_edge_values(-100.0, -20.0, 0.0, 20.0, 100.0))


def _positive_second(rng, sx, sy, dtype):
    return [values(rng, sx, dtype), positive(rng, sy, dtype)]


def _atan2_values(rng, sy, sx, dtype):
    return [values(rng, sy, dtype), nonzero(rng, sx, dtype, 0.5, 2.0)]


@_arrays_list
def _zeta_values(rng, sx, sq, dtype):
    return [values(rng, sx, dtype, 1.5, 4.0), values(rng, sq, dtype, 0.5, 3.0)]


def _specials_pairs(rng, dtype):
    """Every pair of 0, +-1, +-inf and NaN: the cases the *_no_nan and x*_y ops define."""
    v = np.array([0.0, -0.0, 1.0, -1.0, 2.0, np.inf, -np.inf, np.nan], dtype=dtypes.as_dtype(dtype).np)
    x, y = np.meshgrid(v, v)
    return [([x.reshape(-1), y.reshape(-1)], {})]


def _pointwise(fn):
    """An expected binary function, evaluated pair by pair in Python floats."""
    def expected(x, y):
        xb, yb = np.broadcast_arrays(x, y)
        out = [fn(float(a), float(b)) for a, b in zip(xb.reshape(-1), yb.reshape(-1))]
        return np.array(out, dtype=np.float64).reshape(xb.shape).astype(
            x.dtype if x.dtype.kind == "f" else np.float64)
    return expected


def _py_log(v):
    return math.log(v) if v > 0 else (-math.inf if v == 0 else math.nan)


def _py_div(a, b):
    if b == 0:
        return math.nan if a == 0 or a != a else math.copysign(math.inf, a) * math.copysign(1, b)
    return a / b


def _py_mul(a, b):
    return math.nan if (math.isinf(a) and b == 0) or (math.isinf(b) and a == 0) else a * b


binary("atan2", FLOATS, _atan2_values, expected=_f64(lambda y, x: np.angle(x + 1j * y)))
binary("xlogy", FLOATS, _positive_second,
       expected=_pointwise(lambda a, b: 0.0 if a == 0 else _py_mul(a, _py_log(b))),
       edge=_specials_pairs)
binary("xlog1py", FLOATS, lambda rng, sx, sy, d: [values(rng, sx, d), values(rng, sy, d, -0.5, 2.0)],
       expected=_pointwise(lambda a, b: 0.0 if a == 0 else _py_mul(a, _py_log(1 + b))),
       edge=_specials_pairs)
binary("xdivy", FLOATS, _nonzero_divisor,
       expected=_pointwise(lambda a, b: 0.0 if a == 0 else _py_div(a, b)),
       edge=_specials_pairs)
binary("divide_no_nan", NUMERIC, _nonzero_divisor,
       expected=_pointwise(lambda a, b: 0.0 if b == 0 else _py_div(a, b)),
       edge=lambda rng, d: _specials_pairs(rng, d) if dtypes.as_dtype(d).is_floating else
       [([np.array([1, 0, -3, 4], d.np), np.array([0, 0, 2, -2], d.np)], {})])
binary("multiply_no_nan", FLOATS,
       expected=_pointwise(lambda a, b: 0.0 if b == 0 else _py_mul(a, b)), edge=_specials_pairs)
def _zeta_euler_maclaurin(s, a, n=1000):
    """sum_k (k + a) ** -s: n terms, then the integral of the tail and two correction terms."""
    head = sum((k + a) ** -s for k in range(n))
    return head + (n + a) ** (1 - s) / (s - 1) + 0.5 * (n + a) ** -s + s * (n + a) ** (-s - 1) / 12


_add("zeta", lambda rng, dtype: [(_zeta_values(rng, sx, sq, dtype), {}) for sx, sq in BINARY_SHAPES],
     FLOATS, _f64(lambda x, q: np.vectorize(_zeta_euler_maclaurin, otypes=[np.float64])(x, q)),
     gen=lambda rng, shapes, dtype: _zeta_values(rng, *shapes, dtype), nondiff=(0,))


def _confusion_make(rng, dtype):
    np_dtype = dtypes.as_dtype(dtype).np
    cases = []
    # num_classes=None (a data-dependent shape) is tested in tests/test_math_ops2.py.
    for n, classes, attr in [(3, 5, 5), (20, 4, 4), (12, 3, 3), (0, 3, 3), (7, 6, 8)]:
        labels = rng.integers(0, classes, size=n).astype(np.int64)
        predictions = rng.integers(0, classes, size=n).astype(np.int64)
        weights = values(rng, (n,), dtype, 0.5, 3.0)
        cases.append(([labels, predictions, weights.astype(np_dtype)],
                      {"num_classes": attr, "dtype": dtypes.as_dtype(dtype).name}))
    return cases


def _confusion_expected(labels, predictions, weights, num_classes, dtype):
    n = num_classes if num_classes is not None else max(
        [int(v) for v in labels] + [int(v) for v in predictions] + [-1]) + 1
    out = np.zeros((n, n), dtype=np.float64)
    for a, b, w in zip(labels, predictions, weights.astype(dtype)):
        out[a, b] += w
    return out.astype(dtype)


_add("confusion_matrix", _confusion_make, (F64, F32, I32), _confusion_expected)


# -- linear algebra ---------------------------------------------------------------------------
# Matrices are well conditioned (a random matrix plus a multiple of the identity); the first
# cases of the invertible ops are 1 x 1 and 0 x 0, which stay invertible when a test replaces
# every value by 1 (test_eager_and_shape_rule_accept_the_same_dtypes).

def _well_conditioned(rng, shape, dtype):
    n = shape[-1]
    a = rng.uniform(-1.0, 1.0, size=shape) + 2.0 * n * np.eye(n) * np.where(
        rng.random(shape[:-2] + (1, 1)) < 0.5, -1.0, 1.0)
    return a.astype(dtypes.as_dtype(dtype).np)


def _spd(rng, shape, dtype):
    b = rng.uniform(-1.0, 1.0, size=shape)
    n = shape[-1]
    return (b @ np.swapaxes(b, -1, -2) + n * np.eye(n)).astype(dtypes.as_dtype(dtype).np)


def _symmetric(rng, shape, dtype):
    b = rng.uniform(-1.0, 1.0, size=shape)
    return ((b + np.swapaxes(b, -1, -2)) / 2 + np.diag(np.arange(shape[-1]) * 1.5)).astype(
        dtypes.as_dtype(dtype).np)


SQUARE_SHAPES = [(1, 1), (0, 0), (2, 1, 1), (3, 3), (2, 2), (2, 3, 3), (4, 4), (0, 2, 2)]


def _square_make(gen, attrs=({},)):
    def make(rng, dtype):
        return [([gen(rng, s, dtype)], dict(a)) for s in SQUARE_SHAPES for a in attrs]
    return make


def _leibniz_det(a):
    import itertools
    n = a.shape[-1]
    out = np.zeros(a.shape[:-2])
    for perm in itertools.permutations(range(n)):
        inversions = sum(perm[i] > perm[j] for i in range(n) for j in range(i + 1, n))
        term = np.ones(a.shape[:-2])
        for i, p in enumerate(perm):
            term = term * a[..., i, p].astype(np.float64)
        out = out + (-1) ** inversions * term
    return out


def _inverse_expected(x, adjoint):
    eye = np.broadcast_to(np.eye(x.shape[-1]), x.shape)
    out = np.linalg.solve(x.astype(np.float64), eye)
    return (np.swapaxes(out, -1, -2) if adjoint else out).astype(x.dtype)


def _slogdet_expected(x):
    d = _leibniz_det(x)
    with np.errstate(divide="ignore"):
        return np.sign(d).astype(x.dtype), np.log(np.abs(d)).astype(x.dtype)


def _singular_matrices(rng, dtype):
    d = dtypes.as_dtype(dtype).np
    return [([np.array([[1.0, 2.0], [2.0, 4.0]], d)], {}),
            ([np.zeros((2, 3, 3), d)], {})]


def _cholesky_expected(x):
    x = x.astype(np.float64)
    out = np.zeros(x.shape)
    for idx in np.ndindex(x.shape[:-2]):
        a, l = x[idx], out[idx]
        for i in range(a.shape[0]):
            for j in range(i + 1):
                s = a[i, j] - sum(l[i, k] * l[j, k] for k in range(j))
                l[i, j] = math.sqrt(s) if i == j else s / l[j, j]
    return out


def _symmetric_fd_view(i, g):
    """What finite differences of a lower-triangle reader measure of a symmetric gradient g:
    the off-diagonal lower entries count twice (each stands for both of its mirror entries),
    the upper ones not at all."""
    sym = np.tril(g + np.swapaxes(g, -1, -2))
    return sym - np.eye(g.shape[-1]) * g


_add("matrix_inverse", _square_make(_well_conditioned, [{"adjoint": False}, {"adjoint": True}]),
     FLOATS, _inverse_expected)
_add("matrix_determinant", _square_make(_well_conditioned), FLOATS,
     lambda x: _leibniz_det(x).astype(x.dtype), edge=_singular_matrices)
_add("log_matrix_determinant", _square_make(_well_conditioned), FLOATS, _slogdet_expected,
     edge=_singular_matrices)
_add("cholesky", _square_make(_spd), FLOATS, lambda x: _cholesky_expected(x).astype(x.dtype),
     fd_view=_symmetric_fd_view)

SOLVE_SHAPES = [((1, 1), (1, 2)), ((0, 0), (0, 3)), ((2, 1, 1), (2, 1, 1)), ((3, 3), (3, 2)),
                ((2, 3, 3), (2, 3, 1)), ((2, 2), (2, 0)), ((4, 4), (4, 4))]


def _solve_make(rng, dtype):
    return [([_well_conditioned(rng, sa, dtype), values(rng, sb, dtype)], {"adjoint": adj})
            for sa, sb in SOLVE_SHAPES for adj in (False, True)]


def _solve_expected(a, b, adjoint):
    a = np.swapaxes(a, -1, -2) if adjoint else a
    inv = np.linalg.solve(a.astype(np.float64), np.broadcast_to(np.eye(a.shape[-1]), a.shape))
    return (inv @ b.astype(np.float64)).astype(b.dtype)


_add("matrix_solve", _solve_make, FLOATS, _solve_expected)

TRI_SHAPES = [((1, 1), (1, 2)), ((3, 3), (3, 2)), ((2, 2), (3, 2, 1)), ((3, 2, 2), (2, 1)),
              ((2, 3, 3), (2, 3, 2)), ((0, 0), (0, 1)), ((4, 4), (4, 3))]


def _tri_make(rng, dtype):
    return [([_well_conditioned(rng, sa, dtype), values(rng, sb, dtype)],
             {"lower": lower, "adjoint": adj})
            for sa, sb in TRI_SHAPES for lower in (True, False) for adj in (False, True)]


def _tri_expected(a, b, lower, adjoint):
    # Substitution element by element (IEEE division: a zero pivot gives inf/NaN, as TF).
    t = np.tril(a) if lower else np.triu(a)
    t = np.swapaxes(t, -1, -2) if adjoint else t
    lower = lower != adjoint
    batch = np.broadcast_shapes(t.shape[:-2], b.shape[:-2])
    t = np.broadcast_to(t, batch + t.shape[-2:]).astype(np.float64)
    b = np.broadcast_to(b, batch + b.shape[-2:]).astype(np.float64)
    x = np.zeros(b.shape)
    n = t.shape[-1]
    with np.errstate(all="ignore"):
        for idx in np.ndindex(batch + (b.shape[-1],)):
            m, col = idx[:-1], idx[-1]
            for i in (range(n) if lower else reversed(range(n))):
                others = range(i) if lower else range(i + 1, n)
                rest = b[m + (i, col)] - sum(t[m + (i, j)] * x[m + (j, col)] for j in others)
                x[m + (i, col)] = np.float64(rest) / t[m + (i, i)]
    return x.astype(a.dtype)


def _tri_singular(rng, dtype):
    d = dtypes.as_dtype(dtype).np
    return [([np.array([[0.0, 0.0], [1.0, 4.0]], d), np.array([[1.0], [2.0]], d)],
             {"lower": True, "adjoint": False})]


_add("matrix_triangular_solve", _tri_make, FLOATS, _tri_expected,
     edge=lambda rng, d: _tri_singular(rng, d))

# Decompositions: unique only up to signs, so their values are checked by the properties that
# define them in tests/test_linalg_ops2.py (no expected function here).
RECT_SHAPES = [(1, 1), (3, 2), (2, 3), (3, 3), (2, 4, 3), (2, 2, 3), (0, 2), (4, 1)]


def _rect_make(attrs):
    def make(rng, dtype):
        return [([values(rng, s, dtype)], dict(a)) for s in RECT_SHAPES for a in attrs]
    return make


def _qr_edge(rng, dtype):  # full_matrices with more rows than columns has no gradient (TF)
    return [([values(rng, (4, 2), dtype)], {"full_matrices": True})]


_add("qr", _rect_make([{"full_matrices": False}]), FLOATS, edge=_qr_edge)


def _svd_make(rng, dtype):
    cases = _rect_make([{"full_matrices": False, "compute_uv": True},
                        {"full_matrices": False, "compute_uv": False}])(rng, dtype)
    cases += [([values(rng, s, dtype)], {"full_matrices": True, "compute_uv": True})
              for s in [(3, 2), (2, 3), (3, 3)]]
    return cases


_add("svd", _svd_make, FLOATS)
_add("self_adjoint_eig", _square_make(_symmetric, [{"compute_v": True}, {"compute_v": False}]),
     FLOATS)


def _lstsq_make(rng, dtype):
    return [([values(rng, sa, dtype), values(rng, sb, dtype)], {})
            for sa, sb in [((3, 2), (3, 1)), ((2, 3), (2, 2)), ((2, 4, 3), (2, 4, 1)),
                           ((3, 3), (3, 2)), ((0, 2), (0, 1))]]


_add("matrix_solve_ls", _lstsq_make, FLOATS,
     lambda a, b: (np.linalg.pinv(a.astype(np.float64)) @ b).astype(a.dtype))


# -- depthwise convolution (NHWC, filters (kh, kw, C, M)) ---------------------------------------

def naive_depthwise_conv2d(x, w, strides, padding, dilations=(1, 1)):
    kh, kw, c, mult = w.shape
    oshape = _pool_out_shape(x.shape, kh, kw, strides, padding, dilations)[:3] + (c * mult,)
    out = np.zeros(oshape, dtype=np.float64)
    for n, a, b, i, j, r, q in _conv_taps(x.shape, kh, kw, strides, padding, dilations):
        for ch in range(c):
            for m in range(mult):
                out[n, a, b, ch * mult + m] += float(x[n, r, q, ch]) * float(w[i, j, ch, m])
    return out.astype(x.dtype)


def naive_depthwise_backprop_input(dy, w, like, strides, padding, dilations=(1, 1)):
    kh, kw, c, mult = w.shape
    out = np.zeros(like.shape, dtype=np.float64)
    for n, a, b, i, j, r, q in _conv_taps(like.shape, kh, kw, strides, padding, dilations):
        for ch in range(c):
            for m in range(mult):
                out[n, r, q, ch] += float(dy[n, a, b, ch * mult + m]) * float(w[i, j, ch, m])
    return out.astype(dy.dtype)


def naive_depthwise_backprop_filter(x, dy, like, strides, padding, dilations=(1, 1)):
    kh, kw, c, mult = like.shape
    out = np.zeros(like.shape, dtype=np.float64)
    for n, a, b, i, j, r, q in _conv_taps(x.shape, kh, kw, strides, padding, dilations):
        for ch in range(c):
            for m in range(mult):
                out[i, j, ch, m] += float(x[n, r, q, ch]) * float(dy[n, a, b, ch * mult + m])
    return out.astype(x.dtype)


DEPTHWISE_CASES = [((1, 5, 5, 2), (3, 3, 2, 1), (1, 1), "VALID"),
                   ((2, 5, 4, 3), (3, 2, 3, 2), (1, 1), "SAME"),
                   ((1, 7, 6, 2), (3, 3, 2, 3), (2, 2), "SAME"),
                   ((2, 6, 7, 1), (2, 3, 1, 2), (2, 1), "VALID"),
                   ((1, 4, 4, 2), (4, 4, 2, 1), (1, 1), "VALID"),
                   # dilated (the primitive also takes strides with dilations; the public
                   # tf.nn.depthwise_conv2d refuses that combination, as TF requires)
                   ((1, 7, 6, 2), (3, 2, 2, 2), (1, 1), "SAME", (2, 3)),
                   ((2, 7, 7, 1), (2, 2, 1, 2), (2, 1), "VALID", (3, 2))]
DEPTHWISE_EDGE = [((0, 5, 5, 2), (3, 3, 2, 1), (1, 1), "SAME"),
                  ((1, 4, 4, 2), (3, 3, 2, 0), (1, 1), "VALID"),
                  ((1, 0, 4, 1), (3, 3, 1, 2), (2, 2), "SAME")]


def _depthwise_make(which, table):
    def make(rng, dtype):
        cases = []
        for xs, ws, strides, padding, *dilations in table:
            dilations = dilations[0] if dilations else (1, 1)
            x, w = quarters(rng, xs, dtype), quarters(rng, ws, dtype)
            oshape = _pool_out_shape(xs, ws[0], ws[1], strides, padding,
                                     dilations)[:3] + (ws[2] * ws[3],)
            dy = quarters(rng, oshape, dtype)
            arrays = {"depthwise_conv2d": [x, w], "depthwise_conv2d_backprop_input": [dy, w, x],
                      "depthwise_conv2d_backprop_filter": [x, dy, w]}[which]
            cases.append((arrays, {"strides": strides, "padding": padding,
                                   "dilations": dilations}))
        return cases
    return make


for _name, _expected in [("depthwise_conv2d", naive_depthwise_conv2d),
                         ("depthwise_conv2d_backprop_input", naive_depthwise_backprop_input),
                         ("depthwise_conv2d_backprop_filter", naive_depthwise_backprop_filter)]:
    _add(_name, _depthwise_make(_name, DEPTHWISE_CASES), FLOATS, _expected,
         edge=_depthwise_make(_name, DEPTHWISE_EDGE))


# -- random: the stateless ops (pure functions of a seed) and the gamma sampler's gradient -----

SEEDS = [np.array([1, 2], np.int64), np.array([-7, 2 ** 40], np.int64),
         np.array([0, 0], np.int32), np.array([3, 4], np.int64)]
STATELESS_SHAPES = [(3,), (2, 3), (), (0, 2)]


def _stateless_make(extra=lambda rng, dtype: ({}, [])):
    def make(rng, dtype):
        cases = []
        for seed, shape in zip(SEEDS, STATELESS_SHAPES):
            attrs, first = extra(rng, dtype)
            cases.append((first + [seed.copy()], {"shape": shape, "dtype": dtypes.as_dtype(dtype).name,
                                                  **attrs}))
        return cases
    return make


def _uniform_int_bounds(rng, dtype):
    return {"minval": -3, "maxval": 5}, []


def _stateless_param_make(gen):
    def make(rng, dtype):
        return [([gen(rng, ps, dtype), seed.copy()], {"shape": shape, "dtype": dtypes.as_dtype(dtype).name})
                for seed, shape, ps in zip(SEEDS, [(4,), (2,), (), (3, 0)], [(2,), (2, 3), (), (1,)])]
    return make


def _stateless_categorical_make(rng, dtype):
    return [([values(rng, ls, dtype), seed.copy()], {"num_samples": k, "dtype": out})
            for seed, ls, k, out in zip(SEEDS, [(2, 3), (1, 4), (3, 2), (0, 3)], [5, 2, 0, 3],
                                        ["int64", "int32", "int64", "int64"])]


_add("stateless_random_uniform", _stateless_make(), FLOATS)
_add("stateless_random_uniform_int", _stateless_make(_uniform_int_bounds), INTS)
_add("stateless_random_normal", _stateless_make(), FLOATS)
_add("stateless_truncated_normal", _stateless_make(), FLOATS)
_add("stateless_categorical", _stateless_categorical_make, FLOATS)
_add("stateless_random_poisson", _stateless_param_make(lambda r, s, d: positive(r, s, d, 0.5, 6.0)),
     FLOATS)
_add("stateless_random_gamma", _stateless_param_make(lambda r, s, d: positive(r, s, d, 0.3, 4.0)),
     FLOATS, fd_skip="a sampler's implicit (distributional) gradient: tests/test_random_ops2.py")


def _gamma_grad_make(rng, dtype):
    cases = []
    for sa, sx in [((3,), (3,)), ((2, 1), (2, 3)), ((), (4,)), ((2,), (5, 2)), ((0,), (0,))]:
        alpha = positive(rng, sa, dtype, 0.2, 6.0)
        cases.append(([alpha, positive(rng, sx, dtype, 0.05, 8.0)], {}))
    return cases


_add("random_gamma_grad", _gamma_grad_make, FLOATS)


# -- inverse error functions, incomplete gamma, nextafter --------------------------------------

def _bisect(f, target, lo, hi, steps=200):
    """The root of increasing f(y) = target in [lo, hi] by bisection (independent of graphflow)."""
    for _ in range(steps):
        mid = 0.5 * (lo + hi)
        if f(mid) < target:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-17 * max(1.0, abs(mid)):
            break
    return 0.5 * (lo + hi)


def _ndtri_expected(p):
    def one(v):
        if not 0 <= v <= 1:
            return math.nan
        if v in (0.0, 1.0):
            return -math.inf if v == 0 else math.inf
        return _bisect(lambda y: 0.5 * math.erfc(-y / math.sqrt(2)), v, -40, 40)
    return _elementwise(one)(p)


def _erfinv_expected(x):
    def one(v):
        if not -1 <= v <= 1:
            return math.nan
        if abs(v) == 1:
            return math.copysign(math.inf, v)
        if v >= 0:  # solve erfc(y) = 1 - v, accurate where erf is flat
            return _bisect(lambda y: -math.erfc(y), -(1 - v), 0.0, 30.0) if v else 0.0
        return -one(-v)
    return _elementwise(one)(x)


def _igamma_series(a, x):
    """P(a, x) = e^-x sum_n x^(a + n) / Gamma(a + n + 1), each term from math.lgamma."""
    if x == 0:
        return 0.0
    total, n = 0.0, 0
    while True:
        term = math.exp((a + n) * math.log(x) - x - math.lgamma(a + n + 1))
        total += term
        n += 1
        if term < 1e-18 * total and n > x:
            return total


def _igamma_values(rng, sa, sx, dtype):
    return [values(rng, sa, dtype, 0.5, 4.0), values(rng, sx, dtype, 0.1, 6.0)]


def _igamma_expected(upper):
    def expected(a, x):
        ab, xb = np.broadcast_arrays(a, x)
        out = [_igamma_series(float(p), float(q)) for p, q in zip(ab.reshape(-1), xb.reshape(-1))]
        out = np.array(out, dtype=np.float64).reshape(ab.shape)
        return (1.0 - out if upper else out).astype(a.dtype)
    return expected


def _nextafter_expected(x, y):
    xb, yb = np.broadcast_arrays(x, y)
    out = []
    for a, b in zip(xb.reshape(-1), yb.reshape(-1)):
        a, b = x.dtype.type(a), x.dtype.type(b)
        if a != a or b != b:
            out.append(np.nan)
        elif a == b:
            out.append(b)
        elif a == 0:
            tiny = np.finfo(x.dtype).smallest_subnormal
            out.append(tiny if b > 0 else -tiny)
        else:
            bits = np.array(a).view(np.int64 if x.dtype == np.float64 else np.int32)
            step = 1 if (b > a) == (a > 0) else -1
            out.append((bits + step).view(x.dtype))
    return np.array(out, dtype=x.dtype).reshape(xb.shape)


unary("ndtri", FLOATS, _within(0.02, 0.98), expected=_f64(_ndtri_expected),
      edge=_edge_values(0.0, 1e-300, 1e-10, 0.5, 1.0, -0.5, 2.0))
unary("erfinv", FLOATS, _within(-0.95, 0.95), expected=_f64(_erfinv_expected),
      edge=_edge_values(-1.0, -1e-20, 0.0, 0.999999, 1.0, 1.5))
unary("erfcinv", FLOATS, _within(0.05, 1.95),
      expected=_f64(lambda z: _erfinv_expected(1.0 - z)), edge=_edge_values(0.0, 1.0, 2.0, 3.0))
binary("igamma", FLOATS, _igamma_values, expected=_igamma_expected(False))
binary("igammac", FLOATS, _igamma_values, expected=_igamma_expected(True))
binary("igamma_grad_a", FLOATS, _igamma_values)  # checked against TF 2.21 in test_math_ops2.py
binary("nextafter", FLOATS, expected=_nextafter_expected, edge=_specials_pairs)


# -- invert_permutation, bincount ----------------------------------------------------------------

def _permutation_make(rng, dtype):
    return [([rng.permutation(n).astype(dtypes.as_dtype(dtype).np)], {}) for n in (5, 1, 0, 8)]


def _permutation_expected(x):
    out = np.empty_like(x)
    for i, v in enumerate(x):
        out[v] = i
    return out


def _bincount_make(rng, dtype):
    d = dtypes.as_dtype(dtype).np
    cases = []
    for shape, size, rows, binary in [((7,), 5, False, False), ((3, 4), 6, True, False),
                                      ((6,), 2, False, True), ((0,), 0, False, False),
                                      ((2, 5), 3, True, True)]:
        arr = rng.integers(0, 5, size=shape).astype(np.int32)
        weights = values(rng, shape, dtype, 0.5, 2.0).astype(d)
        cases.append(([arr, weights], {"size": size, "dtype": dtypes.as_dtype(dtype).name,
                                       "binary_output": binary, "rows": rows}))
    return cases


def _bincount_expected(arr, weights, size, dtype, binary_output, rows):
    a = arr.reshape(arr.shape[0], -1) if rows else arr.reshape(1, -1)
    w = weights.reshape(a.shape)
    out = np.zeros((a.shape[0], size), dtype=np.float64)
    for r in range(a.shape[0]):
        for v, wt in zip(a[r], w[r]):
            if v < size:
                out[r, v] = 1.0 if binary_output else out[r, v] + float(wt)
    out = out.astype(dtype)
    return out if rows else out[0]


_add("invert_permutation", _permutation_make, INTS, _permutation_expected,
     value_checks="x must be a permutation of 0 .. n - 1")
_add("bincount", _bincount_make, (F32, F64, I32), _bincount_expected)


def _fold_in_make(rng, dtype):
    return [([seed.copy(), np.array(d, dtype=np.int64 if d > 2 ** 31 or i % 2 else np.int32)], {})
            for i, (seed, d) in enumerate(zip(SEEDS, [5, 0, 2 ** 40, 7]))]


_add("random_fold_in", _fold_in_make, (I64,))


# -- strings (graphflow/ops/strings.py, ops/ragged.py) -----------------------------------------

STRING = dtypes.string
# Ops whose output shape depends on the data (the rule gives None there).
DATA_DEPENDENT_SHAPES |= {"where_indices", "string_split", "unicode_split", "bytes_split",
                         "ragged_to_dense", "decode_image", "aspect_ratio_box"}
_ALPHABET = ["a", "b", "Z", " ", "\t", "1", "-", "é", "ß", ",", "x7"]


def strings(rng, shape, dtype=None, alphabet=_ALPHABET, max_len=6):
    """An object array of random byte strings (ASCII, whitespace, two-byte UTF-8 letters)."""
    out = np.empty(shape, object)
    flat = out.reshape(-1)
    for i in range(flat.size):
        n = int(rng.integers(0, max_len + 1))
        flat[i] = "".join(alphabet[int(k)] for k in rng.integers(0, len(alphabet), n)).encode()
    return out


def _smap(fn, x, dtype=object):
    out = np.empty(x.shape, dtype)
    for idx in np.ndindex(x.shape):
        out[idx] = fn(x[idx])
    return out


STRING_SHAPES = [(), (3,), (2, 3), (0,), (2, 0)]


def _string_unary(name, attrs_list, expected):
    def make(rng, dtype):
        return [([strings(rng, s)], dict(a)) for s in STRING_SHAPES for a in attrs_list]
    _add(name, make, (STRING,), expected)


def _case_expected(upper):
    def expected(x, encoding):
        if encoding == "":
            return _smap(lambda b: bytes(c - 32 if upper and 97 <= c <= 122 else
                                         c + 32 if not upper and 65 <= c <= 90 else c
                                         for c in b), x)
        return _smap(lambda b: (b.decode().upper() if upper else b.decode().lower()).encode(), x)
    return expected


_string_unary("string_lower", [{"encoding": ""}, {"encoding": "utf-8"}], _case_expected(False))
_string_unary("string_upper", [{"encoding": ""}, {"encoding": "utf-8"}], _case_expected(True))
_string_unary("string_strip", [{}], lambda x: _smap(lambda b: b.strip(b" \t\n\v\f\r"), x))
_string_unary("string_length", [{"unit": "BYTE"}, {"unit": "UTF8_CHAR"}],
              lambda x, unit: _smap(len if unit == "BYTE" else lambda b: len(b.decode()), x,
                                    np.int32))
_string_unary("regex_replace", [{"pattern": "[ab]+", "rewrite": "<\\0>", "replace_global": True},
                                {"pattern": "(\\w)(\\d)", "rewrite": "\\2\\1",
                                 "replace_global": False}],
              lambda x, pattern, rewrite, replace_global: _smap(
                  lambda b: __import__("re").sub(pattern, rewrite.replace("\\0", "\\g<0>"),
                                                 b.decode(), 0 if replace_global else 1,
                                                 flags=__import__("re").ASCII).encode(), x))
_string_unary("regex_full_match", [{"pattern": "[a-z ]*"}, {"pattern": ".*1.*"}],
              lambda x, pattern: _smap(lambda b: __import__("re").fullmatch(
                  pattern, b.decode(), flags=__import__("re").ASCII) is not None, x, np.bool_))
for _name, _fn in [("to_hash_bucket_fast", "fingerprint64"), ("to_hash_bucket", "legacy_hash64")]:
    _string_unary(_name, [{"num_buckets": 10}, {"num_buckets": 2 ** 40}], None)
_string_unary("to_hash_bucket_strong", [{"num_buckets": 7, "key": (1, 2)},
                                        {"num_buckets": 2 ** 62, "key": (2 ** 63 + 5, 3)}], None)


def _number_strings(rng, shape, kind):
    out = np.empty(shape, object)
    for idx in np.ndindex(shape):
        v = rng.integers(-1000, 1000) if kind == "i" else rng.uniform(-1e3, 1e3)
        out[idx] = (f" {v} " if rng.random() < 0.3 else f"{v}").encode()
    return out


def _to_number_make(rng, dtype):
    return [([_number_strings(rng, s, t[0])], {"out_type": t})
            for s in STRING_SHAPES for t in ("float32", "float64", "int32", "int64")]


_add("string_to_number", _to_number_make, (STRING,),
     lambda x, out_type: _smap(lambda b: (int if out_type[0] == "i" else float)(b.strip()), x,
                               np.dtype(out_type)))


def _as_string_make(rng, dtype):
    attrs = [{}, {"width": 7}, {"width": 6, "fill": "0"}]
    if dtypes.as_dtype(dtype).is_floating:
        attrs += [{"precision": 2}, {"scientific": True}, {"shortest": True, "fill": " "}]
    full = {"precision": -1, "scientific": False, "shortest": False, "width": -1, "fill": ""}
    return [([values(rng, s, dtype, -50, 50)], {**full, **a}) for s in [(), (4,), (2, 3), (0,)]
            for a in attrs]


def _as_string_expected(x, precision, scientific, shortest, width, fill):
    if x.dtype.kind == "b":  # TF ignores width and fill for bools
        return _smap(lambda v: b"true" if v else b"false", x)
    w = "" if width < 0 else str(width)
    if x.dtype.kind == "f":
        conv = "e" if scientific else "g" if shortest else "f"
        p = "" if precision < 0 else f".{precision}"
        return _smap(lambda v: f"{float(v):{fill}{w}{p}{conv}}".encode(), x)
    return _smap(lambda v: f"{int(v):{fill}{w}d}".encode(), x)


_add("as_string", _as_string_make, (F32, I32, I64, BOOL), _as_string_expected)


def _join_make(rng, dtype):
    shapes = [[(3,), (3,)], [(), (2, 2), ()], [(0,), ()], [(2,)], [(), ()]]
    return [([strings(rng, s) for s in case], {"separator": sep})
            for case in shapes for sep in ("", ", ")]


def _join_expected(*xs, separator):
    shape = np.broadcast_shapes(*[x.shape for x in xs])
    parts = [np.broadcast_to(x, shape) for x in xs]
    out = np.empty(shape, object)
    for idx in np.ndindex(shape):
        out[idx] = separator.encode().join(p[idx] for p in parts)
    return out


_add("string_join", _join_make, (STRING,), _join_expected)

REDUCE_JOIN_CASES = [((2, 3), None, False), ((2, 3), (1,), False), ((2, 3), (0,), True),
                     ((2, 3, 2), (2, 0), False), ((2, 3, 2), (0, 2), True), ((0, 2), None, False),
                     ((0, 2), (0,), False), ((3,), (), False)]


def _reduce_join_make(rng, dtype):
    return [([strings(rng, s, max_len=2)], {"axis": a, "keepdims": k, "separator": sep})
            for s, a, k in REDUCE_JOIN_CASES for sep in ("", ".")]


def _reduce_join_expected(x, axis, keepdims, separator):
    # Join along the first listed axis fastest: an explicit loop over output positions.
    axes = tuple(reversed(range(x.ndim))) if axis is None else axis
    kept = [a for a in range(x.ndim) if a not in axes]
    out = np.empty([x.shape[a] for a in kept], object)
    for pos in np.ndindex(out.shape):
        pieces = []
        slowest_first = [x.shape[a] for a in reversed(axes)]
        for combo in np.ndindex(*slowest_first):
            index = [0] * x.ndim
            for a, p in zip(kept, pos):
                index[a] = p
            for a, c in zip(reversed(axes), combo):  # the last listed axis is the slowest
                index[a] = c
            pieces.append(x[tuple(index)])
        out[pos] = separator.encode().join(pieces)
    if keepdims:
        out = out.reshape([1 if a in axes else d for a, d in enumerate(x.shape)])
    return out


_add("reduce_join", _reduce_join_make, (STRING,), _reduce_join_expected)


def _substr_make(rng, dtype):
    x = np.array([b"Hello", b"w\xc3\xa9rld!", b"", b"ab"], object)
    return [([x, np.array(p, np.int32), np.array(n, np.int32)], {"unit": u})
            for p, n in [(0, 2), (0, -1), ([1, 2, 0, -2], [3, 0, 5, 1])]
            for u in ("BYTE", "UTF8_CHAR")] + \
        [([strings(rng, (2, 3), max_len=4) + b"xyz", np.array([[0], [1]], np.int64),
           np.array([2, 1, 9], np.int64)], {"unit": "BYTE"})]


def _substr_expected(x, pos, n, unit):
    shape = np.broadcast_shapes(x.shape, pos.shape, n.shape)
    out = np.empty(shape, object)
    for idx in np.ndindex(shape):
        s = np.broadcast_to(x, shape)[idx]
        s = s if unit == "BYTE" else s.decode()
        p, k = int(np.broadcast_to(pos, shape)[idx]), int(np.broadcast_to(n, shape)[idx])
        p = p % len(s) if p < 0 else p
        piece = s[p:] if k < 0 else s[p:p + k]
        out[idx] = piece if unit == "BYTE" else piece.encode()
    return out


_add("substr", _substr_make, (STRING,), _substr_expected)


def _string_split_make(attrs_list):
    def make(rng, dtype):
        return [([strings(rng, s, alphabet=["a", " ", ",", "bc", "\t", "é"], max_len=8)], dict(a))
                for s in [(3,), (1,), (0,), (5,)] for a in attrs_list]
    return make


def _string_split_expected(pieces):
    def expected(x, **attrs):
        rows = [pieces(b, **attrs) for b in x]
        values_ = np.empty(sum(len(r) for r in rows), object)
        values_[:] = [p for r in rows for p in r]
        return values_, np.cumsum([0] + [len(r) for r in rows]).astype(np.int64)
    return expected


_add("string_split", _string_split_make([{"sep": "", "maxsplit": -1}, {"sep": ",", "maxsplit": -1},
                                  {"sep": " ", "maxsplit": 1}]), (STRING,),
     _string_split_expected(lambda b, sep, maxsplit: b.split(sep.encode() or None, maxsplit)))
_add("unicode_split", _string_split_make([{"input_encoding": "UTF-8", "errors": "replace",
                                    "replacement_char": 65533}]), (STRING,),
     _string_split_expected(lambda b, **a: [c.encode() for c in b.decode()]))
_add("bytes_split", _string_split_make([{}]), (STRING,),
     _string_split_expected(lambda b: [bytes([c]) for c in b]))


def _ragged_make(rng, dtype):
    dtype = dtypes.as_dtype(dtype)

    def vals(n, *inner):
        return strings(rng, (n,) + inner) if dtype is STRING else values(rng, (n,) + inner, dtype)
    fill = np.array(b"?", object) if dtype is STRING else np.array(7, dtype.np)
    splits = [np.array(s, np.int64) for s in ([0, 2, 2, 5], [0], [0, 0], [0, 1, 3])]
    return [([vals(int(s[-1]), *inner), s, fill], {"shape": shape})
            for s, inner, shape in [(splits[0], (), None), (splits[1], (), None),
                                    (splits[2], (), None), (splits[3], (2,), None),
                                    (splits[0], (), (2, 4)), (splits[3], (2,), (3, 1, 3))]]


def _ragged_expected(v, splits, default, shape):
    rows = [v[a:b] for a, b in zip(splits[:-1], splits[1:])]
    width = max((len(r) for r in rows), default=0)
    dense = np.empty((len(rows), width) + v.shape[1:], v.dtype)
    dense[...] = default
    for i, r in enumerate(rows):
        dense[i, :len(r)] = r
    if shape is None:
        return dense
    out = np.empty(shape, v.dtype)
    out[...] = default
    common = tuple(slice(0, min(a, b)) for a, b in zip(shape, dense.shape))
    out[common] = dense[common]
    return out


_add("ragged_to_dense", _ragged_make, (STRING, F32, F64, I32), _ragged_expected)


# -- images (graphflow/ops/image_resize.py, image_codecs.py) -----------------------------------

RESIZE_CASES = [((1, 3, 4, 2), (5, 2), "bilinear", False), ((2, 5, 5, 1), (2, 3), "bilinear", True),
                ((1, 4, 3, 1), (4, 3), "nearest", False), ((1, 2, 6, 2), (3, 4), "nearest", False),
                ((1, 6, 4, 1), (4, 3), "area", False), ((1, 1, 1, 3), (2, 2), "bilinear", False)]


def _resize_make(rng, dtype):
    return [([values(rng, s, dtype)], {"size": size, "method": m, "antialias": aa})
            for s, size, m, aa in RESIZE_CASES]


def _naive_axis(method, out_size, in_size, antialias):
    """One axis of a resize as a matrix, from TF's formulas written per output pixel."""
    w = np.zeros((out_size, in_size))
    s = in_size / out_size
    for o in range(out_size):
        if method == "nearest":
            w[o, min(int(math.floor((o + 0.5) * s)), in_size - 1)] = 1
        elif method == "area":
            lo, hi = o * s, (o + 1) * s
            for i in range(in_size):
                w[o, i] = max(0.0, min(i + 1, hi) - max(i, lo)) / s
        else:  # bilinear: a triangle of radius 1 (widened by the scale when antialiasing)
            radius = max(s, 1.0) if antialias else 1.0
            center = (o + 0.5) * s
            taps = [max(0.0, 1 - abs(i + 0.5 - center) / radius) for i in range(in_size)]
            w[o] = np.array(taps) / sum(taps)
    return w


def _resize_expected(x, size, method, antialias):
    wh = _naive_axis(method, size[0], x.shape[1], antialias)
    ww = _naive_axis(method, size[1], x.shape[2], antialias)
    return np.einsum("oh,pw,bhwc->bopc", wh, ww, x.astype(np.float64)).astype(x.dtype)


def _resize_grad_make(rng, dtype):
    return [([values(rng, (s[0],) + size + (s[3],), dtype), values(rng, s, dtype)],
             {"size": size, "method": m, "antialias": aa}) for s, size, m, aa in RESIZE_CASES]


def _resize_grad_expected(dy, x, size, method, antialias):
    wh = _naive_axis(method, size[0], x.shape[1], antialias)
    ww = _naive_axis(method, size[1], x.shape[2], antialias)
    return np.einsum("oh,pw,bopc->bhwc", wh, ww, dy.astype(np.float64)).astype(dy.dtype)


_add("resize_images", _resize_make, (F32, F64), _resize_expected)
_add("resize_images_grad", _resize_grad_make, (F32, F64), _resize_grad_expected)

_IMAGE_SHAPES = [(3, 4, 1), (2, 5, 3), (4, 2, 4), (1, 1, 3)]


def _encoded(image, fmt="PNG"):
    import io
    from PIL import Image
    buffer = io.BytesIO()
    mode = {1: "L", 3: "RGB", 4: "RGBA"}[image.shape[2]]
    Image.fromarray(image[..., 0] if mode == "L" else image, mode).save(buffer, format=fmt)
    return buffer.getvalue()


def _decode_make(rng, dtype):
    cases = []
    for shape in _IMAGE_SHAPES:
        image = rng.integers(0, 256, shape).astype(np.uint8)
        for channels in (0, 3):
            cases.append(([np.array(_encoded(image), dtype=object)],
                          {"channels": channels, "expand_animations": False, "animated": "never",
                           "op": "decode_image"}))
    return cases


def _decode_expected(contents, channels, expand_animations, animated, op):
    import io
    from PIL import Image
    image = np.asarray(Image.open(io.BytesIO(contents[()])))
    image = image.reshape(image.shape[:2] + (-1,))
    if channels == 3 and image.shape[2] == 1:
        image = np.repeat(image, 3, axis=2)
    if channels == 3 and image.shape[2] == 4:
        image = image[..., :3]
    return image


_add("decode_image", _decode_make, (STRING,), _decode_expected)


def _encode_make(attrs):
    def make(rng, dtype):
        return [([rng.integers(0, 256, s).astype(np.uint8)], dict(attrs))
                for s in _IMAGE_SHAPES if s[2] != 4 or "quality" not in attrs]
    return make


_add("encode_png", _encode_make({"compression": -1}), (U8,))
_add("encode_jpeg", _encode_make({"quality": 90}), (U8,))


# -- WAV (graphflow/ops/audio.py); Python's wave module is the independent reference ---------

DATA_DEPENDENT_SHAPES |= {"decode_wav"}


def _wav_bytes(pcm, rate):
    import io
    import wave
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(pcm.shape[1])
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.astype("<i2").tobytes())
    return buffer.getvalue()


def _decode_wav_make(rng, dtype):
    cases = []
    for frames, channels in [(5, 1), (3, 2), (0, 1), (4, 3)]:
        pcm = rng.integers(-32768, 32768, (frames, channels))
        for desired in [(-1, -1), (2, -1), (1, 6), (-1, 2)]:
            cases.append(([np.array(_wav_bytes(pcm, 8000 + frames), dtype=object)],
                          {"desired_channels": desired[0], "desired_samples": desired[1]}))
    return cases


def _decode_wav_expected(contents, desired_channels, desired_samples):
    import io
    import wave
    with wave.open(io.BytesIO(contents[()])) as w:
        channels, rate = w.getnchannels(), w.getframerate()
        pcm = np.frombuffer(w.readframes(w.getnframes()), "<i2").reshape(-1, channels)
    audio = pcm / 32768.0
    if desired_channels >= 0:
        audio = np.concatenate([audio] + [audio[:, -1:]] * desired_channels, 1)
        audio = audio[:, :desired_channels]
    if desired_samples >= 0:
        audio = np.concatenate([audio, np.zeros((desired_samples, audio.shape[1]))])
        audio = audio[:desired_samples]
    return audio.astype(np.float32), np.array(rate, np.int32)


def _encode_wav_make(rng, dtype):
    return [([rng.uniform(-1.2, 1.2, shape).astype(np.float32), np.array(rate, np.int32)], {})
            for shape, rate in [((6, 1), 8000), ((3, 2), 44100), ((0, 1), 16000), ((2, 4), 1)]]


def _encode_wav_expected(audio, sample_rate):
    pcm = np.clip(np.fix(audio.astype(np.float64) * 32768 + np.copysign(0.5, audio)), -32768, 32767)
    return np.array(_wav_bytes(pcm.reshape(audio.shape), int(sample_rate)), dtype=object)


_add("decode_wav", _decode_wav_make, (STRING,), _decode_wav_expected)
_add("encode_wav", _encode_wav_make, (F32,), _encode_wav_expected)
SKIP_FORWARD["read_file"] = "STATEFUL: reads the file system (targeted test)"
SKIP_FORWARD["write_file"] = "STATEFUL: writes the file system (targeted test)"


def _aspect_make(rng, dtype):
    return [([values(rng, s, dtype)], {"size": size, "mode": mode})
            for s, size in [((4, 6, 2), (2, 2)), ((6, 4, 1), (3, 6)), ((5, 5, 3), (5, 5))]
            for mode in ("crop", "pad")]


def _aspect_expected(x, size, mode):
    h, w = x.shape[:2]
    target = size[0] / size[1]
    if mode == "crop":  # the largest centered window of the target aspect ratio
        bh, bw = min(h, int(w * target)), min(w, int(h / target))
        top, left = (h - bh) // 2, (w - bw) // 2
        return x[top:top + bh, left:left + bw]
    bh, bw = max(h, int(w * target)), max(w, int(h / target))
    out = np.zeros((bh, bw) + x.shape[2:], x.dtype)
    top, left = (bh - h) // 2, (bw - w) // 2
    out[top:top + h, left:left + w] = x
    return out


_add("aspect_ratio_box", _aspect_make, (F32, U8), _aspect_expected)


# collectives (issue 19): targeted tests in test_ops_registry.py (one process) and, under
# mpiexec, tests/test_distribute.py
SKIP_FORWARD["collective_all_reduce_start"] = \
    "STATEFUL: exchanges data between processes (targeted test)"
SKIP_FORWARD["collective_all_reduce_wait"] = SKIP_FORWARD["collective_all_reduce_start"]

# -- vocabulary_lookup (klayers, issue 17): the lookup layers' table -----------------------------

def _lookup_make(rng, dtype):
    cases = []
    for shape in STRING_SHAPES:
        keys = strings(rng, shape)
        vocab = tuple(sorted(set(keys.reshape(-1).tolist())))[::2] + (b"never-a-key",)
        cases.append(([keys], {"vocabulary": vocab}))
    ints = rng.integers(-3, 6, (2, 4)).astype(np.int64)
    cases.append(([ints], {"vocabulary": (5, 0, -3, 2)}))
    cases.append(([ints.astype(np.int32)], {"vocabulary": ()}))
    return cases


_add("vocabulary_lookup", _lookup_make, (STRING,),
     lambda x, vocabulary: _smap(lambda k: vocabulary.index(k) if k in vocabulary else -1,
                                 x, np.int64))


# -- image_projective_transform (klayers, issue 17): Keras's augmentation transforms -----------

def _transform_make(rng, dtype):
    images = rng.uniform(0, 1, (2, 4, 5, 2)).astype(dtype.np)
    rotate = np.array([[0.8, -0.6, 1.5, 0.6, 0.8, -0.7, 0, 0]], np.float32)
    per_image = np.array([[1.3, 0, -0.4, 0, 0.6, 0.9, 0, 0],
                          [1, 0, -6.2, 0, 1, 3.4, 0.02, -0.01]], np.float32)
    return [([images, t], {"interpolation": i, "fill_mode": m, "fill_value": 0.5})
            for t in (rotate, per_image) for i in ("nearest", "bilinear")
            for m in ("reflect", "wrap", "constant", "nearest")]


# Values are checked against TF's kernel by tests/test_keras_layers_augment.py (goldens);
# here: eager = function = compiled = Session, and no gradient, as TF's augmentation.
_add("image_projective_transform", _transform_make, (F32, F64), nondiff=(0, 1))


# -- mirror pads, truncated division, bitwise ops, TensorProtos (mathops) --------------------

I8, I16 = dtypes.int8, dtypes.int16
BITWISE_INTS = (I32, I64, U8, I8)

MIRROR_PAD_CASES = [([(3,)], {"paddings": ((2, 1),), "mode": "REFLECT"}),
                    ([(2, 3)], {"paddings": ((1, 2), (0, 3)), "mode": "SYMMETRIC"}),
                    ([(2, 3)], {"paddings": ((1, 1), (2, 0)), "mode": "REFLECT"}),
                    ([(1, 4)], {"paddings": ((0, 0), (3, 3)), "mode": "REFLECT"}),
                    ([()], {"paddings": (), "mode": "SYMMETRIC"}),
                    ([(0, 2)], {"paddings": ((0, 0), (2, 1)), "mode": "SYMMETRIC"}),
                    ([(2, 1, 3)], {"paddings": ((2, 2), (1, 0), (0, 3)), "mode": "SYMMETRIC"})]


def _mirror_index(n, before, after, mode):
    """For each output position along one axis, the input position it copies."""
    out = []
    for p in range(-before, n + after):
        if p < 0:
            p = -p if mode == "REFLECT" else -p - 1
        elif p >= n:
            p = 2 * (n - 1) - p if mode == "REFLECT" else 2 * n - 1 - p
        out.append(p)
    return np.array(out, dtype=np.int64)


def _mirror_pad_expected(x, paddings, mode):
    if x.ndim == 0:
        return x.copy()
    index = [_mirror_index(d, a, b, mode) for d, (a, b) in zip(x.shape, paddings)]
    return x[np.ix_(*index)]


_add("mirror_pad", _cases(MIRROR_PAD_CASES), ANY, _mirror_pad_expected)


def _mirror_pad_grad_make(rng, dtype):
    cases = []
    for (shape,), attrs in MIRROR_PAD_CASES:
        padded = tuple(d + a + b for d, (a, b) in zip(shape, attrs["paddings"]))
        cases.append(([values(rng, padded, dtype)], dict(attrs)))
    return cases


def _mirror_pad_grad_expected(dy, paddings, mode):
    shape = tuple(d - a - b for d, (a, b) in zip(dy.shape, paddings))
    acc = np.float64 if dy.dtype.kind == "f" else np.int64
    out = np.zeros(shape, acc)
    if dy.ndim == 0:
        return dy.copy()
    index = [_mirror_index(d, a, b, mode) for d, (a, b) in zip(shape, paddings)]
    for pos in np.ndindex(*dy.shape):
        out[tuple(ix[p] for ix, p in zip(index, pos))] += dy[pos]
    return out.astype(dy.dtype)


_add("mirror_pad_grad", _mirror_pad_grad_make, NUMERIC, _mirror_pad_grad_expected)


def _int_elementwise(fn):
    """An expected function computed on Python ints, element by element, wrapped to the
    dtype's width."""
    def expected(*arrays):
        arrays = np.broadcast_arrays(*arrays)
        dtype = arrays[0].dtype
        flat = [fn(dtype, *(int(a[i]) for a in arrays)) for i in np.ndindex(arrays[0].shape)]
        bits = 8 * dtype.itemsize
        wrapped = [(v & ((1 << bits) - 1)) for v in flat]
        if dtype.kind == "i":
            wrapped = [v - (1 << bits) if v >= 1 << (bits - 1) else v for v in wrapped]
        return np.array(wrapped, dtype=dtype).reshape(arrays[0].shape)
    return expected


def _trunc_int(a, b):
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


def _truncatediv_expected(x, y):
    if x.dtype.kind == "f":
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.trunc(x.astype(np.float64) / y.astype(np.float64)).astype(x.dtype)
    return _int_elementwise(lambda d, a, b: _trunc_int(a, b))(x, y)


def _truncatemod_expected(x, y):
    if x.dtype.kind == "f":
        xb, yb = np.broadcast_arrays(x.astype(np.float64), y.astype(np.float64))
        flat = [math.fmod(a, b) if b != 0 and math.isfinite(a) else math.nan
                for a, b in zip(xb.reshape(-1), yb.reshape(-1))]
        return np.array(flat, dtype=x.dtype).reshape(xb.shape)
    return _int_elementwise(lambda d, a, b: a - b * _trunc_int(a, b))(x, y)


def _division_edges(rng, dtype):
    dtype = dtypes.as_dtype(dtype)
    if dtype.is_floating:
        x = np.array([1.0, -1.0, 0.0, np.inf, 1.0, np.nan, -0.5, 7.5], dtype.np)
        y = np.array([0.0, 0.0, 0.0, 2.0, np.inf, 1.0, 1.0, -2.0], dtype.np)
        return [([x, y], {})]
    info = np.iinfo(dtype.np)
    if dtype.is_unsigned:
        return [([np.array([info.max, 7], dtype.np), np.array([2, 9], dtype.np)], {})]
    return [([np.array([info.min, info.max, -7], dtype.np), np.array([-1, -1, 7], dtype.np)], {})]


binary("truncatediv", NUMERIC + (U8, I8), _floormod_values, expected=_truncatediv_expected,
       edge=_division_edges)
binary("truncatemod", NUMERIC, _floormod_values, expected=_truncatemod_expected,
       edge=_division_edges)


@_arrays_list
def _bit_values(rng, sx, sy, dtype):
    dtype = dtypes.as_dtype(dtype)
    info = np.iinfo(dtype.np)
    return [rng.integers(info.min, info.max, size=sx, endpoint=True).astype(dtype.np),
            rng.integers(info.min, info.max, size=sy, endpoint=True).astype(dtype.np)]


@_arrays_list
def _shift_values(rng, sx, sy, dtype):
    # Shift amounts past the width and negative ones too: TF clamps them to [0, bits - 1].
    dtype = dtypes.as_dtype(dtype)
    info = np.iinfo(dtype.np)
    bits = 8 * np.dtype(dtype.np).itemsize
    lo = 0 if dtype.is_unsigned else -3
    return [rng.integers(info.min, info.max, size=sx, endpoint=True).astype(dtype.np),
            rng.integers(lo, min(bits + 3, info.max), size=sy, endpoint=True).astype(dtype.np)]


def _clamped(d, s):
    return min(max(s, 0), 8 * d.itemsize - 1)


binary("bitwise_and", BITWISE_INTS, _bit_values, _int_elementwise(lambda d, a, b: a & b))
binary("bitwise_or", BITWISE_INTS, _bit_values, _int_elementwise(lambda d, a, b: a | b))
binary("bitwise_xor", BITWISE_INTS, _bit_values, _int_elementwise(lambda d, a, b: a ^ b))
binary("left_shift", BITWISE_INTS, _shift_values,
       _int_elementwise(lambda d, a, s: a << _clamped(d, s)))
binary("right_shift", BITWISE_INTS, _shift_values,
       _int_elementwise(lambda d, a, s: a >> _clamped(d, s)))  # Python's >> is arithmetic
unary("invert", BITWISE_INTS, lambda rng, s, d: _bit_values(rng, s, (), d)[0],
      expected=_int_elementwise(lambda d, a: -a - 1))


# serialize_tensor / parse_tensor: the expected bytes are built field by field with struct,
# independently of graphflow/ops/tensor_proto.py (tests/test_tensor_proto.py holds TF's own).
_TF_ENUMS = {"float32": 1, "float64": 2, "int32": 3, "uint8": 4, "int16": 5, "int8": 6,
             "string": 7, "int64": 9, "bool": 10, "float16": 19}
_PROTO_SHAPES = [(), (3,), (2, 3), (0,), (2, 0, 3), (1, 200)]


def _pb_varint(n):
    out = b""
    while n > 127:
        out += bytes([(n & 127) | 128])
        n >>= 7
    return out + bytes([n])


def _pb_bytes(field, payload):
    return bytes([field * 8 + 2]) + _pb_varint(len(payload)) + payload


def _proto_expected(x):
    dims = b"".join(_pb_bytes(2, (b"\x08" + _pb_varint(d)) if d else b"") for d in x.shape)
    out = b"\x08" + bytes([_TF_ENUMS[dtypes.from_numpy(x.dtype).name]]) + _pb_bytes(2, dims)
    if x.dtype.kind == "O":
        out += b"".join(_pb_bytes(8, v) for v in x.reshape(-1))
    elif x.size:
        fmt = {"f": {2: "e", 4: "f", 8: "d"}, "i": {1: "b", 2: "h", 4: "i", 8: "q"},
               "u": {1: "B"}, "b": {1: "?"}}[x.dtype.kind][x.dtype.itemsize]
        out += _pb_bytes(4, b"".join(struct.pack("<" + fmt, v) for v in x.reshape(-1).tolist()))
    return np.array(out, dtype=object)


def _proto_values(rng, shape, dtype):
    return strings(rng, shape) if dtype is STRING else values(rng, shape, dtype, -100, 100)


def _serialize_make(rng, dtype):
    return [([_proto_values(rng, s, dtype)], {}) for s in _PROTO_SHAPES]


# (No float64: the non-differentiable-op test would cast the string output to float64.)
_add("serialize_tensor", _serialize_make, (F32, I32, I64, U8, BOOL, STRING, F16, I8, I16),
     _proto_expected)

_PARSED = {}  # serialized bytes -> the array they hold, for parse_tensor's expected values


def _parse_make(rng, dtype):
    cases = []
    for d in (F32, F64, I32, I64, U8, BOOL, STRING, F16, I8, I16):
        for s in _PROTO_SHAPES[:4]:
            x = _proto_values(rng, s, d)
            data = _proto_expected(x)
            _PARSED[data[()]] = x
            cases.append(([data], {"out_type": d.name}))
    return cases


_add("parse_tensor", _parse_make, (STRING,), lambda data, out_type: _PARSED[data[()]].copy(),
     value_checks="the bytes must be a TensorProto (all ones are not)")
DATA_DEPENDENT_SHAPES |= {"parse_tensor"}


# -- hashed_cross (kerasC): Keras's HashedCrossing; bins checked against TF in
# tests/test_keras_layers_more.py --
def _hashed_cross_make(rng, dtype):
    cases = []
    for shape in [(), (4,), (3, 1), (0,)]:
        ints = rng.integers(-2 ** 30, 2 ** 30, shape).astype(dtypes.as_dtype(dtype).np)
        cases.append(([ints, ints[::-1] if ints.ndim else ints], {"num_bins": 7}))
        cases.append(([ints, strings(rng, shape), ints], {"num_bins": 2 ** 40}))
    return cases


def _hashed_cross_edge(rng, dtype):
    # negative and large ints, and empty strings (TF's bins: tests/test_keras_layers_more.py)
    big = 2 ** 40 if dtypes.as_dtype(dtype) == I64 else 2 ** 31 - 1
    ints = np.array([1, 2, -3, big], dtypes.as_dtype(dtype).np)
    return [([ints, np.array([b"a", b"bb", b"", b"x"], object)], {"num_bins": 7})]


_add("hashed_cross", _hashed_cross_make, (I64, I32), None, edge=_hashed_cross_edge)


# -- tf.image patches and boxes (graphflow/ops/image_boxes.py): values are checked against
# constants TF 2.21 computed in tests/test_image_ops2.py; here the references, shape rules and
# gradients ---------------------------------------------------------------------------------------

PATCH_CASES = [((2, 5, 6, 2), (2, 2), (1, 1), (1, 1), "VALID"),
               ((1, 5, 6, 1), (3, 2), (2, 3), (1, 1), "SAME"),
               ((1, 6, 5, 2), (2, 3), (2, 1), (2, 2), "VALID"),
               ((2, 4, 4, 1), (3, 3), (3, 2), (2, 1), "SAME"),
               ((1, 3, 3, 1), (4, 4), (1, 1), (1, 1), "VALID")]  # no patch fits: empty rows


def _patches_make(rng, dtype):
    return [([values(rng, s, dtype)], {"sizes": k, "strides": st, "rates": r, "padding": p})
            for s, k, st, r, p in PATCH_CASES]


def _patches_expected(x, sizes, strides, rates, padding):
    """Patch by patch, from TF's definition: out[b, i, j, (a * kw + c) * depth + d] is
    x[b, i * sh - top + a * rh, j * sw - left + c * rw, d], zero outside the image."""
    b, h, w, depth = x.shape
    geometry = []
    for size, k, s, r in ((h, sizes[0], strides[0], rates[0]), (w, sizes[1], strides[1], rates[1])):
        eff = (k - 1) * r + 1
        if padding == "VALID":
            geometry.append((max(0, math.ceil((size - eff + 1) / s)), 0))
        else:
            out = math.ceil(size / s)
            geometry.append((out, max(0, (out - 1) * s + eff - size) // 2))
    (oh, top), (ow, left) = geometry
    out = np.zeros((b, oh, ow, sizes[0] * sizes[1] * depth), x.dtype)
    for n, i, j, a, c, d in np.ndindex(b, oh, ow, sizes[0], sizes[1], depth):
        y, z = i * strides[0] - top + a * rates[0], j * strides[1] - left + c * rates[1]
        if 0 <= y < h and 0 <= z < w:
            out[n, i, j, (a * sizes[1] + c) * depth + d] = x[n, y, z, d]
    return out


def _patches_grad_make(rng, dtype):
    cases = []
    for (arrays, attrs), (s, *_) in zip(_patches_make(rng, dtype), PATCH_CASES):
        out = _patches_expected(arrays[0], **attrs)
        cases.append(([values(rng, out.shape, dtype), arrays[0]], attrs))
    return cases


def _patches_grad_expected(dy, like, **attrs):
    # the transpose of the forward map, column by column of its matrix
    flat = np.zeros((dy.size, like.size))
    for k in range(like.size):
        e = np.zeros(like.size)
        e[k] = 1
        flat[:, k] = _patches_expected(e.reshape(like.shape), **attrs).reshape(-1)
    return (flat.T @ dy.reshape(-1).astype(np.float64)).reshape(like.shape).astype(dy.dtype)


_add("extract_image_patches", _patches_make, (F32, F64, I32, U8), _patches_expected)
_add("extract_image_patches_grad", _patches_grad_make, (F32, F64), _patches_grad_expected)

# boxes away from pixel centers (the bilinear weights have kinks there), inside and outside
CNR_BOXES = np.array([[0.13, 0.21, 0.79, 0.93], [0.02, 0.04, 0.97, 0.96], [0.71, 0.63, 0.26, 0.12],
                      [-0.31, 0.33, 0.61, 1.39]], np.float32)


def _cnr_make(rng, dtype):
    image = values(rng, (2, 5, 6, 3), dtype, 0, 2)
    cases = []
    for crop, method, extrapolation in [((3, 4), "bilinear", 0.0), ((1, 5), "bilinear", -0.5),
                                        ((4, 1), "nearest", 0.25), ((2, 3), "nearest", 0.0)]:
        cases.append(([image, CNR_BOXES.copy(), np.array([0, 1, 1, 0], np.int32)],
                      {"crop_size": crop, "method": method,
                       "extrapolation_value": extrapolation}))
    return cases


def _cnr_grad_image_make(rng, dtype):
    return [([values(rng, (4,) + attrs["crop_size"] + (3,), F32), boxes, index,
              values(rng, image.shape, dtype)], {"method": attrs["method"]})
            for (image, boxes, index), attrs in _cnr_make(rng, dtype)]


def _cnr_grad_boxes_make(rng, dtype):
    return [([values(rng, (4,) + attrs["crop_size"] + (3,), F32), image, boxes, index], {})
            for (image, boxes, index), attrs in _cnr_make(rng, dtype)]


_add("crop_and_resize", _cnr_make, (F32, F64, U8),
     fd_skip="its output is float32 whatever the image's dtype (TF's CropAndResize): "
             "tests/test_image_ops2.py checks both gradients against TF's and finite differences",
     value_checks="box_indices must name images of the batch")
_add("crop_and_resize_grad_image", _cnr_grad_image_make, (F32, F64),
     value_checks="box_indices must name images of the batch")
_add("crop_and_resize_grad_boxes", _cnr_grad_boxes_make, (F32, F64, U8),
     value_checks="box_indices must name images of the batch")


def _nms_make(rng, dtype):
    corner = rng.uniform(0, 1, (12, 2))
    boxes = np.concatenate([corner, corner + rng.uniform(0.1, 0.5, (12, 2))], 1)
    boxes[::4] = boxes[::4][:, [2, 3, 0, 1]]  # TF accepts either corner order
    boxes = boxes.astype(dtypes.as_dtype(dtype).np)
    scores = rng.permutation(12).astype(dtypes.as_dtype(dtype).np) / 12
    full = {"iou_threshold": 0.5, "score_threshold": float("-inf"), "soft_nms_sigma": 0.0,
            "pad": False, "corners_as_given": False}
    return [([boxes, scores], {**full, "max_output_size": m, **a}) for m, a in [
        (12, {}), (4, {"iou_threshold": 0.2}), (12, {"score_threshold": 0.4}),
        (0, {}), (12, {"soft_nms_sigma": 0.5, "score_threshold": 0.1}),
        (6, {"pad": True, "iou_threshold": 0.3}), (12, {"iou_threshold": 1.0}),
        (12, {"pad": True, "corners_as_given": True})]] + \
        [([boxes[:0], scores[:0]], {**full, "max_output_size": 3})]


DATA_DEPENDENT_SHAPES |= {"non_max_suppression"}
_add("non_max_suppression", _nms_make, (F32, F16, F64))


def _draw_make(rng, dtype):
    boxes = np.array([[[0.1, 0.2, 0.8, 0.9], [-0.3, 0.33, 0.6, 1.4], [0.73, 0.61, 0.23, 0.14]],
                      [[0.0, 0.0, 1.0, 1.0], [0.42, 0.37, 0.42, 0.71], [1.2, 0.1, 1.5, 0.5]]],
                     np.float32)
    colors = np.array([[0.2, 0.4, 0.6, 1.0], [1.0, 0.0, 0.5, 0.5]], np.float32)
    return [([values(rng, (2, 6, 7, depth), dtype, 0, 1), boxes, c], {})
            for depth in (1, 3, 4) for c in (colors, np.zeros((0, 4), np.float32))]


_add("draw_bounding_boxes", _draw_make, (F32, F16))


def _combined_nms_make(rng, dtype):
    corner, side = rng.uniform(-0.1, 0.9, (2, 9, 3, 2)), rng.uniform(0.05, 0.5, (2, 9, 3, 2))
    boxes = np.concatenate([corner, corner + side], -1).astype(np.float32)
    scores = rng.permutation(54).reshape(2, 9, 3).astype(np.float32) / 54
    full = {"iou_threshold": 0.5, "score_threshold": float("-inf"), "pad_per_class": False,
            "clip_boxes": True}
    return [([b, scores], {**full, "max_size_per_class": m, "max_total_size": t, **a})
            for b, m, t, a in [(boxes, 3, 6, {}), (boxes[:, :, :1], 4, 20, {"clip_boxes": False}),
                               (boxes, 2, 20, {"pad_per_class": True, "iou_threshold": 0.2}),
                               (boxes, 5, 4, {"score_threshold": 0.6})]]


_add("combined_non_max_suppression", _combined_nms_make, (F32,))


def _stateless_box_make(rng, dtype):
    boxes = np.array([[[0.1, 0.2, 0.5, 0.6], [0.3, 0.1, 0.9, 0.4]]], np.float32)
    full = {"min_object_covered": 0.1, "aspect_ratio_range": (0.75, 1.33),
            "area_range": (0.05, 1.0), "max_attempts": 100, "use_image_if_no_bounding_boxes": False}
    size = np.array([40, 60, 3], dtypes.as_dtype(dtype).np)
    return [([size, boxes, seed.copy()], {**full, **a}) for seed, a in zip(SEEDS, [
        {}, {"min_object_covered": 0.6, "area_range": (0.2, 0.9)},
        {"aspect_ratio_range": (0.5, 2.0), "max_attempts": 3},
        {"min_object_covered": 1.0, "area_range": (0.01, 0.02)}])] + \
        [([size, np.zeros((1, 0, 4), np.float32), SEEDS[0].copy()],
          {**full, "use_image_if_no_bounding_boxes": True})]


_add("stateless_sample_distorted_bounding_box", _stateless_box_make, (I32, I64),
     value_checks="image_size must be positive and name 3 dims")
SKIP_FORWARD["sample_distorted_bounding_box"] = \
    "RANDOM: checked for reproducibility and its crop constraints (targeted test)"


def _overlaps_make(rng, dtype):
    ov = rng.uniform(0, 1, (9, 9)).astype(np.float32)
    ov = (ov + ov.T) / 2
    scores = rng.permutation(9).astype(np.float32) / 9
    full = {"overlap_threshold": 0.5, "score_threshold": float("-inf")}
    return [([ov, scores], {**full, "max_output_size": m, **a}) for m, a in [
        (9, {}), (3, {"overlap_threshold": 0.8}), (9, {"score_threshold": 0.3}), (0, {})]] + \
        [([ov[:0, :0], scores[:0]], {**full, "max_output_size": 2})]


DATA_DEPENDENT_SHAPES |= {"non_max_suppression_overlaps"}
_add("non_max_suppression_overlaps", _overlaps_make, (F32,))


# -- tf.train.Example parsing and CSV (graphflow/ops/parsing.py) -------------------------------

DATA_DEPENDENT_SHAPES |= {"parse_example"}


def _example_bytes(features):
    """A serialized tf.train.Example from {key: list of float | int | bytes} (tf.train's
    message classes; the op decodes the wire format itself)."""
    from graphflow.io import example_proto as pb
    feature = {}
    for key, values in features.items():
        if values is None:
            feature[key] = pb.Feature()
        elif values and isinstance(values[0], float):
            feature[key] = pb.Feature(float_list=pb.FloatList(value=values))
        elif values and isinstance(values[0], bytes):
            feature[key] = pb.Feature(bytes_list=pb.BytesList(value=values))
        else:
            feature[key] = pb.Feature(int64_list=pb.Int64List(value=values))
    return pb.Example(features=pb.Features(feature=feature)).SerializeToString()


def _parse_attrs(dense=(), sparse=(), ragged=(), split="int32"):
    return {"dense_keys": tuple(k for k, *_ in dense), "dense_shapes": tuple(s for _, s, _ in dense),
            "dense_sequence": tuple(f for *_, f in dense),
            "sparse_keys": tuple(k for k, _ in sparse), "sparse_types": tuple(t for _, t in sparse),
            "ragged_keys": tuple(k for k, _ in ragged), "ragged_types": tuple(t for _, t in ragged),
            "ragged_split_type": split, "names": ()}


def _parse_example_make(rng, dtype):
    cases = []
    for n in (3, 1, 0):
        records = []
        for _ in range(n):
            k = int(rng.integers(0, 4))
            records.append(_example_bytes({
                "f": [float(v) for v in np.round(rng.standard_normal(2), 3)],
                "i": [int(v) for v in rng.integers(-2**40, 2**40, k)] if k else None,
                "s": [b"w%d" % v for v in rng.integers(0, 99, k)] or None,
                "seq": [float(v) for v in range(2 * k)] or None}))
        serialized = np.empty(n, object)
        serialized[:] = records
        attrs = _parse_attrs(dense=[("f", (2,), False), ("missing", (), False),
                                    ("seq", (2,), True)],
                             sparse=[("i", "int64"), ("s", "string")],
                             ragged=[("f", "float32"), ("s", "string")])
        defaults = [np.zeros((0,), np.float32), np.array(7, np.int64), np.zeros((0,), np.float32)]
        cases.append(([serialized] + defaults, attrs))
        if n == 1:
            cases.append(([serialized.reshape(())] + defaults, attrs))
    return cases


def _parse_expected(serialized, *defaults, dense_keys, dense_shapes, dense_sequence, sparse_keys,
                    sparse_types, ragged_keys, ragged_types, ragged_split_type, names):
    """The op's outputs built from tf.train.Example.FromString (the message classes' decoder)."""
    from graphflow.io import example_proto as pb
    single = serialized.ndim == 0
    examples = [pb.Example.FromString(r) for r in serialized.reshape(-1)]

    def values(example, key):
        feature = example.features.feature.get(key)
        kind = None if feature is None else feature.WhichOneof("kind")
        return [] if kind is None else list(getattr(feature, kind).value)

    def array(vals, dtype):
        if dtype == "string":
            out = np.empty(len(vals), object)
            out[:] = vals
            return out
        return np.array(vals, dtypes.as_dtype(dtype).np)
    ind, val, shp = [], [], []
    for key, dtype in zip(sparse_keys, sparse_types):
        rows = [values(e, key) for e in examples]
        width = max([len(r) for r in rows], default=0)
        if single:
            ind.append(np.arange(len(rows[0]), dtype=np.int64).reshape(-1, 1))
            shp.append(np.array([len(rows[0])], np.int64))
        else:
            ind.append(np.array([[i, j] for i, r in enumerate(rows) for j in range(len(r))],
                                np.int64).reshape(-1, 2))
            shp.append(np.array([len(rows), width], np.int64))
        val.append(array([v for r in rows for v in r], dtype))
    dense = []
    for key, shape, form, default in zip(dense_keys, dense_shapes, dense_sequence, defaults):
        parts = []
        for e in examples:
            v = values(e, key)
            if not form:
                parts.append(array(v, default.dtype.name).reshape(shape) if v else default)
            else:
                parts.append(array(v, default.dtype.name).reshape((-1,) + shape))
        if form:
            rows = max([p.shape[0] for p in parts], default=0)
            parts = [np.concatenate([p, np.zeros((rows - p.shape[0],) + shape, p.dtype)])
                     for p in parts]
            inner = (rows,) + shape
        else:
            inner = shape
        dense.append(parts[0] if single else
                     np.array(parts, default.dtype).reshape((len(parts),) + inner))
    rvals, rsplits = [], []
    for key, dtype in zip(ragged_keys, ragged_types):
        rows = [values(e, key) for e in examples]
        rvals.append(array([v for r in rows for v in r], dtype))
        rsplits.append(np.cumsum([0] + [len(r) for r in rows]).astype(ragged_split_type))
    return tuple(ind + val + shp + dense + rvals + rsplits)


_add("parse_example", _parse_example_make, (STRING,), _parse_expected)


def _csv_make(rng, dtype):
    cases = []
    for shape in [(), (3,), (2, 2), (0,)]:
        records = np.empty(shape, object)
        for idx in np.ndindex(shape):
            a, b = int(rng.integers(-99, 99)), float(np.round(rng.standard_normal(), 3))
            word = ["x", "a,b", 'q"uote', ""][int(rng.integers(0, 4))]
            quoted = '"' + word.replace('"', '""') + '"' if ("," in word or '"' in word) else word
            records[idx] = f"{a},{b},{quoted},{'' if rng.random() < 0.5 else a * 3}".encode()
        defaults = [np.zeros((0,), np.int32), np.array([0.0], np.float64), np.array([b"d"], object),
                    np.array([-1], np.int64)]
        cases.append(([records] + defaults, {"field_delim": ",", "use_quote_delim": True,
                                             "na_value": "", "select_cols": None}))
        cases.append(([records] + [defaults[0], defaults[3]],
                      {"field_delim": ",", "use_quote_delim": True, "na_value": "",
                       "select_cols": (0, 3)}))
    return cases


def _csv_expected(records, *defaults, field_delim, use_quote_delim, na_value, select_cols):
    """Python's csv module's reading of each record, converted to the columns' dtypes."""
    import csv
    columns = [[] for _ in defaults]
    for record in records.reshape(-1):
        row = next(csv.reader([record.decode()], delimiter=field_delim))
        if select_cols is not None:
            row = [row[c] for c in select_cols]
        for column, text, default in zip(columns, row, defaults):
            if text == "":
                column.append(default.reshape(-1)[0])
            elif default.dtype == object:
                column.append(text.encode())
            else:
                column.append(default.dtype.type(float(text) if default.dtype.kind == "f"
                                                  else int(text)))
    out = []
    for column, default in zip(columns, defaults):
        array = np.empty(len(column), default.dtype)
        array[:] = column
        out.append(array.reshape(records.shape))
    return tuple(out)


_add("decode_csv", _csv_make, (STRING,), _csv_expected)


# -- CTC (graphflow/ops/ctc.py) -----------------------------------------------------------------
# Time-major logits [T, B, C], dense labels padded past label_length, blank 0. The independent
# expression sums the probabilities of every frame-by-frame path that collapses to the label.

_CTC_CASES = [  # (T, C, labels, label_length, logit_length)
    (4, 3, [[1, 2], [2, 0]], [2, 1], [4, 3]),
    (3, 3, [[1, 1]], [2], [3]),              # a repeat needs a blank between: one path
    (5, 4, [[1, 2, 3], [3, 3, 0], [0, 0, 0]], [3, 2, 0], [5, 5, 2]),
    (2, 2, [[1]], [1], [2]),
    (4, 3, [[2, 2, 1]], [1], [1]),           # one frame, padding labels past label_length
]


def _ctc_make(rng, dtype):
    out = []
    for t, c, labels, ll, tl in _CTC_CASES:
        labels = np.array(labels, np.int32)
        out.append(([values(rng, (t, labels.shape[0], c), dtype), labels,
                     np.array(ll, np.int32), np.array(tl, np.int32)], {}))
    return out


def _ctc_paths(logits, labels, ll, tl):
    """Per batch element: (log p(label), posterior [T, C] of the classes on its paths)."""
    import itertools
    x = logits.astype(np.float64)
    p = np.exp(x - x.max(2, keepdims=True))
    p /= p.sum(2, keepdims=True)
    results = []
    for b in range(x.shape[1]):
        target = list(labels[b, :ll[b]])
        total, post = 0.0, np.zeros((x.shape[0], x.shape[2]))
        for path in itertools.product(range(x.shape[2]), repeat=int(tl[b])):
            merged = [k for k, _ in itertools.groupby(path) if k != 0]
            if merged == target:
                prob = np.prod([p[t, b, k] for t, k in enumerate(path)])
                total += prob
                for t, k in enumerate(path):
                    post[t, k] += prob
        results.append((np.log(total), post / total, p[:, b]))
    return results


def _ctc_expected(logits, labels, ll, tl):
    return np.array([-lp for lp, _, _ in _ctc_paths(logits, labels, ll, tl)], logits.dtype)


def _ctc_grad_expected(logits, labels, ll, tl):
    grad = np.zeros(logits.shape)
    for b, (_, post, p) in enumerate(_ctc_paths(logits, labels, ll, tl)):
        grad[:tl[b], b] = (p - post)[:tl[b]]
    return grad.astype(logits.dtype)


_add("ctc_loss_dense", _ctc_make, FLOATS, _ctc_expected)
_add("ctc_loss_dense_grad", _ctc_make, FLOATS, _ctc_grad_expected)


def _collapse_make(rng, dtype):
    return [([np.array(lab, dtype.np), np.array(n, np.int32)], {})
            for lab, n in [([[1, 1, 2, 2, 3], [4, 4, 4, 0, 0]], [5, 3]), ([[7, 7]], [0]),
                           ([[2, 2, 2], [1, 2, 1], [0, 0, 5]], [3, 3, 2]), ([[3]], [1])]]


def _collapse_expected(labels, n):
    import itertools
    rows = [[k for k, _ in itertools.groupby(row[:m])] for row, m in zip(labels.tolist(), n)]
    width = max([len(r) for r in rows] + [0])
    return (np.array([r + [0] * (width - len(r)) for r in rows], labels.dtype).reshape(len(rows), width),
            np.array([len(r) for r in rows], n.dtype))


_add("collapse_repeated", _collapse_make, INTS, _collapse_expected)


def _unique_labels_make(rng, dtype):
    return [([small_ints(rng, s, dtype)], {}) for s in [(2, 5), (1, 1), (3, 4), (2, 0)]]


def _unique_labels_expected(labels):
    ys, idxs = [], []
    for row in labels.tolist():
        firsts = list(dict.fromkeys(row))
        ys.append(firsts + [0] * (len(row) - len(firsts)))
        idxs.append([firsts.index(v) for v in row])
    return (np.array(ys, np.int64).reshape(labels.shape),
            np.array(idxs, np.int32).reshape(labels.shape))


_add("ctc_unique_labels", _unique_labels_make, INTS, _unique_labels_expected)


def _greedy_make(rng, dtype):
    out = []
    for (t, b, c), lengths, attrs in [((6, 2, 5), [6, 4], {"merge_repeated": True, "blank_index": None}),
                                      ((6, 2, 5), [6, 4], {"merge_repeated": False, "blank_index": 0}),
                                      ((3, 1, 2), [3], {"merge_repeated": True, "blank_index": None}),
                                      ((4, 3, 3), [0, 2, 4], {"merge_repeated": True, "blank_index": 1})]:
        # Few classes and long runs of one argmax, so merging and blanks both matter.
        x = values(rng, (t, b, c), dtype)
        x[1::2] = x[::2][:len(x[1::2])]
        out.append(([x, np.array(lengths, np.int32)], attrs))
    return out


def _greedy_expected(x, lengths, merge_repeated, blank_index):
    import itertools
    blank = x.shape[2] - 1 if blank_index is None else blank_index
    rows, neg = [], np.zeros((x.shape[1], 1), x.dtype)
    for b in range(x.shape[1]):
        best = [int(np.argmax(x[t, b])) for t in range(lengths[b])]
        neg[b, 0] = -sum(x[t, b, k] for t, k in enumerate(best))
        runs = [k for k, _ in itertools.groupby(best)] if merge_repeated else best
        rows.append([k for k in runs if k != blank])
    indices = [(b, j) for b, r in enumerate(rows) for j in range(len(r))]
    return (np.array(indices, np.int64).reshape(-1, 2), np.array(sum(rows, []), np.int64),
            np.array([x.shape[1], max(len(r) for r in rows)], np.int64), neg)


_add("ctc_greedy_decoder", _greedy_make, FLOATS, _greedy_expected)
DATA_DEPENDENT_SHAPES |= {"collapse_repeated", "ctc_greedy_decoder"}


# -- more of tf.linalg (graphflow/ops/matrix_more.py) ----------------------------------------------

def _expm_make(rng, dtype):
    cases = [([values(rng, s, dtype, -1.0, 1.0)], {}) for s in SQUARE_SHAPES]
    # Larger norms take the degree-13 approximant with squarings; tiny ones the low degrees.
    cases.append(([values(rng, (2, 3, 3), dtype, -3.0, 3.0)], {}))
    cases.append(([values(rng, (3, 3), dtype, -0.01, 0.01)], {}))
    return cases


def _expm_expected(a):
    """Taylor series of a / 2^s (norm <= 1/2), squared s times."""
    out = np.empty(a.shape)
    for idx in np.ndindex(a.shape[:-2]):
        x = a[idx].astype(np.float64)
        norm = np.abs(x).sum(0).max() if x.size else 0.0
        s = max(0, int(np.ceil(np.log2(norm / 0.5)))) if norm > 0.5 else 0
        x = x / 2.0 ** s
        term, total = np.eye(x.shape[0]), np.eye(x.shape[0])
        for k in range(1, 40):
            term = term @ x / k
            total = total + term
        for _ in range(s):
            total = total @ total
        out[idx] = total
    return out.astype(a.dtype)


_add("matrix_exponential", _expm_make, FLOATS, _expm_expected)


def _sqrtm_make(rng, dtype):
    cases = [([_spd(rng, s, dtype)], {}) for s in SQUARE_SHAPES]
    skew = _spd(rng, (2, 3, 3), np.float64) + rng.uniform(-0.5, 0.5, (2, 3, 3))
    cases.append(([skew.astype(dtypes.as_dtype(dtype).np)], {}))  # not symmetric
    cases.append(([np.array([[1.0, -2.0], [2.0, 1.0]], dtypes.as_dtype(dtype).np)], {}))  # 1 +- 2i
    return cases


def _sqrtm_expected(a):
    out = np.empty(a.shape)
    for idx in np.ndindex(a.shape[:-2]):
        w, v = np.linalg.eig(a[idx].astype(np.float64))
        if np.any((w.imag == 0) & (w.real <= 0)):  # no real principal root: NaN, as TF
            out[idx] = np.nan
            continue
        out[idx] = (v @ np.diag(np.sqrt(w.astype(complex))) @ np.linalg.inv(v)).real
    return out.astype(a.dtype)


def _sqrtm_edge(rng, dtype):
    d = dtypes.as_dtype(dtype).np
    return [([np.array([[-1.0, 0.0], [0.0, 4.0]], d)], {}),   # a negative eigenvalue: NaN
            ([np.array([[1.0, 2.0], [3.0, -4.0]], d)], {})]


_add("matrix_square_root", _sqrtm_make, FLOATS, _sqrtm_expected, edge=_sqrtm_edge)


def _lu_make(rng, dtype):
    return [([values(rng, s, dtype) + 0.1 * np.eye(s[-1], dtype=dtypes.as_dtype(dtype).np)],
             {"output_idx_type": ("int32", "int64")[i % 2]})
            for i, s in enumerate(SQUARE_SHAPES)]


def _lu_expected(a, output_idx_type):
    lus, perms = np.empty(a.shape), np.empty(a.shape[:-1], output_idx_type)
    for idx in np.ndindex(a.shape[:-2]):
        m = [list(row) for row in a[idx].astype(np.float64)]
        n = len(m)
        perm = list(range(n))
        for k in range(n):
            best = max(range(k, n), key=lambda i: (abs(m[i][k]), -i))
            m[k], m[best] = m[best], m[k]
            perm[k], perm[best] = perm[best], perm[k]
            for i in range(k + 1, n):
                m[i][k] /= m[k][k]
                for j in range(k + 1, n):
                    m[i][j] -= m[i][k] * m[k][j]
        lus[idx] = np.array(m).reshape(n, n)
        perms[idx] = perm
    return lus.astype(a.dtype), perms


_add("lu", _lu_make, FLOATS, _lu_expected, value_checks="a singular matrix (all ones) has no LU, as TF")


def _tridiag_make(rng, dtype):
    d = dtypes.as_dtype(dtype).np
    cases = []
    for batch, m, k in [((), 4, 1), ((), 1, 2), ((2,), 3, 2), ((2, 1), 5, 1), ((), 0, 1)]:
        diags = rng.uniform(-1.0, 1.0, batch + (3, m))
        diags[..., 1, :] += 3.0 * np.sign(diags[..., 1, :] + 1e-9)  # diagonally dominant
        for pivoting in (True, False):
            cases.append(([diags.astype(d), values(rng, batch + (m, k), dtype)],
                          {"partial_pivoting": pivoting}))
    # A system that needs row swaps (small diagonal), with pivoting.
    diags = np.array([[1.0, 2.0, 1.5, 0.0], [0.01, 0.02, -0.03, 0.5], [0.0, 1.0, -2.0, 1.0]])
    cases.append(([diags.astype(d), values(rng, (4, 2), dtype)], {"partial_pivoting": True}))
    return cases


def _tridiag_expected(diags, rhs, partial_pivoting):
    m = diags.shape[-1]
    dense = np.zeros(diags.shape[:-2] + (m, m))
    i = np.arange(m)
    dense[..., i, i] = diags[..., 1, :]
    dense[..., i[:-1], i[:-1] + 1] = diags[..., 0, :-1]
    dense[..., i[1:], i[1:] - 1] = diags[..., 2, 1:]
    if not m:
        return rhs.copy()
    out = np.linalg.solve(dense, rhs.astype(np.float64))
    if not partial_pivoting:  # elimination without row swaps needs nonzero leading minors
        for idx in np.ndindex(dense.shape[:-2]):
            if any(np.linalg.det(dense[idx][:k, :k]) == 0 for k in range(1, m + 1)):
                out[idx] = np.nan
    return out.astype(rhs.dtype)


def _tridiag_edge(rng, dtype):
    d = dtypes.as_dtype(dtype).np
    needs_pivot = np.array([[1.0, 1.0, 0.0], [0.0, 1.0, 1.0], [0.0, 1.0, 1.0]], d)
    return [([needs_pivot, np.ones((3, 1), d)], {"partial_pivoting": False})]  # NaN, as TF


_add("tridiagonal_solve", _tridiag_make, FLOATS,
     lambda diags, rhs, partial_pivoting: _tridiag_expected(diags, rhs, partial_pivoting),
     edge=_tridiag_edge)


def _beam_make(rng, dtype):
    # Beams wide enough to hold every labelling: the search is then exact (see the expected).
    return [([values(rng, (t, b, 3), dtype), np.array(lengths, np.int32)],
             {"beam_width": width, "top_paths": top, "merge_repeated": False})
            for t, b, lengths, width, top in [(3, 2, [3, 2], 20, 3), (4, 1, [4], 40, 2),
                                              (2, 3, [2, 0, 1], 8, 1), (3, 1, [3], 20, 4)]]


def _beam_expected(x, lengths, beam_width, top_paths, merge_repeated):
    """The top_paths most probable labellings, by summing every frame path (blank last)."""
    import itertools
    p = np.exp(x.astype(np.float64) - x.max(2, keepdims=True))
    p /= p.sum(2, keepdims=True)
    blank = x.shape[2] - 1
    best = []
    for b in range(x.shape[1]):
        totals = {}
        for path in itertools.product(range(x.shape[2]), repeat=int(lengths[b])):
            key = tuple(k for k, _ in itertools.groupby(path) if k != blank)
            totals[key] = totals.get(key, 0.0) + np.prod([p[t, b, k] for t, k in enumerate(path)])
        best.append(sorted(totals.items(), key=lambda kv: -kv[1])[:top_paths])
    out = []
    for k in range(top_paths):
        rows = [list(best[b][k][0]) for b in range(x.shape[1])]
        out += [np.array([(b, j) for b, r in enumerate(rows) for j in range(len(r))],
                         np.int64).reshape(-1, 2),
                np.array([v for r in rows for v in r], np.int64),
                np.array([x.shape[1], max(len(r) for r in rows)], np.int64)]
    log_prob = np.array([[np.log(best[b][k][1]) for k in range(top_paths)]
                         for b in range(x.shape[1])], x.dtype)
    return tuple(out) + (log_prob,)


_add("ctc_beam_search_decoder", _beam_make, FLOATS, _beam_expected)
DATA_DEPENDENT_SHAPES |= {"ctc_beam_search_decoder"}


# -- max_pool_with_argmax (graphflow/ops/pool_argmax.py) ------------------------------------------

_ARGMAX_CASES = [((1, 4, 4, 1), (2, 2), (2, 2), "VALID", "int64", False),
                 ((2, 5, 5, 2), (3, 3), (2, 2), "SAME", "int64", False),
                 ((2, 5, 4, 3), (2, 3), (1, 2), "SAME", "int32", True),
                 ((1, 3, 3, 2), (3, 3), (1, 1), "VALID", "int64", True),
                 ((2, 1, 1, 1), (1, 1), (1, 1), "SAME", "int32", False)]


def _argmax_make(rng, dtype):
    return [([values(rng, s, dtype, -3.0, 3.0)],
             {"ksize": k, "strides": st, "padding": p, "output_dtype": o,
              "include_batch_in_index": inc})
            for s, k, st, p, o, inc in _ARGMAX_CASES]


def _argmax_expected(x, ksize, strides, padding, output_dtype, include_batch_in_index):
    b, h, w, c = x.shape
    if padding == "VALID":
        oh, ow, top, left = (h - ksize[0]) // strides[0] + 1, (w - ksize[1]) // strides[1] + 1, 0, 0
    else:
        oh, ow = -(-h // strides[0]), -(-w // strides[1])
        top = max((oh - 1) * strides[0] + ksize[0] - h, 0) // 2
        left = max((ow - 1) * strides[1] + ksize[1] - w, 0) // 2
    vals = np.zeros((b, oh, ow, c), x.dtype)
    idx = np.zeros((b, oh, ow, c), output_dtype)
    for n, i, j, ch in np.ndindex(b, oh, ow, c):
        best = None
        for di in range(ksize[0]):
            for dj in range(ksize[1]):
                y, xx = i * strides[0] - top + di, j * strides[1] - left + dj
                if 0 <= y < h and 0 <= xx < w and (best is None or x[n, y, xx, ch] > best[0]):
                    best = (x[n, y, xx, ch], ((n * h if include_batch_in_index else 0) + y) * w * c
                            + xx * c + ch)
        vals[n, i, j, ch], idx[n, i, j, ch] = best
    return vals, idx


def _argmax_grad_make(rng, dtype):
    cases = []
    for arrays, attrs in _argmax_make(rng, dtype):
        _, argmax = _argmax_expected(arrays[0], **attrs)
        cases.append(([arrays[0], values(rng, argmax.shape, dtype), argmax],
                      {"include_batch_in_index": attrs["include_batch_in_index"]}))
    return cases


def _argmax_grad_expected(x, dy, argmax, include_batch_in_index):
    out = np.zeros(x.size)
    per = x.size // x.shape[0]
    for n in range(x.shape[0]):
        for k, g in zip(argmax[n].reshape(-1), dy[n].reshape(-1)):
            out[int(k) + (0 if include_batch_in_index else n * per)] += g
    return out.reshape(x.shape).astype(dy.dtype)


_add("max_pool_with_argmax", _argmax_make, FLOATS, _argmax_expected,
     fd_skip="the argmax output is an integer: tests/test_nn_more.py differences the values")
_add("max_pool_grad_with_argmax", _argmax_grad_make, FLOATS, _argmax_grad_expected,
     nondiff=(0,))


# -- candidate sampling (graphflow/ops/candidate_sampling.py) --------------------------------------

def _all_sampler_make(rng, dtype):
    return [([rng.integers(0, n, size=(b, t)).astype(dtype.np)],
             {"num_true": t, "num_sampled": n, "unique": True})
            for b, t, n in [(2, 1, 4), (3, 2, 5), (1, 3, 3), (0, 1, 2)]]


_add("all_candidate_sampler", _all_sampler_make, INTS,
     lambda c, num_true, num_sampled, unique: (np.arange(num_sampled, dtype=np.int64),
                                               np.ones(c.shape, np.float32),
                                               np.ones(num_sampled, np.float32)))


def _hits_make(rng, dtype):
    return [([rng.integers(0, 6, size=(b, t)).astype(dtype.np),
              rng.integers(0, 6, size=(n,)).astype(dtype.np)], {"num_true": t})
            for b, t, n in [(3, 2, 5), (2, 1, 6), (1, 3, 2), (4, 2, 0)]]


def _hits_expected(true_classes, sampled, num_true):
    rows, ids = [], []
    for i in range(true_classes.shape[0]):
        for k in range(num_true):
            hits = [j for j in range(len(sampled)) if sampled[j] == true_classes[i, k]]
            if hits:
                rows.append(i)
                ids.append(hits[-1])
    return (np.array(rows, np.int32), np.array(ids, np.int64),
            np.full(len(rows), -np.finfo(np.float32).max, np.float32))


_add("compute_accidental_hits", _hits_make, INTS, _hits_expected)
DATA_DEPENDENT_SHAPES |= {"compute_accidental_hits"}


# -- fractional pooling over given region boundaries (graphflow/ops/fractional_pool.py) ----------

_FRACTIONAL_CASES = [((1, 7, 9, 1), [0, 1, 3, 5, 7], [0, 2, 4, 6, 9]),
                     ((2, 4, 4, 3), [0, 2, 4], [0, 1, 2, 4]),
                     ((1, 5, 3, 2), [0, 5], [0, 1, 2, 3])]


def _fractional_make(rng, dtype):
    return [([values(rng, s, dtype), np.array(r, np.int64), np.array(c, np.int64)],
             {"overlapping": ov}) for s, r, c in _FRACTIONAL_CASES for ov in (False, True)]


def _fractional_expected(reduce_fn):
    def expected(x, rows, cols, overlapping):
        out = np.zeros((x.shape[0], len(rows) - 1, len(cols) - 1, x.shape[3]), x.dtype)
        for i in range(len(rows) - 1):
            r1 = min(rows[i + 1] + 1, x.shape[1]) if overlapping else rows[i + 1]
            for j in range(len(cols) - 1):
                c1 = min(cols[j + 1] + 1, x.shape[2]) if overlapping else cols[j + 1]
                for b, ch in np.ndindex(x.shape[0], x.shape[3]):
                    out[b, i, j, ch] = reduce_fn(x[b, rows[i]:r1, cols[j]:c1, ch].astype(np.float64))
        return out
    return expected


def _fractional_grad_make(rng, dtype):
    cases = []
    for (x, rows, cols), attrs in _fractional_make(rng, dtype):
        oh, ow = len(rows) - 1, len(cols) - 1
        cases.append(([x, rows, cols, values(rng, (x.shape[0], oh, ow, x.shape[3]), dtype)], attrs))
    return cases


def _fractional_grad_expected(kind):
    def expected(x, rows, cols, dy, overlapping):
        out = np.zeros(x.shape)
        for i in range(len(rows) - 1):
            r1 = min(rows[i + 1] + 1, x.shape[1]) if overlapping else rows[i + 1]
            for j in range(len(cols) - 1):
                c1 = min(cols[j + 1] + 1, x.shape[2]) if overlapping else cols[j + 1]
                for b, ch in np.ndindex(x.shape[0], x.shape[3]):
                    region = x[b, rows[i]:r1, cols[j]:c1, ch]
                    if kind == "max":
                        y, xx = np.unravel_index(np.argmax(region), region.shape)
                        out[b, rows[i] + y, cols[j] + xx, ch] += dy[b, i, j, ch]
                    else:
                        out[b, rows[i]:r1, cols[j]:c1, ch] += dy[b, i, j, ch] / region.size
        return out.astype(dy.dtype)
    return expected


_add("fractional_max_pool_region", _fractional_make, FLOATS, _fractional_expected(np.max),
     nondiff=())
_add("fractional_avg_pool_region", _fractional_make, FLOATS, _fractional_expected(np.mean))
_add("fractional_max_pool_grad", _fractional_grad_make, FLOATS, _fractional_grad_expected("max"),
     nondiff=(0,))
_add("fractional_avg_pool_grad", _fractional_grad_make, FLOATS, _fractional_grad_expected("avg"),
     nondiff=(0,))


# -- sparse (graphflow/ops/sparse.py): the primitive ops under tf.SparseTensor --------------------
# The expected functions loop over the stored elements as TF's kernels are documented to, and
# share no code with graphflow/ops/sparse.py.

DATA_DEPENDENT_SHAPES |= {"sparse_union", "sparse_groups"}

# (dense shape, stored index rows in row-major order)
SPARSE_CASES = [((3, 4), [[0, 0], [1, 2]]), ((5,), [[1], [3], [4]]),
                ((2, 3, 2), [[0, 0, 1], [0, 2, 0], [1, 1, 1]]), ((3, 4), np.zeros((0, 2))),
                ((1, 1), [[0, 0]]), ((4, 2), [[0, 1], [1, 0], [1, 1], [3, 0]])]


def _sparse_indices(rows, rank):
    return np.asarray(rows, np.int64).reshape(-1, rank)


def _sparse_to_dense_make(rng, dtype):
    cases = []
    for i, (shape, rows) in enumerate(SPARSE_CASES):
        idx = _sparse_indices(rows, len(shape))
        vals = values(rng, (len(idx),), dtype)
        default = values(rng, (), dtype)
        cases.append(([idx, vals, np.array(shape, np.int64), default],
                      {"validate_indices": i % 2 == 0}))
    return cases


def _sparse_to_dense_edge(rng, dtype):
    # repeated and unsorted indices are accepted without validation (the last write wins)
    idx = np.array([[1, 1], [0, 0], [1, 1]], np.int64)
    return [([idx, values(rng, (3,), dtype), np.array([2, 2], np.int64), values(rng, (), dtype)],
             {"validate_indices": False})]


def _sparse_to_dense_expected(idx, vals, shape, default, validate_indices):
    out = np.full(tuple(shape), default, vals.dtype)
    for row, v in zip(idx, vals):
        out[tuple(int(k) for k in row)] = v
    return out


_SPARSE_BOUNDS = "the stored indices must lie inside dense_shape (all ones do not)"
_add("sparse_to_dense", _sparse_to_dense_make, (F32, F64, I32, BOOL), _sparse_to_dense_expected,
     edge=_sparse_to_dense_edge, value_checks=_SPARSE_BOUNDS)


def _row_major(idx):
    return sorted(range(len(idx)), key=lambda k: (tuple(int(v) for v in idx[k]), k))


def _sparse_reorder_make(rng, dtype):
    cases = []
    for shape, rows in SPARSE_CASES:
        idx = _sparse_indices(rows, len(shape))
        cases.append(([idx[rng.permutation(len(idx))].astype(dtype.np)], {}))
    cases.append(([np.array([[2, 0], [0, 1], [2, 0], [0, 0]], dtype.np)], {}))  # ties stay in order
    cases.append(([np.zeros((3, 0), dtype.np)], {}))  # a scalar's indices: nothing to sort
    return cases


_add("sparse_reorder_perm", _sparse_reorder_make, (I64, I32),
     lambda idx: np.array(_row_major(idx), np.int64))


def _sparse_reshape_make(rng, dtype):
    table = [((3, 4), [[0, 0], [1, 2], [2, 3]], [4, 3]), ((3, 4), [[1, 2]], [-1, 2]),
             ((2, 3, 2), [[0, 0, 1], [1, 2, 1]], [12]), ((6,), [[5], [0]], [2, -1, 1]),
             ((3, 4), np.zeros((0, 2)), [2, 6]), ((2, 2), [[1, 1]], [4, 1])]
    return [([_sparse_indices(rows, len(shape)), np.array(shape, np.int64),
              np.array(new, np.int64)], {}) for shape, rows, new in table]


def _sparse_reshape_expected(idx, shape, new):
    total = int(np.prod(shape))
    new = [int(d) for d in new]
    if -1 in new:
        new[new.index(-1)] = total // int(np.prod([d for d in new if d != -1]))
    out = []
    for row in idx:
        flat = 0
        for k, d in zip(row, shape):
            flat = flat * int(d) + int(k)
        coords = []
        for d in reversed(new):
            coords.append(flat % d)
            flat //= d
        out.append(coords[::-1])
    return np.array(out, np.int64).reshape(-1, len(new)), np.array(new, np.int64)


_add("sparse_reshape", _sparse_reshape_make, (I64,), _sparse_reshape_expected,
     value_checks=_SPARSE_BOUNDS)


def _sparse_union_make(rng, dtype):
    shape = np.array([3, 4], np.int64)
    table = [([[0, 0], [1, 2]], [[0, 0], [2, 1]]), ([[0, 1]], [[1, 1], [2, 0]]),
             ([[1, 2], [0, 0]], [[0, 0], [1, 2]]),  # unsorted: TF's merge order
             (np.zeros((0, 2)), [[2, 3]]), ([[0, 3], [2, 2]], np.zeros((0, 2)))]
    return [([_sparse_indices(a, 2), shape, _sparse_indices(b, 2), shape], {}) for a, b in table]


def _sparse_union_expected(a, a_shape, b, b_shape):
    # TF's SparseAdd: walk both lists at once, emitting the smaller index (both when equal)
    out, pa, pb, i, j = [], [], [], 0, 0
    ta, tb = [tuple(r) for r in a.tolist()], [tuple(r) for r in b.tolist()]
    while i < len(ta) or j < len(tb):
        if j == len(tb) or (i < len(ta) and ta[i] < tb[j]):
            pa.append(len(out))
            out.append(ta[i])
            i += 1
        elif i == len(ta) or tb[j] < ta[i]:
            pb.append(len(out))
            out.append(tb[j])
            j += 1
        else:
            pa.append(len(out))
            pb.append(len(out))
            out.append(ta[i])
            i, j = i + 1, j + 1
    return (np.array(out, np.int64).reshape(-1, a.shape[1]), np.array(pa, np.int64),
            np.array(pb, np.int64))


_add("sparse_union", _sparse_union_make, (I64,), _sparse_union_expected)


def _sparse_groups_make(rng, dtype):
    table = [[[1, 0], [0, 2], [1, 0], [0, 1]], [[3], [3], [3]], np.zeros((0, 2)),
             [[0, 0, 1], [0, 0, 1], [2, 0, 0]], np.zeros((3, 0))]
    return [([np.asarray(k, dtype.np).reshape(len(k), -1) if len(k) else
              np.zeros((0, 2), dtype.np)], {}) if not isinstance(k, np.ndarray) else
            ([k.astype(dtype.np)], {}) for k in table]


def _sparse_groups_edge(rng, dtype):  # bincount's use: the keys are checked to be >= 0
    return [([np.array([[2], [0], [2]], dtype.np)], {"check_nonnegative": True})]


def _sparse_groups_expected(keys, check_nonnegative=False):
    distinct = sorted(set(tuple(int(v) for v in r) for r in keys))
    if keys.shape[1] == 0 and len(keys):
        distinct = [()]
    ids = [distinct.index(tuple(int(v) for v in r)) for r in keys]
    return (np.array(distinct, np.int64).reshape(len(distinct), keys.shape[1]),
            np.array(ids, np.int64))


_add("sparse_groups", _sparse_groups_make, (I64, I32), _sparse_groups_expected,
     edge=_sparse_groups_edge)


def _sparse_matmul_make(rng, dtype):
    cases = []
    table = [((3, 4), [[0, 0], [1, 2], [2, 3]]), ((2, 2), [[0, 1], [1, 0], [1, 1]]),
             ((3, 4), np.zeros((0, 2))), ((1, 5), [[0, 4]])]
    for shape, rows in table:
        idx = _sparse_indices(rows, 2)
        vals = values(rng, (len(idx),), dtype)
        for adjoint_a in (False, True):
            for adjoint_b in (False, True):
                inner = shape[0] if adjoint_a else shape[1]
                b_shape = (2, inner) if adjoint_b else (inner, 2)
                cases.append(([idx, vals, np.array(shape, np.int64), values(rng, b_shape, dtype)],
                              {"adjoint_a": adjoint_a, "adjoint_b": adjoint_b}))
    return cases


def _sparse_matmul_expected(idx, vals, shape, b, adjoint_a, adjoint_b):
    dense = np.zeros(tuple(shape), vals.dtype)
    for row, v in zip(idx, vals):
        dense[tuple(row)] += v
    a = dense.T if adjoint_a else dense
    return (a @ (b.T if adjoint_b else b)).astype(vals.dtype)


_add("sparse_dense_matmul", _sparse_matmul_make, (F32, F64, I32), _sparse_matmul_expected,
     value_checks=_SPARSE_BOUNDS)


# -- tf.sets (graphflow/ops/sets.py): set operations along the last dimension --------------------
# The expected functions build each batch position's set with Python's set type and share no
# code with graphflow/ops/sets.py.

DATA_DEPENDENT_SHAPES |= {"dense_to_dense_set_operation", "dense_to_sparse_set_operation",
                          "sparse_to_sparse_set_operation", "set_size"}
_SET_OPERATIONS = ("a-b", "b-a", "intersection", "union")


def _set_elements(rng, shape, dtype):
    """Elements drawn from four values, so sets overlap and repeat."""
    picks = rng.integers(0, 4, shape)
    if dtype is STRING:
        return _smap(lambda k: [b"b", b"a", b"\xc3\xa9", b""][int(k)], picks)
    return (picks * 3 - 4).astype(dtype.np) if dtype.np.kind == "i" else picks.astype(dtype.np)


def _set_sparse(rng, dense_shape, dtype, keep=0.6):
    """(indices, values, dense_shape) of a random SparseTensor in row-major order."""
    rows = [idx for idx in np.ndindex(*dense_shape) if rng.random() < keep]
    indices = np.array(rows, np.int64).reshape(-1, len(dense_shape))
    return [indices, _set_elements(rng, (len(rows),), dtype), np.array(dense_shape, np.int64)]


_SET_DENSE_SHAPES = [((2, 3), (2, 4)), ((1, 1), (1, 2)), ((2, 2, 2), (2, 2, 3)), ((3, 0), (3, 2)),
                     ((0, 2), (0, 3))]


def _set_dense_dense_make(rng, dtype):
    cases = []
    for i, (sa, sb) in enumerate(_SET_DENSE_SHAPES):
        for op in _SET_OPERATIONS:
            cases.append(([_set_elements(rng, sa, dtype), _set_elements(rng, sb, dtype)],
                          {"set_operation": op, "validate_indices": i % 2 == 0}))
    return cases


def _set_dense_sparse_make(rng, dtype):
    cases = []
    for i, (sa, sb) in enumerate(_SET_DENSE_SHAPES):
        for op in _SET_OPERATIONS:
            cases.append(([_set_elements(rng, sa, dtype)] + _set_sparse(rng, sb, dtype),
                          {"set_operation": op, "validate_indices": i % 2 == 0}))
    return cases


def _set_sparse_sparse_make(rng, dtype):
    cases = []
    for i, (sa, sb) in enumerate(_SET_DENSE_SHAPES):
        for op in _SET_OPERATIONS:
            cases.append((_set_sparse(rng, sa, dtype) + _set_sparse(rng, sb, dtype),
                          {"set_operation": op, "validate_indices": i % 2 == 0}))
    return cases


def _set_sparse_unsorted_edge(rng, dtype):
    # without validation, unsorted and repeated indices still name their sets
    indices = np.array([[1, 0], [0, 1], [0, 1], [0, 0]], np.int64)
    vals = _set_elements(rng, (4,), dtype)
    return [([indices, vals, np.array([2, 2], np.int64)] + _set_sparse(rng, (2, 3), dtype),
             {"set_operation": op, "validate_indices": False}) for op in _SET_OPERATIONS]


def _sets_of_dense(a):
    return {pos: set(a[pos].tolist()) for pos in np.ndindex(*a.shape[:-1])}


def _sets_of_sparse(indices, vals, shape):
    out = {pos: set() for pos in np.ndindex(*[int(d) for d in shape[:-1]])}
    for row, v in zip(indices.tolist(), vals.tolist()):
        out[tuple(row[:-1])].add(v)
    return out


def _set_result(a, b, batch, set_operation, dtype):
    fn = {"a-b": lambda x, y: x - y, "b-a": lambda x, y: y - x,
          "intersection": lambda x, y: x & y, "union": lambda x, y: x | y}[set_operation]
    indices, vals, width = [], [], 0
    for pos in np.ndindex(*batch):
        members = sorted(fn(a[pos], b[pos]))
        width = max(width, len(members))
        for j, v in enumerate(members):
            indices.append(list(pos) + [j])
            vals.append(v)
    out_vals = np.empty(len(vals), object) if dtype == object else np.array(vals, dtype)
    if dtype == object:
        out_vals[:] = vals
    return (np.array(indices, np.int64).reshape(-1, len(batch) + 1), out_vals.reshape(-1),
            np.array(list(batch) + [width], np.int64))


def _set_dense_dense_expected(a, b, set_operation, validate_indices):
    return _set_result(_sets_of_dense(a), _sets_of_dense(b), a.shape[:-1], set_operation, a.dtype)


def _set_dense_sparse_expected(a, ib, vb, sb, set_operation, validate_indices):
    return _set_result(_sets_of_dense(a), _sets_of_sparse(ib, vb, sb), a.shape[:-1],
                       set_operation, a.dtype)


def _set_sparse_sparse_expected(ia, va, sa, ib, vb, sb, set_operation, validate_indices):
    return _set_result(_sets_of_sparse(ia, va, sa), _sets_of_sparse(ib, vb, sb),
                       tuple(int(d) for d in sa[:-1]), set_operation, va.dtype)


def _set_size_make(rng, dtype):
    return [(_set_sparse(rng, shape, dtype), {"validate_indices": i % 2 == 0})
            for i, shape in enumerate([(2, 3), (1, 1), (2, 2, 3), (3, 0), (0, 2), (4, 5)])]


def _set_size_edge(rng, dtype):
    indices = np.array([[1, 0], [0, 1], [0, 1], [0, 0]], np.int64)
    return [([indices, _set_elements(rng, (4,), dtype), np.array([2, 2], np.int64)],
             {"validate_indices": False})]


def _set_size_expected(indices, vals, shape, validate_indices):
    sets = _sets_of_sparse(indices, vals, shape)
    out = np.zeros([int(d) for d in shape[:-1]], np.int32)
    for pos, members in sets.items():
        out[pos] = len(members)
    return out


_SET_DTYPES = (I32, I64, I8, I16, U8, STRING)
_SET_CHECKS = "the stored indices must be sorted, distinct and inside dense_shape (all ones are not)"
_add("dense_to_dense_set_operation", _set_dense_dense_make, _SET_DTYPES, _set_dense_dense_expected)
_add("dense_to_sparse_set_operation", _set_dense_sparse_make, _SET_DTYPES,
     _set_dense_sparse_expected, value_checks=_SET_CHECKS)
_add("sparse_to_sparse_set_operation", _set_sparse_sparse_make, _SET_DTYPES,
     _set_sparse_sparse_expected, edge=_set_sparse_unsorted_edge, value_checks=_SET_CHECKS)
_add("set_size", _set_size_make, _SET_DTYPES, _set_size_expected, edge=_set_size_edge,
     value_checks=_SET_CHECKS)

# -- mutable lookup tables (graphflow/ops/hash_tables.py) ---------------------------------------
for _name in ("lookup_table_insert", "lookup_table_find", "lookup_table_remove",
              "lookup_table_size", "lookup_table_export"):
    SKIP_FORWARD[_name] = "STATEFUL: reads or changes a table resource (targeted test)"
# -- Fourier transforms (graphflow/ops/fft.py) ----------------------------------------------------

def _dft_matrix(n, m=None, inverse=False):
    """[m, n]: row k takes the k-th DFT coefficient of a length-n signal (m defaults to n)."""
    k = np.arange(n if m is None else m)[:, None]
    sign = 1 if inverse else -1
    return np.exp(sign * 2j * np.pi * k * np.arange(n)[None, :] / n)


def _dft_along(x, axis, n, m=None, inverse=False):
    out = np.moveaxis(np.moveaxis(x, axis, -1) @ _dft_matrix(n, m, inverse).T, -1, axis)
    return out / n if inverse else out


def _fit_axis(x, axis, n):
    have = x.shape[axis]
    if have >= n:
        return np.take(x, np.arange(n), axis=axis)
    pad = [(0, 0)] * x.ndim
    pad[axis] = (0, n - have)
    return np.pad(x, pad)


FFT_SHAPES = [(4,), (2, 5), (3, 4, 2), (1, 2, 3, 4), (2, 0)]


def _fft_make(rng, dtype):
    return [([values(rng, s, dtype)], {"rank": rank, "inverse": inverse})
            for s in FFT_SHAPES for rank in (1, 2, 3) if rank <= len(s)
            for inverse in (False, True)]


def _fft_expected(x, rank, inverse):
    out = x.astype(np.complex128)
    for axis in range(-rank, 0):
        out = _dft_along(out, axis, x.shape[axis], inverse=inverse)
    return out.astype(x.dtype)


RFFT_CASES = [((6,), 1, (6,)), ((5,), 1, (5,)), ((2, 6), 1, (8,)), ((2, 6), 1, (3,)),
              ((3, 4), 2, (3, 4)), ((3, 5), 2, (4, 6)), ((2, 3, 4), 3, (2, 3, 4)),
              ((2, 2, 3, 4), 2, (3, 5)), ((0, 4), 1, (4,))]


def _rfft_make(rng, dtype):
    return [([values(rng, s, dtype)], {"rank": rank, "fft_length": n}) for s, rank, n in RFFT_CASES]


def _rfft_expected(x, rank, fft_length):
    out = x.astype(np.complex128)
    for axis, n in zip(range(-rank, 0), fft_length):
        out = _fit_axis(out, axis, n)
        out = _dft_along(out, axis, n, m=n // 2 + 1 if axis == -1 else None)
    return out.astype(np.complex64 if x.dtype == np.float32 else np.complex128)


IRFFT_CASES = [((4,), 1, (6,)), ((3,), 1, (5,)), ((2, 5), 1, (8,)), ((2, 5), 1, (4,)),
               ((3, 3), 2, (3, 4)), ((3, 4), 2, (4, 5)), ((2, 3, 3), 3, (2, 3, 4)),
               ((0, 3), 1, (4,))]


def _irfft_make(rng, dtype):
    return [([values(rng, s, dtype)], {"rank": rank, "fft_length": n})
            for s, rank, n in IRFFT_CASES]


def _irfft_expected(y, rank, fft_length):
    out = y.astype(np.complex128)
    for axis, n in zip(range(-rank, -1), fft_length[:-1]):
        out = _dft_along(_fit_axis(out, axis, n), axis, n, inverse=True)
    n = fft_length[-1]
    half = _fit_axis(out, -1, n // 2 + 1)
    # the Hermitian extension the inverse assumes: X[n - k] = conj(X[k]); the imaginary parts
    # of bin 0 (and of bin n / 2 for even n) are ignored
    half = half.copy()
    half[..., 0] = half[..., 0].real
    if n % 2 == 0:
        half[..., -1] = half[..., -1].real
    tail = np.conj(half[..., 1:(n + 1) // 2][..., ::-1])
    full = np.concatenate([half, tail], axis=-1)
    real = np.float32 if y.dtype == np.complex64 else np.float64
    return _dft_along(full, -1, n, inverse=True).real.astype(real)


_add("fft", _fft_make, COMPLEX, _fft_expected, expected_complex=True)
_add("rfft", _rfft_make, FLOATS, _rfft_expected)
_add("irfft", _irfft_make, COMPLEX, _irfft_expected, expected_complex=True)


# -- eig, logm (graphflow/ops/matrix_complex.py) ---------------------------------------------------

EIG_SHAPES = [(1, 1), (2, 2), (3, 3), (2, 3, 3), (0, 2, 2)]


def _eig_matrix(rng, shape, dtype):
    # well-separated eigenvalues (a shifted diagonal plus a small perturbation), so they and
    # their order are smooth under finite differences
    n = shape[-1]
    base = np.diag(np.arange(1.0, n + 1) * 1.5)
    a = base + 0.3 * values(rng, shape, dtype)
    return a.astype(dtypes.as_dtype(dtype).np)


def _eig_make(rng, dtype):
    # eigenvalues only: the eigenvectors' phases are a LAPACK convention, so a loss reading
    # them is not differentiable as finite differences see it (tests/test_complex.py checks
    # TF's eigenvector gradient on phase-free losses)
    return [([_eig_matrix(rng, s, dtype)], {"compute_v": False}) for s in EIG_SHAPES]


def _eig_edge(rng, dtype):
    return [([_eig_matrix(rng, s, dtype)], {"compute_v": True}) for s in EIG_SHAPES]


_add("eig", _eig_make, FLOATS + COMPLEX, edge=_eig_edge)


def _eig_grad_make(rng, dtype):
    cases = []
    for s in EIG_SHAPES[:4]:
        a = _eig_matrix(rng, s, C128)
        e, v = np.linalg.eig(a)
        ge, gv = values(rng, e.shape, C128), values(rng, v.shape, C128)
        np_dtype = dtypes.as_dtype(dtype).np
        cases.append(([x.astype(np_dtype) for x in (e, v, ge, gv)],
                      {"real_input": len(cases) % 2 == 0}))
    return cases


_add("eig_grad", _eig_grad_make, COMPLEX,
     value_checks="the eigenvector matrix must be invertible (all ones is not)")


def _logm_make(rng, dtype):
    out = []
    for s in [(1, 1), (2, 2), (3, 3), (2, 3, 3), (0, 2, 2)]:
        n = s[-1]
        a = 2.0 * np.eye(n) + 0.4 * values(rng, s, dtype)
        out.append(([a.astype(dtypes.as_dtype(dtype).np)], {}))
    return out


def _logm_expected(a):
    # inverse scaling and squaring (the reference diagonalizes): principal square roots by
    # Denman-Beavers until near I, then the series of log(I + X), times 2^k
    out = np.zeros(a.shape, np.complex128)
    for idx in np.ndindex(a.shape[:-2]):
        x = a[idx].astype(np.complex128)
        eye = np.eye(x.shape[-1])
        k = 0
        while np.linalg.norm(x - eye, 1) > 0.01:
            y, z = x, eye.astype(np.complex128)
            for _ in range(60):
                y, z = 0.5 * (y + np.linalg.inv(z)), 0.5 * (z + np.linalg.inv(y))
            x, k = y, k + 1
        d, term, total = x - eye, eye.astype(np.complex128), 0
        for j in range(1, 60):
            term = term @ d
            total = total + ((-1) ** (j + 1) / j) * term
        out[idx] = total * 2.0 ** k
    return out.astype(a.dtype)


_add("logm", _logm_make, COMPLEX, _logm_expected, expected_complex=True)
