"""keras.utils.FeatureSpace, tf.audio.decode_wav / encode_wav, keras.utils.
audio_dataset_from_directory and keras.regularizers.OrthogonalRegularizer / deserialize: values,
specs, messages and errors checked against TF 2.21 / Keras 3.15 (the expected numbers below are
what they returned for the same inputs)."""
import os
import wave

import numpy as np
import pytest

import graphflow as tf
from graphflow import keras
from graphflow.errors import InvalidArgumentError

FeatureSpace = keras.utils.FeatureSpace


# -- tf.audio ----------------------------------------------------------------------------------

SIGNAL = np.array([[0.0, 0.5], [-1.0, 1.0], [0.25, -0.3], [2.0, -2.0], [1 / 65536, 0.99999]],
                  np.float32)


def test_encode_wav_bytes_are_tfs():
    wav = tf.audio.encode_wav(SIGNAL, 16000).numpy()
    assert wav[:44] == (b"RIFF8\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x02\x00\x80>\x00\x00"
                        b"\x00\xfa\x00\x00\x04\x00\x10\x00data\x14\x00\x00\x00")
    # x * 32768 rounded half away from zero, clamped: 2**-16 -> 1, 1.0 -> 32767
    assert np.frombuffer(wav[44:], "<i2").tolist() == [0, 16384, -32768, 32767, 8192, -9830,
                                                       32767, -32768, 1, 32767]
    assert tf.audio.encode_wav(tf.zeros([0, 1]), 100).numpy() == (
        b"RIFF$\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00d\x00\x00\x00\xc8\x00\x00\x00"
        b"\x02\x00\x10\x00data\x00\x00\x00\x00")


def test_decode_wav_values_channels_samples():
    wav = tf.audio.encode_wav(SIGNAL, 16000)
    decoded = tf.audio.decode_wav(wav)
    assert decoded.sample_rate.dtype == tf.int32 and int(decoded.sample_rate) == 16000
    audio, rate = decoded
    assert audio.dtype == tf.float32 and audio.shape == (5, 2)
    assert audio.numpy()[:, 1].tolist() == [0.5, 0.999969482421875, -0.29998779296875, -1.0,
                                            0.999969482421875]
    three = tf.audio.decode_wav(wav, desired_channels=3).audio.numpy()
    np.testing.assert_array_equal(three[:, 2], three[:, 1])  # the last channel repeated
    assert tf.audio.decode_wav(wav, desired_channels=1).audio.shape == (5, 1)
    assert tf.audio.decode_wav(wav, desired_channels=0).audio.shape == (5, 0)  # as TF
    padded = tf.audio.decode_wav(wav, desired_samples=7).audio.numpy()
    assert padded.shape == (7, 2) and not padded[5:].any()
    assert tf.audio.decode_wav(wav, desired_samples=2).audio.numpy().tolist() == [
        [0.0, 0.5], [-1.0, 0.999969482421875]]


def test_decode_wav_reads_files_written_by_the_wave_module(tmp_path):
    path = str(tmp_path / "a.wav")
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(np.array([0, 1000, -2000], "<i2").tobytes())
    audio, rate = tf.audio.decode_wav(tf.io.read_file(path))
    assert int(rate) == 8000
    assert audio.numpy()[:, 0].tolist() == [0.0, 1000 / 32768, -2000 / 32768]


def test_decode_wav_in_a_function_has_tfs_static_shapes():
    shapes = []

    @tf.function
    def f(contents):
        a = tf.audio.decode_wav(contents, desired_channels=2, desired_samples=10).audio
        b = tf.audio.decode_wav(contents, desired_channels=1).audio
        c, rate = tf.audio.decode_wav(contents)
        shapes.extend([a.shape.as_list(), b.shape.as_list(), c.shape.as_list(),
                       rate.shape.as_list()])
        return a
    assert f(tf.audio.encode_wav(SIGNAL, 8000)).shape == (10, 2)
    assert shapes == [[10, 2], [None, 1], [None, None], []]


def _wav_with_width(width):
    import io
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(width)
        w.setframerate(8000)
        w.writeframes(b"\x00" * 4 * width)
    return buffer.getvalue()


def _riff(fmt_fields=(1, 1, 8000, 16000, 2, 16), chunks=b"", data=b"\x01\x00\xfe\xff\x03\x00",
          data_size=None):
    import struct
    fmt = struct.pack("<4sIHHIIHH", b"fmt ", 16, *fmt_fields)
    body = b"WAVE" + fmt + chunks + b"data" + struct.pack(
        "<I", len(data) if data_size is None else data_size) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


def test_decode_wav_skips_other_chunks():
    even = _riff(chunks=b"LIST\x04\x00\x00\x00abcd")
    assert (tf.audio.decode_wav(even).audio.numpy()[:, 0] * 32768).tolist() == [1, -2, 3]
    # an odd-sized chunk is followed by RIFF's pad byte (TF's reader does not skip it)
    odd = _riff(chunks=b"LIST\x05\x00\x00\x00abcde\x00")
    assert (tf.audio.decode_wav(odd).audio.numpy()[:, 0] * 32768).tolist() == [1, -2, 3]


@pytest.mark.parametrize("contents,message", [
    (_riff()[:-2], "decode_wav: No data chunk found in WAV"),
    (_riff(data_size=5, data=b"\x01\x00\xfe\xff\x03"), "Data too short when trying to read"),
    (_riff(fmt_fields=(1, 2, 8000, 16000, 2, 16)),
     "Bad bytes per sample in WAV header: Expected 4 but got 2"),
    (_riff(fmt_fields=(3, 1, 8000, 16000, 2, 16)), r"Expected 1 \(PCM\), but got 3"),
    (b"garbage", "decode_wav: Header mismatch: Expected RIFF but found garb"),
    (b"RIFF" + b"\x00" * 40, "Header mismatch: Expected WAVE"),
    (b"", "decode_wav: Data too short when trying to read string"),
    (_wav_with_width(1), "Can only read 16-bit WAV files, but received 8"),
    (_wav_with_width(4), "Can only read 16-bit WAV files, but received 32"),
])
def test_decode_wav_errors(contents, message):
    with pytest.raises(InvalidArgumentError, match=message):
        tf.audio.decode_wav(contents)


def test_wav_argument_errors():
    wav = tf.audio.encode_wav(SIGNAL, 8000)
    with pytest.raises(InvalidArgumentError, match="decode_wav: contents must be a scalar"):
        tf.audio.decode_wav(tf.stack([wav, wav]))
    with pytest.raises(InvalidArgumentError, match=r"encode_wav: audio must be 2-dimensional"):
        tf.audio.encode_wav(tf.zeros([3]), 100)
    with pytest.raises(InvalidArgumentError, match="encode_wav: audio must be a float32"):
        tf.audio.encode_wav(tf.zeros([2, 2], tf.float64), 100)
    with pytest.raises(InvalidArgumentError, match="sample_rate must be positive"):
        tf.audio.encode_wav(tf.zeros([2, 2]), 0)


# -- audio_dataset_from_directory --------------------------------------------------------------

@pytest.fixture
def audio_dir(tmp_path):
    for c, lengths in (("down", [5, 3]), ("up", [4, 6, 2])):
        os.makedirs(tmp_path / c)
        for i, n in enumerate(lengths):
            with wave.open(str(tmp_path / c / f"{i}.wav"), "wb") as w:
                w.setnchannels(1)
                w.setsampwidth(2)
                w.setframerate(8000)
                w.writeframes((np.arange(n) * 1000 + 1000 * (c == "up")).astype("<i2").tobytes())
    (tmp_path / "up" / "notes.txt").write_text("not audio")
    return tmp_path


def test_audio_dataset_padded_batches(audio_dir, capsys):
    ds = keras.utils.audio_dataset_from_directory(audio_dir, batch_size=2, shuffle=False)
    assert capsys.readouterr().out == "Found 5 files belonging to 2 classes.\n"
    assert ds.element_spec == (tf.TensorSpec([None, None, None], tf.float32),
                               tf.TensorSpec([None], tf.int32))
    assert ds.class_names == ["down", "up"]
    batches = [(x.shape.as_list(), y.numpy().tolist()) for x, y in ds]
    assert batches == [([2, 5, 1], [0, 0]), ([2, 6, 1], [1, 1]), ([1, 2, 1], [1])]
    first = next(iter(ds))[0].numpy()[..., 0]
    np.testing.assert_array_equal(first[1], np.arange(5) * 1000 / 32768 * (np.arange(5) < 3))


def test_audio_dataset_fixed_length_categorical(audio_dir):
    ds = keras.utils.audio_dataset_from_directory(audio_dir, batch_size=2, shuffle=False,
                                                  output_sequence_length=4,
                                                  label_mode="categorical", verbose=False)
    assert ds.element_spec == (tf.TensorSpec([None, 4, None], tf.float32),
                               tf.TensorSpec([None, 2], tf.float32))
    x, y = next(iter(ds))
    assert x.numpy()[..., 0].tolist() == [[0.0, 0.030517578125, 0.06103515625, 0.091552734375],
                                          [0.0, 0.030517578125, 0.06103515625, 0.0]]
    assert y.numpy().tolist() == [[1.0, 0.0], [1.0, 0.0]]


def test_audio_dataset_ragged_unlabeled_and_split(audio_dir):
    ds = keras.utils.audio_dataset_from_directory(audio_dir, batch_size=2, shuffle=False,
                                                  ragged=True, label_mode="binary", verbose=False)
    assert ds.element_spec[0] == tf.RaggedTensorSpec([None, None, None], tf.float32, 2, tf.int64)
    assert [x.row_lengths().numpy().tolist() for x, _ in ds] == [[5, 3], [4, 6], [2]]
    assert next(iter(ds))[1].numpy().tolist() == [[0.0], [0.0]]
    unlabeled = keras.utils.audio_dataset_from_directory(audio_dir, labels=None, batch_size=None,
                                                         shuffle=False, verbose=False)
    assert unlabeled.element_spec == tf.TensorSpec([None, None], tf.float32)
    train, val = keras.utils.audio_dataset_from_directory(
        audio_dir, batch_size=2, validation_split=0.4, subset="both", seed=1, verbose=False)
    assert len(list(train.unbatch())) == 3 and len(list(val.unbatch())) == 2


@pytest.mark.parametrize("kwargs,error,message", [
    ({"ragged": True, "output_sequence_length": 3}, InvalidArgumentError,
     "Cannot set both `ragged` and `output_sequence_length`"),
    ({"sampling_rate": 1.5}, InvalidArgumentError, "`sampling_rate` should have an integer"),
    ({"sampling_rate": 0}, InvalidArgumentError, "`sampling_rate` should be higher than 0"),
    ({"sampling_rate": 16000}, ImportError, "tensorflow_io"),
    ({"label_mode": "x"}, InvalidArgumentError, "`label_mode` argument must be one of"),
    ({"labels": [0, 1], "class_names": ["a"]}, InvalidArgumentError,
     "You can only pass `class_names` if"),
])
def test_audio_dataset_argument_errors(audio_dir, kwargs, error, message):
    with pytest.raises(error, match=message):
        keras.utils.audio_dataset_from_directory(audio_dir, verbose=False, **kwargs)


def test_audio_dataset_file_errors(tmp_path):
    with pytest.raises(InvalidArgumentError, match="No audio files found in directory"):
        keras.utils.audio_dataset_from_directory(tmp_path, verbose=False)
    os.makedirs(tmp_path / "a")
    (tmp_path / "a" / "bad.wav").write_bytes(b"garbage")
    bad = str(tmp_path / "a" / "bad.wav")
    with pytest.raises(InvalidArgumentError, match=f"cannot read {bad}: decode_wav: Header "
                                                   "mismatch: Expected RIFF"):
        keras.utils.audio_dataset_from_directory(tmp_path, verbose=False)


def test_audio_dataset_trains_a_model(audio_dir):
    ds = keras.utils.audio_dataset_from_directory(audio_dir, batch_size=2, seed=0,
                                                  output_sequence_length=6, verbose=False)
    model = keras.Sequential([keras.Input((6, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(2)])
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(ds, epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()


# -- OrthogonalRegularizer, regularizers.deserialize ------------------------------------------

KERNEL = np.array([[1., 2., 0.5], [0.3, -1., 2.], [0., 1., 1.], [2, 2, -1]], np.float32)


def test_orthogonal_regularizer_values_are_keras():
    R = keras.regularizers
    assert float(R.OrthogonalRegularizer(0.1, "rows")(tf.constant(KERNEL))) == \
        pytest.approx(0.04597541317343712, rel=1e-6)
    assert float(R.OrthogonalRegularizer(0.1, "columns")(tf.constant(KERNEL))) == \
        pytest.approx(0.04038309305906296, rel=1e-6)
    assert float(R.orthogonal_regularizer(factor=0.3)(KERNEL)) == \
        pytest.approx(0.13792623579502106, rel=1e-6)
    assert float(R.OrthogonalRegularizer(0.1)(tf.zeros([3, 2]))) == 0.0  # zero rows stay zero
    with np.errstate(invalid="ignore"):
        assert np.isnan(float(R.OrthogonalRegularizer(2.0)(KERNEL[:1])))  # no pairs, as Keras
    assert R.OrthogonalRegularizer(0.1, "columns").get_config() == {
        "factor": 0.10000000149011612, "mode": "columns"}


def test_orthogonal_regularizer_in_a_layer_differentiates():
    layer = keras.layers.Dense(3, kernel_regularizer=keras.regularizers.OrthogonalRegularizer(0.5))
    layer.build((None, 4))
    with tf.GradientTape() as tape:
        loss = tf.add_n(layer.losses)
    grad = tape.gradient(loss, layer.kernel)
    assert float(loss) > 0 and grad is not None and np.isfinite(grad.numpy()).all()


@pytest.mark.parametrize("kwargs,message", [
    ({"factor": -1}, "Invalid value for argument factor: expected a non-negative float"),
    ({"factor": "a"}, "non-negative float"), ({"factor": float("nan")}, "non-negative float"),
    ({"mode": "diag"}, 'Expected one of {"rows", "columns"}. Received: mode=diag'),
])
def test_orthogonal_regularizer_argument_errors(kwargs, message):
    with pytest.raises(InvalidArgumentError, match=message):
        keras.regularizers.OrthogonalRegularizer(**kwargs)


def test_orthogonal_regularizer_rank_error():
    with pytest.raises(InvalidArgumentError, match="must have rank 2. Received: inputs.shape="):
        keras.regularizers.OrthogonalRegularizer()(tf.zeros([2, 2, 2]))


def test_regularizers_deserialize():
    R = keras.regularizers
    reg = R.deserialize(R.serialize(R.OrthogonalRegularizer(0.2, "columns")))
    assert isinstance(reg, R.OrthogonalRegularizer) and reg.get_config() == {
        "factor": 0.20000000298023224, "mode": "columns"}
    assert R.deserialize({"class_name": "L1L2", "config": {"l1": 0.1, "l2": 0.2}}).get_config() \
        == {"l1": 0.1, "l2": 0.2}
    assert type(R.deserialize("l1")) is R.L1
    assert type(R.deserialize("orthogonal_regularizer")) is R.OrthogonalRegularizer
    assert R.get("orthogonal_regularizer").get_config()["mode"] == "rows"
    with pytest.raises(InvalidArgumentError, match="Unknown regularizer 'nope'"):
        R.deserialize("nope")  # Keras returns the string
    with pytest.raises(InvalidArgumentError, match="Could not interpret regularizer"):
        R.deserialize(3)

    @keras.saving.register_keras_serializable(package="test_fs")
    class Half(R.Regularizer):
        def __call__(self, x):
            return 0.5 * tf.reduce_sum(x)
    assert isinstance(R.deserialize(R.serialize(Half())), Half)


# -- FeatureSpace --------------------------------------------------------------------------------

def _columns(n=20):
    rng = np.random.default_rng(0)
    return {
        "age": rng.uniform(20, 80, n).astype("float32"),
        "fare": rng.uniform(0, 100, n).astype("float32"),
        "scaled": rng.uniform(0, 10, n).astype("float32"),
        "plain": rng.uniform(-1, 1, n).astype("float32"),
        "sex": rng.integers(0, 2, n).astype("int64"),
        "cls": rng.integers(1, 4, n).astype("int64"),
        "city": np.array(["a", "b", "c", "d"])[rng.integers(0, 4, n)],
        "tag": np.array(["x", "y", "zz"])[rng.integers(0, 3, n)],
        "code": rng.integers(0, 1000, n).astype("int64"),
    }, rng.integers(0, 2, n)


def _space(output_mode="concat"):
    return FeatureSpace(
        features={
            "age": FeatureSpace.float_discretized(num_bins=4),
            "fare": FeatureSpace.float_normalized(),
            "scaled": FeatureSpace.float_rescaled(scale=0.1, offset=1.0),
            "plain": FeatureSpace.float(),
            "sex": FeatureSpace.integer_categorical(num_oov_indices=0),
            "cls": "integer_categorical",
            "city": FeatureSpace.string_categorical(),
            "tag": FeatureSpace.string_hashed(num_bins=5),
            "code": FeatureSpace.integer_hashed(num_bins=7),
        },
        crosses=[FeatureSpace.cross(("sex", "city"), crossing_dim=8), ("cls", "tag")],
        crossing_dim=6, output_mode=output_mode)


@pytest.fixture
def adapted():
    data, labels = _columns()
    ds = tf.data.Dataset.from_tensor_slices((data, labels)).batch(8)
    fs = _space()
    fs.adapt(ds.map(lambda x, _: x))
    return fs, ds, data


# Keras 3.15's output for the first four rows: the positions of the ones, and the three float
# columns (fare normalized, plain, scaled rescaled)
KERAS_ONES = [[2, 7, 10, 18, 23, 25, 35, 40], [1, 6, 10, 13, 23, 25, 35, 42],
              [0, 6, 10, 17, 24, 25, 35, 41], [0, 7, 10, 16, 24, 25, 35, 39]]
KERAS_FLOATS = [[-1.9262464046478271, -0.19089631736278534, 1.5715298652648926],
                [-1.579236388206482, -0.6029739379882812, 1.3218693733215332],
                [0.3963654339313507, -0.8184939026832581, 1.5943000316619873],
                [0.3116234242916107, 0.16066476702690125, 1.3379112482070923]]


def test_feature_space_values_are_keras(adapted):
    fs, ds, data = adapted
    x, _ = next(iter(ds))
    out = fs(x)
    assert out.shape == (8, 44) and out.dtype == tf.float32
    o = out.numpy()
    assert [np.nonzero(r == 1)[0].tolist() for r in o[:4]] == KERAS_ONES
    np.testing.assert_allclose(o[:4, 20:23], KERAS_FLOATS, rtol=2e-6)
    assert fs.preprocessors["age"].bin_boundaries == pytest.approx(
        [30.539337158203125, 52.61750030517578, 68.79621124267578], rel=1e-6)
    assert fs.preprocessors["city"].get_vocabulary() == ["[UNK]", "d", "b", "a", "c"]
    assert fs.preprocessors["cls"].get_vocabulary() == [-1, 3, 2, 1]
    assert fs.preprocessors["sex"].get_vocabulary() == [1, 0]
    np.testing.assert_allclose(fs.preprocessors["fare"].mean.numpy(), [[56.10119]], rtol=1e-6)
    np.testing.assert_allclose(fs.preprocessors["fare"].variance.numpy(), [[764.7667]],
                               rtol=1e-6)


def test_feature_space_in_dataset_map_and_on_one_sample(adapted):
    fs, ds, data = adapted
    x, _ = next(iter(ds))
    expected = fs(x).numpy()
    mapped = ds.map(lambda x, y: (fs(x), y))
    assert mapped.element_spec == (tf.TensorSpec([None, 44], tf.float32),
                                   tf.TensorSpec([None], tf.int64))
    # compiled, the rescaling may round differently in the last place
    np.testing.assert_allclose(next(iter(mapped))[0].numpy(), expected, rtol=1e-6)
    single = fs({k: v[0] for k, v in data.items()})
    assert single.shape == (44,)
    np.testing.assert_array_equal(single.numpy(), expected[0])
    unbatched = tf.data.Dataset.from_tensor_slices(data).map(fs)
    assert unbatched.element_spec == tf.TensorSpec([44], tf.float32)


def test_feature_space_functional_models(adapted):
    fs, ds, data = adapted
    inputs = fs.get_inputs()
    assert {k: (v.shape.as_list(), v.dtype.name) for k, v in inputs.items()} == {
        "age": ([None, 1], "float32"), "city": ([None, 1], "string"),
        "cls": ([None, 1], "int32"), "code": ([None, 1], "int32"),
        "fare": ([None, 1], "float32"), "plain": ([None, 1], "float32"),
        "scaled": ([None, 1], "float32"), "sex": ([None, 1], "int32"),
        "tag": ([None, 1], "string")}
    encoded = fs.get_encoded_features()
    assert encoded.shape.as_list() == [None, 44]
    hidden = keras.layers.Dense(4, activation="relu")(encoded)
    pred = keras.layers.Dense(1, activation="sigmoid")(hidden)
    training_model = keras.Model(inputs=encoded, outputs=pred)  # as the Keras example does
    training_model.compile("adam", "binary_crossentropy")
    training_model.fit(ds.map(lambda x, y: (fs(x), y)), epochs=1, verbose=0)
    inference = keras.Model(inputs=inputs, outputs=pred)
    raw = inference.predict({k: tf.convert_to_tensor(v[:3]) for k, v in data.items()}, verbose=0)
    encoded_rows = fs({k: v[:3] for k, v in data.items()})
    np.testing.assert_allclose(raw, training_model.predict(encoded_rows, verbose=0), rtol=1e-6)


def test_feature_space_dict_mode():
    data, _ = _columns()
    keys = ("sex", "city", "fare", "tag")
    fs = FeatureSpace(
        features={"sex": FeatureSpace.integer_categorical(num_oov_indices=0, output_mode="int"),
                  "city": "string_categorical", "fare": "float_normalized",
                  "tag": FeatureSpace.string_hashed(3)},
        crosses=[("sex", "city")], crossing_dim=4, output_mode="dict")
    fs.adapt(tf.data.Dataset.from_tensor_slices({k: data[k] for k in keys}))
    out = fs({k: data[k][:4] for k in keys})
    assert sorted(out) == ["city", "fare", "sex", "sex_X_city", "tag"]
    assert out["sex"].dtype == tf.int64 and out["sex"].numpy().tolist() == [[0], [0], [1], [1]]
    assert out["city"].numpy().tolist() == [[0, 0, 0, 1, 0], [0, 0, 1, 0, 0], [0, 0, 1, 0, 0],
                                            [0, 0, 0, 1, 0]]
    assert out["sex_X_city"].numpy().tolist() == [[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0],
                                                  [0, 0, 0, 1]]
    assert out["tag"].numpy().tolist() == [[0, 0, 1]] * 4
    np.testing.assert_allclose(out["fare"].numpy()[:, 0], [-1.9262464, -1.5792364, 0.39636543,
                                                           0.31162342], rtol=2e-6)


def test_feature_space_by_names_preset_layers_and_scalars():
    fs = FeatureSpace({"x": "float_discretized", "h": "integer_hashed"},
                      num_discretization_bins=3, hashing_dim=4)
    fs.adapt({"x": np.arange(12, dtype="float32"), "h": np.arange(12)})
    assert fs.preprocessors["x"].bin_boundaries == [3.0, 7.0]
    assert fs({"x": np.array([0.5, 5.0, 11.0]), "h": np.array([1, 2, 3])}).numpy().tolist() == [
        [0, 1, 0, 0, 1, 0, 0], [0, 0, 0, 1, 0, 1, 0], [0, 1, 0, 0, 0, 0, 1]]
    preset = FeatureSpace({
        "n": FeatureSpace.feature("float32", keras.layers.Normalization(mean=2.0, variance=4.0),
                                  "float"),
        "c": FeatureSpace.feature("int32", keras.layers.IntegerLookup(), "one_hot")})
    preset.adapt({"n": np.array([1.0, 4.0]), "c": np.array([5, 7])})
    assert preset({"n": np.array([1.0, 4.0]), "c": np.array([5, 7])}).numpy().tolist() == [
        [0.0, 0.0, 1.0, -0.5], [0.0, 1.0, 0.0, 1.0]]
    assert preset({"n": 1.0, "c": 6}).numpy().tolist() == [1.0, 0.0, 0.0, -0.5]
    assert preset({"n": [[1.0], [3.0]], "c": [[6], [5]]}).numpy().tolist() == [
        [1.0, 0.0, 0.0, -0.5], [0.0, 0.0, 1.0, 0.5]]
    # nothing to adapt: usable at once (also Discretization given its boundaries, which
    # Keras 3.15 can neither use unadapted nor adapt)
    plain = FeatureSpace({"a": "float", "b": FeatureSpace.float_rescaled(2.0),
                          "d": FeatureSpace.float_discretized(None, bin_boundaries=[0.0, 1.0])})
    assert plain({"a": np.array([1.0, 2.0]), "b": np.array([3.0, 4.0]),
                  "d": np.array([-1.0, 0.5])}).numpy().tolist() == [[1.0, 6.0, 1, 0, 0],
                                                                    [2.0, 8.0, 0, 1, 0]]


def test_feature_space_save_and_load(adapted, tmp_path):
    fs, ds, data = adapted
    x, _ = next(iter(ds))
    path = str(tmp_path / "fs.keras")
    fs.save(path)
    loaded = keras.saving.load_model(path)
    assert type(loaded) is FeatureSpace
    np.testing.assert_array_equal(loaded(x).numpy(), fs(x).numpy())
    assert loaded.preprocessors["city"].get_vocabulary() == ["[UNK]", "d", "b", "a", "c"]
    np.testing.assert_array_equal(loaded.preprocessors["fare"].mean.numpy(),
                                  fs.preprocessors["fare"].mean.numpy())
    config = fs.get_config()
    assert sorted(config) == ["crosses", "crossing_dim", "features", "hashing_dim", "name",
                              "num_discretization_bins", "output_mode"]
    assert config["crosses"][0] == {"class_name": "Cross", "config": {
        "feature_names": ["sex", "city"], "crossing_dim": 8, "output_mode": "one_hot"}}
    again = FeatureSpace.from_config(config)  # a fresh, unadapted copy
    with pytest.raises(InvalidArgumentError, match="You need to call `.adapt"):
        again(x)


@pytest.mark.parametrize("make,message", [
    (lambda: FeatureSpace(features={}), "The `features` argument cannot be None or empty"),
    (lambda: FeatureSpace({"a": "bogus"}), "Invalid feature type: bogus"),
    (lambda: FeatureSpace({"a": "float"}, output_mode="x"),
     "Expected one of {'dict', 'concat'}. Received: output_mode=x"),
    (lambda: FeatureSpace({"a": "float"}, crosses=[("a", "b")]),
     r"Received unknown features: \('a', 'b'\)"),
    (lambda: FeatureSpace.cross(("a", "b"), 3, output_mode="x"), "{'int', 'one_hot'}"),
    (lambda: FeatureSpace.feature("float32", None, "bad"), "{'int', 'one_hot', 'float'}"),
    (lambda: FeatureSpace({"a": "float_normalized"})({"a": np.ones(3)}),
     r"You need to call `.adapt\(dataset\)` on the FeatureSpace"),
    (lambda: FeatureSpace({"a": "float"})(np.ones(3)), "can only be called with a dict"),
    (lambda: FeatureSpace({"a": "float"})({"b": np.ones(3)}), r"lacks the features \['a'\]"),
    (lambda: FeatureSpace({"a": "float_normalized"}).adapt([1, 2]),
     "can only be called on a tf.data.Dataset or a dict"),
    (lambda: FeatureSpace({"a": FeatureSpace.integer_categorical(output_mode="int")}).adapt(
        {"a": np.array([1, 2, 3])}),
     "Cannot concatenate features because feature 'a' has not been encoded \\(it has dtype "
     "int64\\)"),
    (lambda: FeatureSpace({"a": FeatureSpace.feature("float32", keras.layers.Rescaling(2.0),
                                                     "one_hot")}).get_inputs(),
     "Feature 'a' has `output_mode='one_hot'`. Thus its preprocessor should return an integer"),
])
def test_feature_space_errors(make, message):
    with pytest.raises(InvalidArgumentError, match=message):
        make()


def test_model_on_intermediate_tensors_gets_new_inputs(tmp_path):
    """Keras 3: Model(inputs=a layer's output) replaces that tensor by a new Input and shares
    the layers downstream (what FeatureSpace's training model relies on)."""
    x = keras.Input((3,), name="raw")
    h = keras.layers.Dense(4, name="d1")(x)
    y = keras.layers.Dense(2, name="d2")(h)
    head = keras.Model(h, y)
    assert [type(l).__name__ for l in head.layers] == ["InputLayer", "Dense"]
    assert head.inputs[0].shape.as_list() == [None, 4] and head.layers[1] is y._keras_history[0]
    whole = keras.Model(x, y)
    batch = np.ones((2, 3), np.float32)
    hidden = whole.get_layer("d1")(batch)
    np.testing.assert_allclose(head(hidden).numpy(), whole(batch).numpy(), rtol=1e-6)
    path = str(tmp_path / "head.keras")
    head.save(path)
    np.testing.assert_allclose(keras.models.load_model(path)(hidden).numpy(),
                               head(hidden).numpy(), rtol=1e-6)
    other = keras.layers.Dense(2)(x)
    with pytest.raises(InvalidArgumentError, match="Graph disconnected"):
        keras.Model(h, keras.layers.Add()([y, other]))
