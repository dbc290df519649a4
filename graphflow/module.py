"""tf.Module: a named container of variables and other modules.

Everything a module (or anything it holds in attributes, lists, tuples and dicts) references is
found by walking its attributes in sorted order, as TF does: `variables`, `trainable_variables`
and `submodules` are computed on each access, never registered by hand. Checkpoints
(graphflow/checkpoint.py) walk the same attributes to name what they save.

    >>> class Dense(tf.Module):
    ...     def __init__(self, n_in, n_out, name=None):
    ...         super().__init__(name=name)
    ...         with self.name_scope:
    ...             self.w = tf.Variable(tf.ones([n_in, n_out]), name="w")
    ...             self.b = tf.Variable(tf.zeros([n_out]), name="b")
    ...     def __call__(self, x):
    ...         return tf.matmul(x, self.w) + self.b
    >>> d = Dense(2, 3)
    >>> [v.name for v in d.trainable_variables]
    ['dense/b:0', 'dense/w:0']
"""
import functools
import re

from graphflow.errors import InvalidArgumentError
from graphflow.tensor import Variable

# Called with (module, name, value) after every attribute assignment: installed by
# graphflow.checkpoint, which restores values a checkpoint holds for objects attached later.
_on_attribute_set = None

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _camel_to_snake(name):
    name = re.sub(r"(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


def _is_keras_layer(value):
    return hasattr(value, "trainable_weights") and hasattr(value, "non_trainable_weights") \
        and hasattr(value, "weights")


def _leaves(value, path):
    """(path, leaf) for every leaf of nested lists/tuples/dicts, in TF's order (sorted keys)."""
    if isinstance(value, dict):
        for key in sorted(value, key=str):
            yield from _leaves(value[key], path + (key,))
    elif isinstance(value, (list, tuple)) and not hasattr(value, "_fields"):
        for i, item in enumerate(value):
            yield from _leaves(item, path + (i,))
    else:
        yield path, value


class Module:
    """Base class for models and layers made of variables (TF's tf.Module)."""

    # attributes never searched for variables or submodules (subclasses may add to this)
    _TF_MODULE_IGNORED_PROPERTIES = frozenset(("_scope_name", "_name"))

    def __init__(self, name=None):
        if name is None:
            name = _camel_to_snake(type(self).__name__)
        elif not isinstance(name, str) or not _IDENTIFIER.match(name):
            raise InvalidArgumentError(
                f"{name!r} is not a valid module name. Module names must be valid Python "
                "identifiers (e.g. a valid class name).")
        self._name = name
        from graphflow.graph.ir import name_scope
        with name_scope(name) as scope:
            self._scope_name = scope

    @property
    def name(self):
        return self._name

    @property
    def name_scope(self):
        """A context manager entering this module's name scope (variables created inside
        are named '<module>/...')."""
        from graphflow.graph.ir import name_scope
        return _ModuleScope(name_scope, self._scope_name)

    @property
    def variables(self):
        """Every Variable this module and its submodules hold (each once)."""
        return tuple(self._flatten(predicate=_is_variable, expand_keras=True))

    @property
    def trainable_variables(self):
        return tuple(self._flatten(predicate=lambda v: _is_variable(v) and v.trainable,
                                   expand_keras=True))

    @property
    def non_trainable_variables(self):
        return tuple(self._flatten(predicate=lambda v: _is_variable(v) and not v.trainable,
                                   expand_keras=True))

    @property
    def submodules(self):
        """Every module reachable from this one (not including itself)."""
        return tuple(self._flatten(predicate=lambda m: isinstance(m, Module) or
                                   _is_keras_layer(m)))

    def _flatten(self, recursive=True, predicate=None, attribute_traversal_key=None,
                 with_path=False, expand_composites=False, expand_keras=False):
        """Leaves of this module's attributes that satisfy `predicate`, each once; with
        with_path, (attribute path, leaf) pairs."""
        predicate = predicate or (lambda _: True)
        seen = set()
        yield from _flatten_module(self, recursive, predicate, attribute_traversal_key,
                                   with_path, expand_keras, (), seen, {id(self)})

    @classmethod
    def with_name_scope(cls, method):
        """Decorator: runs the method inside the module's name scope.

            >>> class M(tf.Module):
            ...     @tf.Module.with_name_scope
            ...     def make(self):
            ...         return tf.Variable(1.0, name="v")
            >>> M().make().name
            'm/v:0'
        """
        @functools.wraps(method)
        def wrapped(self, *args, **kwargs):
            with self.name_scope:
                return method(self, *args, **kwargs)
        return wrapped

    def __setattr__(self, name, value):
        object.__setattr__(self, name, value)
        if _on_attribute_set is not None:
            _on_attribute_set(self, name, value)

    def __repr__(self):
        return f"<{type(self).__module__}.{type(self).__name__} object named {self._name!r}>"


class _ModuleScope:
    def __init__(self, name_scope, scope_name):
        self._make, self.name, self._cm = name_scope, scope_name, None

    def __enter__(self):
        # The scope is absolute (ends in "/"), so entering it from anywhere names the same way.
        self._cm = self._make(self.name)
        return self._cm.__enter__()

    def __exit__(self, *exc):
        return self._cm.__exit__(*exc)


def _is_variable(v):
    return isinstance(v, Variable)


def _flatten_module(module, recursive, predicate, key, with_path, expand_keras, prefix, seen,
                    visiting):
    items = vars(module)
    names = sorted((k for k in items if k not in module._TF_MODULE_IGNORED_PROPERTIES),
                   key=key or (lambda k: k))
    children = []
    for attr in names:
        for path, leaf in _leaves(items[attr], prefix + (attr,)):
            if expand_keras and _is_keras_layer(leaf) and not isinstance(leaf, Module):
                for i, w in enumerate(leaf.weights):
                    if id(w) not in seen and predicate(w):
                        seen.add(id(w))
                        yield (path + ("weights", i), w) if with_path else w
                continue
            if id(leaf) in seen:
                continue
            if predicate(leaf):
                seen.add(id(leaf))
                yield (path, leaf) if with_path else leaf
            if recursive and isinstance(leaf, Module) and id(leaf) not in visiting:
                children.append((path, leaf))
    for path, child in children:
        visiting.add(id(child))
        yield from _flatten_module(child, recursive, predicate, key, with_path, expand_keras,
                                   path, seen, visiting)
