"""Test-wide settings: graphs compile synchronously (tiered compilation off), so every compiled
function test exercises the Numba kernels rather than the reference interpreter that tiered
compilation runs while kernels build. test_tiered.py turns it back on where it is tested."""
import os

os.environ.setdefault("GRAPHFLOW_DATA_DIR", os.path.join(os.path.dirname(__file__), "..", "..",
                                                         "shared", "datasets"))
os.environ["GRAPHFLOW_TIERED"] = "0"
