"""Datasets that produce elements: range, tensors and their slices, Python generators, text
files, and the combinations zip, concatenate, sample_from_datasets, choose_from_datasets.

    >>> from graphflow.data.sources import RangeDataset
    >>> list(RangeDataset((3,), None).as_numpy_iterator())
    [0, 1, 2]
"""
import glob
import os

import numpy as np

from graphflow import dtypes
from graphflow.data import structure
from graphflow.data.dataset import INFINITE, UNKNOWN, Dataset
from graphflow.errors import InvalidArgumentError, NotFoundError
from graphflow.tensor import EagerTensor, SymbolicTensor, TensorShape, TensorSpec


def _python_int(value, what):
    """An eager scalar or Python number as an int; None for a symbolic one (templates)."""
    if isinstance(value, SymbolicTensor):
        return None
    if isinstance(value, EagerTensor):
        value = value.numpy()
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidArgumentError(f"{what} must be an integer, got {value!r:.40}") from None


class RangeDataset(Dataset):
    def __init__(self, args, output_type):
        if not 1 <= len(args) <= 3:
            raise InvalidArgumentError(f"Dataset.range takes 1 to 3 arguments, got {len(args)}")
        dtype = dtypes.int64 if output_type is None else dtypes.as_dtype(output_type)
        super().__init__(TensorSpec([], dtype))
        values = [_python_int(a, "Dataset.range: argument") for a in args]
        self._symbolic = None in values
        if not self._symbolic:
            if len(values) == 3 and values[2] == 0:
                raise InvalidArgumentError("Dataset.range: step must not be 0")
            self._range = range(*values)
        self._dtype = dtype

    def _iterate(self):
        np_type = self._dtype.np.type
        return (np.asarray(np_type(v)) for v in self._range)

    def _cardinality(self):
        return UNKNOWN if self._symbolic else len(self._range)


class TensorDataset(Dataset):
    """from_tensors: one element."""

    def __init__(self, tensors):
        element = structure.normalize_input(tensors, "from_tensors")
        super().__init__(structure.spec_of(element))
        self._symbolic = structure.is_symbolic(element)
        self._element = element

    def _iterate(self):
        return iter([self._element])

    def _cardinality(self):
        return 1


class TensorSliceDataset(Dataset):
    """from_tensor_slices: one element per index of the first axis."""

    def __init__(self, tensors):
        element = structure.normalize_input(tensors, "from_tensor_slices")
        leaves = structure.flatten(element)
        if not leaves:
            raise InvalidArgumentError("from_tensor_slices: the input has no components")
        sizes = set()
        for leaf in leaves:
            shape = leaf.shape if isinstance(leaf, SymbolicTensor) else TensorShape(leaf.shape)
            if shape.rank == 0:
                raise InvalidArgumentError(
                    "from_tensor_slices: Unbatching a tensor is only supported for rank >= 1")
            sizes.add(None if shape.rank is None else shape[0])
        known = {s for s in sizes if s is not None}
        if len(known) > 1:
            a, b = sorted(known)[:2]
            raise InvalidArgumentError(
                f"from_tensor_slices: Dimensions {a} and {b} are not compatible: all components "
                f"must have the same size in their first dimension, got shapes "
                f"{[tuple(x.shape) for x in leaves]}")

        def slice_spec(leaf):
            spec = structure.spec_of_leaf(leaf)
            return structure.with_shape(spec, spec.shape[1:])
        super().__init__(structure.map_leaves(slice_spec, element))
        self._symbolic = structure.is_symbolic(element)
        self._element = element
        self._n = known.pop() if known and None not in sizes else None

    def _iterate(self):
        flat = structure.flatten(self._element)
        spec = self._spec
        return (structure.pack(spec, [a[i, ...] for a in flat]) for i in range(self._n))

    def batches(self, batch_size, drop_remainder):
        """Batches of consecutive slices, cut from the arrays directly (what batch() uses
        when it reads straight from this source)."""
        flat = structure.flatten(self._element)
        n = self._n
        stop = n - n % batch_size if drop_remainder else n
        for lo in range(0, stop, batch_size):
            yield structure.pack(self._spec, [a[lo:lo + batch_size] for a in flat])

    def _cardinality(self):
        return UNKNOWN if self._n is None else self._n


class ListDataset(Dataset):
    """A dataset over a given list of elements of a known spec (window's windows)."""

    def __init__(self, elements, spec):
        super().__init__(spec)
        self._list = elements

    def _iterate(self):
        return iter(self._list)

    def _cardinality(self):
        return len(self._list)


def _generator_spec(output_types, output_shapes, output_signature):
    if output_signature is not None:
        if output_types is not None or output_shapes is not None:
            raise InvalidArgumentError(
                "from_generator: give either output_signature or output_types/output_shapes")
        flat = structure.flatten(output_signature)
        if not all(isinstance(s, TensorSpec) for s in flat):
            raise InvalidArgumentError(
                f"from_generator: output_signature must be a structure of tf.TensorSpec, got "
                f"{output_signature!r}")
        return output_signature
    if output_types is None:
        raise InvalidArgumentError(
            "from_generator: To specify the output signature you need to provide either the "
            "`output_signature` argument or the `output_types` argument.")
    if output_shapes is None:
        return structure.map_leaves(lambda t: TensorSpec(None, t), output_types)
    flat_types = structure.flatten(output_types)
    if isinstance(output_shapes, (list, TensorShape)) and not structure.is_structure(output_types):
        shapes = [output_shapes]
    else:
        shapes = nest_shapes(output_shapes)
    if len(shapes) != len(flat_types):
        raise InvalidArgumentError(
            f"from_generator: output_shapes {output_shapes!r} does not match output_types "
            f"{output_types!r}")
    return structure.pack(output_types, [TensorSpec(s, t) for s, t in zip(shapes, flat_types)])


def nest_shapes(shapes):
    """The leaves of a structure of shapes (a shape is a list, tuple of ints, or TensorShape)."""
    if isinstance(shapes, dict):
        return [s for k in sorted(shapes) for s in nest_shapes(shapes[k])]
    if isinstance(shapes, TensorShape) or shapes is None:
        return [shapes]
    if isinstance(shapes, (list, tuple)) and all(d is None or isinstance(d, (int, np.integer))
                                                 for d in shapes):
        return [list(shapes)]
    return [s for item in shapes for s in nest_shapes(item)]


class GeneratorDataset(Dataset):
    def __init__(self, generator, output_types, output_shapes, args, output_signature):
        if not callable(generator):
            raise InvalidArgumentError(
                f"from_generator: `generator` must be callable, got {generator!r:.60}")
        spec = _generator_spec(output_types, output_shapes, output_signature)
        super().__init__(spec)
        self._generator = generator
        self._args = () if args is None else tuple(
            structure.leaf_array(a, "from_generator args") for a in args)

    def _iterate(self):
        spec = self._spec
        flat_specs = structure.flatten(spec)
        args = [a[()] if a.ndim == 0 else a for a in self._args]
        for value in self._generator(*args):
            yield structure.pack(spec, self._convert(value, flat_specs))

    def _convert(self, value, flat_specs):
        leaves = structure.flatten_up_to(self._spec, value,
                                         "from_generator: `generator` yielded an element that")
        out = []
        for leaf, spec in zip(leaves, flat_specs):
            try:
                arr = structure.leaf_array(leaf, "from_generator", spec.dtype)
            except InvalidArgumentError:
                raise InvalidArgumentError(
                    f"from_generator: `generator` yielded an element that could not be converted "
                    f"to the expected type. The expected type was {spec.dtype.name}, but the "
                    f"yielded element was {leaf!r:.60}.") from None
            if not spec.shape.is_compatible_with(arr.shape):
                raise InvalidArgumentError(
                    f"from_generator: `generator` yielded an element of shape "
                    f"{TensorShape(arr.shape)} where an element of shape {spec.shape} was "
                    "expected.")
            out.append(arr)
        return out


class TextLineDataset(Dataset):
    """tf.data.TextLineDataset: the lines of text files as strings, without their line endings
    (\\n or \\r\\n), file after file.

        >>> import tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "a.txt")
        >>> _ = open(path, "w").write("one\\ntwo\\n")
        >>> [t.numpy() for t in tf.data.TextLineDataset(path)]
        [b'one', b'two']
    """

    def __init__(self, filenames, compression_type=None, buffer_size=None,
                 num_parallel_reads=None, name=None):
        super().__init__(TensorSpec([], dtypes.string))
        if compression_type not in (None, "", "GZIP", "ZLIB"):
            raise InvalidArgumentError(
                f"TextLineDataset: compression_type must be None, '', 'GZIP' or 'ZLIB', got "
                f"{compression_type!r}")
        self._compression = compression_type or ""
        names = structure.leaf_array(filenames, "TextLineDataset") \
            if not isinstance(filenames, SymbolicTensor) else filenames
        self._symbolic = isinstance(names, SymbolicTensor)
        if not self._symbolic:
            if names.dtype.kind != "O":
                raise InvalidArgumentError(
                    f"TextLineDataset: filenames must be strings, got {names.dtype}")
            self._names = [n.decode() for n in names.reshape(-1)]

    def _open(self, name):
        import gzip
        import zlib
        try:
            if self._compression == "GZIP":
                return gzip.open(name, "rb")
            if self._compression == "ZLIB":
                with open(name, "rb") as f:
                    import io
                    return io.BytesIO(zlib.decompress(f.read()))
            return open(name, "rb")
        except FileNotFoundError:
            raise NotFoundError(f"TextLineDataset: {name}; No such file or directory") from None

    def _iterate(self):
        for name in self._names:
            with self._open(name) as f:
                for line in f:
                    if line.endswith(b"\n"):
                        line = line[:-2] if line.endswith(b"\r\n") else line[:-1]
                    yield np.array(line, dtype=object)


def list_files(file_pattern, shuffle=None, seed=None):
    patterns = structure.leaf_array(file_pattern, "list_files")
    if patterns.dtype.kind != "O":
        raise InvalidArgumentError("list_files: file_pattern must be a string or strings")
    names = []
    for p in patterns.reshape(-1):
        names.extend(sorted(glob.glob(os.fsdecode(p))))
    if not names:
        raise InvalidArgumentError(
            f"list_files: No files matched pattern: "
            f"{', '.join(os.fsdecode(p) for p in patterns.reshape(-1))}")
    ds = TensorSliceDataset(np.array([n.encode() for n in names], dtype=object))
    if shuffle is None or shuffle:
        ds = ds.shuffle(len(names), seed=seed)
    return ds


class ZipDataset(Dataset):
    def __init__(self, datasets):
        flat = structure.flatten(datasets if structure.is_structure(datasets)
                                 else (datasets,))
        for d in flat:
            if not isinstance(d, Dataset):
                raise InvalidArgumentError(
                    "zip: Invalid input to `zip`. Inputs are expected to be (nested) structures "
                    f"of `tf.data.Dataset` objects but encountered object of type {type(d)}.")
        self._structure = datasets
        super().__init__(structure.map_leaves(lambda d: d.element_spec, datasets)
                         if structure.is_structure(datasets) else datasets.element_spec, flat)
        self._datasets = flat

    def _iterate(self):
        iterators = [d._elements() for d in self._datasets]
        try:
            while True:
                parts = []
                for it in iterators:
                    try:
                        parts.append(next(it))
                    except StopIteration:
                        return
                yield structure.pack(self._structure, parts) \
                    if structure.is_structure(self._structure) else parts[0]
        finally:
            for it in iterators:
                getattr(it, "close", lambda: None)()

    def _cardinality(self):
        counts = [d._cardinality() for d in self._datasets]
        known = [c for c in counts if c >= 0]
        if known and min(known) == 0:
            return 0
        if UNKNOWN in counts:
            return UNKNOWN
        return min(known) if known else INFINITE


class ConcatenateDataset(Dataset):
    def __init__(self, first, second):
        if not isinstance(second, Dataset):
            raise InvalidArgumentError(f"concatenate: expected a Dataset, got {second!r:.60}")
        spec = structure.merge_specs(first.element_spec, second.element_spec, "concatenate")
        super().__init__(spec, (first, second))

    def _iterate(self):
        for d in self._inputs:
            yield from d._elements()

    def _cardinality(self):
        a, b = (d._cardinality() for d in self._inputs)
        if INFINITE in (a, b):
            return INFINITE
        return UNKNOWN if UNKNOWN in (a, b) else a + b


def _merged_spec(datasets, what):
    spec = datasets[0].element_spec
    for d in datasets[1:]:
        spec = structure.merge_specs(spec, d.element_spec, what)
    return spec


class SampleDataset(Dataset):
    def __init__(self, datasets, weights, seed, stop_on_empty_dataset):
        datasets = list(datasets)
        if not datasets:
            raise InvalidArgumentError("sample_from_datasets: `datasets` must not be empty")
        super().__init__(_merged_spec(datasets, "sample_from_datasets"), datasets)
        if weights is None:
            weights = np.full(len(datasets), 1.0 / len(datasets))
        weights = np.asarray(structure.leaf_array(weights, "sample_from_datasets"), np.float64)
        if weights.shape != (len(datasets),) or np.any(weights < 0) or weights.sum() <= 0:
            raise InvalidArgumentError(
                f"sample_from_datasets: weights must be {len(datasets)} non-negative numbers, "
                f"got {weights.tolist()}")
        self._weights = weights / weights.sum()
        self._seed = seed
        self._stop = stop_on_empty_dataset

    def _iterate(self):
        from graphflow.ops.random import numpy_generator
        rng = np.random.default_rng(self._seed) if self._seed is not None else \
            numpy_generator("dataset.sample")
        iterators = [d._elements() for d in self._inputs]
        weights = self._weights.copy()
        while weights.sum() > 0:
            i = int(rng.choice(len(iterators), p=weights / weights.sum()))
            try:
                yield next(iterators[i])
            except StopIteration:
                if self._stop:
                    return
                weights[i] = 0.0


class ChooseDataset(Dataset):
    def __init__(self, datasets, choice_dataset, stop_on_empty_dataset):
        datasets = list(datasets)
        spec = choice_dataset.element_spec
        if not (isinstance(spec, TensorSpec) and spec.dtype is dtypes.int64 and
                spec.shape.rank == 0):
            raise InvalidArgumentError(
                f"choose_from_datasets: `choice_dataset` must be a dataset of scalar int64 "
                f"tensors, got {spec!r}")
        super().__init__(_merged_spec(datasets, "choose_from_datasets"),
                         datasets + [choice_dataset])
        self._count = len(datasets)
        self._stop = stop_on_empty_dataset

    def _iterate(self):
        iterators = [d._elements() for d in self._inputs[:self._count]]
        for choice in self._inputs[-1]._elements():
            i = int(choice)
            if not 0 <= i < self._count:
                raise InvalidArgumentError(
                    f"choose_from_datasets: choice {i} is out of range [0, {self._count})")
            try:
                yield next(iterators[i])
            except StopIteration:
                if self._stop:
                    return
