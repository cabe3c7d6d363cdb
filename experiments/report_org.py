"""The report's organisation section: the user's network and the per-unit and per-level tables.

The network is drawn at month 0 from the config (the user's org chart for network=file), so the
work does not grow with the length of the run; at most `figures.MAX_NODES` cadres are drawn.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from . import report_text as RT
from .charts import figures as F
from .charts import i18n
from .page_templates import figure_html, table_html
from .report_results import MAX_TABLE_ROWS, Results, resolved_config, summary_window

NETWORK_MAX_CADRES = 259  # a 6-span hierarchy of four full levels: legible in one figure


def network_figure(res: Results, lang: str) -> go.Figure | None:
    """The organisation at month 0, coloured by initial type: the user's own org chart
    (network=file) in full up to `figures.MAX_NODES` cadres, else an illustrative organisation
    of at most NETWORK_MAX_CADRES built from the run's network settings. The model is only
    initialised, never stepped, so the work does not grow with the run's length."""
    cfg_dict = resolved_config(res)
    if not cfg_dict:
        return None
    from cadresim.model.cadre_model import CadreModel  # noqa: PLC0415
    from cadresim.model.config import ConfigError, to_config  # noqa: PLC0415

    try:
        cfg = to_config(cfg_dict)
        if cfg.network.kind == "file":
            path = _org_file(res.folder, str(cfg.network.path))
            if path is None:
                res.org_notes.append(("org_missing", {"path": cfg.network.path}))
                return None
            cfg.network.path = str(path)
            nodes = getattr(cfg.network, "nodes_path", None)
            if nodes:
                cfg.network.nodes_path = str(_org_file(res.folder, str(nodes)) or nodes)
        elif cfg.population.size > NETWORK_MAX_CADRES:
            cfg.population.size = NETWORK_MAX_CADRES
            res.org_notes.append(("org_illustrative", {"cap": NETWORK_MAX_CADRES}))
        elif res.kind != "single":
            res.org_notes.append(("org_example", {"seed": cfg.seed}))
        model = CadreModel(cfg, agent_views=False, collect=False)
    except (ConfigError, TypeError, ValueError, KeyError, OSError, AttributeError):
        return None
    n = model.engine.org.size
    shown = min(n, F.MAX_NODES)
    res.org_notes.append(
        ("org_sampled", {"shown": shown, "n": n}) if shown < n else ("org_whole", {})
    )
    return F.network(model, lang, colour_by="type", max_nodes=F.MAX_NODES)


def _org_file(folder: Path, path: str) -> Path | None:
    """The org chart file as the run named it: as given (from here), or beside the folder."""
    for candidate in (Path(path), folder / path, folder.parent / path):
        if candidate.is_file():
            return candidate
    return None


def organisation_section(res: Results, fig: go.Figure | None, lang: str) -> dict[str, Any] | None:
    """The user's network and the per-unit / per-level tables, when the folder has them."""
    notes = list(res.org_notes)
    tables = []
    cfg = resolved_config(res)
    for name, col, key in (("units", "unit", "units_table"), ("levels", "level", "levels_table")):
        table = getattr(res, name)
        if table is None or table.empty:
            continue
        a, b = summary_window(cfg)
        shown = org_table(table, col, a, lang)
        caption = RT.t(key, lang, a=a, b=b)
        if "run_id" in table and table["run_id"].nunique() > 1:  # an experiment's runs
            per = table.groupby(_regime(table), observed=True)["run_id"].nunique().max()
            caption += f" ({RT.t('org_runs', lang, runs=int(per))})"
        if len(shown) > MAX_TABLE_ROWS:
            caption += f" ({RT.t('rows_shown', lang, shown=MAX_TABLE_ROWS, n=len(shown))})"
        tables.append({
            "caption": caption,
            "html": table_html(_localise_org(shown.head(MAX_TABLE_ROWS), lang),
                               border=0, na_rep="—", float_format="%.3f"),
        })  # fmt: skip
    if fig is None and not tables and not notes:
        return None
    div = None
    if fig is not None:
        div = figure_html(fig, "fig-network", {"displaylogo": False, "responsive": True})
    return {"figure": div, "notes": [RT.t(k, lang, **kw) for k, kw in notes], "tables": tables}


MEMBERS_SHOWN = 60  # characters of a unit's member list in the table


def _regime(table: pd.DataFrame) -> str:
    return "policy" if "policy" in table else "regime"


def org_table(table: pd.DataFrame, by: str, first_month: int, lang: str = "en") -> pd.DataFrame:
    """One row per unit (or level): its posts, levels, members (shortened) and summary-window
    rates as the run wrote them (units.parquet / levels.parquet); a per-step table is first
    averaged over the summary window (and over runs). An experiment's table (one block per
    run) is averaged over each regime's runs: with one regime every rate is shown, with
    several the initiative rate of each regime side by side."""
    if by not in table:
        return table
    outcomes = [c for c in table.columns if c in i18n.OUTCOMES]
    if "step" in table:
        rows = table[table["step"] >= first_month]
        return rows.groupby(by, sort=True, observed=True)[outcomes].mean()
    if "run_id" in table:
        reg = _regime(table)
        info = [c for c in ("posts", "level_min", "level_max", "members") if c in table]
        first = table[table["run_id"] == table["run_id"].iloc[0]].set_index(by)[info]
        means = table.groupby([reg, by], sort=True, observed=True)[outcomes].mean()
        regimes = list(pd.unique(table[reg]))
        if len(regimes) == 1:
            rates = means.droplevel(0)
        else:
            rates = means["initiative_rate"].unstack(0)[regimes]
            name = i18n.outcome_name("initiative_rate", lang)
            rates.columns = [f"{name} · {i18n.regime_label(str(r), lang)}" for r in regimes]
        table = first.join(rates).reset_index()
        outcomes = list(rates.columns)
    t = table.set_index(by)
    if "level_min" in t and "level_max" in t:
        lo, hi = t["level_min"].astype(str), t["level_max"].astype(str)
        t["levels"] = lo.where(lo == hi, lo + "–" + hi)
    if "members" in t:
        t["members"] = [
            m if len(m) <= MEMBERS_SHOWN else m[:MEMBERS_SHOWN].rsplit(", ", 1)[0] + ", …"
            for m in t["members"].astype(str)
        ]
    info = [
        c
        for c in ("posts", "levels", "members")
        if c in t and not (by == "level" and c == "levels")
    ]
    return t[info + outcomes]


def _localise_org(t: pd.DataFrame, lang: str) -> pd.DataFrame:
    t = t.rename(columns=lambda c: RT.t(f"org_{c}", lang) if f"org_{c}" in RT.TEXT
                 else i18n.outcome_name(str(c), lang))  # fmt: skip
    t.index.name = (
        RT.t(f"org_{t.index.name}", lang) if f"org_{t.index.name}" in RT.TEXT else (t.index.name)
    )
    return t
