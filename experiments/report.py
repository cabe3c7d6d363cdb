"""One self-contained HTML report of an experiment results folder, in English or Chinese.

    write_report("results/compare-2024", lang="zh", static=("png", "svg"))

The report holds the question, the config, the regimes or design, every figure the folder's
tables allow, summary tables and a methods note. plotly.js is inlined once, so the file opens
offline. Static copies of the figures (kaleido 1.x + Chromium) go to `figures/<lang>/` next to it;
without a browser, a message says how to get one and the HTML is still written.
"""

from __future__ import annotations

import html
import json
import os
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

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
        if not src.seeds and self.manifest.get("seeds"):
            src.seeds = [int(s) for s in self.manifest["seeds"]]
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
    """Read every contract table present in `folder`; ReportError if there is none."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ReportError(f"results folder {str(folder)!r} does not exist")
    res = Results(folder)
    manifest = folder / "manifest.json"
    try:
        if manifest.is_file():
            res.manifest = json.loads(manifest.read_text(encoding="utf-8"))
        if (folder / "steps").is_dir() and any((folder / "steps").glob("*.parquet")):
            res.steps = pd.read_parquet(folder / "steps")
        elif (folder / "steps.parquet").is_file():  # a single run written by simulate().write
            res.steps = _single_run(folder, res)
        for name in TABLE_FILES:
            path = folder / f"{name}.parquet"
            if path.is_file():
                setattr(res, name, pd.read_parquet(path))
    except (OSError, ValueError) as exc:
        raise ReportError(f"cannot read the tables in {str(folder)!r}: {exc}") from None
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
        res.manifest = {"name": folder.name, "kind": "single", "config": s.get("config", {}),
                        "seeds": [s.get("seed", 0)], "versions": s.get("versions")}  # fmt: skip
    return steps


def _summary_from(manifest: dict[str, Any]) -> float:
    cfg = manifest.get("config") or {}
    return float(cfg.get("summary_from", 0.5)) if isinstance(cfg, dict) else 0.5


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
    """The organisation of one illustrative run of the manifest's config (capped in size)."""
    cfg_dict = res.manifest.get("config")
    if not isinstance(cfg_dict, dict) or not cfg_dict:
        return None
    from cadresim.model.cadre_model import CadreModel  # noqa: PLC0415
    from cadresim.model.config import ConfigError, to_config  # noqa: PLC0415

    try:
        cfg = to_config(cfg_dict)
        cfg.population.size = min(cfg.population.size, NETWORK_MAX_CADRES)
        if cfg.network.kind == "file":
            return None
        model = CadreModel(cfg, agent_views=False, collect=False)
        for _ in range(cfg.steps):
            model.step()
    except (ConfigError, TypeError, ValueError, KeyError):
        return None
    return F.network(model, lang, colour_by="type")


# ------------------------------------------------------------------ tables


def _ci_cell(mean: float, low: float, high: float) -> str:
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
        for outcome in [o for o in KEY_OUTCOMES if o in rows]:
            s = mean_ci(rows, keys, outcome)
            cells[outcome] = [
                _ci_cell(*v) for v in s[["mean", "ci_low", "ci_high"]].itertuples(index=False)
            ]
        t = pd.DataFrame(
            cells, index=pd.MultiIndex.from_frame(s[keys]) if len(keys) > 1 else s[keys[0]]
        )
        out.append((f"{i18n.text('mean', lang)} [{ci}]", _localise(t.head(MAX_TABLE_ROWS), lang)))
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
.figure {{ margin: 18px 0 30px; }} .meta {{ color: #666; font-size: 13px; }}
pre {{ background: #f7f7f7; padding: 10px; overflow-x: auto; font-size: 12px; }}
"""


def render_html(res: Results, figs: dict[str, go.Figure], lang: str, static: Sequence[Path]) -> str:
    m = res.manifest
    e = html.escape
    name = str(m.get("name") or res.folder.name)
    src = res.source
    parts = [
        f'<!DOCTYPE html>\n<html lang="{"zh-CN" if lang == "zh" else "en"}">\n<head>',
        '<meta charset="utf-8">',
        f"<title>{e(i18n.text('title', lang, name=name))}</title>",
        f"<style>{CSS}</style>",
        f'<script type="text/javascript">{get_plotlyjs()}</script>',
        "</head>\n<body>",
        f"<h1>{e(i18n.text('title', lang, name=name))}</h1>",
        f'<p class="meta">{e(i18n.text("generated", lang))}: '
        f"{datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')} · cadresim {e(src.version)}</p>",
        f"<h2>{e(i18n.text('question', lang))}</h2>",
        f"<p>{e(_question(m, lang))}</p>",
        f"<h2>{e(i18n.text('config', lang))}</h2>",
        _config_html(res, lang),
        f"<h2>{e(i18n.text('design', lang))}</h2>",
        _design_html(res, lang),
        f"<h2>{e(i18n.text('figures', lang))}</h2>",
    ]
    for key, fig in figs.items():
        div = fig.to_html(
            full_html=False, include_plotlyjs=False, div_id=f"fig-{key}",
            config={"displaylogo": False, "responsive": True},
        )  # fmt: skip
        parts.append(f'<div class="figure">{div}</div>')
    if static:
        links = " · ".join(
            f'<a href="{e(os.path.relpath(p, res.folder))}">{e(p.name)}</a>' for p in static
        )
        parts.append(f"<p class='meta'>{e(i18n.text('static_files', lang))}: {links}</p>")
    parts.append(f"<h2>{e(i18n.text('tables', lang))}</h2>")
    for caption, table in summary_tables(res, lang):
        parts.append(f"<h3>{e(caption)}</h3>" + table.to_html(border=0, na_rep="—"))
    commit = m.get("git_commit") or m.get("commit")
    parts += [
        f"<h2>{e(i18n.text('methods', lang))}</h2>",
        "<p>"
        + e(
            i18n.text(
                "methods_text", lang, reps=src.replications or "—",
                seeds=F.format_seeds(src.seeds), version=src.version,
                commit=f" (git {str(commit)[:10]})" if commit else "",
                libs=_libraries(m.get("versions"), lang),
                mixed=i18n.text("mixed_versions", lang) if m.get("earlier_versions") else "",
            )
        )
        + "</p>",
        "</body>\n</html>\n",
    ]  # fmt: skip
    return "\n".join(parts)


def _libraries(versions: Any, lang: str) -> str:
    """' with Python 3.12, numpy 2.1, ...' from the manifest's versions (empty if absent)."""
    if not isinstance(versions, dict) or not versions:
        return ""
    sep = "、" if lang == "zh" else ", "
    libs = sep.join(f"{'Python' if k == 'python' else k} {v}" for k, v in versions.items())
    return i18n.text("with_libraries", lang, libs=libs)


def _question(m: dict[str, Any], lang: str) -> str:
    return str(m.get("question") or m.get("description") or i18n.text("no_question", lang))


def _config_html(res: Results, lang: str) -> str:
    m, e = res.manifest, html.escape
    rows = [(i18n.text("kind", lang), m.get("kind") or m.get("name") or "—")]
    cfg = m.get("config") if isinstance(m.get("config"), dict) else {}
    flat = _flatten(cfg)
    for key in ("policy.name", "population.name", "population.size", "network.name", "steps",
                "summary_from"):  # fmt: skip
        if key in flat:
            rows.append((key, flat[key]))
    body = "".join(f"<tr><td>{e(str(k))}</td><td>{e(str(v))}</td></tr>" for k, v in rows)
    table = (
        f"<table><tr><th>{e(i18n.text('key', lang))}</th><th>{e(i18n.text('value', lang))}</th>"
        f"</tr>{body}</table>"
    )
    if flat:
        full = json.dumps(cfg, indent=2, ensure_ascii=False, default=str)
        summary = e(i18n.text("full_config", lang))
        table += f"<details><summary>{summary}</summary><pre>{e(full)}</pre></details>"
    return table


def _flatten(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(_flatten(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def _design_html(res: Results, lang: str) -> str:
    e = html.escape
    table = res.runs if res.runs is not None else res.steps
    parts = []
    if table is not None and F._regime_col(table) in table:
        regimes = [str(r) for r in pd.unique(table[F._regime_col(table)])]
        items = "".join(
            f"<li><b>{e(i18n.regime_label(r, lang))}</b> <code>{e(r)}</code>{_describe(r)}</li>"
            for r in regimes
        )
        parts.append(f"<p>{e(i18n.text('regimes', lang))}:</p><ul>{items}</ul>")
    if res.levers and table is not None:
        ranges = "".join(
            f"<li>{e(i18n.param_label(k, lang))} <code>{e(k)}</code>: "
            f"{table[k].min():.3g} – {table[k].max():.3g} ({table[k].nunique()})</li>"
            for k in res.levers
        )
        parts.append(f"<p>{e(i18n.text('varied', lang))}:</p><ul>{ranges}</ul>")
    if res.design is not None:
        parts.append(
            f"<p>{e(i18n.text('design_points', lang))}: {len(res.design)}</p>"
            + res.design.head(MAX_TABLE_ROWS).to_html(border=0, index=False, float_format="%.3g")
        )
    return "\n".join(parts) or "<p>—</p>"


def _describe(regime: str) -> str:
    """The preset's own description, when the regime is a policy preset."""
    from cadresim.model.config import ConfigError, load_config  # noqa: PLC0415

    try:
        desc = load_config({"policy": regime}).policy.description
    except (ConfigError, Exception):  # an ad-hoc regime name is no preset: no description
        return ""
    return f" — {html.escape(desc)}" if desc else ""


# ------------------------------------------------------------------ entry point


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
    figs = build_figures(res, lang)
    written: list[Path] = []
    if formats:
        try:
            written = export_figures(figs, target.parent / "figures" / lang, formats)
        except ExportError as exc:
            print(f"cadresim: warning: {exc}", file=sys.stderr)
    text = render_html(res, figs, lang, written)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a report is meant to be shared
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target
