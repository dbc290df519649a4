"""tf.distribute: data-parallel training over the processes of an MPI job.

    mpiexec -n 2 python train.py

with `strategy = tf.distribute.MultiWorkerMirroredStrategy()` and the model built and compiled
under `strategy.scope()`: each process trains on its part of every global batch and the gradients
are averaged with MPI all-reduce (mpi4py: `pip install graphflow[mpi]`). Without mpiexec a
strategy has one replica and needs no MPI.

    >>> strategy = tf.distribute.MirroredStrategy()
    >>> strategy.num_replicas_in_sync, tf.distribute.has_strategy()
    (1, False)
"""
from graphflow.distribute import cluster_resolver  # noqa: F401
from graphflow.distribute.input import (  # noqa: F401
    DistributedDataset, InputContext, InputOptions, InputReplicationMode)
from graphflow.distribute.strategy import (  # noqa: F401
    MirroredStrategy, MultiWorkerMirroredStrategy, OneDeviceStrategy, ReduceOp, ReplicaContext,
    Strategy, StrategyExtended, experimental_set_strategy, get_replica_context, get_strategy,
    has_strategy, in_cross_replica_context)
from graphflow.distribute import experimental  # noqa: F401

# `for x in dist_dataset` in a graphflow.function reads the dataset when the function runs, as
# for a tf.data.Dataset (graphflow/autograph/operators.py).
from graphflow.autograph import operators as _autograph_operators  # noqa: E402

_autograph_operators.register_for_loop(DistributedDataset, _autograph_operators.iterable_for_stmt)
