"""Turning fit/evaluate/predict inputs into batches: NumPy arrays, tensors, lists and dicts of
them, a keras.utils.PyDataset, or a Python iterable/generator of batches; validation_split,
shuffling, class weights.

    >>> from graphflow.keras.data_adapter import ArrayData
    >>> data = ArrayData(np.zeros((10, 2)), np.arange(10), batch_size=4, shuffle=False)
    >>> [x.shape[0] for x, y, w in data.batches()]
    [4, 4, 2]
"""
import itertools
import math
import numbers
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from graphflow.errors import InvalidArgumentError
from graphflow.keras.py_dataset import PyDataset
from graphflow.tensor import EagerTensor, Tensor, Variable
from graphflow.utils import nest


def check_count(owner, name, value, minimum=1, optional=True):
    """`value` as an int >= `minimum` (None passes when `optional`): fit/evaluate/predict
    counts such as batch_size, epochs and steps. Floats, strings and out-of-range values raise
    (Keras fails on them deep inside, or silently trains on nonsense).

        >>> check_count("fit", "batch_size", np.int64(4))
        4
        >>> check_count("fit", "batch_size", 2.5)
        Traceback (most recent call last):
        ...
        graphflow.errors.InvalidArgumentError: fit: batch_size must be an integer >= 1 or None, got 2.5
    """
    if value is None and optional:
        return None
    if not isinstance(value, numbers.Integral) or int(value) < minimum:
        allowed = f"an integer >= {minimum}" + (" or None" if optional else "")
        raise InvalidArgumentError(f"{owner}: {name} must be {allowed}, got {value!r:.60}")
    return int(value)


def unpack_x_y_sample_weight(data):
    """(x, y, sample_weight) of a batch given as x, (x,), (x, y) or (x, y, sample_weight), as
    Keras's `keras.utils.unpack_x_y_sample_weight` (a list counts as a tuple, as in Keras 3;
    a list of inputs reaches a step packed as `(inputs,)`).

        >>> from graphflow import keras
        >>> keras.utils.unpack_x_y_sample_weight((1, 2))
        (1, 2, None)
        >>> keras.utils.unpack_x_y_sample_weight([1, 2])
        (1, 2, None)
        >>> keras.utils.unpack_x_y_sample_weight(([1, 2],))
        ([1, 2], None, None)
    """
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data[0], data[1], data[2]
    raise InvalidArgumentError(
        "Data is expected to be in format `x`, `(x,)`, `(x, y)`, or `(x, y, sample_weight)`, "
        f"found: {data!r:.200}")


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """The batch structure a step receives: x alone (as (x,) when x is a tuple or list of
    inputs), (x, y) or (x, y, sample_weight), as Keras's `pack_x_y_sample_weight`.

        >>> from graphflow import keras
        >>> keras.utils.pack_x_y_sample_weight(1, 2)
        (1, 2)
    """
    if y is None:
        return (x,) if isinstance(x, (tuple, list)) else x
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def _as_array(value, what):
    if isinstance(value, (Tensor, Variable)):
        value = value.numpy()
    arr = np.asarray(value)
    if arr.dtype == np.float64:
        from graphflow.keras.backend import floatx
        arr = arr.astype(floatx())  # Keras feeds float64 NumPy data as floatx()
    if arr.dtype.kind in "SUO":  # text data (string inputs of text models) as tf.string
        from graphflow.dtypes import as_bytes_array
        arr = as_bytes_array(arr)
    if arr.dtype.kind not in "biufO":
        raise InvalidArgumentError(f"{what}: unsupported data of dtype {arr.dtype}")
    return arr


def _to_arrays(structure, what):
    """Arrays for data: a dict or a list of arrays/tensors means several inputs (or targets);
    anything else (an array, a tensor, nested Python numbers) is one array."""
    if structure is None:
        return None
    if isinstance(structure, dict):
        return {k: _as_array(v, f"{what}[{k!r}]") for k, v in structure.items()}
    if isinstance(structure, (list, tuple)) and structure and all(
            isinstance(v, (np.ndarray, Tensor, Variable)) for v in structure):
        return [_as_array(v, f"{what}[{i}]") for i, v in enumerate(structure)]
    return _as_array(structure, what)


def _num_samples(structure, what):
    sizes = {leaf.shape[0] if leaf.ndim else None for leaf in nest.flatten(structure)}
    if None in sizes:
        raise InvalidArgumentError(f"{what}: each input must have a batch dimension (got a scalar)")
    if len(sizes) != 1:
        raise InvalidArgumentError(
            f"{what}: all arrays must have the same number of samples, got sizes {sorted(sizes)}")
    return sizes.pop()


def _take(structure, index):
    return nest.map_structure(lambda a: EagerTensor(np.ascontiguousarray(a[index])), structure) \
        if nest.is_nested(structure) else EagerTensor(np.ascontiguousarray(structure[index]))


def class_weights_to_sample_weights(y, class_weight):
    """Per-sample weights from {class: weight}, with classes read from integer or one-hot y."""
    y = np.asarray(y)
    classes = y.argmax(-1) if y.ndim > 1 and y.shape[-1] > 1 else y.reshape(len(y), -1)[:, 0]
    weights = np.ones(len(classes), np.float32)
    for c, w in class_weight.items():
        weights[classes == int(c)] = float(w)
    return weights


class ArrayData:
    """Batches of in-memory data."""

    def __init__(self, x, y=None, sample_weight=None, batch_size=32, shuffle=False,
                 class_weight=None, steps=None):
        self.x = _to_arrays(x, "x")
        self.y = _to_arrays(y, "y")
        self.n = _num_samples(self.x, "x")
        if self.y is not None:
            ny = _num_samples(self.y, "y")
            if ny != self.n:
                raise InvalidArgumentError(
                    f"Data cardinality is ambiguous: x sizes: {self.n}, y sizes: {ny}. Make sure "
                    "all arrays contain the same number of samples.")
        if class_weight is not None and not isinstance(class_weight, dict):
            raise InvalidArgumentError(
                f"class_weight must be a dict {{class index: weight}}, got "
                f"{type(class_weight).__name__} {class_weight!r:.60}")
        if sample_weight is None and class_weight is not None:
            if self.y is None or nest.is_nested(self.y):
                raise InvalidArgumentError("class_weight needs a single array of targets y")
            sample_weight = class_weights_to_sample_weights(self.y, class_weight)
        self.sample_weight = None if sample_weight is None else _as_array(sample_weight,
                                                                           "sample_weight")
        if self.sample_weight is not None and len(self.sample_weight) != self.n:
            raise InvalidArgumentError(
                f"sample_weight has {len(self.sample_weight)} entries for {self.n} samples")
        batch_size = check_count(type(self).__name__, "batch_size", batch_size)
        self.batch_size = 32 if batch_size is None else batch_size
        self.shuffle = shuffle
        self.steps = check_count(type(self).__name__, "steps", steps)

    def split(self, fraction):
        """(train, validation) with the last `fraction` of samples held out, as Keras does."""
        if not isinstance(fraction, numbers.Real) or not 0 < fraction < 1:
            raise InvalidArgumentError(
                f"fit: validation_split must be a float in [0, 1), got {fraction!r:.60}")
        cut = int(self.n * (1 - fraction))
        if cut == 0 or cut == self.n:
            raise InvalidArgumentError(
                f"validation_split={fraction} leaves no data for training or validation "
                f"({self.n} samples)")

        def pick(structure, sl):
            if structure is None:
                return None
            if nest.is_nested(structure):
                return nest.map_structure(lambda a: a[sl], structure)
            return structure[sl]

        def part(sl):
            data = ArrayData.__new__(ArrayData)
            data.x, data.y = pick(self.x, sl), pick(self.y, sl)
            data.sample_weight = None if self.sample_weight is None else self.sample_weight[sl]
            data.n = len(range(self.n)[sl])
            data.batch_size, data.shuffle, data.steps = self.batch_size, self.shuffle, None
            return data
        return part(slice(0, cut)), part(slice(cut, None))

    def num_batches(self):
        full = math.ceil(self.n / self.batch_size)
        return full if self.steps is None else min(full, self.steps)

    def batches(self):
        from graphflow.ops.random import numpy_generator
        order = numpy_generator("shuffle").permutation(self.n) if self.shuffle is True else None
        for b in range(self.num_batches()):
            lo, hi = b * self.batch_size, min(self.n, (b + 1) * self.batch_size)
            index = order[lo:hi] if order is not None else slice(lo, hi)
            x = _take(self.x, index)
            y = None if self.y is None else _take(self.y, index)
            w = None if self.sample_weight is None else EagerTensor(self.sample_weight[index])
            yield x, y, w


class GeneratorData:
    """Batches from a Python iterable or generator yielding x, (x, y) or (x, y, sample_weight)."""

    def __init__(self, iterable, steps=None):
        self.iterable = iterable
        self.iterator = None
        self.steps = check_count(type(self).__name__, "steps", steps)
        self._reiterable = not hasattr(iterable, "__next__")

    def num_batches(self):
        if self.steps is not None:
            return self.steps
        try:
            return len(self.iterable)
        except (TypeError, ValueError):  # no length, or an infinite/unknown one
            return None

    def batches(self):
        if self._reiterable or self.iterator is None:
            self.iterator = iter(self.iterable)
        count = 0
        while self.steps is None or count < self.steps:
            try:
                item = next(self.iterator)
            except StopIteration:
                return
            count += 1
            if isinstance(item, tuple) and 1 <= len(item) <= 3:
                x, y, w = (list(item) + [None, None])[:3]
            else:
                x, y, w = item, None, None
            yield (_convert(x), None if y is None else _convert(y),
                   None if w is None else _convert(w))


_RAN_OUT = ("Your input ran out of data; interrupting training. Make sure that your dataset or "
            "generator can generate at least `steps_per_epoch * epochs` batches. You may need "
            "to use the `.repeat()` function when building your dataset.")


class PyDatasetData:
    """Batches of a keras.utils.PyDataset, as Keras 3's PyDatasetAdapter: every epoch calls
    the dataset's on_epoch_begin and on_epoch_end; `shuffle` shuffles the order of the batch
    indices each pass. With `steps`, an epoch takes the next `steps` batches of the current
    pass (the next epoch goes on where it stopped) and a pass that runs out ends the epoch
    early with Keras's warning. `workers > 1` (or `use_multiprocessing` with a worker) fetches
    batches on threads, at most `max_queue_size` ahead, in order."""

    def __init__(self, dataset, shuffle=False, class_weight=None, steps=None):
        self.dataset = dataset
        self.shuffle = bool(shuffle)
        self.class_weight = class_weight
        self.steps = check_count(type(self).__name__, "steps", steps)
        self.workers = check_count("PyDataset", "workers", dataset.workers, minimum=0,
                                   optional=False)
        self.max_queue_size = check_count("PyDataset", "max_queue_size",
                                          dataset.max_queue_size, optional=False)
        self.threaded = self.workers > 1 or (self.workers > 0 and dataset.use_multiprocessing)
        if class_weight is not None and not isinstance(class_weight, dict):
            raise InvalidArgumentError(
                f"class_weight must be a dict {{class index: weight}}, got "
                f"{type(class_weight).__name__} {class_weight!r:.60}")
        self._pending = []  # the indices left in the current pass (with steps)
        self._next_index = 0  # an endless dataset's next index

    def num_batches(self):
        return self.steps if self.steps is not None else self.dataset.num_batches

    def _standardize(self, batch):
        if isinstance(batch, dict):
            return batch, None, None
        if isinstance(batch, np.ndarray):
            batch = (batch,)
        if isinstance(batch, list):
            batch = tuple(batch)
        if not isinstance(batch, tuple) or len(batch) not in (1, 2, 3):
            raise InvalidArgumentError(
                "PyDataset.__getitem__() must return a tuple or a dict. If a tuple, it must be "
                "ordered either (input,) or (inputs, targets) or (inputs, targets, "
                f"sample_weights). Received: {str(batch)[:100]}... of type {type(batch)}")
        x, y, w = (list(batch) + [None, None])[:3]
        if self.class_weight is not None:
            if w is not None:
                raise InvalidArgumentError(
                    "You cannot specify `class_weight` and `sample_weight` at the same time.")
            if y is not None:
                w = class_weights_to_sample_weights(_as_array(y, "y"), self.class_weight)
        return (_convert(x), None if y is None else _convert(y),
                None if w is None else _convert(w))

    def _indices(self):
        """The batch indices of this epoch."""
        total = self.dataset.num_batches
        if total is None:  # endless: count on across epochs
            if self.steps is None:
                return itertools.count(self._next_index)
            start, self._next_index = self._next_index, self._next_index + self.steps
            return range(start, start + self.steps)
        if self.steps is None or not self._pending:
            order = list(range(total))
            if self.shuffle:
                from graphflow.ops.random import numpy_generator
                order = [int(i) for i in numpy_generator("shuffle").permutation(total)]
            if self.steps is None:
                return order
            self._pending = order
        taken, self._pending = self._pending[:self.steps], self._pending[self.steps:]
        if len(taken) < self.steps:
            warnings.warn(_RAN_OUT, stacklevel=4)
        return taken

    def _fetched(self, indices):
        if not self.threaded:
            for i in indices:
                yield self.dataset[i]
            return
        pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="PyDataset")
        indices = iter(indices)
        queue = [pool.submit(self.dataset.__getitem__, i)
                 for i in itertools.islice(indices, self.max_queue_size)]
        try:
            while queue:
                item = queue.pop(0).result()
                for i in itertools.islice(indices, 1):
                    queue.append(pool.submit(self.dataset.__getitem__, i))
                yield item
        finally:
            for future in queue:
                future.cancel()
            pool.shutdown(wait=True)

    def batches(self):
        self.dataset.on_epoch_begin()
        try:
            for batch in self._fetched(self._indices()):
                yield self._standardize(batch)
        finally:
            self.dataset.on_epoch_end()


def _is_sparse(a):
    return getattr(a, "_composite_components", None) is not None


def _convert(structure):
    from graphflow.ops.ragged import RaggedTensor

    def one(a):
        if isinstance(a, (EagerTensor, RaggedTensor)) or _is_sparse(a):
            return a
        return EagerTensor(_as_array(a, "batch"))
    return nest.map_structure(one, structure) if nest.is_nested(structure) else one(structure)


def adapt(x, y=None, sample_weight=None, batch_size=None, shuffle=False, class_weight=None,
          steps=None):
    """An ArrayData, PyDatasetData or GeneratorData for fit/evaluate/predict arguments."""
    if x is None:
        raise InvalidArgumentError("No data given: x is None")
    if isinstance(x, PyDataset):
        for value, arg, what in ((y, "y", "the targets"),
                                 (sample_weight, "sample_weights", "the sample weights")):
            if value is not None:
                raise InvalidArgumentError(
                    f"When providing `x` as a PyDataset, `{arg}` should not be passed. Instead, "
                    f"{what} should be included as part of the PyDataset.")
        if shuffle and x.num_batches is None:
            warnings.warn(
                "`shuffle=True` was passed, but will be ignored since the data `x` was provided "
                "as an infinite PyDataset. The PyDataset is expected to already be shuffled.",
                stacklevel=3)
        return PyDatasetData(x, shuffle, class_weight, steps)
    is_iterable = hasattr(x, "__iter__") and not isinstance(
        x, (np.ndarray, list, tuple, dict, Tensor, Variable, str))
    if is_iterable:
        if y is not None:
            raise InvalidArgumentError(
                "`y` argument is not supported when using a generator or iterable as input; "
                "yield (x, y) pairs from it instead")
        return GeneratorData(x, steps)
    if any(_is_sparse(a) for a in nest.flatten(x)):
        return _sparse_batches(x, y, sample_weight, batch_size, shuffle, class_weight, steps)
    return ArrayData(x, y, sample_weight, batch_size, shuffle, class_weight, steps)


def _sparse_batches(x, y, sample_weight, batch_size, shuffle, class_weight, steps):
    """Batches of data with SparseTensor inputs (a sparse x of Input(sparse=True)): the samples
    are the rows, cut by tf.data as for a dataset of sparse slices."""
    from graphflow.data.dataset import Dataset
    if class_weight is not None:
        if y is None:
            raise InvalidArgumentError("class_weight needs targets y")
        sample_weight = class_weights_to_sample_weights(_to_arrays(y, "y"), class_weight)
    parts = [x] + [p for p in (_to_arrays(y, "y"), _to_arrays(sample_weight, "sample_weight"))
                   if p is not None]
    data = Dataset.from_tensor_slices(tuple(parts) if len(parts) > 1 else x)
    if shuffle:
        data = data.shuffle(max(1, int(data.cardinality())))
    return GeneratorData(data.batch(batch_size or 32), steps)
