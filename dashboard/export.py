"""Keeping a session: a self-contained HTML snapshot, the step table as CSV, and the settings as
the equivalent `cadresim` command.

The snapshot opens offline: plotly's JavaScript is inlined once, every figure is a div that
uses it, and there are no links to fetch. It holds the levers as they were moved over time, the
counters and the charts of each run. The command reproduces the run's current config: the
preset, then every value that differs from it (levers, hidden conditions, size, mix, seed).
"""

from __future__ import annotations

import shlex
from dataclasses import fields, is_dataclass
from datetime import UTC, datetime
from typing import Any

import plotly.graph_objects as go
from markupsafe import Markup

from cadresim import vocabulary as vocab
from cadresim.model.config import CadreConfig, _override_value
from cadresim.model.metrics import step_table

from . import figures
from .i18n import t
from .levers import preset_config
from .session import COUNTERS, Run

# Settings of the run's bookkeeping, not of the model: never part of the command.
NOT_MODEL = {"write", "output_dir", "overwrite", "experiment", "sweep", "steps", "summary_from"}


def _diff(a: Any, b: Any, prefix: str = "") -> list[tuple[str, Any]]:
    out = []
    for f in fields(a):
        if not prefix and f.name in NOT_MODEL:
            continue
        va, vb = getattr(a, f.name), getattr(b, f.name)
        key = f"{prefix}{f.name}"
        if is_dataclass(va):
            out += _diff(va, vb, key + ".")
        elif va != vb:
            out.append((key, va))
    return out


def overrides(cfg: CadreConfig, preset: str) -> list[str]:
    """`key=value` for every model setting of `cfg` that differs from the preset's."""
    base = preset_config(preset)
    return [f"{key}={_override_value(value)}" for key, value in _diff(cfg, base)]


def command(cfg: CadreConfig, preset: str) -> str:
    """The `cadresim` command that runs this config (the levers as they are now, from month 0)."""
    args = [f"policy={preset}", *overrides(cfg, preset)]
    return "cadresim " + " ".join(shlex.quote(a) for a in args)


def step_csv(run: Run) -> str:
    """The run's step table (one row per month x group, every outcome a column)."""
    return step_table(run.engine.tally_array()).to_csv(index=False, float_format="%.6g")


def _table(head: list[str], rows: list[list[str]]) -> Markup:
    from cadresim.experiments.page_templates import template  # noqa: PLC0415  (on export only)

    return Markup(template("table.html.j2").render(head=head, rows=rows))


def lever_table(history: list[tuple[int, dict[str, float]]], lang: str) -> Markup:
    """One row per lever, one column per change: the value from that month on."""
    keys = list(history[0][1])
    head = [t("levers_col", lang), *[f"{t('from_month', lang)} {month}" for month, _ in history]]
    rows = [[vocab.lever_name(k, lang), *[f"{values[k]:g}" for _, values in history]] for k in keys]
    return _table(head, rows)


STYLE = """
code { background: #f6f6f6; padding: 4px; display: block; white-space: pre-wrap;
       word-break: break-all; }
.fig { display: inline-block; width: 48%; min-width: 420px; }
"""


def snapshot_html(
    title: str,
    runs: list[tuple[str, Run]],
    history: list[tuple[int, dict[str, float]]],
    commands: list[str],
    lang: str,
) -> str:
    """The whole page (templates/snapshot.html.j2): title, time, lever history, counters,
    charts of every run, commands."""
    from cadresim.experiments.page_templates import Labels, figure_html, render  # noqa: PLC0415

    shown = []
    for label, run in runs:
        counts = run.counters()
        charts = (
            figures.time_series(run, lang),
            figures.by_type(run, lang),
            figures.gates(run, lang),
        )
        shown.append({
            "label": label,
            "month": run.step_count,
            "counters": _table([t(name, lang) for name in COUNTERS],
                               [[f"{counts[name]:,}" for name in COUNTERS]]),
            "figures": [figure_html(go.Figure(fig), config={"displayModeBar": False})
                        for fig in charts],
        })  # fmt: skip
    return render(
        "snapshot.html.j2",
        lang,
        css=STYLE,
        title=title,
        meta=[f"{t('snapshot_taken', lang)} {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}"],
        t=Labels(lambda key: t(key, lang)),
        lever_table=lever_table(history, lang),
        runs=shown,
        commands=commands,
    )
