"""The HTML report of a scenario-discovery folder (`cadresim report SWEEP/discover-...`).

One self-contained page (plotly.js inlined, opens offline): the question, each box in plain
words, the peeling trajectory (coverage/density trade-off) and the restricted parameters of each
box, redrawn from the stored tables (peeling.parquet, boxes.parquet), so the page always shows
what the folder holds.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from types import SimpleNamespace

import pandas as pd

from . import store
from .discover import _figures

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
    },
}


def is_discover_folder(folder: str | Path) -> bool:
    return (Path(folder) / "discover.json").is_file()


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
    compare = meta.get("compare")
    if compare:
        question += f" ({compare['key']}: {compare['from']} -> {compare['to']})"
    figs = _figures(traj, boxes, question)
    charts = "".join(
        f"<h2>{t[key]}</h2>" + fig.to_html(include_plotlyjs=(i == 0), full_html=False)
        for i, (key, fig) in enumerate(zip(("trajectory", "limits"), figs.values(), strict=True))
    )
    statements = "".join(f"<li>{html.escape(str(s))}</li>" for s in meta.get("boxes", []))
    table = limits[limits["restricted"]].to_html(index=False, float_format=lambda x: f"{x:.4g}")
    points = t["points"].format(fail=meta.get("failing_points"), points=meta.get("points"))
    versions = ", ".join(f"{k} {v}" for k, v in (meta.get("versions") or {}).items())
    sweep = html.escape(str(meta.get("sweep")))
    made_by = html.escape(str(meta.get("cadresim")))
    page = f"""<!doctype html><html lang="{lang}"><head><meta charset="utf-8">
<title>{t["title"]}</title></head><body style="font-family:sans-serif;max-width:1200px;margin:auto">
<h1>{t["title"]}</h1>
<p>{t["question"]}: <b>{html.escape(question)}</b><br>{t["sweep"]}: {sweep}
<br>{html.escape(points)}<br>cadresim {made_by}; {html.escape(versions)}</p>
<h2>{t["boxes"]}</h2><ul>{statements or "<li>" + t["none"] + "</li>"}</ul>{table}
{charts}</body></html>
"""
    target = Path(out) if out else folder / f"report.{lang}.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    store.atomic_write(target, lambda f: Path(f).write_text(page, encoding="utf-8"))
    return target
