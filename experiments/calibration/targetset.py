"""Targets and priors of a calibration, read from a YAML file and checked before any run.

A targets file (packaged ones by name, ``calibrate.targets=seeds``; or a path)::

    targets:                       # statistic -> observed value and its sd
      awareness: {observed: 0.2, sd: 0.04, source: "[003] ..."}
    parameters:                    # knob -> prior (calibrate.parameters replaces this block)
      behaviour.steepness: [1.0, 6.0]                                 # uniform
      behaviour.punish_threshold: {dist: normal, mean: 0.2, sd: 0.1, low: 0.0, high: 0.5}

`sd` is the target's standard error or the tolerance the user grants it: distances are sums of
squared (simulated - observed) / sd. A normal prior is truncated to [low, high]; both bounds are
required and, like a uniform's, must lie inside the knob's range in model/config.py.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from cadresim.agents.types import TYPE_NAMES
from cadresim.model.config import CadreConfig, ConfigError, flatten

from ..space import _field_range, _flatten_spec
from .statistics import GRADE_FORMS, STATISTICS

PACKAGED = "cadresim.experiments.calibration.targets"
# knobs a calibration may not fit: they say how to run or name things, not how cadres behave
NOT_FITTED = ("experiment.", "sweep.", "calibrate.")
DISTS = ("uniform", "normal")


@dataclass(frozen=True)
class Target:
    statistic: str
    observed: float
    sd: float
    source: str = ""


@dataclass(frozen=True)
class Prior:
    key: str
    dist: str  # uniform | normal (truncated to [low, high])
    low: float
    high: float
    mean: float = math.nan
    sd: float = math.nan

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {"dist": self.dist, "low": self.low, "high": self.high}
        if self.dist == "normal":
            out.update(mean=self.mean, sd=self.sd)
        return out


@dataclass(frozen=True)
class TargetSet:
    name: str
    path: str
    targets: tuple[Target, ...]
    priors: tuple[Prior, ...]


def packaged_names() -> list[str]:
    return sorted(
        p.name[: -len(".yaml")]
        for p in resources.files(PACKAGED).iterdir()
        if p.name.endswith(".yaml")
    )


def targets_text(spec: str) -> tuple[str, str, str]:
    """(name, where, YAML text) of a packaged targets file or a path."""
    if spec in packaged_names():
        res = resources.files(PACKAGED) / f"{spec}.yaml"
        return spec, f"packaged:{spec}", res.read_text(encoding="utf-8")
    path = Path(spec)
    if path.is_file():
        return path.stem, str(path.resolve()), path.read_text(encoding="utf-8")
    raise ConfigError(
        f"calibrate.targets = {spec!r} is neither a packaged targets file nor a file; "
        f"allowed {', '.join(packaged_names())} or a path to a YAML file"
    )


def load_targets(cfg: CadreConfig) -> TargetSet:
    """The targets and priors of `cfg.calibrate`, checked (ConfigError names the bad entry)."""
    name, where, text = targets_text(cfg.calibrate.targets)
    try:
        doc = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        first = str(exc).splitlines()[0]
        raise ConfigError(f"calibrate.targets = {where}: not valid YAML ({first})") from None
    if not isinstance(doc, Mapping) or not isinstance(doc.get("targets"), Mapping):
        raise ConfigError(
            f"calibrate.targets = {where}: needs a mapping 'targets: {{statistic: "
            "{observed: x, sd: s}}}'"
        )
    targets = tuple(
        _target(stat, spec, f"{where}: targets.{stat}") for stat, spec in doc["targets"].items()
    )
    if not targets:
        raise ConfigError(f"calibrate.targets = {where}: 'targets' is empty")
    if cfg.calibrate.parameters:
        spec, label = _flatten_spec(dict(cfg.calibrate.parameters)), "calibrate.parameters"
    else:
        spec, label = _flatten_spec(dict(doc.get("parameters") or {})), f"{where}: parameters"
    priors = tuple(_prior(cfg, key, value, f"{label}.{key}") for key, value in spec.items())
    if not priors:
        raise ConfigError(
            f"no parameters to fit: give calibrate.parameters.KEY=[lo,hi] or a 'parameters' "
            f"block in {where}"
        )
    return TargetSet(name, where, targets, priors)


def _target(stat: str, spec: Any, where: str) -> Target:
    if stat not in STATISTICS:
        near = difflib.get_close_matches(stat, list(STATISTICS), n=3)
        hint = f" (did you mean {' or '.join(near)}?)" if near else ""
        plain = ", ".join(s for s in STATISTICS if "." not in s)
        raise ConfigError(
            f"{where}: {stat!r} is not a statistic{hint}; allowed {plain}, RATE.TYPE and "
            f"share.TYPE (TYPE: {', '.join(TYPE_NAMES)}), grade_share.FORM (FORM: "
            f"{', '.join(GRADE_FORMS)})"
        )
    if not isinstance(spec, Mapping) or "observed" not in spec or "sd" not in spec:
        raise ConfigError(f"{where}: give {{observed: x, sd: s}}")
    observed, sd = _number(spec["observed"], f"{where}.observed"), _number(spec["sd"], where)
    st = STATISTICS[stat]
    if not st.lo <= observed <= st.hi:
        raise ConfigError(
            f"{where}.observed = {observed:g} is out of range; allowed [{st.lo:g}, {st.hi:g}]"
        )
    if not sd > 0:
        raise ConfigError(f"{where}.sd = {sd:g} is out of range; allowed (0, inf)")
    return Target(stat, observed, sd, str(spec.get("source", "")).strip())


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ConfigError(f"{where} = {value!r} is not a finite number")
    return float(value)


def _prior(cfg: CadreConfig, key: str, spec: Any, where: str) -> Prior:
    leaves = flatten(cfg)
    if key not in leaves or key.startswith(NOT_FITTED):
        fitted = [k for k in leaves if not k.startswith(NOT_FITTED)]
        near = difflib.get_close_matches(key, fitted, n=1)
        hint = f" (did you mean {near[0]}?)" if near else ""
        raise ConfigError(
            f"{where}: {key!r} is not a knob{hint}; allowed a number knob of population, "
            "network, policy or behaviour with a range in model/config.py"
        )
    current = leaves[key]
    lo_ok, hi_ok = _field_range(cfg, key)
    if not isinstance(current, float) or (lo_ok is None and hi_ok is None):
        raise ConfigError(
            f"{where}: {key} is not a number knob with a range; only such knobs can be fitted"
        )
    if isinstance(spec, list | tuple) and len(spec) == 2:
        dist, low, high, mean, sd = "uniform", spec[0], spec[1], math.nan, math.nan
    elif isinstance(spec, Mapping):
        dist = str(spec.get("dist", "uniform"))
        if dist not in DISTS:
            raise ConfigError(f"{where}.dist = {dist!r} is unknown; allowed {', '.join(DISTS)}")
        if "low" not in spec or "high" not in spec:
            raise ConfigError(f"{where}: give low and high (the prior's support)")
        low, high = spec["low"], spec["high"]
        mean = spec.get("mean", math.nan) if dist == "normal" else math.nan
        sd = spec.get("sd", math.nan) if dist == "normal" else math.nan
        if dist == "normal":
            mean, sd = _number(mean, f"{where}.mean"), _number(sd, f"{where}.sd")
            if not sd > 0:
                raise ConfigError(f"{where}.sd = {sd:g} is out of range; allowed (0, inf)")
    else:
        raise ConfigError(
            f"{where} = {spec!r}: give [low, high] (uniform) or {{dist: normal, mean: m, "
            "sd: s, low: a, high: b}"
        )
    low, high = _number(low, f"{where} low"), _number(high, f"{where} high")
    if not low < high:
        raise ConfigError(f"{where} = [{low:g}, {high:g}] is an empty range; need low < high")
    for x in (low, high):
        if (lo_ok is not None and x < lo_ok) or (hi_ok is not None and x > hi_ok):
            lo_s = "-inf" if lo_ok is None else f"{lo_ok:g}"
            hi_s = "inf" if hi_ok is None else f"{hi_ok:g}"
            raise ConfigError(
                f"{where}: the prior [{low:g}, {high:g}] is outside the range of {key}; "
                f"allowed [{lo_s}, {hi_s}]"
            )
    return Prior(key, dist, low, high, mean, sd)
