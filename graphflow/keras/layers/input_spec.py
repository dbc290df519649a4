"""keras.layers.InputSpec: what a layer accepts (rank, dtype, shape, sizes of given axes), checked
on every call of a layer whose `input_spec` is set, with Keras 3's messages.

    >>> from graphflow import keras
    >>> spec = keras.layers.InputSpec(ndim=2, axes={-1: 3})
    >>> spec
    InputSpec(ndim=2, axes={-1: 3})
    >>> class Three(keras.layers.Layer):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.input_spec = spec
    >>> Three()(np.ones((2, 4), np.float32))
    Traceback (most recent call last):
    ...
    graphflow.errors.InvalidArgumentError: Input 0 with name 'None' of layer 'three' is incompatible with the layer: expected axis -1 of input shape to have value 3, but received input with shape (2, 4)
"""
from graphflow import dtypes
from graphflow.errors import InvalidArgumentError, InvalidTypeError
from graphflow.utils import nest


def _shape_tuple(shape):
    return tuple(None if d is None else int(d) for d in shape)


class InputSpec:
    """The rank (ndim, min_ndim, max_ndim), dtype, full shape or sizes of some axes (axes={axis:
    size}) a layer's input must have."""

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None, axes=None,
                 allow_last_axis_squeeze=False, name=None, optional=False):
        self.dtype = dtypes.as_dtype(dtype).name if dtype is not None else None
        if shape is not None:
            self.shape = _shape_tuple(shape)
            self.ndim = len(self.shape)
        else:
            self.ndim = ndim
            self.shape = None
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.name = name
        self.optional = optional
        self.allow_last_axis_squeeze = allow_last_axis_squeeze
        try:
            axes = axes or {}
            self.axes = {int(k): axes[k] for k in axes}
        except (ValueError, TypeError):
            raise InvalidTypeError(
                f"Argument `axes` must be a dict with integer keys. Received: axes={axes}") from None
        if self.axes and (self.ndim is not None or self.max_ndim is not None):
            max_dim = (self.ndim if self.ndim else self.max_ndim) - 1
            max_axis = max(self.axes)
            if max_axis > max_dim:
                raise InvalidArgumentError(
                    f"Axis {max_axis} is greater than the maximum allowed value: {max_dim}")

    def __repr__(self):
        spec = [f"dtype={self.dtype}" if self.dtype else "",
                f"shape={self.shape}" if self.shape else "",
                f"ndim={self.ndim}" if self.ndim else "",
                f"max_ndim={self.max_ndim}" if self.max_ndim else "",
                f"min_ndim={self.min_ndim}" if self.min_ndim else "",
                f"axes={self.axes}" if self.axes else ""]
        return f"InputSpec({', '.join(x for x in spec if x)})"

    def get_config(self):
        return {"dtype": self.dtype, "shape": self.shape, "ndim": self.ndim,
                "max_ndim": self.max_ndim, "min_ndim": self.min_ndim, "axes": self.axes,
                "optional": self.optional}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def assert_input_compatibility(input_spec, inputs, layer_name):
    """Raises Keras 3's error when `inputs` (a tensor or a nest) do not satisfy `input_spec` (an
    InputSpec or a list of them)."""
    if not input_spec:
        return
    input_spec = nest.flatten(input_spec)
    if isinstance(inputs, dict):
        names = [spec.name for spec in input_spec]
        if all(names):
            missing = [n for n in names if n not in inputs]
            if missing:
                raise InvalidArgumentError(
                    f'Missing data for input "{missing[0]}". You passed a data dictionary with '
                    f"keys {list(inputs)}. Expected the following keys: {names}")
            inputs = [inputs[n] for n in names]
    inputs = nest.flatten(inputs)
    if len(inputs) != len(input_spec):
        raise InvalidArgumentError(
            f'Layer "{layer_name}" expects {len(input_spec)} input(s), but it received '
            f"{len(inputs)} input tensors. Inputs received: {inputs!r:.500}")
    for index, (x, spec) in enumerate(zip(inputs, input_spec)):
        if spec is None or (x is None and spec.optional):
            continue
        if not hasattr(x, "shape"):
            raise InvalidArgumentError(
                f"Inputs to a layer should be tensors. Got '{x!r:.100}' (of type {type(x)}) as "
                f"input for layer '{layer_name}'.")
        shape = tuple(x.shape.as_list()) if hasattr(x.shape, "as_list") else tuple(x.shape)
        ndim = len(shape)
        where = f"Input {index} with name '{spec.name}' of layer '{layer_name}' is incompatible " \
            "with the layer:"
        if spec.ndim is not None and not spec.allow_last_axis_squeeze and ndim != spec.ndim:
            raise InvalidArgumentError(
                f"{where} expected ndim={spec.ndim}, found ndim={ndim}. Full shape received: "
                f"{shape}")
        if spec.max_ndim is not None and ndim > spec.max_ndim:
            raise InvalidArgumentError(
                f"{where} expected max_ndim={spec.max_ndim}, found ndim={ndim}")
        if spec.min_ndim is not None and ndim < spec.min_ndim:
            raise InvalidArgumentError(
                f"{where} expected min_ndim={spec.min_ndim}, found ndim={ndim}. Full shape "
                f"received: {shape}")
        if spec.dtype is not None:
            dtype = dtypes.as_dtype(x.dtype).name
            if dtype != spec.dtype:
                raise InvalidArgumentError(
                    f"{where} expected dtype={spec.dtype}, found dtype={dtype}")
        for axis, value in spec.axes.items():
            if value is not None and -ndim <= axis < ndim and shape[axis] not in (value, None):
                raise InvalidArgumentError(
                    f"{where} expected axis {axis} of input shape to have value {value}, but "
                    f"received input with shape {shape}")
        if spec.shape is not None:
            spec_shape = spec.shape
            if spec.allow_last_axis_squeeze:
                if shape and shape[-1] == 1:
                    shape = shape[:-1]
                if spec_shape and spec_shape[-1] == 1:
                    spec_shape = spec_shape[:-1]
            for spec_dim, dim in zip(spec_shape, shape):
                if spec_dim is not None and dim is not None and spec_dim != dim:
                    raise InvalidArgumentError(
                        f"{where} expected shape={spec.shape}, found shape={shape}")
