"""keras.config, keras.backend's dtype helpers, keras.random and keras.tree: values, seeds,
structure rules and errors as Keras 3.15 (TF 2.21's Keras) gives them."""
import collections
import logging

import numpy as np
import pytest

import graphflow as tf
from graphflow import keras
from graphflow.errors import InvalidArgumentError, UnimplementedError

RESULT_TYPES = {  # keras.backend.result_type(a, b) in Keras 3.15 ("int"/"float": Python int/float)
    ("bool", "bool"): "bool", ("bool", "uint8"): "uint8", ("bool", "uint16"): "uint16",
    ("bool", "uint32"): "uint32", ("bool", "uint64"): "uint32", ("bool", "int8"): "int8",
    ("bool", "int16"): "int16", ("bool", "int32"): "int32", ("bool", "int64"): "int64",
    ("bool", "bfloat16"): "bfloat16", ("bool", "float16"): "float16",
    ("bool", "float32"): "float32", ("bool", "float64"): "float64", ("uint8", "uint8"): "uint8",
    ("uint8", "uint16"): "uint16", ("uint8", "uint32"): "uint32", ("uint8", "uint64"): "uint32",
    ("uint8", "int8"): "int16", ("uint8", "int16"): "int16", ("uint8", "int32"): "int32",
    ("uint8", "int64"): "int64", ("uint8", "bfloat16"): "bfloat16",
    ("uint8", "float16"): "float16", ("uint8", "float32"): "float32",
    ("uint8", "float64"): "float64", ("uint16", "uint16"): "uint16",
    ("uint16", "uint32"): "uint32", ("uint16", "uint64"): "uint32", ("uint16", "int8"): "int32",
    ("uint16", "int16"): "int32", ("uint16", "int32"): "int32", ("uint16", "int64"): "int64",
    ("uint16", "bfloat16"): "bfloat16", ("uint16", "float16"): "float16",
    ("uint16", "float32"): "float32", ("uint16", "float64"): "float64",
    ("uint32", "uint32"): "uint32", ("uint32", "uint64"): "uint32", ("uint32", "int8"): "int64",
    ("uint32", "int16"): "int64", ("uint32", "int32"): "int64", ("uint32", "int64"): "int64",
    ("uint32", "bfloat16"): "bfloat16", ("uint32", "float16"): "float16",
    ("uint32", "float32"): "float32", ("uint32", "float64"): "float64",
    ("uint64", "uint64"): "uint32", ("uint64", "int8"): "float32", ("uint64", "int16"): "float32",
    ("uint64", "int32"): "float32", ("uint64", "int64"): "float32",
    ("uint64", "bfloat16"): "bfloat16", ("uint64", "float16"): "float16",
    ("uint64", "float32"): "float32", ("uint64", "float64"): "float64", ("int8", "int8"): "int8",
    ("int8", "int16"): "int16", ("int8", "int32"): "int32", ("int8", "int64"): "int64",
    ("int8", "bfloat16"): "bfloat16", ("int8", "float16"): "float16",
    ("int8", "float32"): "float32", ("int8", "float64"): "float64", ("int16", "int16"): "int16",
    ("int16", "int32"): "int32", ("int16", "int64"): "int64", ("int16", "bfloat16"): "bfloat16",
    ("int16", "float16"): "float16", ("int16", "float32"): "float32",
    ("int16", "float64"): "float64", ("int32", "int32"): "int32", ("int32", "int64"): "int64",
    ("int32", "bfloat16"): "bfloat16", ("int32", "float16"): "float16",
    ("int32", "float32"): "float32", ("int32", "float64"): "float64", ("int64", "int64"): "int64",
    ("int64", "bfloat16"): "bfloat16", ("int64", "float16"): "float16",
    ("int64", "float32"): "float32", ("int64", "float64"): "float64",
    ("bfloat16", "bfloat16"): "bfloat16", ("bfloat16", "float16"): "float32",
    ("bfloat16", "float32"): "float32", ("bfloat16", "float64"): "float64",
    ("float16", "float16"): "float16", ("float16", "float32"): "float32",
    ("float16", "float64"): "float64", ("float32", "float32"): "float32",
    ("float32", "float64"): "float64", ("float64", "float64"): "float64",
    ("bool", "int"): "int32", ("bool", "float"): "float32", ("uint8", "int"): "uint8",
    ("uint8", "float"): "float32", ("uint16", "int"): "uint16", ("uint16", "float"): "float32",
    ("uint32", "int"): "uint32", ("uint32", "float"): "float32", ("uint64", "int"): "uint32",
    ("uint64", "float"): "float32", ("int8", "int"): "int8", ("int8", "float"): "float32",
    ("int16", "int"): "int16", ("int16", "float"): "float32", ("int32", "int"): "int32",
    ("int32", "float"): "float32", ("int64", "int"): "int64", ("int64", "float"): "float32",
    ("bfloat16", "int"): "bfloat16", ("bfloat16", "float"): "bfloat16",
    ("float16", "int"): "float16", ("float16", "float"): "float16", ("float32", "int"): "float32",
    ("float32", "float"): "float32", ("float64", "int"): "float64",
    ("float64", "float"): "float64",
}


# -- config / backend ----------------------------------------------------------------------------

def test_config_defaults_and_supported_values():
    c = keras.config
    assert (c.floatx(), c.epsilon(), c.image_data_format()) == ("float32", 1e-7, "channels_last")
    assert c.backend() == keras.backend.backend() == "graphflow"
    c.set_floatx("float32")
    c.set_epsilon(1e-7)
    c.set_image_data_format("channels_last")
    c.set_dtype_policy("float32")
    c.set_dtype_policy(keras.DTypePolicy("float32"))
    policy = c.dtype_policy()
    assert (policy.name, policy.compute_dtype, policy.variable_dtype) == ("float32",) * 3
    assert repr(policy) == '<DTypePolicy "float32">' and policy == keras.FloatDTypePolicy()
    assert keras.DTypePolicy.from_config(policy.get_config()) == policy


@pytest.mark.parametrize("call, error, message", [
    (lambda: keras.config.set_floatx("int32"), InvalidArgumentError,
     "Unknown `floatx` value: int32"),
    (lambda: keras.backend.set_floatx("bfloat16"), UnimplementedError, "no bfloat16 dtype"),
    (lambda: keras.config.set_epsilon("a"), TypeError, "expected a real number"),
    (lambda: keras.config.set_dtype_policy("mixed_float16"), UnimplementedError,
     "mixed precision is not built"),
    (lambda: keras.config.set_dtype_policy("bfloat16"), UnimplementedError, "no bfloat16"),
    (lambda: keras.config.set_dtype_policy("foo"), InvalidArgumentError,
     "Cannot convert 'foo' to a mixed precision DTypePolicy"),
    (lambda: keras.config.set_dtype_policy(3), InvalidArgumentError, "Invalid `policy` argument"),
    (lambda: keras.config.set_image_data_format("x"), InvalidArgumentError,
     "must be one of {'channels_first', 'channels_last'}"),
    (lambda: keras.config.set_image_data_format("channels_first"), InvalidArgumentError,
     "only 'channels_last'"),
])
def test_config_refuses_what_graphflow_cannot_honour(call, error, message):
    with pytest.raises(error, match=message.replace("(", r"\(").replace("[", r"\[")):
        call()
    assert keras.config.floatx() == "float32" and keras.config.epsilon() == 1e-7
    assert keras.layers.Dense(2).dtype == "float32"  # nothing changed


def test_recorded_settings():
    c = keras.config
    assert c.is_traceback_filtering_enabled()
    c.disable_traceback_filtering()
    assert not c.is_traceback_filtering_enabled()
    c.enable_traceback_filtering()
    assert c.is_traceback_filtering_enabled()
    assert c.is_flash_attention_enabled() is None
    c.enable_flash_attention()
    assert c.is_flash_attention_enabled() is True
    c.disable_flash_attention()
    assert c.is_flash_attention_enabled() is False
    c.enable_unsafe_deserialization()
    assert c.is_unsafe_deserialization_enabled()


def test_interactive_logging_sends_progress_to_the_logger(capsys, caplog):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    x = np.ones((4, 2), "float32")
    keras.config.disable_interactive_logging()
    try:
        assert not keras.utils.is_interactive_logging_enabled()
        with caplog.at_level(logging.INFO, logger="graphflow.keras"):
            model.fit(x, x[:, :1], epochs=2, verbose=2)
    finally:
        keras.config.enable_interactive_logging()
    assert capsys.readouterr().out == ""
    messages = [r.getMessage() for r in caplog.records if r.name == "graphflow.keras"]
    assert "Epoch 1/2" in messages and any("loss:" in m for m in messages)
    model.fit(x, x[:, :1], epochs=2, verbose=2)
    assert "Epoch 2/2" in capsys.readouterr().out


def test_result_type_matches_keras_on_every_pair():
    names = {"int": int, "float": float}
    for (a, b), expected in RESULT_TYPES.items():
        got = keras.backend.result_type(a, names.get(b, b))
        assert got == expected, (a, b)
        if b not in names:
            assert keras.backend.result_type(b, a) == expected
    assert keras.backend.result_type() == "float32"
    assert keras.backend.result_type(int) == "int32"
    assert keras.backend.result_type(int, float) == "float32"
    with pytest.raises(InvalidArgumentError, match="no implicit conversions from float8"):
        keras.backend.result_type("float8_e4m3fn", "float32")


def test_dtype_helpers():
    b = keras.backend
    assert [b.standardize_dtype(d) for d in (None, int, float, bool, str, np.float64,
                                             np.dtype("int16"), tf.float16, "uint8")] == \
        ["float32", "int64", "float32", "bool", "string", "float64", "int16", "float16", "uint8"]
    assert b.standardize_dtype(keras.ops.ones(1).dtype) == "float32"
    for bad in ("foo", "float", [1]):
        with pytest.raises(InvalidArgumentError, match="Invalid dtype"):
            b.standardize_dtype(bad)
    assert b.is_float_dtype("bfloat16") and b.is_float_dtype(float) and not b.is_float_dtype(int)
    assert b.is_int_dtype("uint64") and b.is_int_dtype(int) and not b.is_int_dtype("bool")
    assert keras.utils.standardize_dtype is b.standardize_dtype


def test_get_uid_shares_the_layer_name_counters():
    keras.backend.clear_session()
    assert [keras.backend.get_uid("x"), keras.backend.get_uid("x"), keras.backend.get_uid()] == \
        [1, 2, 1]
    assert keras.backend.get_uid("dense") == 1
    assert keras.layers.Dense(1).name == "dense_1"  # the uid above took "dense"
    keras.utils.clear_session()
    assert keras.backend.get_uid("x") == 1 and keras.layers.Dense(1).name == "dense"


def test_is_keras_tensor():
    x = keras.Input((2,))
    assert keras.backend.is_keras_tensor(x) and keras.utils.is_keras_tensor(x)
    assert not keras.backend.is_keras_tensor(tf.ones(2))
    assert isinstance(x, keras.KerasTensor)


# -- random --------------------------------------------------------------------------------------

def test_int_seed_is_stateless_and_generator_advances():
    r = keras.random
    for fn in (lambda s: r.normal((4,), seed=s), lambda s: r.uniform((4,), seed=s),
               lambda s: r.truncated_normal((4,), seed=s), lambda s: r.randint((4,), 0, 9, seed=s),
               lambda s: r.gamma((4,), 2.0, seed=s), lambda s: r.beta((4,), 2.0, 3.0, seed=s),
               lambda s: r.binomial((4,), 5, 0.5, seed=s),
               lambda s: r.categorical([[0.0, 1.0, 2.0]], 6, seed=s),
               lambda s: r.shuffle(np.arange(8), seed=s),
               lambda s: r.dropout(np.ones((4, 4), "float32"), 0.5, seed=s)):
        assert np.array_equal(fn(3), fn(3))
        gen = r.SeedGenerator(3)
        a, b = fn(gen), fn(gen)
        assert np.array_equal(a, fn(r.SeedGenerator(3)))  # a generator's first draw repeats
        if np.asarray(a).size > 4:
            assert not np.array_equal(a, b)
    gen = r.SeedGenerator(5)
    r.normal((2,), seed=gen)
    r.normal((2,), seed=gen)
    assert gen.state.numpy().tolist() == [5, 2] and gen.state.dtype == tf.int64
    assert gen.get_config()["seed"] == 5 and not gen.state.trainable


def test_unseeded_draws_follow_set_random_seed():
    keras.utils.set_random_seed(11)
    a = keras.random.normal((3,))
    b = keras.random.normal((3,))
    keras.utils.set_random_seed(11)
    assert np.array_equal(a, keras.random.normal((3,)))
    assert np.array_equal(b, keras.random.normal((3,)))
    assert not np.array_equal(a, b)


def test_random_dtypes_shapes_and_distributions():
    r = keras.random
    assert r.normal((2, 3), seed=1).dtype == tf.float32
    assert r.normal((2,), dtype="float64", seed=1).dtype == tf.float64
    assert r.randint((2,), 0, 3, seed=1).dtype == tf.int32
    assert r.randint((2,), 0, 3, dtype="uint8", seed=1).dtype == tf.uint8
    assert r.categorical([[0.0, 0.0]], 3, seed=1).dtype == tf.int32
    assert r.binomial((3,), 5, 0.5, seed=1).dtype == tf.float32
    u = r.uniform((2000,), 2.0, 4.0, seed=2).numpy()
    assert u.min() >= 2 and u.max() < 4 and abs(u.mean() - 3) < 0.1
    n = r.normal((4000,), 1.0, 2.0, seed=2).numpy()
    assert abs(n.mean() - 1) < 0.15 and abs(n.std() - 2) < 0.15
    t = r.truncated_normal((4000,), seed=2).numpy()
    assert np.abs(t).max() <= 2
    counts = r.binomial((2, 3), [[2.0, 5.0, 9.0]], [0.5, 0.0, 1.0], seed=4).numpy()
    assert counts.tolist() == [[counts[0, 0], 0, 9], [counts[1, 0], 0, 9]]
    assert 0 <= counts[:, 0].min() and counts[:, 0].max() <= 2
    cats = r.categorical(np.log([[0.1, 0.9]]), 4000, seed=1).numpy()
    assert abs(cats.mean() - 0.9) < 0.03
    x = np.arange(12.0, dtype="float32").reshape(3, 4)
    shuffled = r.shuffle(x, axis=1, seed=3).numpy()
    assert sorted(shuffled[0].tolist()) == x[0].tolist()
    assert (shuffled - shuffled[:, :1] == x - x[:, :1])[:, :1].all()  # whole columns move
    kept = r.dropout(np.ones((100, 3), "float32"), 0.25, noise_shape=(None, 1), seed=5).numpy()
    assert set(np.unique(kept)) <= {0.0, np.float32(4 / 3)} and (kept == kept[:, :1]).all()
    assert r.dropout(x, 0.0) is not None and np.array_equal(r.dropout(x, 1.0), np.zeros_like(x))


def test_random_in_a_traced_function_advances_the_generator():
    gen = keras.random.SeedGenerator(9)

    @tf.function
    def draw():
        return keras.random.uniform((3,), seed=gen)
    a, b = draw(), draw()
    assert not np.array_equal(a, b) and gen.state.numpy().tolist() == [9, 2]


@pytest.mark.parametrize("call, message", [
    (lambda: keras.random.normal((2,), seed="a"),
     "Argument `seed` must be either an integer or an instance of `SeedGenerator`"),
    (lambda: keras.random.SeedGenerator(1.5), "Argument `seed` must be an integer"),
    (lambda: keras.random.SeedGenerator(1, foo=2), "Unrecognized keyword arguments"),
    (lambda: keras.random.uniform((2,), dtype="int32", seed=1), "requires a floating point"),
    (lambda: keras.random.dropout(np.ones(2), 1.5), "rate must be in"),
    (lambda: keras.random.binomial((2,), -1, 0.5), "whole numbers >= 0"),
])
def test_random_errors(call, message):
    with pytest.raises(InvalidArgumentError, match=message):
        call()


# -- tree ----------------------------------------------------------------------------------------
P = collections.namedtuple("P", "x y")
Q = collections.namedtuple("Q", "x y")


def test_tree_flatten_and_pack():
    t = keras.tree
    od = collections.OrderedDict([("b", 1), ("a", 2)])
    assert t.flatten({"b": 1, "a": [2, None]}) == [2, None, 1]
    assert t.flatten(od) == [1, 2]  # an OrderedDict keeps its order; a dict is sorted
    assert t.flatten(collections.defaultdict(int, {"b": 1, "a": 2})) == [2, 1]
    assert t.flatten(None) == [None] and t.flatten([]) == [] and t.flatten(P(1, [2])) == [1, 2]

    class MyDict(dict):
        pass
    assert t.flatten(MyDict(a=1)) == [{"a": 1}] and not t.is_nested(MyDict())
    assert [t.is_nested(v) for v in ([], (1,), {}, None, "ab", {1}, np.ones(2))] == \
        [True, True, True, False, False, False, False]
    assert t.pack_sequence_as(od, [5, 6]) == collections.OrderedDict([("b", 5), ("a", 6)])
    assert t.pack_sequence_as(P(0, 0), [3, 4]) == P(3, 4)
    assert t.pack_sequence_as({"b": 0, "a": 0}, (7, 8)) == {"b": 8, "a": 7}
    assert list(t.pack_sequence_as({"b": 0, "a": 0}, [7, 8])) == ["b", "a"]
    assert t.pack_sequence_as(None, [5]) == 5 and t.pack_sequence_as([0, 0], iter([1, 2])) == [1, 2]
    with pytest.raises(ValueError, match="Too few leaves for PyTreeSpec; expected: 2, got: 1"):
        t.pack_sequence_as([0, 0], [1])
    with pytest.raises(ValueError, match="Too many leaves for PyTreeSpec; expected: 2"):
        t.pack_sequence_as([0, 0], [1, 2, 3])
    assert t.flatten_with_path(od) == [(("b",), 1), (("a",), 2)]
    assert t.flatten_with_path(P(1, [2])) == [((0,), 1), ((1, 0), 2)]
    assert t.flatten_with_path(5) == [((), 5)]


@pytest.mark.parametrize("a, b, message", [
    ([1, 2], (1, 2), "Expected an instance of list, got (1, 2)."),
    ((1, 2), (1, 2, 3), "tuple arity mismatch; expected: 2, got: 3; tuple: (1, 2, 3)."),
    (P(1, 2), (1, 2), "Expected an instance of collections.namedtuple, got (1, 2)."),
    ((1, 2), P(1, 2), "Expected an instance of tuple, got P(x=1, y=2)."),
    (P(1, 2), Q(1, 2), "namedtuple type mismatch"),
    ([1], None, "Expected an instance of list, got None."),
    (None, [1], "Structures don't have the same nested structure."),
    ({"a": 1}, [1], "Expected an instance of dict, collections.OrderedDict, or "
                    "collections.defaultdict, got [1]."),
    ({"a": 1}, {"b": 1}, "dictionary key mismatch; expected key(s): ['a'], got key(s): ['b'], "
                         "missing key(s): ['a'], extra key(s): ['b']; dict: {'b': 1}."),
])
def test_tree_assert_same_structure_messages(a, b, message):
    with pytest.raises(ValueError) as info:
        keras.tree.assert_same_structure(a, b)
    assert str(info.value) == message or message in str(info.value)


def test_tree_same_structure_and_maps():
    t = keras.tree
    t.assert_same_structure((1, None), (1, 2))
    t.assert_same_structure({"a": 1, "b": 2}, collections.OrderedDict([("b", 1), ("a", 2)]))
    assert t.map_structure(lambda a, b: (a, b), {"a": 1, "b": 2},
                           collections.OrderedDict([("b", 1), ("a", 2)])) == \
        {"a": (1, 2), "b": (2, 1)}
    assert t.map_structure(lambda a, b: (a, b), [1, None], [None, 2]) == [(1, None), (None, 2)]
    assert t.map_structure(lambda x: x, [[]]) == [[]]
    with pytest.raises(ValueError, match="list arity mismatch"):
        t.map_structure(lambda a, b: a, [1, 2], [1, 2, 3])
    with pytest.raises(TypeError, match="'int' object is not callable"):
        t.map_structure(1, [1])
    with pytest.raises(ValueError, match="Must provide at least one structure"):
        t.map_structure(lambda x: x)
    assert t.map_structure_up_to({"a": 0}, lambda x: x, {"a": [1, 2]}) == {"a": [1, 2]}
    assert t.map_structure_up_to((0, 0), lambda a, b: (a, b), ([1, 2], [3]), ("x", "y")) == \
        (([1, 2], "x"), ([3], "y"))
    with pytest.raises(ValueError, match="Structures don't have the same nested structure"):
        t.map_structure_up_to((None, None), lambda a: a, ([1, 2], [3]))
    t.assert_same_paths([1, 2], (3, 4))
    with pytest.raises(ValueError, match=r"Paths in `b` missing in `a`:\n\{\('b', 1\)\}"):
        t.assert_same_paths({"a": 1, "b": [1]}, {"a": 1, "b": [1, 2]})


def test_tree_traverse_and_shapes():
    t = keras.tree
    assert t.traverse(lambda x: None, [1, (2, 3)]) == [1, (2, 3)]
    assert t.traverse(lambda x: 0 if isinstance(x, tuple) else None, [1, (2, 3)]) == [1, 0]
    assert t.traverse(lambda x: t.MAP_TO_NONE if x == 2 else None, [1, (2, 3)]) == [1, (None, 3)]
    seen = []
    t.traverse(lambda x: seen.append(x), [1, (2,)], top_down=False)
    assert seen == [1, 2, (2,), [1, (2,)]]  # children first
    assert t.lists_to_tuples([[1, None], {"a": [2]}]) == ((1, None), {"a": (2,)})
    assert t.map_shape_structure(lambda s: s, {"a": (2, 3), "b": [None, 4]}) == \
        {"a": (2, 3), "b": [None, 4]}
    assert t.map_shape_structure(len, {"a": (2, 3), "b": [(None, 4), (5,)]}) == \
        {"a": 2, "b": [2, 1]}


def test_max_epochs_and_steps_cap_fit_evaluate_predict(monkeypatch):
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    x = np.ones((64, 1), "float32")
    seen = []
    cb = keras.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: seen.append(batch))
    keras.config.set_max_epochs(2)
    keras.config.set_max_steps_per_epoch(3)
    try:
        with pytest.warns(UserWarning) as caught:
            history = model.fit(x, x, epochs=5, batch_size=8, verbose=0, callbacks=[cb])
            assert model.predict(x, batch_size=8, verbose=0).shape == (24, 1)
    finally:
        keras.config.set_max_epochs(None)
        keras.config.set_max_steps_per_epoch(None)
    assert len(history.history["loss"]) == 2 and seen == [0, 1, 2, 0, 1, 2]
    assert {"Limiting epochs to 2", "Limiting steps_per_epoch to 3"} <= \
        {str(w.message) for w in caught}
    assert keras.config.max_epochs() is None
    monkeypatch.setenv("KERAS_MAX_EPOCHS", "1")
    assert keras.config.max_epochs() == 1
    with pytest.warns(UserWarning, match="Limiting epochs to 1"):
        assert len(model.fit(x, x, epochs=3, verbose=0).history["loss"]) == 1
    with pytest.raises(InvalidArgumentError, match="expected an integer >= 1 or None"):
        keras.config.set_max_epochs(0)


def test_seed_generator_in_a_layer_advances_in_compiled_fit():
    class Noisy(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.gen = keras.random.SeedGenerator(1)

        def call(self, x, training=False):
            return keras.random.dropout(x, 0.5, seed=self.gen) if training else x
    noisy = Noisy()
    model = keras.Sequential([keras.Input((4,)), noisy, keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    model.fit(np.ones((8, 4), "float32"), np.ones((8, 1), "float32"), batch_size=4, epochs=2,
              verbose=0)
    assert noisy.gen.state.numpy().tolist() == [1, 4]  # one draw per step
    np.testing.assert_array_equal(noisy(np.ones((2, 4), "float32")), np.ones((2, 4)))


def test_unseeded_draw_first_made_in_a_traced_function():
    keras.random.reset_global_seed_generator()

    @tf.function
    def draw():
        return keras.random.normal((2,))
    assert not np.array_equal(draw(), draw())
