"""The bad-input fuzz table of tests/test_bad_input.py (issue 13).

Each case is written against a module argument `tf`, so the same table runs under graphflow (the
tests) and under TensorFlow (tests/bad_input_oracle.py, run by hand with a TF interpreter, checks that
every expected outcome is what TF 2.21 does). An expected outcome is either

- `err(*parts)`: the call raises a graphflow error (or the builtin TypeError/ValueError TF raises)
  whose message matches every regex in `parts` (the op or layer, and the offending shape, dtype or
  value), or
- `stricter(*parts)`: as err, where TF returns a value instead (its reason is noted at the case), or
- `val(value)`: the call returns this value, as TensorFlow does (e.g. one_hot of an out-of-range
  index is a row of zeros, reduce_max of an empty tensor is -inf).

OP_CASES run three ways each (eager, inside a graphflow.function, and built in a compat.v1 Graph and
run by a Session); the other tables name their own entry point.
"""
import math

import numpy as np


class err:
    """Expected: a clear error whose message matches every regex in `parts`."""

    def __init__(self, *parts):
        self.parts = parts

    def __repr__(self):
        return f"err{self.parts}"


class stricter(err):
    """Expected: a clear error, where TF 2.21 returns a value (a TF quirk graphflow does not copy:
    wrapped integers, uninitialized memory, NaN from a failed decomposition, zip-truncated lists)."""

    def __repr__(self):
        return f"stricter{self.parts}"


class val:
    """Expected: this value (compared with NaN equal to NaN), and this dtype when one is given."""

    def __init__(self, value, dtype=None):
        self.value, self.dtype = value, dtype

    def __repr__(self):
        return f"val({self.value!r})"


def eager_runs_python(eager, traced):
    """Per-mode expectations of a control-flow case: eagerly TF runs cond and while_loop as Python
    (only the branch taken, no loop-invariant checks); traced, it checks both branches and the loop
    variables."""
    return {"eager": eager, "function": traced, "session": traced}


F = np.float32
NAN, INF = math.nan, math.inf
_EXAMPLE_A = b"\n\x13\n\x11\n\x01a\x12\x0c\x12\n\n\x08\x00\x00\x80?\x00\x00\x00@"

# (id, fn(tf) -> tensor, expected). The ids say what is wrong.
OP_CASES = [
    # --- wrong dtypes
    ("add-f32-f64", lambda tf: tf.add(tf.ones(2), tf.ones(2, tf.float64)),
     err("add", "float32", "float64")),
    ("add-i32-f32", lambda tf: tf.ones(2, tf.int32) + tf.ones(2), err("add", "int32", "float32")),
    ("subtract-i64-i32", lambda tf: tf.subtract(tf.ones(2, tf.int64), tf.ones(2, tf.int32)),
     err("subtract", "int64", "int32")),
    ("matmul-i32-f32", lambda tf: tf.matmul(tf.ones((2, 2), tf.int32), tf.ones((2, 2))),
     err("matmul", "int32", "float32")),
    ("sqrt-int", lambda tf: tf.sqrt(tf.constant([1, 4])), err("sqrt", "int32")),
    ("exp-int", lambda tf: tf.exp(tf.constant([1])), err("exp", "int32")),
    ("logical_and-float", lambda tf: tf.logical_and(tf.ones(1), tf.ones(1)),
     err("logical_and", "float32")),
    ("logical_not-int", lambda tf: tf.logical_not(tf.constant([1])), err("logical_not", "int32")),
    ("reduce_sum-bool", lambda tf: tf.reduce_sum(tf.constant([True, False])),
     err("reduce_sum", "bool")),
    ("add-string-operand", lambda tf: tf.add(tf.ones(2), "a"), err("add", "'a'|str")),
    ("add-None-operand", lambda tf: tf.constant([1.0]) + None, err("None")),
    ("multiply-float-into-int", lambda tf: tf.constant([1, 2]) * 1.5,
     err("multiply|Mul", "1.5|int32")),
    ("add-300-into-uint8", lambda tf: tf.constant([1], tf.uint8) + 300,
     stricter("add|AddV2", "300|uint8")),
    ("add-string-tensor-and-int", lambda tf: tf.constant(["a"]) + 1,
     err("add|AddV2", "string|int32")),
    ("reduce_mean-string", lambda tf: tf.reduce_mean(tf.constant(["a", "b"])),
     err("reduce_mean|Mean", "string")),
    ("relu-string", lambda tf: tf.nn.relu(tf.constant(["a"])), err("relu|Relu", "string")),
    ("abs-string", lambda tf: tf.abs(tf.constant(["a"])), err("abs|Abs|ComplexAbs", "string")),
    ("cast-string-to-float", lambda tf: tf.cast(tf.constant(["1.5"]), tf.float32),
     err("[Cc]ast", "string")),
    ("cast-unknown-dtype", lambda tf: tf.cast(tf.ones(2), "floaty"), err("floaty")),
    ("ones-unknown-dtype", lambda tf: tf.ones((2,), dtype="floaty"), err("floaty")),
    ("constant-string-as-float", lambda tf: tf.constant("x", tf.float32),
     err("x", "float32|float")),
    ("constant-mixed-list", lambda tf: tf.constant([1, "a"]), err("1|a")),
    ("constant-ragged-list", lambda tf: tf.constant([[1, 2], [3]]),
     err("[Ss]hape|ragged|sequence|non-rectangular")),
    ("constant-None", lambda tf: tf.constant(None), err("None")),
    ("constant-float-as-int", lambda tf: tf.constant(1.5, tf.int32), err("1.5", "int32")),
    ("constant-nan-as-int", lambda tf: tf.constant(NAN, tf.int32), err("nan", "int32")),
    ("constant-2**40-as-int32-wraps", lambda tf: tf.constant(2 ** 40, tf.int32), val(0, "int32")),
    ("constant--1-as-uint8-wraps", lambda tf: tf.constant(-1, tf.uint8), val(255, "uint8")),
    ("cast-to-bool", lambda tf: tf.cast(tf.constant([0.5, -1.0, 0.0]), tf.bool),
     val([True, True, False])),
    ("cast-bool-chain", lambda tf: tf.cast(tf.cast(tf.constant([0.5, -1.0, 0.0]), tf.bool), tf.float32),
     val([1.0, 1.0, 0.0], "float32")),
    ("cast-nan-to-bool", lambda tf: tf.cast(tf.constant([NAN]), tf.bool), val([True])),
    # --- shapes, ranks and impossible reshapes
    ("add-shapes", lambda tf: tf.add(tf.ones((2, 3)), tf.ones((4,))),
     err("add|AddV2", r"\(2, 3\)|\[2,3\]", r"\(4,\)|\[4\]")),
    ("multiply-shapes", lambda tf: tf.ones((2,)) * tf.ones((3,)), err("mul", r"2", r"3")),
    ("where-shapes", lambda tf: tf.where(tf.constant([True, False]), tf.ones(3), tf.ones(3)),
     err("where|Select", "2", "3")),
    ("reshape-size", lambda tf: tf.reshape(tf.ones((2, 3)), (4,)), err("[Rr]eshape", "6", "4")),
    ("reshape-infer", lambda tf: tf.reshape(tf.ones((2, 3)), (4, -1)), err("[Rr]eshape", "6", "4")),
    ("reshape-two-minus-ones", lambda tf: tf.reshape(tf.ones((2, 3)), (-1, -1)),
     stricter("[Rr]eshape", "-1")),
    ("reshape-minus-two", lambda tf: tf.reshape(tf.ones((2, 3)), (-2, -3)),
     err("[Rr]eshape", "-2|-3")),
    ("reshape-float-shape", lambda tf: tf.reshape(tf.ones((2, 3)), (2.5, 2)), err("2.5|float")),
    ("reshape-string-shape", lambda tf: tf.reshape(tf.ones((2, 3)), ("a", 6)), err("a|str")),
    ("reshape-empty-to-zero", lambda tf: tf.reshape(tf.ones((0, 3)), (-1, 0)),
     stricter("[Rr]eshape", "0")),
    ("reshape-empty-ok", lambda tf: tf.reshape(tf.ones((0, 3)), (3, 0)), val(np.ones((3, 0), F))),
    ("ones-negative-dim", lambda tf: tf.ones((-1, 2)), err("-1")),
    ("zeros-float-dim", lambda tf: tf.zeros((2.5,)), stricter("2.5|float")),
    ("ones-string-shape", lambda tf: tf.ones("ab"), err("ab|str|string")),
    ("fill-nonscalar-value", lambda tf: tf.fill([2], tf.ones(2)),
     err("[Ff]ill", "scalar|rank|shape")),
    ("fill-negative-dims", lambda tf: tf.fill([-2], 1.0), err("[Ff]ill", "-2")),
    ("eye-negative", lambda tf: tf.eye(-1), err("-1")),
    ("range-zero-delta", lambda tf: tf.range(0, 10, 0), err("[Rr]ange", "delta|0")),
    ("range-string", lambda tf: tf.range("a"), err("a|string")),
    ("range-start-past-limit", lambda tf: tf.range(10, 0, 1), err("[Rr]ange", "10", "0")),
    # --- axes: negative, huge, float, duplicate
    ("reduce_sum-axis-2", lambda tf: tf.reduce_sum(tf.ones((2, 3)), axis=2),
     err("reduce_sum|Sum", "2")),
    ("reduce_sum-axis--3", lambda tf: tf.reduce_sum(tf.ones((2, 3)), axis=-3),
     err("reduce_sum|Sum", "-3")),
    ("reduce_sum-axis-huge", lambda tf: tf.reduce_sum(tf.ones((2, 3)), axis=2 ** 40),
     stricter("reduce_sum|Sum|axis", "1099511627776|int32|out of")),
    ("reduce_sum-axis-float", lambda tf: tf.reduce_sum(tf.ones((2, 3)), axis=1.5),
     err("1.5|float")),
    ("reduce_sum-axis-string", lambda tf: tf.reduce_sum(tf.ones((2, 3)), axis="1"), err("'1'|str")),
    ("reduce_mean-axis-list", lambda tf: tf.reduce_mean(tf.ones((2, 3)), axis=[0, 5]),
     err("reduce_mean|Mean", "5")),
    ("reduce_max-axis-None-ok", lambda tf: tf.reduce_max(tf.constant([[1.0, 5.0], [3.0, 2.0]]), axis=None),
     val(5.0)),
    ("argmax-axis-2", lambda tf: tf.argmax(tf.ones((2, 3)), axis=2), err("[Aa]rg[Mm]ax", "2")),
    ("argmin-axis--3", lambda tf: tf.argmin(tf.ones((2, 3)), axis=-3), err("[Aa]rg[Mm]in", "-3")),
    ("argmax-axis-float", lambda tf: tf.argmax(tf.ones((2, 3)), axis=0.5), err("0.5|float")),
    ("argmax-bool", lambda tf: tf.argmax(tf.constant([True, False])),
     stricter("[Aa]rg[Mm]ax", "bool")),
    ("argmax-empty", lambda tf: tf.argmax(tf.ones((2, 0)), axis=1), err("[Aa]rg[Mm]ax", "empty|0")),
    ("expand_dims-axis-4", lambda tf: tf.expand_dims(tf.ones((2, 3)), 4),
     err("[Ee]xpand[Dd]ims|expand_dims", "4")),
    ("expand_dims-axis-float", lambda tf: tf.expand_dims(tf.ones((2, 3)), 1.5), err("1.5|float")),
    ("squeeze-non-one", lambda tf: tf.squeeze(tf.ones((2, 3)), 0), err("[Ss]queeze", "0|2")),
    ("squeeze-axis-out", lambda tf: tf.squeeze(tf.ones((1, 3)), 5), err("[Ss]queeze", "5")),
    ("cumsum-axis-out", lambda tf: tf.math.cumsum(tf.ones((2, 3)), axis=3), err("[Cc]umsum", "3")),
    ("reverse-axis-out", lambda tf: tf.reverse(tf.ones((2, 3)), [2]), err("[Rr]everse", "2")),
    ("reverse-axis-dup", lambda tf: tf.reverse(tf.ones((2, 3)), [0, 0]), err("[Rr]everse", "0")),
    ("softmax-axis-out", lambda tf: tf.nn.softmax(tf.ones((2, 3)), axis=2),
     err("softmax|Softmax", "2")),
    ("softmax-int", lambda tf: tf.nn.softmax(tf.constant([1, 2])), err("softmax|Softmax", "int32")),
    ("sort-axis-out", lambda tf: tf.sort(tf.ones((2, 3)), axis=2), err("sort|axis", "2")),
    ("argsort-axis-out", lambda tf: tf.argsort(tf.ones((2, 3)), axis=-3),
     err("argsort|axis", "-3")),
    ("top_k-k-too-big", lambda tf: tf.math.top_k(tf.ones(3), k=5),
     err("[Tt]op[Kk]|top_k", "5", "3")),
    ("top_k-k-negative", lambda tf: tf.math.top_k(tf.ones(3), k=-1), err("[Tt]op[Kk]|top_k", "-1")),
    # --- reductions of empty tensors and NaN: TF's values
    ("reduce_mean-empty", lambda tf: tf.reduce_mean(tf.zeros((0,))), val(NAN)),
    ("reduce_max-empty", lambda tf: tf.reduce_max(tf.zeros((0,))), val(-INF)),
    ("reduce_min-empty", lambda tf: tf.reduce_min(tf.zeros((0,))), val(INF)),
    ("reduce_prod-empty", lambda tf: tf.reduce_prod(tf.zeros((0,))), val(1.0)),
    ("reduce_sum-empty-axis", lambda tf: tf.reduce_sum(tf.zeros((0, 3)), axis=0),
     val([0.0, 0.0, 0.0])),
    ("reduce_logsumexp-empty", lambda tf: tf.math.reduce_logsumexp(tf.zeros((0,))), val(-INF)),
    ("reduce_sum-nan", lambda tf: tf.reduce_sum(tf.constant([1.0, NAN])), val(NAN)),
    ("reduce_max-nan", lambda tf: tf.reduce_max(tf.constant([1.0, NAN, 3.0])), val(NAN)),
    ("reduce_std-int", lambda tf: tf.math.reduce_std(tf.constant([1, 2])),
     err("reduce_std|variance|int32")),
    ("softmax-empty", lambda tf: tf.nn.softmax(tf.zeros((2, 0))), val(np.zeros((2, 0), F))),
    ("l2_normalize-zeros", lambda tf: tf.nn.l2_normalize(tf.zeros(3)), val([0.0, 0.0, 0.0])),
    # --- arithmetic edge values
    ("floordiv-int-by-zero", lambda tf: tf.math.floordiv(tf.constant([1]), tf.constant([0])),
     err("[Ff]loor[Dd]iv|floordiv", "[Dd]ivision by zero")),
    ("floormod-int-by-zero", lambda tf: tf.math.floormod(tf.constant([1]), tf.constant([0])),
     err("[Ff]loor[Mm]od|floormod", "[Dd]ivision by zero")),
    # (TF 2.21 raises InternalError "Unexpected error in binary operator" for these two;
    # graphflow says what happened, with FloorDiv's InvalidArgumentError)
    ("truncatediv-int-by-zero", lambda tf: tf.truncatediv(tf.constant([1]), tf.constant([0])),
     err("[Tt]runcate_?[Dd]iv", "[Dd]ivision by zero|binary operator")),
    ("truncatemod-int-by-zero", lambda tf: tf.truncatemod(tf.constant([1]), tf.constant([0])),
     err("[Tt]runcate_?[Mm]od", "[Dd]ivision by zero|binary operator")),
    ("truncatemod-int8", lambda tf: tf.truncatemod(tf.constant([1], tf.int8), tf.constant([1], tf.int8)),
     err("[Tt]runcate_?[Mm]od", "int8")),
    ("truncatediv-bool", lambda tf: tf.truncatediv(tf.constant([True]), tf.constant([True])),
     err("[Tt]runcate_?[Dd]iv", "bool")),
    ("bitwise_and-float", lambda tf: tf.bitwise.bitwise_and(tf.constant([1.0]), tf.constant([1.0])),
     err("[Bb]itwise_?[Aa]nd", "float")),
    ("invert-bool", lambda tf: tf.bitwise.invert(tf.constant([True])), err("[Ii]nvert", "bool")),
    ("left_shift-mixed-dtypes",
     lambda tf: tf.bitwise.left_shift(tf.constant([1]), tf.constant([1], tf.int64)),
     err("[Ll]eft_?[Ss]hift", "int64")),
    ("right_shift-too-far", lambda tf: tf.bitwise.right_shift(tf.constant([-8, 8]), tf.constant([40, 40])),
     val([-1, 0], "int32")),
    ("parse_tensor-wrong-type",
     lambda tf: tf.io.parse_tensor(tf.io.serialize_tensor(tf.constant([1.0])), tf.int32),
     err("[Pp]arse_?[Tt]ensor", "Type mismatch", "float", "int32")),
    ("parse_tensor-garbage", lambda tf: tf.io.parse_tensor(b"garbage\xff", tf.float32),
     err("[Pp]arse_?[Tt]ensor", "Could not parse")),
    ("parse_tensor-vector", lambda tf: tf.io.parse_tensor(tf.constant([b"", b""]), tf.float32),
     err("[Pp]arse_?[Tt]ensor", "scalar", r"\[2\]")),
    ("truediv-int-by-zero", lambda tf: tf.math.truediv(tf.constant([1]), tf.constant([0])),
     val([INF], "float64")),
    ("divide-float-by-zero", lambda tf: tf.constant([1.0, -1.0, 0.0]) / 0.0, val([INF, -INF, NAN])),
    ("divide_no_nan-zero", lambda tf: tf.math.divide_no_nan(tf.constant([1.0]), tf.constant([0.0])),
     val([0.0])),
    ("log-negative-and-zero", lambda tf: tf.math.log(tf.constant([-1.0, 0.0])), val([NAN, -INF])),
    ("sqrt-negative", lambda tf: tf.sqrt(tf.constant([-1.0])), val([NAN])),
    ("pow-int-negative-exponent", lambda tf: tf.pow(tf.constant([2]), tf.constant([-1])),
     err("[Pp]ow", "negative|[Ii]nteger")),
    # --- concat / stack / split / unstack
    ("concat-axis-2", lambda tf: tf.concat([tf.ones((2, 3)), tf.ones((2, 3))], 2),
     err("[Cc]oncat", "2")),
    ("concat-axis--3", lambda tf: tf.concat([tf.ones((2, 3)), tf.ones((2, 3))], -3),
     err("[Cc]oncat", "-3")),
    ("concat-shapes", lambda tf: tf.concat([tf.ones((2, 3)), tf.ones((3, 3))], 1),
     err("[Cc]oncat", "3")),
    ("concat-ranks", lambda tf: tf.concat([tf.ones((2, 3)), tf.ones((3,))], 0),
     err("[Cc]oncat", "rank|[Ss]hape")),
    ("concat-dtypes", lambda tf: tf.concat([tf.ones((2, 3)), tf.ones((2, 3), tf.float64)], 0),
     err("[Cc]oncat|float64", "float32|float64")),
    ("concat-empty-list", lambda tf: tf.concat([], 0), err("[Cc]oncat|empty|at least|List")),
    ("concat-float-axis", lambda tf: tf.concat([tf.ones(2), tf.ones(2)], 0.5), err("0.5|float")),
    ("concat-one-tensor", lambda tf: tf.concat([tf.constant([1.0, 2.0])], 0), val([1.0, 2.0])),
    ("stack-shapes", lambda tf: tf.stack([tf.ones(2), tf.ones(3)]),
     err("[Ss]tack|[Pp]ack", "2", "3")),
    ("stack-axis-3", lambda tf: tf.stack([tf.ones(2), tf.ones(2)], axis=3),
     err("[Ss]tack|[Pp]ack|axis", "3")),
    ("stack-dtypes", lambda tf: tf.stack([tf.ones(2), tf.ones(2, tf.int32)]),
     err("[Ss]tack|[Pp]ack|int32", "int32|float32")),
    ("unstack-axis-out", lambda tf: tf.unstack(tf.ones((2, 3)), axis=2)[0],
     err("[Uu]nstack|[Uu]npack|axis", "2")),
    ("unstack-num-mismatch", lambda tf: tf.unstack(tf.ones((2, 3)), num=3)[0],
     err("[Uu]nstack|[Uu]npack|num", "3|2")),
    ("split-uneven", lambda tf: tf.split(tf.ones((5, 2)), 2)[0], err("[Ss]plit", "5|2")),
    ("split-sizes", lambda tf: tf.split(tf.ones((5, 2)), [2, 2])[0], err("[Ss]plit", "5|4|2")),
    ("split-zero", lambda tf: tf.split(tf.ones((4, 2)), 0)[0], err("[Ss]plit", "0")),
    ("split-axis-out", lambda tf: tf.split(tf.ones((4, 2)), 2, axis=2)[0], err("[Ss]plit", "2")),
    # --- matmul / tensordot / einsum
    ("matmul-inner", lambda tf: tf.matmul(tf.ones((2, 3)), tf.ones((4, 5))),
     err("[Mm]at[Mm]ul|matmul", "3", "4")),
    ("matmul-rank-1", lambda tf: tf.matmul(tf.ones((3,)), tf.ones((3, 2))),
     err("[Mm]at[Mm]ul|matmul|rank", "3")),
    ("matmul-batch", lambda tf: tf.matmul(tf.ones((2, 2, 3)), tf.ones((3, 3, 4))),
     err("[Mm]at[Mm]ul|matmul", "2|3")),
    ("matmul-transposed", lambda tf: tf.matmul(tf.ones((2, 3)), tf.ones((2, 4)), transpose_a=True, transpose_b=True),
     err("[Mm]at[Mm]ul|matmul", "2|3|4")),
    ("matmul-bool", lambda tf: tf.matmul(tf.constant([[True]]), tf.constant([[False]])),
     err("[Mm]at[Mm]ul|matmul", "bool")),
    ("matmul-empty-inner", lambda tf: tf.matmul(tf.ones((2, 0)), tf.ones((0, 3))),
     val(np.zeros((2, 3), F))),
    ("tensordot-axes", lambda tf: tf.tensordot(tf.ones((2, 3)), tf.ones((4, 5)), axes=1),
     err("tensordot|[Mm]at[Mm]ul|[Rr]eshape", "3|4")),
    ("einsum-bad-subscripts", lambda tf: tf.einsum("ij,jk->il", tf.ones((2, 3)), tf.ones((3, 4))),
     err("einsum|[Ee]insum|l")),
    ("einsum-dim-mismatch", lambda tf: tf.einsum("ij,jk->ik", tf.ones((2, 3)), tf.ones((4, 4))),
     err("einsum|[Ee]insum", "3|4")),
    ("einsum-operand-count", lambda tf: tf.einsum("ij,jk->ik", tf.ones((2, 3))),
     err("einsum|[Ee]insum", "2|1|operand")),
    # --- transpose / tile / pad / broadcast / slice
    ("transpose-dup", lambda tf: tf.transpose(tf.ones((2, 3)), [0, 0]), err("[Tt]ranspose", "0")),
    ("transpose-short", lambda tf: tf.transpose(tf.ones((2, 3)), [0]),
     err("[Tt]ranspose", r"\[0\]|2|1")),
    ("transpose-out", lambda tf: tf.transpose(tf.ones((2, 3)), [0, 2]), err("[Tt]ranspose", "2")),
    ("tile-length", lambda tf: tf.tile(tf.ones((2, 3)), [2]), err("[Tt]ile", "2")),
    ("tile-negative", lambda tf: tf.tile(tf.ones((2, 3)), [1, -1]), err("[Tt]ile", "-1")),
    ("pad-rank", lambda tf: tf.pad(tf.ones((2, 3)), [[1, 1]]), err("[Pp]ad", r"2|\(2, 3\)")),
    ("pad-rank-2", lambda tf: tf.pad(tf.ones((2,)), [[1, 1], [1, 1]]), err("[Pp]ad", "2|1")),
    ("pad-negative", lambda tf: tf.pad(tf.ones((2,)), [[-1, 0]]), err("[Pp]ad", "-1|negative")),
    ("pad-mode", lambda tf: tf.pad(tf.ones((2,)), [[1, 1]], mode="bogus"), err("bogus|BOGUS")),
    ("pad-reflect-too-wide", lambda tf: tf.pad(tf.ones((2,)), [[3, 0]], mode="REFLECT"),
     err("[Pp]ad", "REFLECT|3|2")),
    ("pad-float", lambda tf: tf.pad(tf.ones((2,)), [[0.5, 1]]), err("0.5|float")),
    ("pad-symmetric-too-wide", lambda tf: tf.pad(tf.ones((2, 3)), [[0, 0], [1, 4]], mode="SYMMETRIC"),
     err("[Pp]ad", "no greater than", "4", "3")),
    ("pad-reflect-empty", lambda tf: tf.pad(tf.ones((0, 3)), [[0, 0], [1, 1]], mode="REFLECT"),
     err("[Pp]ad", "less than", "0")),
    ("broadcast_to-shape", lambda tf: tf.broadcast_to(tf.ones((2, 3)), (3, 3)),
     err("[Bb]roadcast", "2|3")),
    ("broadcast_to-negative", lambda tf: tf.broadcast_to(tf.ones((3,)), (-1, 3)),
     err("[Bb]roadcast|-1", "-1|3")),
    ("slice-size", lambda tf: tf.slice(tf.ones((3, 3)), [0, 0], [4, 1]), err("[Ss]lice", "4|3")),
    ("slice-begin", lambda tf: tf.slice(tf.ones((3, 3)), [5, 0], [1, 1]), err("[Ss]lice", "5|3")),
    ("slice-negative-begin", lambda tf: tf.slice(tf.ones((3, 3)), [-1, 0], [1, 1]),
     err("[Ss]lice", "-1|begin")),
    ("slice-rank", lambda tf: tf.slice(tf.ones((3, 3)), [0], [1]), err("[Ss]lice", "1|2|rank")),
    ("getitem-index-out", lambda tf: tf.ones((2, 3))[:, 3], err("slice|index", "3")),
    ("getitem-first-out", lambda tf: tf.ones((2, 3))[5], err("slice|index", "5")),
    ("getitem-negative-out", lambda tf: tf.ones((2, 3))[-3], err("slice|index", "-3")),
    ("getitem-too-many", lambda tf: tf.ones((2, 3))[0, 0, 0], err("slice|index|rank", "3|2")),
    ("getitem-float", lambda tf: tf.ones((2, 3))[1.5], err("1.5|float|slice|index")),
    ("getitem-string", lambda tf: tf.ones((2, 3))["a"], err("'a'|str|slice|index")),
    ("getitem-step-zero", lambda tf: tf.ones((4,))[::0], err("slice|step|stride", "0|zero")),
    ("getitem-two-ellipses", lambda tf: tf.ones((2, 3))[..., ..., 0], err("[Ee]llipsis|\\.\\.\\.")),
    ("getitem-past-end-empty", lambda tf: tf.ones((4,))[10:20], val(np.zeros(0, F))),
    ("getitem-clipped", lambda tf: tf.constant([1.0, 2.0, 3.0])[-10:2], val([1.0, 2.0])),
    # --- indices: gather, gather_nd, scatter, one_hot
    ("gather-out", lambda tf: tf.gather(tf.ones(3), [3]), err("[Gg]ather", "3")),
    ("gather-negative", lambda tf: tf.gather(tf.ones(3), [-1]), err("[Gg]ather", "-1")),
    ("gather-huge", lambda tf: tf.gather(tf.ones(3), [2 ** 40]),
     err("[Gg]ather", "1099511627776|out of|not in")),
    ("gather-float-indices", lambda tf: tf.gather(tf.ones(3), tf.constant([0.0])),
     err("[Gg]ather", "float32|integer")),
    ("gather-axis-out", lambda tf: tf.gather(tf.ones((2, 3)), [0], axis=2),
     err("[Gg]ather", "2|axis")),
    ("gather-batch_dims", lambda tf: tf.gather(tf.ones((2, 3)), [[0]], batch_dims=3),
     err("[Gg]ather|batch_dims", "3|batch_dims")),
    ("gather-empty-indices", lambda tf: tf.gather(tf.ones((3, 2)), tf.zeros((0,), tf.int32)),
     val(np.zeros((0, 2), F))),
    ("gather_nd-out", lambda tf: tf.gather_nd(tf.ones((2, 2)), [[0, 2]]),
     err("[Gg]ather_?[Nn]d", "2")),
    ("gather_nd-negative", lambda tf: tf.gather_nd(tf.ones((2, 2)), [[-1, 0]]),
     err("[Gg]ather_?[Nn]d", "-1")),
    ("gather_nd-index-depth", lambda tf: tf.gather_nd(tf.ones((2, 2)), [[0, 0, 0]]),
     err("[Gg]ather_?[Nn]d", "3|2")),
    ("gather_nd-float", lambda tf: tf.gather_nd(tf.ones((2, 2)), tf.constant([[0.0, 1.0]])),
     err("[Gg]ather_?[Nn]d", "float32|integer")),
    ("scatter_nd-out", lambda tf: tf.scatter_nd([[5]], [1.0], [3]),
     err("[Ss]catter_?[Nn]d", "5|3")),
    ("scatter_nd-negative", lambda tf: tf.scatter_nd([[-1]], [1.0], [3]),
     err("[Ss]catter_?[Nn]d", "-1")),
    ("scatter_nd-updates-shape", lambda tf: tf.scatter_nd([[0], [1]], [1.0], [3]),
     err("[Ss]catter_?[Nn]d", "1|2")),
    ("scatter_nd-negative-shape", lambda tf: tf.scatter_nd([[0]], [1.0], [-3]),
     err("[Ss]catter_?[Nn]d", "-3")),
    ("tensor_scatter-out", lambda tf: tf.tensor_scatter_nd_update(tf.ones(3), [[3]], [1.0]),
     err("[Ss]catter", "3")),
    ("tensor_scatter-updates-shape", lambda tf: tf.tensor_scatter_nd_update(tf.ones(3), [[0]], [1.0, 2.0]),
     err("[Ss]catter", "1|2")),
    ("tensor_scatter-dtype", lambda tf: tf.tensor_scatter_nd_update(tf.ones(3), [[0]], tf.constant([1], tf.int32)),
     err("[Ss]catter", "int32|float32")),
    ("one_hot-negative-depth", lambda tf: tf.one_hot([0, 1], -1),
     err("[Oo]ne_?[Hh]ot|depth", "-1")),
    ("one_hot-float-indices", lambda tf: tf.one_hot(tf.constant([1.0, 0.0]), 3),
     err("[Oo]ne_?[Hh]ot", "float32|integer")),
    ("one_hot-axis-out", lambda tf: tf.one_hot([0, 1], 3, axis=3), err("[Oo]ne_?[Hh]ot|axis", "3")),
    ("one_hot-out-of-range-is-zero-row", lambda tf: tf.one_hot([0, 5, -1], 3),
     val([[1.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]])),
    ("one_hot-zero-depth", lambda tf: tf.one_hot([0, 1], 0), val(np.zeros((2, 0), F))),
    ("boolean_mask-shape", lambda tf: tf.boolean_mask(tf.ones(3), tf.constant([True, False])),
     err("mask|[Bb]oolean", "2|3")),
    ("boolean_mask-int-mask", lambda tf: tf.boolean_mask(tf.constant([1.0, 2.0]), tf.constant([1, 0])),
     val([1.0])),
    ("where-one-arg-float", lambda tf: tf.where(tf.constant([0.0, 1.0, 2.0])),
     val([[1], [2]], "int64")),
    ("where-non-bool-cond", lambda tf: tf.where(tf.constant([1, 0]), tf.ones(2), tf.zeros(2)),
     err("where|Select|bool", "bool|int32")),
    ("unsorted_segment_sum-out", lambda tf: tf.math.unsorted_segment_sum(tf.ones(3), [0, 1, 5], 2),
     err("segment", "5")),
    ("segment_sum-unsorted", lambda tf: tf.math.segment_sum(tf.ones(3), [1, 0, 0]),
     err("segment|[Ss]egment", "sorted|order|increasing")),
    ("bincount-negative", lambda tf: tf.math.bincount(tf.constant([-1, 0])),
     err("[Bb]incount", "negative|-1|minlength")),
    ("repeat-mismatch", lambda tf: tf.repeat(tf.ones(3), [1, 2]),
     err("[Rr]epeat|[Rr]eshape|[Bb]roadcast", "2|3")),
    ("add_n-shapes", lambda tf: tf.add_n([tf.ones(2), tf.ones(3)]),
     err("add_n|AddN|[Ss]hape", "2|3")),
    ("add_n-empty", lambda tf: tf.add_n([]), err("add_n|inputs|at least")),
    # --- conv / pooling
    ("conv2d-stride-zero", lambda tf: tf.nn.conv2d(tf.ones((1, 4, 4, 1)), tf.ones((2, 2, 1, 1)), 0, "VALID"),
     err("[Cc]onv2[Dd]|stride", "0|stride")),
    ("conv2d-padding", lambda tf: tf.nn.conv2d(tf.ones((1, 4, 4, 1)), tf.ones((2, 2, 1, 1)), 1, "bogus"),
     err("bogus|BOGUS|padding")),
    ("conv2d-rank", lambda tf: tf.nn.conv2d(tf.ones((4, 4, 1)), tf.ones((2, 2, 1, 1)), 1, "VALID"),
     err("[Cc]onv|rank|dim", "3|4")),
    ("conv2d-channels", lambda tf: tf.nn.conv2d(tf.ones((1, 4, 4, 3)), tf.ones((2, 2, 2, 1)), 1, "VALID"),
     err("[Cc]onv", "3|2|channel|depth")),
    ("conv2d-filter-too-big", lambda tf: tf.nn.conv2d(tf.ones((1, 2, 2, 1)), tf.ones((3, 3, 1, 1)), 1, "VALID"),
     stricter("[Cc]onv|size|[Nn]egative", "2|3|-1|negative")),
    ("conv2d-strides-length", lambda tf: tf.nn.conv2d(tf.ones((1, 4, 4, 1)), tf.ones((2, 2, 1, 1)), [1, 1, 1], "VALID"),
     err("[Cc]onv|stride", "3|stride")),
    ("conv2d-dtype", lambda tf: tf.nn.conv2d(tf.ones((1, 4, 4, 1)), tf.ones((2, 2, 1, 1), tf.float64), 1, "VALID"),
     err("[Cc]onv", "float64|float32")),
    ("conv1d-rank", lambda tf: tf.nn.conv1d(tf.ones((4, 1)), tf.ones((2, 1, 1)), 1, "VALID"),
     err("[Cc]onv|rank|dim|[Ss]hape", "2|3|4")),
    ("conv2d-dilation-zero", lambda tf: tf.nn.conv2d(tf.ones((1, 4, 4, 1)), tf.ones((2, 2, 1, 1)), 1, "SAME", dilations=0),
     err("[Cc]onv|[Dd]ilat", "0|positive|larger")),
    ("conv2d-dilated-filter-too-big", lambda tf: tf.nn.conv2d(tf.ones((1, 5, 5, 1)), tf.ones((3, 3, 1, 1)), 1, "VALID", dilations=3),
     err("[Cc]onv|size|[Nn]egative|window", "5|7|-1")),
    ("conv2d-groups-out-channels", lambda tf: tf.nn.conv2d(tf.ones((1, 4, 4, 4)), tf.ones((2, 2, 2, 3)), 1, "VALID"),
     err("[Cc]onv|groups|divisible", "3|2")),
    ("convolution-strides-and-dilations", lambda tf: tf.nn.convolution(tf.ones((1, 6, 6, 1)), tf.ones((2, 2, 1, 1)), strides=2, dilations=2),
     err("strides|dilation", "2")),
    ("conv3d-strides-int", lambda tf: tf.nn.conv3d(tf.ones((1, 3, 3, 3, 1)), tf.ones((2, 2, 2, 1, 1)), 1, "VALID"),
     err("strides|conv3d", "list")),
    # TF's eager MaxPool3D returns an empty (depth 0) result here, its (in - k) / s + 1 truncating
    # -1 / 1 to 0; its graph shape function raises "Negative dimension size", as graphflow does
    ("max_pool3d-window-larger", lambda tf: tf.nn.max_pool3d(tf.ones((1, 2, 4, 4, 1)), 3, 1, "VALID"),
     stricter("max_pool3d|MaxPool3D", "[Nn]egative|larger")),
    ("avg_pool3d-int", lambda tf: tf.nn.avg_pool3d(tf.ones((1, 4, 4, 4, 1), tf.int32), 2, 1, "VALID"),
     err("avg_pool3d|allowed", "int32")),
    ("max_pool3d-ksize-length", lambda tf: tf.nn.max_pool3d(tf.ones((1, 4, 4, 4, 1)), [2, 2], 1, "VALID"),
     err("ksize", "1, 3 or 5")),
    ("conv3d_transpose-channels", lambda tf: tf.nn.conv3d_transpose(tf.ones((1, 2, 2, 2, 3)), tf.ones((2, 2, 2, 4, 3)), [1, 4, 4, 4, 5], 2),
     err("depth|channels", "5")),
    ("pool-min", lambda tf: tf.nn.pool(tf.ones((1, 4, 4, 4, 1)), [2, 2, 2], "MIN"),
     err("MIN", "not supported")),
    ("atrous_conv2d-rate-zero", lambda tf: tf.nn.atrous_conv2d(tf.ones((1, 4, 4, 1)), tf.ones((2, 2, 1, 1)), 0, "SAME"),
     err("rate|dilation", "0|positive|less")),
    ("max_pool-ksize-zero", lambda tf: tf.nn.max_pool2d(tf.ones((1, 4, 4, 1)), 0, 1, "VALID"),
     err("[Pp]ool|ksize|[Kk]ernel|window", "0|ksize|positive")),
    ("max_pool-padding", lambda tf: tf.nn.max_pool2d(tf.ones((1, 4, 4, 1)), 2, 2, "SAMEISH"),
     err("SAMEISH|padding")),
    ("avg_pool-rank", lambda tf: tf.nn.avg_pool2d(tf.ones((4, 4, 1)), 2, 2, "VALID"),
     err("[Pp]ool|rank|dim|[Ss]hape", "3|4")),
    ("bias_add-mismatch", lambda tf: tf.nn.bias_add(tf.ones((2, 3)), tf.ones(4)),
     err("[Bb]ias", "3|4")),
    ("bias_add-rank", lambda tf: tf.nn.bias_add(tf.ones((2, 3)), tf.ones((3, 1))),
     err("[Bb]ias", "1|rank|vector|dim")),
    # --- losses
    ("sparse_xent-label-out", lambda tf: tf.nn.sparse_softmax_cross_entropy_with_logits(tf.constant([3]), tf.ones((1, 3))),
     err("label|[Ss]parse", "3")),
    ("sparse_xent-label-negative", lambda tf: tf.nn.sparse_softmax_cross_entropy_with_logits(tf.constant([-1]), tf.ones((1, 3))),
     err("label|[Ss]parse", "-1")),
    ("sparse_xent-float-labels", lambda tf: tf.nn.sparse_softmax_cross_entropy_with_logits(tf.constant([1.0]), tf.ones((1, 3))),
     err("label|[Ss]parse|int", "float32|int")),
    ("sparse_xent-rank", lambda tf: tf.nn.sparse_softmax_cross_entropy_with_logits(tf.constant([[1]]), tf.ones((1, 3))),
     err("label|[Ss]parse|[Rr]ank|[Ss]hape", r"1|\[1,1\]|\(1, 1\)")),
    ("xent-shapes", lambda tf: tf.nn.softmax_cross_entropy_with_logits(tf.ones((2, 3)), tf.ones((2, 4))),
     err("[Ss]oftmax|logits|labels|[Ss]hape", "3|4")),
    # --- linalg
    ("inv-singular", lambda tf: tf.linalg.inv(tf.zeros((2, 2))),
     err("[Ii]nv|[Ss]ingular|invertible")),
    ("inv-non-square", lambda tf: tf.linalg.inv(tf.ones((2, 3))),
     err("[Ii]nv|square", "2|3|square")),
    ("det-non-square", lambda tf: tf.linalg.det(tf.ones((2, 3))),
     err("[Dd]et|square", "2|3|square")),
    ("solve-shapes", lambda tf: tf.linalg.solve(tf.eye(2), tf.ones((3, 1))),
     err("[Ss]olve|[Mm]atrix", "2|3")),
    # --- random and misc
    ("random.uniform-negative-shape", lambda tf: tf.random.uniform((-1,)), err("-1|shape")),
    ("random.uniform-int-minmax", lambda tf: tf.random.uniform((2,), 5, 5, tf.int32),
     err("[Uu]niform|minval|maxval", "5|minval")),
    ("random.normal-float-shape", lambda tf: tf.random.normal((2.5,)), err("2.5|float")),
    ("dropout-rate-1", lambda tf: tf.nn.dropout(tf.ones(3), rate=1.0), err("rate", "1")),
    ("dropout-rate-negative", lambda tf: tf.nn.dropout(tf.ones(3), rate=-0.1), err("rate", "-0.1")),
    ("image.resize-negative", lambda tf: tf.image.resize(tf.ones((1, 4, 4, 1)), (-2, 2)),
     err("[Rr]esize|size", "-2|positive")),
    ("image.resize-rank", lambda tf: tf.image.resize(tf.ones((4,)), (2, 2)),
     err("[Rr]esize|image|rank|[Ss]hape", "1|3|4|rank")),
    ("image.ssim-smaller-than-filter",
     lambda tf: tf.image.ssim(tf.ones((1, 5, 5, 1)), tf.ones((1, 5, 5, 1)), 1.0),
     err("5", "11")),
    ("image.rgb_to_hsv-channels", lambda tf: tf.image.rgb_to_hsv(tf.ones((2, 4))),
     err("3 channels|Dimension must be 3", "4")),
    ("image.extract_patches-rank",
     lambda tf: tf.image.extract_patches(tf.ones((4, 4, 1)), [1, 2, 2, 1], [1, 1, 1, 1],
                                         [1, 1, 1, 1], "VALID"),
     err("4-D|4-dimensional|rank 4", "4, 4, 1|4,4,1|rank 3")),
    ("image.crop_and_resize-box-index",
     lambda tf: tf.image.crop_and_resize(tf.ones((1, 4, 4, 1)), [[0.0, 0.0, 1.0, 1.0]], [3],
                                         [2, 2]),
     err("box_index", r"outside \[0, batch_size\)")),
    ("image.non_max_suppression-iou",
     lambda tf: tf.image.non_max_suppression(tf.ones((2, 4)), tf.ones(2), 2, 1.5),
     err("iou_threshold", r"\[0, 1\]")),
    ("image.draw_bounding_boxes-depth",
     lambda tf: tf.image.draw_bounding_boxes(tf.ones((1, 4, 4, 2)), tf.ones((1, 1, 4)), None),
     err("Channel depth", "1 .GRY., 3 .RGB., or 4 .RGBA.")),
    ("clip_by_value-dtype", lambda tf: tf.clip_by_value(tf.ones(2), tf.constant(0), 1),
     err("[Cc]lip|[Mm]inimum|[Mm]aximum", "int32|float32")),
    ("searchsorted-rank", lambda tf: tf.searchsorted(tf.ones((2, 3)), tf.ones((3, 1))),
     err("searchsorted|[Ss]earch|[Bb]ound", "2|3")),
    # --- mismatched structures: control flow, nest, TensorArray, map_fn
    ("cond-branch-dtypes", lambda tf: tf.cond(tf.constant(True), lambda: tf.constant(1.0), lambda: tf.constant(1)),
     eager_runs_python(val(1.0), err("cond|branch|[Ff]alse_fn|true_fn", "float32|int32"))),
    ("cond-branch-structures", lambda tf: tf.cond(tf.constant(True), lambda: (tf.ones(1), tf.ones(1)), lambda: tf.ones(1)),
     eager_runs_python(val([[1.0], [1.0]]),
      err("cond|branch|structure|[Ff]alse_fn|true_fn|same|nest"))),
    ("cond-non-bool-pred", lambda tf: tf.cond(tf.constant([True, False]), lambda: 1.0, lambda: 2.0),
     err("cond|pred|scalar|shape|rank", "2|scalar|rank")),
    ("while_loop-body-dtype", lambda tf: tf.while_loop(lambda i: i < 3, lambda i: (tf.cast(i, tf.float32) + 1.0,), (tf.constant(0),)),
     eager_runs_python(val([3.0]), err("while|loop|body", "float32|int32"))),
    ("while_loop-body-arity", lambda tf: tf.while_loop(lambda i: i < 3, lambda i: (i + 1, i), [tf.constant(0)]),
     err("while|loop|body|structure|nest|same", "2|1|structure|same")),
    ("while_loop-shape-grows", lambda tf: tf.while_loop(lambda x: tf.size(x) < 4, lambda x: (tf.concat([x, x], 0),), (tf.ones(1),)),
     eager_runs_python(val([[1.0] * 4]),
      err("while|loop|shape", r"\(1,\)|\(2,\)|\[1\]|\[2\]|shape_invariants"))),
    ("while_loop-cond-non-bool", lambda tf: tf.while_loop(lambda i: i, lambda i: (i - 1.0,), (tf.constant(3.0),)),
     eager_runs_python(val([0.0]), err("while|loop|cond|bool", "bool|float32"))),
    ("tensor_array-read-out", lambda tf: tf.TensorArray(tf.float32, size=2).write(0, 1.0).write(1, 2.0).read(5),
     err("TensorArray|read|index", "5")),
    ("tensor_array-write-dtype", lambda tf: tf.TensorArray(tf.float32, size=1).write(0, tf.constant(1)).stack(),
     err("TensorArray|write|dtype", "int32|float32")),
    ("tensor_array-stack-shapes", lambda tf: tf.TensorArray(tf.float32, size=2).write(0, tf.ones(2)).write(1, tf.ones(3)).stack(),
     err("TensorArray|shape|stack|[Ii]ncompatible", "2|3")),
    # --- integer wrap-around and float edge values: TF's results
    ("int32-add-wraps", lambda tf: tf.constant([2 ** 31 - 1]) + 1, val([-2 ** 31], "int32")),
    ("int32-multiply-wraps", lambda tf: tf.constant([65536]) * 65536, val([0], "int32")),
    ("int8-reduce_sum-wraps", lambda tf: tf.reduce_sum(tf.constant([100, 100], tf.int8)),
     val(-56, "int8")),
    ("uint8-subtract-wraps", lambda tf: tf.constant([0], tf.uint8) - tf.constant([1], tf.uint8),
     val([255], "uint8")),
    ("int32-abs-of-min", lambda tf: tf.abs(tf.constant([-2 ** 31])), val([-2 ** 31], "int32")),
    ("float16-overflow-is-inf", lambda tf: tf.constant([70000.0], tf.float16),
     val([INF], "float16")),
    ("floordiv-negative", lambda tf: tf.math.floordiv(tf.constant([-7, 7]), tf.constant([2, -2])),
     val([-4, -4], "int32")),
    ("floormod-negative", lambda tf: tf.math.floormod(tf.constant([-7, 7]), tf.constant([2, -2])),
     val([1, -1], "int32")),
    ("floormod-float-negative", lambda tf: tf.math.floormod(tf.constant([-7.0]), tf.constant([2.0])),
     val([1.0])),
    ("round-half-to-even", lambda tf: tf.round(tf.constant([0.5, 1.5, 2.5, -0.5])),
     val([0.0, 2.0, 2.0, -0.0])),
    ("cast-float-to-int-truncates", lambda tf: tf.cast(tf.constant([-1.5, 2.7]), tf.int32),
     val([-1, 2], "int32")),
    ("maximum-nan", lambda tf: tf.maximum(tf.constant([NAN, 1.0]), tf.constant([1.0, NAN])),
     val([NAN, NAN])),
    ("minimum-nan", lambda tf: tf.minimum(tf.constant([NAN, 1.0]), tf.constant([1.0, NAN])),
     val([NAN, NAN])),
    ("sign-nan", lambda tf: tf.sign(tf.constant([NAN, -2.0, 0.0])), val([NAN, -1.0, 0.0])),
    ("relu-nan", lambda tf: tf.nn.relu(tf.constant([NAN, -1.0])), val([NAN, 0.0])),
    ("sigmoid-extremes", lambda tf: tf.sigmoid(tf.constant([-200.0, 200.0])), val([0.0, 1.0])),
    ("softplus-large", lambda tf: tf.nn.softplus(tf.constant([100.0])), val([100.0])),
    ("exp-overflow", lambda tf: tf.exp(tf.constant([100.0])), val([INF])),
    ("log1p-minus-one", lambda tf: tf.math.log1p(tf.constant([-1.0])), val([-INF])),
    # --- more ops
    ("segment_sum-lengths", lambda tf: tf.math.segment_sum(tf.ones(3), [0, 0]),
     err("segment|[Ss]egment", "3|2")),
    ("unsorted_segment-negative-num", lambda tf: tf.math.unsorted_segment_sum(tf.ones(2), [0, 0], -1),
     err("segment|num_segments", "-1")),
    ("conv2d_transpose-output-shape", lambda tf: tf.nn.conv2d_transpose(tf.ones((1, 2, 2, 1)), tf.ones((2, 2, 1, 1)), [1, 9, 9, 1], 1, "VALID"),
     err("[Cc]onv|output|shape|[Bb]ackprop", "9|3|2")),
    ("moments-axes-out", lambda tf: tf.nn.moments(tf.ones((2, 3)), axes=[2])[0],
     err("moments|mean|[Rr]educ|axis", "2")),
    ("batch_normalization-shapes", lambda tf: tf.nn.batch_normalization(tf.ones((2, 3)), tf.ones(4), tf.ones(4), None, None, 1e-3),
     err("[Ss]ub|[Mm]ul|batch_norm|[Ii]ncompatible|broadcast", "3|4")),
    ("log_softmax-axis-out", lambda tf: tf.nn.log_softmax(tf.ones((2, 3)), axis=-3),
     err("softmax|axis", "-3")),
    ("trace-rank-1", lambda tf: tf.linalg.trace(tf.ones(3)),
     err("trace|diag|rank|[Mm]atrix", "1|2|rank")),
    ("diag_part-rank-1", lambda tf: tf.linalg.diag_part(tf.ones(3)),
     err("diag|rank|[Mm]atrix", "1|2|rank")),
    ("band_part-rank-1", lambda tf: tf.linalg.band_part(tf.ones(3), 0, 0),
     err("band|rank|[Mm]atrix", "1|2|rank")),
    ("unique-2d", lambda tf: tf.unique(tf.ones((2, 2)))[0],
     err("[Uu]nique|1-D|vector|rank", "1|2|vector")),
    ("sequence_mask-negative-maxlen", lambda tf: tf.sequence_mask([1, 2], -1),
     err("sequence_mask|maxlen|[Rr]ange|-1", "-1")),
    ("in_top_k-k-vs-classes", lambda tf: tf.math.in_top_k(tf.constant([0]), tf.ones((1, 3)), 1.5),
     err("in_top_k|k|1.5|float")),
    ("random.categorical-1d", lambda tf: tf.random.categorical(tf.ones(3), 2),
     err("categorical|logits|[Mm]ultinomial|rank|2D|matrix|2-D", "1|2|rank|matrix")),
    ("random.shuffle-scalar-is-itself", lambda tf: tf.random.shuffle(tf.constant(1.0)), val(1.0)),
    ("stateless-seed-shape", lambda tf: tf.random.stateless_uniform((2,), seed=[1, 2, 3]),
     err("seed|shape", "2|3")),
    ("sets.union-float", lambda tf: tf.sets.union(tf.ones((2, 2)), tf.ones((2, 2))),
     err("invalid dtype", "float32")),
    ("sets.union-dtypes", lambda tf: tf.sets.union(tf.constant([[1]]), tf.constant([[1]], tf.int64)),
     err("Types don't match", "int32", "int64")),
    ("sets.intersection-rank-1", lambda tf: tf.sets.intersection(tf.constant([1, 2]),
                                                                 tf.constant([2, 3])),
     err("rank", "1", "2")),
    ("sets.difference-batch-dims", lambda tf: tf.sets.difference(tf.ones((2, 3), tf.int32),
                                                                 tf.ones((3, 3), tf.int32)),
     err(r"\[2\]", r"\[3\]", "Mismatched shapes|must be equal")),
    ("sets.size-unsorted", lambda tf: tf.sets.size(tf.SparseTensor([[0, 1], [0, 0]], [3, 1], [2, 3])),
     err("out of order", r"\[0,0\]")),
    ("sets.size-repeated", lambda tf: tf.sets.size(tf.SparseTensor([[0, 1], [0, 1]], [3, 1], [2, 3])),
     err("is repeated", r"\[0,1\]")),
    ("embedding_lookup-out", lambda tf: tf.nn.embedding_lookup(tf.ones((3, 2)), [5]),
     err("[Gg]ather|embedding|indices", "5")),
    ("image.resize-method", lambda tf: tf.image.resize(tf.ones((1, 4, 4, 1)), (2, 2), method="bogus"),
     err("bogus|method|[Rr]esize")),
    ("strings.to_number-bad", lambda tf: tf.strings.to_number(tf.constant(["1.5x"])),
     err("1.5x|number|float|[Cc]onvert|StringToNumber")),
    ("strings.length-numbers", lambda tf: tf.strings.length(tf.constant([1.0])),
     err("length|string|float32")),
    ("io.decode_png-garbage", lambda tf: tf.io.decode_png(tf.constant(b"not a png")),
     err("png|PNG|decode|image|[Ii]nvalid")),
    ("linspace-num-negative", lambda tf: tf.linspace(0.0, 1.0, -1),
     err("linspace|[Ll]in[Ss]pace|num|-1", "-1|num|negative")),
    ("clip_by_norm-rank-norm", lambda tf: tf.clip_by_norm(tf.ones(3), tf.ones(2)),
     err("clip|norm|scalar|[Ii]ncompatible|broadcast|[Mm]ul|shape", "2|3|scalar")),
    ("meshgrid-indexing", lambda tf: tf.meshgrid(tf.ones(2), tf.ones(3), indexing="zz")[0],
     err("indexing|zz")),
    ("matmul-adjoint-string", lambda tf: tf.linalg.matmul(tf.ones((2, 2)), tf.constant([["a", "b"], ["c", "d"]])),
     err("[Mm]at[Mm]ul|matmul", "string|float32")),
    ("roll-axis-out", lambda tf: tf.roll(tf.ones(3), 1, axis=2), err("[Rr]oll|axis", "2")),
    # tf.io parsing (graphflow/ops/parsing.py); _EXAMPLE_A is an Example with a = [1.0, 2.0]
    ("io.decode_csv-too-few-fields",
     lambda tf: tf.io.decode_csv(tf.constant(["1,2"]), [[0], [0], [0]])[0],
     err("Expect 3 fields but have 2 in record 0")),
    ("io.decode_csv-bad-int", lambda tf: tf.io.decode_csv(tf.constant(["1,x"]), [[0], [0]])[1],
     err("Field 1 in record 0 is not a valid int32: x")),
    ("io.decode_csv-required", lambda tf: tf.io.decode_csv(tf.constant([","]), [[], [0]])[0],
     err("Field 0 is required but missing in record 0")),
    ("io.parse_example-missing", lambda tf: tf.io.parse_example(
        tf.constant([_EXAMPLE_A]), {"b": tf.io.FixedLenFeature([], tf.int64)})["b"],
     err(r"Feature: b \(data type: int64\) is required but could not be found")),
    ("io.parse_example-dtype", lambda tf: tf.io.parse_single_example(
        tf.constant(_EXAMPLE_A), {"a": tf.io.FixedLenFeature([2], tf.int64)})["a"],
     err("Key: a", "Data types don't match. Data type: float but expected type: int64")),
    ("io.parse_example-count", lambda tf: tf.io.parse_example(
        tf.constant([_EXAMPLE_A]), {"a": tf.io.FixedLenFeature([3], tf.float32)})["a"],
     err("Key: a, Index: 0", "Values size: 2 but output shape: \\[3\\]")),
    ("io.parse_example-garbage", lambda tf: tf.io.parse_single_example(
        tf.constant(b"garbage"), {"a": tf.io.FixedLenFeature([], tf.float32)})["a"],
     err("Could not parse example input, value: 'garbage'")),
    # --- tf.SparseTensor (graphflow/ops/sparse.py): TF's index checks, run where the graph runs
    ("sparse.to_dense-index-out", lambda tf: tf.sparse.to_dense(
        tf.sparse.SparseTensor([[0, 0], [3, 1]], [1.0, 2.0], [2, 2])),
     err("sparse_to_dense", r"indices\[1\] = \[3,1\] is out of bounds")),
    ("sparse.to_dense-unordered", lambda tf: tf.sparse.to_dense(
        tf.sparse.SparseTensor([[1, 0], [0, 1]], [1.0, 2.0], [2, 2])),
     err("sparse_to_dense", r"indices\[1\] = \[0,1\] is out of order")),
    ("sparse.to_dense-repeated", lambda tf: tf.sparse.to_dense(
        tf.sparse.SparseTensor([[1, 0], [1, 0]], [1.0, 2.0], [2, 2])),
     err("sparse_to_dense", "repeated")),
    ("sparse.to_dense-default-dtype", lambda tf: tf.sparse.to_dense(
        tf.sparse.SparseTensor([[1, 0]], [1.0], [2, 2]), default_value=tf.constant(1)),
     err("sparse_to_dense", "default_value", "int32")),
    ("sparse.matmul-inner", lambda tf: tf.sparse.sparse_dense_matmul(
        tf.sparse.SparseTensor([[0, 0]], [1.0], [2, 3]), tf.ones((2, 2))),
     err("sparse_dense_matmul", "inner dimension", "3 vs. 2")),
    ("sparse.matmul-index-out", lambda tf: tf.sparse.sparse_dense_matmul(
        tf.sparse.SparseTensor([[0, 5]], [1.0], [2, 3]), tf.ones((3, 2))),
     err("sparse_dense_matmul", r"k \(5\) from index\[0,1\] out of bounds")),
    ("sparse.add-shapes", lambda tf: tf.sparse.to_dense(tf.sparse.add(
        tf.sparse.SparseTensor([[0, 0]], [1.0], [2, 2]),
        tf.sparse.SparseTensor([[0, 0]], [1.0], [2, 3]))),
     err("sparse_add", "shapes do not match: got 2 and 3")),
    ("sparse.reshape-size", lambda tf: tf.sparse.to_dense(tf.sparse.reshape(
        tf.sparse.SparseTensor([[0, 0]], [1.0], [2, 3]), [4, 2])),
     err("sparse_reshape", "6 dense values", "has 8")),
    ("sparse.bincount-negative", lambda tf: tf.sparse.to_dense(
        tf.sparse.bincount(tf.constant([1, -2]))),
     err("bincount", "non-negative")),
    # --- complex numbers (graphflow/ops/elementwise.py, ops/fft.py, ops/matrix_complex.py)
    ("add-c64-f32", lambda tf: tf.constant([1 + 2j], tf.complex64) + tf.ones(1),
     err("add", "complex64", "float32")),
    ("less-complex", lambda tf: tf.less(tf.constant([1j]), tf.constant([2j])),
     err("less", "complex128")),
    ("maximum-complex", lambda tf: tf.maximum(tf.constant([1j]), tf.constant([2j])),
     err("maximum", "complex128")),
    ("relu-complex", lambda tf: tf.nn.relu(tf.constant([1j])), err("relu", "complex128")),
    ("reduce_max-complex", lambda tf: tf.reduce_max(tf.constant([1j, 2])),
     err("reduce_max", "complex128")),
    ("complex-int-parts", lambda tf: tf.complex(tf.constant([1]), tf.constant([2])),
     err("complex", "int32")),
    ("complex-mixed-parts", lambda tf: tf.complex(tf.ones(1), tf.ones(1, tf.float64)),
     err("complex", "float32", "float64")),
    ("constant-complex-as-float", lambda tf: tf.constant(1 + 2j, tf.float32),
     err("complex", r"\(1\+2j\)", "float32")),
    ("fft-float", lambda tf: tf.signal.fft(tf.ones(4)), err("fft", "complex", "float32")),
    ("fft2d-rank1", lambda tf: tf.signal.fft2d(tf.constant([1 + 1j])),
     err("fft2d", "rank of at least 2")),
    ("rfft-complex", lambda tf: tf.signal.rfft(tf.constant([1j, 2j])),
     err("rfft", "complex128")),
    ("irfft-float", lambda tf: tf.signal.irfft(tf.ones(3)), err("irfft", "float32")),
    ("eig-not-square", lambda tf: tf.linalg.eigvals(tf.zeros((2, 3))),
     err("eig", "square", r"\(2, 3\)")),
    ("logm-float", lambda tf: tf.linalg.logm(tf.eye(2)), err("logm", "float32")),
]

# tf.data input pipelines (eager, as they are used).
DATA_CASES = [
    ("from_tensor_slices-lengths", lambda tf: tf.data.Dataset.from_tensor_slices((np.ones(3, F), np.ones(2, F))),
     err("[Dd]imension|size|length|same|first|0th", "3|2")),
    ("from_tensor_slices-scalar", lambda tf: tf.data.Dataset.from_tensor_slices(np.float32(1.0)),
     err("rank|scalar|at least|dimension|slice")),
    ("batch-zero", lambda tf: list(tf.data.Dataset.range(4).batch(0)),
     err("batch_size|batch", "0|positive|> 0")),
    ("batch-float", lambda tf: tf.data.Dataset.range(4).batch(2.5),
     err("batch_size|2.5|float|int")),
    ("take-float", lambda tf: tf.data.Dataset.range(4).take(1.5), err("count|1.5|float|int")),
    ("shuffle-zero-buffer", lambda tf: list(tf.data.Dataset.range(4).shuffle(0)),
     err("buffer_size|shuffle", "0|positive|> 0")),
    ("map-bad-arity", lambda tf: list(tf.data.Dataset.range(4).map(lambda a, b: a)),
     err("argument|positional|missing|b|arguments")),
    ("zip-non-dataset", lambda tf: tf.data.Dataset.zip((tf.data.Dataset.range(2), 3)),
     err("[Dd]ataset|3|int|zip")),
    ("range-negative-take-all", lambda tf: len(list(tf.data.Dataset.range(3).take(-1))), val(3)),
    ("batch-drop-remainder", lambda tf: len(list(tf.data.Dataset.range(5).batch(2, drop_remainder=True))),
     val(2)),
]

# Each element is (entry point, id, fn(tf) -> value or None, expected); these run only as named.
VARIABLE_CASES = [
    ("variable-assign-shape", lambda tf: tf.Variable([1.0, 2.0]).assign([1.0, 2.0, 3.0]),
     err("[Ss]hape", "2", "3")),
    ("variable-assign-dtype", lambda tf: tf.Variable([1.0, 2.0]).assign(tf.constant([1, 2])),
     err("int32", "float32")),
    ("variable-assign-string", lambda tf: tf.Variable([1.0]).assign(["a"]), err("a|string|str")),
    ("variable-assign_add-shape", lambda tf: tf.Variable([1.0, 2.0]).assign_add([1.0, 2.0, 3.0]),
     err("[Ss]hape|[Aa]dd", "2|3")),
    ("variable-assign_sub-dtype", lambda tf: tf.Variable([1, 2]).assign_sub(tf.constant([1.0, 1.0])),
     err("float32|int32")),
    ("variable-None", lambda tf: tf.Variable(None), err("None|initial_value")),
    ("variable-int-plus-float", lambda tf: tf.Variable([1, 2]) + 0.5, err("0.5|int32")),
    ("variable-assign-float-into-int", lambda tf: tf.Variable([1, 2]).assign([0.5, 1.5]),
     err("0.5|int32|float")),
    ("variable-scatter-out", lambda tf: tf.tensor_scatter_nd_update(tf.Variable([1.0, 2.0]), [[5]], [1.0]),
     err("[Ss]catter", "5|2")),
    ("variable-getitem-out", lambda tf: tf.Variable([1.0, 2.0])[5], err("slice|index", "5")),
    ("variable-shape-mismatch-init", lambda tf: tf.Variable([1.0, 2.0], shape=(3,)),
     err("[Ss]hape", "2|3")),
    ("variable-assign-broadcast-not-allowed", lambda tf: tf.Variable([[1.0, 2.0]]).assign([5.0]),
     err("[Ss]hape", "1|2")),
]


def _tape_twice(tf):
    x = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        y = x * x
    tape.gradient(y, x)
    return tape.gradient(y, x)


def _tape_unconnected(tf):
    x, z = tf.Variable(1.0), tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = x * x
    return tape.gradient(y, z)


def _tape_int_variable(tf):
    x = tf.Variable(3)
    with tf.GradientTape() as tape:
        y = x * x
    return tape.gradient(y, x)


def _tape_watch_python(tf):
    with tf.GradientTape() as tape:
        tape.watch(3.0)


def _tape_string_target(tf):
    x = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        x * x
    return tape.gradient("loss", x)


def _tape_source_non_tensor(tf):
    x = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        y = x * x
    return tape.gradient(y, [x, "w"])


def _tape_output_gradients_count(tf):
    x = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        y = x * x
    return tape.gradient([y, y], x, output_gradients=[1.0])


def _tape_output_gradients_shape(tf):
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        y = x * x
    return tape.gradient(y, x, output_gradients=tf.ones(3))


def _tape_jacobian_nonpersistent_twice(tf):
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        y = x * x
    tape.jacobian(y, x)
    return tape.jacobian(y, x)


def _tape_constant_not_watched(tf):
    x = tf.constant(2.0)
    with tf.GradientTape() as tape:
        y = x * x
    return tape.gradient(y, x)


def _tape_nan_gradient(tf):
    x = tf.Variable(0.0)
    with tf.GradientTape() as tape:
        y = tf.sqrt(x)
    return tape.gradient(y, x)


def _tape_unconnected_zero(tf):
    x, z = tf.Variable([1.0, 2.0]), tf.Variable([3.0])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(x * x)
    return tape.gradient(y, z, unconnected_gradients=tf.UnconnectedGradients.ZERO)


def _tape_unconnected_bogus(tf):
    x = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        y = x * x
    return tape.gradient(y, x, unconnected_gradients="bogus")


def _tape_in_function_of_outer_variable(tf):
    x = tf.Variable(2.0)

    @tf.function
    def grad():
        with tf.GradientTape() as tape:
            y = x * x * x
        return tape.gradient(y, x)
    return grad()


def _tape_of_string(tf):
    x = tf.constant(["a"])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.strings.length(x)
    return tape.gradient(y, x)


TAPE_CASES = [
    ("tape-unconnected-zero", _tape_unconnected_zero, val([0.0])),
    ("tape-unconnected-bogus", _tape_unconnected_bogus, err("bogus|unconnected")),
    ("tape-in-function", _tape_in_function_of_outer_variable, val(12.0)),
    ("tape-watch-string-gradient-None", _tape_of_string, val(None)),
    ("tape-gradient-twice", _tape_twice, err("GradientTape|gradient", "persistent|once")),
    ("tape-unconnected-is-None", _tape_unconnected, val(None)),
    ("tape-int-variable-is-None", _tape_int_variable, val(None)),
    ("tape-watch-python-float", _tape_watch_python, err("float|3.0|watch")),
    ("tape-string-target", _tape_string_target, err("loss|str")),
    ("tape-source-non-tensor", _tape_source_non_tensor, err("w|str")),
    ("tape-output-gradients-count", _tape_output_gradients_count, stricter("output_gradients|1|2")),
    ("tape-output-gradients-shape", _tape_output_gradients_shape,
     err("[Ss]hape|output_gradients|[Mm]ul|[Bb]roadcast", "2|3")),
    ("tape-jacobian-twice", _tape_jacobian_nonpersistent_twice,
     err("GradientTape|gradient|jacobian", "persistent|once")),
    ("tape-constant-not-watched", _tape_constant_not_watched, val(None)),
    ("tape-sqrt-at-zero-is-inf", _tape_nan_gradient, val(INF)),
]


def _signature_fn(tf, spec):
    return tf.function(lambda x: x * 2.0, input_signature=[spec])


def _assign_in_function_wrong_dtype(tf):
    v = tf.Variable([1.0, 2.0])
    return tf.function(lambda: v.assign(tf.constant([1, 2])))()


def _assign_in_function_wrong_shape(tf):
    v = tf.Variable([1.0, 2.0])
    return tf.function(lambda x: v.assign(x), input_signature=[tf.TensorSpec([None])])(tf.ones(3))


def _get_concrete_then_wrong_call(tf):
    f = tf.function(lambda x: x * 2.0)
    concrete = f.get_concrete_function(tf.TensorSpec([2], tf.float32))
    return concrete(tf.ones(3))


FUNCTION_CASES = [
    ("function-assign-wrong-dtype", _assign_in_function_wrong_dtype, err("int32|float32")),
    ("function-assign-runtime-shape", _assign_in_function_wrong_shape,
     err("[Ss]hape|assign", "2|3")),
    ("concrete-function-wrong-shape", _get_concrete_then_wrong_call,
     stricter("[Ss]hape|TensorSpec|signature|incompatible|[Ee]xpected", "2|3")),
    ("function-signature-shape",
     lambda tf: _signature_fn(tf, tf.TensorSpec((2,), tf.float32))(tf.ones(3)),
      err("2|3|[Ss]hape|signature|TensorSpec")),
    ("function-signature-rank",
     lambda tf: _signature_fn(tf, tf.TensorSpec((None,), tf.float32))(tf.ones((2, 2))),
      err("None|[Ss]hape|signature|TensorSpec")),
    ("function-signature-dtype",
     lambda tf: _signature_fn(tf, tf.TensorSpec((None,), tf.float32))(tf.ones(2, tf.int32)),
      err("int32|float32")),
    ("function-signature-string",
     lambda tf: _signature_fn(tf, tf.TensorSpec((None,), tf.float32))("a"), err("a|str|float32")),
    ("function-signature-too-many-args",
     lambda tf: _signature_fn(tf, tf.TensorSpec((None,), tf.float32))(tf.ones(2), tf.ones(2)),
      err("argument|arg|signature|positional|takes")),
    ("function-signature-not-a-spec",
     lambda tf: _signature_fn(tf, 3)(tf.ones(2)), err("TensorSpec|input_signature|3|int")),
    ("function-missing-argument", lambda tf: tf.function(lambda x, y: x + y)(tf.ones(2)),
     err("y|argument|missing")),
    ("function-unknown-keyword", lambda tf: tf.function(lambda x: x)(tf.ones(2), z=1),
     err("z|keyword|argument")),
    ("function-retrace-dtype-error", lambda tf: [tf.function(lambda x: x + 1.0)(a) for a in (tf.ones(2), tf.ones(2, tf.int32))],
     err("add|AddV2|[Aa]dd", "int32|float32")),
    ("function-retrace-shape-error", lambda tf: [tf.function(lambda x: x + tf.ones(3))(a) for a in (tf.ones(3), tf.ones(2))],
     err("add|AddV2|[Aa]dd", "2|3")),
    ("function-python-int-then-float", lambda tf: [tf.function(lambda x: tf.constant([1, 2]) * x)(a) for a in (2, 0.5)],
     err("0.5|int32|float")),
    ("function-reduce-retracing-values", lambda tf: tf.function(lambda x: tf.reduce_sum(x), reduce_retracing=True)(tf.ones((2, 3))),
     val(6.0)),
]


def _in_graph(body):
    def run(tf):
        tf1 = tf.compat.v1
        with tf.Graph().as_default():
            return body(tf, tf1)
    return run


@_in_graph
def _feed_wrong_shape(tf, tf1):
    p = tf1.placeholder(tf.float32, (2,))
    with tf1.Session() as sess:
        return sess.run(p * 2.0, {p: np.ones(3, F)})


@_in_graph
def _feed_wrong_rank(tf, tf1):
    p = tf1.placeholder(tf.float32, (None, 2))
    with tf1.Session() as sess:
        return sess.run(p * 2.0, {p: np.ones(2, F)})


@_in_graph
def _feed_string_into_float(tf, tf1):
    p = tf1.placeholder(tf.float32, (1,))
    with tf1.Session() as sess:
        return sess.run(p * 2.0, {p: ["a"]})


@_in_graph
def _feed_float_into_int(tf, tf1):
    p = tf1.placeholder(tf.int32, (1,))
    with tf1.Session() as sess:
        return sess.run(p * 2, {p: [0.5]})


@_in_graph
def _unknown_fetch_name(tf, tf1):
    tf1.placeholder(tf.float32, name="a")
    with tf1.Session() as sess:
        return sess.run("nope:0")


@_in_graph
def _fetch_None(tf, tf1):
    with tf1.Session() as sess:
        return sess.run(None)


@_in_graph
def _fetch_python_int(tf, tf1):
    with tf1.Session() as sess:
        return sess.run(3)


@_in_graph
def _placeholder_not_fed(tf, tf1):
    p = tf1.placeholder(tf.float32, (2,), name="inputs")
    with tf1.Session() as sess:
        return sess.run(p * 2.0)


@_in_graph
def _feed_unknown_name(tf, tf1):
    p = tf1.placeholder(tf.float32, (), name="a")
    with tf1.Session() as sess:
        return sess.run(p * 2.0, {"nope:0": 1.0})


@_in_graph
def _run_after_close(tf, tf1):
    c = tf.constant(1.0) * 2.0
    sess = tf1.Session()
    sess.close()
    return sess.run(c)


def _tensor_of_another_graph(tf):
    tf1 = tf.compat.v1
    with tf.Graph().as_default():
        c = tf.constant(1.0) * 2.0
    with tf.Graph().as_default():
        with tf1.Session() as sess:
            return sess.run(c)


@_in_graph
def _feed_None(tf, tf1):
    p = tf1.placeholder(tf.float32, (), name="a")
    with tf1.Session() as sess:
        return sess.run(p * 2.0, {p: None})


@_in_graph
def _uninitialized_variable(tf, tf1):
    v = tf1.Variable(1.0, name="weights")
    with tf1.Session() as sess:
        return sess.run(v * 2.0)


@_in_graph
def _feed_runtime_gather_out(tf, tf1):
    p = tf1.placeholder(tf.int32, (None,))
    with tf1.Session() as sess:
        return sess.run(tf.gather(tf.ones(3), p), {p: [0, 7]})


@_in_graph
def _feed_runtime_reshape(tf, tf1):
    p = tf1.placeholder(tf.float32, (None,))
    with tf1.Session() as sess:
        return sess.run(tf.reshape(p, (2, 2)), {p: np.ones(5, F)})


@_in_graph
def _feed_runtime_add_shapes(tf, tf1):
    p = tf1.placeholder(tf.float32, (None,))
    q = tf1.placeholder(tf.float32, (None,))
    with tf1.Session() as sess:
        return sess.run(p + q, {p: np.ones(2, F), q: np.ones(3, F)})


@_in_graph
def _feed_runtime_matmul(tf, tf1):
    p = tf1.placeholder(tf.float32, (None, None))
    with tf1.Session() as sess:
        return sess.run(tf.matmul(p, tf.ones((3, 2))), {p: np.ones((2, 4), F)})


@_in_graph
def _feed_runtime_one_hot(tf, tf1):
    p = tf1.placeholder(tf.int32, (None,))
    with tf1.Session() as sess:
        return sess.run(tf.one_hot(p, 3), {p: [2, 3]})


@_in_graph
def _feed_runtime_floordiv(tf, tf1):
    p = tf1.placeholder(tf.int32, (None,))
    with tf1.Session() as sess:
        return sess.run(tf.math.floordiv(tf.constant([4, 4]), p), {p: [2, 0]})


@_in_graph
def _feed_runtime_empty_mean(tf, tf1):
    p = tf1.placeholder(tf.float32, (None,))
    with tf1.Session() as sess:
        return sess.run(tf.reduce_mean(p), {p: np.zeros(0, F)})


@_in_graph
def _fetch_list_with_bad(tf, tf1):
    c = tf.constant(1.0)
    with tf1.Session() as sess:
        return sess.run([c, "nope:0"])


@_in_graph
def _feed_dict_not_a_dict(tf, tf1):
    p = tf1.placeholder(tf.float32, ())
    with tf1.Session() as sess:
        return sess.run(p * 2.0, [1.0])


@_in_graph
def _feed_int_key(tf, tf1):
    p = tf1.placeholder(tf.float32, ())
    with tf1.Session() as sess:
        return sess.run(p * 2.0, {3: 1.0})


@_in_graph
def _fetch_assign_op(tf, tf1):
    v = tf1.Variable(1.0)
    op = v.assign(5.0)
    with tf1.Session() as sess:
        sess.run(tf1.global_variables_initializer())
        sess.run(op)
        return sess.run(v)


@_in_graph
def _assign_wrong_shape_in_graph(tf, tf1):
    v = tf1.Variable([1.0, 2.0])
    return v.assign([1.0, 2.0, 3.0])


@_in_graph
def _feed_ragged_list(tf, tf1):
    p = tf1.placeholder(tf.float32, (None, None))
    with tf1.Session() as sess:
        return sess.run(p * 2.0, {p: [[1.0, 2.0], [3.0]]})


SESSION_CASES = [
    ("session-feed_dict-list", _feed_dict_not_a_dict, err("feed_dict|dict|list")),
    ("session-feed-int-key", _feed_int_key, err("3|key|feed|int")),
    ("session-assign-then-read", _fetch_assign_op, val(5.0)),
    ("session-assign-wrong-shape", _assign_wrong_shape_in_graph, err("[Ss]hape", "2|3")),
    ("session-feed-ragged-list", _feed_ragged_list,
     err("[Ff]eed|shape|sequence|ragged|inhomogeneous|setting an array")),
    ("session-feed-shape", _feed_wrong_shape, err("[Ff]eed", r"\(3,\)", r"\(2,\)|2")),
    ("session-feed-rank", _feed_wrong_rank, err("[Ff]eed", r"\(2,\)", r"\(\?, 2\)|None, 2")),
    ("session-feed-string-into-float", _feed_string_into_float, err("a|string|float")),
    ("session-feed-float-into-int", _feed_float_into_int,
     stricter("0.5", "int32")),  # TF truncates to 0
    ("session-unknown-fetch", _unknown_fetch_name, err("nope")),
    ("session-fetch-None", _fetch_None, err("None")),
    ("session-fetch-python-int", _fetch_python_int, err("3|int")),
    ("session-placeholder-not-fed", _placeholder_not_fed, err("inputs|placeholder")),
    ("session-feed-unknown-name", _feed_unknown_name, err("nope")),
    ("session-run-after-close", _run_after_close, err("closed|[Ss]ession")),
    ("session-tensor-of-another-graph", _tensor_of_another_graph, err("graph|[Gg]raph")),
    ("session-feed-None", _feed_None, stricter("None|a")),
    ("session-uninitialized-variable", _uninitialized_variable,
     err("weights|uninitialized|[Uu]ninitialized")),
    ("session-runtime-gather-out", _feed_runtime_gather_out, err("[Gg]ather", "7")),
    ("session-runtime-reshape", _feed_runtime_reshape, err("[Rr]eshape", "5|4")),
    ("session-runtime-add-shapes", _feed_runtime_add_shapes,
     err("[Aa]dd|[Ii]ncompatible|broadcast", "2|3")),
    ("session-runtime-matmul", _feed_runtime_matmul, err("[Mm]at[Mm]ul|matmul", "4|3")),
    ("session-runtime-one_hot-out-is-zero-row", _feed_runtime_one_hot,
     val([[0.0, 0.0, 1.0], [0.0, 0.0, 0.0]])),
    ("session-runtime-floordiv-zero", _feed_runtime_floordiv, err("[Ff]loor|[Dd]ivision by zero")),
    ("session-runtime-empty-mean", _feed_runtime_empty_mean, val(NAN)),
    ("session-fetch-list-with-unknown", _fetch_list_with_bad, err("nope")),
]


# Shapes known only when the graph runs: (id, [(dtype, static shape)], fn(tf, *inputs), [arrays],
# expected). Each runs as a graphflow.function with an input_signature of these TensorSpecs and as a
# Graph of placeholders fed by a Session, so the run-time checks of compiled plans are exercised.
I32, I64 = np.int32, np.int64
DYNAMIC_CASES = [
    ("gather-index", [("float32", (None,)), ("int32", (None,))], lambda tf, x, i: tf.gather(x, i),
     [np.ones(3, F), np.array([0, 7], I32)], err("[Gg]ather", "7")),
    ("gather-negative", [("float32", (None,)), ("int32", (None,))], lambda tf, x, i: tf.gather(x, i),
     [np.ones(3, F), np.array([-2], I32)], err("[Gg]ather", "-2")),
    ("gather_nd-index", [("float32", (None, None)), ("int32", (None, 2))], lambda tf, x, i: tf.gather_nd(x, i),
     [np.ones((2, 2), F), np.array([[1, 4]], I32)], err("[Gg]ather_?[Nn]d", "4")),
    ("scatter_nd-index", [("int32", (None, 1)), ("float32", (None,))], lambda tf, i, u: tf.scatter_nd(i, u, [3]),
     [np.array([[9]], I32), np.ones(1, F)], err("[Ss]catter", "9")),
    ("tensor_scatter-index", [("float32", (None,)), ("int32", (None, 1))],
     lambda tf, x, i: tf.tensor_scatter_nd_update(x, i, tf.ones(tf.shape(i)[:1])),
     [np.ones(3, F), np.array([[3]], I32)], err("[Ss]catter", "3")),
    ("one_hot-out-is-zero-row", [("int32", (None,))], lambda tf, i: tf.one_hot(i, 2),
     [np.array([1, 2, -1], I32)], val([[0.0, 1.0], [0.0, 0.0], [0.0, 0.0]])),
    ("reshape-size", [("float32", (None,))], lambda tf, x: tf.reshape(x, (2, -1)),
     [np.ones(5, F)], err("[Rr]eshape", "5")),
    ("reshape-empty", [("float32", (None,))], lambda tf, x: tf.reshape(x, (-1, 2)),
     [np.ones(0, F)], val(np.zeros((0, 2), F))),
    ("add-shapes", [("float32", (None,)), ("float32", (None,))], lambda tf, x, y: x + y,
     [np.ones(2, F), np.ones(3, F)], err("[Aa]dd|[Ii]ncompatible|broadcast", "2", "3")),
    ("multiply-chain-shapes", [("float32", (None,)), ("float32", (None,))], lambda tf, x, y: tf.exp(x) * tf.sin(y) + 1.0,
     [np.ones(4, F), np.ones(3, F)], err("[Mm]ul|[Ii]ncompatible|broadcast", "4", "3")),
    ("matmul-inner", [("float32", (None, None)), ("float32", (None, None))], lambda tf, a, b: tf.matmul(a, b),
     [np.ones((2, 4), F), np.ones((3, 2), F)], err("[Mm]at[Mm]ul|matmul", "4", "3")),
    ("concat-shapes", [("float32", (None, None)), ("float32", (None, None))], lambda tf, a, b: tf.concat([a, b], 0),
     [np.ones((2, 3), F), np.ones((2, 4), F)], err("[Cc]oncat", "3|4")),
    # TODO(issue 13, messages): run time still names the concat stack is built of
    ("stack-shapes", [("float32", (None,)), ("float32", (None,))], lambda tf, a, b: tf.stack([a, b]),
     [np.ones(2, F), np.ones(3, F)], err("[Ss]tack|[Pp]ack|concat", "2|3")),
    ("split-uneven", [("float32", (None,))], lambda tf, x: tf.split(x, 2)[0],
     [np.ones(5, F)], err("[Ss]plit", "5|2")),
    ("slice-past-end", [("float32", (None,))], lambda tf, x: tf.slice(x, [2], [3]),
     [np.ones(4, F)], err("[Ss]lice", "2|3|4")),
    ("getitem-index", [("float32", (None,))], lambda tf, x: x[5],
     [np.ones(3, F)], err("slice|index", "5")),
    ("getitem-clipped", [("float32", (None,))], lambda tf, x: x[1:10],
     [np.array([1, 2, 3], F)], val([2.0, 3.0])),
    ("floordiv-zero", [("int32", (None,))], lambda tf, d: tf.math.floordiv(tf.constant([4, 4]), d),
     [np.array([2, 0], I32)], err("[Ff]loor|[Dd]ivision by zero")),
    ("floormod-zero", [("int64", (None,))], lambda tf, d: tf.math.floormod(tf.constant([4, 4], tf.int64), d),
     [np.array([0, 1], I64)], err("[Ff]loor|[Dd]ivision by zero")),
    ("sparse_xent-label", [("int32", (None,)), ("float32", (None, 3))],
     lambda tf, y, z: tf.nn.sparse_softmax_cross_entropy_with_logits(y, z),
     [np.array([0, 3], I32), np.ones((2, 3), F)], err("label", "3")),
    ("reduce_mean-empty", [("float32", (None,))], lambda tf, x: tf.reduce_mean(x),
     [np.zeros(0, F)], val(NAN)),
    ("reduce_max-empty", [("float32", (None,))], lambda tf, x: tf.reduce_max(x),
     [np.zeros(0, F)], val(-INF)),
    ("argmax-empty", [("float32", (None, None))], lambda tf, x: tf.argmax(x, axis=1),
     [np.zeros((2, 0), F)], err("[Aa]rg[Mm]ax", "0|empty")),
    ("range-zero-delta", [("int32", ())], lambda tf, d: tf.range(0, 5, d),
     [np.array(0, I32)], err("[Rr]ange", "delta|0")),
    ("fill-negative", [("int32", (None,))], lambda tf, dims: tf.fill(dims, 1.0),
     [np.array([-1], I32)], err("[Ff]ill|dim", "-1|negative")),
    ("tile-negative", [("float32", (None,)), ("int32", (1,))], lambda tf, x, m: tf.tile(x, m),
     [np.ones(2, F), np.array([-1], I32)], err("[Tt]ile", "-1|negative")),
    ("unstack-dynamic-shape", [("float32", (None, 2))], lambda tf, x: tf.unstack(x, axis=1)[0] * 2.0,
     [np.ones((3, 2), F)], val([2.0, 2.0, 2.0])),
    ("boolean_mask-shape", [("float32", (None,)), ("bool", (None,))], lambda tf, x, m: tf.boolean_mask(x, m),
     [np.ones(3, F), np.array([True, False])], val([1.0])),  # TF masks the first len(mask) only
    ("where-shapes", [("bool", (None,)), ("float32", (None,))], lambda tf, c, x: tf.where(c, x, x),
     [np.array([True, False]), np.ones(3, F)],
      err("where|Select|[Ii]ncompatible|broadcast", "2|3")),
    ("cast-nan-to-bool", [("float32", (None,))], lambda tf, x: tf.cast(tf.cast(x, tf.bool), tf.float32),
     [np.array([0.5, -1.0, 0.0, NAN], F)], val([1.0, 1.0, 0.0, 1.0])),
    ("cast-int8-wraps-like-tf", [("int32", (None,))], lambda tf, x: tf.cast(tf.cast(x, tf.int8), tf.int32),
     [np.array([127, 128, -129, 300], I32)], val([127, -128, 127, 44], "int32")),
    ("cast-uint8-wraps-like-tf", [("int32", (None,))], lambda tf, x: tf.cast(x, tf.uint8),
     [np.array([-1, 256, 257], I32)], val([255, 0, 1], "uint8")),
    ("int32-add-wraps-fused", [("int32", (None,))], lambda tf, x: (x + 1) * 2,
     [np.array([2 ** 31 - 1, 5], I32)], val([0, 12], "int32")),
    ("uint8-chain-wraps-fused", [("uint8", (None,))], lambda tf, x: x - tf.constant(3, tf.uint8) + x,
     [np.array([1, 200], np.uint8)], val([255, 141], "uint8")),
    ("floordiv-negative-fused", [("int32", (None,))], lambda tf, x: tf.math.floordiv(x, 2) + tf.math.floormod(x, 3),
     [np.array([-7, 7], I32)], val([-2, 4], "int32")),
    ("round-half-even-fused", [("float32", (None,))], lambda tf, x: tf.round(x) * 1.0,
     [np.array([0.5, 1.5, 2.5], F)], val([0.0, 2.0, 2.0])),
    ("maximum-nan-fused", [("float32", (None,))], lambda tf, x: tf.maximum(x, 0.0) + tf.minimum(x, 1.0),
     [np.array([NAN, 0.5], F)], val([NAN, 1.0])),
    ("relu-nan-fused", [("float32", (None,))], lambda tf, x: tf.nn.relu(x) * 2.0,
     [np.array([NAN, -1.0], F)], val([NAN, 0.0])),
    ("cast-trunc-fused", [("float32", (None,))], lambda tf, x: tf.cast(x * 1.0, tf.int32) + 0,
     [np.array([-1.5, 2.7], F)], val([-1, 2], "int32")),
    ("sign-nan-fused", [("float32", (None,))], lambda tf, x: tf.sign(x) + 0.0,
     [np.array([NAN, -2.0, 0.0], F)], val([NAN, -1.0, 0.0])),
    ("float16-overflow-fused", [("float16", (None,))], lambda tf, x: x * tf.constant(1000.0, tf.float16),
     [np.array([100.0], np.float16)], val([INF], "float16")),
    ("logical_and-of-cast", [("float32", (None,))], lambda tf, x: tf.logical_and(tf.cast(x, tf.bool), x > 0.0),
     [np.array([0.5, -1.0, 0.0], F)], val([True, False, False])),
]


def _placeholders(tf, specs):
    return [tf.compat.v1.placeholder(tf.as_dtype(d), s) for d, s in specs]


def run_dynamic_case(tf, mode, specs, fn, arrays):
    """Runs a DYNAMIC_CASES function as a function with an input_signature, or fed to a Session."""
    if mode == "function":
        sig = [tf.TensorSpec(s, tf.as_dtype(d)) for d, s in specs]
        return tf.function(lambda *xs: fn(tf, *xs), input_signature=sig, autograph=False)(*arrays)
    with tf.Graph().as_default():
        inputs = _placeholders(tf, specs)
        out = fn(tf, *inputs)
        with tf.compat.v1.Session() as sess:
            return sess.run(out, dict(zip(inputs, arrays)))


# --- Keras: layers built on wrong shapes, compile/fit/evaluate/predict with bad arguments.
def _dense_model(tf, loss="mse", n_out=3, activation=None):
    keras = tf.keras
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(n_out, activation=activation)])
    model.compile("sgd", loss)
    return model


X4 = np.ones((8, 4), F)
Y3 = np.ones((8, 3), F)


def _fit(**kw):
    def run(tf):
        args = dict(kw)
        return _dense_model(tf).fit(args.pop("x", X4), args.pop("y", Y3), verbose=0, **args)
    return run


def _sparse_fit(labels, how="fit"):
    def run(tf):
        model = _dense_model(tf, "sparse_categorical_crossentropy", 3, "softmax")
        y = np.array(labels * (8 // len(labels)), np.int64)
        if how == "fit":
            return model.fit(X4, y, batch_size=4, verbose=0)
        return model.evaluate(X4, y, batch_size=4, verbose=0)
    return run


def _layer_call(make, shape):
    return lambda tf: make(tf.keras.layers)(np.ones(shape, F))


def _layer_on_input(make, shape):
    return lambda tf: make(tf.keras.layers)(tf.keras.Input(shape))


def _compile(**kw):
    def run(tf):
        model = tf.keras.Sequential([tf.keras.Input((4,)), tf.keras.layers.Dense(3)])
        model.compile(**kw)
        return model.fit(X4, Y3, verbose=0)
    return run


def _predict(x):
    return lambda tf: _dense_model(tf).predict(x, verbose=0)


def _fit_uncompiled(tf):
    model = tf.keras.Sequential([tf.keras.Input((4,)), tf.keras.layers.Dense(3)])
    return model.fit(X4, Y3, verbose=0)


def _save_bad_extension(tf):
    import tempfile
    import os
    with tempfile.TemporaryDirectory() as tmp:
        return _dense_model(tf).save(os.path.join(tmp, "model.txt"))


def _load_missing(tf):
    return tf.keras.models.load_model("/nonexistent/graphflow-fuzz/model.keras")


def _load_weights_missing(tf):
    return _dense_model(tf).load_weights("/nonexistent/graphflow-fuzz/model.weights.h5")


def _set_weights_wrong(tf):
    model = _dense_model(tf)
    return model.set_weights([np.ones((5, 3), F), np.ones(3, F)])


def _set_weights_count(tf):
    return _dense_model(tf).set_weights([np.ones((4, 3), F)])


def _functional_mismatch(tf):
    keras = tf.keras
    a, b = keras.Input((3,)), keras.Input((4,))
    return keras.layers.Add()([a, b])


def _concatenate_mismatch(tf):
    keras = tf.keras
    a, b = keras.Input((3, 2)), keras.Input((4, 5))
    return keras.layers.Concatenate()([a, b])


def _train_on_batch_mismatch(tf):
    return _dense_model(tf).train_on_batch(X4, np.ones((8, 5), F))


def _embedding_index_out(tf):
    return tf.keras.layers.Embedding(3, 2)(np.array([[0, 5]]))


def _dense_rebuilt_on_new_width(tf):
    layer = tf.keras.layers.Dense(2)
    layer(np.ones((1, 4), F))
    return layer(np.ones((1, 5), F))


def _fit_mismatched_batches(tf):
    return _dense_model(tf).fit(X4, Y3[:5], verbose=0)


def _weighted_accuracy(tf):
    metric = tf.keras.metrics.Accuracy()
    metric.update_state([[1], [2], [3], [4]], [[0], [2], [3], [4]], sample_weight=[0.5, 1, 1, 1])
    return metric.result()


def _assign_kernel(tf):
    layer = tf.keras.layers.Dense(2)
    layer.build((None, 4))
    return layer.kernel.assign(np.ones((5, 2), F))


KERAS_CASES = [
    ("Dense-negative-units", lambda tf: tf.keras.layers.Dense(-1), err("units|Dense", "-1")),
    ("Dense-zero-units", lambda tf: tf.keras.layers.Dense(0), err("units|Dense", "0")),
    ("Dense-string-units", lambda tf: tf.keras.layers.Dense("a"), err("units|Dense", "a")),
    ("Dense-bad-activation", lambda tf: tf.keras.layers.Dense(2, activation="nope"), err("nope")),
    ("Dense-bad-initializer", lambda tf: tf.keras.layers.Dense(2, kernel_initializer="nope"),
     err("nope")),
    ("Dense-on-scalar", _layer_call(lambda L: L.Dense(2), ()),
     err("Dense|dense|rank|[Ss]hape|2D|at least")),
    ("Dense-rebuilt-on-new-width", _dense_rebuilt_on_new_width,
     err("dense|Dense|[Ss]hape|incompatible", "4|5")),
    ("Conv2D-on-rank-2", _layer_on_input(lambda L: L.Conv2D(2, 3), (4,)),
     err("conv2d|Conv2D|ndim|rank", "4|2")),
    ("Conv2D-strides-zero", lambda tf: tf.keras.layers.Conv2D(2, 3, strides=0),
     err("strides|Conv2D|conv2d", "0")),
    ("Conv2D-bad-padding", lambda tf: tf.keras.layers.Conv2D(2, 3, padding="bogus"),
     err("bogus|padding")),
    ("Conv2D-kernel-too-big", _layer_on_input(lambda L: L.Conv2D(2, 5), (3, 3, 1)),
     err("conv|Conv|size|[Nn]egative|kernel", "5|3|-1")),
    ("Conv2D-negative-filters", lambda tf: tf.keras.layers.Conv2D(-2, 3),
     err("filters|Conv2D|conv2d", "-2")),
    ("MaxPooling2D-on-rank-2", _layer_on_input(lambda L: L.MaxPooling2D(), (4,)),
     err("pool|ndim|rank", "4|2")),
    ("GlobalAveragePooling2D-on-rank-2", _layer_on_input(lambda L: L.GlobalAveragePooling2D(), (4,)),
     err("pool|ndim|rank", "4|2")),
    ("LayerNormalization-axis-out", _layer_on_input(lambda L: L.LayerNormalization(axis=5), (4,)),
     err("[Nn]ormalization|axis", "5")),
    ("BatchNormalization-axis-out", _layer_on_input(lambda L: L.BatchNormalization(axis=3), (4,)),
     err("[Nn]ormalization|axis", "3")),
    ("Embedding-index-out", _embedding_index_out, err("[Ee]mbedding|[Gg]ather|indices", "5")),
    ("Embedding-zero-input-dim", lambda tf: tf.keras.layers.Embedding(0, 2),
     err("input_dim|Embedding", "0")),
    ("Reshape-impossible", _layer_on_input(lambda L: L.Reshape((5,)), (2, 3)),
     err("[Rr]eshape", "5|6")),
    ("Reshape-two-unknown", _layer_on_input(lambda L: L.Reshape((-1, -1)), (2, 3)),
     err("[Rr]eshape|-1", "-1|unknown")),
    ("Add-shapes", _functional_mismatch, err("[Aa]dd|[Mm]erge|[Ii]ncompatible|shape", "3|4")),
    ("Concatenate-shapes", _concatenate_mismatch, err("[Cc]oncatenate|shape", "3|4|2|5")),
    ("Dropout-rate-1.5", lambda tf: tf.keras.layers.Dropout(1.5), err("rate|Dropout", "1.5")),
    ("Input-negative-shape", lambda tf: tf.keras.Input((-1,)), err("shape|Input", "-1|negative")),
    ("Input-string-shape", lambda tf: tf.keras.Input("ab"), err("shape|Input", "ab|str|tuple")),
    ("compile-unknown-loss", _compile(optimizer="sgd", loss="nope"), err("nope")),
    ("compile-unknown-optimizer", _compile(optimizer="nope", loss="mse"), err("nope")),
    ("compile-unknown-metric", _compile(optimizer="sgd", loss="mse", metrics=["nope"]),
     err("nope")),
    ("compile-loss-int", _compile(optimizer="sgd", loss=3), err("3|loss")),
    ("fit-uncompiled", _fit_uncompiled, err("compile")),
    ("fit-batch_size-float", _fit(batch_size=2.5), err("batch_size", "2.5")),
    ("fit-batch_size-zero", _fit(batch_size=0), stricter("batch_size", "0")),
    ("fit-batch_size-negative", _fit(batch_size=-4), err("batch_size", "-4")),
    ("fit-epochs-float", _fit(epochs=1.5), err("epochs|range|integer|float", "1.5|float")),
    ("fit-xy-lengths", _fit_mismatched_batches, err("8|5|[Ss]ize|sizes|length|cardinality")),
    ("fit-validation_split-1.5", _fit(validation_split=1.5), stricter("validation_split", "1.5")),
    ("fit-validation_split-negative", _fit(validation_split=-0.1), err("validation_split", "-0.1")),
    ("fit-x-None", _fit(x=None), err("None|x")),
    ("fit-string-data", _fit(x=np.array([["a"] * 4] * 8)),
     err("str|string|<U1|float|convert|could not|[Cc]ast")),
    ("fit-y-width", _fit(y=np.ones((8, 5), F)), err("3|5|[Ss]hape|[Ii]ncompatible")),
    ("fit-x-width", _fit(x=np.ones((8, 6), F)), err("4|6|[Ss]hape|[Ii]ncompatible")),
    ("fit-x-rank", _fit(x=np.ones((8, 2, 4), F)),
     err("[Ss]hape|[Ii]ncompatible", r"None, 4|\(8, 2, 4\)")),
    ("fit-sample_weight-length", _fit(sample_weight=np.ones(3, F)),
     err("sample_weight|8|3|[Ss]hape|[Ss]ize|cardinality")),
    ("fit-sparse-label-99", _sparse_fit([99]), err("label", "99")),
    ("fit-sparse-label--1", _sparse_fit([-1]), err("label", "-1")),
    ("evaluate-sparse-label-3", _sparse_fit([0, 3], "evaluate"), err("label", "3")),
    ("evaluate-y-width", lambda tf: _dense_model(tf).evaluate(X4, np.ones((8, 5), F), verbose=0),
     err("3|5|[Ss]hape|[Ii]ncompatible")),
    ("evaluate-batch_size-float", lambda tf: _dense_model(tf).evaluate(X4, Y3, batch_size=2.5, verbose=0),
     err("batch_size", "2.5")),
    ("predict-rank", _predict(np.ones((4,), F)), err("[Ss]hape|[Ii]ncompatible|[Ee]xpected", "4")),
    ("predict-width", _predict(np.ones((2, 5), F)),
     err("[Ss]hape|[Ii]ncompatible|[Ee]xpected", "4|5")),
    ("predict-None", _predict(None), err("None|x")),
    ("predict-batch_size-float", lambda tf: _dense_model(tf).predict(X4, batch_size=2.5, verbose=0),
     err("batch_size", "2.5")),
    ("train_on_batch-y-width", _train_on_batch_mismatch, err("3|5|[Ss]hape|[Ii]ncompatible")),
    ("set_weights-shape", _set_weights_wrong, err("[Ss]hape|weight", r"\(5, 3\)|\(4, 3\)")),
    ("set_weights-count", _set_weights_count, err("weight", "1|2")),
    ("save-bad-extension", _save_bad_extension, err("extension|\\.keras|filepath|model.txt")),
    ("load_model-missing", _load_missing,
     err("nonexistent|[Nn]o such file|not found|[Nn]ot [Ff]ound|exist")),
    ("load_weights-missing", _load_weights_missing,
     err("nonexistent|[Nn]o such file|not found|exist")),
    ("loss-function-shapes", lambda tf: tf.keras.losses.mean_squared_error(tf.ones((2, 3)), tf.ones((2, 4))),
     err("[Ss]ub|[Ss]hape|[Ii]ncompatible|[Bb]roadcast", "3|4")),
    ("metric-Accuracy-shapes", lambda tf: tf.keras.metrics.Accuracy()(tf.ones((2, 3)), tf.ones((2, 4))),
     err("[Ss]hape|[Ii]ncompatible|[Bb]roadcast|[Ee]qual", "3|4")),
    ("optimizer-negative-lr-is-accepted", lambda tf: float(tf.keras.optimizers.SGD(learning_rate=-1.0).learning_rate),
     val(-1.0)),
    ("fit-epochs-negative", _fit(epochs=-1), stricter("epochs", "-1")),  # Keras trains no epoch
    ("fit-initial_epoch-past-epochs", lambda tf: len(_fit(epochs=1, initial_epoch=3)(tf).history.get("loss", [])),
     val(0)),
    ("fit-y-None", _fit(y=None), err("y|None|loss|target|[Tt]arget")),
    ("fit-validation_data-1-tuple", _fit(validation_data=(X4,)),
     err(r"validation_data|tuple|\(x, y\)|[Tt]arget|None|y")),
    ("fit-validation_data-widths", _fit(validation_data=(X4, np.ones((8, 5), F))),
     err("3|5|[Ss]hape|[Ii]ncompatible")),
    ("fit-class_weight-on-mse", lambda tf: len(_fit(class_weight={0: 1.0, 1: 2.0, 2: 1.0})(tf).history["loss"]),
     val(1)),
    ("fit-steps_per_epoch-float", _fit(steps_per_epoch=1.5),
     err("steps_per_epoch|1.5|float|integer")),
    ("predict-empty", _predict(np.ones((0, 4), F)), err("[Ee]mpty|0|predict|batch")),
    ("predict-string", _predict(np.array([["a"] * 4])),
     err("str|string|<U1|float|convert|could not|[Cc]ast")),
    ("predict-vector-into-Input(20,)", lambda tf: tf.keras.Sequential([tf.keras.Input((20,)), tf.keras.layers.Dense(3)]).predict(np.ones(20, F), verbose=0),
     err("[Ss]hape|[Ii]ncompatible|[Ee]xpected", "20")),
    ("call-list-into-one-input", lambda tf: tf.keras.layers.Dense(2)([np.ones((1, 4), F)] * 2),
     err("expects 1 input|input", "2")),
    ("Accuracy-sample_weight", lambda tf: float(_weighted_accuracy(tf)),
     val(float(np.float32(3 / 3.5)))),
    ("Mean-sample_weight-shape", lambda tf: tf.keras.metrics.Mean()(tf.ones(3), sample_weight=tf.ones(2)),
     err("[Ss]hape|[Ii]ncompatible|[Bb]roadcast|sample_weight", "2|3")),
    ("SparseCategoricalAccuracy-rank", lambda tf: tf.keras.metrics.SparseCategoricalAccuracy()(tf.ones((2, 2, 2)), tf.ones((3, 3))),
     err("[Ss]hape|[Ii]ncompatible|[Bb]roadcast|rank", "2|3")),
    ("loss-unknown-reduction", lambda tf: tf.keras.losses.MeanSquaredError(reduction="nope"),
     err("nope|reduction")),
    ("sparse-loss-label-out", lambda tf: tf.keras.losses.SparseCategoricalCrossentropy()(tf.constant([4]), tf.ones((1, 3)) / 3.0),
     err("label", "4")),
    ("Dense-set-wrong-kernel", lambda tf: _assign_kernel(tf), err("[Ss]hape", "4|5")),
    ("Sequential-non-layer", lambda tf: tf.keras.Sequential([3]), err("3|int|[Ll]ayer")),
    ("Model-output-not-from-input", lambda tf: tf.keras.Model(tf.keras.Input((3,)), tf.keras.layers.Dense(2)(tf.keras.Input((3,)))),
     err("[Gg]raph|disconnected|[Dd]isconnected|input|[Ii]nput")),
    ("Dense-on-int-input-casts", lambda tf: tf.keras.layers.Dense(1, kernel_initializer="ones")(np.ones((1, 2), np.int32)),
     val([[2.0]])),
    ("Dense-on-string-input", lambda tf: tf.keras.layers.Dense(1)(tf.constant([["a", "b"]])),
     err("string|str|float|[Cc]ast|dtype")),
    ("Embedding-float-indices-cast", lambda tf: tf.keras.layers.Embedding(3, 1, embeddings_initializer="ones")(np.array([[1.0, 2.0]], F)),
     val([[[1.0], [1.0]]])),
    ("BatchNormalization-empty-batch", lambda tf: tf.keras.layers.BatchNormalization()(np.ones((0, 3), F)),
     val(np.zeros((0, 3), F))),
    ("fit-dataset-and-y", lambda tf: _dense_model(tf).fit(tf.data.Dataset.from_tensor_slices((X4, Y3)).batch(4), Y3, verbose=0),
     err("y|dataset|[Dd]ataset")),
    ("fit-dataset-wrong-structure", lambda tf: _dense_model(tf).fit(tf.data.Dataset.from_tensor_slices(X4).batch(4), verbose=0),
     err("y|target|loss|None|[Tt]arget|tuple")),
    ("fit-list-of-two-inputs", _fit(x=[X4, X4]),
     stricter("input|[Ee]xpect|2|1|structure|[Ll]ayer")),
    ("optimizer-bad-name", lambda tf: tf.keras.optimizers.get("nope"), err("nope")),
    # kerasC: the Keras 3.15 layers added there
    ("Dot-axes-mismatch", lambda tf: tf.keras.layers.Dot(axes=1)(
        [np.ones((2, 3), F), np.ones((2, 4), F)]), err("Incompatible input shapes", "3|4")),
    ("Dot-batch-axis", lambda tf: tf.keras.layers.Dot(axes=0)(
        [np.ones((2, 3), F), np.ones((2, 3), F)]), err("batch_dot|axis 0")),
    ("EinsumDense-bad-equation", lambda tf: tf.keras.layers.EinsumDense("ab->b", 3)(
        np.ones((2, 3), F)), err("einsum equation", "ab->b")),
    ("HashedCrossing-float", lambda tf: tf.keras.layers.HashedCrossing(3)(
        (np.ones(2, F), np.ones(2, np.int64))), err("HashedCrossing", "integer or string")),
    ("HashedCrossing-one-input", lambda tf: tf.keras.layers.HashedCrossing(3)(
        (np.ones(2, np.int64),)), err("HashedCrossing", "two inputs")),
    ("GroupQueryAttention-heads", lambda tf: tf.keras.layers.GroupQueryAttention(2, 4, 3),
     err("num_query_heads", "num_key_value_heads")),
    ("SpectralNormalization-no-kernel", lambda tf: tf.keras.layers.SpectralNormalization(
        tf.keras.layers.Dropout(0.1))(np.ones((1, 2), F)), err("kernel", "embeddings")),
    ("RandomBrightness-factor-2", lambda tf: tf.keras.layers.RandomBrightness(2.0),
     err("factor", "2.0")),
    ("Solarization-factor-2", lambda tf: tf.keras.layers.Solarization(2.0),
     err("addition_factor", "2")),
    ("RandomGaussianBlur-even-kernel", lambda tf: tf.keras.layers.RandomGaussianBlur(
        kernel_size=4), err("kernel_size", "4")),
    ("ZeroPadding3D-two-entries", lambda tf: tf.keras.layers.ZeroPadding3D((1, 2)),
     err("padding", "3 elements")),
    # tf.keras.layers.AlphaDropout is Keras's legacy layer, which takes any rate; Keras 3.15's
    # keras.layers.AlphaDropout raises, as graphflow does
    ("AlphaDropout-rate-2", lambda tf: tf.keras.layers.AlphaDropout(2.0), stricter("rate", "2.0")),
]


OP_MODES = ("eager", "function", "session")


def run_op_case(tf, mode, fn):
    """Runs an OP_CASES function eagerly, traced by tf.function, or in a Graph run by a Session."""
    if mode == "eager":
        return fn(tf)
    if mode == "function":
        return tf.function(lambda: fn(tf), autograph=False)()
    with tf.Graph().as_default():
        out = fn(tf)
        with tf.compat.v1.Session() as sess:
            return sess.run(out)


def all_cases():
    """Every (entry point, id, fn, expected) of the fuzz suite."""
    cases = [(mode, name, (lambda fn, mode: lambda tf: run_op_case(tf, mode, fn))(fn, mode),
              expected[mode] if isinstance(expected, dict) else expected)
             for name, fn, expected in OP_CASES for mode in OP_MODES]
    cases += [(f"{mode}-runtime", name,
               (lambda specs, fn, arrays, mode: lambda tf: run_dynamic_case(tf, mode, specs, fn, arrays))(
                   specs, fn, arrays, mode), expected)
              for name, specs, fn, arrays, expected in DYNAMIC_CASES for mode in ("function", "session")]
    for entry, table in (("data", DATA_CASES), ("variable", VARIABLE_CASES), ("tape", TAPE_CASES), ("function", FUNCTION_CASES),
                         ("session", SESSION_CASES), ("keras", KERAS_CASES)):
        cases += [(entry, name, fn, expected) for name, fn, expected in table]
    return cases


def as_array(out):
    """A case's result as NumPy (None stays None: a gradient TF reports as None)."""
    if out is None:
        return None
    return np.asarray(out.numpy() if hasattr(out, "numpy") else out)


def same_value(out, expected):
    """Whether a case's result is the expected value (NaN equal to NaN, dtype checked when given)."""
    got = as_array(out)
    if expected.value is None or got is None:
        return got is None and expected.value is None
    want = np.asarray(expected.value)
    if expected.dtype is not None and str(got.dtype) != expected.dtype:
        return False
    return got.shape == want.shape and bool(np.all((got == want) | (np.isnan(got.astype(float)) & np.isnan(want.astype(float)))
                                                   if got.dtype.kind in "fc" or want.dtype.kind in "fc" else got == want))
