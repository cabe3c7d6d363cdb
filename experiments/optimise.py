"""Robust multi-objective policy search: which package of levers reaches the targets, at what cost.

    cadresim optimise                                   # the preset: 6 levers, 3 objectives
    cadresim optimise optimise.generations=10 optimise.population=20 population.size=500
    cadresim optimise evaluate FOLDER 3                 # re-run package 3 exactly, check it

The decision variables are `sweep.levers` (ranges or discrete values, checked as a sweep checks
them); `sweep.uncertainties` are the conditions nobody controls. `optimise.scenarios` scenarios
are drawn once (Latin hypercube, from the run's seed) and, with `optimise.replications` seeds,
shared by every candidate (common random numbers), so candidates differ by their levers, not by
luck. A candidate's objective is the mean of its runs, or a percentile of their worse tail
(`optimise.robustness`), as in EMA Workbench's robustness metrics. pymoo's NSGA-II (NSGA-III
above three objectives) proposes candidates; the project's executors run each generation.

Resuming: each generation's candidates and runs are written to generations/ before the search
goes on. pymoo's search is deterministic given its seed and the objective values it is told, so
rerunning the same command replays the finished generations from disk (checking that the
candidates proposed again are the ones stored) and continues where it stopped.

Folder: manifest.json, scenarios.parquet, generations/gen-NNNN.parquet (candidates) and
runs-NNNN.parquet (their runs), archive.parquet (every candidate), pareto.parquet/.csv (the
non-dominated feasible packages, each with the command that runs it once), constraints.json,
parallel.html and tradeoff.html.

Modules: optimise_plan (the problem), optimise_runs (running candidates), optimise_search (the
loop, resume, the folder), optimise_pareto (packages, commands, the printed text),
optimise_evaluate (re-evaluating a package); this one holds the entry points and re-exports
their public names.
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Iterable, Mapping
from typing import Any

from omegaconf import DictConfig

from cadresim import cli
from cadresim.model.config import CadreConfig

from .optimise_evaluate import Evaluation, evaluate_main, evaluate_package, folder_plan
from .optimise_pareto import (
    constraint_report,
    evaluate_command,
    format_result,
    non_dominated,
    package_command,
    pareto_packages,
    plan_summary,
    spread,
)
from .optimise_plan import (
    CONSTRAINT,
    GENERATIONS,
    LEVER_DIGITS,
    OBJECTIVE_NAMES,
    Constraint,
    Objective,
    OptimisePlan,
    decode,
    objective_matrices,
    parse_constraint,
    plan_optimise,
)
from .optimise_runs import RunsFailed, aggregate, evaluate_generation, run_candidates
from .optimise_search import OptimiseResult, results_folder, run_optimise, search_versions
from .runs import apply_params
from .sweep import twin_call

__all__ = [
    "CONSTRAINT",
    "GENERATIONS",
    "LEVER_DIGITS",
    "OBJECTIVE_NAMES",
    "Constraint",
    "Evaluation",
    "Objective",
    "OptimisePlan",
    "OptimiseResult",
    "RunsFailed",
    "aggregate",
    "constraint_report",
    "decode",
    "evaluate_command",
    "evaluate_generation",
    "evaluate_package",
    "folder_plan",
    "format_result",
    "non_dominated",
    "objective_matrices",
    "optimise",
    "optimise_command",
    "optimise_main",
    "package_command",
    "pareto_packages",
    "parse_constraint",
    "plan_optimise",
    "plan_summary",
    "results_folder",
    "run_candidates",
    "run_optimise",
    "search_versions",
    "spread",
]


def optimise(
    overrides: Iterable[str] | Mapping[str, Any] | None = None,
    *,
    levers: Mapping[str, Any] | None = None,
    uncertainties: Mapping[str, Any] | None = None,
    **settings: Any,
) -> OptimiseResult:
    """Python twin of `cadresim optimise ...`. `levers`/`uncertainties` replace the preset's
    (dotted key -> [lo, hi] or {"values": [...]}); other keyword arguments set `optimise.*` keys
    (generations, population, maximise, constraints, costs, ...) or, failing that,
    `experiment.*` keys (executor, workers, output_dir, ...)."""
    return run_optimise(*twin_call("optimise", overrides, levers, uncertainties, settings))


def optimise_command(cfg: CadreConfig, dcfg: DictConfig) -> int:
    """`cadresim experiment=optimise ...` (Hydra has composed and validated cfg)."""
    from .overrides import task_overrides  # noqa: PLC0415

    try:
        result = run_optimise(cfg, task_overrides())
    except RunsFailed as exc:
        print(f"cadresim: {exc}", file=sys.stderr)
        return 1
    print(format_result(result))
    print(f"results: {result.folder}  ({result.generations_run} generations run now)")
    if cfg.experiment.report:
        from .optimise_report import write_optimise_report  # noqa: PLC0415

        print(f"report:  {write_optimise_report(result.folder, lang=cfg.experiment.lang)}")
    return 0


def optimise_main(argv: list[str]) -> int:
    """`cadresim optimise ARGS` = `cadresim experiment=optimise ARGS`;
    `cadresim optimise evaluate FOLDER PACKAGE` re-evaluates a package (optimise_evaluate)."""
    if argv[:1] == ["evaluate"]:
        return evaluate_main(argv[1:])
    if not any(a.split("=", 1)[0] == "experiment" for a in argv):
        argv = ["experiment=optimise", *argv]
    return cli.main(argv)


def _dry_run_plan(cfg: CadreConfig, overrides: list[str]) -> tuple[int, CadreConfig]:
    """(run count, a first run's config) for `experiment.dry_run=true`: every generation's
    candidates over the shared scenarios and seeds; the first run is the base in scenario 0."""
    plan = plan_optimise(cfg, overrides)
    o = cfg.optimise
    first = copy.deepcopy(plan.base)
    apply_params(first, plan.scenario_params[0] if plan.scenario_params else ())
    first.seed = plan.seeds[0]
    return o.generations * o.population * len(plan.scenarios) * len(plan.seeds), first


cli.EXPERIMENTS["optimise"] = optimise_command
cli.EXPERIMENT_PLANS["optimise"] = _dry_run_plan
cli.SUBCOMMANDS["optimise"] = optimise_main
