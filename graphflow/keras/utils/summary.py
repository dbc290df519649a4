"""model.summary(): Keras 3's box-drawn table of layers, output shapes and parameter counts (or
tf.keras 2's underscored table when $TF_USE_LEGACY_KERAS is set; see io_utils).

Keras 3 renders the table with the `rich` package; this module draws the same table (column
widths, word wrapping, `…` for words longer than their column) without that dependency.

    >>> from graphflow import keras
    >>> keras.backend.clear_session()
    >>> model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(512),
    ...                           keras.layers.Dense(10)])
    >>> model.summary(line_length=60)
    Model: "sequential"
    ┏━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━┓
    ┃ Layer (type)             ┃ Output Shape      ┃   Param # ┃
    ┡━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━┩
    │ dense (Dense)            │ (None, 512)       │   401,920 │
    ├──────────────────────────┼───────────────────┼───────────┤
    │ dense_1 (Dense)          │ (None, 10)        │     5,130 │
    └──────────────────────────┴───────────────────┴───────────┘
     Total params: 407,050 (1.55 MB)
     Trainable params: 407,050 (1.55 MB)
     Non-trainable params: 0 (0.00 B)
"""
import re
import shutil
from typing import Any, Callable, Optional, Sequence

import numpy as np

from graphflow import dtypes
from graphflow.errors import InvalidArgumentError
from graphflow.keras.utils import io_utils
from graphflow.utils import nest


# -- facts about layers ----------------------------------------------------------------------------

def _shape_text(shape):
    """A shape as a Python tuple prints: (None, 784), (None,); several as a comma list."""
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


def _count(weights):
    return int(sum(int(np.prod(v.shape.as_list(), dtype=np.int64)) for v in weights))


def _nbytes(weights):
    unique = {id(v): v for v in weights}.values()
    return sum(int(np.prod(v.shape.as_list(), dtype=np.int64)) * dtypes.as_dtype(v.dtype).np.itemsize
               for v in unique)


def readable_memory_size(nbytes, units=("B", "KB", "MB", "GB", "TB", "PB")):
    """1,628,200 bytes -> '1.55 MB' (tf.keras 2 says 'Byte' where Keras 3 says 'B').

        >>> readable_memory_size(1628200), readable_memory_size(0)
        ('1.55 MB', '0.00 B')
    """
    size = float(nbytes)
    for unit in units:
        if size / 1024 < 1:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} {units[-1]}"


def _output_shapes(layer):
    """The layer's output shape(s) from its last recorded call or eager run (None: unknown)."""
    if layer._inbound_nodes:
        out = layer._inbound_nodes[-1].outputs
        return nest.map_structure(lambda t: t.shape, out) if nest.is_nested(out) else out.shape
    return layer._last_output_shape


def _keras3_shape(shapes):
    """Keras 3's text: (None, 512); several outputs as their structure, [(None, 1), (None, 2)]."""
    if shapes is None:
        return "?"

    def one(shape):
        dims = shape.as_list() if hasattr(shape, "as_list") else list(shape)
        return "(" + ", ".join(str(d) for d in dims) + ")"

    if not nest.is_nested(shapes) or hasattr(shapes, "as_list"):
        return one(shapes)
    flat = nest.flatten(shapes)
    if len(flat) == 1:
        return one(flat[0])
    return str(nest.map_structure(one, shapes)).replace("'", "")


def _legacy_shape(shapes):
    if shapes is None:
        return "?"
    if not nest.is_nested(shapes) or hasattr(shapes, "as_list"):
        return _shape_text(shapes)
    return str(nest.map_structure(
        lambda s: tuple(s.as_list()) if hasattr(s, "as_list") else s, shapes))


def _is_functional(model):
    return getattr(model, "_is_graph_network", False) and not hasattr(model, "add")


def _sequential_like(model):
    """Keras's test: a functional model prints like a Sequential one (no "Connected to") when
    each depth of its graph holds one call with one input and no layer is called twice."""
    if not _is_functional(model):
        return True
    nodes = [t._keras_history[0]._inbound_nodes[t._keras_history[1]] for t in model.inputs]
    nodes += list(model._nodes)
    depth = {id(n): 0 for n in nodes}
    for node in reversed(model._nodes):  # consumers before producers
        for t in node.input_tensors:
            parent = t.node
            depth[id(parent)] = max(depth.get(id(parent), 0), depth[id(node)] + 1)
    per_depth = {}
    for node in nodes:
        per_depth.setdefault(depth[id(node)], []).append(node)
    if any(len(group) > 1 or len(group[0].input_tensors) > 1 for group in per_depth.values()):
        return False
    layers = [n.layer for n in nodes]
    return len({id(l) for l in layers}) == len(layers)


def _relevant_nodes(model):
    if not _is_functional(model):
        return None
    return {id(n) for n in model._nodes} | {
        id(t._keras_history[0]._inbound_nodes[t._keras_history[1]]) for t in model.inputs}


def _connections(layer, relevant):
    """layer[node index][tensor index] of each input of the layer's calls within the model."""
    out = []
    for node in layer._inbound_nodes:
        if relevant is not None and id(node) not in relevant:
            continue
        for t in node.input_tensors:
            src, node_index, tensor_index = t._keras_history
            out.append(f"{src.name}[{node_index}][{tensor_index}]")
    return out


def _layer_range(layers, layer_range):
    """[first, last + 1) of the layers whose names match layer_range's two regexes."""
    if layer_range is None:
        return 0, len(layers)
    if not isinstance(layer_range, (list, tuple)) or len(layer_range) != 2:
        raise InvalidArgumentError(
            "layer_range must be a list or tuple of length 2. Received: "
            f"layer_range = {layer_range}")
    if not all(isinstance(p, str) for p in layer_range):
        raise InvalidArgumentError(
            f"layer_range should contain string type only. Received: {layer_range}")
    lower = [i for i, l in enumerate(layers) if re.match(layer_range[0], l.name)]
    upper = [i for i, l in enumerate(layers) if re.match(layer_range[1], l.name)]
    if not lower or not upper:
        raise InvalidArgumentError(
            "Passed layer_names do not match the layer names in the model. "
            f"Received: {layer_range}")
    if min(lower) > max(upper):
        return min(upper), max(lower) + 1
    return min(lower), max(upper) + 1


def _top_layers(model):
    return [l for l in model.layers]


def _totals(model):
    """(label, count, bytes) lines after the table; the optimizer's once it has variables."""
    trainable, frozen = model.trainable_weights, model.non_trainable_weights
    rows = [("Trainable params", _count(trainable), _nbytes(trainable)),
            ("Non-trainable params", _count(frozen), _nbytes(frozen))]
    optimizer = getattr(model, "optimizer", None)
    if getattr(model, "compiled", False) and optimizer is not None and \
            getattr(optimizer, "built", False):
        variables = list(optimizer.variables)
        rows.append(("Optimizer params", _count(variables), _nbytes(variables)))
    total = ("Total params", sum(r[1] for r in rows), sum(r[2] for r in rows))
    return [total] + rows


# -- Keras 3: a box-drawn table ----------------------------------------------------------------

def _ratio_reduce(total, ratios, maximums, values):
    """Takes `total` off `values` in proportion to `ratios`, at most `maximums` each (rich's
    rounding, so column widths match Keras's exactly)."""
    ratios = [r if m else 0 for r, m in zip(ratios, maximums)]
    total_ratio, remaining, result = sum(ratios), total, []
    if not total_ratio:
        return list(values)
    for ratio, maximum, value in zip(ratios, maximums, values):
        if ratio and total_ratio > 0:
            taken = min(maximum, round(ratio * remaining / total_ratio))
            result.append(value - taken)
            remaining -= taken
            total_ratio -= ratio
        else:
            result.append(value)
    return result


def _wrap(text, width):
    """Lines of at most `width` characters, broken between words; a word longer than the width
    is cut with an ellipsis (rich's "ellipsis" overflow, as Keras 3's table uses).

        >>> _wrap("global_average_pooling2d (GlobalAveragePooling2D)", 21)
        ['global_average_pooli…', '(GlobalAveragePoolin…']
    """
    lines, line = [], ""
    for word in re.findall(r"\s*\S+\s*", text):
        if line and len(line) + len(word.rstrip()) > width:
            lines.append(line)
            line = word
        else:
            line += word
    lines.append(line)
    lines = [item.rstrip() for item in lines]
    return [item if len(item) <= width else item[:width - 1] + "…" for item in lines]


def _align(text, width, justify):
    if justify == "right":
        return text.rjust(width)
    if justify == "center":
        left = (width - len(text)) // 2
        return (" " * left + text).ljust(width)
    return text.ljust(width)


def _box_table(header, rows, widths, justify):
    """The table as Keras 3 prints it: heavy header box, a light line between rows."""
    def border(left, fill, mid, right):
        return left + mid.join(fill * w for w in widths) + right

    def cells(fields, bar):
        wrapped = [_wrap(str(f), w - 2) for f, w in zip(fields, widths)]
        height = max(len(c) for c in wrapped)
        out = []
        for i in range(height):
            parts = [" " + _align(c[i] if i < len(c) else "", w - 2, j) + " "
                     for c, w, j in zip(wrapped, widths, justify)]
            out.append(bar + bar.join(parts) + bar)
        return out

    lines = [border("┏", "━", "┳", "┓")] + cells(header, "┃") + [border("┡", "━", "╇", "┩")]
    for i, row in enumerate(rows):
        if i:
            lines.append(border("├", "─", "┼", "┤"))
        lines += cells(row, "│")
    lines.append(border("└", "─", "┴", "┘"))
    return lines


def _keras3_summary(model, line_length, positions, print_fn, expand_nested, show_trainable,
                    layer_range):
    sequential_like = _sequential_like(model)
    if sequential_like:
        default_length, positions = 88, positions or [0.45, 0.80, 1.0]
        header, justify = ["Layer (type)", "Output Shape", "Param #"], ["left", "left", "right"]
    else:
        default_length, positions = 108, positions or [0.3, 0.56, 0.74, 1.0]
        header = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
        justify = ["left", "left", "right", "left"]
    positions = list(positions)
    if show_trainable:
        default_length += 12
        positions = [p * 0.90 for p in positions] + [1.0]
        header, justify = header + ["Trainable"], justify + ["center"]
    line_length = line_length or min(default_length, shutil.get_terminal_size().columns - 4)
    if positions[-1] > 1:  # absolute positions (tf.keras 2 style) as fractions of the line
        positions = [p / positions[-1] for p in positions]
    widths, current = [], 0
    for pos in positions:
        width = int(pos * line_length) - current
        if width < 4:
            raise InvalidArgumentError("Insufficient console width to print summary.")
        widths.append(width)
        current += width
    # Each column is its width plus one space either side; the borders take len + 1 more.
    widths = [w + 2 for w in widths]
    available = line_length - (len(widths) + 1)
    if sum(widths) > available:
        widths = _ratio_reduce(sum(widths) - available, [1] * len(widths), widths, widths)

    relevant = None if sequential_like else _relevant_nodes(model)
    rows = []

    def add(layer, level):
        prefix = "   " * level + "└ " if level else ""
        if not layer.built:
            params = "0 (unbuilt)"
        else:
            params = f"{_count(layer.weights):,}"
        fields = [f"{prefix}{layer.name} ({type(layer).__name__})",
                  _keras3_shape(_output_shapes(layer)), params]
        if not sequential_like:
            fields.append(", ".join(_connections(layer, relevant)) or "-")
        if show_trainable:
            fields.append(("Y" if layer.trainable else "N") if layer.weights else "-")
        rows.append(fields)
        if expand_nested and hasattr(layer, "layers") and layer is not model and layer.layers:
            for inner in layer.layers:
                add(inner, level + 1)

    layers = _top_layers(model)
    start, stop = _layer_range(layers, layer_range)
    for layer in layers[start:stop]:
        add(layer, 0)
    lines = [f'Model: "{model.name}"'] + _box_table(header, rows, widths, justify)
    lines += [f" {label}: {count:,} ({readable_memory_size(nbytes)})"
              for label, count, nbytes in _totals(model)]
    text = "\n".join(lines) + "\n"
    if print_fn is None:
        io_utils.print_msg(text, line_break=False)
    else:
        print_fn(text)  # Keras 3 passes the whole summary in one call


# -- tf.keras 2: the underscored table ---------------------------------------------------------

def _legacy_row(fields, positions, nested_level=0):
    """One table row as lines: each field cut to its column (at the end of a tuple when one
    ends inside), the rest continued on following lines."""
    left = [str(f) for f in fields]
    lines = []
    while any(left):
        line = ""
        for col, text in enumerate(left):
            start = positions[col - 1] if col else 0
            last = col == len(positions) - 1
            space = 0 if last else 2
            cutoff = positions[col] - start - space - (0 if last else 1)
            if col == 0:
                cutoff -= nested_level
            piece = text[:cutoff]
            ends = [piece.find(m) + len(m) for m in ("),", "},", "],", "',") if piece.find(m) >= 0]
            if ends:
                cutoff = min(ends)
                piece = piece[:cutoff]
            if col == 0:
                line += "|" * nested_level + " "
            line += piece + " " * space
            left[col] = text[cutoff:]
            pad = positions[col] - len(line) - (nested_level if nested_level and last else 0)
            line += " " * pad
        lines.append(line + "|" * nested_level)
    return lines


def _legacy_summary(model, line_length, positions, print_fn, expand_nested, show_trainable,
                    layer_range):
    print_fn = print_fn or print
    sequential_like = _sequential_like(model)
    if sequential_like:
        line_length = line_length or 65
        positions = list(positions or [0.45, 0.85, 1.0])
        header = ["Layer (type)", "Output Shape", "Param #"]
    else:
        line_length = line_length or 98
        positions = list(positions or [0.3, 0.6, 0.70, 1.0])
        header = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
    if positions[-1] <= 1:
        positions = [int(line_length * p) for p in positions]
    if show_trainable:
        line_length += 11
        positions.append(line_length)
        header.append("Trainable")
    relevant = None if sequential_like else _relevant_nodes(model)

    def emit(fields, level=0):
        for line in _legacy_row(fields, positions, level):
            print_fn(line)

    def layer_rows(layer, level=0, last_nested=False):
        params = layer.count_params() if layer.built else "0 (unused)"
        shape = _legacy_shape(_output_shapes(layer))
        if type(layer).__name__ == "InputLayer":
            shape = f"[{shape}]"  # tf.keras 2's InputLayer output_shape is a list
        fields = [f"{layer.name} ({type(layer).__name__})", shape, params]
        if not sequential_like:
            fields.append(_connections(layer, relevant))
        if show_trainable:
            fields.append("Y" if layer.trainable else "N")
        emit(fields, level)
        if expand_nested and hasattr(layer, "layers") and layer.layers and layer is not model:
            print_fn("|" * (level + 1) + "¯" * (line_length - 2 * level - 2) + "|" * (level + 1))
            inner = layer.layers
            for i, sub in enumerate(inner):
                layer_rows(sub, level + 1, i == len(inner) - 1)
            print_fn("|" * level + "¯" * (line_length - 2 * level) + "|" * level)
        elif not last_nested:
            print_fn("|" * level + " " * (line_length - 2 * level) + "|" * level)

    print_fn(f'Model: "{model.name}"')
    print_fn("_" * line_length)
    emit(header)
    print_fn("=" * line_length)
    layers = _top_layers(model)
    start, stop = _layer_range(layers, layer_range)
    for layer in layers[start:stop]:
        layer_rows(layer)
    print_fn("=" * line_length)
    units = ("Byte", "KB", "MB", "GB", "TB", "PB")
    totals = [t for t in _totals(model) if t[0] != "Optimizer params"]  # tf.keras 2 had none
    totals[0] = ("Total params", totals[1][1] + totals[2][1], totals[1][2] + totals[2][2])
    for label, count, nbytes in totals:
        print_fn(f"{label}: {count} ({readable_memory_size(nbytes, units)})")
    print_fn("_" * line_length)


def print_summary(model: Any, line_length: Optional[int] = None,
                  positions: Optional[Sequence[float]] = None,
                  print_fn: Optional[Callable[..., Any]] = None, expand_nested: bool = False,
                  show_trainable: bool = False,
                  layer_range: Optional[Sequence[str]] = None) -> None:
    """Prints the model's summary table (Keras 3's layout, or tf.keras 2's when
    $TF_USE_LEGACY_KERAS is set).

    line_length: total width (Keras 3 default: 88, 108 for a functional model with branches,
    at most the terminal's width - 4); positions: the columns' right edges as fractions of the
    line; print_fn: called with the whole text (Keras 3) or each line (tf.keras 2) instead of
    printing; expand_nested: list the layers of nested models too; show_trainable: a Trainable
    column; layer_range: two regexes naming the first and last layer to list.
    """
    draw = _legacy_summary if io_utils.legacy_keras_style() else _keras3_summary
    draw(model, line_length, positions, print_fn, expand_nested, show_trainable, layer_range)
