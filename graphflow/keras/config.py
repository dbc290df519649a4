"""keras.config: Keras's process-wide settings.

`set_floatx` ("float16", "float32", "float64"), `set_epsilon` and `set_dtype_policy` with a
float dtype's name are honoured as in Keras: layers, keras.Input, initializers, keras.ops
creation functions, metrics and losses created afterwards use them. As in Keras they are
global to the process, not per thread. A value Keras accepts but graphflow cannot honour
(bfloat16, `set_dtype_policy("mixed_float16")`, channels_first) raises UnimplementedError
instead of being silently ignored. Settings that change nothing graphflow computes (traceback
filtering, flash attention, unsafe deserialization) are recorded and read back as Keras does.

    >>> from graphflow import keras
    >>> keras.config.floatx(), keras.config.epsilon(), keras.config.image_data_format()
    ('float32', 1e-07, 'channels_last')
    >>> keras.config.dtype_policy()
    <DTypePolicy "float32">
    >>> keras.config.set_dtype_policy("mixed_float16")
    Traceback (most recent call last):
    ...
    graphflow.errors.UnimplementedError: keras.config.set_dtype_policy('mixed_float16'): graphflow's layers compute in the dtype of their weights (mixed precision is not built); use a float dtype's name such as 'float32'
"""
import os
import threading

from graphflow.errors import InvalidArgumentError, UnimplementedError
from graphflow.keras.backend import backend, epsilon, floatx, image_data_format  # noqa: F401
from graphflow.keras.backend import set_epsilon, set_floatx, set_image_data_format  # noqa: F401
from graphflow.keras.utils.io_utils import (  # noqa: F401
    disable_interactive_logging, enable_interactive_logging, is_interactive_logging_enabled)

_FLOAT_POLICIES = ("float16", "float32", "float64", "bfloat16")
_lock = threading.Lock()
_settings = {"traceback_filtering": True, "flash_attention": None,
             "unsafe_deserialization": False, "max_epochs": None, "max_steps_per_epoch": None,
             "dtype_policy": None}  # None: DTypePolicy(floatx())


def _env_limit(name):
    value = os.environ.get(name)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise InvalidArgumentError(f"${name} must be an integer, got {value!r:.60}") from None


class DTypePolicy:
    """A dtype policy: the dtype a layer computes in and the dtype of its weights (the same
    float dtype: graphflow has no mixed policies). The default name is the default policy's.

        >>> from graphflow import keras
        >>> p = keras.DTypePolicy("float32")
        >>> p.name, p.compute_dtype, p.variable_dtype
        ('float32', 'float32', 'float32')
    """

    def __init__(self, name=None):
        name = check_policy_name(dtype_policy().name if name is None else name)
        self._name = name

    @property
    def name(self):
        return self._name

    @property
    def compute_dtype(self):
        return self._name

    @property
    def variable_dtype(self):
        return self._name

    @property
    def quantization_mode(self):
        return None

    def get_config(self):
        return {"name": self._name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __eq__(self, other):
        return isinstance(other, DTypePolicy) and other.name == self.name

    def __hash__(self):
        return hash(self._name)

    def __repr__(self):
        return f'<DTypePolicy "{self._name}">'


FloatDTypePolicy = DTypePolicy  # Keras 3 keeps the old name as an alias


def check_policy_name(name):
    """`name` when graphflow can run the policy; Keras's ValueError for a name that is no
    policy, UnimplementedError for a Keras policy graphflow does not build."""
    if not isinstance(name, str):
        raise InvalidArgumentError(
            "Invalid `policy` argument. Expected the string name of a policy (such as "
            f"'mixed_float16') or a `DTypePolicy` instance. Received: policy={name!r} (of type "
            f"{type(name)})")
    if name not in _FLOAT_POLICIES + ("mixed_float16", "mixed_bfloat16"):
        raise InvalidArgumentError(
            f"Cannot convert '{name}' to a mixed precision DTypePolicy. Valid policies include "
            "'mixed_float16', 'mixed_bfloat16', and the name of any float dtype such as "
            "'float32'.")
    if name.startswith("mixed"):
        raise UnimplementedError(
            f"keras.config.set_dtype_policy({name!r}): graphflow's layers compute in the dtype "
            "of their weights (mixed precision is not built); use a float dtype's name such "
            "as 'float32'")
    if name == "bfloat16":
        raise UnimplementedError(
            "keras.config.set_dtype_policy('bfloat16'): graphflow has no bfloat16 dtype")
    return name


def set_dtype_policy(policy):
    """Sets the default dtype policy of new layers (a float dtype's name or a DTypePolicy;
    clear_session resets it to follow floatx()).

        >>> from graphflow import keras
        >>> keras.config.set_dtype_policy("float64")
        >>> keras.layers.Dense(2).dtype
        'float64'
        >>> keras.backend.clear_session()
        >>> keras.config.dtype_policy()
        <DTypePolicy "float32">
    """
    name = check_policy_name(policy.name if isinstance(policy, DTypePolicy) else policy)
    with _lock:
        _settings["dtype_policy"] = name


def _reset_dtype_policy():
    with _lock:
        _settings["dtype_policy"] = None


def dtype_policy():
    """The default dtype policy of new layers: the one set by set_dtype_policy, else
    DTypePolicy(floatx()). (Keras fixes the default policy the first time it is read, so a
    later set_floatx reaches new layers only after clear_session; graphflow's follows
    floatx() until set_dtype_policy is called.)"""
    name = _settings["dtype_policy"]
    return DTypePolicy(floatx() if name is None else name)


def _flag(key, value=None):
    with _lock:
        if value is not None:
            _settings[key] = value
        return _settings[key]


def enable_traceback_filtering():
    """Recorded only: graphflow's tracebacks are never filtered."""
    _flag("traceback_filtering", True)


def disable_traceback_filtering():
    _flag("traceback_filtering", False)


def is_traceback_filtering_enabled():
    """The recorded setting (True by default, as in Keras).

        >>> from graphflow import keras
        >>> keras.config.is_traceback_filtering_enabled()
        True
    """
    return _flag("traceback_filtering")


def enable_flash_attention():
    """Recorded only: graphflow's attention has no flash kernel."""
    with _lock:
        _settings["flash_attention"] = True


def disable_flash_attention():
    with _lock:
        _settings["flash_attention"] = False


def is_flash_attention_enabled():
    """None until set, as in Keras (the backend decides)."""
    return _flag("flash_attention")


def enable_unsafe_deserialization():
    """Recorded: graphflow never runs code from a saved file (a Lambda's Python code is never
    stored), so there is nothing unsafe to allow; `safe_mode` arguments are accepted."""
    _flag("unsafe_deserialization", True)


def is_unsafe_deserialization_enabled():
    return _flag("unsafe_deserialization")


def _limit(name, value):
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                              or value < 1):
        raise InvalidArgumentError(f"keras.config.set_{name}: expected an integer >= 1 or None, "
                                   f"got {value!r:.60}")
    with _lock:
        _settings[name] = value


def set_max_epochs(max_epochs):
    """Caps the epochs of every fit (None: no cap; also $KERAS_MAX_EPOCHS), for debugging
    runs, as Keras: fit warns "Limiting epochs to N"."""
    _limit("max_epochs", max_epochs)


def max_epochs():
    """The cap set by set_max_epochs or $KERAS_MAX_EPOCHS (None: no cap).

        >>> from graphflow import keras
        >>> keras.config.max_epochs() is None
        True
    """
    value = _flag("max_epochs")
    return value if value is not None else _env_limit("KERAS_MAX_EPOCHS")


def set_max_steps_per_epoch(max_steps_per_epoch):
    """Caps the steps of each epoch of fit and of evaluate/predict (None: no cap; also
    $KERAS_MAX_STEPS_PER_EPOCH); they warn "Limiting steps_per_epoch to N"."""
    _limit("max_steps_per_epoch", max_steps_per_epoch)


def max_steps_per_epoch():
    value = _flag("max_steps_per_epoch")
    return value if value is not None else _env_limit("KERAS_MAX_STEPS_PER_EPOCH")
