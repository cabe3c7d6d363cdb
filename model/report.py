"""Plain-text summary of one run for the terminal."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .simulate import SimulationResult

COLUMNS = {
    "share": "share",
    "initiative_rate": "initiative",
    "error_rate": "errors",
    "errors_per_initiative": "err/init",
    "misconduct_rate": "misconduct",
    "sanction_rate": "sanctioned",
    "tolerated_rate": "tolerated",
    "wrongful_sanction_rate": "wrongful",
    "mean_perceived_risk": "perc.risk",
    "value": "value",
}


GATE_COLUMNS = {
    "gate_opportunity": "O able",
    "gate_want": "W want",
    "gate_bother": "E bother",
    "gate_career": "Dc career",
    "gate_punish": "De punish",
}


def summary_frame(
    summary: dict, grouping: str = "cohort", columns: dict[str, str] = COLUMNS
) -> pd.DataFrame:
    """Summary outcomes by type (rows) with an 'all' row, as a DataFrame."""
    rows = {"all": summary["all"], **summary[grouping]}
    frame = pd.DataFrame(rows).T[list(columns)].rename(columns=columns)
    frame.index.name = "cohort" if grouping == "cohort" else "type"
    return frame


def schedule_text(result: SimulationResult) -> str:
    """' schedule=[strict_accountability in months 61–72]' for a run with a policy.schedule,
    else ''."""
    if not result.config.policy.schedule:
        return ""
    from cadresim.policies.schedule import PolicyTimeline  # noqa: PLC0415 (import cycle)

    episodes = PolicyTimeline(result.config).episodes_for_report()
    text = "; ".join(f"{label} in months {a}–{b - 1}" for a, b, label in episodes)
    return f" schedule=[{text}]"


def print_run(result: SimulationResult, paths: tuple[Path, Path] | None) -> None:
    s = result.summary
    lo, hi = s["summary_window"]
    print(
        f"cadresim: policy={s['policy']}{schedule_text(result)} population={s['population']} "
        f"network={s['network']} cadres={s['cadres']} steps={s['steps']} seed={s['seed']} "
        f"({result.seconds:.2f} s)"
    )
    print(f"Mean per cadre and month over steps {lo}-{hi}, by initial type:")
    print(summary_frame(s).to_string(float_format=lambda x: f"{x:.3f}"))
    print("Why they hold back: mean of each gate of P = O W E Dc De (1 = open):")
    gates = summary_frame(s, columns=GATE_COLUMNS)
    print(gates.to_string(float_format=lambda x: f"{x:.3f}"))
    shares = " ".join(f"{k}={v:.2f}" for k, v in s["final_type_shares"].items())
    print(f"Type shares at the end: {shares}")
    if paths:
        print(f"step table: {paths[0]}")
        print(f"summary:    {paths[1]}")
        others = [str(p) for p in result.written if p not in paths]
        if others:  # org-chart tables, CSV or Excel copies (experiment.format)
            print(f"also:       {', '.join(others)}")


COMBINED = {
    "initiative_rate": "initiative",
    "error_rate": "errors",
    "misconduct_rate": "misconduct",
    "sanction_rate": "sanctioned",
    "tolerated_rate": "tolerated",
    "wrongful_sanction_rate": "wrongful",
}


def combined_frame(results: list[tuple[str, SimulationResult]]) -> pd.DataFrame:
    """One row per job of a multirun: its swept values and the all-cadre summary outcomes."""
    rows = {}
    for label, result in results:
        s = result.summary
        row = {"policy": s["policy"], "seed": s["seed"], "cadres": s["cadres"]}
        row.update({name: s["all"][key] for key, name in COMBINED.items()})
        rows[label] = row
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "job"
    return frame


def print_combined(results: list[tuple[str, SimulationResult]]) -> None:
    """The closing table of a multirun: every job side by side."""
    if not results:
        return
    print(f"All {len(results)} jobs: mean per cadre and month over the summary window, all cadres:")
    print(combined_frame(results).to_string(float_format=lambda x: f"{x:.3f}"))
