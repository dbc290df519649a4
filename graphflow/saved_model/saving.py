"""tf.saved_model.save: what is saved of an object, as JSON for saved_model.json.

As in TF: the variables the root object tracks, every `graphflow.function` attribute (of the
root and of the objects below it) with the concrete functions traced so far (those with an
input_signature, or without arguments, are traced when saved), and `signatures` (by default
the one function with an input_signature, or a Keras model's call). _Saver walks the object
tree; encoding.py turns graphs and attrs into JSON and files.py writes the files. A function
that holds what a SavedModel cannot (a Python callable, an untracked variable, a composite
tensor argument) is an InvalidArgumentError naming it.

    >>> import tempfile
    >>> m = tf.Module()
    >>> m.v = tf.Variable(3.0)
    >>> add = tf.function(lambda x: x + m.v, input_signature=[tf.TensorSpec([], tf.float32)])
    >>> path = tempfile.mkdtemp()
    >>> tf.saved_model.save(m, path, signatures={"add": add})
    >>> float(tf.saved_model.load(path).signatures["add"](x=1.0)["output_0"])
    4.0
"""
import collections.abc
import os

from graphflow import checkpoint
from graphflow.errors import InvalidArgumentError, UnimplementedError
from graphflow.graph.function import ConcreteFunction, Function
from graphflow.module import Module
from graphflow.saved_model.constants import DEFAULT_SERVING_SIGNATURE_DEF_KEY
from graphflow.saved_model.encoding import (
    _dims, _encode_structure, _Encoder, _parameters, _spec_json, _Unsaveable)
from graphflow.saved_model.files import FORMAT, VERSION, _write_files
from graphflow.saved_model.loading import RestoredFunction, _UserObject
from graphflow.saved_model.options import SaveOptions
from graphflow.tensor import SymbolicTensor, TensorSpec, Variable
from graphflow.utils import nest


def _is_keras_layer(obj):
    return hasattr(obj, "trainable_weights") and hasattr(obj, "non_trainable_weights") \
        and hasattr(obj, "weights")



def _trackable(obj):
    return isinstance(obj, (Module, _UserObject, _ExportArchive)) or _is_keras_layer(obj)



class _ExportArchive:
    """What keras.Model.export saves (Keras's ExportArchive): the model's variables in
    `variables`, `trainable_variables` and `non_trainable_variables`, and a `serve` endpoint
    with an input_signature (built by keras_export.py)."""



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
        self.root = root
        self.options = options
        self.paths = checkpoint.tracked_leaves(root)  # {checkpoint path: Variable}
        for path, leaf in self.paths.items():
            if not isinstance(leaf, Variable):  # a mutable lookup table (a checkpoint saves it)
                raise UnimplementedError(
                    f"tf.saved_model.save: graphflow's SavedModel cannot hold the "
                    f"{type(leaf).__name__} at {path.split('/.ATTRIBUTES')[0]!r}; save its "
                    "contents with tf.train.Checkpoint")
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
    _write_files(export_dir, document, saver.encoder.arrays,
                 None if options.experimental_skip_saver else saver.paths)
