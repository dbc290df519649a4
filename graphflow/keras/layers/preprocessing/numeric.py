"""Normalization and Discretization: numeric features standardized or bucketized with
statistics from `adapt`.

    >>> from graphflow import keras
    >>> norm = keras.layers.Normalization(axis=None)
    >>> norm.adapt(np.array([1.0, 2.0, 3.0], np.float32))
    >>> norm(np.array([2.0, 4.0], np.float32)).numpy().round(4)
    array([0.    , 2.4495], dtype=float32)
    >>> keras.layers.Discretization(bin_boundaries=[0.0, 1.0])(np.array([-1.0, 0.0, 5.0])).numpy()
    array([0, 1, 2], dtype=int32)
"""
import numpy as np

from graphflow.errors import InvalidArgumentError
from graphflow.keras.backend import epsilon as _epsilon  # read at each use: set_epsilon
from graphflow.keras.layers.base import Layer
from graphflow.keras.layers.preprocessing.adapt import adapt_batches
from graphflow.keras.layers.preprocessing.encoding import (check_mode, check_sparse,
                                                           encode_categorical, sparse_result)
from graphflow.ops import api as ops
from graphflow.tensor import TensorShape


class Normalization(Layer):
    """(x - mean) / sqrt(variance) per feature along `axis` (None: one mean for everything);
    mean and variance are given or learned by `adapt`; invert=True maps back."""

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        if axis is None:
            axis = ()
        elif isinstance(axis, int):
            axis = (axis,)
        self.axis = tuple(int(a) for a in axis)
        if (mean is None) != (variance is None):
            raise InvalidArgumentError(
                "When setting values directly, both `mean` and `variance` must be set. "
                f"Received: mean={mean} and variance={variance}")
        self.input_mean, self.input_variance = mean, variance
        self.invert = bool(invert)

    def _keep_axes(self, rank):
        keep = []
        for a in self.axis:
            if not -rank <= a < rank:
                raise InvalidArgumentError(
                    f"Normalization layer {self.name!r}: axis {a} is out of range for inputs of "
                    f"rank {rank}")
            keep.append(a % rank)
        if 0 in keep and rank > 1:
            raise InvalidArgumentError(
                f"Normalization layer {self.name!r}: the batch axis 0 cannot be a feature axis")
        return sorted(keep)

    def build(self, input_shape):
        rank = input_shape.rank
        self._keep = self._keep_axes(rank)
        shape = [input_shape[a] for a in self._keep]
        if any(d is None for d in shape):
            raise InvalidArgumentError(
                f"Normalization layer {self.name!r}: all `axis` values to be kept must have a "
                f"known shape, got input shape {input_shape}")
        self._broadcast = [input_shape[a] if a in self._keep else 1 for a in range(rank)]
        if self.input_mean is not None:
            mean = np.broadcast_to(np.asarray(self.input_mean, np.float32), shape)
            var = np.broadcast_to(np.asarray(self.input_variance, np.float32), shape)
            self.adapt_mean = ops.constant(np.array(mean, np.float32))
            self.adapt_variance = ops.constant(np.array(var, np.float32))
        else:
            self.adapt_mean = self.add_weight("mean", shape, initializer="zeros",
                                              trainable=False)
            self.adapt_variance = self.add_weight("variance", shape, initializer="ones",
                                                  trainable=False)
            # Keras 3 keeps this for old files and never updates it; it is here so weight
            # lists and Keras's weight files line up (mean, variance, count)
            self.count = self.add_weight("count", (), dtype="int64", initializer="zeros",
                                         trainable=False)
        super().build(input_shape)

    # Keras's `mean` and `variance` have the broadcast shape ((1, features) for axis=-1)
    @property
    def mean(self):
        return ops.reshape(self.adapt_mean, self._broadcast)

    @property
    def variance(self):
        return ops.reshape(self.adapt_variance, self._broadcast)

    def adapt(self, data, batch_size=None, steps=None):
        """Learns the mean and variance over every axis but `axis`, batch by batch (exactly:
        counts, means and variances are merged)."""
        if self.input_mean is not None:
            raise InvalidArgumentError(
                f"Normalization layer {self.name!r}: cannot adapt a layer created with "
                "`mean` and `variance`")
        count, mean, m2 = 0, None, None
        for batch in adapt_batches(self, data, batch_size, steps):
            x = np.asarray(batch, np.float64)
            if x.ndim == 0:
                x = x.reshape(1)
            if not self.built:
                self.build(TensorShape((None,) + x.shape[1:]))
            reduce = tuple(a for a in range(x.ndim) if a not in self._keep)
            n = int(np.prod([x.shape[a] for a in reduce]))
            b_mean = x.mean(axis=reduce)
            b_m2 = ((x - x.mean(axis=reduce, keepdims=True)) ** 2).sum(axis=reduce)
            if mean is None:
                count, mean, m2 = n, b_mean, b_m2
            else:  # Chan et al.'s parallel combination of means and squared deviations
                delta = b_mean - mean
                total = count + n
                mean = mean + delta * n / total
                m2 = m2 + b_m2 + delta ** 2 * count * n / total
                count = total
        if mean is None:
            raise InvalidArgumentError(f"Normalization layer {self.name!r}: adapt got no data")
        shape = self.adapt_mean.shape.as_list()
        self.adapt_mean.assign(np.asarray(mean, np.float32).reshape(shape))
        self.adapt_variance.assign(np.asarray(m2 / count, np.float32).reshape(shape))

    def call(self, inputs):
        inputs = ops.convert_to_tensor(inputs)
        if inputs.dtype.name != "float32":
            inputs = ops.cast(inputs, "float32")
        mean = self.mean
        std = ops.maximum(ops.sqrt(self.variance), _epsilon())  # Keras's smallest deviation
        if self.invert:
            return mean + inputs * std
        return (inputs - mean) / std

    def get_config(self):
        def listed(v):
            return None if v is None else np.asarray(v, np.float32).tolist()
        return {**super().get_config(), "axis": list(self.axis) if len(self.axis) != 1 else
                self.axis[0], "invert": self.invert, "mean": listed(self.input_mean),
                "variance": listed(self.input_variance)}


# -- Discretization's quantile summaries (Keras's algorithm, so adapted boundaries agree): a
# summary is a 2 x n array of sorted values and the weight (count) each stands for.

def _summarize(values, epsilon):
    values = np.sort(np.reshape(values, -1))
    step = max(values.size * epsilon, 1)  # about 1/epsilon evenly spaced order statistics
    picked = values[int(step - 1)::int(step)]
    return np.stack([picked, np.full_like(picked, step)])


def _compress(summary, epsilon):
    if summary.shape[1] * epsilon < 1:
        return summary
    targets = epsilon + np.arange(0.0, 1.0, epsilon)
    cum = summary[1].cumsum()
    fraction = cum / cum[-1]
    bins = np.interp(targets, fraction, summary[0])
    cum_at = np.interp(targets, fraction, cum)
    return np.stack([bins, np.diff(cum_at, prepend=0.0)]).astype(np.float32)


def _merge(a, b, epsilon):
    merged = np.concatenate([a, b], axis=1)
    return _compress(merged[:, np.argsort(merged[0], kind="stable")], epsilon)


class Discretization(Layer):
    """Bucketizes numbers: index i for boundaries[i-1] <= x < boundaries[i] (0 below the first,
    len(boundaries) at or above the last); `adapt` picks num_bins - 1 quantile boundaries."""

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01, output_mode="int",
                 sparse=False, **kwargs):
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = "int32" if output_mode == "int" else "float32"
        super().__init__(**kwargs)
        if (bin_boundaries is None) == (num_bins is None):
            raise InvalidArgumentError(
                "Discretization: pass exactly one of `bin_boundaries` or `num_bins`. Received: "
                f"bin_boundaries={bin_boundaries} and num_bins={num_bins}")
        if num_bins is not None and num_bins < 0:
            raise InvalidArgumentError(
                f"`num_bins` must be greater than or equal to 0. Received: num_bins={num_bins}")
        self.bin_boundaries = None if bin_boundaries is None else [float(b) for b in
                                                                    bin_boundaries]
        if self.bin_boundaries is not None and sorted(self.bin_boundaries) != self.bin_boundaries:
            raise InvalidArgumentError(
                f"Discretization: bin_boundaries must be sorted, got {bin_boundaries}")
        self.num_bins, self.epsilon = num_bins, float(epsilon)
        self.output_mode = check_mode("Discretization", output_mode)
        self.sparse = check_sparse(sparse, output_mode,
                                   "`sparse=True` may only be used if `output_mode` is "
                                   "`'one_hot'`, `'multi_hot'`, or `'count'`.")

    def adapt(self, data, batch_size=None, steps=None):
        if self.num_bins is None:
            raise InvalidArgumentError(
                "Cannot adapt a Discretization layer that has been initialized with "
                "`bin_boundaries`, use `num_bins` instead.")
        summary = np.zeros((2, 0), np.float32)
        for batch in adapt_batches(self, data, batch_size, steps):
            summary = _merge(_summarize(np.asarray(batch, np.float32), self.epsilon), summary,
                             self.epsilon)
        self.bin_boundaries = _compress(summary, 1.0 / self.num_bins)[0, :-1].tolist()

    def call(self, inputs):
        if self.bin_boundaries is None:
            raise InvalidArgumentError(
                "You need to either pass the `bin_boundaries` argument at construction time or "
                "call `adapt(dataset)` before you can start using the `Discretization` layer.")
        inputs = ops.convert_to_tensor(inputs)
        if not inputs.dtype.is_floating:
            inputs = ops.cast(inputs, "float32")
        bounds = ops.constant(np.asarray(self.bin_boundaries, inputs.dtype.np))
        flat = ops.reshape(inputs, [-1])
        # int32 indices, as Keras 3.15's digitize gives
        index = ops.cast(ops.searchsorted(bounds, flat, side="right"), "int32")
        index = ops.reshape(index, ops.shape(inputs))
        return sparse_result(encode_categorical(index, self.output_mode,
                                                len(self.bin_boundaries) + 1, "float32"),
                             self.sparse)

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if config.get("bin_boundaries") is not None:  # adapted: the boundaries are the state
            num_bins = config.pop("num_bins", None)
            layer = cls(**config)
            layer.num_bins = num_bins
            return layer
        return cls(**config)

    def get_config(self):
        return {**super().get_config(), "bin_boundaries": self.bin_boundaries,
                "num_bins": self.num_bins, "epsilon": self.epsilon,
                "output_mode": self.output_mode, "sparse": self.sparse}
