"""compat.v1.losses: TF1's loss functions (weights, reductions, and the LOSSES collection that
get_total_loss sums).

    >>> tf1 = tf.compat.v1
    >>> float(tf1.losses.mean_squared_error([1.0, 2.0], [1.0, 4.0]))
    2.0
"""
from graphflow.context import context
from graphflow.errors import InvalidArgumentError

LOSSES = "losses"
REGULARIZATION_LOSSES = "regularization_losses"


class Reduction:
    NONE = "none"
    SUM = "weighted_sum"
    SUM_OVER_BATCH_SIZE = "weighted_sum_over_batch_size"
    MEAN = "weighted_mean"
    SUM_BY_NONZERO_WEIGHTS = "weighted_sum_by_nonzero_weights"
    SUM_OVER_NONZERO_WEIGHTS = SUM_BY_NONZERO_WEIGHTS

    @classmethod
    def all(cls):
        return (cls.NONE, cls.SUM, cls.MEAN, cls.SUM_OVER_BATCH_SIZE, cls.SUM_BY_NONZERO_WEIGHTS)


def compute_weighted_loss(losses, weights=1.0, scope=None, loss_collection=LOSSES,
                          reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """losses * weights, reduced as TF1 does (default: sum / number of nonzero weights)."""
    from graphflow.ops import api as ops
    if reduction not in Reduction.all():
        raise InvalidArgumentError(f"compute_weighted_loss: invalid reduction {reduction!r}")
    losses = ops.convert_to_tensor(losses)
    if not losses.dtype.is_floating:
        losses = ops.cast(losses, "float32")
    weights = ops.cast(ops.convert_to_tensor(weights), losses.dtype)
    weighted = losses * weights
    if reduction == Reduction.NONE:
        loss = weighted
    else:
        total = ops.reduce_sum(weighted)
        if reduction == Reduction.SUM:
            loss = total
        elif reduction == Reduction.MEAN:
            denom = ops.reduce_sum(ops.ones_like(losses) * weights)
            loss = _divide_no_nan(total, denom)
        elif reduction == Reduction.SUM_OVER_BATCH_SIZE:
            loss = _divide_no_nan(total, ops.cast(ops.size(losses), losses.dtype))
        else:
            nonzero = ops.reduce_sum(ops.cast(ops.not_equal(ops.ones_like(losses) * weights, 0),
                                              losses.dtype))
            loss = _divide_no_nan(total, nonzero)
    if loss_collection and context.graph is not None:
        context.graph.add_to_collection(loss_collection, loss)
    return loss


def _pair(labels, predictions, what):
    from graphflow.ops import api as ops
    predictions = ops.convert_to_tensor(predictions)
    dtype = predictions.dtype if predictions.dtype.is_floating else "float32"
    predictions = ops.cast(predictions, dtype)
    labels = ops.cast(ops.convert_to_tensor(labels), dtype)
    if labels.shape.rank is not None and predictions.shape.rank is not None and \
            not labels.shape.is_compatible_with(predictions.shape):
        raise InvalidArgumentError(
            f"losses.{what}: labels shape {labels.shape} and predictions shape "
            f"{predictions.shape} are incompatible")
    return labels, predictions


def mean_squared_error(labels, predictions, weights=1.0, scope=None, loss_collection=LOSSES,
                       reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    from graphflow.ops import api as ops
    labels, predictions = _pair(labels, predictions, "mean_squared_error")
    return compute_weighted_loss(ops.squared_difference(predictions, labels), weights, scope,
                                 loss_collection, reduction)


def absolute_difference(labels, predictions, weights=1.0, scope=None, loss_collection=LOSSES,
                        reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    from graphflow.ops import api as ops
    labels, predictions = _pair(labels, predictions, "absolute_difference")
    return compute_weighted_loss(ops.abs(predictions - labels), weights, scope, loss_collection,
                                 reduction)


def huber_loss(labels, predictions, weights=1.0, delta=1.0, scope=None, loss_collection=LOSSES,
               reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    from graphflow.ops import api as ops
    labels, predictions = _pair(labels, predictions, "huber_loss")
    err = ops.abs(predictions - labels)
    quad = ops.minimum(err, delta)
    return compute_weighted_loss(0.5 * quad * quad + delta * (err - quad), weights, scope,
                                 loss_collection, reduction)


def log_loss(labels, predictions, weights=1.0, epsilon=1e-7, scope=None, loss_collection=LOSSES,
             reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    from graphflow.ops import api as ops
    labels, predictions = _pair(labels, predictions, "log_loss")
    losses = -labels * ops.log(predictions + epsilon) - \
        (1 - labels) * ops.log(1 - predictions + epsilon)
    return compute_weighted_loss(losses, weights, scope, loss_collection, reduction)


def hinge_loss(labels, logits, weights=1.0, scope=None, loss_collection=LOSSES,
               reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    from graphflow.ops import api as ops
    labels, logits = _pair(labels, logits, "hinge_loss")
    return compute_weighted_loss(ops.relu(1 - (2 * labels - 1) * logits), weights, scope,
                                 loss_collection, reduction)


def softmax_cross_entropy(onehot_labels, logits, weights=1.0, label_smoothing=0, scope=None,
                          loss_collection=LOSSES, reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    from graphflow.ops import api as ops
    labels, logits = _pair(onehot_labels, logits, "softmax_cross_entropy")
    if label_smoothing:
        n = ops.cast(ops.shape(labels)[-1], labels.dtype)
        labels = labels * (1 - label_smoothing) + label_smoothing / n
    losses = ops.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    return compute_weighted_loss(losses, weights, scope, loss_collection, reduction)


def sparse_softmax_cross_entropy(labels, logits, weights=1.0, scope=None, loss_collection=LOSSES,
                                 reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    from graphflow.ops import api as ops
    losses = ops.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    return compute_weighted_loss(losses, weights, scope, loss_collection, reduction)


def sigmoid_cross_entropy(multi_class_labels, logits, weights=1.0, label_smoothing=0, scope=None,
                          loss_collection=LOSSES, reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    from graphflow.ops import api as ops
    labels, logits = _pair(multi_class_labels, logits, "sigmoid_cross_entropy")
    if label_smoothing:
        labels = labels * (1 - label_smoothing) + 0.5 * label_smoothing
    losses = ops.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits)
    return compute_weighted_loss(losses, weights, scope, loss_collection, reduction)


def add_loss(loss, loss_collection=LOSSES):
    if loss_collection and context.graph is not None:
        context.graph.add_to_collection(loss_collection, loss)


def get_losses(scope=None, loss_collection=LOSSES):
    return [] if context.graph is None else context.graph.get_collection(loss_collection)


def get_regularization_losses(scope=None):
    return [] if context.graph is None else context.graph.get_collection(REGULARIZATION_LOSSES)


def get_regularization_loss(scope=None, name="total_regularization_loss"):
    from graphflow.ops import api as ops
    losses = get_regularization_losses(scope)
    return ops.add_n(losses) if losses else ops.constant(0.0)


def get_total_loss(add_regularization_losses=True, name="total_loss", scope=None):
    """The sum of the LOSSES collection (and the regularization losses)."""
    from graphflow.ops import api as ops
    losses = get_losses(scope) + (get_regularization_losses(scope)
                                  if add_regularization_losses else [])
    if not losses:
        raise InvalidArgumentError("get_total_loss: no losses have been added to the graph")
    return ops.add_n(losses)


def _divide_no_nan(x, y):
    from graphflow import math
    return math.divide_no_nan(x, y)
