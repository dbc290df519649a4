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
