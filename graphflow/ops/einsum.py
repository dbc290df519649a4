"""einsum: any equation TF accepts, lowered to registry ops (diagonals, sums, transposes,
reshapes and matmuls), so it has gradients, runs in graphs and compiles like hand-written code.

The lowering, per equation:
  1. each operand: a label repeated within it takes the diagonal (matrix_diag_part), labels no
     other operand and not the output use are summed out;
  2. operands are contracted left to right, two at a time: labels both share and something later
     needs are batch axes, shared labels nothing later needs are contracted, the rest are free;
     each pair becomes one (batched) matmul of [batch, free_a, contracted] by
     [batch, contracted, free_b], after a transpose and a reshape of each side;
  3. a last transpose puts the labels in the output's order.
Ellipsis ("...") stands for broadcast axes: they get labels of their own and broadcast as in
matmul (an axis of size 1 against any size).

    >>> import graphflow as tf
    >>> tf.einsum("ij,jk->ik", tf.ones((2, 3)), tf.ones((3, 4))).shape
    TensorShape([2, 4])
    >>> float(tf.einsum("ii", tf.eye(3)))
    3.0
"""
import string

import numpy as np

from graphflow.errors import InvalidArgumentError
from graphflow.ops import elementwise as ew
from graphflow.ops import reduce as rd
from graphflow.ops import rules
from graphflow.ops import shape as sh
from graphflow.ops.layout import matrix_diag_part
from graphflow.ops.linalg import matmul
from graphflow.ops.registry import EagerTensor, to_array

LETTERS = set(string.ascii_letters)


class _Operand:
    """A tensor and the label of each of its axes (a label may stand for a broadcast axis)."""

    def __init__(self, tensor, labels):
        self.tensor = tensor
        self.labels = list(labels)

    def dims(self):
        return dict(zip(self.labels, self.tensor.shape.dims_tuple()))


@rules.composite("einsum")
def einsum(equation, *inputs, **kwargs):
    """Sums of products of tensor elements, described by an equation over axis labels
    ("ij,jk->ik" is a matrix product; without "->", the output has the labels used once, in
    alphabetical order).

        >>> tf.einsum("bi,bi->b", tf.ones((2, 3)), tf.ones((2, 3))).numpy()
        array([3., 3.], dtype=float32)
    """
    name = kwargs.pop("name", None)
    kwargs.pop("optimize", None)  # TF's contraction-order hint; the order here is left to right
    if kwargs:
        raise InvalidArgumentError(f"einsum: unexpected arguments {sorted(kwargs)}")
    tensors = [x if hasattr(x, "dtype") and not isinstance(x, np.ndarray)
               else EagerTensor(to_array(x, None, "einsum")) for x in inputs]
    subscripts, output = _parse(equation, tensors)
    dtypes_ = {t.dtype for t in tensors}
    if len(dtypes_) > 1:
        raise InvalidArgumentError(
            f"einsum: all inputs must have one dtype, got {[t.dtype.name for t in tensors]}")
    if tensors[0].dtype.is_bool:
        raise InvalidArgumentError("einsum: bool inputs are not supported (as in TF)")
    _check_sizes(equation, tensors, subscripts)
    operands = [_Operand(t, s) for t, s in zip(tensors, subscripts)]
    for k, op in enumerate(operands):
        later = set(output).union(*[o.labels for o in operands[:k] + operands[k + 1:]])
        _reduce_alone(op, later)
    result = operands[0]
    for k in range(1, len(operands)):
        needed = set(output).union(*[o.labels for o in operands[k + 1:]])
        result = _contract(result, operands[k], needed)
    _reduce_alone(result, set(output))
    perm = [result.labels.index(c) for c in output]
    out = result.tensor
    if perm != list(range(len(perm))):
        out = sh.transpose(out, perm)
    return ew.identity(out, name) if name else out


# -- parsing -------------------------------------------------------------------------------------

def _parse(equation, tensors):
    """Per-input label lists and the output labels, with "..." expanded to broadcast labels."""
    if not isinstance(equation, str):
        raise InvalidArgumentError(f"einsum: the equation must be a string, got {equation!r}")
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    parts = lhs.split(",")
    if len(parts) != len(tensors):
        raise InvalidArgumentError(
            f'einsum: Got {len(tensors)} inputs for equation "{equation}", expecting {len(parts)}')
    for p in parts + [rhs]:
        if set(p.replace("...", "")) - LETTERS or p.count("...") > 1:
            raise InvalidArgumentError(
                f"einsum: invalid subscripts {p!r} in {equation!r} (letters and at most one "
                "'...' per operand)")
    # Broadcast axes: right-aligned across operands, named by characters no letter uses.
    spans = []
    for p, t in zip(parts, tensors):
        rank = t.shape.rank
        if rank is None:
            raise InvalidArgumentError("einsum: the ranks of the inputs must be known")
        named = len(p.replace("...", ""))
        if "..." in p:
            if rank < named:
                raise InvalidArgumentError(
                    f"einsum: operand {p!r} has more labels than the input's rank {rank}")
            spans.append(rank - named)
        else:
            if rank != named:
                raise InvalidArgumentError(
                    f"einsum: operand {p!r} of {equation!r} has {named} labels but the input has "
                    f"rank {rank} (shape {t.shape})")
            spans.append(0)
    width = max(spans, default=0)
    ellipsis = [chr(0x100 + i) for i in range(width)]  # outside ASCII: no clash with labels

    def expand(p, span):
        if "..." not in p:
            return list(p)
        before, _, after = p.partition("...")
        return list(before) + ellipsis[width - span:] + list(after)

    subscripts = [expand(p, s) for p, s in zip(parts, spans)]
    if arrow:
        if "..." not in rhs and width:
            raise InvalidArgumentError(
                f"einsum: Output contains {width} broadcasting dimension(s) but no ellipsis (...) "
                f"was found in the output subscripts: {equation}")
        output = expand(rhs, width)
        for c in output:
            if output.count(c) > 1:
                raise InvalidArgumentError(
                    f"einsum: Output subscripts contain a label appearing more than once: "
                    f"{equation}")
            if not any(c in s for s in subscripts):
                raise InvalidArgumentError(
                    f"einsum: Output subscripts contain the label {c} not present in the input "
                    f"subscripts: {equation}")
    else:
        counts = {}
        for s in subscripts:
            for c in s:
                counts[c] = counts.get(c, 0) + 1
        output = ellipsis + sorted(c for c, n in counts.items() if n == 1 and c in LETTERS)
    return subscripts, output


def _check_sizes(equation, tensors, subscripts):
    """One size per label (broadcast labels may also be 1 against any size)."""
    seen = {}
    for t, labels in zip(tensors, subscripts):
        for c, d in zip(labels, t.shape.dims_tuple()):
            if d is None:
                continue
            prev = seen.get(c)
            if prev is None or prev == d:
                seen[c] = d
            elif c in LETTERS or 1 not in (prev, d):
                raise InvalidArgumentError(
                    f"einsum: label {c if c in LETTERS else '...'} has size {prev} in one input "
                    f"and {d} in another ({equation}, shapes "
                    f"{[str(x.shape) for x in tensors]})")
            else:
                seen[c] = max(prev, d)


# -- lowering ------------------------------------------------------------------------------------

def _reduce_alone(op, keep):
    """Takes diagonals of repeated labels, then sums labels not in `keep` (used nowhere else)."""
    while True:
        repeated = next((c for c in op.labels if op.labels.count(c) > 1), None)
        if repeated is None:
            break
        i, j = [k for k, c in enumerate(op.labels) if c == repeated][:2]
        rest = [k for k in range(len(op.labels)) if k not in (i, j)]
        moved = sh.transpose(op.tensor, rest + [i, j])
        op.tensor = matrix_diag_part(moved)  # the two axes become one, last
        op.labels = [op.labels[k] for k in rest] + [repeated]
    drop = [k for k, c in enumerate(op.labels) if c not in keep]
    if drop:
        op.tensor = rd.reduce_sum(op.tensor, drop)
        op.labels = [c for c in op.labels if c in keep]


def _contract(a, b, needed):
    """a * b summed over the labels they share that `needed` (later operands, output) lacks."""
    a_set, b_set = set(a.labels), set(b.labels)
    batch = [c for c in a.labels if c in b_set and c in needed]
    summed = [c for c in a.labels if c in b_set and c not in needed]
    free_a = [c for c in a.labels if c not in b_set]
    free_b = [c for c in b.labels if c not in a_set]
    # Labels only one side has and nothing needs were summed by _reduce_alone already. A summed
    # broadcast label of size 1 on one side only: sum the other side's axis first
    # (sum_k a[0] * b[k] = a[0] * sum_k b[k]), so the matmul sees equal sizes.
    for c in summed:
        da, db = a.dims()[c], b.dims()[c]
        for big, small in ((a, db), (b, da)):
            if small == 1 and big.dims()[c] not in (1, None):
                big.tensor = rd.reduce_sum(big.tensor, [big.labels.index(c)], keepdims=True)
    dims = {**b.dims(), **{c: d for c, d in a.dims().items() if d != 1 or c not in b_set}}
    if not summed and not free_a and not free_b:
        out = _Operand(_aligned(a, batch) * _aligned(b, batch), batch)
        return out
    left = _matrix(a, batch, free_a, summed, dims, "left")
    right = _matrix(b, batch, summed, free_b, dims, "right")
    product = matmul(left, right)
    shape = [_dim(product, k) for k in range(len(batch))] + [dims.get(c) for c in free_a + free_b]
    if len(free_a) != 1 or len(free_b) != 1:
        product = sh.reshape(product, _target(shape))
    return _Operand(product, batch + free_a + free_b)


def _aligned(op, order):
    perm = [op.labels.index(c) for c in order]
    return op.tensor if perm == list(range(len(perm))) else sh.transpose(op.tensor, perm)


def _matrix(op, batch, rows, cols, dims, side):
    """op's tensor as [batch..., prod(rows), prod(cols)] (a missing group becomes a size-1 axis)."""
    t = _aligned(op, batch + rows + cols)
    own = op.dims()
    shape = [own[c] for c in batch]
    for group in (rows, cols):
        if len(group) == 1:
            shape.append(own[group[0]])
        else:
            sizes = [own[c] for c in group]
            shape.append(None if None in sizes else int(np.prod(sizes, dtype=np.int64)))
    if len(rows) == 1 and len(cols) == 1:
        return t
    return sh.reshape(t, _target(shape, f"einsum ({side} operand of a contraction)"))


def _dim(t, k):
    return t.shape.dims_tuple()[k]


def _target(shape, what="einsum"):
    target = [-1 if d is None else d for d in shape]
    if target.count(-1) > 1:
        raise InvalidArgumentError(
            f"{what}: needs static sizes for all but one of the merged axes, got {shape}")
    return target
