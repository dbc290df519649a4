"""keras.utils.serialize_keras_object / deserialize_keras_object: Keras 3's config dicts
({"module", "class_name", "config", "registered_name"}) of layers, losses, metrics, optimizers,
initializers, regularizers, constraints, schedules, functions and NumPy arrays.

Deserializing never runs code from the config: a class name resolves only to graphflow's own
classes, registered classes (keras.utils.register_keras_serializable) and `custom_objects`;
`safe_mode` is accepted for Keras compatibility (there is no unsafe mode to leave).

    >>> from graphflow import keras
    >>> config = keras.utils.serialize_keras_object(keras.regularizers.L2(0.1))
    >>> config["module"], config["class_name"]
    ('keras.regularizers', 'L2')
    >>> keras.utils.deserialize_keras_object(config).get_config()
    {'l2': 0.1}
"""
import inspect

import numpy as np

from graphflow.errors import InvalidArgumentError, InvalidTypeError
from graphflow.keras import object_registration as registry


def _kinds():
    """(Keras module, base class, deserializer) of each kind of serializable object."""
    from graphflow.keras import (
        constraints, initializers, losses, metrics, optimizers, optimizers_schedules,
        regularizers)
    from graphflow.keras.layers.base import Layer
    from graphflow.keras.models import Model
    from graphflow.keras.saving.config import deserialize_layer
    return [
        ("keras", Model, deserialize_layer),
        ("keras.layers", Layer, deserialize_layer),
        ("keras.losses", losses.Loss, losses.deserialize),
        ("keras.metrics", metrics.Metric, metrics.deserialize),
        ("keras.optimizers.schedules", optimizers_schedules.LearningRateSchedule,
         optimizers_schedules.deserialize),
        ("keras.optimizers", optimizers.Optimizer, optimizers.deserialize),
        ("keras.initializers", initializers.Initializer,
         lambda c, custom_objects=None: _with_scope(initializers.get, c, custom_objects)),
        ("keras.regularizers", regularizers.Regularizer,
         lambda c, custom_objects=None: _with_scope(regularizers.get, c, custom_objects)),
        ("keras.constraints", constraints.Constraint, constraints.deserialize),
    ]


def _with_scope(get, config, custom_objects):
    with registry.custom_object_scope(custom_objects or {}):
        return get(config)


def _functions():
    """Keras's built-in functions that serialize by name (activations, losses, metrics)."""
    from graphflow.keras import activations, losses, metrics
    table = {}
    for module in (metrics, losses, activations):
        for name, obj in vars(module).items():
            if inspect.isfunction(obj) and not name.startswith("_") and \
                    obj.__module__ == module.__name__:
                table[name] = obj
    return table


def serialize_keras_object(obj):
    """A JSON-able description of obj: plain values as they are, lists and dicts item by item,
    NumPy arrays as {"class_name": "__numpy__"}, built-in or registered functions by name,
    objects with get_config as Keras 3's {"module", "class_name", "config",
    "registered_name"} dict."""
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, np.ndarray) and obj.ndim:
        return {"class_name": "__numpy__", "config": {"value": obj.tolist(),
                                                      "dtype": obj.dtype.name}}
    if isinstance(obj, (np.ndarray, np.generic)):
        return obj.item()
    if isinstance(obj, (list, tuple)):
        return [serialize_keras_object(v) for v in obj]
    if isinstance(obj, dict):
        return {k: serialize_keras_object(v) for k, v in obj.items()}
    if inspect.isfunction(obj) or inspect.isbuiltin(obj):
        registered = registry.get_registered_name(obj)
        if obj in registry.GLOBAL_CUSTOM_NAMES:
            return {"module": obj.__module__, "class_name": "function", "config": registered,
                    "registered_name": registered}
        if _functions().get(obj.__name__) is obj:
            return {"module": "builtins", "class_name": "function", "config": obj.__name__,
                    "registered_name": "function"}
        raise InvalidTypeError(
            f"Cannot serialize function {obj!r}: it is not a Keras function nor registered with "
            "keras.utils.register_keras_serializable")
    if not hasattr(obj, "get_config"):
        raise InvalidTypeError(f"Cannot serialize {type(obj).__name__} {obj!r:.60}: it has no "
                               "get_config()")
    cls = type(obj)
    module = next((m for m, base, _ in _kinds() if isinstance(obj, base)), cls.__module__)
    registered = registry.get_registered_name(cls)
    return {"module": module, "class_name": cls.__name__,
            "config": serialize_keras_object(obj.get_config()),
            "registered_name": registered if registered != cls.__name__ else None}


def _not_found(config):
    return InvalidTypeError(
        f"Could not locate class {config.get('class_name')!r}. Make sure custom classes and "
        "functions are decorated with `@keras.saving.register_keras_serializable()`. If they "
        "are already decorated, make sure they are all imported so that the decorator is run "
        f"before trying to load them. Full object config: {config}")


def deserialize_keras_object(config, custom_objects=None, safe_mode=True, **kwargs):
    """The object `serialize_keras_object` described (plain values, lists and dicts of
    configs come back item by item)."""
    module_objects = kwargs.pop("module_objects", None) or {}
    kwargs.pop("printable_module_name", None)
    if kwargs:
        raise InvalidTypeError(f"deserialize_keras_object: unexpected arguments {sorted(kwargs)}")
    custom_objects = dict(custom_objects or {})
    if config is None or isinstance(config, (bool, int, float)):
        return config
    if isinstance(config, str):
        found = custom_objects.get(config) or module_objects.get(config) or \
            registry.get_registered_object(config)
        return found if found is not None else config
    if isinstance(config, (list, tuple)):
        return [deserialize_keras_object(v, custom_objects) for v in config]
    if not isinstance(config, dict):
        raise InvalidTypeError(f"Could not parse config: {config!r:.80}")
    if "class_name" not in config or "config" not in config:
        return {k: deserialize_keras_object(v, custom_objects) for k, v in config.items()}
    class_name, inner = config["class_name"], config["config"]
    if class_name == "__numpy__":
        return np.array(inner["value"], dtype=inner["dtype"])
    if class_name == "function":
        name = config.get("registered_name") if config.get("registered_name") not in (
            None, "function") else inner
        found = custom_objects.get(name) or registry.get_registered_object(name) or \
            _functions().get(name) or module_objects.get(name)
        if found is None:
            raise _not_found(config)
        return found
    name = config.get("registered_name") or class_name
    cls = custom_objects.get(name) or registry.get_registered_object(name, custom_objects) or \
        module_objects.get(name)
    plain = {"class_name": name, "config": inner}
    kinds = _kinds()
    if cls is not None:
        kinds = [k for k in kinds if isinstance(cls, type) and issubclass(cls, k[1])][:1]
        if not kinds:  # a registered class of no Keras kind: build it from its config
            if hasattr(cls, "from_config"):
                return registry.from_config(cls, inner, "object", name, custom_objects)
            raise _not_found(config)
    elif config.get("module") in {k[0] for k in kinds}:
        kinds = [k for k in kinds if k[0] == config["module"]]
    for i, (_, _, deserialize) in enumerate(kinds):
        try:
            return deserialize(plain, custom_objects=custom_objects)
        except InvalidArgumentError as e:
            unknown = cls is None and str(e).startswith("Unknown")
            if not unknown:
                raise  # a known class with a bad config: graphflow's message says why
            if len(kinds) == 1 or i == len(kinds) - 1:
                raise _not_found(config) from None
    raise _not_found(config)
