"""The Mesa shell: a `mesa.Model` whose step runs the vectorised engine.

    model = CadreModel(policy="three_mechanisms", population__size=500, rng=3)
    model = CadreModel(**{"policy.tolerance.coverage": 0.8})   # any dotted key
    mesa.batch_run(CadreModel, {"policy": ["baseline", "tolerance_only"]}, rng=[1, 2], max_steps=24)

Keyword arguments are config overrides: a group name (`policy`, `population`, `network`) picks a
preset, a dotted key (or `__` for dots) sets a knob. `rng` (an int) is the run's seed.
"""

from __future__ import annotations

import copy
from typing import Any

import mesa
import numpy as np

from cadresim.agents.cadre import CadreAgent

from .config import CadreConfig, load_config, validate
from .engine import Engine, shell_stream
from .metrics import IDX, OUTCOMES, RATES


class CadreModel(mesa.Model):
    """Cadres on an organisational network under incentive, accountability and tolerance."""

    def __init__(
        self,
        config: CadreConfig | None = None,
        *,
        rng: int | None = None,
        agent_views: bool = True,
        collect: bool = True,
        **overrides: Any,
    ) -> None:
        if overrides and config is not None:
            raise TypeError("pass either a config or keyword overrides, not both")
        if config is None:
            cfg = load_config({k.replace("__", "."): v for k, v in overrides.items()})
        else:
            cfg = validate(copy.deepcopy(config))
        if rng is not None:
            cfg.seed = int(rng)
        self.config = cfg
        self.engine = Engine(cfg)
        super().__init__(rng=shell_stream(cfg.seed))
        self.cadres: list[CadreAgent] = (
            [CadreAgent(self, i) for i in range(self.engine.n)] if agent_views else []
        )
        self.datacollector = (
            mesa.DataCollector(model_reporters={name: _rate_reporter(name) for name in OUTCOMES})
            if collect
            else None
        )
        if self.datacollector is not None:
            self.datacollector.collect(self)

    def step(self) -> None:
        self.engine.step()
        if self.datacollector is not None:
            self.datacollector.collect(self)

    @property
    def seed(self) -> int:
        return self.config.seed

    def latest(self) -> dict[str, float]:
        """The latest step's outcomes for all cadres."""
        return {name: _rate(self.engine.tallies[-1][0], name) for name in OUTCOMES}


def _rate(row: np.ndarray, name: str) -> float:
    num, den = RATES[name]
    d = row[IDX[den]]
    return float(row[IDX[num]] / d) if d > 0 else 0.0


def _rate_reporter(name: str):  # noqa: ANN202
    return lambda m: _rate(m.engine.tallies[-1][0], name)
