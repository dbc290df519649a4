"""Keras 3 files: `.keras` archives written by Keras 3 (config.json + model.weights.h5) and
`.weights.h5` weight files in Keras's HDF5 layout. Needs h5py (`pip install graphflow[h5]`).

Keras 3's weights file holds each layer's own variables as datasets "0", "1", ... of a group
`<path>/vars`. A Sequential or functional model keeps its layers under `layers/<key>`, <key> the
snake-cased class name made unique within its container in the order of the model's layers
(dense, dense_1, conv2d, ...); a layer's sublayers sit under their attribute names
(`layers/lstm/cell/vars`, `layers/bidirectional/forward_layer/cell/vars`,
`layers/rnn/cell/cells/lstm_cell_1/vars`, `layers/time_distributed/layer/vars`), as do a
subclassed model's (`block/proj/vars`); MultiHeadAttention's projections are Keras's EinsumDense
sublayers (`layers/multi_head_attention/query_dense/vars`). Reading maps keys to layers through
the config's layer order (Keras's order), so a functional model loads whatever order graphflow
lists its layers in. Every array is checked (shape, dtype kind) before any variable changes.

Keras 2's HDF5 weights layout (root attribute `layer_names`, each layer group's `weight_names`:
the pretrained keras.applications files) is read too, layers with weights matched in order as
Keras's legacy loader does.

A Keras 3 config is translated to graphflow's layer arguments: Keras's bookkeeping keys
(module, registered_name, build_config, DTypePolicy, ...) are dropped, and an argument that
graphflow's layer does not take is dropped only when it holds Keras's default (groups=1,
sparse=False, ...); any other value raises UnimplementedError naming the layer and argument.
"""
import inspect
import io

import numpy as np

from graphflow.errors import InvalidArgumentError, UnimplementedError
from graphflow.keras.layers.base import _unique, snake_case

# Keras arguments graphflow's layers do not take, dropped when they hold these (default) values
_IGNORABLE = {"groups": (1,), "sparse": (False,), "ragged": (False,), "optional": (False,),
              "data_format": ("channels_last",), "quantization_config": (None,),
              "lora_rank": (None,), "lora_alpha": (None,), "synchronized": (False,),
              "use_ema": (False,), "ema_momentum": (0.99,), "ema_overwrite_frequency": (None,),
              "loss_scale_factor": (None,), "gradient_accumulation_steps": (None,),
              "input_length": (None,), "sparse_gradient": (False,), "autocast": (True,),
              "renorm": (False,), "renorm_momentum": (0.99,), "rms_scaling": (False,)}
_BOOKKEEPING = ("module", "registered_name", "shared_object_id", "build_config",
                "compile_config", "inbound_nodes")


def require_h5py(what):
    try:
        import h5py
    except ImportError:
        raise ImportError(f"{what} needs h5py to read and write Keras's HDF5 weights: "
                          "pip install graphflow[h5]") from None
    return h5py


def is_keras3_archive(archive):
    return "model.weights.h5" in archive and "config.json" in archive and \
        "weights.npz" not in archive


# -- configs -------------------------------------------------------------------------------------

def _accepted(cls):
    """The keyword arguments `cls(...)` takes, following **kwargs up the MRO."""
    names = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        params = inspect.signature(init).parameters.values()
        names |= {p.name for p in params if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)}
        names |= set(getattr(klass, "_ALLOWED_KWARGS", ()))
        if not any(p.kind is p.VAR_KEYWORD for p in params):
            break
    cell = getattr(cls, "_cell_class", None)
    if cell is not None:  # SimpleRNN, LSTM, GRU pass their cell's arguments through **kwargs
        names |= _accepted(cell)
    names.discard("self")
    return names


def _clean_value(value):
    """Nested {"class_name", "config"} objects (initializers, regularizers, ...) without Keras's
    bookkeeping and without None-valued options (Keras's "not used")."""
    if isinstance(value, dict):
        if value.get("class_name") == "DTypePolicy":
            return value.get("config", {}).get("name")
        if value.get("class_name") == "__tuple__":
            return tuple(_clean_value(v) for v in value.get("config", {}).get("value", []))
        if "class_name" in value and "config" in value:
            out = {k: v for k, v in value.items() if k not in _BOOKKEEPING}
            if isinstance(out["config"], dict):
                out["config"] = {k: _clean_value(v) for k, v in out["config"].items()
                                 if v is not None}
            return out
        return {k: _clean_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean_value(v) for v in value]
    return value


def layer_arguments(cls, config, where):
    """graphflow constructor arguments for `cls` from a Keras 3 layer config."""
    config = dict(config)
    if "batch_shape" in config:  # InputLayer
        config["batch_input_shape"] = config.pop("batch_shape")
    accepted = _accepted(cls)
    out = {}
    for key, value in config.items():
        value = _clean_value(value)
        if key in accepted:
            out[key] = _nested_layers(value, where)
        elif value in _IGNORABLE.get(key, ()) or (value is None and key not in _IGNORABLE):
            continue
        else:
            raise UnimplementedError(
                f"{where}: graphflow's {cls.__name__} has no argument {key!r} (the file sets "
                f"it to {value!r:.80})")
    return out


def _nested_layers(value, where):
    """Layer configs inside a layer's config (RNN's cell, StackedRNNCells' cells,
    Bidirectional's and TimeDistributed's layer) translated like top-level ones; other values
    (initializers, constraints, ...) unchanged."""
    if isinstance(value, list):
        return [_nested_layers(v, where) for v in value]
    if isinstance(value, dict) and isinstance(value.get("config"), dict):
        cls = _find_layer_class(value)
        if cls is not None:
            inner = value["config"]
            return {**value, "config": layer_arguments(
                cls, inner, f"{where}, its sublayer {inner.get('name')!r} "
                f"({value.get('class_name')})")}
    return value


def _find_layer_class(entry, custom_objects=None):
    """The layer class a {"class_name", "registered_name"} entry names, or None."""
    from graphflow.keras.layers.base import Layer
    from graphflow.keras.object_registration import get_registered_object
    from graphflow.keras.saving.config import layer_classes
    for key in (entry.get("registered_name"), entry.get("class_name")):
        if isinstance(key, str):
            cls = get_registered_object(key, custom_objects) or layer_classes().get(key)
            if isinstance(cls, type) and issubclass(cls, Layer):
                return cls
    return None


def _layer_class(entry, where, custom_objects):
    name = entry.get("class_name")
    cls = _find_layer_class(entry, custom_objects)
    if cls is None:
        raise InvalidArgumentError(
            f"{where}: unknown layer class {name!r}: graphflow has no such layer and it is not "
            "a registered custom object (pass custom_objects=, or register it with "
            "keras.utils.register_keras_serializable)")
    return cls


def model_from_keras3_config(config, source, custom_objects=None):
    """A graphflow model from a Keras 3 model config ({"class_name", "config"})."""
    from graphflow.keras.models import Sequential
    if not isinstance(config, dict) or "class_name" not in config:
        raise InvalidArgumentError(f"{source}: config.json is not a Keras model config")
    kind = config["class_name"]
    inner = config.get("config")
    if not isinstance(inner, dict):
        raise InvalidArgumentError(f"{source}: the model config has no 'config' object")
    if kind == "Sequential":
        layers = [_build_layer(e, source, custom_objects) for e in inner.get("layers", [])]
        model = Sequential(layers, name=inner.get("name"))
        shape = (config.get("build_config") or {}).get("input_shape")
        if not model.built and shape is not None:
            model.build(tuple(shape))
        return model
    if kind in ("Functional", "Model") and "layers" in inner:
        return _functional(inner, source, custom_objects)
    cls = _layer_class(config, f"{source}: model", custom_objects)
    return cls.from_config(layer_arguments(cls, inner, f"{source}: model {kind}"))


def _build_layer(entry, source, custom_objects):
    if not isinstance(entry, dict) or not isinstance(entry.get("config"), dict):
        raise InvalidArgumentError(f"{source}: a layer entry is not a {{class_name, config}} "
                                   f"object: {entry!r:.80}")
    if entry.get("class_name") in ("Sequential", "Functional", "Model"):
        return model_from_keras3_config(entry, source, custom_objects)
    cls = _layer_class(entry, f"{source}: layer {entry['config'].get('name')!r}", custom_objects)
    where = f"{source}: layer {entry['config'].get('name')!r} ({entry.get('class_name')})"
    try:
        return cls.from_config(layer_arguments(cls, entry["config"], where))
    except (TypeError, ValueError) as e:
        if isinstance(e, InvalidArgumentError) and str(e).startswith(str(source)):
            raise
        raise InvalidArgumentError(f"{where}: cannot build it from its config: {e}") from e


def _functional(inner, source, custom_objects):
    from graphflow.keras.layers.base import InputLayer
    from graphflow.keras.models import Model
    from graphflow.utils import nest
    layers, produced = {}, {}
    entries = inner["layers"]
    for entry in entries:
        layer = _build_layer(entry, source, custom_objects)
        name = entry.get("name") or layer.name
        layers[name] = layer
        if isinstance(layer, InputLayer):
            produced[(name, 0)] = layer._inbound_nodes[0].outputs
    pending = [(e.get("name"), i, node) for e in entries
               for i, node in enumerate(e.get("inbound_nodes", []))]

    class NotYet(Exception):
        pass

    def resolve(value):
        if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
            history = value.get("config", {}).get("keras_history")
            if not (isinstance(history, list) and len(history) == 3):
                raise InvalidArgumentError(f"{source}: bad keras_history {history!r:.60}")
            out = produced.get((history[0], history[1]))
            if out is None:
                if history[0] not in layers:
                    raise InvalidArgumentError(
                        f"{source}: a layer takes the output of {history[0]!r}, which the "
                        "config does not define")
                raise NotYet
            return nest.flatten(out)[history[2]]
        if isinstance(value, dict):
            if value.get("class_name") == "__tuple__":
                return tuple(resolve(v) for v in value.get("config", {}).get("value", []))
            return {k: resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [resolve(v) for v in value]
        return value

    while pending:
        progressed = False
        for item in list(pending):
            name, i, node = item
            try:
                args = resolve(node.get("args", []))
                kwargs = resolve(node.get("kwargs", {}))
            except NotYet:
                continue
            produced[(name, i)] = layers[name](*args, **kwargs)
            pending.remove(item)
            progressed = True
        if not progressed:
            raise InvalidArgumentError(
                f"{source}: the model config's layer graph is inconsistent (layers "
                f"{sorted({p[0] for p in pending})[:5]} never get their inputs)")

    def tensors(refs):
        if isinstance(refs, list) and len(refs) == 3 and isinstance(refs[0], str):
            return produced[(refs[0], refs[1])] if refs[2] == 0 and not isinstance(
                produced[(refs[0], refs[1])], (list, tuple)) else \
                nest.flatten(produced[(refs[0], refs[1])])[refs[2]]
        if isinstance(refs, dict):
            return {k: tensors(v) for k, v in refs.items()}
        return [tensors(r) for r in refs]
    model = Model(tensors(inner["input_layers"]), tensors(inner["output_layers"]),
                  name=inner.get("name"))
    model._keras3_layer_order = [e.get("name") for e in entries]
    return model


# -- weights -------------------------------------------------------------------------------------

def _container_keys(layers):
    """Keras 3's unique keys for a list of layers: snake-cased class names, numbered by
    repetition (dense, dense_1, ...)."""
    used, keys = {}, []
    for layer in layers:
        name = snake_case(type(layer).__name__)
        if name in used:
            used[name] += 1
            name = f"{name}_{used[name]}"
        else:
            used[name] = 0
        keys.append(name)
    return keys


def _keras_layers(model):
    """The model's layers in Keras 3's order: the loaded config's order when the model came
    from a Keras file, else model.layers (a Sequential lists no InputLayer, as Keras)."""
    from graphflow.keras.layers.base import InputLayer
    from graphflow.keras.models import Sequential
    layers = list(model.layers)
    order = getattr(model, "_keras3_layer_order", None)
    if order:
        by_name = {l.name: l for l in layers}
        layers = [by_name[n] for n in order if n in by_name] + \
            [l for l in layers if l.name not in order]
    if isinstance(model, Sequential):
        layers = [l for l in layers if not isinstance(l, InputLayer)]
    return layers


def _own_variables(layer):
    """The variables `layer` itself created (not its sublayers'), trainable ones first: what
    Keras 3's Layer.save_own_variables writes."""
    tracked = list(layer._own_variables())  # variables assigned as attributes
    # Keras lists trainable variables first, attribute-assigned ones included
    # (SpectralNormalization's kernel comes before its non-trainable vector_u)
    return _unique(list(layer._trainable_weights) + [v for v in tracked if v.trainable] +
                   list(layer._non_trainable_weights) + [v for v in tracked if not v.trainable])


def _mha_groups(layer):
    # Keras 3 keeps these in EinsumDense sublayers (query_dense, ...); graphflow's layer owns
    # the variables itself
    gate = [("_gate_dense", "gate", (layer.gate_kernel, layer.gate_bias))] \
        if layer.use_gate else []
    return [(key, name, [v for v in pair if v is not None]) for key, name, pair in gate + [
        ("key_dense", "key", (layer.key_kernel, layer.key_bias)),
        ("output_dense", "attention_output", (layer.output_kernel, layer.output_bias)),
        ("query_dense", "query", (layer.query_kernel, layer.query_bias)),
        ("value_dense", "value", (layer.value_kernel, layer.value_bias))]]


def _gqa_groups(layer):
    # Keras 3.15's GroupedQueryAttention keeps them in private EinsumDense attributes, which
    # its walk visits in sorted order
    gate = [("_gate_dense", "gate", (layer.gate_kernel, layer.gate_bias))] \
        if layer.use_gate else []
    return [(key, name, [v for v in pair if v is not None]) for key, name, pair in gate + [
        ("_key_dense", "key", (layer.key_kernel, layer.key_bias)),
        ("_output_dense", "attention_output", (layer.output_kernel, layer.output_bias)),
        ("_query_dense", "query", (layer.query_kernel, layer.query_bias)),
        ("_value_dense", "value", (layer.value_kernel, layer.value_bias))]]


def _variable_groups():
    """{layer class: function(layer) -> [(key, name, variables)]}: layers whose Keras 3 twin
    keeps these variables in sublayers graphflow's layer does not have (the first class a
    layer is an instance of wins, so subclasses come first)."""
    from graphflow.keras.layers.attention import MultiHeadAttention
    from graphflow.keras.layers.grouped_attention import GroupedQueryAttention
    return {GroupedQueryAttention: _gqa_groups, MultiHeadAttention: _mha_groups}


# attributes of graphflow's Layer that hold layers but are no sublayers in Keras's walk
_NOT_SUBLAYERS = frozenset({"_layers", "_inbound_nodes", "_outbound_nodes"})


def _children(layer):
    """[(attribute, sublayer or list of sublayers)] as Keras 3's saving walks a layer: its
    attributes (lists, tuples and dicts of layers too) in sorted order, private ones last
    (RNN.cell, StackedRNNCells.cells, Bidirectional.backward_layer/forward_layer,
    TimeDistributed.layer)."""
    from graphflow.keras.layers.base import Layer
    found = []
    for attr, value in vars(layer).items():
        if attr in _NOT_SUBLAYERS:
            continue
        if isinstance(value, Layer) and value is not layer:
            found.append((attr, value))
        elif isinstance(value, (list, tuple, dict)):
            # Keras keys a container's layers by class name and skips its other items
            items = value.values() if isinstance(value, dict) else value
            sublayers = [v for v in items if isinstance(v, Layer) and v is not layer]
            if sublayers:
                found.append((attr, sublayers))
    return sorted(found, key=lambda item: "~" + item[0] if item[0].startswith("_") else item[0])


def _entries(model):
    """(h5 group, name, variables, description) for every layer of Keras 3's weights tree of
    `model`, in Keras's walk order: the model's own `vars`, `layers/<key>` for the layers of a Sequential
    or functional model (nested models recursing), and the sublayers of layers and of subclassed
    models under their attribute names
    (`layers/lstm/cell/vars`, `layers/rnn/cell/cells/lstm_cell/vars`, ...). A layer reached
    twice (shared) is listed once, where Keras first reaches it."""
    from graphflow.keras.models import Model, Sequential
    visited = set()
    groups_of = _variable_groups()

    def walk(layer, path, trail):
        if id(layer) in visited:
            return
        visited.add(id(layer))
        vars_path = f"{path}/vars" if path else "vars"
        if isinstance(layer, Sequential) or (isinstance(layer, Model) and
                                             layer._is_graph_network):
            # a subclassed model is walked like a layer, by its attributes
            yield vars_path, layer.name, [], trail
            children = [("layers", _keras_layers(layer))]
        else:
            groups = next((f for cls, f in groups_of.items() if isinstance(layer, cls)), None)
            if groups is None:
                yield vars_path, layer.name, _own_variables(layer), trail
            else:
                grouped = groups(layer)
                inside = {id(v) for _, _, vs in grouped for v in vs}
                yield vars_path, layer.name, \
                    [v for v in _own_variables(layer) if id(v) not in inside], trail
                for key, name, variables in grouped:
                    yield f"{path}/{key}/vars", name, variables, trail
            children = _children(layer)
        for key, child in children:
            if isinstance(child, list):
                for sub, name in zip(child, _container_keys(child)):
                    yield from walk(sub, f"{path}/{key}/{name}".lstrip("/"), trail + [sub])
            else:
                yield from walk(child, f"{path}/{key}".lstrip("/"), trail + [child])
    return [(path, name, variables, _describe(trail, model))
            for path, name, variables, trail in walk(model, "", [])]


def _describe(trail, model):
    """"layer 'lstm' (LSTM), its sublayer 'lstm_cell' (LSTMCell)" for error messages."""
    if not trail:
        return f"model {model.name!r}"
    out = f"layer {trail[0].name!r} ({type(trail[0]).__name__})"
    if len(trail) > 1:
        out += f", its sublayer {trail[-1].name!r} ({type(trail[-1]).__name__})"
    return out


def _plan(model, group, source):
    """[(variable, array)] for every weight of `model` from the h5 file `group`."""
    plan = []
    for path, _, variables, what in _entries(model):
        if not variables:
            continue
        vars_group = group.get(path)
        if vars_group is None or hasattr(vars_group, "shape"):
            raise InvalidArgumentError(
                f"{source}: {what} has weights {[v.name for v in variables]} but the file has "
                f"no '{path}' group (another architecture, or a layer graphflow lays out "
                "differently from Keras)")
        if len(vars_group) != len(variables):
            raise InvalidArgumentError(
                f"{source}: {what} has {len(variables)} weights here "
                f"{[v.name for v in variables]} but '{path}' holds {len(vars_group)}")
        for i, var in enumerate(variables):
            data = vars_group.get(str(i))
            if data is None or not hasattr(data, "shape"):
                raise InvalidArgumentError(f"{source}: {what}: '{path}/{i}' (weight "
                                           f"{var.name!r}) is missing")
            want = tuple(var.shape.as_list())
            if tuple(data.shape) != want:
                raise InvalidArgumentError(
                    f"{source}: {what}: weight {var.name!r} has shape {want} but "
                    f"'{path}/{i}' has shape {tuple(data.shape)}")
            if np.dtype(data.dtype).kind != np.dtype(var.dtype.np).kind and not (
                    np.dtype(data.dtype).kind in "iu" and np.dtype(var.dtype.np).kind in "iu"):
                raise InvalidArgumentError(
                    f"{source}: {what}: weight {var.name!r} is {var.dtype.name} but "
                    f"'{path}/{i}' holds {data.dtype}")
            plan.append((var, np.asarray(data[()]).astype(var.dtype.np)))
    return plan


def _h5_attribute(group, name):
    """A list-of-names attribute, which Keras 2 splits into name0, name1, ... when it is big."""
    if name in group.attrs:
        values = list(group.attrs[name])
    else:
        values, chunk = [], 0
        while f"{name}{chunk}" in group.attrs:
            values.extend(group.attrs[f"{name}{chunk}"])
            chunk += 1
    return [v.decode("utf8") if isinstance(v, bytes) else str(v) for v in values]


def _legacy_plan(model, f, source):
    """[(variable, array)] from a Keras 2 HDF5 weights file (the layout of the pretrained
    keras.applications files: `layer_names`, each layer group's `weight_names`). As Keras's
    legacy loader does, layers with weights are matched in order, each layer's trainable then
    non-trainable weights to its `weight_names`."""
    layers = [layer for layer in model.layers
              if layer.trainable_weights or layer.non_trainable_weights]
    names = [name for name in _h5_attribute(f, "layer_names")
             if name in f and _h5_attribute(f[name], "weight_names")]
    if len(names) != len(layers):
        raise InvalidArgumentError(
            f"{source}: the file holds weights for {len(names)} layers, the model has "
            f"{len(layers)} layers with weights (another architecture?)")
    plan = []
    for name, layer in zip(names, layers):
        group = f[name]
        weight_names = _h5_attribute(group, "weight_names")
        variables = list(layer.trainable_weights) + list(layer.non_trainable_weights)
        if len(weight_names) != len(variables):
            raise InvalidArgumentError(
                f"{source}: layer {layer.name!r} ({type(layer).__name__}) has "
                f"{len(variables)} weights but the file's layer {name!r} holds "
                f"{len(weight_names)}")
        for var, weight_name in zip(variables, weight_names):
            data = group.get(weight_name)
            want = tuple(var.shape.as_list())
            if data is None or not hasattr(data, "shape"):
                raise InvalidArgumentError(f"{source}: '{name}/{weight_name}' is missing")
            if tuple(data.shape) != want:
                raise InvalidArgumentError(
                    f"{source}: layer {layer.name!r}: weight {var.name!r} has shape {want} "
                    f"but '{name}/{weight_name}' has shape {tuple(data.shape)}")
            plan.append((var, np.asarray(data[()]).astype(var.dtype.np)))
    return plan


def read_h5_weights(model, data, source):
    """The checked (variable, array) plan of a Keras 3 weights file's bytes, or of a Keras 2
    HDF5 weights (or whole-model) file's (nothing assigned)."""
    h5py = require_h5py(f"Loading {source}")
    try:
        f = h5py.File(io.BytesIO(data), "r")
    except OSError as e:
        raise InvalidArgumentError(f"{source}: not an HDF5 weights file ({e})") from None
    with f:
        root = f
        if "layer_names" not in f.attrs and "model_weights" in f:  # a Keras 2 whole model
            root = f["model_weights"]
        if _h5_attribute(root, "layer_names"):
            return _legacy_plan(model, root, source)
        return _plan(model, f, source)


def load_h5_weights(model, filepath):
    """model.load_weights("x.weights.h5"): Keras 3's layout, all-or-nothing."""
    import os
    from graphflow.errors import NotFoundError
    if not os.path.exists(filepath):
        raise NotFoundError(f"load_weights: no such file {filepath!r}")
    with open(filepath, "rb") as fh:
        plan = read_h5_weights(model, fh.read(), filepath)
    for var, array in plan:
        var.assign(array)


def h5_weights_bytes(model):
    """The Keras 3 weights layout of `model` as HDF5 bytes."""
    h5py = require_h5py("Saving .weights.h5 files")
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        for path, name, variables, _ in _entries(model):
            group = f.create_group(path)
            group.attrs["name"] = name
            for i, var in enumerate(variables):
                group.create_dataset(str(i), data=var.numpy())
    return buffer.getvalue()


def save_h5_weights(model, filepath, overwrite=True):
    from graphflow.keras.saving.archive import atomic_write
    atomic_write(filepath, h5_weights_bytes(model), overwrite)


# -- whole .keras archives ----------------------------------------------------------------------

def load_keras3_archive(archive, custom_objects=None, compile=True):  # noqa: A002
    """A model from a Keras 3 .keras archive: architecture, weights, compile settings."""
    from graphflow.keras.layers.base import weight_budget
    from graphflow.keras.saving import _reporting
    from graphflow.keras.saving.config import parse_json
    from graphflow.keras.object_registration import custom_object_scope
    source = archive.source
    require_h5py(f"Loading the Keras 3 file {source}")
    config = parse_json(archive.read("config.json", archive.budget), source, "config.json")
    with _reporting(source, "the model from its Keras 3 config"), \
            custom_object_scope(custom_objects), weight_budget(archive.budget, source):
        model = model_from_keras3_config(config, source, custom_objects)
    data = archive.read("model.weights.h5", archive.budget)
    plan = read_h5_weights(model, data, f"{source} (model.weights.h5)")
    settings = config.get("compile_config") if isinstance(config, dict) else None
    optimizer_plan = []
    if compile and isinstance(settings, dict) and settings.get("optimizer") is not None:
        with _reporting(source, "the compile settings"), custom_object_scope(custom_objects):
            _compile(model, settings, source)
        optimizer_plan = _optimizer_plan(model, data, f"{source} (model.weights.h5)")
    from graphflow.keras.saving.weights import assign_all
    assign_all(plan, optimizer_plan, model.optimizer if optimizer_plan else None)
    return model


def _keras_trainable_variables(model):
    """model.trainable_variables in Keras 3's order (layers in the config's order)."""
    from graphflow.keras.models import Model
    out = []
    for layer in _keras_layers(model):
        out += _keras_trainable_variables(layer) if isinstance(layer, Model) else \
            list(layer.trainable_weights)
    return out


def _optimizer_plan(model, data, source):
    """[(target, array)] restoring the optimizer from Keras 3's `optimizer/vars`: iterations,
    the learning rate (absent with a schedule), then each trainable variable's slots in the
    optimizer's slot order (graphflow's slot names and order are Keras's). A file whose
    optimizer state does not fit gets a warning and a fresh optimizer, as Keras does."""
    import warnings
    h5py = require_h5py(f"Loading {source}")
    optimizer = model.optimizer
    with h5py.File(io.BytesIO(data), "r") as f:
        group = f.get("optimizer/vars")
        if group is None or len(group) == 0:
            return []
        arrays = [np.asarray(group[str(i)][()]) for i in range(len(group)) if str(i) in group]
    variables = _keras_trainable_variables(model)
    slots = list(optimizer._slot_names)
    expected = len(variables) * len(slots)
    has_lr = len(arrays) == expected + 2
    if not has_lr and len(arrays) != expected + 1:
        warnings.warn(f"{source}: the optimizer state holds {len(arrays)} variables but "
                      f"{type(optimizer).__name__} of this model needs {expected + 2}; "
                      "skipping it (the optimizer starts fresh)", stacklevel=3)
        return []
    plan = [(optimizer.iterations, arrays[0].astype(np.int64))]
    rest = arrays[1:]
    if has_lr:
        if optimizer._schedule is None:
            plan.append((optimizer._learning_rate, rest[0].astype(np.float32)))
        rest = rest[1:]
    k = 0
    for var in variables:
        for slot in slots:
            array = rest[k]
            k += 1
            if tuple(array.shape) != tuple(var.shape.as_list()):
                warnings.warn(f"{source}: optimizer slot {slot!r} of {var.name!r} has shape "
                              f"{array.shape}, not {tuple(var.shape.as_list())}; skipping the "
                              "optimizer state", stacklevel=3)
                return []
            plan.append(((var, slot), array.astype(var.dtype.np)))
    return plan


def _compile(model, settings, source):
    from graphflow.keras import optimizers
    opt = settings.get("optimizer")
    if isinstance(opt, dict):
        cls = optimizers.get(opt.get("class_name", "")).__class__ \
            if isinstance(opt.get("class_name"), str) else None
        args = layer_arguments(cls, opt.get("config", {}), f"{source}: optimizer") if cls \
            else {}
        opt = cls(**args)
    from graphflow.keras import losses

    def revive(spec):  # Loss configs back to Loss objects (a dict may map outputs to losses)
        if isinstance(spec, dict) and "class_name" in spec:
            return losses.deserialize(_clean_value(spec))
        if isinstance(spec, dict):
            return {k: revive(v) for k, v in spec.items()}
        if isinstance(spec, list):
            return [revive(v) for v in spec]
        return spec
    model.compile(optimizer=opt if opt is not None else "rmsprop",
                  loss=revive(settings.get("loss")),
                  metrics=_clean_value(settings.get("metrics")),
                  weighted_metrics=_clean_value(settings.get("weighted_metrics")),
                  loss_weights=settings.get("loss_weights"))

