"""StringLookup and IntegerLookup: vocabulary terms to indices (and back with invert=True),
as Keras's IndexLookup.

Indices: with output_mode="int" and a mask_token, 0 is the mask; then come `num_oov_indices`
out-of-vocabulary indices (OOV terms are hashed among them when there are several), then the
vocabulary. `adapt` keeps the most frequent terms (ties broken by the larger term, as Keras's
lexsort), up to max_tokens in all.

    >>> from graphflow import keras
    >>> layer = keras.layers.StringLookup()
    >>> layer.adapt(["a", "b", "b", "c", "c", "c"])
    >>> layer.get_vocabulary()
    ['[UNK]', 'c', 'b', 'a']
    >>> layer(tf.constant([["c", "x"]])).numpy()
    array([[1, 0]])
"""
import collections

import numpy as np

from graphflow.errors import InvalidArgumentError
from graphflow.keras.layers.base import Layer
from graphflow.keras.layers.preprocessing.adapt import adapt_batches
from graphflow.keras.layers.preprocessing.encoding import (check_mode, check_sparse,
                                                           encode_categorical, sparse_result)
from graphflow.ops import api as ops
from graphflow.ops.lookup import vocabulary_lookup

LOOKUP_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")


SPARSE_MESSAGE = ("`sparse` may only be true if `output_mode` is `'one_hot'`, `'multi_hot'`, "
                  "`'count'` or `'tf_idf'`.")


class IndexLookup(Layer):
    """The shared lookup machinery; subclasses say how terms are typed (`_key_dtype`)."""

    _convert_input_args = False  # converts its own inputs (as Keras's)
    _key_dtype = "string"

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]",
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int",
                 pad_to_max_tokens=False, sparse=False, **kwargs):
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = "int64" if output_mode == "int" else "float32"
        kwargs.pop("vocabulary_dtype", None)
        kwargs.pop("encoding", None)
        kwargs.pop("oov_method", None)
        super().__init__(**kwargs)
        name = type(self).__name__
        self.output_mode = check_mode(name, output_mode, LOOKUP_MODES)
        if max_tokens is not None and max_tokens <= 1:
            raise InvalidArgumentError(
                f"If set, `max_tokens` must be greater than 1. Received: max_tokens={max_tokens}")
        if num_oov_indices < 0:
            raise InvalidArgumentError(
                "`num_oov_indices` must be greater than or equal to 0. Received: "
                f"num_oov_indices={num_oov_indices}")
        if invert and output_mode != "int":
            raise InvalidArgumentError(
                "`output_mode` must be `'int'` when `invert` is true. Received: "
                f"output_mode={output_mode}")
        if idf_weights is not None and output_mode != "tf_idf":
            raise InvalidArgumentError(
                "`idf_weights` should only be set if `output_mode` is `'tf_idf'`. Received: "
                f"idf_weights={idf_weights!r:.40} and output_mode={output_mode}")
        sparse = check_sparse(sparse, output_mode, SPARSE_MESSAGE)
        self.max_tokens, self.num_oov_indices = max_tokens, int(num_oov_indices)
        self.mask_token, self.oov_token = mask_token, oov_token
        self.invert, self.pad_to_max_tokens, self.sparse = bool(invert), bool(pad_to_max_tokens), sparse
        self._vocab = None          # the learned or given terms (no special tokens)
        self._idf = None            # tf_idf weights over all indices
        self._input_vocabulary = vocabulary is not None
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)

    # -- indices -------------------------------------------------------------------------------
    def _oov_start(self):
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start(self):
        return self._oov_start() + self.num_oov_indices

    def _convert_terms(self, terms):
        raise NotImplementedError

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Sets the terms (without the mask and OOV tokens; a leading mask/OOV token is
        dropped, as Keras accepts a vocabulary written by get_vocabulary())."""
        if isinstance(vocabulary, str):
            with open(vocabulary, encoding="utf-8") as f:
                vocabulary = [line for line in f.read().splitlines() if line != ""]
        terms = self._convert_terms(list(np.asarray(
            vocabulary.numpy() if hasattr(vocabulary, "numpy") else vocabulary,
            dtype=object).reshape(-1)))
        specials = [t for t in (self.mask_token, self.oov_token) if t is not None]
        specials = self._convert_terms(specials)
        lead = 0
        while lead < len(terms) and terms[lead] in specials[:2] and lead < 1 + self.num_oov_indices:
            lead += 1
        terms = terms[lead:]
        if len(set(terms)) != len(terms):
            repeated = [t for t, n in collections.Counter(terms).items() if n > 1]
            raise InvalidArgumentError(
                f"The passed vocabulary has at least one repeated term. Please uniquify your "
                f"dataset. The repeated terms are: {repeated[:10]}")
        for token in specials:
            if token in terms:
                raise InvalidArgumentError(
                    f"Found reserved token {token!r} in the vocabulary at index "
                    f"{terms.index(token) + lead}; special tokens may only start the vocabulary")
        if self.max_tokens is not None and len(terms) + self._token_start() > self.max_tokens:
            raise InvalidArgumentError(
                f"Attempted to set a vocabulary larger than the maximum vocab size. Received "
                f"vocabulary size is {len(terms) + self._token_start()}; `max_tokens` is "
                f"{self.max_tokens}.")
        if self.output_mode == "tf_idf":
            if idf_weights is None:
                raise InvalidArgumentError(
                    "`idf_weights` must be set if output_mode is 'tf_idf'.")
            idf = np.asarray(idf_weights, np.float32).reshape(-1)
            if len(idf) != len(terms):
                raise InvalidArgumentError(
                    f"`idf_weights` must be the same length as vocabulary. len(idf_weights) is "
                    f"{len(idf)}; len(vocabulary) is {len(terms)}")
            self._set_idf(idf)
        self._vocab = tuple(terms)

    def _set_idf(self, idf):
        front = np.full(self._token_start(), idf.mean() if len(idf) else 0, np.float32)
        weights = np.concatenate([front, idf]).astype(np.float32)
        if self.pad_to_max_tokens and self.max_tokens is not None:
            weights = np.pad(weights, (0, self.max_tokens - len(weights)))
        self._idf = weights

    def vocabulary_size(self):
        """The number of indices, the mask and OOV indices included."""
        return len(self._vocab or ()) + self._token_start()

    def get_vocabulary(self, include_special_tokens=True):
        terms = [self._show(t) for t in self._vocab or ()]
        if not include_special_tokens:
            return terms
        head = ([self.mask_token] if self._oov_start() else []) + \
            [self.oov_token] * self.num_oov_indices
        return head + terms

    def _show(self, term):
        return term

    # -- adapt ---------------------------------------------------------------------------------
    def _adapt_terms(self, batch):
        """The terms of one adapt batch and, for tf_idf, its documents (lists of terms)."""
        array = np.asarray(batch)
        if array.ndim <= 1:
            docs = [[t] for t in array.reshape(-1)]
        else:
            docs = [list(row.reshape(-1)) for row in array]
        return docs

    def adapt(self, data, batch_size=None, steps=None):
        """Learns the vocabulary (and idf weights for tf_idf) from `data`: an array, a list, a
        tensor or a Dataset of batches."""
        if self._input_vocabulary:
            raise InvalidArgumentError(
                f"{type(self).__name__}: cannot adapt a layer created with a vocabulary")
        docs = (doc for batch in adapt_batches(self, data, batch_size, steps)
                for doc in self._adapt_terms(batch))
        self.learn(docs, tf_idf=self.output_mode == "tf_idf")

    def learn(self, docs, tf_idf=False):
        """Sets the vocabulary from documents (lists of terms), and the idf weights if
        `tf_idf`: the most frequent terms first, ties by the larger term."""
        counts, doc_counts, num_docs = collections.Counter(), collections.Counter(), 0
        for doc in docs:
            doc = self._convert_terms(doc)
            counts.update(doc)
            doc_counts.update(set(doc))
            num_docs += 1
        for special in self._convert_terms(
                [t for t in (self.mask_token, self.oov_token) if t is not None]):
            counts.pop(special, None)
        terms = list(counts)
        # Keras: np.lexsort((tokens, counts))[::-1] -- by count, then by term, descending
        order = sorted(range(len(terms)), key=lambda i: (counts[terms[i]], terms[i]),
                       reverse=True)
        if self.max_tokens:
            order = order[:max(self.max_tokens - self._token_start(), 0)]
        self._vocab = tuple(terms[i] for i in order)
        if tf_idf:
            df = np.array([doc_counts[t] for t in self._vocab], np.float64)
            self._set_idf(np.log(1 + num_docs / (1 + df)).astype(np.float32))
        self.built = True

    # -- call ----------------------------------------------------------------------------------
    def _depth(self):
        if self.pad_to_max_tokens and self.max_tokens is not None:
            return self.max_tokens
        return self.vocabulary_size()

    def _check_ready(self):
        if self._vocab is None:
            raise InvalidArgumentError(
                f"{type(self).__name__} layer {self.name!r} has no vocabulary: pass "
                "vocabulary= or call adapt() first")

    def lookup(self, keys):
        """int64 indices of the terms in `keys` (a dense tensor)."""
        self._check_ready()
        pos = vocabulary_lookup(keys, self._vocab)
        found = ops.greater_equal(pos, 0)
        start = self._token_start()
        if self.num_oov_indices == 0:
            from graphflow.ops.debugging import Assert
            Assert(ops.reduce_all(found),
                   ["When `num_oov_indices=0` all inputs should be in vocabulary, found OOV "
                    "values; consider setting `num_oov_indices=1`."])
            oov = ops.zeros_like(pos)
        elif self.num_oov_indices == 1:
            oov = ops.fill(ops.shape(pos), np.int64(self._oov_start()))
        else:
            oov = self._oov_buckets(keys) + self._oov_start()
        out = ops.where(found, pos + start, oov)
        if self.mask_token is not None:
            out = ops.where(ops.equal(keys, self._mask_key()), ops.zeros_like(out), out)
        return out

    def _mask_key(self):
        return self._convert_terms([self.mask_token])[0]

    def _oov_buckets(self, keys):
        from graphflow.ops.strings import as_string, to_hash_bucket_fast
        text = keys if keys.dtype.name == "string" else as_string(keys)
        return to_hash_bucket_fast(text, self.num_oov_indices)

    def _invert(self, indices):
        self._check_ready()
        table = self.get_vocabulary()
        if self.mask_token is not None and self.output_mode == "int":
            table[0] = self.mask_token
        # out-of-range indices read the OOV token appended at the end of the table
        values = ops.constant(np.asarray(self._convert_terms(table + [self.oov_token]),
                                         dtype=self._np_dtype()))
        indices = ops.cast(indices, "int64")
        inside = ops.logical_and(ops.greater_equal(indices, 0),
                                 ops.less(indices, len(table)))
        return ops.gather(values, ops.where(inside, indices,
                                            ops.fill(ops.shape(indices), np.int64(len(table)))))

    def _np_dtype(self):
        return object if self._key_dtype == "string" else np.int64

    def _encode(self, indices):
        if self.output_mode == "int":
            return indices
        if self.output_mode == "tf_idf":
            out = encode_categorical(indices, "count", self._depth(), "float32")
            return out * ops.constant(self._idf)
        # Keras 3.15's lookup layers give int64 one/multi-hot and count vectors
        return encode_categorical(indices, self.output_mode, self._depth(), "int64")

    def call(self, inputs):
        inputs = self._as_keys(inputs)
        if self.invert:
            return self._invert(inputs)
        return sparse_result(self._encode(self.lookup(inputs)), self.sparse)

    def _as_keys(self, inputs):
        return ops.convert_to_tensor(inputs)

    def get_config(self):
        vocab = None if self._vocab is None else list(self.get_vocabulary(False))
        idf = None if self._idf is None else \
            self._idf[self._token_start():self._token_start() + len(self._vocab)].tolist()
        return {**super().get_config(), "max_tokens": self.max_tokens,
                "num_oov_indices": self.num_oov_indices, "mask_token": self.mask_token,
                "oov_token": self.oov_token, "vocabulary": vocab, "idf_weights": idf,
                "invert": self.invert, "output_mode": self.output_mode,
                "pad_to_max_tokens": self.pad_to_max_tokens, "sparse": self.sparse}


class StringLookup(IndexLookup):
    """String terms to indices (UTF-8); see IndexLookup for the index layout."""

    def _convert_terms(self, terms):
        return [t.encode("utf-8") if isinstance(t, str) else bytes(t) if
                isinstance(t, (bytes, np.bytes_)) else str(t).encode("utf-8") for t in terms]

    def _show(self, term):
        return term.decode("utf-8", "replace")

    def get_vocabulary(self, include_special_tokens=True):
        out = super().get_vocabulary(include_special_tokens)
        return [t.decode("utf-8") if isinstance(t, bytes) else t for t in out]

    def _as_keys(self, inputs):
        inputs = ops.convert_to_tensor(inputs)
        if not self.invert and inputs.dtype.name != "string":
            raise InvalidArgumentError(
                f"StringLookup layer {self.name!r} expects string inputs, got {inputs.dtype.name}")
        return inputs


class IntegerLookup(IndexLookup):
    """Integer terms to indices; the OOV token is -1 and a mask token, if any, an int."""
    _key_dtype = "int64"

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1,
                 vocabulary=None, vocabulary_dtype="int64", idf_weights=None, invert=False,
                 output_mode="int", sparse=False, pad_to_max_tokens=False, **kwargs):
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                         mask_token=mask_token, oov_token=oov_token, vocabulary=vocabulary,
                         idf_weights=idf_weights, invert=invert, output_mode=output_mode,
                         pad_to_max_tokens=pad_to_max_tokens, sparse=sparse, **kwargs)

    def _convert_terms(self, terms):
        out = []
        for t in terms:
            if isinstance(t, (bytes, str)) or float(t) != int(t):
                raise InvalidArgumentError(
                    f"IntegerLookup: vocabulary terms must be integers, got {t!r}")
            out.append(int(t))
        return out

    def _as_keys(self, inputs):
        inputs = ops.convert_to_tensor(inputs)
        if self.invert:
            return inputs
        if not inputs.dtype.is_integer:
            raise InvalidArgumentError(
                f"IntegerLookup layer {self.name!r} expects integer inputs, got "
                f"{inputs.dtype.name}")
        return ops.cast(inputs, "int64") if inputs.dtype.name != "int64" else inputs

    def _oov_buckets(self, keys):
        return ops.floormod(keys, self.num_oov_indices)  # Keras's oov_method="floormod"
