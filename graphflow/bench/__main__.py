"""python -m graphflow.bench: see graphflow/bench/__init__.py for the options."""
import argparse
import sys
import time

from graphflow.bench import harness


def _names(text, known, what):
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in known]
    if unknown:
        raise SystemExit(f"graphflow.bench: unknown {what} {', '.join(map(repr, unknown))}; "
                         f"known {what}s: {', '.join(known)}")
    return names


def parse(argv):
    parser = argparse.ArgumentParser(prog="python -m graphflow.bench",
                                     description=__import__("graphflow.bench").bench.__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workloads", default=",".join(harness.WORKLOADS),
                        help="comma-separated subset of: " + ", ".join(harness.WORKLOADS))
    parser.add_argument("--peers", default=",".join(harness.PEERS),
                        help="comma-separated subset of: " + ", ".join(harness.PEERS)
                        + " (missing ones are skipped); empty for none")
    parser.add_argument("--json", help="write every raw sample to this JSON file")
    parser.add_argument("--plot", help="write a bar chart of the ratios (needs matplotlib)")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, a few seconds each")
    parser.add_argument("--repeats", type=int, default=None,
                        help="alternating rounds per workload (default 3 quick, 7 full)")
    args = parser.parse_args(argv)
    args.workloads = _names(args.workloads, harness.WORKLOADS, "workload")
    args.peers = _names(args.peers, harness.PEERS, "peer")
    if args.repeats is not None and args.repeats < 1:
        raise SystemExit("graphflow.bench: --repeats must be >= 1")
    return args


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    args = parse(argv)
    head = harness.header(argv)
    print(head, flush=True)
    from graphflow.bench import peers, workloads
    loaded = peers.load(args.peers)
    versions = {name: getattr(m, "__version__", "?") for name, m in loaded.items()}
    if versions:
        print("peers:   " + ", ".join(f"{k} {v}" for k, v in versions.items()))
    cfg = workloads.Config(quick=args.quick, repeats=args.repeats, peers=loaded)
    rows, timings = [], {}
    for name in harness.WORKLOADS:
        if name not in args.workloads:
            continue
        start = time.perf_counter()
        print(f"running {name} ...", flush=True)
        rows += workloads.RUNNERS[name](cfg)
        timings[name] = time.perf_counter() - start
    print()
    print(harness.table(rows))
    print("\nwall time per workload (s): "
          + ", ".join(f"{k} {v:.1f}" for k, v in timings.items()))
    if args.json:
        harness.write_json(args.json, rows, {"header": head, "argv": argv, "quick": args.quick,
                                             "repeats": cfg.repeats, "peers": versions,
                                             "workloads": args.workloads,
                                             "wall_time_s": timings})
        print(f"wrote {args.json}")
    if args.plot:
        harness.plot(args.plot, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
