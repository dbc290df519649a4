"""The real-valued tf.signal functions: framing, overlap-add, windows, DCTs, mel filters and
MFCCs (the audio-features pipeline of the TF audio tutorials, without the FFT)."""
import numpy as np
import tensorflow as tf

x = tf.reshape(tf.range(10.0), (1, 10))
assert tf.signal.frame(x, 4, 3).numpy().tolist() == [[[0, 1, 2, 3], [3, 4, 5, 6], [6, 7, 8, 9]]]
assert tf.signal.frame(x, 4, 3, pad_end=True, pad_value=-1).numpy().tolist()[0][-1] == [9, -1, -1, -1]
assert tf.signal.frame(tf.range(10), 3, 2, axis=0).numpy().tolist() == \
    [[0, 1, 2], [2, 3, 4], [4, 5, 6], [6, 7, 8]]
np.testing.assert_allclose(tf.signal.hann_window(5).numpy(), [0, 0.5, 1, 0.5, 0], atol=1e-7)
np.testing.assert_allclose(tf.signal.hamming_window(4).numpy(), [0.08, 0.54, 1.0, 0.54], atol=1e-6)
np.testing.assert_allclose(tf.signal.vorbis_window(4).numpy(), [0.22801, 0.97366, 0.97366, 0.22801],
                           atol=1e-5)
np.testing.assert_allclose(tf.signal.kaiser_window(4).numpy(), np.kaiser(4, 12.0), atol=1e-6)
frames = tf.reshape(tf.range(12.0), (3, 4))
np.testing.assert_array_equal(tf.signal.overlap_and_add(frames, 2).numpy(),
                              [0, 1, 6, 8, 14, 16, 10, 11])
mel = tf.signal.linear_to_mel_weight_matrix(num_mel_bins=4, num_spectrogram_bins=9,
                                            sample_rate=8000, lower_edge_hertz=20.0,
                                            upper_edge_hertz=4000.0)
assert mel.shape == (9, 4)
np.testing.assert_allclose(mel.numpy()[1:4], [[0.63857, 0.36143, 0, 0], [0, 0.71028, 0.28972, 0],
                                              [0, 0.02313, 0.97687, 0]], atol=1e-4)
d = tf.constant([[1.0, 2.0, 3.0, 4.0]])
np.testing.assert_allclose(tf.signal.dct(d).numpy(), [[20.0, -6.30864, 0.0, -0.44834]], atol=1e-4)
np.testing.assert_allclose(tf.signal.dct(d, norm="ortho").numpy(), [[5.0, -2.23044, 0.0, -0.15851]],
                           atol=1e-4)
np.testing.assert_allclose(tf.signal.dct(d, type=1).numpy(), [[15.0, -4.0, 0.0, -1.0]], atol=1e-4)
np.testing.assert_allclose(tf.signal.dct(d, type=3).numpy(), [[11.99963, -9.10294, 2.61766, -1.51434]],
                           atol=1e-4)
np.testing.assert_allclose(tf.signal.idct(tf.signal.dct(d, norm="ortho"), norm="ortho").numpy(),
                           d.numpy(), atol=1e-5)
np.testing.assert_allclose(tf.signal.mfccs_from_log_mel_spectrograms(d).numpy(),
                           [[7.07107, -2.23044, 0.0, -0.15851]], atol=1e-4)


@tf.function
def features(audio):
    framed = tf.signal.frame(audio, 8, 4) * tf.signal.hann_window(8)
    return tf.signal.mfccs_from_log_mel_spectrograms(tf.math.log(tf.abs(framed) + 1e-3))


assert features(tf.random.normal([2, 32])).shape == (2, 7, 8)
print("ok")
