"""keras.utils.get_file: download a file once into the Keras cache, check its hash, extract it.

The cache is `cache_dir/cache_subdir` (default `$KERAS_HOME` or `~/.keras`, then `datasets`), as
in Keras. A file already there is reused (re-downloaded if `file_hash` no longer matches).
Downloads go to a temporary file renamed into place, so an interrupted download never leaves a
half-written file that a later call would take for the real one.

    >>> import os, tempfile, pathlib
    >>> src = pathlib.Path(tempfile.mkdtemp()) / "hello.txt"
    >>> _ = src.write_text("hi")
    >>> path = keras.utils.get_file(origin=src.as_uri(), cache_dir=tempfile.mkdtemp())  # doctest: +ELLIPSIS
    Downloading data from file:///...hello.txt
    >>> os.path.basename(path), open(path).read()
    ('hello.txt', 'hi')
"""
import hashlib
import os
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile

from graphflow.errors import InvalidArgumentError, NotFoundError


def _hash_algorithm(file_hash, hash_algorithm):
    if hash_algorithm == "auto":
        return "sha256" if len(file_hash) == 64 else "md5"
    if hash_algorithm not in ("sha256", "md5"):
        raise InvalidArgumentError(
            f"get_file: hash_algorithm must be 'auto', 'sha256' or 'md5', got {hash_algorithm!r}")
    return hash_algorithm


def hash_file(fpath, algorithm="sha256", chunk_size=65535):
    """The hex digest of a file ('sha256' or 'md5')."""
    hasher = hashlib.sha256() if algorithm in ("sha256", "auto") else hashlib.md5()
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def validate_file(fpath, file_hash, algorithm="auto", chunk_size=65535):
    """Whether the file's hash equals `file_hash`."""
    algorithm = _hash_algorithm(str(file_hash), algorithm)
    return hash_file(fpath, algorithm, chunk_size) == str(file_hash)


def _cache_base(cache_dir):
    if cache_dir is None:
        cache_dir = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    base = os.path.expanduser(os.fspath(cache_dir))
    os.makedirs(base, exist_ok=True)
    if not os.access(base, os.W_OK):  # as Keras does: fall back to a writable place
        base = os.path.join(tempfile.gettempdir(), ".keras")
    return base


def _download(origin, target):
    directory = os.path.dirname(target)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".download-")
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                with urllib.request.urlopen(origin) as response:
                    shutil.copyfileobj(response, out)
            except urllib.error.HTTPError as e:
                raise NotFoundError(f"URL fetch failure on {origin}: {e.code} -- {e.msg}") from e
            except (urllib.error.URLError, OSError) as e:
                reason = getattr(e, "reason", e)
                raise NotFoundError(
                    f"URL fetch failure on {origin}: {getattr(e, 'errno', None)} -- {reason} "
                    "(no network? place the file in the cache directory yourself: "
                    f"{target})") from e
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def _safe_members(names, dest):
    root = os.path.realpath(dest)
    for name in names:
        path = os.path.realpath(os.path.join(dest, name))
        if path != root and not path.startswith(root + os.sep):
            raise InvalidArgumentError(
                f"get_file: archive member {name!r} would be written outside {dest}")


def extract_archive(file_path, path=".", archive_format="auto"):
    """Extracts a tar or zip archive into `path`; returns whether it was an archive."""
    formats = ["tar", "zip"] if archive_format == "auto" else \
        [archive_format] if isinstance(archive_format, str) else list(archive_format or [])
    for fmt in formats:
        if fmt == "tar" and tarfile.is_tarfile(file_path):
            with tarfile.open(file_path) as archive:
                _safe_members(archive.getnames(), path)
                archive.extractall(path)
            return True
        if fmt == "zip" and zipfile.is_zipfile(file_path):
            with zipfile.ZipFile(file_path) as archive:
                _safe_members(archive.namelist(), path)
                archive.extractall(path)
            return True
    return False


def get_file(fname=None, origin=None, untar=False, md5_hash=None, file_hash=None,
             cache_subdir="datasets", hash_algorithm="auto", extract=False,
             archive_format="auto", cache_dir=None, force_download=False):
    """Downloads `origin` into the cache unless it is already there; returns the local path
    (the extraction directory when `extract=True`)."""
    if origin is None:
        raise InvalidArgumentError(
            'get_file: please specify the "origin" argument (URL of the file to download)')
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    datadir = os.path.join(_cache_base(cache_dir), cache_subdir)
    os.makedirs(datadir, exist_ok=True)
    provided = fname is not None
    fname = os.fspath(fname) if provided else \
        os.path.basename(urllib.parse.urlsplit(origin).path)
    if not fname:
        raise InvalidArgumentError(
            f"get_file: cannot derive a file name from origin {origin!r}; pass `fname`")
    if os.sep in fname:
        raise InvalidArgumentError(
            "get_file: paths are not accepted as `fname`; use `cache_dir`/`cache_subdir` to "
            f"choose the folder. Received: fname={fname}")
    extract = extract or untar
    if extract:
        stem = fname[:fname.find(".")] if "." in fname else fname
        if provided and "." in fname:
            target, extraction_dir = os.path.join(datadir, fname), \
                os.path.join(datadir, f"{stem}_extracted")
        else:
            target, extraction_dir = os.path.join(datadir, f"{stem}_archive"), \
                os.path.join(datadir, stem)
    else:
        target = os.path.join(datadir, fname)

    download = force_download or not os.path.exists(target)
    if not download and file_hash is not None and \
            not validate_file(target, file_hash, hash_algorithm):
        download = True  # a stale or partial copy in the cache: fetch it again
    if download:
        from graphflow.keras.utils.io_utils import print_msg
        print_msg(f"Downloading data from {origin}")
        _download(origin, target)
        if file_hash is not None and not validate_file(target, file_hash, hash_algorithm):
            algorithm = _hash_algorithm(str(file_hash), hash_algorithm)
            os.remove(target)
            raise InvalidArgumentError(
                f"get_file: incomplete or corrupted file downloaded from {origin}: its "
                f"{algorithm} hash does not match the expected value {file_hash}")
    if extract:
        if download or not os.path.exists(extraction_dir):
            if os.path.exists(extraction_dir):
                shutil.rmtree(extraction_dir)
            if not extract_archive(target, extraction_dir, archive_format):
                raise InvalidArgumentError(
                    f"get_file: {target} is not a {archive_format} archive it can extract")
        return extraction_dir
    return target
