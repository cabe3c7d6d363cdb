"""Publication figures of cadresim results (plotly), in English or Chinese.

    from cadresim.experiments.charts import figures
    fig = figures.outcome_over_time(steps, "initiative_rate", lang="zh")

`palette` holds the colours (one per type, per regime), `i18n` every label, `figures` one function
per figure over the tidy tables, `export` static PNG/SVG/PDF through kaleido and Chromium.
"""

from . import figures, i18n, palette
from .export import export_figures, find_browser

__all__ = ["export_figures", "figures", "find_browser", "i18n", "palette"]
