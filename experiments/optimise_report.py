"""Charts and the HTML report of an optimise folder (`cadresim report FOLDER` dispatches here).

parallel.html: one line per Pareto package across its levers and objectives (plotly
parallel coordinates); tradeoff.html: every candidate evaluated (grey) and the Pareto set on
the first two objectives, coloured by the third. Both load plotly.js from the folder
(plotly.min.js beside them), so they open offline.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from . import store

TEXT = {
    "en": {
        "title": "Policy search (optimise)",
        "setup": "Set-up",
        "constraints": "Constraints",
        "pareto": "Pareto set",
        "none": "met by no candidate: the packages shown are the least infeasible",
        "met": "met by {met} of {of} candidates",
        "parallel": "Pareto packages: levers and objectives",
        "tradeoff": "Trade-off: all candidates (grey) and the Pareto set",
    },
    "zh": {
        "title": "政策搜索（optimise）",
        "setup": "设置",
        "constraints": "约束",
        "pareto": "帕累托集",
        "none": "没有任何候选方案满足：所列方案为违反最小者",
        "met": "{of} 个候选方案中 {met} 个满足",
        "parallel": "帕累托方案：政策杠杆与目标",
        "tradeoff": "权衡：全部候选方案（灰）与帕累托集",
    },
}


class NotOptimise(ValueError):
    pass


def is_optimise_folder(folder: str | Path) -> bool:
    try:
        manifest = json.loads((Path(folder) / store.MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and manifest.get("kind") == "optimise"


def _short(key: str) -> str:
    return key.rsplit(".", 1)[-1]


def parallel_figure(summary: dict[str, Any], front: pd.DataFrame, lang: str = "en") -> go.Figure:
    objectives = summary["objectives"]
    dims = [dict(label=_short(k), values=front[k].astype(float)) for k in summary["levers"]]
    dims += [
        dict(label=f"{ob['sense']} {ob['name']}", values=front[ob["name"]].astype(float))
        for ob in objectives
    ]
    first = objectives[0]["name"]
    fig = go.Figure(
        go.Parcoords(
            line=dict(color=front[first].astype(float), colorscale="Viridis", showscale=True),
            dimensions=dims,
        )
    )
    fig.update_layout(title=TEXT[lang]["parallel"], margin=dict(l=80, r=80, t=90, b=40))
    return fig


def tradeoff_figure(
    summary: dict[str, Any], archive: pd.DataFrame, front: pd.DataFrame, lang: str = "en"
) -> go.Figure:
    objectives = [ob["name"] for ob in summary["objectives"]]
    x = objectives[0]
    y = objectives[1] if len(objectives) > 1 else "generation"
    colour = objectives[2] if len(objectives) > 2 else None
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=archive[x],
            y=archive[y],
            mode="markers",
            marker=dict(color="lightgrey", size=5),
            name="candidates",
        )
    )
    marker: dict[str, Any] = dict(size=10, line=dict(width=1, color="black"))
    if colour:
        marker.update(color=front[colour], colorscale="Viridis", showscale=True,
                      colorbar=dict(title=colour))  # fmt: skip
    fig.add_trace(
        go.Scatter(
            x=front[x],
            y=front[y],
            mode="markers",
            marker=marker,
            text=[f"package {p}" for p in front["package"]],
            name="Pareto set",
        )
    )
    fig.update_layout(
        title=TEXT[lang]["tradeoff"], xaxis_title=x, yaxis_title=y, legend=dict(x=0, y=1.12),
    )  # fmt: skip
    return fig


def write_charts(
    folder: Path, summary: dict[str, Any], archive: pd.DataFrame, front: pd.DataFrame
) -> list[Path]:
    """parallel.html and tradeoff.html in `folder` (plotly.js once, as plotly.min.js)."""
    figs = {
        "parallel.html": parallel_figure(summary, front),
        "tradeoff.html": tradeoff_figure(summary, archive, front),
    }
    out = []
    for name, fig in figs.items():
        path = folder / name
        text = fig.to_html(include_plotlyjs="directory", full_html=True)
        store.atomic_write(path, lambda f, t=text: Path(f).write_text(t, encoding="utf-8"))
        out.append(path)
    _plotly_js(folder)
    return out


def _plotly_js(folder: Path) -> None:
    path = folder / "plotly.min.js"
    if not path.exists():
        from plotly.offline import get_plotlyjs  # noqa: PLC0415

        js = get_plotlyjs()
        store.atomic_write(path, lambda f: Path(f).write_text(js, encoding="utf-8"))


def write_optimise_report(
    folder: str | Path, lang: str = "en", out: str | Path | None = None
) -> Path:
    """One self-contained HTML page: set-up, constraint outcome, Pareto table, both charts."""
    folder = Path(folder)
    if lang not in TEXT:
        raise ValueError(f"lang = {lang!r} is unknown; allowed {', '.join(TEXT)}")
    t = TEXT[lang]
    manifest = json.loads((folder / store.MANIFEST).read_text(encoding="utf-8"))
    try:
        front = pd.read_parquet(folder / "pareto.parquet")
        archive = pd.read_parquet(folder / "archive.parquet")
        constraints = json.loads((folder / "constraints.json").read_text(encoding="utf-8"))
    except OSError:
        raise ValueError(
            f"{folder}: the search has not finished (no pareto.parquet); run the same "
            "command again to finish it"
        ) from None
    design = manifest["design"]
    summary = {
        "levers": [p["key"] for p in design["levers"]],
        "objectives": [
            {"sense": s.split(" ", 1)[0], "name": s.split(" ", 1)[1]} for s in design["objectives"]
        ],
    }
    figs = [parallel_figure(summary, front, lang), tradeoff_figure(summary, archive, front, lang)]
    setup = {k: design[k] for k in ("algorithm", "generations", "population", "scenarios",
                                    "replications", "robustness", "objectives")}  # fmt: skip
    rows = "".join(
        f"<li>{html.escape(c['constraint'])}: "
        + html.escape(
            t["none"] if c["met_by"] == 0 else t["met"].format(met=c["met_by"], of=c["of"])
        )
        + "</li>"
        for c in constraints
    )
    table = front.drop(columns=["command"]).to_html(index=False, float_format=lambda x: f"{x:.4g}")
    commands = "".join(
        f"<li>package {p}: <code>{html.escape(c)}</code></li>"
        for p, c in zip(front["package"], front["command"], strict=True)
    )
    charts = "".join(
        fig.to_html(include_plotlyjs=(i == 0), full_html=False) for i, fig in enumerate(figs)
    )
    page = f"""<!doctype html><html lang="{lang}"><head><meta charset="utf-8">
<title>{t["title"]}</title></head><body style="font-family:sans-serif;max-width:1200px;margin:auto">
<h1>{t["title"]}</h1><p>{html.escape(str(folder))} · cadresim {manifest.get("version")} ·
pymoo {manifest.get("versions", {}).get("pymoo")}</p>
<h2>{t["setup"]}</h2><pre>{html.escape(json.dumps(setup, indent=1, ensure_ascii=False))}</pre>
<h2>{t["constraints"]}</h2><ul>{rows or "<li>-</li>"}</ul>
<h2>{t["pareto"]}</h2>{table}<ul>{commands}</ul>{charts}</body></html>
"""
    target = Path(out) if out else folder / f"report.{lang}.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    store.atomic_write(target, lambda f: Path(f).write_text(page, encoding="utf-8"))
    return target
