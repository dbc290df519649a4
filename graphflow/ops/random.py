"""Random ops (graphflow.random): uniform, normal, truncated_normal, categorical, poisson, gamma,
shuffle and set_seed; the stateless ops (stateless_random.py) and tf.random.Generator
(random_generator.py) are exported here too.

Seeds follow TF's rules (tf.random.set_seed), though the numbers differ from TF's (other
generators):

* no global seed and no op seed: fresh numbers every run;
* a global seed: the same program draws the same sequence (eager calls without an op seed share
  one stream; calls with the same op seed share theirs);
* an op seed without a global seed: TF's default global seed is used, so that op is
  reproducible too;
* in traced functions every random node has its own stream, seeded by the global seed and the
  op seed, or the node's position among the graph's random ops when there is no op seed: two
  functions with the same ops draw the same numbers, and so does a re-trace of one, while each
  call of a function draws new ones; `set_seed` restarts every stream, traced ones included.

    >>> import graphflow as tf
    >>> tf.random.set_seed(1); a = tf.random.uniform([2])
    >>> tf.random.set_seed(1); bool(tf.reduce_all(a == tf.random.uniform([2])))
    True
"""
import itertools
import weakref
import zlib

import numpy as np

from graphflow import dtypes
from graphflow.context import context
from graphflow.errors import InvalidArgumentError
from graphflow.ops import rules
from graphflow.ops.registry import BROADCAST, RANDOM, dispatch, register
from graphflow.ops.special import dlower_incomplete_gamma_da, lgamma_positive

DEFAULT_GRAPH_SEED = 87654321  # TF's global seed for ops that have an op seed but no global one


def set_seed(seed):
    """Sets the global seed: random ops become reproducible from here on, and every random
    stream (traced functions' included) starts again.

        >>> tf.random.set_seed(42)
    """
    with context.lock:
        context.global_seed = None if seed is None else int(seed)
        context.seed_counter = 0
        context.generators.clear()


# ---------------------------------------------------------------------------------------------
# Streams: a random op's `seed` attr names its stream; the stream is a NumPy Generator


def _entropy(key):
    """The seed words of a stream key, or None for a nondeterministic stream.

    ("global", g), ("op", g, s) and ("node", g, s, position, uid): a node with an op seed is
    seeded by (g, s) like an eager op with that seed; without one, by (g, position). The uid
    only keeps every node's stream its own."""
    if key[1] is None:
        return None
    if key[0] == "node":
        kind, g, s, position = key[:4]
        parts = ("op", g, s) if s is not None else (kind, g, position)
    else:
        parts = key
    # crc32, not hash(): str hashes change from process to process, and a seeded program must
    # draw the same numbers every time it runs.
    return [zlib.crc32(k.encode()) if isinstance(k, str) else int(k) % (2 ** 32) for k in parts]


def _generator(key):
    gen = context.generators.get(key)
    if gen is None:
        with context.lock:
            gen = context.generators.get(key)
            if gen is None:
                gen = context.generators[key] = np.random.default_rng(_entropy(key))
    return gen


def numpy_generator(purpose):
    """A NumPy Generator for host-side randomness (e.g. shuffling data in fit) that follows the
    global seed: reproducible after set_seed, fresh otherwise."""
    if context.global_seed is None:
        return np.random.default_rng()
    return _generator((purpose, context.global_seed))


_graph_positions = weakref.WeakKeyDictionary()  # Graph -> how many random nodes it has
_uids = itertools.count()


def _seed_key(seed):
    """The stream of a new random op (see the module docstring for TF's rules)."""
    g = context.global_seed
    op_seed = None if seed is None else int(seed)
    if g is None and op_seed is not None:
        g = DEFAULT_GRAPH_SEED
    graph = context.graph
    if graph is not None:
        with context.lock:
            position = _graph_positions.get(graph, 0)
            _graph_positions[graph] = position + 1
        return ("node", g, op_seed, position, next(_uids))
    if op_seed is None:
        return ("global", g)
    return ("op", g, op_seed)


# ---------------------------------------------------------------------------------------------
# Samplers: (NumPy Generator, parameters) -> array; shared with the stateless ops


def sample_uniform(gen, shape, dtype, minval, maxval):
    d = dtypes.as_dtype(dtype)
    if d.is_integer:
        return gen.integers(int(minval), int(maxval), size=shape, dtype=d.np)
    return (gen.random(shape, dtype=np.float64) * (maxval - minval) + minval).astype(d.np)


def sample_normal(gen, shape, dtype, mean=0.0, stddev=1.0):
    return (gen.standard_normal(shape) * stddev + mean).astype(dtypes.as_dtype(dtype).np)


def sample_truncated_normal(gen, shape, dtype, mean=0.0, stddev=1.0):
    out = gen.standard_normal(shape)
    bad = np.abs(out) > 2
    while bad.any():  # redraw values beyond two standard deviations, as TF does
        out[bad] = gen.standard_normal(int(bad.sum()))
        bad = np.abs(out) > 2
    return (out * stddev + mean).astype(dtypes.as_dtype(dtype).np)


def sample_categorical(gen, logits, num_samples, dtype):
    """num_samples class indices per row of logits (batch, classes), by inverting the CDF of
    softmax(logits). -inf logits are never drawn; a row with no finite logit gives index 0."""
    batch, classes = logits.shape
    out = np.zeros((batch, num_samples), dtype=dtypes.as_dtype(dtype).np)
    if batch == 0 or num_samples == 0 or classes == 0:
        return out
    x = logits.astype(np.float64)
    top = np.max(x, axis=1, keepdims=True)
    with np.errstate(invalid="ignore"):
        weights = np.exp(x - np.where(np.isfinite(top), top, 0.0))
    weights = np.where(np.isnan(weights), 0.0, weights)
    cdf = np.cumsum(weights, axis=1)
    total = cdf[:, -1:]
    u = gen.random((batch, num_samples)) * total
    for row in range(batch):
        if total[row, 0] > 0:
            # side="right" with u < total never lands on a zero-weight class
            out[row] = np.minimum(np.searchsorted(cdf[row], u[row], side="right"), classes - 1)
    return out


def sample_poisson(gen, lam, shape, dtype):
    """Poisson counts with shape `shape + lam.shape`; rates <= 0 give 0 (as TF), NaN rates NaN."""
    lam = lam.astype(np.float64)
    counts = gen.poisson(np.where(lam > 0, lam, 0.0), size=tuple(shape) + lam.shape)
    d = dtypes.as_dtype(dtype)
    if d.is_floating:
        return np.where(np.isnan(lam), np.nan, counts).astype(d.np)
    return counts.astype(d.np)


def sample_standard_gamma(gen, alpha, shape, dtype):
    """Gamma(alpha, 1) samples with shape `shape + alpha.shape`; NaN where alpha <= 0."""
    a = alpha.astype(np.float64)
    samples = gen.standard_gamma(np.where(a > 0, a, 1.0), size=tuple(shape) + a.shape)
    return np.where(a > 0, samples, np.nan).astype(dtypes.as_dtype(dtype).np)


# ---------------------------------------------------------------------------------------------
# Stateful random ops (their stream named by the `seed` attr)


def _random_infer(specs, shape, dtype, seed, **params):
    if shape is None:  # the shape is input 0, computed when the graph runs
        from graphflow.ops.static import shape_of_spec
        rules.check_kind("random", specs[0], "iu")
        return [(shape_of_spec(specs[0]), dtypes.as_dtype(dtype))]
    return [(tuple(shape), dtypes.as_dtype(dtype))]


def _with_shape(ref):
    """A random reference that takes its shape from input 0 when attr `shape` is None."""
    def run(*dims, shape, **attrs):
        if shape is None:
            shape = tuple(int(d) for d in np.asarray(dims[0]).reshape(-1))
            if any(d < 0 for d in shape):
                raise InvalidArgumentError(f"random: shape dimensions must be >= 0, got "
                                           f"{list(shape)}")
        return ref(shape, **attrs)
    return run


def _static_form(op):
    """Once a computed shape is a constant: the same op with the shape as its attr."""
    def form(values, attrs):
        return op, (), dict(attrs, shape=tuple(int(d) for d in np.asarray(values[0]).reshape(-1)))
    return form


def _uniform_ref(shape, dtype, seed, minval, maxval):
    return sample_uniform(_generator(seed), shape, dtype, minval, maxval)


def _normal_ref(shape, dtype, seed, mean, stddev):
    return sample_normal(_generator(seed), shape, dtype, mean, stddev)


def _truncated_ref(shape, dtype, seed, mean, stddev):
    return sample_truncated_normal(_generator(seed), shape, dtype, mean, stddev)


UNIFORM = register("random_uniform", RANDOM, _random_infer, _with_shape(_uniform_ref))
NORMAL = register("random_normal", RANDOM, _random_infer, _with_shape(_normal_ref))
TRUNCATED = register("truncated_normal", RANDOM, _random_infer, _with_shape(_truncated_ref))
for _op in (UNIFORM, NORMAL, TRUNCATED):
    _op.value_inputs = (0,)
    _op.static_form = _static_form(_op)


def categorical_rule(op, logits, num_samples, dtype):
    """The (batch, num_samples) output of the categorical ops, checking the logits."""
    if not logits.dtype.is_floating:
        raise InvalidArgumentError(f"{op}: logits must be floating-point, got {logits.dtype.name}")
    if logits.shape is not None and len(logits.shape) != 2:
        raise InvalidArgumentError(
            f"{op}: logits should be a matrix (batch, classes), got shape {logits.shape}")
    batch = None if logits.shape is None else logits.shape[0]
    return [((batch, num_samples), dtypes.as_dtype(dtype))]


def _categorical_infer(specs, num_samples, dtype, seed):
    return categorical_rule("random_categorical", specs[0], num_samples, dtype)


def _categorical_ref(logits, num_samples, dtype, seed):
    from graphflow.ops.rules import ArraySpec
    _categorical_infer([ArraySpec(logits)], num_samples, dtype, seed)
    return sample_categorical(_generator(seed), logits, num_samples, dtype)


def _parameterized_infer(op, kinds):
    def infer(specs, shape, dtype, seed):
        (p,) = specs
        if p.dtype.np.kind not in kinds:
            raise InvalidArgumentError(
                f"{op}: its parameter must be floating-point, got {p.dtype.name}")
        return [(None if p.shape is None else tuple(shape) + tuple(p.shape),
                 dtypes.as_dtype(dtype))]
    return infer


def _parameterized_ref(op, sampler):
    infer = _parameterized_infer(op, "f")

    def ref(p, shape, dtype, seed):
        from graphflow.ops.rules import ArraySpec
        infer([ArraySpec(p)], shape, dtype, seed)
        return sampler(_generator(seed), p, shape, dtype)
    return ref


def _gamma_grad(inputs, outputs, dy, shape, dtype, seed):
    # Implicit reparameterization (TF's RandomGammaGrad): d sample / d alpha, summed over the
    # sample axes `shape` that the alpha values are broadcast along.
    alpha = inputs[0]
    partial = dispatch(RANDOM_GAMMA_GRAD, (alpha, outputs[0]))
    from graphflow.ops.reduce import reduce_sum
    lead = list(range(len(shape)))
    return (reduce_sum(dy * partial, lead) if lead else dy * partial,)


CATEGORICAL = register("random_categorical", RANDOM, _categorical_infer, _categorical_ref)
POISSON = register("random_poisson", RANDOM, _parameterized_infer("random_poisson", "f"),
                   _parameterized_ref("random_poisson", sample_poisson))
STANDARD_GAMMA = register("random_standard_gamma", RANDOM,
                          _parameterized_infer("random_standard_gamma", "f"),
                          _parameterized_ref("random_standard_gamma", sample_standard_gamma),
                          _gamma_grad)


# -- d sample / d alpha for Gamma(alpha, 1) samples: -dP(alpha, x)/dalpha / density(x) ---------

def _gamma_sample_grad_ref(alpha, sample):
    from graphflow.ops.rules import ArraySpec
    _gamma_sample_grad_infer([ArraySpec(alpha), ArraySpec(sample)])
    a = np.broadcast_to(alpha, np.broadcast_shapes(alpha.shape, sample.shape)).astype(np.float64)
    x = sample.astype(np.float64)
    with np.errstate(all="ignore"):
        dp_da = dlower_incomplete_gamma_da(a, x)
        log_density = (a - 1) * np.log(x) - x - lgamma_positive(a)
        grad = -dp_da / np.exp(log_density)
    grad = np.where((a > 0) & (x > 0), grad, np.where(a > 0, 0.0, np.nan))
    return grad.astype(sample.dtype)


def _gamma_sample_grad_infer(specs):
    from graphflow.ops.rules import broadcast_shapes, check_kind
    alpha, sample = specs
    check_kind("random_gamma_grad", alpha, "f")
    return [(broadcast_shapes("random_gamma_grad", alpha.shape, sample.shape), sample.dtype)]


RANDOM_GAMMA_GRAD = register(
    "random_gamma_grad", BROADCAST, _gamma_sample_grad_infer, _gamma_sample_grad_ref,
    same_dtype=(0, 1), doc="d sample / d alpha of Gamma(alpha, 1) samples (no gradient, as TF)")


# ---------------------------------------------------------------------------------------------
# Public functions


def _shape_attr(shape, op_name):
    if hasattr(shape, "numpy"):
        if hasattr(shape, "node"):
            raise InvalidArgumentError(f"{op_name}: the shape must be known while building the "
                                       "graph (a runtime shape tensor is not supported)")
        shape = shape.numpy()
    if hasattr(shape, "as_list"):
        shape = shape.as_list()
    try:
        shape = tuple(int(d) for d in np.asarray(shape).reshape(-1))
    except (TypeError, ValueError):
        raise InvalidArgumentError(
            f"{op_name}: shape must be a list of ints, got {shape!r}") from None
    if any(d < 0 for d in shape):
        raise InvalidArgumentError(f"{op_name}: shape dimensions must be >= 0, got {list(shape)}")
    return shape


def _shape_inputs(shape, op_name):
    """(inputs, shape attr): no inputs and the shape when it is known while tracing, else the
    shape tensor (computed when the graph runs) as input 0 and None."""
    from graphflow.ops import dynamic_shape
    known, computed = dynamic_shape.shape_operand(shape, op_name)
    return ((), known) if computed is None else ((computed,), None)


def _float_param(value, op_name, what):
    if hasattr(value, "numpy") and not hasattr(value, "node"):
        value = value.numpy()
    try:
        return float(value)
    except (TypeError, ValueError):
        raise InvalidArgumentError(f"{op_name}: {what} must be a scalar, got {value!r}") from None


def _uniform_bounds(op_name, dtype, minval, maxval):
    """(minval, maxval) as floats; integer dtypes need both bounds (TF)."""
    if dtype.is_integer:
        if maxval is None or minval is None:
            raise InvalidArgumentError(
                f"{op_name}: for integer dtype {dtype.name}, minval and maxval must both be "
                f"given, got minval={minval!r}, maxval={maxval!r}")
    elif not dtype.is_floating:
        raise InvalidArgumentError(f"{op_name}: unsupported dtype {dtype.name}")
    lo = _float_param(0 if minval is None else minval, op_name, "minval")
    hi = _float_param(1 if maxval is None else maxval, op_name, "maxval")
    if dtype.is_integer and lo >= hi:
        raise InvalidArgumentError(f"{op_name}: need minval < maxval, got {lo} >= {hi}")
    return lo, hi


def uniform(shape, minval=0, maxval=None, dtype=dtypes.float32, seed=None, name=None):
    """Uniform values in [minval, maxval) (maxval defaults to 1 for floats; required for ints).

        >>> tf.random.uniform([2, 3]).shape
        TensorShape([2, 3])
    """
    dtype = dtypes.as_dtype(dtype)
    inputs, shape = _shape_inputs(shape, "random.uniform")
    lo, hi = _uniform_bounds("random.uniform", dtype, minval, maxval)
    return dispatch(UNIFORM, inputs, {"shape": shape, "dtype": dtype.name,
                                      "seed": _seed_key(seed), "minval": lo, "maxval": hi}, name)


def _normal_like(op, op_name, shape, mean, stddev, dtype, seed, name):
    dtype = dtypes.as_dtype(dtype)
    if not dtype.is_floating:
        raise InvalidArgumentError(f"{op_name}: dtype must be floating-point, got {dtype.name}")
    inputs, static_shape = _shape_inputs(shape, op_name)
    return dispatch(op, inputs, {"shape": static_shape, "dtype": dtype.name,
                                 "seed": _seed_key(seed), "mean": _float_param(mean, op_name, "mean"),
                                 "stddev": _float_param(stddev, op_name, "stddev")}, name)


def normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    """Normally distributed values.

        >>> tf.random.normal([3], mean=1.0, stddev=0.0).numpy()
        array([1., 1., 1.], dtype=float32)
    """
    return _normal_like(NORMAL, "random.normal", shape, mean, stddev, dtype, seed, name)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    """Normal values, redrawn when more than two standard deviations from the mean.

        >>> float(tf.reduce_max(tf.abs(tf.random.truncated_normal([100])))) <= 2.0
        True
    """
    return _normal_like(TRUNCATED, "random.truncated_normal", shape, mean, stddev, dtype, seed,
                        name)


def _uniform_like_ref(x, seed):
    return _generator(seed).random(x.shape, dtype=np.float64).astype(x.dtype)


UNIFORM_LIKE = register("random_uniform_like", RANDOM,
                        lambda specs, seed: [(specs[0].shape, specs[0].dtype)], _uniform_like_ref)
SHUFFLE = register("random_shuffle", RANDOM, lambda specs, seed: [(specs[0].shape, specs[0].dtype)],
                   lambda x, seed: x[_generator(seed).permutation(x.shape[0])] if x.ndim else x)


def uniform_like(x, seed=None):
    """Uniform [0, 1) values with x's (runtime) shape and floating dtype; dropout's mask source."""
    return dispatch(UNIFORM_LIKE, (x,), {"seed": _seed_key(seed)})


def shuffle(value, seed=None, name=None):
    """A random permutation of value along axis 0 (a new one each time it runs).

        >>> sorted(tf.random.shuffle(tf.constant([1, 2, 3])).numpy().tolist())
        [1, 2, 3]
    """
    return dispatch(SHUFFLE, (value,), {"seed": _seed_key(seed)}, name)


def _tensor(x, name, dtype=None):
    from graphflow.ops.creation import convert_to_tensor
    return convert_to_tensor(x, dtype_hint=dtype, name=name)


def _num_samples(op_name, num_samples):
    if hasattr(num_samples, "numpy") and not hasattr(num_samples, "node"):
        num_samples = num_samples.numpy()
    try:
        n = int(num_samples)
    except (TypeError, ValueError):
        raise InvalidArgumentError(
            f"{op_name}: num_samples must be a known integer, got {num_samples!r}") from None
    if n < 0:
        raise InvalidArgumentError(f"{op_name}: num_samples must be >= 0, got {n}")
    return n


def categorical(logits, num_samples, dtype=None, seed=None, name=None):
    """num_samples draws per row of logits (batch, classes) from softmax(logits), as int64
    (or `dtype`) of shape (batch, num_samples).

        >>> tf.random.categorical(tf.math.log([[0.0, 1.0]]), 3).numpy()
        array([[1, 1, 1]])
    """
    dtype = dtypes.int64 if dtype is None else dtypes.as_dtype(dtype)
    if not dtype.is_integer:
        raise InvalidArgumentError(f"random.categorical: dtype must be an integer type, got "
                                   f"{dtype.name}")
    logits = _tensor(logits, "logits")
    return dispatch(CATEGORICAL, (logits,), {
        "num_samples": _num_samples("random.categorical", num_samples), "dtype": dtype.name,
        "seed": _seed_key(seed)}, name)


def poisson(shape, lam, dtype=dtypes.float32, seed=None, name=None):
    """Poisson counts for every rate in lam: shape `shape + lam.shape`, in `dtype` (floats or
    integers).

        >>> tf.random.poisson([4], [1.0, 5.0]).shape
        TensorShape([4, 2])
    """
    dtype = dtypes.as_dtype(dtype)
    if not (dtype.is_floating or dtype.is_integer):
        raise InvalidArgumentError(f"random.poisson: unsupported dtype {dtype.name}")
    lam = _tensor(lam, "lam", dtypes.float32)
    return dispatch(POISSON, (lam,), {"shape": _shape_attr(shape, "random.poisson"),
                                      "dtype": dtype.name, "seed": _seed_key(seed)}, name)


def gamma(shape, alpha, beta=None, dtype=dtypes.float32, seed=None, name=None):
    """Gamma(alpha, beta) samples (beta is the rate; 1 by default) of shape
    `shape + broadcast(alpha, beta).shape`, at least the smallest positive float. Differentiable
    in alpha (implicit reparameterization, as TF) and beta.

        >>> tf.random.gamma([5], [0.5, 1.5]).shape
        TensorShape([5, 2])
    """
    from graphflow.ops import elementwise as ew
    dtype = dtypes.as_dtype(dtype)
    if not dtype.is_floating:
        raise InvalidArgumentError(f"random.gamma: dtype must be floating-point, got {dtype.name}")
    alpha = ew.cast(_tensor(alpha, "alpha", dtype), dtype)
    if beta is not None:
        beta = ew.cast(_tensor(beta, "beta", dtype), dtype)
        alpha = alpha + ew.zeros_like(beta)
    samples = dispatch(STANDARD_GAMMA, (alpha,), {
        "shape": _shape_attr(shape, "random.gamma"), "dtype": dtype.name, "seed": _seed_key(seed)})
    if beta is not None:
        samples = samples / beta
    return ew.maximum(samples, float(np.finfo(dtype.np).tiny), name)


# The stateless ops and tf.random.Generator, defined in their own modules.
from graphflow.ops.stateless_random import (  # noqa: E402,F401
    fold_in, split, stateless_categorical, stateless_gamma, stateless_normal, stateless_poisson,
    stateless_truncated_normal, stateless_uniform)
from graphflow.ops.random_generator import (  # noqa: E402,F401
    Algorithm, Generator, create_rng_state, get_global_generator, set_global_generator)
