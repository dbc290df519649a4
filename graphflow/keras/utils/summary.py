"""model.summary(): the Keras table of layers, output shapes and parameter counts.

    >>> from graphflow import keras
    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, name="d")])
    >>> model.summary(print_fn=lambda line: None)
"""
import numpy as np

from graphflow.utils import nest


def _shape_text(shape):
    if shape is None:
        return "?"
    if isinstance(shape, (list, tuple)) and shape and not hasattr(shape, "as_list") and \
            all(hasattr(s, "as_list") or s is None for s in shape):
        return ", ".join(_shape_text(s) for s in shape)
    if isinstance(shape, dict):
        return ", ".join(_shape_text(s) for s in shape.values())
    dims = shape.as_list() if hasattr(shape, "as_list") else list(shape)
    return "(" + ", ".join("None" if d is None else str(d) for d in dims) + \
        ("," if len(dims) == 1 else "") + ")"


def _param_count(layer):
    weights = layer.weights if layer.built else []
    return int(sum(np.prod(v.shape.as_list(), dtype=np.int64) for v in weights))


def _size_text(count):
    nbytes = count * 4
    for unit in ("Byte", "KB", "MB", "GB"):
        if nbytes < 1024 or unit == "GB":
            return f"{nbytes:.2f} {unit}"
        nbytes /= 1024.0


def _output_shape(layer):
    if layer._inbound_nodes:
        out = layer._inbound_nodes[-1].outputs
        return nest.map_structure(lambda t: t.shape, out) if nest.is_nested(out) else out.shape
    return layer._last_output_shape


def _connections(model, layer):
    """'Connected to' entries for a functional model: the producing layers of each input."""
    out = []
    for node in layer._inbound_nodes:
        for t in node.input_tensors:
            src, index, _ = t._keras_history
            out.append(f"{src.name}[{index}][0]")
    return out


def print_summary(model, line_length=None, positions=None, print_fn=None, expand_nested=False,
                  show_trainable=False):
    functional = getattr(model, "_is_graph_network", False) and not hasattr(model, "add")
    sequential_like = not functional
    line_length = line_length or (65 if sequential_like else 98)
    positions = positions or ([0.45, 0.85, 1.0] if sequential_like else [0.33, 0.55, 0.67, 1.0])
    if positions[-1] <= 1:
        positions = [int(line_length * p) for p in positions]
    headers = ["Layer (type)", "Output Shape", "Param #"] + ([] if sequential_like else ["Connected to"])
    if show_trainable:
        headers.append("Trainable")
        positions = positions + [line_length + 11]
        line_length += 11
    print_fn = print_fn or print

    def row(fields):
        line = ""
        for i, field in enumerate(fields):
            start = positions[i - 1] if i else 0
            text = str(field)
            line = line[:start].ljust(start) + " " + text
            line = line[:positions[i]].ljust(positions[i]) if i < len(fields) - 1 else line
        print_fn(line.rstrip() if False else line)

    print_fn(f'Model: "{model.name}"')
    print_fn("_" * line_length)
    row(headers)
    print_fn("=" * line_length)

    def emit(layer, prefix=""):
        name = f"{prefix}{layer.name} ({type(layer).__name__})"
        fields = [name, _shape_text(_output_shape(layer)), _param_count(layer)]
        conns = [] if sequential_like else _connections(model, layer)
        if not sequential_like:
            fields.append(conns[0] if conns else "[]")
        if show_trainable:
            fields.append("Y" if layer.trainable else "N")
        row(fields)
        for extra in conns[1:]:
            row(["", "", ""] + [extra] + ([""] if show_trainable else []))
        if expand_nested and hasattr(layer, "layers") and layer is not model:
            for inner in layer.layers:
                emit(inner, prefix + "  ")
        print_fn(" " * line_length)

    layers = model.layers
    if sequential_like and getattr(model, "_input_layer", None) is not None and hasattr(model, "add"):
        pass  # Keras does not list a Sequential model's InputLayer
    for layer in layers:
        emit(layer)
    trainable = int(sum(np.prod(v.shape.as_list(), dtype=np.int64) for v in model.trainable_weights))
    non_trainable = int(sum(np.prod(v.shape.as_list(), dtype=np.int64)
                            for v in model.non_trainable_weights))
    print_fn("=" * line_length)
    print_fn(f"Total params: {trainable + non_trainable} ({_size_text(trainable + non_trainable)})")
    print_fn(f"Trainable params: {trainable} ({_size_text(trainable)})")
    print_fn(f"Non-trainable params: {non_trainable} ({_size_text(non_trainable)})")
    print_fn("_" * line_length)
