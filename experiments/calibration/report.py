"""The report of a calibration folder: fit, marginals and pair charts (plotly HTML).

Writes ``fit.html`` (each target's observed value and sd against the posterior predictive),
``marginals.html`` (each knob's weighted posterior histogram over its prior's support),
``pairs.html`` (every pair of knobs, the last generation's particles sized by weight) and
``report.<lang>.html``, one file with all three, the tables and the method; `cadresim report
FOLDER` on a calibration folder writes them again. Labels are English in either language.
"""

from __future__ import annotations

import html
import json
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs
from plotly.subplots import make_subplots

from .. import store
from ..charts.palette import FONT_FAMILY
from .summary import posterior_summary

KIND = "calibrate"
TARGET_COLOUR, MODEL_COLOUR = "#d62728", "#1f77b4"


def is_calibration(folder: str | Path) -> bool:
    """Whether `folder` holds a calibration (the report command's dispatch test)."""
    try:
        manifest = json.loads((Path(folder) / store.MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and manifest.get("kind") == KIND


def fit_figure(fit: pd.DataFrame) -> go.Figure:
    """Per target: observed ± 2 sd (red) against the predictive mean and 90% interval (blue)."""
    y = fit["statistic"].tolist()
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=fit["observed"],
            y=y,
            mode="markers",
            name="observed ± 2 sd",
            marker={"color": TARGET_COLOUR, "symbol": "diamond", "size": 11},
            error_x={"type": "data", "array": 2 * fit["sd"], "color": TARGET_COLOUR},
        )
    )
    fig.add_trace(
        go.Scatter(
            x=fit["predictive_mean"],
            y=y,
            mode="markers",
            name="posterior predictive: mean, 90% interval",
            marker={"color": MODEL_COLOUR, "size": 9},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": fit["q95"] - fit["predictive_mean"],
                "arrayminus": fit["predictive_mean"] - fit["q05"],
                "color": MODEL_COLOUR,
            },
        )
    )
    fig.update_layout(
        title="Targets against the posterior predictive",
        xaxis_title="value",
        yaxis={"autorange": "reversed"},
        height=120 + 45 * len(y),
        font_family=FONT_FAMILY,
        legend={"orientation": "h", "y": -0.2},
    )
    return fig


def marginals_figure(posterior: pd.DataFrame, priors: dict[str, dict]) -> go.Figure:
    """Weighted posterior histogram of each knob, over its prior's support."""
    keys = list(priors)
    fig = make_subplots(rows=1, cols=len(keys), subplot_titles=keys)
    w = posterior["weight"].to_numpy(dtype=float)
    for i, k in enumerate(keys, start=1):
        lo, hi = priors[k]["low"], priors[k]["high"]
        dens, edges = np.histogram(posterior[k], bins=20, range=(lo, hi), weights=w, density=True)
        fig.add_trace(
            go.Bar(
                x=(edges[:-1] + edges[1:]) / 2,
                y=dens,
                width=edges[1] - edges[0],
                marker_color=MODEL_COLOUR,
                showlegend=False,
                name=k,
            ),
            row=1,
            col=i,
        )
        fig.update_xaxes(range=[lo, hi], row=1, col=i)
    fig.update_layout(
        title="Posterior marginals (weighted; x axis = the prior's support)",
        height=340,
        font_family=FONT_FAMILY,
    )
    return fig


def pairs_figure(posterior: pd.DataFrame, priors: dict[str, dict]) -> go.Figure:
    """Every pair of knobs: the last generation's particles, size by weight."""
    keys = list(priors)
    pairs = list(combinations(keys, 2)) or [(keys[0], keys[0])]
    cols = min(3, len(pairs))
    rows = -(-len(pairs) // cols)
    fig = make_subplots(rows=rows, cols=cols, horizontal_spacing=0.1, vertical_spacing=0.15)
    w = posterior["weight"].to_numpy(dtype=float)
    size = 4 + 14 * w / w.max()
    for n, (a, b) in enumerate(pairs):
        r, c = n // cols + 1, n % cols + 1
        fig.add_trace(
            go.Scatter(
                x=posterior[a],
                y=posterior[b],
                mode="markers",
                marker={"size": size, "color": MODEL_COLOUR, "opacity": 0.6},
                showlegend=False,
                name=f"{a} / {b}",
            ),
            row=r,
            col=c,
        )
        fig.update_xaxes(title_text=a, range=[priors[a]["low"], priors[a]["high"]], row=r, col=c)
        fig.update_yaxes(title_text=b, range=[priors[b]["low"], priors[b]["high"]], row=r, col=c)
    fig.update_layout(
        title="Posterior pairs (last generation; marker size = weight)",
        height=330 * rows,
        font_family=FONT_FAMILY,
    )
    return fig


def _table(df: pd.DataFrame) -> str:
    return df.to_html(index=False, float_format=lambda x: f"{x:.4g}", border=0)


def write_calibration_report(folder: str | Path, lang: str = "en", out: str | None = None) -> Path:
    """Write fit.html, marginals.html, pairs.html and the one-file report; return its path."""
    folder = Path(folder)
    manifest = json.loads((folder / store.MANIFEST).read_text(encoding="utf-8"))
    posterior = pd.read_parquet(folder / "posterior.parquet")
    fit = pd.read_parquet(folder / "fit.parquet")
    generations = pd.read_parquet(folder / "generations.parquet")
    priors = manifest["priors"]
    figs = {
        "fit": fit_figure(fit),
        "marginals": marginals_figure(posterior, priors),
        "pairs": pairs_figure(posterior, priors),
    }
    for name, fig in figs.items():
        path = folder / f"{name}.html"
        # plotly.min.js once beside them ("directory"); the one-file report inlines it
        store.atomic_write(path, lambda f, fig=fig: fig.write_html(f, include_plotlyjs="directory"))
    summary = posterior_summary(posterior, list(priors))
    summary.insert(
        1, "prior", [f"{p['dist']} [{p['low']:g}, {p['high']:g}]" for p in priors.values()]
    )
    sources = pd.DataFrame(manifest["targets"]["items"])[["statistic", "observed", "sd", "source"]]
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>cadresim calibration {html.escape(manifest['fingerprint'])}</title>",
        f"<script type='text/javascript'>{get_plotlyjs()}</script>",
        f"<style>body{{font-family:{FONT_FAMILY};max-width:1100px;margin:auto}}"
        "table{border-collapse:collapse}td,th{padding:2px 8px;text-align:right}</style>",
        "</head><body>",
        f"<h1>Calibration: targets {html.escape(manifest['targets']['name'])}</h1>",
        f"<p>{html.escape(manifest['status'])}: {html.escape(manifest['reason'])}; "
        f"{len(generations)} generations, {int(generations['simulations'].sum())} simulations "
        f"stored; {manifest['particles']} particles; seed {manifest['seed']}; pyabc "
        f"{html.escape(manifest['versions'].get('pyabc', '?'))}.</p>",
        "<h2>Fit</h2>",
        figs["fit"].to_html(full_html=False, include_plotlyjs=False),
        _table(fit),
        "<h2>Posterior</h2>",
        _table(summary),
        figs["marginals"].to_html(full_html=False, include_plotlyjs=False),
        figs["pairs"].to_html(full_html=False, include_plotlyjs=False),
        "<h2>Generations</h2>",
        _table(generations),
        "<h2>Targets and their sources</h2>",
        _table(sources),
        f"<h2>Method</h2><p>{html.escape(manifest['method'])}.</p>",
        "</body></html>",
    ]
    text = "\n".join(parts)
    path = Path(out) if out else folder / f"report.{lang}.html"
    store.atomic_write(path, lambda f: Path(f).write_text(text, encoding="utf-8"))
    return path
