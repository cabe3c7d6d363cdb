"""Nothing lost, nothing corrupted, no way out of the named folders (issue 13).

One writer per results folder, parts verified on resume, single runs that never overwrite,
output checked before work, names that are not paths, sizes in Python integers."""

from __future__ import annotations

import errno
import fcntl
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from _procs import session_processes

from cadresim.experiments import executors, run_sweep, store
from cadresim.model.config import ConfigError

SMALL = ["population.size=100", "steps=12"]
COVERAGE = {"policy.tolerance.coverage": [0, 1]}
KW = {"levers": COVERAGE, "design": "lhs", "points": 4, "replications": 2, "batch_size": 2}
EXE = [sys.executable, "-m", "cadresim.cli"]
CLI_SWEEP = [
    "experiment=sweep",
    "sweep.levers.policy.tolerance.coverage=[0,1]",
    "sweep.design=lhs",
    "sweep.points=4",
    "sweep.replications=2",
    "experiment.batch_size=2",
    "experiment.executor=serial",
    "experiment.progress=none",
    "experiment.report=false",
    *SMALL,
]


def sweep(folder: Path, **kw):
    kw = {**KW, **kw}
    kw.setdefault("executor", "serial")
    kw.setdefault("progress", "none")
    return run_sweep(SMALL, output_dir=str(folder), **kw)


def same_tables(a: Path, b: Path) -> None:
    pd.testing.assert_frame_equal(
        pd.read_parquet(a / "runs.parquet"), pd.read_parquet(b / "runs.parquet")
    )
    steps_a = pd.read_parquet(a / "steps").sort_values(["run_id", "step"], kind="stable")
    steps_b = pd.read_parquet(b / "steps").sort_values(["run_id", "step"], kind="stable")
    pd.testing.assert_frame_equal(steps_a.reset_index(drop=True), steps_b.reset_index(drop=True))


def temp_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*.tmp")]


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    """The fault-free results every faulty folder must end up equal to."""
    folder = tmp_path_factory.mktemp("ref") / "ref"
    sweep(folder)
    return folder


def hold_lock(folder: Path, pid: int, started: str = "2026-12-01T09:00:00+0000"):
    """Hold the folder's lock as another writer would (a second open file description)."""
    folder.mkdir(parents=True, exist_ok=True)
    handle = open(folder / store.LOCK, "a+")  # noqa: SIM115
    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    handle.truncate(0)
    handle.write(json.dumps({"pid": pid, "host": socket.gethostname(), "started": started}))
    handle.flush()
    return handle


# ------------------------------------------------------------------ one writer per folder


def test_second_writer_is_refused_while_the_lock_is_held(tmp_path, reference):
    folder = tmp_path / "x"
    sweep(folder)
    before = {p: p.stat().st_mtime_ns for p in folder.rglob("*.parquet")}
    handle = hold_lock(folder, 424242)
    try:
        with pytest.raises(store.FolderBusy, match=r"pid 424242 .*started 2026-12-01T09:00:00"):
            sweep(folder)
    finally:
        handle.close()
    assert {p: p.stat().st_mtime_ns for p in folder.rglob("*.parquet")} == before
    assert not (folder / store.ASIDE).exists()
    same_tables(folder, reference)


@pytest.mark.slow
def test_twin_writer_mid_sweep_exits_2_and_the_folder_stays_correct(tmp_path, reference):
    """The race of issue 13 made deterministic: while the first writer is mid-way (holding the
    lock, parts of unfinished batches on disk), an identical second sweep starts on the folder."""
    folder = tmp_path / "out"
    seen = []

    def second_writer(result):
        seen.append(result.part)
        if len(seen) != 2:
            return
        # mid-way: an orphan-looking steps part the second writer's scan must not touch
        (folder / "steps" / "part-0000006.parquet").write_bytes(b"being written")
        out = subprocess.run(
            [*EXE, *CLI_SWEEP, f"experiment.output_dir={folder}"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
        )
        seen.append(out)
        assert (folder / "steps" / "part-0000006.parquet").exists()
        (folder / "steps" / "part-0000006.parquet").unlink()  # the first writer's own file

    sweep(folder, levers={"policy.tolerance.coverage": [0, 1]}, callback=second_writer)
    out = seen[2]
    assert out.returncode == 2, out.stderr
    lines = out.stderr.splitlines()
    assert len(lines) == 1 and f"another cadresim process (pid {os.getpid()}" in lines[0]
    assert "Traceback" not in out.stderr
    same_tables(folder, reference)
    assert len(list((folder / "runs").glob("part-*.parquet"))) == 4
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["finished_runs"] == 8
    assert sweep(folder).executed == 0  # and nothing is left to do


def test_a_stale_lock_of_a_dead_process_is_taken_over(tmp_path, reference, capsys):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    folder = tmp_path / "s"
    folder.mkdir()
    (folder / store.LOCK).write_text(
        json.dumps({"pid": dead.pid, "host": socket.gethostname(), "started": "earlier"})
    )
    sweep(folder)
    assert f"taking over the lock of pid {dead.pid}" in capsys.readouterr().err
    same_tables(folder, reference)
    assert (folder / store.LOCK).read_text() == ""  # released at the end


# ------------------------------------------------------------------ verified resume


def test_resume_sets_truncated_parts_aside_and_reruns_only_their_runs(tmp_path, reference, capsys):
    folder = tmp_path / "t"
    sweep(folder)
    ledger = store.read_ledger(folder)
    assert set(ledger) == {f"part-{i:07d}.parquet" for i in (0, 2, 4, 6)}
    entry = ledger["part-0000000.parquet"]
    assert entry["run_ids"] == [0, 1] and entry["runs"]["rows"] > 0
    assert len(entry["steps"]["sha256"]) == 64
    steps_part = folder / "steps" / "part-0000000.parquet"
    steps_part.write_bytes(steps_part.read_bytes()[: steps_part.stat().st_size // 2])
    runs_part = folder / "runs" / "part-0000004.parquet"
    runs_part.write_bytes(runs_part.read_bytes()[:100])
    capsys.readouterr()
    resumed = sweep(folder)
    assert resumed.executed == 4  # runs 0, 1, 4, 5: nothing else ran again
    err = capsys.readouterr().err.splitlines()
    note = [line for line in err if "resume:" in line]
    assert len(note) == 1 and "2 corrupt or truncated part(s)" in note[0]
    assert "4 runs will run again" in note[0]
    same_tables(folder, reference)
    aside = sorted(p.name for p in (folder / store.ASIDE).rglob("*"))
    assert any(n.startswith("part-0000000.parquet.corrupt-") for n in aside)
    assert any(n.startswith("part-0000004.parquet.corrupt-") for n in aside)
    assert len([n for n in aside if ".corrupt-" in n]) == 4  # both twins of both parts kept
    assert sweep(folder).executed == 0  # the rerun parts are in the ledger now


@pytest.mark.slow
def test_empty_run_part_outside_the_ledger_does_not_crash_resume(tmp_path, reference, inproc):
    """A folder whose ledger was lost (or predates it), with an empty and a truncated run part:
    resume reads every part whole, keeps the good ones, sets the rest aside and reruns them."""
    folder = tmp_path / "e"
    first = inproc(*CLI_SWEEP, f"experiment.output_dir={folder}")
    assert first.returncode == 0, first.stderr
    (folder / store.LEDGER).unlink()
    (folder / "runs" / "part-0000002.parquet").write_bytes(b"")
    part = folder / "runs" / "part-0000006.parquet"
    part.write_bytes(part.read_bytes()[:-20])
    out = inproc(*CLI_SWEEP, f"experiment.output_dir={folder}")
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr and "ArrowInvalid" not in out.stderr
    assert "4 executed now" in out.stdout
    assert "resume: moved 2 corrupt or truncated part(s)" in out.stderr
    same_tables(folder, reference)
    assert set(store.read_ledger(folder)) == {f"part-{i:07d}.parquet" for i in (0, 2, 4, 6)}


def test_orphan_step_parts_are_moved_aside_not_deleted(tmp_path, reference):
    folder = tmp_path / "o"
    sweep(folder)
    orphan = folder / "steps" / "part-0000099.parquet"
    orphan.write_bytes(b"half-written")
    assert sweep(folder).executed == 0
    kept = list((folder / store.ASIDE / "steps").glob("part-0000099.parquet.orphan-*"))
    assert len(kept) == 1 and kept[0].read_bytes() == b"half-written"
    same_tables(folder, reference)


# ------------------------------------------------------------------ single runs never overwrite


def test_single_run_never_overwrites_another_runs_results(tmp_path, inproc):
    x = tmp_path / "X"
    run = ["population.size=60", "steps=6", "output_dir=X", "experiment.report=false"]
    first = inproc(*run, "seed=0")
    assert first.returncode == 0, first.stderr
    summary = json.loads((x / "summary.json").read_text())
    again = inproc(*run, "seed=0")  # the identical run: allowed, same results
    assert again.returncode == 0, again.stderr
    assert json.loads((x / "summary.json").read_text())["config_hash"] == summary["config_hash"]
    # how it is reported is not what runs: still the same run
    assert inproc(*run, "seed=0", "experiment.lang=zh").returncode == 0
    other = inproc(*run, "seed=1", "policy=three_mechanisms")
    assert other.returncode == 2 and other.stdout == ""
    lines = other.stderr.splitlines()
    assert (
        len(lines) == 1 and "holds the results of another run (policy baseline, seed 0" in lines[0]
    )
    assert "overwrite=true" in lines[0]
    assert json.loads((x / "summary.json").read_text())["seed"] == 0  # untouched
    forced = inproc(*run, "seed=1", "policy=three_mechanisms", "overwrite=true")
    assert forced.returncode == 0, forced.stderr
    assert json.loads((x / "summary.json").read_text())["seed"] == 1


def test_overwrite_does_not_change_the_run_folder_name(inproc, tmp_path):
    from cadresim.model.config import load_config
    from cadresim.model.simulate import config_hash

    assert config_hash(load_config(["overwrite=true"])) == config_hash(load_config([]))


# ------------------------------------------------------------------ output checked before work


@pytest.mark.parametrize("experiment", [False, True])
def test_output_dir_that_is_a_file_exits_2_before_any_step(tmp_path, inproc, experiment):
    (tmp_path / "afile").write_text("keep me")
    args = [*CLI_SWEEP] if experiment else ["population.size=60", "steps=6"]
    key = "experiment.output_dir" if experiment else "output_dir"
    for target, fragment in (("afile", "is a file, not a folder"), ("afile/sub", "is a file")):
        out = inproc(*args, f"{key}={target}")
        assert out.returncode == 2, out.stderr
        lines = out.stderr.splitlines()
        assert len(lines) == 1 and fragment in lines[0] and key in lines[0]
    assert (tmp_path / "afile").read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]


def test_too_little_free_space_is_refused_before_any_step(tmp_path, inproc, monkeypatch):
    import shutil

    from cadresim import safety

    monkeypatch.setattr(
        safety.shutil, "disk_usage", lambda p: shutil._ntuple_diskusage(10**9, 10**9, 4096)
    )
    out = inproc("population.size=60", "steps=6", "output_dir=X")
    assert out.returncode == 2 and "KiB free" in out.stderr, out.stderr
    assert not (tmp_path / "X").exists()


def _enospc(monkeypatch, after: int = 0):
    """Make the (after+1)-th and later parquet writes fail as a full disk would."""
    real = pd.DataFrame.to_parquet
    calls = []

    def full(self, path, *a, **kw):
        calls.append(path)
        if len(calls) > after:
            Path(path).write_bytes(b"PAR1 partial")  # a half-written temp file
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(self, path, *a, **kw)

    monkeypatch.setattr(pd.DataFrame, "to_parquet", full)
    return lambda: monkeypatch.setattr(pd.DataFrame, "to_parquet", real)


def test_single_run_full_disk_is_one_line_exit_1_earlier_results_intact(
    tmp_path, inproc, monkeypatch
):
    run = ["population.size=60", "steps=6", "output_dir=X", "experiment.report=false"]
    assert inproc(*run, "seed=0").returncode == 0
    before = {p.name: p.read_bytes() for p in (tmp_path / "X").iterdir()}
    _enospc(monkeypatch)
    out = inproc(*run, "seed=1", "overwrite=true")
    assert out.returncode == 1
    lines = out.stderr.splitlines()
    assert len(lines) == 1 and "No space left on device" in lines[0] and "X" in lines[0]
    assert "Traceback" not in out.stderr
    assert {p.name: p.read_bytes() for p in (tmp_path / "X").iterdir()} == before
    assert not temp_files(tmp_path)


def test_experiment_full_disk_is_one_line_exit_1_then_resume_finishes(
    tmp_path, inproc, monkeypatch, reference
):
    # design.parquet, parameters.parquet and 2 batches x (steps, runs part) fit; then full
    disk_freed = _enospc(monkeypatch, after=6)
    out = inproc(*CLI_SWEEP, "experiment.output_dir=full")
    assert out.returncode == 1
    lines = out.stderr.splitlines()
    assert len(lines) == 1 and "No space left on device" in lines[0], out.stderr
    assert "run the same command again" in lines[0]
    folder = tmp_path / "full"
    assert not temp_files(folder)
    assert len(list((folder / "runs").glob("part-*.parquet"))) == 2
    disk_freed()
    again = inproc(*CLI_SWEEP, "experiment.output_dir=full")
    assert again.returncode == 0 and "4 executed now" in again.stdout, again.stderr
    same_tables(folder, reference)


# ------------------------------------------------------------------ names are not paths


@pytest.mark.parametrize(
    ("arg", "key"),
    [
        ("policy.name=../../x", "policy.name"),
        ("policy.name=/abs", "policy.name"),
        ("population.name=a/b", "population.name"),
        ("network.name=..", "network.name"),
    ],
)
def test_names_that_are_paths_are_refused(tmp_path, inproc, arg, key):
    for extra in ([], ["experiment=compare_regimes", "experiment.replications=1"]):
        out = inproc("population.size=60", "steps=6", *extra, arg)
        assert out.returncode == 2
        lines = out.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"cadresim: error: {key} = ")
        assert "not a path" in lines[0]
    assert list(tmp_path.iterdir()) == []


def test_names_are_refused_through_the_python_api(tmp_path):
    with pytest.raises(ConfigError, match="policy.name = '../x' is not a valid name"):
        run_sweep([*SMALL, "policy.name=../x"], levers=COVERAGE, output_dir=str(tmp_path / "api"))
    assert not (tmp_path / "api").exists()


@pytest.mark.parametrize(
    "arg",
    ["output_dir=${oc.env:HOME}/x", "policy.name=${oc.env:HOME}", "seed=${oc.decode:'3'}"],
)
def test_resolver_interpolations_in_overrides_are_refused(tmp_path, inproc, arg):
    out = inproc("population.size=60", "steps=6", arg)
    assert out.returncode == 2
    lines = out.stderr.splitlines()
    assert len(lines) == 1 and "OmegaConf resolver" in lines[0]
    assert lines[0].startswith(f"cadresim: error: {arg.split('=')[0]}:")
    assert list(tmp_path.iterdir()) == []


def test_run_folder_name_is_a_slug(tmp_path, inproc):
    out = inproc("population.size=60", "steps=6", "policy.name='容错 试点:v2'")
    assert out.returncode == 0, out.stderr
    (folder,) = (tmp_path / "results" / "runs").iterdir()
    assert folder.name.startswith("容错_试点_v2-seed0-")


# ------------------------------------------------------------------ sizes in Python integers


def test_a_grid_of_256_levels_over_8_factors_is_refused_by_the_memory_cap(tmp_path):
    keys = [
        "policy.tolerance.coverage",
        "policy.tolerance.screening",
        "policy.tolerance.publicity",
        "policy.tolerance.recovery",
        "policy.accountability.detection",
        "policy.accountability.inaction_detection",
        "policy.incentive.recognition",
        "policy.incentive.excellence_quota",
    ]
    with pytest.raises(ConfigError, match=f"sweep.levels = 256: {256**8:,} design points x 1 "):
        sweep(
            tmp_path / "g",
            levers={k: [0.0, 1.0] for k in keys},
            design="grid",
            levels=256,
            replications=1,
        )
    assert not (tmp_path / "g").exists()


def test_workers_above_the_core_count_are_capped_with_a_warning(monkeypatch, capsys):
    seen = []
    monkeypatch.setattr(executors, "cpu_count", lambda: 2)
    monkeypatch.setattr(
        executors, "_processes", lambda batches, workers, task: seen.append(workers) or []
    )
    list(executors.execute([], "processes", 48))
    list(executors.execute([], "processes", 2))
    assert seen == [2, 2]
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "cadresim: warning: experiment.workers = 48 is more than the 2 cores of this machine; "
        "using 2"
    ]


def test_result_files_get_the_usual_permissions(tmp_path, inproc):
    out = inproc("population.size=60", "steps=6", "output_dir=X", "experiment.report=false")
    assert out.returncode == 0, out.stderr
    mask = os.umask(0)
    os.umask(mask)
    for name in ("steps.parquet", "summary.json"):
        assert (tmp_path / "X" / name).stat().st_mode & 0o777 == 0o666 & ~mask
    store.write_json(tmp_path / "m.json", {})
    assert (tmp_path / "m.json").stat().st_mode & 0o777 == 0o666 & ~mask


# ------------------------------------------------------------------ a worker killed mid-sweep


def die_in_part_2(batch):
    """A batch task whose worker is killed by a signal on one batch (a stand-in for the OOM
    killer); module-level, so pool workers import it."""
    import signal

    from cadresim.experiments.runs import run_batch

    if batch.part == "part-0000002.parquet":
        os.kill(os.getpid(), signal.SIGKILL)
    return run_batch(batch)


@pytest.mark.slow
def test_a_killed_worker_fails_only_its_batch_and_the_pool_goes_on():
    from cadresim.experiments.runs import Batch, RunSpec, replicate_seeds
    from cadresim.model.config import load_config

    base = load_config(["population.size=60", "steps=4"])
    seeds = replicate_seeds(0, 2)
    batches = [
        Batch(
            f"part-{start:07d}.parquet",
            {"baseline": base},
            [RunSpec(i, "baseline", i % 2, seeds[i % 2]) for i in (start, start + 1)],
        )
        for start in range(0, 10, 2)
    ]
    results = {r.part: r for r in executors.execute(batches, "processes", 2, task=die_in_part_2)}
    assert sorted(results) == [b.part for b in batches]  # every batch answered, once
    dead = results["part-0000002.parquet"]
    assert dead.runs is None and [f["run_id"] for f in dead.failures] == [2, 3]
    assert "worker process running this batch died" in dead.failures[0]["error"]
    for part, res in results.items():
        if part != "part-0000002.parquet":
            assert not res.failures and res.runs["run_id"].nunique() == 2


def test_ctrl_c_is_one_line_exit_130_and_the_resume_finishes(
    tmp_path, inproc, monkeypatch, reference
):
    from cadresim.experiments import runs as runs_module

    real = runs_module.simulate_tallies
    started = []

    def interrupted(cfg):
        started.append(cfg.seed)
        if len(started) == 5:
            raise KeyboardInterrupt
        return real(cfg)

    monkeypatch.setattr(runs_module, "simulate_tallies", interrupted)
    # every run alone, through `simulate_tallies` (batched runs would bypass the injection)
    monkeypatch.setattr(
        runs_module, "plan_batches", lambda cfgs, _: [[i] for i in range(len(cfgs))]
    )
    out = inproc(*CLI_SWEEP, "experiment.output_dir=cut")
    assert out.returncode == 130
    lines = out.stderr.splitlines()
    assert lines == ["interrupted: 4 of 8 runs saved; rerun the same command to resume"]
    monkeypatch.setattr(runs_module, "simulate_tallies", real)
    again = inproc(*CLI_SWEEP, "experiment.output_dir=cut")
    assert again.returncode == 0 and "4 executed now" in again.stdout, again.stderr
    same_tables(tmp_path / "cut", reference)


# ------------------------------------------------------------------ derived tables under the lock


def _lock_is_free(folder: Path) -> bool:
    """Whether another writer could take the folder's lock now (a second open file description
    conflicts with this process's own flock)."""
    fd = os.open(folder / store.LOCK, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return True
    finally:
        os.close(fd)


DERIVED = {
    "compare": {"comparison.parquet"},
    "lever_by_type": {"comparison.parquet", "selectivity.parquet"},
    "crackdown": {"comparison.parquet", "crackdown.parquet", "deterrence.parquet"},
    "sweep": {"design.parquet", "parameters.parquet", "pareto.parquet"},
}


@pytest.mark.parametrize("kind", sorted(DERIVED))
def test_derived_tables_are_written_while_the_folder_lock_is_held(tmp_path, monkeypatch, kind):
    from cadresim.experiments import compare_regimes, crackdown, lever_by_type

    real = store.write_parquet
    seen: dict[str, bool] = {}

    def spy(path, table, replace=True):
        if path.parent == folder:
            seen[path.name] = _lock_is_free(folder)
        return real(path, table, replace)

    monkeypatch.setattr(store, "write_parquet", spy)
    from cadresim.experiments import export

    real_export = export.export_folder

    def export_spy(where, fmt):
        seen[f"copies.{fmt}"] = _lock_is_free(folder)
        return real_export(where, fmt)

    monkeypatch.setattr(export, "export_folder", export_spy)
    folder = tmp_path / kind
    small = {"executor": "serial", "progress": "none", "output_dir": str(folder), "format": "csv"}
    regimes = ["baseline", "tolerance_only"]
    if kind == "compare":
        compare_regimes(SMALL, regimes=regimes, replications=2, **small)
    elif kind == "lever_by_type":
        lever_by_type(SMALL, regimes=regimes, replications=2, **small)
    elif kind == "crackdown":
        schedule = "policy.schedule=[{start:3,end:6,regime:strict_accountability}]"
        crackdown([*SMALL, schedule], replications=2, **small)
    else:
        sweep(folder, format="csv")
    assert {*DERIVED[kind], "copies.csv"} <= set(seen) and not any(seen.values()), seen
    assert _lock_is_free(folder)  # and released at the end


# ------------------------------------------------------------------ the Python API's overrides


@pytest.mark.parametrize(
    "overrides",
    [["policy.name=${oc.env:HOME}"], {"output_dir": "${oc.env:HOME}/x"}, ["seed=${oc.decode:'3'}"]],
)
def test_resolvers_are_refused_in_python_api_overrides(tmp_path, overrides):
    from cadresim import simulate

    with pytest.raises(ConfigError, match="OmegaConf resolver"):
        simulate([*SMALL, *overrides] if isinstance(overrides, list) else {**overrides})
    with pytest.raises(ConfigError, match="OmegaConf resolver"):
        run_sweep(overrides, levers=COVERAGE, output_dir=str(tmp_path / "api"))
    assert not (tmp_path / "api").exists()


@pytest.mark.parametrize(
    "nested",
    [
        {"output_dir": "${oc.env:HOME}/x"},
        {"population": {"mix": {"unwilling": "${oc.decode:'0.2'}"}}},
        {"policy": {"schedule": [{"at": 3, "set": {"tolerance.coverage": "${ oc.env:X}"}}]}},
    ],
)
def test_resolvers_are_refused_in_a_nested_dict_config(nested):
    from omegaconf import OmegaConf

    from cadresim.model.config import ExperimentConfig, to_config

    with pytest.raises(ConfigError, match="OmegaConf resolver"):
        to_config(nested)
    with pytest.raises(ConfigError, match="OmegaConf resolver"):
        to_config(OmegaConf.create(nested))  # a DictConfig made by hand
    with pytest.raises(ConfigError, match="experiment.output_dir: .*OmegaConf resolver"):
        to_config({"experiment": ExperimentConfig(output_dir="${oc.env:HOME}")})


# ------------------------------------------------------------------ the user's umask


@pytest.mark.parametrize("mask", [0o027, 0o002])
def test_files_follow_the_umask_set_after_import(tmp_path, mask):
    old = os.umask(mask)
    try:
        store.write_json(tmp_path / "m.json", {})
        store.write_parquet(tmp_path / "t.parquet", pd.DataFrame({"a": [1]}))
    finally:
        os.umask(old)
    for name in ("m.json", "t.parquet"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o666 & ~mask


# ------------------------------------------------------------------ the main process killed


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
def test_no_child_outlives_a_sweep_whose_main_process_is_killed(tmp_path):
    import signal
    import time

    code = (
        "from cadresim.experiments import run_sweep\n"
        "run_sweep(['population.size=300', 'steps=300'], levers={'policy.tolerance.coverage': "
        "[0, 1]}, points=16, replications=2, batch_size=1, executor='processes', workers=2, "
        f"progress='none', output_dir={str(tmp_path / 'k')!r})\n"
    )
    main = subprocess.Popen(
        [sys.executable, "-c", code], start_new_session=True, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 60
        # main, tracker, forkserver and two workers
        while len(session_processes(main.pid)) < 5 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(session_processes(main.pid)) >= 5, "the pool never started"
        os.kill(main.pid, signal.SIGKILL)
        main.wait()
        deadline = time.monotonic() + 5
        while session_processes(main.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert session_processes(main.pid) == []
    finally:
        for pid in session_processes(main.pid):
            os.kill(pid, signal.SIGKILL)


# ------------------------------------------------------------------ one-line messages


def test_a_regime_that_is_a_path_gets_one_line(tmp_path, inproc):
    out = inproc("experiment=compare_regimes", "experiment.regimes=[../x]", *SMALL)
    assert out.returncode == 2
    lines = out.stderr.splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("cadresim: error: experiment.regimes = '../x' is not a valid name")
    assert list(tmp_path.iterdir()) == []


def test_a_corrupt_manifest_keeps_the_runs_and_says_how_to_resume(tmp_path, reference, inproc):
    folder = tmp_path / "m"
    first = inproc(*CLI_SWEEP, f"experiment.output_dir={folder}")
    assert first.returncode == 0, first.stderr
    fp = json.loads((folder / "manifest.json").read_text())["fingerprint"]
    (folder / "manifest.json").write_text('{"fingerprint": "trunc')
    before = sorted(p.relative_to(folder) for p in folder.rglob("*") if p.name != store.LOCK)
    out = inproc(*CLI_SWEEP, f"experiment.output_dir={folder}")
    assert out.returncode == 2
    (line,) = out.stderr.splitlines()
    assert "nothing was changed" in line and "4 finished part(s)" in line
    assert "do not delete them" in line and f'{{"fingerprint": "{fp}"}}' in line
    assert "run the same command again" in line
    assert sorted(p.relative_to(folder) for p in folder.rglob("*") if p.name != store.LOCK) == (
        before
    )
    (folder / "manifest.json").write_text(json.dumps({"fingerprint": fp}))  # as the line says
    again = inproc(*CLI_SWEEP, f"experiment.output_dir={folder}")
    assert again.returncode == 0 and "0 executed now" in again.stdout, again.stderr
    same_tables(folder, reference)


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["policy.name=容错", "试点"], "\"policy.name='容错 试点'\""),
        (["policy.name=容错"], "\"policy.name='容错'\""),
        (["policy.name=my", "policy"], "\"policy.name='my policy'\""),
    ],
)
def test_unquoted_values_get_one_line_with_a_hint_to_quote(tmp_path, inproc, args, fragment):
    out = inproc(*SMALL, *args)
    assert out.returncode == 2
    lines = out.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("cadresim: error: policy.name: cannot read")
    assert "quote" in lines[0] and fragment in lines[0], lines[0]
    assert "LexerNoViableAltException" not in lines[0]
    assert list(tmp_path.iterdir()) == []


def test_a_5000_digit_number_gets_our_line_not_pythons(tmp_path, inproc):
    out = inproc("population.size=60", "steps=" + "9" * 5000)
    assert out.returncode == 2
    assert out.stderr.splitlines() == [
        "cadresim: error: steps = <a number of 5,000 digits> is out of range; allowed [1, 1000000]"
    ]
    with pytest.raises(ConfigError, match="steps = <a number of 5,000 digits> is out of range"):
        run_sweep(["steps=" + "9" * 5000], levers=COVERAGE, output_dir=str(tmp_path / "api"))
    assert list(tmp_path.iterdir()) == []
