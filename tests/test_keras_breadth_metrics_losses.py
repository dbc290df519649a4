"""The Keras 3.15 activations, losses and metrics graphflow added for breadth, against values
Keras 3.15 computed on the same data (tests/keras_breadth_expected.py, written by
tests/keras_breadth_cases.py under TF 2.21's keras): streaming over batches, sample weights,
reset_state, result dtypes, traced updates, configs, compile() string names and compiled fit.
sparsemax, where graphflow differs from Keras on purpose, is checked against NumPy."""
import json

import numpy as np
import pytest

import graphflow as tf
from graphflow import keras
from graphflow.errors import InvalidArgumentError

import keras_breadth_cases as cases
import keras_breadth_expected as expected


def close(got, want, tol=2e-6):
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    assert got.shape == want.shape, (got.shape, want.shape)
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


# -- activations ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", cases.ACTIVATION_NAMES)
def test_activation_matches_keras(name):
    close(getattr(keras.activations, name)(tf.constant(cases.ACT_X)), expected.ACTIVATIONS[name])


@pytest.mark.parametrize("name", sorted(cases.ACTIVATION_CALLS))
def test_activation_options_match_keras(name):
    close(cases.ACTIVATION_CALLS[name](keras.activations, tf.constant(cases.ACT_X)),
          expected.ACTIVATIONS[name])


def _np_sparsemax(z):
    """The simplex projection of Martins & Astudillo (2016), row by row."""
    out = np.empty_like(z)
    for i, row in enumerate(z):
        s = np.sort(row)[::-1]
        cum = np.cumsum(s)
        k = np.arange(1, len(s) + 1)
        support = 1 + k * s > cum
        kz = k[support][-1]
        tau = (cum[kz - 1] - 1) / kz
        out[i] = np.maximum(row - tau, 0)
    return out


def test_sparsemax_is_the_simplex_projection():
    # Keras 3.15's sparsemax takes tau from the sum of the cumulative sums over the support,
    # so its rows do not sum to 1 (README: differences); graphflow's are the projection.
    got = keras.activations.sparsemax(tf.constant(cases.ACT_X)).numpy()
    close(got, _np_sparsemax(cases.ACT_X), 1e-6)
    close(got.sum(-1), np.ones(3), 1e-6)
    cols = keras.activations.sparsemax(tf.constant(cases.ACT_X), axis=0).numpy()
    close(cols, _np_sparsemax(cases.ACT_X.T).T, 1e-6)


def test_activations_by_name_in_layers_and_configs():
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(4, activation="gelu"),
                              keras.layers.Dense(4, activation="hard_swish"),
                              keras.layers.Dense(2, activation="mish")])
    assert model.layers[0].activation is keras.activations.gelu
    configs = [layer.get_config()["activation"] for layer in model.layers]
    assert configs == ["gelu", "hard_silu", "mish"]  # Keras saves the function's name
    clone = keras.Sequential.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    x = cases.ACT_X
    close(clone.predict(x, verbose=0), model.predict(x, verbose=0), 1e-6)
    # gelu by name is the exact (erf) form, as keras.activations.gelu's default
    close(keras.activations.get("gelu")(tf.constant(cases.ACT_X)), expected.ACTIVATIONS["gelu"])


def test_activation_get_serialize_deserialize():
    A = keras.activations
    assert A.get("swish") is A.silu and A.get("hard_swish") is A.hard_silu
    assert A.serialize(A.swish) == "silu" and A.serialize(A.celu) == "celu"
    assert A.deserialize("sparse_plus") is A.sparse_plus
    assert A.deserialize({"module": "keras.activations", "class_name": "function",
                          "config": "tanh_shrink", "registered_name": "tanh_shrink"}) \
        is A.tanh_shrink
    with pytest.raises(InvalidArgumentError, match="Unknown activation 'swishy'"):
        A.deserialize("swishy")
    with pytest.raises(InvalidArgumentError, match="divisible by 2"):
        A.glu(tf.ones((2, 3)))


def test_activations_are_differentiable_in_a_function():
    @tf.function
    def grads(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.reduce_sum(keras.activations.mish(x) + keras.activations.celu(x, 0.5)
                              + keras.activations.squareplus(x)) + \
                tf.reduce_sum(keras.activations.glu(x))
        return tape.gradient(y, x)

    x = cases.ACT_X.astype(np.float64)
    g = grads(tf.constant(x)).numpy()

    def f(v):
        return float(tf.reduce_sum(keras.activations.mish(v) + keras.activations.celu(v, 0.5)
                                   + keras.activations.squareplus(v))
                     + tf.reduce_sum(keras.activations.glu(v)))
    eps = 1e-6
    for idx in [(0, 0), (1, 3), (2, 5)]:
        a, b = x.copy(), x.copy()
        a[idx] += eps
        b[idx] -= eps
        assert abs((f(tf.constant(a)) - f(tf.constant(b))) / (2 * eps) - g[idx]) < 1e-5


# -- losses ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(cases.LOSS_CASES))
def test_loss_matches_keras(name):
    close(cases.LOSS_CASES[name](keras.losses), expected.LOSSES[name])


@pytest.mark.parametrize("cls", sorted(cases.LOSS_CONFIGS))
def test_loss_config_matches_keras_and_round_trips(cls):
    loss = getattr(keras.losses, cls)(**cases.LOSS_CONFIGS[cls])
    assert loss.get_config() == json.loads(expected.LOSS_CONFIGS[cls])
    again = keras.losses.deserialize(keras.losses.serialize(loss))
    assert type(again) is type(loss) and again.get_config() == loss.get_config()


def test_loss_string_names():
    for name, cls in [("binary_focal_crossentropy", "BinaryFocalCrossentropy"),
                      ("categorical_focal_crossentropy", "CategoricalFocalCrossentropy"),
                      ("dice", "Dice"), ("tversky", "Tversky"), ("circle", "Circle"),
                      ("CategoricalGeneralizedCrossEntropy", "CategoricalGeneralizedCrossEntropy")]:
        assert type(keras.losses.get(name)).__name__ == cls


def test_loss_errors():
    with pytest.raises(InvalidArgumentError, match=r"q must be in the interval \(0, 1\)"):
        keras.losses.CategoricalGeneralizedCrossEntropy(q=1.5)
    with pytest.raises(InvalidArgumentError, match="same shape"):
        keras.losses.binary_focal_crossentropy(np.zeros((4, 3)), np.zeros((4, 2)))
    with pytest.raises(InvalidArgumentError, match="circle: y_pred must be embeddings"):
        keras.losses.circle(np.zeros(4), np.zeros((4, 2, 2)))


def test_circle_gradient_is_finite_with_singleton_classes():
    # class 3 has one sample: its positive set is empty after removing the diagonal
    emb = tf.Variable(cases.EMBEDDINGS)
    with tf.GradientTape() as tape:
        loss = keras.losses.Circle()(cases.EMB_LABELS, tf.math.l2_normalize(emb, 1))
    g = tape.gradient(loss, emb).numpy()
    assert np.isfinite(g).all() and np.abs(g).sum() > 0
    close(loss, expected.LOSSES["circle"], 1e-5)


@pytest.mark.parametrize("loss", ["binary_focal_crossentropy", "dice", "tversky"])
def test_losses_in_compiled_fit(loss):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 5)).astype(np.float32)
    y = (x[:, :2] > 0).astype(np.float32)
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(2, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss=loss)
    history = model.fit(x, y, batch_size=16, epochs=4, verbose=0)
    losses = history.history["loss"]
    assert np.isfinite(losses).all() and losses[-1] < losses[0]
    # evaluate's loss is the eager loss object's on the same predictions (one batch)
    want = keras.losses.get(loss)(y, model.predict(x, verbose=0))
    close(model.evaluate(x, y, batch_size=64, verbose=0), want, 1e-5)


def test_circle_and_generalized_ce_in_compiled_fit():
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 3, 48)
    x = (np.eye(3)[labels] + 0.3 * rng.standard_normal((48, 3))).astype(np.float32)
    keras.utils.set_random_seed(2)
    inputs = keras.Input((3,))
    emb = keras.layers.Lambda(lambda t: tf.math.l2_normalize(t, 1))(keras.layers.Dense(4)(inputs))
    model = keras.Model(inputs, emb)
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss=keras.losses.Circle(gamma=8.0))
    hist = model.fit(x, labels, batch_size=16, epochs=5, verbose=0).history["loss"]
    assert np.isfinite(hist).all() and hist[-1] < hist[0]
    clf = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3, activation="softmax")])
    clf.compile(optimizer=keras.optimizers.Adam(0.05),
                loss=keras.losses.CategoricalGeneralizedCrossEntropy(q=0.7))
    hist = clf.fit(x, labels, batch_size=16, epochs=5, verbose=0).history["loss"]
    assert np.isfinite(hist).all() and hist[-1] < hist[0]


# -- metrics --------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(cases.METRIC_CASES))
def test_metric_matches_keras(name):
    got = cases.run_metric(keras.metrics, name, lambda r: r.numpy())
    want = expected.METRICS[name]
    close(got["plain"], want["plain"], 5e-6)
    close(got["weighted"], want["weighted"], 5e-6)
    assert got["dtype"] == want["dtype"]


@pytest.mark.parametrize("name", ["tp_even", "precision_at_recall", "mean_iou_ignore",
                                  "fbeta_weighted", "r2", "pearson", "one_hot_iou"])
def test_metric_traced_update_matches_keras(name):
    def traced(m):
        return tf.function(lambda *args: m.update_state(*args))
    got = cases.run_metric(keras.metrics, name, lambda r: r.numpy(), update=traced)
    close(got["plain"], expected.METRICS[name]["plain"], 5e-6)
    close(got["weighted"], expected.METRICS[name]["weighted"], 5e-6)


@pytest.mark.parametrize("name", list(cases.METRIC_CASES))
def test_metric_config_matches_keras_and_round_trips(name):
    make, _ = cases.METRIC_CASES[name]
    m = make(keras.metrics)
    config = m.get_config()
    want = json.loads(expected.METRIC_CONFIGS[name])
    config.pop("name"), want.pop("name")  # Keras numbers repeated default names
    assert json.loads(json.dumps(config)) == want
    again = keras.metrics.deserialize(keras.metrics.serialize(m))
    assert type(again) is type(m) and again.get_config() == m.get_config()


@pytest.mark.parametrize("name", sorted(cases.METRIC_FUNCTION_CASES))
def test_metric_function_matches_keras(name):
    close(cases.METRIC_FUNCTION_CASES[name](keras.metrics), expected.METRIC_FUNCTIONS[name])


def test_metric_errors():
    M = keras.metrics
    with pytest.raises(InvalidArgumentError, match="`beta` must be a Python float"):
        M.FBetaScore(beta=1)
    with pytest.raises(InvalidArgumentError, match="invalid `average`"):
        M.F1Score(average="samples")
    with pytest.raises(InvalidArgumentError, match="target class id 3 is out of range"):
        M.IoU(3, [0, 3])
    with pytest.raises(InvalidArgumentError, match="`recall` must be in the range"):
        M.PrecisionAtRecall(1.5)
    with pytest.raises(InvalidArgumentError, match="expects 2D inputs"):
        M.R2Score().update_state(np.zeros(4), np.zeros(4))
    with pytest.raises(InvalidArgumentError, match="thresholds must be in"):
        M.TruePositives(thresholds=[0.5, 2.0])


def test_metric_string_names_compile_and_fit():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((40, 4)).astype(np.float32)
    y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 40)]
    keras.utils.set_random_seed(4)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy",
                  metrics=cases.METRIC_STRINGS)
    history = model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    for name in cases.METRIC_STRINGS:
        assert name in history.history
    results = model.evaluate(x, y, batch_size=40, verbose=0, return_dict=True)
    pred = model.predict(x, verbose=0)
    for name in cases.METRIC_STRINGS:
        m = keras.metrics.get(name)
        assert m.name == name
        m.update_state(y, pred)
        close(results[name], m.result(), 1e-5)
