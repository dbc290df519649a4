"""keras.utils helpers every script uses: set_random_seed, normalize, pad_sequences, get_file,
unpack_x_y_sample_weight, Progbar, register_keras_serializable, and keras.backend."""
import hashlib
import http.server
import random
import tarfile
import threading

import numpy as np
import pytest

import graphflow as tf
from graphflow import keras
from graphflow.errors import InvalidArgumentError, NotFoundError


def test_set_random_seed_seeds_python_numpy_and_graphflow():
    keras.utils.set_random_seed(7)
    a = (random.random(), np.random.rand(), tf.random.uniform([3]).numpy())
    keras.utils.set_random_seed(7)
    b = (random.random(), np.random.rand(), tf.random.uniform([3]).numpy())
    assert a[0] == b[0] and a[1] == b[1]
    np.testing.assert_array_equal(a[2], b[2])
    with pytest.raises(InvalidArgumentError, match="integer"):
        keras.utils.set_random_seed(1.5)


def test_normalize_numpy_and_tensor():
    x = np.array([[3.0, 4.0], [0.0, 0.0]])
    np.testing.assert_allclose(keras.utils.normalize(x), [[0.6, 0.8], [0.0, 0.0]])
    out = keras.utils.normalize(np.array([[3.0, 4.0], [1.0, 1.0]]), axis=0, order=1)
    np.testing.assert_allclose(out, [[0.75, 0.8], [0.25, 0.2]])  # values from Keras 3
    t = keras.utils.normalize([[3.0, 4.0], [0.0, 0.0]])
    assert isinstance(t, tf.Tensor) and t.dtype == tf.float32
    np.testing.assert_allclose(t.numpy(), [[0.6, 0.8], [0.0, 0.0]], rtol=1e-6)


def test_pad_sequences_matches_keras():
    seqs = [[1, 2, 3], [4]]
    np.testing.assert_array_equal(keras.utils.pad_sequences(seqs), [[1, 2, 3], [0, 0, 4]])
    np.testing.assert_array_equal(keras.utils.pad_sequences(seqs, maxlen=2), [[2, 3], [0, 4]])
    out = keras.utils.pad_sequences(seqs, padding="post", truncating="post", maxlen=2, value=-1)
    np.testing.assert_array_equal(out, [[1, 2], [4, -1]])
    assert keras.utils.pad_sequences(seqs).dtype == np.int32
    assert keras.utils.pad_sequences([[], [1.5]], dtype="float32").tolist() == [[0.0], [1.5]]
    # multi-dimensional elements keep their shape
    assert keras.utils.pad_sequences([np.ones((2, 3)), np.ones((1, 3))]).shape == (2, 2, 3)
    with pytest.raises(InvalidArgumentError, match="padding"):
        keras.utils.pad_sequences(seqs, padding="middle")
    with pytest.raises(InvalidArgumentError, match="element 1"):
        keras.utils.pad_sequences([[1], 5])


def test_unpack_and_pack_x_y_sample_weight():
    u = keras.utils.unpack_x_y_sample_weight
    assert u(1) == (1, None, None)
    assert u((1,)) == (1, None, None)
    assert u((1, 2)) == (1, 2, None)
    assert u([1, 2, 3]) == (1, 2, 3)
    with pytest.raises(InvalidArgumentError, match="found"):
        u((1, 2, 3, 4))
    assert keras.utils.pack_x_y_sample_weight(1, 2) == (1, 2)


def test_backend_helpers():
    assert keras.backend.image_data_format() == "channels_last"
    keras.backend.set_image_data_format("channels_last")
    with pytest.raises(InvalidArgumentError, match="channels_last"):
        keras.backend.set_image_data_format("channels_first")
    with pytest.raises(InvalidArgumentError, match="data_format"):
        keras.backend.set_image_data_format("nchw")
    keras.backend.clear_session()
    first = keras.layers.Dense(1).name
    assert keras.layers.Dense(1).name != first
    keras.backend.clear_session()
    assert keras.layers.Dense(1).name == first


def test_register_keras_serializable_round_trips_a_custom_layer():
    @keras.utils.register_keras_serializable(package="compat_tests")
    class Doubler(keras.layers.Layer):
        def call(self, x):
            return 2.0 * x
    assert keras.utils.get_registered_name(Doubler) == "compat_tests>Doubler"
    assert keras.utils.get_registered_object("compat_tests>Doubler") is Doubler


def test_progbar_counts_to_target(capsys):
    bar = keras.utils.Progbar(3, verbose=1)
    for i in range(3):
        bar.update(i + 1, values=[("loss", 0.5)])
    assert "3/3" in capsys.readouterr().out


@pytest.fixture
def payload(tmp_path):
    src = tmp_path / "src" / "data.txt"
    src.parent.mkdir()
    src.write_bytes(b"graphflow data\n")
    return src


def test_get_file_caches_and_checks_hash(tmp_path, payload):
    cache = tmp_path / "cache"
    sha = hashlib.sha256(payload.read_bytes()).hexdigest()
    path = keras.utils.get_file(origin=payload.as_uri(), cache_dir=cache, file_hash=sha)
    assert path == str(cache / "datasets" / "data.txt")
    assert open(path, "rb").read() == b"graphflow data\n"
    payload.unlink()  # the cached copy is reused: no fetch
    assert keras.utils.get_file("data.txt", payload.as_uri(), cache_dir=cache,
                                file_hash=sha) == path
    # a cached copy with the wrong hash is fetched again; here the origin is gone: clear error
    with pytest.raises(NotFoundError, match="URL fetch failure"):
        keras.utils.get_file("data.txt", payload.as_uri(), cache_dir=cache, file_hash="0" * 64)


def test_get_file_hash_mismatch_after_download_is_an_error(tmp_path, payload):
    md5 = "0" * 32
    with pytest.raises(InvalidArgumentError, match="md5 hash does not match"):
        keras.utils.get_file(origin=payload.as_uri(), cache_dir=tmp_path / "c", file_hash=md5)
    assert not (tmp_path / "c" / "datasets" / "data.txt").exists()  # nothing half-valid left
    with pytest.raises(InvalidArgumentError, match="fname"):
        keras.utils.get_file("a/b.txt", payload.as_uri(), cache_dir=tmp_path / "c")


def test_get_file_over_http_on_localhost_and_extract(tmp_path, payload):
    archive = payload.parent / "bundle.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(payload, arcname="bundle/data.txt")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **k):
            super().__init__(*a, directory=str(payload.parent), **k)

        def log_message(self, *a):
            pass
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        path = keras.utils.get_file("bundle.tar.gz", f"{base}/bundle.tar.gz",
                                    cache_dir=tmp_path / "c", extract=True)
        assert path.endswith("bundle_extracted")
        assert open(f"{path}/bundle/data.txt", "rb").read() == b"graphflow data\n"
        with pytest.raises(NotFoundError, match="404"):
            keras.utils.get_file(origin=f"{base}/missing.bin", cache_dir=tmp_path / "c")
    finally:
        server.shutdown()
        server.server_close()
