"""Dataset transformations: map, filter, flat_map/interleave, batching, windows, scan, slicing
(take, skip, shard, take_while), repeat, shuffle, cache and prefetch.

    >>> from graphflow.data.sources import RangeDataset
    >>> ds = RangeDataset((10,), None).filter(lambda x: x % 3 == 0).batch(2)
    >>> [b.tolist() for b in ds.as_numpy_iterator()]
    [[0, 3], [6, 9]]
"""
import math
import threading

import numpy as np

from graphflow import dtypes
from graphflow.data import functions, structure, threads
from graphflow.data.dataset import AUTOTUNE, INFINITE, UNKNOWN, Dataset, Failure
from graphflow.data.sources import ListDataset, TensorSliceDataset
from graphflow.data.structure import DatasetSpec
from graphflow.errors import GraphflowError, InvalidArgumentError, InvalidTypeError
from graphflow.tensor import EagerTensor, SymbolicTensor, TensorShape, TensorSpec


def _count(value, what, minimum=None):
    """A Python int from an int, NumPy or eager scalar (None for a symbolic one)."""
    if isinstance(value, SymbolicTensor):
        return None
    if isinstance(value, EagerTensor):
        value = value.numpy()
    if isinstance(value, bool) or not hasattr(value, "__index__"):  # int(2.5) would truncate
        raise InvalidTypeError(f"{what} must be an integer, got {value!r:.40} of type "
                               f"{type(value).__name__}")
    n = int(value.__index__())
    if minimum is not None and n < minimum:
        raise InvalidArgumentError(f"{what} must be at least {minimum}, got {n}")
    return n


def _close(iterator):
    close = getattr(iterator, "close", None)
    if close is not None:
        close()


class Identity(Dataset):
    """The input unchanged (carries with_options)."""

    def __init__(self, parent):
        super().__init__(parent.element_spec, (parent,))

    def _iterate(self):
        return self._inputs[0]._elements()

    def _tolerant(self):
        return self._inputs[0]._tolerant()

    def _cardinality(self):
        return self._inputs[0]._cardinality()


class _SameCardinality(Dataset):
    def _cardinality(self):
        return self._inputs[0]._cardinality()


# -- map and filter ------------------------------------------------------------------------------

class MapDataset(_SameCardinality):
    def __init__(self, parent, map_func, num_parallel_calls, deterministic):
        self._fn = functions.StructuredFunction(map_func, parent.element_spec, "map")
        super().__init__(self._fn.output_spec, (parent,))
        self._parallel = None if num_parallel_calls is None else _count(
            num_parallel_calls, "map: num_parallel_calls", AUTOTUNE)
        self._deterministic = deterministic

    def _iterate(self):
        fn = self._fn
        source = self._inputs[0]._elements()
        if self._parallel is None or self._parallel == 1:
            return (fn(element) for element in source)
        options = self.options()
        workers = threads.default_parallelism(options) if self._parallel == AUTOTUNE \
            else self._parallel
        deterministic = self._deterministic
        if deterministic is None:
            deterministic = options.deterministic is not False
        return threads.parallel_map(source, fn, workers, deterministic)

    def _tolerant(self):
        fn = self._fn

        def one(element):
            if type(element) is Failure:
                return element
            try:
                return fn(element)
            except Exception as e:  # noqa: BLE001 - the element's error, for ignore_errors
                return Failure(e)
        source = self._inputs[0]._tolerant()
        if self._parallel is None or self._parallel == 1:
            return (one(element) for element in source)
        workers = threads.default_parallelism(self.options()) if self._parallel == AUTOTUNE \
            else self._parallel
        return threads.parallel_map(source, one, workers, self._deterministic is not False)

    def __repr__(self):
        kind = "_MapDataset" if self._parallel is None else "_ParallelMapDataset"
        return f"<{kind} element_spec={self._spec!r}>"


class FilterDataset(Dataset):
    def __init__(self, parent, predicate):
        self._fn = functions.predicate(predicate, parent.element_spec, "filter")
        super().__init__(parent.element_spec, (parent,))

    def _iterate(self):
        run = self._fn.run
        for element in self._inputs[0]._elements():
            if run(structure.flatten(element))[0]:
                yield element

    def _tolerant(self):
        run = self._fn.run
        for element in self._inputs[0]._tolerant():
            if type(element) is not Failure:
                try:
                    if not run(structure.flatten(element))[0]:
                        continue
                except Exception as e:  # noqa: BLE001 - the element's error, for ignore_errors
                    element = Failure(e)
            yield element


class TakeWhileDataset(Dataset):
    def __init__(self, parent, predicate):
        self._fn = functions.predicate(predicate, parent.element_spec, "take_while")
        super().__init__(parent.element_spec, (parent,))

    def _iterate(self):
        run = self._fn.run
        source = self._inputs[0]._elements()
        try:
            for element in source:
                if not run(structure.flatten(element))[0]:
                    return
                yield element
        finally:
            _close(source)


class ScanDataset(_SameCardinality):
    def __init__(self, parent, initial_state, scan_func):
        state = structure.normalize_input(initial_state, "scan")
        self._fn, _ = functions.stateful(scan_func, structure.spec_of(state), parent.element_spec,
                                         "scan_func", returns_output=True)
        super().__init__(self._fn.output_spec[1], (parent,))
        self._initial = state

    def _iterate(self):
        state = self._initial
        for element in self._inputs[0]._elements():
            state, out = self._fn((state, element))
            yield out


# -- flat_map and interleave ---------------------------------------------------------------------

class SpecDataset(Dataset):
    """Stands for a dataset-valued element (a window) while flat_map/interleave find out what
    their function returns: it has a spec, never elements."""

    def __init__(self, spec):
        super().__init__(spec)
        self._symbolic = True


def _returned_dataset(func, element, what):
    out = functions.call_with_element(func, element)
    if not isinstance(out, Dataset):
        raise InvalidArgumentError(
            f"{what}: `map_func` must return a `Dataset` object. Got {type(out)}.")
    return out


def _returned_spec(func, input_spec, what):
    """The element_spec of the datasets func returns: from one call on symbolic tensors (like
    TF's trace), or, when the function cannot be built symbolically (it captures an element in
    a nested map, say), from two calls on zero-valued elements (unknown dims of size 1 and 2:
    dims that differ become unknown)."""
    from graphflow.graph.ir import Graph
    flat = structure.flatten(input_spec)
    graph = Graph(is_function=True, name=what)
    try:
        with graph.as_default():
            args = [_placeholder(structure.function_spec(s), f"args_{i}")
                    for i, s in enumerate(flat)]
            return _returned_dataset(func, structure.pack(input_spec, args), what).element_spec
    except GraphflowError:
        pass
    specs = [_returned_dataset(func, _probe(input_spec, size), what).element_spec
             for size in (1, 2)]
    return structure.merge_specs(specs[0], specs[1], what)


def _placeholder(spec, name):
    """A symbolic stand-in for an element's leaf (composites from placeholders of their
    components)."""
    from graphflow.ops.creation import placeholder_node
    if isinstance(spec, DatasetSpec):
        return SpecDataset(spec.element_spec)
    if hasattr(spec, "_from_composite_components"):
        return spec._from_composite_components([
            placeholder_node(c.shape.dims_tuple(), c.dtype, f"{name}_{k}")
            for k, c in enumerate(spec._component_specs())])
    return placeholder_node(spec.shape.dims_tuple(), spec.dtype, name)


def _probe(input_spec, size):
    def leaf(spec):
        if isinstance(spec, DatasetSpec):
            return ListDataset([], spec.element_spec)
        dims = [size if d is None else d for d in (spec.shape.dims or [])]
        value = np.full(dims, b"", object) if spec.dtype is dtypes.string else \
            np.zeros(dims, spec.dtype.np)
        if getattr(spec, "ragged_rank", 0):  # rows of full length
            return structure.dense_to_ragged(value, spec.ragged_rank).to_tensor()
        return EagerTensor(value)
    return structure.map_leaves(leaf, input_spec)


class InterleaveDataset(Dataset):
    def __init__(self, parent, map_func, cycle_length, block_length, num_parallel_calls,
                 deterministic, what):
        self._func = map_func
        self._what = what
        spec = _returned_spec(map_func, parent.element_spec, what)
        super().__init__(spec, (parent,))
        self._cycle = None if cycle_length in (None, AUTOTUNE) else _count(
            cycle_length, f"{what}: cycle_length", 1)
        self._block = 1 if block_length in (None, AUTOTUNE) else _count(
            block_length, f"{what}: block_length", 1)
        self._parallel = num_parallel_calls is not None

    def _open(self, element):
        ds = _returned_dataset(self._func, structure.to_tensors(element), self._what)
        try:
            structure.merge_specs(self._spec, ds.element_spec, self._what)
        except InvalidArgumentError:
            raise InvalidArgumentError(
                f"{self._what}: the function returned a dataset with elements "
                f"{ds.element_spec!r}, but its first result had {self._spec!r}") from None
        if self._parallel:  # read ahead by a thread of its own
            return threads.prefetched(ds._elements, 2 * self._block)
        return ds._elements()

    def _iterate(self):
        cycle = self._cycle or threads.default_parallelism(self.options())
        block = self._block
        source = self._inputs[0]._elements()
        slots = [None] * cycle
        source_done = False
        i = 0
        try:
            while not source_done or any(s is not None for s in slots):
                if slots[i] is None and not source_done:
                    try:
                        slots[i] = self._open(next(source))
                    except StopIteration:
                        source_done = True
                it = slots[i]
                if it is not None:
                    for _ in range(block):
                        try:
                            yield next(it)
                        except StopIteration:
                            slots[i] = None
                            break
                i = (i + 1) % cycle
        finally:
            for it in slots:
                if it is not None:
                    _close(it)
            _close(source)


# -- batching ------------------------------------------------------------------------------------

def _batched_spec(spec, batch_size, drop_remainder, what):
    def one(s):
        if isinstance(s, DatasetSpec):
            raise InvalidArgumentError(f"{what}: elements that are datasets cannot be batched")
        lead = batch_size if drop_remainder and batch_size is not None else None
        return structure.batched_spec(s, lead)
    return structure.map_leaves(one, spec)


def _stack(elements, spec):
    flat = [structure.flatten(e) for e in elements]
    out = []
    for parts, s in zip(zip(*flat), structure.flatten(spec)):
        if isinstance(parts[0], structure.SparseValue):  # sparse elements may differ in shape
            out.append(structure.SparseValue.stack(parts))
            continue
        if isinstance(parts[0], structure.RaggedValue):  # so may ragged ones
            out.append(structure.RaggedValue.stack(parts, s.row_splits_dtype.np))
            continue
        first = parts[0].shape
        for p in parts[1:]:
            if p.shape != first:
                raise InvalidArgumentError(
                    f"batch: Cannot add tensor to the batch: number of elements does not match. "
                    f"Shapes are: [tensor]: {list(p.shape)}, [batch]: {list(first)} (use "
                    "padded_batch for elements of different shapes)")
        out.append(np.stack(parts))
    return structure.pack(spec, out)


def _batch_count(n, size, drop_remainder):
    if n == INFINITE or n == UNKNOWN or size is None:
        return n if size is not None else UNKNOWN
    return n // size if drop_remainder else math.ceil(n / size)


class BatchDataset(Dataset):
    def __init__(self, parent, batch_size, drop_remainder):
        self._size = _count(batch_size, "batch: batch_size", 1)
        self._drop = bool(drop_remainder)
        super().__init__(_batched_spec(parent.element_spec, self._size, self._drop, "batch"),
                         (parent,))

    def _iterate(self):
        parent = self._inputs[0]
        if type(parent) is TensorSliceDataset:  # cut the arrays directly
            yield from parent.batches(self._size, self._drop)
            return
        buffer = []
        for element in parent._elements():
            buffer.append(element)
            if len(buffer) == self._size:
                yield _stack(buffer, self._spec)
                buffer = []
        if buffer and not self._drop:
            yield _stack(buffer, self._spec)

    def _tolerant(self):
        # A batch with a failed element fails whole, its other elements dropped: what TF's
        # map-and-batch fusion (on by default) gives after a map.
        slots, buffer, failure = 0, [], None
        for element in self._inputs[0]._tolerant():
            slots += 1
            if type(element) is Failure:
                failure = failure or element
            else:
                buffer.append(element)
            if slots == self._size:
                yield failure if failure is not None else _stack(buffer, self._spec)
                slots, buffer, failure = 0, [], None
        if failure is not None:
            yield failure
        elif buffer and not self._drop:
            yield _stack(buffer, self._spec)

    def _cardinality(self):
        return _batch_count(self._inputs[0]._cardinality(), self._size, self._drop)


class DenseToRaggedDataset(Dataset):
    """The elements with every dense component whose shape has unknown dims as a
    RaggedTensorSpec, ragged up to its last unknown dim (TF's _DenseToRaggedDataset): batching
    it is ragged_batch. Fully known shapes (and unknown ranks) stay dense."""

    def __init__(self, parent, row_splits_dtype):
        from graphflow.ops.ragged_ops import RaggedTensorSpec
        splits_dtype = dtypes.as_dtype(row_splits_dtype)
        if splits_dtype not in (dtypes.int32, dtypes.int64):
            raise InvalidArgumentError(
                f"ragged_batch: row_splits_dtype must be tf.int32 or tf.int64, got "
                f"{splits_dtype.name}")

        def ragged_spec(s):
            if not isinstance(s, TensorSpec) or s.shape.rank is None or \
                    s.shape.is_fully_defined():
                return s
            rank = max(k for k, d in enumerate(s.shape.as_list()) if d is None)
            return RaggedTensorSpec(s.shape, s.dtype, rank, splits_dtype)
        super().__init__(structure.map_leaves(ragged_spec, parent.element_spec), (parent,))
        self._ranks = [getattr(s, "ragged_rank", None) if isinstance(s, RaggedTensorSpec) and
                       isinstance(p, TensorSpec) else None
                       for s, p in zip(structure.flatten(self._spec),
                                       structure.flatten(parent.element_spec))]
        self._splits_dtype = splits_dtype.np

    def _iterate(self):
        for element in self._inputs[0]._elements():
            flat = structure.flatten(element)
            out = []
            for leaf, rank in zip(flat, self._ranks):
                if rank is not None:
                    leaf = structure.dense_to_ragged(leaf, rank)
                    leaf.splits = [s.astype(self._splits_dtype) for s in leaf.splits]
                out.append(leaf)
            yield structure.pack(self._spec, out)

    def _cardinality(self):
        return self._inputs[0]._cardinality()


def _refuse_composites(spec, what):
    """padded_batch pads dense tensors only (TF raises this TypeError for others)."""
    for s in structure.flatten(spec):
        if not isinstance(s, TensorSpec):
            raise InvalidTypeError(
                f"`{what}` is only supported for datasets that produce tensor elements but type "
                f"spec of elements in the input dataset is not a subclass of TensorSpec: "
                f"`{s!r}`.")


class PaddedBatchDataset(Dataset):
    def __init__(self, parent, batch_size, padded_shapes, padding_values, drop_remainder):
        self._size = _count(batch_size, "padded_batch: batch_size", 1)
        self._drop = bool(drop_remainder)
        spec = parent.element_spec
        _refuse_composites(spec, "padded_batch")
        flat = structure.flatten(spec)
        if padded_shapes is None:
            shapes = [s.shape for s in flat]
        else:
            shapes = [TensorShape(None if s is None else [None if d is None or d == -1 else d
                                                          for d in TensorShape(s).dims])
                      for s in structure.flatten_up_to(spec, padded_shapes, "padded_batch: "
                                                                            "padded_shapes")]
        for s, shape in zip(flat, shapes):
            if shape.rank is None:
                raise InvalidArgumentError(
                    f"padded_batch: the padded shape of a component of spec {s!r} must have a "
                    "known rank (give padded_shapes)")
            if not s.shape.is_compatible_with(TensorShape([None] * shape.rank)):
                raise InvalidArgumentError(
                    f"padded_batch: padded shape {shape} has the wrong rank for {s!r}")
        if padding_values is None:
            pads = [b"" if s.dtype is dtypes.string else 0 for s in flat]
        elif structure.is_structure(spec):
            pads = structure.flatten_up_to(spec, padding_values, "padded_batch: padding_values")
        else:
            pads = [padding_values]
        self._pads = [structure.leaf_array(p, "padded_batch: padding_values", s.dtype)
                      for p, s in zip(pads, flat)]
        for p in self._pads:
            if p.ndim:
                raise InvalidArgumentError("padded_batch: padding values must be scalars")
        self._shapes = shapes
        lead = self._size if self._drop else None
        super().__init__(structure.pack(spec, [
            TensorSpec(TensorShape([lead]).concatenate(shape), s.dtype)
            for s, shape in zip(flat, shapes)]), (parent,))

    def _pad(self, elements):
        flat = [structure.flatten(e) for e in elements]
        out = []
        for parts, shape, pad in zip(zip(*flat), self._shapes, self._pads):
            target = [d if d is not None else max((p.shape[k] for p in parts), default=0)
                      for k, d in enumerate(shape.dims)]
            batch = np.empty([len(parts)] + target, pad.dtype)
            batch[...] = pad
            for i, p in enumerate(parts):
                if any(a > b for a, b in zip(p.shape, target)):
                    raise InvalidArgumentError(
                        f"padded_batch: Attempted to pad to a smaller size than the input "
                        f"element: element shape {list(p.shape)}, padded shape {target}")
                batch[(i,) + tuple(slice(0, d) for d in p.shape)] = p
            out.append(batch)
        return structure.pack(self._spec, out)

    def _iterate(self):
        buffer = []
        for element in self._inputs[0]._elements():
            buffer.append(element)
            if len(buffer) == self._size:
                yield self._pad(buffer)
                buffer = []
        if buffer and not self._drop:
            yield self._pad(buffer)

    def _cardinality(self):
        return _batch_count(self._inputs[0]._cardinality(), self._size, self._drop)


def _unbatched_spec(spec, what):
    def one(s):
        if isinstance(s, DatasetSpec) or s.shape.rank == 0:
            raise InvalidArgumentError(f"{what}: Cannot unbatch an input with scalar components.")
        return structure.unbatched_spec(s)
    return structure.map_leaves(one, spec)


def _slices(element, spec, what):
    flat = structure.flatten(element)
    sizes = {a.shape[0] for a in flat}
    if len(sizes) != 1:
        raise InvalidArgumentError(
            f"{what}: the components of an element have different first dimensions "
            f"{sorted(sizes)}")
    for i in range(sizes.pop()):
        yield structure.pack(spec, [a[i, ...] for a in flat])


class UnbatchDataset(Dataset):
    def __init__(self, parent):
        super().__init__(_unbatched_spec(parent.element_spec, "unbatch"), (parent,))

    def _iterate(self):
        for element in self._inputs[0]._elements():
            yield from _slices(element, self._spec, "unbatch")


class RebatchDataset(Dataset):
    def __init__(self, parent, batch_size, drop_remainder):
        sizes = np.asarray(batch_size.numpy() if isinstance(batch_size, EagerTensor)
                           else batch_size).reshape(-1)
        self._sizes = [_count(s, "rebatch: batch_size", 1) for s in sizes]
        if not self._sizes:
            raise InvalidArgumentError("rebatch: batch_size must not be empty")
        self._drop = bool(drop_remainder)
        self._item_spec = _unbatched_spec(parent.element_spec, "rebatch")
        fixed = self._sizes[0] if len(self._sizes) == 1 else None
        super().__init__(_batched_spec(self._item_spec, fixed, self._drop, "rebatch"), (parent,))

    def _iterate(self):
        buffer, k = [], 0
        for element in self._inputs[0]._elements():
            for item in _slices(element, self._item_spec, "rebatch"):
                buffer.append(item)
                if len(buffer) == self._sizes[k]:
                    yield _stack(buffer, self._spec)
                    buffer, k = [], (k + 1) % len(self._sizes)
        if buffer and not self._drop:
            yield _stack(buffer, self._spec)


class WindowDataset(Dataset):
    def __init__(self, parent, size, shift, stride, drop_remainder):
        self._size = _count(size, "window: size", 1)
        self._shift = self._size if shift is None else _count(shift, "window: shift", 1)
        self._stride = _count(stride, "window: stride", 1)
        self._drop = bool(drop_remainder)
        item = parent.element_spec
        super().__init__(structure.map_leaves(lambda s: DatasetSpec(s), item), (parent,))
        self._item_spec = item

    def _window(self, elements):
        flat = [structure.flatten(e) for e in elements]
        specs = structure.flatten(self._item_spec)
        parts = [ListDataset(list(column), spec) for column, spec in zip(zip(*flat), specs)] \
            if flat else [ListDataset([], spec) for spec in specs]
        return structure.pack(self._item_spec, parts)

    def _iterate(self):
        span = (self._size - 1) * self._stride + 1  # input elements a full window covers
        source = self._inputs[0]._elements()
        buffer, first, done = [], 0, False  # buffer[0] is input element number `first`
        start = 0
        while True:
            while not done and first + len(buffer) < start + span:
                try:
                    buffer.append(next(source))
                except StopIteration:
                    done = True
            end = first + len(buffer)
            if start >= end:
                return
            picked = [buffer[j - first] for j in range(start, min(start + span, end),
                                                       self._stride)]
            if self._drop and len(picked) < self._size:
                return
            yield self._window(picked)
            start += self._shift
            drop = min(start - first, len(buffer))
            del buffer[:drop]
            first += drop

    def _cardinality(self):
        n = self._inputs[0]._cardinality()
        if n < 0:
            return n
        if not self._drop:
            return math.ceil(n / self._shift)
        span = (self._size - 1) * self._stride + 1
        return 0 if n < span else (n - span) // self._shift + 1


# -- slicing -------------------------------------------------------------------------------------

class TakeDataset(Dataset):
    def __init__(self, parent, count):
        self._n = _count(count, "take: count")
        super().__init__(parent.element_spec, (parent,))

    def _iterate(self):
        if self._n < 0:
            yield from self._inputs[0]._elements()
            return
        if self._n == 0:
            return
        source = self._inputs[0]._elements()
        try:
            for i, element in enumerate(source):
                yield element
                if i + 1 >= self._n:
                    return
        finally:
            _close(source)

    def _tolerant(self):
        # a failed element is not one of the `count` taken (TF counts only what arrives)
        taken = 0
        source = self._inputs[0]._tolerant()
        try:
            while self._n < 0 or taken < self._n:
                element = next(source, None)
                if element is None:
                    return
                taken += type(element) is not Failure
                yield element
        finally:
            _close(source)

    def _cardinality(self):
        n = self._inputs[0]._cardinality()
        if self._n < 0:
            return n
        if n == INFINITE:
            return self._n
        return n if n == UNKNOWN else min(n, self._n)


class SkipDataset(Dataset):
    def __init__(self, parent, count):
        self._n = _count(count, "skip: count")
        super().__init__(parent.element_spec, (parent,))

    def _iterate(self):
        if self._n < 0:
            for _ in self._inputs[0]._elements():
                pass
            return
        for i, element in enumerate(self._inputs[0]._elements()):
            if i >= self._n:
                yield element

    def _cardinality(self):
        n = self._inputs[0]._cardinality()
        if n < 0:
            return n
        return 0 if self._n < 0 else max(0, n - self._n)


class ShardDataset(Dataset):
    def __init__(self, parent, num_shards, index):
        self._shards = _count(num_shards, "shard: num_shards", 1)
        self._index = _count(index, "shard: index")
        if not 0 <= self._index < self._shards:
            raise InvalidArgumentError(
                f"shard: Index must be between 0 and {self._shards - 1} (currently index = "
                f"{self._index}).")
        super().__init__(parent.element_spec, (parent,))

    def _iterate(self):
        for i, element in enumerate(self._inputs[0]._elements()):
            if i % self._shards == self._index:
                yield element

    def _cardinality(self):
        n = self._inputs[0]._cardinality()
        return n if n < 0 else max(0, math.ceil((n - self._index) / self._shards))


class RepeatDataset(Dataset):
    def __init__(self, parent, count):
        self._n = -1 if count is None else _count(count, "repeat: count")
        super().__init__(parent.element_spec, (parent,))

    def _iterate(self):
        epoch = 0
        while self._n < 0 or epoch < self._n:
            produced = False
            for element in self._inputs[0]._elements():
                produced = True
                yield element
            if not produced:  # an empty dataset repeated forever is empty
                return
            epoch += 1

    def _cardinality(self):
        n = self._inputs[0]._cardinality()
        if n == 0:
            return 0
        if self._n < 0:
            return INFINITE
        if n < 0:
            return n
        return n * self._n


# -- shuffle, cache, prefetch --------------------------------------------------------------------

class ShuffleDataset(_SameCardinality):
    def __init__(self, parent, buffer_size, seed, reshuffle_each_iteration):
        self._buffer = _count(buffer_size, "shuffle: buffer_size")
        if self._buffer <= 0:
            raise InvalidArgumentError(
                f"shuffle: buffer_size must be greater than zero, got {self._buffer}")
        super().__init__(parent.element_spec, (parent,))
        from graphflow.context import context
        from graphflow.ops.random import numpy_generator
        if seed is None:  # drawn once: follows tf.random.set_seed, fresh otherwise
            self._seed = int(numpy_generator("dataset.shuffle").integers(2 ** 62))
        else:
            self._seed = [int(seed), context.global_seed or 0]
        self._reshuffle = reshuffle_each_iteration is None or bool(reshuffle_each_iteration)
        self._epoch = 0
        self._lock = threading.Lock()

    def _iterate(self):
        with self._lock:
            epoch = self._epoch if self._reshuffle else 0
            self._epoch += 1
        seed = self._seed if isinstance(self._seed, list) else [self._seed]
        rng = np.random.default_rng(seed + [epoch])
        buffer = []
        source = self._inputs[0]._elements()
        for element in source:
            buffer.append(element)
            if len(buffer) >= self._buffer:
                break
        for element in source:
            i = int(rng.integers(len(buffer)))
            yield buffer[i]
            buffer[i] = element
        while buffer:
            i = int(rng.integers(len(buffer)))
            yield buffer[i]
            buffer[i] = buffer[-1]
            buffer.pop()


class CacheDataset(_SameCardinality):
    def __init__(self, parent, filename):
        super().__init__(parent.element_spec, (parent,))
        name = filename.numpy() if isinstance(filename, EagerTensor) else filename
        self._filename = name.decode() if isinstance(name, bytes) else str(name)
        self._memory = None
        self._lock = threading.Lock()

    def _iterate(self):
        if self._filename:
            return self._file_elements()
        return self._memory_elements()

    def _memory_elements(self):
        cached = self._memory
        if cached is not None:
            yield from cached
            return
        collected = []
        for element in self._inputs[0]._elements():
            collected.append(element)
            yield element
        with self._lock:  # only a complete first pass is kept
            if self._memory is None:
                self._memory = collected

    def _file_elements(self):
        from graphflow.data import cache
        if cache.exists(self._filename):
            yield from cache.read_cache(self._filename, self._spec)
            return
        writer = cache.CacheWriter(self._filename, self._spec)
        try:
            for element in self._inputs[0]._elements():
                writer.write(element)
                yield element
        except BaseException:
            writer.abort()
            raise
        writer.commit()


class PrefetchDataset(_SameCardinality):
    DEFAULT_BUFFER = 2  # what AUTOTUNE stands for: enough to overlap producer and consumer

    def __init__(self, parent, buffer_size):
        n = _count(buffer_size, "prefetch: buffer_size", AUTOTUNE)
        self._buffer = self.DEFAULT_BUFFER if n == AUTOTUNE else n
        super().__init__(parent.element_spec, (parent,))

    def _iterate(self):
        if self._buffer == 0:
            return self._inputs[0]._elements()
        return threads.prefetched(self._inputs[0]._elements, self._buffer)

    def _tolerant(self):
        if self._buffer == 0:
            return self._inputs[0]._tolerant()
        return threads.prefetched(self._inputs[0]._tolerant, self._buffer)
