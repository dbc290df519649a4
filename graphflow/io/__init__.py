"""graphflow.io: TF's tf.io namespace: reading and writing files (as ops, so they run inside
dataset functions), TFRecord files, tf.train.Example parsing, CSV decoding, image codecs,
serialized TensorProtos, and gfile.

    >>> import graphflow as tf
    >>> tf.io.gfile.exists(__file__)
    True
"""
from graphflow.io import gfile  # noqa: F401
from graphflow.io.tfrecord import TFRecordOptions, TFRecordWriter  # noqa: F401
from graphflow.ops.image import (  # noqa: F401
    decode_bmp, decode_gif, decode_image, decode_jpeg, decode_png, encode_jpeg, encode_png)
from graphflow.ops.io import read_file, write_file  # noqa: F401
from graphflow.ops.parsing import (  # noqa: F401
    FixedLenFeature, FixedLenSequenceFeature, RaggedFeature, SparseFeature, VarLenFeature,
    decode_csv, parse_example, parse_single_example)
from graphflow.ops.tensor_proto import parse_tensor, serialize_tensor  # noqa: F401
from graphflow.ops.image_codecs import is_jpeg  # noqa: F401
