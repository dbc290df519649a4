"""Input for distributed training: which samples each replica gets (TF's auto-shard policies).

DATA: a global batch of B samples is split into num_replicas parts as TF's (legacy) rebatch
does: parts of ceil(B / N) samples, the last ones smaller or empty (10 samples on 3 replicas:
4, 4, 2). Replica r takes part r, so every sample of an epoch goes to exactly one replica. Every
rank iterates the whole pipeline and keeps its part.

FILE: a pipeline reading files (`TextLineDataset`, `TFRecordDataset`, or `list_files(...).interleave(...)` /
`flat_map` over a reader) is copied with replica r reading files r, r + N, r + 2N, ... only;
its stream of samples is cut into per-replica batches (B / N samples, split as TF's
`batch_sizes_for_worker`), and a replica whose files run out gets empty batches until every
replica's have (TF's get_next_as_optional), so all ranks take the same number of steps.
AUTO is FILE for such a pipeline and DATA for any other; OFF gives every replica every part.

    >>> [part_bounds(10, 3, r) for r in range(3)]
    [(0, 4), (4, 8), (8, 10)]
    >>> ctx = tf.distribute.InputContext(num_input_pipelines=2, input_pipeline_id=1,
    ...                                  num_replicas_in_sync=2)
    >>> ctx.get_per_replica_batch_size(64)
    32
"""
import copy
import enum

import numpy as np

from graphflow.errors import InvalidArgumentError
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
        n, rank = strategy.num_replicas_in_sync, strategy._comm.rank
        policy = _shard_policy(dataset) if shard and n > 1 else "OFF"
        self._files = None  # this replica's copy of a pipeline sharded by file
        if policy in ("AUTO", "FILE"):
            try:
                self._files = shard_files(dataset, n, rank)
                policy = "FILE"
            except _Unshardable as e:
                if policy == "FILE":
                    raise InvalidArgumentError(
                        f"experimental_distribute_dataset: cannot shard by FILE (AutoShardPolicy."
                        f"FILE): {e}; set the dataset's options().experimental_distribute."
                        "auto_shard_policy to AutoShardPolicy.DATA or OFF") from None
                policy = "DATA"  # AUTO: FILE where it can, else DATA (as TF)
        self._policy = policy

    @property
    def element_spec(self):
        return getattr(self._dataset, "element_spec", None)

    def __iter__(self):
        """A tf.data iterator over this replica's elements: next() of it inside a
        graphflow.function takes an element each time the function runs (TF's
        DistributedIterator in `train_step(next(iterator))` loops)."""
        from graphflow.data.dataset import Iterator
        return Iterator(self)

    def _elements(self):
        n, rank = self._strategy.num_replicas_in_sync, self._strategy._comm.rank
        if self._policy == "FILE":
            sizes = replica_batch_sizes(static_batch_size(self._dataset), n, rank)
            yield from _until_all_done(_rebatched(self._files, sizes), self._strategy)
            return
        for element in self._dataset:
            if not self._shard or n == 1:
                yield element
            elif self._policy == "OFF":  # no sharding: every worker sees every part (TF)
                for r in range(n):
                    yield split_element(element, n, r)
            else:
                yield split_element(element, n, rank)

    def __len__(self):
        if self._policy == "FILE":
            raise TypeError("The dataset length is unknown.")  # it depends on the files
        return len(self._dataset)

    def __repr__(self):
        return f"<DistributedDataset over {self._strategy.num_replicas_in_sync} replicas>"


# -- FILE sharding ---------------------------------------------------------------------------------

class _Unshardable(Exception):
    """The pipeline has no file source FILE sharding can split (AUTO falls back to DATA)."""


def _reads_files(interleave):
    """Whether an interleave/flat_map's function returns a dataset reading files: traced once
    on a symbolic element, as TF's auto-sharding looks for reader datasets in its graph."""
    from graphflow.data import structure
    from graphflow.data.sources import FileDataset
    from graphflow.data.transforms import _returned_dataset
    from graphflow.errors import GraphflowError
    from graphflow.graph.ir import Graph
    from graphflow.ops.creation import placeholder_node
    spec = interleave._inputs[0].element_spec
    leaves = structure.flatten(spec)
    if not all(hasattr(leaf, "shape") for leaf in leaves):
        return False
    graph = Graph(is_function=True, name="auto_shard")
    try:
        with graph.as_default():
            args = [placeholder_node(leaf.shape.dims_tuple(), leaf.dtype, f"args_{i}")
                    for i, leaf in enumerate(leaves)]
            returned = _returned_dataset(interleave._func, structure.pack(spec, args),
                                         interleave._what)
    except GraphflowError:
        return False
    stack = [returned]
    while stack:
        ds = stack.pop()
        if isinstance(ds, FileDataset):
            return True
        stack.extend(ds._inputs)
    return False


def _too_few_files(count, num_workers):
    return InvalidArgumentError(
        f"Could not apply FILE based sharding: the dataset only has {count} file(s), which is "
        f"not enough for the required {num_workers} shards/workers. If you are using datasets "
        "with distribution strategy, consider setting the auto sharding policy to either DATA "
        "or OFF using the `experimental_distribute.auto_shard_policy` option of "
        "`tf.data.Options()`.")


def shard_files(dataset, num_workers, index):
    """A copy of the pipeline `dataset` whose file sources read only files index,
    index + num_workers, ... (the datasets above them copied, the user's left alone); raises
    _Unshardable (naming the dataset) when a source is not a file reader, and TF's
    InvalidArgumentError when there are fewer files than workers."""
    from graphflow.data.sources import FileDataset
    from graphflow.data.transforms import CacheDataset, InterleaveDataset
    if isinstance(dataset, FileDataset) and dataset._names is not None:
        if len(dataset._names) < num_workers:
            raise _too_few_files(len(dataset._names), num_workers)
        sharded = copy.copy(dataset)
        sharded._names = dataset._names[index::num_workers]
        return sharded
    if isinstance(dataset, InterleaveDataset) and _reads_files(dataset):
        files = dataset._inputs[0]
        count = files._cardinality()
        if 0 <= count < num_workers:
            raise _too_few_files(count, num_workers)
        sharded = copy.copy(dataset)
        sharded._inputs = (files.shard(num_workers, index),)
        return sharded
    if not dataset._inputs or isinstance(dataset, CacheDataset):  # a cache holds all shards
        raise _Unshardable(f"found an unshardable source dataset: {type(dataset).__name__}")
    sharded = copy.copy(dataset)
    sharded._inputs = tuple(shard_files(d, num_workers, index) for d in dataset._inputs)
    return sharded


def static_batch_size(dataset):
    """The batch size of the last batch() in the pipeline (what TF's rebatch splits)."""
    from graphflow.data.transforms import BatchDataset, PaddedBatchDataset
    while dataset is not None:
        if isinstance(dataset, (BatchDataset, PaddedBatchDataset)):
            return dataset._size
        dataset = dataset._inputs[0] if len(dataset._inputs) == 1 else None
    raise InvalidArgumentError(
        "Call the `batch` method on the input Dataset in order to be able to split your input "
        "across replicas (AutoShardPolicy.FILE found no batch in the pipeline)")


def replica_batch_sizes(global_batch, num_replicas, replica):
    """TF's batch_sizes_for_worker with one replica per worker: the global batch split as
    evenly as it goes (sizes differ by at most one), started at this replica's own.

        >>> replica_batch_sizes(10, 3, 1)
        [3, 3, 4]
    """
    sizes = [global_batch // num_replicas + (1 if i < global_batch % num_replicas else 0)
             for i in range(num_replicas)]
    return [s for s in sizes[replica:] + sizes[:replica] if s]


def _rebatched(dataset, sizes):
    """The samples of a batched dataset's stream in batches of sizes[0], sizes[1], ...
    (cycling), crossing element boundaries (TF's rebatch: unbatch, then batch); the last one
    may be smaller."""
    from graphflow.tensor import EagerTensor
    pending, have, k = [], 0, 0
    structure = None

    def take(count):
        nonlocal pending, have
        out, rest, need = [], [], count
        for leaves in pending:
            size = len(leaves[0])
            if need >= size:
                out.append(leaves)
                need -= size
            elif need > 0:
                out.append([leaf[:need] for leaf in leaves])
                rest.append([leaf[need:] for leaf in leaves])
                need = 0
            else:
                rest.append(leaves)
        pending, have = rest, have - count
        leaves = [EagerTensor(np.concatenate([part[i] for part in out]))
                  for i in range(len(out[0]))]
        return nest.pack_sequence_as(structure, leaves)

    for element in dataset:
        structure = element
        _batch_size(element, len(sizes))
        leaves = [np.asarray(leaf.numpy() if hasattr(leaf, "numpy") else leaf)
                  for leaf in nest.flatten(element)]
        pending.append(leaves)
        have += len(leaves[0])
        while have >= sizes[k % len(sizes)]:
            yield take(sizes[k % len(sizes)])
            k += 1
    if have:
        yield take(have)


def _until_all_done(elements, strategy):
    """The elements, then empty batches (shaped as the last one) while another replica still
    has elements: every replica takes the same number of steps, as TF's get_next_as_optional
    makes them."""
    comm, options = strategy._comm, strategy._options
    last = None
    iterator = iter(elements)
    while True:
        element = next(iterator, None)
        mine = np.array([0 if element is None else 1], np.int32)
        anyone = comm.all_reduce([mine], "max", 0, options.timeout_seconds)[0][0]
        if not anyone:
            return
        if element is None:
            if last is None:
                raise InvalidArgumentError(
                    f"experimental_distribute_dataset: replica {comm.rank}'s files gave no "
                    "elements while other replicas' did (AutoShardPolicy.FILE)")
            element = nest.map_structure(lambda leaf: leaf[:0], last)
        last = element
        yield element


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
