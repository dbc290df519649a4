"""Random ops (graphflow.random): uniform, normal, truncated_normal, and set_seed.

Streams are reproducible the way TF's are: after `set_seed(s)` the same program draws the same
numbers. Each random op names its stream with a `seed` key in its attrs; eager calls without an
op seed share one stream, calls with an op seed get their own, and graph nodes get one each.

    >>> import graphflow as tf
    >>> tf.random.set_seed(1); a = tf.random.uniform([2])
    >>> tf.random.set_seed(1); bool(tf.reduce_all(a == tf.random.uniform([2])))
    True
"""
import zlib

import numpy as np

from graphflow import dtypes
from graphflow.context import context
from graphflow.errors import InvalidArgumentError
from graphflow.ops import rules
from graphflow.ops.registry import RANDOM, dispatch, register


def set_seed(seed):
    """Sets the global seed: random ops become reproducible from here on.

        >>> tf.random.set_seed(42)
    """
    context.global_seed = None if seed is None else int(seed)
    context.seed_counter = 0
    context.generators.clear()


def _generator(key):
    gen = context.generators.get(key)
    if gen is None:
        # crc32, not hash(): str hashes change from process to process, and a seeded program must
        # draw the same numbers every time it runs.
        entropy = None if key[1] is None else [zlib.crc32(k.encode()) if isinstance(k, str)
                                               else int(k) % (2 ** 32) for k in key if k is not None]
        gen = np.random.default_rng(entropy)
        context.generators[key] = gen
    return gen


def numpy_generator(purpose):
    """A NumPy Generator for host-side randomness (e.g. shuffling data in fit) that follows the
    global seed: reproducible after set_seed, fresh otherwise."""
    if context.global_seed is None:
        return np.random.default_rng()
    return _generator((purpose, context.global_seed))


def _seed_key(seed):
    """The stream for a new random op. Eagerly, op-less seeds share the global stream."""
    if context.graph is not None:
        context.seed_counter += 1
        return ("node", context.global_seed, seed, context.seed_counter)
    if seed is None:
        return ("global", context.global_seed)
    return ("op", context.global_seed, int(seed))


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
    gen = _generator(seed)
    d = dtypes.as_dtype(dtype)
    if d.is_integer:
        return gen.integers(int(minval), int(maxval), size=shape, dtype=d.np)
    return (gen.random(shape, dtype=np.float64) * (maxval - minval) + minval).astype(d.np)


def _normal_ref(shape, dtype, seed, mean, stddev):
    gen = _generator(seed)
    return (gen.standard_normal(shape) * stddev + mean).astype(dtypes.as_dtype(dtype).np)


def _truncated_ref(shape, dtype, seed, mean, stddev):
    gen = _generator(seed)
    out = gen.standard_normal(shape)
    bad = np.abs(out) > 2
    while bad.any():  # redraw values beyond two standard deviations, as TF does
        out[bad] = gen.standard_normal(int(bad.sum()))
        bad = np.abs(out) > 2
    return (out * stddev + mean).astype(dtypes.as_dtype(dtype).np)


UNIFORM = register("random_uniform", RANDOM, _random_infer, _with_shape(_uniform_ref))
NORMAL = register("random_normal", RANDOM, _random_infer, _with_shape(_normal_ref))
TRUNCATED = register("truncated_normal", RANDOM, _random_infer, _with_shape(_truncated_ref))
for _op in (UNIFORM, NORMAL, TRUNCATED):
    _op.value_inputs = (0,)
    _op.static_form = _static_form(_op)


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


def uniform(shape, minval=0, maxval=None, dtype=dtypes.float32, seed=None, name=None):
    """Uniform values in [minval, maxval) (maxval defaults to 1 for floats; required for ints).

        >>> tf.random.uniform([2, 3]).shape
        TensorShape([2, 3])
    """
    dtype = dtypes.as_dtype(dtype)
    inputs, shape = _shape_inputs(shape, "random.uniform")
    if maxval is None:
        if dtype.is_integer:
            raise InvalidArgumentError("random.uniform: maxval must be given for integer dtypes")
        maxval = 1
    if not (dtype.is_floating or dtype.is_integer):
        raise InvalidArgumentError(f"random.uniform: unsupported dtype {dtype.name}")
    lo, hi = _float_param(minval, "random.uniform", "minval"), _float_param(maxval, "random.uniform", "maxval")
    if dtype.is_integer and lo >= hi:
        raise InvalidArgumentError(f"random.uniform: need minval < maxval, got {lo} >= {hi}")
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
    return _normal_like(TRUNCATED, "random.truncated_normal", shape, mean, stddev, dtype, seed, name)


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
