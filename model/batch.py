"""Batched runs: small runs of one config that differ only in their seeds (the replicates of a
regime or of a design point) stepped together as one population.

A step costs a fixed Python overhead (about a hundred array calls) plus work per cadre; at 1,000
cadres the overhead dominates. A batch of R runs pays it once for R x cadres. The runs never
interact (block-diagonal network, per-run units, divisions, evaluation and careers, tallies
split by run), and each run draws from its own streams in the same order and shapes as alone,
so a batched run's step table and summary are byte-identical to the same run alone.

What may differ within a batch: the seed only. Runs whose configs differ in anything else (a
lever of a design point, a regime, the population size or the steps) go to different batches;
a run with no partner runs alone, exactly as without batching.

`experiment.batch`: `auto` batches runs of at most AUTO_MAX_CADRES cadres, about
AUTO_BATCH_CADRES cadres per batch; `off` runs every run alone; N puts up to N runs in a batch.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Sequence
from dataclasses import asdict

from .config import CadreConfig, check_batch_setting, validate
from .engine import Engine
from .simulate import SimulationResult, result_of

AUTO_MAX_CADRES = 5_000  # auto: larger runs already spend their time on cadres, not overhead
AUTO_BATCH_CADRES = 16_000  # auto: cadres per batch (more only adds memory, no speed)
# keys no rule reads: how a run is written and the experiment around it
NOT_MODEL = ("seed", "output_dir", "write", "overwrite", "experiment", "sweep")


def runs_per_batch(setting: str, cadres: int) -> int:
    """How many runs of `cadres` cadres one batch holds under `experiment.batch = setting`."""
    setting = check_batch_setting(setting)
    if setting == "off":
        return 1
    if setting == "auto":
        return 1 if cadres > AUTO_MAX_CADRES else max(1, AUTO_BATCH_CADRES // max(cadres, 1))
    return int(setting)


def batch_key(cfg: CadreConfig) -> str:
    """Runs with equal keys may share a batch: everything a rule reads but the seed."""
    data = {k: v for k, v in asdict(cfg).items() if k not in NOT_MODEL}
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
    """Run validated configs that differ only in their seeds as one batch; return each run's
    result, byte-identical to `simulate(cfg)` of that run alone."""
    if not cfgs:
        return []
    if len({batch_key(c) for c in cfgs}) > 1:
        raise ValueError("the configs of a batch may differ only in their seeds")
    engine_cfg = validate(copy.deepcopy(cfgs[0]))  # the schedule swaps the engine's policy
    start = time.perf_counter()
    engine = Engine(engine_cfg, seeds=[c.seed for c in cfgs])
    for _ in range(engine_cfg.steps):
        engine.step()
    elapsed = (time.perf_counter() - start) / len(cfgs)
    return [result_of(c, engine.tally_array(k), engine.size, elapsed) for k, c in enumerate(cfgs)]
