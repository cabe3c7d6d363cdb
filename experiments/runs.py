"""One run of an experiment, and a batch of them: the unit of work every executor ships.

A run is fully described by its `RunSpec` (regime, design point, replicate, seed, parameter
values) and the regime's base config, so any run can be repeated alone, anywhere. A run that
raises is recorded as a failure; it never stops the rest of the batch.
"""

from __future__ import annotations

import copy
import sys
import time
import traceback
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cadresim.model.batch import batch_tallies, plan_batches
from cadresim.model.config import CadreConfig, validate
from cadresim.model.metrics import step_tables, summarise
from cadresim.model.simulate import simulate_org, simulate_tallies, summary_start

from .calibration.posterior import apply_posterior, carried_posteriors, posteriors_given
from .space import derived_values, set_dotted

SEED_BITS = 63


@dataclass(frozen=True)
class RunSpec:
    run_id: int
    regime: str  # key of the base config (policy preset name)
    replicate: int
    seed: int
    point_id: int = -1  # design point (-1 outside sweeps)
    params: tuple[tuple[str, Any], ...] = ()  # (dotted key, value) pairs

    def describe(self) -> dict[str, Any]:
        out = {
            "run_id": self.run_id,
            "regime": self.regime,
            "replicate": self.replicate,
            "seed": self.seed,
        }
        if self.point_id >= 0:
            out["point_id"] = self.point_id
        out["params"] = dict(self.params)
        return out


@dataclass
class Batch:
    part: str  # part file name shared by steps/ and runs/
    bases: dict[str, CadreConfig]
    runs: list[RunSpec]
    save_steps: bool = True
    # experiment.batch: runs stepped together (model/batch.py); keyword-only, so subclasses'
    # positional fields (validation's hooks) keep their places
    engine_batch: str = field(default="auto", kw_only=True)
    # experiment.posterior: the draws of each base's posterior file, read on the driver when the
    # batch is made, so workers on other nodes need no copy of the file
    posteriors: dict[str, Any] = field(default_factory=dict, kw_only=True)

    def __post_init__(self) -> None:
        if not self.posteriors:
            self.posteriors = carried_posteriors(self.bases.values())


@dataclass
class BatchResult:
    part: str
    steps: pd.DataFrame | None
    runs: pd.DataFrame | None
    failures: list[dict[str, Any]] = field(default_factory=list)
    executed: int = 0
    peak_rss_mib: float = 0.0  # the worker's peak resident memory after the batch
    cpu_seconds: float = 0.0  # the worker's CPU time for the batch (benchmarks)
    # org-chart runs: "units" and "levels" tables of the batch's runs, labelled like its rows
    org: dict[str, pd.DataFrame] = field(default_factory=dict)


def replicate_seeds(seed: int, replications: int) -> list[int]:
    """Seeds of replicates 0..R-1 from SeedSequence(seed).spawn: the same for every regime and
    design point (common random numbers), and replicate r's seed does not depend on R."""
    children = np.random.SeedSequence(seed).spawn(replications)
    mask = (1 << SEED_BITS) - 1
    return [int(c.generate_state(1, np.uint64)[0]) & mask for c in children]


def apply_params(cfg: CadreConfig, params: Iterable[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """Set a run's parameter values on `cfg`, then the values derived from them (the proactive
    share of a swept type mix); return the derived ones. Every run and rerun goes through here."""
    params = list(params)
    for key, value in params:
        set_dotted(cfg, key, value)
    derived = derived_values(cfg, [k for k, _ in params])
    for key, value in derived:
        set_dotted(cfg, key, value)
    return derived


def derived_overrides(
    base: CadreConfig, params: Iterable[tuple[str, Any]]
) -> list[tuple[str, Any]]:
    """The derived values of a run (for the command line that repeats it)."""
    return apply_params(copy.deepcopy(base), params)


def run_config(base: CadreConfig, spec: RunSpec) -> CadreConfig:
    """The validated config of one run: base config + the run's parameter values and seed."""
    cfg = copy.deepcopy(base)
    apply_posterior(cfg, spec.seed)  # experiment.posterior: this run's draw; a swept knob wins
    apply_params(cfg, spec.params)
    cfg.seed = spec.seed
    return validate(cfg)


def run_batch(batch: Batch) -> BatchResult:
    """Run every spec of the batch; return its step rows, its summary rows and its failures.

    Specs whose configs differ only in the seed are stepped together (`experiment.batch`,
    model/batch.py); rows come out in spec order, byte-identical to running each alone. The
    tables are built once per batch from the runs' tallies: a table per run would cost about
    as much as a batched run's steps."""
    cpu = time.process_time()
    done: list[tuple[RunSpec, CadreConfig, np.ndarray]] = []
    org: dict[str, list[pd.DataFrame]] = {}
    failures: list[dict[str, Any]] = []
    with posteriors_given(batch.posteriors):
        for spec, cfg, outcome in _simulate_all(batch):
            if isinstance(outcome, dict):  # a failing run is recorded, the sweep goes on
                failures.append({**spec.describe(), **outcome})
                continue
            if isinstance(outcome, tuple):  # an org-chart run: its units and levels too
                outcome, tables = outcome
                for name, table in tables.items():
                    org.setdefault(name, []).append(_labelled(table, spec))
            done.append((spec, cfg, outcome))
    steps = _steps_table(done) if done and batch.save_steps else None
    runs = _runs_table(done) if done else None
    return BatchResult(
        batch.part,
        steps,
        runs,
        failures,
        executed=len(batch.runs),
        peak_rss_mib=_peak_rss_mib(),
        org={name: pd.concat(tables, ignore_index=True) for name, tables in org.items()},
        cpu_seconds=time.process_time() - cpu,
    )


def _labelled(table: pd.DataFrame, spec: RunSpec) -> pd.DataFrame:
    """An org table of one run with the run's label columns in front."""
    labels = pd.DataFrame([_front(spec)]).iloc[np.zeros(len(table), dtype=np.int64)]
    return pd.concat([labels.reset_index(drop=True), table.reset_index(drop=True)], axis=1)


def _simulate_all(
    batch: Batch,
) -> Iterator[tuple[RunSpec, CadreConfig | None, Any]]:
    """Each spec with its config and tallies (with its org tables, for an org-chart run), or
    its error, in spec order. A group's runs are stepped together; if the group fails, its runs
    are run alone, so each failure is a run's own."""
    cfgs: list[CadreConfig | None] = []
    errors: dict[int, dict[str, str]] = {}
    for i, spec in enumerate(batch.runs):
        try:
            cfgs.append(run_config(batch.bases[spec.regime], spec))
        except Exception:
            cfgs.append(None)
            errors[i] = _error()
    # org-chart runs run alone: their per-post tables are recorded by a run of its own
    valid = [i for i, c in enumerate(cfgs) if c is not None and c.network.kind != "file"]
    done: dict[int, Any] = dict(errors)
    groups = plan_batches([cfgs[i] for i in valid], batch.engine_batch)
    for group in (g for g in groups if len(g) > 1):
        members = [valid[j] for j in group]
        try:
            results = batch_tallies([cfgs[i] for i in members])
        except Exception:
            continue  # run alone below
        done.update(zip(members, results, strict=True))
    for i, spec in enumerate(batch.runs):
        if i not in done:
            try:
                cfg = cfgs[i]
                org = cfg.network.kind == "file"
                done[i] = simulate_org(cfg) if org else simulate_tallies(cfg)
            except Exception:
                done[i] = _error()
        yield spec, cfgs[i], done.pop(i)


def _error() -> dict[str, str]:
    """The error being handled, as recorded in failures.json."""
    exc = sys.exc_info()[1]
    return {
        "error": f"{type(exc).__name__}: {exc}",
        "traceback": traceback.format_exc(limit=6),
    }


def _peak_rss_mib() -> float:
    try:
        import resource  # noqa: PLC0415  (POSIX only)
    except ImportError:
        return 0.0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def summary_rows(summary: dict[str, Any]) -> pd.DataFrame:
    """One row per grouping x type of a run summary (the summary-window means)."""
    return pd.DataFrame(_summary_records(summary))


def _summary_records(summary: dict[str, Any]) -> list[dict[str, Any]]:
    rows = [{"grouping": "all", "type": "all", **summary["all"]}]
    for grouping in ("type", "cohort"):
        for name, stats in summary[grouping].items():
            rows.append({"grouping": grouping, "type": name, **stats})
    return rows


def _front(spec: RunSpec) -> dict[str, Any]:
    """The columns that say which run a row belongs to."""
    front = {
        "run_id": spec.run_id,
        "replicate": spec.replicate,
        "seed": spec.seed,
        "policy": spec.regime,
    }
    if spec.point_id >= 0:
        front["point_id"] = spec.point_id
    front.update(dict(spec.params))
    return front


def _runs_table(done: list[tuple[RunSpec, CadreConfig, np.ndarray]]) -> pd.DataFrame:
    """One row per run x grouping x type: the run's labels, then its summary-window means."""
    rows = []
    for spec, cfg, tallies in done:
        front = _front(spec)
        summary = summarise(tallies, summary_start(cfg))
        rows += [{**front, **row} for row in _summary_records(summary)]
    return pd.DataFrame(rows)


def _steps_table(done: list[tuple[RunSpec, CadreConfig, np.ndarray]]) -> pd.DataFrame:
    """One row per run x step x group: the run's labels, then its step table. Runs of equal
    length are tabulated together; each label column takes its type from the runs' values."""
    tables = []
    start = 0
    while start < len(done):
        shape = done[start][2].shape
        stop = start
        while stop < len(done) and done[stop][2].shape == shape:
            stop += 1
        tables.append(step_tables(np.stack([t for *_, t in done[start:stop]])))
        start = stop
    table = tables[0] if len(tables) == 1 else pd.concat(tables, ignore_index=True)
    rows = [t.shape[0] * t.shape[1] for *_, t in done]
    fronts = pd.DataFrame([_front(spec) for spec, *_ in done])
    labels = fronts.iloc[np.repeat(np.arange(len(done)), rows)].reset_index(drop=True)
    return pd.concat([labels, table], axis=1)
