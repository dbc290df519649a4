"""keras.ops.ctc_loss / ctc_decode and keras.losses.CTC over tf.nn's CTC ops: the numbers Keras
3.15 (TF 2.21 backend) printed for the same inputs (/tmp/kctc.py of the session that built it)."""
import numpy as np
import pytest

from graphflow import keras

RNG = np.random.default_rng(0)
LOGITS = RNG.standard_normal((2, 6, 5)).astype("float32")
Y = np.array([[1, 2, 2, 0], [3, 4, 0, 0]], "int32")


def test_ctc_loss_matches_keras():
    loss = keras.ops.ctc_loss(Y, LOGITS, np.array([3, 2]), np.array([6, 5]))
    np.testing.assert_allclose(np.asarray(loss), [8.370889663696289, 5.5206499099731445], rtol=1e-6)
    wide = keras.ops.ctc_loss(Y, LOGITS.astype("float64"), np.array([3, 2]), np.array([6, 5]),
                              mask_index=4)
    assert wide.dtype.name == "float64"
    np.testing.assert_allclose(np.asarray(wide), [7.54736, 4.34194], atol=2e-5)


def test_ctc_loss_class_and_function():
    assert abs(float(keras.losses.CTC()(Y, LOGITS)) - 7.45737) < 1e-5
    np.testing.assert_allclose(np.asarray(keras.losses.ctc(Y, LOGITS)),
                               [8.370889663696289, 6.543839931488037], rtol=1e-6)
    assert keras.losses.CTC().get_config() == {"name": "ctc", "reduction": "sum_over_batch_size"}
    assert isinstance(keras.losses.get("ctc"), keras.losses.CTC)
    with pytest.raises(ValueError, match="y_true"):
        keras.losses.ctc(Y[0], LOGITS)


def test_ctc_decode_matches_keras():
    d, s = keras.ops.ctc_decode(LOGITS, np.array([6, 4]))
    assert np.asarray(d).tolist() == [[[2, 1, 4, 1, 4, -1], [3, 4, 1, 2, -1, -1]]]
    np.testing.assert_allclose(np.asarray(s), [[-4.6149001121521], [-5.508500099182129]], rtol=1e-5)
    d, s = keras.ops.ctc_decode(LOGITS, np.array([6, 4]), strategy="beam_search", beam_width=5,
                                top_paths=2)
    assert np.asarray(d).tolist() == [[[2, 1, 4, 1, -1, -1], [4, 1, 2, -1, -1, -1]],
                                      [[2, 1, 4, -1, -1, -1], [4, 2, -1, -1, -1, -1]]]
    np.testing.assert_allclose(np.asarray(s), [[-4.0766, -4.2161], [-3.7782, -3.8483]], atol=1e-4)
    d, _ = keras.ops.ctc_decode(LOGITS, np.array([6, 6]), mask_index=2, merge_repeated=False)
    assert np.asarray(d).tolist() == [[[1, 1, 4, 1, 4, -1], [3, 4, 1, 3, -1, -1]]]
    with pytest.raises(ValueError, match="Invalid strategy"):
        keras.ops.ctc_decode(LOGITS, np.array([6, 6]), strategy="best")


def test_a_model_trains_with_the_ctc_loss():
    m = keras.Sequential([keras.Input((6, 3)), keras.layers.Dense(5)])
    m.compile("adam", keras.losses.CTC())
    x = RNG.standard_normal((4, 6, 3)).astype("float32")
    y = np.array([[1, 2, 0], [3, 0, 0], [1, 1, 2], [4, 3, 0]], "int32")
    history = m.fit(x, y, epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
