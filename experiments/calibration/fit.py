"""`calibrate(...)`: fit knobs to a locality's figures by ABC-SMC (pyabc), resumably.

The results folder (``results/experiments/calibrate-<fingerprint>/`` or
``experiment.output_dir``) holds pyabc's own history database (``abc.db``), ``manifest.json``,
``posterior.parquet`` (the last generation's particles and weights), ``generations.parquet``,
``predictive.parquet`` and ``fit.parquet`` (each target against the posterior predictive),
``posterior.yaml`` (for ``experiment.posterior=PATH``) and the report.

Reproducible: the same config, targets, priors, particles and seed give the same generations,
posterior and predictive tables (same library versions), whatever `experiment.workers`, and
whether the run was interrupted and resumed or not (sampler.py says how). Wall times in the
database differ.

Resumable: the fingerprint covers what defines the chain (the run config, targets, priors,
particles, seed); the stopping rules (generations, max_simulations, min_epsilon) do not count,
so rerunning the same command continues from the last stored generation, or reports that the
calibration is complete, and raising `calibrate.generations` continues a finished one.
"""

from __future__ import annotations

import copy
import logging
import math
import time
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cadresim.model.config import (
    CadreConfig,
    CalibrateConfig,
    ConfigError,
    ExperimentConfig,
    SweepConfig,
    load_config,
    validate,
)
from cadresim.safety import check_output

from .. import store
from ..overrides import as_list
from ..runs import apply_params
from .posterior import APPLIED_PREFIXES, write_posterior_yaml
from .statistics import run_statistics
from .targetset import Prior, TargetSet, load_targets

KIND = "calibrate"
DB = "abc.db"
SEED_MASK = (1 << 62) - 1


@dataclass
class CalibrationResult:
    folder: Path
    status: str  # complete | stopped (interrupted runs raise instead)
    reason: str
    targets: TargetSet
    posterior: pd.DataFrame  # one row per particle of the last generation: knobs, weight
    generations: pd.DataFrame
    fit: pd.DataFrame  # statistic, observed, sd, predictive mean and quantiles
    predictive: pd.DataFrame
    simulations: int
    resumed_from: int  # generations already stored when this call started
    spent: int  # simulations run by this call (a generation cut short by the budget included)


def _name(key: str) -> str:
    """pyabc parameter name of a dotted knob."""
    return key.replace(".", "__")


def pyabc_version() -> str:
    return metadata.version("pyabc")


def run_base(cfg: CadreConfig) -> CadreConfig:
    """The config each particle starts from: the run's knobs only."""
    base = copy.deepcopy(cfg)
    base.experiment = ExperimentConfig()
    base.sweep = SweepConfig()
    base.calibrate = CalibrateConfig()
    base.output_dir = None
    return validate(base)


def identity(base: CadreConfig, ts: TargetSet, cfg: CadreConfig) -> dict[str, Any]:
    """What defines the chain (the fingerprint); stopping rules are left out on purpose."""
    return {
        "kind": KIND,
        "config": asdict(base),
        "targets": [asdict(t) | {"source": ""} for t in ts.targets],
        "priors": [p.key for p in ts.priors] + [p.describe() for p in ts.priors],
        "particles": cfg.calibrate.particles,
        "seed": cfg.seed,
    }


def _prior_distribution(priors: Iterable[Prior]):
    import pyabc  # noqa: PLC0415

    rvs = {}
    for p in priors:
        if p.dist == "uniform":
            rvs[_name(p.key)] = pyabc.RV("uniform", p.low, p.high - p.low)
        else:
            a, b = (p.low - p.mean) / p.sd, (p.high - p.mean) / p.sd
            rvs[_name(p.key)] = pyabc.RV("truncnorm", a, b, loc=p.mean, scale=p.sd)
    return pyabc.Distribution(**rvs)


def _model(base: CadreConfig, keys: list[str], stats: list[str]):
    """pyabc's model: set the particle's knobs, draw a run seed, return the target statistics.
    A particle whose config breaks a cross-field rule returns NaN (infinite distance)."""

    def simulate(pars: Mapping[str, float]) -> dict[str, float]:
        cfg = copy.deepcopy(base)
        apply_params(cfg, [(k, float(pars[_name(k)])) for k in keys])
        # pyabc draws from numpy's global generator, which the sampler seeds per candidate
        cfg.seed = int(np.random.randint(0, SEED_MASK, dtype=np.int64))  # noqa: NPY002
        try:
            values = run_statistics(validate(cfg))
        except ConfigError:
            return {s: math.nan for s in stats}
        return {s: values[s] for s in stats}

    return simulate


def _distance(ts: TargetSet):
    """sqrt(sum(((x - observed) / sd)^2)) over the targets: a distance in target sds."""
    names = [t.statistic for t in ts.targets]
    sds = np.array([t.sd for t in ts.targets])

    def distance(x: Mapping[str, float], x0: Mapping[str, float]) -> float:
        diff = (np.array([x[n] for n in names]) - np.array([x0[n] for n in names])) / sds
        d = float(np.sqrt(np.sum(diff**2)))
        return d if math.isfinite(d) else math.inf

    return distance


def calibrate(
    overrides: Iterable[str] | Mapping[str, Any] | None = None,
    *,
    targets: str | None = None,
    parameters: Mapping[str, Any] | None = None,
    verbose: bool = False,
) -> CalibrationResult:
    """Fit `parameters` (dotted knob -> prior) to `targets` (a packaged name or a YAML path).

    `overrides` are the usual config overrides (``population.size=500``, ``calibrate.particles=
    50``, ``experiment.workers=2`` ...). Bad input raises ConfigError before anything is
    written."""
    ov = as_list(overrides)
    if targets is not None:
        ov.append(f"calibrate.targets={targets}")
    cfg = load_config(ov)
    if parameters is not None:
        cfg.calibrate.parameters = dict(parameters)
    return run_calibration(cfg, echo=print if verbose else None)


def run_calibration(cfg: CadreConfig, echo=None) -> CalibrationResult:
    """Check everything, open (or reopen) the folder, run or resume the ABC-SMC, write the
    tables. ConfigError before anything is written; OSError if a write fails."""
    ts = load_targets(cfg)
    base = run_base(cfg)
    c = cfg.calibrate
    if c.max_simulations < c.particles:  # generation 0 takes `particles` simulations
        raise ConfigError(
            f"calibrate.max_simulations = {c.max_simulations} is below calibrate.particles = "
            f"{c.particles}: the first generation alone takes {c.particles} simulations; "
            "raise the budget or lower the particles"
        )
    for p in ts.priors:  # each prior's bounds must give a valid config (cross-field rules)
        for x in (p.low, p.high):
            probe = copy.deepcopy(base)
            apply_params(probe, [(p.key, x)])
            try:
                validate(probe)
            except ConfigError as exc:
                raise ConfigError(f"prior of {p.key}: at its bound {x:g}, {exc}") from None
    fp = store.fingerprint(identity(base, ts, cfg))
    folder = Path(cfg.experiment.output_dir or Path("results") / "experiments" / f"{KIND}-{fp}")
    key = "experiment.output_dir"
    check_output(folder, key)
    old = _read_manifest(folder, key, fp)
    if old is not None and not cfg.experiment.resume:
        raise ConfigError(
            f"{key} = {str(folder)!r} already holds this calibration; set experiment.resume=true "
            f"to continue it, or choose another {key}"
        )
    from .sampler import executor_session, pool_workers  # noqa: PLC0415 (pyabc is slow)

    c = cfg.calibrate
    if echo is not None:  # after the checks: bad input is the one error line, nothing else
        echo(
            f"calibrate: targets {c.targets}, {c.particles} particles per generation, at most "
            f"{c.generations} generations and {c.max_simulations} simulations, "
            f"{cfg.population.size} cadres, {cfg.steps} steps, seed {cfg.seed}"
        )
    folder.mkdir(parents=True, exist_ok=True)
    store.lock_folder(folder, key)
    e = cfg.experiment
    workers = pool_workers(e.executor, e.workers, e.ray_address)
    try:
        with executor_session(e.executor, workers, e.ray_address):
            return _run_locked(cfg, base, ts, folder, fp, old, workers, echo or (lambda *_: None))
    finally:
        store.unlock_folder(folder)


def _read_manifest(folder: Path, key: str, fp: str) -> dict[str, Any] | None:
    """The folder's manifest if it is this calibration's; refuse another experiment's folder or
    a non-empty folder without a manifest (exit 2, nothing touched)."""
    import json  # noqa: PLC0415

    if not folder.is_dir():
        return None
    path = folder / store.MANIFEST
    if not path.exists():
        if any(p.name[:1] != "." for p in folder.iterdir()):
            raise ConfigError(
                f"{key} = {str(folder)!r} is not empty and has no {store.MANIFEST}; choose an "
                "empty or new folder"
            )
        return None
    try:
        old = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        old = None
    if not isinstance(old, dict) or old.get("fingerprint") != fp:
        theirs = old.get("fingerprint") if isinstance(old, dict) else "unreadable"
        raise ConfigError(
            f"{key} = {str(folder)!r} holds the results of a different experiment "
            f"(fingerprint {theirs}, this one {fp}); choose another {key}"
        )
    return old


def _stopping(cfg: CadreConfig) -> dict[str, Any]:
    c = cfg.calibrate
    return {
        "generations": c.generations,
        "max_simulations": c.max_simulations,
        "min_epsilon": c.min_epsilon,
    }


def _manifest(cfg, base, ts, fp, status, reason, history, **extra) -> dict[str, Any]:
    return {
        "experiment": KIND,
        "kind": KIND,
        "description": cfg.experiment.description,
        "fingerprint": fp,
        "status": status,
        "reason": reason,
        "targets": {"name": ts.name, "file": ts.path, "items": [asdict(t) for t in ts.targets]},
        "priors": {p.key: p.describe() for p in ts.priors},
        "stopping": _stopping(cfg),
        "particles": cfg.calibrate.particles,
        "predictive_runs": cfg.calibrate.predictive,
        "seed": cfg.seed,
        "method": "ABC-SMC (pyabc): uniform or truncated-normal priors, multivariate normal "
        "transition, quantile epsilon (median of the previous generation's distances, the "
        "first generation accepts every prior draw), distance sqrt(sum(((x - observed) / "
        "sd)^2)); candidate i of generation t seeded by SeedSequence([seed, t + 1, i])",
        "history": history,
        "base_config": asdict(base),
        "config": asdict(cfg),
        "version": store.package_version(),
        "git_commit": store.git_commit(),
        "versions": {**store.library_versions(), "pyabc": pyabc_version()},
        **extra,
    }


def _run_locked(cfg, base, ts, folder, fp, old, workers, echo) -> CalibrationResult:
    import pyabc  # noqa: PLC0415

    from .sampler import SeededSampler, seed_candidate  # noqa: PLC0415

    logging.getLogger("ABC").setLevel(logging.WARNING)  # our own progress lines instead
    db = f"sqlite:///{(folder / DB).resolve()}"
    stats = [t.statistic for t in ts.targets]
    keys = [p.key for p in ts.priors]
    observed = {t.statistic: t.observed for t in ts.targets}
    e = cfg.experiment
    sampler = SeededSampler(
        cfg.seed, e.executor, workers, e.ray_address, cfg.calibrate.max_simulations
    )
    sampler.show_progress = False
    stored = 0  # generations in the database (a run stopped inside generation 0 has none)
    if old and old.get("history") and (folder / DB).exists():
        try:
            known = pyabc.History(db, _id=int(old["history"]["abc_id"]), create=False)
            last = known.max_t  # None without populations, -1 with pre-calibration only
        except Exception as exc:  # noqa: BLE001 - sqlite/SQLAlchemy/pyabc errors alike
            raise _unreadable(folder, exc) from None
        stored = max(int(last) + 1, 0) if last is not None else 0
    # a resumed run's first threshold is the median distance of the last stored generation,
    # as it would have been without the interruption; a new run's first generation takes all
    resuming = stored > 0
    abc = pyabc.ABCSMC(
        _model(base, keys, stats),
        _prior_distribution(ts.priors),
        _distance(ts),
        population_size=cfg.calibrate.particles,
        sampler=sampler,
        eps=pyabc.QuantileEpsilon(initial_epsilon=math.inf if not resuming else "from_sample"),
    )
    if resuming:
        try:
            history = abc.load(db, int(old["history"]["abc_id"]), observed_sum_stat=observed)
        except Exception as exc:  # noqa: BLE001 - as above
            raise _unreadable(folder, exc) from None
    if resuming and old.get("status") == "complete" and old.get("stopping") == _stopping(cfg):
        echo(f"calibrate: complete ({old.get('reason')}); nothing to run")
        return _finish(
            cfg, base, ts, folder, fp, history, "complete", old["reason"], stored, workers
        )
    if not resuming:
        seed_candidate(cfg.seed, -1, 0)  # pyabc draws nothing here; seeded for safety
        history = abc.new(db, observed, meta_info={"cadresim_fingerprint": fp})
    history_info = {"db": DB, "abc_id": int(history.id)}
    store.write_json(
        folder / store.MANIFEST,
        _manifest(cfg, base, ts, fp, "running", "", history_info, stopped_at=None),
    )
    sampler.spent = int(history.total_nr_simulations) if resuming else 0
    if resuming:
        echo(f"calibrate: resuming after generation {stored - 1} ({sampler.spent} simulations)")

    def progress(t: int, accepted: int, evaluated: int) -> None:
        eps = abc.eps(t)
        echo(
            f"  generation {t}: epsilon {eps:.3g}, accepted {accepted}/{evaluated}, "
            f"{sampler.spent} simulations in all"
        )

    sampler.on_generation = progress
    remaining = cfg.calibrate.generations - stored
    start = time.perf_counter()
    if remaining > 0:
        # pyabc compares inf - inf after the first generation: its RuntimeWarning is silenced
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            abc.run(
                minimum_epsilon=cfg.calibrate.min_epsilon,
                max_nr_populations=remaining,
                max_total_nr_simulations=cfg.calibrate.max_simulations,
            )
    seconds = time.perf_counter() - start
    reason = _reason(cfg, history, sampler)
    return _finish(
        cfg,
        base,
        ts,
        folder,
        fp,
        history,
        "complete",
        reason,
        stored,
        workers,
        seconds,
        sampler.spent,
    )


def _unreadable(folder: Path, exc: Exception) -> ConfigError:
    """A resume whose history database cannot be read: one line, the folder left as it is."""
    detail = " ".join(str(exc).split())[:120]
    return ConfigError(
        f"{folder / DB} cannot be read ({type(exc).__name__}: {detail}); the stored "
        "generations are lost: move the folder aside (its posterior files are kept) "
        "and run the command again, or choose another experiment.output_dir"
    )


def _reason(cfg: CadreConfig, history, sampler) -> str:
    n = int(history.max_t) + 1
    eps = float(history.get_all_populations()["epsilon"].iloc[-1])
    if n >= cfg.calibrate.generations:
        return f"{n} generations"
    if eps <= cfg.calibrate.min_epsilon:
        return f"epsilon {eps:.3g} <= calibrate.min_epsilon"
    return f"simulation budget ({cfg.calibrate.max_simulations}) spent"


def _posterior(history, keys: list[str]) -> pd.DataFrame:
    df, w = history.get_distribution(m=0, t=history.max_t)
    out = pd.DataFrame({k: df[_name(k)].to_numpy(dtype=float) for k in keys})
    out["weight"] = np.asarray(w, dtype=float)
    out.insert(0, "generation", int(history.max_t))
    # the database returns particles in no fixed order: sort them, so the table is reproducible
    return out.sort_values([*keys, "weight"], kind="stable").reset_index(drop=True)


def _generations(history) -> pd.DataFrame:
    pops = history.get_all_populations()
    pops = pops[pops["t"] >= 0].reset_index(drop=True)
    return pd.DataFrame(
        {
            "generation": pops["t"].astype(int),
            "epsilon": pops["epsilon"].astype(float),
            "simulations": pops["samples"].astype(int),
            "particles": pops["particles"].astype(int),
        }
    )


def _finish(
    cfg,
    base,
    ts,
    folder,
    fp,
    history,
    status,
    reason,
    resumed_from,
    workers,
    seconds=0.0,
    spent=None,
) -> CalibrationResult:
    from .predictive import fit_table, run_predictive  # noqa: PLC0415

    keys = [p.key for p in ts.priors]
    posterior = _posterior(history, keys)
    generations = _generations(history)
    done = folder / "predictive.parquet"
    if spent is None and done.exists():  # complete before this call: its predictive stands
        predictive = pd.read_parquet(done)
    else:
        predictive = run_predictive(cfg, base, ts, posterior, workers)
    fit = fit_table(ts, predictive)
    for name, table in (
        ("posterior", posterior),
        ("generations", generations),
        ("predictive", predictive),
        ("fit", fit),
    ):
        store.write_parquet(folder / f"{name}.parquet", table)
    text = write_posterior_yaml(
        folder / "posterior.yaml",
        keys,
        posterior[keys].to_numpy(),
        posterior["weight"].to_numpy(),
        {"calibration": str(folder), "fingerprint": fp, "targets": ts.name},
    )
    store.atomic_write(folder / "posterior.yaml", lambda f: Path(f).write_text(text, "utf-8"))
    simulations = int(generations["simulations"].sum())
    history_info = {"db": DB, "abc_id": int(history.id)}
    store.write_json(
        folder / store.MANIFEST,
        _manifest(
            cfg,
            base,
            ts,
            fp,
            status,
            reason,
            history_info,
            generations=len(generations),
            stored_simulations=simulations,
            simulations_this_call=spent,
            seconds_this_call=round(seconds, 2),
            applied_by_posterior=[k for k in keys if k.startswith(APPLIED_PREFIXES)],
        ),
    )
    return CalibrationResult(
        folder,
        status,
        reason,
        ts,
        posterior,
        generations,
        fit,
        predictive,
        simulations,
        resumed_from,
        spent or 0,
    )
