"""The HTML report of a scenario-discovery folder (`cadresim report SWEEP/discover-...`).

One self-contained page (templates/discover.html.j2; plotly.js inlined, opens offline): the
question, each box in plain words, the peeling trajectory (coverage/density trade-off) and the
restricted parameters of each box, redrawn from the stored tables (peeling.parquet,
boxes.parquet), so the page always shows what the folder holds. In Chinese the boxes' sentences,
the charts' labels and the table's columns are written again from those tables (discover.json
keeps the English sentences).
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd

from cadresim import vocabulary as vocab

from . import store
from .discover import _figures, box_region
from .page_templates import Labels, figure_html, render, table_html

TEXT = {
    "en": {
        "title": "Scenario discovery (PRIM)",
        "question": "Question",
        "sweep": "Sweep",
        "points": "{fail} of {points} design points fail",
        "boxes": "Boxes",
        "none": "No box: PRIM found no region where the failures concentrate.",
        "trajectory": "Peeling trajectory",
        "limits": "Limits of each box",
    },
    "zh": {
        "title": "情景发现（PRIM）",
        "question": "问题",
        "sweep": "扫描结果",
        "points": "{points} 个设计点中有 {fail} 个未达标",
        "boxes": "情景盒",
        "none": "未找到情景盒：PRIM 没有发现未达标点集中的区域。",
        "trajectory": "剥离轨迹",
        "limits": "各情景盒的参数范围",
        # the sentences and charts of discover.py, written again in Chinese
        "box": "情景盒 {n}",
        "chosen": "情景盒 {n}（选定）",
        "step": "第 {i} 步，限制 {d} 个参数",
        "in": "{p} 取 {{{v}}}",
        "and": " 且 ",
        "anywhere": "任意取值（未找到限制）",
        "compare": "将 {key} 从 {a} 改为 {b} 使 {outcome} 的变化 {op} {value}",
        "statement": "情景盒 {n}：当 {where} 时，{what}：该盒内 {count} 个设计点中 {density:.0%} "
        "未达标（密度）；它们占全部未达标点的 {coverage:.0%}（覆盖率）；该盒占全部设计点的 "
        "{mass:.0%}",
        "peel_title": "PRIM 剥离轨迹：{question}",
        "coverage": "覆盖率",
        "density": "密度",
        "bars_title": "各情景盒限制的参数（占各参数扫描范围的比例）",
        "position": "在扫描范围中的位置（0 = 下端，1 = 上端）",
        "columns": {
            "box": "情景盒",
            "parameter": "参数",
            "restricted": "受限",
            "lo": "下限",
            "hi": "上限",
            "values": "取值",
            "range_lo": "扫描下限",
            "range_hi": "扫描上限",
            "coverage": "覆盖率",
            "density": "密度",
            "mass": "占比",
        },  # fmt: skip
    },
}


def is_discover_folder(folder: str | Path) -> bool:
    return (Path(folder) / "discover.json").is_file()


def _threshold(text: str, lang: str) -> str:
    """'misconduct_rate > 0.05' with the outcome named in `lang`."""
    outcome, sep, rest = text.partition(" ")
    return f"{vocab.outcome_name(outcome, lang)}{sep}{rest}"


def _param(key: str, lang: str) -> str:
    return vocab.lever_name(key, lang) if lang == "zh" else key


def _statement_zh(number: int, limits: pd.DataFrame, traj: pd.DataFrame, meta: dict) -> str:
    """discover.box_statement in Chinese, from the stored tables."""
    t = TEXT["zh"]
    where = box_region(
        limits,
        name=lambda p: _param(p, "zh"),
        joiner=t["and"],
        one_of=lambda p, v: t["in"].format(p=p, v=v),
        anywhere=t["anywhere"],
    )
    fail = str(meta.get("fail", ""))
    what = _threshold(fail, "zh")
    compare = meta.get("compare")
    if compare:
        outcome, op, value = (fail.split(" ", 2) + ["", ""])[:3]
        what = t["compare"].format(
            key=_param(str(compare["key"]), "zh"), a=compare["from"], b=compare["to"],
            outcome=vocab.outcome_name(outcome, "zh"), op=op, value=value,
        )  # fmt: skip
    row = traj[(traj["box"] == number) & traj["chosen"]].iloc[0]
    first = limits.iloc[0]
    return t["statement"].format(
        n=number, where=where, what=what, count=int(row["n"]), density=first["density"],
        coverage=first["coverage"], mass=first["mass"],
    )  # fmt: skip


def _relabel_zh(figs: dict[str, Any], traj: pd.DataFrame) -> None:
    """The Chinese labels on discover.py's two charts (same traces, same numbers)."""
    t = TEXT["zh"]
    peel, bars = figs["peeling.html"], figs["boxes.html"]
    traces = iter(peel.data)
    for number, g in traj.groupby("box"):
        line, chosen = next(traces), next(traces)
        line.name = t["box"].format(n=number)
        line.text = [t["step"].format(i=i, d=d) for i, d in zip(g["id"], g["res_dim"], strict=True)]
        chosen.name = t["chosen"].format(n=number)
    peel.update_layout(xaxis_title=t["coverage"], yaxis_title=t["density"])
    for bar in bars.data:
        bar.name = t["box"].format(n=bar.name.removeprefix("box "))
        if bar.y is not None:
            bar.y = [_param(str(p), "zh") for p in bar.y]
    bars.update_layout(title=t["bars_title"], xaxis_title=t["position"])


def write_discover_report(
    folder: str | Path, lang: str = "en", out: str | Path | None = None
) -> Path:
    """Write FOLDER/report.LANG.html (or `out`); ValueError with one line on a bad folder."""
    folder = Path(folder)
    if lang not in TEXT:
        raise ValueError(f"lang = {lang!r} is unknown; allowed {', '.join(TEXT)}")
    t = TEXT[lang]
    try:
        meta = json.loads((folder / "discover.json").read_text(encoding="utf-8"))
        traj = pd.read_parquet(folder / "peeling.parquet")
        limits = pd.read_parquet(folder / "boxes.parquet")
    except (OSError, ValueError) as exc:
        raise ValueError(f"{folder}: not a complete discover folder ({exc})") from None
    if not isinstance(meta, dict):
        raise ValueError(f"{folder}: discover.json is not an object")
    boxes = [
        SimpleNamespace(number=int(number), limits=rows.reset_index(drop=True))
        for number, rows in limits.groupby("box")
    ]
    question = str(meta.get("fail", ""))
    if lang == "zh":
        question = _threshold(question, lang)
    compare = meta.get("compare")
    if compare:
        key = _param(str(compare["key"]), lang)
        question += f" ({key}: {compare['from']} -> {compare['to']})"
    figs = _figures(traj, boxes, question)
    if lang == "zh":
        figs["peeling.html"].update_layout(title=t["peel_title"].format(question=question))
        _relabel_zh(figs, traj)
        statements = [_statement_zh(b.number, b.limits, traj, meta) for b in boxes]
    else:
        statements = [str(s) for s in meta.get("boxes", [])]
    table = limits[limits["restricted"]]
    if lang == "zh":
        table = table.rename(columns=t["columns"])
    versions = ", ".join(f"{k} {v}" for k, v in (meta.get("versions") or {}).items())
    page = render(
        "discover.html.j2",
        lang,
        title=t["title"],
        meta=[],
        t=Labels(t),
        question=question,
        sweep=str(meta.get("sweep")),
        points=t["points"].format(fail=meta.get("failing_points"), points=meta.get("points")),
        made_by=str(meta.get("cadresim")),
        versions=versions,
        statements=statements,
        table=table_html(table, index=False, float_format=lambda x: f"{x:.4g}"),
        charts=[
            {"heading": t[key], "figure": figure_html(fig)}
            for key, fig in zip(("trajectory", "limits"), figs.values(), strict=True)
        ],
    )
    target = Path(out) if out else folder / f"report.{lang}.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    store.atomic_write(target, lambda f: Path(f).write_text(page, encoding="utf-8"))
    return target
