"""graphflow's error classes. Every message names the op, tensor, placeholder or layer involved.

    >>> import graphflow as tf
    >>> issubclass(tf.errors.InvalidArgumentError, ValueError)
    True
"""


class GraphflowError(Exception):
    """Base class of every error graphflow raises on purpose."""


class InvalidArgumentError(GraphflowError, ValueError):
    """An op received an argument of the wrong shape, dtype or value."""


class InvalidTypeError(GraphflowError, TypeError):
    """An argument has the wrong Python type (where TF raises TypeError, e.g. axis=1.5)."""


class OperatorNotAllowedInGraphError(GraphflowError, TypeError):
    """A Python operation that needs a tensor's value (`bool(t)`, `if t:`, iterating) was
    applied to a symbolic tensor while a graph is built; a TypeError, as TF's class.

        >>> import graphflow as tf
        >>> issubclass(tf.errors.OperatorNotAllowedInGraphError, TypeError)
        True
    """


class UnimplementedError(GraphflowError, NotImplementedError):
    """The request is valid but graphflow does not implement it (yet)."""


class FailedPreconditionError(GraphflowError, RuntimeError):
    """The system is not in a state to run the request (e.g. an uninitialized variable)."""


class OutOfRangeError(InvalidArgumentError):
    """An index or axis was out of range."""


class UnknownError(GraphflowError, RuntimeError):
    """An error from outside graphflow's ops, e.g. raised by the Python function of a
    py_function (the original exception is its __cause__)."""


class NotFoundError(GraphflowError, LookupError):
    """A named thing (tensor, file, kernel) was not found."""


class DataLossError(GraphflowError):
    """Unrecoverable data loss or corruption: a TFRecord whose checksum does not match, a file
    that ends inside a record, a compressed stream that does not inflate."""
