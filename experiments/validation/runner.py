"""Run the arms the chosen patterns need, once each, on common seeds, through the executors.

Patterns share arms (the baseline serves most of them): identical arms are run once, with the
most replications any pattern asks for (replicate r's seed does not depend on R). Runs go
through `experiments.executors` (serial, processes, Ray) with `run_validation_batch` as the
task, which also runs the engine hooks (forced actors for the peer elasticity).
"""

from __future__ import annotations

import copy
import math
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cadresim.model.config import CadreConfig, ConfigError, flatten, unknown_key_message
from cadresim.model.metrics import step_table, summarise
from cadresim.model.simulate import simulate

from ..executors import execute
from ..overrides import base_config
from ..progress import Progress
from ..runs import Batch, BatchResult, RunSpec, replicate_seeds, run_config, summary_rows
from .base import Arm, Data, Pattern, PatternError, PatternResult, Tier

LONG_RUN_MONTHS = 300  # arms this long go one run per batch, first
BATCH_RUNS = 4
PEER_STREAM = 7  # SeedSequence(seed).spawn(8)[7] draws the forced mask; the engine uses 0-3


@dataclass
class ValidationBatch(Batch):
    hooks: dict[str, dict[str, Any]] = field(default_factory=dict)  # arm id -> hook settings


@dataclass
class PlannedArm:
    id: str
    arm: Arm
    replications: int
    save_steps: bool
    config: CadreConfig | None = None
    error: str = ""
    needed: bool = True  # False: only patterns that cannot be judged asked for it

    @property
    def runnable(self) -> bool:
        return self.needed and not self.error and self.config is not None


@dataclass
class Plan:
    tier: Tier
    seeds: list[int]
    arms: dict[str, PlannedArm]
    uses: dict[str, dict[str, str]]  # pattern -> its arm key -> arm id
    errors: dict[str, str]  # pattern -> why it cannot run

    @property
    def runs(self) -> int:
        return sum(a.replications for a in self.arms.values() if a.runnable)


@dataclass
class Outcome:
    runs: dict[str, pd.DataFrame]  # arm id -> summary rows of its replicates
    steps: dict[str, pd.DataFrame]  # arm id -> 'all' step rows of its replicates
    failures: dict[str, str]  # arm id -> first failure


def plan(patterns: Sequence[Pattern], tier: Tier, seed: int = 0) -> Plan:
    """Every pattern's arms, deduplicated and composed; a refused config marks its patterns."""
    arms: dict[tuple[Any, ...], PlannedArm] = {}
    uses: dict[str, dict[str, str]] = {}
    errors: dict[str, str] = {}
    composed: dict[tuple[str, ...], CadreConfig | str] = {}
    for p in patterns:
        try:
            wanted = p.arms(tier)
        except ConfigError as exc:
            errors[p.name] = str(exc)
            continue
        reps = p.replications(tier)
        uses[p.name] = {}
        for key, arm in wanted.items():
            ident = arm.identity(tier)
            if ident not in arms:
                planned = PlannedArm(f"a{len(arms):03d}", arm, reps, arm.save_steps)
                planned.config, planned.error = _compose(arm, tier, composed)
                arms[ident] = planned
            planned = arms[ident]
            planned.replications = max(planned.replications, reps)
            planned.save_steps |= arm.save_steps
            uses[p.name][key] = planned.id
            if planned.error and p.name not in errors:
                errors[p.name] = f"{arm.describe(tier)}: {planned.error}"
    by_id = {a.id: a for a in arms.values()}
    needed = {i for name, ids in uses.items() if name not in errors for i in ids.values()}
    for a in by_id.values():
        a.needed = a.id in needed
    most = max((a.replications for a in by_id.values() if a.runnable), default=0)
    return Plan(tier, replicate_seeds(seed, most), by_id, uses, errors)


def _compose(
    arm: Arm, tier: Tier, cache: dict[tuple[str, ...], CadreConfig | str]
) -> tuple[CadreConfig | None, str]:
    """The arm's base config (overrides composed once per distinct set), or why not."""
    if arm.overrides not in cache:
        try:
            cache[arm.overrides] = base_config(list(arm.overrides))
        except ConfigError as exc:
            cache[arm.overrides] = str(exc)
    base = cache[arm.overrides]
    if isinstance(base, str):
        return None, base
    cfg = copy.deepcopy(base)
    cfg.population.size = arm.cadres or tier.cadres
    cfg.steps = arm.months or tier.months
    cfg.write = False
    known = flatten(cfg)
    for key, _ in arm.params:
        if key not in known:
            return None, unknown_key_message(key)
    try:  # every range and cross-field check, as each run will do
        run_config(cfg, RunSpec(0, "check", 0, 0, params=arm.params))
    except ConfigError as exc:
        return None, str(exc)
    return cfg, ""


def run(p: Plan, executor: str = "processes", workers: int = 0, progress: str = "auto") -> Outcome:
    """Run every arm that composed; collect its summary rows and step rows."""
    batches: list[tuple[float, ValidationBatch]] = []
    run_id = 0
    for a in p.arms.values():
        if not a.runnable or a.config is None:
            continue
        specs = []
        for r in range(a.replications):
            specs.append(RunSpec(run_id, a.id, r, p.seeds[r], params=a.arm.params))
            run_id += 1
        size = 1 if a.config.steps >= LONG_RUN_MONTHS else BATCH_RUNS
        hooks = {a.id: dict(a.arm.hook)} if a.arm.hook else {}
        for i in range(0, len(specs), size):
            chunk = specs[i : i + size]
            batch = ValidationBatch(a.id, {a.id: a.config}, chunk, a.save_steps, hooks)
            batches.append((a.config.steps * a.config.population.size * len(chunk), batch))
    batches.sort(key=lambda cb: -cb[0])  # longest first: the pool's tail is short
    total = sum(len(b.runs) for _, b in batches)
    bar = Progress(total, 0, "cadresim validate", progress)
    runs: dict[str, list[pd.DataFrame]] = {}
    steps: dict[str, list[pd.DataFrame]] = {}
    failures: dict[str, str] = {}
    try:
        for res in execute((b for _, b in batches), executor, workers, task=run_validation_batch):
            if res.runs is not None:
                runs.setdefault(res.part, []).append(res.runs)
            if res.steps is not None:
                steps.setdefault(res.part, []).append(res.steps)
            for f in res.failures:
                failures.setdefault(f["regime"], f["error"])
            bar.update(res.executed)
    finally:
        bar.close()
    return Outcome(
        {k: pd.concat(v, ignore_index=True) for k, v in runs.items()},
        {k: pd.concat(v, ignore_index=True) for k, v in steps.items()},
        failures,
    )


def judge(patterns: Sequence[Pattern], p: Plan, outcome: Outcome) -> list[PatternResult]:
    """Each pattern's verdict from its arms' runs; ERROR where it could not be judged."""
    results = []
    for pat in patterns:
        reps = pat.replications(p.tier)
        if pat.name in p.errors:
            results.append(PatternResult.of(pat, None, p.errors[pat.name], replications=reps))
            continue
        ids = p.uses[pat.name]
        described = {k: p.arms[i].arm.describe(p.tier) for k, i in ids.items()}
        kw: dict[str, Any] = {"replications": reps, "arms": described}
        failed = [(k, outcome.failures[i]) for k, i in ids.items() if i in outcome.failures]
        if failed:
            key, error = failed[0]
            results.append(PatternResult.of(pat, None, f"arm {key!r}: {error}", **kw))
            continue
        data = Data(
            p.tier, reps,
            {k: outcome.runs[i] for k, i in ids.items() if i in outcome.runs},
            {k: outcome.steps[i] for k, i in ids.items() if i in outcome.steps},
            {k: p.arms[i].arm for k, i in ids.items()},
        )  # fmt: skip
        try:
            verdict = pat.judge(data)
        except PatternError as exc:
            results.append(PatternResult.of(pat, None, str(exc), **kw))
            continue
        except Exception as exc:  # a broken judge must not stop the other patterns
            detail = traceback.format_exc(limit=4)
            results.append(
                PatternResult.of(pat, None, f"{type(exc).__name__}: {exc}", notes=[detail], **kw)
            )
            continue
        results.append(PatternResult.of(pat, verdict, **kw))
    return results


# ------------------------------------------------------------------ the task in the workers


def run_validation_batch(batch: Batch) -> BatchResult:
    """Run a batch's specs (through an engine hook where its arm has one): summary rows, the
    'all' rows of the step table if asked, failures recorded as run_batch does."""
    hooks = getattr(batch, "hooks", {})
    runs: list[pd.DataFrame] = []
    steps: list[pd.DataFrame] = []
    failures: list[dict[str, Any]] = []
    for spec in batch.runs:
        try:
            cfg = run_config(batch.bases[spec.regime], spec)
            hook = hooks.get(spec.regime)
            if hook:
                summary, table = HOOKS[hook["name"]](cfg, spec.seed, hook)
            else:
                result = simulate(cfg)
                summary, table = result.summary, result.steps
        except Exception as exc:  # recorded; the other runs go on
            failures.append({**spec.describe(), "error": f"{type(exc).__name__}: {exc}",
                             "traceback": traceback.format_exc(limit=6)})  # fmt: skip
            continue
        runs.append(_label(summary_rows(summary), spec))
        if batch.save_steps:
            rows = table[table["grouping"] == "all"]
            rows = rows.drop(
                columns=[c for c in ("seed", "policy", "grouping", "type") if c in rows]
            )
            steps.append(_label(rows, spec))
    return BatchResult(
        batch.part,
        pd.concat(steps, ignore_index=True) if steps else None,
        pd.concat(runs, ignore_index=True) if runs else None,
        failures,
        executed=len(batch.runs),
    )


def _label(table: pd.DataFrame, spec: RunSpec) -> pd.DataFrame:
    table = table.reset_index(drop=True)
    table.insert(0, "run_id", spec.run_id)
    table.insert(1, "replicate", spec.replicate)
    table.insert(2, "seed", spec.seed)
    table.insert(3, "arm", spec.regime)
    return table


def peer_run(
    cfg: CadreConfig, seed: int, hook: Mapping[str, Any]
) -> tuple[dict[str, Any], pd.DataFrame]:
    """A run with a random share of cadres forced to act from month `start` on (engine.forced;
    engine.hide_forced hides their cases from neighbours' learning when `hide`), or the same
    mask unforced (`force` false: the control). Adds to the 'all' summary the initiative of the
    non-forced cadres and their mean share of neighbours who acted, over the forced months."""
    from cadresim.model.engine import Engine  # noqa: PLC0415

    engine = Engine(cfg)
    if not hasattr(engine, "forced"):
        raise RuntimeError("the engine has no `forced` hook (behavioural core v2)")
    n = engine.n
    rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(PEER_STREAM + 1)[PEER_STREAM])
    mask = np.zeros(n, dtype=bool)
    mask[rng.choice(n, size=max(1, round(hook["share"] * n)), replace=False)] = True
    adjacency = engine.org.adjacency
    degree = np.asarray(adjacency.sum(axis=1), dtype=float).ravel()
    others = ~mask
    linked = others & (degree > 0)
    start = int(hook["start"])
    initiative, neighbours = [], []
    for month in range(1, cfg.steps + 1):
        if month == start and hook["force"]:
            engine.forced = mask
            engine.hide_forced = bool(hook["hide"])
        engine.step()
        if month >= start:
            acted = np.asarray(engine.state.acted, dtype=float)
            initiative.append(acted[others].mean())
            # N as the W gate reads it next month (the engine's own share when it keeps one)
            share = getattr(engine.state, "peer_share", None)
            if share is None:
                share = (adjacency @ acted) / np.maximum(degree, 1.0)
            neighbours.append(float(np.asarray(share)[linked].mean()))
    tallies = engine.tally_array()
    first = min(int(cfg.summary_from * cfg.steps) + 1, max(cfg.steps, 1))
    summary: dict[str, Any] = summarise(tallies, first)
    summary["all"]["peer_initiative"] = float(np.mean(initiative)) if initiative else math.nan
    summary["all"]["peer_neighbours"] = float(np.mean(neighbours)) if neighbours else math.nan
    return summary, step_table(tallies)


HOOKS = {"peer": peer_run}
