"""What Keras's fit/evaluate and callbacks ask of the distribution strategy. Each function is a
no-op (returns its input) unless the model was compiled under a strategy spanning several
processes, so the trainer calls them unconditionally.

    >>> from graphflow.keras import distributed
    >>> distributed.verbosity(1), distributed.is_chief()
    (1, True)
"""
import contextlib

import numpy as np

from graphflow.context import context
from graphflow.errors import InvalidArgumentError
from graphflow.distribute.strategy import is_chief  # noqa: F401 - used by callbacks, models


def verbosity(level):
    """fit/evaluate/predict's verbosity: progress is printed by the chief only."""
    return level if is_chief() else 0


@contextlib.contextmanager
def chief_output():
    """Around callbacks: on ranks other than 0 of a multi-process job, what they print is
    dropped (progress and callback messages come from rank 0 only)."""
    if is_chief():
        yield
        return
    import io
    import sys
    saved, sys.stdout = sys.stdout, io.StringIO()
    try:
        yield
    finally:
        sys.stdout = saved


def on_compile(model):
    """Remembers the strategy the model is compiled under, or the one its weights were created
    under (TF ties a model to the strategy of the scope it is built in)."""
    from graphflow.distribute.strategy import current_multiprocess_strategy
    strategy = current_multiprocess_strategy()
    if strategy is None:
        for w in getattr(model, "weights", ()):
            strategy = getattr(w, "_distribute_strategy", None)
            if strategy is not None:
                break
    model._distribute_strategy = strategy


def _strategy(model):
    return getattr(model, "_distribute_strategy", None)


@contextlib.contextmanager
def step_scope(model):
    """Around each fit/evaluate step: the model's strategy is current (lazily built weights
    start from rank 0's values) and apply_gradients averages the replicas' gradients (each
    replica's loss is the mean over its part of the global batch)."""
    strategy = _strategy(model)
    if strategy is None:
        yield
        return
    context.strategy_stack.append(("fit", strategy))
    try:
        yield
    finally:
        context.strategy_stack.pop()


def distribute_data(model, data):
    """fit/evaluate/predict data (a data_adapter object) as this replica's part of each global
    batch."""
    strategy = _strategy(model)
    if strategy is None or data is None:
        return data
    from graphflow.distribute.input import DistributedDataset, ShardedArrayData, ShardedBatches
    from graphflow.keras.data_adapter import ArrayData
    if isinstance(data, ArrayData):
        return ShardedArrayData(data, strategy._comm)
    iterable = getattr(data, "iterable", None)
    if isinstance(iterable, DistributedDataset):
        return data  # already split by experimental_distribute_dataset
    from graphflow.data.dataset import Dataset
    if isinstance(iterable, Dataset):  # split as its auto-shard policy says (as TF's fit does)
        from graphflow.keras.data_adapter import GeneratorData
        return GeneratorData(DistributedDataset(iterable, strategy), data.steps)
    return ShardedBatches(data, strategy._comm)


def is_empty_part(x):
    """Whether this replica's part of a batch has no samples (a batch smaller than the number
    of replicas): predict skips the step."""
    from graphflow.utils import nest
    leaves = [leaf for leaf in nest.flatten(x) if len(getattr(leaf, "shape", ()) or ())]
    return bool(leaves) and all(int(leaf.shape[0]) == 0 for leaf in leaves)


def gather_predictions(model, chunks):
    """predict's per-batch outputs ([array per output] or None for an empty part) of every
    replica, merged into the global batches in order, on every rank (TF returns the whole
    predictions on every worker): replica r's part of a batch follows replica r - 1's."""
    strategy = _strategy(model)
    if strategy is None:
        return [c for c in chunks if c is not None]
    everyone = strategy._comm.allgather_object(chunks)
    if len({len(c) for c in everyone}) != 1:
        raise InvalidArgumentError(
            f"predict: the replicas saw different numbers of batches "
            f"({', '.join(f'rank {r}: {len(c)}' for r, c in enumerate(everyone))}); every rank "
            "must predict on the same data")
    merged = []
    for parts in zip(*everyone):
        parts = [p for p in parts if p is not None]
        if parts:
            merged.append([np.concatenate([p[i] for p in parts]) for i in range(len(parts[0]))])
    return merged


def step_results(model, kind, results):
    """A step's metric results computed from the metric states summed over the replicas (what
    TF's SUM-aggregated metric variables give), identical on every rank."""
    strategy = _strategy(model)
    if strategy is None or kind == "predict" or not isinstance(results, dict):
        return results
    from graphflow.keras.trainer import _metric_name
    metrics = list(model.metrics)
    states = [v for m in metrics for v in m.variables]
    if not states:
        return results
    local = [np.array(v.numpy()) for v in states]
    summed = strategy._comm.all_reduce(local, "sum", strategy._options.bytes_per_pack,
                                       strategy._options.timeout_seconds)
    out = dict(results)
    try:
        for v, s in zip(states, summed):
            v.assign(s)
        for m in metrics:
            out[_metric_name(m)] = np.asarray(m.result().numpy())
    finally:
        for v, a in zip(states, local):
            v.assign(a)
    return out


def stop_training(model):
    """model.stop_training agreed by all replicas (any replica stopping stops all), so an
    EarlyStopping or a custom callback never leaves some ranks waiting for the others."""
    strategy = _strategy(model)
    if strategy is None:
        return model.stop_training
    flag = strategy._comm.all_reduce([np.array([int(bool(model.stop_training))], np.int32)],
                                     "max", 0, strategy._options.timeout_seconds)[0]
    model.stop_training = bool(flag[0])
    return model.stop_training
