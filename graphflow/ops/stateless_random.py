"""Stateless random ops (tf.random.stateless_*): pure functions of a shape-[2] integer seed, so
the same seed always gives the same numbers, eagerly, in traced functions and across runs.

Each op keys a Philox generator with the seed pair (NumPy's Philox4x64), so different seeds give
independent streams, and a larger shape extends a smaller one's numbers. The ops are OPAQUE, not
RANDOM: like any pure op they may be deduplicated and constant-folded.

    >>> import graphflow as tf
    >>> a = tf.random.stateless_uniform([3], seed=[1, 2])
    >>> bool(tf.reduce_all(a == tf.random.stateless_uniform([3], seed=[1, 2])))
    True
"""
import numpy as np

from graphflow import dtypes
from graphflow.errors import InvalidArgumentError
from graphflow.ops import elementwise as ew
from graphflow.ops import random as rnd
from graphflow.ops import rules
from graphflow.ops.registry import OPAQUE, dispatch, register


def philox(seed):
    """The NumPy Generator of a seed pair: Philox keyed by the two words (as uint64)."""
    key = np.asarray(seed).astype(np.int64).view(np.uint64)
    return np.random.Generator(np.random.Philox(key=key))


def _check_seed(op, spec, position):
    if not spec.dtype.is_integer:
        raise InvalidArgumentError(
            f"{op}: seed must be an int32 or int64 tensor of shape [2], got {spec.dtype.name}")
    if spec.shape is not None and (len(spec.shape) != 1 or spec.shape[0] not in (2, None)):
        raise InvalidArgumentError(
            f"{op}: seed must have shape [2], not {list(spec.shape)}")


def _shaped_infer(op):
    def infer(specs, shape, dtype, **params):
        _check_seed(op, specs[0], 0)
        if shape is None:  # the shape is input 1, computed when the graph runs
            from graphflow.ops.static import shape_of_spec
            rules.check_kind(op, specs[1], "iu")
            return [(shape_of_spec(specs[1]), dtypes.as_dtype(dtype))]
        return [(tuple(shape), dtypes.as_dtype(dtype))]
    return infer


def _shaped_ref(op, sampler):
    infer = _shaped_infer(op)

    def ref(seed, *dims, shape, dtype, **params):
        if shape is None:
            shape = tuple(int(d) for d in np.asarray(dims[0]).reshape(-1))
            if any(d < 0 for d in shape):
                raise InvalidArgumentError(f"{op}: shape dimensions must be >= 0, got "
                                           f"{list(shape)}")
        infer([rules.ArraySpec(seed)], shape, dtype, **params)
        return sampler(philox(seed), shape, dtype, **params)
    ref.__name__ = f"ref_{op}"
    return ref


def _static_form(op):
    """Once a computed shape is a constant: the same op with the shape as its attr."""
    def form(values, attrs):
        return op, (0,), dict(attrs, shape=tuple(int(d) for d in np.asarray(values[1]).reshape(-1)))
    return form


def _sample_uniform_int(gen, shape, dtype, minval, maxval):
    return gen.integers(minval, maxval - 1, size=shape, dtype=dtypes.as_dtype(dtype).np,
                        endpoint=True)


def _sample_unit_uniform(gen, shape, dtype):
    return rnd.sample_uniform(gen, shape, dtype, 0, 1)


UNIFORM = register("stateless_random_uniform", OPAQUE, _shaped_infer("stateless_random_uniform"),
                   _shaped_ref("stateless_random_uniform", _sample_unit_uniform))
UNIFORM_INT = register("stateless_random_uniform_int", OPAQUE,
                       _shaped_infer("stateless_random_uniform_int"),
                       _shaped_ref("stateless_random_uniform_int", _sample_uniform_int))
NORMAL = register("stateless_random_normal", OPAQUE, _shaped_infer("stateless_random_normal"),
                  _shaped_ref("stateless_random_normal", rnd.sample_normal))
TRUNCATED = register("stateless_truncated_normal", OPAQUE,
                     _shaped_infer("stateless_truncated_normal"),
                     _shaped_ref("stateless_truncated_normal", rnd.sample_truncated_normal))
for _op in (UNIFORM, UNIFORM_INT, NORMAL, TRUNCATED):
    _op.value_inputs = (1,)  # a shape computed when the graph runs ([tf.shape(x)[0], 4])
    _op.static_form = _static_form(_op)


def _categorical_infer(specs, num_samples, dtype):
    logits, seed = specs
    _check_seed("stateless_categorical", seed, 1)
    return rnd.categorical_rule("stateless_categorical", logits, num_samples, dtype)


def _categorical_ref(logits, seed, num_samples, dtype):
    _categorical_infer([rules.ArraySpec(logits), rules.ArraySpec(seed)], num_samples, dtype)
    return rnd.sample_categorical(philox(seed), logits, num_samples, dtype)


def _parameterized_infer(op):
    base = rnd._parameterized_infer(op, "f")

    def infer(specs, shape, dtype):
        p, seed = specs
        _check_seed(op, seed, 1)
        return base([p], shape, dtype, None)
    return infer


def _parameterized_ref(op, sampler):
    infer = _parameterized_infer(op)

    def ref(p, seed, shape, dtype):
        infer([rules.ArraySpec(p), rules.ArraySpec(seed)], shape, dtype)
        return sampler(philox(seed), p, shape, dtype)
    return ref


def _gamma_grad(inputs, outputs, dy, shape, dtype):
    return rnd._gamma_grad(inputs[:1], outputs, dy, shape, dtype, None) + (None,)


CATEGORICAL = register("stateless_categorical", OPAQUE, _categorical_infer, _categorical_ref)
POISSON = register("stateless_random_poisson", OPAQUE,
                   _parameterized_infer("stateless_random_poisson"),
                   _parameterized_ref("stateless_random_poisson", rnd.sample_poisson))
GAMMA = register("stateless_random_gamma", OPAQUE, _parameterized_infer("stateless_random_gamma"),
                 _parameterized_ref("stateless_random_gamma", rnd.sample_standard_gamma),
                 _gamma_grad)


# ---------------------------------------------------------------------------------------------
# Public functions


def _seed(seed, op):
    from graphflow.ops.creation import convert_to_tensor
    from graphflow.ops.registry import Spec
    seed = convert_to_tensor(seed, name="seed")
    _check_seed(op, Spec(seed.shape.dims_tuple(), seed.dtype), 0)
    return seed


def stateless_uniform(shape, seed, minval=0, maxval=None, dtype=dtypes.float32, name=None,
                      alg="auto_select"):
    """Uniform values in [minval, maxval), a function of `seed` (shape [2]); integer dtypes need
    both bounds (and give uniform integers). Floats are u * (maxval - minval) + minval, so
    gradients reach minval and maxval, as in TF.

        >>> tf.random.stateless_uniform([2], seed=[1, 2], minval=0, maxval=10,
        ...                             dtype=tf.int32).dtype
        tf.int32
    """
    op = "random.stateless_uniform"
    dtype = dtypes.as_dtype(dtype)
    computed, shape = rnd._shape_inputs(shape, op)
    seed = _seed(seed, op)
    if dtype.is_integer:
        lo, hi = rnd._uniform_bounds(op, dtype, minval, maxval)
        return dispatch(UNIFORM_INT, (seed, *computed), {"shape": shape, "dtype": dtype.name,
                                                         "minval": int(lo), "maxval": int(hi)},
                        name)
    if not dtype.is_floating:
        raise InvalidArgumentError(f"{op}: unsupported dtype {dtype.name}")
    u = dispatch(UNIFORM, (seed, *computed), {"shape": shape, "dtype": dtype.name})
    if maxval is None:
        maxval = 1.0
    if _is_number(minval, 0) and _is_number(maxval, 1):
        return ew.identity(u, name)
    lo, hi = (ew.cast(_to(v, dtype), dtype) for v in (minval, maxval))
    return ew.add(u * (hi - lo), lo, name)


def _is_number(value, target):
    return isinstance(value, (int, float)) and value == target


def _to(value, dtype):
    from graphflow.ops.creation import convert_to_tensor
    return convert_to_tensor(value, dtype_hint=dtype)


def _scaled(op_def, op, shape, seed, mean, stddev, dtype, name):
    dtype = dtypes.as_dtype(dtype)
    if not dtype.is_floating:
        raise InvalidArgumentError(f"{op}: dtype must be floating-point, got {dtype.name}")
    computed, shape = rnd._shape_inputs(shape, op)
    z = dispatch(op_def, (_seed(seed, op), *computed), {"shape": shape, "dtype": dtype.name})
    if _is_number(mean, 0) and _is_number(stddev, 1):
        return ew.identity(z, name)
    return ew.add(z * ew.cast(_to(stddev, dtype), dtype), ew.cast(_to(mean, dtype), dtype), name)


def stateless_normal(shape, seed, mean=0.0, stddev=1.0, dtype=dtypes.float32, name=None,
                     alg="auto_select"):
    """Normal values, a function of `seed` (shape [2]).

        >>> tf.random.stateless_normal([2, 3], seed=[7, 8]).shape
        TensorShape([2, 3])
    """
    return _scaled(NORMAL, "random.stateless_normal", shape, seed, mean, stddev, dtype, name)


def stateless_truncated_normal(shape, seed, mean=0.0, stddev=1.0, dtype=dtypes.float32,
                               name=None, alg="auto_select"):
    """Normal values within two standard deviations of the mean, a function of `seed`.

        >>> float(tf.reduce_max(tf.abs(tf.random.stateless_truncated_normal([50], [1, 2])))) <= 2
        True
    """
    return _scaled(TRUNCATED, "random.stateless_truncated_normal", shape, seed, mean, stddev,
                   dtype, name)


def stateless_categorical(logits, num_samples, seed, dtype=dtypes.int64, name=None):
    """num_samples draws per row of logits (batch, classes), a function of `seed`.

        >>> tf.random.stateless_categorical(tf.math.log([[0.0, 1.0]]), 2, seed=[1, 2]).numpy()
        array([[1, 1]])
    """
    op = "random.stateless_categorical"
    dtype = dtypes.as_dtype(dtype)
    if not dtype.is_integer:
        raise InvalidArgumentError(f"{op}: dtype must be an integer type, got {dtype.name}")
    from graphflow.ops.creation import convert_to_tensor
    return dispatch(CATEGORICAL, (convert_to_tensor(logits), _seed(seed, op)),
                    {"num_samples": rnd._num_samples(op, num_samples), "dtype": dtype.name}, name)


def stateless_poisson(shape, seed, lam, dtype=dtypes.int32, name=None):
    """Poisson counts for every rate in lam (shape `shape + lam.shape`), a function of `seed`.

        >>> tf.random.stateless_poisson([3], seed=[1, 2], lam=[1.0, 4.0]).shape
        TensorShape([3, 2])
    """
    op = "random.stateless_poisson"
    dtype = dtypes.as_dtype(dtype)
    lam = _to(lam, dtypes.float32)
    if not lam.dtype.is_floating:
        lam = ew.cast(lam, dtypes.float32)
    return dispatch(POISSON, (lam, _seed(seed, op)),
                    {"shape": rnd._shape_attr(shape, op), "dtype": dtype.name}, name)


def stateless_gamma(shape, seed, alpha, beta=None, dtype=dtypes.float32, name=None):
    """Gamma(alpha, beta) samples (beta the rate), a function of `seed`; differentiable in
    alpha and beta.

        >>> tf.random.stateless_gamma([4], seed=[1, 2], alpha=[0.5, 2.0]).shape
        TensorShape([4, 2])
    """
    op = "random.stateless_gamma"
    dtype = dtypes.as_dtype(dtype)
    if not dtype.is_floating:
        raise InvalidArgumentError(f"{op}: dtype must be floating-point, got {dtype.name}")
    alpha = ew.cast(_to(alpha, dtype), dtype)
    if beta is not None:
        beta = ew.cast(_to(beta, dtype), dtype)
        alpha = alpha + ew.zeros_like(beta)
    samples = dispatch(GAMMA, (alpha, _seed(seed, op)),
                       {"shape": rnd._shape_attr(shape, op), "dtype": dtype.name})
    if beta is not None:
        samples = samples / beta
    return ew.maximum(samples, float(np.finfo(dtype.np).tiny), name)


def split(seed, num=2, alg="auto_select"):
    """`num` new seeds (shape [num, 2], the seed's dtype) derived from `seed`, for the stateless
    ops.

        >>> tf.random.split([1, 2], 3).shape
        TensorShape([3, 2])
    """
    op = "random.split"
    seed = _seed(seed, op)
    info = np.iinfo(seed.dtype.np)
    return dispatch(UNIFORM_INT, (seed,), {"shape": (int(num), 2), "dtype": seed.dtype.name,
                                           "minval": int(info.min), "maxval": int(info.max) + 1})


def _fold_in_infer(specs):
    seed, data = specs
    _check_seed("random_fold_in", seed, 0)
    if not data.dtype.is_integer or (data.shape is not None and len(data.shape) != 0):
        raise InvalidArgumentError(
            f"random_fold_in: data must be an integer scalar, got {data.dtype.name} with shape "
            f"{data.shape}")
    return [((2,), seed.dtype)]


def _fold_in_ref(seed, data):
    """Philox keyed by the seed with `data` as its counter: the seed's stream at position data."""
    _fold_in_infer([rules.ArraySpec(seed), rules.ArraySpec(data)])
    key = np.asarray(seed).astype(np.int64).view(np.uint64)
    counter = np.array([int(data) % 2 ** 64, 0, 0, 0], dtype=np.uint64)
    gen = np.random.Generator(np.random.Philox(key=key, counter=counter))
    info = np.iinfo(seed.dtype)
    return gen.integers(info.min, info.max, size=2, dtype=seed.dtype, endpoint=True)


FOLD_IN = register("random_fold_in", OPAQUE, _fold_in_infer, _fold_in_ref)


def fold_in(seed, data, alg="auto_select"):
    """A new seed (shape [2]) derived from `seed` and the integer `data` (e.g. a step number):
    one seed per data value, as TF's Philox-based fold_in.

        >>> bool(tf.reduce_any(tf.random.fold_in([1, 2], 5) != tf.random.fold_in([1, 2], 6)))
        True
    """
    from graphflow.ops.creation import convert_to_tensor
    seed = _seed(seed, "random.fold_in")
    return dispatch(FOLD_IN, (seed, convert_to_tensor(data, name="data")), None)
