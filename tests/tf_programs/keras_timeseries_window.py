"""The TF time-series tutorial's WindowGenerator, LSTM and autoregressive FeedBack model on a
synthetic frame (timeseries_dataset_from_array, map with set_shape, RNN(return_state), LSTMCell
called step by step)."""
import numpy as np
import tensorflow as tf

# From the TF time-series tutorial: WindowGenerator over a synthetic frame
n = 400
t = np.arange(n, dtype=np.float32)
data = np.stack([np.sin(t / 10), np.cos(t / 7), t / n], axis=1).astype(np.float32)
column_indices = {"a": 0, "b": 1, "c": 2}

class WindowGenerator:
    def __init__(self, input_width, label_width, shift, label_columns=None):
        self.label_columns = label_columns
        self.label_columns_indices = {name: i for i, name in enumerate(label_columns)}
        self.input_width, self.label_width, self.shift = input_width, label_width, shift
        self.total_window_size = input_width + shift
        self.input_slice = slice(0, input_width)
        self.input_indices = np.arange(self.total_window_size)[self.input_slice]
        self.label_start = self.total_window_size - self.label_width
        self.labels_slice = slice(self.label_start, None)

    def split_window(self, features):
        inputs = features[:, self.input_slice, :]
        labels = features[:, self.labels_slice, :]
        labels = tf.stack([labels[:, :, column_indices[name]] for name in self.label_columns], axis=-1)
        inputs.set_shape([None, self.input_width, None])
        labels.set_shape([None, self.label_width, None])
        return inputs, labels

    def make_dataset(self, data):
        ds = tf.keras.utils.timeseries_dataset_from_array(
            data=np.array(data, dtype=np.float32), targets=None,
            sequence_length=self.total_window_size, sequence_stride=1, shuffle=True, batch_size=32, seed=0)
        return ds.map(self.split_window)

w = WindowGenerator(input_width=24, label_width=24, shift=1, label_columns=["a"])
train = w.make_dataset(data[:300])
val = w.make_dataset(data[300:])
for x, y in train.take(1):
    print(x.shape, y.shape)
    assert x.shape[1:] == (24, 3) and y.shape[1:] == (24, 1)
print(train.element_spec)

lstm_model = tf.keras.models.Sequential([
    tf.keras.layers.LSTM(16, return_sequences=True),
    tf.keras.layers.Dense(units=1)
])
early_stopping = tf.keras.callbacks.EarlyStopping(monitor='val_loss', patience=2, mode='min')
lstm_model.compile(loss=tf.keras.losses.MeanSquaredError(), optimizer=tf.keras.optimizers.Adam(),
                   metrics=[tf.keras.metrics.MeanAbsoluteError()])
h = lstm_model.fit(train, epochs=3, validation_data=val, callbacks=[early_stopping], verbose=0)
print(sorted(h.history))
print(lstm_model.evaluate(val, verbose=0, return_dict=True).keys())

# multi-step dense with reshape
OUT_STEPS = 5
multi = tf.keras.Sequential([
    tf.keras.layers.Lambda(lambda x: x[:, -1:, :]),
    tf.keras.layers.Dense(OUT_STEPS * 3, kernel_initializer=tf.initializers.zeros()),
    tf.keras.layers.Reshape([OUT_STEPS, 3])
])
out = multi(tf.zeros([2, 24, 3]))
assert out.shape == (2, 5, 3)

class FeedBack(tf.keras.Model):
    def __init__(self, units, out_steps):
        super().__init__()
        self.out_steps = out_steps
        self.units = units
        self.lstm_cell = tf.keras.layers.LSTMCell(units)
        self.lstm_rnn = tf.keras.layers.RNN(self.lstm_cell, return_state=True)
        self.dense = tf.keras.layers.Dense(3)

    def warmup(self, inputs):
        x, *state = self.lstm_rnn(inputs)
        prediction = self.dense(x)
        return prediction, state

    def call(self, inputs, training=None):
        predictions = []
        prediction, state = self.warmup(inputs)
        predictions.append(prediction)
        for n in range(1, self.out_steps):
            x = prediction
            x, state = self.lstm_cell(x, states=state, training=training)
            prediction = self.dense(x)
            predictions.append(prediction)
        predictions = tf.stack(predictions)
        predictions = tf.transpose(predictions, [1, 0, 2])
        return predictions

fb = FeedBack(units=8, out_steps=OUT_STEPS)
p, s = fb.warmup(tf.zeros([2, 24, 3]))
assert p.shape == (2, 3) and len(s) == 2
assert fb(tf.zeros([2, 24, 3])).shape == (2, 5, 3)
def split_multi(x):
    return x[:, :24, :], x[:, 24:, :]
ds = tf.keras.utils.timeseries_dataset_from_array(data, None, sequence_length=29, batch_size=16).map(split_multi)
fb.compile(loss="mse", optimizer="adam")
fb.fit(ds, epochs=1, verbose=0)
print("ok")
