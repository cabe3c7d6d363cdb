"""Charts and the HTML report of an optimise folder (`cadresim report FOLDER` dispatches here).

parallel.html: one line per Pareto package across its levers and objectives (plotly
parallel coordinates); tradeoff.html: every candidate evaluated (grey) and the Pareto set on
the first two objectives, coloured by the third. Both load plotly.js from the folder
(plotly.min.js beside them), so they open offline.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from cadresim import vocabulary as vocab

from . import store
from .optimise_pareto import evaluate_command
from .page_templates import Labels, figure_html, render, table_html

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
        "package": "package",
        "one_run": "one of its runs (scenario 0, first seed)",
        "exact": "all its runs, checked against this folder",
        "candidates": "candidates",
        "pareto_set": "Pareto set",
        "max": "max",
        "min": "min",
        # the Pareto table's own columns (levers and outcomes take vocabulary's labels)
        "recommended": "recommended",
        "generation": "generation",
        "candidate": "candidate",
        "constraint": "constraint",
        "violation": "violation",
        "feasible": "feasible",
        "policy_cost": "policy_cost",
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
        "package": "方案",
        "one_run": "其中一次运行（情景 0，第一个种子）",
        "exact": "全部运行，并与本文件夹核对",
        "candidates": "候选方案",
        "pareto_set": "帕累托集",
        "max": "最大化",
        "min": "最小化",
        "recommended": "推荐",
        "generation": "代",
        "candidate": "候选",
        "constraint": "约束",
        "violation": "违反程度",
        "feasible": "可行",
        "policy_cost": "政策成本",
        # the set-up block's keys (English shows the design's own keys)
        "setup_algorithm": "算法",
        "setup_generations": "代数",
        "setup_population": "每代候选方案数",
        "setup_scenarios": "情景数",
        "setup_replications": "重复次数",
        "setup_robustness": "稳健性汇总方式",
        "setup_objectives": "目标",
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


def _name(key: str, lang: str) -> str:
    """A column of the search's tables in `lang`: levers and outcomes by their vocabulary label,
    the search's own columns from TEXT; English keeps the keys as they are in the tables."""
    if lang == "en":
        return key
    if key in vocab.OUTCOMES:
        return vocab.outcome_name(key, lang)
    if "." in key:
        return vocab.lever_name(key, lang)
    stem, _, number = key.rpartition("_")
    if stem == "constraint" and number.isdigit():
        return f"{TEXT[lang]['constraint']} {number}"
    return TEXT[lang].get(key, key)


def _constraint(text: str, lang: str) -> str:
    """'misconduct_rate <= 0.05' with the outcome named in `lang`."""
    head, sep, rest = text.partition(" ")
    return f"{_name(head, lang)}{sep}{rest}"


def parallel_figure(summary: dict[str, Any], front: pd.DataFrame, lang: str = "en") -> go.Figure:
    objectives = summary["objectives"]
    t = TEXT[lang]

    def short(k: str) -> str:
        return _short(k) if lang == "en" else vocab.lever_name(k, lang)

    dims = [dict(label=short(k), values=front[k].astype(float)) for k in summary["levers"]]
    dims += [
        dict(
            label=f"{t.get(ob['sense'], ob['sense'])} {_name(ob['name'], lang)}",
            values=front[ob["name"]].astype(float),
        )
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
    t = TEXT[lang]
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=archive[x],
            y=archive[y],
            mode="markers",
            marker=dict(color="lightgrey", size=5),
            name=t["candidates"],
        )
    )
    marker: dict[str, Any] = dict(size=10, line=dict(width=1, color="black"))
    if colour:
        marker.update(color=front[colour], colorscale="Viridis", showscale=True,
                      colorbar=dict(title=_name(colour, lang)))  # fmt: skip
    fig.add_trace(
        go.Scatter(
            x=front[x],
            y=front[y],
            mode="markers",
            marker=marker,
            text=[f"{t['package']} {p}" for p in front["package"]],
            name=t["pareto_set"],
        )
    )
    fig.update_layout(
        title=t["tradeoff"], xaxis_title=_name(x, lang), yaxis_title=_name(y, lang),
        legend=dict(x=0, y=1.12),
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
    """One self-contained HTML page (templates/optimise.html.j2): set-up, constraint outcome,
    Pareto table, both charts; every label in `lang`."""
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
    if lang != "en":
        setup["objectives"] = [f"{t[ob['sense']]} {_name(ob['name'], lang)}"
                               for ob in summary["objectives"]]  # fmt: skip
        setup = {t[f"setup_{k}"]: v for k, v in setup.items()}
    table = front.drop(columns=["command"]).rename(columns=lambda c: _name(str(c), lang))
    page = render(
        "optimise.html.j2",
        lang,
        title=t["title"],
        meta=[
            f"{folder} · cadresim {manifest.get('version')} · "
            f"pymoo {manifest.get('versions', {}).get('pymoo')}"
        ],
        t=Labels(t),
        setup=json.dumps(setup, indent=1, ensure_ascii=False),
        constraints=[
            {
                "constraint": _constraint(c["constraint"], lang),
                "outcome": t["none"]
                if c["met_by"] == 0
                else t["met"].format(met=c["met_by"], of=c["of"]),
            }
            for c in constraints
        ],
        table=table_html(table, index=False, float_format=lambda x: f"{x:.4g}"),
        packages=[
            {"package": p, "command": c, "exact": evaluate_command(folder, int(p))}
            for p, c in zip(front["package"], front["command"], strict=True)
        ],
        figures=[figure_html(fig) for fig in figs],
    )
    target = Path(out) if out else folder / f"report.{lang}.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    store.atomic_write(target, lambda f: Path(f).write_text(page, encoding="utf-8"))
    return target
