"""The on-disk kernel cache: a second process loads compiled kernels instead of compiling, and a
corrupted cache entry is detected and rebuilt rather than crashing."""
import json
import os
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent("""
    import json, time
    import numpy as np
    import graphflow as tf

    @tf.function
    def f(x):
        return tf.nn.relu(x * 3.0 - 1.0) + tf.tanh(x)

    x = tf.constant(np.linspace(-2, 2, 1000, dtype=np.float32))
    start = time.perf_counter()
    y = f(x).numpy()
    seconds = time.perf_counter() - start
    kernels = f.get_concrete_function(x).kernels()
    expected = np.maximum(x.numpy() * 3 - 1, 0) + np.tanh(x.numpy())
    print(json.dumps({"ok": bool(np.allclose(y, expected, rtol=1e-5, atol=1e-6)),
                      "from_cache": [k.loaded_from_cache for k in kernels],
                      "files": [str(k.path) for k in kernels], "seconds": seconds}))
""")


def run_process(cache_dir):
    env = dict(os.environ, GRAPHFLOW_CACHE_DIR=str(cache_dir))
    out = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("kernel-cache")


def test_second_process_loads_kernels_from_disk(cache_dir):
    first = run_process(cache_dir)
    assert first["ok"] and first["from_cache"] == [False]
    second = run_process(cache_dir)
    assert second["ok"] and second["from_cache"] == [True]
    assert second["files"] == first["files"]


def test_corrupted_cache_entry_is_rebuilt(cache_dir):
    run_process(cache_dir)
    pycache = cache_dir / "kernels" / "__pycache__"
    entries = list(pycache.glob("*.nbi")) + list(pycache.glob("*.nbc"))
    assert entries, "numba wrote no cache files"
    for path in entries:
        path.write_bytes(b"\x00garbage, not a numba cache entry\xff" * 3)
    rebuilt = run_process(cache_dir)
    assert rebuilt["ok"] and rebuilt["from_cache"] == [False]
    again = run_process(cache_dir)
    assert again["ok"] and again["from_cache"] == [True]


def test_changed_source_never_loads_a_stale_kernel(cache_dir):
    """Sources are content-addressed: a different kernel body is a different file."""
    from graphflow.backends import numba_cpu
    from graphflow.backends.codegen import source_key
    assert source_key("def f(): return 1\n") != source_key("def f(): return 2\n")
    first = run_process(cache_dir)
    for f in first["files"]:
        assert source_key(open(f).read()) in os.path.basename(f)
    assert numba_cpu.cache_dir  # the directory function exists and honours GRAPHFLOW_CACHE_DIR
