"""How many examples the differential properties draw, and from which seed (shared by
test_compiler_differential.py, test_control_flow_differential.py, test_body_passes.py and
test_autograph_property.py).

  GRAPHFLOW_FUZZ_EXAMPLES=5000   run every property with 5000 examples
  GRAPHFLOW_FUZZ_EXAMPLES=x20    multiply every property's default count by 20
  GRAPHFLOW_FUZZ_SEED=1234       draw the examples from this seed instead of DEFAULT_SEED
"""
import os

from hypothesis import seed

# The seed CI's examples are drawn from. Until 2026-12 the examples were derandomized from each
# test's source; 31337 passed a campaign with 4-20 times the default counts. 777 replaced it on
# 2026-12-04: its campaign at 10x (and one with seed 20261204 at 4x) found the fuse_elementwise
# ordering bug (tests/test_compiler_passes.py), then passed. Change it now and then, after such a
# campaign with the new seed.
DEFAULT_SEED = 777
SEED = os.environ.get("GRAPHFLOW_FUZZ_SEED", "").strip() or str(DEFAULT_SEED)


def examples(default):
    """max_examples for a property, after GRAPHFLOW_FUZZ_EXAMPLES (N overrides, xN multiplies)."""
    raw = os.environ.get("GRAPHFLOW_FUZZ_EXAMPLES", "").strip().lower()
    if not raw:
        return default
    if raw.startswith("x") or raw.endswith("x"):
        return max(1, int(default * float(raw.strip("x"))))
    return max(1, int(raw))


def fuzz_seed(test):
    """The examples are drawn from GRAPHFLOW_FUZZ_SEED, or DEFAULT_SEED."""
    return seed(int(SEED))(test)
