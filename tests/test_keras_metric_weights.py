"""Every metric's sample_weight handling against tf.keras 2.21 (Keras 3): weights of shape
(batch,), (batch, 1), a scalar, one per value, and shapes that do not broadcast (an error, as
Keras's broadcast_to). The expected values were computed by TensorFlow 2.21 on the same data
(two updates, the second with half the weight)."""
import numpy as np
import pytest

import graphflow as tf
from graphflow.errors import InvalidArgumentError
from graphflow.keras import metrics as M

LABELS = np.array([2, 0, 1, 1, 3, 0])
ONEHOT = np.eye(4, dtype=np.float32)[LABELS]
PROBS = np.array([[.1, .2, .6, .1], [.3, .3, .2, .2], [.5, .1, .3, .1], [.2, .6, .1, .1],
                  [.1, .1, .1, .7], [.4, .3, .2, .1]], np.float32)
REG_T = np.array([[.6, 1.2, .9], [1.4, .7, .5], [1.1, .8, 1.3], [.9, 1.0, .6], [.5, 1.5, 1.2],
                  [1.3, .6, .8]], np.float32)
REG_P = np.array([[.9, 1.0, .7], [1.1, .9, .6], [1.4, .5, 1.2], [.6, 1.3, .9], [.8, 1.1, 1.4],
                  [1.0, .9, .5]], np.float32)
BIN_T = np.array([[1], [0], [1], [1], [0], [0]], np.float32)
BIN_P = np.array([[.8], [.3], [.4], [.9], [.6], [.1]], np.float32)
MBIN_T = np.array([[1, 0, 1], [0, 0, 1], [1, 1, 0], [0, 1, 1], [1, 0, 0], [0, 1, 0]], np.float32)
MBIN_P = np.array([[.7, .2, .6], [.4, .1, .8], [.3, .9, .2], [.6, .7, .4], [.8, .3, .5],
                   [.2, .4, .1]], np.float32)
EQ_T = np.array([[1, 2, 0], [2, 2, 1], [0, 1, 1], [2, 0, 0], [1, 1, 2], [0, 2, 1]], np.float32)
EQ_P = np.array([[1, 2, 0], [2, 2, 2], [0, 0, 0], [1, 1, 1], [1, 1, 2], [0, 2, 0]], np.float32)
WEIGHTS = {
    "none": None,
    "batch": np.array([.5, 1., .2, .8, 1.5, .3], np.float32),
    "batch_1": np.array([[.5], [1.], [.2], [.8], [1.5], [.3]], np.float32),
    "scalar": np.float32(0.7),
    "per_value": (np.arange(18, dtype=np.float32).reshape(6, 3) % 4 + 1) / 4,
    "wrong_last": np.ones((6, 4), np.float32),
    "wrong_batch": np.ones((5,), np.float32),
}


def CASES(M):
    return [
        ("Accuracy/2d", M.Accuracy, EQ_T, EQ_P), ("Accuracy/1d", M.Accuracy, EQ_T[:, 0], EQ_P[:, 0]),
        ("BinaryAccuracy/col", M.BinaryAccuracy, BIN_T, BIN_P),
        ("BinaryAccuracy/multi", M.BinaryAccuracy, MBIN_T, MBIN_P),
        ("BinaryAccuracy/1d", M.BinaryAccuracy, BIN_T[:, 0], BIN_P[:, 0]),
        ("CategoricalAccuracy", M.CategoricalAccuracy, ONEHOT, PROBS),
        ("SparseCategoricalAccuracy", M.SparseCategoricalAccuracy, LABELS, PROBS),
        ("SparseCategoricalAccuracy/col", M.SparseCategoricalAccuracy, LABELS[:, None], PROBS),
        ("TopKCategoricalAccuracy", lambda: M.TopKCategoricalAccuracy(k=2), ONEHOT, PROBS),
        ("SparseTopKCategoricalAccuracy", lambda: M.SparseTopKCategoricalAccuracy(k=2), LABELS,
         PROBS),
        ("MeanSquaredError", M.MeanSquaredError, REG_T, REG_P),
        ("MeanSquaredError/1d", M.MeanSquaredError, REG_T[:, 0], REG_P[:, 0]),
        ("MeanAbsoluteError", M.MeanAbsoluteError, REG_T, REG_P),
        ("MeanAbsolutePercentageError", M.MeanAbsolutePercentageError, REG_T, REG_P),
        ("MeanSquaredLogarithmicError", M.MeanSquaredLogarithmicError, REG_T, REG_P),
        ("RootMeanSquaredError", M.RootMeanSquaredError, REG_T, REG_P),
        ("BinaryCrossentropy", M.BinaryCrossentropy, BIN_T, BIN_P),
        ("BinaryCrossentropy/multi", M.BinaryCrossentropy, MBIN_T, MBIN_P),
        ("CategoricalCrossentropy", M.CategoricalCrossentropy, ONEHOT, PROBS),
        ("SparseCategoricalCrossentropy", M.SparseCategoricalCrossentropy, LABELS, PROBS),
        ("Precision", M.Precision, BIN_T, BIN_P), ("Precision/multi", M.Precision, MBIN_T, MBIN_P),
        ("Recall", M.Recall, BIN_T, BIN_P), ("Recall/multi", M.Recall, MBIN_T, MBIN_P),
        ("AUC", lambda: M.AUC(num_thresholds=11), BIN_T, BIN_P),
        ("AUC/multi", lambda: M.AUC(num_thresholds=11), MBIN_T, MBIN_P),
        ("Mean/1d", M.Mean, REG_T[:, 0], None), ("Mean/2d", M.Mean, REG_T, None),
        ("Sum/1d", M.Sum, REG_T[:, 0], None), ("Sum/2d", M.Sum, REG_T, None),
    ]


def run_case(make, y_true, y_pred, weight):
    """Two updates (the second with half the weight) so that streaming counts are checked."""
    m = make()
    args = (y_true,) if y_pred is None else (y_true, y_pred)
    m.update_state(*args, sample_weight=weight)
    m.update_state(*args, sample_weight=None if weight is None else weight * 0.5)
    return round(float(np.asarray(m.result())), 5)

EXPECTED = {  # from tensorflow 2.21 (keras 3.x); "error": Keras raises InvalidArgumentError
    "Accuracy/2d/none": 0.61111,
    "Accuracy/2d/batch": 0.68217,
    "Accuracy/2d/batch_1": 0.68217,
    "Accuracy/2d/scalar": 0.61111,
    "Accuracy/2d/per_value": 0.5814,
    "Accuracy/2d/wrong_last": "error",
    "Accuracy/2d/wrong_batch": "error",
    "Accuracy/1d/none": 0.83333,
    "Accuracy/1d/batch": 0.81395,
    "Accuracy/1d/batch_1": 0.81395,
    "Accuracy/1d/scalar": 0.83333,
    "Accuracy/1d/per_value": "error",
    "Accuracy/1d/wrong_last": "error",
    "Accuracy/1d/wrong_batch": "error",
    "BinaryAccuracy/col/none": 0.66667,
    "BinaryAccuracy/col/batch": 0.60465,
    "BinaryAccuracy/col/batch_1": 0.60465,
    "BinaryAccuracy/col/scalar": 0.66667,
    "BinaryAccuracy/col/per_value": "error",
    "BinaryAccuracy/col/wrong_last": "error",
    "BinaryAccuracy/col/wrong_batch": "error",
    "BinaryAccuracy/multi/none": 0.77778,
    "BinaryAccuracy/multi/batch": 0.83721,
    "BinaryAccuracy/multi/batch_1": 0.83721,
    "BinaryAccuracy/multi/scalar": 0.77778,
    "BinaryAccuracy/multi/per_value": 0.76744,
    "BinaryAccuracy/multi/wrong_last": "error",
    "BinaryAccuracy/multi/wrong_batch": "error",
    "BinaryAccuracy/1d/none": 0.66667,
    "BinaryAccuracy/1d/batch": 0.60465,
    "BinaryAccuracy/1d/batch_1": 0.60465,
    "BinaryAccuracy/1d/scalar": 0.66667,
    "BinaryAccuracy/1d/per_value": "error",
    "BinaryAccuracy/1d/wrong_last": "error",
    "BinaryAccuracy/1d/wrong_batch": "error",
    "CategoricalAccuracy/none": 0.83333,
    "CategoricalAccuracy/batch": 0.95349,
    "CategoricalAccuracy/batch_1": 0.95349,
    "CategoricalAccuracy/scalar": 0.83333,
    "CategoricalAccuracy/per_value": "error",
    "CategoricalAccuracy/wrong_last": "error",
    "CategoricalAccuracy/wrong_batch": "error",
    "SparseCategoricalAccuracy/none": 0.83333,
    "SparseCategoricalAccuracy/batch": 0.95349,
    "SparseCategoricalAccuracy/batch_1": 0.95349,
    "SparseCategoricalAccuracy/scalar": 0.83333,
    "SparseCategoricalAccuracy/per_value": "error",
    "SparseCategoricalAccuracy/wrong_last": "error",
    "SparseCategoricalAccuracy/wrong_batch": "error",
    "SparseCategoricalAccuracy/col/none": 0.83333,
    "SparseCategoricalAccuracy/col/batch": 0.95349,
    "SparseCategoricalAccuracy/col/batch_1": 0.95349,
    "SparseCategoricalAccuracy/col/scalar": 0.83333,
    "SparseCategoricalAccuracy/col/per_value": "error",
    "SparseCategoricalAccuracy/col/wrong_last": "error",
    "SparseCategoricalAccuracy/col/wrong_batch": "error",
    "TopKCategoricalAccuracy/none": 0.83333,
    "TopKCategoricalAccuracy/batch": 0.95349,
    "TopKCategoricalAccuracy/batch_1": 0.95349,
    "TopKCategoricalAccuracy/scalar": 0.83333,
    "TopKCategoricalAccuracy/per_value": "error",
    "TopKCategoricalAccuracy/wrong_last": "error",
    "TopKCategoricalAccuracy/wrong_batch": "error",
    "SparseTopKCategoricalAccuracy/none": 0.83333,
    "SparseTopKCategoricalAccuracy/batch": 0.95349,
    "SparseTopKCategoricalAccuracy/batch_1": 0.95349,
    "SparseTopKCategoricalAccuracy/scalar": 0.83333,
    "SparseTopKCategoricalAccuracy/per_value": "error",
    "SparseTopKCategoricalAccuracy/wrong_last": "error",
    "SparseTopKCategoricalAccuracy/wrong_batch": "error",
    "MeanSquaredError/none": 0.07389,
    "MeanSquaredError/batch": 0.07713,
    "MeanSquaredError/batch_1": 0.07713,
    "MeanSquaredError/scalar": 0.07389,
    "MeanSquaredError/per_value": "error",
    "MeanSquaredError/wrong_last": "error",
    "MeanSquaredError/wrong_batch": "error",
    "MeanSquaredError/1d/none": 0.09,
    "MeanSquaredError/1d/batch": "error",
    "MeanSquaredError/1d/batch_1": "error",
    "MeanSquaredError/1d/scalar": 0.09,
    "MeanSquaredError/1d/per_value": "error",
    "MeanSquaredError/1d/wrong_last": "error",
    "MeanSquaredError/1d/wrong_batch": "error",
    "MeanAbsoluteError/none": 0.26111,
    "MeanAbsoluteError/batch": 0.26589,
    "MeanAbsoluteError/batch_1": 0.26589,
    "MeanAbsoluteError/scalar": 0.26111,
    "MeanAbsoluteError/per_value": "error",
    "MeanAbsoluteError/wrong_last": "error",
    "MeanAbsoluteError/wrong_batch": "error",
    "MeanAbsolutePercentageError/none": 31.03319,
    "MeanAbsolutePercentageError/batch": 31.61063,
    "MeanAbsolutePercentageError/batch_1": 31.61063,
    "MeanAbsolutePercentageError/scalar": 31.0332,
    "MeanAbsolutePercentageError/per_value": "error",
    "MeanAbsolutePercentageError/wrong_last": "error",
    "MeanAbsolutePercentageError/wrong_batch": "error",
    "MeanSquaredLogarithmicError/none": 0.02058,
    "MeanSquaredLogarithmicError/batch": 0.02053,
    "MeanSquaredLogarithmicError/batch_1": 0.02053,
    "MeanSquaredLogarithmicError/scalar": 0.02058,
    "MeanSquaredLogarithmicError/per_value": "error",
    "MeanSquaredLogarithmicError/wrong_last": "error",
    "MeanSquaredLogarithmicError/wrong_batch": "error",
    "RootMeanSquaredError/none": 0.27183,
    "RootMeanSquaredError/batch": 0.27773,
    "RootMeanSquaredError/batch_1": 0.27773,
    "RootMeanSquaredError/scalar": 0.27183,
    "RootMeanSquaredError/per_value": 0.27787,
    "RootMeanSquaredError/wrong_last": "error",
    "RootMeanSquaredError/wrong_batch": "error",
    "BinaryCrossentropy/none": 0.43719,
    "BinaryCrossentropy/batch": 0.4981,
    "BinaryCrossentropy/batch_1": 0.4981,
    "BinaryCrossentropy/scalar": 0.43719,
    "BinaryCrossentropy/per_value": "error",
    "BinaryCrossentropy/wrong_last": "error",
    "BinaryCrossentropy/wrong_batch": "error",
    "BinaryCrossentropy/multi/none": 0.45386,
    "BinaryCrossentropy/multi/batch": 0.44383,
    "BinaryCrossentropy/multi/batch_1": 0.44383,
    "BinaryCrossentropy/multi/scalar": 0.45386,
    "BinaryCrossentropy/multi/per_value": "error",
    "BinaryCrossentropy/multi/wrong_last": "error",
    "BinaryCrossentropy/multi/wrong_batch": "error",
    "CategoricalCrossentropy/none": 0.96686,
    "CategoricalCrossentropy/batch": 0.72988,
    "CategoricalCrossentropy/batch_1": 0.72988,
    "CategoricalCrossentropy/scalar": 0.96686,
    "CategoricalCrossentropy/per_value": "error",
    "CategoricalCrossentropy/wrong_last": "error",
    "CategoricalCrossentropy/wrong_batch": "error",
    "SparseCategoricalCrossentropy/none": 0.96686,
    "SparseCategoricalCrossentropy/batch": 0.72988,
    "SparseCategoricalCrossentropy/batch_1": 0.72988,
    "SparseCategoricalCrossentropy/scalar": 0.96686,
    "SparseCategoricalCrossentropy/per_value": "error",
    "SparseCategoricalCrossentropy/wrong_last": "error",
    "SparseCategoricalCrossentropy/wrong_batch": "error",
    "Precision/none": 0.66667,
    "Precision/batch": 0.46429,
    "Precision/batch_1": 0.46429,
    "Precision/scalar": 0.66667,
    "Precision/per_value": "error",
    "Precision/wrong_last": "error",
    "Precision/wrong_batch": "error",
    "Precision/multi/none": 0.85714,
    "Precision/multi/batch": 0.84906,
    "Precision/multi/batch_1": 0.84906,
    "Precision/multi/scalar": 0.85714,
    "Precision/multi/per_value": 0.875,
    "Precision/multi/wrong_last": "error",
    "Precision/multi/wrong_batch": "error",
    "Recall/none": 0.66667,
    "Recall/batch": 0.86667,
    "Recall/batch_1": 0.86667,
    "Recall/scalar": 0.66667,
    "Recall/per_value": "error",
    "Recall/wrong_last": "error",
    "Recall/wrong_batch": "error",
    "Recall/multi/none": 0.66667,
    "Recall/multi/batch": 0.77586,
    "Recall/multi/batch_1": 0.77586,
    "Recall/multi/scalar": 0.66667,
    "Recall/multi/per_value": 0.63636,
    "Recall/multi/wrong_last": "error",
    "Recall/multi/wrong_batch": "error",
    "AUC/none": 0.88889,
    "AUC/batch": 0.92857,
    "AUC/batch_1": 0.92857,
    "AUC/scalar": 0.88889,
    "AUC/per_value": "error",
    "AUC/wrong_last": "error",
    "AUC/wrong_batch": "error",
    "AUC/multi/none": 0.88889,
    "AUC/multi/batch": 0.90068,
    "AUC/multi/batch_1": 0.90068,
    "AUC/multi/scalar": 0.88889,
    "AUC/multi/per_value": 0.85281,
    "AUC/multi/wrong_last": "error",
    "AUC/multi/wrong_batch": "error",
    "Mean/1d/none": 0.96667,
    "Mean/1d/batch": 0.87907,
    "Mean/1d/batch_1": 0.87907,
    "Mean/1d/scalar": 0.96667,
    "Mean/1d/per_value": "error",
    "Mean/1d/wrong_last": "error",
    "Mean/1d/wrong_batch": "error",
    "Mean/2d/none": 0.93889,
    "Mean/2d/batch": 0.94574,
    "Mean/2d/batch_1": 0.94574,
    "Mean/2d/scalar": 0.93889,
    "Mean/2d/per_value": 0.98837,
    "Mean/2d/wrong_last": "error",
    "Mean/2d/wrong_batch": "error",
    "Sum/1d/none": 11.6,
    "Sum/1d/batch": 5.67,
    "Sum/1d/batch_1": 5.67,
    "Sum/1d/scalar": 6.09,
    "Sum/1d/per_value": "error",
    "Sum/1d/wrong_last": "error",
    "Sum/1d/wrong_batch": "error",
    "Sum/2d/none": 33.8,
    "Sum/2d/batch": 18.3,
    "Sum/2d/batch_1": 18.3,
    "Sum/2d/scalar": 17.745,
    "Sum/2d/per_value": 15.9375,
    "Sum/2d/wrong_last": "error",
    "Sum/2d/wrong_batch": "error",
}

_CASES = {key: (make, yt, yp) for key, make, yt, yp in CASES(M)}


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_metric_sample_weight_matches_keras(key):
    case, wname = key.rsplit("/", 1)
    make, y_true, y_pred = _CASES[case]
    expected = EXPECTED[key]
    if expected == "error":
        with pytest.raises(InvalidArgumentError, match="sample_weight of shape"):
            run_case(make, y_true, y_pred, WEIGHTS[wname])
    else:
        assert run_case(make, y_true, y_pred, WEIGHTS[wname]) == pytest.approx(expected, abs=2e-5)


@pytest.mark.parametrize("case", ["Accuracy/1d", "BinaryAccuracy/1d", "Sum/2d", "AUC/multi"])
def test_traced_update_matches_eager(case):
    make, y_true, y_pred = _CASES[case]
    m = make()
    update = tf.function(lambda *a: m.update_state(*a[:-1], sample_weight=a[-1]))
    args = (y_true,) if y_pred is None else (y_true, y_pred)
    update(*args, WEIGHTS["batch"])
    update(*args, WEIGHTS["batch"] * 0.5)
    assert float(m.result()) == pytest.approx(EXPECTED[f"{case}/batch"], abs=2e-5)


def test_accuracy_of_rank_1_labels_uses_the_weights():
    # issue 13 (Accuracy and sample_weight): accuracy() averaged rank-1 matches to one scalar
    # before weighting, so the weights were lost (0.75); Keras weights each match: 0.875.
    m = M.Accuracy()
    m.update_state([1, 2, 3, 4], [0, 2, 3, 4], sample_weight=[0.5, 1, 1, 1.5])
    assert float(m.result()) == pytest.approx(0.875)
