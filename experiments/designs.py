"""Sampling designs over a parameter space: full-factorial grid, Latin hypercube, Sobol, Morris.

Every design is drawn in the unit cube (one column per parameter) and then mapped onto each
parameter's range or values, so Sobol and Morris analyses see the same matrix SALib sampled.
The design's random numbers come from ``SeedSequence([seed, 1])``, apart from the run seeds.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import qmc

from cadresim.model.config import ConfigError, SweepConfig

from .space import Parameter

DESIGN_STREAM = 1  # second word of the design's SeedSequence entropy
SOBOL_MIN_BASE = 512  # smallest automatic Sobol base sample N
SOBOL_PER_FACTOR = 128  # automatic Sobol base sample per factor
MORRIS_TRAJECTORIES = 20  # automatic Morris trajectories (Campolongo et al. use 10-20)
LHS_PER_FACTOR = 10  # automatic LHS points per factor (Loeppky et al.'s 10 d)


@dataclass
class Design:
    kind: str
    params: list[Parameter]
    unit: np.ndarray | None  # points x params in [0, 1] (None for a grid)
    table: pd.DataFrame  # point_id + one column per parameter (dotted key)

    @property
    def points(self) -> int:
        return len(self.table)

    def salib_problem(self) -> dict:
        return {
            "num_vars": len(self.params),
            "names": [p.key for p in self.params],
            "bounds": [[0.0, 1.0]] * len(self.params),
        }


def sobol_base_n(factors: int) -> int:
    """Automatic Sobol base sample: the power of 2 >= max(512, 128 d).

    Bootstrap half-widths fall as 1 / sqrt(N); at N = 512 the Ishigami function's six indices
    (three factors, strongly non-additive) have 95% half-widths <= 0.1, and every factor adds
    two indices that must all be resolved at once, hence the growth with d."""
    want = max(SOBOL_MIN_BASE, SOBOL_PER_FACTOR * max(factors, 1))
    return 1 << (want - 1).bit_length()


def base_points(design: str, factors: int) -> int:
    """`sweep.points` chosen from the number of factors (sweep.points=0)."""
    if design == "sobol":
        return sobol_base_n(factors)
    if design == "morris":
        return MORRIS_TRAJECTORIES
    return LHS_PER_FACTOR * factors  # lhs (a grid ignores sweep.points)


def design_seed(seed: int) -> int:
    return int(np.random.SeedSequence([seed, DESIGN_STREAM]).generate_state(1)[0])


def expected_points(sweep: SweepConfig, params: list[Parameter]) -> int:
    """Number of design points, computed before sampling (for checks and messages), in Python
    integers: a grid of 256 levels over 8 factors is 256**8 points, not an int64 that wraps."""
    d = len(params)
    if sweep.design == "grid":
        return math.prod(len(p.levels(sweep.levels)) for p in params)
    if sweep.design == "sobol":
        return sweep.points * (d + 2)
    if sweep.design == "morris":
        return sweep.points * (d + 1)
    return sweep.points


def make_design(sweep: SweepConfig, params: list[Parameter], seed: int) -> Design:
    """Draw the design named by `sweep.design`; raises ConfigError for a design it cannot make."""
    kind = sweep.design
    d = len(params)
    unit: np.ndarray | None
    if kind == "grid":
        unit = None
        columns = list(itertools.product(*(p.levels(sweep.levels) for p in params)))
        values = {p.key: [row[i] for row in columns] for i, p in enumerate(params)}
    else:
        unit = _unit_sample(kind, sweep, params, seed)
        values = {p.key: p.from_unit(unit[:, i]) for i, p in enumerate(params)}
    n = len(next(iter(values.values()))) if d else 0
    table = pd.DataFrame({"point_id": np.arange(n, dtype=np.int64), **values})
    return Design(kind, params, unit, table)


def _unit_sample(kind: str, sweep: SweepConfig, params: list[Parameter], seed: int) -> np.ndarray:
    d = len(params)
    rng_seed = design_seed(seed)
    if kind == "lhs":
        return qmc.LatinHypercube(d=d, rng=np.random.default_rng(rng_seed)).random(sweep.points)
    problem = {"num_vars": d, "names": [p.key for p in params], "bounds": [[0.0, 1.0]] * d}
    if kind == "sobol":
        n = sweep.points
        if n & (n - 1):
            up = 1 << n.bit_length()
            raise ConfigError(
                f"sweep.points = {n}: a Sobol design needs a power of 2 base sample "
                f"(e.g. {up >> 1} or {up}); runs = points x (parameters + 2) x replications"
            )
        from SALib.sample import sobol  # noqa: PLC0415

        return sobol.sample(problem, n, calc_second_order=False, seed=rng_seed)
    if kind == "morris":
        from SALib.sample import morris  # noqa: PLC0415

        levels = sweep.morris_levels
        return morris.sample(problem, sweep.points, num_levels=levels, seed=rng_seed)
    raise ConfigError(f"sweep.design = {kind!r} is unknown; allowed grid, lhs, sobol, morris")
