"""Writes tests/data/tf_conv_goldens.npz from real TensorFlow (tensorflow-cpu 2.21, never a
dependency): dilated, strided-and-dilated and grouped convolutions (tf.nn.conv2d, conv1d,
conv3d, convolution, atrous_conv2d, atrous_conv2d_transpose, conv2d_transpose, conv1d_transpose,
depthwise_conv2d, separable_conv2d), each with its input and filter gradients for a random
cotangent, in float32: TF 2.21's CPU kernels compute dilated and grouped convolution gradients
only in float32 (oneDNN); in float64 they raise ("Current CPU implementations do not yet support
dilation rates larger than 1", "Gradients for grouped convolutions are not supported"), where
graphflow computes them. Run with the TF venv from the repository root:

    ~/.venv-tf/bin/python tests/data/make_conv_goldens.py

tests/test_conv_dilated.py compares graphflow against these arrays; CASES is shared with it
(plain Python: this module's CASES import neither TF nor graphflow)."""
import os

# (key, function, input shape, filter shape(s), keyword arguments). The functions are tf.nn's;
# "output_shape" cases are the transposed convolutions.
CASES = [
    ("conv2d_dil_same", "conv2d", (2, 7, 6, 3), (3, 3, 3, 4),
     {"strides": 1, "padding": "SAME", "dilations": [2, 3]}),
    ("conv2d_dil_valid", "conv2d", (1, 9, 8, 2), (3, 2, 2, 2),
     {"strides": 1, "padding": "VALID", "dilations": 3}),
    ("conv2d_dil_stride", "conv2d", (2, 9, 8, 2), (3, 3, 2, 3),
     {"strides": [2, 3], "padding": "SAME", "dilations": [2, 2]}),
    ("conv2d_dil_4form", "conv2d", (1, 8, 8, 1), (2, 2, 1, 2),
     {"strides": [1, 1, 1, 1], "padding": "SAME", "dilations": [1, 3, 2, 1]}),
    ("conv2d_grouped", "conv2d", (2, 6, 5, 6), (3, 3, 2, 6),
     {"strides": 1, "padding": "SAME"}),
    ("conv2d_grouped_dil_stride", "conv2d", (1, 9, 9, 4), (2, 3, 1, 8),
     {"strides": 2, "padding": "VALID", "dilations": 2}),
    ("conv1d_dil", "conv1d", (2, 11, 3), (3, 3, 4), {"stride": 1, "padding": "SAME",
                                                     "dilations": 2}),
    ("conv1d_dil_stride_grouped", "conv1d", (2, 12, 4), (2, 2, 4),
     {"stride": 2, "padding": "VALID", "dilations": [3]}),
    ("convolution_dil", "convolution", (1, 7, 7, 2), (3, 3, 2, 2),
     {"padding": "SAME", "dilations": [2, 1]}),
    ("atrous", "atrous_conv2d", (2, 8, 7, 2), (3, 3, 2, 3), {"rate": 2, "padding": "SAME"}),
    ("atrous_valid", "atrous_conv2d", (1, 9, 9, 1), (2, 2, 1, 2), {"rate": 3,
                                                                    "padding": "VALID"}),
    ("atrous_transpose", "atrous_conv2d_transpose", (2, 8, 7, 3), (3, 3, 2, 3),
     {"output_shape": [2, 8, 7, 2], "rate": 2, "padding": "SAME"}),
    ("conv2d_transpose_dil_stride", "conv2d_transpose", (2, 4, 4, 3), (3, 3, 2, 3),
     {"output_shape": [2, 8, 7, 2], "strides": 2, "padding": "SAME", "dilations": 2}),
    ("conv2d_transpose_dil_valid", "conv2d_transpose", (1, 3, 4, 2), (2, 3, 1, 2),
     {"output_shape": [1, 6, 8, 1], "strides": 1, "padding": "VALID", "dilations": [3, 2]}),
    ("conv1d_transpose_dil", "conv1d_transpose", (2, 7, 3), (3, 2, 3),
     {"output_shape": [2, 11, 2], "strides": 1, "padding": "VALID", "dilations": 2}),
    ("depthwise_dil", "depthwise_conv2d", (2, 7, 6, 3), (3, 2, 3, 2),
     {"strides": [1, 1, 1, 1], "padding": "SAME", "dilations": [2, 3]}),
    ("depthwise_dil_valid", "depthwise_conv2d", (1, 9, 8, 2), (2, 3, 2, 1),
     {"strides": [1, 1, 1, 1], "padding": "VALID", "dilations": [3, 2]}),
    ("separable_dil", "separable_conv2d", (2, 7, 7, 2), [(3, 3, 2, 2), (1, 1, 4, 3)],
     {"strides": [1, 1, 1, 1], "padding": "SAME", "dilations": [2, 2]}),
    # 3-D (appended last, so the cases above keep their random draws)
    ("conv3d_same_strided", "conv3d", (2, 5, 6, 5, 3), (3, 2, 3, 3, 4),
     {"strides": [1, 2, 1, 2, 1], "padding": "SAME"}),
    ("conv3d_dil_valid", "conv3d", (1, 7, 6, 6, 2), (2, 3, 2, 2, 3),
     {"strides": [1, 1, 1, 1, 1], "padding": "VALID", "dilations": [1, 3, 2, 1, 1]}),
    ("conv3d_dil_same", "conv3d", (1, 5, 4, 6, 2), (3, 2, 2, 2, 2),
     {"strides": [1, 1, 1, 1, 1], "padding": "SAME", "dilations": [1, 2, 1, 3, 1]}),
    ("convolution_3d", "convolution", (1, 5, 5, 5, 2), (2, 2, 2, 2, 2),
     {"padding": "SAME", "dilations": [2, 1, 2]}),
]


def main():
    import numpy as np
    import tensorflow as tf

    rng = np.random.default_rng(5)
    out = {}
    for key, fn, x_shape, w_shapes, kwargs in CASES:
        w_shapes = w_shapes if isinstance(w_shapes, list) else [w_shapes]
        x = tf.constant(rng.standard_normal(x_shape).astype(np.float32))
        ws = [tf.constant(rng.standard_normal(s).astype(np.float32)) for s in w_shapes]
        with tf.GradientTape() as tape:
            tape.watch([x] + ws)
            y = getattr(tf.nn, fn)(x, *ws, **kwargs)
            cot = tf.constant(rng.standard_normal(y.shape).astype(np.float32))
            loss = tf.reduce_sum(y * cot)
        grads = tape.gradient(loss, [x] + ws)
        out[f"{key}/x"] = x.numpy()
        for i, w in enumerate(ws):
            out[f"{key}/w{i}"] = w.numpy()
        out[f"{key}/cot"] = cot.numpy()
        out[f"{key}/y"] = y.numpy()
        for i, g in enumerate(grads):
            out[f"{key}/g{i}"] = g.numpy()
    np.savez_compressed(os.path.join(os.path.dirname(__file__), "tf_conv_goldens.npz"), **out)
    print("wrote", len(out), "arrays")


if __name__ == "__main__":
    main()
