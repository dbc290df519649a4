"""Which classes a saved config may name: the registry of user classes and the safe
config -> object step every Keras `get`/`deserialize` goes through.

A config read from a file may only name graphflow's own serializable Keras classes (each kind's
table: layers, losses, metrics, optimizers, initializers, regularizers, schedules) or a class
the user made known: registered with `register_keras_serializable` (under Keras's
"package>name" key), put in `get_custom_objects()`, given to a `custom_object_scope`, or passed
as `custom_objects=`. Anything else (`TensorShape`, `os.system`, ...) is an unknown name and
raises InvalidArgumentError before anything is constructed.

    >>> from graphflow import keras
    >>> @keras.utils.register_keras_serializable(package="demo")
    ... class Twice(keras.layers.Layer):
    ...     def call(self, x):
    ...         return x * 2.0
    >>> keras.utils.get_registered_name(Twice)
    'demo>Twice'
    >>> keras.utils.get_registered_object("demo>Twice") is Twice
    True
    >>> with keras.utils.custom_object_scope({"Thrice": Twice}):
    ...     keras.utils.get_registered_object("Thrice") is Twice
    True
"""
import inspect
import threading

from graphflow.errors import GraphflowError, InvalidArgumentError

GLOBAL_CUSTOM_OBJECTS = {}   # "package>name" (or any key the user sets) -> class or function
GLOBAL_CUSTOM_NAMES = {}     # class or function -> "package>name"


class _Scopes(threading.local):
    """The custom_object_scope dicts active in this thread (Keras keeps them per thread)."""

    def __init__(self):
        self.stack = []


_scopes = _Scopes()


class CustomObjectScope:
    """`with custom_object_scope({"name": obj}):` makes `obj` loadable by that name inside the
    block (in this thread), as if passed as `custom_objects` to every deserialization."""

    def __init__(self, custom_objects=None, *more):
        merged = {}
        for objects in (custom_objects,) + more:
            if objects is None:
                continue
            if not isinstance(objects, dict):
                raise InvalidArgumentError(
                    f"custom_object_scope: expected a dict of {{name: object}}, got "
                    f"{type(objects).__name__}")
            merged.update(objects)
        self.custom_objects = merged

    def __enter__(self):
        _scopes.stack.append(self.custom_objects)
        return self

    def __exit__(self, *exc):
        _scopes.stack.pop()
        return False


custom_object_scope = CustomObjectScope


def get_custom_objects():
    """The live global dict of custom objects: `get_custom_objects()["MyLayer"] = MyLayer`
    makes MyLayer loadable everywhere (scoped objects are not in it)."""
    return GLOBAL_CUSTOM_OBJECTS


def register_keras_serializable(package="Custom", name=None):
    """Class/function decorator: registers the object under "package>name" (name defaults to
    the object's __name__), so saved configs naming it load without custom_objects."""
    if not isinstance(package, str) or (name is not None and not isinstance(name, str)):
        raise InvalidArgumentError(
            f"register_keras_serializable: package and name must be strings, got "
            f"{package!r}, {name!r}")

    def decorator(obj):
        key = f"{package}>{name if name is not None else obj.__name__}"
        if inspect.isclass(obj) and not hasattr(obj, "get_config"):
            raise InvalidArgumentError(
                f"Cannot register {obj.__name__}: a class needs a get_config() method to be "
                "serializable")
        GLOBAL_CUSTOM_OBJECTS[key] = obj
        GLOBAL_CUSTOM_NAMES[obj] = key
        return obj
    return decorator


def get_registered_name(obj):
    """The name `obj` is saved under: its "package>name" key when registered, else __name__."""
    try:
        return GLOBAL_CUSTOM_NAMES[obj]
    except (KeyError, TypeError):  # TypeError: an unhashable object is never registered
        return getattr(obj, "__name__", type(obj).__name__)


def get_registered_object(name, custom_objects=None, module_objects=None):
    """The object a saved name refers to, or None: the innermost custom_object_scope first,
    then the global registry, then `custom_objects`, then `module_objects` (Keras's order)."""
    if not isinstance(name, str):
        return None
    for scope in reversed(_scopes.stack):
        if name in scope:
            return scope[name]
    if name in GLOBAL_CUSTOM_OBJECTS:
        return GLOBAL_CUSTOM_OBJECTS[name]
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    if module_objects and name in module_objects:
        return module_objects[name]
    return None


def resolve(kind, config, builtins, custom_objects=None):
    """(class, inner config) for a {"class_name", "config"[, "registered_name"]} dict read
    from a file or a get_config(): user-known objects by registered or class name first, then
    the kind's built-in table; an unknown or malformed entry raises InvalidArgumentError."""
    if not isinstance(config, dict):
        raise InvalidArgumentError(
            f"A serialized {kind} must be a dict with 'class_name' and 'config', got "
            f"{type(config).__name__} {config!r:.80}")
    class_name = config.get("class_name")
    if not isinstance(class_name, str):
        raise InvalidArgumentError(
            f"A serialized {kind} needs a string 'class_name', got {class_name!r:.80}")
    inner = config.get("config", {})
    if inner is None or not isinstance(inner, dict):
        raise InvalidArgumentError(
            f"The config of {kind} {class_name!r} must be a dict, got "
            f"{type(inner).__name__} {inner!r:.80}")
    registered = config.get("registered_name")
    obj = None
    for key in (registered, class_name):
        if obj is None and isinstance(key, str):
            obj = get_registered_object(key, custom_objects)
    if obj is None:
        obj = builtins.get(class_name)
    if obj is None:
        shown = sorted(k for k in builtins if k[:1].isupper())
        raise InvalidArgumentError(
            f"Unknown {kind} class {class_name!r}: not one of graphflow's serializable "
            f"{kind}s ({', '.join(shown[:12])}{', ...' if len(shown) > 12 else ''}) nor a "
            f"registered custom object. Pass it in custom_objects={{'{class_name}': ...}}, "
            "register it with keras.utils.register_keras_serializable, or use "
            "keras.utils.custom_object_scope")
    return obj, inner


def from_config(cls, inner, kind, class_name, custom_objects=None):
    """cls.from_config(inner) with its failures (bad keys or values in a file) reported as
    InvalidArgumentError naming the class; graphflow's own errors pass through."""
    try:
        if _accepts_custom_objects(cls):
            return cls.from_config(dict(inner), custom_objects=custom_objects)
        return cls.from_config(dict(inner))
    except GraphflowError:
        raise
    except (TypeError, ValueError, KeyError, AttributeError, IndexError, OverflowError,
            RecursionError) as e:
        raise InvalidArgumentError(
            f"Could not rebuild {kind} {class_name!r} from its config: {type(e).__name__}: "
            f"{e}") from e


def _accepts_custom_objects(cls):
    try:
        return "custom_objects" in inspect.signature(cls.from_config).parameters
    except (TypeError, ValueError, AttributeError):
        return False


def deserialize(kind, config, builtins, custom_objects=None):
    """The object a serialized dict describes (see `resolve`)."""
    obj, inner = resolve(kind, config, builtins, custom_objects)
    if not hasattr(obj, "from_config"):
        if inspect.isclass(obj):
            return _construct(obj, inner, kind, config["class_name"])
        return obj  # a registered function: the dict names it, it has no config
    return from_config(obj, inner, kind, config["class_name"], custom_objects)


def _construct(cls, inner, kind, class_name):
    try:
        return cls(**inner)
    except GraphflowError:
        raise
    except (TypeError, ValueError, KeyError, AttributeError, IndexError) as e:
        raise InvalidArgumentError(
            f"Could not rebuild {kind} {class_name!r} from its config: {type(e).__name__}: "
            f"{e}") from e


def lookup_name(name, builtins, custom_objects=None):
    """The object a plain string names ("relu", "glorot_uniform", "MyLoss"): user-known
    objects first, then the built-in table; None when unknown."""
    obj = get_registered_object(name, custom_objects)
    return obj if obj is not None else builtins.get(name)


def get(kind, identifier, builtins):
    """What a Keras `get(identifier)` returns for an object of `kind` ("regularizer",
    "constraint"): None for None, an instance for a name or a {"class_name", "config"} dict
    (built-in classes, registered or custom objects), a callable as it is.

        >>> from graphflow.keras import regularizers
        >>> type(get("regularizer", "l2", regularizers._NAMES)).__name__
        'L2'
    """
    if identifier is None:
        return None
    if isinstance(identifier, str):
        obj = lookup_name(identifier, builtins)
        if obj is None:
            raise InvalidArgumentError(f"Unknown {kind} {identifier!r}; known: {sorted(builtins)}")
        return obj() if isinstance(obj, type) else obj
    if isinstance(identifier, dict):
        return deserialize(kind, identifier, builtins)
    if callable(identifier):
        return identifier
    raise InvalidArgumentError(f"Could not interpret {kind} identifier: {identifier!r:.80}")
