"""Dataset elements and their specs.

Inside a pipeline an element is a nested structure (tuples, namedtuples, dicts) whose leaves
are NumPy arrays (tf.string leaves are object arrays of bytes), SparseValues (a tf.SparseTensor's
three arrays), RaggedValues (a tf.RaggedTensor's flat values and row splits) or, for `window`,
Datasets. Its `element_spec` is the same structure with a TensorSpec (SparseTensorSpec,
RaggedTensorSpec, DatasetSpec) per leaf. A composite leaf is handed to traced functions as its
component arrays (flatten_components / pack_components); slicing a leaf's first axis
(`leaf[i]`, `leaf[lo:hi]`) and `stack` are what from_tensor_slices, unbatch and batch do, for
every kind of leaf alike. As in TF, a
Python list given to a dataset source is one tensor, while a list returned by a dataset function
is a tuple.

    >>> from graphflow.data import structure
    >>> structure.spec_of((np.zeros(3, np.float32), {"a": np.int64(1)}))
    (TensorSpec(shape=(3,), dtype=tf.float32, name=None), {'a': TensorSpec(shape=(), dtype=tf.int64, name=None)})
"""
import numpy as np

from graphflow import dtypes
from graphflow.errors import InvalidArgumentError
from graphflow.tensor import EagerTensor, SymbolicTensor, Tensor, TensorShape, TensorSpec, Variable
from graphflow.utils import nest


class DatasetSpec:
    """The spec of a dataset-valued element (what `window` produces).

        >>> tf.data.DatasetSpec(tf.TensorSpec([], tf.int64))
        DatasetSpec(TensorSpec(shape=(), dtype=tf.int64, name=None), TensorShape([]))
    """

    def __init__(self, element_spec, dataset_shape=()):
        self.element_spec = element_spec
        self.dataset_shape = TensorShape(dataset_shape)

    def __eq__(self, other):
        return isinstance(other, DatasetSpec) and _specs_equal(self.element_spec,
                                                               other.element_spec)

    def __hash__(self):
        return id(self)

    def __repr__(self):
        return f"DatasetSpec({self.element_spec!r}, {self.dataset_shape!r})"


class SparseValue:
    """A tf.SparseTensor inside a pipeline: its indices, values and dense_shape as NumPy arrays
    (TF's SparseTensorValue; as_numpy_iterator densifies it, as TF 2.21). Indexing the first axis with
    an int or a slice gives the sparse row(s), so slicing and unbatching treat it like an
    array; `stack` is what batching does (a new leading axis, the dense shapes' maximum)."""

    __slots__ = ("indices", "values", "dense_shape")

    def __init__(self, indices, values, dense_shape):
        self.indices = np.asarray(indices, np.int64).reshape(-1, np.size(dense_shape))
        self.values = np.asarray(values)
        self.dense_shape = np.asarray(dense_shape, np.int64)

    @property
    def shape(self):
        return tuple(int(d) for d in self.dense_shape)

    @property
    def dtype(self):
        return self.values.dtype

    def __getitem__(self, key):
        if isinstance(key, tuple) and len(key) == 2 and key[1] is Ellipsis:
            key = key[0]
        first = self.indices[:, 0] if self.indices.shape[1] else np.zeros(0, np.int64)
        if isinstance(key, slice):
            lo, hi, step = key.indices(self.shape[0])
            if step != 1:
                raise InvalidArgumentError("a SparseTensor element can only be sliced with "
                                           "step 1")
            keep = (first >= lo) & (first < hi)
            rows = self.indices[keep].copy()
            rows[:, 0] -= lo
            return SparseValue(rows, self.values[keep],
                               [max(hi - lo, 0)] + list(self.dense_shape[1:]))
        i = int(key)
        keep = first == i
        return SparseValue(self.indices[keep][:, 1:], self.values[keep], self.dense_shape[1:])

    @staticmethod
    def stack(parts):
        rows = [np.concatenate([np.full((len(p.indices), 1), i, np.int64), p.indices], axis=1)
                for i, p in enumerate(parts)]
        shape = np.max(np.stack([p.dense_shape for p in parts]), axis=0)
        return SparseValue(np.concatenate(rows), np.concatenate([p.values for p in parts]),
                           np.concatenate([[len(parts)], shape]))

    def to_dense(self):
        out = np.zeros(self.shape, self.values.dtype) if self.values.dtype.kind != "O" else \
            np.full(self.shape, b"", object)
        out[tuple(self.indices.T)] = self.values
        return out

    def to_tensor(self):
        from graphflow.ops.sparse import SparseTensor
        return SparseTensor(EagerTensor(self.indices), EagerTensor(self.values),
                            EagerTensor(self.dense_shape))

    def __repr__(self):
        return (f"SparseTensorValue(indices={self.indices!r}, values={self.values!r}, "
                f"dense_shape={self.dense_shape!r})")


class RaggedValue:
    """A tf.RaggedTensor inside a pipeline: its flat values and nested row splits as NumPy
    arrays (TF's RaggedTensorValue). A RaggedTensorSpec of ragged_rank 0 (a row of a
    ragged_rank-1 tensor: what from_tensor_slices and unbatch give) has no splits: the value is a
    dense array, but batching it still makes a RaggedTensor, as in TF. `leaf[i]` is row i (one
    ragged dimension fewer), `leaf[lo:hi]` rows lo..hi, and `stack` adds a ragged dimension
    in front (batching)."""

    __slots__ = ("values", "splits")

    def __init__(self, values, splits):
        self.values = values
        self.splits = [np.asarray(s) for s in splits]

    @property
    def ragged_rank(self):
        return len(self.splits)

    @property
    def shape(self):
        """The static shape TF gives an eager RaggedTensor: nrows, None per ragged dim, then the
        flat values' inner dims."""
        if not self.splits:
            return self.values.shape
        return (len(self.splits[0]) - 1,) + (None,) * len(self.splits) + self.values.shape[1:]

    @property
    def dtype(self):
        return self.values.dtype

    def __getitem__(self, key):
        if isinstance(key, tuple) and len(key) == 2 and key[1] is Ellipsis:
            key = key[0]
        if not self.splits:  # a row of a ragged_rank-0 value is a plain array (a TensorSpec's)
            return RaggedValue(self.values[key], []) if isinstance(key, slice) else \
                self.values[int(key), ...]
        outer = self.splits[0]
        if isinstance(key, slice):
            lo, hi, step = key.indices(len(outer) - 1)
            if step != 1:
                raise InvalidArgumentError("a RaggedTensor element can only be sliced with "
                                           "step 1")
            hi = max(hi, lo)
            splits, a, b = [], lo, hi
            for s in self.splits:
                part = s[a:b + 1]
                splits.append(part - part[0])
                a, b = int(part[0]), int(part[-1])
            return RaggedValue(self.values[a:b], splits)
        i = int(key)
        a, b = int(outer[i]), int(outer[i + 1])
        splits = []
        for s in self.splits[1:]:
            part = s[a:b + 1]
            splits.append(part - part[0])
            a, b = int(part[0]), int(part[-1])
        return RaggedValue(self.values[a:b], splits)

    @staticmethod
    def stack(parts, splits_dtype=np.int64):
        """The parts (RaggedValues of one ragged_rank) as the rows of a RaggedValue with one
        more ragged dimension."""
        first = parts[0].values.shape[1:]
        for i, p in enumerate(parts):
            if p.values.shape[1:] != first:
                raise InvalidArgumentError(
                    f"batch: All flat_values must have compatible shapes. Shape at index 0: "
                    f"{list(first)}.  Shape at index {i}: {list(p.values.shape[1:])}.")
        if parts[0].splits:
            splits_dtype = parts[0].splits[0].dtype
        levels = []
        # the new outer splits count each part's rows; each existing level is concatenated with
        # offsets (the end of the same level in the parts before)
        tops = [len(p.splits[0]) - 1 if p.splits else len(p.values) for p in parts]
        levels.append(np.concatenate([[0], np.cumsum(tops)]).astype(splits_dtype))
        for k in range(len(parts[0].splits)):
            offset, rows = 0, [np.zeros(1, splits_dtype)]
            for p in parts:
                s = p.splits[k]
                rows.append((s[1:] + offset).astype(splits_dtype))
                offset += int(s[-1])
            levels.append(np.concatenate(rows))
        return RaggedValue(np.concatenate([p.values for p in parts]), levels)

    @classmethod
    def from_tensor(cls, value, what="Dataset"):
        """A RaggedValue of an eager RaggedTensor (its components' host arrays)."""
        parts = [value.flat_values] + list(value.nested_row_splits)
        if not all(isinstance(t, EagerTensor) for t in parts):
            raise InvalidArgumentError(f"{what}: a RaggedTensor element must be eager here")
        return cls(parts[0]._value, [t._value for t in parts[1:]])

    def to_tensor(self):
        """The RaggedTensor (a dense tensor for ragged_rank 0), as iteration yields it."""
        values = _eager(self.values)
        if not self.splits:
            return values
        from graphflow.ops.ragged import RaggedTensor
        return RaggedTensor.from_nested_row_splits(values, [_eager(s) for s in self.splits],
                                                   validate=False)

    def to_numpy(self):
        """What TF's as_numpy_iterator gives: RaggedTensor.numpy() (object arrays of rows, or
        one array where the rows have equal lengths)."""
        if not self.splits:
            return self.values.copy()
        from graphflow.ops.ragged import rows_numpy
        return rows_numpy(self.values, self.splits)

    def __repr__(self):
        return f"RaggedTensorValue(values={self.values!r}, splits={self.splits!r})"


def _eager(arr):
    t = EagerTensor.__new__(EagerTensor)
    t._value = arr
    return t


def _ragged_spec_type():
    from graphflow.ops.ragged_ops import RaggedTensorSpec
    return RaggedTensorSpec


def _sparse_types():
    from graphflow.ops.sparse import SparseTensor, SparseTensorSpec
    return SparseTensor, SparseTensorSpec


def with_shape(spec, shape):
    """A spec of the same kind (TensorSpec, SparseTensorSpec, RaggedTensorSpec with its
    ragged_rank) with another shape of the same rank."""
    if isinstance(spec, _sparse_types()[1]):
        return type(spec)(shape, spec.dtype)
    if isinstance(spec, _ragged_spec_type()):
        return type(spec)(shape, spec.dtype, spec.ragged_rank, spec.row_splits_dtype)
    return TensorSpec(shape, spec.dtype)


def batched_spec(spec, lead):
    """The spec of `lead` elements of `spec` stacked (TF's _batch): a RaggedTensorSpec gains a
    ragged dimension, so a ragged_rank-0 one (rows of different lengths) batches into a
    RaggedTensor."""
    shape = TensorShape([lead]).concatenate(spec.shape)
    if isinstance(spec, _ragged_spec_type()):
        return type(spec)(shape, spec.dtype, spec.ragged_rank + 1, spec.row_splits_dtype)
    return with_shape(spec, shape)


def unbatched_spec(spec):
    """The spec of one row of an element of `spec` (TF's _unbatch). TF 2.21 gives a
    ragged_rank-0 RaggedTensorSpec's rows RaggedTensorSpec(shape[1:], ragged_rank=-1), a spec
    that cannot be built; they are dense tensors, so here they are TensorSpecs."""
    if isinstance(spec, _ragged_spec_type()):
        if spec.ragged_rank == 0:
            return TensorSpec(spec.shape[1:], spec.dtype)
        return type(spec)(spec.shape[1:], spec.dtype, spec.ragged_rank - 1,
                          spec.row_splits_dtype)
    return with_shape(spec, spec.shape[1:])


def function_spec(spec):
    """The spec a traced dataset function is given for a leaf: a ragged_rank-0 RaggedTensorSpec's
    value is a dense tensor (as TF hands it)."""
    if isinstance(spec, _ragged_spec_type()) and spec.ragged_rank == 0:
        return TensorSpec(spec.shape, spec.dtype)
    return spec


def flatten_components(leaves):
    """Flat leaves with each SparseValue as its three arrays and each RaggedValue as its flat
    values and row splits (what a traced function takes and a cache file stores)."""
    out = []
    for leaf in leaves:
        if isinstance(leaf, SparseValue):
            out.extend([leaf.indices, leaf.values, leaf.dense_shape])
        elif isinstance(leaf, RaggedValue):
            out.append(leaf.values)
            out.extend(leaf.splits)
        else:
            out.append(leaf)
    return out


def component_count(spec):
    """How many arrays flatten_components gives for a leaf of this spec."""
    if isinstance(spec, _sparse_types()[1]):
        return 3
    if isinstance(spec, _ragged_spec_type()):
        return 1 + spec.ragged_rank
    return 1


def pack_components(specs, arrays):
    """flatten_components undone for leaves of the given specs."""
    sparse_spec, ragged_spec = _sparse_types()[1], _ragged_spec_type()
    out, it = [], iter(arrays)
    for spec in specs:
        if isinstance(spec, sparse_spec):
            out.append(SparseValue(next(it), next(it), next(it)))
        elif isinstance(spec, ragged_spec):
            values = next(it)
            out.append(RaggedValue(values, [next(it) for _ in range(spec.ragged_rank)]))
        else:
            out.append(next(it))
    return out


def is_structure(value):
    return isinstance(value, (tuple, dict))


def flatten(structure):
    """Leaves in nest order (dicts by sorted key), for structures of tuples and dicts only."""
    return nest.flatten(structure)


def pack(structure, leaves):
    return nest.pack_sequence_as(structure, leaves)


def map_leaves(fn, structure):
    return pack(structure, [fn(leaf) for leaf in flatten(structure)])


def flatten_up_to(spec, value, what):
    """The leaves of `value` following the structure of `spec` (a tuple in spec takes a tuple or
    list of as many items; a dict the same keys); below spec's leaves, value is left whole."""
    if isinstance(spec, dict):
        if not isinstance(value, dict) or sorted(value) != sorted(spec):
            raise InvalidArgumentError(
                f"{what}: {value!r:.80} does not match the structure {spec!r:.120}")
        return [leaf for k in sorted(spec) for leaf in flatten_up_to(spec[k], value[k], what)]
    if isinstance(spec, tuple):
        if not isinstance(value, (tuple, list)) or len(value) != len(spec):
            raise InvalidArgumentError(
                f"{what}: {value!r:.80} does not match the structure {spec!r:.120}")
        return [leaf for s, v in zip(spec, value) for leaf in flatten_up_to(s, v, what)]
    return [value]


def _is_ragged(value):
    from graphflow.ops.ragged import RaggedTensor
    return isinstance(value, RaggedTensor)


def _is_dataset(value):
    from graphflow.data.dataset import Dataset
    return isinstance(value, Dataset)


def leaf_array(value, what, dtype=None):
    """One leaf of a source's input as a NumPy array (a SymbolicTensor stays as it is: the
    dataset is then a spec-only template, see dataset.py)."""
    if isinstance(value, SymbolicTensor):
        return value
    if isinstance(value, Variable):
        value = value.value()
    if isinstance(value, _sparse_types()[0]):
        parts = [value.indices, value.values, value.dense_shape]
        if not all(isinstance(t, EagerTensor) for t in parts):
            raise InvalidArgumentError(f"{what}: a SparseTensor element must be eager here")
        return SparseValue(*(t._value for t in parts))
    if _is_ragged(value):
        if not isinstance(value.flat_values, EagerTensor):  # a template's symbolic leaf
            return value
        return RaggedValue.from_tensor(value, what)
    if isinstance(value, EagerTensor):
        arr = value._value  # a DeviceTensor's is its host copy
    else:
        from graphflow.ops.registry import to_array
        try:
            arr = to_array(value, dtype, what)
        except InvalidArgumentError:
            raise
        except (TypeError, ValueError) as e:
            raise InvalidArgumentError(f"{what}: cannot convert {value!r:.60} to a tensor: {e}") \
                from None
    if dtype is not None and dtypes.from_numpy(arr.dtype) is not dtype:
        from graphflow.ops.registry import to_array
        arr = to_array(arr, dtype, what)
    return arr


def normalize_input(value, what):
    """A source's input (tensors, arrays, Python values in tuples/dicts) as an element: lists
    are tensors, as in TF."""
    if isinstance(value, dict):
        return type(value)((k, normalize_input(v, what)) for k, v in value.items()) \
            if type(value) is not dict else {k: normalize_input(v, what) for k, v in value.items()}
    if isinstance(value, tuple):
        items = [normalize_input(v, what) for v in value]
        return type(value)(*items) if hasattr(value, "_fields") else tuple(items)
    if _is_dataset(value):
        raise InvalidArgumentError(f"{what}: a Dataset cannot be a component of an element")
    return leaf_array(value, what)


def normalize_output(value, what, top=True):
    """What a dataset function returned, as a structure of tensors, as in TF: a returned list is
    a tuple, lists inside the result are tensors (stacked), and Python or NumPy values become
    tensors."""
    from graphflow.ops.creation import convert_to_tensor
    if isinstance(value, list) and not top:
        from graphflow.ops.shape import stack
        return stack([normalize_output(v, what, False) for v in value])
    if value is None:
        raise InvalidArgumentError(
            f"{what}: the function returned None; it must return a tensor or a structure of "
            "tensors")
    if isinstance(value, dict):
        return {k: normalize_output(v, what, False) for k, v in value.items()} \
            if type(value) is dict else type(value)((k, normalize_output(v, what, False))
                                                    for k, v in value.items())
    if isinstance(value, (list, tuple)):
        items = [normalize_output(v, what, False) for v in value]
        return type(value)(*items) if hasattr(value, "_fields") else tuple(items)
    if _is_dataset(value):
        from graphflow.errors import UnimplementedError
        raise UnimplementedError(
            f"{what}: the function returned a Dataset; dataset-valued elements are only "
            "supported from window(); use flat_map or interleave to flatten datasets")
    if isinstance(value, (Tensor, Variable)):
        return value if isinstance(value, Tensor) else value.value()
    if isinstance(value, _sparse_types()[0]) or _is_ragged(value):
        return value
    try:
        return convert_to_tensor(value)
    except InvalidArgumentError as e:
        raise InvalidArgumentError(f"{what}: cannot convert the returned {value!r:.60} to a "
                                   f"tensor: {e}") from None


def spec_of_leaf(leaf):
    sparse, sparse_spec = _sparse_types()
    ragged_spec = _ragged_spec_type()
    if isinstance(leaf, (TensorSpec, DatasetSpec, sparse_spec, ragged_spec)):
        return leaf
    if isinstance(leaf, RaggedValue):
        return ragged_spec(leaf.shape, dtypes.from_numpy(leaf.values.dtype), leaf.ragged_rank,
                           dtypes.from_numpy(leaf.splits[0].dtype) if leaf.splits else
                           dtypes.int64)
    if _is_ragged(leaf):
        return leaf._type_spec
    if isinstance(leaf, SparseValue):
        return sparse_spec(leaf.shape, dtypes.from_numpy(leaf.values.dtype))
    if isinstance(leaf, sparse):
        return sparse_spec(leaf.shape, leaf.dtype)
    if isinstance(leaf, (SymbolicTensor, EagerTensor)):
        return TensorSpec(leaf.shape, leaf.dtype)
    if _is_dataset(leaf):
        return DatasetSpec(leaf.element_spec)
    arr = np.asarray(leaf)
    return TensorSpec(arr.shape, dtypes.from_numpy(arr.dtype))


def spec_of(element):
    """The element_spec of an element (or of a structure of tensors)."""
    return map_leaves(spec_of_leaf, element)


def is_symbolic(element):
    return any(isinstance(leaf, SymbolicTensor) or
               _is_ragged(leaf) and isinstance(leaf.flat_values, SymbolicTensor)
               for leaf in flatten(element))


def dense_to_ragged(arr, ragged_rank):
    """A dense array as a RaggedValue of the given ragged_rank (what TF's
    RaggedTensor.from_tensor(value, ragged_rank) makes: rows of the full length)."""
    shape = arr.shape
    splits, rows = [], 1
    for j in range(ragged_rank):
        rows *= shape[j]
        splits.append(np.arange(rows + 1, dtype=np.int64) * shape[j + 1])
    return RaggedValue(arr.reshape((-1,) + shape[ragged_rank + 1:]) if ragged_rank else arr,
                       splits)


def to_tensors(element):
    """An element as the user sees it when iterating: EagerTensors (datasets stay)."""
    def one(leaf):
        if isinstance(leaf, np.ndarray):
            t = EagerTensor.__new__(EagerTensor)
            t._value = leaf
            return t
        if isinstance(leaf, (SparseValue, RaggedValue)):
            return leaf.to_tensor()
        return leaf
    return map_leaves(one, element)


def to_numpy(element):
    """An element for as_numpy_iterator: fresh arrays, NumPy scalars (bytes for strings) for
    rank 0, as TF gives."""
    def one(leaf):
        if isinstance(leaf, np.ndarray):
            return leaf[()] if leaf.ndim == 0 else leaf.copy()
        if isinstance(leaf, SparseValue):  # TF 2.21's as_numpy_iterator densifies it
            return leaf.to_dense()
        if isinstance(leaf, RaggedValue):
            return leaf.to_numpy()
        if _is_dataset(leaf):
            return leaf.as_numpy_iterator()
        return leaf
    return map_leaves(one, element)


def _specs_equal(a, b):
    fa, fb = flatten(a), flatten(b)
    return same_structure(a, b) and all(x == y for x, y in zip(fa, fb))


def same_structure(a, b):
    """Whether two element structures have the same nesting (types, keys, lengths)."""
    if isinstance(a, dict) or isinstance(b, dict):
        return isinstance(a, dict) and isinstance(b, dict) and sorted(a) == sorted(b) and all(
            same_structure(a[k], b[k]) for k in a)
    if isinstance(a, tuple) or isinstance(b, tuple):
        return isinstance(a, tuple) and isinstance(b, tuple) and len(a) == len(b) and all(
            same_structure(x, y) for x, y in zip(a, b))
    return True


def most_specific_compatible_shape(a, b):
    """The shape both fit: equal dims kept, others None; unknown rank if ranks differ."""
    a, b = TensorShape(a), TensorShape(b)
    if a.rank is None or b.rank is None or a.rank != b.rank:
        return TensorShape(None)
    return TensorShape([x if x == y else None for x, y in zip(a.dims, b.dims)])


def merge_specs(a, b, what):
    """The spec of a dataset producing elements of spec a and spec b (concatenate, reduce
    states): same structure and dtypes required, shapes relaxed where they differ."""
    if not same_structure(a, b):
        raise InvalidArgumentError(f"{what}: Incompatible dataset elements:\n  {a!r} vs.\n  {b!r}")
    fa, fb = flatten(a), flatten(b)
    out = []
    for x, y in zip(fa, fb):
        if isinstance(x, DatasetSpec) or isinstance(y, DatasetSpec):
            if not (isinstance(x, DatasetSpec) and isinstance(y, DatasetSpec)):
                raise InvalidArgumentError(f"{what}: Incompatible dataset elements:\n  {a!r} vs."
                                           f"\n  {b!r}")
            out.append(DatasetSpec(merge_specs(x.element_spec, y.element_spec, what)))
            continue
        if x.dtype is not y.dtype or type(x) is not type(y) or \
                getattr(x, "ragged_rank", None) != getattr(y, "ragged_rank", None) or \
                getattr(x, "row_splits_dtype", None) is not getattr(y, "row_splits_dtype", None):
            raise InvalidArgumentError(f"{what}: Incompatible dataset elements:\n  {a!r} vs.\n  "
                                       f"{b!r}")
        out.append(with_shape(x, most_specific_compatible_shape(x.shape, y.shape)))
    return pack(a, out)


def check_leaf(arr, spec, what):
    """Raises unless the array fits the TensorSpec (dtype exactly, shape compatibly)."""
    if dtypes.from_numpy(arr.dtype) is not spec.dtype:
        raise InvalidArgumentError(
            f"{what}: expected an element of dtype {spec.dtype.name}, got "
            f"{dtypes.from_numpy(arr.dtype).name}")
    if not spec.shape.is_compatible_with(arr.shape):
        raise InvalidArgumentError(
            f"{what}: an element of shape {TensorShape(arr.shape)} where an element of shape "
            f"{spec.shape} was expected")
