"""The illustrative figures of docs/ODD.md section 1, computed, not typed by hand.

    python docs/odd_figures.py                       # 1000 cadres, 120 months, 5 replications
    python docs/odd_figures.py --cadres 500 --replications 3 --workers 2

Runs the baseline and every regime preset in configs/policy/ on common random numbers (the
experiment layer's compare_regimes: replicate seeds from SeedSequence(seed).spawn(R), the same
in every regime) and prints Markdown tables to paste into ODD.md:

1. outcomes by regime (all cadres);
2. initiative by initial type (cohort) per regime;
3. each single-lever preset's relative initiative change by cohort, paired by replicate, with
   the type the lever is meant to reach (DESIGN.md section 3) marked;
4. mean gate values by cohort in the baseline, and each deficit cohort's own gate by regime;
5. beliefs and moving traits by cohort in the baseline;
6. the unable cohort under training and under tolerance (容错万能论);
7. the grade mix of sanctioned honest errors (the calibration target of the grade cuts, seed 001)
   in the baseline and under strict accountability, over the whole run.

All figures are means over the summary window (steps 61-120 of 120 by default) and over the
replications; the +- figures are 95% t half-widths over replications.
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from cadresim import load_config
from cadresim.agents.decision import sanction_grade
from cadresim.agents.types import TYPE_NAMES
from cadresim.experiments import compare_regimes
from cadresim.model import engine as engine_module
from cadresim.model.engine import Engine
from cadresim.model.state import ERROR
from cadresim.policies.levers import LEVER_TARGETS

REGIMES = [
    "baseline",
    "strict_accountability",
    "inaction_accountability",
    "incentive_only",
    "education_only",
    "training_only",
    "promotion_orientation",
    "tolerance_only",
    "tolerance_overbroad",
    "tolerance_unpublicised",
    "three_mechanisms",
]
# the type each single-lever preset is meant to reach (DESIGN.md section 3; spec_v2)
TARGETS = LEVER_TARGETS
GATES = {
    "gate_opportunity": "O 会为",
    "gate_want": "W 想为",
    "gate_bother": "E 愿为",
    "gate_career": "Dc 敢为",
    "gate_punish": "De 害怕为",
    "initiative_rate": "initiative",
}
BELIEFS = {
    "mean_competence": "c",
    "mean_error_fear": "f",
    "mean_perceived_risk": "ŝ_eff",
    "perceived_detection": "δ̂",
    "perceived_career_risk": "k̂",
    "doer_advantage": "π̂",
}
OUTCOMES = {
    "initiative_rate": ("initiative", 3),
    "error_rate": ("errors", 3),
    "misconduct_rate": ("misconduct", 4),
    "shielded_misconduct_rate": ("shielded", 4),
    "sanction_rate": ("sanctioned", 3),
    "tolerated_rate": ("tolerated", 3),
    "wrongful_sanction_rate": ("wrongful", 4),
    "mean_error_fear": ("fear f", 3),
    "perceived_detection": ("δ̂", 3),
    "value": ("value", 3),
}


def markdown(header: list[str], rows: list[list[str]]) -> str:
    align = ["---"] + ["---:"] * (len(header) - 1)
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def cell(table: pd.DataFrame, regime: str, grouping: str, kind: str, outcome: str) -> pd.Series:
    hit = table[
        (table["regime"] == regime)
        & (table["grouping"] == grouping)
        & (table["type"] == kind)
        & (table["outcome"] == outcome)
    ]
    return hit.iloc[0]


def half(row: pd.Series) -> float:
    return float(row["ci_high"] - row["ci_low"]) / 2


def outcomes_by_regime(table: pd.DataFrame) -> str:
    header = ["regime", "Δ initiative vs baseline"] + [label for label, _ in OUTCOMES.values()]
    rows = []
    for regime in REGIMES:
        init = cell(table, regime, "all", "all", "initiative_rate")
        diff = "—" if regime == "baseline" else f"{init['diff']:+.3f} ± {half_diff(init):.3f}"
        cells = [f"`{regime}`", diff]
        for outcome, (_, digits) in OUTCOMES.items():
            cells.append(f"{cell(table, regime, 'all', 'all', outcome)['mean']:.{digits}f}")
        rows.append(cells)
    return markdown(header, rows)


def half_diff(row: pd.Series) -> float:
    return float(row["diff_high"] - row["diff_low"]) / 2


def initiative_by_cohort(table: pd.DataFrame) -> str:
    header = ["regime", *TYPE_NAMES, "all"]
    rows = []
    for regime in REGIMES:
        cells = [f"`{regime}`"]
        for kind in TYPE_NAMES:
            row = cell(table, regime, "cohort", kind, "initiative_rate")
            cells.append(f"{row['mean']:.3f} ± {half(row):.3f}")
        cells.append(f"{cell(table, regime, 'all', 'all', 'initiative_rate')['mean']:.3f}")
        rows.append(cells)
    return markdown(header, rows)


def lever_targets(table: pd.DataFrame) -> str:
    """Relative initiative change (regime - baseline) / baseline by cohort, paired by
    replicate; the target cohort in bold; and the target's change over the largest change of
    any other deficit cohort (below 1: the lever moved another type more)."""
    deficits = TYPE_NAMES[:5]
    header = ["regime (target)", *TYPE_NAMES, "target ÷ next deficit type"]
    rows = []
    for regime, target in TARGETS.items():
        cells = [f"`{regime}` ({target})"]
        change = {}
        for kind in TYPE_NAMES:
            row = cell(table, regime, "cohort", kind, "initiative_rate")
            base = cell(table, "baseline", "cohort", kind, "initiative_rate")["mean"]
            change[kind] = row["diff"] / base if base > 0 else float("nan")
            text = f"{change[kind]:+.2f}"
            cells.append(f"**{text}**" if kind == target else text)
        others = max(change[k] for k in deficits if k != target)
        ratio = change[target] / others if others > 0 else float("inf")
        cells.append(f"{ratio:.1f}" if ratio != float("inf") else "∞ (no other gain)")
        rows.append(cells)
    return markdown(header, rows)


OWN_GATE = {
    "unwilling": "gate_want",
    "unable": "gate_opportunity",
    "afraid": "gate_career",
    "reluctant": "gate_bother",
    "fearful": "gate_punish",
}


def own_gates(table: pd.DataFrame) -> str:
    """Mean of the gate that holds each deficit cohort back, by regime."""
    header = ["regime", *(f"{kind}: {GATES[gate].split()[0]}" for kind, gate in OWN_GATE.items())]
    rows = []
    for regime in REGIMES:
        cells = [f"`{regime}`"]
        for kind, gate in OWN_GATE.items():
            cells.append(f"{cell(table, regime, 'cohort', kind, gate)['mean']:.3f}")
        rows.append(cells)
    return markdown(header, rows)


def by_cohort(table: pd.DataFrame, regime: str, columns: dict[str, str], digits: int) -> str:
    header = ["cohort", *columns.values()]
    rows = []
    for kind in [*TYPE_NAMES, "all"]:
        grouping = "all" if kind == "all" else "cohort"
        cells = [kind]
        for outcome in columns:
            cells.append(f"{cell(table, regime, grouping, kind, outcome)['mean']:.{digits}f}")
        rows.append(cells)
    return markdown(header, rows)


UNABLE = {
    "initiative_rate": "initiative",
    "success_rate": "successes",
    "errors_per_initiative": "errors per initiative",
    "mean_competence": "c",
}
UNABLE_REGIMES = ["baseline", "training_only", "tolerance_only", "three_mechanisms"]


def unable_cohort(table: pd.DataFrame) -> str:
    header = ["regime", *UNABLE.values()]
    rows = []
    for regime in UNABLE_REGIMES:
        cells = [f"`{regime}`"]
        for outcome in UNABLE:
            cells.append(f"{cell(table, regime, 'cohort', 'unable', outcome)['mean']:.3f}")
        rows.append(cells)
    return markdown(header, rows)


GRADES = ["talk 约谈", "admonition 诫勉", "organisational 组织处理", "disciplinary 处分"]
GRADE_REGIMES = ["baseline", "strict_accountability"]


def grade_mix(overrides: list[str], seeds: list[int]) -> str:
    """Shares of grades 1-4 among sanctioned honest errors, steps 1..end, pooled over seeds.
    A cadre whose outcome is an error and who was sanctioned had its error sanctioned, at the
    grade its task's difficulty draws (no false accusations in these presets)."""
    header = ["regime", "sanctioned errors", *GRADES]
    rows = []
    for regime in GRADE_REGIMES:
        counts = np.zeros(4, dtype=np.int64)
        for seed in seeds:
            cfg = load_config([*overrides, f"policy={regime}", f"seed={seed}"])
            engine = Engine(cfg)
            cuts = cfg.policy.accountability.grade_cuts
            for _ in range(cfg.steps):
                engine.step()
                s = engine.state
                hit = s.sanctioned & (s.outcome == ERROR)
                grade = sanction_grade(engine.difficulty[hit], cuts)
                counts += np.bincount(grade, minlength=5)[1:]
        shares = counts / max(counts.sum(), 1)
        rows.append([f"`{regime}`", f"{counts.sum():,}", *(f"{x:.1%}" for x in shares)])
    rows.append(["seed 001 (inaction cases)", "112", "42.9%", "27.7%", "12.5%", "17.0%"])
    return markdown(header, rows)


def commit() -> str:
    """The commit of the checkout the model code was imported from, and whether that code
    differs from it."""
    root = Path(engine_module.__file__).resolve().parents[1]
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "model", "agents", "policies", "configs"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return head + (" (model code modified since)" if dirty else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cadres", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=120)
    parser.add_argument("--replications", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=0, help="0 = all cores")
    args = parser.parse_args()
    overrides = [
        f"population.size={args.cadres}",
        f"steps={args.steps}",
        f"seed={args.seed}",
    ]
    with tempfile.TemporaryDirectory() as folder:
        res = compare_regimes(
            overrides,
            regimes=REGIMES,
            replications=args.replications,
            baseline="baseline",
            output_dir=folder,
            resume=False,
            report=False,
            save_steps=False,
            progress="none",
            workers=args.workers,
        )
        if not res.complete:
            raise SystemExit(f"odd_figures: {len(res.failures)} runs failed")
        table = res.tables["comparison"]
        seeds = res.plan.seeds
    first = int(0.5 * args.steps) + 1
    print(
        f"Produced by `python docs/odd_figures.py --cadres {args.cadres} --steps {args.steps} "
        f"--replications {args.replications} --seed {args.seed}` at commit {commit()}: default "
        f"population and hierarchy, {args.replications} replications per regime on common "
        f"random numbers (seeds {', '.join(map(str, seeds))}), means over steps "
        f"{first}-{args.steps}; ± is a 95% t half-width over replications.\n"
    )
    print("**Outcomes by regime** (per cadre and month, all cadres)\n")
    print(outcomes_by_regime(table) + "\n")
    print("**Initiative by initial type (cohort)**\n")
    print(initiative_by_cohort(table) + "\n")
    print(
        "**Relative initiative change by cohort, single-lever presets vs baseline** "
        "(paired by replicate; the lever's target type in bold)\n"
    )
    print(lever_targets(table) + "\n")
    print("**Mean gate values by cohort, baseline**\n")
    print(by_cohort(table, "baseline", GATES, 3) + "\n")
    print("**Each deficit cohort's own gate, by regime** (mean gate value)\n")
    print(own_gates(table) + "\n")
    print("**Moving traits and beliefs by cohort, baseline**\n")
    print(by_cohort(table, "baseline", BELIEFS, 3) + "\n")
    print("**The unable cohort: training against tolerance**\n")
    print(unable_cohort(table) + "\n")
    print(
        "**Grade mix of sanctioned honest errors** (all steps, pooled over replications; "
        "seed 001: 48 talks, 31 admonitions, 14 organisational measures, 19 disciplinary "
        "sanctions)\n"
    )
    print(grade_mix(overrides, seeds))


if __name__ == "__main__":
    main()
