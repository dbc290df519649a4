"""Keras layers (graphflow.keras.layers)."""
from graphflow.keras.layers.base import Input, InputLayer, KerasTensor, Layer  # noqa: F401
from graphflow.keras.layers.core import (  # noqa: F401
    Activation, Dense, Dropout, Embedding, Flatten, Lambda, Rescaling, Reshape)
from graphflow.keras.layers.merge import (  # noqa: F401
    Add, Average, Concatenate, Maximum, Minimum, Multiply, Subtract, add, average, concatenate,
    multiply)
from graphflow.keras.layers.normalization import BatchNormalization, LayerNormalization  # noqa: F401
from graphflow.keras.layers.conv import (  # noqa: F401,E402
    AveragePooling2D, AvgPool2D, Conv2D, GlobalAveragePooling2D, GlobalMaxPooling2D, MaxPool2D,
    MaxPooling2D)
# Recurrent layers, their cells, masking and the RNN wrappers (issue 17).
from graphflow.keras.layers.masking import Masking  # noqa: F401,E402
from graphflow.keras.layers.rnn_cells import (  # noqa: F401,E402
    GRUCell, LSTMCell, SimpleRNNCell, StackedRNNCells)
from graphflow.keras.layers.recurrent import GRU, LSTM, RNN, SimpleRNN  # noqa: F401,E402
from graphflow.keras.layers.wrappers import Bidirectional, TimeDistributed  # noqa: F401,E402
from graphflow.keras.layers.conv_lstm import ConvLSTM1D, ConvLSTM2D, ConvLSTM3D  # noqa: F401,E402
# -- klayers (issue 17): convolution/shape, activation, noise, normalization, attention and
# preprocessing layers --
from graphflow.keras.layers.conv_extra import (  # noqa: F401,E402
    AveragePooling1D, AvgPool1D, Conv1D, Conv1DTranspose, Conv2DTranspose, Conv3D, Conv3DTranspose,
    DepthwiseConv1D,
    DepthwiseConv2D, GlobalAveragePooling1D, GlobalAvgPool1D, GlobalMaxPool1D, GlobalMaxPooling1D,
    MaxPool1D, MaxPooling1D, SeparableConv1D, SeparableConv2D)
from graphflow.keras.layers.reshaping import (  # noqa: F401,E402
    Cropping1D, Cropping2D, Identity, Permute, RepeatVector, UpSampling1D, UpSampling2D,
    ZeroPadding1D, ZeroPadding2D)
from graphflow.keras.layers.activation import (  # noqa: F401,E402
    ELU, LeakyReLU, PReLU, ReLU, Softmax)
from graphflow.keras.layers.noise import (  # noqa: F401,E402
    GaussianDropout, GaussianNoise, SpatialDropout1D, SpatialDropout2D)
from graphflow.keras.layers.normalization_extra import (  # noqa: F401,E402
    GroupNormalization, UnitNormalization)
from graphflow.keras.layers.attention import (  # noqa: F401,E402
    AdditiveAttention, Attention, MultiHeadAttention)
from graphflow.keras.layers.preprocessing import (  # noqa: F401,E402
    CategoryEncoding, CenterCrop, Discretization, Hashing, IntegerLookup, Normalization,
    RandomContrast, RandomCrop, RandomFlip, RandomRotation, RandomTranslation, RandomZoom,
    Resizing, StringLookup, TextVectorization)
# -- end klayers --
# -- kerasC: Keras 3.15's aliases and remaining core layers --
from graphflow.keras.layers.merge import Dot, dot, maximum, minimum, subtract  # noqa: F401,E402
from graphflow.keras.layers.input_spec import InputSpec  # noqa: F401,E402
from graphflow.keras.layers.core_more import (  # noqa: F401,E402
    ActivityRegularization, AlphaDropout, EinsumDense, Pipeline, RMSNormalization,
    ReversibleEmbedding, SpectralNormalization, Wrapper)
Convolution1D, Convolution2D = Conv1D, Conv2D
Convolution1DTranspose, Convolution2DTranspose = Conv1DTranspose, Conv2DTranspose
SeparableConvolution1D, SeparableConvolution2D = SeparableConv1D, SeparableConv2D
Convolution3D, Convolution3DTranspose = Conv3D, Conv3DTranspose
GlobalAvgPool2D, GlobalMaxPool2D = GlobalAveragePooling2D, GlobalMaxPooling2D
from graphflow.keras.layers.volumetric import (  # noqa: F401,E402
    AdaptiveAveragePooling1D, AdaptiveAveragePooling2D, AdaptiveAveragePooling3D,
    AdaptiveMaxPooling1D, AdaptiveMaxPooling2D, AdaptiveMaxPooling3D, AveragePooling3D,
    AvgPool3D, Cropping3D, GlobalAveragePooling3D, GlobalAvgPool3D, GlobalMaxPool3D,
    GlobalMaxPooling3D, MaxPool3D, MaxPooling3D, SpatialDropout3D, UpSampling3D, ZeroPadding3D)
from graphflow.keras.layers.preprocessing.hashed_crossing import HashedCrossing  # noqa: F401,E402
from graphflow.keras.layers.preprocessing.color import (  # noqa: F401,E402
    AutoContrast, Equalization, RandomBrightness, RandomColorDegeneration, RandomColorJitter,
    RandomGaussianBlur, RandomGrayscale, RandomHue, RandomInvert, RandomPosterization,
    RandomSaturation, RandomSharpness, Solarization)
from graphflow.keras.layers.preprocessing.mixing import CutMix, MixUp, RandomErasing  # noqa: F401,E402
from graphflow.keras.layers.preprocessing.geometric import RandomPerspective, RandomShear  # noqa: F401,E402
from graphflow.keras.layers.preprocessing.composite import AugMix, RandAugment  # noqa: F401,E402
from graphflow.keras.layers.preprocessing.elastic import RandomElasticTransform  # noqa: F401,E402
from graphflow.keras.layers.serialization import deserialize, serialize  # noqa: F401,E402
from graphflow.keras.layers.grouped_attention import (  # noqa: F401,E402
    GroupedQueryAttention, GroupQueryAttention)
from graphflow.keras.layers.preprocessing.clahe import (  # noqa: F401,E402
    ContrastLimitedAdaptiveHistogramEqualization)
from graphflow.keras.layers.tfsm import TFSMLayer  # noqa: F401,E402
