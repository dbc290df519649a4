"""The structured-data and audio guides' Keras pieces: keras.utils.FeatureSpace (adapt, calls on
batches, in Dataset.map and on one sample, the functional training and inference models, save and
load), tf.audio.encode_wav / decode_wav, keras.utils.audio_dataset_from_directory on WAV files
written to a temporary directory, and keras.regularizers.OrthogonalRegularizer."""
import os
import tempfile
import wave

import numpy as np
import tensorflow as tf
import keras
from keras.utils import FeatureSpace

root = tempfile.mkdtemp()
rng = np.random.default_rng(0)

# -- FeatureSpace, as in "Structured data classification with FeatureSpace" ----------------------
n = 24
columns = {
    "age": rng.uniform(20, 80, n).astype("float32"),
    "chol": rng.uniform(100, 300, n).astype("float32"),
    "sex": rng.integers(0, 2, n).astype("int64"),
    "thal": np.array(["fixed", "normal", "reversible"])[rng.integers(0, 3, n)],
    "slope": rng.integers(1, 4, n).astype("int64"),
}
target = rng.integers(0, 2, n)
train_ds = tf.data.Dataset.from_tensor_slices((columns, target)).batch(8)
feature_space = FeatureSpace(
    features={
        "sex": FeatureSpace.integer_categorical(num_oov_indices=0),
        "slope": FeatureSpace.integer_categorical(num_oov_indices=0),
        "thal": FeatureSpace.string_categorical(num_oov_indices=0),
        "age": FeatureSpace.float_discretized(num_bins=4),
        "chol": FeatureSpace.float_normalized(),
    },
    crosses=[FeatureSpace.cross(feature_names=("sex", "age"), crossing_dim=8),
             FeatureSpace.cross(feature_names=("thal", "slope"), crossing_dim=6)],
    output_mode="concat",
)
feature_space.adapt(train_ds.map(lambda x, _: x))
assert feature_space.preprocessors["thal"].get_vocabulary() == ["reversible", "normal", "fixed"]
assert np.allclose(feature_space.preprocessors["age"].bin_boundaries,
                   [27.457, 52.6175, 63.7793], atol=1e-3)
x, _ = next(iter(train_ds))
encoded = feature_space(x)
assert encoded.shape == (8, 4 + 1 + 2 + 3 + 3 + 8 + 6) and encoded.dtype == tf.float32
first = encoded.numpy()[0]
assert np.nonzero(first == 1)[0].tolist() == [2, 5, 7, 11, 19, 26]
assert abs(first[4] - 0.18354978) < 1e-5  # chol, normalized
preprocessed = train_ds.map(lambda x, y: (feature_space(x), y))
assert preprocessed.element_spec[0] == tf.TensorSpec([None, 27], tf.float32)
assert np.allclose(next(iter(preprocessed))[0].numpy(), encoded.numpy(), rtol=1e-6)
one = feature_space({name: value[0] for name, value in columns.items()})
assert one.shape == (27,) and np.allclose(one.numpy(), first)

dict_inputs = feature_space.get_inputs()
encoded_features = feature_space.get_encoded_features()
hidden = keras.layers.Dense(8, activation="relu")(encoded_features)
predictions = keras.layers.Dense(1, activation="sigmoid")(hidden)
training_model = keras.Model(inputs=encoded_features, outputs=predictions)
training_model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
history = training_model.fit(preprocessed, epochs=2, verbose=0)
assert len(history.history["loss"]) == 2
inference_model = keras.Model(inputs=dict_inputs, outputs=predictions)
sample = {name: tf.convert_to_tensor([value[0]]) for name, value in columns.items()}
assert np.allclose(inference_model.predict(sample, verbose=0),
                   training_model.predict(one[None], verbose=0), rtol=1e-5)

path = os.path.join(root, "feature_space.keras")
feature_space.save(path)
reloaded = keras.saving.load_model(path)
assert np.allclose(reloaded(x).numpy(), encoded.numpy())

as_dict = FeatureSpace(features={"sex": "integer_categorical", "chol": "float_normalized"},
                       output_mode="dict")
as_dict.adapt({"sex": columns["sex"], "chol": columns["chol"]})
parts = as_dict({"sex": columns["sex"][:2], "chol": columns["chol"][:2]})
assert sorted(parts) == ["chol", "sex"] and parts["sex"].shape == (2, 3)

# -- tf.audio and audio_dataset_from_directory -----------------------------------------------------
signal = np.array([[0.0], [0.5], [-0.25], [1.0]], np.float32)
wav = tf.audio.encode_wav(signal, 16000)
audio, rate = tf.audio.decode_wav(wav, desired_channels=2)
assert int(rate) == 16000 and audio.shape == (4, 2)
assert audio.numpy()[:, 1].tolist() == [0.0, 0.5, -0.25, 32767 / 32768]
assert tf.audio.decode_wav(wav, desired_samples=6).audio.numpy()[4:].tolist() == [[0.0], [0.0]]

for label, lengths in [("no", [30, 20]), ("yes", [25, 40, 10])]:
    os.makedirs(os.path.join(root, "speech", label))
    for i, length in enumerate(lengths):
        with wave.open(os.path.join(root, "speech", label, f"{i}.wav"), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(8000)
            w.writeframes(rng.integers(-3000, 3000, length).astype("<i2").tobytes())
speech = keras.utils.audio_dataset_from_directory(
    os.path.join(root, "speech"), batch_size=2, shuffle=False, verbose=False)
assert speech.class_names == ["no", "yes"]
assert speech.element_spec == (tf.TensorSpec([None, None, None], tf.float32),
                               tf.TensorSpec([None], tf.int32))
assert [(a.shape[1], y.numpy().tolist()) for a, y in speech] == [(30, [0, 0]), (40, [1, 1]),
                                                                 (10, [1])]
train, val = keras.utils.audio_dataset_from_directory(
    os.path.join(root, "speech"), batch_size=2, validation_split=0.4, subset="both", seed=3,
    output_sequence_length=32, verbose=False)
assert train.element_spec[0].shape.as_list() == [None, 32, None]
model = keras.Sequential([keras.Input((32, 1)), keras.layers.Flatten(),
                          keras.layers.Dense(2, kernel_regularizer=keras.regularizers.
                                             OrthogonalRegularizer(factor=0.01, mode="columns"))])
model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
assert len(model.fit(train, validation_data=val, epochs=2, verbose=0).history["val_loss"]) == 2
ragged = keras.utils.audio_dataset_from_directory(
    os.path.join(root, "speech"), batch_size=5, shuffle=False, ragged=True, verbose=False)
assert next(iter(ragged))[0].row_lengths().numpy().tolist() == [30, 20, 25, 40, 10]

# -- OrthogonalRegularizer -------------------------------------------------------------------------
kernel = tf.constant([[1.0, 2.0, 0.5], [0.3, -1.0, 2.0], [0.0, 1.0, 1.0], [2.0, 2.0, -1.0]])
regularizer = keras.regularizers.OrthogonalRegularizer(factor=0.1)
assert abs(float(regularizer(kernel)) - 0.0459754) < 1e-6
again = keras.regularizers.deserialize(keras.regularizers.serialize(regularizer))
assert again.get_config() == {"factor": 0.10000000149011612, "mode": "rows"}
print("ok")
