"""Writes tests/golden/keras_applications.json: Keras 3.15's (TensorFlow 2.21's) structure of
the cases in tests/keras_applications_cases.py, forward passes on deterministic weights, and
preprocess_input values. Run with TensorFlow's venv, never in CI:

    ~/.venv-tf/bin/python tests/keras_applications_oracle.py
"""
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def main():
    import keras  # noqa: PLC0415 - TensorFlow's venv only
    import h5py  # noqa: PLC0415
    from keras.src.legacy.saving import legacy_h5_format  # noqa: PLC0415
    from keras_applications_cases import (COUNTS, FORWARD, PREPROCESS_MODES, STRUCTURE,
                                          describe, images, legacy_model, weight_for)
    A = keras.applications
    out = {"keras": keras.__version__, "structure": {}, "counts": {}, "forward": {},
           "preprocess": {}}
    for case, fn, kwargs in STRUCTURE:
        keras.backend.clear_session()
        kwargs = dict(kwargs, weights=None)
        if "input_tensor" in kwargs:
            kwargs["input_tensor"] = keras.Input(shape=kwargs["input_tensor"])
        out["structure"][case] = describe(getattr(A, fn)(**kwargs))
    for fn, kwargs in COUNTS:
        keras.backend.clear_session()
        out["counts"][fn] = getattr(A, fn)(weights=None, include_top=False,
                                           **kwargs).count_params()
    for case, fn, kwargs, module in FORWARD:
        keras.backend.clear_session()
        model = getattr(A, fn)(weights=None, **kwargs)
        for v in model.weights:
            v.assign(weight_for(v.path, tuple(v.shape)))
        x = getattr(A, module).preprocess_input(images((2,) + kwargs["input_shape"]))
        out["forward"][case] = np.asarray(model(x, training=False)).tolist()
    x = images((2, 3, 2, 3), seed=1)  # 3 channels on axis 1 and on the last axis
    for mode in PREPROCESS_MODES:
        for fmt in ("channels_last", "channels_first"):
            y = A.imagenet_utils.preprocess_input(x.copy(), data_format=fmt, mode=mode)
            out["preprocess"][f"{mode}/{fmt}"] = np.asarray(y).tolist()
    keras.backend.clear_session()
    model = legacy_model(keras)
    for v in model.weights:
        v.assign(weight_for(v.path, tuple(v.shape)))
    with h5py.File(os.path.join(HERE, "golden", "keras2_weights.h5"), "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, model)
    out["legacy"] = np.asarray(model(images((2, 6, 6, 3)) / 255.0)).tolist()
    path = os.path.join(HERE, "golden", "keras_applications.json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
    print("wrote", path, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
