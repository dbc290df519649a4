"""The tf_programs corpus: small TensorFlow 2 programs that must run unchanged under real
TensorFlow and, with only their import lines rewritten, under graphflow.

Each program is one theme with asserts on its results and prints "ok" at the end.

    python tests/tf_programs/corpus.py --tf [~/.venv-tf/bin/python]   # prove they are valid TF
    python tests/tf_programs/corpus.py                                # run them under graphflow

tests/test_tf_programs.py runs every program under graphflow in CI; TensorFlow is never a
dependency (the --tf run is for developers, in a separate venv with tensorflow-cpu 2.21).
"""
import argparse
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))

_REWRITES = [
    (re.compile(r"^(\s*)import tensorflow(\.[\w.]+)? as (\w+)", re.M), r"\1import graphflow\2 as \3"),
    (re.compile(r"^(\s*)from tensorflow(\.[\w.]+)? import ", re.M), r"\1from graphflow\2 import "),
    (re.compile(r"^(\s*)import keras$", re.M), r"\1from graphflow import keras"),
    (re.compile(r"^(\s*)from keras(\.[\w.]+)? import ", re.M), r"\1from graphflow.keras\2 import "),
]


def programs():
    """Paths of the corpus programs, sorted."""
    return sorted(os.path.join(HERE, f) for f in os.listdir(HERE)
                  if f.endswith(".py") and f not in ("corpus.py",) and not f.startswith("_"))


def to_graphflow(source):
    """The program with its TensorFlow / Keras imports pointed at graphflow (nothing else)."""
    for pattern, replacement in _REWRITES:
        source = pattern.sub(replacement, source)
    return source


def run_all(python, rewrite):
    failures = 0
    for path in programs():
        name = os.path.basename(path)
        with open(path) as f:
            source = f.read()
        if rewrite:
            source = to_graphflow(source)
        start = time.perf_counter()
        proc = subprocess.run([python, "-c", source], capture_output=True, text=True,
                              cwd=HERE, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
        seconds = time.perf_counter() - start
        ok = proc.returncode == 0 and proc.stdout.rstrip().endswith("ok")
        failures += not ok
        print(f"{'PASS' if ok else 'FAIL'} {name} ({seconds:.1f} s)")
        if not ok:
            print("   " + (proc.stderr.strip().splitlines() or ["(no output)"])[-1])
    print(f"{len(programs()) - failures} of {len(programs())} passed")
    return failures


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tf", nargs="?", const=os.path.expanduser("~/.venv-tf/bin/python"),
                        help="run under real TensorFlow with this Python (default ~/.venv-tf)")
    args = parser.parse_args()
    if args.tf:
        sys.exit(1 if run_all(args.tf, rewrite=False) else 0)
    sys.exit(1 if run_all(sys.executable, rewrite=True) else 0)


if __name__ == "__main__":
    main()
