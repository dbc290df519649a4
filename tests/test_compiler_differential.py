"""Differential tests of the compiler: random programs run every way graphflow can run them.

Hypothesis draws random *programs*: 1-3 float32 inputs with broadcast-compatible shapes (rank
0-3, dims 1-5, often with size-1 dims), then 2-10 steps over the registry's op kinds -- guarded
unary math, broadcasting binary ops and `where`, reductions (one axis, several, all; keepdims
or not), matmul (transposes, batch broadcasting, or with a fresh constant), transpose/reshape/
expand_dims, softmax/log_softmax, constant subexpressions (for folding), repeated steps (for
CSE), algebraic identities (for simplify) and, now and then, `GradientTape.gradient` of an
intermediate with respect to an input (backward graphs are full of broadcast/unbroadcast ops);
1-2 values (sometimes also an input) are returned. A second family of programs updates
Variables with assign/assign_add/assign_sub of expressions (fuse_update, in-place variable
writes), reads them back before and after, and takes gradients with respect to them.

A program is rendered to Python source over the public API (`import graphflow as tf`) and
`exec`-ed, so what runs is exactly what a failure prints. Each program is run

  (a) eagerly (the ground truth here),
  (b) traced with `graphflow.function(f, backend="reference")` (the unoptimized graph on the
      NumPy interpreter),
  (c) traced and compiled with every pass on the numba backend, with tiered compilation off
      (kernels run from the first call) and on (the first call may run on the interpreter);
      and, on the reference interpreter over the *optimized* graph (fused nodes interpret
      their bodies, so nothing is compiled and hundreds of programs take seconds):
  (d) with every pass, and with each pass alone,
  (e) with each pass disabled (all with `verify_after_each_pass`).

Every configuration is called twice, the second time with other values in non-contiguous
arrays; outputs and variable values after each call must match eager within float32
tolerance: rtol 1e-4, atol 1e-5 times the largest magnitude flowing through the program
(cancellation makes absolute errors scale with the operands, not the result). Arrays returned
by a call must not change during the next (output buffer reuse, the arena, in-place updates).

Inputs keep values well-conditioned: exp sees tanh(x), log and sqrt see |x| + 0.5, divisors are
|y| + 0.5, and a step whose operands could be large (a bound is tracked while drawing) squashes
them with tanh first. Draws where a comparison (`where`) or, under a tape, a kink (relu, abs,
max/min, reduce_max/min) is within 1e-4 of flipping are rejected: there a rounding difference
legitimately changes the result.

A failure prints the program's source, the input shapes and seeds, which configuration
disagreed and how (shapes, largest difference, first differing elements), and a standalone
reproducer script.

Budget: about a minute and a half on a 2-core machine with a cold Numba cache. Each property
runs a fixed set of examples drawn from DEFAULT_SEED (no example database), so CI is
reproducible; the properties that compile do not shrink (each shrink step would compile new
kernels). DEFAULT_SEED is changed now and then, after a campaign with the new seed and many more
examples passed, so that CI keeps meeting new programs. To fuzz longer:

  GRAPHFLOW_FUZZ_EXAMPLES=5000   run every property with 5000 examples
  GRAPHFLOW_FUZZ_EXAMPLES=x20    multiply every property's default count by 20
  GRAPHFLOW_FUZZ_SEED=1234       draw the examples from this seed instead of DEFAULT_SEED
  GRAPHFLOW_FUZZ_SHRINK=1        shrink failures of the compiling properties too (slow)

e.g. `GRAPHFLOW_FUZZ_EXAMPLES=x20 GRAPHFLOW_FUZZ_SEED=7 python -m pytest
tests/test_compiler_differential.py -x`.
"""
import math
import os
import textwrap
from dataclasses import dataclass, field

import numpy as np
import pytest
from fuzz import examples as _examples, fuzz_seed
from hypothesis import HealthCheck, Phase, assume, given, note, seed, settings
from hypothesis import strategies as st

import graphflow as tf
from graphflow.backends import reference
from graphflow.compiler import pipeline
from graphflow.compiler.lower import with_interface

# -- configuration -----------------------------------------------------------------------------

RTOL, ATOL = 1e-4, 1e-5
MARGIN = 1e-4          # comparisons and kinks closer than MARGIN * scale are rejected
LIMIT = 40.0           # operands whose magnitude bound exceeds this are squashed with tanh
INPUT_RANGE = 2.0      # inputs are uniform in [-INPUT_RANGE, INPUT_RANGE]
CONST_RANGE = 1.5      # constants c(seed, shape) are uniform in [-CONST_RANGE, CONST_RANGE]


def _settings(default_examples, shrink=True):
    """shrink=False for properties that compile: every shrink step would compile new kernels
    (minutes); their failures print the unshrunk program (GRAPHFLOW_FUZZ_SHRINK=1 shrinks)."""
    phases = list(Phase)
    if not shrink and not os.environ.get("GRAPHFLOW_FUZZ_SHRINK"):
        phases.remove(Phase.shrink)
    return settings(max_examples=_examples(default_examples), deadline=None,
                    derandomize=False, database=None, print_blob=False, phases=phases,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])


_fuzz_seed = fuzz_seed


# -- programs ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Const:
    """A constant tensor: c(seed, shape) in the program's source."""
    seed: int
    shape: tuple

    def array(self):
        return const_array(self.seed, self.shape)

    def __str__(self):
        return f"c({self.seed}, {self.shape})"


def const_array(seed_, shape):
    rng = np.random.default_rng(seed_)
    return rng.uniform(-CONST_RANGE, CONST_RANGE, shape).astype(np.float32)


def input_arrays(seed_, shapes):
    rng = np.random.default_rng(seed_)
    return [rng.uniform(-INPUT_RANGE, INPUT_RANGE, s).astype(np.float32) for s in shapes]


@dataclass(frozen=True)
class Step:
    """One line of a program. args hold value indices (int), Const, float, or, for grad/read/
    update, the tuples ("x", i) / ("var", j) naming an input or a variable."""
    op: str
    args: tuple
    attrs: tuple = ()          # ((name, value), ...)
    squash: bool = False       # tensor operands go through tanh first
    makes_value: bool = True

    def attr(self, name, default=None):
        return dict(self.attrs).get(name, default)


@dataclass
class Program:
    input_shapes: list
    steps: list = field(default_factory=list)
    outputs: tuple = ()
    var_shapes: list = field(default_factory=list)
    var_seeds: list = field(default_factory=list)
    seeds: tuple = (0, 1)      # input seeds of the first and second call
    shapes: list = field(default_factory=list)   # static shape of every value (None: no value)

    @property
    def n_inputs(self):
        return len(self.input_shapes)

    def name(self, i):
        return f"x{i}" if i < self.n_inputs else f"v{i}"

    def grad_steps(self):
        return [k for k, s in enumerate(self.steps) if s.op == "grad"]

    # -- rendering -------------------------------------------------------------------------
    def operand(self, a, squash=False):
        if isinstance(a, bool):
            raise TypeError(a)
        if isinstance(a, int):
            text = self.name(a)
        elif isinstance(a, Const):
            text = str(a)
        elif isinstance(a, float):
            return repr(a)
        else:
            raise TypeError(a)
        return f"tf.tanh({text})" if squash else text

    def render_step(self, step):
        """The step's expression (or statement, for an update whose value is not used)."""
        ops = [self.operand(a, step.squash) if isinstance(a, (int, Const, float)) else a
               for a in step.args]
        return RENDER[step.op](self, step, ops)

    def source(self, debug=False):
        """The program as Python source defining build() -> (f, variables)."""
        lines = ["def build():"]
        for j, (shape, s) in enumerate(zip(self.var_shapes, self.var_seeds)):
            lines.append(f"    var{j} = tf.Variable(c({s}, {shape}), name='var{j}')")
        args = ", ".join(self.name(i) for i in range(self.n_inputs))
        lines.append(f"    def f({args}):")
        grads = self.grad_steps()
        indent = "        "
        if grads:
            lines.append(f"{indent}with tf.GradientTape(persistent=True) as tape:")
            indent += "    "
            for i in range(self.n_inputs):
                lines.append(f"{indent}tape.watch(x{i})")
        for k, step in enumerate(self.steps):
            index = self.n_inputs + k
            expr = self.render_step(step)
            target = f"{self.name(index)} = " if step.makes_value else ""
            shape = self.shapes[index] if step.makes_value and self.shapes else None
            comment = f"  # {list(shape)}" if shape is not None else ""
            lines.append(f"{indent}{target}{expr}{comment}")
            if grads and k == grads[-1]:
                indent = indent[:-4]
        outs = [self.name(i) for i in self.outputs]
        if debug:
            values = ", ".join(self.name(i) if i < self.n_inputs or self.steps[i - self.n_inputs]
                               .makes_value else "None"
                               for i in range(self.n_inputs + len(self.steps)))
            lines.append(f"{indent}return ({', '.join(outs)}{',' if outs else ''}), [{values}]")
        elif not outs:
            lines.append(f"{indent}return None")
        else:
            lines.append(f"{indent}return {', '.join(outs)}" + ("," if len(outs) == 1 else ""))
        variables = ", ".join(f"var{j}" for j in range(len(self.var_shapes)))
        lines.append(f"    return f, [{variables}]")
        return "\n".join(lines)

    def build(self, debug=False):
        namespace = {"tf": tf, "np": np, "c": _c}
        exec(compile(self.source(debug), "<differential program>", "exec"), namespace)  # noqa: S102
        return namespace["build"]()

    def inputs(self, call=0):
        return input_arrays(self.seeds[call], self.input_shapes)

    def __repr__(self):
        shapes = ", ".join(f"x{i}: float32{list(s)}" for i, s in enumerate(self.input_shapes))
        return (f"\n# inputs {shapes}; values: input_arrays(seed, shapes) with seeds "
                f"{self.seeds[0]} (first call) and {self.seeds[1]} (second call)\n"
                + self.source())

    def _repr_pretty_(self, printer, cycle):  # how hypothesis prints a falsifying example
        printer.text(repr(self))

    def reproducer(self):
        """A self-contained script running the program eagerly, on the reference backend and
        compiled, for both calls (the second with non-contiguous inputs, as the tests do)."""
        header = textwrap.dedent(f"""\
            import numpy as np
            import graphflow as tf

            def c(seed, shape):
                rng = np.random.default_rng(seed)
                values = rng.uniform(-{CONST_RANGE}, {CONST_RANGE}, shape)
                return tf.constant(values.astype(np.float32))

            """)
        footer = textwrap.dedent(f"""

            def inputs(seed, strided):
                rng = np.random.default_rng(seed)
                arrays = [rng.uniform(-{INPUT_RANGE}, {INPUT_RANGE}, s).astype(np.float32)
                          for s in {[tuple(s) for s in self.input_shapes]}]
                return [tf.constant(a[..., ::-1].copy()[..., ::-1]
                                    if strided and a.ndim and a.shape[-1] > 1 else a)
                        for a in arrays]

            tf.config.set_tiered_compilation(False)  # compile before the first call returns
            for mode in ("eager", "reference", "numba"):
                f, variables = build()
                if mode != "eager":
                    f = tf.function(f, backend=mode)
                for call, seed in enumerate(({self.seeds[0]}, {self.seeds[1]})):
                    print(mode, "call", call + 1, f(*inputs(seed, call > 0)),
                          [v.numpy() for v in variables])
            """)
        return header + self.source() + footer


def _c(seed_, shape):
    return tf.constant(const_array(seed_, shape))


def _template(template):
    return lambda prog, step, a: template.format(*a)


RENDER = {
    "exp": _template("tf.exp(tf.tanh({0}))"),
    "log": _template("tf.math.log(tf.abs({0}) + 0.5)"),
    "sqrt": _template("tf.sqrt(tf.abs({0}) + 0.5)"),
    "tanh": _template("tf.tanh({0})"),
    "sigmoid": _template("tf.sigmoid({0})"),
    "relu": _template("tf.nn.relu({0})"),
    "negative": _template("-{0}"),
    "abs": _template("tf.abs({0})"),
    "square": _template("tf.square({0})"),
    "erf": _template("tf.math.erf({0})"),
    "pow2": _template("tf.pow({0}, 2.0)"),
    "mul1": _template("{0} * 1.0"),
    "add0": _template("0.0 + {0}"),
    "sub0": _template("{0} - 0.0"),
    "div1": _template("{0} / 1.0"),
    "add": _template("{0} + {1}"),
    "subtract": _template("{0} - {1}"),
    "multiply": _template("{0} * {1}"),
    "add_fn": _template("tf.add({0}, {1})"),
    "maximum": _template("tf.maximum({0}, {1})"),
    "minimum": _template("tf.minimum({0}, {1})"),
    "truediv": _template("{0} / (tf.abs({1}) + 0.5)"),
    "squared_difference": _template("tf.math.squared_difference({0}, {1})"),
    "where": lambda prog, step, a: (
        f"tf.where({a[0]} {step.attr('cmp')} {a[1]}, {a[2]}, {a[3]})"),
    "reduce": lambda prog, step, a: (
        f"tf.{step.attr('fn')}({a[0]}, axis={step.attr('axis')!r}, "
        f"keepdims={step.attr('keepdims')})"),
    "matmul": lambda prog, step, a: (
        f"tf.matmul({a[0]}, {a[1]}, transpose_a={step.attr('ta')}, "
        f"transpose_b={step.attr('tb')})"),
    "transpose": lambda prog, step, a: (
        f"tf.transpose({a[0]})" if step.attr("perm") is None
        else f"tf.transpose({a[0]}, perm={list(step.attr('perm'))})"),
    "reshape": lambda prog, step, a: f"tf.reshape({a[0]}, {list(step.attr('shape'))})",
    "expand_dims": lambda prog, step, a: f"tf.expand_dims({a[0]}, {step.attr('axis')})",
    "softmax": lambda prog, step, a: f"tf.nn.softmax({a[0]}, axis={step.attr('axis')})",
    "log_softmax": lambda prog, step, a: f"tf.nn.log_softmax({a[0]}, axis={step.attr('axis')})",
    "const_expr": lambda prog, step, a: f"tf.tanh({a[0]}) * 2.0",
    "grad": lambda prog, step, a: (
        f"tape.gradient({prog.name(step.args[0])}, {_source_name(step.args[1])}, "
        "unconnected_gradients=tf.UnconnectedGradients.ZERO)"),
    "read": lambda prog, step, a: (
        f"var{step.args[0][1]}.read_value()" if step.attr("form") == "read_value"
        else f"tf.identity(var{step.args[0][1]})"),
    "update": lambda prog, step, a: (
        f"tf.identity(var{step.args[0][1]}.{step.attr('fn')}({a[1]}))" if step.makes_value
        else f"var{step.args[0][1]}.{step.attr('fn')}({a[1]})"),
}
UNARY = ("exp", "log", "sqrt", "tanh", "sigmoid", "relu", "negative", "abs", "square", "erf",
         "pow2")
IDENTITIES = ("mul1", "add0", "sub0", "div1")
BINARY = ("add", "subtract", "multiply", "add_fn", "maximum", "minimum", "truediv",
          "squared_difference")
REDUCTIONS = ("reduce_sum", "reduce_mean", "reduce_max", "reduce_min")


def _source_name(src):
    kind, i = src
    return f"x{i}" if kind == "x" else f"var{i}"


# -- drawing programs ----------------------------------------------------------------------------

def _bcast(*shapes):
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        return None


def _size(shape):
    return int(np.prod(shape, dtype=np.int64))


@dataclass
class _Val:
    shape: tuple
    bound: float                       # |value| <= bound (inf: unknown)
    ddeps: frozenset = frozenset()     # inputs/variables it depends on differentiably


class _Drawer:
    """Draws one program step by step, tracking each value's shape and magnitude bound."""

    def __init__(self, draw, prog, with_variables):
        self.draw = draw
        self.prog = prog
        self.vals = []
        self.var_bounds = []
        self.with_variables = with_variables

    # -- helpers ----------------------------------------------------------------------------
    def integer(self, lo, hi):
        return self.draw(st.integers(lo, hi))

    def boolean(self):
        return self.draw(st.booleans())

    def choice(self, options):
        return self.draw(st.sampled_from(list(options)))

    def recent(self, candidates):
        """One of `candidates` (value indices), shrinking towards the most recent."""
        candidates = sorted(candidates)
        return candidates[len(candidates) - 1 - self.integer(0, len(candidates) - 1)]

    def shape_like(self, base, max_rank=3):
        """A shape broadcast-compatible with `base`: a suffix of it with some dims set to 1."""
        rank = self.integer(0, len(base))
        dims = list(base[len(base) - rank:])
        for k in range(rank):
            if dims[k] != 1 and self.draw(st.integers(0, 3)) == 0:
                dims[k] = 1
        if len(dims) < max_rank and len(dims) == len(base) and self.draw(st.integers(0, 7)) == 0:
            dims.insert(0, self.integer(1, 3))   # occasionally a constant adds a leading dim
        return tuple(dims)

    def const(self, shape):
        return Const(self.integer(0, 999), tuple(shape))

    def add(self, step, val):
        self.prog.steps.append(step)
        self.prog.shapes.append(val.shape if val is not None else None)
        self.vals.append(val)
        return len(self.vals) - 1

    def value_indices(self, pred=lambda v: True):
        return [i for i, v in enumerate(self.vals) if v is not None and pred(v)]

    def operand(self, shape, allow_scalar=True):
        """A second operand broadcast-compatible with `shape`: a value, a constant or a float."""
        kind = self.draw(st.integers(0, 9))
        if kind <= 5:
            same = self.value_indices(lambda v: _bcast(v.shape, shape) is not None)
            if same:
                return self.recent(same)
        if kind <= 7 or not allow_scalar:
            return self.const(self.shape_like(shape))
        return self.choice([-1.5, -0.5, 0.0, 0.5, 1.0, 2.0])

    def shape_of(self, a):
        if isinstance(a, int):
            return self.vals[a].shape
        if isinstance(a, Const):
            return a.shape
        return ()

    def bound_of(self, a, squash):
        if isinstance(a, float):
            return abs(a)
        if squash:
            return 1.0
        return self.vals[a].bound if isinstance(a, int) else CONST_RANGE

    def ddeps_of(self, *args):
        out = frozenset()
        for a in args:
            if isinstance(a, int):
                out |= self.vals[a].ddeps
        return out

    def emit(self, op, args, attrs, shape, bound_fn, ddeps=None):
        """Adds a step; squashes its operands when the result's bound would exceed LIMIT."""
        squash = False
        bound = bound_fn(*[self.bound_of(a, False) for a in args])
        if not bound <= LIMIT:
            squash = True
            bound = bound_fn(*[self.bound_of(a, True) for a in args])
        ddeps = self.ddeps_of(*args) if ddeps is None else ddeps
        return self.add(Step(op, tuple(args), tuple(attrs), squash), _Val(shape, bound, ddeps))

    # -- ops --------------------------------------------------------------------------------
    def unary(self, x):
        op = self.choice(UNARY + IDENTITIES[:2])
        bounds = {"exp": lambda b: math.e, "log": lambda b: abs(math.log(b + 0.5)) + 0.7,
                  "sqrt": lambda b: math.sqrt(b + 0.5), "tanh": lambda b: 1.0,
                  "sigmoid": lambda b: 1.0, "erf": lambda b: 1.0, "square": lambda b: b * b,
                  "pow2": lambda b: b * b}
        if op in IDENTITIES[:2]:
            op = self.choice(IDENTITIES)
        return self.emit(op, [x], (), self.vals[x].shape, bounds.get(op, lambda b: b))

    def binary(self, x):
        op = self.choice(BINARY)
        y = self.operand(self.vals[x].shape)
        args = [y, x] if self.boolean() and op != "truediv" else [x, y]
        shape = _bcast(self.shape_of(args[0]), self.shape_of(args[1]))
        bounds = {"multiply": lambda a, b: a * b, "maximum": max, "minimum": max,
                  "truediv": lambda a, b: 2 * a, "squared_difference": lambda a, b: (a + b) ** 2}
        return self.emit(op, args, (), shape, bounds.get(op, lambda a, b: a + b))

    def where(self, x):
        shape = self.vals[x].shape
        b = self.operand(shape)
        shape = _bcast(shape, self.shape_of(b))
        p = self.operand(shape)
        shape = _bcast(shape, self.shape_of(p))
        q = self.operand(shape)
        shape = _bcast(shape, self.shape_of(q))
        return self.emit("where", [x, b, p, q], [("cmp", self.choice([">", "<"]))], shape,
                         lambda a, b_, p_, q_: max(p_, q_), ddeps=self.ddeps_of(p, q))

    def reduce(self, x):
        shape = self.vals[x].shape
        fn = self.choice(REDUCTIONS)
        rank = len(shape)
        how = self.integer(0, 3) if rank else 0
        if how == 0:
            axis = None
        elif how == 1:
            axis = self.integer(-rank, rank - 1)
        else:
            axis = tuple(self.draw(st.lists(st.integers(-rank, rank - 1), max_size=rank,
                                            unique_by=lambda a: a % rank)))
        keepdims = self.boolean()
        axes = range(rank) if axis is None else \
            [a % rank for a in ((axis,) if isinstance(axis, int) else axis)]
        n = _size([shape[a] for a in axes])
        out = tuple(1 if k in axes else d for k, d in enumerate(shape) if keepdims or k not in axes)
        bound = (lambda b: b * n) if fn == "reduce_sum" else (lambda b: b)
        return self.emit("reduce", [x], [("fn", fn), ("axis", axis), ("keepdims", keepdims)],
                         out, bound)

    def matmul(self, x):
        a = self.vals[x].shape
        if len(a) < 2:
            return None
        ta, tb = self.boolean(), self.boolean()
        k = a[-2] if ta else a[-1]

        def fits(v):
            if len(v.shape) < 2 or _bcast(v.shape[:-2], a[:-2]) is None:
                return False
            return (v.shape[-1] if tb else v.shape[-2]) == k
        candidates = self.value_indices(fits)
        if candidates and self.draw(st.integers(0, 2)) > 0:
            y = self.recent(candidates)
        else:
            n = self.integer(1, 5)
            y = self.const((n, k) if tb else (k, n))
        b = self.shape_of(y)
        m = a[-1] if ta else a[-2]
        n = b[-2] if tb else b[-1]
        shape = _bcast(a[:-2], b[:-2]) + (m, n)
        return self.emit("matmul", [x, y], [("ta", ta), ("tb", tb)], shape,
                         lambda p, q: p * q * k)

    def shape_op(self, x, kind):
        shape = self.vals[x].shape
        rank = len(shape)
        if kind == "transpose" and rank >= 2:
            perm = None if self.draw(st.integers(0, 3)) == 0 else \
                tuple(self.draw(st.permutations(range(rank))))
            out = tuple(reversed(shape)) if perm is None else tuple(shape[p] for p in perm)
            return self.emit("transpose", [x], [("perm", perm)], out, lambda b: b)
        if kind == "reshape":
            n = _size(shape)
            new_rank = self.integer(0 if n == 1 else 1, 3)
            dims, rest = [], n
            for _ in range(max(new_rank - 1, 0)):
                d = self.choice([d for d in range(1, rest + 1) if rest % d == 0])
                dims.append(d)
                rest //= d
            if new_rank:
                dims.append(rest)
            out = tuple(dims)
            target = list(dims)
            if dims and self.boolean():
                target[self.integer(0, len(dims) - 1)] = -1
            return self.emit("reshape", [x], [("shape", tuple(target))], out, lambda b: b)
        axis = self.integer(-rank - 1, rank)
        out = list(shape)
        out.insert(axis % (rank + 1), 1)
        return self.emit("expand_dims", [x], [("axis", axis)], tuple(out), lambda b: b)

    def softmax(self, x):
        shape = self.vals[x].shape
        if not shape:
            return None
        fn = self.choice(["softmax", "log_softmax"])
        axis = -1 if self.boolean() else self.integer(-len(shape), len(shape) - 1)
        n = shape[axis]
        bound = (lambda b: 1.0) if fn == "softmax" else (lambda b: 2 * b + math.log(n) + 1)
        return self.emit(fn, [x], [("axis", axis)], shape, bound)

    def const_expr(self, base):
        c = self.const(self.shape_like(base))
        return self.add(Step("const_expr", (c,)), _Val(c.shape, 2.0))

    def dup(self):
        """Repeats an earlier pure step verbatim (the same computation twice: CSE's job)."""
        k = [k for k, s in enumerate(self.prog.steps)
             if s.op not in ("grad", "read", "update") and s.makes_value]
        if not k:
            return None
        step = self.prog.steps[self.choice(k)]
        val = self.vals[self.prog.steps.index(step) + self.prog.n_inputs]
        return self.add(step, _Val(val.shape, val.bound, val.ddeps))

    def grad(self):
        if len(self.prog.grad_steps()) >= 2:
            return None
        targets = self.value_indices(lambda v: bool(_sources(v.ddeps)))
        targets = [t for t in targets if t >= self.prog.n_inputs] or targets
        if not targets:
            return None
        t = self.recent(targets)
        src = self.choice(_sources(self.vals[t].ddeps))
        shape = self.prog.input_shapes[src[1]] if src[0] == "x" else \
            self.prog.var_shapes[src[1]]
        return self.add(Step("grad", (t, src)), _Val(tuple(shape), math.inf))

    def read(self):
        j = self.integer(0, len(self.prog.var_shapes) - 1)
        form = self.choice(["read_value", "identity"])
        return self.add(Step("read", (("var", j),), (("form", form),)),
                        _Val(self.prog.var_shapes[j], self.var_bounds[j],
                             frozenset({("var", j)})))

    def update(self, j=None):
        if j is None:
            j = self.integer(0, len(self.prog.var_shapes) - 1)
        vshape = self.prog.var_shapes[j]
        fn = self.choice(["assign_sub", "assign_add", "assign"])
        if fn == "assign":
            fits = self.value_indices(lambda v: v.shape == vshape)
        else:
            fits = self.value_indices(lambda v: _bcast(v.shape, vshape) == vshape)
        if fits and self.draw(st.integers(0, 4)) > 0:
            x = self.recent(fits)
        elif fn == "assign":
            x = self.const(vshape)
        else:  # a delta that broadcasts to the variable's shape
            x = self.const(self.shape_like(vshape, max_rank=len(vshape)))
        squash = not self.bound_of(x, False) <= LIMIT
        b = self.bound_of(x, squash)
        self.var_bounds[j] = b if fn == "assign" else self.var_bounds[j] + b
        makes_value = self.draw(st.integers(0, 3)) == 0
        step = Step("update", (("var", j), x), (("fn", fn),), squash, makes_value)
        # tf.identity(var.assign_sub(...)) is a read of the variable eagerly but the assign's
        # output in a graph; gradients with respect to variables through it are not compared.
        return self.add(step, _Val(vshape, self.var_bounds[j], frozenset({TAINT}))
                        if makes_value else None)


TAINT = ("tainted", -1)
# np.asarray(variable) must be a snapshot that later compiled (in-place) updates leave alone.
VARIABLE_ARRAY_IS_A_SNAPSHOT = True


def _sources(ddeps):
    """The inputs and variables a gradient of a value with these dependencies may be taken
    with respect to (only inputs when the value depends on an update's result)."""
    return sorted(d for d in ddeps if d != TAINT and (d[0] == "x" or TAINT not in ddeps))


OPS = (["unary"] * 5 + ["binary"] * 6 + ["where"] + ["reduce"] * 3 + ["matmul"] * 2
       + ["transpose"] * 2 + ["reshape", "expand_dims"] + ["softmax"] * 2 + ["const_expr"] + ["dup"]
       + ["grad"] * 2)
VARIABLE_OPS = (["unary"] * 4 + ["binary"] * 5 + ["where"] + ["reduce"] + ["softmax"]
                + ["read"] * 3 + ["update"] * 4 + ["dup"] + ["grad"])


@st.composite
def programs(draw, with_variables=False, min_steps=2, max_steps=10):
    # Orders chosen so that shrinking goes towards small but not degenerate shapes.
    base_rank = draw(st.sampled_from([2, 1, 3, 0]))
    base = tuple(draw(st.lists(st.sampled_from([2, 3, 1, 4, 5]), min_size=base_rank,
                               max_size=base_rank)))
    prog = Program(input_shapes=[])
    d = _Drawer(draw, prog, with_variables)
    if with_variables:
        for _ in range(draw(st.integers(1, 2))):
            shape = base if not prog.var_shapes else d.shape_like(base, max_rank=len(base))
            prog.var_shapes.append(tuple(shape))
            prog.var_seeds.append(draw(st.integers(0, 999)))
            d.var_bounds.append(CONST_RANGE)
    for _ in range(draw(st.integers(1, 2 if with_variables else 3))):
        shape = base if not prog.input_shapes else d.shape_like(base, max_rank=len(base))
        prog.input_shapes.append(tuple(shape))
        d.vals.append(_Val(tuple(shape), INPUT_RANGE, frozenset({("x", len(d.vals))})))
    prog.shapes = [v.shape for v in d.vals]
    pool = VARIABLE_OPS if with_variables else OPS
    # One "continue?" draw per step (like st.lists), so shrinking can delete whole steps.
    while len(prog.steps) < min_steps or (len(prog.steps) < max_steps
                                          and draw(st.integers(0, 4)) > 0):
        kind = draw(st.sampled_from(pool))
        x = d.recent(d.value_indices())
        made = None
        if kind in ("unary", "binary", "where", "reduce", "matmul", "softmax"):
            made = getattr(d, kind)(x)
        elif kind in ("transpose", "reshape", "expand_dims"):
            made = d.shape_op(x, kind)
        elif kind == "const_expr":
            made = d.const_expr(d.vals[x].shape)
        elif kind in ("dup", "grad", "read", "update"):
            made = getattr(d, kind)()
        if made is None:
            d.unary(x)
    if with_variables and not any(s.op == "update" for s in prog.steps):
        d.update(0)
    produced = [i for i in d.value_indices() if i >= prog.n_inputs]
    if with_variables and draw(st.integers(0, 5)) == 0:
        prog.outputs = ()
    elif produced:
        first = produced[-1] if draw(st.integers(0, 3)) else d.recent(produced)
        prog.outputs = (first,) + ((d.recent(produced),) if draw(st.booleans()) else ())
        if draw(st.integers(0, 9)) == 0:  # fetching an input is fetching a placeholder
            prog.outputs += (draw(st.integers(0, prog.n_inputs - 1)),)
    else:
        prog.outputs = (d.recent(d.value_indices()),)
    prog.seeds = (draw(st.integers(0, 2**31)), draw(st.integers(0, 2**31)))
    return prog


# -- running programs ----------------------------------------------------------------------------

class Result:
    """Fetched outputs and variable values after each call, as NumPy copies."""

    def __init__(self):
        self.calls = []    # [(outputs, variable values)]

    def add(self, outputs, variables, peek=False):
        """peek: read variables without handing their arrays out (Variable.numpy() marks an
        array as exported, which stops compiled updates from writing it in place later)."""
        values = [v._storage() if peek else v.numpy() for v in variables]
        self.calls.append(([_array(o) for o in _flat(outputs)],
                           [np.array(v, copy=True) for v in values]))


def _flat(outputs):
    if outputs is None:
        return []
    return list(outputs) if isinstance(outputs, (tuple, list)) else [outputs]


def _array(t):
    return np.array(t.numpy() if hasattr(t, "numpy") else t, copy=True)


def run_eager(prog, calls):
    """(Result, scale, margin) of the eager run: scale is the largest magnitude of any value,
    margin the smallest distance of a comparison or taped kink from its threshold."""
    f, variables = prog.build(debug=True)
    result = Result()
    scale, margin = 1.0, math.inf
    for call in range(calls):
        xs = [tf.constant(a) for a in prog.inputs(call)]
        outputs, values = f(*xs)
        arrays = [None if v is None else np.asarray(v.numpy()) for v in values]
        result.add(outputs, variables)
        for a in arrays + [v for v in result.calls[-1][1]]:
            if a is not None and a.size:
                scale = max(scale, float(np.max(np.abs(a))))
        margin = min(margin, kink_margin(prog, arrays))
    return result, scale, margin


def kink_margin(prog, arrays):
    """How close any `where` comparison, or a kink the tape differentiates, is to flipping
    (exact ties do not count: they are computed identically by every configuration)."""
    grads = prog.grad_steps()
    last_taped = grads[-1] if grads else -1

    def arr(a, squash):
        x = arrays[a] if isinstance(a, int) else a.array() if isinstance(a, Const) else \
            np.float32(a)
        return np.tanh(x) if squash and not isinstance(a, float) else x

    def gap(d):
        d = np.abs(np.asarray(d, dtype=np.float64))
        d = d[d > 0]
        return float(d.min()) if d.size else math.inf

    margin = math.inf
    for k, step in enumerate(prog.steps):
        s, a = step.squash, step.args
        if step.op == "where":
            margin = min(margin, gap(arr(a[0], s) - arr(a[1], s)))
        if k > last_taped:
            continue
        if step.op in ("relu", "abs", "log", "sqrt"):
            margin = min(margin, gap(arr(a[0], s)))
        elif step.op == "truediv":
            margin = min(margin, gap(arr(a[1], s)))
        elif step.op in ("maximum", "minimum"):
            margin = min(margin, gap(arr(a[0], s) - arr(a[1], s)))
        elif step.op == "reduce" and step.attr("fn") in ("reduce_max", "reduce_min"):
            x = np.asarray(arr(a[0], s), dtype=np.float64)
            axis = step.attr("axis")
            axes = tuple(range(x.ndim)) if axis is None else \
                tuple(sorted({v % x.ndim for v in ((axis,) if isinstance(axis, int) else axis)}))
            if not axes:
                continue
            moved = np.moveaxis(x, axes, tuple(range(x.ndim - len(axes), x.ndim)))
            flat = np.sort(moved.reshape(-1, _size([x.shape[i] for i in axes])), axis=1)
            if flat.shape[1] > 1:
                top = flat[:, -1] - flat[:, -2] if step.attr("fn") == "reduce_max" else \
                    flat[:, 1] - flat[:, 0]
                margin = min(margin, gap(top))
    return margin


def run_function(prog, calls, backend, peek=False, tiered=False, device=None, relaxed=False):
    """The program traced by graphflow.function on `backend`. On numba, tiered=False compiles
    every kernel before the first call returns; tiered=True lets the first call run on the
    reference interpreter while kernels compile, then waits for them before the next call.
    device="/GPU:0" builds the variables and runs the calls on the CUDA target (simulator).
    relaxed=True traces with every input dim unknown, so each call's plan comes from the graph
    specialized to its shapes.

    Also checks that arrays returned by a call (outputs, and variable values unless `peek`)
    are not changed by later calls (output buffer reuse, the arena, in-place variable writes).
    """
    if device is not None:
        with tf.device(device):
            return run_function(prog, calls, backend, peek, tiered, relaxed=relaxed)
    f, variables = prog.build()
    signature = [tf.TensorSpec([None] * len(shape), tf.float32) for shape in prog.input_shapes]
    fn = tf.function(f, backend=backend, input_signature=signature if relaxed else None)
    result = Result()
    held = []
    previous = tf.config.get_tiered_compilation()
    tf.config.set_tiered_compilation(tiered)
    try:
        for call in range(calls):
            # The second call passes non-contiguous arrays (negative strides): kernels must
            # not assume C-contiguous inputs.
            xs = [tf.constant(_strided(a) if call else a) for a in prog.inputs(call)]
            outputs = fn(*xs)
            if tiered:
                fn.get_concrete_function(*xs).kernels()  # waits for the background compile
            # np.asarray gives the arrays behind the tensors (numpy() of rank 0 is a scalar).
            arrays = [(f"output {k} of call {call + 1}", _storage(t))
                      for k, t in enumerate(_flat(outputs))]
            for j, v in enumerate(variables):
                if not peek:
                    arrays.append((f"var{j}.value() after call {call + 1}", _storage(v.value())))
                elif VARIABLE_ARRAY_IS_A_SNAPSHOT:
                    arrays.append((f"np.asarray(var{j}) after call {call + 1}", np.asarray(v)))
            held += [(what, a, np.array(_now(a), copy=True)) for what, a in arrays]
            result.add(outputs, variables, peek)
        if relaxed and backend == "numba" and any(prog.input_shapes):
            executable = fn.get_concrete_function(*xs)._executable
            assert not executable.optimized.static  # the property's premise: dims unknown
    finally:
        tf.config.set_tiered_compilation(previous)
    for what, a, then in held:
        now = _now(a)
        if not np.array_equal(now, then, equal_nan=True):
            raise AssertionError(f"{what} was modified by a later call:\n"
                                 f"then {then!r}\nnow  {now!r}")
    return result


def _strided(a):
    """The same values in a non-contiguous array (reversed last axis, viewed reversed)."""
    return a[..., ::-1].copy()[..., ::-1] if a.ndim and a.shape[-1] > 1 else a


def run_optimized(prog, calls, options):
    """The traced graph optimized with `options`, run on the reference interpreter."""
    f, variables = prog.build()
    concrete = tf.function(f).get_concrete_function(
        *[tf.TensorSpec(s, tf.float32) for s in prog.input_shapes])
    targets = [n for n in concrete._stateful_nodes()
               if n.kind == "stateful" and n.type != "read_variable"]
    prepared = with_interface(concrete.graph, concrete.inputs, concrete.outputs, targets)
    graph, _ = pipeline.optimize(prepared, dict(options, verify_after_each_pass=True))
    executable = reference.compile(graph, graph.outputs, graph.inputs, graph.targets)
    result = Result()
    for call in range(calls):
        result.add(executable.run([_strided(a) if call else a for a in prog.inputs(call)]),
                   variables)
    return result


def all_passes(enabled):
    return {name: enabled for name in pipeline.PASS_NAMES}


def pass_configurations():
    configs = [("optimized: all passes", all_passes(True))]
    for name in pipeline.PASS_NAMES:
        configs.append((f"optimized: only {name}", dict(all_passes(False), **{name: True})))
    for name in pipeline.PASS_NAMES:
        configs.append((f"optimized: all but {name}", dict(all_passes(True), **{name: False})))
    return configs


# -- comparing -----------------------------------------------------------------------------------

def _describe_difference(got, want, atol):
    if got.shape != want.shape:
        return f"shape {got.shape} != expected {want.shape}"
    if got.dtype != want.dtype:
        return f"dtype {got.dtype} != expected {want.dtype}"
    close = np.isclose(got, want, rtol=RTOL, atol=atol, equal_nan=True)
    if close.all():
        return None
    bad = np.argwhere(~close)[:5]
    diff = np.abs(got.astype(np.float64) - want)
    lines = [f"{int((~close).sum())} of {got.size} elements differ; largest |difference| "
             f"{np.nanmax(np.where(close, 0, diff)):.3g} (atol {atol:.3g}, rtol {RTOL})"]
    for idx in bad:
        idx = tuple(idx)
        lines.append(f"  at {list(idx)}: got {got[idx]!r}, expected {want[idx]!r}")
    return "\n".join(lines)


def assert_agree(prog, config, got, want, scale):
    atol = ATOL * scale
    problems = []
    for call, ((g_out, g_var), (w_out, w_var)) in enumerate(zip(got.calls, want.calls)):
        if len(g_out) != len(w_out):
            problems.append(f"call {call + 1}: {len(g_out)} outputs, expected {len(w_out)}")
            continue
        for k, (g, w) in enumerate(zip(g_out, w_out)):
            why = _describe_difference(g, w, atol)
            if why:
                problems.append(f"call {call + 1}, output {k} "
                                f"({prog.name(prog.outputs[k])}): {why}")
        for j, (g, w) in enumerate(zip(g_var, w_var)):
            why = _describe_difference(g, w, atol)
            if why:
                problems.append(f"call {call + 1}, var{j} after the call: {why}")
    if problems:
        raise AssertionError(
            f"configuration {config!r} disagrees with eager execution:\n" + "\n".join(problems)
            + f"\n\nprogram:{prog!r}\n\nreproducer:\n{prog.reproducer()}")


def _storage(t):
    """The array behind a tensor where it lives (a device array for GPU tensors, whose host
    copies are cached and would hide later writes on the device)."""
    from graphflow.tensor import DeviceTensor
    return t._device_array if type(t) is DeviceTensor else np.asarray(t)


def _now(a):
    return a.copy_to_host() if hasattr(a, "copy_to_host") else a


def check(prog, config, run, want, scale):
    try:
        got = run()
    except AssertionError as e:
        raise AssertionError(f"configuration {config!r}: {e}\n\nprogram:{prog!r}") from e
    except Exception as e:
        raise AssertionError(
            f"configuration {config!r} raised {type(e).__name__}: {e}\n\nprogram:{prog!r}"
            f"\n\nreproducer:\n{prog.reproducer()}") from e
    assert_agree(prog, config, got, want, scale)


def eager_ground_truth(prog, calls):
    note(f"program:{prog!r}")
    want, scale, margin = run_eager(prog, calls)
    assume(margin >= MARGIN * scale)  # a rounding difference could flip a branch
    return want, scale


# -- properties ----------------------------------------------------------------------------------

@_fuzz_seed
@_settings(360)
@given(prog=programs())
def test_passes_preserve_semantics(prog):
    """Eager == reference backend == the optimized graph under every pass subset tried."""
    want, scale = eager_ground_truth(prog, calls=2)
    check(prog, "function(backend='reference')",
          lambda: run_function(prog, 2, "reference"), want, scale)
    for config, options in pass_configurations():
        check(prog, config, lambda: run_optimized(prog, 2, options), want, scale)


@_fuzz_seed
@_settings(75, shrink=False)
@given(prog=programs(min_steps=4, max_steps=10))
def test_numba_backend_matches_eager(prog):
    """Eager == reference backend == the numba backend with every pass (two calls)."""
    want, scale = eager_ground_truth(prog, calls=2)
    check(prog, "function(backend='reference')",
          lambda: run_function(prog, 2, "reference"), want, scale)
    check(prog, "function(backend='numba'), all passes",
          lambda: run_function(prog, 2, "numba"), want, scale)
    check(prog, "function(backend='numba'), all passes, tiered compilation",
          lambda: run_function(prog, 2, "numba", tiered=True), want, scale)
    check(prog, "function(backend='numba'), all passes, every input dim unknown",
          lambda: run_function(prog, 2, "numba", relaxed=True), want, scale)


@_fuzz_seed
@_settings(240)
@given(prog=programs(with_variables=True, max_steps=8))
def test_variable_updates_preserve_semantics(prog):
    """Variables after one and two calls, eager == reference backend == every pass subset."""
    want, scale = eager_ground_truth(prog, calls=2)
    check(prog, "function(backend='reference')",
          lambda: run_function(prog, 2, "reference"), want, scale)
    for config, options in pass_configurations():
        check(prog, config, lambda: run_optimized(prog, 2, options), want, scale)


@_fuzz_seed
@_settings(40, shrink=False)
@given(prog=programs(with_variables=True, max_steps=6))
def test_variable_updates_on_numba(prog):
    """Variables after one and two calls, eager == the numba backend (in-place updates)."""
    want, scale = eager_ground_truth(prog, calls=2)
    check(prog, "function(backend='numba'), all passes, variables peeked between calls",
          lambda: run_function(prog, 2, "numba", peek=True), want, scale)
    check(prog, "function(backend='numba'), all passes, variables read between calls",
          lambda: run_function(prog, 2, "numba"), want, scale)
    check(prog, "function(backend='numba'), all passes, tiered compilation",
          lambda: run_function(prog, 2, "numba", tiered=True), want, scale)


# -- the harness itself ----------------------------------------------------------------------------

def test_rendered_source_is_the_program():
    """A fixed program renders to the expected source and computes what NumPy says."""
    prog = Program(input_shapes=[(3, 1), (4,)], var_shapes=[(3, 4)], var_seeds=[5])
    prog.steps = [Step("add", (0, 1)),
                  Step("reduce", (2,), (("fn", "reduce_sum"), ("axis", 1), ("keepdims", True))),
                  Step("grad", (3, ("x", 0))),
                  Step("update", (("var", 0), 2), (("fn", "assign_sub"),), False, False)]
    prog.shapes = [(3, 1), (4,), (3, 4), (3, 1), (3, 1), None]
    prog.outputs = (3, 4)
    src = prog.source()
    assert "    with tf.GradientTape(persistent=True) as tape:" in src
    assert ("            v4 = tape.gradient(v3, x0, "
            "unconnected_gradients=tf.UnconnectedGradients.ZERO)") in src
    assert "        var0.assign_sub(v2)" in src
    assert "        return v3, v4" in src
    want, _, _ = run_eager(prog, 2)
    (out, var), _ = want.calls
    x0, x1 = prog.inputs(0)
    np.testing.assert_allclose(out[0], np.sum(x0 + x1, axis=1, keepdims=True), rtol=1e-6)
    np.testing.assert_allclose(out[1], np.full((3, 1), 4.0), rtol=1e-6)
    np.testing.assert_allclose(var[0], const_array(5, (3, 4)) - (x0 + x1), rtol=1e-6)
    compiled = run_function(prog, 2, "numba")
    assert_agree(prog, "numba", compiled, want, 1.0)


@pytest.mark.parametrize("options", [all_passes(True), all_passes(False)])
def test_pass_configurations_are_valid(options):
    pipeline.resolve_options(options)
    assert len(pass_configurations()) == 1 + 2 * len(pipeline.PASS_NAMES)


# -- bugs this harness found (fixed in 1ebf9e1), as plain regression tests --------------------

def test_gradient_through_read_value_in_function():
    """Variable.read_value() in a traced function must be seen by the tape (it was not: the
    gradient with respect to the variable was None on the graph backends)."""
    v = tf.Variable(0.5)

    def f():
        with tf.GradientTape() as tape:
            y = tf.exp(v.read_value())
        return tape.gradient(y, v)

    np.testing.assert_allclose(f().numpy(), np.exp(0.5), rtol=1e-6)
    for backend in ("reference", "numba"):
        traced = tf.function(f, backend=backend)()
        assert traced is not None, backend
        np.testing.assert_allclose(traced.numpy(), np.exp(0.5), rtol=1e-6)


def test_fetched_view_of_an_intermediate_survives_next_call():
    """A fetched expand_dims (a NumPy view) of a kernel output planned in the arena must not
    be overwritten by the next call (it was: every returned array aliased the arena)."""
    previous = tf.config.get_tiered_compilation()
    tf.config.set_tiered_compilation(False)
    try:
        f = tf.function(lambda x: tf.expand_dims(x / (tf.abs(x) + 0.5), 0))
        first = f(tf.constant([0.75, -1.0]))
        expected = first.numpy().copy()
        second = f(tf.constant([-0.3, 2.0]))
        f(tf.constant([1.3, 0.0]))
    finally:
        tf.config.set_tiered_compilation(previous)
    np.testing.assert_array_equal(first.numpy(), expected)
    np.testing.assert_allclose(second.numpy(), [[-0.375, 0.8]], rtol=1e-6)


# -- regression tests for bugs the fuzzer found -----------------------------------------------------

@pytest.mark.parametrize("backend", ["reference", "numba"])
def test_gradient_through_an_assign_result_matches_eager(backend):
    def make():
        v = tf.Variable(0.5)

        def f(x):
            with tf.GradientTape() as tape:
                y = tf.identity(v.assign_sub(x)) * 3.0
            return tape.gradient(y, v, unconnected_gradients=tf.UnconnectedGradients.ZERO)
        return f

    x = tf.constant(0.25)
    eager = make()(x).numpy()
    traced = tf.function(make(), backend=backend)(x).numpy()
    np.testing.assert_allclose(traced, eager, rtol=1e-6)


def test_numpy_array_of_a_variable_is_a_snapshot():
    previous = tf.config.get_tiered_compilation()
    tf.config.set_tiered_compilation(False)
    try:
        v = tf.Variable([1.0, 2.0])
        f = tf.function(lambda x: v.assign_sub(x * 2.0))
        x = tf.constant([0.5, 0.5])
        f(x)                      # v now holds a buffer the compiled update owns
        held = np.asarray(v)
        f(x)
    finally:
        tf.config.set_tiered_compilation(previous)
    np.testing.assert_array_equal(held, [0.0, 1.0])


# -- the CUDA target, under the Numba CUDA simulator (tests/conftest.py) ---------------------------

@_fuzz_seed
@_settings(16, shrink=False)
@given(prog=programs(min_steps=3, max_steps=8))
def test_cuda_target_matches_eager(prog):
    """Eager on the CPU == the same program traced and run on /GPU:0 (two calls)."""
    want, scale = eager_ground_truth(prog, calls=2)
    check(prog, "function on /GPU:0, all passes",
          lambda: run_function(prog, 2, "numba", device="/GPU:0"), want, scale)


@_fuzz_seed
@_settings(10, shrink=False)
@given(prog=programs(with_variables=True, max_steps=6))
def test_variable_updates_on_cuda(prog):
    """Variables on /GPU:0 after one and two calls == eager on the CPU (in-place updates)."""
    want, scale = eager_ground_truth(prog, calls=2)
    check(prog, "function on /GPU:0, variables peeked between calls",
          lambda: run_function(prog, 2, "numba", peek=True, device="/GPU:0"), want, scale)
    check(prog, "function on /GPU:0, variables read between calls",
          lambda: run_function(prog, 2, "numba", device="/GPU:0"), want, scale)


# -- dtype chains: casts through bool, 8-bit, 32/64-bit integers and 16/32/64-bit floats ----------
#
# A second program family: one float32 input of quarter-integers in [-20, 20] (zeros included),
# then 2-7 steps of casts, elementwise arithmetic, comparisons, logical ops and `where` over the
# dtypes below. The ground truth is the same source run on a NumPy model of TF's semantics
# (casts truncate toward zero, x != 0 to bool, integers wrap); eager, the reference backend and
# the compiled kernels (CPU, and the CUDA target under the simulator) must all equal it. Draws
# track a magnitude bound per value so that no step is undefined in TF (a float cast to an
# integer type that cannot hold it, overflow of int32/int64 or to float16 infinity); narrowing
# integer casts and 8-bit arithmetic wrap, which is defined, and are drawn on purpose. Values
# stay exactly representable, so every configuration must agree exactly (FMA contraction included).

CHAIN_DTYPES = ("bool", "int8", "uint8", "int32", "int64", "float16", "float32", "float64")
_INT_RANGE = {"int8": (-128, 127), "uint8": (0, 255), "int32": (-2**31, 2**31 - 1),
              "int64": (-2**63, 2**63 - 1)}
_SAFE = {"int32": 2**30, "int64": 2**62, "float16": 2048, "float32": 2**24, "float64": 2**40}
_WRAPS = ("int8", "uint8")   # arithmetic may overflow and wrap (drawn on purpose)


class _NumpyModel:
    """The handful of tf functions a dtype chain uses, on NumPy arrays with TF's semantics."""

    int8, uint8, int32, int64 = np.int8, np.uint8, np.int32, np.int64
    float16, float32, float64, bool = np.float16, np.float32, np.float64, np.bool_

    @staticmethod
    def cast(x, dtype):
        return np.asarray(x).astype(dtype)

    add, subtract, multiply = staticmethod(np.add), staticmethod(np.subtract), \
        staticmethod(np.multiply)
    maximum, minimum, abs = staticmethod(np.maximum), staticmethod(np.minimum), staticmethod(np.abs)
    negative, greater, less = staticmethod(np.negative), staticmethod(np.greater), \
        staticmethod(np.less)
    equal, not_equal = staticmethod(np.equal), staticmethod(np.not_equal)
    logical_and, logical_or = staticmethod(np.logical_and), staticmethod(np.logical_or)
    logical_xor, logical_not = staticmethod(np.logical_xor), staticmethod(np.logical_not)
    where = staticmethod(np.where)


@dataclass
class DtypeChain:
    lines: list          # "tf.cast(v0, tf.int8)" ...: the expression of v1, v2, ...
    dtypes: list         # dtype name of v0, v1, ...
    outputs: tuple
    seed: int
    size: int

    def source(self):
        body = [f"    v{k + 1} = {e}  # {self.dtypes[k + 1]}" for k, e in enumerate(self.lines)]
        outs = ", ".join(f"v{i}" for i in self.outputs)
        return "\n".join(["def f(v0):"] + body + [f"    return {outs},"])

    def function(self, module):
        namespace = {"tf": module}
        exec(compile(self.source(), "<dtype chain>", "exec"), namespace)  # noqa: S102
        return namespace["f"]

    def input(self):
        rng = np.random.default_rng(self.seed)
        values = rng.integers(-80, 81, self.size) / 4.0
        values[rng.random(self.size) < 0.25] = 0.0
        return values.astype(np.float32)

    def __repr__(self):
        return (f"\n# v0 = np.random.default_rng({self.seed}).integers(-80, 81, {self.size}) / 4"
                f" with zeros (float32)\n" + self.source())

    def _repr_pretty_(self, printer, cycle):
        printer.text(repr(self))


@st.composite
def dtype_chains(draw):
    dtypes, bounds, lines = ["float32"], [20.0], []

    def of(dtype):
        return [i for i, d in enumerate(dtypes) if d == dtype]

    def cast_ok(i, target):
        """A cast of v_i to target is defined in TF (and so the same everywhere)."""
        source, bound = dtypes[i], bounds[i]
        if source.startswith("float") and target in _INT_RANGE:
            return bound < _INT_RANGE[target][1]
        return not (target == "float16" and bound > 60000)

    def cast_bound(i, target):
        if target == "bool":
            return 1.0
        if target in _INT_RANGE and bounds[i] > _INT_RANGE[target][1]:
            return float(max(-_INT_RANGE[target][0], _INT_RANGE[target][1]))
        return bounds[i]

    def add(expr, dtype, bound):
        lines.append(expr)
        dtypes.append(dtype)
        bounds.append(bound)

    for _ in range(draw(st.integers(2, 7))):
        # mostly the latest value, so that chains are long rather than pruned away
        last = len(dtypes) - 1
        i = last if draw(st.integers(0, 2)) else draw(st.integers(0, last))
        d = dtypes[i]
        kind = draw(st.sampled_from(["cast", "cast", "binary", "compare", "where", "unary"]))
        if kind == "cast":
            target = draw(st.sampled_from(CHAIN_DTYPES))
            x = f"v{i}"
            if target == "uint8" and d.startswith("float"):
                x = f"tf.abs({x})"  # a negative float to uint8 is undefined
            if target != d and cast_ok(i, target):
                add(f"tf.cast({x}, tf.{target})", target, cast_bound(i, target))
            continue
        # the second operand: an earlier value cast to v_i's dtype (when that cast is defined)
        j = draw(st.integers(0, len(dtypes) - 1))
        if dtypes[j] != d and not cast_ok(j, d):
            continue
        y = f"v{j}" if dtypes[j] == d else f"tf.cast(v{j}, tf.{d})"
        yb = cast_bound(j, d)
        if kind == "compare":
            # TF orders numbers only: greater/less of bools is an error there too
            op = draw(st.sampled_from(["equal", "not_equal"] if d == "bool" else
                                      ["greater", "less", "equal", "not_equal"]))
            add(f"tf.{op}(v{i}, {y})", "bool", 1.0)
        elif kind == "where":
            conditions = of("bool")
            if conditions:
                c = draw(st.sampled_from(conditions))
                add(f"tf.where(v{c}, v{i}, {y})", d, max(bounds[i], yb))
        elif kind == "unary":
            if d == "bool":
                add(f"tf.logical_not(v{i})", d, 1.0)
            elif d != "uint8":
                op = draw(st.sampled_from(["abs", "negative"]))
                add(f"tf.{op}(v{i})", d, bounds[i])
        elif d == "bool":
            op = draw(st.sampled_from(["logical_and", "logical_or", "logical_xor"]))
            add(f"tf.{op}(v{i}, {y})", d, 1.0)
        else:
            op = draw(st.sampled_from(["add", "subtract", "multiply", "maximum", "minimum"]))
            bound = {"multiply": bounds[i] * yb, "add": bounds[i] + yb,
                     "subtract": bounds[i] + yb}.get(op, max(bounds[i], yb))
            if d in _WRAPS:
                bound = cast_bound(i, d) if bound > 127 else bound
                bound = max(bound, 128.0) if bounds[i] * yb > 127 and op == "multiply" else bound
            elif bound > _SAFE[d] or (op == "multiply" and d.startswith("float")
                                       and bounds[i] * yb > 400):
                continue  # could overflow, or stop being exact in float16
            add(f"tf.{op}(v{i}, {y})", d, bound)
    assume(lines)
    n = len(dtypes)
    outputs = (n - 1,) + ((draw(st.integers(1, n - 2)),) if n > 2 and draw(st.booleans()) else ())
    return DtypeChain(lines, dtypes, outputs, draw(st.integers(0, 2**16)),
                      draw(st.sampled_from([1, 7, 64])))


def _chain_results(chain, run):
    return [np.asarray(o.numpy() if hasattr(o, "numpy") else o) for o in run]


def check_chain(chain, devices):
    note(f"program:{chain!r}")
    x = chain.input()
    want = _chain_results(chain, chain.function(_NumpyModel)(x))
    f = chain.function(tf)
    runs = [("eager", lambda: f(tf.constant(x))),
            ("function(backend='reference')",
             lambda: tf.function(f, backend="reference", autograph=False)(tf.constant(x)))]
    for device in devices:
        def compiled(device=device):
            with tf.device(device):
                return tf.function(f, backend="numba", autograph=False)(tf.constant(x))
        runs.append((f"function on {device}", compiled))
    for config, run in runs:
        try:
            got = _chain_results(chain, run())
        except Exception as e:
            raise AssertionError(f"{config} raised {type(e).__name__}: {e}\n\nprogram:{chain!r}") \
                from e
        for k, (g, w) in enumerate(zip(got, want)):
            assert g.dtype == w.dtype and g.shape == w.shape, \
                f"{config}: output {k} is {g.dtype}{list(g.shape)}, want {w.dtype}{list(w.shape)}" \
                f"\n\nprogram:{chain!r}"
            if not np.array_equal(g, w):
                bad = np.flatnonzero(g.reshape(-1) != w.reshape(-1))[:5]
                raise AssertionError(
                    f"{config}: output {k} differs at {bad.tolist()}: got "
                    f"{g.reshape(-1)[bad].tolist()}, want {w.reshape(-1)[bad].tolist()}; "
                    f"input {x.reshape(-1)[bad].tolist()}\n\nprogram:{chain!r}")


@_fuzz_seed
@_settings(60, shrink=False)
@given(chain=dtype_chains())
def test_dtype_chains_match_numpy_semantics(chain):
    """Eager == reference backend == compiled CPU kernels == NumPy, exactly, over dtype chains."""
    check_chain(chain, ["/CPU:0"])


@_fuzz_seed
@_settings(10, shrink=False)
@given(chain=dtype_chains())
def test_dtype_chains_on_cuda(chain):
    """The same dtype chains on the CUDA target (simulator)."""
    check_chain(chain, ["/GPU:0"])


@pytest.mark.parametrize("device", ["/CPU:0", "/GPU:0"])
def test_fused_cast_to_bool_is_x_not_equal_zero(device):
    """Regression (issue 13): fused kernels dropped a cast to bool, and a bool cast feeding
    logical_and failed inside Numba."""
    x = tf.constant([.5, -1., 0.])
    with tf.device(device):
        f = tf.function(lambda x: tf.cast(tf.cast(x, tf.bool), tf.float32) * x + 1.0)
        np.testing.assert_array_equal(f(x).numpy(), [1.5, 0., 1.])
        g = tf.function(lambda x: tf.cast(tf.cast(x, tf.bool), tf.float32))
        np.testing.assert_array_equal(g(x).numpy(), [1., 1., 0.])
        h = tf.function(lambda x: tf.logical_and(tf.cast(x, tf.bool), x > 0.))
        np.testing.assert_array_equal(h(x).numpy(), [True, False, False])
        k = tf.function(lambda x: tf.cast(tf.logical_and(tf.cast(x, tf.bool), x > 0.),
                                          tf.float32) * 2.0)
        np.testing.assert_array_equal(k(x).numpy(), [2., 0., 0.])
