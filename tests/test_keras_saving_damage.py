"""Damaged, truncated, foreign and malicious model files: each load gives one typed graphflow
error naming the file (InvalidArgumentError; NotFoundError for a missing path), never an
internal exception (zlib.error, BadZipFile, KeyError, RecursionError, MemoryError, ...), nothing
from the file is constructed unless it is a graphflow Keras class or a registered one, nothing
is allocated beyond what the file's size allows, and an existing model's variables are unchanged
by a failed load_weights."""
import io
import json
import os
import struct
import time
import tracemalloc
import zipfile

import numpy as np
import pytest

from graphflow import keras
from graphflow.errors import GraphflowError, InvalidArgumentError, NotFoundError

L = keras.layers
X = np.random.default_rng(0).random((8, 4)).astype(np.float32)
Y = np.random.default_rng(1).random((8, 2)).astype(np.float32)


def _model():
    inp = keras.Input((4,), name="x")
    h = L.Dense(3, activation="relu", name="hidden")(inp)
    h = L.BatchNormalization(name="norm")(h)
    return keras.Model(inp, L.Dense(2, name="out")(h), name="net")


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    model = _model()
    model.compile("adam", "mse")
    model.fit(X, Y, epochs=1, batch_size=4, verbose=0)  # so the optimizer has slots
    path = tmp_path_factory.mktemp("saved") / "model.keras"
    model.save(path)
    return path, path.read_bytes(), model.get_weights()


def _members(data):
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {info.filename: z.read(info) for info in z.infolist()}


def _rezip(members, compression=zipfile.ZIP_DEFLATED):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buffer.getvalue()


def _with(data, **replacements):
    """The archive with members replaced ({member}=bytes/str) or removed (=None)."""
    members = _members(data)
    for name, value in replacements.items():
        name = name.replace("__", ".")
        if value is None:
            members.pop(name, None)
        else:
            members[name] = value.encode() if isinstance(value, str) else value
    return _rezip(members)


def _config(data):
    return json.loads(_members(data)["config.json"])


class Target:
    """An existing model that a failed load must leave untouched."""

    def __init__(self):
        self.model = _model()
        self.before = self.model.get_weights()

    def unchanged(self):
        return all(np.array_equal(a, b) for a, b in zip(self.before, self.model.get_weights()))


def _expect_typed(load, path):
    with pytest.raises(GraphflowError) as info:
        load()
    assert isinstance(info.value, (InvalidArgumentError, NotFoundError)), repr(info.value)
    assert str(path) in str(info.value), str(info.value)
    return info.value


def _both_loaders(tmp_path, data, name="bad.keras"):
    path = tmp_path / name
    path.write_bytes(data)
    target = Target()
    errors = [_expect_typed(lambda: keras.models.load_model(path), path),
              _expect_typed(lambda: target.model.load_weights(path), path)]
    assert target.unchanged()
    return errors


def test_truncation_at_20_offsets(tmp_path, saved):
    _, data, _ = saved
    for i, cut in enumerate(np.linspace(1, len(data) - 1, 20).astype(int)):
        _both_loaders(tmp_path, data[:cut], f"cut{i}.keras")


def test_80_byte_flips(tmp_path, saved):
    _, data, weights = saved
    loaded = 0
    for i, pos in enumerate(np.linspace(0, len(data) - 1, 80).astype(int)):
        flipped = bytearray(data)
        flipped[pos] ^= 0xFF
        path = tmp_path / f"flip{i}.keras"
        path.write_bytes(bytes(flipped))
        target = Target()
        try:
            model = keras.models.load_model(path)
        except GraphflowError as e:
            assert isinstance(e, InvalidArgumentError) and str(path) in str(e), repr(e)
        else:  # the flip hit bytes nothing depends on (a timestamp): the model is intact
            loaded += 1
            for a, b in zip(weights, model.get_weights()):
                np.testing.assert_array_equal(a, b)
        try:
            target.model.load_weights(path)
        except GraphflowError as e:
            assert isinstance(e, InvalidArgumentError) and str(path) in str(e), repr(e)
            assert target.unchanged()
        else:
            for a, b in zip(weights, target.model.get_weights()):
                np.testing.assert_array_equal(a, b)
    assert loaded < 40  # CRCs catch nearly every flip


def test_foreign_empty_directory_missing(tmp_path):
    (tmp_path / "text.keras").write_text("hello, not a zip")
    e, _ = _both_loaders(tmp_path, b"hello, not a zip", "text.keras")
    assert "not a" in str(e)
    _both_loaders(tmp_path, b"", "empty.keras")
    _both_loaders(tmp_path, _rezip({"readme.txt": b"a zip of something else"}), "other.zip")
    target = Target()
    for load in (keras.models.load_model, target.model.load_weights):
        _expect_typed(lambda: load(tmp_path), tmp_path)
        with pytest.raises(NotFoundError):
            load(tmp_path / "absent.keras")
    assert target.unchanged()


DEEP = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize("config, message", [
    ("null", "must be a JSON object"),
    ("[1, 2]", "must be a JSON object"),
    (DEEP, "nested too deeply"),
    ('{"class_name": "Model", "config": null}', "must be a dict"),
    ('{"class_name": "Model"}', "no input shape"),
    ('{"class_name": "Sequential", "config": {"layers": 3}}', "needs a 'layers' list"),
    ('{"class_name": 7, "config": {}}', "string 'class_name'"),
    ('{"class_name": "TensorShape", "config": {"dims": [1]}}', "Unknown layer class 'TensorShape'"),
    ('{"class_name": "KerasTensor", "config": {"shape": [1]}}', "Unknown layer class 'KerasTensor'"),
    ('{"class_name": "os.system", "config": {"command": "touch PWNED"}}', "Unknown layer class"),
    ('{"class_name": "system", "config": {}}', "Unknown layer class"),
    ('not json', "not valid JSON"),
])
def test_malformed_configs(tmp_path, saved, config, message):
    _, data, _ = saved
    path = tmp_path / "bad.keras"
    path.write_bytes(_with(data, config__json=config))
    error = _expect_typed(lambda: keras.models.load_model(path), path)
    assert message in str(error), str(error)
    assert not (tmp_path / "PWNED").exists() and not os.path.exists("PWNED")


def test_config_surgery(tmp_path, saved):
    """Edits of a real config: unknown references, bad fields, an allocation the file cannot
    hold, an unknown nested object, a missing optimizer."""
    _, data, _ = saved
    base = _config(data)

    def edited(fn):
        config = json.loads(json.dumps(base))
        fn(config["config"])
        return json.dumps(config)

    def unknown_ref(c):
        c["layers"][2]["inbound_nodes"][0]["args"]["__list__"][0]["__tensor__"][0] = "ghost"

    def bad_ref(c):
        c["layers"][2]["inbound_nodes"][0]["args"]["__list__"][0]["__tensor__"] = ["hidden", 7]

    def bad_output(c):
        c["output_layers"] = ["out", 3, 0]

    def twice(c):
        c["layers"][2]["name"] = "hidden"

    def huge_units(c):  # 2**40 floats: must fail before allocating
        c["layers"][1]["config"]["units"] = 2 ** 28

    def bad_units(c):
        c["layers"][1]["config"]["units"] = "many"

    def unknown_key(c):
        c["layers"][1]["config"]["evil"] = 1

    def unknown_initializer(c):
        c["layers"][1]["config"]["kernel_initializer"] = {"class_name": "Popen", "config": {}}

    def unknown_regularizer(c):
        c["layers"][1]["config"]["kernel_regularizer"] = {"class_name": "eval", "config": {}}

    def bad_shape(c):
        c["layers"][0]["config"]["batch_input_shape"] = ["a", "b"]

    cases = [(unknown_ref, "does not define"), (bad_ref, "tensor reference"),
             (bad_output, "does not define"), (twice, "twice"),
             (huge_units, "more than the file can hold"), (bad_units, "units"),
             (unknown_key, "evil"), (unknown_initializer, "Unknown initializer class 'Popen'"),
             (unknown_regularizer, "Unknown regularizer class 'eval'"), (bad_shape, "")]
    for fn, message in cases:
        path = tmp_path / f"{fn.__name__}.keras"
        path.write_bytes(_with(data, config__json=edited(fn)))
        tracemalloc.start()
        start = time.perf_counter()
        error = _expect_typed(lambda: keras.models.load_model(path), path)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert message in str(error), (fn.__name__, str(error))
        assert peak < 200 << 20 and time.perf_counter() - start < 20, fn.__name__

    compile_config = json.loads(_members(data)["compile.json"])
    del compile_config["optimizer"]
    path = tmp_path / "no_optimizer.keras"
    path.write_bytes(_with(data, compile__json=json.dumps(compile_config)))
    assert "no 'optimizer'" in str(_expect_typed(lambda: keras.models.load_model(path), path))
    path.write_bytes(_with(data, compile__json=json.dumps(
        {"optimizer": {"class_name": "Adam", "config": {"learning_rate": 0.1, "evil": 1}}})))
    assert "evil" in str(_expect_typed(lambda: keras.models.load_model(path), path))
    path.write_bytes(_with(data, compile__json=json.dumps(
        {"optimizer": "adam", "metrics": [{"class_name": "AUC",
                                           "config": {"num_thresholds": 10 ** 9}}]})))
    assert "metric names" in str(_expect_typed(lambda: keras.models.load_model(path), path))
    path.write_bytes(_with(data, metadata__json='{"format": "graphflow.keras", "version": 99}'))
    assert "newer graphflow" in str(_expect_typed(lambda: keras.models.load_model(path), path))
    path.write_bytes(_with(data, weights__npz=None))
    assert "weights" in str(_expect_typed(lambda: keras.models.load_model(path), path))


def _npy(array):
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def _npy_header(shape, dtype):
    """Only the .npy header of an array (75 GB as declared here): the data never exists."""
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": np.dtype(dtype).str,
                                                  "fortran_order": False, "shape": shape})
    return buffer.getvalue()


def test_weights_load_all_or_nothing(tmp_path, saved):
    _, data, weights = saved
    inner = sorted(_members(_members(data)["weights.npz"]))
    last = inner[-1][:-4]  # the output layer's bias, loaded last
    for name, value, message in [
            ("shape", _npy(np.zeros(5, np.float32)), "has shape (5,)"),
            ("complex", _npy(np.zeros(2, np.complex64)), "dtype complex64"),
            ("string", _npy(np.array(["a", "b"])), "dtype <U1"),
            ("header", _npy_header((100000, 100000), np.float64) + b"\0" * 64, "has shape"),
            ("truncated", _npy(np.zeros(2, np.float32))[:-3], "bytes of data"),
            ("garbage", b"\x93NUMPY\x01\x00\xff\xff" + b"x" * 64, "not a valid .npy")]:
        members = _members(data)
        arrays = _members(members["weights.npz"])
        arrays[f"{last}.npy"] = value
        members["weights.npz"] = _rezip(arrays)
        errors = _both_loaders(tmp_path, _rezip(members), f"{name}.keras")
        assert all(message in str(e) for e in errors), (name, [str(e) for e in errors])
    members = _members(data)
    arrays = _members(members["weights.npz"])
    arrays["9999_Dense/0.npy"] = _npy(np.zeros(2, np.float32))
    members["weights.npz"] = _rezip(arrays)
    errors = _both_loaders(tmp_path, _rezip(members), "extra.keras")
    assert "different model" in str(errors[0])


def _patch_declared_size(data, member, size):
    """The archive with `member`'s uncompressed size in the central directory set to `size`."""
    data = bytearray(data)
    name = member.encode()
    pos = 0
    while True:
        at = data.find(b"PK\x01\x02", pos)
        if at < 0:
            raise AssertionError(member)
        name_len = struct.unpack_from("<H", data, at + 28)[0]
        if bytes(data[at + 46:at + 46 + name_len]) == name:
            struct.pack_into("<I", data, at + 24, size)
            return bytes(data)
        pos = at + 4


def test_zip_bomb_is_refused_before_decompressing(tmp_path, saved):
    _, data, _ = saved
    bomb = _patch_declared_size(data, "weights.npz", 2 ** 32 - 1)
    errors = _both_loaders(tmp_path, bomb, "bomb.keras")
    assert "zip bomb" in str(errors[0])
    # A real one: 64 MB of zeros deflates to ~64 KB; as a weight it is far beyond the model's.
    members = _members(data)
    arrays = _members(members["weights.npz"])
    key = sorted(arrays)[-1]
    arrays[key] = _npy(np.zeros(16 << 20, np.float32))
    members["weights.npz"] = _rezip(arrays)
    tracemalloc.start()
    errors = _both_loaders(tmp_path, _rezip(members), "real_bomb.keras")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert "far more than" in str(errors[0]) and peak < 48 << 20, (str(errors[0]), peak)


def test_unsupported_members(tmp_path, saved):
    _, data, _ = saved
    members = _members(data)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, value in members.items():
            z.writestr(name, value, compress_type=zipfile.ZIP_BZIP2 if name == "config.json"
                       else zipfile.ZIP_DEFLATED)
    errors = _both_loaders(tmp_path, buffer.getvalue(), "bzip2.keras")
    assert "compression method" in str(errors[0])
