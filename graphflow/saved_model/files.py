"""The files of a graphflow SavedModel: their names, writing them and reading them back checked.

graphflow cannot read TensorFlow's protobuf SavedModels; it writes a format of its own in TF's
directory layout:

    saved_model.json                     the object tree, every traced concrete function's graph
                                         (nodes by op name and attrs), the signatures
    saved_model.npz                      the arrays the graphs hold (constants), never pickled
    variables/variables.index            the variables, written by graphflow's checkpoint code
    variables/variables.data-00000-of-00001
    assets/                              (empty: graphflow has no assets)

Each file is written atomically, saved_model.json last, so a directory holding it holds a
complete SavedModel. A newer format, a truncated or altered file is a DataLossError naming the
file; NumPy arrays are read with allow_pickle=False.

    >>> import tempfile
    >>> m = tf.Module()
    >>> m.v = tf.Variable(1.0)
    >>> path = tempfile.mkdtemp()
    >>> tf.saved_model.contains_saved_model(path)
    False
    >>> tf.saved_model.save(m, path)
    >>> tf.saved_model.contains_saved_model(path)
    True
    >>> sorted(os.listdir(os.path.join(path, "variables")))
    ['variables.data-00000-of-00001', 'variables.index']
"""
import json
import os
import zipfile

import numpy as np

from graphflow import checkpoint
from graphflow import errors as _errors
from graphflow.errors import InvalidArgumentError
from graphflow.saved_model.constants import (
    ASSETS_DIRECTORY, SAVED_MODEL_FILENAME_PB, SAVED_MODEL_FILENAME_PBTXT, VARIABLES_DIRECTORY,
    VARIABLES_FILENAME)

FORMAT = "graphflow-saved-model"
VERSION = 1
GRAPH_FILE = "saved_model.json"
CONSTANTS_FILE = "saved_model.npz"


class DataLossError(_errors.DataLossError, InvalidArgumentError):
    """A SavedModel file is damaged or not graphflow's (TF's DataLossError; also an
    InvalidArgumentError, as graphflow's checkpoint errors are)."""


def contains_saved_model(export_dir):
    """Whether `export_dir` holds a SavedModel: graphflow's (`saved_model.json`) or TF's
    (`saved_model.pb`/`.pbtxt`, which graphflow cannot load), as TF checks for its files.

        >>> import tempfile
        >>> tf.saved_model.contains_saved_model(tempfile.mkdtemp())
        False
    """
    export_dir = os.fspath(export_dir)
    return any(os.path.isfile(os.path.join(export_dir, f))
               for f in (GRAPH_FILE, SAVED_MODEL_FILENAME_PB, SAVED_MODEL_FILENAME_PBTXT))


def _variables_prefix(export_dir):
    return os.path.join(export_dir, VARIABLES_DIRECTORY, VARIABLES_FILENAME)


def _write_files(export_dir, document, arrays, variables):
    """Writes the SavedModel `document` (the JSON of saving.py) with its `arrays` and, unless
    `variables` is None, the variables ({checkpoint path: Variable})."""
    os.makedirs(os.path.join(export_dir, VARIABLES_DIRECTORY), exist_ok=True)
    os.makedirs(os.path.join(export_dir, ASSETS_DIRECTORY), exist_ok=True)
    if variables is not None:
        checkpoint.write_checkpoint(_variables_prefix(export_dir), variables)
    checkpoint.atomic_write(os.path.join(export_dir, CONSTANTS_FILE),
                            lambda f: np.savez(f, **arrays))
    text = json.dumps(document, separators=(",", ":")).encode("utf-8")
    # written last: a directory with saved_model.json holds a complete SavedModel
    checkpoint.atomic_write(os.path.join(export_dir, GRAPH_FILE), lambda f: f.write(text))


def _read_document(export_dir):
    path = os.path.join(export_dir, GRAPH_FILE)
    if not os.path.isfile(path):
        if os.path.isfile(os.path.join(export_dir, SAVED_MODEL_FILENAME_PB)) or \
                os.path.isfile(os.path.join(export_dir, SAVED_MODEL_FILENAME_PBTXT)):
            raise _errors.UnimplementedError(
                f"{export_dir} holds a TensorFlow protobuf SavedModel (saved_model.pb); "
                "graphflow reads only SavedModels graphflow wrote (saved_model.json)")
        raise OSError(f"SavedModel file does not exist at: {export_dir}/{{{GRAPH_FILE}}}")
    try:
        with open(path, "rb") as f:
            document = json.loads(f.read().decode("utf-8"))
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise ValueError("not a graphflow SavedModel")
        version = document.get("version")
        if not isinstance(version, int) or version < 1:
            raise ValueError(f"bad format version {version!r}")
    except (ValueError, UnicodeDecodeError) as e:
        raise DataLossError(f"SavedModel file {path} is damaged or not a graphflow "
                            f"SavedModel: {e}") from None
    if version > VERSION:
        raise DataLossError(f"SavedModel file {path} was written by a newer graphflow (format "
                            f"version {version}; this graphflow reads version {VERSION})")
    return path, document


def _read_constants(export_dir):
    path = os.path.join(export_dir, CONSTANTS_FILE)
    if not os.path.isfile(path):
        raise DataLossError(f"SavedModel file {path} is missing")
    try:
        with np.load(path, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}
    except (ValueError, OSError, EOFError, KeyError, zipfile.BadZipFile) as e:
        raise DataLossError(f"SavedModel file {path} is damaged: {e}") from None
