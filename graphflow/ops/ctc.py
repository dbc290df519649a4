"""Connectionist Temporal Classification (tf.nn.ctc_loss, the decoders and label helpers).

    >>> import graphflow as tf
    >>> logits = tf.zeros((4, 1, 3))          # 4 frames, batch 1, 3 classes (0 is the blank)
    >>> loss = tf.nn.ctc_loss(tf.constant([[1, 2]]), logits, tf.constant([2]), tf.constant([4]))
    >>> round(float(loss[0]), 4)
    1.6864

`ctc_loss` with dense labels is TF 2.21's `ctc_loss_dense`: the batched forward-backward
algorithm of Sim et al. (2017) in log space, over 2 * (max_label_length + 1) states (a start
state, one state per label and one blank state after each), with TF's "log 0" of log(1e-307)
for the initial and final state vectors, so an impossible alignment gives TF's large finite
loss (about 709) rather than inf. The NumPy reference computes in float64 for both float
dtypes. Its gradient is TF's: softmax(logits) minus the per-class state posteriors, zero on
frames past logit_length, times the incoming gradient; the posteriors are one more registry op
(`ctc_loss_dense_grad`), which has no gradient of its own (as TF's).
"""
import bisect

import numpy as np  # noqa: F401 - also the doctests' np

from graphflow import dtypes
from graphflow.errors import InvalidArgumentError
from graphflow.ops import elementwise as ew
from graphflow.ops import rules
from graphflow.ops import shape as sh
from graphflow.ops.registry import OPAQUE, dispatch, register

_LOG_0 = float(np.float32(np.log(1e-307)))  # TF's ctc_state_log_probs' stand-in for log(0)
_FLOATS = (dtypes.float32, dtypes.float64)


# ---------------------------------------------------------------------------------------------
# ctc_loss_dense: shape rule and the forward-backward reference


def _ctc_infer(op):
    def infer(specs):
        logits, labels, label_length, logit_length = specs
        if logits.dtype not in _FLOATS:
            raise InvalidArgumentError(
                f"{op}: logits must be float32 or float64, got {logits.dtype.name}")
        for pos, spec, what in ((1, labels, "labels"), (2, label_length, "label_length"),
                                (3, logit_length, "logit_length")):
            rules.check_kind(op, spec, "iu", pos)
        ranks = ((logits, 3, "logits [frames, batch, num_classes]"),
                 (labels, 2, "labels [batch, max_label_length]"),
                 (label_length, 1, "label_length [batch]"),
                 (logit_length, 1, "logit_length [batch]"))
        for spec, rank, what in ranks:
            if spec.shape is not None and len(spec.shape) != rank:
                raise InvalidArgumentError(
                    f"{op}: {what} must have rank {rank}, got shape {rules.fmt(spec.shape)}")
        batch = [s.shape[i] for s, i in ((logits, 1), (labels, 0), (label_length, 0),
                                         (logit_length, 0)) if s.shape is not None]
        known = {b for b in batch if b is not None}
        if len(known) > 1:
            raise InvalidArgumentError(
                f"{op}: batch sizes differ: logits {rules.fmt(logits.shape)} (time major), "
                f"labels {rules.fmt(labels.shape)}, label_length {rules.fmt(label_length.shape)}, "
                f"logit_length {rules.fmt(logit_length.shape)}")
        b = next(iter(known)) if known else None
        if op == "ctc_loss_dense":
            return [((b,), logits.dtype)]
        return [((None, b, None) if logits.shape is None else logits.shape, logits.dtype)]
    return infer


def _lse(x, axis, keepdims=False):
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide="ignore"):
        out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis)


def _check_values(op, logits, labels, label_length, logit_length):
    frames, _, classes = logits.shape
    max_len = labels.shape[1]
    if np.any(logit_length < 0) or np.any(logit_length > frames):
        raise InvalidArgumentError(
            f"{op}: logit_length must be in [0, {frames}] (the number of frames), got "
            f"{logit_length.tolist()}")
    if np.any(label_length < 0) or np.any(label_length > max_len):
        raise InvalidArgumentError(
            f"{op}: label_length must be in [0, {max_len}] (labels' second dimension), got "
            f"{label_length.tolist()}")
    valid = np.arange(max_len)[None, :] < label_length[:, None]
    bad = valid & ((labels < 0) | (labels >= classes))
    if bad.any():
        raise InvalidArgumentError(
            f"{op}: labels must be in [0, {classes}) (num_classes), got "
            f"{labels[bad].tolist()} within label_length")


def _forward_backward(logits, labels, label_length, logit_length):
    """TF's ctc_loss_and_grad in NumPy (float64): (loss [B], gradient [T, B, C])."""
    x = logits.astype(np.float64)
    frames, batch, classes = x.shape
    max_len = labels.shape[1]
    n_states = 2 * (max_len + 1)
    lp = x - _lse(x, 2, keepdims=True)  # log_softmax
    # Observed log probs per state: start state (never observed), label states, blank states.
    # Padding labels past label_length may be anything; TF's one_hot gives them log prob 0.
    in_range = (labels >= 0) & (labels < classes)
    picked = np.take_along_axis(lp, np.broadcast_to(np.where(in_range, labels, 0)[None],
                                                    (frames, batch, max_len)), axis=2)
    obs = np.concatenate([np.full((frames, batch, 1), -np.inf),
                          np.where(in_range[None], picked, 0.0),
                          np.repeat(lp[:, :, :1], max_len + 1, axis=2)], axis=2)
    # trans[b, to, from], 1 where a transition exists (TF's _ctc_state_trans).
    trans = np.eye(n_states)[None].repeat(batch, 0)
    label_states = np.arange(max_len + 1)
    blank_states = label_states + max_len + 1
    trans[:, 1, 0] = 1.0
    trans[:, label_states[1:], blank_states[:-1]] = 1.0
    trans[:, blank_states, label_states] = 1.0
    if max_len >= 2:
        trans[:, label_states[2:], label_states[1:-1]] = \
            1.0 - (labels[:, :-1] == labels[:, 1:])
    with np.errstate(divide="ignore"):
        log_trans = np.log(trans)
    initial = np.full((batch, n_states), _LOG_0)
    initial[:, 0] = 0.0
    final = np.full((batch, n_states), _LOG_0)
    final[np.arange(batch), label_length] = 0.0
    final[np.arange(batch), label_length + max_len + 1] = 0.0
    mask = (np.arange(frames)[:, None] < logit_length[None, :]).astype(np.float64)  # [T, B]

    fwd = np.empty((frames + 1, batch, n_states))
    fwd[0] = initial
    for t in range(frames):
        s = _lse(fwd[t][:, None, :] + log_trans, 2) + obs[t]
        fwd[t + 1] = s - _lse(s, 1, keepdims=True)
    bwd = np.empty((frames + 1, batch, n_states))
    bwd[frames] = final
    cum = np.zeros(batch)
    log_trans_t = np.swapaxes(log_trans, 1, 2)
    for t in range(frames - 1, -1, -1):
        s = bwd[t + 1] + obs[t]
        s = _lse(s[:, None, :] + log_trans_t, 2)
        total = _lse(s, 1, keepdims=True)
        s = s - total
        cum += total[:, 0] * mask[t]
        m = mask[t][:, None]
        # Where m is 0 TF computes s * 0 + final, and s may be -inf there: keep final.
        bwd[t] = np.where(m > 0, s, 0.0) * m + final * (1.0 - m)
    loss = -(bwd[0, :, 0] + cum)

    post = fwd[1:] + bwd[1:]
    post = post - _lse(post, 2, keepdims=True)
    with np.errstate(divide="ignore"):
        post = post + np.log(mask)[:, :, None]
    label_post = post[:, :, 1:max_len + 1]
    blank_post = _lse(post[:, :, max_len + 1:], 2)
    olabel = np.full((frames, batch, classes), -np.inf)
    olabel[:, :, 0] = blank_post
    for b in range(batch):
        for c in range(1, classes):
            hits = np.nonzero(labels[b] == c)[0]
            if hits.size:
                olabel[:, b, c] = _lse(label_post[:, b, hits], 1)
    grad = (np.exp(lp) - np.exp(olabel)) * mask[:, :, None]
    return loss, grad


def _ctc_loss_ref(logits, labels, label_length, logit_length):
    _ctc_infer("ctc_loss_dense")([rules.ArraySpec(a) for a in
                                  (logits, labels, label_length, logit_length)])
    _check_values("ctc_loss", logits, labels, label_length, logit_length)
    return _forward_backward(logits, labels, label_length, logit_length)[0].astype(logits.dtype)


def _ctc_grad_ref(logits, labels, label_length, logit_length):
    _ctc_infer("ctc_loss_dense_grad")([rules.ArraySpec(a) for a in
                                       (logits, labels, label_length, logit_length)])
    _check_values("ctc_loss", logits, labels, label_length, logit_length)
    return _forward_backward(logits, labels, label_length, logit_length)[1].astype(logits.dtype)


def _ctc_loss_grad(inputs, outputs, dy):
    grad = dispatch(CTC_LOSS_DENSE_GRAD, tuple(inputs), None)
    return (sh.reshape(dy, (1, -1, 1)) * grad, None, None, None)


CTC_LOSS_DENSE = register(
    "ctc_loss_dense", OPAQUE, _ctc_infer("ctc_loss_dense"), _ctc_loss_ref, _ctc_loss_grad,
    doc="CTC loss of time-major logits and dense labels, blank 0 (TF's ctc_loss_dense)")
CTC_LOSS_DENSE_GRAD = register(
    "ctc_loss_dense_grad", OPAQUE, _ctc_infer("ctc_loss_dense_grad"), _ctc_grad_ref,
    doc="d ctc_loss_dense / d logits: softmax minus the class posteriors (no gradient, as TF)")


# ---------------------------------------------------------------------------------------------
# Public functions


def _tensor(x, name, dtype_hint=None):
    from graphflow.ops.creation import convert_to_tensor
    if x is None:
        raise InvalidArgumentError(f"ctc_loss: {name} is required, got None")
    return convert_to_tensor(x, dtype_hint=dtype_hint, name=name)


def _blank(op, blank_index, classes, default):
    if blank_index is None:
        return default
    blank = rules.as_axis(op, blank_index, "blank_index")
    if classes is not None:
        if not -classes <= blank < classes:
            raise InvalidArgumentError(
                f"{op}: blank_index {blank} is out of range for {classes} classes")
        blank %= classes
    elif blank < 0:
        raise InvalidArgumentError(f"{op}: a negative blank_index needs a known num_classes")
    return blank


def _is_sparse(x):
    from graphflow.ops.sparse import SparseTensor
    return isinstance(x, SparseTensor)


def _dense_labels(op, labels, logit_length, blank_index, classes):
    """TF's sparse-label path as dense labels: (labels, label_length, blank_index). TF runs
    its CTCLoss op (blank last) after moving the blank there; the loss is the same as the dense
    path's with the blank where it is, so the blank stays and the labels are densified."""
    from graphflow.ops import sparse as sp
    from graphflow.ops.static import constant_value
    if blank_index is None:
        raise InvalidArgumentError(
            f"{op}: Argument `blank_index` must be provided when `labels` is a `SparseTensor`.")
    values = ew.cast(labels.values, dtypes.int32)
    dense = sp.to_dense(sp.SparseTensor(labels.indices, values, labels.dense_shape))
    ones = sp.SparseTensor(labels.indices, ew.ones_like(values), labels.dense_shape)
    from graphflow.ops.reduce import reduce_sum
    length = reduce_sum(sp.to_dense(ones), 1)
    known_length, known_frames = constant_value(length), constant_value(logit_length)
    if known_length is not None and known_frames is not None and \
            np.any(np.asarray(known_length) > np.asarray(known_frames)):
        b = int(np.argmax(np.asarray(known_length) > np.asarray(known_frames)))
        raise InvalidArgumentError(
            f"{op}: Not enough time for target transition sequence (required: "
            f"{int(np.asarray(known_length)[b])}, available: {int(np.asarray(known_frames)[b])}) "
            f"in sequence {b}")
    return dense, length


@rules.composite("ctc_loss")
def ctc_loss(labels, logits, label_length, logit_length, logits_time_major=True, unique=None,
             blank_index=None, name=None):
    """The CTC loss (negative log probability of `labels`) of each batch element, as TF 2.21's
    tf.nn.ctc_loss: dense labels [batch, max_label_length] padded past label_length, or a
    tf.SparseTensor (then label_length is None and blank_index is required), logits
    [frames, batch, num_classes] (or batch major with logits_time_major=False), blank_index 0
    unless given (negative counts from the end). `unique` (from ctc_unique_labels) only makes
    TF's computation cheaper; the loss is the same, so it is accepted and not needed.

        >>> logits = tf.math.log(tf.constant([[[0.2, 0.8]], [[0.6, 0.4]]]))  # frames 2, batch 1
        >>> round(float(tf.nn.ctc_loss(tf.constant([[1]]), logits, [1], [2])[0]), 4)  # -log .88
        0.1278
        >>> sparse = tf.SparseTensor([[0, 0]], [1], [1, 1])
        >>> round(float(tf.nn.ctc_loss(sparse, logits, None, [2], blank_index=0)[0]), 4)
        0.1278
    """
    logit_length = _tensor(logit_length, "logit_length", dtypes.int32)
    if _is_sparse(labels):
        labels, label_length = _dense_labels("ctc_loss", labels, logit_length, blank_index, None)
        unique = None
    del unique
    logits = _tensor(logits, "logits")
    labels = _tensor(labels, "labels", dtypes.int32)
    label_length = _tensor(label_length, "label_length", dtypes.int32)
    orig = logits.dtype
    if orig == dtypes.float16:
        logits = ew.cast(logits, dtypes.float32)
    if logits.shape.rank is not None and logits.shape.rank != 3:
        raise InvalidArgumentError(
            f"ctc_loss: logits must have rank 3, got shape {logits.shape}")
    if not logits_time_major:
        logits = sh.transpose(logits, (1, 0, 2))
    classes = logits.shape[2] if logits.shape.rank is not None else None
    blank = _blank("ctc_loss", blank_index, classes, 0)
    if blank != 0:
        # TF moves the blank to class 0 and shifts the labels below it up by one.
        logits = sh.concat([logits[:, :, blank:blank + 1], logits[:, :, :blank],
                            logits[:, :, blank + 1:]], 2)
        labels = ew.where(ew.less(labels, blank), labels + 1, labels)
    loss = dispatch(CTC_LOSS_DENSE, (logits, labels, label_length, logit_length), None, name)
    return ew.cast(loss, orig) if orig != loss.dtype else loss


# ---------------------------------------------------------------------------------------------
# Label helpers and the greedy decoder (integer outputs, no gradients)


def _labels_infer(op):
    def infer(specs):
        labels, lengths = specs
        rules.check_kind(op, labels, "iu", 0)
        rules.check_kind(op, lengths, "iu", 1)
        if labels.shape is not None and len(labels.shape) != 2:
            raise InvalidArgumentError(
                f"{op}: labels must have rank 2 [batch, max_length], got shape "
                f"{rules.fmt(labels.shape)}")
        if lengths.shape is not None and len(lengths.shape) != 1:
            raise InvalidArgumentError(
                f"{op}: seq_length must have rank 1 [batch], got shape {rules.fmt(lengths.shape)}")
        b = None if labels.shape is None else labels.shape[0]
        return [((b, None), labels.dtype), ((b,), lengths.dtype)]
    return infer


def _collapse_ref(labels, seq_length):
    _labels_infer("collapse_repeated")([rules.ArraySpec(labels), rules.ArraySpec(seq_length)])
    if labels.shape[0] != seq_length.shape[0]:
        raise InvalidArgumentError(
            f"collapse_repeated: labels {labels.shape} and seq_length {seq_length.shape} have "
            f"different batch sizes")
    keep = np.ones(labels.shape, bool)
    keep[:, 1:] = labels[:, 1:] != labels[:, :-1]
    keep &= np.arange(labels.shape[1])[None, :] < seq_length[:, None]
    counts = keep.sum(1)
    out = np.zeros((labels.shape[0], int(counts.max(initial=0))), labels.dtype)
    for b in range(labels.shape[0]):
        out[b, :counts[b]] = labels[b][keep[b]]
    return out, counts.astype(seq_length.dtype)


def _unique_infer(specs):
    labels = specs[0]
    rules.check_kind("ctc_unique_labels", labels, "iu", 0)
    if labels.shape is not None and len(labels.shape) != 2:
        raise InvalidArgumentError(
            f"ctc_unique_labels: labels must have rank 2 [batch, max_label_length], got shape "
            f"{rules.fmt(labels.shape)}")
    return [(labels.shape, dtypes.int64), (labels.shape, dtypes.int32)]


def _unique_ref(labels):
    _unique_infer([rules.ArraySpec(labels)])
    y = np.zeros(labels.shape, np.int64)
    idx = np.zeros(labels.shape, np.int32)
    for b, row in enumerate(labels):
        seen = {}
        for j, v in enumerate(row.tolist()):
            idx[b, j] = seen.setdefault(v, len(seen))
        y[b, :len(seen)] = list(seen)
    return y, idx


def _greedy_infer(specs, merge_repeated, blank_index):
    x, lengths = specs
    if x.dtype not in _FLOATS:
        raise InvalidArgumentError(
            f"ctc_greedy_decoder: inputs must be float32 or float64, got {x.dtype.name}")
    rules.check_kind("ctc_greedy_decoder", lengths, "iu", 1)
    if x.shape is not None and len(x.shape) != 3:
        raise InvalidArgumentError(
            f"ctc_greedy_decoder: inputs must have rank 3 [max_time, batch, num_classes], got "
            f"shape {rules.fmt(x.shape)}")
    if lengths.shape is not None and len(lengths.shape) != 1:
        raise InvalidArgumentError(
            f"ctc_greedy_decoder: sequence_length must have rank 1 [batch], got shape "
            f"{rules.fmt(lengths.shape)}")
    b = None if x.shape is None else x.shape[1]
    return [((None, 2), dtypes.int64), ((None,), dtypes.int64), ((2,), dtypes.int64),
            ((b, 1), x.dtype)]


def _greedy_ref(x, lengths, merge_repeated, blank_index):
    _greedy_infer([rules.ArraySpec(x), rules.ArraySpec(lengths)], merge_repeated, blank_index)
    frames, batch, classes = x.shape
    if lengths.shape[0] != batch:
        raise InvalidArgumentError(
            f"ctc_greedy_decoder: len(sequence_length) != batch_size: {lengths.shape[0]} vs "
            f"{batch}")
    if np.any(lengths > frames) or np.any(lengths < 0):
        raise InvalidArgumentError(
            f"ctc_greedy_decoder: sequence_length must be in [0, {frames}] (max_time), got "
            f"{lengths.tolist()}")
    blank = classes - 1 if blank_index is None else blank_index % max(classes, 1)
    indices, values = [], []
    log_prob = np.zeros((batch, 1), x.dtype)
    longest = 0
    for b in range(batch):
        prev, n = -1, 0
        for t in range(int(lengths[b])):
            c = int(np.argmax(x[t, b]))
            log_prob[b, 0] -= x[t, b, c]
            if c != blank and not (merge_repeated and c == prev):
                indices.append((b, n))
                values.append(c)
                n += 1
            prev = c
        longest = max(longest, n)
    return (np.array(indices, np.int64).reshape(-1, 2), np.array(values, np.int64),
            np.array([batch, longest], np.int64), log_prob)


def _beam_infer(specs, beam_width, top_paths, merge_repeated):
    x, lengths = specs
    op = "ctc_beam_search_decoder"
    if x.dtype not in _FLOATS:
        raise InvalidArgumentError(f"{op}: inputs must be float32 or float64, got {x.dtype.name}")
    rules.check_kind(op, lengths, "iu", 1)
    if x.shape is not None and len(x.shape) != 3:
        raise InvalidArgumentError(
            f"{op}: inputs must have rank 3 [max_time, batch, num_classes], got shape "
            f"{rules.fmt(x.shape)}")
    if lengths.shape is not None and len(lengths.shape) != 1:
        raise InvalidArgumentError(
            f"{op}: sequence_length must have rank 1 [batch], got shape {rules.fmt(lengths.shape)}")
    if beam_width < 1 or top_paths < 1:
        raise InvalidArgumentError(
            f"{op}: beam_width and top_paths must be >= 1, got {beam_width} and {top_paths}")
    if top_paths > beam_width:
        raise InvalidArgumentError(
            f"{op}: requested more paths than the beam width ({top_paths} > {beam_width})")
    b = None if x.shape is None else x.shape[1]
    path = [((None, 2), dtypes.int64), ((None,), dtypes.int64), ((2,), dtypes.int64)]
    return path * top_paths + [((b, top_paths), x.dtype)]


def _logaddexp(a, b):
    if a == -np.inf:
        return b
    if b == -np.inf:
        return a
    return max(a, b) + np.log1p(np.exp(-abs(a - b)))


class _Beam:
    """A prefix in TF's beam tree: new and old (total, blank, label) log probabilities."""

    __slots__ = ("parent", "label", "children", "new", "old")

    def __init__(self, parent, label):
        self.parent, self.label, self.children = parent, label, {}
        self.new = [-np.inf] * 3
        self.old = [-np.inf] * 3

    def labels(self, merge_repeated):
        out, prev, c = [], -1, self
        while c.parent is not None:
            if not merge_repeated or c.label != prev:
                out.append(c.label)
            prev, c = c.label, c.parent
        return out[::-1]


def _beam_search(x, width, merge_repeated):
    """TF's CTCBeamSearchDecoder (ctc_beam_search.h, default scorer, no label selection) on
    one sequence [T, C] with the blank last: the final beams, best first."""
    classes = x.shape[1]
    blank = classes - 1
    root = _Beam(None, -1)
    root.new = [0.0, 0.0, -np.inf]
    leaves = [root]
    for row in x:
        top = row.max()
        norm = top + np.log(np.sum(np.exp(row - top)))
        branches = sorted(leaves, key=lambda e: -e.new[0])
        leaves = []
        for b in branches:
            b.old = list(b.new)
        for b in branches:
            if b.parent is not None:
                if b.parent.new[0] != -np.inf:
                    prev = b.parent.old[1] if b.label == b.parent.label else b.parent.old[0]
                    b.new[2] = _logaddexp(b.new[2], prev)
                b.new[2] += row[b.label] - norm
            b.new[1] = b.old[0] + row[blank] - norm
            b.new[0] = _logaddexp(b.new[1], b.new[2])
            leaves.append(b)

        # The beam, ascending by total: its bottom is leaves[0] (TF's TopN.peek_bottom).
        leaves.sort(key=lambda e: e.new[0])
        totals = [e.new[0] for e in leaves]

        def candidate(total):
            return total > -np.inf and (len(leaves) < width or total > totals[0])
        for b in branches:
            if not candidate(b.old[0]):
                continue
            for label in range(classes - 1):
                c = b.children.get(label)
                if c is None:
                    c = b.children[label] = _Beam(b, label)
                if c.new[0] != -np.inf:
                    continue  # already in the beam: extended through its parent above
                prev = b.old[1] if label == b.label else b.old[0]
                c.new = [row[label] - norm + prev, -np.inf, row[label] - norm + prev]
                if candidate(c.new[0]):
                    if len(leaves) == width:
                        leaves.pop(0).new = [-np.inf] * 3
                        totals.pop(0)
                    k = bisect.bisect_left(totals, c.new[0])
                    totals.insert(k, c.new[0])
                    leaves.insert(k, c)
                else:
                    c.old = [-np.inf] * 3
                    c.new = [-np.inf] * 3
    return sorted(leaves, key=lambda e: -e.new[0])


def _beam_ref(x, lengths, beam_width, top_paths, merge_repeated):
    _beam_infer([rules.ArraySpec(x), rules.ArraySpec(lengths)], beam_width, top_paths,
                merge_repeated)
    frames, batch, _ = x.shape
    if lengths.shape[0] != batch:
        raise InvalidArgumentError(
            f"ctc_beam_search_decoder: len(sequence_length) != batch_size: {lengths.shape[0]} "
            f"vs {batch}")
    if np.any(lengths > frames) or np.any(lengths < 0):
        raise InvalidArgumentError(
            f"ctc_beam_search_decoder: sequence_length must be in [0, {frames}] (max_time), "
            f"got {lengths.tolist()}")
    paths = [[None] * batch for _ in range(top_paths)]
    log_prob = np.zeros((batch, top_paths), x.dtype)
    with np.errstate(all="ignore"):
        for b in range(batch):
            beams = _beam_search(x[:int(lengths[b]), b].astype(np.float64), beam_width,
                                 merge_repeated)
            if top_paths > len(beams):
                raise InvalidArgumentError(
                    f"ctc_beam_search_decoder: Less leaves in the beam search than requested "
                    f"({len(beams)} < top_paths {top_paths}, sequence {b})")
            for k in range(top_paths):
                paths[k][b] = beams[k].labels(merge_repeated)
                log_prob[b, k] = beams[k].new[0]
    out = []
    for rows in paths:
        indices = [(b, j) for b, r in enumerate(rows) for j in range(len(r))]
        out += [np.array(indices, np.int64).reshape(-1, 2),
                np.array([v for r in rows for v in r], np.int64),
                np.array([batch, max((len(r) for r in rows), default=0)], np.int64)]
    return tuple(out) + (log_prob,)


CTC_COLLAPSE_REPEATED = register("collapse_repeated", OPAQUE,
                                 _labels_infer("collapse_repeated"), _collapse_ref, num_outputs=2)
CTC_UNIQUE_LABELS = register("ctc_unique_labels", OPAQUE, _unique_infer, _unique_ref,
                             num_outputs=2)
CTC_GREEDY_DECODER = register("ctc_greedy_decoder", OPAQUE, _greedy_infer, _greedy_ref,
                              num_outputs=4,
                              doc="(indices, values, dense_shape, neg_sum_logits) of the decoding")

CTC_BEAM_SEARCH_DECODER = register(
    "ctc_beam_search_decoder", OPAQUE, _beam_infer, _beam_ref, num_outputs=None,
    doc="(indices, values, dense_shape) per path, then log_probability [batch, top_paths]")



def _sparse(indices, values, dense_shape):
    from graphflow.ops.sparse import SparseTensor
    return SparseTensor(indices, values, dense_shape)


def collapse_repeated(labels, seq_length, name=None):
    """Merges runs of equal labels within seq_length: (collapsed labels padded with 0 to the
    longest new length, new lengths), as tf.nn.collapse_repeated.

        >>> out, n = tf.nn.collapse_repeated(tf.constant([[1, 1, 2, 2, 3], [4, 4, 4, 0, 0]]),
        ...                                  tf.constant([5, 3]))
        >>> out.numpy().tolist(), n.numpy().tolist()
        ([[1, 2, 3], [4, 0, 0]], [3, 1])
    """
    from graphflow.ops.creation import convert_to_tensor
    labels = convert_to_tensor(labels, name="labels")
    seq_length = convert_to_tensor(seq_length, name="seq_length")
    return tuple(dispatch(CTC_COLLAPSE_REPEATED, (labels, seq_length), None, name))


def ctc_unique_labels(labels, name=None):
    """(unique labels of each row in first-seen order, padded with 0, as int64; each label's
    index into them, int32), as tf.nn.ctc_unique_labels.

        >>> y, idx = tf.nn.ctc_unique_labels(tf.constant([[3, 4, 4, 3]]))
        >>> y.numpy().tolist(), idx.numpy().tolist()
        ([[3, 4, 0, 0]], [[0, 1, 1, 0]])
    """
    from graphflow.ops.creation import convert_to_tensor
    labels = convert_to_tensor(labels, name="labels")
    return list(dispatch(CTC_UNIQUE_LABELS, (labels,), None, name))


def ctc_greedy_decoder(inputs, sequence_length, merge_repeated=True, blank_index=None):
    """Best-path decoding of time-major logits: the most likely class per frame, repeats
    merged (merge_repeated) and blanks (num_classes - 1 unless blank_index is given) dropped.
    Returns ([decoded], neg_sum_logits [batch, 1]); decoded is a tf.SparseTensor of int64.

        >>> x = tf.math.log(tf.constant([[[0.1, 0.9]], [[0.1, 0.9]], [[0.8, 0.2]]]))
        >>> decoded, neg = tf.nn.ctc_greedy_decoder(x, [3])   # class 1 is the blank
        >>> decoded[0].values.numpy().tolist(), decoded[0].dense_shape.numpy().tolist()
        ([0], [1, 1])
    """
    from graphflow.ops.creation import convert_to_tensor
    inputs = convert_to_tensor(inputs, name="inputs")
    sequence_length = convert_to_tensor(sequence_length, dtype_hint=dtypes.int32,
                                        name="sequence_length")
    classes = inputs.shape[2] if inputs.shape.rank == 3 else None
    blank = None if blank_index is None else _blank("ctc_greedy_decoder", blank_index, classes, 0)
    indices, values, shape, neg = dispatch(
        CTC_GREEDY_DECODER, (inputs, sequence_length),
        {"merge_repeated": bool(merge_repeated), "blank_index": blank})
    return [_sparse(indices, values, shape)], neg


def ctc_beam_search_decoder(inputs, sequence_length, beam_width=100, top_paths=1):
    """Beam search decoding of time-major logits (blank: the last class), as TF 2.21's
    tf.nn.ctc_beam_search_decoder (TF's CTCBeamSearchDecoder algorithm, repeats not merged in
    the output). Returns ([decoded] * top_paths, log_probability [batch, top_paths]); each
    decoded is a tf.SparseTensor of int64.

        >>> x = tf.math.log(tf.constant([[[0.6, 0.4]], [[0.6, 0.4]]]))  # class 1 is the blank
        >>> decoded, log_p = tf.nn.ctc_beam_search_decoder(x, [2], beam_width=2, top_paths=2)
        >>> decoded[0].values.numpy().tolist(), decoded[1].values.numpy().tolist()
        ([0], [])
        >>> [[round(float(v), 4) for v in row] for row in np.exp(log_p.numpy())]
        [[0.84, 0.16]]
    """
    from graphflow.ops.creation import convert_to_tensor
    inputs = convert_to_tensor(inputs, name="inputs")
    sequence_length = convert_to_tensor(sequence_length, dtype_hint=dtypes.int32,
                                        name="sequence_length")
    outs = dispatch(CTC_BEAM_SEARCH_DECODER, (inputs, sequence_length),
                    {"beam_width": rules.as_axis("ctc_beam_search_decoder", beam_width,
                                                 "beam_width"),
                     "top_paths": rules.as_axis("ctc_beam_search_decoder", top_paths,
                                                "top_paths"),
                     "merge_repeated": False})
    outs = list(outs)
    decoded = [_sparse(*outs[3 * k:3 * k + 3]) for k in range(len(outs) // 3)]
    return decoded, outs[-1]
