"""The parameter space of a sweep: levers and uncertainties, checked against the config schema.

In EMA Workbench's vocabulary a **lever** is what a policy maker chooses (tolerance coverage,
detection) and an **uncertainty** is what nobody controls (type mix, network shape). Both are
written the same way, as a dotted config key mapped to

- ``[lo, hi]`` (two numbers): a continuous range (integers if the config field is an int), or
- ``{values: [...]}`` or a list of anything but two numbers: discrete choices.

On the command line ``sweep.levers.policy.tolerance.coverage=[0,1]`` arrives as nested dicts;
``parse_space`` flattens them back to dotted keys.

The six shares of ``population.mix`` must sum to 1, so a sweep that varies deficit shares
(unwilling, unable, afraid, reluctant, fearful) but not ``proactive`` sets proactive to the
remainder, 1 - the five deficit shares (``derived_values``); a point where that is negative is
refused before any run.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, is_dataclass
from typing import Any

import numpy as np

from cadresim.model.config import TYPES, CadreConfig, ConfigError, flatten

# Keys a sweep may not vary: they define the experiment, not a scenario.
FIXED_PREFIXES = ("experiment.", "sweep.", "calibrate.")
FIXED_KEYS = ("seed", "output_dir", "write", "policy.name", "population.name", "network.name")
REMAINDER = "population.mix.proactive"
DEFICIT_SHARES = tuple(f"population.mix.{t}" for t in TYPES)
REMAINDER_RULE = "1 - the five deficit shares (" + ", ".join(TYPES) + ")"


@dataclass(frozen=True)
class Parameter:
    """One varied config key: a range [lo, hi] or a list of discrete values."""

    key: str
    role: str  # 'lever' | 'uncertainty'
    lo: float | None = None
    hi: float | None = None
    values: tuple[Any, ...] = ()
    integer: bool = False

    @property
    def discrete(self) -> bool:
        return bool(self.values)

    def from_unit(self, u: np.ndarray) -> list[Any]:
        """Map points of [0, 1] onto this parameter (equal-width bins for discrete values)."""
        u = np.clip(np.asarray(u, dtype=float), 0.0, 1.0)
        if self.discrete:
            idx = np.minimum((u * len(self.values)).astype(int), len(self.values) - 1)
            return [self.values[i] for i in idx]
        assert self.lo is not None and self.hi is not None
        x = self.lo + u * (self.hi - self.lo)
        if self.integer:
            return [int(v) for v in np.rint(x)]
        return [float(v) for v in x]

    def levels(self, count: int) -> list[Any]:
        """Grid values: every discrete value, or `count` evenly spaced points of the range."""
        if self.discrete:
            return list(self.values)
        assert self.lo is not None and self.hi is not None
        grid = np.linspace(self.lo, self.hi, count)
        if self.integer:
            return sorted({int(v) for v in np.rint(grid)})
        return [float(v) for v in grid]

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": self.key, "role": self.role}
        if self.discrete:
            out["values"] = list(self.values)
        else:
            out.update(lo=self.lo, hi=self.hi, integer=self.integer)
        return out


def parse_space(cfg: CadreConfig) -> list[Parameter]:
    """Levers then uncertainties of `cfg.sweep`, validated; raises ConfigError naming the key."""
    leaves = flatten(cfg)
    params: list[Parameter] = []
    seen: dict[str, str] = {}
    for role, section in (("lever", "levers"), ("uncertainty", "uncertainties")):
        for key, spec in _flatten_spec(getattr(cfg.sweep, section)).items():
            where = f"sweep.{section}.{key}"
            if key in seen:
                raise ConfigError(f"{where}: {key} is already listed in sweep.{seen[key]}")
            seen[key] = section
            params.append(_parameter(cfg, leaves, key, role, spec, where))
    if not params:
        raise ConfigError(
            "sweep.levers and sweep.uncertainties are both empty; give at least one, e.g. "
            "sweep.levers.policy.tolerance.coverage=[0,1]"
        )
    return params


# Keys of a dict that is one knob's spec, not a level of nesting: a sweep's {values: [...]} and
# a calibration prior {dist: normal, mean: m, sd: s, low: a, high: b} (no knob has these names).
SPEC_KEYS = frozenset({"values", "dist", "mean", "sd", "low", "high"})


def _flatten_spec(spec: Any, prefix: str = "") -> dict[str, Any]:
    """Nested dicts -> {dotted key: range, values or prior}; a dict whose keys are all
    SPEC_KEYS is a leaf."""
    if not isinstance(spec, Mapping) or (prefix and spec and set(spec) <= SPEC_KEYS):
        return {prefix: spec}
    out: dict[str, Any] = {}
    for k, v in spec.items():
        out.update(_flatten_spec(v, f"{prefix}.{k}" if prefix else str(k)))
    return out


def _parameter(
    cfg: CadreConfig, leaves: dict[str, Any], key: str, role: str, spec: Any, where: str
) -> Parameter:
    if key not in leaves:
        near = difflib.get_close_matches(key, list(leaves), n=1)
        hint = f"; did you mean {near[0]}?" if near else ""
        raise ConfigError(f"{where}: {key!r} is not a config key{hint}")
    if key in FIXED_KEYS or key.startswith(FIXED_PREFIXES):
        raise ConfigError(f"{where}: {key} cannot be varied by a sweep")
    current = leaves[key]
    if isinstance(current, list | dict):
        raise ConfigError(f"{where}: {key} holds a list; only single values can be varied")
    lo_ok, hi_ok = _field_range(cfg, key)
    if isinstance(spec, Mapping):
        if set(spec) != {"values"}:  # e.g. a calibration prior {dist: ..., low: ..., high: ...}
            raise ConfigError(f"{where} = {dict(spec)}: give [lo, hi] or {{values: [a, b, ...]}}")
        values = spec["values"]
    elif isinstance(spec, list | tuple):
        values = list(spec)
    else:
        raise ConfigError(f"{where} = {spec!r}: give [lo, hi] or {{values: [a, b, ...]}}")
    is_range = (
        not isinstance(spec, Mapping)
        and len(values) == 2
        and all(_is_number(v) for v in values)
        and _is_number(current)
    )
    if is_range:
        lo, hi = float(values[0]), float(values[1])
        if not lo < hi:
            raise ConfigError(
                f"{where} = [{values[0]}, {values[1]}] is an empty range; need lo < hi"
            )
        _check_inside(where, key, [lo, hi], lo_ok, hi_ok)
        integer = isinstance(current, int)
        return Parameter(key, role, lo=lo, hi=hi, integer=integer)
    if not values:
        raise ConfigError(f"{where}: the list of values is empty")
    if _is_number(current):
        bad = [v for v in values if not _is_number(v)]
        if bad:
            raise ConfigError(f"{where}: {bad[0]!r} is not a number ({key} is numeric)")
        _check_inside(where, key, [float(v) for v in values], lo_ok, hi_ok)
    elif isinstance(current, bool) and not all(isinstance(v, bool) for v in values):
        raise ConfigError(f"{where}: {key} takes true or false")
    return Parameter(key, role, values=tuple(values))


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _check_inside(
    where: str, key: str, xs: list[float], lo: float | None, hi: float | None
) -> None:
    for x in xs:
        if (lo is not None and x < lo) or (hi is not None and x > hi):
            lo_s = "-inf" if lo is None else f"{lo:g}"
            hi_s = "inf" if hi is None else f"{hi:g}"
            raise ConfigError(f"{where}: {x:g} is outside the range of {key}: [{lo_s}, {hi_s}]")


def _field_range(cfg: Any, key: str) -> tuple[float | None, float | None]:
    """The knob range declared in model/config.py for a dotted key."""
    *path, last = key.split(".")
    obj = cfg
    for name in path:
        obj = getattr(obj, name)
    assert is_dataclass(obj)
    for f in fields(obj):
        if f.name == last:
            return f.metadata.get("range", (None, None))
    return (None, None)


def set_dotted(cfg: Any, key: str, value: Any) -> None:
    """Set a leaf of a nested dataclass by its dotted key."""
    *path, last = key.split(".")
    obj = cfg
    for name in path:
        obj = getattr(obj, name)
    setattr(obj, last, value)


def takes_remainder(keys: Iterable[str]) -> bool:
    """Whether a sweep over `keys` sets population.mix.proactive to the remainder."""
    keys = set(keys)
    return REMAINDER not in keys and not keys.isdisjoint(DEFICIT_SHARES)


def derived_values(cfg: CadreConfig, keys: Iterable[str]) -> list[tuple[str, Any]]:
    """Values set besides the swept `keys` (already set on `cfg`): the proactive remainder."""
    keys = set(keys)
    if not takes_remainder(keys):
        return []
    mix = cfg.population.mix
    swept = [t for t in TYPES if f"population.mix.{t}" in keys]
    share = sum(getattr(mix, t) for t in swept)
    room = 1.0 - sum(getattr(mix, t) for t in TYPES if t not in swept)
    rest = round(room - share, 12) + 0.0  # rounded for readable commands; + 0.0 drops -0.0
    if rest < 0:
        names = " + ".join(f"population.mix.{t}" for t in swept)
        raise ConfigError(
            f"{names} = {share:.6g} leaves {REMAINDER} (= {REMAINDER_RULE}) negative; "
            f"allowed at most {room:.6g} with the other deficit shares as set"
        )
    return [(REMAINDER, rest)]
