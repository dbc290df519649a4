"""tf.data.Dataset: sources, transformations, specs and cardinalities (expected values checked
against TensorFlow 2.21), traced functions, threads (prefetch, parallel map, interleave), the
caches, options, and use with model.fit / evaluate."""
import collections
import os
import threading
import time

import numpy as np
import pytest

import graphflow as tf
from graphflow import keras
from graphflow.errors import InvalidArgumentError, UnimplementedError

Dataset = tf.data.Dataset


def values(ds):
    def plain(v):
        if isinstance(v, np.ndarray):
            return v.tolist()
        if isinstance(v, (tuple, list)):
            return tuple(plain(x) for x in v)
        if isinstance(v, dict):
            return {k: plain(x) for k, x in v.items()}
        return v.item() if hasattr(v, "item") else v
    return [plain(e) for e in ds.as_numpy_iterator()]


def spec(shape, dtype):
    return tf.TensorSpec(shape, dtype)


def test_sources_and_element_specs():
    assert values(Dataset.range(1, 7, 2)) == [1, 3, 5]
    assert Dataset.range(3).element_spec == spec([], tf.int64)
    assert Dataset.range(3, output_type=tf.int32).element_spec == spec([], tf.int32)
    assert repr(Dataset.range(5)) == \
        "<_RangeDataset element_spec=TensorSpec(shape=(), dtype=tf.int64, name=None)>"
    assert Dataset.from_tensors((1, 2.0, "a")).element_spec == (
        spec([], tf.int32), spec([], tf.float32), spec([], tf.string))
    assert Dataset.from_tensor_slices([(1, 2), (3, 4)]).element_spec == spec([2], tf.int32)
    assert Dataset.from_tensor_slices(np.array([1.5, 2.5])).element_spec == spec([], tf.float64)
    d = Dataset.from_tensor_slices(({"a": [1, 2]}, ([3, 4], [5, 6])))
    assert d.element_spec == ({"a": spec([], tf.int32)}, (spec([], tf.int32), spec([], tf.int32)))
    assert values(d) == [({"a": 1}, (3, 5)), ({"a": 2}, (4, 6))]
    P = collections.namedtuple("P", "a b")
    assert values(Dataset.from_tensor_slices(P([1, 2], [3, 4])).map(lambda p: p.a + p.b)) == [4, 6]
    assert values(Dataset.from_tensor_slices(["a", "b"])) == [b"a", b"b"]
    assert values(Dataset.from_tensor_slices({"x": [[1, 2], [3, 4]], "y": [0, 1]})) == [
        {"x": [1, 2], "y": 0}, {"x": [3, 4], "y": 1}]
    with pytest.raises(InvalidArgumentError, match="Dimensions 2 and 3 are not compatible"):
        Dataset.from_tensor_slices(([1, 2], [1, 2, 3]))
    with pytest.raises(InvalidArgumentError, match="rank >= 1"):
        Dataset.from_tensor_slices(1)
    it = iter(Dataset.range(1))
    assert int(it.get_next()) == 0 and it.element_spec == spec([], tf.int64)
    with pytest.raises(StopIteration):
        next(it)


def test_from_generator():
    ds = Dataset.from_generator(lambda: iter([(1, [1., 2.]), (2, [3.])]), output_signature=(
        spec([], tf.int32), spec([None], tf.float32)))
    assert values(ds) == [(1, [1.0, 2.0]), (2, [3.0])] and int(ds.cardinality()) == -2
    assert values(ds) == [(1, [1.0, 2.0]), (2, [3.0])]  # the generator is called again
    assert values(Dataset.from_generator(lambda n: iter(range(n)), output_signature=spec(
        [], tf.int64), args=(3,))) == [0, 1, 2]
    legacy = Dataset.from_generator(lambda: iter([1]), output_types=tf.int64)
    assert legacy.element_spec.shape.rank is None
    assert Dataset.from_generator(lambda: iter([1]), tf.int64, ()).element_spec == spec([],
                                                                                       tf.int64)
    with pytest.raises(InvalidArgumentError, match="shape \\(2,\\) where an element of shape"):
        list(Dataset.from_generator(lambda: iter([[1, 2]]), output_signature=spec([3], tf.int32)))
    with pytest.raises(InvalidArgumentError, match="could not be converted.*int32"):
        list(Dataset.from_generator(lambda: iter(["a"]), output_signature=spec([], tf.int32)))
    with pytest.raises(InvalidArgumentError, match="output_signature"):
        Dataset.from_generator(lambda: iter([1]))


def test_map_is_traced_with_the_element_spec():
    seen = []

    def f(x, y):
        seen.append((x.shape.as_list(), x.dtype))  # runs once, at trace time
        return {"sum": x + y, "pair": [x, x]}

    ds = Dataset.from_tensor_slices(([1, 2], [3, 4])).batch(2).map(f)
    assert seen == [([None], tf.int32)]
    assert ds.element_spec == {"sum": spec([None], tf.int32), "pair": spec([2, None], tf.int32)}
    assert values(ds) == [{"sum": [4, 6], "pair": [[1, 2], [1, 2]]}] and len(seen) == 1
    assert Dataset.range(3).map(lambda x: [x, x]).element_spec == (spec([], tf.int64),) * 2
    assert values(Dataset.range(3).map(lambda x: 1)) == [1, 1, 1]
    c = tf.constant(10, tf.int64)
    v = tf.Variable(np.int64(100))
    ds = Dataset.range(3).map(lambda x: x * c + v)
    v.assign(np.int64(200))  # read when the elements are computed
    assert values(ds) == [200, 210, 220]
    assert values(Dataset.from_tensor_slices(["a b", "c"]).map(
        lambda s: tf.strings.split(s).to_tensor() if False else tf.strings.upper(s))) == [b"A B",
                                                                                         b"C"]
    with pytest.raises(TypeError):
        Dataset.from_tensor_slices(([1, 2], [3, 4])).map(lambda a: a)
    with pytest.raises(InvalidArgumentError, match="symbolic"):
        Dataset.range(3).map(lambda x: x.numpy())  # needs a value: fails at trace time, as in TF
    with pytest.raises(InvalidArgumentError, match="returned None"):
        Dataset.range(3).map(lambda x: None)
    with pytest.raises(UnimplementedError, match="flat_map"):
        Dataset.range(3).window(2).map(lambda w: w)


def test_filter_take_while_scan_reduce():
    assert values(Dataset.range(6).filter(lambda x: x % 2 == 0)) == [0, 2, 4]
    assert int(Dataset.range(6).filter(lambda x: x > 2).cardinality()) == -2
    with pytest.raises(InvalidArgumentError, match="must return a `tf.bool` scalar"):
        Dataset.range(6).filter(lambda x: x)
    assert values(Dataset.range(10).take_while(lambda x: x < 4)) == [0, 1, 2, 3]
    assert values(Dataset.range(5).scan(np.int64(0), lambda s, x: (s + x, s * 10))) == \
        [0, 0, 10, 30, 60]
    with pytest.raises(InvalidArgumentError, match="pair consisting of new state"):
        Dataset.range(3).scan(np.int64(0), lambda s, x: s + x)
    assert int(Dataset.range(5).reduce(np.int64(0), lambda s, x: s + x)) == 10
    s, p = Dataset.range(5).reduce((np.int64(0), np.int64(1)),
                                   lambda s, x: (s[0] + x, s[1] * (x + 1)))
    assert (int(s), int(p)) == (10, 120)
    grown = Dataset.range(3).reduce(tf.constant([], tf.int64),
                                    lambda s, x: tf.concat([s, tf.reshape(x, [1])], 0))
    assert grown.numpy().tolist() == [0, 1, 2]  # the state's shape is relaxed and retraced
    with pytest.raises(InvalidArgumentError, match="element types for the new state"):
        Dataset.range(3).reduce(np.int64(0), lambda s, x: tf.cast(s, tf.float32))
    with pytest.raises(InvalidArgumentError, match="int32"):
        Dataset.range(3).reduce(0, lambda s, x: s + x)  # 0 is int32, as in TF


def test_batching():
    assert values(Dataset.range(5).batch(2)) == [[0, 1], [2, 3], [4]]
    assert Dataset.range(5).batch(2).element_spec == spec([None], tf.int64)
    assert Dataset.range(5).batch(2, drop_remainder=True).element_spec == spec([2], tf.int64)
    assert [int(Dataset.range(5).batch(2, d).cardinality()) for d in (False, True)] == [3, 2]
    assert values(Dataset.from_tensor_slices(["a", "b", "c"]).batch(2)) == [[b"a", b"b"], [b"c"]]
    with pytest.raises(InvalidArgumentError, match="batch_size"):
        Dataset.range(3).batch(0)
    ragged = Dataset.from_generator(lambda: iter([[1], [1, 2]]), output_signature=spec(
        [None], tf.int32))
    with pytest.raises(InvalidArgumentError, match="Cannot add tensor to the batch"):
        list(ragged.batch(2))
    seqs = Dataset.from_generator(lambda: ([x] * x for x in range(4)),
                                  output_signature=spec([None], tf.int64))
    assert values(seqs.padded_batch(2)) == [[[0], [1]], [[2, 2, 0], [3, 3, 3]]]
    assert seqs.padded_batch(2).element_spec == spec([None, None], tf.int64)
    assert values(seqs.take(3).padded_batch(2, padded_shapes=[4], padding_values=np.int64(-1))) \
        == [[[-1, -1, -1, -1], [1, -1, -1, -1]], [[2, 2, -1, -1]]]
    with pytest.raises(InvalidArgumentError, match="pad to a smaller size"):
        list(seqs.padded_batch(2, padded_shapes=[2]))
    pairs = Dataset.from_tensor_slices(([1, 2], ["a", "bb"])).padded_batch(
        2, padding_values=(-1, "?"))
    assert values(pairs) == [([1, 2], [b"a", b"bb"])]
    assert values(Dataset.from_tensor_slices([[1, 2], [3, 4]]).unbatch()) == [1, 2, 3, 4]
    assert Dataset.range(5).batch(2).unbatch().element_spec == spec([], tf.int64)
    with pytest.raises(InvalidArgumentError, match="scalar components"):
        Dataset.range(5).unbatch()
    assert values(Dataset.range(8).batch(4).rebatch(3)) == [[0, 1, 2], [3, 4, 5], [6, 7]]
    assert values(Dataset.range(8).batch(4).rebatch(3, drop_remainder=True)) == [[0, 1, 2],
                                                                                 [3, 4, 5]]
    assert values(Dataset.range(8).batch(4).rebatch([3, 1])) == [[0, 1, 2], [3], [4, 5, 6], [7]]


def test_windows_flat_map_and_interleave():
    ds = Dataset.range(7)
    assert [values(w) for w in ds.window(3)] == [[0, 1, 2], [3, 4, 5], [6]]
    assert [values(w) for w in ds.window(3, shift=1, stride=2)][:4] == [
        [0, 2, 4], [1, 3, 5], [2, 4, 6], [3, 5]]
    assert [int(ds.window(3, s, t, d).cardinality()) for s, t, d in
            [(None, 1, False), (2, 1, True), (1, 2, True)]] == [3, 3, 3]
    assert ds.window(3).element_spec == tf.data.DatasetSpec(spec([], tf.int64))
    assert values(ds.window(3, 1, drop_remainder=True).flat_map(lambda w: w.batch(3))) == [
        [0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5], [4, 5, 6]]
    pairs = Dataset.from_tensor_slices(([1, 2, 3], [4, 5, 6])).window(2)
    assert values(pairs.flat_map(lambda a, b: Dataset.zip((a, b)))) == [(1, 4), (2, 5), (3, 6)]
    assert values(Dataset.range(1, 4).flat_map(lambda x: Dataset.from_tensors(x).repeat(x))) \
        == [1, 2, 2, 3, 3, 3]
    inter = Dataset.range(1, 4).interleave(lambda x: Dataset.from_tensors(x).repeat(3),
                                           cycle_length=2, block_length=2)
    assert values(inter) == [1, 1, 2, 2, 1, 2, 3, 3, 3] and int(inter.cardinality()) == -2
    parallel = Dataset.range(1, 4).interleave(lambda x: Dataset.from_tensors(x).repeat(3),
                                              cycle_length=2, block_length=2,
                                              num_parallel_calls=2)
    assert values(parallel) == values(inter)
    nested = Dataset.range(3).flat_map(lambda x: Dataset.range(2).map(lambda i: i + x))
    assert nested.element_spec == spec([], tf.int64) and values(nested) == [0, 1, 1, 2, 2, 3]
    with pytest.raises(InvalidArgumentError, match="must return a `Dataset`"):
        Dataset.range(3).flat_map(lambda x: x)


def test_slicing_repeat_zip_concatenate_and_cardinalities():
    r = Dataset.range
    assert values(r(10).shard(3, 1)) == [1, 4, 7] and int(r(10).shard(3, 1).cardinality()) == 3
    with pytest.raises(InvalidArgumentError, match="Index must be between 0 and 2"):
        r(10).shard(3, 3)
    assert values(r(5).skip(2)) == [2, 3, 4] and values(r(5).take(-1)) == [0, 1, 2, 3, 4]
    card = {
        "skip -1": r(5).skip(-1), "skip 9": r(5).skip(9), "take 9": r(5).take(9),
        "repeat": r(5).repeat(), "repeat 2": r(5).repeat(2), "repeat empty": r(0).repeat(),
        "take inf": r(5).repeat().take(3), "inf unknown": r(3).filter(lambda x: True).repeat(),
        "zip": Dataset.zip((r(3), r(5))), "zip inf": Dataset.zip((r(3).repeat(), r(2).repeat())),
        "zip unknown": Dataset.zip((r(3).filter(lambda x: True), r(2))),
        "concat inf": r(3).repeat().concatenate(r(2)), "skip inf": r(3).repeat().skip(2),
        "enumerate": r(3).enumerate(), "take 0": r(3).take(0)}
    assert {k: int(d.cardinality()) for k, d in card.items()} == {
        "skip -1": 0, "skip 9": 0, "take 9": 5, "repeat": -1, "repeat 2": 10, "repeat empty": 0,
        "take inf": 3, "inf unknown": -1, "zip": 3, "zip inf": -1, "zip unknown": -2,
        "concat inf": -1, "skip inf": -1, "enumerate": 3, "take 0": 0}
    assert tf.data.INFINITE_CARDINALITY == -1 and tf.data.UNKNOWN_CARDINALITY == -2
    assert tf.data.AUTOTUNE == tf.data.experimental.AUTOTUNE == -1
    assert int(tf.data.experimental.cardinality(r(3))) == 3 and len(r(5)) == 5
    with pytest.raises(TypeError, match="infinite"):
        len(r(3).repeat())
    with pytest.raises(TypeError, match="unknown"):
        len(r(3).filter(lambda x: True))
    assert values(r(0).repeat()) == []  # an empty dataset repeated forever ends
    assert values(Dataset.zip(r(3), r(5, 8))) == [(0, 5), (1, 6), (2, 7)]
    assert Dataset.zip({"a": r(3), "b": r(2)}).element_spec == {"a": spec([], tf.int64),
                                                                "b": spec([], tf.int64)}
    with pytest.raises(InvalidArgumentError, match="Invalid input to `zip`"):
        Dataset.zip((r(3), 5))
    assert values(r(2).concatenate(r(5, 7))) == [0, 1, 5, 6]
    assert Dataset.from_tensors([1]).concatenate(Dataset.from_tensors([1, 2])).element_spec == \
        spec([None], tf.int32)
    with pytest.raises(InvalidArgumentError, match="Incompatible dataset elements"):
        r(2).concatenate(Dataset.from_tensor_slices([1.0]))
    assert values(Dataset.from_tensor_slices([5, 6]).enumerate(start=3)) == [(3, 5), (4, 6)]
    assert values(r(3).apply(lambda d: d.map(lambda x: x * 2))) == [0, 2, 4]
    assert int(Dataset.from_tensors(5).get_single_element()) == 5
    with pytest.raises(InvalidArgumentError, match="more than one element"):
        r(2).get_single_element()
    with pytest.raises(InvalidArgumentError, match="empty"):
        r(0).get_single_element()
    chosen = Dataset.choose_from_datasets([r(3), r(10, 13)], Dataset.from_tensor_slices(
        np.array([0, 1, 1, 0], np.int64)))
    assert values(chosen) == [0, 10, 11, 1]
    sampled = values(Dataset.sample_from_datasets([r(3), r(10, 13)], seed=1))
    assert sorted(sampled) == [0, 1, 2, 10, 11, 12]


def test_shuffle():
    ds = Dataset.range(20).shuffle(20, seed=3)
    first, second = values(ds), values(ds)
    assert sorted(first) == list(range(20)) and first != list(range(20))
    assert first != second  # reshuffled each iteration
    assert values(Dataset.range(20).shuffle(20, seed=3)) == first  # reproducible
    fixed = Dataset.range(20).shuffle(20, reshuffle_each_iteration=False)
    assert values(fixed) == values(fixed)
    small = values(Dataset.range(100).shuffle(2, seed=0))
    assert sorted(small) == list(range(100))
    assert all(abs(v - i) < 60 for i, v in enumerate(small))  # a small buffer moves little
    with pytest.raises(InvalidArgumentError, match="buffer_size must be greater than zero"):
        Dataset.range(3).shuffle(0)
    tf.random.set_seed(5)
    a = values(Dataset.range(10).shuffle(10))
    tf.random.set_seed(5)
    assert values(Dataset.range(10).shuffle(10)) == a


def test_cache_in_memory_and_in_a_file(tmp_path):
    calls = []

    def gen():
        calls.append(1)
        yield from (np.array([i, i], np.float32) for i in range(3))
    src = Dataset.from_generator(gen, output_signature=spec([2], tf.float32))
    mem = src.cache()
    assert values(mem) == values(mem) == [[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]] and len(calls) == 1
    partial = src.cache()
    next(iter(partial))  # an interrupted first pass is not kept
    assert len(values(partial)) == 3 and len(calls) == 3
    path = str(tmp_path / "c" / "cache")
    strings = Dataset.from_tensor_slices((["a", "bé", ""], [[1, 2], [3, 4], [5, 6]]))
    assert values(strings.cache(path)) == [(b"a", [1, 2]), ("bé".encode(), [3, 4]), (b"", [5, 6])]
    assert os.path.exists(path + ".gfcache") and not [
        p for p in os.listdir(tmp_path / "c") if "tmp" in p]
    reread = Dataset.from_tensor_slices((["x"], [[0, 0]])).cache(path)  # the file wins
    assert values(reread)[2] == (b"", [5, 6])
    assert b"pickle" not in open(path + ".gfcache", "rb").read()
    with pytest.raises(InvalidArgumentError, match="was written for elements"):
        list(Dataset.range(3).cache(path))


def test_prefetch_uses_a_background_thread_and_forwards_errors():
    names = []

    def gen():
        for i in range(5):
            names.append(threading.current_thread().name)
            yield i
    ds = Dataset.from_generator(gen, output_signature=spec([], tf.int64)).prefetch(
        tf.data.AUTOTUNE)
    assert values(ds) == [0, 1, 2, 3, 4]
    assert set(names) == {"graphflow-data-prefetch"}

    def bad():
        yield 1
        raise RuntimeError("boom")
    failing = Dataset.from_generator(bad, output_signature=spec([], tf.int64)).prefetch(2)
    it = iter(failing)
    assert int(next(it)) == 1
    with pytest.raises(RuntimeError, match="boom"):
        next(it)
    before = threading.active_count()
    for _ in range(5):
        it = iter(Dataset.range(10 ** 6).prefetch(1))
        next(it)
        del it  # an abandoned iterator stops its thread
    deadline = time.time() + 5
    while threading.active_count() > before and time.time() < deadline:
        time.sleep(0.05)
    assert threading.active_count() <= before


def test_parallel_map_runs_concurrently_and_keeps_order():
    ds = Dataset.range(16).map(lambda x: x * x, num_parallel_calls=4)
    assert repr(ds).startswith("<_ParallelMapDataset")
    fn = ds._fn
    run, state = fn.run, {"now": 0, "max": 0, "threads": set()}
    lock = threading.Lock()

    def slow_run(arrays):  # sleeping releases the GIL, as a NumPy or Numba kernel would
        with lock:
            state["now"] += 1
            state["max"] = max(state["max"], state["now"])
            state["threads"].add(threading.get_ident())
        time.sleep(0.01)
        out = run(arrays)
        with lock:
            state["now"] -= 1
        return out
    fn.run = slow_run
    assert values(ds) == [x * x for x in range(16)]
    assert state["max"] > 1 and len(state["threads"]) > 1
    auto = Dataset.range(8).map(lambda x: x + 1, num_parallel_calls=tf.data.AUTOTUNE,
                                deterministic=False)
    assert sorted(values(auto)) == list(range(1, 9))
    words = Dataset.from_tensor_slices(["1", "2", "x", "4"])
    it = iter(words.map(tf.strings.to_number, num_parallel_calls=2))
    assert [float(next(it)) for _ in range(2)] == [1.0, 2.0]
    with pytest.raises(InvalidArgumentError, match="could not correctly convert string: x"):
        next(it)  # a worker's error is raised at its element


def test_options():
    o = tf.data.Options()
    assert o.deterministic is None
    o.deterministic = False
    o.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.OFF
    o.threading.private_threadpool_size = 2
    ds = Dataset.range(3).with_options(o).map(lambda x: x)
    assert ds.options().deterministic is False
    assert ds.options().experimental_distribute.auto_shard_policy == \
        tf.data.experimental.AutoShardPolicy.OFF
    assert tf.data.Options().experimental_distribute.auto_shard_policy == \
        tf.data.experimental.AutoShardPolicy.AUTO
    with pytest.raises(AttributeError, match="Cannot set the property nonsense"):
        o.nonsense = 1


def test_text_lines_and_list_files(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"a\nb\r\n\nlast")
    (tmp_path / "b.txt").write_bytes(b"x\n")
    lines = tf.data.TextLineDataset([str(tmp_path / "a.txt"), str(tmp_path / "b.txt")])
    assert values(lines) == [b"a", b"b", b"", b"last", b"x"]
    files = Dataset.list_files(str(tmp_path / "*.txt"), shuffle=False)
    assert values(files) == [str(tmp_path / n).encode() for n in ("a.txt", "b.txt")]
    per_file = files.interleave(tf.data.TextLineDataset, cycle_length=2)
    assert values(per_file) == [b"a", b"x", b"b", b"", b"last"]
    with pytest.raises(InvalidArgumentError, match="No files matched"):
        Dataset.list_files(str(tmp_path / "*.nope"))


def _model():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(keras.optimizers.Adam(0.05), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def test_fit_and_evaluate_on_datasets_of_any_cardinality():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 4)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int32)
    ds = Dataset.from_tensor_slices((x, y)).shuffle(64, seed=1).batch(16).prefetch(2)
    model = _model()
    history = model.fit(ds, epochs=5, verbose=0)
    assert len(history.history["loss"]) == 5
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert model.evaluate(ds, verbose=0, return_dict=True)["accuracy"] > 0.7
    unknown = Dataset.from_tensor_slices((x, y)).filter(lambda a, b: True).batch(16)
    assert int(unknown.cardinality()) == -2
    assert len(model.fit(unknown, epochs=2, verbose=0).history["loss"]) == 2
    infinite = Dataset.from_tensor_slices((x, y)).batch(16).repeat()
    model.fit(infinite, epochs=2, steps_per_epoch=3, validation_data=unknown, verbose=0)
    assert len(model.evaluate(infinite, steps=2, verbose=0)) == 2
    weighted = Dataset.from_tensor_slices((x, y, np.ones(64, np.float32))).batch(16)
    assert len(model.evaluate(weighted, verbose=0)) == 2
    assert model.predict(Dataset.from_tensor_slices(x).batch(16), verbose=0).shape == (64, 2)
