"""Turn the user's command-line overrides into the base config of each regime's runs.

The experiment's own keys (experiment.*, sweep.*) describe the experiment, not a run, so they
are dropped; the experiment preset itself is kept while composing (it may choose a policy
preset), then the experiment sections are reset so a base config holds only what shapes a run.
A regime replaces the policy preset and keeps every other override (a
`policy.tolerance.coverage=0.8` applies to every regime).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from cadresim.model.config import (
    CadreConfig,
    CalibrateConfig,
    ConfigError,
    ExperimentConfig,
    SweepConfig,
    _override_value,
    flatten,
    load_config,
)
from cadresim.safety import check_names

EXPERIMENT_KEYS = ("experiment.", "sweep.", "calibrate.", "hydra.")
# experiment keys that shape every run, kept in the runs' base configs
RUN_KEYS = ("experiment.posterior",)


def as_list(overrides: Iterable[str] | Mapping[str, Any] | None) -> list[str]:
    if overrides is None:
        return []
    if isinstance(overrides, Mapping):
        return [f"{k}={_override_value(v)}" for k, v in overrides.items()]
    return list(overrides)


def override_value(value: Any) -> str:
    return _override_value(value)


def _key(override: str) -> str:
    return override.split("=", 1)[0].lstrip("+~")


def compose_overrides(overrides: list[str], regime: str | None = None) -> list[str]:
    """Overrides composing a run's base: no experiment.*/sweep.* keys; `policy=regime` last."""
    kept = [
        o
        for o in overrides
        if (not _key(o).startswith(EXPERIMENT_KEYS) or _key(o) in RUN_KEYS)
        and not (regime is not None and _key(o) == "policy")
    ]
    return [*kept, f"policy={regime}"] if regime is not None else kept


def single_run_overrides(overrides: list[str], policy: str) -> list[str]:
    """The overrides of a plain `cadresim` run with the same base (no experiment preset)."""
    kept = [o for o in compose_overrides(overrides) if _key(o) not in ("experiment", "policy")]
    return [*kept, f"policy={policy}"]


def replay_overrides(overrides: list[str], base: CadreConfig) -> list[str]:
    """Overrides of a plain `cadresim` run that rebuild `base` exactly: the user's run overrides,
    the policy preset, and any value the experiment preset set (e.g. policy.training.enabled)."""
    plain = single_run_overrides(overrides, base.policy.name)
    composed = flatten(load_config(plain))
    for key, value in flatten(base).items():
        if not key.startswith(EXPERIMENT_KEYS) and composed.get(key) != value:
            plain.append(f"{key}={_override_value(value)}")
    return plain


def base_config(overrides: list[str]) -> CadreConfig:
    cfg = load_config(overrides)
    check_names(cfg)  # before a name is replayed as a preset (policy=NAME) or used in a path
    cfg.experiment = ExperimentConfig(posterior=cfg.experiment.posterior)
    cfg.sweep = SweepConfig()
    cfg.calibrate = CalibrateConfig()
    return cfg


def task_overrides() -> list[str]:
    """The overrides of the running Hydra job (empty outside Hydra)."""
    try:
        from hydra.core.hydra_config import HydraConfig  # noqa: PLC0415

        return list(HydraConfig.get().overrides.task)
    except ValueError:  # HydraConfig not set: not inside a Hydra job
        return []


def twin_config(
    overrides: list[str],
    section: str,
    levers: Mapping[str, Any] | None,
    uncertainties: Mapping[str, Any] | None,
    settings: Mapping[str, Any],
) -> CadreConfig:
    """The config of a Python twin of an experiment command (`sweep(...)`, `optimise(...)`):
    the composed overrides, the given levers/uncertainties, and each keyword set on the
    experiment's own section (`sweep`, `optimise`) or else on `experiment`. Not validated."""
    cfg = load_config(overrides)
    if levers is not None:
        cfg.sweep.levers = dict(levers)
    if uncertainties is not None:
        cfg.sweep.uncertainties = dict(uncertainties)
    own = getattr(cfg, section)
    for key, value in settings.items():
        target = own if hasattr(own, key) else cfg.experiment
        if not hasattr(target, key):
            raise ConfigError(f"{key} is not a key of {section}.* or experiment.*")
        setattr(target, key, value)
    return cfg
