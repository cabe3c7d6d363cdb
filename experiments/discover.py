"""`cadresim discover FOLDER --fail "OUTCOME > X"`: under which conditions does a policy fail?

Scenario discovery on a finished sweep: each design point's outcome (the mean of its
replicates) is compared with a threshold, and PRIM (EMA Workbench's implementation) looks for
boxes of the uncertainties (or of every swept parameter, `--inputs all`) where the failures
concentrate. PRIM peels the box a few percent at a time; each step trades coverage (the share
of all failing points inside the box) for density (the share of the box's points that fail).
The box chosen is the one of highest coverage whose density reaches `--density`.

    cadresim discover results/experiments/sweep-ab12 --fail "misconduct_rate > 0.05"
    cadresim discover FOLDER --fail "misconduct_rate > +20%" --compare policy.tolerance.enabled

With `--compare KEY` the threshold is on the change an outcome makes when the lever KEY goes
from its first value to its second, at the same values of every other parameter (a grid
design pairs them): "+20%" is a relative rise, a plain number an absolute difference.

Writes FOLDER/discover-<threshold>/ (or --out): points.parquet (inputs, outcome, fail flag),
peeling.parquet/.csv (the trajectory of each box), boxes.parquet/.csv (the chosen boxes'
limits), peeling.html and boxes.html (plotly), discover.json (the question, library versions).
"""

from __future__ import annotations

import argparse
import json
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cadresim import cli
from cadresim.model.metrics import OUTCOMES
from cadresim.safety import check_output, slug

from . import store

THRESHOLD = re.compile(
    r"^\s*([A-Za-z_]\w*)\s*(<=|>=|<|>)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(%?)\s*$"
)
INPUTS = ("uncertainties", "all")


class DiscoverError(ValueError):
    """Bad input to discover: one line, exit 2, nothing written."""


@dataclass(frozen=True)
class Threshold:
    outcome: str
    op: str
    value: float
    percent: bool

    @property
    def text(self) -> str:
        v = f"{self.value:+g}%" if self.percent else f"{self.value:g}"
        return f"{self.outcome} {self.op} {v}"

    def fails(self, x: np.ndarray) -> np.ndarray:
        bound = self.value / 100.0 if self.percent else self.value
        return {"<": x < bound, "<=": x <= bound, ">": x > bound, ">=": x >= bound}[self.op]


def parse_threshold(text: str) -> Threshold:
    m = THRESHOLD.match(text or "")
    if not m:
        raise DiscoverError(
            f"--fail {text!r} is not a threshold; write OUTCOME > NUMBER (or <, <=, >=), e.g. "
            "'misconduct_rate > 0.05', or with --compare a relative change, e.g. "
            "'misconduct_rate > +20%'"
        )
    outcome, op, value, pct = m.groups()
    if outcome not in OUTCOMES:
        raise DiscoverError(f"--fail: {outcome!r} is not an outcome; known: {', '.join(OUTCOMES)}")
    return Threshold(outcome, op, float(value), bool(pct))


# ---------------------------------------------------------------- the sweep's points


def load_points(folder: Path, outcome: str) -> tuple[pd.DataFrame, dict[str, str]]:
    """Design points with their parameters and the mean outcome over replicates; and each
    parameter's role (lever | uncertainty)."""
    manifest_path = folder / store.MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise DiscoverError(
            f"{folder}: not a results folder (no readable {store.MANIFEST}); give the folder of a "
            "finished sweep (cadresim experiment=sweep ...)"
        ) from None
    if manifest.get("kind") != "sweep":
        raise DiscoverError(
            f"{folder} holds a {manifest.get('kind')!r} experiment; discover needs a sweep "
            "(cadresim experiment=sweep with sweep.uncertainties)"
        )
    try:
        design = pd.read_parquet(folder / "design.parquet")
        roles_t = pd.read_parquet(folder / "parameters.parquet")
        runs = pd.read_parquet(folder / "runs.parquet")
    except FileNotFoundError:
        raise DiscoverError(
            f"{folder}: the sweep has no runs.parquet yet; finish it first (run its command again)"
        ) from None
    except (OSError, ValueError) as exc:  # truncated or empty: pyarrow's ArrowInvalid
        first = str(exc).splitlines()[0].rstrip(".") if str(exc) else type(exc).__name__
        raise DiscoverError(
            f"{folder}: cannot read the sweep's tables ({first}); run the sweep's command again "
            "to repair its folder (corrupt parts are set aside and rerun, the tables rebuilt)"
        ) from None
    roles = dict(zip(roles_t["parameter"], roles_t["role"], strict=True))
    runs = runs[runs["grouping"] == "all"]
    means = runs.groupby("point_id")[outcome].mean()
    points = design.merge(means.rename(outcome), left_on="point_id", right_index=True)
    return points.reset_index(drop=True), roles


def paired_change(
    points: pd.DataFrame, roles: dict[str, str], key: str, outcome: str, relative: bool
) -> tuple[pd.DataFrame, list[Any]]:
    """Per combination of the other parameters: the outcome's change when lever `key` goes
    from its first value to its second (relative: as a share of the first)."""
    if key not in roles:
        raise DiscoverError(
            f"--compare: {key!r} is not a parameter of this sweep; its parameters: "
            f"{', '.join(roles)}"
        )
    values = list(pd.unique(points[key]))
    if len(values) != 2:
        raise DiscoverError(
            f"--compare {key}: the sweep gives it {len(values)} values; a comparison needs "
            "exactly two (e.g. sweep.levers.KEY='{values: [false, true]}' with sweep.design=grid)"
        )
    values = sorted(values)
    others = [k for k in roles if k != key]
    a = points[points[key] == values[0]].set_index(others)[outcome]
    b = points[points[key] == values[1]].set_index(others)[outcome]
    a, b = a[~a.index.duplicated()], b[~b.index.duplicated()]
    both = a.index.intersection(b.index)
    if len(both) == 0:
        raise DiscoverError(
            f"--compare {key}: no design point has a twin at the other value with every other "
            "parameter equal; run the sweep with sweep.design=grid"
        )
    change = b[both] - a[both]
    if relative:
        with np.errstate(divide="ignore", invalid="ignore"):
            change = change / a[both].abs()
    out = change.rename(outcome).reset_index()
    out = out[np.isfinite(out[outcome])]
    return out, values


# ---------------------------------------------------------------- PRIM


@dataclass
class Box:
    number: int
    limits: pd.DataFrame  # parameter, lo, hi, restricted, kind
    coverage: float
    density: float
    mass: float
    n: int
    statement: str


def prim_versions() -> dict[str, str]:
    out = {}
    for name in ("ema_workbench", "numpy", "pandas"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _import_prim() -> Any:
    with warnings.catch_warnings():  # ema_workbench warns about optional extras on import
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim  # noqa: PLC0415 (a heavy import, only here)
    return prim


def find_boxes(
    x: pd.DataFrame,
    y: np.ndarray,
    boxes: int = 2,
    density: float | None = None,
    mass_min: float = 0.05,
    peel_alpha: float = 0.05,
) -> tuple[list[Box], pd.DataFrame]:
    """Up to `boxes` PRIM boxes (each on the points the earlier ones left) and the peeling
    trajectories. Each box is the trajectory's step of highest coverage with density >=
    `density` (else the densest step); by default halfway from the share of failing points
    to 1, and at least 0.8, so a box always says more than "anywhere"."""
    prim = _import_prim()
    x = x.copy()
    for col in x.columns:
        if x[col].dtype == bool:
            x[col] = x[col].astype(np.int64)
        elif x[col].dtype == object:
            x[col] = x[col].astype(str)
    with warnings.catch_warnings():  # pandas deprecation notes from inside ema_workbench
        warnings.simplefilter("ignore")
        p = prim.Prim(x, y.astype(bool), peel_alpha=peel_alpha, mass_min=mass_min)
    base_rate = float(np.mean(y)) if len(y) else 0.0
    if density is None:
        density = max(0.8, (1.0 + base_rate) / 2)
    found: list[Box] = []
    trajectories = []
    for number in range(1, boxes + 1):
        box = p.find_box()
        if box is None:
            break
        traj = box.peeling_trajectory.copy().reset_index(drop=True)
        if traj["k"].iloc[0] == 0:  # no failing point left outside the earlier boxes
            break
        ok = traj[traj["density"] >= density]
        pick = int(ok["coverage"].idxmax()) if not ok.empty else int(traj["density"].idxmax())
        box.select(pick)
        traj.insert(0, "box", number)
        traj["chosen"] = traj.index == pick
        row = traj.loc[pick]
        if float(row["density"]) <= base_rate and number > 1:
            break
        trajectories.append(traj)
        limits = _limits(box.box_lims[pick], p.box_init)
        found.append(
            Box(
                number,
                limits,
                float(row["coverage"]),
                float(row["density"]),
                float(row["mass"]),
                int(row["n"]),
                "",
            )
        )
    traj_all = pd.concat(trajectories, ignore_index=True) if trajectories else pd.DataFrame()
    return found, traj_all


def _limits(lims: pd.DataFrame, init: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for col in init.columns:
        lo, hi = lims[col].iloc[0], lims[col].iloc[1]
        lo0, hi0 = init[col].iloc[0], init[col].iloc[1]
        if isinstance(lo, set):
            restricted = lo != lo0
            rows.append(
                {"parameter": col, "lo": np.nan, "hi": np.nan, "values": sorted(map(str, lo)),
                 "restricted": restricted, "range_lo": np.nan, "range_hi": np.nan}
            )  # fmt: skip
            continue
        rows.append(
            {"parameter": col, "lo": float(lo), "hi": float(hi), "values": [],
             "restricted": bool(lo != lo0 or hi != hi0), "range_lo": float(lo0),
             "range_hi": float(hi0)}
        )  # fmt: skip
    return pd.DataFrame(rows)


def box_region(
    limits: pd.DataFrame,
    name: Callable[[str], str] = str,
    joiner: str = " and ",
    one_of: Callable[[str, list[str]], str] = lambda p, v: f"{p} in {{{', '.join(v)}}}",
    anywhere: str = "anywhere (no restriction found)",
) -> str:
    """The box's restricted parameters in words, e.g. '0.2 <= x <= 0.6 and y in {a, b}' (the
    report passes its Chinese names and joiners)."""
    parts = []
    for r in limits[limits["restricted"]].to_dict("records"):
        p = name(str(r["parameter"]))
        if r["values"]:
            parts.append(one_of(p, r["values"]))
            continue
        bounds = []
        if r["lo"] > r["range_lo"]:
            bounds.append(f"{p} >= {r['lo']:.3g}")
        if r["hi"] < r["range_hi"]:
            bounds.append(f"{p} <= {r['hi']:.3g}")
        if len(bounds) == 2:
            bounds = [f"{r['lo']:.3g} <= {p} <= {r['hi']:.3g}"]
        parts.append(joiner.join(bounds))
    return joiner.join(parts) if parts else anywhere


def box_statement(box: Box, threshold: Threshold, compare: str | None, values: list[Any]) -> str:
    """The box in words, e.g. 'misconduct_rate > 0.05 in 83% of the points (density) ...'."""
    where = box_region(box.limits)
    what = threshold.text
    if compare:
        what = (
            f"switching {compare} from {values[0]} to {values[1]} changes "
            f"{threshold.outcome} by {threshold.op} {threshold.text.split(' ', 2)[2]}"
        )
    return (
        f"box {box.number}: {what} when {where}: "
        f"{box.density:.0%} of the {box.n} points in this box fail (density); they hold "
        f"{box.coverage:.0%} of all failing points (coverage); the box is {box.mass:.0%} of "
        "the points"
    )


# ---------------------------------------------------------------- outputs

OP_NAMES = {"<": "lt", "<=": "le", ">": "gt", ">=": "ge"}


def _folder_name(threshold: Threshold, compare: str | None) -> str:
    """discover-misconduct_rate-gt-0.05, discover-misconduct_rate-gt-20pct-policy.tolerance...:
    one folder per question, so another threshold never replaces these outputs."""
    value = f"{threshold.value:g}" + ("pct" if threshold.percent else "")
    name = f"discover-{threshold.outcome}-{OP_NAMES[threshold.op]}-{value}"
    return slug(name + (f"-{compare}" if compare else ""))


def _figures(traj: pd.DataFrame, boxes: list[Box], question: str) -> dict[str, Any]:
    import plotly.graph_objects as go  # noqa: PLC0415

    peel = go.Figure()
    for number, t in traj.groupby("box"):
        peel.add_trace(
            go.Scatter(
                x=t["coverage"], y=t["density"], mode="lines+markers", name=f"box {number}",
                text=[f"step {i}, {d} restricted" for i, d in zip(t["id"], t["res_dim"],
                                                                   strict=True)],
            )
        )  # fmt: skip
        c = t[t["chosen"]]
        peel.add_trace(
            go.Scatter(
                x=c["coverage"], y=c["density"], mode="markers", name=f"box {number} chosen",
                marker=dict(size=14, symbol="star", line=dict(width=1, color="black")),
            )
        )  # fmt: skip
    peel.update_layout(
        title=f"PRIM peeling trajectory: {question}", xaxis_title="coverage",
        yaxis_title="density", xaxis_range=[0, 1.02], yaxis_range=[0, 1.02],
    )  # fmt: skip
    bars = go.Figure()
    for box in boxes:
        lim = box.limits[box.limits["restricted"] & box.limits["values"].map(len).eq(0)]
        span = (lim["range_hi"] - lim["range_lo"]).replace(0, 1)
        lo = (lim["lo"] - lim["range_lo"]) / span
        hi = (lim["hi"] - lim["range_lo"]) / span
        bars.add_trace(
            go.Bar(
                y=lim["parameter"], x=hi - lo, base=lo, orientation="h", name=f"box {box.number}",
                text=[f"{a:.3g} – {b:.3g}" for a, b in zip(lim["lo"], lim["hi"], strict=True)],
            )
        )  # fmt: skip
    bars.update_layout(
        title="Restricted parameters of each box (share of each parameter's swept range)",
        xaxis_title="position in the swept range (0 = low end, 1 = high end)",
        xaxis_range=[0, 1], barmode="group",
    )  # fmt: skip
    return {"peeling.html": peel, "boxes.html": bars}


@dataclass
class Discovery:
    folder: Path
    points: pd.DataFrame
    trajectory: pd.DataFrame
    boxes: list[Box]
    statements: list[str]


def discover(
    folder: str | Path,
    fail: str,
    *,
    compare: str | None = None,
    inputs: str = "uncertainties",
    boxes: int = 2,
    density: float | None = None,
    mass_min: float = 0.05,
    peel_alpha: float = 0.05,
    out: str | Path | None = None,
) -> Discovery:
    """Python twin of `cadresim discover`; raises DiscoverError on bad input, before writing."""
    folder = Path(folder)
    threshold = parse_threshold(fail)
    if inputs not in INPUTS:
        raise DiscoverError(f"--inputs = {inputs!r} is unknown; allowed {', '.join(INPUTS)}")
    for name, v, lo, hi in (("--density", density, 0.0, 1.0), ("--mass-min", mass_min, 0.0, 0.5),
                            ("--peel-alpha", peel_alpha, 0.0, 0.5)):  # fmt: skip
        if v is not None and not lo < v <= hi:
            raise DiscoverError(f"{name} = {v:g} is out of range; allowed ({lo:g}, {hi:g}]")
    if boxes < 1:
        raise DiscoverError(f"--boxes = {boxes} is out of range; allowed [1, 100]")
    if threshold.percent and not compare:
        raise DiscoverError(
            f"--fail {fail!r}: a percentage is a change between two lever values; give "
            "--compare KEY, or an absolute threshold"
        )
    points, roles = load_points(folder, threshold.outcome)
    values: list[Any] = []
    if compare:
        points, values = paired_change(points, roles, compare, threshold.outcome, threshold.percent)
        roles = {k: r for k, r in roles.items() if k != compare}
    cols = [k for k, r in roles.items() if inputs == "all" or r == "uncertainty"]
    if not cols:
        raise DiscoverError(
            f"{folder}: the sweep has no uncertainties to search (sweep.uncertainties was "
            "empty); rerun it with some, or use --inputs all to search the levers too"
        )
    target = Path(out) if out else folder / _folder_name(threshold, compare)
    check_output(target, "--out")
    _check_own_folder(target)
    y = threshold.fails(points[threshold.outcome].to_numpy(float))
    points = points.assign(fail=y)
    if not y.any():
        raise DiscoverError(
            f"--fail {threshold.text!r}: no design point fails it (the outcome ranges "
            f"{points[threshold.outcome].min():.4g} to {points[threshold.outcome].max():.4g}); "
            "nothing to explain"
        )
    found, traj = find_boxes(points[cols], y, boxes, density, mass_min, peel_alpha)
    statements = []
    for box in found:
        box.statement = box_statement(box, threshold, compare, values)
        statements.append(box.statement)
    _write(target, threshold, compare, values, points, traj, found, folder)
    return Discovery(target, points, traj, found, statements)


def _check_own_folder(target: Path) -> None:
    """An existing --out must be empty or an earlier discover output (it holds discover.json):
    written into another experiment's folder, the outputs would mix with its results and make
    `cadresim report` of that folder write a discover report over its own."""
    if not target.is_dir() or (target / "discover.json").is_file():
        return
    others = sorted(p.name for p in target.iterdir() if not p.name.startswith("."))
    if others:
        shown = ", ".join(others[:3]) + (", ..." if len(others) > 3 else "")
        raise DiscoverError(
            f"--out = {str(target)!r} holds other files ({shown}); choose an empty or new "
            "folder, or an earlier discover output"
        )


def _write(
    target: Path,
    threshold: Threshold,
    compare: str | None,
    values: list[Any],
    points: pd.DataFrame,
    traj: pd.DataFrame,
    found: list[Box],
    sweep: Path,
) -> None:
    target.mkdir(parents=True, exist_ok=True)
    limits = pd.concat(
        [b.limits.assign(box=b.number, coverage=b.coverage, density=b.density, mass=b.mass)
         for b in found], ignore_index=True,
    )  # fmt: skip
    limits["values"] = limits["values"].map(lambda v: ", ".join(v))
    limits = limits[["box", "parameter", "restricted", "lo", "hi", "values", "range_lo",
                     "range_hi", "coverage", "density", "mass"]]  # fmt: skip
    store.write_parquet(target / "points.parquet", points)
    for name, table in (("peeling", traj), ("boxes", limits)):
        store.write_parquet(target / f"{name}.parquet", table)
        store.atomic_write(target / f"{name}.csv", lambda f, t=table: t.to_csv(f, index=False))
    question = threshold.text + (f" ({compare}: {values[0]} -> {values[1]})" if compare else "")
    for name, fig in _figures(traj, found, question).items():
        text = fig.to_html(include_plotlyjs="directory", full_html=True)
        store.atomic_write(target / name, lambda f, t=text: Path(f).write_text(t, encoding="utf-8"))
    if not (target / "plotly.min.js").exists():
        from plotly.offline import get_plotlyjs  # noqa: PLC0415

        js = get_plotlyjs()
        store.atomic_write(target / "plotly.min.js", lambda f: Path(f).write_text(js, "utf-8"))
    store.write_json(
        target / "discover.json",
        {
            "sweep": str(sweep),
            "fail": threshold.text,
            "compare": {"key": compare, "from": values[0], "to": values[1]} if compare else None,
            "points": len(points),
            "failing_points": int(points["fail"].sum()),
            "boxes": [b.statement for b in found],
            "versions": prim_versions(),
            "cadresim": store.package_version(),
        },
    )


# ---------------------------------------------------------------- command


def format_trajectory(traj: pd.DataFrame, rows: int = 8) -> str:
    """About `rows` evenly spaced steps of each box's trajectory, and its chosen step."""
    parts = []
    for _, t in traj.groupby("box"):
        t = t.reset_index(drop=True)
        keep = set(np.linspace(0, len(t) - 1, min(rows, len(t))).round().astype(int))
        keep |= set(t.index[t["chosen"]])
        view = t.loc[sorted(keep), ["box", "id", "coverage", "density", "mass", "res_dim"]]
        view.insert(0, " ", np.where(t.loc[sorted(keep), "chosen"], "*", ""))
        parts.append(view)
    table = pd.concat(parts)
    return table.to_string(index=False, float_format=lambda x: f"{x:.3f}")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        cli.fail(f"discover: {message}")


def discover_main(argv: list[str]) -> int:
    p = _Parser(
        prog="cadresim discover",
        description="Scenario discovery (PRIM) on a finished sweep: where does a policy fail?",
    )
    p.add_argument("folder", help="the results folder of a sweep with sweep.uncertainties")
    p.add_argument("--fail", required=True, help="e.g. 'misconduct_rate > 0.05'")
    p.add_argument("--compare", default=None, help="a lever with two values: judge its effect")
    p.add_argument("--inputs", default="uncertainties", help="uncertainties (default) or all")
    p.add_argument("--boxes", type=int, default=2, help="boxes to find (default 2)")
    p.add_argument(
        "--density", type=float, default=None,
        help="density a box must reach (default: halfway from the failing share to 1, >= 0.8)",
    )  # fmt: skip
    p.add_argument("--mass-min", type=float, default=0.05, help="smallest box, share of points")
    p.add_argument("--peel-alpha", type=float, default=0.05, help="share peeled per step")
    p.add_argument("--out", default=None, help="folder for the outputs")
    a = p.parse_args(argv)
    try:
        d = discover(
            a.folder, a.fail, compare=a.compare, inputs=a.inputs, boxes=a.boxes,
            density=a.density, mass_min=a.mass_min, peel_alpha=a.peel_alpha, out=a.out,
        )  # fmt: skip
    except (DiscoverError, cli.ConfigError) as exc:
        cli.fail(str(exc))
    print(
        f"discover: {int(d.points['fail'].sum())} of {len(d.points)} points fail; "
        f"{len(d.boxes)} box(es)"
    )
    for s in d.statements:
        print(s)
    print("peeling trajectory (coverage/density trade-off; * = chosen box):")
    print(format_trajectory(d.trajectory))
    print(f"results: {d.folder}")
    return 0


cli.SUBCOMMANDS["discover"] = discover_main
