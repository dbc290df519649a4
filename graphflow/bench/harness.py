"""Timing, alternation, and reporting (table, JSON, plot) shared by every workload."""
import datetime
import json
import os
import platform
import statistics
import sys
import time

# Workload names in run order (the definitions live in workloads.py).
WORKLOADS = ("limits", "eager", "linreg", "elementwise", "mnist", "cnn", "compile")
PEERS = ("tensorflow", "torch", "jax")

# Table columns in display order; a row fills only the systems it measures.
COLUMNS = ("graphflow eager", "graphflow reference", "graphflow compiled", "numpy", "limit",
           "tensorflow eager", "tensorflow function", "torch eager", "jax jit")
BASELINE = "graphflow compiled"


class Row:
    """One table row: a metric measured on several systems, with every raw sample kept."""

    def __init__(self, workload, label, unit, higher_is_better=False):
        self.workload, self.label, self.unit = workload, label, unit
        self.higher_is_better = higher_is_better
        self.samples = {}   # system -> [values]
        self.notes = []

    def add(self, system, value):
        self.samples.setdefault(system, []).append(float(value))

    def median(self, system):
        return statistics.median(self.samples[system])

    def baseline(self):
        """The system ratios are taken to: graphflow compiled, else graphflow eager."""
        for system in (BASELINE, "graphflow eager"):
            if system in self.samples and system != "limit":
                return system
        return None

    def ratio(self, system):
        """How many times slower than the baseline (>1: slower, <1: faster)."""
        base = self.baseline()
        if base is None:
            return None
        a, b = self.median(system), self.median(base)
        if a <= 0 or b <= 0:
            return None
        return b / a if self.higher_is_better else a / b

    def to_json(self):
        return {"workload": self.workload, "label": self.label, "unit": self.unit,
                "higher_is_better": self.higher_is_better, "baseline": self.baseline(),
                "notes": self.notes,
                "systems": {s: {"median": self.median(s), "min": min(v), "max": max(v),
                                "iqr": _iqr(v), "ratio": self.ratio(s), "samples": v}
                            for s, v in self.samples.items()}}


def _iqr(values):
    if len(values) < 2:
        return 0.0
    q = statistics.quantiles(values, n=4, method="inclusive")
    return q[2] - q[0]


def per_call(fn, n):
    """Seconds per call of fn, averaged over n calls."""
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n


def alternate(row, cases, repeats, measure):
    """Fills `row` with `repeats` samples per system, visiting the systems in turn each round so
    machine noise hits them alike. `cases` maps system -> callable; `measure(fn)` -> value.
    Every case runs once untimed first (first-call costs are the compile workload's business)."""
    for fn in cases.values():
        fn()
    for _ in range(repeats):
        for system, fn in cases.items():
            row.add(system, measure(fn))
    return row


def header(argv):
    import numpy
    try:
        import numba
        numba_version = numba.__version__
    except ImportError:
        numba_version = "not installed"
    cpu = platform.processor() or platform.machine()
    return "\n".join([
        "graphflow benchmarks",
        f"date:    {datetime.datetime.now().isoformat(timespec='seconds')}",
        f"machine: {platform.platform()}, {cpu}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, numpy {numpy.__version__}, numba {numba_version}",
        "command: " + " ".join(["python -m graphflow.bench"] + list(argv)),
    ])


def _fmt(value):
    if value == 0:
        return "0"
    a = abs(value)
    if a >= 1000:
        return f"{value:.0f}"
    if a >= 100:
        return f"{value:.1f}"
    if a >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def _grid(head, body):
    widths = [max(len(r[i]) for r in [head] + body) for i in range(len(head))]
    line = lambda r: "  ".join(c.ljust(w) if i < 2 else c.rjust(w)  # noqa: E731
                               for i, (c, w) in enumerate(zip(r, widths)))
    return "\n".join([line(head), "  ".join("-" * w for w in widths)] + [line(r) for r in body])


def table(rows):
    """Medians with ratios to graphflow compiled, then the spread (min-max) of the samples."""
    columns = [c for c in COLUMNS if any(c in r.samples for r in rows)]
    columns += sorted({s for r in rows for s in r.samples} - set(columns))
    head = ["workload", "metric"] + columns
    med, spread = [], []
    for r in rows:
        cells, ranges = [], []
        for c in columns:
            if c not in r.samples:
                cells.append("-")
                ranges.append("-")
                continue
            ratio = r.ratio(c) if c != "limit" else None
            mark = "" if ratio is None or c == r.baseline() else f" ({ratio:.2f}x)"
            if c == r.baseline() and r.baseline() != BASELINE:
                mark = " (base)"
            cells.append(_fmt(r.median(c)) + mark)
            v = r.samples[c]
            ranges.append(f"{_fmt(min(v))}-{_fmt(max(v))}")
        metric = f"{r.label} [{r.unit}]"
        med.append([r.workload, metric] + cells)
        spread.append([r.workload, metric] + ranges)
    legend = ("median; (Nx) = time relative to graphflow compiled (or to graphflow eager where "
              "marked base): >1 is slower, <1 faster; higher GB/s is better")
    notes = [f"  {r.workload}: {n}" for r in rows for n in r.notes]
    out = [legend, _grid(head, med), "", "spread of the samples (min-max)", _grid(head, spread)]
    if notes:
        out += ["", "notes:"] + list(dict.fromkeys(notes))
    return "\n".join(out)


def write_json(path, rows, meta):
    data = dict(meta, rows=[r.to_json() for r in rows])
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(data, f, indent=1)
    os.replace(tmp, path)  # atomic


def plot(path, rows):
    """A bar chart of ratios to graphflow compiled (one group per row); needs matplotlib."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("skipped plot: matplotlib is not installed")
        return False
    rows = [r for r in rows if r.baseline() is not None]
    systems = [c for c in COLUMNS if c != "limit" and any(c in r.samples for r in rows)]
    fig, ax = plt.subplots(figsize=(max(8, len(rows) * 1.2), 5))
    width = 0.8 / max(1, len(systems))
    for i, s in enumerate(systems):
        xs = [j + i * width for j, r in enumerate(rows) if s in r.samples]
        ys = [r.ratio(s) or 0 for r in rows if s in r.samples]
        ax.bar(xs, ys, width, label=s)
    ax.set_xticks([j + 0.4 - width / 2 for j in range(len(rows))])
    ax.set_xticklabels([f"{r.workload}\n{r.label}" for r in rows], fontsize=7, rotation=30)
    ax.set_yscale("log")
    ax.set_ylabel("time relative to graphflow compiled (lower is better)")
    ax.axhline(1.0, color="black", linewidth=0.5)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path)
    print(f"wrote plot {path}")
    return True


def stderr(msg):
    print(msg, file=sys.stderr)
