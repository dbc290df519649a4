"""The op registry and the one dispatch path every op goes through.

An OpDef holds everything graphflow knows about an op: its kind (which drives fusion), a shape and
dtype rule, a NumPy reference kernel, and a gradient rule written in graphflow ops (so it serves
eager tapes and symbolic graphs alike). `dispatch` runs the reference kernel when executing eagerly
and appends a graph node when a graph is being built.

    >>> import graphflow as tf
    >>> from graphflow.ops.registry import REGISTRY
    >>> REGISTRY["add"].kind
    'broadcast'
"""
import numpy as np

import graphflow.context as _hooks  # graphflow.devices installs itself there (layering)
from graphflow import dtypes
from graphflow.context import context
from graphflow.errors import GraphflowError, InvalidArgumentError
from graphflow.tensor import (DeviceTensor, EagerTensor, SymbolicTensor, Tensor, Variable,
                              device_array_of)

# Op kinds, from most to least fusible (TVM's OpPatternKind in spirit). The compiler decides fusion
# from these, never from op names.
ELEMENTWISE = "elementwise"   # same-shape map over elements (unary ops, cast)
BROADCAST = "broadcast"       # elementwise after NumPy broadcasting (binary ops, where)
SHAPE = "shape"               # moves elements without computing: reshape, transpose, concat, tile
INDEX = "index"               # data-dependent moves: gather, slicing, one_hot
REDUCTION = "reduction"       # reduces axes: sums, means, max, argmax
MATMUL = "matmul"             # contraction whose output can absorb an elementwise epilogue
STATEFUL = "stateful"         # reads or writes variables; never reordered, folded or deduplicated
RANDOM = "random"             # draws random numbers; never folded or deduplicated
OPAQUE = "opaque"             # anything else
FUSED = "fused"               # a compiler-made cluster of other ops (graphflow/compiler/fused.py)
KINDS = (ELEMENTWISE, BROADCAST, SHAPE, INDEX, REDUCTION, MATMUL, STATEFUL, RANDOM, OPAQUE, FUSED)


class OpDef:
    """One op, defined once.

    infer(specs, **attrs) -> [(shape, dtype), ...]: shapes are tuples with None for unknown dims.
    ref(*arrays, **attrs) -> array or tuple of arrays: the NumPy reference (the semantic ground truth).
    grad(inputs, outputs, dy, **attrs) -> one gradient (or None) per input, in graphflow ops; dy is
    the output's gradient, or a list (None for unused outputs) for multi-output ops.
    num_outputs: 1, a fixed count, or None when the attrs decide (split); only 1 means "one tensor".
    grad_takes_needs: the gradient rule accepts `needs`, a tuple of bools saying which inputs
    want a gradient, so it can skip work (pow's exponent, matmul's unused side).
    same_dtype: indices of inputs that must share one dtype ("all" for variadic ops); Python scalars
    and NumPy arrays in those positions adopt the dtype of the tensor operands.
    scalar: for elementwise/broadcast ops, the op on one element as a Python expression over
    {0}, {1}, ... with typed constants {ZERO}/{ONE} and the math functions exp, log, sqrt, ...
    (what fused kernels are generated from); for reductions, (init, combine) templates over
    {acc} and {v}. None means kernels cannot contain the op.
    moves: for ops that only move elements (reshape, transpose, concat, pad, slicing...), the
    positions of the inputs whose elements are moved ("all" for variadic ops); the other inputs
    only give shapes. Run on arrays of element indices, such an op's reference returns, for
    every output element, the index it is copied from: the CUDA target builds index maps that
    way (an attr named constant_values is the fill value of elements copied from nowhere).
    view: the op is a pure reshape (same elements in the same order), so no copy is needed.
    input_kinds: the NumPy dtype kinds input #0 may have ("f", "fiu", ...; None: any), checked by
    eager dispatch (graph building checks them in `infer`, so `ref` never has to).
    bodies: names of the attrs holding subgraphs (ops.subgraph.Body objects, or tuples of them):
    the branches of a cond, the condition and body of a while loop. Passes never look inside a
    node through its inputs alone; they ask ops.subgraph what its bodies read and write.
    value_inputs: positions of inputs whose (partially) known values the shape rule reads from
    `Spec.value` (a shape or a size computed at run time, e.g. tf.zeros(tf.shape(x))).
    static_form(values, attrs) -> (OpDef, kept input positions, attrs): for ops with
    value_inputs, the static op a node becomes once those inputs are constants ({position:
    array}); the simplify pass applies it.
    saved_outputs: for ops with bodies, how many trailing outputs exist only for the gradient
    when attr `save` is set (a compiler pass turns `save` off when nothing reads them).
    records: names of the body attrs whose gradient intermediates (`Body.recorded`) a run with
    attr `save` keeps; repeats: names of the body attrs run many times per run of the node (a
    loop's condition and body), out of which the compiler hoists loop-invariant values.
    """

    __slots__ = ("name", "kind", "infer", "ref", "grad", "num_outputs", "same_dtype", "doc",
                 "grad_takes_needs", "scalar", "scalar_kinds", "moves", "view", "input_kinds",
                 "pair", "bodies", "value_inputs", "saved_outputs", "static_form", "records",
                 "repeats")

    def __init__(self, name, kind, infer, ref, grad=None, num_outputs=1, same_dtype=(), doc="",
                 grad_takes_needs=False, input_kinds=None):
        if kind not in KINDS:
            raise ValueError(f"op {name!r}: unknown kind {kind!r}")
        self.name = name
        self.kind = kind
        self.infer = infer
        self.ref = ref
        self.grad = grad
        self.num_outputs = num_outputs
        self.same_dtype = same_dtype
        self.doc = doc
        self.grad_takes_needs = grad_takes_needs
        self.scalar = None
        self.scalar_kinds = "fiub"  # dtype kinds of input #0 for which `scalar` is valid
        self.moves = None
        self.view = False
        self.input_kinds = None if input_kinds in (None, "fiub", "biuf") else input_kinds
        self.pair = same_dtype == (0, 1)  # the common binary case, checked inline by dispatch
        self.bodies = ()
        self.value_inputs = ()
        self.saved_outputs = 0
        self.static_form = None
        self.records = ()
        self.repeats = ()

    @property
    def differentiable(self):
        return self.grad is not None

    def __repr__(self):
        return f"OpDef({self.name!r}, kind={self.kind!r})"


REGISTRY = {}


def register(name, kind, infer, ref, grad=None, **kwargs):
    """Adds an op to the registry and returns its OpDef."""
    if name in REGISTRY:
        raise ValueError(f"op {name!r} is registered twice")
    op = OpDef(name, kind, infer, ref, grad, **kwargs)
    REGISTRY[name] = op
    return op


class Spec:
    """What shape inference sees of an input: a static shape (None for unknown dims) and a DType,
    and, for the op's `value_inputs`, what is known of its value (see ops/static.py: None, an
    ndarray, or a tuple of ints and None for a partially known 1-D shape)."""

    __slots__ = ("shape", "dtype", "value")

    def __init__(self, shape, dtype, value=None):
        self.shape = shape
        self.dtype = dtype
        self.value = value

    @property
    def rank(self):
        return None if self.shape is None else len(self.shape)

    def __repr__(self):
        return f"Spec({self.shape}, {self.dtype.name})"


def describe(inputs):
    """'float32[2,3], int32[]' for error messages."""
    parts = []
    for x in inputs:
        shape = getattr(x, "shape", None)
        dtype = getattr(x, "dtype", None)
        if isinstance(dtype, dtypes.DType):
            dims = "?" if shape is None or shape.rank is None else ",".join(
                "?" if d is None else str(d) for d in shape.as_list())
            parts.append(f"{dtype.name}[{dims}]")
        else:
            parts.append(type(x).__name__)
    return ", ".join(parts)


# ---------------------------------------------------------------------------------------------
# Converting op arguments to tensors


def _default_dtype(value):
    """TF's defaults: Python floats are float32, ints int32; NumPy arrays keep their dtype."""
    if isinstance(value, np.ndarray) or isinstance(value, np.generic):
        return dtypes.from_numpy(value.dtype)
    arr = np.asarray(value)
    kind = arr.dtype.kind
    if kind == "f":
        return dtypes.float32
    if kind in "iu":
        if arr.size and (arr.max() > np.iinfo(np.int32).max or arr.min() < np.iinfo(np.int32).min):
            return dtypes.int64
        return dtypes.int32
    if kind == "b":
        return dtypes.bool
    if kind == "c":  # Python complex numbers are complex128, as in TF
        return dtypes.complex128
    if kind in "SUO":  # str and bytes values (an object array is checked when converted)
        return dtypes.string
    raise InvalidArgumentError(
        f"Cannot convert {value!r} (NumPy dtype {arr.dtype}) to a tensor: unsupported element type")


def to_array(value, dtype=None, op_name="convert_to_tensor"):
    """Converts a Python or NumPy value to an ndarray of `dtype` (default: TF's inference).

    Values are cast to the requested dtype only where that cannot silently change them the way TF
    refuses to: floats do not become integers, and out-of-range integers raise.
    """
    if getattr(value, "_composite_components", None) is not None:  # a tf.SparseTensor
        raise InvalidArgumentError(
            f"{op_name}: Attempt to convert a value ({type(value).__name__}) with an unsupported "
            f"type to a Tensor; a dense op needs tf.sparse.to_dense(...) first")
    if dtype is None:
        dtype = _default_dtype(value)
        if dtype is dtypes.string:
            return dtypes.as_bytes_array(value)
        if isinstance(value, np.ndarray) and value.dtype == dtype.np:
            return value
        return np.asarray(value, dtype=dtype.np)
    if dtype is dtypes.string:  # strings stay strings: numbers are not formatted (TF refuses)
        if _default_dtype(value) is not dtypes.string and np.size(value) != 0:
            raise InvalidArgumentError(
                f"{op_name}: cannot convert {_short(value)} to a string tensor")
        return dtypes.as_bytes_array(value)
    src = np.asarray(value)
    if src.dtype == dtype.np:
        return src
    kind = src.dtype.kind
    if kind not in "biufc":
        raise InvalidArgumentError(f"{op_name}: cannot convert {value!r} to a {dtype.name} tensor")
    if kind == "c" and not dtype.is_complex:
        # TF refuses Python complex numbers here and drops the imaginary parts of NumPy
        # arrays with a warning; graphflow refuses both (tf.math.real says what is meant).
        raise InvalidArgumentError(
            f"{op_name}: cannot convert complex value {_short(value)} to a {dtype.name} tensor "
            "(take tf.math.real or tf.math.imag of it first)")
    # ([] is float64 to NumPy)
    if kind == "f" and not (dtype.is_floating or dtype.is_complex) and src.size:
        if not (isinstance(value, np.ndarray) and np.all(np.mod(src, 1) == 0)):
            raise InvalidArgumentError(
                f"{op_name}: cannot convert float value {_short(value)} to a {dtype.name} tensor")
    if kind in "iu" and dtype.is_integer and src.size:
        info = np.iinfo(dtype.np)
        if src.max() > info.max or src.min() < info.min:
            raise InvalidArgumentError(
                f"{op_name}: value {_short(value)} is out of range for {dtype.name}")
    return src.astype(dtype.np)


def _short(value):
    text = repr(value)
    return text if len(text) < 60 else text[:57] + "..."


def _is_constant_like(x):
    return not isinstance(x, (Tensor, Variable))


def _first_symbolic(value):
    """The first SymbolicTensor in a nested list/tuple, or None."""
    for v in value:
        if isinstance(v, SymbolicTensor):
            return v
        if isinstance(v, Variable) and context.graph is not None:
            return v
        if isinstance(v, (list, tuple)):
            found = _first_symbolic(v)
            if found is not None:
                return found
    return None


def autopack(value, dtype=None):
    """A nested list/tuple holding tensors of a graph being built, packed into one tensor by
    stacking (TF's autopacking: tf.convert_to_tensor([t, 2.0]) in a function); its Python
    numbers take the dtype of the first tensor (or `dtype`). None when `value` holds no such
    tensor (it converts as a constant)."""
    if not isinstance(value, (list, tuple)):
        return None
    first = _first_symbolic(value)
    if first is None:
        return None
    from graphflow.ops.shape import stack
    dtype = first.dtype if dtype is None else dtype

    def pack(v):
        if isinstance(v, (list, tuple)):
            return stack([pack(item) for item in v])
        if isinstance(v, (Tensor, Variable)):
            return v
        return EagerTensor(to_array(v, dtype, "convert_to_tensor"))
    return pack(value)


def _anchor_dtype(op, inputs):
    """The dtype the same_dtype inputs share, checked; None when they are all plain Python values."""
    group = range(len(inputs)) if op.same_dtype == "all" else op.same_dtype
    anchor = None
    anchor_index = None
    for i in group:
        x = inputs[i]
        if isinstance(x, (Tensor, Variable)):
            d = x.dtype
            if anchor is None:
                anchor, anchor_index = d, i
            elif d is not anchor:
                raise InvalidArgumentError(
                    f"{op.name}: input #{i} has dtype {d.name} but input #{anchor_index} has dtype "
                    f"{anchor.name}; all of them must match (cast one with graphflow.cast). "
                    f"Inputs: {describe(inputs)}")
    if anchor is None:
        # Only Python/NumPy values: NumPy arrays keep their dtype; with mixed Python values, a float
        # among them makes the group float32.
        for i in group:
            x = inputs[i]
            if isinstance(x, (np.ndarray, np.generic)):
                return dtypes.from_numpy(x.dtype)
        defaults = [_default_dtype(inputs[i]) for i in group]
        for d in defaults:
            if d.is_complex:
                return d
        for d in defaults:
            if d.is_floating:
                return d
        return defaults[0] if defaults else None
    return anchor


def convert_inputs(op, inputs):
    """Turns op arguments into tensors (EagerTensor, SymbolicTensor or Variable).

    Python scalars, lists and NumPy arrays in a same_dtype position adopt the tensor operands' dtype.
    """
    anchor = _anchor_dtype(op, inputs) if op.same_dtype else None
    group = range(len(inputs)) if op.same_dtype == "all" else op.same_dtype
    out = list(inputs)
    for i, x in enumerate(inputs):
        if _is_constant_like(x):
            hint = anchor if i in group else None
            packed = autopack(x, hint) if type(x) in (list, tuple) else None
            if packed is not None:
                out[i] = packed
                continue
            try:
                out[i] = EagerTensor(to_array(x, hint, op.name))
            except InvalidArgumentError:
                raise
            except (TypeError, ValueError) as e:
                raise InvalidArgumentError(
                    f"{op.name}: cannot convert input #{i} ({_short(x)}) to a tensor: {e}") from None
    return out


# ---------------------------------------------------------------------------------------------
# Dispatch


def _wrap(value):
    if type(value) is not np.ndarray:
        value = np.asarray(value)
    t = EagerTensor.__new__(EagerTensor)
    t._value = value
    return t


def dispatch(op, inputs, attrs=None, name=None):
    """Runs `op` on `inputs`: eagerly through its NumPy reference, or as a new node of the graph
    being built. Returns one tensor, or a tuple for multi-output ops.

    This is the one path every op call takes, so its common case (eager CPU tensors, or a
    Python number beside a float tensor) is written out inline; anything else (conversion,
    graph building, the GPU, a dtype mismatch to explain) goes through `_dispatch_slow`."""
    # One read of the per-thread state: each attribute read of a threading.local costs about
    # as much as the NumPy kernel of a small add.
    state = context.__dict__
    if state["graph"] is None and state["gpu_placement"] is None:
        tapes = state["tapes"]
        if op.pair and len(inputs) == 2:  # binary ops on operands of one dtype: no list, no loop
            x, y = inputs
            if type(x) is EagerTensor:
                a = x._value
            elif tapes or (a := _fast_scalar(op, inputs, x)) is None:
                return _dispatch_slow(op, inputs, attrs, name)
            if type(y) is EagerTensor:
                b = y._value
            elif tapes or (b := _fast_scalar(op, inputs, y)) is None:
                return _dispatch_slow(op, inputs, attrs, name)
            if a.dtype is not b.dtype and a.dtype != b.dtype:
                _anchor_dtype(op, inputs)  # raises the descriptive error
            arrays = (a, b)
        else:
            arrays = []
            for x in inputs:
                if type(x) is EagerTensor:
                    arrays.append(x._value)
                    continue
                scalar = None if tapes else _fast_scalar(op, inputs, x)
                if scalar is None:
                    return _dispatch_slow(op, inputs, attrs, name)
                arrays.append(scalar)
            if op.same_dtype and len(arrays) > 1:
                _check_same_dtype(op, inputs, arrays)
        kinds = op.input_kinds
        if kinds is not None and arrays and arrays[0].dtype.kind not in kinds:
            _reject_kind(op, arrays[0])
        try:
            result = op.ref(*arrays, **attrs) if attrs else op.ref(*arrays)
        except GraphflowError:
            raise
        except Exception as e:  # the reference failed: let the shape rule say why, naming the op
            _explain_failure(op, inputs, attrs, e)
        if op.num_outputs == 1:
            if type(result) is not np.ndarray:
                result = np.asarray(result)
            out = _new(EagerTensor)
            out._value = result
            if tapes:
                record(op, inputs, attrs, (out,))
            return out
        outs = tuple(_wrap(r) for r in result)
        if tapes:
            record(op, inputs, attrs, outs)
        return outs
    return _dispatch_slow(op, inputs, attrs, name)


_new = object.__new__


def _wrap(value):
    if type(value) is not np.ndarray:
        value = np.asarray(value)
    t = _new(EagerTensor)
    t._value = value
    return t


def _fast_scalar(op, inputs, x):
    """`t * 2.0` without the general conversion: a Python float or int operand of a binary op
    becomes a 0-d array of the tensor operand's floating dtype. Anything else (integer tensors,
    other operand kinds; the caller skips it while tapes record) returns None and takes the
    general path."""
    t = type(x)
    if (t is not float and t is not int) or not op.pair:
        return None
    other = inputs[1] if inputs[0] is x else inputs[0]
    if type(other) is not EagerTensor:
        return None
    dtype = other._value.dtype
    if dtype.kind not in "fc":
        return None
    return np.asarray(x, dtype=dtype)


def _reject_kind(op, array):
    from graphflow.ops import rules
    rules.check_array_kind(op.name, array, op.input_kinds)


def _check_same_dtype(op, inputs, arrays):
    group = range(len(arrays)) if op.same_dtype == "all" else op.same_dtype
    first = None
    for i in group:
        d = arrays[i].dtype
        if first is None:
            first = d
        elif d != first:
            _anchor_dtype(op, inputs)  # raises the descriptive error


# Composite tensors (tf.RaggedTensor) as op arguments: their type -> handler(op, inputs, attrs,
# name), which runs the op's form for them. graphflow.ops.ragged_ops installs itself here (the
# registry cannot import it); they never take the fast path, which wants EagerTensors.
composite_dispatch = {}


def _dispatch_slow(op, inputs, attrs, name):
    if composite_dispatch:
        for x in inputs:
            handler = composite_dispatch.get(type(x))
            if handler is not None:
                return handler(op, inputs, attrs, name)
    inputs = convert_inputs(op, inputs)
    if context.graph is not None or any(isinstance(x, SymbolicTensor) for x in inputs):
        from graphflow.graph import builder
        return builder.add_op(op, inputs, attrs or {}, name)
    tensors = [x.read_value_for_op() if isinstance(x, Variable) else x for x in inputs]
    dev = _hooks.devices.gpu_for(tensors)
    if dev is not None and not _touches_strings(op, tensors, attrs):
        return _run_on_gpu(op, tensors, attrs, dev)
    arrays = [t._value for t in tensors]
    if op.same_dtype:
        _check_same_dtype(op, tensors, arrays)
    if op.input_kinds is not None and arrays and arrays[0].dtype.kind not in op.input_kinds:
        _reject_kind(op, arrays[0])
    return _run_eager(op, tensors, arrays, attrs)


def _touches_strings(op, tensors, attrs):
    """Whether an op reads or makes a tf.string tensor: such ops run in host memory, as TF
    places string kernels on the CPU (tensor.py: a DeviceTensor's host value is its copy)."""
    if any(t.dtype is dtypes.string for t in tensors):
        return True
    return any(d is dtypes.string for _, d in infer_specs(op, tensors, attrs or {}))


def _run_eager(op, inputs, arrays, attrs):
    try:
        result = op.ref(*arrays, **attrs) if attrs else op.ref(*arrays)
    except GraphflowError:
        raise
    except Exception as e:  # the reference failed: let the shape rule say why, naming the op
        _explain_failure(op, inputs, attrs, e)
    if op.num_outputs == 1:
        out = _wrap(result)
        if context.tapes:
            record(op, inputs, attrs, (out,))
        return out
    outs = tuple(_wrap(r) for r in result)
    if context.tapes:
        record(op, inputs, attrs, outs)
    return outs


# Runs one op on GPU arrays: installed by the CUDA target (compiler/lower_cuda.py) when it is
# imported, which graphflow.devices does before any tensor reaches a GPU.
gpu_eager = None


def _run_on_gpu(op, tensors, attrs, dev):
    arrays = [device_array_of(t) for t in tensors]
    if op.same_dtype and len(arrays) > 1:
        _check_same_dtype(op, tensors, arrays)
    if op.input_kinds is not None and arrays and arrays[0].dtype.kind not in op.input_kinds:
        _reject_kind(op, arrays[0])
    try:
        results = gpu_eager(op, arrays, attrs or {})
    except GraphflowError:
        raise
    except Exception as e:  # noqa: BLE001 - let the shape rule say why, naming the op
        _explain_failure(op, tensors, attrs, e)
    outs = tuple(DeviceTensor(r, dev) for r in results)
    if context.tapes:
        record(op, tensors, attrs, outs)
    if op.num_outputs == 1:
        return outs[0]
    return outs


def _explain_failure(op, inputs, attrs, error):
    specs = [Spec(tuple(x.shape.as_list()), x.dtype) for x in inputs]
    op.infer(specs, **(attrs or {}))  # raises a descriptive InvalidArgumentError when it can
    attr_text = f" with {attrs}" if attrs else ""
    raise InvalidArgumentError(
        f"{op.name}: cannot compute on inputs {describe(inputs)}{attr_text}: {error}") from None


def record(op, inputs, attrs, outputs):
    """Offers an executed op to every active GradientTape."""
    for tape in context.tapes:
        tape._record(op, inputs, attrs, outputs)


def infer_specs(op, inputs, attrs):
    """Runs op's shape/dtype rule on tensors; returns a list of (shape tuple, DType)."""
    specs = [Spec(x.shape.dims_tuple(), x.dtype) for x in inputs]
    return op.infer(specs, **attrs)
