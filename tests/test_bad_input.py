"""The bad-input fuzz suite of issue 13: every (entry point, bad input) case of tests/bad_input_cases.py
either raises a clear error or returns what TensorFlow returns. Never an internal exception type
(IndexError, KeyError, AttributeError, ZeroDivisionError, RecursionError, MemoryError, a Numba
error, a NumPy AxisError or broadcast ValueError escaping unwrapped), never a silent wrong result.

The expected outcomes were checked with TF 2.21 by tests/bad_input_oracle.py."""
import os
import re
import traceback
import warnings

import numpy as np
import pytest

import graphflow as tf
from graphflow.errors import GraphflowError

from bad_input_cases import all_cases, as_array, err, same_value

GRAPHFLOW_DIR = os.path.dirname(tf.__file__) + os.sep

# Builtin types TF raises for bad input; graphflow may raise them too, but only from its own code.
BUILTIN_OK = (TypeError, ValueError, RuntimeError, NotImplementedError, FileNotFoundError)
INTERNAL = (IndexError, KeyError, AttributeError, ZeroDivisionError, RecursionError, MemoryError,
            AssertionError, NameError, UnboundLocalError, np.exceptions.AxisError)

CASES = all_cases()


@pytest.fixture(autouse=True)
def fresh_keras_names():
    tf.keras.backend.clear_session()


def classify(error):
    """Why `error` is not a clear error graphflow raised on purpose, or None when it is."""
    if isinstance(error, INTERNAL) or type(error).__module__.startswith(("numba", "numpy", "llvmlite")):
        return f"internal exception type {type(error).__module__}.{type(error).__name__}"
    if isinstance(error, GraphflowError):
        return None
    if type(error) not in BUILTIN_OK:
        return f"unexpected exception type {type(error).__name__}"
    raiser = traceback.extract_tb(error.__traceback__)[-1].filename
    if not raiser.startswith(GRAPHFLOW_DIR):
        return f"{type(error).__name__} escaped unwrapped from {raiser}"
    return None


@pytest.mark.parametrize("entry,name,fn,expected", CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_bad_input(entry, name, fn, expected):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            out = fn(tf)
        except Exception as error:  # noqa: BLE001 -- classifying whatever comes out is the test
            problem = classify(error)
            assert problem is None, f"{problem}: {error!r}"
            assert isinstance(expected, err), f"raised {error!r} where TF returns {expected!r}"
            message = str(error)
            for part in expected.parts:
                assert re.search(part, message), f"{part!r} not in the message: {message}"
            return
    assert not isinstance(expected, err), f"returned {as_array(out)!r} where an error is expected"
    assert same_value(out, expected), f"silent wrong result: {as_array(out)!r}, TF gives {expected!r}"


def test_the_suite_has_at_least_300_cases_over_every_entry_point():
    entries = {c[0] for c in CASES}
    assert len(CASES) >= 300
    assert {"eager", "function", "session", "keras", "variable", "tape"} <= entries
