"""Doctests of the graphflow package (`pytest --doctest-modules graphflow`, part of `make test`):
the docstring examples are written as a TensorFlow user writes them, with `tf`, `np` and `keras`
already imported, as in TensorFlow's own docstrings. Graphs compile synchronously and the CUDA
target runs under Numba's simulator, as in tests/conftest.py."""
import os

os.environ["GRAPHFLOW_TIERED"] = "0"
os.environ.setdefault("NUMBA_ENABLE_CUDASIM", "1")
os.environ.setdefault("GRAPHFLOW_DEVICE", "/CPU:0")

import numpy as np  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _doctest_globals(doctest_namespace):
    import graphflow as tf
    from graphflow import keras
    doctest_namespace.update(tf=tf, np=np, keras=keras)
    # NumPy 2 prints scalars as np.float32(3.0); the examples show 3.0, as NumPy 1 and TF's
    # docstrings do.
    if int(np.__version__.split(".")[0]) >= 2:
        with np.printoptions(legacy="1.25"):
            yield
    else:
        yield
