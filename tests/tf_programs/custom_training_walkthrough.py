"""The TF custom-training walkthrough (penguins) on a generated CSV: make_csv_dataset with a label
column, packing feature dicts with tf.stack, a GradientTape loop with SGD, Mean and accuracy
metrics per epoch, argmax predictions and softmax probabilities."""
import os, tempfile
import numpy as np
import tensorflow as tf

path = os.path.join(tempfile.mkdtemp(), "penguins.csv")
rng = np.random.default_rng(1)
with open(path, "w") as f:
    f.write("species,culmen_length_mm,culmen_depth_mm,flipper_length_mm,body_mass_g\n")
    for i in range(120):
        s = i % 3
        f.write(f"{s},{rng.normal(40 + 5 * s):.2f},{rng.normal(17 - s):.2f},{rng.normal(190 + 10 * s):.1f},{rng.normal(3.7 + s * 0.5):.3f}\n")
column_names = ['species', 'culmen_length_mm', 'culmen_depth_mm', 'flipper_length_mm', 'body_mass_g']
feature_names = column_names[1:]
label_name = column_names[0]
class_names = ['Adélie', 'Chinstrap', 'Gentoo']
batch_size = 32
train_dataset = tf.data.experimental.make_csv_dataset(path, batch_size, column_names=column_names, label_name=label_name, num_epochs=1)
features, labels = next(iter(train_dataset))
print(sorted(features.keys()), labels.dtype)
def pack_features_vector(features, labels):
    features = tf.stack(list(features.values()), axis=1)
    return features, labels
train_dataset = train_dataset.map(pack_features_vector)
features, labels = next(iter(train_dataset))
print(features.shape)
model = tf.keras.Sequential([
    tf.keras.layers.Dense(10, activation=tf.nn.relu, input_shape=(4,)),
    tf.keras.layers.Dense(10, activation=tf.nn.relu),
    tf.keras.layers.Dense(3)
])
predictions = model(features)
print(tf.nn.softmax(predictions[:5]).shape)
print("Prediction: {}".format(tf.math.argmax(predictions, axis=1)).startswith("Prediction"))
loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
def loss(model, x, y, training):
    y_ = model(x, training=training)
    return loss_object(y_true=y, y_pred=y_)
l = loss(model, features, labels, training=False)
print("Loss test: {}".format(l).startswith("Loss test"))
def grad(model, inputs, targets):
    with tf.GradientTape() as tape:
        loss_value = loss(model, inputs, targets, training=True)
    return loss_value, tape.gradient(loss_value, model.trainable_variables)
optimizer = tf.keras.optimizers.SGD(learning_rate=0.01)
loss_value, grads = grad(model, features, labels)
print("Step: {}, Initial Loss: {}".format(optimizer.iterations.numpy(), loss_value.numpy()).startswith("Step: 0"))
optimizer.apply_gradients(zip(grads, model.trainable_variables))
print("Step: {},         Loss: {}".format(optimizer.iterations.numpy(), loss(model, features, labels, training=True).numpy()).startswith("Step: 1"))
train_loss_results = []
train_accuracy_results = []
for epoch in range(3):
    epoch_loss_avg = tf.keras.metrics.Mean()
    epoch_accuracy = tf.keras.metrics.SparseCategoricalAccuracy()
    for x, y in train_dataset:
        loss_value, grads = grad(model, x, y)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        epoch_loss_avg.update_state(loss_value)
        epoch_accuracy.update_state(y, model(x, training=True))
    train_loss_results.append(epoch_loss_avg.result())
    train_accuracy_results.append(epoch_accuracy.result())
    print("Epoch {:03d}: Loss: {:.3f}, Accuracy: {:.3%}".format(epoch, epoch_loss_avg.result(), epoch_accuracy.result())[:9])
test_accuracy = tf.keras.metrics.Accuracy()
ds_test_batch = train_dataset
for (x, y) in ds_test_batch:
    logits = model(x, training=False)
    prediction = tf.math.argmax(logits, axis=1, output_type=tf.int64)
    test_accuracy(prediction, y)
print("Test set accuracy: {:.3%}".format(test_accuracy.result())[:4])
predict_dataset = tf.convert_to_tensor([[0.3, 0.8, 0.4, 0.5], [0.4, 0.1, 0.8, 0.5], [0.7, 0.9, 0.8, 0.4]])
predictions = model(predict_dataset, training=False)
for i, logits in enumerate(predictions):
    class_idx = tf.math.argmax(logits).numpy()
    p = tf.nn.softmax(logits)[class_idx]
    name = class_names[class_idx]
    print("Example {} prediction: {} ({:4.1f}%)".format(i, name, 100*p)[:8])
print("ok")
