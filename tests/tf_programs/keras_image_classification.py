"""The TF image-classification tutorial on generated PNG/JPEG files: image_dataset_from_directory
with a validation split, cache/shuffle/prefetch, Rescaling in a map, a data-augmentation Sequential
as the first layer (its input shape builds the outer model), fit, load_img, save and load."""
import os, tempfile
import numpy as np
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers

root = tempfile.mkdtemp()
rng = np.random.default_rng(0)
for cls in ["daisy", "roses", "tulips"]:
    os.makedirs(os.path.join(root, cls))
    for i in range(12):
        img = (rng.random((40, 50, 3)) * 255).astype("uint8")
        tf.io.write_file(os.path.join(root, cls, f"{i}.png"), tf.io.encode_png(img))
        if i % 4 == 0:
            tf.io.write_file(os.path.join(root, cls, f"{i}.jpg"), tf.io.encode_jpeg(img))

batch_size, img_height, img_width = 8, 32, 32
train_ds = tf.keras.utils.image_dataset_from_directory(root, validation_split=0.2, subset="training", seed=123,
                                                       image_size=(img_height, img_width), batch_size=batch_size)
val_ds = tf.keras.utils.image_dataset_from_directory(root, validation_split=0.2, subset="validation", seed=123,
                                                     image_size=(img_height, img_width), batch_size=batch_size)
class_names = train_ds.class_names
print(class_names)
for image_batch, labels_batch in train_ds:
    print(image_batch.shape, labels_batch.shape)
    break
AUTOTUNE = tf.data.AUTOTUNE
train_ds = train_ds.cache().shuffle(1000).prefetch(buffer_size=AUTOTUNE)
val_ds = val_ds.cache().prefetch(buffer_size=AUTOTUNE)
normalization_layer = layers.Rescaling(1./255)
normalized_ds = train_ds.map(lambda x, y: (normalization_layer(x), y))
image_batch, labels_batch = next(iter(normalized_ds))
first_image = image_batch[0]
print(float(np.min(first_image)) >= 0, float(np.max(first_image)) <= 1)
num_classes = len(class_names)
data_augmentation = keras.Sequential([
    layers.RandomFlip("horizontal", input_shape=(img_height, img_width, 3)),
    layers.RandomRotation(0.1),
    layers.RandomZoom(0.1),
])
model = keras.Sequential([
    data_augmentation,
    layers.Rescaling(1./255),
    layers.Conv2D(8, 3, padding='same', activation='relu'),
    layers.MaxPooling2D(),
    layers.Conv2D(16, 3, padding='same', activation='relu'),
    layers.MaxPooling2D(),
    layers.Dropout(0.2),
    layers.Flatten(),
    layers.Dense(32, activation='relu'),
    layers.Dense(num_classes, name="outputs")
])
model.compile(optimizer='adam', loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=['accuracy'])
model.summary()
assert model.count_params() == 34291, model.count_params()
history = model.fit(train_ds, validation_data=val_ds, epochs=2, verbose=0)
acc = history.history['accuracy']
val_acc = history.history['val_accuracy']
print(len(acc), len(val_acc))
path = os.path.join(root, "roses", "0.png")
img = tf.keras.utils.load_img(path, target_size=(img_height, img_width))
img_array = tf.keras.utils.img_to_array(img)
img_array = tf.expand_dims(img_array, 0)
predictions = model.predict(img_array, verbose=0)
score = tf.nn.softmax(predictions[0])
print(class_names[np.argmax(score)] in class_names, 100 * np.max(score) <= 100)
# TF Lite conversion is out of scope; saving
model.save(os.path.join(root, "m.keras"))
m2 = keras.models.load_model(os.path.join(root, "m.keras"))
np.testing.assert_allclose(m2.predict(img_array, verbose=0), predictions, rtol=1e-5, atol=1e-6)
print("ok")
