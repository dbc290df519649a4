"""Model architectures as JSON configs, and their safe way back into objects.

`parse_json` bounds what a config may be (size, nesting depth: a 100,000-deep document is an
error, not a RecursionError); `deserialize_layer` only constructs graphflow's Keras layer classes
or user-registered ones (object_registration); `functional_from_config` and
`sequential_from_config` check every field and every reference between layers before building.

    >>> from graphflow import keras
    >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    >>> clone = deserialize_layer(serialize_layer(model))
    >>> [type(l).__name__ for l in clone.layers]
    ['Dense']
    >>> deserialize_layer({"class_name": "TensorShape", "config": {}})
    Traceback (most recent call last):
    ...
    graphflow.errors.InvalidArgumentError: Unknown layer class 'TensorShape': ...
"""
import json
import numbers

from graphflow.errors import InvalidArgumentError
from graphflow.keras import object_registration as registry

MAX_JSON_BYTES = 256 << 20
MAX_DEPTH = 100  # Keras configs nest ~4 levels per nested model


# -- JSON ------------------------------------------------------------------------------------------

def parse_json(data, source, what="config"):
    """The JSON value in `data` (bytes or str), no deeper than MAX_DEPTH."""
    if len(data) > MAX_JSON_BYTES:
        raise InvalidArgumentError(f"{source}: the {what} is {len(data)} bytes, more than "
                                   f"{MAX_JSON_BYTES}")
    try:
        value = json.loads(data)
    except RecursionError:
        raise InvalidArgumentError(
            f"{source}: the {what} is nested too deeply (more than {MAX_DEPTH} levels)") from None
    except ValueError as e:  # JSONDecodeError, UnicodeDecodeError, huge integers
        raise InvalidArgumentError(f"{source}: the {what} is not valid JSON ({e})") from None
    if _depth(value) > MAX_DEPTH:
        raise InvalidArgumentError(
            f"{source}: the {what} is nested too deeply (more than {MAX_DEPTH} levels)")
    return value


def _depth(value):
    """Nesting depth of a parsed JSON value, without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, depth)
            if deepest > MAX_DEPTH:
                return deepest
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return deepest


def require_dict(value, what):
    if not isinstance(value, dict):
        raise InvalidArgumentError(f"{what} must be a JSON object, got "
                                   f"{type(value).__name__ if value is not None else 'null'}")
    return value


# -- layers <-> configs ----------------------------------------------------------------------------

def layer_classes():
    """graphflow's serializable layer classes by name (the models included; "Functional" is
    Keras 3's name for a functional Model)."""
    from graphflow.keras import layers, models
    from graphflow.keras.layers.base import Layer
    table = {name: obj for name, obj in vars(layers).items()
             if isinstance(obj, type) and issubclass(obj, Layer) and obj is not Layer}
    table.update(Model=models.Model, Functional=models.Model, Sequential=models.Sequential)
    # keras.utils.FeatureSpace is not in keras.layers, but saves and loads as a layer
    from graphflow.keras.layers.preprocessing import feature_space
    table.update(FeatureSpace=feature_space.FeatureSpace, TFDIdentity=feature_space.TFDIdentity)
    return table


def serialize_layer(layer):
    config = {"class_name": type(layer).__name__, "config": layer.get_config()}
    registered = registry.get_registered_name(type(layer))
    if registered != type(layer).__name__:
        config["registered_name"] = registered
    return config


def deserialize_layer(config, custom_objects=None):
    """The layer (or model) a {"class_name", "config"} dict describes."""
    from graphflow.keras.layers.base import Layer
    cls, inner = registry.resolve("layer", config, layer_classes(), custom_objects)
    name = config["class_name"]
    if not (isinstance(cls, type) and issubclass(cls, Layer)):
        raise InvalidArgumentError(
            f"Layer config {name!r} names {cls!r:.60}, which is not a keras.layers.Layer class")
    return registry.from_config(cls, inner, "layer", name, custom_objects)


# -- Sequential ------------------------------------------------------------------------------------

def shape_list(value, what):
    """A batch shape from a config: a list of non-negative ints or nulls."""
    if not isinstance(value, list) or not all(
            d is None or (isinstance(d, numbers.Integral) and not isinstance(d, bool) and d >= 0)
            for d in value):
        raise InvalidArgumentError(f"{what} must be a list of non-negative integers or null, got "
                                   f"{value!r:.80}")
    return tuple(value)


def sequential_from_config(cls, config, custom_objects=None):
    from graphflow.keras.layers.base import Input
    require_dict(config, "The config of a Sequential model")
    layers = config.get("layers")
    if not isinstance(layers, list):
        raise InvalidArgumentError(
            f"The config of Sequential model {config.get('name')!r} needs a 'layers' list, got "
            f"{type(layers).__name__}")
    name = config.get("name")
    if name is not None and not isinstance(name, str):
        raise InvalidArgumentError(f"Sequential model name must be a string, got {name!r:.60}")
    model = cls(name=name)
    if config.get("batch_input_shape") is not None:
        shape = shape_list(config["batch_input_shape"], "Sequential batch_input_shape")
        model.add(Input(batch_shape=shape))
    for layer_config in layers:
        model.add(deserialize_layer(layer_config, custom_objects))
    return model


# -- functional models -----------------------------------------------------------------------------

def functional_config(model):
    """The graph of a functional model: each layer's config and the layer calls feeding it."""
    from graphflow.keras.layers.base import InputLayer
    local_index = {}
    nodes_by_layer = {}

    def index_of(node):
        key = id(node)
        if key not in local_index:
            count = nodes_by_layer.get(id(node.layer), 0)
            local_index[key] = count
            nodes_by_layer[id(node.layer)] = count + 1
        return local_index[key]

    for t in model.inputs:
        index_of(t._keras_history[0]._inbound_nodes[t._keras_history[1]])
    for node in model._nodes:
        index_of(node)
    layer_configs = []
    for layer in model.layers:
        inbound = []
        if not isinstance(layer, InputLayer):
            for node in model._nodes:
                if node.layer is not layer:
                    continue
                refs = _encode_args(node.args, local_index)
                inbound.append({"args": refs, "kwargs": _encode_args(node.kwargs, local_index)})
        layer_configs.append({**serialize_layer(layer), "name": layer.name,
                              "inbound_nodes": inbound})

    def ref(t):
        layer, index, out = t._keras_history
        return [layer.name, local_index[id(layer._inbound_nodes[index])], out]
    return {"name": model.name, "layers": layer_configs,
            "input_layers": _encode_structure(model._nested_inputs, ref),
            "output_layers": _encode_structure(model._nested_outputs, ref)}


def _encode_structure(structure, fn):
    if isinstance(structure, dict):
        return {"__dict__": {k: _encode_structure(v, fn) for k, v in structure.items()}}
    if isinstance(structure, (list, tuple)):
        return {"__list__": [_encode_structure(v, fn) for v in structure]}
    return fn(structure)


def _decode_structure(encoded, fn):
    if isinstance(encoded, dict) and "__dict__" in encoded:
        inner = require_dict(encoded["__dict__"], "An encoded dict")
        return {k: _decode_structure(v, fn) for k, v in inner.items()}
    if isinstance(encoded, dict) and "__list__" in encoded:
        if not isinstance(encoded["__list__"], list):
            raise InvalidArgumentError(f"An encoded list must be a list, got "
                                       f"{encoded['__list__']!r:.60}")
        return [_decode_structure(v, fn) for v in encoded["__list__"]]
    return fn(encoded)


def _encode_args(structure, local_index):
    from graphflow.keras.layers.base import KerasTensor

    def one(value):
        if isinstance(value, KerasTensor):
            layer, index, out = value._keras_history
            return {"__tensor__": [layer.name, local_index[id(layer._inbound_nodes[index])], out]}
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        raise InvalidArgumentError(
            f"Cannot save a layer call argument of type {type(value).__name__}; only tensors and "
            "plain Python values can be serialized")
    return _encode_structure(structure, one)


def _check_ref(ref, where):
    """[layer name, node index, tensor index] from a config."""
    if not (isinstance(ref, list) and len(ref) == 3 and isinstance(ref[0], str) and
            all(isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in ref[1:])):
        raise InvalidArgumentError(
            f"{where}: a tensor reference must be [layer name, node index, tensor index], got "
            f"{ref!r:.80}")
    return ref


def _pick(produced, ref, where):
    from graphflow.utils import nest
    flat = nest.flatten(produced) if isinstance(produced, (list, tuple, dict)) else [produced]
    if ref[2] >= len(flat):
        raise InvalidArgumentError(
            f"{where}: layer {ref[0]!r} call {ref[1]} has {len(flat)} output(s), no output "
            f"{ref[2]}")
    return flat[ref[2]]


class _NotYet(Exception):
    """An input of a layer call that has not been produced yet (resolved on a later pass)."""


def functional_from_config(config, custom_objects=None):
    """A functional Model from `functional_config` output, every field and reference checked."""
    from graphflow.keras.layers.base import InputLayer
    from graphflow.keras.models import Model
    require_dict(config, "The config of a functional model")
    entries = config.get("layers")
    if not isinstance(entries, list):
        raise InvalidArgumentError(
            f"The config of functional model {config.get('name')!r} needs a 'layers' list")
    layers, outputs, pending = {}, {}, []
    for n, entry in enumerate(entries):
        require_dict(entry, f"Layer entry {n} of the model config")
        name = entry.get("name")
        if not isinstance(name, str):
            raise InvalidArgumentError(f"Layer entry {n} of the model config needs a string "
                                       f"'name', got {name!r:.60}")
        if name in layers:
            raise InvalidArgumentError(f"The model config names layer {name!r} twice")
        nodes = entry.get("inbound_nodes", [])
        if not isinstance(nodes, list) or not all(
                isinstance(node, dict) and "args" in node for node in nodes):
            raise InvalidArgumentError(
                f"Layer {name!r}: 'inbound_nodes' must be a list of {{'args', 'kwargs'}} objects")
        layer = deserialize_layer(entry, custom_objects)
        layers[name] = layer
        if isinstance(layer, InputLayer):
            outputs[(name, 0)] = layer._inbound_nodes[0].outputs
        pending += [(name, i, node) for i, node in enumerate(nodes)]
    while pending:
        progressed = False
        for item in list(pending):
            name, i, node = item
            where = f"layer {name!r} call {i}"

            def resolve(ref):
                if isinstance(ref, dict) and "__tensor__" in ref:
                    ref = _check_ref(ref["__tensor__"], where)
                    if ref[0] not in layers:
                        raise InvalidArgumentError(
                            f"{where} takes an input from layer {ref[0]!r}, which the model "
                            "config does not define")
                    produced = outputs.get((ref[0], ref[1]))
                    if produced is None:
                        raise _NotYet
                    return _pick(produced, ref, where)
                return ref
            try:
                args = _decode_structure(node["args"], resolve)
                kwargs = _decode_structure(node.get("kwargs", {"__dict__": {}}), resolve)
            except _NotYet:
                continue
            if not isinstance(args, list) or not args or not isinstance(kwargs, dict):
                raise InvalidArgumentError(f"{where}: args must be a non-empty list and kwargs "
                                           "a dict")
            outputs[(name, i)] = layers[name](*args, **kwargs)
            pending.remove(item)
            progressed = True
        if not progressed:
            names = sorted({name for name, _, _ in pending})
            raise InvalidArgumentError(
                f"Model config is inconsistent: the inputs of layers {names[:5]} never appear "
                "(a missing layer call or a cycle)")

    def ref(r):
        r = _check_ref(r, "the model's inputs/outputs")
        produced = outputs.get((r[0], r[1]))
        if produced is None:
            raise InvalidArgumentError(
                f"The model's inputs/outputs refer to layer {r[0]!r} call {r[1]}, which the "
                "model config does not define")
        return _pick(produced, r, "the model's inputs/outputs")
    if "input_layers" not in config or "output_layers" not in config:
        raise InvalidArgumentError("The functional model config needs 'input_layers' and "
                                   "'output_layers'")
    inputs = _decode_structure(config["input_layers"], ref)
    outs = _decode_structure(config["output_layers"], ref)
    name = config.get("name")
    if name is not None and not isinstance(name, str):
        raise InvalidArgumentError(f"Model name must be a string, got {name!r:.60}")
    return Model(inputs, outs, name=name)


# -- compile() settings ----------------------------------------------------------------------------

def compile_config(model):
    """The compile() arguments as JSON-able values, or None when they are not serializable
    (custom callables): the model then loads uncompiled."""
    if not getattr(model, "compiled", False) or model.optimizer is None:
        return None
    from graphflow.keras import losses, optimizers
    try:
        config = {
            "optimizer": optimizers.serialize(model.optimizer),
            "loss": _plain(model._loss_spec, losses.serialize),
            "metrics": _plain(model._metrics_spec, None),
            "weighted_metrics": _plain(model._weighted_metrics_spec, None),
            "loss_weights": model._loss_weights_spec,
        }
        json.dumps(config)
        return config
    except (TypeError, ValueError, AttributeError, InvalidArgumentError):
        return None


def _plain(spec, serialize):
    if spec is None or isinstance(spec, (str, int, float)):
        return spec
    if isinstance(spec, dict):
        return {k: _plain(v, serialize) for k, v in spec.items()}
    if isinstance(spec, (list, tuple)):
        return [_plain(v, serialize) for v in spec]
    if serialize is not None:
        return serialize(spec)
    raise TypeError("not serializable")


def check_compile_config(config, source):
    """The compile() keyword arguments from a saved compile section, checked."""
    require_dict(config, f"{source}: the compile section")
    if "optimizer" not in config:
        raise InvalidArgumentError(f"{source}: the compile section has no 'optimizer'")
    if not isinstance(config["optimizer"], (dict, str)):
        raise InvalidArgumentError(f"{source}: the compile section's optimizer must be a config "
                                   f"dict or a name, got {config['optimizer']!r:.60}")

    def names_only(spec, what):
        # metrics are saved as names only; a config dict here would be built at the first fit
        if spec is None or isinstance(spec, str):
            return
        if isinstance(spec, list):
            for s in spec:
                names_only(s, what)
        elif isinstance(spec, dict) and "class_name" not in spec:
            for s in spec.values():
                names_only(s, what)
        else:
            raise InvalidArgumentError(f"{source}: compile {what} must be metric names, got "
                                       f"{spec!r:.80}")
    names_only(config.get("metrics"), "metrics")
    names_only(config.get("weighted_metrics"), "weighted_metrics")
    weights = config.get("loss_weights")
    flat = list(weights.values()) if isinstance(weights, dict) else \
        weights if isinstance(weights, list) else [] if weights is None else [weights]
    if not all(isinstance(w, (int, float)) and not isinstance(w, bool) for w in flat):
        raise InvalidArgumentError(f"{source}: compile loss_weights must be numbers, got "
                                   f"{weights!r:.80}")
    loss = config.get("loss")
    if loss is not None and not isinstance(loss, (str, dict, list)):
        raise InvalidArgumentError(f"{source}: compile loss must be a name or a config, got "
                                   f"{loss!r:.80}")
    return {"optimizer": config["optimizer"], "loss": loss, "metrics": config.get("metrics"),
            "weighted_metrics": config.get("weighted_metrics"), "loss_weights": weights}
