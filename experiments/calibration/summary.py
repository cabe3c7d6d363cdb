"""Terminal tables of a calibration: the fit of each target and the posterior of each knob."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .fit import CalibrationResult


def weighted_quantiles(x: np.ndarray, w: np.ndarray, qs: list[float]) -> np.ndarray:
    """Quantiles of a weighted sample (inverse of the weighted empirical cdf, midpoints)."""
    order = np.argsort(x)
    x, w = x[order], w[order] / w.sum()
    cdf = np.cumsum(w) - 0.5 * w
    return np.interp(qs, cdf, x)


def posterior_summary(posterior: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Per knob: weighted mean, sd, median and the central 90% credible interval."""
    w = posterior["weight"].to_numpy(dtype=float)
    rows = []
    for k in keys:
        x = posterior[k].to_numpy(dtype=float)
        mean = float(np.average(x, weights=w))
        q05, q50, q95 = weighted_quantiles(x, w, [0.05, 0.5, 0.95])
        sd = float(np.sqrt(np.average((x - mean) ** 2, weights=w)))
        rows.append({"parameter": k, "mean": mean, "sd": sd, "q05": q05, "q50": q50, "q95": q95})
    return pd.DataFrame(rows)


def format_result(r: CalibrationResult) -> str:
    keys = [p.key for p in r.targets.priors]
    post = posterior_summary(r.posterior, keys)
    prior = {p.key: f"{p.dist} [{p.low:g}, {p.high:g}]" for p in r.targets.priors}
    lines = [
        f"{r.status}: {r.reason}; {len(r.generations)} generations stored ({r.simulations} "
        f"simulations; {r.spent} run by this call), final epsilon "
        f"{r.generations['epsilon'].iloc[-1]:.3g} (in target sds)",
        "Posterior (last generation, weighted): mean, sd and 90% credible interval",
    ]
    lines.append(f"{'parameter':<32} {'prior':<22} {'mean':>8} {'sd':>7}  90% interval")
    for row in post.itertuples():
        lines.append(
            f"{row.parameter:<32} {prior[row.parameter]:<22} {row.mean:8.3f} {row.sd:7.3f}  "
            f"[{row.q05:.3f}, {row.q95:.3f}]"
        )
    n = len(r.predictive)
    lines.append(f"Targets against the posterior predictive ({n} runs at posterior draws):")
    lines.append(
        f"{'statistic':<28} {'observed':>9} {'sd':>7} {'predicted':>10}  90% interval"
        f"{'':>8} gap/sd  in 90%"
    )
    for row in r.fit.itertuples():
        lines.append(
            f"{row.statistic:<28} {row.observed:9.3f} {row.sd:7.3f} {row.predictive_mean:10.3f}  "
            f"[{row.q05:.3f}, {row.q95:.3f}]  {row.gap_in_sd:+6.2f}  "
            f"{'yes' if row.inside_90 else 'no'}"
        )
    lines.append(f"results: {r.folder}")
    lines.append(f"posterior for other experiments: experiment.posterior={r.folder}/posterior.yaml")
    return "\n".join(lines)
