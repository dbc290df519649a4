"""tf.data.experimental.make_csv_dataset: batches of CSV rows as dicts of columns, the way the
tf.data guide and the CSV tutorial read CSV files, built as TF builds it: the files (shuffled)
interleaved through CsvDataset (graphflow/data/sources.py), shuffled and repeated, batched,
then mapped to an OrderedDict of columns (and the label column apart).

Column names come from the header row when not given; column types, when no defaults are given,
are inferred from the first num_rows_for_inference rows as TF infers them (the narrowest of
int32, int64, float32, float64 and string that fits every value; empty and na_value fields say
nothing), with 0 or "" for empty fields.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "t.csv")
    >>> _ = open(path, "w").write("survived,age,sex\\n0,22.5,m\\n1,,f\\n")
    >>> ds = tf.data.experimental.make_csv_dataset(path, batch_size=2, label_name="survived",
    ...                                            shuffle=False, num_epochs=1)
    >>> features, label = next(iter(ds))
    >>> list(features), features["age"].numpy().tolist(), label.numpy().tolist()
    (['age', 'sex'], [22.5, 0.0], [0, 1])
"""
import collections
import csv
import gzip
import io
import zlib

import numpy as np

from graphflow import dtypes
from graphflow.data.dataset import AUTOTUNE
from graphflow.data.sources import CsvDataset, TensorSliceDataset
from graphflow.errors import InvalidArgumentError


def _file_names(file_pattern, shuffle):
    from graphflow.io import gfile
    if isinstance(file_pattern, (list, tuple)):
        if not file_pattern:
            raise InvalidArgumentError("Argument `file_pattern` should not be empty.")
        names = [n for entry in file_pattern for n in gfile.glob(entry)]
    else:
        names = gfile.glob(file_pattern)
    if not names:
        raise InvalidArgumentError(f"No files match `file_pattern` {file_pattern}.")
    return names if shuffle else sorted(names)


def _open_text(name, compression_type, encoding):
    with open(name, "rb") as f:
        data = f.read()
    if compression_type == "GZIP":
        data = gzip.decompress(data)
    elif compression_type == "ZLIB":
        data = zlib.decompress(data)
    return io.StringIO(data.decode(encoding), newline="")


def _reader(f, field_delim, use_quote_delim):
    return csv.reader(f, delimiter=field_delim,
                      quoting=csv.QUOTE_MINIMAL if use_quote_delim else csv.QUOTE_NONE)


def _column_names(names, field_delim, use_quote_delim, opener):
    headers = []
    for name in names:
        with opener(name) as f:
            try:
                headers.append(next(_reader(f, field_delim, use_quote_delim)))
            except StopIteration:
                raise InvalidArgumentError(f"Failed when reading the header line of {name}. Is "
                                           "it an empty file?") from None
        if headers[-1] != headers[0]:
            raise InvalidArgumentError(
                "All input CSV files should have the same column names in the header row. File "
                f"{name} has different column names.")
    return headers[0]


def _selected_indices(select_columns, column_names):
    positions = {n: i for i, n in enumerate(column_names)}
    out = []
    for v in select_columns:
        if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
            if not 0 <= v < len(column_names):
                raise InvalidArgumentError(
                    f"Column index {v} specified in `select_columns` should be > 0 and <= "
                    f"{len(column_names)}, which is the number of columns.")
            out.append(int(v))
        elif v not in positions:
            raise InvalidArgumentError(f"Column {v} specified in `select_columns` must be of one "
                                       f"of the columns: {positions.keys()}.")
        else:
            out.append(positions[v])
    if len(set(out)) != len(out):
        repeated = sorted({i for i in out if out.count(i) > 1})
        raise InvalidArgumentError(
            f"The `select_columns` argument contains duplicate columns: {repeated}.")
    return sorted(out)


_INFERRED = (dtypes.int32, dtypes.int64, dtypes.float32, dtypes.float64, dtypes.string)


def _fits(text, dtype):
    """Whether a CSV field parses as dtype (TF's rules: NumPy's parsing of the string)."""
    try:
        if dtype is dtypes.int32:
            return np.int32(text) == np.int64(text)
        if dtype is dtypes.int64:
            np.int64(text)
            return True
        if dtype in (dtypes.float32, dtypes.float64):
            with np.errstate(over="ignore"):
                return dtype.np.type(text) < np.inf
    except (ValueError, OverflowError):
        return False
    return True


def _inferred_type(text, na_value, previous):
    if text in ("", na_value):
        return previous
    for i, dtype in enumerate(_INFERRED):
        if _fits(text, dtype) and (previous is None or previous in _INFERRED[:i + 1]):
            return dtype
    return previous


def _inferred_defaults(names, num_cols, field_delim, use_quote_delim, na_value, header, rows,
                       select, opener):
    select = range(num_cols) if select is None else select
    types = [None] * len(select)
    seen = 0
    for name in names:
        with opener(name) as f:
            reader = _reader(f, field_delim, use_quote_delim)
            row_num = 1
            if header:
                next(reader, None)
                row_num += 1
            for row in reader:
                if rows is not None and seen >= rows:
                    break
                if len(row) != num_cols:
                    raise InvalidArgumentError(
                        f"Problem inferring types: CSV row {row_num} has {len(row)} number of "
                        f"fields. Expected: {num_cols}.")
                for j, c in enumerate(select):
                    types[j] = _inferred_type(row[c], na_value, types[j])
                row_num += 1
                seen += 1
        if rows is not None and seen >= rows:
            break
    types = [t or dtypes.string for t in types]
    return [np.array([b""], object) if t is dtypes.string else np.array([0], t.np) for t in types]


def make_csv_dataset(file_pattern, batch_size, column_names=None, column_defaults=None,
                     label_name=None, select_columns=None, field_delim=",",
                     use_quote_delim=True, na_value="", header=True, num_epochs=None,
                     shuffle=True, shuffle_buffer_size=10000, shuffle_seed=None,
                     prefetch_buffer_size=None, num_parallel_reads=None, sloppy=False,
                     num_rows_for_inference=100, compression_type=None, ignore_errors=False,
                     encoding="utf-8"):
    """Batches of CSV rows as (OrderedDict of columns[, label]); see the module docstring.
    num_epochs=None repeats forever (and drops the last partial batch, as TF does)."""
    names = _file_names(file_pattern, shuffle)
    filenames = TensorSliceDataset(np.array([n.encode() for n in names], object))
    if shuffle:
        filenames = filenames.shuffle(len(names), shuffle_seed)

    def opener(name):
        return _open_text(name, compression_type, encoding)

    if column_names is None:
        if not header:
            raise InvalidArgumentError(
                "Expected `column_names` or `header` arguments. Neither is provided.")
        column_names = _column_names(names, field_delim, use_quote_delim, opener)
    column_names = list(column_names)
    if len(column_names) != len(set(column_names)):
        raise InvalidArgumentError(f"Expected unique column names, got {column_names}.")
    select = None if select_columns is None else _selected_indices(select_columns,
                                                                   column_names)
    if column_defaults is None:
        column_defaults = _inferred_defaults(names, len(column_names), field_delim,
                                             use_quote_delim, na_value, header,
                                             num_rows_for_inference, select, opener)
    if select is not None and len(column_defaults) != len(select):
        raise InvalidArgumentError(
            "If specified, `column_defaults` and `select_columns` must have the same length.")
    if select is not None and len(column_names) > len(select):
        column_names = [column_names[i] for i in select]
    if label_name is not None and label_name not in column_names:
        raise InvalidArgumentError(f"`label_name` provided must be one of the columns: "
                                   f"{column_names}. Received: {label_name}.")

    def read_file(name):
        ds = CsvDataset(name, column_defaults, compression_type=compression_type, header=header,
                        field_delim=field_delim, use_quote_delim=use_quote_delim,
                        na_value=na_value, select_cols=select)
        ds._ignore_errors = bool(ignore_errors)  # TF applies ignore_errors() to each file's
        return ds

    parallel = 1 if num_parallel_reads is None else num_parallel_reads
    if parallel == AUTOTUNE:
        dataset = filenames.interleave(read_file, num_parallel_calls=AUTOTUNE)
    else:
        dataset = filenames.interleave(read_file, cycle_length=parallel, block_length=1)
    if shuffle:
        dataset = dataset.shuffle(shuffle_buffer_size, shuffle_seed)
    if num_epochs != 1:
        dataset = dataset.repeat(num_epochs)
    dataset = dataset.batch(batch_size, drop_remainder=num_epochs is None)

    def to_dict(*columns):
        features = collections.OrderedDict(zip(column_names, columns))
        if label_name is not None:
            return features, features.pop(label_name)
        return features
    dataset = dataset.map(to_dict)
    return dataset.prefetch(AUTOTUNE if prefetch_buffer_size is None else prefetch_buffer_size)

