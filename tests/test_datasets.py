"""keras.datasets.mnist: the real files from GRAPHFLOW_DATA_DIR, an explicit path, the cache, and
downloads (served from a local HTTP server on 127.0.0.1), including a corrupted download."""
import functools
import http.server
import os
import pathlib
import shutil
import threading

import numpy as np
import pytest

from graphflow.errors import InvalidArgumentError, NotFoundError
from graphflow.keras.datasets import mnist
from graphflow.keras.datasets.idx import parse_idx

SHARED = pathlib.Path(os.environ.get("GRAPHFLOW_DATA_DIR", "")) / "mnist"
needs_mnist = pytest.mark.skipif(not (SHARED / "t10k-labels-idx1-ubyte.gz").exists(),
                                 reason="the MNIST files are not in GRAPHFLOW_DATA_DIR")


@needs_mnist
def test_load_data_shapes_and_dtypes_like_keras():
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    assert x_train.shape == (60000, 28, 28) and x_train.dtype == np.uint8
    assert y_train.shape == (60000,) and y_train.dtype == np.uint8
    assert x_test.shape == (10000, 28, 28) and y_test.shape == (10000,)
    assert set(np.unique(y_train)) == set(range(10)) and x_train.max() == 255


@needs_mnist
def test_explicit_path_takes_precedence(tmp_path, monkeypatch):
    for f in mnist.FILES:
        shutil.copy(SHARED / f, tmp_path / f)
    monkeypatch.delenv("GRAPHFLOW_DATA_DIR")
    monkeypatch.setenv("GRAPHFLOW_CACHE_DIR", str(tmp_path / "empty-cache"))
    (_, y), _ = mnist.load_data(path=tmp_path)
    assert y.shape == (60000,)


class _Server:
    def __init__(self, root):
        handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
        handler.log_message = lambda *a: None
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@needs_mnist
def test_download_into_cache_then_reuse(tmp_path, monkeypatch):
    served = tmp_path / "served"
    served.mkdir()
    for f in mnist.FILES:
        shutil.copy(SHARED / f, served / f)
    monkeypatch.delenv("GRAPHFLOW_DATA_DIR")
    monkeypatch.setenv("GRAPHFLOW_CACHE_DIR", str(tmp_path / "cache"))
    server = _Server(served)
    try:
        (_, y), _ = mnist.load_data(mirrors=[server.url])
    finally:
        server.close()
    assert y.shape == (60000,)
    cached = tmp_path / "cache" / "datasets" / "mnist"
    assert sorted(p.name for p in cached.iterdir()) == sorted(mnist.FILES)
    (_, y2), _ = mnist.load_data(mirrors=["http://127.0.0.1:9/unreachable"])  # from the cache
    np.testing.assert_array_equal(y, y2)


@needs_mnist
def test_corrupted_download_is_rejected(tmp_path, monkeypatch):
    served = tmp_path / "served"
    served.mkdir()
    for f in mnist.FILES:
        shutil.copy(SHARED / f, served / f)
    data = bytearray((served / "t10k-labels-idx1-ubyte.gz").read_bytes())
    import gzip
    raw = bytearray(gzip.decompress(bytes(data)))
    raw[100] ^= 0xFF  # one flipped label byte
    (served / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(bytes(raw)))
    monkeypatch.delenv("GRAPHFLOW_DATA_DIR")
    monkeypatch.setenv("GRAPHFLOW_CACHE_DIR", str(tmp_path / "cache"))
    server = _Server(served)
    try:
        with pytest.raises(NotFoundError, match="sha256 mismatch"):
            mnist.load_data(mirrors=[server.url])
    finally:
        server.close()
    cached = tmp_path / "cache" / "datasets" / "mnist"
    assert not (cached / "t10k-labels-idx1-ubyte.gz").exists()
    assert not any(p.name.startswith(".") for p in cached.iterdir())  # no partial temp files


def test_idx_parser_rejects_bad_files():
    import gzip
    import struct
    good = struct.pack(">HBBI", 0, 8, 1, 3) + bytes([1, 2, 3])
    assert parse_idx(gzip.compress(good), "x").tolist() == [1, 2, 3]
    with pytest.raises(InvalidArgumentError, match="truncated or corrupt"):
        parse_idx(gzip.compress(good[:-1]), "labels")
    with pytest.raises(InvalidArgumentError, match="bad magic"):
        parse_idx(b"\x01\x02\x03\x04\x05", "labels")
    with pytest.raises(InvalidArgumentError, match="not a valid gzip"):
        parse_idx(b"\x1f\x8b garbage", "labels")


def test_fashion_mnist_downloads_are_checked_against_the_published_md5(tmp_path, monkeypatch):
    """Fashion-MNIST's pins are the MD5s of the published .gz files: served files whose digests
    match are accepted and cached; a file that differs is rejected and not kept."""
    import gzip
    import hashlib
    import struct
    from graphflow.keras.datasets import fashion_mnist
    served = tmp_path / "served"
    served.mkdir()
    rng = np.random.default_rng(0)
    contents = {
        "train-images-idx3-ubyte.gz": struct.pack(">HBBIII", 0, 8, 3, 4, 28, 28)
        + rng.integers(0, 256, 4 * 784, dtype=np.uint8).tobytes(),
        "train-labels-idx1-ubyte.gz": struct.pack(">HBBI", 0, 8, 1, 4) + bytes([1, 2, 3, 4]),
        "t10k-images-idx3-ubyte.gz": struct.pack(">HBBIII", 0, 8, 3, 2, 28, 28)
        + rng.integers(0, 256, 2 * 784, dtype=np.uint8).tobytes(),
        "t10k-labels-idx1-ubyte.gz": struct.pack(">HBBI", 0, 8, 1, 2) + bytes([9, 0]),
    }
    pins = {}
    for name, raw in contents.items():
        data = gzip.compress(raw, mtime=0)
        (served / name).write_bytes(data)
        pins[name] = ("md5", hashlib.md5(data).hexdigest())
    monkeypatch.setattr(fashion_mnist, "FILES", pins)
    monkeypatch.delenv("GRAPHFLOW_DATA_DIR")
    monkeypatch.setenv("GRAPHFLOW_CACHE_DIR", str(tmp_path / "cache"))
    server = _Server(served)
    try:
        (x, y), (xt, yt) = fashion_mnist.load_data(mirrors=[server.url])
        assert x.shape == (4, 28, 28) and y.tolist() == [1, 2, 3, 4] and yt.tolist() == [9, 0]
        cached = tmp_path / "cache" / "datasets" / "fashion_mnist"
        for f in pins:
            (cached / f).unlink()
        bad = gzip.compress(contents["t10k-labels-idx1-ubyte.gz"][:-1] + b"\x05", mtime=0)
        (served / "t10k-labels-idx1-ubyte.gz").write_bytes(bad)
        with pytest.raises(NotFoundError, match="md5 mismatch"):
            fashion_mnist.load_data(mirrors=[server.url])
        assert not (cached / "t10k-labels-idx1-ubyte.gz").exists()
    finally:
        server.close()
    assert fashion_mnist.MIRRORS and all(u.startswith("http") for u in fashion_mnist.MIRRORS)
