"""Replication keys typed for another experiment kind than the one chosen.

Each experiment kind reads its own replication count: a regime comparison
`experiment.replications`, a sweep `sweep.replications`, a policy search
`optimise.replications`. The others stay in the config with their defaults, so a typed
`experiment.replications=20` on a sweep would be ignored without a word, and the sweep would run
with fewer replications than asked. That is refused instead, naming the key the kind reads."""

from __future__ import annotations

from collections.abc import Iterable

from cadresim.model.config import CadreConfig, ConfigError

# experiment.name -> the replication key it reads (None: it reads none)
REPLICATIONS = {
    "single": None,
    "compare_regimes": "experiment.replications",
    "lever_by_type": "experiment.replications",
    "crackdown": "experiment.replications",
    "sweep": "sweep.replications",
    "optimise": "optimise.replications",
    "calibrate": None,
}
KEYS = frozenset(k for k in REPLICATIONS.values() if k)


def check_replications(overrides: Iterable[str], cfg: CadreConfig) -> None:
    """Raise ConfigError if an override sets a replication key the chosen kind does not read."""
    kind = cfg.experiment.name
    if kind not in REPLICATIONS:
        return
    wanted = REPLICATIONS[kind]
    for override in overrides:
        key = override.split("=", 1)[0].lstrip("+~")
        if key in KEYS and key != wanted:
            where = f"use {wanted} (now {_value(cfg, wanted)})" if wanted else (
                "a single run has one seed: use experiment=compare_regimes for replications"
                if kind == "single" else "it runs no replications"
            )  # fmt: skip
            raise ConfigError(
                f"{key} does not apply to experiment={kind} and would be ignored; {where}"
            )


def _value(cfg: CadreConfig, key: str) -> object:
    group, name = key.split(".")
    return getattr(getattr(cfg, group), name)
