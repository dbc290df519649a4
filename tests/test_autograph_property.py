"""A differential property of the AutoGraph transformation: random Python functions with nested
if/elif/else, while and for loops, break, continue and return give the same results converted as
written (on Python ints and on eager tensors, where converted code keeps Python semantics) and,
when the control-flow ops are present, traced by graphflow.function on tensors.

Programs are written to a module file (AutoGraph converts from source files). A failure prints
the program. GRAPHFLOW_FUZZ_EXAMPLES / GRAPHFLOW_FUZZ_SEED work as in
tests/test_compiler_differential.py.
"""
import importlib.util
import itertools
import os

import numpy as np
import pytest
from fuzz import examples as _examples, fuzz_seed
from hypothesis import HealthCheck, assume, given, seed, settings
from hypothesis import strategies as st

import graphflow as tf
from graphflow.autograph import conversion
from graphflow.errors import UnimplementedError

PY_LOOP_TURNED_TENSOR = "The condition of while loop started as non-Tensor, then changed to Tensor"

VARS = ("a", "b", "c")


def _settings(default):
    return settings(max_examples=_examples(default), deadline=None, derandomize=False,
                    database=None, print_blob=False,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


_fuzz_seed = fuzz_seed


# -- programs ----------------------------------------------------------------------------------

class _Gen:
    """Draws one program's statements; `tensors` limits it to what TF can stage (no return
    inside a branch or loop: the return value would be undefined on the other paths)."""

    def __init__(self, draw, tensors):
        self.draw = draw
        self.tensors = tensors
        self.counter = itertools.count()

    def expr(self, names, depth=0):
        d = self.draw
        if depth > 1 or d(st.booleans()):
            return d(st.sampled_from(names)) if d(st.booleans()) else str(d(st.integers(0, 9)))
        op = d(st.sampled_from(["+", "-", "*"]))
        return f"({self.expr(names, depth + 1)} {op} {self.expr(names, depth + 1)})"

    def cond(self, names, depth=0):
        d = self.draw
        kind = d(st.sampled_from(["cmp", "cmp", "mod", "not", "and", "or", "ifexp"]
                                 if depth < 1 else ["cmp", "mod"]))
        if kind == "cmp":
            return f"{self.expr(names)} {d(st.sampled_from(['>', '<', '>=', '=='] ))} " \
                   f"{self.expr(names)}"
        if kind == "mod":
            return f"{d(st.sampled_from(names))} % {d(st.integers(2, 4))} == 0"
        if kind == "not":
            return f"not ({self.cond(names, depth + 1)})"
        if kind == "ifexp":
            return f"({self.expr(names)} if {self.cond(names, depth + 1)} else " \
                   f"{self.expr(names)}) > {d(st.integers(0, 20))}"
        return f"({self.cond(names, depth + 1)}) {kind} ({self.cond(names, depth + 1)})"

    def block(self, indent, names, depth, in_loop):
        n = self.draw(st.integers(1, 3 if depth < 2 else 2))
        return [line for _ in range(n) for line in self.stmt(indent, names, depth, in_loop)]

    def stmt(self, indent, names, depth, in_loop):
        d = self.draw
        pad = "    " * indent
        kinds = ["assign", "assign", "assign", "aug", "aug"]
        if depth < 3:
            kinds += ["if", "while", "for"]
        jumps = (["break", "continue"] if in_loop else []) + ([] if self.tensors else ["return"])
        if jumps:
            kinds += ["jump"]
        kind = d(st.sampled_from(kinds))
        target = d(st.sampled_from(VARS))
        if kind == "assign":
            return [f"{pad}{target} = ({self.expr(names)}) % 97"]
        if kind == "aug":
            return [f"{pad}{target} += {d(st.integers(1, 5))}"]
        if kind == "jump":
            jump = d(st.sampled_from(jumps))
            jump = f"return {self.expr(names)}" if jump == "return" else jump
            if d(st.integers(0, 3)):  # mostly under a condition, as real code has them
                return [f"{pad}if {self.cond(names)}:", f"{pad}    {jump}"]
            return [f"{pad}{jump}"]
        if kind == "if":
            lines = [f"{pad}if {self.cond(names)}:"] + self.block(indent + 1, names, depth + 1,
                                                                  in_loop)
            if d(st.booleans()):
                lines += [f"{pad}elif {self.cond(names)}:"] + self.block(
                    indent + 1, names, depth + 1, in_loop)
            if d(st.booleans()):
                lines += [f"{pad}else:"] + self.block(indent + 1, names, depth + 1, in_loop)
            return lines
        k = next(self.counter)
        if kind == "while":
            counter = f"w{k}"
            lines = [f"{pad}{counter} = 0",
                     f"{pad}while {counter} < {d(st.integers(1, 5))} and ({self.cond(names)}):",
                     f"{pad}    {counter} += 1"]
            lines += self.block(indent + 1, names, depth + 1, True)
        else:
            var = f"i{k}"
            n = d(st.integers(0, 4))
            iterable = f"tf.range({n})" if self.tensors else \
                d(st.sampled_from([f"range({n})", f"[{', '.join(map(str, range(n, 0, -1)))}]"]))
            lines = [f"{pad}for {var} in {iterable}:"]
            lines += self.block(indent + 1, names + (var,), depth + 1, True)
        if d(st.booleans()):
            lines += [f"{pad}else:"] + self.block(indent + 1, names, depth + 1, in_loop)
        return lines


@st.composite
def programs(draw, tensors=False):
    gen = _Gen(draw, tensors)
    body = gen.block(1, VARS, 0, False)
    return "\n".join(["import graphflow as tf", "", "", "def program(a, b, c):"] + body +
                     ["    return a + 2 * b + 3 * c", ""])


_modules = itertools.count()


def _load(source, directory):
    path = os.path.join(directory, f"ag_program_{next(_modules)}.py")
    with open(path, "w") as f:
        f.write(source)
    spec = importlib.util.spec_from_file_location(os.path.basename(path)[:-3], path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.program


def _outcome(fn, *args):
    try:
        return ("value", int(np.asarray(fn(*args))))
    except Exception as e:  # noqa: BLE001 - both sides must raise alike
        return ("error", type(e).__name__)


@pytest.fixture(scope="module")
def program_dir(tmp_path_factory):
    return str(tmp_path_factory.mktemp("autograph_programs"))


ARGS = st.tuples(st.integers(-5, 20), st.integers(-5, 20), st.integers(-5, 20))


@_fuzz_seed
@_settings(250)
@given(source=programs(), args=ARGS)
def test_converted_python_matches_python(program_dir, source, args):
    fn = _load(source, program_dir)
    converted = conversion.convert(fn)
    assert converted is not fn
    assert _outcome(converted, *args) == _outcome(fn, *args), source


@_fuzz_seed
@_settings(60)
@given(source=programs(tensors=True), args=ARGS)
def test_converted_code_on_eager_tensors_matches_python(program_dir, source, args):
    fn = _load(source, program_dir)
    tensors = [tf.constant(a) for a in args]
    assert _outcome(conversion.convert(fn), *tensors) == _outcome(fn, *tensors), source


@_fuzz_seed
@_settings(50)
@given(source=programs(tensors=True), args=ARGS)
def test_traced_tensor_programs_match_eager_python(program_dir, source, args):
    fn = _load(source, program_dir)
    tensors = [tf.constant(a) for a in args]
    expected = _outcome(fn, *tensors)
    traced = tf.function(fn, backend="reference")
    try:
        traced.get_concrete_function(*tensors)
    except UnimplementedError as e:
        # A Python while loop whose condition becomes a tensor (a variable it reads turned into
        # a tensor in a nested tensor loop) cannot be staged: TF 2.21 raises NotImplementedError
        # with this message for the same programs, so they are no counterexample.
        assume(not str(e).startswith(PY_LOOP_TURNED_TENSOR))
    except Exception:  # noqa: BLE001 - _outcome compares it with eager's
        pass
    got = _outcome(traced, *tensors)
    assert got == expected, source
