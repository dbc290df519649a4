"""Attention layers: Attention (dot-product), AdditiveAttention (Bahdanau) and
MultiHeadAttention, with Keras 3's weights, masks and arguments.

    >>> from graphflow import keras
    >>> mha = keras.layers.MultiHeadAttention(num_heads=2, key_dim=4)
    >>> x = np.ones((1, 5, 8), np.float32)
    >>> out, scores = mha(x, x, return_attention_scores=True, use_causal_mask=True)
    >>> out.shape, scores.shape
    (TensorShape([1, 5, 8]), TensorShape([1, 2, 5, 5]))
"""
import math

from graphflow.errors import InvalidArgumentError, UnimplementedError
from graphflow.keras import constraints, initializers, regularizers
from graphflow.keras.layers.activation import Softmax
from graphflow.keras.layers.base import Layer, _shape_of
from graphflow.keras.layers.core import Dropout
from graphflow.ops import api as ops


def causal_mask(query_length, value_length):
    """(1, T, S) booleans: query step i may attend to value steps j <= i (Keras's lower
    triangle, aligned at the first step)."""
    ones = ops.ones(ops.stack([query_length, value_length]), "int32")
    rows = ops.cumsum(ones, axis=0)
    cols = ops.cumsum(ones, axis=1)
    return ops.expand_dims(ops.greater_equal(rows, cols), 0)


def band_mask(query_length, value_length, window):
    """(1, T, S) booleans: |i - j| < window (Keras's sliding_window, a symmetric band)."""
    rows = ops.expand_dims(ops.range(query_length), 1)
    cols = ops.expand_dims(ops.range(value_length), 0)
    return ops.expand_dims(ops.less(ops.abs(rows - cols), window), 0)


def keras_mask(x):
    """The mask a previous layer attached to `x` (None when there is none or graphflow's
    layers do not propagate masks)."""
    from graphflow.keras.layers import base
    get = getattr(base, "get_mask", None)
    return get(x) if get is not None else None


def _and(a, b):
    return b if a is None else a if b is None else ops.logical_and(a, b)


def _bool(mask):
    return None if mask is None else ops.cast(ops.convert_to_tensor(mask), "bool")


class _BaseDenseAttention(Layer):
    """Attention and AdditiveAttention: call([query, value(, key)], mask=[query_mask,
    value_mask]); scores (batch, Tq, Tv) -> softmax over Tv -> weighted sum of value."""

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.use_scale, self.score_mode = bool(use_scale), score_mode
        if not 0 <= float(dropout) <= 1:
            raise InvalidArgumentError(f"{type(self).__name__}: dropout must be in [0, 1], got "
                                       f"{dropout!r}")
        self.dropout, self.seed = float(dropout), seed

    def _split(self, inputs, name):
        if not isinstance(inputs, (list, tuple)) or len(inputs) not in (2, 3):
            raise InvalidArgumentError(
                f"{type(self).__name__} layer {self.name!r} expects a list of 2 or 3 inputs "
                f"[query, value] or [query, value, key], got {name}")
        return inputs[0], inputs[1], inputs[2] if len(inputs) == 3 else inputs[1]

    def call(self, inputs, mask=None, training=None, return_attention_scores=False,
             use_causal_mask=False):
        query, value, key = [ops.cast(t, self.dtype) if t.dtype.name != self.dtype else t
                             for t in self._split(inputs, type(inputs).__name__)]
        for what, t in (("query", query), ("value", value), ("key", key)):
            if t.shape.rank != 3:
                raise InvalidArgumentError(
                    f"{type(self).__name__} layer {self.name!r}: {what} must have rank 3 "
                    f"(batch, steps, dim), got shape {t.shape}")
        q_mask = v_mask = None
        if mask is not None:
            if not isinstance(mask, (list, tuple)) or len(mask) not in (2, 3):
                raise InvalidArgumentError(
                    f"{type(self).__name__} layer {self.name!r}: mask must be a list "
                    "[query_mask, value_mask], got " + type(mask).__name__)
            q_mask, v_mask = _bool(mask[0]), _bool(mask[1])
        scores = self._calculate_scores(query, key)
        scores_mask = None if v_mask is None else ops.expand_dims(v_mask, -2)
        if use_causal_mask:
            scores_mask = _and(scores_mask, causal_mask(ops.shape(scores)[1],
                                                        ops.shape(scores)[2]))
        if scores_mask is not None:
            # Keras subtracts 1e9 (65504 in float16) where the mask is False
            big = 65504.0 if scores.dtype.name == "float16" else 1e9
            scores = scores - big * ops.cast(ops.logical_not(scores_mask), scores.dtype)
        weights = ops.nn.softmax(scores, axis=-1)
        if training and self.dropout > 0:
            weights = ops.nn.dropout(weights, self.dropout, seed=self.seed)
        result = ops.matmul(weights, value)
        if q_mask is not None:
            result = result * ops.cast(ops.expand_dims(q_mask, -1), result.dtype)
        return (result, weights) if return_attention_scores else result

    def compute_mask(self, inputs, mask=None):
        """The query's mask (Keras 3)."""
        if not isinstance(mask, (list, tuple)) or mask[0] is None:
            return None
        return _bool(mask[0])

    def get_config(self):
        return {**super().get_config(), "use_scale": self.use_scale,
                "score_mode": self.score_mode, "dropout": self.dropout, "seed": self.seed}


class Attention(_BaseDenseAttention):
    """Luong-style attention: scores = query @ key^T (times a learned `scale` with
    use_scale=True); score_mode="concat" scores sum(tanh(query + key)) instead."""

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        if score_mode not in ("dot", "concat"):
            raise InvalidArgumentError(
                "Invalid value for argument score_mode. Expected one of {'dot', 'concat'}. "
                f"Received: score_mode={score_mode}")
        super().__init__(use_scale, score_mode, dropout, seed, **kwargs)

    def build(self, input_shape):
        self.scale = self.add_weight("scale", (), initializer="ones") if self.use_scale else None
        self.concat_score_weight = self.add_weight("concat_score_weight", (), initializer="ones") \
            if self.score_mode == "concat" else None
        super().build(input_shape)

    def _calculate_scores(self, query, key):
        if self.score_mode == "dot":
            scores = ops.matmul(query, key, transpose_b=True)
            return scores * self.scale if self.scale is not None else scores
        total = ops.expand_dims(query, -2) + ops.expand_dims(key, -3)
        if self.scale is not None:
            total = self.scale * total
        return self.concat_score_weight * ops.reduce_sum(ops.tanh(total), -1)


class AdditiveAttention(_BaseDenseAttention):
    """Bahdanau-style attention: scores = sum(scale * tanh(query + key)) over the features,
    `scale` a learned vector with use_scale=True."""

    def __init__(self, use_scale=True, dropout=0.0, seed=None, **kwargs):
        kwargs.pop("score_mode", None)
        super().__init__(use_scale, "additive", dropout, seed, **kwargs)

    def build(self, input_shape):
        dim = input_shape[0][-1] if isinstance(input_shape, (list, tuple)) else None
        if dim is None:
            raise InvalidArgumentError(
                f"AdditiveAttention layer {self.name!r}: the query's last dimension must be "
                f"known, got input shapes {input_shape}")
        self.scale = self.add_weight("scale", (dim,), initializer="glorot_uniform") \
            if self.use_scale else None
        super().build(input_shape)

    def _calculate_scores(self, query, key):
        total = ops.tanh(ops.expand_dims(query, -2) + ops.expand_dims(key, -3))
        if self.scale is not None:
            total = self.scale * total
        return ops.reduce_sum(total, -1)

    def get_config(self):
        config = super().get_config()
        config.pop("score_mode")
        return config


class MultiHeadAttention(Layer):
    """Multi-head scaled dot-product attention (Vaswani et al.) over the steps axis of
    (batch, steps, dim) inputs, as Keras 3: query/key/value projections to `num_heads` heads of
    `key_dim` (`value_dim`) features, softmax(query key^T / sqrt(key_dim)) with masks, dropout
    on the attention probabilities in training, and an output projection to `output_shape`
    (the query's dim by default). use_gate=True multiplies the attention output by
    sigmoid(query @ gate_kernel + gate_bias) before the output projection (Keras 3.15's gated
    attention). As in Keras, activity_regularizer applies to each projection's output (query,
    key, value, gate, output), not to the layer's output alone.

    call(query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
    attention_mask=None, return_attention_scores=False, training=None, use_causal_mask=False):
    attention_mask is (batch, T, S) booleans, True where query step t may attend to step s;
    value_mask and key_mask are (batch, S). As in Keras 3.15 the query's mask is the Keras mask
    attached to the query tensor, not the query_mask argument.
    """
    supports_masking = True  # Keras 3: the input mask passes through

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True,
                 output_shape=None, attention_axes=None, sliding_window=None,
                 flash_attention=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, use_gate=False, seed=None,
                 **kwargs):
        super().__init__(**kwargs)
        for name, v in (("num_heads", num_heads), ("key_dim", key_dim)):
            if isinstance(v, bool) or not isinstance(v, int) or v <= 0:
                raise InvalidArgumentError(
                    f"MultiHeadAttention: `{name}` must be a positive int, got {v!r}")
        if attention_axes is not None and tuple(
                [attention_axes] if isinstance(attention_axes, int) else attention_axes) != (1,):
            raise UnimplementedError(
                "MultiHeadAttention: only attention over the steps axis of (batch, steps, dim) "
                f"inputs is supported (attention_axes None or (1,)), got {attention_axes!r}")
        if not 0 <= float(dropout) <= 1:
            raise InvalidArgumentError(f"MultiHeadAttention: dropout must be in [0, 1], got "
                                       f"{dropout!r}")
        self.num_heads, self.key_dim = num_heads, key_dim
        self.value_dim = value_dim if value_dim else key_dim
        self.dropout, self.use_bias, self.seed = float(dropout), bool(use_bias), seed
        if isinstance(output_shape, int):
            output_shape = (output_shape,)
        self._output_shape = None if output_shape is None else tuple(int(d) for d in output_shape)
        self.attention_axes = attention_axes
        if sliding_window is not None and (isinstance(sliding_window, bool) or
                                           not isinstance(sliding_window, int) or
                                           sliding_window <= 0):
            raise InvalidArgumentError(
                "`sliding_window` must be `None` or a positive integer. Received: "
                f"sliding_window={sliding_window}")
        self.sliding_window = sliding_window
        self.flash_attention = flash_attention  # a kernel choice: the results are the same
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        # on every projection's kernel and bias, as Keras gives them to its four EinsumDense
        # sublayers; the optimizer applies them after each update
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        # Keras gives it to the projections, so layer.activity_regularizer stays None
        self._projection_activity = regularizers.get(activity_regularizer)
        self.use_gate = bool(use_gate)
        self._softmax = Softmax(axis=-1)
        self._dropout_layer = Dropout(self.dropout, seed=seed) if self.dropout > 0 else None

    # Keras builds from the query, value and key shapes; Layer.__call__ only sees the first
    # argument, so build here from all three.
    def __call__(self, query, value=None, key=None, **kwargs):
        if value is None:
            raise InvalidArgumentError(
                f"MultiHeadAttention layer {self.name!r}: call it as layer(query, value) "
                "(value is required)")
        if not self.built:
            self.build(_shape_of(query), _shape_of(value),
                       None if key is None else _shape_of(key))
        return super().__call__(query, value, key, **kwargs)

    def _projection(self, name, kernel_shape, bias_shape):
        kernel = self.add_weight(f"{name}/kernel", kernel_shape,
                                 initializer=self.kernel_initializer,
                                 regularizer=self.kernel_regularizer,
                                 constraint=self.kernel_constraint)
        bias = self.add_weight(f"{name}/bias", bias_shape, initializer=self.bias_initializer,
                               regularizer=self.bias_regularizer,
                               constraint=self.bias_constraint) if self.use_bias else None
        return kernel, bias

    def build(self, query_shape, value_shape=None, key_shape=None):
        if value_shape is None:
            raise InvalidArgumentError(
                f"MultiHeadAttention layer {self.name!r}: build(query_shape, value_shape) needs "
                "the value shape")
        from graphflow.keras.layers.base import _as_shapes
        query_shape, value_shape = _as_shapes(query_shape), _as_shapes(value_shape)
        key_shape = value_shape if key_shape is None else _as_shapes(key_shape)
        for what, s in (("query", query_shape), ("value", value_shape), ("key", key_shape)):
            if s.rank != 3 or s[-1] is None:
                raise InvalidArgumentError(
                    f"MultiHeadAttention layer {self.name!r}: {what} must have rank 3 "
                    f"(batch, steps, dim) with a known dim, got shape {s}")
        heads = self.num_heads
        self.query_kernel, self.query_bias = self._projection(
            "query", (query_shape[-1], heads, self.key_dim), (heads, self.key_dim))
        self.key_kernel, self.key_bias = self._projection(
            "key", (key_shape[-1], heads, self.key_dim), (heads, self.key_dim))
        # Keras's build order (query, key, gate, value, output) is the weights' order
        self.gate_kernel, self.gate_bias = self._projection(
            "gate", (query_shape[-1], heads, self.value_dim), (heads, self.value_dim)) \
            if self.use_gate else (None, None)
        self.value_kernel, self.value_bias = self._projection(
            "value", (value_shape[-1], heads, self.value_dim), (heads, self.value_dim))
        out = self._output_shape or (query_shape[-1],)
        if len(out) != 1:
            raise UnimplementedError(
                f"MultiHeadAttention layer {self.name!r}: output_shape must be one int (the "
                f"output's last dimension), got {self._output_shape}")
        self.output_kernel, self.output_bias = self._projection(
            "attention_output", (heads, self.value_dim, out[0]), out)
        self._build_input_shape = query_shape
        self.built = True

    def _regularized(self, y):
        if self._projection_activity is not None:
            self._add_activity_loss(y, self._projection_activity)
        return y

    def _project(self, x, kernel, bias, activation=None):
        y = ops.einsum("abc,cde->abde", x, kernel)
        y = y + bias if bias is not None else y
        return self._regularized(activation(y) if activation is not None else y)

    def _attention_mask(self, query, value, query_mask, value_mask, key_mask, attention_mask,
                        use_causal_mask):
        mask = None
        if query_mask is not None:
            mask = ops.expand_dims(_bool(query_mask), -1)            # (B, T, 1)
        for m in (value_mask, key_mask):
            if m is not None:
                mask = _and(mask, ops.expand_dims(_bool(m), -2))     # (B, 1, S)
        if use_causal_mask:
            mask = _and(mask, causal_mask(ops.shape(query)[1], ops.shape(value)[1]))
        if self.sliding_window is not None:
            mask = _and(mask, band_mask(ops.shape(query)[1], ops.shape(value)[1],
                                        self.sliding_window))
        if attention_mask is not None:
            attention_mask = _bool(attention_mask)
            if attention_mask.shape.rank not in (2, 3):
                raise InvalidArgumentError(
                    f"MultiHeadAttention layer {self.name!r}: attention_mask must be (batch, T, "
                    f"S) (or (T, S)), got shape {attention_mask.shape}")
            mask = _and(mask, attention_mask)
        return mask

    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores=False, training=None,
             use_causal_mask=False):
        # As Keras 3.15: the query's mask is the one a previous layer attached to it (Embedding
        # with mask_zero=True...); an explicit query_mask argument is not used. Keras's
        # Layer.__call__ fills value_mask and key_mask from the value's and key's masks the
        # same way; the key's is ignored when the key is the value.
        query_mask = keras_mask(query)
        if value_mask is None:
            value_mask = keras_mask(value)
        if key is None:
            key = value
        elif key_mask is None and key is not value:
            key_mask = keras_mask(key)
        # Keras casts floating inputs to the layer's dtype
        query, value, key = [ops.cast(t, self.dtype) if t.dtype.name != self.dtype else t
                             for t in (query, value, key)]
        gate = self._project(query, self.gate_kernel, self.gate_bias, ops.sigmoid) \
            if self.use_gate else None                                 # (B, T, H, V)
        q = self._project(query, self.query_kernel, self.query_bias)   # (B, T, H, K)
        k = self._project(key, self.key_kernel, self.key_bias)         # (B, S, H, K)
        v = self._project(value, self.value_kernel, self.value_bias)   # (B, S, H, V)
        q = q * (1.0 / math.sqrt(float(self.key_dim)))
        scores = ops.einsum("aecd,abcd->acbe", k, q)                   # (B, H, T, S)
        mask = self._attention_mask(query, value, query_mask, value_mask, key_mask,
                                    attention_mask, use_causal_mask)
        if mask is not None:
            mask = ops.expand_dims(mask, -3)                            # heads axis
        scores = self._softmax(scores, mask=mask)
        probs = self._dropout_layer(scores, training=training) \
            if self._dropout_layer is not None else scores
        context = ops.einsum("acbe,aecd->abcd", probs, v)              # (B, T, H, V)
        if gate is not None:
            context = context * gate
        out = ops.einsum("abcd,cde->abe", context, self.output_kernel)
        if self.output_bias is not None:
            out = out + self.output_bias
        out = self._regularized(out)
        return (out, scores) if return_attention_scores else out

    def get_config(self):
        return {**super().get_config(), "num_heads": self.num_heads, "key_dim": self.key_dim,
                "value_dim": self.value_dim, "dropout": self.dropout, "use_bias": self.use_bias,
                "output_shape": None if self._output_shape is None else list(self._output_shape),
                "attention_axes": self.attention_axes, "use_gate": self.use_gate,
                "seed": self.seed,
                "activity_regularizer": regularizers.serialize(self._projection_activity),
                "sliding_window": self.sliding_window,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint)}
