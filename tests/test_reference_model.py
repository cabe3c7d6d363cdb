"""The per-agent speed reference of experiments/benchmark.py runs and yields rates in [0, 1]."""

from __future__ import annotations

from cadresim import load_config
from cadresim.experiments.reference_model import ReferenceModel


def test_reference_model_runs_two_steps_with_rates_in_unit_interval() -> None:
    cfg = load_config(["population.size=50", "policy=three_mechanisms"])
    model = ReferenceModel(cfg, rng=3)
    assert len(model.agents) == 50
    for _ in range(2):
        model.step()
    rates = model.rates()
    assert all(0.0 <= value <= 1.0 for value in rates.values()), rates
    table = model.datacollector.get_model_vars_dataframe()
    assert len(table) == 2
    assert ((table >= 0.0) & (table <= 1.0)).all().all()
