"""keras.models.clone_model: the same architecture with new layers (fresh weights).

    >>> from graphflow import keras
    >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    >>> clone = keras.models.clone_model(model)
    >>> clone.layers[0] is model.layers[0], clone.output_shape
    (False, TensorShape([None, 2]))
"""
from graphflow.errors import InvalidArgumentError
from graphflow.utils import nest


def _default_clone(layer):
    return type(layer).from_config(layer.get_config())


def clone_model(model, input_tensors=None, clone_function=None, call_function=None,
                recursive=False, **kwargs):
    """A new model of `model`'s architecture whose layers are `clone_function(layer)` (by
    default rebuilt from their configs, so with new weights; return the layer itself to share
    it). Sequential and functional models are rebuilt layer call by layer call (with
    `input_tensors` as new inputs when given, and `call_function(layer, *args, **kwargs)` making
    each call); `recursive` clones nested Sequential/functional models the same way. A subclassed
    model is rebuilt from its config (Keras 3)."""
    from graphflow.keras.layers.base import InputLayer, KerasTensor
    from graphflow.keras.models import Model, Sequential
    if kwargs:
        raise TypeError(f"clone_model: unexpected keyword arguments {sorted(kwargs)}")
    if not isinstance(model, Model):
        raise InvalidArgumentError(
            f"clone_model: expected a keras Model, got {type(model).__name__}")
    clone_function = clone_function or _default_clone
    if not callable(clone_function):
        raise InvalidArgumentError("clone_model: clone_function must be callable")

    def clone_layer(layer):
        if recursive and isinstance(layer, Model) and (
                isinstance(layer, Sequential) or getattr(layer, "_is_graph_network", False)):
            return clone_model(layer, clone_function=clone_function,
                               call_function=call_function, recursive=True)
        return clone_function(layer)

    if isinstance(model, Sequential):
        if input_tensors is not None:
            inputs = nest.flatten(input_tensors)
            if len(inputs) != 1 or not isinstance(inputs[0], KerasTensor):
                raise InvalidArgumentError(
                    "clone_model: a Sequential model takes one input tensor from keras.Input")
            clone = Sequential([clone_layer(l) for l in model.layers], name=model.name)
            return Model(inputs[0], clone(inputs[0]), name=model.name)
        layers = [clone_layer(l) for l in model.layers]
        input_layer = getattr(model, "_input_layer", None)
        if input_layer is not None:
            from graphflow.keras.layers import Input
            first = Input(batch_shape=input_layer._batch_input_shape, dtype=input_layer.dtype)
            return Sequential([first._keras_history[0]] + layers, name=model.name)
        return Sequential(layers, name=model.name)
    if not getattr(model, "_is_graph_network", False):
        if clone_function is not _default_clone or input_tensors is not None:
            raise InvalidArgumentError(
                "clone_model: clone_function and input_tensors work only for Sequential and "
                f"functional models; {type(model).__name__} is subclassed")
        return type(model).from_config(model.get_config())
    return _clone_functional(model, input_tensors, clone_layer, call_function, InputLayer)


def _clone_functional(model, input_tensors, clone_layer, call_function, input_layer_cls):
    from graphflow.keras.layers import Input
    from graphflow.keras.models import Model
    values = {}
    if input_tensors is not None:
        new_inputs = nest.flatten(input_tensors)
        if len(new_inputs) != len(model.inputs):
            raise InvalidArgumentError(
                f"clone_model: the model has {len(model.inputs)} inputs but "
                f"{len(new_inputs)} input_tensors were given")
    else:
        new_inputs = []
        for t in model.inputs:
            layer = t._keras_history[0]
            new_inputs.append(Input(batch_shape=layer._batch_input_shape, dtype=layer.dtype,
                                    name=layer.name))
    for old, new in zip(model.inputs, new_inputs):
        values[id(old)] = new
    clones = {}
    for node in model._nodes:
        layer = node.layer
        if id(layer) not in clones:
            clones[id(layer)] = clone_layer(layer)
        new_layer = clones[id(layer)]

        def resolve(v):
            return values[id(v)] if id(v) in values else v
        args = nest.map_structure(resolve, node.args)
        kwargs = nest.map_structure(resolve, node.kwargs)
        out = call_function(new_layer, *args, **kwargs) if call_function else \
            new_layer(*args, **kwargs)
        for kt, v in zip(node.output_tensors, nest.flatten(out)):
            values[id(kt)] = v
    outputs = nest.pack_sequence_as(model._nested_outputs,
                                    [values[id(t)] for t in model.outputs])
    inputs = nest.pack_sequence_as(model._nested_inputs, new_inputs) \
        if input_tensors is None else input_tensors
    return Model(inputs, outputs, name=model.name)
