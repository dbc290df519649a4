"""More of tf.linalg: the matrix exponential and square root, LU and its solves, tridiagonal
and banded solves, tensor diagonals and the symmetric tridiagonal eigenproblem.

    >>> import graphflow as tf
    >>> tf.linalg.expm(tf.zeros((2, 2))).numpy()
    array([[1., 0.],
           [0., 1.]], dtype=float32)

Primitives (registry ops with NumPy references): `matrix_exponential` (scaling and squaring
with Pade approximants, Higham 2005, as TF and SciPy; its gradient is the adjoint Frechet
derivative, the top-right block of expm([[A^T, G], [0, A^T]]), which is what TF's
differentiated composite approximates), `matrix_square_root` (Denman-Beavers iteration; NaN for
a matrix with a negative real eigenvalue or a singular one, where TF's real Schur kernel gives
NaN too; gradient TF's Sylvester solve), `lu` (partial pivoting, TF's (lu, p) with
lu = A[p]; no gradient, as TF) and `tridiagonal_solve` (compact format, LAPACK's gtsv with
partial pivoting or the Thomas algorithm without; TF's gradient). The rest are composites of
registry ops, so their gradients follow: `tridiagonal_matmul`, `banded_triangular_solve`,
`tensor_diag(_part)`, `lu_solve`, `lu_reconstruct`, `lu_matrix_inverse`, `eigh_tridiagonal`.
"""
import numpy as np

from graphflow import dtypes
from graphflow.errors import InvalidArgumentError, InvalidTypeError, UnimplementedError
from graphflow.ops import elementwise as ew
from graphflow.ops import reduce as rd
from graphflow.ops import rules
from graphflow.ops import shape as sh
from graphflow.ops.linalg import matmul
from graphflow.ops.matrix_ops import (
    LINALG_DTYPES, _checked, _matrix, _mT, _square_infer, solve, triangular_solve)
from graphflow.ops.registry import OPAQUE, dispatch, register


def _tensor(x, name, dtype_hint=None):
    from graphflow.ops.creation import convert_to_tensor
    return convert_to_tensor(x, dtype_hint=dtype_hint, name=name)


def _each_matrix(x, fn, out_dtype=None):
    """fn applied to every innermost matrix of x (computed in float64)."""
    out = np.empty(x.shape, out_dtype or x.dtype)
    for idx in np.ndindex(x.shape[:-2]):
        out[idx] = fn(x[idx].astype(np.float64))
    return out


# ---------------------------------------------------------------------------------------------
# Matrix exponential

# Higham (2005), table 10.2: Pade coefficients and the 1-norm bounds under which each degree
# is accurate to double precision.
_PADE = {
    3: [120.0, 60.0, 12.0, 1.0],
    5: [30240.0, 15120.0, 3360.0, 420.0, 30.0, 1.0],
    7: [17297280.0, 8648640.0, 1995840.0, 277200.0, 25200.0, 1512.0, 56.0, 1.0],
    9: [17643225600.0, 8821612800.0, 2075673600.0, 302702400.0, 30270240.0, 2162160.0,
        110880.0, 3960.0, 90.0, 1.0],
    13: [64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0,
         129060195264000.0, 10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0,
         40840800.0, 960960.0, 16380.0, 182.0, 1.0],
}
_THETA = [(3, 1.495585217958292e-002), (5, 2.539398330063230e-001),
          (7, 9.504178996162932e-001), (9, 2.097847961257068e+000)]
_THETA13 = 5.371920351148152


def _pade(a, degree):
    b = _PADE[degree]
    n = a.shape[0]
    ident = np.eye(n)
    a2 = a @ a
    if degree < 13:
        powers = [ident, a2]
        while len(powers) < degree // 2 + 1:
            powers.append(powers[-1] @ a2)
        u = a @ sum(b[2 * k + 1] * powers[k] for k in range(len(powers)))
        v = sum(b[2 * k] * powers[k] for k in range(len(powers)))
        return u, v
    a4 = a2 @ a2
    a6 = a4 @ a2
    u = a @ (a6 @ (b[13] * a6 + b[11] * a4 + b[9] * a2)
             + b[7] * a6 + b[5] * a4 + b[3] * a2 + b[1] * ident)
    v = a6 @ (b[12] * a6 + b[10] * a4 + b[8] * a2) + b[6] * a6 + b[4] * a4 + b[2] * a2 \
        + b[0] * ident
    return u, v


def _expm(a):
    if a.shape[0] == 0:
        return a
    if not np.all(np.isfinite(a)):
        return np.full(a.shape, np.nan)
    norm = np.abs(a).sum(axis=0).max()
    for degree, theta in _THETA:
        if norm <= theta:
            u, v = _pade(a, degree)
            return np.linalg.solve(v - u, v + u)
    s = max(0, int(np.ceil(np.log2(norm / _THETA13))))
    u, v = _pade(a / 2.0 ** s, 13)
    out = np.linalg.solve(v - u, v + u)
    for _ in range(s):
        out = out @ out
    return out


@_checked(_square_infer("matrix_exponential"))
def _expm_ref(x):
    with np.errstate(all="ignore"):
        return _each_matrix(x, _expm)


def _expm_grad(inputs, outputs, dy):
    # d<G, expm(A)>/dA = L(A^T, G): the top-right block of expm([[A^T, G], [0, A^T]]).
    at = _mT(inputs[0])
    n = _static_size("matrix_exponential gradient", at)
    top = sh.concat([at, dy], -1)
    bottom = sh.concat([ew.zeros_like(at), at], -1)
    block = dispatch(MATRIX_EXPONENTIAL, (sh.concat([top, bottom], -2),), None)
    return (block[..., :n, n:],)


def _static_size(op, x):
    n = x.shape[-1] if x.shape.rank is not None else None
    if n is None:
        raise InvalidArgumentError(f"{op}: needs a static matrix size, got shape {x.shape}")
    return int(n)


MATRIX_EXPONENTIAL = register("matrix_exponential", OPAQUE, _square_infer("matrix_exponential"),
                              _expm_ref, _expm_grad, doc="expm by scaling and squaring (Pade)")


# ---------------------------------------------------------------------------------------------
# Matrix square root


def _sqrtm(a):
    n = a.shape[0]
    if n == 0:
        return a
    nan = np.full(a.shape, np.nan)
    if not np.all(np.isfinite(a)):
        return nan
    eig = np.linalg.eigvals(a)
    scale = max(np.abs(eig).max(), np.finfo(np.float64).tiny)
    real = np.abs(eig.imag) <= 1e-12 * scale
    if np.any(real & (eig.real <= 1e-14 * scale)):
        return nan  # no real principal square root (or a singular matrix): TF gives NaN
    # Denman-Beavers in product form, with determinant scaling (Higham 2008, (6.29)).
    ident = np.eye(n)
    m, y = a.copy(), a.copy()
    for _ in range(100):
        mu = abs(np.linalg.det(m)) ** (-1.0 / (2 * n))
        m_inv = np.linalg.inv(m)
        y = 0.5 * mu * y @ (ident + m_inv / mu ** 2)
        m = 0.5 * (ident + 0.5 * (mu ** 2 * m + m_inv / mu ** 2))
        if np.abs(m - ident).max() <= 1e-14:
            break
    return y


@_checked(_square_infer("matrix_square_root"))
def _sqrtm_ref(x):
    with np.errstate(all="ignore"):
        return _each_matrix(x, _sqrtm)


def _kron(a, b, n):
    """kron(a, b) of batches of n x n matrices."""
    prod = sh.expand_dims(sh.expand_dims(a, -1), -3) * sh.expand_dims(sh.expand_dims(b, -3), -2)
    # prod[..., i, k, j, l] = a[i, j] b[k, l] -> [..., i*n + k, j*n + l]
    return sh.reshape(prod, _batch_and(a, [n * n, n * n]))


def _batch_and(x, tail):
    """x's batch shape followed by `tail`: a list when known, else a shape tensor."""
    dims = x.shape.as_list() if x.shape.rank is not None else None
    if dims is not None and None not in dims[:-2]:
        return dims[:-2] + list(tail)
    from graphflow.ops.creation import constant
    return sh.concat([sh.shape(x)[:-2], constant(list(tail), dtypes.int32)], 0)


def _sqrtm_grad(inputs, outputs, dy):
    # S S = A, so dA = S dS + dS S; the gradient X solves S^T X + X S^T = G (TF's rule).
    s = outputs[0]
    n = _static_size("matrix_square_root gradient", s)
    from graphflow.ops.creation import eye
    ident = ew.zeros_like(s) + eye(n, dtype=s.dtype)
    k = _kron(_mT(s), ident, n) + _kron(ident, s, n)
    vec = sh.reshape(dy, _batch_and(dy, [n * n, 1]))
    return (sh.reshape(solve(k, vec), _batch_and(dy, [n, n])),)


MATRIX_SQUARE_ROOT = register("matrix_square_root", OPAQUE, _square_infer("matrix_square_root"),
                              _sqrtm_ref, _sqrtm_grad, doc="the real principal square root")


# ---------------------------------------------------------------------------------------------
# LU with partial pivoting


def _lu_infer(specs, output_idx_type):
    batch, m, n = _matrix("lu", specs[0], square=True)
    if output_idx_type not in ("int32", "int64"):
        raise InvalidArgumentError(
            f"lu: output_idx_type must be int32 or int64, got {output_idx_type}")
    n = m if n is None else n
    idx = dtypes.as_dtype(output_idx_type)
    if batch is None:
        return [(None, specs[0].dtype), (None, idx)]
    return [(batch + (n, n), specs[0].dtype), (batch + (n,), idx)]


def _lu_one(a):
    n = a.shape[0]
    lu = a.copy()
    perm = np.arange(n)
    for k in range(n):
        p = k + int(np.argmax(np.abs(lu[k:, k])))
        if lu[p, k] == 0:
            raise InvalidArgumentError("lu: Input is not invertible (a matrix is singular)")
        if p != k:
            lu[[k, p]] = lu[[p, k]]
            perm[[k, p]] = perm[[p, k]]
        lu[k + 1:, k] /= lu[k, k]
        lu[k + 1:, k + 1:] -= np.outer(lu[k + 1:, k], lu[k, k + 1:])
    return lu, perm


@_checked(_lu_infer)
def _lu_ref(x, output_idx_type):
    lu = np.empty(x.shape, x.dtype)
    perm = np.empty(x.shape[:-1], output_idx_type)
    for idx in np.ndindex(x.shape[:-2]):
        lu[idx], perm[idx] = _lu_one(x[idx].astype(np.float64))
    return lu, perm


LU = register("lu", OPAQUE, _lu_infer, _lu_ref, num_outputs=2,
              doc="(lu, p) with lu = A[p]: unit lower L below the diagonal, U on and above")


# ---------------------------------------------------------------------------------------------
# Tridiagonal solve (compact format: diagonals [..., 3, M] = superdiagonal, diagonal,
# subdiagonal; the superdiagonal's last and the subdiagonal's first element are ignored)


def _tridiag_infer(op):
    def infer(specs, partial_pivoting=True):
        d, rhs = specs
        for pos, spec in enumerate(specs):
            if spec.dtype not in LINALG_DTYPES:
                raise InvalidArgumentError(
                    f"{op}: input #{pos} must be float32 or float64, got {spec.dtype.name} with "
                    f"shape {rules.fmt(spec.shape)}")
        if d.shape is None or rhs.shape is None:
            return [(rhs.shape, rhs.dtype)]
        if len(d.shape) < 2 or d.shape[-2] not in (None, 3):
            raise InvalidArgumentError(
                f"{op}: diagonals must have shape [..., 3, M], got {rules.fmt(d.shape)}")
        if len(rhs.shape) != len(d.shape):
            raise InvalidArgumentError(
                f"{op}: rhs must have shape [..., M, K] with the diagonals' batch shape, got "
                f"diagonals {rules.fmt(d.shape)} and rhs {rules.fmt(rhs.shape)}")
        for a, b in zip(d.shape[:-2] + d.shape[-1:], rhs.shape[:-2] + rhs.shape[-2:-1]):
            if a is not None and b is not None and a != b:
                raise InvalidArgumentError(
                    f"{op}: diagonals {rules.fmt(d.shape)} and rhs {rules.fmt(rhs.shape)} do "
                    f"not match (rhs needs the batch shape and M rows of the diagonals)")
        return [(rhs.shape, rhs.dtype)]
    return infer


def _gtsv(sup, diag, sub, b, pivoting):
    """One tridiagonal system (LAPACK's dgtsv with partial pivoting, else Thomas); NaN when a
    pivot is zero (TF's kernel warns and returns NaN)."""
    n = diag.shape[0]
    if n == 0:
        return b.copy()
    nan = np.full(b.shape, np.nan)
    dl, d, du, b = sub[1:].copy(), diag.copy(), sup[:-1].copy(), b.copy()
    if not pivoting:
        for i in range(n - 1):
            if d[i] == 0:
                return nan
            f = dl[i] / d[i]
            d[i + 1] -= f * du[i]
            b[i + 1] -= f * b[i]
        if d[n - 1] == 0:
            return nan
        x = np.empty(b.shape)
        x[n - 1] = b[n - 1] / d[n - 1]
        for i in range(n - 2, -1, -1):
            x[i] = (b[i] - du[i] * x[i + 1]) / d[i]
        return x
    du2 = np.zeros(max(n - 2, 0))
    for i in range(n - 1):
        if abs(d[i]) >= abs(dl[i]):
            if d[i] == 0:
                return nan
            f = dl[i] / d[i]
            d[i + 1] -= f * du[i]
            b[i + 1] -= f * b[i]
            if i < n - 2:
                du2[i] = 0.0
            dl[i] = 0.0
        else:
            f = d[i] / dl[i]
            d[i] = dl[i]
            tmp = d[i + 1]
            d[i + 1] = du[i] - f * tmp
            if i < n - 2:
                du2[i] = du[i + 1]
                du[i + 1] = -f * du[i + 1]
            du[i] = tmp
            b[[i, i + 1]] = b[[i + 1, i]]
            b[i + 1] -= f * b[i]
    if d[n - 1] == 0:
        return nan
    x = np.empty(b.shape)
    x[n - 1] = b[n - 1] / d[n - 1]
    if n > 1:
        x[n - 2] = (b[n - 2] - du[n - 2] * x[n - 1]) / d[n - 2]
    for i in range(n - 3, -1, -1):
        x[i] = (b[i] - du[i] * x[i + 1] - du2[i] * x[i + 2]) / d[i]
    return x


def _tridiag_ref(diagonals, rhs, partial_pivoting=True):
    _tridiag_infer("tridiagonal_solve")([rules.ArraySpec(diagonals), rules.ArraySpec(rhs)],
                                        partial_pivoting)
    out = np.empty(rhs.shape, rhs.dtype)
    with np.errstate(all="ignore"):
        for idx in np.ndindex(rhs.shape[:-2]):
            d = diagonals[idx].astype(np.float64)
            out[idx] = _gtsv(d[0], d[1], d[2], rhs[idx].astype(np.float64), partial_pivoting)
    return out


def _transpose_tridiagonal(d):
    zeros = ew.zeros_like(d[..., 1, :1])
    sup = sh.concat([d[..., 2, 1:], zeros], -1)
    sub = sh.concat([zeros, d[..., 0, :-1]], -1)
    return sh.stack([sup, d[..., 1, :], sub], -2)


def _tridiag_grad(inputs, outputs, dy, partial_pivoting=True):
    d, x = inputs[0], outputs[0]
    grad_rhs = dispatch(TRIDIAGONAL_SOLVE, (_transpose_tridiagonal(d), dy),
                        {"partial_pivoting": partial_pivoting})
    # -grad_rhs @ x^T, read on the three diagonals.
    main = rd.reduce_sum(grad_rhs * x, -1)
    zeros = ew.zeros_like(main[..., :1])
    sup = sh.concat([rd.reduce_sum(grad_rhs[..., :-1, :] * x[..., 1:, :], -1), zeros], -1)
    sub = sh.concat([zeros, rd.reduce_sum(grad_rhs[..., 1:, :] * x[..., :-1, :], -1)], -1)
    return ew.negative(sh.stack([sup, main, sub], -2)), grad_rhs


TRIDIAGONAL_SOLVE = register("tridiagonal_solve", OPAQUE, _tridiag_infer("tridiagonal_solve"),
                             _tridiag_ref, _tridiag_grad, same_dtype=(0, 1),
                             doc="solves tridiagonal systems given in compact format")


# ---------------------------------------------------------------------------------------------
# Public functions (tf.linalg.*)


def _float_matrix(op, x, name="input"):
    x = _tensor(x, name)
    if x.dtype not in LINALG_DTYPES:
        raise InvalidArgumentError(f"{op}: {name} must be float32 or float64, got {x.dtype.name}")
    return x


def expm(input, name=None):  # noqa: A002 - TF's name
    """The matrix exponential of each square matrix (scaling and squaring with Pade
    approximants, as TF and SciPy), differentiable.

        >>> tf.linalg.expm(tf.constant([[0.0, 1.0], [0.0, 0.0]])).numpy()
        array([[1., 1.],
               [0., 1.]], dtype=float32)
    """
    return dispatch(MATRIX_EXPONENTIAL, (_tensor(input, "input"),), None, name)


def sqrtm(input, name=None):  # noqa: A002
    """The real principal square root of each square matrix (NaN where there is none: a
    negative real eigenvalue, or a singular matrix), differentiable (TF's Sylvester rule).

        >>> tf.linalg.sqrtm(tf.constant([[4.0, 0.0], [0.0, 9.0]])).numpy()
        array([[2., 0.],
               [0., 3.]], dtype=float32)
    """
    return dispatch(MATRIX_SQUARE_ROOT, (_tensor(input, "input"),), None, name)


import collections  # noqa: E402

Lu = collections.namedtuple("Lu", ["lu", "p"])


def lu(input, output_idx_type=dtypes.int32, name=None):  # noqa: A002
    """LU decomposition with partial pivoting: (lu, p) with lu = A[p] factored as L U (L unit
    lower triangular, stored below the diagonal; U on and above it). Raises
    InvalidArgumentError on a singular matrix, as TF; no gradient (TF has none).

        >>> lu, p = tf.linalg.lu(tf.constant([[1.0, 2.0], [3.0, 4.0]]))
        >>> lu.numpy().tolist(), p.numpy().tolist()
        ([[3.0, 4.0], [0.3333333432674408, 0.6666666865348816]], [1, 0])
    """
    idx = dtypes.as_dtype(output_idx_type).name
    out = dispatch(LU, (_tensor(input, "input"),), {"output_idx_type": idx}, name)
    return Lu(*out)


def _lu_parts(lower_upper, perm):
    from graphflow.ops.layout import band_part, matrix_set_diag
    n = _static_size("lu", lower_upper)
    lower = matrix_set_diag(band_part(lower_upper, -1, 0),
                            ew.ones_like(lower_upper[..., 0]))
    upper = band_part(lower_upper, 0, -1)
    p = sh.one_hot(perm, n, dtype=lower_upper.dtype)  # p[i, perm[i]] = 1: p @ b = b[perm]
    return lower, upper, p


def _lu_inputs(op, lower_upper, perm):
    lower_upper = _float_matrix(op, lower_upper, "lower_upper")
    perm = _tensor(perm, "perm", dtypes.int32)
    if not perm.dtype.is_integer:
        raise InvalidArgumentError(f"{op}: perm must be an integer tensor, got {perm.dtype.name}")
    if lower_upper.shape.rank is not None and lower_upper.shape.rank < 2:
        raise InvalidArgumentError(
            f"{op}: lower_upper must have rank >= 2, got shape {lower_upper.shape}")
    return lower_upper, perm


@rules.composite("lu_reconstruct")
def lu_reconstruct(lower_upper, perm, validate_args=False, name=None):
    """The matrix whose tf.linalg.lu is (lower_upper, perm): P^T L U.

        >>> a = tf.constant([[1.0, 2.0], [3.0, 4.0]])
        >>> tf.linalg.lu_reconstruct(*tf.linalg.lu(a)).numpy()
        array([[1., 2.],
               [3., 4.]], dtype=float32)
    """
    lower_upper, perm = _lu_inputs("lu_reconstruct", lower_upper, perm)
    lower, upper, p = _lu_parts(lower_upper, perm)
    return matmul(p, matmul(lower, upper), transpose_a=True, name=name)


@rules.composite("lu_solve")
def lu_solve(lower_upper, perm, rhs, validate_args=False, name=None):
    """X with A X = rhs, for A given by its tf.linalg.lu (batch axes broadcast).

        >>> lu, p = tf.linalg.lu(tf.constant([[2.0, 0.0], [0.0, 4.0]]))
        >>> tf.linalg.lu_solve(lu, p, tf.ones((2, 1))).numpy()
        array([[0.5 ],
               [0.25]], dtype=float32)
    """
    lower_upper, perm = _lu_inputs("lu_solve", lower_upper, perm)
    rhs = _tensor(rhs, "rhs")
    lower, upper, p = _lu_parts(lower_upper, perm)
    y = triangular_solve(lower, matmul(p, rhs), lower=True)
    return triangular_solve(upper, y, lower=False, name=name)


@rules.composite("lu_matrix_inverse")
def lu_matrix_inverse(lower_upper, perm, validate_args=False, name=None):
    """The inverse of A given by its tf.linalg.lu.

        >>> lu, p = tf.linalg.lu(tf.constant([[2.0, 0.0], [0.0, 4.0]]))
        >>> tf.linalg.lu_matrix_inverse(lu, p).numpy()
        array([[0.5 , 0.  ],
               [0.  , 0.25]], dtype=float32)
    """
    from graphflow.ops.creation import eye
    lower_upper, perm = _lu_inputs("lu_matrix_inverse", lower_upper, perm)
    n = _static_size("lu_matrix_inverse", lower_upper)
    ident = ew.zeros_like(lower_upper) + eye(n, dtype=lower_upper.dtype)
    return lu_solve(lower_upper, perm, ident, name=name)


def _tridiagonal_compact(op, diagonals, diagonals_format):
    from graphflow.ops.layout import matrix_diag_part
    if diagonals_format == "compact":
        d = _tensor(diagonals, "diagonals")
        if d.shape.rank is not None and d.shape.rank < 2:
            raise InvalidArgumentError(
                f"{op}: diagonals must have rank at least 2, got shape {d.shape}")
        if d.shape.rank is not None and d.shape[-2] is not None and d.shape[-2] != 3:
            raise InvalidArgumentError(f"{op}: Expected 3 diagonals got {d.shape[-2]}")
        return d
    if diagonals_format == "sequence":
        if not isinstance(diagonals, (tuple, list)) or len(diagonals) != 3:
            raise InvalidArgumentError(
                f"{op}: Expected diagonals to be a sequence of length 3.")
        sup, main, sub = (_tensor(t, "diagonals") for t in diagonals)
        m = main.shape[-1]

        def padded(t, what, pad):
            k = t.shape[-1]
            if k == m or k is None or m is None:
                return t
            if op == "tridiagonal_solve" and k == m - 1:
                return sh.pad(t, [[0, 0]] * (t.shape.rank - 1) + [pad])
            raise InvalidArgumentError(
                f"{op}: Expected {what} to have length {m}"
                + (f" or {m - 1}" if op == "tridiagonal_solve" else "") + f", got {k}.")
        return sh.stack([padded(sup, "superdiagonal", [0, 1]), main,
                         padded(sub, "subdiagonal", [1, 0])], -2)
    if diagonals_format == "matrix":
        d = _tensor(diagonals, "diagonals")
        if d.shape.rank is not None and d.shape.rank >= 2 and None not in d.shape[-2:] \
                and d.shape[-1] != d.shape[-2]:
            raise InvalidArgumentError(
                f"{op}: Expected last two dimensions of diagonals to be same, got "
                f"{d.shape[-2]} and {d.shape[-1]}")
        return matrix_diag_part(d, k=(-1, 1), padding_value=0, align="LEFT_RIGHT")
    raise InvalidArgumentError(f"{op}: Unrecognized diagonals_format: {diagonals_format}")


@rules.composite("tridiagonal_solve")
def tridiagonal_solve(diagonals, rhs, diagonals_format="compact", transpose_rhs=False,
                      conjugate_rhs=False, name=None, partial_pivoting=True,
                      perturb_singular=False):
    """X with T X = rhs for tridiagonal T given as `compact` ([..., 3, M]: superdiagonal,
    diagonal, subdiagonal), `sequence` (three tensors) or `matrix` ([..., M, M]); rhs is
    [..., M, K] or [..., M]. NaN where a pivot is zero (a singular system, or one that needs
    partial_pivoting when it is off).

        >>> d = tf.constant([[1.0, 1.0, 0.0], [2.0, 2.0, 2.0], [0.0, 1.0, 1.0]])
        >>> tf.linalg.tridiagonal_solve(d, tf.constant([3.0, 4.0, 3.0])).numpy()
        array([1., 1., 1.], dtype=float32)
    """
    op = "tridiagonal_solve"
    if perturb_singular and not partial_pivoting:
        raise InvalidArgumentError(f"{op}: partial_pivoting must be True if perturb_singular is.")
    if perturb_singular:
        raise UnimplementedError(f"{op}: perturb_singular=True is not supported by graphflow")
    d = _tridiagonal_compact(op, diagonals, diagonals_format)
    rhs = _tensor(rhs, "rhs")
    dr, rr = d.shape.rank, rhs.shape.rank
    if dr is not None and rr is not None and rr not in (dr, dr - 1):
        raise InvalidArgumentError(
            f"{op}: Expected the rank of rhs to be {dr - 1} or {dr}, got {rr}")
    vector = dr is not None and rr == dr - 1
    if vector:
        rhs = sh.expand_dims(rhs, -1)
    elif transpose_rhs:
        rhs = _mT(rhs)
    x = dispatch(TRIDIAGONAL_SOLVE, (d, rhs), {"partial_pivoting": bool(partial_pivoting)})
    return sh.squeeze(x, [-1], name) if vector else x


@rules.composite("tridiagonal_matmul")
def tridiagonal_matmul(diagonals, rhs, diagonals_format="compact", name=None):
    """T @ rhs for tridiagonal T in `compact`, `sequence` or `matrix` format (see
    tridiagonal_solve; in `sequence` format all three diagonals have length M).

        >>> d = tf.constant([[1.0, 1.0, 0.0], [2.0, 2.0, 2.0], [0.0, 1.0, 1.0]])
        >>> tf.linalg.tridiagonal_matmul(d, tf.ones((3, 1))).numpy().ravel()
        array([3., 4., 3.], dtype=float32)
    """
    d = _tridiagonal_compact("tridiagonal_matmul", diagonals, diagonals_format)
    rhs = _tensor(rhs, "rhs")
    if d.dtype not in LINALG_DTYPES or rhs.dtype != d.dtype:
        raise InvalidArgumentError(
            f"tridiagonal_matmul: diagonals and rhs must be both float32 or float64, got "
            f"{d.dtype.name} and {rhs.dtype.name}")
    if rhs.shape.rank is not None and rhs.shape.rank < 2:
        raise InvalidArgumentError(
            f"tridiagonal_matmul: rhs must have shape [..., M, N], got {rhs.shape}")
    m = d.shape[-1] if d.shape.rank is not None else None
    if m is not None and rhs.shape.rank is not None and rhs.shape[-2] not in (None, m):
        raise InvalidArgumentError(
            f"tridiagonal_matmul: diagonals {d.shape} need rhs with {m} rows, got {rhs.shape}")
    zeros = ew.zeros_like(rhs[..., :1, :])
    up = sh.concat([rhs[..., 1:, :], zeros], -2)      # row i holds rhs[i + 1]
    down = sh.concat([zeros, rhs[..., :-1, :]], -2)   # row i holds rhs[i - 1]
    col = lambda k: sh.expand_dims(d[..., k, :], -1)  # noqa: E731
    return ew.add(col(0) * up + col(1) * rhs, col(2) * down, name=name)


@rules.composite("banded_triangular_solve")
def banded_triangular_solve(bands, rhs, lower=True, adjoint=False, name=None):
    """triangular_solve with the matrix given by its K bands ([..., K, M], LEFT_RIGHT aligned:
    the diagonal first and then the subdiagonals when lower, the superdiagonals from the
    K-1st down to the diagonal otherwise); rhs is [..., M, N] or [..., M].

        >>> tf.linalg.banded_triangular_solve([[2.0, 3.0, 4.0], [1.0, 2.0, 3.0]],
        ...                                   tf.ones([3, 1])).numpy().ravel()
        array([0.5 , 0.  , 0.25], dtype=float32)
    """
    from graphflow.ops.layout import matrix_diag
    bands = _float_matrix("banded_triangular_solve", bands, "bands")
    rhs = _tensor(rhs, "rhs")
    if bands.shape.rank is None or bands.shape.rank < 2 or None in bands.shape[-2:]:
        raise InvalidArgumentError(
            f"banded_triangular_solve: bands must have a static shape [..., K, M], got "
            f"{bands.shape}")
    k, m = bands.shape[-2], bands.shape[-1]
    if k < 1 or m < 1:
        raise InvalidArgumentError(
            f"banded_triangular_solve: bands must have at least one band of length >= 1, got "
            f"shape {bands.shape}")
    if k > m:  # bands beyond the matrix hold only padding (TF accepts and ignores them)
        bands = bands[..., :m, :] if lower else bands[..., k - m:, :]
        k = m
    diags = (-(k - 1), 0) if lower else (0, k - 1)
    dense = matrix_diag(bands, k=diags, num_rows=m, num_cols=m, align="LEFT_RIGHT") \
        if k > 1 else matrix_diag(bands[..., 0, :])
    vector = rhs.shape.rank is not None and rhs.shape.rank == bands.shape.rank - 1
    if vector:
        rhs = sh.expand_dims(rhs, -1)
    x = triangular_solve(dense, rhs, lower=lower, adjoint=adjoint)
    return sh.squeeze(x, [-1], name) if vector else x


def _static_dims(op, x):
    if x.shape.rank is None or None in x.shape.as_list():
        raise InvalidArgumentError(f"{op}: needs a static shape, got {x.shape}")
    return x.shape.as_list()


@rules.composite("tensor_diag")
def tensor_diag(diagonal, name=None):
    """The tensor of shape s + s with `diagonal` (shape s) at [i..., i...] and zeros elsewhere.

        >>> tf.linalg.tensor_diag([1, 2]).numpy()
        array([[1, 0],
               [0, 2]], dtype=int32)
    """
    from graphflow.ops.layout import matrix_diag
    d = _tensor(diagonal, "diagonal")
    dims = _static_dims("tensor_diag", d)
    flat = matrix_diag(sh.reshape(d, [-1]))
    return sh.reshape(flat, dims + dims, name)


@rules.composite("tensor_diag_part")
def tensor_diag_part(input, name=None):  # noqa: A002
    """The diagonal of a tensor of shape s + s: out[i...] = input[i..., i...].

        >>> tf.linalg.tensor_diag_part(tf.reshape(tf.range(16), (2, 2, 2, 2))).numpy()
        array([[ 0,  5],
               [10, 15]], dtype=int32)
    """
    from graphflow.ops.layout import matrix_diag_part
    x = _tensor(input, "input")
    dims = _static_dims("tensor_diag_part", x)
    half = len(dims) // 2
    if len(dims) % 2 or dims[:half] != dims[half:]:
        raise InvalidArgumentError(
            f"tensor_diag_part: the input must have an even rank and shape s + s, got "
            f"{x.shape}")
    n = int(np.prod(dims[:half], dtype=np.int64))
    return sh.reshape(matrix_diag_part(sh.reshape(x, [n, n])), dims[:half], name)


@rules.composite("eigh_tridiagonal")
def eigh_tridiagonal(alpha, beta, eigvals_only=True, select="a", select_range=None, tol=None,
                     name=None):
    """Eigenvalues (ascending; with eigenvectors as columns when eigvals_only=False) of the
    symmetric tridiagonal matrix with diagonal alpha [n] and off-diagonal beta [n - 1]: all
    (select='a'), indices select_range = [lo, hi] (select='i') or values in (lo, hi]
    (select='v'). Computed through the dense matrix's eigh (differentiable), not TF's
    bisection, so `tol` is accepted and not needed; eigenvector signs may differ from TF's.

        >>> tf.linalg.eigh_tridiagonal(tf.constant([2.0, 2.0]), tf.constant([1.0])).numpy()
        array([1., 3.], dtype=float32)
    """
    from graphflow.ops.gather_scatter import boolean_mask
    from graphflow.ops.layout import matrix_diag
    from graphflow.ops.matrix_ops import eigh, eigvalsh
    del tol
    op = "eigh_tridiagonal"
    alpha, beta = _tensor(alpha, "alpha"), _tensor(beta, "beta")
    if alpha.dtype not in LINALG_DTYPES or beta.dtype != alpha.dtype:
        raise InvalidArgumentError(
            f"{op}: alpha and beta must be both float32 or float64 (complex ones are not "
            f"built), got {alpha.dtype.name} and {beta.dtype.name}")
    if alpha.shape.rank != 1 or beta.shape.rank != 1:
        raise InvalidArgumentError(
            f"{op}: alpha and beta must be vectors, got shapes {alpha.shape} and {beta.shape}")
    n = alpha.shape[0]
    if n is None or beta.shape[0] not in (None, n - 1):
        raise InvalidArgumentError(
            f"{op}: beta must have length n - 1 = {None if n is None else n - 1} (alpha has "
            f"length {n}), got {beta.shape[0]}")
    if select not in ("a", "i", "v"):
        raise InvalidArgumentError(f"{op}: select must be 'a', 'i' or 'v', got {select!r}")
    matrix = matrix_diag(alpha)
    if n > 1:
        matrix = matrix + matrix_diag(beta, k=1) + matrix_diag(beta, k=-1)
    if eigvals_only:
        values, vectors = eigvalsh(matrix), None
    else:
        values, vectors = eigh(matrix)
    if select == "i":
        lo, hi = (int(v) for v in select_range)
        values = values[lo:hi + 1]
        vectors = None if vectors is None else vectors[:, lo:hi + 1]
    elif select == "v":
        lo, hi = select_range
        keep = ew.logical_and(ew.greater(values, ew.cast(lo, values.dtype)),
                              ew.less_equal(values, ew.cast(hi, values.dtype)))
        values = boolean_mask(values, keep)
        vectors = None if vectors is None else boolean_mask(vectors, keep, axis=1)
    return values if eigvals_only else (values, vectors)
