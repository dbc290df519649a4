"""Attrs, graphs and structures to JSON and back: what saved_model.json holds.

_Encoder turns an attr value, a Graph (nodes by op name, attrs, output specs; subgraph bodies
nested) or a structure of results into JSON values, its arrays collected for saved_model.npz;
strings, bytes, non-finite floats and dtypes are tagged JSON, never pickles. _Decoder is its
inverse: it rebuilds graphs through the op registry and checks everything it reads, a damaged
value being a DataLossError naming the file. The helpers below them do the same for the
arguments and results of concrete functions (TensorSpecs, nested structures, Python
parameters).

    >>> import json
    >>> from graphflow.saved_model.encoding import _Decoder, _Encoder
    >>> encoder = _Encoder({})
    >>> text = json.dumps(encoder.value((1, float("inf"), b"\\xff", tf.float16)))
    >>> _Decoder("example.json", encoder.arrays, []).value(json.loads(text))
    (1, inf, b'\\xff', tf.float16)
"""
import base64
import inspect
import math

import numpy as np

from graphflow import dtypes
from graphflow.errors import InvalidArgumentError
from graphflow.graph.ir import Graph
from graphflow.ops.registry import REGISTRY
from graphflow.ops.subgraph import Body
from graphflow.saved_model.files import CONSTANTS_FILE, DataLossError
from graphflow.tensor import TensorShape, TensorSpec, Variable
from graphflow.utils import nest


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
