"""graphflow.linalg: TF's linear-algebra namespace (composites of registry ops).

    >>> import graphflow as tf
    >>> tf.linalg.matmul(tf.eye(2), tf.ones((2, 3))).shape
    TensorShape([2, 3])
    >>> float(tf.linalg.norm(tf.constant([3.0, 4.0])))
    5.0
"""
from graphflow.errors import InvalidArgumentError
from graphflow.ops.creation import eye  # noqa: F401
from graphflow.ops.linalg import matmul, tensordot  # noqa: F401
from graphflow.ops.nn import l2_normalize  # noqa: F401
# -- TF op breadth, part 1 (issue 16) ------------------------------------------------------------
from graphflow.ops.einsum import einsum  # noqa: F401
from graphflow.ops.layout import band_part, matrix_diag as diag  # noqa: F401
from graphflow.ops.layout import matrix_diag_part as diag_part  # noqa: F401
from graphflow.ops.layout import matrix_set_diag as set_diag  # noqa: F401
# ----------------------------------------------------------------------------------------------
from graphflow.ops import elementwise as ew
from graphflow.ops import reduce as rd
from graphflow.ops import shape as sh
# -- ops2 (issue 16): decompositions, solves, norms --
from graphflow.ops.math_extra import global_norm  # noqa: F401
from graphflow.ops.matrix_ops import (  # noqa: F401
    adjoint, cholesky, cholesky_solve, cross, det, eigh, eigvalsh, inv, logdet, lstsq, matrix_rank,
    norm, normalize, pinv, qr, slogdet, solve, svd, triangular_solve)


def matrix_transpose(a, name=None):
    """Swaps the last two axes.

        >>> tf.linalg.matrix_transpose(tf.zeros((5, 2, 3))).shape
        TensorShape([5, 3, 2])
    """
    rank = a.shape.rank
    if rank is None or rank < 2:
        raise InvalidArgumentError(
            f"matrix_transpose: input must have rank >= 2, got shape {a.shape}")
    perm = list(range(rank - 2)) + [rank - 1, rank - 2]
    return sh.transpose(a, perm, name)


def matvec(a, b, name=None):
    """a @ b for a matrix (batch) a and a vector (batch) b.

        >>> tf.linalg.matvec(tf.eye(2), tf.constant([1.0, 2.0])).numpy()
        array([1., 2.], dtype=float32)
    """
    return sh.squeeze(matmul(a, sh.expand_dims(b, -1)), [-1], name)


def trace(x, name=None):
    """Sum of the diagonal of the last two axes.

        >>> float(tf.linalg.trace(tf.eye(3)))
        3.0
    """
    from graphflow.ops.creation import convert_to_tensor
    x = convert_to_tensor(x)
    if x.shape.rank is not None and x.shape.rank < 2:
        raise InvalidArgumentError(f"linalg.trace: input must be at least rank 2 (a batch of "
                                   f"matrices), got shape {x.shape}")
    n = x.shape[-1] if x.shape.rank is not None else None
    if n is None or x.shape[-2] != n:
        raise InvalidArgumentError(f"linalg.trace: needs square matrices, got shape {x.shape}")
    return rd.reduce_sum(x * eye(n, dtype=x.dtype), [-2, -1], name=name)
from graphflow.ops.matrix_more import (  # noqa: F401,E402
    banded_triangular_solve, eigh_tridiagonal, expm, lu, lu_matrix_inverse, lu_reconstruct,
    lu_solve, sqrtm, tensor_diag, tensor_diag_part, tridiagonal_matmul, tridiagonal_solve)
from graphflow.ops.matrix_complex import eig, eigvals, logm  # noqa: F401,E402
