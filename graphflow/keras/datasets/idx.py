"""Reading the standard gzipped IDX files, finding them, and downloading them safely.

Look-up order for a dataset `name`: an explicit `path`; `$GRAPHFLOW_DATA_DIR/<name>/`; the user
cache directory (`$GRAPHFLOW_CACHE_DIR/datasets/<name>`, default ~/.cache/graphflow/datasets);
then a download from the dataset's public mirrors into that cache. A downloaded file is kept
only if it matches its pin: the sha256 of its decompressed IDX content (content, not the gzip
stream, so any mirror's recompression verifies), or, where a dataset's authors publish a checksum
of their .gz files instead (Fashion-MNIST publishes MD5s), that digest of the file as published.
It is written to a temporary file and renamed, so a failed download never leaves a partial file.

    >>> from graphflow.keras.datasets.idx import parse_idx
    >>> import gzip, struct
    >>> raw = struct.pack(">HBBI", 0, 8, 1, 3) + bytes([1, 2, 3])
    >>> parse_idx(gzip.compress(raw), "example").tolist()
    [1, 2, 3]
"""
import gzip
import hashlib
import os
import pathlib
import struct
import tempfile
import urllib.request

import numpy as np

from graphflow.errors import InvalidArgumentError, NotFoundError

_IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: np.int16, 0x0C: np.int32, 0x0D: np.float32,
              0x0E: np.float64}


def parse_idx(data, what):
    """An array from the bytes of a (gzipped) IDX file, validating the header and size."""
    try:
        raw = gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data
    except (OSError, EOFError) as e:
        raise InvalidArgumentError(f"{what}: not a valid gzip file ({e})") from None
    if len(raw) < 4:
        raise InvalidArgumentError(f"{what}: truncated IDX file ({len(raw)} bytes)")
    zero, type_code, ndim = struct.unpack(">HBB", raw[:4])
    if zero != 0 or type_code not in _IDX_TYPES:
        raise InvalidArgumentError(f"{what}: not an IDX file (bad magic number)")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise InvalidArgumentError(f"{what}: truncated IDX header")
    shape = struct.unpack(">" + "I" * ndim, raw[4:header])
    dtype = np.dtype(_IDX_TYPES[type_code]).newbyteorder(">")
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) - header != expected:
        raise InvalidArgumentError(
            f"{what}: IDX data has {len(raw) - header} bytes but the header promises {expected} "
            f"(shape {shape}); the file is truncated or corrupt")
    return np.frombuffer(raw, dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def cache_root():
    root = os.environ.get("GRAPHFLOW_CACHE_DIR")
    if not root:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        root = os.path.join(base, "graphflow")
    return pathlib.Path(root) / "datasets"


def content_sha256(data):
    """sha256 of the IDX content (decompressed when gzipped)."""
    try:
        raw = gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data
    except (OSError, EOFError):
        return None
    return hashlib.sha256(raw).hexdigest()


def verify(data, pin):
    """Whether downloaded bytes match a pin: a hex sha256 of the IDX content, or
    (algorithm, hex digest) of the file exactly as published.

        >>> import hashlib
        >>> verify(b"abc", ("md5", hashlib.md5(b"abc").hexdigest()))
        True
    """
    if isinstance(pin, tuple):
        algorithm, digest = pin
        return hashlib.new(algorithm, data).hexdigest() == digest
    return content_sha256(data) == pin


def _pin_name(pin):
    return pin[0] if isinstance(pin, tuple) else "sha256"


class _DownloadFailed(Exception):
    """Every mirror failed for one file; args[0] lists why, mirror by mirror."""


def _download(urls, filename, digest, dest):
    errors = []
    for base in urls:
        url = base.rstrip("/") + "/" + filename
        try:
            with urllib.request.urlopen(url, timeout=60) as response:
                data = response.read()
        except OSError as e:
            reason = getattr(e, "reason", None) or e
            errors.append(f"{url}: {reason}")
            continue
        if not verify(data, digest):
            errors.append(f"{url}: {_pin_name(digest)} mismatch (corrupted or wrong file), "
                          "discarded")
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{filename}.")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, dest)
        return data
    raise _DownloadFailed("; ".join(errors))


def _not_found(name, files, looked, tail):
    """The one-line error: which files, where graphflow looked, what failed, what to do."""
    missing = ", ".join(files)
    return NotFoundError(
        f"{name}: cannot find the dataset's files ({missing}). Looked in {'; '.join(looked)}"
        f"{tail}. To provide them offline, put the {len(files)} files in <folder>/{name}/ and "
        f"set GRAPHFLOW_DATA_DIR=<folder> (or pass path=<folder>/{name})")


def load_files(name, files, mirrors, path=None):
    """{filename: bytes} for the dataset's files, looked up in the documented order."""
    candidates, looked = [], []
    if path is not None:
        p = pathlib.Path(path)
        candidates.append(p if p.is_dir() else p.parent)
        looked.append(f"path= {candidates[-1]}")
    env = os.environ.get("GRAPHFLOW_DATA_DIR")
    if env:
        candidates.append(pathlib.Path(env) / name)
        state = "" if candidates[-1].is_dir() else ", which does not exist"
        looked.append(f"$GRAPHFLOW_DATA_DIR/{name} = {candidates[-1]}{state}")
    else:
        looked.append("$GRAPHFLOW_DATA_DIR (not set)")
    cache = cache_root() / name
    candidates.append(cache)
    looked.append(f"the cache {cache}")
    for directory in candidates:
        if all((directory / f).is_file() for f in files):
            return {f: (directory / f).read_bytes() for f in files}
    if path is not None:
        raise _not_found(name, files, looked[:1], "")
    if not mirrors:
        raise _not_found(name, files, looked, " (graphflow has no pinned checksums to verify a "
                                              "download of it)")
    out = {}
    for f in files:
        try:
            out[f] = (cache / f).read_bytes() if (cache / f).is_file() \
                else _download(mirrors, f, files[f], cache / f)
        except _DownloadFailed as e:
            raise _not_found(name, files, looked, f", then downloading {f} failed ({e})") \
                from None
    return out
