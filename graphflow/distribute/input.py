"""Input for distributed training: which samples each replica gets.

A global batch of B samples is split into num_replicas parts as TF's auto-shard policy DATA
does with its (legacy) rebatch: parts of ceil(B / N) samples, the last ones smaller or empty
(10 samples on 3 replicas: 4, 4, 2). Replica r takes part r, so every sample of an epoch goes to
exactly one replica. Every rank iterates the whole pipeline (as with DATA) and keeps its part.

    >>> [part_bounds(10, 3, r) for r in range(3)]
    [(0, 4), (4, 8), (8, 10)]
    >>> ctx = tf.distribute.InputContext(num_input_pipelines=2, input_pipeline_id=1,
    ...                                  num_replicas_in_sync=2)
    >>> ctx.get_per_replica_batch_size(64)
    32
"""
import enum

import numpy as np

from graphflow.errors import InvalidArgumentError, UnimplementedError
from graphflow.utils import nest


def part_bounds(batch, num_replicas, replica):
    """[lo, hi) of replica `replica`'s part of a global batch of `batch` samples."""
    per = -(-batch // num_replicas)
    lo = min(batch, replica * per)
    return lo, min(batch, lo + per)


def local_value(value):
    """This process's value of a per-replica value (one replica per process: the value)."""
    return value


class InputReplicationMode(enum.Enum):
    PER_WORKER = "PER_WORKER"
    PER_REPLICA = "PER_REPLICA"


class InputOptions:
    """Options of experimental_distribute_dataset (accepted: prefetching and placement are the
    pipeline's business in graphflow)."""

    def __init__(self, experimental_fetch_to_device=None, experimental_replication_mode=(
            InputReplicationMode.PER_WORKER), experimental_place_dataset_on_device=False,
            experimental_per_replica_buffer_size=1):
        self.experimental_fetch_to_device = experimental_fetch_to_device
        self.experimental_replication_mode = experimental_replication_mode
        self.experimental_place_dataset_on_device = experimental_place_dataset_on_device
        self.experimental_per_replica_buffer_size = experimental_per_replica_buffer_size


class InputContext:
    """What `distribute_datasets_from_function`'s dataset_fn is told: the number of input
    pipelines (workers), this one's id and the number of replicas."""

    def __init__(self, num_input_pipelines=1, input_pipeline_id=0, num_replicas_in_sync=1):
        self._num_input_pipelines = num_input_pipelines
        self._input_pipeline_id = input_pipeline_id
        self._num_replicas_in_sync = num_replicas_in_sync

    @property
    def num_input_pipelines(self):
        return self._num_input_pipelines

    @property
    def input_pipeline_id(self):
        return self._input_pipeline_id

    @property
    def num_replicas_in_sync(self):
        return self._num_replicas_in_sync

    def get_per_replica_batch_size(self, global_batch_size):
        """global_batch_size / num_replicas_in_sync; a ValueError when it does not divide."""
        if global_batch_size % self._num_replicas_in_sync:
            raise InvalidArgumentError(
                f"The `global_batch_size` {global_batch_size!r} is not divisible by "
                f"`num_replicas_in_sync` {self._num_replicas_in_sync!r} ")
        return global_batch_size // self._num_replicas_in_sync

    def __str__(self):
        return (f"tf.distribute.InputContext(input pipeline id {self._input_pipeline_id}, "
                f"total: {self._num_input_pipelines})")

    __repr__ = __str__


def _shard_policy(dataset):
    """The dataset's auto-shard policy name ("AUTO", "DATA", "OFF", "FILE", "HINT")."""
    options = getattr(dataset, "options", None)
    if not callable(options):
        return "AUTO"
    try:
        policy = options().experimental_distribute.auto_shard_policy
    except AttributeError:
        return "AUTO"
    return getattr(policy, "name", str(policy)).upper()


def _batch_size(element, num_replicas):
    sizes = {int(leaf.shape[0]) if getattr(leaf, "shape", None) is not None and
             len(leaf.shape) else None for leaf in nest.flatten(element)}
    if None in sizes or len(sizes) != 1:
        raise InvalidArgumentError(
            f"Call the `batch` method on the input Dataset in order to be able to split your "
            f"input across {num_replicas} replicas (an element has components without a common "
            "batch dimension)")
    return sizes.pop()


def split_element(element, num_replicas, replica):
    """Replica `replica`'s part of a batched element (a nested structure of tensors/arrays)."""
    lo, hi = part_bounds(_batch_size(element, num_replicas), num_replicas, replica)
    return nest.map_structure(lambda leaf: leaf[lo:hi], element)


class DistributedDataset:
    """A dataset as seen by one replica: iterating it yields this replica's part of every
    global batch (or, from distribute_datasets_from_function, the worker's own elements)."""

    def __init__(self, dataset, strategy, options=None, shard=True):
        if isinstance(dataset, DistributedDataset):
            raise InvalidArgumentError("experimental_distribute_dataset: the dataset is already "
                                       "distributed")
        self._dataset = dataset
        self._strategy = strategy
        self._options = options
        self._shard = shard
        policy = _shard_policy(dataset) if shard else "OFF"
        if policy == "FILE":
            raise UnimplementedError(
                "experimental_distribute_dataset: AutoShardPolicy.FILE is not supported; "
                "graphflow shards by data (AutoShardPolicy.DATA or AUTO)")
        self._policy = policy

    @property
    def element_spec(self):
        return getattr(self._dataset, "element_spec", None)

    def __iter__(self):
        n, rank = self._strategy.num_replicas_in_sync, self._strategy._comm.rank
        for element in self._dataset:
            if not self._shard or n == 1:
                yield element
            elif self._policy == "OFF":  # no sharding: every worker sees every part (TF)
                for r in range(n):
                    yield split_element(element, n, r)
            else:
                yield split_element(element, n, rank)

    def __len__(self):
        return len(self._dataset)

    def __repr__(self):
        return f"<DistributedDataset over {self._strategy.num_replicas_in_sync} replicas>"


# -- Keras fit/evaluate data (graphflow.keras.data_adapter objects) ------------------------------

class ShardedArrayData:
    """An ArrayData's global batches, this replica's part of each; the shuffled order is rank
    0's, so the parts of all replicas make up each global batch exactly."""

    def __init__(self, data, comm):
        self.data = data
        self.comm = comm
        self.batch_size = data.batch_size
        self.n = data.n

    def num_batches(self):
        return self.data.num_batches()

    def split(self, fraction):
        return self.data.split(fraction)

    def _order(self):
        if self.data.shuffle is not True:
            return None
        from graphflow.ops.random import numpy_generator
        order = numpy_generator("shuffle").permutation(self.data.n)
        return self.comm.broadcast([order.astype(np.int64)])[0]

    def batches(self):
        from graphflow.keras.data_adapter import _take
        from graphflow.tensor import EagerTensor
        data, order = self.data, self._order()
        for b in range(data.num_batches()):
            lo, hi = b * data.batch_size, min(data.n, (b + 1) * data.batch_size)
            plo, phi = part_bounds(hi - lo, self.comm.size, self.comm.rank)
            index = order[lo + plo:lo + phi] if order is not None else \
                slice(lo + plo, lo + phi)
            x = _take(data.x, index)
            y = None if data.y is None else _take(data.y, index)
            w = None if data.sample_weight is None else EagerTensor(data.sample_weight[index])
            yield x, y, w


class ShardedBatches:
    """A GeneratorData's batches (a generator or a tf.data Dataset of global batches), this
    replica's part of each."""

    def __init__(self, data, comm):
        self.data = data
        self.comm = comm

    def num_batches(self):
        return self.data.num_batches()

    def batches(self):
        n, rank = self.comm.size, self.comm.rank
        for x, y, w in self.data.batches():
            element = tuple(v for v in (x, y, w) if v is not None)
            lo, hi = part_bounds(_batch_size(element, n), n, rank)
            cut = (lambda s: None if s is None else
                   nest.map_structure(lambda leaf: leaf[lo:hi], s))
            yield cut(x), cut(y), cut(w)
