"""tf.audio.decode_wav and encode_wav as ops over scalar strings: 16-bit PCM WAV files (the one
format TF's wav_io reads), parsed here so no audio library is needed.

A sample s of the file is s / 32768 as float32; encoding rounds x * 32768 (half away from zero)
and clamps to [-32768, 32767], as TF does, so decode(encode(x)) is x to within 2**-15 in [-1, 1).

    >>> import graphflow as tf
    >>> wav = tf.audio.encode_wav(tf.constant([[0.5], [-0.25]]), 16000)
    >>> audio, rate = tf.audio.decode_wav(wav, desired_channels=2)
    >>> audio.numpy().tolist(), int(rate)
    ([[0.5, 0.5], [-0.25, -0.25]], 16000)
"""
import collections
import struct

import numpy as np

from graphflow import dtypes
from graphflow.errors import InvalidArgumentError
from graphflow.ops import rules
from graphflow.ops.registry import OPAQUE, dispatch, register

DecodeWav = collections.namedtuple("DecodeWav", ["audio", "sample_rate"])


class WavFormat(collections.namedtuple("WavFormat", ["channels", "sample_rate", "data_offset",
                                                     "data_size"])):
    """What wav_header found: the data chunk's place, its channels and sample rate."""


def _read(data, offset, size, what):
    if offset + size > len(data):
        raise InvalidArgumentError(f"decode_wav: Data too short when trying to read {what}")
    return data[offset:offset + size]


def _expect(data, offset, text):
    found = _read(data, offset, len(text), "string")
    if found != text:
        raise InvalidArgumentError(f"decode_wav: Header mismatch: Expected {text.decode()} but "
                                   f"found {found.decode('latin-1')}")


def wav_header(data):
    """The WavFormat of WAV bytes (TF's checks and messages)."""
    _expect(data, 0, b"RIFF")
    _read(data, 4, 4, "total file size")
    _expect(data, 8, b"WAVE")
    _expect(data, 12, b"fmt ")
    (fmt_size,) = struct.unpack("<I", _read(data, 16, 4, "format chunk size"))
    if fmt_size not in (16, 18):
        raise InvalidArgumentError("decode_wav: Bad format chunk size for WAV: Expected 16 or 18, "
                                   f"but got {fmt_size}")
    audio_format, channels, rate, byte_rate, block, bits = struct.unpack(
        "<HHIIHH", _read(data, 20, 16, "format chunk"))
    if audio_format != 1:
        raise InvalidArgumentError("decode_wav: Bad audio format for WAV: Expected 1 (PCM), but "
                                   f"got {audio_format}")
    if channels < 1:
        raise InvalidArgumentError("decode_wav: Bad number of channels for WAV: Expected 1 or "
                                   f"greater, but got {channels}")
    if bits != 16:
        raise InvalidArgumentError(f"decode_wav: Can only read 16-bit WAV files, but received "
                                   f"{bits}")
    if block != channels * 2:
        raise InvalidArgumentError(f"decode_wav: Bad bytes per sample in WAV header: Expected "
                                   f"{channels * 2} but got {block}")
    if byte_rate != rate * channels * 2:
        raise InvalidArgumentError(f"decode_wav: Bad bytes per second in WAV header: Expected "
                                   f"{rate * channels * 2} but got {byte_rate}")
    offset = 20 + fmt_size
    while offset + 8 <= len(data):  # other chunks (LIST, fact, ...) are skipped, as in TF
        chunk_id = data[offset:offset + 4]
        (size,) = struct.unpack("<I", data[offset + 4:offset + 8])
        offset += 8
        if chunk_id == b"data":
            if offset + size > len(data):
                raise InvalidArgumentError(
                    f"decode_wav: No data chunk found in WAV (its data chunk declares {size} "
                    f"bytes but {len(data) - offset} follow)")
            if size % block:
                raise InvalidArgumentError(
                    f"decode_wav: Data too short when trying to read string (the data chunk's "
                    f"{size} bytes are not whole {block}-byte frames)")
            return WavFormat(channels, rate, offset, size)
        # RIFF pads odd-sized chunks to an even size (TF's reader does not skip the pad byte)
        offset += size + (size & 1)
    raise InvalidArgumentError("decode_wav: No data chunk found in WAV")


def decode_wav_bytes(data, desired_channels=-1, desired_samples=-1):
    """(float32 [samples, channels] array, sample rate) of WAV bytes."""
    header = wav_header(data)
    body = data[header.data_offset:header.data_offset + header.data_size]
    frames = header.data_size // (2 * header.channels)
    samples = np.frombuffer(body, "<i2").reshape(frames, header.channels)
    audio = samples.astype(np.float32) / np.float32(32768)
    if desired_channels >= 0:
        # extra channels repeat the file's last one; fewer keep the first ones (TF's rule)
        columns = np.minimum(np.arange(desired_channels), header.channels - 1)
        audio = audio[:, columns]
    if desired_samples >= 0:
        out = np.zeros((desired_samples, audio.shape[1]), np.float32)
        out[:min(desired_samples, frames)] = audio[:desired_samples]
        audio = out
    return np.ascontiguousarray(audio), header.sample_rate


def encode_wav_bytes(audio, sample_rate):
    """16-bit PCM WAV bytes of a float [samples, channels] array."""
    frames, channels = audio.shape
    scaled = audio.astype(np.float32) * np.float32(32768)
    # C's roundf (half away from zero), not NumPy's half-to-even: 2**-16 encodes as 1, as in TF
    pcm = np.clip(np.sign(scaled) * np.floor(np.abs(scaled) + np.float32(0.5)), -32768, 32767)
    body = pcm.astype("<i2").tobytes()
    header = struct.pack("<4sI4s4sIHHIIHH4sI", b"RIFF", 36 + len(body), b"WAVE", b"fmt ", 16, 1,
                         channels, sample_rate, sample_rate * channels * 2, channels * 2, 16,
                         b"data", len(body))
    return header + body


def _decode_infer(specs, desired_channels, desired_samples):
    (x,) = specs
    rules.check_kind("decode_wav", x, "O")
    if x.shape is not None and len(x.shape) != 0:
        raise InvalidArgumentError(f"decode_wav: contents must be a scalar string, got shape "
                                   f"{rules.fmt(x.shape)}")
    samples = desired_samples if desired_samples >= 0 else None
    channels = desired_channels if desired_channels >= 0 else None
    return [((samples, channels), dtypes.float32), ((), dtypes.int32)]


def _decode_ref(contents, desired_channels, desired_samples):
    _decode_infer([rules.ArraySpec(contents)], desired_channels, desired_samples)
    audio, rate = decode_wav_bytes(contents[()], desired_channels, desired_samples)
    return audio, np.array(rate, np.int32)


def _encode_infer(specs):
    audio, rate = specs
    if audio.dtype is not dtypes.float32:
        raise InvalidArgumentError(f"encode_wav: audio must be a float32 tensor, got "
                                   f"{audio.dtype.name}")
    if audio.shape is not None and len(audio.shape) != 2:
        raise InvalidArgumentError(f"encode_wav: audio must be 2-dimensional [samples, channels], "
                                   f"got shape {rules.fmt(audio.shape)}")
    rules.check_kind("encode_wav", rate, "i", 1)
    if rate.shape is not None and len(rate.shape) != 0:
        raise InvalidArgumentError(f"encode_wav: sample_rate must be a scalar, got shape "
                                   f"{rules.fmt(rate.shape)}")
    return [((), dtypes.string)]


def _encode_ref(audio, sample_rate):
    _encode_infer([rules.ArraySpec(audio), rules.ArraySpec(sample_rate)])
    rate = int(sample_rate)
    if not 0 < rate < 2 ** 31:
        raise InvalidArgumentError(f"encode_wav: sample_rate must be positive, got {rate}")
    return np.array(encode_wav_bytes(audio, rate), dtype=object)


DECODE_WAV = register("decode_wav", OPAQUE, _decode_infer, _decode_ref, num_outputs=2)
ENCODE_WAV = register("encode_wav", OPAQUE, _encode_infer, _encode_ref)


def _int_attr(value, what):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        from graphflow.ops.static import constant_value
        known = constant_value(value) if hasattr(value, "dtype") else None
        if known is None or np.ndim(known) != 0 or known.dtype.kind not in "iu":
            raise InvalidArgumentError(f"decode_wav: {what} must be a known integer, got "
                                       f"{value!r}")
        value = known
    return int(value)


def decode_wav(contents, desired_channels=-1, desired_samples=-1, name=None):
    """A 16-bit PCM WAV file's samples and rate: DecodeWav(audio, sample_rate), audio float32
    [samples, channels] in [-1, 1), sample_rate an int32 scalar. desired_channels keeps the
    first channels or repeats the last one; desired_samples cuts or pads with zeros (-1: the
    file's own counts).

        >>> wav = tf.audio.encode_wav(tf.zeros([3, 2]), 8000)
        >>> tf.audio.decode_wav(wav, desired_samples=5).audio.shape
        TensorShape([5, 2])
    """
    from graphflow.ops.creation import convert_to_tensor
    from graphflow.tensor import Tensor
    if not isinstance(contents, Tensor):
        contents = convert_to_tensor(contents, dtypes.string)
    audio, rate = dispatch(DECODE_WAV, (contents,),
                           {"desired_channels": _int_attr(desired_channels, "desired_channels"),
                            "desired_samples": _int_attr(desired_samples, "desired_samples")},
                           name)
    return DecodeWav(audio, rate)


def encode_wav(audio, sample_rate, name=None):
    """A float32 [samples, channels] signal as 16-bit PCM WAV bytes (a scalar string); values
    outside [-1, 1) are clipped.

        >>> len(tf.audio.encode_wav(tf.zeros([4, 1]), 8000).numpy())
        52
    """
    from graphflow.ops.creation import convert_to_tensor
    from graphflow.tensor import Tensor
    if not isinstance(audio, Tensor):
        audio = convert_to_tensor(audio, dtypes.float32)
    if not isinstance(sample_rate, Tensor):
        sample_rate = convert_to_tensor(sample_rate, dtypes.int32)
    return dispatch(ENCODE_WAV, (audio, sample_rate), {}, name)
