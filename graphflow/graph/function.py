"""graphflow.function: trace a Python function into a graph once per input signature, then run
the graph. Python control flow runs at trace time, as in TF.

The cache key holds tensors by dtype and shape, Python scalars and strings by value, lists,
tuples and dicts by structure, and other objects by identity. When a call retraces, the function
records which argument changed and how (`retrace_explanations`), and logs it once retracing
becomes frequent.

    >>> import graphflow as tf
    >>> @tf.function
    ... def f(x):
    ...     return x * x + 1.0
    >>> f(tf.constant(2.0)).numpy()
    5.0
    >>> f(tf.constant([1.0, 2.0])).numpy()
    array([2., 5.], dtype=float32)
    >>> f.experimental_get_tracing_count()
    2
    >>> f.retrace_explanations
    ['x: shape () -> (2,)']
"""
import functools
import inspect
import logging
import re
import threading
import weakref

import numpy as np

from graphflow import devices, dtypes
from graphflow.context import context
from graphflow.errors import InvalidArgumentError, InvalidTypeError
from graphflow.tensor import (DeviceTensor, EagerTensor, SymbolicTensor, Tensor, TensorShape,
                              TensorSpec, Variable, device_array_of)
from graphflow.utils import nest

logger = logging.getLogger("graphflow")
FREQUENT_RETRACING = 5  # traces of one function after which each retrace is logged as a warning


# -- signatures --------------------------------------------------------------------------------

class _Leaf:
    """How one argument leaf enters the cache key and the trace."""

    __slots__ = ("kind", "key", "spec", "path")

    def __init__(self, kind, key, spec, path):
        self.kind, self.key, self.spec, self.path = kind, key, spec, path


def _describe_leaf(leaf):
    if leaf.kind == "tensor":
        return f"{leaf.spec.dtype.name} shape {leaf.spec.shape}"
    if leaf.kind == "python":
        return f"{leaf.key[1]}={leaf.key[2]!r}"
    return leaf.key[0]


def _leaf(value, path, spec=None):
    if spec is not None:  # a composite's component: the composite's spec says its shape
        return _Leaf("tensor", ("tensor", spec.dtype.name, spec.shape.dims_tuple()), spec, path)
    if isinstance(value, (EagerTensor, np.ndarray, np.generic)):
        if not isinstance(value, EagerTensor):
            value = EagerTensor(np.asarray(value))
        spec = TensorSpec(value.shape, value.dtype)
        return _Leaf("tensor", ("tensor", spec.dtype.name, spec.shape.dims_tuple()), spec, path)
    if isinstance(value, SymbolicTensor):
        spec = TensorSpec(value.shape, value.dtype)
        return _Leaf("tensor", ("tensor", spec.dtype.name, spec.shape.dims_tuple()), spec, path)
    if isinstance(value, Variable):
        return _Leaf("variable", ("variable", id(value)), None, path)
    if value is None or isinstance(value, (bool, int, float, str, bytes)):
        return _Leaf("python", ("python", type(value).__name__, value), None, path)
    return _Leaf("object", (f"object {type(value).__name__} at {id(value):#x}", id(value)), None, path)


def _is_composite(value):
    """A composite tensor (tf.SparseTensor, tf.RaggedTensor): its components are the leaves."""
    return not nest.is_nested(value) and nest._components(value) is not None


_COMPONENT_NAMES = {"SparseTensor": ("indices", "values", "dense_shape")}


def _paths(structure, prefix):
    """Human-readable paths of the leaves of `structure` (composites expanded), in
    nest.flatten order."""
    if _is_composite(structure):
        parts = nest._components(structure)
        names = _COMPONENT_NAMES.get(type(structure).__name__) or [
            f"component{i}" for i in range(len(parts))]
        return [f"{prefix}.{n}" for n in names]
    if isinstance(structure, dict):
        out = []
        for k in nest._sorted_keys(structure):
            out.extend(_paths(structure[k], f"{prefix}[{k!r}]"))
        return out
    if isinstance(structure, (list, tuple)):
        out = []
        for i, v in enumerate(structure):
            out.extend(_paths(v, f"{prefix}[{i}]"))
        return out
    return [prefix]


def _component_specs(structure):
    """Per leaf of `structure` (composites expanded), the TensorSpec a composite's spec gives
    its component (a SparseTensor's indices are [None, rank] whatever the call's count, as
    TF's SparseTensorSpec), or None for other leaves."""
    if _is_composite(structure):
        spec = getattr(structure, "_type_spec", None)
        parts = nest._components(structure)
        return spec._component_specs() if spec is not None else [None] * len(parts)
    if nest.is_nested(structure):
        return [s for child in nest._children(structure) for s in _component_specs(child)]
    return [None]


def _structure_key(value):
    if _is_composite(value):  # a SparseTensor's static shape is part of its signature, as in TF
        spec = getattr(value, "_type_spec", None)
        return (type(value).__name__, None if spec is None else spec.shape.dims_tuple())
    if isinstance(value, dict):
        return ("dict", tuple((k, _structure_key(value[k])) for k in nest._sorted_keys(value)))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(_structure_key(v) for v in value))
    return "."


class _Signature:
    """The bound arguments of one call, flattened to leaves with a hashable key."""

    def __init__(self, names, bound):
        self.structure = bound
        self.leaves = []
        for name, value in zip(names, bound):
            flat = nest.flatten(value, expand_composites=True)
            for leaf_value, path, spec in zip(flat, _paths(value, name), _component_specs(value)):
                self.leaves.append(_leaf(leaf_value, path, spec))
        self.values = [v for name, value in zip(names, bound)
                       for v in nest.flatten(value, expand_composites=True)]
        self.key = (tuple(_structure_key(v) for v in bound),
                    tuple(leaf.key for leaf in self.leaves))

    def structural_key(self):
        """The key with tensor shapes left out: what `reduce_retracing` matches on."""
        return (self.key[0], tuple((leaf.key[0], leaf.key[1]) if leaf.kind == "tensor" else leaf.key
                                   for leaf in self.leaves))


def explain_retrace(old, new):
    """Lines like "x: shape (4,) -> (5,)" saying how `new` differs from the `old` signature."""
    if old.key[0] != new.key[0]:
        return ["argument structure changed (lists, tuples or dicts have a different layout)"]
    reasons = []
    for a, b in zip(old.leaves, new.leaves):
        if a.key == b.key:
            continue
        if a.kind == b.kind == "tensor":
            if a.spec.dtype is not b.spec.dtype:
                reasons.append(f"{b.path}: dtype {a.spec.dtype.name} -> {b.spec.dtype.name}")
            else:
                reasons.append(f"{b.path}: shape {a.spec.shape} -> {b.spec.shape}")
        elif a.kind == b.kind == "python":
            reasons.append(f"{b.path}: Python value {a.key[2]!r} -> {b.key[2]!r} (Python values "
                           "are part of the signature; pass a tensor to avoid retracing)")
        else:
            reasons.append(f"{b.path}: {_describe_leaf(a)} -> {_describe_leaf(b)}")
    return reasons or ["new signature"]


# -- ConcreteFunction ----------------------------------------------------------------------------

class ConcreteFunction:
    """One traced graph of a Function, for one input signature.

    `graph` is the traced Graph; `inputs` its placeholders (one per tensor argument leaf);
    `structured_outputs` the returned structure with SymbolicTensors at the tensor leaves.
    """

    def __init__(self, name, graph, inputs, leaves, outputs_structure, flat_outputs):
        self.name = name
        self.graph = graph
        self.inputs = inputs
        self._leaves = leaves  # every argument leaf, as traced (tensor leaves carry their spec)
        self._input_leaves = [leaf for leaf in leaves if leaf.kind == "tensor"]
        self.structured_outputs = outputs_structure
        self._flat_outputs = flat_outputs  # SymbolicTensor or a constant Python value per leaf
        self.outputs = [o for o in flat_outputs if isinstance(o, SymbolicTensor)]
        self._single_output = isinstance(outputs_structure, SymbolicTensor)
        self._executable = None
        self._gpu_executables = {}      # Device -> executable for the CUDA target
        self._last_device = None        # where the last call ran (None: the CPU), for explain()
        self._backend = None            # None: the configured default (graphflow.config)
        self._optimizer_options = None
        self._lock = threading.Lock()   # one thread compiles; the others wait for its result

    @property
    def structured_input_signature(self):
        """TF's (args, kwargs) of this trace: a TensorSpec named after its argument path at each
        tensor leaf (`pair_0`, `d_b`), Python values as they were passed.

            >>> f = tf.function(lambda x, n: x * n)
            >>> f.get_concrete_function(tf.TensorSpec([2]), 3).structured_input_signature
            ((TensorSpec(shape=(2,), dtype=tf.float32, name='x'), 3), {})
        """
        kinds, values = getattr(self, "_parameters", (None, None))
        if kinds is None:
            return tuple(leaf.spec for leaf in self._input_leaves), {}
        leaves = iter(self._leaves)
        args, kwargs = [], {}
        for (name, kind), value in zip(kinds, values):
            spec = _argument_spec(value, leaves)
            if kind == "KEYWORD_ONLY":
                kwargs[name] = spec
            else:
                args.append(spec)
        return tuple(args), kwargs

    def _stateful_nodes(self):
        from graphflow.ops.registry import STATEFUL, RANDOM
        return [n for n in self.graph.nodes if n.kind in (STATEFUL, RANDOM)]

    def _get_executable(self, device=None):
        if device is not None:
            executable = self._gpu_executables.get(device)
            if executable is None:
                with self._lock:
                    executable = self._gpu_executables.get(device)
                    if executable is None:
                        executable = self._gpu_executables[device] = compile_graph(
                            self.graph, self.outputs, self.inputs, self._targets(),
                            self._backend, self._optimizer_options, device)
            return executable
        if self._executable is None:
            with self._lock:
                if self._executable is None:
                    self._executable = compile_graph(self.graph, self.outputs, self.inputs,
                                                     self._targets(), self._backend,
                                                     self._optimizer_options)
        return self._executable

    def _targets(self):
        return [n for n in self._stateful_nodes()
                if n.kind == "stateful" and n.type != "read_variable"]

    def kernels(self):
        """The compiled kernels of the most recently used plan (empty before the first call or
        on the reference backend)."""
        if hasattr(self._executable, "wait"):
            self._executable.wait()
        plan = getattr(self._executable, "last_plan", None)
        return [entry[0] for entry in getattr(plan, "kernels", [])]

    def explain(self):
        """What the compiler did: passes and statistics, fused kernels with their source, and
        the memory plan (after the first call, which builds the plan)."""
        device = devices.gpu_for(()) if context.device_stack else self._last_device
        executable = self._get_executable(device)
        if not hasattr(executable, "explain"):
            return f"{self.name}: runs on the {self._backend} interpreter (no compilation)"
        return executable.wait().explain()

    def _call_flat(self, arrays, tensors=None):
        """Runs the graph on one array per tensor argument. `tensors` are the caller's own
        tensors, which GradientTapes may be watching (used when a tape is recording)."""
        if context.tapes:
            results = self._replay_eagerly(tensors or [EagerTensor(a) for a in arrays])
        else:
            device = self._last_device = devices.gpu_for(arrays)
            if device is None:
                executable = self._executable or self._get_executable()
                if any(type(a) is not np.ndarray for a in arrays):
                    arrays = [devices.as_host(a) for a in arrays]
                results = [EagerTensor(v) for v in executable.run(arrays)]
            else:
                results = self._run_on_gpu(device, arrays)
        return self._pack_outputs(results)

    def _pack_outputs(self, results):
        """The flat results, one per graph output, packed into the output structure (the
        non-tensor outputs the trace returned stand between them as they were)."""
        if self._single_output:
            return results[0]
        if self.structured_outputs is None:
            return None
        it = iter(results)
        flat = [next(it) if isinstance(o, SymbolicTensor) else o for o in self._flat_outputs]
        return nest.pack_sequence_as(self.structured_outputs, flat, expand_composites=True)

    def _run_on_gpu(self, device, arrays):
        executable = self._get_executable(device)
        if getattr(executable, "target", "cpu") != "cuda":  # the reference backend: the host
            arrays = [devices.as_host(a) for a in arrays]
            return [EagerTensor(v) for v in executable.run(arrays)]
        return [DeviceTensor(v, device) for v in executable.run(arrays)]

    def _replay_eagerly(self, tensors):
        """Runs the graph op by op through eager dispatch, so active GradientTapes record it."""
        from graphflow.ops.registry import dispatch
        env = {id(p): t for p, t in zip(self.inputs, tensors)}
        for node in self.graph.nodes:
            if node.outputs and all(id(t) in env for t in node.outputs):
                continue
            if node.type == "read_variable":
                out = node.attrs["var"].read_value_for_op()
            else:
                args = [env[id(t)] for t in node.inputs]
                out = dispatch(node.opdef, args, node.attrs)
            if node.opdef.num_outputs == 1:
                env[id(node.outputs[0])] = out
            else:
                for t, o in zip(node.outputs, out if isinstance(out, tuple) else ()):
                    env[id(t)] = o
        return [env[id(t)] for t in self.outputs]

    def __call__(self, *args, **kwargs):
        flat = [a for a in nest.flatten(list(args) + [kwargs[k] for k in sorted(kwargs)],
                                        expand_composites=True)
                if isinstance(a, (Tensor, np.ndarray))]
        if len(flat) != len(self.inputs):
            raise InvalidTypeError(
                f"{self.name}: expected {len(self.inputs)} tensor arguments, got {len(flat)} "
                f"(signature: ({self.pretty_printed_signature()}))")
        arrays = [_checked_array(self.name, leaf, x) for leaf, x in zip(self._input_leaves, flat)]
        return self._call_flat(arrays)

    def pretty_printed_signature(self, verbose=True):
        """This trace's signature as TF prints it (see Function.pretty_printed_concrete_signatures)."""
        kinds, values = getattr(self, "_parameters", (None, None))
        if kinds is None:  # a concrete function made otherwise (a loaded one)
            return ", ".join(f"{leaf.path}: {leaf.spec}" for leaf in self._input_leaves)
        leaves = iter(self._leaves)
        params = [(name, kind, _type_text(value, leaves)) for (name, kind), value in
                  zip(kinds, values)]
        output = _type_text(self.structured_outputs, None, outputs=True)
        if not verbose:  # a Python signature: positional-only ones before "/", then "*"
            parts = []
            for i, (name, kind, text) in enumerate(params):
                if kind == "KEYWORD_ONLY" and "*" not in parts:
                    parts.append("*")
                parts.append(f"{name}: {text}")
                if kind == "POSITIONAL_ONLY" and (i + 1 == len(params) or
                                                  params[i + 1][1] != "POSITIONAL_ONLY"):
                    parts.append("/")
            return f"({', '.join(parts)}) -> {output}"
        lines = ["Input Parameters:"] + [f"  {name} ({kind}): {text}" for name, kind, text in params]
        lines += ["Output Type:", f"  {output}", "Captures:"]
        captured = list({id(v): v for v in self._captured_variables()}.values())
        lines += [f"  {id(v)}: TensorSpec(shape=(), dtype=tf.resource, name=None)"
                  for v in captured] or ["  None"]
        return "\n".join(lines)

    def _captured_variables(self):
        return [n.attrs["var"] for n in self.graph.nodes
                if isinstance(n.attrs.get("var"), Variable)]

    def __repr__(self):
        args = ", ".join(f"{leaf.path}: {leaf.spec}" for leaf in self._input_leaves)
        return f"<ConcreteFunction {self.name}({args})>"


def _argument_spec(value, leaves):
    """`value` (an argument of a trace) with each tensor replaced by its traced TensorSpec,
    named as TF names them; consumes the argument's leaves from `leaves`."""
    if isinstance(value, (list, tuple)) and not hasattr(value, "_fields"):
        return type(value)(_argument_spec(v, leaves) for v in value)
    if isinstance(value, dict):  # leaves come in sorted key order
        specs = {k: _argument_spec(value[k], leaves) for k in sorted(value)}
        return {k: specs[k] for k in value}
    if getattr(value, "_type_spec", None) is not None:  # a RaggedTensor or SparseTensor
        for _ in nest.flatten(value, expand_composites=True):
            next(leaves)
        return value._type_spec
    leaf = next(leaves)
    if leaf.kind != "tensor":
        return value
    name = leaf.spec.name or "_".join(p for p in re.split(r"[\[\]'\"]+", leaf.path) if p)
    return TensorSpec(leaf.spec.shape, leaf.spec.dtype, name)


def _type_text(value, leaves, outputs=False):
    """TF's text of a traced value's type: a tensor's TensorSpec (the next of `leaves`, the
    trace's argument leaves, when given), Literal[...] for Python values (in outputs, which
    become tensors, their TensorSpec), List/Tuple/Dict of those."""
    if isinstance(value, (list, tuple)) and not hasattr(value, "_fields"):
        inner = ", ".join(_type_text(v, leaves, outputs) for v in value)
        return f"{'List' if isinstance(value, list) else 'Tuple'}[{inner}]"
    if isinstance(value, dict):  # leaves come in sorted key order; TF prints insertion order
        texts = {k: _type_text(value[k], leaves, outputs) for k in sorted(value)}
        return "Dict[" + ", ".join(f"[{k!r}, {texts[k]}]" for k in value) + "]"
    if outputs and value is not None and not isinstance(value, (Tensor, Variable)):
        from graphflow.ops.creation import convert_to_tensor
        value = convert_to_tensor(value)
    if getattr(value, "_type_spec", None) is not None:  # a RaggedTensor or SparseTensor
        if leaves is not None:
            for _ in nest.flatten(value, expand_composites=True):
                next(leaves)
        return repr(value._type_spec)
    if isinstance(value, (Tensor, np.ndarray, np.generic, TensorSpec)):
        if leaves is not None:
            return repr(next(leaves).spec)
        return repr(TensorSpec(value.shape, value.dtype))
    if leaves is not None:
        next(leaves)
    return repr(value) if isinstance(value, Variable) else f"Literal[{value!r}]"


def _checked_array(fn_name, leaf, value):
    if isinstance(value, EagerTensor):
        array = device_array_of(value)
    else:
        # A NumPy array converts to the traced dtype as TF converts it (float64 data for a
        # float32 trace); a tensor of another dtype is an error, as in TF.
        from graphflow.ops.registry import to_array
        try:
            array = to_array(value, leaf.spec.dtype, fn_name)
        except InvalidArgumentError:
            array = np.asarray(value)
    if dtypes.from_numpy(array.dtype) is not leaf.spec.dtype:
        raise InvalidArgumentError(
            f"{fn_name}: argument {leaf.path} has dtype {dtypes.from_numpy(array.dtype).name}, but "
            f"the traced signature expects {leaf.spec.dtype.name}")
    if not leaf.spec.shape.is_compatible_with(array.shape):
        raise InvalidArgumentError(
            f"{fn_name}: argument {leaf.path} has shape {TensorShape(array.shape)}, but the traced "
            f"signature expects {leaf.spec.shape}")
    return array


# -- Function ------------------------------------------------------------------------------------

SINGLETON_VARIABLES = (
    "tf.function only supports singleton tf.Variables created on the first call. Make sure the "
    "tf.Variable is only created once or created outside tf.function. See "
    "https://www.tensorflow.org/guide/function#creating_tfvariables for more information.")
NON_FIRST_CALL_VARIABLES = ("Creating variables on a non-first call to a function decorated "
                            "with tf.function.")


class VariableCreation:
    """What tf.Variable() may do while a Function is traced (context.variable_creation): on the
    first call, anything (counted); when the first call's trace created variables, it is traced
    again and creating one more raises (a variable per call would be a new variable each
    call); any later trace raises too. TF's messages and ValueError.

        >>> @tf.function
        ... def f(x):
        ...     v = tf.Variable(1.0)
        ...     return v + x
        >>> f(tf.constant(1.0))
        Traceback (most recent call last):
        ...
        ValueError: tf.function only supports singleton tf.Variables created on the first call. ...
    """

    __slots__ = ("error", "count")

    def __init__(self, error=None):
        self.error, self.count = error, 0

    def check(self):
        if self.error is not None:
            raise ValueError(self.error)

class Function:
    """A Python function compiled to graphs on demand (see module docstring)."""

    def __init__(self, python_function, input_signature=None, reduce_retracing=False,
                 jit_compile=None, name=None, autograph=True, experimental_relax_shapes=None,
                 backend=None, optimizer_options=None, experimental_autograph_options=None):
        if not callable(python_function):
            raise InvalidArgumentError(f"function: expected a callable, got {python_function!r}")
        self._python_function = python_function
        self._name = name or getattr(python_function, "__name__", "function")
        self._reduce_retracing = bool(reduce_retracing or experimental_relax_shapes)
        self.jit_compile = jit_compile
        if backend is not None:
            from graphflow.config import BACKENDS
            if backend not in BACKENDS:
                raise InvalidArgumentError(f"function: unknown backend {backend!r}; one of {BACKENDS}")
        self._backend = backend
        self._optimizer_options = optimizer_options
        # AutoGraph (graphflow/autograph): the traced callable is the converted function
        self._autograph = bool(autograph)
        self._autograph_features = experimental_autograph_options
        self._autograph_options = None
        self._converted = None
        if self._autograph:
            from graphflow.autograph import options_from_features
            self._autograph_options = options_from_features(experimental_autograph_options)
        if optimizer_options:
            from graphflow.compiler.pipeline import resolve_options
            resolve_options(optimizer_options)  # fail early on unknown pass names
        self._arg_names, self._sig = _arg_names(python_function)
        self._input_signature = None
        if input_signature is not None:
            if not isinstance(input_signature, (list, tuple)):
                raise InvalidTypeError("input_signature must be either a tuple or a list, got "
                                       f"{type(input_signature)}.")
            self._signature_structure = list(input_signature)
            flat = nest.flatten(list(input_signature))
            invalid = [s for s in flat if not isinstance(s, TensorSpec) and not _is_composite(s)]
            if invalid:
                raise InvalidTypeError(
                    "input_signature must be a possibly nested sequence of TensorSpec objects, "
                    f"got invalid args {invalid!r:.200} with types {[type(s) for s in invalid]}.")
            self._input_signature = flat
            self._check_signature_covers_parameters()
            # the TensorSpec of every placeholder (a SparseTensorSpec stands for three)
            self._component_specs = nest.flatten(self._input_signature, expand_composites=True)
        self._cache = {}          # signature key -> ConcreteFunction
        self._fast = {}           # (shape, dtype) of each all-tensor call -> ConcreteFunction
        self._relaxed = {}        # structural key -> [ConcreteFunction with None dims]
        self._last_signature = None
        self._last_concrete = None
        self._tracing_count = 0
        self.retrace_explanations = []
        self._bound = weakref.WeakKeyDictionary()
        # Tracing is serialized per function (a second thread asking for the same signature
        # waits and reuses the first one's trace); calls of traced graphs are not.
        self._trace_lock = threading.RLock()
        functools.update_wrapper(self, python_function, updated=())

    def _check_signature_covers_parameters(self):
        """TF's definition-time checks: one spec per positional parameter without a default
        (a method's `self` excluded), no spec without a parameter unless there are *args, and
        defaults for keyword-only parameters."""
        if self._sig is None:
            return
        params = list(self._sig.parameters.values())
        if params and params[0].name in ("self", "cls") and not inspect.ismethod(
                self._python_function):
            params = params[1:]  # bound later by __get__
        positional = [p for p in params if p.kind in (inspect.Parameter.POSITIONAL_ONLY,
                                                      inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        n = len(self._signature_structure)
        for p in positional[n:]:
            if p.default is inspect.Parameter.empty:
                raise InvalidTypeError(f"input_signature missing type constraint for {p.name}")
        if n > len(positional) and not any(p.kind is inspect.Parameter.VAR_POSITIONAL
                                           for p in params):
            raise InvalidTypeError(
                f"input_signature contains {n - len(positional)} extra type constraints.")
        for p in params:
            if p.kind is inspect.Parameter.KEYWORD_ONLY and p.default is inspect.Parameter.empty:
                raise InvalidTypeError("Since input_signature is defined, keyword-only parameter "
                                       f"`{p.name}` must have a default value")

    def _binding_error(self, reason, args, kwargs):
        """TF's TypeError for a call that does not fit the function's parameters or its
        input_signature."""
        if self._input_signature is not None and self._sig is not None:
            names = [n for n, p in self._sig.parameters.items()
                     if p.kind is not inspect.Parameter.VAR_KEYWORD]
            signature = ", ".join(f"{n}: {s}" for n, s in zip(names, self._signature_structure))
        else:
            signature = str(self._sig)[1:-1] if self._sig is not None else "..."
        return InvalidTypeError(
            f"{self._name}: Binding inputs to tf.function failed due to `{reason}`. Received "
            f"args: {tuple(args)!r:.300} and kwargs: {kwargs!r:.300} for signature: "
            f"({signature}).")

    @property
    def python_function(self):
        return self._python_function

    @property
    def input_signature(self):
        return self._input_signature

    def __get__(self, instance, owner):
        """Methods: one Function per instance, tracing with `self` bound."""
        if instance is None:
            return self
        bound = self._bound.get(instance)
        if bound is None:
            with self._trace_lock:
                bound = self._bound.get(instance)
                if bound is not None:
                    return bound
                bound = Function(self._python_function.__get__(instance, owner),
                                 self._input_signature, self._reduce_retracing, self.jit_compile,
                                 self._name, autograph=self._autograph, backend=self._backend,
                                 optimizer_options=self._optimizer_options,
                                 experimental_autograph_options=self._autograph_features)
                self._bound[instance] = bound
        return bound

    def _parameter_kinds(self, names):
        """TF's kind of each bound argument name (arguments before a *args are positional)."""
        if self._sig is None:
            return [(n, "POSITIONAL_ONLY") for n in names]
        params = self._sig.parameters
        star = any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in params.values())
        kinds = []
        for n in names:
            p = params.get(n.split("[")[0])
            kind = p.kind.name if p is not None else "KEYWORD_ONLY"  # a **kwargs entry
            if kind == "VAR_POSITIONAL" or (star and kind == "POSITIONAL_OR_KEYWORD"):
                kind = "POSITIONAL_ONLY"
            kinds.append((n, "KEYWORD_ONLY" if kind == "VAR_KEYWORD" else kind))
        return kinds

    def pretty_printed_concrete_signatures(self, verbose=True):
        """Each traced signature, as TF prints it: the parameters' specs (Python values as
        Literal[...]), the output type and the captured variables.

            >>> f = tf.function(lambda x: x * 2)
            >>> _ = f(tf.constant([1.0]))
            >>> print(f.pretty_printed_concrete_signatures(verbose=False))
            (x: TensorSpec(shape=(1,), dtype=tf.float32, name=None)) -> TensorSpec(shape=(1,), dtype=tf.float32, name=None)
        """
        if self._input_signature is not None and not self._cache:
            self.get_concrete_function()  # TF traces a signature function to print it
        texts = [c.pretty_printed_signature(verbose) for c in dict.fromkeys(self._cache.values())]
        return ("\n\n" if verbose else "\n").join(texts)

    def experimental_get_tracing_count(self):
        return self._tracing_count

    def explain(self, *args, **kwargs):
        """The compiler's report for the concrete function of these arguments (or of the most
        recent trace when called without arguments)."""
        if args or kwargs:
            return self.get_concrete_function(*args, **kwargs).explain()
        if self._last_concrete is None:
            raise InvalidArgumentError(f"{self._name}: not traced yet; call it or pass arguments")
        return self._last_concrete.explain()

    @property
    def last_retrace_explanation(self):
        return self.retrace_explanations[-1] if self.retrace_explanations else None

    # -- calling -------------------------------------------------------------------------------
    def _traced_callable(self):
        """What tracing calls: the AutoGraph-converted function (converted once), or the
        Python function itself with autograph=False."""
        if not self._autograph:
            return self._python_function
        if self._converted is None:
            from graphflow.autograph import conversion
            self._converted = conversion.convert(self._python_function, self._autograph_options)
        return self._converted

    def __call__(self, *args, **kwargs):
        if context.graph is not None:
            # Called while another graph is being built: trace inline into that graph.
            return self._traced_callable()(*args, **kwargs)
        if context.functions_run_eagerly:  # tf.config.run_functions_eagerly(True)
            return self._python_function(*args, **kwargs)
        if not kwargs and not context.tapes:
            key = _fast_key(args)
            concrete = self._fast.get(key) if key is not None else None
            if concrete is not None:  # seen before: skip binding and signature building
                return concrete._call_flat([a._value if type(a) is EagerTensor else a._device_array
                                            for a in args])
            concrete, signature = self._lookup(args, kwargs)
            if key is not None:
                self._fast[key] = concrete
            return self._call_concrete(concrete, signature)
        return self._call_concrete(*self._lookup(args, kwargs))

    def get_concrete_function(self, *args, **kwargs):
        """The ConcreteFunction for these arguments (TensorSpecs allowed), tracing if needed."""
        if not args and not kwargs and self._input_signature is not None:
            args = tuple(self._signature_structure)  # nested entries stay nested
        return self._lookup(args, kwargs)[0]

    def _bind(self, args, kwargs):
        if self._sig is None:
            return flat_call_arguments(None, args, kwargs)
        try:
            bound = self._sig.bind(*args, **kwargs)
        except TypeError as e:
            raise self._binding_error(e, args, kwargs) from None
        if self._input_signature is not None:
            return self._bind_to_signature(bound, args, kwargs)
        return flat_call_arguments(bound)

    def _bind_to_signature(self, bound, args, kwargs):
        """The call's values for an input_signature: one per spec (positional parameters, then
        *args), as TF: a parameter past the specs keeps its default, and passing it, or fewer
        *args than specs, is a binding error."""
        n = len(self._signature_structure)
        names, values = [], []
        positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        for name, p in self._sig.parameters.items():
            if p.kind in positional:
                if len(names) < n:
                    names.append(name)
                    values.append(bound.arguments[name])
                elif name in bound.arguments:
                    raise self._binding_error("too many positional arguments", args, kwargs)
            elif p.kind is inspect.Parameter.VAR_POSITIONAL:
                extra = list(bound.arguments.get(name, ()))
                missing = n - len(names)
                if len(extra) > missing:
                    raise self._binding_error("too many positional arguments", args, kwargs)
                if len(extra) < missing:
                    raise self._binding_error(
                        f"missing a required argument: '{name}_{len(extra)}'", args, kwargs)
                names.extend(f"{name}[{i}]" for i in range(len(extra)))
                values.extend(extra)
            elif name in bound.arguments:  # keyword-only or **kwargs: not in the signature
                raise self._binding_error(f"got an unexpected keyword argument '{name}'", args,
                                          kwargs)
        return values, names

    def _lookup(self, args, kwargs):
        """The ConcreteFunction for a call (tracing it if needed) and the call's signature."""
        values, names = self._bind(args, kwargs)
        if self._input_signature is not None:
            values = self._apply_input_signature(values, names)
        values = [_specs_to_tensors(v) for v in values]
        signature = _Signature(names, values)
        # With an input_signature there is exactly one trace, whatever the call's exact shapes.
        key = "input_signature" if self._input_signature is not None else signature.key
        concrete = self._cache.get(key)
        if concrete is None:
            with self._trace_lock:
                concrete = self._cache.get(key)
                if concrete is None and self._reduce_retracing:
                    concrete = self._find_relaxed(signature)
                if concrete is None:
                    concrete = self._trace(signature, names)
                    self._cache[key] = concrete
        return concrete, signature

    def _call_concrete(self, concrete, signature):
        """Runs `concrete` on the tensor leaves of a call (checked against its trace)."""
        pairs = [(traced, v) for traced, v in zip(concrete._leaves, signature.values)
                 if traced.kind == "tensor"]
        arrays = [_checked_array(self._name, traced, v) for traced, v in pairs]
        tensors = [v if isinstance(v, EagerTensor) else EagerTensor(a)
                   for (traced, v), a in zip(pairs, arrays)]
        return concrete._call_flat(arrays, tensors)

    def _apply_input_signature(self, values, names):
        """Checks the call against input_signature; a value whose spec is one TensorSpec (a
        list, an array, a number) becomes one tensor of the spec's dtype."""
        structure = self._signature_structure
        if len(values) != len(structure):  # only without a Python signature to bind to
            raise InvalidTypeError(
                f"{self._name}: input_signature has {len(structure)} entries but the call passed "
                f"{len(values)} arguments")
        out = []
        for i, (spec, value) in enumerate(zip(structure, values)):
            if isinstance(spec, TensorSpec) or _is_composite(spec):
                out.append(self._check_against_spec(spec, value, names[i]))
                continue
            flat_specs, flat_values = nest.flatten(spec), nest.flatten(value)
            if len(flat_specs) != len(flat_values):
                raise InvalidTypeError(
                    f"{self._name}: argument {names[i]} does not match the structure of "
                    f"input_signature entry {spec}")
            checked = [self._check_against_spec(s, v, names[i]) for s, v in zip(flat_specs, flat_values)]
            out.append(nest.pack_sequence_as(value, checked))
        return out

    def _check_against_spec(self, spec, value, name):
        if _is_composite(spec):
            return self._check_composite(spec, value, name)
        if isinstance(value, TensorSpec):
            return value
        t = value.value() if isinstance(value, Variable) else value
        if not isinstance(t, Tensor):
            from graphflow.ops.registry import to_array
            try:
                t = EagerTensor(to_array(t, spec.dtype, self._name))
            except (InvalidArgumentError, TypeError) as e:
                raise InvalidTypeError(
                    f"{self._name}: argument {name} ({value!r:.40}) does not match input_signature "
                    f"{spec}: {e}") from None
        if t.dtype is not spec.dtype or not spec.shape.is_compatible_with(t.shape):
            # TF's binding TypeError ("Can not cast TensorSpec(...) to TensorSpec(...)")
            raise InvalidTypeError(
                f"{self._name}: argument {name} has dtype {t.dtype.name} and shape {t.shape}, "
                f"which does not match input_signature {spec}")
        return t

    def _check_composite(self, spec, value, name):
        """A SparseTensor argument of a SparseTensorSpec: dtype and shape must fit; the trace
        sees the spec's shape, not the call's."""
        if type(value) is type(spec):  # get_concrete_function(tf.SparseTensorSpec(...))
            return value
        if getattr(spec, "value_type", None) is not type(value):
            raise InvalidTypeError(
                f"{self._name}: argument {name} ({type(value).__name__}) does not match "
                f"input_signature {spec}")
        if value.dtype is not spec.dtype or not spec.shape.is_compatible_with(value.shape):
            raise InvalidTypeError(
                f"{self._name}: argument {name} has dtype {value.dtype.name} and shape "
                f"{value.shape}, which does not match input_signature {spec}")
        out = spec._from_composite_components(nest._components(value))
        if hasattr(out, "_shape"):  # a SparseTensor keeps its static shape: the spec's
            out._shape = spec.shape  # the trace sees the spec's shape, not this call's
        return out

    def _find_relaxed(self, signature):
        for concrete in self._relaxed.get(signature.structural_key(), []):
            if all(leaf.kind != "tensor" or c.spec.shape.is_compatible_with(leaf.spec.shape)
                   for leaf, c in zip(signature.leaves, concrete._leaves)):
                return concrete
        return None

    def _trace(self, signature, names):
        previous = self._last_signature
        leaves = signature.leaves
        if self._input_signature is not None:
            specs = iter(self._component_specs)
            leaves = [(_Leaf(l.kind, l.key, next(specs), l.path) if l.kind == "tensor" else l)
                      for l in leaves]
        elif self._reduce_retracing and previous is not None and \
                previous.structural_key() == signature.structural_key():
            leaves = [_relax(a, b) for a, b in zip(previous.leaves, leaves)]
        if previous is not None:
            reasons = explain_retrace(previous, signature)
            self.retrace_explanations.append("; ".join(reasons))
            if self._tracing_count + 1 >= FREQUENT_RETRACING:
                logger.warning(
                    "graphflow.function %r has been traced %d times; this retrace: %s. Pass "
                    "tensors instead of Python values, use reduce_retracing=True, or an "
                    "input_signature to avoid retracing.", self._name, self._tracing_count + 1,
                    "; ".join(reasons))
        if self._tracing_count == 0:  # the first call may create variables; a trace that did
            # is traced again, where creating them once more means one per call, as TF rules
            graph, placeholders, result, flat_out = self._trace_graph(
                signature, names, leaves, VariableCreation())
            if graph.created_variables:
                self._tracing_count += 1
                graph, placeholders, result, flat_out = self._trace_graph(
                    signature, names, leaves, VariableCreation(SINGLETON_VARIABLES))
        else:
            graph, placeholders, result, flat_out = self._trace_graph(
                signature, names, leaves, VariableCreation(NON_FIRST_CALL_VARIABLES))
        self._tracing_count += 1
        concrete = ConcreteFunction(self._name, graph, placeholders, leaves, result, flat_out)
        concrete._parameters = self._parameter_kinds(names), signature.structure
        concrete._backend = self._backend
        concrete._optimizer_options = self._optimizer_options
        if self._reduce_retracing:
            self._relaxed.setdefault(signature.structural_key(), []).append(concrete)
        self._last_signature = signature
        self._last_concrete = concrete
        return concrete

    def _trace_graph(self, signature, names, leaves, creation):
        """Traces the Python function into a new graph: (graph, placeholders, the structured
        result, its flat outputs in the graph). `creation` rules tf.Variable() calls."""
        from graphflow.graph.ir import Graph
        graph = Graph(is_function=True, outer=None, name=self._name)
        saved = context.tapes, context.variable_creation
        context.tapes = []  # outer tapes see the call, not the trace
        context.variable_creation = creation
        try:
            with graph.as_default():
                placeholders = []
                flat_args = []
                from graphflow.ops.creation import placeholder_node
                for leaf, value in zip(leaves, signature.values):
                    if leaf.kind == "tensor":
                        p = placeholder_node(leaf.spec.shape.dims_tuple(), leaf.spec.dtype,
                                             _placeholder_name(leaf.path))
                        placeholders.append(p)
                        flat_args.append(p)
                    else:
                        flat_args.append(value)
                it = iter(flat_args)
                structured = [nest.pack_sequence_as(
                    v, [next(it) for _ in nest.flatten(v, expand_composites=True)],
                    expand_composites=True) for v in signature.structure]
                args, kwargs = self._rebuild_call(structured, names)
                result = self._traced_callable()(*args, **kwargs)
                flat_out = [_output_to_graph(o, graph)
                            for o in nest.flatten(result, expand_composites=True)]
        finally:
            context.tapes, context.variable_creation = saved
        graph.created_variables = creation.count
        return graph, placeholders, result, flat_out

    def _rebuild_call(self, structured, names):
        if self._sig is None:
            return structured, {}
        args, kwargs = [], {}
        params = self._sig.parameters
        i = 0
        for name in params:
            p = params[name]
            if p.kind is inspect.Parameter.VAR_POSITIONAL:
                while i < len(names) and names[i].startswith(f"{name}["):
                    args.append(structured[i])
                    i += 1
            elif p.kind is inspect.Parameter.VAR_KEYWORD:
                while i < len(names):
                    kwargs[names[i]] = structured[i]
                    i += 1
            elif i < len(names):
                if p.kind is inspect.Parameter.KEYWORD_ONLY:
                    kwargs[name] = structured[i]
                else:
                    args.append(structured[i])
                i += 1
        return args, kwargs

    def __repr__(self):
        return f"<graphflow.function {self._name}>"


def flat_call_arguments(bound, args=(), kwargs=None):
    """A call's arguments as (values, names), in the order traces and signatures use: for an
    `inspect.BoundArguments`, each parameter (defaults applied) with *args as `name[i]` and
    **kwargs by sorted key; with `bound` None (no Python signature), `args` as `args[i]`, then
    `kwargs` by sorted key. Shared by Function and the loaded RestoredFunction."""
    if bound is None:
        kwargs = kwargs or {}
        return list(args) + [kwargs[k] for k in sorted(kwargs)], \
            [f"args[{i}]" for i in range(len(args))] + sorted(kwargs)
    bound.apply_defaults()
    names, values = [], []
    for name, value in bound.arguments.items():
        kind = bound.signature.parameters[name].kind
        if kind is inspect.Parameter.VAR_POSITIONAL:
            names += [f"{name}[{i}]" for i in range(len(value))]
            values += list(value)
        elif kind is inspect.Parameter.VAR_KEYWORD:
            names += sorted(value)
            values += [value[k] for k in sorted(value)]
        else:
            names.append(name)
            values.append(value)
    return values, names


def _fast_key(args):
    """The cache key of a call whose arguments are all eager tensors, or None."""
    key = []
    for a in args:
        t = type(a)
        if t is EagerTensor:
            v = a._value
        elif t is DeviceTensor:
            v = a._device_array
        else:
            return None
        key.append((tuple(v.shape), v.dtype.char))
    return tuple(key)


def _relax(old, new):
    """For reduce_retracing: dims that differ between two calls become None."""
    if old.kind != "tensor" or new.kind != "tensor" or old.spec.dtype is not new.spec.dtype:
        return new
    a, b = old.spec.shape.dims_tuple(), new.spec.shape.dims_tuple()
    if a is None or b is None or len(a) != len(b):
        shape = TensorShape(None)
    else:
        shape = TensorShape([x if x == y else None for x, y in zip(a, b)])
    return _Leaf("tensor", ("tensor", new.spec.dtype.name, shape.dims_tuple()),
                 TensorSpec(shape, new.spec.dtype), new.path)


def _specs_to_tensors(value):
    """TensorSpecs given to get_concrete_function stand for tensors of that spec."""
    def convert(v):
        if isinstance(v, TensorSpec):
            return _SpecTensor(v)
        if _is_composite(v) and hasattr(v, "value_type"):  # a SparseTensorSpec
            return v._from_composite_components([_SpecTensor(s) for s in nest._components(v)])
        return v
    if isinstance(value, (list, tuple, dict)):
        return nest.map_structure(convert, value)
    return convert(value)


class _SpecTensor(SymbolicTensor):
    """Stands for a TensorSpec argument of get_concrete_function (never executed)."""

    __slots__ = ()

    def __init__(self, spec):
        super().__init__(None, 0, spec.shape, spec.dtype)


def compile_graph(graph, fetches, feeds, targets, backend=None, optimizer_options=None,
                  device=None):
    """An executable for `graph` on the chosen backend (default: graphflow.config's) and device
    (a GPU Device compiles for the CUDA target; None means the CPU)."""
    backend = backend or context.backend
    from graphflow.backends import reference  # the targets register themselves on import
    if backend == "reference":
        return reference.compile(graph, fetches, feeds, targets)
    from graphflow.backends import cpu_kernels, numba_cpu  # noqa: F401
    if device is not None and device.is_gpu and not _has_strings(graph):
        from graphflow.backends import numba_cuda  # noqa: F401
        from graphflow.compiler.lower_cuda import CudaExecutable
        return CudaExecutable(graph, fetches, feeds, targets, optimizer_options, device)
    from graphflow.compiler.lower import CompiledExecutable
    return CompiledExecutable(graph, fetches, feeds, targets, optimizer_options)


def _has_strings(graph):
    """Whether a graph holds tf.string tensors: it then runs in host memory (the CPU plan), as TF
    places string ops on the CPU."""
    return any(o.dtype is dtypes.string for n in graph.nodes for o in n.outputs)


def _placeholder_name(path):
    name = "".join(c if c.isalnum() or c in "_." else "_" for c in path).strip("_") or "arg"
    return name if name[0].isalpha() else f"arg_{name}"


# What a traced function may return besides tensors: like TF, Python numbers, bools, strings and
# NumPy values become tensors (constants of the graph); None stays None.
_CONVERTIBLE = (bool, int, float, str, bytes, np.ndarray, np.generic)


def _output_to_graph(value, graph):
    from graphflow.graph.builder import to_graph
    if isinstance(value, (Tensor, Variable)):
        return to_graph(value, graph)
    if isinstance(value, _CONVERTIBLE):
        from graphflow.ops.creation import constant
        with graph.as_default():
            return constant(value)
    if value is not None and not type(value).__module__.startswith("graphflow."):
        raise TypeError(
            "To be compatible with tf.function, Python functions must return zero or more "
            "Tensors or ExtensionTypes or None values; in compilation of "
            f"{getattr(graph, 'name', 'a function')!r}, found return value of type "
            f"{type(value)}, which is not a Tensor or ExtensionType.")
    return value


def _arg_names(fn):
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return None, None
    return list(sig.parameters), sig


def function(func=None, input_signature=None, autograph=True, jit_compile=None,
             reduce_retracing=False, experimental_relax_shapes=None, name=None, backend=None,
             optimizer_options=None, experimental_autograph_options=None):
    """Compiles a Python function into a graph per input signature (TF's tf.function).

        >>> @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
        ... def double(x):
        ...     return 2.0 * x
        >>> double(tf.constant([1.0, 2.0])).numpy()
        array([2., 4.], dtype=float32)
    """
    def decorate(f):
        return Function(f, input_signature=input_signature, reduce_retracing=reduce_retracing,
                        jit_compile=jit_compile, name=name, autograph=autograph,
                        experimental_relax_shapes=experimental_relax_shapes, backend=backend,
                        optimizer_options=optimizer_options,
                        experimental_autograph_options=experimental_autograph_options)
    if func is None:
        return decorate
    return decorate(func)
