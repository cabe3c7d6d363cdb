"""The search loop: open (or reopen) the results folder, let pymoo propose each generation, run it
or replay it from generations/ (resume), then write the archive and the Pareto packages."""

from __future__ import annotations

import json
import math
import sys
import time
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from cadresim.model.config import CadreConfig, ConfigError
from cadresim.model.versions import library_versions
from cadresim.safety import check_names, check_output, results_bytes

from . import store
from .optimise_pareto import constraint_report, pareto_packages, plan_summary
from .optimise_plan import GENERATIONS, OptimisePlan, objective_matrices, plan_optimise
from .optimise_runs import evaluate_generation


def results_folder(plan: OptimisePlan, fp: str) -> tuple[Path, str]:
    if plan.cfg.experiment.output_dir:
        return Path(plan.cfg.experiment.output_dir), "experiment.output_dir"
    if plan.cfg.output_dir:
        return Path(plan.cfg.output_dir), "output_dir"
    return Path("results") / "experiments" / f"optimise-{fp}", "experiment.output_dir"


def _open_folder(plan: OptimisePlan, fp: str) -> Path:
    """Create or reopen the folder and take its lock; refuse another experiment's folder or a
    folder of other files. Every check happens before anything is written."""
    check_names(plan.cfg)
    folder, key = results_folder(plan, fp)
    o = plan.cfg.optimise
    runs = o.generations * o.population * len(plan.scenarios) * len(plan.seeds)
    check_output(folder, key, results_bytes(plan.base.steps, runs, save_steps=False))
    manifest = folder / store.MANIFEST
    if manifest.exists():
        try:
            old = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            old = None
        old_fp = old.get("fingerprint") if isinstance(old, dict) else None
        if old_fp != fp:
            raise ConfigError(
                f"{key} = {str(folder)!r} holds the results of a different experiment "
                f"(fingerprint {old_fp}, this one {fp}); choose another {key}"
            )
        if not plan.cfg.experiment.resume and _finished_generations(folder):
            raise ConfigError(
                f"{key} = {str(folder)!r} already holds generations of this search; set "
                f"experiment.resume=true to continue it, or choose another {key}"
            )
    elif folder.is_dir() and any(p.name[:1] != "." for p in folder.iterdir()):
        raise ConfigError(
            f"{key} = {str(folder)!r} holds other files; choose an empty or new folder"
        )
    try:
        (folder / GENERATIONS).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"{key} = {str(folder)!r} is not writable: {exc.strerror}") from None
    store.lock_folder(folder, key)
    return folder


def _finished_generations(folder: Path) -> list[Path]:
    return sorted((folder / GENERATIONS).glob("gen-*.parquet"))


def _gen_path(folder: Path, gen: int, kind: str = "gen") -> Path:
    return folder / GENERATIONS / f"{kind}-{gen:04d}.parquet"


def _stored_generation(folder: Path, gen: int) -> pd.DataFrame | None:
    """A finished generation's candidates, or None if it must be run (again). A generation
    whose table or runs table cannot be read (truncated, emptied) is set aside under aside/,
    never deleted, with one warning line, and runs again: the search is deterministic, so the
    same candidates are proposed and evaluated."""
    path, runs = _gen_path(folder, gen), _gen_path(folder, gen, "runs")
    if not path.exists():
        return None
    try:
        table = pd.read_parquet(path)
        pq.read_metadata(runs)
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        stamp = time.strftime("%Y%m%dT%H%M%S")
        for damaged in (path, runs):
            store.set_aside(folder, damaged, f"corrupt-{stamp}")
        detail = " ".join(str(exc).split())[:120]
        print(
            f"cadresim: warning: generation {gen} of {folder} could not be read ({detail}); "
            f"its files are in {folder / store.ASIDE / GENERATIONS} and it runs again",
            file=sys.stderr,
        )
        return None
    return table


def search_versions() -> dict[str, str]:
    """Versions a search's numbers depend on: the model's libraries and pymoo."""
    out = library_versions()
    try:
        out["pymoo"] = metadata.version("pymoo")
    except metadata.PackageNotFoundError:
        out["pymoo"] = "not installed"
    return out


def _write_manifest(folder: Path, plan: OptimisePlan, fp: str, status: str, **extra: Any) -> None:
    cfg = plan.cfg
    manifest = {
        "experiment": "optimise",
        "kind": "optimise",
        "description": cfg.experiment.description,
        "fingerprint": fp,
        "status": status,
        **extra,
        "design": plan.describe(),
        "base_overrides": plan.base_overrides,
        "base_config": asdict(plan.base),
        "config": asdict(cfg),
        "version": store.package_version(),
        "git_commit": store.git_commit(),
        "versions": search_versions(),
    }
    store.write_json(folder / store.MANIFEST, manifest)


@dataclass
class OptimiseResult:
    plan: OptimisePlan
    folder: Path
    archive: pd.DataFrame  # every candidate of every generation
    pareto: pd.DataFrame  # non-dominated feasible packages (or least infeasible, flagged)
    constraints: list[dict[str, Any]]
    generations_run: int  # evaluated now (the rest replayed from the folder)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def feasible(self) -> bool:
        return bool(self.pareto["feasible"].all()) if not self.pareto.empty else False


def _algorithm(plan: OptimisePlan) -> Any:
    from pymoo.algorithms.moo.nsga2 import NSGA2  # noqa: PLC0415 (pymoo loads in ~1 s)

    pop = plan.cfg.optimise.population
    if plan.algorithm == "nsga2":
        return NSGA2(pop_size=pop)
    from pymoo.algorithms.moo.nsga3 import NSGA3  # noqa: PLC0415
    from pymoo.util.ref_dirs import get_reference_directions  # noqa: PLC0415

    m, parts = len(plan.objectives), 1
    while math.comb(parts + 1 + m - 1, m - 1) <= pop:
        parts += 1
    ref_dirs = get_reference_directions("das-dennis", m, n_partitions=parts)
    return NSGA3(ref_dirs=ref_dirs, pop_size=pop)


def run_optimise(cfg: CadreConfig, overrides: list[str]) -> OptimiseResult:
    """Plan, open the folder, search (replaying finished generations), write the results."""
    plan = plan_optimise(cfg, overrides)
    fp = store.fingerprint(plan.identity())
    folder = _open_folder(plan, fp)
    try:
        _write_manifest(folder, plan, fp, status="running")
        store.write_parquet(folder / "scenarios.parquet", plan.scenarios)
        tables, ran = _search(plan, folder)
        result = _finish(plan, folder, tables, ran)
        _write_manifest(
            folder,
            plan,
            fp,
            status="complete",
            generations=len(tables),
            candidates=len(result.archive),
            pareto_packages=len(result.pareto),
        )
        return result
    finally:
        store.unlock_folder(folder)


def _search(plan: OptimisePlan, folder: Path) -> tuple[list[pd.DataFrame], int]:
    from pymoo.core.evaluator import Evaluator  # noqa: PLC0415
    from pymoo.core.problem import Problem  # noqa: PLC0415
    from pymoo.problems.static import StaticProblem  # noqa: PLC0415

    o = plan.cfg.optimise
    problem = Problem(
        n_var=len(plan.levers),
        n_obj=len(plan.objectives),
        n_ieq_constr=len(plan.constraints),
        xl=0.0,
        xu=1.0,
    )
    algorithm = _algorithm(plan)
    algorithm.setup(problem, termination=("n_gen", o.generations), seed=plan.search_seed)
    tables: list[pd.DataFrame] = []
    ran = 0
    quiet = plan.cfg.experiment.progress == "none"
    for gen in range(o.generations):
        pop = algorithm.ask()
        X = np.asarray(pop.get("X"), dtype=float)
        path = _gen_path(folder, gen)
        started = time.perf_counter()
        table = _stored_generation(folder, gen)
        if table is not None:
            stored = table[[f"u{i}" for i in range(X.shape[1])]].to_numpy(float)
            if stored.shape != X.shape or not np.array_equal(stored, X):
                raise ConfigError(
                    f"{path}: the candidates stored for generation {gen} are not the ones the "
                    "search proposes again (another pymoo version?); choose another "
                    "experiment.output_dir"
                )
            how = "replayed from the folder"
        else:
            table, runs = evaluate_generation(plan, gen, X)
            store.write_parquet(_gen_path(folder, gen, "runs"), runs)
            store.write_parquet(path, table)  # written last: marks the generation done
            ran += 1
            how = f"{len(runs)} runs in {time.perf_counter() - started:.1f} s"
        F, G = objective_matrices(plan, table)
        static = (
            StaticProblem(problem, F=F, G=G) if plan.constraints else StaticProblem(problem, F=F)
        )
        Evaluator().eval(static, pop)
        algorithm.tell(infills=pop)
        tables.append(table)
        if not quiet:
            best = plan.objectives[0]
            col = table[best.name]
            value = col.max() if best.sense == "max" else col.min()
            print(
                f"optimise: generation {gen + 1}/{o.generations}: {len(table)} candidates, "
                f"{int(table['feasible'].sum())} feasible, best {best.name} {value:.4g} ({how})",
                file=sys.stderr,
                flush=True,
            )
    return tables, ran


def _finish(
    plan: OptimisePlan, folder: Path, tables: list[pd.DataFrame], ran: int
) -> OptimiseResult:
    archive = pd.concat(tables, ignore_index=True)
    unique = archive.drop_duplicates(subset=[p.key for p in plan.levers], keep="first")
    unique = unique.reset_index(drop=True)
    front = pareto_packages(plan, unique)
    report = constraint_report(plan, unique)
    store.write_parquet(folder / "archive.parquet", archive)
    store.write_parquet(folder / "pareto.parquet", front)
    store.atomic_write(folder / "pareto.csv", lambda f: front.to_csv(f, index=False))
    store.write_json(folder / "constraints.json", report)
    from .optimise_report import write_charts  # noqa: PLC0415

    write_charts(folder, plan_summary(plan), archive, front)
    return OptimiseResult(plan, folder, archive, front, report, ran, {"pareto": front})
