"""The tables of a results folder, read and checked for the report, and what the manifest says.

`load_results` reads every contract table present (steps, runs, comparison, design,
sensitivity, pareto, selectivity, crackdown, deterrence, and an org chart's units and levels) and
refuses, with one line, a folder it cannot report on. The helpers read the manifest defensively:
a folder from another version or tool may lack any key or hold the wrong type.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from .charts import figures as F
from .charts import i18n

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


# What the report draws from an experiment's step table: the outcomes over time by regime
# (replicates' means and bands) and the type composition. Everything else comes from runs.
STEP_IDS = ("policy", "regime", "run_id", "point_id", "replicate", "seed", "step")
STEP_OUTCOMES = ("initiative_rate", "error_rate", "misconduct_rate")


def _experiment_steps(parts: Path, res: Results) -> pd.DataFrame:
    """An experiment's step table, as far as the report draws it. The whole table of a large
    sweep does not fit in memory (1,000 runs of 120 months: 1.6 million rows of 43 columns),
    so with a runs table beside it only the rows and columns of the charts are read: the
    'all' and 'type' rows of the id columns, share and the outcomes drawn over time; and for a
    sweep over levers (no time series by regime) the type shares alone, averaged over runs part
    by part, so memory stays bounded whatever the number of runs. Without a runs table the
    whole table is read: the runs are derived from it."""
    if res.runs is None:
        return pd.read_parquet(parts)
    names = set(pq.read_schema(next(iter(sorted(parts.glob("*.parquet"))))).names)
    if not res.levers:
        columns = [
            c for c in (*STEP_IDS, "grouping", "type", "share", *STEP_OUTCOMES) if c in names
        ]
        return pd.read_parquet(
            parts, columns=columns, filters=[("grouping", "in", ["all", "type"])]
        )
    keys = [c for c in ("policy", "regime") if c in names][:1] + ["step", "type"]
    sums: pd.DataFrame | None = None
    for part in sorted(parts.glob("*.parquet")):
        rows = pd.read_parquet(
            part, columns=[*keys, "grouping", "share"], filters=[("grouping", "==", "type")]
        )
        agg = rows.groupby(keys, observed=True)["share"].agg(["sum", "count"])
        sums = agg if sums is None else sums.add(agg, fill_value=0)
    table = (sums["sum"] / sums["count"]).rename("share").reset_index()
    table.insert(len(keys) - 1, "grouping", "type")
    return table


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
        for name in (*TABLE_FILES, *ORG_TABLES):
            for path in (folder / f"{name}.parquet", folder / name):
                current = path
                if path.is_file() or (path.is_dir() and any(path.glob("*.parquet"))):
                    setattr(res, name, pd.read_parquet(path))
                    break
        current = folder / "steps"
        if (folder / "steps").is_dir() and any((folder / "steps").glob("*.parquet")):
            res.steps = _experiment_steps(folder / "steps", res)
        elif (folder / "steps.parquet").is_file():  # a single run written by simulate().write
            current = folder / "steps.parquet"
            res.steps = _single_run(folder, res)
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


def ordered(outcomes: Any) -> list[str]:
    """Key outcomes first, in their usual order."""
    found = [str(o) for o in outcomes]
    return [o for o in KEY_OUTCOMES if o in found] + [o for o in found if o not in KEY_OUTCOMES]


def resolved_config(res: Results) -> dict[str, Any]:
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


def get_key(cfg: dict[str, Any], dotted: str, default: Any = None) -> Any:
    node: Any = cfg
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return default
        node = node[part]
    return node


def as_int(x: Any, default: int) -> int:
    try:
        return int(x)
    except (TypeError, ValueError):
        return default


def summary_window(cfg: dict[str, Any]) -> tuple[int, int]:
    """(first, last) month of the summary window, as the runs table averages them."""
    steps = max(as_int(get_key(cfg, "steps"), 0), 1)
    try:
        frm = float(get_key(cfg, "summary_from", 0.5))
    except (TypeError, ValueError):
        frm = 0.5
    return min(int(frm * steps) + 1, steps), steps


def design_of(res: Results) -> dict[str, Any]:
    d = res.manifest.get("design")
    return d if isinstance(d, dict) else {}


def regime_names(res: Results) -> list[str]:
    table = res.runs if res.runs is not None else res.steps
    if table is not None and F._regime_col(table) in table:
        return [str(r) for r in pd.unique(table[F._regime_col(table)])]
    if res.comparison is not None:
        return [str(r) for r in pd.unique(res.comparison["regime"])]
    return []
