"""The TF basic-regression and overfit-and-underfit tutorials on synthetic data: Normalization
adapted on arrays (axis=-1 and axis=None with input_shape), linear and DNN regressors, validation
splits, InverseTimeDecay, L2-regularized layers, packed/unbatched datasets with repeat and
steps_per_epoch, EarlyStopping on a metric."""
import numpy as np
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers, regularizers

rng = np.random.default_rng(0)
features = rng.normal(size=(300, 9)).astype("float32") * [1, 10, 100, 1000, 1, 1, 5, 1, 2]
labels = (features @ rng.normal(size=(9,)) + 3).astype("float32")
train_features, test_features = features[:240], features[240:]
train_labels, test_labels = labels[:240], labels[240:]

normalizer = tf.keras.layers.Normalization(axis=-1)
normalizer.adapt(np.array(train_features))
print(normalizer.mean.numpy().shape)
first = np.array(train_features[:1])
with np.printoptions(precision=2, suppress=True):
    print('Normalized:', normalizer(first).numpy().shape)

horsepower = np.array(train_features[:, 3])
horsepower_normalizer = layers.Normalization(input_shape=[1,], axis=None)
horsepower_normalizer.adapt(horsepower)
horsepower_model = tf.keras.Sequential([horsepower_normalizer, layers.Dense(units=1)])
horsepower_model.summary()
print(horsepower_model.predict(horsepower[:10], verbose=0).shape)
horsepower_model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=0.1), loss='mean_absolute_error')
history = horsepower_model.fit(train_features[:, 3], train_labels, epochs=3, verbose=0, validation_split=0.2)
print(sorted(history.history), len(history.epoch))
x = tf.linspace(0.0, 250, 251)
y = horsepower_model.predict(x, verbose=0)
assert y.shape == (251, 1)

linear_model = tf.keras.Sequential([normalizer, layers.Dense(units=1)])
linear_model.predict(train_features[:10], verbose=0)
print(linear_model.layers[1].kernel.shape)
linear_model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=0.1), loss='mean_absolute_error')
linear_model.fit(train_features, train_labels, epochs=3, verbose=0, validation_split=0.2)

def build_and_compile_model(norm):
    model = keras.Sequential([norm, layers.Dense(64, activation='relu'), layers.Dense(64, activation='relu'), layers.Dense(1)])
    model.compile(loss='mean_absolute_error', optimizer=tf.keras.optimizers.Adam(0.001))
    return model
dnn_model = build_and_compile_model(normalizer)
dnn_model.fit(train_features, train_labels, validation_split=0.2, verbose=0, epochs=3)
test_results = {}
test_results['dnn_model'] = dnn_model.evaluate(test_features, test_labels, verbose=0)
test_predictions = dnn_model.predict(test_features, verbose=0).flatten()
print(type(test_results['dnn_model']), test_predictions.shape)

# overfit and underfit
N_TRAIN = 240
BATCH_SIZE = 20
STEPS_PER_EPOCH = N_TRAIN // BATCH_SIZE
lr_schedule = tf.keras.optimizers.schedules.InverseTimeDecay(0.001, decay_steps=STEPS_PER_EPOCH * 1000, decay_rate=1, staircase=False)
def get_optimizer():
    return tf.keras.optimizers.Adam(lr_schedule)
print(float(lr_schedule(STEPS_PER_EPOCH * 1000)))
def get_callbacks(name):
    return [tf.keras.callbacks.EarlyStopping(monitor='val_binary_crossentropy', patience=200)]
ds = tf.data.Dataset.from_tensor_slices((train_features, (train_labels > 3).astype("float32")[:, None]))
packed_ds = ds.batch(20).map(lambda x, y: (x, y)).unbatch()
validate_ds = packed_ds.take(40).cache()
train_ds = packed_ds.skip(40).take(200).cache()
validate_ds = validate_ds.batch(BATCH_SIZE)
train_ds = train_ds.shuffle(100).repeat().batch(BATCH_SIZE)
def compile_and_fit(model, name, optimizer=None, max_epochs=3):
    if optimizer is None:
        optimizer = get_optimizer()
    model.compile(optimizer=optimizer,
                  loss=tf.keras.losses.BinaryCrossentropy(from_logits=True),
                  metrics=[tf.keras.metrics.BinaryCrossentropy(from_logits=True, name='binary_crossentropy'), 'accuracy'])
    model.summary()
    history = model.fit(train_ds, steps_per_epoch=STEPS_PER_EPOCH, epochs=max_epochs, validation_data=validate_ds,
                        callbacks=get_callbacks(name), verbose=0)
    return history
l2_model = tf.keras.Sequential([
    layers.Dense(32, activation='elu', kernel_regularizer=regularizers.l2(0.001), input_shape=(9,)),
    layers.Dropout(0.5),
    layers.Dense(32, activation='elu', kernel_regularizer=regularizers.l2(0.001)),
    layers.Dense(1)
])
h = compile_and_fit(l2_model, "regularizers/l2")
print(sorted(h.history))
result = l2_model(features[:4])
regularization_loss = tf.add_n(l2_model.losses)
print(regularization_loss.shape)
print("ok")
