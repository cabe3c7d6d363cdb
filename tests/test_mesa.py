"""Mesa users' ways in: agents as views, AgentSet selection, DataCollector, batch_run."""

from __future__ import annotations

import mesa
import numpy as np

from cadresim import CadreModel


def test_agents_are_views_onto_the_arrays():
    model = CadreModel(**{"population.size": 120, "steps": 5}, rng=4)
    assert len(model.agents) == 120
    model.step()
    a = model.cadres[7]
    assert a.competence == model.engine.state.competence[7].item()
    assert a.cadre_type in {"unwilling", "unable", "afraid", "reluctant", "fearful", "proactive"}
    fearful = model.agents.select(lambda x: x.cadre_type == "fearful")
    assert len(fearful) == int(np.sum(model.engine.state.cadre_type == 4))
    boss = model.cadres[10].supervisor
    assert boss is not None and boss.index == model.engine.org.supervisor[10]


def test_datacollector_agent_reporters_work():
    model = CadreModel(**{"population.size": 50}, rng=1)
    dc = mesa.DataCollector(agent_reporters={"acted": "acted", "type": "cadre_type"})
    for _ in range(3):
        model.step()
        dc.collect(model)
    frame = dc.get_agent_vars_dataframe()
    assert len(frame) == 150 and set(frame.columns) == {"acted", "type"}


def test_batch_run():
    results = mesa.batch_run(
        CadreModel,
        parameters={"policy": ["baseline", "tolerance_only"], "population__size": 80},
        rng=[1, 2],
        max_steps=6,
        data_collection_period=1,
        number_processes=1,
        display_progress=False,
    )
    assert len(results) == 4 * 7  # 2 policies x 2 seeds x (steps 0..6)
    rows = [r for r in results if r["Step"] == 6]
    assert {r["policy"] for r in rows} == {"baseline", "tolerance_only"}
    assert all(0.0 <= r["initiative_rate"] <= 1.0 for r in rows)
