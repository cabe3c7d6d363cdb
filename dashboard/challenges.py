"""Scenario challenges for classroom mode: presets in dashboard/challenge_presets/*.yaml.

A challenge names a goal ("raise initiative by 0.1 without raising misconduct"), the policy
preset, size and seed every team starts from, and hidden conditions: config values the teams
are not told and whose levers they do not get, revealed by the facilitator at the end. Targets
are changes against the untouched preset under the same hidden conditions (the room's
reference run), over the last months of the run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from cadresim.model.config import CadreConfig, ConfigError, validate

from .levers import LEVER_KEYS, _set, default_mix, scenario_config

WINDOW = 12  # months over which a team's outcomes are judged (one evaluation cycle)
RANKABLE = ("initiative_rate", "error_rate", "misconduct_rate", "wrongful_sanction_rate", "value")
HIGHER_IS_BETTER = {"initiative_rate": True, "value": True}  # the others: lower is better


@dataclass(frozen=True)
class Challenge:
    name: str
    title: tuple[str, str]
    goal: tuple[str, str]
    reveal: tuple[str, str]
    preset: str
    size: int
    seed: int
    hidden: tuple[tuple[str, Any], ...]
    targets: tuple[tuple[str, str, float], ...]  # (outcome, "at_least" | "at_most", change)
    rank_by: str

    def config(self) -> CadreConfig:
        """The room's starting config: the preset with the hidden conditions set."""
        cfg = scenario_config(self.preset, None, default_mix(), self.size, self.seed)
        for key, value in self.hidden:
            _set(cfg, key, value)
        return validate(cfg)

    @property
    def lever_keys(self) -> tuple[str, ...]:
        """The levers the teams get: all of the dashboard's but the hidden ones."""
        hidden = {key for key, _ in self.hidden}
        return tuple(key for key in LEVER_KEYS if key not in hidden)

    def met(self, change: dict[str, float]) -> bool:
        """True if a team's changes against the reference meet every target."""
        for outcome, how, bound in self.targets:
            value = change[outcome]
            if math.isnan(value):
                return False
            if (how == "at_least" and value < bound - 1e-12) or (
                how == "at_most" and value > bound + 1e-12
            ):
                return False
        return True


def _pair(raw: dict[str, Any], key: str, name: str) -> tuple[str, str]:
    value = raw.get(key)
    if not isinstance(value, dict) or not value.get("en") or not value.get("zh"):
        raise ConfigError(f"challenge {name}: {key} needs an 'en' and a 'zh' text")
    return str(value["en"]), str(value["zh"])


def parse(name: str, raw: dict[str, Any]) -> Challenge:
    """A challenge from its YAML mapping (raises ConfigError naming the bad entry)."""
    targets = []
    for outcome, spec in (raw.get("targets") or {}).items():
        if outcome not in RANKABLE or not isinstance(spec, dict) or len(spec) != 1:
            raise ConfigError(
                f"challenge {name}: targets.{outcome} must be one of {', '.join(RANKABLE)} "
                "with one of at_least / at_most"
            )
        ((how, bound),) = spec.items()
        if how not in ("at_least", "at_most"):
            raise ConfigError(
                f"challenge {name}: targets.{outcome}.{how}; allowed at_least, at_most"
            )
        targets.append((outcome, how, float(bound)))
    rank_by = raw.get("rank_by", "initiative_rate")
    if rank_by not in RANKABLE:
        raise ConfigError(f"challenge {name}: rank_by = {rank_by!r}; allowed {', '.join(RANKABLE)}")
    challenge = Challenge(
        name=name,
        title=_pair(raw, "title", name),
        goal=_pair(raw, "goal", name),
        reveal=_pair(raw, "reveal", name),
        preset=str(raw.get("preset", "baseline")),
        size=int(raw.get("size", 500)),
        seed=int(raw.get("seed", 0)),
        hidden=tuple((raw.get("hidden") or {}).items()),
        targets=tuple(targets),
        rank_by=rank_by,
    )
    challenge.config()  # every hidden value is a real, valid config value
    return challenge


def _folder():  # noqa: ANN202
    return resources.files("cadresim.dashboard") / "challenge_presets"


@cache
def challenge_names() -> tuple[str, ...]:
    return tuple(sorted(p.name[:-5] for p in _folder().iterdir() if p.name.endswith(".yaml")))


@cache
def load_challenge(name: str) -> Challenge:
    if name not in challenge_names():
        known = ", ".join(challenge_names())
        raise ConfigError(f"challenge = {name!r} is unknown; allowed {known}")
    raw = yaml.safe_load((_folder() / f"{name}.yaml").read_text(encoding="utf-8"))
    return parse(name, raw)
