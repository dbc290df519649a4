"""Matrix multiplication (with transposes and broadcast batch dims) and related ops.

    >>> import graphflow as tf
    >>> tf.matmul(tf.ones((2, 3)), tf.ones((3, 4))).shape
    TensorShape([2, 4])
"""
import numpy as np

from graphflow.errors import InvalidArgumentError
from graphflow.ops import rules
from graphflow.ops.registry import MATMUL, dispatch, register


def _matmul_infer(specs, transpose_a, transpose_b):
    a, b = specs
    rules.check_kind("matmul", a, "fiuc")
    if a.shape is None or b.shape is None:
        return [(None, a.dtype)]
    if len(a.shape) < 2 or len(b.shape) < 2:
        raise InvalidArgumentError(
            f"matmul: both inputs must have rank >= 2, got shapes {rules.fmt(a.shape)} and "
            f"{rules.fmt(b.shape)} (use tf.tensordot or reshape vectors to matrices)")
    m, ka = (a.shape[-1], a.shape[-2]) if transpose_a else (a.shape[-2], a.shape[-1])
    kb, n = (b.shape[-1], b.shape[-2]) if transpose_b else (b.shape[-2], b.shape[-1])
    if ka is not None and kb is not None and ka != kb:
        raise InvalidArgumentError(
            f"matmul: inner dimensions do not match: a{rules.fmt(a.shape)}"
            f"{' transposed' if transpose_a else ''} has {ka} columns but b{rules.fmt(b.shape)}"
            f"{' transposed' if transpose_b else ''} has {kb} rows")
    batch = rules.broadcast_shapes("matmul", a.shape[:-2], b.shape[:-2])
    return [(batch + (m, n), a.dtype)]


def _matmul_ref(a, b, transpose_a, transpose_b):
    if a.ndim < 2 or b.ndim < 2 or a.dtype.kind not in "fiuc":  # let the rule say why, as in graphs
        _matmul_infer([rules.ArraySpec(a), rules.ArraySpec(b)], transpose_a, transpose_b)
    if transpose_a:
        a = np.swapaxes(a, -1, -2)
    if transpose_b:
        b = np.swapaxes(b, -1, -2)
    return np.matmul(a, b)


def _matmul_grad(inputs, outputs, dy, transpose_a, transpose_b, needs=(True, True)):
    a, b = inputs
    if a.dtype.is_complex:  # TF's convention: the adjoints (dy @ b^H, a^H @ dy)
        from graphflow.ops.elementwise import _cj
        a, b = _cj(a), _cj(b)
    if not transpose_a and not transpose_b:
        da = lambda: matmul(dy, b, transpose_b=True)  # noqa: E731
        db = lambda: matmul(a, dy, transpose_a=True)  # noqa: E731
    elif not transpose_a and transpose_b:
        da = lambda: matmul(dy, b)  # noqa: E731
        db = lambda: matmul(dy, a, transpose_a=True)  # noqa: E731
    elif transpose_a and not transpose_b:
        da = lambda: matmul(b, dy, transpose_b=True)  # noqa: E731
        db = lambda: matmul(a, dy)  # noqa: E731
    else:
        da = lambda: matmul(b, dy, transpose_a=True, transpose_b=True)  # noqa: E731
        db = lambda: matmul(dy, a, True, True)  # noqa: E731
    return (da() if needs[0] else None), (db() if needs[1] else None)


MATMUL_OP = register("matmul", MATMUL, _matmul_infer, _matmul_ref, _matmul_grad,
                     same_dtype=(0, 1), grad_takes_needs=True)


def matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False,
           name=None):
    """The matrix product of the last two axes, broadcasting leading (batch) axes.
    `adjoint_a`/`adjoint_b` take the conjugate transpose (TF's names; for real tensors, the
    transpose).

        >>> tf.matmul(tf.ones((2, 3)), tf.ones((4, 3)), transpose_b=True).shape
        TensorShape([2, 4])
        >>> tf.matmul(tf.constant([[1j]]), tf.constant([[1j]]), adjoint_a=True).numpy()
        array([[1.+0.j]])
    """
    if adjoint_a or adjoint_b:
        from graphflow.ops.math_extra import conj
        if (adjoint_a and transpose_a) or (adjoint_b and transpose_b):
            raise InvalidArgumentError("matmul: only one of transpose_a and adjoint_a (and of "
                                       "transpose_b and adjoint_b) can be True")
        if adjoint_a:
            a, transpose_a = conj(a), True
        if adjoint_b:
            b, transpose_b = conj(b), True
    return dispatch(MATMUL_OP, (a, b),
                    {"transpose_a": bool(transpose_a), "transpose_b": bool(transpose_b)}, name)


def tensordot(a, b, axes, name=None):
    """Contraction over `axes` (an int: the last axes of a with the first of b), as a matmul.

        >>> tf.tensordot(tf.ones((2, 3)), tf.ones((3, 5)), 1).shape
        TensorShape([2, 5])
    """
    from graphflow.ops.shape import reshape
    if not isinstance(axes, int):
        raise InvalidArgumentError("tensordot: only an integer `axes` is supported")
    sa, sb = a.shape.as_list(), b.shape.as_list()
    if sa[len(sa) - axes:] != sb[:axes]:
        raise InvalidArgumentError(f"tensordot: shapes {sa} and {sb} do not contract over {axes} axes")
    k = int(np.prod(sb[:axes], dtype=np.int64))
    out = matmul(reshape(a, (-1, k)), reshape(b, (k, -1)))
    return reshape(out, sa[:len(sa) - axes] + sb[axes:], name)
