"""Metrics against NumPy: streaming over several batches, sample weights, reset, traced updates,
custom subclasses, AUC/precision/recall, resolve_accuracy, lookup."""
import numpy as np
import pytest

import graphflow as tf
from graphflow.errors import InvalidArgumentError
from graphflow.keras import metrics

rng = np.random.default_rng(1)
BATCHES = 3


def _batches(make):
    return [make(i) for i in range(BATCHES)]


def close(a, b, rtol=1e-5):
    np.testing.assert_allclose(np.asarray(a), b, rtol=rtol, atol=1e-6)


def _stream(metric, batches, traced=False):
    update = metric.update_state
    if traced:
        update = tf.function(lambda *args: metric.update_state(*args))
    for args in batches:
        update(*[tf.constant(a) for a in args])
    return np.asarray(metric.result())


CLASS_DATA = _batches(lambda i: (rng.integers(0, 4, size=5),
                                 rng.random((5, 4)).astype(np.float32),
                                 rng.random(5).astype(np.float32)))


def _np_weighted_mean(values, weights):
    return (values * weights).sum() / weights.sum()


@pytest.mark.parametrize("traced", [False, True])
def test_accuracies_stream_over_batches(traced):
    labels = np.concatenate([b[0] for b in CLASS_DATA])
    preds = np.concatenate([b[1] for b in CLASS_DATA])
    weights = np.concatenate([b[2] for b in CLASS_DATA])
    hits = (preds.argmax(-1) == labels).astype(np.float32)
    sparse = [(y, p) for y, p, _ in CLASS_DATA]
    close(_stream(metrics.SparseCategoricalAccuracy(), sparse, traced), hits.mean())
    close(_stream(metrics.SparseCategoricalAccuracy(), CLASS_DATA, traced),
          _np_weighted_mean(hits, weights))
    as_column = [(y.reshape(-1, 1).astype(np.float32), p) for y, p, _ in CLASS_DATA]
    close(_stream(metrics.SparseCategoricalAccuracy(), as_column, traced), hits.mean())
    one_hot = [(np.eye(4, dtype=np.float32)[y], p) for y, p, _ in CLASS_DATA]
    close(_stream(metrics.CategoricalAccuracy(), one_hot, traced), hits.mean())
    top2 = (np.argsort(-preds, -1)[:, :2] == labels[:, None]).any(-1)
    close(_stream(metrics.SparseTopKCategoricalAccuracy(k=2), sparse, traced), top2.mean())
    close(_stream(metrics.TopKCategoricalAccuracy(k=2), one_hot, traced), top2.mean())


def test_binary_and_exact_accuracy():
    y = np.array([[1.0], [1.0], [0.0], [0.0]], np.float32)
    p = np.array([[0.98], [1.0], [0.0], [0.6]], np.float32)
    m = metrics.BinaryAccuracy()
    m.update_state(y, p)
    close(m.result(), 0.75)
    m.update_state(y, p, sample_weight=[1.0, 0.0, 0.0, 1.0])
    close(m.result(), (3 + 1) / (4 + 2))
    close(metrics.BinaryAccuracy(threshold=0.99)(y, p), 0.75)
    acc = metrics.Accuracy()
    close(acc([[1], [2], [3], [4]], [[0], [2], [3], [4]]), 0.75)


def test_mean_sum_and_reset():
    m = metrics.Mean()
    m.update_state([1.0, 3.0])
    m.update_state([5.0], sample_weight=[2.0])
    close(m.result(), (1 + 3 + 10) / 4)
    m.update_state(np.ones((2, 3)) * 2.0)  # per-sample means, count += 2
    close(m.result(), (14 + 4) / 6)
    m.reset_state()
    assert float(m.result()) == 0.0
    assert [float(v) for v in m.variables] == [0.0, 0.0]
    s = metrics.Sum()
    s.update_state([1.0, 2.0])
    s.update_state(3.0)
    close(s.result(), 6.0)


@pytest.mark.parametrize("traced", [False, True])
def test_regression_metrics_stream(traced):
    data = _batches(lambda i: (rng.normal(size=(4, 2)).astype(np.float32),
                               rng.normal(size=(4, 2)).astype(np.float32)))
    y = np.concatenate([d[0] for d in data])
    p = np.concatenate([d[1] for d in data])
    close(_stream(metrics.MeanSquaredError(), data, traced), ((p - y) ** 2).mean())
    close(_stream(metrics.MeanAbsoluteError(), data, traced), np.abs(p - y).mean())
    close(_stream(metrics.RootMeanSquaredError(), data, traced), np.sqrt(((p - y) ** 2).mean()))


def _np_counts(y, p, thresholds, w=None):
    w = np.ones_like(p) if w is None else w
    pos = p[None, :] > np.asarray(thresholds)[:, None]
    lab = y[None, :] != 0
    return [((a & b) * w).sum(1) for a, b in
            [(lab, pos), (~lab, pos), (~lab, ~pos), (lab, ~pos)]]


def _np_auc(y, p, num_thresholds=200, curve="ROC"):
    inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
    thresholds = np.array([-1e-7] + inner + [1 + 1e-7], np.float32)
    tp, fp, tn, fn = (c.astype(np.float64) for c in _np_counts(y, p, thresholds))
    div = lambda a, b: np.where(b == 0, 0.0, a / np.where(b == 0, 1, b))  # noqa: E731
    if curve == "ROC":
        x, h = div(fp, fp + tn), div(tp, tp + fn)
        return ((x[:-1] - x[1:]) * (h[:-1] + h[1:]) / 2).sum()
    # PR with interpolation (Davis & Goadrich), as Keras
    dtp = tp[:-1] - tp[1:]
    pp = tp + fp
    dp = pp[:-1] - pp[1:]
    slope = div(dtp, np.maximum(dp, 0))
    intercept = tp[1:] - slope * pp[1:]
    ratio = np.where((pp[:-1] > 0) & (pp[1:] > 0), div(pp[:-1], np.maximum(pp[1:], 0)), 1.0)
    return div(slope * (dtp + intercept * np.log(ratio)), np.maximum(tp[1:] + fn[1:], 0)).sum()


@pytest.mark.parametrize("traced", [False, True])
def test_auc_precision_recall_stream(traced):
    data = _batches(lambda i: ((rng.random(6) > 0.5).astype(np.float32),
                               rng.random(6).astype(np.float32)))
    y = np.concatenate([d[0] for d in data])
    p = np.concatenate([d[1] for d in data])
    close(_stream(metrics.AUC(), data, traced), _np_auc(y, p), rtol=1e-4)
    close(_stream(metrics.AUC(num_thresholds=50, curve="PR"), data, traced),
          _np_auc(y, p, 50, "PR"), rtol=1e-4)
    tp, fp, tn, fn = _np_counts(y, p, [0.5])
    close(_stream(metrics.Precision(), data, traced), tp / (tp + fp))
    close(_stream(metrics.Recall(), data, traced), tp / (tp + fn))
    many = metrics.Precision(thresholds=[0.3, 0.7])
    _stream(many, data, traced)
    tp, fp, _, _ = _np_counts(y, p, [0.3, 0.7])
    close(many.result(), tp / (tp + fp))


def test_auc_matches_keras_doc_example_and_weights():
    m = metrics.AUC(num_thresholds=3)
    m.update_state([0, 0, 1, 1], [0.0, 0.5, 0.3, 0.9])
    close(m.result(), 0.75)
    p = metrics.Precision(class_id=1)
    p.update_state(np.eye(3)[[1, 1, 2]], np.array([[0, 0.9, 0], [0, 0.2, 0], [0, 0.8, 0]]),
                   sample_weight=[1.0, 1.0, 3.0])
    close(p.result(), 1 / 4)


def test_reset_then_reuse_traced_update():
    m = metrics.SparseCategoricalAccuracy()
    update = tf.function(lambda y, p: m.update_state(y, p))
    update(tf.constant([1, 0]), tf.constant([[0.1, 0.9], [0.2, 0.8]]))
    close(m.result(), 0.5)
    m.reset_state()
    update(tf.constant([1, 1]), tf.constant([[0.1, 0.9], [0.2, 0.8]]))
    close(m.result(), 1.0)
    assert update.experimental_get_tracing_count() == 1


def test_custom_metric_subclass_streams_eagerly_and_traced():
    class MaxAbsError(metrics.Metric):
        def __init__(self, name="max_abs_error", **kwargs):
            super().__init__(name=name, **kwargs)
            self.worst = self.add_weight(name="worst")

        def update_state(self, y_true, y_pred, sample_weight=None):
            err = tf.reduce_max(tf.abs(tf.cast(y_pred, tf.float32) - tf.cast(y_true, tf.float32)))
            self.worst.assign(tf.maximum(self.worst.value(), err))

        def result(self):
            return self.worst.value()

    for traced in (False, True):
        m = MaxAbsError()
        _stream(m, [(np.zeros(3, np.float32), np.array([0.5, -2.0, 1.0], np.float32)),
                    (np.zeros(2, np.float32), np.array([1.5, 0.0], np.float32))], traced)
        close(m.result(), 2.0)
        assert [v.name for v in m.variables] == ["max_abs_error/worst:0"]
        assert not m.variables[0].trainable
        m.reset_state()
        close(m.result(), 0.0)


def test_metric_variables_created_lazily_inside_a_trace():
    class Lazy(metrics.Metric):
        def update_state(self, values):
            if not hasattr(self, "total"):
                self.total = self.add_weight("total", initializer="ones")
            self.total.assign_add(tf.reduce_sum(values))

        def result(self):
            return self.total.value()

    m = Lazy(name="lazy")
    update = tf.function(lambda x: m.update_state(x))
    update(tf.constant([2.0, 3.0]))
    close(m.result(), 6.0)


def test_resolve_accuracy_follows_keras_rule():
    r = metrics.resolve_accuracy
    assert isinstance(r("sparse_categorical_crossentropy", (None, 10), (None, 10)),
                      metrics.SparseCategoricalAccuracy)
    assert isinstance(r(None, (None,), (None, 10)), metrics.SparseCategoricalAccuracy)
    assert isinstance(r(None, (None, 1), (None, 10)), metrics.SparseCategoricalAccuracy)
    assert isinstance(r("binary_crossentropy", (None, 1), (None, 1)), metrics.BinaryAccuracy)
    assert isinstance(r(None, (None,), (None, 1)), metrics.BinaryAccuracy)
    assert isinstance(r("categorical_crossentropy", (None, 10), (None, 10)),
                      metrics.CategoricalAccuracy)
    from graphflow.keras import losses
    m = r(losses.SparseCategoricalCrossentropy(from_logits=True), np.zeros((4, 3)),
          tf.zeros((4, 3)))
    assert isinstance(m, metrics.SparseCategoricalAccuracy) and m.name == "accuracy"


def test_get_names_and_config_round_trip():
    for name, cls in [("accuracy", metrics.Accuracy), ("acc", metrics.Accuracy),
                      ("categorical_accuracy", metrics.CategoricalAccuracy),
                      ("sparse_categorical_accuracy", metrics.SparseCategoricalAccuracy),
                      ("binary_accuracy", metrics.BinaryAccuracy),
                      ("mae", metrics.MeanAbsoluteError), ("mse", metrics.MeanSquaredError),
                      ("auc", metrics.AUC), ("precision", metrics.Precision),
                      ("recall", metrics.Recall),
                      ("top_k_categorical_accuracy", metrics.TopKCategoricalAccuracy),
                      ("sparse_top_k_categorical_accuracy", metrics.SparseTopKCategoricalAccuracy)]:
        m = metrics.get(name)
        assert type(m) is cls and m.name == name
    auc = metrics.AUC(num_thresholds=17, curve="PR", name="prauc")
    again = metrics.get(metrics.serialize(auc))
    assert again.get_config() == auc.get_config()
    wrapped = metrics.get(lambda y, p: tf.abs(tf.cast(y, tf.float32) - p))
    assert isinstance(wrapped, metrics.MeanMetricWrapper)
    k = metrics.get({"class_name": "SparseTopKCategoricalAccuracy", "config": {"k": 3}})
    assert k.k == 3
    assert metrics.get(auc) is auc


def test_errors_name_things():
    with pytest.raises(InvalidArgumentError, match="Unknown metric 'acuracy'"):
        metrics.get("acuracy")
    with pytest.raises(InvalidArgumentError, match=r"categorical_accuracy.*\(2,\).*\(2, 3\)"):
        metrics.CategoricalAccuracy()(np.array([0, 1]), np.zeros((2, 3), np.float32))
    with pytest.raises(InvalidArgumentError, match="threshold"):
        metrics.BinaryAccuracy(threshold=1.5)
    with pytest.raises(InvalidArgumentError, match="curve"):
        metrics.AUC(curve="XY")
    with pytest.raises(NotImplementedError, match="update_state"):
        metrics.Metric(name="bare").update_state(1.0)
