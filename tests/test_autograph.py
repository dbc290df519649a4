"""AutoGraph: Python control flow in graphflow.function, converted when it depends on tensors.

Each construct runs with Python and with tensor conditions, and its result is compared with the
same function run as plain eager Python (the semantics AutoGraph must keep).
"""
import functools
import json
import logging
import sys
import threading
import traceback

import numpy as np
import pytest

import graphflow as tf
from graphflow.autograph import conversion, operators
from graphflow.errors import (InvalidArgumentError, InvalidTypeError,
                              OperatorNotAllowedInGraphError, UnimplementedError)


def _value(x):
    return [_value(v) for v in x] if isinstance(x, (list, tuple)) else np.asarray(x)


def check(fn, *args, backends=("reference",)):
    """fn traced by graphflow.function (per backend) returns what fn returns as eager Python."""
    expected = _value(fn(*[tf.constant(a) if isinstance(a, (float, list)) else a for a in args]))
    for backend in backends:
        traced = tf.function(fn, backend=backend)
        got = _value(traced(*[tf.constant(a) if isinstance(a, (float, list)) else a
                              for a in args]))
        np.testing.assert_allclose(np.asarray(got, dtype=np.float64),
                                   np.asarray(expected, dtype=np.float64), err_msg=backend)
    return expected


def graph_ops(fn, *args):
    """The op types of fn's traced graph."""
    concrete = tf.function(fn).get_concrete_function(*args)
    return [n.type for n in concrete.graph.nodes]


# -- if / elif / else --------------------------------------------------------------------------

def branches(x, mode):
    if mode == "double":          # a Python condition: stays Python
        x = x * 2.0
    if x > 10.0:
        y = x - 10.0
    elif x > 0.0:
        y = x + 1.0
    else:
        y = -x
    return y


@pytest.mark.parametrize("x", [20.0, 3.0, -4.0])
def test_if_elif_else_with_tensor_conditions(x):
    check(branches, x, "double", backends=("reference", "numba"))
    check(branches, x, "keep")


def test_python_condition_is_not_staged():
    def f(x, flag):
        if flag:
            x = x + 1.0
        return x

    assert graph_ops(f, tf.TensorSpec([], tf.float32), True).count("add") == 1
    assert "add" not in graph_ops(f, tf.TensorSpec([], tf.float32), False)


def test_early_return_in_branches():
    def sign(x):
        if x > 0.0:
            return 1.0
        if x < 0.0:
            return -1.0
        return 0.0

    for x in (2.0, -3.0, 0.0):
        check(sign, x)


def test_logical_operators_and_conditional_expressions():
    def f(x, y):
        a = x > 0.0 and y > 0.0
        b = x > 0.0 or y > 0.0
        c = not x > 0.0
        d = x if x > y else y
        return tf.cast(a, tf.float32) + 2.0 * tf.cast(b, tf.float32) + \
            4.0 * tf.cast(c, tf.float32) + d

    for x, y in [(1.0, 2.0), (1.0, -2.0), (-1.0, 2.0), (-1.0, -2.0)]:
        check(f, x, y)


def test_and_or_keep_python_short_circuit_semantics():
    def f(x):
        items = []
        ok = items and items[0] > 0      # items is empty: items[0] must not be evaluated
        return x if not ok else -x

    check(f, 2.0)


# -- while -------------------------------------------------------------------------------------

def countdown(x, n):
    steps = 0.0
    while n > 0:
        x = x * 0.5
        n = n - 1
        steps += 1.0
    return x, steps


def test_while_with_tensor_and_python_conditions():
    check(countdown, 8.0, tf.constant(3), backends=("reference", "numba"))
    check(countdown, 8.0, 3)
    ops = graph_ops(countdown, tf.TensorSpec([], tf.float32), 3)
    assert ops.count("multiply") == 3       # a Python loop is unrolled at trace time


def test_while_with_break_continue_and_return():
    def f(x):
        i = tf.constant(0)
        total = 0.0
        while i < 10:
            i += 1
            if i % 2 == 0:
                continue
            if total > x:
                break
            total += tf.cast(i, tf.float32)
        return total

    def g(x):
        i = tf.constant(0)
        while i < 10:
            i += 1
            if tf.cast(i, tf.float32) > x:
                return i * 10
        return i

    for x in (4.0, 30.0):
        check(f, x)
    # As in TF, a return inside a staged loop cannot be staged (the value is undefined on the
    # paths that do not return); Python loops may return anywhere.
    with pytest.raises(UnimplementedError, match="a return statement cannot be placed inside "
                       "this TensorFlow loop"):
        tf.function(g)(tf.constant(3.0))


def test_nested_loops():
    def f(n):
        total = tf.constant(0)
        i = tf.constant(0)
        while i < n:
            j = tf.constant(0)
            while j < i:
                if j == 2:
                    break
                total += i * j
                j += 1
            i += 1
        return total

    check(f, tf.constant(4))
    check(f, 4)


# -- for ---------------------------------------------------------------------------------------

def test_for_over_tf_range_and_tensor_rows():
    def over_range(x):
        s = 0.0
        for i in tf.range(5):
            s += tf.cast(i, tf.float32) * x
        return s

    def over_rows(m):
        s = tf.zeros([3])
        for row in m:
            s += row * 2.0
        return s

    check(over_range, 1.5, backends=("reference", "numba"))
    check(over_rows, [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])


def test_tensor_loops_are_staged_not_unrolled():
    def over_rows(m):
        s = tf.zeros([3])
        for row in m:
            s += row * 2.0
        return s

    def counting(n):
        i = tf.constant(0)
        while i < n:
            i += 1
        return i

    small = graph_ops(over_rows, tf.TensorSpec([4, 3], tf.float32))
    assert graph_ops(over_rows, tf.TensorSpec([400, 3], tf.float32)) == small
    assert len(graph_ops(counting, tf.TensorSpec([], tf.int32))) < 10


def test_for_with_break_continue_return_and_else():
    def f(xs):
        s = 0.0
        for v in xs:
            if v < 0.0:
                continue
            if v > 5.0:
                break
            s += v
        return s

    def first_negative(xs):
        for v in xs:
            if v < 0.0:
                return v
        return 0.0

    def py_for_else(n):
        for i in range(n):
            if i == 10:
                break
        else:
            return -1
        return i

    values = [1.0, -2.0, 3.0, 9.0, 4.0]
    check(f, values)
    assert tf.function(first_negative)([3.0, -2.0, 1.0, -7.0]) == -2.0   # a Python loop
    assert tf.function(first_negative)([3.0, 2.0]) == 0.0
    with pytest.raises(UnimplementedError, match="a return statement cannot be placed"):
        tf.function(first_negative)(tf.constant([3.0, 2.0]))
    assert tf.function(py_for_else)(3) == -1 and tf.function(py_for_else)(20) == 10


def test_for_over_python_iterables_stays_python():
    def f(x, factors):
        for k in factors:
            x = x * k
        for name, scale in {"a": 2.0}.items():
            x = x + scale
        return x

    check(f, 1.0, [2.0, 3.0])


def test_len_and_range_builtins():
    def f(x):
        n = len(x)
        s = 0.0
        for i in range(n):
            s += x[i]
        return s

    check(f, [1.0, 2.0, 4.0])
    with pytest.raises(InvalidArgumentError, match="len requires a non-scalar tensor"):
        tf.function(lambda x: len(x))(tf.constant(1.0))


# -- undefined variables and inconsistent loop variables ---------------------------------------

def _error_line(error):
    """The line of the innermost frame of this file in the error's traceback."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == __file__]
    return frames[-1].lineno, frames[-1].line


def test_variable_defined_in_one_branch_only():
    def only_main(x):
        if x > 0.0:
            y = x
        return y

    def only_else(x):
        if x > 0.0:
            pass
        else:
            y = x
        return y

    def return_in_one_branch(x):
        if x > 0.0:
            return x

    with pytest.raises(InvalidArgumentError,
                       match="'y' must also be initialized in the else branch") as e:
        tf.function(only_main)(tf.constant(1.0))
    assert _error_line(e.value)[1] == "if x > 0.0:"
    with pytest.raises(InvalidArgumentError,
                       match="'y' must also be initialized in the main branch"):
        tf.function(only_else)(tf.constant(1.0))
    with pytest.raises(InvalidArgumentError,
                       match="the else branch must also have a return statement"):
        tf.function(return_in_one_branch)(tf.constant(1.0))
    # With a Python condition, Python's own semantics: fine when defined, an error when read.
    assert tf.function(only_main)(1.0) == 1.0
    with pytest.raises(UnboundLocalError, match="'y' is used before assignment"):
        tf.function(only_main)(-1.0)


def test_branch_outputs_must_agree():
    def dtypes_differ(x):
        if x > 0.0:
            y = 1
        else:
            y = 2.0
        return y

    def structures_differ(x):
        if x > 0.0:
            y = (x, x)
        else:
            y = x
        return y

    def none_in_branch(x):
        if x > 0.0:
            y = None
        else:
            y = 2
        return y

    def float_condition(x):
        if x:
            x = -x
        return x

    # TF raises TypeError for the first two and ValueError for the others, as graphflow does.
    cases = [(dtypes_differ, InvalidTypeError, "'y' has dtype int32 in the main branch, but "
              "dtype float32 in the else branch"),
             (structures_differ, InvalidTypeError,
              "'y' must have the same nested structure in the main and else"),
             (none_in_branch, InvalidArgumentError, "'y' is None at the end of the main branch"),
             (float_condition, InvalidArgumentError,
              r"condition of if statement expected to be `tf.bool` scalar")]
    for fn, error, message in cases:
        with pytest.raises(error, match=message):
            tf.function(fn)(tf.constant(1.0))


def test_loop_variable_changing_shape_or_dtype_names_the_variable():
    def grows(x):
        s = tf.constant([1.0])
        while tf.reduce_sum(s) < x:
            s = tf.concat([s, s], 0)
        return s

    def changes_dtype(x):
        i = tf.constant(0)
        while x > 0.0:
            i = tf.cast(i, tf.float32) + 1.0
            x -= 1.0
        return i

    with pytest.raises(InvalidArgumentError, match=r"'s' has shape \(1,\) before the loop, but "
                       r"shape \(2,\) after one iteration") as e:
        tf.function(grows)(tf.constant(5.0))
    assert _error_line(e.value)[1] == "while tf.reduce_sum(s) < x:"
    with pytest.raises(InvalidTypeError, match="'i' has dtype int32 before the loop, but "
                       "dtype float32 after one iteration"):
        tf.function(changes_dtype)(tf.constant(2.0))


def test_python_loop_whose_break_depends_on_a_tensor():
    def f(x):
        for v in [1.0, 2.0]:
            if x > v:
                break
        return x

    with pytest.raises(UnimplementedError, match="break and return statements which depend on "
                       "a TF condition are not supported in Python for loops"):
        tf.function(f)(tf.constant(1.5))


# -- recursion into called functions, closures, globals ---------------------------------------

def _abs_helper(x):
    if x > 0.0:
        return x
    return -x


SCALE = 2.0


def _scaled(x):
    if x > 0.0:
        x = x * SCALE
    return x


class _Model:
    def __init__(self, k):
        self.k = k
        self.__weight = 3.0

    def call(self, x):
        if x > self.k:
            x = x * self.__weight
        return x

    def __call__(self, x):
        return (lambda z: z if z > 0.0 else 10.0 * z)(x)

    def nested(self, x):
        def inner(y):
            return y * self.__weight if y > 0.0 else y
        return inner(x)


class _Derived(_Model):
    def call(self, x):
        y = super().call(x)
        if y > 100.0:
            y = y - 100.0
        return y


def _decorate(f):
    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        return f(*args, **kwargs)
    return wrapper


@_decorate
def _decorated(x):
    if x < 0.0:
        x = -x
    return x


def test_called_functions_methods_lambdas_and_objects_are_converted():
    def f(x):
        m = _Model(1.0)
        return (_abs_helper(x), m.call(x), m(x), _Derived(1.0).call(x), _decorated(x),
                functools.partial(_abs_helper)(x), m.nested(x))

    for x in (5.0, 2.0, -3.0):
        check(f, x)


def test_closures_and_globals_resolve_as_in_the_original(monkeypatch):
    def make():
        offset = 1.0

        def inner(x):
            nonlocal offset
            if x > 0.0:
                x = x + offset
            offset = 5.0   # rebinding the closure cell is seen by the original's scope
            return x
        return inner, lambda: offset

    inner, read_offset = make()
    assert float(tf.function(inner)(tf.constant(1.0))) == 2.0
    assert read_offset() == 5.0
    monkeypatch.setattr(sys.modules[__name__], "SCALE", 7.0)
    assert float(tf.function(_scaled)(tf.constant(1.0))) == 7.0  # the global, read at trace


def test_global_statement_in_converted_branch():
    def f(x):
        global _COUNTER
        if x > 0.0:
            _COUNTER = _COUNTER + 1
        return x

    globals()["_COUNTER"] = 0
    tf.function(f)(1.0)
    assert _COUNTER == 1


def test_do_not_convert():
    @tf.autograph.experimental.do_not_convert
    def raw(x):
        if x > 0.0:
            return x
        return -x

    with pytest.raises(OperatorNotAllowedInGraphError, match="as a Python `bool`"):
        tf.function(raw)(tf.constant(1.0))
    with pytest.raises(OperatorNotAllowedInGraphError, match="as a Python `bool`"):
        tf.function(lambda x: raw(x) + 1.0)(tf.constant(1.0))
    assert float(tf.function(raw, autograph=False)(2.0)) == 2.0
    with pytest.raises(OperatorNotAllowedInGraphError, match="as a Python `bool`"):
        tf.function(_abs_helper, autograph=False)(tf.constant(1.0))


def test_library_code_is_not_converted():
    assert conversion.convert(tf.reduce_sum) is tf.reduce_sum
    assert conversion.convert(np.mean) is np.mean
    assert conversion.convert(functools.reduce) is functools.reduce
    assert conversion.convert(_abs_helper) is not _abs_helper


def test_unavailable_source_runs_unconverted_with_one_warning(tmp_path, caplog, monkeypatch):
    module = tmp_path / "ag_gone_module.py"
    module.write_text("def h(x):\n    if x > 0:\n        return x\n    return -x\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import ag_gone_module
    module.unlink()
    import linecache
    linecache.checkcache(str(module))

    with caplog.at_level(logging.WARNING, logger="graphflow"):
        assert float(tf.function(ag_gone_module.h)(2.0)) == 2.0    # Python values: fine
        assert float(tf.function(lambda x: ag_gone_module.h(x))(3.0)) == 3.0
    warnings = [r for r in caplog.records if "AutoGraph could not transform" in r.message]
    assert len(warnings) == 1 and "Unable to locate the source code" in warnings[0].message
    with pytest.raises(OperatorNotAllowedInGraphError, match="as a Python `bool`"):
        tf.function(ag_gone_module.h)(tf.constant(1.0))

    namespace = {}
    exec("def k(x):\n    return x * 2\n", namespace)  # dynamic code: silently unconverted
    assert float(tf.function(namespace["k"])(tf.constant(2.0))) == 4.0


# -- to_code, to_graph, run_functions_eagerly ---------------------------------------------------

def test_to_code_shows_the_converted_source():
    code = tf.autograph.to_code(countdown)
    assert code.startswith("def countdown(x, n):")
    assert "ag__.while_stmt(loop_test, loop_body, get_state, set_state, ('steps', 'x', 'n')" \
        in code
    assert tf.autograph.to_code(lambda x: x if x > 0 else -x) == \
        "lambda x: ag__.if_exp(x > 0, lambda: x, lambda: -x, 'x > 0')"
    assert "ag__.converted_call(super(__class__, self).call, (x,), None)" in \
        tf.autograph.to_code(_Derived.call)
    assert tf.autograph.to_code(tf.function(countdown)) == code


def test_to_graph_converts_and_runs_eagerly_and_in_graphs():
    converted = tf.autograph.to_graph(branches)
    assert converted(3.0, "keep") == 4.0                     # Python values: Python semantics
    assert float(converted(tf.constant(-2.0), "keep")) == 2.0  # eager tensors run eagerly
    g = tf.Graph()
    with g.as_default():
        out = converted(tf.constant(-2.0), "keep")
    assert out.graph is g
    with pytest.raises(InvalidArgumentError, match="expected a Python function"):
        tf.autograph.to_graph(3)


def test_run_functions_eagerly():
    calls = []

    @tf.function
    def f(x):
        calls.append(tf.executing_eagerly())
        if x > 0.0:
            x = -x
        return x

    assert not tf.config.functions_run_eagerly()
    tf.config.run_functions_eagerly(True)
    try:
        assert tf.config.functions_run_eagerly()
        assert float(f(tf.constant(2.0))) == -2.0
        assert float(f(tf.constant(3.0))) == -3.0
        assert calls == [True, True] and f.experimental_get_tracing_count() == 0
    finally:
        tf.config.run_functions_eagerly(False)
    assert float(f(tf.constant(2.0))) == -2.0
    assert calls[-1] is False and f.experimental_get_tracing_count() == 1


def test_print_stays_python_by_default(capsys):
    @tf.function
    def f(x):
        print("tracing with", x.shape)
        return x + 1.0

    f(tf.constant(1.0))
    f(tf.constant(2.0))
    assert capsys.readouterr().out == "tracing with ()\n"   # once, at trace time (as in TF)


# -- the machinery -----------------------------------------------------------------------------

def test_converted_code_keeps_line_numbers():
    def fails(x):
        if x > 0.0:
            y = tf.reshape(x, [3])
        else:
            y = x
        return y

    with pytest.raises(InvalidArgumentError, match="reshape") as e:
        tf.function(fails)(tf.constant(1.0))
    assert _error_line(e.value)[1] == "y = tf.reshape(x, [3])"


def test_conversion_is_cached_per_code_object():
    def make(k):
        def f(x):
            if x > k:
                x = x - k
            return x
        return f

    f1, f2 = make(1.0), make(10.0)
    c1, c2 = conversion.convert(f1), conversion.convert(f2)
    assert c1.__code__ is c2.__code__          # one conversion for both closures
    assert c1(5.0) == 4.0 and c2(5.0) == 5.0   # each with its own closure cells
    assert conversion.convert(c1) is c1        # converted code is never converted again


def test_concurrent_conversion_and_tracing():
    def f(x):
        total = 0.0
        for i in range(3):
            if x > i:
                total += x
        return total

    results, errors = [], []

    def work():
        try:
            results.append(float(tf.function(f)(tf.constant(2.0))))
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and results == [4.0] * 6


def test_large_unrolled_python_loop_warns_once(monkeypatch, caplog):
    monkeypatch.setattr(operators, "INEFFICIENT_UNROLL_MIN_ITERATIONS", 5)

    def f(x):
        for _ in range(20):
            x = x * 1.5
        return x

    with caplog.at_level(logging.WARNING, logger="graphflow"):
        tf.function(f).get_concrete_function(tf.TensorSpec([], tf.float32))
    assert [r.message for r in caplog.records].count(
        "Large unrolled loop detected. Did you mean to use a TF loop? The Python loop has run 6 "
        "iterations and is still adding ops to the graph.") == 1


def test_verbosity_and_options(caplog):
    tf.autograph.set_verbosity(2)
    try:
        with caplog.at_level(logging.INFO, logger="graphflow"):
            conversion.convert(_scaled)
            conversion.convert(json.dumps)
    finally:
        tf.autograph.set_verbosity(0)
    assert tf.autograph.get_verbosity() == 0
    text = " ".join(r.message for r in caplog.records)
    assert "converted" in text and "library code" in text
    with pytest.raises(InvalidArgumentError, match="expected tf.autograph.experimental.Feature"):
        tf.function(_scaled, experimental_autograph_options=("print",))


def test_undefined_reads_and_operators():
    assert operators.ld(3) == 3
    with pytest.raises(UnboundLocalError, match="'z' is used before assignment"):
        operators.ld(operators.Undefined("z"))
    assert operators.ret(operators.UndefinedReturnValue(), False) is None
    assert operators.and_(lambda: 0, lambda: 1 / 0) == 0
    assert operators.or_(lambda: 2, lambda: 1 / 0) == 2


# -- with the control-flow ops: effects, datasets, undefined loop variables, gradients ---------

def test_only_the_taken_branch_has_effects():
    v = tf.Variable(0.0)

    @tf.function
    def f(x):
        if x > 0.0:
            v.assign_add(1.0)
        else:
            v.assign_sub(10.0)
        return v.read_value()

    assert float(f(tf.constant(1.0))) == 1.0
    assert float(f(tf.constant(-1.0))) == -9.0
    assert float(v) == -9.0 and f.experimental_get_tracing_count() == 1


def test_for_over_a_dataset_reads_it_when_the_function_runs():
    reads = []

    def elements():  # a generator runs each time the dataset is read (a traced map would not)
        for i in range(7):
            reads.append(1)
            yield np.float32(i), np.float32(i * 10.0)

    data = tf.data.Dataset.from_generator(
        elements, output_signature=(tf.TensorSpec([], tf.float32), tf.TensorSpec([], tf.float32)))

    def total(w, stop):
        acc = tf.constant(0.0)
        n = 0
        for x, y in data.batch(3):
            if tf.reduce_sum(x) > stop:
                break
            acc += tf.reduce_sum(x * w + y)
            n += 1
        return acc, n

    expected = _value(total(tf.constant(2.0), tf.constant(100.0)))
    for backend in ("reference", "numba"):
        f = tf.function(total, backend=backend)
        del reads[:]
        np.testing.assert_allclose(_value(f(tf.constant(2.0), tf.constant(100.0))), expected)
        np.testing.assert_allclose(_value(f(tf.constant(2.0), tf.constant(100.0))), expected)
        assert len(reads) >= 14       # the dataset was read on both calls, not at trace time
        np.testing.assert_allclose(_value(f(tf.constant(2.0), tf.constant(4.0))), [36.0, 1])


def test_variable_first_defined_in_a_staged_loop():
    def last(x):
        while x < 10.0:
            y = x
            x = x + 1.0
        return y

    def never_runs(x):
        for i in tf.range(0):
            z = x
        return z

    assert float(tf.function(last)(tf.constant(1.0))) == 9.0
    with pytest.raises(InvalidArgumentError, match="loop must iterate at least once to "
                       "initialize y"):
        tf.function(last)(tf.constant(20.0))
    with pytest.raises(InvalidArgumentError, match="initialize z"):
        tf.function(never_runs)(tf.constant(1.0))


def test_shape_invariants_from_set_loop_options():
    @tf.function
    def grow(x):
        s = tf.constant([1.0])
        while tf.reduce_sum(s) < x:
            tf.autograph.experimental.set_loop_options(
                shape_invariants=[(s, tf.TensorShape([None]))], maximum_iterations=10)
            s = tf.concat([s, s], 0)
        return s

    assert grow(tf.constant(5.0)).shape == (8,)


def test_assert_statement_on_tensors_is_checked_when_the_graph_runs():
    @tf.function
    def f(x):
        assert x > 0.0, "x must be positive"
        return x * 2.0

    assert float(f(tf.constant(1.0))) == 2.0
    with pytest.raises(InvalidArgumentError, match="x must be positive"):
        f(tf.constant(-1.0))


def test_print_with_builtin_functions_feature_prints_when_the_graph_runs(capsys):
    @tf.function(experimental_autograph_options=tf.autograph.experimental.Feature.BUILTIN_FUNCTIONS)
    def f(x):
        print("x is", x, 3)
        return x + 1.0

    f(tf.constant(2.0))
    f(tf.constant(5.0))
    captured = capsys.readouterr()
    assert (captured.out + captured.err).count("x is") == 2
    with pytest.raises(UnimplementedError, match="LISTS"):
        tf.function(lambda x: x, experimental_autograph_options=(
            tf.autograph.experimental.Feature.LISTS,))


def test_gradients_and_sessions_through_converted_code():
    def f(x):
        y = x
        for _ in tf.range(3):
            if y > 2.0:
                y = y * x
            else:
                y = y + x
        return y

    x = tf.Variable(1.5)
    with tf.GradientTape() as tape:
        traced = tf.function(f)(x)
    grad = tape.gradient(traced, x)
    with tf.GradientTape() as tape:
        eager = f(x)
    assert float(traced) == float(eager) == 6.75
    assert float(grad) == float(tape.gradient(eager, x)) == 13.5
    g = tf.Graph()
    with g.as_default():
        p = tf.compat.v1.placeholder(tf.float32, [])
        out = tf.function(f)(p)
        with tf.compat.v1.Session() as session:
            assert session.run(out, {p: 1.5}) == 6.75


class _Accumulator:
    def __init__(self):
        self.count = tf.constant(0)
        self.totals = {"sum": tf.constant(0.0)}

    def step(self, x):
        if x > 0.0:
            self.count = self.count + 1
            self.totals["sum"] = self.totals["sum"] + x
        while self.count < 5:
            self.count += 2
        return self.count, self.totals["sum"]


def test_attributes_and_items_are_state_of_converted_statements():
    code = tf.autograph.to_code(_Accumulator.step)
    assert "ag__.ldu(lambda: self.count, 'self.count')" in code
    assert "('self.count', \"self.totals['sum']\")" in code
    assert _value(tf.autograph.to_graph(_Accumulator().step)(tf.constant(2.0))) == [5, 2.0]


def test_attributes_modified_under_tensor_conditions():
    for x, expected in ((2.0, [5, 2.0]), (-2.0, [6, 0.0])):
        assert _value(tf.function(_Accumulator().step)(tf.constant(x))) == expected


def test_for_over_rows_of_unknown_count():
    @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32)])
    def f(m):
        s = tf.zeros([3])
        for row in m:
            s += row
        return s, len(m)

    for n in (4, 2, 0):
        s, count = f(tf.ones([n, 3]))
        np.testing.assert_array_equal(s.numpy(), [float(n)] * 3)
        assert int(count) == n


def test_enumerate_and_zip_of_datasets_are_staged():
    a = tf.data.Dataset.from_tensor_slices(np.arange(4, dtype=np.float32))
    b = tf.data.Dataset.from_tensor_slices(np.arange(4, dtype=np.float32) * 10.0)

    @tf.function
    def f(w):
        s = tf.constant(0.0)
        for i, (x, y) in enumerate(zip(a, b)):
            s += tf.cast(i, tf.float32) * (x + y) * w
        return s

    assert float(f(tf.constant(1.0))) == 154.0 and float(f(tf.constant(2.0))) == 308.0
    assert list(operators.enumerate_([5, 6], 1)) == [(1, 5), (2, 6)]   # Python outside graphs


def test_tf1_graph_code_is_not_converted():
    g = tf.Graph()
    with g.as_default():
        p = tf.compat.v1.placeholder(tf.float32, [])
        with pytest.raises(OperatorNotAllowedInGraphError, match="as a Python `bool`"):
            if p > 0.0:   # outside a graphflow.function, Python control flow is plain Python
                pass
