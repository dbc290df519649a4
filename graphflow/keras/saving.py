"""Saving and loading models and weights, without pickle.

File format (".keras", a zip archive):
  metadata.json       {"format": "graphflow.keras", "version": 1, "graphflow_version": ...}
  config.json         {"class_name": ..., "config": ...}: the model architecture
  compile.json        optional: the compile() arguments, when they are serializable
  weights.npz         one .npy entry per weight, "<layer position>_<layer class>/<index>", read
                      with allow_pickle=False
`save_weights` writes the weights archive alone (any file name). Every write goes to a temporary
file in the target's directory and is renamed over it, so a crash mid-save leaves the previous
file intact. Truncated or foreign files raise graphflow.errors.InvalidArgumentError.

    >>> from graphflow import keras
    >>> import os, tempfile
    >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    >>> path = os.path.join(tempfile.mkdtemp(), "m.keras")
    >>> model.save(path)
    >>> keras.models.load_model(path).get_weights()[0].shape
    (3, 2)
"""
import io
import json
import os
import tempfile
import zipfile

import numpy as np

from graphflow.errors import InvalidArgumentError

FORMAT = "graphflow.keras"
VERSION = 1


# -- layers <-> configs -----------------------------------------------------------------------

def _layer_classes():
    from graphflow.keras import layers, models
    classes = {}
    for module in (layers, models):
        for name in dir(module):
            obj = getattr(module, name)
            if isinstance(obj, type):
                classes[name] = obj
    return classes


def serialize_layer(layer):
    return {"class_name": type(layer).__name__, "config": layer.get_config()}


def deserialize_layer(config, custom_objects=None):
    classes = _layer_classes()
    classes.update(custom_objects or {})
    name = config.get("class_name")
    cls = classes.get(name)
    if cls is None:
        raise InvalidArgumentError(
            f"Unknown layer class {name!r}: pass it in custom_objects={{'{name}': {name}}}")
    inner = config.get("config", {})
    if hasattr(cls, "from_config"):
        try:
            return cls.from_config(inner, custom_objects) if _takes_custom(cls) else cls.from_config(inner)
        except TypeError as e:
            raise InvalidArgumentError(f"Could not rebuild layer {name!r} from its config: {e}") from None
    return cls(**inner)


def _takes_custom(cls):
    import inspect
    try:
        return "custom_objects" in inspect.signature(cls.from_config).parameters
    except (TypeError, ValueError):
        return False


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
        return {k: _decode_structure(v, fn) for k, v in encoded["__dict__"].items()}
    if isinstance(encoded, dict) and "__list__" in encoded:
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


def functional_from_config(config, custom_objects=None):
    from graphflow.keras.layers.base import InputLayer
    from graphflow.keras.models import Model
    layers, outputs = {}, {}
    for entry in config["layers"]:
        layer = deserialize_layer(entry, custom_objects)
        layers[entry["name"]] = layer
        if isinstance(layer, InputLayer):
            outputs[(entry["name"], 0)] = layer._inbound_nodes[0].outputs
    pending = [(e["name"], i, node) for e in config["layers"] for i, node in
               enumerate(e["inbound_nodes"])]
    while pending:
        progressed = False
        for item in list(pending):
            name, i, node = item

            def resolve(ref):
                if isinstance(ref, dict) and "__tensor__" in ref:
                    lname, nindex, out = ref["__tensor__"]
                    produced = outputs.get((lname, nindex))
                    if produced is None:
                        raise KeyError
                    flat = produced if isinstance(produced, list) else [produced]
                    return flat[out] if isinstance(produced, list) else produced
                return ref
            try:
                args = _decode_structure(node["args"], resolve)
                kwargs = _decode_structure(node["kwargs"], resolve)
            except KeyError:
                continue
            outputs[(name, i)] = layers[name](*args, **kwargs)
            pending.remove(item)
            progressed = True
        if not progressed:
            raise InvalidArgumentError("Model config is inconsistent: some layer inputs never appear")

    def ref(r):
        produced = outputs[(r[0], r[1])]
        return produced[r[2]] if isinstance(produced, list) else produced
    inputs = _decode_structure(config["input_layers"], ref)
    outs = _decode_structure(config["output_layers"], ref)
    return Model(inputs, outs, name=config.get("name"))


# -- weights -------------------------------------------------------------------------------------

def _weight_entries(model):
    """[(key, variable)]: '<layer position>_<layer class>/<weight index>' for each weight, layer
    by layer, so an identically built model (whatever its auto-generated layer names) matches."""
    entries, seen = [], set()
    for p, layer in enumerate(_all_layers(model)):
        for i, v in enumerate(layer.weights):
            if id(v) not in seen:
                seen.add(id(v))
                entries.append((f"{p:04d}_{type(layer).__name__}/{i}", v))
    for i, v in enumerate(model.weights):  # variables held directly by a subclassed model
        if id(v) not in seen:
            seen.add(id(v))
            entries.append((f"model/{i}", v))
    return entries


def _all_layers(model):
    return list(getattr(model, "layers", []) or getattr(model, "_layers", []))


def _weights_bytes(model):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for key, var in _weight_entries(model):
            arr = io.BytesIO()
            np.save(arr, var.numpy(), allow_pickle=False)
            z.writestr(f"{key}.npy", arr.getvalue())
    return buffer.getvalue()


def _load_weights_from_zip(model, data, source):
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        names = set(z.namelist())
    except zipfile.BadZipFile:
        raise InvalidArgumentError(f"{source}: not a graphflow weights archive (bad zip)") from None
    entries = _weight_entries(model)
    missing = [k for k, _ in entries if f"{k}.npy" not in names]
    if missing:
        raise InvalidArgumentError(
            f"{source}: the file has no weights for {missing[:5]}{'...' if len(missing) > 5 else ''}"
            f"; it holds {sorted(n[:-4] for n in names)[:8]} (a different model?)")
    values = []
    for key, var in entries:
        try:
            arr = np.load(io.BytesIO(z.read(f"{key}.npy")), allow_pickle=False)
        except (ValueError, zipfile.BadZipFile, OSError, EOFError) as e:
            raise InvalidArgumentError(f"{source}: weight {key!r} is corrupt ({e})") from None
        if arr.shape != tuple(var.shape.as_list()):
            raise InvalidArgumentError(
                f"{source}: weight {key!r} has shape {arr.shape} in the file but the model "
                f"expects {tuple(var.shape.as_list())}")
        values.append((var, arr))
    for var, arr in values:  # only assign once everything has been read and checked
        var.assign(arr.astype(var.dtype.np))


def _atomic_write(filepath, data, overwrite):
    filepath = os.fspath(filepath)
    if os.path.exists(filepath) and not overwrite:
        raise InvalidArgumentError(f"{filepath} exists and overwrite=False")
    directory = os.path.dirname(os.path.abspath(filepath))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=os.path.basename(filepath))
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, filepath)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _read(filepath):
    try:
        with open(filepath, "rb") as f:
            return f.read()
    except FileNotFoundError:
        from graphflow.errors import NotFoundError
        raise NotFoundError(f"No file or directory found at {filepath}") from None


def save_weights(model, filepath, overwrite=True):
    _atomic_write(filepath, _weights_bytes(model), overwrite)


def load_weights(model, filepath):
    data = _read(filepath)
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        if "weights.npz" in z.namelist():  # a whole-model .keras file
            data = z.read("weights.npz")
    except zipfile.BadZipFile:
        raise InvalidArgumentError(
            f"{filepath}: not a graphflow weights file (not a zip archive; truncated?)") from None
    _load_weights_from_zip(model, data, filepath)


# -- whole models --------------------------------------------------------------------------------

def _compile_config(model):
    if not getattr(model, "compiled", False):
        return None
    from graphflow.keras import losses
    try:
        config = {
            "optimizer": {"class_name": type(model.optimizer).__name__,
                          "config": model.optimizer.get_config()},
            "loss": _plain(model._loss_spec, losses.serialize),
            "metrics": _plain(model._metrics_spec, None),
            "loss_weights": model._loss_weights_spec,
        }
        json.dumps(config)
        return config
    except (TypeError, ValueError, AttributeError):
        return None  # not serializable (custom callables): load_model returns it uncompiled


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


def save_model(model, filepath, overwrite=True):
    from graphflow.keras.models import Model, Sequential
    if not isinstance(model, Sequential) and not model._is_graph_network and \
            type(model).get_config is Model.get_config:
        raise InvalidArgumentError(
            f"Model {model.name!r} is a subclassed model without get_config(); its architecture "
            "cannot be saved. Implement get_config()/from_config(), or use save_weights().")
    config = {"class_name": type(model).__name__, "config": model.get_config()}
    from graphflow import __version__
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("metadata.json", json.dumps({"format": FORMAT, "version": VERSION,
                                                "graphflow_version": __version__}))
        z.writestr("config.json", json.dumps(config))
        compile_config = _compile_config(model)
        if compile_config is not None:
            z.writestr("compile.json", json.dumps(compile_config))
        z.writestr("weights.npz", _weights_bytes(model))
    _atomic_write(filepath, buffer.getvalue(), overwrite)


def load_model(filepath, custom_objects=None, compile=True):  # noqa: A002 - Keras's argument
    """A model saved with model.save(): architecture, weights, and compile settings."""
    data = _read(filepath)
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        names = set(z.namelist())
    except zipfile.BadZipFile:
        raise InvalidArgumentError(
            f"{filepath}: not a graphflow .keras model file (not a zip archive; the file may be "
            "truncated or of another format)") from None
    if "metadata.json" not in names or "config.json" not in names:
        raise InvalidArgumentError(
            f"{filepath}: not a graphflow .keras model file (missing metadata.json/config.json)")
    try:
        metadata = json.loads(z.read("metadata.json"))
        config = json.loads(z.read("config.json"))
    except (ValueError, zipfile.BadZipFile, OSError) as e:
        raise InvalidArgumentError(f"{filepath}: corrupt model file ({e})") from None
    if metadata.get("format") != FORMAT:
        raise InvalidArgumentError(f"{filepath}: unknown format {metadata.get('format')!r}")
    if metadata.get("version", 0) > VERSION:
        raise InvalidArgumentError(
            f"{filepath}: saved by a newer graphflow (format version {metadata['version']})")
    model = deserialize_layer(config, custom_objects)
    if not model.built:
        raise InvalidArgumentError(f"{filepath}: the saved model has no input shape to build from")
    try:
        weights = z.read("weights.npz")
    except (KeyError, zipfile.BadZipFile, OSError) as e:
        raise InvalidArgumentError(f"{filepath}: the weights are missing or corrupt ({e})") from None
    _load_weights_from_zip(model, weights, filepath)
    if compile and "compile.json" in names:
        c = json.loads(z.read("compile.json"))
        from graphflow.keras import optimizers
        model.compile(optimizer=optimizers.get(c["optimizer"]), loss=c["loss"],
                      metrics=c["metrics"], loss_weights=c["loss_weights"])
    return model
