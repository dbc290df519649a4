"""The on-disk kernel cache (backends/kernel_cache.py): a second process loads compiled kernels
instead of compiling; damaged entries (flipped bytes, garbage sources, missing manifests, files
other users can write) are detected before Numba loads them and rebuilt; an unusable cache
directory (not a directory, no permission, read-only, writable by others) makes kernels compile
in memory with one warning. Each case runs in a subprocess, since a damaged Numba cache entry
that got loaded could abort the process."""
import json
import os
import stat
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent("""
    import json, time, warnings
    import numpy as np
    warnings.simplefilter("always")
    with warnings.catch_warnings(record=True) as caught:
        import graphflow as tf

        @tf.function
        def f(x):
            return tf.nn.relu(x * 3.0 - 1.0) + tf.tanh(x)

        x = tf.constant(np.linspace(-2, 2, 1000, dtype=np.float32))
        ys = [f(x).numpy(), f(x + 1.0).numpy()]
    kernels = f.get_concrete_function(x).kernels()
    def expected(x):
        return np.maximum(x * 3 - 1, 0) + np.tanh(x)
    ok = all(np.allclose(y, expected(x.numpy() + k), rtol=1e-5, atol=1e-6)
             for k, y in enumerate(ys))
    print(json.dumps({"ok": bool(ok),
                      "from_cache": [k.loaded_from_cache for k in kernels],
                      "files": [str(k.path) if k.path else None for k in kernels],
                      "warnings": [str(w.message) for w in caught
                                   if "kernel cache" in str(w.message)]}))
""")


def run_process(cache_dir):
    env = dict(os.environ, GRAPHFLOW_CACHE_DIR=str(cache_dir))
    out = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def warm(cache_dir, check_loads=False):
    """A cache holding the kernel, compiled by a first process (and loaded by a second)."""
    first = run_process(cache_dir)
    assert first["ok"] and first["from_cache"] == [False] and not first["warnings"], first
    if check_loads:
        second = run_process(cache_dir)
        assert second["ok"] and second["from_cache"] == [True], second
    return first


def entries(cache_dir, pattern):
    found = sorted((cache_dir / "kernels" / "__pycache__").glob(pattern))
    assert found, f"no cache files {pattern}"
    return found


def assert_rebuilt(cache_dir, then_loads=False):
    """The next process works and recompiles silently (and the one after loads from disk)."""
    rebuilt = run_process(cache_dir)
    assert rebuilt["ok"] and rebuilt["from_cache"] == [False] and not rebuilt["warnings"], rebuilt
    if then_loads:
        again = run_process(cache_dir)
        assert again["ok"] and again["from_cache"] == [True], again


def assert_in_memory(cache_dir):
    """The process works with kernels compiled in memory and exactly one warning."""
    result = run_process(cache_dir)
    assert result["ok"] and result["files"] == [None], result
    assert len(result["warnings"]) == 1, result["warnings"]
    assert "compiled in memory" in result["warnings"][0]


def test_second_process_loads_kernels_from_disk(tmp_path):
    first = warm(tmp_path, check_loads=True)
    assert run_process(tmp_path)["files"] == first["files"]
    manifests = list((tmp_path / "kernels").glob("*.sha256"))
    assert len(manifests) == 1
    recorded = json.loads(manifests[0].read_text())
    assert any(name.endswith(".nbc") for name in recorded)
    assert any(name.endswith(".nbi") for name in recorded)


def test_cache_directories_are_private(tmp_path):
    root = tmp_path / "new" / "graphflow"
    warm(root)
    for d in (root.parent, root, root / "kernels"):
        assert stat.S_IMODE(d.stat().st_mode) == 0o700, d


@pytest.mark.parametrize("suffix", ["nbc", "nbi"])
def test_flipped_bytes_in_a_cache_entry_are_rebuilt(tmp_path, suffix):
    warm(tmp_path)
    for path in entries(tmp_path, f"*.{suffix}"):
        data = bytearray(path.read_bytes())
        for k in range(len(data) // 3, len(data), max(1, len(data) // 7)):
            data[k] ^= 0x5A
        path.write_bytes(bytes(data))
    assert_rebuilt(tmp_path, then_loads=True)


def test_garbage_cache_entries_are_rebuilt(tmp_path):
    warm(tmp_path)
    for path in entries(tmp_path, "*.nb*"):
        path.write_bytes(b"\x00garbage, not a numba cache entry\xff" * 3)
    assert_rebuilt(tmp_path)


def test_truncated_cache_entry_is_rebuilt(tmp_path):
    warm(tmp_path)
    for path in entries(tmp_path, "*.nbc"):
        path.write_bytes(path.read_bytes()[:50])
    assert_rebuilt(tmp_path)


def test_garbage_kernel_source_is_rewritten(tmp_path):
    first = warm(tmp_path)
    for f in first["files"]:
        with open(f, "wb") as out:
            out.write(b"\xff\xfe\x00 not python, not utf-8 \x80\x81\n")
    assert_rebuilt(tmp_path)
    assert [open(f).read() for f in first["files"]][0].startswith('"""graphflow kernel')


def test_entries_without_a_manifest_are_not_trusted(tmp_path):
    """A cache written before manifests existed (or by a process that died before recording
    one) is rebuilt rather than loaded unverified."""
    warm(tmp_path)
    for m in (tmp_path / "kernels").glob("*.sha256"):
        m.unlink()
    assert_rebuilt(tmp_path)


def test_entries_writable_by_other_users_are_refused(tmp_path):
    warm(tmp_path)
    targets = entries(tmp_path, "*.nbc")
    for path in targets:
        path.chmod(0o666)
    assert_rebuilt(tmp_path)
    for path in entries(tmp_path, "*.nb*"):
        assert not stat.S_IMODE(path.stat().st_mode) & 0o022


def test_a_cache_directory_writable_by_others_is_not_used(tmp_path):
    warm(tmp_path)
    (tmp_path / "kernels").chmod(0o777)
    assert_in_memory(tmp_path)


def test_cache_path_that_is_a_file(tmp_path):
    path = tmp_path / "not-a-directory"
    path.write_text("a file")
    assert_in_memory(path)
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "kernels").write_text("a file where the kernels directory goes")
    assert_in_memory(tmp_path / "cache")


@pytest.mark.skipif(not os.path.isdir("/sys/kernel"), reason="needs Linux sysfs")
def test_cache_path_without_permission_even_for_root():
    """sysfs refuses mkdir to every user, root included."""
    assert_in_memory("/sys/graphflow-cache-test")


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0,
                    reason="root writes to read-only directories (covered above via sysfs)")
@pytest.mark.parametrize("mode", [0o500, 0o000])
def test_read_only_or_inaccessible_cache_directory(tmp_path, mode):
    (tmp_path / "kernels").mkdir(mode=0o700)
    (tmp_path / "kernels").chmod(mode)
    try:
        assert_in_memory(tmp_path)
    finally:
        (tmp_path / "kernels").chmod(0o700)


def test_changed_source_never_loads_a_stale_kernel(tmp_path):
    """Sources are content-addressed: a different kernel body is a different file."""
    from graphflow.backends.codegen import source_key
    assert source_key("def f(): return 1\n") != source_key("def f(): return 2\n")
    first = warm(tmp_path)
    for f in first["files"]:
        assert source_key(open(f).read()) in os.path.basename(f)


def test_in_memory_kernels_in_process(tmp_path, monkeypatch):
    """The in-memory fallback also serves the CUDA target's kernels (under the simulator)."""
    import numpy as np
    import graphflow as tf
    monkeypatch.setenv("GRAPHFLOW_CACHE_DIR", str(tmp_path / "file"))
    (tmp_path / "file").write_text("x")
    with pytest.warns(RuntimeWarning, match="compiled in memory"):
        with tf.device("/GPU:0"):
            f = tf.function(lambda x: tf.sigmoid(x) * 5.5 - 0.25)
            y = f(tf.constant([0.0, 1.0, -3.0]))
    np.testing.assert_allclose(y.numpy(), 5.5 / (1 + np.exp(-np.array([0.0, 1, -3]))) - 0.25,
                               rtol=1e-6)
