"""Models: functional `Model(inputs, outputs)`, subclassed `Model` (with `call`), `Sequential`.

A functional model keeps the graph of layer calls recorded on KerasTensors (Layer._inbound_nodes)
and runs it by calling each layer in topological order; a Sequential model is a list of layers
applied in turn. Training, evaluation and prediction come from trainer.Trainer.

    >>> from graphflow import keras
    >>> inputs = keras.Input(shape=(4,))
    >>> outputs = keras.layers.Dense(2, activation="softmax")(inputs)
    >>> model = keras.Model(inputs, outputs)
    >>> model.predict(np.ones((3, 4), np.float32), verbose=0).shape
    (3, 2)
"""
from typing import Any, Callable, Optional, Sequence

import numpy as np

from graphflow.errors import InvalidArgumentError
from graphflow.keras.layers.base import InputLayer, KerasTensor, Layer
from graphflow.keras.trainer import Trainer
from graphflow.tensor import TensorShape
from graphflow.utils import nest


def _rebase_on_inputs(inputs, outputs):
    """Model(inputs=intermediate tensors): as Keras 3 does, each such tensor is replaced by a
    new keras.Input of its shape and dtype, and the layer calls between it and the outputs are
    recorded again on the new inputs (same layers, so the weights are shared)."""
    from graphflow.keras.layers.base import Input
    mapping = {}
    for t in nest.flatten(inputs):
        mapping[id(t)] = t if isinstance(t._keras_history[0], InputLayer) else \
            Input(batch_shape=tuple(t.shape.as_list()), dtype=t.dtype)

    def rebuild(t):
        if not isinstance(t, KerasTensor):
            return t
        if id(t) in mapping:
            return mapping[id(t)]
        layer, index, _ = t._keras_history
        if isinstance(layer, InputLayer):
            raise InvalidArgumentError(
                f"Graph disconnected: cannot obtain value for tensor {t!r} at layer "
                f"{layer.name!r}; it is not one of the model's inputs")
        node = layer._inbound_nodes[index]
        out = layer(*nest.map_structure(rebuild, list(node.args)),
                    **nest.map_structure(rebuild, dict(node.kwargs)))
        for old, new in zip(nest.flatten(node.outputs), nest.flatten(out)):
            mapping[id(old)] = new
        return mapping[id(t)]
    return (nest.map_structure(lambda t: mapping[id(t)], inputs),
            nest.map_structure(rebuild, outputs))


class Model(Trainer, Layer):
    """A Layer with training: functional (Model(inputs, outputs)) or subclassed (override call)."""

    _standardize_build_shape = False
    _is_model = True

    @property
    def _convert_input_args(self):
        # Functional and Sequential models cast their inputs to their Input dtypes (and keep
        # float64 data for a float64 Input); a subclassed model converts as any layer.
        return not (self.__dict__.get("_is_graph_network", False) or isinstance(self, Sequential))

    def __init__(self, *args, **kwargs):
        inputs = kwargs.pop("inputs", args[0] if len(args) > 0 else None)
        outputs = kwargs.pop("outputs", args[1] if len(args) > 1 else None)
        name = kwargs.pop("name", None)
        if name is None and inputs is not None and type(self) is Model:
            from graphflow.keras.layers.base import unique_name
            name = unique_name("functional")  # Keras 3 names Model(inputs, outputs) so
        trainable = kwargs.pop("trainable", True)
        Layer.__init__(self, name=name, trainable=trainable, **kwargs)
        Trainer.__init__(self)
        self._is_graph_network = False
        if not hasattr(type(self), "inputs") or not isinstance(getattr(type(self), "inputs"), property):
            self.inputs, self.outputs = None, None
        if inputs is not None or outputs is not None:
            if inputs is None or outputs is None:
                raise InvalidArgumentError("Model: a functional model needs both inputs and outputs")
            self._init_graph_network(inputs, outputs)

    # -- functional models ---------------------------------------------------------------------
    def _init_graph_network(self, inputs, outputs):
        for t in nest.flatten(inputs):
            if not isinstance(t, KerasTensor) or t._keras_history is None:
                raise InvalidArgumentError(
                    f"Model inputs must be KerasTensors (from `keras.Input` or a layer), got "
                    f"{t!r:.80}")
        for t in nest.flatten(outputs):
            if not isinstance(t, KerasTensor):
                raise InvalidArgumentError(
                    f"Model outputs must be tensors produced by Keras layers, got {t!r:.80}")
        if not all(isinstance(t._keras_history[0], InputLayer) for t in nest.flatten(inputs)):
            inputs, outputs = _rebase_on_inputs(inputs, outputs)
        self._is_graph_network = True
        self.inputs = nest.flatten(inputs)
        self.outputs = nest.flatten(outputs)
        self._nested_inputs, self._nested_outputs = inputs, outputs
        self._nodes = self._topological_nodes()
        layers = self._keras_layer_order()
        object.__setattr__(self, "_layers", layers)
        self.built = True
        self._build_input_shape = nest.map_structure(lambda t: t.shape, inputs)
        # Record this model's own call so it can be used as a layer of a larger model.
        self.input_names = [t._keras_history[0].name for t in self.inputs]
        self.output_names = [t._keras_history[0].name for t in self.outputs]

    def _topological_nodes(self):
        order, seen = [], set()
        input_ids = {id(t) for t in self.inputs}

        def visit(tensor, path):
            layer, index, _ = tensor._keras_history
            node = layer._inbound_nodes[index]
            if id(node) in seen:
                return
            if id(node) in path:
                raise InvalidArgumentError("Model: the layer graph has a cycle")
            if isinstance(layer, InputLayer) and id(tensor) not in input_ids:
                raise InvalidArgumentError(
                    f"Graph disconnected: cannot obtain value for tensor {tensor!r} at layer "
                    f"{layer.name!r}; it is not one of the model's inputs "
                    f"{[t._keras_history[0].name for t in self.inputs]}")
            path = path | {id(node)}
            for t in node.input_tensors:
                visit(t, path)
            seen.add(id(node))
            order.append(node)

        for t in self.outputs:
            visit(t, frozenset())
        return [n for n in order if not isinstance(n.layer, InputLayer)]

    def _keras_layer_order(self):
        """The layers in Keras 3's order (its map_graph): by decreasing depth (the longest path
        to an output), ties by first visit of a depth-first walk from the outputs; an input no
        output depends on comes last. Keras's weights files key layers by this order (conv2d,
        conv2d_1, ...), so a branched model (a ResNet's shortcut) must list its layers the same
        way to read them."""
        first_visit, finished, order = {}, set(), []

        def node_of(tensor):
            layer, index, _ = tensor._keras_history
            return layer._inbound_nodes[index]

        def visit(tensor):
            node = node_of(tensor)
            if id(node) in finished:
                return
            first_visit.setdefault(id(node.layer), len(first_visit))
            if not isinstance(node.layer, InputLayer):
                for t in node.input_tensors:
                    visit(t)
            finished.add(id(node))
            order.append(node)

        for t in self.outputs:
            visit(t)
        node_depth, layer_depth, layers = {}, {}, {}
        for node in reversed(order):  # from the outputs back
            depth = max(node_depth.setdefault(id(node), 0), layer_depth.get(id(node.layer), 0))
            layer_depth[id(node.layer)] = depth
            node_depth[id(node)] = depth
            layers[id(node.layer)] = node.layer
            if not isinstance(node.layer, InputLayer):
                for t in node.input_tensors:
                    parent = id(node_of(t))
                    node_depth[parent] = max(depth + 1, node_depth.get(parent, 0))
        for t in self.inputs:  # an input no output uses
            layer = t._keras_history[0]
            if id(layer) not in layer_depth:
                layer_depth[id(layer)], first_visit[id(layer)] = 0, -1
                layers[id(layer)] = layer
        return sorted(layers.values(), key=lambda l: (-layer_depth[id(l)], first_visit[id(l)]))

    def _run_graph(self, inputs, training):
        values = {}
        flat_inputs = self._flatten_inputs(inputs)
        for i, (kt, x) in enumerate(zip(self.inputs, flat_inputs)):
            values[id(kt)] = _input_tensor(x, kt, self, i)
        for node in self._nodes:
            def resolve(v):
                return values[id(v)] if isinstance(v, KerasTensor) else v
            args = nest.map_structure(resolve, node.args)
            kwargs = nest.map_structure(resolve, node.kwargs)
            if training is not None and node.layer._call_accepts("training"):
                kwargs = dict(kwargs, training=training)
            out = node.layer(*args, **kwargs)
            for kt, v in zip(node.output_tensors, nest.flatten(out)):
                values[id(kt)] = v
        return nest.pack_sequence_as(self._nested_outputs, [values[id(t)] for t in self.outputs])

    def _flatten_inputs(self, inputs):
        if isinstance(inputs, dict):
            missing = [n for n in self.input_names if n not in inputs]
            if missing:
                raise InvalidArgumentError(
                    f"Model {self.name!r}: missing inputs {missing}; got keys {sorted(inputs)}, "
                    f"expected {self.input_names}")
            return [inputs[n] for n in self.input_names]
        flat = nest.flatten(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        if len(flat) != len(self.inputs):
            raise InvalidArgumentError(
                f"Model {self.name!r} expects {len(self.inputs)} input(s) {self.input_names}, "
                f"but it received {len(flat)} input tensors")
        return flat

    # -- calling ---------------------------------------------------------------------------------
    def _adjust_inputs(self, inputs):
        """The inputs checked against and rank-adjusted to the model's Input shapes, on concrete
        batches before a compiled step runs: a traced step relaxed to an unknown rank could not
        check them, and each rank would otherwise trace its own step."""
        specs = self.inputs if (self._is_graph_network or isinstance(self, Sequential)) else None
        if not specs:
            return inputs
        if isinstance(inputs, dict) and self._is_graph_network:
            flat = self._flatten_inputs(inputs)
            adjusted = [_input_tensor(x, kt, self, i) for i, (kt, x) in enumerate(zip(specs, flat))]
            return dict(inputs, **dict(zip(self.input_names, adjusted)))
        if len(specs) == 1 and not (isinstance(inputs, (list, tuple)) and len(inputs) == 1):
            return _input_tensor(inputs, specs[0], self, 0)
        flat = self._flatten_inputs(inputs)
        return [_input_tensor(x, kt, self, i) for i, (kt, x) in enumerate(zip(specs, flat))]

    def call(self, inputs, training=None, mask=None):
        if self._is_graph_network:
            return self._run_graph(inputs, training)
        raise InvalidArgumentError(
            f"Model {self.name!r} has no call(): subclass Model and define call(), or build a "
            "functional model with Model(inputs, outputs)")

    def _maybe_build(self, inputs):
        # A subclassed model's layers build themselves when call() runs them.
        if not self.built:
            self.built = True
            self._build_input_shape = nest.map_structure(
                lambda t: getattr(t, "shape", None), inputs) if nest.is_nested(inputs) \
                else getattr(inputs, "shape", None)

    def build(self, input_shape):
        if self._is_graph_network:
            return
        if input_shape is None:
            raise InvalidArgumentError(f"Model {self.name!r}: build needs an input shape")
        shapes = nest.map_structure(TensorShape, input_shape) if _is_structure_of_shapes(
            input_shape) else TensorShape(input_shape)
        batch = nest.map_structure(lambda s: np.zeros([1 if d is None else d for d in s.as_list()],
                                                      np.float32), shapes) \
            if nest.is_nested(shapes) and not isinstance(shapes, TensorShape) else \
            np.zeros([1 if d is None else d for d in shapes.as_list()], np.float32)
        self.built = True
        self._build_input_shape = shapes
        self(batch)

    def summary(self, line_length: Optional[int] = None,
                positions: Optional[Sequence[float]] = None,
                print_fn: Optional[Callable[..., Any]] = None, expand_nested: bool = False,
                show_trainable: bool = False, layer_range: Optional[Sequence[str]] = None) -> None:
        """Prints the table of layers, output shapes and parameter counts (Keras 3's layout;
        see keras.utils.summary.print_summary for the arguments)."""
        from graphflow.keras.utils.summary import print_summary
        print_summary(self, line_length, positions, print_fn, expand_nested, show_trainable,
                      layer_range)

    def get_layer(self, name=None, index=None):
        if index is not None:
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise InvalidArgumentError(f"No such layer: {name}. Existing layers are: "
                                   f"{[l.name for l in self.layers]}")

    @property
    def layers(self):
        return list(self._layers)

    @property
    def input(self):
        """The model's input KerasTensor(s), as given to Model(inputs, ...)."""
        if self._is_graph_network:
            return self._nested_inputs
        inputs = self.inputs
        if not inputs:
            raise InvalidArgumentError(f"Model {self.name!r} has no defined input yet")
        return inputs[0] if len(inputs) == 1 else inputs

    @property
    def output(self):
        if self._is_graph_network:
            return self._nested_outputs
        outputs = self.outputs
        if not outputs:
            raise InvalidArgumentError(f"Model {self.name!r} has no defined output yet")
        return outputs[0] if len(outputs) == 1 else outputs

    def get_config(self):
        from graphflow.keras.saving import functional_config
        if self._is_graph_network:
            return functional_config(self)
        return {"name": self.name, "trainable": self.trainable}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from graphflow.keras.saving import functional_from_config
        if isinstance(config, dict) and "layers" in config:
            return functional_from_config(config, custom_objects)
        return cls(**config)

    def to_json(self, **kwargs):
        """The architecture as a JSON string (no weights): keras.models.model_from_json
        rebuilds it."""
        from graphflow.keras.saving import model_to_json
        return model_to_json(self, **kwargs)

    def save(self, filepath, overwrite=True, **kwargs):
        from graphflow.keras.distributed import is_chief
        if not is_chief():  # under a multi-process strategy only rank 0 writes
            return
        from graphflow.keras.saving import save_model
        save_model(self, filepath, overwrite=overwrite)

    def export(self, filepath, format="tf_saved_model", verbose=None, input_signature=None,
               **kwargs):
        """Writes a SavedModel (graphflow's format) for inference: a `serve` endpoint taking
        the model's inputs, also its `serving_default` signature; load it with
        tf.saved_model.load or keras.layers.TFSMLayer.

            >>> import tempfile
            >>> inputs = keras.Input((2,), name="x")
            >>> model = keras.Model(inputs, keras.layers.Dense(1, kernel_initializer="ones")(inputs))
            >>> path = tempfile.mkdtemp()
            >>> model.export(path, verbose=False)
            >>> tf.saved_model.load(path).serve(np.ones((1, 2), np.float32)).numpy()
            array([[2.]], dtype=float32)
        """
        if format != "tf_saved_model":
            raise ValueError("Unrecognized format={format!r}: graphflow exports only "
                             "format='tf_saved_model' (graphflow's SavedModel)".format(
                                 format=format))
        from graphflow.keras.distributed import is_chief
        if not is_chief():  # under a multi-process strategy only rank 0 writes
            return
        from graphflow.saved_model.keras_export import export_keras_model
        export_keras_model(self, filepath, input_signature,
                           verbose=True if verbose is None else verbose)

    def save_weights(self, filepath, overwrite=True, **kwargs):
        from graphflow.keras.distributed import is_chief
        if not is_chief():  # under a multi-process strategy only rank 0 writes
            return
        from graphflow.keras.saving import save_weights
        save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath, **kwargs):
        from graphflow.keras.saving import load_weights
        load_weights(self, filepath)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


def _is_structure_of_shapes(value):
    return isinstance(value, (list, tuple)) and value and all(
        isinstance(v, (list, tuple, TensorShape)) for v in value)


def _input_tensor(x, kt, model, position):
    """`x` made ready for the model input `kt` as Keras does: cast to its dtype kind, a trailing
    axis of 1 squeezed or added when the ranks differ by one (Keras's _adjust_input_rank), then
    checked against its shape, so a wrong-rank input raises instead of silently broadcasting."""
    from graphflow.keras.layers.base import _to_tensor
    from graphflow.ops.elementwise import cast
    from graphflow.ops import api as ops
    t = _to_tensor(x, None)  # float64 data for a float64 Input keeps its precision
    if hasattr(t, "dtype") and t.dtype is not kt.dtype and t.dtype.is_floating != kt.dtype.is_floating \
            or (hasattr(t, "dtype") and t.dtype.is_floating and kt.dtype.is_floating
                and t.dtype is not kt.dtype):
        t = cast(t, kt.dtype)
    shape = getattr(t, "shape", None)
    if shape is None or shape.rank is None or kt.shape.rank is None:
        return t
    name = kt._keras_history[0].name
    expected = tuple(kt.shape.as_list())
    if shape.rank == kt.shape.rank + 1 and shape[-1] == 1:
        t = ops.squeeze(t, -1)
    elif shape.rank == kt.shape.rank - 1 and kt.shape[-1] == 1:
        t = ops.expand_dims(t, -1)
    elif shape.rank != kt.shape.rank and (isinstance(model, Sequential)
                                          or shape.rank < kt.shape.rank):
        # Keras 3's two messages: this one for a Sequential model or too few dims, the
        # "incompatible with the layer" one below for a functional model given extra dims.
        raise InvalidArgumentError(
            f"Invalid input shape for input Tensor(shape={tuple(shape.as_list())}, "
            f"dtype={t.dtype.name}) with name {name!r}. Expected shape {expected}, but input "
            f"has incompatible shape {tuple(shape.as_list())}")
    if t.shape.rank != kt.shape.rank or not kt.shape.is_compatible_with(t.shape):
        raise InvalidArgumentError(
            f"Input {position} with name {name!r} of layer {model.name!r} is incompatible with "
            f"the layer: expected shape={expected}, found shape={tuple(shape.as_list())}")
    return t


class Sequential(Model):
    """A plain stack of layers, each with one input and one output.

        >>> model = keras.Sequential([keras.layers.Dense(4, activation="relu"),
        ...                           keras.layers.Dense(1)])
        >>> model.build((None, 3)); len(model.weights)
        4
    """

    def __init__(self, layers=None, name=None, trainable=True):
        Model.__init__(self, name=name, trainable=trainable)
        self._input_layer = None
        for layer in layers or []:
            self.add(layer)

    def add(self, layer):
        if isinstance(layer, KerasTensor):  # keras.Input(...) as the first element
            layer = layer._keras_history[0]
        if not isinstance(layer, Layer):
            raise InvalidArgumentError(
                f"Only instances of keras.layers.Layer can be added to a Sequential model; "
                f"received {layer!r:.80} (of type {type(layer).__name__})")
        if isinstance(layer, InputLayer):
            if self._layers or self._input_layer is not None:
                raise InvalidArgumentError("Sequential: an Input can only be the first element")
            self._input_layer = layer
            self._build_graph()
            return
        if any(layer is l for l in self._layers):
            raise InvalidArgumentError(f"Sequential: layer {layer.name!r} was added twice")
        self._layers.append(layer)
        first = self._layers[0]
        first_shape, first_dtype = first._batch_input_shape, first.dtype
        if first_shape is None and isinstance(first, Model) and first.inputs and \
                len(first.inputs) == 1:  # a model with an Input (data augmentation) first
            first_shape = tuple(first.inputs[0].shape.as_list())
            first_dtype = first.inputs[0].dtype.name
        if self._input_layer is None and first_shape is not None:
            self._input_layer = InputLayer(batch_input_shape=first_shape, dtype=first_dtype)
        self.built = False
        if self._input_layer is not None:
            self._build_graph()

    def pop(self):
        if not self._layers:
            raise InvalidArgumentError("Sequential.pop: there are no layers")
        self._layers.pop()
        self._is_graph_network = False
        if self._input_layer is not None and self._layers:
            self._build_graph()

    def _build_graph(self):
        """Runs the layers on the input's KerasTensor, building every weight and recording the
        output shapes (what summary shows)."""
        x = self._input_layer._inbound_nodes[0].outputs
        for layer in self._layers:
            x = layer(x)
        self._outputs_kt = x
        self.built = True
        self._build_input_shape = self._input_layer._inbound_nodes[0].outputs.shape

    def build(self, input_shape=None):
        if input_shape is None:
            if self._input_layer is None:
                raise InvalidArgumentError(
                    "Sequential.build: the input shape is unknown; pass build(input_shape) or "
                    "start the model with keras.Input(shape)")
        else:
            input_shape = tuple(input_shape)
            self._input_layer = InputLayer(batch_input_shape=input_shape)
        if not self._layers:
            raise InvalidArgumentError("Sequential.build: the model has no layers")
        self._build_graph()

    @property
    def layers(self):
        return list(self._layers)

    @property
    def inputs(self):
        return [self._input_layer._inbound_nodes[0].outputs] if self._input_layer else None

    @inputs.setter
    def inputs(self, value):
        pass

    @property
    def outputs(self):
        return [self._outputs_kt] if self.built and self._input_layer else None

    @outputs.setter
    def outputs(self, value):
        pass

    def call(self, inputs, training=None, mask=None):
        x = inputs
        if self._input_layer is not None:
            x = _input_tensor(x, self._input_layer._inbound_nodes[0].outputs, self, 0)
        for layer in self._layers:
            kwargs = {"training": training} if training is not None and \
                layer._call_accepts("training") else {}
            x = layer(x, **kwargs)
        return x

    def __call__(self, *args, **kwargs):
        if not self.built and not self._is_symbolic_call(args):
            x = args[0]
            shape = getattr(x, "shape", None) or np.shape(x)
            dims = shape.as_list() if hasattr(shape, "as_list") else list(shape)
            self._input_layer = InputLayer(batch_input_shape=(None,) + tuple(dims[1:]),
                                           dtype=self._first_input_dtype(x))
            self._build_graph()
        return Layer.__call__(self, *args, **kwargs)

    def _first_input_dtype(self, x):
        """The dtype of the input layer a first call on `x` makes (Keras: the first layer's
        compute dtype): a float input's own, strings for strings (TextVectorization,
        StringLookup), an integer layer's for integers (IntegerLookup, Hashing), else floatx."""
        dtype = getattr(x, "dtype", None)
        if dtype is None:
            dtype = getattr(np.asarray(x), "dtype", None)
        from graphflow import dtypes
        try:
            dtype = dtypes.as_dtype(dtype)
        except Exception:  # noqa: BLE001 - e.g. a NumPy unicode array: strings
            return "string" if np.asarray(x).dtype.kind in "US" else None
        if dtype.is_floating or dtype.name == "string":
            return dtype.name
        first = dtypes.as_dtype(self._layers[0].dtype) if self._layers else None
        if dtype.is_integer and first is not None and first.is_integer:
            return first.name
        return None

    @staticmethod
    def _is_symbolic_call(args):
        return any(isinstance(t, KerasTensor) for t in nest.flatten(list(args)))

    def get_config(self):
        from graphflow.keras.saving import serialize_layer
        config = {"name": self.name, "layers": [serialize_layer(l) for l in self._layers]}
        if self._input_layer is not None:
            config["batch_input_shape"] = list(self._input_layer._batch_input_shape)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from graphflow.keras.saving.config import sequential_from_config
        return sequential_from_config(cls, config, custom_objects)

