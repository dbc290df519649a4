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
from graphflow.data.dataset import AUTOTUNE, INFINITE, UNKNOWN, Dataset
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
            return structure.unbatched_spec(spec)
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
        from graphflow.ops.ragged_ops import RaggedTensorSpec
        flat = structure.flatten(output_signature)
        if not all(isinstance(s, (TensorSpec, RaggedTensorSpec)) for s in flat):
            raise InvalidArgumentError(
                f"from_generator: output_signature must be a structure of tf.TensorSpec or "
                f"tf.RaggedTensorSpec, got {output_signature!r}")
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
            if not isinstance(spec, TensorSpec):
                out.append(self._convert_ragged(leaf, spec))
                continue
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

    @staticmethod
    def _convert_ragged(leaf, spec):
        """A yielded RaggedTensor for a RaggedTensorSpec; as in TF 2.21 nothing else is taken
        (not nested lists, not dense tensors, even for ragged_rank 0)."""
        from graphflow.ops.ragged import RaggedTensor
        if not isinstance(leaf, RaggedTensor):
            if isinstance(leaf, (list, tuple)):
                raise InvalidArgumentError(
                    f"from_generator: `generator` yielded an element that did not match the "
                    f"expected structure. The expected structure was {spec!r}, but the yielded "
                    f"element was {leaf!r:.60}.")
            got = structure.spec_of_leaf(structure.leaf_array(leaf, "from_generator"))
            raise InvalidArgumentError(
                f"from_generator: `generator` yielded an element of {got!r} where an element "
                f"of {spec!r} was expected.")
        value = structure.RaggedValue.from_tensor(leaf, "from_generator")
        got = structure.spec_of_leaf(value)
        if not spec.is_compatible_with(got):
            raise InvalidArgumentError(
                f"from_generator: `generator` yielded an element of {got!r} where an element "
                f"of {spec!r} was expected.")
        return value


class FileDataset(Dataset):
    """What the datasets reading files share (TextLineDataset, TFRecordDataset): the file
    names (a string, strings, a string tensor, symbolic while a flat_map/interleave function
    is traced, or a dataset of names) and the compression type. AutoShardPolicy.FILE splits
    `_names` between workers (graphflow/distribute/input.py)."""

    _what = "FileDataset"

    def __init__(self, filenames, compression_type):
        what = self._what
        if compression_type not in (None, "", "GZIP", "ZLIB"):
            raise InvalidArgumentError(
                f"{what}: compression_type must be None, '', 'GZIP' or 'ZLIB', got "
                f"{compression_type!r}")
        self._compression = compression_type or ""
        self._names = None
        if isinstance(filenames, Dataset):
            spec = filenames.element_spec
            if not (isinstance(spec, TensorSpec) and spec.dtype is dtypes.string and
                    spec.shape.rank in (0, None)):
                raise InvalidArgumentError(
                    f"{what}: a dataset of filenames must have scalar tf.string elements, got "
                    f"{spec!r}")
            super().__init__(TensorSpec([], dtypes.string), (filenames,))
            return
        super().__init__(TensorSpec([], dtypes.string))
        if isinstance(filenames, os.PathLike):
            filenames = os.fspath(filenames)
        elif isinstance(filenames, (list, tuple)):
            filenames = [os.fspath(f) if isinstance(f, os.PathLike) else f for f in filenames]
        self._symbolic = isinstance(filenames, SymbolicTensor)
        if self._symbolic:
            return
        if isinstance(filenames, (list, tuple)) and not filenames:
            self._names = []
            return
        names = structure.leaf_array(filenames, what)
        if names.dtype.kind != "O":
            from graphflow.errors import InvalidTypeError
            raise InvalidTypeError(
                f"{what}: The `filenames` argument must contain `tf.string` elements. Got "
                f"`tf.{dtypes.from_numpy(names.dtype).name}` elements.")
        self._names = [os.fsdecode(n) for n in names.reshape(-1)]

    def _filenames(self):
        if self._names is not None:
            return iter(self._names)
        return (os.fsdecode(n[()]) for n in self._inputs[0]._elements())


class TextLineDataset(FileDataset):
    """tf.data.TextLineDataset: the lines of text files as strings, without their line endings
    (\\n or \\r\\n), file after file.

        >>> import tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "a.txt")
        >>> _ = open(path, "w").write("one\\ntwo\\n")
        >>> [t.numpy() for t in tf.data.TextLineDataset(path)]
        [b'one', b'two']
    """

    _what = "TextLineDataset"

    def __init__(self, filenames, compression_type=None, buffer_size=None,
                 num_parallel_reads=None, name=None):
        super().__init__(filenames, compression_type)

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
        for name in self._filenames():
            with self._open(name) as f:
                for line in f:
                    if line.endswith(b"\n"):
                        line = line[:-2] if line.endswith(b"\r\n") else line[:-1]
                    yield np.array(line, dtype=object)


class TFRecordDataset(FileDataset):
    """tf.data.TFRecordDataset: the records of TFRecord files (graphflow/io/tfrecord.py) as
    scalar strings. With num_parallel_reads, records come from that many files at a time, one
    from each in turn, in the order TF's parallel interleave gives them (TF reads them in
    parallel threads; graphflow reads them in turn, the order is the same).

        >>> import tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "a.tfrecord")
        >>> with tf.io.TFRecordWriter(path) as writer:
        ...     writer.write(b"x")
        >>> [t.numpy() for t in tf.data.TFRecordDataset([path, path])]
        [b'x', b'x']
    """

    _what = "TFRecordDataset"

    def __init__(self, filenames, compression_type=None, buffer_size=None,
                 num_parallel_reads=None, name=None):
        super().__init__(filenames, compression_type)
        if buffer_size is not None:  # it sizes TF's read buffer (any int; -1 is its default)
            _python_int(buffer_size, "TFRecordDataset: buffer_size")
        self._parallel = None if num_parallel_reads is None else _python_int(
            num_parallel_reads, "TFRecordDataset: num_parallel_reads")
        if self._parallel is not None and self._parallel < 1 and self._parallel != AUTOTUNE:
            raise InvalidArgumentError(
                f"TFRecordDataset: num_parallel_reads must be positive or AUTOTUNE (-1), got "
                f"{self._parallel}")

    def __repr__(self):
        return f"<TFRecordDatasetV2 element_spec={self._spec!r}>"

    def _records(self, name):
        from graphflow.io.tfrecord import read_records
        return (np.array(r, dtype=object) for r in read_records(name, self._compression))

    def _iterate(self):
        names = self._filenames()
        if not self._parallel or self._parallel == 1:
            for name in names:
                yield from self._records(name)
            return
        from graphflow.data import threads
        cycle = threads.default_parallelism(self.options()) if self._parallel == AUTOTUNE \
            else self._parallel
        # interleave's order (transforms.InterleaveDataset): one record from each slot in
        # turn; a slot whose file ends is refilled with the next file on its next turn
        slots = [None] * cycle
        names_done = False
        i = 0
        while not names_done or any(slot is not None for slot in slots):
            if slots[i] is None and not names_done:
                name = next(names, None)
                if name is None:
                    names_done = True
                else:
                    slots[i] = self._records(name)
            if slots[i] is not None:
                record = next(slots[i], None)
                if record is None:
                    slots[i] = None
                else:
                    yield record
            i = (i + 1) % cycle


class CsvDataset(FileDataset):
    """tf.data.experimental.CsvDataset: the records of CSV files as tuples of scalars, one per
    column, parsed as tf.io.decode_csv parses them (ops/parsing.py); a record ends at a
    newline (\\n or \\r\\n) outside quotes, so quoted fields may hold newlines. `header`
    skips each file's first record; select_cols or exclude_cols picks columns.

        >>> import tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "a.csv")
        >>> _ = open(path, "w").write("x,y\\n1,2.5\\n3,4\\n")
        >>> ds = tf.data.experimental.CsvDataset(path, [tf.int32, tf.float32], header=True)
        >>> [(int(a), float(b)) for a, b in ds]
        [(1, 2.5), (3, 4.0)]
    """

    _what = "CsvDataset"
    _ignore_errors = False  # make_csv_dataset(ignore_errors=True) drops records that fail

    def __init__(self, filenames, record_defaults, compression_type=None, buffer_size=None,
                 header=False, field_delim=",", use_quote_delim=True, na_value="",
                 select_cols=None, exclude_cols=None, name=None):
        from graphflow.ops.parsing import csv_defaults
        self._defaults = csv_defaults(record_defaults, "CsvDataset")
        super().__init__(filenames, compression_type)
        self._spec = tuple(TensorSpec([], dtypes.from_numpy(d.dtype)) for d in self._defaults)
        if select_cols is not None and exclude_cols is not None:
            raise InvalidArgumentError(
                "CsvDataset: Either select_cols or exclude_cols should be empty")
        for cols, what in ((select_cols, "select_cols"), (exclude_cols, "exclude_cols")):
            if cols is not None:
                cols = [int(c) for c in cols]
                if any(b <= a for a, b in zip(cols, cols[1:])) or cols and cols[0] < 0:
                    raise InvalidArgumentError(
                        f"CsvDataset: {what} should be strictly increasing non-negative "
                        f"indices, got {cols}")
        if select_cols is not None and len(select_cols) != len(self._defaults):
            raise InvalidArgumentError("CsvDataset: select_cols should match output size")
        if len(field_delim) != 1:
            raise InvalidArgumentError("CsvDataset: field_delim should be only 1 char")
        self._select = None if select_cols is None else tuple(int(c) for c in select_cols)
        self._exclude = None if exclude_cols is None else {int(c) for c in exclude_cols}
        self._header = bool(header)
        self._delim = field_delim.encode()[0]
        self._quote = bool(use_quote_delim)
        self._na = na_value.encode()

    def __repr__(self):
        return f"<CsvDatasetV2 element_spec={self._spec!r}>"

    def _records(self, data):
        """The records of a file's bytes: split at newlines outside quotes."""
        if not self._quote or b'"' not in data:
            lines = data.split(b"\n")
        else:
            import re
            lines, start, quoted = [], 0, False
            for match in re.finditer(b'["\\n]', data):  # only quotes and newlines matter
                i = match.start()
                if data[i] == 34:  # '"'
                    quoted = not quoted
                elif not quoted:
                    lines.append(data[start:i])
                    start = i + 1
            lines.append(data[start:])
        if lines and lines[-1] == b"":
            lines.pop()
        return [line[:-1] if line.endswith(b"\r") else line for line in lines]

    def _iterate(self):
        import gzip
        import zlib
        from graphflow.errors import DataLossError
        from graphflow.ops.parsing import csv_row
        for name in self._filenames():
            try:
                with open(name, "rb") as f:
                    data = f.read()
            except FileNotFoundError:
                raise NotFoundError(f"{name}; No such file or directory") from None
            try:
                if self._compression == "GZIP":
                    data = gzip.decompress(data)
                elif self._compression == "ZLIB":
                    data = zlib.decompress(data)
            except (OSError, EOFError, zlib.error) as e:
                raise DataLossError(f"CsvDataset: {name}: inflate() failed: {e}") from None
            records = self._records(data)
            for index, record in enumerate(records[1:] if self._header else records):
                select = self._select
                try:
                    if self._exclude is not None:
                        width = len(csv_row(record, self._delim, self._quote, None, index, name))
                        select = tuple(c for c in range(width) if c not in self._exclude)
                    row = csv_row(record, self._delim, self._quote, select, index, name,
                                  self._defaults, self._na)
                except InvalidArgumentError:
                    if self._ignore_errors:
                        continue
                    raise
                yield tuple(np.array(v, d.dtype) for v, d in zip(row, self._defaults))


class DatasetTFRecordWriter:
    """tf.data.experimental.TFRecordWriter: writes a dataset of scalar strings to one TFRecord
    file (`writer.write(dataset)`)."""

    def __init__(self, filename, compression_type=None):
        from graphflow.io.tfrecord import TFRecordOptions
        self._filename = filename
        self._options = TFRecordOptions(compression_type)

    def write(self, dataset):
        from graphflow.io.tfrecord import TFRecordWriter
        spec = dataset.element_spec
        if not (isinstance(spec, TensorSpec) and spec.dtype is dtypes.string and
                spec.shape.rank == 0):
            from graphflow.errors import InvalidTypeError
            shapes = spec.shape if isinstance(spec, TensorSpec) else "?"
            types = spec.dtype.name if isinstance(spec, TensorSpec) else repr(spec)
            raise InvalidTypeError(
                "Invalid `dataset`. Expected a`dataset` that produces scalar `tf.string` "
                f"elements, but got a dataset which produces elements with shapes {shapes} and "
                f"types {types}.")
        with TFRecordWriter(self._filename, self._options) as writer:
            for element in dataset._elements():
                writer.write(element[()])


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
