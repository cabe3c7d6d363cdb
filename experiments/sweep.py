"""run_sweep: a design over levers and uncertainties, R replications per point, then analyses.

Replicate r of every point uses the same seed (common random numbers), so differences between
points are not drowned by run-to-run noise. Every point's full config is validated before any
run starts (`check_points`), so a design cannot hold runs that are bound to fail. Writes
design.parquet, runs.parquet, steps/, pareto.parquet and, for sobol and morris designs,
sensitivity.parquet.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pandas as pd

from cadresim.model.config import CadreConfig, ConfigError, load_config, validate
from cadresim.model.metrics import OUTCOMES

from . import store
from .analysis import pareto, sensitivity
from .designs import Design, design_seed, expected_points, make_design
from .overrides import (
    as_list,
    base_config,
    compose_overrides,
    override_value,
    replay_overrides,
)
from .result import ExperimentResult
from .runner import Plan, execute_plan, open_folder
from .runs import BatchResult, RunSpec, apply_params, replicate_seeds
from .space import REMAINDER, REMAINDER_RULE, parse_space, takes_remainder

MAX_RUNS = 50_000_000


def plan_sweep(cfg: CadreConfig, overrides: list[str]) -> tuple[Plan, Design]:
    """Check the space and draw the design; raises ConfigError before anything runs."""
    sw = cfg.sweep
    for key in ("outcomes", "maximise", "minimise"):
        for name in getattr(sw, key):
            if name not in OUTCOMES:
                raise ConfigError(
                    f"sweep.{key}: {name!r} is not an outcome; known: {', '.join(OUTCOMES)}"
                )
    if not sw.maximise and not sw.minimise:
        raise ConfigError("sweep.maximise and sweep.minimise are both empty")
    params = parse_space(cfg)
    points = expected_points(sw, params)
    if points * sw.replications > MAX_RUNS:
        raise ConfigError(
            f"sweep: {points} points x {sw.replications} replications exceeds "
            f"{MAX_RUNS} runs; lower sweep.points or sweep.levels"
        )
    design = make_design(sw, params, cfg.seed)
    base = base_config(compose_overrides(overrides))
    regime = base.policy.name
    base_ov = replay_overrides(overrides, base)
    seeds = replicate_seeds(cfg.seed, sw.replications)
    keys = [p.key for p in params]
    rows = design.table[keys].itertuples(index=False, name=None)
    points_params = [tuple(zip(keys, _plain(values), strict=True)) for values in rows]
    check_points(base, points_params)
    runs = [
        RunSpec(
            run_id=point * len(seeds) + r,
            regime=regime,
            replicate=r,
            seed=seed,
            point_id=point,
            params=point_params,
        )
        for point, point_params in enumerate(points_params)
        for r, seed in enumerate(seeds)
    ]
    described = {
        "design": sw.design,
        "points": design.points,
        "replications": sw.replications,
        "design_seed": design_seed(cfg.seed),
        "levers": [p.describe() for p in params if p.role == "lever"],
        "uncertainties": [p.describe() for p in params if p.role == "uncertainty"],
        "outcomes": list(sw.outcomes),
    }
    if takes_remainder(keys):
        described["derived"] = {REMAINDER: REMAINDER_RULE}
    return Plan(cfg, {regime: base}, {regime: base_ov}, runs, seeds, described), design


def check_points(base: CadreConfig, points: list[tuple[tuple[str, Any], ...]]) -> None:
    """Validate the full config of every design point, cross-field rules included (the mix
    sums to 1, background < threshold < severity), so no run starts that is bound to fail."""
    cfg = copy.deepcopy(base)
    bad: list[tuple[int, str]] = []
    for point, params in enumerate(points):
        try:
            apply_params(cfg, params)  # every point sets the same keys: one copy serves all
            validate(cfg)
        except ConfigError as exc:
            bad.append((point, str(exc)))
    if not bad:
        return
    point, error = bad[0]
    where = ", ".join(f"{k}={override_value(v)}" for k, v in points[point])
    hint = ""
    if error.startswith("population.mix") and any(k == REMAINDER for k, _ in points[point]):
        hint = f"; vary only deficit shares and {REMAINDER} takes the remainder"
    raise ConfigError(
        f"sweep: {len(bad)} of {len(points)} design points give an invalid run config, "
        f"e.g. point {point} ({where}): {error}{hint}"
    )


def _plain(values: tuple) -> list[Any]:
    """numpy scalars -> Python scalars (stable JSON, clean config values)."""
    return [v.item() if hasattr(v, "item") else v for v in values]


def run_planned_sweep(
    cfg: CadreConfig,
    overrides: list[str],
    callback: Callable[[BatchResult], None] | None = None,
) -> ExperimentResult:
    plan, design = plan_sweep(cfg, overrides)
    folder, fp = open_folder(plan)
    with store.keep_locked(folder):  # every table is written by the lock's holder
        roles = pd.DataFrame(
            {"parameter": [p.key for p in design.params], "role": [p.role for p in design.params]}
        )
        store.write_parquet(folder / "design.parquet", design.table)
        store.write_parquet(folder / "parameters.parquet", roles)
        done = execute_plan(plan, folder, fp, callback, label="sweep")
        tables: dict[str, pd.DataFrame] = {"design": design.table}
        if not done.runs.empty:
            sens = sensitivity(design, done.runs, list(cfg.sweep.outcomes), cfg.seed)
            if not sens.empty:
                store.write_parquet(folder / "sensitivity.parquet", sens)
                tables["sensitivity"] = sens
            front = pareto(design, done.runs, list(cfg.sweep.maximise), list(cfg.sweep.minimise))
            store.write_parquet(folder / "pareto.parquet", front)
            tables["pareto"] = front
    return ExperimentResult(plan, done, tables)


def run_sweep(
    overrides: Iterable[str] | Mapping[str, Any] | None = None,
    *,
    levers: Mapping[str, Any] | None = None,
    uncertainties: Mapping[str, Any] | None = None,
    callback: Callable[[BatchResult], None] | None = None,
    **settings: Any,
) -> ExperimentResult:
    """Python twin of `cadresim experiment=sweep sweep.levers.KEY=[lo,hi] ...`.

    `levers`/`uncertainties` map dotted keys to [lo, hi] or {"values": [...]}. Other keyword
    arguments set `sweep.*` keys (design, points, replications, ...) or, failing that,
    `experiment.*` keys (executor, workers, output_dir, ...). Returns an ExperimentResult whose
    `.design`, `.runs`, `.pareto` and (sobol/morris) `.sensitivity` are DataFrames."""
    ov = ["experiment=sweep", *as_list(overrides)]
    cfg = load_config(ov)
    if levers is not None:
        cfg.sweep.levers = dict(levers)
    if uncertainties is not None:
        cfg.sweep.uncertainties = dict(uncertainties)
    for key, value in settings.items():
        section = cfg.sweep if hasattr(cfg.sweep, key) else cfg.experiment
        if not hasattr(section, key):
            raise ConfigError(f"{key} is neither a sweep.* nor an experiment.* key")
        setattr(section, key, value)
    return run_planned_sweep(validate(cfg), ov, callback)


def format_sweep(result: ExperimentResult, top: int = 8) -> str:
    d = result.plan.design
    lines = [
        f"sweep: {d['design']} design, {d['points']} points x {d['replications']} replications "
        f"= {result.execution.total} runs ({result.executed} run now)",
    ]
    sens = result.tables.get("sensitivity")
    if sens is not None and not sens.empty:
        if d["design"] == "sobol":
            lines.append("Sobol indices (first order S1, total ST, ± 95% conf):")
            cols = ["S1", "S1_conf", "ST", "ST_conf"]
        else:
            lines.append("Morris elementary effects (mu* ± 95% conf, sigma), per unit of range:")
            cols = ["mu_star", "mu_star_conf", "sigma"]
        view = sens.set_index(["outcome", "parameter"])[cols]
        lines.append(view.to_string(float_format=lambda x: f"{x:.3f}"))
    front = result.tables.get("pareto")
    if front is not None and not front.empty:
        sw = result.plan.cfg.sweep
        order = (sw.maximise or sw.minimise)[0]
        lines.append(
            f"Pareto set (max {', '.join(result.plan.cfg.sweep.maximise) or '-'}; min "
            f"{', '.join(result.plan.cfg.sweep.minimise) or '-'}): {len(front)} of {d['points']} "
            f"points, top {min(top, len(front))} by {order}:"
        )
        lines.append(front.head(top).to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    return "\n".join(lines)
