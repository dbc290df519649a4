"""The zip archives of saved models, read defensively and written atomically.

Reading checks what the archive declares before decompressing anything: every member must be
stored or deflated (no encryption, no other codecs), declare an uncompressed size that deflate
can produce from its compressed size (at most 1032:1) and that fits the caller's limit, and the
compressed sizes must fit in the file. So a small file cannot make graphflow allocate much
(`budget`: what a file of this size may legitimately hold), and every failure of a damaged,
truncated or foreign file is one InvalidArgumentError naming the file and the member.

Writing goes to a temporary file in the target's directory, created with the permissions an
ordinary open() would give (0o666 minus the umask, or the mode of the file being replaced),
then renamed over the target, so a crash mid-save leaves the previous file intact.

    >>> import os, tempfile, zipfile, io
    >>> path = os.path.join(tempfile.mkdtemp(), "a.zip")
    >>> buffer = io.BytesIO()
    >>> with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
    ...     z.writestr("hello.txt", "hi")
    >>> atomic_write(path, buffer.getvalue())
    >>> Archive.open(path).read("hello.txt", limit=10)
    b'hi'
"""
import io
import os
import secrets
import stat
import struct
import zipfile
import zlib

from graphflow.errors import InvalidArgumentError, NotFoundError

MAX_DEFLATE_RATIO = 1032  # the most deflate can expand: 258 bytes per 2 bits, roughly
_MEMBER_SLACK = 1 << 10
# A file may hold weights up to what its bytes can decompress to, plus a fixed allowance.
BUDGET_RATIO = 2 * MAX_DEFLATE_RATIO
BUDGET_BASE = 64 << 20

# What zipfile and zlib raise on damaged archives (some from deep inside).
ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, NotImplementedError,
              RuntimeError, EOFError, OSError, ValueError, struct.error, KeyError, IndexError,
              OverflowError, UnicodeDecodeError)


class MissingFileError(NotFoundError, InvalidArgumentError):
    """A path with no file: a NotFoundError, and a ValueError as Keras's load_model raises."""


class Archive:
    """A zip archive checked member by member; `source` names it in every error."""

    def __init__(self, zf, source, size, budget):
        self._zip = zf
        self.source = source
        self.size = size          # bytes of the archive itself
        self.budget = budget      # bytes the contents may decompress/allocate to
        self._infos = {}
        self._check_directory()

    @classmethod
    def open(cls, path, what="graphflow .keras model file"):
        """The archive at `path`: a missing path is NotFoundError (and a ValueError, as in
        Keras); a directory, an empty file or a file that is not a zip archive is
        InvalidArgumentError."""
        path = os.fspath(path)
        if os.path.isdir(path):
            raise InvalidArgumentError(f"{path}: is a directory, not a {what}")
        try:
            f = open(path, "rb")
        except FileNotFoundError:
            raise MissingFileError(f"File not found: filepath={path}. No file or directory "
                                   f"found at {path}") from None
        try:
            size = os.fstat(f.fileno()).st_size
            if size == 0:
                raise InvalidArgumentError(f"{path}: the file is empty; not a {what}")
            data = f.read()
        finally:
            f.close()
        return cls.from_bytes(data, path, what)

    @classmethod
    def from_bytes(cls, data, source, what="graphflow .keras model file", budget=None):
        if not data:
            raise InvalidArgumentError(f"{source}: the data is empty; not a {what}")
        try:
            zf = zipfile.ZipFile(io.BytesIO(data))
        except ZIP_ERRORS as e:
            raise InvalidArgumentError(
                f"{source}: not a {what} (not a zip archive, or a truncated one: "
                f"{type(e).__name__}: {e})") from None
        # zipfile also accepts data before the archive and finds an end record anywhere in the
        # last 64 KB: a truncated file could open as the zip stored inside it. Ours start with
        # a member and end with the end record.
        end = len(data) - 22 - len(zf.comment)
        starts = data.startswith(b"PK\x03\x04") or (end == 0 and not zf.infolist())  # or empty
        if not starts or end < 0 or data[end:end + 4] != b"PK\x05\x06":
            raise InvalidArgumentError(
                f"{source}: not a {what} (the zip archive is truncated, or has data before or "
                "after it)")
        if budget is None:
            budget = BUDGET_BASE + BUDGET_RATIO * len(data)
        return cls(zf, source, len(data), budget)

    def _check_directory(self):
        compressed = 0
        try:
            infos = self._zip.infolist()
        except ZIP_ERRORS as e:  # pragma: no cover - infolist reads what ZipFile() parsed
            raise InvalidArgumentError(f"{self.source}: corrupt zip directory ({e})") from None
        for info in infos:
            name = info.filename
            if name in self._infos:
                raise InvalidArgumentError(f"{self.source}: member {name!r} appears twice")
            if info.flag_bits & 0x1:
                raise InvalidArgumentError(f"{self.source}: member {name!r} is encrypted")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise InvalidArgumentError(
                    f"{self.source}: member {name!r} uses compression method "
                    f"{info.compress_type}; graphflow writes only stored or deflated members")
            most = info.compress_size if info.compress_type == zipfile.ZIP_STORED else \
                MAX_DEFLATE_RATIO * info.compress_size + _MEMBER_SLACK
            if info.file_size > most:
                raise InvalidArgumentError(
                    f"{self.source}: member {name!r} declares {info.file_size} bytes, more than "
                    f"its {info.compress_size} compressed bytes can hold (a zip bomb, or a "
                    "damaged directory)")
            compressed += info.compress_size
            self._infos[name] = info
        if compressed > self.size:
            raise InvalidArgumentError(
                f"{self.source}: the members declare {compressed} compressed bytes but the "
                f"archive has {self.size}; the file is truncated or damaged")

    def names(self):
        return list(self._infos)

    def __contains__(self, name):
        return name in self._infos

    def declared_size(self, name):
        return self._infos[name].file_size

    def read(self, name, limit):
        """The bytes of member `name`, refusing (before decompressing) one that declares more
        than `limit` bytes or than the budget allows."""
        info = self._infos.get(name)
        if info is None:
            raise InvalidArgumentError(f"{self.source}: the archive has no {name!r}")
        limit = min(limit, self.budget)
        if info.file_size > limit:
            raise InvalidArgumentError(
                f"{self.source}: member {name!r} declares {info.file_size} bytes, more than "
                f"the {limit} it may hold")
        try:
            with self._zip.open(info) as member:
                data = member.read(limit + 1)
        except ZIP_ERRORS as e:
            raise InvalidArgumentError(
                f"{self.source}: member {name!r} is corrupt ({type(e).__name__}: {e})") from None
        if len(data) != info.file_size:
            raise InvalidArgumentError(
                f"{self.source}: member {name!r} holds {len(data)} bytes but declares "
                f"{info.file_size}")
        return data

    def open_member(self, name):
        """A stream over member `name` (for reading a header before the data); read errors are
        the caller's to translate with ZIP_ERRORS."""
        return self._zip.open(self._infos[name])


def zip_bytes(members, compression=zipfile.ZIP_DEFLATED):
    """A zip archive of {name: bytes} (str values are UTF-8 encoded)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as z:
        for name, data in members.items():
            if isinstance(data, tuple):  # (bytes, compression) for one member
                z.writestr(name, data[0], compress_type=data[1])
            else:
                z.writestr(name, data)
    return buffer.getvalue()


def atomic_write(filepath, data, overwrite=True):
    """Writes `data` to `filepath` through a temporary file renamed over it; the file gets the
    mode open() would give it (0o666 & ~umask for a new file, the old file's mode otherwise)."""
    filepath = os.fspath(filepath)
    if os.path.isdir(filepath):
        raise InvalidArgumentError(f"{filepath}: is a directory; give a file path to save to")
    if os.path.exists(filepath) and not overwrite:
        raise InvalidArgumentError(f"{filepath} exists and overwrite=False")
    directory = os.path.dirname(os.path.abspath(filepath))
    os.makedirs(directory, exist_ok=True)
    try:
        mode = stat.S_IMODE(os.stat(filepath).st_mode)
    except FileNotFoundError:
        mode = None
    tmp = os.path.join(directory, f".tmp-{secrets.token_hex(8)}-{os.path.basename(filepath)}")
    # The kernel applies the umask to 0o666, as for open(); no process-wide umask change.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, filepath)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
