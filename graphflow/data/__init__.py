"""graphflow.data: TF's tf.data input pipelines (model.fit accepts the datasets).

    >>> import graphflow as tf
    >>> ds = tf.data.Dataset.range(10).map(lambda x: x * x).filter(lambda x: x % 2 == 0)
    >>> [int(v) for v in ds.batch(3).take(1).unbatch()]
    [0, 4, 16]

Modules: dataset.py (the Dataset class and its methods), sources.py, transforms.py,
functions.py (tracing dataset functions), threads.py (prefetch and parallel map), cache.py
(the file cache format), options.py (tf.data.Options), structure.py (elements and specs).
"""
import types

from graphflow.data.dataset import AUTOTUNE, INFINITE, UNKNOWN, Dataset, Iterator  # noqa: F401
from graphflow.data.options import (  # noqa: F401
    AutoShardPolicy, AutotuneOptions, DistributeOptions, ExternalStatePolicy, OptimizationOptions,
    Options, ThreadingOptions)
from graphflow.data.sources import TextLineDataset, TFRecordDataset  # noqa: F401
from graphflow.data.sources import CsvDataset, DatasetTFRecordWriter
from graphflow.data.readers import make_csv_dataset
from graphflow.data.structure import DatasetSpec  # noqa: F401

INFINITE_CARDINALITY = INFINITE
UNKNOWN_CARDINALITY = UNKNOWN


def _dense_to_ragged_batch(batch_size, drop_remainder=False, row_splits_dtype=None):
    """tf.data.experimental.dense_to_ragged_batch: `dataset.apply(...)` of it is
    dataset.ragged_batch(batch_size, drop_remainder, row_splits_dtype)."""
    return lambda dataset: dataset.ragged_batch(batch_size, drop_remainder, row_splits_dtype)


def _cardinality(dataset):
    """tf.data.experimental.cardinality(dataset): dataset.cardinality()."""
    return dataset.cardinality()


def _save(dataset, path, compression=None, shard_func=None, checkpoint_args=None):
    """tf.data.experimental.save(dataset, path, ...): dataset.save(path, ...)."""
    return dataset.save(path, compression, shard_func, checkpoint_args)


def _load(path, element_spec=None, compression=None, reader_func=None):
    """tf.data.experimental.load(path, ...): tf.data.Dataset.load(path, ...)."""
    return Dataset.load(path, element_spec, compression, reader_func)


def _ignore_errors(log_warning=False):
    """tf.data.experimental.ignore_errors(): `dataset.apply(...)` of it is
    dataset.ignore_errors(log_warning)."""
    return lambda dataset: dataset.ignore_errors(log_warning)


def _rejection_resample(class_func, target_dist, initial_dist=None, seed=None):
    """tf.data.experimental.rejection_resample(...): `dataset.apply(...)` of it is
    dataset.rejection_resample(...)."""
    return lambda dataset: dataset.rejection_resample(class_func, target_dist, initial_dist, seed)


experimental = types.SimpleNamespace(
    save=_save, load=_load, ignore_errors=_ignore_errors, rejection_resample=_rejection_resample,
    AUTOTUNE=AUTOTUNE, INFINITE_CARDINALITY=INFINITE, UNKNOWN_CARDINALITY=UNKNOWN,
    AutoShardPolicy=AutoShardPolicy, ExternalStatePolicy=ExternalStatePolicy,
    cardinality=_cardinality, dense_to_ragged_batch=_dense_to_ragged_batch,
    DistributeOptions=DistributeOptions,
    OptimizationOptions=OptimizationOptions, ThreadingOptions=ThreadingOptions,
    sample_from_datasets=Dataset.sample_from_datasets,
    choose_from_datasets=Dataset.choose_from_datasets,
    CsvDataset=CsvDataset, TFRecordWriter=DatasetTFRecordWriter, make_csv_dataset=make_csv_dataset)


# AutoGraph: `for x in dataset` inside a graphflow.function becomes a graph loop that reads the
# dataset each time the function runs (graphflow/autograph/operators.py).
from graphflow.autograph import operators as _autograph_operators  # noqa: E402

_autograph_operators.register_for_loop(Dataset, _autograph_operators.iterable_for_stmt)
