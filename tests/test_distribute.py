"""graphflow.distribute (issue 19): data-parallel training over MPI.

The multi-process tests launch `mpiexec -n 2` / `-n 3` on the scripts in
tests/distribute_scripts/ and check what they wrote; they are skipped (with the reason) only when
mpi4py or mpiexec is missing. The one-process tests need neither.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import graphflow as tf
from graphflow import keras
from graphflow.distribute import communicator
from graphflow.distribute.input import part_bounds

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPTS = os.path.join(ROOT, "tests", "distribute_scripts")


def _mpiexec():
    found = shutil.which("mpiexec", path=os.path.dirname(sys.executable))
    return found or shutil.which("mpiexec")


def _have_mpi4py():
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        return False
    return True


needs_mpi = pytest.mark.skipif(
    not (_have_mpi4py() and _mpiexec()),
    reason="needs mpi4py and mpiexec (pip install graphflow[mpi], which brings the mpich wheel)")


def _env(tmp_path):
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("NUMBA_ENABLE_CUDASIM", None)  # the scripts train on the CPU
    env["GRAPHFLOW_CACHE_DIR"] = env.get("GRAPHFLOW_CACHE_DIR", str(tmp_path / "cache"))
    env["OMP_NUM_THREADS"] = env["NUMBA_NUM_THREADS"] = "1"
    return env


def launch(tmp_path, ranks, script, *args, timeout=120):
    """Runs `script` on `ranks` processes (or as a plain process when ranks is None)."""
    command = [sys.executable, os.path.join(SCRIPTS, script), *map(str, args)]
    if ranks is not None:
        command = [_mpiexec(), "-n", str(ranks)] + command
    # its own process group, so that a job that hangs is ended with all its ranks
    process = subprocess.Popen(command, cwd=tmp_path, env=_env(tmp_path), text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        pytest.fail(f"{' '.join(command)} hung for {timeout} s:\n{stdout[-2000:]}{stderr[-2000:]}")
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def _weights(path):
    with np.load(path) as data:
        return [data[k] for k in sorted(data, key=lambda k: int(k.split("_")[1]))]


def _ok(result):
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


# -- several processes ---------------------------------------------------------------------------

@needs_mpi
@pytest.mark.parametrize("ranks, run", [(2, "compiled"), (3, "eager")])
def test_fit_matches_one_process_and_checkpoints_once(tmp_path, ranks, run):
    """fit with shuffled arrays (the all-reduce inside the compiled train step, or eagerly):
    identical weights on every rank, equal (to float32 rounding) to one process trained on the
    same global batches; rank 0 alone writes."""
    multi, single = tmp_path / "multi", tmp_path / "single"
    multi.mkdir()
    single.mkdir()
    result = launch(tmp_path, ranks, "fit_mlp.py", multi, "arrays", run)
    _ok(result)
    # progress and callback messages from rank 0 only
    assert result.stdout.count("Epoch 1/3") == 1, result.stdout
    assert result.stdout.count("early stopping") == 1, result.stdout
    _ok(launch(tmp_path, None, "fit_mlp.py", single, "arrays", run))
    rank0 = _weights(multi / "weights_0.npz")
    for r in range(1, ranks):
        for a, b in zip(rank0, _weights(multi / f"weights_{r}.npz")):
            assert a.tobytes() == b.tobytes()  # bitwise identical
    for a, b in zip(rank0, _weights(single / "weights_0.npz")):
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=2e-6)
    np.testing.assert_allclose(np.load(multi / "loss_1.npy"), np.load(single / "loss_0.npy"),
                               rtol=1e-5)
    # validation metrics over all ranks' shards: the same on every rank, as one process; the
    # EarlyStopping decision (after 2 of 3 epochs) is the same everywhere
    val = [np.load(multi / f"val_loss_{r}.npy") for r in range(ranks)]
    assert all(v.tobytes() == val[0].tobytes() for v in val) and len(val[0]) == 2
    np.testing.assert_allclose(val[0], np.load(single / "val_loss_0.npy"), rtol=1e-5)
    writes = (multi / "writes.txt").read_text().split("\n")[:-1]
    assert writes == [f"0 ckpt_{e}.weights.h5" for e in (1, 2)]


@needs_mpi
@pytest.mark.parametrize("global_batch", [12, 10])
def test_sharding_gives_every_sample_to_one_rank(tmp_path, global_batch):
    """A tf.data pipeline of global batches (10 does not divide over 3 ranks: parts 4, 4, 2 as
    TF's DATA auto-sharding): each epoch every sample goes to exactly one rank."""
    _ok(launch(tmp_path, 3, "fit_mlp.py", tmp_path, "dataset", "eager", global_batch))
    for epoch in range(3):
        parts = [np.load(tmp_path / f"seen_{r}_{epoch}.npy") for r in range(3)]
        assert sorted(np.concatenate(parts).tolist()) == list(range(48))
        first = [p[:part_bounds(global_batch, 3, r)[1] - part_bounds(global_batch, 3, r)[0]]
                 for r, p in enumerate(parts)]
        assert sorted(np.concatenate(first).tolist()) == list(range(global_batch))


@needs_mpi
def test_custom_loop_with_strategy_run(tmp_path):
    multi, single = tmp_path / "multi", tmp_path / "single"
    multi.mkdir()
    single.mkdir()
    _ok(launch(tmp_path, 2, "custom_loop.py", multi))
    _ok(launch(tmp_path, None, "custom_loop.py", single))
    a, b = _weights(multi / "weights_0.npz"), _weights(multi / "weights_1.npz")
    assert all(x.tobytes() == y.tobytes() for x, y in zip(a, b))
    for x, y in zip(a, _weights(single / "weights_0.npz")):
        np.testing.assert_allclose(x, y, rtol=2e-5, atol=2e-6)
    np.testing.assert_allclose(np.load(multi / "losses_0.npy"),
                               np.load(single / "losses_0.npy"), rtol=1e-5)
    # fit on a distributed dataset, then evaluate (72 samples in batches of 10 over 2 ranks)
    a, b = _weights(multi / "fit_0.npz"), _weights(multi / "fit_1.npz")
    assert all(x.tobytes() == y.tobytes() for x, y in zip(a, b))
    for x, y in zip(a, _weights(single / "fit_0.npz")):
        np.testing.assert_allclose(x, y, rtol=2e-5, atol=2e-6)
    assert np.load(multi / "eval_0.npy").tobytes() == np.load(multi / "eval_1.npy").tobytes()
    np.testing.assert_allclose(np.load(multi / "eval_0.npy"), np.load(single / "eval_0.npy"),
                               rtol=1e-5)


@needs_mpi
def test_bucketed_overlapped_all_reduce_and_sharded_predict(tmp_path):
    """One 3-rank job (collectives.py): the all-reduce gives the same bits whatever the
    buckets; a compiled train step starts each bucket's all-reduce inside the backward pass and
    waits only before the updates, with the weights bitwise those of the unscheduled graph, on
    every rank; predict shards its batches (some parts empty) and returns every prediction in
    order on every rank, as one process does."""
    multi, single = tmp_path / "multi", tmp_path / "single"
    multi.mkdir()
    single.mkdir()
    _ok(launch(tmp_path, 3, "collectives.py", multi))
    _ok(launch(tmp_path, None, "collectives.py", single))
    for name in ("reduced", "trained", "predict"):
        ours = [np.load(multi / f"{name}_{r}.npz") for r in range(3)]
        for key in ours[0]:
            assert all(o[key].tobytes() == ours[0][key].tobytes() for o in ours), (name, key)
    reduced = np.load(multi / "reduced_0.npz")
    arrays = [k for k in reduced if k.startswith("one_")]
    assert len(arrays) == 5
    for key in arrays:  # per element the same reduction as one message per dtype
        for prefix in ("auto_", "small_"):
            assert reduced[key].tobytes() == reduced[key.replace("one_", prefix)].tobytes()
    trained = np.load(multi / "trained_0.npz")
    for key in [k for k in trained if k.startswith("on_")]:
        assert trained[key].tobytes() == trained[key.replace("on_", "off_")].tobytes(), key
    # the plan: 4 gradient buckets started between the backward pass's matmuls, waited for after
    steps = re.findall(r"step \d+: (\S+) [\[(](\w+)[\])]$",
                       (multi / "steps_0.txt").read_text(), re.M)
    kinds = [("start" if "all_reduce_start" in n else "wait" if "all_reduce_wait" in n else
              "update" if k == "update" else "matmul" if "matmul" in n else "other")
             for n, k in steps]
    starts = [i for i, k in enumerate(kinds) if k == "start"]
    waits = [i for i, k in enumerate(kinds) if k == "wait"]
    last_matmul = max(i for i, k in enumerate(kinds) if k == "matmul")
    first_update = min(i for i, k in enumerate(kinds) if k == "update")
    assert len(starts) == 5 and starts[0] < last_matmul < waits[0] < first_update, kinds
    assert sum(starts[0] < i < starts[3] and k == "matmul" for i, k in enumerate(kinds)) >= 2
    # FILE sharding (3 ranks, 3 files): rank r reads file r; ranks whose file ran out get empty
    # batches until the longest is done; one process reads all files, in global batches
    files = [json.loads((multi / f"files_{r}.json").read_text()) for r in range(3)]
    assert files == [[[0, 1], [2, 3], [4], []], [[10, 11], [], [], []],
                     [[20, 21], [22, 23], [24, 25], [26]]]
    assert json.loads((single / "files_0.json").read_text()) == \
        [[0, 1, 2, 3, 4, 10], [11, 20, 21, 22, 23, 24], [25, 26]]
    one = np.load(single / "predict_0.npz")
    for key in ("arrays", "dataset"):
        got = np.load(multi / "predict_0.npz")[key]
        assert got.shape == one[key].shape == ((10, 1) if key == "arrays" else (13, 1))
        np.testing.assert_allclose(got, one[key], rtol=1e-5, atol=1e-6)


@needs_mpi
@pytest.mark.parametrize("mode, run, message", [
    ("kill", "eager", "signal 9"),
    ("raise", "eager", "rank 1 of 3 raised RuntimeError: rank 1 failed on purpose"),
    # compiled: the others wait inside the train step's plan, with several all-reduces pending
    ("hang", "compiled",
     r"all-reduce of \d+ float32 values on rank [02] of 3 did not complete within 3.0 s"),
    ("exit", "compiled", r"rank 1 of 3 exited while rank [02] waits for it in a all-reduce"),
    ("mismatch", "eager", r"variable 'dense/kernel' differs between the replicas \(rank 0: "
                          r"'dense/kernel' shape \[3, 4\] float32; rank 1: 'dense/kernel' shape "
                          r"\[3, 5\]"),
])
def test_a_failing_rank_ends_the_job(tmp_path, mode, run, message):
    start = time.monotonic()
    result = launch(tmp_path, 3, "faults.py", mode, run, timeout=60)
    assert result.returncode != 0
    assert time.monotonic() - start < 45
    # the ranks write their stderr to files of their own (faults.py): mpiexec may end the job
    # before it forwards an aborting rank's output
    ranks = "".join(p.read_text() for p in sorted(tmp_path.glob("stderr.*")))
    output = result.stdout + result.stderr + ranks
    assert re.search(message, output), output[-3000:]
    assert "finished" not in result.stdout


# -- one process ---------------------------------------------------------------------------------

def test_one_process_strategy_is_the_default_behaviour():
    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    assert strategy.num_replicas_in_sync == 1 and not tf.distribute.has_strategy()
    assert tf.distribute.in_cross_replica_context()
    with strategy.scope():
        assert tf.distribute.get_strategy() is strategy and tf.distribute.has_strategy()
        assert tf.distribute.get_replica_context() is None
        model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        model.compile(optimizer="sgd", loss="mse")
    x, y = np.ones((8, 2), np.float32), np.ones((8, 1), np.float32)
    model.fit(x, y, batch_size=4, epochs=1, verbose=0)

    def step(v):
        ctx = tf.distribute.get_replica_context()
        assert int(ctx.replica_id_in_sync_group) == 0 and ctx.num_replicas_in_sync == 1
        return v * 2

    r = strategy.run(step, args=(tf.constant([1.0, 2.0]),))
    assert float(strategy.reduce("MEAN", r, axis=0)) == 3.0
    assert strategy.reduce(tf.distribute.ReduceOp.SUM, r, axis=None).numpy().tolist() == [2, 4]
    assert strategy.experimental_local_results(r)[0] is r
    with pytest.raises(tf.errors.InvalidArgumentError, match="reduce_op must be"):
        strategy.reduce("SUMX", r, axis=None)
    ds = tf.data.Dataset.range(10).batch(4)
    assert [b.numpy().tolist() for b in strategy.experimental_distribute_dataset(ds)] == \
        [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    got = strategy.distribute_datasets_from_function(
        lambda ctx: tf.data.Dataset.range(6).batch(ctx.get_per_replica_batch_size(4)))
    assert [b.numpy().tolist() for b in got] == [[0, 1, 2, 3], [4, 5]]
    assert strategy.extended.should_checkpoint
    assert strategy.cluster_resolver.task_type == "worker"


def test_input_context_and_parts():
    ctx = tf.distribute.InputContext(num_input_pipelines=2, input_pipeline_id=1,
                                     num_replicas_in_sync=3)
    assert str(ctx) == "tf.distribute.InputContext(input pipeline id 1, total: 2)"
    with pytest.raises(ValueError, match="The `global_batch_size` 10 is not divisible by "
                                         "`num_replicas_in_sync` 3"):
        ctx.get_per_replica_batch_size(10)
    # TF's legacy rebatch (auto-shard DATA): ceil(B / N) per part, the last ones smaller
    assert [part_bounds(10, 3, r) for r in range(3)] == [(0, 4), (4, 8), (8, 10)]
    assert [part_bounds(2, 3, r) for r in range(3)] == [(0, 1), (1, 2), (2, 2)]


def test_communication_options():
    options = tf.distribute.experimental.CommunicationOptions(
        bytes_per_pack=64, timeout_seconds=5,
        implementation=tf.distribute.experimental.CommunicationImplementation.RING)
    assert repr(options) == ("Options(bytes_per_pack=64,timeout_seconds=5.0, "
                             "implementation=CommunicationImplementation.RING)")
    strategy = tf.distribute.MultiWorkerMirroredStrategy(communication_options=options)
    assert strategy.num_replicas_in_sync == 1
    with pytest.raises(tf.errors.InvalidArgumentError, match="bytes_per_pack"):
        tf.distribute.experimental.CommunicationOptions(bytes_per_pack=-1)
    with pytest.raises(tf.errors.InvalidArgumentError, match="communication_options"):
        tf.distribute.MultiWorkerMirroredStrategy(communication_options={"timeout": 1})


def test_missing_mpi4py_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "mpi4py", None)  # import mpi4py fails
    monkeypatch.setattr(communicator, "_world", None)
    for name in ("PMI_SIZE", "PMI_RANK", "OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMIX_SIZE"):
        monkeypatch.delenv(name, raising=False)
    # one process without MPI: strategies work as the default strategy
    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    assert strategy.num_replicas_in_sync == 1
    monkeypatch.setattr(communicator, "_world", None)
    monkeypatch.setenv("PMI_SIZE", "4")  # launched by mpiexec -n 4
    with pytest.raises(tf.errors.UnimplementedError,
                       match=r"run on 4 processes .*pip install graphflow\[mpi\]"):
        tf.distribute.MultiWorkerMirroredStrategy()


class _Replica:
    """Stands for replica `rank` of a `size`-process strategy (the input side only)."""

    def __init__(self, size, rank):
        self.num_replicas_in_sync = size
        self._comm = type("Comm", (), {"size": size, "rank": rank,
                                       "all_reduce": lambda self, arrays, *a: arrays})()
        self._options = tf.distribute.experimental.CommunicationOptions()


def _lines_dataset(tmp_path, policy, count=4, through_list_files=False):
    tmp_path = tmp_path / f"{count}_files"
    tmp_path.mkdir(exist_ok=True)
    for f in range(count):
        (tmp_path / f"f{f}.txt").write_text("".join(f"{10 * f + i}\n" for i in range(5)))
    if through_list_files:
        ds = tf.data.Dataset.list_files(str(tmp_path / "f*.txt"), shuffle=False).interleave(
            tf.data.TextLineDataset, cycle_length=1)
    else:
        ds = tf.data.TextLineDataset([str(tmp_path / f"f{f}.txt") for f in range(count)])
    ds = ds.map(lambda s: tf.strings.to_number(s, tf.int32)).batch(4)
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = getattr(
        tf.data.experimental.AutoShardPolicy, policy)
    return ds.with_options(options)


def _parts(ds, size=2):
    return [[b.numpy().tolist() for b in tf.distribute.DistributedDataset(ds, _Replica(size, r))]
            for r in range(size)]


@pytest.mark.parametrize("through_list_files", [False, True])
def test_file_auto_sharding_as_tensorflow(tmp_path, through_list_files):
    """What TF 2.21's MultiWorkerMirroredStrategy gives 2 workers reading 4 files of 5 lines in
    batches of 4: FILE (and AUTO, which finds the files) gives worker r files r and r + 2, cut
    into batches of 2; DATA splits each global batch."""
    by_file = [[[0, 1], [2, 3], [4, 20], [21, 22], [23, 24]],
               [[10, 11], [12, 13], [14, 30], [31, 32], [33, 34]]]
    for policy in ("FILE", "AUTO"):
        assert _parts(_lines_dataset(tmp_path, policy, 4, through_list_files)) == by_file
    assert _parts(_lines_dataset(tmp_path, "DATA", 4, through_list_files)) == [
        [[0, 1], [4, 10], [13, 14], [22, 23], [31, 32]],
        [[2, 3], [11, 12], [20, 21], [24, 30], [33, 34]]]
    for policy in ("FILE", "AUTO"):  # fewer files than workers: TF's error, for AUTO too
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"the dataset only has 1 file\(s\), which is not enough for the "
                                 r"required 2 shards/workers"):
            _parts(_lines_dataset(tmp_path, policy, 1, through_list_files))


def test_file_auto_sharding_falls_back_to_data():
    ds = tf.data.Dataset.range(10).batch(4)
    assert _parts(ds) == [[[0, 1], [4, 5], [8]], [[2, 3], [6, 7], [9]]]  # AUTO: DATA
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.FILE
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match="cannot shard by FILE .*unshardable source dataset: RangeDataset"):
        _parts(ds.with_options(options))
    from graphflow.distribute.input import replica_batch_sizes
    assert [replica_batch_sizes(10, 3, r) for r in range(3)] == [[4, 3, 3], [3, 3, 4], [3, 4, 3]]


def test_compute_average_loss_uses_the_global_batch():
    per_example = tf.constant([1.0, 2.0, 3.0])
    assert float(tf.nn.compute_average_loss(per_example)) == 2.0
    assert float(tf.nn.compute_average_loss(per_example, global_batch_size=6)) == 1.0
