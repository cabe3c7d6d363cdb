"""Registers the experiment kinds with the `cadresim` command (`cadresim experiment=NAME`).

    cadresim experiment=compare_regimes experiment.replications=20 population.size=500
    cadresim experiment=sweep sweep.levers.policy.tolerance.coverage=[0,1] sweep.design=lhs
    cadresim experiment=lever_by_type experiment.replications=20
    cadresim experiment=crackdown population.size=2000

Exit codes: 0 all runs finished; 1 some runs failed (see failures.json); 2 bad input.
"""

from __future__ import annotations

from omegaconf import DictConfig

from cadresim import cli
from cadresim.model.config import CadreConfig

from .campaign import format_crackdown, plan_crackdown, run_crackdown
from .compare import format_comparison, plan_compare, run_compare
from .overrides import task_overrides
from .report_command import report_after_run
from .result import ExperimentResult
from .runner import Plan
from .runs import run_config
from .selectivity import format_selectivity, run_lever_by_type
from .sweep import format_sweep, plan_sweep, run_planned_sweep

EXIT_FAILED_RUNS = 1


def compare_command(cfg: CadreConfig, dcfg: DictConfig) -> int:
    result = run_compare(cfg, task_overrides())
    d = result.plan.design
    print(
        f"compare_regimes: {len(d['regimes'])} regimes x {d['replications']} replications, "
        f"{cfg.population.size} cadres, {cfg.steps} steps, seed {cfg.seed}"
    )
    if "comparison" in result.tables:
        print(format_comparison(result.comparison, cfg.experiment.baseline))
    return _finish(result, cfg)


def lever_by_type_command(cfg: CadreConfig, dcfg: DictConfig) -> int:
    result = run_lever_by_type(cfg, task_overrides())
    d = result.plan.design
    print(
        f"lever_by_type: {len(d['regimes']) - 1} levers against {cfg.experiment.baseline} x "
        f"{d['replications']} replications, {cfg.population.size} cadres, {cfg.steps} steps, "
        f"seed {cfg.seed}"
    )
    if "selectivity" in result.tables:
        print(format_selectivity(result.selectivity))
    return _finish(result, cfg)


def crackdown_command(cfg: CadreConfig, dcfg: DictConfig) -> int:
    result = run_crackdown(cfg, task_overrides())
    d = result.plan.design
    control, campaign = d["regimes"]
    c = d["campaign"]
    print(
        f"crackdown: {control} vs {campaign} ({c['label']} in months {c['start']}–"
        f"{c['last_month']}) x {d['replications']} replications on common seeds, "
        f"{cfg.population.size} cadres, {cfg.steps} steps, seed {cfg.seed}"
    )
    if "deterrence" in result.tables:
        print(format_crackdown(result.crackdown, result.deterrence, d))
    return _finish(result, cfg)


def sweep_command(cfg: CadreConfig, dcfg: DictConfig) -> int:
    result = run_planned_sweep(cfg, task_overrides())
    print(format_sweep(result))
    return _finish(result, cfg)


def _finish(result: ExperimentResult, cfg: CadreConfig) -> int:
    ex = result.execution
    print(
        f"results: {ex.folder}  ({ex.total} runs, {ex.executed} executed now, "
        f"{len(ex.failures)} failed)"
    )
    if cfg.experiment.report and ex.total > len(ex.failures):
        print(f"report:  {report_after_run(ex.folder, cfg)}")
    if ex.failures:
        first = ex.failures[0]
        print(
            f"cadresim: {len(ex.failures)} run(s) failed, e.g. run {first['run_id']}: "
            f"{first['error']}; details in {ex.folder / 'failures.json'}"
        )
        return EXIT_FAILED_RUNS
    return 0


cli.EXPERIMENTS["compare_regimes"] = compare_command
cli.EXPERIMENTS["sweep"] = sweep_command
cli.EXPERIMENTS["lever_by_type"] = lever_by_type_command
cli.EXPERIMENTS["crackdown"] = crackdown_command


def _first_run(plan: Plan) -> tuple[int, CadreConfig]:
    """(run count, first run's config): what `experiment.dry_run=true` calibrates on."""
    spec = plan.runs[0]
    return len(plan.runs), run_config(plan.bases[spec.regime], spec)


cli.EXPERIMENT_PLANS["compare_regimes"] = lambda cfg, ov: _first_run(plan_compare(cfg, ov))
cli.EXPERIMENT_PLANS["lever_by_type"] = lambda cfg, ov: _first_run(plan_compare(cfg, ov))
cli.EXPERIMENT_PLANS["crackdown"] = lambda cfg, ov: _first_run(plan_crackdown(cfg, ov))
cli.EXPERIMENT_PLANS["sweep"] = lambda cfg, ov: _first_run(plan_sweep(cfg, ov)[0])
