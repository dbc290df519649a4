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
from graphflow.keras.losses import (
    EPSILON, as_tensor, divide_no_nan, float_tensor, squeeze_or_expand_to_same_rank)
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
        self._dtype = dtypes.as_dtype(dtype or "float32")

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

def _confusion_counts(y_true, y_pred, thresholds, sample_weight, dtype, class_id=None,
                      needed=("tp", "fp", "tn", "fn"), owner="metric"):
    """Weighted true/false positive/negative counts per threshold (a prediction is positive
    when y_pred > threshold; a label is positive when nonzero). Returns {name: tensor (T,)}."""
    y_pred = as_tensor(y_pred, dtype)
    y_true = as_tensor(y_true, dtype)
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
                                   f"{self.name!r}")
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
        self.thresholds = [0.0 - EPSILON] + inner + [1.0 + EPSILON]
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
                                   owner=f"AUC {self.name!r}")
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
    kl_divergence, poisson)}

_CLASSES = [Mean, Sum, MeanMetricWrapper, Accuracy, BinaryAccuracy, CategoricalAccuracy,
            SparseCategoricalAccuracy, TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy,
            MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
            MeanSquaredLogarithmicError, RootMeanSquaredError, BinaryCrossentropy,
            CategoricalCrossentropy, SparseCategoricalCrossentropy, Precision, Recall, AUC]

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
}
for _cls in _CLASSES:
    ALIASES[_cls.__name__] = _cls


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
