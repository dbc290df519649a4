"""keras.layers.GroupQueryAttention (Keras 3.15's GroupedQueryAttention): attention with
num_query_heads query heads sharing num_key_value_heads key/value heads (each key/value head
serves num_query_heads / num_key_value_heads query heads), as in Ainslie et al. 2023.

    >>> from graphflow import keras
    >>> gqa = keras.layers.GroupQueryAttention(head_dim=4, num_query_heads=4, num_key_value_heads=2)
    >>> x = np.ones((2, 5, 8), np.float32)
    >>> gqa(x, x).shape
    TensorShape([2, 5, 8])
    >>> [w.shape.as_list() for w in gqa.weights][:4]
    [[8, 4, 4], [4, 4], [8, 2, 4], [2, 4]]
"""
import math

from graphflow.errors import InvalidArgumentError
from graphflow.keras.layers.attention import MultiHeadAttention, keras_mask
from graphflow.ops import api as ops


class GroupedQueryAttention(MultiHeadAttention):
    """call(query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
    attention_mask=None, return_attention_scores=False, training=None, use_causal_mask=False):
    the projections are Keras's (query (dim, num_query_heads, head_dim), key and value (dim,
    num_key_value_heads, head_dim), an optional sigmoid gate, attention_output
    (num_query_heads, head_dim, dim)); the masks are MultiHeadAttention's."""

    def __init__(self, head_dim, num_query_heads, num_key_value_heads, dropout=0.0,
                 use_bias=True, sliding_window=None, flash_attention=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, use_gate=False, seed=None,
                 **kwargs):
        for name, v in (("head_dim", head_dim), ("num_query_heads", num_query_heads),
                        ("num_key_value_heads", num_key_value_heads)):
            if isinstance(v, bool) or not isinstance(v, int) or v <= 0:
                raise InvalidArgumentError(
                    f"GroupQueryAttention: `{name}` must be a positive int, got {v!r}")
        if num_query_heads % num_key_value_heads != 0:
            raise InvalidArgumentError(
                "`num_query_heads` must be divisible by `num_key_value_heads`.")
        super().__init__(num_query_heads, head_dim, dropout=dropout, use_bias=use_bias,
                         sliding_window=sliding_window, flash_attention=flash_attention,
                         kernel_initializer=kernel_initializer,
                         bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer,
                         bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
                         use_gate=use_gate, seed=seed, **kwargs)
        self.head_dim = head_dim
        self.num_query_heads, self.num_key_value_heads = num_query_heads, num_key_value_heads
        self.num_repeats = num_query_heads // num_key_value_heads

    def build(self, query_shape, value_shape=None, key_shape=None):
        if value_shape is None:
            raise InvalidArgumentError(
                f"GroupQueryAttention layer {self.name!r}: build(query_shape, value_shape) "
                "needs the value shape")
        from graphflow.keras.layers.base import _as_shapes
        query_shape, value_shape = _as_shapes(query_shape), _as_shapes(value_shape)
        key_shape = value_shape if key_shape is None else _as_shapes(key_shape)
        for what, s in (("query", query_shape), ("value", value_shape), ("key", key_shape)):
            if s.rank != 3 or s[-1] is None:
                raise InvalidArgumentError(
                    f"GroupQueryAttention layer {self.name!r}: {what} must have rank 3 "
                    f"(batch, steps, dim) with a known dim, got shape {s}")
        q_heads, kv_heads, dim = self.num_query_heads, self.num_key_value_heads, self.head_dim
        self.feature_dim = query_shape[-1]
        # Keras's build order (query, key, gate, value, output) is the weights' order
        self.query_kernel, self.query_bias = self._projection(
            "query", (query_shape[-1], q_heads, dim), (q_heads, dim))
        self.key_kernel, self.key_bias = self._projection(
            "key", (key_shape[-1], kv_heads, dim), (kv_heads, dim))
        self.gate_kernel, self.gate_bias = self._projection(
            "gate", (query_shape[-1], q_heads, dim), (q_heads, dim)) \
            if self.use_gate else (None, None)
        self.value_kernel, self.value_bias = self._projection(
            "value", (value_shape[-1], kv_heads, dim), (kv_heads, dim))
        self.output_kernel, self.output_bias = self._projection(
            "attention_output", (q_heads, dim, self.feature_dim), (self.feature_dim,))
        self._build_input_shape = query_shape
        self.built = True

    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores=False, training=None,
             use_causal_mask=False):
        # Keras's Layer.__call__ fills query_mask, value_mask and key_mask from the masks
        # attached to those tensors when they are not passed (the key's only when given)
        if query_mask is None:
            query_mask = keras_mask(query)
        if value_mask is None:
            value_mask = keras_mask(value)
        if key is None:
            key = value
        elif key_mask is None:
            key_mask = keras_mask(key)
        query, value, key = [ops.cast(t, self.dtype) if t.dtype.name != self.dtype else t
                             for t in (query, value, key)]
        mask = self._attention_mask(query, value, query_mask, value_mask, key_mask,
                                    attention_mask, use_causal_mask)
        gate = self._project(query, self.gate_kernel, self.gate_bias, ops.sigmoid) \
            if self.use_gate else None                                  # (B, T, U, H)
        q = self._project(query, self.query_kernel, self.query_bias)    # (B, T, U, H)
        k = ops.repeat(self._project(key, self.key_kernel, self.key_bias), self.num_repeats,
                       axis=2)                                          # (B, S, U, H)
        v = ops.repeat(self._project(value, self.value_kernel, self.value_bias),
                       self.num_repeats, axis=2)
        q = q * (1.0 / math.sqrt(float(self.head_dim)))
        scores = ops.einsum("bquh,bkuh->buqk", q, k)
        if mask is not None:
            mask = ops.expand_dims(mask, -3)
        if not return_attention_scores and self._dropout_layer is None and mask is not None:
            # Keras then calls ops.dot_product_attention, which spreads a wholly masked query
            # row uniformly over the keys (its Softmax path, used for the scores, zeroes it)
            from graphflow.keras.layers.activation import _large_negative
            scores = ops.nn.softmax(ops.where(mask, scores, _large_negative(scores.dtype)), -1)
        else:
            scores = self._softmax(scores, mask=mask)
        probs = self._dropout_layer(scores, training=training) \
            if self._dropout_layer is not None else scores
        context = ops.einsum("buqk,bkuh->bquh", probs, v)
        if gate is not None:
            context = context * gate
        out = ops.einsum("bquh,uhm->bqm", context, self.output_kernel)
        if self.output_bias is not None:
            out = out + self.output_bias
        out = self._regularized(out)
        return (out, scores) if return_attention_scores else out

    def get_config(self):
        config = super().get_config()
        for key in ("num_heads", "key_dim", "value_dim", "output_shape", "attention_axes"):
            config.pop(key, None)
        return {**config, "head_dim": self.head_dim, "num_query_heads": self.num_query_heads,
                "num_key_value_heads": self.num_key_value_heads}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


# Keras exports the class GroupedQueryAttention as keras.layers.GroupQueryAttention; its default
# names and saved configs use the class's own name, so graphflow keeps both names
GroupQueryAttention = GroupedQueryAttention
