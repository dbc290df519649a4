"""Nested structures (lists, tuples, namedtuples, dicts) flattened and rebuilt, as tf.nest does.

Dicts flatten in sorted key order, so two dicts with the same keys line up.

    >>> from graphflow.utils import nest
    >>> nest.flatten({"b": 2, "a": [1, 3]})
    [1, 3, 2]
    >>> nest.pack_sequence_as({"b": 0, "a": [0, 0]}, [1, 3, 2])
    {'b': 2, 'a': [1, 3]}
"""


def is_nested(value):
    return isinstance(value, (list, tuple, dict))


def _children(value):
    if isinstance(value, dict):
        return [value[k] for k in _sorted_keys(value)]
    return list(value)


def _sorted_keys(d):
    try:
        return sorted(d)
    except TypeError:
        return list(d)


def flatten(value):
    """The leaves of a nested structure, depth first. A leaf (including None) gives [leaf]."""
    if not is_nested(value):
        return [value]
    out = []
    for child in _children(value):
        out.extend(flatten(child))
    return out


def pack_sequence_as(structure, flat):
    """Rebuilds `structure` with the leaves taken in order from `flat`."""
    flat = list(flat)
    result, used = _pack(structure, flat, 0)
    if used != len(flat):
        raise ValueError(f"pack_sequence_as: structure has {used} leaves but {len(flat)} were given")
    return result


def _pack(structure, flat, i):
    if not is_nested(structure):
        return flat[i], i + 1
    if isinstance(structure, dict):
        out = {}
        for k in _sorted_keys(structure):
            out[k], i = _pack(structure[k], flat, i)
        return type(structure)((k, out[k]) for k in structure) if type(structure) is not dict \
            else {k: out[k] for k in structure}, i
    items = []
    for child in structure:
        item, i = _pack(child, flat, i)
        items.append(item)
    if isinstance(structure, tuple) and hasattr(structure, "_fields"):
        return type(structure)(*items), i
    return type(structure)(items), i


def map_structure(fn, *structures):
    """Applies fn to corresponding leaves and rebuilds the first structure."""
    flats = [flatten(s) for s in structures]
    if len({len(f) for f in flats}) > 1:
        raise ValueError("map_structure: the structures have different numbers of leaves")
    return pack_sequence_as(structures[0], [fn(*leaves) for leaves in zip(*flats)])


def same_structure(a, b):
    """Whether a and b nest the same way: the same container types (list, tuple, namedtuple,
    dict with the same keys) with the same lengths, down to the leaves."""
    if not is_nested(a) or not is_nested(b):
        return is_nested(a) == is_nested(b)
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        if _sorted_keys(a) != _sorted_keys(b):
            return False
    elif len(a) != len(b):
        return False
    return all(same_structure(x, y) for x, y in zip(_children(a), _children(b)))
