"""Run a planned set of runs into a results folder: resume, batch, execute, record, assemble.

An experiment kind (compare_regimes, sweep) builds a `Plan`: the base config of each regime and
one `RunSpec` per run. `execute_plan` does the rest the same way for every kind.
"""

from __future__ import annotations

import math
import shlex
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from cadresim.model.batch import runs_per_batch
from cadresim.model.config import CadreConfig
from cadresim.safety import check_names, check_output, results_bytes

from . import store
from .executors import execute
from .overrides import override_value
from .progress import Progress
from .runs import Batch, BatchResult, RunSpec, derived_overrides

# Keys that say how to run, not what: they never change results, so they stay out of the
# fingerprint (a sweep may be resumed with another executor or worker count).
EXECUTION_KEYS = (
    "executor",
    "workers",
    "ray_address",
    "batch_size",
    "batch",
    "output_dir",
    "resume",
    "progress",
    "description",
    "report",
    "lang",
    "static",
    "format",  # CSV/Excel copies of the tables: the same experiment
    "dry_run",  # prints the plan and writes nothing
    "allow_large",  # lifts the size limits; the runs are the same
)
MAX_BATCH = 50
TARGET_PARTS = 40
MIN_PARTS = 8  # parts enough to keep a few workers busy when parts grow to engine batches


@dataclass
class Plan:
    cfg: CadreConfig
    bases: dict[str, CadreConfig]  # regime name -> base config of its runs
    base_overrides: dict[str, list[str]]  # regime name -> Hydra overrides composing its base
    runs: list[RunSpec]
    seeds: list[int]  # replicate seeds
    design: dict[str, Any] = field(default_factory=dict)  # described in the manifest

    def identity(self) -> dict[str, Any]:
        experiment = {
            k: v for k, v in asdict(self.cfg.experiment).items() if k not in EXECUTION_KEYS
        }
        return {
            "experiment": experiment,
            "sweep": asdict(self.cfg.sweep) if experiment["name"] == "sweep" else None,
            "bases": {name: asdict(base) for name, base in self.bases.items()},
            "runs": [spec.describe() for spec in self.runs],
        }


@dataclass
class Execution:
    folder: Path
    runs: pd.DataFrame  # runs.parquet
    failures: list[dict[str, Any]]
    executed: int  # runs executed in this call (resume skips finished ones)
    total: int


def results_folder(plan: Plan, fp: str) -> tuple[Path, str]:
    """The folder and the config key that named it (for messages)."""
    if plan.cfg.experiment.output_dir:
        return Path(plan.cfg.experiment.output_dir), "experiment.output_dir"
    if plan.cfg.output_dir:
        return Path(plan.cfg.output_dir), "output_dir"
    name = plan.cfg.experiment.name
    return Path("results") / "experiments" / f"{name}-{fp}", "experiment.output_dir"


def batch_size(cfg: CadreConfig, total: int, cadres: int | None = None) -> int:
    """Runs per part file: set, or about TARGET_PARTS parts of at most MAX_BATCH runs, raised
    up to one engine batch of `cadres`-cadre runs (experiment.batch) while at least MIN_PARTS
    parts remain for the workers, and rounded to whole engine batches. It depends on the run
    count and settings only, so part files are the same whatever the executor."""
    if cfg.experiment.batch_size:
        return cfg.experiment.batch_size
    size = max(1, min(MAX_BATCH, math.ceil(total / TARGET_PARTS)))
    if cadres is not None:
        engine = runs_per_batch(cfg.experiment.batch, cadres)
        size = max(size, min(MAX_BATCH, engine, math.ceil(total / MIN_PARTS)))
        if 1 < engine < size:  # whole engine batches: a part of 25 would step 16 runs, then 9
            size = min(math.ceil(size / engine) * engine, max(engine, MAX_BATCH // engine * engine))
    return size


def open_folder(plan: Plan) -> tuple[Path, str]:
    """Create or reopen the results folder, take its lock and write the manifest; all checks
    happen here, before any run starts (names, writability, rough free space, the lock, the
    fingerprint). The lock is held until execute_plan ends."""
    check_names(plan.cfg)
    for base in plan.bases.values():
        check_names(base)
    fp = store.fingerprint(plan.identity())
    folder, key = results_folder(plan, fp)
    steps = max([base.steps for base in plan.bases.values()] or [plan.cfg.steps])
    need = results_bytes(steps, len(plan.runs), plan.cfg.experiment.save_steps)
    check_output(folder, key, need)
    store.prepare_folder(folder, key, fp, plan.cfg.experiment.resume)  # takes the lock
    try:
        if "earlier_versions" in store.version_record(folder):
            print(
                f"cadresim: warning: {folder} holds runs made with other library versions "
                f"(earlier_versions in {store.MANIFEST}); a seed reproduces a run only with the "
                "versions it ran with",
                file=sys.stderr,
            )
        write_manifest(folder, plan, fp, status="running")
    except BaseException:
        store.unlock_folder(folder)
        raise
    return folder, fp


def write_manifest(folder: Path, plan: Plan, fp: str, status: str, **counts: Any) -> None:
    cfg = plan.cfg
    manifest = {
        "experiment": cfg.experiment.name,
        "kind": cfg.experiment.name,
        "description": cfg.experiment.description,
        "fingerprint": fp,
        "status": status,
        "runs": len(plan.runs),
        **counts,
        "replicate_seeds": plan.seeds,
        "seed_rule": "numpy SeedSequence(seed).spawn(replications); seed of replicate r = "
        "child r's first uint64 state word with the top bit cleared",
        "design": plan.design,
        "regimes": {
            name: {"overrides": plan.base_overrides[name], "config": asdict(base)}
            for name, base in plan.bases.items()
        },
        "config": asdict(cfg),
        "version": store.package_version(),
        "git_commit": store.git_commit(),
        **store.version_record(folder),  # beside the fingerprint, not in it: upgrades resume
    }
    store.write_json(folder / store.MANIFEST, manifest)


def rerun_line(plan: Plan, run: dict[str, Any]) -> str:
    """The `cadresim ...` line that repeats one run alone (recorded with failures); each
    override is shell-quoted, so the line pastes into bash even with a policy.schedule."""
    values = list(run["params"].items())
    values += derived_overrides(plan.bases[run["regime"]], values)
    parts = [*plan.base_overrides[run["regime"]]]
    parts += [f"{k}={override_value(v)}" for k, v in values]
    return command_line([*parts, f"seed={run['seed']}"])


def command_line(overrides: list[str]) -> str:
    """`cadresim` and the overrides, each shell-quoted (shlex.split gives them back)."""
    return " ".join(["cadresim", *(shlex.quote(o) for o in overrides)])


def execute_plan(
    plan: Plan,
    folder: Path,
    fp: str,
    callback: Callable[[BatchResult], None] | None = None,
    label: str = "cadresim",
) -> Execution:
    """Run every run of the plan not yet in the folder; write parts, failures and runs.parquet.
    Parts already there are verified against the ledger first; a corrupt one is set aside and
    its runs run again. Releases the folder's lock (taken by open_folder) at the end."""
    try:
        return _execute(plan, folder, fp, callback, label)
    except OSError as exc:  # a full disk, a folder gone: name the folder in the message
        if not exc.filename:
            exc.filename = str(folder)
        raise
    finally:
        store.unlock_folder(folder)


def _execute(
    plan: Plan,
    folder: Path,
    fp: str,
    callback: Callable[[BatchResult], None] | None,
    label: str,
) -> Execution:
    store.lock_folder(folder)  # a no-op after open_folder; taken here if a caller skipped it
    cfg = plan.cfg.experiment
    checked = store.verify_parts(folder)
    if message := checked.message(folder):
        print(message, file=sys.stderr)
    done = checked.done
    cadres = max([b.population.size for b in plan.bases.values()] or [plan.cfg.population.size])
    size = batch_size(plan.cfg, len(plan.runs), cadres)
    batches = []
    for start in range(0, len(plan.runs), size):
        todo = [r for r in plan.runs[start : start + size] if r.run_id not in done]
        if todo:
            part = store.part_name(folder, plan.runs[start].run_id)
            bases = {r.regime: plan.bases[r.regime] for r in todo}
            batches.append(Batch(part, bases, todo, cfg.save_steps, engine_batch=cfg.batch))
    todo_count = sum(len(b.runs) for b in batches)
    progress = Progress(len(plan.runs), len(plan.runs) - todo_count, label, cfg.progress)
    failures: list[dict[str, Any]] = []
    executed = 0
    try:
        for result in execute(batches, cfg.executor, cfg.workers, cfg.ray_address):
            if result.steps is not None:
                store.write_parquet(folder / "steps" / result.part, result.steps, replace=False)
            for name, table in result.org.items():  # before the runs part, which commits
                (folder / name).mkdir(exist_ok=True)
                store.write_parquet(folder / name / result.part, table, replace=False)
            if result.runs is not None:
                store.write_parquet(folder / "runs" / result.part, result.runs, replace=False)
                store.record_part(folder, result.part, result.runs["run_id"])
            for failure in result.failures:
                failure["command"] = rerun_line(plan, failure)
            failures.extend(result.failures)
            executed += result.executed
            progress.update(result.executed)
            if callback is not None:
                callback(result)
    finally:
        progress.close()
    failures.sort(key=lambda f: f["run_id"])
    store.write_json(folder / "failures.json", failures)
    runs = store.read_runs(folder)
    if not runs.empty:
        store.write_parquet(folder / "runs.parquet", runs)
    for name, table in store.read_org_tables(folder).items():
        store.write_parquet(folder / f"{name}.parquet", table)
    finished = int(runs["run_id"].nunique()) if not runs.empty else 0
    status = "complete" if finished == len(plan.runs) else "incomplete"
    write_manifest(folder, plan, fp, status, finished_runs=finished, failed_runs=len(failures))
    return Execution(folder, runs, failures, executed, len(plan.runs))
