"""tf.keras.applications as the transfer-learning and image-classification guides use them:
a headless MobileNetV2 (weights=None: there is no download here) frozen under a new head and
trained, the family modules' preprocess_input, the architectures' layer names and parameter
counts, and the errors for what would need a download."""
import numpy as np
import tensorflow as tf

A = tf.keras.applications
IMG_SHAPE = (32, 32, 3)

base = A.MobileNetV2(input_shape=IMG_SHAPE, include_top=False, weights=None, alpha=0.35)
base.trainable = False
assert base.name == "mobilenetv2_0.35_32"
assert base.count_params() == 410208
assert [layer.name for layer in base.layers[:5]] == [
    "input_layer", "Conv1", "bn_Conv1", "Conv1_relu", "expanded_conv_depthwise"]
assert tuple(base.output_shape) == (None, 1, 1, 1280)

inputs = tf.keras.Input(shape=IMG_SHAPE)
x = A.mobilenet_v2.preprocess_input(inputs)
x = base(x, training=False)
x = tf.keras.layers.GlobalAveragePooling2D()(x)
x = tf.keras.layers.Dropout(0.2)(x)
outputs = tf.keras.layers.Dense(1)(x)
model = tf.keras.Model(inputs, outputs)
assert len(model.trainable_variables) == 2
model.compile(optimizer=tf.keras.optimizers.Adam(1e-3),
              loss=tf.keras.losses.BinaryCrossentropy(from_logits=True), metrics=["accuracy"])
rng = np.random.default_rng(0)
images = rng.uniform(0, 255, (16,) + IMG_SHAPE).astype("float32")
labels = (images.mean(axis=(1, 2, 3)) > 127.5).astype("float32")
frozen = [w.numpy().copy() for w in base.weights]
history = model.fit(images, labels, epochs=2, batch_size=8, verbose=0)
assert len(history.history["loss"]) == 2
assert all(np.array_equal(a, w.numpy()) for a, w in zip(frozen, base.weights))
assert model.predict(images[:3], verbose=0).shape == (3, 1)

# preprocess_input: "tf" scales to [-1, 1], "caffe" flips to BGR and subtracts the mean,
# "torch" normalises by ImageNet's mean and standard deviation
pixel = np.array([[[[255.0, 0.0, 127.5]]]], "float32")
np.testing.assert_allclose(A.mobilenet_v2.preprocess_input(pixel.copy()), [[[[1, -1, 0]]]])
np.testing.assert_allclose(A.resnet50.preprocess_input(pixel.copy()),
                           [[[[127.5 - 103.939, -116.779, 255 - 123.68]]]], rtol=1e-5)
np.testing.assert_allclose(A.vgg16.preprocess_input(tf.constant(pixel)).numpy(),
                           [[[[127.5 - 103.939, -116.779, 255 - 123.68]]]], rtol=1e-5)
np.testing.assert_allclose(A.densenet.preprocess_input(pixel.copy()),
                           [[[[(1 - .485) / .229, -.456 / .224, (.5 - .406) / .225]]]], rtol=1e-5)

# the architectures, as Keras 3 builds them
resnet = A.ResNet50(weights=None, include_top=False, input_shape=IMG_SHAPE, pooling="avg")
assert resnet.count_params() == 23587712 and tuple(resnet.output_shape) == (None, 2048)
assert [layer.name for layer in resnet.layers[7:10]] == [
    "conv2_block1_1_conv", "conv2_block1_1_bn", "conv2_block1_1_relu"]
vgg = A.VGG16(weights=None, input_shape=IMG_SHAPE, classes=3, classifier_activation=None)
assert [layer.name for layer in vgg.layers[-4:]] == ["flatten", "fc1", "fc2", "predictions"]
assert vgg.count_params() == 33609539
assert A.MobileNet(weights=None, include_top=False).count_params() == 3228864
assert A.ResNet50V2(weights=None, include_top=False).count_params() == 23564800
assert A.DenseNet121(weights=None, include_top=False).count_params() == 7037504
assert A.EfficientNetB0(weights=None, include_top=False).count_params() == 4049571
assert A.MobileNetV3Small(weights=None, include_top=False).count_params() == 939120
assert A.Xception(weights=None, include_top=False).count_params() == 20861480
assert A.InceptionV3(weights=None, include_top=False).count_params() == 21802784
assert A.VGG19(weights=None, include_top=False).count_params() == 20024384

# what needs a download (weights="imagenet" is the default) or a wrong argument raises
for build in (lambda: A.ResNet50(weights="imagenet", classes=10),
              lambda: A.MobileNetV2(input_shape=(16, 16, 3), include_top=False, weights=None),
              lambda: A.VGG16(weights=None, input_shape=(None, None, 3)),
              lambda: A.ResNet50(weights="/no/such/file.weights.h5")):
    try:
        build()
    except ValueError:
        pass
    else:
        raise AssertionError("expected a ValueError")
try:
    A.mobilenet_v2.decode_predictions(np.zeros((2, 10)))
except ValueError as e:
    assert "(samples, 1000)" in str(e)
else:
    raise AssertionError("expected a ValueError")
print("ok")
