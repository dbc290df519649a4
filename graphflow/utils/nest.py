"""Nested structures (lists, tuples, namedtuples, dicts) flattened and rebuilt, as tf.nest does.

Dicts flatten in sorted key order, so two dicts with the same keys line up.

    >>> from graphflow.utils import nest
    >>> nest.flatten({"b": 2, "a": [1, 3]})
    [1, 3, 2]
    >>> nest.pack_sequence_as({"b": 0, "a": [0, 0]}, [1, 3, 2])
    {'b': 2, 'a': [1, 3]}
"""
from collections import defaultdict
from collections.abc import Mapping


def is_nested(seq):
    """Whether `seq` is a structure nest looks into: a list, tuple (namedtuples included) or
    mapping; tensors, strings, sets and None are leaves.

        >>> from graphflow.utils import nest
        >>> [nest.is_nested(x) for x in ([], (1,), {"a": 1}, 1, "ab", None, {1, 2})]
        [True, True, True, False, False, False, False]
    """
    return isinstance(seq, (list, tuple, Mapping))


def _children(value):
    if isinstance(value, Mapping):
        return [value[k] for k in _sorted_keys(value)]
    return list(value)


def _sorted_keys(d):
    try:
        return sorted(d)
    except TypeError as e:
        raise TypeError(f"nest: the keys of a dict must be sortable to flatten it (they fix the "
                        f"order of its leaves), got keys {list(d)!r}: {e}") from None


def _components(value):
    """A composite tensor's component tensors (expand_composites=True), or None for others.
    A SparseTensor (and its SparseTensorSpec) names its own; a RaggedTensor gives its
    flat_values and row splits."""
    own = getattr(value, "_composite_components", None)
    if own is not None and not isinstance(value, type):
        return own()
    values = getattr(value, "flat_values", None)
    splits = getattr(value, "nested_row_splits", None)
    if values is None or splits is None:
        return None
    return [values] + list(splits)


def flatten(structure, expand_composites=False):
    """The leaves of a nested structure, depth first, dicts in sorted key order. A leaf
    (None included) gives [leaf]. With expand_composites=True a RaggedTensor gives its
    flat_values and row splits, a SparseTensor its indices, values and dense_shape.

        >>> from graphflow.utils import nest
        >>> nest.flatten({"b": 1, "a": (2, [3, None])})
        [2, 3, None, 1]
    """
    if not is_nested(structure):
        parts = _components(structure) if expand_composites else None
        return [structure] if parts is None else parts
    out = []
    for child in _children(structure):
        out.extend(flatten(child, expand_composites))
    return out


def pack_sequence_as(structure, flat_sequence, expand_composites=False):
    """Rebuilds `structure` with the leaves taken in order from `flat_sequence`.

        >>> from graphflow.utils import nest
        >>> nest.pack_sequence_as({"b": 0, "a": [0, 0]}, [1, 3, 2])
        {'b': 2, 'a': [1, 3]}
    """
    if not is_nested(flat_sequence) and hasattr(flat_sequence, "__next__"):
        flat_sequence = list(flat_sequence)  # a generator of leaves
    if not is_nested(flat_sequence):
        raise TypeError(f"Attempted to pack value:\n  {flat_sequence!r}\ninto a structure, "
                        f"but found incompatible type `{type(flat_sequence)}` instead.")
    flat = list(flat_sequence)
    if not is_nested(structure) and not (expand_composites and _components(structure)):
        if len(flat) != 1:
            raise ValueError(
                f"The target structure is of type `{type(structure)}`\n  {structure!r}\n"
                f"However the input is a sequence ({type(flat_sequence)}) of length "
                f"{len(flat)}.\n  {flat_sequence!r}\nnest cannot guarantee that it is safe "
                f"to map one to the other.")
        return flat[0]
    count = len(flatten(structure, expand_composites))
    if count != len(flat):
        raise ValueError(
            f"Could not pack sequence. Structure had {count} atoms, but flat_sequence had "
            f"{len(flat)} items.  Structure: {structure!r}, flat_sequence: {flat_sequence!r}.")
    return _pack(structure, flat, 0, expand_composites)[0]


def _pack(structure, flat, i, expand_composites=False):
    if not is_nested(structure):
        parts = _components(structure) if expand_composites else None
        if parts is None:
            return flat[i], i + 1
        n = len(parts)
        return _rebuild_composite(structure, flat[i:i + n]), i + n
    if isinstance(structure, Mapping):
        out = {}
        for k in _sorted_keys(structure):
            out[k], i = _pack(structure[k], flat, i, expand_composites)
        if type(structure) is dict:
            return {k: out[k] for k in structure}, i
        if isinstance(structure, defaultdict):
            rebuilt = type(structure)(structure.default_factory)
            rebuilt.update((k, out[k]) for k in structure)
            return rebuilt, i
        return type(structure)((k, out[k]) for k in structure), i
    items = []
    for child in structure:
        item, i = _pack(child, flat, i, expand_composites)
        items.append(item)
    if isinstance(structure, tuple) and hasattr(structure, "_fields"):
        return type(structure)(*items), i
    return type(structure)(items), i


def _rebuild_composite(like, parts):
    """A composite like `like` from its components: a SparseTensor (or a SparseTensorSpec,
    which gives a SparseTensor, as TF's TypeSpecs do) rebuilds itself; a RaggedTensor from its
    flat_values and row splits."""
    own = getattr(like, "_from_composite_components", None)
    if own is not None:
        return own(list(parts))
    values, splits = parts[0], parts[1:]
    for row_splits in reversed(splits):
        values = type(like).from_row_splits(values, row_splits, validate=False)
    return values


def map_structure(func, *structure, **kwargs):
    """Applies `func` to corresponding leaves of the structures and rebuilds the first one.
    The structures must nest the same way (`check_types=False` lets list and tuple, or a
    namedtuple and a tuple, stand for each other).

        >>> from graphflow.utils import nest
        >>> nest.map_structure(lambda a, b: a + b, (1, [2]), (10, [20]))
        (11, [22])
    """
    if not callable(func):
        raise TypeError(f"func must be callable, got: {func!r}")
    if not structure:
        raise ValueError("Must provide at least one structure")
    unknown = set(kwargs) - {"check_types", "expand_composites"}
    if unknown:
        raise ValueError("Only valid keyword arguments are `check_types` and "
                         f"`expand_composites`, not: `{'`, `'.join(sorted(unknown))}`")
    check_types = kwargs.get("check_types", True)
    expand = kwargs.get("expand_composites", False)
    for other in structure[1:]:
        assert_same_structure(structure[0], other, check_types, expand)
    flats = [flatten(s, expand) for s in structure]
    return pack_sequence_as(structure[0], [func(*leaves) for leaves in zip(*flats)], expand)


class _Dot:
    """Stands for a leaf where an error message draws a structure's shape."""

    def __repr__(self):
        return "."


def _describe(value):
    return f"type={type(value).__name__} str={value!r}"


def _difference(a, b, check_types):
    """Why a and b do not nest the same way: (exception type, message), or None."""
    if not is_nested(a) or not is_nested(b):
        if is_nested(a) == is_nested(b):
            return None
        seq, leaf = (a, b) if is_nested(a) else (b, a)
        return ValueError, (f'Substructure "{_describe(seq)}" is a sequence, while substructure '
                            f'"{_describe(leaf)}" is not')
    if check_types and type(a) is not type(b) and not (
            isinstance(a, Mapping) and isinstance(b, Mapping)):
        return TypeError, (
            f"The two namedtuples don't have the same sequence type. First structure "
            f"{_describe(a)} has type {type(a).__name__}, while second structure {_describe(b)} "
            f"has type {type(b).__name__}")
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        if _sorted_keys(a) != _sorted_keys(b):
            return ValueError, (
                f"The two dictionaries don't have the same set of keys. First structure has "
                f"keys {_describe(_sorted_keys(a))}, while second structure has keys "
                f"{_describe(_sorted_keys(b))}")
    elif len(a) != len(b):
        return ValueError, (
            f"The two structures don't have the same number of elements. First structure: "
            f"{_describe(a)}. Second structure: {_describe(b)}")
    for x, y in zip(_children(a), _children(b)):
        why = _difference(x, y, check_types)
        if why is not None:
            return why
    return None


def assert_same_structure(nest1, nest2, check_types=True, expand_composites=False):
    """Raises ValueError (TypeError for different sequence types, with `check_types`) when
    nest1 and nest2 do not nest the same way; the message shows both structures.

        >>> from graphflow.utils import nest
        >>> nest.assert_same_structure((1, [2]), (3, [4]))
        >>> nest.assert_same_structure((1, 2), (3, 4, 5))
        Traceback (most recent call last):
        ...
        ValueError: The two structures don't have the same nested structure.
        <BLANKLINE>
        First structure: type=tuple str=(1, 2)
        <BLANKLINE>
        Second structure: type=tuple str=(3, 4, 5)
        <BLANKLINE>
        More specifically: The two structures don't have the same number of elements. First structure: type=tuple str=(1, 2). Second structure: type=tuple str=(3, 4, 5)
        Entire first structure:
        (., .)
        Entire second structure:
        (., ., .)
    """
    why = _difference(nest1, nest2, check_types)
    if why is None:
        return
    error, detail = why

    def drawn(s):
        return repr(pack_sequence_as(s, [_Dot()] * len(flatten(s)))) if is_nested(s) else "."
    raise error(f"The two structures don't have the same nested structure.\n\nFirst structure: "
                f"{_describe(nest1)}\n\nSecond structure: {_describe(nest2)}\n\nMore "
                f"specifically: {detail}\nEntire first structure:\n{drawn(nest1)}\nEntire "
                f"second structure:\n{drawn(nest2)}")


def same_structure(a, b):
    """Whether a and b nest the same way: the same container types (list, tuple, namedtuple,
    dict with the same keys) with the same lengths, down to the leaves."""
    if not is_nested(a) or not is_nested(b):
        return is_nested(a) == is_nested(b)
    if type(a) is not type(b):
        return False
    if isinstance(a, Mapping):
        if _sorted_keys(a) != _sorted_keys(b):
            return False
    elif len(a) != len(b):
        return False
    return all(same_structure(x, y) for x, y in zip(_children(a), _children(b)))
