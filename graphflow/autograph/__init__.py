"""graphflow.autograph (TF's tf.autograph): Python control flow on tensors as graph control flow.

`graphflow.function` (with autograph=True, the default) converts the traced function and,
recursively, the user functions it calls: `if`, `while` and `for` whose condition or iterable
is a tensor become graphflow.cond / graphflow.while_loop, `and` / `or` / `not` and conditional
expressions on tensors become their graph forms, and everything else stays Python. The
converted code keeps the user's file and line numbers.

    >>> import graphflow as tf
    >>> def collatz_steps(n):
    ...     steps = 0
    ...     while n != 1:
    ...         n = n // 2 if n % 2 == 0 else 3 * n + 1
    ...         steps += 1
    ...     return steps
    >>> tf.autograph.to_graph(collatz_steps)(6)    # Python values: plain Python semantics
    8
    >>> print(tf.autograph.to_code(lambda x: x if x > 0 else -x))
    lambda x: ag__.if_exp(x > 0, lambda: x, lambda: -x, 'x > 0')
"""
import enum
import logging

from graphflow.autograph import conversion
from graphflow.autograph.conversion import ConversionError  # noqa: F401
from graphflow.errors import InvalidArgumentError, UnimplementedError

logger = logging.getLogger("graphflow")


class Feature(enum.Enum):
    """Optional conversions (TF's tf.autograph.experimental.Feature).

    BUILTIN_FUNCTIONS (also implied by ALL) converts `print` on tensors to graphflow.print, as
    TF does with that feature. ASSERT_STATEMENTS, AUTO_CONTROL_DEPS and NAME_SCOPES are what
    graphflow always does (assert statements on tensors are always checked when the graph
    runs; side effects in functions always run in program order). LISTS and
    EQUALITY_OPERATORS are not implemented.
    """

    ALL = "ALL"
    AUTO_CONTROL_DEPS = "AUTO_CONTROL_DEPS"
    ASSERT_STATEMENTS = "ASSERT_STATEMENTS"
    BUILTIN_FUNCTIONS = "BUILTIN_FUNCTIONS"
    EQUALITY_OPERATORS = "EQUALITY_OPERATORS"
    LISTS = "LISTS"
    NAME_SCOPES = "NAME_SCOPES"


def options_from_features(features, recursive=True):
    """ConversionOptions for TF's experimental_optional_features / experimental_autograph_options
    (None, one Feature, or a sequence of them)."""
    if features is None:
        features = ()
    elif isinstance(features, Feature):
        features = (features,)
    features = tuple(features)
    for f in features:
        if not isinstance(f, Feature):
            raise InvalidArgumentError(
                f"autograph: expected tf.autograph.experimental.Feature values, got {f!r}")
        if f in (Feature.LISTS, Feature.EQUALITY_OPERATORS):
            raise UnimplementedError(f"autograph: {f} is not implemented in graphflow")
    builtins = Feature.ALL in features or Feature.BUILTIN_FUNCTIONS in features
    return conversion.ConversionOptions(builtin_functions=builtins, recursive=recursive)


def _entity_function(entity, what):
    # a graphflow.function: its Python function (what tracing converts)
    entity = getattr(entity, "python_function", entity)
    target = conversion._target(entity)
    if target is None:
        raise InvalidArgumentError(
            f"{what}: expected a Python function, method, lambda or callable object, got "
            f"{entity!r}")
    return target


def to_graph(entity, recursive=True, experimental_optional_features=None):
    """The converted version of a function, method or callable object: it behaves like the
    original on Python values and stages graph control flow on tensors (TF's to_graph).

        >>> def sign(x):
        ...     if x > 0:
        ...         return 1
        ...     return -1
        >>> tf.autograph.to_graph(sign)(-5)
        -1
    """
    options = options_from_features(experimental_optional_features, recursive)
    fn, self = _entity_function(entity, "to_graph")
    if conversion.is_generated(fn):
        return entity
    converted = conversion.convert_function(fn, options)
    return converted.__get__(self) if self is not None else converted


def to_code(entity, recursive=True, experimental_optional_features=None):
    """The source code AutoGraph generates for a function (TF's to_code).

        >>> print(tf.autograph.to_code(lambda a, b: a and not b))
        lambda a, b: ag__.and_(lambda: a, lambda: ag__.not_(b))
    """
    options = options_from_features(experimental_optional_features, recursive)
    fn, _ = _entity_function(entity, "to_code")
    return conversion.to_code(fn, options)


def set_verbosity(level, alsologtostdout=False):
    """Logs AutoGraph's conversion decisions at `level` >= 1 (graphflow's logger, INFO),
    and with alsologtostdout also to stdout."""
    conversion.set_verbosity(int(level), bool(alsologtostdout))


def get_verbosity():
    return conversion._verbosity["level"]


def set_loop_options(parallel_iterations=None, swap_memory=None, maximum_iterations=None,
                     shape_invariants=None):
    """Options for the staged loop this call begins (TF's set_loop_options directive): it must be
    the first statement of the loop body, where AutoGraph reads it; as a call it does nothing.
    `shape_invariants` is a list of (variable, shape) pairs.

        >>> @tf.function
        ... def grow(x):
        ...     s = tf.constant([1.0])
        ...     while tf.reduce_sum(s) < x:
        ...         tf.autograph.experimental.set_loop_options(
        ...             shape_invariants=[(s, tf.TensorShape([None]))])
        ...         s = tf.concat([s, s], 0)
        ...     return s
    """
    del parallel_iterations, swap_memory, maximum_iterations, shape_invariants


class experimental:  # noqa: N801 - TF's namespace
    """tf.autograph.experimental."""

    Feature = Feature
    do_not_convert = staticmethod(conversion.do_not_convert)
    set_loop_options = staticmethod(set_loop_options)


do_not_convert = conversion.do_not_convert
