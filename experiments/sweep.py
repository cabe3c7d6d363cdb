"""run_sweep: a design over levers and uncertainties, R replications per point, then analyses.

Replicate r of every point uses the same seed (common random numbers), so differences between
points are not drowned by run-to-run noise. Every point's full config is validated before any
run starts (`check_points`), so a design cannot hold runs that are bound to fail. Writes
design.parquet, runs.parquet, steps/, pareto.parquet and, for sobol and morris designs,
sensitivity.parquet (Sobol: also sensitivity_convergence.parquet, the indices at N/4, N/2, N).

A design larger than `sweep.max_points` is refused before it is drawn: planning holds every
point and run in memory (about 30 µs a point), so ten million points would take minutes and
gigabytes before the first run; raising the cap is a deliberate choice.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pandas as pd

from cadresim.model.config import CadreConfig, ConfigError, validate
from cadresim.model.metrics import OUTCOMES

from . import store
from .analysis import pareto
from .compare import check_org_charts
from .designs import Design, base_points, design_seed, expected_points, make_design
from .overrides import (
    as_list,
    base_config,
    compose_overrides,
    override_value,
    replay_overrides,
    twin_config,
)
from .result import ExperimentResult
from .runner import Plan, execute_plan, open_folder
from .runs import BatchResult, RunSpec, apply_params, replicate_seeds
from .sensitivity import sensitivity, sensitivity_warnings
from .space import REMAINDER, REMAINDER_RULE, parse_space, takes_remainder

MAX_RUNS = 50_000_000
SECONDS_PER_POINT = 30e-6  # planning time per design point, measured (for the refusal message)
# Keys that take part in validate()'s cross-field rules (the mix sums to 1, background <
# threshold < severity, a file network needs a path): a sweep over any of them has every point
# validated; otherwise parse_space has checked each value against its range, and one point
# stands for all.
CROSS_FIELD_PREFIXES = (
    "population.mix.",
    "population.severity.",
    "population.threshold",
    "population.background",
    "network.",
)


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
    if sw.points == 0:  # chosen from the number of factors; recorded as chosen
        sw.points = base_points(sw.design, len(params))
    points = expected_points(sw, params)
    if points * sw.replications > MAX_RUNS:
        raise ConfigError(
            f"sweep: {points} points x {sw.replications} replications exceeds "
            f"{MAX_RUNS} runs; lower sweep.points or sweep.levels"
        )
    if points > sw.max_points:
        minutes = points * SECONDS_PER_POINT / 60
        raise ConfigError(
            f"sweep: the {sw.design} design has {points} points, above sweep.max_points = "
            f"{sw.max_points} (planning alone would take about {minutes:.0f} min and hold "
            "every point in memory); lower sweep.points, or raise sweep.max_points to plan it"
        )
    design = make_design(sw, params, cfg.seed)
    base = base_config(compose_overrides(overrides))
    regime = base.policy.name
    base_ov = replay_overrides(overrides, base)
    seeds = replicate_seeds(cfg.seed, sw.replications)
    keys = [p.key for p in params]
    rows = design.table[keys].itertuples(index=False, name=None)
    points_params = [tuple(zip(keys, _plain(values), strict=True)) for values in rows]
    every = bool(base.policy.schedule) or any(k.startswith(CROSS_FIELD_PREFIXES) for k in keys)
    check_points(base, points_params if every else points_params[:1])
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
    check_org_charts(plan.bases.values())
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
            sens, conv = sensitivity(design, done.runs, list(cfg.sweep.outcomes), cfg.seed)
            if not sens.empty:
                store.write_parquet(folder / "sensitivity.parquet", sens)
                tables["sensitivity"] = sens
            if not conv.empty:
                store.write_parquet(folder / "sensitivity_convergence.parquet", conv)
                tables["sensitivity_convergence"] = conv
            front = pareto(design, done.runs, list(cfg.sweep.maximise), list(cfg.sweep.minimise))
            store.write_parquet(folder / "pareto.parquet", front)
            tables["pareto"] = front
        return ExperimentResult(plan, done, tables)  # writes csv/xlsx copies: under the lock


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
    cfg, ov = twin_call("sweep", overrides, levers, uncertainties, settings)
    return run_planned_sweep(cfg, ov, callback)


def twin_call(
    kind: str,
    overrides: Iterable[str] | Mapping[str, Any] | None,
    levers: Mapping[str, Any] | None,
    uncertainties: Mapping[str, Any] | None,
    settings: Mapping[str, Any],
) -> tuple[CadreConfig, list[str]]:
    """The validated config and the overrides of a Python twin of `cadresim experiment=KIND`
    (`run_sweep(...)`, `optimise(...)`): what its command would compose and read."""
    ov = [f"experiment={kind}", *as_list(overrides)]
    return validate(twin_config(ov, kind, levers, uncertainties, settings)), ov


def format_sweep(result: ExperimentResult, top: int = 8) -> str:
    d = result.plan.design
    lines = [
        f"sweep: {d['design']} design, {d['points']} points x {d['replications']} replications "
        f"= {result.execution.total} runs ({result.executed} run now)",
    ]
    sens = result.tables.get("sensitivity")
    if sens is not None and not sens.empty:
        if d["design"] == "sobol":
            lines.append(
                f"Sobol indices at base N = {int(sens['n'].max())} (first order S1, total ST, "
                "± 95% bootstrap conf; flags in sensitivity.parquet, N/4 and N/2 in "
                "sensitivity_convergence.parquet):"
            )
            cols = ["S1", "S1_conf", "ST", "ST_conf", "flags"]
        else:
            lines.append("Morris elementary effects (mu* ± 95% conf, sigma), per unit of range:")
            cols = ["mu_star", "mu_star_conf", "sigma"]
        view = sens.set_index(["outcome", "parameter"])[cols]
        lines.append(view.to_string(float_format=lambda x: f"{x:.3f}"))
        if warning := sensitivity_warnings(sens):
            lines += [f"cadresim: {warning[0]}", *warning[1:]]
    front = result.tables.get("pareto")
    sw = result.plan.cfg.sweep
    if front is not None and front.empty and not d.get("levers"):
        lines.append("Pareto set: none, the sweep has no levers (only uncertainties)")
    elif front is not None and not front.empty:
        order = (sw.maximise or sw.minimise)[0]
        lever_keys = [p["key"] for p in d["levers"]]
        settings = len(result.tables["design"][lever_keys].drop_duplicates())
        lines.append(
            f"Pareto set over levers (max {', '.join(sw.maximise) or '-'}; min "
            f"{', '.join(sw.minimise) or '-'}; each setting's mean over uncertainties and "
            f"replicates): {len(front)} of {settings} lever settings, top "
            f"{min(top, len(front))} by {order}:"
        )
        lines.append(front.head(top).to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    return "\n".join(lines)
