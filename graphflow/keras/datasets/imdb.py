"""IMDB movie reviews: `(x_train, y_train), (x_test, y_test) = imdb.load_data(...)`, each review
a list of word indices (an object array of lists, as Keras) and its 0/1 sentiment, with Keras's
arguments: num_words, skip_top, maxlen, seed, start_char, oov_char, index_from.

Reads `imdb.npz` (and `imdb_word_index.json` for get_word_index) from
`$GRAPHFLOW_DATA_DIR/imdb/` or the cache (or `path` when it names a file), else downloads
Keras's copy (checked against its pin). The ragged arrays are read with an unpickler that only
rebuilds arrays.

    >>> from graphflow.keras.datasets import imdb
    >>> (x, y), _ = imdb.load_data(num_words=10000)  # doctest: +SKIP
"""
import json

import numpy as np

from graphflow.errors import InvalidArgumentError
from graphflow.keras.datasets import keras_files

FILE = "imdb.npz"
SHA256 = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"
WORD_INDEX = "imdb_word_index.json"
WORD_INDEX_MD5 = "bfafd718b763782e994055a2d397834f"


def load_data(path=FILE, num_words=None, skip_top=0, maxlen=None, seed=113, start_char=1,
              oov_char=2, index_from=3, **kwargs):
    """(x_train, y_train), (x_test, y_test) as Keras returns them."""
    if kwargs:
        raise InvalidArgumentError(f"Unrecognized keyword arguments: {sorted(kwargs)}")
    data = keras_files.fetch("imdb", FILE, ("sha256", SHA256), path=path)
    x_train, labels_train, x_test, labels_test = keras_files.require(
        keras_files.load_npz(data, path), ("x_train", "y_train", "x_test", "y_test"), path)
    rng = np.random.RandomState(seed)
    indices = np.arange(len(x_train))
    rng.shuffle(indices)
    x_train, labels_train = x_train[indices], labels_train[indices]
    indices = np.arange(len(x_test))
    rng.shuffle(indices)
    x_test, labels_test = x_test[indices], labels_test[indices]
    x_train = keras_files.offset_words(x_train, start_char, index_from)
    x_test = keras_files.offset_words(x_test, start_char, index_from)
    if maxlen:
        x_train, labels_train = keras_files.remove_long_seq(maxlen, x_train, labels_train)
        x_test, labels_test = keras_files.remove_long_seq(maxlen, x_test, labels_test)
        if not x_train or not x_test:
            raise InvalidArgumentError(
                f"After filtering for sequences shorter than maxlen={maxlen}, no sequence was "
                "kept. Increase maxlen.")
    xs = keras_files.index_words(x_train + x_test, num_words, skip_top, oov_char)
    labels = np.concatenate([labels_train, labels_test])
    cut = len(x_train)
    return ((keras_files.object_array(xs[:cut]), labels[:cut]),
            (keras_files.object_array(xs[cut:]), labels[cut:]))


def get_word_index(path=WORD_INDEX):
    """{word: index} of the dataset (indices before load_data's index_from offset)."""
    data = keras_files.fetch("imdb", WORD_INDEX, ("md5", WORD_INDEX_MD5), path=path)
    try:
        return json.loads(data)
    except ValueError as e:
        raise InvalidArgumentError(f"{path}: not a JSON word index ({e})") from None
