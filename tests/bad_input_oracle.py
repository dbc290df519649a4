"""Checks the expected outcomes of tests/bad_input_cases.py against TensorFlow (never run by the tests).

    ~/.venv-tf/bin/python tests/bad_input_oracle.py

prints every case whose TF outcome differs from the table's kind (error or value), then a count.
"""
import os
import sys
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
warnings.filterwarnings("ignore")
sys.path.insert(0, os.path.dirname(__file__))

import tensorflow as tf  # noqa: E402

from bad_input_cases import all_cases, err, same_value, stricter  # noqa: E402


# Bad input that kills TensorFlow itself (a C++ CHECK failure, not an exception): graphflow raises.
ABORTS_TF = {"eager:conv2d-rank", "eager:conv1d-rank", "function:cond-non-bool-pred", "session:cond-non-bool-pred"}


def main():
    mismatches = 0
    cases = all_cases()
    for entry, name, fn, expected in cases:
        if f"{entry}:{name}" in ABORTS_TF:
            print(f"skip {entry}:{name}: aborts the TF process (a failed CHECK in its kernel)")
            continue
        print(f"{entry}:{name}", file=sys.stderr, flush=True)
        try:
            out = fn(tf)
            outcome = ("value", out)
        except Exception as e:  # noqa: BLE001 -- classifying whatever TF raises is the point
            outcome = ("error", f"{type(e).__name__}: {str(e).splitlines()[0][:150] if str(e) else ''}")
        if isinstance(expected, stricter):
            ok = True
            print(f"note {entry}:{name}: graphflow raises; TF {outcome[0]}: {str(outcome[1])[:100]!r}")
        elif isinstance(expected, err):
            ok = outcome[0] == "error"
        else:
            ok = outcome[0] == "value" and same_value(outcome[1], expected)
        if not ok or "-v" in sys.argv:
            mismatches += not ok
            shown = outcome[1] if outcome[0] == "error" else repr(outcome[1])[:150]
            print(f"{'ok  ' if ok else 'DIFF'} {entry}:{name}: expected {expected!r}, TF {outcome[0]}: {shown}")
    print(f"{len(cases)} cases, {mismatches} differ from TF")


if __name__ == "__main__":
    main()
