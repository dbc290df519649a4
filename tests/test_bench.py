"""python -m graphflow.bench: runs end to end at --quick sizes, reports every workload, fails
clearly on bad names. Performance figures are never asserted (DESIGN.md: measured, not asserted)."""
import importlib.util
import json
import os
import pathlib
import subprocess
import sys

import pytest

from graphflow.bench.harness import PEERS, WORKLOADS, Row

ROOT = pathlib.Path(__file__).resolve().parents[1]
MODES = ("graphflow eager", "graphflow reference", "graphflow compiled")


def bench(*args, env_update=None, drop=("GRAPHFLOW_DATA_DIR",)):
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(env_update or {})
    return subprocess.run([sys.executable, "-m", "graphflow.bench", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench") / "out.json"
    result = bench("--quick", "--json", str(out))
    return result, out


def test_quick_run_prints_a_row_per_workload_and_a_column_per_mode(quick_run):
    result, _ = quick_run
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert "date:" in text and "machine:" in text and "command: python -m graphflow.bench" in text
    table = text.split("median;", 1)[1].split("spread of the samples", 1)[0]
    header = table.splitlines()[1]
    for mode in MODES:
        assert mode in header
    rows = [line.split()[0] for line in table.splitlines()[3:] if line.strip()]
    for name in WORKLOADS:
        assert name in rows, f"no table row for {name}"
    for peer in PEERS:
        if importlib.util.find_spec(peer) is None:
            assert f"skipped {peer}: not installed" in text


def test_quick_json_has_every_workload_with_positive_samples(quick_run):
    result, out = quick_run
    assert result.returncode == 0, result.stderr
    data = json.loads(out.read_text())
    assert data["quick"] is True
    seen = {row["workload"] for row in data["rows"]}
    assert seen == set(WORKLOADS)
    for row in data["rows"]:
        assert row["systems"], row["label"]
        for system, stats in row["systems"].items():
            assert stats["samples"] and all(v > 0 for v in stats["samples"]), (row, system)
            assert stats["median"] > 0 and stats["min"] <= stats["median"] <= stats["max"]
    modes = {s for row in data["rows"] for s in row["systems"]}
    assert set(MODES) <= modes


@pytest.mark.parametrize("data_dir", ["missing", "shared"])
def test_mnist_works_with_or_without_the_data_dir(tmp_path, data_dir):
    shared = ROOT.parent / "shared" / "datasets"
    if data_dir == "shared" and not (shared / "mnist").is_dir():
        pytest.skip("no shared MNIST files on this machine")
    directory = shared if data_dir == "shared" else tmp_path  # tmp_path has no mnist/
    result = bench("--quick", "--workloads", "mnist", "--peers", "",
                   env_update={"GRAPHFLOW_DATA_DIR": str(directory)})
    assert result.returncode == 0, result.stderr
    expected = "real MNIST" if data_dir == "shared" else "random data of MNIST's shape"
    assert expected in result.stdout


@pytest.mark.parametrize("option, bad, message", [
    ("--workloads", "eager,nosuch", "unknown workload 'nosuch'"),
    ("--peers", "torch,mxnet", "unknown peer 'mxnet'"),
])
def test_unknown_names_fail_clearly(option, bad, message):
    result = bench(option, bad)
    assert result.returncode != 0
    assert message in result.stderr
    assert "known" in result.stderr


def test_plot_without_matplotlib_says_it_skipped(tmp_path):
    if importlib.util.find_spec("matplotlib") is not None:
        pytest.skip("matplotlib is installed here")
    png = tmp_path / "out.png"
    result = bench("--quick", "--workloads", "eager", "--peers", "", "--plot", str(png))
    assert result.returncode == 0, result.stderr
    assert "skipped plot: matplotlib is not installed" in result.stdout
    assert not png.exists()


def test_ratios_are_relative_to_graphflow_compiled():
    row = Row("x", "time", "s")
    for system, value in (("graphflow compiled", 2.0), ("numpy", 4.0), ("graphflow eager", 1.0)):
        row.add(system, value)
    assert row.ratio("numpy") == 2.0 and row.ratio("graphflow eager") == 0.5
    rate = Row("x", "rate", "GB/s", higher_is_better=True)
    rate.add("graphflow compiled", 10.0)
    rate.add("numpy", 5.0)
    assert rate.ratio("numpy") == 2.0
