"""tf.data transformations: map (traced), filter, flat_map, interleave, window, padded_batch,
unbatch, rebatch, enumerate, scan, reduce, take_while, skip, shard, concatenate, zip."""
import numpy as np
import tensorflow as tf

D = tf.data.Dataset


def values(ds):
    return [v.tolist() if hasattr(v, "tolist") else v for v in ds.as_numpy_iterator()]


traced = []
squares = D.range(6).map(lambda x: traced.append(x.shape) or x * x)
assert len(traced) == 1 and values(squares) == [0, 1, 4, 9, 16, 25]
assert values(D.from_tensor_slices(([1, 2], [10, 20])).map(lambda a, b: a + b)) == [11, 22]
assert values(D.range(10).filter(lambda x: x % 3 == 0)) == [0, 3, 6, 9]
assert values(D.range(1, 4).flat_map(lambda x: D.from_tensors(x).repeat(x))) == \
    [1, 2, 2, 3, 3, 3]
assert values(D.range(1, 4).interleave(lambda x: D.from_tensors(x).repeat(3), cycle_length=2,
                                       block_length=2)) == [1, 1, 2, 2, 1, 2, 3, 3, 3]
windows = D.range(6).window(3, shift=1, drop_remainder=True).flat_map(lambda w: w.batch(3))
assert values(windows) == [[0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5]]
seqs = D.from_generator(lambda: ([i] * i for i in range(1, 4)),
                        output_signature=tf.TensorSpec([None], tf.int32))
assert values(seqs.padded_batch(3)) == [[[1, 0, 0], [2, 2, 0], [3, 3, 3]]]
assert values(seqs.padded_batch(2, padded_shapes=[4], padding_values=-1)) == [
    [[1, -1, -1, -1], [2, 2, -1, -1]], [[3, 3, 3, -1]]]
assert values(D.range(6).batch(4).unbatch()) == [0, 1, 2, 3, 4, 5]
assert values(D.range(8).batch(4).rebatch(3)) == [[0, 1, 2], [3, 4, 5], [6, 7]]
assert values(D.from_tensor_slices([7, 8]).enumerate(start=1)) == [(1, 7), (2, 8)]
assert values(D.range(5).scan(np.int64(0), lambda s, x: (s + x, s + x))) == [0, 1, 3, 6, 10]
assert int(D.range(5).reduce(np.int64(0), lambda s, x: s + x)) == 10
assert values(D.range(10).take_while(lambda x: x < 3)) == [0, 1, 2]
assert values(D.range(10).skip(7)) == [7, 8, 9]
assert values(D.range(10).shard(3, 1)) == [1, 4, 7]
assert values(D.range(2).concatenate(D.range(5, 7))) == [0, 1, 5, 6]
assert values(D.zip((D.range(2), D.range(10, 12)))) == [(0, 10), (1, 11)]
shuffled = values(D.range(10).shuffle(10, seed=4))
assert sorted(shuffled) == list(range(10))
assert int(D.from_tensors(3).get_single_element()) == 3
print("ok")
