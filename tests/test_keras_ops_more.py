"""keras.ops names beyond the core set (graphflow/keras/ops_numpy.py, ops_nn.py, ops_more.py)
against Keras 3.15 on TensorFlow 2.21: values, dtypes and shapes for the cases in
tests/keras_ops_more_cases.py, whose expected results Keras computed
(tests/data/keras_ops_more_expected.json, written by tests/keras_ops_more_oracle.py), plus
NumPy references, gradients, traced functions and errors."""
import json
import os

import numpy as np
import pytest

import graphflow as tf
from graphflow.keras import ops

from keras_ops_more_cases import CASES, F, SPECIAL


def _sparsemax_ref(x, axis=-1):
    z = np.moveaxis(np.asarray(x, np.float64), axis, -1)
    srt = -np.sort(-z, axis=-1)
    k = np.arange(1, z.shape[-1] + 1)
    csum = np.cumsum(srt, -1)
    support = srt - (csum - 1) / k > 0
    kz = support.sum(-1, keepdims=True)
    tau = (np.take_along_axis(csum, kz - 1, -1) - 1) / kz
    return np.moveaxis(np.maximum(z - tau, 0), -1, axis).astype(np.float32)


# Where Keras 3.15's TensorFlow backend returns what NumPy (and Keras's JAX backend) would not,
# graphflow follows NumPy on purpose; these cases check against NumPy instead of the recorded
# Keras result (which the JSON keeps, for the record).
NUMPY_INSTEAD = {
    # TF backend: |inf - inf| is NaN, so isclose(inf, inf) is False there
    "isclose": lambda: np.isclose(np.array([1.0, 1.0, np.nan, np.inf], np.float32),
                                  np.array([1.0 + 1e-6, 1.1, np.nan, np.inf], np.float32)),
    # TF backend: k=2 reverses the axes in the wrong order (not a rotation)
    "rot90_k2": lambda: np.rot90(F, 2),
    # TF backend: indices of rank > 1 are unravelled in the wrong axis order
    "unravel_index_2d": lambda: tuple(a.astype(np.int32) for a in np.unravel_index(
        np.array([[1, 7], [8, 23]]), (2, 3, 4))),
    # TF backend: tau sums the support's cumulative sums, so its outputs do not sum to 1
    "sparsemax": lambda: _sparsemax_ref(F),
    "sparsemax_axis": lambda: _sparsemax_ref(np.array([[0.5, 0.4, -1.0], [0.1, 0.2, 0.3]],
                                                      np.float32), 0),
    "sparsemax_two": lambda: _sparsemax_ref(np.array([0.5, 0.4, -1.0], np.float32)),
}

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "data", "keras_ops_more_expected.json")) as _f:
    EXPECTED = json.load(_f)

# float32 kernels that sum or factor in another order than TensorFlow's
_LOOSE = {"lstsq", "lstsq_mat", "pinv", "logdet", "det_batch", "image_ssim", "corrcoef",
          "corrcoef_int", "dot_product_attention_gqa_mask", "cholesky_inverse",
          "cholesky_inverse_upper", "inv", "solve", "solve_vec", "solve_triangular",
          "solve_triangular_lower", "slogdet", "image_resize", "linalg_svd_s"}


def _fn(path):
    fn = ops
    for part in path.split("."):
        fn = getattr(fn, part)
    return fn


def _check(out, exp, cid):
    if "seq" in exp:
        assert isinstance(out, (tuple, list)), f"{cid}: expected a sequence, got {type(out)}"
        assert len(out) == len(exp["seq"])
        for o, e in zip(out, exp["seq"]):
            _check(o, e, cid)
        return
    arr = np.asarray(out)
    assert str(arr.dtype) == exp["dtype"], f"{cid}: dtype {arr.dtype} != {exp['dtype']}"
    assert list(arr.shape) == exp["shape"], f"{cid}: shape {arr.shape} != {exp['shape']}"
    want = np.asarray(exp["values"], dtype=bool if arr.dtype == bool else np.float64)
    got = arr.ravel().astype(want.dtype)
    if arr.dtype == bool or arr.dtype.kind in "iu":
        np.testing.assert_array_equal(got, want, err_msg=cid)
    else:
        tol = 2e-3 if cid in _LOOSE else 2e-5 if arr.dtype != np.float16 else 2e-3
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol, equal_nan=True, err_msg=cid)


@pytest.mark.parametrize("cid,path,args,kwargs", CASES, ids=[c[0] for c in CASES])
def test_matches_keras(cid, path, args, kwargs):
    exp = EXPECTED[cid]
    fn = _fn(path)
    if cid in NUMPY_INSTEAD:
        want = NUMPY_INSTEAD[cid]()
        got = fn(*args, **kwargs)
        for g, w in zip(got if isinstance(want, tuple) else [got],
                        want if isinstance(want, tuple) else [want]):
            g = np.asarray(g)
            assert g.dtype == w.dtype and g.shape == w.shape
            np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-6)
        return
    if "error" in exp:
        with pytest.raises(Exception) as info:
            fn(*args, **kwargs)
        assert type(info.value).__name__ == exp["error"]
        return
    _check(fn(*args, **kwargs), exp, cid)
