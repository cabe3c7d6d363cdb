"""compare_regimes: named policy regimes x R replications on common random numbers.

Every regime runs replicates 0..R-1 with the same seeds, so regime differences are paired by
replicate. Writes the tidy tables (runs.parquet, comparison.parquet, steps/) to one folder.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pandas as pd

from cadresim.model.config import CadreConfig, ConfigError, load_config, validate
from cadresim.model.network import load_organisation
from cadresim.model.orgtables import org_notice, print_notice_once
from cadresim.safety import check_name

from . import store
from .overrides import as_list, base_config, compose_overrides, replay_overrides
from .result import ExperimentResult
from .runner import Execution, Plan, execute_plan, open_folder
from .runs import BatchResult, RunSpec, replicate_seeds
from .stats import comparison_table


def plan_compare(cfg: CadreConfig, overrides: list[str]) -> Plan:
    """Check the regimes and build the runs; raises ConfigError before anything runs."""
    exp = cfg.experiment
    regimes = list(dict.fromkeys(exp.regimes))
    if not regimes:
        raise ConfigError("experiment.regimes is empty; name at least one policy preset")
    for regime in regimes:  # each is a policy preset: a name, never a path
        check_name("experiment.regimes", regime)
    if exp.baseline not in regimes:
        raise ConfigError(
            f"experiment.baseline = {exp.baseline!r} is not one of experiment.regimes "
            f"({', '.join(regimes)})"
        )
    bases: dict[str, CadreConfig] = {}
    base_ov: dict[str, list[str]] = {}
    for regime in regimes:
        try:
            bases[regime] = base_config(compose_overrides(overrides, regime))
        except ConfigError as exc:
            raise ConfigError(f"experiment.regimes: regime {regime!r}: {exc}") from None
        base_ov[regime] = replay_overrides(overrides, bases[regime])
    check_org_charts(bases.values())
    seeds = replicate_seeds(cfg.seed, exp.replications)
    runs = [
        RunSpec(run_id=i * len(seeds) + r, regime=regime, replicate=r, seed=seed)
        for i, regime in enumerate(regimes)
        for r, seed in enumerate(seeds)
    ]
    design = {"regimes": regimes, "baseline": exp.baseline, "replications": exp.replications}
    return Plan(cfg, bases, base_ov, runs, seeds, design)


def check_org_charts(bases: Iterable[CadreConfig]) -> None:
    """Read and check each org-chart file the runs use once, here, so a bad file stops the
    experiment with its one-line message before the folder is made, not as a failure of
    every run; print its size notice once."""
    seen: set[tuple[str, str | None]] = set()
    for base in bases:
        net = base.network
        if net.kind == "file" and (str(net.path), net.nodes_path) not in seen:
            seen.add((str(net.path), net.nodes_path))
            org = load_organisation(net)
            # the size notice, once here rather than once in every worker process
            if notice := org_notice(base, len(org.level)):
                print_notice_once(notice)


def run_compare(
    cfg: CadreConfig,
    overrides: list[str],
    callback: Callable[[BatchResult], None] | None = None,
    derive: Callable[[Plan, Execution, dict[str, pd.DataFrame]], None] | None = None,
) -> ExperimentResult:
    """Run the plan; `derive` adds tables of its own (lever_by_type) while the folder's lock
    is still held."""
    plan = plan_compare(cfg, overrides)
    folder, fp = open_folder(plan)
    with store.keep_locked(folder):  # derived tables are written by the lock's holder too
        done = execute_plan(plan, folder, fp, callback, label=cfg.experiment.name)
        tables: dict[str, pd.DataFrame] = {}
        if not done.runs.empty:
            table = comparison_table(done.runs, plan.design["regimes"], cfg.experiment.baseline)
            store.write_parquet(folder / "comparison.parquet", table)
            tables["comparison"] = table
        if derive is not None:
            derive(plan, done, tables)
        return ExperimentResult(plan, done, tables)  # writes csv/xlsx copies: under the lock


def compare_regimes(
    overrides: Iterable[str] | Mapping[str, Any] | None = None,
    *,
    regimes: list[str] | None = None,
    replications: int | None = None,
    baseline: str | None = None,
    callback: Callable[[BatchResult], None] | None = None,
    **experiment: Any,
) -> ExperimentResult:
    """Python twin of `cadresim experiment=compare_regimes ...`.

    `overrides` are run overrides as on the command line (``["population.size=500"]``);
    keyword arguments set `experiment.*` keys (executor, workers, output_dir, resume, ...).
    Returns an ExperimentResult whose `.comparison` and `.runs` are DataFrames."""
    ov = ["experiment=compare_regimes", *as_list(overrides)]
    cfg = load_config(ov)
    given = {"regimes": regimes, "replications": replications, "baseline": baseline, **experiment}
    for key, value in given.items():
        if value is None:
            continue
        if not hasattr(cfg.experiment, key):
            raise ConfigError(f"experiment.{key} is not a config key")
        setattr(cfg.experiment, key, list(value) if key == "regimes" else value)
    return run_compare(validate(cfg), ov, callback)


SHOWN = {"initiative_rate": "initiative", "error_rate": "errors", "misconduct_rate": "misconduct"}


def format_comparison(table: pd.DataFrame, baseline: str) -> str:
    """Readable text: initiative, errors and misconduct by regime, then initiative by type."""
    regimes = list(dict.fromkeys(table["regime"]))
    n = int(table["n"].iloc[0])
    lines = [
        f"Means over the summary window, {n} replications per regime, 95% t-intervals; "
        f"differences to {baseline} paired by replicate (common seeds):",
        f"{'outcome':<11} {'regime':<24} {'mean':>7}  {'95% CI':<17} {'diff':>7}  95% CI",
    ]
    allrows = table[table["grouping"] == "all"].set_index(["regime", "outcome"])
    for outcome, label in SHOWN.items():
        for i, regime in enumerate(regimes):
            row = allrows.loc[(regime, outcome)]
            line = (
                f"{label if i == 0 else '':<11} {regime:<24} {row['mean']:>7.3f}  "
                f"{_ci(row['ci_low'], row['ci_high']):<17}"
            )
            if regime != baseline:
                line += f" {row['diff']:>+7.3f}  {_ci(row['diff_low'], row['diff_high'], '+')}"
            lines.append(line.rstrip())
    lines.append("")
    lines.append("Initiative by initial type (cohort): mean ± 95% half-width")
    cohort = table[(table["grouping"] == "cohort") & (table["outcome"] == "initiative_rate")]
    types = list(dict.fromkeys(cohort["type"]))
    lines.append(f"{'regime':<24}" + "".join(f"{t:>14}" for t in types))
    by = cohort.set_index(["regime", "type"])
    for regime in regimes:
        cells = []
        for t in types:
            row = by.loc[(regime, t)]
            half = (row["ci_high"] - row["ci_low"]) / 2
            cells.append(
                f"{row['mean']:>8.3f}±{half:.3f}" if pd.notna(half) else f"{row['mean']:>14.3f}"
            )
        lines.append(f"{regime:<24}" + "".join(cells))
    return "\n".join(lines)


def _ci(lo: float, hi: float, sign: str = "") -> str:
    if pd.isna(lo):
        return "(n<2)"
    return f"[{lo:{sign}.3f}, {hi:{sign}.3f}]"
