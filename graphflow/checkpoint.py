"""tf.train.Checkpoint, CheckpointManager and latest_checkpoint.

What is saved is the object graph reachable from the checkpoint's named children: attributes of
tf.Module objects (and lists/tuples/dicts in them), Keras layers' and optimizers' variables,
Variables as leaves. Each variable is stored under its path of attribute names
("model/layers/0/w"), so restoring matches by structure, never by variable name, and objects
created after `restore()` are filled in when they are attached (deferred restoration).

Files (the names TF uses): `<prefix>.data-00000-of-00001` is an .npz archive of the arrays
(read with allow_pickle=False: nothing in a checkpoint is ever executed) and `<prefix>.index`
is JSON describing the object graph. Each is written to a temporary file and renamed into
place, the index last, so a checkpoint either exists completely or not at all; the
`checkpoint` state file that latest_checkpoint() reads is replaced the same way.

    >>> import tempfile, os
    >>> d = tempfile.mkdtemp()
    >>> ckpt = tf.train.Checkpoint(step=tf.Variable(1), w=tf.Variable([1.0, 2.0]))
    >>> path = ckpt.save(os.path.join(d, "ckpt"))
    >>> os.path.basename(path), sorted(os.listdir(d))
    ('ckpt-1', ['checkpoint', 'ckpt-1.data-00000-of-00001', 'ckpt-1.index'])
    >>> _ = ckpt.w.assign([0.0, 0.0])
    >>> _ = ckpt.restore(tf.train.latest_checkpoint(d))
    >>> ckpt.w.numpy()
    array([1., 2.], dtype=float32)
"""
import json
import os
import re
import tempfile
import threading
import time
import weakref
import zipfile

import numpy as np

from graphflow import dtypes
from graphflow import errors as _errors
from graphflow.errors import InvalidArgumentError, NotFoundError
from graphflow import module as _module
from graphflow.module import Module, _leaves
from graphflow.tensor import Variable

FORMAT = "graphflow-checkpoint"
VERSION = 1
_DATA_SUFFIX = ".data-00000-of-00001"
_STATE_FILE = "checkpoint"
_VALUE_KEY = ".ATTRIBUTES/VARIABLE_VALUE"


class DataLossError(_errors.DataLossError, InvalidArgumentError):
    """A checkpoint file is damaged or is not a graphflow checkpoint (tf.errors.DataLossError,
    as TF raises; also an InvalidArgumentError, as graphflow raised before that class existed)."""


# -- the object graph -----------------------------------------------------------------------------
def _children(obj):
    """{name: child} for one trackable object, in a stable order."""
    if isinstance(obj, Checkpoint):
        return dict(obj._children)
    if isinstance(obj, Module):
        out = {}
        for attr in sorted(vars(obj)):
            if attr in obj._TF_MODULE_IGNORED_PROPERTIES:
                continue
            for path, leaf in _leaves(getattr(obj, attr), (attr,)):
                if _trackable(leaf):
                    out["/".join(str(p) for p in path)] = leaf
        return out
    if isinstance(obj, (list, tuple)):
        return {str(i): v for i, v in enumerate(obj) if _trackable(v)}
    if isinstance(obj, dict):
        return {str(k): obj[k] for k in sorted(obj, key=str) if _trackable(obj[k])}
    variables = getattr(obj, "weights", None)  # a Keras layer or model
    if variables is None:
        variables = getattr(obj, "variables", None)  # a Keras optimizer
        variables = variables() if callable(variables) else variables
    return {f"variables/{i}": v for i, v in enumerate(variables or [])}


def _saveable(value):
    """Whether value is saved as a leaf of its own tensors (TF's `_serialize_to_tensors`:
    graphflow.lookup's mutable tables): {name: array} under `<path>/.ATTRIBUTES/<name>`,
    given back to `_restore_from_tensors` whole."""
    return hasattr(type(value), "_serialize_to_tensors") and \
        hasattr(type(value), "_restore_from_tensors")


def _attribute_keys(path, values):
    """{name: saved value} of a saveable leaf's entries at `path`."""
    start = f"{path}/.ATTRIBUTES/"
    return {p[len(start):]: v for p, v in values.items() if p.startswith(start)}


def _trackable(value):
    if isinstance(value, (Variable, Module, Checkpoint)) or _saveable(value):
        return True
    if isinstance(value, (list, tuple, dict)):
        return any(_trackable(v) for v in (value.values() if isinstance(value, dict) else value))
    return hasattr(value, "weights") or (hasattr(value, "variables") and
                                         hasattr(value, "apply_gradients"))


def _walk(obj, path, out, seen):
    """Collects {path: Variable or saveable leaf} below obj (each once: the first path wins)."""
    if isinstance(obj, Variable) or _saveable(obj):
        if not getattr(obj, "_checkpoint", True):  # a table made with checkpoint=False
            return
        if id(obj) not in seen:
            seen[id(obj)] = path
            out[path] = obj
        return
    if id(obj) in seen:
        return
    seen[id(obj)] = path
    for name, child in _children(obj).items():
        _walk(child, f"{path}/{name}" if path else name, out, seen)


def tracked_leaves(obj):
    """{path: leaf} of what a checkpoint of `obj` saves: its Variables and saveable objects
    (graphflow.lookup's mutable tables), each once, under the path it is stored at (the paths
    tf.saved_model.save gives the variables it writes too).

        >>> m = tf.Module()
        >>> m.layers = [tf.Variable(1.0), tf.Variable(2.0)]
        >>> list(tracked_leaves(m))
        ['layers/0', 'layers/1']
    """
    out = {}
    _walk(obj, "", out, {})
    return out


# -- files ------------------------------------------------------------------------------------------
def atomic_write(path, write):
    """Calls `write(f)` on a temporary file beside `path`, then renames it to `path`: readers
    see the old file or the complete new one, never a part (the directory is created).

        >>> import tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "sub", "note.txt")
        >>> atomic_write(path, lambda f: f.write(b"done"))
        >>> open(path).read()
        'done'
    """
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-" + os.path.basename(path))
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def write_checkpoint(prefix, variables):
    """Writes the checkpoint files `<prefix>.index` and `<prefix>.data-00000-of-00001` holding
    `variables` ({path: Variable or saveable leaf}, as tracked_leaves gives them); returns
    `prefix`. read_checkpoint(prefix) reads them back.

        >>> import tempfile
        >>> prefix = os.path.join(tempfile.mkdtemp(), "vars")
        >>> _ = write_checkpoint(prefix, {"w": tf.Variable([1.0, 2.0])})
        >>> read_checkpoint(prefix)["w"]
        (array([1., 2.], dtype=float32), 'float32')
    """
    arrays, entries, leaves = {}, {}, {}
    for path, leaf in variables.items():
        if isinstance(leaf, Variable):
            leaves[path] = leaf
            continue
        for key, value in leaf._serialize_to_tensors().items():  # a saveable leaf's tensors
            leaves[f"{path}/.ATTRIBUTES/{key}"] = (value, getattr(leaf, "name", path))
    for i, (path, var) in enumerate(leaves.items()):
        if isinstance(var, tuple):
            value, name = var
            if value.dtype == object:  # strings: their bytes and lengths (npz holds no objects)
                flat = value.reshape(-1)
                arrays[f"a{i}"] = np.frombuffer(b"".join(flat), np.uint8)
                arrays[f"a{i}_lengths"] = np.array([len(b) for b in flat], np.int64)
                entries[path] = {"array": f"a{i}", "dtype": "string", "shape": list(value.shape),
                                 "name": name, "lengths": f"a{i}_lengths"}
            else:
                arrays[f"a{i}"] = value
                entries[path] = {"array": f"a{i}", "dtype": dtypes.from_numpy(value.dtype).name,
                                 "shape": list(value.shape), "name": name}
            continue
        value = var.numpy()
        if value.dtype == object:
            raise InvalidArgumentError(
                f"Checkpoint: variable {var.name!r} holds strings; only numeric variables can be "
                "saved")
        arrays[f"a{i}"] = value
        entries[path] = {"array": f"a{i}", "dtype": var.dtype.name, "shape": list(value.shape),
                         "name": var.name}
    atomic_write(prefix + _DATA_SUFFIX, lambda f: np.savez(f, **arrays))
    index = {"format": FORMAT, "version": VERSION, "variables": entries}
    atomic_write(prefix + ".index", lambda f: f.write(json.dumps(index, indent=1).encode()))
    return prefix


def _damaged(path, why):
    return DataLossError(f"Checkpoint {path} is damaged or not a graphflow checkpoint: {why}")


def read_checkpoint(prefix):
    """{path: (ndarray, dtype name)} stored at `prefix` (a checkpoint's path without suffix)."""
    prefix = os.fspath(prefix)
    index_path, data_path = prefix + ".index", prefix + _DATA_SUFFIX
    if not os.path.exists(index_path):
        hint = "" if re.search(r"-\d+$", prefix) else \
            " (you may be missing the checkpoint suffix, e.g. the '-1' in 'path/to/ckpt-1')"
        raise NotFoundError(
            f"Error when restoring from checkpoint {prefix}: no checkpoint found: {index_path} "
            f"does not exist{hint}")
    try:
        with open(index_path, "rb") as f:
            index = json.loads(f.read().decode("utf-8"))
        if not isinstance(index, dict) or index.get("format") != FORMAT:
            raise ValueError("not a graphflow checkpoint index")
        entries = index["variables"]
    except (ValueError, KeyError, UnicodeDecodeError, TypeError) as e:
        raise _damaged(index_path, e) from None
    if index.get("version", 0) > VERSION:
        raise DataLossError(f"Checkpoint {index_path} was written by a newer graphflow "
                            f"(format version {index['version']})")
    if not os.path.exists(data_path):
        raise _damaged(data_path, "the data file is missing")
    out = {}
    try:
        with np.load(data_path, allow_pickle=False) as data:
            for path, e in entries.items():
                array = data[e["array"]]
                if e["dtype"] == "string":
                    array = _strings(array, data[e["lengths"]], e["shape"], path)
                if list(array.shape) != list(e["shape"]) or \
                        array.dtype != dtypes.as_dtype(e["dtype"]).np:
                    raise ValueError(f"entry {path!r} does not match the index")
                out[path] = (array, e["dtype"])
    except (ValueError, KeyError, OSError, EOFError, zipfile.BadZipFile) as e:
        raise _damaged(data_path, e) from None
    return out


def _strings(data, lengths, shape, path):
    """The string array stored as its bytes and lengths."""
    ends = np.cumsum(lengths)
    if lengths.ndim != 1 or (len(ends) and (ends[-1] != data.size or lengths.min() < 0)):
        raise ValueError(f"entry {path!r}: the string lengths do not match the bytes")
    raw = data.tobytes()
    out = np.empty(len(lengths), object)
    out[:] = [raw[e - n:e] for e, n in zip(ends.tolist(), lengths.tolist())]
    if int(np.prod(shape)) != len(out):
        raise ValueError(f"entry {path!r} does not match the index")
    return out.reshape(shape)


def list_variables(ckpt_dir_or_file):
    """[(key, shape)] of a checkpoint (a prefix or a directory with a `checkpoint` file)."""
    prefix = _resolve(ckpt_dir_or_file)
    return sorted((p if "/.ATTRIBUTES/" in p else f"{p}/{_VALUE_KEY}", list(a.shape))
                  for p, (a, _) in read_checkpoint(prefix).items())


def load_variable(ckpt_dir_or_file, name):
    """The stored array of one key (as listed by list_variables; the suffix is optional)."""
    values = read_checkpoint(_resolve(ckpt_dir_or_file))
    key = name[:-len(_VALUE_KEY) - 1] if name.endswith(_VALUE_KEY) else name
    if key not in values:
        raise NotFoundError(f"Key {name} not found in checkpoint {ckpt_dir_or_file}")
    return values[key][0]


def _resolve(ckpt_dir_or_file):
    path = os.fspath(ckpt_dir_or_file)
    if os.path.isdir(path):
        latest = latest_checkpoint(path)
        if latest is None:
            raise NotFoundError(f"No checkpoint found in directory {path}")
        return latest
    return path


# -- the `checkpoint` state file ---------------------------------------------------------------------
def _state_path(directory):
    return os.path.join(directory, _STATE_FILE)


def _rel(directory, path):
    path = os.path.abspath(path)
    directory = os.path.abspath(directory)
    return os.path.relpath(path, directory) if os.path.dirname(path) == directory else path


def _write_state(directory, latest, all_paths, timestamps=(), preserved=None):
    lines = [f'model_checkpoint_path: {json.dumps(_rel(directory, latest))}']
    lines += [f'all_model_checkpoint_paths: {json.dumps(_rel(directory, p))}' for p in all_paths]
    lines += [f"all_model_checkpoint_timestamps: {t!r}" for t in timestamps]
    if preserved is not None:
        lines.append(f"last_preserved_timestamp: {preserved!r}")
    text = "\n".join(lines) + "\n"
    atomic_write(_state_path(directory), lambda f: f.write(text.encode()))


def _read_state(directory):
    """(latest, [all paths], [timestamps], last preserved) from the state file, or None."""
    path = _state_path(directory)
    if not os.path.exists(path):
        return None
    latest, paths, stamps, preserved = None, [], [], None
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                key, _, value = line.partition(":")
                value = value.strip()
                if key == "model_checkpoint_path":
                    latest = json.loads(value)
                elif key == "all_model_checkpoint_paths":
                    paths.append(json.loads(value))
                elif key == "all_model_checkpoint_timestamps":
                    stamps.append(float(value))
                elif key == "last_preserved_timestamp":
                    preserved = float(value)
                else:
                    raise ValueError(f"unknown field {key!r}")
    except (ValueError, UnicodeDecodeError) as e:
        raise _damaged(path, e) from None
    if latest is None:
        return None
    full = [p if os.path.isabs(p) else os.path.join(directory, p) for p in paths]
    latest = latest if os.path.isabs(latest) else os.path.join(directory, latest)
    return latest, full, stamps, preserved


def latest_checkpoint(checkpoint_dir, latest_filename=None):
    """The newest checkpoint's prefix recorded in checkpoint_dir, or None when there is none
    (or its files are gone)."""
    state = _read_state(os.fspath(checkpoint_dir))
    if state is None or not os.path.exists(state[0] + ".index"):
        return None
    return state[0]


# -- restoration --------------------------------------------------------------------------------------
_pending_lock = threading.Lock()
_pending = weakref.WeakKeyDictionary()  # object -> [(saved subtree {name: ...}, status)]


def _restore_into(obj, prefix, values, status):
    """Assigns saved values under `prefix` to the variables below obj; what has no object yet
    stays pending on the nearest existing object."""
    found = {}
    _walk(obj, prefix, found, {})
    taken = set()
    for path, var in found.items():
        if not isinstance(var, Variable):
            saved = _attribute_keys(path, values)
            if saved:
                _restore_saveable(var, path, saved, status)
                taken.update(f"{path}/.ATTRIBUTES/{k}" for k in saved)
            else:
                status._unmatched_objects.append(path)
        elif path in values:
            _assign(var, path, values[path], status)
        else:
            status._unmatched_objects.append(path)
    status._restored_objects.update(id(v) for v in found.values())
    remaining = {p: v for p, v in values.items()
                 if (p.startswith(prefix + "/") or not prefix) and p not in found
                 and p not in taken}
    if remaining:
        _remember(obj, prefix, remaining, status)


def _remember(obj, prefix, remaining, status):
    """Keeps each value that found no object on the deepest existing object of its path, to
    be restored when the missing attribute is attached there."""
    groups = {}
    for path, value in remaining.items():
        node, node_prefix = obj, prefix
        while not isinstance(node, Variable):
            for name, child in _children(node).items():
                candidate = f"{node_prefix}/{name}" if node_prefix else name
                if path.startswith(candidate + "/"):
                    node, node_prefix = child, candidate
                    break
            else:
                break
        groups.setdefault(id(node), (node, node_prefix, {}))[2][path] = value
    for node, node_prefix, values in groups.values():
        try:
            with _pending_lock:
                _pending.setdefault(node, []).append((node_prefix, values, status))
        except TypeError:  # a list or dict: not weak-referenceable, nothing attaches to it
            pass


def _restore_saveable(leaf, path, saved, status):
    leaf._restore_from_tensors({k: array for k, (array, _) in saved.items()})
    status._consumed.add(path)
    status._consumed.update(f"{path}/.ATTRIBUTES/{k}" for k in saved)


def _assign(var, path, saved, status):
    array, dtype_name = saved
    if not var.shape.is_compatible_with(array.shape):
        raise InvalidArgumentError(
            f"Received incompatible tensor with shape {array.shape} when attempting to restore "
            f"variable with shape {tuple(var.shape.as_list())} and name {var.name} (checkpoint "
            f"key {path!r})")
    if dtypes.as_dtype(dtype_name) is not var.dtype:
        raise InvalidArgumentError(
            f"Checkpoint key {path!r} holds {dtype_name} but variable {var.name} is "
            f"{var.dtype.name}")
    var.assign(array)
    status._consumed.add(path)


def restore_pending(obj, name, value):
    """Called when attribute `name` of a tracked object is set: restores the values a
    checkpoint held for it (deferred restoration)."""
    if not _pending:
        return
    with _pending_lock:
        entries = list(_pending.get(obj, ()))
    for prefix, remaining, status in entries:
        base = f"{prefix}/{name}" if prefix else name
        below = {p: v for p, v in remaining.items() if p == base or p.startswith(base + "/")}
        if not below:
            continue
        for p in below:
            del remaining[p]
        if not remaining:
            with _pending_lock:
                lst = _pending.get(obj, [])
                lst[:] = [e for e in lst if e[1]]
        if isinstance(value, Variable):
            if base in below:
                _assign(value, base, below[base], status)
            continue
        if _saveable(value):
            saved = _attribute_keys(base, below)
            if saved:
                _restore_saveable(value, base, saved, status)
            continue
        _restore_into(value, base, below, status) if not isinstance(value, (list, tuple, dict)) \
            else _restore_container(value, base, below, status)


def _restore_container(value, base, values, status):
    found = {}
    for name, child in _children(value).items():
        _walk(child, f"{base}/{name}", found, {})
    for path, var in found.items():
        if not isinstance(var, Variable):
            saved = _attribute_keys(path, values)
            if saved:
                _restore_saveable(var, path, saved, status)
        elif path in values:
            _assign(var, path, values[path], status)


class CheckpointLoadStatus:
    """What restore() matched; its assert_* methods check it (TF's API)."""

    def __init__(self, checkpoint, values, path):
        self._checkpoint, self._values, self._path = checkpoint, values, path
        self._consumed = set()
        self._unmatched_objects = []
        self._restored_objects = set()

    def assert_consumed(self):
        """Every saved value went to an object, and every object got a saved value."""
        missing = sorted(set(self._values) - self._consumed)
        if missing:
            raise AssertionError(
                f"Unresolved object in checkpoint {self._path}: {', '.join(missing[:10])}"
                + (" ..." if len(missing) > 10 else "") + " (no matching object exists yet)")
        current = tracked_leaves(self._checkpoint)
        unassigned = sorted(p for p in current if p not in self._consumed)
        if unassigned:
            raise AssertionError(
                f"Object not assigned a value from checkpoint {self._path}: "
                f"{', '.join(unassigned[:10])}")
        return self

    def assert_existing_objects_matched(self):
        """Every existing object got a saved value (saved values without objects are fine)."""
        current = tracked_leaves(self._checkpoint)
        unassigned = sorted(p for p in current if p not in self._consumed)
        if unassigned:
            raise AssertionError(
                f"Object not assigned a value from checkpoint {self._path}: "
                f"{', '.join(unassigned[:10])}")
        return self

    def assert_nontrivial_match(self):
        if not self._consumed - {"save_counter"}:
            raise AssertionError(
                f"Nothing except the root object matched a checkpointed value ({self._path})")
        return self

    def expect_partial(self):
        """Declares that a partial restore is intended (TF silences its warnings)."""
        return self

    def run_restore_ops(self, session=None):
        """Values are assigned when restore() runs; nothing is left to run."""

    def initialize_or_restore(self, session=None):
        """Values are assigned when restore() runs; nothing is left to run."""


class InitializationOnlyStatus(CheckpointLoadStatus):
    """restore(None): nothing to restore; assert_consumed fails as in TF."""

    def __init__(self, checkpoint):
        super().__init__(checkpoint, {}, None)

    def assert_consumed(self):
        raise AssertionError("No checkpoint specified (save_path=None); nothing is being restored")

    assert_existing_objects_matched = assert_consumed
    assert_nontrivial_match = assert_consumed


# -- Checkpoint ------------------------------------------------------------------------------------
class Checkpoint:
    """Groups trackable objects (Modules, Variables, Keras models/optimizers) for saving.

    `root=` or keyword children; attributes set later are tracked too.
    """

    def __init__(self, root=None, **kwargs):
        object.__setattr__(self, "_children", {})
        object.__setattr__(self, "_save_counter", None)
        if root is not None:
            kwargs = {"root": root, **kwargs}
        for name, value in kwargs.items():
            if not _trackable(value):
                raise InvalidArgumentError(
                    f"Checkpoint was expecting a trackable object (a Variable, tf.Module, Keras "
                    f"model/layer/optimizer) for {name!r}, got {type(value).__name__} "
                    f"{value!r:.60}")
            setattr(self, name, value)

    def __setattr__(self, name, value):
        object.__setattr__(self, name, value)
        if not name.startswith("_") and _trackable(value):
            self._children[name] = value
            restore_pending(self, name, value)

    @property
    def save_counter(self):
        """How many times save() ran (restored with the checkpoint)."""
        if self._save_counter is None:
            object.__setattr__(self, "_save_counter",
                               Variable(np.int64(0), trainable=False, name="save_counter"))
            self._children["save_counter"] = self._save_counter
        return self._save_counter

    def write(self, file_prefix, options=None):
        """Writes a checkpoint at exactly file_prefix (no numbering, no state file)."""
        return write_checkpoint(os.fspath(file_prefix), tracked_leaves(self))

    def save(self, file_prefix, options=None):
        """Writes `<file_prefix>-<n>` (n = save_counter after incrementing it) and records it
        as the latest checkpoint of its directory."""
        counter = self.save_counter
        counter.assign_add(1)
        path = self.write(f"{os.fspath(file_prefix)}-{int(counter.numpy())}")
        directory = os.path.dirname(os.path.abspath(path))
        _write_state(directory, path, [path])
        return path

    def read(self, save_path, options=None):
        """Restores from save_path (save_counter included); returns a load status."""
        return self._restore(save_path)

    def restore(self, save_path, options=None):
        """Restores from save_path (None: nothing, an InitializationOnlyStatus); values for
        objects that do not exist yet are applied when they are attached."""
        if save_path is None:
            return InitializationOnlyStatus(self)
        return self._restore(save_path)

    def _restore(self, save_path):
        save_path = os.fspath(save_path)
        values = read_checkpoint(save_path)
        if "save_counter" in values:
            self.save_counter  # noqa: B018 - created so that it is restored too
        status = CheckpointLoadStatus(self, values, save_path)
        _restore_into(self, "", values, status)
        return status


class CheckpointManager:
    """Numbered checkpoints in one directory, keeping the newest `max_to_keep`.

        >>> import tempfile
        >>> ckpt = tf.train.Checkpoint(v=tf.Variable(1.0))
        >>> mgr = tf.train.CheckpointManager(ckpt, tempfile.mkdtemp(), max_to_keep=2)
        >>> [os.path.basename(mgr.save()) for _ in range(3)]
        ['ckpt-1', 'ckpt-2', 'ckpt-3']
        >>> [os.path.basename(p) for p in mgr.checkpoints]
        ['ckpt-2', 'ckpt-3']
    """

    def __init__(self, checkpoint, directory, max_to_keep, keep_checkpoint_every_n_hours=None,
                 checkpoint_name="ckpt", step_counter=None, checkpoint_interval=None,
                 init_fn=None):
        if not isinstance(checkpoint, Checkpoint):
            raise InvalidArgumentError(
                f"CheckpointManager: expected a tf.train.Checkpoint, got "
                f"{type(checkpoint).__name__}")
        if max_to_keep is not None and max_to_keep <= 0:
            raise InvalidArgumentError(
                f"max_to_keep must be a positive integer or None, got {max_to_keep}")
        if checkpoint_interval is not None and step_counter is None:
            raise InvalidArgumentError("`step_counter` should be passed if `checkpoint_interval` "
                                       "is not None.")
        self._checkpoint = checkpoint
        self._directory = os.fspath(directory)
        self._max_to_keep = max_to_keep
        self._keep_hours = keep_checkpoint_every_n_hours
        self._prefix = os.path.join(self._directory, checkpoint_name)
        self._step_counter, self._interval, self._init_fn = step_counter, checkpoint_interval, \
            init_fn
        self._last_step = None
        state = _read_state(self._directory) if os.path.isdir(self._directory) else None
        self._maybe = []          # [(path, timestamp)] oldest first: candidates for deletion
        self._preserved = time.time()
        self._latest = None
        if state is not None:
            latest, paths, stamps, preserved = state
            stamps = stamps if len(stamps) == len(paths) else [time.time()] * len(paths)
            self._maybe = [(p, t) for p, t in zip(paths, stamps) if os.path.exists(p + ".index")]
            self._latest = latest if os.path.exists(latest + ".index") else None
            self._preserved = preserved if preserved is not None else self._preserved

    @property
    def directory(self):
        return self._directory

    @property
    def checkpoint(self):
        return self._checkpoint

    @property
    def checkpoints(self):
        """Prefixes of the kept checkpoints, oldest first."""
        return [p for p, _ in self._maybe]

    @property
    def latest_checkpoint(self):
        return self._maybe[-1][0] if self._maybe else None

    @property
    def checkpoint_interval(self):
        return self._interval

    def save(self, checkpoint_number=None, check_interval=True, options=None):
        """Writes the next numbered checkpoint; returns its prefix (None when skipped by
        checkpoint_interval)."""
        if self._interval is not None and check_interval:
            step = int(np.asarray(self._step_counter))
            if self._last_step is not None and step < self._last_step + self._interval:
                return None
            self._last_step = step
        counter = self._checkpoint.save_counter
        counter.assign_add(1)
        if checkpoint_number is None:
            checkpoint_number = int(counter.numpy())
        elif isinstance(checkpoint_number, Variable):
            checkpoint_number = int(checkpoint_number.numpy())
        path = self._checkpoint.write(f"{self._prefix}-{int(checkpoint_number)}")
        now = time.time()
        self._maybe = [(p, t) for p, t in self._maybe if p != path] + [(path, now)]
        self._sweep()
        _write_state(self._directory, path, self.checkpoints, [t for _, t in self._maybe],
                     self._preserved)
        return path

    def _sweep(self):
        if self._max_to_keep is None:
            return
        while len(self._maybe) > self._max_to_keep:
            path, stamp = self._maybe.pop(0)
            if self._keep_hours is not None and stamp - self._preserved >= \
                    self._keep_hours * 3600:
                self._preserved = stamp  # kept on disk, but no longer managed (as TF)
                continue
            for suffix in (".index", _DATA_SUFFIX):
                if os.path.exists(path + suffix):
                    os.remove(path + suffix)

    def restore_or_initialize(self):
        """Restores the latest checkpoint (returning its path), else runs init_fn (None)."""
        if self.latest_checkpoint is not None:
            self._checkpoint.restore(self.latest_checkpoint)
            return self.latest_checkpoint
        if self._init_fn is not None:
            self._init_fn()
        return None


_module._on_attribute_set = restore_pending  # deferred restoration of later attributes
