"""tf.random.Generator: random numbers from an explicit state held in a Variable.

The state is an int64 Variable [counter, 0, key] (TF's Philox layout). Each draw reads the state,
adds 1 to the counter (a read_variable and an assign_add, so eager code, traced functions and
the compiled plans order them like any variable update), and runs the stateless op for the seed
pair (key, counter): a generator made from a seed always gives the same sequence, and each draw
(each call of a traced function too) gives new numbers.

    >>> import graphflow as tf
    >>> g = tf.random.Generator.from_seed(42)
    >>> first = g.normal([3])
    >>> bool(tf.reduce_all(first == tf.random.Generator.from_seed(42).normal([3])))
    True
"""
import enum
import os
import threading
import zlib

import numpy as np

from graphflow import dtypes
from graphflow.context import context
from graphflow.errors import InvalidArgumentError, UnimplementedError
from graphflow.ops import shape as sh
from graphflow.ops import stateless_random as sl
from graphflow.tensor import Tensor, Variable

STATE_SIZE = 3  # Philox: a 128-bit counter (two words) and a 64-bit key


class Algorithm(enum.Enum):
    """TF's RNG algorithms; graphflow's generators are Philox whichever is asked for."""
    PHILOX = 1
    THREEFRY = 2
    AUTO_SELECT = 3


def _algorithm(alg):
    if alg is None or alg in ("philox", "auto_select", "threefry") or isinstance(alg, Algorithm) \
            or alg in (1, 2, 3):
        return Algorithm.PHILOX
    raise InvalidArgumentError(f"random.Generator: unknown algorithm {alg!r}; use 'philox'")


def _seed_word(seed):
    """An int64 key from an int, a list of ints or a tensor of them."""
    if isinstance(seed, Tensor):
        seed = seed.numpy()
    values = np.asarray(seed).reshape(-1)
    if values.dtype.kind not in "iu":
        raise InvalidArgumentError(f"random.Generator: seed must be integers, got {seed!r}")
    if values.size == 1:  # the seed itself, wrapped into int64
        return int(np.array(int(values[0]) % 2 ** 64, dtype=np.uint64).view(np.int64))
    return zlib.crc32(values.astype(np.int64).tobytes())


def create_rng_state(seed, alg):
    """The initial int64 state [counter, 0, key] of a generator seeded with `seed`.

        >>> tf.random.create_rng_state(42, "philox").tolist()
        [0, 0, 42]
    """
    _algorithm(alg)
    return np.array([0, 0, _seed_word(seed)], dtype=np.int64)


class Generator:
    """A random number generator with its state in a Variable (see the module docstring).

        >>> g = tf.random.Generator.from_seed(1)
        >>> g.uniform([2], minval=0, maxval=10, dtype=tf.int32).dtype
        tf.int32
    """

    def __init__(self, copy_from=None, state=None, alg=None):
        if copy_from is not None:
            state = copy_from.state.numpy()
        if state is None:
            raise InvalidArgumentError(
                "random.Generator: give copy_from or state (or use Generator.from_seed / "
                "from_non_deterministic_state)")
        self._alg = _algorithm(alg)
        value = np.asarray(state.numpy() if hasattr(state, "numpy") else state, dtype=np.int64)
        if value.shape != (STATE_SIZE,):
            raise InvalidArgumentError(
                f"random.Generator: the state must have shape [{STATE_SIZE}], got {value.shape}")
        self._state = Variable(value, trainable=False, name="rng_state", dtype=dtypes.int64)
        self._lock = threading.Lock()  # one draw at a time reads and advances the counter

    # -- construction -------------------------------------------------------------------------
    @classmethod
    def from_seed(cls, seed, alg=None):
        """A generator whose sequence is a function of `seed` (an int or a list of ints)."""
        return cls(state=create_rng_state(seed, alg), alg=alg)

    @classmethod
    def from_non_deterministic_state(cls, alg=None):
        """A generator seeded from the operating system's entropy."""
        return cls(state=create_rng_state(int.from_bytes(os.urandom(8), "little") % (2 ** 63),
                                          alg), alg=alg)

    @classmethod
    def from_state(cls, state, alg):
        """A generator continuing from a saved `state` (shape [3], int64)."""
        return cls(state=state, alg=alg)

    @classmethod
    def from_key_counter(cls, key, counter, alg):
        """A generator from a key (one int) and a counter (two ints)."""
        counter = np.asarray(counter, dtype=np.int64).reshape(-1)
        return cls(state=[int(counter[0]), int(counter[1]), int(np.asarray(key).reshape(-1)[0])],
                   alg=alg)

    # -- state --------------------------------------------------------------------------------
    @property
    def state(self):
        """The int64 Variable [counter, 0, key]."""
        return self._state

    @property
    def algorithm(self):
        return self._alg.value

    @property
    def key(self):
        return self._state[2]

    def reset(self, state):
        self._state.assign(np.asarray(state, dtype=np.int64))

    def reset_from_seed(self, seed):
        self.reset(create_rng_state(seed, self._alg))

    def reset_from_key_counter(self, key, counter):
        counter = np.asarray(counter, dtype=np.int64).reshape(-1)
        self.reset([int(counter[0]), int(counter[1]), int(np.asarray(key).reshape(-1)[0])])

    def skip(self, delta):
        """Advances the counter as `delta` draws would."""
        self._state.assign_add(np.array([int(delta), 0, 0], dtype=np.int64))

    def _next_seed(self):
        """The seed pair (key, counter) of the next draw, advancing the counter."""
        with self._lock:
            state = self._state.read_value()
            self._state.assign_add(np.array([1, 0, 0], dtype=np.int64))
        return sh.gather(state, [2, 0])

    # -- draws --------------------------------------------------------------------------------
    def normal(self, shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, name=None):
        """Normal values.

            >>> tf.random.Generator.from_seed(3).normal([2, 2]).shape
            TensorShape([2, 2])
        """
        return sl.stateless_normal(shape, self._next_seed(), mean, stddev, dtype, name)

    def truncated_normal(self, shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, name=None):
        """Normal values within two standard deviations of the mean."""
        return sl.stateless_truncated_normal(shape, self._next_seed(), mean, stddev, dtype, name)

    def uniform(self, shape, minval=0, maxval=None, dtype=dtypes.float32, name=None):
        """Uniform values in [minval, maxval) (integer dtypes need both bounds, as in TF).

            >>> g = tf.random.Generator.from_seed(3)
            >>> float(tf.reduce_max(g.uniform([100], 2.0, 3.0))) < 3.0
            True
        """
        dtype = dtypes.as_dtype(dtype)
        if dtype.is_integer and maxval is None:
            raise InvalidArgumentError(
                f"Generator.uniform: for integer dtype {dtype.name}, minval and maxval must "
                "both be given")
        return sl.stateless_uniform(shape, self._next_seed(), minval, maxval, dtype, name)

    def uniform_full_int(self, shape, dtype=dtypes.int64, name=None):
        """Integers uniform over the whole range of `dtype`."""
        dtype = dtypes.as_dtype(dtype)
        if not dtype.is_integer:
            raise InvalidArgumentError(
                f"Generator.uniform_full_int: dtype must be an integer type, got {dtype.name}")
        info = np.iinfo(dtype.np)
        from graphflow.ops.registry import dispatch
        return dispatch(sl.UNIFORM_INT, (self._next_seed(),), {
            "shape": sl.rnd._shape_attr(shape, "Generator.uniform_full_int"),
            "dtype": dtype.name, "minval": int(info.min), "maxval": int(info.max) + 1}, name)

    def make_seeds(self, count=1):
        """An int64 [2, count] tensor of seeds for the stateless ops."""
        return self.uniform_full_int([2, int(count)], dtypes.int64)

    def split(self, count=1):
        """`count` new generators, seeded from this one (which advances)."""
        if context.graph is not None:
            raise UnimplementedError("Generator.split: split generators outside traced functions")
        keys = self.uniform_full_int([int(count)], dtypes.int64).numpy()
        return [Generator(state=[0, 0, int(k)], alg=self._alg) for k in keys]


_global = {"generator": None}
_global_lock = threading.Lock()


def get_global_generator():
    """The process's global Generator, made from nondeterministic state on first use (as TF's;
    tf.random.set_seed does not reseed it).

        >>> isinstance(tf.random.get_global_generator(), tf.random.Generator)
        True
    """
    with _global_lock:
        if _global["generator"] is None:
            _global["generator"] = Generator.from_non_deterministic_state()
        return _global["generator"]


def set_global_generator(generator):
    """Replaces the global Generator.

        >>> tf.random.set_global_generator(tf.random.Generator.from_seed(0))
    """
    if not isinstance(generator, Generator):
        raise InvalidArgumentError(
            f"set_global_generator: expected a tf.random.Generator, got {type(generator).__name__}")
    with _global_lock:
        _global["generator"] = generator
