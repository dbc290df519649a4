"""SVG diagrams display whole: every SVG that plot_model, plot_graph, the gallery and the notebook
display (`_repr_mimebundle_`) produce has a viewBox that contains its whole drawing (the dpi meant
for PNGs used to scale the drawing but not the viewBox, so viewers showed its top-left part), and
one is rendered by a real browser (headless Chromium) to check the same with its layout engine."""
import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest

import graphflow as tf
from graphflow import keras

SVG = "{http://www.w3.org/2000/svg}"
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz `dot` not installed")
CHROMIUM = next((shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome")
                 if shutil.which(name)), None)
NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e-?\d+)?")


@pytest.fixture(autouse=True)
def fresh_names():
    keras.backend.clear_session()


def _points(element):
    """The coordinates an element draws at, in its own user space."""
    tag = element.tag.replace(SVG, "")
    if tag in ("polygon", "polyline"):
        values = [float(v) for v in NUMBER.findall(element.get("points", ""))]
    elif tag == "path":
        values = [float(v) for v in NUMBER.findall(element.get("d", ""))]
    elif tag == "text":
        values = [float(element.get("x", 0)), float(element.get("y", 0))]
    elif tag == "ellipse":
        cx, cy = float(element.get("cx")), float(element.get("cy"))
        rx, ry = float(element.get("rx")), float(element.get("ry"))
        values = [cx - rx, cy - ry, cx + rx, cy + ry]
    else:
        return []
    return list(zip(values[0::2], values[1::2]))


def drawing_outside_viewbox(svg_text):
    """The drawing's bounding box and the viewBox, when the first is not inside the second
    (None when it is). Graphviz draws everything inside <g id="graph0" transform="scale(s)
    rotate(0) translate(tx ty)">, i.e. user point p appears at s * (p + t)."""
    root = ET.fromstring(svg_text)
    x0, y0, width, height = (float(v) for v in root.get("viewBox").split())
    graph = next(g for g in root.iter(SVG + "g") if g.get("id") == "graph0")
    transform = graph.get("transform", "")
    scale = re.search(r"scale\(([^)]*)\)", transform)
    sx, sy = ([float(v) for v in NUMBER.findall(scale.group(1))] * 2)[:2] if scale else (1, 1)
    translate = re.search(r"translate\(([^)]*)\)", transform)
    tx, ty = ([float(v) for v in NUMBER.findall(translate.group(1))] + [0, 0])[:2] \
        if translate else (0, 0)
    xs, ys = [], []
    for element in graph.iter():
        for x, y in _points(element):
            xs.append(sx * (x + tx))
            ys.append(sy * (y + ty))
    box = (min(xs), min(ys), max(xs), max(ys))
    tol = 1.0  # points; graphviz rounds coordinates to 2 decimals
    inside = (box[0] >= x0 - tol and box[1] >= y0 - tol and box[2] <= x0 + width + tol
              and box[3] <= y0 + height + tol)
    return None if inside else {"drawing": box, "viewBox": (x0, y0, x0 + width, y0 + height)}


def assert_whole(svg_text, what):
    problem = drawing_outside_viewbox(svg_text)
    assert problem is None, f"{what}: the SVG's viewBox crops its drawing: {problem}"


def mlp():
    return keras.Sequential([keras.Input((784,)), keras.layers.Dense(512, activation="relu"),
                             keras.layers.Dense(10, activation="softmax")])


def two_branch():
    a, b = keras.Input((8,), name="a"), keras.Input((8,), name="b")
    merged = keras.layers.Concatenate()([keras.layers.Dense(4)(a), keras.layers.Dense(4)(b)])
    return keras.Model([a, b], [keras.layers.Dense(1)(merged), keras.layers.Dense(2)(merged)])


def fused_function():
    @tf.function
    def f(x):
        return tf.nn.relu(x * 2.0 + 1.0) - tf.reduce_sum(x)
    f(tf.ones([4]))
    return f


@needs_dot
@pytest.mark.parametrize("dpi", [72, 96, 200])
def test_plot_model_svg_contains_its_drawing(tmp_path, dpi):
    for i, (model, options) in enumerate([
            (mlp(), dict(show_shapes=True, show_layer_activations=True)),
            (two_branch(), dict(show_shapes=True, rankdir="LR", show_trainable=True))]):
        path = tmp_path / f"m{i}.svg"
        dot = keras.utils.plot_model(model, to_file=str(path), dpi=dpi, **options)
        assert_whole(path.read_text(), f"plot_model(dpi={dpi}) file")
        assert_whole(dot.pipe(format="svg").decode(), f"model_to_dot(dpi={dpi}).pipe('svg')")


@needs_dot
def test_png_keeps_its_dpi(tmp_path):
    """dpi still sets a raster's pixel size: 200 dpi is 200/96 times the 96 dpi picture."""
    import struct
    model = mlp()
    sizes = {}
    for dpi in (96, 200):
        path = tmp_path / f"m{dpi}.png"
        keras.utils.plot_model(model, to_file=str(path), dpi=dpi)
        sizes[dpi] = struct.unpack(">II", path.read_bytes()[16:24])
    ratio = sizes[200][0] / sizes[96][0]
    assert abs(ratio - 200 / 96) < 0.05, sizes


@needs_dot
def test_plot_graph_svg_contains_its_drawing(tmp_path):
    f = fused_function()
    for options in (dict(), dict(compare=True), dict(optimized=False, dpi=200)):
        path = tmp_path / "g.svg"
        dot = tf.visualize.plot_graph(f, to_file=str(path), **options)
        assert_whole(path.read_text(), f"plot_graph({options}) file")
        assert_whole(dot.pipe(format="svg").decode(), f"plot_graph({options}).pipe('svg')")


@needs_dot
def test_notebook_display_is_whole():
    """What Jupyter shows: the SVG of _repr_mimebundle_ (its default), and a PNG on request."""
    for dot in (keras.utils.model_to_dot(mlp(), show_shapes=True),
                tf.visualize.plot_graph(fused_function())):
        bundle = dot._repr_mimebundle_()
        assert_whole(bundle["image/svg+xml"], f"{dot.name} _repr_mimebundle_")
        png = dot._repr_mimebundle_(include=["image/png"])["image/png"]
        assert png[:8] == b"\x89PNG\r\n\x1a\n"


@needs_dot
def test_gallery_svgs_are_whole(tmp_path):
    from graphflow.visualize.gallery import render_gallery
    written = render_gallery(str(tmp_path), png=False)
    # The graphviz diagrams (the training curves are matplotlib's, drawn without graphviz).
    svgs = [p for p in written if p.endswith(".svg") and "training_curves" not in p]
    assert len(svgs) >= 6
    for path in svgs:
        with open(path, encoding="utf-8") as f:
            assert_whole(f.read(), path)


def chromium_boxes(html_path):
    """Chromium lays the page out; a script stores the SVG's box and its drawing's box."""
    result = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom",
         html_path.as_uri()], capture_output=True, text=True, timeout=120)
    found = re.search(r'data-boxes="([^"]*)"', result.stdout)
    assert found, f"chromium printed no layout result: {result.stdout[-500:]} {result.stderr[-500:]}"
    return json.loads(found.group(1).replace("&quot;", '"'))


@needs_dot
@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium not installed (Debian package "
                    "`chromium`; `make test` installs it when apt is available)")
def test_chromium_shows_the_whole_diagram(tmp_path):
    svg = keras.utils.model_to_dot(two_branch(), show_shapes=True, dpi=200).pipe(
        format="svg").decode()
    svg = svg[svg.index("<svg"):]  # inline: drop the XML prolog and doctype
    page = tmp_path / "page.html"
    page.write_text(
        "<!doctype html><html><body style='margin:0'>" + svg + """
<script>
const svg = document.querySelector('svg');
const drawing = svg.querySelector('g.graph');
const box = r => [r.left, r.top, r.right, r.bottom];
document.body.setAttribute('data-boxes', JSON.stringify(
    {svg: box(svg.getBoundingClientRect()), drawing: box(drawing.getBoundingClientRect())}));
</script></body></html>""", encoding="utf-8")
    boxes = chromium_boxes(page)
    (left, top, right, bottom), drawing = boxes["svg"], boxes["drawing"]
    assert right - left > 50 and bottom - top > 50, boxes
    tol = 2.0  # CSS pixels
    assert drawing[0] >= left - tol and drawing[1] >= top - tol, boxes
    assert drawing[2] <= right + tol and drawing[3] <= bottom + tol, boxes
