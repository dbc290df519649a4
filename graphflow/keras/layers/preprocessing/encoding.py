"""CategoryEncoding and Hashing, and the one/multi-hot and count encodings the lookup and text
layers share (Keras's encode_categorical_inputs).

    >>> from graphflow import keras
    >>> keras.layers.CategoryEncoding(4, output_mode="count")(np.array([[1, 2, 2]])).numpy()
    array([[0., 1., 2., 0.]], dtype=float32)
"""
from graphflow.errors import InvalidArgumentError
from graphflow.keras.layers.base import Layer
from graphflow.ops import api as ops

MODES = ("int", "one_hot", "multi_hot", "count")


def check_mode(layer, mode, allowed=MODES):
    if mode not in allowed:
        raise InvalidArgumentError(
            f"{layer}: unknown `output_mode` {mode!r}; expected one of {list(allowed)}")
    return mode


def encode_categorical(indices, mode, depth, dtype="float32", count_weights=None):
    """Keras's encodings of integer `indices`: "one_hot" adds a depth axis (a trailing axis of
    1 is replaced); "multi_hot" and "count" reduce the last axis (a rank-1 input is one sample).
    Indices outside [0, depth) count for nothing."""
    indices = ops.convert_to_tensor(indices)
    if mode == "int":
        return indices
    if indices.shape.rank == 0:
        indices = ops.expand_dims(indices, -1)
    if mode == "one_hot":
        if indices.shape.rank > 1 and indices.shape[-1] == 1:
            indices = ops.squeeze(indices, [-1])
        return ops.one_hot(ops.cast(indices, "int32"), depth, dtype=dtype)
    hot = ops.one_hot(ops.cast(indices, "int32"), depth, dtype=dtype)
    if count_weights is not None and mode == "count":
        hot = hot * ops.expand_dims(ops.cast(count_weights, dtype), -1)
    reduce = ops.reduce_max if mode == "multi_hot" else ops.reduce_sum
    return reduce(hot, axis=-2)


def encode_rows(flat_indices, row_ids, nrows, mode, depth, dtype="float32", weights=None):
    """multi_hot / count / tf_idf of variable-length rows (a ragged batch): scatter-adds one per
    token into (nrows, depth), never materializing a (tokens, depth) one-hot."""
    flat_indices = ops.cast(flat_indices, "int64")
    valid = ops.logical_and(ops.greater_equal(flat_indices, 0),
                            ops.less(flat_indices, depth))
    index = ops.stack([ops.cast(row_ids, "int64"), flat_indices], axis=1)
    index = ops.boolean_mask(index, valid)
    counts = ops.tensor_scatter_nd_add(
        ops.zeros(ops.stack([ops.cast(nrows, "int64"), ops.constant(depth, "int64")]), dtype), index,
        ops.ones(ops.shape(index)[:1], dtype))
    if mode == "multi_hot":
        return ops.minimum(counts, ops.ones_like(counts))
    if mode == "tf_idf":
        return counts * weights
    return counts


def sparse_result(x, sparse):
    """A layer's encoded output as a tf.SparseTensor when it was made with sparse=True (the
    elements a dense result holds that are not zero, as Keras's TF backend gives them)."""
    if not sparse:
        return x
    from graphflow.ops.sparse import from_dense
    return from_dense(x)


def check_sparse(sparse, output_mode, message):
    """Keras's refusal of sparse=True for output_mode='int'."""
    if sparse and output_mode == "int":
        raise InvalidArgumentError(f"{message} Received: sparse={sparse} and "
                                   f"output_mode={output_mode}")
    return bool(sparse)


class CategoryEncoding(Layer):
    """Encodes integer category ids in [0, num_tokens) as one-hot, multi-hot or count vectors;
    count_weights (in call) weights each id's count."""

    _convert_input_args = False  # converts its own inputs (as Keras's)

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        super().__init__(**kwargs)
        if num_tokens is None or isinstance(num_tokens, bool) or int(num_tokens) < 1:
            raise InvalidArgumentError(
                f"CategoryEncoding: `num_tokens` must be a positive int, got {num_tokens!r}")
        self.num_tokens = int(num_tokens)
        self.output_mode = check_mode("CategoryEncoding", output_mode,
                                      ("one_hot", "multi_hot", "count"))
        self.sparse = bool(sparse)

    def call(self, inputs, count_weights=None):
        inputs = ops.convert_to_tensor(inputs)
        if not inputs.dtype.is_integer:
            inputs = ops.cast(inputs, "int64")
        if count_weights is not None and self.output_mode != "count":
            raise InvalidArgumentError(
                "`count_weights` is not used when `output_mode` is not `'count'`. Received "
                f"`count_weights={count_weights!r:.40}`.")
        return sparse_result(encode_categorical(inputs, self.output_mode, self.num_tokens,
                                                self.dtype, count_weights), self.sparse)

    def get_config(self):
        return {**super().get_config(), "num_tokens": self.num_tokens,
                "output_mode": self.output_mode, "sparse": self.sparse}


class Hashing(Layer):
    """Hashes strings (or integers, hashed as their decimal text) into `num_bins` bins with
    FarmHash Fingerprint64 (SipHash with a `salt`), as Keras; with `mask_value` that value maps
    to 0 and the others to [1, num_bins)."""

    _convert_input_args = False  # converts its own inputs (as Keras's)

    def __init__(self, num_bins, mask_value=None, salt=None, output_mode="int", sparse=False,
                 **kwargs):
        if "dtype" not in kwargs or kwargs["dtype"] is None:
            kwargs["dtype"] = "int64" if output_mode == "int" else "float32"
        super().__init__(**kwargs)
        if isinstance(num_bins, bool) or not isinstance(num_bins, int) or num_bins <= 0:
            raise InvalidArgumentError(
                f"The `num_bins` for `Hashing` cannot be `None` or non-positive values. "
                f"Received: num_bins={num_bins}.")
        if mask_value is not None and num_bins < 2:
            raise InvalidArgumentError("Hashing: num_bins must be >= 2 with a mask_value")
        self.num_bins, self.mask_value = num_bins, mask_value
        if isinstance(salt, int):
            salt = [salt, salt]
        if salt is not None and len(salt) != 2:
            raise InvalidArgumentError(f"Hashing: salt must be an int or 2 ints, got {salt!r}")
        self.salt = None if salt is None else [int(s) for s in salt]
        self.output_mode = check_mode("Hashing", output_mode)
        self.sparse = check_sparse(sparse, output_mode,
                                   "`sparse` may only be true if `output_mode` is "
                                   '`"one_hot"`, `"multi_hot"`, or `"count"`.')

    def call(self, inputs):
        inputs = ops.convert_to_tensor(inputs)
        text = inputs if inputs.dtype.name == "string" else _as_string(inputs)
        bins = self.num_bins - (1 if self.mask_value is not None else 0)
        if self.salt is not None:
            from graphflow.ops.strings import to_hash_bucket_strong
            hashed = to_hash_bucket_strong(text, bins, self.salt)
        else:
            from graphflow.ops.strings import to_hash_bucket_fast
            hashed = to_hash_bucket_fast(text, bins)
        if self.mask_value is not None:
            mask = ops.equal(inputs, ops.cast(self.mask_value, inputs.dtype)
                             if inputs.dtype.name != "string" else self.mask_value)
            hashed = ops.where(mask, ops.zeros_like(hashed), hashed + 1)
        return sparse_result(encode_categorical(hashed, self.output_mode, self.num_bins,
                                                "float32"), self.sparse)

    def get_config(self):
        return {**super().get_config(), "num_bins": self.num_bins,
                "mask_value": self.mask_value, "salt": self.salt,
                "output_mode": self.output_mode, "sparse": self.sparse}


def _as_string(x):
    from graphflow.ops.strings import as_string
    return as_string(x)
