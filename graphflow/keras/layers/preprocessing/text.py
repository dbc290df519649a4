"""TextVectorization: strings -> standardized -> split into tokens -> n-grams -> vocabulary
indices (output_mode "int", padded or cut to output_sequence_length) or per-text vectors
("multi_hot", "count", "tf_idf").

    >>> from graphflow import keras
    >>> vectorize = keras.layers.TextVectorization(output_sequence_length=4)
    >>> vectorize.adapt(["The cat sat.", "The dog!"])
    >>> vectorize.get_vocabulary()
    ['', '[UNK]', 'the', 'sat', 'dog', 'cat']
    >>> vectorize(tf.constant(["the cat ran"])).numpy()
    array([[2, 5, 1, 0]])
"""
import numpy as np

from graphflow.errors import InvalidArgumentError
from graphflow.keras.layers.base import Layer
from graphflow.keras.layers.preprocessing.adapt import adapt_batches
from graphflow.keras.layers.preprocessing.encoding import check_sparse, encode_rows, sparse_result
from graphflow.keras.layers.preprocessing.lookup import SPARSE_MESSAGE, StringLookup
from graphflow.ops import api as ops
from graphflow.ops import strings
from graphflow.ops.ragged import RaggedTensor

# Keras's DEFAULT_STRIP_REGEX: ASCII punctuation
STRIP_REGEX = r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']'
STANDARDIZE = ("lower_and_strip_punctuation", "lower", "strip_punctuation")
SPLIT = ("whitespace", "character")


def _ngram_widths(ngrams):
    if ngrams is None:
        return None
    if isinstance(ngrams, int) and not isinstance(ngrams, bool):
        if ngrams < 1:
            raise InvalidArgumentError(f"TextVectorization: ngrams must be >= 1, got {ngrams}")
        return tuple(range(1, ngrams + 1))
    widths = tuple(int(n) for n in ngrams)
    if not widths or min(widths) < 1:
        raise InvalidArgumentError(f"TextVectorization: invalid ngrams {ngrams!r}")
    return widths


def ngrams(tokens, widths, separator=" "):
    """The n-grams of each row of a ragged batch of tokens, for each width in `widths`: per
    row, all the n-grams of the first width, then of the next (tf.strings.ngrams's order)."""
    flat, splits = tokens.flat_values, ops.cast(tokens.row_splits, "int64")
    lengths = splits[1:] - splits[:-1]
    nrows = ops.shape(lengths)[0]
    rows = ops.repeat(ops.range(nrows, dtype="int64"), lengths)
    total = ops.cast(ops.shape(flat)[0], "int64")
    pieces, piece_rows, piece_keys = [], [], []
    for k, n in enumerate(widths):
        count = ops.maximum(total - (n - 1), 0)
        starts = ops.range(count, dtype="int64")
        parts = [ops.gather(flat, starts + j) for j in range(n)]
        gram = parts[0] if n == 1 else strings.join(parts, separator=separator)
        # an n-gram is valid when its last token is in the same row as its first
        first_row = ops.gather(rows, starts)
        last_row = ops.gather(rows, starts + (n - 1))
        keep = ops.equal(first_row, last_row)
        pieces.append(ops.boolean_mask(gram, keep))
        kept_rows = ops.boolean_mask(first_row, keep)
        piece_rows.append(kept_rows)
        piece_keys.append(kept_rows * len(widths) + k)
    values = ops.concat(pieces, 0)
    keys = ops.concat(piece_keys, 0)
    order = ops.argsort(keys, stable=True)  # by row, then by width, then by position
    values = ops.gather(values, order)
    out_rows = ops.gather(ops.concat(piece_rows, 0), order)
    counts = ops.reduce_sum(ops.cast(ops.equal(ops.expand_dims(out_rows, 0),
                                               ops.expand_dims(ops.range(nrows, dtype="int64"),
                                                               1)), "int64"), 1)
    splits = ops.concat([ops.zeros([1], "int64"), ops.cumsum(counts)], 0)
    return RaggedTensor.from_row_splits(values, splits)


class TextVectorization(Layer):
    """Keras's TextVectorization. standardize: "lower_and_strip_punctuation" (default),
    "lower", "strip_punctuation", None or a callable; split: "whitespace" (default),
    "character", None or a callable; ngrams: None, n (1..n-grams) or a tuple of widths."""

    _convert_input_args = False  # converts its own inputs (as Keras's)

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation",
                 split="whitespace", ngrams=None, output_mode="int",
                 output_sequence_length=None, pad_to_max_tokens=False, vocabulary=None,
                 idf_weights=None, sparse=False, ragged=False, encoding="utf-8", **kwargs):
        kwargs.pop("vocabulary_size", None)
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = "int64" if output_mode == "int" else "float32"
        super().__init__(**kwargs)
        if not (standardize is None or callable(standardize) or standardize in STANDARDIZE):
            raise InvalidArgumentError(
                f"TextVectorization: `standardize` must be one of {list(STANDARDIZE)}, None or "
                f"a callable, got {standardize!r}")
        if not (split is None or callable(split) or split in SPLIT):
            raise InvalidArgumentError(
                f"TextVectorization: `split` must be one of {list(SPLIT)}, None or a callable, "
                f"got {split!r}")
        if output_mode not in ("int", "multi_hot", "count", "tf_idf"):
            raise InvalidArgumentError(
                f"TextVectorization: unknown `output_mode` {output_mode!r}; expected one of "
                "['int', 'multi_hot', 'count', 'tf_idf']")
        if output_sequence_length is not None and output_mode != "int":
            raise InvalidArgumentError(
                "`output_sequence_length` must not be set if `output_mode` is not 'int'. "
                f"Received output_sequence_length={output_sequence_length}.")
        if ragged and output_mode != "int":
            raise InvalidArgumentError("`ragged` must not be true if `output_mode` is not 'int'")
        sparse = check_sparse(sparse, output_mode, SPARSE_MESSAGE)
        if encoding.lower().replace("-", "") != "utf8":
            raise InvalidArgumentError("TextVectorization: only encoding='utf-8' is supported")
        self.standardize, self.split = standardize, split
        self.ngrams = ngrams
        self._widths = _ngram_widths(ngrams)
        self.output_mode, self.output_sequence_length = output_mode, output_sequence_length
        self.max_tokens, self.pad_to_max_tokens = max_tokens, bool(pad_to_max_tokens)
        self.ragged, self.sparse, self.encoding = bool(ragged), sparse, "utf-8"
        self._lookup = StringLookup(
            max_tokens=max_tokens, mask_token="" if output_mode == "int" else None,
            output_mode="int", pad_to_max_tokens=pad_to_max_tokens, name=f"{self.name}_lookup")
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)
            self._lookup._input_vocabulary = True

    # -- the text pipeline ---------------------------------------------------------------------
    def _standardize(self, text):
        s = self.standardize
        if s is None:
            return text
        if callable(s):
            return s(text)
        if s in ("lower", "lower_and_strip_punctuation"):
            text = strings.lower(text, encoding="utf-8")
        if s in ("strip_punctuation", "lower_and_strip_punctuation"):
            text = strings.regex_replace(text, STRIP_REGEX, "")
        return text

    def _split(self, text):
        if self.split is None:
            return RaggedTensor.from_row_lengths(text, ops.ones(ops.shape(text), "int64"))
        if callable(self.split):
            return self.split(text)
        if self.split == "whitespace":
            return strings.split(text)
        return strings.unicode_split(text, "UTF-8")

    def _tokens(self, inputs):
        text = ops.convert_to_tensor(inputs)
        if text.dtype.name != "string":
            raise InvalidArgumentError(
                f"TextVectorization layer {self.name!r} expects string inputs, got "
                f"{text.dtype.name}")
        if text.shape.rank == 2 and text.shape[-1] == 1:
            text = ops.squeeze(text, [1])
        elif text.shape.rank == 0:
            text = ops.reshape(text, [1])
        elif text.shape.rank != 1:
            raise InvalidArgumentError(
                f"TextVectorization layer {self.name!r} expects a batch of strings of shape "
                f"(batch,) or (batch, 1), got {text.shape}")
        tokens = self._split(self._standardize(text))
        if not isinstance(tokens, RaggedTensor):
            tokens = RaggedTensor.from_row_lengths(
                ops.reshape(tokens, [-1]),
                ops.fill(ops.shape(tokens)[:1], ops.cast(ops.shape(tokens)[1], "int64")))
        if self._widths is not None:
            tokens = ngrams(tokens, self._widths)
        return tokens

    # -- adapt / vocabulary ----------------------------------------------------------------------
    def adapt(self, data, batch_size=None, steps=None):
        """Learns the vocabulary (and idf weights) from strings: an array, list, tensor or
        Dataset of batches of strings."""
        docs = []
        for batch in adapt_batches(self, data, batch_size, steps):
            tokens = self._tokens(ops.constant(np.asarray(batch, dtype=object)))
            docs.extend(tokens.to_list())
        self._lookup.learn(docs, tf_idf=self.output_mode == "tf_idf")
        self.built = True

    def get_vocabulary(self, include_special_tokens=True):
        return self._lookup.get_vocabulary(include_special_tokens)

    def vocabulary_size(self):
        return self._lookup.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None):
        self._lookup.output_mode = self.output_mode if self.output_mode == "tf_idf" else "int"
        self._lookup.set_vocabulary(vocabulary, idf_weights)
        self._lookup.output_mode = "int"

    # -- call ----------------------------------------------------------------------------------
    def call(self, inputs):
        tokens = self._tokens(inputs)
        indices = self._lookup.lookup(tokens.flat_values)
        ragged = tokens.with_flat_values(indices)
        if self.output_mode == "int":
            if self.ragged:
                return ragged
            length = self.output_sequence_length
            return ragged.to_tensor(default_value=0,
                                    shape=None if length is None else [None, length])
        depth = self.max_tokens if self.pad_to_max_tokens and self.max_tokens else \
            self._lookup.vocabulary_size()
        lengths = ops.cast(ragged.row_lengths(), "int64")
        rows = ops.repeat(ops.range(ops.shape(lengths)[0], dtype="int64"), lengths)
        weights = ops.constant(self._lookup._idf) if self.output_mode == "tf_idf" else None
        # int64 vectors except tf_idf's, as Keras 3.15
        return sparse_result(encode_rows(indices, rows, ops.shape(lengths)[0], self.output_mode,
                                         depth, "float32" if self.output_mode == "tf_idf"
                                         else "int64", weights), self.sparse)

    def get_config(self):
        if callable(self.standardize) or callable(self.split):
            raise InvalidArgumentError(
                f"TextVectorization layer {self.name!r}: a callable standardize/split cannot "
                "be saved in a config; register a custom layer instead")
        lookup = self._lookup
        vocab = None if lookup._vocab is None else lookup.get_vocabulary(False)
        idf = None
        if self.output_mode == "tf_idf" and lookup._idf is not None:
            start = lookup._token_start()
            idf = lookup._idf[start:start + len(lookup._vocab)].tolist()
        return {**super().get_config(), "max_tokens": self.max_tokens,
                "standardize": self.standardize, "split": self.split, "ngrams": self.ngrams,
                "output_mode": self.output_mode,
                "output_sequence_length": self.output_sequence_length,
                "pad_to_max_tokens": self.pad_to_max_tokens, "sparse": self.sparse,
                "ragged": self.ragged, "vocabulary": vocab, "idf_weights": idf,
                "encoding": self.encoding}
