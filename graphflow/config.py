"""graphflow.config: optimizer switches and the execution backend.

    >>> import graphflow as tf
    >>> tf.config.optimizer.set_experimental_options({"fuse_elementwise": False})
    >>> tf.config.optimizer.get_experimental_options()["fuse_elementwise"]
    False
    >>> tf.config.optimizer.set_experimental_options({"fuse_elementwise": True})
"""
from graphflow.context import context
from graphflow.errors import InvalidArgumentError

BACKENDS = ("numba", "reference")


class _Optimizer:
    """TF's tf.config.optimizer: passes are switched by name (see compiler/pipeline.py)."""

    @staticmethod
    def set_experimental_options(options):
        from graphflow.compiler.pipeline import resolve_options
        merged = dict(context.optimizer_options)
        merged.update(options)
        resolve_options(merged)  # validates the names
        context.optimizer_options = merged

    @staticmethod
    def get_experimental_options():
        from graphflow.compiler.pipeline import resolve_options
        return resolve_options()


optimizer = _Optimizer()


def set_backend(name):
    """Where graphs (functions, sessions) run: "numba" compiles fused kernels, "reference"
    interprets every node with NumPy (the ground truth, for debugging)."""
    if name not in BACKENDS:
        raise InvalidArgumentError(f"Unknown backend {name!r}; choose one of {BACKENDS}")
    context.backend = name


def get_backend():
    return context.backend


def set_tiered_compilation(enabled):
    """With tiered compilation (the default), a function's first calls run on the reference
    interpreter while its kernels compile in a background thread, so the first call returns
    without waiting for Numba. GRAPHFLOW_TIERED=0 in the environment turns it off."""
    context.tiered_compilation = bool(enabled)


def get_tiered_compilation():
    return context.tiered_compilation


def set_max_cached_plans(count):
    """How many compiled plans (one per set of input shapes) each compiled function or
    Session fetch keeps; the least recently used is dropped beyond that (graphflow-specific: TF
    has no such setting). Default 32, or $GRAPHFLOW_MAX_CACHED_PLANS.

        >>> previous = tf.config.get_max_cached_plans()
        >>> tf.config.set_max_cached_plans(4)
        >>> tf.config.get_max_cached_plans()
        4
        >>> tf.config.set_max_cached_plans(previous)
    """
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise InvalidArgumentError(f"set_max_cached_plans: count must be a positive int, got "
                                   f"{count!r}")
    context.max_cached_plans = count


def get_max_cached_plans():
    """The bound set by set_max_cached_plans."""
    return context.max_cached_plans


def run_functions_eagerly(run_eagerly):
    """With True, every graphflow.function call runs its Python function eagerly (no tracing,
    no AutoGraph), for debugging with print and pdb; False restores graph execution.

        >>> import graphflow as tf
        >>> tf.config.run_functions_eagerly(True)
        >>> tf.config.functions_run_eagerly()
        True
        >>> tf.config.run_functions_eagerly(False)
    """
    context.functions_run_eagerly = bool(run_eagerly)


def functions_run_eagerly():
    """Whether graphflow.function calls currently run eagerly (see run_functions_eagerly)."""
    return context.functions_run_eagerly


# -- devices (graphflow/devices.py) ------------------------------------------------------------

def list_physical_devices(device_type=None):
    """The machine's devices of a type ("CPU", "GPU"), as TF lists them. Under the Numba CUDA
    simulator (NUMBA_ENABLE_CUDASIM=1) the simulated GPU is listed like a real one.

        >>> import graphflow as tf
        >>> tf.config.list_physical_devices("CPU")
        [PhysicalDevice(name='/physical_device:CPU:0', device_type='CPU')]
    """
    from graphflow import devices
    return devices.list_physical_devices(device_type)


def list_logical_devices(device_type=None):
    """The logical devices ('/device:GPU:0', ...), one per physical device."""
    from graphflow import devices
    return devices.list_logical_devices(device_type)


def set_soft_device_placement(enabled):
    """With soft placement on, asking for a GPU that does not exist places work on the CPU
    instead of raising (off by default: a missing GPU is an error unless you ask for fallback)."""
    context.soft_placement = bool(enabled)


def get_soft_device_placement():
    return context.soft_placement


def get_default_device():
    """The device work goes to outside any graphflow.device scope (GRAPHFLOW_DEVICE, else the
    GPU when present, else the CPU), as a short name like '/GPU:0'."""
    from graphflow import devices
    return devices.default_device().short_name


def set_default_device(spec):
    """Changes the default device (like setting GRAPHFLOW_DEVICE before import)."""
    from graphflow import devices
    devices._set_default(devices.resolve(spec, "default device"))


class _Experimental:
    """tf.config.experimental: the device functions GPU scripts call first thing.

    graphflow allocates device memory on demand (numba.cuda), so memory growth is always what
    happens; set_memory_growth validates its device and records the setting, as TF code expects.
    """

    list_physical_devices = staticmethod(list_physical_devices)
    list_logical_devices = staticmethod(list_logical_devices)

    @staticmethod
    def set_memory_growth(device, enable):
        _check_gpu(device, "set_memory_growth")
        context.memory_growth[device.name] = bool(enable)

    @staticmethod
    def get_memory_growth(device):
        _check_gpu(device, "get_memory_growth")
        return context.memory_growth.get(device.name, True)


def _check_gpu(device, what):
    from graphflow import devices
    if not isinstance(device, devices.PhysicalDevice) or device.device_type != "GPU" or \
            device not in devices.list_physical_devices("GPU"):
        raise InvalidArgumentError(
            f"{what}: expected a GPU from tf.config.list_physical_devices('GPU'), got {device!r}")


experimental = _Experimental()


class _Threading:
    """tf.config.threading: how many threads ops may use.

    graphflow runs a graph's ops one at a time, so the inter-op setting is recorded only (any
    value >= 1 holds). Within an op the threads are BLAS's (matmuls, convolutions): the intra-op
    setting limits them through threadpoolctl (the optional extra `graphflow[threads]`); 0, the
    default, restores the library's own count. Unlike TF, both may change at any time.

        >>> tf.config.threading.set_inter_op_parallelism_threads(1)
        >>> tf.config.threading.get_inter_op_parallelism_threads()
        1
        >>> tf.config.threading.set_inter_op_parallelism_threads(0)
    """

    _limits = None  # threadpoolctl's limiter while an intra-op count is set

    @staticmethod
    def _count(what, num_threads):
        if isinstance(num_threads, bool) or not isinstance(num_threads, int) or num_threads < 0:
            raise InvalidArgumentError(
                f"{what}: num_threads must be an integer >= 0 (0: the system's choice), got "
                f"{num_threads!r}")
        return num_threads

    @staticmethod
    def get_inter_op_parallelism_threads():
        return context.inter_op_threads

    @staticmethod
    def set_inter_op_parallelism_threads(num_threads):
        context.inter_op_threads = _Threading._count("set_inter_op_parallelism_threads",
                                                     num_threads)

    @staticmethod
    def get_intra_op_parallelism_threads():
        return context.intra_op_threads

    @staticmethod
    def set_intra_op_parallelism_threads(num_threads):
        n = _Threading._count("set_intra_op_parallelism_threads", num_threads)
        try:
            import threadpoolctl
        except ImportError:
            raise ImportError(
                "set_intra_op_parallelism_threads limits BLAS's threads through threadpoolctl, "
                "which is not installed: pip install 'graphflow[threads]'") from None
        with context.lock:
            if _Threading._limits is not None:
                _Threading._limits.restore_original_limits()
                _Threading._limits = None
            if n:
                _Threading._limits = threadpoolctl.threadpool_limits(limits=n)
            context.intra_op_threads = n


threading = _Threading()
