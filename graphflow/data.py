"""graphflow.data: a small, eager tf.data.Dataset for input pipelines (model.fit accepts one).

A Dataset is a re-iterable description: each `iter()` runs the pipeline afresh (so fit can
iterate it once per epoch), yielding tensors (or nested structures of them).

    >>> import graphflow as tf
    >>> ds = tf.data.Dataset.from_tensor_slices(([1, 2, 3, 4], [0, 1, 0, 1])).batch(2)
    >>> [x.numpy().tolist() for x, y in ds]
    [[1, 2], [3, 4]]
"""
import math
import types

import numpy as np

from graphflow.errors import InvalidArgumentError
from graphflow.tensor import EagerTensor, Tensor, Variable
from graphflow.utils import nest

INFINITE = -1
UNKNOWN = -2


def _as_array(value):
    if isinstance(value, (Tensor, Variable)):
        return value.numpy()
    from graphflow.ops.registry import to_array
    return to_array(value)


def _to_tensors(structure):
    return nest.map_structure(lambda a: EagerTensor(np.asarray(a)), structure)


def _lists_as_tensors(structure):
    """tf.data's rule: a Python list is one tensor, tuples and dicts are structures."""
    if isinstance(structure, list):
        return np.asarray(structure)
    if isinstance(structure, dict):
        return type(structure)((k, _lists_as_tensors(v)) for k, v in structure.items())
    if isinstance(structure, tuple):
        items = [_lists_as_tensors(v) for v in structure]
        return type(structure)(*items) if hasattr(structure, "_fields") else tuple(items)
    return structure


class Dataset:
    """A pipeline of elements; build with from_tensor_slices / from_tensors / range."""

    def __init__(self, make_iterator, cardinality):
        self._make = make_iterator  # () -> iterator of nested NumPy values
        self._cardinality = cardinality

    # -- sources -------------------------------------------------------------------------------
    @staticmethod
    def from_tensor_slices(tensors):
        """One element per slice along axis 0 of every component."""
        arrays = nest.map_structure(_as_array, _lists_as_tensors(tensors))
        flat = nest.flatten(arrays)
        sizes = {a.shape[0] if a.ndim else None for a in flat}
        if None in sizes or len(sizes) != 1:
            raise InvalidArgumentError(
                "from_tensor_slices: all components must have the same size in their first "
                f"dimension, got shapes {[a.shape for a in flat]}")
        n = sizes.pop()

        def make():
            for i in range(n):
                yield nest.pack_sequence_as(arrays, [a[i] for a in flat])
        return Dataset(make, n)

    @staticmethod
    def from_tensors(tensors):
        """A single element: the whole structure."""
        arrays = nest.map_structure(_as_array, tensors)
        return Dataset(lambda: iter([arrays]), 1)

    @staticmethod
    def range(*args):
        """Like Python's range, as int64 scalars."""
        values = range(*args)
        return Dataset(lambda: (np.int64(v) for v in values), len(values))

    # -- transformations -----------------------------------------------------------------------
    def batch(self, batch_size, drop_remainder=False):
        """Stacks consecutive elements into batches (the last may be smaller)."""
        batch_size = int(batch_size)
        if batch_size <= 0:
            raise InvalidArgumentError(f"batch: batch_size must be positive, got {batch_size}")
        source = self

        def make():
            buffer = []
            for element in source._make():
                buffer.append(element)
                if len(buffer) == batch_size:
                    yield _stack(buffer)
                    buffer = []
            if buffer and not drop_remainder:
                yield _stack(buffer)
        n = self._cardinality
        if n >= 0:
            n = n // batch_size if drop_remainder else math.ceil(n / batch_size)
        return Dataset(make, n)

    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=True):
        """Random order within a sliding buffer (a buffer >= the dataset size is a full shuffle)."""
        buffer_size = int(buffer_size)
        if buffer_size <= 0:
            raise InvalidArgumentError(f"shuffle: buffer_size must be positive, got {buffer_size}")
        source = self
        state = {"epoch": 0}

        def make():
            from graphflow.ops.random import numpy_generator
            if seed is not None:
                epoch = state["epoch"] if reshuffle_each_iteration else 0
                rng = np.random.default_rng([int(seed), epoch])
            else:
                rng = numpy_generator("dataset.shuffle")
            state["epoch"] += 1
            buffer = []
            for element in source._make():
                buffer.append(element)
                if len(buffer) >= buffer_size:
                    yield buffer.pop(int(rng.integers(len(buffer))))
            while buffer:
                yield buffer.pop(int(rng.integers(len(buffer))))
        return Dataset(make, self._cardinality)

    def map(self, map_func, num_parallel_calls=None):
        """Applies map_func to each element (called with the components as arguments)."""
        source = self

        def make():
            for element in source._make():
                args = element if isinstance(element, tuple) else (element,)
                result = map_func(*_to_tensors(args))
                yield nest.map_structure(_as_array, result)
        return Dataset(make, self._cardinality)

    def repeat(self, count=None):
        """Repeats the dataset `count` times (forever when None)."""
        source = self

        def make():
            i = 0
            while count is None or i < count:
                yield from source._make()
                i += 1
        n = self._cardinality
        n = INFINITE if count is None else (n * count if n >= 0 else n)
        return Dataset(make, n)

    def take(self, count):
        source = self

        def make():
            for i, element in enumerate(source._make()):
                if i >= count:
                    return
                yield element
        n = self._cardinality
        return Dataset(make, count if n == INFINITE else min(n, count) if n >= 0 else n)

    def prefetch(self, buffer_size):
        """Accepted for compatibility; elements are produced on demand."""
        return self

    def cache(self, filename=""):
        """Accepted for compatibility; sources are in memory already."""
        return self

    # -- consuming -----------------------------------------------------------------------------
    def __iter__(self):
        for element in self._make():
            yield _to_tensors(element)

    def as_numpy_iterator(self):
        return iter(self._make())

    def cardinality(self):
        return EagerTensor(np.int64(self._cardinality))

    def __len__(self):
        if self._cardinality < 0:
            raise InvalidArgumentError("The dataset is infinite or its length is unknown")
        return self._cardinality

    def __repr__(self):
        return f"<Dataset cardinality={self._cardinality}>"


def _stack(elements):
    flat = [nest.flatten(e) for e in elements]
    return nest.pack_sequence_as(elements[0], [np.stack(parts) for parts in zip(*flat)])


AUTOTUNE = -1
experimental = types.SimpleNamespace(AUTOTUNE=AUTOTUNE)  # tf.data.experimental.AUTOTUNE
