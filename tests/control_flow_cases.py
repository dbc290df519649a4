"""Targeted tests for the ops the registry table cannot drive (tests/helpers.py SKIP_FORWARD):
the TensorList ops (variant inputs or outputs) and the stateful control-flow, print and assert
ops. test_ops_registry.py runs each as SKIPPED_OP_TESTS[name]().

TensorList ops are checked through small composites whose inputs and outputs are arrays (a
list built from a tensor, changed, stacked back), against NumPy, and their gradients against
finite differences of the same composite."""
import io

import numpy as np
import pytest

import graphflow as tf
from graphflow.errors import InvalidArgumentError, OutOfRangeError
from graphflow.ops import tensor_list as tl
from graphflow.ops.registry import REGISTRY, dispatch
from graphflow.tensor import EagerTensor
from helpers import numeric_gradient

F64 = tf.float64


def _rng(salt=0):
    return np.random.default_rng(1234 + salt)


def _check_grad(fn, arrays, rtol=1e-5, atol=1e-7):
    """fn(*tensors) -> scalar: tape gradients of every input against finite differences, eagerly
    and traced (reference backend)."""
    for mode in ("eager", "function"):
        xs = [EagerTensor(a.copy()) for a in arrays]
        run = fn if mode == "eager" else tf.function(fn, backend="reference")
        with tf.GradientTape() as tape:
            tape.watch(xs)
            y = run(*xs)
        grads = tape.gradient(y, xs)
        for i, g in enumerate(grads):
            numeric = numeric_gradient(lambda arrs: float(fn(*[EagerTensor(a) for a in arrs])),
                                       arrays, i)
            analytic = np.zeros_like(numeric) if g is None else g.numpy()
            np.testing.assert_allclose(analytic, numeric, rtol=rtol, atol=atol,
                                       err_msg=f"{mode}: gradient of input {i}")


def _weights(shape, salt=9):
    return EagerTensor(_rng(salt).standard_normal(shape))


# -- TensorList ops ------------------------------------------------------------------------------

def _test_reserve():
    lst = tl.reserve(3, F64, (2,))
    assert lst.dtype is tf.variant and lst.shape == ()
    np.testing.assert_array_equal(tl.stack(lst, F64, (2,)).numpy(), np.zeros((3, 2)))
    assert int(tl.length(lst)) == 3
    with pytest.raises(InvalidArgumentError, match="size must be >= 0"):
        tl.reserve(-1, F64)
    with pytest.raises(InvalidArgumentError, match="tensor_list_reserve"):
        tl.reserve(1.5, F64)


def _test_from_tensor():
    x = _rng().standard_normal((3, 2))
    lst = tl.from_tensor(EagerTensor(x))
    np.testing.assert_array_equal(tl.stack(lst, F64).numpy(), x)
    np.testing.assert_array_equal(tl.get_item(lst, 2, F64).numpy(), x[2])
    with pytest.raises(InvalidArgumentError, match="scalar"):
        tl.from_tensor(EagerTensor(np.float64(1.0)))
    w = _weights((3, 2))
    _check_grad(lambda t: tf.reduce_sum(tl.stack(tl.from_tensor(t), F64) * w), [x])


def _test_set_item():
    x, y = _rng().standard_normal((3, 2)), _rng(1).standard_normal(2)
    out = tl.stack(tl.set_item(tl.from_tensor(EagerTensor(x)), 1, EagerTensor(y)), F64)
    expected = x.copy()
    expected[1] = y
    np.testing.assert_array_equal(out.numpy(), expected)
    grown = tl.set_item(tl.reserve(1, F64), 2, EagerTensor(y), resize=True)
    assert int(tl.length(grown)) == 3
    with pytest.raises(OutOfRangeError, match="not resizeable and size is: 1"):
        tl.set_item(tl.reserve(1, F64), 2, EagerTensor(y))
    with pytest.raises(InvalidArgumentError, match="TensorArray dtype is float64"):
        tl.set_item(tl.reserve(1, F64), 0, EagerTensor(np.float32(1.0)))
    with pytest.raises(InvalidArgumentError, match="Incompatible shape"):
        tl.set_item(tl.from_tensor(EagerTensor(x)), 0, EagerTensor(np.ones(3)))
    w = _weights((3, 2))
    _check_grad(lambda a, b: tf.reduce_sum(
        tl.stack(tl.set_item(tl.from_tensor(a), 1, b), F64) * w), [x, y])


def _test_get_item():
    x = _rng().standard_normal((3, 2))
    lst = tl.from_tensor(EagerTensor(x))
    np.testing.assert_array_equal(tl.get_item(lst, 0, F64, (2,)).numpy(), x[0])
    np.testing.assert_array_equal(tl.get_item(tl.reserve(2, F64, (2,)), 1, F64, (2,)).numpy(),
                                  np.zeros(2))
    with pytest.raises(OutOfRangeError, match="Tried to read from index 3 but array size is: 3"):
        tl.get_item(lst, 3, F64)
    with pytest.raises(InvalidArgumentError, match="never written"):
        tl.get_item(tl.reserve(2, F64), 0, F64)
    w = _weights(2)
    _check_grad(lambda a: tf.reduce_sum(tl.get_item(tl.from_tensor(a), 2, F64) * w)
                + tf.reduce_sum(tl.get_item(tl.from_tensor(a), 0, F64) ** 2), [x])


def _test_length():
    assert int(tl.length(tl.from_tensor(EagerTensor(np.zeros((4, 1)))))) == 4
    g = tf.Graph()
    with g.as_default():
        n = tf.compat.v1.placeholder(tf.int32, [])
        size = tl.length(tl.reserve(n, F64))
    assert size.shape == () and size.dtype is tf.int32
    with tf.compat.v1.Session(graph=g) as sess:
        assert sess.run(size, {n: 5}) == 5


def _test_stack():
    lst = tl.set_item(tl.reserve(3, F64), 1, EagerTensor(np.ones(2)))
    np.testing.assert_array_equal(tl.stack(lst, F64).numpy(), [[0, 0], [1, 1], [0, 0]])
    assert tl.stack(tl.reserve(0, F64, (2,)), F64, (2,)).shape == (0, 2)
    mixed = tl.set_item(tl.set_item(tl.reserve(2, F64), 0, EagerTensor(np.ones(1)),
                                    infer_shape=False), 1, EagerTensor(np.ones(2)),
                        infer_shape=False)
    with pytest.raises(InvalidArgumentError, match="different shapes"):
        tl.stack(mixed, F64)
    g = tf.Graph()
    with g.as_default():
        s = tl.stack(tl.reserve(3, F64, (2,)), F64, (2,), num_elements=3)
    assert s.shape == (3, 2)


def _test_gather():
    x = _rng().standard_normal((4, 2))
    lst = tl.from_tensor(EagerTensor(x))
    np.testing.assert_array_equal(tl.gather(lst, [3, 0, 3], F64).numpy(), x[[3, 0, 3]])
    assert tl.gather(lst, np.zeros(0, np.int32), F64, (2,)).shape == (0, 2)
    with pytest.raises(OutOfRangeError):
        tl.gather(lst, [4], F64)
    w = _weights((3, 2))
    _check_grad(lambda a: tf.reduce_sum(tl.gather(tl.from_tensor(a), [3, 0, 3], F64) * w), [x])


def _test_scatter():
    x, v = _rng().standard_normal((4, 2)), _rng(1).standard_normal((2, 2))
    out = tl.stack(tl.scatter(tl.from_tensor(EagerTensor(x)), EagerTensor(v), [2, 0]), F64)
    expected = x.copy()
    expected[[2, 0]] = v
    np.testing.assert_array_equal(out.numpy(), expected)
    with pytest.raises(InvalidArgumentError, match="first dimension must match"):
        tl.scatter(tl.reserve(3, F64), EagerTensor(v), [0])
    w = _weights((4, 2))
    _check_grad(lambda a, b: tf.reduce_sum(
        tl.stack(tl.scatter(tl.from_tensor(a), b, [2, 0]), F64) * w), [x, v])


def _test_concat():
    a, b = _rng().standard_normal((1, 2)), _rng(1).standard_normal((3, 2))
    lst = tl.set_item(tl.set_item(tl.reserve(2, F64), 0, EagerTensor(a), infer_shape=False),
                      1, EagerTensor(b), infer_shape=False)
    np.testing.assert_array_equal(tl.concat(lst, F64).numpy(), np.concatenate([a, b]))
    assert tl.concat(tl.reserve(0, F64, (1, 2)), F64, (1, 2)).shape == (0, 2)
    w = _weights((4, 2))

    def f(p, q):
        lst = tl.set_item(tl.set_item(tl.reserve(2, F64), 0, p, infer_shape=False), 1, q,
                          infer_shape=False)
        return tf.reduce_sum(tl.concat(lst, F64) * w)
    _check_grad(f, [a, b])


def _test_zeros_like():
    x = np.ones((2, 3))
    z = tl.zeros_like(tl.from_tensor(EagerTensor(x)))
    np.testing.assert_array_equal(tl.stack(z, F64).numpy(), np.zeros((2, 3)))
    assert all(isinstance(it, tl.Zero) for it in z.numpy().items)


def _test_add():
    x, y = np.ones((2, 2)), np.arange(4.0).reshape(2, 2)
    s = tl.add(tl.from_tensor(EagerTensor(x)), tl.zeros_like(tl.from_tensor(EagerTensor(y))))
    np.testing.assert_array_equal(tl.stack(s, F64).numpy(), x)
    s = tl.add(tl.from_tensor(EagerTensor(x)), tl.from_tensor(EagerTensor(y)))
    np.testing.assert_array_equal(tl.stack(s, F64).numpy(), x + y)


def _test_add_at():
    op = REGISTRY["tensor_list_add_at"]
    like = tl.from_tensor(EagerTensor(np.zeros((3, 2))))
    item = EagerTensor(np.array([5.0, 6.0]))
    accs = [tl.from_tensor(EagerTensor(np.arange(6.0).reshape(3, 2))),   # full
            tl.from_tensor(EagerTensor(np.arange(2.0).reshape(1, 2))),   # shorter than like
            tl.zeros_like(like),                                         # Zero items
            tl.reserve(np.int32(3), F64),                                # unwritten items
            tl.from_tensor(EagerTensor(np.ones((4, 2))))]                # longer than like
    for acc in accs:
        for i in range(3):
            expected = dispatch(REGISTRY["tensor_list_add"], [acc, tl.set_item(
                tl.zeros_like(like), np.int32(i), item, infer_shape=False)])
            got = dispatch(op, [acc, like, np.int32(i), item])
            got_items, expected_items = (tl.value_of(t._value, "t").items for t in (got, expected))
            assert len(got_items) == len(expected_items)
            for g, e in zip(got_items, expected_items):
                assert (g is None) == (e is None) and isinstance(g, tl.Zero) == isinstance(e, tl.Zero)
                if isinstance(e, np.ndarray):
                    np.testing.assert_array_equal(g, e)
    with pytest.raises(OutOfRangeError, match="size is: 3"):
        dispatch(op, [accs[0], like, np.int32(3), item])
    with pytest.raises(InvalidArgumentError, match="dtype"):
        dispatch(op, [accs[0], like, np.int32(0), EagerTensor(np.ones(2, np.float32))])

    def composite(a, b, v):
        acc, lk = tl.from_tensor(a), tl.from_tensor(b)
        return tf.reduce_sum(tl.stack(dispatch(op, [acc, lk, np.int32(1), v]), F64) ** 2)
    _check_grad(composite, [_rng(7).normal(size=(3, 2)), np.zeros((3, 2)),
                            _rng(8).normal(size=2)])

    @tf.function  # in a graph, a read's cotangent (one item into zeros) added becomes add_at
    def f(x):
        lst = tl.from_tensor(x)
        one = tl.set_item(tl.zeros_like(lst), np.int32(1), x[0], infer_shape=False)
        return tl.stack(tl.add(lst, one), F64)
    x = _rng(9).normal(size=(3, 2))
    np.testing.assert_allclose(f(tf.constant(x)).numpy(), [x[0], x[1] + x[0], x[2]])
    graph = f.get_concrete_function(tf.constant(x)).graph
    assert [n.type for n in graph.nodes].count("tensor_list_add_at") == 1
    assert "tensor_list_add" not in [n.type for n in graph.nodes]


def _test_gather_like():
    x = np.arange(6.0).reshape(3, 2)
    lst = tl.zeros_like(tl.from_tensor(EagerTensor(x)))
    lst = tl.set_item(lst, 1, EagerTensor(np.array([5.0, 6.0])), infer_shape=False)
    like = EagerTensor(np.zeros(2))
    op = REGISTRY["tensor_list_gather_like"]
    np.testing.assert_array_equal(dispatch(op, [lst, np.int32(1), like]).numpy(), [5.0, 6.0])
    np.testing.assert_array_equal(dispatch(op, [lst, np.int32(0), like]).numpy(), [0.0, 0.0])
    both = dispatch(op, [lst, np.array([1, 1], np.int32), EagerTensor(np.zeros((2, 2)))])
    np.testing.assert_array_equal(both.numpy(), [[5.0, 6.0], [5.0, 6.0]])


def _test_zero_items():
    x = np.arange(6.0).reshape(3, 2)
    op = REGISTRY["tensor_list_zero_items"]
    out = dispatch(op, [tl.from_tensor(EagerTensor(x)), np.int32(1), EagerTensor(np.ones(2))])
    np.testing.assert_array_equal(tl.stack(out, F64).numpy(), [[0, 1], [0, 0], [4, 5]])


def _test_stack_like():
    op = REGISTRY["tensor_list_stack_like"]
    lst = tl.set_item(tl.reserve(3, F64), 2, EagerTensor(np.ones(2)))
    out = dispatch(op, [lst, EagerTensor(np.zeros((3, 2)))])
    np.testing.assert_array_equal(out.numpy(), [[0, 0], [0, 0], [1, 1]])


def _test_split_like():
    op = REGISTRY["tensor_list_split_like"]
    lst = tl.set_item(tl.set_item(tl.reserve(2, F64), 0, EagerTensor(np.ones((1, 2))),
                                  infer_shape=False), 1, EagerTensor(np.ones((2, 2))),
                      infer_shape=False)
    pieces = dispatch(op, [EagerTensor(np.arange(6.0).reshape(3, 2)), lst])
    np.testing.assert_array_equal(tl.get_item(pieces, 1, F64).numpy(), [[2, 3], [4, 5]])


# -- stateful control flow, print, assert ----------------------------------------------------------

def _test_stateful_cond():
    v = tf.Variable(0.0)

    @tf.function
    def f(p, x):
        return tf.cond(p, lambda: v.assign_add(x) * 2.0, lambda: v * 1.0)
    assert float(f(tf.constant(True), tf.constant(3.0))) == 6.0
    assert float(f(tf.constant(False), tf.constant(3.0))) == 3.0
    assert float(v) == 3.0
    node = next(n for n in f.get_concrete_function(tf.constant(True), tf.constant(1.0)).graph.nodes
                if n.type.endswith("cond"))
    assert node.type == "stateful_cond" and node.kind == "stateful"


def _test_stateful_switch_case():
    v = tf.Variable(0)

    @tf.function
    def f(i):
        return tf.switch_case(i, [lambda: v.assign_add(1) * 1, lambda: v.assign_add(10) * 1])
    assert int(f(tf.constant(0))) == 1 and int(f(tf.constant(1))) == 11
    assert int(f(tf.constant(5))) == 21  # out of range: the last branch


def _test_stateful_while_loop():
    v = tf.Variable(0.0)

    @tf.function
    def f(n):
        return tf.while_loop(lambda i: i < n, lambda i: (v.assign_add(2.0), i + 1)[1], [0])
    assert int(f(tf.constant(3))[0]) == 3
    assert float(v) == 6.0


def _test_print():
    stream = io.StringIO()
    out = dispatch(REGISTRY["print"], [EagerTensor(np.arange(3)), EagerTensor(np.float32(1.5))],
                   {"pieces": (("text", "x:"), ("tensor", 0), ("tensor", 1)), "summarize": 3,
                    "sep": " ", "end": "\n", "output_stream": stream})
    assert out == () and stream.getvalue() == "x: [0 1 2] 1.5\n"


def _test_assert():
    op = REGISTRY["assert"]
    attrs = {"pieces": (("text", "bad:"), ("tensor", 0)), "summarize": 2}
    assert dispatch(op, [np.bool_(True), EagerTensor(np.arange(5))], attrs) == ()
    with pytest.raises(InvalidArgumentError, match=r"^assertion failed: \[bad:\] \[\[0 1 ... 3 4\]\]$"):
        dispatch(op, [np.bool_(False), EagerTensor(np.arange(5))], attrs)
    with pytest.raises(InvalidArgumentError, match="scalar bool"):
        dispatch(op, [np.ones(2, bool), EagerTensor(np.arange(5))], attrs)


SKIPPED_OP_TESTS = {
    "tensor_list_reserve": _test_reserve,
    "tensor_list_from_tensor": _test_from_tensor,
    "tensor_list_set_item": _test_set_item,
    "tensor_list_get_item": _test_get_item,
    "tensor_list_length": _test_length,
    "tensor_list_stack": _test_stack,
    "tensor_list_gather": _test_gather,
    "tensor_list_scatter": _test_scatter,
    "tensor_list_concat": _test_concat,
    "tensor_list_zeros_like": _test_zeros_like,
    "tensor_list_add": _test_add,
    "tensor_list_add_at": _test_add_at,
    "tensor_list_gather_like": _test_gather_like,
    "tensor_list_zero_items": _test_zero_items,
    "tensor_list_stack_like": _test_stack_like,
    "tensor_list_split_like": _test_split_like,
    "stateful_cond": _test_stateful_cond,
    "stateful_switch_case": _test_stateful_switch_case,
    "stateful_while_loop": _test_stateful_while_loop,
    "print": _test_print,
    "assert": _test_assert,
}


# -- running a program every way it can run --------------------------------------------------------

def run_modes(fn, *arrays, modes=("eager", "reference", "numba", "session")):
    """{mode: fn's result as NumPy values} with fn called on tensors made from `arrays`:
    eagerly, traced by graphflow.function on the reference interpreter and compiled, and built
    into a compat.v1 graph run by a Session."""
    out = {}
    for mode in modes:
        if mode == "eager":
            result = fn(*[tf.constant(a) for a in arrays])
        elif mode == "session":
            g = tf.Graph()
            with g.as_default():
                phs = [tf.compat.v1.placeholder(tf.as_dtype(np.asarray(a).dtype), np.shape(a))
                       for a in arrays]
                fetch = fn(*phs)
            with tf.compat.v1.Session(graph=g) as sess:
                result = sess.run(fetch, dict(zip(phs, arrays)))
        else:
            result = tf.function(fn, backend=mode)(*[tf.constant(a) for a in arrays])
        out[mode] = _numpy(result)
    return out


def _numpy(value):
    from graphflow.utils import nest
    return nest.map_structure(lambda v: v if v is None else np.asarray(v), value)


def assert_modes(fn, arrays, expected, rtol=1e-6, **kw):
    """fn gives `expected` (a structure of arrays) every way it runs."""
    from graphflow.utils import nest
    for mode, result in run_modes(fn, *arrays, **kw).items():
        got, want = nest.flatten(result), nest.flatten(expected)
        assert len(got) == len(want), (mode, result)
        for g, w in zip(got, want):
            if w is None:
                assert g is None, mode
                continue
            np.testing.assert_allclose(g, w, rtol=rtol, atol=1e-7, err_msg=mode)
            assert np.asarray(g).shape == np.asarray(w).shape, (mode, g, w)
