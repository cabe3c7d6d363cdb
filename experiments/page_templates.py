"""The one jinja2 environment every HTML page of cadresim is rendered with.

Pages (the experiment report, validation, optimise, calibrate, discover and the dashboard's
snapshot) are templates in templates/ that extend `page.html.j2` (doctype, language, title,
CSS, plotly.js inlined once, the meta line). Autoescape is on and undefined names raise, so
every label, regime name, team name or note a user typed reaches the page escaped. The only
HTML let through as it is: a plotly figure (`figure_html`, the one place a figure is marked
safe), a pandas table (`table_html`; pandas escapes its own cells), and the page's CSS and
plotly.js (`render`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd
import plotly.graph_objects as go
from markupsafe import Markup
from plotly.offline import get_plotlyjs

from .charts.palette import FONT_FAMILY

TEMPLATES = Path(__file__).parent / "templates"

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


@cache
def environment() -> jinja2.Environment:
    """Autoescaped, strict: a missing value is an error, not an empty string on the page."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def template(name: str = "report.html.j2") -> jinja2.Template:
    """A page template by file name (default: the experiment report)."""
    return environment().get_template(name)


@cache
def _plotlyjs() -> Markup:
    return Markup(get_plotlyjs())


def render(name: str, lang: str, css: str = "", **context: Any) -> str:
    """Render page `name` in `lang` ("en"/"zh") with the shared CSS (plus the page's own `css`)
    and plotly.js inlined once, so the file opens offline."""
    return template(name).render(
        html_lang="zh-CN" if lang == "zh" else "en",
        colon="：" if lang == "zh" else ": ",
        css=Markup(CSS + css),
        plotlyjs=_plotlyjs(),
        **context,
    )


def figure_html(fig: go.Figure, div_id: str | None = None, config: dict | None = None) -> Markup:
    """A plotly figure as a div that uses the page's inlined plotly.js; plotly encodes the
    figure's text as JSON, so this is the one place a figure is trusted as HTML."""
    return Markup(
        fig.to_html(full_html=False, include_plotlyjs=False, div_id=div_id, config=config)
    )


def table_html(table: pd.DataFrame, **kw: Any) -> Markup:
    """A pandas table as HTML; pandas escapes every cell and header (escape=True)."""
    return Markup(table.to_html(escape=True, **kw))


class Labels:
    """`t.key` in a template: the page's fixed string `key`, looked up in its text table."""

    def __init__(self, lookup: Callable[[str], str] | Mapping[str, str]) -> None:
        self._lookup = lookup.__getitem__ if isinstance(lookup, Mapping) else lookup

    def __getattr__(self, key: str) -> str:
        if key.startswith("_"):
            raise AttributeError(key)
        return self._lookup(key)
