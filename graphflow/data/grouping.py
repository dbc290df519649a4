"""Dataset transformations that group or select elements by value: unique, group_by_window and
bucket_by_sequence_length (built on group_by_window, as TF builds it); and the infinite sources
counter and random.

    >>> import graphflow as tf
    >>> ds = tf.data.Dataset.range(10).group_by_window(
    ...     key_func=lambda x: x % 2, reduce_func=lambda key, d: d.batch(3), window_size=3)
    >>> [b.numpy().tolist() for b in ds]
    [[0, 2, 4], [1, 3, 5], [6, 8], [7, 9]]
"""
import numpy as np

from graphflow import dtypes
from graphflow.data import functions, structure
from graphflow.data.dataset import INFINITE, Dataset
from graphflow.data.sources import ListDataset
from graphflow.data.structure import DatasetSpec
from graphflow.data.transforms import _close, _returned_dataset, _returned_spec
from graphflow.errors import InvalidArgumentError, InvalidTypeError
from graphflow.tensor import EagerTensor, TensorShape, TensorSpec

_UNIQUE_DTYPES = ("int32", "int64", "string")


class UniqueDataset(Dataset):
    """The elements not seen before (scalars or vectors of int32, int64 or string)."""

    def __init__(self, parent):
        spec = parent.element_spec
        if not isinstance(spec, TensorSpec) or spec.dtype.name not in _UNIQUE_DTYPES:
            kind = spec.dtype if isinstance(spec, TensorSpec) else spec
            raise InvalidTypeError(
                f"`tf.data.Dataset.unique` does not support type {kind!r} -- only `tf.int32`, "
                "`tf.int64`, and `tf.string` are supported.")
        if spec.shape.rank is not None and spec.shape.rank > 1:
            raise InvalidArgumentError(f"`tf.data.Dataset.unique` takes scalar or vector "
                                       f"elements, got shape {spec.shape}")
        super().__init__(spec, (parent,))

    def _iterate(self):
        seen = set()
        for element in self._inputs[0]._elements():
            key = tuple(element.reshape(-1).tolist()) if element.ndim else element.item()
            if key not in seen:
                seen.add(key)
                yield element


def _int64_scalar_function(func, input_spec, what):
    fn = functions.StructuredFunction(func, input_spec, what)
    spec = fn.output_spec
    if not isinstance(spec, TensorSpec) or spec.dtype is not dtypes.int64 or \
            spec.shape.rank not in (0, None):
        raise InvalidArgumentError(f"group_by_window: `{what}` must return a scalar tf.int64 "
                                   f"tensor, but its return type is {spec!r}")
    return fn


class GroupByWindowDataset(Dataset):
    """Elements grouped by key_func(element); a group is handed to reduce_func(key, dataset)
    once it has window_size (or window_size_func(key)) elements, and what remains of the groups
    at the end, in key order (as TF)."""

    def __init__(self, parent, key_func, reduce_func, window_size, window_size_func):
        if (window_size is None) == (window_size_func is None):
            raise InvalidArgumentError("Either the `window_size` argument or the "
                                       "`window_size_func` argument must be specified.")
        spec = parent.element_spec
        self._key = _int64_scalar_function(key_func, spec, "key_func")
        key_spec = TensorSpec([], dtypes.int64)
        if window_size is not None:
            size = int(window_size.numpy() if hasattr(window_size, "numpy") else window_size)
            if size < 1:
                raise InvalidArgumentError(f"group_by_window: window_size must be positive, "
                                           f"got {size}")
            self._size = lambda key: size
        else:
            size_fn = _int64_scalar_function(window_size_func, key_spec, "window_size_func")
            self._size = lambda key: int(size_fn.run([key])[0])
        self._reduce = reduce_func
        out = _returned_spec(reduce_func, (key_spec, DatasetSpec(spec)), "group_by_window")
        super().__init__(out, (parent,))

    def _reduced(self, key, elements):
        ds = _returned_dataset(self._reduce, (EagerTensor(np.int64(key)),
                                              ListDataset(elements, self._inputs[0].element_spec)),
                               "group_by_window")
        source = ds._elements()
        try:
            yield from source
        finally:
            _close(source)

    def _iterate(self):
        groups, sizes = {}, {}
        source = self._inputs[0]._elements()
        try:
            for element in source:
                key = int(self._key.run(structure.flatten(element))[0])
                if key not in sizes:
                    sizes[key] = self._size(np.asarray(key, np.int64))
                    if sizes[key] < 1:
                        raise InvalidArgumentError(f"group_by_window: window_size_func returned "
                                                   f"{sizes[key]} for key {key}")
                group = groups.setdefault(key, [])
                group.append(element)
                if len(group) == sizes[key]:
                    del groups[key]
                    yield from self._reduced(key, group)
            for key in sorted(groups):
                yield from self._reduced(key, groups[key])
        finally:
            _close(source)


def bucket_by_sequence_length(dataset, element_length_func, bucket_boundaries, bucket_batch_sizes,
                              padded_shapes, padding_values, pad_to_bucket_boundary, no_padding,
                              drop_remainder):
    """Dataset.bucket_by_sequence_length (see there): group_by_window keyed by the bucket of
    element_length_func(element), each bucket padded_batch-ed by its own batch size."""
    boundaries = [int(b) for b in bucket_boundaries]
    sizes = [int(b) for b in bucket_batch_sizes]
    if len(sizes) != len(boundaries) + 1:
        raise InvalidArgumentError(
            f"len(bucket_batch_sizes) must equal len(bucket_boundaries) + 1, got "
            f"{len(sizes)} and {len(boundaries)}")
    if any(a >= b for a, b in zip(boundaries, boundaries[1:])):
        raise InvalidArgumentError(f"bucket_boundaries must be sorted in increasing order, got "
                                   f"{boundaries}")
    lows = np.array([np.iinfo(np.int32).min] + boundaries, np.int64)
    highs = np.array(boundaries + [np.iinfo(np.int32).max], np.int64)

    def bucket_of(*args):  # called as key_func is: args are the element's parts
        from graphflow.ops import api
        length = api.cast(element_length_func(*args), dtypes.int64)
        inside = api.logical_and(api.less_equal(lows, length), api.less(length, highs))
        return api.reduce_min(api.where(inside)[:, 0])

    def batches(bucket, window):
        size = _eager_or_largest(bucket, sizes)
        if no_padding:
            return window.batch(size, drop_remainder=drop_remainder)
        shapes = padded_shapes
        if shapes is None:
            shapes = structure.map_leaves(lambda s: s.shape, window.element_spec)
        if pad_to_bucket_boundary and hasattr(bucket, "numpy"):
            b = int(bucket.numpy())
            if b >= len(boundaries):
                raise InvalidArgumentError(
                    "When pad_to_bucket_boundary=True, elements must have length < "
                    f"max(bucket_boundaries) = {max(boundaries)}")
            filler = boundaries[b] - 1  # unknown dims padded to the bucket's boundary - 1
            shapes = structure.map_leaves(lambda s: _filled(s, filler), shapes)
        return window.padded_batch(size, shapes, padding_values, drop_remainder=drop_remainder)

    return GroupByWindowDataset(dataset, bucket_of, batches, None,
                                lambda bucket: _gather_size(bucket, sizes))


def _filled(shape, filler):
    shape = TensorShape(shape)
    if shape.rank is None:
        return shape
    return TensorShape([filler if d is None else d for d in shape.as_list()])


def _eager_or_largest(bucket, sizes):
    """A bucket's batch size: its own once the bucket is known (when batches run), the largest
    while group_by_window works out the element_spec from a symbolic key."""
    return sizes[int(bucket.numpy())] if hasattr(bucket, "numpy") else max(sizes)


def _gather_size(bucket, sizes):
    from graphflow.ops import api
    return api.gather(api.constant(np.array(sizes, np.int64)), bucket)


class CounterDataset(Dataset):
    """start, start + step, ... forever (Dataset.counter)."""

    def __init__(self, start, step, dtype):
        self._dtype = dtypes.as_dtype(dtype)
        if not (self._dtype.is_integer or self._dtype.is_floating):
            raise InvalidArgumentError(f"Dataset.counter: dtype must be numeric, got "
                                       f"{self._dtype.name}")
        super().__init__(TensorSpec([], self._dtype))
        self._start, self._step = start, step

    def _iterate(self):
        value, step, np_type = self._start, self._step, self._dtype.np.type
        while True:
            yield np.asarray(np_type(value))
            value += step

    def _cardinality(self):
        return INFINITE


class RandomDataset(Dataset):
    """Pseudo-random int64 values forever (Dataset.random): the same sequence for the same
    seed; without a seed (or with rerandomize_each_iteration) each iteration draws anew."""

    def __init__(self, seed, rerandomize_each_iteration):
        super().__init__(TensorSpec([], dtypes.int64))
        self._seed, self._rerandomize = seed, bool(rerandomize_each_iteration)
        self._epoch = 0

    def _iterate(self):
        if self._seed is None:
            rng = np.random.default_rng()
        else:
            self._epoch += 1
            rng = np.random.default_rng([int(self._seed), self._epoch if self._rerandomize else 0])
        while True:
            for v in rng.integers(np.iinfo(np.int64).min, np.iinfo(np.int64).max, size=256,
                                  dtype=np.int64, endpoint=True):
                yield np.asarray(v)

    def _cardinality(self):
        return INFINITE
