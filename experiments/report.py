"""One self-contained HTML report of an experiment results folder, in English or Chinese.

    write_report("results/compare-2024", lang="zh", static=("png", "svg"))

The report holds the question, key findings read from the numbers and their intervals, what
varied, the regimes or design, every figure the folder's tables allow, the user's organisation,
summary tables, a glossary of the outcomes and a methods note for the kind of experiment. It is
rendered by a jinja2 template with autoescape (templates/report.html.j2, through
page_templates); plotly.js is inlined once, so the file opens offline. Static copies of the
figures (kaleido 1.x + Chromium) go to `figures/<lang>/` next to it; without a browser, a
message says how to get one and the HTML is still written. The work is bounded: the network
is drawn at month 0 from at most `figures.MAX_NODES` cadres, never by re-running the simulation.

Beside this module: `report_results` reads and checks the folder, `report_sections` writes the
prose sections, `report_findings` the key findings, `report_org` the organisation section, and
`report_text` holds every report string in both languages.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from . import report_text as RT
from .charts import figures as F
from .charts import i18n
from .charts.export import ExportError, export_figures, parse_formats
from .charts.stats import mean_ci
from .page_templates import Labels, figure_html, render, table_html
from .report_org import network_figure, organisation_section
from .report_results import (  # re-exported: the report's public API reads folders too
    KEY_OUTCOMES,
    MAX_TABLE_ROWS,
    ReportError,
    Results,
    load_results,
    ordered,
    resolved_config,
    runs_from_steps,
    schedule_episodes,
)
from .report_sections import (
    config_rows,
    cycle_note,
    design_table,
    glossary_intro,
    key_findings,
    methods_text,
    question,
    regimes,
    shown_outcomes,
    varied,
)
from .store import file_mode

__all__ = [
    "ReportError", "Results", "build_figures", "load_results", "render_html", "runs_from_steps",
    "schedule_episodes", "summary_tables", "write_report",
]  # fmt: skip


def build_figures(res: Results, lang: str = "en") -> dict[str, go.Figure]:
    """Every figure the folder's tables allow, keyed by a file-safe name."""
    i18n.check_lang(lang)
    src, figs = res.source, {}
    levers = res.levers
    episodes = res.episodes
    if res.selectivity is not None and not res.selectivity.empty:
        baseline = str(res.manifest.get("design", {}).get("baseline", "baseline"))
        sel_src = F.Source(
            [baseline, *pd.unique(res.selectivity["lever"])], src.replications, src.seeds,
            src.version,
        )  # fmt: skip
        figs["selectivity"] = F.selectivity_heatmap(res.selectivity, lang, source=sel_src)
    if res.crackdown is not None:
        for outcome in pd.unique(res.crackdown["outcome"]):
            figs[f"campaign_gap_{outcome}"] = F.paired_difference_over_time(
                res.crackdown, str(outcome), lang, episodes=episodes,
                deterrence=res.deterrence, source=src,
            )  # fmt: skip
    if res.steps is not None and not levers:
        for outcome in ("initiative_rate", "error_rate", "misconduct_rate"):
            figs[f"over_time_{outcome}"] = F.outcome_over_time(
                res.steps, outcome, lang, source=src, episodes=episodes
            )
    if res.comparison is not None:
        for outcome in ("initiative_rate", "error_rate"):
            if (res.comparison["outcome"] == outcome).any():
                figs[f"by_type_{outcome}"] = F.outcome_by_type(
                    res.comparison, outcome, lang, source=src
                )
    elif res.runs is not None and not levers:
        for outcome in ("initiative_rate", "error_rate"):
            figs[f"by_type_{outcome}"] = F.outcome_by_type(res.runs, outcome, lang, source=src)
    if res.runs is not None and levers:
        for lever in levers[:3]:
            safe = lever.replace(".", "_")
            figs[f"dose_{safe}"] = F.dose_response(
                res.runs, lever, "initiative_rate", lang, source=src
            )
        if len(levers) >= 2:
            figs["heatmap_initiative_rate"] = F.lever_heatmap(
                res.runs, levers[0], levers[1], "initiative_rate", lang, source=src
            )
        figs["tradeoff"] = F.tradeoff(res.runs, lang, source=src)
    if res.sensitivity is not None:
        sens = res.sensitivity
        for method, fn in (("sobol", F.sobol_indices), ("morris", F.morris_screening)):
            rows = sens[sens["method"] == method]
            for outcome in ordered(pd.unique(rows["outcome"]))[:2]:
                figs[f"{method}_{outcome}"] = fn(sens, outcome, lang, source=src)
    if res.steps is not None:
        figs["type_composition"] = F.type_composition(
            res.steps, lang, source=src, episodes=episodes
        )
    net = network_figure(res, lang)
    if net is not None:
        figs["network"] = net
    return figs


def _ci_cell(mean: float, low: float, high: float) -> str:
    if pd.isna(low) or pd.isna(high):  # one replication: no interval
        return f"{mean:.3f}"
    return f"{mean:.3f} [{low:.3f}, {high:.3f}]"


def summary_tables(res: Results, lang: str) -> list[tuple[str, pd.DataFrame]]:
    """(caption, table) pairs: regime means with CIs, differences, design, sensitivity."""
    out: list[tuple[str, pd.DataFrame]] = []
    ci = i18n.text("ci", lang)
    if res.selectivity is not None and not res.selectivity.empty:
        out.append((i18n.text("selectivity_table", lang), selectivity_cells(res.selectivity, lang)))
    if res.deterrence is not None and not res.deterrence.empty:
        out.append(
            (
                i18n.text("deterrence_table", lang),
                deterrence_cells(res.deterrence, res.crackdown, lang),
            )
        )
    if res.comparison is not None:
        c = res.comparison[res.comparison["grouping"] == "all"]
        c = c[c["outcome"].isin(KEY_OUTCOMES)]
        for value, key in (("mean", "mean"), ("diff", "diff")):
            if value not in c or c[value].isna().all():
                continue
            cells = c.assign(
                cell=[
                    _ci_cell(m, lo, hi)
                    for m, lo, hi in zip(
                        c[value], c[f"{value}_low" if value == "diff" else "ci_low"],
                        c[f"{value}_high" if value == "diff" else "ci_high"], strict=True,
                    )
                ]
            )  # fmt: skip
            t = cells.pivot(index="regime", columns="outcome", values="cell")
            t = t.reindex(index=pd.unique(c["regime"]), columns=ordered(t.columns))
            t.columns.name = None
            out.append((f"{i18n.text(key, lang)} [{ci}]", _localise(t, lang)))
    elif res.runs is not None:
        rows = res.runs[res.runs["grouping"] == "all"]
        keys = F.point_keys(rows) if res.levers else [F._regime_col(rows)]
        cells = {}
        replicated = (res.source.replications or 1) > 1
        for outcome in [o for o in KEY_OUTCOMES if o in rows]:
            s = mean_ci(rows, keys, outcome)
            if not replicated:
                s[["ci_low", "ci_high"]] = np.nan
            cells[outcome] = [
                _ci_cell(*v) for v in s[["mean", "ci_low", "ci_high"]].itertuples(index=False)
            ]
        t = pd.DataFrame(
            cells, index=pd.MultiIndex.from_frame(s[keys]) if len(keys) > 1 else s[keys[0]]
        )
        caption = f"{i18n.text('mean', lang)} [{ci}]" if replicated else RT.t("mean_one", lang)
        out.append((caption, _localise(t.head(MAX_TABLE_ROWS), lang)))
    if res.sensitivity is not None:
        cols = [c for c in ("S1", "S1_conf", "ST", "ST_conf", "mu_star", "mu_star_conf", "sigma")
                if c in res.sensitivity]  # fmt: skip
        t = res.sensitivity.set_index(["method", "outcome", "parameter"])[cols].round(3)
        out.append(("Sobol / Morris", t))
    return out


def _pct_cell(mean: float, low: float, high: float) -> str:
    if pd.isna(low):
        return f"{100 * mean:+.1f}%"
    return f"{100 * mean:+.1f}% [{100 * low:+.1f}, {100 * high:+.1f}]"


def _ratio_cell(r: float, low: float, high: float) -> str:
    def one(x: float) -> str:
        return "∞" if np.isinf(x) else f"{x:.2f}"

    if pd.isna(r):
        return "—"
    return one(r) if pd.isna(low) else f"{one(r)} [{one(low)}, {one(high)}]"


def selectivity_cells(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The selectivity matrix as text: lever rows, type columns (relative gain [95% CI], the
    target cell marked ◆), then the target, the top type, its ratio to the next, on target."""
    levers = list(dict.fromkeys(table["lever"]))
    types = list(dict.fromkeys(table["type"]))
    rows = []
    for lever in levers:
        d = table[table["lever"] == lever].set_index("type")
        row: dict[str, str] = {}
        for t in types:
            cell = _pct_cell(d.loc[t, "rel_gain"], d.loc[t, "rel_low"], d.loc[t, "rel_high"])
            row[i18n.type_label(t, lang)] = f"◆ {cell}" if d.loc[t, "is_target"] else cell
        first = d.iloc[0]
        target = first["target_type"]
        row[i18n.text("target_type", lang)] = (
            "—" if target is None or pd.isna(target) else i18n.type_label(str(target), lang)
        )
        top = i18n.type_label(str(first["top_type"]), lang)
        if first["direction"] == "fall":
            top += f" ({i18n.text('fall', lang)})"
        row[i18n.text("top_type", lang)] = top
        row[i18n.text("ratio_next", lang)] = _ratio_cell(
            first["ratio_to_next"], first["ratio_low"], first["ratio_high"]
        )
        verdict = first["top_is_target"]
        row[i18n.text("on_target", lang)] = (
            "—" if pd.isna(verdict) else i18n.text("yes" if verdict else "no", lang)
        )
        rows.append(row)
    out = pd.DataFrame(rows, index=[i18n.regime_label(lv, lang) for lv in levers])
    out.index.name = i18n.text("lever", lang)
    return out


def _months(x: float, months_after: int) -> str:
    return f">{months_after}" if np.isinf(x) else f"{x:.0f}"


def deterrence_cells(det: pd.DataFrame, gaps: pd.DataFrame | None, lang: str) -> pd.DataFrame:
    """Per outcome: the campaign's gap [95% CI], the gap 1, 3, 6 and 12 months after, and the
    half-life [bootstrap 95% CI]."""
    rows = []
    g = gaps.set_index(["outcome", "step"]) if gaps is not None else None
    for r in det.itertuples(index=False):
        last = int(r.campaign_last)
        gap = f"{r.gap:+.4f}"
        if pd.notna(r.gap_low):
            gap += f" [{r.gap_low:+.4f}, {r.gap_high:+.4f}]"
        row = {i18n.text("gap_col", lang, a=r.reference_from, b=last): gap}
        for a in (1, 3, 6, 12):
            if g is not None and (r.outcome, last + a) in g.index:
                row[i18n.text("after_col", lang, a=a)] = (
                    f"{g.loc[(r.outcome, last + a), 'diff']:+.4f}"
                )
        hl = _months(r.half_life, r.months_after)
        if pd.notna(r.half_life_low):
            lo, hi = (_months(x, r.months_after) for x in (r.half_life_low, r.half_life_high))
            hl += f" [{lo}, {hi}]"
        row[i18n.text("half_life_col", lang, m=last)] = hl
        rows.append(row)
    out = pd.DataFrame(rows, index=[i18n.outcome_name(str(o), lang) for o in det["outcome"]])
    out.index.name = i18n.text("outcome", lang)
    return out


def _localise(t: pd.DataFrame, lang: str) -> pd.DataFrame:
    t = t.rename(columns=lambda o: i18n.outcome_name(str(o), lang))
    if isinstance(t.index, pd.MultiIndex):
        t.index = t.index.set_names([i18n.param_name(str(n), lang) for n in t.index.names])
        return t
    t.index = [i18n.regime_label(str(r), lang) for r in t.index]
    t.index.name = i18n.text("regime", lang)
    return t


TIME_SERIES = ("over_time_", "campaign_gap_", "type_composition")


def render_html(res: Results, figs: dict[str, go.Figure], lang: str, static: Sequence[Path]) -> str:
    m = res.manifest
    name = str(m.get("name") or m.get("experiment") or res.folder.name)
    src = res.source
    cfg = resolved_config(res)
    figures = []
    for key, fig in figs.items():
        if key == "network":
            continue
        div = figure_html(fig, f"fig-{key}", {"displaylogo": False, "responsive": True})
        note = None
        if key.startswith(TIME_SERIES) and not any(f["note"] for f in figures):
            note = cycle_note(cfg, lang)  # once, under the first time series
        figures.append({"html": div, "note": note})
    tables = [
        {"caption": caption, "html": table_html(table, border=0, na_rep="—")}
        for caption, table in summary_tables(res, lang)
    ]
    findings, findings_note = key_findings(res, lang)
    full = json.dumps(cfg, indent=2, ensure_ascii=False, default=str) if cfg else ""
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    colon = "：" if lang == "zh" else ": "
    context = {
        "title": i18n.text("title", lang, name=name),
        "meta": [f"{RT.t('generated', lang)}{colon}{generated} · cadresim {src.version}"],
        "t": Labels(lambda key: RT.t(key, lang)),
        "question": question(m, res.kind, lang),
        "findings": findings,
        "findings_note": findings_note,
        "config_rows": config_rows(res, lang),
        "full_config": full,
        "regimes": regimes(res, lang),
        "varied": varied(res, lang),
        "design_table": design_table(res, lang),
        "design_points": len(res.design) if res.design is not None else 0,
        "figures": figures,
        "static": [{"href": os.path.relpath(p, res.folder), "name": p.name} for p in static],
        "org": organisation_section(res, figs.get("network"), lang),
        "tables": tables,
        "glossary_intro": glossary_intro(cfg, lang),
        "glossary": [
            {"key": o, "name": i18n.outcome_name(o, lang), "text": RT.glossary(o, lang)}
            for o in shown_outcomes(res)
        ],
        "methods": methods_text(res, figs, lang),
    }  # fmt: skip
    return render("report.html.j2", lang, **context)


def check_target(target: Path, key: str) -> None:
    """Refuse, before any work, an output path that is a folder or lies under a file."""
    if target.is_dir():
        raise ReportError(f"{key} {str(target)!r} is a folder; give an HTML file path")
    if target.exists() and target.suffix.lower() not in (".html", ".htm"):
        raise ReportError(
            f"{key} {str(target)!r} exists and is not an .html file; a report never "
            "overwrites other files (give an .html path)"
        )
    for parent in target.parents:
        if parent.exists():
            if not parent.is_dir():
                raise ReportError(f"{key} {str(target)!r}: {str(parent)!r} is a file, not a folder")
            if not os.access(parent, os.W_OK | os.X_OK):
                raise ReportError(f"{key} {str(target)!r}: folder {str(parent)!r} is not writable")
            break


def write_report(
    folder: str | Path,
    lang: str = "en",
    static: str | Sequence[str] = (),
    out: str | Path | None = None,
    static_files: list[Path] | None = None,
) -> Path:
    """Write the HTML report of `folder` (default: folder/report.LANG.html) and, if asked,
    static PNG/SVG/PDF copies of every figure in folder/figures/LANG/ (each checked, and listed
    into `static_files`). Returns the HTML path.

    Raises ReportError (bad folder) or ValueError (bad lang or format) before writing anything,
    and StaticExportFailed after writing the HTML if a static figure is missing.
    """
    i18n.check_lang(lang)
    formats = parse_formats(static)
    res = load_results(folder)
    target = Path(out) if out else res.folder / f"report.{lang}.html"
    check_target(target, "--out" if out else "report")
    try:
        figs = build_figures(res, lang)
    except (KeyError, IndexError, TypeError) as exc:  # a table whose values do not fit
        raise ReportError(f"cannot draw the figures of {str(res.folder)!r}: {exc!r}") from None
    written: list[Path] = []
    export_failed: ExportError | None = None
    if formats:
        try:
            written = export_figures(figs, target.parent / "figures" / lang, formats)
        except ExportError as exc:
            export_failed = exc
    text = render_html(res, figs, lang, written)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise ReportError(f"cannot write the report to {str(target)!r}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, file_mode())  # mkstemp makes it private; a report is shared like any file
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    if static_files is not None:
        static_files.extend(written)
    if export_failed is not None:  # the HTML is written; the static copies are not all there
        raise StaticExportFailed(target, str(export_failed))
    return target


class StaticExportFailed(ExportError):
    """The HTML report was written but a static figure was not: the caller exits non-zero."""

    def __init__(self, report: Path, message: str) -> None:
        super().__init__(message)
        self.report = report
