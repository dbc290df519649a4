"""The user functions of map, filter, scan, reduce and take_while, traced like TF's.

A function is traced once, through graphflow.function, with symbolic tensors of the input's
element_spec (dims the spec leaves None are unknown while tracing, so Python code that needs
values fails here as it does in TF). Each element then runs the compiled graph. Concurrent
calls (map's workers, prefetch's producer) each run an executable of their own from a small pool,
so they never share a plan's buffers.

As in TF, a function of an element that is a tuple receives its components as separate
arguments; any other element (a dict, a namedtuple, a single tensor) is one argument.

    >>> from graphflow.data.functions import StructuredFunction
    >>> f = StructuredFunction(lambda x: x * 2, tf.TensorSpec([], tf.int64), "map")
    >>> f.output_spec
    TensorSpec(shape=(), dtype=tf.int64, name=None)
    >>> f.run([np.array(21)])[0]
    array(42)
"""
import threading

from graphflow.data import structure
from graphflow.data.structure import DatasetSpec
from graphflow.errors import InvalidArgumentError, UnimplementedError
from graphflow.tensor import TensorSpec


def call_with_element(func, element):
    """func(*element) for a plain tuple element, else func(element) (TF's rule)."""
    if type(element) is tuple:
        return func(*element)
    return func(element)


class StructuredFunction:
    """A dataset function traced for an input spec; `run(flat arrays) -> flat arrays`."""

    def __init__(self, func, input_spec, what):
        from graphflow.graph.function import function
        if not callable(func):
            raise InvalidArgumentError(f"{what}: expected a callable, got {func!r:.60}")
        self.what = what
        self.input_spec = input_spec
        # a ragged_rank-0 RaggedTensorSpec's value is a dense tensor, so the function gets one
        input_spec = structure.map_leaves(structure.function_spec, input_spec)
        flat = structure.flatten(input_spec)
        for spec in flat:
            if isinstance(spec, DatasetSpec):
                raise UnimplementedError(
                    f"{what}: elements that are datasets (from window()) can only be passed to "
                    "flat_map or interleave")
        holder = {}

        def traced(*args):
            element = structure.pack(input_spec, list(args))
            out = structure.normalize_output(call_with_element(func, element), what)
            holder["structure"] = out
            return structure.flatten(out)

        traced.__name__ = getattr(func, "__name__", "fn").replace("<lambda>", "lambda")
        self._function = function(traced, autograph=True)
        self.concrete = self._function.get_concrete_function(*flat)
        outputs = iter(self.concrete.outputs)
        self.output_structure = holder["structure"]
        specs = []
        for leaf in structure.flatten(self.output_structure):
            if hasattr(leaf, "_type_spec"):  # a SparseTensor or RaggedTensor: its components
                specs.append(leaf._type_spec)
                for _ in range(structure.component_count(leaf._type_spec)):
                    next(outputs)
            else:
                t = next(outputs)
                specs.append(TensorSpec(t.shape, t.dtype))
        self.output_spec = structure.pack(self.output_structure, specs)
        self._flat_input_spec = flat
        self._flat_output_spec = specs
        self._idle = []  # compiled executables no thread is running right now
        self._lock = threading.Lock()

    def run(self, flat_arrays):
        """The flat output arrays for one element's flat input arrays. A call takes an idle
        executable (compiling one more only when all are busy in other threads), so concurrent
        elements never share a plan's buffers and threads come and go without recompiling."""
        with self._lock:
            executable = self._idle.pop() if self._idle else None
        if executable is None:
            from graphflow.graph.function import compile_graph
            c = self.concrete
            executable = compile_graph(c.graph, c.outputs, c.inputs, c._targets(), c._backend,
                                       c._optimizer_options)
        try:
            arrays = structure.flatten_components(flat_arrays)
            return structure.pack_components(self._flat_output_spec, executable.run(arrays))
        finally:
            with self._lock:
                self._idle.append(executable)

    def __call__(self, element):
        """The output element (a structure of arrays) for an input element."""
        return structure.pack(self.output_structure, self.run(structure.flatten(element)))


def predicate(func, input_spec, what):
    """A traced function that must return a scalar bool (filter, take_while)."""
    from graphflow import dtypes
    fn = StructuredFunction(func, input_spec, what)
    spec = fn.output_spec
    if not isinstance(spec, TensorSpec) or spec.dtype is not dtypes.bool or \
            spec.shape.rank != 0 and spec.shape.rank is not None:
        raise InvalidArgumentError(
            f"Invalid `predicate`. `predicate` must return a `tf.bool` scalar tensor, but its "
            f"return type is {spec!r}.")
    return fn


def stateful(func, state_spec, element_spec, what, returns_output):
    """Traces func(state, element) -> new state (reduce) or (new state, output) (scan), relaxing
    the state's shape when the function changes it (TF retraces the same way). Returns the
    function and the final state spec."""
    from graphflow.data.structure import merge_specs, same_structure
    for _ in range(8):
        fn = StructuredFunction(func, (state_spec, element_spec), what)
        out = fn.output_spec
        if returns_output:
            if not (isinstance(out, tuple) and len(out) == 2):
                raise InvalidArgumentError(
                    f"Invalid `{what}`. `{what}` should return a pair consisting of new state and "
                    f"the output value but its return type is {out!r}.")
            new_state = out[0]
        else:
            new_state = out
        if not same_structure(new_state, state_spec):
            raise InvalidArgumentError(
                f"{what}: the new state must have the structure of the initial state: expected "
                f"{state_spec!r}, got {new_state!r}")
        for old, new in zip(structure.flatten(state_spec), structure.flatten(new_state)):
            if old.dtype is not new.dtype:
                raise InvalidArgumentError(
                    f"{what}: The element types for the new state must match the initial state. "
                    f"Expected {old.dtype} but got {new.dtype}.")
        relaxed = merge_specs(state_spec, new_state, what)
        if all(a.shape == b.shape for a, b in zip(structure.flatten(relaxed),
                                                  structure.flatten(state_spec))):
            return fn, state_spec
        state_spec = relaxed
    raise InvalidArgumentError(f"{what}: the state's shape does not settle")
