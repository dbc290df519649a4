"""Scans along one axis: cumsum, cumprod, math.cumulative_logsumexp (each with TF's
`exclusive` and `reverse`).

    >>> import graphflow as tf
    >>> tf.cumsum(tf.constant([1, 2, 3])).numpy()
    array([1, 3, 6], dtype=int32)
    >>> tf.cumsum(tf.constant([1, 2, 3]), exclusive=True, reverse=True).numpy()
    array([5, 3, 0], dtype=int32)
"""
import numpy as np

from graphflow.errors import InvalidArgumentError
from graphflow.ops import elementwise as ew
from graphflow.ops import rules
from graphflow.ops.registry import OPAQUE, dispatch, register


def _scan_infer(name, kinds):
    def infer(specs, axis, exclusive, reverse):
        (x,) = specs
        rules.check_kind(name, x, kinds)
        if x.shape is not None:
            _check_axis(name, axis, len(x.shape))
        return [(x.shape, x.dtype)]
    return infer


def _check_axis(name, axis, rank):
    if not -rank <= axis < rank:
        raise InvalidArgumentError(
            f"{name}: Expected scan axis in the range [{-rank}, {rank}), but got {axis}")


def _scan_ref(name, kinds, accumulate, identity):
    """The NumPy scan: `accumulate(x, axis)` is the inclusive forward scan; `identity(dtype)`
    fills the first place of an exclusive scan."""
    def ref(x, axis, exclusive, reverse):
        rules.check_array_kind(name, x, kinds)
        _check_axis(name, axis, x.ndim)
        if reverse:
            x = np.flip(x, axis)
        out = accumulate(x, axis)
        if exclusive and x.shape[axis]:
            first = np.full(_one_along(x.shape, axis), identity(x.dtype), dtype=x.dtype)
            out = np.concatenate([first, np.delete(out, -1, axis=axis)], axis=axis)
        if reverse:
            out = np.flip(out, axis)
        return np.ascontiguousarray(out)
    ref.__name__ = f"ref_{name}"
    return ref


def _one_along(shape, axis):
    shape = list(shape)
    shape[axis] = 1
    return tuple(shape)


# -- gradients (in graphflow ops) ------------------------------------------------------------------

def _cumsum_grad(inputs, outputs, dy, axis, exclusive, reverse):
    return (cumsum(dy, axis, exclusive, not reverse),)


def _cumprod_grad(inputs, outputs, dy, axis, exclusive, reverse):
    """Exact where x has zeros (TF divides the scan of dy * out by x, which gives NaN there).

    With P the scan of x with its zeros replaced by ones and Z the scan-count of zeros:
    d out_j / d x_i is P_j / x_i while no zero is in the product (Z_j == 0) and, for x_i == 0,
    P_j while x_i is its only zero (Z_j == 1); the sums over j run the other way."""
    x = inputs[0]
    is_zero = ew.equal(x, 0.0)
    safe = ew.where(is_zero, ew.ones_like(x), x)
    products = cumprod(safe, axis, exclusive, reverse)
    zeros = cumsum(ew.cast(is_zero, x.dtype), axis, exclusive, reverse)
    weighted = dy * products
    none = cumsum(ew.where(ew.equal(zeros, 0.0), weighted, ew.zeros_like(x)), axis, exclusive,
                  not reverse)
    one = cumsum(ew.where(ew.equal(zeros, 1.0), weighted, ew.zeros_like(x)), axis, exclusive,
                 not reverse)
    return (ew.where(is_zero, one, none / safe),)


def _logsumexp_grad(inputs, outputs, dy, axis, exclusive, reverse):
    """TF's rule: dx_i = sum_j dy_j exp(x_i - out_j) over the outputs x_i enters, summed in log
    space separately for the positive and the negative parts of dy."""
    x, out = inputs[0], outputs[0]
    empty = ew.equal(out, float("-inf"))  # (an exclusive scan's first place: nothing summed)
    finite_out = ew.where(empty, ew.zeros_like(out), out)
    neg_inf = ew.zeros_like(out) + float("-inf")

    def part(g):
        positive = ew.greater(g, 0.0)
        log_g = ew.log(ew.where(positive, g, ew.ones_like(g)))
        used = ew.logical_and(positive, ew.logical_not(empty))
        terms = ew.where(used, log_g - finite_out, neg_inf)
        return ew.exp(cumulative_logsumexp(terms, axis, exclusive, not reverse) + x)
    return (part(dy) - part(ew.negative(dy)),)


def _log_add_exp_scan(x, axis):
    with np.errstate(invalid="ignore"):  # a NaN propagates (quietly, as everywhere in TF)
        return np.logaddexp.accumulate(x, axis=axis)


CUMSUM = register("cumsum", OPAQUE, _scan_infer("cumsum", "fiuc"),  # (TF's takes complex)
                  _scan_ref("cumsum", "fiuc", lambda x, a: np.cumsum(x, a, dtype=x.dtype),
                            lambda d: 0), _cumsum_grad)
CUMPROD = register("cumprod", OPAQUE, _scan_infer("cumprod", "fiu"),
                   _scan_ref("cumprod", "fiu", lambda x, a: np.cumprod(x, a, dtype=x.dtype),
                             lambda d: 1), _cumprod_grad)
CUMULATIVE_LOGSUMEXP = register(
    "cumulative_logsumexp", OPAQUE, _scan_infer("cumulative_logsumexp", "f"),
    _scan_ref("cumulative_logsumexp", "f", lambda x, a: _log_add_exp_scan(x, a),
              lambda d: -np.inf), _logsumexp_grad)


def _scan(op, x, axis, exclusive, reverse, name):
    from graphflow.ops.static import constant_value
    value = constant_value(axis)
    if value is None or np.ndim(value) != 0 or np.asarray(value).dtype.kind not in "iu":
        raise InvalidArgumentError(f"{op.name}: axis must be a constant integer, got {axis!r:.60}")
    axis = int(value)
    rank = getattr(getattr(x, "shape", None), "rank", np.ndim(x))
    if rank is not None:
        _check_axis(op.name, axis, rank)
        axis %= rank
    return dispatch(op, (x,), {"axis": axis, "exclusive": bool(exclusive),
                               "reverse": bool(reverse)}, name)


def cumsum(x, axis=0, exclusive=False, reverse=False, name=None):
    """Cumulative sum along `axis`; exclusive leaves out each element itself (the first
    result is 0), reverse sums from the end.

        >>> tf.cumsum(tf.constant([[1.0, 2.0], [3.0, 4.0]]), axis=1).numpy()
        array([[1., 3.],
               [3., 7.]], dtype=float32)
    """
    return _scan(CUMSUM, x, axis, exclusive, reverse, name)


def cumprod(x, axis=0, exclusive=False, reverse=False, name=None):
    """Cumulative product along `axis` (exclusive: the first result is 1).

        >>> tf.math.cumprod(tf.constant([2, 3, 4]), exclusive=True).numpy()
        array([1, 2, 6], dtype=int32)
    """
    return _scan(CUMPROD, x, axis, exclusive, reverse, name)


def cumulative_logsumexp(x, axis=0, exclusive=False, reverse=False, name=None):
    """log(cumsum(exp(x))) along `axis`, computed stably (a running log-add-exp, so no
    element underflows against the largest); exclusive starts at -inf.

        >>> tf.math.cumulative_logsumexp(tf.constant([-1000.0, 0.0])).numpy()
        array([-1000.,     0.], dtype=float32)
    """
    return _scan(CUMULATIVE_LOGSUMEXP, x, axis, exclusive, reverse, name)
