"""Finding and reading the files of Keras's datasets (CIFAR, IMDB, Reuters, housing).

The files are looked up as MNIST's are (`path=`, `$GRAPHFLOW_DATA_DIR/<dataset>/`, the cache,
then a download from Keras's origin checked against the sha256 or MD5 Keras pins). Their
Python pickles (CIFAR's batches, the ragged sequences of IMDB and Reuters) are read with an
unpickler that can only rebuild NumPy arrays, as Keras 3 does, so a tampered file cannot run
code.

    >>> import io, numpy as np
    >>> buffer = io.BytesIO()
    >>> np.savez(buffer, x=np.arange(3))
    >>> load_npz(buffer.getvalue(), "example.npz")["x"].tolist()
    [0, 1, 2]
"""
import io
import os
import pickle
import tarfile
import zipfile

import numpy as np

from graphflow.errors import InvalidArgumentError
from graphflow.keras.datasets.idx import load_files

KERAS_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets"

# NumPy's array reconstruction (both spellings of its module) and _codecs.encode, which
# Python 3's protocol-2 pickles use for bytes; nothing else can be named by a dataset pickle.
_ALLOWED = frozenset({("numpy", "ndarray"), ("numpy", "dtype"),
                      ("numpy.core.multiarray", "_reconstruct"),
                      ("numpy._core.multiarray", "_reconstruct"), ("_codecs", "encode")})


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that can only rebuild NumPy arrays."""

    def find_class(self, module, name):
        if (module, name) in _ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(
            f"Refusing to deserialize `{module}.{name}` while loading a Keras dataset. The "
            "file may be corrupted or malicious.")


def unpickle(data, what, encoding="ASCII"):
    try:
        return RestrictedUnpickler(io.BytesIO(data), encoding=encoding).load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError,
            IndexError, KeyError) as e:
        raise InvalidArgumentError(f"{what}: not a readable dataset pickle ({e})") from None


def _npy(raw, what):
    buffer = io.BytesIO(raw)
    try:
        return np.lib.format.read_array(buffer, allow_pickle=False)
    except ValueError:  # an object array (ragged sequences): its data is a pickle
        buffer.seek(0)
        try:
            version = np.lib.format.read_magic(buffer)
            if version[0] == 1:
                np.lib.format.read_array_header_1_0(buffer)
            elif version[0] in (2, 3):
                np.lib.format.read_array_header_2_0(buffer)
            else:
                raise ValueError(f"unsupported .npy version {version}")
        except ValueError as e:
            raise InvalidArgumentError(f"{what}: not a .npy array ({e})") from None
        return unpickle(buffer.read(), what, encoding="latin1")


def load_npz(data, what):
    """{name: array} of the bytes of an .npz archive; object arrays through the restricted
    unpickler."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as e:
        raise InvalidArgumentError(f"{what}: not an .npz archive ({e})") from None
    with archive:
        return {member[:-4]: _npy(archive.read(member), f"{what}: {member}")
                for member in archive.namelist() if member.endswith(".npy")}


def fetch(name, filename, pin, origin=KERAS_ORIGIN, path=None):
    """The bytes of one dataset file. `path` is Keras's: a file name to look for (the default
    name, or another), or a path to the file itself."""
    if path is not None and os.path.dirname(os.fspath(path)):
        located, filename = os.path.dirname(os.path.abspath(path)), os.path.basename(path)
    else:
        located, filename = None, os.fspath(path) if path is not None else filename
    return load_files(name, {filename: pin}, [origin], located)[filename]


def require(arrays, keys, what):
    missing = [k for k in keys if k not in arrays]
    if missing:
        raise InvalidArgumentError(f"{what}: the archive has no {missing} (it holds "
                                   f"{sorted(arrays)})")
    return [arrays[k] for k in keys]


def cifar_batches(data, what, members, label_key):
    """(images of shape (n, 3, 32, 32), labels) of the named pickled batches in a CIFAR
    .tar.gz, read from memory (nothing is extracted to disk)."""
    try:
        tar = tarfile.open(fileobj=io.BytesIO(data), mode="r:*")
    except tarfile.TarError as e:
        raise InvalidArgumentError(f"{what}: not a tar archive ({e})") from None
    with tar:
        by_name = {m.name: m for m in tar.getmembers() if m.isfile()}
        images, labels = [], []
        for member in members:
            if member not in by_name:
                raise InvalidArgumentError(f"{what}: the archive has no {member!r}")
            batch = unpickle(tar.extractfile(by_name[member]).read(), f"{what}: {member}",
                             encoding="bytes")
            if not isinstance(batch, dict):
                raise InvalidArgumentError(f"{what}: {member} is not a CIFAR batch")
            batch = {k.decode("utf8") if isinstance(k, bytes) else k: v for k, v in batch.items()}
            if "data" not in batch or label_key not in batch:
                raise InvalidArgumentError(
                    f"{what}: {member} has no 'data' / {label_key!r} (keys {sorted(batch)})")
            x = np.asarray(batch["data"], dtype=np.uint8)
            if x.ndim != 2 or x.shape[1] != 3 * 32 * 32:
                raise InvalidArgumentError(
                    f"{what}: {member}'s data has shape {x.shape}, not (n, 3072)")
            y = np.asarray(batch[label_key])
            if y.shape != (len(x),):
                raise InvalidArgumentError(
                    f"{what}: {member} has {len(y)} labels for {len(x)} images")
            images.append(x.reshape(len(x), 3, 32, 32))
            labels.append(y.astype(np.int64))
    return np.concatenate(images), np.concatenate(labels)


def cifar_arrays(images, labels):
    """Keras's CIFAR layout: channels last, labels of shape (n, 1)."""
    from graphflow.keras.backend import image_data_format
    if image_data_format() == "channels_last":
        images = images.transpose(0, 2, 3, 1)
    return images, labels.reshape(len(labels), 1)


def check_test_split(test_split):
    if not 0 <= test_split < 1:
        raise InvalidArgumentError(
            f"Invalid `test_split` argument: {test_split}. It must be between 0 and 1 "
            "(exclusive of 1).")


def split_shuffled(x, y, test_split, seed):
    """Keras's housing split: shuffle with RandomState(seed), the last test_split held out."""
    indices = np.arange(len(x))
    np.random.RandomState(seed).shuffle(indices)
    x, y = x[indices], y[indices]
    cut = int(len(x) * (1 - test_split))
    return (np.array(x[:cut]), np.array(y[:cut])), (np.array(x[cut:]), np.array(y[cut:]))


def remove_long_seq(maxlen, seq, label):
    """The sequences shorter than maxlen, with their labels."""
    kept = [(x, y) for x, y in zip(seq, label) if len(x) < maxlen]
    return [x for x, _ in kept], [y for _, y in kept]


def index_words(xs, num_words, skip_top, oov_char):
    if not num_words:
        num_words = max(max(x) for x in xs if len(x)) if any(len(x) for x in xs) else 0
    if oov_char is not None:
        return [[w if skip_top <= w < num_words else oov_char for w in x] for x in xs]
    return [[w for w in x if skip_top <= w < num_words] for x in xs]


def offset_words(xs, start_char, index_from):
    if start_char is not None:
        return [[start_char] + [int(w) + index_from for w in x] for x in xs]
    if index_from:
        return [[int(w) + index_from for w in x] for x in xs]
    return [[int(w) for w in x] for x in xs]


def object_array(lists):
    """Keras's np.array(lists, dtype="object"): one list per row, or a 2-D object array when
    all the lists have one length."""
    return np.array(lists, dtype="object")
