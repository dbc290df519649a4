"""Cases shared by tests/test_keras_breadth_metrics_losses.py and
tests/test_keras_breadth_optimizers.py, written against a Keras-like namespace so the same code
runs under Keras 3.15 and graphflow.keras.

The expected values in tests/keras_breadth_expected.py were computed by running these cases
under Keras 3.15 (TensorFlow 2.21's keras):

    ~/.venv-tf/bin/python tests/keras_breadth_cases.py > tests/keras_breadth_expected.py

This module needs only NumPy (the data come from fixed-seed NumPy generators, whose streams
are the same in both environments).
"""
import json

import numpy as np

rng = np.random.default_rng(20261204)
BATCHES = 3
# 0/1 labels and probabilities, with predictions outside [0, 1] and exactly on thresholds
Y_BIN = [(rng.random((8, 3)) > 0.5).astype("float32") for _ in range(BATCHES)]
P_BIN = [rng.random((8, 3)).astype("float32") for _ in range(BATCHES)]
P_BIN[1][0, 0], P_BIN[1][1, 1], P_BIN[2][2, 2], P_BIN[2][3, 0] = 1.3, -0.2, 0.0, 1.0
LOGITS = [rng.standard_normal((8, 3)).astype("float32") for _ in range(BATCHES)]
WEIGHTS = [rng.random(8).astype("float32") for _ in range(BATCHES)]
Y_REG = [rng.standard_normal((8, 3)).astype("float32") for _ in range(BATCHES)]
P_REG = [(Y_REG[i] + 0.5 * rng.standard_normal((8, 3))).astype("float32") for i in range(BATCHES)]
LABELS = [rng.integers(0, 4, 8) for _ in range(BATCHES)]
# predicted classes, some out of range (-1, 4): IoU ignores those pairs
P_LABELS = [np.where(rng.random(8) > 0.4, LABELS[i], rng.integers(-1, 5, 8))
            for i in range(BATCHES)]
ONE_HOT = [np.eye(4, dtype="float32")[lab] for lab in LABELS]
SCORES = [(rng.random((8, 4)) + 0.05).astype("float32") for _ in range(BATCHES)]
EMBEDDINGS = rng.standard_normal((8, 5)).astype("float32")
EMBEDDINGS /= np.linalg.norm(EMBEDDINGS, axis=1, keepdims=True)
EMB_LABELS = np.array([0, 1, 0, 2, 1, 2, 0, 3])
ACT_X = (rng.standard_normal((3, 6)) * 3).astype("float32")


def _probs(i):
    return SCORES[i] / SCORES[i].sum(1, keepdims=True)


# -- losses ---------------------------------------------------------------------------------------

LOSS_CASES = {
    "bfc": lambda L: L.BinaryFocalCrossentropy()(Y_BIN[0], np.clip(P_BIN[0], 0, 1)),
    "bfc_balanced_logits": lambda L: L.BinaryFocalCrossentropy(
        apply_class_balancing=True, gamma=3.0, from_logits=True, label_smoothing=0.1)(
        Y_BIN[0], LOGITS[0], sample_weight=WEIGHTS[0]),
    "bfc_none": lambda L: L.BinaryFocalCrossentropy(reduction="none")(Y_BIN[0], P_BIN[0]),
    "bfc_fn": lambda L: L.binary_focal_crossentropy(Y_BIN[0], P_BIN[0],
                                                    apply_class_balancing=True),
    "cfc": lambda L: L.CategoricalFocalCrossentropy()(ONE_HOT[0], SCORES[0]),
    "cfc_logits": lambda L: L.CategoricalFocalCrossentropy(
        alpha=0.5, gamma=1.0, from_logits=True, label_smoothing=0.2)(
        ONE_HOT[0], SCORES[0] * 3 - 1, sample_weight=WEIGHTS[0]),
    "cfc_fn": lambda L: L.categorical_focal_crossentropy(ONE_HOT[0], SCORES[0]),
    "gce": lambda L: L.CategoricalGeneralizedCrossEntropy()(LABELS[0], _probs(0)),
    "gce_q_sum": lambda L: L.CategoricalGeneralizedCrossEntropy(q=0.2, reduction="sum")(
        LABELS[0], _probs(0), sample_weight=WEIGHTS[0]),
    "gce_fn": lambda L: L.categorical_generalized_cross_entropy(LABELS[0], _probs(0), 0.7),
    "dice": lambda L: L.Dice()(Y_BIN[0], P_BIN[0]),
    "dice_axis": lambda L: L.Dice(axis=1)(Y_BIN[0], P_BIN[0], sample_weight=WEIGHTS[0]),
    "dice_fn": lambda L: L.dice(Y_BIN[0], P_BIN[0], axis=-1),
    "tversky": lambda L: L.Tversky()(Y_BIN[0], P_BIN[0]),
    "tversky_ab_sum": lambda L: L.Tversky(alpha=0.2, beta=0.8, axis=-1, reduction="sum")(
        Y_BIN[0], P_BIN[0]),
    "tversky_fn": lambda L: L.tversky(Y_BIN[0], P_BIN[0], 0.7, 0.3, axis=1),
    "circle": lambda L: L.Circle()(EMB_LABELS, EMBEDDINGS),
    "circle_weighted": lambda L: L.Circle(gamma=10.0, margin=0.2, remove_diagonal=False)(
        EMB_LABELS, EMBEDDINGS, sample_weight=np.concatenate([WEIGHTS[0][:6], [1.0, 0.5]])),
    "circle_sum": lambda L: L.Circle(reduction="sum")(EMB_LABELS, EMBEDDINGS),
    "circle_fn": lambda L: L.circle(EMB_LABELS, EMBEDDINGS),
    "circle_ref": lambda L: L.circle(EMB_LABELS[:4], EMBEDDINGS[:4], ref_labels=EMB_LABELS,
                                     ref_embeddings=EMBEDDINGS, remove_diagonal=False, gamma=5),
}

LOSS_CONFIGS = {
    "BinaryFocalCrossentropy": dict(apply_class_balancing=True, alpha=0.3, gamma=1.5,
                                    from_logits=True, label_smoothing=0.1),
    "CategoricalFocalCrossentropy": dict(alpha=0.4, gamma=3.0, label_smoothing=0.05),
    "CategoricalGeneralizedCrossEntropy": dict(q=0.3),
    "Dice": dict(axis=1),
    "Tversky": dict(alpha=0.1, beta=0.9, axis=-1),
    "Circle": dict(gamma=30.0, margin=0.3, remove_diagonal=False),
}


# -- metrics --------------------------------------------------------------------------------------

METRIC_CASES = {
    "tp": (lambda M: M.TruePositives(), "bin"),
    "tp_even": (lambda M: M.TruePositives(thresholds=[0.0, 0.5, 1.0]), "bin"),
    "fp": (lambda M: M.FalsePositives(thresholds=[0.2, 0.7]), "bin"),
    "tn": (lambda M: M.TrueNegatives(), "bin"),
    "fn": (lambda M: M.FalseNegatives(thresholds=0.3), "bin"),
    "precision_at_recall": (lambda M: M.PrecisionAtRecall(0.6), "bin"),
    "precision_at_recall_class": (
        lambda M: M.PrecisionAtRecall(0.4, num_thresholds=50, class_id=1), "bin"),
    "recall_at_precision": (lambda M: M.RecallAtPrecision(0.5), "bin"),
    "sensitivity_one_threshold": (
        lambda M: M.SensitivityAtSpecificity(0.5, num_thresholds=1), "bin"),
    "sensitivity_at_specificity": (lambda M: M.SensitivityAtSpecificity(0.7), "bin"),
    "specificity_at_sensitivity": (
        lambda M: M.SpecificityAtSensitivity(0.6, num_thresholds=20), "bin"),
    "iou": (lambda M: M.IoU(4, [0, 2]), "labels"),
    "mean_iou": (lambda M: M.MeanIoU(4), "labels"),
    "mean_iou_ignore": (lambda M: M.MeanIoU(4, ignore_class=1), "labels"),
    "binary_iou": (lambda M: M.BinaryIoU(threshold=0.4), "bin"),
    "one_hot_iou": (lambda M: M.OneHotIoU(4, [1, 3]), "one_hot"),
    "one_hot_mean_iou": (lambda M: M.OneHotMeanIoU(4), "one_hot"),
    "f1": (lambda M: M.F1Score(), "one_hot"),
    "f1_macro": (lambda M: M.F1Score(average="macro", threshold=0.5), "bin"),
    "fbeta_micro": (lambda M: M.FBetaScore(average="micro", beta=2.0, threshold=0.4), "bin"),
    "fbeta_weighted": (lambda M: M.FBetaScore(average="weighted", beta=0.5), "bin"),
    "r2": (lambda M: M.R2Score(), "reg"),
    "r2_variance_weighted": (
        lambda M: M.R2Score(class_aggregation="variance_weighted_average"), "reg"),
    "r2_raw_adjusted": (lambda M: M.R2Score(class_aggregation=None, num_regressors=2), "reg"),
    "cosine_similarity": (lambda M: M.CosineSimilarity(), "reg"),
    "hinge": (lambda M: M.Hinge(), "bin"),
    "squared_hinge": (lambda M: M.SquaredHinge(), "bin"),
    "categorical_hinge": (lambda M: M.CategoricalHinge(), "one_hot"),
    "kl_divergence": (lambda M: M.KLDivergence(), "probs"),
    "poisson": (lambda M: M.Poisson(), "probs"),
    "logcosh": (lambda M: M.LogCoshError(), "reg"),
    "pearson": (lambda M: M.PearsonCorrelation(), "reg"),
    "concordance": (lambda M: M.ConcordanceCorrelation(), "reg"),
    "pearson_axis0": (lambda M: M.PearsonCorrelation(axis=0), "reg"),
}


def metric_batch(name, kind, i, weighted):
    """(y_true, y_pred, sample_weight) of batch i for a metric case."""
    y_true, y_pred = {
        "bin": (Y_BIN[i], P_BIN[i]), "labels": (LABELS[i], P_LABELS[i]),
        "one_hot": (ONE_HOT[i], SCORES[i]), "reg": (Y_REG[i], P_REG[i]),
        "probs": (Y_BIN[i] / np.maximum(Y_BIN[i].sum(1, keepdims=True), 1),
                  np.abs(P_BIN[i]) + 0.1)}[kind]
    if not weighted:
        return y_true, y_pred, None
    if kind in ("labels", "one_hot"):
        w = (WEIGHTS[i] * 3).round()  # the IoU metrics count in integers (Keras truncates)
    else:
        w = WEIGHTS[i]
    if name == "binary_iou":
        w = np.broadcast_to((WEIGHTS[i] * 3).round()[:, None], (8, 3)).copy()
    if name == "pearson_axis0":
        w = WEIGHTS[i][:3]  # one value per column
    return y_true, y_pred, w


def run_metric(M, name, to_numpy, update=None):
    """{"plain": result over the batches, "weighted": result after reset_state and weighted
    batches, "dtype": the result's dtype name}."""
    make, kind = METRIC_CASES[name]
    m = make(M)
    step = update(m) if update is not None else m.update_state
    out = {}
    for weighted in (False, True):
        if weighted:
            m.reset_state()
        for i in range(BATCHES):
            y_true, y_pred, w = metric_batch(name, kind, i, weighted)
            if w is None:
                step(y_true, y_pred)
            else:
                step(y_true, y_pred, w)
        result = m.result()
        out["weighted" if weighted else "plain"] = to_numpy(result)
        out["dtype"] = str(result.dtype).replace("<dtype: '", "").replace("'>", "").replace(
            "tf.", "")
    return out


METRIC_FUNCTION_CASES = {
    "hinge": lambda M: M.hinge(Y_BIN[0], P_BIN[0]),
    "squared_hinge": lambda M: M.squared_hinge(Y_BIN[0], P_BIN[0]),
    "categorical_hinge": lambda M: M.categorical_hinge(ONE_HOT[0], SCORES[0]),
    "huber": lambda M: M.huber(Y_REG[0], P_REG[0], delta=0.5),
    "log_cosh": lambda M: M.log_cosh(Y_REG[0], P_REG[0]),
    "binary_focal_crossentropy": lambda M: M.binary_focal_crossentropy(
        Y_BIN[0], np.clip(P_BIN[0], 0, 1), gamma=1.0),
    "categorical_focal_crossentropy": lambda M: M.categorical_focal_crossentropy(
        ONE_HOT[0], SCORES[0]),
    "pearson_correlation": lambda M: M.pearson_correlation(Y_REG[0], P_REG[0]),
    "concordance_correlation": lambda M: M.concordance_correlation(Y_REG[0], P_REG[0]),
}

# string names compile() accepts, with the metric's name in the logs
METRIC_STRINGS = ["f1_score", "r2_score", "hinge", "kl_divergence", "log_cosh_error",
                  "cosine_similarity", "true_positives", "pearson_correlation",
                  "concordance_correlation", "squared_hinge"]


# -- activations ----------------------------------------------------------------------------------

ACTIVATION_NAMES = (
    "celu elu gelu glu hard_shrink hard_silu hard_swish hard_tanh leaky_relu log_sigmoid mish "
    "relu6 selu sigmoid silu soft_shrink softplus softsign sparse_plus sparse_sigmoid squareplus "
    "swish tanh tanh_shrink hard_sigmoid exponential relu softmax log_softmax").split()

ACTIVATION_CALLS = {
    "gelu_approximate": lambda A, x: A.gelu(x, approximate=True),
    "elu_alpha": lambda A, x: A.elu(x, alpha=2.0),
    "celu_alpha": lambda A, x: A.celu(x, alpha=0.5),
    "relu_all_options": lambda A, x: A.relu(x, negative_slope=0.1, max_value=2.0, threshold=0.5),
    "relu_max6": lambda A, x: A.relu(x, max_value=6.0),
    "relu_threshold": lambda A, x: A.relu(x, threshold=1.0),
    "relu_slope_threshold": lambda A, x: A.relu(x, negative_slope=0.2, threshold=-0.5),
    "threshold": lambda A, x: A.threshold(x, 0.3, -2.0),
    "soft_shrink_1": lambda A, x: A.soft_shrink(x, 1.0),
    "hard_shrink_1": lambda A, x: A.hard_shrink(x, 1.0),
    "squareplus_b1": lambda A, x: A.squareplus(x, 1),
    "leaky_relu_03": lambda A, x: A.leaky_relu(x, negative_slope=0.3),
    "glu_axis0": lambda A, x: A.glu(x[:2], axis=0),
    "softmax_axis0": lambda A, x: A.softmax(x, axis=0),
}


# -- optimizers -----------------------------------------------------------------------------------

opt_rng = np.random.default_rng(3)
W0 = opt_rng.standard_normal((3, 4)).astype("float32")
B0 = opt_rng.standard_normal(4).astype("float32")
GRADS = [(opt_rng.standard_normal((3, 4)).astype("float32"),
          opt_rng.standard_normal(4).astype("float32")) for _ in range(4)]

OPTIMIZER_CASES = {
    "adadelta": ("Adadelta", dict(learning_rate=1.0)),
    "adadelta_defaults": ("Adadelta", dict()),
    "adamax": ("Adamax", dict(learning_rate=0.01)),
    "adamax_wd_clipnorm": ("Adamax", dict(learning_rate=0.01, weight_decay=0.1, clipnorm=1.0)),
    "ftrl": ("Ftrl", dict(learning_rate=0.1)),
    "ftrl_regularized": ("Ftrl", dict(
        learning_rate=0.1, l1_regularization_strength=0.01, l2_regularization_strength=0.02,
        l2_shrinkage_regularization_strength=0.03, beta=0.5, learning_rate_power=-0.7)),
    "ftrl_wd": ("Ftrl", dict(learning_rate=0.1, weight_decay=0.05)),
    "lion": ("Lion", dict(learning_rate=0.01)),
    "lion_wd_global_clipnorm": ("Lion", dict(learning_rate=0.01, weight_decay=0.2,
                                             global_clipnorm=2.0)),
    "lamb": ("Lamb", dict(learning_rate=0.01)),
    "lamb_wd_clipvalue": ("Lamb", dict(learning_rate=0.01, weight_decay=0.1, clipvalue=0.5)),
    "adafactor": ("Adafactor", dict(learning_rate=0.1)),
    "adafactor_fixed_step": ("Adafactor", dict(learning_rate=0.01, relative_step=False,
                                               clip_threshold=0.5, weight_decay=0.1)),
    "adam_ema": ("Adam", dict(learning_rate=0.01, use_ema=True, ema_momentum=0.9)),
    "sgd_ema_overwrite": ("SGD", dict(learning_rate=0.1, momentum=0.5, use_ema=True,
                                      ema_momentum=0.8, ema_overwrite_frequency=2)),
    "lion_ema": ("Lion", dict(learning_rate=0.01, use_ema=True)),
    "sgd_loss_scale_factor": ("SGD", dict(learning_rate=0.1, loss_scale_factor=4.0)),
    "adam_cosine_restarts": ("Adam", "restarts"),
}


def make_optimizer(K, name):
    cls, kwargs = OPTIMIZER_CASES[name]
    if kwargs == "restarts":
        kwargs = dict(learning_rate=K.optimizers.schedules.CosineDecayRestarts(
            0.05, 2, t_mul=1.5, m_mul=0.8, alpha=0.1))
    return getattr(K.optimizers, cls)(**kwargs)


def run_optimizer(K, name, make_variable, wrap=lambda f: f, to_numpy=np.asarray,
                  to_tensor=lambda a: a):
    """The weights (flattened W then b) after each of the steps, then (use_ema) after
    finalize_variable_values."""
    opt = make_optimizer(K, name)
    w, b = make_variable(W0), make_variable(B0)
    step = wrap(lambda g1, g2: opt.apply_gradients([(g1, w), (g2, b)]))
    history = []
    for g1, g2 in GRADS:
        step(to_tensor(g1), to_tensor(g2))
        history.append(np.concatenate([to_numpy(w).ravel(), to_numpy(b).ravel()]))
    if opt.use_ema:
        opt.finalize_variable_values([w, b])
        history.append(np.concatenate([to_numpy(w).ravel(), to_numpy(b).ravel()]))
    return np.stack(history)


LSO_GRADIENTS = [GRADS[0][0] * 8, GRADS[1][0] * 8, np.full((3, 4), np.inf, "float32"),
                 GRADS[2][0] * 8, GRADS[3][0] * 4, GRADS[0][0] * 8]


def run_loss_scale(K, inner, make_variable, wrap=lambda f: f, to_numpy=np.asarray,
                   to_tensor=lambda a: a):
    """W, dynamic scale, step counter and iterations after each step of LossScaleOptimizer
    (initial_scale 8, growth every 2 finite steps; the third gradient is inf)."""
    opt = K.optimizers.LossScaleOptimizer(getattr(K.optimizers, inner)(learning_rate=0.1),
                                          initial_scale=8.0, dynamic_growth_steps=2)
    w = make_variable(W0)
    step = wrap(lambda g: opt.apply_gradients([(g, w)]))
    history = []
    for g in LSO_GRADIENTS:
        step(to_tensor(g))
        history.append(np.concatenate([to_numpy(w).ravel(), [
            float(to_numpy(opt.dynamic_scale)), float(to_numpy(opt.step_counter)),
            float(to_numpy(opt.iterations))]]))
    return np.stack(history)


SCHEDULE_CASES = {
    "geometric": dict(initial_learning_rate=0.1, first_decay_steps=3, t_mul=2.0, m_mul=0.5,
                      alpha=0.1),
    "constant_period": dict(initial_learning_rate=1.0, first_decay_steps=4, t_mul=1.0,
                            m_mul=0.9),
    "defaults": dict(initial_learning_rate=0.5, first_decay_steps=5),
}
SCHEDULE_STEPS = [0, 1, 2, 3, 4, 5, 7, 9, 10, 20, 33, 100]


# -- writing the expected values (run under Keras 3.15) -------------------------------------------

def _literal(value):
    a = np.asarray(value)
    if a.dtype.kind in "US":
        return repr(str(a))
    if a.ndim == 0:
        return "%.9g" % float(a)
    return "[" + ", ".join(_literal(v) for v in a) + "]"


def main():
    import keras
    lines = ['"""Expected values computed with Keras 3.15 (TensorFlow 2.21) by',
             "`~/.venv-tf/bin/python tests/keras_breadth_cases.py > "
             'tests/keras_breadth_expected.py`; do not edit by hand."""', ""]
    lines.append("LOSSES = {")
    for name, fn in LOSS_CASES.items():
        lines.append(f"    {name!r}: {_literal(fn(keras.losses))},")
    lines.append("}")
    lines.append("LOSS_CONFIGS = {")
    for cls, kwargs in LOSS_CONFIGS.items():
        config = getattr(keras.losses, cls)(**kwargs).get_config()
        lines.append(f"    {cls!r}: {json.dumps(config, sort_keys=True)!r},")
    lines.append("}")
    lines.append("METRICS = {")
    for name in METRIC_CASES:
        r = run_metric(keras.metrics, name, np.asarray)
        lines.append(f"    {name!r}: {{'plain': {_literal(r['plain'])}, "
                     f"'weighted': {_literal(r['weighted'])}, 'dtype': {r['dtype']!r}}},")
    lines.append("}")
    lines.append("METRIC_CONFIGS = {")
    for name, (make, _) in METRIC_CASES.items():
        config = make(keras.metrics).get_config()
        lines.append(f"    {name!r}: {json.dumps(config, sort_keys=True)!r},")
    lines.append("}")
    lines.append("METRIC_FUNCTIONS = {")
    for name, fn in METRIC_FUNCTION_CASES.items():
        lines.append(f"    {name!r}: {_literal(fn(keras.metrics))},")
    lines.append("}")
    lines.append("ACTIVATIONS = {")
    for name in ACTIVATION_NAMES:
        lines.append(f"    {name!r}: {_literal(getattr(keras.activations, name)(ACT_X))},")
    for name, fn in ACTIVATION_CALLS.items():
        lines.append(f"    {name!r}: {_literal(fn(keras.activations, ACT_X))},")
    lines.append("}")
    lines.append("OPTIMIZERS = {")
    for name in OPTIMIZER_CASES:
        lines.append(f"    {name!r}: {_literal(run_optimizer(keras, name, keras.Variable))},")
    for inner in ("SGD", "Adam"):
        lines.append(f"    'loss_scale_{inner.lower()}': "
                     f"{_literal(run_loss_scale(keras, inner, keras.Variable))},")
    lines.append("}")
    lines.append("OPTIMIZER_CONFIGS = {")
    for name in OPTIMIZER_CASES:
        config = make_optimizer(keras, name).get_config()
        config.pop("name")
        if isinstance(config["learning_rate"], dict):
            config["learning_rate"] = config["learning_rate"]["config"]
        lines.append(f"    {name!r}: {json.dumps(config, sort_keys=True)!r},")
    lines.append("}")
    lines.append("SCHEDULES = {")
    for name, kwargs in SCHEDULE_CASES.items():
        s = keras.optimizers.schedules.CosineDecayRestarts(**kwargs)
        lines.append(f"    {name!r}: {_literal([float(s(i)) for i in SCHEDULE_STEPS])},")
    lines.append("}")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
