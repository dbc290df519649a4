"""Writes tests/data/tf_volume_goldens.npz from real TensorFlow 2.21 / Keras 3.15 (never a
dependency): tf.nn's 3-D pooling and transposed 3-D convolution (values and the input/filter
gradients for a random cotangent), tf.nn.pool / max_pool / avg_pool on 5-D inputs, and the
Keras layers Conv3DTranspose, MaxPooling3D, AveragePooling3D, ConvLSTM1D/2D/3D on given weights
(their outputs, and for the ConvLSTMs also the returned states). Run from the repository root:

    ~/.venv-tf/bin/python tests/data/make_volume_goldens.py

tests/test_conv_volume.py compares graphflow against these arrays; OP_CASES and LAYER_CASES
are shared with it (plain Python: importing this module imports neither TF nor graphflow).
TF's oneDNN kernels stay on: without them TF 2.21's CPU Conv3DBackpropInputV2 refuses
dilations."""
import os

# (key, tf.nn function, input shape, filter shape or None, keyword arguments)
OP_CASES = [
    ("max_pool3d_same", "max_pool3d", (2, 5, 4, 3, 2), None,
     {"ksize": 2, "strides": 2, "padding": "SAME"}),
    ("max_pool3d_valid", "max_pool3d", (1, 6, 5, 4, 3), None,
     {"ksize": [3, 2, 2], "strides": [1, 2, 1], "padding": "VALID"}),
    ("max_pool3d_5form", "max_pool3d", (1, 4, 6, 5, 1), None,
     {"ksize": [1, 2, 3, 3, 1], "strides": [1, 1, 2, 2, 1], "padding": "SAME"}),
    ("avg_pool3d_same", "avg_pool3d", (2, 5, 4, 3, 2), None,
     {"ksize": [2, 3, 3], "strides": 2, "padding": "SAME"}),
    ("avg_pool3d_valid", "avg_pool3d", (1, 6, 5, 4, 3), None,
     {"ksize": 3, "strides": [2, 1, 1], "padding": "VALID"}),
    # data_format given: TF 2.21's MaxPool3D/AvgPool3D gradients fail without it (their
    # data_format attr is None when tf.nn.max_pool/avg_pool pass None)
    ("max_pool_5d", "max_pool", (1, 4, 4, 4, 2), None,
     {"ksize": 2, "strides": 2, "padding": "SAME", "data_format": "NDHWC"}),
    ("avg_pool_5d", "avg_pool", (1, 5, 4, 4, 2), None,
     {"ksize": [2, 2, 2], "strides": 1, "padding": "VALID", "data_format": "NDHWC"}),
    ("pool_max_3d", "pool", (1, 5, 5, 4, 2), None,
     {"window_shape": [2, 3, 2], "pooling_type": "MAX", "strides": [2, 1, 2],
      "padding": "SAME"}),
    ("pool_avg_3d", "pool", (1, 5, 5, 4, 2), None,
     {"window_shape": [2, 2, 2], "pooling_type": "AVG", "padding": "SAME"}),
    ("pool_avg_dilated", "pool", (1, 6, 5, 5, 2), None,
     {"window_shape": [2, 2, 2], "pooling_type": "AVG", "padding": "VALID",
      "dilations": [2, 1, 2]}),
    ("pool_max_dilated_2d", "pool", (1, 7, 6, 2), None,
     {"window_shape": [2, 3], "pooling_type": "MAX", "padding": "VALID", "dilations": [3, 2]}),
    ("conv3d_transpose_same", "conv3d_transpose", (2, 2, 3, 2, 3), (2, 3, 2, 4, 3),
     {"output_shape": [2, 4, 6, 4, 4], "strides": [1, 2, 2, 2, 1], "padding": "SAME"}),
    ("conv3d_transpose_valid", "conv3d_transpose", (1, 3, 2, 4, 2), (2, 2, 3, 3, 2),
     {"output_shape": [1, 4, 3, 9, 3], "strides": [1, 1, 2], "padding": "VALID"}),
    ("conv3d_transpose_dil", "conv3d_transpose", (1, 3, 4, 3, 2), (2, 2, 2, 2, 2),
     {"output_shape": [1, 5, 5, 5, 2], "strides": 1, "padding": "VALID",
      "dilations": [1, 2, 1, 2, 1]}),
    ("conv3d_transpose_odd", "conv3d_transpose", (1, 3, 3, 3, 1), (3, 3, 3, 2, 1),
     {"output_shape": [1, 5, 6, 5, 2], "strides": 2, "padding": "SAME"}),
    ("conv_transpose_5d", "conv_transpose", (1, 2, 2, 2, 2), (2, 2, 2, 3, 2),
     {"output_shape": [1, 4, 4, 4, 3], "strides": 2, "padding": "SAME"}),
]

# (key, Keras layer, input shape, keyword arguments)
LAYER_CASES = [
    ("Conv3DTranspose_valid", "Conv3DTranspose", (2, 3, 2, 3, 2),
     {"filters": 3, "kernel_size": (2, 3, 2)}),
    ("Conv3DTranspose_same_strided", "Conv3DTranspose", (1, 2, 3, 2, 3),
     {"filters": 2, "kernel_size": 3, "strides": (2, 1, 2), "padding": "same",
      "activation": "relu"}),
    ("Conv3DTranspose_output_padding", "Conv3DTranspose", (1, 2, 2, 3, 2),
     {"filters": 2, "kernel_size": 3, "strides": 2, "output_padding": (1, 0, 1),
      "use_bias": False}),
    ("Conv3DTranspose_dilated", "Conv3DTranspose", (1, 3, 3, 2, 1),
     {"filters": 2, "kernel_size": 2, "dilation_rate": (2, 1, 2), "padding": "valid"}),
    ("MaxPooling3D_same", "MaxPooling3D", (2, 5, 4, 3, 2),
     {"pool_size": (2, 3, 2), "strides": (2, 1, 2), "padding": "same"}),
    ("AveragePooling3D_same", "AveragePooling3D", (2, 5, 4, 3, 2),
     {"pool_size": 2, "padding": "same"}),
    ("AveragePooling3D_valid", "AveragePooling3D", (1, 6, 5, 4, 2),
     {"pool_size": (3, 2, 2), "strides": 1}),
    ("ConvLSTM1D_seq", "ConvLSTM1D", (2, 4, 6, 3),
     {"filters": 2, "kernel_size": 3, "padding": "same", "return_sequences": True}),
    ("ConvLSTM1D_strided_state", "ConvLSTM1D", (2, 3, 7, 2),
     {"filters": 3, "kernel_size": 2, "strides": 2, "return_state": True,
      "go_backwards": True}),
    ("ConvLSTM2D_valid", "ConvLSTM2D", (2, 3, 5, 5, 2),
     {"filters": 2, "kernel_size": (3, 2)}),
    ("ConvLSTM2D_seq_state", "ConvLSTM2D", (1, 4, 4, 5, 1),
     {"filters": 3, "kernel_size": 3, "padding": "same", "return_sequences": True,
      "return_state": True, "activation": "relu", "recurrent_activation": "hard_sigmoid",
      "unit_forget_bias": False}),
    ("ConvLSTM2D_dilated_nobias", "ConvLSTM2D", (1, 3, 6, 6, 2),
     {"filters": 2, "kernel_size": 2, "dilation_rate": 2, "use_bias": False}),
    ("ConvLSTM3D_same", "ConvLSTM3D", (1, 3, 3, 4, 3, 2),
     {"filters": 2, "kernel_size": 2, "padding": "same", "return_sequences": True}),
    ("ConvLSTM3D_strided", "ConvLSTM3D", (2, 2, 4, 3, 4, 1),
     {"filters": 2, "kernel_size": (2, 2, 3), "strides": (2, 1, 1), "return_state": True}),
]


def main():
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    import numpy as np
    import tensorflow as tf
    import keras

    rng = np.random.default_rng(2026)
    out = {}
    for key, fn, x_shape, w_shape, kwargs in OP_CASES:
        x = rng.standard_normal(x_shape).astype(np.float32)
        xs = [tf.constant(x)]
        out[f"{key}/x"] = x
        if w_shape is not None:
            w = rng.standard_normal(w_shape).astype(np.float32)
            xs.append(tf.constant(w))
            out[f"{key}/w"] = w
        with tf.GradientTape() as tape:
            for t in xs:
                tape.watch(t)
            y = getattr(tf.nn, fn)(*xs, **kwargs)
            cot = rng.standard_normal(y.shape).astype(np.float32)
            loss = tf.reduce_sum(y * cot)
        grads = tape.gradient(loss, xs)
        out[f"{key}/y"], out[f"{key}/cot"] = y.numpy(), cot
        for i, g in enumerate(grads):
            out[f"{key}/g{i}"] = g.numpy()

    for key, cls, x_shape, kwargs in LAYER_CASES:
        layer = getattr(keras.layers, cls)(**kwargs)
        x = rng.standard_normal(x_shape).astype(np.float32)
        layer.build(x_shape)
        weights = [(rng.standard_normal(w.shape) * 0.5).astype(np.float32)
                   for w in layer.get_weights()]
        layer.set_weights(weights)
        result = layer(x)
        results = result if isinstance(result, (list, tuple)) else [result]
        out[f"{key}/x"] = x
        out[f"{key}/n_weights"] = np.array(len(weights))
        for i, w in enumerate(weights):
            out[f"{key}/w{i}"] = w
        out[f"{key}/n_out"] = np.array(len(results))
        for i, r in enumerate(results):
            out[f"{key}/y{i}"] = np.asarray(r)
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tf_volume_goldens.npz")
    np.savez_compressed(path, **out)
    print(f"wrote {len(out)} arrays to {path}")


if __name__ == "__main__":
    main()
