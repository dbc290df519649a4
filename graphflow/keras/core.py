"""Keras 3's top-level core names: keras.Variable, keras.name_scope, keras.Function,
keras.version.

    >>> from graphflow import keras
    >>> v = keras.Variable("ones", shape=(2,), name="w")
    >>> v.numpy(), v.path
    (array([1., 1.], dtype=float32), 'w')
"""
import numpy as np

from graphflow import tensor as _tensor
from graphflow.errors import InvalidArgumentError

KERAS_API_VERSION = "3.15.1"  # the Keras release whose API graphflow.keras follows


def version():
    """The Keras API version graphflow.keras follows (TF 2.21's Keras)."""
    return KERAS_API_VERSION


class Variable(_tensor.Variable):
    """A Keras 3 Variable: made from an initializer (a name, an Initializer or a callable,
    with `shape`) or from a value. Python floats become float32 and ints int32, as in Keras;
    a NumPy array keeps its dtype. It is a graphflow Variable (tf.Variable); `name` keeps
    TF's ":0" suffix, `path` is Keras's scoped name without it.

        >>> from graphflow import keras
        >>> keras.Variable(3).dtype.name, keras.Variable(3.0).dtype.name
        ('int32', 'float32')
    """

    def __init__(self, initializer, shape=None, dtype=None, trainable=True, autocast=True,
                 aggregation="none", synchronization="auto", name=None, **kwargs):
        from graphflow.keras import initializers
        from graphflow.keras.backend import standardize_dtype
        if kwargs:
            raise InvalidArgumentError(f"Unrecognized keyword arguments: {sorted(kwargs)}")
        init = initializer
        if isinstance(init, str) or isinstance(init, initializers.Initializer):
            init = initializers.get(init)
        if callable(init):
            if shape is None:
                raise InvalidArgumentError(
                    "When creating a Variable from an initializer, the `shape` argument should "
                    f"be specified. Received: initializer={initializer!r} and shape=None")
            dtype = standardize_dtype(dtype)
            value = init(tuple(shape), dtype=dtype)
        else:
            value = initializer.numpy() if hasattr(initializer, "numpy") else initializer
            if dtype is None:
                if isinstance(value, bool):
                    dtype = "bool"
                elif isinstance(value, int):
                    dtype = "int32"
                elif isinstance(value, float):
                    dtype = "float32"
                else:
                    arr = np.asarray(value)
                    dtype = "float32" if arr.dtype.kind == "f" and arr.ndim == 0 and not \
                        isinstance(value, np.generic) else arr.dtype.name
            value = np.asarray(value, dtype=standardize_dtype(dtype))
            if shape is not None and tuple(value.shape) != tuple(shape):
                raise InvalidArgumentError(
                    f"Initial value has shape {value.shape}, but the variable has shape "
                    f"{tuple(shape)}")
        self.autocast = autocast
        super().__init__(value, trainable=trainable, name=name or "variable")

    @property
    def path(self):
        return self.name[:-2] if self.name.endswith(":0") else self.name


class name_scope:  # noqa: N801 - Keras's name
    """Keras 3's name scope: names the variables and graph nodes made inside it, as
    tf.name_scope (`caller`, `deduplicate` and `override_parent` are accepted).

        >>> from graphflow import keras
        >>> with keras.name_scope("block"):
        ...     keras.Variable(1.0, name="q").path
        'block/q'
    """

    def __init__(self, name, caller=None, deduplicate=True, override_parent=None):
        if not isinstance(name, str) or "/" in name:
            raise InvalidArgumentError(
                "Argument `name` must be a string and cannot contain character `/`. "
                f"Received: name={name}")
        self.name = name
        self._scope = None

    def __enter__(self):
        from graphflow.graph.ir import name_scope as scope
        self._scope = scope(self.name)
        self._scope.__enter__()
        return self

    def __exit__(self, *exc):
        return self._scope.__exit__(*exc)


class Function:
    """Keras 3's Function: a graph from symbolic inputs to outputs (keras.Input tensors and
    the layers and ops applied to them), callable on real tensors. Here it is a functional
    Model's graph, run eagerly.

        >>> import numpy as np
        >>> from graphflow import keras
        >>> x = keras.Input((2,))
        >>> f = keras.Function(x, x * 2.0)
        >>> f(np.ones((1, 2), "float32")).numpy()
        array([[2., 2.]], dtype=float32)
    """

    def __init__(self, inputs, outputs, name=None):
        from graphflow.keras.models import Model
        self._model = Model(inputs, outputs, name=name or "function")
        self.name = self._model.name
        self._inputs_struct, self._outputs_struct = inputs, outputs

    @property
    def inputs(self):
        from graphflow.utils import nest
        return nest.flatten(self._inputs_struct)

    @property
    def outputs(self):
        from graphflow.utils import nest
        return nest.flatten(self._outputs_struct)

    def __call__(self, inputs):
        return self._model(inputs)

    call = __call__
