"""Default layer and model names follow Keras 3's rule (keras.src.utils.naming.to_snake_case):
conv2d, max_pooling2d, global_average_pooling2d; the table below was printed by tf.keras 2.21."""
import numpy as np
import pytest

from graphflow import keras

L = keras.layers

# class -> (constructor arguments, Keras 3's default name for a first instance)
KERAS_NAMES = {
    "Dense": ((3,), "dense"), "Activation": (("relu",), "activation"),
    "Dropout": ((0.5,), "dropout"), "Embedding": ((3, 2), "embedding"),
    "Flatten": ((), "flatten"), "Lambda": ((lambda x: x,), "lambda"),
    "Rescaling": ((1.0,), "rescaling"), "Reshape": (((2,),), "reshape"),
    "Add": ((), "add"), "Average": ((), "average"), "Concatenate": ((), "concatenate"),
    "Maximum": ((), "maximum"), "Minimum": ((), "minimum"), "Multiply": ((), "multiply"),
    "Subtract": ((), "subtract"), "BatchNormalization": ((), "batch_normalization"),
    "LayerNormalization": ((), "layer_normalization"),
    "AveragePooling2D": ((2,), "average_pooling2d"), "AvgPool2D": ((2,), "average_pooling2d"),
    "Conv2D": ((2, 3), "conv2d"), "GlobalAveragePooling2D": ((), "global_average_pooling2d"),
    "GlobalMaxPooling2D": ((), "global_max_pooling2d"), "MaxPool2D": ((), "max_pooling2d"),
    "MaxPooling2D": ((), "max_pooling2d"),
    # klayers (issue 17): printed by Keras 3.15
    "AdditiveAttention": ((), "additive_attention"),
    "Attention": ((), "attention"),
    "AveragePooling1D": ((2,), "average_pooling1d"),
    "AvgPool1D": ((2,), "average_pooling1d"),
    "CategoryEncoding": ((3,), "category_encoding"),
    "CenterCrop": ((2, 2), "center_crop"),
    "Conv1D": ((2, 3), "conv1d"),
    "Conv1DTranspose": ((2, 3), "conv1d_transpose"),
    "Conv2DTranspose": ((2, 3), "conv2d_transpose"),
    "Conv3D": ((2, 3), "conv3d"),
    "Cropping1D": ((), "cropping1d"),
    "Cropping2D": ((), "cropping2d"),
    "DepthwiseConv1D": ((3,), "depthwise_conv1d"),
    "DepthwiseConv2D": ((3,), "depthwise_conv2d"),
    "Discretization": (([0.0],), "discretization"),
    "ELU": ((), "elu"),
    "GaussianDropout": ((0.1,), "gaussian_dropout"),
    "GaussianNoise": ((0.1,), "gaussian_noise"),
    "GlobalAveragePooling1D": ((), "global_average_pooling1d"),
    "GlobalAvgPool1D": ((), "global_average_pooling1d"),
    "GlobalMaxPool1D": ((), "global_max_pooling1d"),
    "GlobalMaxPooling1D": ((), "global_max_pooling1d"),
    "GroupNormalization": ((), "group_normalization"),
    "Hashing": ((3,), "hashing"),
    "Identity": ((), "identity"),
    "IntegerLookup": ((), "integer_lookup"),
    "LeakyReLU": ((), "leaky_re_lu"),
    "MaxPool1D": ((), "max_pooling1d"),
    "MaxPooling1D": ((), "max_pooling1d"),
    "MultiHeadAttention": ((2, 2), "multi_head_attention"),
    "Normalization": ((), "normalization"),
    "PReLU": ((), "p_re_lu"),
    "Permute": (((1,),), "permute"),
    "RandomContrast": ((0.1,), "random_contrast"),
    "RandomCrop": ((2, 2), "random_crop"),
    "RandomFlip": ((), "random_flip"),
    "RandomRotation": ((0.1,), "random_rotation"),
    "RandomTranslation": ((0.1, 0.1), "random_translation"),
    "RandomZoom": ((0.1,), "random_zoom"),
    "ReLU": ((), "re_lu"),
    "RepeatVector": ((2,), "repeat_vector"),
    "Resizing": ((2, 2), "resizing"),
    "SeparableConv1D": ((2, 3), "separable_conv1d"),
    "SeparableConv2D": ((2, 3), "separable_conv2d"),
    "Softmax": ((), "softmax"),
    "SpatialDropout1D": ((0.1,), "spatial_dropout1d"),
    "SpatialDropout2D": ((0.1,), "spatial_dropout2d"),
    "StringLookup": ((), "string_lookup"),
    "TextVectorization": ((), "text_vectorization"),
    "UnitNormalization": ((), "unit_normalization"),
    "UpSampling1D": ((), "up_sampling1d"),
    "UpSampling2D": ((), "up_sampling2d"),
    "ZeroPadding1D": ((), "zero_padding1d"),
    "ZeroPadding2D": ((), "zero_padding2d"),
    # krnn (issue 17): printed by Keras 3.15
    "Bidirectional": ((L.LSTM(2),), "bidirectional"),
    "TimeDistributed": ((L.Dense(2),), "time_distributed"),
    "GRU": ((2,), "gru"), "GRUCell": ((2,), "gru_cell"),
    "LSTM": ((2,), "lstm"), "LSTMCell": ((2,), "lstm_cell"),
    "SimpleRNN": ((2,), "simple_rnn"), "SimpleRNNCell": ((2,), "simple_rnn_cell"),
    "RNN": ((L.LSTMCell(2),), "rnn"), "StackedRNNCells": (([L.LSTMCell(2)],), "stacked_rnn_cells"),
    "Masking": ((), "masking"),
    # kerasC: printed by Keras 3.15
    "Dot": ((1,), "dot"), "ActivityRegularization": ((), "activity_regularization"),
    "AlphaDropout": ((0.1,), "alpha_dropout"), "RMSNormalization": ((), "rms_normalization"),
    "SpectralNormalization": ((L.Dense(2),), "spectral_normalization"),
    "EinsumDense": (("ab,bc->ac", 2), "einsum_dense"), "HashedCrossing": ((3,), "hashed_crossing"),
    "Pipeline": (([],), "pipeline"), "Wrapper": ((L.Dense(2),), "wrapper"),
    "MaxPooling3D": ((), "max_pooling3d"), "AveragePooling3D": ((2,), "average_pooling3d"),
    "MaxPool3D": ((), "max_pooling3d"), "AvgPool3D": ((2,), "average_pooling3d"),
    "GlobalAveragePooling3D": ((), "global_average_pooling3d"),
    "GlobalMaxPooling3D": ((), "global_max_pooling3d"),
    "GlobalAvgPool3D": ((), "global_average_pooling3d"),
    "GlobalMaxPool3D": ((), "global_max_pooling3d"),
    "UpSampling3D": ((), "up_sampling3d"), "ZeroPadding3D": ((), "zero_padding3d"),
    "Cropping3D": ((), "cropping3d"), "SpatialDropout3D": ((0.1,), "spatial_dropout3d"),
    "AdaptiveAveragePooling1D": ((2,), "adaptive_average_pooling1d"),
    "AdaptiveAveragePooling2D": ((2,), "adaptive_average_pooling2d"),
    "AdaptiveAveragePooling3D": ((2,), "adaptive_average_pooling3d"),
    "AdaptiveMaxPooling1D": ((2,), "adaptive_max_pooling1d"),
    "AdaptiveMaxPooling2D": ((2,), "adaptive_max_pooling2d"),
    "AdaptiveMaxPooling3D": ((2,), "adaptive_max_pooling3d"),
    "Convolution1D": ((2, 3), "conv1d"), "Convolution2D": ((2, 3), "conv2d"),
    "Convolution1DTranspose": ((2, 3), "conv1d_transpose"),
    "Convolution2DTranspose": ((2, 3), "conv2d_transpose"),
    "SeparableConvolution2D": ((2, 3), "separable_conv2d"),
    "SeparableConvolution1D": ((2, 3), "separable_conv1d"), "Convolution3D": ((2, 3), "conv3d"),
    "GlobalAvgPool2D": ((), "global_average_pooling2d"),
    "GlobalMaxPool2D": ((), "global_max_pooling2d"),
    "RandomBrightness": ((0.1,), "random_brightness"),
    "RandomGrayscale": ((), "random_grayscale"),
    "RandomInvert": ((), "random_invert"),
    "RandomPosterization": ((4,), "random_posterization"),
    "Solarization": ((), "solarization"),
    "AutoContrast": ((), "auto_contrast"),
    "RandomColorDegeneration": ((0.1,), "random_color_degeneration"),
    "RandomSharpness": ((0.1,), "random_sharpness"),
    "RandomSaturation": ((0.1,), "random_saturation"),
    "RandomHue": ((0.1,), "random_hue"),
    "RandomColorJitter": ((), "random_color_jitter"),
    "Equalization": ((), "equalization"),
    "RandomGaussianBlur": ((), "random_gaussian_blur"),
    "MixUp": ((), "mix_up"),
    "CutMix": ((), "cut_mix"),
    "RandomErasing": ((), "random_erasing"),
    "RandomElasticTransform": ((), "random_elastic_transform"),
    "ReversibleEmbedding": ((7, 4), "reversible_embedding"),
    "ContrastLimitedAdaptiveHistogramEqualization": (
        (), "contrast_limited_adaptive_histogram_equalization"),
    "GroupQueryAttention": ((3, 4, 2), "grouped_query_attention"),
    "GroupedQueryAttention": ((3, 4, 2), "grouped_query_attention"),
    "RandAugment": ((), "rand_augment"), "AugMix": ((), "aug_mix"),
    "RandomShear": ((), "random_shear"), "RandomPerspective": ((), "random_perspective"),
    "Conv3DTranspose": ((2, 3), "conv3d_transpose"),
    "Convolution3DTranspose": ((2, 3), "conv3d_transpose"),
    "ConvLSTM1D": ((2, 3), "conv_lstm1d"), "ConvLSTM2D": ((2, 3), "conv_lstm2d"),
    "ConvLSTM3D": ((2, 3), "conv_lstm3d"),
}


@pytest.fixture(autouse=True)
def fresh_names():
    keras.backend.clear_session()


@pytest.mark.parametrize("cls_name", sorted(KERAS_NAMES))
def test_default_layer_name_is_keras3s(cls_name):
    args, expected = KERAS_NAMES[cls_name]
    assert getattr(L, cls_name)(*args).name == expected
    assert getattr(L, cls_name)(*args).name == expected + "_1"


def test_every_exported_layer_class_is_in_the_table():
    """A layer class added to keras.layers gets its Keras name checked here too."""
    classes = {n for n in dir(L) if isinstance(getattr(L, n), type)
               and issubclass(getattr(L, n), L.Layer)
               and n not in ("Layer", "InputLayer", "KerasTensor",
                             "TFSMLayer")}  # needs a SavedModel: tests/test_saved_model.py
    missing = sorted(classes - set(KERAS_NAMES))
    assert not missing, f"add Keras 3's default name of {missing} to KERAS_NAMES"


def test_get_layer_by_keras_name_and_model_names():
    model = keras.Sequential([keras.Input((28, 28, 1)), L.Conv2D(4, 3), L.MaxPooling2D(2),
                              L.GlobalAveragePooling2D(), L.Dense(2)])
    assert [l.name for l in model.layers] == ["conv2d", "max_pooling2d",
                                              "global_average_pooling2d", "dense"]
    assert model.get_layer("conv2d") is model.layers[0] and model.name == "sequential"
    x = keras.Input((3,))
    assert x._keras_history[0].name == "input_layer_1"  # the first went to the Sequential
    assert keras.Model(x, L.Dense(1)(x)).name == "functional"
    assert keras.Model(x, L.Dense(1)(x)).name == "functional_1"

    class TinyNet(keras.Model):
        def call(self, inputs):
            return inputs

    assert TinyNet().name == "tiny_net"
    assert TinyNet()(np.ones((1, 2), np.float32)).shape == (1, 2)
