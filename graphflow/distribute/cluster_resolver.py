"""tf.distribute.cluster_resolver: who the workers of a job are. graphflow's jobs are MPI jobs,
so MPIClusterResolver reads the rank and size from MPI (one process without mpiexec).

    >>> resolver = tf.distribute.cluster_resolver.MPIClusterResolver()
    >>> resolver.task_type, resolver.task_id, resolver.num_workers
    ('worker', 0, 1)
"""
from graphflow.distribute.communicator import world


class ClusterSpec:
    """The jobs of a cluster: {"worker": [address, ...]} (MPI ranks stand for addresses)."""

    def __init__(self, cluster):
        self._cluster = {k: list(v) for k, v in dict(cluster or {}).items()}

    def as_dict(self):
        return {k: list(v) for k, v in self._cluster.items()}

    @property
    def jobs(self):
        return list(self._cluster)

    def num_tasks(self, job_name):
        return len(self._cluster.get(job_name, []))

    def __bool__(self):
        return bool(self._cluster)

    def __repr__(self):
        return f"ClusterSpec({self._cluster})"


class ClusterResolver:
    """Base class: task_type, task_id, cluster_spec(), num_accelerators()."""

    task_type = None
    task_id = None

    def cluster_spec(self):
        raise NotImplementedError

    def num_accelerators(self, task_type=None, task_id=None, config_proto=None):
        return {}

    def master(self, task_type=None, task_id=None, rpc_layer=None):
        return ""


class MPIClusterResolver(ClusterResolver):
    """The MPI job this process belongs to: every rank is a "worker", rank 0 the chief."""

    def __init__(self):
        comm = world()
        self.task_type = "worker"
        self.task_id = comm.rank
        self.num_workers = comm.size
        self.rpc_layer = "mpi"
        self.environment = ""

    def cluster_spec(self):
        return ClusterSpec({"worker": [f"mpi-rank-{r}" for r in range(self.num_workers)]})

    def __repr__(self):
        return f"MPIClusterResolver(task_id={self.task_id}, num_workers={self.num_workers})"


class SimpleClusterResolver(ClusterResolver):
    """A resolver from an explicit ClusterSpec, task type and id."""

    def __init__(self, cluster_spec, master="", task_type=None, task_id=None, environment="",
                 num_accelerators=None, rpc_layer=None):
        self._spec = cluster_spec if isinstance(cluster_spec, ClusterSpec) else \
            ClusterSpec(cluster_spec)
        self._master = master
        self.task_type = task_type
        self.task_id = task_id
        self.environment = environment
        self.rpc_layer = rpc_layer

    def cluster_spec(self):
        return self._spec

    def master(self, task_type=None, task_id=None, rpc_layer=None):
        return self._master
