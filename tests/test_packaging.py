"""What a newcomer installs: the wheel's metadata (Apache-2.0 licence, classifiers, Python
versions, extras, the gallery command, py.typed), `pip install .` (not editable) running the
README's examples from outside the repository, a plain `pip install '.[dev]'` covering every
module the suite imports, type hints on the public signatures, the Makefile's data folder, and
the API pages of `make docs`, and every source file compiling without warnings."""
import ast
import email
import glob
import inspect
import os
import re
import shutil
import subprocess
import sys
import zipfile

import pytest

try:
    import tomllib
except ImportError:  # Python 3.10
    tomllib = pytest.importorskip("tomli", reason="reading pyproject.toml needs tomli on 3.10")

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYPROJECT = tomllib.load(open(os.path.join(REPO, "pyproject.toml"), "rb"))
EXTRAS = {"cuda": "numba-cuda", "tensorboard": "tensorboard", "h5": "h5py", "plot": "matplotlib",
          "images": "pillow", "mpi": "mpi4py", "threads": "threadpoolctl"}


def _name(requirement):
    return re.split(r"[\[<>=!~ ;]", requirement, 1)[0].strip().lower().replace("_", "-")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    build = tmp_path_factory.mktemp("build")
    shutil.copytree(REPO, build / "src", ignore=shutil.ignore_patterns(
        ".git", ".venv", "out", "build", "*.egg-info", "__pycache__", ".pytest_cache",
        ".hypothesis"))
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(out), str(build / "src")], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    (path,) = glob.glob(str(out / "graphflow-*.whl"))
    return path


def test_license_file_is_apache_2():
    text = open(os.path.join(REPO, "LICENSE"), encoding="utf-8").read()
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text


def test_pyproject_metadata_and_extras():
    project = PYPROJECT["project"]
    assert project["license"] == {"text": "Apache-2.0"} and project["requires-python"] == ">=3.10"
    classifiers = project["classifiers"]
    assert "License :: OSI Approved :: Apache Software License" in classifiers
    assert "Typing :: Typed" in classifiers
    for minor in (10, 11, 12):
        assert f"Programming Language :: Python :: 3.{minor}" in classifiers
    extras = project["optional-dependencies"]
    for extra, package in EXTRAS.items():
        assert package in {_name(r) for r in extras[extra]}, extra
    assert project["scripts"]["graphflow-gallery"] == "graphflow.visualize.__main__:main"


def test_wheel_contents_and_metadata(wheel):
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        meta_name = next(n for n in names if n.endswith(".dist-info/METADATA"))
        meta = email.message_from_string(z.read(meta_name).decode())
        entry_points = z.read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "graphflow/py.typed" in names and "graphflow/visualize/gallery.py" in names
    assert any(n.endswith(".dist-info/LICENSE") or "/licenses/LICENSE" in n for n in names)
    assert not any(n.startswith(("tests/", "visualize/", "examples/")) for n in names)
    assert meta["License"] == "Apache-2.0" and meta["Requires-Python"] == ">=3.10"
    assert set(EXTRAS) | {"dev", "docs"} <= set(meta.get_all("Provides-Extra"))
    assert "graphflow-gallery = graphflow.visualize.__main__:main" in entry_points


def readme_examples():
    text = open(os.path.join(REPO, "README.md"), encoding="utf-8").read()
    return re.findall(r"```python\n(.*?)```", text, re.S)


def test_installed_wheel_runs_the_readme_outside_the_repo(wheel, tmp_path):
    """`pip install .` (here: the wheel into a target folder, the dependencies from this venv)
    then the README's examples, run from a folder that holds no graphflow checkout."""
    target = tmp_path / "site"
    result = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q",
                             "--target", str(target), wheel], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    env = dict(os.environ, PYTHONPATH=str(target), GRAPHFLOW_CACHE_DIR=str(tmp_path / "cache"))
    work = tmp_path / "elsewhere"
    work.mkdir()
    where = subprocess.run([sys.executable, "-c", "import graphflow; print(graphflow.__file__)"],
                           cwd=work, env=env, capture_output=True, text=True, timeout=120)
    assert where.stdout.startswith(str(target)), where
    examples = readme_examples()
    assert examples, "the README has no python example"
    for source in examples:
        run = subprocess.run([sys.executable, "-c", source], cwd=work, env=env,
                             capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, f"README example failed:\n{source}\n{run.stderr[-2000:]}"
    assert "tf.Tensor(8.0, shape=(), dtype=float32)" in subprocess.run(
        [sys.executable, "-c", examples[0]], cwd=work, env=env, capture_output=True,
        text=True, timeout=300).stdout
    gallery = subprocess.run([sys.executable, "-m", "graphflow.visualize", "--help"], cwd=work,
                             env=env, capture_output=True, text=True, timeout=120)
    assert gallery.returncode == 0 and "--out" in gallery.stdout
    assert (target / "bin" / "graphflow-gallery").exists()


# Developer scripts beside the tests that run by hand under real TensorFlow (a separate venv),
# never under pytest: TensorFlow is never a dependency.
RUN_UNDER_TENSORFLOW = {"bad_input_oracle.py"}


def test_dev_extra_covers_what_the_suite_imports():
    """A plain `pip install '.[dev]'` is enough: every third-party module imported at the top of
    a test file comes from a core dependency or the dev extra."""
    from importlib.metadata import packages_distributions
    provided = {_name(r) for r in PYPROJECT["project"]["dependencies"]}
    provided |= {_name(r) for r in PYPROJECT["project"]["optional-dependencies"]["dev"]}
    dists = packages_distributions()
    local = {os.path.splitext(os.path.basename(p))[0] for p in glob.glob(
        os.path.join(REPO, "tests", "**", "*.py"), recursive=True)} | {"graphflow", "tests"}
    missing = {}
    for path in glob.glob(os.path.join(REPO, "tests", "*.py")) + [
            os.path.join(REPO, "conftest.py")]:
        if os.path.basename(path) in RUN_UNDER_TENSORFLOW:
            continue
        for node in ast.parse(open(path, encoding="utf-8").read()).body:
            if isinstance(node, ast.Import):
                modules = [a.name.split(".")[0] for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                modules = [node.module.split(".")[0]]
            else:
                continue
            for module in modules:
                if module in sys.stdlib_module_names or module in local:
                    continue
                names = {_name(d) for d in dists.get(module, [module])}
                if not names & provided:
                    missing.setdefault(module, []).append(os.path.basename(path))
    assert not missing, f"add to the dev extra: {missing}"


PUBLIC = [
    "graphflow.keras.utils:to_categorical", "graphflow.keras.utils:plot_model",
    "graphflow.keras.utils:model_to_dot", "graphflow.keras.utils:plot_history",
    "graphflow.keras.utils.summary:print_summary", "graphflow.keras.utils:Progbar.__init__",
    "graphflow.keras.utils:Progbar.update", "graphflow.keras.utils:Progbar.add",
    "graphflow.visualize:plot_graph", "graphflow.visualize.gallery:render_gallery",
    "graphflow.keras.datasets.mnist:load_data", "graphflow.keras.datasets.fashion_mnist:load_data",
    "graphflow.keras:Model.compile", "graphflow.keras:Model.fit", "graphflow.keras:Model.evaluate",
    "graphflow.keras:Model.predict", "graphflow.keras:Model.summary",
    "graphflow.keras.callbacks:History.plot",
]


@pytest.mark.parametrize("target", PUBLIC)
def test_public_signatures_have_type_hints(target):
    import importlib
    module, _, attr = target.partition(":")
    obj = importlib.import_module(module)
    for part in attr.split("."):
        obj = getattr(obj, part)
    signature = inspect.signature(obj)
    bare = [p.name for p in signature.parameters.values()
            if p.name != "self" and p.annotation is inspect.Parameter.empty]
    assert not bare, f"{target}: parameters without type hints: {bare}"
    assert signature.return_annotation is not inspect.Signature.empty, f"{target}: no return hint"


@pytest.mark.skipif(shutil.which("make") is None, reason="`make` not installed")
def test_makefile_never_points_at_a_missing_data_folder(tmp_path):
    """A fresh checkout without ../shared/datasets or ./data leaves GRAPHFLOW_DATA_DIR unset (so
    graphflow's message says what is missing); ./data is used once it exists."""
    checkout = tmp_path / "fresh" / "graphflow"
    checkout.mkdir(parents=True)
    shutil.copy(os.path.join(REPO, "Makefile"), checkout / "Makefile")
    env = {k: v for k, v in os.environ.items() if k != "GRAPHFLOW_DATA_DIR"}

    def data_dir():
        out = subprocess.run(["make", "-s", "show-data-dir"], cwd=checkout, env=env,
                             capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        return out.stdout.strip()

    assert data_dir() == "GRAPHFLOW_DATA_DIR="
    (checkout / "data").mkdir()
    assert data_dir() == f"GRAPHFLOW_DATA_DIR={checkout / 'data'}"
    env["GRAPHFLOW_DATA_DIR"] = "/somewhere/else"
    assert data_dir() == "GRAPHFLOW_DATA_DIR=/somewhere/else"


def test_api_pages_from_docstrings(tmp_path):
    pytest.importorskip("pdoc", reason="pdoc (the `docs` extra) not installed")
    sys.path.insert(0, os.path.join(REPO, "docs"))
    try:
        import build_api
    finally:
        sys.path.pop(0)
    for page, dotted in build_api.NAMESPACES:  # every namespace resolves and exports something
        assert build_api.public_names(build_api.resolve(dotted), page), page
    pages = build_api.build(str(tmp_path), [("tf.nn", "graphflow.nn"),
                                            ("tf.keras.layers", "graphflow.keras.layers")])
    nn = open(pages[0], encoding="utf-8").read()
    layers = open(pages[1], encoding="utf-8").read()
    assert "relu" in nn and "softmax" in nn
    assert "Dense" in layers and "Conv2D" in layers and "&gt;&gt;&gt;" in layers  # examples
    assert (tmp_path / "index.html").exists()


def test_every_source_file_compiles_without_warnings():
    # An invalid escape such as "\(" in a plain string is a SyntaxWarning today and a
    # SyntaxError in a later Python; compiling with warnings as errors catches it now.
    import warnings
    failures = []
    for folder in ("graphflow", "tests", "examples", "visualize", "docs"):
        for path in sorted(glob.glob(os.path.join(REPO, folder, "**", "*.py"), recursive=True)):
            with open(path, encoding="utf-8") as f:
                source = f.read()
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                try:
                    compile(source, path, "exec", dont_inherit=True)
                except (SyntaxError, SyntaxWarning) as e:
                    failures.append(f"{os.path.relpath(path, REPO)}: {e}")
    assert not failures, "\n".join(failures)
