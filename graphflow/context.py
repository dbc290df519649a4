"""The execution context: whether ops run eagerly or build a graph (and which), which
GradientTapes are recording, the device scopes, and the process-wide settings.

As in TensorFlow, what a `with` block sets up is per thread: the graph being built, the
recording tapes, `graphflow.device` scopes and the default Session. A thread tracing a function
does not turn another thread's eager ops into graph nodes, and a tape records only its own
thread's ops. What graphflow.config, `random.set_seed` and `compat.v1.disable_eager_execution`
set is process-wide (`settings`). Both are reached through the one `context` object.

    >>> import graphflow as tf
    >>> tf.executing_eagerly()
    True
    >>> import threading
    >>> seen = []
    >>> g = tf.Graph()
    >>> with g.as_default():   # this thread builds a graph; a new thread still runs eagerly
    ...     t = threading.Thread(target=lambda: seen.append(tf.executing_eagerly()))
    ...     t.start(); t.join()
    >>> seen
    [True]
"""
import os
import threading


class _Settings:
    """Process-wide state, shared by every thread."""

    __slots__ = ("eager_disabled", "global_seed", "seed_counter", "generators", "default_graph",
                 "optimizer_options", "backend", "tiered_compilation", "compile_threads",
                 "keras_names", "default_device", "soft_placement", "transfers", "gpu_count",
                 "memory_growth", "lock", "functions_run_eagerly", "max_cached_plans",
                 "intra_op_threads", "inter_op_threads")

    def __init__(self):
        self.eager_disabled = False  # compat.v1.disable_eager_execution()
        self.global_seed = None
        self.seed_counter = 0
        self.generators = {}       # random stream key -> numpy Generator (see ops/random.py)
        self.default_graph = None  # compat.v1's global default graph, made on first use
        self.optimizer_options = {}  # graphflow.config.optimizer: pass name -> enabled
        self.backend = "numba"       # how graphs run: "numba" (compiled) or "reference"
        # compile kernels in the background, running the reference interpreter meanwhile
        self.tiered_compilation = os.environ.get("GRAPHFLOW_TIERED", "1") != "0"
        self.compile_threads = []  # background kernel compiles in flight
        # plans (one per input shape set) kept per executable: graphflow.config.set_max_cached_plans
        self.max_cached_plans = int(os.environ.get("GRAPHFLOW_MAX_CACHED_PLANS", "32"))
        self.keras_names = {}      # layer name -> count, for unique Keras names (dense_1, ...)
        # devices (graphflow/devices.py): the default device (resolved at import)
        self.default_device = None
        self.soft_placement = False  # a missing GPU falls back to the CPU only when asked
        self.transfers = {"to_device": 0, "to_host": 0}
        self.gpu_count = None      # CUDA devices numba sees, asked on first need
        self.memory_growth = {}    # tf.config.experimental.set_memory_growth, by device name
        # guards the read-modify-write updates of the shared state above (counters, name
        # tables); never held while running user code
        self.lock = threading.RLock()
        # tf.config.run_functions_eagerly: graphflow.function calls run the Python function
        self.functions_run_eagerly = False
        # tf.config.threading (graphflow.config): 0 is the system's choice
        self.intra_op_threads = 0
        self.inter_op_threads = 0


settings = _Settings()


class _Context(threading.local):
    """Per-thread state (set up anew, from `settings`, the first time a thread touches it);
    the process-wide settings are reachable as attributes too (`context.backend`)."""

    def __init__(self):
        # the Graph ops are appended to, or None when running eagerly; in TF1 mode
        # (disable_eager_execution) every thread builds into the global default graph
        self.graph = settings.default_graph if settings.eager_disabled else None
        self.tapes = []            # active GradientTapes, innermost last
        self.eager_scope = []      # eager tf.name_scope names, outermost first (variable names)
        self.device_stack = []     # graphflow.device scopes, innermost last
        self.strategy_stack = []   # graphflow.distribute strategy scopes / replica contexts
        self.default_session = None
        # compat.v1 / tf.control_dependencies scopes: (graph, nodes, or None for a reset)
        self.control_stack = []
        # the Variable-creation rule of the graphflow.function being traced on this thread
        # (graph/function.py's VariableCreation), or None outside a trace
        self.variable_creation = None
        # the GPU eager work goes to, or None for the CPU fast path (devices._update_placement)
        dev = settings.default_device
        self.gpu_placement = dev if dev is not None and dev.is_gpu else None


def _shared(name):
    def get(self):
        return getattr(settings, name)

    def set_(self, value):
        setattr(settings, name, value)
    return property(get, set_, doc=f"process-wide: settings.{name}")


for _name in _Settings.__slots__:
    setattr(_Context, _name, _shared(_name))
del _name

context = _Context()


def executing_eagerly():
    """True when ops compute immediately (not inside a function trace or a TF1 graph)."""
    return context.graph is None


def require_default_session(what):
    """The default session, or TF's error for `what` ("evaluate tensor using `eval()`")."""
    if context.default_session is None:
        from graphflow.errors import InvalidArgumentError
        raise InvalidArgumentError(
            f"Cannot {what}: No default session is registered. Use `with sess.as_default()` or "
            f"pass an explicit session (session=sess)")
    return context.default_session


class _NotInstalled:
    """A hook an upper layer has not installed yet (it installs itself when imported)."""

    def __init__(self, what):
        self._what = what

    def __getattr__(self, name):
        from graphflow.errors import FailedPreconditionError
        raise FailedPreconditionError(f"graphflow: {self._what} is not loaded (import graphflow)")


# Hooks: modules of lower layers (tensor, ops) reach graphflow.devices through this name, which
# graphflow/devices.py sets to itself when imported (tests/test_import_layers.py).
devices = _NotInstalled("graphflow.devices")
