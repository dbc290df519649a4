"""Test-wide settings: graphs compile synchronously (tiered compilation off), so every compiled
function test exercises the Numba kernels rather than the reference interpreter that tiered
compilation runs while kernels build. test_tiered.py turns it back on where it is tested."""
import os

os.environ.setdefault("GRAPHFLOW_DATA_DIR", os.path.join(os.path.dirname(__file__), "..", "..",
                                                         "shared", "datasets"))
os.environ["GRAPHFLOW_TIERED"] = "0"
# The CUDA target is tested under the Numba CUDA simulator, which must be switched on before numba
# is imported. The simulated GPU would become the default device, so the default stays the CPU
# and GPU tests ask for /GPU:0 explicitly.
os.environ.setdefault("NUMBA_ENABLE_CUDASIM", "1")
os.environ.setdefault("GRAPHFLOW_DEVICE", "/CPU:0")


import sys  # noqa: E402

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _keras_settings_restored():
    """Keras's settings are process-wide (as in Keras): a test that changes floatx, epsilon or
    the dtype policy must not leak them into the next test."""
    yield
    backend = sys.modules.get("graphflow.keras.backend")
    if backend is not None and (backend.floatx() != "float32" or backend.epsilon() != 1e-7):
        backend.set_floatx("float32")
        backend.set_epsilon(1e-7)
    config = sys.modules.get("graphflow.keras.config")
    if config is not None:
        config._reset_dtype_policy()
