"""keras.layers.serialize / deserialize: a layer as Keras 3's {"module", "class_name",
"config", "registered_name"} dict, and back (graphflow's built-in layers and registered custom
ones).

    >>> from graphflow import keras
    >>> config = keras.layers.serialize(keras.layers.Dense(3, name="d"))
    >>> config["module"], config["class_name"], config["config"]["units"]
    ('keras.layers', 'Dense', 3)
    >>> keras.layers.deserialize(config).units
    3
"""
from graphflow.errors import InvalidArgumentError


def serialize(layer):
    """The layer's class, config and registered name, as keras.layers.serialize writes them."""
    from graphflow.keras.layers.base import Layer
    from graphflow.keras.saving.config import layer_classes, serialize_layer
    if not isinstance(layer, Layer):
        raise InvalidArgumentError(
            f"keras.layers.serialize expects a Layer, got {type(layer).__name__}")
    config = serialize_layer(layer)
    builtin = layer_classes().get(type(layer).__name__) is type(layer)
    return {"module": "keras.layers" if builtin else type(layer).__module__,
            "class_name": config["class_name"], "config": config["config"],
            "registered_name": None if builtin else config.get("registered_name",
                                                                   type(layer).__name__)}


def deserialize(config, custom_objects=None):
    """The layer a serialize() dict (or a {"class_name", "config"} dict) describes."""
    from graphflow.keras.saving.config import deserialize_layer
    if not isinstance(config, dict):
        raise InvalidArgumentError(
            "keras.layers.deserialize expects a dict with 'class_name' and 'config', got "
            f"{config!r:.100}")
    return deserialize_layer(config, custom_objects)
