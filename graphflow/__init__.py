"""graphflow: a small, readable deep-learning framework and graph compiler with TF's API.

    >>> import graphflow as tf
    >>> x = tf.Variable(2.0)
    >>> with tf.GradientTape() as tape:
    ...     y = x ** 2 + 3 * x
    >>> float(tape.gradient(y, x))
    7.0

numba, networkx and the keras package are imported lazily, when first needed.
"""
import builtins
import warnings

# TF computes 0/0, log(0), sqrt(-1) silently (nan, -inf); NumPy's reference kernels would warn
# on each. The filter applies only to NumPy's floating-point warnings raised from graphflow's
# own modules, and costs nothing until a warning is raised (an errstate around every eager op
# would cost more than the op).
warnings.filterwarnings("ignore", r"(divide by zero|invalid value|overflow|underflow) encountered",
                        RuntimeWarning, r"graphflow(\.|$)")

from graphflow import dtypes, errors, tensor as _tensor  # noqa: E402
from graphflow.dtypes import (  # noqa: F401
    DType, as_dtype, bool, complex64, complex128, double, float16, float32, float64, half, int8,
    int16, int32, int64, uint8, variant)
from graphflow.dtypes import string  # noqa: F401
from graphflow.tensor import Tensor, TensorShape, TensorSpec, Variable  # noqa: F401
from graphflow.tensor import VariableAggregation, VariableSynchronization  # noqa: F401
from graphflow.ops.variable_updates import IndexedSlices  # noqa: F401
from graphflow.ops import api as _api
from graphflow.ops.api import *  # noqa: F401,F403 - the TF top-level op namespace
from graphflow.ops.api import nn, random  # noqa: F401
from graphflow import linalg, math  # noqa: F401
from graphflow import bitwise, image, io, ragged, sparse, strings  # noqa: F401
from graphflow.ops.ragged import RaggedTensor  # noqa: F401
from graphflow.ops.sparse import SparseTensor, SparseTensorSpec  # noqa: F401
from graphflow.ops.ragged_ops import RaggedTensorSpec  # noqa: F401
from graphflow.autodiff import GradientTape, UnconnectedGradients  # noqa: F401
from graphflow.ops.custom_gradient import custom_gradient, grad_pass_through  # noqa: F401
from graphflow.ops.strings import as_string  # noqa: F401
from graphflow.graph.ir import get_current_name_scope, inside_function  # noqa: F401
from graphflow.autodiff import gradients, hessians, recompute_grad  # noqa: F401
from graphflow.context import executing_eagerly  # noqa: F401

_tensor._ops = _api  # tensor operators dispatch through the ops namespace
# tf.dtypes also holds the casts (graphflow.dtypes, below the ops layer, cannot import them)
dtypes.cast, dtypes.saturate_cast = _api.cast, _api.saturate_cast
from graphflow import devices as _device  # noqa: E402
from graphflow.devices import device  # noqa: E402,F401
_device.initialize()  # the default device (numba is imported only if a GPU may be present)

__version__ = "0.1.0"


class version:  # noqa: N801 - TF's tf.version namespace
    """tf.version: the version strings TF code reads (graphflow's own)."""
    VERSION = __version__
    GIT_VERSION = "unknown"
    COMPILER_VERSION = "none (pure Python)"


newaxis = None

# control flow (issue 15): bodies of cond / while_loop run on the reference interpreter (the ops
# layer cannot import a backend itself); tf.debugging
from graphflow.backends import reference as _reference  # noqa: E402
from graphflow.ops import subgraph as _subgraph  # noqa: E402
_subgraph.set_executor(_reference.compile)
from graphflow import debugging  # noqa: E402,F401
from graphflow.debugging import (  # noqa: E402,F401 - TF2's top-level asserts
    assert_equal, assert_greater, assert_less, assert_rank)

_LAZY = {
    "keras": "graphflow.keras",
    "compat": "graphflow.compat",
    "function": ("graphflow.graph.function", "function"),
    "Graph": ("graphflow.graph.ir", "Graph"),
    "name_scope": ("graphflow.graph.ir", "name_scope"),
    "config": "graphflow.config",
    "data": "graphflow.data",
    "visualize": "graphflow.visualize",
    "test": "graphflow.testing",
    "autograph": "graphflow.autograph",
    "distribute": "graphflow.distribute",
    "train": "graphflow.train",
    "saved_model": "graphflow.saved_model",
    "Module": ("graphflow.module", "Module"),
    "summary": "graphflow.summary",
    "nest": "graphflow.nest",
    "lookup": "graphflow.lookup",
    "sets": "graphflow.sets",
    "signal": "graphflow.signal",
    "audio": "graphflow.audio",
    # TF 2.21's top-level aliases of Keras's namespaces and of its initializers (TF2 names)
    "initializers": "graphflow.keras.initializers",
    "losses": "graphflow.keras.losses",
    "metrics": "graphflow.keras.metrics",
    "optimizers": "graphflow.keras.optimizers",
    "constant_initializer": ("graphflow.keras.initializers", "Constant"),
    "ones_initializer": ("graphflow.keras.initializers", "Ones"),
    "zeros_initializer": ("graphflow.keras.initializers", "Zeros"),
    "random_normal_initializer": ("graphflow.keras.initializers", "RandomNormal"),
    "random_uniform_initializer": ("graphflow.keras.initializers", "RandomUniform"),
}


def __getattr__(name):
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'graphflow' has no attribute {name!r}")
    import importlib
    if type(target) is builtins.tuple:  # (tf.tuple shadows the builtin here)
        value = getattr(importlib.import_module(target[0]), target[1])
    else:
        value = importlib.import_module(target)
    globals()[name] = value
    return value
