"""The Pareto packages of a search: the non-dominated feasible candidates, the ones recommended
(spread over the front), what each constraint achieved, each package's commands, and the text
`cadresim optimise` prints."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .optimise_plan import OptimisePlan, objective_matrices
from .overrides import override_value
from .runner import command_line
from .runs import derived_overrides

if TYPE_CHECKING:
    from .optimise_search import OptimiseResult


def non_dominated(F: np.ndarray) -> np.ndarray:
    """Indices of the rows of F (all minimised) that no other row dominates."""
    from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting  # noqa: PLC0415

    if len(F) == 0:
        return np.zeros(0, dtype=int)
    return np.sort(NonDominatedSorting().do(F, only_non_dominated_front=True))


def pareto_packages(plan: OptimisePlan, unique: pd.DataFrame) -> pd.DataFrame:
    """The packages: the non-dominated feasible candidates of `unique` (distinct lever values)
    or, if none is feasible, the non-dominated least infeasible ones; numbered from the best on
    the first objective, the `recommended` ones numbered too, each with its command."""
    feasible = unique[unique["feasible"]]
    pool = (
        feasible if not feasible.empty else unique[unique["violation"] == unique["violation"].min()]
    )
    F, _ = objective_matrices(plan, pool)
    front = pool.iloc[non_dominated(F)].copy()
    first = plan.objectives[0]
    front = front.sort_values(first.name, ascending=first.sense == "min", kind="stable")
    front.insert(0, "package", np.arange(1, len(front) + 1, dtype=np.int64))
    front["command"] = [package_command(plan, row) for row in front.to_dict("records")]
    front = front.drop(columns=[c for c in front.columns if re.fullmatch(r"u\d+", c)])
    front = front.reset_index(drop=True)
    F, _ = objective_matrices(plan, front)
    picked = spread(F, plan.cfg.optimise.recommend)
    front.insert(1, "recommended", 0)
    front.loc[picked, "recommended"] = np.arange(1, len(picked) + 1)
    return front


def spread(F: np.ndarray, k: int) -> list[int]:
    """k rows of F spread over the front: the best row for each objective first, then
    repeatedly the row farthest from those chosen (objectives scaled to [0, 1]). A front of
    many near-identical packages is then shown by its distinct choices, not its top k."""
    n = len(F)
    if n == 0 or k <= 0:
        return []
    span = F.max(axis=0) - F.min(axis=0)
    Z = (F - F.min(axis=0)) / np.where(span > 0, span, 1.0)
    chosen: list[int] = []
    for j in range(F.shape[1]):
        best = int(np.argmin(Z[:, j]))
        if best not in chosen and len(chosen) < k:
            chosen.append(best)
    while len(chosen) < min(k, n):
        dist = np.min(np.linalg.norm(Z[:, None, :] - Z[None, chosen, :], axis=2), axis=1)
        dist[chosen] = -1.0
        chosen.append(int(np.argmax(dist)))
    return chosen


def plan_summary(plan: OptimisePlan) -> dict[str, Any]:
    """What the charts and the report need to know of a plan (also read back from a folder)."""
    return {
        "levers": [p.key for p in plan.levers],
        "objectives": [asdict(ob) for ob in plan.objectives],
        "constraints": [c.text for c in plan.constraints],
    }


def constraint_report(plan: OptimisePlan, candidates: pd.DataFrame) -> list[dict[str, Any]]:
    """Per constraint: how many distinct candidates met it, and the best value reached."""
    out = []
    for i, c in enumerate(plan.constraints):
        values = candidates[f"constraint_{i}"].to_numpy(float)
        met = int((c.violation(values) <= 0).sum())
        best = float(values.min() if c.upper else values.max())
        out.append({"constraint": c.text, "met_by": met, "of": len(values), "best": best})
    return out


def package_command(plan: OptimisePlan, row: Mapping[str, Any]) -> str:
    """The `cadresim` line that runs this package in scenario 0 with the first seed (one of the
    runs its robust figures average)."""
    params = [(p.key, row[p.key]) for p in plan.levers] + list(plan.scenario_params[0])
    params = [(k, v.item() if hasattr(v, "item") else v) for k, v in params]
    params += derived_overrides(plan.base, params)
    parts = [*plan.base_overrides, *(f"{k}={override_value(v)}" for k, v in params)]
    return command_line([*parts, f"seed={plan.seeds[0]}"])


def evaluate_command(folder: Path, package: int) -> str:
    """The line that re-runs a package over all the search's scenarios and seeds and checks its
    figures against the folder's (`cadresim optimise evaluate`)."""
    return command_line(["optimise", "evaluate", str(folder), str(package)])


def format_result(result: OptimiseResult) -> str:
    plan, front = result.plan, result.pareto
    o = plan.cfg.optimise
    d = plan.describe()
    lines = [
        f"optimise: {plan.algorithm.upper()}, {len(plan.levers)} levers, "
        f"{len(plan.objectives)} objectives ({', '.join(d['objectives'])}), "
        f"{o.generations} generations x {o.population} candidates x {len(plan.scenarios)} "
        f"scenarios x {len(plan.seeds)} seeds; robustness: {d['robustness']}",
    ]
    for c in result.constraints:
        if c["met_by"] == 0:
            lines.append(
                f"constraint {c['constraint']!r}: met by no candidate (best {c['best']:.4g}); "
                "the packages below are the least infeasible, not feasible"
            )
        else:
            lines.append(
                f"constraint {c['constraint']!r}: met by {c['met_by']} of {c['of']} candidates"
            )
    rec = front[front["recommended"] > 0].sort_values("recommended")
    lines.append(
        f"Pareto set: {len(front)} packages of {len(result.archive)} candidates evaluated "
        f"(pareto.csv); {len(rec)} recommended, spread over the front (the best for each "
        "objective, then the most different):"
    )
    shown = [p.key for p in plan.levers] + [ob.name for ob in plan.objectives]
    view = rec[["package", *shown]].rename(columns=lambda c: c.rsplit(".", 1)[-1])
    lines.append(view.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    S, R = len(plan.scenarios), len(plan.seeds)
    lines.append(
        f"Commands: the first runs a package once (scenario 0, seed {plan.seeds[0]}: one of the "
        f"{S} x {R} runs its figures average); the second re-runs all {S * R} and checks its "
        "figures against pareto.csv."
    )
    for row in rec.to_dict("records"):
        lines.append(f"package {row['package']}: {row['command']}")
        lines.append(f"  exact: {evaluate_command(result.folder, row['package'])}")
    return "\n".join(lines)
