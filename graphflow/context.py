"""The execution context: the one piece of module-level mutable state graphflow has.

It says whether ops run eagerly or build a graph (and which), which GradientTapes are recording,
and the random seed. Everything else is passed explicitly.

    >>> import graphflow as tf
    >>> tf.executing_eagerly()
    True
"""
import os


class _Context:
    __slots__ = ("graph", "tapes", "eager_disabled", "global_seed", "seed_counter", "generators",
                 "default_graph", "default_session", "optimizer_options", "backend",
                 "tiered_compilation", "compile_threads", "keras_names", "device_stack",
                 "default_device", "gpu_placement", "soft_placement", "transfers", "gpu_count",
                 "memory_growth", "functions_run_eagerly")

    def __init__(self):
        self.graph = None          # the Graph ops are appended to, or None when running eagerly
        self.tapes = []            # active GradientTapes, innermost last
        self.eager_disabled = False  # compat.v1.disable_eager_execution()
        self.global_seed = None
        self.seed_counter = 0
        self.generators = {}       # random stream key -> numpy Generator (see ops/random.py)
        self.default_graph = None  # compat.v1's global default graph, made on first use
        self.default_session = None
        self.optimizer_options = {}  # graphflow.config.optimizer: pass name -> enabled
        self.backend = "numba"       # how graphs run: "numba" (compiled) or "reference"
        # compile kernels in the background, running the reference interpreter meanwhile
        self.tiered_compilation = os.environ.get("GRAPHFLOW_TIERED", "1") != "0"
        self.compile_threads = []  # background kernel compiles in flight
        self.keras_names = {}      # layer name -> count, for unique Keras names (dense_1, ...)
        # devices (graphflow/devices.py): graphflow.device scopes, innermost last; the default
        # device (resolved at import); the GPU eager work goes to, or None for the CPU fast path
        self.device_stack = []
        self.default_device = None
        self.gpu_placement = None
        self.soft_placement = False  # a missing GPU falls back to the CPU only when asked
        self.transfers = {"to_device": 0, "to_host": 0}
        self.gpu_count = None      # CUDA devices numba sees, asked on first need
        self.memory_growth = {}    # tf.config.experimental.set_memory_growth, by device name
        # tf.config.run_functions_eagerly: graphflow.function calls run the Python function
        self.functions_run_eagerly = False


context = _Context()


def executing_eagerly():
    """True when ops compute immediately (not inside a function trace or a TF1 graph)."""
    return context.graph is None
