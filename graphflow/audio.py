"""graphflow.audio: TF's tf.audio (16-bit PCM WAV decoding and encoding).

    >>> import graphflow as tf
    >>> tf.audio.decode_wav(tf.audio.encode_wav(tf.ones([2, 1]) / 2, 8000)).audio.numpy().tolist()
    [[0.5], [0.5]]
"""
from graphflow.ops.audio import decode_wav, encode_wav  # noqa: F401

__all__ = ["decode_wav", "encode_wav"]
