"""The policy cost of a run config: a priced sum of products of config values.

A policy search that only maximised initiative would buy every lever at full strength; a cost
objective makes the researcher state what each lever costs. The model is the config's
`optimise.costs`, one term per cost line:

    reward_budget: {unit_cost: 1.0, keys: [policy.incentive.reward,
                    policy.incentive.excellence_quota], unit: "per cadre per cycle ..."}

A term costs ``unit_cost x product of the run config's values at keys``; true/false count as
1/0 (so ``policy.training.enabled`` in `keys` makes training free when it is off). The `unit`
text is required: a cost nobody can read is not a cost model. The cost is per cadre, in the
units the config states, and is the same for every seed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cadresim.model.config import CadreConfig, ConfigError, flatten

COST = "policy_cost"


@dataclass(frozen=True)
class CostTerm:
    name: str
    unit_cost: float
    keys: tuple[str, ...]
    unit: str


def parse_costs(cfg: CadreConfig) -> list[CostTerm]:
    """The terms of `optimise.costs`, checked against the config; ConfigError names the key."""
    leaves = flatten(cfg)
    terms = []
    for name, spec in dict(cfg.optimise.costs).items():
        where = f"optimise.costs.{name}"
        if not isinstance(spec, Mapping) or set(spec) - {"unit_cost", "keys", "unit"}:
            raise ConfigError(
                f"{where} = {spec!r}: give {{unit_cost: number >= 0, keys: [config keys], "
                "unit: 'what one unit of cost is'}"
            )
        unit_cost = spec.get("unit_cost")
        if (
            not isinstance(unit_cost, int | float)
            or isinstance(unit_cost, bool)
            or not math.isfinite(unit_cost)
            or unit_cost < 0
        ):
            raise ConfigError(f"{where}.unit_cost = {unit_cost!r}; allowed a number in [0, inf)")
        keys = spec.get("keys")
        if isinstance(keys, str) or not keys:
            raise ConfigError(f"{where}.keys = {keys!r}; give a non-empty list of config keys")
        for key in keys:
            value = leaves.get(key, None)
            if key not in leaves:
                raise ConfigError(f"{where}.keys: {key!r} is not a config key")
            if not isinstance(value, int | float):
                raise ConfigError(f"{where}.keys: {key} is not a number or true/false")
        unit = spec.get("unit")
        if not isinstance(unit, str) or not unit.strip():
            raise ConfigError(f"{where}.unit is missing; say what one unit of this cost is")
        terms.append(CostTerm(str(name), float(unit_cost), tuple(keys), unit))
    return terms


def term_costs(terms: list[CostTerm], cfg: CadreConfig) -> dict[str, float]:
    """Each term's cost for one run config."""
    leaves = flatten(cfg)
    return {t.name: t.unit_cost * math.prod(float(leaves[k]) for k in t.keys) for t in terms}


def policy_cost(terms: list[CostTerm], cfg: CadreConfig) -> float:
    return float(sum(term_costs(terms, cfg).values()))


def describe(terms: list[CostTerm]) -> list[dict[str, Any]]:
    """The cost model as recorded in the manifest."""
    return [
        {"term": t.name, "unit_cost": t.unit_cost, "keys": list(t.keys), "unit": t.unit}
        for t in terms
    ]
