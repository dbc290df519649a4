"""keras.random: Keras 3's random functions, on graphflow's stateless random ops.

As in Keras, every function is stateless in its `seed`: an integer seed gives the same numbers
at every call; a SeedGenerator gives new numbers each call (its state advances) and the same
sequence again from the same starting seed; no seed draws from a global SeedGenerator (made at
first use from Python's `random`, and made again by keras.utils.set_random_seed and
clear_session). The numbers differ from TensorFlow's (graphflow's stateless ops are keyed
Philox streams of their own).

    >>> from graphflow import keras
    >>> a = keras.random.uniform((3,), seed=7)
    >>> bool((a.numpy() == keras.random.uniform((3,), seed=7).numpy()).all())
    True
    >>> gen = keras.random.SeedGenerator(42)
    >>> b = keras.random.normal((2,), seed=gen)
    >>> gen.state.numpy()
    array([42,  1])
"""
import random as python_random
import threading

import numpy as np

from graphflow import dtypes
from graphflow.errors import InvalidArgumentError
from graphflow.ops import api as _tf


def _floatx(dtype):
    from graphflow.keras.backend import floatx, standardize_dtype
    return standardize_dtype(dtype) if dtype is not None else floatx()


class SeedGenerator:
    """The state of a random stream: a non-trainable int64 Variable [seed, counter]. Each
    draw uses the current state as the seed of a stateless op and advances the counter.

        >>> from graphflow import keras
        >>> gen = keras.random.SeedGenerator(3)
        >>> x = keras.random.uniform((2,), seed=gen); y = keras.random.uniform((2,), seed=gen)
        >>> bool((x.numpy() == y.numpy()).all()), gen.get_config()["seed"]
        (False, 3)
    """

    def __init__(self, seed=None, name=None, **kwargs):
        kwargs.pop("backend", None)  # Keras's backend override: graphflow has one backend
        if kwargs:
            raise InvalidArgumentError(f"Unrecognized keyword arguments: {kwargs}")
        from graphflow.keras.layers.base import unique_name
        from graphflow.tensor import Variable
        self.name = name or unique_name("seed_generator")
        self._initial_seed = seed
        if seed is None:
            seed = python_random.randint(1, int(1e9))
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise InvalidArgumentError(
                f"Argument `seed` must be an integer. Received: seed={seed}")
        self.state = Variable(np.array([int(seed), 0], np.int64), trainable=False,
                              name="seed_generator_state")

    def next(self, ordered=True):
        """The seed of one draw (the current state); the state then moves on: by one step of
        the counter, or (ordered=False, the global generator's way) scrambled."""
        value = _tf.identity(self.state.read_value())
        if ordered:
            self.state.assign_add(np.array([0, 1], np.int64))
        else:
            self.state.assign(_tf.floormod((self.state.read_value() + 1) * 5387, 933199))
        return value

    def get_config(self):
        return {"seed": self._initial_seed, "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


_global = {"generator": None}
_global_lock = threading.Lock()


def global_seed_generator():
    """The SeedGenerator of calls without a seed (made at first use)."""
    with _global_lock:
        if _global["generator"] is None:
            _global["generator"] = SeedGenerator(name="global_seed_generator")
        return _global["generator"]


def reset_global_seed_generator():
    """Forgets the global SeedGenerator: the next unseeded draw makes a new one from Python's
    `random` (keras.utils.set_random_seed seeds that first, so its numbers repeat)."""
    with _global_lock:
        _global["generator"] = None


def draw_seed(seed):
    """The int32 seed pair of one draw: [seed, 0] for an integer, the next state of a
    SeedGenerator, or the global generator's next state for None."""
    if isinstance(seed, SeedGenerator):
        pair = seed.next()
    elif isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        # Keras's int32 wrap of a large seed, then the pair
        pair = _tf.constant([int(seed), 0], dtypes.int64)
    elif seed is None:
        pair = global_seed_generator().next(ordered=False)
    else:
        raise InvalidArgumentError(
            "Argument `seed` must be either an integer or an instance of `SeedGenerator`. "
            f"Received: seed={seed} (of type {type(seed)})")
    # as Keras's TF backend: the stateless ops take the pair modulo int32's range
    return _tf.cast(_tf.floormod(pair, np.int64(2 ** 31 - 2)), dtypes.int32)


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normally distributed values (dtype defaults to floatx()).

        >>> from graphflow import keras
        >>> keras.random.normal((2, 3), seed=1).shape
        TensorShape([2, 3])
    """
    return _tf.random.stateless_normal(shape, draw_seed(seed), mean, stddev, _floatx(dtype))


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Uniform values in [minval, maxval) (dtype defaults to floatx()).

        >>> from graphflow import keras
        >>> x = keras.random.uniform((100,), 2.0, 3.0, seed=1).numpy()
        >>> bool((x >= 2).all() and (x < 3).all())
        True
    """
    dtype = _floatx(dtype)
    if not dtypes.as_dtype(dtype).is_floating:
        raise InvalidArgumentError(
            "`keras.random.uniform` requires a floating point `dtype`. Received: "
            f"dtype={dtype} . To draw integers use `keras.random.randint`.")
    return _tf.random.stateless_uniform(shape, draw_seed(seed), _tf.cast(minval, dtype),
                                        _tf.cast(maxval, dtype), dtype)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normal values redrawn when more than two standard deviations from the mean."""
    return _tf.random.stateless_truncated_normal(shape, draw_seed(seed), mean, stddev,
                                                 _floatx(dtype))


def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Uniform integers in [minval, maxval).

        >>> from graphflow import keras
        >>> x = keras.random.randint((50,), 0, 4, seed=1)
        >>> x.dtype.name, sorted(set(x.numpy().tolist()))
        ('int32', [0, 1, 2, 3])
    """
    from graphflow.keras.backend import standardize_dtype
    dtype = standardize_dtype(dtype)
    inner = dtype if dtype in ("int32", "int64") else "int64"
    out = _tf.random.stateless_uniform(shape, draw_seed(seed), minval, maxval, inner)
    return out if inner == dtype else _tf.cast(out, dtype)


def categorical(logits, num_samples, dtype="int32", seed=None):
    """`num_samples` class indices per row of `logits` (unnormalized log-probabilities)."""
    out = _tf.random.stateless_categorical(logits, num_samples, draw_seed(seed))
    return _tf.cast(out, dtype)


def dropout(inputs, rate, noise_shape=None, seed=None):
    """inputs with a `rate` fraction of entries zeroed and the rest scaled by 1 / (1 - rate);
    a None in `noise_shape` takes that dimension of inputs (a kept or dropped slice).

        >>> from graphflow import keras
        >>> y = keras.random.dropout(keras.ops.ones((2, 4)), 0.5, seed=3).numpy()
        >>> sorted(set(y.ravel().tolist())) in ([0.0, 2.0], [2.0], [0.0])
        True
    """
    if not 0 <= float(rate) <= 1:
        raise InvalidArgumentError(f"keras.random.dropout: rate must be in [0, 1], got {rate}")
    inputs = _tf.convert_to_tensor(inputs)
    if rate == 1:
        return _tf.zeros_like(inputs)
    if rate == 0:
        return inputs
    shape = _tf.shape(inputs)
    if noise_shape is not None:
        noise_shape = [shape[i] if d is None else d for i, d in enumerate(noise_shape)]
        static = [_tf.get_static_value(d) for d in noise_shape]
        shape = [int(d) for d in static] if None not in static else _tf.stack(noise_shape)
    else:
        static = inputs.shape.as_list() if inputs.shape.rank is not None else None
        shape = static if static is not None and None not in static else shape
    keep = _tf.random.stateless_uniform(shape, draw_seed(seed), dtype=inputs.dtype) >= rate
    return _tf.where(keep, inputs / _tf.cast(1 - rate, inputs.dtype), _tf.zeros_like(inputs))


def shuffle(x, axis=0, seed=None):
    """x with its slices along `axis` in a random order.

        >>> from graphflow import keras
        >>> sorted(keras.random.shuffle(keras.ops.arange(5), seed=1).numpy().tolist())
        [0, 1, 2, 3, 4]
    """
    x = _tf.convert_to_tensor(x)
    n = x.shape[axis] if x.shape.rank is not None and x.shape[axis] is not None \
        else _tf.shape(x)[axis]
    keys = _tf.random.stateless_uniform([n], draw_seed(seed))
    return _tf.gather(x, _tf.argsort(keys), axis=axis)


def gamma(shape, alpha, dtype=None, seed=None):
    """Gamma-distributed values of concentration `alpha` (scale 1)."""
    dtype = _floatx(dtype)
    inner = "float32" if dtype == "bfloat16" else dtype
    return _tf.cast(_tf.random.stateless_gamma(shape, draw_seed(seed), alpha, dtype=inner), dtype)


def beta(shape, alpha, beta, dtype=None, seed=None):
    """Beta-distributed values: g_a / (g_a + g_b) for Gamma(alpha) and Gamma(beta) draws (the
    second seeded 12 above the first, as Keras)."""
    dtype = _floatx(dtype)
    inner = "float32" if dtype == "bfloat16" else dtype
    seed_a = draw_seed(seed)
    alpha = _tf.broadcast_to(_tf.cast(alpha, inner), shape)
    beta = _tf.broadcast_to(_tf.cast(beta, inner), shape)
    g_a = _tf.random.stateless_gamma(shape, seed_a, alpha, dtype=inner)
    g_b = _tf.random.stateless_gamma(shape, seed_a + 12, beta, dtype=inner)
    return _tf.cast(g_a / (g_a + g_b), dtype)


def binomial(shape, counts, probabilities, dtype=None, seed=None):
    """Binomial counts of successes in `counts` trials of success probability `probabilities`
    (both broadcast to `shape`; dtype defaults to floatx()). Drawn as the number of
    max(counts) uniform draws below the probability, among the first `counts` of them, so
    `counts` must be known when the op is built (a Python number, an array or a constant).

        >>> from graphflow import keras
        >>> x = keras.random.binomial((1000,), 10, 0.3, seed=1).numpy()
        >>> bool(x.min() >= 0 and x.max() <= 10 and abs(x.mean() - 3) < 0.3)
        True
    """
    dtype = _floatx(dtype)
    shape = [int(d) for d in shape]
    n = _tf.get_static_value(_tf.convert_to_tensor(counts))
    if n is None:
        raise InvalidArgumentError(
            "keras.random.binomial: graphflow needs `counts` as a known value (a number, an "
            "array or a constant), not a tensor computed in a traced function")
    n = np.broadcast_to(np.asarray(n), shape)
    if n.size and (n.min() < 0 or not np.all(n == np.round(n))):
        raise InvalidArgumentError(
            f"keras.random.binomial: counts must be whole numbers >= 0, got {counts!r:.60}")
    trials = int(n.max()) if n.size else 0
    p = _tf.broadcast_to(_tf.cast(probabilities, "float32"), shape)
    u = _tf.random.stateless_uniform(shape + [trials], draw_seed(seed))
    counted = np.arange(trials) < n[..., None]  # trials past an entry's count do not count
    hits = _tf.logical_and(u < _tf.expand_dims(p, -1), _tf.constant(counted))
    return _tf.cast(_tf.reduce_sum(_tf.cast(hits, "int32"), -1), dtype)
