"""Side-by-side benchmarks: graphflow eager, graphflow graph on the reference interpreter, graphflow
compiled, NumPy, and any importable peer (TensorFlow, PyTorch, JAX), all in one process.

Run: python -m graphflow.bench [--workloads eager,linreg,...] [--peers tensorflow,torch,jax]
                               [--json out.json] [--plot out.png] [--quick] [--repeats N]

Repetitions alternate across systems so machine noise hits them alike; the table reports medians
and ratios to graphflow compiled, the spread table min-max. Peers are never dependencies: each is
imported lazily and skipped with a message when it is missing.
"""
from graphflow.bench.harness import WORKLOADS, PEERS  # noqa: F401
