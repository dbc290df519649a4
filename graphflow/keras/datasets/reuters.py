"""Reuters newswire topics: `(x_train, y_train), (x_test, y_test) = reuters.load_data(...)`,
each newswire a list of word indices (an object array of lists) and its topic (0-45), with
Keras's arguments: num_words, skip_top, maxlen, test_split, seed, start_char, oov_char,
index_from.

Reads `reuters.npz` (and `reuters_word_index.json` for get_word_index) from
`$GRAPHFLOW_DATA_DIR/reuters/` or the cache (or `path` when it names a file), else downloads
Keras's copy (checked against its pin).

    >>> from graphflow.keras.datasets import reuters
    >>> len(reuters.get_label_names())
    46
"""
import json

import numpy as np

from graphflow.errors import InvalidArgumentError
from graphflow.keras.datasets import keras_files

FILE = "reuters.npz"
SHA256 = "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916"
WORD_INDEX = "reuters_word_index.json"
WORD_INDEX_MD5 = "4d44cc38712099c9e383dc6e5f11a921"
LABELS = ("cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing",
          "money-supply", "coffee", "sugar", "trade", "reserves", "ship", "cotton", "carcass",
          "crude", "nat-gas", "cpi", "money-fx", "interest", "gnp", "meal-feed", "alum",
          "oilseed", "gold", "tin", "strategic-metal", "livestock", "retail", "ipi",
          "iron-steel", "rubber", "heat", "jobs", "lei", "bop", "zinc", "orange", "pet-chem",
          "dlr", "gas", "silver", "wpi", "hog", "lead")


def load_data(path=FILE, num_words=None, skip_top=0, maxlen=None, test_split=0.2, seed=113,
              start_char=1, oov_char=2, index_from=3):
    """(x_train, y_train), (x_test, y_test) as Keras returns them."""
    data = keras_files.fetch("reuters", FILE, ("sha256", SHA256), path=path)
    xs, labels = keras_files.require(keras_files.load_npz(data, path), ("x", "y"), path)
    indices = np.arange(len(xs))
    np.random.RandomState(seed).shuffle(indices)
    xs, labels = xs[indices], labels[indices]
    xs = keras_files.offset_words(xs, start_char, index_from)
    if maxlen:
        xs, labels = keras_files.remove_long_seq(maxlen, xs, labels)
    xs = keras_files.index_words(xs, num_words, skip_top, oov_char)
    cut = int(len(xs) * (1 - test_split))
    return ((keras_files.object_array(xs[:cut]), np.array(labels[:cut])),
            (keras_files.object_array(xs[cut:]), np.array(labels[cut:])))


def get_word_index(path=WORD_INDEX):
    """{word: index} of the dataset (indices before load_data's index_from offset)."""
    data = keras_files.fetch("reuters", WORD_INDEX, ("md5", WORD_INDEX_MD5), path=path)
    try:
        return json.loads(data)
    except ValueError as e:
        raise InvalidArgumentError(f"{path}: not a JSON word index ({e})") from None


def get_label_names():
    """The 46 topic names, in label order."""
    return LABELS
