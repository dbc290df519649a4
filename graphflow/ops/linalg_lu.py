"""The LU decomposition with partial pivoting (TF's `Lu` op, `tf.linalg.lu`): a primitive with
a NumPy reference (LAPACK getrf's pivoting: the first largest |value| of each column) and TF's
gradient; keras.ops.lu_factor is built on it.

    >>> import numpy as np
    >>> from graphflow.ops.linalg_lu import lu
    >>> packed, p = lu(np.array([[1.0, 2.0], [3.0, 4.0]]))
    >>> packed.numpy().round(4).tolist(), p.numpy().tolist()
    ([[3.0, 4.0], [0.3333, 0.6667]], [1, 0])

`lu` holds L below the diagonal (its unit diagonal implied) and U on and above it, and
`x[..., p, :] = L @ U`. As TF's CPU kernel, a singular matrix is factored as far as it goes
(a zero pivot leaves U singular; nothing raises).
"""
import numpy as np

from graphflow import dtypes
from graphflow.errors import InvalidArgumentError
from graphflow.ops import elementwise as ew
from graphflow.ops import rules
from graphflow.ops import shape as sh
from graphflow.ops.linalg import matmul
from graphflow.ops.matrix_ops import LINALG_DTYPES, _masked, _mT, _static_matrix_size, \
    triangular_solve
from graphflow.ops.registry import OPAQUE, dispatch, register

_INDEX_DTYPES = (dtypes.int32, dtypes.int64)


def _lu_infer(specs, output_idx_type):
    x = specs[0]
    if x.dtype not in LINALG_DTYPES:
        raise InvalidArgumentError(f"lu: input must be float32 or float64, got {x.dtype.name} "
                                   f"with shape {rules.fmt(x.shape)}")
    idx = dtypes.as_dtype(output_idx_type)
    if idx not in _INDEX_DTYPES:
        raise InvalidArgumentError(f"lu: output_idx_type must be int32 or int64, got {idx.name}")
    if x.shape is None:
        return [(None, x.dtype), (None, idx)]
    if len(x.shape) < 2:
        raise InvalidArgumentError(f"lu: input must have rank >= 2, got shape "
                                   f"{rules.fmt(x.shape)}")
    m, n = x.shape[-2:]
    if m is not None and n is not None and m != n:
        raise InvalidArgumentError(f"lu: input must be a square matrix (or a batch of them), "
                                   f"got shape {rules.fmt(x.shape)}")
    return [(x.shape, x.dtype), (x.shape[:-1], idx)]


def _lu_ref(x, output_idx_type):
    _lu_infer([rules.ArraySpec(x)], output_idx_type=output_idx_type)
    n = x.shape[-1]
    packed = np.array(x, dtype=x.dtype, copy=True)
    perm = np.zeros(x.shape[:-1], dtype=dtypes.as_dtype(output_idx_type).np)
    for b in np.ndindex(x.shape[:-2]):
        a = packed[b]
        p = np.arange(n)
        for k in range(n):
            pivot = k + int(np.argmax(np.abs(a[k:, k])))
            if pivot != k:
                a[[k, pivot]] = a[[pivot, k]]
                p[[k, pivot]] = p[[pivot, k]]
            if a[k, k] != 0:
                a[k + 1:, k] /= a[k, k]
                a[k + 1:, k + 1:] -= np.outer(a[k + 1:, k], a[k, k + 1:])
        perm[b] = p
    return packed, perm


def _lu_grad(inputs, outputs, dys, output_idx_type):
    # TF's _LuGrad (square case): with P x = L U, dA_perm = L^-H (tril_-1(L^H dL) + triu(dU U^H))
    # U^-H, then the rows are put back in x's order.
    packed, p = outputs
    d = dys[0]
    if d is None:
        return [None]
    n, _ = _static_matrix_size("lu gradient", packed)
    strict_lower = np.tril(np.ones((n, n), bool), -1)
    upper = np.triu(np.ones((n, n), bool))
    from graphflow.ops.creation import constant
    eye = constant(np.eye(n, dtype=packed.dtype.np))
    lower = _masked(packed, strict_lower) + eye
    up = _masked(packed, upper)
    middle = _masked(matmul(_mT(lower), _masked(d, strict_lower)), strict_lower) + \
        _masked(matmul(_masked(d, upper), _mT(up)), upper)
    # L^-H middle: solve L^H y = middle (upper triangular)
    y = triangular_solve(lower, middle, lower=True, adjoint=True)
    # y U^-H = (U^-1 y^H)^H
    grad_perm = _mT(triangular_solve(up, _mT(y), lower=False, adjoint=False))
    from graphflow.ops.math_extra import invert_permutation
    rank = packed.shape.rank
    if rank == 2:
        return [sh.gather(grad_perm, invert_permutation(p), axis=0)]
    # per matrix: the inverse permutation is the argsort of p
    from graphflow.ops.sort import argsort
    inv = argsort(p, axis=-1)
    return [sh.gather(grad_perm, ew.cast(inv, dtypes.int32), axis=rank - 2,
                      batch_dims=rank - 2)]


LU = register("lu", OPAQUE, _lu_infer, _lu_ref, _lu_grad, num_outputs=2,
              doc="(lu, p): L and U packed, and the row permutation (tf.linalg.lu)")


def lu(input, output_idx_type=dtypes.int32, name=None):  # noqa: A002 - TF's name
    """(lu, p) with input[..., p, :] = L @ U (tf.linalg.lu)."""
    from graphflow.ops.creation import convert_to_tensor
    x = convert_to_tensor(input, name="input")
    return dispatch(LU, (x,), {"output_idx_type": dtypes.as_dtype(output_idx_type)}, name)
