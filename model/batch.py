"""Batched runs: small runs stepped together as one population, e.g. the replicates of a
regime or the replicates and design points of a sweep over policy levers.

A step costs a fixed Python overhead (about a hundred array calls) plus work per cadre; at 1,000
cadres the overhead dominates. A batch of R runs pays it once for R x cadres. The runs never
interact (block-diagonal network, per-run units, divisions, evaluation and careers, tallies
split by run), and each run draws from its own streams in the same order and shapes as alone,
so a batched run's step table and summary are byte-identical to the same run alone.

What may differ within a batch (anything else puts runs in different batches, and a run with no
partner runs alone, exactly as without batching):
- the seed;
- `population.*` but the size and the type threshold, and `network.*` (read only when the
  organisation and the cadres are drawn, run by run; a batch needs equal numbers of cadres);
- the policy levers in LEVERS: in a step the rules read them only in comparisons with float32
  draws and in products with float32 arrays, where a per-cadre float32 array of each run's
  value gives exactly what the run's scalar gives; evaluation noise and careers are applied
  run by run. Other levers (switches, integers, and values the rules branch on or combine
  with other constants first) must be equal.

`experiment.batch`: `auto` batches runs of at most AUTO_MAX_CADRES cadres, about
AUTO_BATCH_CADRES cadres per batch; `off` runs every run alone; N puts up to N runs in a batch.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Sequence
from dataclasses import asdict

import numpy as np

from .config import CadreConfig, check_batch_setting, validate
from .engine import Engine
from .metrics import IDX
from .simulate import SimulationResult, result_of

AUTO_MAX_CADRES = 5_000  # auto: larger runs already spend their time on cadres, not overhead
AUTO_BATCH_CADRES = 16_000  # auto: cadres per batch (more only adds memory, no speed)
# keys no rule reads: how a run is written and the experiment around it
NOT_MODEL = ("seed", "output_dir", "write", "overwrite", "experiment", "sweep", "network")
# population keys the step reads (the others are read only when cadres are drawn, per run)
POPULATION_SHARED = ("size", "threshold")
LEVERS = frozenset(
    {
        "accountability.detection",
        "accountability.error_sanction",
        "accountability.career_cost",
        "accountability.inaction_detection",
        "accountability.false_accusation",
        "tolerance.coverage",
        "tolerance.screening",
        "tolerance.clarification",
        "tolerance.publicity",
        "tolerance.recovery",
        "incentive.recognition",
        "incentive.reward",
        "evaluation.orientation",
        "evaluation.noise",
        "careers.retirement",
        "careers.transfer",
        "careers.rotation",
        "training.share",
    }
)


def runs_per_batch(setting: str, cadres: int) -> int:
    """How many runs of `cadres` cadres one batch holds under `experiment.batch = setting`."""
    setting = check_batch_setting(setting)
    if setting == "off":
        return 1
    if setting == "auto":
        return 1 if cadres > AUTO_MAX_CADRES else max(1, AUTO_BATCH_CADRES // max(cadres, 1))
    return int(setting)


def batch_key(cfg: CadreConfig) -> str:
    """Runs with equal keys may share a batch: the config but what may differ in one."""
    data = {k: v for k, v in asdict(cfg).items() if k not in NOT_MODEL}
    data["population"] = {k: data["population"][k] for k in POPULATION_SHARED}
    for lever in LEVERS:
        group, name = lever.split(".")
        data["policy"][group].pop(name)
    return json.dumps(data, sort_keys=True, default=str)


def plan_batches(cfgs: Sequence[CadreConfig], setting: str) -> list[list[int]]:
    """Indices of `cfgs` grouped into batches: runs of equal batch keys, in their order, at
    most `runs_per_batch` each; a run alone is a batch of one."""
    groups: dict[str, list[int]] = {}
    for i, cfg in enumerate(cfgs):
        groups.setdefault(batch_key(cfg), []).append(i)
    out: list[list[int]] = []
    for members in groups.values():
        size = runs_per_batch(setting, cfgs[members[0]].population.size)
        out += [members[j : j + size] for j in range(0, len(members), size)]
    return sorted(out)


def simulate_batch(cfgs: Sequence[CadreConfig]) -> list[SimulationResult]:
    """Run validated configs of equal batch keys as one batch; return each run's result,
    byte-identical to `simulate(cfg)` of that run alone."""
    start = time.perf_counter()
    tallies = batch_tallies(cfgs)
    elapsed = (time.perf_counter() - start) / max(len(cfgs), 1)
    return [
        result_of(c, t, int(t[0, 0, IDX["n"]]), elapsed) for c, t in zip(cfgs, tallies, strict=True)
    ]


def batch_tallies(cfgs: Sequence[CadreConfig]) -> list[np.ndarray]:
    """Each run's tallies from one batch of validated configs of equal batch keys,
    byte-identical to `simulate_tallies(cfg)` of that run alone."""
    if not cfgs:
        return []
    if len({batch_key(c) for c in cfgs}) > 1:
        raise ValueError("the configs of a batch may differ only in seeds, LEVERS and draws")
    # copies: a policy.schedule swaps the policies the engine holds
    runs = [validate(copy.deepcopy(c)) for c in cfgs]
    engine = Engine(runs[0], runs=runs)
    for _ in range(runs[0].steps):
        engine.step()
    return [engine.tally_array(k) for k in range(len(cfgs))]
