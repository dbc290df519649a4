"""The target interface: backends register themselves here, and the compiler asks for them by
name, so that the compiler never imports a backend (tests/test_import_layers.py).

A target is any object with the functions its plan calls:

- "reference": the NumPy interpreter (backends/reference.py): compile(graph, fetches, feeds,
  targets) -> an executable with run(arrays);
- "cpu": Numba CPU kernels (backends/numba_cpu.py): get_kernel, arg_types, wants_parallel;
- "cpu_native": hand-written CPU kernels (backends/cpu_kernels.py): implementation, warm;
- "cpu_loop": whole scalar while_loops as one njit function (backends/loop_kernel.py):
  get_loop_kernel, arg_types;
- "cuda": the Numba CUDA target (backends/numba_cuda.py).

The layer that runs graphs (graph/function.py, graph/session.py, devices.py) imports the
backends it uses, which registers them before any plan is built. Code that builds plans directly
(tests, tools) gets a built-in target loaded by its module name on first use, as a plugin would
be: the compiler's own modules still never import a backend.

    >>> from graphflow.compiler import targets
    >>> import graphflow.backends.reference
    >>> targets.get("reference").__name__
    'graphflow.backends.reference'
"""
import importlib

from graphflow.errors import FailedPreconditionError

_TARGETS = {}
_BUILT_IN = {"reference": "graphflow.backends.reference", "cpu": "graphflow.backends.numba_cpu",
             "cpu_native": "graphflow.backends.cpu_kernels",
             "cpu_loop": "graphflow.backends.loop_kernel",
             "cuda": "graphflow.backends.numba_cuda"}


def register(name, target):
    """Makes `target` the implementation of `name` (a backend module registers itself)."""
    _TARGETS[name] = target


def get(name):
    """The registered target `name`; a clear error if no backend registered it."""
    target = _TARGETS.get(name)
    if target is None and name in _BUILT_IN:
        importlib.import_module(_BUILT_IN[name])  # the module registers itself
        target = _TARGETS.get(name)
    if target is None:
        raise FailedPreconditionError(
            f"graphflow: no {name!r} target is registered (known: {sorted(_TARGETS)}); a "
            f"backend registers itself when imported")
    return target
