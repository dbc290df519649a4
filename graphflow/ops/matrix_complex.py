"""Linear algebra with complex results: tf.linalg.eig / eigvals (general square matrices, whose
eigenvalues and eigenvectors are complex) and tf.linalg.logm (TF's takes complex matrices only).

    >>> import graphflow as tf
    >>> tf.linalg.eigvals(tf.constant([[0.0, -1.0], [1.0, 0.0]])).numpy()
    array([0.+1.j, 0.-1.j], dtype=complex64)
"""
import numpy as np

from graphflow import dtypes
from graphflow.errors import InvalidArgumentError
from graphflow.ops import rules
from graphflow.ops.registry import OPAQUE, dispatch, register

_COMPLEX_OF = {"float32": dtypes.complex64, "float64": dtypes.complex128,
               "complex64": dtypes.complex64, "complex128": dtypes.complex128}


def _square(op, spec, kinds_text, allowed):
    if spec.dtype.name not in allowed:
        raise InvalidArgumentError(
            f"{op}: input must be a {kinds_text} tensor, got {spec.dtype.name} with shape "
            f"{rules.fmt(spec.shape)}")
    if spec.shape is None:
        return
    if len(spec.shape) < 2:
        raise InvalidArgumentError(
            f"{op}: input must have rank >= 2, got shape {rules.fmt(spec.shape)}")
    m, n = spec.shape[-2:]
    if m is not None and n is not None and m != n:
        raise InvalidArgumentError(
            f"{op}: input must be a square matrix (or a batch of them), got shape "
            f"{rules.fmt(spec.shape)}")


# -- eig ----------------------------------------------------------------------------------------

def _eig_infer(specs, compute_v):
    (x,) = specs
    _square("eig", x, "float32, float64, complex64 or complex128", _COMPLEX_OF)
    out = _COMPLEX_OF[x.dtype.name]
    if x.shape is None:
        return [(None, out)] * (2 if compute_v else 1)
    n = x.shape[-1] if x.shape[-1] is not None else x.shape[-2]
    e = (tuple(x.shape[:-2]) + (n,), out)
    return [e, (tuple(x.shape[:-2]) + (n, n), out)] if compute_v else [e]


def _eig_ref(x, compute_v):
    _eig_infer([rules.ArraySpec(x)], compute_v)
    out = _COMPLEX_OF[x.dtype.name].np
    if x.size == 0:
        e = np.zeros(x.shape[:-1], out)
        return (e, np.zeros(x.shape, out)) if compute_v else (e,)
    e, v = np.linalg.eig(x)  # LAPACK geev: unit-norm eigenvectors, as TF's
    e, v = e.astype(out), v.astype(out)
    return (e, v) if compute_v else (e,)


def _eig_grad_ref(e, v, ge, gv):
    """TF's EigGrad, in NumPy: V^-H (diag(ge) + conj(F) * (V^H gv - V^H V diag(Re(V^H gv))))
    V^H, with F[i, j] = 1 / (e_j - e_i) off the diagonal (Lorentz-broadened, as TF's)."""
    vh = np.conj(np.swapaxes(v, -1, -2))
    diff = e[..., None, :] - e[..., :, None]
    f = diff * (1.0 / (diff * diff + 1e-20))
    n = e.shape[-1]
    f[..., np.arange(n), np.arange(n)] = 0
    f = np.conj(f)
    vgv = vh @ gv
    real_diag = np.zeros_like(vgv)
    real_diag[..., np.arange(n), np.arange(n)] = np.real(
        vgv[..., np.arange(n), np.arange(n)])
    mid = np.zeros_like(vgv)
    mid[..., np.arange(n), np.arange(n)] = ge
    mid = mid + f * (vgv - (vh @ v) @ real_diag)
    if v.size == 0:
        return np.zeros(v.shape, v.dtype)
    return np.linalg.solve(vh, mid @ vh).astype(v.dtype, copy=False)


def _eig_grad_infer(specs, real_input):
    for i, spec in enumerate(specs):
        rules.check_kind("eig_grad", spec, "c", i)
    e, v, ge, gv = specs
    dtype = v.dtype.real_dtype if real_input else v.dtype
    return [(v.shape, dtype)]


def _eig_grad_kernel(e, v, ge, gv, real_input):
    _eig_grad_infer([rules.ArraySpec(a) for a in (e, v, ge, gv)], real_input)
    g = _eig_grad_ref(e, v, ge, gv)
    return np.real(g).astype(g.real.dtype) if real_input else g  # TF casts to the input's dtype


EIG_GRAD = register("eig_grad", OPAQUE, _eig_grad_infer, _eig_grad_kernel,
                    doc="the gradient of eig (TF's formula; no second derivative)")


def _eig_grad(inputs, outputs, dys, compute_v):
    from graphflow.ops import elementwise as ew
    x = inputs[0]
    if compute_v:
        e, v = outputs
        ge = dys[0] if dys[0] is not None else ew.zeros_like(e)
        gv = dys[1] if dys[1] is not None else ew.zeros_like(v)
    else:
        e, v = dispatch(EIG, (x,), {"compute_v": True})
        ge, gv = dys[0], ew.zeros_like(v)
    return (dispatch(EIG_GRAD, (e, v, ge, gv), {"real_input": not x.dtype.is_complex}),)


EIG = register("eig", OPAQUE, _eig_infer, _eig_ref, _eig_grad, num_outputs=None,
               doc="(e, v), or (e,) when compute_v is False")


def eig(tensor, name=None):
    """(eigenvalues, eigenvectors as unit-norm columns) of each square matrix: complex64 for
    float32 or complex64 input, complex128 for float64 or complex128 (in LAPACK's order, as TF
    on the CPU). Gradients are TF's (valid for losses that do not depend on the eigenvectors'
    phases).

        >>> e, v = tf.linalg.eig(tf.constant([[2.0, 0.0], [0.0, 3.0]]))
        >>> e.numpy()
        array([2.+0.j, 3.+0.j], dtype=complex64)
    """
    return dispatch(EIG, (tensor,), {"compute_v": True}, name)


def eigvals(tensor, name=None):
    """The eigenvalues of each square matrix (complex; see eig).

        >>> tf.linalg.eigvals(tf.constant([[1.0, 2.0], [0.0, 3.0]], tf.float64)).numpy()
        array([1.+0.j, 3.+0.j])
    """
    return dispatch(EIG, (tensor,), {"compute_v": False}, name)[0]


# -- logm ---------------------------------------------------------------------------------------

def _logm_infer(specs):
    (x,) = specs
    _square("logm", x, "complex64 or complex128", ("complex64", "complex128"))
    return [(x.shape, x.dtype)]


def _logm_one(a):
    """The principal logarithm of one matrix: V diag(log e) V^-1 when its eigenvectors are
    well conditioned, else by inverse scaling and squaring (Denman-Beavers square roots until
    it is near I, a Taylor series of log(I + X) there, times 2^k); NaN where the logarithm
    does not exist (a singular matrix), as TF returns."""
    nan = np.full(a.shape, np.nan + 1j * np.nan, np.complex128)
    e, v = np.linalg.eig(a.astype(np.complex128))
    if not np.all(np.isfinite(e)) or np.any(e == 0):
        return nan
    if np.linalg.cond(v) < 1e6:
        return v @ (np.log(e)[:, None] * np.linalg.inv(v))
    n = a.shape[-1]
    eye = np.eye(n, dtype=np.complex128)
    x = a.astype(np.complex128)
    k = 0
    try:
        while np.linalg.norm(x - eye, 1) > 0.05 and k < 60:
            y, z = x, eye
            for _ in range(100):
                y, z = 0.5 * (y + np.linalg.inv(z)), 0.5 * (z + np.linalg.inv(y))
                if np.linalg.norm(y @ y - x, 1) <= 1e-14 * max(1.0, np.linalg.norm(x, 1)):
                    break
            x = y
            k += 1
    except np.linalg.LinAlgError:
        return nan
    d = x - eye
    term, total = eye, np.zeros_like(eye)
    for j in range(1, 40):
        term = term @ d
        total = total + ((-1) ** (j + 1) / j) * term
    return total * (2.0 ** k)


def _logm_ref(x):
    _logm_infer([rules.ArraySpec(x)])
    if x.size == 0:
        return np.zeros(x.shape, x.dtype)
    flat = x.reshape((-1,) + x.shape[-2:])
    with np.errstate(all="ignore"):  # NaN results, as TF's, say where no logarithm exists
        out = np.stack([_logm_one(m) for m in flat])
    return out.reshape(x.shape).astype(x.dtype)


LOGM = register("logm", OPAQUE, _logm_infer, _logm_ref)


def logm(input, name=None):  # noqa: A002 - TF's name
    """The principal matrix logarithm of each square complex matrix (TF's MatrixLogarithm:
    complex64 or complex128 only, and no gradient).

        >>> m = tf.linalg.logm(tf.constant([[1.0 + 0j, 0.0], [0.0, np.e]]))
        >>> np.round(m.numpy(), 6)
        array([[0.+0.j, 0.+0.j],
               [0.+0.j, 1.+0.j]])
    """
    return dispatch(LOGM, (input,), None, name)
