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
