"""Train-step time of the LSTM text classifier of issue 17 -- Embedding(10000, 128) ->
LSTM(64) -> Dense(1, sigmoid), batch 64, sequence 100, Adam, binary cross-entropy -- in
graphflow (compiled fit) beside PyTorch (nn.LSTM, eager) and TensorFlow/Keras (fit), the
peers run as subprocesses from ~/.venv-peers (torch) and ~/.venv-tf when those exist.

Each framework runs in its own subprocess with the same environment; `--threads N` sets the
BLAS/OpenMP thread count of all three (OPENBLAS_NUM_THREADS, OMP_NUM_THREADS, MKL_NUM_THREADS,
TF's intra-op pool). On a loaded machine one thread is faster for the loop's small
(64 x 64) @ (64 x 256) matmuls: OpenBLAS's threads spin for each of them.

Run: python examples/benchmarks/lstm.py [--steps 20] [--rounds 2] [--threads 1] [--explain]
Goal (issue 17): faster than both peers on the 2-core CPU.
"""
import argparse
import json
import os
import subprocess
import sys
import textwrap
import time

import numpy as np

BATCH, STEPS_PER_SEQ, VOCAB, EMBED, UNITS = 64, 100, 10000, 128, 64

TORCH_PEER = textwrap.dedent(f"""
    import json, sys, time, torch
    torch.manual_seed(0)
    steps = int(sys.argv[1])
    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = torch.nn.Embedding({VOCAB}, {EMBED})
            self.lstm = torch.nn.LSTM({EMBED}, {UNITS}, batch_first=True)
            self.out = torch.nn.Linear({UNITS}, 1)
        def forward(self, x):
            _, (h, _) = self.lstm(self.emb(x))
            return self.out(h[-1]).squeeze(-1)
    net = Net()
    opt = torch.optim.Adam(net.parameters(), 1e-3)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    x = torch.randint(1, {VOCAB}, ({BATCH}, {STEPS_PER_SEQ}))
    y = torch.randint(0, 2, ({BATCH},)).float()
    def step():
        opt.zero_grad()
        loss = loss_fn(net(x), y)
        loss.backward()
        opt.step()
    for _ in range(3):
        step()
    times = []
    for _ in range(steps):
        t0 = time.perf_counter(); step(); times.append(time.perf_counter() - t0)
    print(json.dumps({{"name": "PyTorch nn.LSTM (eager) " + torch.__version__,
                      "times": times, "threads": torch.get_num_threads()}}))
""")

KERAS_PEER = textwrap.dedent(f"""
    import json, os, sys, time
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import numpy as np, tensorflow as tf, keras
    if os.environ.get("OMP_NUM_THREADS"):
        n = int(os.environ["OMP_NUM_THREADS"])
        tf.config.threading.set_intra_op_parallelism_threads(n)
        tf.config.threading.set_inter_op_parallelism_threads(n)
    steps = int(sys.argv[1])
    rng = np.random.RandomState(0)
    x = rng.randint(1, {VOCAB}, size=({BATCH} * (steps + 3), {STEPS_PER_SEQ})).astype("int32")
    y = rng.randint(0, 2, size=len(x)).astype("float32")
    model = keras.Sequential([keras.Input(({STEPS_PER_SEQ},), dtype="int32"),
                              keras.layers.Embedding({VOCAB}, {EMBED}),
                              keras.layers.LSTM({UNITS}),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    times = []
    class Timer(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            self.t0 = time.perf_counter()
        def on_train_batch_end(self, batch, logs=None):
            times.append(time.perf_counter() - self.t0)
    model.fit(x, y, batch_size={BATCH}, epochs=1, verbose=0, callbacks=[Timer()])
    print(json.dumps({{"name": "TensorFlow/Keras fit " + tf.__version__ + " / " + keras.__version__,
                      "times": times[3:]}}))
""")


def run_peer(python, args, steps, env):
    python = os.path.expanduser(python)
    if not os.path.exists(python):
        return None
    try:
        out = subprocess.run([python] + args + [str(steps)], capture_output=True, text=True,
                             timeout=900, check=True, env=env).stdout
    except (subprocess.SubprocessError, OSError) as e:
        print(f"peer {python} failed: {e}", file=sys.stderr)
        return None
    return json.loads(out.strip().splitlines()[-1])


def graphflow_times(steps, explain):
    import graphflow as tf  # noqa: F401 - imported here so the peers never see it
    from graphflow import keras
    rng = np.random.RandomState(0)
    x = rng.randint(1, VOCAB, size=(BATCH * (steps + 3), STEPS_PER_SEQ)).astype("int32")
    y = rng.randint(0, 2, size=len(x)).astype("float32")
    model = keras.Sequential([keras.Input((STEPS_PER_SEQ,), dtype="int32"),
                              keras.layers.Embedding(VOCAB, EMBED),
                              keras.layers.LSTM(UNITS),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    times = []

    class Timer(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            self.t0 = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            times.append(time.perf_counter() - self.t0)
    start = time.perf_counter()
    model.fit(x[:BATCH * 2], y[:BATCH * 2], batch_size=BATCH, epochs=1, verbose=0)  # trace
    for concrete in model._train_fn._cache.values():  # wait for tiered compilation
        concrete.kernels()
    first = time.perf_counter() - start
    model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0, callbacks=[Timer()])
    if explain:
        for concrete in model._train_fn._cache.values():
            print(concrete.explain(), file=sys.stderr)
    threads = os.environ.get("OMP_NUM_THREADS", "default")
    return {"name": f"graphflow compiled fit (threads {threads})", "times": times[3:],
            "trace_and_compile_s": first}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--explain", action="store_true", help="print graphflow's plan")
    parser.add_argument("--threads", type=int, default=None,
                        help="BLAS/OpenMP threads for every framework (default: theirs)")
    parser.add_argument("--rounds", type=int, default=2,
                        help="alternating rounds of the three frameworks (best counts)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args, rest = parser.parse_known_args()
    if args.worker:  # the graphflow subprocess
        print(json.dumps(graphflow_times(int(rest[0]), args.explain)))
        return
    env = dict(os.environ)
    if args.threads:
        for key in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env[key] = str(args.threads)
    me = [os.path.abspath(__file__), "--worker"] + (["--explain"] if args.explain else [])
    if args.explain:  # the plan goes to the terminal
        subprocess.run([sys.executable] + me + [str(args.steps)], env=env, check=False)
    runs = [(sys.executable, me), ("~/.venv-peers/bin/python", ["-c", TORCH_PEER]),
            ("~/.venv-tf/bin/python", ["-c", KERAS_PEER])]
    # rounds alternate the frameworks so a burst of machine load hits them alike; each
    # framework's best round counts
    rounds = [[run_peer(python, cmd, args.steps, env) for python, cmd in runs]
              for _ in range(args.rounds)]
    results = []
    for k in range(len(runs)):
        done = [r[k] for r in rounds if r[k] is not None]
        if done:
            best = min(done, key=lambda r: float(np.median(r["times"])))
            best["round_medians_ms"] = [round(1e3 * float(np.median(r["times"])), 1) for r in done]
            results.append(best)
    print(f"LSTM text classifier train step (batch {BATCH}, sequence {STEPS_PER_SEQ}, "
          f"Embedding({VOCAB}, {EMBED}) -> LSTM({UNITS}) -> Dense(1)), median ms/step "
          f"(best of {args.rounds} rounds):")
    for r in results:
        print(f"  {r['name']:<50} {1e3 * float(np.median(r['times'])):8.1f}   rounds: "
              f"{r['round_medians_ms']}")
    print(json.dumps([r for r in results if r is not None]))


if __name__ == "__main__":
    main()
