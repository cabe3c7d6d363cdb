"""Experiments over many runs: regime comparisons, sweeps, sensitivity and trade-offs.

from cadresim.experiments import compare_regimes, run_sweep
res = compare_regimes(["population.size=500"], regimes=["baseline", "tolerance_only"],
                      replications=10)
res.comparison          # regime x grouping x type x outcome: mean, 95% CI, diff to baseline
sw = run_sweep(levers={"policy.tolerance.coverage": [0, 1]}, design="lhs", points=50)
sw.design, sw.runs, sw.pareto
lv = lever_by_type(["population.size=500"], replications=5)
lv.selectivity           # lever x initial type: relative initiative gain, target, top/next ratio
ck = crackdown(["population.size=500"], replications=10)
ck.crackdown, ck.deterrence   # monthly paired gaps; campaign gap and deterrence half-life
"""

from .campaign import crackdown
from .compare import compare_regimes
from .rerun import rerun, rerun_command
from .result import ExperimentResult
from .selectivity import lever_by_type
from .sweep import run_sweep

__all__ = [
    "ExperimentResult",
    "compare_regimes",
    "crackdown",
    "lever_by_type",
    "rerun",
    "rerun_command",
    "run_sweep",
]
