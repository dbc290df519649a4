"""Metrics: streaming statistics kept in non-trainable Variables.

`update_state(y_true, y_pred, sample_weight=None)` accumulates with graphflow ops and
`assign_add` (so it works eagerly and inside a traced graphflow.function, like fit's train step),
`result()` computes the value from the state, and `reset_state()` zeros the state.

    >>> import numpy as np
    >>> from graphflow.keras import metrics
    >>> m = metrics.SparseCategoricalAccuracy()
    >>> m.update_state(np.array([1, 0]), np.array([[0.2, 0.8], [0.3, 0.7]]))
    >>> float(m.result())
    0.5
    >>> m.update_state(np.array([1]), np.array([[0.1, 0.9]]))
    >>> round(float(m.result()), 4)
    0.6667
"""
import contextlib

import numpy as np

from graphflow import dtypes
from graphflow.context import context
from graphflow.errors import InvalidArgumentError, UnimplementedError
from graphflow.keras import object_registration as registry
from graphflow.keras import losses as losses_mod
from graphflow.keras.backend import floatx
from graphflow.keras.backend import epsilon as _epsilon  # read at each use: set_epsilon
from graphflow.keras.losses import (
    as_tensor, divide_no_nan, float_tensor, squeeze_or_expand_to_same_rank)
from graphflow.ops import api as ops
from graphflow.tensor import TensorShape, Variable

# Per-sample metric functions shared with losses.
mean_squared_error = mse = losses_mod.mean_squared_error
mean_absolute_error = mae = losses_mod.mean_absolute_error
mean_absolute_percentage_error = mape = losses_mod.mean_absolute_percentage_error
mean_squared_logarithmic_error = msle = losses_mod.mean_squared_logarithmic_error
binary_crossentropy = losses_mod.binary_crossentropy
categorical_crossentropy = losses_mod.categorical_crossentropy
sparse_categorical_crossentropy = losses_mod.sparse_categorical_crossentropy
kl_divergence = losses_mod.kl_divergence
poisson = losses_mod.poisson
hinge = losses_mod.hinge
squared_hinge = losses_mod.squared_hinge
categorical_hinge = losses_mod.categorical_hinge
huber = losses_mod.huber
log_cosh = losses_mod.log_cosh
binary_focal_crossentropy = losses_mod.binary_focal_crossentropy
categorical_focal_crossentropy = losses_mod.categorical_focal_crossentropy


@contextlib.contextmanager
def _outside_trace():
    """Runs initializers eagerly while a graphflow.function is being traced (as TF's init_scope),
    so metric variables created lazily inside a train step get concrete initial values."""
    graph = context.graph
    if graph is None or not getattr(graph, "is_function", False):
        yield
        return
    context.graph = None
    try:
        yield
    finally:
        context.graph = graph


def _unique_name(base):
    from graphflow.keras.layers.base import unique_name
    return unique_name(base)


def _snake(name):
    """Keras's to_snake_case: acronyms stay together ("AUC" -> "auc", "MyAUCMetric" ->
    "my_auc_metric").

        >>> _snake("MyAUCMetric")
        'my_auc_metric'
    """
    import re
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


# -- the Metric base -----------------------------------------------------------------------------

class Metric:
    """Base class of metrics. Create state with `add_weight` in `__init__`; update it with
    graphflow ops and assign_add in `update_state`; compute the value in `result`.

        >>> class Count(keras.metrics.Metric):
        ...     def __init__(self, name="count"):
        ...         super().__init__(name=name)
        ...         self.n = self.add_weight("n")
        ...     def update_state(self, y_true, y_pred, sample_weight=None):
        ...         self.n.assign_add(tf.cast(tf.size(y_pred), tf.float32))
        ...     def result(self):
        ...         return self.n.value()
        >>> m = Count()
        >>> float(m(np.zeros(3), np.zeros(3)))
        3.0
    """

    def __init__(self, name=None, dtype=None):
        if name is not None and not isinstance(name, str):
            raise InvalidArgumentError(
                f"{type(self).__name__}: name must be a string, got {name!r}")
        object.__setattr__(self, "_variables", [])
        object.__setattr__(self, "_metrics", [])
        self.name = name or _unique_name(_snake(type(self).__name__))
        self._dtype = dtypes.as_dtype(dtype or floatx())

    def __setattr__(self, name, value):
        # Track Variables and sub-metrics assigned as attributes, as Keras does.
        if isinstance(value, Variable) and not any(value is v for v in self._variables):
            self._variables.append(value)
        elif isinstance(value, Metric) and value is not self and \
                not any(value is m for m in self._metrics):
            self._metrics.append(value)
        object.__setattr__(self, name, value)

    @property
    def dtype(self):
        return self._dtype.name

    def add_weight(self, name=None, shape=(), initializer="zeros", dtype=None, **kwargs):
        """A non-trainable Variable holding part of the metric's state."""
        from graphflow.keras import initializers
        shape = tuple(() if shape is None else shape)
        if any(d is None or int(d) < 0 for d in shape):
            raise InvalidArgumentError(
                f"Metric {self.name!r}: cannot create weight {name!r} with unknown or negative "
                f"dimensions {shape}")
        dtype = dtypes.as_dtype(dtype or self._dtype)
        with _outside_trace():
            value = initializers.get(initializer)(shape, dtype=dtype)
            var = Variable(value, trainable=False, name=f"{self.name}/{name or 'weight'}",
                           dtype=dtype)
        self._variables.append(var)
        return var

    add_variable = add_weight

    @property
    def variables(self):
        out = list(self._variables)
        for m in self._metrics:
            out += [v for v in m.variables if not any(v is w for w in out)]
        return out

    weights = variables

    def update_state(self, *args, **kwargs):
        raise NotImplementedError(f"Metric {self.name!r} ({type(self).__name__}) must implement "
                                  "update_state")

    def result(self):
        raise NotImplementedError(f"Metric {self.name!r} ({type(self).__name__}) must implement "
                                  "result")

    def reset_state(self):
        """Sets every state variable to zeros (eagerly)."""
        for v in self.variables:
            v.assign(np.zeros(v.shape.as_list(), v.dtype.np))

    reset_states = reset_state

    def __call__(self, *args, **kwargs):
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


# -- reductions: Mean, Sum, MeanMetricWrapper ---------------------------------------------------

def _samplewise(values, sample_weight, dtype, reduce_fn=ops.reduce_mean, owner="metric"):
    """Keras's reduce_to_samplewise_values: values reduced (`reduce_fn`: mean for Mean, sum for
    Sum) down to the weight's rank, multiplied by the weight broadcast to their shape, then
    reduced to one value per sample; returns (values, per-sample weights or None).

        >>> v, w = _samplewise(tf.constant([[1.0, 3.0], [5.0, 7.0]]), [1.0, 0.5], "float32")
        >>> v.numpy(), w.numpy()
        (array([2., 3.], dtype=float32), array([1. , 0.5], dtype=float32))
    """
    values = as_tensor(values, dtype)
    if sample_weight is not None:
        sample_weight = as_tensor(sample_weight, dtype)
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        rw, rv = sample_weight.shape.rank, values.shape.rank
        if rv is not None and rw is not None and rv > rw:
            values = reduce_fn(values, list(range(rw, rv)))
        _check_broadcast(sample_weight.shape, values.shape, owner)
        # The broadcast does not change the product but counts each weight once per value.
        sample_weight = sample_weight * ops.ones_like(values)
        values = values * sample_weight
        if rw is not None and rw > 1:
            sample_weight = reduce_fn(sample_weight, list(range(1, rw)))
    rv = values.shape.rank
    if rv is not None and rv > 1:
        values = reduce_fn(values, list(range(1, rv)))
    return values, sample_weight


def _check_broadcast(weight_shape, values_shape, owner):
    """The weight must broadcast *to* the values' shape (as Keras's broadcast_to): never more
    axes than the values, and each axis 1 or equal. Unknown sizes are left to run time."""
    if weight_shape.rank is None or values_shape.rank is None:
        return
    ok = weight_shape.rank <= values_shape.rank and all(
        w is None or v is None or w == 1 or w == v
        for w, v in zip(reversed(weight_shape.as_list()), reversed(values_shape.as_list())))
    if not ok:
        raise InvalidArgumentError(
            f"{owner}: sample_weight of shape {tuple(weight_shape.as_list())} cannot be "
            f"broadcast to the values' shape {tuple(values_shape.as_list())}")


class Sum(Metric):
    """The running (weighted) sum of the values.

        >>> m = keras.metrics.Sum()
        >>> m.update_state([1.0, 3.0])
        >>> float(m.result())
        4.0
    """

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_weight("total")

    def update_state(self, values, sample_weight=None):
        values, _ = _samplewise(values, sample_weight, self._dtype, ops.reduce_sum,
                                f"{type(self).__name__} {self.name!r}")
        self.total.assign_add(ops.reduce_sum(values))

    def result(self):
        return ops.identity(self.total.value())


class Mean(Metric):
    """The running (weighted) mean of the values: total / count.

        >>> m = keras.metrics.Mean()
        >>> m.update_state([1.0, 3.0])
        >>> m.update_state([5.0], sample_weight=[2.0])
        >>> float(m.result())
        3.5
    """

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_weight("total")
        self.count = self.add_weight("count")

    def update_state(self, values, sample_weight=None):
        values, sample_weight = _samplewise(values, sample_weight, self._dtype,
                                            owner=f"{type(self).__name__} {self.name!r}")
        self.total.assign_add(ops.reduce_sum(values))
        if sample_weight is not None:
            count = ops.reduce_sum(sample_weight)
        elif values.shape.rank:
            n = values.shape[0]
            count = float(n) if n is not None else ops.cast(ops.shape(values)[0], self._dtype)
        else:
            count = 1.0
        self.count.assign_add(count)

    def result(self):
        return divide_no_nan(self.total.value(), self.count.value())


class MeanMetricWrapper(Mean):
    """The running mean of a per-sample function `fn(y_true, y_pred, **kwargs)`.

        >>> m = keras.metrics.MeanMetricWrapper(keras.losses.mean_absolute_error, name="mae")
        >>> m.update_state([[0.0], [1.0]], [[1.0], [1.0]])
        >>> float(m.result())
        0.5
    """

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        if not callable(fn):
            raise InvalidArgumentError(f"MeanMetricWrapper: fn must be callable, got {fn!r}")
        super().__init__(name=name or getattr(fn, "__name__", "mean_metric_wrapper"), dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        super().update_state(values, sample_weight=sample_weight)

    def get_config(self):
        config = super().get_config()
        if type(self) is MeanMetricWrapper:
            config["fn"] = getattr(self._fn, "__name__", repr(self._fn))
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if cls is MeanMetricWrapper:
            name = config.pop("fn", None)
            fn = registry.lookup_name(name, _FUNCTIONS) if isinstance(name, str) else None
            if fn is None:
                raise InvalidArgumentError(
                    f"MeanMetricWrapper.from_config: unknown metric function {name!r}")
            return cls(fn, **config)
        return cls(**config)


# -- accuracy functions --------------------------------------------------------------------------

def _floatx(x):
    return ops.cast(x, dtypes.float32)


def accuracy(y_true, y_pred):
    """1.0 where y_pred equals y_true exactly, element by element (Keras 3: the Accuracy
    metric's mean, not this function, averages; so a weight per element applies).

        >>> accuracy([[1.0], [2.0]], [[1.0], [0.0]]).numpy()
        array([[1.],
               [0.]], dtype=float32)
    """
    y_pred = as_tensor(y_pred)
    y_true = as_tensor(y_true, y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return _floatx(ops.equal(y_true, y_pred))


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """1.0 where (y_pred > threshold) equals the 0/1 label, element by element (Keras 3).

        >>> binary_accuracy([[1.0], [0.0]], [[0.7], [0.6]]).numpy()
        array([[1.],
               [0.]], dtype=float32)
    """
    y_pred = float_tensor(y_pred)
    y_true = as_tensor(y_true, y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    predicted = ops.cast(ops.greater(y_pred, float(threshold)), y_true.dtype)
    return _floatx(ops.equal(y_true, predicted))


def categorical_accuracy(y_true, y_pred):
    """1.0 where argmax(y_pred) equals argmax(y_true) (one-hot labels).

        >>> categorical_accuracy([[0.0, 1.0]], [[0.3, 0.7]]).numpy()
        array([1.], dtype=float32)
    """
    y_pred = as_tensor(y_pred)
    y_true = as_tensor(y_true)
    if y_true.shape.rank is not None and y_pred.shape.rank is not None and \
            not y_true.shape.is_compatible_with(y_pred.shape):
        raise InvalidArgumentError(
            f"categorical_accuracy: y_true (one-hot) shape {y_true.shape} must equal y_pred shape "
            f"{y_pred.shape}; for integer labels use sparse_categorical_accuracy")
    return _floatx(ops.equal(ops.argmax(y_true, -1), ops.argmax(y_pred, -1)))


def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where argmax(y_pred) equals the integer label (of shape (batch,) or (batch, 1)).

        >>> sparse_categorical_accuracy([1, 0], [[0.3, 0.7], [0.4, 0.6]]).numpy()
        array([1., 0.], dtype=float32)
    """
    y_pred = as_tensor(y_pred)
    y_true = as_tensor(y_true)
    if y_true.shape.rank is not None and y_pred.shape.rank is not None and \
            y_true.shape.rank == y_pred.shape.rank and y_true.shape[-1] == 1:
        y_true = ops.squeeze(y_true, -1)
    predicted = ops.argmax(y_pred, -1)
    if predicted.dtype is not y_true.dtype:
        predicted = ops.cast(predicted, y_true.dtype)
    matches = _floatx(ops.equal(y_true, predicted))
    if matches.shape.rank and matches.shape.rank > 1 and matches.shape[-1] == 1:
        matches = ops.squeeze(matches, -1)
    return matches


def _in_top_k(targets, predictions, k):
    """Whether each target class is among the k highest predictions (ties count as in, as TF's
    in_top_k): fewer than k classes score strictly higher than the target."""
    num_classes = predictions.shape[-1]
    if num_classes is None:
        raise InvalidArgumentError(
            f"top-k accuracy: the number of classes (last axis of y_pred, shape "
            f"{predictions.shape}) must be known")
    hot = ops.one_hot(ops.cast(targets, dtypes.int32), num_classes, dtype=predictions.dtype)
    target_score = ops.reduce_sum(hot * predictions, -1, keepdims=True)
    higher = ops.reduce_sum(ops.cast(ops.greater(predictions, target_score), dtypes.int32), -1)
    return ops.less(higher, int(k))


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where the one-hot label's class is among the k highest predictions.

        >>> top_k_categorical_accuracy([[0.0, 0.0, 1.0]], [[0.5, 0.3, 0.2]], k=2).numpy()
        array([0.], dtype=float32)
    """
    y_pred = float_tensor(y_pred)
    y_true = as_tensor(y_true)
    return _floatx(_in_top_k(ops.argmax(y_true, -1), y_pred, k))


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where the integer label is among the k highest predictions.

        >>> sparse_top_k_categorical_accuracy([1], [[0.5, 0.3, 0.2]], k=2).numpy()
        array([1.], dtype=float32)
    """
    y_pred = float_tensor(y_pred)
    y_true = as_tensor(y_true)
    if y_true.shape.rank is not None and y_pred.shape.rank is not None and \
            y_true.shape.rank == y_pred.shape.rank and y_true.shape[-1] == 1:
        y_true = ops.squeeze(y_true, -1)
    return _floatx(_in_top_k(y_true, y_pred, k))


# -- MeanMetricWrapper classes -------------------------------------------------------------------

class Accuracy(MeanMetricWrapper):
    """How often predictions equal labels exactly.

        >>> m = keras.metrics.Accuracy()
        >>> m.update_state([[1], [2], [3], [4]], [[0], [2], [3], [4]])
        >>> float(m.result())
        0.75
    """
    _direction = "up"

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(accuracy, name=name, dtype=dtype)


class BinaryAccuracy(MeanMetricWrapper):
    """How often (y_pred > threshold) matches the 0/1 labels.

        >>> m = keras.metrics.BinaryAccuracy()
        >>> m.update_state([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]])
        >>> float(m.result())
        0.75
    """
    _direction = "up"

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        if threshold is not None and not 0 < float(threshold) < 1:
            raise InvalidArgumentError(
                f"BinaryAccuracy {name!r}: threshold must be in (0, 1), got {threshold}")
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold


class CategoricalAccuracy(MeanMetricWrapper):
    """How often argmax(y_pred) matches the one-hot labels.

        >>> m = keras.metrics.CategoricalAccuracy()
        >>> m.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
        >>> float(m.result())
        0.5
    """
    _direction = "up"

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(categorical_accuracy, name=name, dtype=dtype)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often argmax(y_pred) matches the integer labels.

        >>> m = keras.metrics.SparseCategoricalAccuracy()
        >>> m.update_state([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]])
        >>> float(m.result())
        0.5
    """
    _direction = "up"

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot label is among the top `k` predictions.

        >>> m = keras.metrics.TopKCategoricalAccuracy(k=1)
        >>> m.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
        >>> float(m.result())
        0.5
    """
    _direction = "up"

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer label is among the top `k` predictions.

        >>> m = keras.metrics.SparseTopKCategoricalAccuracy(k=1)
        >>> m.update_state([2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
        >>> float(m.result())
        0.5
    """
    _direction = "up"

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None):
        super().__init__(sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k


class MeanSquaredError(MeanMetricWrapper):
    """The running mean of mean((y_pred - y_true) ** 2).

        >>> m = keras.metrics.MeanSquaredError()
        >>> m.update_state([[0.0, 1.0]], [[1.0, 1.0]])
        >>> float(m.result())
        0.5
    """
    _direction = "down"

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, name=name, dtype=dtype)


class MeanAbsoluteError(MeanMetricWrapper):
    """The running mean of mean(|y_pred - y_true|).

        >>> m = keras.metrics.MeanAbsoluteError()
        >>> m.update_state([[0.0, 1.0]], [[1.0, 1.0]])
        >>> float(m.result())
        0.5
    """
    _direction = "down"

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, name=name, dtype=dtype)


class MeanAbsolutePercentageError(MeanMetricWrapper):
    """The running mean of 100 * mean(|y_true - y_pred| / |y_true|).

        >>> m = keras.metrics.MeanAbsolutePercentageError()
        >>> m.update_state([[2.0]], [[1.0]])
        >>> float(m.result())
        50.0
    """
    _direction = "down"

    def __init__(self, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(mean_absolute_percentage_error, name=name, dtype=dtype)


class MeanSquaredLogarithmicError(MeanMetricWrapper):
    """The running mean of mean((log(y_pred + 1) - log(y_true + 1)) ** 2).

        >>> m = keras.metrics.MeanSquaredLogarithmicError()
        >>> m.update_state([[0.0]], [[0.0]])
        >>> float(m.result())
        0.0
    """
    _direction = "down"

    def __init__(self, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(mean_squared_logarithmic_error, name=name, dtype=dtype)


class RootMeanSquaredError(Mean):
    """sqrt of the running mean of the squared errors.

        >>> m = keras.metrics.RootMeanSquaredError()
        >>> m.update_state([[0.0, 2.0]], [[0.0, 0.0]])
        >>> round(float(m.result()), 4)
        1.4142
    """
    _direction = "down"

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = as_tensor(y_true, self._dtype)
        y_pred = as_tensor(y_pred, self._dtype)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        super().update_state(ops.square(y_pred - y_true), sample_weight=sample_weight)

    def result(self):
        return ops.sqrt(super().result())


class BinaryCrossentropy(MeanMetricWrapper):
    """The running mean of binary cross-entropy.

        >>> m = keras.metrics.BinaryCrossentropy()
        >>> m.update_state([[1.0]], [[0.5]])
        >>> round(float(m.result()), 4)
        0.6931
    """
    _direction = "down"

    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0.0):
        super().__init__(binary_crossentropy, name=name, dtype=dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing)


class CategoricalCrossentropy(MeanMetricWrapper):
    """The running mean of categorical cross-entropy.

        >>> m = keras.metrics.CategoricalCrossentropy()
        >>> m.update_state([[0.0, 1.0]], [[0.5, 0.5]])
        >>> round(float(m.result()), 4)
        0.6931
    """
    _direction = "down"

    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0.0, axis=-1):
        super().__init__(categorical_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class SparseCategoricalCrossentropy(MeanMetricWrapper):
    """The running mean of sparse categorical cross-entropy.

        >>> m = keras.metrics.SparseCategoricalCrossentropy()
        >>> m.update_state([1], [[0.5, 0.5]])
        >>> round(float(m.result()), 4)
        0.6931
    """
    _direction = "down"

    def __init__(self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False,
                 axis=-1):
        super().__init__(sparse_categorical_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, axis=axis)


# -- confusion-matrix metrics: Precision, Recall, AUC --------------------------------------------

def _evenly_distributed(thresholds):
    """Keras's is_evenly_distributed_thresholds: 3 or more thresholds i / (n - 1)."""
    n = len(thresholds)
    return n >= 3 and np.allclose(thresholds, np.arange(n, dtype=np.float32) / (n - 1),
                                  atol=_epsilon())


def _confusion_counts(y_true, y_pred, thresholds, sample_weight, dtype, class_id=None,
                      needed=("tp", "fp", "tn", "fn"), owner="metric", clip=False):
    """Weighted true/false positive/negative counts per threshold (a prediction is positive
    when y_pred > threshold; a label is positive when nonzero). Returns {name: tensor (T,)}.

    `clip`: predictions are clipped to [0, 1] first, as Keras's bucketed update for evenly
    spaced thresholds does (so 1.5 is not above a threshold of 1)."""
    y_pred = as_tensor(y_pred, dtype)
    y_true = as_tensor(y_true, dtype)
    if clip:
        y_pred = ops.clip_by_value(y_pred, 0.0, 1.0)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    if y_true.shape.rank is not None and y_pred.shape.rank is not None and \
            not y_true.shape.is_compatible_with(y_pred.shape):
        raise InvalidArgumentError(
            f"{owner}: y_true shape {y_true.shape} and y_pred shape {y_pred.shape} must match")
    if class_id is not None:
        y_true = y_true[..., int(class_id)]
        y_pred = y_pred[..., int(class_id)]
    weight = None
    if sample_weight is not None:
        weight = as_tensor(sample_weight, dtype)
        y_pred, weight = squeeze_or_expand_to_same_rank(y_pred, weight)
        rw, rp = weight.shape.rank, y_pred.shape.rank
        if rw is not None and rp is not None:
            for _ in range(rw, rp):
                weight = ops.expand_dims(weight, -1)
        _check_broadcast(weight.shape, y_pred.shape, owner)
        weight = ops.reshape(weight * ops.ones_like(y_pred), [1, -1])
    pred = ops.reshape(y_pred, [1, -1])
    label = ops.cast(ops.not_equal(ops.reshape(y_true, [1, -1]), 0.0), dtype)
    thresh = ops.constant(np.asarray(thresholds, dtype.np).reshape(-1, 1))
    pred_pos = ops.cast(ops.greater(pred, thresh), dtype)  # (thresholds, values)
    pred_neg = 1.0 - pred_pos
    not_label = 1.0 - label
    terms = {"tp": lambda: label * pred_pos, "fp": lambda: not_label * pred_pos,
             "tn": lambda: not_label * pred_neg, "fn": lambda: label * pred_neg}
    out = {}
    for key in needed:
        t = terms[key]()
        if weight is not None:
            t = t * weight
        out[key] = ops.reduce_sum(t, 1)
    return out


def _thresholds(owner, thresholds):
    values = [0.5] if thresholds is None else (
        [float(thresholds)] if np.ndim(thresholds) == 0 else [float(t) for t in thresholds])
    for t in values:
        if not 0 <= t <= 1:
            raise InvalidArgumentError(f"{owner}: thresholds must be in [0, 1], got {t}")
    return values


class _ThresholdMetric(Metric):
    """Precision and Recall: counts per threshold; a scalar result for a single threshold."""

    _counts = ()
    _direction = "up"

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        if top_k is not None:
            raise UnimplementedError(f"{type(self).__name__} {self.name!r}: top_k is not "
                                     "supported; use thresholds (and class_id)")
        self.init_thresholds = thresholds
        self.thresholds = _thresholds(f"{type(self).__name__} {self.name!r}", thresholds)
        self.top_k = top_k
        self.class_id = class_id
        n = len(self.thresholds)
        names = {"tp": "true_positives", "fp": "false_positives", "fn": "false_negatives"}
        for key in self._counts:
            setattr(self, names[key], self.add_weight(names[key], shape=(n,)))

    def update_state(self, y_true, y_pred, sample_weight=None):
        counts = _confusion_counts(y_true, y_pred, self.thresholds, sample_weight, self._dtype,
                                   self.class_id, self._counts, f"{type(self).__name__} "
                                   f"{self.name!r}", clip=_evenly_distributed(self.thresholds))
        names = {"tp": self.true_positives, "fp": getattr(self, "false_positives", None),
                 "fn": getattr(self, "false_negatives", None)}
        for key, value in counts.items():
            names[key].assign_add(value)

    def _finish(self, values):
        return values[0] if len(self.thresholds) == 1 else values

    def get_config(self):
        config = super().get_config()
        config.update({"thresholds": self.init_thresholds, "top_k": self.top_k,
                       "class_id": self.class_id})
        return config


class Precision(_ThresholdMetric):
    """tp / (tp + fp): how many predicted positives (y_pred > threshold) are positives.

        >>> m = keras.metrics.Precision()
        >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
        >>> round(float(m.result()), 4)
        0.6667
    """
    _counts = ("tp", "fp")

    def result(self):
        tp = self.true_positives.value()
        return self._finish(divide_no_nan(tp, tp + self.false_positives.value()))


class Recall(_ThresholdMetric):
    """tp / (tp + fn): how many positives are predicted positive (y_pred > threshold).

        >>> m = keras.metrics.Recall()
        >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
        >>> round(float(m.result()), 4)
        0.6667
    """
    _counts = ("tp", "fn")

    def result(self):
        tp = self.true_positives.value()
        return self._finish(divide_no_nan(tp, tp + self.false_negatives.value()))


class AUC(Metric):
    """Area under the ROC or precision-recall curve, from counts at `num_thresholds` evenly
    spaced thresholds (Keras's Riemann sums; "interpolation" uses Davis & Goadrich's
    interpolation for PR).

        >>> m = keras.metrics.AUC(num_thresholds=3)
        >>> m.update_state([0, 0, 1, 1], [0.0, 0.5, 0.3, 0.9])
        >>> float(m.result())
        0.75
    """
    _direction = "up"

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation",
                 name=None, dtype=None, thresholds=None, multi_label=False, num_labels=None,
                 label_weights=None, from_logits=False):
        super().__init__(name=name, dtype=dtype)
        owner = f"AUC {self.name!r}"
        curve = str(curve).upper()
        if curve not in ("ROC", "PR"):
            raise InvalidArgumentError(f"{owner}: curve must be 'ROC' or 'PR', got {curve!r}")
        summation_method = str(summation_method).lower()
        if summation_method not in ("interpolation", "minoring", "majoring"):
            raise InvalidArgumentError(
                f"{owner}: summation_method must be 'interpolation', 'minoring' or 'majoring', "
                f"got {summation_method!r}")
        if multi_label or label_weights is not None:
            raise UnimplementedError(f"{owner}: multi_label and label_weights are not supported")
        if thresholds is not None:
            inner = sorted(float(t) for t in thresholds)
            num_thresholds = len(inner) + 2
        else:
            if int(num_thresholds) <= 1:
                raise InvalidArgumentError(
                    f"{owner}: num_thresholds must be > 1, got {num_thresholds}")
            n = int(num_thresholds)
            inner = [(i + 1) * 1.0 / (n - 1) for i in range(n - 2)]
        self.num_thresholds = int(num_thresholds)
        self._init_thresholds = None if thresholds is None else list(thresholds)
        self.thresholds = [0.0 - _epsilon()] + inner + [1.0 + _epsilon()]
        self._evenly = _evenly_distributed([0.0] + inner + [1.0])
        self.curve = curve
        self.summation_method = summation_method
        self.multi_label = False
        self.from_logits = bool(from_logits)
        shape = (self.num_thresholds,)
        self.true_positives = self.add_weight("true_positives", shape=shape)
        self.false_positives = self.add_weight("false_positives", shape=shape)
        self.true_negatives = self.add_weight("true_negatives", shape=shape)
        self.false_negatives = self.add_weight("false_negatives", shape=shape)

    def update_state(self, y_true, y_pred, sample_weight=None):
        if self.from_logits:
            y_pred = ops.sigmoid(float_tensor(y_pred))
        counts = _confusion_counts(y_true, y_pred, self.thresholds, sample_weight, self._dtype,
                                   owner=f"AUC {self.name!r}", clip=self._evenly)
        self.true_positives.assign_add(counts["tp"])
        self.false_positives.assign_add(counts["fp"])
        self.true_negatives.assign_add(counts["tn"])
        self.false_negatives.assign_add(counts["fn"])

    def _interpolate_pr_auc(self, tp, fp, fn):
        n = self.num_thresholds
        dtp = tp[: n - 1] - tp[1:]
        p = tp + fp
        dp = p[: n - 1] - p[1:]
        prec_slope = divide_no_nan(dtp, ops.maximum(dp, 0.0))
        intercept = tp[1:] - prec_slope * p[1:]
        both_positive = ops.logical_and(ops.greater(p[: n - 1], 0.0), ops.greater(p[1:], 0.0))
        safe_p_ratio = ops.where(both_positive,
                                 divide_no_nan(p[: n - 1], ops.maximum(p[1:], 0.0)),
                                 ops.ones_like(p[1:]))
        increment = divide_no_nan(prec_slope * (dtp + intercept * ops.log(safe_p_ratio)),
                                  ops.maximum(tp[1:] + fn[1:], 0.0))
        return ops.reduce_sum(increment)

    def result(self):
        tp, fp = self.true_positives.value(), self.false_positives.value()
        tn, fn = self.true_negatives.value(), self.false_negatives.value()
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self._interpolate_pr_auc(tp, fp, fn)
        recall = divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = divide_no_nan(fp, fp + tn), recall
        else:
            x, y = recall, divide_no_nan(tp, tp + fp)
        n = self.num_thresholds
        if self.summation_method == "interpolation":
            heights = (y[: n - 1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = ops.minimum(y[: n - 1], y[1:])
        else:
            heights = ops.maximum(y[: n - 1], y[1:])
        return ops.reduce_sum((x[: n - 1] - x[1:]) * heights)

    def get_config(self):
        config = super().get_config()
        config.update({"num_thresholds": self.num_thresholds, "curve": self.curve,
                       "summation_method": self.summation_method,
                       "thresholds": self._init_thresholds, "from_logits": self.from_logits})
        return config


# -- more per-sample functions and their mean metrics --------------------------------------------

def cosine_similarity(y_true, y_pred, axis=-1):
    """sum(l2_normalize(y_true) * l2_normalize(y_pred)) along `axis` (the metric's sign: 1 when
    aligned; the loss of the same name is its negative).

        >>> cosine_similarity([[0.0, 1.0]], [[0.0, 3.0]]).numpy()
        array([1.], dtype=float32)
    """
    return -losses_mod.cosine_similarity(y_true, y_pred, axis)


def pearson_correlation(y_true, y_pred, axis=-1):
    """Pearson's correlation coefficient of y_true and y_pred along `axis` (Keras 3: the mean of
    the products of the standardized values).

        >>> round(float(pearson_correlation([[1.0, 2.0, 3.0]], [[2.0, 4.0, 7.0]])[0]), 4)
        0.9934
    """
    y_pred = float_tensor(y_pred)
    y_true = as_tensor(y_true, y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    t = y_true - ops.reduce_mean(y_true, axis, keepdims=True)
    p = y_pred - ops.reduce_mean(y_pred, axis, keepdims=True)
    t = t / ops.sqrt(ops.reduce_mean(ops.square(t), axis, keepdims=True))
    p = p / ops.sqrt(ops.reduce_mean(ops.square(p), axis, keepdims=True))
    return ops.reduce_mean(t * p, axis)


def concordance_correlation(y_true, y_pred, axis=-1):
    """Lin's concordance correlation coefficient along `axis`, as Keras 3 computes it:
    mean(2 * (y_true - mean(y_pred)) * (y_pred - mean(y_pred)) / (var(y_true) + var(y_pred)
    + (mean(y_true) - mean(y_pred)) ** 2 + eps)).

        >>> round(float(concordance_correlation([[1.0, 2.0, 3.0]], [[1.0, 2.0, 3.0]])[0]), 4)
        1.0
    """
    y_pred = float_tensor(y_pred)
    y_true = as_tensor(y_true, y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    true_mean = ops.reduce_mean(y_true, axis, keepdims=True)
    pred_mean = ops.reduce_mean(y_pred, axis, keepdims=True)

    def var(x):
        centered = x - ops.reduce_mean(x, axis, keepdims=True)
        return ops.reduce_mean(ops.square(centered), axis, keepdims=True)

    true_var = var(y_true - true_mean)
    pred_var = var(y_pred - pred_mean)
    covar = (y_true - pred_mean) * (y_pred - pred_mean)
    norm = true_var + pred_var + ops.square(true_mean - pred_mean)
    return ops.reduce_mean(2.0 * covar / (norm + _epsilon()), axis)


class _NameDtypeConfig:
    """Keras's config of these mean metrics: name and dtype only."""

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class Hinge(_NameDtypeConfig, MeanMetricWrapper):
    """The running mean of the hinge loss mean(max(1 - y_true * y_pred, 0)).

        >>> m = keras.metrics.Hinge()
        >>> m.update_state([[1.0, 0.0]], [[0.5, -2.0]])
        >>> float(m.result())
        0.25
    """
    _direction = "down"

    def __init__(self, name="hinge", dtype=None):
        super().__init__(hinge, name=name, dtype=dtype)


class SquaredHinge(_NameDtypeConfig, MeanMetricWrapper):
    """The running mean of mean(max(1 - y_true * y_pred, 0) ** 2).

        >>> m = keras.metrics.SquaredHinge()
        >>> m.update_state([[1.0, 0.0]], [[0.5, -2.0]])
        >>> float(m.result())
        0.125
    """
    _direction = "down"

    def __init__(self, name="squared_hinge", dtype=None):
        super().__init__(squared_hinge, name=name, dtype=dtype)


class CategoricalHinge(_NameDtypeConfig, MeanMetricWrapper):
    """The running mean of the categorical hinge loss.

        >>> m = keras.metrics.CategoricalHinge()
        >>> m.update_state([[0.0, 1.0]], [[0.3, 0.8]])
        >>> float(m.result())
        0.5
    """
    _direction = "down"

    def __init__(self, name="categorical_hinge", dtype=None):
        super().__init__(categorical_hinge, name=name, dtype=dtype)


class KLDivergence(_NameDtypeConfig, MeanMetricWrapper):
    """The running mean of sum(y_true * log(y_true / y_pred)).

        >>> m = keras.metrics.KLDivergence()
        >>> m.update_state([[0.5, 0.5]], [[0.25, 0.75]])
        >>> round(float(m.result()), 4)
        0.1438
    """
    _direction = "down"

    def __init__(self, name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, name=name, dtype=dtype)


class Poisson(_NameDtypeConfig, MeanMetricWrapper):
    """The running mean of mean(y_pred - y_true * log(y_pred)).

        >>> m = keras.metrics.Poisson()
        >>> m.update_state([[0.0]], [[1.0]])
        >>> float(m.result())
        1.0
    """
    _direction = "down"

    def __init__(self, name="poisson", dtype=None):
        super().__init__(poisson, name=name, dtype=dtype)


class LogCoshError(_NameDtypeConfig, MeanMetricWrapper):
    """The running mean of mean(log(cosh(y_pred - y_true))) (Keras names it "logcosh").

        >>> m = keras.metrics.LogCoshError()
        >>> m.update_state([[0.0]], [[1.0]])
        >>> round(float(m.result()), 4)
        0.4338
    """
    _direction = "down"

    def __init__(self, name="logcosh", dtype=None):
        super().__init__(log_cosh, name=name, dtype=dtype)


class CosineSimilarity(MeanMetricWrapper):
    """The running mean of the cosine similarity of y_true and y_pred along `axis`.

        >>> m = keras.metrics.CosineSimilarity()
        >>> m.update_state([[0.0, 1.0], [1.0, 1.0]], [[1.0, 0.0], [1.0, 1.0]])
        >>> round(float(m.result()), 4)
        0.5
    """
    _direction = "up"

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(cosine_similarity, name=name, dtype=dtype, axis=axis)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class PearsonCorrelation(MeanMetricWrapper):
    """The running mean of Pearson's correlation along `axis` (one per sample).

        >>> m = keras.metrics.PearsonCorrelation()
        >>> m.update_state([[1.0, 2.0, 3.0]], [[2.0, 4.0, 7.0]])
        >>> round(float(m.result()), 4)
        0.9934
    """
    _direction = "up"

    def __init__(self, name="pearson_correlation", dtype=None, axis=-1):
        super().__init__(pearson_correlation, name=name, dtype=dtype, axis=axis)
        self.axis = axis


class ConcordanceCorrelation(MeanMetricWrapper):
    """The running mean of the concordance correlation along `axis` (one per sample).

        >>> m = keras.metrics.ConcordanceCorrelation()
        >>> m.update_state([[1.0, 2.0, 3.0]], [[1.0, 2.0, 3.0]])
        >>> round(float(m.result()), 4)
        1.0
    """
    _direction = "up"

    def __init__(self, name="concordance_correlation", dtype=None, axis=-1):
        super().__init__(concordance_correlation, name=name, dtype=dtype, axis=axis)
        self.axis = axis


# -- confusion-matrix counts and the metrics at a fixed rate -------------------------------------

class _ConfusionMatrixConditionCount(Metric):
    """One count (tp, fp, tn or fn) per threshold, in the variable `accumulator`."""

    _condition = None

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.thresholds = _thresholds(f"{type(self).__name__} {self.name!r}", thresholds)
        self._evenly = _evenly_distributed(self.thresholds)
        self.accumulator = self.add_weight("accumulator", shape=(len(self.thresholds),))

    def update_state(self, y_true, y_pred, sample_weight=None):
        counts = _confusion_counts(y_true, y_pred, self.thresholds, sample_weight, self._dtype,
                                   needed=(self._condition,),
                                   owner=f"{type(self).__name__} {self.name!r}", clip=self._evenly)
        self.accumulator.assign_add(counts[self._condition])

    def result(self):
        value = self.accumulator.value()
        return value[0] if len(self.thresholds) == 1 else ops.identity(value)

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds}


class TruePositives(_ConfusionMatrixConditionCount):
    """The (weighted) number of positives predicted positive (y_pred > threshold), per
    threshold.

        >>> m = keras.metrics.TruePositives()
        >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
        >>> float(m.result())
        2.0
    """
    _condition = "tp"

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(thresholds, name=name or "true_positives", dtype=dtype)


class FalsePositives(_ConfusionMatrixConditionCount):
    """The (weighted) number of negatives predicted positive, per threshold.

        >>> m = keras.metrics.FalsePositives()
        >>> m.update_state([0, 1, 0, 0], [0, 0, 1, 1])
        >>> float(m.result())
        2.0
    """
    _condition = "fp"

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(thresholds, name=name or "false_positives", dtype=dtype)


class TrueNegatives(_ConfusionMatrixConditionCount):
    """The (weighted) number of negatives predicted negative, per threshold.

        >>> m = keras.metrics.TrueNegatives()
        >>> m.update_state([0, 1, 0, 0], [1, 1, 0, 0])
        >>> float(m.result())
        2.0
    """
    _condition = "tn"

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(thresholds, name=name or "true_negatives", dtype=dtype)


class FalseNegatives(_ConfusionMatrixConditionCount):
    """The (weighted) number of positives predicted negative, per threshold.

        >>> m = keras.metrics.FalseNegatives()
        >>> m.update_state([0, 1, 1, 1], [0, 1, 0, 0])
        >>> float(m.result())
        2.0
    """
    _condition = "fn"

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(thresholds, name=name or "false_negatives", dtype=dtype)


class _SensitivitySpecificityBase(Metric):
    """Counts at `num_thresholds` evenly spaced thresholds in [0, 1] (0.5 alone for one); the
    result is the best of one rate among the thresholds where another reaches `value`."""

    _direction = "up"
    _value_name = None

    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        owner = f"{type(self).__name__}"
        if not 0 <= float(value) <= 1:
            raise InvalidArgumentError(
                f"{owner}: argument `{self._value_name}` must be in the range [0, 1], got {value}")
        if int(num_thresholds) <= 0:
            raise InvalidArgumentError(
                f"{owner}: argument `num_thresholds` must be an integer > 0, got {num_thresholds}")
        super().__init__(name=name, dtype=dtype)
        self.value = value
        setattr(self, self._value_name, value)
        self.num_thresholds = int(num_thresholds)
        self.class_id = class_id
        n = self.num_thresholds
        if n == 1:
            self.thresholds = [0.5]
            self._evenly = False
        else:
            self.thresholds = [0.0] + [(i + 1) * 1.0 / (n - 1) for i in range(n - 2)] + [1.0]
            self._evenly = True
        shape = (len(self.thresholds),)
        self.true_positives = self.add_weight("true_positives", shape=shape)
        self.false_positives = self.add_weight("false_positives", shape=shape)
        self.true_negatives = self.add_weight("true_negatives", shape=shape)
        self.false_negatives = self.add_weight("false_negatives", shape=shape)

    def update_state(self, y_true, y_pred, sample_weight=None):
        counts = _confusion_counts(y_true, y_pred, self.thresholds, sample_weight,
                                   self._dtype, self.class_id,
                                   owner=f"{type(self).__name__} {self.name!r}", clip=self._evenly)
        self.true_positives.assign_add(counts["tp"])
        self.false_positives.assign_add(counts["fp"])
        self.true_negatives.assign_add(counts["tn"])
        self.false_negatives.assign_add(counts["fn"])

    def _rates(self):
        tp, fp = self.true_positives.value(), self.false_positives.value()
        tn, fn = self.true_negatives.value(), self.false_negatives.value()
        return {"sensitivity": divide_no_nan(tp, tp + fn), "recall": divide_no_nan(tp, tp + fn),
                "specificity": divide_no_nan(tn, tn + fp),
                "precision": divide_no_nan(tp, tp + fp)}

    def _max_under_constraint(self, constrained, dependent):
        feasible = ops.greater_equal(constrained, float(self.value))
        best = ops.reduce_max(ops.where(feasible, dependent, ops.zeros_like(dependent)))
        return ops.maximum(best, 0.0)

    def get_config(self):
        return {**super().get_config(), "class_id": self.class_id,
                "num_thresholds": self.num_thresholds, self._value_name: self.value}


class SensitivityAtSpecificity(_SensitivitySpecificityBase):
    """The best sensitivity (recall) among the thresholds whose specificity is >= the given
    specificity.

        >>> m = keras.metrics.SensitivityAtSpecificity(0.5)
        >>> m.update_state([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8])
        >>> float(m.result())
        0.5
    """
    _value_name = "specificity"

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(specificity, num_thresholds, class_id, name=name, dtype=dtype)

    def result(self):
        r = self._rates()
        return self._max_under_constraint(r["specificity"], r["sensitivity"])


class SpecificityAtSensitivity(_SensitivitySpecificityBase):
    """The best specificity among the thresholds whose sensitivity is >= the given sensitivity.

        >>> m = keras.metrics.SpecificityAtSensitivity(0.5)
        >>> m.update_state([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8])
        >>> round(float(m.result()), 4)
        0.6667
    """
    _value_name = "sensitivity"

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(sensitivity, num_thresholds, class_id, name=name, dtype=dtype)

    def result(self):
        r = self._rates()
        return self._max_under_constraint(r["sensitivity"], r["specificity"])


class PrecisionAtRecall(_SensitivitySpecificityBase):
    """The best precision among the thresholds whose recall is >= the given recall.

        >>> m = keras.metrics.PrecisionAtRecall(0.5)
        >>> m.update_state([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8])
        >>> float(m.result())
        0.5
    """
    _value_name = "recall"

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(recall, num_thresholds, class_id, name=name, dtype=dtype)

    def result(self):
        r = self._rates()
        return self._max_under_constraint(r["recall"], r["precision"])


class RecallAtPrecision(_SensitivitySpecificityBase):
    """The best recall among the thresholds whose precision is >= the given precision.

        >>> m = keras.metrics.RecallAtPrecision(0.8)
        >>> m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
        >>> float(m.result())
        0.5
    """
    _value_name = "precision"

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(precision, num_thresholds, class_id, name=name, dtype=dtype)

    def result(self):
        r = self._rates()
        return self._max_under_constraint(r["precision"], r["recall"])


# -- intersection over union ---------------------------------------------------------------------

class _IoUBase(Metric):
    """A running confusion matrix (num_classes x num_classes, integer counts by default as
    Keras: float weights are truncated) of class labels, rows the true classes."""

    _direction = "up"

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_true=True,
                 sparse_y_pred=True, axis=-1):
        super().__init__(name=name, dtype=dtype or "int64")
        if not isinstance(num_classes, (int, np.integer)) or num_classes < 1:
            raise InvalidArgumentError(
                f"{type(self).__name__} {self.name!r}: num_classes must be an int >= 1, got "
                f"{num_classes!r}")
        self.num_classes = int(num_classes)
        self.ignore_class = ignore_class
        self.sparse_y_true = sparse_y_true
        self.sparse_y_pred = sparse_y_pred
        self.axis = axis
        self.total_cm = self.add_weight("total_confusion_matrix",
                                        shape=(self.num_classes, self.num_classes))

    def update_state(self, y_true, y_pred, sample_weight=None):
        dtype = self._dtype
        if not self.sparse_y_true:
            y_true = ops.argmax(as_tensor(y_true), self.axis)
        if not self.sparse_y_pred:
            y_pred = ops.argmax(as_tensor(y_pred), self.axis)
        y_true = ops.reshape(as_tensor(y_true, dtype), [-1])
        y_pred = ops.reshape(as_tensor(y_pred, dtype), [-1])
        if sample_weight is None:
            weight = ops.ones_like(y_true)
        else:
            weight = ops.reshape(as_tensor(sample_weight, dtype), [-1]) * ops.ones_like(y_true)
        n = ops.cast(self.num_classes, dtype)
        in_bounds = ops.logical_and(
            ops.logical_and(ops.greater_equal(y_true, ops.cast(0, dtype)), ops.less(y_true, n)),
            ops.logical_and(ops.greater_equal(y_pred, ops.cast(0, dtype)), ops.less(y_pred, n)))
        if self.ignore_class is not None:
            in_bounds = ops.logical_and(
                in_bounds, ops.not_equal(y_true, ops.cast(self.ignore_class, dtype)))
        zeros = ops.zeros_like(y_true)
        y_true = ops.where(in_bounds, y_true, zeros)
        y_pred = ops.where(in_bounds, y_pred, zeros)
        weight = ops.where(in_bounds, weight, zeros)
        from graphflow.ops.math_extra import confusion_matrix
        cm = confusion_matrix(y_true, y_pred, self.num_classes, weights=weight, dtype=dtype)
        self.total_cm.assign_add(cm)

    def _iou(self, target_class_ids):
        cm = self.total_cm.value()
        sum_over_row = ops.cast(ops.reduce_sum(cm, 0), dtypes.float32)
        sum_over_col = ops.cast(ops.reduce_sum(cm, 1), dtypes.float32)
        eye = ops.constant(np.eye(self.num_classes, dtype=cm.dtype.np))
        true_positives = ops.cast(ops.reduce_sum(cm * eye, 1), dtypes.float32)
        denominator = sum_over_row + sum_over_col - true_positives
        ids = list(target_class_ids)
        true_positives = ops.gather(true_positives, ids)
        denominator = ops.gather(denominator, ids)
        valid = ops.cast(ops.greater(denominator, 1e-9), dtypes.float32)
        iou = ops.where(ops.greater(valid, 0.0), true_positives / (denominator + _epsilon()),
                        ops.zeros_like(denominator))
        return ops.reduce_sum(iou) / (ops.reduce_sum(valid) + _epsilon())


class IoU(_IoUBase):
    """Intersection over union tp / (tp + fp + fn) of the classes `target_class_ids`, averaged
    over those that occur, from integer labels and predictions (or one-hot ones with
    sparse_y_true / sparse_y_pred False).

        >>> m = keras.metrics.IoU(num_classes=2, target_class_ids=[0])
        >>> m.update_state([0, 0, 1, 1], [0, 1, 0, 1])
        >>> round(float(m.result()), 4)
        0.3333
    """

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(num_classes, name=name or "io_u", dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=sparse_y_true, sparse_y_pred=sparse_y_pred, axis=axis)
        if max(target_class_ids) >= num_classes:
            raise InvalidArgumentError(
                f"{type(self).__name__}: target class id {max(target_class_ids)} is out of "
                f"range, which is [0, {num_classes})")
        self.target_class_ids = list(target_class_ids)

    def result(self):
        return self._iou(self.target_class_ids)

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes,
                "target_class_ids": self.target_class_ids, "ignore_class": self.ignore_class,
                "sparse_y_true": self.sparse_y_true, "sparse_y_pred": self.sparse_y_pred,
                "axis": self.axis}


class BinaryIoU(IoU):
    """IoU of 0/1 labels and predictions thresholded at `threshold` (y_pred >= threshold is
    class 1).

        >>> m = keras.metrics.BinaryIoU(target_class_ids=[0, 1], threshold=0.3)
        >>> m.update_state([0, 1, 0, 1], [0.1, 0.2, 0.4, 0.7])
        >>> round(float(m.result()), 4)
        0.3333
    """

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None):
        super().__init__(2, target_class_ids, name=name or "binary_io_u", dtype=dtype)
        self.threshold = threshold

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = as_tensor(y_pred, dtypes.float32)
        y_pred = ops.cast(ops.greater_equal(y_pred, float(self.threshold)), self._dtype)
        super().update_state(as_tensor(y_true, self._dtype), y_pred, sample_weight)

    def get_config(self):
        return {"target_class_ids": self.target_class_ids, "threshold": self.threshold,
                "name": self.name, "dtype": self.dtype}


class MeanIoU(IoU):
    """IoU averaged over all `num_classes` classes that occur.

        >>> m = keras.metrics.MeanIoU(num_classes=2)
        >>> m.update_state([0, 0, 1, 1], [0, 1, 0, 1])
        >>> round(float(m.result()), 4)
        0.3333
    """

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_true=True,
                 sparse_y_pred=True, axis=-1):
        super().__init__(num_classes, list(range(num_classes)), name=name or "mean_io_u",
                         dtype=dtype, ignore_class=ignore_class, sparse_y_true=sparse_y_true,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        return {"num_classes": self.num_classes, "name": self.name, "dtype": self.dtype,
                "ignore_class": self.ignore_class, "sparse_y_true": self.sparse_y_true,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class OneHotIoU(IoU):
    """IoU of one-hot labels and class scores (their argmax along `axis`).

        >>> m = keras.metrics.OneHotIoU(num_classes=3, target_class_ids=[0, 2])
        >>> m.update_state([[0, 0, 1], [1, 0, 0]], [[0.1, 0.2, 0.7], [0.6, 0.3, 0.1]])
        >>> round(float(m.result()), 4)
        1.0
    """

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, target_class_ids, name=name or "one_hot_io_u", dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=False,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        return {"num_classes": self.num_classes, "target_class_ids": self.target_class_ids,
                "name": self.name, "dtype": self.dtype, "ignore_class": self.ignore_class,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class OneHotMeanIoU(MeanIoU):
    """MeanIoU of one-hot labels and class scores (their argmax along `axis`).

        >>> m = keras.metrics.OneHotMeanIoU(num_classes=2)
        >>> m.update_state([[1, 0], [0, 1]], [[0.8, 0.2], [0.6, 0.4]])
        >>> float(m.result())
        0.25
    """

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_pred=False,
                 axis=-1):
        super().__init__(num_classes, name=name or "one_hot_mean_io_u", dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=False,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        return {"num_classes": self.num_classes, "name": self.name, "dtype": self.dtype,
                "ignore_class": self.ignore_class, "sparse_y_pred": self.sparse_y_pred,
                "axis": self.axis}


# -- F-scores and R2 -----------------------------------------------------------------------------

class FBetaScore(Metric):
    """F-beta score (1 + beta**2) * precision * recall / (beta**2 * precision + recall) of
    (batch, classes) labels and predictions; a prediction is 1 where y_pred > threshold, or
    (threshold=None) where it is the row's maximum. `average`: None (one score per class),
    "micro" (from the global counts), "macro" (the mean of the classes'), "weighted" (weighted
    by each class's number of true labels).

        >>> m = keras.metrics.FBetaScore(beta=2.0, threshold=0.5, average="micro")
        >>> m.update_state([[1, 0], [0, 1], [1, 1]], [[0.9, 0.2], [0.7, 0.6], [0.2, 0.8]])
        >>> round(float(m.result()), 4)
        0.75
    """
    _direction = "up"

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        owner = f"{type(self).__name__} {self.name!r}"
        if average not in (None, "micro", "macro", "weighted"):
            raise InvalidArgumentError(
                f"{owner}: invalid `average` {average!r}; expected one of None, 'micro', "
                "'macro', 'weighted'")
        if not isinstance(beta, float):
            raise InvalidArgumentError(
                f"{owner}: `beta` must be a Python float, got {beta!r} of type "
                f"{type(beta).__name__}")
        if beta <= 0.0:
            raise InvalidArgumentError(f"{owner}: `beta` must be > 0, got {beta}")
        if threshold is not None:
            if not isinstance(threshold, float):
                raise InvalidArgumentError(
                    f"{owner}: `threshold` must be a Python float, got {threshold!r} of type "
                    f"{type(threshold).__name__}")
            if threshold > 1.0 or threshold <= 0.0:
                raise InvalidArgumentError(
                    f"{owner}: `threshold` must satisfy 0 < threshold <= 1, got {threshold}")
        self.average = average
        self.beta = beta
        self.threshold = threshold
        self.axis = None if average == "micro" else 0
        self._built = False

    def _build(self, true_shape, pred_shape):
        if true_shape.rank != 2 or pred_shape.rank != 2 or pred_shape[-1] is None or \
                true_shape[-1] is None:
            raise InvalidArgumentError(
                f"{type(self).__name__} {self.name!r} expects 2D inputs of shape (batch_size, "
                f"output_dim) with output_dim known, got y_pred.shape={pred_shape} and "
                f"y_true.shape={true_shape}")
        shape = () if self.average == "micro" else (pred_shape[-1],)
        self.true_positives = self.add_weight("true_positives", shape=shape)
        self.false_positives = self.add_weight("false_positives", shape=shape)
        self.false_negatives = self.add_weight("false_negatives", shape=shape)
        self.intermediate_weights = self.add_weight("intermediate_weights", shape=shape)
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = as_tensor(y_true, self._dtype)
        y_pred = as_tensor(y_pred, self._dtype)
        if not self._built:
            self._build(y_true.shape, y_pred.shape)
        if self.threshold is None:
            top = ops.reduce_max(y_pred, -1, keepdims=True)
            predicted = ops.logical_and(ops.greater_equal(y_pred, top),
                                        ops.greater(ops.abs(y_pred), 1e-9))
        else:
            predicted = ops.greater(y_pred, float(self.threshold))
        y_pred = ops.cast(predicted, self._dtype)
        weight = None if sample_weight is None else as_tensor(sample_weight, self._dtype)

        def weighted_sum(values):
            if weight is not None:
                values = values * ops.expand_dims(weight, 1)
            return ops.reduce_sum(values, self.axis)

        self.true_positives.assign_add(weighted_sum(y_pred * y_true))
        self.false_positives.assign_add(weighted_sum(y_pred * (1.0 - y_true)))
        self.false_negatives.assign_add(weighted_sum((1.0 - y_pred) * y_true))
        self.intermediate_weights.assign_add(weighted_sum(y_true))

    def result(self):
        if not self._built:
            raise InvalidArgumentError(
                f"{type(self).__name__} {self.name!r}: result() before any update_state (the "
                "number of classes is not known yet)")
        tp, fp = self.true_positives.value(), self.false_positives.value()
        fn = self.false_negatives.value()
        precision = tp / (tp + fp + _epsilon())
        recall = tp / (tp + fn + _epsilon())
        beta2 = self.beta ** 2
        score = precision * recall / (beta2 * precision + recall + _epsilon()) * (1.0 + beta2)
        if self.average == "weighted":
            w = self.intermediate_weights.value()
            return ops.reduce_sum(score * (w / (ops.reduce_sum(w) + _epsilon())))
        if self.average is not None:
            return ops.reduce_mean(score)
        return score

    def reset_state(self):
        if self._built:
            super().reset_state()

    def get_config(self):
        return {**super().get_config(), "average": self.average, "beta": self.beta,
                "threshold": self.threshold}


class F1Score(FBetaScore):
    """FBetaScore with beta = 1: the harmonic mean of precision and recall.

        >>> m = keras.metrics.F1Score(threshold=0.5, average="macro")
        >>> m.update_state([[1, 0], [0, 1], [1, 1]], [[0.9, 0.2], [0.7, 0.6], [0.2, 0.8]])
        >>> round(float(m.result()), 4)
        0.75
    """

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self):
        config = super().get_config()
        del config["beta"]
        return config


class R2Score(Metric):
    """The coefficient of determination 1 - SS_res / SS_tot per output column of (batch,
    outputs) data, aggregated by `class_aggregation` ("uniform_average",
    "variance_weighted_average" or None); num_regressors > 0 gives the adjusted R2 (Keras
    counts every element of y_true as a sample for it).

        >>> m = keras.metrics.R2Score()
        >>> m.update_state([[1.0], [2.0], [3.0]], [[1.0], [2.5], [3.0]])
        >>> round(float(m.result()), 4)
        0.875
    """
    _direction = "up"

    def __init__(self, class_aggregation="uniform_average", num_regressors=0, name="r2_score",
                 dtype=None):
        super().__init__(name=name, dtype=dtype)
        valid = (None, "uniform_average", "variance_weighted_average")
        if class_aggregation not in valid:
            raise InvalidArgumentError(
                f"R2Score: invalid class_aggregation {class_aggregation!r}; expected one of "
                f"{valid}")
        if num_regressors < 0:
            raise InvalidArgumentError(
                f"R2Score: num_regressors must be >= 0, got {num_regressors}")
        self.class_aggregation = class_aggregation
        self.num_regressors = num_regressors
        self.num_samples = self.add_weight("num_samples")
        self._built = False

    def _build(self, true_shape, pred_shape):
        if true_shape.rank != 2 or pred_shape.rank != 2 or pred_shape[-1] is None or \
                true_shape[-1] is None:
            raise InvalidArgumentError(
                f"R2Score {self.name!r} expects 2D inputs of shape (batch_size, output_dim) with "
                f"output_dim known, got y_pred.shape={pred_shape} and y_true.shape={true_shape}")
        n = pred_shape[-1]
        self.squared_sum = self.add_weight("squared_sum", shape=(n,))
        self.sum = self.add_weight("sum", shape=(n,))
        self.total_mse = self.add_weight("residual", shape=(n,))
        self.count = self.add_weight("count", shape=(n,))
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = as_tensor(y_true, self._dtype)
        y_pred = as_tensor(y_pred, self._dtype)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        if not self._built:
            self._build(y_true.shape, y_pred.shape)
        if sample_weight is None:
            weight = ops.ones_like(y_true)
        else:
            weight = as_tensor(sample_weight, self._dtype)
            if weight.shape.rank == 1:
                weight = ops.expand_dims(weight, 1)
            _check_broadcast(weight.shape, y_true.shape, f"R2Score {self.name!r}")
            weight = weight * ops.ones_like(y_true)
        weighted = y_true * weight
        self.sum.assign_add(ops.reduce_sum(weighted, 0))
        self.squared_sum.assign_add(ops.reduce_sum(y_true * weighted, 0))
        self.total_mse.assign_add(ops.reduce_sum(ops.square(y_true - y_pred) * weight, 0))
        self.count.assign_add(ops.reduce_sum(weight, 0))
        self.num_samples.assign_add(ops.cast(ops.size(y_true), self._dtype))

    def result(self):
        if not self._built:
            raise InvalidArgumentError(
                f"R2Score {self.name!r}: result() before any update_state")
        total_sum = self.sum.value()
        mean = total_sum / self.count.value()
        total = self.squared_sum.value() - total_sum * mean
        raw = 1.0 - self.total_mse.value() / total
        raw = ops.where(ops.logical_or(ops.equal(raw, float("inf")),
                                       ops.equal(raw, float("-inf"))), ops.zeros_like(raw), raw)
        if self.class_aggregation == "uniform_average":
            r2 = ops.reduce_mean(raw)
        elif self.class_aggregation == "variance_weighted_average":
            r2 = ops.reduce_sum(total * raw) / ops.reduce_sum(total)
        else:
            r2 = raw
        if self.num_regressors != 0:
            # Keras falls back to the plain score (with a warning) when p >= n - 1.
            n = self.num_samples.value()
            p = float(self.num_regressors)
            adjusted = 1.0 - (1.0 - r2) * (n - 1.0) / (n - p - 1.0)
            r2 = ops.where(ops.less(p, n - 1.0), adjusted, r2)
        return r2

    def reset_state(self):
        super().reset_state()

    def get_config(self):
        return {**super().get_config(), "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}


# -- choosing the accuracy, lookup ---------------------------------------------------------------

def _as_shape(shape):
    if shape is None:
        return TensorShape(None)
    if isinstance(shape, TensorShape):
        return shape
    if hasattr(shape, "shape") and not isinstance(shape, (tuple, list)):
        return TensorShape(tuple(shape.shape))
    return TensorShape(shape)


def resolve_accuracy(loss, y_true_shape, y_pred_shape, name="accuracy"):
    """The metric "accuracy" stands for, by Keras's rule: sparse categorical when the loss is
    sparse categorical cross-entropy or y_true has one axis fewer than y_pred (or a last axis of
    1 while y_pred's is > 1); binary when y_pred's last axis is 1; categorical otherwise.
    Shapes may be TensorShapes, tuples, arrays/tensors (their shapes) or None (unknown).

        >>> resolve_accuracy("mse", (None, 1), (None, 1))
        <BinaryAccuracy name=accuracy>
        >>> resolve_accuracy(None, (None,), (None, 10))
        <SparseCategoricalAccuracy name=accuracy>
    """
    true_shape, pred_shape = _as_shape(y_true_shape), _as_shape(y_pred_shape)
    rt, rp = true_shape.rank, pred_shape.rank
    t_last = true_shape[-1] if rt else None
    p_last = pred_shape[-1] if rp else None
    if losses_mod.is_sparse_categorical(loss):
        return SparseCategoricalAccuracy(name=name)
    if p_last == 1:
        return BinaryAccuracy(name=name)
    sparse_by_shape = (rt is not None and rp is not None and rt < rp) or (
        t_last == 1 and p_last is not None and p_last > 1)
    if sparse_by_shape:
        return SparseCategoricalAccuracy(name=name)
    return CategoricalAccuracy(name=name)


_FUNCTIONS = {fn.__name__: fn for fn in (
    accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
    top_k_categorical_accuracy, sparse_top_k_categorical_accuracy, mean_squared_error,
    mean_absolute_error, mean_absolute_percentage_error, mean_squared_logarithmic_error,
    binary_crossentropy, categorical_crossentropy, sparse_categorical_crossentropy,
    kl_divergence, poisson, hinge, squared_hinge, categorical_hinge, huber, log_cosh,
    binary_focal_crossentropy, categorical_focal_crossentropy, cosine_similarity,
    pearson_correlation, concordance_correlation)}

_CLASSES = [Mean, Sum, MeanMetricWrapper, Accuracy, BinaryAccuracy, CategoricalAccuracy,
            SparseCategoricalAccuracy, TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy,
            MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
            MeanSquaredLogarithmicError, RootMeanSquaredError, BinaryCrossentropy,
            CategoricalCrossentropy, SparseCategoricalCrossentropy, Precision, Recall, AUC,
            Hinge, SquaredHinge, CategoricalHinge, KLDivergence, Poisson, LogCoshError,
            CosineSimilarity, PearsonCorrelation, ConcordanceCorrelation, TruePositives,
            FalsePositives, TrueNegatives, FalseNegatives, SensitivityAtSpecificity,
            SpecificityAtSensitivity, PrecisionAtRecall, RecallAtPrecision, IoU, BinaryIoU,
            MeanIoU, OneHotIoU, OneHotMeanIoU, FBetaScore, F1Score, R2Score]

# Keras's metric names -> Metric class.
ALIASES = {
    "accuracy": Accuracy, "acc": Accuracy, "binary_accuracy": BinaryAccuracy,
    "categorical_accuracy": CategoricalAccuracy,
    "sparse_categorical_accuracy": SparseCategoricalAccuracy,
    "top_k_categorical_accuracy": TopKCategoricalAccuracy,
    "sparse_top_k_categorical_accuracy": SparseTopKCategoricalAccuracy,
    "mean_squared_error": MeanSquaredError, "mse": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError, "mae": MeanAbsoluteError,
    "mean_absolute_percentage_error": MeanAbsolutePercentageError,
    "mape": MeanAbsolutePercentageError,
    "mean_squared_logarithmic_error": MeanSquaredLogarithmicError,
    "msle": MeanSquaredLogarithmicError, "root_mean_squared_error": RootMeanSquaredError,
    "binary_crossentropy": BinaryCrossentropy, "bce": BinaryCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    "auc": AUC, "precision": Precision, "recall": Recall, "mean": Mean, "sum": Sum,
    "BCE": BinaryCrossentropy, "MSE": MeanSquaredError, "MAE": MeanAbsoluteError,
    "MAPE": MeanAbsolutePercentageError, "MSLE": MeanSquaredLogarithmicError,
}
for _cls in _CLASSES:
    ALIASES[_cls.__name__] = _cls
    # Keras also knows every class by its snake-case name ("f1_score", "mean_io_u")
    ALIASES.setdefault(_snake(_cls.__name__), _cls)


def serialize(metric):
    """{"class_name", "config"} for a Metric.

        >>> serialize(keras.metrics.AUC(name="auc"))["config"]["num_thresholds"]
        200
    """
    if not isinstance(metric, Metric):
        raise InvalidArgumentError(f"Cannot serialize metric {metric!r}: not a Metric")
    config = {"class_name": type(metric).__name__, "config": metric.get_config()}
    registered = registry.get_registered_name(type(metric))
    if registered != type(metric).__name__:
        config["registered_name"] = registered
    return config


def deserialize(config, custom_objects=None):
    return get(config, custom_objects)


def get(identifier, custom_objects=None):
    """A Metric object from a Keras name (named after it, as compile names metrics: "mae"
    logs as "mae"), a {"class_name", "config"} dict, a Metric instance or class, or a function
    `fn(y_true, y_pred)` (wrapped in a MeanMetricWrapper named after it).

    "accuracy"/"acc" give exact-match Accuracy; the trainer resolves the generic accuracy
    first with `resolve_accuracy`.

        >>> keras.metrics.get("mae")
        <MeanAbsoluteError name=mae>
    """
    if identifier is None:
        return None
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, str):
        cls = registry.lookup_name(identifier, ALIASES, custom_objects)
        if cls is None or not callable(cls):
            raise InvalidArgumentError(
                f"Unknown metric {identifier!r}; known names: "
                f"{sorted(k for k in ALIASES if k[0].islower())}")
        if isinstance(cls, type):
            return cls(name=identifier) if identifier[0].islower() else cls()
        return MeanMetricWrapper(cls, name=identifier)
    if isinstance(identifier, dict):
        cls, inner = registry.resolve("metric", identifier, ALIASES, custom_objects)
        if not isinstance(cls, type):
            raise InvalidArgumentError(
                f"Metric config {identifier.get('class_name')!r} names a function, not a class")
        return registry.from_config(cls, inner, "metric", identifier["class_name"])
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if callable(identifier):
        return MeanMetricWrapper(identifier, name=getattr(identifier, "__name__", None))
    raise InvalidArgumentError(f"Could not interpret metric identifier: {identifier!r}")
