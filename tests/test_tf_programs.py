"""Every program of tests/tf_programs (valid TensorFlow 2, checked with real TF outside CI by
`python tests/tf_programs/corpus.py --tf`) runs under graphflow with only its imports rewritten."""
import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "tf_programs"))
import corpus  # noqa: E402

# program file -> why it cannot pass yet (strict: a program that starts passing must leave here)
EXPECTED_FAILURES = {
}


def test_rewrite_touches_only_imports():
    src = ("import tensorflow as tf\nfrom tensorflow import keras\n"
           "from tensorflow.keras import layers\nimport tensorflow.compat.v1 as v1\n"
           "x = 'import tensorflow as tf'\n")
    assert corpus.to_graphflow(src) == (
        "import graphflow as tf\nfrom graphflow import keras\n"
        "from graphflow.keras import layers\nimport graphflow.compat.v1 as v1\n"
        "x = 'import tensorflow as tf'\n")


def _params():
    for path in corpus.programs():
        name = os.path.basename(path)
        marks = ([pytest.mark.xfail(reason=EXPECTED_FAILURES[name], strict=True)]
                 if name in EXPECTED_FAILURES else [])
        yield pytest.param(path, id=name, marks=marks)


def test_expected_failures_exist():
    assert set(EXPECTED_FAILURES) <= {os.path.basename(p) for p in corpus.programs()}


@pytest.mark.parametrize("path", list(_params()))
def test_program_runs_under_graphflow(path):
    name = os.path.basename(path)
    with open(path) as f:
        source = corpus.to_graphflow(f.read())
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-c", source], capture_output=True, text=True,
                          cwd=os.path.dirname(path), env=env, timeout=300)
    assert proc.returncode == 0 and proc.stdout.rstrip().endswith("ok"), (
        f"{name} failed under graphflow:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
