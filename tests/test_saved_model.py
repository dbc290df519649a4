"""tf.saved_model: graphflow's SavedModel format (graphflow/saved_model/), checked
against TF 2.21's behaviour: what is saved, loaded functions and signatures, shared variables,
gradients, control flow, errors; keras Model.export and TFSMLayer."""
import io
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import graphflow as tf
from graphflow import keras
from graphflow.backends import reference
from graphflow.errors import DataLossError, InvalidArgumentError, UnimplementedError
from graphflow.graph.ir import Graph
from graphflow.ops.creation import placeholder_node
from graphflow.ops.registry import REGISTRY, dispatch
from graphflow.ops.subgraph import Body
from graphflow.saved_model.encoding import _Decoder, _Encoder

from helpers import SAMPLES, SKIP_FORWARD

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# -- every attr the registry's samples use round-trips ---------------------------------------------

def _same(a, b):
    """Equal values of the same types (tuples stay tuples, arrays keep their dtype)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and \
            np.array_equal(a, b, equal_nan=a.dtype.kind == "f")
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, float) and np.isnan(a):
        return np.isnan(b)
    if isinstance(a, Body):
        return a.n_args == b.n_args and a.graph.as_text() == b.graph.as_text()
    return a == b


def _roundtrip_graph(graph):
    """graph -> JSON text and npz bytes -> a new graph, as save and load do."""
    enc = _Encoder({})
    enc.where = "test graph"
    text = json.dumps(enc.graph(graph))
    buf = io.BytesIO()
    np.savez(buf, **enc.arrays)
    buf.seek(0)
    with np.load(buf, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    new, _ = _Decoder("test.json", arrays, []).graph(json.loads(text))
    return new


def _sample_ops():
    return sorted(n for n in SAMPLES if n not in SKIP_FORWARD)


@pytest.mark.parametrize("name", _sample_ops())
def test_registry_attrs_round_trip(name):
    info = SAMPLES[name]
    dtype = tf.float32 if tf.float32 in info.dtypes else info.dtypes[0]
    arrays, attrs = info(np.random.default_rng(0), dtype)[0]
    arrays = [np.asarray(a) for a in arrays]
    g = Graph(is_function=True, name=name)
    with g.as_default():
        ps = [placeholder_node(a.shape, tf.as_dtype(a.dtype), f"in{i}")
              for i, a in enumerate(arrays)]
        out = dispatch(REGISTRY[name], ps, dict(attrs))
    outs = [o for o in (out if isinstance(out, tuple) else (out,))
            if isinstance(o, tf.Tensor)]
    new = _roundtrip_graph(g)
    assert [n.type for n in new.nodes] == [n.type for n in g.nodes]
    for a, b in zip(g.nodes, new.nodes):
        assert a.name == b.name
        assert list(a.attrs) == list(b.attrs)
        for k in a.attrs:
            assert _same(a.attrs[k], b.attrs[k]), (name, k, a.attrs[k], b.attrs[k])
        assert [(o.shape.dims_tuple(), o.dtype) for o in a.outputs] == \
            [(o.shape.dims_tuple(), o.dtype) for o in b.outputs]
    if REGISTRY[name].kind in ("random", "stateful"):
        return
    inputs = [new.get_operation_by_name(f"in{i}").outputs[0] for i in range(len(arrays))]
    fetches = [new.get_tensor_by_name(o.name) for o in outs]
    expected = reference.compile(g, outs, ps, []).run(list(arrays))
    got = reference.compile(new, fetches, inputs, []).run(list(arrays))
    for e, r in zip(expected, got):
        np.testing.assert_array_equal(np.asarray(r), np.asarray(e))


def test_string_constants_and_special_values_round_trip():
    g = Graph(is_function=True, name="g")
    with g.as_default():
        s = tf.constant([b"a\x00b", "\u00e9"])
        tf.strings.length(s)
        tf.constant([np.nan, np.inf, -np.inf])
    new = _roundtrip_graph(g)
    value = new.get_operation_by_name("Const").attrs["value"]
    assert value.dtype == object and list(value) == [b"a\x00b", "\u00e9".encode()]
    enc, dec = _Encoder({}), _Decoder("x", {}, [])
    for v in [float("nan"), float("inf"), b"\xff", (1, (2.5, None)), {"k": [1, 2]},
              slice(1, None, 2), Ellipsis, tf.float64, tf.TensorShape([None, 3]),
              np.float32(1.5), np.int64(7),
              np.dtype("int16")]:
        encoded = json.loads(json.dumps(enc.value(v)))
        dec.arrays = enc.arrays
        back = dec.value(encoded)
        if isinstance(v, np.generic):
            assert type(back) is type(v) and back == v
        elif isinstance(v, float) and np.isnan(v):
            assert np.isnan(back)
        else:
            assert back == v and type(back) is type(v)


# -- saving and loading modules --------------------------------------------------------------------

class Net(tf.Module):
    def __init__(self):
        super().__init__()
        self.w = tf.Variable([[1.0, 2.0], [3.0, 4.0]], name="w")
        self.b = tf.Variable([0.5, -0.5], name="b")
        self.count = tf.Variable(0.0, trainable=False, name="count")

    @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32)])
    def f(self, x):
        return tf.nn.relu(tf.matmul(x, self.w) + self.b)

    @tf.function
    def g(self, x, scale=2.0):
        return {"y": x * scale, "z": x + self.b}

    @tf.function
    def bump(self):
        self.count.assign_add(1.0)
        return self.count.read_value()

    @tf.function(input_signature=[tf.TensorSpec([], tf.float32)])
    def flow(self, x):
        y = tf.cond(x > 0.0, lambda: x * self.b[0], lambda: -x)
        _, z = tf.while_loop(lambda i, z: i < 3, lambda i, z: (i + 1, z * 2.0),
                             (tf.constant(0), y))
        return z

    @tf.function
    def untraced(self, x):
        return x


@pytest.fixture()
def saved(tmp_path):
    net = Net()
    net.g(tf.constant([1.0, 2.0]))
    net.g(tf.constant([[1.0, 2.0]]), 3.0)
    path = str(tmp_path / "net")
    tf.saved_model.save(net, path, signatures={"serving_default": net.f, "flow": net.flow})
    return net, path


def test_layout_and_contains(saved):
    _, path = saved
    assert sorted(os.listdir(path)) == ["assets", "saved_model.json", "saved_model.npz",
                                        "variables"]
    assert sorted(os.listdir(os.path.join(path, "variables"))) == [
        "variables.data-00000-of-00001", "variables.index"]
    assert tf.saved_model.contains_saved_model(path)
    assert not tf.saved_model.contains_saved_model(os.path.dirname(path))


def test_functions_signatures_and_variables(saved):
    net, path = saved
    loaded = tf.saved_model.load(path)
    x = tf.constant([[1.0, -1.0]])
    np.testing.assert_allclose(loaded.f(x).numpy(), net.f(x).numpy())
    out = loaded.g(tf.constant([1.0, 2.0]))
    assert sorted(out) == ["y", "z"]
    np.testing.assert_allclose(out["y"].numpy(), [2.0, 4.0])
    np.testing.assert_allclose(loaded.g(tf.constant([[1.0, 2.0]]), 3.0)["y"].numpy(), [[3.0, 6.0]])
    with pytest.raises(ValueError, match="Could not find matching concrete function"):
        loaded.g(tf.constant([1.0, 2.0, 3.0]))  # shape (3,) was never traced, as in TF
    with pytest.raises(ValueError, match="Could not find matching concrete function"):
        loaded.g(tf.constant([1.0, 2.0]), 5.0)
    assert float(loaded.bump()) == 1.0  # no parameters: traced when saved, as TF does
    with pytest.raises(ValueError, match="Could not find matching"):
        loaded.untraced(tf.constant(1.0))
    assert sorted(loaded.signatures) == ["flow", "serving_default"]
    serve = loaded.signatures["serving_default"]
    spec = tf.TensorSpec([None, 2], tf.float32, "output_0")
    assert serve.structured_outputs == {"output_0": spec}
    spec = tf.TensorSpec([None, 2], tf.float32, "x")
    assert serve.structured_input_signature == ((), {"x": spec})
    np.testing.assert_allclose(serve(x=x)["output_0"].numpy(), net.f(x).numpy())
    np.testing.assert_allclose(serve(x)["output_0"].numpy(), net.f(x).numpy())  # one input
    with pytest.raises(TypeError, match="missing a required argument: 'x'"):
        serve(y=x)
    assert float(loaded.signatures["flow"](x=tf.constant(1.5))["output_0"]) == \
        float(net.flow(tf.constant(1.5))) == 6.0
    assert float(loaded.flow(tf.constant(-2.0))) == 16.0
    assert [v.name for v in (loaded.w, loaded.b, loaded.count)] == ["w:0", "b:0", "count:0"]
    assert loaded.w.trainable and not loaded.count.trainable


def test_loaded_functions_share_variables_and_differentiate(saved):
    _, path = saved
    loaded = tf.saved_model.load(path)
    x = tf.constant([[1.0, 1.0]])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(loaded.f(x))
    gw, gb = tape.gradient(y, [loaded.w, loaded.b])
    np.testing.assert_allclose(gw.numpy(), [[1.0, 1.0], [1.0, 1.0]])
    np.testing.assert_allclose(gb.numpy(), [1.0, 1.0])
    with tf.GradientTape() as tape:  # through cond and while_loop bodies
        z = loaded.flow(tf.constant(1.5))
    np.testing.assert_allclose(tape.gradient(z, loaded.b).numpy(), [12.0, 0.0])
    loaded.w.assign(tf.zeros([2, 2]))
    np.testing.assert_allclose(loaded.f(x).numpy(), [[0.5, 0.0]])
    np.testing.assert_allclose(loaded.signatures["serving_default"](x=x)["output_0"].numpy(),
                               [[0.5, 0.0]])
    loaded.bump()
    assert float(loaded.bump()) == 2.0 and float(loaded.count) == 2.0


def test_loaded_function_inside_a_new_function(saved):
    net, path = saved
    loaded = tf.saved_model.load(path)

    @tf.function
    def twice(x):
        return loaded.f(x) * 2.0
    x = tf.constant([[2.0, 1.0]])
    np.testing.assert_allclose(twice(x).numpy(), net.f(x).numpy() * 2.0)


def test_resave_a_loaded_object(saved, tmp_path):
    net, path = saved
    loaded = tf.saved_model.load(path)
    again = str(tmp_path / "again")
    tf.saved_model.save(loaded, again, signatures=loaded.f)
    back = tf.saved_model.load(again)
    x = tf.constant([[1.0, 3.0]])
    np.testing.assert_allclose(back.f(x).numpy(), net.f(x).numpy())
    np.testing.assert_allclose(back.signatures["serving_default"](x=x)["output_0"].numpy(),
                               net.f(x).numpy())


SUBPROCESS_OPS = """
import graphflow as tf, numpy as np

class Many(tf.Module):
    def __init__(self):
        self.k = tf.Variable(np.linspace(-1, 1, 72).reshape(3, 3, 2, 4).astype("float32"))
        self.table = tf.Variable([[0.5, 1.0], [2.0, -1.0], [0.0, 3.0]])

    @tf.function(input_signature=[tf.TensorSpec([None, 5, 5, 2], tf.float32),
                                  tf.TensorSpec([None], tf.int32)])
    def __call__(self, images, ids):
        y = tf.nn.conv2d(images, self.k, strides=1, padding="SAME")
        y = tf.nn.max_pool2d(y, 2, 2, "VALID")
        y = tf.reduce_mean(tf.nn.softmax(y, axis=-1), axis=[1, 2])
        e = tf.gather(self.table, ids)
        s = tf.concat([y[:, ::2], tf.cast(tf.one_hot(ids, 2), tf.float32) * e], axis=1)
        n = tf.argmax(s, axis=1, output_type=tf.int32)
        t = tf.transpose(tf.reshape(tf.tile(s, [1, 2]), [-1, 4, 2]), [0, 2, 1])
        c = tf.cumsum(tf.sort(tf.reshape(t, [-1])), reverse=True)
        w = tf.where(c > 0.5, tf.math.exp(-c), tf.math.log1p(tf.abs(c)))
        u = tf.map_fn(lambda r: tf.reduce_sum(r ** 2), s)
        q = tf.strings.length(tf.strings.join([tf.as_string(n), "x"], separator="-"))
        i = tf.constant(0)
        _, acc = tf.while_loop(lambda i, a: i < tf.shape(ids)[0],
                               lambda i, a: (i + 1, a + tf.cond(ids[i] > 0, lambda: 1.0,
                                                                lambda: -1.0)),
                               (i, tf.constant(0.0)))
        return {"s": s, "n": n, "w": w, "u": u, "q": q, "acc": acc,
                "top": tf.math.top_k(s[:, 0], k=2).values}
"""


def test_many_ops_in_a_fresh_process(tmp_path):
    path = str(tmp_path / "many")
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    save = SUBPROCESS_OPS + textwrap.dedent(f"""
        m = Many()
        rng = np.random.default_rng(0)
        images = rng.standard_normal((3, 5, 5, 2)).astype("float32")
        ids = np.array([0, 2, 1], np.int32)
        out = m(images, ids)
        tf.saved_model.save(m, {path!r})
        np.savez({path!r} + "-expected.npz", images=images, ids=ids,
                 **{{k: v.numpy() for k, v in out.items()}})
        """)
    load = textwrap.dedent(f"""
        import graphflow as tf, numpy as np
        data = np.load({path!r} + "-expected.npz", allow_pickle=True)
        loaded = tf.saved_model.load({path!r})
        out = loaded(tf.constant(data["images"]), tf.constant(data["ids"]))
        sig = loaded.signatures["serving_default"](images=data["images"], ids=data["ids"])
        for k, v in out.items():
            np.testing.assert_allclose(v.numpy(), data[k], rtol=1e-6)
            np.testing.assert_allclose(sig[k].numpy(), data[k], rtol=1e-6)
        print("ok")
        """)
    for code in (save, load):  # separate processes: loading needs nothing from the saver
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              env=env, cwd=str(tmp_path), timeout=600)
        assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip().endswith("ok")


# -- errors ----------------------------------------------------------------------------------------

def test_save_errors(tmp_path):
    with pytest.raises(ValueError, match="Expected an object of type `Trackable`"):
        tf.saved_model.save(3, str(tmp_path / "a"))
    m = tf.Module()
    m.v = tf.Variable(1.0)
    m.p = tf.function(lambda x: tf.py_function(lambda a: a * 2, [x], tf.float32),
                      input_signature=[tf.TensorSpec([], tf.float32)])
    with pytest.raises(InvalidArgumentError, match="py_function.*Python callable"):
        tf.saved_model.save(m, str(tmp_path / "b"))
    del m.p
    other = tf.Variable(5.0)
    m.u = tf.function(lambda: other * 2.0)
    with pytest.raises(InvalidArgumentError, match="does not track"):
        tf.saved_model.save(m, str(tmp_path / "c"))
    del m.u
    m.k = tf.function(lambda a: a)
    with pytest.raises(ValueError, match="Only `tf.functions` with an input signature"):
        tf.saved_model.save(m, str(tmp_path / "d"), signatures=m.k)
    m.n = tf.function(lambda a: [a, (a, a)], input_signature=[tf.TensorSpec([], tf.float32)])
    with pytest.raises(ValueError, match="non-Tensor value .* for key 'output_1'"):
        tf.saved_model.save(m, str(tmp_path / "e"), signatures={"n": m.n})
    assert not os.path.exists(tmp_path / "e" / "saved_model.json")


def _good(tmp_path):
    m = tf.Module()
    m.v = tf.Variable([1.0, 2.0])
    m.f = tf.function(lambda x: x * m.v, input_signature=[tf.TensorSpec([2], tf.float32)])
    path = str(tmp_path / "good")
    tf.saved_model.save(m, path)
    return path


def _edit_json(path, edit):
    file = os.path.join(path, "saved_model.json")
    with open(file) as f:
        doc = json.load(f)
    edit(doc)
    with open(file, "w") as f:
        json.dump(doc, f)


def test_load_errors(tmp_path):
    with pytest.raises(OSError, match="SavedModel file does not exist"):
        tf.saved_model.load(str(tmp_path / "missing"))
    tfdir = tmp_path / "tfmodel"
    tfdir.mkdir()
    (tfdir / "saved_model.pb").write_bytes(b"\x08\x01")
    assert tf.saved_model.contains_saved_model(str(tfdir))
    with pytest.raises(UnimplementedError, match="TensorFlow protobuf SavedModel"):
        tf.saved_model.load(str(tfdir))

    path = _good(tmp_path)
    file = os.path.join(path, "saved_model.json")
    _edit_json(path, lambda d: d["functions"][0]["graph"]["nodes"][1].update(op="no_such_op"))
    with pytest.raises(DataLossError, match="saved_model.json: node .* uses op 'no_such_op'"):
        tf.saved_model.load(path)

    path = _good(tmp_path)
    _edit_json(path, lambda d: d.update(version=99))
    with pytest.raises(DataLossError, match="newer graphflow.*version 99"):
        tf.saved_model.load(path)

    path = _good(tmp_path)
    with open(file, "rb") as f:
        text = f.read()
    with open(file, "wb") as f:
        f.write(text[: len(text) // 2])
    with pytest.raises(DataLossError, match="saved_model.json is damaged"):
        tf.saved_model.load(path)

    path = _good(tmp_path)
    _edit_json(path, lambda d: d["functions"][0]["graph"]["nodes"][-1].update(inputs=["nowhere:0"]))
    with pytest.raises(DataLossError, match="tensor 'nowhere:0' is used before it is made"):
        tf.saved_model.load(path)

    path = _good(tmp_path)
    _edit_json(path, lambda d: d["functions"][0]["graph"]["nodes"][1]["attrs"].update(
        var={"__pickle__": "x"}))
    with pytest.raises(DataLossError, match="unknown attr tag '__pickle__'"):
        tf.saved_model.load(path)

    path = _good(tmp_path)
    npz = os.path.join(path, "saved_model.npz")
    with open(npz, "wb") as f:
        f.write(b"PK\x03\x04 truncated")
    with pytest.raises(DataLossError, match="saved_model.npz is damaged"):
        tf.saved_model.load(path)

    path = _good(tmp_path)
    data = os.path.join(path, "variables", "variables.data-00000-of-00001")
    with open(data, "r+b") as f:
        f.truncate(20)
    with pytest.raises(DataLossError, match="variables.data"):
        tf.saved_model.load(path)


def test_options(tmp_path):
    path = _good(tmp_path)
    loaded = tf.saved_model.load(path, options=tf.saved_model.LoadOptions(
        experimental_skip_checkpoint=True))
    np.testing.assert_array_equal(loaded.v.numpy(), [0.0, 0.0])
    m = tf.Module()
    m.v = tf.Variable(2.0)
    m.f = tf.function(lambda: m.v * 3.0)
    aliased = str(tmp_path / "aliased")
    tf.saved_model.save(m, aliased, options=tf.saved_model.SaveOptions(
        function_aliases={"triple": m.f}))
    loaded = tf.saved_model.load(aliased, options=tf.saved_model.LoadOptions(
        experimental_load_function_aliases=True))
    assert float(loaded.function_aliases["triple"]()) == 6.0
    with pytest.raises(TypeError, match="SaveOptions"):
        tf.saved_model.save(m, aliased, options={"x": 1})


# -- Keras -----------------------------------------------------------------------------------------

def _model():
    inputs = keras.Input((3,), name="features")
    hidden = keras.layers.Dense(4, activation="relu", name="hidden")(inputs)
    outputs = keras.layers.Dense(2, name="head")(keras.layers.BatchNormalization()(hidden))
    return keras.Model(inputs, outputs)


def test_keras_save_export_and_tfsm_layer(tmp_path, capsys):
    model = _model()
    x = np.random.default_rng(1).standard_normal((5, 3)).astype(np.float32)
    expected = model(x, training=False).numpy()
    saved = str(tmp_path / "saved")
    tf.saved_model.save(model, saved)
    sig = tf.saved_model.load(saved).signatures["serving_default"]
    assert list(sig.structured_input_signature[1]) == ["inputs"]  # as TF 2.21 + Keras 3
    np.testing.assert_allclose(sig(inputs=x)["output_0"].numpy(), expected, rtol=1e-6)

    exported = str(tmp_path / "exported")
    model.export(exported)
    assert "Endpoint 'serve'" in capsys.readouterr().out
    loaded = tf.saved_model.load(exported)
    assert sorted(loaded.signatures) == ["serve", "serving_default"]
    assert list(loaded.signatures["serving_default"].structured_input_signature[1]) == ["features"]
    np.testing.assert_allclose(loaded.serve(x).numpy(), expected, rtol=1e-6)
    assert len(loaded.variables) == 8 and len(loaded.trainable_variables) == 6
    assert len(loaded.non_trainable_variables) == 2

    layer = keras.layers.TFSMLayer(exported, call_endpoint="serving_default")
    np.testing.assert_allclose(layer(x)["output_0"].numpy(), expected, rtol=1e-6)
    assert len(layer.trainable_weights) == 6 and len(layer.non_trainable_weights) == 2
    assert layer.get_config()["call_endpoint"] == "serving_default"
    with pytest.raises(ValueError, match="The endpoint 'nope' is neither an attribute"):
        keras.layers.TFSMLayer(exported, call_endpoint="nope")
    with pytest.raises(ValueError, match="Unrecognized format"):
        model.export(str(tmp_path / "onnx"), format="onnx")

    serve = keras.layers.TFSMLayer(exported)  # Keras's default endpoint: serve
    assert serve.name.startswith("tfsm_layer")  # Keras 3's default name
    wrapper = keras.Sequential([keras.Input((3,)), serve, keras.layers.Dense(1)])
    wrapper.compile("sgd", "mse")
    before = serve.trainable_weights[0].numpy().copy()
    wrapper.fit(x, np.ones((5, 1), np.float32), epochs=1, verbose=0)
    assert not np.allclose(before, serve.trainable_weights[0].numpy())


def test_submodules_containers_nested_arguments_and_strings(tmp_path):
    class Sub(tf.Module):
        def __init__(self):
            self.w = tf.Variable(3.0)

        @tf.function(input_signature=[tf.TensorSpec([], tf.float32)])
        def f(self, x):
            return x * self.w

    class Top(tf.Module):
        def __init__(self):
            self.sub = Sub()
            self.items = [tf.Variable(1.0), Sub()]
            self.table = {"ids": tf.Variable([1, 2])}
            self.dense = keras.layers.Dense(2)
            self.dense.build((None, 3))

        @tf.function
        def nested(self, pair, opts):
            a, b = pair
            return a + b * opts["k"], tf.strings.upper(opts["s"])

        @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32)])
        def dense_call(self, x):
            return self.dense(x)

        @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
        def loop(self, x):
            ta = tf.TensorArray(tf.float32, size=tf.shape(x)[0])
            for i in tf.range(tf.shape(x)[0]):
                ta = ta.write(i, x[i] * tf.cast(i, tf.float32))
            return ta.stack()

    top = Top()
    args = ((tf.constant(1.0), tf.constant(2.0)),
            {"k": tf.constant(3.0), "s": tf.constant(["ab", "c"])})
    top.nested(*args)
    path = str(tmp_path / "top")
    tf.saved_model.save(top, path)
    loaded = tf.saved_model.load(path)
    assert list(loaded.signatures) == []  # three functions qualify: no default, as TF
    assert float(loaded.sub.f(tf.constant(2.0))) == 6.0
    assert float(loaded.items[0]) == 1.0 and float(loaded.items[1].f(tf.constant(1.0))) == 3.0
    assert loaded.table["ids"].numpy().tolist() == [1, 2]
    total, upper = loaded.nested(*args)
    assert float(total) == 7.0 and upper.numpy().tolist() == [b"AB", b"C"]
    x = np.ones((1, 3), np.float32)
    np.testing.assert_allclose(loaded.dense_call(x).numpy(), top.dense_call(x).numpy())
    loaded.dense.kernel.assign(tf.zeros([3, 2]))  # a Keras layer's public weights, shared
    np.testing.assert_allclose(loaded.dense_call(x).numpy(), top.dense.bias.numpy()[None])
    np.testing.assert_allclose(loaded.loop(tf.constant([1.0, 2.0, 3.0])).numpy(), [0.0, 2.0, 6.0])


def test_composites_and_concrete_aliases(tmp_path):
    m = tf.Module()
    m.v = tf.Variable(1.0)
    m.s = tf.function(lambda sp: tf.sparse.reduce_sum(sp),
                      input_signature=[tf.SparseTensorSpec([None, 3], tf.float32)])
    with pytest.raises(InvalidArgumentError, match="composite tensor"):
        tf.saved_model.save(m, str(tmp_path / "sparse"))
    del m.s
    m.r = tf.function(lambda x: tf.sparse.from_dense(x),
                      input_signature=[tf.TensorSpec([2], tf.float32)])
    with pytest.raises(InvalidArgumentError, match="returns a SparseTensor"):
        tf.saved_model.save(m, str(tmp_path / "sparse_out"))
    del m.r
    f = tf.function(lambda x: x + m.v)
    concrete = f.get_concrete_function(tf.TensorSpec([None], tf.float32))
    path = str(tmp_path / "alias")
    tf.saved_model.save(m, path, signatures=concrete, options=tf.saved_model.SaveOptions(
        function_aliases={"plus": concrete}))
    loaded = tf.saved_model.load(path, options=tf.saved_model.LoadOptions(
        experimental_load_function_aliases=True))
    assert loaded.function_aliases["plus"](tf.constant([1.0])).numpy().tolist() == [2.0]
    assert loaded.signatures["serving_default"](x=tf.constant([2.0]))["output_0"].numpy().tolist() \
        == [3.0]


def test_a_module_holding_a_mutable_table_is_refused_by_name(tmp_path):
    m = tf.Module()
    m.table = tf.lookup.experimental.MutableHashTable(tf.string, tf.int64, -1)
    with pytest.raises(tf.errors.UnimplementedError, match="MutableHashTable at 'table'"):
        tf.saved_model.save(m, str(tmp_path / "m"))
