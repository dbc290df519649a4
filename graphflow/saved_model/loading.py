"""tf.saved_model.load: the saved object tree rebuilt, its functions callable again.

Loading never runs code: graphs are rebuilt node by node from op names through the op registry
(encoding.py; an unknown op, a newer format, a truncated or altered file is a clear error
naming the file, files.py). The result is an object (_UserObject) with the restored variables,
a RestoredFunction for every saved graphflow.function (calling the saved concrete function
whose traced arguments match) and its children, and `signatures`, SignatureFunctions taking
keyword arguments and returning dicts. Loaded functions share the restored variables, are
differentiable with GradientTape and inline into functions being traced.

    >>> import tempfile
    >>> m = tf.Module()
    >>> m.w = tf.Variable(2.0, name="w")
    >>> m.scale = tf.function(lambda x: x * m.w, input_signature=[tf.TensorSpec([None])])
    >>> path = tempfile.mkdtemp()
    >>> tf.saved_model.save(m, path)
    >>> loaded = tf.saved_model.load(path)
    >>> loaded.scale(tf.constant([1.0, 2.0])).numpy()
    array([2., 4.], dtype=float32)
    >>> loaded.signatures["serving_default"](x=tf.constant([3.0]))["output_0"].numpy()
    array([6.], dtype=float32)
    >>> [v.name for v in variables_used([loaded.scale])]
    ['w:0']
"""
import collections.abc
import os

import numpy as np

from graphflow import checkpoint
from graphflow import dtypes
from graphflow.errors import InvalidArgumentError
from graphflow.graph.function import (
    ConcreteFunction, _checked_array, _Leaf, _paths, flat_call_arguments)
from graphflow.ops.registry import to_array
from graphflow.saved_model.encoding import (
    _decode_structure, _Decoder, _signature_from_json, _spec_from_json)
from graphflow.saved_model.files import (
    DataLossError, _read_constants, _read_document, _variables_prefix)
from graphflow.saved_model.options import LoadOptions
from graphflow.tensor import EagerTensor, SymbolicTensor, Tensor, TensorSpec, Variable
from graphflow.utils import nest


class _UserObject:
    """A loaded object: its variables, functions and children as attributes (TF's
    _UserObject)."""

    def __call__(self, *args, **kwargs):
        # a saved `__call__` is an instance attribute here; Python looks calls up on the type
        fn = vars(self).get("__call__")
        if fn is None:
            raise TypeError("'_UserObject' object is not callable")
        return fn(*args, **kwargs)

    def __repr__(self):
        return f"<graphflow.saved_model loaded object at {id(self):#x}>"


class _SignatureMap(collections.abc.Mapping):
    """`loaded.signatures`: signature name -> callable returning a dict of outputs."""

    def __init__(self, signatures):
        self._signatures = dict(signatures)

    def __getitem__(self, key):
        return self._signatures[key]

    def __iter__(self):
        return iter(self._signatures)

    def __len__(self):
        return len(self._signatures)

    def __repr__(self):
        return f"_SignatureMap({sorted(self._signatures)})"


class SignatureFunction:
    """One loaded signature: called with keyword arguments (one positional one when it has a
    single input, as TF allows), returns {output name: tensor}."""

    def __init__(self, key, concrete, input_names, outputs):
        self.name = key
        self._concrete = concrete
        self._input_names = list(input_names)
        self._output_keys = [k for k, _ in outputs]
        positions = {t.name: i for i, t in enumerate(concrete.outputs)}
        self._output_positions = [positions[name] for _, name in outputs]
        self.graph = concrete.graph

    @property
    def structured_input_signature(self):
        return ((), {n: TensorSpec(leaf.spec.shape, leaf.spec.dtype, n)
                     for n, leaf in zip(self._input_names, self._concrete._input_leaves)})

    @property
    def structured_outputs(self):
        return {k: TensorSpec(self._concrete.outputs[i].shape, self._concrete.outputs[i].dtype, k)
                for k, i in zip(self._output_keys, self._output_positions)}

    @property
    def inputs(self):
        return list(self._concrete.inputs)

    @property
    def outputs(self):
        return [self._concrete.outputs[i] for i in self._output_positions]

    def __call__(self, *args, **kwargs):
        names = self._input_names
        if args:
            if len(args) == 1 and len(names) == 1 and not kwargs:
                kwargs = {names[0]: args[0]}
            else:
                raise TypeError(f"{self.name}({', '.join(names)}) takes 0 positional arguments, "
                                f"got {len(args)} (pass the inputs by name)")
        missing = [n for n in names if n not in kwargs]
        if missing:
            raise TypeError(f"{self.name}: missing a required argument: {missing[0]!r} "
                            f"(the signature takes {names})")
        extra = sorted(set(kwargs) - set(names))
        if extra:
            raise TypeError(f"{self.name}: got an unexpected keyword argument {extra[0]!r} "
                            f"(the signature takes {names})")
        leaves = self._concrete._input_leaves
        values = [_as_argument(kwargs[n], leaf.spec, self.name, n)
                  for n, leaf in zip(names, leaves)]
        if _building(values):
            for n, leaf, v in zip(names, leaves, values):
                _check_symbolic(self.name, n, leaf.spec, v)
            results = _inline(self._concrete, values)
            return {k: results[i] for k, i in zip(self._output_keys, self._output_positions)}
        arrays = [_checked_array(self.name, _Leaf("tensor", None, leaf.spec, n), v)
                  for n, leaf, v in zip(names, leaves, values)]
        concrete = self._concrete
        out = concrete._call_flat(arrays, values)  # (devices and tapes as any call)
        flat = [out] if concrete._single_output else nest.flatten(out, expand_composites=True)
        results = [r for r, o in zip(flat, concrete._flat_outputs) if isinstance(o, SymbolicTensor)]
        return {k: results[i] for k, i in zip(self._output_keys, self._output_positions)}

    def __repr__(self):
        inputs = ", ".join(f"{n}: {leaf.spec}" for n, leaf in
                           zip(self._input_names, self._concrete._input_leaves))
        return f"<SignatureFunction {self.name}({inputs})>"


def _building(tensors):
    """Whether a call happens while a graph is built (a loaded function used inside a
    graphflow.function or a compiled Keras step): its graph is then inlined there."""
    from graphflow.context import context
    return context.graph is not None or any(isinstance(t, SymbolicTensor) for t in tensors)


def _check_symbolic(fn_name, arg_name, spec, value):
    if value.dtype is not spec.dtype or not spec.shape.is_compatible_with(value.shape):
        raise InvalidArgumentError(
            f"{fn_name}: argument {arg_name} has dtype {value.dtype.name} and shape "
            f"{value.shape}, but the traced signature expects {spec}")


def _inline(concrete, tensors):
    """The concrete function's graph run again in the graph being built (or eagerly), its
    placeholders bound to `tensors`: the flat results, one per graph output."""
    import types
    from graphflow.ops.subgraph import inline
    view = types.SimpleNamespace(nodes=concrete.graph.nodes, inputs=concrete.inputs,
                                 outputs=concrete.outputs)
    return inline(view, tensors)


def variables_used(functions):
    """The variables the concrete functions of loaded functions or signatures read or write
    (nested bodies included), each once, in order of first use."""
    from graphflow.ops.subgraph import bodies_of
    found = {}

    def walk(graph):
        for node in graph.nodes:
            var = node.attrs.get("var")
            if isinstance(var, Variable):
                found.setdefault(id(var), var)
            for body in bodies_of(node):
                walk(body.graph)
    for fn in functions:
        concretes = fn._concretes if isinstance(fn, RestoredFunction) else [fn._concrete]
        for concrete in concretes:
            walk(concrete.graph)
    return list(found.values())


def _as_argument(value, spec, fn_name, arg_name):
    if isinstance(value, Variable):
        return value.value()
    if isinstance(value, Tensor):
        return value
    try:
        return EagerTensor(to_array(value, spec.dtype, fn_name))
    except InvalidArgumentError as e:
        raise InvalidArgumentError(f"{fn_name}: argument {arg_name}: {e}") from None


class RestoredFunction:
    """A loaded graphflow.function: calls the saved concrete function whose traced arguments
    match (tensors by dtype and compatible shape, Python values by value), as TF's
    RestoredFunction."""

    def __init__(self, name, concretes, parameters, input_signature):
        self.__name__ = name
        self._concretes = concretes
        self._parameters_json = parameters
        self._sig = _signature_from_json(parameters)
        self._has_input_signature = input_signature

    @property
    def concrete_functions(self):
        return list(self._concretes)

    @property
    def input_signature(self):
        if self._has_input_signature and len(self._concretes) == 1:
            return tuple(leaf.spec for leaf in self._concretes[0]._input_leaves)
        return None

    def _bind(self, args, kwargs):
        if self._sig is None:
            return flat_call_arguments(None, args, kwargs)
        try:
            bound = self._sig.bind(*args, **kwargs)
        except TypeError as e:
            raise TypeError(f"{self.__name__}: {e}") from None
        return flat_call_arguments(bound)

    def _match(self, concrete, values, names):
        """The tensors of a call for `concrete`, or None when the call does not match it."""
        flat, paths = [], []
        for name, value in zip(names, values):
            if self._has_input_signature and not isinstance(value, (Tensor, Variable)) and \
                    not nest.is_nested(value) and value is not None:
                value = np.asarray(value)
            flat += nest.flatten(value, expand_composites=True)
            paths += _paths(value, name)
        traced = concrete._leaves
        if len(flat) != len(traced) or any(p != leaf.path for p, leaf in zip(paths, traced)):
            return None
        tensors = []
        for value, leaf in zip(flat, traced):
            if leaf.kind == "python":
                if isinstance(value, (Tensor, Variable, np.ndarray)) or \
                        type(value) is not type(leaf.key[2]) or value != leaf.key[2]:
                    return None
                continue
            if isinstance(value, Variable):
                value = value.value()
            elif isinstance(value, np.ndarray):
                if self._has_input_signature:
                    try:
                        value = EagerTensor(to_array(value, leaf.spec.dtype, self.__name__))
                    except InvalidArgumentError:
                        return None
                else:
                    value = EagerTensor(value)
            if not isinstance(value, Tensor) or value.dtype is not leaf.spec.dtype or \
                    not leaf.spec.shape.is_compatible_with(value.shape):
                return None
            tensors.append(value)
        return tensors

    def _find(self, args, kwargs):
        values, names = self._bind(args, kwargs)
        for concrete in self._concretes:
            tensors = self._match(concrete, values, names)
            if tensors is not None:
                return concrete, tensors
        options = "\n\n".join(
            f"Option {i + 1}:\n  " + "\n  ".join(
                f"{leaf.path}: {leaf.spec if leaf.kind == 'tensor' else repr(leaf.key[2])}"
                for leaf in c._leaves) for i, c in enumerate(self._concretes))
        got = "\n  ".join(f"{n}: {v!r:.80}" for n, v in zip(names, values))
        raise ValueError(
            "Could not find matching concrete function to call loaded from the SavedModel. "
            f"Got:\n  {got}\n\n Expected these arguments to match one of the following "
            f"{len(self._concretes)} option(s):\n\n{options}")

    def __call__(self, *args, **kwargs):
        concrete, tensors = self._find(args, kwargs)
        if _building(tensors):
            return concrete._pack_outputs(_inline(concrete, tensors))
        from graphflow.tensor import device_array_of
        arrays = [device_array_of(t) if isinstance(t, EagerTensor) else np.asarray(t)
                  for t in tensors]
        return concrete._call_flat(arrays, tensors)

    def get_concrete_function(self, *args, **kwargs):
        """The saved concrete function these arguments (tensors or TensorSpecs) select."""
        from graphflow.graph.function import _specs_to_tensors
        args = tuple(_specs_to_tensors(a) for a in args)
        kwargs = {k: _specs_to_tensors(v) for k, v in kwargs.items()}
        if not args and not kwargs and len(self._concretes) == 1:
            return self._concretes[0]
        return self._find(args, kwargs)[0]

    def __repr__(self):
        return f"<RestoredFunction {self.__name__} ({len(self._concretes)} concrete)>"


def _restore_variables(export_dir, document, options, path):
    entries = document["variables"]
    values = {}
    if not options.experimental_skip_checkpoint and not document.get("skip_saver"):
        values = checkpoint.read_checkpoint(_variables_prefix(export_dir))
    out = []
    for e in entries:
        dtype = dtypes.as_dtype(e["dtype"])
        shape = tuple(e["shape"])
        if e["path"] in values:
            array, dtype_name = values[e["path"]]
            if tuple(array.shape) != shape or dtypes.as_dtype(dtype_name) is not dtype:
                raise DataLossError(
                    f"SavedModel variable {e['path']!r} in {_variables_prefix(export_dir)} is "
                    f"{dtype_name}{list(array.shape)}, but {path} says {dtype.name}{list(shape)}")
        elif values and not options.allow_partial_checkpoint:
            raise DataLossError(f"SavedModel variables {_variables_prefix(export_dir)} lack "
                                f"variable {e['path']!r}")
        else:
            array = np.zeros(shape, dtype.np)
        name = e["name"][:-2] if e["name"].endswith(":0") else e["name"]
        out.append(Variable(array, trainable=e["trainable"], name=name, dtype=dtype))
    return out


def load(export_dir, tags=None, options=None):
    """Loads a SavedModel graphflow wrote: an object with the saved variables, functions,
    children and `signatures`. Nothing in the files is executed; graphs are rebuilt from op
    names through the op registry.

        >>> import tempfile
        >>> m = tf.Module()
        >>> m.v = tf.Variable(3.0)
        >>> m.get = tf.function(lambda: m.v + 1.0)
        >>> path = tempfile.mkdtemp()
        >>> tf.saved_model.save(m, path)
        >>> loaded = tf.saved_model.load(path)
        >>> float(loaded.get()), float(loaded.v)
        (4.0, 3.0)
    """
    options = options or LoadOptions()
    if not isinstance(options, LoadOptions):
        raise TypeError(f"options must be a tf.saved_model.LoadOptions, got {options!r:.60}")
    export_dir = os.fspath(export_dir)
    path, document = _read_document(export_dir)
    decoder = _Decoder(path, {}, [])
    try:
        decoder.arrays = _read_constants(export_dir)
        decoder.variables = _restore_variables(export_dir, document, options, path)
        concretes = [_rebuild_function(decoder, f) for f in document["functions"]]
        root = _rebuild_object(decoder, document["root"], concretes, document["functions"],
                               {}, "")
        signatures = {}
        for key, s in document["signatures"].items():
            concrete = concretes[s["function"]]
            signatures[key] = SignatureFunction(key, concrete, s["inputs"], s["outputs"])
        if isinstance(root, _UserObject):
            root.signatures = _SignatureMap(signatures)
            if options.experimental_load_function_aliases:
                root.function_aliases = {
                    alias: _restored(decoder, alias, [concretes[i] for i in ids],
                                     document["functions"][ids[0]] if ids else {})
                    for alias, ids in document.get("function_aliases", {}).items()}
    except DataLossError:
        raise
    except (TypeError, ValueError, KeyError, AttributeError, IndexError) as e:
        raise DataLossError(f"SavedModel file {path} is damaged or not a graphflow SavedModel: "
                            f"{type(e).__name__}: {e}") from None
    return root


def _rebuild_function(decoder, data):
    graph, env = decoder.graph(data["graph"])
    graph.finalize()
    inputs = [env[n] for n in data["inputs"]]
    leaves = []
    for leaf in data["leaves"]:
        if leaf["kind"] == "tensor":
            spec = _spec_from_json(leaf["spec"])
            leaves.append(_Leaf("tensor", ("tensor", spec.dtype.name, spec.shape.dims_tuple()),
                                spec, leaf["path"]))
        elif leaf["kind"] == "python":
            value = decoder.value(leaf["value"])
            leaves.append(_Leaf("python", ("python", type(value).__name__, value), None,
                                leaf["path"]))
        else:
            raise decoder.bad(f"unknown argument kind {leaf['kind']!r}")
    if len(inputs) != sum(leaf.kind == "tensor" for leaf in leaves):
        raise decoder.bad(f"function {data['name']!r} has {len(inputs)} inputs for "
                          f"{len(leaves)} arguments")
    flat = []

    def leaf(item):
        if isinstance(item, dict) and set(item) == {"__output__"}:
            t = env.get(item["__output__"])
            if t is None:
                raise decoder.bad(f"function {data['name']!r} returns unknown tensor "
                                  f"{item['__output__']!r}")
            flat.append(t)
            return t
        if isinstance(item, dict) and set(item) == {"__python__"}:
            value = decoder.value(item["__python__"])
            flat.append(value)
            return value
        raise decoder.bad(f"bad output entry {item!r:.60}")
    structure = _decode_structure(data["outputs"], leaf)
    return ConcreteFunction(data["name"], graph, inputs, leaves, structure, flat)


def _restored(decoder, name, concretes, entry):
    return RestoredFunction(name, concretes, entry.get("parameters"),
                            entry.get("input_signature", False))


def _rebuild_object(decoder, data, concretes, functions, seen, path):
    kind = data["kind"]
    if kind == "variable":
        return decoder.value({"__variable__": data["variable"]})
    if kind == "list":
        return [None if item is None else
                _rebuild_object(decoder, item, concretes, functions, seen, f"{path}/{i}")
                for i, item in enumerate(data["items"])]
    if kind == "dict":
        return {k: _rebuild_object(decoder, item, concretes, functions, seen, f"{path}/{k}")
                for k, item in data["items"]}
    if kind == "ref":
        if data["path"] not in seen:
            raise decoder.bad(f"reference to unknown object {data['path']!r}")
        return seen[data["path"]]
    if kind != "object":
        raise decoder.bad(f"unknown object kind {kind!r}")
    obj = _UserObject()
    seen[path] = obj
    for name, ids in data["functions"].items():
        if not ids:
            entry = {}
        else:
            entry = functions[ids[0]]
        setattr(obj, name, _restored(decoder, name, [concretes[i] for i in ids], entry))
    for name, child in data["children"].items():
        setattr(obj, name, _rebuild_object(decoder, child, concretes, functions, seen,
                                           f"{path}/{name}" if path else name))
    return obj
