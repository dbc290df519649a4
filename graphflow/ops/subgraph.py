"""Subgraphs: Python functions traced into graphs of their own (the branches of tf.cond and
tf.switch_case, the condition and body of tf.while_loop), held in a control-flow node's attrs.

A `Body` is one traced function (TF's FuncGraph). Its graph's inputs are the function's
explicit arguments (a loop's variables) followed by the tensors it captured from the enclosing
graph, which become inputs of the control-flow node; its outputs are the function's flattened
results. Tracing a body:

  * runs with the enclosing graph's tapes paused: a tape records the control-flow node, whose
    gradient rule differentiates the body (`Body.gradient`), never the ops inside it;
  * captures outer tensors through every enclosing body (graph/builder.py), so a node only
    ever reads tensors of its own graph;
  * hoists variable reads: a variable that no body of the op assigns cannot change while the
    op runs, so reading it just before the op is the same. Its reads become captures of one
    read in the enclosing graph, where tapes watch it, so gradients reach the variable.
    Variables the op assigns stay read inside, in program order.

Bodies run on the reference interpreter, installed by graphflow/__init__ (`set_executor`): the
ops layer cannot import the backends. Compiled plans instead lower each body into a sub-plan of
their own kind (compiler/control_flow.py). Passes treat a node with bodies as one op;
`variables_touched` says which variables its bodies read and write, so nothing is reordered
across it.

    >>> import graphflow as tf
    >>> g = tf.Graph()
    >>> with g.as_default():
    ...     x = tf.compat.v1.placeholder(tf.float32, [], name="x")
    ...     y = tf.cond(x > 0.0, lambda: x * 2.0, lambda: -x)
    >>> print(g.get_operation_by_name("cond").attrs["branches"][0].graph.as_text())
    capture_x: float32[] = placeholder(shape=(), dtype='float32', name='capture_x')
    Const: float32[] = const(value=2.)
    multiply: float32[] = multiply(capture_x:0, Const:0)
"""
import logging
import threading

from graphflow import dtypes
from graphflow.context import context
from graphflow.errors import GraphflowError, InvalidArgumentError, UnimplementedError
from graphflow.graph.ir import Graph
from graphflow.ops.registry import RANDOM, STATEFUL, Spec, dispatch
from graphflow.tensor import SymbolicTensor, Tensor, Variable
from graphflow.utils import nest

_executor = None  # compile(graph, fetches, feeds, targets) -> an object with run(arrays)
logger = logging.getLogger("graphflow")


def set_executor(compile_fn):
    """Installs how bodies run: graphflow/__init__ installs the reference interpreter."""
    global _executor
    _executor = compile_fn


def differentiable(t):
    return dtypes.is_differentiable(t.dtype)


class Body:
    """One traced function: `graph` (inputs: n_args arguments, then captures), the outer
    tensors the captures stand for (`captured`, set once every body of the op is traced), and
    lazily built executables and gradients.

    The compiler optimizes body graphs too (compiler/bodies.py): `with_graph` makes the
    optimized Body, which runs the new graph but answers for shapes, effects and gradients
    with the traced one (`source`)."""

    def __init__(self, graph, n_args, name):
        self.graph = graph
        self.n_args = n_args
        self.name = name
        self.captured = []
        self.source = self        # the traced body (another one for an optimized body)
        self._recorded = None     # an optimized body's tensors for source.recorded()
        self._lock = threading.RLock()
        self._executables = {}
        self._gradients = {}
        self._trace_specs = None

    def __repr__(self):
        return f"<body {self.name}: {len(self.graph.nodes)} nodes>"

    def with_graph(self, graph, recorded=None, captured=()):
        """The same function computed by another graph (the compiler's optimized one): the
        same arguments, the captures followed by `captured` (outer values the compiler hoisted
        out of the body, fed to new placeholders at the end of graph.inputs), the same outputs.
        `recorded` lists the tensors of `graph` holding the values of the traced body's
        recorded() intermediates, in order (None: a run never records). The new Body has its
        own executables; shapes, effects and gradients stay the traced body's, so this one is
        only ever run, never differentiated (it is never shared with the traced graph).

            >>> import graphflow as tf
            >>> g = tf.Graph()
            >>> with g.as_default():
            ...     x = tf.compat.v1.placeholder(tf.float32, [], name="x")
            ...     y = tf.cond(x > 0.0, lambda: x * 2.0, lambda: -x)
            >>> traced = g.get_operation_by_name("cond").attrs["branches"][0]
            >>> same = traced.with_graph(traced.graph, recorded=[])
            >>> same.source is traced, same.run([np.float32(3.0)])[0]
            (True, array(6., dtype=float32))
        """
        old = list(self.graph.inputs) + list(self.graph.outputs)
        new = list(graph.inputs[:len(self.graph.inputs)]) + list(graph.outputs)
        if len(graph.inputs) != len(self.graph.inputs) + len(captured) or len(new) != len(old) \
                or any(a.dtype is not b.dtype for a, b in zip(old, new)):
            raise InvalidArgumentError(
                f"internal compiler error: the optimized graph of body {self.name!r} changed "
                "its interface (its inputs or outputs)")
        body = Body(graph, self.n_args, self.name)
        body.source = self.source
        body.captured = list(self.captured) + list(captured)
        body._recorded = None if recorded is None else list(recorded)
        return body

    @property
    def stateful(self):
        """Whether running the body has effects (reads or writes variables, prints, asserts,
        draws random numbers), directly or in a nested body."""
        return any(n.kind in (STATEFUL, RANDOM) for n in self.source.graph.nodes)

    # -- shapes ------------------------------------------------------------------------------
    def output_specs(self, specs, op_name):
        """The Specs of the outputs when the inputs have `specs` (checked against the traced
        placeholders: same count and dtypes, compatible shapes). An optimized body answers
        with its traced body's shape rules (hoisted captures are not among their inputs)."""
        if self.source is not self:
            if len(specs) != len(self.graph.inputs):
                raise InvalidArgumentError(f"{op_name}: {len(specs)} inputs given but body "
                                           f"{self.name!r} takes {len(self.graph.inputs)}")
            return self.source.output_specs(specs[:len(self.source.graph.inputs)], op_name)
        inputs = self.graph.inputs
        if len(specs) != len(inputs):
            raise InvalidArgumentError(
                f"{op_name}: {len(specs)} inputs given but body {self.name!r} takes {len(inputs)}")
        exact = True
        for i, (s, p) in enumerate(zip(specs, inputs)):
            if s.dtype is not p.dtype:
                raise InvalidArgumentError(
                    f"{op_name}: input #{i} has dtype {s.dtype.name} but body {self.name!r} "
                    f"expects {p.dtype.name}")
            if not p.shape.is_compatible_with(s.shape):
                raise InvalidArgumentError(
                    f"{op_name}: input #{i} has shape {_fmt(s.shape)} but body {self.name!r} "
                    f"was traced for {p.shape}")
            exact = exact and s.shape == p.shape.dims_tuple() and s.value is None
        if exact:
            if self._trace_specs is None:
                self._trace_specs = [Spec(t.shape.dims_tuple(), t.dtype)
                                     for t in self.graph.outputs]
            return self._trace_specs
        from graphflow.ops import static
        return static.propagate(self.graph, specs)

    def check_arrays(self, arrays, op_name):
        """The eager counterpart of output_specs' dtype check (the same inputs are refused)."""
        for i, (a, p) in enumerate(zip(arrays, self.graph.inputs)):
            if a.dtype != p.dtype.np:
                raise InvalidArgumentError(
                    f"{op_name}: input #{i} has dtype {dtypes.from_numpy(a.dtype).name} but body "
                    f"{self.name!r} expects {p.dtype.name}")

    # -- running -----------------------------------------------------------------------------
    def run(self, arrays, extra=()):
        """The body's outputs (then the values of the `extra` body tensors) for input arrays."""
        key = tuple(id(t) for t in extra)
        executable = self._executables.get(key)
        if executable is None:
            with self._lock:
                executable = self._executables.get(key)
                if executable is None:
                    g, fetches, targets = self.runnable(extra)
                    executable = self._executables[key] = _executor(g, fetches, list(g.inputs),
                                                                    targets)
        return executable.run(list(arrays))

    def runnable(self, extra=()):
        """(graph, fetches, targets) computing the body's outputs, then the `extra` body
        tensors: what `run` interprets and what a compiled plan lowers into a sub-plan."""
        return _lean(self.graph, list(self.graph.outputs) + list(extra))

    # -- gradients ---------------------------------------------------------------------------
    def gradient(self, seed_saved=False, wanted=None):
        """The body's BodyGradient for the inputs at positions `wanted` (None: every
        differentiable input), built once per request (see BodyGradient). Building may fail (an
        op without a usable gradient inside): the error is raised here every time it is asked
        for, so a forward run can go on without recording."""
        if self.source is not self:
            raise UnimplementedError(
                f"internal compiler error: a gradient was asked of the optimized body "
                f"{self.name!r}; gradients are built from the traced body")
        key = (bool(seed_saved), None if wanted is None else frozenset(wanted))
        found = self._gradients.get(key)
        if found is None:
            with self._lock:
                found = self._gradients.get(key)
                if found is None:
                    base = self.gradient() if seed_saved else None
                    try:
                        found = BodyGradient(self, base, key[1])
                    except GraphflowError as e:
                        found = e
                    self._gradients[key] = found
        if isinstance(found, Exception):
            raise found
        return found

    def recorded(self):
        """The intermediates a forward run keeps for the gradient ([] when there is none):
        those of the gradient with respect to every input, so any gradient finds what it needs
        (by identity) among them. For an optimized body: the tensors of its graph holding the
        same values, in the same order (the gradient reads them back by position)."""
        if self.source is not self:
            if self._recorded is None:
                raise UnimplementedError(
                    f"internal compiler error: body {self.name!r} was optimized for a node "
                    "that does not record its intermediates")
            return self._recorded
        try:
            return self.gradient().intermediates
        except Exception:  # noqa: BLE001 - reported when the gradient is asked for
            return []

    def recorded_args(self):
        """Positions of the arguments (a loop's variables) whose values the gradient needs
        ([] when there is none): a loop keeps them per iteration."""
        if self.source is not self:
            return self.source.recorded_args()
        try:
            saved = {id(t) for t in self.gradient().saved}
        except Exception:  # noqa: BLE001 - reported when the gradient is asked for
            return []
        return [j for j, p in enumerate(self.graph.inputs[:self.n_args]) if id(p) in saved]


def _lean(graph, fetches):
    """(graph, fetches, targets) to run: nested control flow whose saved intermediates nothing
    here reads stops keeping them (what the compiler's drop_saved pass does for outer graphs).
    The graph is copied only when that changes a node."""
    used = {id(t) for n in graph.nodes for t in n.inputs} | {id(t) for t in fetches}

    def unsaved(node):
        k = node.opdef.saved_outputs
        return k and node.attrs.get("save") and not any(id(o) in used for o in node.outputs[-k:])
    if not any(unsaved(n) for n in graph.nodes):
        return graph, fetches, list(graph.targets)
    lean = Graph(is_function=True, name=graph.name)
    env, nodes = {}, {}
    for node in graph.nodes:
        attrs, outs = node.attrs, node.outputs
        if unsaved(node):
            attrs, outs = dict(attrs, save=False), outs[:-node.opdef.saved_outputs]
        new = lean.add_node(node.opdef, [env[id(t)] for t in node.inputs], attrs,
                            [(o.shape.dims_tuple(), o.dtype) for o in outs], node.name)
        env.update((id(o), t) for o, t in zip(outs, new.outputs))
        nodes[id(node)] = new
    lean.inputs = [env[id(p)] for p in graph.inputs]
    return lean, [env[id(t)] for t in fetches], [nodes[id(n)] for n in graph.targets]


class BodyGradient:
    """The gradient of one application of a body, as a graph of its own.

    Its inputs: one cotangent per differentiable body output (and, with `base`, one per
    intermediate `base` saves: their cotangents in a second-order gradient), then the forward
    tensors it captured. Those captures (`saved`) are exactly the forward values the gradient
    needs: body inputs, which the caller has, and `intermediates`, which the forward run
    records. Its outputs: the cotangents of the body's inputs; `input_grads[i]` is the
    position in outputs of input i's, or None.
    """

    def __init__(self, body, base=None, wanted=None):
        from graphflow.graph.builder import to_graph
        from graphflow.ops import backprop
        from graphflow.ops.creation import placeholder_node
        fwd = body.graph
        g = Graph(is_function=True, outer=fwd, name=f"{body.name}_grad")
        watched = {id(p): p for k, p in enumerate(fwd.inputs)
                   if differentiable(p) and (wanted is None or k in wanted)}
        records = []
        for node in fwd.nodes:  # program order: forward reachability from the inputs
            if node.opdef.grad is not None and any(id(t) in watched for t in node.inputs):
                records.append(node)
                for o in node.outputs:
                    if differentiable(o):
                        watched[id(o)] = o
        self.outputs = [k for k, t in enumerate(fwd.outputs) if differentiable(t)]
        targets = [fwd.outputs[k] for k in self.outputs]
        self.seeded = [] if base is None else list(base.intermediates)
        targets += self.seeded
        saved_tapes, context.tapes = context.tapes, []
        try:
            with g.as_default():
                seeds = [placeholder_node(t.shape.dims_tuple(), t.dtype, f"d{k}")
                         for k, t in enumerate(targets)]
                grads = backprop.gradients_of(records, targets, seeds, watched)
                in_grads = [grads.get(id(p)) for p in fwd.inputs]
                outs = [None if x is None else to_graph(x, g) for x in in_grads]
        finally:
            context.tapes = saved_tapes
        self.graph = g
        self.saved = [outer for outer, _ in g.captures.values()]
        inputs = set(id(p) for p in fwd.inputs)
        self.intermediates = [t for t in self.saved if id(t) not in inputs]
        if base is not None:
            known = {id(t) for t in base.intermediates}
            extra = [t.name for t in self.intermediates if id(t) not in known]
            if extra:
                raise UnimplementedError(
                    f"the second-order gradient of body {body.name!r} needs forward values the "
                    f"first-order one does not keep ({', '.join(extra)})")
        g.inputs = seeds + [inner for _, inner in g.captures.values()]
        g.outputs = [x for x in outs if x is not None]
        positions = iter(range(len(g.outputs)))
        self.input_grads = [None if x is None else next(positions) for x in outs]

    def apply(self, cotangents, saved_values):
        """The cotangents of the body's inputs (None where there is none), computed in the
        current graph (or eagerly) from the outputs' cotangents and the saved forward values
        (a dict: id(saved tensor) -> tensor)."""
        inputs = list(cotangents) + [saved_values[id(t)] for t in self.saved]
        outs = inline(self.graph, inputs)
        return [None if k is None else outs[k] for k in self.input_grads]


def warn_unseen_reads(bodies):
    """Called when a gradient is built: trainable variables that the bodies assign are read
    inside them (not captured), where tapes cannot see the reads, so no gradient reaches the
    variables through them. Say so rather than leave the gradient silently partial."""
    names = sorted({n.attrs["var"].name for b in bodies for n in b.graph.nodes
                    if n.type == "read_variable" and n.attrs["var"].trainable
                    and n.outputs[0].dtype.is_floating})
    if names:
        logger.warning("Gradients through %s do not reach variable(s) %s through their reads "
                       "inside the body: the body also assigns them, so they are read there "
                       "rather than captured", ", ".join(repr(b.name) for b in bodies),
                       ", ".join(names))


# -- tracing ------------------------------------------------------------------------------------

def trace(fn, arg_specs, make_args, name):
    """Traces fn(*make_args(placeholders)) into a new body graph inside the graph being
    built; returns (Body, the function's result). The result's tensors are still the
    function's own; `flatten_results` turns them into the body's outputs."""
    from graphflow.ops.creation import placeholder_node
    parent = context.graph
    graph = Graph(is_function=True, outer=parent, name=name)
    saved_tapes, context.tapes = context.tapes, []
    try:
        with graph.as_default():
            placeholders = [placeholder_node(shape, dtype, f"arg{i}")
                            for i, (shape, dtype) in enumerate(arg_specs)]
            result = fn(*make_args(placeholders))
    finally:
        context.tapes = saved_tapes
    graph.inputs = list(placeholders)
    return Body(graph, len(placeholders), name), result


def is_composite(value):
    """A value that travels through control flow as one tensor (a TensorArray: its list)."""
    return hasattr(value, "_to_tensor") and hasattr(value, "_from_tensor")


def flatten_results(body, result, what, expand_composites=False):
    """The leaves of a traced function's result as tensors of the body (constants and
    variables brought in, outer tensors captured, TensorArrays as their lists, with
    expand_composites a SparseTensor as its three tensors), and the structure to rebuild
    (None leaves stay None; graph ops count as None)."""
    from graphflow.graph.builder import to_graph
    from graphflow.graph.ir import Node
    from graphflow.ops.creation import convert_to_tensor
    graph = body.graph
    leaves = []
    with graph.as_default():
        for leaf in nest.flatten(result, expand_composites=expand_composites):
            if leaf is None or isinstance(leaf, Node):
                leaves.append(None)
            elif is_composite(leaf):
                leaves.append(to_graph(leaf._to_tensor(), graph))
            elif isinstance(leaf, (Tensor, Variable)):
                leaves.append(to_graph(leaf, graph))
            else:
                try:
                    leaves.append(to_graph(convert_to_tensor(leaf), graph))
                except InvalidArgumentError as e:
                    raise InvalidArgumentError(
                        f"{what} returned {leaf!r:.60}, which is not a tensor: {e}") from None
    return leaves


def finish(bodies, outputs):
    """Completes the traced bodies of one control-flow op: sets each graph's outputs and
    targets, hoists the reads of variables no body assigns, and gives every body the same
    captured inputs. Returns the outer tensors the node takes after its explicit inputs."""
    parent = context.graph
    for body, outs in zip(bodies, outputs):
        body.graph.outputs = list(outs)
    _hoist_reads(bodies, parent)
    captured = []
    seen = set()
    for body in bodies:
        for outer, _ in body.graph.captures.values():
            if id(outer) not in seen:
                seen.add(id(outer))
                captured.append(outer)
    from graphflow.ops.creation import placeholder_node
    for body in bodies:
        g = body.graph
        inner = []
        for outer in captured:
            found = g.captures.get(id(outer))
            if found is None:
                with g.as_default():
                    p = placeholder_node(outer.shape.dims_tuple(), outer.dtype,
                                         f"capture_{outer.node.name}")
                found = g.captures[id(outer)] = (outer, p)
            inner.append(found[1])
        g.inputs = g.inputs[:body.n_args] + inner
        g.targets = [n for n in g.nodes if n.kind == STATEFUL and n.type != "read_variable"]
        body.captured = captured
        g.finalize()
    return captured


def _hoist_reads(bodies, parent):
    """Turns each read of a variable that no body assigns into a capture of one read in the
    enclosing graph. The read node itself becomes the capture's placeholder (same outputs, so
    its users need no rewiring); a second read of the same variable in one body becomes an
    identity of the first. The graphs are new and not yet used by anyone, so changing their
    nodes in place is safe."""
    from graphflow.ops import state
    from graphflow.ops.creation import PLACEHOLDER
    from graphflow.ops.elementwise import IDENTITY
    written = set()
    for body in bodies:
        written.update(graph_variables(body.graph)[1])
    outer_reads = {}
    for body in bodies:
        g = body.graph
        first = {}
        for node in g.nodes:
            if node.type != "read_variable" or id(node.attrs["var"]) in written:
                continue
            var = node.attrs["var"]
            out = node.outputs[0]
            if id(var) in first:
                node.opdef, node.attrs, node.inputs = IDENTITY, {}, (first[id(var)],)
                continue
            outer = outer_reads.get(id(var))
            if outer is None:
                with parent.as_default():
                    outer = outer_reads[id(var)] = state.read_variable(var)
            node.opdef = PLACEHOLDER
            node.attrs = {"shape": out.shape.dims_tuple(), "dtype": out.dtype.name,
                          "name": node.name}
            g.captures[id(outer)] = (outer, out)
            first[id(var)] = out
        g._nx_cache = None


# -- what bodies do -------------------------------------------------------------------------------

def bodies_of(node):
    """The Body objects a node holds (none for ordinary ops)."""
    out = []
    for name in node.opdef.bodies:
        value = node.attrs[name]
        out.extend(value if isinstance(value, tuple) else (value,))
    return out


def graph_variables(graph):
    """(ids of variables read, ids of variables written) by a graph's nodes, nested bodies
    included; and the variables themselves in `variables_touched`."""
    reads, writes = {}, {}
    _collect(graph, reads, writes)
    return set(reads), set(writes)


def _collect(graph, reads, writes):
    for node in graph.nodes:
        _collect_node(node, reads, writes)


def _collect_node(node, reads, writes):
    var = node.attrs.get("var") if node.kind == STATEFUL else None
    if var is not None:
        (reads if node.type == "read_variable" else writes)[id(var)] = var
    for body in bodies_of(node):
        _collect(body.source.graph, reads, writes)


def variables_touched(node):
    """([variables read], [variables written]) by a node's bodies, nested ones included: what
    passes and plans must treat as the node's own accesses."""
    reads, writes = {}, {}
    for body in bodies_of(node):
        _collect(body.source.graph, reads, writes)
    return list(reads.values()), list(writes.values())


# -- inlining -------------------------------------------------------------------------------------

def inline(graph, inputs):
    """Runs a graph's nodes again in the current graph (or eagerly, through dispatch), with its
    inputs bound to `inputs`; returns the values of its outputs. Used to apply a body's
    gradient graph inside a gradient cond or loop."""
    from graphflow.ops import state
    env = {id(p): x for p, x in zip(graph.inputs, inputs)}
    for node in graph.nodes:
        if node.outputs and all(id(o) in env for o in node.outputs):
            continue
        if node.type == "placeholder":
            raise InvalidArgumentError(f"inline: placeholder {node.name!r} of {graph!r} is not "
                                       "one of its inputs")
        if node.type == "read_variable":
            out = state.read_variable(node.attrs["var"])
        else:
            out = dispatch(node.opdef, [env[id(t)] for t in node.inputs], node.attrs)
        if node.opdef.num_outputs == 1:
            env[id(node.outputs[0])] = out
        elif node.outputs:
            for t, o in zip(node.outputs, out):
                env[id(t)] = o
    return [env[id(t)] for t in graph.outputs]


def _fmt(shape):
    if shape is None:
        return "<unknown>"
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + \
        ("," if len(shape) == 1 else "") + ")"


def is_symbolic(x):
    return isinstance(x, SymbolicTensor)
