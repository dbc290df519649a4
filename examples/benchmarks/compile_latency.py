"""Compile latency of graphflow.function train steps: cold (empty kernel cache) and warm (a new
process loading kernels from the disk cache). Each measurement runs in a fresh subprocess so
import and tracing costs are included exactly as a user meets them.

  linreg: the seed linear-regression train_step (scalars)
  mlp:    a 2-layer MLP train step (784-512-10, relu, softmax cross-entropy, RMSprop update)

Run: python examples/benchmarks/compile_latency.py
Targets (issue 4): cold <= 3 s, warm <= 0.5 s. Two times are reported: "first call" (trace,
optimize, and run; with tiered compilation the kernels build in the background meanwhile) and
"kernels ready" (from the start of the first call until every kernel is compiled or loaded, which
is what the first call would cost without tiering).
"""
import json
import os
import subprocess
import sys
import tempfile
import textwrap

# The train steps are defined once, in graphflow.bench (python -m graphflow.bench measures them too).
from graphflow.bench.workloads import COMPILE_BODIES as WORKLOADS  # noqa: E402

PROGRAM = """
import time
start = time.perf_counter()
import numpy as np
import graphflow as tf
{body}
t0 = time.perf_counter()
step(*args)
first = time.perf_counter() - t0
step.get_concrete_function(*args).kernels()  # waits for the background compile
ready = time.perf_counter() - t0
for _ in range(3):
    step(*args)
t1 = time.perf_counter()
for _ in range(20):
    step(*args)
steady = (time.perf_counter() - t1) / 20
print(__import__("json").dumps({{"first_call_s": round(first, 3), "ready_s": round(ready, 3),
                                "steady_ms": round(steady * 1e3, 3),
                                "process_s": round(time.perf_counter() - start, 3)}}))
"""


def measure(name, cache_dir):
    code = PROGRAM.format(body=textwrap.dedent(WORKLOADS[name]))
    env = dict(os.environ, GRAPHFLOW_CACHE_DIR=cache_dir)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    results = {}
    for name in WORKLOADS:
        with tempfile.TemporaryDirectory() as cache:
            cold = measure(name, cache)
            warm = measure(name, cache)
        results[name] = {"cold": cold, "warm": warm}
        print(f"{name:<7} cold: first call {cold['first_call_s']:5.2f} s, kernels ready "
              f"{cold['ready_s']:5.2f} s | warm: first call {warm['first_call_s']:5.2f} s, kernels "
              f"ready {warm['ready_s']:5.2f} s | steady {warm['steady_ms']:8.3f} ms/step")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
