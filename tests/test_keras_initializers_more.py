"""Keras 3's initializer names and classes beyond the basic ones (Identity, STFT, snake_case
aliases, deserialize) and the keras.preprocessing namespace; expected values are Keras 3.15's."""
import numpy as np
import pytest

from graphflow import keras
import graphflow as tf

# keras.initializers.STFT(*args)((5, 1, 4)), first 12 values (Keras 3.15, rounded to 5 places)
STFT_KERAS = {
    ("real", "hann", "density", False): [0.0, 0.0, 0.0, 0.0, 0.40825, 0.20412, -0.20412, -0.40825,
                                         0.8165, -0.40825, -0.40825, 0.8165],
    ("imag", "hamming", "spectrum", True): [-0.0, -0.0, -0.0, -0.0, -0.0, -0.12761, -0.12761, 0.0,
                                            -0.0, -0.29257, 0.29257, -0.0],
    ("real", None, None, False): [1.0, 1.0, 1.0, 1.0, 1.0, 0.5, -0.5, -1.0, 1.0, -0.5, -0.5, 1.0],
}


@pytest.mark.parametrize("args", sorted(STFT_KERAS, key=str))
def test_stft_initializer_matches_keras(args):
    k = keras.initializers.STFT(*args)((5, 1, 4))
    assert k.dtype == tf.float32 and k.shape == (5, 1, 4)
    np.testing.assert_allclose(k.numpy().ravel()[:12], STFT_KERAS[args], atol=1e-5)


def test_stft_initializer_window_values_and_errors():
    k = keras.initializers.STFTInitializer("imag", [1.0, 2.0, 3.0, 4.0, 5.0], "density")((5, 1, 4))
    np.testing.assert_allclose(k.numpy().ravel()[5:7], [-0.23355, -0.23355], atol=1e-5)
    with pytest.raises(ValueError, match="side should be 'real' or 'imag'"):
        keras.initializers.STFT("both")
    with pytest.raises(ValueError, match="Scaling is invalid"):
        keras.initializers.STFT(scaling="l3")
    with pytest.raises(ValueError, match="unknown window 'kaiserish'"):
        keras.initializers.STFT(window="kaiserish")
    with pytest.raises(ValueError, match="must be equal to \\[frame_length\\]"):
        keras.initializers.STFT(window=[1.0, 2.0])((5, 1, 4))


def test_identity_initializer():
    np.testing.assert_array_equal(keras.initializers.Identity(2.0)((2, 3)).numpy(),
                                  [[2, 0, 0], [0, 2, 0]])
    assert keras.initializers.IdentityInitializer is keras.initializers.Identity
    with pytest.raises(ValueError, match="only be used for 2D matrices.*rank 3"):
        keras.initializers.Identity()((2, 2, 2))
    layer = keras.layers.Dense(3, kernel_initializer="identity")
    layer.build((None, 3))
    np.testing.assert_array_equal(layer.kernel.numpy(), np.eye(3))


def test_snake_case_names_are_the_classes():
    ini = keras.initializers
    assert ini.zeros is ini.Zeros and ini.glorot_uniform is ini.GlorotUniform
    assert ini.orthogonal is ini.OrthogonalInitializer is ini.Orthogonal
    assert tf.initializers.random_normal is ini.RandomNormal
    assert isinstance(ini.get("stft"), ini.STFT)
    dense = keras.layers.Dense(2, kernel_initializer=tf.initializers.zeros())
    dense.build((None, 2))
    assert not dense.kernel.numpy().any()


def test_deserialize_round_trip():
    ini = keras.initializers
    config = ini.serialize(ini.STFT("imag", "hamming", None, True))
    back = ini.deserialize(config)
    assert isinstance(back, ini.STFT) and back.get_config() == config["config"]
    assert ini.deserialize({"class_name": "Constant", "config": {"value": 2.0}}).value == 2.0
    assert isinstance(ini.deserialize("he_normal"), ini.HeNormal)


def test_preprocessing_namespace():
    pre = keras.preprocessing
    assert pre.timeseries_dataset_from_array is keras.utils.timeseries_dataset_from_array
    assert pre.sequence.pad_sequences([[1, 2], [3]]).tolist() == [[1, 2], [0, 3]]
    x = np.arange(2 * 4 * 6 * 3, dtype="float32").reshape(2, 4, 6, 3)
    out = pre.image.smart_resize(x, (3, 3))
    assert isinstance(out, np.ndarray) and out.shape == (2, 3, 3, 3)
    assert pre.image.smart_resize(x[0], (2, 2))[:, :, 0].tolist() == [[13.5, 19.5], [49.5, 55.5]]
    with pytest.raises(ValueError, match="incorrect rank, of shape \\(3, 3\\)"):
        pre.image.smart_resize(np.zeros((3, 3)), (2, 2))
    assert keras.InputSpec is keras.layers.InputSpec
    assert keras.saving.serialize_keras_object is keras.utils.serialize_keras_object
