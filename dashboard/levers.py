"""The policy levers and population knobs the dashboard exposes, and how a change is applied.

Pure functions over `CadreConfig`: every change is made on a copy, validated with
`cadresim.model.config.validate`, and only then handed to a running model, so a bad value gives
a message and leaves the run untouched.
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from cadresim.agents.types import TYPE_NAMES
from cadresim.model.config import CadreConfig, ConfigError, load_config, validate


@dataclass(frozen=True)
class Lever:
    """A slider or a switch: the dotted config key it sets, its range and its step.

    A switch sets a bool key and reads as 0 or 1."""

    key: str
    lo: float
    hi: float
    step: float
    group: str  # label key of the mechanism it belongs to (a heading in the left panel)
    switch: bool = False
    marks: tuple[str, str] | None = None  # label keys naming the slider's two ends


# The policy levers, grouped by mechanism (slider ranges: the useful part of each knob's range).
LEVERS: tuple[Lever, ...] = (
    Lever("policy.incentive.reward", 0.0, 3.0, 0.1, "group_incentive"),
    Lever("policy.incentive.promotion_weight", 0.0, 1.0, 0.05, "group_incentive"),
    Lever(
        "policy.evaluation.orientation",
        0.0,
        1.0,
        0.05,
        "group_incentive",
        marks=("orientation_lo", "orientation_hi"),
    ),
    Lever("policy.evaluation.protection", 0.0, 1.0, 1.0, "group_incentive", switch=True),
    Lever("policy.accountability.detection", 0.0, 1.0, 0.05, "group_accountability"),
    Lever("policy.accountability.error_sanction", 0.0, 30.0, 1.0, "group_accountability"),
    Lever("policy.accountability.career_cost", 0.0, 5.0, 0.1, "group_accountability"),
    Lever("policy.accountability.inaction_detection", 0.0, 0.5, 0.01, "group_accountability"),
    Lever("policy.accountability.inaction_penalty", 0.0, 3.0, 0.1, "group_accountability"),
    Lever("policy.tolerance.coverage", 0.0, 1.0, 0.05, "group_tolerance"),
    Lever("policy.tolerance.screening", 0.0, 1.0, 0.05, "group_tolerance"),
    Lever("policy.tolerance.publicity", 0.0, 0.2, 0.01, "group_tolerance"),
    Lever("policy.training.share", 0.0, 0.1, 0.005, "group_capacity"),
    Lever("policy.education.rate", 0.0, 0.1, 0.005, "group_capacity"),  # 0: no education
    Lever(
        "policy.careers.transfer",
        0.0,
        1.0,
        0.05,
        "group_capacity",
        marks=("transfer_lo", "transfer_hi"),
    ),
)
LEVER_KEYS: tuple[str, ...] = tuple(lever.key for lever in LEVERS)
LEVER_BY_KEY: dict[str, Lever] = {lever.key: lever for lever in LEVERS}
EDUCATION = "policy.education.rate"  # reads 0 while education is off; > 0 switches it on
SIZE_RANGE = (50, 5000)  # cadres; the network view stays legible up to a few thousand
DEFAULT_SIZE = 1000

_compose_lock = threading.Lock()  # Hydra's global state is not thread-safe


def preset_names() -> tuple[str, ...]:
    """Policy presets shipped in configs/policy/*.yaml, baseline first."""
    folder = resources.files("cadresim.configs") / "policy"
    names = sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))
    return tuple(sorted(names, key=lambda n: n != "baseline"))


@cache
def _preset_config(preset: str) -> CadreConfig:
    with _compose_lock:
        return load_config([f"policy={preset}"])


def preset_config(preset: str) -> CadreConfig:
    """A fresh copy of the default scenario under one policy preset."""
    if preset not in preset_names():
        raise ValueError(f"unknown policy preset {preset!r}; known: {', '.join(preset_names())}")
    return copy.deepcopy(_preset_config(preset))


def get(cfg: CadreConfig, key: str) -> Any:
    obj: Any = cfg
    for part in key.split("."):
        obj = getattr(obj, part)
    return obj


def _set(cfg: CadreConfig, key: str, value: Any) -> None:
    *path, last = key.split(".")
    obj: Any = cfg
    for part in path:
        obj = getattr(obj, part)
    setattr(obj, last, value)


def lever_value(cfg: CadreConfig, key: str) -> float:
    """A lever's value in `cfg`: a switch reads 0 or 1, education 0 while it is off."""
    if key == EDUCATION and not cfg.policy.education.enabled:
        return 0.0
    return float(get(cfg, key))


def lever_values(cfg: CadreConfig) -> list[float]:
    """Current value of every lever, in LEVERS order."""
    return [lever_value(cfg, key) for key in LEVER_KEYS]


@cache
def _preset_levers(preset: str) -> tuple[float, ...]:
    return tuple(lever_values(preset_config(preset)))


def preset_lever_values(preset: str) -> list[float]:
    """The levers of a preset as shipped (what "(modified)" compares with)."""
    return list(_preset_levers(preset))


def widget_value(key: str, value: float) -> Any:
    """What the page's control of a lever holds: a number, or for a switch a checklist value
    ([1] on, [] off)."""
    if LEVER_BY_KEY[key].switch:
        return [1] if value else []
    return value


def from_widget(key: str, value: Any) -> float | None:
    """A lever's value from its control on the page (None: no value)."""
    if LEVER_BY_KEY[key].switch:
        return None if value is None else float(bool(value))
    return value


def with_levers(cfg: CadreConfig, values: dict[str, float]) -> CadreConfig:
    """A validated copy of `cfg` with some levers set (raises ConfigError naming the key).

    Moving a tolerance or training lever to a non-zero value switches that mechanism on (a
    preset without tolerance has `tolerance.enabled = false`, which would make the slider inert);
    moving it back to zero keeps it on, where zero coverage or share means it does nothing.
    The education lever is its monthly rate: above zero it switches education on, at zero off.
    A switch sets its bool key (non-zero: on)."""
    new = copy.deepcopy(cfg)
    for key, value in values.items():
        if key not in LEVER_KEYS:
            raise KeyError(f"{key} is not a dashboard lever")
        if value is None:
            continue
        if LEVER_BY_KEY[key].switch:
            _set(new, key, bool(float(value)))
            continue
        _set(new, key, float(value))
        if key == EDUCATION:
            new.policy.education.enabled = float(value) > 0
    tol, train = new.policy.tolerance, new.policy.training
    if tol.coverage > 0 or tol.publicity > 0:
        tol.enabled = True
    if train.share > 0:
        train.enabled = True
    return validate(new)


def scenario_config(
    preset: str,
    levers: dict[str, float] | None,
    mix: dict[str, float],
    size: int,
    seed: int,
) -> CadreConfig:
    """The config of a run: a preset, optional lever values, a type mix, a size and a seed.

    Raises ConfigError (naming the key and the allowed range) for any invalid value."""
    cfg = preset_config(preset)
    cfg.write = False
    cfg.population.size = _whole(size, "population.size")
    lo, hi = SIZE_RANGE
    if not lo <= cfg.population.size <= hi:
        raise ConfigError(
            f"population.size = {cfg.population.size} is out of the dashboard's range; "
            f"allowed [{lo}, {hi}]"
        )
    cfg.seed = _whole(seed, "seed")
    for name in TYPE_NAMES:
        setattr(cfg.population.mix, name, _number(mix.get(name), f"population.mix.{name}"))
    if levers:
        return with_levers(cfg, levers)
    return validate(cfg)


def _number(value: Any, key: str) -> float:
    if value is None or value == "":
        raise ConfigError(f"{key} is empty; enter a number")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{key} = {value!r} is not a number") from None


def _whole(value: Any, key: str) -> int:
    number = _number(value, key)
    if number != int(number):
        raise ConfigError(f"{key} = {value} must be a whole number")
    return int(number)


def default_mix() -> dict[str, float]:
    mix = preset_config("baseline").population.mix
    return {name: float(getattr(mix, name)) for name in TYPE_NAMES}
