"""tf.saved_model: save a tf.Module or Keras model with its traced functions, load it back.

graphflow cannot read TensorFlow's protobuf SavedModels; it writes a format of its own in TF's
directory layout:

    saved_model.json                     the object tree, every traced concrete function's graph
                                         (nodes by op name and attrs), the signatures
    saved_model.npz                      the arrays the graphs hold (constants), never pickled
    variables/variables.index            the variables, written by graphflow's checkpoint code
    variables/variables.data-00000-of-00001
    assets/                              (empty: graphflow has no assets)

Loading never runs code: graphs are rebuilt node by node from op names through the op registry
(an unknown op, a newer format, a truncated or altered file is a clear error naming the file),
and NumPy arrays are read with allow_pickle=False. What is saved, as in TF: the variables the
root object tracks, every `graphflow.function` attribute (of the root and of the objects below
it) with the concrete functions traced so far (those with an input_signature, or without
arguments, are traced when saved), and `signatures`. Loaded functions share the restored
variables and are differentiable with GradientTape.

    >>> import tempfile
    >>> class Scale(tf.Module):
    ...     def __init__(self):
    ...         self.w = tf.Variable(2.0)
    ...     @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    ...     def __call__(self, x):
    ...         return x * self.w
    >>> path = tempfile.mkdtemp()
    >>> tf.saved_model.save(Scale(), path)
    >>> loaded = tf.saved_model.load(path)
    >>> loaded(tf.constant([1.0, 2.0])).numpy()
    array([2., 4.], dtype=float32)
    >>> loaded.signatures["serving_default"](x=tf.constant([3.0]))["output_0"].numpy()
    array([6.], dtype=float32)
"""
import base64
import collections.abc
import inspect
import json
import math
import os
import zipfile

import numpy as np

from graphflow import dtypes
from graphflow import errors as _errors
from graphflow.errors import InvalidArgumentError
from graphflow.graph.function import ConcreteFunction, Function, _Leaf, _checked_array, _paths
from graphflow.graph.ir import Graph
from graphflow.module import Module
from graphflow.ops.registry import REGISTRY, to_array
from graphflow.ops.subgraph import Body
from graphflow.tensor import EagerTensor, SymbolicTensor, Tensor, TensorShape, TensorSpec, Variable
from graphflow.utils import nest

FORMAT = "graphflow-saved-model"
VERSION = 1
GRAPH_FILE = "saved_model.json"
CONSTANTS_FILE = "saved_model.npz"
VARIABLES_DIRECTORY = "variables"
VARIABLES_FILENAME = "variables"
ASSETS_DIRECTORY = "assets"
SAVED_MODEL_FILENAME_PB = "saved_model.pb"
SAVED_MODEL_FILENAME_PBTXT = "saved_model.pbtxt"
SERVING = "serve"
DEFAULT_SERVING_SIGNATURE_DEF_KEY = "serving_default"

__all__ = ["save", "load", "contains_saved_model", "SaveOptions", "LoadOptions",
           "DEFAULT_SERVING_SIGNATURE_DEF_KEY", "SERVING"]


class DataLossError(_errors.DataLossError, InvalidArgumentError):
    """A SavedModel file is damaged or not graphflow's (TF's DataLossError; also an
    InvalidArgumentError, as graphflow's checkpoint errors are)."""


# -- options --------------------------------------------------------------------------------------

class SaveOptions:
    """Options for tf.saved_model.save (TF's arguments). `function_aliases` is saved (read back
    with LoadOptions(experimental_load_function_aliases=True)); `experimental_skip_saver`
    leaves the variables out of the files. The others concern TF's runtime (devices, the
    protobuf image format, sharding) and are accepted without effect.

        >>> tf.saved_model.SaveOptions(function_aliases={"f": None}).function_aliases
        {'f': None}
    """

    def __init__(self, namespace_whitelist=None, save_debug_info=False, function_aliases=None,
                 experimental_debug_stripper=False, experimental_io_device=None,
                 experimental_variable_policy=None, experimental_custom_gradients=True,
                 experimental_image_format=False, experimental_skip_saver=False,
                 experimental_sharding_callback=None, extra_tags=None):
        self.namespace_whitelist = namespace_whitelist
        self.save_debug_info = save_debug_info
        self.function_aliases = function_aliases if function_aliases else {}
        self.experimental_debug_stripper = experimental_debug_stripper
        self.experimental_io_device = experimental_io_device
        self.experimental_variable_policy = experimental_variable_policy
        self.experimental_custom_gradients = experimental_custom_gradients
        self.experimental_image_format = experimental_image_format
        self.experimental_skip_saver = experimental_skip_saver
        self.experimental_sharding_callback = experimental_sharding_callback
        self.extra_tags = extra_tags


class LoadOptions:
    """Options for tf.saved_model.load (TF's arguments). `experimental_skip_checkpoint`
    leaves the variables at zero instead of reading them, `allow_partial_checkpoint` lets
    variables missing from the files stay zero, `experimental_load_function_aliases` makes
    `loaded.function_aliases`; the device and variable policies are accepted without effect.

        >>> options = tf.saved_model.LoadOptions(experimental_skip_checkpoint=True)
        >>> options.experimental_skip_checkpoint
        True
    """

    def __init__(self, allow_partial_checkpoint=False, experimental_io_device=None,
                 experimental_skip_checkpoint=False, experimental_variable_policy=None,
                 experimental_load_function_aliases=False):
        self.allow_partial_checkpoint = allow_partial_checkpoint
        self.experimental_io_device = experimental_io_device
        self.experimental_skip_checkpoint = experimental_skip_checkpoint
        self.experimental_variable_policy = experimental_variable_policy
        self.experimental_load_function_aliases = experimental_load_function_aliases


# -- contains / paths ------------------------------------------------------------------------------

def contains_saved_model(export_dir):
    """Whether `export_dir` holds a SavedModel: graphflow's (`saved_model.json`) or TF's
    (`saved_model.pb`/`.pbtxt`, which graphflow cannot load), as TF checks for its files.

        >>> import tempfile
        >>> tf.saved_model.contains_saved_model(tempfile.mkdtemp())
        False
    """
    export_dir = os.fspath(export_dir)
    return any(os.path.isfile(os.path.join(export_dir, f))
               for f in (GRAPH_FILE, SAVED_MODEL_FILENAME_PB, SAVED_MODEL_FILENAME_PBTXT))


def _variables_prefix(export_dir):
    return os.path.join(export_dir, VARIABLES_DIRECTORY, VARIABLES_FILENAME)


# -- attrs and structures to JSON ------------------------------------------------------------------

class _Unsaveable(InvalidArgumentError):
    pass


class _Encoder:
    """Turns attrs, graphs and structures into JSON values; arrays go to `arrays` (the npz)."""

    def __init__(self, variable_index):
        self.variable_index = variable_index  # id(Variable) -> position in the variable table
        self.arrays = {}
        self.where = ""

    def array(self, value):
        if value.dtype == object or value.dtype.kind in "SU":  # tf.string: JSON, not pickle
            flat = [bytes(v) if isinstance(v, (bytes, np.bytes_)) else str(v).encode()
                    for v in value.reshape(-1)]
            return {"__strings__": [base64.b64encode(v).decode("ascii") for v in flat],
                    "shape": list(value.shape)}
        key = f"a{len(self.arrays)}"
        self.arrays[key] = np.array(value, order="C")  # (ascontiguousarray makes 0-d arrays 1-d)
        return {"__array__": key}

    def value(self, v):
        """One attr value (None, numbers, strings, bytes, tuples, lists, dicts, arrays, dtypes,
        shapes, slices, Variables, subgraph Bodies)."""
        if v is None or isinstance(v, (bool, str)):
            return v
        if isinstance(v, int) and not isinstance(v, np.generic):
            return v
        if isinstance(v, float) and not isinstance(v, np.generic):
            return v if math.isfinite(v) else {"__float__": repr(v)}
        if isinstance(v, bytes):
            return {"__bytes__": base64.b64encode(v).decode("ascii")}
        if isinstance(v, np.ndarray):
            return self.array(v)
        if isinstance(v, np.generic):
            return {"__scalar__": self.array(np.asarray(v))}
        if isinstance(v, tuple) and not hasattr(v, "_fields"):
            return {"__tuple__": [self.value(x) for x in v]}
        if isinstance(v, list):
            return [self.value(x) for x in v]
        if isinstance(v, dict):
            return {"__dict__": [[self.value(k), self.value(x)] for k, x in v.items()]}
        if isinstance(v, dtypes.DType):
            return {"__dtype__": v.name}
        if isinstance(v, np.dtype) and v.kind in "biuf":
            return {"__numpy_dtype__": v.str}
        if isinstance(v, TensorShape):
            dims = v.dims_tuple()
            return {"__shape__": None if dims is None else list(dims)}
        if isinstance(v, slice):
            return {"__slice__": [self.value(v.start), self.value(v.stop), self.value(v.step)]}
        if v is Ellipsis:
            return {"__ellipsis__": True}
        if isinstance(v, Variable):
            index = self.variable_index.get(id(v))
            if index is None:
                raise _Unsaveable(
                    f"tf.saved_model.save: {self.where} uses variable {v.name!r}, which the "
                    "object being saved does not track; assign it to an attribute of the "
                    "object (TF: 'Tried to export a function which references an untracked "
                    "resource')")
            return {"__variable__": index}
        if isinstance(v, Body):
            return {"__body__": self.body(v)}
        if callable(v):
            raise _Unsaveable(
                f"tf.saved_model.save: {self.where} holds a Python callable "
                f"({getattr(v, '__name__', type(v).__name__)}); tf.py_function and "
                "tf.numpy_function run Python code, which a SavedModel cannot hold (it holds "
                "graphs only)")
        raise _Unsaveable(f"tf.saved_model.save: {self.where} holds a {type(v).__name__} "
                          f"({v!r:.60}), which a SavedModel cannot hold")

    def graph(self, graph, inputs=None, outputs=None):
        nodes = []
        where = self.where
        for node in graph.nodes:
            entry = {"name": node.name, "op": node.opdef.name,
                     "inputs": [t.name for t in node.inputs],
                     "outputs": [[_dims(t), t.dtype.name] for t in node.outputs]}
            if node.attrs:
                attrs = {}
                for key, value in node.attrs.items():
                    self.where = f"{where}, node {node.name!r} (op {node.opdef.name}) attr {key!r}"
                    attrs[key] = self.value(value)
                entry["attrs"] = attrs
            if node.control_inputs:
                entry["control_inputs"] = [n.name for n in node.control_inputs]
            nodes.append(entry)
        self.where = where
        return {"name": graph.name, "nodes": nodes,
                "inputs": [t.name for t in (graph.inputs if inputs is None else inputs)],
                "outputs": [t.name for t in (graph.outputs if outputs is None else outputs)],
                "targets": [n.name for n in graph.targets]}

    def body(self, body):
        if body.source is not body:
            raise _Unsaveable(f"tf.saved_model.save: {self.where}: an optimized body cannot "
                              "be saved (save the traced function)")
        where = self.where
        self.where = f"{where}, body {body.name!r}"
        try:
            return {"name": body.name, "n_args": body.n_args, "graph": self.graph(body.graph),
                    "captured": [t.name for t in body.captured]}
        finally:
            self.where = where


def _dims(t):
    dims = t.shape.dims_tuple()
    return None if dims is None else list(dims)


class _Decoder:
    """The inverse of _Encoder, checking everything it reads (errors name `path`)."""

    def __init__(self, path, arrays, variables):
        self.path = path
        self.arrays = arrays        # the npz's arrays (read without pickle)
        self.variables = variables  # the restored Variables, in table order

    def bad(self, why):
        return DataLossError(f"SavedModel file {self.path} is damaged or not a graphflow "
                             f"SavedModel: {why}")

    def value(self, v, graph=None, env=None):
        if v is None or isinstance(v, (bool, int, float, str)):
            return v
        if isinstance(v, list):
            return [self.value(x, graph, env) for x in v]
        if not isinstance(v, dict) or len(v) not in (1, 2):
            raise self.bad(f"unexpected attr value {v!r:.80}")
        tag = next(iter(v)) if len(v) == 1 else ("__strings__" if "__strings__" in v else None)
        item = v.get(tag)
        try:
            if tag == "__tuple__":
                return tuple(self.value(x, graph, env) for x in item)
            if tag == "__dict__":
                return {self.value(k, graph, env): self.value(x, graph, env) for k, x in item}
            if tag == "__array__":
                if item not in self.arrays:
                    raise self.bad(f"array {item!r} is not in {CONSTANTS_FILE}")
                return self.arrays[item]
            if tag == "__strings__":
                flat = np.empty(len(item), dtype=object)
                flat[:] = [base64.b64decode(s.encode("ascii"), validate=True) for s in item]
                return flat.reshape(v["shape"])
            if tag == "__scalar__":
                return self.value(item)[()]
            if tag == "__float__":
                if item not in ("nan", "inf", "-inf"):
                    raise self.bad(f"bad float {item!r}")
                return float(item)
            if tag == "__bytes__":
                return base64.b64decode(item.encode("ascii"), validate=True)
            if tag == "__dtype__":
                return dtypes.as_dtype(item)
            if tag == "__numpy_dtype__":
                out = np.dtype(item)
                if out.kind not in "biuf":
                    raise ValueError(f"{item!r} is not a numeric dtype")
                return out
            if tag == "__shape__":
                return TensorShape(item)
            if tag == "__slice__":
                return slice(*[self.value(x) for x in item])
            if tag == "__ellipsis__":
                return Ellipsis
            if tag == "__variable__":
                if not isinstance(item, int) or not 0 <= item < len(self.variables):
                    raise self.bad(f"variable reference {item!r} is out of range")
                return self.variables[item]
            if tag == "__body__":
                return self.body(item, graph, env)
        except DataLossError:
            raise
        except (TypeError, ValueError, KeyError, AttributeError, IndexError) as e:
            raise self.bad(f"bad {tag} value: {e}") from None
        raise self.bad(f"unknown attr tag {tag!r}")

    def graph(self, data, outer=None, graph=None):
        """A Graph rebuilt from its JSON (ops through the registry); returns (graph, env
        {tensor name: tensor})."""
        try:
            g = graph or Graph(is_function=True, outer=outer, name=data["name"])
            env, by_name = {}, {}
            for entry in data["nodes"]:
                op = REGISTRY.get(entry["op"])
                if op is None:
                    raise DataLossError(
                        f"SavedModel file {self.path}: node {entry['name']!r} uses op "
                        f"{entry['op']!r}, which this graphflow does not have (saved by a "
                        "newer graphflow?)")
                inputs = [self._tensor(env, name) for name in entry["inputs"]]
                attrs = {k: self.value(x, g, env) for k, x in entry.get("attrs", {}).items()}
                specs = [(None if shape is None else tuple(shape), dtypes.as_dtype(dtype))
                         for shape, dtype in entry["outputs"]]
                if isinstance(op.num_outputs, int) and op.num_outputs > 0 and \
                        len(specs) != op.num_outputs:
                    raise self.bad(f"node {entry['name']!r} ({op.name}) has {len(specs)} "
                                   f"outputs; the op has {op.num_outputs}")
                node = g.add_node(op, inputs, attrs, specs, entry["name"])
                if node.name != entry["name"]:
                    raise self.bad(f"node name {entry['name']!r} is used twice")
                node.device = None
                node.control_inputs = tuple(by_name[n] for n in entry.get("control_inputs", ()))
                by_name[node.name] = node
                env.update((t.name, t) for t in node.outputs)
            g.inputs = [self._tensor(env, n) for n in data["inputs"]]
            g.outputs = [self._tensor(env, n) for n in data["outputs"]]
            g.targets = [by_name[n] for n in data["targets"]]
        except DataLossError:
            raise
        except (TypeError, ValueError, KeyError, AttributeError, IndexError) as e:
            raise self.bad(f"bad graph {data.get('name') if isinstance(data, dict) else ''!r}: "
                           f"{type(e).__name__}: {e}") from None
        return g, env

    def _tensor(self, env, name):
        t = env.get(name)
        if t is None:
            raise self.bad(f"tensor {name!r} is used before it is made")
        return t

    def body(self, data, parent, parent_env):
        if parent is None:
            raise self.bad("a body outside any graph")
        captured = [self._tensor(parent_env, n) for n in data["captured"]]
        g, _ = self.graph(data["graph"], outer=parent)
        n_args = data["n_args"]
        if not isinstance(n_args, int) or not 0 <= n_args <= len(g.inputs):
            raise self.bad(f"body {data['name']!r} has {len(g.inputs)} inputs for {n_args!r} "
                           "arguments")
        body = Body(g, n_args, data["name"])
        body.captured = captured
        g.captures = {id(o): (o, i) for o, i in zip(captured, g.inputs[n_args:])}
        g.finalize()
        return body


# -- what a concrete function's arguments and results look like ------------------------------------

def _encode_structure(value, leaf):
    """A nested list/tuple/dict with `leaf(x)` at the leaves, in tf.nest's order."""
    if isinstance(value, dict):
        return {"__dict__": [[k, _encode_structure(value[k], leaf)]
                             for k in nest._sorted_keys(value)]}
    if isinstance(value, (list, tuple)) and not hasattr(value, "_fields"):
        items = [_encode_structure(x, leaf) for x in value]
        return items if isinstance(value, list) else {"__tuple__": items}
    return leaf(value)


def _decode_structure(data, leaf):
    if isinstance(data, list):
        return [_decode_structure(x, leaf) for x in data]
    if isinstance(data, dict) and set(data) == {"__tuple__"}:
        return tuple(_decode_structure(x, leaf) for x in data["__tuple__"])
    if isinstance(data, dict) and set(data) == {"__dict__"}:
        return {k: _decode_structure(x, leaf) for k, x in data["__dict__"]}
    return leaf(data)


def _spec_json(spec):
    return {"shape": _dims(spec), "dtype": spec.dtype.name, "name": spec.name}


def _spec_from_json(data):
    return TensorSpec(data["shape"], dtypes.as_dtype(data["dtype"]), data.get("name"))


def _parameters(function):
    """The Python parameters of a Function (self excluded for methods), as JSON."""
    sig = function._sig
    if sig is None:
        return None
    out = []
    for p in sig.parameters.values():
        entry = {"name": p.name, "kind": p.kind.name}
        if p.default is not inspect.Parameter.empty:
            try:
                entry["default"] = _Encoder({}).value(p.default) if not isinstance(
                    p.default, np.ndarray) else None
            except InvalidArgumentError:
                entry["default"] = None  # not JSON: a call must pass the argument
                entry["opaque_default"] = True
        out.append(entry)
    return out


def _signature_from_json(params):
    if params is None:
        return None
    out = []
    for p in params:
        kind = inspect.Parameter.__dict__[p["kind"]] if p["kind"] in (
            "POSITIONAL_ONLY", "POSITIONAL_OR_KEYWORD", "VAR_POSITIONAL", "KEYWORD_ONLY",
            "VAR_KEYWORD") else None
        if kind is None:
            raise ValueError(f"bad parameter kind {p['kind']!r}")
        default = inspect.Parameter.empty
        if "default" in p and not p.get("opaque_default"):
            default = _Decoder("", {}, []).value(p["default"])
        out.append(inspect.Parameter(p["name"], kind, default=default))
    return inspect.Signature(out)


# -- saving ---------------------------------------------------------------------------------------

def _is_keras_layer(obj):
    return hasattr(obj, "trainable_weights") and hasattr(obj, "non_trainable_weights") \
        and hasattr(obj, "weights")


def _trackable(obj):
    return isinstance(obj, (Module, _UserObject, _ExportArchive)) or _is_keras_layer(obj)


def _functions_of(obj):
    """{name: Function or RestoredFunction} of one object's attributes, class attributes
    (methods decorated with graphflow.function) included, in sorted order."""
    found = {}
    for name, value in vars(obj).items():
        if isinstance(value, (Function, RestoredFunction)):
            found[name] = value
    for klass in type(obj).__mro__:
        for name, value in vars(klass).items():
            if isinstance(value, Function) and name not in found:
                found[name] = getattr(obj, name)
    return dict(sorted(found.items()))


def _concretes(function):
    """The concrete functions to save for one Function: every trace so far, after tracing
    the one an input_signature (or an empty parameter list) defines."""
    if isinstance(function, RestoredFunction):
        return list(function._concretes)
    if function._input_signature is not None or (function._sig is not None
                                                 and not function._sig.parameters):
        function.get_concrete_function()
    out = []
    for concrete in function._cache.values():
        if not any(c is concrete for c in out):
            out.append(concrete)
    return out


def _children(obj):
    """{name: child} of a trackable object: its attributes holding variables, trackable objects
    or containers of them."""
    if _is_keras_layer(obj) and not isinstance(obj, Module):
        # a Keras layer: its weights held in public attributes (a Dense's kernel and bias);
        # sublayers and the rest of Keras's bookkeeping stay behind, as in TF's loaded layers
        weights = {id(w) for w in obj.weights}
        return {name: value for name, value in sorted(vars(obj).items())
                if not name.startswith("_") and isinstance(value, Variable)
                and id(value) in weights}
    ignored = getattr(obj, "_TF_MODULE_IGNORED_PROPERTIES", frozenset())
    out = {}
    for name in sorted(vars(obj)):
        if name in ignored or name == "signatures":
            continue
        value = vars(obj)[name]
        # an export archive lists its variables even when a list is empty, as Keras's does
        if _holds_trackable(value) or (isinstance(obj, _ExportArchive) and value == []):
            out[name] = value
    return out


def _holds_trackable(value):
    if isinstance(value, Variable) or _trackable(value):
        return True
    if isinstance(value, (list, tuple)):
        return any(_holds_trackable(v) for v in value)
    if isinstance(value, dict):
        return any(_holds_trackable(v) for v in value.values())
    return False


class _Saver:
    def __init__(self, root, options):
        from graphflow import checkpoint
        self.root = root
        self.options = options
        self.paths = {}  # the checkpoint's {path: Variable}, as graphflow checkpoints name them
        checkpoint._walk(root, "", self.paths, {})
        self._add_container_variables(root, "")
        self.variables = list(self.paths.values())
        self.variable_paths = list(self.paths)
        self.encoder = _Encoder({id(v): i for i, v in enumerate(self.variables)})
        self.functions = []         # JSON of each concrete function
        self.function_ids = {}      # id(ConcreteFunction) -> position
        self.concretes = []

    def _add_container_variables(self, obj, prefix, seen=None):
        """Variables below plain objects (export archives, loaded objects), which the
        checkpoint walk does not enter."""
        seen = set() if seen is None else seen
        if id(obj) in seen:
            return
        seen.add(id(obj))
        known = {id(v) for v in self.paths.values()}
        for name, child in _children(obj).items() if _trackable(obj) else ():
            for path, leaf in _leaves(child, f"{prefix}{name}"):
                if isinstance(leaf, Variable):
                    if id(leaf) not in known:
                        self.paths[path] = leaf
                        known.add(id(leaf))
                elif _trackable(leaf):
                    if _is_keras_layer(leaf) and not isinstance(leaf, Module):
                        for i, w in enumerate(leaf.weights):
                            if id(w) not in known:
                                self.paths[f"{path}/variables/{i}"] = w
                                known.add(id(w))
                    self._add_container_variables(leaf, f"{path}/", seen)

    def concrete(self, concrete, function):
        index = self.function_ids.get(id(concrete))
        if index is not None:
            return index
        self.encoder.where = f"function {concrete.name!r}"
        leaves = []
        for leaf in concrete._leaves:
            if leaf.kind == "tensor":
                if _is_composite_leaf_path(leaf.path):
                    raise _Unsaveable(f"tf.saved_model.save: function {concrete.name!r} takes a "
                                      f"composite tensor ({leaf.path}); graphflow's SavedModel "
                                      "saves dense tensor arguments only")
                leaves.append({"kind": "tensor", "path": leaf.path, "spec": _spec_json(leaf.spec)})
            elif leaf.kind == "python":
                leaves.append({"kind": "python", "path": leaf.path,
                               "value": self.encoder.value(leaf.key[2])})
            else:
                raise _Unsaveable(
                    f"tf.saved_model.save: function {concrete.name!r} was traced with "
                    f"{leaf.path} = {leaf.key[0]}; only tensors and Python values can be "
                    "arguments of a saved function")
        outputs = self._outputs(concrete)
        entry = {"name": concrete.name,
                 "graph": self.encoder.graph(concrete.graph, inputs=[], outputs=[]),
                 "inputs": [t.name for t in concrete.inputs], "leaves": leaves,
                 "outputs": outputs,
                 "parameters": _parameters(function) if isinstance(function, Function)
                 else function._parameters_json,
                 "input_signature": bool(getattr(function, "_input_signature", None) is not None)}
        self.function_ids[id(concrete)] = len(self.functions)
        self.functions.append(entry)
        self.concretes.append(concrete)
        return len(self.functions) - 1

    def _outputs(self, concrete):
        flat = iter(concrete._flat_outputs)
        where = f"function {concrete.name!r}"

        def leaf(value):
            if not nest.is_nested(value) and nest._components(value) is not None:
                raise _Unsaveable(f"tf.saved_model.save: {where} returns a "
                                  f"{type(value).__name__}; graphflow's SavedModel saves dense "
                                  "tensor results only")
            out = next(flat)
            if isinstance(out, SymbolicTensor):
                return {"__output__": out.name}
            return {"__python__": self.encoder.value(out)}
        structure = concrete.structured_outputs
        if not nest.is_nested(structure) and nest._components(structure) is not None:
            raise _Unsaveable(f"tf.saved_model.save: {where} returns a "
                              f"{type(structure).__name__}; graphflow's SavedModel saves dense "
                              "tensor results only")
        return _encode_structure(structure, leaf)

    def object(self, obj, path, seen):
        """The object tree below obj as JSON: variables by index, functions by their
        concrete functions, containers and trackable objects by their children."""
        if isinstance(obj, Variable):
            return {"kind": "variable", "variable": self.encoder.variable_index[id(obj)]}
        if isinstance(obj, (list, tuple)):
            return {"kind": "list", "items": [self.object(v, f"{path}/{i}", seen)
                                              if _holds_trackable(v) else None
                                              for i, v in enumerate(obj)]}
        if isinstance(obj, dict):
            return {"kind": "dict", "items": [[k, self.object(v, f"{path}/{k}", seen)]
                                              for k, v in obj.items() if _holds_trackable(v)
                                              and isinstance(k, str)]}
        if id(obj) in seen:
            return {"kind": "ref", "path": seen[id(obj)]}
        seen[id(obj)] = path
        functions = {}
        for name, function in _functions_of(obj).items():
            functions[name] = [self.concrete(c, function) for c in _concretes(function)]
        children = {name: self.object(child, f"{path}/{name}" if path else name, seen)
                    for name, child in _children(obj).items()}
        return {"kind": "object", "children": children, "functions": functions}


def _leaves(value, path):
    if isinstance(value, dict):
        for key in sorted(value, key=str):
            yield from _leaves(value[key], f"{path}/{key}")
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from _leaves(item, f"{path}/{i}")
    else:
        yield path, value


def _is_composite_leaf_path(path):
    return path.endswith((".indices", ".dense_shape")) or ".component" in path


def _signature_concrete(name, fn):
    if isinstance(fn, ConcreteFunction):
        return fn
    if isinstance(fn, Function) and (fn._input_signature is not None or (
            fn._sig is not None and not fn._sig.parameters)):
        return fn.get_concrete_function()
    if isinstance(fn, RestoredFunction) and len(fn._concretes) == 1:
        return fn._concretes[0]
    raise ValueError(
        f"Expected a TensorFlow function for which to generate a signature, but got {fn!r}. "
        "Only `tf.functions` with an input signature or concrete functions can be used as a "
        "signature.")


def _signature_json(saver, key, concrete):
    """A signature: keyword inputs named by their specs (or arguments), outputs by the
    result's dict keys or output_<i>."""
    index = saver.concrete(concrete, _ConcreteOnly(concrete))
    inputs = []
    for leaf in concrete._input_leaves:
        name = leaf.spec.name or _argument_name(leaf.path)
        if name in inputs:
            name = f"{name}_{len(inputs)}"
        inputs.append(name)
    structure = concrete.structured_outputs
    where = f"the output of the function {concrete.name!r} used to generate the SavedModel " \
            f"signature {key!r}"
    rule = ("Outputs for functions used as signatures must be a single Tensor, a sequence of "
            "Tensors, or a dictionary from string to single Tensors.")
    if isinstance(structure, dict):
        items = [(k, structure[k]) for k in structure]
        for k, _ in items:
            if not isinstance(k, str):
                raise ValueError(f"Got a dictionary with a non-string key {k!r} in {where}. "
                                 + rule)
    elif isinstance(structure, (list, tuple)):
        items = [(f"output_{i}", v) for i, v in enumerate(structure)]
    elif structure is None:
        items = []
    else:
        items = [("output_0", structure)]
    outputs = []
    for k, v in items:
        if not isinstance(v, SymbolicTensor):
            raise ValueError(f"Got a non-Tensor value {v!r:.120} for key {k!r} in {where}. "
                             + rule)
        outputs.append([k, v.name])
    return {"function": index, "inputs": inputs, "outputs": outputs}


def _argument_name(path):
    name = "".join(c if c.isalnum() or c == "_" else "_" for c in path).strip("_")
    return name or "input"


class _ConcreteOnly:
    """A concrete function saved on its own (a signature): no Python parameters of its own."""

    def __init__(self, concrete):
        # parameters named after the arguments the trace saw ("x", "pair[0]" -> "pair")
        names = []
        for leaf in concrete._leaves:
            name = leaf.path.split("[")[0].split(".")[0]
            if name not in names:
                names.append(name)
        self._parameters_json = [{"name": n, "kind": "POSITIONAL_OR_KEYWORD"} for n in names] \
            if all(n.isidentifier() for n in names) else None
        self._input_signature = None


def _default_signatures(obj):
    """TF's default serving signature: the root's graphflow.function attribute when exactly
    one has an input_signature (a function without parameters counts, as in TF); else, for a
    Keras model with known inputs, its call on an `inputs` argument."""
    candidates = [f for f in _functions_of(obj).values() if isinstance(f, Function) and (
        f._input_signature is not None or (f._sig is not None and not f._sig.parameters))]
    if len(candidates) == 1:
        return {DEFAULT_SERVING_SIGNATURE_DEF_KEY: candidates[0]}
    if _is_keras_layer(obj) and getattr(obj, "inputs", None) and not candidates:
        specs = _keras_input_specs(obj, names=False)
        if specs is not None and len(specs) == 1:
            spec = TensorSpec(specs[0].shape, specs[0].dtype, "inputs")
            from graphflow.graph.function import function
            serve = function(lambda inputs: obj(inputs, training=False), input_signature=[spec],
                             name="serving_default")
            return {DEFAULT_SERVING_SIGNATURE_DEF_KEY: serve}
    return {}


def _keras_input_specs(model, names=True):
    inputs = getattr(model, "inputs", None)
    if not inputs:
        return None
    out = []
    for t in inputs:
        shape = list(t.shape) if t.shape is not None else None
        if shape:
            shape[0] = None
        out.append(TensorSpec(shape, t.dtype, t._keras_history[0].name if names else None))
    return out


def save(obj, export_dir, signatures=None, options=None):
    """Saves `obj` (a tf.Module, a Keras model or layer, or a loaded SavedModel) to
    `export_dir` in graphflow's SavedModel format: its tracked variables, its
    graphflow.function attributes' concrete functions and `signatures` (one function with an
    input_signature or a concrete function, or a dict of them by name).

        >>> import tempfile
        >>> m = tf.Module()
        >>> m.v = tf.Variable([1.0, 2.0])
        >>> m.f = tf.function(lambda: m.v * 2.0)
        >>> path = tempfile.mkdtemp()
        >>> tf.saved_model.save(m, path)
        >>> sorted(os.listdir(path))
        ['assets', 'saved_model.json', 'saved_model.npz', 'variables']
        >>> tf.saved_model.load(path).f().numpy()
        array([2., 4.], dtype=float32)
    """
    options = options or SaveOptions()
    if not isinstance(options, SaveOptions):
        raise TypeError(f"options must be a tf.saved_model.SaveOptions, got {options!r:.60}")
    if not _trackable(obj):
        raise ValueError(
            "Expected an object of type `Trackable`, such as `tf.Module` or a subclass of the "
            f"`Trackable` class, for export. Got {obj!r:.80} with type {type(obj)}.")
    export_dir = os.fspath(export_dir)
    saver = _Saver(obj, options)
    try:
        tree = saver.object(obj, "", {})
        if signatures is None:
            signatures = _default_signatures(obj)
        elif not isinstance(signatures, collections.abc.Mapping):
            signatures = {DEFAULT_SERVING_SIGNATURE_DEF_KEY: signatures}
        sig_json = {}
        for key, fn in signatures.items():
            if not isinstance(key, str):
                raise ValueError(f"Signature keys must be strings, got {key!r} "
                                 f"(type {type(key).__name__})")
            sig_json[key] = _signature_json(saver, key, _signature_concrete(key, fn))
        aliases = {}
        for alias, fn in (options.function_aliases or {}).items():
            concretes = _concretes(fn) if isinstance(fn, (Function, RestoredFunction)) else [fn]
            aliases[alias] = [saver.concrete(c, fn if isinstance(fn, Function)
                                             else _ConcreteOnly(c)) for c in concretes]
    except _Unsaveable as e:
        raise InvalidArgumentError(str(e)) from None
    variables = [{"path": p, "name": v.name, "dtype": v.dtype.name, "shape": _dims(v),
                  "trainable": bool(v.trainable)}
                 for p, v in zip(saver.variable_paths, saver.variables)]
    document = {"format": FORMAT, "version": VERSION, "root": tree, "variables": variables,
                "functions": saver.functions, "signatures": sig_json,
                "function_aliases": aliases,
                "skip_saver": bool(options.experimental_skip_saver)}
    from graphflow import checkpoint
    os.makedirs(os.path.join(export_dir, VARIABLES_DIRECTORY), exist_ok=True)
    os.makedirs(os.path.join(export_dir, ASSETS_DIRECTORY), exist_ok=True)
    if not options.experimental_skip_saver:
        checkpoint._write_files(_variables_prefix(export_dir), saver.paths)
    arrays = saver.encoder.arrays
    checkpoint._atomic_write(os.path.join(export_dir, CONSTANTS_FILE),
                             lambda f: np.savez(f, **arrays))
    text = json.dumps(document, separators=(",", ":")).encode("utf-8")
    # written last: a directory with saved_model.json holds a complete SavedModel
    checkpoint._atomic_write(os.path.join(export_dir, GRAPH_FILE), lambda f: f.write(text))


# -- loading --------------------------------------------------------------------------------------

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


def _pack(concrete, results):
    """Flat results packed into the concrete function's output structure."""
    if concrete._single_output:
        return results[0]
    if concrete.structured_outputs is None:
        return None
    it = iter(results)
    flat = [next(it) if isinstance(o, SymbolicTensor) else o for o in concrete._flat_outputs]
    return nest.pack_sequence_as(concrete.structured_outputs, flat, expand_composites=True)


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
            return list(args) + [kwargs[k] for k in sorted(kwargs)], \
                [f"args[{i}]" for i in range(len(args))] + sorted(kwargs)
        try:
            bound = self._sig.bind(*args, **kwargs)
        except TypeError as e:
            raise TypeError(f"{self.__name__}: {e}") from None
        bound.apply_defaults()
        names, values = [], []
        for name, value in bound.arguments.items():
            kind = self._sig.parameters[name].kind
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
            return _pack(concrete, _inline(concrete, tensors))
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


def _read_document(export_dir):
    path = os.path.join(export_dir, GRAPH_FILE)
    if not os.path.isfile(path):
        if os.path.isfile(os.path.join(export_dir, SAVED_MODEL_FILENAME_PB)) or \
                os.path.isfile(os.path.join(export_dir, SAVED_MODEL_FILENAME_PBTXT)):
            raise _errors.UnimplementedError(
                f"{export_dir} holds a TensorFlow protobuf SavedModel (saved_model.pb); "
                "graphflow reads only SavedModels graphflow wrote (saved_model.json)")
        raise OSError(f"SavedModel file does not exist at: {export_dir}/{{{GRAPH_FILE}}}")
    try:
        with open(path, "rb") as f:
            document = json.loads(f.read().decode("utf-8"))
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise ValueError("not a graphflow SavedModel")
        version = document.get("version")
        if not isinstance(version, int) or version < 1:
            raise ValueError(f"bad format version {version!r}")
    except (ValueError, UnicodeDecodeError) as e:
        raise DataLossError(f"SavedModel file {path} is damaged or not a graphflow "
                            f"SavedModel: {e}") from None
    if version > VERSION:
        raise DataLossError(f"SavedModel file {path} was written by a newer graphflow (format "
                            f"version {version}; this graphflow reads version {VERSION})")
    return path, document


def _read_constants(export_dir):
    path = os.path.join(export_dir, CONSTANTS_FILE)
    if not os.path.isfile(path):
        raise DataLossError(f"SavedModel file {path} is missing")
    try:
        with np.load(path, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}
    except (ValueError, OSError, EOFError, KeyError, zipfile.BadZipFile) as e:
        raise DataLossError(f"SavedModel file {path} is damaged: {e}") from None


def _restore_variables(export_dir, document, options, path):
    from graphflow import checkpoint
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


# -- Keras export ----------------------------------------------------------------------------------

class _ExportArchive:
    """What keras.Model.export saves (Keras's ExportArchive): the model's variables in
    `variables`, `trainable_variables` and `non_trainable_variables`, and a `serve` endpoint
    with an input_signature."""


def export_keras_model(model, filepath, input_signature=None, verbose=True):
    """keras.Model.export(filepath) for format 'tf_saved_model' (graphflow's SavedModel): a
    `serve` endpoint, also the `serving_default` signature."""
    from graphflow.graph.function import function
    specs = list(input_signature) if input_signature is not None else \
        _keras_input_specs(model)
    if specs is None:
        raise ValueError(
            f"Model {model.name!r} has no known inputs; pass `input_signature=` to export() "
            "or call the model on data first")
    archive = _ExportArchive()
    archive.variables = list(model.weights)
    archive.trainable_variables = list(model.trainable_weights)
    archive.non_trainable_variables = list(model.non_trainable_weights)

    def serve(*args):
        inputs = args[0] if len(args) == 1 else list(args)
        return model(inputs, training=False)
    archive.serve = function(serve, input_signature=specs, name="serve")
    save(archive, filepath, signatures={"serve": archive.serve,
                                        DEFAULT_SERVING_SIGNATURE_DEF_KEY: archive.serve})
    if verbose:
        concrete = archive.serve.get_concrete_function()
        args = "\n".join(f"  args_{i} (POSITIONAL_ONLY): {s}" for i, s in enumerate(specs))
        output = nest.map_structure(lambda t: TensorSpec(t.shape, t.dtype),
                                    concrete.structured_outputs)
        print(f"Saved artifact at '{os.fspath(filepath)}'. The following endpoints are "
              f"available:\n\n* Endpoint 'serve'\n{args}\nOutput Type:\n  {output}")

