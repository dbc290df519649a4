"""Candidate sampling (tf.random.*_candidate_sampler, tf.nn.compute_accidental_hits) and the
sampled losses built on it (tf.nn.nce_loss, tf.nn.sampled_softmax_loss).

    >>> import graphflow as tf
    >>> s, true_count, sampled_count = tf.random.all_candidate_sampler(
    ...     tf.constant([[1], [2]], tf.int64), 1, 3, True)
    >>> s.numpy().tolist(), true_count.numpy().ravel().tolist()
    ([0, 1, 2], [1.0, 1.0])

The samplers draw from TF's distributions (uniform; log-uniform P(c) = log((c + 2) / (c + 1)) /
log(range_max + 1), drawn as TF does: floor(exp(u log(range_max + 1))) - 1; a fixed unigram
distribution weights^distortion; a learned unigram one that starts uniform and adds each call's
true classes) but from graphflow's random streams, so the numbers differ from TF's. The
expected counts are TF's: p * num_sampled, or 1 - (1 - p)^num_tries when unique sampling took
num_tries draws. The learned sampler's counts live with its stream: an eager sampler with the
same seed, or one node of a graph, keeps learning across calls (TF keeps them in its kernel).
"""
import numpy as np

from graphflow import dtypes
from graphflow.errors import InvalidArgumentError, UnimplementedError
from graphflow.ops import elementwise as ew
from graphflow.ops import reduce as rd
from graphflow.ops import rules
from graphflow.ops import shape as sh
from graphflow.ops.registry import OPAQUE, RANDOM, dispatch, register

_FLOAT_MAX = float(np.finfo(np.float32).max)
_LEARNED = {}  # stream key -> the learned unigram sampler's weights


def _true_classes_rule(op, spec, num_true):
    rules.check_kind(op, spec, "iu", 0)
    if spec.shape is not None:
        if len(spec.shape) != 2:
            raise InvalidArgumentError(
                f"{op}: true_classes must be a matrix [batch, num_true], got shape "
                f"{rules.fmt(spec.shape)}")
        if spec.shape[1] is not None and spec.shape[1] != num_true:
            raise InvalidArgumentError(
                f"{op}: true_classes must have num_true columns, expected: {num_true} was: "
                f"{spec.shape[1]}")
    return None if spec.shape is None else spec.shape[0]


def _sampler_infer(specs, distribution, weights, num_true, num_sampled, unique, range_max, seed):
    op = "candidate_sampler"
    batch = _true_classes_rule(op, specs[0], num_true)
    if unique and num_sampled > range_max:
        raise InvalidArgumentError(
            f"{op}: Sampler's range is too small: {num_sampled} unique samples from "
            f"range_max {range_max}")
    return [((num_sampled,), dtypes.int64), ((batch, num_true), dtypes.float32),
            ((num_sampled,), dtypes.float32)]


def _probabilities(distribution, weights, range_max, key):
    if distribution == "uniform":
        return np.full(range_max, 1.0 / range_max)
    if distribution == "log_uniform":
        c = np.arange(range_max, dtype=np.float64)
        return np.log((c + 2.0) / (c + 1.0)) / np.log1p(range_max)
    if distribution == "unigram":
        w = np.asarray(weights, np.float64)
    else:
        w = _LEARNED.setdefault(key, np.ones(range_max))
    return w / w.sum()


def _draw(gen, distribution, p, range_max, n):
    if distribution == "log_uniform":  # TF's LogUniformSampler::Sample
        values = np.floor(np.exp(gen.random(n) * np.log1p(range_max))).astype(np.int64) - 1
        return values % range_max
    return gen.choice(range_max, size=n, p=p)


def _expected(p, num_sampled, num_tries):
    if num_tries == num_sampled:
        return p * num_sampled
    return -np.expm1(num_tries * np.log1p(-p))


def _sampler_ref(true_classes, distribution, weights, num_true, num_sampled, unique, range_max,
                 seed):
    from graphflow.ops.random import _generator
    _sampler_infer([rules.ArraySpec(true_classes)], distribution, weights, num_true,
                   num_sampled, unique, range_max, seed)
    if true_classes.size and (true_classes.min() < 0 or true_classes.max() >= range_max):
        raise InvalidArgumentError(
            f"candidate_sampler: true_classes must be in [0, {range_max}) (range_max), got "
            f"values from {true_classes.min()} to {true_classes.max()}")
    gen = _generator(seed)
    p = _probabilities(distribution, weights, range_max, seed)
    if unique:
        picked, seen, tries = [], set(), 0
        while len(picked) < num_sampled:
            for v in _draw(gen, distribution, p, range_max, max(num_sampled - len(picked), 1)):
                tries += 1
                if int(v) not in seen:
                    seen.add(int(v))
                    picked.append(int(v))
                    if len(picked) == num_sampled:
                        break
        sampled = np.array(picked, np.int64)
    else:
        sampled = _draw(gen, distribution, p, range_max, num_sampled).astype(np.int64)
        tries = num_sampled
    with np.errstate(divide="ignore"):
        true_count = _expected(p[true_classes.astype(np.int64)], num_sampled, tries)
        sampled_count = _expected(p[sampled], num_sampled, tries)
    if distribution == "learned_unigram":  # learns from the true classes after sampling (TF)
        np.add.at(_LEARNED[seed], true_classes.astype(np.int64).reshape(-1), 1.0)
    return sampled, true_count.astype(np.float32), sampled_count.astype(np.float32)


CANDIDATE_SAMPLER = register("candidate_sampler", RANDOM, _sampler_infer, _sampler_ref,
                             num_outputs=3,
                             doc="(sampled_candidates, true_expected_count, sampled_expected_count)")


def _all_infer(specs, num_true, num_sampled, unique):
    batch = _true_classes_rule("all_candidate_sampler", specs[0], num_true)
    return [((num_sampled,), dtypes.int64), ((batch, num_true), dtypes.float32),
            ((num_sampled,), dtypes.float32)]


def _all_ref(true_classes, num_true, num_sampled, unique):
    _all_infer([rules.ArraySpec(true_classes)], num_true, num_sampled, unique)
    if true_classes.size and (true_classes.min() < 0 or true_classes.max() >= num_sampled):
        bad = true_classes[(true_classes < 0) | (true_classes >= num_sampled)].reshape(-1)[0]
        raise InvalidArgumentError(
            f"all_candidate_sampler: `true_candidate` out of range [0, {num_sampled}), received "
            f"{bad}")
    return (np.arange(num_sampled, dtype=np.int64), np.ones(true_classes.shape, np.float32),
            np.ones(num_sampled, np.float32))


ALL_CANDIDATE_SAMPLER = register("all_candidate_sampler", OPAQUE, _all_infer, _all_ref,
                                 num_outputs=3, doc="every class once, expected counts 1")


def _hits_infer(specs, num_true):
    true_classes, sampled = specs
    _true_classes_rule("compute_accidental_hits", true_classes, num_true)
    rules.check_kind("compute_accidental_hits", sampled, "iu", 1)
    if sampled.shape is not None and len(sampled.shape) != 1:
        raise InvalidArgumentError(
            f"compute_accidental_hits: sampled_candidates must be a vector, got shape "
            f"{rules.fmt(sampled.shape)}")
    return [((None,), dtypes.int32), ((None,), dtypes.int64), ((None,), dtypes.float32)]


def _hits_ref(true_classes, sampled, num_true):
    _hits_infer([rules.ArraySpec(true_classes), rules.ArraySpec(sampled)], num_true)
    position = {int(v): j for j, v in enumerate(sampled)}  # the last occurrence wins (TF)
    rows, ids = [], []
    for i, row in enumerate(true_classes):
        for v in row:
            j = position.get(int(v))
            if j is not None:
                rows.append(i)
                ids.append(j)
    return (np.array(rows, np.int32), np.array(ids, np.int64),
            np.full(len(rows), -_FLOAT_MAX, np.float32))


COMPUTE_ACCIDENTAL_HITS = register("compute_accidental_hits", OPAQUE, _hits_infer, _hits_ref,
                                   num_outputs=3, doc="(row, sampled position, -FLOAT_MAX) per hit")


# ---------------------------------------------------------------------------------------------
# Public functions


def _classes(true_classes):
    from graphflow.ops.creation import convert_to_tensor
    return convert_to_tensor(true_classes, dtype_hint=dtypes.int64, name="true_classes")


def _count(op, what, value, low=1):
    n = rules.as_axis(op, value, what)
    if n < low:
        raise InvalidArgumentError(f"{op}: {what} must be >= {low}, got {n}")
    return n


def _sample(op, distribution, true_classes, num_true, num_sampled, unique, range_max, seed,
            weights=(), name=None):
    from graphflow.ops.random import _seed_key
    attrs = {"distribution": distribution, "weights": tuple(weights),
             "num_true": _count(op, "num_true", num_true),
             "num_sampled": _count(op, "num_sampled", num_sampled),
             "unique": bool(unique), "range_max": _count(op, "range_max", range_max),
             "seed": _seed_key(seed)}
    return tuple(dispatch(CANDIDATE_SAMPLER, (_classes(true_classes),), attrs, name))


def uniform_candidate_sampler(true_classes, num_true, num_sampled, unique, range_max, seed=None,
                              name=None):
    """num_sampled classes drawn uniformly from [0, range_max) (without repeats when unique),
    with the expected counts of the true and the sampled classes.

        >>> s, t, e = tf.random.uniform_candidate_sampler(tf.constant([[0, 1]], tf.int64), 2, 4,
        ...                                               False, 10)
        >>> s.shape, t.numpy().tolist()
        (TensorShape([4]), [[0.4000000059604645, 0.4000000059604645]])
    """
    return _sample("uniform_candidate_sampler", "uniform", true_classes, num_true, num_sampled,
                   unique, range_max, seed, name=name)


def log_uniform_candidate_sampler(true_classes, num_true, num_sampled, unique, range_max,
                                  seed=None, name=None):
    """Candidates drawn from the log-uniform (Zipfian) distribution
    P(c) = log((c + 2) / (c + 1)) / log(range_max + 1).

        >>> s, t, e = tf.random.log_uniform_candidate_sampler(tf.constant([[0]], tf.int64), 1, 2,
        ...                                                   False, 10)
        >>> round(float(t[0, 0]), 6)   # 2 * log(2) / log(11)
        0.57813
    """
    return _sample("log_uniform_candidate_sampler", "log_uniform", true_classes, num_true,
                   num_sampled, unique, range_max, seed, name=name)


def _read_vocab(op, vocab_file):
    with open(vocab_file) as f:
        out = []
        for line in f:
            if line.strip():
                try:
                    out.append(float(line.strip().split(",")[-1]))
                except ValueError:
                    raise InvalidArgumentError(
                        f"{op}: cannot read a count from line {line.strip()!r} of "
                        f"{vocab_file}") from None
        return out


def fixed_unigram_candidate_sampler(true_classes, num_true, num_sampled, unique, range_max,
                                    vocab_file="", distortion=1.0, num_reserved_ids=0,
                                    num_shards=1, shard=0, unigrams=(), seed=None, name=None):
    """Candidates drawn with probability proportional to unigrams (or the counts, the last
    comma-separated field of each line of vocab_file) raised to `distortion`, after
    num_reserved_ids ids of weight 0. Sharding (num_shards > 1) is not supported.

        >>> s, t, e = tf.random.fixed_unigram_candidate_sampler(
        ...     tf.constant([[3]], tf.int64), 1, 2, False, 4, unigrams=[1.0, 1.0, 1.0, 5.0])
        >>> round(float(t[0, 0]), 6)   # 2 * 5 / 8
        1.25
    """
    op = "fixed_unigram_candidate_sampler"
    if num_shards != 1 or shard != 0:
        raise UnimplementedError(f"{op}: num_shards > 1 is not supported by graphflow")
    counts = _read_vocab(op, vocab_file) if vocab_file else list(unigrams)
    if not counts:
        raise InvalidArgumentError(f"{op}: give unigrams or a vocab_file")
    if bool(vocab_file) and len(unigrams):
        raise InvalidArgumentError(f"{op}: give unigrams or a vocab_file, not both")
    if any(c < 0 for c in counts):
        raise InvalidArgumentError(f"{op}: unigram counts must be >= 0")
    weights = [0.0] * int(num_reserved_ids) + [float(c) ** float(distortion) for c in counts]
    if len(weights) != range_max:
        raise InvalidArgumentError(
            f"{op}: range is {range_max} must be equal to weights size  {len(weights)}")
    return _sample(op, "unigram", true_classes, num_true, num_sampled, unique, range_max, seed,
                   weights, name)


def learned_unigram_candidate_sampler(true_classes, num_true, num_sampled, unique, range_max,
                                      seed=None, name=None):
    """Candidates drawn from a unigram distribution learned from the true classes seen so far
    (every class starts with count 1; each call adds its true classes after sampling).

        >>> s, t, e = tf.random.learned_unigram_candidate_sampler(
        ...     tf.constant([[3]], tf.int64), 1, 2, False, 10, seed=123)
        >>> round(float(t[0, 0]), 6)   # 2 / 10: nothing learned yet
        0.2
    """
    return _sample("learned_unigram_candidate_sampler", "learned_unigram", true_classes,
                   num_true, num_sampled, unique, range_max, seed, name=name)


def all_candidate_sampler(true_classes, num_true, num_sampled, unique, seed=None, name=None):
    """Every class in [0, num_sampled) once, with expected counts 1 (for testing the sampled
    losses against their full versions)."""
    op = "all_candidate_sampler"
    attrs = {"num_true": _count(op, "num_true", num_true),
             "num_sampled": _count(op, "num_sampled", num_sampled), "unique": bool(unique)}
    return tuple(dispatch(ALL_CANDIDATE_SAMPLER, (_classes(true_classes),), attrs, name))


def compute_accidental_hits(true_classes, sampled_candidates, num_true, seed=None, name=None):
    """The (row, sampled position) pairs where a sampled candidate is one of that row's true
    classes, as (indices int32, ids int64, weights -FLOAT_MAX float32).

        >>> i, j, w = tf.nn.compute_accidental_hits(tf.constant([[1, 2]], tf.int64),
        ...                                         tf.constant([2, 3, 1], tf.int64), 2)
        >>> i.numpy().tolist(), j.numpy().tolist()
        ([0, 0], [2, 0])
    """
    from graphflow.ops.creation import convert_to_tensor
    sampled = convert_to_tensor(sampled_candidates, dtype_hint=dtypes.int64,
                                name="sampled_candidates")
    attrs = {"num_true": _count("compute_accidental_hits", "num_true", num_true)}
    return tuple(dispatch(COMPUTE_ACCIDENTAL_HITS, (_classes(true_classes), sampled), attrs,
                          name))


def _compute_sampled_logits(weights, biases, labels, inputs, num_sampled, num_classes,
                            num_true, sampled_values, subtract_log_q, remove_accidental_hits,
                            seed):
    """TF's _compute_sampled_logits: (logits [batch, num_true + num_sampled], labels)."""
    from graphflow.ops.creation import convert_to_tensor
    from graphflow.ops.gather_scatter import embedding_lookup, scatter_nd
    from graphflow.ops.linalg import matmul
    from graphflow.ops.elementwise import stop_gradient
    if isinstance(weights, (list, tuple)):
        weights = sh.concat(list(weights), 0) if len(weights) > 1 else weights[0]
    inputs = convert_to_tensor(inputs, name="inputs")
    labels = ew.cast(convert_to_tensor(labels, name="labels"), dtypes.int64)
    if labels.shape.rank is not None and labels.shape.rank == 1:
        labels = sh.expand_dims(labels, -1)
    flat = sh.reshape(labels, [-1])
    if sampled_values is None:
        sampled_values = log_uniform_candidate_sampler(labels, num_true, num_sampled, True,
                                                       num_classes, seed=seed)
    sampled, true_count, sampled_count = (stop_gradient(s) for s in sampled_values)
    sampled = ew.cast(sampled, dtypes.int64)
    all_ids = sh.concat([flat, sampled], 0)
    all_w = embedding_lookup(weights, all_ids)
    n = flat.shape[0] if flat.shape.rank is not None and flat.shape[0] is not None else None
    if n is None:
        raise InvalidArgumentError("sampled losses: labels need a static shape")
    true_w, sampled_w = all_w[:n], all_w[n:]
    sampled_logits = matmul(inputs, sampled_w, transpose_b=True)
    all_b = embedding_lookup(biases, all_ids)
    true_b, sampled_b = all_b[:n], all_b[n:]
    dim = true_w.shape[1]
    rows = sh.expand_dims(inputs, 1) * sh.reshape(true_w, [-1, num_true, dim])
    true_logits = rd.reduce_sum(rows, -1) + sh.reshape(true_b, [-1, num_true])
    sampled_logits = sampled_logits + sampled_b
    if remove_accidental_hits:
        rows_hit, ids_hit, w_hit = compute_accidental_hits(labels, sampled, num_true)
        index = sh.stack([rows_hit, ew.cast(ids_hit, dtypes.int32)], 1)
        shape = [inputs.shape[0] if inputs.shape[0] is not None else -1, num_sampled]
        if shape[0] == -1:
            shape = sh.concat([sh.shape(labels)[:1], sh.shape(sampled)[:1]], 0)
        sampled_logits = sampled_logits + scatter_nd(index, ew.cast(w_hit, sampled_logits.dtype),
                                                     shape)
    if subtract_log_q:
        true_logits = true_logits - ew.log(ew.cast(true_count, true_logits.dtype))
        sampled_logits = sampled_logits - ew.log(ew.cast(sampled_count, true_logits.dtype))
    logits = sh.concat([true_logits, sampled_logits], 1)
    targets = sh.concat([ew.ones_like(true_logits) / float(num_true),
                         ew.zeros_like(sampled_logits)], 1)
    return logits, targets


def nce_loss(weights, biases, labels, inputs, num_sampled, num_classes, num_true=1,
             sampled_values=None, remove_accidental_hits=False, name="nce_loss"):
    """The noise-contrastive estimation loss of each example (TF's: sigmoid cross-entropy of
    the true and the sampled logits, each less the log of its expected count), with
    log-uniform samples unless sampled_values is given.

        >>> w, b = tf.ones((4, 2)), tf.zeros((4,))
        >>> sv = tf.random.all_candidate_sampler(tf.constant([[0]], tf.int64), 1, 4, True)
        >>> loss = tf.nn.nce_loss(w, b, tf.constant([[0]]), tf.zeros((1, 2)), 4, 4,
        ...                       sampled_values=sv)
        >>> round(float(loss[0]), 4)   # 5 * log(2): every logit is 0
        3.4657
    """
    from graphflow.ops.nn import sigmoid_cross_entropy_with_logits
    logits, targets = _compute_sampled_logits(
        weights, biases, labels, inputs, num_sampled, num_classes, num_true, sampled_values,
        True, remove_accidental_hits, None)
    return rd.reduce_sum(sigmoid_cross_entropy_with_logits(labels=targets, logits=logits), 1)


def sampled_softmax_loss(weights, biases, labels, inputs, num_sampled, num_classes, num_true=1,
                         sampled_values=None, remove_accidental_hits=True, seed=None,
                         name="sampled_softmax_loss"):
    """The sampled softmax loss of each example (TF's: softmax cross-entropy over the true and
    the sampled logits less the log of their expected counts, accidental hits removed).

        >>> w, b = tf.ones((4, 2)), tf.zeros((4,))
        >>> sv = tf.random.all_candidate_sampler(tf.constant([[0]], tf.int64), 1, 4, True)
        >>> loss = tf.nn.sampled_softmax_loss(w, b, tf.constant([[0]]), tf.zeros((1, 2)), 4, 4,
        ...                                   sampled_values=sv)
        >>> round(float(loss[0]), 4)   # the true class hit among the samples is removed: log 4
        1.3863
    """
    from graphflow.ops.nn import softmax_cross_entropy_with_logits
    from graphflow.ops.elementwise import stop_gradient
    logits, targets = _compute_sampled_logits(
        weights, biases, labels, inputs, num_sampled, num_classes, num_true, sampled_values,
        True, remove_accidental_hits, seed)
    return softmax_cross_entropy_with_logits(labels=stop_gradient(targets), logits=logits)
