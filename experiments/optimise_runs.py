"""Running candidates: every candidate's levers over the plan's shared scenarios and seeds on the
project's executors, and each candidate's robust figures from its runs."""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np
import pandas as pd

from .costs import COST, policy_cost
from .executors import cpu_count, execute
from .optimise_plan import OptimisePlan, decode, objective_matrices
from .runs import Batch, RunSpec, apply_params


def needed(plan: OptimisePlan) -> list[tuple[str, str, str]]:
    """(column, metric, tail) per aggregated column: 'high' takes the upper tail of a
    candidate's runs under robustness=percentile (bad for what is minimised)."""
    cols = [(ob.name, ob.name, "low" if ob.sense == "max" else "high") for ob in plan.objectives]
    for i, c in enumerate(plan.constraints):
        cols.append((f"constraint_{i}", c.outcome, "high" if c.upper else "low"))
    return cols


def aggregate(plan: OptimisePlan, runs: pd.DataFrame) -> pd.DataFrame:
    """One row per candidate: each objective and constraint over the candidate's runs."""
    o = plan.cfg.optimise
    grouped = runs.groupby("candidate", sort=True)
    out = pd.DataFrame(index=sorted(runs["candidate"].unique()))
    for col, metric, tail in needed(plan):
        if o.robustness == "mean":
            out[col] = grouped[metric].mean()
        else:
            q = o.percentile if tail == "high" else 100.0 - o.percentile
            out[col] = grouped[metric].quantile(q / 100.0)
    return out


class RunsFailed(RuntimeError):
    """Runs of a generation failed: the generation is not checkpointed; rerun to retry."""


def evaluate_generation(
    plan: OptimisePlan, gen: int, X: np.ndarray
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run every candidate of X (rows in [0, 1]^levers) over the shared scenarios and seeds;
    return (candidates table, runs table)."""
    lever_values = decode(plan.levers, X)
    runs = run_candidates(
        plan,
        lever_values,
        gen,
        f"generation {gen}",
        "the finished generations are kept: run the same command again to retry",
    )
    table = _candidates(plan, gen, X, lever_values, aggregate(plan, runs))
    return table, runs


def run_candidates(
    plan: OptimisePlan, lever_values: dict[str, list[Any]], gen: int, name: str, retry: str
) -> pd.DataFrame:
    """The runs table of candidates c = 0, 1, ... (lever_values[key][c]): run_id, scenario and
    seed are those a search gives candidate c of generation `gen`, so the same candidate run
    again (a package re-evaluated) gets the same runs. RunsFailed names `name` and `retry`."""
    ex = plan.cfg.experiment
    keys = [p.key for p in plan.levers]
    regime = plan.base.policy.name
    scen = plan.scenario_params
    S, R = len(scen), len(plan.seeds)
    specs: list[RunSpec] = []
    costs: dict[int, float] = {}
    for c in range(len(lever_values[keys[0]])):
        levers = tuple((k, lever_values[k][c]) for k in keys)
        for s, scenario in enumerate(scen):
            params = levers + scenario
            if plan.costs:
                cfg = copy.deepcopy(plan.base)
                apply_params(cfg, params)
                cost = policy_cost(plan.costs, cfg)
            else:
                cost = 0.0
            for r, seed in enumerate(plan.seeds):
                run_id = (c * S + s) * R + r
                costs[run_id] = cost
                specs.append(RunSpec(run_id, regime, r, seed, point_id=c, params=params))
    workers = ex.workers or cpu_count()
    size = ex.batch_size or max(1, math.ceil(len(specs) / (4 * max(1, workers))))
    batches = [
        Batch(f"gen-{gen:04d}-{i:05d}", {regime: plan.base}, specs[i : i + size], save_steps=False)
        for i in range(0, len(specs), size)
    ]
    rows: list[pd.DataFrame] = []
    failures: list[dict[str, Any]] = []
    for result in execute(batches, ex.executor, ex.workers, ex.ray_address):
        if result.runs is not None:
            rows.append(result.runs[result.runs["grouping"] == "all"])
        failures.extend(result.failures)
    if failures:
        first = failures[0]
        raise RunsFailed(
            f"{len(failures)} run(s) of {name} failed, e.g. candidate "
            f"{first.get('point_id')} (seed {first['seed']}): {first['error']}; {retry}"
        )
    runs = pd.concat(rows, ignore_index=True).sort_values("run_id", kind="stable")
    runs = runs.rename(columns={"point_id": "candidate"})
    runs.insert(0, "generation", gen)
    runs.insert(2, "scenario", (runs["run_id"] // R) % S)
    runs[COST] = runs["run_id"].map(costs)
    metrics = sorted({m for _, m, _ in needed(plan)})
    ids = ["generation", "candidate", "scenario", "replicate", "seed", "run_id"]
    return runs[ids + keys + [p.key for p in plan.uncertainties] + metrics].reset_index(drop=True)


def _candidates(
    plan: OptimisePlan,
    gen: int,
    X: np.ndarray,
    lever_values: dict[str, list[Any]],
    agg: pd.DataFrame,
) -> pd.DataFrame:
    table = pd.DataFrame({"generation": gen, "candidate": np.arange(len(X), dtype=np.int64)})
    for i in range(X.shape[1]):
        table[f"u{i}"] = X[:, i]
    for key, values in lever_values.items():
        table[key] = values
    agg = agg.reindex(table["candidate"]).reset_index(drop=True)
    for col in agg.columns:
        table[col] = agg[col].to_numpy()
    _, G = objective_matrices(plan, table)
    table["violation"] = np.clip(G, 0.0, None).sum(axis=1)
    table["feasible"] = table["violation"] <= 0.0
    return table
