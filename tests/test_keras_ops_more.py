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

from keras_ops_more_cases import CASES, F, SEQ, r


def _mirror_linear_ref(x, coords):
    """scipy.ndimage.map_coordinates(x, coords, order=1, mode='mirror') for 2-D x."""
    def mirror(i, n):
        s = n - 1
        return np.abs((i + s) % (2 * s) - s)
    out = np.zeros(coords.shape[1:])
    lo = np.floor(coords).astype(int)
    frac = coords - lo
    for dy in (0, 1):
        for dx in (0, 1):
            w = (frac[0] if dy else 1 - frac[0]) * (frac[1] if dx else 1 - frac[1])
            out += w * x[mirror(lo[0] + dy, x.shape[0]), mirror(lo[1] + dx, x.shape[1])]
    return out.astype(x.dtype)


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
    # TF backend: a mask built for the wrong axes (SelectV2 cannot broadcast it)
    "trace_axes": lambda: np.trace(SEQ, -1, 1, 2),
    # TF backend: "mirror" reads one past the edge (an InvalidArgumentError from gather_nd)
    "image_map_coordinates_mirror": lambda: _mirror_linear_ref(
        F, r((2, 6), lo=-3, hi=7, seed=40)),
}

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "data", "keras_ops_more_expected.json")) as _f:
    EXPECTED = json.load(_f)

# float32 kernels that sum or factor in another order than TensorFlow's
_LOOSE = {"lstsq", "lstsq_mat", "pinv", "logdet", "det_batch", "image_ssim", "corrcoef",
          "corrcoef_int", "dot_product_attention_gqa_mask", "cholesky_inverse",
          "cholesky_inverse_upper", "inv", "solve", "solve_vec", "solve_triangular",
          "solve_triangular_lower", "slogdet", "image_resize", "linalg_svd_s", "inv_f16", "qr_f16"}


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
        if arr.dtype == np.float16 and cid in _LOOSE:
            tol = 2e-2  # float16 matrices: float32 LAPACK here, TF's float16 kernels there
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
            np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5)
        return
    if "error" in exp:
        with pytest.raises(Exception) as info:
            fn(*args, **kwargs)
        assert type(info.value).__name__ == exp["error"]
        return
    _check(fn(*args, **kwargs), exp, cid)


# -- functions of functions: constants computed with Keras 3.15 on TensorFlow 2.21 -------------------
XS = np.arange(1.0, 6.0, dtype=np.float32)


def test_scan():
    c, ys = ops.scan(lambda c, x: (c + x, c * x), np.float32(1.0), XS)
    assert float(c) == 16.0 and ys.dtype == tf.float32
    np.testing.assert_array_equal(ys.numpy(), [1.0, 4.0, 12.0, 28.0, 55.0])
    c, ys = ops.scan(lambda c, x: (c * 2, c), np.int32(1), None, length=4, reverse=True)
    assert int(c) == 16 and ys.dtype == tf.int32
    np.testing.assert_array_equal(ys.numpy(), [8, 4, 2, 1])
    c, ys = ops.scan(lambda c, x: ((c[0] + x["a"], c[1] * 2.0), (x["a"] - c[0], c[1])),
                     (np.float32(0), np.float32(1)), {"a": XS})
    assert (float(c[0]), float(c[1])) == (15.0, 32.0)
    np.testing.assert_array_equal(ys[0].numpy(), [1.0, 1.0, 0.0, -2.0, -5.0])
    np.testing.assert_array_equal(ys[1].numpy(), [1.0, 2.0, 4.0, 8.0, 16.0])


def test_associative_scan():
    np.testing.assert_array_equal(
        ops.associative_scan(lambda a, b: a + b, np.arange(1, 8, dtype=np.int32)).numpy(),
        [1, 3, 6, 10, 15, 21, 28])
    np.testing.assert_array_equal(
        ops.associative_scan(lambda a, b: a * b, np.arange(1.0, 5.0, dtype=np.float32),
                             reverse=True).numpy(), [24.0, 24.0, 12.0, 4.0])
    np.testing.assert_array_equal(
        ops.associative_scan(ops.maximum, np.array([[1, 5, 2], [3, 0, 4]], np.int32),
                             axis=1).numpy(), [[1, 5, 5], [3, 3, 4]])
    a, b = ops.associative_scan(lambda a, b: (a[0] + b[0], a[1] * b[1]), (XS, XS))
    np.testing.assert_array_equal(a.numpy(), np.cumsum(XS))
    np.testing.assert_array_equal(b.numpy(), np.cumprod(XS))


def test_map_switch_vectorized_map():
    out = ops.map(lambda x: x * 2 + 1, np.arange(3, dtype=np.int32))
    assert out.dtype == tf.int32 and out.numpy().tolist() == [1, 3, 5]
    np.testing.assert_array_equal(ops.map(lambda d: d["a"] + d["b"], {"a": XS, "b": XS}).numpy(),
                                  2 * XS)
    branches = [lambda x: x + 1, lambda x: x * 10]
    assert float(ops.switch(1, branches, np.float32(3.0))) == 30.0
    assert float(ops.switch(5, branches, np.float32(3.0))) == 30.0  # clipped, as Keras
    assert float(ops.switch(-1, branches, np.float32(3.0))) == 4.0
    np.testing.assert_array_equal(
        ops.vectorized_map(lambda x: ops.sum(x * x),
                           np.arange(6.0, dtype=np.float32).reshape(3, 2)).numpy(),
        [1.0, 13.0, 41.0])


def test_jvp():
    out, tangent = ops.jvp(lambda x, y: x * y + ops.sin(x), (np.float32(2.0), np.float32(3.0)),
                           (np.float32(1.0), np.float32(0.5)))
    np.testing.assert_allclose([float(out), float(tangent)], [6.909297466, 3.583853245], rtol=1e-6)
    out, tangent, aux = ops.jvp(lambda x: (x ** 2, x + 1), (np.array([1.0, 2.0], np.float32),),
                                (np.array([1.0, 1.0], np.float32),), has_aux=True)
    np.testing.assert_array_equal(out.numpy(), [1.0, 4.0])
    np.testing.assert_array_equal(tangent.numpy(), [2.0, 4.0])
    np.testing.assert_array_equal(aux.numpy(), [2.0, 3.0])


def test_custom_gradient():
    @ops.custom_gradient
    def clipped(x):
        def grad(*args, upstream=None):
            upstream = args[0] if args else upstream
            return ops.clip(upstream, -0.5, 0.5)
        return x * 3.0, grad
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        y = ops.sum(clipped(x) * np.array([0.1, 4.0], np.float32))
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [0.1, 0.5])


def test_vectorize():
    add2 = ops.vectorize(lambda a, b: a + b * 2)
    np.testing.assert_array_equal(add2(np.array([1.0, 2.0], np.float32),
                                       np.array([[1.0], [3.0]], np.float32)).numpy(),
                                  [[3.0, 4.0], [7.0, 8.0]])


# -- gradients, traced functions ---------------------------------------------------------------------
GRAD_CASES = [
    ("logaddexp", lambda x: ops.logaddexp(x, x * 0.5)),
    ("hypot", lambda x: ops.hypot(x, 2.0 * x + 1.0)),
    ("cbrt", lambda x: ops.cbrt(x + 3.0)),
    ("median", lambda x: ops.median(x, axis=1)),
    ("quantile", lambda x: ops.quantile(x, 0.3, axis=0)),
    ("nanmean", lambda x: ops.nanmean(x, axis=0)),
    ("kron", lambda x: ops.kron(x, x)),
    ("cross", lambda x: ops.cross(x[:, :3], x[:, 1:])),
    ("layer_normalization", lambda x: ops.layer_normalization(x)),
    ("rms_normalization", lambda x: ops.rms_normalization(x)),
    ("sparsemax", lambda x: ops.sparsemax(x)),
    ("glu", lambda x: ops.glu(x)),
    ("celu", lambda x: ops.celu(x)),
    ("squareplus", lambda x: ops.squareplus(x)),
    ("diagonal", lambda x: ops.diagonal(x, 1)),
    ("rot90", lambda x: ops.rot90(x, 3)),
    ("trapezoid", lambda x: ops.trapezoid(x)),
    ("adaptive_average_pool", lambda x: ops.adaptive_average_pool(ops.reshape(x, (1, 3, 4, 1)),
                                                                  (2, 3))),
    ("unfold", lambda x: ops.unfold(ops.reshape(x, (1, 1, 3, 4)), 2)),
    ("det", lambda x: ops.det(x[:, :3] + 3.0 * np.eye(3))),
]


@pytest.mark.parametrize("name,f", GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_gradient_matches_finite_differences(name, f):
    x0 = np.random.default_rng(1).uniform(-1, 1, (3, 4))
    x = tf.Variable(x0)
    with tf.GradientTape() as tape:
        y = ops.sum(f(x) * np.linspace(0.5, 1.5, int(np.prod(f(x0).shape))).reshape(f(x0).shape))
    grad = tape.gradient(y, x).numpy()
    eps = 1e-6
    num = np.zeros_like(x0)
    for i in np.ndindex(x0.shape):
        xp, xm = x0.copy(), x0.copy()
        xp[i] += eps
        xm[i] -= eps
        w = np.linspace(0.5, 1.5, int(np.prod(f(x0).shape))).reshape(f(x0).shape)
        num[i] = (np.sum(np.asarray(f(xp)) * w) - np.sum(np.asarray(f(xm)) * w)) / (2 * eps)
    np.testing.assert_allclose(grad, num, rtol=1e-5, atol=1e-6)


TRACED = [
    ("quantile", lambda x: ops.quantile(x, np.array([0.2, 0.9]), axis=1)),
    ("nanmax", lambda x: ops.nanmax(ops.where(x > 1.5, np.nan, x), axis=0)),
    ("gcd", lambda x: ops.gcd(ops.cast(x * 10, "int32"), 6)),
    ("kron", lambda x: ops.kron(x[:2, :2], x[:2, :3])),
    ("layer_normalization", lambda x: ops.layer_normalization(x, axis=(0, 1))),
    ("dot_product_attention", lambda x: ops.dot_product_attention(
        ops.reshape(x, (1, 3, 2, 2)), ops.reshape(x, (1, 3, 2, 2)), ops.reshape(x, (1, 3, 2, 2)),
        is_causal=True)),
    ("adaptive_max_pool", lambda x: ops.adaptive_max_pool(ops.reshape(x, (1, 3, 4, 1)), 2)),
    ("argpartition", lambda x: ops.argpartition(x, 1, axis=1)),
    ("isin", lambda x: ops.isin(ops.round(x), np.array([0.0, 1.0], np.float32))),
    ("fold", lambda x: ops.fold(ops.reshape(x, (1, 4, 3)), (2, 4), 2, stride=(1, 1))),
    ("slice_update", lambda x: ops.slice_update(x, (1, 2), ops.ones((2, 2)))),
    ("scan", lambda x: ops.scan(lambda c, r: (c + r, c * 2.0), ops.zeros(4), x)[1]),
]


@pytest.mark.parametrize("name,f", TRACED, ids=[c[0] for c in TRACED])
def test_traced_matches_eager(name, f):
    x = np.random.default_rng(2).uniform(-2, 2, (3, 4)).astype(np.float32)
    eager = f(tf.constant(x))
    traced = tf.function(f)(tf.constant(x))
    assert traced.dtype == eager.dtype and traced.shape == eager.shape
    np.testing.assert_allclose(traced.numpy(), eager.numpy(), rtol=1e-6)


# -- NumPy references on more shapes ----------------------------------------------------------------
@pytest.mark.parametrize("shape,axis", [((5,), None), ((4, 6), 0), ((4, 6), 1), ((2, 3, 5), (0, 2)),
                                        ((2, 3, 5), -1)])
@pytest.mark.parametrize("method", ["linear", "lower", "higher", "midpoint", "nearest"])
def test_quantile_matches_numpy(shape, axis, method):
    x = np.random.default_rng(3).normal(size=shape)
    q = np.array([0.0, 0.25, 0.5, 0.9, 1.0])
    np.testing.assert_allclose(ops.quantile(x, q, axis=axis, method=method).numpy(),
                               np.quantile(x, q, axis=axis, method=method), rtol=1e-12)
    x[..., 0] = np.nan
    np.testing.assert_allclose(ops.nanquantile(x, q, axis=axis, method=method).numpy(),
                               np.nanquantile(x, q, axis=axis, method=method), rtol=1e-12)


@pytest.mark.parametrize("k", [-3, -1, 0, 1, 2, 5])
@pytest.mark.parametrize("axes", [(0, 1), (1, 0), (1, 2), (0, 2)])
def test_rot90_matches_numpy(k, axes):
    x = np.arange(24).reshape(2, 3, 4)
    np.testing.assert_array_equal(ops.rot90(x, k, axes).numpy(), np.rot90(x, k, axes))


@pytest.mark.parametrize("n", [0, 1, 2, 7])
def test_windows_match_numpy(n):
    for name in ("bartlett", "blackman", "hamming", "hanning"):
        out = getattr(ops, name)(n)
        assert out.dtype == tf.float32 and out.shape == (n,)
        np.testing.assert_allclose(out.numpy(), getattr(np, name)(n), atol=1e-7)
    np.testing.assert_allclose(ops.kaiser(n, 5.0).numpy(), np.kaiser(n, 5.0), atol=1e-6)


@pytest.mark.parametrize("offset", [-2, -1, 0, 1, 3])
def test_diag_family_matches_numpy(offset):
    x = np.arange(20.0).reshape(4, 5)
    np.testing.assert_array_equal(ops.diagonal(x, offset).numpy(), np.diagonal(x, offset))
    np.testing.assert_array_equal(ops.diag(x, offset).numpy(), np.diag(x, offset))
    np.testing.assert_array_equal(ops.diagflat(x[:2, :2], offset).numpy(),
                                  np.diagflat(x[:2, :2], offset))
    y = np.arange(60).reshape(3, 4, 5)
    np.testing.assert_array_equal(ops.diagonal(y, offset, 2, 0).numpy(),
                                  np.diagonal(y, offset, 2, 0))


def test_unravel_index_and_kron_match_numpy():
    idx = np.array([[0, 5], [17, 23]], np.int32)
    for got, want in zip(ops.unravel_index(idx, (2, 3, 4)), np.unravel_index(idx, (2, 3, 4))):
        np.testing.assert_array_equal(got.numpy(), want)
    a, b = np.arange(6).reshape(2, 3), np.arange(4).reshape(2, 1, 2)
    np.testing.assert_array_equal(ops.kron(a, b).numpy(), np.kron(a, b))


@pytest.mark.parametrize("length,out", [(6, 3), (7, 3), (5, 5), (9, 4), (3, 1)])
def test_adaptive_pool_windows(length, out):
    x = np.random.default_rng(4).normal(size=(1, length, 2)).astype(np.float32)
    starts = [(i * length) // out for i in range(out)]
    ends = [-(-((i + 1) * length) // out) for i in range(out)]
    want = np.stack([x[:, s:e].mean(1) for s, e in zip(starts, ends)], 1)
    np.testing.assert_allclose(ops.adaptive_average_pool(x, out).numpy(), want, rtol=1e-6)
    want = np.stack([x[:, s:e].max(1) for s, e in zip(starts, ends)], 1)
    np.testing.assert_array_equal(ops.adaptive_max_pool(x, out).numpy(), want)


def test_fold_inverts_unfold_counts():
    x = np.random.default_rng(5).normal(size=(2, 3, 5, 6)).astype(np.float32)
    blocks = ops.unfold(x, (2, 3), stride=1, padding=1)
    ones = ops.fold(ops.ones_like(blocks), (5, 6), (2, 3), stride=1, padding=1)
    np.testing.assert_allclose(ops.fold(blocks, (5, 6), (2, 3), stride=1, padding=1).numpy(),
                               x * ones.numpy(), rtol=1e-6)


def test_submodules_hold_keras_names():
    assert ops.nn.sparsemax is ops.sparsemax and ops.linalg.svd is ops.svd
    assert ops.numpy.kron is ops.kron and ops.image.resize(np.ones((4, 4, 1)), (2, 2)).shape == (2, 2, 1)
    assert not hasattr(ops.nn, "kron") and not hasattr(ops.linalg, "sparsemax")


# -- errors (the types Keras 3.15 raises) ----------------------------------------------------------
F1 = np.ones((3, 4), np.float32)
ERRORS = [
    ("rot90_1d", lambda: ops.rot90(np.ones(3)), ValueError, "at least 2 dimensions"),
    ("rot90_axes", lambda: ops.rot90(F1, axes=(0, 0)), ValueError, "Invalid axes"),
    ("diff_neg", lambda: ops.diff(F1, n=-1), ValueError, "non-negative"),
    ("lcm_float", lambda: ops.lcm(F1, F1), TypeError, "integers"),
    ("gcd_float", lambda: ops.gcd(F1, F1), TypeError, "integers"),
    ("ldexp_float", lambda: ops.ldexp(F1, F1), TypeError, "integer"),
    ("cross_dim", lambda: ops.cross(F1, F1), ValueError, "must be 2 or 3"),
    ("qr_mode", lambda: ops.qr(F1, mode="r"), ValueError, "mode"),
    ("normalize_order", lambda: ops.normalize(F1, order=0), ValueError, "order"),
    ("glu_odd", lambda: ops.glu(np.ones((2, 3))), ValueError, "divisible by 2"),
    ("searchsorted_2d", lambda: ops.searchsorted(F1, F1), ValueError, "1-D sorted"),
    ("attention_3d", lambda: ops.dot_product_attention(F1[None], F1[None], F1[None]), ValueError,
     "4D"),
    ("psnr_shape", lambda: ops.psnr(F1, F1[:2], 1.0), ValueError, "must match"),
    ("select_len", lambda: ops.select([F1 > 0], [F1, F1]), ValueError, "same length"),
    ("unravel_none", lambda: ops.unravel_index(np.array([1]), (None, 2)), ValueError, "None"),
    ("multi_hot_none", lambda: ops.multi_hot(np.array([1])), ValueError, "num_classes"),
    ("scan_noxs", lambda: ops.scan(lambda c, x: (c, c), 0.0), ValueError, "length"),
    ("scan_not_callable", lambda: ops.scan(3, 0.0, F1), TypeError, "callable"),
    ("scan_unroll", lambda: ops.scan(lambda c, x: (c, c), 0.0, F1, unroll=0), ValueError, "unroll"),
    ("quantile_method", lambda: ops.quantile(F1, 0.5, method="foo"), ValueError, "method"),
    ("lstsq_lead", lambda: ops.lstsq(F1, np.ones(2)), ValueError, "Leading dimensions"),
    ("inv_nonsquare", lambda: ops.inv(F1), ValueError, "square"),
    ("det_1d", lambda: ops.det(np.ones(3)), ValueError, "rank >= 2"),
    ("diag_3d", lambda: ops.diag(np.ones((2, 2, 2))), ValueError, "1d or 2d"),
    ("correlate_mode", lambda: ops.correlate(np.ones(3), np.ones(2), mode="x"), ValueError, "Mode"),
    ("segment_sorted_num", lambda: ops.segment_max(F1, np.array([0, 0, 1]), num_segments=2,
                                                   sorted=True), ValueError, "num_segments"),
    ("array_split_list", lambda: ops.array_split(F1, [1]), TypeError, "indices_or_sections"),
    ("rearrange_arrow", lambda: ops.rearrange(F1, "a b"), ValueError, "->"),
    ("rearrange_rank", lambda: ops.rearrange(F1, "a b c -> a b c"), ValueError, "rank"),
    ("rearrange_axes", lambda: ops.rearrange(F1, "a b -> a c"), ValueError, "same axes"),
    ("rearrange_infer", lambda: ops.rearrange(F1, "(a b) c -> a b c"), ValueError, "infer"),
    ("vsplit_uneven", lambda: ops.vsplit(F1, 2), tf.errors.InvalidArgumentError, "evenly divide"),
]


@pytest.mark.parametrize("name,f,error,match", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors(name, f, error, match):
    with pytest.raises(error, match=match):
        f()


# -- lu_factor over tf.linalg.lu (graphflow/ops/matrix_more.py) --------------------------------
@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4), (1, 1)])
def test_lu_property_and_pivots(shape):
    x = np.random.default_rng(6).normal(size=shape)
    packed, p = tf.linalg.lu(x)
    packed, p = packed.numpy(), p.numpy()
    n = shape[-1]
    lower = np.tril(packed, -1) + np.eye(n)
    upper = np.triu(packed)
    np.testing.assert_allclose(np.take_along_axis(x, p[..., None], -2), lower @ upper,
                               rtol=1e-12, atol=1e-12)
    assert np.all(np.abs(np.tril(packed, -1)) <= 1.0 + 1e-12)  # partial pivoting
    lu_keras, pivots = ops.lu_factor(x)
    np.testing.assert_allclose(np.take_along_axis(lower @ upper, pivots.numpy()[..., None], -2),
                               x, rtol=1e-12, atol=1e-12)


def test_lu_errors():
    with pytest.raises(tf.errors.InvalidArgumentError, match="lu: "):
        tf.linalg.lu(np.ones((2, 3)))
    with pytest.raises(ValueError, match="square"):
        ops.lu_factor(np.ones((2, 3), np.float32))


def test_scale_and_translate_integer_images_round_and_clip():
    # Keras 3.15's TensorFlow backend raises here (it clips a float by an int32 minimum); the
    # JAX backend rounds and clips to the input's range, as graphflow does
    x = np.arange(30, dtype=np.int32).reshape(5, 6) * 8
    same = ops.image.scale_and_translate(x, (5, 6), np.ones(2, np.float32),
                                         np.zeros(2, np.float32), (0, 1), "linear")
    assert same.dtype == tf.int32
    np.testing.assert_array_equal(same.numpy(), x)
    up = ops.image.scale_and_translate(x, (10, 6), np.array([2.0], np.float32),
                                       np.array([0.0], np.float32), (0,), "lanczos3").numpy()
    assert up.min() >= x.min() and up.max() <= x.max() and up.dtype == np.int32


@pytest.mark.parametrize("name,f", [
    ("bincount", lambda x: ops.bincount(x)),
    ("unique", lambda x: ops.unique(x)),
    ("segment_max", lambda x: ops.segment_max(ops.cast(x, "float32"), x)),
])
def test_data_dependent_lengths_are_eager_only(name, f):
    with pytest.raises(tf.errors.InvalidArgumentError, match=f"keras.ops.{name}: .*eagerly only"):
        tf.function(f)(tf.constant([0, 1, 1, 2]))
    # with num_segments the length is known, so it traces
    out = tf.function(lambda x: ops.segment_max(ops.cast(x, "float32"), x, num_segments=3))(
        tf.constant([0, 1, 1, 2]))
    np.testing.assert_array_equal(out.numpy(), [0.0, 1.0, 2.0])


def test_slice_update_with_traced_starts_clamps_as_xla():
    z, u = np.zeros((3, 4), np.float32), np.ones((2, 2), np.float32)
    want = np.zeros((3, 4), np.float32)
    want[1:3, 2:4] = 1.0
    f = tf.function(lambda s: ops.slice_update(z, s, u))
    np.testing.assert_array_equal(f(tf.constant([1, 2])).numpy(), want)
    np.testing.assert_array_equal(f(tf.constant([5, 9])).numpy(), want)  # clamped to fit
    np.testing.assert_array_equal(ops.slice_update(z, (5, 9), u).numpy(), want)
