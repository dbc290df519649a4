"""Losses against NumPy formulas: from_logits, label smoothing, sample weights, reductions,
sparse label forms, eager and traced, lookup and config round trips, errors."""
import numpy as np
import pytest

import graphflow as tf
from graphflow.errors import InvalidArgumentError
from graphflow.keras import losses

EPS = 1e-7
rng = np.random.default_rng(0)
LOGITS = rng.normal(size=(4, 3)).astype(np.float32)
PROBS = (np.exp(LOGITS) / np.exp(LOGITS).sum(-1, keepdims=True)).astype(np.float32)
LABELS = np.array([0, 2, 1, 2])
ONE_HOT = np.eye(3, dtype=np.float32)[LABELS]
WEIGHTS = np.array([1.0, 0.5, 0.0, 2.0], np.float32)


def np_softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def np_cce(y, p, from_logits=False, smoothing=0.0):
    y = y * (1 - smoothing) + smoothing / y.shape[-1]
    p = np_softmax(p) if from_logits else np.clip(p / p.sum(-1, keepdims=True), EPS, 1 - EPS)
    return -(y * np.log(p)).sum(-1)


def np_bce(y, p, from_logits=False, smoothing=0.0):
    y = y * (1 - smoothing) + 0.5 * smoothing
    p = 1 / (1 + np.exp(-p)) if from_logits else np.clip(p, EPS, 1 - EPS)
    return -(y * np.log(p) + (1 - y) * np.log(1 - p)).mean(-1)


def reduce(values, weights=None, reduction="sum_over_batch_size"):
    if weights is not None:
        values = values * weights
    if reduction == "none":
        return values
    return values.sum() if reduction == "sum" else values.sum() / values.size


def close(a, b, rtol=1e-5):
    np.testing.assert_allclose(np.asarray(a), b, rtol=rtol, atol=1e-6)


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
def test_categorical_crossentropy(reduction, weighted):
    w = WEIGHTS if weighted else None
    for from_logits, smoothing in [(False, 0.0), (True, 0.0), (False, 0.1), (True, 0.2)]:
        loss = losses.CategoricalCrossentropy(from_logits=from_logits, label_smoothing=smoothing,
                                              reduction=reduction)
        pred = LOGITS if from_logits else PROBS
        close(loss(ONE_HOT, pred, sample_weight=w),
              reduce(np_cce(ONE_HOT, pred, from_logits, smoothing), w, reduction))


def test_crossentropy_clips_probabilities():
    p = np.array([[0.0, 1.0]], np.float32)
    close(losses.categorical_crossentropy([[1.0, 0.0]], p), [-np.log(EPS)], rtol=1e-3)
    close(losses.binary_crossentropy([[1.0]], [[0.0]]), [-np.log(EPS)], rtol=1e-3)
    close(losses.sparse_categorical_crossentropy([0], p), [-np.log(EPS)], rtol=1e-3)


@pytest.mark.parametrize("from_logits", [False, True])
def test_sparse_categorical_crossentropy_label_forms(from_logits):
    pred = LOGITS if from_logits else PROBS
    expected = np_cce(ONE_HOT, pred, from_logits)
    loss = losses.SparseCategoricalCrossentropy(from_logits=from_logits, reduction="none")
    for labels in (LABELS, LABELS.astype(np.int64), LABELS.astype(np.float32),
                   LABELS.reshape(-1, 1), LABELS.reshape(-1, 1).astype(np.float32)):
        close(loss(labels, pred), expected)
    close(losses.SparseCategoricalCrossentropy(from_logits=from_logits)(LABELS, pred, WEIGHTS),
          reduce(expected, WEIGHTS))


def test_sparse_categorical_crossentropy_traced_with_unknown_batch():
    loss = losses.SparseCategoricalCrossentropy(from_logits=True)
    f = tf.function(lambda y, p: loss(y, p), input_signature=[
        tf.TensorSpec([None, 1], tf.float32), tf.TensorSpec([None, 3], tf.float32)])
    labels = LABELS.reshape(-1, 1).astype(np.float32)
    close(f(labels, LOGITS), np_cce(ONE_HOT, LOGITS, True).mean())
    close(f(labels[:2], LOGITS[:2]), np_cce(ONE_HOT[:2], LOGITS[:2], True).mean())
    assert f.experimental_get_tracing_count() == 1


def test_sparse_ignore_class_excludes_samples_from_the_mean():
    labels = np.array([0, -1, 1, -1])
    loss = losses.SparseCategoricalCrossentropy(ignore_class=-1)
    kept = np_cce(np.eye(3, dtype=np.float32)[[0, 1]], PROBS[[0, 2]])
    close(loss(labels, PROBS), kept.mean())
    per_sample = losses.SparseCategoricalCrossentropy(ignore_class=-1, reduction="none")
    close(per_sample(labels, PROBS), [kept[0], 0.0, kept[1], 0.0])


@pytest.mark.parametrize("from_logits,smoothing", [(False, 0.0), (True, 0.0), (False, 0.2)])
def test_binary_crossentropy(from_logits, smoothing):
    y = (rng.random((4, 2)) > 0.5).astype(np.float32)
    p = rng.random((4, 2)).astype(np.float32)
    x = p * 4 - 2 if from_logits else p
    loss = losses.BinaryCrossentropy(from_logits=from_logits, label_smoothing=smoothing)
    expected = np_bce(y, x, from_logits, smoothing)
    close(loss(y, x), expected.mean())
    close(loss(y, x, sample_weight=WEIGHTS), reduce(expected, WEIGHTS))
    # (batch,) labels against (batch, 1) predictions
    close(losses.BinaryCrossentropy(reduction="none")(y[:, 0], p[:, :1]),
          np_bce(y[:, :1], p[:, :1]))


def test_regression_losses():
    y = rng.normal(size=(4, 3)).astype(np.float32)
    p = rng.normal(size=(4, 3)).astype(np.float32)
    err = p - y
    huber = np.where(np.abs(err) <= 1.5, 0.5 * err ** 2, 1.5 * np.abs(err) - 0.5 * 1.5 ** 2)
    yn = y / np.linalg.norm(y, axis=-1, keepdims=True)
    pn = p / np.linalg.norm(p, axis=-1, keepdims=True)
    cases = [
        (losses.MeanSquaredError(), (err ** 2).mean(-1)),
        (losses.MeanAbsoluteError(), np.abs(err).mean(-1)),
        (losses.Huber(delta=1.5), huber.mean(-1)),
        (losses.CosineSimilarity(), -(yn * pn).sum(-1)),
        (losses.LogCosh(), np.log(np.cosh(err)).mean(-1)),
        (losses.MeanAbsolutePercentageError(), 100 * np.abs(err / y).mean(-1)),
    ]
    for loss, per_sample in cases:
        close(loss(y, p), per_sample.mean())
        close(loss(y, p, sample_weight=WEIGHTS), reduce(per_sample, WEIGHTS))
        loss.reduction = "none"
        close(loss(y, p), per_sample)
    close(losses.mse(y, p), (err ** 2).mean(-1))
    close(losses.mae(y, p), np.abs(err).mean(-1))
    close(losses.huber(y, p),
          np.where(np.abs(err) <= 1, 0.5 * err ** 2, np.abs(err) - 0.5).mean(-1))
    close(losses.cosine_similarity(y, p), -(yn * pn).sum(-1))


def test_sum_over_batch_size_divides_by_all_elements_with_weights():
    values = np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)  # per-element ("none" per step)
    close(losses.reduce_weighted_values(tf.constant(values), np.array([1.0, 0.0])),
          (values * [[1.0], [0.0]]).sum() / 4)
    close(losses.reduce_weighted_values(tf.constant(values), None, "sum"), 10.0)
    # Keras: a (batch, 1) weight against (batch,) losses
    close(losses.MeanSquaredError()(np.zeros((2, 1)), np.ones((2, 1)), np.array([[1.0], [3.0]])),
          2.0)


def test_losses_work_traced_and_match_eager():
    loss = losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1)
    f = tf.function(lambda y, p, w: loss(y, p, w))
    close(f(tf.constant(ONE_HOT), tf.constant(LOGITS), tf.constant(WEIGHTS)),
          float(loss(ONE_HOT, LOGITS, WEIGHTS)))


def test_gradient_of_sparse_crossentropy_from_logits():
    logits = tf.Variable(LOGITS)
    with tf.GradientTape() as tape:
        value = losses.SparseCategoricalCrossentropy(from_logits=True)(LABELS, logits)
    grad = tape.gradient(value, logits)
    close(grad, (np_softmax(LOGITS) - ONE_HOT) / 4)


def test_get_serialize_and_config_round_trip():
    for name, cls in [("mse", losses.MeanSquaredError),
                      ("mean_squared_error", losses.MeanSquaredError),
                      ("mae", losses.MeanAbsoluteError), ("huber", losses.Huber),
                      ("categorical_crossentropy", losses.CategoricalCrossentropy),
                      ("sparse_categorical_crossentropy", losses.SparseCategoricalCrossentropy),
                      ("binary_crossentropy", losses.BinaryCrossentropy),
                      ("cosine_similarity", losses.CosineSimilarity),
                      ("BinaryCrossentropy", losses.BinaryCrossentropy)]:
        assert type(losses.get(name)) is cls
    original = losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1,
                                              reduction="sum", name="cce")
    again = losses.get(losses.serialize(original))
    assert again.get_config() == original.get_config()
    assert again.from_logits and again.label_smoothing == 0.1 and again.reduction == "sum"
    assert losses.get(original) is original
    wrapped = losses.get(lambda y, p: tf.reduce_mean(tf.abs(y - p), -1))
    close(wrapped(np.zeros((2, 2)), np.ones((2, 2))), 1.0)
    assert losses.serialize(losses.mse) == "mean_squared_error"
    assert losses.get(None) is None


def test_custom_loss_subclass():
    class Scaled(losses.Loss):
        def call(self, y_true, y_pred):
            return 2.0 * tf.reduce_mean(tf.square(y_pred - y_true), -1)

    close(Scaled()(np.zeros((2, 2)), np.ones((2, 2)), [1.0, 0.0]), 1.0)


def test_errors_name_the_loss_and_shapes():
    with pytest.raises(InvalidArgumentError, match=r"categorical_crossentropy.*\(4, 2\).*\(4, 3\)"):
        losses.CategoricalCrossentropy()(ONE_HOT[:, :2], PROBS)
    with pytest.raises(InvalidArgumentError, match=r"label value of 3.*\[0, 3\)"):
        losses.SparseCategoricalCrossentropy()(np.array([0, 3, 1, 1]), PROBS)
    with pytest.raises(InvalidArgumentError, match=r"y_true shape \(4, 2\)"):
        losses.SparseCategoricalCrossentropy()(np.zeros((4, 2)), PROBS)
    with pytest.raises(InvalidArgumentError, match="reduction"):
        losses.MeanSquaredError(reduction="average")
    with pytest.raises(InvalidArgumentError, match="Unknown loss 'msa'"):
        losses.get("msa")
    with pytest.raises(InvalidArgumentError, match="label_smoothing"):
        losses.BinaryCrossentropy(label_smoothing=2.0)


def test_other_keras_losses():
    y = np.array([[0.2, 0.8]], np.float32)
    p = np.array([[0.4, 0.6]], np.float32)
    close(losses.KLDivergence()(y, p), (y * np.log(y / p)).sum())
    close(losses.Poisson()(y, p), (p - y * np.log(p + EPS)).mean())
    close(losses.MeanSquaredLogarithmicError()(y, p), ((np.log1p(p) - np.log1p(y)) ** 2).mean())
    yb = np.array([[1.0, 0.0]], np.float32)
    signed = 2 * yb - 1
    close(losses.Hinge()(yb, p), np.maximum(1 - signed * p, 0).mean())
    close(losses.SquaredHinge()(yb, p), (np.maximum(1 - signed * p, 0) ** 2).mean())
    close(losses.CategoricalHinge()(yb, p),
          np.maximum(((1 - yb) * p).max() - (yb * p).sum() + 1, 0))
