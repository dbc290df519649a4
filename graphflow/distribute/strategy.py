"""tf.distribute strategies: synchronous data-parallel training over the processes of an MPI job.

Every process runs the same program on its own shard of the data (one replica per process):
`mpiexec -n 4 python train.py`. Variables created under `strategy.scope()` start from rank 0's
value (broadcast when they are created; a variable whose shape differs between ranks is an error
naming it), `optimizer.apply_gradients` sums the gradients of all replicas (a bucketed
all-reduce, each bucket started as soon as its gradients are computed in a compiled step) before
updating, and `strategy.reduce` combines per-replica values. Launched without mpiexec, a strategy
has one replica and behaves like the default strategy. Under a multi-process strategy, tiered
compilation is off: every step runs compiled kernels on every rank, so the replicas' weights stay
bitwise identical.

    >>> strategy = tf.distribute.MultiWorkerMirroredStrategy()
    >>> strategy.num_replicas_in_sync
    1
    >>> with strategy.scope():
    ...     v = tf.Variable(1.0)
    ...     tf.distribute.get_strategy() is strategy
    True
    >>> result = strategy.run(lambda x: x * 2, args=(tf.constant([1.0, 2.0]),))
    >>> float(strategy.reduce(tf.distribute.ReduceOp.SUM, result, axis=0))
    6.0
"""
import contextlib
import enum
import threading

import numpy as np

from graphflow.context import context, executing_eagerly
from graphflow.distribute.communicator import world
from graphflow.errors import InvalidArgumentError, UnimplementedError
from graphflow.ops import nn_extra as _nn_extra


class ReduceOp(enum.Enum):
    """How values of the replicas are combined: their SUM or their MEAN."""

    SUM = "SUM"
    MEAN = "MEAN"

    def __str__(self):
        return f"ReduceOp.{self.name}"


class CommunicationImplementation(enum.Enum):
    """Which collective implementation to use (graphflow always uses MPI's)."""

    AUTO = "AUTO"
    RING = "RING"
    NCCL = "NCCL"

    def __str__(self):
        return f"CommunicationImplementation.{self.name}"


class CommunicationOptions:
    """Options for the collectives: `bytes_per_pack` (gradients are all-reduced in buckets of
    whole tensors up to this many bytes, each message at most this long; 0, TF's "determined
    automatically", means a 1 MB first bucket and 25 MB ones after it, as PyTorch DDP's
    defaults), `timeout_seconds` (a collective that has not completed by then aborts the whole
    job with an error; None waits forever) and `implementation` (accepted; MPI chooses its own
    algorithm).

        >>> tf.distribute.experimental.CommunicationOptions(bytes_per_pack=1 << 20)
        Options(bytes_per_pack=1048576,timeout_seconds=None, implementation=CommunicationImplementation.AUTO)
    """

    def __init__(self, bytes_per_pack=0, timeout_seconds=None,
                 implementation=CommunicationImplementation.AUTO):
        if not isinstance(bytes_per_pack, int) or bytes_per_pack < 0:
            raise InvalidArgumentError(
                f"CommunicationOptions: bytes_per_pack must be a non-negative integer, got "
                f"{bytes_per_pack!r}")
        if timeout_seconds is not None and not float(timeout_seconds) > 0:
            raise InvalidArgumentError(
                f"CommunicationOptions: timeout_seconds must be positive or None, got "
                f"{timeout_seconds!r}")
        if isinstance(implementation, str):
            implementation = CommunicationImplementation(implementation.upper())
        self.bytes_per_pack = bytes_per_pack
        self.timeout_seconds = None if timeout_seconds is None else float(timeout_seconds)
        self.implementation = implementation

    def __repr__(self):
        timeout = self.timeout_seconds
        return (f"Options(bytes_per_pack={self.bytes_per_pack},timeout_seconds={timeout}, "
                f"implementation={self.implementation})")


def _as_tensor(value):
    """A tensor for a tensor, a Variable (its value) or anything convertible."""
    from graphflow.ops import api as ops
    from graphflow.tensor import Variable
    return value.value() if isinstance(value, Variable) else ops.convert_to_tensor(value)


def _reduce_op(value, owner):
    if isinstance(value, ReduceOp):
        return value
    if isinstance(value, str) and value.upper() in ("SUM", "MEAN"):
        return ReduceOp(value.upper())
    raise InvalidArgumentError(
        f"{owner}: reduce_op must be tf.distribute.ReduceOp.SUM or ReduceOp.MEAN, got {value!r}")


class ReplicaContext:
    """What a function run by `strategy.run` sees: its replica id (the rank) and the number of
    replicas, and collectives among the replicas."""

    def __init__(self, strategy, replica_id):
        self._strategy = strategy
        self._replica_id = replica_id

    @property
    def strategy(self):
        return self._strategy

    @property
    def num_replicas_in_sync(self):
        return self._strategy.num_replicas_in_sync

    @property
    def replica_id_in_sync_group(self):
        from graphflow.ops import api as ops
        return ops.constant(self._replica_id, "int32")

    def all_reduce(self, reduce_op, value, options=None):
        """`value` (a tensor or a nested structure) summed or averaged over the replicas."""
        reduce_op = _reduce_op(reduce_op, "ReplicaContext.all_reduce")
        from graphflow.utils import nest
        flat = nest.flatten(value)
        out = self._strategy._all_reduce(flat, "mean" if reduce_op is ReduceOp.MEAN else "sum",
                                         options)
        return nest.pack_sequence_as(value, out) if nest.is_nested(value) else out[0]


class StrategyExtended:
    """Lower-level properties of a strategy (TF's `strategy.extended`)."""

    def __init__(self, strategy):
        self._strategy = strategy

    @property
    def should_checkpoint(self):
        """Whether this worker writes checkpoints: the chief (rank 0) only."""
        return self._strategy._comm.rank == 0

    should_save_summary = should_checkpoint

    @property
    def worker_devices(self):
        return ("/job:localhost/replica:0/task:0/device:CPU:0",) if \
            self._strategy._comm.size == 1 else \
            (f"/job:worker/replica:0/task:{self._strategy._comm.rank}/device:CPU:0",)

    def _in_multi_worker_mode(self):
        return self._strategy._comm.size > 1


class Strategy:
    """A distribution strategy over the processes of this job (see the module docstring)."""

    def __init__(self, communication_options=None, communicator=None):
        from graphflow.distribute.cluster_resolver import MPIClusterResolver
        if communication_options is not None and not isinstance(communication_options,
                                                                 CommunicationOptions):
            raise InvalidArgumentError(
                f"{type(self).__name__}: communication_options must be a tf.distribute."
                f"experimental.CommunicationOptions, got {communication_options!r:.60}")
        self._options = communication_options or CommunicationOptions()
        self._comm = communicator or world()
        self._lock = threading.Lock()
        self.extended = StrategyExtended(self)
        self.cluster_resolver = MPIClusterResolver() if communicator is None else None
        if self._comm.size > 1:
            _set_chief(self._comm.rank == 0)
            # The reference interpreter and the compiled kernels round differently: ranks
            # switching from one to the other at different steps (tiered compilation finishes
            # when it finishes) would leave the replicas' weights apart in their last bits.
            context.tiered_compilation = False

    # -- properties ----------------------------------------------------------------------------
    @property
    def num_replicas_in_sync(self):
        """The number of replicas (processes) taking part in each step."""
        return self._comm.size

    @property
    def _distributed(self):
        return self._comm.size > 1

    # -- scopes --------------------------------------------------------------------------------
    @contextlib.contextmanager
    def scope(self):
        """Variables created inside start identical on every replica; Keras models compiled
        inside train data-parallel."""
        context.strategy_stack.append(("scope", self))
        try:
            yield self
        finally:
            context.strategy_stack.pop()

    def run(self, fn, args=(), kwargs=None, options=None):
        """Calls `fn(*args, **kwargs)` as this process's replica (in a replica context, where
        `optimizer.apply_gradients` all-reduces the gradients) and returns its result, the
        per-replica value of this process."""
        if not callable(fn):
            raise InvalidArgumentError(f"{type(self).__name__}.run: fn must be callable, got "
                                       f"{fn!r:.60}")
        from graphflow.distribute.input import local_value
        from graphflow.utils import nest
        args = nest.map_structure(local_value, tuple(args or ()))
        kwargs = nest.map_structure(local_value, dict(kwargs or {}))
        context.strategy_stack.append(("replica", self))
        try:
            return fn(*args, **kwargs)
        finally:
            context.strategy_stack.pop()

    # -- reductions ----------------------------------------------------------------------------
    def _all_reduce(self, tensors, reduction, options=None):
        """Tensors reduced over the replicas (a graph op when traced, so it runs every step)."""
        from graphflow.ops.collective import all_reduce
        options = options if isinstance(options, CommunicationOptions) else self._options
        tensors = [_as_tensor(t) for t in tensors]
        if not self._distributed:
            return list(tensors)
        return all_reduce(tensors, reduction, self._comm.size, options.bytes_per_pack,
                          options.timeout_seconds)

    def reduce(self, reduce_op, value, axis=None):
        """The per-replica `value` combined over the replicas: with `axis` None, elementwise
        over replicas; with an axis, also over that axis of every replica's value (the MEAN
        then divides by the total number of elements along it, as TF does)."""
        from graphflow.ops import api as ops
        from graphflow.utils import nest
        reduce_op = _reduce_op(reduce_op, f"{type(self).__name__}.reduce")
        from graphflow.distribute.input import local_value
        flat = [_as_tensor(local_value(v)) for v in nest.flatten(value)]
        if axis is None:
            out = self._all_reduce(flat, "mean" if reduce_op is ReduceOp.MEAN else "sum")
        else:
            sums = [ops.reduce_sum(v, axis=axis) for v in flat]
            if reduce_op is ReduceOp.SUM:
                out = self._all_reduce(sums, "sum")
            else:
                counts = [ops.cast(ops.shape(v)[axis], v.dtype) for v in flat]
                reduced = self._all_reduce(sums + counts, "sum")
                out = [s / c for s, c in zip(reduced[:len(flat)], reduced[len(flat):])]
        return nest.pack_sequence_as(value, out) if nest.is_nested(value) else out[0]

    def experimental_local_results(self, value):
        """The values of this process's replicas: a one-element tuple."""
        from graphflow.distribute.input import local_value
        return (local_value(value),)

    def gather(self, value, axis):
        """The per-replica values concatenated along `axis` (in rank order), on every rank."""
        from graphflow.ops import api as ops
        from graphflow.distribute.input import local_value
        value = _as_tensor(local_value(value))
        if not self._distributed:
            return value
        if not executing_eagerly():
            raise UnimplementedError(
                f"{type(self).__name__}.gather: only eagerly (outside graphflow.function) over "
                "several processes")
        parts = self._comm.allgather_object(np.asarray(value.numpy()))
        return ops.convert_to_tensor(np.concatenate(parts, axis=axis))

    # -- input ---------------------------------------------------------------------------------
    def experimental_distribute_dataset(self, dataset, options=None):
        """The dataset of global batches as this replica's batches: each global batch is split
        into num_replicas_in_sync parts (TF's auto-shard policy DATA) and this rank gets its
        part."""
        from graphflow.distribute.input import DistributedDataset
        return DistributedDataset(dataset, self, options)

    def distribute_datasets_from_function(self, dataset_fn, options=None):
        """`dataset_fn(input_context)` called on every worker; it shards and batches by itself
        (`input_context.get_per_replica_batch_size`, `input_pipeline_id`)."""
        from graphflow.distribute.input import DistributedDataset, InputContext
        ctx = InputContext(self._comm.size, self._comm.rank, self._comm.size)
        return DistributedDataset(dataset_fn(ctx), self, options, shard=False)

    # -- variables -----------------------------------------------------------------------------
    def _initial_value(self, var, value):
        """Rank 0's initial value of a variable being created under this strategy (every rank
        creates the same variables in the same order: a mismatch is reported, naming it)."""
        if not self._distributed:
            return value
        var._distribute_strategy = self  # a model built in the scope keeps its strategy
        name = var._name
        mine = (name, tuple(value.shape), str(value.dtype))
        everyone = self._comm.allgather_object(mine)
        if any(other != mine for other in everyone):
            listing = "; ".join(f"rank {r}: {n!r} shape {list(s)} {d}"
                                for r, (n, s, d) in enumerate(everyone))
            raise InvalidArgumentError(
                f"{type(self).__name__}: variable {name!r} differs between the replicas "
                f"({listing}); every rank must build the same model")
        return self._comm.broadcast([np.array(value, copy=True)], 0,
                                    self._options.timeout_seconds)[0]

    def __repr__(self):
        return (f"<{type(self).__name__} num_replicas_in_sync={self.num_replicas_in_sync} "
                f"rank={self._comm.rank}>")


class MultiWorkerMirroredStrategy(Strategy):
    """Synchronous training on the processes of an MPI job, one replica each
    (`mpiexec -n N python train.py`); TF's `cluster_resolver` argument is accepted (graphflow
    reads the cluster from MPI)."""

    def __init__(self, cluster_resolver=None, communication_options=None):
        super().__init__(communication_options)
        if cluster_resolver is not None:
            self.cluster_resolver = cluster_resolver


class MirroredStrategy(Strategy):
    """The single-machine form: replicas are local MPI processes (`mpiexec -n N` on one
    machine); TF's `devices` and `cross_device_ops` arguments are accepted."""

    def __init__(self, devices=None, cross_device_ops=None):
        super().__init__()
        self._devices = tuple(devices) if devices is not None else None


class OneDeviceStrategy(Strategy):
    """One replica on one device, whatever the job's size."""

    def __init__(self, device):
        from graphflow.distribute.communicator import LocalCommunicator
        super().__init__(communicator=LocalCommunicator())
        self._device = device


class _DefaultStrategy(Strategy):
    """The strategy in effect outside any scope: one replica, nothing distributed."""

    def __init__(self):
        from graphflow.distribute.communicator import LocalCommunicator
        super().__init__(communicator=LocalCommunicator())


_default = None
_global = None  # set by experimental_set_strategy


def _default_strategy():
    global _default
    if _default is None:
        _default = _DefaultStrategy()
    return _default


_chief = True


def _set_chief(flag):
    global _chief
    _chief = bool(flag)


def is_chief():
    """Whether this process writes checkpoints and prints progress: rank 0 of a multi-process
    strategy's job, or any process without one."""
    return _chief


def get_strategy():
    """The current strategy: the innermost scope's, else the one set by
    experimental_set_strategy, else the default strategy."""
    if context.strategy_stack:
        return context.strategy_stack[-1][1]
    return _global or _default_strategy()


def has_strategy():
    """Whether a strategy other than the default is current."""
    return not isinstance(get_strategy(), _DefaultStrategy)


def in_cross_replica_context():
    """True outside `strategy.run` (under a scope or no strategy at all)."""
    return not (context.strategy_stack and context.strategy_stack[-1][0] != "scope")


def get_replica_context():
    """The ReplicaContext inside `strategy.run` (and with no strategy); None in a strategy's
    cross-replica scope."""
    if context.strategy_stack:
        kind, strategy = context.strategy_stack[-1]
        return ReplicaContext(strategy, strategy._comm.rank) if kind != "scope" else None
    if _global is not None:
        return None
    return ReplicaContext(_default_strategy(), 0)


def experimental_set_strategy(strategy):
    """Makes `strategy` current outside any scope (None restores the default)."""
    global _global
    if strategy is not None and not isinstance(strategy, Strategy):
        raise InvalidArgumentError(f"experimental_set_strategy: expected a Strategy, got "
                                   f"{strategy!r:.60}")
    _global = strategy


def current_multiprocess_strategy():
    """The innermost current strategy when it spans several processes, else None (what the
    optimizer and Keras hooks ask)."""
    if context.strategy_stack:
        strategy = context.strategy_stack[-1][1]
    else:
        strategy = _global
    return strategy if strategy is not None and strategy._distributed else None


def aggregate_gradients(pairs):
    """(gradient, variable) pairs with the gradients reduced over the replicas: averaged in a
    Keras fit step (each replica's loss is a mean over its part of the batch), summed in a
    custom loop (the loss is scaled by the global batch size there, as in TF's guide). The
    pairs themselves without a multi-process strategy."""
    strategy = current_multiprocess_strategy()
    if strategy is None:
        return pairs
    kind = context.strategy_stack[-1][0] if context.strategy_stack else "scope"
    grads = strategy._all_reduce([g for g, _ in pairs], "mean" if kind == "fit" else "sum")
    return list(zip(grads, [v for _, v in pairs]))


# tf.nn.compute_average_loss / scale_regularization_loss divide by the current strategy's
# replica count; the ops layer sits below this package and asks through this hook.
_nn_extra.replicas_in_sync = lambda: get_strategy().num_replicas_in_sync
