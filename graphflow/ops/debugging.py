"""Run-time checks: tf.Assert, the tf.debugging.assert_* family and check_numerics.

Eagerly a check runs at once and raises InvalidArgumentError with TF's eager message. In a
graph it is checked statically when the values (or shapes) are known while tracing, and
otherwise becomes an `assert` node (STATEFUL, so a graphflow.function runs it in program order
and passes never drop it) that raises TF's graph message when the graph runs:
"assertion failed: [message] [Condition x == y did not hold element-wise:] ...". In a compat.v1
graph the returned op must be run, as in TF.

    >>> import graphflow as tf
    >>> tf.debugging.assert_less(tf.constant([1, 2]), tf.constant([3, 3])) is None
    True
"""
import numpy as np

from graphflow import dtypes
from graphflow.context import context
from graphflow.errors import InvalidArgumentError, InvalidTypeError
from graphflow.ops import printing, static
from graphflow.ops.registry import OPAQUE, STATEFUL, dispatch, register
from graphflow.tensor import EagerTensor, SymbolicTensor, Tensor, Variable


# -- tf.Assert ----------------------------------------------------------------------------------

def _assert_ref(condition, *arrays, pieces, summarize):
    cond = np.asarray(condition)
    if cond.ndim != 0 or cond.dtype != np.bool_:
        raise InvalidArgumentError(f"assert: the condition must be a scalar bool, got "
                                   f"{cond.dtype} with shape {cond.shape}")
    if not cond:
        items = printing.fill(pieces, arrays, summarize)
        raise InvalidArgumentError("assertion failed: " + " ".join(f"[{t}]" for t in items))
    return ()


ASSERT = register("assert", STATEFUL, lambda specs, **attrs: [], _assert_ref, num_outputs=0)


def _eager_item(item, summarize):
    """An Assert data item in TF's eager message."""
    if isinstance(item, Variable):
        item = item.value()
    if isinstance(item, EagerTensor):
        flat = item.numpy().reshape(-1) if item.ndim else np.asarray(item.numpy()).reshape(-1)
        n = flat.size if summarize is None or summarize < 0 else min(summarize, flat.size)
        text = ", ".join(str(v) for v in flat[:n])
        return text + (", ..." if n < flat.size else "")
    if isinstance(item, str):
        return repr(item.encode())
    return str(item)


def Assert(condition, data, summarize=None, name=None):  # noqa: N802 - TF's name
    """Raises InvalidArgumentError, showing `data`, when `condition` is false.

        >>> tf.debugging.Assert(tf.constant(True), ["never shown"]) is None
        True
    """
    summarize = 3 if summarize is None else int(summarize)
    if isinstance(condition, Variable):
        condition = condition.value()
    if not isinstance(condition, SymbolicTensor) and context.graph is None:
        value = np.asarray(condition._value if isinstance(condition, EagerTensor) else condition)
        if value.ndim != 0 or value.dtype != np.bool_:
            raise InvalidArgumentError(f"Assert: the condition must be a scalar bool, got "
                                       f"{value.dtype} with shape {value.shape}")
        if not value:
            raise InvalidArgumentError(
                f"Expected '{condition}' to be true. Summarized data: "
                + "\n".join(_eager_item(d, summarize) for d in data))
        return None
    if not isinstance(condition, Tensor):
        from graphflow.ops.creation import convert_to_tensor
        condition = convert_to_tensor(condition)
    known = static.get_static_value(condition)
    if known is not None and known.ndim == 0 and bool(known):
        return None  # holds while tracing: nothing to check at run time
    pieces, tensors = printing.template(list(data))
    return dispatch(ASSERT, [condition] + tensors, {"pieces": pieces, "summarize": summarize},
                    name or "Assert")


# -- comparisons ----------------------------------------------------------------------------------

def _tensor(x, dtype=None):
    from graphflow.ops.creation import convert_to_tensor
    if isinstance(x, Variable):
        return x.value()
    if isinstance(x, Tensor):
        return x
    return convert_to_tensor(x, dtype_hint=dtype)


def _shape_text(t):
    return f"shape={t.shape} dtype={t.dtype.name}"


def _binary_assert(sym, op_fn, np_fn, x, y, message, summarize, name, data=None):
    x = _tensor(x)
    y = _tensor(y, x.dtype)
    if context.graph is None and not isinstance(x, SymbolicTensor) and \
            not isinstance(y, SymbolicTensor):
        test = op_fn(x, y)
        if bool(np.all(test.numpy())):
            return None
        summarize = 3 if summarize is None else (10 ** 9 if summarize < 0 else summarize)
        if data is None:
            data = _eager_message(sym, x, y, test.numpy(), summarize)
        if message is not None:
            data = [message] + list(data)
        raise InvalidArgumentError("\n".join(_pretty(d, summarize) for d in data))
    if data is None:
        data = [f"Condition x {sym} y did not hold element-wise:", f"x ({_name(x)}) = ", x,
                f"y ({_name(y)}) = ", y]
    if message is not None:
        data = [message] + list(data)
    xs, ys = static.get_static_value(x), static.get_static_value(y)
    if xs is not None and ys is not None:
        if not bool(np.all(np_fn(xs, ys))):
            raise InvalidArgumentError("\n".join(
                str(d if not isinstance(d, Tensor) else static.get_static_value(d)) for d in data))
        return None
    from graphflow.ops import api as ops
    return Assert(ops.reduce_all(op_fn(x, y)), data, summarize, name)


def _name(t):
    return t.name if isinstance(t, SymbolicTensor) else ""


def _eager_message(sym, x, y, test, summarize):
    data = [f"Condition x {sym} y did not hold."]
    if summarize > 0:
        xv, yv = x.numpy(), y.numpy()
        if x.shape == y.shape and x.shape.rank:
            mask = ~np.asarray(test, bool)
            indices = np.argwhere(mask)
            n = min(summarize, indices.shape[0])
            data += [f"Indices of first {n} different values:", indices[:n],
                     "Corresponding x values:", np.asarray(xv)[mask].reshape(-1)[:n],
                     "Corresponding y values:", np.asarray(yv)[mask].reshape(-1)[:n]]
        xf, yf = np.asarray(xv).reshape(-1), np.asarray(yv).reshape(-1)
        nx, ny = min(xf.size, summarize), min(yf.size, summarize)
        data += [f"First {nx} elements of x:", xf[:nx], f"First {ny} elements of y:", yf[:ny]]
    return data


def _pretty(item, summarize):
    """TF's eager rendering of a message item: tensors as a list of element strings."""
    if isinstance(item, EagerTensor):
        arr = item.numpy()
        if np.ndim(arr) == 0:
            return str(arr)
        flat = arr.reshape(-1)
        items = [str(v) for v in flat[:summarize]]
        if len(items) < flat.size:
            items.append("...")
        return str(items)
    return str(item)


def _binary(sym, op_name, np_fn):
    def check(x, y, message=None, summarize=None, name=None):
        from graphflow.ops import api as ops
        return _binary_assert(sym, getattr(ops, op_name), np_fn, x, y, message, summarize, name)
    check.__name__ = f"assert_{op_name}"
    check.__doc__ = (f"Asserts x {sym} y element-wise (broadcasting), as tf.debugging.assert_"
                     f"{op_name} does.")
    return check


assert_equal = _binary("==", "equal", np.equal)
assert_none_equal = _binary("!=", "not_equal", np.not_equal)
assert_less = _binary("<", "less", np.less)
assert_less_equal = _binary("<=", "less_equal", np.less_equal)
assert_greater = _binary(">", "greater", np.greater)
assert_greater_equal = _binary(">=", "greater_equal", np.greater_equal)
assert_equal.__name__ = "assert_equal"
assert_none_equal.__name__ = "assert_none_equal"


def _sign_check(sym, op_name, np_fn):
    def check(x, message=None, summarize=None, name=None):
        from graphflow.ops import api as ops
        x = _tensor(x)
        zero = ops.zeros_like(x)
        where = _shape_text(x) if context.graph is None and not isinstance(x, SymbolicTensor) \
            else x.name
        data = [message or "", f"Condition x {sym} 0 did not hold element-wise:",
                f"x ({where}) = ", x]
        return _binary_assert(sym, lambda a, b: getattr(ops, op_name)(a, b), np_fn, x, zero,
                              None, summarize, name, data)
    check.__doc__ = f"Asserts x {sym} 0 element-wise."
    return check


assert_positive = _sign_check(">", "greater", np.greater)
assert_negative = _sign_check("<", "less", np.less)
assert_non_negative = _sign_check(">=", "greater_equal", np.greater_equal)
assert_non_positive = _sign_check("<=", "less_equal", np.less_equal)


def assert_near(x, y, rtol=None, atol=None, message=None, summarize=None, name=None):
    """Asserts |x - y| <= atol + rtol * |y| element-wise (default tolerances: 10 * the dtype's
    epsilon, as in TF)."""
    from graphflow.ops import api as ops
    x = _tensor(x)
    y = _tensor(y, x.dtype)
    eps = float(np.finfo(x.dtype.np).eps) if x.dtype.is_floating else 0.0
    rtol = 10 * eps if rtol is None else float(rtol)
    atol = 10 * eps if atol is None else float(atol)
    data = [message or "", f"x and y not equal to tolerance rtol = {rtol}, atol = {atol}",
            f"x ({_name(x) or _shape_text(x)}) = ", x, f"y ({_name(y) or _shape_text(y)}) = ", y]

    def close(a, b):
        return ops.less_equal(ops.abs(a - b), atol + rtol * ops.abs(b))
    return _binary_assert("~=", close, lambda a, b: np.abs(a - b) <= atol + rtol * np.abs(b),
                          x, y, None, summarize, name, data)


# -- shapes and types -----------------------------------------------------------------------------

def _tensor_name(x):
    return x.name if isinstance(x, SymbolicTensor) else ""


def _rank_check(x, test, wanted_text, message, name, runtime_condition):
    """Static rank check when the rank is known, else a run-time assert."""
    x = _tensor(x)
    rank = x.shape.rank
    prefix = f"{message}.  " if message else ""
    if rank is not None:
        if not test(rank):
            raise InvalidArgumentError(
                f"{prefix}Tensor {_tensor_name(x)} must have rank {wanted_text}.  Received rank "
                f"{rank}, shape {x.shape}")
        return None
    from graphflow.ops import api as ops
    return Assert(runtime_condition(ops.rank(x)),
                  [message or "", f"Tensor {_tensor_name(x)} must have rank", wanted_text,
                   "Received shape: ", ops.shape(x)], name=name)


def assert_rank(x, rank, message=None, name=None):
    """Asserts x has the given rank (statically when it is known).

        >>> tf.debugging.assert_rank(tf.zeros((2, 3)), 2) is None
        True
    """
    rank = int(rank)
    from graphflow.ops import api as ops
    return _rank_check(x, lambda r: r == rank, str(rank), message, name,
                       lambda r: ops.equal(r, rank))


def assert_rank_at_least(x, rank, message=None, name=None):
    """Asserts x has at least the given rank."""
    rank = int(rank)
    from graphflow.ops import api as ops
    return _rank_check(x, lambda r: r >= rank, f"at least {rank}", message, name,
                       lambda r: ops.greater_equal(r, rank))


def assert_rank_in(x, ranks, message=None, name=None):
    """Asserts the rank of x is one of `ranks`."""
    ranks = tuple(int(r) for r in ranks)
    from graphflow.ops import api as ops
    return _rank_check(x, lambda r: r in ranks, f"in {ranks}", message, name,
                       lambda r: ops.reduce_any(ops.equal(r, list(ranks))))


def assert_scalar(tensor, name=None, message=None):
    """Asserts a tensor is a scalar (a static check, as in TF)."""
    t = _tensor(tensor)
    if t.shape.rank != 0:
        raise InvalidArgumentError(f"{message + '  ' if message else ''}Expected scalar shape, "
                                   f"saw shape: {t.shape}.")
    return t


def assert_type(tensor, tf_type, message=None, name=None):
    """Asserts a tensor's dtype (a static check)."""
    want = dtypes.as_dtype(tf_type)
    if tensor.dtype is not want:
        raise InvalidTypeError(f"{message + ' ' if message else ''}tensor must be of type "
                                   f"{want!r}; got {tensor.dtype!r}")
    return None


def assert_integer(x, message=None, name=None):
    """Asserts x has an integer dtype (a static check)."""
    if not _tensor(x).dtype.is_integer:
        raise InvalidTypeError(f"{message + ' ' if message else ''}Expected \"x\" to be "
                                   f"integer type.  Found: tensor of dtype {x.dtype}")
    return None


def assert_shapes(shapes, data=None, summarize=None, message=None, name=None):
    """Asserts tensors have the given shapes, where a dimension is an int, or a name (the same
    name is the same size in every tensor). Checked statically where shapes are known, else
    when the graph runs.

        >>> tf.debugging.assert_shapes([(tf.zeros((2, 3)), ("N", 3)), (tf.zeros(2), ("N",))])
    """
    from graphflow.ops import api as ops
    entries = list(shapes.items()) if isinstance(shapes, dict) else list(shapes)
    sizes = {}    # symbol -> (static size or None, dim tensor, description of where it came from)
    checks = []
    prefix = f"{message}.  " if message else ""
    for x, spec in entries:
        x = _tensor(x)
        spec = tuple(spec) if isinstance(spec, (list, tuple)) else (spec,)
        if any(s is Ellipsis or s == "..." for s in spec):
            raise InvalidArgumentError("assert_shapes: '...' in a shape is not supported")
        where = f"Tensor {_tensor_name(x) or _shape_text(x)}"
        rank = x.shape.rank
        if rank is not None and rank != len(spec):
            raise InvalidArgumentError(f"{prefix}{where} must have rank {len(spec)}.  Received "
                                       f"rank {rank}, shape {x.shape}")
        if rank is None:
            checks.append((ops.equal(ops.rank(x), len(spec)), [f"{where} must have rank",
                                                               len(spec)]))
        for axis, s in enumerate(spec):
            static_dim = None if rank is None else x.shape[axis]
            if isinstance(s, str):
                if s not in sizes:
                    sizes[s] = (static_dim, None if static_dim is not None else
                                ops.shape(x)[axis], f"{where} dimension {axis}")
                    continue
                known, dim_t, origin = sizes[s]
                if known is not None and static_dim is not None:
                    if known != static_dim:
                        raise InvalidArgumentError(
                            f"{prefix}Specified by {origin}.  {where} dimension {axis} must have "
                            f"size {known}.  Received size {static_dim}, shape {x.shape}")
                    continue
                want = known if known is not None else dim_t
                checks.append((ops.equal(ops.shape(x)[axis], want),
                               [f"{where} dimension {axis} must have the size of {origin}"]))
            elif s is not None:
                s = int(s)
                if static_dim is not None:
                    if static_dim != s:
                        raise InvalidArgumentError(
                            f"{prefix}{where} dimension {axis} must have size {s}.  Received size "
                            f"{static_dim}, shape {x.shape}")
                else:
                    checks.append((ops.equal(ops.shape(x)[axis], s),
                                   [f"{where} dimension {axis} must have size", s]))
    ops_out = [Assert(c, ([message] if message else []) + d + list(data or []), summarize)
               for c, d in checks]
    ops_out = [o for o in ops_out if o is not None]
    return ops_out[0] if len(ops_out) == 1 else (ops_out or None)


# -- numerics -------------------------------------------------------------------------------------

def _check_numerics_infer(specs, message):
    if not specs[0].dtype.is_floating:
        raise InvalidArgumentError(
            f"check_numerics: the tensor must be floating-point, got {specs[0].dtype.name}")
    return [(specs[0].shape, specs[0].dtype)]


def _check_numerics_ref(x, message):
    if x.dtype.kind != "f":
        _check_numerics_infer([printing_spec(x)], message)
    if x.size and not np.isfinite(x).all():
        nan, inf = bool(np.isnan(x).any()), bool(np.isinf(x).any())
        what = "NaN and Inf" if nan and inf else ("NaN" if nan else "Inf")
        raise InvalidArgumentError(f"{message} : Tensor had {what} values")
    return x


def printing_spec(array):
    from graphflow.ops.rules import ArraySpec
    return ArraySpec(array)


CHECK_NUMERICS = register(
    "check_numerics", OPAQUE, _check_numerics_infer, _check_numerics_ref,
    lambda inputs, outputs, dy, message: (dispatch(CHECK_NUMERICS, (dy,), {
        "message": "Not a number (NaN) or infinity (Inf) values detected in gradient. "
                   + message}),))


def check_numerics(tensor, message, name=None):
    """`tensor`, after checking it has no NaN or Inf (InvalidArgumentError naming `message`).

        >>> tf.debugging.check_numerics(tf.constant([1.0]), "weights").numpy()
        array([1.], dtype=float32)
    """
    return dispatch(CHECK_NUMERICS, (tensor,), {"message": str(message)}, name)


def assert_all_finite(t, msg, name=None, x=None, message=None):
    """check_numerics under its other TF name."""
    return check_numerics(t if x is None else x, msg if message is None else message, name)
