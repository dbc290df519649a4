"""Linear algebra of the last two axes (tf.linalg): inverses, determinants, solves and the
decompositions, each a primitive with a NumPy (LAPACK) reference and TF's gradient formula, and
the composites built from them: cholesky_solve, lstsq, logdet, pinv, matrix_rank and norm.

    >>> import graphflow as tf
    >>> a = tf.constant([[4.0, 1.0], [2.0, 3.0]])
    >>> float(tf.linalg.det(a))
    10.0
    >>> tf.linalg.solve(a, tf.constant([[1.0], [2.0]])).numpy().round(6)
    array([[0.1],
           [0.6]], dtype=float32)

Semantics are TF's (checked against TF 2.21): leading axes are batch axes (solve wants equal
batch shapes, triangular_solve broadcasts them); inv and solve raise on a singular matrix
("Input is not invertible"), det of one is 0 and slogdet gives (0, -inf); cholesky and eigh
read only the lower triangle, triangular_solve only the triangle it is told to, and cholesky of a
matrix that is not positive definite gives NaNs (as TF's CPU kernel), so logdet is NaN there;
svd returns (s, u, v) (v, not its transpose); empty matrices give empty results (det 1).
float32 and float64 only (TF has no float16 kernel for most of these either).

Gradients are TF's (tensorflow/python/ops/linalg_grad.py), batch axes included: cholesky's is
the symmetric one, eigh's the lower-triangular one; qr's needs full_matrices=False or m <= n,
svd's |m - n| <= 1 with full_matrices, and both static matrix sizes, as in TF.
"""
import numpy as np

from graphflow import dtypes
from graphflow.errors import InvalidArgumentError, UnimplementedError
from graphflow.ops import elementwise as ew
from graphflow.ops import reduce as rd
from graphflow.ops import rules
from graphflow.ops import shape as sh
from graphflow.ops.linalg import matmul
from graphflow.ops.registry import OPAQUE, dispatch, register

LINALG_DTYPES = (dtypes.float32, dtypes.float64)


# ---------------------------------------------------------------------------------------------
# Shape rules


def _check_dtype(op, spec, position=0):
    if spec.dtype not in LINALG_DTYPES:
        raise InvalidArgumentError(
            f"{op}: input #{position} must be float32 or float64, got {spec.dtype.name} with "
            f"shape {rules.fmt(spec.shape)}")


def _matrix(op, spec, position=0, square=False):
    """The (batch, m, n) of a matrix input, checking rank >= 2 (and squareness when asked)."""
    _check_dtype(op, spec, position)
    if spec.shape is None:
        return None, None, None
    if len(spec.shape) < 2:
        raise InvalidArgumentError(
            f"{op}: input #{position} must have rank >= 2 (a matrix or a batch of them), got "
            f"shape {rules.fmt(spec.shape)}")
    m, n = spec.shape[-2], spec.shape[-1]
    if square and m is not None and n is not None and m != n:
        raise InvalidArgumentError(
            f"{op}: input #{position} must be a square matrix (or a batch of them), got shape "
            f"{rules.fmt(spec.shape)}")
    return tuple(spec.shape[:-2]), m, n


def _merge(a, b):
    return a if b is None else b


def _same_batch(op, a, b, sa, sb):
    """Batch shapes that must be equal (solve); None dims merge."""
    if a is None or b is None:
        return a if b is None else b
    if len(a) != len(b) or any(x is not None and y is not None and x != y for x, y in zip(a, b)):
        raise InvalidArgumentError(
            f"{op}: the matrix and the right-hand side must have the same batch shape, got "
            f"shapes {rules.fmt(sa)} and {rules.fmt(sb)}")
    return tuple(_merge(x, y) for x, y in zip(a, b))


def _solve_infer(op, broadcast, square=True):
    """The rule of solves: X (batch, n, k) from a (batch, m, n) and rhs (batch, m, k), with
    m = n unless it is a least-squares solve."""
    def infer(specs, **attrs):
        a, b = specs
        batch_a, m, n = _matrix(op, a, 0, square=square)
        batch_b, k, cols = _matrix(op, b, 1)
        if m is not None and k is not None and m != k:
            raise InvalidArgumentError(
                f"{op}: the matrix and the right-hand side are incompatible: shapes "
                f"{rules.fmt(a.shape)} and {rules.fmt(b.shape)} (the rhs needs {m} rows)")
        if broadcast:
            batch = None if batch_a is None or batch_b is None else \
                rules.broadcast_shapes(op, batch_a, batch_b)
        else:
            batch = _same_batch(op, batch_a, batch_b, a.shape, b.shape)
        if batch is None:
            return [(None, b.dtype)]
        return [(batch + (_merge(m, k) if square else n, cols), b.dtype)]
    return infer


def _square_infer(op):
    def infer(specs, **attrs):
        batch, m, n = _matrix(op, specs[0], square=True)
        return [(None if batch is None else batch + (_merge(m, n),) * 2, specs[0].dtype)]
    return infer


def _det_infer(op, outputs=1):
    def infer(specs):
        batch, _, _ = _matrix(op, specs[0], square=True)
        return [(batch, specs[0].dtype)] * outputs
    return infer


def _qr_infer(specs, full_matrices):
    x = specs[0]
    batch, m, n = _matrix("qr", x)
    if batch is None:
        return [(None, x.dtype)] * 2
    k = None if m is None or n is None else min(m, n)
    if full_matrices:
        return [(batch + (m, m), x.dtype), (batch + (m, n), x.dtype)]
    return [(batch + (m, k), x.dtype), (batch + (k, n), x.dtype)]


def _svd_infer(specs, full_matrices, compute_uv):
    x = specs[0]
    batch, m, n = _matrix("svd", x)
    if batch is None:
        return [(None, x.dtype)] * (3 if compute_uv else 1)
    k = None if m is None or n is None else min(m, n)
    s = (batch + (k,), x.dtype)
    if not compute_uv:
        return [s]
    if full_matrices:
        return [s, (batch + (m, m), x.dtype), (batch + (n, n), x.dtype)]
    return [s, (batch + (m, k), x.dtype), (batch + (n, k), x.dtype)]


def _eigh_infer(specs, compute_v):
    x = specs[0]
    batch, m, n = _matrix("self_adjoint_eig", x, square=True)
    n = _merge(m, n)
    e = (None if batch is None else batch + (n,), x.dtype)
    return [e, (None if batch is None else batch + (n, n), x.dtype)] if compute_v else [e]


# ---------------------------------------------------------------------------------------------
# NumPy references


def _checked(infer):
    """A reference that first runs the shape rule on its arrays (eager and graphs agree)."""
    def wrap(ref):
        def checked(*arrays, **attrs):
            infer([rules.ArraySpec(a) for a in arrays], **attrs)
            return ref(*arrays, **attrs)
        checked.__name__ = ref.__name__
        return checked
    return wrap


def _not_invertible(op):
    return InvalidArgumentError(f"{op}: Input is not invertible (a matrix is singular)")


def _swap(x):
    return np.swapaxes(x, -1, -2)


@_checked(_square_infer("matrix_inverse"))
def _inverse_ref(x, adjoint):
    try:
        out = np.linalg.inv(x)
    except np.linalg.LinAlgError:
        raise _not_invertible("matrix_inverse (tf.linalg.inv)") from None
    return _swap(out).copy() if adjoint else out


@_checked(_det_infer("matrix_determinant"))
def _det_ref(x):
    return np.asarray(np.linalg.det(x), dtype=x.dtype)


@_checked(_det_infer("log_matrix_determinant", 2))
def _slogdet_ref(x):
    with np.errstate(divide="ignore"):
        sign, logdet = np.linalg.slogdet(x)
    return np.asarray(sign, dtype=x.dtype), np.asarray(logdet, dtype=x.dtype)


@_checked(_solve_infer("matrix_solve", broadcast=False))
def _solve_ref(a, b, adjoint):
    try:
        return np.linalg.solve(_swap(a) if adjoint else a, b)
    except np.linalg.LinAlgError:
        raise _not_invertible("matrix_solve (tf.linalg.solve)") from None


@_checked(_square_infer("cholesky"))
def _cholesky_ref(x):
    try:
        return np.linalg.cholesky(x)
    except np.linalg.LinAlgError:  # as TF's CPU kernel: no error, NaN where it failed
        out = np.full(x.shape, np.nan, dtype=x.dtype)
        for idx in np.ndindex(x.shape[:-2]):
            try:
                out[idx] = np.linalg.cholesky(x[idx])
            except np.linalg.LinAlgError:
                pass
        return out


@_checked(_solve_infer("matrix_triangular_solve", broadcast=True))
def _triangular_solve_ref(a, b, lower, adjoint):
    """Forward or back substitution, one row at a time over every batch and column at once;
    only the named triangle of `a` is read, and a zero on its diagonal gives inf/NaN (TF)."""
    a = np.tril(a) if lower else np.triu(a)
    if adjoint:
        a, lower = _swap(a), not lower
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = np.broadcast_to(a, batch + a.shape[-2:])
    b = np.broadcast_to(b, batch + b.shape[-2:])
    n = a.shape[-1]
    x = np.zeros(b.shape, dtype=b.dtype)
    with np.errstate(all="ignore"):
        for i in (range(n) if lower else range(n - 1, -1, -1)):
            known = slice(0, i) if lower else slice(i + 1, n)
            rest = b[..., i, :] - np.einsum("...j,...jk->...k", a[..., i, known], x[..., known, :])
            x[..., i, :] = rest / a[..., i, i, None]
    return x


@_checked(_qr_infer)
def _qr_ref(x, full_matrices):
    q, r = np.linalg.qr(x, mode="complete" if full_matrices else "reduced")
    return q, r


@_checked(_svd_infer)
def _svd_ref(x, full_matrices, compute_uv):
    if not compute_uv:
        return (np.linalg.svd(x, compute_uv=False),)
    u, s, vh = np.linalg.svd(x, full_matrices=full_matrices)
    return s, u, _swap(vh).copy()


@_checked(_eigh_infer)
def _eigh_ref(x, compute_v):
    if not compute_v:
        return (np.linalg.eigvalsh(x),)
    e, v = np.linalg.eigh(x)
    return e, v


@_checked(_solve_infer("matrix_solve_ls", broadcast=False, square=False))
def _lstsq_ref(a, b):
    out = np.empty(a.shape[:-2] + (a.shape[-1], b.shape[-1]), dtype=a.dtype)
    for idx in np.ndindex(a.shape[:-2]):
        out[idx] = np.linalg.lstsq(a[idx], b[idx], rcond=None)[0]
    return out


# ---------------------------------------------------------------------------------------------
# Helpers in graphflow ops, for the gradients and composites


def _mT(x):
    rank = x.shape.rank
    return sh.transpose(x, list(range(rank - 2)) + [rank - 1, rank - 2])


def _static_matrix_size(op, x):
    m, n = x.shape[-2], x.shape[-1]
    if m is None or n is None:
        raise UnimplementedError(
            f"{op}: needs static matrix dimensions, got shape {x.shape} (as TF's gradient)")
    return m, n


def _masked(x, mask):
    """x where the constant (m, n) bool mask holds, 0 elsewhere."""
    from graphflow.ops.creation import constant
    return ew.where(constant(mask), x, ew.zeros_like(x))


def _band(x, lower):
    """The lower (or upper) triangle of the last two axes of x, diagonal included."""
    m, n = _static_matrix_size("band_part", x)
    ones = np.ones((m, n), dtype=bool)
    return _masked(x, np.tril(ones) if lower else np.triu(ones))


def _eye(n, dtype):
    from graphflow.ops.creation import eye
    return eye(n, dtype=dtype)


def _diag(v):
    """(..., n) -> (..., n, n) with v on the diagonal."""
    n = v.shape[-1]
    return sh.expand_dims(v, -2) * _eye(n, v.dtype)


def _with_diag_scaled(x, scale):
    """x with its diagonal multiplied by `scale` (a Python number)."""
    n, _ = _static_matrix_size("set_diag", x)
    return ew.where(_eye_mask(n), x * scale, x)


def _without_diag(x):
    n, _ = _static_matrix_size("set_diag", x)
    return ew.where(_eye_mask(n), ew.zeros_like(x), x)


def _eye_mask(n):
    from graphflow.ops.creation import constant
    return constant(np.eye(n, dtype=bool))


def _safe_reciprocal(x, epsilon=1e-20):
    # TF's Lorentz broadening: finite where eigen/singular values are degenerate.
    return x * ew.reciprocal(x * x + epsilon)


def _or_zeros(g, like):
    return ew.zeros_like(like) if g is None else g


def _expand2(x):
    return sh.expand_dims(sh.expand_dims(x, -1), -1)


# ---------------------------------------------------------------------------------------------
# Gradient rules (TF's, in graphflow ops)


def _inverse_grad(inputs, outputs, dy, adjoint):
    ainv = outputs[0]
    inner = matmul(dy, ainv, transpose_a=adjoint, transpose_b=not adjoint)
    return (ew.negative(matmul(ainv, inner, transpose_a=not adjoint)),)


def _det_grad(inputs, outputs, dy):
    a_adj_inv = inv(inputs[0], adjoint=True)
    return (_expand2(dy * outputs[0]) * a_adj_inv,)


def _slogdet_grad(inputs, outputs, dys):
    g = dys[1]
    if g is None:
        return (None,)
    return (_expand2(g) * inv(inputs[0], adjoint=True),)


def _solve_grad(inputs, outputs, dy, adjoint):
    a, c = inputs[0], outputs[0]
    grad_b = solve(a, dy, adjoint=not adjoint)
    grad_a = matmul(c, grad_b, transpose_b=True) if adjoint else \
        matmul(grad_b, c, transpose_b=True)
    return ew.negative(grad_a), grad_b


def _cholesky_grad(inputs, outputs, dy):
    # l^-T ((l^T dy) * (tril(ones) - eye / 2)) l^-1, symmetrized.
    l = outputs[0]
    n, _ = _static_matrix_size("cholesky gradient", l)
    l_inverse = triangular_solve(l, _eye(n, l.dtype))
    middle = _band(_with_diag_scaled(matmul(l, dy, transpose_a=True), 0.5), lower=True)
    grad_a = matmul(matmul(l_inverse, middle, transpose_a=True), l_inverse)
    return ((grad_a + _mT(grad_a)) * 0.5,)


def _triangular_solve_grad(inputs, outputs, dy, lower, adjoint):
    a, b = inputs
    c = outputs[0]
    grad_b = triangular_solve(a, dy, lower=lower, adjoint=not adjoint)
    grad_a = matmul(c, grad_b, transpose_b=True) if adjoint else \
        matmul(grad_b, c, transpose_b=True)
    grad_a = _band(ew.negative(grad_a), lower)
    return rd.unbroadcast(grad_a, a), rd.unbroadcast(grad_b, b)


def _qr_grad(inputs, outputs, dys, full_matrices):
    # arXiv:2009.10071 (as TF): the square/deep case, and the wide case reduced to it.
    q, r = outputs
    dq, dr = _or_zeros(dys[0], q), _or_zeros(dys[1], r)
    m, n = _static_matrix_size("qr gradient", r)
    rows = q.shape[-2]
    if m > n and q.shape[-1] == q.shape[-2]:
        raise UnimplementedError(
            f"qr gradient: not implemented when rows > columns and full_matrices=True "
            f"(r shape {r.shape}), as in TF")

    def upper_solve(x, r):  # x @ inv(r)^T... that is adjoint(triangular_solve(r, x^T))
        return _mT(triangular_solve(r, _mT(x), lower=False))

    def square_or_deep(q, r, dq, dr):
        qdq = matmul(q, dq, transpose_a=True)
        rdr = matmul(r, dr, transpose_b=True)
        tril = _band((qdq - _mT(qdq)) + (rdr - _mT(rdr)), lower=True)
        grad_a = matmul(q, dr + upper_solve(tril, r))
        grad_b = upper_solve(dq - matmul(q, qdq), r)
        return grad_a + grad_b

    if rows >= n:
        return (square_or_deep(q, r, dq, dr),)
    a = inputs[0]
    y, u = a[..., :, rows:], r[..., :, :rows]
    dv, du = dr[..., :, rows:], dr[..., :, :rows]
    dx = square_or_deep(q, u, dq + matmul(y, dv, transpose_b=True), du)
    return (sh.concat([dx, matmul(q, dv)], -1),)


def _svd_grad(inputs, outputs, dys, full_matrices, compute_uv):
    a = inputs[0]
    if not compute_uv:
        s, u, v = svd(a, full_matrices=False, compute_uv=True)
        return (matmul(u, matmul(_diag(dys[0]), v, transpose_b=True)),)
    s, u, v = outputs
    gs, gu, gv = _or_zeros(dys[0], s), _or_zeros(dys[1], u), _or_zeros(dys[2], v)
    m, n = _static_matrix_size("svd gradient", a)
    use_adjoint = m > n
    if use_adjoint:  # the gradient of a^T = v s u^T, transposed at the end
        m, n = n, m
        u, v, gu, gv = v, u, gv, gu
    if full_matrices and abs(m - n) > 1:
        raise UnimplementedError(
            f"svd gradient: not implemented for |m - n| > 1 with full_matrices=True (shape "
            f"{a.shape}), as in TF")
    s_mat = _diag(s)
    s2 = ew.square(s)
    f = _without_diag(_safe_reciprocal(sh.expand_dims(s2, -2) - sh.expand_dims(s2, -1)))
    s_inv_mat = _diag(_safe_reciprocal(s))
    v1, gv1 = v[..., :, :m], gv[..., :, :m]
    f_u = f * matmul(u, gu, transpose_a=True)
    f_v = f * matmul(v1, gv1, transpose_a=True)
    middle = _diag(gs) + matmul(f_u + _mT(f_u), s_mat) + matmul(s_mat, f_v + _mT(f_v))
    grad = matmul(u, matmul(middle, v1, transpose_b=True))
    if m != n:
        gv1t = _mT(gv1)
        term2 = gv1t - matmul(matmul(gv1t, v1), v1, transpose_b=True)
        if full_matrices:
            v2, gv2 = v[..., :, m:n], gv[..., :, m:n]
            term2 = term2 - matmul(matmul(v1, gv2, transpose_a=True), v2, transpose_b=True)
        grad = grad + matmul(matmul(u, s_inv_mat), term2)
    return (_mT(grad) if use_adjoint else grad,)


def _eigh_grad(inputs, outputs, dys, compute_v):
    e = outputs[0]
    ge = _or_zeros(dys[0], e)
    if compute_v:
        v = outputs[1]
        gv = _or_zeros(dys[1], v)
        f = _without_diag(_safe_reciprocal(sh.expand_dims(e, -2) - sh.expand_dims(e, -1)))
        inner = _diag(ge) + f * matmul(v, gv, transpose_a=True)
    else:
        _, v = eigh(inputs[0])
        inner = _diag(ge)
    grad_a = matmul(v, matmul(inner, v, transpose_b=True))
    # The op reads the lower triangle only: symmetrize and keep it (TF).
    grad_a = _band(grad_a + _mT(grad_a), lower=True)
    return (_with_diag_scaled(grad_a, 0.5),)


# ---------------------------------------------------------------------------------------------
# Registration

MATRIX_INVERSE = register("matrix_inverse", OPAQUE, _square_infer("matrix_inverse"),
                          _inverse_ref, _inverse_grad, doc="inverse of square matrices")
MATRIX_DETERMINANT = register("matrix_determinant", OPAQUE, _det_infer("matrix_determinant"),
                              _det_ref, _det_grad)
LOG_MATRIX_DETERMINANT = register(
    "log_matrix_determinant", OPAQUE, _det_infer("log_matrix_determinant", 2), _slogdet_ref,
    _slogdet_grad, num_outputs=2, doc="(sign, log |det|)")
MATRIX_SOLVE = register("matrix_solve", OPAQUE, _solve_infer("matrix_solve", broadcast=False),
                        _solve_ref, _solve_grad, same_dtype=(0, 1))
CHOLESKY = register("cholesky", OPAQUE, _square_infer("cholesky"), _cholesky_ref, _cholesky_grad)
MATRIX_TRIANGULAR_SOLVE = register(
    "matrix_triangular_solve", OPAQUE, _solve_infer("matrix_triangular_solve", broadcast=True),
    _triangular_solve_ref, _triangular_solve_grad, same_dtype=(0, 1))
QR = register("qr", OPAQUE, _qr_infer, _qr_ref, _qr_grad, num_outputs=2)
SVD = register("svd", OPAQUE, _svd_infer, _svd_ref, _svd_grad, num_outputs=None,
               doc="(s, u, v), or (s,) when compute_uv is False")
SELF_ADJOINT_EIG = register("self_adjoint_eig", OPAQUE, _eigh_infer, _eigh_ref, _eigh_grad,
                            num_outputs=None, doc="(e, v), or (e,) when compute_v is False")
MATRIX_SOLVE_LS = register(
    "matrix_solve_ls", OPAQUE, _solve_infer("matrix_solve_ls", broadcast=False, square=False),
    _lstsq_ref,
    same_dtype=(0, 1), doc="least squares by LAPACK (lstsq with fast=False): no gradient")


# ---------------------------------------------------------------------------------------------
# Public functions (tf.linalg.*)


def _tensor(x, name, dtype_hint=None):
    from graphflow.ops.creation import convert_to_tensor
    return convert_to_tensor(x, dtype_hint=dtype_hint, name=name)


def inv(input, adjoint=False, name=None):  # noqa: A002 - TF's name
    """The inverse of each square matrix (its transpose's inverse with adjoint=True); raises
    InvalidArgumentError on a singular matrix.

        >>> tf.linalg.inv(tf.constant([[2.0, 0.0], [0.0, 4.0]])).numpy()
        array([[0.5 , 0.  ],
               [0.  , 0.25]], dtype=float32)
    """
    return dispatch(MATRIX_INVERSE, (input,), {"adjoint": bool(adjoint)}, name)


def det(input, name=None):  # noqa: A002
    """The determinant of each square matrix (1 for a 0 x 0 matrix).

        >>> float(tf.linalg.det(tf.constant([[4.0, 1.0], [2.0, 3.0]])))
        10.0
    """
    return dispatch(MATRIX_DETERMINANT, (input,), None, name)


def slogdet(input, name=None):  # noqa: A002
    """(sign, log |det|) of each square matrix; (0, -inf) for a singular one. The gradient flows
    through log |det|.

        >>> [float(t) for t in tf.linalg.slogdet(tf.constant([[-4.0, 1.0], [2.0, 3.0]]))]
        [-1.0, 2.6390573978424072]
    """
    return dispatch(LOG_MATRIX_DETERMINANT, (input,), None, name)


def solve(matrix, rhs, adjoint=False, name=None):
    """X with matrix @ X = rhs (matrix^T @ X = rhs with adjoint=True), for batches of equal
    shape; raises InvalidArgumentError on a singular matrix.

        >>> tf.linalg.solve(tf.constant([[2.0, 0.0], [0.0, 4.0]]), tf.ones((2, 1))).numpy()
        array([[0.5 ],
               [0.25]], dtype=float32)
    """
    return dispatch(MATRIX_SOLVE, (matrix, rhs), {"adjoint": bool(adjoint)}, name)


def cholesky(input, name=None):  # noqa: A002
    """The lower-triangular L with L @ L^T = input, reading only input's lower triangle (NaN
    where the matrix is not positive definite, as TF's CPU kernel).

        >>> float(tf.linalg.cholesky(tf.constant([[4.0, 2.0], [2.0, 3.0]]))[1, 0])
        1.0
    """
    return dispatch(CHOLESKY, (input,), None, name)


def triangular_solve(matrix, rhs, lower=True, adjoint=False, name=None):
    """X with T @ X = rhs, where T is the lower (or upper) triangle of matrix (T^T with
    adjoint=True); batch axes broadcast.

        >>> tf.linalg.triangular_solve(tf.constant([[2.0, 0.0], [1.0, 4.0]]),
        ...                            tf.constant([[1.0], [2.0]])).numpy()
        array([[0.5  ],
               [0.375]], dtype=float32)
    """
    return dispatch(MATRIX_TRIANGULAR_SOLVE, (matrix, rhs),
                    {"lower": bool(lower), "adjoint": bool(adjoint)}, name)


@rules.composite("cholesky_solve")
def cholesky_solve(chol, rhs, name=None):
    """X with A @ X = rhs, given chol = cholesky(A): two triangular solves.

        >>> chol = tf.linalg.cholesky(tf.constant([[4.0, 2.0], [2.0, 3.0]]))
        >>> tf.linalg.cholesky_solve(chol, tf.constant([[1.0], [2.0]])).numpy().round(4)
        array([[-0.125],
               [ 0.75 ]], dtype=float32)
    """
    y = triangular_solve(chol, rhs, lower=True, adjoint=False)
    return triangular_solve(chol, y, lower=True, adjoint=True, name=name)


def qr(input, full_matrices=False, name=None):  # noqa: A002
    """(q, r) with input = q @ r, q orthonormal and r upper triangular (Householder, LAPACK).

        >>> q, r = tf.linalg.qr(tf.ones((3, 2)))
        >>> q.shape, r.shape
        (TensorShape([3, 2]), TensorShape([2, 2]))
    """
    return dispatch(QR, (input,), {"full_matrices": bool(full_matrices)}, name)


def svd(tensor, full_matrices=False, compute_uv=True, name=None):
    """(s, u, v) with tensor = u @ diag(s) @ v^T and s descending; only s when compute_uv is
    False.

        >>> s = tf.linalg.svd(tf.constant([[3.0, 0.0], [0.0, -4.0]]), compute_uv=False)
        >>> s.numpy()
        array([4., 3.], dtype=float32)
    """
    out = dispatch(SVD, (tensor,), {"full_matrices": bool(full_matrices),
                                    "compute_uv": bool(compute_uv)}, name)
    return out if compute_uv else out[0]


def eigh(tensor, name=None):
    """(eigenvalues ascending, eigenvectors as columns) of each symmetric matrix, reading its
    lower triangle.

        >>> e, v = tf.linalg.eigh(tf.constant([[2.0, 0.0], [0.0, 1.0]]))
        >>> e.numpy()
        array([1., 2.], dtype=float32)
    """
    return dispatch(SELF_ADJOINT_EIG, (tensor,), {"compute_v": True}, name)


def eigvalsh(tensor, name=None):
    """The eigenvalues (ascending) of each symmetric matrix.

        >>> tf.linalg.eigvalsh(tf.constant([[2.0, 0.0], [0.0, 1.0]])).numpy()
        array([1., 2.], dtype=float32)
    """
    return dispatch(SELF_ADJOINT_EIG, (tensor,), {"compute_v": False}, name)[0]


@rules.composite("lstsq")
def lstsq(matrix, rhs, l2_regularizer=0.0, fast=True, name=None):
    """The least-squares solution of matrix @ X = rhs, with an optional L2 penalty. fast=True
    (TF's default) solves the regularized normal equations by Cholesky, which is differentiable;
    fast=False uses LAPACK's SVD-based solver (minimum norm; no gradient, no l2_regularizer).

        >>> a = tf.constant([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
        >>> tf.linalg.lstsq(a, tf.constant([[1.0], [1.0], [2.0]])).numpy().round(5)
        array([[1.],
               [1.]], dtype=float32)
    """
    matrix = _tensor(matrix, "matrix")
    rhs = _tensor(rhs, "rhs")
    if not fast:
        if not (isinstance(l2_regularizer, (int, float)) and l2_regularizer == 0):
            raise UnimplementedError("lstsq: l2_regularizer is only supported with fast=True")
        return dispatch(MATRIX_SOLVE_LS, (matrix, rhs), None, name)
    from graphflow.ops.registry import Spec
    _solve_infer("lstsq", broadcast=False, square=False)(
        [Spec(t.shape.dims_tuple(), t.dtype) for t in (matrix, rhs)])
    m, n = matrix.shape[-2], matrix.shape[-1]
    if m is None or n is None:
        raise UnimplementedError(f"lstsq: needs static matrix dimensions, got {matrix.shape}")
    first_kind = m >= n
    gram = matmul(matrix, matrix, transpose_a=first_kind, transpose_b=not first_kind)
    if not (isinstance(l2_regularizer, (int, float)) and l2_regularizer == 0):
        gram = gram + ew.cast(l2_regularizer, matrix.dtype) * _eye(min(m, n), matrix.dtype)
    chol = cholesky(gram)
    if first_kind:
        return cholesky_solve(chol, matmul(matrix, rhs, transpose_a=True), name=name)
    return matmul(matrix, cholesky_solve(chol, rhs), transpose_a=True, name=name)


@rules.composite("logdet")
def logdet(matrix, name=None):
    """log(det(matrix)) of Hermitian positive definite matrices, as 2 * sum(log(diag(chol)))
    (NaN when the matrix is not positive definite, as in TF).

        >>> round(float(tf.linalg.logdet(tf.constant([[4.0, 2.0], [2.0, 3.0]]))), 5)
        2.07944
    """
    chol = cholesky(matrix)
    n, _ = _static_matrix_size("logdet", chol)
    diagonal = rd.reduce_sum(ew.where(_eye_mask(n), chol, ew.zeros_like(chol)), -1)
    return ew.multiply(2.0, rd.reduce_sum(ew.log(diagonal), -1), name)


def adjoint(matrix, name=None):
    """The conjugate transpose of the last two axes (the transpose of a real matrix).

        >>> tf.linalg.adjoint(tf.ones((2, 3))).shape
        TensorShape([3, 2])
        >>> tf.linalg.adjoint(tf.constant([[1 + 2j, 3j]])).numpy()
        array([[1.-2.j],
               [0.-3.j]])
    """
    x = _tensor(matrix, "matrix")
    rank = x.shape.rank
    if rank is None or rank < 2:
        raise InvalidArgumentError(f"adjoint: input must have rank >= 2, got shape {x.shape}")
    if x.dtype.is_complex:
        x = ew._cj(x)
    return sh.transpose(x, list(range(rank - 2)) + [rank - 1, rank - 2], name)


def _default_rcond(a):
    m, n = _static_matrix_size("pinv", a)
    return 10.0 * max(m, n) * float(np.finfo(a.dtype.as_numpy_dtype).eps)


@rules.composite("pinv")
def pinv(a, rcond=None, validate_args=False, name=None):
    """The Moore-Penrose pseudo-inverse by SVD: singular values below rcond * max(s) (default
    10 * max(m, n) * eps) count as zero.

        >>> tf.linalg.pinv(tf.constant([[2.0, 0.0], [0.0, 0.0]])).numpy()
        array([[0.5, 0. ],
               [0. , 0. ]], dtype=float32)
    """
    a = _tensor(a, "a")
    rcond = _default_rcond(a) if rcond is None else rcond
    s, u, v = svd(a, full_matrices=False, compute_uv=True)
    cutoff = rcond * rd.reduce_max(s, -1, keepdims=True)
    keep = ew.greater(s, cutoff)
    s_inv = ew.where(keep, ew.reciprocal(ew.where(keep, s, ew.ones_like(s))), ew.zeros_like(s))
    return matmul(v * sh.expand_dims(s_inv, -2), u, transpose_b=True, name=name)


@rules.composite("matrix_rank")
def matrix_rank(a, tol=None, validate_args=False, name=None):
    """The number of singular values above tol (default max(s) * max(m, n) * eps), as int32.

        >>> int(tf.linalg.matrix_rank(tf.constant([[1.0, 2.0], [2.0, 4.0]])))
        1
    """
    a = _tensor(a, "a")
    s = svd(a, compute_uv=False)
    if tol is None:
        m, n = _static_matrix_size("matrix_rank", a)
        tol = rd.reduce_max(s, -1, keepdims=True) * (
            max(m, n) * float(np.finfo(a.dtype.as_numpy_dtype).eps))
    else:
        tol = sh.expand_dims(ew.cast(tol, s.dtype), -1)
    return rd.reduce_sum(ew.cast(ew.greater(s, tol), dtypes.int32), -1, name=name)


# ---------------------------------------------------------------------------------------------
# norm


@rules.composite("norm")
def norm(tensor, ord="euclidean", axis=None, keepdims=None, name=None):  # noqa: A002
    """Vector and matrix norms, as tf.norm. A vector norm (axis None: the whole tensor, or an
    int) takes ord 'euclidean', 1, 2, inf or any real p > 0; a matrix norm (axis a pair of
    distinct axes) takes 'euclidean'/'fro', 1 (max column sum), 2 (largest singular value) or
    inf (max row sum).

        >>> float(tf.norm(tf.constant([3.0, -4.0]), ord=1))
        7.0
        >>> float(tf.norm(tf.constant([[1.0, 2.0], [3.0, 4.0]]), ord=np.inf, axis=[0, 1]))
        7.0
    """
    x = _tensor(tensor, "tensor")
    is_matrix = isinstance(axis, (list, tuple)) and len(axis) == 2
    if is_matrix:
        axis = tuple(axis)
        rank = x.shape.rank
        if not all(isinstance(a, (int, np.integer)) for a in axis) or (
                rank is not None and rules.normalize_axis("norm", axis[0], rank) ==
                rules.normalize_axis("norm", axis[1], rank)) or axis[0] == axis[1]:
            raise InvalidArgumentError(
                f"norm: 'axis' must be None, an integer, or a tuple of 2 unique integers, got "
                f"{axis}")
        if not (ord in ("euclidean", "fro") if isinstance(ord, str) else ord in (1, 2, np.inf)):
            raise InvalidArgumentError(
                f"norm: 'ord' must be a supported matrix norm in ['euclidean', 'fro', 1, 2, inf], "
                f"got {ord}")
    else:
        if axis is not None and not isinstance(axis, (int, np.integer)):
            raise InvalidArgumentError(
                f"norm: 'axis' must be None, an integer, or a tuple of 2 unique integers, got "
                f"{axis}")
        if isinstance(ord, str):
            if ord != "euclidean":
                raise InvalidArgumentError(
                    f"norm: 'ord' must be a supported vector norm, got {ord}")
        elif not (isinstance(ord, (int, float, np.number)) and ord > 0):
            raise InvalidArgumentError(f"norm: 'ord' must be a supported vector norm, got {ord}")
        axis = None if axis is None else (int(axis),)
    if not (x.dtype.is_floating or x.dtype.is_complex):
        raise InvalidArgumentError(
            f"norm: tensor must be floating-point or complex, got {x.dtype.name} with shape "
            f"{x.shape}")
    keep = bool(keepdims)
    if ord in ("fro", "euclidean") or (ord == 2 and not is_matrix):
        # x * conj(x): the complex norm is complex-valued (with a zero imaginary part), as TF's
        return ew.sqrt(rd.reduce_sum(x * ew._cj(x), axis, keepdims=keep), name)
    if ord == 2 and x.dtype.is_complex:
        raise InvalidArgumentError("norm: the spectral norm (ord=2 over a pair of axes) of a "
                                   f"complex tensor is not built (no complex svd), got {x.shape}")
    if ord == 2:  # the largest singular value of the matrices on `axis`
        rank = x.shape.rank
        a0, a1 = (rules.normalize_axis("norm", a, rank) for a in axis)
        rest = [i for i in range(rank) if i not in (a0, a1)]
        s = svd(sh.transpose(x, rest + [a0, a1]), compute_uv=False)
        out = rd.reduce_max(s, -1)
        if keep:
            for a in sorted((a0, a1)):
                out = sh.expand_dims(out, a)
        return ew.identity(out, name)
    magnitude = ew.abs(x)
    if ord == 1 and is_matrix:
        out = rd.reduce_max(rd.reduce_sum(magnitude, axis[0], keepdims=True), axis[1],
                            keepdims=True)
    elif ord == np.inf and is_matrix:
        out = rd.reduce_max(rd.reduce_sum(magnitude, axis[1], keepdims=True), axis[0],
                            keepdims=True)
    elif ord == 1:
        out = rd.reduce_sum(magnitude, axis, keepdims=True)
    elif ord == np.inf:
        out = rd.reduce_max(magnitude, axis, keepdims=True)
    else:
        out = ew.pow(rd.reduce_sum(ew.pow(magnitude, float(ord)), axis, keepdims=True),
                     1.0 / float(ord))
    if keep:
        return ew.identity(out, name)
    if axis is None:
        return sh.reshape(out, (), name)
    return sh.squeeze(out, list(axis), name)


@rules.composite("cross")
def cross(a, b, name=None):
    """The cross product of 3-vectors along the last axis (batch axes broadcast).

        >>> tf.linalg.cross(tf.constant([1.0, 0.0, 0.0]), tf.constant([0.0, 1.0, 0.0])).numpy()
        array([0., 0., 1.], dtype=float32)
    """
    a, b = _tensor(a, "a"), _tensor(b, "b")
    for what, t in (("a", a), ("b", b)):
        if t.shape.rank is None or t.shape.rank == 0 or t.shape[-1] != 3:
            raise InvalidArgumentError(
                f"cross: cross products are only defined for 3-element vectors; {what} has shape "
                f"{t.shape}")
    a0, a1, a2 = (a[..., i] for i in range(3))
    b0, b1, b2 = (b[..., i] for i in range(3))
    return sh.stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], -1, name)


@rules.composite("normalize")
def normalize(tensor, ord="euclidean", axis=None, name=None):  # noqa: A002
    """(tensor / norm, norm) with the norm of tf.norm kept as broadcastable axes.

        >>> [t.numpy().tolist() for t in tf.linalg.normalize(tf.constant([3.0, 4.0]))]
        [[0.6000000238418579, 0.800000011920929], [5.0]]
    """
    x = _tensor(tensor, "tensor")
    n = norm(x, ord=ord, axis=axis, keepdims=True)
    return ew.truediv(x, n, name), n
