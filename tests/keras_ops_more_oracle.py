"""Writes tests/data/keras_ops_more_expected.json: Keras 3.15's results (on TensorFlow 2.21) for
the cases in tests/keras_ops_more_cases.py. Run with TensorFlow's venv, never in CI:

    ~/.venv-tf/bin/python tests/keras_ops_more_oracle.py
"""
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def encode(out):
    if isinstance(out, (tuple, list)):
        return {"seq": [encode(o) for o in out]}
    arr = np.asarray(out)
    return {"dtype": str(arr.dtype), "shape": list(arr.shape),
            # 9 significant digits: every float32 exactly, float64 to far below the tolerances
            "values": [float(f"{v:.9g}") for v in arr.astype(np.float64).ravel()]
            if arr.dtype.kind == "f" else arr.ravel().tolist()}


def main():
    from keras import ops  # noqa: PLC0415 - TensorFlow's venv only
    from keras_ops_more_cases import CASES, TENSOR_INPUTS
    expected = {}
    for cid, path, args, kwargs in CASES:
        fn = ops
        for part in path.split("."):
            fn = getattr(fn, part)
        if path in TENSOR_INPUTS:
            args = [ops.convert_to_tensor(a) if isinstance(a, np.ndarray) else a for a in args]
        try:
            expected[cid] = encode(fn(*args, **kwargs))
        except Exception as e:  # noqa: BLE001 - recorded as the expected outcome
            expected[cid] = {"error": type(e).__name__, "message": str(e)[:200]}
    with open(os.path.join(HERE, "data", "keras_ops_more_expected.json"), "w") as f:
        # one case per line, so a regenerated file diffs by case
        f.write("{\n" + ",\n".join(f"{json.dumps(k)}: {json.dumps(expected[k])}"
                                      for k in sorted(expected)) + "\n}\n")
    print(len(expected), "cases;", sum("error" in v for v in expected.values()), "raise")


if __name__ == "__main__":
    main()
