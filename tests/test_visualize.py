"""plot_model / model_to_dot / plot_graph and the gallery: rendered SVG parsed with ElementTree."""
import os
import shutil
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import graphflow as tf
from graphflow import keras
from graphflow.errors import FailedPreconditionError

SVG = "{http://www.w3.org/2000/svg}"
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz `dot` not installed")


@pytest.fixture(autouse=True)
def fresh_names():
    keras.backend.clear_session()


def svg_of(dot):
    root = ET.fromstring(dot.pipe(format="svg"))
    nodes = [g for g in root.iter(SVG + "g") if g.get("class") == "node"]
    edges = [g for g in root.iter(SVG + "g") if g.get("class") == "edge"]
    clusters = [g for g in root.iter(SVG + "g") if g.get("class") == "cluster"]
    texts = [t.text or "" for t in root.iter(SVG + "text")]
    return nodes, edges, clusters, texts


def node_titles(dot):
    """Node id -> concatenated text of its label, and the (tail, head) id pairs of the edges."""
    root = ET.fromstring(dot.pipe(format="svg"))
    labels, edges = {}, []
    for g in root.iter(SVG + "g"):
        title = g.find(SVG + "title")
        if g.get("class") == "node":
            labels[title.text] = " ".join(t.text or "" for t in g.iter(SVG + "text"))
        elif g.get("class") == "edge":
            tail, head = title.text.split("->")
            edges.append((tail, head))
    return labels, edges


def mlp():
    return keras.Sequential([keras.Input((784,)), keras.layers.Dense(512, activation="relu"),
                             keras.layers.Dense(10, activation="softmax")])


@needs_dot
def test_sequential_labels_shapes_and_chain():
    dot = keras.utils.model_to_dot(mlp(), show_shapes=True, show_dtype=True,
                                   show_layer_activations=True, show_trainable=True)
    labels, edges = node_titles(dot)
    by_name = {text.split(" (")[0].strip(): nid for nid, text in labels.items()}
    assert set(by_name) == {"input_layer", "dense", "dense_1"}
    assert "(None, 784)" in labels[by_name["input_layer"]]
    assert "(Dense)" in labels[by_name["dense"]] and "relu" in labels[by_name["dense"]]
    assert "(None, 512)" in labels[by_name["dense"]] and "float32" in labels[by_name["dense"]]
    assert "Trainable:" in labels[by_name["dense_1"]] and "softmax" in labels[by_name["dense_1"]]
    assert (by_name["input_layer"], by_name["dense"]) in edges
    assert (by_name["dense"], by_name["dense_1"]) in edges and len(edges) == 2


@needs_dot
def test_functional_multi_io_and_shared_layer_drawn_once():
    a, b = keras.Input((8,), name="a"), keras.Input((8,), name="b")
    shared = keras.layers.Dense(4, name="shared")
    merged = keras.layers.Concatenate(name="merge")([shared(a), shared(b)])
    out1 = keras.layers.Dense(1, name="out1")(merged)
    out2 = keras.layers.Dense(2, name="out2")(merged)
    dot = keras.utils.model_to_dot(keras.Model([a, b], [out1, out2]), show_shapes=True)
    labels, edges = node_titles(dot)
    ids = {text.split(" (")[0].strip(): nid for nid, text in labels.items()}
    assert sorted(ids) == ["a", "b", "merge", "out1", "out2", "shared"]
    assert (ids["a"], ids["shared"]) in edges and (ids["b"], ids["shared"]) in edges
    assert edges.count((ids["shared"], ids["merge"])) == 2
    assert "[(None, 4), (None, 4)]" in labels[ids["merge"]]


@needs_dot
def test_nested_model_box_or_cluster():
    inner = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="in_dense")],
                             name="inner")
    x = keras.Input((3,), name="x")
    model = keras.Model(x, keras.layers.Dense(1, name="head")(inner(x)))
    _, _, clusters, texts = svg_of(keras.utils.model_to_dot(model))
    assert not clusters and any("inner (Sequential)" in t for t in texts)
    _, edges, clusters, texts = svg_of(keras.utils.model_to_dot(model, expand_nested=True))
    assert len(clusters) == 1 and any("in_dense (Dense)" in t for t in texts)
    assert len(edges) == 3  # x -> inner input -> in_dense -> head


@needs_dot
def test_subclassed_model_drawn_from_its_calls():
    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.d1 = keras.layers.Dense(4, name="first")
            self.d2 = keras.layers.Dense(2, name="second")

        def call(self, x):
            return self.d2(self.d1(x))

    net = Net()
    net(np.ones((2, 3), np.float32))
    labels, edges = node_titles(keras.utils.model_to_dot(net, show_shapes=True))
    ids = {text.split(" (")[0].strip(): nid for nid, text in labels.items()}
    assert (ids["first"], ids["second"]) in edges
    assert "(None, 4)" in labels[ids["first"]]
    assert not net.d1._inbound_nodes  # drawing left no recorded calls behind


@needs_dot
def test_plot_model_png_svg_dot_files(tmp_path):
    model = mlp()
    for ext in ("png", "svg", "dot"):
        dot = keras.utils.plot_model(model, to_file=str(tmp_path / f"m.{ext}"), show_shapes=True)
        assert dot.source.startswith("digraph")
    data = (tmp_path / "m.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert 100 < width < 4000 and 100 < height < 4000
    ET.parse(tmp_path / "m.svg")
    assert "(None, 784)" in (tmp_path / "m.dot").read_text()


def test_missing_dot_binary(tmp_path, monkeypatch):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    model = mlp()
    keras.utils.plot_model(model, to_file=str(tmp_path / "m.dot"))
    assert (tmp_path / "m.dot").read_text().startswith("digraph")
    with pytest.raises(FailedPreconditionError, match="install Graphviz.*or save as .dot"):
        keras.utils.plot_model(model, to_file=str(tmp_path / "m.png"))
    assert not (tmp_path / "m.png").exists()


def _fusable():
    @tf.function
    def f(x):
        return tf.nn.relu(x * 2.0 + 1.0)
    f(tf.ones([4]))
    return f


@needs_dot
def test_plot_graph_fused_clusters_and_compare():
    f = _fusable()
    _, _, clusters, texts = svg_of(tf.visualize.plot_graph(f))
    kernel = [n for n in f._last_concrete._get_executable().graph.nodes if n.type == "fused"]
    assert kernel and clusters
    name = kernel[0].attrs["cluster"].name
    assert any(name in t for t in texts) and "multiply" in texts and "relu" in texts
    _, _, clusters, texts = svg_of(tf.visualize.plot_graph(f, optimized=False))
    assert not clusters and "multiply" in texts
    _, _, clusters, texts = svg_of(tf.visualize.plot_graph(f.get_concrete_function(
        tf.TensorSpec([4], tf.float32)), compare=True))
    assert any(t.startswith("before") for t in texts) and any(t.startswith("after") for t in texts)
    assert len(clusters) == 3  # before, after, and the fused kernel inside "after"


@needs_dot
def test_plot_graph_on_a_v1_graph():
    g = tf.Graph()
    with g.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [2], name="x")
        _ = x * 3.0
    _, edges, _, texts = svg_of(tf.visualize.plot_graph(g))
    assert "placeholder" in texts and "multiply" in texts and "float32[2]" in texts
    assert len(edges) == 2  # x -> multiply, 3.0 -> multiply


def test_plot_graph_needs_a_trace():
    @tf.function
    def f(x):
        return x

    with pytest.raises(tf.errors.InvalidArgumentError, match="not been traced"):
        tf.visualize.plot_graph(f)


@needs_dot
def test_gallery_command(tmp_path):
    out = tmp_path / "gallery"
    result = subprocess.run([sys.executable, "-m", "graphflow.visualize", "--out", str(out)],
                            cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    stems = ["mnist_mlp", "ticket_router", "residual_block", "small_cnn", "train_step_fused",
             "train_step_compare"]
    for stem in stems:
        for ext in ("svg", "png"):
            path = out / f"{stem}.{ext}"
            assert path.stat().st_size > 0 and str(path) in result.stdout
    index = (out / "index.html").read_text()
    assert all(f"{stem}.svg" in index for stem in stems)
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        pass
    else:  # the training curves of History.plot are in the gallery too
        assert "training_curves.svg" in index and (out / "training_curves.png").stat().st_size
    texts = svg_of_file(out / "ticket_router.svg")
    assert {"title (InputLayer)", "priority (Dense)", "department (Dense)"} <= set(texts)
    assert any("fused_" in t for t in svg_of_file(out / "train_step_fused.svg"))


def test_checkout_gallery_command_still_works():
    """`python -m visualize` (the old spelling, from a checkout) runs the same command."""
    result = subprocess.run([sys.executable, "-m", "visualize", "--help"], cwd=REPO,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "--out" in result.stdout, result.stderr


def svg_of_file(path):
    return [t.text or "" for t in ET.parse(path).getroot().iter(SVG + "text")]


def test_subclassed_model_not_traceable_falls_back_to_dashed_chain():
    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.d1 = keras.layers.Dense(4, name="first")
            self.d2 = keras.layers.Dense(2, name="second")

        def call(self, x):
            return self.d2(tf.nn.relu(self.d1(x)))  # a raw op: not symbolically traceable

    net = Net()
    with pytest.raises(tf.errors.InvalidArgumentError, match="has not been built"):
        keras.utils.model_to_dot(net)
    net(np.ones((2, 3), np.float32))
    source = keras.utils.model_to_dot(net, show_shapes=True).source
    assert "style=dashed" in source and "definition order" in source
    assert "(2, 4)" in source and "(None, 4)" not in source  # the failed trace left no trace
