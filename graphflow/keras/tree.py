"""keras.tree: Keras 3's nested-structure utilities, with its rules (Keras runs them on optree).

Lists, tuples, namedtuples, dicts, OrderedDicts and defaultdicts are nested; everything else
is a leaf, None included (tf.nest, `graphflow.nest`, agrees except that it also opens any
Mapping). A dict and a defaultdict give their values in sorted key order, an OrderedDict in its
own order; structures match only with the same container types (a list is not a tuple), but a
dict matches any dict-like with the same keys.

    >>> from graphflow import keras
    >>> keras.tree.flatten({"b": 1, "a": [2, None]})
    [2, None, 1]
    >>> keras.tree.map_structure(lambda a, b: a + b, (1, [2]), (10, [20]))
    (11, [22])
    >>> keras.tree.lists_to_tuples([1, [2, 3]])
    (1, (2, 3))
"""
import collections


class MAP_TO_NONE:  # noqa: N801 - Keras's name
    """Returned by a `traverse` function to put None in the result (None itself means "go on
    into this node")."""


def _kind(x, none_is_leaf=True):
    """The node type of x (None for a leaf)."""
    t = type(x)
    if t is list:
        return "list"
    if t is tuple:
        return "tuple"
    if isinstance(x, tuple) and hasattr(t, "_fields"):
        return "namedtuple"
    if t is dict:
        return "dict"
    if t is collections.OrderedDict:
        return "OrderedDict"
    if t is collections.defaultdict:
        return "defaultdict"
    if x is None and not none_is_leaf:
        return "None"
    return None


def _keys(x, kind):
    return list(x) if kind == "OrderedDict" else sorted(x)


def _children(x, kind):
    """(keys or indices, children) of a node."""
    if kind in ("dict", "OrderedDict", "defaultdict"):
        keys = _keys(x, kind)
        return keys, [x[k] for k in keys]
    if kind == "None":
        return [], []
    return list(range(len(x))), list(x)


def _rebuild(x, kind, children):
    if kind == "list":
        return list(children)
    if kind == "tuple":
        return tuple(children)
    if kind == "namedtuple":
        return type(x)(*children)
    if kind == "None":
        return None
    values = dict(zip(_keys(x, kind), children))
    if kind == "defaultdict":
        out = collections.defaultdict(x.default_factory)
        out.update((k, values[k]) for k in x)
        return out
    if kind == "OrderedDict":
        return collections.OrderedDict((k, values[k]) for k in x)
    return {k: values[k] for k in x}  # a dict keeps its own key order


def is_nested(structure):
    """Whether `structure` is a list, tuple, namedtuple or dict-like (None is a leaf).

        >>> from graphflow import keras
        >>> [keras.tree.is_nested(x) for x in ([], (1,), {"a": 1}, None, "ab", {1, 2})]
        [True, True, True, False, False, False]
    """
    return _kind(structure) is not None


def _flatten(structure, out, path, paths, none_is_leaf=True, is_leaf=None):
    kind = None if is_leaf is not None and is_leaf(structure) else _kind(structure, none_is_leaf)
    if kind is None:
        out.append(structure)
        if paths is not None:
            paths.append(path)
        return
    for key, child in zip(*_children(structure, kind)):
        _flatten(child, out, path + (key,), paths, none_is_leaf, is_leaf)


def flatten(structure):
    """The leaves of `structure`, depth first (a leaf gives [leaf]).

        >>> from graphflow import keras
        >>> keras.tree.flatten(None), keras.tree.flatten([])
        ([None], [])
    """
    out = []
    _flatten(structure, out, (), None)
    return out


def flatten_with_path(structure):
    """(path, leaf) pairs: a path is the tuple of keys and indices leading to the leaf.

        >>> from graphflow import keras
        >>> keras.tree.flatten_with_path({"a": [1, 2], "b": 3})
        [(('a', 0), 1), (('a', 1), 2), (('b',), 3)]
    """
    out, paths = [], []
    _flatten(structure, out, (), paths)
    return list(zip(paths, out))


_DICTS = ("dict", "OrderedDict", "defaultdict")
_NAMES = {"list": "list", "tuple": "tuple", "namedtuple": "collections.namedtuple",
          "dict": "dict, collections.OrderedDict, or collections.defaultdict",
          "OrderedDict": "dict, collections.OrderedDict, or collections.defaultdict",
          "defaultdict": "dict, collections.OrderedDict, or collections.defaultdict"}


def _subtrees(spec, other, kind, none_is_leaf=True):
    """other's children in the order of node `spec`'s (of kind `kind`), or ValueError with
    optree's message when `other` is not the same kind of node."""
    okind = _kind(other, none_is_leaf)
    same = okind == kind or (kind in _DICTS and okind in _DICTS)
    if not same:
        if kind == "None":
            raise ValueError("Structures don't have the same nested structure.")
        raise ValueError(f"Expected an instance of {_NAMES[kind]}, got {other!r}.")
    keys, children = _children(spec, kind)
    if kind in _DICTS:
        expected, got = sorted(spec), sorted(other)
        if expected != got:
            missing = [k for k in expected if k not in other]
            extra = [k for k in got if k not in spec]
            detail = "".join([f", missing key(s): {missing}" if missing else "",
                              f", extra key(s): {extra}" if extra else ""])
            raise ValueError(
                f"dictionary key mismatch; expected key(s): {expected}, got key(s): {got}"
                f"{detail}; {type(spec).__name__}: {dict(other)!r}.")
        return [other[k] for k in keys]
    if kind == "namedtuple" and type(other) is not type(spec):
        raise ValueError(f"namedtuple type mismatch; expected type: {type(spec)}, got type: "
                         f"{type(other)}; tuple: {other!r}.")
    if len(other) != len(spec):
        raise ValueError(f"{kind} arity mismatch; expected: {len(spec)}, got: {len(other)}; "
                         f"{kind}: {other!r}.")
    return list(other)


def _map(func, spec, others, strict, none_is_leaf=True):
    """func over the leaves of `spec` and the matching parts of `others` (whole subtrees when
    not `strict`: `spec` is then a prefix of them)."""
    kind = _kind(spec, none_is_leaf)
    if kind is None:
        if strict and any(_kind(o, none_is_leaf) is not None for o in others):
            raise ValueError("Structures don't have the same nested structure.")
        return func(spec, *others)
    parts = [_subtrees(spec, o, kind, none_is_leaf) for o in others]
    _, children = _children(spec, kind)
    mapped = [_map(func, c, [p[i] for p in parts], strict, none_is_leaf)
              for i, c in enumerate(children)]
    return _rebuild(spec, kind, mapped)


def map_structure(func, *structures, none_is_leaf=True):
    """func applied to corresponding leaves of structures that nest the same way; the result
    nests like the first. With none_is_leaf=False a None stays None (func does not see it).

        >>> from graphflow import keras
        >>> keras.tree.map_structure(lambda x: x * 2, {"a": 1, "b": (2, None)},
        ...                          none_is_leaf=False)
        {'a': 2, 'b': (4, None)}
    """
    if not callable(func):
        raise TypeError(f"'{type(func).__name__}' object is not callable")
    if not structures:
        raise ValueError("Must provide at least one structure")
    return _map(func, structures[0], list(structures[1:]), True, none_is_leaf)


def map_structure_up_to(shallow_structure, func, *structures):
    """func applied to the parts of `structures` at the leaves of `shallow_structure` (a
    prefix of each): a leaf of the shallow structure takes a whole subtree.

        >>> from graphflow import keras
        >>> keras.tree.map_structure_up_to((0, 0), len, ([1, 2], [3]))
        (2, 1)
    """
    if not structures:
        raise ValueError("Must provide at least one structure")

    def call(shallow, *parts):
        if shallow is None:  # Keras checks the shallow leaf with optree's None-is-a-node rule
            raise ValueError("Structures don't have the same nested structure.")
        return func(*parts)
    return _map(call, shallow_structure, list(structures), False)


def assert_same_structure(a, b):
    """ValueError unless a and b nest the same way (leaves may differ, None included).

        >>> from graphflow import keras
        >>> keras.tree.assert_same_structure([1, 2], (1, 2))
        Traceback (most recent call last):
        ...
        ValueError: Expected an instance of list, got (1, 2).
    """
    _map(lambda *leaves: None, a, [b], True)


def assert_same_paths(a, b):
    """ValueError unless a and b have the same leaf paths (container types may differ)."""
    a_paths = {p for p, _ in flatten_with_path(a)}
    b_paths = {p for p, _ in flatten_with_path(b)}
    if a_paths != b_paths:
        msg = "`a` and `b` don't have the same paths."
        if a_paths - b_paths:
            msg += f"\nPaths in `a` missing in `b`:\n{a_paths - b_paths}"
        if b_paths - a_paths:
            msg += f"\nPaths in `b` missing in `a`:\n{b_paths - a_paths}"
        raise ValueError(msg)


def pack_sequence_as(structure, flat_sequence):
    """`structure` rebuilt with the leaves of `flat_sequence` in flatten order.

        >>> from graphflow import keras
        >>> keras.tree.pack_sequence_as({"b": 0, "a": [0, 0]}, [1, 2, 3])
        {'b': 3, 'a': [1, 2]}
    """
    if not hasattr(flat_sequence, "__iter__") or isinstance(flat_sequence, (str, bytes)):
        raise TypeError(f"pack_sequence_as: flat_sequence must be an iterable of leaves, got "
                        f"{type(flat_sequence).__name__} {flat_sequence!r:.60}")
    leaves = iter(list(flat_sequence))
    expected = len(flatten(structure))
    given = len(list(flat_sequence)) if not hasattr(flat_sequence, "__next__") else None

    def take(_):
        try:
            return next(leaves)
        except StopIteration:
            raise ValueError(f"Too few leaves for PyTreeSpec; expected: {expected}, got: "
                             f"{given}.") from None
    out = _map(take, structure, [], True)
    if next(leaves, _END) is not _END:
        raise ValueError(f"Too many leaves for PyTreeSpec; expected: {expected}.")
    return out


_END = object()


def traverse(func, structure, top_down=True):
    """Walks `structure` calling func on every node and leaf. top_down: a non-None result
    replaces the node (its inside is not visited), None goes on into it. Bottom up: func sees
    each node with its children already traversed; None keeps it. MAP_TO_NONE gives None.

        >>> from graphflow import keras
        >>> keras.tree.traverse(lambda x: 9 if x == 2 else None, [1, (2, 3)], top_down=False)
        [1, (9, 3)]
    """
    def inside(node):
        kind = _kind(node)
        if kind is None:
            return node
        _, children = _children(node, kind)
        return _rebuild(node, kind, [traverse(func, c, top_down) for c in children])

    if top_down:
        result = func(structure)
        if result is None:
            return inside(structure)
    else:
        walked = inside(structure)
        result = func(walked)
        if result is None:
            return walked
    if isinstance(result, type) and result.__name__ == "MAP_TO_NONE":
        return None
    return result


def lists_to_tuples(structure):
    """`structure` with every list made a tuple (at every depth)."""
    return traverse(lambda x: tuple(x) if isinstance(x, list) else None, structure,
                    top_down=False)


def _is_shape(x):
    return isinstance(x, (list, tuple)) and all(isinstance(e, (int, type(None))) for e in x)


def map_shape_structure(func, structure):
    """func applied to each shape (a list or tuple of ints and Nones) in `structure`.

        >>> from graphflow import keras
        >>> keras.tree.map_shape_structure(len, {"a": (2, 3), "b": [(None, 4), (5,)]})
        {'a': 2, 'b': [2, 1]}
    """
    kind = None if _is_shape(structure) else _kind(structure)
    if kind is None:
        return func(structure)
    _, children = _children(structure, kind)
    return _rebuild(structure, kind, [map_shape_structure(func, c) for c in children])
