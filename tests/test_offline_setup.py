"""Offline set-up explains itself: a dataset that cannot be found (no data folder, an empty
cache, no network) raises one line saying which files are needed, where graphflow looked and
how to provide them; examples/mnist_mlp.py prints that line instead of a traceback. No test
here touches the network: downloads go to a closed port on this machine."""
import os
import socket
import subprocess
import sys

import pytest

from graphflow.errors import NotFoundError
from graphflow.keras.datasets import mnist

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FILES = list(mnist.FILES)


def closed_port_url():
    with socket.socket() as s:  # a port nobody listens on: connections are refused at once
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


@pytest.fixture
def nowhere(tmp_path, monkeypatch):
    monkeypatch.delenv("GRAPHFLOW_DATA_DIR", raising=False)
    monkeypatch.setenv("GRAPHFLOW_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path


def test_one_line_says_where_it_looked_and_what_to_do(nowhere):
    with pytest.raises(NotFoundError) as info:
        mnist.load_data(mirrors=[closed_port_url()])
    message = str(info.value)
    assert "\n" not in message
    assert all(f in message for f in FILES)
    assert "$GRAPHFLOW_DATA_DIR (not set)" in message
    assert str(nowhere / "cache" / "datasets" / "mnist") in message
    assert "downloading train-images-idx3-ubyte.gz failed" in message and "refused" in message
    assert "put the 4 files in <folder>/mnist/ and set GRAPHFLOW_DATA_DIR=<folder>" in message


def test_a_data_dir_that_does_not_exist_is_named(nowhere, monkeypatch):
    monkeypatch.setenv("GRAPHFLOW_DATA_DIR", str(nowhere / "missing"))
    with pytest.raises(NotFoundError, match=r"\$GRAPHFLOW_DATA_DIR/mnist = .*missing/mnist, "
                                            r"which does not exist"):
        mnist.load_data(mirrors=[closed_port_url()])


def test_partial_data_folder_then_path(nowhere):
    folder = nowhere / "data" / "mnist"
    folder.mkdir(parents=True)
    (folder / FILES[0]).write_bytes(b"")
    with pytest.raises(NotFoundError, match=r"cannot find the dataset's files .* Looked in "
                                            r"path= .*data/mnist\. To provide them"):
        mnist.load_data(path=str(folder))


def test_mnist_example_prints_the_line_and_exits_2(nowhere):
    env = {k: v for k, v in os.environ.items() if k not in ("GRAPHFLOW_DATA_DIR",)}
    url = closed_port_url()
    # urllib honours these: the example's real mirrors are tried through a refused proxy
    env.update(GRAPHFLOW_CACHE_DIR=str(nowhere / "cache"), http_proxy=url, https_proxy=url,
               HTTP_PROXY=url, HTTPS_PROXY=url, no_proxy="", NO_PROXY="",
               PYTHONPATH=REPO)
    result = subprocess.run([sys.executable, os.path.join(REPO, "examples", "mnist_mlp.py"),
                             "--epochs", "1"], cwd=str(nowhere), env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mnist_mlp.py: mnist: cannot find"), lines
    assert "GRAPHFLOW_DATA_DIR=<folder>" in lines[0] and "Traceback" not in result.stderr
