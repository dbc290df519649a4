"""tf.data.Dataset: the base class, its iterator, and the public methods.

A Dataset is a re-iterable description of a pipeline: each `iter()` runs it afresh (so fit can
iterate it once per epoch). Subclasses (sources.py, transforms.py) know their element_spec and
cardinality when built, and produce elements (structures of NumPy arrays, see structure.py) in
`_iterate`; iteration hands them out as EagerTensors.

A dataset built from symbolic tensors (while flat_map or interleave work out the element_spec
of what their function returns, see transforms.py) is a template: it has an element_spec and
transforms like any other, but cannot be iterated.

    >>> import graphflow as tf
    >>> ds = tf.data.Dataset.from_tensor_slices(([1, 2, 3, 4], [0, 1, 0, 1])).batch(2)
    >>> [x.numpy().tolist() for x, y in ds]
    [[1, 2], [3, 4]]
    >>> ds.element_spec
    (TensorSpec(shape=(None,), dtype=tf.int32, name=None), TensorSpec(shape=(None,), dtype=tf.int32, name=None))
"""
import threading

import numpy as np

from graphflow.data import structure
from graphflow.data.options import Options
from graphflow.errors import InvalidArgumentError
from graphflow.tensor import EagerTensor
from graphflow.utils import nest

INFINITE = -1   # tf.data.INFINITE_CARDINALITY
UNKNOWN = -2    # tf.data.UNKNOWN_CARDINALITY
AUTOTUNE = -1   # tf.data.AUTOTUNE


class Failure:
    """An error in place of the element it stopped (Dataset._tolerant)."""
    __slots__ = ("error",)

    def __init__(self, error):
        self.error = error


class Dataset:
    """A pipeline of elements (see the module docstring)."""

    def __init__(self, element_spec, inputs=()):
        self._spec = element_spec
        self._inputs = tuple(inputs)
        self._own_options = None
        self._symbolic = any(d._symbolic for d in self._inputs)

    # -- what subclasses provide -----------------------------------------------------------------
    def _iterate(self):
        """An iterator over the elements (structures of NumPy arrays)."""
        raise NotImplementedError

    def _cardinality(self):
        return UNKNOWN

    def _tolerant(self):
        """The elements, with an error raised while producing one handed on as a Failure in
        its place (what ignore_errors skips). Transformations that can go on after a failed
        element (map, filter, prefetch) override this; elsewhere an error ends the iteration."""
        iterator = self._elements()
        while True:
            try:
                element = next(iterator)
            except StopIteration:
                return
            except Exception as e:  # noqa: BLE001 - handed on, as TF's ignore_errors sees it
                yield Failure(e)
                return
            yield element

    # -- properties ------------------------------------------------------------------------------
    @property
    def element_spec(self):
        """The structure of TensorSpecs (DatasetSpecs for window()) of every element."""
        return self._spec

    def _elements(self):
        if self._symbolic:
            raise InvalidArgumentError(
                f"{self!r} was built from symbolic tensors (inside a function being traced); it "
                "describes the datasets a flat_map/interleave function returns and cannot be "
                "iterated itself")
        return self._iterate()

    def cardinality(self):
        """The number of elements as an int64 tensor, or INFINITE_CARDINALITY (-1) /
        UNKNOWN_CARDINALITY (-2).

            >>> int(tf.data.Dataset.range(5).repeat().take(3).cardinality())
            3
        """
        return EagerTensor(np.int64(self._cardinality()))

    def __len__(self):
        n = self._cardinality()
        if n == INFINITE:
            raise TypeError("The dataset is infinite.")
        if n < 0:
            raise TypeError("The dataset length is unknown.")
        return n

    def __bool__(self):
        return True  # as in TF: an empty dataset is still a dataset

    def __repr__(self):
        return f"<_{type(self).__name__} element_spec={self._spec!r}>"

    # -- options ---------------------------------------------------------------------------------
    def options(self):
        """The Options of this pipeline: its inputs' merged, then its own."""
        merged = Options()
        for d in self._inputs:
            merged = merged.merge(d.options())
        return merged.merge(self._own_options)

    def with_options(self, options, name=None):
        """This dataset with `options` merged into its options.

            >>> o = tf.data.Options(); o.deterministic = False
            >>> tf.data.Dataset.range(2).with_options(o).options().deterministic
            False
        """
        if not isinstance(options, Options):
            raise InvalidArgumentError(f"with_options: expected a tf.data.Options, got {options!r}")
        from graphflow.data.transforms import Identity
        out = Identity(self)
        out._own_options = options
        return out

    # -- consuming -------------------------------------------------------------------------------
    def __iter__(self):
        return Iterator(self)

    def as_numpy_iterator(self):
        """An iterator of the elements as NumPy values (scalars for rank 0, bytes for
        strings), in the element's structure.

            >>> list(tf.data.Dataset.range(3).as_numpy_iterator())
            [0, 1, 2]
        """
        return NumpyIterator(self)

    def get_single_element(self, name=None):
        """The only element of the dataset (an error for zero or several).

            >>> tf.data.Dataset.from_tensors(5).get_single_element().numpy()
            5
        """
        it = self._elements()
        try:
            first = next(it)
        except StopIteration:
            raise InvalidArgumentError("get_single_element: Dataset was empty.") from None
        for _ in it:
            raise InvalidArgumentError("get_single_element: Dataset had more than one element.")
        return structure.to_tensors(first)

    def reduce(self, initial_state, reduce_func, name=None):
        """Folds the elements into a state: reduce_func(state, element) -> new state.

            >>> int(tf.data.Dataset.range(5).reduce(np.int64(0), lambda s, x: s + x))
            10
        """
        from graphflow.data import functions
        state = structure.normalize_input(initial_state, "reduce")
        fn, _ = functions.stateful(reduce_func, structure.spec_of(state), self._spec,
                                   "reduce_func", returns_output=False)
        for element in self._elements():
            state = fn((state, element))
        return structure.to_tensors(state)

    def apply(self, transformation_func):
        """transformation_func(self), which must return a Dataset."""
        out = transformation_func(self)
        if not isinstance(out, Dataset):
            raise InvalidArgumentError(
                f"apply: `transformation_func` must return a Dataset, got {out!r:.60}")
        return out

    # -- sources -----------------------------------------------------------------------------------
    @staticmethod
    def range(*args, output_type=None, name=None):  # noqa: A003 - TF's name
        """Like Python's range, as int64 scalars (or output_type).

            >>> tf.data.Dataset.range(1, 7, 2).element_spec
            TensorSpec(shape=(), dtype=tf.int64, name=None)
        """
        from graphflow.data.sources import RangeDataset
        return RangeDataset(args, output_type)

    @staticmethod
    def from_tensors(tensors, name=None):
        """A single element: the whole structure.

            >>> tf.data.Dataset.from_tensors([1, 2]).element_spec
            TensorSpec(shape=(2,), dtype=tf.int32, name=None)
        """
        from graphflow.data.sources import TensorDataset
        return TensorDataset(tensors)

    @staticmethod
    def from_tensor_slices(tensors, name=None):
        """One element per slice along the first axis of every component (a list is one
        tensor; tuples and dicts are structures).

            >>> tf.data.Dataset.from_tensor_slices({"a": [1, 2], "b": [[1.0], [2.0]]}).element_spec
            {'a': TensorSpec(shape=(), dtype=tf.int32, name=None), 'b': TensorSpec(shape=(1,), dtype=tf.float32, name=None)}
        """
        from graphflow.data.sources import TensorSliceDataset
        return TensorSliceDataset(tensors)

    @staticmethod
    def from_generator(generator, output_types=None, output_shapes=None, args=None,
                       output_signature=None, name=None):
        """Elements from a Python generator function, called afresh for each iteration (with
        `args` as NumPy values), converted and checked against output_signature.

            >>> ds = tf.data.Dataset.from_generator(
            ...     lambda: iter([[1, 2], [3]]), output_signature=tf.TensorSpec([None], tf.int32))
            >>> [x.numpy().tolist() for x in ds]
            [[1, 2], [3]]
        """
        from graphflow.data.sources import GeneratorDataset
        return GeneratorDataset(generator, output_types, output_shapes, args, output_signature)

    @staticmethod
    def zip(*datasets, name=None):
        """Elements of several datasets side by side (a tuple, or the structure given), as long
        as the shortest.

            >>> ds = tf.data.Dataset.zip(tf.data.Dataset.range(3), tf.data.Dataset.range(5, 8))
            >>> [tuple(int(v) for v in e) for e in ds]
            [(0, 5), (1, 6), (2, 7)]
        """
        from graphflow.data.sources import ZipDataset
        return ZipDataset(datasets[0] if len(datasets) == 1 else datasets)

    @staticmethod
    def list_files(file_pattern, shuffle=None, seed=None, name=None):
        """The file names matching a glob pattern (or a list of them), as strings, shuffled
        unless shuffle=False.

            >>> tf.data.Dataset.list_files(__file__, shuffle=False).element_spec
            TensorSpec(shape=(), dtype=tf.string, name=None)
        """
        from graphflow.data.sources import list_files
        return list_files(file_pattern, shuffle, seed)

    @staticmethod
    def sample_from_datasets(datasets, weights=None, seed=None, stop_on_empty_dataset=False):
        """Elements drawn at random from several datasets (with the given weights)."""
        from graphflow.data.sources import SampleDataset
        return SampleDataset(datasets, weights, seed, stop_on_empty_dataset)

    @staticmethod
    def choose_from_datasets(datasets, choice_dataset, stop_on_empty_dataset=True):
        """Elements taken from datasets[i] for each int64 i of choice_dataset."""
        from graphflow.data.sources import ChooseDataset
        return ChooseDataset(datasets, choice_dataset, stop_on_empty_dataset)

    # -- transformations -------------------------------------------------------------------------
    def map(self, map_func, num_parallel_calls=None, deterministic=None, name=None):
        """map_func applied to every element (a tuple element's components are its arguments),
        traced once like TF's; with num_parallel_calls (an int or tf.data.AUTOTUNE) elements are
        computed by that many threads, in order unless deterministic=False.

            >>> ds = tf.data.Dataset.range(4).map(lambda x: x * 2, num_parallel_calls=2)
            >>> [int(v) for v in ds]
            [0, 2, 4, 6]
        """
        from graphflow.data.transforms import MapDataset
        return MapDataset(self, map_func, num_parallel_calls, deterministic)

    def filter(self, predicate, name=None):
        """The elements for which predicate (traced; a scalar bool) is true.

            >>> [int(v) for v in tf.data.Dataset.range(6).filter(lambda x: x % 2 == 0)]
            [0, 2, 4]
        """
        from graphflow.data.transforms import FilterDataset
        return FilterDataset(self, predicate)

    def flat_map(self, map_func, name=None):
        """The elements of the datasets map_func returns for each element, one after another.

            >>> ds = tf.data.Dataset.range(1, 4).flat_map(
            ...     lambda x: tf.data.Dataset.from_tensors(x).repeat(x))
            >>> [int(v) for v in ds]
            [1, 2, 2, 3, 3, 3]
        """
        from graphflow.data.transforms import InterleaveDataset
        return InterleaveDataset(self, map_func, 1, 1, None, None, "flat_map")

    def interleave(self, map_func, cycle_length=None, block_length=None, num_parallel_calls=None,
                   deterministic=None, name=None):
        """The datasets map_func returns, cycle_length of them open at a time, block_length
        elements from each in turn; with num_parallel_calls each open dataset is read ahead
        by a thread of its own.

            >>> ds = tf.data.Dataset.range(1, 4).interleave(
            ...     lambda x: tf.data.Dataset.from_tensors(x).repeat(2), cycle_length=2)
            >>> [int(v) for v in ds]
            [1, 2, 1, 2, 3, 3]
        """
        from graphflow.data.transforms import InterleaveDataset
        return InterleaveDataset(self, map_func, cycle_length, block_length, num_parallel_calls,
                                 deterministic, "interleave")

    def batch(self, batch_size, drop_remainder=False, num_parallel_calls=None,
              deterministic=None, name=None):
        """Consecutive elements stacked into batches (the last one smaller unless
        drop_remainder).

            >>> tf.data.Dataset.range(5).batch(2, drop_remainder=True).element_spec
            TensorSpec(shape=(2,), dtype=tf.int64, name=None)
        """
        from graphflow.data.transforms import BatchDataset
        return BatchDataset(self, batch_size, drop_remainder)

    def ragged_batch(self, batch_size, drop_remainder=False, row_splits_dtype=None, name=None):
        """Batches of elements of different shapes as RaggedTensors: every component whose
        shape has unknown dims is ragged up to its last unknown dim (components of fully known
        shape batch into dense tensors, as with batch).

            >>> ds = tf.data.Dataset.range(1, 4).map(lambda n: tf.range(n))
            >>> [b.to_list() for b in ds.ragged_batch(2)]
            [[[0], [0, 1]], [[0, 1, 2]]]
            >>> ds.ragged_batch(2).element_spec
            RaggedTensorSpec(TensorShape([None, None]), tf.int64, 1, tf.int64)
        """
        from graphflow import dtypes
        from graphflow.data.transforms import BatchDataset, DenseToRaggedDataset
        ragged = DenseToRaggedDataset(self, dtypes.int64 if row_splits_dtype is None
                                      else row_splits_dtype)
        return BatchDataset(ragged, batch_size, drop_remainder)

    def padded_batch(self, batch_size, padded_shapes=None, padding_values=None,
                     drop_remainder=False, name=None):
        """Batches of elements padded (with zeros, empty strings or padding_values) to
        padded_shapes, or to the largest element of each batch along unknown dims.

            >>> ds = tf.data.Dataset.from_generator(
            ...     lambda: ([x] * x for x in range(4)), output_signature=tf.TensorSpec([None], tf.int64))
            >>> [b.numpy().tolist() for b in ds.padded_batch(2)]
            [[[0], [1]], [[2, 2, 0], [3, 3, 3]]]
        """
        from graphflow.data.transforms import PaddedBatchDataset
        return PaddedBatchDataset(self, batch_size, padded_shapes, padding_values, drop_remainder)

    def unbatch(self, name=None):
        """Splits every element along its first axis into elements.

            >>> [int(v) for v in tf.data.Dataset.range(5).batch(2).unbatch()]
            [0, 1, 2, 3, 4]
        """
        from graphflow.data.transforms import UnbatchDataset
        return UnbatchDataset(self)

    def rebatch(self, batch_size, drop_remainder=False, name=None):
        """Batches of a batched dataset re-cut to batch_size (or cycling through a list of
        sizes).

            >>> [b.numpy().tolist() for b in tf.data.Dataset.range(8).batch(4).rebatch(3)]
            [[0, 1, 2], [3, 4, 5], [6, 7]]
        """
        from graphflow.data.transforms import RebatchDataset
        return RebatchDataset(self, batch_size, drop_remainder)

    def window(self, size, shift=None, stride=1, drop_remainder=False, name=None):
        """Windows of `size` elements (taken every `stride`), starting every `shift` elements;
        each window is a structure of datasets (flat_map them to batches).

            >>> ds = tf.data.Dataset.range(5).window(3, shift=1, drop_remainder=True)
            >>> [b.numpy().tolist() for b in ds.flat_map(lambda w: w.batch(3))]
            [[0, 1, 2], [1, 2, 3], [2, 3, 4]]
        """
        from graphflow.data.transforms import WindowDataset
        return WindowDataset(self, size, shift, stride, drop_remainder)

    def enumerate(self, start=0, name=None):
        """(int64 index, element) pairs.

            >>> [(int(i), int(x)) for i, x in tf.data.Dataset.range(5, 7).enumerate(start=1)]
            [(1, 5), (2, 6)]
        """
        from graphflow.data.sources import RangeDataset, ZipDataset
        return ZipDataset((RangeDataset((int(start), np.iinfo(np.int64).max), None), self))

    def scan(self, initial_state, scan_func, name=None):
        """A running state: scan_func(state, element) -> (new state, output element).

            >>> ds = tf.data.Dataset.range(5).scan(np.int64(0), lambda s, x: (s + x, s + x))
            >>> [int(v) for v in ds]
            [0, 1, 3, 6, 10]
        """
        from graphflow.data.transforms import ScanDataset
        return ScanDataset(self, initial_state, scan_func)

    def take_while(self, predicate, name=None):
        """The elements up to (not including) the first one for which predicate is false."""
        from graphflow.data.transforms import TakeWhileDataset
        return TakeWhileDataset(self, predicate)

    def shard(self, num_shards, index, name=None):
        """Every num_shards-th element, starting at index.

            >>> [int(v) for v in tf.data.Dataset.range(10).shard(3, 1)]
            [1, 4, 7]
        """
        from graphflow.data.transforms import ShardDataset
        return ShardDataset(self, num_shards, index)

    def skip(self, count, name=None):
        """All but the first `count` elements (-1: skip everything)."""
        from graphflow.data.transforms import SkipDataset
        return SkipDataset(self, count)

    def take(self, count, name=None):
        """At most the first `count` elements (-1: all)."""
        from graphflow.data.transforms import TakeDataset
        return TakeDataset(self, count)

    def repeat(self, count=None, name=None):
        """The dataset `count` times over (forever when None or -1)."""
        from graphflow.data.transforms import RepeatDataset
        return RepeatDataset(self, count)

    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=None, name=None):
        """Random order within a buffer of buffer_size elements (a buffer at least as large as
        the dataset shuffles it fully); a new order each iteration unless
        reshuffle_each_iteration=False. With a seed (or tf.random.set_seed) the orders repeat
        from run to run; they are not TF's orders."""
        from graphflow.data.transforms import ShuffleDataset
        return ShuffleDataset(self, buffer_size, seed, reshuffle_each_iteration)

    def concatenate(self, dataset, name=None):
        """This dataset's elements followed by `dataset`'s (the specs must agree in structure and
        dtypes).

            >>> [int(v) for v in tf.data.Dataset.range(2).concatenate(tf.data.Dataset.range(5, 7))]
            [0, 1, 5, 6]
        """
        from graphflow.data.sources import ConcatenateDataset
        return ConcatenateDataset(self, dataset)

    def cache(self, filename="", name=None):
        """Elements of the first full iteration kept for later ones: in memory, or in a file
        (filename + ".gfcache", written without pickle, reused by later runs)."""
        from graphflow.data.transforms import CacheDataset
        return CacheDataset(self, filename)

    def prefetch(self, buffer_size, name=None):
        """Elements produced ahead by a background thread into a buffer of buffer_size
        (tf.data.AUTOTUNE: a small buffer), overlapping the pipeline with its consumer."""
        from graphflow.data.transforms import PrefetchDataset
        return PrefetchDataset(self, buffer_size)

    # -- grouping and selecting by value (grouping.py) ---------------------------------------------
    def ignore_errors(self, log_warning=False, name=None):
        """The elements, without those whose computation raised (a map function's error: e.g.
        tf.debugging.check_numerics); with log_warning each skipped error is logged.

            >>> ds = tf.data.Dataset.from_tensor_slices([2.0, 0.0, 4.0])
            >>> ds = ds.map(lambda x: tf.debugging.check_numerics(1.0 / x, "inverse"))
            >>> [float(v) for v in ds.ignore_errors()]
            [0.5, 0.25]
        """
        from graphflow.data.resampling import IgnoreErrorsDataset
        return IgnoreErrorsDataset(self, log_warning)

    def rejection_resample(self, class_func, target_dist, initial_dist=None, seed=None,
                           name=None):
        """(class, element) pairs, resampled (rejecting or repeating elements) so that the
        classes class_func gives (scalar int32 in [0, num_classes)) follow target_dist; the
        input's distribution is initial_dist, or estimated while iterating.

            >>> ds = tf.data.Dataset.range(8).rejection_resample(
            ...     lambda x: tf.cast(x % 2, tf.int32), target_dist=[0.5, 0.5],
            ...     initial_dist=[0.5, 0.5], seed=1)
            >>> [(int(c), int(x)) for c, x in ds][:3]
            [(0, 0), (1, 1), (0, 2)]
        """
        from graphflow.data.resampling import RejectionResampleDataset
        return RejectionResampleDataset(self, class_func, target_dist, initial_dist, seed)

    def save(self, path, compression=None, shard_func=None, checkpoint_args=None):
        """Writes the dataset to directory `path` in graphflow's format (data/saving.py), for
        Dataset.load; compression None, "GZIP" or "ZLIB"; shard_func(element) -> int64 scalar
        picks each element's shard file."""
        from graphflow.data.saving import save
        save(self, path, compression, shard_func, checkpoint_args)

    @staticmethod
    def load(path, element_spec=None, compression=None, reader_func=None, wait=False):
        """The dataset Dataset.save wrote at `path` (its element_spec is read from there when
        not given); reader_func(dataset of shard datasets) -> the dataset, shards in index
        order by default."""
        from graphflow.data.saving import LoadDataset
        return LoadDataset(path, element_spec, compression, reader_func, wait)

    def unique(self, name=None):
        """The elements not seen before, in order (scalar or vector int32, int64, string).

            >>> [int(x) for x in tf.data.Dataset.from_tensor_slices([1, 37, 2, 37, 2, 1]).unique()]
            [1, 37, 2]
        """
        from graphflow.data.grouping import UniqueDataset
        return UniqueDataset(self)

    def group_by_window(self, key_func, reduce_func, window_size=None, window_size_func=None,
                        name=None):
        """Groups elements by key_func(element) (a scalar int64); each group of window_size
        (or window_size_func(key)) elements, and at the end what is left of each group in key
        order, becomes reduce_func(key, dataset of the group)."""
        from graphflow.data.grouping import GroupByWindowDataset
        return GroupByWindowDataset(self, key_func, reduce_func, window_size, window_size_func)

    def bucket_by_sequence_length(self, element_length_func, bucket_boundaries,
                                  bucket_batch_sizes, padded_shapes=None, padding_values=None,
                                  pad_to_bucket_boundary=False, no_padding=False,
                                  drop_remainder=False, name=None):
        """Batches elements of similar length: element_length_func(element) picks the bucket
        (bucket i holds lengths in [boundaries[i-1], boundaries[i])), whose batches of
        bucket_batch_sizes[i] are padded to their longest element (or, with
        pad_to_bucket_boundary, to the bucket's boundary - 1; no_padding: plain batches).

            >>> ds = tf.data.Dataset.from_generator(
            ...     lambda: ([1] * n for n in (1, 4, 3, 5, 6, 2)), tf.int64, output_shapes=[None])
            >>> ds = ds.bucket_by_sequence_length(lambda x: tf.shape(x)[0], [3, 5], [2, 2, 2])
            >>> [b.shape.as_list() for b in ds]
            [[2, 4], [2, 6], [2, 2]]
        """
        from graphflow.data.grouping import bucket_by_sequence_length
        return bucket_by_sequence_length(self, element_length_func, bucket_boundaries,
                                         bucket_batch_sizes, padded_shapes, padding_values,
                                         pad_to_bucket_boundary, no_padding, drop_remainder)

    @staticmethod
    def counter(start=0, step=1, dtype=None, name=None):
        """start, start + step, ... forever (int64 unless dtype says otherwise).

            >>> [int(x) for x in tf.data.Dataset.counter(start=2, step=5).take(3)]
            [2, 7, 12]
        """
        from graphflow import dtypes
        from graphflow.data.grouping import CounterDataset
        return CounterDataset(start, step, dtypes.int64 if dtype is None else dtype)

    @staticmethod
    def random(seed=None, rerandomize_each_iteration=None, name=None):
        """Pseudo-random int64 values forever; a seed gives the same values each iteration
        unless rerandomize_each_iteration (graphflow's generator, not TF's sequence)."""
        from graphflow.data.grouping import RandomDataset
        return RandomDataset(seed, rerandomize_each_iteration)


class Iterator:
    """What iter(dataset) returns: `next()` / `get_next()` give the next element as tensors."""

    def __init__(self, dataset):
        from graphflow.graph.ir import inside_function
        self._dataset = dataset
        self._it = dataset._elements()
        self._lock = threading.Lock()  # a function's runs may pull from several threads
        # An iterator made outside a function and passed to (or captured by) one is read when
        # the function runs; one made while tracing is read while tracing.
        self._outside = not inside_function()

    @property
    def element_spec(self):
        return self._dataset.element_spec

    def __iter__(self):
        return self

    def _next_element(self):
        with self._lock:
            return next(self._it)

    def __next__(self):
        from graphflow.graph.ir import inside_function
        if self._outside and inside_function():  # taken each time the function runs
            return self._staged_next()
        return structure.to_tensors(self._next_element())

    def _staged_next(self):
        from graphflow.ops.iterators import iterator_get_next
        spec = self.element_spec
        flat = nest.flatten(spec, expand_composites=True)
        components = iterator_get_next(self, [(s.dtype.name, s.shape.dims_tuple()) for s in flat])
        return nest.pack_sequence_as(spec, components, expand_composites=True)

    def get_next(self):
        return self.__next__()

    def __repr__(self):
        return f"<graphflow.data.Iterator element_spec={self.element_spec!r}>"


class NumpyIterator(Iterator):
    """What as_numpy_iterator() returns: elements as NumPy values."""

    def __next__(self):
        return structure.to_numpy(next(self._it))

    def __repr__(self):
        return f"NumpyIterator(iterator={Iterator.__repr__(self)})"
