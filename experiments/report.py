"""One self-contained HTML report of an experiment results folder, in English or Chinese.

    write_report("results/compare-2024", lang="zh", static=("png", "svg"))

The report holds the question, key findings read from the numbers and their intervals, what
varied, the regimes or design, every figure the folder's tables allow, the user's organisation,
summary tables, a glossary of the outcomes and a methods note for the kind of experiment. It is
rendered by a jinja2 template with autoescape (templates/report.html.j2); plotly.js is inlined
once, so the file opens offline. Static copies of the figures (kaleido 1.x + Chromium) go to
`figures/<lang>/` next to it; without a browser, a message says how to get one and the HTML is
still written. The work is bounded: the network is drawn at month 0 from at most
`figures.MAX_NODES` cadres, never by re-running the simulation.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import pandas as pd
import plotly.graph_objects as go
from markupsafe import Markup
from plotly.offline import get_plotlyjs

from . import report_findings as KF
from . import report_text as RT
from .charts import figures as F
from .charts import i18n
from .charts.export import ExportError, export_figures, parse_formats
from .charts.palette import FONT_FAMILY
from .charts.stats import mean_ci

KEY_OUTCOMES = (
    "initiative_rate",
    "success_rate",
    "error_rate",
    "misconduct_rate",
    "sanction_rate",
    "tolerated_rate",
    "wrongful_sanction_rate",
    "value",
)
TABLE_FILES = (
    "runs", "comparison", "design", "sensitivity", "pareto", "selectivity", "crackdown",
    "deterrence",
)  # fmt: skip
ORG_TABLES = ("units", "levels")  # per-unit and per-level outcomes, when the run wrote them
# Columns a table must have for the report to use it (a folder from elsewhere may lack them).
REQUIRED = {
    "steps": ("step", "grouping", "type"),
    "runs": ("grouping", "type"),
    "comparison": ("regime", "grouping", "type", "outcome", "mean", "ci_low", "ci_high"),
    "sensitivity": ("method", "outcome", "parameter"),
    "selectivity": ("lever", "type", "rel_gain", "rel_low", "rel_high", "is_target"),
    "crackdown": ("step", "outcome", "diff", "diff_low", "diff_high"),
    "deterrence": ("outcome", "gap", "gap_low", "gap_high", "half_life", "campaign_last"),
}
MAX_TABLE_ROWS = 30
NETWORK_MAX_CADRES = 259  # a 6-span hierarchy of four full levels: legible in one figure


class ReportError(ValueError):
    """The folder cannot be reported on (missing, or without result tables)."""


@dataclass
class Results:
    """The tables of one results folder (None where the folder lacks one)."""

    folder: Path
    manifest: dict[str, Any] = field(default_factory=dict)
    steps: pd.DataFrame | None = None
    runs: pd.DataFrame | None = None
    comparison: pd.DataFrame | None = None
    design: pd.DataFrame | None = None
    sensitivity: pd.DataFrame | None = None
    pareto: pd.DataFrame | None = None
    selectivity: pd.DataFrame | None = None  # lever_by_type
    crackdown: pd.DataFrame | None = None  # crackdown: monthly paired differences
    deterrence: pd.DataFrame | None = None  # crackdown: campaign gap and half-life
    units: pd.DataFrame | None = None  # per-unit outcomes (org charts), when written
    levels: pd.DataFrame | None = None  # per-level outcomes, when written
    org_notes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    @property
    def kind(self) -> str:
        kind = self.manifest.get("kind") or self.manifest.get("experiment")
        if kind:
            return str(kind)
        return "single" if (self.source.replications or 1) == 1 else ""

    @property
    def levers(self) -> list[str]:
        """Varied parameters with more than one value."""
        table = self.runs if self.runs is not None else self.steps
        if table is None:
            return []
        return [c for c in F.varied_params(table) if table[c].nunique() > 1]

    @property
    def source(self) -> F.Source:
        for table in (self.runs, self.steps, self.comparison):
            if table is not None:
                src = F.Source.of(table)
                break
        else:
            src = F.Source()
        seeds = self.manifest.get("seeds") or self.manifest.get("replicate_seeds")
        if not src.seeds and isinstance(seeds, list):
            src.seeds = [int(s) for s in seeds if isinstance(s, int | float)]
        if self.manifest.get("version"):
            src.version = str(self.manifest["version"])
        return src

    @property
    def episodes(self) -> list[F.Episode]:
        """The policy.schedule episodes of the runs, for shading time-series charts."""
        return schedule_episodes(self.manifest)


def schedule_episodes(manifest: dict[str, Any]) -> list[F.Episode]:
    """(start, end, label, regimes) of every policy.schedule episode of the folder's runs, from
    each regime's config in the manifest (or the run's config): PolicyTimeline's
    episodes_for_report(). `regimes` names the regimes that have the episode when not all do
    (a crackdown's campaign arm), else is empty."""
    from cadresim.model.config import ConfigError, to_config  # noqa: PLC0415
    from cadresim.policies.schedule import PolicyTimeline  # noqa: PLC0415

    regimes = manifest.get("regimes")
    configs = {
        str(name): r["config"]
        for name, r in (regimes.items() if isinstance(regimes, dict) else ())
        if isinstance(r, dict) and isinstance(r.get("config"), dict)
    }
    if not configs and isinstance(manifest.get("config"), dict):
        configs = {"": manifest["config"]}
    found: dict[tuple[int, int, str], list[str]] = {}
    for name, cfg in configs.items():
        if not (cfg.get("policy") or {}).get("schedule"):
            continue
        try:
            episodes = PolicyTimeline(to_config(cfg)).episodes_for_report()
        except (ConfigError, TypeError, ValueError, KeyError):  # a folder from another version
            continue
        for episode in episodes:
            found.setdefault(episode, []).append(name)
    return [
        (start, end, label, [] if len(names) == len(configs) else names)
        for (start, end, label), names in sorted(found.items())
    ]


def load_results(folder: str | Path) -> Results:
    """Read every contract table present in `folder`; ReportError (one line) if the folder is
    missing, its manifest is not a JSON object, a table cannot be read or lacks its columns, or
    there is no table at all."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ReportError(f"{str(folder)!r} is a file, not a results folder")
    if not folder.is_dir():
        raise ReportError(f"results folder {str(folder)!r} does not exist")
    res = Results(folder)
    manifest = folder / "manifest.json"
    current = manifest
    try:
        if manifest.is_file():
            res.manifest = json.loads(manifest.read_text(encoding="utf-8"))
            if not isinstance(res.manifest, dict):
                raise ReportError(
                    f"{manifest} is not a JSON object (found a {type(res.manifest).__name__}); "
                    "expected the manifest an experiment writes"
                )
        current = folder / "steps"
        if (folder / "steps").is_dir() and any((folder / "steps").glob("*.parquet")):
            res.steps = pd.read_parquet(folder / "steps")
        elif (folder / "steps.parquet").is_file():  # a single run written by simulate().write
            current = folder / "steps.parquet"
            res.steps = _single_run(folder, res)
        for name in (*TABLE_FILES, *ORG_TABLES):
            for path in (folder / f"{name}.parquet", folder / name):
                current = path
                if path.is_file() or (path.is_dir() and any(path.glob("*.parquet"))):
                    setattr(res, name, pd.read_parquet(path))
                    break
    except ReportError:
        raise
    except (OSError, ValueError) as exc:
        detail = " ".join(str(exc).split())[:200]
        raise ReportError(f"cannot read {current}: {detail}") from None
    for name, columns in REQUIRED.items():
        table = getattr(res, name)
        missing = [c for c in columns if table is not None and c not in table]
        if missing:
            raise ReportError(
                f"{folder / name} lacks column(s) {', '.join(missing)}; it is not a cadresim "
                f"{name} table"
            )
    if all(getattr(res, n) is None for n in ("steps", *TABLE_FILES)):
        raise ReportError(
            f"results folder {str(folder)!r} holds no result tables (expected steps/, "
            "runs.parquet, comparison.parquet or sensitivity.parquet, or a run's steps.parquet)"
        )
    if res.runs is None and res.steps is not None:
        res.runs = runs_from_steps(res.steps, _summary_from(res.manifest))
    return res


def _single_run(folder: Path, res: Results) -> pd.DataFrame:
    steps = pd.read_parquet(folder / "steps.parquet")
    steps["run_id"], steps["replicate"] = 0, 0
    summary = folder / "summary.json"
    if summary.is_file() and not res.manifest:
        s = json.loads(summary.read_text(encoding="utf-8"))
        if not isinstance(s, dict):
            raise ReportError(f"{summary} is not a JSON object")
        res.manifest = {"name": folder.name, "kind": "single", "config": s.get("config", {}),
                        "seeds": [s.get("seed", 0)], "versions": s.get("versions")}  # fmt: skip
    return steps


def _summary_from(manifest: dict[str, Any]) -> float:
    cfg = manifest.get("config")
    try:
        return float(cfg.get("summary_from", 0.5)) if isinstance(cfg, dict) else 0.5
    except (TypeError, ValueError):
        return 0.5


def runs_from_steps(steps: pd.DataFrame, summary_from: float = 0.5) -> pd.DataFrame:
    """The runs table (summary-window means per run x grouping x type) from a steps table."""
    last = steps.groupby("run_id" if "run_id" in steps else "seed")["step"].transform("max")
    window = steps[steps["step"] >= ((summary_from * last).astype(int) + 1).clip(upper=last)]
    keys = [c for c in steps.columns if c in ("run_id", "replicate", "seed", "policy")]
    keys += [*F.varied_params(steps), "grouping", "type"]
    values = [c for c in steps.columns if c in i18n.OUTCOMES]
    return window.groupby(keys, observed=True, sort=False)[values].mean().reset_index()


# ------------------------------------------------------------------ figures


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
            for outcome in _ordered(pd.unique(rows["outcome"]))[:2]:
                figs[f"{method}_{outcome}"] = fn(sens, outcome, lang, source=src)
    if res.steps is not None:
        figs["type_composition"] = F.type_composition(
            res.steps, lang, source=src, episodes=episodes
        )
    net = _network_figure(res, lang)
    if net is not None:
        figs["network"] = net
    return figs


def _ordered(outcomes: Any) -> list[str]:
    """Key outcomes first, in their usual order."""
    found = [str(o) for o in outcomes]
    return [o for o in KEY_OUTCOMES if o in found] + [o for o in found if o not in KEY_OUTCOMES]


def _network_figure(res: Results, lang: str) -> go.Figure | None:
    """The organisation at month 0, coloured by initial type: the user's own org chart
    (network=file) in full up to `figures.MAX_NODES` cadres, else an illustrative organisation
    of at most NETWORK_MAX_CADRES built from the run's network settings. The model is only
    initialised, never stepped, so the work does not grow with the run's length."""
    cfg_dict = _config(res)
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


# ------------------------------------------------------------------ tables


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
            t = t.reindex(index=pd.unique(c["regime"]), columns=_ordered(t.columns))
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


# ------------------------------------------------------------------ HTML

CSS = f"""
body {{ font-family: {FONT_FAMILY}; margin: 0 auto; max-width: 1100px; padding: 24px;
       color: #222; line-height: 1.5; }}
h1 {{ font-size: 26px; }} h2 {{ border-bottom: 1px solid #ddd; padding-bottom: 4px; }}
table {{ border-collapse: collapse; font-size: 13px; margin: 8px 0 20px; }}
th, td {{ border: 1px solid #ddd; padding: 3px 8px; text-align: right; }}
th {{ background: #f5f5f5; }} td:first-child, th:first-child {{ text-align: left; }}
.figure {{ margin: 18px 0 30px; }} .meta, .note {{ color: #666; font-size: 13px; }}
.findings li {{ margin-bottom: 6px; }} dt {{ font-weight: bold; margin-top: 8px; }}
dd {{ margin-left: 18px; }} table.config td {{ text-align: left; }}
pre {{ background: #f7f7f7; padding: 10px; overflow-x: auto; font-size: 12px; }}
"""
TIME_SERIES = ("over_time_", "campaign_gap_", "type_composition")
_ENV: jinja2.Environment | None = None


def template() -> jinja2.Template:
    """The report template, autoescaped: every label, regime name and note is escaped unless it
    is marked as HTML (plotly's figure divs and pandas' tables, which escape their own text)."""
    global _ENV
    if _ENV is None:
        _ENV = jinja2.Environment(
            loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=True,
        )
    return _ENV.get_template("report.html.j2")


class _Labels(dict):
    """`t.key` in the template: the report string `key` in one language."""

    def __init__(self, lang: str) -> None:
        super().__init__()
        self.lang = lang

    def __getattr__(self, key: str) -> str:
        return RT.t(key, self.lang)


def render_html(res: Results, figs: dict[str, go.Figure], lang: str, static: Sequence[Path]) -> str:
    m = res.manifest
    name = str(m.get("name") or m.get("experiment") or res.folder.name)
    src = res.source
    cfg = _config(res)
    figures = []
    for key, fig in figs.items():
        if key == "network":
            continue
        div = fig.to_html(
            full_html=False, include_plotlyjs=False, div_id=f"fig-{key}",
            config={"displaylogo": False, "responsive": True},
        )  # fmt: skip
        note = None
        if key.startswith(TIME_SERIES) and not any(f["note"] for f in figures):
            note = _cycle_note(cfg, lang)  # once, under the first time series
        figures.append({"html": Markup(div), "note": note})
    tables = [
        {"caption": caption, "html": Markup(table.to_html(border=0, na_rep="—"))}
        for caption, table in summary_tables(res, lang)
    ]
    findings, findings_note = key_findings(res, lang)
    full = json.dumps(cfg, indent=2, ensure_ascii=False, default=str) if cfg else ""
    context = {
        "html_lang": "zh-CN" if lang == "zh" else "en",
        "colon": "：" if lang == "zh" else ": ",
        "title": i18n.text("title", lang, name=name),
        "css": Markup(CSS),
        "plotlyjs": Markup(get_plotlyjs()),
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "version": src.version,
        "t": _Labels(lang),
        "question": _question(m, res.kind, lang),
        "findings": findings,
        "findings_note": findings_note,
        "config_rows": config_rows(res, lang),
        "full_config": full,
        "regimes": _regimes(res, lang),
        "varied": _varied(res, lang),
        "design_table": _design_table(res, lang),
        "design_points": len(res.design) if res.design is not None else 0,
        "figures": figures,
        "static": [{"href": os.path.relpath(p, res.folder), "name": p.name} for p in static],
        "org": organisation_section(res, figs.get("network"), lang),
        "tables": tables,
        "glossary_intro": _glossary_intro(cfg, lang),
        "glossary": [
            {"key": o, "name": i18n.outcome_name(o, lang), "text": RT.glossary(o, lang)}
            for o in _shown_outcomes(res)
        ],
        "methods": methods_text(res, figs, lang),
    }  # fmt: skip
    return template().render(**context)


def _config(res: Results) -> dict[str, Any]:
    """The resolved config of the folder: the manifest's, else its first regime's."""
    cfg = res.manifest.get("config")
    if isinstance(cfg, dict) and cfg:
        return cfg
    regimes = res.manifest.get("regimes")
    if isinstance(regimes, dict):
        for r in regimes.values():
            if isinstance(r, dict) and isinstance(r.get("config"), dict):
                return r["config"]
    return {}


def _get(cfg: dict[str, Any], dotted: str, default: Any = None) -> Any:
    node: Any = cfg
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return default
        node = node[part]
    return node


def _int(x: Any, default: int) -> int:
    try:
        return int(x)
    except (TypeError, ValueError):
        return default


def summary_window(cfg: dict[str, Any]) -> tuple[int, int]:
    """(first, last) month of the summary window, as the runs table averages them."""
    steps = max(_int(_get(cfg, "steps"), 0), 1)
    try:
        frm = float(_get(cfg, "summary_from", 0.5))
    except (TypeError, ValueError):
        frm = 0.5
    return min(int(frm * steps) + 1, steps), steps


def _cycle_note(cfg: dict[str, Any], lang: str) -> str:
    return RT.t("cycle_note", lang, cycle=_int(_get(cfg, "policy.evaluation.cycle"), 12))


def _glossary_intro(cfg: dict[str, Any], lang: str) -> str:
    a, b = summary_window(cfg)
    pct = round(100 * (b - a + 1) / b) if b else 50
    return RT.t("glossary_window", lang, a=a, b=b, pct=pct)


def _shown_outcomes(res: Results) -> list[str]:
    """Every outcome the report's tables hold, key outcomes first."""
    found: set[str] = set()
    for table in (res.runs, res.steps):
        if table is not None:
            found |= {c for c in table.columns if c in i18n.OUTCOMES}
    for table in (res.comparison, res.crackdown, res.deterrence, res.sensitivity):
        if table is not None and "outcome" in table:
            found |= {str(o) for o in pd.unique(table["outcome"]) if o in i18n.OUTCOMES}
    return _ordered(sorted(found, key=list(i18n.OUTCOMES).index))


def _question(m: dict[str, Any], kind: str, lang: str) -> str:
    """The user's question, else the experiment's: in Chinese from report_text (manifests
    carry English descriptions), in English from the manifest."""
    asked = m.get("question")
    if isinstance(asked, str) and asked:
        return asked
    if lang == "zh":
        return RT.question(kind, lang) or i18n.text("no_question", lang)
    desc = m.get("description")
    if isinstance(desc, str) and desc:
        return desc
    return RT.question(kind, lang) or i18n.text("no_question", lang)


def _regime_names(res: Results) -> list[str]:
    table = res.runs if res.runs is not None else res.steps
    if table is not None and F._regime_col(table) in table:
        return [str(r) for r in pd.unique(table[F._regime_col(table)])]
    if res.comparison is not None:
        return [str(r) for r in pd.unique(res.comparison["regime"])]
    return []


def _regimes(res: Results, lang: str) -> list[dict[str, str]]:
    return [
        {
            "name": r,
            "label": i18n.regime_label(r, lang),
            "description": RT.regime_description(
                r.removesuffix(i18n.CAMPAIGN_SUFFIX), _describe(res, r), lang
            ),
        }
        for r in _regime_names(res)
    ]


def _design(res: Results) -> dict[str, Any]:
    d = res.manifest.get("design")
    return d if isinstance(d, dict) else {}


def _lever_specs(res: Results) -> list[tuple[str, str, str]]:
    """(key, role, 'lo – hi' or the values) of every varied factor: from the manifest's design,
    else the ranges seen in the runs table."""
    out = []
    for role in ("levers", "uncertainties"):
        for spec in _design(res).get(role) or []:
            if not isinstance(spec, dict) or "key" not in spec:
                continue
            if "values" in spec and isinstance(spec["values"], list):
                span = ", ".join(F._fmt(v) for v in spec["values"])
            else:
                span = f"{F._fmt(spec.get('lo'))} – {F._fmt(spec.get('hi'))}"
            out.append((str(spec["key"]), role, span))
    if not out:
        table = res.runs if res.runs is not None else res.steps
        for k in res.levers:
            out.append((k, "levers", f"{table[k].min():.3g} – {table[k].max():.3g}"))
    return out


def _varied(res: Results, lang: str) -> list[str]:
    return [f"{i18n.param_label(k, lang)} ({k}): {span}" for k, _, span in _lever_specs(res)]


def config_rows(res: Results, lang: str) -> list[tuple[str, str]]:
    """What the reader needs to know varied and what held: the regimes (not one regime's
    name), levers with their ranges, replications and seeds, population, network, months."""
    cfg, src, design = _config(res), res.source, _design(res)
    t = partial(RT.t, lang=lang)
    kind = RT.named(RT.KINDS, res.kind, lang)
    rows = [(i18n.text("kind", lang), f"{kind} ({res.kind})" if kind != res.kind else kind)]
    regimes = _regime_names(res)
    sep = "、" if lang == "zh" else ", "
    if len(regimes) > 1:
        rows.append((i18n.text("regimes", lang), sep.join(i18n.regime_label(r, lang)
                                                           for r in regimes)))  # fmt: skip
        base = design.get("baseline")
        if isinstance(base, str):
            rows.append((t("baseline"), i18n.regime_label(base, lang)))
    elif regimes or _get(cfg, "policy.name"):
        policy = regimes[0] if regimes else str(_get(cfg, "policy.name"))
        rows.append((t("policy_row"), i18n.regime_label(policy, lang)))
    specs = _lever_specs(res)
    for role, key in (("levers", "levers_row"), ("uncertainties", "uncertainties_row")):
        items = [f"{i18n.param_name(k, lang)} {span}" for k, r, span in specs if r == role]
        if items:
            rows.append((t(key), "; ".join(items)))
    if isinstance(design.get("design"), str):
        points = design.get("points") or (len(res.design) if res.design is not None else "—")
        rows.append((t("design_kind"), f"{RT.named(RT.DESIGNS, design['design'], lang)}: " + t(
            "design_points_n", points=points, reps=design.get("replications", "—"))))  # fmt: skip
    campaign = design.get("campaign")
    if isinstance(campaign, dict) and "start" in campaign:
        rows.append((t("campaign_row"), i18n.text(
            "episode", lang, label=i18n.episode_label(str(campaign.get("label", "")), lang),
            a=campaign["start"], b=_int(campaign.get("end"), 0) - 1)))  # fmt: skip
    rows.append((t("replications"), str(src.replications or "—")))
    seeds = F.format_seeds(src.seeds, lang)
    if len(src.seeds) > 1 and "(" not in seeds:
        seeds += f" ({RT.t('n_seeds', lang, n=len(src.seeds))})"
    rows.append((t("seeds"), seeds))
    if _get(cfg, "population.size") is not None:
        rows.append((t("population"), str(_get(cfg, "population.size"))))
    kind = _get(cfg, "network.kind")
    if kind == "file":
        rows.append((t("network"), t("network_file", path=_get(cfg, "network.path", "—"))))
    elif kind:
        rows.append((t("network"), RT.named(RT.NETWORKS, str(kind), lang)))
    if _get(cfg, "steps") is not None:
        a, b = summary_window(cfg)
        rows += [
            (t("months"), str(_get(cfg, "steps"))),
            (t("window"), t("window_months", a=a, b=b)),
            (t("cycle"), t("cycle_months", cycle=_int(_get(cfg, "policy.evaluation.cycle"), 12))),
        ]
    return [(str(k), str(v)) for k, v in rows]


def _describe(res: Results, regime: str) -> str:
    """The regime's own (English) description: from its config in the manifest, else from the
    policy preset's YAML (read directly: composing a config per regime would take seconds)."""
    regimes = res.manifest.get("regimes")
    entry = regimes.get(regime) if isinstance(regimes, dict) else None
    desc = _get(entry.get("config", {}), "policy.description") if isinstance(entry, dict) else None
    if isinstance(desc, str) and desc:
        return desc
    preset = Path(__file__).resolve().parent.parent / "configs" / "policy" / f"{regime}.yaml"
    if regime not in i18n.REGIMES or not preset.is_file():  # an ad-hoc name: no description
        return ""
    import yaml  # noqa: PLC0415

    try:
        desc = yaml.safe_load(preset.read_text(encoding="utf-8")).get("description")
    except (OSError, ValueError, AttributeError, yaml.YAMLError):
        return ""
    return str(desc or "")


def key_findings(res: Results, lang: str) -> tuple[list[str], str]:
    """The findings the folder's tables support, and the note on how to read them."""
    baseline = str(_design(res).get("baseline") or "baseline")
    out: list[str] = []
    note = ""
    if res.selectivity is not None and not res.selectivity.empty:
        out += KF.selectivity_findings(res.selectivity, lang)
    if res.deterrence is not None and not res.deterrence.empty:
        out += KF.deterrence_findings(res.deterrence, lang)
    elif res.comparison is not None and res.selectivity is None:
        out += KF.comparison_findings(res.comparison, baseline, lang)
        note = RT.t("ci_note", lang, baseline=i18n.regime_label(baseline, lang))
    elif res.runs is not None and res.levers:
        out += KF.sweep_findings(res.runs, res.levers, res.sensitivity, res.pareto, lang)
    elif res.runs is not None and (res.source.replications or 0) <= 1:
        out += KF.single_findings(res.runs, summary_window(_config(res)), lang)
    return out, note


def methods_text(res: Results, figs: dict[str, go.Figure], lang: str) -> str:
    """The methods note of this kind of experiment, and the software that produced it."""
    m, src, design = res.manifest, res.source, _design(res)
    seeds = F.format_seeds(src.seeds, lang)
    reps = src.replications or "—"
    if res.sensitivity is not None:
        kind = "sensitivity"
    elif res.kind in ("compare_regimes", "lever_by_type", "crackdown", "single"):
        kind = res.kind
    elif res.levers:
        kind = "sweep"
    else:
        kind = "compare_regimes" if (src.replications or 0) > 1 else "single"
    heat = figs.get("heatmap_initiative_rate")
    fmt = {
        "reps": reps, "seeds": seeds, "steps": _get(_config(res), "steps", "—"),
        "rule": _half_life_rule(res, lang),
        "design": RT.named(RT.DESIGNS, str(design.get("design", "—")), lang),
        "points": design.get("points") or (len(res.design) if res.design is not None else "—"),
        "interp": RT.t("interp", lang) if heat is not None and len(heat.data) > 1 else "",
    }  # fmt: skip
    commit = m.get("git_commit") or m.get("commit")
    tail = RT.t(
        "tail", lang, version=src.version,
        commit=f" (git {str(commit)[:10]})" if commit else "",
        libs=_libraries(m.get("versions"), lang),
        mixed=i18n.text("mixed_versions", lang) if m.get("earlier_versions") else "",
    )  # fmt: skip
    return RT.t(kind, lang, **fmt) + tail


def _half_life_rule(res: Results, lang: str) -> str:
    """The half-life rule in `lang`, from the deterrence table (else the manifest's words)."""
    det = res.deterrence
    if det is not None and not det.empty and "reference_from" in det:
        row = det.iloc[0]
        return RT.t("half_life_rule", lang, a=row["reference_from"], b=int(row["campaign_last"]))
    return str(_design(res).get("half_life_rule", "—"))


def _libraries(versions: Any, lang: str) -> str:
    """' with Python 3.12, numpy 2.1, ...' from the manifest's versions (empty if absent)."""
    if not isinstance(versions, dict) or not versions:
        return ""
    sep = "、" if lang == "zh" else ", "
    libs = sep.join(f"{'Python' if k == 'python' else k} {v}" for k, v in versions.items())
    return i18n.text("with_libraries", lang, libs=libs)


# ------------------------------------------------------------------ organisation


def organisation_section(res: Results, fig: go.Figure | None, lang: str) -> dict[str, Any] | None:
    """The user's network and the per-unit / per-level tables, when the folder has them."""
    notes = list(res.org_notes)
    tables = []
    cfg = _config(res)
    for name, col, key in (("units", "unit", "units_table"), ("levels", "level", "levels_table")):
        table = getattr(res, name)
        if table is None or table.empty:
            continue
        a, b = summary_window(cfg)
        shown = org_table(table, col, a)
        caption = RT.t(key, lang, a=a, b=b)
        if len(shown) > MAX_TABLE_ROWS:
            caption += f" ({RT.t('rows_shown', lang, shown=MAX_TABLE_ROWS, n=len(shown))})"
        tables.append({
            "caption": caption,
            "html": Markup(_localise_org(shown.head(MAX_TABLE_ROWS), lang).to_html(
                border=0, na_rep="—", float_format="%.3f")),
        })  # fmt: skip
    if fig is None and not tables and not notes:
        return None
    div = None
    if fig is not None:
        div = Markup(
            fig.to_html(full_html=False, include_plotlyjs=False, div_id="fig-network",
                        config={"displaylogo": False, "responsive": True})
        )  # fmt: skip
    return {"figure": div, "notes": [RT.t(k, lang, **kw) for k, kw in notes], "tables": tables}


def _design_table(res: Results, lang: str) -> Markup | str:
    """The first design points, levers named in `lang` (the dotted key stays in the glossary of
    levers above it)."""
    if res.design is None:
        return ""
    t = res.design.head(MAX_TABLE_ROWS)
    t = t.rename(columns=lambda c: i18n.param_name(c, lang) if "." in str(c) else c)
    return Markup(t.to_html(border=0, index=False, float_format="%.3g"))


MEMBERS_SHOWN = 60  # characters of a unit's member list in the table


def org_table(table: pd.DataFrame, by: str, first_month: int) -> pd.DataFrame:
    """One row per unit (or level): its posts, levels, members (shortened) and summary-window
    rates as the run wrote them (units.parquet / levels.parquet); a per-step table is first
    averaged over the summary window (and over runs)."""
    if by not in table:
        return table
    outcomes = [c for c in table.columns if c in i18n.OUTCOMES]
    if "step" in table:
        rows = table[table["step"] >= first_month]
        return rows.groupby(by, sort=True, observed=True)[outcomes].mean()
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


# ------------------------------------------------------------------ entry point


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
) -> Path:
    """Write the HTML report of `folder` (default: folder/report.LANG.html) and, if asked,
    static PNG/SVG/PDF copies of every figure in folder/figures/LANG/. Returns the HTML path.

    Raises ReportError (bad folder) or ValueError (bad lang or format) before writing anything.
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
    if formats:
        try:
            written = export_figures(figs, target.parent / "figures" / lang, formats)
        except ExportError as exc:
            print(f"cadresim: warning: {exc}", file=sys.stderr)
    text = render_html(res, figs, lang, written)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise ReportError(f"cannot write the report to {str(target)!r}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a report is meant to be shared
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target
