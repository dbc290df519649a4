"""Saving and loading models and weights, without pickle (keras.saving).

File format (".keras", a zip archive):
  metadata.json       {"format": "graphflow.keras", "version": 1, "graphflow_version": ...}
  config.json         {"class_name": ..., "config": ...}: the model architecture
  compile.json        optional: the compile() arguments, when they are serializable
  weights.npz         one .npy member per weight, "<layer position>_<layer class>/<index>"
  optimizer.json      optional, with optimizer.npz: the optimizer's iterations, learning rate,
                      other state and every slot variable, so training resumes exactly
`save_weights` writes the weights archive alone (any file name). Writes are atomic (archive.py).

Loading is defensive (archive.py, config.py, weights.py): a damaged, truncated, foreign or
malicious file raises one InvalidArgumentError naming the file and what is wrong (NotFoundError
for a missing path); a config may only name graphflow's Keras classes or registered custom
objects; nothing is decompressed or allocated beyond what the file's size allows; and weights
load all-or-nothing, so a bad file leaves an existing model unchanged.

    >>> from graphflow import keras
    >>> import os, tempfile
    >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    >>> path = os.path.join(tempfile.mkdtemp(), "m.keras")
    >>> model.save(path)
    >>> keras.models.load_model(path).get_weights()[0].shape
    (3, 2)
    >>> keras.models.model_from_json(model.to_json()).layers[0].units
    2
"""
import contextlib
import json
import os  # noqa: F401 - tests patch saving.os.replace to simulate a crash mid-save

from graphflow.errors import GraphflowError, InvalidArgumentError
from graphflow.keras.object_registration import (  # noqa: F401
    CustomObjectScope, custom_object_scope, get_custom_objects, get_registered_name,
    get_registered_object, register_keras_serializable)
from graphflow.keras.saving import weights as _weights
from graphflow.keras.saving.archive import Archive, atomic_write, zip_bytes
from graphflow.keras.saving.config import (  # noqa: F401
    check_compile_config, compile_config, deserialize_layer, functional_config,
    functional_from_config, parse_json, require_dict, serialize_layer)
from graphflow.keras.utils.serialization import (  # noqa: F401 - keras.saving's names too
    deserialize_keras_object, serialize_keras_object)

FORMAT = "graphflow.keras"
VERSION = 1
_SMALL_JSON = 1 << 20


# -- weights only ----------------------------------------------------------------------------------

def save_weights(model, filepath, overwrite=True):
    """Writes the weights: Keras 3's HDF5 layout for a name ending in ".weights.h5" (needs
    h5py), graphflow's .npy archive otherwise."""
    if str(filepath).endswith(".weights.h5"):
        from graphflow.keras.saving.keras3 import save_h5_weights
        save_h5_weights(model, filepath, overwrite)
        return
    atomic_write(filepath, _weights.weights_bytes(model), overwrite)


def load_weights(model, filepath):
    """Loads a save_weights() file, a Keras 3 ".weights.h5" file or a whole-model .keras file's
    weights into `model`, every array checked before any variable changes."""
    if str(filepath).endswith(".h5"):
        from graphflow.keras.saving.keras3 import load_h5_weights
        load_h5_weights(model, filepath)
        return
    archive = Archive.open(filepath, "graphflow weights file")
    if "weights.npz" in archive:  # a whole-model .keras file
        archive = _weights.open_weights(
            archive.read("weights.npz", archive.budget), f"{filepath} (weights.npz)",
            archive.budget)
    _weights.assign_all(_weights.read_weights(model, archive))


# -- whole models ----------------------------------------------------------------------------------

def _architecture(model):
    from graphflow.keras.models import Model, Sequential
    if getattr(model, "_standalone_saveable", False):  # a layer saved on its own (FeatureSpace)
        return dict(serialize_layer(model), build_config=model.get_build_config())
    if not isinstance(model, Sequential) and not model._is_graph_network and \
            type(model).get_config is Model.get_config:
        raise InvalidArgumentError(
            f"Model {model.name!r} is a subclassed model without get_config(); its architecture "
            "cannot be saved. Implement get_config()/from_config(), or use save_weights().")
    return serialize_layer(model)


def save_model(model, filepath, overwrite=True):
    from graphflow import __version__
    if isinstance(filepath, (str, os.PathLike)) and not os.fspath(filepath).endswith(".keras"):
        raise InvalidArgumentError(
            "Invalid filepath extension for saving. Please add a `.keras` extension for the native "
            "Keras format (graphflow does not write the legacy .h5 format; use "
            f"model.save_weights() for weights only). Received: filepath={os.fspath(filepath)}.")
    members = {
        "metadata.json": json.dumps({"format": FORMAT, "version": VERSION,
                                     "graphflow_version": __version__}),
        "config.json": json.dumps(_architecture(model)),
    }
    compiled = compile_config(model)
    if compiled is not None:
        members["compile.json"] = json.dumps(compiled)
        index, state = _weights.optimizer_state(model)
        members["optimizer.json"] = json.dumps(index)
        members["optimizer.npz"] = (state, 0)  # already compressed: stored
    members["weights.npz"] = (_weights.weights_bytes(model), 0)
    atomic_write(filepath, zip_bytes(members), overwrite)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):  # noqa: A002
    """A model saved with model.save(): architecture, weights, compile settings and optimizer
    state. `custom_objects` maps class names (or registered "package>name" keys) to classes.
    `safe_mode` is accepted for Keras compatibility: graphflow never runs code from a file."""
    if custom_objects is not None and not isinstance(custom_objects, dict):
        raise InvalidArgumentError(f"load_model: custom_objects must be a dict, got "
                                   f"{type(custom_objects).__name__}")
    archive = Archive.open(filepath)
    source = archive.source
    from graphflow.keras.saving import keras3
    if keras3.is_keras3_archive(archive):  # written by Keras 3: config.json + model.weights.h5
        return keras3.load_keras3_archive(archive, custom_objects, compile)
    if "metadata.json" not in archive or "config.json" not in archive:
        raise InvalidArgumentError(
            f"{source}: not a graphflow .keras model file (missing metadata.json/config.json)")
    metadata = require_dict(parse_json(archive.read("metadata.json", _SMALL_JSON), source,
                                       "metadata.json"), f"{source}: metadata.json")
    if metadata.get("format") != FORMAT:
        raise InvalidArgumentError(f"{source}: unknown format {metadata.get('format')!r:.60}")
    version = metadata.get("version", 0)
    if not isinstance(version, int) or isinstance(version, bool):
        raise InvalidArgumentError(f"{source}: bad format version {version!r:.60}")
    if version > VERSION:
        raise InvalidArgumentError(f"{source}: saved by a newer graphflow (format version "
                                   f"{version})")
    config = parse_json(archive.read("config.json", archive.budget), source, "config.json")
    weights = _weights.open_weights(archive.read("weights.npz", archive.budget),
                                    f"{source} (weights.npz)", archive.budget) \
        if "weights.npz" in archive else None
    if weights is None:
        raise InvalidArgumentError(f"{source}: the weights (weights.npz) are missing")
    model = _rebuild(config, source, custom_objects, budget=weights.budget)
    plan = _weights.read_weights(model, weights)
    optimizer_plan = ()
    if compile and "compile.json" in archive:
        settings = check_compile_config(
            parse_json(archive.read("compile.json", _SMALL_JSON), source, "compile.json"), source)
        with _reporting(source, "the compile settings"), custom_object_scope(custom_objects):
            _compile(model, settings)
        optimizer_plan = _optimizer_plan(model, archive, source)
    _weights.assign_all(plan, optimizer_plan, model.optimizer if optimizer_plan else None)
    return model


def _optimizer_plan(model, archive, source):
    if "optimizer.json" not in archive:
        return ()  # a file from before optimizer state was saved: a fresh optimizer
    if "optimizer.npz" not in archive:
        raise InvalidArgumentError(f"{source}: optimizer.json without optimizer.npz")
    index = _weights.load_index(archive.read("optimizer.json", archive.budget), source)
    state = _weights.open_weights(archive.read("optimizer.npz", archive.budget),
                                  f"{source} (optimizer.npz)", archive.budget)
    return _weights.read_optimizer_state(model, index, state)


def _compile(model, settings):
    from graphflow.keras import losses, optimizers
    optimizer = optimizers.get(settings["optimizer"])

    def revive(spec):  # Loss configs back to Loss objects (a dict is also a per-output map)
        if isinstance(spec, dict) and "class_name" in spec:
            return losses.deserialize(spec)
        if isinstance(spec, dict):
            return {k: revive(v) for k, v in spec.items()}
        if isinstance(spec, list):
            return [revive(v) for v in spec]
        return spec
    model.compile(optimizer=optimizer, loss=revive(settings["loss"]),
                  metrics=settings["metrics"], weighted_metrics=settings["weighted_metrics"],
                  loss_weights=settings["loss_weights"])


@contextlib.contextmanager
def _reporting(source, what):
    """Errors while rebuilding from a file's contents, as InvalidArgumentError naming the file
    (graphflow's own errors keep their class, with the file prepended)."""
    try:
        yield
    except GraphflowError as e:
        if str(e).startswith(str(source)):
            raise
        raise type(e)(f"{source}: {e}") from e
    except (TypeError, ValueError, KeyError, AttributeError, IndexError, RecursionError,
            OverflowError, MemoryError) as e:
        raise InvalidArgumentError(
            f"{source}: could not rebuild {what} ({type(e).__name__}: {e})") from e


def _rebuild(config, source, custom_objects=None, budget=None):
    """The model (or layer) of an architecture config, in a custom_object_scope; with a budget,
    its weights may take at most that many bytes."""
    from graphflow.keras.layers.base import weight_budget
    require_dict(config, f"{source}: the model config")
    with _reporting(source, "the model from its config"), custom_object_scope(custom_objects):
        limit = weight_budget(budget, source) if budget is not None else contextlib.nullcontext()
        with limit:
            model = deserialize_layer(config)
            if getattr(model, "_standalone_saveable", False):
                model.build_from_config(require_dict(config.get("build_config", {}),
                                                     f"{source}: the build config"))
                return model
    from graphflow.keras.models import Model
    if not isinstance(model, Model):
        raise InvalidArgumentError(f"{source}: the config describes a {type(model).__name__}, "
                                   "not a model")
    if not model.built:
        raise InvalidArgumentError(f"{source}: the saved model has no input shape to build from")
    return model


# -- JSON ------------------------------------------------------------------------------------------

def model_to_json(model, **kwargs):
    """The architecture of `model` as a JSON string (no weights); `json.dumps` kwargs apply."""
    return json.dumps(_architecture(model), **kwargs)


def model_from_json(json_string, custom_objects=None):
    """A new model (fresh weights) from `model.to_json()`, through the same checked
    deserializer as load_model."""
    if not isinstance(json_string, (str, bytes, bytearray)):
        raise InvalidArgumentError(f"model_from_json: expected a JSON string, got "
                                   f"{type(json_string).__name__}")
    return _rebuild(parse_json(json_string, "model_from_json", "JSON"), "model_from_json",
                    custom_objects)


def model_from_config(config, custom_objects=None):
    """A new model from a {"class_name", "config"} dict (`serialize_layer` / to_json output)."""
    return _rebuild(config, "model_from_config", custom_objects)
