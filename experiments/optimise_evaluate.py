"""Re-evaluating one package of a finished search exactly (`cadresim optimise evaluate FOLDER N`).

A package's `command` runs it once (scenario 0, first seed); its figures in pareto.csv are the
mean (or tail percentile) of all its scenarios x seeds. This rebuilds the search's plan from the
folder's manifest (refusing a folder whose fingerprint it cannot rebuild), runs the package's
levers over the stored scenarios and seeds on the project's executors, and compares each figure,
and each run, with what the folder holds. The folder is only read; `--save` adds one file,
evaluation-package-N.json, written atomically.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cadresim import cli
from cadresim.model.config import EXECUTORS, ConfigError, to_config

from . import store
from .optimise_pareto import evaluate_command
from .optimise_plan import GENERATIONS, OptimisePlan, plan_optimise
from .optimise_runs import RunsFailed, aggregate, needed, run_candidates
from .optimise_search import search_versions


@dataclass
class Evaluation:
    folder: Path
    package: int
    plan: OptimisePlan
    levers: dict[str, Any]
    figures: pd.DataFrame  # figure, stored, again, identical
    runs: pd.DataFrame  # the package's runs, run again
    runs_identical: int  # runs whose figures equal the stored run's (same scenario and seed)

    @property
    def identical(self) -> bool:
        return bool(self.figures["identical"].all()) and self.runs_identical == len(self.runs)


def _manifest(folder: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((folder / store.MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = None
    if not isinstance(manifest, dict) or manifest.get("kind") != "optimise":
        raise ConfigError(
            f"FOLDER = {str(folder)!r} is not an optimise results folder (no manifest.json of "
            "kind optimise); give the experiment.output_dir of a `cadresim optimise` run"
        )
    if manifest.get("status") != "complete" or not (folder / "pareto.parquet").is_file():
        raise ConfigError(
            f"FOLDER = {str(folder)!r} holds an unfinished search (no pareto.parquet); run its "
            "optimise command again to finish it"
        )
    return manifest


def _read(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise ConfigError(f"{path} is missing: the folder is incomplete")
    try:
        return pd.read_parquet(path)
    except (OSError, ValueError) as exc:
        why = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise ConfigError(f"{path} cannot be read ({why}): the folder is damaged") from None


def folder_plan(
    folder: str | Path, executor: str | None = None, workers: int | None = None
) -> OptimisePlan:
    """The plan of the search in `folder`, rebuilt from its manifest and checked against its
    fingerprint; its scenarios and seeds are the stored ones. `executor`/`workers` only choose
    where runs execute (the results are the same on any executor)."""
    folder = Path(folder)
    manifest = _manifest(folder)
    try:
        config, overrides = manifest["config"], list(manifest["base_overrides"])
        seeds = [int(s) for s in manifest["design"]["replicate_seeds"]]
    except (KeyError, TypeError, ValueError):
        raise ConfigError(
            f"FOLDER = {str(folder)!r}: its manifest.json lacks the config, overrides or seeds "
            "of its search; was it written by another cadresim?"
        ) from None
    cfg = to_config(config)
    if executor is not None:
        cfg.experiment.executor = executor
    if workers is not None:
        cfg.experiment.workers = workers
    plan = plan_optimise(cfg, overrides)
    fp = store.fingerprint(plan.identity())
    if fp != manifest.get("fingerprint"):
        raise ConfigError(
            f"FOLDER = {str(folder)!r}: its manifest rebuilds another search (fingerprint {fp}, "
            f"the folder's {manifest.get('fingerprint')}); was it written by another cadresim?"
        )
    scenarios = _read(folder / "scenarios.parquet")
    if list(scenarios.columns) != list(plan.scenarios.columns):
        raise ConfigError(f"{folder / 'scenarios.parquet'}: not this search's scenarios")
    plan.scenarios = scenarios
    plan.seeds = seeds
    return plan


def evaluate_package(
    folder: str | Path, package: int, executor: str | None = None, workers: int | None = None
) -> Evaluation:
    """Run package `package` of the search in `folder` over all its scenarios and seeds and
    compare its figures (objectives and constraints) and runs with the stored ones."""
    folder = Path(folder)
    plan = folder_plan(folder, executor, workers)
    front = _read(folder / "pareto.parquet")
    match = front[front["package"] == package]
    if match.empty:
        raise ConfigError(
            f"PACKAGE = {package} is not a package of {str(folder)!r}; allowed: 1 to "
            f"{len(front)} (the package column of pareto.csv)"
        )
    row = match.iloc[0]
    gen, cand = int(row["generation"]), int(row["candidate"])
    levers = {p.key: _scalar(row[p.key]) for p in plan.levers}
    runs = run_candidates(
        plan,
        {k: [v] for k, v in levers.items()},
        gen,
        f"package {package}",
        "nothing was written; run the same command again to retry",
    )
    again = aggregate(plan, runs).iloc[0]
    cols = [c for c, _, _ in needed(plan)]
    stored = row[cols].to_numpy(float)
    values = again[cols].to_numpy(float)
    figures = pd.DataFrame(
        {"figure": cols, "stored": stored, "again": values, "identical": _same(stored, values)}
    )
    old = _read(folder / GENERATIONS / f"runs-{gen:04d}.parquet")
    old = old[old["candidate"] == cand].sort_values(["scenario", "replicate"], kind="stable")
    new = runs.sort_values(["scenario", "replicate"], kind="stable")
    metrics = sorted({m for _, m, _ in needed(plan)})
    same = 0
    if len(old) == len(new) and (old["seed"].to_numpy() == new["seed"].to_numpy()).all():
        same = int(_same(old[metrics].to_numpy(float), new[metrics].to_numpy(float)).all(1).sum())
    return Evaluation(folder, package, plan, levers, figures, runs, same)


def _scalar(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def _same(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Elementwise identity, to the last bit; an undefined figure (NaN) equals NaN."""
    return (a == b) | (np.isnan(a) & np.isnan(b))


def format_evaluation(ev: Evaluation) -> str:
    plan = ev.plan
    o = plan.cfg.optimise
    S, R = len(plan.scenarios), len(plan.seeds)
    how = "mean" if o.robustness == "mean" else f"percentile {o.percentile:g} of the worse tail"
    lines = [
        f"optimise evaluate: package {ev.package} of {ev.folder}: {S} scenarios x {R} seeds = "
        f"{len(ev.runs)} runs; each figure is their {how}",
        "levers: " + ", ".join(f"{k}={v}" for k, v in ev.levers.items()),
    ]
    labels = {ob.name: ob.label for ob in plan.objectives}
    labels |= {f"constraint_{i}": c.text for i, c in enumerate(plan.constraints)}
    view = ev.figures.assign(
        figure=ev.figures["figure"].map(labels),
        identical=np.where(ev.figures["identical"], "yes", "NO"),
    )
    lines.append(view.to_string(index=False, float_format=lambda x: f"{x:.6g}"))
    lines.append(
        f"runs: {ev.runs_identical} of {len(ev.runs)} identical to the stored runs "
        f"(same scenario and seed)"
    )
    if ev.identical:
        lines.append("identical: the package's stored figures are reproduced exactly")
    return "\n".join(lines)


def _record(ev: Evaluation) -> dict[str, Any]:
    return {
        "package": ev.package,
        "command": evaluate_command(ev.folder, ev.package),
        "identical": ev.identical,
        "levers": ev.levers,
        "figures": ev.figures.to_dict("records"),
        "runs": len(ev.runs),
        "runs_identical": ev.runs_identical,
        "version": store.package_version(),
        "git_commit": store.git_commit(),
        "versions": search_versions(),
    }


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        cli.fail(f"optimise evaluate: {message}")


def evaluate_main(argv: list[str]) -> int:
    """`cadresim optimise evaluate FOLDER PACKAGE`: 0 if the figures are reproduced exactly,
    1 if not, 2 on bad input."""
    p = _Parser(
        prog="cadresim optimise evaluate",
        description="Re-run one Pareto package over its search's scenarios and seeds and check "
        "its figures against the folder's.",
    )
    p.add_argument("folder", help="the results folder of a finished `cadresim optimise`")
    p.add_argument("package", type=int, help="the package number (pareto.csv's package column)")
    p.add_argument("--executor", choices=EXECUTORS, default=None, help="where runs execute")
    p.add_argument("--workers", type=int, default=None, help="worker processes (0 = all cores)")
    p.add_argument("--save", action="store_true", help="write evaluation-package-N.json")
    a = p.parse_args(argv)
    if a.workers is not None and not 0 <= a.workers <= 100_000:
        cli.fail(f"optimise evaluate: --workers = {a.workers} is outside the range 0 to 100000")
    try:
        ev = evaluate_package(a.folder, a.package, a.executor, a.workers)
    except ConfigError as exc:
        cli.fail(str(exc))
    except RunsFailed as exc:
        print(f"cadresim: {exc}", file=sys.stderr)
        return 1
    print(format_evaluation(ev))
    if a.save:
        path = ev.folder / f"evaluation-package-{ev.package}.json"
        store.write_json(path, _record(ev))
        print(f"saved: {path}")
    if not ev.identical:
        print(
            f"cadresim: package {ev.package}'s figures differ from the stored ones (another "
            "cadresim or library version? see the manifest's versions)",
            file=sys.stderr,
        )
        return 1
    return 0
