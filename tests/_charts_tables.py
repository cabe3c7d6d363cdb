"""Result folders in the experiment-table contract, built from real simulate() runs.

The experiment layer is built elsewhere; these helpers assemble its contract (manifest.json,
steps/part-*.parquet, runs.parquet, comparison.parquet, design.parquet, sensitivity.parquet)
from a few small runs, so the charts and the report are tested on realistic tables.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from cadresim import simulate
from cadresim.model.metrics import OUTCOMES

REGIMES = ("baseline", "tolerance_only", "three_mechanisms")
SEEDS = (1, 2, 3)
SMALL = {"population.size": 200, "steps": 24}


def run_table(overrides: list[dict], seeds=SEEDS) -> tuple[pd.DataFrame, pd.DataFrame, object]:
    """Steps and runs tables of every override set x seed (run_id in that order)."""
    steps, runs, cfg = [], [], None
    for run_id, (ov, (rep, seed)) in enumerate(
        itertools.product(overrides, list(enumerate(seeds)))
    ):
        res = simulate({**SMALL, **ov, "seed": seed})
        cfg = res.config
        varied = {k: v for k, v in ov.items() if k != "policy"}
        s = res.steps.assign(run_id=run_id, replicate=rep, **varied)
        steps.append(s)
        first = res.summary["summary_window"][0]
        window = s[s["step"] >= first]
        keys = ["run_id", "replicate", "seed", "policy", *varied, "grouping", "type"]
        runs.append(window.groupby(keys, sort=False)[[*OUTCOMES, "share"]].mean().reset_index())
    return pd.concat(steps, ignore_index=True), pd.concat(runs, ignore_index=True), cfg


def comparison(runs: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for (regime, grouping, typ), g in runs.groupby(["policy", "grouping", "type"], sort=False):
        base = runs[
            (runs["policy"] == "baseline") & (runs["grouping"] == grouping) & (runs["type"] == typ)
        ]
        for outcome in OUTCOMES:
            v = g[outcome].to_numpy()
            b = base[outcome].to_numpy()
            half = stats.t.ppf(0.975, len(v) - 1) * v.std(ddof=1) / np.sqrt(len(v))
            d = v.mean() - b.mean()
            dh = stats.t.ppf(0.975, len(v) - 1) * np.sqrt(
                v.var(ddof=1) / len(v) + b.var(ddof=1) / len(b)
            )
            rows.append(
                dict(regime=regime, grouping=grouping, type=typ, outcome=outcome, mean=v.mean(),
                     ci_low=v.mean() - half, ci_high=v.mean() + half, n=len(v), diff=d,
                     diff_low=d - dh, diff_high=d + dh)
            )  # fmt: skip
    return pd.DataFrame(rows)


def _write(folder: Path, manifest: dict, steps: pd.DataFrame, **tables: pd.DataFrame) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manifest.json").write_text(json.dumps(manifest, default=str), encoding="utf-8")
    (folder / "steps").mkdir(exist_ok=True)
    for i, (_, part) in enumerate(steps.groupby("run_id")):
        part.to_parquet(folder / "steps" / f"part-{i:04d}.parquet", index=False)
    for name, t in tables.items():
        t.to_parquet(folder / f"{name}.parquet", index=False)
    return folder


def compare_folder(folder: Path) -> Path:
    steps, runs, cfg = run_table([{"policy": r} for r in REGIMES])
    manifest = {
        "name": "compare-test", "kind": "compare_regimes", "config": asdict(cfg),
        "regimes": list(REGIMES), "seeds": list(SEEDS), "version": "0.1.0",
    }  # fmt: skip
    return _write(folder, manifest, steps, runs=runs, comparison=comparison(runs))


LEVERS = ("policy.tolerance.coverage", "policy.incentive.reward")


def sweep_folder(folder: Path, grid: bool = True) -> Path:
    """A 3 x 3 grid (or 9 scattered points) of two levers, two replicates each."""
    if grid:
        points = list(itertools.product((0.0, 0.5, 1.0), (0.0, 1.0, 2.0)))
    else:
        rng = np.random.default_rng(0)
        points = [
            (round(float(a), 3), round(float(b), 3)) for a, b in rng.random((9, 2)) * (1.0, 2.0)
        ]
    overrides = [{"policy": "tolerance_only", LEVERS[0]: a, LEVERS[1]: b} for a, b in points]
    steps, runs, cfg = run_table(overrides, seeds=(1, 2))
    runs["point_id"] = runs["run_id"] // 2
    design = pd.DataFrame(points, columns=list(LEVERS)).rename_axis("point_id").reset_index()
    manifest = {"name": "sweep-test", "kind": "sweep", "config": asdict(cfg), "seeds": [1, 2]}
    return _write(folder, manifest, steps, runs=runs, design=design)


def sensitivity_table() -> pd.DataFrame:
    params = [
        "policy.tolerance.coverage",
        "policy.incentive.reward",
        "policy.accountability.detection",
    ]
    rows = []
    for outcome in ("initiative_rate", "error_rate"):
        for i, p in enumerate(params):
            rows.append(dict(method="sobol", outcome=outcome, parameter=p, S1=0.5 / (i + 1),
                             S1_conf=0.05, ST=0.6 / (i + 1), ST_conf=0.06, mu_star=np.nan,
                             mu_star_conf=np.nan, sigma=np.nan))  # fmt: skip
            rows.append(dict(method="morris", outcome=outcome, parameter=p, S1=np.nan,
                             S1_conf=np.nan, ST=np.nan, ST_conf=np.nan, mu_star=0.3 / (i + 1),
                             mu_star_conf=0.02, sigma=0.1 * (i + 1)))  # fmt: skip
    return pd.DataFrame(rows)
