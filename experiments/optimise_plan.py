"""The problem an optimise search solves: objectives, constraints, levers, the shared scenarios
and seeds (OptimisePlan), all checked before anything is written."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import qmc

from cadresim.model.config import CadreConfig, ConfigError, OptimiseConfig
from cadresim.model.metrics import OUTCOMES

from .costs import COST, CostTerm, describe, parse_costs
from .overrides import base_config, compose_overrides, replay_overrides
from .runs import replicate_seeds
from .space import Parameter, parse_space
from .sweep import check_points

SCENARIO_STREAM = 2  # SeedSequence([seed, 2]): the scenarios; [seed, 3]: pymoo's generator
SEARCH_STREAM = 3
LEVER_DIGITS = 4
GENERATIONS = "generations"
# optimise.* keys that say how to report, not what is searched: outside the fingerprint
NOT_THE_SEARCH = ("recommend",)
CONSTRAINT = re.compile(
    r"^\s*([A-Za-z_]\w*)\s*(<=|>=|<|>)\s*([-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?)\s*$"
)
OBJECTIVE_NAMES = (*OUTCOMES, COST)


@dataclass(frozen=True)
class Objective:
    name: str
    sense: str  # 'max' | 'min'

    @property
    def label(self) -> str:
        return f"{self.sense} {self.name}"


@dataclass(frozen=True)
class Constraint:
    outcome: str
    op: str  # <=, <, >=, >
    bound: float

    @property
    def text(self) -> str:
        return f"{self.outcome} {self.op} {self.bound:g}"

    @property
    def upper(self) -> bool:
        return self.op in ("<=", "<")

    def violation(self, value: np.ndarray) -> np.ndarray:
        """pymoo's inequality form: <= 0 where the constraint holds."""
        return value - self.bound if self.upper else self.bound - value


def parse_constraint(text: Any) -> Constraint:
    """'misconduct_rate <= 0.05' -> Constraint; ConfigError for anything else."""
    m = CONSTRAINT.match(str(text))
    if not m:
        raise ConfigError(
            f"optimise.constraints: {text!r} is not a constraint; write OUTCOME <= NUMBER or "
            "OUTCOME >= NUMBER, e.g. 'misconduct_rate <= 0.05'"
        )
    outcome, op, bound = m.group(1), m.group(2), float(m.group(3))
    if outcome not in OBJECTIVE_NAMES:
        raise ConfigError(
            f"optimise.constraints: {outcome!r} in {text!r} is not an outcome; known: "
            f"{', '.join(OBJECTIVE_NAMES)}"
        )
    return Constraint(outcome, op, bound)


@dataclass
class OptimisePlan:
    cfg: CadreConfig
    base: CadreConfig
    base_overrides: list[str]
    levers: list[Parameter]
    uncertainties: list[Parameter]
    objectives: list[Objective]
    constraints: list[Constraint]
    costs: list[CostTerm]
    scenarios: pd.DataFrame  # scenario + one column per uncertainty
    seeds: list[int]
    search_seed: int
    algorithm: str

    @property
    def scenario_params(self) -> list[tuple[tuple[str, Any], ...]]:
        keys = [p.key for p in self.uncertainties]
        rows = self.scenarios[keys].itertuples(index=False, name=None)
        return [tuple(zip(keys, _plain(row), strict=True)) for row in rows]

    def identity(self) -> dict[str, Any]:
        opt = {k: v for k, v in asdict(self.cfg.optimise).items() if k not in NOT_THE_SEARCH}
        return {
            "experiment": "optimise",
            "optimise": opt,
            "levers": [p.describe() for p in self.levers],
            "uncertainties": [p.describe() for p in self.uncertainties],
            "base": asdict(self.base),
            "seed": self.cfg.seed,
        }

    def describe(self) -> dict[str, Any]:
        o = self.cfg.optimise
        return {
            "algorithm": self.algorithm,
            "generations": o.generations,
            "population": o.population,
            "scenarios": len(self.scenarios),
            "replications": len(self.seeds),
            "robustness": o.robustness
            + (
                f" (percentile {o.percentile:g} of the worse tail)"
                if o.robustness != "mean"
                else ""
            ),
            "objectives": [ob.label for ob in self.objectives],
            "constraints": [c.text for c in self.constraints],
            "levers": [p.describe() for p in self.levers],
            "uncertainties": [p.describe() for p in self.uncertainties],
            "cost_model": describe(self.costs),
            "replicate_seeds": self.seeds,
            "search_seed": self.search_seed,
            "seed_rule": "scenarios: Latin hypercube from SeedSequence([seed, 2]); replicate "
            "seeds: SeedSequence(seed).spawn(replications); pymoo: SeedSequence([seed, 3])",
        }


def _stream_seed(seed: int, stream: int) -> int:
    return int(np.random.SeedSequence([seed, stream]).generate_state(1)[0])


def _plain(values: Iterable[Any]) -> list[Any]:
    return [v.item() if hasattr(v, "item") else v for v in values]


def _search_overrides(overrides: list[str]) -> list[str]:
    """The overrides that shape a run: optimise.* keys describe the search."""
    return [o for o in overrides if not o.split("=", 1)[0].lstrip("+~").startswith("optimise.")]


def plan_optimise(cfg: CadreConfig, overrides: list[str]) -> OptimisePlan:
    """Check everything and draw the scenarios; raises ConfigError before anything is written."""
    o = cfg.optimise
    objectives = [Objective(n, "max") for n in o.maximise] + [
        Objective(n, "min") for n in o.minimise
    ]
    for ob in objectives:
        if ob.name not in OBJECTIVE_NAMES:
            key = "maximise" if ob.sense == "max" else "minimise"
            raise ConfigError(
                f"optimise.{key}: {ob.name!r} is not an outcome; known: "
                f"{', '.join(OBJECTIVE_NAMES)}"
            )
    if not objectives:
        raise ConfigError("optimise.maximise and optimise.minimise are both empty")
    names = [ob.name for ob in objectives]
    if len(set(names)) < len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise ConfigError(f"optimise: {dup} is listed twice among the objectives")
    constraints = [parse_constraint(c) for c in o.constraints]
    costs = parse_costs(cfg)
    if not costs and COST in names + [c.outcome for c in constraints]:
        raise ConfigError(
            f"optimise: {COST} needs a cost model in optimise.costs (see the optimise preset)"
        )
    params = parse_space(cfg)
    levers = [p for p in params if p.role == "lever"]
    uncertainties = [p for p in params if p.role == "uncertainty"]
    if not levers:
        raise ConfigError(
            "optimise: sweep.levers is empty; give the levers to search, e.g. "
            "sweep.levers.policy.tolerance.coverage=[0,1]"
        )
    algorithm = o.algorithm
    if algorithm == "auto":
        algorithm = "nsga3" if len(objectives) > 3 else "nsga2"
    n_scen = o.scenarios if uncertainties else 1
    if uncertainties:
        unit = qmc.LatinHypercube(
            d=len(uncertainties), rng=np.random.default_rng(_stream_seed(cfg.seed, SCENARIO_STREAM))
        ).random(n_scen)
        values = decode(uncertainties, unit)
    else:
        values = {}
    scenarios = pd.DataFrame({"scenario": np.arange(n_scen, dtype=np.int64), **values})
    run_ov = _search_overrides(overrides)
    base = base_config(compose_overrides(run_ov))
    base.optimise = OptimiseConfig()
    plan = OptimisePlan(
        cfg=cfg,
        base=base,
        base_overrides=replay_overrides(run_ov, base),
        levers=levers,
        uncertainties=uncertainties,
        objectives=objectives,
        constraints=constraints,
        costs=costs,
        scenarios=scenarios,
        seeds=replicate_seeds(cfg.seed, o.replications),
        search_seed=_stream_seed(cfg.seed, SEARCH_STREAM),
        algorithm=algorithm,
    )
    # every scenario with the levers all at their low and all at their high end is a valid run
    corners = []
    for u in (0.0, 1.0):
        lever_values = [(p.key, _plain(p.from_unit(np.array([u])))[0]) for p in levers]
        corners += [tuple(lever_values) + scen for scen in plan.scenario_params]
    check_points(base, corners)
    return plan


def decode(levers: list[Parameter], X: np.ndarray) -> dict[str, list[Any]]:
    """Parameter values of the unit points X (candidates' levers, scenarios' uncertainties);
    ranges are rounded to LEVER_DIGITS decimals, so a package's command line is short and runs
    exactly what was evaluated."""
    out = {}
    for i, p in enumerate(levers):
        values = _plain(p.from_unit(X[:, i]))
        out[p.key] = [round(v, LEVER_DIGITS) if isinstance(v, float) else v for v in values]
    return out


def objective_matrices(plan: OptimisePlan, table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """pymoo's F (all minimised) and G (<= 0 where a constraint holds)."""
    F = np.column_stack(
        [
            -table[ob.name].to_numpy(float) if ob.sense == "max" else table[ob.name].to_numpy(float)
            for ob in plan.objectives
        ]
    )
    G = np.column_stack(
        [
            c.violation(table[f"constraint_{i}"].to_numpy(float))
            for i, c in enumerate(plan.constraints)
        ]
        or [np.zeros(len(table))]
    )
    return F, G
