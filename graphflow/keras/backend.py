"""keras.backend: session-level helpers, Keras's global settings and its dtype utilities.

    >>> from graphflow import keras
    >>> keras.backend.clear_session()
    >>> keras.backend.image_data_format()
    'channels_last'
    >>> keras.backend.result_type("int32", "float16"), keras.backend.result_type(int, "int8")
    ('float16', 'int8')
"""
import functools
import numbers
import threading

import numpy as np  # noqa: F401 - the doctests' np

from graphflow.context import context
from graphflow.errors import InvalidArgumentError, InvalidTypeError, UnimplementedError

_FLOATX = ("float16", "float32", "float64", "bfloat16")
EPSILON = 1e-7  # Keras's default fuzz factor (keras.config.epsilon() until set_epsilon)

# Keras's settings are process-wide, not per thread: one thread's set_floatx is what every
# thread's new layers, initializers and ops see. The lock only keeps a read from meeting a
# half-done write; set them before building models, as in Keras.
_settings_lock = threading.Lock()
_settings = {"floatx": "float32", "epsilon": EPSILON}


def clear_session(free_memory=True):
    """Resets Keras's name counters (dense, dense_1, ... and get_uid start again) and the
    default dtype policy set by keras.config.set_dtype_policy (floatx and epsilon stay, as in
    Keras)."""
    with context.lock:
        context.keras_names.clear()
    from graphflow.keras import config, random as keras_random
    keras_random.reset_global_seed_generator()
    config._reset_dtype_policy()


def floatx():
    """The default float dtype of Keras ("float32" until set_floatx): the dtype of new layers'
    weights and computations, keras.Input, initializers and keras.ops creation functions.

        >>> from graphflow import keras
        >>> keras.backend.floatx()
        'float32'
    """
    return _settings["floatx"]


def set_floatx(value):
    """Sets the default float dtype, as Keras: "float16", "float32" or "float64" (graphflow has
    no bfloat16 dtype). Layers created afterwards use it; existing ones keep theirs. The
    setting is global to the process (every thread sees it).

        >>> from graphflow import keras
        >>> keras.backend.set_floatx("float64")
        >>> keras.layers.Dense(2)(np.ones((1, 3))).dtype
        tf.float64
        >>> keras.backend.set_floatx("float32")
        >>> keras.backend.set_floatx("int32")
        Traceback (most recent call last):
        ...
        graphflow.errors.InvalidArgumentError: Unknown `floatx` value: int32. Expected one of {'bfloat16', 'float16', 'float32', 'float64'}
    """
    name = value if isinstance(value, str) else str(value)
    if name not in _FLOATX:
        raise InvalidArgumentError(
            f"Unknown `floatx` value: {value}. Expected one of "
            f"{{{', '.join(repr(v) for v in sorted(_FLOATX))}}}")
    if name == "bfloat16":
        raise UnimplementedError(
            "keras.backend.set_floatx('bfloat16'): graphflow has no bfloat16 dtype; use "
            "'float16', 'float32' or 'float64'")
    with _settings_lock:
        _settings["floatx"] = name


def epsilon():
    """The fuzz factor of Keras's numeric expressions (1e-7 until set_epsilon): the clipping
    of probabilities in the crossentropies, the denominators of MAPE, the F-scores, IoU and
    the norm constraints, Normalization's smallest deviation.

        >>> from graphflow import keras
        >>> keras.backend.epsilon()
        1e-07
    """
    return _settings["epsilon"]


def set_epsilon(value):
    """Sets the fuzz factor, as Keras (global to the process). Keras stores any value;
    graphflow asks for a real number, since every use of it is arithmetic.

        >>> from graphflow import keras
        >>> keras.backend.set_epsilon(1e-5)
        >>> keras.backend.epsilon()
        1e-05
        >>> keras.backend.set_epsilon(1e-7)
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidTypeError(
            f"keras.backend.set_epsilon: expected a real number, got {value!r:.60} "
            f"(of type {type(value).__name__})")
    with _settings_lock:
        _settings["epsilon"] = value


def backend():
    """The name of the backend Keras runs on."""
    return "graphflow"


def image_data_format():
    """Keras's default image layout: graphflow's layers are channels_last (NHWC)."""
    return "channels_last"


def set_image_data_format(data_format):
    """Only 'channels_last' exists here: graphflow's conv/pool layers are NHWC only."""
    if data_format not in ("channels_last", "channels_first"):
        raise InvalidArgumentError(
            "The `data_format` argument must be one of {'channels_first', 'channels_last'}. "
            f"Received: data_format={data_format!r}")
    if data_format != "channels_last":
        raise InvalidArgumentError(
            "set_image_data_format: graphflow's image layers support only 'channels_last'")


def get_uid(prefix=""):
    """A per-prefix counter shared with Keras's automatic layer names (1, 2, ...; reset by
    clear_session).

        >>> from graphflow import keras
        >>> keras.backend.clear_session()
        >>> keras.backend.get_uid("block"), keras.backend.get_uid("block")
        (1, 2)
    """
    with context.lock:
        n = context.keras_names.get(prefix, 0) + 1
        context.keras_names[prefix] = n
    return n


def is_keras_tensor(x):
    """Whether x is a symbolic Keras tensor (from keras.Input or a layer called on one)."""
    from graphflow.keras.layers.base import KerasTensor
    return isinstance(x, KerasTensor)


# -- dtypes: Keras 3's names and its type promotion (keras/src/backend/common/dtypes.py) ------
_ALLOWED = ("float16", "float32", "float64", "uint8", "uint16", "uint32", "uint64", "int8",
            "int16", "int32", "int64", "bfloat16", "bool", "string", "float8_e4m3fn",
            "float8_e5m2", "complex64", "complex128")
# TF's Keras: Python ints are int64, complex numbers complex128
_PYTHON = {bool: "bool", int: "int64", float: "float32", str: "string", "int": "int64",
           complex: "complex128"}


def standardize_dtype(dtype):
    """Keras's dtype name for a dtype, a NumPy/graphflow dtype, a Python type or a name (None is
    floatx()).

        >>> import numpy as np
        >>> from graphflow import keras
        >>> [keras.backend.standardize_dtype(d) for d in (None, int, float, np.float64, "bool")]
        ['float32', 'int64', 'float32', 'float64', 'bool']
    """
    if dtype is None:
        return floatx()
    try:
        dtype = _PYTHON.get(dtype, dtype)
    except TypeError:  # an unhashable value: no dtype
        pass
    if hasattr(dtype, "name"):
        dtype = dtype.name
    elif hasattr(dtype, "__name__"):
        dtype = dtype.__name__
    if dtype not in _ALLOWED:
        raise InvalidArgumentError(f"Invalid dtype: {dtype}")
    return dtype


def is_float_dtype(dtype):
    """Whether `dtype` is a float dtype (bfloat16 included)."""
    dtype = standardize_dtype(dtype)
    return dtype.startswith("float") or dtype.startswith("bfloat")


def is_int_dtype(dtype):
    """Whether `dtype` is a signed or unsigned integer dtype."""
    dtype = standardize_dtype(dtype)
    return dtype.startswith("int") or dtype.startswith("uint")


def _lattice():
    """Each type and the types directly above it (JAX's promotion lattice, as Keras)."""
    return {"bool": ["int"], "uint8": ["int16", "uint16"], "uint16": ["int32", "uint32"],
            "uint32": ["int64", "uint64"], "uint64": ["float"],
            "int": ["uint8", "int8", "complex64"], "int8": ["int16"], "int16": ["int32"],
            "int32": ["int64"], "int64": ["float"], "float": ["bfloat16", "float16"],
            "bfloat16": ["float32"], "float16": ["float32"], "float32": ["float64", "complex64"],
            "float64": ["complex128"], "complex64": ["complex128"], "complex128": []}


def _upper_bounds():
    lattice = _lattice()
    bounds = {node: {node} for node in lattice}
    for node in lattice:
        while True:
            wider = set().union(*(lattice[b] for b in bounds[node]))
            if wider <= bounds[node]:
                break
            bounds[node] |= wider
    return bounds


_UPPER = _upper_bounds()


@functools.lru_cache(512)
def _least_upper_bound(*nodes):
    nodes = set(nodes)
    common = set.intersection(*(_UPPER[n] for n in nodes))
    least = (common & nodes) or {c for c in common if common <= _UPPER[c]}
    if len(least) != 1:
        raise InvalidArgumentError(
            f"Input dtypes {tuple(sorted(nodes))} have no available implicit dtype promotion "
            "path. Try explicitly casting inputs to the desired output type.")
    return least.pop()


def _weak(dtype):
    if dtype == "bool":
        return dtype
    for kind in ("float", "int", "complex"):
        if kind in dtype:
            return kind
    raise InvalidArgumentError(f"Invalid value for argument `dtype`: {dtype}")


def result_type(*dtypes):
    """The dtype Keras computes a mix of dtypes in (JAX's promotion rules, as Keras 3);
    Python `int` and `float` are weak types, no dtypes gives floatx().

        >>> from graphflow import keras
        >>> keras.backend.result_type("int8", "uint8"), keras.backend.result_type(float, "int32")
        ('int16', 'float32')
    """
    if not dtypes:
        return floatx()
    for dtype in dtypes:
        if dtype in ("float8_e4m3fn", "float8_e5m2"):
            raise InvalidArgumentError(
                "There is no implicit conversions from float8 dtypes to others. You must cast it "
                "internally.")
    names = [standardize_dtype(d) for d in dtypes]
    weak = [d is int or d is float for d in dtypes]
    if "string" in names:
        raise InvalidArgumentError(f"result_type: string has no promotion path: {tuple(names)}")
    if len(names) == 1:
        out, out_weak = names[0], weak[0]
    elif len(set(names)) == 1 and not all(weak):
        out, out_weak = names[0], False
    elif all(weak):
        out, out_weak = _least_upper_bound(*set(names)), True
    else:
        out = _least_upper_bound(*{_weak(d) if w else d for d, w in zip(names, weak)})
        out_weak = out in ("int", "float")
    if out_weak and out != "bool":  # a weak type takes floatx's precision
        bits = floatx()[-2:]
        out = {"i": f"int{bits}", "u": f"uint{bits}"}.get(out[:1], f"float{bits}")
    # TF's Keras keeps int64 and float64 but narrows these two
    return {"uint64": "uint32", "complex128": "complex64"}.get(out, out)
