"""TFRecord files: tf.io.TFRecordWriter, tf.io.TFRecordOptions, tf.compat.v1.io.tf_record_iterator,
and the record reader under tf.data.TFRecordDataset.

A TFRecord file is a sequence of records, each

    uint64 length (little-endian) | uint32 masked CRC-32C of the length bytes |
    data[length] | uint32 masked CRC-32C of the data

(graphflow/utils/crc32c.py), optionally inside one GZIP or ZLIB stream. Files written here are
byte for byte those TF writes without compression (TF reads them, and graphflow reads TF's).
A record whose checksum does not match, a file that ends inside a record and a compressed
stream that does not inflate raise DataLossError naming the file and the record's offset (in
the uncompressed stream, as TF counts). TF silently stops at a file that ends inside a record's
12-byte header; graphflow raises there too.

    >>> import graphflow as tf, os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "a.tfrecord")
    >>> with tf.io.TFRecordWriter(path) as writer:
    ...     writer.write(b"hello")
    >>> open(path, "rb").read().hex()
    '0500000000000000eab2043e68656c6c6fbb1f1c19'
    >>> list(tf.compat.v1.io.tf_record_iterator(path))
    [b'hello']
"""
import os
import struct
import zlib

from graphflow.errors import (DataLossError, FailedPreconditionError, InvalidArgumentError,
                              InvalidTypeError, NotFoundError)
from graphflow.utils import crc32c

_HEADER = 12  # the length (8 bytes) and its masked CRC (4)
_CHUNK = 1 << 16


class TFRecordCompressionType:
    """The compression types (tf.compat.v1.io.TFRecordCompressionType)."""
    NONE = 0
    ZLIB = 1
    GZIP = 2


_BY_NUMBER = {0: "", 1: "ZLIB", 2: "GZIP"}


def _compression_name(value, what):
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool) and value in _BY_NUMBER:
        return _BY_NUMBER[value]
    if isinstance(value, str) and value in ("", "ZLIB", "GZIP"):
        return value
    raise InvalidArgumentError(f'{what}: Not a valid compression_type: "{value}" (use None, '
                               f'"", "ZLIB" or "GZIP")')


class TFRecordOptions:
    """How a TFRecord file is compressed: compression_type None/"" (none), "ZLIB" or "GZIP",
    with zlib's compression_level (-1 default, 0-9), window_bits, mem_level and
    compression_strategy. flush_mode, buffer sizes and compression_method are accepted (the
    file's contents do not depend on them)."""

    compression_type_map = {TFRecordCompressionType.ZLIB: "ZLIB",
                            TFRecordCompressionType.GZIP: "GZIP",
                            TFRecordCompressionType.NONE: ""}

    def __init__(self, compression_type=None, flush_mode=None, input_buffer_size=None,
                 output_buffer_size=None, window_bits=None, compression_level=None,
                 compression_method=None, mem_level=None, compression_strategy=None):
        self.compression_type = _compression_name(compression_type, "TFRecordOptions")
        self.flush_mode = flush_mode
        self.input_buffer_size = input_buffer_size
        self.output_buffer_size = output_buffer_size
        self.window_bits = window_bits
        self.compression_level = compression_level
        self.compression_method = compression_method
        self.mem_level = mem_level
        self.compression_strategy = compression_strategy

    @classmethod
    def get_compression_type_string(cls, options):
        """"", "ZLIB" or "GZIP" for TFRecordOptions, a compression type or None."""
        if options is None:
            return ""
        if isinstance(options, TFRecordOptions):
            return options.compression_type
        return _compression_name(options, "TFRecordOptions")

    def _compressor(self):
        if not self.compression_type:
            return None
        bits = 15 if self.window_bits is None else self.window_bits
        # TF's zlib defaults: the default level, memLevel 9, the default strategy
        return zlib.compressobj(
            -1 if self.compression_level is None else self.compression_level, zlib.DEFLATED,
            bits + 16 if self.compression_type == "GZIP" else bits,
            9 if self.mem_level is None else self.mem_level,
            zlib.Z_DEFAULT_STRATEGY if self.compression_strategy is None
            else self.compression_strategy)


def _options(options, what):
    if isinstance(options, TFRecordOptions):
        return options
    return TFRecordOptions(_compression_name(options, what))


def _local_path(path, what):
    if hasattr(path, "numpy"):
        path = path.numpy()
        path = path[()] if hasattr(path, "ndim") and path.ndim == 0 else path
    path = os.fsdecode(os.fspath(path))
    if "://" in path and not path.startswith("file://"):
        raise InvalidArgumentError(
            f"{what}: {path}: only local files are supported (no gs://, s3://, hdfs://)")
    return path[len("file://"):] if path.startswith("file://") else path


def encode_record(data):
    """One record's bytes: length, its masked CRC, the data, the data's masked CRC."""
    length = struct.pack("<Q", len(data))
    return b"".join((length, struct.pack("<I", crc32c.masked(length)), data,
                     struct.pack("<I", crc32c.masked(data))))


class TFRecordWriter:
    """Writes records (bytes, or str as UTF-8) to a TFRecord file; a context manager.

        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "b.tfrecord.gz")
        >>> with tf.io.TFRecordWriter(path, "GZIP") as writer:
        ...     for word in ["one", "two"]:
        ...         writer.write(word)
        >>> [r.numpy() for r in tf.data.TFRecordDataset(path, compression_type="GZIP")]
        [b'one', b'two']
    """

    def __init__(self, path, options=None):
        self._path = _local_path(path, "TFRecordWriter")
        self._options = _options(options, "TFRecordWriter")
        directory = os.path.dirname(self._path)
        if directory and not os.path.isdir(directory):
            raise NotFoundError(f"{self._path}; No such file or directory")
        self._file = open(self._path, "wb")
        self._compressor = self._options._compressor()

    def _check_open(self):
        if self._file is None:
            raise FailedPreconditionError("Writer is closed.")

    def write(self, record):
        """Appends one record."""
        self._check_open()
        if isinstance(record, str):
            record = record.encode("utf-8")
        elif not isinstance(record, (bytes, bytearray, memoryview)):
            raise InvalidTypeError(
                f"TFRecordWriter.write: a record must be bytes or str, got "
                f"{type(record).__name__}" +
                (" (call .numpy() on a string tensor)" if hasattr(record, "numpy") else ""))
        data = encode_record(bytes(record))
        if self._compressor is not None:
            data = self._compressor.compress(data)
        self._file.write(data)

    def flush(self):
        """Writes what is buffered to the file (a compressed stream is flushed to a byte
        boundary, so a reader sees every record written so far)."""
        self._check_open()
        if self._compressor is not None:
            self._file.write(self._compressor.flush(zlib.Z_SYNC_FLUSH))
        self._file.flush()

    def close(self):
        """Finishes the file; closing twice is allowed."""
        if self._file is None:
            return
        try:
            if self._compressor is not None:
                self._file.write(self._compressor.flush())
        finally:
            self._file.close()
            self._file = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        if getattr(self, "_file", None) is not None:
            try:
                self.close()
            except Exception:  # noqa: BLE001 - interpreter shutdown: nothing left to report to
                pass


class _Stream:
    """The uncompressed bytes of a file, read in chunks; inflate errors become DataLossError."""

    def __init__(self, path, compression):
        self.path = path
        try:
            self._file = open(path, "rb")
        except FileNotFoundError:
            raise NotFoundError(f"{path}; No such file or directory") from None
        except IsADirectoryError:
            raise InvalidArgumentError(f"{path} is a directory, not a TFRecord file") from None
        self._gzip = compression == "GZIP"
        self._inflate = None if not compression else zlib.decompressobj(31 if self._gzip else 15)
        self._buffer = b""
        self._pos = 0  # where the unread bytes of _buffer start
        self._eof = False

    def _more(self):
        """The next piece of uncompressed bytes (b"" at the end)."""
        while not self._eof:
            chunk = self._file.read(_CHUNK)
            if self._inflate is None:
                self._eof = not chunk
                return chunk
            try:
                if not chunk:
                    self._eof = True
                    if not self._inflate.eof:
                        raise DataLossError(f"{self.path}: the compressed stream is truncated")
                    return b""
                out = self._inflate.decompress(chunk)
                while self._gzip and self._inflate.eof and self._inflate.unused_data:
                    # another gzip member follows (what `cat a.gz b.gz` makes)
                    rest = self._inflate.unused_data
                    self._inflate = zlib.decompressobj(31)
                    out += self._inflate.decompress(rest)
            except zlib.error as e:
                raise DataLossError(f"{self.path}: inflate() failed: {e}") from None
            if out:
                return out
        return b""

    def read(self, n):
        """Up to n bytes (fewer only at the end of the stream)."""
        if len(self._buffer) - self._pos < n:
            parts = [self._buffer[self._pos:]]
            have = len(parts[0])
            while have < n:
                piece = self._more()
                if not piece:
                    break
                parts.append(piece)
                have += len(piece)
            self._buffer, self._pos = b"".join(parts), 0
        out = self._buffer[self._pos:self._pos + n]
        self._pos += len(out)
        return out

    def close(self):
        self._file.close()


def read_records(path, compression=""):
    """The records of one TFRecord file, as bytes, checking both checksums of each."""
    path = _local_path(path, "TFRecordDataset")
    stream = _Stream(path, compression)
    offset = 0
    try:
        while True:
            header = stream.read(_HEADER)
            if not header:
                return
            if len(header) < _HEADER:
                raise DataLossError(f"{path}: truncated record at {offset}: the file ends "
                                    f"{len(header)} bytes into the record's 12-byte header")
            length_bytes, length_crc = header[:8], struct.unpack("<I", header[8:])[0]
            if crc32c.masked(length_bytes) != length_crc:
                hint = " (Is this even a TFRecord file?)" if offset == 0 else ""
                raise DataLossError(f"{path}: corrupted record at {offset}{hint}")
            length = struct.unpack("<Q", length_bytes)[0]
            body = stream.read(length + 4)
            if len(body) < length + 4:
                raise DataLossError(
                    f"{path}: truncated record at {offset}: the record has {length} bytes of "
                    f"data but the file ends {length + 4 - len(body)} bytes early")
            data = body[:length]
            if crc32c.masked(data) != struct.unpack("<I", body[length:])[0]:
                raise DataLossError(f"{path}: corrupted record at {offset + _HEADER}")
            yield data
            offset += _HEADER + length + 4
    finally:
        stream.close()


def tf_record_iterator(path, options=None):
    """tf.compat.v1.io.tf_record_iterator: the records of a TFRecord file, as bytes (TF 2.21
    has it only under compat.v1; tf.data.TFRecordDataset is TF2's way)."""
    return read_records(path, _options(options, "tf_record_iterator").compression_type)

