"""keras.layers.HashedCrossing: the hashed cross of two or more categorical features, in TF's
bins (tf.sparse.cross_hashed with its default key), as an int64 bin or a one-hot vector.

    >>> from graphflow import keras
    >>> layer = keras.layers.HashedCrossing(num_bins=7)
    >>> layer((np.array([1, 2], np.int64), np.array([b"a", b"bb"]))).numpy()
    array([1, 0])
"""
from graphflow.errors import InvalidArgumentError
from graphflow.keras.layers.base import KerasTensor, Layer
from graphflow.keras.layers.preprocessing.encoding import encode_categorical
from graphflow.ops import api as ops
from graphflow.ops.hashed_cross import hashed_cross
from graphflow.tensor import Tensor
from graphflow.utils import nest


class HashedCrossing(Layer):
    """Crosses the features of a tuple of integer or string inputs of shape (), (batch,) or
    (batch, 1) into `num_bins` bins; output_mode "int" (int64, the inputs' shape) or
    "one_hot"."""

    _convert_input_args = False  # converts its own inputs (as Keras's)

    def __init__(self, num_bins, output_mode="int", sparse=False, name=None, dtype=None,
                 **kwargs):
        if output_mode == "int" and dtype is None:
            dtype = "int64"
        super().__init__(name=name, dtype=dtype, **kwargs)
        if sparse:
            raise InvalidArgumentError("HashedCrossing: sparse=True is not supported")
        if output_mode not in ("int", "one_hot"):
            raise InvalidArgumentError(
                "Unknown value for `output_mode` argument of HashedCrossing. Allowed values are: "
                f"('int', 'one_hot'). Received: output_mode={output_mode}")
        if isinstance(num_bins, bool) or not isinstance(num_bins, int) or num_bins <= 0:
            raise InvalidArgumentError(
                f"HashedCrossing: `num_bins` must be a positive int, got {num_bins!r}")
        self.num_bins, self.output_mode, self.sparse = num_bins, output_mode, False

    def __call__(self, inputs, *args, **kwargs):
        if not isinstance(inputs, (list, tuple)):
            raise InvalidArgumentError(
                "`HashedCrossing` should be called on a list or tuple of inputs. Received: "
                f"inputs={inputs!r:.200}")
        if len(inputs) < 2:
            raise InvalidArgumentError(
                "`HashedCrossing` should be called on at least two inputs. Received: "
                f"inputs={inputs!r:.200}")
        # strings and int64 values stay as given (the base class would make float64 float32)
        inputs = [x if isinstance(x, (Tensor, KerasTensor)) else ops.convert_to_tensor(x)
                  for x in inputs]
        return super().__call__(list(inputs), *args, **kwargs)

    def build(self, input_shape):
        self._build_input_shape = input_shape
        self.built = True

    def call(self, inputs):
        inputs = list(nest.flatten(inputs))
        first = inputs[0].shape.as_list()
        rank = len(first)
        if rank > 2 or (rank == 2 and first[-1] != 1):
            raise InvalidArgumentError(
                "All `HashedCrossing` inputs should have shape `()`, `(batch_size)` or "
                f"`(batch_size, 1)`. Received: inputs={inputs!r:.300}")
        if not all(x.shape.as_list() == first for x in inputs[1:]):
            raise InvalidArgumentError(
                f"All `HashedCrossing` inputs should have equal shape. Received: "
                f"inputs={inputs!r:.300}")
        if not all(x.dtype.is_integer or x.dtype.name == "string" for x in inputs):
            raise InvalidArgumentError(
                "All `HashedCrossing` inputs should have an integer or string dtype. Received: "
                f"inputs={inputs!r:.300}")
        out = hashed_cross(inputs, self.num_bins)
        if self.output_mode == "int":
            return ops.cast(out, self.dtype) if self.dtype != "int64" else out
        return encode_categorical(out, "one_hot", self.num_bins, self.dtype)

    def get_config(self):
        return {"num_bins": self.num_bins, "output_mode": self.output_mode,
                "sparse": self.sparse, "name": self.name, "dtype": self.dtype}
