"""Model weights and optimizer state as zip archives of .npy arrays, loaded all-or-nothing.

Every array is checked before any variable changes: its .npy header is parsed first (without
reading the data) and must give exactly the variable's shape and a dtype of the same kind
(float for float, int for int; a complex array never loses its imaginary part into a float
variable), then exactly that many bytes are read. Only when every array of the file has passed
are the variables assigned.

    >>> from graphflow import keras
    >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    >>> [key for key, _ in weight_entries(model)]
    ['0000_Dense/0', '0000_Dense/1']
"""
import io
import json
import math

import numpy as np
from numpy.lib import format as npy_format

from graphflow.errors import InvalidArgumentError
from graphflow.keras.saving.archive import ZIP_ERRORS, Archive, zip_bytes

MAX_NPY_HEADER = 1 << 14  # graphflow's headers are ~128 bytes; numpy's own cap is 10,000


# -- which variables, under which keys ------------------------------------------------------------

def weight_entries(model):
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


def _npy(value):
    buffer = io.BytesIO()
    np.save(buffer, value, allow_pickle=False)
    return buffer.getvalue()


# -- writing ---------------------------------------------------------------------------------------

def weights_bytes(model):
    """The weights archive: one '<key>.npy' member per weight."""
    return zip_bytes({f"{key}.npy": _npy(var.numpy()) for key, var in weight_entries(model)})


def optimizer_state(model):
    """(index dict, archive bytes) of the optimizer's variables: its own state (iterations,
    learning rate, ...) by position and name, and every slot by the weight key of the variable
    it belongs to, in creation order (so a restored optimizer lists its variables alike)."""
    optimizer = model.optimizer
    keys = {id(var): key for key, var in weight_entries(model)}
    slot_of = {}
    for var, slots in optimizer._slots.values():
        for slot_name, slot in slots.items():
            slot_of[id(slot)] = (var, slot_name)
    state, slots, members = [], [], {}
    for v in optimizer.variables:
        if id(v) in slot_of:
            var, slot_name = slot_of[id(v)]
            if id(var) not in keys:  # a variable outside the model: its slots are not saved
                continue
            slots.append([keys[id(var)], slot_name])
            members[f"slot/{len(slots) - 1}.npy"] = _npy(v.numpy())
        else:
            state.append(_state_name(optimizer, v))
            members[f"state/{len(state) - 1}.npy"] = _npy(v.numpy())
    return {"class_name": type(optimizer).__name__, "state": state, "slots": slots}, \
        zip_bytes(members)


def _state_name(optimizer, variable):
    return variable.name.split(":")[0].rsplit("/", 1)[-1]


# -- checked reading -------------------------------------------------------------------------------

def read_array(archive, member, expected_shape, expected_dtype, what):
    """The array in `member`, whose header must declare `expected_shape` and a dtype that casts
    to `expected_dtype` within its kind; checked before the data is read."""
    src = f"{archive.source}: {what}"
    if member not in archive:
        raise InvalidArgumentError(f"{src} is missing (no {member!r} in the archive)")
    expected_shape = tuple(int(d) for d in expected_shape)
    expected_dtype = np.dtype(expected_dtype)
    nbytes = math.prod(expected_shape) * expected_dtype.itemsize
    if archive.declared_size(member) > nbytes * 2 + MAX_NPY_HEADER:  # *2: float64 for float32
        raise InvalidArgumentError(
            f"{src}: {member!r} declares {archive.declared_size(member)} bytes, far more than "
            f"the {nbytes} bytes of shape {expected_shape}")
    try:
        with archive.open_member(member) as f:
            version = npy_format.read_magic(f)
            if version == (1, 0):
                shape, fortran, dtype = npy_format.read_array_header_1_0(f, MAX_NPY_HEADER)
            elif version in ((2, 0), (3, 0)):
                shape, fortran, dtype = npy_format.read_array_header_2_0(f, MAX_NPY_HEADER)
            else:
                raise ValueError(f"unsupported .npy version {version}")
            _check_header(src, shape, dtype, expected_shape, expected_dtype)
            size = math.prod(shape) * dtype.itemsize
            data = f.read(size + 1)
    except InvalidArgumentError:
        raise
    except ZIP_ERRORS + (SyntaxError, TypeError) as e:
        raise InvalidArgumentError(
            f"{src}: {member!r} is not a valid .npy array ({type(e).__name__}: {e})") from None
    if len(data) != size:
        raise InvalidArgumentError(
            f"{src}: {member!r} holds {len(data)} bytes of data where shape {shape} needs {size}")
    array = np.frombuffer(data, dtype=dtype).reshape(shape, order="F" if fortran else "C")
    return array.astype(expected_dtype)


def _check_header(src, shape, dtype, expected_shape, expected_dtype):
    if tuple(shape) != expected_shape:
        raise InvalidArgumentError(
            f"{src} has shape {tuple(shape)} in the file but the model expects "
            f"{expected_shape}")
    if dtype.kind not in "biuf" or dtype.hasobject or dtype.fields is not None or \
            not np.can_cast(dtype, expected_dtype, casting="same_kind"):
        raise InvalidArgumentError(
            f"{src} has dtype {dtype} in the file, which does not convert to the variable's "
            f"{expected_dtype} without losing information")


def _entries_archive(model, archive):
    """The model's weight entries after checking the archive holds exactly those weights."""
    entries = weight_entries(model)
    names = {n[:-4] for n in archive.names() if n.endswith(".npy")}
    missing = [k for k, _ in entries if k not in names]
    if missing:
        raise InvalidArgumentError(
            f"{archive.source}: the file has no weights for {missing[:5]}"
            f"{'...' if len(missing) > 5 else ''}; it holds {sorted(names)[:8]} (a different "
            "model?)")
    extra = sorted(set(archive.names()) - {f"{k}.npy" for k, _ in entries})
    if extra:
        raise InvalidArgumentError(
            f"{archive.source}: the file holds {len(extra)} entries the model does not have "
            f"({extra[:5]}); it was saved from a different model")
    return entries


def read_weights(model, archive):
    """[(variable, array)] for every weight of `model`, all checked; nothing is assigned."""
    return [(var, read_array(archive, f"{key}.npy", var.shape.as_list(), var.dtype.np,
                             f"weight {key!r} ({var.name})"))
            for key, var in _entries_archive(model, archive)]


def read_optimizer_state(model, index, archive):
    """[(assign target, array)] restoring `model.optimizer` from `optimizer_state` output, all
    checked first. Slot variables missing in the fresh optimizer are created (in the saved
    order) only by `apply_state`."""
    optimizer = model.optimizer
    src = archive.source
    if not isinstance(index, dict) or not isinstance(index.get("state"), list) or \
            not isinstance(index.get("slots"), list):
        raise InvalidArgumentError(f"{src}: the optimizer index must be a dict with 'state' and "
                                   "'slots' lists")
    if index.get("class_name") != type(optimizer).__name__:
        raise InvalidArgumentError(
            f"{src}: optimizer state of a {index.get('class_name')!r} cannot restore a "
            f"{type(optimizer).__name__}")
    slot_ids = {id(s) for _, slots in optimizer._slots.values() for s in slots.values()}
    own = [v for v in optimizer.variables if id(v) not in slot_ids]
    names = [_state_name(optimizer, v) for v in own]
    if index["state"] != names:
        raise InvalidArgumentError(
            f"{src}: the saved optimizer state {index['state']!r:.200} does not match the "
            f"optimizer's {names}")
    plan = [(v, read_array(archive, f"state/{i}.npy", v.shape.as_list(), v.dtype.np,
                           f"optimizer variable {names[i]!r}")) for i, v in enumerate(own)]
    variables = dict(weight_entries(model))
    allowed = set(optimizer._all_slot_names())
    expected_members = {f"state/{i}.npy" for i in range(len(own))}
    for i, entry in enumerate(index["slots"]):
        if not (isinstance(entry, list) and len(entry) == 2 and all(isinstance(e, str)
                                                                    for e in entry)):
            raise InvalidArgumentError(f"{src}: optimizer slot entry {i} is malformed: "
                                       f"{entry!r:.80}")
        key, slot_name = entry
        if key not in variables or slot_name not in allowed:
            raise InvalidArgumentError(
                f"{src}: optimizer slot {slot_name!r} of {key!r} matches no variable of the "
                f"model / slot of {type(optimizer).__name__} ({sorted(allowed)})")
        var = variables[key]
        plan.append(((var, slot_name), read_array(
            archive, f"slot/{i}.npy", optimizer._slot_shape(slot_name, var), var.dtype.np,
            f"optimizer slot {slot_name!r} of weight {key!r}")))
        expected_members.add(f"slot/{i}.npy")
    extra = sorted(set(archive.names()) - expected_members)
    if extra:
        raise InvalidArgumentError(f"{src}: unexpected optimizer entries {extra[:5]}")
    return plan


def assign_all(weights_plan, optimizer_plan=(), optimizer=None):
    """Assigns checked arrays: weights, then optimizer state (creating slots in the saved
    order)."""
    for var, array in weights_plan:
        var.assign(array)
    for target, array in optimizer_plan:
        if isinstance(target, tuple):
            var, slot_name = target
            target = optimizer._slots_for(var)[slot_name]
        target.assign(array)
    if optimizer is not None and optimizer_plan:
        optimizer.built = True


def load_index(data, source):
    try:
        return json.loads(data)
    except (ValueError, RecursionError) as e:
        raise InvalidArgumentError(f"{source}: corrupt optimizer index ({e})") from None


def open_weights(data, source, budget):
    return Archive.from_bytes(data, source, "graphflow weights archive", budget)
