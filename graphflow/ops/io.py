"""tf.io.read_file and tf.io.write_file as ops, so dataset functions can read files while they run.

Both are STATEFUL: a graph never folds, deduplicates or reorders them (a file read after a write
in the same function sees the write), and write_file runs even though nothing uses its result.

    >>> import graphflow as tf, os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "greeting.txt")
    >>> tf.io.write_file(path, "hello")
    >>> tf.io.read_file(path).numpy()
    b'hello'
"""
import os

import numpy as np

from graphflow import dtypes
from graphflow.errors import InvalidArgumentError, NotFoundError
from graphflow.ops import rules
from graphflow.ops.registry import STATEFUL, dispatch, register


def _scalar_string(op_name, spec, position=0):
    rules.check_kind(op_name, spec, "O", position)
    if spec.shape is not None and len(spec.shape) != 0:
        raise InvalidArgumentError(
            f"{op_name}: input #{position} must be a scalar string, got shape "
            f"{rules.fmt(spec.shape)}")


def _path(array):
    return os.fsdecode(array[()] if isinstance(array, np.ndarray) else array)


def _read_infer(specs):
    _scalar_string("read_file", specs[0])
    return [((), dtypes.string)]


def _read_ref(filename):
    if filename.dtype.kind != "O" or filename.ndim:
        _read_infer([rules.ArraySpec(filename)])
    path = _path(filename)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise NotFoundError(f"read_file: {path}; No such file or directory") from None
    except IsADirectoryError:
        raise InvalidArgumentError(f"read_file: {path} is a directory") from None
    return np.array(data, dtype=object)


def _write_infer(specs):
    _scalar_string("write_file", specs[0])
    _scalar_string("write_file", specs[1], 1)
    return []


def _write_ref(filename, contents):
    if filename.dtype.kind != "O" or contents.dtype.kind != "O" or filename.ndim or contents.ndim:
        _write_infer([rules.ArraySpec(filename), rules.ArraySpec(contents)])
    path = _path(filename)
    directory = os.path.dirname(path)
    if directory:
        os.makedirs(directory, exist_ok=True)  # TF creates missing directories too
    with open(path, "wb") as f:
        f.write(contents[()])
    return ()


READ_FILE = register("read_file", STATEFUL, _read_infer, _read_ref)
WRITE_FILE = register("write_file", STATEFUL, _write_infer, _write_ref, num_outputs=0)


def _string(value, op_name):
    from graphflow.ops.creation import convert_to_tensor
    from graphflow.tensor import Tensor
    if isinstance(value, Tensor):
        return value
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    return convert_to_tensor(value, dtypes.string)


def read_file(filename, name=None):
    """The whole contents of a file, as a scalar string tensor."""
    return dispatch(READ_FILE, (_string(filename, "read_file"),), None, name)


def write_file(filename, contents, name=None):
    """Writes `contents` (a scalar string) to `filename`, creating missing directories. Returns
    None eagerly, the op in a graph."""
    out = dispatch(WRITE_FILE, (_string(filename, "write_file"), _string(contents, "write_file")),
                   None, name)
    return None if out == () else out
