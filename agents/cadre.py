"""Mesa agents as views onto the model's arrays: `agent.competence` reads `state.competence[i]`.

The rules never touch these objects; they exist so that Mesa users can select, inspect and
collect agents as usual (`model.agents.select(lambda a: a.cadre_type == "fearful")`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from .types import TYPE_NAMES

if TYPE_CHECKING:
    from cadresim.model.cadre_model import CadreModel

_STATE_FIELDS = (
    "motivation",
    "competence",
    "risk_aversion",
    "effort_aversion",
    "error_fear",
    "integrity",
    "perceived_sanction_risk",
    "perceived_inaction_risk",
    "perceived_reward",
    "perceived_violation_risk",
    "aware",
    "rank",
    "acted",
    "outcome",
    "sanctioned",
    "exempted",
    "successes",
    "errors",
    "sanctions",
    "blocked_until",
    "bottom_streak",
)


class CadreAgent(mesa.Agent):
    """One cadre: a view onto index `index` of the model's state arrays."""

    model: CadreModel

    def __init__(self, model: CadreModel, index: int) -> None:
        super().__init__(model)
        self.index = index

    @property
    def cadre_type(self) -> str:
        return TYPE_NAMES[self.model.engine.state.cadre_type[self.index]]

    @property
    def cohort(self) -> str:
        return TYPE_NAMES[self.model.engine.state.cohort[self.index]]

    @property
    def unit(self) -> int:
        return int(self.model.engine.org.unit[self.index])

    @property
    def supervisor(self) -> CadreAgent | None:
        sup = int(self.model.engine.org.supervisor[self.index])
        return None if sup < 0 else self.model.cadres[sup]

    @property
    def initiative_probability(self) -> float:
        return float(self.model.engine.last_initiative_probability[self.index])


def _view(name: str) -> property:
    def get(self: CadreAgent):  # noqa: ANN202
        return getattr(self.model.engine.state, name)[self.index].item()

    get.__doc__ = f"Current `{name}` of this cadre (read from the model's arrays)."
    return property(get)


for _name in _STATE_FIELDS:
    setattr(CadreAgent, _name, _view(_name))
